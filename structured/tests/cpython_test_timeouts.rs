//! Ports of CPython 3.13's Lib/test/test_asyncio/test_timeouts.py, one test per case.
//! See docs/conformance/test_timeouts.md for the cases that differ and why.

mod common;
use common::*;
use std::time::{Duration, Instant};
use weft_executor::{current_task, spawn};
use weft_structured::{Timeout, TimeoutStateError, task_group, timeout, timeout_at};

fn is_timeout<T: std::fmt::Debug>(r: &Result<T, E>) -> bool {
    matches!(r, Err(E::Timeout(_)))
}

fn is_cancelled<T: std::fmt::Debug>(r: &Result<T, E>) -> bool {
    matches!(r, Err(E::Cancelled(_)))
}

#[test]
fn cpython_test_timeouts_test_timeout_basic() {
    run(async {
        let cm = Timeout::after(Some(ms(10)));
        let r = cm.run(async { Ok::<_, E>(sleep_ms(10_000).await?) }).unwrap().await;
        assert!(is_timeout(&r), "{r:?}");
        assert!(cm.expired());
    })
}

#[test]
fn cpython_test_timeouts_test_timeout_at_basic() {
    run(async {
        let deadline = Instant::now() + ms(10);
        let mut f = timeout_at(deadline, async { Ok::<_, E>(sleep_ms(10_000).await?) });
        let cm = f.handle();
        let r = f.await;
        assert!(is_timeout(&r));
        assert!(cm.expired());
        assert_eq!(cm.when(), Some(deadline));
    })
}

#[test]
fn cpython_test_timeouts_test_nested_timeouts() {
    run(async {
        let deadline = Instant::now() + ms(10);
        let cm1 = Timeout::at(Some(deadline));
        let cm2 = Timeout::at(Some(deadline));
        let mut cancelled = false;
        let r = cm1
            .run(async {
                // Only the topmost timeout turns the cancellation into a TimeoutError.
                let inner = cm2.run(async { Ok::<_, E>(sleep_ms(10_000).await?) }).unwrap().await;
                if let Err(E::Cancelled(c)) = inner {
                    cancelled = true;
                    return Err(E::Cancelled(c));
                }
                inner
            })
            .unwrap()
            .await;
        assert!(is_timeout(&r));
        assert!(cancelled);
        assert!(cm1.expired());
        assert!(cm2.expired());
    })
}

#[test]
fn cpython_test_timeouts_test_waiter_cancelled() {
    run(async {
        let mut cancelled = false;
        let r = timeout(ms(10), async {
            if let Err(c) = sleep_ms(10_000).await {
                cancelled = true;
                return Err(E::from(c));
            }
            Ok(())
        })
        .await;
        assert!(is_timeout(&r));
        assert!(cancelled);
    })
}

#[test]
fn cpython_test_timeouts_test_timeout_not_called() {
    run(async {
        let cm = Timeout::after(Some(Duration::from_secs(10)));
        cm.run(async { Ok::<_, E>(sleep_ms(10).await?) }).unwrap().await.unwrap();
        let t1 = Instant::now();
        assert!(!cm.expired());
        assert!(cm.when().unwrap() > t1);
    })
}

#[test]
fn cpython_test_timeouts_test_timeout_disabled() {
    run(async {
        let cm = Timeout::after(None);
        cm.run(async { Ok::<_, E>(sleep_ms(10).await?) }).unwrap().await.unwrap();
        assert!(!cm.expired());
        assert_eq!(cm.when(), None);
    })
}

#[test]
fn cpython_test_timeouts_test_timeout_at_disabled() {
    run(async {
        let cm = Timeout::at(None);
        cm.run(async { Ok::<_, E>(sleep_ms(10).await?) }).unwrap().await.unwrap();
        assert!(!cm.expired());
        assert_eq!(cm.when(), None);
    })
}

#[test]
fn cpython_test_timeouts_test_timeout_zero() {
    run(async {
        let t0 = Instant::now();
        let cm = Timeout::after(Some(Duration::ZERO));
        let r = cm.run(async { Ok::<_, E>(sleep_ms(10_000).await?) }).unwrap().await;
        let t1 = Instant::now();
        assert!(is_timeout(&r));
        assert!(cm.expired());
        let when = cm.when().unwrap();
        assert!(t0 <= when && when <= t1);
    })
}

#[test]
fn cpython_test_timeouts_test_timeout_zero_sleep_zero() {
    run(async {
        let t0 = Instant::now();
        let cm = Timeout::after(Some(Duration::ZERO));
        let r = cm.run(async { Ok::<_, E>(weft_executor::yield_now().await?) }).unwrap().await;
        let t1 = Instant::now();
        assert!(is_timeout(&r));
        assert!(cm.expired());
        let when = cm.when().unwrap();
        assert!(t0 <= when && when <= t1);
    })
}

#[test]
fn cpython_test_timeouts_test_timeout_in_the_past_sleep_zero() {
    run(async {
        let t0 = Instant::now();
        let past = t0.checked_sub(Duration::from_secs(11)).unwrap_or(t0);
        let cm = Timeout::at(Some(past));
        let r = cm.run(async { Ok::<_, E>(weft_executor::yield_now().await?) }).unwrap().await;
        assert!(is_timeout(&r));
        assert!(cm.expired());
        assert!(cm.when().unwrap() <= t0);
        // Deliberately different: seconds given as a negative number are refused.
        assert!(Timeout::after_secs(-11.0).is_err());
    })
}

#[test]
fn cpython_test_timeouts_test_foreign_exception_passed() {
    run(async {
        let cm = Timeout::after(Some(ms(10)));
        let r = cm.run(async { Err::<(), _>(E::Key) }).unwrap().await;
        assert!(matches!(r, Err(E::Key)));
        assert!(!cm.expired());
    })
}

#[test]
fn cpython_test_timeouts_test_timeout_exception_context() {
    // `try: 1/0 finally: await sleep(1)`: the cancellation raised by the cleanup sleep
    // replaces the ZeroDivisionError, and becomes the TimeoutError. (Python's exception
    // context chain has no Rust counterpart.)
    run(async {
        let r = timeout(ms(10), async {
            let pending = E::ZeroDivision;
            sleep_ms(1000).await?;
            Err::<(), _>(pending)
        })
        .await;
        assert!(is_timeout(&r));
    })
}

async fn crash() -> Result<(), E> {
    let _ = sleep_ms(1000).await;
    Err(E::ZeroDivision)
}

#[test]
fn cpython_test_timeouts_test_foreign_exception_on_timeout() {
    run(async {
        let cm = Timeout::after(Some(ms(10)));
        let r = cm.run(crash()).unwrap().await;
        assert!(matches!(r, Err(E::ZeroDivision)));
        assert!(cm.expired());
    })
}

#[test]
fn cpython_test_timeouts_test_foreign_exception_on_timeout_2() {
    run(async {
        let cm = Timeout::after(Some(ms(10)));
        let r = cm
            .run(async {
                // try: raise ValueError finally: await sleep(1)   -> cancelled
                let _value = E::Value;
                let _cancelled = sleep_ms(1000).await;
                // finally: try: raise KeyError finally: 1/0
                let _key = E::Key;
                Err::<(), _>(E::ZeroDivision)
            })
            .unwrap()
            .await;
        assert!(matches!(r, Err(E::ZeroDivision)));
        assert!(cm.expired());
    })
}

#[test]
fn cpython_test_timeouts_test_foreign_cancel_doesnt_timeout_if_not_expired() {
    run(async {
        let cm = Timeout::after(Some(Duration::from_secs(10)));
        let r = cm
            .run(async {
                current_task().unwrap().cancel(None);
                Ok::<_, E>(sleep_ms(10_000).await?)
            })
            .unwrap()
            .await;
        assert!(is_cancelled(&r));
        assert!(!cm.expired());
    })
}

#[test]
fn cpython_test_timeouts_test_outer_task_is_not_cancelled() {
    run(async {
        let task = spawn(async {
            let r = timeout(ms(1), async { Ok::<_, E>(sleep_ms(10_000).await?) }).await;
            assert!(is_timeout(&r));
        });
        let probe = task.task_ref();
        task.await.unwrap();
        assert!(!probe.is_cancelled());
        assert!(probe.is_finished());
    })
}

#[test]
fn cpython_test_timeouts_test_nested_timeouts_concurrent() {
    run(async {
        let r = timeout(ms(2), async {
            let inner = timeout(ms(100), async {
                // Pretend we crunch some numbers.
                std::thread::sleep(ms(10));
                Ok::<_, E>(sleep_ms(1000).await?)
            })
            .await;
            // The outer timeout fired: the inner one passes its cancellation on.
            assert!(is_cancelled(&inner), "{inner:?}");
            inner
        })
        .await;
        assert!(is_timeout(&r));
    })
}

#[test]
fn cpython_test_timeouts_test_nested_timeouts_loop_busy() {
    run(async {
        let t0 = Instant::now();
        let r = timeout(ms(100), async {
            let inner = timeout(ms(10), async {
                // Pretend the loop is busy for a while.
                std::thread::sleep(ms(100));
                Ok::<_, E>(sleep_ms(1000).await?)
            })
            .await;
            // As in CPython 3.13, both deadlines have passed when the body next waits:
            // two cancel requests, so the inner timeout passes the cancellation on.
            inner?;
            sleep_ms(10_000).await?;
            Ok::<_, E>(())
        })
        .await;
        assert!(is_timeout(&r));
        assert!(t0.elapsed() <= Duration::from_secs(1));
    })
}

#[test]
fn cpython_test_timeouts_test_reschedule() {
    run(async {
        let deadline1 = Instant::now() + Duration::from_secs(10);
        let deadline2 = deadline1 + Duration::from_secs(20);
        let cm = Timeout::at(Some(deadline1));
        let inside = cm.clone();
        let task =
            spawn(async move { inside.run(async { Ok::<_, E>(sleep_ms(50_000).await?) }).unwrap().await });
        weft_executor::yield_now().await.unwrap();
        assert_eq!(cm.when(), Some(deadline1));
        cm.reschedule(Some(deadline2)).unwrap();
        assert_eq!(cm.when(), Some(deadline2));
        cm.reschedule(None).unwrap();
        assert_eq!(cm.when(), None);
        task.cancel(None);
        assert!(task.await.unwrap_err().is_cancelled());
        assert!(!cm.expired());
    })
}

#[test]
fn cpython_test_timeouts_test_nested_timeout_in_finally() {
    run(async {
        let r = timeout(ms(10), async {
            let first = sleep_ms(1000).await;
            // finally: a nested timeout in the cleanup
            let inner = timeout(ms(10), async { Ok::<_, E>(sleep_ms(10_000).await?) }).await;
            assert!(is_timeout(&inner), "{inner:?}");
            first?;
            Ok::<_, E>(())
        })
        .await;
        assert!(is_timeout(&r));
    })
}

#[test]
fn cpython_test_timeouts_test_timeout_after_cancellation() {
    run(async {
        current_task().unwrap().cancel(None);
        assert!(sleep_ms(1000).await.is_err()); // work which will be cancelled
        let r = timeout(Duration::ZERO, async { Ok::<_, E>(sleep_ms(1000).await?) }).await; // some cleanup
        assert!(is_timeout(&r));
    })
}

#[test]
fn cpython_test_timeouts_test_cancel_in_timeout_after_cancellation() {
    run(async {
        current_task().unwrap().cancel(None);
        assert!(sleep_ms(1000).await.is_err());
        let r = timeout(Duration::from_secs(1), async {
            current_task().unwrap().cancel(None);
            Ok::<_, E>(sleep_ms(2000).await?)
        })
        .await;
        assert!(is_cancelled(&r));
    })
}

#[test]
fn cpython_test_timeouts_test_timeout_already_entered() {
    run(async {
        let cm = Timeout::after(Some(ms(10)));
        let inside = cm.clone();
        cm.run(async move {
            assert_eq!(inside.run(async { Ok::<_, E>(()) }).err(), Some(TimeoutStateError::AlreadyEntered));
            Ok::<_, E>(())
        })
        .unwrap()
        .await
        .unwrap();
    })
}

#[test]
fn cpython_test_timeouts_test_timeout_double_enter() {
    run(async {
        let cm = Timeout::after(Some(ms(10)));
        cm.run(async { Ok::<_, E>(()) }).unwrap().await.unwrap();
        assert_eq!(cm.run(async { Ok::<_, E>(()) }).err(), Some(TimeoutStateError::AlreadyEntered));
    })
}

#[test]
fn cpython_test_timeouts_test_timeout_finished() {
    run(async {
        let cm = Timeout::after(Some(ms(10)));
        cm.run(async { Ok::<_, E>(()) }).unwrap().await.unwrap();
        let e = cm.reschedule(Some(Instant::now() + ms(20))).unwrap_err();
        assert_eq!(e, TimeoutStateError::Finished);
        assert!(e.to_string().contains("finished"));
    })
}

#[test]
fn cpython_test_timeouts_test_timeout_expired() {
    run(async {
        let cm = Timeout::after(Some(ms(10)));
        let r = cm.run(async { Ok::<_, E>(sleep_ms(1000).await?) }).unwrap().await;
        assert!(is_timeout(&r));
        let e = cm.reschedule(Some(Instant::now() + ms(20))).unwrap_err();
        assert_eq!(e, TimeoutStateError::Expired);
        assert!(e.to_string().contains("expired"));
    })
}

#[test]
fn cpython_test_timeouts_test_timeout_expiring() {
    run(async {
        let cm = Timeout::after(Some(ms(10)));
        let inside = cm.clone();
        let r = cm
            .run(async move {
                assert!(sleep_ms(1000).await.is_err());
                let e = inside.reschedule(Some(Instant::now() + ms(20))).unwrap_err();
                assert_eq!(e, TimeoutStateError::Expiring);
                assert!(e.to_string().contains("expiring"));
                Ok::<_, E>(())
            })
            .unwrap()
            .await;
        assert!(r.is_ok());
    })
}

#[test]
fn cpython_test_timeouts_test_timeout_not_entered() {
    let cm = Timeout::after(Some(ms(10)));
    let e = cm.reschedule(Some(Instant::now() + ms(20))).unwrap_err();
    assert_eq!(e, TimeoutStateError::NotEntered);
    assert!(e.to_string().contains("has not been entered"));
}

#[test]
fn cpython_test_timeouts_test_timeout_without_task() {
    // Polled outside a weft task: a panic that says what to do (asyncio: RuntimeError).
    let cm = Timeout::after(Some(ms(10)));
    let mut fut = Box::pin(cm.run(async { Ok::<_, E>(()) }).unwrap());
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        std::future::Future::poll(fut.as_mut(), &mut cx)
    }));
    // asyncio: `assertRaisesRegex(RuntimeError, "task")`. weft's message names the task
    // and says what to do.
    let p = r.expect_err("a timeout polled outside a task panics");
    let msg = p
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert_eq!(
        msg,
        "weft: a timeout must be awaited inside a weft task: spawn it with weft::spawn, or await it \
         in the future given to weft::run or Runtime::block_on"
    );
    assert_eq!(cm.reschedule(None).unwrap_err(), TimeoutStateError::NotEntered);
}

#[test]
fn cpython_test_timeouts_test_timeout_taskgroup() {
    run(async {
        let r = timeout(ms(10), async {
            task_group(|tg| async move {
                tg.spawn(async {
                    let _ = sleep_ms(2000).await; // interrupted after 10 ms
                    Err::<(), _>(E::ZeroDivision) // crash in cleanup
                })?;
                // `try: raise ValueError finally: await asyncio.sleep(1)`: the ValueError is
                // in flight while the sleep is cancelled, and the cancellation replaces it.
                let raised = E::Value;
                sleep_ms(1000).await?;
                Err::<(), _>(raised)
            })
            .await?;
            Ok::<_, E>(())
        })
        .await;
        let g = failed_e(r);
        assert_eq!(g.len(), 1);
        assert_eq!(error_types(&g), set(&["ZeroDivisionError"]));
    })
}

#[test]
fn cpython_test_timeouts_test_repr_active() {
    // `repr()` is Python's; weft's Debug shows the same facts.
    run(async {
        let cm = Timeout::after(Some(Duration::from_secs(10)));
        let inside = cm.clone();
        cm.run(async move {
            let s = format!("{inside:?}");
            assert!(s.contains("Entered") && s.contains("when: Some"), "{s}");
            Ok::<_, E>(())
        })
        .unwrap()
        .await
        .unwrap();
    })
}

#[test]
fn cpython_test_timeouts_test_repr_expired() {
    run(async {
        let cm = Timeout::after(Some(ms(10)));
        let _ = cm.run(async { Ok::<_, E>(sleep_ms(10_000).await?) }).unwrap().await;
        assert!(format!("{cm:?}").contains("Expired"));
    })
}

#[test]
fn cpython_test_timeouts_test_repr_finished() {
    run(async {
        let cm = Timeout::after(Some(Duration::from_secs(10)));
        cm.run(async { Ok::<_, E>(weft_executor::yield_now().await?) }).unwrap().await.unwrap();
        assert!(format!("{cm:?}").contains("Exited"));
    })
}

#[test]
fn cpython_test_timeouts_test_repr_disabled() {
    run(async {
        let cm = Timeout::after(None);
        let inside = cm.clone();
        cm.run(async move {
            let s = format!("{inside:?}");
            assert!(s.contains("Entered") && s.contains("when: None"), "{s}");
            Ok::<_, E>(())
        })
        .unwrap()
        .await
        .unwrap();
    })
}

#[test]
fn timeout_reschedule_earlier_while_waiting_fires() {
    run(async {
        let cm = Timeout::after(Some(Duration::from_secs(60)));
        let inside = cm.clone();
        let t =
            spawn(async move { inside.run(async { Ok::<_, E>(sleep_ms(60_000).await?) }).unwrap().await });
        sleep_ms(10).await.unwrap();
        cm.reschedule(Some(Instant::now() + ms(20))).unwrap();
        let start = Instant::now();
        let r = t.await.unwrap();
        assert!(is_timeout(&r));
        assert!(start.elapsed() < Duration::from_secs(5));
    })
}

#[test]
fn timeout_on_multi_thread_runtime() {
    run_mt(async {
        let r = timeout(ms(10), async { Ok::<_, E>(sleep_ms(10_000).await?) }).await;
        assert!(is_timeout(&r));
        assert_eq!(current_task().unwrap().cancelling(), 0);
    })
}
