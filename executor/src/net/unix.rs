//! Unix domain sockets: [`UnixListener`], [`UnixStream`] (with owned halves
//! [`OwnedReadHalf`] and [`OwnedWriteHalf`]) and [`UnixDatagram`], asyncio's
//! `start_unix_server` / `open_unix_connection` underneath.
//!
//! A path longer than the kernel allows (about 107 bytes) is an `InvalidInput` error; a
//! path where a socket file exists already is `AddrInUse` (remove a stale one first).

use super::conn::{Conn, stream_methods};
use super::register;
use crate::io::{Direction, Registration};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;

/// The read half of a [`UnixStream`] (see [`UnixStream::into_split`]).
pub type OwnedReadHalf = super::OwnedReadHalf<UnixStream>;
/// The write half of a [`UnixStream`] (see [`UnixStream::into_split`]).
pub type OwnedWriteHalf = super::OwnedWriteHalf<UnixStream>;

/// A Unix socket listening for connections.
///
/// ```
/// use weft::net::{UnixListener, UnixStream};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("weft-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("listener.sock");
/// # let _ = std::fs::remove_file(&path);
/// let listener = UnixListener::bind(&path)?;
/// let client = weft::spawn(UnixStream::connect(path.clone()));
/// let (conn, _) = listener.accept().await?;
/// let client = client.await.unwrap()?;
/// client.write_all(b"over a file").await?;
/// let mut buf = [0u8; 11];
/// conn.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"over a file");
/// # std::fs::remove_file(&path)?;
/// # std::fs::remove_dir(&dir)?;
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub struct UnixListener {
    socket: mio::net::UnixListener,
    registration: Registration,
}

impl std::fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnixListener").field("local_addr", &self.socket.local_addr().ok()).finish()
    }
}

impl UnixListener {
    /// Binds to `path` and listens. `AddrInUse` if a file exists there; `InvalidInput`
    /// if the path is too long for a socket address.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let long = std::env::temp_dir().join("x".repeat(200));
    /// let err = weft::net::UnixListener::bind(&long).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// # });
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::from_mio(mio::net::UnixListener::bind(path)?)
    }

    /// Takes a listener made with the standard library (it is switched to non-blocking).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let name = format!("weft-doc-unix-listener-from-std-{}.sock", std::process::id());
    /// let path = std::env::temp_dir().join(name);
    /// # let _ = std::fs::remove_file(&path);
    /// let std_listener = std::os::unix::net::UnixListener::bind(&path)?;
    /// let listener = weft::net::UnixListener::from_std(std_listener)?;
    /// let _client = weft::net::UnixStream::connect(&path).await?;
    /// let (conn, _) = listener.accept().await?;
    /// assert_eq!(conn.local_addr()?.as_pathname(), Some(path.as_path()));
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        UnixListener::from_mio(mio::net::UnixListener::from_std(listener))
    }

    fn from_mio(mut socket: mio::net::UnixListener) -> io::Result<UnixListener> {
        let registration = register(&mut socket)?;
        Ok(UnixListener { socket, registration })
    }

    /// Waits for the next connection. A checkpoint: a cancelled accept takes no
    /// connection.
    ///
    /// ```
    /// use weft::net::{UnixListener, UnixStream};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let name = format!("weft-doc-unix-accept-{}.sock", std::process::id());
    /// let path = std::env::temp_dir().join(name);
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// let client = UnixStream::connect(&path).await?;
    /// let (conn, peer) = listener.accept().await?;
    /// assert!(peer.is_unnamed()); // the client did not bind a path
    /// client.write_all(b"hi").await?;
    /// let mut buf = [0u8; 2];
    /// conn.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"hi");
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (socket, peer) = self.registration.io(Direction::Read, || self.socket.accept()).await?;
        Ok((UnixStream::from_mio(socket)?, peer))
    }

    /// The address the listener is bound to.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let name = format!("weft-doc-unix-listener-addr-{}.sock", std::process::id());
    /// let path = std::env::temp_dir().join(name);
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = weft::net::UnixListener::bind(&path)?;
    /// assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

/// A Unix stream connection. Like [`TcpStream`](super::TcpStream): reads and writes take
/// `&self`, each is a checkpoint, a cancelled one did not happen; `futures_io` traits,
/// vectored writes, reads into uninitialised memory and owned halves.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let (a, b) = weft::net::UnixStream::pair()?;
/// a.write_all(b"ping").await?;
/// let mut buf = [0u8; 4];
/// b.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub struct UnixStream {
    conn: Conn<mio::net::UnixStream>,
}

impl std::fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnixStream").field("peer_addr", &self.conn.socket.peer_addr().ok()).finish()
    }
}

impl UnixStream {
    /// Connects to the socket at `path`. `NotFound` if there is none, `ConnectionRefused`
    /// if nobody listens on it any more.
    ///
    /// ```
    /// use weft::net::{UnixListener, UnixStream};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let name = format!("weft-doc-unix-connect-{}.sock", std::process::id());
    /// let path = std::env::temp_dir().join(name);
    /// # let _ = std::fs::remove_file(&path);
    /// let err = UnixStream::connect(&path).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// let listener = UnixListener::bind(&path)?;
    /// let stream = UnixStream::connect(&path).await?;
    /// assert_eq!(stream.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// drop(listener); // the file stays, but nobody listens on it
    /// let err = UnixStream::connect(&path).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let mut socket = mio::net::UnixStream::connect(path)?;
        let registration = register(&mut socket)?;
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
        Ok(UnixStream { conn: Conn { socket, registration } })
    }

    /// Two connected streams (`socketpair`).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (a, b) = weft::net::UnixStream::pair()?;
    /// assert!(a.peer_addr()?.is_unnamed()); // no file behind either end
    /// b.write_all(b"pong").await?;
    /// let mut buf = [0u8; 4];
    /// a.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"pong");
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        Ok((UnixStream::from_mio(a)?, UnixStream::from_mio(b)?))
    }

    /// Takes a connected stream made with the standard library (it is switched to
    /// non-blocking).
    ///
    /// ```
    /// use std::io::Write;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (mine, theirs) = std::os::unix::net::UnixStream::pair()?;
    /// let stream = weft::net::UnixStream::from_std(mine)?;
    /// (&theirs).write_all(b"from std")?;
    /// let mut buf = [0u8; 8];
    /// stream.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"from std");
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::from_mio(mio::net::UnixStream::from_std(stream))
    }

    fn from_mio(mut socket: mio::net::UnixStream) -> io::Result<UnixStream> {
        let registration = register(&mut socket)?;
        Ok(UnixStream { conn: Conn { socket, registration } })
    }

    /// This end's address.
    ///
    /// ```
    /// use weft::net::{UnixListener, UnixStream};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let name = format!("weft-doc-unix-stream-local-{}.sock", std::process::id());
    /// let path = std::env::temp_dir().join(name);
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// let client = UnixStream::connect(&path).await?;
    /// let (conn, _) = listener.accept().await?;
    /// assert!(client.local_addr()?.is_unnamed());
    /// assert_eq!(conn.local_addr()?.as_pathname(), Some(path.as_path()));
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.conn.socket.local_addr()
    }

    /// The other end's address.
    ///
    /// ```
    /// use weft::net::{UnixListener, UnixStream};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let name = format!("weft-doc-unix-stream-peer-{}.sock", std::process::id());
    /// let path = std::env::temp_dir().join(name);
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// let client = UnixStream::connect(&path).await?;
    /// let (conn, _) = listener.accept().await?;
    /// assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// assert!(conn.peer_addr()?.is_unnamed());
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.conn.socket.peer_addr()
    }
}

stream_methods!(UnixStream, "let (a, b) = weft::net::UnixStream::pair()?;");

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.conn.socket.as_raw_fd()
    }
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.conn.socket.as_fd()
    }
}

/// A Unix datagram socket. Every send and receive is a checkpoint; a cancelled one did
/// not happen.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let (a, b) = weft::net::UnixDatagram::pair()?;
/// a.send(b"one datagram").await?;
/// let mut buf = [0u8; 64];
/// let n = b.recv(&mut buf).await?;
/// assert_eq!(&buf[..n], b"one datagram");
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub struct UnixDatagram {
    socket: mio::net::UnixDatagram,
    registration: Registration,
}

impl std::fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnixDatagram").field("local_addr", &self.socket.local_addr().ok()).finish()
    }
}

impl UnixDatagram {
    /// Binds to `path`.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let name = format!("weft-doc-unix-dgram-bind-{}.sock", std::process::id());
    /// let path = std::env::temp_dir().join(name);
    /// # let _ = std::fs::remove_file(&path);
    /// let socket = weft::net::UnixDatagram::bind(&path)?;
    /// assert_eq!(socket.local_addr()?.as_pathname(), Some(path.as_path()));
    /// let err = weft::net::UnixDatagram::bind(&path).unwrap_err(); // the file exists
    /// assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        UnixDatagram::from_mio(mio::net::UnixDatagram::bind(path)?)
    }

    /// An unbound socket (it can send to bound ones, and receive replies once connected).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let name = format!("weft-doc-unix-dgram-unbound-{}.sock", std::process::id());
    /// let path = std::env::temp_dir().join(name);
    /// # let _ = std::fs::remove_file(&path);
    /// let server = weft::net::UnixDatagram::bind(&path)?;
    /// let client = weft::net::UnixDatagram::unbound()?;
    /// client.send_to(b"anonymous", &path).await?;
    /// let mut buf = [0u8; 16];
    /// let (n, from) = server.recv_from(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"anonymous");
    /// assert!(from.is_unnamed()); // nowhere to reply to
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_mio(mio::net::UnixDatagram::unbound()?)
    }

    /// Two connected sockets.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (a, b) = weft::net::UnixDatagram::pair()?;
    /// b.send(b"reply").await?;
    /// let mut buf = [0u8; 16];
    /// let n = a.recv(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"reply");
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_mio(a)?, UnixDatagram::from_mio(b)?))
    }

    fn from_mio(mut socket: mio::net::UnixDatagram) -> io::Result<UnixDatagram> {
        let registration = register(&mut socket)?;
        Ok(UnixDatagram { socket, registration })
    }

    /// Sets the default peer.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let name = format!("weft-doc-unix-dgram-connect-{}.sock", std::process::id());
    /// let path = std::env::temp_dir().join(name);
    /// # let _ = std::fs::remove_file(&path);
    /// let server = weft::net::UnixDatagram::bind(&path)?;
    /// let client = weft::net::UnixDatagram::unbound()?;
    /// client.connect(&path)?;
    /// client.send(b"to the peer").await?;
    /// let mut buf = [0u8; 16];
    /// let n = server.recv(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"to the peer");
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.socket.connect(path)
    }

    /// Sends one datagram to `path`.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let dir = std::env::temp_dir().join(format!("weft-doc-dgram-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("server.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let server = weft::net::UnixDatagram::bind(&path)?;
    /// let client = weft::net::UnixDatagram::unbound()?;
    /// client.send_to(b"hello", &path).await?;
    /// let mut buf = [0u8; 16];
    /// let (n, _from) = server.recv_from(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"hello");
    /// # std::fs::remove_file(&path)?;
    /// # std::fs::remove_dir(&dir)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        self.registration.io(Direction::Write, || self.socket.send_to(buf, path)).await
    }

    /// Waits for one datagram; returns its length and sender.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let name = format!("weft-doc-unix-dgram-recv-from-{}.sock", std::process::id());
    /// let path = std::env::temp_dir().join(name);
    /// # let _ = std::fs::remove_file(&path);
    /// let client_path = path.with_extension("client.sock");
    /// # let _ = std::fs::remove_file(&client_path);
    /// let server = weft::net::UnixDatagram::bind(&path)?;
    /// let client = weft::net::UnixDatagram::bind(&client_path)?;
    /// client.send_to(b"who am I", &path).await?;
    /// let mut buf = [0u8; 16];
    /// let (n, from) = server.recv_from(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"who am I");
    /// assert_eq!(from.as_pathname(), Some(client_path.as_path()));
    /// # std::fs::remove_file(&path)?;
    /// # std::fs::remove_file(&client_path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.registration.io(Direction::Read, || self.socket.recv_from(buf)).await
    }

    /// Sends one datagram to the connected peer.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (a, b) = weft::net::UnixDatagram::pair()?;
    /// assert_eq!(a.send(b"datagram").await?, 8);
    /// let mut buf = [0u8; 16];
    /// assert_eq!(b.recv(&mut buf).await?, 8);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.registration.io(Direction::Write, || self.socket.send(buf)).await
    }

    /// Waits for one datagram from the connected peer.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (a, b) = weft::net::UnixDatagram::pair()?;
    /// a.send(b"one").await?;
    /// a.send(b"two").await?;
    /// let mut buf = [0u8; 16];
    /// let n = b.recv(&mut buf).await?; // one datagram at a time
    /// assert_eq!(&buf[..n], b"one");
    /// let n = b.recv(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"two");
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.registration.io(Direction::Read, || self.socket.recv(buf)).await
    }

    /// The address the socket is bound to.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let name = format!("weft-doc-unix-dgram-addr-{}.sock", std::process::id());
    /// let path = std::env::temp_dir().join(name);
    /// # let _ = std::fs::remove_file(&path);
    /// let bound = weft::net::UnixDatagram::bind(&path)?;
    /// assert_eq!(bound.local_addr()?.as_pathname(), Some(path.as_path()));
    /// assert!(weft::net::UnixDatagram::unbound()?.local_addr()?.is_unnamed());
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }
}
