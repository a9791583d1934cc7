//! Ports of CPython 3.13's Lib/test/test_asyncio/test_tasks.py, one test per case
//! (`cpython_test_tasks_<case>`). docs/conformance/test_tasks.md lists every case of the
//! file with its status.
//!
//! How asyncio's objects map onto weft's:
//!
//! * An asyncio `Future` that one task resolves for another is a [`oneshot`] channel
//!   carrying `Result<T, E>`: `fut.set_result(v)` is `tx.send(Ok(v))`,
//!   `fut.set_exception(e)` is `tx.send(Err(e))`, `await fut` is [`recv`], and
//!   `fut.cancelled()` (after the task awaiting it was cancelled) is `tx.is_closed()`: the
//!   receive was given up.
//! * `test_utils.run_briefly(loop)` is [`run_briefly`]: every task ready at that moment
//!   takes one step (the ports run on the current-thread runtime, asyncio's FIFO loop).
//! * `loop.call_soon(f)` / `loop.call_later(t, f)` are spawned tasks; `handle.cancel()` is
//!   `abort()` on them.
//! * `gather` and `shield` spawn their children themselves: a child the test must cancel
//!   publishes its `TaskRef` in a [`Slot`] when it starts.
//! * CPython's virtual clock (`loop.time()`) becomes a bound on real elapsed time: never
//!   before the expected instant (weft's timers are never early), and within [`SLACK`]
//!   after it. Where the outcome depends on which timers are due together (a wait's
//!   deadline against its tasks' sleeps), the port runs on a paused clock instead
//!   ([`run_paused`]) and checks the instant exactly ([`at`]).
//! * A Python exception class is a variant of [`E`].

mod common;

use parking_lot::Mutex;
use std::collections::HashSet;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use weft::{
    AsCompletedError, Cancelled, Interrupted, JoinError, ReturnWhen, Task, TaskLocal, TaskRef, WaitError,
    as_completed, await_task, current_task, gather, gather_settled, oneshot, shield, spawn, spawn_named,
    wait, wait_for, yield_now,
};

// ---------------------------------------------------------------------------------------
// The preamble: what every port shares.

/// Runs one port on a fresh current-thread runtime (asyncio's loop), under the watchdog.
fn run<F, Fut>(make: F) -> Fut::Output
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future,
    Fut::Output: Send + 'static,
{
    common::watchdog("cpython_test_tasks", common::WATCHDOG, move || common::current().block_on(make()))
}

/// [`run`] on a paused clock: like the virtual clock of CPython's test loop, it moves only
/// when every task waits, to the next timer, so ports whose outcome depends on which
/// timers are due together keep CPython's numbers however busy the machine is.
fn run_paused<F, Fut>(make: F) -> Fut::Output
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future,
    Fut::Output: Send + 'static,
{
    common::watchdog("cpython_test_tasks", common::WATCHDOG, move || {
        weft::Runtime::builder().current_thread().start_paused(true).build().unwrap().block_on(make())
    })
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn sleep_ms(n: u64) -> Result<(), Cancelled> {
    weft::time::sleep(ms(n)).await
}

/// How late a timer may fire on a loaded machine before a port calls it wrong. CPython's
/// virtual clock says *when* a wait ended; the ports keep the direction that cannot flake
/// (not before that instant) and allow this much after it. In every such port the next
/// event that could have ended the wait instead is at least 10 s away, or is told apart by
/// the done/pending sets.
const SLACK: Duration = Duration::from_secs(2);

/// `self.assertAlmostEqual(ms / 1000, loop.time())`, on real time.
#[track_caller]
fn about(start: Instant, ms_expected: u64) {
    let e = start.elapsed();
    assert!(e >= ms(ms_expected), "ended after {e:?}, before {ms_expected} ms");
    assert!(e < ms(ms_expected) + SLACK, "ended after {e:?}, expected about {ms_expected} ms");
}

/// `self.assertAlmostEqual(ms / 1000, loop.time())` in a [`run_paused`] port: exact, as
/// the paused clock stands at the deadline that woke the port.
#[track_caller]
fn at(start: Instant, ms_expected: u64) {
    assert_eq!(weft::time::now() - start, ms(ms_expected));
}

/// The exceptions CPython's cases raise.
#[derive(Debug)]
enum E {
    Cancelled(Cancelled),
    ZeroDivision,
    Runtime,
    SystemExit,
    /// The sender of a [`Fut`] was dropped without resolving it (no asyncio counterpart).
    Dropped,
}

impl fmt::Display for E {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            E::Cancelled(c) => write!(f, "{c}"),
            other => write!(f, "{other:?}"),
        }
    }
}

impl Error for E {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            E::Cancelled(c) => Some(c),
            _ => None,
        }
    }
}

impl From<Cancelled> for E {
    fn from(c: Cancelled) -> E {
        E::Cancelled(c)
    }
}

/// asyncio's `Future`, seen from the task that awaits it.
type Fut<T> = oneshot::Receiver<Result<T, E>>;

/// `await fut`: the value or exception another task set, or the cancellation of the
/// awaiting task.
async fn recv<T>(rx: Fut<T>) -> Result<T, E> {
    match rx.await {
        Ok(r) => r,
        Err(oneshot::RecvError::Cancelled(c)) => Err(E::Cancelled(c)),
        Err(_) => Err(E::Dropped),
    }
}

/// `test_utils.run_briefly(loop)`: every task ready now takes one step.
async fn run_briefly() {
    yield_now().await.expect("the test's own task is never cancelled")
}

/// GatherTestsBase's `_run_loop`: `while loop._ready: run_briefly(loop)`. weft has no
/// "run until idle"; the chains in these cases (a child wakes, finishes, wakes its gather)
/// are a few steps long, so ten rounds leave nothing ready.
async fn run_loop() {
    for _ in 0..10 {
        run_briefly().await;
    }
}

/// `loop.call_later(ms / 1000, f)`: a timer task; `handle.cancel()` is `abort()` on it.
fn call_later(after_ms: u64, f: impl FnOnce() + Send + 'static) -> Task<()> {
    spawn(async move {
        if sleep_ms(after_ms).await.is_ok() {
            f()
        }
    })
}

/// Where a child that `gather` or `shield` spawns publishes itself, in the order the
/// children start.
type Slot = Arc<Mutex<Vec<TaskRef>>>;

fn publish(slot: &Slot) {
    slot.lock().push(current_task().expect("inside a task"))
}

fn slot() -> Slot {
    Slot::default()
}

// ---------------------------------------------------------------------------------------
// BaseTaskTests

#[test]
fn cpython_test_tasks_test_task_cancel_message_getter() {
    run(|| async {
        let t = spawn(async {});
        // `t._cancel_message` is None before and 'my message' after `cancel()`: a private
        // attribute; weft has no accessor for a pending message.
        assert!(t.cancel(Some("my message")));
        let e = t.await.unwrap_err();
        assert!(e.is_cancelled(), "{e:?}");
        assert_eq!(e.as_cancelled().unwrap().message(), Some("my message"));
    })
}

#[test]
fn cpython_test_tasks_test_task_set_name_pylong() {
    run(|| async {
        // Names are strings in Rust: the int-to-str formatting has no counterpart.
        let t = spawn_named("987654321", async { 123 });
        assert_eq!(t.name().as_deref(), Some("987654321"));
        t.task_ref().set_name("123456789");
        assert_eq!(t.name().as_deref(), Some("123456789"));
        assert_eq!(t.await.unwrap(), 123);
    })
}

#[test]
fn cpython_test_tasks_test_task_basics() {
    async fn inner1() -> i32 {
        42
    }
    async fn inner2() -> i32 {
        1000
    }
    async fn outer() -> i32 {
        let a = inner1().await;
        let b = inner2().await;
        a + b
    }
    assert_eq!(run(outer), 1042);
}

#[test]
fn cpython_test_tasks_test_cancelling() {
    run(|| async {
        let t = spawn(sleep_ms(10_000));
        assert_eq!(t.cancelling(), 0);
        // The `repr` checks (" cancelling ") have no counterpart.
        assert!(t.cancel(None));
        assert_eq!(t.cancelling(), 1);
        // 3.13: a second cancel() also returns True.
        assert!(t.cancel(None));
        assert!(t.await.unwrap_err().is_cancelled());
    })
}

#[test]
fn cpython_test_tasks_test_uncancel_basic() {
    run(|| async {
        let t = spawn(async {
            if sleep_ms(10_000).await.is_err() {
                current_task().unwrap().uncancel();
                sleep_ms(10_000).await?;
            }
            Ok::<_, Cancelled>(())
        });
        sleep_ms(10).await.unwrap();

        // Cancel the first sleep.
        assert!(t.cancel(None));
        assert_eq!(t.cancelling(), 1);
        assert!(!t.is_cancelled());
        sleep_ms(10).await.unwrap();

        // After uncancel().
        assert_eq!(t.cancelling(), 0);
        assert!(!t.is_cancelled());

        // Cancel the second sleep.
        assert!(t.cancel(None));
        assert_eq!(t.cancelling(), 1);
        assert!(!t.is_cancelled());
        let r = t.task_ref();
        assert!(t.await.unwrap_err().is_cancelled());
        assert!(r.is_cancelled());
        assert!(r.is_finished());

        // uncancel() no longer matters once the task is done.
        r.uncancel();
        assert!(r.is_cancelled());
        assert!(r.is_finished());
    })
}

/// The structure `asyncio.timeout` builds with `uncancel()`, by hand.
async fn make_request_with_timeout(sleep: u64, timeout: u64) -> Result<(bool, bool, bool), Cancelled> {
    let task = current_task().unwrap();
    let timed_out = Arc::new(AtomicBool::new(false));
    let mut structured_block_finished = false;

    let on_timeout = {
        let (timed_out, task) = (timed_out.clone(), task.clone());
        move || {
            timed_out.store(true, SeqCst);
            task.cancel(None);
        }
    };
    let timeout_handle = call_later(timeout, on_timeout);
    // try: (the structured block)
    let r = sleep_ms(sleep).await;
    if r.is_ok() {
        structured_block_finished = true;
    }
    // finally:
    timeout_handle.abort();
    // `type(sys.exception()) is CancelledError`: the sleep fails only with a cancellation.
    if timed_out.load(SeqCst) && task.uncancel() == 0 && r.is_err() {
        // raise TimeoutError ... except TimeoutError:
        assert!(timed_out.load(SeqCst));
    } else {
        r?;
    }
    // Outer code, not affected by the timeout.
    let outer_code_reached = true;
    yield_now().await?;
    Ok((timed_out.load(SeqCst), structured_block_finished, outer_code_reached))
}

#[test]
fn cpython_test_tasks_test_uncancel_structured_blocks() {
    run(|| async {
        // The one that times out.
        let t1 = spawn(make_request_with_timeout(10_000, 100));
        let r1 = t1.task_ref();
        let (timed_out, structured_block_finished, outer_code_reached) = t1.await.unwrap().unwrap();
        assert!(timed_out);
        assert!(!structured_block_finished);
        assert!(outer_code_reached);
        assert_eq!(r1.cancelling(), 0);

        // The one that does not.
        let t2 = spawn(make_request_with_timeout(0, 10_000));
        let r2 = t2.task_ref();
        let (timed_out, structured_block_finished, outer_code_reached) = t2.await.unwrap().unwrap();
        assert!(!timed_out);
        assert!(structured_block_finished);
        assert!(outer_code_reached);
        assert_eq!(r2.cancelling(), 0);
    })
}

#[test]
fn cpython_test_tasks_test_uncancel_resets_must_cancel() {
    run(|| async {
        let (tx, rx) = oneshot::channel();
        let task = spawn(async move {
            recv::<()>(rx).await?;
            Ok::<_, E>(42)
        });
        run_briefly().await; // the task waits for fut
        tx.send(Ok(())).unwrap(); // the task is runnable
        task.cancel(None);
        assert_eq!(task.cancelling(), 1);
        // `task._must_cancel` is private: its effect (the task returns 42) is checked below.
        task.uncancel();
        assert_eq!(task.cancelling(), 0);
        assert_eq!(task.await.unwrap().unwrap(), 42);
    })
}

#[test]
fn cpython_test_tasks_test_cancel() {
    run(|| async {
        let t = spawn(async {
            sleep_ms(10_000).await?;
            Ok::<_, Cancelled>(12)
        });
        // loop.call_soon(t.cancel): runs after the task's first step.
        let r = t.task_ref();
        spawn(async move {
            r.cancel(None);
        });
        let r = t.task_ref();
        assert!(t.await.unwrap_err().is_cancelled());
        assert!(r.is_finished());
        assert!(r.is_cancelled());
        assert!(!r.cancel(None));
    })
}

/// test_cancel_with_message_then_future_result and ..._exception: `task.result()` and
/// `task.exception()` both raise the task's `CancelledError`; in weft both are the join
/// result `wait` hands back. `before_start`: test_cancel_with_message_before_starting_task.
fn cancel_with_message_then_wait(msg: Option<&'static str>, before_start: bool) {
    run(move || async move {
        let task = spawn(async move {
            let inner = spawn(sleep_ms(10_000));
            if !before_start {
                yield_now().await?;
            }
            inner.cancel(msg);
            let (mut done, pending) = match wait(vec![inner], ReturnWhen::AllCompleted, None).await {
                Ok(sets) => sets,
                Err(WaitError::Cancelled(c)) => return Err(c),
                Err(e) => panic!("{e}"),
            };
            assert!(pending.is_empty());
            // task.result() (or task.exception()) raises a new CancelledError with the
            // task's message (asyncio's `_make_cancelled_error()`): `Cancelled::new` in
            // the task that asks. (`wait` hands back the join result as a caught record.)
            match done.remove(0).result {
                Err(JoinError::Cancelled(c)) => Err::<(), _>(Cancelled::new(c.message())),
                other => panic!("{other:?}"),
            }
        });
        // `run_until_complete(task)` raises CancelledError with the message as its args:
        // the task propagates the cancellation its join delivered to it, and ends
        // cancelled.
        let c = match task.await {
            Err(JoinError::Cancelled(c)) => c,
            other => panic!("{other:?}"),
        };
        assert_eq!(c.message(), msg);
        // `get_innermost_context(exc)` (the `__context__` chain, depth 0) is Python-only.
    })
}

#[test]
fn cpython_test_tasks_test_cancel_with_message_then_future_result() {
    // Cases (), (None,) and ('my message',). The case (5,) (a non-string message) is not
    // expressible: messages are strings.
    cancel_with_message_then_wait(None, false);
    cancel_with_message_then_wait(Some("my message"), false);
}

#[test]
fn cpython_test_tasks_test_cancel_with_message_then_future_exception() {
    // As the previous case: `task.exception()` is the same join result.
    cancel_with_message_then_wait(None, false);
    cancel_with_message_then_wait(Some("my message"), false);
}

#[test]
fn cpython_test_tasks_test_cancel_with_message_before_starting_task() {
    cancel_with_message_then_wait(Some("my message"), true);
}

/// `raise ValueError("cancelled") from ex`.
#[derive(Debug)]
struct ValueError {
    args: &'static str,
    from: Cancelled,
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.args)
    }
}

impl Error for ValueError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.from)
    }
}

#[test]
fn cpython_test_tasks_test_cancellation_exception_context() {
    run(|| async {
        let task = spawn(async {
            let (tx, fut) = oneshot::channel();
            let inner_task = spawn(async move {
                let _ = tx.send(Ok(()));
                sleep_ms(10_000).await
            });
            recv::<()>(fut).await.expect("inner_task set fut");
            let r = inner_task.task_ref();
            spawn(async move {
                r.cancel(Some("msg")); // loop.call_soon(inner_task.cancel, 'msg')
            });
            match inner_task.await {
                // `raise ValueError("cancelled") from ex`. A delivered `Cancelled` kept in
                // a failure counts as propagated in weft (a deliberate difference:
                // docs/asyncio-mapping.md); `caught()` is how a task says it handled it
                // and keeps it as a record.
                Err(JoinError::Cancelled(ex)) => {
                    Err::<(), _>(ValueError { args: "cancelled", from: ex.caught() })
                }
                other => panic!("{other:?}"),
            }
        });
        let probe = task.task_ref();
        let exc = match task.await {
            Ok(Err(exc)) => exc,
            other => panic!("expected the ValueError, got {other:?}"),
        };
        assert!(!probe.is_cancelled());
        assert_eq!(exc.args, "cancelled");
        // The innermost context, at depth 1, is CancelledError('msg').
        let context = exc.source().expect("raised from the CancelledError");
        let c = context.downcast_ref::<Cancelled>().expect("a CancelledError");
        assert_eq!(c.message(), Some("msg"));
        assert!(context.source().is_none(), "depth 1");
    })
}

#[test]
fn cpython_test_tasks_test_cancel_yield() {
    run(|| async {
        let t = spawn(async {
            yield_now().await?;
            yield_now().await?;
            Ok::<_, Cancelled>(12)
        });
        run_briefly().await; // start the coroutine
        t.cancel(None);
        let r = t.task_ref();
        assert!(t.await.unwrap_err().is_cancelled());
        assert!(r.is_finished());
        assert!(r.is_cancelled());
        assert!(!r.cancel(None));
    })
}

#[test]
fn cpython_test_tasks_test_cancel_both_task_and_inner_future() {
    run(|| async {
        let (f, rx) = oneshot::channel();
        let t = spawn(async move {
            recv::<()>(rx).await?;
            Ok::<_, E>(12)
        });
        run_briefly().await;
        // f.cancel(): weft's future has no cancel of its own; dropping its sender is the
        // nearest thing (so `f.cancelled()` holds by construction).
        drop(f);
        t.cancel(None);
        let r = t.task_ref();
        assert!(t.await.unwrap_err().is_cancelled());
        assert!(r.is_finished());
        assert!(r.is_cancelled());
    })
}

#[test]
fn cpython_test_tasks_test_cancel_task_catching() {
    run(|| async {
        let (fut1, rx1) = oneshot::channel::<Result<(), E>>();
        let (fut2, rx2) = oneshot::channel::<Result<(), E>>();
        let t = spawn(async move {
            recv(rx1).await?;
            match recv(rx2).await {
                Err(E::Cancelled(_)) => Ok::<_, E>(42),
                other => panic!("{other:?}"),
            }
        });
        run_briefly().await;
        // `t._fut_waiter is fut1` (white-box) has no counterpart.
        fut1.send(Ok(())).unwrap();
        run_briefly().await;
        // `t._fut_waiter is fut2` (white-box) has no counterpart.
        t.cancel(None);
        // asyncio cancels fut2 inside `t.cancel()`; a weft task gives up the receive when
        // it next runs, so `fut2.cancelled()` is checked after the task's step.
        run_briefly().await;
        assert!(fut2.is_closed());
        let r = t.task_ref();
        assert_eq!(t.await.unwrap().unwrap(), 42);
        assert!(!r.is_cancelled());
    })
}

#[test]
fn cpython_test_tasks_test_cancel_task_ignoring() {
    run(|| async {
        let (fut1, rx1) = oneshot::channel::<Result<(), E>>();
        let (fut2, rx2) = oneshot::channel::<Result<(), E>>();
        let (fut3, rx3) = oneshot::channel::<Result<i32, E>>();
        let t = spawn(async move {
            recv(rx1).await?;
            let _ = recv(rx2).await; // except CancelledError: pass
            recv(rx3).await
        });
        run_briefly().await;
        fut1.send(Ok(())).unwrap();
        run_briefly().await;
        t.cancel(None);
        // As in test_cancel_task_catching: fut2 is given up at the task's next step, which
        // is also the step after which asyncio's task waits for fut3.
        run_briefly().await;
        assert!(fut2.is_closed());
        // fut3.set_result(42): the receive is still there, so fut3 was not cancelled.
        assert!(fut3.send(Ok(42)).is_ok());
        let r = t.task_ref();
        assert_eq!(t.await.unwrap().unwrap(), 42);
        assert!(!r.is_cancelled());
    })
}

#[test]
fn cpython_test_tasks_test_cancel_current_task() {
    run(|| async {
        let start = Instant::now();
        let t = spawn(async {
            current_task().unwrap().cancel(None);
            // `t._must_cancel` (white-box) has no counterpart. The sleep is cancelled at
            // once.
            sleep_ms(100_000).await?;
            Ok::<_, Cancelled>(12)
        });
        assert!(!t.is_cancelled());
        let r = t.task_ref();
        assert!(t.await.unwrap_err().is_cancelled());
        // At once: nowhere near the 100 s of the sleep.
        assert!(start.elapsed() < SLACK, "{:?}", start.elapsed());
        assert!(r.is_finished());
        assert!(r.is_cancelled());
        assert!(!r.cancel(None));
    })
}

#[test]
fn cpython_test_tasks_test_cancel_at_end() {
    run(|| async {
        let t = spawn(async {
            current_task().unwrap().cancel(None);
            // `t._must_cancel` (white-box) has no counterpart.
            12
        });
        assert!(!t.is_cancelled());
        let r = t.task_ref();
        let result = t.await;
        assert!(matches!(result, Err(JoinError::Cancelled(_))), "{result:?}");
        assert!(r.is_finished());
        assert!(r.is_cancelled());
        // `t._must_cancel` is clear (white-box): no counterpart.
        assert!(!r.cancel(None));
    })
}

#[test]
fn cpython_test_tasks_test_cancel_awaited_task() {
    run(|| async {
        let (fut, rx) = oneshot::channel::<Result<(), E>>();
        let (nested_tx, nested_rx) = oneshot::channel();
        let task = spawn(async move {
            // Create a sub-task and let it run.
            let nested_task = spawn(recv(rx));
            nested_tx.send(nested_task.task_ref()).unwrap();
            yield_now().await?;
            // Request the cancellation of the current task...
            current_task().unwrap().cancel(None);
            // ...and block on the nested task, which is cancelled at once. asyncio's
            // `await task` passes the waiter's cancellation on: that is `await_task`.
            match await_task(nested_task).await {
                Err(JoinError::Cancelled(c)) => Err::<(), _>(c),
                other => panic!("{other:?}"),
            }
        });
        let nested_task = nested_rx.await.unwrap();
        let r = task.task_ref();
        assert!(task.await.unwrap_err().is_cancelled());
        assert!(r.is_cancelled());
        assert!(nested_task.is_cancelled());
        assert!(fut.is_closed());
    })
}

#[test]
fn cpython_test_tasks_test_wait() {
    run(|| async {
        let start = Instant::now();
        let a = spawn(sleep_ms(100));
        let b = spawn(sleep_ms(150));
        let (a_id, b_id) = (a.id(), b.id());
        let foo = spawn(async move {
            let (done, pending) = wait(vec![b, a], ReturnWhen::AllCompleted, None).await.unwrap();
            assert_eq!(done.iter().map(|f| f.id).collect::<HashSet<_>>(), HashSet::from([a_id, b_id]));
            assert!(pending.is_empty());
            42
        });
        assert_eq!(foo.await.unwrap(), 42);
        about(start, 150);
        // "Doing it again": a second wait over the same, finished tasks is not expressible,
        // `wait` takes the tasks by value and a `Task` is joined once.
    })
}

#[test]
fn cpython_test_tasks_test_wait_errors() {
    run(|| async {
        let r = wait(Vec::<Task<Result<(), Cancelled>>>::new(), ReturnWhen::AllCompleted, None).await;
        assert!(matches!(r, Err(WaitError::Empty)), "{r:?}");
        // `return_when=-1` is not representable: `ReturnWhen` is an enum.
    })
}

#[test]
fn cpython_test_tasks_test_wait_first_completed() {
    run(|| async {
        let start = Instant::now();
        let a = spawn(sleep_ms(10_000));
        let b = spawn(sleep_ms(100));
        let task = spawn(wait(vec![b, a], ReturnWhen::FirstCompleted, None));
        let (done, pending) = task.await.unwrap().unwrap();
        assert_eq!(done.iter().map(|f| f.index).collect::<Vec<_>>(), [0]); // {b}
        assert_eq!(pending.iter().map(|p| p.0).collect::<Vec<_>>(), [1]); // {a}
        assert!(!pending[0].1.is_finished()); // not a.done()
        assert!(matches!(done[0].result, Ok(Ok(())))); // b.done(), b.result() is None
        about(start, 100);
        for (_, t) in pending {
            t.abort();
        }
    })
}

/// asyncio returns both tasks done: `a`'s completion callback takes a turn, the waiter's
/// wake-up another, and `b`, one step behind `a`, finishes in between.
#[test]
fn cpython_test_tasks_test_wait_really_done() {
    run(|| async {
        let a = spawn(async { yield_now().await });
        let b = spawn(async {
            yield_now().await?;
            yield_now().await
        });
        let task = spawn(wait(vec![b, a], ReturnWhen::FirstCompleted, None));
        let (done, pending) = task.await.unwrap().unwrap();
        let mut indices: Vec<usize> = done.iter().map(|f| f.index).collect();
        indices.sort();
        assert_eq!(indices, [0, 1], "done = {{a, b}}; pending has {}", pending.len());
        assert!(pending.is_empty());
        for f in &done {
            assert!(matches!(f.result, Ok(Ok(()))), "{:?}", f.result); // a.result(), b.result() are None
        }
    })
}

#[test]
fn cpython_test_tasks_test_wait_first_exception() {
    run(|| async {
        let start = Instant::now();
        let a = spawn(async { Ok::<_, E>(sleep_ms(10_000).await?) });
        let b = spawn(async { Err::<(), E>(E::ZeroDivision) });
        let task = spawn(wait(vec![b, a], ReturnWhen::FirstException, None));
        let (done, pending) = task.await.unwrap().unwrap();
        assert_eq!(done.iter().map(|f| f.index).collect::<Vec<_>>(), [0]); // {b}
        assert!(matches!(done[0].result, Ok(Err(E::ZeroDivision))));
        assert_eq!(pending.iter().map(|p| p.0).collect::<Vec<_>>(), [1]); // {a}
        about(start, 0);
        for (_, t) in pending {
            t.abort();
        }
    })
}

#[test]
fn cpython_test_tasks_test_wait_first_exception_in_wait() {
    run(|| async {
        let start = Instant::now();
        let a = spawn(async { Ok::<_, E>(sleep_ms(10_000).await?) });
        let b = spawn(async {
            sleep_ms(10).await?;
            Err::<(), E>(E::ZeroDivision)
        });
        let (done, pending) = wait(vec![b, a], ReturnWhen::FirstException, None).await.unwrap();
        assert_eq!(done.iter().map(|f| f.index).collect::<Vec<_>>(), [0]); // {b}
        assert_eq!(pending.iter().map(|p| p.0).collect::<Vec<_>>(), [1]); // {a}
        about(start, 10);
        for (_, t) in pending {
            t.abort();
        }
    })
}

#[test]
fn cpython_test_tasks_test_wait_with_exception() {
    run(|| async {
        let start = Instant::now();
        let a = spawn(async { Ok::<_, E>(sleep_ms(100).await?) });
        let b = spawn(async {
            sleep_ms(150).await?;
            Err::<(), E>(E::ZeroDivision) // ZeroDivisionError('really')
        });
        let foo = spawn(async move {
            let (done, pending) = wait(vec![b, a], ReturnWhen::AllCompleted, None).await.unwrap();
            assert_eq!(done.len(), 2);
            assert!(pending.is_empty());
            let errors = done.iter().filter(|f| matches!(f.result, Ok(Err(_)))).count();
            assert_eq!(errors, 1);
        });
        foo.await.unwrap();
        about(start, 150);
        // The second run over the same tasks is not expressible (see test_wait).
    })
}

#[test]
fn cpython_test_tasks_test_wait_with_timeout() {
    run_paused(|| async {
        let start = weft::time::now();
        let a = spawn(sleep_ms(100));
        let b = spawn(sleep_ms(150));
        let foo = spawn(async move {
            let (done, pending) = wait(vec![b, a], ReturnWhen::AllCompleted, Some(ms(110))).await.unwrap();
            assert_eq!(done.iter().map(|f| f.index).collect::<Vec<_>>(), [1]); // {a}
            assert_eq!(pending.iter().map(|p| p.0).collect::<Vec<_>>(), [0]); // {b}
            for (_, t) in pending {
                t.abort();
            }
        });
        foo.await.unwrap();
        at(start, 110);
    })
}

#[test]
fn cpython_test_tasks_test_wait_concurrent_complete() {
    run_paused(|| async {
        let start = weft::time::now();
        let a = spawn(sleep_ms(100));
        let b = spawn(sleep_ms(150));
        // `run_until_complete(wait(...))` wraps the wait in a task queued behind a and b:
        // their timers are set first, and a's, due at the same instant as the wait's
        // deadline, still counts.
        let w = spawn(async move { wait(vec![b, a], ReturnWhen::AllCompleted, Some(ms(100))).await });
        let (done, pending) = w.await.unwrap().unwrap();
        assert_eq!(done.iter().map(|f| f.index).collect::<Vec<_>>(), [1]); // {a}
        assert_eq!(pending.iter().map(|p| p.0).collect::<Vec<_>>(), [0]); // {b}
        at(start, 100);
        for (_, t) in pending {
            t.abort();
        }
    })
}

/// A task sleeping `ms` then returning `x`: asyncio's `sleep(ms / 1000, x)`.
fn sleeper(ms: u64, x: &'static str) -> Task<Result<&'static str, Cancelled>> {
    spawn(async move {
        sleep_ms(ms).await?;
        Ok(x)
    })
}

#[test]
fn cpython_test_tasks_test_as_completed() {
    run(|| async {
        // asyncio's plain iterator (placeholder futures) and async iterator are one stream
        // in weft; `as_completed` takes tasks, so the coroutines are spawned first.
        let start = Instant::now();
        let (a, b, c) = (sleeper(10, "a"), sleeper(10, "b"), sleeper(150, "c"));
        let mut it = as_completed(vec![b, c, a], None);
        let mut res = Vec::new();
        while let Some(f) = it.next().await {
            res.push(f.unwrap().result.unwrap().unwrap());
        }
        about(start, 150);
        assert!(res[..2].contains(&"a"));
        assert!(res[..2].contains(&"b"));
        assert_eq!(res[2], "c");
    })
}

#[test]
fn cpython_test_tasks_test_as_completed_same_tasks_in_as_out() {
    run(|| async {
        // The coroutine half (coroutines are not yielded back) is n/a: weft's
        // `as_completed` takes tasks only. The task half: what comes out is the tasks that
        // went in, each named by its id.
        let tasks: Vec<_> = ["a", "b", "c", "d"].into_iter().map(|x| spawn(async move { x })).collect();
        let ids: HashSet<_> = tasks.iter().map(|t| t.id()).collect();
        let mut it = as_completed(tasks, None);
        let mut out = HashSet::new();
        while let Some(f) = it.next().await {
            out.insert(f.unwrap().id);
        }
        assert_eq!(out, ids);
    })
}

#[test]
fn cpython_test_tasks_test_as_completed_with_timeout() {
    run(|| async {
        // CPython's virtual clock is the test clock here: a's timer (100 ms) and the
        // deadline (120 ms) are 20 ms apart, which a loaded machine's real clock cannot
        // tell apart reliably (a late loop thread finds both due at once, and the
        // deadline's callback ends the wait before a's completion is heard).
        weft::time::pause();
        let start = weft::time::now();
        let (a, b) = (sleeper(100, "a"), sleeper(150, "b"));
        // a and b are tasks created before the test's task runs: they have started their
        // sleeps when `as_completed` sets its deadline.
        run_briefly().await;
        let mut it = as_completed(vec![a, b], Some(ms(120)));
        let mut res = Vec::new();
        while let Some(f) = it.next().await {
            res.push(f.map(|f| f.result.unwrap().unwrap()));
        }
        assert_eq!(res.len(), 2, "{res:?}");
        assert_eq!(res[0], Ok("a"));
        assert!(matches!(res[1], Err(AsCompletedError::TimedOut(_))), "{res:?}");
        assert_eq!(weft::time::now() - start, ms(120), "self.assertAlmostEqual(0.12, loop.time())");
    })
}

#[test]
fn cpython_test_tasks_test_as_completed_with_unused_timeout() {
    run(|| async {
        let a = sleeper(10, "a");
        let mut it = as_completed(vec![a], Some(ms(1000)));
        assert_eq!(it.next().await.unwrap().unwrap().result.unwrap().unwrap(), "a");
        assert!(it.next().await.is_none());
    })
}

#[test]
fn cpython_test_tasks_test_as_completed_resume_iterator() {
    run(|| async {
        let mut iterator = as_completed((0..4).map(|i| spawn(async move { i })).collect(), None);
        let mut collected = Vec::new();
        while let Some(f) = iterator.next().await {
            collected.push(f.unwrap().result.unwrap());
            if collected.len() == 2 {
                break;
            }
        }
        assert_eq!(collected.len(), 2);
        // Resume the same iterator.
        while let Some(f) = iterator.next().await {
            collected.push(f.unwrap().result.unwrap());
        }
        collected.sort();
        assert_eq!(collected, [0, 1, 2, 3]);
    })
}

#[test]
fn cpython_test_tasks_test_as_completed_reverse_wait() {
    // The plain iterator is `into_futures()`: one placeholder per task, at once; the
    // placeholder awaited first gets the first completion.
    run(|| async {
        let start = Instant::now();
        let (a, b) = (sleeper(50, "a"), sleeper(100, "b"));
        let mut futs = as_completed(vec![a, b], None).into_futures();
        assert_eq!(futs.len(), 2);

        let x = (&mut futs[1]).await.unwrap().result.unwrap().unwrap();
        assert_eq!(x, "a");
        about(start, 50);
        let y = (&mut futs[0]).await.unwrap().result.unwrap().unwrap();
        assert_eq!(y, "b");
        about(start, 100);
    })
}

#[test]
fn cpython_test_tasks_test_as_completed_concurrent() {
    run(|| async {
        // try_iterator: the placeholders, each made a task (`ensure_future`), awaited
        // together through `wait`.
        let (a, b) = (sleeper(50, "a"), sleeper(50, "b"));
        let futs = as_completed(vec![a, b], None).into_futures();
        assert_eq!(futs.len(), 2);
        let (done, pending) =
            wait(futs.into_iter().map(spawn).collect(), ReturnWhen::AllCompleted, None).await.unwrap();
        assert!(pending.is_empty());
        let values: HashSet<_> =
            done.into_iter().map(|f| f.result.unwrap().unwrap().result.unwrap().unwrap()).collect();
        assert_eq!(values, HashSet::from(["a", "b"]));

        // try_async_iterator: the stream, whose items are the finished tasks' results.
        let (a, b) = (sleeper(50, "a"), sleeper(50, "b"));
        let mut it = as_completed(vec![a, b], None);
        let mut values = HashSet::new();
        while let Some(f) = it.next().await {
            values.insert(f.unwrap().result.unwrap().unwrap());
        }
        assert_eq!(values, HashSet::from(["a", "b"]));
    })
}

#[test]
fn cpython_test_tasks_test_sleep() {
    run(|| async {
        let start = Instant::now();
        // `sleep(dt, result)`: weft's sleep has no `result` argument; the task returns it.
        let t = spawn(async {
            sleep_ms(50).await?;
            sleep_ms(50).await?;
            Ok::<_, Cancelled>("yeah")
        });
        let r = t.task_ref();
        assert_eq!(t.await.unwrap().unwrap(), "yeah");
        assert!(r.is_finished());
        about(start, 100);
    })
}

#[test]
fn cpython_test_tasks_test_sleep_when_delay_is_nan() {
    run(|| async {
        let t = spawn(async {
            weft::time::sleep_secs(f64::NAN)?.await?;
            Ok::<_, Box<dyn Error + Send + Sync>>(())
        });
        let e = t.await.unwrap().unwrap_err();
        assert!(e.is::<weft::time::InvalidDuration>(), "{e}"); // ValueError
    })
}

#[test]
fn cpython_test_tasks_test_task_cancel_sleeping_task() {
    run(|| async {
        let start = Instant::now();
        let sleeper = spawn(sleep_ms(5_000_000));
        let r = sleeper.task_ref();
        let _handle = call_later(100, move || {
            r.cancel(None);
        });
        let res = match sleeper.await {
            Err(JoinError::Cancelled(_)) => "cancelled",
            _ => "slept in",
        };
        assert_eq!(res, "cancelled");
        about(start, 100);
    })
}

#[test]
fn cpython_test_tasks_test_task_cancel_waiter_future() {
    run(|| async {
        let (fut, rx) = oneshot::channel::<Result<(), E>>();
        let task = spawn(recv(rx));
        run_briefly().await;
        // `task._fut_waiter is fut` (white-box) has no counterpart.
        task.cancel(None);
        run_briefly().await;
        assert!(task.await.unwrap_err().is_cancelled());
        // `task._fut_waiter is None` (white-box) has no counterpart.
        assert!(fut.is_closed());
    })
}

#[test]
fn cpython_test_tasks_test_baseexception_during_cancel() {
    run(|| async {
        async fn sleeper() -> Result<(), Cancelled> {
            sleep_ms(10_000).await
        }
        let task = spawn(async {
            match sleeper().await {
                Err(_) => Err::<(), E>(E::SystemExit), // except CancelledError: raise base_exc
                Ok(()) => Ok(()),
            }
        });
        run_briefly().await;
        task.cancel(None);
        assert!(!task.is_finished());
        // SystemExit escaping `run_briefly` (the loop) has no counterpart: in weft it is
        // the task's own error. The task's end state is asyncio's.
        run_briefly().await;
        assert!(task.is_finished());
        assert!(!task.is_cancelled());
        assert!(matches!(task.await, Ok(Err(E::SystemExit))));
    })
}

#[test]
fn cpython_test_tasks_test_current_task() {
    common::watchdog("cpython_test_tasks_test_current_task", common::WATCHDOG, || {
        let rt = common::current();
        assert!(current_task().is_none());
        rt.block_on(async {
            let (tx, rx) = oneshot::channel::<TaskRef>();
            let task = spawn(async move {
                let task = rx.await.unwrap();
                assert_eq!(current_task().unwrap(), task);
                // `current_task(None)`: weft's takes no loop argument.
                assert_eq!(current_task().unwrap(), task);
                assert_eq!(current_task().unwrap(), task);
            });
            tx.send(task.task_ref()).unwrap();
            task.await.unwrap();
        });
        assert!(current_task().is_none());
    })
}

#[test]
fn cpython_test_tasks_test_current_task_with_interleaving_tasks() {
    common::watchdog("cpython_test_tasks_test_current_task_with_interleaving_tasks", common::WATCHDOG, || {
        let rt = common::current();
        assert!(current_task().is_none());
        rt.block_on(async {
            let (fut1, rx1) = oneshot::channel::<Result<(), E>>();
            let (fut2, rx2) = oneshot::channel::<Result<(), E>>();
            let (me1_tx, me1) = oneshot::channel::<TaskRef>();
            let (me2_tx, me2) = oneshot::channel::<TaskRef>();
            let task1 = spawn(async move {
                let task1 = me1.await.unwrap();
                assert_eq!(current_task().unwrap(), task1);
                recv(rx1).await?;
                assert_eq!(current_task().unwrap(), task1);
                fut2.send(Ok(())).unwrap();
                Ok::<_, E>(())
            });
            let task2 = spawn(async move {
                let task2 = me2.await.unwrap();
                assert_eq!(current_task().unwrap(), task2);
                fut1.send(Ok(())).unwrap();
                recv(rx2).await?;
                assert_eq!(current_task().unwrap(), task2);
                Ok::<_, E>(())
            });
            me1_tx.send(task1.task_ref()).unwrap();
            me2_tx.send(task2.task_ref()).unwrap();
            let (done, pending) = wait(vec![task1, task2], ReturnWhen::AllCompleted, None).await.unwrap();
            assert!(pending.is_empty());
            for f in done {
                f.result.unwrap().unwrap(); // the assertions inside held
            }
        });
        assert!(current_task().is_none());
    })
}

#[test]
fn cpython_test_tasks_test_yield_future_passes_cancel() {
    run(|| async {
        let proof = Arc::new(AtomicUsize::new(0));
        let (waiter, rx) = oneshot::channel::<Result<(), E>>();
        let p = proof.clone();
        let f = spawn(async move {
            let inner = async {
                match recv(rx).await {
                    Err(e @ E::Cancelled(_)) => {
                        p.fetch_add(1, SeqCst);
                        Err(e) // raise
                    }
                    other => panic!("got past sleep() in inner(): {other:?}"),
                }
            };
            match inner.await {
                Err::<(), E>(E::Cancelled(_)) => p.fetch_add(100, SeqCst), // the expected path
                _ => p.fetch_add(10, SeqCst),
            };
        });
        run_briefly().await;
        f.cancel(None);
        f.await.unwrap();
        assert_eq!(proof.load(SeqCst), 101);
        assert!(waiter.is_closed());
    })
}

#[test]
fn cpython_test_tasks_test_yield_wait_does_not_shield_cancel() {
    run(|| async {
        let proof = Arc::new(AtomicUsize::new(0));
        let (waiter, rx) = oneshot::channel::<Result<(), E>>();
        let (p1, p2) = (proof.clone(), proof.clone());
        let f = spawn(async move {
            let inner = spawn(async move {
                recv(rx).await?;
                p1.fetch_add(1, SeqCst);
                Ok::<_, E>(())
            });
            // `assertWarns(DeprecationWarning)` is never reached in CPython either: the
            // cancellation leaves the `with` first.
            match wait(vec![inner], ReturnWhen::AllCompleted, None).await {
                Err(WaitError::Cancelled(c)) => return Err(c),
                other => drop(other),
            }
            p2.fetch_add(100, SeqCst);
            Ok(())
        });
        run_briefly().await;
        f.cancel(None);
        assert!(f.await.unwrap_err().is_cancelled());
        waiter.send(Ok(())).unwrap();
        run_briefly().await;
        assert_eq!(proof.load(SeqCst), 1);
    })
}

#[test]
fn cpython_test_tasks_test_shield_result() {
    run(|| async {
        let (inner, rx) = oneshot::channel();
        let outer = shield(recv::<i32>(rx));
        inner.send(Ok(42)).unwrap();
        assert_eq!(outer.await.unwrap().unwrap(), 42);
    })
}

#[test]
fn cpython_test_tasks_test_shield_exception() {
    run(|| async {
        let (inner, rx) = oneshot::channel::<Result<i32, E>>();
        let outer = spawn(shield(recv(rx)));
        run_briefly().await;
        inner.send(Err(E::Runtime)).unwrap(); // RuntimeError('expected')
        run_briefly().await;
        assert!(matches!(outer.await.unwrap(), Ok(Err(E::Runtime))));
    })
}

#[test]
fn cpython_test_tasks_test_shield_cancel_inner() {
    run(|| async {
        let (inner_fut, rx) = oneshot::channel::<Result<(), E>>();
        let inner = slot();
        let published = inner.clone();
        let seen: Arc<Mutex<Option<&'static str>>> = Default::default();
        let s = seen.clone();
        // outer = shield(inner), awaited by a task that propagates what it gives.
        let outer = spawn(async move {
            match shield(async move {
                publish(&published);
                recv(rx).await
            })
            .await
            {
                Ok(_) => {
                    *s.lock() = Some("returned");
                    Ok(())
                }
                Err(cancelled) => {
                    let (c, task) = cancelled.into_parts();
                    *s.lock() = Some(if task.is_none() { "cancelled" } else { "the inner work runs on" });
                    Err(c)
                }
            }
        });
        run_briefly().await;
        run_briefly().await;
        let inner_task = inner.lock()[0].clone();
        assert!(inner_task.cancel(None)); // inner.cancel()
        run_loop().await;
        assert!(inner_task.is_cancelled());
        // outer.cancelled(): the shield reports the cancellation, with no task running on;
        // the task awaiting it ends cancelled, as an asyncio Task awaiting `outer` does.
        assert!(outer.is_finished());
        assert_eq!(*seen.lock(), Some("cancelled"));
        let probe = outer.task_ref();
        assert!(matches!(outer.await, Err(JoinError::Cancelled(_))));
        assert!(probe.is_cancelled());
        drop(inner_fut);
    })
}

#[test]
fn cpython_test_tasks_test_shield_cancel_outer() {
    run(|| async {
        let (inner_fut, rx) = oneshot::channel::<Result<(), E>>();
        let s = slot();
        let published = s.clone();
        let outer = spawn(async move {
            let inner_result = shield(async move {
                publish(&published);
                recv(rx).await
            })
            .await?;
            Ok::<_, Cancelled>(inner_result)
        });
        run_briefly().await;
        run_briefly().await;
        outer.cancel(None);
        run_briefly().await;
        let probe = outer.task_ref();
        assert!(outer.await.unwrap_err().is_cancelled());
        assert!(probe.is_cancelled());
        // `outer._callbacks` is empty (private): the outer let go of the inner, which runs
        // on untouched.
        let inner = s.lock()[0].clone();
        assert!(!inner.is_finished());
        assert_eq!(inner.cancelling(), 0);
        inner_fut.send(Ok(())).unwrap();
    })
}

#[test]
fn cpython_test_tasks_test_shield_shortcut() {
    run(|| async {
        let (fut, rx) = oneshot::channel();
        fut.send(Ok(42)).unwrap();
        assert_eq!(shield(recv::<i32>(rx)).await.unwrap().unwrap(), 42);
    })
}

#[test]
fn cpython_test_tasks_test_shield_effect() {
    run(|| async {
        let proof = Arc::new(AtomicUsize::new(0));
        let (waiter, rx) = oneshot::channel::<Result<(), E>>();
        let (p1, p2) = (proof.clone(), proof.clone());
        let f = spawn(async move {
            shield(async move {
                recv(rx).await.unwrap();
                p1.fetch_add(1, SeqCst);
            })
            .await?;
            p2.fetch_add(100, SeqCst);
            Ok::<_, Cancelled>(())
        });
        run_briefly().await;
        f.cancel(None);
        assert!(f.await.unwrap_err().is_cancelled());
        waiter.send(Ok(())).unwrap();
        run_briefly().await;
        assert_eq!(proof.load(SeqCst), 1);
    })
}

#[test]
fn cpython_test_tasks_test_shield_gather() {
    run(|| async {
        let (child1, r1) = oneshot::channel::<Result<i32, E>>();
        let (child2, r2) = oneshot::channel::<Result<i32, E>>();
        // The task awaiting the shield ends cancelled, and a cancelled task's output is
        // dropped: it keeps the gather (still running) here.
        type Parent = Task<Result<Vec<i32>, E>>;
        let keep: Arc<Mutex<Option<Parent>>> = Default::default();
        let k = keep.clone();
        let outer = spawn(async move {
            match shield(gather(vec![recv(r1), recv(r2)])).await {
                Ok(v) => v.map(drop),
                Err(cancelled) => {
                    let (c, parent) = cancelled.into_parts();
                    *k.lock() = parent;
                    Err(E::Cancelled(c))
                }
            }
        });
        run_briefly().await;
        outer.cancel(None);
        run_briefly().await;
        let probe = outer.task_ref();
        assert!(outer.await.unwrap_err().is_cancelled());
        assert!(probe.is_cancelled());
        child1.send(Ok(1)).unwrap();
        child2.send(Ok(2)).unwrap();
        run_briefly().await;
        let parent = keep.lock().take().expect("the shield handed back the gather");
        assert_eq!(parent.await.unwrap().unwrap(), [1, 2]);
    })
}

#[test]
fn cpython_test_tasks_test_gather_shield() {
    run(|| async {
        let (child1, r1) = oneshot::channel::<Result<i32, E>>();
        let (child2, r2) = oneshot::channel::<Result<i32, E>>();
        let children_done = Arc::new(AtomicUsize::new(0));
        let inners = slot();
        // inner = shield(child): the gather's child, which publishes itself.
        let shielded = |child: Fut<i32>, inners: Slot, done: Arc<AtomicUsize>| async move {
            publish(&inners);
            let r = shield(async move {
                let v = recv(child).await?;
                done.fetch_add(v as usize, SeqCst);
                Ok::<_, E>(v)
            })
            .await;
            match r {
                Ok(v) => v,
                Err(cancelled) => Err(E::Cancelled(cancelled.into_parts().0)),
            }
        };
        let parent = spawn(gather(vec![
            shielded(r1, inners.clone(), children_done.clone()),
            shielded(r2, inners.clone(), children_done.clone()),
        ]));
        run_briefly().await;
        run_briefly().await;
        parent.cancel(None);
        // This cancels inner1 and inner2 but not child1 and child2.
        run_briefly().await;
        let e = parent.await.unwrap_err(); // parent.exception() is a CancelledError
        assert!(e.is_cancelled(), "{e:?}");
        let inners = inners.lock().clone();
        assert_eq!(inners.len(), 2);
        assert!(inners[0].is_cancelled());
        assert!(inners[1].is_cancelled());
        // child1.set_result(1), child2.set_result(2): neither was cancelled.
        child1.send(Ok(1)).unwrap();
        child2.send(Ok(2)).unwrap();
        run_loop().await;
        assert_eq!(children_done.load(SeqCst), 3);
    })
}

#[test]
fn cpython_test_tasks_test_wait_invalid_args() {
    run(|| async {
        // wait(fut) and wait(coro) raise TypeError: excluded by the types.
        let r = wait(Vec::<Task<Result<(), E>>>::new(), ReturnWhen::AllCompleted, None).await;
        assert!(matches!(r, Err(WaitError::Empty)), "{r:?}"); // ValueError
    })
}

#[test]
fn cpython_test_tasks_test_cancel_gather_1() {
    // Deliberately different. asyncio's `_GatheringFuture.cancel()` refuses (returns
    // False) once every child is done (bpo-26923), so the gathering future is not
    // cancelled and its result is `[42]`. weft's gather is a future, not an object with a
    // `cancel()`: the only handle is the task that runs it, and cancelling a task is
    // asyncio's `Task.cancel`. A 3.13 `Task` awaiting the same gather, cancelled at the
    // same point, ends cancelled (checked); so does weft's.
    run(|| async {
        let (fut, rx) = oneshot::channel();
        // child_coro() returns await fut; gather_task runs gather(child_coro()).
        let gather_task = spawn(gather(vec![recv::<i32>(rx)]));
        run_briefly().await;
        fut.send(Ok(42)).unwrap();
        run_briefly().await; // the child finishes; the gathering task has not run since
        assert!(!gather_task.is_finished());
        let cancel_result = gather_task.cancel(None);
        let probe = gather_task.task_ref();
        let result = gather_task.await;
        assert!(cancel_result); // asyncio's gathering future: False
        assert!(matches!(result, Err(JoinError::Cancelled(_))), "{result:?}"); // asyncio: [42]
        assert!(probe.is_cancelled());
    })
}

#[test]
fn cpython_test_tasks_test_bare_create_task() {
    run(|| async {
        let task = spawn(async { 1 });
        // `assertIsInstance(task, self.Task)`: the type says it.
        assert_eq!(task.await.unwrap(), 1);
    })
}

#[test]
fn cpython_test_tasks_test_bare_create_named_task() {
    run(|| async {
        let task = spawn_named("No-op", async {});
        assert_eq!(task.name().as_deref(), Some("No-op"));
        task.await.unwrap();
    })
}

static CVAR_1: TaskLocal<&'static str> = TaskLocal::new("cvar");

#[test]
fn cpython_test_tasks_test_context_1() {
    run(|| async {
        let main = spawn(async {
            assert_eq!(CVAR_1.get_or("nope"), "nope");
            let subtask = spawn(async {
                sleep_ms(10).await.unwrap();
                assert_eq!(CVAR_1.get_or("nope"), "nope");
                let _ = CVAR_1.set("something else");
            });
            let _ = CVAR_1.set("yes");
            assert_eq!(CVAR_1.get_or("nope"), "yes");
            subtask.await.unwrap();
            assert_eq!(CVAR_1.get_or("nope"), "yes");
        });
        main.await.unwrap();
    })
}

static CVAR_3: TaskLocal<u64> = TaskLocal::new("cvar");

#[test]
fn cpython_test_tasks_test_context_3() {
    common::watchdog("cpython_test_tasks_test_context_3", common::WATCHDOG, || {
        common::current().block_on(async {
            // 100 tasks, each setting the variable 10 times around a sleep of 1 to 50 ms.
            // `random` is a fixed pseudo-random sequence here.
            let mut seed = 0x2545_F491_4F6C_DD1Du64;
            let mut random = move |n: u64| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed % n
            };
            let mut tasks = Vec::new();
            for _ in 0..100 {
                let num = random(11);
                let sleeps: Vec<u64> = (0..10).map(|_| 1 + random(50)).collect();
                tasks.push(spawn(async move {
                    for (i, d) in sleeps.into_iter().enumerate() {
                        let _ = CVAR_3.set(num + i as u64);
                        sleep_ms(d).await?;
                        assert_eq!(CVAR_3.get(), Some(num + i as u64));
                    }
                    Ok::<_, Cancelled>(())
                }));
            }
            let joins = tasks.into_iter().map(|t| async move { t.await?.map_err(JoinError::from) }).collect();
            gather::<_, _, JoinError>(joins).await.unwrap();
        });
        // cvar.get() == -1: the default, the thread that ran the loop untouched.
        assert_eq!(CVAR_3.get(), None);
    })
}

#[test]
fn cpython_test_tasks_test_current_task_with_implicit_loop() {
    // BaseCurrentLoopTests, for the Python and the C `current_task`: weft has one.
    run(|| async {
        let (tx, rx) = oneshot::channel::<TaskRef>();
        let task = spawn(async move {
            let task = rx.await.unwrap();
            assert_eq!(current_task().unwrap(), task); // current_task(loop=loop)
            assert_eq!(current_task().unwrap(), task); // current_task(None)
            assert_eq!(current_task().unwrap(), task); // current_task()
        });
        tx.send(task.task_ref()).unwrap();
        task.await.unwrap();
    })
}

#[test]
fn cpython_test_tasks_test_current_task_no_running_loop() {
    let _rt = common::current(); // built, not running
    assert!(current_task().is_none());
}

// ---------------------------------------------------------------------------------------
// Deliberately different: weft's behaviour, checked.

#[test]
fn cpython_test_tasks_test_task_repr_autogenerated() {
    run(|| async {
        // asyncio names an unnamed task 'Task-<n>', n increasing; weft leaves it unnamed
        // and its id increases the same way.
        let t1 = spawn(async { 123 });
        let t2 = spawn(async { 123 });
        assert_eq!(t1.name(), None);
        assert_eq!(t2.name(), None);
        assert_ne!(t1.id(), t2.id());
        assert!(t1.id() < t2.id());
        t1.await.unwrap();
        t2.await.unwrap();
    })
}

static CVAR_4: TaskLocal<u32> = TaskLocal::new("cvar");

/// test_context_4, _5 and _6 differ only in how the task is created (`Task(...,
/// context=ctx)`, `asyncio.create_task`, `loop.create_task`), all with `context=ctx`.
/// weft has no `context=`: every task starts with a copy of its spawner's task-locals, so
/// the children's `set` never reaches the parent (asyncio: `[None, 1, 2]`).
fn context_shared_by_two_tasks() {
    run(|| async {
        let main = spawn(async {
            async fn coro(val: u32) -> Result<(), Cancelled> {
                yield_now().await?;
                let _ = CVAR_4.set(val);
                Ok(())
            }
            let mut ret = vec![CVAR_4.get()];
            spawn(coro(1)).await.unwrap().unwrap();
            ret.push(CVAR_4.get());
            spawn(coro(2)).await.unwrap().unwrap();
            ret.push(CVAR_4.get());
            ret
        });
        assert_eq!(main.await.unwrap(), [None, None, None]);
    })
}

#[test]
fn cpython_test_tasks_test_context_4() {
    context_shared_by_two_tasks();
}

#[test]
fn cpython_test_tasks_test_context_5() {
    context_shared_by_two_tasks();
}

#[test]
fn cpython_test_tasks_test_context_6() {
    context_shared_by_two_tasks();
}

#[test]
fn cpython_test_tasks_test_current_task_no_running_loop_implicit() {
    // asyncio raises RuntimeError('no running event loop'); weft's `current_task()` is an
    // `Option`, `None` outside a runtime.
    assert!(current_task().is_none());
}

// ---------------------------------------------------------------------------------------
// GatherTestsBase: FutureGatherTests gathers futures, CoroutineGatherTests coroutines
// awaiting them; in weft both are futures `gather` spawns, and one port covers both. The
// done-callback (`cb.assert_called_once_with(fut)`) has no counterpart (a `Task` has no
// `add_done_callback`); `fut.done()` at the same points is checked instead.

/// Futures `a, b, c, ...` and the receives a gather awaits, each child publishing itself.
fn futures(n: usize, children: &Slot) -> (Vec<Setter>, Vec<ChildFut>) {
    let mut txs = Vec::new();
    let mut futs: Vec<ChildFut> = Vec::new();
    for _ in 0..n {
        let (tx, rx) = oneshot::channel();
        let children = children.clone();
        txs.push(Some(tx));
        futs.push(Box::pin(async move {
            publish(&children);
            recv(rx).await
        }));
    }
    (txs, futs)
}

type ChildFut = Pin<Box<dyn Future<Output = Result<i32, E>> + Send>>;

/// `fut.set_result` / `fut.set_exception`, once.
type Setter = Option<oneshot::Sender<Result<i32, E>>>;

fn set(txs: &mut [Setter], i: usize, v: Result<i32, E>) {
    txs[i].take().expect("resolved once").send(v).expect("the child still waits");
}

#[test]
fn cpython_test_tasks_test_success() {
    // `_check_success()` and `_check_success(return_exceptions=False)`: one case in weft.
    run(|| async {
        let (mut f, futs) = futures(3, &slot());
        let fut = spawn(gather(futs));
        set(&mut f, 1, Ok(1));
        set(&mut f, 0, Ok(2));
        run_loop().await;
        assert!(!fut.is_finished());
        set(&mut f, 2, Ok(3));
        run_loop().await;
        assert!(fut.is_finished());
        assert_eq!(fut.await.unwrap().unwrap(), [2, 1, 3]);
    })
}

#[test]
fn cpython_test_tasks_test_result_exception_success() {
    run(|| async {
        let (mut f, futs) = futures(3, &slot());
        let fut = spawn(gather_settled(futs));
        set(&mut f, 1, Ok(1));
        set(&mut f, 0, Ok(2));
        run_loop().await;
        assert!(!fut.is_finished());
        set(&mut f, 2, Ok(3));
        run_loop().await;
        assert!(fut.is_finished());
        let res: Vec<i32> = fut.await.unwrap().unwrap().into_iter().map(|r| r.unwrap().unwrap()).collect();
        assert_eq!(res, [2, 1, 3]);
    })
}

#[test]
fn cpython_test_tasks_test_one_exception() {
    run(|| async {
        let children = slot();
        let (mut f, futs) = futures(5, &children);
        let fut = spawn(gather(futs));
        set(&mut f, 0, Ok(1));
        set(&mut f, 1, Err(E::ZeroDivision));
        run_loop().await;
        assert!(fut.is_finished());
        assert!(matches!(fut.await.unwrap(), Err(E::ZeroDivision))); // fut.exception() is exc
        // Does nothing: the other children run on, unobserved.
        set(&mut f, 2, Ok(3));
        children.lock()[3].cancel(None); // d.cancel()
        set(&mut f, 4, Err(E::Runtime));
        run_loop().await;
    })
}

#[test]
fn cpython_test_tasks_test_return_exceptions() {
    run(|| async {
        let (mut f, futs) = futures(4, &slot());
        let fut = spawn(gather_settled(futs));
        set(&mut f, 1, Ok(1));
        set(&mut f, 2, Err(E::ZeroDivision));
        set(&mut f, 0, Ok(3));
        run_loop().await;
        assert!(!fut.is_finished());
        set(&mut f, 3, Err(E::Runtime));
        run_loop().await;
        assert!(fut.is_finished());
        let res = fut.await.unwrap().unwrap();
        assert!(matches!(res[0], Ok(Ok(3))));
        assert!(matches!(res[1], Ok(Ok(1))));
        assert!(matches!(res[2], Ok(Err(E::ZeroDivision))));
        assert!(matches!(res[3], Ok(Err(E::Runtime))));
    })
}

#[test]
fn cpython_test_tasks_test_constructor_empty_sequence_use_running_loop() {
    run(|| async {
        // The loop binding (`fut._loop`) has no counterpart.
        let fut = spawn(gather(Vec::<std::future::Ready<Result<i32, Cancelled>>>::new()));
        run_loop().await;
        assert!(fut.is_finished());
        assert_eq!(fut.await.unwrap().unwrap(), Vec::<i32>::new());
    })
}

#[test]
fn cpython_test_tasks_test_one_cancellation() {
    // Deliberately different in one assertion. CPython's `fut` is the gathering future:
    // a child's cancellation sets a CancelledError as its exception, and it is not
    // `cancelled()`. weft's gather is a future with no object of its own; what the test
    // can hold is the task awaiting it, an asyncio `Task`, which re-raises that
    // CancelledError and ends cancelled (checked on 3.13): so does weft's.
    run(|| async {
        let children = slot();
        let (mut f, futs) = futures(5, &children);
        let fut = spawn(gather(futs));
        run_briefly().await;
        run_briefly().await; // the children have started and published themselves
        set(&mut f, 0, Ok(1));
        children.lock()[1].cancel(None); // b.cancel()
        run_loop().await;
        assert!(fut.is_finished());
        let probe = fut.task_ref();
        let e = fut.await.unwrap_err(); // fut.exception() is a CancelledError
        assert!(e.is_cancelled(), "{e:?}");
        assert!(probe.is_cancelled()); // asyncio's gathering future: not cancelled
        // Does nothing.
        set(&mut f, 2, Ok(3));
        children.lock()[3].cancel(None);
        set(&mut f, 4, Err(E::Runtime));
        run_loop().await;
    })
}

#[test]
fn cpython_test_tasks_test_result_exception_one_cancellation() {
    run(|| async {
        let children = slot();
        let (mut f, futs) = futures(6, &children);
        let fut = spawn(gather_settled(futs));
        run_briefly().await;
        run_briefly().await; // the children have started and published themselves
        set(&mut f, 0, Ok(1));
        set(&mut f, 1, Err(E::ZeroDivision));
        children.lock()[2].cancel(None);
        run_loop().await;
        assert!(!fut.is_finished());
        set(&mut f, 3, Ok(3));
        children.lock()[4].cancel(None);
        set(&mut f, 5, Err(E::Runtime));
        let res = fut.await.unwrap().unwrap();
        assert!(matches!(res[0], Ok(Ok(1))));
        assert!(matches!(res[1], Ok(Err(E::ZeroDivision))));
        assert!(res[2].as_ref().unwrap_err().is_cancelled(), "{:?}", res[2]);
        assert!(matches!(res[3], Ok(Ok(3))));
        assert!(res[4].as_ref().unwrap_err().is_cancelled(), "{:?}", res[4]);
        assert!(matches!(res[5], Ok(Err(E::Runtime))));
    })
}

#[test]
fn cpython_test_tasks_test_cancellation_broadcast() {
    run(|| async {
        let proof = Arc::new(AtomicUsize::new(0));
        // One waiter per child: a oneshot has one receiver.
        let (waiter1, rx1) = oneshot::channel::<Result<(), E>>();
        let (waiter2, rx2) = oneshot::channel::<Result<(), E>>();
        let inner = |rx: Fut<()>, proof: Arc<AtomicUsize>| async move {
            recv(rx).await?;
            proof.fetch_add(1, SeqCst);
            Ok::<_, E>(())
        };
        let child1 = spawn(inner(rx1, proof.clone()));
        let child2 = spawn(inner(rx2, proof.clone()));
        let (probe1, probe2) = (child1.task_ref(), child2.task_ref());
        let p = proof.clone();
        let f = spawn(async move {
            // gather(child1, child2) over existing tasks: `await_task` is asyncio's
            // `await task`, which passes the cancellation on.
            gather(vec![await_task(child1), await_task(child2)]).await?;
            p.fetch_add(100, SeqCst);
            Ok::<_, JoinError>(())
        });
        run_briefly().await;
        assert!(f.cancel(None));
        assert!(f.await.unwrap_err().is_cancelled());
        // `gatherer.cancel()` is False: there is no gathering-future object to ask.
        assert!(waiter1.is_closed());
        assert!(waiter2.is_closed());
        assert!(probe1.is_cancelled());
        assert!(probe2.is_cancelled());
        run_briefly().await;
        assert_eq!(proof.load(SeqCst), 0);
    })
}

#[test]
fn cpython_test_tasks_test_exception_marking() {
    run(|| async {
        async fn inner(f: Fut<()>) -> Result<(), E> {
            recv(f).await?;
            Err(E::Runtime) // RuntimeError('should not be ignored')
        }
        let (a, ra) = oneshot::channel();
        let (b, rb) = oneshot::channel();
        let f = spawn(gather(vec![inner(ra), inner(rb)]));
        run_briefly().await;
        a.send(Ok(())).unwrap();
        run_briefly().await;
        b.send(Ok(())).unwrap();
        run_briefly().await;
        // f.exception() is a RuntimeError; the "exception retrieved" marking (no log) is
        // Python-only.
        assert!(matches!(f.await.unwrap(), Err(E::Runtime)));
    })
}

// ---------------------------------------------------------------------------------------
// SleepTests

#[test]
fn cpython_test_tasks_test_sleep_zero() {
    run(|| async {
        let result = Arc::new(AtomicUsize::new(0));
        let r = result.clone();
        let _cb = spawn(async move {
            r.fetch_add(1, SeqCst); // loop.call_soon(inc_result, 1)
        });
        assert_eq!(result.load(SeqCst), 0);
        // `sleep(0, result=10)`: weft's `yield_now` has no result argument.
        yield_now().await.unwrap();
        let num = 10;
        assert_eq!(result.load(SeqCst), 1); // incremented by the call_soon
        result.fetch_add(num, SeqCst);
        assert_eq!(result.load(SeqCst), 11);
    })
}

/// Polls a future and turns a panic inside it into an `Err` with the panic's message.
struct CatchPanic<F>(F);

impl<F: Future + Unpin> Future for CatchPanic<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| Pin::new(&mut self.0).poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default())),
        }
    }
}

#[test]
fn cpython_test_tasks_test_task_awaits_on_itself() {
    run(|| async {
        type Me = Task<Result<(), JoinError>>;
        let (handle_tx, handle_rx) = oneshot::channel::<Me>();
        let (report_tx, report_rx) = oneshot::channel::<Result<String, String>>();
        let task: Me = spawn(async move {
            let task = handle_rx.await.unwrap();
            // async def test(): await task
            let report = match CatchPanic(task).await {
                Ok(Ok(_)) => Ok("the task's await on itself returned a value".to_string()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(panic) => Err(panic),
            };
            let _ = report_tx.send(report);
            Ok(())
        });
        let probe = task.task_ref();
        handle_tx.send(task).unwrap();
        // run_until_complete(task) raises RuntimeError('Task cannot await on itself') at
        // once: as the task's error, or as a panic in the await (a programming error).
        let report = wait_for(
            async {
                match report_rx.await {
                    Ok(report) => Ok(Some(report)),
                    Err(oneshot::RecvError::Cancelled(c)) => Err(Interrupted::Cancelled(c)),
                    Err(_) => Ok(None),
                }
            },
            Duration::from_secs(5),
        )
        .await;
        let report = match report {
            Ok(Some(report)) => report,
            Ok(None) => panic!("the task ended without reporting"),
            Err(e) if e.is_timeout() => panic!("the task still waits for itself after 5 s"),
            Err(e) => panic!("{e}"),
        };
        let message = report.expect_err("awaiting itself must fail");
        assert!(message.to_lowercase().contains("cannot await on itself"), "{message}");
        while !probe.is_finished() {
            run_briefly().await;
        }
        assert!(!probe.is_cancelled());
    })
}

#[test]
fn cpython_test_tasks_test_cancel_gather_2() {
    // Cases (), (None,) and ('my message',); (5,) is not expressible (messages are strings).
    for msg in [None, Some("my message")] {
        run(move || async move {
            let qwe = spawn(async {
                let mut time = 0.0;
                loop {
                    time += 0.05;
                    gather_settled(vec![sleep_ms(50)]).await?;
                    if time > 1.0 {
                        return Ok::<_, Cancelled>(());
                    }
                }
            });
            sleep_ms(200).await.unwrap();
            qwe.cancel(msg);
            match qwe.await {
                Err(JoinError::Cancelled(exc)) => assert_eq!(exc.message(), msg),
                other => panic!("gather() does not propagate CancelledError to its caller: {other:?}"),
            }
            // `get_innermost_context(exc)` (depth 0) is Python-only.
        })
    }
}
