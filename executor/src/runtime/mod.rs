//! [`Runtime`]: a scheduler, a driver and a blocking pool, and the entry points into them.

mod builder;

pub use builder::Builder;

use crate::context;
use crate::error::{EnterError, SpawnError};
use crate::scheduler::{Handle, current_thread, multi_thread};
use crate::task::Task;
use std::future::Future;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Which scheduler a runtime uses.
///
/// ```
/// use weft::runtime::Flavor;
/// let rt = weft::Runtime::builder().worker_threads(2).build().unwrap();
/// assert_eq!(rt.flavor(), Flavor::MultiThread);
/// let local = weft::Runtime::builder().current_thread().build().unwrap();
/// assert_eq!(local.flavor(), Flavor::CurrentThread);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Work stealing over worker threads.
    MultiThread,
    /// One loop on the `block_on` thread, asyncio's order, `spawn_local` allowed.
    CurrentThread,
}

/// A weft runtime. Dropping it shuts it down: every task's future is dropped (tasks
/// waiting on their handles see `JoinError::Cancelled`), every worker thread joined.
///
/// ```
/// let rt = weft::Runtime::new().unwrap();
/// let task = rt.spawn(async { "from a worker" });
/// assert_eq!(rt.block_on(task).unwrap(), "from a worker");
/// ```
pub struct Runtime {
    handle: Handle,
    threads: Vec<JoinHandle<()>>,
    /// `run_on` treats Ctrl-C as asyncio.run does ([`Builder::handle_ctrl_c`]).
    pub(crate) ctrl_c: bool,
    /// The introspection socket's server, if one was asked for.
    #[cfg(target_os = "linux")]
    pub(crate) introspect: Option<crate::observe::socket::Server>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").field("flavor", &self.flavor()).finish()
    }
}

impl Runtime {
    pub(crate) fn from_parts(handle: Handle, threads: Vec<JoinHandle<()>>) -> Runtime {
        Runtime {
            handle,
            threads,
            ctrl_c: true,
            #[cfg(target_os = "linux")]
            introspect: None,
        }
    }

    /// A multi-thread runtime with default settings.
    ///
    /// ```
    /// let rt = weft::Runtime::new()?;
    /// assert_eq!(rt.flavor(), weft::runtime::Flavor::MultiThread);
    /// assert_eq!(rt.block_on(async { 6 * 7 }), 42);
    /// # Ok::<(), weft::BuildError>(())
    /// ```
    pub fn new() -> Result<Runtime, crate::BuildError> {
        Builder::new().build()
    }

    /// A [`Builder`].
    ///
    /// ```
    /// let rt = weft::Runtime::builder().current_thread().build().unwrap();
    /// assert_eq!(rt.flavor(), weft::runtime::Flavor::CurrentThread);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// The runtime's flavour.
    ///
    /// ```
    /// use weft::runtime::Flavor;
    /// let rt = weft::Runtime::builder().current_thread().build().unwrap();
    /// assert_eq!(rt.flavor(), Flavor::CurrentThread);
    /// assert_eq!(weft::Runtime::new().unwrap().flavor(), Flavor::MultiThread);
    /// ```
    pub fn flavor(&self) -> Flavor {
        match self.handle {
            Handle::Multi(_) => Flavor::MultiThread,
            Handle::Current(_) => Flavor::CurrentThread,
        }
    }

    /// Runs `future` to completion on the calling thread, as the root task, and returns
    /// its output. Tasks it spawns keep running after it returns, until the runtime is
    /// dropped (use [`run`](crate::run) for asyncio's `run`, which cancels and awaits
    /// them).
    ///
    /// # Panics
    ///
    /// If the thread is already inside a weft runtime, or if this is a current-thread
    /// runtime already running `block_on` on another thread (see
    /// [`try_block_on`](Self::try_block_on)), or if `future` panics.
    ///
    /// ```
    /// let rt = weft::Runtime::builder().current_thread().build().unwrap();
    /// assert_eq!(rt.block_on(async { 40 + 2 }), 42);
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self.try_block_on(future) {
            Ok(v) => v,
            Err(e) => panic!("weft: {e}"),
        }
    }

    /// [`block_on`](Self::block_on), but returns [`EnterError`] instead of panicking when
    /// called inside a running runtime, or on a current-thread runtime whose loop another
    /// thread is running (its only loop is busy: a blocking job of that runtime, for
    /// instance, cannot `block_on` it while the runtime's `block_on` awaits the job).
    ///
    /// ```
    /// let rt = weft::Runtime::builder().current_thread().build().unwrap();
    /// let inner = weft::Runtime::builder().current_thread().build().unwrap();
    /// let r = rt.block_on(async { inner.try_block_on(async {}) });
    /// assert_eq!(r, Err(weft::EnterError));
    /// ```
    pub fn try_block_on<F: Future>(&self, future: F) -> Result<F::Output, EnterError> {
        if context::handle().is_some() {
            return Err(EnterError);
        }
        match &self.handle {
            Handle::Multi(s) => Ok(multi_thread::block_on(s, future)),
            Handle::Current(s) => current_thread::block_on(s, future),
        }
    }

    /// Spawns a task from outside the runtime.
    ///
    /// # Panics
    ///
    /// If the runtime is shutting down (see [`try_spawn`](Self::try_spawn)).
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let task = rt.spawn(async { weft::current_task().is_some() }); // from plain code
    /// assert!(rt.block_on(task).unwrap(), "it ran as a task of the runtime");
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.try_spawn(future).unwrap_or_else(|e| panic!("weft: {e}"))
    }

    /// Spawns a task from outside the runtime, or says why it cannot.
    ///
    /// ```
    /// let rt = weft::Runtime::builder().current_thread().build().unwrap();
    /// let task = rt.try_spawn(async { "spawned" }).expect("the runtime is running");
    /// assert_eq!(rt.block_on(task).unwrap(), "spawned");
    /// ```
    #[track_caller]
    pub fn try_spawn<F>(&self, future: F) -> Result<Task<F::Output>, SpawnError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let at = std::panic::Location::caller();
        #[cfg(feature = "tracing")]
        let future = crate::trace::instrument(future, at);
        Ok(self.handle.spawn(future, None, at)?)
    }

    /// Runs a blocking function on the runtime's blocking pool.
    ///
    /// ```
    /// let rt = weft::Runtime::builder().current_thread().build().unwrap();
    /// let job = rt.spawn_blocking(|| std::thread::current().id());
    /// assert_ne!(rt.block_on(job).unwrap(), std::thread::current().id()); // a pool thread
    /// ```
    pub fn spawn_blocking<F, R>(&self, f: F) -> crate::blocking::BlockingTask<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        crate::blocking::spawn_on(&self.handle, f)
    }

    /// An [`Observer`](crate::observe::Observer) of this runtime: its metrics and its
    /// live task tree, readable from any thread while it runs.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let _t = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.observer().task_tree().unwrap().tasks.len(), 1);
    /// ```
    pub fn observer(&self) -> crate::observe::Observer {
        crate::observe::Observer::new(self.handle.clone())
    }

    /// Number of tasks alive in the runtime (spawned and not finished).
    ///
    /// ```
    /// let rt = weft::Runtime::builder().current_thread().build().unwrap();
    /// let _t = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.alive_tasks(), 1);
    /// ```
    pub fn alive_tasks(&self) -> usize {
        self.handle.common().owned.len()
    }

    /// Threads in the blocking pool right now (it grows on demand and retires idle
    /// threads).
    ///
    /// ```
    /// let rt = weft::Runtime::builder().current_thread().build().unwrap();
    /// assert_eq!(rt.blocking_threads(), 0);
    /// rt.block_on(async { weft::spawn_blocking(|| ()).await }).unwrap();
    /// assert!(rt.blocking_threads() >= 1);
    /// ```
    pub fn blocking_threads(&self) -> usize {
        self.handle.common().blocking.thread_count()
    }
}

/// Dropping the runtime shuts it down and waits for its worker threads.
///
/// One case cannot wait: the last `Arc<Runtime>` dropped inside one of the runtime's own
/// tasks, on one of its own workers (or inside one of its own blocking jobs), which would
/// wait for itself. Then the shutdown runs on a new thread (`weft-shutdown`): `drop`
/// returns at once, the task's poll (or the job) goes on to its end, and the workers then
/// stop and every task is dropped as usual, in the background. (tokio panics here;
/// asyncio has no equivalent.)
///
/// ```
/// use std::sync::Arc;
/// let rt = Arc::new(weft::Runtime::builder().worker_threads(1).build().unwrap());
/// let (tx, rx) = std::sync::mpsc::channel();
/// let last = rt.clone();
/// let _task = rt.spawn(async move {
///     drop(last); // the last handle, dropped on a worker
///     tx.send(()).unwrap();
/// });
/// drop(rt);
/// rx.recv().unwrap();
/// ```
impl Drop for Runtime {
    fn drop(&mut self) {
        // The socket first: its thread answers from the runtime it is about to lose.
        #[cfg(target_os = "linux")]
        drop(self.introspect.take());
        let threads = std::mem::take(&mut self.threads);
        let me = std::thread::current().id();
        let own_thread =
            threads.iter().any(|t| t.thread().id() == me) || self.handle.common().blocking.is_pool_thread();
        if own_thread {
            shut_down_elsewhere(self.handle.clone(), threads);
        } else {
            shut_down(&self.handle, threads);
        }
    }
}

/// Stops the scheduler, drops every task, then stops the blocking pool (waiting a second
/// at most for jobs that are still running).
fn shut_down(handle: &Handle, threads: Vec<JoinHandle<()>>) {
    match handle {
        Handle::Multi(s) => multi_thread::shutdown(s, threads),
        Handle::Current(s) => current_thread::shutdown(s),
    }
    handle.common().blocking.shutdown(Some(std::time::Duration::from_secs(1)));
}

/// [`shut_down`] from a worker of this very runtime: on a new thread, which can join the
/// calling worker once its current poll has returned. If no thread can be started, the
/// other workers are joined and the runtime shuts down here; the calling worker stops
/// after its poll and is not joined.
fn shut_down_elsewhere(handle: Handle, threads: Vec<JoinHandle<()>>) {
    let slot = Arc::new(parking_lot::Mutex::new(Some((handle, threads))));
    let theirs = slot.clone();
    let started = std::thread::Builder::new().name("weft-shutdown".into()).spawn(move || {
        if let Some((handle, threads)) = theirs.lock().take() {
            shut_down(&handle, threads);
        }
    });
    if started.is_err() {
        if let Some((handle, mut threads)) = slot.lock().take() {
            let me = std::thread::current().id();
            threads.retain(|t| t.thread().id() != me);
            shut_down(&handle, threads);
        }
    }
}

/// Waits until every task of the current runtime has finished.
pub(crate) async fn wait_all_tasks_finished(handle: &Handle) {
    let owned = &handle.common().owned;
    std::future::poll_fn(|cx| {
        if owned.register_empty_waiter(cx.waker()) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}

pub(crate) fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<Runtime>();
    is::<Arc<crate::cancel::ScopeCore>>();
}
