//! [`StreamWriter`]: asyncio's writer, with its transport's buffer and water marks.

use crate::cancel;
use crate::net::StreamAddr;
use parking_lot::Mutex;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// asyncio's default high water mark (64 KiB); the low one is a quarter of it.
const DEFAULT_HIGH: usize = 64 * 1024;

/// What a [`StreamWriter`] writes to: a socket's write half, a pipe.
pub trait WriteTransport: Send + Sync + 'static {
    /// Writes some of `buf` when the transport is writable (a checkpoint).
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
    /// Writes what fits now; `WouldBlock` if nothing does. Not a checkpoint.
    fn try_write(&self, buf: &[u8]) -> io::Result<usize>;
    /// Sends the end of stream (a socket's write side shut down, a pipe closed).
    fn shutdown_write(&self) -> io::Result<()>;
    /// This end's address and the peer's.
    fn addresses(&self) -> (StreamAddr, StreamAddr) {
        (StreamAddr::None, StreamAddr::None)
    }
}

/// asyncio's `StreamWriter`: see the [module docs](super).
///
/// `write` never waits; [`drain`](Self::drain) is where a writer feels back-pressure.
/// Dropping the writer closes it (after what is buffered has been written), as
/// asyncio's does when it is collected.
///
/// ```
/// use weft::net::{StreamReader, StreamWriter};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let (a, b) = weft::net::UnixStream::pair()?;
/// let (_, writer) = weft::net::stream::streams(a);
/// writer.write(b"hello ")?;
/// writer.writelines([&b"wide "[..], b"world\n"])?;
/// writer.drain().await?;
/// writer.write_eof()?;
/// let mut r = StreamReader::new(b);
/// assert_eq!(r.read_to_end().await?, b"hello wide world\n");
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub struct StreamWriter {
    shared: Arc<Shared>,
}

struct Shared {
    transport: Mutex<Option<Arc<dyn WriteTransport>>>,
    addresses: (StreamAddr, StreamAddr),
    state: Mutex<State>,
}

struct State {
    /// `buf[start..]` is waiting to be written.
    buf: Vec<u8>,
    start: usize,
    high: usize,
    low: usize,
    /// Above the high water mark, and not yet back down to the low one.
    paused: bool,
    /// A flusher task is writing the buffer out.
    flushing: bool,
    /// `write_eof` or `close` was called: no more writes.
    eof: bool,
    /// `close` was called: the transport goes once the buffer is out.
    closing: bool,
    /// The end of stream went out (and, after `close`, the transport was dropped).
    done: bool,
    failed: Option<(io::ErrorKind, String)>,
    drain_waiters: Vec<Waker>,
    close_waiters: Vec<Waker>,
}

impl State {
    fn pending(&self) -> usize {
        self.buf.len() - self.start
    }
    fn error(&self) -> Option<io::Error> {
        self.failed.as_ref().map(|(k, m)| io::Error::new(*k, m.clone()))
    }
    fn wake_all(&mut self) -> Vec<Waker> {
        let mut w = std::mem::take(&mut self.drain_waiters);
        w.append(&mut self.close_waiters);
        w
    }
}

fn register(list: &mut Vec<Waker>, waker: &Waker) {
    if !list.iter().any(|w| w.will_wake(waker)) {
        list.push(waker.clone());
    }
}

impl fmt::Debug for StreamWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.shared.state.lock();
        f.debug_struct("StreamWriter")
            .field("buffered", &s.pending())
            .field("closing", &s.eof)
            .field("peer", &self.shared.addresses.1)
            .finish()
    }
}

impl StreamWriter {
    /// A writer over `transport`, with asyncio's water marks (64 KiB high, 16 KiB low).
    pub fn new(transport: impl WriteTransport) -> StreamWriter {
        let addresses = transport.addresses();
        StreamWriter {
            shared: Arc::new(Shared {
                transport: Mutex::new(Some(Arc::new(transport))),
                addresses,
                state: Mutex::new(State {
                    buf: Vec::new(),
                    start: 0,
                    high: DEFAULT_HIGH,
                    low: DEFAULT_HIGH / 4,
                    paused: false,
                    flushing: false,
                    eof: false,
                    closing: false,
                    done: false,
                    failed: None,
                    drain_waiters: Vec::new(),
                    close_waiters: Vec::new(),
                }),
            }),
        }
    }

    /// asyncio's `write(data)`: sends what the transport takes now and buffers the rest
    /// for the flusher. Never waits; follow it with [`drain`](Self::drain). An error if
    /// the writer is closing or an earlier write failed (for instance `BrokenPipe` or
    /// `ConnectionReset` once the peer is gone: never a `SIGPIPE`).
    pub fn write(&self, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        let mut s = self.shared.state.lock();
        if let Some(e) = s.error() {
            return Err(e);
        }
        if s.eof {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "the writer is closing"));
        }
        let mut data = data;
        if s.pending() == 0 && !s.flushing {
            let Some(t) = self.shared.transport.lock().clone() else {
                return Err(io::Error::new(io::ErrorKind::BrokenPipe, "the writer is closed"));
            };
            match t.try_write(data) {
                Ok(n) => data = &data[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    s.failed = Some((e.kind(), e.to_string()));
                    return Err(e);
                }
            }
            if data.is_empty() {
                return Ok(());
            }
        }
        if s.start > 0 && s.start * 2 >= s.buf.len() {
            let start = s.start;
            s.buf.drain(..start);
            s.start = 0;
        }
        s.buf.extend_from_slice(data);
        if s.pending() > s.high {
            s.paused = true;
        }
        let start_flusher = !s.flushing;
        s.flushing = true;
        drop(s);
        if start_flusher {
            self.start_flusher();
        }
        Ok(())
    }

    /// asyncio's `writelines`: writes each buffer in turn.
    pub fn writelines<'a>(&self, data: impl IntoIterator<Item = &'a [u8]>) -> io::Result<()> {
        for d in data {
            self.write(d)?;
        }
        Ok(())
    }

    fn start_flusher(&self) {
        let shared = self.shared.clone();
        if crate::try_spawn(flush(shared.clone())).is_err() {
            let mut s = shared.state.lock();
            s.flushing = false;
            s.failed = Some((io::ErrorKind::Other, "weft: no runtime to write the buffer out".into()));
            let wake = s.wake_all();
            drop(s);
            wake.into_iter().for_each(Waker::wake);
        }
    }

    /// asyncio's `drain()`: waits while the buffer is above the high water mark, until it
    /// is down to the low one. A checkpoint; a cancelled drain leaves the data buffered
    /// and on its way. Reports the error of a write that failed meanwhile.
    pub async fn drain(&self) -> io::Result<()> {
        poll_fn(|cx| {
            cancel::check().map_err(crate::io::cancelled_error)?;
            let mut s = self.shared.state.lock();
            if let Some(e) = s.error() {
                return Poll::Ready(Err(e));
            }
            if !s.paused {
                return Poll::Ready(Ok(()));
            }
            register(&mut s.drain_waiters, cx.waker());
            Poll::Pending
        })
        .await
    }

    /// asyncio's `write_eof()`: once the buffer is out, sends the end of stream. The
    /// reader side stays open.
    pub fn write_eof(&self) -> io::Result<()> {
        self.finish(false)
    }

    /// asyncio's `can_write_eof()`: always true for sockets and pipes.
    pub fn can_write_eof(&self) -> bool {
        true
    }

    /// asyncio's `close()`: no more writes; once the buffer is out, the end of stream is
    /// sent and the transport is let go. Wait for that with
    /// [`wait_closed`](Self::wait_closed).
    pub fn close(&self) {
        let _ = self.finish(true);
    }

    fn finish(&self, close: bool) -> io::Result<()> {
        let mut s = self.shared.state.lock();
        if close {
            s.closing = true;
        }
        if s.eof && !(close && s.done) {
            return Ok(());
        }
        s.eof = true;
        if s.flushing {
            return Ok(()); // the flusher finishes the job
        }
        let r = end_stream(&self.shared, &mut s);
        let wake = s.wake_all();
        drop(s);
        wake.into_iter().for_each(Waker::wake);
        r
    }

    /// asyncio's `is_closing()`: `close` or `write_eof` was called.
    pub fn is_closing(&self) -> bool {
        self.shared.state.lock().eof
    }

    /// asyncio's `wait_closed()`: waits until the buffer is out and the end of stream
    /// sent. A checkpoint. Reports the error if writing the buffer failed.
    pub async fn wait_closed(&self) -> io::Result<()> {
        poll_fn(|cx| {
            cancel::check().map_err(crate::io::cancelled_error)?;
            let mut s = self.shared.state.lock();
            if let Some(e) = s.error() {
                return Poll::Ready(Err(e));
            }
            if s.done {
                return Poll::Ready(Ok(()));
            }
            register(&mut s.close_waiters, cx.waker());
            Poll::Pending
        })
        .await
    }

    /// asyncio's `transport.get_write_buffer_size()`: bytes waiting to be written.
    pub fn write_buffer_size(&self) -> usize {
        self.shared.state.lock().pending()
    }

    /// asyncio's `transport.set_write_buffer_limits(high, low)`: `drain` waits while the
    /// buffer is above `high`, until it is at most `low` (`None`: a quarter of `high`).
    ///
    /// # Panics
    ///
    /// If `low > high` (asyncio raises `ValueError`).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (a, _b) = weft::net::UnixStream::pair()?;
    /// let (_, w) = weft::net::stream::streams(a);
    /// w.set_write_buffer_limits(1024, None);
    /// assert_eq!(w.write_buffer_limits(), (1024, 256));
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn set_write_buffer_limits(&self, high: usize, low: Option<usize>) {
        let low = low.unwrap_or(high / 4);
        assert!(low <= high, "weft: high ({high}) must be >= low ({low})");
        let mut s = self.shared.state.lock();
        s.high = high;
        s.low = low;
        if s.pending() > high {
            s.paused = true;
        } else if s.paused && s.pending() <= low {
            s.paused = false;
            let wake = std::mem::take(&mut s.drain_waiters);
            drop(s);
            wake.into_iter().for_each(Waker::wake);
        }
    }

    /// The high and low water marks.
    pub fn write_buffer_limits(&self) -> (usize, usize) {
        let s = self.shared.state.lock();
        (s.high, s.low)
    }

    /// The peer's address (asyncio's `get_extra_info("peername")`).
    pub fn peer_addr(&self) -> StreamAddr {
        self.shared.addresses.1.clone()
    }

    /// This end's address (asyncio's `get_extra_info("sockname")`).
    pub fn local_addr(&self) -> StreamAddr {
        self.shared.addresses.0.clone()
    }
}

impl Drop for StreamWriter {
    fn drop(&mut self) {
        self.close();
    }
}

/// Sends the end of stream (the buffer is empty and no flusher runs) and, after `close`,
/// lets the transport go.
fn end_stream(shared: &Shared, s: &mut State) -> io::Result<()> {
    let mut transport = shared.transport.lock();
    let r = match transport.as_ref() {
        Some(t) if !s.done => t.shutdown_write(),
        _ => Ok(()),
    };
    if s.closing {
        transport.take();
    }
    s.done = true;
    if let Err(e) = &r {
        // A peer that is gone already has nothing left to be told.
        if e.kind() != io::ErrorKind::NotConnected {
            s.failed = Some((e.kind(), e.to_string()));
        }
    }
    r
}

/// The flusher task: writes the buffer out as the transport takes it, wakes `drain`ers
/// at the low water mark, and finishes the stream if `write_eof`/`close` came meanwhile.
async fn flush(shared: Arc<Shared>) {
    let Some(transport) = shared.transport.lock().clone() else { return };
    let outcome = poll_fn(|cx| {
        loop {
            let mut s = shared.state.lock();
            if s.pending() == 0 {
                return Poll::Ready(Ok(()));
            }
            let start = s.start;
            match transport.poll_write(cx, &s.buf[start..]) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    s.start += n;
                    if s.start == s.buf.len() {
                        s.buf.clear();
                        s.start = 0;
                    }
                    if s.paused && s.pending() <= s.low {
                        s.paused = false;
                        let wake = std::mem::take(&mut s.drain_waiters);
                        drop(s);
                        wake.into_iter().for_each(Waker::wake);
                    }
                }
            }
        }
    })
    .await;
    drop(transport);
    let mut s = shared.state.lock();
    s.flushing = false;
    match outcome {
        Ok(()) if s.eof => {
            let _ = end_stream(&shared, &mut s);
        }
        Ok(()) => {}
        Err(e) => {
            s.failed = Some((e.kind(), e.to_string()));
            s.paused = false;
        }
    }
    let wake = s.wake_all();
    drop(s);
    wake.into_iter().for_each(Waker::wake);
}
