//! weft's structured layer: asyncio's task groups, timeouts, `wait_for`, `shield`,
//! `gather`, `wait` and `as_completed` with CPython 3.13's semantics, beside Trio's
//! cancel scopes, `move_on_after`, `fail_after` and nursery `start`; task-locals that
//! behave like `contextvars`; and a retry helper.
//!
//! Everything here is built on the executor's cancellation core (`weft::cancel`):
//! asyncio's counted, edge-triggered requests (`cancel`, `uncancel`, `cancelling`) and
//! Trio's level-triggered scopes (`ScopeCore`). This crate adds API, not mechanism.
//!
//! # Which tool for which job
//!
//! | you want | asyncio | weft |
//! |---|---|---|
//! | run children, wait for all, fail together | `async with TaskGroup() as tg` | [`task_group`], [`TaskGroup`] |
//! | a deadline on a block, reported as an error | `async with timeout(s)` | [`timeout`](fn@timeout), [`Timeout`] |
//! | a deadline on a block, then just move on | — (Trio: `move_on_after`) | [`move_on_after`] |
//! | cancel a block from elsewhere, level-triggered | — (Trio: `CancelScope`) | [`CancelScope`] |
//! | let work finish although the caller is cancelled | `shield(aw)` | [`shield`](fn@shield), or a shielded [`CancelScope`] |
//! | results of several futures in order | `gather(*aws)` | [`gather`](fn@gather), [`gather!`] |
//!
//! # Cancellation comes out as a value
//!
//! Every future here returns a `Result`, and a cancellation of the awaiting task is
//! always distinguishable from a failure (see [the rule](weft_executor::cancel::outcome)), so `?` propagates it
//! the way an exception propagates in Python.
//!
//! ```
//! use std::time::Duration;
//! use weft::{task_group, timeout, GroupSpawnError, Interrupted};
//!
//! # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
//! let fetched = task_group(|tg| async move {
//!     let a = tg.spawn(timeout(Duration::from_secs(1), async {
//!         weft::time::sleep(Duration::from_millis(5)).await?;
//!         Ok::<_, Interrupted>("a")
//!     }))?;
//!     let b = tg.spawn(async { Ok::<_, weft::Cancelled>("b") })?;
//!     Ok::<_, GroupSpawnError>((a, b))
//! })
//! .await
//! .unwrap();
//! assert_eq!(fetched.0.take_result().unwrap().unwrap(), "a");
//! # });
//! ```

#![warn(missing_docs, clippy::undocumented_unsafe_blocks)]

pub mod await_task;
mod done;
pub mod gather;
pub mod group;
pub mod locals;
mod panic;
pub mod retry;
pub mod scope;
#[cfg(unix)]
pub mod server;
pub mod shield;
pub mod timeout;
mod timer;
pub mod wait;

pub use await_task::{AwaitTask, WaitForTask, await_task, wait_for_task};
#[doc(hidden)]
pub use gather::__private;
pub use gather::{Gather, GatherSettled, gather, gather_settled};
pub use group::{
    ChildError, ChildPanicked, ErrorGroup, Failure, GroupError, GroupSpawnError, GroupStateError, GroupTask,
    Policy, Run, StartError, StartStatus, TaskGroup, task_group,
};
pub use locals::{LocalResetError, LocalToken, TaskLocal};
pub use retry::{RetryPolicy, RetryPolicyBuilder, RetryPolicyError, retry};
pub use scope::{
    CancelScope, FailAfter, ScopeRun, current_effective_deadline, fail_after, fail_at, move_on_after,
    move_on_at,
};
pub use shield::{Shield, ShieldCancelled, shield};
pub use timeout::{
    Interrupted, Timeout, TimeoutError, TimeoutFuture, TimeoutStateError, WaitFor, timeout, timeout_at,
    wait_for, wait_for_secs,
};
pub use wait::{
    AsCompleted, AsCompletedError, Finished, Placeholder, Remaining, ReturnWhen, Wait, WaitError, WaitSets,
    as_completed, wait,
};

#[allow(dead_code)]
fn _ensure_send_and_sync() {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<TaskGroup>();
    is_send_sync::<CancelScope>();
    is_send_sync::<Timeout>();
    is_send_sync::<GroupError>();
    is_send_sync::<GroupTask<u8>>();
    is_send_sync::<RetryPolicy>();
}
