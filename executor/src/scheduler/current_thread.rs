//! The current-thread scheduler: one loop on the thread that calls `block_on`, with
//! asyncio's order.
//!
//! # A turn
//!
//! The loop runs in *turns*, each one iteration of asyncio's `_run_once`:
//!
//! 1. **Events.** Wake-ups from other threads that arrived since the last turn move from
//!    the injector to the back of the run queue. Then the driver is polled: for I/O
//!    readiness (only when some resource is registered) and for timers, firing every one
//!    that is due. If no task is ready, the loop blocks here until an event comes or the
//!    next timers must fire. What the poll finds is *collected*, not yet woken.
//! 2. **Ready tasks.** The tasks in the run queue when the turn began step 2 run, each
//!    once, front to back. Whatever they wake, spawn or yield goes to the back of the
//!    queue and runs in the next turn.
//! 3. **Callbacks.** The wakers collected in step 1 are woken: I/O readiness first, then
//!    timers in deadline order (registration order for equal deadlines). The tasks they
//!    wake go to the back of the queue, behind those woken in step 2, and run in the next
//!    turn. A [`Timer`](crate::time::Timer)'s callback runs here.
//!
//! asyncio's loop does the same: it polls its selector, appends I/O callbacks and due
//! timer callbacks *behind* the handles already in its ready queue, runs exactly the
//! handles that were there, and everything those schedule (`call_soon`, a task's wake-up)
//! waits for the next iteration. A weft task woken by a timer therefore runs when an
//! asyncio task woken by the same timer would: one turn after the timer is due, after
//! the tasks woken in the meantime.
//!
//! The root task (`block_on`'s future) takes its turn in the same queue, as `asyncio.run`
//! makes `main()` one task among the others; tasks spawned from outside before `block_on`
//! queue ahead of it, as tasks created before `run_until_complete` do. Wakes from other
//! threads go through a mutex-protected injector and unpark the driver if the loop sleeps.
//!
//! Since only this thread ever polls its tasks, it can also run futures that are not
//! `Send` ([`spawn_local`](crate::spawn_local)).

use super::inject::Inject;
use super::ring::Overflow;
use super::root::Root;
use super::{Common, Handle};
use crate::error::{EnterError, SpawnError};
use crate::task::{self, Header, Notified, Schedule, Task};
use crate::{context, driver::Driver};
use parking_lot::Mutex;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Poll, Waker};
use std::time::Duration;

pub(crate) struct Shared {
    pub(crate) common: Common,
    inject: Inject<Notified>,
    core: Mutex<Option<Box<Core>>>,
    /// True while the loop sleeps in the driver: only then does a remote wake need the
    /// (costly) `mio::Waker`. See `block_on` for the handshake.
    parked: AtomicBool,
    /// The thread that spawned `!Send` tasks, if any: they may only be dropped there.
    local_thread: Mutex<Option<std::thread::ThreadId>>,
    /// The loop's counters, for the metrics (observe/metrics.rs), on their own cache line.
    stats: crate::observe::WorkerStats,
    /// When the runtime was built: the loop's last wake-up is kept as nanoseconds since.
    base: std::time::Instant,
}

pub(crate) struct Core {
    run_queue: VecDeque<Notified>,
}

/// The thread-local face of the loop.
struct Cx {
    core: RefCell<Option<Box<Core>>>,
}

impl Cx {
    fn current(shared: &Arc<Shared>) -> Option<&Cx> {
        let ptr = context::worker_for(Arc::as_ptr(shared) as *const ()) as *const Cx;
        // SAFETY: a context registered under this runtime's owner pointer is a `Cx`
        // (block_on and shutdown register it), alive until their guard unregisters it.
        unsafe { ptr.as_ref() }
    }
}

pub(crate) fn new(
    driver: Arc<Driver>,
    blocking: crate::blocking::BlockingPool,
    debug: Option<Arc<crate::observe::Debug>>,
    timeline: Option<Arc<crate::observe::Timeline>>,
) -> Arc<Shared> {
    let shared = Arc::new(Shared {
        common: Common { driver, owned: task::OwnedTasks::new_for_one_thread(), blocking, debug, timeline },
        inject: Inject::new(),
        core: Mutex::new(Some(Box::new(Core { run_queue: VecDeque::with_capacity(64) }))),
        parked: AtomicBool::new(false),
        local_thread: Mutex::new(None),
        stats: Default::default(),
        base: std::time::Instant::now(),
    });
    // The loop parks without a timeout only when its own queue is empty; the rest of
    // "every task is idle" (for a paused clock's auto-advance) is asked here.
    let weak = Arc::downgrade(&shared);
    shared.common.driver.set_idle_probe(Box::new(move || {
        weak.upgrade().is_none_or(|s| s.inject.is_empty() && s.common.blocking.unfinished() == 0)
    }));
    shared
}

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
    shared.schedule(notified);
    Ok(task)
}

/// Spawns a `!Send` future; only from the thread that runs this runtime's `block_on`.
pub(crate) fn spawn_local<F>(
    shared: &Arc<Shared>,
    future: F,
    name: Option<Arc<str>>,
    at: &'static std::panic::Location<'static>,
) -> Result<Task<F::Output>, SpawnError>
where
    F: Future + 'static,
    F::Output: 'static,
{
    if Cx::current(shared).is_none() {
        return Err(SpawnError::NotLocal);
    }
    *shared.local_thread.lock() = Some(std::thread::current().id());
    let (task, notified) = task::spawn_into(
        &shared.common.owned,
        future,
        shared.clone(),
        name,
        crate::observe::record_for(&shared.common, at),
    )?;
    shared.schedule(notified);
    Ok(task)
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified) {
        if let Some(t) = &self.common.timeline {
            t.wake(task.raw().id().as_u64());
        }
        if let Some(cx) = Cx::current(self) {
            if let Ok(mut core) = cx.core.try_borrow_mut() {
                if let Some(core) = core.as_mut() {
                    core.run_queue.push_back(task);
                    return;
                }
            }
        }
        self.inject.push(task);
        // Pairs with the fence in `block_on`: either the loop sees this task before it
        // sleeps, or we see it asleep and wake it.
        std::sync::atomic::fence(Ordering::SeqCst);
        if self.parked.load(Ordering::SeqCst) {
            self.common.driver.unpark();
        }
    }

    fn release(&self, task: &Header) -> bool {
        self.common.owned.remove(task)
    }
}

/// Runs the loop until `future` completes; `EnterError` if another thread is inside
/// `block_on` of the same runtime (it holds the loop's core).
pub(crate) fn block_on<F: Future>(shared: &Arc<Shared>, future: F) -> Result<F::Output, EnterError> {
    let Some(core) = shared.core.lock().take() else { return Err(EnterError) };
    let cx = Cx { core: RefCell::new(Some(core)) };
    let _enter = context::enter_runtime(
        Handle::Current(shared.clone()),
        (Arc::as_ptr(shared) as *const (), &cx as *const Cx as *const ()),
    );
    // Gives the core back even if a task's poll (or the future) panics out of block_on.
    struct PutBack<'a>(&'a Shared, &'a Cx);
    impl Drop for PutBack<'_> {
        fn drop(&mut self) {
            *self.0.core.lock() = self.1.core.borrow_mut().take();
        }
    }
    let _put_back = PutBack(shared, &cx);
    if shared.common.timeline.is_some() {
        crate::observe::Timeline::enter_lane(0);
    }

    let hook_shared = shared.clone();
    let (mut root, first) = Root::new(Arc::new(move |entry| hook_shared.schedule(entry)));
    // Tasks spawned from outside before `block_on` (they waited in the injector) go first,
    // as tasks created before `run_until_complete` run before its main task.
    cx.with_core(|core| shared.take_injected(core));
    shared.schedule(first);
    let mut future = std::pin::pin!(future);
    let root_raw = root.raw();
    // Declared last, dropped first: wakes what a turn collected even if a poll panics.
    let mut callbacks = Callbacks(Vec::new());
    loop {
        // 1. Events: remote wake-ups, then I/O readiness and due timers (collected).
        let ready = cx.with_core(|core| {
            shared.drain_inject(core);
            !core.run_queue.is_empty()
        });
        if ready {
            shared.common.driver.poll_ready_now(&mut callbacks.0);
        } else {
            shared.park(&mut callbacks.0);
            cx.with_core(|core| shared.drain_inject(core));
        }
        // 2. Each task that was ready when the turn began, once.
        let n = cx.with_core(|core| core.run_queue.len());
        for _ in 0..n {
            let Some(task) = cx.with_core(|core| core.run_queue.pop_front()) else { break };
            if task.raw() == root_raw {
                if let Poll::Ready(v) = root.poll(future.as_mut(), task) {
                    return Ok(v);
                }
            } else {
                task.run();
            }
        }
        // 3. The callbacks of the events: their tasks run in the next turn.
        callbacks.wake_all();
    }
}

/// The wakers a turn collected in its first step, woken in its last. Woken on drop too:
/// a timer that fired is gone from the wheel, so its waker must not be lost when
/// `block_on` returns or a poll panics in between. A waker whose `wake` panics (a
/// [`Timer`](crate::time::Timer) callback) leaves the ones after it to the drop.
struct Callbacks(Vec<Waker>);

impl Callbacks {
    fn wake_all(&mut self) {
        for i in 0..self.0.len() {
            std::mem::replace(&mut self.0[i], Waker::noop().clone()).wake();
        }
        self.0.clear();
    }
}

impl Drop for Callbacks {
    fn drop(&mut self) {
        self.wake_all();
    }
}

impl Cx {
    fn with_core<R>(&self, f: impl FnOnce(&mut Core) -> R) -> R {
        f(self.core.borrow_mut().as_mut().expect("core present"))
    }
}

impl Shared {
    /// The loop's metrics, as one worker's.
    pub(crate) fn worker_metrics(&self) -> crate::observe::WorkerMetrics {
        let polls = self.stats.polls.load(Ordering::Relaxed);
        crate::observe::metrics::worker(
            &self.stats,
            polls,
            self.stats.queue_depth.load(Ordering::Relaxed) as usize,
        )
    }

    pub(crate) fn injector_depth(&self) -> usize {
        self.inject.len()
    }

    /// Moves the wake-ups from other threads to the back of the run queue, in the order
    /// they arrived.
    fn drain_inject(&self, core: &mut Core) {
        if !self.inject.is_empty() {
            self.inject.pop_n(usize::MAX, |batch| core.run_queue.extend(batch));
        }
        // For the metrics: a drain of a turn's first step that finds tasks ready is its last
        // (the turn then runs them), so what it leaves is what step 2 polls.
        let ready = core.run_queue.len() as u64;
        self.stats.queue_depth.store(ready, Ordering::Relaxed);
        crate::observe::WorkerStats::bump(&self.stats.polls, ready);
    }

    /// The first drain of `block_on`, before its loop: not a turn, so not counted.
    fn take_injected(&self, core: &mut Core) {
        if !self.inject.is_empty() {
            self.inject.pop_n(usize::MAX, |batch| core.run_queue.extend(batch));
        }
    }

    /// Blocks in the driver until an event, the next timers, or a wake-up from another
    /// thread; collects the wakers of what happened.
    fn park(&self, sink: &mut Vec<Waker>) {
        // For the metrics and the timeline: the turns since the last park were busy.
        let slept = std::time::Instant::now();
        let stats = &self.stats;
        let awake = self.base + Duration::from_nanos(stats.awake_ns.load(Ordering::Relaxed));
        crate::observe::WorkerStats::bump(
            &stats.busy_ns,
            slept.saturating_duration_since(awake).as_nanos() as u64,
        );
        crate::observe::WorkerStats::bump(&stats.parks, 1);
        // The handshake with `schedule` from other threads: announce the sleep, then look
        // at the injector once more (see the fence there).
        self.parked.store(true, Ordering::SeqCst);
        std::sync::atomic::fence(Ordering::SeqCst);
        let timeout = if self.inject.is_empty() { None } else { Some(Duration::ZERO) };
        if let Some(mut core) = self.common.driver.try_lock() {
            self.common.driver.poll(&mut core, timeout, sink);
        }
        self.parked.store(false, Ordering::SeqCst);
        let awake = std::time::Instant::now();
        stats.awake_ns.store(awake.saturating_duration_since(self.base).as_nanos() as u64, Ordering::Relaxed);
        if let Some(t) = &self.common.timeline {
            t.park(slept, awake);
        }
    }
}

/// Drops every task and queue entry. Tasks spawned with `spawn_local` can only be
/// dropped on their thread: shutting down elsewhere leaks them (memory, not soundness)
/// and says so on stderr.
pub(crate) fn shutdown(shared: &Arc<Shared>) {
    let local = *shared.local_thread.lock();
    if local.is_some_and(|t| t != std::thread::current().id()) {
        eprintln!(
            "weft: a current-thread runtime with spawn_local tasks was dropped on another \
             thread; its tasks are leaked instead of dropped there"
        );
        return;
    }
    let core = shared.core.lock().take();
    let cx = Cx { core: RefCell::new(core) };
    {
        let _enter = context::enter_runtime(
            Handle::Current(shared.clone()),
            (Arc::as_ptr(shared) as *const (), &cx as *const Cx as *const ()),
        );
        crate::observe::report_pending_at_shutdown(&shared.common);
        shared.common.owned.close_and_shutdown_all();
    }
    drop(cx);
    drop(shared.inject.drain());
    shared.common.driver.shutdown();
    drop(shared.inject.drain());
}
