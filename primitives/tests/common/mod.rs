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

/// Runs a test body on the current-thread runtime: asyncio's exact FIFO order.
pub fn run<F: Future>(body: F) -> F::Output {
    Runtime::builder().current_thread().build().unwrap().block_on(body)
}

/// Runs a test body on a two-worker multi-thread runtime.
pub fn run_mt<F: Future>(body: F) -> F::Output {
    Runtime::builder().multi_thread().worker_threads(2).build().unwrap().block_on(body)
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
