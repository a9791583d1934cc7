//! Model tests of the primitives' state machines: random sequences of operations, run on
//! the real primitive and on a small reference model side by side, compared after every
//! step.
//!
//! The futures are polled by hand (a no-op waker, no runtime), so the test decides every
//! interleaving: which waiter is polled when, and which one gives up (its future is
//! dropped, as `abort()` and a cancellation do) before, during or after a hand-off. The
//! reference models are written plainly, from the rules the primitives document
//! (asyncio's FIFO order, hand-off on release, a waiter that gives up passes on what it
//! was handed), not from their code.
//!
//! Bounded for the default test run (`CASES` sequences of `STEPS` operations per model);
//! `WEFT_MODEL_CASES=100000` runs longer. A failure prints the seed of the failing case
//! and its operations; `WEFT_MODEL_SEED=<seed> WEFT_MODEL_CASES=1` replays it.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use weft_primitives::permits::{AcquireOwned, OwnedPermit};
use weft_primitives::queue::{Fifo, Get, Lifo, Order, Put};
use weft_primitives::{
    BoundedSemaphore, Condition, ConditionError, Event, GetError, Lock, PutError, Queue, Semaphore,
    TaskDoneError, TryGetError, TryPutError,
};

const CASES: u64 = 300;
const STEPS: usize = 120;

/// xorshift64*: small and seedable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    /// A random key of a non-empty map.
    fn key_of<V>(&mut self, map: &BTreeMap<usize, V>) -> Option<usize> {
        (!map.is_empty()).then(|| *map.keys().nth(self.below(map.len())).unwrap())
    }
}

/// Runs `case` for many seeds; on a failure, prints how to replay it.
fn run_cases(name: &str, case: impl Fn(&mut Rng, &mut Vec<String>)) {
    let cases = std::env::var("WEFT_MODEL_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(CASES);
    let base = std::env::var("WEFT_MODEL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
    });
    for i in 0..cases {
        let seed = base.wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1;
        let mut log = Vec::new();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(&mut Rng(seed), &mut log)));
        if let Err(p) = r {
            eprintln!("{name}: failed with WEFT_MODEL_SEED={seed} WEFT_MODEL_CASES=1; operations:");
            for (n, op) in log.iter().enumerate() {
                eprintln!("  {n:3}: {op}");
            }
            std::panic::resume_unwind(p);
        }
    }
}

fn poll<F: Future + ?Sized>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

// ---------------------------------------------------------------------------------------
// Lock, Semaphore, BoundedSemaphore

/// The reference: free permits, the FIFO of waiters, the waiters handed a permit that
/// have not collected it, and the permits held.
#[derive(Debug)]
struct PermitModel {
    free: usize,
    /// `None`: a plain semaphore (no upper bound).
    bound: Option<usize>,
    held: usize,
    queue: VecDeque<usize>,
    handed: Vec<usize>,
}

impl PermitModel {
    fn locked(&self) -> bool {
        self.free == 0 || !self.queue.is_empty() || !self.handed.is_empty()
    }
    fn hand_out(&mut self) {
        while self.free > 0 {
            let Some(id) = self.queue.pop_front() else { break };
            self.free -= 1;
            self.handed.push(id);
        }
    }
    fn try_acquire(&mut self) -> bool {
        if self.locked() {
            return false;
        }
        self.free -= 1;
        self.held += 1;
        true
    }
    /// A release: refused, for a bounded one, when no permit is held.
    fn release(&mut self) -> bool {
        if self.bound.is_some() && self.held == 0 {
            return false;
        }
        self.held = self.held.saturating_sub(1);
        self.free += 1;
        self.hand_out();
        true
    }
    /// A new acquire, polled for the first time.
    fn arrive(&mut self, id: usize) -> bool {
        if self.try_acquire() {
            return true;
        }
        self.queue.push_back(id);
        false
    }
    /// A waiter polled again: ready if it was handed a permit.
    fn poll(&mut self, id: usize) -> bool {
        let Some(i) = self.handed.iter().position(|&h| h == id) else { return false };
        self.handed.remove(i);
        self.held += 1;
        self.hand_out(); // permits released meanwhile may wait for the tasks behind it
        true
    }
    /// A waiter gives up; a permit it was handed goes to the next. Either way, free
    /// permits then go to the waiters behind it (CPython's `acquire` does so in its
    /// `finally`, which a cancelled waiter runs too).
    fn give_up(&mut self, id: usize) {
        if let Some(i) = self.queue.iter().position(|&q| q == id) {
            self.queue.remove(i);
        } else if let Some(i) = self.handed.iter().position(|&h| h == id) {
            self.handed.remove(i);
            self.free += 1;
        }
        self.hand_out();
    }
}

/// The three permit primitives behind one face.
trait PermitPrim: weft_primitives::permits::PermitSource {
    fn make(n: usize) -> (Self, PermitModel)
    where
        Self: Sized;
    fn release_raw(&self) -> bool;
    fn try_take(&self) -> bool;
    fn free(&self) -> Option<usize>;
    fn is_locked(&self) -> bool;
    fn queued(&self) -> usize;
    fn acquire_arc(self: &Arc<Self>) -> AcquireOwned<Self>
    where
        Self: Sized;
}

macro_rules! permit_prim {
    ($ty:ty, $make:expr, $bound:expr, $release:expr, $free:expr) => {
        impl PermitPrim for $ty {
            fn make(n: usize) -> (Self, PermitModel) {
                let n = $make(n);
                let model = PermitModel {
                    free: n,
                    bound: $bound(n),
                    held: 0,
                    queue: VecDeque::new(),
                    handed: Vec::new(),
                };
                (<$ty>::new_for_model(n), model)
            }
            fn release_raw(&self) -> bool {
                $release(self)
            }
            fn try_take(&self) -> bool {
                self.try_acquire().map(|p| p.forget()).is_some()
            }
            fn free(&self) -> Option<usize> {
                $free(self)
            }
            fn is_locked(&self) -> bool {
                self.locked()
            }
            fn queued(&self) -> usize {
                self.waiters()
            }
            fn acquire_arc(self: &Arc<Self>) -> AcquireOwned<Self> {
                self.acquire_owned()
            }
        }
    };
}

trait NewForModel {
    fn new_for_model(n: usize) -> Self;
}
impl NewForModel for Lock {
    fn new_for_model(_: usize) -> Self {
        Lock::new()
    }
}
impl NewForModel for Semaphore {
    fn new_for_model(n: usize) -> Self {
        Semaphore::new(n)
    }
}
impl NewForModel for BoundedSemaphore {
    fn new_for_model(n: usize) -> Self {
        BoundedSemaphore::new(n)
    }
}

permit_prim!(Lock, |_| 1, Some, |l: &Lock| l.release().is_ok(), |_: &Lock| None);
permit_prim!(
    Semaphore,
    |n| n,
    |_| None,
    |s: &Semaphore| {
        s.release();
        true
    },
    |s: &Semaphore| Some(s.available_permits())
);
permit_prim!(
    BoundedSemaphore,
    |n| n,
    Some,
    |s: &BoundedSemaphore| s.release().is_ok(),
    |s: &BoundedSemaphore| Some(s.available_permits())
);

fn permit_case<S: PermitPrim + NewForModel>(rng: &mut Rng, log: &mut Vec<String>) {
    let (prim, mut model) = S::make(rng.below(3));
    let prim = Arc::new(prim);
    let mut waiters: BTreeMap<usize, Pin<Box<AcquireOwned<S>>>> = BTreeMap::new();
    let mut guards: Vec<OwnedPermit<S>> = Vec::new();
    let mut next_id = 0;
    for _ in 0..STEPS {
        match rng.below(7) {
            0 => {
                let got = prim.try_take();
                log.push(format!("try_acquire -> {got}"));
                assert_eq!(got, model.try_acquire(), "try_acquire; model {model:?}");
            }
            1 | 2 => {
                let id = next_id;
                next_id += 1;
                let mut fut = Box::pin(prim.acquire_arc());
                let ready = poll(fut.as_mut());
                log.push(format!("acquire #{id} -> {}", if ready.is_ready() { "ready" } else { "waits" }));
                assert_eq!(ready.is_ready(), model.arrive(id), "acquire #{id}; model {model:?}");
                match ready {
                    Poll::Ready(p) => guards.push(p.unwrap()),
                    Poll::Pending => drop(waiters.insert(id, fut)),
                }
            }
            3 => {
                let Some(id) = rng.key_of(&waiters) else { continue };
                let ready = poll(waiters.get_mut(&id).unwrap().as_mut());
                log.push(format!("poll #{id} -> {}", if ready.is_ready() { "ready" } else { "waits" }));
                assert_eq!(ready.is_ready(), model.poll(id), "poll #{id}; model {model:?}");
                if let Poll::Ready(p) = ready {
                    waiters.remove(&id);
                    guards.push(p.unwrap());
                }
            }
            4 => {
                let Some(id) = rng.key_of(&waiters) else { continue };
                log.push(format!("give up #{id}"));
                drop(waiters.remove(&id));
                model.give_up(id);
            }
            5 => {
                if guards.is_empty() {
                    continue;
                }
                let g = guards.swap_remove(rng.below(guards.len()));
                if rng.chance(30) {
                    // Kept without a guard; a raw release gives it back later.
                    log.push("forget a guard".into());
                    drop(g.forget());
                } else {
                    log.push("drop a guard".into());
                    drop(g);
                    model.release();
                }
            }
            _ => {
                let ok = prim.release_raw();
                log.push(format!("release -> {ok}"));
                assert_eq!(ok, model.release(), "release; model {model:?}");
            }
        }
        assert_eq!(prim.is_locked(), model.locked(), "locked(); model {model:?}");
        assert_eq!(prim.queued(), model.queue.len(), "waiters(); model {model:?}");
        if let Some(free) = prim.free() {
            assert_eq!(free, model.free, "available_permits(); model {model:?}");
        }
        if let Some(bound) = model.bound {
            assert!(model.free + model.handed.len() + model.held <= bound, "over the bound: {model:?}");
        }
    }
}

#[test]
fn model_lock() {
    run_cases("lock", permit_case::<Lock>);
}

#[test]
fn model_semaphore() {
    run_cases("semaphore", permit_case::<Semaphore>);
}

#[test]
fn model_bounded_semaphore() {
    run_cases("bounded_semaphore", permit_case::<BoundedSemaphore>);
}

// ---------------------------------------------------------------------------------------
// Queue

/// The reference: the buffer, waiting getters and putters in arrival order, what each
/// was handed, and the counts asyncio's queue keeps. A FIFO getter is handed the item
/// itself; a LIFO getter a claim on the buffer, and it takes the newest item when it is
/// polled, as asyncio's woken getter calls `_get()` when it runs.
#[derive(Debug, Default)]
struct QueueModel {
    lifo: bool,
    maxsize: usize,
    buf: VecDeque<u64>,
    getters: VecDeque<usize>,
    /// Getters handed an item (`Some`) or the shutdown (`None`), not yet collected.
    got: BTreeMap<usize, Option<u64>>,
    /// LIFO getters handed a claim, not yet collected: as many buffered items are theirs.
    claims: std::collections::BTreeSet<usize>,
    putters: VecDeque<usize>,
    /// Putters handed a reserved slot (`true`) or the shutdown (`false`).
    slot: BTreeMap<usize, bool>,
    unfinished: usize,
    shutdown: bool,
}

impl QueueModel {
    fn handed_items(&self) -> usize {
        self.got.values().filter(|v| v.is_some()).count()
    }
    fn reserved(&self) -> usize {
        self.slot.values().filter(|&&v| v).count()
    }
    fn full(&self) -> bool {
        self.maxsize > 0 && self.buf.len() + self.handed_items() + self.reserved() >= self.maxsize
    }
    fn pop(&mut self) -> Option<u64> {
        if self.lifo { self.buf.pop_back() } else { self.buf.pop_front() }
    }
    /// Buffered items no claim stands for: what `get_nowait` can take, and `qsize()`.
    fn available(&self) -> usize {
        self.buf.len() - self.claims.len()
    }
    /// An item goes to the first waiting getter, or into the buffer (at the oldest end if
    /// it is one a getter gave back). LIFO: into the buffer, and the first waiting getter
    /// gets a claim.
    fn place(&mut self, item: u64, oldest: bool) {
        if self.lifo {
            if oldest {
                self.buf.push_front(item);
            } else {
                self.buf.push_back(item);
            }
            self.claim_for_getter();
        } else if let Some(g) = self.getters.pop_front() {
            self.got.insert(g, Some(item));
        } else if oldest {
            self.buf.push_front(item);
        } else {
            self.buf.push_back(item);
        }
    }
    fn claim_for_getter(&mut self) {
        if self.available() > 0 {
            if let Some(g) = self.getters.pop_front() {
                self.claims.insert(g);
            }
        }
    }
    fn grant_putters(&mut self) {
        while !self.full() {
            let Some(p) = self.putters.pop_front() else { break };
            self.slot.insert(p, true);
        }
    }
    fn try_put(&mut self, item: u64) -> Result<(), &'static str> {
        if self.shutdown {
            return Err("shutdown");
        }
        if self.full() {
            return Err("full");
        }
        self.unfinished += 1;
        self.place(item, false);
        Ok(())
    }
    fn try_get(&mut self) -> Result<u64, &'static str> {
        if self.available() == 0 {
            return Err(if self.shutdown { "shutdown" } else { "empty" });
        }
        let item = self.pop().expect("an unclaimed item");
        self.grant_putters();
        Ok(item)
    }
    fn shutdown(&mut self, immediate: bool) -> Vec<u64> {
        self.shutdown = true;
        let mut removed = Vec::new();
        if immediate {
            while let Some(item) = self.pop() {
                removed.push(item);
            }
            for v in self.got.values_mut() {
                removed.extend(v.take());
            }
            // Claims are revoked: their items were buffered, removed above.
            for g in std::mem::take(&mut self.claims) {
                self.got.insert(g, None);
            }
            self.unfinished = self.unfinished.saturating_sub(removed.len());
        }
        for g in self.getters.drain(..) {
            self.got.insert(g, None);
        }
        for v in self.slot.values_mut() {
            *v = false;
        }
        for p in self.putters.drain(..) {
            self.slot.insert(p, false);
        }
        removed
    }
}

/// An item that reports being dropped, so that "nothing lost, nothing doubled" can be
/// checked: every item ends exactly once (taken by a get, dropped by an immediate
/// shutdown, given back by a failed put, or left in the queue).
#[derive(Debug, PartialEq)]
struct Item(u64);

/// A put that waits, with the item it carries.
type WaitingPut<'a, O> = (u64, Pin<Box<Put<'a, Item, O>>>);

fn queue_case<O: Order<Item> + Debug>(lifo: bool, rng: &mut Rng, log: &mut Vec<String>) {
    let maxsize = rng.below(4);
    let q: Queue<Item, O> = Queue::with_order(maxsize);
    let mut model = QueueModel { lifo, maxsize, ..QueueModel::default() };
    let mut gets: BTreeMap<usize, Pin<Box<Get<'_, Item, O>>>> = BTreeMap::new();
    let mut puts: BTreeMap<usize, WaitingPut<'_, O>> = BTreeMap::new();
    let (mut next_id, mut next_item) = (0, 0u64);
    let mut ended: Vec<u64> = Vec::new(); // items that left the queue's custody
    for _ in 0..STEPS {
        match rng.below(11) {
            0 => {
                let item = next_item;
                next_item += 1;
                let r = q.put_nowait(Item(item));
                log.push(format!("put_nowait({item}) -> {}", r.is_ok()));
                match (r, model.try_put(item)) {
                    (Ok(()), Ok(())) => {}
                    (Err(TryPutError::Full(Item(i))), Err("full"))
                    | (Err(TryPutError::ShutDown(Item(i))), Err("shutdown")) => {
                        assert_eq!(i, item, "the refused item comes back");
                        ended.push(i);
                    }
                    (r, m) => panic!("put_nowait({item}): {r:?} vs model {m:?}; {model:?}"),
                }
            }
            1 => {
                let r = q.get_nowait();
                log.push(format!("get_nowait -> {r:?}"));
                match (r, model.try_get()) {
                    (Ok(Item(i)), Ok(m)) => {
                        assert_eq!(i, m, "get_nowait; {model:?}");
                        ended.push(i);
                    }
                    (Err(TryGetError::Empty), Err("empty"))
                    | (Err(TryGetError::ShutDown), Err("shutdown")) => {}
                    (r, m) => panic!("get_nowait: {r:?} vs model {m:?}; {model:?}"),
                }
            }
            2 => {
                let id = next_id;
                next_id += 1;
                let mut fut = Box::pin(q.get());
                let r = poll(fut.as_mut());
                log.push(format!("get #{id} -> {r:?}"));
                match (r, model.try_get()) {
                    (Poll::Ready(Ok(Item(i))), Ok(m)) => {
                        assert_eq!(i, m);
                        ended.push(i);
                    }
                    (Poll::Ready(Err(GetError::ShutDown)), Err("shutdown")) => {}
                    (Poll::Pending, Err("empty")) => {
                        model.getters.push_back(id);
                        gets.insert(id, fut);
                    }
                    (r, m) => panic!("get #{id}: {r:?} vs model {m:?}; {model:?}"),
                }
            }
            3 | 4 => {
                let id = next_id;
                next_id += 1;
                let item = next_item;
                next_item += 1;
                let mut fut = Box::pin(q.put(Item(item)));
                let r = poll(fut.as_mut());
                log.push(format!("put #{id}({item}) -> {r:?}"));
                match (r, model.try_put(item)) {
                    (Poll::Ready(Ok(())), Ok(())) => {}
                    (Poll::Ready(Err(PutError::ShutDown(Item(i)))), Err("shutdown")) => {
                        assert_eq!(i, item);
                        ended.push(i);
                    }
                    (Poll::Pending, Err("full")) => {
                        model.putters.push_back(id);
                        puts.insert(id, (item, fut));
                    }
                    (r, m) => panic!("put #{id}: {r:?} vs model {m:?}; {model:?}"),
                }
            }
            5 => {
                let Some(id) = rng.key_of(&gets) else { continue };
                let r = poll(gets.get_mut(&id).unwrap().as_mut());
                log.push(format!("poll get #{id} -> {r:?}"));
                if model.claims.remove(&id) {
                    // A claim: the newest item now.
                    let m = model.pop().expect("a claimed item is buffered");
                    model.grant_putters();
                    match r {
                        Poll::Ready(Ok(Item(i))) => assert_eq!(i, m, "claim; {model:?}"),
                        r => panic!("poll get #{id} with a claim: {r:?}; {model:?}"),
                    }
                    gets.remove(&id);
                    ended.push(m);
                } else {
                    match (r, model.got.get(&id).copied()) {
                        (Poll::Pending, None) => {}
                        (Poll::Ready(Ok(Item(i))), Some(Some(m))) => {
                            assert_eq!(i, m);
                            model.got.remove(&id);
                            model.grant_putters();
                            gets.remove(&id);
                            ended.push(i);
                        }
                        (Poll::Ready(Err(GetError::ShutDown)), Some(None)) => {
                            model.got.remove(&id);
                            gets.remove(&id);
                        }
                        (r, m) => panic!("poll get #{id}: {r:?} vs model {m:?}; {model:?}"),
                    }
                }
            }
            6 => {
                let Some(id) = rng.key_of(&puts) else { continue };
                let r = poll(puts.get_mut(&id).unwrap().1.as_mut());
                log.push(format!("poll put #{id} -> {r:?}"));
                let item = puts[&id].0;
                match (r, model.slot.get(&id).copied()) {
                    (Poll::Pending, None) => {}
                    (Poll::Ready(Ok(())), Some(true)) => {
                        model.slot.remove(&id);
                        model.unfinished += 1;
                        model.place(item, false);
                        puts.remove(&id);
                    }
                    (Poll::Ready(Err(PutError::ShutDown(Item(i)))), Some(false)) => {
                        assert_eq!(i, item, "the item comes back");
                        model.slot.remove(&id);
                        puts.remove(&id);
                        ended.push(i);
                    }
                    (r, m) => panic!("poll put #{id}: {r:?} vs model {m:?}; {model:?}"),
                }
            }
            7 => {
                let Some(id) = rng.key_of(&gets) else { continue };
                log.push(format!("give up get #{id}"));
                drop(gets.remove(&id));
                if let Some(i) = model.getters.iter().position(|&g| g == id) {
                    model.getters.remove(i);
                } else if model.claims.remove(&id) {
                    model.claim_for_getter(); // the claim goes to the next getter
                } else if let Some(Some(item)) = model.got.remove(&id) {
                    model.place(item, true); // handed back, to the next getter or the front
                }
            }
            8 => {
                let Some(id) = rng.key_of(&puts) else { continue };
                log.push(format!("give up put #{id}"));
                let (item, fut) = puts.remove(&id).unwrap();
                drop(fut);
                ended.push(item); // the item was still the put's, dropped with it
                if let Some(i) = model.putters.iter().position(|&p| p == id) {
                    model.putters.remove(i);
                } else if model.slot.remove(&id) == Some(true) {
                    model.grant_putters();
                }
            }
            9 => {
                let r = q.task_done();
                log.push(format!("task_done -> {r:?}"));
                let m = if model.unfinished == 0 {
                    Err(TaskDoneError)
                } else {
                    model.unfinished -= 1;
                    Ok(())
                };
                assert_eq!(r, m);
            }
            _ => {
                if !rng.chance(15) {
                    continue;
                }
                let immediate = rng.chance(50);
                log.push(format!("shutdown(immediate: {immediate})"));
                q.shutdown(immediate);
                ended.extend(model.shutdown(immediate));
            }
        }
        assert_eq!(q.qsize(), model.available(), "qsize; {model:?}");
        assert_eq!(q.full(), model.full(), "full; {model:?}");
        assert_eq!(q.waiters(), (model.getters.len(), model.putters.len()), "waiters; {model:?}");
        assert_eq!(q.unfinished_tasks(), model.unfinished, "unfinished; {model:?}");
        assert_eq!(q.is_shutdown(), model.shutdown);
    }
    // Nothing lost, nothing doubled: every item made ended once or is still in custody.
    drop(gets);
    for (_, (item, _)) in std::mem::take(&mut puts) {
        ended.push(item);
    }
    while let Ok(Item(i)) = q.get_nowait() {
        ended.push(i);
    }
    ended.sort_unstable();
    assert_eq!(ended, (0..next_item).collect::<Vec<_>>(), "every item accounted for exactly once");
}

#[test]
fn model_queue_fifo() {
    run_cases("queue_fifo", |rng, log| queue_case::<Fifo>(false, rng, log));
}

#[test]
fn model_queue_lifo() {
    run_cases("queue_lifo", |rng, log| queue_case::<Lifo>(true, rng, log));
}

// ---------------------------------------------------------------------------------------
// Event

#[test]
fn model_event() {
    run_cases("event", |rng, log| {
        let ev = Event::new();
        let (mut flag, mut waiting, mut woken) = (false, Vec::<usize>::new(), Vec::<usize>::new());
        let mut waits: BTreeMap<usize, Pin<Box<weft_primitives::event::Wait<'_>>>> = BTreeMap::new();
        let mut next_id = 0;
        for _ in 0..STEPS {
            match rng.below(5) {
                0 => {
                    log.push("set".into());
                    ev.set();
                    if !flag {
                        flag = true;
                        woken.append(&mut waiting);
                    }
                }
                1 => {
                    log.push("clear".into());
                    ev.clear();
                    flag = false;
                }
                2 => {
                    let id = next_id;
                    next_id += 1;
                    let mut w = Box::pin(ev.wait());
                    let r = poll(w.as_mut());
                    log.push(format!("wait #{id} -> {r:?}"));
                    assert_eq!(r.is_ready(), flag);
                    if r.is_pending() {
                        waiting.push(id);
                        waits.insert(id, w);
                    }
                }
                3 => {
                    let Some(id) = rng.key_of(&waits) else { continue };
                    let r = poll(waits.get_mut(&id).unwrap().as_mut());
                    log.push(format!("poll #{id} -> {r:?}"));
                    // Woken by a set, it returns even if the event was cleared since.
                    assert_eq!(r.is_ready(), woken.contains(&id), "poll #{id}");
                    if r.is_ready() {
                        waits.remove(&id);
                        woken.retain(|&w| w != id);
                    }
                }
                _ => {
                    let Some(id) = rng.key_of(&waits) else { continue };
                    log.push(format!("give up #{id}"));
                    waits.remove(&id);
                    waiting.retain(|&w| w != id);
                    woken.retain(|&w| w != id);
                }
            }
            assert_eq!(ev.is_set(), flag);
            assert_eq!(ev.waiters(), waiting.len());
        }
    });
}

// ---------------------------------------------------------------------------------------
// Condition (its raw API: acquire_raw, wait, notify, release)

/// Where a task of the condition model is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum CondTask {
    /// In `acquire_raw`, queued for the lock.
    Acquiring,
    /// In `wait`, waiting for a notification.
    Waiting,
    /// In `wait`, notified, not yet polled since.
    Notified,
    /// In `wait`, notified, queued for the lock.
    Relocking,
}

#[test]
fn model_condition() {
    run_cases("condition", |rng, log| {
        let cond = Condition::new();
        // The lock's own model: one permit, bounded.
        let mut lock =
            PermitModel { free: 1, bound: Some(1), held: 0, queue: VecDeque::new(), handed: Vec::new() };
        let mut tasks: BTreeMap<usize, CondTask> = BTreeMap::new();
        let mut notify_order: VecDeque<usize> = VecDeque::new();
        let mut acquires = BTreeMap::new();
        let mut waits: BTreeMap<usize, Pin<Box<weft_primitives::condition::Wait<'_>>>> = BTreeMap::new();
        let mut next_id = 0;
        // Hands one notification to the first task waiting for one.
        let notify_one = |tasks: &mut BTreeMap<usize, CondTask>, order: &mut VecDeque<usize>| {
            if let Some(id) = order.pop_front() {
                tasks.insert(id, CondTask::Notified);
            }
        };
        for _ in 0..STEPS {
            match rng.below(7) {
                0 => {
                    let id = next_id;
                    next_id += 1;
                    let mut f = Box::pin(cond.acquire_raw());
                    let r = poll(f.as_mut());
                    log.push(format!("acquire #{id} -> {r:?}"));
                    assert_eq!(r.is_ready(), lock.arrive(id), "acquire #{id}; lock {lock:?}");
                    if r.is_pending() {
                        tasks.insert(id, CondTask::Acquiring);
                        acquires.insert(id, f);
                    }
                }
                1 => {
                    let id = next_id;
                    next_id += 1;
                    let mut w = Box::pin(cond.wait());
                    let r = poll(w.as_mut());
                    log.push(format!("wait #{id} -> {r:?}"));
                    if !lock.locked() || lock.held == 0 {
                        // Not held (or held by nobody, only handed): refused.
                        assert_eq!(
                            r,
                            Poll::Ready(Err(ConditionError::NotLocked)),
                            "wait #{id}; lock {lock:?}"
                        );
                    } else {
                        assert!(r.is_pending(), "wait #{id}: {r:?}");
                        assert!(lock.release());
                        tasks.insert(id, CondTask::Waiting);
                        notify_order.push_back(id);
                        waits.insert(id, w);
                    }
                }
                2 => {
                    let n = rng.below(3);
                    let r = cond.notify(n);
                    log.push(format!("notify({n}) -> {r:?}"));
                    assert_eq!(r.is_ok(), lock.locked(), "notify; lock {lock:?}");
                    if r.is_ok() {
                        for _ in 0..n {
                            notify_one(&mut tasks, &mut notify_order);
                        }
                    }
                }
                3 => {
                    let ok = cond.release().is_ok();
                    log.push(format!("release -> {ok}"));
                    assert_eq!(ok, lock.release(), "release; lock {lock:?}");
                }
                4 => {
                    let Some(id) = rng.key_of(&tasks) else { continue };
                    let state = tasks[&id];
                    let ready = match state {
                        CondTask::Acquiring => {
                            poll(acquires.get_mut(&id).unwrap().as_mut()).map(|r| r.unwrap())
                        }
                        _ => poll(waits.get_mut(&id).unwrap().as_mut()).map(|r| r.unwrap()),
                    };
                    log.push(format!("poll #{id} ({state:?}) -> {ready:?}"));
                    let expected = match state {
                        CondTask::Acquiring | CondTask::Relocking => lock.poll(id),
                        CondTask::Waiting => false,
                        CondTask::Notified => {
                            if lock.arrive(id) {
                                true
                            } else {
                                tasks.insert(id, CondTask::Relocking);
                                false
                            }
                        }
                    };
                    assert_eq!(ready.is_ready(), expected, "poll #{id} ({state:?}); lock {lock:?}");
                    if ready.is_ready() {
                        tasks.remove(&id);
                        acquires.remove(&id);
                        waits.remove(&id);
                    }
                }
                _ => {
                    let Some(id) = rng.key_of(&tasks) else { continue };
                    let state = tasks.remove(&id).unwrap();
                    log.push(format!("give up #{id} ({state:?})"));
                    acquires.remove(&id);
                    waits.remove(&id);
                    match state {
                        CondTask::Acquiring => lock.give_up(id),
                        CondTask::Waiting => notify_order.retain(|&w| w != id),
                        // A notified waiter that gives up passes its notification on.
                        CondTask::Notified => notify_one(&mut tasks, &mut notify_order),
                        CondTask::Relocking => {
                            lock.give_up(id);
                            notify_one(&mut tasks, &mut notify_order);
                        }
                    }
                }
            }
            assert_eq!(cond.locked(), lock.locked(), "locked(); lock {lock:?}");
            assert_eq!(cond.waiters(), notify_order.len(), "waiters()");
            assert!(lock.held <= 1, "two holders: {lock:?}");
        }
    });
}
