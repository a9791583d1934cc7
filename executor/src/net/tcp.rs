//! [`TcpListener`] and [`TcpStream`]; their owned halves are [`OwnedReadHalf`] and
//! [`OwnedWriteHalf`].

use super::conn::{Conn, stream_methods};
use super::{each_addr, register};
use crate::io::{Direction, Registration};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

/// The read half of a [`TcpStream`] (see [`TcpStream::into_split`]).
pub type OwnedReadHalf = super::OwnedReadHalf<TcpStream>;
/// The write half of a [`TcpStream`] (see [`TcpStream::into_split`]).
pub type OwnedWriteHalf = super::OwnedWriteHalf<TcpStream>;

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
    /// Binds to `addr` (port 0 picks a free port) and listens, with `SO_REUSEADDR` set and
    /// a backlog of 1024 (use [`TcpSocket`](super::TcpSocket) for other options). Each
    /// resolved address is tried in turn.
    ///
    /// Errors: `AddrInUse` if another socket listens there, `InvalidInput` for an address
    /// that does not parse (a host name that does not resolve is the lookup's error).
    ///
    /// ```
    /// use weft::net::TcpListener;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let first = TcpListener::bind("127.0.0.1:0").await?;
    /// let taken = TcpListener::bind(first.local_addr()?).await.unwrap_err();
    /// assert_eq!(taken.kind(), std::io::ErrorKind::AddrInUse);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
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
    ///
    /// ```
    /// use weft::net::{TcpListener, TcpStream};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (conn, peer) = listener.accept().await?;
    /// assert_eq!(peer, client.local_addr()?);
    /// assert_eq!(conn.peer_addr()?, peer);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (socket, peer) = self.registration.io(Direction::Read, || self.socket.accept()).await?;
        Ok((TcpStream::from_mio(socket)?, peer))
    }

    /// The address the listener is bound to.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let addr = listener.local_addr()?;
    /// assert!(addr.ip().is_loopback());
    /// assert_ne!(addr.port(), 0); // the port the system picked
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Sets `IP_TTL` on the listener (accepted sockets inherit it).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let l = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    /// l.set_ttl(42)?;
    /// assert_eq!(l.ttl()?, 42);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.socket.set_ttl(ttl)
    }

    /// `IP_TTL`.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let l = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    /// l.set_ttl(100)?;
    /// assert_eq!(l.ttl()?, 100);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.socket.ttl()
    }

    pub(crate) fn from_mio(mut socket: mio::net::TcpListener) -> io::Result<TcpListener> {
        let registration = register(&mut socket)?;
        Ok(TcpListener { socket, registration })
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

/// A TCP connection: asyncio's `(StreamReader, StreamWriter)` pair in one value.
///
/// Reads and writes take `&self`: share the stream through an `Arc` to read in one task
/// and write in another, or split it into owned halves ([`into_split`](Self::into_split)).
/// Every operation is a checkpoint; a cancelled one did not happen. It also implements
/// `futures_io::AsyncRead` and `AsyncWrite` (for `&TcpStream` too), with vectored writes.
/// For asyncio's buffered reader and writer, see [`open_connection`](super::open_connection).
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
    conn: Conn<mio::net::TcpStream>,
}

impl std::fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.conn.socket.local_addr().ok())
            .field("peer_addr", &self.conn.socket.peer_addr().ok())
            .finish()
    }
}

impl TcpStream {
    /// Connects to `addr`: asyncio's `open_connection`. Each resolved address is tried in
    /// turn; the error of the last one is returned if none accepts.
    ///
    /// ```
    /// use weft::net::{TcpListener, TcpStream};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let port = listener.local_addr()?.port();
    /// let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    /// assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn connect<A: ToSocketAddrs + Send + 'static>(addr: A) -> io::Result<TcpStream> {
        each_addr(addr, Self::connect_addr).await
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        TcpStream::connecting(mio::net::TcpStream::connect(addr)?).await
    }

    /// Waits for a non-blocking connect of `socket` to complete.
    pub(crate) async fn connecting(mut socket: mio::net::TcpStream) -> io::Result<TcpStream> {
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
        Ok(TcpStream { conn: Conn { socket, registration } })
    }

    pub(crate) fn from_mio(mut socket: mio::net::TcpStream) -> io::Result<TcpStream> {
        let registration = register(&mut socket)?;
        Ok(TcpStream { conn: Conn { socket, registration } })
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
        TcpStream::from_mio(mio::net::TcpStream::from_std(stream))
    }

    /// The address of the other end.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let l = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = weft::net::TcpStream::connect(l.local_addr()?).await?;
    /// assert_eq!(s.peer_addr()?, l.local_addr()?);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.conn.socket.peer_addr()
    }

    /// This end's address.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let l = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = weft::net::TcpStream::connect(l.local_addr()?).await?;
    /// let (conn, peer) = l.accept().await?;
    /// assert_eq!(s.local_addr()?, peer);
    /// assert_eq!(conn.local_addr()?, l.local_addr()?);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.conn.socket.local_addr()
    }

    /// Disables (or re-enables) Nagle's algorithm: small writes go out at once.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// # let l = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = weft::net::TcpStream::connect(l.local_addr()?).await?;
    /// s.set_nodelay(true)?;
    /// assert!(s.nodelay()?);
    /// s.set_keepalive(true)?;
    /// assert!(s.keepalive()?);
    /// s.set_ttl(17)?;
    /// assert_eq!(s.ttl()?, 17);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.conn.socket.set_nodelay(nodelay)
    }

    /// `TCP_NODELAY`.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// # let l = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = weft::net::TcpStream::connect(l.local_addr()?).await?;
    /// s.set_nodelay(true)?;
    /// assert!(s.nodelay()?);
    /// s.set_nodelay(false)?;
    /// assert!(!s.nodelay()?);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.conn.socket.nodelay()
    }

    /// Turns TCP keep-alive probes on or off (`SO_KEEPALIVE`).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// # let l = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = weft::net::TcpStream::connect(l.local_addr()?).await?;
    /// s.set_keepalive(true)?;
    /// assert!(s.keepalive()?);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        super::socket::set_bool(self.as_raw_fd(), libc::SOL_SOCKET, libc::SO_KEEPALIVE, keepalive)
    }

    /// `SO_KEEPALIVE`.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// # let l = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = weft::net::TcpStream::connect(l.local_addr()?).await?;
    /// s.set_keepalive(true)?;
    /// assert!(s.keepalive()?);
    /// s.set_keepalive(false)?;
    /// assert!(!s.keepalive()?);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn keepalive(&self) -> io::Result<bool> {
        super::socket::get_bool(self.as_raw_fd(), libc::SOL_SOCKET, libc::SO_KEEPALIVE)
    }

    /// Sets `IP_TTL`.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// # let l = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = weft::net::TcpStream::connect(l.local_addr()?).await?;
    /// s.set_ttl(17)?;
    /// assert_eq!(s.ttl()?, 17);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.conn.socket.set_ttl(ttl)
    }

    /// `IP_TTL`.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// # let l = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = weft::net::TcpStream::connect(l.local_addr()?).await?;
    /// s.set_ttl(33)?;
    /// assert_eq!(s.ttl()?, 33);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.conn.socket.ttl()
    }
}

stream_methods!(
    TcpStream,
    "# let l = weft::net::TcpListener::bind(\"127.0.0.1:0\").await?;\n# let a = weft::net::TcpStream::connect(l.local_addr()?).await?;\n# let (b, _) = l.accept().await?;"
);

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.conn.socket.as_raw_fd()
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.conn.socket.as_fd()
    }
}
