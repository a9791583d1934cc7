//! A worker thread's loop: find a task, run it, steal, park. See the module docs of
//! `multi_thread` for the order in which queues are consulted.
//!
//! # The loop
//!
//! ```text
//!   loop (until shutdown):
//!     tick += 1
//!     every EVENT_INTERVAL ticks: poll the driver without blocking (timers, I/O),
//!                                 put the yielded tasks back, wake a helper if surplus
//!     next_task   -> run_task   (injector every GLOBAL_QUEUE_INTERVAL ticks, LIFO slot,
//!                                ring, injector, yielded tasks)
//!     steal_work  -> run_task   (become a searcher, steal half of a random victim's ring)
//!     linger      -> run_task   (a searcher whose tasks woke a block_on caller: look
//!                                again for a few microseconds, if that has been paying)
//!     park                      (sleep in the driver or on a condvar; see idle.rs)
//! ```
//!
//! A tick is one trip around the loop, that is one task started (plus up to
//! `MAX_LIFO_POLLS` tasks run straight from the LIFO slot after it). The two intervals
//! are prime, so the injector check and the driver poll rarely fall on the same tick.
//!
//! # Who owns the core
//!
//! A worker's [`Core`] (its ring's owner end, its counters, its `deferred` list) is
//! touched only by its own thread, so nothing in it is atomic. But the task the worker
//! polls may wake or spawn tasks, and those go into this very core
//! (`Core::schedule_local`, called from the waker). So while a task runs, the core is
//! parked in the thread's [`WorkerCx`] (`*self.core.borrow_mut() = Some(core)`), where
//! the waker finds it through the thread-local context (`context::worker_for`); between
//! polls the loop holds it by value (`Box<Core>`) and borrows nothing. The same hand-off
//! happens around a park, so that wakes during a driver poll (a timer's waker runs on
//! this thread) land in the local queue too. A `RefCell` and not a `Mutex`: only this
//! thread ever looks. A wake that finds the core taken out (between polls) or already
//! borrowed (a wake from inside the scheduler's own code) goes to the injector instead
//! of panicking or deadlocking (`Shared::schedule_task`).
//!
//! # Searching
//!
//! A worker with nothing to do becomes a *searcher* before it steals, and at most half
//! the workers search at once (`Idle::transition_worker_to_searching`): more would only
//! contend on the victims' rings. A wake from another thread does not wake a sleeper
//! while someone searches, because the searcher will find the task. The last searcher to
//! find work, or to give up, takes over that duty: it checks every queue once more and
//! wakes a sleeper if something is left (`Shared::notify_if_work_pending`). That handshake,
//! and the fences that make it free of lost wake-ups, are in `idle.rs`.

use super::lifo::{SHORT_PARK, watch_period};
use super::{Handle, Remote, Shared};
use crate::context;
use crate::observe::WorkerStats;
use crate::scheduler::ring::Local;
use crate::task::Notified;
use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Every this many ticks the injector is served before the local queues (fairness to
/// remote spawns when the local queue never empties).
const GLOBAL_QUEUE_INTERVAL: u32 = 31;
/// Every this many ticks a busy worker polls the driver without blocking, so that timers
/// and I/O are served while no worker parks.
const EVENT_INTERVAL: u32 = 61;
/// The longest a searcher lingers for work after waking a `block_on` caller (`linger`).
const LINGER: Duration = Duration::from_micros(10);
/// At most this many tasks run from the LIFO slot in a row before the slot's task goes
/// to the back of the ring: two tasks that wake each other cannot starve the rest.
const MAX_LIFO_POLLS: u32 = 3;

/// The state a worker owns: only its thread touches it, so no field is atomic.
pub(crate) struct Core {
    index: usize,
    tick: u32,
    /// Polls started, published in `Remote::polls` for the LIFO watch and the metrics.
    polls: u64,
    /// When the worker last woke from a park (for the metrics' busy time).
    awake: std::time::Instant,
    lifo_enabled: bool,
    run_queue: Local<Notified>,
    is_searching: bool,
    /// Tasks that yielded (woke themselves while running): they wait here until the ring
    /// and the injector are empty, or the next maintenance tick, so that a task that
    /// yields in a loop steps aside for everything else that is ready, remote spawns
    /// included, not just for what happens to be in this worker's ring.
    deferred: Vec<Notified>,
    /// True while the worker sleeps; wakes that land in its queue then need no notify,
    /// the worker will see them when it wakes.
    parked: bool,
    /// Each worker's `Remote::polls` when this worker went to sleep watching the LIFO
    /// slots (empty when it does not watch).
    seen_polls: Vec<u64>,
    /// The last park ended within [`SHORT_PARK`]: the next watch sleeps the longer
    /// period (`lifo::watch_period`).
    parks_short: bool,
    rand: u32,
}

impl Core {
    pub(super) fn new(index: usize, run_queue: Local<Notified>, lifo: bool) -> Box<Core> {
        Box::new(Core {
            index,
            tick: 0,
            polls: 0,
            awake: std::time::Instant::now(),
            deferred: Vec::new(),
            lifo_enabled: lifo,
            run_queue,
            is_searching: false,
            parked: false,
            seen_polls: Vec::new(),
            parks_short: false,
            rand: 0x9E37_79B9u32.wrapping_mul(index as u32 + 1),
        })
    }

    pub(super) fn index(&self) -> usize {
        self.index
    }

    /// Moves the yielded tasks back into the ring, behind everything already there.
    /// Returns true if there were any.
    fn flush_deferred(&mut self, shared: &Arc<Shared>) -> bool {
        if self.deferred.is_empty() {
            return false;
        }
        for t in self.deferred.drain(..) {
            self.run_queue.push_back_or_overflow(t, shared);
        }
        true
    }

    /// The start of a steal's round of victims: a random one, so that searchers spread
    /// out instead of all hitting worker 0 first.
    fn next_rand(&mut self) -> u32 {
        // xorshift32
        let mut x = self.rand;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rand = x;
        x
    }

    /// The part of this worker that other threads may touch (steal end, parker, LIFO).
    fn remote<'a>(&self, shared: &'a Shared) -> &'a Remote {
        &shared.remotes[self.index]
    }

    /// Whether this worker holds more tasks than it will run next: the LIFO slot counts,
    /// so that two tasks woken together (a reader and a writer by one driver turn) are
    /// offered to another worker instead of running one after the other here.
    fn has_surplus(&self, shared: &Shared) -> bool {
        self.remote(shared).lifo.is_occupied() as usize + self.run_queue.len() > 1
    }

    /// Counts a poll about to start, for the LIFO watch of the other workers.
    fn count_poll(&mut self, shared: &Shared) {
        self.polls = self.polls.wrapping_add(1);
        self.remote(shared).polls.store(self.polls, Ordering::Relaxed);
    }

    /// Pushes tasks that a `defer_wakes` scope held back, in order.
    pub(super) fn schedule_batch(&mut self, shared: &Arc<Shared>, tasks: impl Iterator<Item = Notified>) {
        for t in tasks {
            self.run_queue.push_back_or_overflow(t, shared);
        }
    }

    /// Pushes a task this worker spawned or woke. Returns true if another worker should
    /// be woken to help.
    pub(super) fn schedule_local(&mut self, shared: &Arc<Shared>, task: Notified, is_yield: bool) -> bool {
        let spilled = if is_yield {
            self.deferred.push(task);
            false
        } else if !self.lifo_enabled {
            self.run_queue.push_back_or_overflow(task, shared);
            true
        } else {
            match self.remote(shared).lifo.push(task) {
                Some(prev) => {
                    self.run_queue.push_back_or_overflow(prev, shared);
                    true
                }
                // Nobody needs to know, unless nobody watches the LIFO slots while a
                // worker sleeps: then wake one, so that it watches (it will not take the
                // task unless this worker stays in its poll too long).
                None => !shared.lifo_watched.load(Ordering::Relaxed) && shared.idle.may_have_sleepers(),
            }
        };
        spilled && !self.parked
    }
}

/// The thread-local face of a worker.
pub(super) struct WorkerCx {
    shared: Arc<Shared>,
    pub(super) core: RefCell<Option<Box<Core>>>,
    /// A task polled here woke a `block_on` root since the worker last parked (`linger`).
    woke_root: Cell<bool>,
}

impl WorkerCx {
    /// Called by a `block_on` root's waker on this worker: if a task's poll woke it (not
    /// the driver's turn inside a park, whose wake-ups are I/O and timers), the caller may
    /// answer at once, and this worker lingers before it next parks (`linger`).
    pub(super) fn task_woke_root(&self) {
        if let Ok(core) = self.core.try_borrow() {
            if core.as_ref().is_some_and(|core| !core.parked) {
                self.woke_root.set(true);
            }
        }
    }

    /// This thread's worker context, if it is a worker of `shared`.
    pub(super) fn current(shared: &Arc<Shared>) -> Option<&WorkerCx> {
        let ptr = context::worker_for(Arc::as_ptr(shared) as *const ()) as *const WorkerCx;
        // SAFETY: a context registered under this runtime's owner pointer is a `WorkerCx`
        // (only `run` registers one), alive for the whole worker loop on this thread.
        unsafe { ptr.as_ref() }
    }
}

/// A worker thread's body: registers the thread as a worker of `shared`, runs the loop
/// until shutdown, then leaves its core in `shared.cores` so that shutdown drops the
/// tasks still in its ring on the thread that shuts down.
pub(super) fn run(shared: Arc<Shared>, core: Box<Core>) {
    let cx = WorkerCx { shared: shared.clone(), core: RefCell::new(None), woke_root: Cell::new(false) };
    let _enter = context::enter_runtime(
        Handle::Multi(shared.clone()),
        (Arc::as_ptr(&shared) as *const (), &cx as *const WorkerCx as *const ()),
    );
    let mut core = core;
    // This worker's timers go to its own wheel (see time/driver.rs).
    let outer_shard = context::set_timer_shard(core.index);
    if shared.common.timeline.is_some() {
        crate::observe::Timeline::enter_lane(core.index);
    }
    while !shared.is_shutdown() {
        core.tick = core.tick.wrapping_add(1);
        if core.tick % EVENT_INTERVAL == 0 {
            // Maintenance: a look at the driver without sleeping (the timers and I/O of a
            // runtime whose workers never park), and the yielded tasks go back into the
            // ring, so a yielding task cannot wait forever behind a busy queue. What the
            // look woke may be more than this worker will run soon: offer it to a sleeper.
            core = cx.park_timeout(core, Some(Duration::ZERO));
            core.flush_deferred(&shared);
            if core.has_surplus(&shared) {
                shared.notify_parked();
            }
        }
        // Own work first, then other workers' work, then sleep. Each `run_task` hands
        // the core back when the poll is over (module docs, "Who owns the core").
        if let Some(task) = cx.next_task(&mut core) {
            core = cx.run_task(task, core);
            continue;
        }
        if let Some(task) = cx.steal_work(&mut core) {
            core = cx.run_task(task, core);
            continue;
        }
        if let Some(task) = cx.linger(&mut core) {
            core = cx.run_task(task, core);
            continue;
        }
        core = cx.park(core);
    }
    // Shutdown: the LIFO slot and the yielded tasks hold queue entries (references to
    // tasks); release them here, and leave the ring to `shutdown`, which drops the tasks.
    drop(core.remote(&shared).lifo.take());
    core.deferred.clear();
    shared.cores.lock().push(core);
    context::set_timer_shard(outer_shard);
}

impl WorkerCx {
    /// The next task from this worker's own queues and the injector, in the order of
    /// the module docs of `multi_thread`; `None` when all are empty (time to steal).
    fn next_task(&self, core: &mut Core) -> Option<Notified> {
        if core.tick % GLOBAL_QUEUE_INTERVAL == 0 {
            // Remote spawns must not starve behind a queue that never empties (tasks that
            // keep yielding): take a fair share of the injector, not just one task.
            if let Some(t) = self.take_from_injector(core) {
                return Some(t);
            }
        }
        // The task the last poll woke: its data is likely still in this core's cache.
        if let Some(t) = core.remote(&self.shared).lifo.take() {
            return Some(t);
        }
        if let Some(t) = core.run_queue.pop() {
            return Some(t);
        }
        if let Some(t) = self.take_from_injector(core) {
            return Some(t);
        }
        // Only the tasks that yielded are left: now it is their turn. If there are more
        // of them than this worker can run at once, another worker may take some.
        if core.flush_deferred(&self.shared) {
            if core.has_surplus(&self.shared) {
                self.shared.notify_parked();
            }
            return core.run_queue.pop();
        }
        None
    }

    /// Moves a fair share of the injector into the ring and returns one task of it: its
    /// length divided among the workers, plus one, at most what the ring can take and at
    /// most 128, so that one worker does not take the whole injector while the others
    /// sleep, and a long injector drains in few lock acquisitions.
    fn take_from_injector(&self, core: &mut Core) -> Option<Notified> {
        let inject = &self.shared.inject;
        if inject.is_empty() {
            return None;
        }
        let workers = self.shared.remotes.len();
        let n = (inject.len() / workers + 1).min(core.run_queue.remaining_slots()).min(128);
        let mut first = None;
        inject.pop_n(n.max(1), |batch| {
            first = batch.next();
            core.run_queue.push_back_batch(batch);
        });
        first
    }

    /// Becomes a searcher (unless half the workers already search) and tries every other
    /// worker's ring once, from a random start, then the injector. A steal moves half
    /// the victim's ring into ours and returns one of the tasks (`ring.rs`).
    fn steal_work(&self, core: &mut Core) -> Option<Notified> {
        let shared = &self.shared;
        if !core.is_searching {
            if !shared.idle.transition_worker_to_searching() {
                return None;
            }
            core.is_searching = true;
        }
        // One round over the other workers, from a random start; a steal that finds the
        // victim's ring empty (or being stolen from by someone else) moves on.
        let n = shared.remotes.len();
        let start = core.next_rand() as usize % n;
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == core.index {
                continue;
            }
            let before = core.run_queue.len();
            if let Some(t) = shared.remotes[victim].steal.steal_into(&mut core.run_queue) {
                let stats = &core.remote(shared).stats;
                WorkerStats::bump(&stats.steals, 1);
                // The ring holds what the steal brought but the one returned to run now.
                WorkerStats::bump(&stats.stolen, 1 + core.run_queue.len().saturating_sub(before) as u64);
                if let Some(tl) = &shared.common.timeline {
                    tl.steal(victim);
                }
                return Some(t);
            }
        }
        // Tasks pushed to the injector after `next_task` looked at it.
        shared.inject.pop()
    }

    /// A searcher that found nothing, after its tasks woke a `block_on` caller, keeps
    /// looking for up to [`LINGER`] before it parks, if lingering has been paying
    /// (`spin.rs`).
    ///
    /// The woken caller is about to answer: a reply read, the next request put into a
    /// queue, the next spawn. That work goes to the injector, and a worker parked in the
    /// meantime costs the caller a wake-up (an `eventfd` write or a futex call) and itself
    /// a sleep and a wake per request; on a machine whose cores are shared, the woken
    /// worker may then wait tens of microseconds for a core. A lingering worker is still
    /// a searcher, so work submitted meanwhile wakes nobody: the linger finds it. A linger
    /// that runs out did not pay, and the next ones are skipped exponentially (as
    /// `block_on`'s spins are): a caller that does not answer costs a few failed lingers,
    /// not a spinning worker. Only a wake of the caller starts one, so a worker does not
    /// linger beside a caller that computes, or waits for something else.
    fn linger(&self, core: &mut Core) -> Option<Notified> {
        let shared = &self.shared;
        if !self.woke_root.replace(false) || !core.is_searching {
            return None;
        }
        let start = shared.linger.begin()?;
        loop {
            std::hint::spin_loop();
            if let Some(task) = self.steal_work(core) {
                shared.linger.end(start, LINGER);
                return Some(task);
            }
            if start.elapsed() > LINGER || shared.is_shutdown() {
                shared.linger.failed();
                return None;
            }
        }
    }

    /// Runs `task`, then whatever it put into the LIFO slot, up to `MAX_LIFO_POLLS` in a
    /// row; the core waits in `self.core` during each poll (module docs, "Who owns the
    /// core"). A searcher that found this task stops searching first.
    fn run_task(&self, task: Notified, mut core: Box<Core>) -> Box<Core> {
        let shared = &self.shared;
        if core.is_searching {
            core.is_searching = false;
            if shared.idle.transition_worker_from_searching() {
                // The last searcher found work. Tasks submitted while it searched woke
                // nobody (a searcher would find them): if any is still queued, wake a
                // sleeper for it. If none is (one request, one task), waking a worker
                // only to find nothing would cost a futex round trip per task.
                shared.notify_if_work_pending();
            }
        }
        core.count_poll(shared);
        // Lend the core to the task's wakers for the length of the poll.
        *self.core.borrow_mut() = Some(core);
        task.run();
        // A task that woke another put it in the LIFO slot: run it now, while its data is
        // warm, unless the slot has had its share of consecutive polls.
        let mut lifo_polls = 0;
        loop {
            let mut core = self.core.borrow_mut().take().expect("weft: worker core lost during a poll");
            let Some(next) = core.remote(shared).lifo.take() else { return core };
            if lifo_polls >= MAX_LIFO_POLLS {
                // Its turn comes after the queue's. Another worker is woken only if this
                // one now holds more than it runs next: waking one to steal the single
                // task of a hand-off chain (a lock passed from task to task) costs a
                // wake-up and a park per few polls, and moves the chain between cores.
                core.run_queue.push_back_or_overflow(next, shared);
                if core.has_surplus(shared) {
                    shared.notify_parked();
                }
                return core;
            }
            lifo_polls += 1;
            core.count_poll(shared);
            *self.core.borrow_mut() = Some(core);
            next.run();
        }
    }

    /// Nothing to run and nothing to steal: sleep until woken. The LIFO slot is emptied
    /// into the ring first (a sleeping worker's slot would be out of everyone's reach
    /// but a watcher's). Announcing the sleep and checking the queues once more is the
    /// no-lost-wake-up handshake of `idle.rs`. On waking, the worker starts out
    /// searching if it was woken to help, and passes surplus work on.
    fn park(&self, mut core: Box<Core>) -> Box<Core> {
        let shared = &self.shared;
        if let Some(t) = core.remote(shared).lifo.take() {
            core.run_queue.push_back_or_overflow(t, shared);
        }
        if !core.run_queue.is_empty() {
            return core;
        }
        let last_searcher = shared.idle.transition_worker_to_parked(core.index, core.is_searching);
        core.is_searching = false;
        if last_searcher {
            shared.notify_if_work_pending();
        }
        // While another worker is awake, one sleeper watches its LIFO slot.
        let watch = shared.idle.any_unparked()
            && shared.lifo_watched.compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed).is_ok();
        if watch {
            core.seen_polls.clear();
            core.seen_polls.extend(shared.remotes.iter().map(|r| r.polls.load(Ordering::Relaxed)));
        }
        let stats = &core.remote(shared).stats;
        let slept = std::time::Instant::now();
        WorkerStats::bump(&stats.busy_ns, slept.saturating_duration_since(core.awake).as_nanos() as u64);
        WorkerStats::bump(&stats.parks, 1);
        let period = watch_period(core.parks_short);
        core = self.park_timeout(core, watch.then_some(period));
        core.awake = std::time::Instant::now();
        core.parks_short = core.awake.saturating_duration_since(slept) < SHORT_PARK;
        if let Some(t) = &shared.common.timeline {
            t.park(slept, core.awake);
        }
        if watch {
            shared.lifo_watched.store(false, Ordering::Release);
        }
        if shared.is_shutdown() {
            return core;
        }
        core.is_searching = shared.idle.transition_worker_from_parked(core.index);
        if watch {
            self.watch_lifo_slots(&mut core);
        }
        if core.has_surplus(shared) {
            shared.notify_parked();
        }
        core
    }

    /// After a watch period: a worker that has not started a poll since this one went to
    /// sleep, and whose LIFO slot holds a task, is stuck in one long poll; its LIFO task
    /// would wait for the poll to end although this worker is free. Take it.
    fn watch_lifo_slots(&self, core: &mut Core) {
        for (i, remote) in self.shared.remotes.iter().enumerate() {
            if i == core.index || remote.polls.load(Ordering::Relaxed) != core.seen_polls[i] {
                continue;
            }
            if let Some(task) = remote.lifo.take() {
                core.run_queue.push_back_or_overflow(task, &self.shared);
            }
        }
    }

    /// Parks (in the driver if no one else holds it, else on the worker's condvar) with
    /// the core handed to `self.core`, so that timers and I/O the park fires can queue
    /// their tasks here. `Some(ZERO)` only polls the driver.
    fn park_timeout(&self, mut core: Box<Core>, timeout: Option<Duration>) -> Box<Core> {
        core.parked = true;
        *self.core.borrow_mut() = Some(core);
        self.shared.remotes[self.index()].parker.park(timeout);
        let mut core = self.core.borrow_mut().take().expect("weft: worker core lost while parked");
        core.parked = false;
        core
    }

    fn index(&self) -> usize {
        self.core.borrow().as_ref().map(|c| c.index).expect("core present")
    }
}
