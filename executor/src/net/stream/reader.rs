//! [`StreamReader`]: asyncio's buffered reader.

use futures_io::AsyncRead;
use std::error::Error;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;

/// asyncio's default `limit` (`2 ** 16`): the longest line or chunk `readline` and
/// `readuntil` accept, not counting the separator.
pub const DEFAULT_LIMIT: usize = 64 * 1024;

/// Free space the buffer offers each read from the transport, at least.
const READ_CHUNK: usize = 8 * 1024;

/// What a read of a [`StreamReader`] can fail with.
#[derive(Debug)]
pub enum StreamError {
    /// asyncio's `IncompleteReadError`: the stream ended before the read could complete.
    /// `partial` holds the bytes that were there (they are taken from the buffer);
    /// `expected` is the count `readexactly` asked for (`None` for `readuntil`).
    IncompleteRead {
        /// The bytes read before the end of the stream.
        partial: Vec<u8>,
        /// How many bytes were asked for, if a count was.
        expected: Option<usize>,
    },
    /// asyncio's `LimitOverrunError`: no separator within the limit. The data stays in
    /// the buffer (`readuntil`), or is discarded as asyncio's `readline` does. `consumed`
    /// is how many bytes may be taken before a separator could start.
    LimitOverrun {
        /// The bytes to consume (asyncio's `consumed`).
        consumed: usize,
        /// Whether the separator was found (beyond the limit).
        separator_found: bool,
    },
    /// The transport failed, or the read was cancelled (see
    /// [`is_cancelled`](Self::is_cancelled)).
    Io(io::Error),
}

impl StreamError {
    /// Whether this is a cancellation (an `io::Error` made by
    /// [`crate::io::cancelled_error`]).
    pub fn is_cancelled(&self) -> bool {
        matches!(self, StreamError::Io(e) if crate::io::is_cancelled_error(e))
    }
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::IncompleteRead { partial, expected: Some(n) } => {
                write!(f, "{} bytes read on a total of {n} expected bytes", partial.len())
            }
            StreamError::IncompleteRead { partial, expected: None } => {
                write!(f, "{} bytes read on a total of undefined expected bytes", partial.len())
            }
            StreamError::LimitOverrun { separator_found: true, .. } => {
                f.write_str("Separator is found, but chunk is longer than limit")
            }
            StreamError::LimitOverrun { separator_found: false, .. } => {
                f.write_str("Separator is not found, and chunk exceed the limit")
            }
            StreamError::Io(e) => e.fmt(f),
        }
    }
}

impl Error for StreamError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            StreamError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for StreamError {
    fn from(e: io::Error) -> Self {
        StreamError::Io(e)
    }
}

impl From<StreamError> for io::Error {
    /// `IncompleteRead` becomes `UnexpectedEof`, `LimitOverrun` `InvalidData`, and an
    /// `Io` error is itself (a cancellation stays one).
    fn from(e: StreamError) -> Self {
        match e {
            StreamError::Io(e) => e,
            e @ StreamError::IncompleteRead { .. } => {
                io::Error::new(io::ErrorKind::UnexpectedEof, e.to_string())
            }
            e @ StreamError::LimitOverrun { .. } => io::Error::new(io::ErrorKind::InvalidData, e.to_string()),
        }
    }
}

/// asyncio's `StreamReader`: see the [module docs](super). Every read is a checkpoint
/// and loses nothing when cancelled.
///
/// ```
/// use weft::net::{StreamError, StreamReader};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let (a, b) = weft::net::UnixStream::pair()?;
/// a.write_all(b"HELO there\r\nsize 3\r\nabcde").await?;
/// drop(a);
/// let mut r = StreamReader::new(b);
/// assert_eq!(r.readuntil(b"\r\n").await?, b"HELO there\r\n");
/// assert_eq!(r.readline().await?, b"size 3\r\n");
/// assert_eq!(r.readexactly(3).await?, b"abc");
/// match r.readexactly(5).await {
///     Err(StreamError::IncompleteRead { partial, expected }) => {
///         assert_eq!((partial, expected), (b"de".to_vec(), Some(5)));
///     }
///     other => panic!("{other:?}"),
/// }
/// assert!(r.at_eof());
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub struct StreamReader {
    transport: Box<dyn AsyncRead + Send + Unpin>,
    /// Initialised storage: `buf[start..end]` are the bytes not yet returned; the
    /// transport reads into `buf[end..]` (zeroed once when the storage grows, never per
    /// read).
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    limit: usize,
    /// The transport's error, repeated to every read after it (asyncio's `_exception`).
    failed: Option<(io::ErrorKind, String)>,
}

impl fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field("buffered", &(self.end - self.start))
            .field("eof", &self.eof)
            .field("limit", &self.limit)
            .finish()
    }
}

impl StreamReader {
    /// A reader over `transport` (a socket's read half, a pipe, anything
    /// `futures_io::AsyncRead`), with [`DEFAULT_LIMIT`].
    pub fn new(transport: impl AsyncRead + Send + Unpin + 'static) -> StreamReader {
        StreamReader {
            transport: Box::new(transport),
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            limit: DEFAULT_LIMIT,
            failed: None,
        }
    }

    /// Sets the limit of `readline` and `readuntil` (asyncio's `limit=` argument).
    ///
    /// # Panics
    ///
    /// If `limit` is 0 (asyncio: "Limit cannot be <= 0").
    pub fn set_limit(&mut self, limit: usize) {
        assert!(limit > 0, "weft: a StreamReader's limit must be at least 1");
        self.limit = limit;
    }

    /// The limit of `readline` and `readuntil`.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Whether the stream ended and every byte was read.
    pub fn at_eof(&self) -> bool {
        self.eof && self.start == self.end
    }

    /// The bytes read from the transport and not yet returned.
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        let out = self.buf[self.start..self.start + n].to_vec();
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        out
    }

    /// Reads once from the transport into the buffer: a checkpoint. `Ok(false)` at end
    /// of stream. A cancellation leaves the buffer as it was.
    async fn fill(&mut self) -> io::Result<bool> {
        if let Some((kind, msg)) = &self.failed {
            return Err(io::Error::new(*kind, msg.clone()));
        }
        if self.eof {
            return Ok(false);
        }
        if self.buf.len() - self.end < READ_CHUNK {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.buf.len() - self.end < READ_CHUNK {
                let grown = (self.buf.len() * 2).max(self.end + READ_CHUNK);
                self.buf.resize(grown, 0);
            }
        }
        let StreamReader { transport, buf, end, .. } = self;
        let r = poll_fn(|cx| Pin::new(&mut **transport).poll_read(cx, &mut buf[*end..])).await;
        match r {
            Ok(0) => {
                self.eof = true;
                Ok(false)
            }
            Ok(n) => {
                self.end += n;
                Ok(true)
            }
            Err(e) => {
                if !crate::io::is_cancelled_error(&e) {
                    self.failed = Some((e.kind(), e.to_string()));
                }
                Err(e)
            }
        }
    }

    /// asyncio's `read(n)`: at most `n` bytes, as soon as at least one is there (empty at
    /// the end of the stream, or for `n == 0`).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (a, b) = weft::net::UnixStream::pair()?;
    /// let mut r = weft::net::StreamReader::new(b);
    /// a.write_all(b"abc").await?;
    /// assert_eq!(r.read(2).await?, b"ab");
    /// assert_eq!(r.read(100).await?, b"c");
    /// drop(a);
    /// assert_eq!(r.read(100).await?, b"");
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn read(&mut self, n: usize) -> io::Result<Vec<u8>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        if self.start == self.end {
            self.fill().await?;
        }
        let n = n.min(self.end - self.start);
        Ok(self.take(n))
    }

    /// asyncio's `read()` (`n = -1`): everything up to the end of the stream. A
    /// cancellation leaves what arrived in the buffer.
    pub async fn read_to_end(&mut self) -> io::Result<Vec<u8>> {
        while self.fill().await? {}
        let n = self.end - self.start;
        Ok(self.take(n))
    }

    /// asyncio's `readexactly(n)`. [`StreamError::IncompleteRead`] (with the bytes there
    /// were, taken from the buffer) if the stream ends first.
    pub async fn readexactly(&mut self, n: usize) -> Result<Vec<u8>, StreamError> {
        while self.end - self.start < n {
            if !self.fill().await? {
                let partial = self.take(self.end - self.start);
                return Err(StreamError::IncompleteRead { partial, expected: Some(n) });
            }
        }
        Ok(self.take(n))
    }

    /// asyncio's `readuntil(separator)`: the bytes up to and including the separator.
    ///
    /// * The stream ends first: [`StreamError::IncompleteRead`] with what was there.
    /// * No separator within [`limit`](Self::limit) bytes, or one found further:
    ///   [`StreamError::LimitOverrun`], and the data stays in the buffer.
    ///
    /// # Panics
    ///
    /// If `separator` is empty (asyncio: "Separator should be at least one-byte string").
    ///
    /// ```
    /// use weft::net::{StreamError, StreamReader};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (a, b) = weft::net::UnixStream::pair()?;
    /// let mut r = StreamReader::new(b);
    /// r.set_limit(4);
    /// a.write_all(b"too long;ok;").await?;
    /// let e = r.readuntil(b";").await.unwrap_err();
    /// assert!(matches!(e, StreamError::LimitOverrun { consumed: 8, separator_found: true }));
    /// assert_eq!(r.readexactly(9).await?, b"too long;"); // the data stayed
    /// assert_eq!(r.readuntil(b";").await?, b"ok;");
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub async fn readuntil(&mut self, separator: &[u8]) -> Result<Vec<u8>, StreamError> {
        self.readuntil_any(&[separator]).await
    }

    /// asyncio's `readuntil` with a tuple of separators: the shortest chunk that ends
    /// with any of them.
    ///
    /// # Panics
    ///
    /// If `separators` is empty or holds an empty separator.
    pub async fn readuntil_any(&mut self, separators: &[&[u8]]) -> Result<Vec<u8>, StreamError> {
        assert!(
            !separators.is_empty() && separators.iter().all(|s| !s.is_empty()),
            "weft: readuntil needs separators of at least one byte"
        );
        let min_len = separators.iter().map(|s| s.len()).min().unwrap_or(1);
        let max_len = separators.iter().map(|s| s.len()).max().unwrap_or(1);
        let mut offset = 0;
        loop {
            let data = &self.buf[self.start..self.end];
            if data.len() - offset >= min_len {
                let found = separators
                    .iter()
                    .filter_map(|sep| {
                        find(&data[offset..], sep).map(|i| (offset + i, offset + i + sep.len()))
                    })
                    .min_by_key(|&(_, end)| end);
                if let Some((match_start, match_end)) = found {
                    if match_start > self.limit {
                        return Err(StreamError::LimitOverrun {
                            consumed: match_start,
                            separator_found: true,
                        });
                    }
                    return Ok(self.take(match_end));
                }
                offset = (data.len() + 1).saturating_sub(max_len);
                if offset > self.limit {
                    return Err(StreamError::LimitOverrun { consumed: offset, separator_found: false });
                }
            }
            if !self.fill().await? {
                let partial = self.take(self.end - self.start);
                return Err(StreamError::IncompleteRead { partial, expected: None });
            }
        }
    }

    /// asyncio's `readline()`: a line ending in `\n`; at the end of the stream, the
    /// incomplete last line (empty once everything was read). A line longer than the
    /// limit is [`StreamError::LimitOverrun`] after, as asyncio does, discarding it (up
    /// to and including its `\n` if it was found, else the whole buffer).
    pub async fn readline(&mut self) -> Result<Vec<u8>, StreamError> {
        match self.readuntil(b"\n").await {
            Err(StreamError::IncompleteRead { partial, .. }) => Ok(partial),
            Err(StreamError::LimitOverrun { consumed, separator_found }) => {
                let data = &self.buf[self.start..self.end];
                if data.get(consumed) == Some(&b'\n') {
                    self.take(consumed + 1);
                } else {
                    self.take(data.len());
                }
                Err(StreamError::LimitOverrun { consumed, separator_found })
            }
            r => r,
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() == 1 {
        return haystack.iter().position(|&b| b == needle[0]);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}
