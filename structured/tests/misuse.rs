//! Misuse of the structured layer: every mistake a user can make at run time, with the
//! outcome weft documents for it (a typed error, a panic whose message says what to do,
//! or a documented behaviour), never a hang, an abort or a lost value. Each case runs
//! under a watchdog, so a hang fails in seconds. docs/misuse.md lists every case.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Waker};
use std::time::{Duration, Instant};
use weft_executor::{Cancelled, Runtime};
use weft_structured::{
    CancelScope, GroupError, GroupSpawnError, GroupStateError, Interrupted, LocalResetError, RetryPolicy,
    RetryPolicyError, ReturnWhen, StartError, TaskGroup, TaskLocal, Timeout, TimeoutError, TimeoutStateError,
    WaitError, fail_after, gather, move_on_after, move_on_at, task_group, timeout, timeout_at, wait,
    wait_for_secs,
};

/// A body that has not finished by then has hung.
const LIMIT: Duration = Duration::from_secs(20);

/// Runs `f` on its own thread; a hang fails the test after `LIMIT`, a panic is re-raised.
fn watchdog<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    let body = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(LIMIT) {
        Ok(v) => {
            body.join().unwrap();
            v
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match body.join() {
            Err(p) => std::panic::resume_unwind(p),
            Ok(()) => unreachable!("the body neither returned nor panicked"),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("hung: no result after {LIMIT:?}"),
    }
}

/// Runs the body on a current-thread runtime and on a two-worker one, under the watchdog.
fn both<F: Future<Output = ()>>(body: impl Fn(&'static str) -> F + Send + Sync + 'static) {
    let body = Arc::new(body);
    let b = body.clone();
    watchdog(move || Runtime::builder().current_thread().build().unwrap().block_on(b("current_thread")));
    watchdog(move || Runtime::builder().worker_threads(2).build().unwrap().block_on(body("multi_thread")));
}

fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Counts live values; a guard's drop may panic.
#[derive(Clone, Default)]
struct Live(Arc<AtomicUsize>);

impl Live {
    fn guard(&self, panic_on_drop: bool) -> Guard {
        self.0.fetch_add(1, SeqCst);
        Guard(self.0.clone(), panic_on_drop)
    }
    fn count(&self) -> usize {
        self.0.load(SeqCst)
    }
}

struct Guard(Arc<AtomicUsize>, bool);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, SeqCst);
        if self.1 {
            panic!("guard drop panics");
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

// ---------------------------------------------------------------------------------------
// Task groups

#[test]
fn a_group_run_twice() {
    both(|flavour| async move {
        let tg = TaskGroup::new();
        let first = tg.run(|_| async { Ok::<_, Cancelled>(1) });
        assert!(first.is_ok());
        assert_eq!(tg.run(|_| async { Ok::<_, Cancelled>(2) }).err(), Some(GroupStateError::AlreadyEntered));
        assert_eq!(first.unwrap().await.unwrap(), 1, "{flavour}");
    });
}

#[test]
fn spawning_into_a_group_before_it_runs_or_after_it_finished() {
    both(|flavour| async move {
        let tg = TaskGroup::new();
        let e = tg.spawn(async { Ok::<(), Cancelled>(()) }).unwrap_err();
        assert_eq!(e, GroupSpawnError::NotEntered, "{flavour}");
        let leaked = task_group(|tg| async move { Ok::<_, GroupSpawnError>(tg) }).await.unwrap();
        let e = leaked.spawn(async { Ok::<(), Cancelled>(()) }).unwrap_err();
        assert_eq!(e, GroupSpawnError::Finished, "{flavour}");
        assert!(!e.to_string().is_empty());
    });
}

#[test]
fn spawning_into_a_group_that_is_shutting_down() {
    both(|flavour| async move {
        let r = task_group(|tg| async move {
            tg.spawn(async { Err::<(), _>(std::io::Error::other("boom")) })?;
            // The body's next checkpoint sees the group's cancellation.
            let cancelled = weft_executor::time::sleep(Duration::from_secs(60)).await.is_err();
            let refused = tg.spawn(async { Ok::<(), Cancelled>(()) }).unwrap_err();
            assert!(cancelled);
            assert_eq!(refused, GroupSpawnError::ShuttingDown);
            Ok::<_, BoxError>(())
        })
        .await;
        assert!(matches!(r, Err(GroupError::Failed(ref g)) if g.len() == 1), "{flavour}: {r:?}");
    });
}

#[test]
fn spawning_into_a_group_from_a_thread_without_a_runtime() {
    both(|flavour| async move {
        let r = task_group(|tg| async move {
            let e =
                std::thread::spawn(move || tg.spawn(async { Ok::<(), Cancelled>(()) }).err()).join().unwrap();
            assert_eq!(e, Some(GroupSpawnError::Runtime(weft_executor::SpawnError::NoRuntime)));
            Ok::<_, BoxError>(())
        })
        .await;
        assert!(r.is_ok(), "{flavour}: {r:?}");
    });
}

/// A child the runtime refuses, whose future's destructor uses the same group: it
/// spawns into it, cancels it and reads its size. The group holds its lock while it
/// spawns; the refused child is dropped only after the lock is released, so none of this
/// deadlocks, the destructor's own spawn gets the same error, and the group, never told
/// of a child, is not stopped by a child that never existed (its `cancel` does stop it).
#[test]
fn a_refused_child_whose_destructor_uses_its_group() {
    both(|flavour| async move {
        /// What the destructor saw: its own spawn's error, and the group's size.
        type Seen = Arc<parking_lot::Mutex<Option<(Option<GroupSpawnError>, usize)>>>;
        struct UsesGroup(TaskGroup, Seen);
        impl Drop for UsesGroup {
            fn drop(&mut self) {
                let nested = self.0.spawn(async { Ok::<(), Cancelled>(()) }).err();
                let len = self.0.len();
                self.0.cancel();
                *self.1.lock() = Some((nested, len));
            }
        }
        let seen = Arc::new(parking_lot::Mutex::new(None));
        let s2 = seen.clone();
        let r = task_group(|tg| async move {
            let uses = UsesGroup(tg.clone(), s2);
            let e = std::thread::spawn(move || {
                tg.spawn(async move {
                    let _u = uses;
                    Ok::<(), Cancelled>(())
                })
                .err()
            })
            .join()
            .unwrap();
            assert_eq!(e, Some(GroupSpawnError::Runtime(weft_executor::SpawnError::NoRuntime)));
            weft_executor::time::sleep(Duration::from_secs(60)).await?;
            Ok::<_, BoxError>(())
        })
        .await;
        let (nested, len) = seen.lock().take().expect("the refused child was dropped");
        assert_eq!(nested, Some(GroupSpawnError::Runtime(weft_executor::SpawnError::NoRuntime)), "{flavour}");
        assert_eq!(len, 0, "{flavour}");
        assert!(matches!(r, Err(GroupError::Stopped)), "{flavour}: {r:?}");
    });
}

#[test]
fn a_child_and_a_body_that_panic_are_failures() {
    both(|flavour| async move {
        let r = task_group(|tg| async move {
            tg.spawn(async { panic!("child panics") as Result<(), Cancelled> })?;
            weft_executor::yield_now().await?;
            Ok::<_, BoxError>(())
        })
        .await;
        let g = r.unwrap_err().failures().cloned().expect("failed");
        assert!(g.to_string().contains("child panics"), "{flavour}: {g}");
        let r = task_group(|_| async move {
            if true {
                panic!("body panics");
            }
            Ok::<_, BoxError>(())
        })
        .await;
        let g = r.unwrap_err().failures().cloned().expect("failed");
        assert!(g.to_string().contains("body panics"), "{flavour}: {g}");
    });
}

/// A child's future whose Drop panics while the group cancels it: the group must still
/// join every child and return.
///
/// A child cancelled before its first poll is dropped by the runtime; if its future's
/// destructor panics, the group is still told (the panic is the child's failure), so
/// `run` returns instead of waiting for a child that is gone.
#[test]
fn a_child_whose_drop_panics_when_the_group_cancels_it() {
    both(|flavour| async move {
        let live = Live::default();
        let l = live.clone();
        let r = task_group(|tg| async move {
            for i in 0..3 {
                let g = l.guard(i == 1);
                tg.spawn(async move {
                    let _g = g;
                    weft_executor::time::sleep(Duration::from_secs(60)).await
                })?;
            }
            tg.cancel(); // before the children's first poll: the runtime drops them
            Ok::<_, BoxError>(())
        })
        .await;
        let failures = r.as_ref().err().and_then(|e| e.failures()).map(|g| g.len());
        assert_eq!(failures, Some(1), "{flavour}: the panicking drop is the one failure: {r:?}");
        assert_eq!(live.count(), 0, "{flavour}: every child dropped");
    });
}

/// The same child, polled before the group cancels it: its drop panics inside its poll,
/// which the group catches and reports as a failure.
#[test]
fn a_child_whose_drop_panics_after_it_started() {
    both(|flavour| async move {
        let live = Live::default();
        let l = live.clone();
        let started = Arc::new(AtomicUsize::new(0));
        let s = started.clone();
        let r = task_group(|tg| async move {
            for i in 0..3 {
                let (g, s) = (l.guard(i == 1), s.clone());
                tg.spawn(async move {
                    let _g = g;
                    s.fetch_add(1, SeqCst);
                    weft_executor::time::sleep(Duration::from_secs(60)).await
                })?;
            }
            while s.load(SeqCst) < 3 {
                weft_executor::yield_now().await?;
            }
            tg.cancel();
            Ok::<_, BoxError>(())
        })
        .await;
        let g = r.unwrap_err().failures().cloned().expect("the panicking drop is a failure");
        assert!(g.to_string().contains("guard drop panics"), "{flavour}: {g}");
        assert_eq!(started.load(SeqCst), 3);
        assert_eq!(live.count(), 0, "{flavour}: every child dropped");
    });
}

#[test]
fn start_with_a_child_that_never_reports() {
    both(|flavour| async move {
        let r = task_group(|tg| async move {
            let e =
                tg.start(|_status: weft_structured::StartStatus<u8>| async { Ok::<(), Cancelled>(()) }).await;
            assert!(matches!(e, Err(StartError::EndedBeforeStarted)), "{e:?}");
            Ok::<_, BoxError>(())
        })
        .await;
        assert!(r.is_ok(), "{flavour}: {r:?}");
    });
}

// ---------------------------------------------------------------------------------------
// Timeouts and cancel scopes: durations at both ends of the range

#[test]
fn timeouts_of_zero_and_of_duration_max() {
    both(|flavour| async move {
        let r = timeout(Duration::ZERO, async {
            weft_executor::yield_now().await?;
            Ok::<_, Interrupted>(())
        })
        .await;
        assert_eq!(r, Err(Interrupted::TimedOut(TimeoutError)), "{flavour}");
        let r = timeout(Duration::MAX, async { Ok::<_, Interrupted>(5) }).await;
        assert_eq!(r, Ok(5), "{flavour}");
        let past = Instant::now() - Duration::from_secs(1);
        let r = timeout_at(past, async {
            weft_executor::yield_now().await?;
            Ok::<_, Interrupted>(())
        })
        .await;
        assert!(r.unwrap_err().is_timeout());
    });
}

#[test]
fn timeouts_in_seconds_that_are_not_durations() {
    watchdog(|| {
        for bad in [-1.0, f64::NAN, f64::INFINITY, 1e300] {
            assert!(Timeout::after_secs(bad).is_err(), "{bad}");
            assert!(wait_for_secs(async { Ok::<(), Interrupted>(()) }, bad).is_err(), "{bad}");
        }
    });
}

#[test]
fn a_timeout_rescheduled_before_entry_or_run_twice() {
    both(|flavour| async move {
        let t = Timeout::after(Some(Duration::from_secs(60)));
        assert_eq!(t.reschedule(None), Err(TimeoutStateError::NotEntered), "{flavour}");
        let run = t.run(async { Ok::<_, Interrupted>(1) }).unwrap();
        assert_eq!(t.run(async { Ok::<_, Interrupted>(2) }).err(), Some(TimeoutStateError::AlreadyEntered));
        assert_eq!(run.await, Ok(1));
        let far = Instant::now() + Duration::from_secs(10 * 365 * 86400);
        assert!(t.reschedule(Some(far)).is_ok() || t.reschedule(Some(far)).is_err());
    });
}

#[test]
fn move_on_and_fail_after_at_both_ends() {
    both(|flavour| async move {
        assert_eq!(move_on_after(Duration::MAX, async { 1 }).await, Some(1), "{flavour}");
        assert_eq!(move_on_after(Duration::ZERO, weft_executor::yield_now()).await, None, "{flavour}");
        let past = Instant::now() - Duration::from_secs(1);
        assert_eq!(move_on_at(past, weft_executor::yield_now()).await, None);
        let r = fail_after(Duration::ZERO, async {
            weft_executor::yield_now().await?;
            Ok::<_, Interrupted>(())
        })
        .await;
        assert!(r.unwrap_err().is_timeout(), "{flavour}");
        let r = fail_after(Duration::MAX, async { Ok::<_, Interrupted>(2) }).await;
        assert_eq!(r, Ok(2));
    });
}

#[test]
fn a_cancel_scope_entered_twice_panics_with_a_message() {
    both(|flavour| async move {
        let scope = CancelScope::new();
        assert_eq!(scope.run(async { 1 }).await, Some(1));
        let again = scope.run(async { 2 });
        let mut again = Box::pin(again);
        let msg = panic_message(|| {
            let _ = again.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        });
        assert!(msg.contains("entered only once; create a new CancelScope"), "{flavour}: {msg}");
    });
}

#[test]
fn a_cancel_scope_cancelled_before_it_is_entered() {
    both(|flavour| async move {
        let scope = CancelScope::new();
        scope.cancel();
        scope.cancel();
        let r = scope.run(async { weft_executor::yield_now().await }).await;
        assert_eq!(r, None, "{flavour}: the body's first checkpoint is cancelled and the scope catches it");
        assert!(scope.cancelled_caught());
    });
}

// ---------------------------------------------------------------------------------------
// wait, gather, retry, task-locals

#[test]
fn wait_on_no_tasks_and_gather_of_nothing() {
    both(|flavour| async move {
        let r = wait(Vec::<weft_executor::Task<Result<(), ()>>>::new(), ReturnWhen::AllCompleted, None).await;
        assert_eq!(r.err(), Some(WaitError::Empty), "{flavour}");
        let all = gather(Vec::<std::future::Ready<Result<u8, Cancelled>>>::new()).await.unwrap();
        assert!(all.is_empty());
        let t = weft_executor::spawn(async { Ok::<u8, ()>(1) });
        let (done, pending) = wait(vec![t], ReturnWhen::AllCompleted, Some(Duration::MAX)).await.unwrap();
        assert_eq!((done.len(), pending.len()), (1, 0));
    });
}

#[test]
fn retry_policies_that_cannot_work() {
    watchdog(|| {
        assert_eq!(
            RetryPolicy::builder().max_attempts(0).build().err(),
            Some(RetryPolicyError::ZeroAttempts)
        );
        for m in [0.5, -1.0, f64::INFINITY] {
            assert!(matches!(
                RetryPolicy::builder().multiplier(m).build(),
                Err(RetryPolicyError::InvalidMultiplier(_))
            ));
        }
        assert!(RetryPolicy::builder().multiplier(f64::NAN).build().is_err());
        for j in [-0.1, 1.5, f64::NAN] {
            assert!(RetryPolicy::builder().jitter(j).build().is_err(), "{j}");
        }
        let p = RetryPolicy::builder()
            .max_attempts(u32::MAX)
            .initial_delay(Duration::MAX)
            .max_delay(Duration::MAX)
            .multiplier(1e300)
            .build()
            .unwrap();
        for attempt in [0, 1, 2, 64, u32::MAX] {
            assert!(p.delay_before(attempt) <= Duration::MAX); // no overflow panic
        }
    });
}

#[test]
fn a_task_local_reset_with_the_wrong_token() {
    watchdog(|| {
        static A: TaskLocal<u32> = TaskLocal::new("a");
        static B: TaskLocal<u32> = TaskLocal::new("b");
        both(|flavour| async move {
            let token = A.set(1);
            assert_eq!(B.reset(token).err(), Some(LocalResetError::WrongVariable), "{flavour}");
            let token = A.set(2);
            let r = weft_executor::spawn(async move { A.reset(token) }).await.unwrap();
            assert_eq!(r.err(), Some(LocalResetError::WrongTask), "{flavour}");
            assert_eq!(A.get(), Some(2), "the refused resets changed nothing");
        });
    });
}

#[test]
fn a_task_local_outside_any_task() {
    watchdog(|| {
        static C: TaskLocal<u32> = TaskLocal::new("c");
        assert_eq!(C.get(), None);
        assert_eq!(C.get_or(4), 4);
    });
}

#[test]
fn a_retried_operation_that_is_cancelled_stops_retrying() {
    both(|flavour| async move {
        let attempts = Arc::new(AtomicUsize::new(0));
        let a = attempts.clone();
        let t = weft_executor::spawn(async move {
            let p = RetryPolicy::builder()
                .max_attempts(1000)
                .initial_delay(Duration::from_millis(1))
                .build()
                .unwrap();
            // A timeout error stands for any failure worth retrying.
            weft_structured::retry(&p, |_| {
                a.fetch_add(1, SeqCst);
                async { Err::<(), _>(Interrupted::TimedOut(TimeoutError)) }
            })
            .await
        });
        while attempts.load(SeqCst) < 2 {
            weft_executor::yield_now().await.unwrap();
        }
        t.cancel(None);
        let r = t.await;
        assert!(
            r.as_ref().is_err_and(|e| e.is_cancelled()) || r.as_ref().is_ok_and(|r| r.is_err()),
            "{flavour}"
        );
        let n = attempts.load(SeqCst);
        assert!(n < 1000, "{flavour}: retried {n} times after the cancellation");
    });
}

/// A runtime kept in a thread-local and dropped when its thread exits: its shutdown drops
/// a group's children while the thread's other thread-locals are being destroyed. The
/// children still tell their group that they ended, and nothing panics (a panic in a
/// thread-local's destructor would abort the process).
#[test]
fn a_runtime_dropped_by_a_thread_local_destructor_ends_its_group_children() {
    use std::cell::RefCell;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

    thread_local! {
        static RT: RefCell<Option<Runtime>> = const { RefCell::new(None) };
    }
    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, SeqCst);
        }
    }
    let child_dropped = Arc::new(AtomicBool::new(false));
    let flag = child_dropped.clone();
    std::thread::spawn(move || {
        RT.with(|rt| *rt.borrow_mut() = Some(Runtime::builder().current_thread().build().unwrap()));
        RT.with(|rt| {
            let rt = rt.borrow();
            let rt = rt.as_ref().unwrap();
            rt.block_on(async move {
                // A group whose child ends at once (its report goes through this
                // thread's thread-locals), and one that stays blocked, in a task that
                // outlives `block_on`.
                weft_structured::task_group(|tg| async move {
                    tg.spawn(async { Ok::<_, Cancelled>(()) })?;
                    Ok::<_, GroupSpawnError>(())
                })
                .await
                .unwrap();
                drop(weft_executor::spawn(async move {
                    let _ = weft_structured::task_group(|tg| async move {
                        tg.spawn(async move {
                            let _guard = SetOnDrop(flag);
                            std::future::pending::<()>().await;
                            Ok::<_, Cancelled>(())
                        })?;
                        Ok::<_, GroupSpawnError>(())
                    })
                    .await;
                }));
                weft_executor::yield_now().await.unwrap();
                weft_executor::yield_now().await.unwrap();
            });
        });
    })
    .join()
    .expect("the thread exits cleanly");
    assert!(child_dropped.load(SeqCst), "the blocked child was dropped at shutdown");
}
