//! Helpers shared by the conformance ports: asyncio's idioms in weft.
#![allow(dead_code)]

use parking_lot::Mutex;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};
use weft_executor::cancel::ScopeCore;
use weft_executor::{Runtime, Task};

/// Runs a test body on the current-thread runtime (asyncio's exact FIFO order), under the
/// [`watchdog`].
pub fn run<F>(body: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    watchdog(WATCHDOG, move || Runtime::builder().current_thread().build().unwrap().block_on(body))
}

/// Runs a test body on a two-worker multi-thread runtime, under the [`watchdog`].
pub fn run_mt<F>(body: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    watchdog(WATCHDOG, move || {
        Runtime::builder().multi_thread().worker_threads(2).build().unwrap().block_on(body)
    })
}

/// How long one test body may run before the watchdog fails it as hung. The longest port
/// waits about a second; the rest is room for a machine loaded by builds beside the tests.
pub const WATCHDOG: Duration = Duration::from_secs(60);

/// Runs `body` on a thread of its own (named after the test) and returns what it returns.
/// If it has not returned after `limit`, fails the test with a message instead of letting
/// it hang: a port whose wake-up is lost would otherwise fail only by never ending. A
/// panic in `body` is re-raised here. The hung thread is left behind (nothing can stop it).
pub fn watchdog<R: Send + 'static>(limit: Duration, body: impl FnOnce() -> R + Send + 'static) -> R {
    let name = std::thread::current().name().unwrap_or("test").to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            let _ = tx.send(body());
        })
        .expect("spawn the test body's thread");
    match rx.recv_timeout(limit) {
        Ok(v) => {
            handle.join().expect("the test body's thread");
            v
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the body neither returned nor panicked"),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!(
            "{name}: hung: the test body had not returned after {limit:?} \
             (a lost wake-up, or a wait that nothing ends)"
        ),
    }
}

/// `await asyncio.sleep(0)`: every task ready now runs once before this returns.
pub async fn tick() {
    weft_executor::yield_now().await.expect("the test body is not cancelled");
}

/// `asyncio.create_task(...)`.
pub fn spawn<F>(f: F) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    weft_executor::spawn(f)
}

/// `loop.call_soon(f)`: runs `f` after the tasks that are ready now.
pub fn call_soon(f: impl FnOnce() + Send + 'static) {
    drop(weft_executor::spawn(async move { f() }));
}

/// `loop.call_later(secs, f)`.
pub fn call_later(d: Duration, f: impl FnOnce() + Send + 'static) {
    drop(weft_executor::spawn(async move {
        weft_executor::time::sleep(d).await.unwrap();
        f()
    }));
}

/// `async with asyncio.timeout(d): await f` where the timeout is caught: `None` if the
/// deadline cancelled `f` (a Trio-style scope around it, from the executor's engine).
pub async fn move_on_after<F: Future>(d: Duration, f: F) -> Option<F::Output> {
    let scope = ScopeCore::new();
    scope.set_deadline(Some(Instant::now() + d));
    let mut f = pin!(f);
    let mut entered = false;
    std::future::poll_fn(move |cx| {
        if !entered {
            scope.enter(cx).unwrap();
            entered = true;
        }
        match scope.poll_inside(cx, |cx| f.as_mut().poll(cx)) {
            Poll::Ready(out) => {
                let caught = scope.exit();
                Poll::Ready(if caught { None } else { Some(out) })
            }
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// The shared `result = []` list of the CPython tests.
#[derive(Clone, Default)]
pub struct Log<T>(Arc<Mutex<Vec<T>>>);

impl<T: Clone> Log<T> {
    pub fn new() -> Self {
        Log(Arc::new(Mutex::new(Vec::new())))
    }
    pub fn push(&self, v: T) {
        self.0.lock().push(v);
    }
    pub fn get(&self) -> Vec<T> {
        self.0.lock().clone()
    }
    pub fn len(&self) -> usize {
        self.0.lock().len()
    }
}
