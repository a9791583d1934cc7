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
//!
//! # Shards: a wheel per worker
//!
//! Every timer set or cancelled takes a wheel's lock. With one wheel, two workers that
//! set timers at once (a thousand tasks each starting a timeout) queue on one mutex and
//! pass its cache line back and forth. So the driver keeps one wheel per worker, each
//! behind its own lock, and one more for every other thread (`block_on`, threads outside
//! the runtime); a current-thread runtime has the one. A timer goes into the wheel of the
//! thread that sets it (`context::timer_shard`), and its `TimerKey` names that wheel, so
//! that cancelling or resetting it from any thread finds it.
//!
//! | operation | locks |
//! |---|---|
//! | set, reset, cancel a timer | the timer's wheel |
//! | a woken sleep sees its timer fired | none (its wheel's `fired_below`) |
//! | a turn finds nothing due | none (each wheel's `next_due`) |
//! | fire what is due | the wheels whose `next_due` has come, together |
//! | plan a park | each wheel in turn, one at a time |
//!
//! Firing locks only the wheels with something due. When several have, it holds them all
//! (in shard order: nothing else ever holds two) and advances them one due tick at a
//! time, so timers still fire in deadline order across wheels. Planning a park cannot hold
//! every lock while it reads, and a timer may be set in a wheel the plan has already read:
//! [`TimeDriver::prepare_park`] says how the holder still wakes for it (loom models in
//! `loom_fired.rs`).

use super::clock::Clock;
use super::wheel::{MAX_SLACK as WHEEL_MAX_SLACK, NextWake, TimerKey, TimerWheel};
// The wheel's lock and the atomics published beside it are loom's under `--cfg loom`, so
// that `loom_fired.rs` can check the lock-free "did my timer fire?" read.
use crate::context;
use crate::sync::{AtomicU64, Line, Mutex, MutexGuard};
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
/// `start` and the shards' `next_due` all the time and writes them rarely; each worker
/// sets and cancels its timers in its own shard; and every `Timer` and `Sleep` that
/// registers clones the `Arc` the driver lives in. Each of these gets cache lines of its
/// own ([`Line`]), so that a lock taken, or an `Arc` cloned, on one core does not take from
/// the other cores the lines they only read.
pub(crate) struct TimeDriver {
    start: Instant,
    pub(crate) clock: Line<Clock>,
    /// One wheel per worker, and one for every other thread: see the module docs.
    shards: Box<[Shard]>,
    /// The tick the driver's holder wakes at: 0 when nobody sleeps on the driver,
    /// `u64::MAX` for no timeout. See [`prepare_park`](Self::prepare_park) for how a
    /// timer set in any shard while the holder plans its park is never missed.
    parked_until: Line<AtomicU64>,
    shut_down: AtomicBool,
    /// The runtime's timeline, if it records one (each `process` that fires timers says
    /// how many).
    pub(crate) timeline: std::sync::OnceLock<std::sync::Arc<crate::observe::Timeline>>,
}

/// One wheel of the driver, behind its own lock.
struct Shard {
    /// Read without the lock.
    hot: Line<Published>,
    wheel: Line<Mutex<TimerWheel>>,
}

/// What a shard publishes for readers that do not take its lock. Both are written only
/// under the shard's lock.
struct Published {
    /// The wheel's next expiration tick, or `u64::MAX` when no timer is pending. A bound
    /// that may be earlier than the truth (it is not raised when a timer is removed), never
    /// later (see [`Shard::lower_next_due`]):
    /// enough for a turn to see, without the lock, that nothing can be due yet.
    next_due: AtomicU64,
    /// The wheel's [`fired_below`](TimerWheel::fired_below), published whenever it
    /// changes: a woken sleep compares its key with it to see, without the lock, that its
    /// timer fired.
    fired_below: AtomicU64,
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

/// The most shards a driver has: workers beyond this share wheels.
const MAX_SHARDS: usize = 64;

impl TimeDriver {
    /// A driver for `workers` worker threads (0 for a current-thread runtime): one wheel
    /// per worker (at most [`MAX_SHARDS`] in all) and one for every other thread.
    pub(crate) fn new(start_paused: bool, workers: usize) -> TimeDriver {
        let start = Instant::now();
        let shards = (0..workers.min(MAX_SHARDS - 1) + 1)
            .map(|_| Shard {
                hot: Line(Published { next_due: AtomicU64::new(u64::MAX), fired_below: AtomicU64::new(0) }),
                wheel: Line(Mutex::new(TimerWheel::new())),
            })
            .collect();
        TimeDriver {
            start,
            clock: Line(Clock::new(start, start_paused)),
            shards,
            parked_until: Line(AtomicU64::new(0)),
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

    /// The shard this thread's timers go to: its worker's, or the last one.
    #[inline]
    fn home_shard(&self) -> usize {
        let workers = self.shards.len() - 1;
        match context::timer_shard() {
            i if i == usize::MAX || workers == 0 => workers,
            i => i % workers,
        }
    }

    /// Registers a timer due at `deadline` with `slack` ticks of slack (see
    /// [`slack`](Self::slack)); returns its key and whether the driver's holder must be
    /// woken because it sleeps past the new timer's window.
    pub(crate) fn insert(&self, deadline: Instant, slack: u64, waker: Waker) -> (TimerKey, bool) {
        self.insert_in(self.home_shard(), deadline, slack, waker)
    }

    /// [`insert`](Self::insert) into shard `shard`.
    pub(super) fn insert_in(
        &self,
        shard: usize,
        deadline: Instant,
        slack: u64,
        waker: Waker,
    ) -> (TimerKey, bool) {
        let tick = self.tick_ceil(deadline);
        let s = &self.shards[shard];
        let key = {
            let mut wheel = s.wheel.lock();
            let key = wheel.insert(tick, slack, waker);
            s.lower_next_due(&wheel, wheel.due_tick(tick));
            s.publish_fired_below(&wheel);
            key
        };
        (key.in_shard(shard), self.woken_for(tick.saturating_add(slack)))
    }

    /// Whether the timer `key` names has certainly fired, read without the lock; `false`
    /// means "maybe not". See [`TimerWheel::fired_below`] for why a `true` is certain.
    #[inline]
    pub(crate) fn fired(&self, key: &TimerKey) -> bool {
        key.fired(self.shards[key.shard()].hot.fired_below.load(Ordering::Acquire))
    }

    /// Updates a pending timer's waker; false if it already fired.
    pub(crate) fn set_waker(&self, key: TimerKey, waker: &Waker) -> bool {
        !self.fired(&key) && self.shards[key.shard()].wheel.lock().set_waker(key, waker)
    }

    /// Cancels a pending timer; false if it already fired or was cancelled.
    pub(crate) fn remove(&self, key: TimerKey) -> bool {
        !self.fired(&key) && self.shards[key.shard()].wheel.lock().remove(key)
    }

    /// Moves a pending timer to `deadline`, with `slack` ticks of slack; returns whether it
    /// was still pending, and whether the driver's holder must be woken. `key` learns the
    /// new deadline. The timer stays in its shard.
    pub(crate) fn reset(&self, key: &mut TimerKey, deadline: Instant, slack: u64) -> (bool, bool) {
        if self.fired(key) {
            return (false, false);
        }
        let tick = self.tick_ceil(deadline);
        let s = &self.shards[key.shard()];
        {
            let mut wheel = s.wheel.lock();
            if !wheel.reset(key, tick, slack) {
                return (false, false);
            }
            s.lower_next_due(&wheel, wheel.due_tick(tick));
            s.publish_fired_below(&wheel);
        }
        (true, self.woken_for(tick.saturating_add(slack)))
    }

    /// A timer whose window closes at `fire_by` was set (its shard's lock released): whether
    /// the holder, which sleeps until `parked_until`, must be woken to serve it in time. If
    /// so, `parked_until` is lowered, so that later timers that the woken holder will see
    /// anyway wake nobody.
    fn woken_for(&self, fire_by: u64) -> bool {
        let mut until = self.parked_until.load(Ordering::Relaxed);
        while until != 0 && fire_by < until {
            match self.parked_until.compare_exchange_weak(
                until,
                fire_by,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => until = now,
            }
        }
        false
    }

    /// Plans a park of the driver's holder at `now`: the poll's timeout (at most
    /// `timeout`) and what to do with the alarm, which is armed for `armed` if anything.
    /// Records how long the holder sleeps, for [`insert`](Self::insert)'s check. See the
    /// module docs for the choice between the poll's timeout and the alarm.
    ///
    /// The timers are in several shards, each behind its own lock, and a timer may be set
    /// in a shard just after the plan has read it. So the holder first says it will sleep
    /// as long as it possibly can (`parked_until` = the end of `timeout`), then reads
    /// every shard, then lowers `parked_until` to the end of its plan. A timer set after
    /// its shard was read sees, through that shard's lock, at least the first value, and
    /// wakes the holder if its window closes earlier (at worst a wake-up the final plan
    /// would not have needed); a timer set before is in the plan.
    pub(crate) fn prepare_park(
        &self,
        now: Instant,
        timeout: Option<Duration>,
        armed: Option<Instant>,
    ) -> ParkPlan {
        let longest = self.until(now, timeout);
        self.parked_until.store(longest, Ordering::Relaxed);
        let wake = self.next_wake();
        let (plan, until) = self.plan(now, timeout, armed, wake);
        self.parked_until.fetch_min(until, Ordering::Relaxed);
        plan
    }

    /// The earliest [`NextWake`] over the shards: the earliest `at`, and the earliest
    /// `first_due` (waking between the two fires at least that timer, and keeps every
    /// timer inside its window).
    fn next_wake(&self) -> Option<NextWake> {
        self.shards
            .iter()
            .filter_map(|s| s.wheel.lock().next_wake())
            .reduce(|a, b| NextWake { at: a.at.min(b.at), first_due: a.first_due.min(b.first_due) })
    }

    /// The tick a park of at most `timeout` from `now` ends at.
    fn until(&self, now: Instant, timeout: Option<Duration>) -> u64 {
        match timeout {
            Some(d) if d.is_zero() => 0,
            Some(d) => self.tick_ceil(now + d).max(1),
            None => u64::MAX,
        }
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
        let Some(wake) = wake else { return (keep(timeout), self.until(now, timeout)) };
        let at = self.tick_instant(wake.at);
        let Some(after) = at.checked_duration_since(now).filter(|d| !d.is_zero()) else {
            return (keep(Some(Duration::ZERO)), 0); // a timer is due now
        };
        if let Some(t) = timeout.filter(|&t| t < after) {
            return (keep(Some(t)), self.until(now, Some(t)));
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
        self.parked_until.store(0, Ordering::Relaxed);
    }

    /// Fires every timer that is due, pushing their wakers onto `fired` in deadline order
    /// (and, within a shard, registration order for equal deadlines).
    pub(crate) fn process(&self, fired: &mut Vec<Waker>) {
        self.process_at(self.tick_floor(self.now()), fired);
    }

    /// [`process`](Self::process) with the clock read as tick `now`.
    ///
    /// Only the shards whose `next_due` has come are locked. When several have, all of
    /// them are locked at once (in shard order: the only place that holds two shard locks)
    /// and advanced together, one due tick at a time, so that their timers come out in
    /// deadline order across shards as well.
    pub(super) fn process_at(&self, now: u64, fired: &mut Vec<Waker>) {
        let before = fired.len();
        let mut due = self.shards.iter().filter(|s| s.hot.next_due.load(Ordering::Relaxed) <= now);
        let Some(first) = due.next() else { return };
        match due.next() {
            None => first.advance(now, fired),
            Some(second) => {
                let mut locked: Vec<(&Shard, MutexGuard<'_, TimerWheel>)> =
                    [first, second].into_iter().chain(due).map(|s| (s, s.wheel.lock())).collect();
                advance_together(&mut locked, now, fired);
            }
        }
        if let Some(t) = self.timeline.get().filter(|_| fired.len() > before) {
            t.timers(fired.len() - before);
        }
    }

    /// [`process`](Self::process), but without a lock when no timer can be due yet: what
    /// a turn of the current-thread loop does. Reads the clock only when a timer is pending.
    #[inline]
    pub(crate) fn process_due(&self, fired: &mut Vec<Waker>) {
        let next =
            self.shards.iter().map(|s| s.hot.next_due.load(Ordering::Relaxed)).min().unwrap_or(u64::MAX);
        if next == u64::MAX || self.tick_floor(self.now()) < next {
            return;
        }
        self.process(fired);
    }

    /// For auto-advance: the instant at which a wheel next needs attention (the earliest
    /// deadline, or an earlier tick where timers must cascade), if a timer is pending.
    pub(crate) fn next_expiration(&self) -> Option<Instant> {
        let tick = self.shards.iter().filter_map(|s| s.wheel.lock().next_expiration()).min();
        tick.map(|tick| self.tick_instant(tick))
    }

    /// The holder parks on a paused clock: any new timer must wake it, since it does not
    /// wait for timers by sleeping.
    pub(crate) fn park_paused(&self) {
        self.parked_until.store(u64::MAX, Ordering::Relaxed);
    }

    pub(crate) fn shutdown(&self, fired: &mut Vec<Waker>) {
        self.shut_down.store(true, Ordering::Release);
        let mut locked: Vec<_> = self.shards.iter().map(|s| (s, s.wheel.lock())).collect();
        advance_together(&mut locked, u64::MAX, fired);
    }

    /// Timers in the wheels (for the metrics).
    pub(crate) fn timer_count(&self) -> usize {
        self.shards.iter().map(|s| s.wheel.lock().len()).sum()
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::Acquire)
    }
}

impl Shard {
    /// Advances this shard's wheel to `now` (the only shard due).
    fn advance(&self, now: u64, fired: &mut Vec<Waker>) {
        let mut wheel = self.wheel.lock();
        if wheel.len() > 0 {
            wheel.advance(now, fired);
        }
        self.publish_next_due(&wheel);
    }

    /// Lowers `next_due` to `tick` if that is earlier: after an insertion or a reset at
    /// deadline `d`, `tick` is the wheel's [`due_tick`](TimerWheel::due_tick) of `d`, so
    /// that `next_due` stays at or below the wheel's next expiration (a cascade tick
    /// included), and a look that skips the wheel because `next_due` has not come skips
    /// nothing the wheel would do. Every write of `next_due` is made
    /// under the shard's lock (`_wheel` is the proof), so a load and a store do what a
    /// `fetch_min` would, and a timer due after the next one (the common case) writes
    /// nothing: the cache line that every worker's turn reads is not taken from them.
    fn lower_next_due(&self, _wheel: &TimerWheel, tick: u64) {
        if tick < self.hot.next_due.load(Ordering::Relaxed) {
            self.hot.next_due.store(tick, Ordering::Relaxed);
        }
    }

    fn publish_next_due(&self, wheel: &TimerWheel) {
        let next = wheel.next_expiration().unwrap_or(u64::MAX);
        self.hot.next_due.store(next, Ordering::Relaxed);
        self.publish_fired_below(wheel);
    }

    /// Publishes the wheel's `fired_below` if it changed. Called under the lock, so the
    /// stores are in the order of the wheel's changes; Release so that a reader that sees
    /// a timer fired also sees the wheel's removal of it.
    fn publish_fired_below(&self, wheel: &TimerWheel) {
        let below = wheel.fired_below();
        if self.hot.fired_below.load(Ordering::Relaxed) != below {
            self.hot.fired_below.store(below, Ordering::Release);
        }
    }
}

/// Advances the locked wheels to `now` together: each step advances the wheel with the
/// earliest expiration to that tick (the lowest shard first on a tie), so the wakers come
/// out in deadline order across the wheels.
fn advance_together(locked: &mut [(&Shard, MutexGuard<'_, TimerWheel>)], now: u64, fired: &mut Vec<Waker>) {
    loop {
        let next = locked
            .iter()
            .enumerate()
            .filter_map(|(i, (_, w))| w.next_expiration().filter(|&t| t <= now).map(|t| (t, i)))
            .min();
        let Some((tick, i)) = next else { break };
        locked[i].1.advance(tick, fired);
    }
    for (shard, wheel) in locked.iter_mut() {
        if wheel.len() > 0 {
            wheel.advance(now, fired);
        }
        shard.publish_next_due(wheel);
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
        let t = TimeDriver::new(false, 0);
        let now = t.start;
        // Due from tick 15 (1.5 ms), must fire by tick 25 (2.5 ms): a 2 ms poll timeout.
        let (plan, until) = t.plan(now, None, None, wake(25, 15));
        assert_eq!(plan, ParkPlan { timeout: Some(Duration::from_millis(2)), alarm: AlarmPlan::Keep });
        assert_eq!(until, 20);
    }

    #[test]
    fn a_narrow_window_arms_the_alarm_and_an_alarm_in_the_window_is_kept() {
        let t = TimeDriver::new(false, 0);
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
        let t = TimeDriver::new(false, 0);
        let (plan, _) = t.plan(t.start, None, Some(t.tick_instant(5)), wake(25, 15));
        assert_eq!(plan, ParkPlan { timeout: Some(Duration::from_millis(2)), alarm: AlarmPlan::Disarm });
    }

    #[test]
    fn a_due_timer_or_a_shorter_timeout_polls_without_the_alarm() {
        let t = TimeDriver::new(false, 0);
        let now = t.tick_instant(40);
        assert_eq!(t.plan(now, None, None, wake(30, 20)).0.timeout, Some(Duration::ZERO));
        let short = Duration::from_micros(50);
        let (plan, _) = t.plan(t.start, Some(short), None, wake(30, 20));
        assert_eq!(plan, ParkPlan { timeout: Some(short), alarm: AlarmPlan::Keep });
    }

    #[test]
    fn a_look_at_a_cascade_tick_cascades_in_every_shard() {
        // Due at tick 1000: on level 1, in the slot that starts at tick 960, where it must
        // cascade before it can fire. The wheel's next expiration says 960, so `next_due`
        // must not say 1000, or the look at 960 would skip the wheel and a park planned
        // for 960 would find it due again and again.
        for shard in 0..2 {
            let t = TimeDriver::new(false, 1);
            t.insert_in(shard, t.tick_instant(1000), 1, Waker::noop().clone());
            assert_eq!(t.next_expiration(), Some(t.tick_instant(960)));
            let mut fired = Vec::new();
            t.process_at(960, &mut fired);
            assert!(fired.is_empty());
            assert_eq!(
                t.next_expiration(),
                Some(t.tick_instant(1000)),
                "shard {shard}: the cascade happened"
            );
            t.process_at(1000, &mut fired);
            assert_eq!(fired.len(), 1);
        }
    }

    #[test]
    fn timers_of_several_shards_fire_in_deadline_order() {
        use std::sync::{Arc, Mutex};
        use std::task::Wake;
        struct Log(Arc<Mutex<Vec<u64>>>, u64);
        impl Wake for Log {
            fn wake(self: Arc<Self>) {
                self.0.lock().unwrap().push(self.1);
            }
        }
        let t = TimeDriver::new(false, 2);
        let log = Arc::new(Mutex::new(Vec::new()));
        for (shard, tick) in [(2, 30), (0, 10), (1, 20), (0, 40), (2, 5), (1, 30)] {
            let waker = Waker::from(Arc::new(Log(log.clone(), tick)));
            t.insert_in(shard, t.tick_instant(tick), 1, waker);
        }
        let mut fired = Vec::new();
        t.process_at(100, &mut fired);
        fired.into_iter().for_each(Waker::wake);
        assert_eq!(*log.lock().unwrap(), [5, 10, 20, 30, 30, 40]);
        assert_eq!(t.timer_count(), 0);
    }

    #[test]
    fn a_timer_inside_the_parked_window_wakes_nobody() {
        let t = TimeDriver::new(false, 0);
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
