//! `Conn`: what a connected stream socket (TCP or Unix) does with its reactor
//! registration, written once. [`stream_methods!`] gives `TcpStream` and `UnixStream` the
//! same public methods on top of it.
//!
//! Every operation runs the non-blocking system call while the socket is ready and, on
//! `WouldBlock`, clears that readiness and waits (see `io/mod.rs`). A read or write that
//! moved fewer bytes than asked emptied (or filled) the socket's buffer: the readiness
//! is cleared at once, which saves the system call that would only say `WouldBlock`.

use crate::io::{Direction, Registration};
use std::io::{self, IoSlice, Read};
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, RawFd};
use std::task::{Context, Poll};

pub(crate) struct Conn<S> {
    pub(crate) socket: S,
    pub(crate) registration: Registration,
}

impl<S> Conn<S>
where
    S: AsRawFd,
    for<'a> &'a S: Read,
{
    pub(crate) fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let len = buf.len();
        self.registration.poll_io_drained(
            Direction::Read,
            cx,
            || (&self.socket).read(buf),
            |&n| n > 0 && n < len,
        )
    }

    /// A read into memory that need not be initialised: the kernel writes the bytes, so
    /// nothing is zero-filled first.
    pub(crate) fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let len = buf.len();
        let fd = self.socket.as_raw_fd();
        self.registration.poll_io_drained(Direction::Read, cx, || read_uninit(fd, buf), |&n| n > 0 && n < len)
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let len = buf.len();
        let fd = self.socket.as_raw_fd();
        self.registration.poll_io_drained(Direction::Write, cx, || send(fd, buf), |&n| n > 0 && n < len)
    }

    /// One `writev` for several buffers.
    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len: usize = bufs.iter().map(|b| b.len()).sum();
        if len == 0 {
            return Poll::Ready(Ok(0));
        }
        let fd = self.socket.as_raw_fd();
        self.registration.poll_io_drained(
            Direction::Write,
            cx,
            || send_vectored(fd, bufs),
            |&n| n > 0 && n < len,
        )
    }

    /// A write that does not wait and is not a checkpoint: `WouldBlock` if the socket's
    /// buffer is full (asyncio's transports write this way first).
    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        send(self.socket.as_raw_fd(), buf)
    }
}

/// `send(2)` with `MSG_NOSIGNAL`: a write to a connection the peer closed is an
/// `EPIPE` error (`BrokenPipe`), never a `SIGPIPE` that ends the process (a Rust
/// program ignores `SIGPIPE` from the start, but a program that embeds weft may not).
fn send(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: the kernel reads at most `buf.len()` bytes from `buf`.
    let n = unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), libc::MSG_NOSIGNAL) };
    if n < 0 { Err(io::Error::last_os_error()) } else { Ok(n as usize) }
}

/// `sendmsg(2)` of several buffers with `MSG_NOSIGNAL` (see [`send`]).
fn send_vectored(fd: RawFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    // SAFETY: all-zero is a valid msghdr (null pointers, zero lengths).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    // `IoSlice` is guaranteed ABI-compatible with `iovec` on Unix.
    msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
    msg.msg_iovlen = bufs.len().min(1024) as _;
    // SAFETY: `msg` points at `bufs`, which outlives the call; the kernel only reads.
    let n = unsafe { libc::sendmsg(fd, &msg, libc::MSG_NOSIGNAL) };
    if n < 0 { Err(io::Error::last_os_error()) } else { Ok(n as usize) }
}

/// `read(2)` into uninitialised memory.
pub(crate) fn read_uninit(fd: RawFd, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`, which is valid for
    // writes of that length; `MaybeUninit<u8>` has no validity requirement to break.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 { Err(io::Error::last_os_error()) } else { Ok(n as usize) }
}

/// The spare capacity of `buf` as the uninitialised memory a read fills; `commit` then
/// records the bytes it got.
pub(crate) fn spare(buf: &mut Vec<u8>, at_least: usize) -> &mut [MaybeUninit<u8>] {
    if buf.capacity() - buf.len() < at_least {
        buf.reserve(at_least);
    }
    buf.spare_capacity_mut()
}

/// Marks `n` more bytes of `buf` as initialised, after a read wrote them.
///
/// # Safety
///
/// The first `n` bytes of `buf`'s spare capacity were written.
pub(crate) unsafe fn commit(buf: &mut Vec<u8>, n: usize) {
    debug_assert!(n <= buf.capacity() - buf.len());
    // SAFETY: the caller promises the bytes up to the new length are initialised, and
    // `n` fits in the capacity (the read was given the spare capacity only).
    unsafe { buf.set_len(buf.len() + n) };
}

/// The public methods a connected stream (`TcpStream`, `UnixStream`) has on top of its
/// `conn: Conn<_>` field, with doc examples that start from `$pair` (a block that makes
/// two connected streams `a` and `b`).
macro_rules! stream_methods {
    ($ty:ident, $pair:literal) => {
        impl $ty {
            /// Reads what is available, at least one byte (`Ok(0)` at end of stream, or for
            /// an empty `buf`). A checkpoint; a cancelled read read nothing.
            ///
            #[doc = concat!("```\n# weft::Runtime::builder().current_thread().build().unwrap().block_on(async {\n", $pair, "\na.write_all(b\"hi\").await?;\nlet mut buf = [0u8; 8];\nlet n = b.read(&mut buf).await?;\nassert_eq!(&buf[..n], b\"hi\");\n# Ok::<(), std::io::Error>(()) }).unwrap();\n```")]
            pub async fn read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                std::future::poll_fn(|cx| self.conn.poll_read(cx, buf)).await
            }

            /// Reads what is available into the spare capacity of `buf` (growing it by at
            /// least `at_least` bytes if it has less), without zero-filling it first;
            /// returns the number of bytes appended (`Ok(0)` at end of stream). A
            /// checkpoint; a cancelled read read nothing.
            ///
            #[doc = concat!("```\n# weft::Runtime::builder().current_thread().build().unwrap().block_on(async {\n", $pair, "\na.write_all(b\"hello\").await?;\nlet mut buf = Vec::new();\nwhile buf.len() < 5 {\n    b.read_buf(&mut buf, 4096).await?;\n}\nassert_eq!(buf, b\"hello\");\n# Ok::<(), std::io::Error>(()) }).unwrap();\n```")]
            pub async fn read_buf(&self, buf: &mut Vec<u8>, at_least: usize) -> std::io::Result<usize> {
                let n = std::future::poll_fn(|cx| {
                    let spare = $crate::net::conn::spare(buf, at_least.max(1));
                    self.conn.poll_read_uninit(cx, spare)
                })
                .await?;
                // SAFETY: the read wrote `n` bytes at the start of the spare capacity.
                unsafe { $crate::net::conn::commit(buf, n) };
                Ok(n)
            }

            /// The poll form of a read into uninitialised memory (what a `ReadBuf`-style
            /// adapter calls); returns how many bytes at the start of `buf` were written.
            ///
            #[doc = concat!("```\nuse std::mem::MaybeUninit;\n# weft::Runtime::builder().current_thread().build().unwrap().block_on(async {\n", $pair, "\na.write_all(b\"raw\").await?;\nlet mut buf = [MaybeUninit::<u8>::uninit(); 8];\nlet n = std::future::poll_fn(|cx| b.poll_read_uninit(cx, &mut buf)).await?;\n// SAFETY: the read wrote the first `n` bytes.\nlet got: Vec<u8> = buf[..n].iter().map(|x| unsafe { x.assume_init() }).collect();\nassert_eq!(got, b\"raw\");\n# Ok::<(), std::io::Error>(()) }).unwrap();\n```")]
            pub fn poll_read_uninit(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [std::mem::MaybeUninit<u8>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.conn.poll_read_uninit(cx, buf)
            }

            /// Reads exactly `buf.len()` bytes; `UnexpectedEof` if the stream ends first.
            /// If it is cancelled midway, the bytes already read are in `buf` but lost to
            /// the caller: use [`read`](Self::read), or the streams API
            /// ([`StreamReader`](crate::net::StreamReader)), where that matters.
            ///
            #[doc = concat!("```\n# weft::Runtime::builder().current_thread().build().unwrap().block_on(async {\n", $pair, "\na.write_all(b\"abc\").await?;\na.shutdown(std::net::Shutdown::Write)?;\nlet mut buf = [0u8; 2];\nb.read_exact(&mut buf).await?;\nassert_eq!(&buf, b\"ab\");\nlet err = b.read_exact(&mut buf).await.unwrap_err(); // only 1 byte left\nassert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);\n# Ok::<(), std::io::Error>(()) }).unwrap();\n```")]
            pub async fn read_exact(&self, mut buf: &mut [u8]) -> std::io::Result<()> {
                while !buf.is_empty() {
                    match self.read(buf).await? {
                        0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                        n => buf = &mut buf[n..],
                    }
                }
                Ok(())
            }

            /// Reads until the end of the stream, appending to `buf`; returns the number of
            /// bytes read (asyncio's `await reader.read()`). If it is cancelled, what was
            /// read so far is in `buf`.
            ///
            #[doc = concat!("```\n# weft::Runtime::builder().current_thread().build().unwrap().block_on(async {\n", $pair, "\na.write_all(b\"all of it\").await?;\ndrop(a); // the end of the stream\nlet mut buf = b\"> \".to_vec();\nassert_eq!(b.read_to_end(&mut buf).await?, 9);\nassert_eq!(buf, b\"> all of it\");\n# Ok::<(), std::io::Error>(()) }).unwrap();\n```")]
            pub async fn read_to_end(&self, buf: &mut Vec<u8>) -> std::io::Result<usize> {
                let start = buf.len();
                loop {
                    if self.read_buf(buf, 4096).await? == 0 {
                        return Ok(buf.len() - start);
                    }
                }
            }

            /// Writes some of `buf`; returns how many bytes. A checkpoint; a cancelled
            /// write wrote nothing.
            ///
            #[doc = concat!("```\n# weft::Runtime::builder().current_thread().build().unwrap().block_on(async {\n", $pair, "\nlet n = a.write(b\"some bytes\").await?;\nassert!(n > 0 && n <= 10);\nlet mut buf = vec![0u8; n];\nb.read_exact(&mut buf).await?;\nassert_eq!(buf, &b\"some bytes\"[..n]);\n# Ok::<(), std::io::Error>(()) }).unwrap();\n```")]
            pub async fn write(&self, buf: &[u8]) -> std::io::Result<usize> {
                std::future::poll_fn(|cx| self.conn.poll_write(cx, buf)).await
            }

            /// Writes some of `bufs`, in order, with one system call (`writev`); returns
            /// how many bytes. A checkpoint; a cancelled write wrote nothing.
            ///
            #[doc = concat!("```\nuse std::io::IoSlice;\n# weft::Runtime::builder().current_thread().build().unwrap().block_on(async {\n", $pair, "\nlet n = a.write_vectored(&[IoSlice::new(b\"head \"), IoSlice::new(b\"body\")]).await?;\nassert_eq!(n, 9);\nlet mut buf = [0u8; 9];\nb.read_exact(&mut buf).await?;\nassert_eq!(&buf, b\"head body\");\n# Ok::<(), std::io::Error>(()) }).unwrap();\n```")]
            pub async fn write_vectored(&self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
                std::future::poll_fn(|cx| self.conn.poll_write_vectored(cx, bufs)).await
            }

            /// Writes all of `buf` (asyncio's `writer.write(data); await writer.drain()`).
            /// If it is cancelled midway, a prefix of `buf` may have been written: use
            /// [`write`](Self::write), or the streams API
            /// ([`StreamWriter`](crate::net::StreamWriter)), where that matters.
            ///
            #[doc = concat!("```\n# weft::Runtime::builder().current_thread().build().unwrap().block_on(async {\n", $pair, "\nlet reader = weft::spawn(async move {\n    let mut got = Vec::new();\n    b.read_to_end(&mut got).await?;\n    Ok::<_, std::io::Error>(got.len())\n});\na.write_all(&vec![7u8; 1 << 20]).await?; // more than the socket buffers hold\ndrop(a);\nassert_eq!(reader.await.unwrap()?, 1 << 20);\n# Ok::<(), std::io::Error>(()) }).unwrap();\n```")]
            pub async fn write_all(&self, mut buf: &[u8]) -> std::io::Result<()> {
                while !buf.is_empty() {
                    match self.write(buf).await? {
                        0 => return Err(std::io::ErrorKind::WriteZero.into()),
                        n => buf = &buf[n..],
                    }
                }
                Ok(())
            }

            /// Writes what fits without waiting; `WouldBlock` if nothing does. Not a
            /// checkpoint.
            ///
            #[doc = concat!("```\n# weft::Runtime::builder().current_thread().build().unwrap().block_on(async {\n", $pair, "\nassert_eq!(a.try_write(b\"now\")?, 3);\n// `b` reads nothing, so the buffers fill up and a write would have to wait:\nlet full = loop {\n    if let Err(e) = a.try_write(&[0u8; 65536]) {\n        break e;\n    }\n};\nassert_eq!(full.kind(), std::io::ErrorKind::WouldBlock);\n# Ok::<(), std::io::Error>(()) }).unwrap();\n```")]
            pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                self.conn.try_write(buf)
            }

            /// Shuts down the read side, the write side, or both (`Shutdown::Write` sends
            /// the end of stream: asyncio's `writer.write_eof()`).
            ///
            #[doc = concat!("```\n# weft::Runtime::builder().current_thread().build().unwrap().block_on(async {\n", $pair, "\na.shutdown(std::net::Shutdown::Write)?;\nlet mut buf = [0u8; 8];\nassert_eq!(b.read(&mut buf).await?, 0); // end of stream\nb.write_all(b\"reply\").await?; // the other direction is still open\na.read_exact(&mut buf[..5]).await?;\nassert_eq!(&buf[..5], b\"reply\");\n# Ok::<(), std::io::Error>(()) }).unwrap();\n```")]
            pub fn shutdown(&self, how: std::net::Shutdown) -> std::io::Result<()> {
                self.conn.socket.shutdown(how)
            }

            /// The error pending on the socket (`SO_ERROR`), taking it.
            ///
            #[doc = concat!("```\n# weft::Runtime::builder().current_thread().build().unwrap().block_on(async {\n", $pair, "\n// a healthy connection has no error pending\nassert!(a.take_error()?.is_none());\nassert!(b.take_error()?.is_none());\n# Ok::<(), std::io::Error>(()) }).unwrap();\n```")]
            pub fn take_error(&self) -> std::io::Result<Option<std::io::Error>> {
                self.conn.socket.take_error()
            }

            /// Splits the stream into a read half and a write half that own it together
            /// (tokio's `into_split`): move each into its own task. Dropping the write
            /// half shuts the write side down; [`reunite`](crate::net::OwnedReadHalf::reunite)
            /// puts the halves back together.
            ///
            #[doc = concat!("```\n# weft::Runtime::builder().current_thread().build().unwrap().block_on(async {\n", $pair, "\nlet (read, write) = b.into_split();\nlet echo = weft::spawn(async move {\n    let mut buf = [0u8; 4];\n    read.read_exact(&mut buf).await?;\n    write.write_all(&buf).await\n});\na.write_all(b\"ping\").await?;\nlet mut back = [0u8; 4];\na.read_exact(&mut back).await?;\nassert_eq!(&back, b\"ping\");\necho.await.unwrap()?;\n# Ok::<(), std::io::Error>(()) }).unwrap();\n```")]
            pub fn into_split(self) -> ($crate::net::OwnedReadHalf<$ty>, $crate::net::OwnedWriteHalf<$ty>) {
                $crate::net::split::split(self)
            }
        }

        impl $crate::net::split::SplitStream for $ty {
            fn poll_read_priv(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.conn.poll_read(cx, buf)
            }
            fn poll_read_uninit_priv(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [std::mem::MaybeUninit<u8>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.conn.poll_read_uninit(cx, buf)
            }
            fn poll_write_priv(&self, cx: &mut std::task::Context<'_>, buf: &[u8]) -> std::task::Poll<std::io::Result<usize>> {
                self.conn.poll_write(cx, buf)
            }
            fn poll_write_vectored_priv(
                &self,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.conn.poll_write_vectored(cx, bufs)
            }
            fn try_write_priv(&self, buf: &[u8]) -> std::io::Result<usize> {
                self.conn.try_write(buf)
            }
            fn shutdown_priv(&self, how: std::net::Shutdown) -> std::io::Result<()> {
                self.conn.socket.shutdown(how)
            }
            fn addresses(&self) -> ($crate::net::StreamAddr, $crate::net::StreamAddr) {
                (
                    self.local_addr().map(Into::into).unwrap_or($crate::net::StreamAddr::None),
                    self.peer_addr().map(Into::into).unwrap_or($crate::net::StreamAddr::None),
                )
            }
        }

        $crate::net::conn::async_io_impls!($ty);
        $crate::net::conn::async_io_impls!(&$ty);
    };
}

/// `futures_io::AsyncRead` and `AsyncWrite` for `$ty` (a stream or a reference to one),
/// through `SplitStream`.
macro_rules! async_io_impls {
    ($ty:ty) => {
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                {
                    use $crate::net::split::SplitStream as _;
                    self.poll_read_priv(cx, buf)
                }
            }
        }

        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                {
                    use $crate::net::split::SplitStream as _;
                    self.poll_write_priv(cx, buf)
                }
            }
            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                {
                    use $crate::net::split::SplitStream as _;
                    self.poll_write_vectored_priv(cx, bufs)
                }
            }
            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(())) // nothing is buffered in user space
            }
            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                {
                    use $crate::net::split::SplitStream as _;
                    std::task::Poll::Ready(self.shutdown_priv(std::net::Shutdown::Write))
                }
            }
        }
    };
}

pub(crate) use {async_io_impls, stream_methods};
