//! [`interval`]: a tick every period.

use super::sleep::{Sleep, far_future_from, sleep_until};
use crate::cancel::Cancelled;
use std::future::poll_fn;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// What an [`Interval`] does with ticks it missed because the task was busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks back to back until caught up, keeping the original schedule
    /// (`start + k * period`).
    #[default]
    Burst,
    /// Fire once now, then `period` after now: the schedule shifts.
    Delay,
    /// Fire once now, then at the next multiple of `period` on the original schedule:
    /// missed ticks are dropped.
    Skip,
}

/// Ticks every `period`, the first tick at once (at [`now`](super::now), the runtime's
/// clock).
///
/// A period so long that the next tick would lie beyond what an `Instant` can hold (say
/// `Duration::MAX`) saturates: the next tick is about thirty years away, that is, never.
///
/// # Panics
///
/// If `period` is zero.
///
/// ```
/// use std::time::Duration;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let mut every = weft::time::interval(Duration::from_millis(5));
/// let first = every.tick().await?;
/// let second = every.tick().await?;
/// assert!(second - first >= Duration::from_millis(5));
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
pub fn interval(period: Duration) -> Interval {
    interval_at(super::now(), period)
}

/// Ticks every `period`, the first tick at `start`.
///
/// # Panics
///
/// If `period` is zero.
///
/// ```
/// use std::time::Duration;
/// let i = weft::time::interval_at(weft::time::now(), Duration::from_secs(1));
/// assert_eq!(i.period(), Duration::from_secs(1));
/// ```
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(!period.is_zero(), "weft: interval period must be greater than zero");
    Interval { sleep: sleep_until(start), period, missed: MissedTickBehavior::default() }
}

/// A stream of ticks; see [`interval`] and [`MissedTickBehavior`].
#[derive(Debug)]
pub struct Interval {
    sleep: Sleep,
    period: Duration,
    missed: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns when it was scheduled. A checkpoint.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let mut i = weft::time::interval(std::time::Duration::from_millis(1));
    /// i.tick().await.unwrap();
    /// # });
    /// ```
    pub async fn tick(&mut self) -> Result<Instant, Cancelled> {
        crate::cancel::check()?;
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Result<Instant, Cancelled>> {
        crate::cancel::check()?;
        if self.sleep.poll_timer(cx).is_pending() {
            return Poll::Pending;
        }
        let scheduled = self.sleep.deadline();
        let next = next_tick(scheduled, super::now(), self.period, self.missed);
        self.sleep.reset(next);
        Poll::Ready(Ok(scheduled))
    }

    /// Sets what happens to missed ticks.
    ///
    /// ```
    /// use weft::time::{interval, MissedTickBehavior};
    /// let mut i = interval(std::time::Duration::from_secs(1));
    /// i.set_missed_tick_behavior(MissedTickBehavior::Skip);
    /// assert_eq!(i.missed_tick_behavior(), MissedTickBehavior::Skip);
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }

    /// The current missed-tick behaviour ([`MissedTickBehavior::Burst`] by default).
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Restarts the schedule: the next tick is one period from now.
    ///
    /// ```
    /// let mut i = weft::time::interval(std::time::Duration::from_secs(1));
    /// i.reset();
    /// ```
    pub fn reset(&mut self) {
        let now = super::now();
        self.sleep.reset(after(now, self.period));
    }
}

/// An interval is a [`futures_core::Stream`] of its ticks, as [`Interval::tick`] gives
/// them: each `poll_next` is a checkpoint, a cancellation is yielded as
/// `Some(Err(Cancelled))`, and the stream never ends. A tick is taken only when it is
/// yielded: a task cancelled (or a stream dropped) while it waits loses no tick.
///
/// ```
/// use futures_util::StreamExt;
/// use std::time::Duration;
/// # weft::Runtime::builder().current_thread().start_paused(true).build().unwrap().block_on(async {
/// let start = weft::time::now();
/// let ticks: Vec<_> = weft::time::interval(Duration::from_secs(1)).take(3).collect().await;
/// let at: Vec<_> = ticks.into_iter().map(|t| t.unwrap() - start).collect();
/// assert_eq!(at, [Duration::ZERO, Duration::from_secs(1), Duration::from_secs(2)]);
/// # });
/// ```
impl futures_core::Stream for Interval {
    type Item = Result<Instant, Cancelled>;

    fn poll_next(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_tick(cx).map(Some)
    }
}

/// Never terminated: `select!` may poll `next()` in a loop (futures-util's `select!`
/// needs a `FusedStream`).
impl futures_core::FusedStream for Interval {
    fn is_terminated(&self) -> bool {
        false
    }
}

/// `t + d`, or "never" (about thirty years after `t`) when that is beyond an `Instant`.
fn after(t: Instant, d: Duration) -> Instant {
    t.checked_add(d).unwrap_or_else(|| far_future_from(t))
}

/// When the tick after the one `scheduled` for comes, the clock now reading `now`.
fn next_tick(scheduled: Instant, now: Instant, period: Duration, missed: MissedTickBehavior) -> Instant {
    let on_schedule = after(scheduled, period);
    match missed {
        MissedTickBehavior::Burst => on_schedule,
        MissedTickBehavior::Delay if now > on_schedule => after(now, period),
        MissedTickBehavior::Delay => on_schedule,
        MissedTickBehavior::Skip if now < on_schedule => on_schedule,
        MissedTickBehavior::Skip => {
            // The first tick of the original schedule after `now`: `now` plus what is left
            // of the current period. All in u128 nanoseconds: a 1 ns period after a stall of
            // seconds is billions of periods.
            let period_nanos = period.as_nanos();
            let into_period = now.duration_since(scheduled).as_nanos() % period_nanos;
            let left = period_nanos - into_period;
            let left = Duration::new((left / 1_000_000_000) as u64, (left % 1_000_000_000) as u32);
            after(now, left)
        }
    }
}
