//! One rule for "ended by cancellation", everywhere: the cases weft passes today.
//!
//! The rule (docs/book/04-cancellation.md): an outcome is a cancellation when it
//! propagates a `Cancelled` delivered to that task or scope, whatever error type carries
//! it; a task that returns a value has returned that value, whatever it did with its
//! `Cancelled`; a task that finishes with a cancellation request pending ends cancelled,
//! unless `uncancel()` brought the count back to zero first.
//!
//! The table (`cancellation_table/`) puts a task-group child at every place a task can
//! wait, with three error types (a user's enum without `source()`, `Box<dyn Error + Send +
//! Sync>`, `anyhow::Error`), and checks, on both flavours: (a) a sibling fails: only the
//! sibling's failure is reported; (b) the owner is cancelled: the group ends cancelled;
//! (c) a timeout around the group fires: `TimedOut`; and in each, the child's cleanup ran
//! and could await. `retry` around the same waits stops at the cancellation.
//!
//! The rows and cases weft does not pass yet are in `cancellation_rule_pending.rs`; when
//! one passes, it moves here.

mod cancellation_table;
mod common;

use cancellation_table::BoxError;
use std::sync::Arc;
use weft::{JoinError, current_task, spawn};

// The table: rows that hold today. `Box<dyn Error>` and `anyhow::Error` children pass where
// the wait's error leads to its `Cancelled` through `source()` (or, for `io::Error`,
// `get_ref()`) — what the rule must not depend on.

rows!(sibling_fails_boxed: SiblingFails, BoxError; [
    lock: Lock,
    semaphore: Semaphore,
    bounded_semaphore: BoundedSemaphore,
    event: Event,
    condition: Condition,
    sleep: Sleep,
    tcp_read: TcpRead,
    task_handle: TaskHandle,
    nested_group: NestedGroup,
    shield: Shield,
]);

rows!(owner_cancelled_boxed: OwnerCancelled, BoxError; [
    lock: Lock,
    semaphore: Semaphore,
    bounded_semaphore: BoundedSemaphore,
    event: Event,
    condition: Condition,
    sleep: Sleep,
    tcp_read: TcpRead,
    task_handle: TaskHandle,
    nested_group: NestedGroup,
    shield: Shield,
]);

rows!(timeout_fires_boxed: TimeoutFires, BoxError; [
    lock: Lock,
    semaphore: Semaphore,
    bounded_semaphore: BoundedSemaphore,
    event: Event,
    condition: Condition,
    sleep: Sleep,
    tcp_read: TcpRead,
    task_handle: TaskHandle,
    nested_group: NestedGroup,
    shield: Shield,
]);

rows!(sibling_fails_anyhow: SiblingFails, anyhow::Error; [
    condition: Condition,
    nested_group: NestedGroup,
    shield: Shield,
]);

rows!(owner_cancelled_anyhow: OwnerCancelled, anyhow::Error; [
    condition: Condition,
    nested_group: NestedGroup,
    shield: Shield,
]);

rows!(timeout_fires_anyhow: TimeoutFires, anyhow::Error; [
    condition: Condition,
    nested_group: NestedGroup,
    shield: Shield,
]);

// A cancellation request undone before the task finishes: the task returns its value.

#[test]
fn a_task_that_cancels_itself_then_uncancels_returns_its_value() {
    common::block_on_both(|flavour| async move {
        let t = spawn(async {
            let me = current_task().unwrap();
            assert!(me.cancel(None));
            assert_eq!(me.uncancel(), 0);
            7
        });
        let probe = t.task_ref();
        assert_eq!(t.await, Ok(7), "{flavour}");
        assert!(!probe.is_cancelled(), "{flavour}");
    });
}

#[test]
fn a_task_cancelled_during_a_synchronous_step_then_uncancelled_returns_its_value() {
    common::watchdog("synchronous_step_uncancelled", common::WATCHDOG, || {
        common::multi().block_on(async {
            // The task and another thread meet twice at a std barrier: between the two
            // meetings the task is inside one poll, and the other thread cancels it.
            let step = Arc::new(std::sync::Barrier::new(2));
            let s = step.clone();
            let t = spawn(async move {
                s.wait();
                s.wait();
                assert_eq!(current_task().unwrap().uncancel(), 0);
                7
            });
            let probe = t.task_ref();
            let canceller = std::thread::spawn(move || {
                step.wait();
                assert!(probe.cancel(None));
                step.wait();
            });
            let probe = t.task_ref();
            let result = t.await;
            canceller.join().unwrap();
            assert_eq!(result, Ok(7));
            assert!(!probe.is_cancelled());
        })
    });
}

#[test]
fn a_task_that_propagates_its_cancelled_in_a_box_ends_cancelled() {
    // A task that propagates its own delivered `Cancelled`, in whatever error type, ends
    // cancelled.
    common::block_on_both(|flavour| async move {
        let started = Arc::new(weft::Event::new());
        let s = started.clone();
        let t = spawn(async move {
            s.set();
            weft::time::sleep(std::time::Duration::from_secs(3600)).await?;
            Ok::<_, BoxError>(())
        });
        started.wait().await.unwrap();
        assert!(t.cancel(None));
        let probe = t.task_ref();
        assert!(matches!(t.await, Err(JoinError::Cancelled(_))), "{flavour}");
        assert!(probe.is_cancelled(), "{flavour}");
    });
}
