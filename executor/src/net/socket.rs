//! [`TcpSocket`]: a TCP socket configured before it listens or connects (backlog, address
//! reuse, buffer sizes, keep-alive), and the `setsockopt` helpers the streams use.

use super::{TcpListener, TcpStream};
use std::io;
use std::mem::{MaybeUninit, size_of};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::os::raw::c_int;

/// A TCP socket not yet listening or connected: set its options, then
/// [`listen`](Self::listen) or [`connect`](Self::connect) (tokio's `TcpSocket`).
///
/// ```
/// use weft::net::TcpSocket;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let socket = TcpSocket::new_v4()?;
/// socket.set_reuseaddr(true)?;
/// socket.bind("127.0.0.1:0".parse().unwrap())?;
/// let listener = socket.listen(4096)?; // the accept queue's length
/// let client = TcpSocket::new_v4()?;
/// client.set_nodelay(true)?;
/// let stream = client.connect(listener.local_addr()?).await?;
/// assert!(stream.nodelay()?);
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct TcpSocket {
    fd: OwnedFd,
}

impl TcpSocket {
    /// An IPv4 socket.
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(libc::AF_INET)
    }

    /// An IPv6 socket.
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(libc::AF_INET6)
    }

    /// A socket of the family of `addr`.
    pub fn new_for(addr: &SocketAddr) -> io::Result<TcpSocket> {
        if addr.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() }
    }

    fn new(family: c_int) -> io::Result<TcpSocket> {
        // SAFETY: socket(2) with constant arguments; the result is checked.
        let fd =
            unsafe { libc::socket(family, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh descriptor that nothing else owns.
        Ok(TcpSocket { fd: unsafe { OwnedFd::from_raw_fd(fd) } })
    }

    /// `SO_REUSEADDR`: bind to a port whose old connections are still in `TIME_WAIT`.
    pub fn set_reuseaddr(&self, yes: bool) -> io::Result<()> {
        set_bool(self.fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR, yes)
    }

    /// `SO_REUSEPORT`: several sockets listen on one port, and the kernel spreads the
    /// connections among them.
    pub fn set_reuseport(&self, yes: bool) -> io::Result<()> {
        set_bool(self.fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEPORT, yes)
    }

    /// `SO_KEEPALIVE`.
    pub fn set_keepalive(&self, yes: bool) -> io::Result<()> {
        set_bool(self.fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_KEEPALIVE, yes)
    }

    /// `TCP_NODELAY` (the connected stream keeps it).
    pub fn set_nodelay(&self, yes: bool) -> io::Result<()> {
        set_bool(self.fd.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY, yes)
    }

    /// `SO_SNDBUF`: the kernel's send buffer, in bytes (Linux doubles the value).
    pub fn set_send_buffer_size(&self, bytes: u32) -> io::Result<()> {
        set_int(self.fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_SNDBUF, bytes as c_int)
    }

    /// `SO_RCVBUF`: the kernel's receive buffer, in bytes (Linux doubles the value).
    pub fn set_recv_buffer_size(&self, bytes: u32) -> io::Result<()> {
        set_int(self.fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_RCVBUF, bytes as c_int)
    }

    /// Binds to `addr`. `AddrInUse` if another socket has it.
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        let (storage, len) = to_sockaddr(&addr);
        // SAFETY: `storage` holds a valid sockaddr of `len` bytes.
        let r = unsafe {
            libc::bind(self.fd.as_raw_fd(), (&storage as *const libc::sockaddr_storage).cast(), len)
        };
        if r < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
    }

    /// The address the socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        local_addr(self.fd.as_raw_fd())
    }

    /// Listens, with an accept queue of `backlog` connections (the kernel caps it at
    /// `net.core.somaxconn`).
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        let backlog = backlog.min(c_int::MAX as u32) as c_int;
        // SAFETY: listen(2) on a descriptor we own.
        if unsafe { libc::listen(self.fd.as_raw_fd(), backlog) } < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the descriptor is a listening, non-blocking TCP socket that we own.
        let std = unsafe { std::net::TcpListener::from_raw_fd(self.fd.into_raw_fd()) };
        TcpListener::from_mio(mio::net::TcpListener::from_std(std))
    }

    /// Connects to `addr`: a checkpoint (a cancelled connect closes the socket).
    /// `ConnectionRefused` if nothing listens there.
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        let (storage, len) = to_sockaddr(&addr);
        // SAFETY: `storage` holds a valid sockaddr of `len` bytes.
        let r = unsafe {
            libc::connect(self.fd.as_raw_fd(), (&storage as *const libc::sockaddr_storage).cast(), len)
        };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EINPROGRESS) {
                return Err(e);
            }
        }
        // SAFETY: a non-blocking TCP socket that we own, connected or connecting.
        let std = unsafe { std::net::TcpStream::from_raw_fd(self.fd.into_raw_fd()) };
        TcpStream::connecting(mio::net::TcpStream::from_std(std)).await
    }
}

pub(crate) fn set_int(fd: RawFd, level: c_int, name: c_int, value: c_int) -> io::Result<()> {
    // SAFETY: setsockopt reads one c_int from a live local.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const c_int).cast(),
            size_of::<c_int>() as libc::socklen_t,
        )
    };
    if r < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
}

pub(crate) fn set_bool(fd: RawFd, level: c_int, name: c_int, value: bool) -> io::Result<()> {
    set_int(fd, level, name, value as c_int)
}

pub(crate) fn get_bool(fd: RawFd, level: c_int, name: c_int) -> io::Result<bool> {
    let mut value: c_int = 0;
    let mut len = size_of::<c_int>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into a live local c_int.
    let r = unsafe { libc::getsockopt(fd, level, name, (&mut value as *mut c_int).cast(), &mut len) };
    if r < 0 { Err(io::Error::last_os_error()) } else { Ok(value != 0) }
}

fn to_sockaddr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: all-zero is a valid sockaddr_storage (plain integers).
    let mut storage: libc::sockaddr_storage = unsafe { MaybeUninit::zeroed().assume_init() };
    let len = match addr {
        SocketAddr::V4(a) => {
            // SAFETY: sockaddr_storage is large and aligned enough for any sockaddr.
            let sin =
                unsafe { &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = a.port().to_be();
            sin.sin_addr = libc::in_addr { s_addr: u32::from_ne_bytes(a.ip().octets()) };
            size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            // SAFETY: as above.
            let sin6 =
                unsafe { &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = a.port().to_be();
            sin6.sin6_addr = libc::in6_addr { s6_addr: a.ip().octets() };
            sin6.sin6_flowinfo = a.flowinfo();
            sin6.sin6_scope_id = a.scope_id();
            size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

fn local_addr(fd: RawFd) -> io::Result<SocketAddr> {
    // SAFETY: all-zero is a valid sockaddr_storage.
    let mut storage: libc::sockaddr_storage = unsafe { MaybeUninit::zeroed().assume_init() };
    let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: getsockname writes at most `len` bytes into `storage`.
    if unsafe { libc::getsockname(fd, (&mut storage as *mut libc::sockaddr_storage).cast(), &mut len) } < 0 {
        return Err(io::Error::last_os_error());
    }
    match storage.ss_family as c_int {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in.
            let sin = unsafe { &*(&storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
            Ok(SocketAddr::V4(SocketAddrV4::new(ip, u16::from_be(sin.sin_port))))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage holds a sockaddr_in6.
            let sin6 = unsafe { &*(&storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            Ok(SocketAddr::V6(SocketAddrV6::new(
                ip,
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        _ => Err(io::Error::new(io::ErrorKind::InvalidInput, "not an internet socket")),
    }
}
