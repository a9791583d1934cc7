//! The pool itself: a job channel, a set of threads that grows on demand and shrinks when
//! idle, and the two counters that decide both.
//!
//! # The state
//!
//! Everything that decides growth and retirement lives in one [`State`] behind one mutex:
//!
//! | field        | meaning                                                | changed by |
//! |--------------|--------------------------------------------------------|------------|
//! | `sender`     | `Some` while the pool accepts jobs                     | `shutdown` and `Drop` set it to `None` |
//! | `threads`    | live threads, counted from the moment one is reserved  | `+1` [`BlockingPool::spawn`]; `-1` a thread leaving its loop, or a failed start |
//! | `unfinished` | jobs sent and not yet finished (queued or running)     | `+1` `spawn`; `-1` a thread after running one, or shutdown dropping queued ones |
//!
//! The channel itself is *not* used for accounting: a receive happens outside the lock, so
//! `jobs.len()` is stale the moment it is read. `unfinished` changes only under the lock,
//! and a job is sent under the same lock that counts it.
//!
//! # Growth
//!
//! Every live thread is running a job or is in (or on its way into) its receive loop, so
//! `threads - unfinished` (when positive) is the number of threads with nothing to do.
//! `spawn` counts the new job, then starts a thread if `unfinished > threads` and the cap
//! allows it. That keeps
//!
//! > **Invariant G:** `threads >= min(unfinished, max_threads)`
//!
//! which says that below the cap every unfinished job has a thread of its own: a job never
//! waits behind another job while the pool could have grown. Above the cap, jobs wait in the
//! channel's FIFO order.
//!
//! The count errs toward growing, never toward waiting: a job stays `unfinished` until its
//! thread has woken the joiner and dropped what it must, so a job spawned in that instant
//! (typically by the task just woken) may start a thread that was not strictly needed. The
//! spare retires after `keep_alive`.
//!
//! # Retirement, and why it cannot strand a job
//!
//! A waiting thread gives up after `keep_alive` without a job (`recv_timeout`). The race to
//! fear: the thread's timeout fires, and at that very moment `spawn` sees the thread as idle,
//! sends a job for it and starts nobody; the thread then exits, and the job sits in the
//! channel with no one to run it.
//!
//! So a timed-out thread does not simply exit. It takes the lock and retires only if
//! `unfinished < threads`, that is, if the others would still cover every unfinished job;
//! otherwise it goes back to `recv_timeout`. The argument, in three facts:
//!
//! 1. `spawn` sends, counts and decides on growth in one critical section; retirement checks
//!    and decrements `threads` in one critical section of the same lock. So the two are
//!    ordered: either the retiring thread's check already counts the job, or `spawn`'s
//!    growth decision already sees the lowered `threads`. No decision rests on a stale count.
//! 2. Retirement preserves Invariant G: it happens only if `unfinished <= threads - 1`.
//!    In particular, while any job is unfinished at least one thread remains, and no thread
//!    retires at all while the pool is at its cap with jobs waiting.
//! 3. A thread that has not retired keeps calling `recv_timeout` whenever it is not running
//!    a job, and a message in the channel is returned to whichever receiver asks next. A
//!    timeout that races with a send is harmless: the thread re-checks under the lock, sees
//!    the job counted, and receives it on its next call.
//!
//! Hence every job in the channel is eventually received. The check is deliberately about
//! counts, not about which thread a job "belongs" to: any waiting thread may take any job.
//!
//! # Shutdown
//!
//! [`BlockingPool::shutdown`] drops the sender. Threads keep receiving until the channel is
//! empty, then see it disconnected and exit, so queued jobs still run. If the timeout expires
//! first, the jobs still queued are dropped; each job's `Completer` then resolves its
//! [`BlockingJoin`] to [`BlockingError::Shutdown`], so no joiner waits on a thread that
//! may never come back.

use std::fmt;
use std::mem;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use parking_lot::{Condvar, Mutex, MutexGuard};

use super::error::{BlockingError, BlockingSpawnError, panic_message};
use super::join::{self, BlockingJoin};

/// How a [`BlockingPool`] sizes and names its threads.
#[derive(Clone)]
pub(crate) struct BlockingConfig {
    /// The most threads the pool runs at once; at least 1. Jobs beyond it wait, in FIFO
    /// order, for a thread to finish.
    pub max_threads: usize,
    /// How long a thread waits for a job before it retires.
    pub keep_alive: Duration,
    /// Called once per thread started, for the thread's name. It runs on the thread that
    /// calls [`BlockingPool::spawn`] and should be quick and not panic.
    pub thread_name: Arc<dyn Fn() -> String + Send + Sync>,
}

impl Default for BlockingConfig {
    /// tokio's defaults: up to 512 threads, each retiring after 10 s idle; threads named
    /// `weft-blocking-1`, `weft-blocking-2`, ... (numbered per pool).
    ///
    /// **Rationale:** blocking jobs mostly wait (on disks, DNS, locks), so a generous cap
    /// costs little, and 10 s keeps a thread warm across bursts without hoarding them.
    fn default() -> Self {
        let next = AtomicUsize::new(1);
        BlockingConfig {
            max_threads: 512,
            keep_alive: Duration::from_secs(10),
            thread_name: Arc::new(move || format!("weft-blocking-{}", next.fetch_add(1, Ordering::Relaxed))),
        }
    }
}

impl fmt::Debug for BlockingConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingConfig")
            .field("max_threads", &self.max_threads)
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}

/// A job as it travels through the channel: the user's closure wrapped so that it catches
/// its own panic and fills its slot. Dropping it unrun fills the slot with `Shutdown`.
type Job = Box<dyn FnOnce() + Send>;

/// A pool of threads for closures that block: the runtime's `spawn_blocking`, asyncio's
/// `to_thread`. See the module docs for how it grows, retires and shuts down.
///
/// `Send + Sync`; the runtime shares one through an `Arc`. Dropping the pool closes it like
/// [`shutdown`](Self::shutdown) but without waiting: queued jobs still run on the remaining
/// threads, which then exit on their own.
pub(crate) struct BlockingPool {
    shared: Arc<Shared>,
}

/// What the pool handle and its threads share.
struct Shared {
    state: Mutex<State>,
    /// Notified whenever a thread leaves, so `shutdown` can wait for `threads == 0`.
    thread_exited: Condvar,
    /// Every thread receives from this clone; keeping it here also means the channel is
    /// never disconnected on the receiving side, so a send cannot fail.
    jobs: Receiver<Job>,
    config: BlockingConfig,
}

/// The accounting behind growth and retirement; the table in the module docs explains
/// each field.
struct State {
    sender: Option<Sender<Job>>,
    threads: usize,
    unfinished: usize,
}

impl BlockingPool {
    /// Creates a pool with no threads; the first [`spawn`](Self::spawn) starts one.
    ///
    /// # Panics
    ///
    /// If `config.max_threads` is 0.
    pub(crate) fn new(config: BlockingConfig) -> Self {
        assert!(config.max_threads >= 1, "BlockingConfig::max_threads must be at least 1");
        let (sender, jobs) = crossbeam_channel::unbounded();
        let state = State { sender: Some(sender), threads: 0, unfinished: 0 };
        BlockingPool {
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                thread_exited: Condvar::new(),
                jobs,
                config,
            }),
        }
    }

    /// Runs `f` on a pool thread and returns a future of its result.
    ///
    /// Grows on demand: if no thread is free and fewer than `max_threads` exist, a thread
    /// is started; otherwise the job waits in FIFO order for a thread. A panic in `f` is
    /// caught and reported as [`BlockingError::Panicked`]; the thread lives on.
    ///
    /// # Errors
    ///
    /// [`BlockingSpawnError::Shutdown`] once [`shutdown`](Self::shutdown) has begun; `f` is
    /// dropped without running.
    ///
    /// # Panics
    ///
    /// If the operating system refuses to start a thread while the pool has none (so the
    /// job could never run), like `std::thread::spawn`. If it refuses while other threads
    /// exist, the job waits for them instead.
    pub(crate) fn spawn<F, R>(&self, f: F) -> Result<BlockingJoin<R>, BlockingSpawnError>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (completer, join) = join::pair();
        let job: Job = Box::new(move || {
            let (result, payload) = match panic::catch_unwind(AssertUnwindSafe(f)) {
                Ok(value) => (Ok(value), None),
                Err(payload) => (Err(BlockingError::Panicked(panic_message(&*payload))), Some(payload)),
            };
            // Report first: dropping the payload runs foreign code that might panic again.
            completer.complete(result);
            drop(payload);
        });

        let mut state = self.shared.state.lock();
        let Some(sender) = &state.sender else {
            drop(state);
            return Err(BlockingSpawnError::Shutdown);
        };
        if sender.send(job).is_err() {
            unreachable!("Shared holds a receiver, so the job channel is never disconnected");
        }
        state.unfinished += 1;
        let start_thread = state.unfinished > state.threads && state.threads < self.shared.config.max_threads;
        if start_thread {
            state.threads += 1;
        }
        drop(state);

        if start_thread {
            self.start_thread();
        }
        Ok(join)
    }

    /// Starts one thread for a slot that `spawn` already counted in `threads`.
    fn start_thread(&self) {
        // Gives the slot back if naming or starting the thread fails, by error or by panic.
        let reservation = Reservation(&self.shared);
        let name = (self.shared.config.thread_name)();
        let shared = Arc::clone(&self.shared);
        match thread::Builder::new().name(name).spawn(move || run_thread(shared)) {
            // The handle is dropped: threads are detached, and `shutdown` waits on the
            // `threads` count instead, because only that wait can have a timeout.
            Ok(_detached) => mem::forget(reservation),
            Err(error) => {
                let threads_left = reservation.release();
                if threads_left == 0 {
                    panic!("weft: failed to start a blocking pool thread: {error}");
                }
            }
        }
    }

    /// Refuses new jobs, lets queued and running jobs finish, and waits up to `timeout`
    /// (`None`: forever) for every thread to exit. Returns `true` if all exited.
    ///
    /// On `false`, jobs that no thread had started yet are dropped, so their
    /// [`BlockingJoin`]s resolve to [`BlockingError::Shutdown`] now instead of waiting on
    /// threads that may never finish; jobs already running go on, detached. Calling it again
    /// later is allowed, and waits again.
    ///
    /// Must not be called with `None` from a closure running on this pool: the calling
    /// thread would wait for itself.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) -> bool {
        // A timeout too large for `Instant` means the same as none.
        let deadline = timeout.and_then(|timeout| Instant::now().checked_add(timeout));
        let mut state = self.shared.state.lock();
        // Dropping the sender runs no foreign code: it marks the channel disconnected.
        state.sender = None;
        while state.threads > 0 {
            match deadline {
                None => self.shared.thread_exited.wait(&mut state),
                Some(deadline) => {
                    if self.shared.thread_exited.wait_until(&mut state, deadline).timed_out() {
                        break;
                    }
                }
            }
        }
        let all_exited = state.threads == 0;
        drop(state);
        self.drop_queued_jobs();
        all_exited
    }

    /// Drops every job still in the channel, resolving their joins to `Shutdown`. Only
    /// called after the sender is gone, so no job can arrive behind them.
    fn drop_queued_jobs(&self) {
        let dropped: Vec<Job> = self.shared.jobs.try_iter().collect();
        let count = dropped.len();
        // Each `Completer` fills its slot and wakes its joiner here, outside the lock.
        drop(dropped);
        if count > 0 {
            self.shared.state.lock().unfinished -= count;
        }
    }

    /// Whether the calling thread is one of this pool's threads (a job asking, for
    /// instance, because it is about to wait for the pool to shut down).
    pub(crate) fn is_pool_thread(&self) -> bool {
        POOL_OF_THIS_THREAD.with(|p| std::ptr::eq(p.get(), Arc::as_ptr(&self.shared)))
    }

    /// Jobs sent and not yet finished (queued or running): while there are any, a paused
    /// clock does not auto-advance, since a job's result may wake a task.
    pub(crate) fn unfinished(&self) -> usize {
        self.shared.state.lock().unfinished
    }

    /// Live threads: started (or being started) and not yet out of their loop.
    pub(crate) fn thread_count(&self) -> usize {
        self.shared.state.lock().threads
    }

    /// Threads with no job to run: live threads not claimed by an unfinished job. They wait
    /// for one, or are about to retire.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn idle_count(&self) -> usize {
        let state = self.shared.state.lock();
        state.threads.saturating_sub(state.unfinished)
    }
}

#[cfg(test)]
impl BlockingPool {
    /// Holds the accounting lock until the returned guard drops, so a test can force the
    /// interleaving of `spawn` and retirement that the module docs argue about.
    pub(super) fn hold_lock_for_test(&self) -> impl Sized + '_ {
        self.shared.state.lock()
    }
}

impl Drop for BlockingPool {
    /// Closes the pool without waiting; see the type's docs.
    fn drop(&mut self) {
        self.shared.state.lock().sender = None;
    }
}

impl fmt::Debug for BlockingPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state.lock();
        f.debug_struct("BlockingPool")
            .field("threads", &state.threads)
            .field("unfinished", &state.unfinished)
            .field("accepting", &state.sender.is_some())
            .finish()
    }
}

/// One reserved slot in `State::threads` that has no thread yet. Dropping it (on a panic
/// in `thread_name`) gives the slot back; so does [`release`](Self::release).
struct Reservation<'a>(&'a Shared);

impl Reservation<'_> {
    /// Gives the slot back; returns how many threads remain.
    fn release(self) -> usize {
        let threads_left = self.0.leave(self.0.state.lock());
        mem::forget(self);
        threads_left
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        self.0.leave(self.0.state.lock());
    }
}

impl Shared {
    /// Removes one thread from the count, in the critical section `state` holds, then
    /// tells `shutdown`; returns how many threads remain.
    fn leave(&self, mut state: MutexGuard<'_, State>) -> usize {
        state.threads -= 1;
        let threads_left = state.threads;
        drop(state);
        self.thread_exited.notify_all();
        threads_left
    }

    /// Retires the calling thread if the others cover every unfinished job (the check the
    /// module docs argue for), deciding and leaving in one critical section; `false` means:
    /// stay and wait for a job again.
    fn try_retire(&self) -> bool {
        let state = self.state.lock();
        if state.unfinished < state.threads {
            self.leave(state);
            true
        } else {
            false
        }
    }
}

thread_local! {
    /// The pool whose thread this is, for [`BlockingPool::is_pool_thread`]; only compared,
    /// never dereferenced.
    static POOL_OF_THIS_THREAD: std::cell::Cell<*const Shared> = const { std::cell::Cell::new(std::ptr::null()) };
}

/// The loop of one pool thread: run jobs until idle for `keep_alive` with nothing left for
/// it to do, or until the pool is shut down and the channel is drained.
fn run_thread(shared: Arc<Shared>) {
    POOL_OF_THIS_THREAD.with(|p| p.set(Arc::as_ptr(&shared)));
    let keep_alive = shared.config.keep_alive;
    loop {
        match shared.jobs.recv_timeout(keep_alive) {
            Ok(job) => {
                // The job catches the closure's panic itself; this catches the rest
                // (dropping a detached result, a waker's `wake`) so the thread lives on.
                // The payload is leaked rather than dropped: dropping it could panic again.
                if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(job)) {
                    mem::forget(payload);
                }
                shared.state.lock().unfinished -= 1;
            }
            Err(RecvTimeoutError::Timeout) => {
                if shared.try_retire() {
                    return;
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                shared.leave(shared.state.lock());
                return;
            }
        }
    }
}

/// Compile-time check of the auto traits the runtime relies on.
fn _ensure_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn unpin<T: Unpin>() {}
    send_sync::<BlockingPool>();
    send_sync::<BlockingJoin<Vec<u8>>>();
    unpin::<BlockingJoin<std::marker::PhantomPinned>>();
    send_sync::<BlockingError>();
    send_sync::<BlockingSpawnError>();
}
