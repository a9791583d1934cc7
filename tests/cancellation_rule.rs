//! One rule for "ended by cancellation", everywhere.
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
//! and could await. `retry` around the same waits stops at the cancellation. Then the
//! cases the rule was written for, one test each, and bodies of any error type given to
//! `timeout`, `timeout_at`, `wait_for` and `retry`.

mod cancellation_table;
mod common;

use cancellation_table::{AppError, BoxError, check_retry_anyhow, check_retry_app_error, check_retry_boxed};
use parking_lot::Mutex;
use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;
use weft::{
    Cancelled, Event, GetError, GroupError, GroupSpawnError, JoinError, Queue, RetryPolicy, TimeoutError,
    current_task, retry, spawn, task_group, timeout, wait_for,
};

const HOUR: Duration = Duration::from_secs(3600);

// ---------------------------------------------------------------------------------------
// The table.

every_place!(sibling_fails_user_enum: SiblingFails, AppError);
every_place!(owner_cancelled_user_enum: OwnerCancelled, AppError);
every_place!(timeout_fires_user_enum: TimeoutFires, AppError);

every_place!(sibling_fails_boxed: SiblingFails, BoxError);
every_place!(owner_cancelled_boxed: OwnerCancelled, BoxError);
every_place!(timeout_fires_boxed: TimeoutFires, BoxError);

every_place!(sibling_fails_anyhow: SiblingFails, anyhow::Error);
every_place!(owner_cancelled_anyhow: OwnerCancelled, anyhow::Error);
every_place!(timeout_fires_anyhow: TimeoutFires, anyhow::Error);

retry_at_every_place!(retry_user_enum: check_retry_app_error);
retry_at_every_place!(retry_boxed: check_retry_boxed);
retry_at_every_place!(retry_anyhow: check_retry_anyhow);

// ---------------------------------------------------------------------------------------
// The cases the rule was written for, one test each, as a user meets them (each one's
// comment says what weft did before the rule).

/// A queue of jobs, and a task that signals once it waits on it.
fn jobs() -> (Arc<Queue<u32>>, Arc<Event>) {
    (Arc::new(Queue::new(0)), Arc::new(Event::new()))
}

/// Before the rule: `Failed` with two errors, the sibling's and "queue get cancelled: task was
/// cancelled".
#[test]
fn a_child_in_a_queue_get_is_cancelled_not_failed_when_its_sibling_fails() {
    common::block_on_both(|flavour| async move {
        let (q, waiting) = jobs();
        let r = task_group(|tg| async move {
            let w = waiting.clone();
            tg.spawn(async move {
                w.set();
                let job = q.get().await?;
                Ok::<_, GetError>(job)
            })?;
            tg.spawn(async move {
                waiting.wait().await.map_err(std::io::Error::other)?;
                Err::<(), _>(std::io::Error::other("the sibling failed"))
            })?;
            Ok::<_, GroupSpawnError>(())
        })
        .await;
        match r {
            Err(GroupError::Failed(g)) => {
                assert_eq!(g.len(), 1, "{flavour}: only the sibling's failure: {g:?}");
                assert!(g.failures()[0].is::<std::io::Error>(), "{flavour}: {g:?}");
            }
            other => panic!("{flavour}: {other:?}"),
        }
    });
}

/// Before the rule: `Failed` with "queue get cancelled". A child at a sleep gives the body's value.
#[test]
fn a_child_in_a_queue_get_stopped_by_group_cancel_is_no_failure() {
    common::block_on_both(|flavour| async move {
        let (q, waiting) = jobs();
        let r = task_group(|tg| async move {
            let w = waiting.clone();
            tg.spawn(async move {
                w.set();
                let job = q.get().await?;
                Ok::<_, GetError>(job)
            })?;
            waiting.wait().await.unwrap();
            tg.cancel();
            Ok::<_, GroupSpawnError>(5)
        })
        .await;
        assert!(matches!(r, Ok(5)), "{flavour}: as with a child at a sleep, got {r:?}");
    });
}

/// Before the rule: `Failed` with "queue get cancelled", and the owner task does not end cancelled.
#[test]
fn a_child_in_a_queue_get_when_the_owner_is_cancelled_ends_the_group_cancelled() {
    common::block_on_both(|flavour| async move {
        let (q, waiting) = jobs();
        let w = waiting.clone();
        let seen: Arc<Mutex<Option<Result<(), GroupError>>>> = Default::default();
        let s = seen.clone();
        let owner = spawn(async move {
            let r = task_group(|tg| async move {
                tg.spawn(async move {
                    w.set();
                    let job = q.get().await?;
                    Ok::<_, GetError>(job)
                })?;
                Ok::<_, GroupSpawnError>(())
            })
            .await;
            *s.lock() = Some(r.clone());
            r
        });
        waiting.wait().await.unwrap();
        assert!(owner.cancel(None));
        let joined = owner.await;
        let seen = seen.lock().take();
        assert!(matches!(seen, Some(Err(GroupError::Cancelled(_)))), "{flavour}: {seen:?}");
        assert!(matches!(joined, Err(JoinError::Cancelled(_))), "{flavour}: {joined:?}");
    });
}

/// Before the rule: `retry` tried the get again after the cancellation (the task was still blocked
/// 200 ms later).
#[test]
fn retry_around_a_queue_get_stops_at_the_cancellation() {
    common::block_on_both(|flavour| async move {
        let (q, waiting) = jobs();
        let attempts = Arc::new(AtomicU32::new(0));
        let seen: Arc<Mutex<Option<Result<u32, GetError>>>> = Default::default();
        let (a, s, w) = (attempts.clone(), seen.clone(), waiting.clone());
        let owner = spawn(async move {
            let policy = RetryPolicy::builder()
                .max_attempts(5)
                .initial_delay(Duration::from_millis(1))
                .build()
                .unwrap();
            let r = retry(&policy, |attempt| {
                a.fetch_add(1, SeqCst);
                let (q, w) = (q.clone(), w.clone());
                async move {
                    if attempt > 1 {
                        // A second get would block: a wrong retry shows as `Ok` instead.
                        return Ok(0);
                    }
                    w.set();
                    q.get().await
                }
            })
            .await;
            *s.lock() = Some(r.clone());
            r
        });
        waiting.wait().await.unwrap();
        assert!(owner.cancel(None));
        let joined = owner.await;
        assert_eq!(attempts.load(SeqCst), 1, "{flavour}");
        let seen = seen.lock().take();
        assert!(matches!(seen, Some(Err(GetError::Cancelled(_)))), "{flavour}: {seen:?}");
        assert!(matches!(joined, Err(JoinError::Cancelled(_))), "{flavour}: {joined:?}");
    });
}

/// A user's error enum around a body, with no `source()`.
#[derive(Debug)]
enum FetchError {
    Cancelled(Cancelled),
    TimedOut(TimeoutError),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Cancelled(c) => write!(f, "fetch: {c}"),
            FetchError::TimedOut(t) => write!(f, "fetch: {t}"),
        }
    }
}

impl Error for FetchError {}

impl From<Cancelled> for FetchError {
    fn from(c: Cancelled) -> Self {
        FetchError::Cancelled(c)
    }
}

impl From<TimeoutError> for FetchError {
    fn from(t: TimeoutError) -> Self {
        FetchError::TimedOut(t)
    }
}

/// Before the rule: the body's own `FetchError::Cancelled` came back, not `TimedOut`.
#[test]
fn timeout_around_an_enum_that_wraps_cancelled_without_source_times_out() {
    common::block_on_both(|flavour| async move {
        let r = timeout(Duration::from_millis(10), async {
            weft::time::sleep(HOUR).await?;
            Ok::<_, FetchError>(())
        })
        .await;
        assert!(matches!(r, Err(FetchError::TimedOut(_))), "{flavour}: timeout: {r:?}");
        let r = wait_for(
            async {
                weft::time::sleep(HOUR).await?;
                Ok::<_, FetchError>(())
            },
            Duration::from_millis(10),
        )
        .await;
        assert!(matches!(r, Err(FetchError::TimedOut(_))), "{flavour}: wait_for: {r:?}");
    });
}

/// Before the rule: `Err(JoinError::Cancelled)`, and the 42 was dropped: the kept `Cancelled`
/// marked the task.
#[test]
fn a_task_that_keeps_its_cancelled_and_returns_42_returned_42() {
    common::block_on_both(|flavour| async move {
        let log: Arc<Mutex<Vec<Cancelled>>> = Default::default();
        let started = Arc::new(Event::new());
        let (l, s) = (log.clone(), started.clone());
        let t = spawn(async move {
            s.set();
            match weft::time::sleep(HOUR).await {
                Ok(()) => 0,
                Err(c) => {
                    l.lock().push(c);
                    42
                }
            }
        });
        started.wait().await.unwrap();
        assert!(t.cancel(None));
        let probe = t.task_ref();
        assert_eq!(t.await, Ok(42), "{flavour}");
        assert!(!probe.is_cancelled(), "{flavour}");
        assert_eq!(log.lock().len(), 1, "{flavour}");
    });
}

/// The same inside a group: a child's result lives in its task, and the child applies
/// the rule to the `Result` it returned, so a `Cancelled` it kept does not undo its `Ok`.
#[test]
fn a_group_child_that_keeps_its_cancelled_and_returns_ok_42_returned_42() {
    common::block_on_both(|flavour| async move {
        let log: Arc<Mutex<Vec<Cancelled>>> = Default::default();
        let l = log.clone();
        let t = weft::task_group(|tg| async move {
            let started = Arc::new(Event::new());
            let s = started.clone();
            let t = tg.spawn(async move {
                s.set();
                match weft::time::sleep(HOUR).await {
                    Ok(()) => Ok::<_, Cancelled>(0),
                    Err(c) => {
                        l.lock().push(c);
                        Ok(42)
                    }
                }
            })?;
            started.wait().await?;
            assert!(t.cancel(None));
            Ok::<_, BoxError>(t)
        })
        .await
        .unwrap();
        assert!(!t.is_cancelled(), "{flavour}");
        assert_eq!(t.take_result().map(|r| r.ok()), Some(Some(42)), "{flavour}");
        assert!(matches!(t.take_result(), Some(Err(weft::ChildError::AlreadyTaken))), "{flavour}");
        assert_eq!(log.lock().len(), 1, "{flavour}");
    });
}

/// A child that awaits its own handle is told so at once instead of waiting forever
/// (asyncio raises `RuntimeError: Task cannot await on itself`); the group goes on.
#[test]
fn a_group_child_that_awaits_its_own_handle_is_told_so() {
    common::block_on_both(|flavour| async move {
        let seen: Arc<Mutex<Option<String>>> = Default::default();
        let s = seen.clone();
        weft::task_group(|tg| async move {
            let (tx, rx) = weft::oneshot::channel::<weft::GroupTask<()>>();
            let t = tg.spawn(async move {
                let me = rx.await.map_err(|e| e.to_string())?;
                *s.lock() = Some(match me.await {
                    Err(e @ weft::ChildError::AwaitsItself) => e.to_string(),
                    other => format!("{other:?}"),
                });
                Ok::<_, String>(())
            })?;
            tx.send(t).map_err(|_| "the child is gone")?;
            Ok::<_, BoxError>(())
        })
        .await
        .unwrap();
        assert_eq!(seen.lock().as_deref(), Some("a task cannot await its own handle"), "{flavour}");
    });
}

/// Before the rule: `Ok(7)`: a request still pending when the future completed was ignored.
#[test]
fn a_task_that_cancels_itself_and_returns_a_value_ends_cancelled() {
    common::block_on_both(|flavour| async move {
        let t = spawn(async {
            assert!(current_task().unwrap().cancel(None));
            7
        });
        let probe = t.task_ref();
        let r = t.await;
        assert!(matches!(r, Err(JoinError::Cancelled(_))), "{flavour}: {r:?}");
        assert!(probe.is_cancelled(), "{flavour}");
    });
}

/// A request from another thread that lands while the task's last step (poll) runs is
/// ordered after that step, as asyncio orders `loop.call_soon_threadsafe(task.cancel)`:
/// CPython 3.13 prints `result [7] cancel() said False cancelled False` for this program
/// (a thread cancels the task while its coroutine is inside one synchronous step that
/// then returns 7). weft's `cancel()` cannot know yet that the step will be the last, so
/// it says yes; the task keeps its 7 (what the step took, an item from a queue say, is not
/// lost), and the request stays counted.
#[test]
fn a_request_from_another_thread_during_the_last_step_is_ordered_after_it() {
    common::watchdog("synchronous_step", common::WATCHDOG, || {
        common::multi().block_on(async {
            // The task and another thread meet twice at a std barrier: between the two
            // meetings the task is inside one poll, and the other thread cancels it.
            let step = Arc::new(std::sync::Barrier::new(2));
            let s = step.clone();
            let t = spawn(async move {
                s.wait();
                s.wait();
                7
            });
            let probe = t.task_ref();
            let canceller = std::thread::spawn(move || {
                step.wait();
                assert!(probe.cancel(None), "the task had not finished");
                step.wait();
            });
            let probe = t.task_ref();
            let r = t.await;
            canceller.join().unwrap();
            assert_eq!(r, Ok(7));
            assert!(!probe.is_cancelled());
            assert_eq!(probe.cancelling(), 1, "the request is counted, as asyncio counts it");
        })
    });
}

/// The same request, when the long synchronous step is followed by an await: the await
/// is a checkpoint, the request is delivered there, and the task ends cancelled (before
/// the rule: `Ok(7)`).
#[test]
fn a_task_cancelled_during_a_synchronous_step_ends_cancelled_at_its_next_await() {
    common::watchdog("synchronous_step_then_await", common::WATCHDOG, || {
        common::multi().block_on(async {
            let step = Arc::new(std::sync::Barrier::new(2));
            let s = step.clone();
            let t = spawn(async move {
                s.wait();
                s.wait();
                weft::yield_now().await?;
                Ok::<_, Cancelled>(7)
            });
            let probe = t.task_ref();
            let canceller = std::thread::spawn(move || {
                step.wait();
                assert!(probe.cancel(None));
                step.wait();
            });
            let probe = t.task_ref();
            let r = t.await;
            canceller.join().unwrap();
            assert!(matches!(r, Err(JoinError::Cancelled(_))), "{r:?}");
            assert!(probe.is_cancelled());
        })
    });
}

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

// ---------------------------------------------------------------------------------------
// Bodies whose error is `Box<dyn Error + Send + Sync>` or `anyhow::Error` (neither
// implements `std::error::Error`): `timeout`, `timeout_at`, `wait_for` and `retry` take
// them as `task_group` does.

mod any_error_body {
    use super::*;
    use std::time::Instant;
    use weft::timeout_at;

    /// The error type `$error`'s tests: the timeout reports `TimedOut` inside it, and a
    /// cancellation from outside comes back as the cancellation (the task ends
    /// cancelled), for `timeout`, `timeout_at` and `wait_for`; `retry` retries a transient
    /// failure and stops at a cancellation.
    macro_rules! any_error_body_tests {
        ($module:ident, $error:ty, $is_timeout:expr, $is_cancelled:expr, $transient:expr) => {
            mod $module {
                use super::*;

                async fn blocked(started: Arc<Event>) -> Result<(), $error> {
                    started.set();
                    weft::time::sleep(HOUR).await?;
                    Ok(())
                }

                #[test]
                fn timeout_reports_timed_out() {
                    common::block_on_both(|flavour| async move {
                        let e = Arc::new(Event::new());
                        let r = timeout(Duration::from_millis(10), blocked(e.clone())).await;
                        let is_timeout: fn(&$error) -> bool = $is_timeout;
                        assert!(is_timeout(r.as_ref().unwrap_err()), "{flavour}: timeout: {r:?}");
                        let r =
                            timeout_at(Instant::now() + Duration::from_millis(10), blocked(e.clone())).await;
                        assert!(is_timeout(r.as_ref().unwrap_err()), "{flavour}: timeout_at: {r:?}");
                        let r = wait_for(blocked(e), Duration::from_millis(10)).await;
                        assert!(is_timeout(r.as_ref().unwrap_err()), "{flavour}: wait_for: {r:?}");
                    });
                }

                #[test]
                fn timeout_stops_at_a_cancellation() {
                    common::block_on_both(|flavour| async move {
                        for which in ["timeout", "timeout_at", "wait_for"] {
                            let started = Arc::new(Event::new());
                            let seen: Arc<Mutex<Option<String>>> = Default::default();
                            let (st, s) = (started.clone(), seen.clone());
                            let owner = spawn(async move {
                                let r = match which {
                                    "timeout" => timeout(HOUR, blocked(st)).await,
                                    "timeout_at" => timeout_at(Instant::now() + HOUR, blocked(st)).await,
                                    _ => wait_for(blocked(st), HOUR).await,
                                };
                                let is_cancelled: fn(&$error) -> bool = $is_cancelled;
                                *s.lock() = Some(match &r {
                                    Err(e) if is_cancelled(e) => "cancelled".to_string(),
                                    other => format!("{other:?}"),
                                });
                                r
                            });
                            started.wait().await.unwrap();
                            assert!(owner.cancel(None));
                            let joined = owner.await;
                            assert_eq!(
                                seen.lock().take().as_deref(),
                                Some("cancelled"),
                                "{flavour}: {which}"
                            );
                            assert!(
                                matches!(joined, Err(JoinError::Cancelled(_))),
                                "{flavour}: {which}: {joined:?}"
                            );
                        }
                    });
                }

                #[test]
                fn retry_retries_a_failure_and_stops_at_a_cancellation() {
                    common::block_on_both(|flavour| async move {
                        let policy = RetryPolicy::builder()
                            .max_attempts(5)
                            .initial_delay(Duration::from_millis(1))
                            .build()
                            .unwrap();
                        let transient: fn() -> $error = $transient;
                        let r = retry(&policy, |attempt| async move {
                            if attempt < 3 { Err(transient()) } else { Ok(attempt) }
                        })
                        .await;
                        assert_eq!(r.unwrap(), 3, "{flavour}");

                        let started = Arc::new(Event::new());
                        let attempts = Arc::new(AtomicU32::new(0));
                        let (st, a) = (started.clone(), attempts.clone());
                        let owner = spawn(async move {
                            retry(&policy, |attempt| {
                                a.fetch_add(1, SeqCst);
                                let st = st.clone();
                                async move { if attempt > 1 { Ok(()) } else { blocked(st).await } }
                            })
                            .await
                        });
                        started.wait().await.unwrap();
                        assert!(owner.cancel(None));
                        let joined = owner.await;
                        assert_eq!(attempts.load(SeqCst), 1, "{flavour}: {joined:?}");
                        assert!(matches!(joined, Err(JoinError::Cancelled(_))), "{flavour}: {joined:?}");
                    });
                }
            }
        };
    }

    any_error_body_tests!(boxed, BoxError, |e| e.is::<TimeoutError>(), |e| e.is::<Cancelled>(), || Box::new(
        std::io::Error::other("transient")
    ));

    any_error_body_tests!(
        anyhow_error,
        anyhow::Error,
        |e| e.is::<TimeoutError>(),
        |e| e.is::<Cancelled>(),
        || anyhow::anyhow!("transient")
    );
}
