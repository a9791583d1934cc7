//! Seeing inside a running runtime: metrics, the live task tree, and debug mode.
//!
//! Three tools, each built so that it costs nothing while nobody uses it:
//!
//! * **Metrics** ([`RuntimeMetrics`]): per worker, the polls it started, the steals that
//!   found work and the tasks they brought, the times it went to sleep, its ring's depth and the time it spent
//!   awake; and for the runtime, the injector's depth, the live tasks, the pending
//!   timers, the blocking pool's threads and the registered I/O resources. Each worker
//!   counter has one writer, its own worker, which stores with a relaxed load and store
//!   (no read-modify-write, no shared cache line with other workers): reading them is a
//!   few relaxed loads, from any thread, without stopping anything.
//! * **The task tree** ([`TaskTree`]): every live task, its state read from the task's
//!   state word (`RUNNING` → running, `NOTIFIED` → runnable, neither → waiting), nested
//!   by the task that spawned it, printed like `pstree` or as JSON. It walks the owned
//!   task list shard by shard, holding one shard's lock at a time, so spawns and
//!   completions in the other 31 shards go on while it reads.
//! * **Debug mode** ([`Builder::debug`](crate::runtime::Builder::debug), or the
//!   environment variable `WEFT_DEBUG=1`): asyncio's debug mode. A poll that holds a
//!   worker longer than a threshold, a failure that nobody observed, a cancellation a task
//!   swallowed, and the tasks still pending when the runtime shuts down are each reported
//!   as a [`DebugEvent`] to a sink (stderr by default,
//!   [`Builder::debug_sink`](crate::runtime::Builder::debug_sink) for tests and loggers).
//!   Debug mode also records, for every task, where it was spawned (through
//!   `#[track_caller]`), which task spawned it, and what it waits on; the task tree shows
//!   all three.
//!
//! Reach them through an [`Observer`]: [`Runtime::observer`](crate::Runtime::observer)
//! from outside, [`current`] from inside a task.
//!
//! ```
//! let rt = weft::Runtime::builder().worker_threads(2).debug(true).build().unwrap();
//! let obs = rt.observer();
//! rt.block_on(async {
//!     let _sleeper = weft::spawn_named("sleeper", async {
//!         weft::time::sleep(std::time::Duration::from_secs(60)).await
//!     });
//!     weft::yield_now().await.unwrap(); // let it start
//!     # while weft::observe::current().unwrap().task_tree().unwrap().tasks[0].waiting_on.is_none() {
//!     #     weft::time::sleep(std::time::Duration::from_millis(1)).await.unwrap();
//!     # }
//! });
//! let tree = obs.task_tree().unwrap();
//! assert_eq!(tree.tasks.len(), 1);
//! assert_eq!(tree.tasks[0].name.as_deref(), Some("sleeper"));
//! assert_eq!(tree.tasks[0].waiting_on.as_ref().unwrap().kind, "sleep");
//! assert!(tree.to_string().contains("sleeper"));
//! assert_eq!(obs.metrics().unwrap().live_tasks, 1);
//! drop(rt);
//! assert_eq!(obs.metrics().unwrap_err(), weft::observe::ObserveError::ShutDown);
//! ```

mod debug;
pub(crate) mod metrics;
#[cfg(target_os = "linux")]
pub(crate) mod socket;
mod timeline;
mod tree;

pub use debug::{DebugEvent, DebugSink};
pub use metrics::{RuntimeMetrics, WorkerMetrics};
#[cfg(target_os = "linux")]
pub use socket::{MAX_REQUEST, REQUEST_TIMEOUT, SocketError, request, socket_path};
pub use tree::{TaskInfo, TaskState, TaskTree, WaitDetail, WaitingOn};

pub(crate) use debug::{Debug, TaskRecord, report_for};
pub(crate) use metrics::WorkerStats;
pub use timeline::MAX_EVENTS_PER_LANE;
pub(crate) use timeline::Timeline;

use crate::scheduler::Handle;
use std::fmt;

/// Looks at one runtime: its metrics and its task tree. Cheap to clone; it keeps the
/// runtime's shared state alive but not its threads, so after the runtime shuts down
/// every call returns [`ObserveError::ShutDown`].
///
/// ```
/// let rt = weft::Runtime::builder().current_thread().build().unwrap();
/// let obs = rt.observer();
/// assert_eq!(obs.metrics().unwrap().workers.len(), 1);
/// ```
#[derive(Clone)]
pub struct Observer {
    handle: Handle,
}

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Observer").finish_non_exhaustive()
    }
}

/// Why an [`Observer`] could not answer.
///
/// ```
/// use weft::observe::ObserveError;
/// let rt = weft::Runtime::builder().current_thread().build().unwrap();
/// let obs = rt.observer();
/// assert_eq!(obs.timeline_json().unwrap_err(), ObserveError::TimelineOff); // not asked for
/// drop(rt);
/// let e = obs.task_tree().unwrap_err();
/// assert_eq!(e, ObserveError::ShutDown);
/// assert_eq!(e.to_string(), "the runtime has shut down");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObserveError {
    /// The runtime has shut down: it has no tasks, workers or timers to show.
    ShutDown,
    /// The runtime records no timeline (see
    /// [`Builder::timeline`](crate::runtime::Builder::timeline)).
    TimelineOff,
}

impl fmt::Display for ObserveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObserveError::ShutDown => f.write_str("the runtime has shut down"),
            ObserveError::TimelineOff => f.write_str("the runtime records no timeline (Builder::timeline)"),
        }
    }
}

impl std::error::Error for ObserveError {}

impl Observer {
    pub(crate) fn new(handle: Handle) -> Observer {
        Observer { handle }
    }

    fn check(&self) -> Result<(), ObserveError> {
        if self.handle.common().owned.is_closed() { Err(ObserveError::ShutDown) } else { Ok(()) }
    }

    /// The runtime's counters and gauges now. Nothing is stopped to read them: each
    /// number is exact for its own moment, and they are not taken at one instant.
    ///
    /// ```
    /// let rt = weft::Runtime::builder().current_thread().build().unwrap();
    /// let obs = rt.observer();
    /// assert_eq!(obs.metrics().unwrap().live_tasks, 0);
    /// let _pending = rt.spawn(std::future::pending::<()>());
    /// let m = obs.metrics().unwrap();
    /// assert_eq!(m.live_tasks, 1);
    /// assert_eq!(m.workers.len(), 1); // a current-thread runtime has one loop
    /// ```
    pub fn metrics(&self) -> Result<RuntimeMetrics, ObserveError> {
        self.check()?;
        Ok(metrics::collect(&self.handle))
    }

    /// Every live task now (see [`TaskTree`]).
    ///
    /// ```
    /// let rt = weft::Runtime::builder().current_thread().build().unwrap();
    /// let obs = rt.observer();
    /// rt.block_on(async { drop(weft::spawn_named("worker", std::future::pending::<()>())) });
    /// let tree = obs.task_tree().unwrap();
    /// assert_eq!(tree.tasks.len(), 1); // detached, still pending
    /// assert_eq!(tree.tasks[0].name.as_deref(), Some("worker"));
    /// ```
    pub fn task_tree(&self) -> Result<TaskTree, ObserveError> {
        self.check()?;
        Ok(tree::collect(&self.handle.common().owned))
    }

    /// The timeline recorded so far, as Chrome trace-event JSON, if the runtime was built
    /// with [`Builder::timeline`](crate::runtime::Builder::timeline);
    /// [`ObserveError::TimelineOff`] if not. See `observe/timeline.rs` for the events.
    ///
    /// ```
    /// let rt = weft::Runtime::builder().worker_threads(2).timeline(true).build().unwrap();
    /// rt.block_on(async { weft::spawn(async {}).await.unwrap() });
    /// let json = rt.observer().timeline_json().unwrap();
    /// assert!(json.starts_with("{\"traceEvents\":[") && json.contains("\"name\":\"poll\""));
    /// std::fs::write(std::env::temp_dir().join("weft-trace.json"), json).unwrap(); // for Perfetto
    /// ```
    pub fn timeline_json(&self) -> Result<String, ObserveError> {
        self.check()?;
        match &self.handle.common().timeline {
            Some(t) => Ok(t.to_json()),
            None => Err(ObserveError::TimelineOff),
        }
    }

    /// Whether the runtime runs in debug mode.
    ///
    /// ```
    /// let on = weft::Runtime::builder().current_thread().debug(true).build().unwrap();
    /// assert!(on.observer().debug_mode());
    /// let off = weft::Runtime::builder().current_thread().debug(false).build().unwrap();
    /// assert!(!off.observer().debug_mode());
    /// ```
    pub fn debug_mode(&self) -> bool {
        self.handle.common().debug.is_some()
    }
}

/// The observer of the runtime this thread is inside, if any.
///
/// ```
/// weft::Runtime::new().unwrap().block_on(async {
///     let obs = weft::observe::current().unwrap();
///     assert_eq!(obs.task_tree().unwrap().tasks.len(), 0); // block_on's future is not listed
/// });
/// assert!(weft::observe::current().is_none());
/// ```
pub fn current() -> Option<Observer> {
    crate::context::handle().map(Observer::new)
}

/// Records what the current task is about to wait on, when it returns `Pending`: the
/// kind (`"sleep"`, `"join"`, `"lock"`, `"io"`...) and a detail. A no-op (one
/// thread-local read and a null check) unless the runtime is in debug mode; the
/// primitives of weft call it, and so may a hand-written future.
///
/// ```
/// use weft::observe::{WaitDetail, waiting_on};
/// weft::Runtime::builder().debug(true).build().unwrap().block_on(async {
///     let t = weft::spawn(std::future::poll_fn(|_| {
///         waiting_on("my-thing", WaitDetail::Resource(7));
///         std::task::Poll::<()>::Pending
///     }));
///     let obs = weft::observe::current().unwrap();
///     while obs.task_tree().unwrap().tasks[0].waiting_on.is_none() {
///         weft::yield_now().await.unwrap();
///     }
///     let tree = obs.task_tree().unwrap();
///     assert_eq!(tree.tasks[0].waiting_on.as_ref().unwrap().kind, "my-thing");
///     t.abort();
/// });
/// ```
#[inline]
pub fn waiting_on(kind: &'static str, detail: WaitDetail) {
    if !recording() {
        return;
    }
    let Some(task) = crate::context::current_task() else { return };
    let Some(extras) = task.extras() else { return };
    if let Some(record) = extras.observe.get() {
        record.set_waiting(kind, detail);
    }
}

/// Debug mode's report of the tasks a shutdown is about to drop unfinished.
pub(crate) fn report_pending_at_shutdown(common: &crate::scheduler::Common) {
    if let Some(debug) = &common.debug {
        let tree = tree::collect(&common.owned);
        if !tree.tasks.is_empty() {
            debug.report(DebugEvent::PendingAtShutdown { tasks: tree.tasks });
        }
    }
}

/// Raised for good when the first task record of the process is made (a runtime in debug
/// mode or with a timeline spawned a task). Until then no task carries a record, and a
/// poll or a wait skips looking for one: the record hangs off the task's extras, which a
/// named task or a group's child has, on a cache line of their own.
static RECORDING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether some task may carry a record (see [`RECORDING`]).
#[inline]
fn recording() -> bool {
    RECORDING.load(std::sync::atomic::Ordering::Relaxed)
}

/// What debug mode or the timeline records about a task, made at spawn: `None` (nothing
/// allocated, nothing recorded) unless one of them is on.
pub(crate) fn record_for(
    common: &crate::scheduler::Common,
    at: &'static std::panic::Location<'static>,
) -> Option<TaskRecord> {
    if common.debug.is_none() && common.timeline.is_none() {
        return None;
    }
    // Before the task is published: whoever polls it sees the flag raised.
    RECORDING.store(true, std::sync::atomic::Ordering::Relaxed);
    let parent = crate::context::current_task().map(|t| t.id().as_u64());
    Some(TaskRecord::new(at, parent, common.debug.clone(), common.timeline.clone()))
}

/// The debug settings of the runtime that spawned this task, if it was in debug mode.
pub(crate) fn debug_of(header: &crate::task::Header) -> Option<&Debug> {
    crate::task::extras::Extras::get(header)?.observe.get()?.debug.as_deref()
}

/// A poll being timed (debug mode or the timeline): what `after_poll` needs once the
/// poll has returned, the task perhaps finished and released by then.
pub(crate) struct Observed {
    /// Keeps the header readable after the poll, for a report.
    task: crate::task::TaskRef,
    start: std::time::Instant,
}

/// Called by the harness before a task's poll: `None` at the cost of one load of a flag
/// while no task of the process carries a record, and of the extras pointer when this
/// one carries none. Otherwise it clears what the task
/// waits on (whatever it waits on after this poll, the poll says anew) and starts the
/// clock.
#[inline]
pub(crate) fn before_poll(raw: crate::task::RawTask) -> Option<Observed> {
    if !recording() {
        return None;
    }
    match raw.extras() {
        None => None,
        Some(extras) => start_observed(raw, extras),
    }
}

#[cold]
fn start_observed(raw: crate::task::RawTask, extras: &crate::task::extras::Extras) -> Option<Observed> {
    let record = extras.observe.get()?;
    *record.waiting.lock() = None;
    raw.ref_inc();
    Some(Observed { task: crate::task::TaskRef::from_raw(raw), start: std::time::Instant::now() })
}

impl Observed {
    /// Records the poll in the timeline, and reports it if it was slow.
    pub(crate) fn after_poll(self) {
        let end = std::time::Instant::now();
        let raw = self.task.raw();
        let header = raw.header();
        let Some(record) = crate::task::extras::Extras::get(header).and_then(|e| e.observe.get()) else {
            return;
        };
        if let Some(t) = &record.timeline {
            t.poll(header.id().as_u64(), self.start, end);
        }
        if let Some(debug) = &record.debug {
            let elapsed = end - self.start;
            if elapsed >= debug.slow_poll {
                let task = tree::info(header, end);
                debug.report(DebugEvent::SlowPoll { task, elapsed });
            }
        }
    }
}
