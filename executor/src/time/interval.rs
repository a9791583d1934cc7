//! [`interval`]: a tick every period.

use super::sleep::{Sleep, sleep_until};
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

/// Ticks every `period`, the first tick at once.
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
    interval_at(Instant::now(), period)
}

/// Ticks every `period`, the first tick at `start`.
///
/// # Panics
///
/// If `period` is zero.
///
/// ```
/// use std::time::{Duration, Instant};
/// let i = weft::time::interval_at(Instant::now(), Duration::from_secs(1));
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
        let now = Instant::now();
        let next = match self.missed {
            MissedTickBehavior::Burst => scheduled + self.period,
            MissedTickBehavior::Delay if now > scheduled + self.period => now + self.period,
            MissedTickBehavior::Delay => scheduled + self.period,
            MissedTickBehavior::Skip => {
                let behind = now.saturating_duration_since(scheduled).as_nanos();
                let periods = behind / self.period.as_nanos() + 1;
                scheduled + self.period * periods as u32
            }
        };
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
        self.sleep.reset(Instant::now() + self.period);
    }
}
