//! Tasks: one allocation each, a state word, wakers that point straight at them.
//!
//! # Life cycle
//!
//! ```text
//!                 spawn
//!                   │  (refs: owned list, queue entry, Task handle)
//!                   ▼
//!   ┌────────► NOTIFIED ──(1) transition_to_running──► RUNNING ──(3) complete──► COMPLETE
//!   │          (queued)                                 │   ▲                    (output stored,
//!   │              ▲                                    │   │                     list released,
//!   │              │ (4) wake: transition_to_notified   │   │ (4) wake while      handle woken)
//!   │              │                                    │   │     running: sets
//!   │            IDLE ◄──(2) transition_to_idle─────────┘   │     NOTIFIED only
//!   │                                                       │
//!   └──(2) transition_to_idle finds NOTIFIED: re-submit ────┘
//!
//!   (5) abort():    sets ABORTED, submits an idle task; its next (1) drops the future.
//!   (6) shutdown:   claims a task that is not running (idle or queued), sets RUNNING,
//!                   and drops its future in place.
//! ```
//!
//! | transition | function | file |
//! |---|---|---|
//! | (1) | `State::transition_to_running`, called by `harness::poll` | state.rs, harness.rs |
//! | (2) | `State::transition_to_idle`, in `harness::poll_future` | state.rs, harness.rs |
//! | (3) | `State::transition_to_complete`, in `harness::complete` | state.rs, harness.rs |
//! | (4) | `State::transition_to_notified_by_{ref,val}`, from the waker | state.rs, waker.rs |
//! | (5) | `State::transition_to_aborted`, from `Task::abort` | state.rs, task_ref.rs |
//! | (6) | `State::transition_to_shutdown`, from `OwnedTasks::close_and_shutdown_all` | state.rs, list.rs |
//!
//! The bits of the state word and the reference-count rules are tabulated in
//! `state.rs`; the memory layout is drawn in `raw.rs`.

pub(crate) mod extras;
mod harness;
mod join;
mod list;
#[cfg(all(test, loom))]
mod loom_state;
mod raw;
mod stage;
pub(crate) mod state;
mod task_ref;
pub(crate) mod waker;

pub use join::{JoinError, Panicked, Task};
pub use task_ref::{Id, TaskRef};

pub(crate) use harness::complete_root;
pub(crate) use list::OwnedTasks;
pub(crate) use raw::{Header, Notified, RawTask};

use crate::error::SpawnError;
use std::future::Future;
use std::sync::Arc;

/// What a task needs from its scheduler.
pub(crate) trait Schedule: Send + Sync + 'static {
    /// Submits a task that was woken.
    fn schedule(&self, task: Notified);
    /// Re-submits a task that woke itself while it ran: it yields, so it goes to the back
    /// of the queue.
    fn yield_now(&self, task: Notified) {
        self.schedule(task)
    }
    /// The task finished: unlink it from the owned list. True if it was linked.
    fn release(&self, task: &Header) -> bool;
}

/// For a future that is its task's whole future (weft's group child): asks for `hook`
/// to be called on this thread once the task has completed, from the poll that ends it
/// or from the future's destructor when the task ends without finishing it (cancelled
/// before its first poll, aborted, shut down). The task's result is stored and says
/// finished, and the task has left the runtime's list, by the time `hook` runs; whoever
/// awaits the task is woken after it. So a group that learns of its child's end from
/// `hook` never finds the child's handle still running. `hook` is a plain function: what
/// it needs, the caller keeps in a thread-local of its own. A future dropped outside any
/// task (a spawn that failed) has its caller run `hook` itself. Returns false, and
/// stores nothing, on a thread that is exiting (its thread-locals are being destroyed):
/// the caller then does at once what `hook` would have done.
#[doc(hidden)]
pub fn after_complete(hook: fn()) -> bool {
    crate::context::set_after_complete(hook)
}

/// A spawn that failed, with the future it was given, not yet dropped: the caller decides
/// where its destructor runs (a task group spawns under its lock, and drops a rejected
/// child only once the lock is released). Converting it into the [`SpawnError`] drops the
/// future, and a panic of its destructor with it, as a failed spawn always has.
pub(crate) struct Rejected<F> {
    pub(crate) error: SpawnError,
    pub(crate) future: F,
}

impl<F> Rejected<F> {
    #[cfg(feature = "tracing")]
    pub(crate) fn map<G>(self, f: impl FnOnce(F) -> G) -> Rejected<G> {
        Rejected { error: self.error, future: f(self.future) }
    }
}

impl<F> From<Rejected<F>> for SpawnError {
    fn from(r: Rejected<F>) -> SpawnError {
        let future = r.future;
        // The task that would have caught the panic was never made.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(future)));
        r.error
    }
}

/// Creates a task, gives it what it inherits from the spawning task (the cancel scope
/// it is spawned inside, its task-locals) and a name, and links it into `owned`.
/// Returns the handle and the first queue entry for the caller to submit, or the future
/// back if the list is closed (the runtime is shutting down).
pub(crate) fn spawn_into<F, S>(
    owned: &OwnedTasks,
    future: F,
    scheduler: S,
    name: Option<Arc<str>>,
    record: Option<crate::observe::TaskRecord>,
) -> Result<(Task<F::Output>, Notified), Rejected<F>>
where
    F: Future,
    S: Schedule,
{
    let raw = RawTask::new(future, scheduler, Id::next());
    let scope = crate::context::current_scope_arc();
    let locals = crate::context::current_task().and_then(|t| t.extras()?.locals());
    if let Some(record) = record {
        // Debug mode or the timeline (observe/): set before the task is published.
        let _ = raw.extras_or_init().observe.set(record);
    }
    if name.is_some() || scope.is_some() || locals.is_some() {
        let extras = raw.extras_or_init();
        let mut inner = extras.inner.lock();
        inner.name = name;
        extras.set_locals(&mut inner, locals);
        if let Some(scope) = &scope {
            let _ = extras.scope.set(scope.clone());
        }
    }
    // SAFETY: the new task's first reference and NOTIFIED bit are this entry's.
    let notified = unsafe { Notified::from_raw(raw) };
    let task = Task::from_raw(raw);
    if owned.bind(raw).is_err() {
        // SAFETY: the cell was made above for `F` and `S`; it is in no list or queue and
        // no other thread has seen it, and it was never polled (its future never pinned).
        // The list's reference completes the emptied task.
        let future = unsafe { harness::reject_unpolled::<F, S>(raw) };
        drop(notified);
        drop(task);
        return Err(Rejected { error: SpawnError::Shutdown, future });
    }
    if let Some(scope) = scope {
        scope.register_task(raw.id(), waker::waker(raw));
    }
    Ok((task, notified))
}
