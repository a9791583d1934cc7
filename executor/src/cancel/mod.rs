//! The cancellation core: asyncio's contract with Rust's types.
//!
//! In tokio, cancelling a task drops its future: no cleanup can await. In weft, every
//! await point that weft provides is a *checkpoint*: before it waits, and each time it
//! is woken, it asks [`check`] whether the current task has a cancellation to deliver,
//! and if so returns `Err(Cancelled)`. `?` then propagates the cancellation the way an
//! exception propagates in Python, and code that catches it may go on awaiting
//! (`except CancelledError: await cleanup(); raise` ports line for line).
//!
//! Two kinds of cancellation meet here:
//!
//! * **Requests** (asyncio's `Task.cancel`): edge-triggered and counted. A request
//!   marks one pending delivery and wakes the task; the checkpoint the task is suspended
//!   in, or the next one it reaches, returns `Err(Cancelled)` once. `uncancel()` undoes a
//!   request. The counters live in the task's header (`state.rs`), the path from a
//!   request to the `Cancelled` a checkpoint returns is `delivery.rs`.
//! * **Scopes** (Trio's cancel scopes, [`ScopeCore`]): level-triggered. While a scope is
//!   cancelled, every checkpoint polled inside it fails, until the scope is left. A
//!   shielded scope hides the scopes outside it and defers requests until it is left.
//!
//! While a task is polled, the thread knows which task it is and which scope the poll is
//! inside (`context.rs`); a checkpoint's fast path is two thread-local reads and one
//! atomic load of the task's cancel word.
//!
//! Futures that are not weft's are not checkpoints; [`CancellableExt::cancellable`]
//! races one against the task's cancellation. `Task::abort()` is the hard cancel: the
//! future is dropped at its next poll, with no async cleanup, as in tokio.
//!
//! Telling a cancellation from a failure is one rule for all of weft, in [`outcome`]:
//! an `Err` propagated a cancellation when a `Cancelled` delivered to the task is still
//! alive once the code that returned it has ended, whatever error type carries it.
//!
//! # Files
//!
//! | file | what |
//! |---|---|
//! | `state.rs` | the cancel word in every task's header: requests, the pending delivery, live deliveries (a bit table) |
//! | `delivery.rs` | request → pending → delivered `Cancelled`; the `DeliveryMark` each delivered one holds |
//! | `cancelled.rs` | [`Cancelled`] itself: one tagged pointer |
//! | `mod.rs` | the checkpoint ([`check`], [`checkpoint`], [`CancellableExt`]) |
//! | `outcome.rs` | the rule: [`watch`], [`Outcome`], [`is_cancellation`] |
//! | `scope.rs` | [`ScopeCore`], Trio's level-triggered scopes |

mod cancelled;
pub(crate) mod delivery;
#[cfg(all(test, loom))]
mod loom_state;
pub mod outcome;
mod scope;
pub(crate) mod state;

pub use cancelled::{CancelKind, Cancelled};
pub use outcome::{Outcome, Watch, is_cancellation, watch};
pub use scope::ScopeCore;

use crate::{context, coop};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The test every checkpoint makes: `Err(Cancelled)` if the current task must see a
/// cancellation now, from a cancelled scope around this poll or a pending request.
///
/// Outside a weft task it always returns `Ok(())`. Primitives built outside weft call it
/// at the top of their `poll` to become checkpoints.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let me = weft::current_task().unwrap();
/// assert!(weft::cancel::check().is_ok());
/// me.cancel(Some("stop"));
/// let err = weft::cancel::check().unwrap_err();
/// assert_eq!(err.message(), Some("stop"));
/// assert!(weft::cancel::check().is_ok(), "one request, one delivery");
/// # });
/// ```
#[inline]
pub fn check() -> Result<(), Cancelled> {
    // Every await of every primitive starts here, and almost every time nothing is
    // pending: that answer is two thread-local loads and one of the task's header, inline
    // at the caller. Whatever may deliver lives out of line, so that this path saves no
    // registers and builds no frame.
    let (task, scope) = context::task_and_scope();
    match (task, scope) {
        (_, Some(scope)) => check_scopes(task, scope),
        (Some(t), None) if t.header().cancel.is_pending() => take_pending(t),
        _ => Ok(()),
    }
}

#[cold]
#[inline(never)]
fn take_pending(task: crate::task::RawTask) -> Result<(), Cancelled> {
    delivery::take(task).map_or(Ok(()), Err)
}

#[cold]
#[inline(never)]
fn check_scopes(task: Option<crate::task::RawTask>, innermost: &ScopeCore) -> Result<(), Cancelled> {
    let mut node = Some(innermost);
    let mut shielded = false;
    while let Some(scope) = node {
        if scope.is_cancelled() {
            return Err(match task {
                Some(t) => delivery::record_scope(t, |mark| scope.delivery(Some(mark))),
                None => scope.delivery(None),
            });
        }
        if scope.is_shielded() {
            shielded = true;
            break;
        }
        node = scope.parent();
    }
    if shielded {
        return Ok(());
    }
    match task {
        Some(t) => delivery::take(t).map_or(Ok(()), Err),
        None => Ok(()),
    }
}

/// The current task's `cancelling()` count, without taking a reference to the task
/// (`None` outside a task): what asyncio's `timeout` and `TaskGroup` record on entry.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// assert_eq!(weft::cancel::current_cancelling(), Some(0));
/// weft::current_task().unwrap().cancel(None);
/// assert_eq!(weft::cancel::current_cancelling(), Some(1));
/// # let _ = weft::cancel::check();
/// # });
/// assert_eq!(weft::cancel::current_cancelling(), None);
/// ```
pub fn current_cancelling() -> Option<u32> {
    let (task, _) = context::task_and_scope();
    task.map(|t| t.header().cancel.requested())
}

/// A checkpoint and nothing else: fails if the task is cancelled, and yields only when
/// the task has used its cooperative budget (see [`crate::coop`]). Use
/// [`yield_now`](crate::yield_now) to always yield, like `await asyncio.sleep(0)`.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// for _ in 0..1000 {
///     // A long computation stays cancellable and lets other tasks run.
///     weft::cancel::checkpoint().await?;
/// }
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
pub fn checkpoint() -> Checkpoint {
    Checkpoint { _private: () }
}

/// Future returned by [`checkpoint`].
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let c: weft::cancel::Checkpoint = weft::cancel::checkpoint();
/// weft::current_task().unwrap().cancel(None);
/// assert!(c.await.is_err());
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Checkpoint {
    _private: (),
}

impl Future for Checkpoint {
    type Output = Result<(), Cancelled>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        check()?;
        coop::poll_proceed(cx).map(Ok)
    }
}

/// Makes any future a checkpoint: see [`CancellableExt::cancellable`].
///
/// ```
/// use weft::cancel::{Cancellable, CancellableExt};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let f: Cancellable<_> = std::future::ready(5).cancellable();
/// assert_eq!(f.await.unwrap(), 5); // no cancellation: the future's output
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Cancellable<F> {
    inner: F,
}

impl<F: Future> Future for Cancellable<F> {
    type Output = Result<F::Output, Cancelled>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        check()?;
        // SAFETY: `inner` is structurally pinned: it is never moved out of `self`.
        let inner = unsafe { self.map_unchecked_mut(|s| &mut s.inner) };
        inner.poll(cx).map(Ok)
    }
}

/// Races a future that is not weft's against the current task's cancellation.
///
/// ```
/// use weft::cancel::CancellableExt;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let me = weft::current_task().unwrap();
/// me.cancel(None);
/// // std::future::pending() never completes; the request still gets through.
/// let r = std::future::pending::<()>().cancellable().await;
/// assert!(r.is_err());
/// # });
/// ```
pub trait CancellableExt: Future + Sized {
    /// Wraps `self` so that a cancellation of the current task ends the wait with
    /// `Err(Cancelled)` (the wrapped future is then dropped with the wrapper).
    ///
    /// ```
    /// use weft::cancel::CancellableExt;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// assert_eq!(async { 1 + 1 }.cancellable().await.unwrap(), 2);
    /// weft::current_task().unwrap().cancel(Some("bye"));
    /// let err = std::future::pending::<()>().cancellable().await.unwrap_err();
    /// assert_eq!(err.message(), Some("bye"));
    /// # });
    /// ```
    fn cancellable(self) -> Cancellable<Self> {
        Cancellable { inner: self }
    }
}

impl<F: Future> CancellableExt for F {}
