//! A child's standard streams as non-blocking pipes registered with the reactor.

use crate::io::{Direction, Registration};
use crate::net::stream::WriteTransport;
use parking_lot::Mutex;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

/// The read end of a pipe: a child's standard output or error.
struct Receiver {
    pipe: mio::unix::pipe::Receiver,
    registration: Registration,
}

impl Receiver {
    fn new(fd: std::os::fd::OwnedFd) -> io::Result<Receiver> {
        let mut pipe = mio::unix::pipe::Receiver::from(fd);
        pipe.set_nonblocking(true)?;
        let registration = Registration::new(&mut pipe, mio::Interest::READABLE)?;
        Ok(Receiver { pipe, registration })
    }

    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let len = buf.len();
        self.registration.poll_io_drained(
            Direction::Read,
            cx,
            || (&self.pipe).read(buf),
            |&n| n > 0 && n < len,
        )
    }
}

macro_rules! reader {
    ($name:ident, $what:literal) => {
        #[doc = concat!("A child's ", $what, ", piped to this process: `futures_io::AsyncRead`, and [`read`](Self::read) / [`read_to_end`](Self::read_to_end), each a checkpoint (a cancelled read read nothing).")]
        ///
        /// ```
        /// use weft::process::{Command, Stdio};
        /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
        /// let mut child = Command::new("sh").args(["-c", "echo to-out; echo to-err >&2"])
        ///     .stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
        /// let mut out = Vec::new();
        /// child.stdout.take().unwrap().read_to_end(&mut out).await?;
        /// let mut err = Vec::new();
        /// child.stderr.take().unwrap().read_to_end(&mut err).await?;
        /// assert_eq!((out, err), (b"to-out\n".to_vec(), b"to-err\n".to_vec()));
        /// child.wait().await?;
        /// # Ok::<(), std::io::Error>(()) }).unwrap();
        /// ```
        pub struct $name(Receiver);

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(stringify!($name))
            }
        }

        impl $name {
            pub(crate) fn new(fd: std::os::fd::OwnedFd) -> io::Result<$name> {
                Ok($name(Receiver::new(fd)?))
            }

            /// Reads what is available, at least one byte (`Ok(0)` at end of stream).
            pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
                std::future::poll_fn(|cx| self.0.poll_read(cx, buf)).await
            }

            /// Reads to the end of the stream, appending to `buf`; returns how many bytes.
            /// If it is cancelled, what was read so far is in `buf`.
            pub async fn read_to_end(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
                let start = buf.len();
                let mut chunk = [0u8; 8192];
                loop {
                    match self.read(&mut chunk).await? {
                        0 => return Ok(buf.len() - start),
                        n => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            }

            pub(crate) fn poll_read_priv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                self.0.poll_read(cx, buf)
            }
        }

        impl futures_io::AsyncRead for $name {
            fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                self.0.poll_read(cx, buf)
            }
        }
    };
}

reader!(ChildStdout, "standard output");
reader!(ChildStderr, "standard error");

/// A child's standard input, piped from this process: `futures_io::AsyncWrite`, a
/// [`StreamWriter`](crate::net::StreamWriter) transport, and [`write`](Self::write) /
/// [`write_all`](Self::write_all), each a checkpoint. Dropping it (or
/// [`close`](Self::close)) sends the end of input. A write after the child closed its
/// input is a `BrokenPipe` error, never a `SIGPIPE`.
///
/// ```
/// use weft::process::{Command, Stdio};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let mut child = Command::new("tr").arg("a-z").arg("A-Z")
///     .stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
/// let stdin = child.stdin.take().unwrap();
/// stdin.write_all(b"shout\n").await?;
/// stdin.close();
/// let mut out = Vec::new();
/// child.stdout.take().unwrap().read_to_end(&mut out).await?;
/// assert_eq!(out, b"SHOUT\n");
/// # child.wait().await?;
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub struct ChildStdin {
    /// `None` once closed.
    pipe: Mutex<Option<mio::unix::pipe::Sender>>,
    registration: Registration,
}

impl std::fmt::Debug for ChildStdin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChildStdin")
    }
}

impl ChildStdin {
    pub(crate) fn new(fd: std::os::fd::OwnedFd) -> io::Result<ChildStdin> {
        let mut pipe = mio::unix::pipe::Sender::from(fd);
        pipe.set_nonblocking(true)?;
        let registration = Registration::new(&mut pipe, mio::Interest::WRITABLE)?;
        Ok(ChildStdin { pipe: Mutex::new(Some(pipe)), registration })
    }

    fn write_now(&self, buf: &[u8]) -> io::Result<usize> {
        match &*self.pipe.lock() {
            Some(p) => (&*p).write(buf),
            None => Err(io::Error::new(io::ErrorKind::BrokenPipe, "the child's standard input is closed")),
        }
    }

    pub(crate) fn poll_write_priv(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let len = buf.len();
        self.registration.poll_io_drained(Direction::Write, cx, || self.write_now(buf), |&n| n > 0 && n < len)
    }

    /// Writes some of `buf`; returns how many bytes.
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_write_priv(cx, buf)).await
    }

    /// Writes all of `buf` (a cancellation midway may leave a prefix written).
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// Closes the pipe: the child reads the end of its input. Idempotent.
    pub fn close(&self) {
        self.pipe.lock().take();
    }
}

impl futures_io::AsyncWrite for ChildStdin {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write_priv(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.close();
        Poll::Ready(Ok(()))
    }
}

impl WriteTransport for ChildStdin {
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write_priv(cx, buf)
    }
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.write_now(buf)
    }
    fn shutdown_write(&self) -> io::Result<()> {
        self.close();
        Ok(())
    }
}
