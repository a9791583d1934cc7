//! [`Io`]: weft's stream sockets as hyper's `Read` and `Write`.

use ::hyper::rt::{Read, ReadBufCursor, Write};
use futures_io::AsyncWrite;
use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use weft_executor::net::{TcpStream, UnixStream};

/// A weft stream socket ([`TcpStream`] or [`UnixStream`]) as hyper's I/O
/// (`hyper::rt::Read` + `hyper::rt::Write`).
///
/// * Reads go straight into hyper's buffer, which hyper hands over uninitialised
///   (`ReadBufCursor`): the kernel writes the bytes
///   ([`TcpStream::poll_read_uninit`]), nothing is zero-filled first (as an adapter
///   over `futures_io::AsyncRead`, which reads into `&mut [u8]`, must do).
/// * Writes are vectored (`is_write_vectored` is true): hyper's head and body buffers go
///   out in one `sendmsg`.
/// * `poll_flush` has nothing to do (weft buffers nothing in user space);
///   `poll_shutdown` shuts the write side down (the peer reads the end of stream).
///
/// Every read and write is a weft checkpoint: a cancellation of the task driving the
/// connection fails the operation it waits in with an `io::Error` that carries the
/// [`Cancelled`](crate::Cancelled) (see [`weft::io`](crate::io)), and hyper ends the
/// connection with that error. The [server](super::Server) shields its connections'
/// I/O so that it can shut them down gracefully instead.
///
/// ```
/// use weft::hyper::{Full, Io};
/// use weft::net::{TcpListener, TcpStream};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// weft::spawn(async move {
///     let (stream, _) = listener.accept().await.unwrap();
///     let svc = hyper::service::service_fn(|_req| async {
///         Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new("hi")))
///     });
///     let _ = hyper::server::conn::http1::Builder::new().serve_connection(Io::new(stream), svc).await;
/// });
/// let stream = TcpStream::connect(addr).await?;
/// let (mut sender, conn) = hyper::client::conn::http1::handshake(Io::new(stream)).await?;
/// weft::spawn(conn);
/// let resp = sender.send_request(hyper::Request::new(Full::empty())).await?;
/// assert_eq!(weft::hyper::collect(resp.into_body()).await?, "hi");
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct Io<S> {
    inner: S,
}

impl<S> Io<S> {
    /// Wraps a stream.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (a, _b) = weft::net::UnixStream::pair()?;
    /// let io = weft::hyper::Io::new(a);
    /// let _stream: &weft::net::UnixStream = io.get_ref();
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn new(stream: S) -> Io<S> {
        Io { inner: stream }
    }

    /// The stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Unwraps the stream.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (a, _b) = weft::net::UnixStream::pair()?;
    /// let _a: weft::net::UnixStream = weft::hyper::Io::new(a).into_inner();
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn into_inner(self) -> S {
        self.inner
    }
}

macro_rules! hyper_io {
    ($ty:ty) => {
        impl Read for Io<$ty> {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                mut buf: ReadBufCursor<'_>,
            ) -> Poll<io::Result<()>> {
                // SAFETY: `as_mut` asks that no initialised byte of the cursor be
                // de-initialised: the read only stores bytes the kernel wrote into it.
                let n = ready!(self.inner.poll_read_uninit(cx, unsafe { buf.as_mut() }))?;
                // SAFETY: the read wrote (so initialised) the first `n` bytes of the
                // cursor; `n` is at most the slice's length, as `read(2)` promises.
                unsafe { buf.advance(n) };
                Poll::Ready(Ok(()))
            }
        }

        impl Write for Io<$ty> {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                Pin::new(&mut &self.inner).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &self.inner).poll_write_vectored(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(())) // nothing is buffered in user space
            }

            fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(match self.inner.shutdown(Shutdown::Write) {
                    // The peer may have closed first: the write side is down either way.
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
                    r => r,
                })
            }
        }
    };
}

hyper_io!(TcpStream);
hyper_io!(UnixStream);
