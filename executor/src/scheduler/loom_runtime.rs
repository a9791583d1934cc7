//! loom models of a whole small runtime: tasks spawned, woken, cancelled, aborted and
//! joined across worker threads, end to end through weft's own machinery.
//!
//! # What runs for real, and what is a stand-in
//!
//! A weft runtime cannot run under loom as it is: its driver is mio (an `epoll` file
//! descriptor and an `eventfd`, system calls that block outside loom's scheduler, which
//! then cannot decide who runs next), and its worker loops are typed over that driver and
//! started with `std::thread`. So these models assemble a runtime from weft's parts and
//! replace only the driver and the loop:
//!
//! | part | here |
//! |---|---|
//! | task cells: state word, harness, wakers, join handles, cancel word, owned list | weft's (`task/`), with loom's atomics |
//! | run queues: each worker's ring, stealing, the injector | weft's (`ring.rs`, `inject.rs`) |
//! | sleeping and waking a worker | weft's `Parker`, on its condvar (the stand-in driver is never free) |
//! | the worker loop | a stand-in: own ring, injector, steal from the other, park |
//! | I/O and timers | none; wake-ups come from other threads, as a reactor's would |
//!
//! The models check what a user of a runtime relies on, whatever the interleaving: every
//! task runs to its end (a lost wake-up leaves a worker parked for ever, which loom
//! reports as a deadlock), a task is never polled by two workers at once, each future
//! is dropped exactly once, and a cancellation or abort that races a wake-up gives the
//! join handle the outcome that `cancel()`'s or `abort()`'s answer promised.
//!
//! Run: `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" cargo test -p weft-executor --release --lib -- loom_runtime`

use super::inject::Inject;
use super::park::{ParkDriver, Parker};
use super::ring::{self, Local, Overflow, Steal};
use crate::sync::Mutex;
use crate::task::{self, Header, Notified, OwnedTasks, Schedule, Task};
use loom::sync::atomic::{AtomicBool, AtomicUsize};
use std::cell::RefCell;
use std::future::{Future, poll_fn};
use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Poll, Waker};
use std::time::Duration;

/// A driver that is always held by someone else: workers park on their condvar.
struct NoDriver;

impl ParkDriver for NoDriver {
    type Guard<'a> = ();
    fn try_lock(&self) -> Option<()> {
        None
    }
    fn park_core(&self, _: &mut (), _: Option<Duration>) {
        unreachable!("never held")
    }
    fn try_park(&self, _: Option<Duration>) -> bool {
        false
    }
    fn unpark(&self) {}
}

/// The runtime: weft's owned list and injector, one ring and one parker per worker.
struct Rt {
    owned: OwnedTasks,
    inject: Inject<Notified>,
    steal: Vec<Steal<Notified>>,
    parkers: Vec<Parker<NoDriver>>,
    stop: AtomicBool,
}

loom::thread_local! {
    /// The worker this thread is, with its ring: wake-ups on a worker go to its ring.
    static WORKER: RefCell<Option<(usize, Local<Notified>)>> = RefCell::new(None);
}

impl Schedule for Arc<Rt> {
    fn schedule(&self, task: Notified) {
        let spilled = WORKER.with(|w| match w.try_borrow_mut().as_deref_mut() {
            Ok(Some((_, local))) => {
                local.push_back_or_overflow(task, &self.inject);
                None
            }
            _ => Some(task),
        });
        if let Some(task) = spilled {
            self.inject.push(task);
        }
        // Every sleeping worker is told; the parker remembers an unpark that arrives
        // before the park, so none is lost between "found nothing" and "asleep".
        for p in &self.parkers {
            p.unpark();
        }
    }

    fn release(&self, task: &Header) -> bool {
        self.owned.remove(task)
    }
}

impl Rt {
    fn new(workers: usize) -> (Arc<Rt>, Vec<Local<Notified>>) {
        let (steal, locals): (Vec<_>, Vec<_>) = (0..workers).map(|_| ring::new()).unzip();
        let parkers = (0..workers).map(|_| Parker::new(Arc::new(NoDriver))).collect();
        let rt = Rt {
            owned: OwnedTasks::new(),
            inject: Inject::new(),
            steal,
            parkers,
            stop: AtomicBool::new(false),
        };
        (Arc::new(rt), locals)
    }

    fn spawn<F: Future + Send + 'static>(self: &Arc<Self>, f: F) -> Task<F::Output>
    where
        F::Output: Send + 'static,
    {
        let (task, notified) =
            task::spawn_into(&self.owned, f, self.clone(), None, None).unwrap_or_else(|_| panic!("open"));
        self.schedule(notified);
        task
    }

    /// The next task for worker `index`: its ring, the injector, then half of another
    /// worker's ring.
    fn next_task(&self, index: usize) -> Option<Notified> {
        WORKER.with(|w| {
            let mut w = w.borrow_mut();
            let (_, local) = w.as_mut().expect("a worker");
            if let Some(t) = local.pop() {
                return Some(t);
            }
            if let Some(t) = self.inject.pop() {
                return Some(t);
            }
            let others = (1..self.steal.len()).map(|k| (index + k) % self.steal.len());
            others.into_iter().find_map(|v| self.steal[v].steal_into(local))
        })
    }

    /// A worker's loop, until the model stops it.
    fn run_worker(self: Arc<Self>, index: usize, local: Local<Notified>) {
        WORKER.with(|w| *w.borrow_mut() = Some((index, local)));
        while !self.stop.load(SeqCst) {
            match self.next_task(index) {
                Some(task) => task.run(),
                None => self.parkers[index].park(None),
            }
        }
        let (_, mut local) = WORKER.with(|w| w.borrow_mut().take()).expect("set above");
        assert!(local.pop().is_none(), "a task was left in a ring");
    }

    /// Starts the workers.
    fn start(self: &Arc<Self>, locals: Vec<Local<Notified>>) -> Vec<loom::thread::JoinHandle<()>> {
        locals
            .into_iter()
            .enumerate()
            .map(|(i, local)| {
                let rt = self.clone();
                loom::thread::spawn(move || rt.run_worker(i, local))
            })
            .collect()
    }

    /// Stops the workers once every task has ended, and checks nothing is left.
    fn stop(self: &Arc<Self>, workers: Vec<loom::thread::JoinHandle<()>>) {
        self.stop.store(true, SeqCst);
        for p in &self.parkers {
            p.unpark();
        }
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(self.owned.len(), 0, "every task ended");
        assert!(self.inject.pop().is_none(), "nothing left queued");
    }
}

/// A lock with a list of wakers: `acquire` waits while it is held, `release` wakes the
/// waiters (the test's own, so that the model stays in this crate).
struct TestLock {
    state: Mutex<(bool, Vec<Waker>)>,
}

impl TestLock {
    fn new() -> TestLock {
        TestLock { state: Mutex::new((false, Vec::new())) }
    }

    async fn acquire(&self) {
        poll_fn(|cx| {
            let mut s = self.state.lock();
            if s.0 {
                s.1.push(cx.waker().clone());
                Poll::Pending
            } else {
                s.0 = true;
                Poll::Ready(())
            }
        })
        .await
    }

    fn release(&self) {
        let waiters = {
            let mut s = self.state.lock();
            s.0 = false;
            std::mem::take(&mut s.1)
        };
        for w in waiters {
            w.wake();
        }
    }
}

/// A flag set from outside the runtime (as a reactor would), with the task's waker.
struct Flag {
    state: Mutex<(bool, Option<Waker>)>,
}

impl Flag {
    fn new() -> Flag {
        Flag { state: Mutex::new((false, None)) }
    }

    fn set(&self) {
        let waker = {
            let mut s = self.state.lock();
            s.0 = true;
            s.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Waits for the flag: a checkpoint, like every wait weft provides.
    async fn wait(&self) -> Result<(), crate::Cancelled> {
        poll_fn(|cx| {
            crate::cancel::check()?;
            let mut s = self.state.lock();
            if s.0 {
                Poll::Ready(Ok(()))
            } else {
                s.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

/// Counts live futures: each must be dropped exactly once.
struct Live(Arc<AtomicUsize>);

impl Live {
    fn new(count: &Arc<AtomicUsize>) -> Live {
        count.fetch_add(1, SeqCst);
        Live(count.clone())
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.0.fetch_sub(1, SeqCst);
    }
}

/// Two workers; two tasks hand a lock back and forth (one of them yields while it holds
/// it, so the other finds it taken and waits). Both finish, never inside together, and
/// every wake-up reaches a worker.
///
/// Two workers with rings, stealing and parkers make a large state space: this model is
/// explored with at most one preemption (every interleaving of the threads' blocking
/// points, and one forced switch anywhere), which keeps it to a few minutes.
#[test]
fn loom_runtime_two_tasks_hand_a_lock_back_and_forth() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(model.preemption_bound.map_or(1, |b| b.min(1)));
    model.check(|| {
        let (rt, locals) = Rt::new(2);
        let workers = rt.start(locals);
        let lock = Arc::new(TestLock::new());
        let inside = Arc::new(AtomicUsize::new(0));
        let task = |yields: bool| {
            let (lock, inside) = (lock.clone(), inside.clone());
            rt.spawn(async move {
                lock.acquire().await;
                assert_eq!(inside.fetch_add(1, SeqCst), 0, "two holders");
                if yields {
                    crate::yield_now().await.unwrap();
                }
                inside.fetch_sub(1, SeqCst);
                lock.release();
            })
        };
        let a = task(true);
        let b = task(false);
        loom::future::block_on(a).unwrap();
        loom::future::block_on(b).unwrap();
        rt.stop(workers);
    });
}

/// One worker; a task waits for a flag that another thread sets, while this thread
/// cancels the task. The task ends once, with its value or cancelled; if `cancel()` said
/// it was already finished, with its value.
#[test]
fn loom_runtime_cancel_races_a_wake() {
    loom::model(|| {
        let (requested, out, live) = cancel_races_a_wake();
        if !requested {
            assert_eq!(out, Ok(Ok(())), "finished before the cancel");
        }
        assert!(out.is_ok() || out.as_ref().is_err_and(|e| e.is_cancelled()), "{out:?}");
        assert_eq!(live, 0, "the future was dropped");
    });
}

/// The design's promise for a request that lands while the task's last poll runs on
/// another thread (cancel/state.rs, "A request that races the end"): it is ordered after
/// that poll, so the task keeps what the poll returned. Whatever `cancel()` said, the
/// handle gets either the future's own value (no `Cancelled` was made for it) or a
/// cancellation, never a value that was cut short; and if `cancel()` said no, the value.
#[test]
fn loom_runtime_cancel_that_lands_in_the_last_poll_keeps_the_value() {
    loom::model(|| {
        let (requested, out, _) = cancel_races_a_wake();
        match &out {
            Ok(v) => assert_eq!(v, &Ok(()), "the value the future returned, intact"),
            Err(e) => assert!(requested && e.is_cancelled(), "{out:?}"),
        }
    });
}

/// The race of the two models above: what `cancel()` said, what the handle got, and how
/// many futures are still alive.
#[allow(clippy::type_complexity)]
fn cancel_races_a_wake() -> (bool, Result<Result<(), crate::Cancelled>, crate::JoinError>, usize) {
    let (rt, locals) = Rt::new(1);
    let workers = rt.start(locals);
    let flag = Arc::new(Flag::new());
    let live = Arc::new(AtomicUsize::new(0));
    let t = {
        let (flag, guard) = (flag.clone(), Live::new(&live));
        rt.spawn(async move {
            let _guard = guard;
            flag.wait().await
        })
    };
    let setter = {
        let flag = flag.clone();
        loom::thread::spawn(move || flag.set())
    };
    let requested = t.cancel(None);
    let out = loom::future::block_on(t);
    setter.join().unwrap();
    rt.stop(workers);
    (requested, out, live.load(SeqCst))
}

/// One worker; an abort races the wake-up of the task it aborts: the join handle sees
/// either the value or the abort, and the future is dropped exactly once.
#[test]
fn loom_runtime_abort_races_a_wake() {
    loom::model(|| {
        let (rt, locals) = Rt::new(1);
        let workers = rt.start(locals);
        let flag = Arc::new(Flag::new());
        let live = Arc::new(AtomicUsize::new(0));
        let t = {
            let (flag, guard) = (flag.clone(), Live::new(&live));
            rt.spawn(async move {
                let _guard = guard;
                flag.wait().await.map(|()| 7)
            })
        };
        let setter = {
            let flag = flag.clone();
            loom::thread::spawn(move || flag.set())
        };
        t.abort();
        match loom::future::block_on(t) {
            Ok(v) => assert_eq!(v, Ok(7)),
            Err(e) => assert!(e.is_cancelled(), "{e:?}"),
        }
        setter.join().unwrap();
        rt.stop(workers);
        assert_eq!(live.load(SeqCst), 0, "the future was dropped");
    });
}

/// The current-thread shape: no worker threads; the model thread runs the loop itself
/// while another thread wakes its only task from outside (through the injector). The
/// wake-up is never lost between the loop finding its queues empty and parking.
#[test]
fn loom_runtime_remote_wake_reaches_a_single_loop() {
    loom::model(|| {
        let (rt, mut locals) = Rt::new(1);
        let flag = Arc::new(Flag::new());
        let mut t = {
            let flag = flag.clone();
            rt.spawn(async move { flag.wait().await.map(|()| 3) })
        };
        let setter = {
            let flag = flag.clone();
            loom::thread::spawn(move || flag.set())
        };
        WORKER.with(|w| *w.borrow_mut() = Some((0, locals.pop().unwrap())));
        let out = loop {
            if let Poll::Ready(out) = crate::scheduler::loom_runtime::poll_now(&mut t) {
                break out;
            }
            match rt.next_task(0) {
                Some(task) => task.run(),
                None => rt.parkers[0].park(None),
            }
        };
        assert_eq!(out, Ok(Ok(3)));
        WORKER.with(|w| w.borrow_mut().take());
        setter.join().unwrap();
        assert_eq!(rt.owned.len(), 0);
    });
}

/// Polls a join handle once, with a waker that does nothing (the loop polls it again
/// after every task it runs).
fn poll_now<T>(t: &mut Task<T>) -> Poll<Result<T, crate::JoinError>> {
    std::pin::Pin::new(t).poll(&mut std::task::Context::from_waker(Waker::noop()))
}

/// The overflow of a full ring goes to the injector (the trait is what the ring needs).
fn _inject_is_an_overflow(i: &Inject<Notified>) -> &impl Overflow<Notified> {
    i
}
