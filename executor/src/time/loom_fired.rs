//! loom models of the time driver's lock-free reads and its shards: the "did my timer
//! fire?" read (`TimeDriver::fired`), and the park plan made over several shards while
//! timers are set in them (`TimeDriver::prepare_park`).
//!
//! A woken `Sleep` compares its key's deadline with the driver's published `fired_below`
//! instead of taking the wheel's lock. The models check that a `true` is never wrong,
//! whatever the interleaving with the thread that advances the wheel: when the read says
//! fired, the timer's entry is gone from the wheel and its waker was handed out exactly
//! once; when it says "maybe not", the locked path gives the right answer. A timer set at
//! the wheel's elapsed tick, which is pending although the wheel has reached its tick, is
//! the case the lowering of `fired_below` exists for.
//!
//! Run: `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" cargo test -p weft-executor --release --lib -- loom_fired`

use super::driver::TimeDriver;
use loom::sync::Arc;
use loom::sync::atomic::AtomicUsize;
use loom::thread;
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Wake, Waker};

/// Counts wake-ups.
struct Count(AtomicUsize);

/// A waker counting into `count`, in a `std` Arc as `Waker::from` wants.
fn waker(count: &Arc<Count>) -> Waker {
    struct Forward(Arc<Count>);
    impl Wake for Forward {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.0.fetch_add(1, SeqCst);
        }
    }
    Waker::from(std::sync::Arc::new(Forward(count.clone())))
}

/// The driver's thread: advances the wheel to `tick` and wakes what fired, outside the lock.
fn advance(driver: &TimeDriver, tick: u64) {
    let mut fired = Vec::new();
    driver.process_at(tick, &mut fired);
    fired.into_iter().for_each(Waker::wake);
}

#[test]
fn loom_fired_a_sleep_that_reads_fired_finds_its_timer_gone_and_woken_once() {
    loom::model(|| {
        let driver = std::sync::Arc::new(TimeDriver::new(false, 0));
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let (key, _) = driver.insert(driver.tick_instant(1), 0, waker(&count));
        let advancing = {
            let driver = driver.clone();
            thread::spawn(move || advance(&driver, 1))
        };
        // The sleep, polled again (spuriously or because it was woken).
        if driver.fired(&key) {
            assert_eq!(driver.timer_count(), 0, "a key read as fired names a removed timer");
        } else if !driver.set_waker(key, &waker(&count)) {
            assert_eq!(driver.timer_count(), 0, "the locked path saw it fire");
        }
        advancing.join().unwrap();
        assert!(driver.fired(&key), "after the advance the read is certain");
        assert!(!driver.set_waker(key, &waker(&count)));
        assert_eq!(count.0.load(SeqCst), 1, "woken exactly once");
    });
}

#[test]
fn loom_fired_a_timer_set_at_the_elapsed_tick_is_not_read_as_fired() {
    loom::model(|| {
        let driver = std::sync::Arc::new(TimeDriver::new(false, 0));
        let count = Arc::new(Count(AtomicUsize::new(0)));
        // Another timer, so that the advance moves the wheel (an empty wheel is not
        // advanced).
        let other = Arc::new(Count(AtomicUsize::new(0)));
        driver.insert(driver.tick_instant(1), 0, waker(&other));
        let advancing = {
            let driver = driver.clone();
            thread::spawn(move || advance(&driver, 3))
        };
        // Set for tick 2: before the advance it is pending on tick 2; after it, it is
        // stored at the elapsed tick 3 and still pending, though 2 < 3 + 1.
        let (key, _) = driver.insert(driver.tick_instant(2), 0, waker(&count));
        if driver.fired(&key) {
            assert_eq!(driver.timer_count(), 0, "a key read as fired names a removed timer");
        }
        advancing.join().unwrap();
        // Whether or not the advance came first, one more advance fires what is left.
        advance(&driver, 3);
        assert!(driver.fired(&key));
        assert_eq!(driver.timer_count(), 0);
        assert_eq!(count.0.load(SeqCst), 1, "woken exactly once");
        assert_eq!(other.0.load(SeqCst), 1);
    });
}

/// The holder plans its park while `inserts` are made, each in its shard `(shard, tick)`
/// (no slack), on threads of their own. Afterwards, either the plan wakes the holder in
/// time for every one of them, or an insert said to wake it (then it plans again).
fn park_while_inserting(inserts: &'static [(usize, u64)], pending: Option<(usize, u64)>) {
    loom::model(move || {
        // One worker: shard 0 is its wheel, shard 1 every other thread's.
        let driver = std::sync::Arc::new(TimeDriver::new(false, 1));
        let count = Arc::new(Count(AtomicUsize::new(0)));
        if let Some((shard, tick)) = pending {
            driver.insert_in(shard, driver.tick_instant(tick), 0, waker(&count));
        }
        let start = driver.tick_instant(0);
        let inserters: Vec<_> = inserts
            .iter()
            .map(|&(shard, tick)| {
                let (driver, count) = (driver.clone(), count.clone());
                thread::spawn(move || driver.insert_in(shard, driver.tick_instant(tick), 0, waker(&count)).1)
            })
            .collect();
        let plan = driver.prepare_park(start, None, None);
        let woken = inserters.into_iter().map(|t| t.join().unwrap()).fold(false, |a, b| a | b);
        let first = inserts.iter().map(|&(_, tick)| tick).min().unwrap();
        let in_time = plan.timeout.is_some_and(|t| start + t <= driver.tick_instant(first));
        assert!(woken || in_time, "a timer set during the plan was missed: {plan:?}");
    });
}

#[test]
fn loom_fired_a_timer_set_in_another_shard_while_the_holder_plans_is_not_missed() {
    // The holder would sleep until tick 1000 for the pending timer; the new one is due at 10.
    park_while_inserting(&[(1, 10)], Some((0, 1000)));
}

#[test]
fn loom_fired_a_timer_set_in_the_same_shard_while_the_holder_plans_is_not_missed() {
    park_while_inserting(&[(0, 10)], Some((0, 1000)));
}

#[test]
fn loom_fired_two_timers_set_in_two_shards_while_the_holder_plans_are_not_missed() {
    park_while_inserting(&[(0, 20), (1, 10)], None);
}
