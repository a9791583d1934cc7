//! The current-thread scheduler: one loop on the thread that calls `block_on`, with
//! asyncio's exact order.
//!
//! Every task that becomes ready goes to the back of one FIFO queue, and the loop runs
//! the queue front to back, polling the driver (I/O and timers, without blocking) every
//! `EVENT_INTERVAL` tasks and blocking on it only when the queue is empty. The root task
//! (`block_on`'s future) takes its turn in the same queue, as `asyncio.run` makes `main()`
//! one task among the others. Wakes from other threads go through a mutex-protected
//! injector and unpark the driver.
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
use std::task::Poll;
use std::time::Duration;

const EVENT_INTERVAL: u32 = 61;
const GLOBAL_QUEUE_INTERVAL: u32 = 31;

pub(crate) struct Shared {
    pub(crate) common: Common,
    inject: Inject<Notified>,
    core: Mutex<Option<Box<Core>>>,
    /// True while the loop sleeps in the driver: only then does a remote wake need the
    /// (costly) `mio::Waker`. See `block_on` for the handshake.
    parked: AtomicBool,
    /// The thread that spawned `!Send` tasks, if any: they may only be dropped there.
    local_thread: Mutex<Option<std::thread::ThreadId>>,
}

pub(crate) struct Core {
    run_queue: VecDeque<Notified>,
    tick: u32,
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

pub(crate) fn new(driver: Arc<Driver>, blocking: crate::blocking::BlockingPool) -> Arc<Shared> {
    Arc::new(Shared {
        common: Common { driver, owned: task::OwnedTasks::new(), blocking },
        inject: Inject::new(),
        core: Mutex::new(Some(Box::new(Core { run_queue: VecDeque::with_capacity(64), tick: 0 }))),
        parked: AtomicBool::new(false),
        local_thread: Mutex::new(None),
    })
}

pub(crate) fn spawn<F>(
    shared: &Arc<Shared>,
    future: F,
    name: Option<Arc<str>>,
) -> Result<Task<F::Output>, SpawnError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (task, notified) = task::spawn_into(&shared.common.owned, future, shared.clone(), name)?;
    shared.schedule(notified);
    Ok(task)
}

/// Spawns a `!Send` future; only from the thread that runs this runtime's `block_on`.
pub(crate) fn spawn_local<F>(
    shared: &Arc<Shared>,
    future: F,
    name: Option<Arc<str>>,
) -> Result<Task<F::Output>, SpawnError>
where
    F: Future + 'static,
    F::Output: 'static,
{
    if Cx::current(shared).is_none() {
        return Err(SpawnError::NotLocal);
    }
    *shared.local_thread.lock() = Some(std::thread::current().id());
    let (task, notified) = task::spawn_into(&shared.common.owned, future, shared.clone(), name)?;
    shared.schedule(notified);
    Ok(task)
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified) {
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

    let hook_shared = shared.clone();
    let (mut root, first) = Root::new(Arc::new(move |entry| hook_shared.schedule(entry)));
    shared.schedule(first);
    let mut future = std::pin::pin!(future);
    let root_raw = root.raw();
    loop {
        for _ in 0..EVENT_INTERVAL {
            let next = {
                let mut slot = cx.core.borrow_mut();
                let core = slot.as_mut().expect("core present");
                core.tick = core.tick.wrapping_add(1);
                if core.tick % GLOBAL_QUEUE_INTERVAL == 0 {
                    shared.inject.pop().or_else(|| core.run_queue.pop_front())
                } else {
                    core.run_queue.pop_front().or_else(|| shared.inject.pop())
                }
            };
            let Some(task) = next else { break };
            if task.raw() == root_raw {
                if let Poll::Ready(v) = root.poll(future.as_mut(), task) {
                    return Ok(v);
                }
            } else {
                task.run();
            }
        }
        let idle =
            cx.core.borrow().as_ref().is_some_and(|c| c.run_queue.is_empty()) && shared.inject.is_empty();
        if idle {
            // The handshake with `schedule` from other threads: announce the sleep, then
            // look at the injector once more (see the fence there).
            shared.parked.store(true, Ordering::SeqCst);
            std::sync::atomic::fence(Ordering::SeqCst);
            let timeout = if shared.inject.is_empty() { None } else { Some(Duration::ZERO) };
            shared.common.driver.try_park(timeout);
            shared.parked.store(false, Ordering::SeqCst);
        } else {
            shared.common.driver.try_park(Some(Duration::ZERO));
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
        shared.common.owned.close_and_shutdown_all();
    }
    drop(cx);
    drop(shared.inject.drain());
    shared.common.driver.shutdown();
    drop(shared.inject.drain());
}
