//! The owned-task list: every live task of a runtime, so that shutdown can drop every
//! future and `all_tasks()` can enumerate them.
//!
//! It is an intrusive doubly-linked list (the links live in each task's header), split
//! into shards by task id so that spawns on different workers rarely share a lock. The list
//! holds one reference to each task it links; [`OwnedTasks::remove`] and shutdown hand
//! that reference back.
//!
//! # Flat cost per task
//!
//! Every spawn links a task and every completion unlinks one, on whichever threads they
//! happen, so nothing here may be shared by all of them:
//!
//! * **No global counter.** Each shard counts its own tasks, under its own lock; the
//!   runtime's count ([`OwnedTasks::len`]) is the sum, computed when asked. A single
//!   atomic counter that every spawning thread increments and every worker decrements was
//!   most of the cost of unlinking (its cache line moves between cores on every task).
//! * **A cache line per shard.** Consecutive ids fall in consecutive shards, and a spawner
//!   and a worker usually handle ids close to each other: shards that shared a line would
//!   share its traffic. (The current-thread runtime, where one thread spawns and finishes,
//!   groups runs of consecutive ids in a shard instead: [`OwnedTasks::new_for_one_thread`].)
//! * **Waiting for "empty" costs nothing until someone waits.** [`register_empty_waiter`]
//!   raises `watching`; only then does a removal that empties its shard look at the other
//!   shards (see `remove` for why no wake-up is lost).
//!
//! [`register_empty_waiter`]: OwnedTasks::register_empty_waiter

use super::raw::{Header, RawTask};
use parking_lot::Mutex;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Waker;

const SHARDS: usize = 32;

struct Shard {
    head: Option<NonNull<Header>>,
    /// Tasks linked in this shard.
    len: usize,
    closed: bool,
}

// SAFETY: the shard only holds task pointers, which are Send (RawTask's argument).
unsafe impl Send for Shard {}

/// A shard's lock and list, alone on their cache lines (128 bytes: two lines, as the
/// adjacent-line prefetcher of x86 moves lines in pairs).
#[repr(align(128))]
struct Padded(Mutex<Shard>);

/// Every task of one runtime.
pub(crate) struct OwnedTasks {
    shards: Box<[Padded]>,
    /// A task's shard is `(id >> run_shift) % SHARDS` (see [`OwnedTasks::new`]).
    run_shift: u32,
    closed: AtomicBool,
    /// True while `empty_waiters` may hold a waker: removals that empty a shard then
    /// check whether the whole list is empty.
    watching: AtomicBool,
    empty_waiters: Mutex<Vec<Waker>>,
}

/// The runtime is shutting down and takes no new tasks.
#[derive(Debug)]
pub(crate) struct Closed;

impl OwnedTasks {
    /// The list of a runtime whose tasks are spawned and finished on many threads: ids
    /// that follow each other fall in different shards, so that a spawner and a worker
    /// handling nearby ids do not share a lock.
    pub(crate) fn new() -> OwnedTasks {
        OwnedTasks::with_run(0)
    }

    /// The list of the current-thread runtime, whose tasks are spawned and finished on
    /// one thread: runs of 64 consecutive ids share a shard. A task's neighbour in its
    /// shard is then the task spawned just after it, usually next to it in memory too.
    /// Unlinking a task writes to that neighbour, and when tasks finish in the order they
    /// were spawned (a round of spawns, then their polls), the neighbour is the next task
    /// to be polled, already on its way into the cache; with ids spread over the shards
    /// it was the task 32 spawns later, a cache miss once the tasks outgrow the caches,
    /// paid under the lock's release (a `lock` instruction waits for it): measured,
    /// a current-thread spawn+join at 10⁶ tasks spent a fifth of its time there.
    pub(crate) fn new_for_one_thread() -> OwnedTasks {
        OwnedTasks::with_run(6)
    }

    fn with_run(run_shift: u32) -> OwnedTasks {
        OwnedTasks {
            run_shift,
            shards: (0..SHARDS)
                .map(|_| Padded(Mutex::new(Shard { head: None, len: 0, closed: false })))
                .collect(),
            closed: AtomicBool::new(false),
            watching: AtomicBool::new(false),
            empty_waiters: Mutex::new(Vec::new()),
        }
    }

    fn shard(&self, header: &Header) -> &Mutex<Shard> {
        &self.shards[(header.id().0.get() >> self.run_shift) as usize % SHARDS].0
    }

    /// Links a new task, taking over its list reference.
    pub(crate) fn bind(&self, task: RawTask) -> Result<(), Closed> {
        let header = task.header();
        let mut shard = self.shard(header).lock();
        if shard.closed {
            return Err(Closed);
        }
        shard.len += 1;
        // SAFETY: the links are only touched under this shard's lock, which we hold; the
        // task is not in any list yet.
        unsafe {
            *header.owned_prev.get() = None;
            *header.owned_next.get() = shard.head;
            if let Some(head) = shard.head {
                *head.as_ref().owned_prev.get() = Some(task.header_ptr());
            }
        }
        shard.head = Some(task.header_ptr());
        Ok(())
    }

    /// Unlinks a finished task. Returns false if shutdown already took it out (then the
    /// caller must not drop the list's reference, shutdown did).
    pub(crate) fn remove(&self, header: &Header) -> bool {
        let ptr = NonNull::from(header);
        let mut shard = self.shard(header).lock();
        // SAFETY: links are guarded by the shard lock we hold. A task is in the list iff it
        // is the head or has a predecessor.
        unsafe {
            let prev = *header.owned_prev.get();
            let next = *header.owned_next.get();
            if prev.is_none() && shard.head != Some(ptr) {
                return false;
            }
            match prev {
                Some(p) => *p.as_ref().owned_next.get() = next,
                None => shard.head = next,
            }
            if let Some(n) = next {
                *n.as_ref().owned_prev.get() = prev;
            }
            *header.owned_prev.get() = None;
            *header.owned_next.get() = None;
        }
        shard.len -= 1;
        let emptied = shard.len == 0;
        drop(shard);
        if emptied {
            self.shard_emptied();
        }
        true
    }

    /// Called after a removal emptied its shard, with no shard lock held: if someone waits
    /// for the whole list to be empty and it is, wake them.
    ///
    /// No wake-up is lost: a waiter raises `watching` and then reads every shard's count
    /// under that shard's lock. For the shard this removal emptied, either the waiter's
    /// read came after our unlock (it saw the shard empty), or it came before, and then
    /// its raising of `watching` happened before our lock of the shard, so we see it here,
    /// and we check again under `empty_waiters`, which the waiter holds until its waker is
    /// registered.
    #[cold]
    fn shard_emptied(&self) {
        if !self.watching.load(Ordering::Relaxed) {
            return;
        }
        let mut guard = self.empty_waiters.lock();
        if guard.is_empty() || !self.all_empty() {
            return;
        }
        let waiters = std::mem::take(&mut *guard);
        self.watching.store(false, Ordering::Relaxed);
        drop(guard); // wakers are woken outside locks
        for w in waiters {
            w.wake();
        }
    }

    fn all_empty(&self) -> bool {
        self.shards.iter().all(|s| s.0.lock().len == 0)
    }

    fn pop(&self, shard: &Mutex<Shard>) -> Option<RawTask> {
        let mut shard = shard.lock();
        let head = shard.head?;
        shard.len -= 1;
        // SAFETY: guarded by the shard lock; `head` is linked, so it is alive (the list
        // holds a reference to it).
        unsafe {
            let next = *head.as_ref().owned_next.get();
            if let Some(n) = next {
                *n.as_ref().owned_prev.get() = None;
            }
            shard.head = next;
            *head.as_ref().owned_next.get() = None;
            Some(RawTask::from_raw(head))
        }
    }

    /// Refuses new tasks from now on, then drops the future of every task (transition 6).
    pub(crate) fn close_and_shutdown_all(&self) {
        self.closed.store(true, Ordering::Release);
        for shard in self.shards.iter() {
            shard.0.lock().closed = true;
        }
        for shard in self.shards.iter() {
            while let Some(task) = self.pop(&shard.0) {
                task.shutdown();
            }
            self.shard_emptied();
        }
    }

    /// Whether shutdown has closed the list (the runtime has shut down).
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Calls `f` with every live task's header, shard by shard, under that shard's lock
    /// and without taking references: `f` must not keep the header, nor lock anything
    /// that a holder of a task's lock might wait for while it takes a shard lock (the
    /// observer's walk only `try_lock`s a task's extras).
    pub(crate) fn inspect(&self, mut f: impl FnMut(&Header)) {
        for shard in self.shards.iter() {
            let shard = shard.0.lock();
            let mut cur = shard.head;
            while let Some(ptr) = cur {
                // SAFETY: linked tasks are alive (the list holds a reference to each), and
                // the links are read under the shard lock.
                let header = unsafe { ptr.as_ref() };
                f(header);
                // SAFETY: as above.
                cur = unsafe { *header.owned_next.get() };
            }
        }
    }

    /// Tasks in the list: the sum of the shards' counts, each read under its lock.
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.0.lock().len).sum()
    }

    /// Calls `f` with every live task, each with a new reference it may keep.
    pub(crate) fn for_each(&self, mut f: impl FnMut(RawTask)) {
        for shard in self.shards.iter() {
            let shard = shard.0.lock();
            let mut cur = shard.head;
            while let Some(ptr) = cur {
                // SAFETY: linked tasks are alive; links are read under the lock.
                let task = unsafe { RawTask::from_raw(ptr) };
                task.ref_inc();
                f(task);
                // SAFETY: `ptr` is linked (alive), and the links are read under the shard lock.
                cur = unsafe { *ptr.as_ref().owned_next.get() };
            }
        }
    }

    /// Registers `waker` to be woken when the list becomes empty. Returns true if it is
    /// empty already.
    pub(crate) fn register_empty_waiter(&self, waker: &Waker) -> bool {
        let mut waiters = self.empty_waiters.lock();
        // Raised before the shards are read: see `shard_emptied`.
        self.watching.store(true, Ordering::Relaxed);
        if self.all_empty() {
            return true;
        }
        if !waiters.iter().any(|w| w.will_wake(waker)) {
            waiters.push(waker.clone());
        }
        false
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::time::Duration;

    /// `run_on` cancels the leftover tasks and waits for the list to be empty through
    /// `register_empty_waiter`. With leftovers in every shard, finishing on both workers
    /// while the waiter registers, the last removal must wake it: every round returns,
    /// with nothing left in the list.
    #[test]
    fn the_wait_for_an_empty_list_is_woken_by_the_last_removal() {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Under Miri, which runs the whole runtime a thousand times slower, a few rounds.
            let (rounds, tasks) = if cfg!(miri) { (2, 20) } else { (50, 200) };
            for round in 0..rounds {
                let rt = crate::Runtime::builder().multi_thread().worker_threads(2).build().unwrap();
                crate::run_on(&rt, async {
                    for i in 0..tasks {
                        drop(crate::spawn(async move {
                            for _ in 0..i % 7 {
                                if crate::yield_now().await.is_err() {
                                    return;
                                }
                            }
                        }));
                    }
                })
                .unwrap();
                assert_eq!(rt.alive_tasks(), 0, "round {round}");
            }
            tx.send(()).unwrap();
        });
        let limit = Duration::from_secs(if cfg!(miri) { 600 } else { 120 });
        rx.recv_timeout(limit).expect("run_on never saw the list empty: a lost wake-up");
    }
}
