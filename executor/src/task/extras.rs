//! Per-task state that most tasks never need: a name, asyncio's cancellation counters,
//! the cancel scope a child inherited, and task-locals. It is allocated on first use and
//! hangs off the header by one atomic pointer.

use super::raw::{Header, RawTask};
use crate::cancel::{Cancelled, ScopeCore};
use parking_lot::Mutex;
use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

pub(crate) struct Extras {
    /// True while a request (`cancel()`) waits to be delivered: the checkpoints' fast test.
    pub(crate) must_cancel: AtomicBool,
    pub(crate) inner: Mutex<Inner>,
    /// How many `Cancelled` values delivered to this task are alive (each holds a
    /// [`DeliveryMark`]); if one still is when the future returns, the task propagated its
    /// cancellation and ended cancelled.
    pub(crate) live_deliveries: AtomicUsize,
    /// The cancel scope the task was spawned inside, inherited from its parent; set at
    /// spawn, before the task is published, and never changed.
    pub(crate) scope: std::sync::OnceLock<Arc<ScopeCore>>,
    /// Set on the task that drives `block_on` (see scheduler/root.rs).
    pub(crate) root: AtomicBool,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) name: Option<Arc<str>>,
    /// asyncio's `cancelling()`: requests not yet undone by `uncancel()`.
    pub(crate) requested: u32,
    pub(crate) message: Option<Arc<str>>,
    /// What the last cancellation delivered was (its kind and scope; the message is
    /// `message`): what the join error reports if the task ends cancelled. Kept as plain
    /// data so that a delivery costs no second allocation.
    /// reports if the task ends cancelled.
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
            must_cancel: AtomicBool::new(false),
            inner: Mutex::new(Inner::default()),
            live_deliveries: AtomicUsize::new(0),
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

    /// asyncio's `Task.cancel`: count the request and mark one pending delivery.
    pub(crate) fn request_cancel(&self, message: Option<Arc<str>>) -> u32 {
        let mut inner = self.inner.lock();
        inner.requested += 1;
        if message.is_some() {
            inner.message = message;
        }
        self.must_cancel.store(true, Ordering::Release);
        inner.requested
    }

    /// asyncio's `Task.uncancel`: undo one request; at zero, a pending delivery is dropped.
    pub(crate) fn uncancel(&self) -> u32 {
        let mut inner = self.inner.lock();
        if inner.requested > 0 {
            inner.requested -= 1;
            if inner.requested == 0 {
                self.must_cancel.store(false, Ordering::Release);
            }
        }
        inner.requested
    }

    pub(crate) fn cancelling(&self) -> u32 {
        self.inner.lock().requested
    }

    /// Takes the pending delivery, if any.
    pub(crate) fn take_delivery(&self, task: RawTask) -> Option<Cancelled> {
        if !self.must_cancel.load(Ordering::Acquire) {
            return None;
        }
        let mut inner = self.inner.lock();
        if !self.must_cancel.swap(false, Ordering::AcqRel) {
            return None;
        }
        let c = Cancelled::requested(inner.message.clone(), Some(DeliveryMark::new(task, self)));
        inner.last_delivery = Some((c.kind(), None));
        Some(c)
    }

    /// Records a scope's delivery to this task; returns the task's token for it.
    pub(crate) fn record_scope_delivery(
        &self,
        task: RawTask,
        make: impl FnOnce(DeliveryMark) -> Cancelled,
    ) -> Cancelled {
        let c = make(DeliveryMark::new(task, self));
        self.inner.lock().last_delivery = Some((c.kind(), c.scope_id()));
        c
    }

    pub(crate) fn take_cancel_before_start(&self, task: RawTask) -> Option<Cancelled> {
        self.take_delivery(task)
    }

    pub(crate) fn delivered_cancellation_alive(&self) -> Option<Cancelled> {
        if self.live_deliveries.load(Ordering::Acquire) > 0 {
            let inner = self.inner.lock();
            let (kind, scope) = inner.last_delivery.unwrap_or((crate::cancel::CancelKind::Requested, None));
            let message =
                if kind == crate::cancel::CancelKind::Requested { inner.message.clone() } else { None };
            Some(Cancelled::reported(kind, message, scope))
        } else {
            None
        }
    }

    pub(crate) fn on_complete(&self, id: super::Id) {
        if let Some(scope) = self.scope.get() {
            scope.forget_task(id);
        }
    }
}

/// Held by every `Cancelled` delivered to a task: while one lives, the task's
/// `live_deliveries` count says so. It keeps a reference to the task (its memory, not
/// its future), so the count can be reached wherever the `Cancelled` is dropped.
pub(crate) struct DeliveryMark(RawTask);

impl DeliveryMark {
    fn new(task: RawTask, extras: &Extras) -> DeliveryMark {
        extras.live_deliveries.fetch_add(1, Ordering::AcqRel);
        task.ref_inc();
        DeliveryMark(task)
    }
}

impl Drop for DeliveryMark {
    fn drop(&mut self) {
        if let Some(e) = self.0.extras() {
            e.live_deliveries.fetch_sub(1, Ordering::AcqRel);
        }
        self.0.ref_dec();
    }
}
