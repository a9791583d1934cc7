//! Trio's cancel scopes, shields and deadlines; cancellation paths of every construct
//! (before the first poll, while suspended, after hand-off, after completion); bad input.

mod common;
use common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weft_executor::time::now;
use weft_executor::{Cancelled, current_task, spawn, yield_now};
use weft_structured::*;

#[test]
fn scope_is_level_triggered_until_exit() {
    run(async {
        let scope = CancelScope::new();
        let s = scope.clone();
        let failures = scope
            .run(async move {
                s.cancel();
                let mut n = 0;
                for _ in 0..3 {
                    n += yield_now().await.is_err() as usize;
                }
                n
            })
            .await;
        assert_eq!(failures, Some(3)); // the body swallowed: not caught
        assert!(scope.cancel_called() && !scope.cancelled_caught());
        assert!(yield_now().await.is_ok(), "outside the scope, checkpoints work again");
    })
}

#[test]
fn scope_cancelled_before_entry_and_deadline_in_the_past() {
    run(async {
        let scope = CancelScope::new();
        scope.cancel();
        assert_eq!(scope.run(async { yield_now().await }).await, None);
        assert!(scope.cancelled_caught());
        let past = CancelScope::with_deadline(Instant::now() - ms(1));
        assert_eq!(past.run(async { yield_now().await }).await, None);
        assert!(past.cancel_called());
    })
}

/// On a paused clock: the first deadline is not past when its scope is entered, however
/// long the thread is descheduled, so the body outlives it only if moving it later worked.
#[test]
fn scope_deadline_moved_while_waiting() {
    run_paused(async {
        let scope = CancelScope::with_deadline(now() + Duration::from_secs(60));
        let s = scope.clone();
        let mover = spawn(async move {
            sleep_ms(20).await?;
            s.set_deadline(Some(now() + ms(10)));
            Ok::<_, Cancelled>(())
        });
        let start = now();
        let r = scope.run(sleep_ms(60_000)).await;
        assert_eq!(r, None);
        assert_eq!(now() - start, ms(30), "cancelled at the moved deadline");
        mover.await.unwrap().unwrap();
        // Moved later while waiting: the body outlives the first deadline.
        let scope = CancelScope::with_deadline(now() + ms(20));
        let s = scope.clone();
        let r = scope
            .run(async move {
                s.set_deadline(Some(now() + Duration::from_secs(60)));
                sleep_ms(60).await
            })
            .await;
        assert_eq!(r, Some(Ok(())));
    })
}

#[test]
fn nested_scopes_outer_cancel_passes_through_inner() {
    run(async {
        let outer = CancelScope::new();
        let inner = CancelScope::new();
        let (o, i) = (outer.clone(), inner.clone());
        let r = outer
            .run(async move {
                let r = i
                    .run(async move {
                        o.cancel();
                        yield_now().await
                    })
                    .await;
                // The inner scope did not cancel: it passes the outer cancellation on.
                assert!(matches!(r, Some(Err(_))));
                r.unwrap()
            })
            .await;
        assert_eq!(r, None);
        assert!(outer.cancelled_caught() && !inner.cancelled_caught());
    })
}

#[test]
fn shielded_scope_hides_outer_cancel_and_defers_requests() {
    run(async {
        let outer = CancelScope::new();
        let o = outer.clone();
        let r = outer
            .run(async move {
                o.cancel();
                let shielded = CancelScope::shielded()
                    .run(async {
                        current_task().unwrap().cancel(Some("later"));
                        yield_now().await?; // neither the scope nor the request gets in
                        sleep_ms(5).await
                    })
                    .await;
                assert_eq!(shielded, Some(Ok(())));
                yield_now().await
            })
            .await;
        assert_eq!(r, None);
        // The deferred request is delivered after the shield (and the scope) are left.
        let e = yield_now().await.unwrap_err();
        assert_eq!(e.message(), Some("later"));
        current_task().unwrap().uncancel();
    })
}

#[test]
fn scope_reaches_tasks_spawned_inside() {
    run(async {
        let scope = CancelScope::new();
        let s = scope.clone();
        let child_cancelled = Arc::new(AtomicBool::new(false));
        let cc = child_cancelled.clone();
        scope
            .run(async move {
                let child = spawn(async move {
                    let r = sleep_ms(60_000).await;
                    cc.store(r.is_err(), SeqCst);
                });
                yield_now().await.unwrap();
                s.cancel();
                let _ = weft_structured::await_task(child).await;
            })
            .await;
        assert!(child_cancelled.load(SeqCst));
    })
}

#[test]
fn current_effective_deadline_nearest_up_to_shield() {
    run(async {
        let d1 = Instant::now() + Duration::from_secs(10);
        let d2 = Instant::now() + Duration::from_secs(20);
        let seen = CancelScope::with_deadline(d1)
            .run(async move {
                let inner = CancelScope::with_deadline(d2).run(async { current_effective_deadline() }).await;
                let shielded = CancelScope::shielded().run(async { current_effective_deadline() }).await;
                (inner, shielded)
            })
            .await;
        assert_eq!(seen, Some((Some(Some(d1)), Some(None))));
    })
}

#[test]
fn fail_after_and_move_on_after() {
    run(async {
        let r = fail_after(ms(10), async { Ok::<_, Interrupted>(sleep_ms(60_000).await?) }).await;
        assert!(r.unwrap_err().is_timeout());
        let r = move_on_after(ms(10), sleep_ms(60_000)).await;
        assert_eq!(r, None);
        let r = move_on_after(Duration::from_secs(10), async { 5 }).await;
        assert_eq!(r, Some(5));
    })
}

/// Trio's example: a hello with a timeout, then a goodbye (shielded, with its own
/// deadline) whatever happened. See docs/book/04-cancellation.md.
#[test]
fn goodbye_message_after_a_timeout() {
    run(async {
        let sent = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let log = sent.clone();
        let r = move_on_after(ms(20), async move {
            let hello = async {
                sleep_ms(60_000).await?; // the peer is slow: cut off by the timeout
                log.lock().push("hello");
                Ok::<_, Cancelled>(())
            }
            .await;
            let cleanup = CancelScope::shielded();
            cleanup.set_deadline(Some(Instant::now() + Duration::from_secs(1)));
            let bye = cleanup
                .run(async {
                    sleep_ms(10).await?; // an await that would fail without the shield
                    log.lock().push("goodbye");
                    Ok::<_, Cancelled>(())
                })
                .await;
            assert_eq!(bye, Some(Ok(())));
            hello
        })
        .await;
        assert_eq!(r, None);
        assert_eq!(*sent.lock(), vec!["goodbye"]);
    })
}

// ---- cancellation paths -------------------------------------------------------------

#[test]
fn timeout_cancelled_before_first_poll() {
    run(async {
        let t = spawn(timeout(Duration::from_secs(10), async { Ok::<_, Interrupted>(sleep_ms(10).await?) }));
        t.cancel(None);
        assert!(t.await.unwrap_err().is_cancelled());
    })
}

#[test]
fn timeout_cancelled_while_suspended_is_a_cancellation() {
    run(async {
        let t =
            spawn(timeout(Duration::from_secs(10), async { Ok::<_, Interrupted>(sleep_ms(60_000).await?) }));
        yield_now().await.unwrap();
        t.cancel(None);
        assert!(t.await.unwrap_err().is_cancelled());
    })
}

#[test]
fn cancel_after_timeout_fired_is_still_a_cancellation() {
    run(async {
        // The timeout fires, then an outside cancel arrives before the body ends: two
        // requests, one taken back: the cancellation propagates (not a TimeoutError).
        let t = spawn(async {
            timeout(ms(5), async {
                let c = sleep_ms(60_000).await.unwrap_err();
                sleep_ms(50).await.ok(); // cleanup; the outside cancel lands here
                Err::<(), _>(Interrupted::from(c))
            })
            .await
        });
        sleep_ms(20).await.unwrap();
        t.cancel(None);
        assert!(t.await.unwrap_err().is_cancelled());
    })
}

#[test]
fn timeout_after_completion_does_nothing() {
    run(async {
        let cm = Timeout::after(Some(ms(5)));
        assert_eq!(cm.run(async { Ok::<_, Interrupted>(1) }).unwrap().await, Ok(1));
        sleep_ms(20).await.unwrap();
        assert!(!cm.expired());
        assert_eq!(current_task().unwrap().cancelling(), 0);
        assert!(yield_now().await.is_ok());
    })
}

#[test]
fn group_cancelled_before_first_poll() {
    run(async {
        let t = spawn(task_group(|tg| async move {
            tg.spawn(sleep_ms(10))?;
            Ok::<_, E>(())
        }));
        t.cancel(None);
        assert!(t.await.unwrap_err().is_cancelled());
    })
}

#[test]
fn group_cancelled_while_joining_children() {
    run(async {
        let cleaned = Arc::new(AtomicUsize::new(0));
        let c = cleaned.clone();
        let t = spawn(task_group(move |tg| async move {
            for _ in 0..3 {
                let c = c.clone();
                tg.spawn(async move {
                    let r = sleep_ms(60_000).await;
                    sleep_ms(5).await.ok(); // cleanup may await
                    c.fetch_add(1, SeqCst);
                    r
                })?;
            }
            Ok::<_, E>(()) // the body is done: the group is joining
        }));
        sleep_ms(10).await.unwrap();
        t.cancel(None);
        assert!(t.await.unwrap_err().is_cancelled());
        assert_eq!(cleaned.load(SeqCst), 3);
    })
}

#[test]
fn child_cancelled_after_completion_is_a_no_op() {
    run(async {
        let t = task_group(|tg| async move {
            let t = tg.spawn(async { Ok::<_, E>(1) })?;
            sleep_ms(5).await?;
            assert!(!t.cancel(None));
            Ok::<_, E>(t)
        })
        .await
        .unwrap();
        assert_eq!(t.take_result().unwrap().unwrap(), 1);
    })
}

#[test]
fn start_waits_for_started_and_fails_if_child_ends_first() {
    run(async {
        task_group(|tg| async move {
            let v = tg
                .start(|status| async move {
                    sleep_ms(5).await?;
                    status.started(7);
                    sleep_ms(5).await
                })
                .await
                .unwrap();
            assert_eq!(v, 7);
            let e = tg.start(|_status: StartStatus<u8>| async move { Ok::<_, Cancelled>(()) }).await;
            assert!(matches!(e, Err(StartError::EndedBeforeStarted)));
            Ok::<_, E>(())
        })
        .await
        .unwrap();
    })
}

#[test]
fn group_cancel_stops_children_and_returns_normally() {
    run(async {
        let r = task_group(|tg| async move {
            tg.spawn(sleep_ms(60_000))?;
            let tg2 = tg.clone();
            tg.spawn(async move {
                sleep_ms(5).await?;
                tg2.cancel();
                Ok::<_, E>(())
            })?;
            sleep_ms(60_000).await?;
            Ok::<_, E>(())
        })
        .await;
        assert!(matches!(r, Err(GroupError::Stopped)));
        assert_eq!(current_task().unwrap().cancelling(), 0);
    })
}

#[test]
fn shield_after_completion_returns_value() {
    run(async {
        assert_eq!(shield(async { 3 }).await.unwrap(), 3);
    })
}

#[test]
fn shield_is_not_reached_by_outer_scope() {
    run(async {
        let scope = CancelScope::new();
        let s = scope.clone();
        let inner_done = Arc::new(AtomicBool::new(false));
        let d = inner_done.clone();
        let kept = Arc::new(parking_lot::Mutex::new(None));
        let k = kept.clone();
        let r = scope
            .run(async move {
                let f = shield(async move {
                    sleep_ms(20).await?;
                    d.store(true, SeqCst);
                    Ok::<_, Cancelled>(())
                });
                s.cancel();
                let (c, task) = f.await.unwrap_err().into_parts();
                *k.lock() = task;
                Err::<(), _>(c)
            })
            .await;
        // The scope caught its own cancellation; the shielded task ran on.
        assert_eq!(r, None);
        let task = kept.lock().take().unwrap();
        task.await.unwrap().unwrap();
        assert!(inner_done.load(SeqCst));
    })
}

/// `n` futures that sleep for a minute; each one that is cancelled counts itself.
fn sleepers_counting_cancellations(
    n: usize,
    cancelled: &Arc<AtomicUsize>,
) -> Vec<impl std::future::Future<Output = Result<(), Cancelled>> + use<>> {
    (0..n)
        .map(|_| {
            let c = cancelled.clone();
            async move {
                let r = sleep_ms(60_000).await;
                if r.is_err() {
                    c.fetch_add(1, SeqCst);
                }
                r
            }
        })
        .collect()
}

#[test]
fn gather_cancelled_cancels_children() {
    run(async {
        let cancelled = Arc::new(AtomicUsize::new(0));
        let c = cancelled.clone();
        let t = spawn(async move { gather(sleepers_counting_cancellations(3, &c)).await });
        sleep_ms(10).await.unwrap();
        t.cancel(None);
        assert!(t.await.unwrap_err().is_cancelled());
        assert_eq!(cancelled.load(SeqCst), 3);
    })
}

#[test]
fn gather_settled_reports_every_child_and_a_cancellation_cancels_them_all() {
    run(async {
        let all = gather_settled(vec![
            Box::pin(async { sleep_ms(20).await.map(|_| 1) })
                as std::pin::Pin<Box<dyn std::future::Future<Output = Result<i32, Cancelled>> + Send>>,
            Box::pin(async { Err(Cancelled::new(Some("child"))) }),
        ])
        .await
        .unwrap();
        assert!(matches!(all[0], Ok(Ok(1))), "argument order, values kept");
        // A child that returns a `Cancelled` it made ended cancelled (asyncio: a coroutine
        // that raises `CancelledError("child")`); gather_settled reports it as such.
        assert!(matches!(&all[1], Err(weft::JoinError::Cancelled(c)) if c.message() == Some("child")));

        let cancelled = Arc::new(AtomicUsize::new(0));
        let c = cancelled.clone();
        let t = spawn(async move { gather_settled(sleepers_counting_cancellations(3, &c)).await });
        sleep_ms(10).await.unwrap();
        t.cancel(None);
        // The waiter's cancellation comes out as Err, and the task that returned it ends
        // cancelled.
        assert!(t.await.unwrap_err().is_cancelled());
        assert_eq!(cancelled.load(SeqCst), 3, "every child was cancelled and awaited");
    })
}

#[test]
fn gather_resumes_a_childs_panic() {
    run(async {
        let t = spawn(async {
            gather(vec![
                Box::pin(async { Ok::<_, Cancelled>(1) })
                    as std::pin::Pin<Box<dyn std::future::Future<Output = Result<i32, Cancelled>> + Send>>,
                Box::pin(async { panic!("child blew up") }),
            ])
            .await
        });
        let err = t.await.unwrap_err();
        assert!(err.to_string().contains("child blew up"), "{err}");
    })
}

/// `gather!`'s future is `Send`, so it can run in a spawned task (it once could not:
/// rustc failed to prove an `async fn` generic over the markers `Send`).
#[test]
fn gather_macro_runs_inside_a_spawned_task() {
    run(async {
        let t = weft_executor::spawn(async {
            weft_structured::gather!(async { Ok::<_, E>(1u8) }, async { Ok::<_, E>("s") }).await
        });
        assert_eq!(t.await.unwrap().unwrap(), (1, "s"));
    })
}

#[test]
fn gather_first_error_and_macro() {
    run(async {
        let r = gather(vec![
            Box::pin(async { sleep_ms(50).await.map(|_| 1) })
                as std::pin::Pin<Box<dyn std::future::Future<Output = Result<i32, Cancelled>> + Send>>,
            Box::pin(async { Err(Cancelled::new(Some("child"))) }),
        ])
        .await;
        assert_eq!(r.unwrap_err().message(), Some("child"));
        let (a, b, c) =
            weft_structured::gather!(async { Ok::<_, E>(1u8) }, async { Ok::<_, E>("s") }, async {
                Ok::<_, E>(vec![1])
            })
            .await
            .unwrap();
        assert_eq!((a, b, c), (1, "s", vec![1]));
    })
}

#[test]
fn wait_first_exception_and_timeout() {
    run(async {
        let ok = spawn(async { sleep_ms(60_000).await.map_err(|_| "cancelled") });
        let bad = spawn(async {
            sleep_ms(5).await.unwrap();
            Err::<(), _>("bad")
        });
        let (done, pending) = wait(vec![ok, bad], ReturnWhen::FirstException, None).await.unwrap();
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].index, 1);
        let (done, pending) =
            wait(pending.into_iter().map(|(_, t)| t).collect(), ReturnWhen::AllCompleted, Some(ms(10)))
                .await
                .unwrap();
        assert!(done.is_empty());
        assert_eq!(pending.len(), 1);
        assert_eq!(
            wait(Vec::<weft_executor::Task<Result<(), ()>>>::new(), ReturnWhen::FirstCompleted, None)
                .await
                .err(),
            Some(WaitError::Empty)
        );
    })
}

#[test]
fn as_completed_times_out() {
    run(async {
        let fast = spawn(async { 1 });
        let slow = spawn(async {
            let _ = sleep_ms(60_000).await;
            2
        });
        let mut s = as_completed(vec![fast, slow], Some(ms(20)));
        assert_eq!(s.next().await.unwrap().unwrap().result.unwrap(), 1);
        assert!(matches!(s.next().await, Some(Err(AsCompletedError::TimedOut(_)))));
        assert!(s.next().await.is_none());
    })
}

static LOCAL: TaskLocal<u32> = TaskLocal::new("local");

#[test]
fn task_locals_copy_on_spawn_and_reset_errors() {
    run(async {
        let t = LOCAL.set(1);
        let child = spawn(async {
            let seen = LOCAL.get();
            let _ = LOCAL.set(2);
            (seen, LOCAL.get())
        });
        let _ = LOCAL.set(3);
        assert_eq!(child.await.unwrap(), (Some(1), Some(2)));
        assert_eq!(LOCAL.get(), Some(3));
        // A token from another task cannot reset this one's variable.
        let foreign = spawn(async { LOCAL.set(9) }).await.unwrap();
        assert_eq!(LOCAL.reset(foreign), Err(LocalResetError::WrongTask));
        LOCAL.reset(t).unwrap();
        assert_eq!(LOCAL.get(), None);
    })
}

#[test]
fn retry_stops_on_cancellation_and_respects_predicate() {
    run(async {
        let policy = RetryPolicy::builder()
            .max_attempts(5)
            .initial_delay(ms(1))
            .jitter(0.5)
            .retry_if(|e: &E| !matches!(e, E::Value))
            .build()
            .unwrap();
        let calls = AtomicUsize::new(0);
        let r: Result<(), E> = retry(&policy, |_| {
            calls.fetch_add(1, SeqCst);
            async { Err(E::Value) }
        })
        .await;
        assert!(matches!(r, Err(E::Value)));
        assert_eq!(calls.load(SeqCst), 1, "not retried: the predicate said no");
        // Cancelled while sleeping between attempts: the loop ends with the cancellation.
        let t = spawn(async move {
            let policy = RetryPolicy::builder()
                .max_attempts(5)
                .initial_delay(Duration::from_secs(60))
                .build()
                .unwrap();
            retry(&policy, |_| async { Err::<(), _>(E::Key) }).await
        });
        sleep_ms(10).await.unwrap();
        t.cancel(None);
        assert!(t.await.unwrap_err().is_cancelled());
    })
}

// ---- bad input ----------------------------------------------------------------------

#[test]
fn bad_input_gets_typed_errors() {
    assert_eq!(RetryPolicy::builder().max_attempts(0).build().unwrap_err(), RetryPolicyError::ZeroAttempts);
    assert!(matches!(
        RetryPolicy::builder().multiplier(0.5).build(),
        Err(RetryPolicyError::InvalidMultiplier(_))
    ));
    assert!(matches!(RetryPolicy::builder().jitter(2.0).build(), Err(RetryPolicyError::InvalidJitter(_))));
    assert!(Timeout::after_secs(f64::NAN).is_err());
    assert!(Timeout::after_secs(-0.5).is_err());
    assert!(wait_for_secs(async { Ok::<_, Interrupted>(()) }, f64::NAN).is_err());
    assert_eq!(TaskGroup::new().spawn(async { Ok::<_, E>(()) }).unwrap_err(), GroupSpawnError::NotEntered);
    run(async {
        let cm = Timeout::after(Some(ms(1)));
        cm.run(async { Ok::<_, Interrupted>(()) }).unwrap().await.unwrap();
        assert_eq!(cm.reschedule(None), Err(TimeoutStateError::Finished));
        let tg = task_group(|tg| async move { Ok::<_, E>(tg) }).await.unwrap();
        assert_eq!(tg.spawn(async { Ok::<_, E>(()) }).unwrap_err(), GroupSpawnError::Finished);
        assert_eq!(
            wait(Vec::<weft_executor::Task<Result<(), ()>>>::new(), ReturnWhen::AllCompleted, None)
                .await
                .err(),
            Some(WaitError::Empty)
        );
    });
}

// ---- multi-thread -------------------------------------------------------------------

#[test]
fn many_children_on_the_multi_thread_runtime() {
    run_mt(async {
        let n = Arc::new(AtomicUsize::new(0));
        let n2 = n.clone();
        task_group(move |tg| async move {
            for i in 0..2000u64 {
                let n = n2.clone();
                tg.spawn(async move {
                    if i % 7 == 0 {
                        yield_now().await?;
                    }
                    n.fetch_add(1, SeqCst);
                    Ok::<_, Cancelled>(())
                })?;
            }
            Ok::<_, E>(())
        })
        .await
        .unwrap();
        assert_eq!(n.load(SeqCst), 2000);
        // Fail-fast with many sleeping siblings: every one is cancelled and joined.
        let r = task_group(|tg| async move {
            for _ in 0..500 {
                tg.spawn(sleep_ms(60_000))?;
            }
            tg.spawn(async { Err::<(), _>(E::Value) })?;
            Ok::<_, E>(())
        })
        .await;
        assert_eq!(error_types(&failed(r)), set(&["ValueError"]));
        assert_eq!(current_task().unwrap().cancelling(), 0);
    })
}

/// A waker that counts its wakes.
struct Counting(AtomicUsize);

impl std::task::Wake for Counting {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A scope wakes the waker of the last poll of its body when it is cancelled: a body
/// polled with a new waker (moved to another task, or polled by a combinator that gives
/// each branch its own waker) must be told, and the one before must not be. A poll whose
/// waker is the one already recorded skips the scope's lock, so this checks that a changed
/// waker is still seen, each time it changes, back and forth.
#[test]
fn a_cancelled_scope_wakes_the_waker_of_the_last_poll() {
    run(async {
        let scope = CancelScope::new();
        let mut body = Box::pin(scope.run(async {
            weft_executor::time::sleep(Duration::from_secs(60)).await?;
            Ok::<_, Cancelled>(())
        }));
        let (w1, w2) = (Arc::new(Counting(AtomicUsize::new(0))), Arc::new(Counting(AtomicUsize::new(0))));
        let (waker1, waker2) = (std::task::Waker::from(w1.clone()), std::task::Waker::from(w2.clone()));
        for waker in [&waker1, &waker1, &waker2, &waker2, &waker1, &waker2] {
            let mut cx = std::task::Context::from_waker(waker);
            assert!(body.as_mut().poll(&mut cx).is_pending());
        }
        scope.cancel();
        assert_eq!((w1.0.load(SeqCst), w2.0.load(SeqCst)), (0, 1), "the last poll's waker, once");
        let mut cx = std::task::Context::from_waker(&waker2);
        assert_eq!(body.as_mut().poll(&mut cx), std::task::Poll::Ready(None));
        assert!(scope.cancelled_caught());
    })
}
