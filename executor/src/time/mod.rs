//! Timers: [`sleep`], [`sleep_until`], [`interval`], [`now`].
//!
//! Every pending timer of a runtime lives in one hierarchical timing wheel
//! (`wheel.rs`) behind a mutex, with 100 µs ticks. A [`Sleep`] costs
//! nothing until it is first polled: creating one only records its deadline; the first
//! poll that finds the deadline still ahead registers it in the wheel. The thread that
//! holds the driver (see `driver.rs`) sleeps until the earliest deadline; a new timer that
//! is due earlier than that wakes it, so nothing fires late by more than a tick.
//!
//! All waits here are checkpoints: they return `Err(Cancelled)` if the task is cancelled
//! while it sleeps.

pub(crate) mod alarm;
mod interval;
mod sleep;
mod wheel;

pub use interval::{Interval, MissedTickBehavior, interval, interval_at};
pub use sleep::{Sleep, sleep, sleep_secs, sleep_until};

use crate::driver::Driver;
use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::Waker;
use std::time::{Duration, Instant};
use wheel::{TimerKey, TimerWheel};

/// The runtime's clock: asyncio's `loop.time()`, as an `Instant`.
///
/// ```
/// let t = weft::time::now();
/// assert!(weft::time::now() >= t);
/// ```
pub fn now() -> Instant {
    Instant::now()
}

/// asyncio's `loop.time()` as seconds: monotonic, from an arbitrary origin fixed for the
/// life of the process.
///
/// ```
/// let a = weft::time::monotonic();
/// assert!(weft::time::monotonic() >= a);
/// ```
pub fn monotonic() -> f64 {
    static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed().as_secs_f64()
}

/// A number of seconds that cannot be a duration: negative, NaN, or too large.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InvalidDuration(pub f64);

impl std::fmt::Display for InvalidDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid duration: {} seconds (expected a finite, non-negative number)", self.0)
    }
}

impl std::error::Error for InvalidDuration {}

/// Converts seconds, asyncio-style, into a `Duration`, refusing what is not one.
///
/// ```
/// use weft::time::secs;
/// assert_eq!(secs(1.5).unwrap(), std::time::Duration::from_millis(1500));
/// assert!(secs(-1.0).is_err());
/// assert!(secs(f64::NAN).is_err());
/// ```
pub fn secs(seconds: f64) -> Result<Duration, InvalidDuration> {
    Duration::try_from_secs_f64(seconds).map_err(|_| InvalidDuration(seconds))
}

/// The wheel's tick: 100 µs. Deadlines are rounded up to a tick, so a timer fires at most
/// a tick after its deadline plus the time the driver takes to wake (the driver sleeps
/// until the tick's exact instant; see `driver.rs`). Finer ticks than tokio's 1 ms cost
/// nothing per timer: the wheel jumps from one non-empty slot to the next.
pub(crate) const TICK_NANOS: u64 = 100_000;

pub(crate) struct TimeDriver {
    start: Instant,
    inner: Mutex<Inner>,
    shut_down: std::sync::atomic::AtomicBool,
}

struct Inner {
    wheel: TimerWheel,
    /// The tick the driver's holder sleeps until: 0 when nobody sleeps on the driver,
    /// `u64::MAX` for no timeout. Read and written under the lock together with the
    /// wheel, so a timer inserted after the holder computed its timeout sees it.
    parked_until: u64,
}

impl TimeDriver {
    pub(crate) fn new() -> TimeDriver {
        TimeDriver {
            start: Instant::now(),
            inner: Mutex::new(Inner { wheel: TimerWheel::new(), parked_until: 0 }),
            shut_down: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Nanoseconds from the driver's start to `t` (0 before it; saturates after ~584 years).
    fn nanos_since_start(&self, t: Instant) -> u64 {
        let d = t.saturating_duration_since(self.start);
        d.as_secs().saturating_mul(1_000_000_000).saturating_add(u64::from(d.subsec_nanos()))
    }

    /// The first tick at or after `t` (a timer never fires early).
    fn tick_ceil(&self, t: Instant) -> u64 {
        self.nanos_since_start(t).div_ceil(TICK_NANOS)
    }

    /// The last tick at or before `t`.
    fn tick_floor(&self, t: Instant) -> u64 {
        self.nanos_since_start(t) / TICK_NANOS
    }

    /// The instant tick `tick` begins.
    fn tick_instant(&self, tick: u64) -> Instant {
        self.start + Duration::from_nanos(tick.saturating_mul(TICK_NANOS))
    }

    /// Registers a timer; returns whether the driver's holder must be woken because it
    /// sleeps past the new deadline.
    pub(crate) fn insert(&self, deadline: Instant, waker: Waker) -> (TimerKey, bool) {
        let tick = self.tick_ceil(deadline);
        let mut inner = self.inner.lock();
        let key = inner.wheel.insert(tick, waker);
        let unpark = inner.parked_until != 0 && tick < inner.parked_until;
        if unpark {
            inner.parked_until = tick;
        }
        (key, unpark)
    }

    /// Updates a pending timer's waker; false if it already fired.
    pub(crate) fn set_waker(&self, key: TimerKey, waker: &Waker) -> bool {
        self.inner.lock().wheel.set_waker(key, waker)
    }

    pub(crate) fn remove(&self, key: TimerKey) -> bool {
        self.inner.lock().wheel.remove(key)
    }

    pub(crate) fn reset(&self, key: TimerKey, deadline: Instant) -> (bool, bool) {
        let tick = self.tick_ceil(deadline);
        let mut inner = self.inner.lock();
        let ok = inner.wheel.reset(key, tick);
        let unpark = ok && inner.parked_until != 0 && tick < inner.parked_until;
        (ok, unpark)
    }

    /// Called by the driver's holder before it sleeps: the timeout until the next timer
    /// (or `timeout`, if sooner), and the instant it ends, for the alarm.
    pub(crate) fn prepare_park(&self, timeout: Option<Duration>) -> (Option<Duration>, Option<Instant>) {
        let now = Instant::now();
        let mut inner = self.inner.lock();
        let next = inner.wheel.next_expiration();
        let timer_timeout = next.map(|tick| self.tick_instant(tick).saturating_duration_since(now));
        let t = match (timeout, timer_timeout) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        inner.parked_until = match t {
            Some(d) if d.is_zero() => 0,
            Some(d) => self.tick_ceil(now + d).max(1),
            None => u64::MAX,
        };
        (t, t.and_then(|d| now.checked_add(d)))
    }

    pub(crate) fn end_park(&self) {
        self.inner.lock().parked_until = 0;
    }

    /// Fires every timer that is due.
    pub(crate) fn process(&self, fired: &mut Vec<Waker>) {
        let now = self.tick_floor(Instant::now());
        let mut inner = self.inner.lock();
        if inner.wheel.len() > 0 {
            inner.wheel.advance(now, fired);
        }
    }

    pub(crate) fn shutdown(&self, fired: &mut Vec<Waker>) {
        self.shut_down.store(true, Ordering::Release);
        self.inner.lock().wheel.advance(u64::MAX, fired);
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::Acquire)
    }
}

/// A callback timer: asyncio's `loop.call_at`. At `deadline` the driver wakes the given
/// waker (build it from your own `std::task::Wake` type to run code, as cancel-scope
/// deadlines and asyncio-style timeouts do). The callback runs on the thread that drives
/// timers, outside every lock of the runtime. Dropping the handle does not cancel the
/// timer; [`Timer::cancel`] does.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// use std::task::{Wake, Waker};
/// use std::time::{Duration, Instant};
/// struct Flag(AtomicBool);
/// impl Wake for Flag {
///     fn wake(self: Arc<Self>) {
///         self.0.store(true, Ordering::SeqCst);
///     }
/// }
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let flag = Arc::new(Flag(AtomicBool::new(false)));
/// let at = Instant::now() + Duration::from_millis(5);
/// let _timer = weft::time::Timer::register(at, Waker::from(flag.clone())).unwrap();
/// weft::time::sleep(Duration::from_millis(30)).await.unwrap();
/// assert!(flag.0.load(Ordering::SeqCst));
/// # });
/// ```
pub struct Timer {
    driver: Arc<Driver>,
    key: TimerKey,
}

impl std::fmt::Debug for Timer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timer").finish_non_exhaustive()
    }
}

impl Timer {
    /// Registers a callback in the current runtime's timer wheel; `None` outside a
    /// runtime.
    pub fn register(deadline: Instant, waker: Waker) -> Option<Timer> {
        let driver = crate::context::handle()?.driver().clone();
        let (key, unpark) = driver.time.insert(deadline, waker);
        if unpark {
            driver.unpark();
        }
        Some(Timer { driver, key })
    }

    /// Moves the timer; false if it already fired or was cancelled (register a new one
    /// then).
    pub fn reset(&self, deadline: Instant) -> bool {
        let (ok, unpark) = self.driver.time.reset(self.key, deadline);
        if unpark {
            self.driver.unpark();
        }
        ok
    }

    /// Cancels the timer (nothing happens if it already fired).
    pub fn cancel(self) {
        self.driver.time.remove(self.key);
    }
}
