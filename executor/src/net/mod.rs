//! TCP, UDP and Unix sockets, and asyncio's streams over them, with every wait a
//! checkpoint.
//!
//! * [`open_connection`] / [`open_unix_connection`] are asyncio's: a buffered
//!   [`StreamReader`] (`readline`, `readuntil`, `readexactly` with a limit; a cancelled
//!   read loses no byte) and a [`StreamWriter`] (`write` + `drain` with water marks,
//!   `write_eof`, `close`). `start_server` and its `Server` are in the structured
//!   layer (`weft::net::start_server`), because a server's handlers are a task group.
//! * [`TcpStream::connect`] is `asyncio.open_connection`: one stream that both reads
//!   and writes (`read`/`write` take `&self`, so a reader task and a writer task can
//!   share it through an `Arc`). It also implements `futures_io::AsyncRead` and
//!   `AsyncWrite`.
//! * [`TcpListener::bind`] and [`TcpListener::accept`] are `asyncio.start_server`: accept
//!   in a loop and spawn one task per connection (into a task group, to keep them
//!   structured).
//! * [`UdpSocket`] is a datagram endpoint.
//!
//! Each is a non-blocking mio socket plus a [`Registration`] with the runtime's reactor:
//! an operation runs when the socket is ready and, on `WouldBlock`, clears that readiness
//! and waits again (see `io/mod.rs`).
//!
//! **Cancellation.** Every wait is a checkpoint. A cancelled operation returns an
//! `io::Error` of kind `Other` whose inner error is the [`Cancelled`](crate::Cancelled)
//! (`err.get_ref()`, [`crate::io::is_cancelled_error`]; never `Interrupted`, which retry
//! loops retry), and it has not happened: no byte was read or written, no connection
//! was accepted. So a cancelled read loses no data; the next read gets it.
//!
//! **Addresses.** `connect` and `bind` take anything `ToSocketAddrs` takes. An address,
//! or a string or `(host, port)` whose host is an IP literal, is used as it is; a host
//! name is looked up on the blocking pool (the lookup blocks). Each address is tried in
//! turn, and the last error is returned if none works.
//!
//! ```
//! use weft::net::{TcpListener, TcpStream};
//! # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
//! let listener = TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! let server = weft::spawn(async move {
//!     let (conn, _) = listener.accept().await?;
//!     let mut buf = [0u8; 5];
//!     conn.read_exact(&mut buf).await?;
//!     conn.write_all(&buf).await?; // echo
//!     Ok::<_, std::io::Error>(())
//! });
//! let client = TcpStream::connect(addr).await?;
//! client.write_all(b"hello").await?;
//! let mut back = [0u8; 5];
//! client.read_exact(&mut back).await?;
//! assert_eq!(&back, b"hello");
//! server.await.unwrap()?;
//! # Ok::<(), std::io::Error>(()) }).unwrap();
//! ```

pub(crate) mod conn;
mod socket;
pub(crate) mod split;
pub mod stream;
pub mod tcp;
mod udp;
pub mod unix;

pub use socket::TcpSocket;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use stream::{
    DEFAULT_LIMIT, StreamError, StreamReader, StreamWriter, open_connection, open_unix_connection,
};
pub use tcp::{TcpListener, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixStream};

use std::fmt;
use std::path::PathBuf;

/// An end of a stream connection, as [`StreamWriter::peer_addr`] reports it (asyncio's
/// `get_extra_info("peername")`).
///
/// ```
/// use weft::net::StreamAddr;
/// let a: StreamAddr = "127.0.0.1:80".parse::<std::net::SocketAddr>().unwrap().into();
/// assert_eq!(a.to_string(), "127.0.0.1:80");
/// assert_eq!(StreamAddr::Unix(None).to_string(), "(unnamed)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamAddr {
    /// An IP address and port.
    Inet(SocketAddr),
    /// A Unix socket's path (`None` for an unnamed socket, such as a connecting client's).
    Unix(Option<PathBuf>),
    /// Not known (the socket is closed, or the stream is not a socket).
    None,
}

impl From<SocketAddr> for StreamAddr {
    fn from(a: SocketAddr) -> Self {
        StreamAddr::Inet(a)
    }
}

impl From<std::os::unix::net::SocketAddr> for StreamAddr {
    fn from(a: std::os::unix::net::SocketAddr) -> Self {
        StreamAddr::Unix(a.as_pathname().map(PathBuf::from))
    }
}

impl fmt::Display for StreamAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamAddr::Inet(a) => a.fmt(f),
            StreamAddr::Unix(Some(p)) => p.display().fmt(f),
            StreamAddr::Unix(None) => f.write_str("(unnamed)"),
            StreamAddr::None => f.write_str("(unknown)"),
        }
    }
}

use crate::io::Registration;
use std::any::Any;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6, ToSocketAddrs};

/// Resolves `addr`: at once if it is already an address (or a string or `(host, port)`
/// whose host is an IP literal), else on the blocking pool (a host name lookup blocks).
async fn resolve<A: ToSocketAddrs + Send + 'static>(addr: A) -> io::Result<Vec<SocketAddr>> {
    if let Some(addrs) = literal(&addr) {
        return Ok(addrs);
    }
    let addrs = crate::blocking::to_thread(move || addr.to_socket_addrs().map(Iterator::collect::<Vec<_>>))
        .await
        .map_err(|e| match e.as_cancelled() {
            Some(c) => crate::io::cancelled_error(c.clone()),
            None => io::Error::other(e.to_string()),
        })??;
    if addrs.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "the address resolved to nothing"));
    }
    Ok(addrs)
}

/// The addresses `addr` stands for, if finding them needs no lookup.
fn literal(addr: &dyn Any) -> Option<Vec<SocketAddr>> {
    fn host_port(host: &str, port: u16) -> Option<Vec<SocketAddr>> {
        host.parse::<IpAddr>().ok().map(|ip| vec![SocketAddr::new(ip, port)])
    }
    if let Some(a) = addr.downcast_ref::<SocketAddr>() {
        return Some(vec![*a]);
    }
    if let Some(a) = addr.downcast_ref::<SocketAddrV4>() {
        return Some(vec![SocketAddr::V4(*a)]);
    }
    if let Some(a) = addr.downcast_ref::<SocketAddrV6>() {
        return Some(vec![SocketAddr::V6(*a)]);
    }
    if let Some((ip, port)) = addr.downcast_ref::<(IpAddr, u16)>() {
        return Some(vec![SocketAddr::new(*ip, *port)]);
    }
    if let Some((ip, port)) = addr.downcast_ref::<(Ipv4Addr, u16)>() {
        return Some(vec![SocketAddr::new(IpAddr::V4(*ip), *port)]);
    }
    if let Some((ip, port)) = addr.downcast_ref::<(Ipv6Addr, u16)>() {
        return Some(vec![SocketAddr::new(IpAddr::V6(*ip), *port)]);
    }
    if let Some(s) = addr.downcast_ref::<&'static str>() {
        return s.parse::<SocketAddr>().ok().map(|a| vec![a]);
    }
    if let Some(s) = addr.downcast_ref::<String>() {
        return s.parse::<SocketAddr>().ok().map(|a| vec![a]);
    }
    if let Some((host, port)) = addr.downcast_ref::<(&'static str, u16)>() {
        return host_port(host, *port);
    }
    if let Some((host, port)) = addr.downcast_ref::<(String, u16)>() {
        return host_port(host, *port);
    }
    None
}

/// Tries `f` on each address in turn; the first success, or the last error.
async fn each_addr<A, T, F, Fut>(addr: A, mut f: F) -> io::Result<T>
where
    A: ToSocketAddrs + Send + 'static,
    F: FnMut(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let mut last = None;
    for a in resolve(addr).await? {
        match f(a).await {
            Ok(t) => return Ok(t),
            // A cancellation ends the attempts: it is not an address that failed.
            Err(e) if is_cancellation(&e) => return Err(e),
            Err(e) => last = Some(e),
        }
    }
    Err(last.expect("resolve returned at least one address"))
}

/// Whether `e` is a cancellation that an operation of this module reported.
fn is_cancellation(e: &io::Error) -> bool {
    crate::io::is_cancelled_error(e)
}

/// Registers a fresh mio socket with the current runtime's reactor.
fn register<S: mio::event::Source>(socket: &mut S) -> io::Result<Registration> {
    Registration::new(socket, mio::Interest::READABLE | mio::Interest::WRITABLE)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::literal;
    use std::net::{Ipv4Addr, SocketAddr};

    #[test]
    fn addresses_and_ip_literals_need_no_lookup() {
        let a: SocketAddr = "127.0.0.1:80".parse().unwrap();
        assert_eq!(literal(&a), Some(vec![a]));
        assert_eq!(literal(&"127.0.0.1:80"), Some(vec![a]));
        assert_eq!(literal(&String::from("127.0.0.1:80")), Some(vec![a]));
        assert_eq!(literal(&("127.0.0.1", 80u16)), Some(vec![a]));
        assert_eq!(literal(&(Ipv4Addr::LOCALHOST, 80u16)), Some(vec![a]));
        assert_eq!(literal(&("[::1]:80")).map(|v| v[0].is_ipv6()), Some(true));
    }

    #[test]
    fn host_names_go_to_the_lookup() {
        assert_eq!(literal(&"localhost:80"), None);
        assert_eq!(literal(&("example.com", 80u16)), None);
        assert_eq!(literal(&String::from("example.com:80")), None);
    }
}
