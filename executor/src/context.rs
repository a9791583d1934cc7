//! What the current thread is doing: which runtime it is inside, which task it is
//! polling, which cancel scope that poll is inside, and the task's cooperative budget.
//!
//! # Why a thread-local
//!
//! A future is polled with a [`Context`](std::task::Context) that carries only a waker.
//! Everything else a weft future needs to know, it has to find out from where it runs:
//! `weft::spawn` needs the runtime to spawn onto, `cancel::check()` the task and the
//! scope it is in, a `Sleep` the driver of its runtime, the coop budget how many polls
//! are left in this task's turn. Passing these down through every `poll` is impossible
//! (the signature is the standard library's), so they live here, in one thread-local
//! that the scheduler fills in before it polls and restores after. tokio, smol and
//! asyncio (its "running loop" and `current_task`) do the same.
//!
//! # What it holds, and who sets it
//!
//! ```text
//!   field    set by                                   read by
//!   handle   enter_runtime (block_on, each worker,    spawn, sleep, I/O registration,
//!            shutdown), restored by EnterGuard        Handle::current
//!   worker   enter_runtime, with the handle           schedule: push to this worker's
//!                                                     own queue without a lock
//!   task     enter_task (the harness, around a poll)  current_task, cancel::check
//!   scope    enter_task (the task's own scope), then  cancel::check, spawn (a child
//!            enter_scope / leave_scopes (scope and    inherits the scope it is
//!            shield futures, around their body)       spawned in)
//!   budget   enter_task (a fresh BUDGET per poll)     coop::poll_proceed
//! ```
//!
//! Every setter returns a guard that puts the previous value back when it drops, so the
//! values nest: a scope inside a scope, a shield's body outside every scope inside a
//! scope, a runtime dropped on a thread that is inside another (its shutdown enters it to
//! drop its tasks, then gives the thread back). The guards restore on unwinding too,
//! so a panicking poll (which the harness catches) leaves the thread as it found it.
//!
//! # The pointers
//!
//! `scope` and `worker` are raw pointers, not `Arc`s: setting them happens around every
//! poll, and an `Arc` clone there would be two atomic operations per poll for nothing.
//! They are only valid while whoever set them is on the stack: the scope pointer points
//! into an `Arc<ScopeCore>` held by the scope future being polled (or by the task's
//! extras), which outlives the poll; the worker pointer into the worker's stack frame,
//! which outlives the worker loop. So a reference made from one ([`task_and_scope`],
//! [`worker_for`]) must not outlive the current poll, and [`current_scope_arc`] takes a
//! strong count before it builds an `Arc` to keep.
//!
//! `worker` is a pair `(owner, context)`: the scheduler's shared state and its
//! per-thread context. A wake asks "am I on a worker *of this runtime*?" by comparing
//! `owner`, because a thread can be a worker of one runtime and call into another
//! (`block_on` of a second runtime inside a task is refused, but a waker of runtime B
//! can be woken on a worker of runtime A): such a wake must go through B's injector.
//!
//! One `thread_local!` with const initialisation, so every access is a plain TLS read.
//! Accesses use `try_with` where they may run while the thread is being torn down (a
//! guard dropped by a thread-local destructor), and then behave as if outside a runtime.

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
    /// Said by the future being polled, in the poll that ends its task
    /// (`cancel::outcome::returns_value`): its output is a value, whatever else is
    /// alive. Cleared when the poll's guard drops.
    ends_with_value: Cell<bool>,
    /// Set while a task's future is polled or dropped (`task::after_complete`): called
    /// once that task has completed, before its handle is woken.
    after_complete: Cell<Option<fn()>>,
    /// The index of the worker this thread is, for the time driver's choice of wheel
    /// (`time/driver.rs`): `usize::MAX` on any other thread. Only a hint: any value names
    /// a valid wheel.
    timer_shard: Cell<usize>,
}

impl Context {
    const fn new() -> Context {
        Context {
            task: Cell::new(None),
            scope: Cell::new(std::ptr::null()),
            budget: Cell::new(UNCONSTRAINED),
            handle: RefCell::new(None),
            worker: Cell::new((std::ptr::null(), std::ptr::null())),
            ends_with_value: Cell::new(false),
            after_complete: Cell::new(None),
            timer_shard: Cell::new(usize::MAX),
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

/// Makes `raw` the task being polled, in its own scope (the one it was spawned in, kept
/// in its extras), with a fresh coop budget; the harness calls it around every poll.
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
            c.ends_with_value.set(false);
        });
    }
}

/// The future being polled says that its task's output is a value
/// (`cancel::outcome::returns_value`); nothing outside a task's poll.
pub(crate) fn set_ends_with_value() {
    let _ = CONTEXT.try_with(|c| {
        if c.task.get().is_some() {
            c.ends_with_value.set(true);
        }
    });
}

/// Asks for `hook` to be called once the task whose future is being polled or dropped
/// on this thread has completed (`task::after_complete`). An earlier hook still waiting
/// is called now, so that none is lost. False if the thread's context is gone (the
/// thread is exiting): the hook was not stored.
pub(crate) fn set_after_complete(hook: fn()) -> bool {
    match CONTEXT.try_with(|c| c.after_complete.replace(Some(hook))) {
        Ok(earlier) => {
            if let Some(earlier) = earlier {
                earlier();
            }
            true
        }
        Err(_) => false,
    }
}

/// The hook of [`set_after_complete`], taken (the harness, as a task completes).
#[inline]
pub(crate) fn take_after_complete() -> Option<fn()> {
    CONTEXT.try_with(|c| c.after_complete.take()).ok().flatten()
}

/// Whether the future being polled said that its output is a value.
pub(crate) fn ends_with_value() -> bool {
    CONTEXT.try_with(|c| c.ends_with_value.get()).unwrap_or(false)
}

/// The task this thread is polling, if any (`None` between polls, on a blocking thread,
/// or outside a runtime; `block_on`'s future is polled as a task too, its root).
#[inline]
pub(crate) fn current_task() -> Option<RawTask> {
    CONTEXT.try_with(|c| c.task.get()).ok().flatten()
}

/// The task being polled and the innermost scope of this poll.
///
/// The scope reference is valid for the rest of the current poll: it points into an
/// `Arc` held by the scope future being polled or by the task's extras.
#[inline]
pub(crate) fn task_and_scope<'a>() -> (Option<RawTask>, Option<&'a ScopeCore>) {
    CONTEXT
        .try_with(|c| {
            let scope = c.scope.get();
            // SAFETY: see the doc comment: the pointee outlives the current poll.
            (c.task.get(), unsafe { scope.as_ref() })
        })
        .unwrap_or((None, None))
}

/// The innermost scope of this poll, as an `Arc` the caller may keep beyond the poll (a
/// spawned child keeps the scope it was spawned in).
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

/// Puts back the scope that was current before [`enter_scope`] or [`leave_scopes`].
pub(crate) struct ScopeGuard {
    prev: *const ScopeCore,
}

/// Makes `scope` the innermost scope until the guard drops: a scope future calls it
/// around each poll of its body. The caller keeps the `Arc` alive for that long.
#[inline]
pub(crate) fn enter_scope(scope: &Arc<ScopeCore>) -> ScopeGuard {
    CONTEXT.with(|c| ScopeGuard { prev: c.scope.replace(Arc::as_ptr(scope)) })
}

/// Leaves every scope for as long as the guard lives (see `ScopeCore::outside`).
pub(crate) fn leave_scopes() -> ScopeGuard {
    CONTEXT.with(|c| ScopeGuard { prev: c.scope.replace(std::ptr::null()) })
}

impl Drop for ScopeGuard {
    #[inline]
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|c| c.scope.set(self.prev));
    }
}

/// Polls left in this task's turn (`coop.rs`); `UNCONSTRAINED` outside a task.
#[inline]
pub(crate) fn budget() -> u16 {
    CONTEXT.try_with(|c| c.budget.get()).unwrap_or(UNCONSTRAINED)
}

/// Sets the polls left in this task's turn (`coop.rs` spends and restores it).
#[inline]
pub(crate) fn set_budget(b: u16) {
    let _ = CONTEXT.try_with(|c| c.budget.set(b));
}

/// The runtime this thread is inside, if any.
pub(crate) fn handle() -> Option<scheduler::Handle> {
    CONTEXT.try_with(|c| c.handle.borrow().clone()).ok().flatten()
}

/// Calls `f` with the runtime this thread is inside, without cloning the handle (a
/// timer's first poll looks up the driver this way).
///
/// `f` is called outside `try_with`'s closure, so that a spawn's future moves once, into
/// `f`'s call, and not first into an `Option` that each branch takes it out of (those
/// copies were a measurable part of a spawn).
#[inline]
pub(crate) fn with_handle<R>(f: impl FnOnce(Option<&scheduler::Handle>) -> R) -> R {
    match CONTEXT.try_with(|c| c as *const Context) {
        Ok(c) => {
            // SAFETY: `try_with` succeeded, so this thread's context is alive, and it stays
            // alive until the thread's thread-local destructors run, which cannot start
            // while this thread is inside this call.
            let c = unsafe { &*c };
            f(c.handle.borrow().as_ref())
        }
        // The thread is exiting and its context is gone: outside any runtime.
        Err(_) => f(None),
    }
}

/// Marks the thread as inside a runtime until the guard drops.
pub(crate) struct EnterGuard {
    prev: Option<scheduler::Handle>,
    worker: (*const (), *const ()),
}

/// Enters `handle`'s runtime. `worker` is `(owner, context)` for a thread that runs the
/// scheduler's loop (see [`worker_for`]), or two nulls.
///
/// On a thread that is exiting, whose context is already gone (a runtime dropped by a
/// thread-local's destructor shuts down there), nothing is entered: what runs inside sees
/// no runtime, as everything else does on that thread by then.
pub(crate) fn enter_runtime(handle: scheduler::Handle, worker: (*const (), *const ())) -> EnterGuard {
    let mut handle = Some(handle);
    CONTEXT
        .try_with(|c| EnterGuard { prev: c.handle.replace(handle.take()), worker: c.worker.replace(worker) })
        .unwrap_or_else(|_| EnterGuard { prev: None, worker: (std::ptr::null(), std::ptr::null()) })
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|c| {
            *c.handle.borrow_mut() = self.prev.take();
            c.worker.set(self.worker);
        });
    }
}

/// The worker index this thread gave [`set_timer_shard`], or `usize::MAX`.
#[inline]
pub(crate) fn timer_shard() -> usize {
    CONTEXT.try_with(|c| c.timer_shard.get()).unwrap_or(usize::MAX)
}

/// Says that this thread is worker `index` (`usize::MAX`: no worker) until the next call;
/// returns what was said before.
pub(crate) fn set_timer_shard(index: usize) -> usize {
    CONTEXT.try_with(|c| c.timer_shard.replace(index)).unwrap_or(usize::MAX)
}

/// The loop context this thread registered for the scheduler `owner`, or null.
pub(crate) fn worker_for(owner: *const ()) -> *const () {
    match CONTEXT.try_with(|c| c.worker.get()) {
        Ok((o, cx)) if o == owner && !o.is_null() => cx,
        _ => std::ptr::null(),
    }
}
