//! [`UdpSocket`].

use super::{each_addr, register};
use crate::io::{Direction, Registration};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// A UDP socket: asyncio's datagram endpoint. Every send and receive is a checkpoint; a
/// cancelled one did not happen (no datagram was sent or taken).
///
/// ```
/// use weft::net::UdpSocket;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let a = UdpSocket::bind("127.0.0.1:0").await?;
/// let b = UdpSocket::bind("127.0.0.1:0").await?;
/// a.send_to(b"ping", b.local_addr()?).await?;
/// let mut buf = [0u8; 16];
/// let (n, from) = b.recv_from(&mut buf).await?;
/// assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub struct UdpSocket {
    socket: mio::net::UdpSocket,
    registration: Registration,
}

impl std::fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UdpSocket").field("local_addr", &self.socket.local_addr().ok()).finish()
    }
}

impl UdpSocket {
    /// Binds to `addr` (port 0 picks a free port). Each resolved address is tried in turn.
    pub async fn bind<A: ToSocketAddrs + Send + 'static>(addr: A) -> io::Result<UdpSocket> {
        each_addr(addr, |a| async move {
            let mut socket = mio::net::UdpSocket::bind(a)?;
            let registration = register(&mut socket)?;
            Ok(UdpSocket { socket, registration })
        })
        .await
    }

    /// Takes a socket made with the standard library (it is switched to non-blocking).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let s = weft::net::UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
    /// assert!(s.local_addr()?.port() > 0);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        let mut socket = mio::net::UdpSocket::from_std(socket);
        let registration = register(&mut socket)?;
        Ok(UdpSocket { socket, registration })
    }

    /// Sets the default peer: [`send`](Self::send) goes there, and [`recv`](Self::recv)
    /// takes datagrams from it only. The first resolved address is used.
    ///
    /// ```
    /// use weft::net::UdpSocket;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (a, b) = (UdpSocket::bind("127.0.0.1:0").await?, UdpSocket::bind("127.0.0.1:0").await?);
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send(b"hi").await?;
    /// let mut buf = [0u8; 2];
    /// assert_eq!(b.recv(&mut buf).await?, 2);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn connect<A: ToSocketAddrs + Send + 'static>(&self, addr: A) -> io::Result<()> {
        let addr = super::resolve(addr).await?[0];
        self.socket.connect(addr)
    }

    /// Sends one datagram to `target`; returns the number of bytes sent.
    pub async fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.registration.io(Direction::Write, || self.socket.send_to(buf, target)).await
    }

    /// Waits for one datagram; returns its length and sender. A datagram longer than
    /// `buf` is cut to fit.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.registration.io(Direction::Read, || self.socket.recv_from(buf)).await
    }

    /// Sends one datagram to the peer set by [`connect`](Self::connect).
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.registration.io(Direction::Write, || self.socket.send(buf)).await
    }

    /// Waits for one datagram from the peer set by [`connect`](Self::connect).
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.registration.io(Direction::Read, || self.socket.recv(buf)).await
    }

    /// The address the socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// The peer set by [`connect`](Self::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.socket.peer_addr()
    }
}
