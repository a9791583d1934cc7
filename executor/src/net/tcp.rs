//! [`TcpListener`] and [`TcpStream`].

use super::{each_addr, register};
use crate::io::{Direction, Registration};
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::task::{Context, Poll};

/// A TCP socket listening for connections: the server side of asyncio's `start_server`.
///
/// ```
/// use weft::net::{TcpListener, TcpStream};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let client = weft::spawn(TcpStream::connect(listener.local_addr()?));
/// let (conn, peer) = listener.accept().await?;
/// assert_eq!(conn.peer_addr()?, peer);
/// client.await.unwrap()?;
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub struct TcpListener {
    socket: mio::net::TcpListener,
    registration: Registration,
}

impl std::fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpListener").field("local_addr", &self.socket.local_addr().ok()).finish()
    }
}

impl TcpListener {
    /// Binds to `addr` (port 0 picks a free port) and listens. Each resolved address is
    /// tried in turn.
    pub async fn bind<A: ToSocketAddrs + Send + 'static>(addr: A) -> io::Result<TcpListener> {
        each_addr(addr, |a| async move {
            let mut socket = mio::net::TcpListener::bind(a)?;
            let registration = register(&mut socket)?;
            Ok(TcpListener { socket, registration })
        })
        .await
    }

    /// Takes a listener made with the standard library (it is switched to non-blocking).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let listener = weft::net::TcpListener::from_std(std_listener)?;
    /// assert!(listener.local_addr()?.port() > 0);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        let mut socket = mio::net::TcpListener::from_std(listener);
        let registration = register(&mut socket)?;
        Ok(TcpListener { socket, registration })
    }

    /// Waits for the next connection. A checkpoint: a cancelled accept takes no
    /// connection (the next accept gets it).
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (mut socket, peer) = self.registration.io(Direction::Read, || self.socket.accept()).await?;
        let registration = register(&mut socket)?;
        Ok((TcpStream { socket, registration }, peer))
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }
}

/// A TCP connection: asyncio's `(StreamReader, StreamWriter)` pair in one value.
///
/// Reads and writes take `&self`: share the stream through an `Arc` to read in one task
/// and write in another. Every operation is a checkpoint; a cancelled one did not happen.
/// It also implements `futures_io::AsyncRead` and `AsyncWrite` (for `&TcpStream` too).
///
/// ```
/// use weft::net::{TcpListener, TcpStream};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// weft::spawn(async move {
///     let (conn, _) = listener.accept().await?;
///     conn.write_all(b"HTTP/1.0 200 OK\r\n\r\n").await?;
///     conn.shutdown(std::net::Shutdown::Write)
/// });
/// let stream = TcpStream::connect(addr).await?;
/// let mut reply = Vec::new();
/// stream.read_to_end(&mut reply).await?;
/// assert!(reply.starts_with(b"HTTP/1.0 200 OK"));
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub struct TcpStream {
    socket: mio::net::TcpStream,
    registration: Registration,
}

impl std::fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.socket.local_addr().ok())
            .field("peer_addr", &self.socket.peer_addr().ok())
            .finish()
    }
}

impl TcpStream {
    /// Connects to `addr`: asyncio's `open_connection`. Each resolved address is tried in
    /// turn; the error of the last one is returned if none accepts.
    pub async fn connect<A: ToSocketAddrs + Send + 'static>(addr: A) -> io::Result<TcpStream> {
        each_addr(addr, Self::connect_addr).await
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let mut socket = mio::net::TcpStream::connect(addr)?;
        let registration = register(&mut socket)?;
        // A non-blocking connect completes when the socket becomes writable; then either
        // the socket holds the error, or it has a peer.
        registration
            .io(Direction::Write, || {
                if let Some(e) = socket.take_error()? {
                    return Err(e);
                }
                match socket.peer_addr() {
                    Ok(_) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    Err(e) => Err(e),
                }
            })
            .await?;
        Ok(TcpStream { socket, registration })
    }

    /// Takes a connected stream made with the standard library (it is switched to
    /// non-blocking).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let std_stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let stream = weft::net::TcpStream::from_std(std_stream)?;
    /// assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        let mut socket = mio::net::TcpStream::from_std(stream);
        let registration = register(&mut socket)?;
        Ok(TcpStream { socket, registration })
    }

    /// Reads what is available, at least one byte (`Ok(0)` at end of stream, or for an
    /// empty `buf`).
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read_priv(cx, buf)).await
    }

    /// Reads exactly `buf.len()` bytes; `UnexpectedEof` if the stream ends first. If it
    /// is cancelled midway, the bytes already read are in `buf` but lost to the caller:
    /// use [`read`](Self::read) where that matters.
    pub async fn read_exact(&self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read(buf).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    /// Reads until the end of the stream, appending to `buf`; returns the number of bytes
    /// read (asyncio's `await reader.read()`).
    pub async fn read_to_end(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let start = buf.len();
        let mut chunk = [0u8; 4096];
        loop {
            match self.read(&mut chunk).await? {
                0 => return Ok(buf.len() - start),
                n => buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Writes some of `buf`; returns how many bytes.
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_write_priv(cx, buf)).await
    }

    /// Writes all of `buf` (asyncio's `writer.write(data); await writer.drain()`). If it is
    /// cancelled midway, a prefix of `buf` may have been written: use
    /// [`write`](Self::write), which writes some bytes or none, where that matters.
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// Shuts down the read side, the write side, or both (`Shutdown::Write` sends the
    /// end of stream: asyncio's `writer.write_eof()`).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.socket.shutdown(how)
    }

    /// The address of the other end.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.socket.peer_addr()
    }

    /// This end's address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Disables (or re-enables) Nagle's algorithm: small writes go out at once.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.socket.set_nodelay(nodelay)
    }

    fn poll_read_priv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let len = buf.len();
        // A short read emptied the socket's receive buffer (see `poll_io_drained`).
        self.registration.poll_io_drained(
            Direction::Read,
            cx,
            || (&self.socket).read(buf),
            |&n| n > 0 && n < len,
        )
    }

    fn poll_write_priv(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        // A short write filled the socket's send buffer.
        self.registration.poll_io_drained(
            Direction::Write,
            cx,
            || (&self.socket).write(buf),
            |&n| n > 0 && n < buf.len(),
        )
    }
}

impl futures_io::AsyncRead for TcpStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.poll_read_priv(cx, buf)
    }
}

impl futures_io::AsyncRead for &TcpStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.poll_read_priv(cx, buf)
    }
}

impl futures_io::AsyncWrite for TcpStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write_priv(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(())) // nothing is buffered in user space
    }
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.socket.shutdown(Shutdown::Write))
    }
}

impl futures_io::AsyncWrite for &TcpStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write_priv(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.socket.shutdown(Shutdown::Write))
    }
}
