//! Runtime metrics: per-worker counters and runtime-wide gauges.

use crate::scheduler::Handle;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// A worker's counters. One writer (the worker itself): it adds with a relaxed load and a
/// relaxed store, which compile to plain moves, so counting costs what an increment of a
/// local variable costs. Any thread may read them. On cache lines of their own, so that
/// the writes do not disturb threads that read the fields next to them.
#[derive(Default)]
#[repr(align(128))]
pub(crate) struct WorkerStats {
    pub(crate) steals: AtomicU64,
    /// Tasks those steals brought, the one run at once included.
    pub(crate) stolen: AtomicU64,
    pub(crate) parks: AtomicU64,
    pub(crate) busy_ns: AtomicU64,
    /// For the current-thread loop: when it last woke from a park, in nanoseconds since the
    /// runtime was built.
    pub(crate) awake_ns: AtomicU64,
    /// Polls, for the current-thread loop (the multi-thread workers already publish theirs
    /// for the LIFO watch, `Remote::polls`), counted a turn at a time.
    pub(crate) polls: AtomicU64,
    /// Tasks ready at the start of the current-thread loop's last turn (its run queue lives
    /// in the loop's thread-local context while it runs; the metrics read this instead).
    pub(crate) queue_depth: AtomicU64,
}

impl WorkerStats {
    /// Adds `n` to a counter this thread alone writes.
    #[inline]
    pub(crate) fn bump(counter: &AtomicU64, n: u64) {
        counter.store(counter.load(Relaxed).wrapping_add(n), Relaxed);
    }
}

/// One worker's numbers (see [`RuntimeMetrics`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerMetrics {
    /// Polls started since the runtime began.
    pub polls: u64,
    /// Steals that brought work from another worker's queue.
    pub steals: u64,
    /// Tasks those steals brought (a steal takes half of the victim's queue): each moved
    /// a task, and its data, from one core to another. tokio's `worker_steal_count`;
    /// `steals` is its `worker_steal_operations`.
    pub stolen_tasks: u64,
    /// Times the worker went to sleep for want of work.
    pub parks: u64,
    /// Tasks in its run queue now (the LIFO slot not counted).
    pub local_queue_depth: usize,
    /// Time spent awake (out of park), up to its last park.
    pub busy: Duration,
}

/// A runtime's metrics (see [`Observer::metrics`](super::Observer::metrics)). The
/// current-thread runtime reports one worker, its loop.
///
/// ```
/// let rt = weft::Runtime::builder().worker_threads(2).build().unwrap();
/// rt.block_on(async {
///     let tasks: Vec<_> = (0..100).map(|i| weft::spawn(async move { i })).collect();
///     for t in tasks { t.await.unwrap(); }
/// });
/// let m = rt.observer().metrics().unwrap();
/// assert_eq!(m.workers.len(), 2);
/// assert!(m.workers.iter().map(|w| w.polls).sum::<u64>() >= 100);
/// assert!(m.live_tasks <= 100); // a joined task leaves the list just after its result is out
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuntimeMetrics {
    /// One entry per worker.
    pub workers: Vec<WorkerMetrics>,
    /// Tasks waiting in the injector (the shared queue of wake-ups from outside).
    pub injector_depth: usize,
    /// Tasks alive (spawned and not finished).
    pub live_tasks: usize,
    /// Timers in the timing wheel.
    pub pending_timers: usize,
    /// Blocking-pool threads alive.
    pub blocking_threads: usize,
    /// Of those, the ones running a job.
    pub blocking_busy: usize,
    /// Of those, the ones waiting for a job.
    pub blocking_idle: usize,
    /// I/O resources registered with the reactor.
    pub io_registrations: usize,
}

pub(crate) fn collect(handle: &Handle) -> RuntimeMetrics {
    let common = handle.common();
    let (workers, injector_depth) = match handle {
        Handle::Multi(s) => (s.worker_metrics(), s.injector_depth()),
        Handle::Current(s) => (vec![s.worker_metrics()], s.injector_depth()),
    };
    let blocking_threads = common.blocking.thread_count();
    let blocking_idle = common.blocking.idle_count().min(blocking_threads);
    RuntimeMetrics {
        workers,
        injector_depth,
        live_tasks: common.owned.len(),
        pending_timers: common.driver.time.timer_count(),
        blocking_threads,
        blocking_busy: blocking_threads - blocking_idle,
        blocking_idle,
        io_registrations: common.driver.io.registrations(),
    }
}

pub(crate) fn worker(stats: &WorkerStats, polls: u64, local_queue_depth: usize) -> WorkerMetrics {
    WorkerMetrics {
        polls,
        steals: stats.steals.load(Relaxed),
        stolen_tasks: stats.stolen.load(Relaxed),
        parks: stats.parks.load(Relaxed),
        local_queue_depth,
        busy: Duration::from_nanos(stats.busy_ns.load(Relaxed)),
    }
}
