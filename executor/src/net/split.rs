//! Owned halves of a stream (tokio's `into_split`): [`OwnedReadHalf`] and
//! [`OwnedWriteHalf`] share the stream through an `Arc`, so each can move into a task of
//! its own. Reads and writes already take `&self`, so the halves add no lock: they only
//! say, in the types, which task reads and which writes.

use super::StreamAddr;
use std::fmt;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// What a connected stream (`TcpStream`, `UnixStream`) offers its halves and the
/// streams API. Implemented by weft's stream types only.
#[doc(hidden)]
pub trait SplitStream: Send + Sync + 'static {
    fn poll_read_priv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
    fn poll_read_uninit_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>>;
    fn poll_write_priv(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
    fn poll_write_vectored_priv(&self, cx: &mut Context<'_>, bufs: &[IoSlice<'_>])
    -> Poll<io::Result<usize>>;
    fn try_write_priv(&self, buf: &[u8]) -> io::Result<usize>;
    fn shutdown_priv(&self, how: Shutdown) -> io::Result<()>;
    fn addresses(&self) -> (StreamAddr, StreamAddr);
}

pub(crate) fn split<S: SplitStream>(stream: S) -> (OwnedReadHalf<S>, OwnedWriteHalf<S>) {
    let shared = Arc::new(stream);
    (OwnedReadHalf { stream: shared.clone() }, OwnedWriteHalf { stream: shared, shutdown_on_drop: true })
}

/// The read half of a stream split with `into_split`. It implements
/// `futures_io::AsyncRead`; [`read`](Self::read) is a checkpoint.
pub struct OwnedReadHalf<S> {
    stream: Arc<S>,
}

/// The write half of a stream split with `into_split`. It implements
/// `futures_io::AsyncWrite`; dropping it shuts the write side down (the peer reads the
/// end of stream), unless it was reunited.
pub struct OwnedWriteHalf<S: SplitStream> {
    stream: Arc<S>,
    shutdown_on_drop: bool,
}

/// [`OwnedReadHalf::reunite`] was given halves of two different streams; here they are
/// back.
pub struct ReuniteError<S: SplitStream>(pub OwnedReadHalf<S>, pub OwnedWriteHalf<S>);

impl<S: SplitStream> fmt::Debug for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReuniteError(..)")
    }
}

impl<S: SplitStream> fmt::Display for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the halves belong to two different streams")
    }
}

impl<S: SplitStream> std::error::Error for ReuniteError<S> {}

impl<S> fmt::Debug for OwnedReadHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OwnedReadHalf(..)")
    }
}

impl<S: SplitStream> fmt::Debug for OwnedWriteHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OwnedWriteHalf(..)")
    }
}

impl<S: SplitStream> OwnedReadHalf<S> {
    /// Reads what is available, at least one byte (`Ok(0)` at end of stream). A
    /// checkpoint; a cancelled read read nothing.
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.stream.poll_read_priv(cx, buf)).await
    }

    /// Reads exactly `buf.len()` bytes; `UnexpectedEof` if the stream ends first (what a
    /// cancellation leaves: as the stream's own `read_exact`).
    pub async fn read_exact(&self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read(buf).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    /// The poll form of a read into uninitialised memory.
    pub fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        self.stream.poll_read_uninit_priv(cx, buf)
    }

    /// Puts the halves back together; [`ReuniteError`] if they are not of one stream.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (a, _b) = weft::net::UnixStream::pair()?;
    /// let (r, w) = a.into_split();
    /// let a = r.reunite(w).unwrap();
    /// a.write_all(b"whole again").await?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn reunite(self, mut other: OwnedWriteHalf<S>) -> Result<S, ReuniteError<S>> {
        if !Arc::ptr_eq(&self.stream, &other.stream) {
            return Err(ReuniteError(self, other));
        }
        other.shutdown_on_drop = false;
        let stream = other.stream.clone();
        drop(other);
        drop(self);
        Ok(Arc::into_inner(stream).expect("both halves were just dropped"))
    }
}

impl<S: SplitStream> OwnedWriteHalf<S> {
    /// Writes some of `buf`. A checkpoint; a cancelled write wrote nothing.
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.stream.poll_write_priv(cx, buf)).await
    }

    /// Writes some of `bufs` with one system call.
    pub async fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.stream.poll_write_vectored_priv(cx, bufs)).await
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

    /// Shuts the write side down now (the peer reads the end of stream).
    pub fn shutdown(&self) -> io::Result<()> {
        self.stream.shutdown_priv(Shutdown::Write)
    }

    pub(crate) fn stream(&self) -> &Arc<S> {
        &self.stream
    }
}

impl<S: SplitStream> Drop for OwnedWriteHalf<S> {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            let _ = self.stream.shutdown_priv(Shutdown::Write);
        }
    }
}

impl<S: SplitStream> futures_io::AsyncRead for OwnedReadHalf<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.stream.poll_read_priv(cx, buf)
    }
}

impl<S: SplitStream> futures_io::AsyncWrite for OwnedWriteHalf<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.stream.poll_write_priv(cx, buf)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.stream.poll_write_vectored_priv(cx, bufs)
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.stream.shutdown_priv(Shutdown::Write))
    }
}
