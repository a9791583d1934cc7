//! Per-task state that most tasks never need: a name, what the cancellation core
//! remembers beyond its counters (`cancel::delivery::Record`: the pending message, the
//! last delivery), the cancel scope a child inherited, and task-locals. It is allocated on
//! first use and hangs off the header by one atomic pointer. (The cancellation counters
//! themselves are in the header's cancel word: `cancel/state.rs`.)
//!
//! # The id word
//!
//! The header's word for the extras holds the task's [`Id`] until the extras exist, so
//! that a plain task pays one word for both:
//!
//! | word                   | meaning                                                 |
//! |------------------------|---------------------------------------------------------|
//! | `id << 1 \| 1` (odd)   | no extras yet; the task's id is `word >> 1`             |
//! | a pointer (even)       | the task's [`Extras`], which hold the id                |
//!
//! The word changes once, from the id to the pointer, by a compare-and-swap in
//! [`Extras::get_or_init`]; the pointer is never null (an `Extras` is aligned to at least
//! 2). An id too large for the odd form (only possible where a pointer has fewer than 64
//! bits) gets its extras at spawn, so the id always has a home.

use super::raw::Header;
use crate::cancel::ScopeCore;
use parking_lot::Mutex;
use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

use super::Id;

/// The header's id-or-extras word (see the module docs for its two forms).
pub(crate) struct IdWord(AtomicPtr<Extras>);

impl IdWord {
    /// The word for a new task.
    pub(crate) fn new(id: Id) -> IdWord {
        let word = match usize::try_from(id.as_u64()) {
            Ok(id) if id <= usize::MAX >> 1 => std::ptr::without_provenance_mut((id << 1) | 1),
            // Too large for the odd form: the extras hold the id from the start.
            _ => Box::into_raw(Box::new(Extras::new(id))),
        };
        IdWord(AtomicPtr::new(word))
    }

    /// The task's id.
    #[inline]
    pub(crate) fn id(&self) -> Id {
        let word = self.0.load(Ordering::Acquire);
        if word.addr() & 1 == 1 {
            Id(std::num::NonZeroU64::new((word.addr() >> 1) as u64).expect("ids start at 1"))
        } else {
            // SAFETY: an even word is the extras pointer, published by `get_or_init` (or
            // set at spawn), which lives until the task is freed, after this `&self`.
            unsafe { (*word).id }
        }
    }

    /// The extras, if the task has them.
    #[inline]
    fn extras(&self) -> Option<&Extras> {
        let word = self.0.load(Ordering::Acquire);
        // SAFETY: as in `id`: an even word is a live extras pointer.
        (word.addr() & 1 == 0).then(|| unsafe { &*word })
    }

    /// The extras pointer, for the cell's destructor to free (`None` if there are none).
    pub(crate) fn take_extras(&mut self) -> Option<Box<Extras>> {
        let word = *self.0.get_mut();
        // SAFETY: an even word came from `Box::into_raw` (`new` or `get_or_init`), and
        // the destructor that calls this is its only owner now.
        (word.addr() & 1 == 0).then(|| unsafe { Box::from_raw(word) })
    }
}

pub(crate) struct Extras {
    /// The task's id, moved here from the header's word when the extras were made.
    pub(crate) id: Id,
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
    fn new(id: Id) -> Extras {
        Extras {
            id,
            inner: Mutex::new(Inner::default()),
            scope: std::sync::OnceLock::new(),
            root: AtomicBool::new(false),
            has_locals: AtomicBool::new(false),
            observe: std::sync::OnceLock::new(),
        }
    }

    #[inline]
    pub(crate) fn get(header: &Header) -> Option<&Extras> {
        header.id_word.extras()
    }

    pub(crate) fn get_or_init(header: &Header) -> &Extras {
        let word = &header.id_word.0;
        let current = word.load(Ordering::Acquire);
        if current.addr() & 1 == 0 {
            // SAFETY: an even word is a live extras pointer (see `IdWord::id`).
            return unsafe { &*current };
        }
        let fresh = Box::into_raw(Box::new(Extras::new(header.id_word.id())));
        // The word changes only once, so failing means another thread made the extras.
        match word.compare_exchange(current, fresh, Ordering::AcqRel, Ordering::Acquire) {
            // SAFETY: we just published `fresh`; it lives as long as the task.
            Ok(_) => unsafe { &*fresh },
            Err(existing) => {
                // SAFETY: `fresh` was never shared; `existing` is even (the only change
                // of the word is to a pointer), published, and lives as long as the task.
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
