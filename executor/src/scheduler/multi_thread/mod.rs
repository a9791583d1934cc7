//! The multi-thread scheduler: work stealing.
//!
//! # The picture
//!
//! ```text
//!            spawn / wake from outside a worker
//!                         │
//!                         ▼
//!                ┌─────────────────┐  checked every GLOBAL_QUEUE_INTERVAL ticks,
//!                │ injector (mutex)│  and when a worker's own queue is empty
//!                └─────────────────┘
//!                  ▲ overflow: half a ring in one batch
//!   worker 0       │                worker 1
//!   ┌──────────┐ ┌─┴───────────────┐ ┌──────────┐ ┌─────────────────┐
//!   │ LIFO slot│ │ ring (256 slots) │ │ LIFO slot│ │ ring (256 slots) │
//!   └──────────┘ └─────────────────┘ └──────────┘ └─────────────────┘
//!                        ▲   steal half   │
//!                        └────────────────┘
//! ```
//!
//! # Where a task goes
//!
//! * A task spawned or woken **on a worker** goes to that worker: into the LIFO slot (the
//!   previous occupant moves to the back of the ring). The task that was just woken by
//!   the running task is the one most likely to find its data in cache, so message
//!   passing (A wakes B, B wakes A) runs back to back on one core. A task that wakes
//!   *itself* (it yields) waits in the worker's `deferred` list instead, until the ring and
//!   the injector are empty or the next maintenance tick (`Core::schedule_local`).
//! * A task spawned or woken **from elsewhere** (the `block_on` thread, a blocking-pool
//!   thread) goes to the injector, and a sleeping worker is woken if no one is searching.
//!
//! # What a worker runs next ([`worker`])
//!
//! 1. Every `GLOBAL_QUEUE_INTERVAL` (31) ticks, the injector first, so remote spawns are
//!    never starved by a busy local queue.
//! 2. The LIFO slot, at most `MAX_LIFO_POLLS` (3) times in a row, so that a ping-pong
//!    pair cannot starve the ring (the next LIFO task goes to the back of the ring; a
//!    sleeper is woken for it only if the worker then holds more than that one task). Other workers do not steal from the slot, which keeps
//!    message passing on one core; but if its owner stays inside one poll for a whole
//!    [`lifo::WATCH_PERIOD`] (1 ms; 4 ms for a worker that parks often, see
//!    [`lifo::watch_period`]) while another worker is idle, that idle worker takes
//!    the task and runs it ([`lifo`]).
//! 3. Its ring, front first.
//! 4. A batch from the injector (its fair share, at most half a ring).
//! 5. Steal: if fewer than half the workers are searching, become a searcher and steal
//!    half of another worker's ring, starting at a random victim.
//! 6. Park (see [`idle`] for who sleeps and who is woken, and `park.rs` for how).
//!
//! Every `EVENT_INTERVAL` (61) ticks a worker also polls the driver without blocking, so
//! timers and I/O are served while every worker is busy.
//!
//! # Who may touch what
//!
//! ```text
//!   Shared (one per runtime, in an Arc)      touched by
//!     inject      the injector (a mutex)      anyone: remote spawns and wakes, overflow
//!     remotes[i]  Remote of worker i          anyone: the steal end of its ring, its
//!                                             parker, its LIFO slot, its poll counter
//!     idle        who searches, who sleeps    every worker, and every remote wake
//!     common      driver, task list, pool     anyone
//!   Core (one per worker, a Box)              its worker thread only: the ring's owner
//!                                             end, tick, deferred, searching, parked
//! ```
//!
//! The split is the design: everything a worker does on its hot path (push a woken task,
//! pop the next) touches only its `Core` and the owner end of its ring, which other
//! threads reach only through a steal (one CAS on the ring's head, `ring.rs`). Shared
//! state costs something only when work moves between threads.
//!
//! # The root of `block_on`
//!
//! The thread that calls `block_on` is not a worker: it polls only its own future, the
//! *root task* (`scheduler/root.rs`), and the workers run everything that future spawns.
//! Its waker puts the root's queue entry in a `Signal` and unparks the thread; the thread
//! polls, and when nothing is ready, spins briefly if a running worker may reply within
//! microseconds (`spin.rs`) before it parks. `roots_busy` counts roots queued or being
//! polled, so that a paused clock never auto-advances while a root has work.
//! A worker that woke a root and then runs out of work lingers a few microseconds before
//! it parks (`worker.rs`, `linger`): the root's answer, a next request, may be about to
//! land in the injector.
//!
//! # Shutdown
//!
//! `shutdown` sets the flag, unparks every worker and joins them. Each worker leaves its
//! core in `cores` on its way out; then the calling thread, inside the runtime, closes the
//! task list and drops every task (`close_and_shutdown_all`), the cores with their rings,
//! the LIFO slots and the injector, and shuts the driver down (every timer and I/O wait
//! ends). Dropping happens on one thread after the workers are gone, so no task is polled
//! again once shutdown has begun dropping them.

mod idle;
pub(crate) mod lifo;
mod spin;
mod worker;

use super::inject::Inject;
use super::park::Parker;
use super::ring::{self, Overflow, Steal};
use super::root::Root;
use super::{Common, Handle};
use crate::task::{self, Header, Notified, Schedule, Task};
use crate::{context, driver::Driver};
use idle::Idle;
use lifo::LifoSlot;
use parking_lot::Mutex;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;

pub(crate) use worker::Core;

/// The scheduler's state that every thread may touch (module docs, "Who may touch what").
pub(crate) struct Shared {
    /// The driver, the list of live tasks and the blocking pool, as for the current-thread
    /// scheduler.
    pub(crate) common: Common,
    /// One per worker, indexed by the worker's index.
    remotes: Box<[Remote]>,
    /// Tasks spawned or woken away from a worker, and a ring's overflow.
    inject: Inject<Notified>,
    /// How many workers search and sleep, and which sleeper to wake (idle.rs).
    idle: Idle,
    /// Set once by `shutdown`; workers leave their loop when they see it.
    shutdown: AtomicBool,
    /// True while an idle worker watches the busy workers' LIFO slots (`worker.rs`,
    /// `watch_lifo_slots`): a task put in an empty LIFO slot needs no notification then.
    lifo_watched: AtomicBool,
    /// Whether `block_on` spins before it parks (spin.rs).
    spin: spin::SpinPolicy,
    /// Whether a worker that woke a root lingers before it parks (worker.rs, `linger`).
    linger: spin::SpinPolicy,
    /// Queue entries of `block_on` roots not yet polled, plus roots being polled: while
    /// non-zero the runtime is not idle (a paused clock must not auto-advance).
    roots_busy: AtomicUsize,
    /// Cores go here when their worker thread exits, to be dropped at shutdown.
    #[allow(clippy::vec_box)] // the worker loop owns and moves its core as a `Box<Core>`
    cores: Mutex<Vec<Box<Core>>>,
}

/// What the other threads may touch of a worker.
struct Remote {
    steal: Steal<Notified>,
    parker: Parker,
    /// The task the worker runs next (owner pushes, owner or a rescuer takes; lifo.rs).
    lifo: LifoSlot<Notified>,
    /// Polls the worker has started: unchanged over a watch period while `lifo` is full
    /// means the worker is stuck in one poll. Also the metrics' poll count.
    polls: AtomicU64,
    /// The worker's other counters, for the metrics (observe/metrics.rs).
    stats: crate::observe::WorkerStats,
}

/// How `Builder` configured the runtime: the number of workers, their threads' names and
/// stack size, and whether the LIFO slot is used (`Builder::disable_lifo_slot`).
pub(crate) struct Config {
    pub(crate) workers: usize,
    pub(crate) thread_name: Arc<dyn Fn(usize) -> String + Send + Sync>,
    pub(crate) stack_size: Option<usize>,
    pub(crate) lifo: bool,
    pub(crate) debug: Option<Arc<crate::observe::Debug>>,
    pub(crate) timeline: Option<Arc<crate::observe::Timeline>>,
}

/// Creates the scheduler and starts its worker threads.
pub(crate) fn start(
    mut config: Config,
    driver: Arc<Driver>,
    blocking: crate::blocking::BlockingPool,
) -> std::io::Result<(Arc<Shared>, Vec<JoinHandle<()>>)> {
    let mut remotes = Vec::with_capacity(config.workers);
    let mut cores = Vec::with_capacity(config.workers);
    for index in 0..config.workers {
        let (steal, local) = ring::new();
        remotes.push(Remote {
            steal,
            parker: Parker::new(driver.clone()),
            lifo: LifoSlot::new(),
            polls: AtomicU64::new(0),
            stats: Default::default(),
        });
        cores.push(Core::new(index, local, config.lifo));
    }
    let shared = Arc::new(Shared {
        common: Common {
            driver,
            owned: task::OwnedTasks::new(),
            blocking,
            debug: config.debug.take(),
            timeline: config.timeline.take(),
        },
        remotes: remotes.into_boxed_slice(),
        inject: Inject::new(),
        idle: Idle::new(config.workers),
        shutdown: AtomicBool::new(false),
        lifo_watched: AtomicBool::new(false),
        spin: spin::SpinPolicy::new(),
        linger: spin::SpinPolicy::new(),
        roots_busy: AtomicUsize::new(0),
        cores: Mutex::new(Vec::new()),
    });
    let weak = Arc::downgrade(&shared);
    shared.common.driver.set_idle_probe(Box::new(move || weak.upgrade().is_none_or(|s| s.is_idle())));
    let mut threads = Vec::with_capacity(config.workers);
    for core in cores {
        let shared2 = shared.clone();
        let mut b = std::thread::Builder::new().name((config.thread_name)(core.index()));
        if let Some(s) = config.stack_size {
            b = b.stack_size(s);
        }
        match b.spawn(move || worker::run(shared2, core)) {
            Ok(t) => threads.push(t),
            Err(e) => {
                shutdown(&shared, threads);
                return Err(e);
            }
        }
    }
    Ok((shared, threads))
}

/// Spawns `future` as a task of this runtime and schedules its first poll: on this worker
/// if called on one (into the LIFO slot, unless it is disabled), else into the injector.
pub(crate) fn spawn<F>(
    shared: &Arc<Shared>,
    future: F,
    name: Option<Arc<str>>,
    at: &'static std::panic::Location<'static>,
) -> Result<Task<F::Output>, task::Rejected<F>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (task, notified) = task::spawn_into(
        &shared.common.owned,
        future,
        shared.clone(),
        name,
        crate::observe::record_for(&shared.common, at),
    )?;
    shared.schedule_task(notified, false);
    Ok(task)
}

impl Shared {
    /// Where every wake and spawn lands. A wake inside a `defer_wakes` scope is held back
    /// first (`scheduler/defer.rs`); a yield never is (it is the running task itself). On
    /// a worker of this runtime, the task goes to that worker's core; anywhere else, to
    /// the injector, and a sleeper is woken unless someone is searching.
    fn schedule_task(self: &Arc<Self>, task: Notified, is_yield: bool) {
        let task = if is_yield {
            task
        } else {
            match super::defer::hold(self, task) {
                Some(task) => task,
                None => return, // held back by `defer_wakes`
            }
        };
        if let Some(cx) = worker::WorkerCx::current(self) {
            if let Ok(mut slot) = cx.core.try_borrow_mut() {
                if let Some(core) = slot.as_mut() {
                    if core.schedule_local(self, task, is_yield) {
                        self.notify_parked();
                    }
                    return;
                }
            }
        }
        self.inject.push(task);
        self.notify_parked();
    }

    /// Submits the wake-ups a `defer_wakes` scope held back: into this worker's queue if
    /// called on a worker, else into the injector in one batch; then wakes one worker,
    /// which wakes the next when it finds work (see idle.rs).
    pub(crate) fn schedule_batch(self: &Arc<Self>, tasks: impl ExactSizeIterator<Item = Notified>) {
        if tasks.len() == 0 {
            return;
        }
        if let Some(cx) = worker::WorkerCx::current(self) {
            if let Ok(mut slot) = cx.core.try_borrow_mut() {
                if let Some(core) = slot.as_mut() {
                    core.schedule_batch(self, tasks);
                    self.notify_parked();
                    return;
                }
            }
        }
        self.inject.push_batch(tasks);
        self.notify_parked();
    }

    /// Wakes a sleeping worker if no one is searching.
    fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.remotes[index].parker.unpark();
        }
    }

    /// The last searcher goes to sleep: if any queue holds a task, make sure someone runs.
    fn notify_if_work_pending(&self) {
        // Order the queue reads after our SeqCst park transition (see idle.rs).
        std::sync::atomic::fence(Ordering::SeqCst);
        let pending = !self.inject.is_empty() || self.remotes.iter().any(|r| !r.steal.is_empty());
        if pending {
            self.notify_parked();
        }
    }

    /// Each worker's metrics.
    pub(crate) fn worker_metrics(&self) -> Vec<crate::observe::WorkerMetrics> {
        self.remotes
            .iter()
            .map(|r| {
                crate::observe::metrics::worker(&r.stats, r.polls.load(Ordering::Relaxed), r.steal.len())
            })
            .collect()
    }

    pub(crate) fn injector_depth(&self) -> usize {
        self.inject.len()
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    /// Whether every task is idle: every worker parked (a notified worker counts as
    /// awake), every queue and LIFO slot empty, no `block_on` root queued or running, no
    /// blocking job unfinished. Asked by a paused clock before it auto-advances.
    fn is_idle(&self) -> bool {
        std::sync::atomic::fence(Ordering::SeqCst);
        !self.idle.any_unparked()
            && self.roots_busy.load(Ordering::SeqCst) == 0
            && self.inject.is_empty()
            && self.remotes.iter().all(|r| r.steal.is_empty() && !r.lifo.is_occupied())
            && self.common.blocking.unfinished() == 0
    }
}

/// The task cell's view of the scheduler (`task/mod.rs`): where a woken task goes, where
/// a yielding one goes, and who forgets a finished one.
impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified) {
        if let Some(t) = &self.common.timeline {
            t.wake(task.raw().id().as_u64());
        }
        self.schedule_task(task, false);
    }

    fn yield_now(&self, task: Notified) {
        // Not a wake for the timeline: the task woke itself, and its next poll shows it.
        self.schedule_task(task, true);
    }

    fn release(&self, task: &Header) -> bool {
        self.common.owned.remove(task)
    }
}

/// Runs `future` on the calling thread as the root task, while the workers run the rest.
pub(crate) fn block_on<F: Future>(shared: &Arc<Shared>, future: F) -> F::Output {
    /// Where the root's queue entry lands when it is woken. `ready` mirrors
    /// `entry.is_some()` (both change under the lock), so that a spin can watch it without
    /// taking the lock that the waker needs.
    struct Signal {
        entry: Mutex<Option<Notified>>,
        ready: AtomicBool,
        thread: std::thread::Thread,
    }
    impl Signal {
        fn put(&self, entry: Notified) {
            let mut slot = self.entry.lock();
            *slot = Some(entry);
            self.ready.store(true, Ordering::Release);
        }
        fn take(&self) -> Option<Notified> {
            let mut slot = self.entry.lock();
            self.ready.store(false, Ordering::Relaxed);
            slot.take()
        }
        fn is_ready(&self) -> bool {
            self.ready.load(Ordering::Acquire)
        }
    }
    let signal = Arc::new(Signal {
        entry: Mutex::new(None),
        ready: AtomicBool::new(false),
        thread: std::thread::current(),
    });
    let hook_signal = signal.clone();
    let hook_shared = shared.clone();
    let (mut root, first) = Root::new(Arc::new(move |entry| {
        // Counted before it is visible, so that the runtime never looks idle in between.
        hook_shared.roots_busy.fetch_add(1, Ordering::SeqCst);
        if let Some(cx) = worker::WorkerCx::current(&hook_shared) {
            cx.task_woke_root();
        }
        hook_signal.put(entry);
        hook_signal.thread.unpark();
    }));
    shared.roots_busy.fetch_add(1, Ordering::SeqCst);
    signal.put(first);
    let _enter = context::enter_runtime(Handle::Multi(shared.clone()), (std::ptr::null(), std::ptr::null()));
    let mut future = std::pin::pin!(future);
    loop {
        match signal.take() {
            Some(entry) => {
                let polled = {
                    // Done with the entry when the poll ends, even by a panic.
                    let _done = EntryDone(shared);
                    root.poll(future.as_mut(), entry)
                };
                if let std::task::Poll::Ready(v) = polled {
                    drop(root);
                    return v;
                }
            }
            None => {
                // A reply from a running worker may be microseconds away: look for it a
                // little while if that has been paying (spin.rs). If every worker sleeps,
                // the wake-up must come from outside (I/O, a timer): park at once.
                let ready = shared.idle.any_unparked() && shared.spin.spin(|| signal.is_ready());
                if !ready && !signal.is_ready() {
                    std::thread::park();
                }
            }
        }
    }
}

/// Drops when a root's queue entry has been polled: one root less is busy. When none is
/// left on a paused clock, the driver's holder is told, so that it may auto-advance
/// without waiting for its next look.
struct EntryDone<'a>(&'a Shared);

impl Drop for EntryDone<'_> {
    fn drop(&mut self) {
        let shared = self.0;
        if shared.roots_busy.fetch_sub(1, Ordering::SeqCst) == 1
            && shared.common.driver.time.clock.is_paused()
        {
            shared.common.driver.unpark();
        }
    }
}

/// Stops the workers, then drops every task and queue entry (on the calling thread).
pub(crate) fn shutdown(shared: &Arc<Shared>, threads: Vec<JoinHandle<()>>) {
    shared.shutdown.store(true, Ordering::Release);
    for r in shared.remotes.iter() {
        r.parker.unpark();
    }
    for t in threads {
        let _ = t.join();
    }
    let _enter = context::enter_runtime(Handle::Multi(shared.clone()), (std::ptr::null(), std::ptr::null()));
    crate::observe::report_pending_at_shutdown(&shared.common);
    shared.common.owned.close_and_shutdown_all();
    drop(std::mem::take(&mut *shared.cores.lock()));
    for r in shared.remotes.iter() {
        drop(r.lifo.take());
    }
    drop(shared.inject.drain());
    shared.common.driver.shutdown();
    // Entries that the shutdown wakes pushed.
    drop(shared.inject.drain());
}

/// Where a full ring sends half of its tasks (`ring.rs`): the injector, in one batch.
impl Overflow<Notified> for Arc<Shared> {
    fn push(&self, task: Notified) {
        self.inject.push(task);
    }
    fn push_batch(&self, tasks: impl Iterator<Item = Notified>) {
        self.inject.push_batch(tasks);
    }
}
