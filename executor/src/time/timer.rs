//! [`Timer`]: a callback at a deadline, asyncio's `loop.call_at`.

use super::TimeDriver;
use super::wheel::TimerKey;
use crate::driver::Driver;
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};
use std::time::Instant;

/// A callback timer: asyncio's `loop.call_at`. At `deadline` the driver wakes the given
/// waker (build it from your own `std::task::Wake` type to run code, as cancel-scope
/// deadlines and asyncio-style timeouts do). Dropping the handle does not cancel the
/// timer; [`Timer::cancel`] does.
///
/// The callback runs on the thread that drives timers, outside every lock of the runtime.
/// On the current-thread runtime that is the loop's thread, in the turn the timer is due:
/// after the tasks that were ready when the turn began, and in deadline order with the
/// other timers due in that turn (registration order for equal deadlines), as asyncio
/// runs its timer callbacks. A task it wakes (or cancels) runs in the next turn, in that
/// same order.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// use std::task::{Wake, Waker};
/// use std::time::Duration;
/// struct Flag(AtomicBool);
/// impl Wake for Flag {
///     fn wake(self: Arc<Self>) {
///         self.0.store(true, Ordering::SeqCst);
///     }
/// }
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let flag = Arc::new(Flag(AtomicBool::new(false)));
/// let at = weft::time::now() + Duration::from_millis(5);
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
        let driver = crate::context::with_handle(|h| h.map(|h| h.driver().clone()))?;
        let now = driver.time.now();
        Some(Timer::register_in(driver, deadline, now, waker))
    }

    /// [`register`](Timer::register) for a caller that has just read the clock
    /// ([`now`](super::now)) to see that `deadline` is ahead: the timer's slack is measured
    /// from that reading instead of a second one. `None` outside a runtime.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::task::{Wake, Waker};
    /// use std::time::Duration;
    /// struct Nothing;
    /// impl Wake for Nothing {
    ///     fn wake(self: Arc<Self>) {}
    /// }
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let now = weft::time::now();
    /// let at = now + Duration::from_secs(5);
    /// let timer = weft::time::Timer::register_seen(at, now, Waker::from(Arc::new(Nothing))).unwrap();
    /// timer.cancel();
    /// # });
    /// ```
    pub fn register_seen(deadline: Instant, now: Instant, waker: Waker) -> Option<Timer> {
        let driver = crate::context::with_handle(|h| h.map(|h| h.driver().clone()))?;
        Some(Timer::register_in(driver, deadline, now, waker))
    }

    fn register_in(driver: Arc<Driver>, deadline: Instant, now: Instant, waker: Waker) -> Timer {
        let slack = TimeDriver::slack(deadline.saturating_duration_since(now));
        let (key, unpark) = driver.time.insert(deadline, slack, waker);
        if unpark {
            driver.unpark();
        }
        // `reset` takes `&self` and cannot teach the key a new deadline: the key forgets
        // it, so the driver always asks the wheel whether this timer fired.
        Timer { driver, key: key.without_deadline() }
    }

    /// Runs `callback` once at `deadline`, in the timer phase of the turn (see [`Timer`]):
    /// [`register`](Timer::register) with a waker that calls it. `None` outside a
    /// runtime. For deadlines that must act from the timer, as asyncio's timeouts do.
    #[doc(hidden)]
    pub fn call_at(deadline: Instant, callback: impl FnOnce() + Send + 'static) -> Option<Timer> {
        Timer::register(deadline, Waker::from(Arc::new(Callback(Mutex::new(Some(Box::new(callback)))))))
    }

    /// Moves the timer; false if it already fired or was cancelled (register a new one
    /// then).
    pub fn reset(&self, deadline: Instant) -> bool {
        let slack = TimeDriver::slack(deadline.saturating_duration_since(self.driver.time.now()));
        // A copy: `&self` cannot update the key, which is why it holds no deadline.
        let (ok, unpark) = self.driver.time.reset(&mut { self.key }, deadline, slack);
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

/// The waker of [`Timer::call_at`]: runs its callback at the first wake.
struct Callback(Mutex<Option<Box<dyn FnOnce() + Send>>>);

impl Wake for Callback {
    fn wake(self: Arc<Self>) {
        let callback = self.0.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(callback) = callback {
            callback();
        }
    }
}
