//! [`File`]: an open file whose reads, writes and seeks run on the blocking pool.

use super::{joined, start};
use crate::blocking::BlockingTask;
use std::fs::Metadata;
use std::future::poll_fn;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

/// Bytes read per trip to the blocking pool, at most.
const MAX_CHUNK: usize = 1 << 20;

/// An open file: `futures_io::AsyncRead`, `AsyncWrite` and `AsyncSeek`, each operation
/// a trip to the blocking pool and a checkpoint.
///
/// * A read fetches up to `buf.len()` bytes (at most 1 MiB). If the read is cancelled
///   after the thread read them, they are kept for the next read: nothing is lost.
/// * A write is handed to the pool and reported written at once (as tokio's); the
///   next operation, or [`flush`](Self::flush), waits for it and reports its error. A
///   cancelled operation may still happen.
///
/// ```
/// use weft::fs::File;
/// # weft::Runtime::new().unwrap().block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-doc-file-{}", std::process::id()));
/// let mut f = File::create(&path).await?;
/// f.write_all(b"0123456789").await?;
/// f.flush().await?;
/// let mut f = File::open(&path).await?;
/// f.seek(std::io::SeekFrom::Start(4)).await?;
/// let mut buf = [0u8; 3];
/// f.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"456");
/// assert_eq!(f.metadata().await?.len(), 10);
/// # weft::fs::remove_file(&path).await?;
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct File {
    std: Arc<std::fs::File>,
    /// Bytes read ahead of the caller: `read_buf[read_pos..]` come next. The OS file
    /// position is past them.
    read_buf: Vec<u8>,
    read_pos: usize,
    busy: Option<Busy>,
    /// The error of a write handed to the pool, for the next operation.
    write_err: Option<io::Error>,
}

#[derive(Debug)]
struct Busy {
    task: BlockingTask<Done>,
    /// For a seek: where it was asked to go (a re-poll of the same seek takes its result).
    seek: Option<SeekFrom>,
}

/// An operation's result, with the position a seek was asked for.
type Finished = (Done, Option<SeekFrom>);

#[derive(Debug)]
enum Done {
    Read(io::Result<Vec<u8>>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
}

/// Options for opening a file: `std::fs::OpenOptions`, opened on the blocking pool.
///
/// ```
/// # weft::Runtime::new().unwrap().block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-doc-open-options-{}", std::process::id()));
/// let mut f = weft::fs::OpenOptions::new().create(true).append(true).open(&path).await?;
/// f.write_all(b"log line\n").await?;
/// f.flush().await?;
/// # weft::fs::remove_file(&path).await?;
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct OpenOptions(std::fs::OpenOptions);

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions::new()
    }
}

impl OpenOptions {
    /// All options off.
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new())
    }
    /// Open for reading.
    pub fn read(&mut self, yes: bool) -> &mut Self {
        self.0.read(yes);
        self
    }
    /// Open for writing.
    pub fn write(&mut self, yes: bool) -> &mut Self {
        self.0.write(yes);
        self
    }
    /// Every write goes to the end.
    pub fn append(&mut self, yes: bool) -> &mut Self {
        self.0.append(yes);
        self
    }
    /// Truncate to 0 bytes.
    pub fn truncate(&mut self, yes: bool) -> &mut Self {
        self.0.truncate(yes);
        self
    }
    /// Create the file if it does not exist.
    pub fn create(&mut self, yes: bool) -> &mut Self {
        self.0.create(yes);
        self
    }
    /// Create the file, failing if it exists.
    pub fn create_new(&mut self, yes: bool) -> &mut Self {
        self.0.create_new(yes);
        self
    }
    /// Opens `path`.
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let (opts, path) = (self.0.clone(), path.as_ref().to_owned());
        super::blocking(move || opts.open(path)).await.map(File::from_std)
    }
}

impl File {
    /// Opens a file for reading: `std::fs::File::open`.
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Creates (or truncates) a file for writing: `std::fs::File::create`.
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().write(true).create(true).truncate(true).open(path).await
    }

    /// Wraps a std file.
    pub fn from_std(file: std::fs::File) -> File {
        File { std: Arc::new(file), read_buf: Vec::new(), read_pos: 0, busy: None, write_err: None }
    }

    /// Waits for the operation in flight, if any; `Ready(Some(done))` with its result.
    fn poll_busy(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Finished>>> {
        let Some(busy) = self.busy.as_mut() else { return Poll::Ready(Ok(None)) };
        match Pin::new(&mut busy.task).poll(cx) {
            Poll::Pending => Poll::Pending,
            // Cancelled while waiting: the operation (or its result, if it just finished)
            // stays for the next call.
            Poll::Ready(Err(e)) if e.as_cancelled().is_some() => {
                Poll::Ready(Err(joined::<()>(Err(e)).unwrap_err()))
            }
            Poll::Ready(r) => {
                let seek = self.busy.take().and_then(|b| b.seek);
                let done = match r {
                    Ok(done) => done,
                    Err(e) => return Poll::Ready(Err(joined::<()>(Err(e)).unwrap_err())),
                };
                Poll::Ready(Ok(Some((done, seek))))
            }
        }
    }

    /// Settles what an earlier, abandoned operation left: read data is kept, a write's
    /// error is kept for reporting.
    fn absorb(&mut self, done: Done) {
        match done {
            Done::Read(Ok(data)) => {
                self.read_buf.drain(..self.read_pos);
                self.read_pos = 0;
                self.read_buf.extend_from_slice(&data);
            }
            Done::Write(Err(e)) | Done::Read(Err(e)) | Done::Seek(Err(e)) => self.write_err = Some(e),
            Done::Write(Ok(())) | Done::Seek(Ok(_)) => {}
        }
    }

    fn start(
        &mut self,
        op: impl FnOnce(&std::fs::File) -> Done + Send + 'static,
        seek: Option<SeekFrom>,
    ) -> io::Result<()> {
        let f = self.std.clone();
        self.busy = Some(Busy { task: start(move || op(&f))?, seek });
        Ok(())
    }

    fn poll_read_priv(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        loop {
            if self.read_pos < self.read_buf.len() {
                let n = buf.len().min(self.read_buf.len() - self.read_pos);
                buf[..n].copy_from_slice(&self.read_buf[self.read_pos..self.read_pos + n]);
                self.read_pos += n;
                if self.read_pos == self.read_buf.len() {
                    self.read_buf.clear();
                    self.read_pos = 0;
                }
                return Poll::Ready(Ok(n));
            }
            if buf.is_empty() {
                return Poll::Ready(Ok(0));
            }
            match ready!(self.poll_busy(cx))? {
                Some((Done::Read(Ok(data)), _)) if data.is_empty() => return Poll::Ready(Ok(0)),
                Some((Done::Read(Err(e)), _)) => return Poll::Ready(Err(e)),
                Some((done, _)) => self.absorb(done),
                None => {
                    if let Some(e) = self.write_err.take() {
                        return Poll::Ready(Err(e));
                    }
                    crate::cancel::check()?;
                    let len = buf.len().min(MAX_CHUNK);
                    self.start(
                        move |mut f| {
                            let mut data = vec![0u8; len];
                            Done::Read(f.read(&mut data).map(|n| {
                                data.truncate(n);
                                data
                            }))
                        },
                        None,
                    )?;
                }
            }
        }
    }

    fn poll_write_priv(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        while let Some((done, _)) = ready!(self.poll_busy(cx))? {
            self.absorb(done);
        }
        if let Some(e) = self.write_err.take() {
            return Poll::Ready(Err(e));
        }
        crate::cancel::check()?;
        // Bytes read ahead are not the caller's yet: write where the caller is.
        let back = (self.read_buf.len() - self.read_pos) as i64;
        self.read_buf.clear();
        self.read_pos = 0;
        let data = buf.to_vec();
        self.start(
            move |mut f| {
                Done::Write((|| {
                    if back > 0 {
                        f.seek(SeekFrom::Current(-back))?;
                    }
                    f.write_all(&data)
                })())
            },
            None,
        )?;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush_priv(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((done, _)) = ready!(self.poll_busy(cx))? {
            self.absorb(done);
        }
        match self.write_err.take() {
            Some(e) => Poll::Ready(Err(e)),
            None => Poll::Ready(Ok(())),
        }
    }

    fn poll_seek_priv(&mut self, cx: &mut Context<'_>, pos: SeekFrom) -> Poll<io::Result<u64>> {
        loop {
            match ready!(self.poll_busy(cx))? {
                Some((Done::Seek(r), Some(asked))) if asked == pos => return Poll::Ready(r),
                Some((done, _)) => self.absorb(done),
                None => {
                    if let Some(e) = self.write_err.take() {
                        return Poll::Ready(Err(e));
                    }
                    crate::cancel::check()?;
                    // The OS position is past the bytes read ahead.
                    let ahead = (self.read_buf.len() - self.read_pos) as i64;
                    self.read_buf.clear();
                    self.read_pos = 0;
                    let os_pos = match pos {
                        SeekFrom::Current(n) => SeekFrom::Current(n - ahead),
                        other => other,
                    };
                    self.start(move |mut f| Done::Seek(f.seek(os_pos)), Some(pos))?;
                }
            }
        }
    }

    /// Reads some bytes (`Ok(0)` at the end of the file).
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read_priv(cx, buf)).await
    }

    /// Reads exactly `buf.len()` bytes; `UnexpectedEof` if the file ends first.
    pub async fn read_exact(&mut self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read(buf).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    /// Reads to the end, appending to `buf`; returns how many bytes.
    pub async fn read_to_end(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let start = buf.len();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            match self.read(&mut chunk).await? {
                0 => return Ok(buf.len() - start),
                n => buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Hands `buf` to the pool to be written (see the type's docs); an earlier write's
    /// error is reported here.
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        poll_fn(|cx| self.poll_write_priv(cx, buf)).await.map(drop)
    }

    /// Waits until every write handed to the pool is done, and reports its error.
    pub async fn flush(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_flush_priv(cx)).await
    }

    /// Moves the position; returns the new one (from the start).
    pub async fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        poll_fn(|cx| self.poll_seek_priv(cx, pos)).await
    }

    /// Flushes, then asks the OS to put data and metadata on the disk (`fsync`).
    pub async fn sync_all(&mut self) -> io::Result<()> {
        self.flush().await?;
        let f = self.std.clone();
        super::blocking(move || f.sync_all()).await
    }

    /// Flushes, then truncates or extends the file to `len` bytes.
    pub async fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.flush().await?;
        let f = self.std.clone();
        super::blocking(move || f.set_len(len)).await
    }

    /// The file's metadata.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let f = self.std.clone();
        super::blocking(move || f.metadata()).await
    }
}

impl futures_io::AsyncRead for File {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.get_mut().poll_read_priv(cx, buf)
    }
}

impl futures_io::AsyncWrite for File {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_priv(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_priv(cx)
    }
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_priv(cx)
    }
}

impl futures_io::AsyncSeek for File {
    fn poll_seek(self: Pin<&mut Self>, cx: &mut Context<'_>, pos: SeekFrom) -> Poll<io::Result<u64>> {
        self.get_mut().poll_seek_priv(cx, pos)
    }
}
