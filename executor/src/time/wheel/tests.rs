//! Tests of the timer wheel: exact firing, cancellation, moving timers, far jumps,
//! overflow, `next_expiration`'s bound, a randomized comparison against a plain model, and
//! scale. Every operation of the randomized test also re-checks the structural invariants
//! listed in the module docs.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{RawWaker, RawWakerVTable, Wake, Waker};
use std::time::{Duration, Instant};

use super::slots::{LEVELS, Place, WHEEL_BITS};
use super::{NextWake, TimerKey, TimerWheel};

/// A waker that appends its id to a shared log when woken.
struct Recorder {
    id: usize,
    log: Arc<Mutex<Vec<usize>>>,
}

impl Wake for Recorder {
    fn wake(self: Arc<Self>) {
        self.log.lock().unwrap().push(self.id);
    }
}

/// A waker that only counts wake-ups.
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// A wheel whose timers are named by ids, and which reports which ids fired.
struct Harness {
    wheel: TimerWheel,
    log: Arc<Mutex<Vec<usize>>>,
}

impl Harness {
    fn new() -> Self {
        Harness { wheel: TimerWheel::new(), log: Arc::default() }
    }

    fn waker(&self, id: usize) -> Waker {
        Waker::from(Arc::new(Recorder { id, log: self.log.clone() }))
    }

    fn insert(&mut self, id: usize, deadline: u64) -> TimerKey {
        self.insert_with_slack(id, deadline, 0)
    }

    fn insert_with_slack(&mut self, id: usize, deadline: u64, slack: u64) -> TimerKey {
        let waker = self.waker(id);
        self.wheel.insert(deadline, slack, waker)
    }

    /// Advances to `now`, wakes what fired, and returns the ids in the order they fired.
    fn advance(&mut self, now: u64) -> Vec<usize> {
        let mut fired = Vec::new();
        self.wheel.advance(now, &mut fired);
        fired.into_iter().for_each(Waker::wake);
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

/// A tiny deterministic generator (xorshift64), so failures replay exactly.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform enough in `0..n` for tests (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A distance that exercises every level: `0..2^k` for a random `k` in `0..=bits`.
    fn distance(&mut self, bits: u32) -> u64 {
        let k = self.below(u64::from(bits) + 1) as u32;
        if k == 0 { 0 } else { self.next() >> (64 - k) }
    }
}

/// Checks invariants 1 to 4 of the module docs: every entry is in exactly the list its
/// deadline and the elapsed tick name, at or after `elapsed`, links and bitmaps agree,
/// and every pending entry is in some list.
fn check_invariants(wheel: &TimerWheel) {
    let contents = wheel.slots.contents(&wheel.entries);
    let mut listed = 0;
    for (place, indices) in contents {
        for index in indices {
            let deadline = wheel.entries[index].deadline;
            assert!(deadline >= wheel.elapsed, "entry {index} is overdue");
            let expected = Place::of(deadline, wheel.elapsed);
            assert_eq!(place, expected, "entry {index} (deadline {deadline}) misplaced");
            listed += 1;
        }
    }
    assert_eq!(listed, wheel.len(), "an entry is in no list");
}

#[test]
fn fires_exactly_at_its_deadline_never_before() {
    let mut h = Harness::new();
    h.insert(1, 5);
    assert_eq!(h.advance(4), Vec::<usize>::new());
    assert_eq!(h.wheel.elapsed(), 4);
    assert_eq!(h.wheel.len(), 1);
    assert_eq!(h.advance(5), vec![1]);
    assert_eq!(h.wheel.len(), 0);
    assert_eq!(h.advance(1_000), Vec::<usize>::new(), "a timer fires once");
}

#[test]
fn fires_exactly_at_its_deadline_on_every_level() {
    for level in 0..LEVELS as u32 {
        // Just past a level boundary, so the timer has to cascade down through every level.
        let deadline = (1u64 << (6 * level)) + 3;
        let mut h = Harness::new();
        h.insert(7, deadline);
        assert_eq!(h.advance(deadline - 1), Vec::<usize>::new(), "deadline {deadline}");
        assert_eq!(h.advance(deadline), vec![7], "deadline {deadline}");
    }
}

#[test]
fn a_deadline_at_or_before_elapsed_fires_at_the_next_advance() {
    let mut h = Harness::new();
    h.advance(100);
    h.insert(1, 100);
    h.insert(2, 50);
    h.insert(3, 0);
    assert_eq!(h.wheel.next_expiration(), Some(100));
    assert_eq!(h.advance(100), vec![1, 2, 3], "due now, in insertion order");
    h.insert(4, 10);
    assert_eq!(h.advance(90), vec![4], "a `now` in the past still fires what is due");
    assert_eq!(h.wheel.elapsed(), 100, "and does not move the clock back");
}

#[test]
fn fires_in_deadline_order_and_ties_in_insertion_order() {
    let mut h = Harness::new();
    let deadlines = [300, 5, 70_000, 5, 64, 63, 300, 1 << 40, 70_000, 0];
    for (id, &deadline) in deadlines.iter().enumerate() {
        h.insert(id, deadline);
    }
    let mut expected: Vec<usize> = (0..deadlines.len()).collect();
    expected.sort_by_key(|&id| (deadlines[id], id)); // stable: ties stay in id order
    assert_eq!(h.advance(u64::MAX), expected);
}

#[test]
fn remove_cancels_and_a_stale_key_does_nothing() {
    let mut h = Harness::new();
    let a = h.insert(1, 10);
    let mut b = h.insert(2, 10);
    assert!(h.wheel.remove(a));
    assert!(!h.wheel.remove(a), "removing twice");
    assert_eq!(h.wheel.len(), 1);
    assert_eq!(h.advance(10), vec![2]);
    let c = h.insert(3, 20);
    assert!(!h.wheel.remove(b), "removing a fired timer");
    assert!(!h.wheel.reset(&mut b, 15, 0), "resetting a fired timer");
    assert!(!h.wheel.set_waker(b, &h.waker(9)), "re-waking a fired timer");
    assert_eq!(h.wheel.len(), 1);
    assert_eq!(h.advance(20), vec![3], "the stale key left the live timer alone");
    assert!(!h.wheel.remove(c));
}

#[test]
fn a_stale_key_does_not_name_a_timer_that_reuses_its_slot() {
    let mut h = Harness::new();
    let mut old = h.insert(1, 10);
    assert!(h.wheel.remove(old));
    let new = h.insert(2, 10);
    assert_eq!(old.index, new.index, "the arena reuses the slot (else this test proves nothing)");
    assert_ne!(old, new);
    assert!(!h.wheel.remove(old));
    assert!(!h.wheel.reset(&mut old, 1, 0));
    assert_eq!(h.advance(9), Vec::<usize>::new());
    assert_eq!(h.advance(10), vec![2]);
}

#[test]
fn remove_works_on_every_level_and_in_overflow() {
    let mut h = Harness::new();
    let deadlines = [3, 100, 10_000, 1 << 20, 1 << 26, 1 << 32, 1 << 40, u64::MAX];
    let keys: Vec<TimerKey> = deadlines.iter().map(|&d| h.insert(0, d)).collect();
    for key in keys {
        assert!(h.wheel.remove(key));
        check_invariants(&h.wheel);
    }
    assert_eq!(h.wheel.len(), 0);
    assert_eq!(h.wheel.next_expiration(), None);
    assert_eq!(h.advance(u64::MAX), Vec::<usize>::new());
}

#[test]
fn reset_moves_a_timer_earlier_or_later() {
    let mut h = Harness::new();
    let mut early = h.insert(1, 10_000);
    let mut late = h.insert(2, 10);
    assert!(h.wheel.reset(&mut early, 10, 0));
    assert!(h.wheel.reset(&mut late, 100_000, 0));
    assert_eq!(h.advance(10), vec![1]);
    assert_eq!(h.advance(99_999), Vec::<usize>::new());
    assert!(h.wheel.reset(&mut late, 5, 0), "moving into the past");
    assert_eq!(h.advance(99_999), vec![2], "fires at the next advance");
}

#[test]
fn a_reset_timer_fires_after_those_already_set_for_its_tick() {
    let mut h = Harness::new();
    let mut moved = h.insert(1, 50);
    h.insert(2, 40);
    assert!(h.wheel.reset(&mut moved, 40, 0));
    assert!(h.wheel.reset(&mut moved, 40, 0), "resetting to the same deadline is a no-op");
    assert_eq!(h.advance(40), vec![2, 1]);
}

#[test]
fn set_waker_replaces_the_waker() {
    let mut h = Harness::new();
    let key = h.insert(1, 10);
    assert!(h.wheel.set_waker(key, &h.waker(2)));
    assert!(h.wheel.set_waker(key, &h.waker(3)));
    assert_eq!(h.advance(10), vec![3], "only the last waker is woken");
}

#[test]
fn set_waker_does_not_clone_a_waker_that_will_wake_the_same_task() {
    // A waker that counts its clones. An `Arc`-based waker cannot show this: a clone that
    // replaces the stored copy leaves its reference count unchanged.
    static CLONES: AtomicUsize = AtomicUsize::new(0);
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, ignore, ignore, ignore);
    fn clone(data: *const ()) -> RawWaker {
        CLONES.fetch_add(1, Ordering::Relaxed);
        RawWaker::new(data, &VTABLE)
    }
    fn ignore(_: *const ()) {}
    // SAFETY: the vtable's functions neither read `data` nor free anything, so any
    // pointer satisfies the RawWaker contract, and clones share the same vtable.
    let waker = unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) };

    let mut h = Harness::new();
    let key = h.insert(1, 10);
    assert!(h.wheel.set_waker(key, &waker));
    assert_eq!(CLONES.load(Ordering::Relaxed), 1, "a different task's waker is cloned");
    assert!(h.wheel.set_waker(key, &waker));
    assert_eq!(CLONES.load(Ordering::Relaxed), 1, "the same task's waker is not");
}

#[test]
fn deadlines_beyond_the_wheel_wait_in_overflow_and_fire_on_time() {
    let mut h = Harness::new();
    let span = 1u64 << WHEEL_BITS;
    h.insert(1, span); // differs from 0 in bit 36: just out of the wheel's reach
    h.insert(2, (1 << 40) + 7);
    h.insert(3, u64::MAX);
    h.insert(4, span - 1); // the last tick the wheel holds
    check_invariants(&h.wheel);
    assert_eq!(h.advance(span - 2), Vec::<usize>::new());
    assert_eq!(h.advance(span - 1), vec![4]);
    assert_eq!(h.advance(span), vec![1]);
    assert_eq!(h.advance((1 << 40) + 6), Vec::<usize>::new());
    check_invariants(&h.wheel);
    assert_eq!(h.advance((1 << 40) + 7), vec![2]);
    assert_eq!(h.advance(u64::MAX - 1), Vec::<usize>::new());
    assert_eq!(h.advance(u64::MAX), vec![3]);
    assert_eq!(h.wheel.len(), 0);
}

#[test]
fn a_jump_into_an_overflow_timers_block_without_reaching_it_keeps_it_placed() {
    // The clock may enter the 2^36 block of an overflow timer before its deadline; the
    // timer must be re-placed then, or `remove` would look for it in the wrong list.
    let mut h = Harness::new();
    let deadline = (1u64 << WHEEL_BITS) + 5;
    let key = h.insert(1, deadline);
    assert_eq!(h.advance(deadline - 1), Vec::<usize>::new());
    check_invariants(&h.wheel);
    assert!(h.wheel.remove(key));
    check_invariants(&h.wheel);
    assert_eq!(h.advance(u64::MAX), Vec::<usize>::new());
}

#[test]
fn a_big_jump_fires_everything_due_without_walking_ticks() {
    let mut h = Harness::new();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut due = Vec::new();
    for id in 0..1_000 {
        let deadline = rng.distance(35); // up to 2^35: half beyond the jump
        h.insert(id, deadline);
        if deadline <= 1 << 34 {
            due.push((deadline, id));
        }
    }
    due.sort_unstable();
    let started = Instant::now();
    let fired = h.advance(1 << 34);
    // Walking 2^34 ticks one by one would take many seconds even in release.
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
    assert_eq!(fired, due.iter().map(|&(_, id)| id).collect::<Vec<_>>());
    assert_eq!(h.wheel.len(), 1_000 - due.len());
    check_invariants(&h.wheel);
}

#[test]
fn next_expiration_is_exact_for_level_zero_timers() {
    let mut h = Harness::new();
    assert_eq!(h.wheel.next_expiration(), None);
    h.insert(1, 60);
    h.insert(2, 3);
    h.insert(3, 10);
    assert_eq!(h.wheel.next_expiration(), Some(3));
    h.advance(3);
    assert_eq!(h.wheel.next_expiration(), Some(10));
    h.advance(59);
    assert_eq!(h.wheel.next_expiration(), Some(60));
    // Across a 64-tick boundary the earliest timer sits on level 1, and the bound is the
    // slot's first tick, where it cascades; from there it is exact again.
    h.insert(4, 200);
    h.advance(60);
    assert_eq!(h.wheel.next_expiration(), Some(192));
    h.advance(192);
    assert_eq!(h.wheel.next_expiration(), Some(200));
}

/// What the wheel must hold: every pending timer by the id its waker reports.
#[derive(Default)]
struct Model {
    pending: BTreeMap<usize, Pending>,
    /// Counts inserts and moving resets: the order in which ties must fire.
    pushes: u64,
}

/// A timer the model expects to be pending.
struct Pending {
    /// The effective deadline: the requested one, raised to the clock if it was past.
    deadline: u64,
    /// How late it may fire for the sake of coalescing.
    slack: u64,
    /// When it was last placed ([`Model::pushes`]); equal deadlines fire in this order.
    order: u64,
    key: TimerKey,
}

impl Model {
    fn insert(&mut self, id: usize, deadline: u64, key: TimerKey) {
        self.insert_with_slack(id, deadline, 0, key);
    }

    fn insert_with_slack(&mut self, id: usize, deadline: u64, slack: u64, key: TimerKey) {
        self.pushes += 1;
        self.pending.insert(id, Pending { deadline, slack, order: self.pushes, key });
    }

    /// Records a reset; as in the wheel, a reset to the same deadline keeps its place.
    fn reset(&mut self, id: usize, deadline: u64, slack: u64) {
        let pending = self.pending.get_mut(&id).unwrap();
        pending.slack = slack;
        if pending.deadline != deadline {
            self.pushes += 1;
            pending.deadline = deadline;
            pending.order = self.pushes;
        }
    }

    fn earliest(&self) -> Option<u64> {
        self.pending.values().map(|pending| pending.deadline).min()
    }

    /// A random pending id, or `None` if nothing is pending.
    fn pick(&self, rng: &mut XorShift) -> Option<usize> {
        if self.pending.is_empty() {
            return None;
        }
        let nth = rng.below(self.pending.len() as u64) as usize;
        self.pending.keys().nth(nth).copied()
    }
}

#[test]
fn sleeping_until_next_expiration_fires_everything_in_few_steps() {
    // The driver's loop: sleep until next_expiration, advance to it, repeat.
    let mut h = Harness::new();
    let mut rng = XorShift(42);
    let mut model = Model::default();
    for id in 0..2_000 {
        let deadline = rng.distance(44);
        let key = h.insert(id, deadline);
        model.insert(id, deadline, key);
    }
    let mut steps = 0;
    while let Some(next) = h.wheel.next_expiration() {
        let earliest = model.earliest().expect("a pending timer");
        assert!(next <= earliest, "next_expiration {next} is after the earliest {earliest}");
        assert!(next >= h.wheel.elapsed());
        for id in h.advance(next) {
            let pending = model.pending.remove(&id).expect("fired once");
            assert_eq!(pending.deadline, next, "fired exactly at its deadline");
        }
        steps += 1;
    }
    assert!(model.pending.is_empty());
    // Each step fires a level-0 slot or cascades a slot: bounded by timers x levels.
    assert!(steps <= 2_000 * (LEVELS + 1), "{steps} steps");
}

/// A slack as the driver gives them: mostly a few ticks, sometimes none, sometimes wide.
fn random_slack(rng: &mut XorShift) -> u64 {
    match rng.below(10) {
        0 => 0,
        1 => rng.distance(16),
        _ => rng.below(20),
    }
}

/// Checks `next_wake` against the model: `at` is never after a window closes and never
/// before `next_expiration` (which may be a bound below the earliest deadline); `first_due`
/// is never after the earliest deadline nor after `at`.
fn check_next_wake(wheel: &TimerWheel, model: &Model, step: usize) {
    let Some(wake) = wheel.next_wake() else {
        assert!(model.pending.is_empty(), "step {step}: next_wake is None with timers pending");
        return;
    };
    let first_close = model.pending.values().map(|p| p.deadline.saturating_add(p.slack)).min().unwrap();
    assert!(
        wake.at <= first_close,
        "step {step}: wakes at {} after a window closes at {first_close}",
        wake.at
    );
    assert!(wake.at >= wheel.next_expiration().unwrap(), "step {step}: wakes before the wheel needs it");
    let earliest = model.earliest().unwrap();
    assert!(
        wake.first_due <= earliest && wake.first_due <= wake.at,
        "step {step}: {wake:?}, earliest {earliest}"
    );
}

#[test]
fn random_operations_match_a_simple_model() {
    for seed in [1, 2, 3, 4, 5, 6, 0xdead_beef, 0x1234_5678_9abc] {
        random_operations(seed, 20_000);
    }
}

/// Random inserts, removes, resets, waker changes and advances of every size, checked
/// after each step against a model of what must be pending, and against the invariants.
fn random_operations(seed: u64, operations: usize) {
    let mut h = Harness::new();
    let mut rng = XorShift(seed);
    let mut model = Model::default();
    let mut stale: Vec<TimerKey> = Vec::new();
    let mut next_id = 0;
    for step in 0..operations {
        let elapsed = h.wheel.elapsed();
        match rng.below(100) {
            0..=44 => {
                // Mostly near the clock, sometimes in the past or far beyond the wheel.
                let deadline = match rng.below(20) {
                    0 => elapsed.saturating_sub(rng.distance(10)),
                    1 => elapsed.saturating_add(rng.distance(63)),
                    _ => elapsed.saturating_add(rng.distance(40)),
                };
                let slack = random_slack(&mut rng);
                let key = h.insert_with_slack(next_id, deadline, slack);
                model.insert_with_slack(next_id, deadline.max(elapsed), slack, key);
                next_id += 1;
            }
            45..=54 => {
                if let Some(id) = model.pick(&mut rng) {
                    let key = model.pending.remove(&id).unwrap().key;
                    assert!(h.wheel.remove(key), "step {step}: remove pending {id}");
                    stale.push(key);
                }
            }
            55..=64 => {
                if let Some(id) = model.pick(&mut rng) {
                    let deadline = elapsed.saturating_sub(3).saturating_add(rng.distance(38));
                    let mut key = model.pending[&id].key;
                    let slack = random_slack(&mut rng);
                    assert!(h.wheel.reset(&mut key, deadline, slack), "step {step}: reset {id}");
                    model.reset(id, deadline.max(elapsed), slack);
                    model.pending.get_mut(&id).unwrap().key = key;
                }
            }
            65..=69 => {
                if let Some(id) = model.pick(&mut rng) {
                    // Hand the timer over to a new id: only the new id may be woken.
                    let pending = model.pending.remove(&id).unwrap();
                    assert!(h.wheel.set_waker(pending.key, &h.waker(next_id)));
                    model.pending.insert(next_id, pending);
                    next_id += 1;
                }
            }
            70..=74 => {
                if !stale.is_empty() {
                    let key = stale[rng.below(stale.len() as u64) as usize];
                    let len = h.wheel.len();
                    let action = rng.below(3);
                    let done = match action {
                        0 => h.wheel.remove(key),
                        1 => h.wheel.reset(&mut { key }, elapsed, 0),
                        _ => h.wheel.set_waker(key, &h.waker(usize::MAX)),
                    };
                    assert!(!done, "step {step}: stale key accepted by action {action}");
                    assert_eq!(h.wheel.len(), len);
                }
            }
            _ => {
                let jump = match rng.below(100) {
                    0..=9 => 0, // fires only what is due now
                    10..=19 => model.earliest().map_or(0, |t| t.saturating_sub(elapsed)),
                    20..=29 => rng.distance(40), // across the levels
                    30 => rng.distance(52),      // across the wheel's 2^36-tick blocks
                    _ => rng.distance(24),
                };
                let now = elapsed.saturating_add(jump);
                let mut previous = (0, 0);
                for id in h.advance(now) {
                    let pending = model
                        .pending
                        .remove(&id)
                        .unwrap_or_else(|| panic!("step {step}: id {id} fired but is not pending"));
                    let due = pending.deadline;
                    assert!(due <= now, "step {step}: {id} due {due} fired at {now}");
                    let position = (due, pending.order);
                    assert!(position > previous, "step {step}: {id} fired out of order");
                    previous = position;
                    let below = h.wheel.fired_below();
                    assert!(pending.key.fired(below), "step {step}: {id} fired, its key says maybe not");
                    stale.push(pending.key);
                }
                if let Some((id, p)) = model.pending.iter().find(|(_, p)| p.deadline <= now) {
                    panic!("step {step}: {id} due {} did not fire at {now}", p.deadline);
                }
                assert_eq!(h.wheel.elapsed(), now);
            }
        }
        assert_eq!(h.wheel.len(), model.pending.len(), "step {step}");
        // The lock-free check must never call a pending timer fired.
        let below = h.wheel.fired_below();
        if let Some((id, _)) = model.pending.iter().find(|(_, p)| p.key.fired(below)) {
            panic!("step {step}: pending {id} has a key that says fired (fired_below {below})");
        }
        match (h.wheel.next_expiration(), model.earliest()) {
            (Some(next), Some(earliest)) => {
                assert!(next <= earliest, "step {step}: next_expiration {next} > {earliest}");
                assert!(next >= h.wheel.elapsed(), "step {step}");
            }
            (next, earliest) => assert_eq!(next, earliest, "step {step}"),
        }
        check_next_wake(&h.wheel, &model, step);
        if step % 64 == 0 {
            check_invariants(&h.wheel);
        }
    }
    check_invariants(&h.wheel);
    let rest = model.pending.len();
    assert_eq!(h.advance(u64::MAX).len(), rest, "seed {seed}: the rest fires");
}

/// Inserts `count` timers with random deadlines up to ~17 minutes away, advancing the clock
/// in random steps of up to a second meanwhile, then advances until all fired; checks each
/// fired exactly once and returns how long it took.
fn insert_and_fire(count: usize) -> Duration {
    let counter = Arc::new(Counter(AtomicUsize::new(0)));
    let waker = Waker::from(counter.clone());
    let mut wheel = TimerWheel::new();
    let mut rng = XorShift(7);
    let mut fired = Vec::new();
    let started = Instant::now();
    for i in 0..count {
        wheel.insert(wheel.elapsed() + rng.below(1 << 20), rng.below(20), waker.clone());
        if i % 1_000 == 0 {
            wheel.advance(wheel.elapsed() + rng.below(1_000), &mut fired);
        }
    }
    while let Some(next) = wheel.next_expiration() {
        wheel.advance(next + rng.below(50), &mut fired);
    }
    let took = started.elapsed();
    let fired_count = fired.len();
    fired.into_iter().for_each(Waker::wake);
    assert_eq!(fired_count, count);
    assert_eq!(counter.0.load(Ordering::Relaxed), count);
    assert_eq!(wheel.len(), 0);
    took
}

#[test]
fn a_million_pending_timers_fire_quickly() {
    // Generous: release takes about a quarter of a second, debug about one second.
    let took = insert_and_fire(1_000_000);
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn a_warm_wheel_does_not_allocate_per_timer() {
    let mut h = Harness::new();
    let keys: Vec<TimerKey> = (0..1_000).map(|id| h.insert(id, id as u64)).collect();
    let capacity = h.wheel.entries.capacity();
    keys.into_iter().for_each(|key| assert!(h.wheel.remove(key)));
    for id in 0..1_000 {
        h.insert(id, 5_000 - id as u64);
    }
    assert_eq!(h.wheel.entries.capacity(), capacity, "the arena reused its slots");
    assert_eq!(h.advance(5_000).len(), 1_000);
}

#[test]
fn an_entry_stays_small() {
    // The waker, 8 (deadline) + 8 (generation) + 4 + 4 (links): on 64-bit targets 40 bytes,
    // so a million pending timers cost about 40 MB.
    let entry = std::mem::size_of::<super::list::Entry>();
    assert_eq!(entry, std::mem::size_of::<Waker>() + 24);
}

#[test]
fn next_wake_waits_for_the_first_window_to_close_and_serves_every_timer_begun_by_then() {
    let mut h = Harness::new();
    assert_eq!(h.wheel.next_wake(), None);
    h.insert_with_slack(1, 10, 3);
    h.insert_with_slack(2, 12, 3);
    h.insert_with_slack(3, 14, 1);
    h.insert_with_slack(4, 20, 3);
    // Windows [10, 13], [12, 15], [14, 15], [20, 23]: the first closes at 13, when the
    // timers due at 10 and 12 have begun; waking anywhere from 10 to 13 is in time.
    assert_eq!(h.wheel.next_wake(), Some(NextWake { at: 13, first_due: 10 }));
    assert_eq!(h.advance(13), [1, 2]);
    assert_eq!(h.wheel.next_wake(), Some(NextWake { at: 15, first_due: 14 }));
    assert_eq!(h.advance(15), [3]);
    assert_eq!(h.wheel.next_wake(), Some(NextWake { at: 23, first_due: 20 }));
    // A timer whose window closes first moves the wake-up earlier.
    h.insert_with_slack(5, 21, 0);
    assert_eq!(h.wheel.next_wake(), Some(NextWake { at: 21, first_due: 20 }));
    assert_eq!(h.advance(21), [4, 5]);
}

#[test]
fn sleeping_until_next_wake_keeps_every_timer_in_its_window_with_far_fewer_wakeups() {
    // 1,000 timers spread over 1,000 ticks (100 ms), slack 10 ticks (1 ms): the driver's
    // loop of sleeping until next_wake and advancing there.
    let mut h = Harness::new();
    let mut rng = XorShift(9);
    let mut model = Model::default();
    for id in 0..1_000 {
        let deadline = 10 + rng.below(1_000);
        let key = h.insert_with_slack(id, deadline, 10);
        model.insert_with_slack(id, deadline, 10, key);
    }
    let mut wakeups = 0;
    while let Some(wake) = h.wheel.next_wake() {
        wakeups += 1;
        for id in h.advance(wake.at) {
            let p = model.pending.remove(&id).expect("fired once");
            assert!(p.deadline <= wake.at && wake.at <= p.deadline + p.slack, "{id} outside its window");
        }
    }
    assert!(model.pending.is_empty());
    // One per tick holding a deadline would be about 630; windows of 10 ticks need ~100.
    assert!(wakeups <= 120, "{wakeups} wake-ups");
}
