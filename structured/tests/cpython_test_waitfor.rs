//! Ports of CPython 3.13's Lib/test/test_asyncio/test_waitfor.py, one test per case.
//! See docs/conformance/test_waitfor.md for the cases that differ and why.
//!
//! asyncio's `wait_for(task, t)` cancels the task when the time is up, because awaiting
//! a task passes the waiter's cancellation on to it. weft's `Task` does not (dropping or
//! leaving a task is explicit); `await_task(task)` is asyncio's `await task`, so the
//! ports write `wait_for(await_task(task), t)` where CPython passes a task.

mod common;
use common::*;
use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weft_executor::{JoinError, Task, spawn};
use weft_structured::{
    Interrupted, ReturnWhen, Timeout, await_task, shield, wait, wait_for, wait_for_secs, wait_for_task,
};

const EPSILON: Duration = Duration::from_micros(100);

/// Runs for TASK_TIMEOUT, ignoring cancel requests.
struct SlowTask {
    exited: AtomicBool,
}
const TASK_TIMEOUT: Duration = Duration::from_millis(200);

impl SlowTask {
    fn new() -> Arc<SlowTask> {
        Arc::new(SlowTask { exited: AtomicBool::new(false) })
    }
    async fn run(self: Arc<Self>) -> Result<(), E> {
        let exit_at = Instant::now() + TASK_TIMEOUT;
        loop {
            let now = Instant::now();
            if now >= exit_at {
                break;
            }
            let _ = weft_executor::time::sleep(exit_at - now).await;
        }
        self.exited.store(true, SeqCst);
        Ok(())
    }
}

/// `await task` inside a body: a task's own error is the body's error; the waiter's
/// cancellation (passed on to the task) comes back as a cancellation.
async fn join<T>(task: Task<Result<T, E>>) -> Result<T, E> {
    match await_task(task).await {
        Ok(r) => r,
        Err(JoinError::Cancelled(c)) => Err(E::Cancelled(c)),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn cpython_test_waitfor_test_asyncio_wait_for_cancelled() {
    run(async {
        let t = SlowTask::new();
        let waitfortask = spawn(wait_for(t.clone().run(), TASK_TIMEOUT * 2));
        weft_executor::yield_now().await.unwrap();
        waitfortask.cancel(None);
        let _ = wait(vec![waitfortask], ReturnWhen::AllCompleted, None).await.unwrap();
        assert!(t.exited.load(SeqCst));
    })
}

#[test]
fn cpython_test_waitfor_test_asyncio_wait_for_timeout() {
    run(async {
        let t = SlowTask::new();
        let _ = wait_for(t.clone().run(), TASK_TIMEOUT / 2).await;
        assert!(t.exited.load(SeqCst));
    })
}

#[test]
fn cpython_test_waitfor_test_wait_for_timeout_less_then_0_or_0_future_done() {
    // CPython's already-done Future is a finished task here: `wait_for_task(task, 0)`
    // returns its result without waiting.
    run(async {
        let fut = spawn(async { Ok::<_, E>("done") });
        while !fut.is_finished() {
            weft_executor::yield_now().await.unwrap();
        }
        let probe = fut.task_ref();
        let ret = wait_for_task(fut, Duration::ZERO).await.unwrap();
        assert_eq!(ret.unwrap(), "done");
        assert!(probe.is_finished());
    })
}

#[test]
fn cpython_test_waitfor_test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started() {
    run(async {
        let mut foo_started = false;
        let r = wait_for(
            async {
                foo_started = true;
                Ok::<_, E>(())
            },
            Duration::ZERO,
        )
        .await;
        assert!(matches!(r, Err(E::Timeout(_))), "{r:?}");
        assert!(!foo_started);
    })
}

#[test]
fn cpython_test_waitfor_test_wait_for_timeout_less_then_0_or_0() {
    run(async {
        for past in [Duration::ZERO, Duration::from_secs(1)] {
            let foo_running = Arc::new(Mutex::new(None));
            let started = Arc::new(AtomicBool::new(false));
            let (fr, st) = (foo_running.clone(), started.clone());
            let fut = spawn(async move {
                *fr.lock() = Some(true);
                st.store(true, SeqCst);
                let r = sleep_ms(10_000).await;
                *fr.lock() = Some(false);
                r?;
                Ok::<_, E>("done")
            });
            while !started.load(SeqCst) {
                weft_executor::yield_now().await.unwrap();
            }
            let probe = fut.task_ref();
            let now = Instant::now();
            let deadline = now.checked_sub(past).unwrap_or(now);
            let r = Timeout::at(Some(deadline)).run(join(fut)).unwrap().await;
            assert!(matches!(r, Err(E::Timeout(_))), "{r:?}");
            assert!(probe.is_finished());
            assert!(probe.is_cancelled());
            assert_eq!(*foo_running.lock(), Some(false));
        }
        // Deliberately different: negative seconds are a typed error, not "at once".
        assert!(wait_for_secs(async { Ok::<_, E>(()) }, -1.0).is_err());
    })
}

#[test]
fn cpython_test_waitfor_test_wait_for() {
    run(async {
        let foo_running = Arc::new(Mutex::new(None));
        let fr = foo_running.clone();
        let fut = spawn(async move {
            *fr.lock() = Some(true);
            let r = sleep_ms(300_000).await;
            *fr.lock() = Some(false);
            r?;
            Ok::<_, E>("done")
        });
        let probe = fut.task_ref();
        let r = wait_for(join(fut), ms(100)).await;
        assert!(matches!(r, Err(E::Timeout(_))));
        assert!(probe.is_finished());
        assert!(probe.is_cancelled());
        assert_eq!(*foo_running.lock(), Some(false));
    })
}

#[test]
fn cpython_test_waitfor_test_wait_for_blocking() {
    run(async {
        let res = Timeout::after(None).run(async { Ok::<_, E>("done") }).unwrap().await.unwrap();
        assert_eq!(res, "done");
    })
}

#[test]
fn cpython_test_waitfor_test_wait_for_race_condition() {
    run(async {
        // `loop.call_soon(fut.set_result, "ok")`
        let fut = spawn(async { Ok::<_, E>("ok") });
        let res = wait_for(join(fut), ms(200)).await.unwrap();
        assert_eq!(res, "ok");
    })
}

#[test]
fn cpython_test_waitfor_test_wait_for_cancellation_race_condition() {
    run(async {
        let result = wait_for(
            async {
                assert!(sleep_ms(1000).await.is_err());
                Ok::<_, E>(1)
            },
            ms(10),
        )
        .await;
        assert_eq!(result.unwrap(), 1);
    })
}

fn inner_with_cleanup(task_done: Arc<AtomicBool>) -> Task<Result<(), E>> {
    spawn(async move {
        let r = async {
            if let Err(c) = sleep_ms(10_000).await {
                weft_executor::time::sleep(EPSILON).await?;
                return Err(E::Cancelled(c));
            }
            Ok(())
        }
        .await;
        task_done.store(true, SeqCst);
        r
    })
}

/// CPython checks `cm.exception.__context__` is a CancelledError: the TimeoutError was
/// raised while the cancellation the task re-raised (after its cleanup) came out of the
/// awaited task. weft's `TimeoutError` carries no chain (Rust errors have no implicit
/// context), so the ports assert that same fact directly: the awaited task ended cancelled,
/// and what came out of it into the timeout was that cancellation.
#[test]
fn cpython_test_waitfor_test_wait_for_waits_for_task_cancellation() {
    run(async {
        let task_done = Arc::new(AtomicBool::new(false));
        let inner_task = inner_with_cleanup(task_done.clone());
        let probe = inner_task.task_ref();
        let context = Arc::new(Mutex::new(None));
        let ctx = context.clone();
        let r = wait_for(
            async move {
                let out = join(inner_task).await;
                *ctx.lock() = Some(out.as_ref().err().map(E::name));
                out
            },
            EPSILON,
        )
        .await;
        assert!(matches!(r, Err(E::Timeout(_))), "{r:?}");
        assert!(task_done.load(SeqCst));
        // `type(cm.exception.__context__) is CancelledError`:
        assert!(probe.is_cancelled());
        let context = context.lock().take().expect("the awaited task's outcome reached the timeout");
        assert_eq!(context, Some("CancelledError"));
    })
}

#[test]
fn cpython_test_waitfor_test_wait_for_waits_for_task_cancellation_w_timeout_0() {
    run(async {
        let task_done = Arc::new(AtomicBool::new(false));
        let td = task_done.clone();
        let probe = Arc::new(Mutex::new(None));
        let p = probe.clone();
        let foo = async move {
            let inner_task = inner_with_cleanup(td);
            *p.lock() = Some(inner_task.task_ref());
            weft_executor::time::sleep(EPSILON).await?;
            // CPython's wait_for(task, 0): the task is cancelled at once and awaited.
            match wait_for_task(inner_task, Duration::ZERO).await {
                Ok(r) => r,
                Err(Interrupted::TimedOut(t)) => Err(E::Timeout(t)),
                Err(Interrupted::Cancelled(c)) => Err(E::Cancelled(c)),
            }
        };
        let r = foo.await;
        assert!(matches!(r, Err(E::Timeout(_))), "{r:?}");
        assert!(task_done.load(SeqCst));
        // `type(cm.exception.__context__) is CancelledError` (see the case above): the task
        // ended cancelled, and `wait_for_task` reports a timeout only for that outcome.
        let probe = probe.lock().take().unwrap();
        assert!(probe.is_finished() && probe.is_cancelled());
    })
}

#[test]
fn cpython_test_waitfor_test_wait_for_reraises_exception_during_cancellation() {
    run(async {
        let foo = async {
            let inner_task = spawn(async {
                let _ = sleep_ms(200).await;
                Err::<(), _>(E::Foo)
            });
            wait_for(join(inner_task), EPSILON).await
        };
        assert!(matches!(foo.await, Err(E::Foo)));
    })
}

async fn cancel_wait_for(timeout: Option<Duration>) {
    let task = spawn(async { Ok::<_, E>(sleep_ms(3_600_000).await?) });
    let probe = task.task_ref();
    let w = spawn(Timeout::after(timeout).run(join(task)).unwrap());
    weft_executor::yield_now().await.unwrap(); // loop.call_soon(wait.cancel)
    w.cancel(None);
    assert!(w.await.unwrap_err().is_cancelled());
    assert!(probe.is_cancelled());
}

#[test]
fn cpython_test_waitfor_test_cancel_blocking_wait_for() {
    run(cancel_wait_for(None))
}

#[test]
fn cpython_test_waitfor_test_cancel_wait_for() {
    run(cancel_wait_for(Some(Duration::from_secs(60))))
}

#[test]
fn cpython_test_waitfor_test_wait_for_cancel_suppressed() {
    run(async {
        let res = wait_for(
            async {
                if sleep_ms(10_000).await.is_err() {
                    return Ok(42);
                }
                Ok::<_, E>(0)
            },
            ms(100),
        )
        .await;
        assert_eq!(res.unwrap(), 42);
    })
}

#[test]
fn cpython_test_waitfor_test_wait_for_issue86296() {
    run(async {
        let inner_task = spawn(async { Ok::<_, E>("done") });
        let inner_probe = inner_task.task_ref();
        let got = Arc::new(Mutex::new(None));
        let reached_end = Arc::new(AtomicBool::new(false));
        let (g, re) = (got.clone(), reached_end.clone());
        let task = spawn(async move {
            *g.lock() = Some(wait_for(join(inner_task), Duration::from_secs(100)).await?);
            sleep_ms(1000).await?;
            re.store(true, SeqCst);
            Ok::<_, E>(())
        });
        assert!(!task.is_finished());
        weft_executor::yield_now().await.unwrap();
        task.cancel(None);
        assert!(task.await.unwrap_err().is_cancelled());
        assert!(inner_probe.is_finished());
        assert_eq!(*got.lock(), Some("done"));
        assert!(!reached_end.load(SeqCst));
    })
}

async fn shielded(task: Task<Result<&'static str, E>>) -> Result<&'static str, E> {
    match shield(join(task)).await {
        Ok(r) => r,
        Err(s) => Err(E::Cancelled(s.into())),
    }
}

fn coro(n: u64) -> Task<Result<&'static str, E>> {
    spawn(async move {
        sleep_ms(n).await?;
        Ok::<_, E>("done")
    })
}

/// CPython's `coro()` that sleeps longer than the timeout: here it waits for `go`, so that
/// "the task has not finished when the timeout returns" holds however slow the machine is.
fn coro_until(go: &Arc<weft::Event>) -> Task<Result<&'static str, E>> {
    let go = go.clone();
    spawn(async move {
        go.wait().await?;
        Ok::<_, E>("done")
    })
}

#[test]
fn cpython_test_waitfor_test_zero_timeout() {
    run(async {
        let go = Arc::new(weft::Event::new());
        let task = coro_until(&go);
        let probe = task.task_ref();
        // `shielded_task = asyncio.shield(task)` is a future of its own, which
        // `wait_for(.., 0)` cancels at once: weft's counterpart is a task running the
        // shield, handed to `wait_for_task`. It is cancelled before its first poll (so the
        // shield never starts), and the task it would have joined runs on.
        let shielded_task = spawn(shielded(task));
        let shielded_probe = shielded_task.task_ref();
        let r = wait_for_task(shielded_task, Duration::ZERO).await;
        assert!(matches!(r, Err(Interrupted::TimedOut(_))), "{r:?}");
        assert!(!probe.is_finished());
        assert!(!probe.is_cancelled());
        assert!(shielded_probe.is_cancelled());
        // `await asyncio.sleep(0.1)`: the sleep ends, then the task finishes.
        go.set();
        weft_executor::yield_now().await.unwrap();
        assert!(probe.is_finished());
    })
}

#[test]
fn cpython_test_waitfor_test_none_timeout() {
    run(async {
        let task = coro(100);
        let probe = task.task_ref();
        let r = Timeout::after(None).run(shielded(task)).unwrap().await;
        assert!(probe.is_finished());
        assert_eq!(r.unwrap(), "done");
    })
}

#[test]
fn cpython_test_waitfor_test_shielded_timeout() {
    run(async {
        let go = Arc::new(weft::Event::new());
        let task = coro_until(&go);
        let probe = task.task_ref();
        // The shield hands its inner task back when the timeout cancels it: that task
        // joins `task`, so awaiting it is `await task`.
        let kept = Arc::new(Mutex::new(None));
        let k = kept.clone();
        let r = wait_for(
            async move {
                match shield(join(task)).await {
                    Ok(r) => r,
                    Err(s) => {
                        let (c, inner) = s.into_parts();
                        *k.lock() = inner;
                        Err(E::Cancelled(c))
                    }
                }
            },
            ms(10),
        )
        .await;
        assert!(matches!(r, Err(E::Timeout(_))), "{r:?}");
        assert!(!probe.is_finished());
        assert!(!probe.is_cancelled());
        let task = kept.lock().take().expect("the shield kept the task running");
        go.set(); // the sleep ends
        assert_eq!(task.await.unwrap().unwrap(), "done");
        assert!(probe.is_finished() && !probe.is_cancelled());
    })
}

/// The ports' runner: a body that never ends fails its test with a message after the
/// watchdog's bound instead of hanging the suite. Here the body waits for an event that is
/// set only after the watchdog has fired (so that its thread ends too).
#[test]
fn watchdog_fails_a_hung_body_with_a_message() {
    let ev = Arc::new(weft::Event::new());
    let e = ev.clone();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        watchdog(std::time::Duration::from_millis(50), move || {
            weft_executor::Runtime::builder().current_thread().build().unwrap().block_on(e.wait())
        })
    }));
    let p = r.expect_err("the watchdog fails a body that does not end");
    let msg = p.downcast_ref::<String>().expect("a formatted message");
    assert!(
        msg.ends_with(
            ": hung: the test body had not returned after 50ms (a lost wake-up, or a wait that nothing ends)"
        ),
        "{msg}"
    );
    ev.set();
}
