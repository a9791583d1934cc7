//! weft's executor: tasks, a work-stealing scheduler, the reactor, timers, the blocking
//! pool, and the cancellation core that makes asyncio's semantics possible.
//!
//! Most users depend on the `weft` facade crate, which re-exports everything here along
//! with the primitives and the structured layer. Read this crate to learn how an executor
//! works; a good order is:
//!
//! 1. [`task`](crate::Task): the task cell, its state word and life cycle (`src/task/`).
//! 2. `src/scheduler/`: work stealing (`multi_thread`), asyncio's loop (`current_thread`),
//!    and how `block_on`'s future becomes a task (`root`).
//! 3. `src/driver.rs`, [`time`], [`io`]: what wakes tasks from outside.
//! 4. [`cancel`]: checkpoints, asyncio's counted requests, Trio's scopes.
//!
//! ```
//! use std::time::Duration;
//! let answer = weft::run(async {
//!     let child = weft::spawn(async {
//!         weft::time::sleep(Duration::from_millis(10)).await?;
//!         Ok::<_, weft::Cancelled>(42)
//!     });
//!     child.await.unwrap().unwrap()
//! });
//! assert_eq!(answer, 42);
//! ```

#![warn(missing_docs, clippy::undocumented_unsafe_blocks)]

pub mod blocking;
pub mod cancel;
mod context;
pub mod coop;
mod driver;
mod error;
pub mod fs;
pub mod io;
pub mod net;
pub mod observe;
#[cfg(unix)]
pub mod process;
pub mod runtime;
mod scheduler;
#[cfg(unix)]
pub mod signal;
mod sync;
mod task;
pub mod time;
#[cfg(feature = "tracing")]
#[doc(hidden)]
pub mod trace;

pub use blocking::{BlockingTask, spawn_blocking, to_thread};
pub use cancel::{CancelKind, CancellableExt, Cancelled, checkpoint, is_cancellation};
pub use error::{BuildError, EnterError, SpawnError};
pub use runtime::Runtime;
pub use scheduler::defer::{DeferWakes, defer_wakes};
pub use task::{Id, JoinError, Panicked, Task, TaskRef, after_complete};

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Spawns a task on the current runtime: asyncio's `create_task`.
///
/// # Panics
///
/// Outside a weft runtime, or when it is shutting down; [`try_spawn`] returns the error
/// instead.
///
/// ```
/// # weft::Runtime::new().unwrap().block_on(async {
/// let t = weft::spawn(async { "hello" });
/// assert_eq!(t.await.unwrap(), "hello");
/// # });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    try_spawn(future).unwrap_or_else(|e| panic!("weft: {e}"))
}

/// Spawns a task on the current runtime, or says why it cannot.
///
/// ```
/// let err = weft::try_spawn(async {}).unwrap_err();
/// assert_eq!(err, weft::SpawnError::NoRuntime);
/// ```
#[track_caller]
pub fn try_spawn<F>(future: F) -> Result<Task<F::Output>, SpawnError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Ok(spawn_inner(future, None)?)
}

/// [`try_spawn`] with a name, that hands the future back when it cannot be spawned,
/// instead of dropping it: for a caller that must choose where the future's destructor
/// runs (weft's task group spawns while it holds its lock, and drops a child it could not
/// spawn once the lock is released).
///
/// ```
/// let (err, future) = weft::try_spawn_keeping(None, async { 5 }).unwrap_err();
/// assert_eq!(err, weft::SpawnError::NoRuntime);
/// // The future was not dropped: it can still run somewhere else.
/// let rt = weft::Runtime::builder().current_thread().build().unwrap();
/// assert_eq!(rt.block_on(future), 5);
/// ```
#[track_caller]
pub fn try_spawn_keeping<F>(name: Option<&str>, future: F) -> Result<Task<F::Output>, (SpawnError, F)>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_inner(future, name.map(Arc::from)).map_err(|r| (r.error, r.future))
}

/// Spawns a named task (asyncio's `create_task(coro, name=...)`).
///
/// ```
/// # weft::Runtime::new().unwrap().block_on(async {
/// let t = weft::spawn_named("fetcher", async {
///     weft::current_task().unwrap().name().unwrap().to_string()
/// });
/// assert_eq!(t.await.unwrap(), "fetcher");
/// # });
/// ```
#[track_caller]
pub fn spawn_named<F>(name: &str, future: F) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_inner(future, Some(Arc::from(name))).unwrap_or_else(|r| panic!("weft: {}", SpawnError::from(r)))
}

#[track_caller]
fn spawn_inner<F>(future: F, name: Option<Arc<str>>) -> Result<Task<F::Output>, task::Rejected<F>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let at = std::panic::Location::caller();
    #[cfg(feature = "tracing")]
    let future = trace::instrument(future, at);
    let spawned = context::with_handle(|h| match h {
        Some(h) => h.spawn(future, name, at),
        None => Err(task::Rejected { error: SpawnError::NoRuntime, future }),
    });
    #[cfg(feature = "tracing")]
    let spawned = spawned.map_err(|r| r.map(trace::Instrumented::into_inner));
    spawned
}

/// Spawns a `!Send` future on the current-thread runtime this thread is running.
///
/// # Panics
///
/// Anywhere else; [`try_spawn_local`] returns the error instead.
///
/// ```
/// use std::rc::Rc;
/// let rt = weft::Runtime::builder().current_thread().build().unwrap();
/// rt.block_on(async {
///     let shared = Rc::new(5);
///     let s = shared.clone();
///     let t = weft::spawn_local(async move { *s + 1 });
///     assert_eq!(t.await.unwrap(), 6);
/// });
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    try_spawn_local(future).unwrap_or_else(|e| panic!("weft: {e}"))
}

/// [`spawn_local`], returning the error instead of panicking.
///
/// ```
/// # weft::Runtime::new().unwrap().block_on(async {
/// // A multi-thread runtime cannot run !Send tasks.
/// assert!(weft::try_spawn_local(async {}).is_err());
/// # });
/// ```
#[track_caller]
pub fn try_spawn_local<F>(future: F) -> Result<Task<F::Output>, SpawnError>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let at = std::panic::Location::caller();
    #[cfg(feature = "tracing")]
    let future = trace::instrument(future, at);
    context::with_handle(|h| match h {
        Some(scheduler::Handle::Current(s)) => scheduler::current_thread::spawn_local(s, future, None, at),
        Some(_) => Err(SpawnError::NotLocal),
        None => Err(SpawnError::NoRuntime),
    })
}

/// Lets every other ready task run, then continues: asyncio's `await asyncio.sleep(0)`.
/// A checkpoint.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let t = weft::spawn(async { 1 });
/// weft::yield_now().await.unwrap(); // the spawned task runs here
/// assert!(t.is_finished());
/// # });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// Future returned by [`yield_now`].
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let y: weft::YieldNow = weft::yield_now();
/// weft::current_task().unwrap().cancel(None);
/// assert!(y.await.is_err()); // a checkpoint: the cancellation comes first
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = Result<(), Cancelled>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        cancel::check()?;
        if self.yielded {
            return Poll::Ready(Ok(()));
        }
        self.yielded = true;
        // A task that wakes itself while running is re-queued at the back (task/state.rs).
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// The task being run: asyncio's `current_task()`. Inside `block_on` (and `run`) the
/// future given to it is a task too. `None` outside a runtime.
///
/// ```
/// # weft::Runtime::new().unwrap().block_on(async {
/// let me = weft::current_task().unwrap();
/// assert!(!me.is_finished());
/// # });
/// assert!(weft::current_task().is_none());
/// ```
pub fn current_task() -> Option<TaskRef> {
    context::current_task().map(|raw| {
        raw.ref_inc();
        TaskRef::from_raw(raw)
    })
}

/// Every unfinished task of the current runtime: asyncio's `all_tasks()`. The root task
/// of `block_on` is included when called from inside it.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let t = weft::spawn(std::future::pending::<()>());
/// let all = weft::all_tasks();
/// assert!(all.iter().any(|r| r.id() == t.id()));
/// # });
/// ```
pub fn all_tasks() -> Vec<TaskRef> {
    let mut out = Vec::new();
    context::with_handle(|h| {
        if let Some(h) = h {
            h.common().owned.for_each(|raw| out.push(TaskRef::from_raw(raw)));
        }
    });
    if let Some(me) = current_task() {
        if task_is_root(&me) && !me.is_finished() {
            out.push(me);
        }
    }
    out
}

fn task_is_root(t: &TaskRef) -> bool {
    scheduler::root::is_root(t.raw())
}

/// asyncio's `run`: builds a multi-thread runtime, runs `future` as the main task, then
/// cancels every task still alive, waits for them to finish (their cleanup may await),
/// and shuts the runtime down. As in asyncio, the cancelling starts one turn after
/// `future` returned: a task it spawned in its last step runs that turn first (on the
/// current-thread runtime, see [`run_on`]; the multi-thread one promises no order).
///
/// **Ctrl-C**, as `asyncio.run` since Python 3.11: on the process's main thread, the
/// first `SIGINT` cancels the main task (its groups unwind and its cleanup runs; `run`
/// returns what the main future returns), and a second one ends the process at once.
/// To opt out, use [`run_on`] with a runtime built with
/// [`handle_ctrl_c(false)`](runtime::Builder::handle_ctrl_c). See [`signal`]. As in asyncio, a task that never reaches a checkpoint
/// (or swallows every cancellation) keeps `run` waiting; `abort()` it, or make its
/// foreign futures [`cancellable`](CancellableExt::cancellable).
///
/// # Panics
///
/// Inside a running runtime (see [`try_run`]), or if the runtime cannot be built.
///
/// ```
/// use std::time::Duration;
/// let n = weft::run(async {
///     // Still asleep when main returns: cancelled, then awaited.
///     weft::spawn(weft::time::sleep(Duration::from_secs(3600)));
///     7
/// });
/// assert_eq!(n, 7);
/// ```
pub fn run<F: Future>(future: F) -> F::Output {
    try_run(future).unwrap_or_else(|e| panic!("weft: {e}"))
}

/// [`run`], returning [`EnterError`] instead of panicking inside a running runtime.
///
/// ```
/// let r = weft::run(async { weft::try_run(async {}) });
/// assert!(r.is_err());
/// ```
pub fn try_run<F: Future>(future: F) -> Result<F::Output, EnterError> {
    if context::handle().is_some() {
        return Err(EnterError);
    }
    let rt = Runtime::new().unwrap_or_else(|e| panic!("weft: {e}"));
    run_on(&rt, future)
}

/// asyncio's `run` on a runtime you built (for instance a current-thread one). Ctrl-C is
/// handled as [`run`] says, unless the runtime was built with
/// [`handle_ctrl_c(false)`](runtime::Builder::handle_ctrl_c).
///
/// ```
/// let rt = weft::Runtime::builder().current_thread().build().unwrap();
/// assert_eq!(weft::run_on(&rt, async { 3 }), Ok(3));
/// ```
pub fn run_on<F: Future>(rt: &Runtime, future: F) -> Result<F::Output, EnterError> {
    rt.try_block_on(async {
        #[cfg(unix)]
        let out = run_main(future, rt.ctrl_c).await;
        #[cfg(not(unix))]
        let out = future.await;
        // asyncio stops the loop from main's done callback, one turn after main returned:
        // tasks already ready then (one that main created in its last step) run their
        // step first. Not a checkpoint: main has returned.
        let mut turned = false;
        std::future::poll_fn(|cx| {
            if std::mem::replace(&mut turned, true) {
                return Poll::Ready(());
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        })
        .await;
        // Cancel what is left, as asyncio.run does, and wait for it to finish.
        let handle = context::handle().expect("inside the runtime");
        for t in all_tasks() {
            if !task_is_root(&t) {
                t.cancel(None);
            }
        }
        runtime::wait_all_tasks_finished(&handle).await;
        out
    })
}

/// The main future of [`run_on`], with asyncio.run's Ctrl-C handling when it applies.
#[cfg(unix)]
async fn run_main<F: Future>(future: F, ctrl_c: bool) -> F::Output {
    let watch = if ctrl_c && on_main_thread() {
        // Without a listener (say, the process is out of descriptors), Ctrl-C keeps its
        // default action: nothing is lost but the graceful unwinding.
        signal::RunInterrupt::begin().ok().and_then(|guard| Some((guard, signal::Signal::for_run().ok()?)))
    } else {
        None
    };
    let Some((_guard, sigint)) = watch else { return future.await };
    let me = current_task().expect("run's main future is a task");
    let mut future = std::pin::pin!(future);
    let mut interrupted = false;
    std::future::poll_fn(|cx| {
        // Not a checkpoint: the main future's own checkpoints take the cancellation.
        if !interrupted && sigint.poll_signal(cx).is_ready() {
            interrupted = true;
            me.cancel(None);
        }
        future.as_mut().poll(cx)
    })
    .await
}

/// Whether this is the process's main thread (asyncio handles Ctrl-C only there).
#[cfg(unix)]
fn on_main_thread() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and getpid take no arguments and cannot fail.
        unsafe { libc::syscall(libc::SYS_gettid) as libc::pid_t == libc::getpid() }
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}
