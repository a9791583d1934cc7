//! asyncio's streams: [`open_connection`] gives a [`StreamReader`] and a
//! [`StreamWriter`].
//!
//! ```text
//!   asyncio                                        weft
//!   r, w = await asyncio.open_connection(h, p)     let (mut r, w) = open_connection((h, p)).await?;
//!   line = await r.readline()                      let line = r.readline().await?;
//!   w.write(data); await w.drain()                 w.write(data)?; w.drain().await?;
//!   w.close(); await w.wait_closed()               w.close(); w.wait_closed().await?;
//! ```
//!
//! **The reader** keeps a buffer: bytes come from the socket into it, and each read
//! takes them out only when it returns them. So a cancelled `readline`, `readuntil`,
//! `readexactly` or `read` loses no byte: what arrived stays in the buffer for the next
//! read. The buffer is filled on demand (there is no background task reading ahead);
//! [`DEFAULT_LIMIT`] bounds what `readline`/`readuntil` accept, as asyncio's `limit`.
//!
//! **The writer** is asyncio's transport and `drain` together. `write` is synchronous:
//! it sends what the socket takes at once and buffers the rest, which a flusher task
//! (started only when something is left over) writes out as the socket becomes
//! writable. `drain` is the back-pressure: it waits while the buffer is above the high
//! water mark, until the flusher brought it down to the low one (asyncio's defaults:
//! 64 KiB and 16 KiB). A cancelled `drain` leaves the data buffered and on its way.
//!
//! Errors of the reader: [`StreamError`] (asyncio's `IncompleteReadError`,
//! `LimitOverrunError`, and the transport's `OSError`s as `io::Error`). A cancellation
//! is an `io::Error` made by [`crate::io::cancelled_error`] inside
//! [`StreamError::Io`]: `?` propagates it and `weft::is_cancellation` recognises it.

mod reader;
mod writer;

pub use reader::{DEFAULT_LIMIT, StreamError, StreamReader};
pub use writer::{StreamWriter, WriteTransport};

use super::split::{OwnedWriteHalf, SplitStream};
use super::{StreamAddr, TcpStream, UnixStream};
use std::io;
use std::net::ToSocketAddrs;
use std::path::Path;

/// asyncio's `open_connection`: connects to `addr` and gives a reader and a writer.
///
/// ```
/// use weft::net::{open_connection, TcpListener};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// weft::spawn(async move {
///     let (conn, _) = listener.accept().await?;
///     conn.write_all(b"220 welcome\r\n").await
/// });
/// let (mut reader, writer) = open_connection(addr).await?;
/// assert_eq!(reader.readline().await?, b"220 welcome\r\n");
/// assert_eq!(writer.peer_addr(), addr.into());
/// writer.close();
/// writer.wait_closed().await?;
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub async fn open_connection<A: ToSocketAddrs + Send + 'static>(
    addr: A,
) -> io::Result<(StreamReader, StreamWriter)> {
    Ok(streams(TcpStream::connect(addr).await?))
}

/// asyncio's `open_unix_connection`: connects to the Unix socket at `path`.
///
/// ```
/// use weft::net::{open_unix_connection, UnixListener};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("weft-doc-open-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("s.sock");
/// # let _ = std::fs::remove_file(&path);
/// let listener = UnixListener::bind(&path)?;
/// let (mut reader, writer) = open_unix_connection(&path).await?;
/// let (conn, _) = listener.accept().await?;
/// writer.write(b"ping\n")?;
/// let (mut server_reader, _server_writer) = weft::net::stream::streams(conn);
/// assert_eq!(server_reader.readline().await?, b"ping\n");
/// # drop(reader.read(0).await?);
/// # std::fs::remove_file(&path)?;
/// # std::fs::remove_dir(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub async fn open_unix_connection(path: impl AsRef<Path>) -> io::Result<(StreamReader, StreamWriter)> {
    Ok(streams(UnixStream::connect(path).await?))
}

/// A reader and a writer over a connected stream (what `open_connection` and a server
/// give each connection).
///
/// ```
/// use weft::net::{stream::streams, UnixStream};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let (a, b) = UnixStream::pair()?;
/// let (mut reader, _a_writer) = streams(a);
/// let (_b_reader, writer) = streams(b);
/// writer.write(b"line one\nline two\n")?;
/// assert_eq!(reader.readline().await?, b"line one\n");
/// assert_eq!(reader.readline().await?, b"line two\n");
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub fn streams<S: SplitStream>(stream: S) -> (StreamReader, StreamWriter) {
    let (read, write) = super::split::split(stream);
    (StreamReader::new(read), StreamWriter::new(HalfTransport(write)))
}

/// A write half as the writer's transport.
struct HalfTransport<S: SplitStream>(OwnedWriteHalf<S>);

impl<S: SplitStream> WriteTransport for HalfTransport<S> {
    fn poll_write(&self, cx: &mut std::task::Context<'_>, buf: &[u8]) -> std::task::Poll<io::Result<usize>> {
        self.0.stream().poll_write_priv(cx, buf)
    }
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.0.stream().try_write_priv(buf)
    }
    fn shutdown_write(&self) -> io::Result<()> {
        self.0.shutdown()
    }
    fn addresses(&self) -> (StreamAddr, StreamAddr) {
        self.0.stream().addresses()
    }
}
