//! [`sleep`] and [`sleep_until`]: asyncio's `asyncio.sleep`.

use super::clock::add_saturating;
use super::wheel::TimerKey;
use super::{InvalidDuration, TimeDriver};
use crate::cancel::{self, Cancelled};
use crate::driver::Driver;
use crate::{context, coop};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Waits until `duration` has passed: asyncio's `await asyncio.sleep(seconds)`.
///
/// A checkpoint: a cancellation of the task ends the sleep with `Err(Cancelled)`. A zero
/// duration completes at once (call [`yield_now`](crate::yield_now) to let others run).
///
/// # Panics
///
/// When polled outside a weft runtime.
///
/// The deadline is [`now`](super::now) plus `duration` (the runtime's clock, so a paused
/// clock's sleeps end when it is advanced to them); a duration too long for an `Instant`
/// sleeps for about thirty years. The sleep ends at its deadline or a little after, never
/// before: see the [module docs](super) for how late (its slack).
///
/// ```
/// use std::time::{Duration, Instant};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let start = Instant::now();
/// weft::time::sleep(Duration::from_millis(20)).await?;
/// assert!(start.elapsed() >= Duration::from_millis(20));
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    let now = super::now();
    let mut s = sleep_until(now.checked_add(duration).unwrap_or_else(|| far_future_from(now)));
    s.slack = TimeDriver::slack(duration) as u8;
    // At least a tick away when it was made: the first poll registers it without reading
    // the clock again. (If that poll comes so late that the deadline has passed, the
    // wheel fires it at its next turn: late by a driver turn, never early.)
    s.clock_check = duration < Duration::from_nanos(super::TICK_NANOS);
    s
}

/// Sleeps for a number of seconds given as `f64`, as asyncio does; negative or NaN
/// seconds are refused with [`InvalidDuration`] instead of sleeping for no time.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// weft::time::sleep_secs(0.01).unwrap().await.unwrap();
/// assert!(weft::time::sleep_secs(-1.0).is_err());
/// # });
/// ```
pub fn sleep_secs(seconds: f64) -> Result<Sleep, InvalidDuration> {
    super::secs(seconds).map(sleep)
}

/// Waits until `deadline`: asyncio's `loop.call_at` as a future. Compute the deadline from
/// [`now`](super::now) so that it follows a paused clock.
///
/// ```
/// use std::time::Duration;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let deadline = weft::time::now() + Duration::from_millis(10);
/// weft::time::sleep_until(deadline).await.unwrap();
/// assert!(weft::time::now() >= deadline);
/// # });
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep { deadline, entry: None, slack: 0, clock_check: true }
}

/// About thirty years after `now`: what "never" means for a deadline.
pub(crate) fn far_future_from(now: Instant) -> Instant {
    add_saturating(now, Duration::from_secs(86400 * 365 * 30))
}

/// Future returned by [`sleep`] and [`sleep_until`]. Registers its timer on first poll;
/// dropping it cancels the timer.
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    deadline: Instant,
    entry: Option<(Arc<Driver>, TimerKey)>,
    /// The timer's slack in ticks, from the duration `sleep` was asked for; 0 for a
    /// deadline, whose slack follows from the delay measured when it is registered.
    slack: u8,
    /// Whether the first poll must read the clock to see if the deadline already passed.
    clock_check: bool,
}

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sleep").field("deadline", &self.deadline).finish()
    }
}

impl Sleep {
    /// When the sleep ends.
    ///
    /// ```
    /// let s = weft::time::sleep(std::time::Duration::from_secs(1));
    /// assert!(s.deadline() > weft::time::now());
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Moves the deadline; the sleep stays registered if it was.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut s = weft::time::sleep(Duration::from_secs(60));
    /// let soon = weft::time::now();
    /// s.reset(soon);
    /// assert_eq!(s.deadline(), soon);
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        self.slack = 0;
        self.clock_check = true;
        if let Some((driver, key)) = &mut self.entry {
            let slack = TimeDriver::slack(deadline.saturating_duration_since(driver.time.now()));
            let (ok, unpark) = driver.time.reset(key, deadline, slack);
            if unpark {
                driver.unpark();
            }
            if !ok {
                self.entry = None;
            }
        }
    }

    /// Whether the deadline has passed, by the runtime's clock.
    ///
    /// ```
    /// assert!(weft::time::sleep(std::time::Duration::ZERO).is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        super::now() >= self.deadline
    }

    /// Polls the timer alone, *without* the cancellation check: for building timeouts and
    /// deadlines, whose timer must never take a cancellation meant for the body they
    /// guard. Awaiting the `Sleep` itself is the checkpoint.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let mut s = weft::time::sleep(std::time::Duration::from_millis(5));
    /// weft::current_task().unwrap().cancel(None);
    /// poll_fn(|cx| s.poll_expired(cx)).await; // not interrupted by the request
    /// assert!(weft::cancel::check().is_err(), "the request is still pending");
    /// # });
    /// ```
    pub fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.poll_timer(cx)
    }

    pub(crate) fn poll_timer(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let Some((driver, key)) = &self.entry {
            if driver.time.set_waker(*key, cx.waker()) {
                return Poll::Pending;
            }
            self.entry = None;
            self.clock_check = true; // fired: a later poll must see the deadline passed
            return coop::poll_proceed(cx);
        }
        let driver = context::with_handle(|h| {
            h.map(|h| h.driver().clone())
                .expect("weft: a timer was polled outside a weft runtime; run it inside Runtime::block_on or a spawned task")
        });
        let slack = if self.clock_check || self.slack == 0 {
            let now = driver.time.now();
            if now >= self.deadline {
                return coop::poll_proceed(cx);
            }
            TimeDriver::slack(self.deadline - now)
        } else {
            u64::from(self.slack)
        };
        if driver.time.is_shut_down() {
            return Poll::Ready(());
        }
        let (key, unpark) = driver.time.insert(self.deadline, slack, cx.waker().clone());
        if unpark {
            driver.unpark();
        }
        self.entry = Some((driver, key));
        Poll::Pending
    }
}

impl Future for Sleep {
    type Output = Result<(), Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        cancel::check()?;
        let this = self.get_mut();
        let polled = this.poll_timer(cx);
        if polled.is_pending() {
            crate::observe::waiting_on("sleep", crate::observe::WaitDetail::Deadline(this.deadline));
        }
        polled.map(Ok)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some((driver, key)) = self.entry.take() {
            driver.time.remove(key);
        }
    }
}
