//! The cooperative budget: one busy task cannot monopolise a worker.
//!
//! Each poll of a task starts with a budget of [`BUDGET`] units. Await points that can be
//! ready again and again in a loop (a checkpoint, a timer that already fired, a join on a
//! finished task, a primitive that is free) spend one unit; once the budget is spent, the
//! next such await point returns `Pending` and wakes its task at once, so the task goes to the back of the
//! run queue and everything queued before it runs first. A task that is always ready
//! (a loop over a channel that never empties) would otherwise never yield. Outside a weft
//! task the budget is unlimited.
//!
//! Only an await that *ends* spends: an await point calls [`poll_proceed`] once it knows
//! it will return `Ready`, and one that has to wait (a get from an empty queue, a held
//! lock) spends nothing and returns `Pending` from its waiter list, never yielding in
//! place of waiting (the book's scheduler chapter measures why).

use crate::context;
use std::task::{Context, Poll};

/// Units of work a task may do in one poll before weft's await points make it yield.
pub const BUDGET: u16 = 128;

/// Spends one unit of the current task's budget, or, if it is spent, wakes the task and
/// returns `Pending`. Await points built outside weft call it before returning `Ready`:
/// when they know they will end now, not when they are about to wait.
///
/// ```
/// use std::future::poll_fn;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let mut ready = 0;
/// // An always-ready loop still yields to the scheduler every BUDGET iterations.
/// for _ in 0..300 {
///     poll_fn(|cx| weft::coop::poll_proceed(cx)).await;
///     ready += 1;
/// }
/// assert_eq!(ready, 300);
/// # });
/// ```
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    let b = context::budget();
    if b == context::UNCONSTRAINED {
        return Poll::Ready(());
    }
    if b == 0 {
        cx.waker().wake_by_ref();
        return Poll::Pending;
    }
    context::set_budget(b - 1);
    Poll::Ready(())
}

/// Whether the current task still has budget, without spending any.
///
/// ```
/// assert!(weft::coop::has_budget_remaining());
/// ```
#[inline]
pub fn has_budget_remaining() -> bool {
    context::budget() != 0
}
