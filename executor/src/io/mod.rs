//! The reactor: readiness of OS resources, delivered through mio.
//!
//! A [`Registration`] ties a mio source (a socket, a pipe) to the runtime's `Poll`. The
//! driver's holder receives mio's edge-triggered events and records them in the
//! resource's readiness word, waking the tasks that wait for that readiness. A task waits
//! with [`Registration::readable`] / [`Registration::writable`] (checkpoints), performs its
//! non-blocking operation, and when the operation says `WouldBlock`, clears the readiness
//! it was given with [`Registration::clear`]: the event counter in the word makes sure a
//! newer event that arrived meanwhile is not cleared by mistake.
//!
//! # A cancelled operation
//!
//! An operation that is cancelled while it waits reports [`cancelled_error`]: an
//! `io::Error` of kind `Other` whose inner error ([`io::Error::get_ref`]) is the
//! [`Cancelled`]. Never `Interrupted`: retry loops written for blocking I/O treat
//! `Interrupted` as "try again" (`EINTR`), and would swallow the cancellation and wait
//! again. [`is_cancelled_error`] recognises one; `weft::is_cancellation` does too.
//!
//! # The readiness word
//!
//! | bits   | meaning                                            |
//! |--------|----------------------------------------------------|
//! | 0      | readable                                           |
//! | 1      | writable                                           |
//! | 2      | read side closed                                   |
//! | 3      | write side closed                                  |
//! | 4      | error                                              |
//! | 5      | the runtime shut down                              |
//! | 16..   | event counter: incremented by every dispatched event |

use crate::cancel::{self, Cancelled};
use crate::driver::Driver;
use parking_lot::Mutex;
use slab::Slab;
use std::future::poll_fn;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

const READABLE: usize = 1;
const WRITABLE: usize = 2;
const READ_CLOSED: usize = 4;
const WRITE_CLOSED: usize = 8;
const ERROR: usize = 16;
const SHUTDOWN: usize = 32;
const READINESS: usize = 0xffff;
const TICK_SHIFT: usize = 16;

pub(crate) struct IoDriver {
    registry: mio::Registry,
    resources: Mutex<Slab<Arc<ScheduledIo>>>,
    /// How many resources are registered: a turn with none skips the poll for I/O.
    registered: AtomicUsize,
}

pub(crate) struct ScheduledIo {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

/// The tasks waiting for each direction, one waker per task (a task that polls again
/// refreshes its entry instead of adding one). An event wakes every waiter of its
/// direction; they race for the data, and those that find none wait again. A waiter that
/// gave up (its future was dropped) stays until the next event, which wakes it for
/// nothing: the list holds at most one entry per task that waited since that event.
#[derive(Default)]
struct Waiters {
    readers: WakerList,
    writers: WakerList,
}

/// The wakers of one direction. Nearly always a single task waits (the one reading a
/// socket, the one writing it), so the first waker lives inline, in the cache line the
/// readiness word is in, and only a second waiter allocates.
///
/// Invariant: `rest` is empty whenever `first` is `None` (both are emptied together).
#[derive(Default)]
struct WakerList {
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl WakerList {
    fn register(&mut self, waker: &Waker) {
        match &self.first {
            None => self.first = Some(waker.clone()),
            Some(w) if w.will_wake(waker) => {}
            Some(_) => {
                if !self.rest.iter().any(|w| w.will_wake(waker)) {
                    self.rest.push(waker.clone());
                }
            }
        }
    }

    fn drain_into(&mut self, wake: &mut Vec<Waker>) {
        if let Some(w) = self.first.take() {
            wake.push(w);
            wake.append(&mut self.rest);
        }
    }
}

impl IoDriver {
    pub(crate) fn new(registry: mio::Registry) -> IoDriver {
        IoDriver { registry, resources: Mutex::new(Slab::new()), registered: AtomicUsize::new(0) }
    }

    /// Resources registered now (for the metrics).
    pub(crate) fn registrations(&self) -> usize {
        self.registered.load(Ordering::Relaxed)
    }

    /// Whether any resource is registered (an event could be waiting for it).
    pub(crate) fn has_sources(&self) -> bool {
        self.registered.load(Ordering::Acquire) != 0
    }

    /// Records `event` in its resource's readiness word and moves the wakers it concerns
    /// onto `wake`. `resources` is the table, locked once by the caller for a whole batch
    /// of events (see [`IoDriver::lock_resources`]).
    pub(crate) fn dispatch(
        resources: &Slab<Arc<ScheduledIo>>,
        event: &mio::event::Event,
        wake: &mut Vec<Waker>,
    ) {
        let Some(io) = resources.get(event.token().0) else { return };
        let mut bits = 0;
        if event.is_readable() {
            bits |= READABLE;
        }
        if event.is_writable() {
            bits |= WRITABLE;
        }
        if event.is_read_closed() {
            bits |= READ_CLOSED;
        }
        if event.is_write_closed() {
            bits |= WRITE_CLOSED;
        }
        if event.is_error() {
            bits |= ERROR;
        }
        io.set(bits, wake);
    }

    /// The table of registered resources, for [`IoDriver::dispatch`]. Held while a batch
    /// of events is dispatched: a registration made or dropped meanwhile waits for the
    /// batch (it only moves wakers onto a list, it wakes nobody).
    pub(crate) fn lock_resources(&self) -> parking_lot::MutexGuard<'_, Slab<Arc<ScheduledIo>>> {
        self.resources.lock()
    }

    pub(crate) fn shutdown(&self, wake: &mut Vec<Waker>) {
        for (_, io) in self.resources.lock().iter() {
            io.set(SHUTDOWN, wake);
        }
    }
}

impl ScheduledIo {
    fn set(&self, bits: usize, wake: &mut Vec<Waker>) {
        let _ = self.readiness.fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| {
            let tick = (cur >> TICK_SHIFT).wrapping_add(1) & (usize::MAX >> TICK_SHIFT);
            Some((tick << TICK_SHIFT) | (cur & READINESS) | bits)
        });
        let mut w = self.waiters.lock();
        if bits & (READABLE | READ_CLOSED | ERROR | SHUTDOWN) != 0 {
            w.readers.drain_into(wake);
        }
        if bits & (WRITABLE | WRITE_CLOSED | ERROR | SHUTDOWN) != 0 {
            w.writers.drain_into(wake);
        }
    }
}

/// The `io::Error` a cancelled I/O operation reports: kind `Other` (never `Interrupted`,
/// which retry loops take for `EINTR` and retry), with the [`Cancelled`] as its inner
/// error, so that `?` propagates the cancellation and task groups recognise it.
///
/// ```
/// use weft::io::{cancelled_error, is_cancelled_error};
/// let e = cancelled_error(weft::Cancelled::new(Some("stop")));
/// assert_eq!(e.kind(), std::io::ErrorKind::Other);
/// assert!(is_cancelled_error(&e));
/// assert!(weft::is_cancellation(&e));
/// assert!(!is_cancelled_error(&std::io::Error::other("disk full")));
/// ```
pub fn cancelled_error(cancelled: Cancelled) -> io::Error {
    io::Error::other(cancelled)
}

/// `?` on a checkpoint's `Result<_, Cancelled>` inside a function that returns
/// `io::Result`: the cancellation becomes [`cancelled_error`], and stays recognisable.
///
/// ```
/// async fn serve() -> std::io::Result<()> {
///     weft::time::sleep(std::time::Duration::from_millis(1)).await?; // Cancelled -> io::Error
///     Ok(())
/// }
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(serve()).unwrap();
/// ```
impl From<Cancelled> for io::Error {
    fn from(c: Cancelled) -> io::Error {
        cancelled_error(c)
    }
}

/// Whether `e` reports a cancellation (an error made by [`cancelled_error`], or any
/// `io::Error` whose inner error is a [`Cancelled`]).
///
/// ```
/// use std::io::Read;
/// use weft::io::{Direction, Registration, is_cancelled_error};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let (_a, mut b) = mio::net::UnixStream::pair()?;
/// let reg = Registration::new(&mut b, mio::Interest::READABLE)?;
/// weft::current_task().unwrap().cancel(None);
/// let mut buf = [0u8; 1];
/// let e = reg.io(Direction::Read, || (&b).read(&mut buf)).await.unwrap_err();
/// assert!(is_cancelled_error(&e));
/// assert!(!is_cancelled_error(&std::io::Error::other("disk full")));
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub fn is_cancelled_error(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Cancelled>())
}

/// The [`Cancelled`] inside `e`, if it reports a cancellation.
///
/// ```
/// let e = weft::io::cancelled_error(weft::Cancelled::new(Some("bye")));
/// assert_eq!(weft::io::as_cancelled(&e).unwrap().message(), Some("bye"));
/// ```
pub fn as_cancelled(e: &io::Error) -> Option<&Cancelled> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<Cancelled>())
}

/// Which readiness to wait for.
///
/// ```
/// use weft::io::{Direction, Registration};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let (_a, mut b) = mio::net::UnixStream::pair()?;
/// let reg = Registration::new(&mut b, mio::Interest::WRITABLE)?;
/// // A fresh socket has room: it becomes writable at once.
/// let ev = std::future::poll_fn(|cx| reg.poll_ready(Direction::Write, cx)).await?;
/// assert!(!ev.is_closed());
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Data can be read (or the read side closed).
    Read,
    /// Data can be written (or the write side closed).
    Write,
}

impl Direction {
    fn mask(self) -> usize {
        match self {
            Direction::Read => READABLE | READ_CLOSED | ERROR | SHUTDOWN,
            Direction::Write => WRITABLE | WRITE_CLOSED | ERROR | SHUTDOWN,
        }
    }
}

/// Readiness that was observed: give it back to [`Registration::clear`] when the
/// operation would block.
///
/// ```
/// use std::io::{Read, Write};
/// use weft::io::{ReadyEvent, Registration};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let (mut a, mut b) = mio::net::UnixStream::pair()?;
/// let reg = Registration::new(&mut b, mio::Interest::READABLE)?;
/// a.write_all(b"x")?;
/// let ev: ReadyEvent = reg.readable().await?;
/// let mut buf = [0u8; 8];
/// assert_eq!((&b).read(&mut buf)?, 1);
/// assert_eq!((&b).read(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
/// reg.clear(ev); // drained: wait for the next event
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadyEvent {
    direction: Direction,
    word: usize,
}

impl ReadyEvent {
    /// Whether the peer closed this direction (the read side reached end of stream, or
    /// the write side can no longer send).
    ///
    /// ```
    /// use weft::io::Registration;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (a, mut b) = mio::net::UnixStream::pair()?;
    /// let reg = Registration::new(&mut b, mio::Interest::READABLE)?;
    /// drop(a); // the peer hangs up
    /// assert!(reg.readable().await?.is_closed());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn is_closed(&self) -> bool {
        let closed = match self.direction {
            Direction::Read => READ_CLOSED,
            Direction::Write => WRITE_CLOSED,
        };
        self.word & closed != 0
    }

    /// Whether the runtime shut down while waiting.
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// use weft::io::{Direction, Registration};
    /// let rt = weft::Runtime::builder().current_thread().build().unwrap();
    /// let (_a, mut b) = mio::net::UnixStream::pair().unwrap();
    /// let reg = rt.block_on(async { Registration::new(&mut b, mio::Interest::READABLE) }).unwrap();
    /// drop(rt); // every wait on its reactor ends now
    /// let mut cx = Context::from_waker(Waker::noop());
    /// let Poll::Ready(Ok(ev)) = reg.poll_ready(Direction::Read, &mut cx) else { panic!() };
    /// assert!(ev.is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.word & SHUTDOWN != 0
    }
}

/// A mio source registered with the current runtime's reactor.
///
/// Any number of tasks may wait on one registration, in either direction: an event wakes
/// every task waiting for its direction.
///
/// ```
/// use std::io::{Read, Write};
/// use weft::io::{Direction, Registration};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let (mut a, mut b) = mio::net::UnixStream::pair()?;
/// let reg = Registration::new(&mut b, mio::Interest::READABLE)?;
/// a.write_all(b"hi")?;
/// let mut buf = [0u8; 2];
/// let n = reg.io(Direction::Read, || b.read(&mut buf)).await?;
/// assert_eq!(&buf[..n], b"hi");
/// reg.deregister(&mut b)?;
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub struct Registration {
    driver: Arc<Driver>,
    token: usize,
    io: Arc<ScheduledIo>,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration").field("token", &self.token).finish()
    }
}

impl Registration {
    /// Registers `source` with the reactor of the runtime this thread is inside.
    ///
    /// Fails with `ErrorKind::Other` outside a runtime, and with the OS error if mio
    /// refuses the source.
    ///
    /// ```
    /// use weft::io::Registration;
    /// let (_a, mut b) = mio::net::UnixStream::pair()?;
    /// let outside = Registration::new(&mut b, mio::Interest::READABLE).unwrap_err();
    /// assert_eq!(outside.kind(), std::io::ErrorKind::Other);
    /// weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    ///     let reg = Registration::new(&mut b, mio::Interest::READABLE)?;
    ///     reg.deregister(&mut b)
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new<S: mio::event::Source + ?Sized>(
        source: &mut S,
        interest: mio::Interest,
    ) -> io::Result<Registration> {
        let driver = crate::context::with_handle(|h| h.map(|h| h.driver().clone()))
            .ok_or_else(|| io::Error::other("weft: I/O registration outside a weft runtime"))?;
        let io =
            Arc::new(ScheduledIo { readiness: AtomicUsize::new(0), waiters: Mutex::new(Waiters::default()) });
        let token = driver.io.resources.lock().insert(io.clone());
        if let Err(e) = driver.io.registry.register(source, mio::Token(token), interest) {
            driver.io.resources.lock().remove(token);
            return Err(e);
        }
        driver.io.registered.fetch_add(1, Ordering::Release);
        Ok(Registration { driver, token, io })
    }

    /// Polls for readiness in `direction`, registering the waker if not ready.
    ///
    /// ```
    /// use std::io::Write;
    /// use std::task::{Context, Waker};
    /// use weft::io::{Direction, Registration};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (mut a, mut b) = mio::net::UnixStream::pair()?;
    /// let reg = Registration::new(&mut b, mio::Interest::READABLE)?;
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(reg.poll_ready(Direction::Read, &mut cx).is_pending()); // nothing sent yet
    /// a.write_all(b"x")?;
    /// let ev = std::future::poll_fn(|cx| reg.poll_ready(Direction::Read, cx)).await?;
    /// assert!(!ev.is_closed());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<Result<ReadyEvent, Cancelled>> {
        cancel::check()?;
        let polled = self.poll_ready_unchecked(direction, cx);
        if polled.is_pending() {
            let kind = match direction {
                Direction::Read => "io read",
                Direction::Write => "io write",
            };
            crate::observe::waiting_on(kind, crate::observe::WaitDetail::Resource(self.token as u64));
        }
        polled.map(Ok)
    }

    /// [`poll_ready`](Self::poll_ready) without the checkpoint, for waits that must not
    /// take a cancellation meant for the task (`run`'s Ctrl-C watcher, a process reaper).
    pub(crate) fn poll_ready_unchecked(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<ReadyEvent> {
        let mask = direction.mask();
        let word = self.io.readiness.load(Ordering::Acquire);
        if word & mask != 0 {
            return Poll::Ready(ReadyEvent { direction, word });
        }
        let mut w = self.io.waiters.lock();
        let list = match direction {
            Direction::Read => &mut w.readers,
            Direction::Write => &mut w.writers,
        };
        list.register(cx.waker());
        // Re-check under the lock: an event dispatched before we stored the waker.
        let word = self.io.readiness.load(Ordering::Acquire);
        if word & mask != 0 {
            return Poll::Ready(ReadyEvent { direction, word });
        }
        Poll::Pending
    }

    /// Waits until the source is readable. A checkpoint.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use weft::io::Registration;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (mut a, mut b) = mio::net::UnixStream::pair()?;
    /// let reg = Registration::new(&mut b, mio::Interest::READABLE)?;
    /// a.write_all(b"ok")?;
    /// reg.readable().await?;
    /// let mut buf = [0u8; 2];
    /// assert_eq!((&b).read(&mut buf)?, 2);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn readable(&self) -> Result<ReadyEvent, Cancelled> {
        poll_fn(|cx| self.poll_ready(Direction::Read, cx)).await
    }

    /// Waits until the source is writable. A checkpoint.
    ///
    /// ```
    /// use std::io::Write;
    /// use weft::io::Registration;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (_a, mut b) = mio::net::UnixStream::pair()?;
    /// let reg = Registration::new(&mut b, mio::Interest::WRITABLE)?;
    /// reg.writable().await?;
    /// assert_eq!((&b).write(b"ok")?, 2);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn writable(&self) -> Result<ReadyEvent, Cancelled> {
        poll_fn(|cx| self.poll_ready(Direction::Write, cx)).await
    }

    /// Clears the readiness `event` reported, unless a newer event arrived since.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::task::{Context, Waker};
    /// use weft::io::{Direction, Registration};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (mut a, mut b) = mio::net::UnixStream::pair()?;
    /// let reg = Registration::new(&mut b, mio::Interest::READABLE)?;
    /// a.write_all(b"x")?;
    /// let ev = reg.readable().await?;
    /// (&b).read_exact(&mut [0u8; 1])?; // took everything
    /// reg.clear(ev);
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(reg.poll_ready(Direction::Read, &mut cx).is_pending());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn clear(&self, event: ReadyEvent) {
        let bits = match event.direction {
            Direction::Read => READABLE,
            Direction::Write => WRITABLE,
        };
        let _ = self.io.readiness.compare_exchange(
            event.word,
            event.word & !bits,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
    }

    /// Runs the non-blocking operation `op` until it does not return `WouldBlock`,
    /// waiting for readiness in `direction` in between. A cancellation while waiting
    /// becomes the error [`cancelled_error`] makes (kind `Other`, wrapping the
    /// [`Cancelled`]).
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use weft::io::{Direction, Registration};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (mut a, mut b) = mio::net::UnixStream::pair()?;
    /// let reg = Registration::new(&mut b, mio::Interest::READABLE)?;
    /// let writer = weft::spawn(async move { a.write_all(b"late") });
    /// // Nothing to read yet: `io` waits for the data instead of failing with `WouldBlock`.
    /// let mut buf = [0u8; 4];
    /// let n = reg.io(Direction::Read, || (&b).read(&mut buf)).await?;
    /// assert_eq!(&buf[..n], b"late");
    /// writer.await.unwrap()?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn io<R>(&self, direction: Direction, mut op: impl FnMut() -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_io(direction, cx, &mut op)).await
    }

    /// The poll form of [`io`](Registration::io), for `AsyncRead`/`AsyncWrite`-style
    /// impls: runs `op` while the source is ready in `direction`, until it does not return
    /// `WouldBlock`; when nothing is ready, registers the task's waker and returns
    /// `Pending`. A cancellation of the task is the error [`cancelled_error`] makes.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use weft::io::{Direction, Registration};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (mut a, mut b) = mio::net::UnixStream::pair()?;
    /// let reg = Registration::new(&mut b, mio::Interest::READABLE)?;
    /// a.write_all(b"hi")?;
    /// let mut buf = [0u8; 2];
    /// let n = std::future::poll_fn(|cx| reg.poll_io(Direction::Read, cx, || (&b).read(&mut buf))).await?;
    /// assert_eq!(n, 2);
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io_drained(direction, cx, op, |_| false)
    }

    /// [`poll_io`](Registration::poll_io) for operations that can tell they emptied the
    /// socket (a read or write of a stream that moved fewer bytes than asked): when
    /// `drained` says so of a result, the readiness is cleared at once, and the next
    /// operation waits for the next event instead of first failing with `WouldBlock`.
    /// One system call fewer per wait.
    pub(crate) fn poll_io_drained<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut() -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        loop {
            let event = match self.poll_ready(direction, cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(c)) => return Poll::Ready(Err(cancelled_error(c))),
                Poll::Ready(Ok(event)) => event,
            };
            if event.is_shutdown() {
                return Poll::Ready(Err(io::Error::other("weft: the runtime shut down")));
            }
            match op() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear(event),
                Ok(r) => {
                    if drained(&r) {
                        self.clear(event);
                    }
                    return Poll::Ready(Ok(r));
                }
                r => return Poll::Ready(r),
            }
        }
    }

    /// Removes the source from the reactor.
    ///
    /// ```
    /// use weft::io::Registration;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (_a, mut b) = mio::net::UnixStream::pair()?;
    /// let reg = Registration::new(&mut b, mio::Interest::READABLE)?;
    /// assert!(Registration::new(&mut b, mio::Interest::READABLE).is_err()); // already in
    /// reg.deregister(&mut b)?;
    /// let again = Registration::new(&mut b, mio::Interest::READABLE)?; // free again
    /// again.deregister(&mut b)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn deregister<S: mio::event::Source + ?Sized>(self, source: &mut S) -> io::Result<()> {
        self.driver.io.registry.deregister(source)
    }

    /// [`deregister`](Self::deregister) from a `Drop` impl (the registration is dropped
    /// after it).
    pub(crate) fn deregister_source<S: mio::event::Source + ?Sized>(&self, source: &mut S) -> io::Result<()> {
        self.driver.io.registry.deregister(source)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if self.driver.io.resources.lock().try_remove(self.token).is_some() {
            self.driver.io.registered.fetch_sub(1, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::WakerList;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn counter() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn a_waker_list_keeps_one_entry_per_task_and_drains_them_all() {
        let mut list = WakerList::default();
        let (a, wa) = counter();
        let (b, wb) = counter();
        let (c, wc) = counter();
        for w in [&wa, &wb, &wa, &wc, &wb, &wc] {
            list.register(w);
        }
        let mut wake = Vec::new();
        list.drain_into(&mut wake);
        assert_eq!(wake.len(), 3, "one entry per task, the inline one and two more");
        wake.drain(..).for_each(Waker::wake);
        for n in [&a, &b, &c] {
            assert_eq!(n.0.load(Ordering::Relaxed), 1);
        }
        // Drained: nothing left to wake, and the next waiter goes inline again.
        list.drain_into(&mut wake);
        assert!(wake.is_empty());
        list.register(&wb);
        list.drain_into(&mut wake);
        assert_eq!(wake.len(), 1);
        assert!(wake[0].will_wake(&wb));
    }
}
