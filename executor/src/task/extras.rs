//! Per-task state that most tasks never need: a name, the message of `cancel(msg)` and
//! the kind of the last cancellation delivered, the cancel scope a child inherited, and
//! task-locals. It is allocated on first use and hangs off the header by one atomic
//! pointer. (The cancellation counters themselves are in the header: cancel_state.rs.)
//!
//! Also here: the delivery of a cancellation to a task, and the [`DeliveryMark`] that a
//! delivered `Cancelled` holds.

use super::raw::{Header, RawTask};
use crate::cancel::{Cancelled, ScopeCore};
use parking_lot::Mutex;
use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub(crate) struct Extras {
    pub(crate) inner: Mutex<Inner>,
    /// The cancel scope the task was spawned inside, inherited from its parent; set at
    /// spawn, before the task is published, and never changed.
    pub(crate) scope: std::sync::OnceLock<Arc<ScopeCore>>,
    /// Set on the task that drives `block_on` (see scheduler/root.rs).
    pub(crate) root: AtomicBool,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) name: Option<Arc<str>>,
    /// The message of the latest `cancel(msg)` that had one.
    pub(crate) message: Option<Arc<str>>,
    /// What the last cancellation delivered was (its kind and scope; the message is
    /// `message`): what the join error reports if the task ends cancelled. Kept as plain
    /// data so that a delivery costs no second allocation.
    pub(crate) last_delivery: Option<(crate::cancel::CancelKind, Option<u64>)>,
    /// Task-locals (the structured crate's map), copied to children at spawn.
    pub(crate) locals: Option<Arc<dyn Any + Send + Sync>>,
}

impl Extras {
    pub(crate) fn get(header: &Header) -> Option<&Extras> {
        let ptr = header.extras.load(Ordering::Acquire);
        // SAFETY: a non-null pointer was published by get_or_init and lives until the
        // task is freed, which outlives the `&Header` borrow.
        unsafe { ptr.as_ref() }
    }

    pub(crate) fn get_or_init(header: &Header) -> &Extras {
        if let Some(e) = Extras::get(header) {
            return e;
        }
        let fresh = Box::into_raw(Box::new(Extras {
            inner: Mutex::new(Inner::default()),
            scope: std::sync::OnceLock::new(),
            root: AtomicBool::new(false),
        }));
        match header.extras.compare_exchange(std::ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire)
        {
            // SAFETY: we just published `fresh`; it lives as long as the task.
            Ok(_) => unsafe { &*fresh },
            Err(existing) => {
                // SAFETY: `fresh` was never shared; `existing` is published and lives as
                // long as the task.
                unsafe {
                    drop(Box::from_raw(fresh));
                    &*existing
                }
            }
        }
    }

    pub(crate) fn on_complete(&self, id: super::Id) {
        if let Some(scope) = self.scope.get() {
            scope.forget_task(id);
        }
    }
}

/// asyncio's `Task.cancel(msg)`: counts the request and marks one pending delivery (in
/// the header's cancel word, see cancel_state.rs); a message goes to the extras first.
pub(crate) fn request_cancel(task: RawTask, message: Option<Arc<str>>) -> u32 {
    if let Some(m) = message {
        task.extras_or_init().inner.lock().message = Some(m);
    }
    task.header().cancel.request()
}

/// Takes the pending delivery, if any: the `Cancelled` a checkpoint returns.
#[inline]
pub(crate) fn take_delivery(task: RawTask) -> Option<Cancelled> {
    if !task.header().cancel.take_pending() {
        return None;
    }
    // take_pending counted this delivery as live; the mark owns that count.
    let mark = DeliveryMark::adopt(task);
    let Some(extras) = task.extras() else {
        // No extras: no message was ever given and no scope ever delivered.
        return Some(Cancelled::delivered(mark));
    };
    let mut inner = extras.inner.lock();
    inner.last_delivery = Some((crate::cancel::CancelKind::Requested, None));
    Some(Cancelled::requested(inner.message.clone(), Some(mark)))
}

/// Records a scope's delivery to `task`; returns the task's `Cancelled` for it.
pub(crate) fn record_scope_delivery(
    task: RawTask,
    make: impl FnOnce(DeliveryMark) -> Cancelled,
) -> Cancelled {
    let c = make(DeliveryMark::new(task));
    task.extras_or_init().inner.lock().last_delivery = Some((c.kind(), c.scope_id()));
    c
}

/// If a `Cancelled` delivered to `task` is still alive, the cancellation to report for a
/// task that ended by propagating it.
pub(crate) fn delivered_cancellation_alive(task: RawTask) -> Option<Cancelled> {
    if !task.header().cancel.any_live() {
        return None;
    }
    let Some(extras) = task.extras() else {
        return Some(Cancelled::plain(crate::cancel::CancelKind::Requested));
    };
    let inner = extras.inner.lock();
    let (kind, scope) = inner.last_delivery.unwrap_or((crate::cancel::CancelKind::Requested, None));
    let message = if kind == crate::cancel::CancelKind::Requested { inner.message.clone() } else { None };
    Some(Cancelled::reported(kind, message, scope))
}

/// One delivered `Cancelled` alive: one count in the task's cancel word (`live`) and one
/// reference to the task (its memory, not its future), so the count can be reached
/// wherever the `Cancelled` is dropped.
pub(crate) struct DeliveryMark(RawTask);

impl DeliveryMark {
    /// A new live delivery of `task`.
    pub(crate) fn new(task: RawTask) -> DeliveryMark {
        task.header().cancel.add_live();
        DeliveryMark::adopt(task)
    }

    /// A mark for a live count already taken (by `CancelState::take_pending`).
    fn adopt(task: RawTask) -> DeliveryMark {
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
