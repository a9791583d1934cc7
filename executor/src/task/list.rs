//! The owned-task list: every live task of a runtime, so that shutdown can drop every
//! future and `all_tasks()` can enumerate them.
//!
//! It is an intrusive doubly-linked list (the links live in each task's header), split
//! into shards by task id so that spawns on different workers rarely share a lock. The list
//! holds one reference to each task it links; [`OwnedTasks::remove`] and shutdown hand
//! that reference back.

use super::raw::{Header, RawTask};
use parking_lot::Mutex;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Waker;

const SHARDS: usize = 32;

struct Shard {
    head: Option<NonNull<Header>>,
    closed: bool,
}

// SAFETY: the shard only holds task pointers, which are Send (RawTask's argument).
unsafe impl Send for Shard {}

/// Every task of one runtime.
pub(crate) struct OwnedTasks {
    shards: Box<[Mutex<Shard>]>,
    len: AtomicUsize,
    closed: AtomicBool,
    empty_waiters: Mutex<Vec<Waker>>,
}

/// The runtime is shutting down and takes no new tasks.
#[derive(Debug)]
pub(crate) struct Closed;

impl OwnedTasks {
    pub(crate) fn new() -> OwnedTasks {
        OwnedTasks {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard { head: None, closed: false })).collect(),
            len: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            empty_waiters: Mutex::new(Vec::new()),
        }
    }

    fn shard(&self, header: &Header) -> &Mutex<Shard> {
        &self.shards[header.id.0.get() as usize % SHARDS]
    }

    /// Links a new task, taking over its list reference.
    pub(crate) fn bind(&self, task: RawTask) -> Result<(), Closed> {
        let header = task.header();
        let mut shard = self.shard(header).lock();
        if shard.closed {
            return Err(Closed);
        }
        self.len.fetch_add(1, Ordering::Relaxed);
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
        drop(shard);
        if self.len.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.wake_empty_waiters();
        }
        true
    }

    fn pop(&self, shard: &Mutex<Shard>) -> Option<RawTask> {
        let mut shard = shard.lock();
        let head = shard.head?;
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
            shard.lock().closed = true;
        }
        for shard in self.shards.iter() {
            while let Some(task) = self.pop(shard) {
                if self.len.fetch_sub(1, Ordering::AcqRel) == 1 {
                    self.wake_empty_waiters();
                }
                task.shutdown();
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Calls `f` with every live task, each with a new reference it may keep.
    pub(crate) fn for_each(&self, mut f: impl FnMut(RawTask)) {
        for shard in self.shards.iter() {
            let shard = shard.lock();
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
        if self.len() == 0 {
            return true;
        }
        if !waiters.iter().any(|w| w.will_wake(waker)) {
            waiters.push(waker.clone());
        }
        false
    }

    fn wake_empty_waiters(&self) {
        let waiters = std::mem::take(&mut *self.empty_waiters.lock());
        for w in waiters {
            w.wake();
        }
    }
}
