//! From a request to the `Cancelled` a checkpoint returns, and the marks that let the
//! rule of [`outcome`](super::outcome) see where a delivered `Cancelled` went.
//!
//! ```text
//!   Task::cancel(msg) ──request()──▶ state word: requested += 1, PENDING        (state.rs)
//!                                     record: message = msg                     (this file)
//!                                     wake the task
//!   checkpoint: check() ──take()───▶ PENDING cleared, live += 1 in one CAS      (state.rs)
//!                                     Cancelled { mark }                        (cancelled.rs)
//!   the Cancelled is dropped ───────▶ live -= 1                                 (DeliveryMark)
//!   the task's future returns ──────▶ outcome::task_verdict: PENDING? live?     (outcome.rs)
//! ```
//!
//! A [`DeliveryMark`] is what makes a `Cancelled` a *delivery*: one count in the task's
//! `live` field and one reference to the task's memory (not its future), so that the count
//! can be reached wherever the `Cancelled` ends up being dropped. Every `Cancelled` a weft
//! API hands to a task carries one: the checkpoint's, a cancel scope's, the one a join of a
//! cancelled task re-delivers to the joiner ([`Cancelled::redeliver`]), and one made by
//! hand inside a task.

use super::state::Requested;
use super::{CancelKind, Cancelled};
use crate::task::RawTask;
use std::sync::{Arc, Weak};

/// What a task remembers about its cancellations besides the counters of the state word:
/// kept in the task's extras (allocated on first use), because most tasks never need it.
#[derive(Default)]
pub(crate) struct Record {
    /// The message the pending delivery will carry.
    pending_message: Option<Arc<str>>,
    /// What the last delivery was: what a join reports for a task that ended by
    /// propagating it, and what [`again`] delivers anew.
    last: Option<Last>,
}

#[derive(Clone)]
struct Last {
    kind: CancelKind,
    message: Option<Arc<str>>,
    /// The delivering scope's id and token (weak: the record must not make the scope
    /// believe its cancellation is still alive).
    scope: Option<(u64, Weak<()>)>,
}

/// asyncio's `Task.cancel(msg)`: counts the request, marks one pending delivery (in the
/// state word, see state.rs) and remembers the message. Returns the new count and
/// what the request found (`Requested::StartedBurst` if nothing was pending).
///
/// Which message a burst of requests delivers is asyncio's. If the first request finds the
/// task waiting in a checkpoint, it cancels that wait, and its message (or its lack of one)
/// is what the task sees, whatever later requests say (the state word's `FIRST_WINS`); if
/// it finds the task ready to run (queued, running, or not started), the last request's
/// message wins, as asyncio's `_must_cancel` with `_cancel_message` does.
pub(crate) fn request(task: RawTask, message: Option<Arc<str>>) -> (u32, Requested) {
    let waiting = waiting_in_checkpoint(task);
    // A task that cancels itself while it runs: see state.rs, "A request that races the
    // end".
    let by_itself = crate::context::current_task().is_some_and(|t| t == task);
    let extras = match message {
        Some(_) => Some(task.extras_or_init()),
        None => task.extras(),
    };
    let Some(extras) = extras else {
        // No message now or ever before: the state word is all there is.
        return task.header().cancel.request_by(waiting, by_itself);
    };
    // The record's lock is held across the state word's update, so that `take` (which
    // takes the same lock) sees one burst's flag and message together.
    let mut inner = extras.inner.lock();
    let (count, was) = task.header().cancel.request_by(waiting, by_itself);
    if was != Requested::FirstWins {
        inner.cancel.pending_message = message;
    }
    (count, was)
}

/// The task is suspended (started, not running, not queued, not finished): it waits in a
/// checkpoint, which a request cancels.
fn waiting_in_checkpoint(task: RawTask) -> bool {
    use crate::task::state::{COMPLETE, NOTIFIED, RUNNING, STARTED};
    let s = task.state().load();
    s.is(STARTED) && !s.is(RUNNING) && !s.is(NOTIFIED) && !s.is(COMPLETE)
}

/// Takes the pending delivery, if any: the `Cancelled` a checkpoint returns.
#[inline]
pub(crate) fn take(task: RawTask) -> Option<Cancelled> {
    let Some(extras) = task.extras() else {
        if !task.header().cancel.take_pending() {
            return None;
        }
        // take_pending counted this delivery as live; the mark owns that count.
        let mark = DeliveryMark::adopt(task);
        // A request with a message publishes the extras before it sets PENDING: if they
        // appeared meanwhile, the message is there.
        return Some(match task.extras() {
            None => Cancelled::delivered(mark),
            Some(extras) => deliver(&mut extras.inner.lock().cancel, mark),
        });
    };
    let mut inner = extras.inner.lock();
    if !task.header().cancel.take_pending() {
        return None;
    }
    Some(deliver(&mut inner.cancel, DeliveryMark::adopt(task)))
}

/// The harness's take of a request pending as the task's future ends (see
/// `CancelState::take_at_end`): the `Cancelled` for it.
pub(crate) fn take_at_end(task: RawTask) -> Option<Cancelled> {
    let extras = task.extras();
    let _record = extras.map(|e| e.inner.lock());
    if !task.header().cancel.take_at_end() {
        return None;
    }
    let mark = DeliveryMark::adopt(task);
    Some(match _record {
        Some(mut inner) => deliver(&mut inner.cancel, mark),
        None => match task.extras() {
            None => Cancelled::delivered(mark),
            Some(extras) => deliver(&mut extras.inner.lock().cancel, mark),
        },
    })
}

fn deliver(record: &mut Record, mark: DeliveryMark) -> Cancelled {
    let message = record.pending_message.take();
    record.last = Some(Last { kind: CancelKind::Requested, message: message.clone(), scope: None });
    Cancelled::requested(message, Some(mark))
}

/// Records a scope's delivery to `task`; returns the task's `Cancelled` for it.
pub(crate) fn record_scope(task: RawTask, make: impl FnOnce(DeliveryMark) -> Cancelled) -> Cancelled {
    let c = make(DeliveryMark::new(task));
    #[cfg(feature = "tracing")]
    crate::trace::cancel_delivered(task.id().as_u64(), c.kind(), c.message());
    let scope = c.scope_token().map(|(id, token)| (id, Arc::downgrade(token)));
    task.extras_or_init().inner.lock().cancel.last = Some(Last { kind: c.kind(), message: None, scope });
    c
}

fn last(task: RawTask) -> Option<Last> {
    task.extras().and_then(|e| e.inner.lock().cancel.last.clone())
}

/// The cancellation to report for a task that ended by propagating a delivery: the last
/// delivery's kind, message and scope id, without a mark.
pub(crate) fn report(task: RawTask) -> Cancelled {
    match last(task) {
        Some(l) => Cancelled::reported(l.kind, l.message, l.scope.map(|(id, _)| id)),
        None => Cancelled::plain(CancelKind::Requested),
    }
}

/// The last delivery, delivered to `task` once more: what a block that propagated a
/// cancellation hands on after dropping the error that carried it (see outcome.rs). A
/// scope's delivery keeps counting for the scope while its scope lives.
pub(crate) fn again(task: RawTask) -> Cancelled {
    let mark = DeliveryMark::new(task);
    match last(task) {
        None => Cancelled::delivered(mark),
        Some(l) => {
            let scope = l.scope.and_then(|(id, token)| Some((id, token.upgrade()?)));
            Cancelled::remade(l.kind, l.message, scope, mark)
        }
    }
}

/// `cancelled`, a cancellation from elsewhere (another task's result), delivered to the
/// current task (see `Cancelled::redeliver`). Outside a task it is returned as it is.
pub(crate) fn redeliver(cancelled: Cancelled) -> Cancelled {
    let Some(task) = crate::context::current_task() else {
        return cancelled;
    };
    let last = Last {
        kind: cancelled.kind(),
        message: cancelled.message().map(Arc::from),
        scope: cancelled.scope_token().map(|(id, token)| (id, Arc::downgrade(token))),
    };
    // A plain request needs no record; anything else is remembered for a later report.
    let plain = last.kind == CancelKind::Requested && last.message.is_none() && last.scope.is_none();
    let extras = if plain { task.extras() } else { Some(task.extras_or_init()) };
    if let Some(extras) = extras {
        extras.inner.lock().cancel.last = Some(last.clone());
    }
    let scope = last.scope.and_then(|(id, token)| Some((id, token.upgrade()?)));
    Cancelled::remade(last.kind, last.message, scope, DeliveryMark::new(task))
}

/// One delivered `Cancelled` alive: one count in the task's cancel word (`live`) and one
/// reference to the task (its memory, not its future), so the count can be reached
/// wherever the `Cancelled` is dropped.
pub(crate) struct DeliveryMark(RawTask);

impl DeliveryMark {
    /// A new live delivery of `task`.
    pub(crate) fn new(task: RawTask) -> DeliveryMark {
        task.header().cancel.add_live();
        task.ref_inc();
        DeliveryMark(task)
    }

    /// A mark for a live count already taken (by `CancelState::take_pending`): a
    /// pending request delivered.
    fn adopt(task: RawTask) -> DeliveryMark {
        #[cfg(feature = "tracing")]
        crate::trace::cancel_delivered(task.id().as_u64(), CancelKind::Requested, None);
        task.ref_inc();
        DeliveryMark(task)
    }

    /// Gives up the mark without dropping its count and reference (a tagged `Cancelled`
    /// holds them now).
    pub(crate) fn into_raw(self) -> RawTask {
        let task = self.0;
        std::mem::forget(self);
        task
    }

    /// # Safety
    /// `task` must come with one live count and one reference that nothing else will
    /// drop (those of a mark given up with [`DeliveryMark::into_raw`]).
    pub(crate) unsafe fn from_raw(task: RawTask) -> DeliveryMark {
        DeliveryMark(task)
    }
}

impl Drop for DeliveryMark {
    fn drop(&mut self) {
        self.0.header().cancel.drop_live();
        self.0.ref_dec();
    }
}
