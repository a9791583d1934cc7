//! [`TaskRef`]: a task without its result: identity, name, cancellation.

use super::raw::RawTask;
use super::state::{CANCELLED, COMPLETE, ToNotified};
use std::fmt;
use std::num::NonZeroU64;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A task's id: unique for the life of the process, never reused.
///
/// Ids increase in the order one thread spawns tasks (so a task's children, spawned one
/// after another, have increasing ids, as asyncio's `Task-<n>` numbers do). Tasks spawned
/// on different threads are not ordered by id: each thread takes its ids in blocks of
/// 256 from one process-wide counter, so that spawning on several workers at
/// once does not move that counter's cache line between them at every spawn.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub(crate) NonZeroU64);

/// How many ids a thread takes from the process-wide counter at a time.
const ID_BLOCK: u64 = 256;

impl Id {
    pub(crate) fn next() -> Id {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        thread_local! {
            /// The rest of this thread's block: the next id and the end of the block.
            static BLOCK: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
        }
        let id = BLOCK
            .try_with(|block| {
                let (next, end) = block.get();
                if next < end {
                    block.set((next + 1, end));
                    next
                } else {
                    let start = NEXT.fetch_add(ID_BLOCK, Ordering::Relaxed);
                    block.set((start + 1, start + ID_BLOCK));
                    start
                }
            })
            // A thread whose locals are being destroyed takes one id at a time.
            .unwrap_or_else(|_| NEXT.fetch_add(1, Ordering::Relaxed));
        Id(NonZeroU64::new(id).expect("task ids exhausted"))
    }

    /// The id as a number.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// assert!(weft::spawn(async {}).id().as_u64() > 0);
    /// # });
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A shareable reference to a task, without its result: what
/// [`current_task`](crate::current_task) and [`all_tasks`](crate::all_tasks) return.
/// Cloning it is cheap; it keeps the task's memory, not the task, alive.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let t = weft::spawn_named("sleeper", async {
///     weft::time::sleep(std::time::Duration::from_secs(60)).await
/// });
/// weft::yield_now().await.unwrap();
/// let r = t.task_ref();
/// assert_eq!(r.name().as_deref(), Some("sleeper"));
/// assert!(r.cancel(Some("enough")));
/// assert_eq!(r.cancelling(), 1);
/// assert!(t.await.unwrap_err().is_cancelled());
/// assert!(r.is_finished() && r.is_cancelled());
/// # });
/// ```
pub struct TaskRef {
    raw: RawTask,
}

impl TaskRef {
    /// Takes over one reference the caller holds.
    pub(crate) fn from_raw(raw: RawTask) -> TaskRef {
        TaskRef { raw }
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.raw.id()
    }

    /// The task's name, if it has one.
    pub fn name(&self) -> Option<Arc<str>> {
        self.raw.extras().and_then(|e| e.inner.lock().name.clone())
    }

    /// Gives the task a name (asyncio's `Task.set_name`).
    pub fn set_name(&self, name: &str) {
        self.raw.extras_or_init().inner.lock().name = Some(Arc::from(name));
    }

    /// asyncio's `Task.cancel(msg)`; see [`Task::cancel`](crate::Task::cancel).
    pub fn cancel(&self, message: Option<&str>) -> bool {
        if self.raw.state().is_finishing_or_complete() {
            return false;
        }
        let (_cancelling, found) = crate::cancel::delivery::request(self.raw, message.map(Arc::from));
        // The handshake with a future that is ending right now (cancel/state.rs, "A
        // request that races the end"): if it is, the request counts only if the end took
        // it.
        // A request made while the future is not being polled is one the next poll will
        // find (`mark_at_start`); one made during a poll is ordered after that poll.
        crate::sync::fence_seq_cst();
        match self.raw.state().polling_unless_finishing() {
            None => {
                let started_burst = found == crate::cancel::state::Requested::StartedBurst;
                return self.raw.header().cancel.withdraw(started_burst);
            }
            Some(false) => self.raw.header().cancel.mark_at_start(),
            Some(true) => {}
        }
        #[cfg(feature = "tracing")]
        crate::trace::cancel_requested(self.id().as_u64(), _cancelling, message);
        wake(self.raw);
        true
    }

    /// asyncio's `Task.uncancel()`: undoes one request; returns the remaining count.
    pub fn uncancel(&self) -> u32 {
        let left = self.raw.header().cancel.uncancel();
        #[cfg(feature = "tracing")]
        crate::trace::uncancelled(self.id().as_u64(), left);
        left
    }

    /// CPython's `task.uncancel(); task.cancel()` as `TaskGroup.__aexit__` does it before
    /// raising its error group, when a cancellation from outside is still owed: takes back
    /// one request and owes the task a delivery at its next checkpoint. If nothing else is
    /// pending, that delivery does not make a task that ends before its next checkpoint a
    /// cancelled one: the task ends with what it returns (the group's error, typically),
    /// as asyncio's task ends with the exception it raises. For weft's task groups, which
    /// call it from the task itself (so nothing needs waking).
    #[doc(hidden)]
    pub fn recancel(&self) {
        self.raw.header().cancel.rearm();
    }

    /// asyncio's `Task.cancelling()`.
    pub fn cancelling(&self) -> u32 {
        self.raw.header().cancel.requested()
    }

    /// The hard cancel; see [`Task::abort`](crate::Task::abort). On the task that drives
    /// `block_on`, which cannot be dropped from inside, this is a `cancel(None)`.
    pub fn abort(&self) {
        if crate::scheduler::root::is_root(self.raw) {
            self.cancel(None);
            return;
        }
        if self.raw.state().transition_to_aborted() == ToNotified::Submit {
            self.raw.schedule();
        }
    }

    /// Whether the task has finished.
    pub fn is_finished(&self) -> bool {
        self.raw.state().load().is(COMPLETE)
    }

    /// Whether the task finished cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.raw.state().load().is(COMPLETE | CANCELLED)
    }

    /// Wakes the task (it polls its future again; checkpoints re-check cancellation).
    pub fn wake(&self) {
        wake(self.raw)
    }

    /// Runs `f` with the task's locals slot (the structured crate keeps its task-locals
    /// there). A child task starts with a clone of its parent's slot.
    #[doc(hidden)]
    pub fn with_locals<R>(
        &self,
        f: impl FnOnce(&mut Option<Arc<dyn std::any::Any + Send + Sync>>) -> R,
    ) -> R {
        let extras = self.raw.extras_or_init();
        let mut inner = extras.inner.lock();
        let r = f(&mut inner.locals);
        extras.has_locals.store(inner.locals.is_some(), std::sync::atomic::Ordering::Release);
        r
    }
}

pub(crate) fn wake(raw: RawTask) {
    if raw.state().transition_to_notified_by_ref() == ToNotified::Submit {
        raw.schedule();
    }
}

impl Clone for TaskRef {
    fn clone(&self) -> Self {
        self.raw.ref_inc();
        TaskRef { raw: self.raw }
    }
}

impl Drop for TaskRef {
    fn drop(&mut self) {
        self.raw.ref_dec();
    }
}

impl PartialEq for TaskRef {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Eq for TaskRef {}

impl std::hash::Hash for TaskRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id().hash(state)
    }
}

impl fmt::Debug for TaskRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskRef")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("finished", &self.is_finished())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::Id;

    /// Four threads take ids at once: no id is given twice, and each thread's ids
    /// increase in the order it took them.
    #[test]
    fn ids_are_unique_across_threads_and_increase_within_one() {
        let per_thread = if cfg!(miri) { 600 } else { 5_000 };
        let threads: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(move || (0..per_thread).map(|_| Id::next()).collect::<Vec<_>>()))
            .collect();
        let mut all = Vec::new();
        for t in threads {
            let ids = t.join().unwrap();
            assert!(ids.windows(2).all(|w| w[0] < w[1]), "a thread's ids went down");
            all.extend(ids);
        }
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "an id was given twice");
    }
}
