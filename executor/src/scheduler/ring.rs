//! Each worker's run queue: a fixed ring of 256 slots that its owner pushes and pops
//! without locks, and that other workers steal half of.
//!
//! # The two indices
//!
//! `tail` is written only by the owner: the next slot to push into. `head` packs two
//! indices into one `AtomicU64`, so that both change in one CAS:
//!
//! | bits   | name    | meaning                                                        |
//! |--------|---------|----------------------------------------------------------------|
//! | 0..32  | `real`  | the next slot to pop                                           |
//! | 32..64 | `steal` | equal to `real`, except while a thief copies slots `steal..real` |
//!
//! Indices are `u32` and wrap; a slot is `index % 256`. Slots `steal..tail` hold tasks.
//!
//! * **push** (owner): if `tail - steal < 256`, write the slot and publish `tail + 1`.
//!   When the ring is full, move half of it to the global injector in one batch (claim the
//!   half by advancing `steal` and `real` together), so the push costs O(1) amortised and
//!   the other workers can pick up the excess.
//! * **pop** (owner): CAS `real` forward by one (and `steal` with it, if no steal runs).
//! * **steal** (thief): read both ends, claim `ceil(len/2)` tasks by CASing `real` forward
//!   while leaving `steal` behind, copy the claimed slots into its own ring, then CAS
//!   `steal` up to `real` to say it is done. While `steal != real` the owner does not
//!   overwrite the claimed slots (its capacity test uses `steal`), and a second thief
//!   backs off.
//!
//! # A steal, step by step
//!
//! Worker A's ring holds five tasks. B steals while A goes on popping and pushing, and C
//! tries to steal too. The slots `real..tail` are A's queue. The slots `steal..real` are
//! not free, so A's capacity test counts them as taken: `t0*` is claimed by B, being
//! copied, and `x` was popped by A while B's window was open (its task is gone, its slot
//! not yet free). `·` is a free slot. The test `a_steal_as_the_module_doc_draws_it` drives
//! the real ring through these steps and checks each line against its state.
//!
//! ```text
//! step who what                                       slots 0..7                      head    tail
//! 0    A   has pushed t0..t4                          t0  t1  t2  t3  t4  ·   ·   ·   (0, 0)  5
//! 1    B   claims half, rounded up: 3                 t0* t1* t2* t3  t4  ·   ·   ·   (0, 3)  5
//! 2    A   pops t3: real moves, steal stays           t0* t1* t2* x   t4  ·   ·   ·   (0, 4)  5
//! 3    A   pushes t5: tail - steal < 256, room        t0* t1* t2* x   t4  t5  ·   ·   (0, 4)  6
//! 4    C   tries to steal: steal ≠ real, backs off    t0* t1* t2* x   t4  t5  ·   ·   (0, 4)  6
//! 5    B   copies slots 0..3 into its own ring        t0* t1* t2* x   t4  t5  ·   ·   (0, 4)  6
//! 6    B   releases: steal := real                    ·   ·   ·   ·   t4  t5  ·   ·   (4, 4)  6
//! ```
//!
//! B's release expected `(0, 3)` and found `(0, 4)`: A's pop moved `real`, never `steal`,
//! so B retries with what it found. Then `steal_into` keeps the last task copied (`t2`) to
//! run at once and publishes the other two in B's ring. Every task was taken exactly once.
//!
//! The element type is generic so that the loom model (`tests` below, `--cfg loom`) can
//! check the algorithm with plain integers.

use crate::sync::{AtomicU32, AtomicU64, UnsafeCell};
use std::mem::MaybeUninit;
use std::sync::Arc;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

#[cfg(not(loom))]
pub(crate) const CAPACITY: usize = 256;
#[cfg(loom)]
pub(crate) const CAPACITY: usize = 4;
const MASK: usize = CAPACITY - 1;

struct Inner<T> {
    head: AtomicU64,
    tail: AtomicU32,
    buffer: Box<[UnsafeCell<MaybeUninit<T>>]>,
}

// SAFETY: slots are handed between threads only through the head/tail protocol above,
// which gives each slot one writer or one reader at a time; T itself must be Send.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Inner<T> {}

/// The owner's end.
pub(crate) struct Local<T> {
    inner: Arc<Inner<T>>,
}

/// A thief's end; cloneable, shared with every other worker.
pub(crate) struct Steal<T>(Arc<Inner<T>>);

impl<T> Clone for Steal<T> {
    fn clone(&self) -> Self {
        Steal(self.0.clone())
    }
}

/// Where a full ring spills: the global injector.
pub(crate) trait Overflow<T> {
    fn push(&self, task: T);
    fn push_batch(&self, tasks: impl Iterator<Item = T>);
}

fn unpack(head: u64) -> (u32, u32) {
    ((head >> 32) as u32, head as u32)
}

fn pack(steal: u32, real: u32) -> u64 {
    ((steal as u64) << 32) | real as u64
}

pub(crate) fn new<T>() -> (Steal<T>, Local<T>) {
    let buffer = (0..CAPACITY).map(|_| UnsafeCell::new(MaybeUninit::uninit())).collect();
    let inner = Arc::new(Inner { head: AtomicU64::new(0), tail: AtomicU32::new(0), buffer });
    (Steal(inner.clone()), Local { inner })
}

impl<T> Local<T> {
    /// Number of tasks in the ring (exact for the owner, up to concurrent steals).
    pub(crate) fn len(&self) -> usize {
        let (_, real) = unpack(self.inner.head.load(Acquire));
        self.inner.tail.load(Relaxed).wrapping_sub(real) as usize
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Free slots, counting the ones a thief is still copying as taken.
    pub(crate) fn remaining_slots(&self) -> usize {
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        CAPACITY - self.inner.tail.load(Relaxed).wrapping_sub(steal) as usize
    }

    /// Pushes `task` at the back; if the ring is full, half of it and `task` go to
    /// `overflow` in one batch.
    pub(crate) fn push_back_or_overflow(&mut self, mut task: T, overflow: &impl Overflow<T>) {
        let tail = self.inner.tail.load(Relaxed);
        loop {
            let (steal, real) = unpack(self.inner.head.load(Acquire));
            if tail.wrapping_sub(steal) < CAPACITY as u32 {
                break;
            }
            if steal != real {
                // A thief is copying; it will free room soon. Do not wait for it.
                overflow.push(task);
                return;
            }
            match self.push_overflow(task, real, tail, overflow) {
                Ok(()) => return,
                Err(t) => task = t, // a thief took some tasks: there is room now
            }
        }
        self.inner.buffer[tail as usize & MASK].with_mut(|slot| {
            // SAFETY: tail - steal < CAPACITY, so no thief reads this slot and no live
            // task occupies it; only the owner writes slots.
            unsafe { (*slot).write(task) };
        });
        self.inner.tail.store(tail.wrapping_add(1), Release);
    }

    /// Pushes a batch that the caller knows fits (`remaining_slots() >= n`).
    pub(crate) fn push_back_batch(&mut self, tasks: impl Iterator<Item = T>) {
        let mut tail = self.inner.tail.load(Relaxed);
        for task in tasks {
            let (steal, _) = unpack(self.inner.head.load(Acquire));
            assert!(tail.wrapping_sub(steal) < CAPACITY as u32, "push_back_batch overfilled the ring");
            self.inner.buffer[tail as usize & MASK].with_mut(|slot| {
                // SAFETY: as in push_back_or_overflow.
                unsafe { (*slot).write(task) };
            });
            tail = tail.wrapping_add(1);
        }
        self.inner.tail.store(tail, Release);
    }

    fn push_overflow(&mut self, task: T, head: u32, tail: u32, overflow: &impl Overflow<T>) -> Result<(), T> {
        const HALF: u32 = (CAPACITY / 2) as u32;
        debug_assert_eq!(tail.wrapping_sub(head), CAPACITY as u32);
        let prev = pack(head, head);
        let next = pack(head.wrapping_add(HALF), head.wrapping_add(HALF));
        if self.inner.head.compare_exchange(prev, next, Release, Relaxed).is_err() {
            return Err(task);
        }
        // Slots head..head+HALF are now ours alone: no thief or pop can reach them.
        let buffer = &self.inner.buffer;
        let taken = (0..HALF).map(move |i| {
            let idx = head.wrapping_add(i) as usize & MASK;
            // SAFETY: claimed above; each slot is read once.
            buffer[idx].with(|slot| unsafe { (*slot).assume_init_read() })
        });
        overflow.push_batch(taken.chain(std::iter::once(task)));
        Ok(())
    }

    /// Pops the task at the front (FIFO).
    pub(crate) fn pop(&mut self) -> Option<T> {
        let mut head = self.inner.head.load(Acquire);
        let idx = loop {
            let (steal, real) = unpack(head);
            if real == self.inner.tail.load(Relaxed) {
                return None;
            }
            let next_real = real.wrapping_add(1);
            let next = if steal == real { pack(next_real, next_real) } else { pack(steal, next_real) };
            match self.inner.head.compare_exchange(head, next, AcqRel, Acquire) {
                Ok(_) => break real as usize & MASK,
                Err(actual) => head = actual,
            }
        };
        // SAFETY: the CAS gave us slot `idx`; it holds a task written before `tail` was
        // published past it.
        Some(self.inner.buffer[idx].with(|slot| unsafe { (*slot).assume_init_read() }))
    }
}

impl<T> Drop for Local<T> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            while self.pop().is_some() {}
        }
    }
}

impl<T> Steal<T> {
    /// Tasks in the ring, as another thread sees it (for the metrics).
    pub(crate) fn len(&self) -> usize {
        let (_, real) = unpack(self.0.head.load(Acquire));
        self.0.tail.load(Acquire).wrapping_sub(real) as usize
    }

    pub(crate) fn is_empty(&self) -> bool {
        let (_, real) = unpack(self.0.head.load(Acquire));
        self.0.tail.load(Acquire) == real
    }

    /// Steals half of this ring into `dst` and returns one of the stolen tasks to run.
    pub(crate) fn steal_into(&self, dst: &mut Local<T>) -> Option<T> {
        let dst_tail = dst.inner.tail.load(Relaxed);
        let (dst_steal, _) = unpack(dst.inner.head.load(Acquire));
        if dst_tail.wrapping_sub(dst_steal) > (CAPACITY / 2) as u32 {
            return None; // no room for half of another ring
        }
        let mut n = self.steal_into2(dst, dst_tail);
        if n == 0 {
            return None;
        }
        n -= 1;
        let ret_idx = dst_tail.wrapping_add(n) as usize & MASK;
        // SAFETY: steal_into2 wrote this slot of our own ring; it is not published.
        let ret = dst.inner.buffer[ret_idx].with(|slot| unsafe { (*slot).assume_init_read() });
        if n > 0 {
            dst.inner.tail.store(dst_tail.wrapping_add(n), Release);
        }
        Some(ret)
    }

    /// The three steps of a steal: claim, copy, release. Returns how many tasks it copied
    /// into `dst`'s slots from `dst_tail` on (not yet published).
    fn steal_into2(&self, dst: &mut Local<T>, dst_tail: u32) -> u32 {
        let Some((first, n)) = self.claim() else { return 0 };
        self.copy_claimed(dst, dst_tail, first, n);
        self.release(first, n);
        n
    }

    /// Claims the older half of the tasks, rounded up, by moving `real` past them and
    /// leaving `steal` behind: the slots `first..first + n` are the thief's to copy, and the
    /// owner will not write them while `steal != real`. `None` if the ring is empty or
    /// another thief is at work.
    #[inline]
    fn claim(&self) -> Option<(u32, u32)> {
        let mut prev = self.0.head.load(Acquire);
        loop {
            let (src_steal, src_real) = unpack(prev);
            let src_tail = self.0.tail.load(Acquire);
            if src_steal != src_real {
                return None; // another thief is at work
            }
            let len = src_tail.wrapping_sub(src_real);
            let n = len - len / 2;
            if n == 0 {
                return None;
            }
            let next = pack(src_steal, src_real.wrapping_add(n));
            match self.0.head.compare_exchange(prev, next, AcqRel, Acquire) {
                Ok(_) => return Some((src_steal, n)),
                Err(actual) => prev = actual,
            }
        }
    }

    /// Copies the claimed slots `first..first + n` into `dst`, from `dst_tail` on.
    #[inline]
    fn copy_claimed(&self, dst: &mut Local<T>, dst_tail: u32, first: u32, n: u32) {
        for i in 0..n {
            let src_idx = first.wrapping_add(i) as usize & MASK;
            let dst_idx = dst_tail.wrapping_add(i) as usize & MASK;
            // SAFETY: [first, first+n) is claimed by our CAS: the owner will not
            // overwrite it while steal != real, and no other thief reads it.
            let task = self.0.buffer[src_idx].with(|slot| unsafe { (*slot).assume_init_read() });
            // SAFETY: a free slot of the thief's own ring, beyond its published tail.
            dst.inner.buffer[dst_idx].with_mut(|slot| unsafe { (*slot).write(task) });
        }
    }

    /// Done copying: closes the steal window (`steal := real`). The owner may have popped
    /// meanwhile, moving `real` (never `steal`), so the CAS retries with what it finds.
    #[inline]
    fn release(&self, first: u32, n: u32) {
        let mut prev = pack(first, first.wrapping_add(n));
        loop {
            let (_, real) = unpack(prev);
            match self.0.head.compare_exchange(prev, pack(real, real), AcqRel, Acquire) {
                Ok(_) => return,
                Err(actual) => {
                    debug_assert_ne!(unpack(actual).0, unpack(actual).1);
                    prev = actual;
                }
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::cell::RefCell;

    struct Spill(RefCell<Vec<usize>>);
    impl Overflow<usize> for Spill {
        fn push(&self, t: usize) {
            self.0.borrow_mut().push(t);
        }
        fn push_batch(&self, ts: impl Iterator<Item = usize>) {
            self.0.borrow_mut().extend(ts);
        }
    }

    #[test]
    fn fifo_and_overflow_moves_half() {
        let (_steal, mut local) = new::<usize>();
        let spill = Spill(RefCell::new(vec![]));
        for i in 0..CAPACITY + 1 {
            local.push_back_or_overflow(i, &spill);
        }
        assert_eq!(spill.0.borrow().len(), CAPACITY / 2 + 1);
        assert_eq!(spill.0.borrow()[0], 0, "the oldest half spills");
        assert_eq!(local.len(), CAPACITY / 2);
        assert_eq!(local.pop(), Some(CAPACITY / 2));
    }

    /// One line of the drawing in the module docs: the victim's slots 0..7 and its head
    /// and tail, as they are; `claimed` is the thief's claim, `first..first + n`.
    fn draw(victim: &Steal<usize>, claimed: (u32, u32), step: &str, who: &str, what: &str) -> String {
        let (steal, real) = unpack(victim.0.head.load(Acquire));
        let tail = victim.0.tail.load(Acquire);
        let mut slots = String::new();
        for i in 0..8u32 {
            let task = || {
                victim.0.buffer[i as usize].with(|slot| {
                    // SAFETY: called only for slots in `claimed` or `real..tail`, which hold
                    // tasks; a usize is copied out, so the slot stays as it was.
                    unsafe { (*slot).assume_init_read() }
                })
            };
            let cell = if (steal..real).contains(&i) && (claimed.0..claimed.0 + claimed.1).contains(&i) {
                format!("t{}*", task())
            } else if (steal..real).contains(&i) {
                "x".to_string() // popped while the window was open: gone, not yet free
            } else if (real..tail).contains(&i) {
                format!("t{}", task())
            } else {
                "·".to_string()
            };
            slots.push_str(&format!("{cell:<4}"));
        }
        let head = format!("({steal}, {real})");
        format!("{step:<4} {who:<3} {what:<42} {slots}{head:<8}{tail}")
    }

    /// The ```text block under "A steal, step by step" in this file's module docs.
    fn drawing_in_module_docs() -> String {
        let src = include_str!("ring.rs");
        let doc: Vec<&str> = src.lines().filter_map(|l| l.strip_prefix("//!")).map(str::trim_start).collect();
        let from = doc.iter().position(|l| *l == "# A steal, step by step").expect("the section") + 1;
        let open = from + doc[from..].iter().position(|l| *l == "```text").expect("its drawing") + 1;
        let close = open + doc[open..].iter().position(|l| *l == "```").expect("the drawing's end");
        let lines: Vec<String> = src
            .lines()
            .filter_map(|l| l.strip_prefix("//! ").or_else(|| l.strip_prefix("//!")))
            .skip(open)
            .take(close - open)
            .map(|l| l.trim_end().to_string())
            .collect();
        lines.join("\n")
    }

    /// The steps of the module docs' drawing, made with the real operations (the claim,
    /// copy and release of `steal_into2`, the owner's pop and push, a second thief's
    /// `steal_into`), and drawn from the ring's state after each.
    #[test]
    fn a_steal_as_the_module_doc_draws_it() {
        let spill = Spill(RefCell::new(vec![]));
        let (victim, mut a) = new::<usize>();
        let (_, mut b) = new::<usize>();
        let (_, mut c) = new::<usize>();
        let mut lines =
            vec![format!("{:<4} {:<3} {:<42} {:<32}{:<8}tail", "step", "who", "what", "slots 0..7", "head")];
        for i in 0..5 {
            a.push_back_or_overflow(i, &spill);
        }
        lines.push(draw(&victim, (0, 0), "0", "A", "has pushed t0..t4"));
        let (first, n) = victim.claim().expect("five tasks to steal from");
        assert_eq!((first, n), (0, 3));
        lines.push(draw(&victim, (first, n), "1", "B", "claims half, rounded up: 3"));
        assert_eq!(a.pop(), Some(3));
        lines.push(draw(&victim, (first, n), "2", "A", "pops t3: real moves, steal stays"));
        a.push_back_or_overflow(5, &spill);
        lines.push(draw(&victim, (first, n), "3", "A", "pushes t5: tail - steal < 256, room"));
        assert!(victim.steal_into(&mut c).is_none(), "a second thief backs off");
        lines.push(draw(&victim, (first, n), "4", "C", "tries to steal: steal ≠ real, backs off"));
        victim.copy_claimed(&mut b, 0, first, n);
        lines.push(draw(&victim, (first, n), "5", "B", "copies slots 0..3 into its own ring"));
        victim.release(first, n);
        lines.push(draw(&victim, (first, n), "6", "B", "releases: steal := real"));
        let drawn: Vec<String> = lines.iter().map(|l| l.trim_end().to_string()).collect();
        let drawn = drawn.join("\n");
        assert!(spill.0.borrow().is_empty(), "nothing overflowed");
        assert_eq!((a.pop(), a.pop(), a.pop()), (Some(4), Some(5), None), "A keeps t4 and t5");
        assert_eq!(
            drawing_in_module_docs(),
            drawn,
            "the drawing in ring.rs's module docs no longer shows what the ring does; it is now:\n{drawn}\n"
        );
    }

    #[test]
    fn steal_takes_half_rounded_up() {
        let (steal, mut a) = new::<usize>();
        let (_s2, mut b) = new::<usize>();
        let spill = Spill(RefCell::new(vec![]));
        for i in 0..5 {
            a.push_back_or_overflow(i, &spill);
        }
        let got = steal.steal_into(&mut b);
        assert_eq!(got, Some(2));
        assert_eq!(b.pop(), Some(0));
        assert_eq!(b.pop(), Some(1));
        assert_eq!(a.pop(), Some(3));
        assert_eq!(a.pop(), Some(4));
        assert!(steal.is_empty());
    }

    #[test]
    fn concurrent_steal_loses_nothing() {
        use std::sync::Mutex;
        use std::sync::atomic::{AtomicUsize, Ordering};
        const N: usize = 200_000;
        struct Shared(Mutex<Vec<usize>>);
        impl Overflow<usize> for Shared {
            fn push(&self, t: usize) {
                self.0.lock().unwrap().push(t);
            }
            fn push_batch(&self, ts: impl Iterator<Item = usize>) {
                self.0.lock().unwrap().extend(ts);
            }
        }
        let spill = Arc::new(Shared(Mutex::new(vec![])));
        let (steal, mut local) = new::<usize>();
        let seen = Arc::new((0..N).map(|_| AtomicUsize::new(0)).collect::<Vec<_>>());
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let (steal, seen, done) = (steal.clone(), seen.clone(), done.clone());
                std::thread::spawn(move || {
                    let (_s, mut mine) = new::<usize>();
                    loop {
                        let finished = done.load(Ordering::Acquire);
                        if let Some(t) = steal.steal_into(&mut mine) {
                            seen[t].fetch_add(1, Ordering::Relaxed);
                        }
                        while let Some(t) = mine.pop() {
                            seen[t].fetch_add(1, Ordering::Relaxed);
                        }
                        if finished && steal.is_empty() {
                            break;
                        }
                    }
                })
            })
            .collect();
        for i in 0..N {
            local.push_back_or_overflow(i, &*spill);
            if i % 3 == 0 {
                if let Some(t) = local.pop() {
                    seen[t].fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        while let Some(t) = local.pop() {
            seen[t].fetch_add(1, Ordering::Relaxed);
        }
        done.store(true, Ordering::Release);
        for t in thieves {
            t.join().unwrap();
        }
        for t in spill.0.lock().unwrap().drain(..) {
            seen[t].fetch_add(1, Ordering::Relaxed);
        }
        assert!(seen.iter().all(|c| c.load(Ordering::Relaxed) == 1), "every task exactly once");
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Mutex;

    struct Spill(Mutex<Vec<usize>>);
    impl Overflow<usize> for Spill {
        fn push(&self, t: usize) {
            self.0.lock().unwrap().push(t);
        }
        fn push_batch(&self, ts: impl Iterator<Item = usize>) {
            self.0.lock().unwrap().extend(ts);
        }
    }

    /// The owner pushes past capacity and pops while a thief steals: every task is seen
    /// exactly once, across the owner, the thief and the overflow.
    #[test]
    fn loom_push_pop_steal() {
        loom::model(|| {
            let (steal, mut local) = new::<usize>();
            let spill = Arc::new(Spill(Mutex::new(vec![])));
            let thief = loom::thread::spawn(move || {
                let (_s, mut mine) = new::<usize>();
                let mut got = vec![];
                if let Some(t) = steal.steal_into(&mut mine) {
                    got.push(t);
                }
                while let Some(t) = mine.pop() {
                    got.push(t);
                }
                got
            });
            let mut got = vec![];
            for i in 0..CAPACITY + 2 {
                local.push_back_or_overflow(i, &*spill);
            }
            if let Some(t) = local.pop() {
                got.push(t);
            }
            let mut stolen = thief.join().unwrap();
            while let Some(t) = local.pop() {
                got.push(t);
            }
            got.append(&mut stolen);
            got.extend(spill.0.lock().unwrap().drain(..));
            got.sort();
            assert_eq!(got, (0..CAPACITY + 2).collect::<Vec<_>>());
        });
    }

    /// Two thieves race for the same ring.
    #[test]
    fn loom_two_thieves() {
        loom::model(|| {
            let (steal, mut local) = new::<usize>();
            let spill = Spill(Mutex::new(vec![]));
            for i in 0..3 {
                local.push_back_or_overflow(i, &spill);
            }
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let steal = steal.clone();
                    loom::thread::spawn(move || {
                        let (_s, mut mine) = new::<usize>();
                        let mut got = vec![];
                        if let Some(t) = steal.steal_into(&mut mine) {
                            got.push(t);
                        }
                        while let Some(t) = mine.pop() {
                            got.push(t);
                        }
                        got
                    })
                })
                .collect();
            let mut got = vec![];
            for h in handles {
                got.extend(h.join().unwrap());
            }
            while let Some(t) = local.pop() {
                got.push(t);
            }
            got.sort();
            assert_eq!(got, vec![0, 1, 2]);
        });
    }
}
