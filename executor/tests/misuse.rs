//! Misuse of the executor: every mistake a user can make at run time, with the outcome
//! weft documents for it (a typed error, a panic whose message says what to do, or a
//! documented behaviour), never a hang, an abort or a lost value. Each case runs under a
//! watchdog, so a hang fails in seconds. docs/misuse.md lists every case with its outcome.
//!
//! Cases that need a resource limit (the fd limit) run in a child process: the test
//! re-executes this binary with `WEFT_MISUSE_CHILD` set to the case's name, and the child
//! lowers its own limit with `setrlimit`, so the other tests never see it.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};
use weft_executor::net::{TcpListener, TcpStream};
use weft_executor::runtime::Builder;
use weft_executor::time::{secs, sleep, sleep_until};
use weft_executor::{BuildError, EnterError, JoinError, Runtime, SpawnError};

/// A body that has not finished by then has hung.
const LIMIT: Duration = Duration::from_secs(30);

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

fn current() -> Runtime {
    Runtime::builder().current_thread().build().unwrap()
}

fn multi() -> Runtime {
    Runtime::builder().worker_threads(2).build().unwrap()
}

/// Runs the body on both flavours, each under the watchdog.
fn both<F: Future<Output = ()>>(body: impl Fn(&'static str) -> F + Send + Sync + 'static) {
    let body = Arc::new(body);
    let b = body.clone();
    watchdog(move || current().block_on(b("current_thread")));
    watchdog(move || multi().block_on(body("multi_thread")));
}

/// The message of a panic raised by `f`.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// A minimal executor that is not weft.
fn block_on_foreign<F: Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(&waker)) {
            return v;
        }
        std::thread::park();
    }
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

/// Waits until `cond` holds, for at most `LIMIT` (then panics).
fn spin_until(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < LIMIT, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

// ---------------------------------------------------------------------------------------
// Building a runtime: bad sizes and counts

#[test]
fn worker_threads_zero_is_refused() {
    watchdog(|| {
        let err = Runtime::builder().worker_threads(0).build().unwrap_err();
        assert!(matches!(err, BuildError::InvalidConfig(_)), "{err:?}");
        assert!(err.to_string().contains("worker_threads must be at least 1"), "{err}");
    });
}

/// The reported defect: `worker_threads(1 << 40)` aborted the process on a 44 TB
/// allocation, and `usize::MAX` panicked with "capacity overflow".
#[test]
fn worker_threads_absurdly_many_is_a_typed_error() {
    watchdog(|| {
        for n in [1 << 40, usize::MAX, Builder::MAX_WORKER_THREADS + 1] {
            let err = Runtime::builder().worker_threads(n).build().unwrap_err();
            assert!(matches!(err, BuildError::InvalidConfig(_)), "{n}: {err:?}");
            let msg = err.to_string();
            assert!(
                msg.contains("at most") && msg.contains(&Builder::MAX_WORKER_THREADS.to_string()),
                "{msg}"
            );
        }
    });
}

#[test]
fn worker_threads_ignored_by_the_current_thread_flavour() {
    watchdog(|| {
        let rt = Runtime::builder().current_thread().worker_threads(7).build().unwrap();
        assert_eq!(rt.block_on(async { 1 }), 1);
    });
}

#[test]
fn max_blocking_threads_zero_is_refused_and_huge_is_a_cap_only() {
    watchdog(|| {
        let err = Runtime::builder().max_blocking_threads(0).build().unwrap_err();
        assert!(err.to_string().contains("max_blocking_threads must be at least 1"), "{err}");
        watchdog(|| {
            let rt = Runtime::builder().current_thread().max_blocking_threads(usize::MAX).build().unwrap();
            assert_eq!(rt.block_on(rt.spawn_blocking(|| 3)).unwrap(), 3);
            assert_eq!(rt.blocking_threads(), 1, "threads start on demand, not up to the cap");
        });
    });
}

#[test]
fn thread_stack_size_too_large_is_an_io_error() {
    watchdog(|| {
        let err = Runtime::builder().worker_threads(2).thread_stack_size(usize::MAX).build().unwrap_err();
        assert!(matches!(err, BuildError::Io(_)), "{err:?}");
        assert!(err.to_string().starts_with("could not build the runtime"), "{err}");
    });
}

#[test]
fn thread_stack_size_zero_still_runs() {
    watchdog(|| {
        let rt = Runtime::builder().worker_threads(1).thread_stack_size(0).build().unwrap();
        assert_eq!(rt.block_on(rt.spawn(async { 2 })).unwrap(), 2);
    });
}

#[test]
fn blocking_keep_alive_at_both_ends() {
    watchdog(|| {
        for keep_alive in [Duration::ZERO, Duration::MAX] {
            let rt = Runtime::builder().current_thread().blocking_keep_alive(keep_alive).build().unwrap();
            for i in 0..3 {
                assert_eq!(rt.block_on(rt.spawn_blocking(move || i)).unwrap(), i);
            }
        }
    });
}

/// A thread-name function is user code: if it panics, `build` panics before any worker
/// thread is started (none is left running).
#[test]
fn a_panicking_thread_name_fn_panics_out_of_build_and_starts_no_thread() {
    watchdog(|| {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let msg = panic_message(|| {
            let _ = Runtime::builder()
                .worker_threads(3)
                .thread_name_fn(move |i| {
                    c.fetch_add(1, SeqCst);
                    if i == 2 {
                        panic!("no name for worker 2");
                    }
                    format!("w{i}")
                })
                .build();
        });
        assert_eq!(msg, "no name for worker 2");
        assert!(
            !std::fs::read_dir("/proc/self/task").unwrap().any(|t| {
                let comm = std::fs::read_to_string(t.unwrap().path().join("comm")).unwrap_or_default();
                comm.trim() == "w0" || comm.trim() == "w1"
            }),
            "no worker thread was left running"
        );
    });
}

// ---------------------------------------------------------------------------------------
// Entering a runtime from the wrong place

#[test]
fn block_on_inside_a_runtime_is_an_enter_error() {
    both(|flavour| async move {
        assert_eq!(current().try_block_on(async {}), Err(EnterError), "{flavour}");
        let msg = panic_message(|| multi().block_on(async {}));
        assert!(msg.contains("cannot start a runtime from inside a running weft runtime"), "{msg}");
    });
}

/// The reported defect: a current-thread runtime's `try_block_on` called from one of its
/// own blocking jobs (while its `block_on` awaits that job) panicked instead of
/// returning its error.
#[test]
fn current_thread_try_block_on_from_its_own_blocking_job_is_an_enter_error() {
    watchdog(|| {
        let rt = Arc::new(current());
        let rt2 = rt.clone();
        // Spawned inside block_on, so the loop is running while the job runs.
        let r =
            rt.block_on(async { weft_executor::spawn_blocking(move || rt2.try_block_on(async { 1 })).await });
        assert_eq!(r.unwrap(), Err(EnterError));
        let rt3 = rt.clone();
        let msg = rt.block_on(async {
            weft_executor::spawn_blocking(move || panic_message(|| rt3.block_on(async {}))).await
        });
        assert!(msg.unwrap().contains("already running block_on on another thread"));
        assert_eq!(rt.block_on(async { 5 }), 5, "still usable");
    });
}

#[test]
fn multi_thread_block_on_from_its_own_blocking_job_works() {
    watchdog(|| {
        let rt = Arc::new(multi());
        let rt2 = rt.clone();
        let r = rt.block_on(rt.spawn_blocking(move || {
            rt2.try_block_on(async { weft_executor::spawn(async { 6 }).await.unwrap() })
        }));
        assert_eq!(r.unwrap(), Ok(6));
    });
}

#[test]
fn current_thread_block_on_from_two_threads_at_once() {
    watchdog(|| {
        let rt = current();
        let (entered_tx, entered_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        std::thread::scope(|s| {
            let rt = &rt;
            s.spawn(move || {
                rt.block_on(async move {
                    entered_tx.send(()).unwrap();
                    release_rx.recv().unwrap();
                })
            });
            entered_rx.recv().unwrap();
            assert_eq!(rt.try_block_on(async {}), Err(EnterError));
            release_tx.send(()).unwrap();
        });
        assert_eq!(rt.try_block_on(async { 1 }), Ok(1));
    });
}

#[test]
fn spawn_and_spawn_blocking_outside_a_runtime() {
    watchdog(|| {
        assert_eq!(weft_executor::try_spawn(async {}).err(), Some(SpawnError::NoRuntime));
        let msg = panic_message(|| drop(weft_executor::spawn(async {})));
        assert!(msg.contains("no weft runtime on this thread"), "{msg}");
        let msg = panic_message(|| drop(weft_executor::spawn_blocking(|| ())));
        assert!(msg.contains("outside a weft runtime"), "{msg}");
    });
}

#[test]
fn spawn_local_on_a_multi_thread_runtime_or_a_worker() {
    watchdog(|| {
        let rt = multi();
        rt.block_on(async {
            assert_eq!(weft_executor::try_spawn_local(async {}).err(), Some(SpawnError::NotLocal));
            let on_worker = weft_executor::spawn(async { weft_executor::try_spawn_local(async {}).err() });
            assert_eq!(on_worker.await.unwrap(), Some(SpawnError::NotLocal));
        });
    });
}

#[test]
fn timers_outside_a_runtime_panic_with_a_message() {
    watchdog(|| {
        let mut s = Box::pin(sleep(Duration::from_millis(1)));
        let msg = panic_message(|| drop(s.as_mut().poll(&mut Context::from_waker(Waker::noop()))));
        assert!(msg.contains("outside a weft runtime"), "{msg}");
    });
}

/// A join handle is not tied to a runtime: it can be awaited in another runtime, or by
/// an executor that is not weft.
#[test]
fn a_task_awaited_from_another_runtime_or_a_foreign_executor() {
    watchdog(|| {
        let a = multi();
        let b = current();
        let t = a.spawn(async { 7 });
        assert_eq!(b.block_on(t), Ok(7));
        let t = a.spawn(async {
            sleep(Duration::from_millis(2)).await.unwrap();
            8
        });
        assert_eq!(block_on_foreign(t), Ok(8));
    });
}

/// A socket belongs to the runtime that created it (its readiness comes from that
/// runtime's reactor). Used from another runtime, it works as long as its own runtime
/// runs (here a multi-thread one, whose workers poll its reactor).
#[test]
fn a_socket_used_from_another_runtime_while_its_own_runs() {
    watchdog(|| {
        let home = multi();
        let away = current();
        let listener = home.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let client = home.spawn(async move {
            let c = TcpStream::connect(addr).await?;
            c.write_all(b"hi").await?;
            Ok::<_, std::io::Error>(c)
        });
        let got = away.block_on(async move {
            let (conn, _) = listener.accept().await?;
            let mut buf = [0u8; 2];
            conn.read_exact(&mut buf).await?;
            Ok::<_, std::io::Error>(buf)
        });
        assert_eq!(&got.unwrap(), b"hi");
        drop(home.block_on(client));
    });
}

/// A socket outliving its runtime: operations fail with an error instead of hanging.
#[test]
fn a_socket_used_after_its_runtime_is_dropped() {
    watchdog(|| {
        let home = current();
        let listener = home.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        drop(home);
        let away = current();
        let r = away.block_on(async move {
            let _c = std::net::TcpStream::connect(addr).unwrap();
            listener.accept().await.map(drop)
        });
        let err = r.unwrap_err();
        assert!(!err.to_string().is_empty());
    });
}

// ---------------------------------------------------------------------------------------
// Dropping a runtime from the wrong place

/// The reported defect: dropping the last `Arc<Runtime>` inside one of its own tasks
/// panicked with "Resource deadlock avoided" (the worker joined itself). It now shuts
/// down in the background: the task's poll completes, then the other tasks are dropped.
#[test]
fn dropping_the_last_runtime_handle_inside_its_own_task() {
    watchdog(|| {
        let live = Live::default();
        let rt = Arc::new(multi());
        let parked = {
            let g = live.guard(false);
            rt.spawn(async move {
                let _g = g;
                std::future::pending::<()>().await
            })
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let last = rt.clone();
        let dropper = rt.spawn(async move {
            drop(last);
            tx.send(weft_executor::current_task().is_some()).unwrap();
            "returned"
        });
        drop(rt);
        assert!(rx.recv().unwrap(), "the dropping task ran on to its end");
        spin_until("the other task's future is dropped", || live.count() == 0);
        assert_eq!(block_on_foreign(dropper), Ok("returned"));
        assert!(block_on_foreign(parked).unwrap_err().is_cancelled());
        spin_until("the workers exit", || {
            !std::fs::read_dir("/proc/self/task").unwrap().any(|t| {
                let comm = std::fs::read_to_string(t.unwrap().path().join("comm")).unwrap_or_default();
                comm.trim() == "weft-shutdown"
            })
        });
    });
}

#[test]
fn dropping_the_last_runtime_handle_inside_its_own_blocking_job() {
    for rt in [current(), multi()] {
        watchdog(move || {
            let rt = Arc::new(rt);
            let last = rt.clone();
            let job = rt.spawn_blocking(move || {
                let start = Instant::now();
                drop(last);
                start.elapsed()
            });
            drop(rt);
            let took = block_on_foreign(job);
            // The job's own drop shuts the runtime down; it does not wait for itself.
            let took = took.unwrap_or_else(|e| panic!("{e}"));
            assert!(took < Duration::from_millis(900), "the drop waited for its own thread: {took:?}");
        });
    }
}

#[test]
fn dropping_a_runtime_inside_a_task_of_another_runtime() {
    watchdog(|| {
        let outer = multi();
        let inner = multi();
        let t = inner.spawn(std::future::pending::<()>());
        outer.block_on(async move {
            weft_executor::spawn(async move { drop(inner) }).await.unwrap();
        });
        assert!(block_on_foreign(t).unwrap_err().is_cancelled());
    });
}

// ---------------------------------------------------------------------------------------
// Operations after shutdown

#[test]
fn spawning_from_a_drop_during_shutdown() {
    for rt in [current(), multi()] {
        watchdog(move || {
            // A task cannot be spawned any more; a blocking job still runs (the pool
            // closes after every task is dropped), so its result is not lost.
            struct TryOnDrop(std::sync::mpsc::Sender<(Result<(), SpawnError>, Result<u8, JoinError>)>);
            impl Drop for TryOnDrop {
                fn drop(&mut self) {
                    let spawned = weft_executor::try_spawn(async {}).map(drop);
                    let blocking = block_on_foreign(weft_executor::spawn_blocking(|| 9));
                    let _ = self.0.send((spawned, blocking));
                }
            }
            let (tx, rx) = std::sync::mpsc::channel();
            let guard = TryOnDrop(tx);
            let _t = rt.spawn(async move {
                let _g = guard;
                std::future::pending::<()>().await
            });
            drop(rt);
            assert_eq!(rx.recv().unwrap(), (Err(SpawnError::Shutdown), Ok(9)));
        });
    }
}

#[test]
fn a_join_handle_after_its_runtime_is_dropped() {
    watchdog(|| {
        let rt = multi();
        let t = rt.spawn(std::future::pending::<()>());
        let done = rt.spawn(async { 1 });
        spin_until("the task finished", || done.is_finished());
        drop(rt);
        assert!(block_on_foreign(t).unwrap_err().is_cancelled());
        assert_eq!(block_on_foreign(done), Ok(1), "a finished task keeps its output");
    });
}

/// A waker kept past its runtime's shutdown: waking it is harmless.
#[test]
fn a_waker_woken_after_its_runtime_is_dropped() {
    for rt in [current(), multi()] {
        watchdog(move || {
            let (tx, rx) = std::sync::mpsc::channel();
            let _t = rt.spawn(std::future::poll_fn(move |cx| {
                let _ = tx.send(cx.waker().clone());
                Poll::<()>::Pending
            }));
            let waker = loop {
                if let Ok(w) = rx.try_recv() {
                    break w;
                }
                rt.block_on(weft_executor::yield_now()).unwrap();
            };
            drop(rt);
            waker.wake_by_ref();
            waker.wake();
        });
    }
}

// ---------------------------------------------------------------------------------------
// Panicking and re-entrant Drop in futures and outputs

/// A task's future whose Drop panics at shutdown: the panic is contained, and every other
/// task is still dropped.
#[test]
fn a_future_whose_drop_panics_at_shutdown() {
    for rt in [current(), multi()] {
        watchdog(move || {
            let live = Live::default();
            for i in 0..4 {
                let g = live.guard(i == 1);
                drop(rt.spawn(async move {
                    let _g = g;
                    std::future::pending::<()>().await
                }));
            }
            drop(rt);
            assert_eq!(live.count(), 0, "every future dropped");
        });
    }
}

/// A future whose Drop panics when it completes: the task reports the panic.
#[test]
fn a_future_whose_drop_panics_after_it_completes() {
    both(|flavour| async move {
        let live = Live::default();
        let g = live.guard(true);
        let t = weft_executor::spawn(async move {
            let _g = g;
            1
        });
        let r = t.await;
        assert!(r.as_ref().is_err_and(JoinError::is_panic) || r == Ok(1), "{flavour}: {r:?}");
        assert_eq!(live.count(), 0);
        assert_eq!(weft_executor::spawn(async { 2 }).await, Ok(2), "{flavour}: the runtime lives on");
    });
}

/// A task's output whose Drop panics, dropped with the handle that never took it: the
/// panic is contained (caught and discarded), like a panicking future's drop.
#[test]
fn an_output_whose_drop_panics_with_nobody_awaiting() {
    both(|flavour| async move {
        let live = Live::default();
        let l = live.clone();
        let t = weft_executor::spawn(async move { l.guard(true) });
        weft_executor::yield_now().await.unwrap();
        while !t.is_finished() {
            weft_executor::yield_now().await.unwrap();
        }
        drop(t);
        assert_eq!(live.count(), 0, "{flavour}");
    });
}

#[test]
fn a_task_panicking_with_a_non_string_payload() {
    both(|flavour| async move {
        let err = weft_executor::spawn(async { std::panic::panic_any(42u8) }).await.unwrap_err();
        assert!(err.is_panic(), "{flavour}");
        assert!(err.to_string().contains("panicked"), "{flavour}: {err}");
    });
}

#[test]
fn block_on_a_future_that_panics_leaves_the_runtime_usable() {
    for rt in [current(), multi()] {
        watchdog(move || {
            let msg = panic_message(|| rt.block_on(async { panic!("root panics") }));
            assert_eq!(msg, "root panics");
            assert_eq!(rt.block_on(async { weft_executor::spawn(async { 3 }).await }), Ok(3));
        });
    }
}

// ---------------------------------------------------------------------------------------
// Task handles

#[test]
fn awaiting_a_task_twice() {
    both(|flavour| async move {
        let mut t = weft_executor::spawn(async { 1 });
        assert_eq!((&mut t).await, Ok(1));
        assert_eq!((&mut t).await, Err(JoinError::AlreadyJoined), "{flavour}");
    });
}

#[test]
fn cancel_abort_and_uncancel_a_finished_task() {
    both(|flavour| async move {
        let mut t = weft_executor::spawn(async { 1 });
        assert_eq!((&mut t).await, Ok(1));
        assert!(!t.cancel(Some("late")), "{flavour}: cancel of a finished task");
        t.abort();
        t.abort();
        assert_eq!(t.uncancel(), 0, "{flavour}: no underflow");
        assert_eq!(t.cancelling(), 0);
    });
}

#[test]
fn uncancel_more_often_than_cancel() {
    both(|flavour| async move {
        let t = weft_executor::spawn(std::future::pending::<()>());
        assert_eq!(t.uncancel(), 0, "{flavour}");
        assert!(t.cancel(Some(&"x".repeat(1 << 16))));
        assert_eq!(t.uncancel(), 0);
        assert_eq!(t.uncancel(), 0);
        t.abort();
        assert!(t.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn cancel_a_task_from_another_thread_before_its_first_poll() {
    watchdog(|| {
        let rt = current(); // not running until block_on: the task cannot start first
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        let t = rt.spawn(async move {
            weft_executor::yield_now().await?;
            r.store(true, SeqCst);
            Ok::<_, weft_executor::Cancelled>(())
        });
        let t = std::thread::spawn(move || {
            t.cancel(None);
            t
        })
        .join()
        .unwrap();
        assert!(rt.block_on(t).unwrap_err().is_cancelled());
        assert!(!ran.load(SeqCst));
    });
}

// ---------------------------------------------------------------------------------------
// Durations at both ends of the range

#[test]
fn seconds_that_are_not_durations() {
    watchdog(|| {
        for bad in [-1.0, -1e-9, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MAX, 1e30] {
            let err = secs(bad).unwrap_err();
            assert!(err.to_string().starts_with("invalid duration"), "{bad}: {err}");
            assert!(weft_executor::time::sleep_secs(bad).is_err());
        }
        assert_eq!(secs(-0.0), Ok(Duration::ZERO), "negative zero is zero");
        assert_eq!(secs(f64::MIN_POSITIVE), Ok(Duration::ZERO), "below a nanosecond rounds to zero");
    });
}

#[test]
fn sleep_zero_and_one_nanosecond_complete() {
    both(|flavour| async move {
        sleep(Duration::ZERO).await.unwrap();
        sleep(Duration::from_nanos(1)).await.unwrap();
        sleep_until(Instant::now() - Duration::from_secs(1)).await.unwrap();
        let _ = flavour;
    });
}

/// `sleep(Duration::MAX)` and a deadline far in the future: pending, cancellable, no
/// overflow panic.
#[test]
fn sleep_for_ever_is_pending_and_cancellable() {
    both(|flavour| async move {
        let t = weft_executor::spawn(async { sleep(Duration::MAX).await });
        let u = weft_executor::spawn(async {
            let far = Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600);
            sleep_until(far).await
        });
        for _ in 0..3 {
            weft_executor::yield_now().await.unwrap();
        }
        assert!(!t.is_finished() && !u.is_finished(), "{flavour}");
        t.cancel(None);
        u.cancel(None);
        assert!(t.await.unwrap_err().is_cancelled(), "{flavour}");
        assert!(u.await.unwrap_err().is_cancelled(), "{flavour}");
    });
}

// ---------------------------------------------------------------------------------------
// The blocking pool's cap

/// More blocking jobs than `max_blocking_threads`: they queue, all run, and the pool
/// never exceeds its cap.
#[test]
fn blocking_jobs_beyond_the_cap_queue_and_all_run() {
    watchdog(|| {
        let rt = Runtime::builder().worker_threads(1).max_blocking_threads(2).build().unwrap();
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let sum = rt.block_on(async {
            let jobs: Vec<_> = (0..20u64)
                .map(|i| {
                    let (running, most) = (running.clone(), most.clone());
                    weft_executor::spawn_blocking(move || {
                        let n = running.fetch_add(1, SeqCst) + 1;
                        most.fetch_max(n, SeqCst);
                        std::thread::sleep(Duration::from_millis(1));
                        running.fetch_sub(1, SeqCst);
                        i
                    })
                })
                .collect();
            let mut sum = 0;
            for j in jobs {
                sum += j.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, (0..20).sum());
        assert!(most.load(SeqCst) <= 2, "{} ran at once", most.load(SeqCst));
        assert!(rt.blocking_threads() <= 2);
    });
}

#[test]
fn a_blocking_job_that_panics() {
    both(|flavour| async move {
        let err = weft_executor::spawn_blocking(|| panic!("job panics")).await.unwrap_err();
        assert_eq!(err.panic_message(), Some("job panics"), "{flavour}");
        assert_eq!(weft_executor::spawn_blocking(|| 1).await, Ok(1), "{flavour}: the pool lives on");
    });
}

#[test]
fn awaiting_a_blocking_job_is_cancellable_while_it_runs_on() {
    both(|flavour| async move {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (started, finished) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let (s, f) = (started.clone(), finished.clone());
        let t = weft_executor::spawn(async move {
            weft_executor::spawn_blocking(move || {
                s.store(true, SeqCst);
                rx.recv().unwrap();
                f.store(true, SeqCst);
            })
            .await
        });
        while !started.load(SeqCst) {
            weft_executor::yield_now().await.unwrap();
        }
        t.cancel(None);
        assert!(t.await.unwrap_err().is_cancelled(), "{flavour}");
        tx.send(()).unwrap();
        while !finished.load(SeqCst) {
            weft_executor::yield_now().await.unwrap();
        }
    });
}

// ---------------------------------------------------------------------------------------
// Sockets: bad addresses, ports in use, resource exhaustion

#[test]
fn addresses_that_do_not_parse_or_resolve() {
    both(|flavour| async move {
        for bad in ["not an address", "127.0.0.1:99999", "[::1", "256.0.0.1:80"] {
            let err = TcpStream::connect(bad).await.unwrap_err();
            assert!(!err.to_string().is_empty(), "{flavour}: {bad}");
            assert!(TcpListener::bind(bad).await.is_err(), "{flavour}: {bad}");
        }
    });
}

#[test]
fn binding_a_port_in_use() {
    both(|flavour| async move {
        let a = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let err = TcpListener::bind(a.local_addr().unwrap()).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse, "{flavour}");
    });
}

#[test]
fn connecting_to_a_closed_port() {
    both(|flavour| async move {
        let addr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused, "{flavour}");
    });
}

#[test]
fn writing_to_a_peer_that_reset() {
    both(|flavour| async move {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (s, _) = l.accept().await.unwrap();
        drop(s);
        let mut failed = None;
        for _ in 0..1000 {
            if let Err(e) = c.write_all(&[0u8; 65536]).await {
                failed = Some(e);
                break;
            }
        }
        let e = failed.expect("writes to a closed peer fail");
        assert!(
            matches!(e.kind(), std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset),
            "{flavour}: {e:?}"
        );
    });
}

/// Runs this test binary again with only `case`, in a child process, with
/// `WEFT_MISUSE_CHILD` set; the child's exit status and output are returned. The caller
/// runs it under the watchdog; the child's own body is then bounded by its parent's.
fn in_child(case: &str) -> std::process::Output {
    std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", case, "--nocapture", "--test-threads=1"])
        .env("WEFT_MISUSE_CHILD", case)
        .output()
        .unwrap()
}

fn is_child(case: &str) -> bool {
    std::env::var("WEFT_MISUSE_CHILD").is_ok_and(|c| c == case)
}

/// Lowers this process's open-file limit.
#[cfg(target_os = "linux")]
fn limit_fds(n: u64) {
    let lim = libc::rlimit { rlim_cur: n, rlim_max: n };
    // SAFETY: setrlimit reads the struct we pass; it lives across the call.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
}

/// Opens files until the limit is hit; returns them (closing them frees the fds).
#[cfg(target_os = "linux")]
fn exhaust_fds() -> Vec<std::fs::File> {
    let mut files = Vec::new();
    loop {
        match std::fs::File::open("/dev/null") {
            Ok(f) => files.push(f),
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e}");
                return files;
            }
        }
    }
}

/// With no file descriptor left: `build` fails with `BuildError::Io` (the poller needs
/// some), `accept` and `connect` fail with EMFILE instead of hanging or spinning, and
/// everything works again once fds are freed.
#[cfg(target_os = "linux")]
#[test]
fn fd_exhaustion() {
    const CASE: &str = "fd_exhaustion";
    if !is_child(CASE) {
        let out = watchdog(|| in_child(CASE));
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "the child failed:\n{text}");
        assert!(text.contains("fd_exhaustion ... ok"), "the case did not run in the child:\n{text}");
        return;
    }
    limit_fds(256);
    let rt = multi();
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let client = std::net::TcpStream::connect(addr).unwrap(); // queued for accept
    let files = exhaust_fds();
    let err = Runtime::builder().worker_threads(1).build().unwrap_err();
    assert!(matches!(&err, BuildError::Io(e) if e.raw_os_error() == Some(libc::EMFILE)), "{err:?}");
    let err = rt.block_on(listener.accept()).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err:?}");
    let err = rt.block_on(TcpStream::connect(addr)).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err:?}");
    drop(files);
    let (conn, _) = rt.block_on(listener.accept()).expect("the queued connection is still there");
    drop((conn, client));
    assert_eq!(rt.block_on(rt.spawn(async { 1 })), Ok(1));
    drop(Runtime::builder().worker_threads(1).build().unwrap());
}

/// With no thread left to start: the pool's cap is the operating system's. A blocking job
/// waits for a thread that exists (covered above); here `build` itself reports the OS's
/// refusal to start a worker as `BuildError::Io`, and stops the workers it started.
#[cfg(target_os = "linux")]
#[test]
fn thread_exhaustion_at_build() {
    const CASE: &str = "thread_exhaustion_at_build";
    if !is_child(CASE) {
        let out = watchdog(|| in_child(CASE));
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "the child failed:\n{text}");
        assert!(
            text.contains("thread_exhaustion_at_build ... ok"),
            "the case did not run in the child:\n{text}"
        );
        return;
    }
    let threads_now = std::fs::read_dir("/proc/self/task").unwrap().count() as u64;
    // RLIMIT_NPROC counts the user's threads system-wide; limit the address space instead:
    // each worker's stack is reserved up front, so a large stack runs out after a few.
    let lim = libc::rlimit { rlim_cur: 1 << 30, rlim_max: 1 << 30 };
    // SAFETY: setrlimit reads the struct we pass; it lives across the call.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_AS, &lim) }, 0);
    let err = Runtime::builder().worker_threads(64).thread_stack_size(64 << 20).build().unwrap_err();
    assert!(matches!(err, BuildError::Io(_)), "{err:?}");
    spin_until("the started workers exit", || {
        std::fs::read_dir("/proc/self/task").unwrap().count() as u64 <= threads_now
    });
}
