//! Helpers shared by the executor's integration tests: runtimes of both flavours, a
//! watchdog so that a hang fails the test instead of stalling the suite, a counter of
//! live futures to prove shutdown leaks nothing, and small async waits.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The deadline for one test body (per flavour): it catches a hang, not a slow run. The
/// machines are small and noisy, and the longest body (64 MiB through a Unix socket, a
/// debug build, every block compared) took 31 s beside two CPU burners and a build; a
/// body that needs this long has hung.
pub const WATCHDOG: Duration = Duration::from_secs(180);

pub fn current() -> weft::Runtime {
    weft::Runtime::builder().current_thread().build().expect("current-thread runtime")
}

pub fn multi() -> weft::Runtime {
    weft::Runtime::builder().multi_thread().worker_threads(2).build().expect("multi-thread runtime")
}

/// Runs `f` on a fresh thread and fails the test if it takes longer than `limit`; a panic
/// in `f` is re-raised here with its message.
pub fn watchdog<R: Send + 'static>(name: &str, limit: Duration, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(format!("test-body-{name}"))
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("spawn test body");
    match rx.recv_timeout(limit) {
        Ok(v) => {
            handle.join().expect("test body thread");
            v
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the body neither returned nor panicked"),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{name}: hung (no result after {limit:?})")
        }
    }
}

/// Runs `body` once on a current-thread runtime and once on a multi-thread runtime with
/// two workers, each under the watchdog. The body gets the runtime and its flavour's name
/// (for assertion messages).
pub fn on_both(body: impl Fn(weft::Runtime, &'static str) + Send + Sync + 'static) {
    let body = Arc::new(body);
    let b = body.clone();
    watchdog("current_thread", WATCHDOG, move || b(current(), "current_thread"));
    watchdog("multi_thread", WATCHDOG, move || body(multi(), "multi_thread"));
}

/// `block_on` on both flavours: the future is built by `make` for each runtime.
pub fn block_on_both<F, Fut>(make: F)
where
    F: Fn(&'static str) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()>,
{
    on_both(move |rt, flavour| rt.block_on(make(flavour)));
}

/// Counts live values: `Live::guard` adds one, dropping the guard removes it.
#[derive(Clone, Default)]
pub struct Live(Arc<AtomicUsize>);

impl Live {
    pub fn new() -> Live {
        Live::default()
    }
    pub fn guard(&self) -> LiveGuard {
        self.0.fetch_add(1, Ordering::SeqCst);
        LiveGuard(self.0.clone())
    }
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

pub struct LiveGuard(Arc<AtomicUsize>);

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Polls `fut` once with a no-op waker, outside any runtime.
pub fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let waker = futures_task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    Pin::new(fut).poll(&mut cx)
}

/// Waits (sleeping a millisecond at a time) until `cond` holds; panics after 10 s.
pub async fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(10), "timed out waiting until {what}");
        weft::time::sleep(Duration::from_millis(1)).await.expect("wait_until was cancelled");
    }
}

/// A one-shot flag a task can await and anyone (any thread) can set: the smallest
/// foreign (non-weft) future, to test wakes that do not come from weft's own primitives.
#[derive(Clone, Default)]
pub struct Flag(Arc<parking_lot::Mutex<(bool, Option<std::task::Waker>)>>);

impl Flag {
    pub fn new() -> Flag {
        Flag::default()
    }
    pub fn set(&self) {
        let waker = {
            let mut g = self.0.lock();
            g.0 = true;
            g.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
    pub fn is_set(&self) -> bool {
        self.0.lock().0
    }
    /// Resolves once the flag is set. Not a checkpoint (wrap it in `.cancellable()`).
    pub fn wait(&self) -> impl Future<Output = ()> + Send + 'static + use<> {
        let flag = self.clone();
        std::future::poll_fn(move |cx| {
            let mut g = flag.0.lock();
            if g.0 {
                Poll::Ready(())
            } else {
                g.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }
}

/// Spawns `fut` so that it is certainly not polled before `then` has run. On the
/// current-thread runtime every spawn is. On the multi-thread runtime (two workers) a
/// task spawned by a running task goes to that worker's LIFO slot, which only an idle
/// worker may take, and only after the owner has been stuck in one poll for a
/// millisecond (`scheduler/multi_thread/lifo.rs`), which a descheduled thread can be:
/// so the other worker is kept busy until `then` has run.
pub async fn with_unpolled<T, F, R>(
    flavour: &str,
    fut: F,
    then: impl FnOnce(&weft::Task<T>) -> R + Send + 'static,
) -> (R, Result<T, weft::JoinError>)
where
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
    R: Send + 'static,
{
    let done = Arc::new(AtomicBool::new(false));
    let busy = if flavour == "multi_thread" {
        let running = Arc::new(AtomicBool::new(false));
        let (r, d) = (running.clone(), done.clone());
        let other_worker = weft::spawn(async move {
            r.store(true, Ordering::SeqCst);
            while !d.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
        });
        wait_until("the other worker is busy", || running.load(Ordering::SeqCst)).await;
        Some(other_worker)
    } else {
        None
    };
    let d = done.clone();
    let out = weft::spawn(async move {
        let t = weft::spawn(fut);
        let r = then(&t);
        d.store(true, Ordering::SeqCst);
        // The result is data here: caught, it does not make this task cancelled.
        (r, t.await.map_err(weft::JoinError::caught))
    })
    .await
    .unwrap();
    if let Some(other_worker) = busy {
        other_worker.await.unwrap();
    }
    out
}
