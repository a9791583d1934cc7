//! An executor from nothing: `cargo run --example book_ch0_executor`. Chapter 0 of the book
//! (docs/book/00-from-nothing.md) builds it up part by part and shows what it prints.

use futures_task::{ArcWake, waker_ref};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

// ---- 1. A future is a state machine that answers `poll` with Ready or Pending ------------
/// Pending `n` times, then Ready. Each time, it asks to be polled again at once by waking
/// its own task: this is `yield_now()`.
struct YieldNow(u32);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref(); // "poll me again": nothing to wait for
        Poll::Pending
    }
}

// ---- 2. A waker lets someone else say when polling again is worth it -------------------
/// Ready once `when` has passed. On its first poll it starts a thread that sleeps until
/// then and calls the waker: the executor polls the `Delay` again only when it is worth it.
struct Delay {
    when: Instant,
    started: bool,
}

impl Future for Delay {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.when {
            return Poll::Ready(());
        }
        if !self.started {
            self.started = true;
            // Keeps this poll's waker (real timers keep the latest: a task's waker may change).
            let (when, waker) = (self.when, cx.waker().clone());
            std::thread::spawn(move || {
                std::thread::sleep(when.saturating_duration_since(Instant::now()));
                waker.wake();
            });
        }
        Poll::Pending
    }
}

fn delay(duration: Duration) -> Delay {
    Delay { when: Instant::now() + duration, started: false }
}

// ---- 3. A task is a future the executor owns; waking it puts it back in the queue ------
/// One spawned future. `None` once it finished, or was aborted.
struct Task {
    future: Mutex<Option<Pin<Box<dyn Future<Output = ()> + Send>>>>,
}

/// The one run queue every task goes through.
static QUEUE: Mutex<VecDeque<Arc<Task>>> = Mutex::new(VecDeque::new());

impl ArcWake for Task {
    /// Back to the end of the queue. (Woken twice before it runs, it is queued twice.)
    fn wake_by_ref(task: &Arc<Self>) {
        QUEUE.lock().unwrap().push_back(task.clone());
    }
}

// ---- 4. Spawning, and a handle to await the task's output ------------------------------
/// The output (`Some(None)`: the task was aborted), and whoever waits for it.
struct JoinState<T> {
    done: Option<Option<T>>,
    waiter: Option<Waker>,
}

fn finish<T>(state: &Mutex<JoinState<T>>, output: Option<T>) {
    let mut s = state.lock().unwrap();
    s.done = Some(output);
    if let Some(w) = s.waiter.take() {
        w.wake();
    }
}

struct JoinHandle<T> {
    state: Arc<Mutex<JoinState<T>>>,
    task: Arc<Task>,
}

fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let state = Arc::new(Mutex::new(JoinState { done: None, waiter: None }));
    let shared = state.clone();
    // The task runs the user's future, then hands its output over.
    let future = async move { finish(&shared, Some(future.await)) };
    let task = Arc::new(Task { future: Mutex::new(Some(Box::pin(future))) });
    QUEUE.lock().unwrap().push_back(task.clone());
    JoinHandle { state, task }
}

impl<T> Future for JoinHandle<T> {
    type Output = Option<T>; // None: the task was aborted
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut s = self.state.lock().unwrap();
        if let Some(output) = s.done.take() {
            return Poll::Ready(output);
        }
        s.waiter = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl<T> JoinHandle<T> {
    /// Cancels the task the only way this executor knows: drop its future, wherever it
    /// waits. Nothing in it can await a cleanup.
    fn abort(&self) {
        drop(self.task.future.lock().unwrap().take());
        finish(&self.state, None);
    }
}

// ---- 5. The executor: pop a task, poll it, repeat --------------------------------------
/// Polls one task with a waker that puts it back in the queue.
fn run(task: Arc<Task>) {
    let mut slot = task.future.lock().unwrap();
    let Some(future) = slot.as_mut() else { return }; // finished or aborted: a stale entry
    let waker = waker_ref(&task);
    if future.as_mut().poll(&mut Context::from_waker(&waker)).is_ready() {
        *slot = None; // finished: drop the future now
    }
}

/// Runs `future` as the first task, and every task it spawns, until it returns.
fn block_on<F>(future: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let main = spawn(future);
    loop {
        if let Some(Some(output)) = main.state.lock().unwrap().done.take() {
            return output;
        }
        let next = QUEUE.lock().unwrap().pop_front();
        match next {
            Some(task) => run(task),
            // Nothing to run until a timer thread wakes a task: spin until then.
            None => std::thread::yield_now(),
        }
    }
}

// ---- 6. Using it ------------------------------------------------------------------------
async fn count(name: &'static str, n: u32) -> u32 {
    let mut total = 0;
    for i in 1..=n {
        println!("{name}: {i}");
        total += i;
        YieldNow(1).await; // to the back of the queue: the other task runs
    }
    total
}

struct Cleanup;
impl Drop for Cleanup {
    fn drop(&mut self) {
        println!("the handler was dropped in the middle of its wait: its cleanup could not await");
    }
}

fn main() {
    block_on(async {
        let (a, b) = (spawn(count("a", 3)), spawn(count("b", 3)));
        let total = a.await.unwrap() + b.await.unwrap();
        println!("a and b are done: {total}");
        let start = Instant::now();
        delay(Duration::from_millis(20)).await;
        assert!(start.elapsed() >= Duration::from_millis(20));
        println!("the timer woke us after at least 20 ms");
        let handler = spawn(async {
            let _cleanup = Cleanup;
            println!("the handler started");
            delay(Duration::from_secs(3600)).await;
            println!("the handler finished"); // never printed
        });
        YieldNow(1).await; // let the handler start
        handler.abort();
        println!("aborted: {:?}", handler.await);
    });
}
