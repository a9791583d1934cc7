//! [`TimeDriver`]: the wheel behind its lock, the clock, and how long a park may last.
//!
//! # Slack: fewer wake-ups for the same timers
//!
//! Every timer may fire a little after its deadline: its *slack*, a sixteenth of its
//! delay, at least one tick (100 µs) and at most [`MAX_SLACK`] (2 ms). A 1 ms sleep may end
//! 100 µs late, a 5 ms sleep 300 µs late, anything from 32 ms up 2 ms late. (tokio rounds
//! every deadline up to its next 1 ms tick and then epoll rounds the park up again: its
//! timers end 1 to 2 ms late, a 1 ms sleep after about 2 ms.) The slack does not make
//! timers late when the runtime is awake anyway: every look at the timers fires every
//! timer that is *due*. It only decides how long a thread that has nothing to do may
//! sleep: until the earliest `deadline + slack`, not the earliest deadline
//! ([`TimerWheel::next_wake`]). One wake-up there fires every timer whose deadline has
//! come by then; this is the fewest wake-ups that keep every timer inside its window.
//! 1,000 timers spread over 100 ms cost about sixty wake-ups, not one per 100 µs tick that
//! holds a deadline. And two timers of the same delay set a few microseconds apart (two
//! tasks of one turn) fire in one wake-up, even when their deadlines round to different
//! ticks.
//!
//! # Which alarm ends a park
//!
//! The next wake-up may come anywhere in its *window*: from the earliest deadline
//! (`first_due`: waking there fires at least that timer) to `at` (waking later would make
//! a timer late). epoll's timeout counts whole milliseconds: if a whole number of
//! milliseconds from now lands in the window, the poll's own timeout ends the park and the
//! timerfd alarm (`alarm.rs`) is not touched. (Timers due after that point, within the
//! window, are served by the next park, still inside their own windows.) Otherwise the
//! alarm is armed for `at`, to the nanosecond, unless it is already armed for a time
//! inside the window: when the next deadline barely moved, it is not armed again. See
//! [`TimeDriver::prepare_park`].
//!
//! | park                                          | syscalls                          |
//! |-----------------------------------------------|-----------------------------------|
//! | nothing to wait for, or a zero timeout        | the poll                          |
//! | a whole number of ms from now is in the window | the poll (with that timeout)     |
//! | the alarm already rings inside the window     | the poll                          |
//! | otherwise                                     | `timerfd_settime`, then the poll  |
//!
//! Timers of 16 ms and more have windows of a millisecond or more, which always hold a
//! whole millisecond from now: they never need the alarm. Short sleeps, whose windows are
//! narrower, get it, and keep their precision.

use super::clock::Clock;
use super::wheel::{MAX_SLACK as WHEEL_MAX_SLACK, NextWake, TimerKey, TimerWheel};
// The wheel's lock and the atomics published beside it are loom's under `--cfg loom`, so
// that `loom_fired.rs` can check the lock-free "did my timer fire?" read.
use crate::sync::{AtomicU64, Mutex};
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Waker;
use std::time::{Duration, Instant};

/// The wheel's tick: 100 µs. Deadlines are rounded up to a tick, so a timer never fires
/// early. Finer ticks than tokio's 1 ms cost nothing per timer: the wheel jumps from one
/// non-empty slot to the next.
pub(crate) const TICK_NANOS: u64 = 100_000;

/// The most a timer's slack can be, in ticks (2 ms).
pub(crate) const MAX_SLACK: u64 = 20;

/// The fraction of its delay a timer may be late, as a divisor (a sixteenth).
const SLACK_DIVISOR: u64 = 16;

const _: () = assert!(MAX_SLACK <= WHEEL_MAX_SLACK);
// A `Sleep` keeps its slack in a byte.
const _: () = assert!(MAX_SLACK <= u8::MAX as u64);

/// Where the driver's fields live, by who writes them. Every worker reads the clock's mode,
/// `start`, `next_due` and `fired_below` all the time and writes them rarely; every timer
/// set or cancelled on any worker writes the wheel's lock; and every `Timer` and `Sleep`
/// that registers clones the `Arc` the driver lives in. Each of these gets cache lines of
/// its own ([`Line`]), so that a lock taken, or an `Arc` cloned, on one core does not
/// take from the other cores the lines they only read. (Laid out by the compiler, the
/// clock and `start` shared a line with the `Arc`'s count, and `next_due` with the
/// wheel's counters.)
pub(crate) struct TimeDriver {
    start: Instant,
    pub(crate) clock: Line<Clock>,
    inner: Line<Mutex<Inner>>,
    /// The wheel's next expiration tick, or `u64::MAX` when no timer is pending. A bound
    /// that may be earlier than the truth (it is not raised when a timer is removed):
    /// enough for a turn to see, without the lock, that nothing can be due yet.
    next_due: Line<AtomicU64>,
    /// The wheel's [`fired_below`](TimerWheel::fired_below), published under the lock
    /// whenever it changes: a woken sleep compares its key with it to see, without the
    /// lock, that its timer fired.
    fired_below: AtomicU64,
    shut_down: AtomicBool,
    /// The runtime's timeline, if it records one (each `process` that fires timers says
    /// how many).
    pub(crate) timeline: std::sync::OnceLock<std::sync::Arc<crate::observe::Timeline>>,
}

/// A value alone on its cache lines: 128 bytes, as the adjacent-line prefetcher of x86
/// moves lines in pairs. A struct that holds one is 128-aligned too, so the `Arc` the
/// driver lives in keeps its counts on lines of their own.
#[repr(align(128))]
pub(crate) struct Line<T>(T);

impl<T> std::ops::Deref for Line<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

struct Inner {
    wheel: TimerWheel,
    /// The tick the driver's holder wakes at: 0 when nobody sleeps on the driver,
    /// `u64::MAX` for no timeout. Read and written under the lock together with the
    /// wheel, so a timer inserted after the holder planned its park sees it.
    parked_until: u64,
}

/// What a park does, as [`TimeDriver::prepare_park`] plans it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ParkPlan {
    /// The poll's timeout.
    pub(crate) timeout: Option<Duration>,
    /// What to do with the alarm before polling.
    pub(crate) alarm: AlarmPlan,
}

/// See [`ParkPlan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AlarmPlan {
    /// Leave it as it is.
    Keep,
    /// Arm it for `at`, which is `after` from now.
    Arm { at: Instant, after: Duration },
    /// Disarm it: it is armed for a time at which nothing would be due.
    Disarm,
}

impl TimeDriver {
    pub(crate) fn new(start_paused: bool) -> TimeDriver {
        let start = Instant::now();
        TimeDriver {
            start,
            clock: Line(Clock::new(start, start_paused)),
            inner: Line(Mutex::new(Inner { wheel: TimerWheel::new(), parked_until: 0 })),
            next_due: Line(AtomicU64::new(u64::MAX)),
            fired_below: AtomicU64::new(0),
            shut_down: AtomicBool::new(false),
            timeline: std::sync::OnceLock::new(),
        }
    }

    /// The runtime's time.
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
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
    pub(super) fn tick_instant(&self, tick: u64) -> Instant {
        super::clock::add_saturating(self.start, Duration::from_nanos(tick.saturating_mul(TICK_NANOS)))
    }

    /// Pauses the clock on the next tick's start, so that deadlines a whole number of ticks
    /// away fall on ticks, and auto-advance reaches them exactly.
    pub(crate) fn pause(&self) {
        self.clock.pause(|now| self.tick_instant(self.tick_ceil(now)));
    }

    /// The slack of a timer `delay` long, in ticks (1 to [`MAX_SLACK`]): see the module
    /// docs.
    pub(crate) fn slack(delay: Duration) -> u64 {
        let nanos = u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX);
        (nanos / SLACK_DIVISOR / TICK_NANOS).clamp(1, MAX_SLACK)
    }

    /// Registers a timer due at `deadline` with `slack` ticks of slack (see
    /// [`slack`](Self::slack)); returns its key and whether the driver's holder must be
    /// woken because it sleeps past the new timer's window.
    pub(crate) fn insert(&self, deadline: Instant, slack: u64, waker: Waker) -> (TimerKey, bool) {
        let tick = self.tick_ceil(deadline);
        let mut inner = self.inner.lock();
        let key = inner.wheel.insert(tick, slack, waker);
        self.lower_next_due(&inner, tick);
        self.publish_fired_below(&inner);
        (key, inner.woken_for(tick.saturating_add(slack)))
    }

    /// Whether the timer `key` names has certainly fired, read without the lock; `false`
    /// means "maybe not". See [`TimerWheel::fired_below`] for why a `true` is certain.
    #[inline]
    pub(crate) fn fired(&self, key: &TimerKey) -> bool {
        key.fired(self.fired_below.load(Ordering::Acquire))
    }

    /// Updates a pending timer's waker; false if it already fired.
    pub(crate) fn set_waker(&self, key: TimerKey, waker: &Waker) -> bool {
        !self.fired(&key) && self.inner.lock().wheel.set_waker(key, waker)
    }

    /// Cancels a pending timer; false if it already fired or was cancelled.
    pub(crate) fn remove(&self, key: TimerKey) -> bool {
        !self.fired(&key) && self.inner.lock().wheel.remove(key)
    }

    /// Moves a pending timer to `deadline`, with `slack` ticks of slack; returns whether it
    /// was still pending, and whether the driver's holder must be woken. `key` learns the
    /// new deadline.
    pub(crate) fn reset(&self, key: &mut TimerKey, deadline: Instant, slack: u64) -> (bool, bool) {
        if self.fired(key) {
            return (false, false);
        }
        let tick = self.tick_ceil(deadline);
        let mut inner = self.inner.lock();
        let ok = inner.wheel.reset(key, tick, slack);
        if !ok {
            return (false, false);
        }
        self.lower_next_due(&inner, tick);
        self.publish_fired_below(&inner);
        (true, inner.woken_for(tick.saturating_add(slack)))
    }

    /// Plans a park of the driver's holder at `now`: the poll's timeout (at most
    /// `timeout`) and what to do with the alarm, which is armed for `armed` if anything.
    /// Records how long the holder sleeps, for [`insert`](Self::insert)'s check. See the
    /// module docs for the choice between the poll's timeout and the alarm.
    pub(crate) fn prepare_park(
        &self,
        now: Instant,
        timeout: Option<Duration>,
        armed: Option<Instant>,
    ) -> ParkPlan {
        let mut inner = self.inner.lock();
        let wake = inner.wheel.next_wake();
        let (plan, until) = self.plan(now, timeout, armed, wake);
        inner.parked_until = until;
        plan
    }

    /// [`prepare_park`](Self::prepare_park)'s decision, and the tick the holder wakes at.
    fn plan(
        &self,
        now: Instant,
        timeout: Option<Duration>,
        armed: Option<Instant>,
        wake: Option<NextWake>,
    ) -> (ParkPlan, u64) {
        let keep = |timeout: Option<Duration>| ParkPlan { timeout, alarm: AlarmPlan::Keep };
        let until = |timeout: Option<Duration>| match timeout {
            Some(d) if d.is_zero() => 0,
            Some(d) => self.tick_ceil(now + d).max(1),
            None => u64::MAX,
        };
        let Some(wake) = wake else { return (keep(timeout), until(timeout)) };
        let at = self.tick_instant(wake.at);
        let Some(after) = at.checked_duration_since(now).filter(|d| !d.is_zero()) else {
            return (keep(Some(Duration::ZERO)), 0); // a timer is due now
        };
        if let Some(t) = timeout.filter(|&t| t < after) {
            return (keep(Some(t)), until(Some(t)));
        }
        let first_due = self.tick_instant(wake.first_due);
        let in_window = |t: Instant| first_due <= t && t <= at;
        if let Some(alarm) = armed.filter(|&t| in_window(t)) {
            // The alarm already rings in the window: the poll's timeout (rounded up to a
            // millisecond by epoll) is only the backstop.
            return (keep(Some(after)), self.tick_ceil(alarm).max(1));
        }
        let whole_ms = Duration::from_millis(u64::try_from(after.as_millis()).unwrap_or(u64::MAX));
        if !whole_ms.is_zero() && in_window(now + whole_ms) {
            let alarm = if armed.is_some() { AlarmPlan::Disarm } else { AlarmPlan::Keep };
            return (ParkPlan { timeout: Some(whole_ms), alarm }, self.tick_ceil(now + whole_ms).max(1));
        }
        (ParkPlan { timeout: Some(after), alarm: AlarmPlan::Arm { at, after } }, wake.at.max(1))
    }

    /// The holder's park ended.
    pub(crate) fn end_park(&self) {
        self.inner.lock().parked_until = 0;
    }

    /// Fires every timer that is due, pushing their wakers onto `fired` in deadline order
    /// (and registration order for equal deadlines).
    pub(crate) fn process(&self, fired: &mut Vec<Waker>) {
        self.process_at(self.tick_floor(self.now()), fired);
    }

    /// [`process`](Self::process) with the clock read as tick `now`.
    pub(super) fn process_at(&self, now: u64, fired: &mut Vec<Waker>) {
        let mut inner = self.inner.lock();
        if inner.wheel.len() > 0 {
            let before = fired.len();
            inner.wheel.advance(now, fired);
            if let Some(t) = self.timeline.get().filter(|_| fired.len() > before) {
                t.timers(fired.len() - before);
            }
        }
        self.publish_next_due(&inner);
    }

    /// [`process`](Self::process), but without the lock when no timer can be due yet: what
    /// a turn of the current-thread loop does. Reads the clock only when a timer is pending.
    #[inline]
    pub(crate) fn process_due(&self, fired: &mut Vec<Waker>) {
        let next = self.next_due.load(Ordering::Relaxed);
        if next == u64::MAX || self.tick_floor(self.now()) < next {
            return;
        }
        self.process(fired);
    }

    /// For auto-advance: the instant at which the wheel next needs attention (the earliest
    /// deadline, or an earlier tick where timers must cascade), if a timer is pending.
    pub(crate) fn next_expiration(&self) -> Option<Instant> {
        let inner = self.inner.lock();
        inner.wheel.next_expiration().map(|tick| self.tick_instant(tick))
    }

    /// The holder parks on a paused clock: any new timer must wake it, since it does not
    /// wait for timers by sleeping.
    pub(crate) fn park_paused(&self) {
        self.inner.lock().parked_until = u64::MAX;
    }

    /// Lowers `next_due` to `tick` if that is earlier. Every write of `next_due` is made
    /// under the lock (`_inner` is the proof), so a load and a store do what a `fetch_min`
    /// would, and a timer due after the next one (the common case) writes nothing: the
    /// cache line that every worker's turn reads is not taken from them.
    fn lower_next_due(&self, _inner: &Inner, tick: u64) {
        if tick < self.next_due.load(Ordering::Relaxed) {
            self.next_due.store(tick, Ordering::Relaxed);
        }
    }

    fn publish_next_due(&self, inner: &Inner) {
        let next = inner.wheel.next_expiration().unwrap_or(u64::MAX);
        self.next_due.store(next, Ordering::Relaxed);
        self.publish_fired_below(inner);
    }

    /// Publishes the wheel's `fired_below` if it changed. Called under the lock, so the
    /// stores are in the order of the wheel's changes; Release so that a reader that sees
    /// a timer fired also sees the wheel's removal of it.
    fn publish_fired_below(&self, inner: &Inner) {
        let below = inner.wheel.fired_below();
        if self.fired_below.load(Ordering::Relaxed) != below {
            self.fired_below.store(below, Ordering::Release);
        }
    }

    pub(crate) fn shutdown(&self, fired: &mut Vec<Waker>) {
        self.shut_down.store(true, Ordering::Release);
        let mut inner = self.inner.lock();
        inner.wheel.advance(u64::MAX, fired);
        self.publish_next_due(&inner);
    }

    /// Timers in the wheel (for the metrics).
    pub(crate) fn timer_count(&self) -> usize {
        self.inner.lock().wheel.len()
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::Acquire)
    }
}

impl Inner {
    /// A timer whose window closes at `fire_by` was set: whether the holder, which sleeps
    /// until `parked_until`, must be woken to serve it in time. If so, `parked_until` is
    /// lowered, so that later timers that the woken holder will see anyway wake nobody.
    fn woken_for(&mut self, fire_by: u64) -> bool {
        let unpark = self.parked_until != 0 && fire_by < self.parked_until;
        if unpark {
            self.parked_until = fire_by;
        }
        unpark
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wake(at: u64, first_due: u64) -> Option<NextWake> {
        Some(NextWake { at, first_due })
    }

    #[test]
    fn slack_is_a_sixteenth_of_the_delay_between_a_tick_and_two_milliseconds() {
        assert_eq!(TimeDriver::slack(Duration::ZERO), 1);
        assert_eq!(TimeDriver::slack(Duration::from_millis(1)), 1);
        assert_eq!(TimeDriver::slack(Duration::from_millis(5)), 3);
        assert_eq!(TimeDriver::slack(Duration::from_millis(16)), 10);
        assert_eq!(TimeDriver::slack(Duration::from_millis(32)), 20);
        assert_eq!(TimeDriver::slack(Duration::MAX), MAX_SLACK);
    }

    #[test]
    fn a_park_ends_on_a_whole_millisecond_when_one_is_in_the_window() {
        let t = TimeDriver::new(false);
        let now = t.start;
        // Due from tick 15 (1.5 ms), must fire by tick 25 (2.5 ms): a 2 ms poll timeout.
        let (plan, until) = t.plan(now, None, None, wake(25, 15));
        assert_eq!(plan, ParkPlan { timeout: Some(Duration::from_millis(2)), alarm: AlarmPlan::Keep });
        assert_eq!(until, 20);
    }

    #[test]
    fn a_narrow_window_arms_the_alarm_and_an_alarm_in_the_window_is_kept() {
        let t = TimeDriver::new(false);
        let now = t.start;
        // Due from 1.3 ms, by 1.4 ms: no whole millisecond in the window.
        let (plan, until) = t.plan(now, None, None, wake(14, 13));
        let at = t.tick_instant(14);
        assert_eq!(plan.alarm, AlarmPlan::Arm { at, after: at - now });
        assert_eq!(until, 14);
        // The same park again (woken early): the alarm is not armed again.
        let (plan, _) = t.plan(now, None, Some(at), wake(14, 13));
        assert_eq!(plan.alarm, AlarmPlan::Keep);
        // The next deadline barely moved (an alarm at 1.3 ms still rings in the window).
        let (plan, _) = t.plan(now, None, Some(t.tick_instant(13)), wake(14, 12));
        assert_eq!(plan.alarm, AlarmPlan::Keep);
        // An alarm that would ring before anything is due is replaced.
        let (plan, _) = t.plan(now, None, Some(t.tick_instant(5)), wake(14, 13));
        assert!(matches!(plan.alarm, AlarmPlan::Arm { .. }));
    }

    #[test]
    fn a_stale_alarm_is_disarmed_when_the_poll_timeout_serves() {
        let t = TimeDriver::new(false);
        let (plan, _) = t.plan(t.start, None, Some(t.tick_instant(5)), wake(25, 15));
        assert_eq!(plan, ParkPlan { timeout: Some(Duration::from_millis(2)), alarm: AlarmPlan::Disarm });
    }

    #[test]
    fn a_due_timer_or_a_shorter_timeout_polls_without_the_alarm() {
        let t = TimeDriver::new(false);
        let now = t.tick_instant(40);
        assert_eq!(t.plan(now, None, None, wake(30, 20)).0.timeout, Some(Duration::ZERO));
        let short = Duration::from_micros(50);
        let (plan, _) = t.plan(t.start, Some(short), None, wake(30, 20));
        assert_eq!(plan, ParkPlan { timeout: Some(short), alarm: AlarmPlan::Keep });
    }

    #[test]
    fn a_timer_inside_the_parked_window_wakes_nobody() {
        let t = TimeDriver::new(false);
        let waker = Waker::noop().clone();
        let now = t.start;
        t.insert(
            now + Duration::from_millis(20),
            TimeDriver::slack(Duration::from_millis(20)),
            waker.clone(),
        );
        // Window: 20 ms to 21.2 ms (a slack of 12 ticks): the poll times out at 21 ms.
        let plan = t.prepare_park(now, None, None);
        assert_eq!(plan.timeout, Some(Duration::from_millis(21)), "{plan:?}");
        // Due before the park ends and not late at its end: no unpark.
        let (_, unpark) = t.insert(
            now + Duration::from_micros(20_500),
            TimeDriver::slack(Duration::from_millis(20)),
            waker.clone(),
        );
        assert!(!unpark);
        // Its window closes before the park ends: unpark.
        let (_, unpark) =
            t.insert(now + Duration::from_millis(5), TimeDriver::slack(Duration::from_millis(5)), waker);
        assert!(unpark);
    }
}
