//! What the current thread is doing: which runtime it is inside, which task it is
//! polling, which cancel scope that poll is inside, and the task's cooperative budget.
//!
//! One `thread_local!` with const initialisation, so every access is a plain TLS read.

use crate::cancel::ScopeCore;
use crate::scheduler;
use crate::task::RawTask;
use std::cell::{Cell, RefCell};
use std::sync::Arc;

pub(crate) const UNCONSTRAINED: u16 = u16::MAX;

struct Context {
    task: Cell<Option<RawTask>>,
    scope: Cell<*const ScopeCore>,
    budget: Cell<u16>,
    handle: RefCell<Option<scheduler::Handle>>,
    /// Set while this thread is a worker of a multi-thread runtime (its worker context),
    /// or runs a current-thread runtime's loop: `(owner, context)`, where `owner` is the
    /// scheduler's shared state. Lets `schedule` push to the local queue without a lock.
    worker: Cell<(*const (), *const ())>,
}

impl Context {
    const fn new() -> Context {
        Context {
            task: Cell::new(None),
            scope: Cell::new(std::ptr::null()),
            budget: Cell::new(UNCONSTRAINED),
            handle: RefCell::new(None),
            worker: Cell::new((std::ptr::null(), std::ptr::null())),
        }
    }
}

#[cfg(not(loom))]
thread_local! {
    static CONTEXT: Context = const { Context::new() };
}

// loom runs its threads as coroutines on one OS thread: a `std` thread-local would be
// shared by all of them. The loom models of a whole runtime (`scheduler/loom_runtime.rs`)
// need each modelled thread to have its own context.
#[cfg(loom)]
loom::thread_local! {
    static CONTEXT: Context = Context::new();
}

/// Restores the previous task, scope and budget when a poll ends (even by panic).
pub(crate) struct TaskGuard {
    task: Option<RawTask>,
    scope: *const ScopeCore,
    budget: u16,
}

pub(crate) fn enter_task(raw: RawTask) -> TaskGuard {
    let scope = raw.extras().and_then(|e| e.scope.get()).map_or(std::ptr::null(), Arc::as_ptr);
    CONTEXT.with(|c| TaskGuard {
        task: c.task.replace(Some(raw)),
        scope: c.scope.replace(scope),
        budget: c.budget.replace(crate::coop::BUDGET),
    })
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|c| {
            c.task.set(self.task);
            c.scope.set(self.scope);
            c.budget.set(self.budget);
        });
    }
}

pub(crate) fn current_task() -> Option<RawTask> {
    CONTEXT.try_with(|c| c.task.get()).ok().flatten()
}

/// The task being polled and the innermost scope of this poll.
///
/// The scope reference is valid for the rest of the current poll: it points into an
/// `Arc` held by the scope future being polled or by the task's extras.
pub(crate) fn task_and_scope<'a>() -> (Option<RawTask>, Option<&'a ScopeCore>) {
    CONTEXT
        .try_with(|c| {
            let scope = c.scope.get();
            // SAFETY: see the doc comment: the pointee outlives the current poll.
            (c.task.get(), unsafe { scope.as_ref() })
        })
        .unwrap_or((None, None))
}

pub(crate) fn current_scope_arc() -> Option<Arc<ScopeCore>> {
    let ptr = CONTEXT.try_with(|c| c.scope.get()).ok()?;
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the pointer came from Arc::as_ptr of an Arc that is alive for this poll;
    // we take a new strong count before making an Arc from it.
    unsafe {
        Arc::increment_strong_count(ptr);
        Some(Arc::from_raw(ptr))
    }
}

pub(crate) struct ScopeGuard {
    prev: *const ScopeCore,
}

pub(crate) fn enter_scope(scope: &Arc<ScopeCore>) -> ScopeGuard {
    CONTEXT.with(|c| ScopeGuard { prev: c.scope.replace(Arc::as_ptr(scope)) })
}

/// Leaves every scope for as long as the guard lives (see `ScopeCore::outside`).
pub(crate) fn leave_scopes() -> ScopeGuard {
    CONTEXT.with(|c| ScopeGuard { prev: c.scope.replace(std::ptr::null()) })
}

impl Drop for ScopeGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|c| c.scope.set(self.prev));
    }
}

pub(crate) fn budget() -> u16 {
    CONTEXT.try_with(|c| c.budget.get()).unwrap_or(UNCONSTRAINED)
}

pub(crate) fn set_budget(b: u16) {
    let _ = CONTEXT.try_with(|c| c.budget.set(b));
}

/// The runtime this thread is inside, if any.
pub(crate) fn handle() -> Option<scheduler::Handle> {
    CONTEXT.try_with(|c| c.handle.borrow().clone()).ok().flatten()
}

pub(crate) fn with_handle<R>(f: impl FnOnce(Option<&scheduler::Handle>) -> R) -> R {
    CONTEXT.with(|c| f(c.handle.borrow().as_ref()))
}

/// Marks the thread as inside a runtime until the guard drops.
pub(crate) struct EnterGuard {
    prev: Option<scheduler::Handle>,
    worker: (*const (), *const ()),
}

/// Enters `handle`'s runtime. `worker` is `(owner, context)` for a thread that runs the
/// scheduler's loop (see [`worker_for`]), or two nulls.
pub(crate) fn enter_runtime(handle: scheduler::Handle, worker: (*const (), *const ())) -> EnterGuard {
    CONTEXT.with(|c| EnterGuard { prev: c.handle.replace(Some(handle)), worker: c.worker.replace(worker) })
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|c| {
            *c.handle.borrow_mut() = self.prev.take();
            c.worker.set(self.worker);
        });
    }
}

/// The loop context this thread registered for the scheduler `owner`, or null.
pub(crate) fn worker_for(owner: *const ()) -> *const () {
    match CONTEXT.try_with(|c| c.worker.get()) {
        Ok((o, cx)) if o == owner && !o.is_null() => cx,
        _ => std::ptr::null(),
    }
}
