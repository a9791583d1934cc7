//! Per-task state that most tasks never need: a name, what the cancellation core
//! remembers beyond its counters (`cancel::delivery::Record`: the pending message, the
//! last delivery), the cancel scope a child inherited, and task-locals. It is allocated on
//! first use and hangs off the header by one atomic pointer. (The cancellation counters
//! themselves are in the header's cancel word: `cancel/state.rs`.)

use super::raw::Header;
use crate::cancel::ScopeCore;
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
    /// Whether `inner.locals` is `Some`, kept beside it under the lock: a spawn reads it
    /// to copy the parent's locals, and most parents have none, so most spawns need not
    /// take the parent's lock (two atomic read-modify-writes per spawn).
    pub(crate) has_locals: AtomicBool,
    /// What debug mode records (spawn location, parent, what the task waits on); set at
    /// spawn, before the task is published, only in debug mode.
    pub(crate) observe: std::sync::OnceLock<crate::observe::TaskRecord>,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) name: Option<Arc<str>>,
    /// The cancellation core's record of this task (owned by `cancel/delivery.rs`).
    pub(crate) cancel: crate::cancel::delivery::Record,
    /// Task-locals (the structured crate's map), copied to children at spawn.
    pub(crate) locals: Option<Arc<dyn Any + Send + Sync>>,
}

impl Extras {
    #[inline]
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
            has_locals: AtomicBool::new(false),
            observe: std::sync::OnceLock::new(),
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

    /// A copy of the task's locals, for a child it spawns.
    #[inline]
    pub(crate) fn locals(&self) -> Option<Arc<dyn Any + Send + Sync>> {
        if !self.has_locals.load(Ordering::Acquire) {
            return None;
        }
        self.inner.lock().locals.clone()
    }

    /// Sets the task's locals (under `inner`'s lock, held by the caller as `inner`).
    pub(crate) fn set_locals(&self, inner: &mut Inner, locals: Option<Arc<dyn Any + Send + Sync>>) {
        self.has_locals.store(locals.is_some(), Ordering::Release);
        inner.locals = locals;
    }

    pub(crate) fn on_complete(&self, id: super::Id) {
        if let Some(scope) = self.scope.get() {
            scope.forget_task(id);
        }
    }
}
