//! The runtime's clock, and the test clock: [`pause`], [`advance`], [`resume`].
//!
//! Everything in weft that computes or checks a deadline reads the time through the
//! runtime's clock ([`now`](super::now)), never `Instant::now()` directly. Normally the clock
//! *is* `Instant::now()`. A test can stop it: while it is paused, time moves only when the
//! test [`advance`]s it, or when every task is idle and the runtime *auto-advances* it to
//! the next timer, at once, instead of sleeping. A test that waits an hour then takes no
//! wall-clock time, and cannot be early or late on a loaded machine: the order in which
//! timers fire is the order of their deadlines, whatever the machine does.
//!
//! # The three modes
//!
//! | mode      | `now()`                                   | entered by                       |
//! |-----------|-------------------------------------------|----------------------------------|
//! | `REAL`    | `Instant::now()`                          | a new runtime                    |
//! | `PAUSED`  | the frozen instant                        | [`pause`], `start_paused(true)`  |
//! | `SHIFTED` | `Instant::now()` plus or minus an offset  | [`resume`]                       |
//!
//! After [`resume`] the clock runs again from where it stood, at the real clock's pace, so
//! it never runs backwards: it is the real clock shifted by however far the test moved it
//! (an hour ahead after `advance(1 h)`, a little behind if it was paused and not advanced).
//! The mode is an atomic read first, so the `REAL` clock costs one load beside the
//! `Instant::now()` it returns. And while no clock in the process is paused or shifted
//! (every runtime outside tests), [`now`](super::now) does not even look up the runtime:
//! one process-wide count, [`any_controlled`], says every clock is the real one.
//!
//! # What auto-advance waits for
//!
//! The runtime moves a paused clock only when nothing can run: no task is queued or being
//! polled (on the multi-thread runtime: every worker is parked and `block_on`'s future is
//! waiting), no I/O event is pending, and no job of the blocking pool (`spawn_blocking`,
//! `to_thread`) is unfinished, since its result could wake a task. Then it sets the clock
//! to the earliest timer's tick and fires what is due, exactly as a real park would have
//! after sleeping until then. I/O in flight does not hold it back (as in tokio): a task
//! waiting for a socket beside a task waiting for a timer sees the timer fire first, however
//! soon the peer would have answered. Timers keep their order: deadline order, and registration
//! order for equal deadlines. Deadlines are rounded up to the wheel's 100 µs ticks, and
//! [`pause`] stops the clock on the start of a tick (moving it forward by less than one),
//! so a sleep of a whole number of ticks (any number of milliseconds) ends exactly at its
//! deadline by the paused clock.
//!
//! Deadlines computed from `std::time::Instant::now()` rather than [`now`](super::now) are
//! real-clock instants: while the clock is paused they lie ahead of it by however long the
//! test has been running, and auto-advance reaches them later than intended. Compute
//! deadlines from [`now`](super::now) in code that may run under a paused clock.

use crate::cancel::Cancelled;
use crate::error::BuildError;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How many clocks in the process are not `REAL` (paused or shifted).
static CONTROLLED: AtomicUsize = AtomicUsize::new(0);

/// Whether some clock in the process is paused or shifted. While none is, every runtime's
/// time is `Instant::now()`. A clock leaves `REAL` on the thread that pauses it (or in the
/// builder, before any task of its runtime runs), so that thread, and any task started
/// after, sees the count raised.
#[inline]
pub(crate) fn any_controlled() -> bool {
    CONTROLLED.load(Ordering::Acquire) != 0
}

const REAL: u8 = 0;
const PAUSED: u8 = 1;
const SHIFTED: u8 = 2;

/// One runtime's clock: the real one, a paused one, or the real one shifted (see the
/// module docs' table).
pub(crate) struct Clock {
    mode: AtomicU8,
    state: Mutex<State>,
}

/// The clock's value when it is not `REAL`; read and written under the lock.
struct State {
    /// `PAUSED`: the time the clock stands at.
    frozen: Instant,
    /// `SHIFTED`: the clock is `Instant::now() + ahead - behind` (one of them is zero).
    ahead: Duration,
    behind: Duration,
}

impl Clock {
    /// A clock at `start`, paused there if `paused`.
    pub(crate) fn new(start: Instant, paused: bool) -> Clock {
        if paused {
            CONTROLLED.fetch_add(1, Ordering::AcqRel);
        }
        Clock {
            mode: AtomicU8::new(if paused { PAUSED } else { REAL }),
            state: Mutex::new(State { frozen: start, ahead: Duration::ZERO, behind: Duration::ZERO }),
        }
    }

    /// The current time.
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        if self.mode.load(Ordering::Acquire) == REAL {
            return Instant::now();
        }
        self.now_slow()
    }

    #[cold]
    fn now_slow(&self) -> Instant {
        let state = self.state.lock();
        match self.mode.load(Ordering::Acquire) {
            PAUSED => state.frozen,
            SHIFTED => shifted(Instant::now(), state.ahead, state.behind),
            _ => Instant::now(),
        }
    }

    /// Whether the clock is paused.
    #[inline]
    pub(crate) fn is_paused(&self) -> bool {
        self.mode.load(Ordering::Acquire) == PAUSED
    }

    /// Freezes the clock at `align(now)` (which must not be before `now`); nothing if it
    /// is already paused.
    pub(crate) fn pause(&self, align: impl FnOnce(Instant) -> Instant) {
        let mut state = self.state.lock();
        let now = match self.mode.load(Ordering::Acquire) {
            PAUSED => return,
            SHIFTED => shifted(Instant::now(), state.ahead, state.behind),
            _ => Instant::now(),
        };
        state.frozen = align(now).max(now);
        if self.mode.load(Ordering::Acquire) == REAL {
            CONTROLLED.fetch_add(1, Ordering::AcqRel);
        }
        self.mode.store(PAUSED, Ordering::Release);
    }

    /// Lets the clock run again from where it stands; nothing if it is not paused.
    pub(crate) fn resume(&self) {
        let mut state = self.state.lock();
        if self.mode.load(Ordering::Acquire) != PAUSED {
            return;
        }
        let real = Instant::now();
        (state.ahead, state.behind) = match state.frozen.checked_duration_since(real) {
            Some(ahead) => (ahead, Duration::ZERO),
            None => (Duration::ZERO, real - state.frozen),
        };
        let mode = if state.ahead.is_zero() && state.behind.is_zero() { REAL } else { SHIFTED };
        self.mode.store(mode, Ordering::Release);
        if mode == REAL {
            CONTROLLED.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Moves a paused clock forward by `by` (as far as an `Instant` can go); false if the
    /// clock is not paused.
    pub(crate) fn advance(&self, by: Duration) -> bool {
        let mut state = self.state.lock();
        if self.mode.load(Ordering::Acquire) != PAUSED {
            return false;
        }
        state.frozen = add_saturating(state.frozen, by);
        true
    }

    /// Moves a paused clock forward to `to` (never backwards); false if it is not paused.
    pub(crate) fn advance_to(&self, to: Instant) -> bool {
        let mut state = self.state.lock();
        if self.mode.load(Ordering::Acquire) != PAUSED {
            return false;
        }
        state.frozen = state.frozen.max(to);
        true
    }
}

impl Drop for Clock {
    fn drop(&mut self) {
        if *self.mode.get_mut() != REAL {
            CONTROLLED.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

fn shifted(real: Instant, ahead: Duration, behind: Duration) -> Instant {
    // `behind` is at most how far the real clock had run past the frozen time at resume,
    // so the subtraction stays after that frozen time.
    add_saturating(real, ahead).checked_sub(behind).unwrap_or(real)
}

/// `t + d`, or the latest instant reachable by halving `d` until it fits.
pub(crate) fn add_saturating(t: Instant, d: Duration) -> Instant {
    if let Some(sum) = t.checked_add(d) {
        return sum;
    }
    let mut step = d / 2;
    let mut t = t;
    while !step.is_zero() {
        if let Some(sum) = t.checked_add(step) {
            t = sum;
        } else {
            step /= 2;
        }
    }
    t
}

/// The driver of the runtime this thread is inside.
fn driver(what: &str) -> std::sync::Arc<crate::driver::Driver> {
    crate::context::handle().map(|h| h.driver().clone()).unwrap_or_else(|| {
        panic!("weft: time::{what}() was called outside a weft runtime; call it inside Runtime::block_on or a task")
    })
}

/// Pauses the runtime's clock: tokio's `time::pause`, asyncio's test loops.
///
/// From now on [`now`](super::now) stands still, except when the test [`advance`]s it, or
/// when every task is idle: then the runtime moves the clock straight to the next timer
/// instead of sleeping (auto-advance; the module docs of [`time`](super) say exactly
/// when). Sleeps, intervals, timeouts and deadlines all follow the paused clock, so a test
/// that waits on time takes no wall-clock time and fires its timers in deadline order,
/// however busy the machine is. Works on both flavours. Pausing a paused clock does
/// nothing. [`Builder::start_paused`](crate::runtime::Builder::start_paused) pauses it from
/// the start.
///
/// # Panics
///
/// Outside a weft runtime.
///
/// ```
/// use std::time::Duration;
/// let rt = weft::Runtime::builder().current_thread().build().unwrap();
/// rt.block_on(async {
///     weft::time::pause();
///     let start = weft::time::now();
///     let wall = std::time::Instant::now();
///     weft::time::sleep(Duration::from_secs(3600)).await.unwrap(); // auto-advanced
///     assert_eq!(weft::time::now() - start, Duration::from_secs(3600));
///     assert!(wall.elapsed() < Duration::from_secs(60));
/// });
/// ```
pub fn pause() {
    let driver = driver("pause");
    driver.time.pause();
    // A thread parked on the driver with a real timeout re-plans under the paused clock.
    driver.unpark();
}

/// Lets a paused clock run again, from where it stands: tokio's `time::resume`. The clock
/// stays ahead of (or behind) the real one by however far it was moved, so it never runs
/// backwards. Resuming a running clock does nothing.
///
/// # Panics
///
/// Outside a weft runtime.
///
/// ```
/// use std::time::Duration;
/// let rt = weft::Runtime::builder().current_thread().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     weft::time::advance(Duration::from_secs(60)).await.unwrap();
///     weft::time::resume();
///     let before = weft::time::now();
///     weft::time::sleep(Duration::from_millis(5)).await.unwrap(); // real time again
///     assert!(weft::time::now() - before >= Duration::from_millis(5));
/// });
/// ```
pub fn resume() {
    let driver = driver("resume");
    driver.time.clock.resume();
    driver.unpark();
}

/// Moves a paused clock forward by `by`, fires every timer that became due, and yields:
/// tokio's `time::advance`.
///
/// The timers fire in deadline order before `advance` yields, so on the current-thread
/// runtime every task they wake runs one step before the caller resumes (the wake-ups
/// land ahead of the caller's own turn in the queue). Auto-advance does the same without
/// being asked, whenever every task is idle; `advance` is for moving time while some task
/// stays busy, or for moving it by less than the next timer. A duration that would carry
/// the clock past what an `Instant` can hold moves it as far as it can go.
///
/// A checkpoint: a cancelled caller gets `Err(Cancelled)` (the clock has moved all the
/// same).
///
/// # Panics
///
/// Outside a weft runtime, or if the clock is not paused (call [`pause`] first, or build
/// the runtime with
/// [`Builder::start_paused`](crate::runtime::Builder::start_paused)).
///
/// ```
/// use std::time::Duration;
/// let rt = weft::Runtime::builder().current_thread().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let sleeper = weft::spawn(weft::time::sleep(Duration::from_millis(10)));
///     weft::time::advance(Duration::from_millis(9)).await.unwrap();
///     assert!(!sleeper.is_finished());
///     weft::time::advance(Duration::from_millis(1)).await.unwrap();
///     assert!(sleeper.is_finished()); // it ran while advance yielded
/// });
/// ```
pub async fn advance(by: Duration) -> Result<(), Cancelled> {
    let driver = driver("advance");
    if !driver.time.clock.advance(by) {
        panic!(
            "weft: time::advance() needs a paused clock; call weft::time::pause() first, or build \
             the runtime with Builder::start_paused(true)"
        );
    }
    let mut fired = Vec::new();
    driver.time.process(&mut fired);
    for waker in fired {
        waker.wake();
    }
    // A thread parked on the driver re-plans against the new time.
    driver.unpark();
    crate::yield_now().await
}

/// Whether the `WEFT_CLOCK` environment variable asks for a paused clock: `paused` does;
/// unset, empty or `real` does not; anything else is a configuration error (a typo must
/// not silently leave the clock real).
pub(crate) fn paused_by_env() -> Result<bool, BuildError> {
    match std::env::var_os("WEFT_CLOCK") {
        None => Ok(false),
        Some(v) if v.is_empty() || v == "real" => Ok(false),
        Some(v) if v == "paused" => Ok(true),
        Some(_) => Err(BuildError::InvalidConfig("WEFT_CLOCK must be `real` or `paused`")),
    }
}
