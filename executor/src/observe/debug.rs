//! Debug mode: what it records per task, and the events it reports.
//!
//! With debug mode off, the runtime holds `None` where the [`Debug`] settings would be,
//! and every hook below is behind one check of that `Option` (or of a null extras
//! pointer), on paths that are not the hot ones: a poll's start and end only when it is
//! on, a task's completion only when the task failed or was cancelled, the join handle's
//! drop only after completion.

use super::tree::{self, TaskInfo, WaitDetail, WaitingOn};
use crate::task::Header;
use parking_lot::Mutex;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where debug mode's reports go: a function called with each event, on whichever thread
/// noticed it (a worker, the thread that dropped a handle, the one shutting the runtime
/// down). It should be quick and must not block on the runtime.
pub type DebugSink = Arc<dyn Fn(&DebugEvent) + Send + Sync>;

/// The settings of a runtime in debug mode.
pub(crate) struct Debug {
    pub(crate) slow_poll: Duration,
    pub(crate) sink: DebugSink,
}

impl Debug {
    pub(crate) fn report(&self, event: DebugEvent) {
        (self.sink)(&event);
    }

    /// The default sink: one block of lines on stderr per event.
    pub(crate) fn stderr() -> DebugSink {
        Arc::new(|e: &DebugEvent| eprintln!("weft debug: {e}"))
    }
}

/// What debug mode (or the timeline) records about one task, in its extras, at spawn.
/// It also holds the runtime's debug settings and timeline, so that the task's own code
/// paths (its poll, its completion, its handle's drop) find them without asking the
/// scheduler.
pub(crate) struct TaskRecord {
    pub(crate) spawned_at: &'static Location<'static>,
    pub(crate) parent: Option<u64>,
    pub(crate) waiting: Mutex<Option<Waiting>>,
    pub(crate) debug: Option<Arc<Debug>>,
    pub(crate) timeline: Option<Arc<super::Timeline>>,
}

/// The last thing the task said it waits on, and since when.
#[derive(Clone, Copy)]
pub(crate) struct Waiting {
    pub(crate) kind: &'static str,
    pub(crate) detail: WaitDetail,
    pub(crate) since: Instant,
}

impl TaskRecord {
    pub(crate) fn new(
        spawned_at: &'static Location<'static>,
        parent: Option<u64>,
        debug: Option<Arc<Debug>>,
        timeline: Option<Arc<super::Timeline>>,
    ) -> TaskRecord {
        TaskRecord { spawned_at, parent, waiting: Mutex::new(None), debug, timeline }
    }

    pub(crate) fn set_waiting(&self, kind: &'static str, detail: WaitDetail) {
        let mut w = self.waiting.lock();
        match &mut *w {
            // The same wait polled again (a spurious wake-up): it has waited since the first.
            Some(old) if old.kind == kind && old.detail == detail => {}
            slot => *slot = Some(Waiting { kind, detail, since: Instant::now() }),
        }
    }

    pub(crate) fn waiting_on(&self, now: Instant) -> Option<(WaitingOn, Duration)> {
        let w = (*self.waiting.try_lock()?)?;
        Some((WaitingOn { kind: w.kind, detail: w.detail }, now.saturating_duration_since(w.since)))
    }
}

/// One report of debug mode.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use weft::observe::DebugEvent;
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = seen.clone();
/// let rt = weft::Runtime::builder()
///     .debug(true)
///     .slow_poll_threshold(Duration::from_millis(20))
///     .debug_sink(move |e: &DebugEvent| sink.lock().unwrap().push(e.to_string()))
///     .build()
///     .unwrap();
/// rt.block_on(async {
///     weft::spawn_named("hog", async { std::thread::sleep(Duration::from_millis(50)) }).await.unwrap();
/// });
/// drop(rt); // the report follows the poll: the shutdown waits for the workers
/// let seen = seen.lock().unwrap();
/// assert!(seen[0].contains("slow poll") && seen[0].contains("hog"), "{seen:?}");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum DebugEvent {
    /// One poll held a worker for `elapsed`, at least the threshold.
    SlowPoll {
        /// The task, as it was right after the poll.
        task: TaskInfo,
        /// How long the poll took.
        elapsed: Duration,
    },
    /// A task failed (it panicked) and nobody will look at the failure: it was detached,
    /// or its [`Task`](crate::Task) handle was dropped without reading the result
    /// (asyncio's "Task exception was never retrieved").
    UnobservedFailure {
        /// The task.
        task: TaskInfo,
        /// The panic's message.
        message: String,
        /// True when the handle was dropped after the task had failed; false when the
        /// task was detached before it failed.
        handle_dropped: bool,
    },
    /// A task was cancelled, caught the cancellation, and ended normally without calling
    /// `uncancel()`: a task group or a timeout that cancelled it now believes it ended
    /// cancelled. This is the bug asyncio's documentation warns about.
    SwallowedCancellation {
        /// The task, with its cancellation requests still counted.
        task: TaskInfo,
    },
    /// The runtime shut down with these tasks still pending: their futures are dropped
    /// without finishing.
    PendingAtShutdown {
        /// The tasks, as they were just before the shutdown dropped them.
        tasks: Vec<TaskInfo>,
    },
    /// The introspection socket refused a connection (reported whether or not debug mode
    /// is on).
    IntrospectionRefused {
        /// The peer's user id (`u32::MAX` if it could not be read).
        uid: u32,
        /// The peer's process id (0 if it could not be read).
        pid: i32,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for DebugEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DebugEvent::SlowPoll { task, elapsed } => {
                write!(f, "slow poll: {} held a worker for {:.1?}", task.describe(), elapsed)
            }
            DebugEvent::UnobservedFailure { task, message, handle_dropped } => {
                let how = if *handle_dropped { "its handle was dropped unread" } else { "it was detached" };
                write!(f, "unobserved failure: {} panicked ({message:?}) and {how}", task.describe())
            }
            DebugEvent::SwallowedCancellation { task } => write!(
                f,
                "swallowed cancellation: {} was cancelled ({} request(s)) but ended normally without uncancel()",
                task.describe(),
                task.cancel_requests
            ),
            DebugEvent::IntrospectionRefused { uid, pid, reason } => {
                write!(f, "introspection refused: a connection from uid {uid} (pid {pid}): {reason}")
            }
            DebugEvent::PendingAtShutdown { tasks } => {
                write!(f, "shutdown with {} task(s) pending:", tasks.len())?;
                for t in tasks {
                    write!(f, "\n  {}", t.describe())?;
                    if let Some(w) = &t.waiting_on {
                        write!(f, " waiting on {w}")?;
                        if let Some(d) = t.waited {
                            write!(f, " for {d:.1?}")?;
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

/// The debug settings of the runtime that owns this task, if it is in debug mode: read
/// through the task's own scheduler handle.
pub(crate) fn report_for(header: &Header, debug: Option<&Debug>, make: impl FnOnce(TaskInfo) -> DebugEvent) {
    if let Some(d) = debug {
        d.report(make(tree::info(header, Instant::now())));
    }
}
