//! The root task: the future given to `block_on`, driven by the calling thread.
//!
//! `block_on`'s future is not `'static` and may not be `Send`, so it cannot live in a
//! task cell. Yet inside it, `current_task()`, `cancel()` and every checkpoint must work as
//! in any task (asyncio's `run` makes `main()` a task too). So `block_on` allocates a task
//! whose own future is an empty `Pending`, and uses only its header: the state word, the
//! waker, the extras. The calling thread plays the scheduler: a wake submits the root's
//! queue entry to a hook (the current-thread run queue, or the `block_on` thread's signal),
//! and `block_on` polls its future with the root's waker and context each time that entry
//! comes up, running transitions (1) and (2) itself.

use crate::context;
use crate::task::{Header, Id, Notified, RawTask, Schedule, waker};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

pub(crate) type Hook = Arc<dyn Fn(Notified) + Send + Sync>;

pub(crate) struct RootSchedule(Hook);

impl Schedule for RootSchedule {
    fn schedule(&self, task: Notified) {
        (self.0)(task)
    }
    fn release(&self, _task: &Header) -> bool {
        false
    }
}

pub(crate) struct Root {
    raw: RawTask,
    /// The poll's reference is held while `poll` runs (for an unwinding panic).
    polling: bool,
}

pub(crate) fn is_root(raw: RawTask) -> bool {
    raw.extras().is_some_and(|e| e.root.load(Ordering::Relaxed))
}

impl Root {
    /// The root and its first queue entry.
    pub(crate) fn new(hook: Hook) -> (Root, Notified) {
        let raw = RawTask::new(std::future::pending::<()>(), RootSchedule(hook), Id::next());
        raw.extras_or_init().root.store(true, Ordering::Relaxed);
        // SAFETY: a new task's first reference and NOTIFIED bit belong to its first entry.
        (Root { raw, polling: false }, unsafe { Notified::from_raw(raw) })
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }

    /// Polls `future` as the root task, consuming the queue entry `entry`.
    pub(crate) fn poll<F: Future>(&mut self, future: Pin<&mut F>, entry: Notified) -> Poll<F::Output> {
        debug_assert_eq!(entry.raw(), self.raw);
        let raw = entry.into_raw();
        match raw.state().transition_to_running() {
            crate::task::state::ToRunning::Poll { .. } => {}
            crate::task::state::ToRunning::Skip { .. } => return Poll::Pending,
        }
        self.polling = true;
        let waker = waker::waker_ref(raw);
        let mut cx = Context::from_waker(&waker);
        let guard = context::enter_task(raw);
        let polled = future.poll(&mut cx);
        drop(guard);
        self.polling = false;
        match polled {
            Poll::Ready(v) => {
                // SAFETY: the root's cell holds a `Pending<()>` and a `RootSchedule` (`new`);
                // RUNNING is ours and nothing else drops its future.
                unsafe { crate::task::complete_root::<std::future::Pending<()>, RootSchedule>(raw) };
                if let Some(e) = raw.extras() {
                    e.on_complete(raw.id());
                }
                raw.ref_dec();
                Poll::Ready(v)
            }
            Poll::Pending => {
                match raw.state().transition_to_idle() {
                    crate::task::state::ToIdle::Idle => {}
                    crate::task::state::ToIdle::Notified => raw.schedule(),
                    // abort() on the root is turned into cancel() (task_ref.rs).
                    crate::task::state::ToIdle::Aborted => unreachable!("the root task cannot be aborted"),
                }
                Poll::Pending
            }
        }
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        // Two of the three references a task starts with (the root has no handle and is
        // in no owned list: `block_on` holds them), and the poll's if a panic unwound
        // out of `poll`.
        if self.raw.state().ref_dec_n(2 + self.polling as usize) {
            self.raw.dealloc();
        }
    }
}
