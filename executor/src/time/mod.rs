//! Timers: [`sleep`], [`sleep_until`], [`interval`], [`Timer`], the runtime's clock
//! [`now`], and the test clock: [`pause`], [`advance`], [`resume`].
//!
//! # How a timer fires
//!
//! Every pending timer of a runtime lives in one hierarchical timing wheel (`wheel.rs`)
//! behind a mutex, with 100 µs ticks; deadlines are rounded up to a tick, so a timer never
//! fires early. A [`Sleep`] costs nothing until it is first polled: creating one only
//! records its deadline; the first poll that finds the deadline still ahead registers it
//! in the wheel.
//!
//! Whenever the runtime looks at its timers it fires every one that is due: the
//! current-thread loop looks at the start of every turn (see the scheduler chapter of the
//! book: the tasks they wake run in the next turn, in deadline order, behind the tasks
//! woken in this one), the multi-thread workers every 61 tasks and whenever one parks on
//! the driver. A thread with nothing to do sleeps until the timers *must* fire: each timer
//! may be late by a small slack (a sixteenth of its delay, between 100 µs and 2 ms), and
//! the sleep ends when the first of those windows closes, firing every timer whose
//! deadline has come by then. So timers close together share one wake-up (1,000 timers
//! over 100 ms cost about sixty), two timers of the same delay set in one turn fire
//! together, and a 1 ms sleep still ends after about 1.1 ms. `driver.rs` tells how a park
//! ends on time without a system call per timer.
//!
//! # The test clock
//!
//! Everything here reads the runtime's clock, [`now`], never the system's directly. A test
//! can [`pause`] it (or build the runtime with
//! [`Builder::start_paused`](crate::runtime::Builder::start_paused)); then time moves only
//! by [`advance`], or, when every task is idle, straight to the next timer: sleeps,
//! intervals, timeouts and deadlines complete in deadline order and take no wall-clock
//! time. [`resume`] lets the clock run again. Both flavours support it; `clock.rs` says
//! exactly when auto-advance happens.
//!
//! ```
//! use std::time::Duration;
//! let rt = weft::Runtime::builder().current_thread().start_paused(true).build().unwrap();
//! rt.block_on(async {
//!     let start = weft::time::now();
//!     let slow = weft::spawn(weft::time::sleep(Duration::from_secs(30)));
//!     let fast = weft::spawn(weft::time::sleep(Duration::from_secs(10)));
//!     fast.await.unwrap().unwrap();
//!     assert_eq!(weft::time::now() - start, Duration::from_secs(10));
//!     slow.await.unwrap().unwrap();
//!     assert_eq!(weft::time::now() - start, Duration::from_secs(30));
//! });
//! ```
//!
//! ## `WEFT_CLOCK`: a whole program on the test clock
//!
//! The environment variable `WEFT_CLOCK` sets the clock of every runtime the program
//! builds, without a change to its code: `WEFT_CLOCK=paused` starts each one paused, as
//! `start_paused(true)` does (and [`run`](crate::run)'s runtime too); unset, empty or
//! `real`, the clock is real unless the builder says otherwise; any other value makes
//! [`Builder::build`](crate::runtime::Builder::build) fail with
//! [`BuildError::InvalidConfig`](crate::BuildError::InvalidConfig), so a typo cannot
//! leave the clock real unnoticed. It is for running a program whose output depends on
//! its timers (a demo, an example, a command-line tool under a snapshot test) so that it
//! prints the same thing on any machine, however busy, at once: weft's own tests run its
//! asyncio-recipe examples this way. It has the paused clock's limit: auto-advance does
//! not wait for I/O in flight, so a program that waits for another thread or process
//! *while* a timer runs (a reply under a timeout) sees the timer win; run such a
//! program on the real clock. A service never wants it set: its timeouts would fire at
//! once.
//!
//! ```no_run
//! // WEFT_CLOCK=paused ./my-program: this prints "slept 3600 s" at once.
//! use std::time::Duration;
//! fn main() {
//!     weft::run(async {
//!         let start = weft::time::now();
//!         weft::time::sleep(Duration::from_secs(3600)).await.unwrap();
//!         println!("slept {} s", (weft::time::now() - start).as_secs());
//!     });
//! }
//! ```
//!
//! All waits here are checkpoints: they return `Err(Cancelled)` if the task is cancelled
//! while it waits.

pub(crate) mod alarm;
mod clock;
pub(crate) mod driver;
mod interval;
#[cfg(all(test, loom))]
mod loom_fired;
mod sleep;
mod timer;
mod wheel;

pub(crate) use clock::paused_by_env;
pub use clock::{advance, pause, resume};
pub(crate) use driver::{TICK_NANOS, TimeDriver};
pub use interval::{Interval, MissedTickBehavior, interval, interval_at};
pub use sleep::{Sleep, sleep, sleep_secs, sleep_until};
pub use timer::Timer;

use std::time::{Duration, Instant};

/// The runtime's clock: asyncio's `loop.time()`, as an `Instant`. Inside a runtime (a task,
/// or `block_on`'s future) it is that runtime's clock, which a test may have paused
/// ([`pause`]); outside one (another thread, a blocking-pool job) it is `Instant::now()`.
/// Compute deadlines from it, not from `Instant::now()`, so that they follow a paused
/// clock.
///
/// ```
/// let t = weft::time::now();
/// assert!(weft::time::now() >= t);
/// ```
#[inline]
pub fn now() -> Instant {
    if !clock::any_controlled() {
        return Instant::now(); // every clock in the process is the real one
    }
    runtime_now()
}

/// [`now`] while some clock in the process is paused or shifted: this runtime's clock.
#[cold]
fn runtime_now() -> Instant {
    crate::context::with_handle(|h| match h {
        Some(h) => h.driver().time.now(),
        None => Instant::now(),
    })
}

/// asyncio's `loop.time()` as seconds: [`now`] (so it follows a paused clock), counted
/// from an arbitrary origin fixed for the life of the process.
///
/// ```
/// let a = weft::time::monotonic();
/// assert!(weft::time::monotonic() >= a);
/// ```
pub fn monotonic() -> f64 {
    static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let origin = *ORIGIN.get_or_init(Instant::now);
    now().saturating_duration_since(origin).as_secs_f64()
}

/// A number of seconds that cannot be a duration: negative, NaN, or too large.
///
/// ```
/// use weft::time::{InvalidDuration, secs};
/// let e: InvalidDuration = secs(-2.0).unwrap_err();
/// assert_eq!(e, InvalidDuration(-2.0));
/// assert_eq!(e.to_string(), "invalid duration: -2 seconds (expected a finite, non-negative number)");
/// ```
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
