//! Misuse of the primitives: every mistake a user can make at run time, with the outcome
//! weft documents for it (a typed error, a panic whose message says what to do, or a
//! documented behaviour), never a hang, an abort or a lost value. Each case runs under a
//! watchdog, so a hang fails in seconds. docs/misuse.md lists every case with its outcome.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;
use weft_executor::{Cancelled, Runtime};
use weft_primitives::oneshot::{self, RecvError, TryRecvError};
use weft_primitives::{
    Barrier, BarrierError, BoundedSemaphore, Condition, ConditionError, Event, GetError, InvalidParties,
    Lock, NotLocked, PutError, Queue, ReleasedTooManyTimes, Semaphore, TaskDoneError, TryGetError,
    TryPutError,
};

/// A body that has not finished by then has hung.
const LIMIT: Duration = Duration::from_secs(20);

/// Runs `f` on its own thread; a hang fails the test after `LIMIT`, a panic is re-raised.
fn watchdog<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    let body = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(LIMIT) {
        Ok(v) => {
            body.join().unwrap();
            v
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match body.join() {
            Err(p) => std::panic::resume_unwind(p),
            Ok(()) => unreachable!("the body neither returned nor panicked"),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("hung: no result after {LIMIT:?}"),
    }
}

/// Runs the body on a current-thread runtime (asyncio's exact order), under the watchdog.
fn current<F: Future<Output = ()>>(body: impl FnOnce() -> F + Send + 'static) {
    watchdog(move || Runtime::builder().current_thread().build().unwrap().block_on(body()));
}

/// Runs the body on a two-worker runtime, under the watchdog.
fn multi<F: Future<Output = ()>>(body: impl FnOnce() -> F + Send + 'static) {
    watchdog(move || Runtime::builder().worker_threads(2).build().unwrap().block_on(body()));
}

/// `await asyncio.sleep(0)`.
async fn tick() {
    weft_executor::yield_now().await.unwrap();
}

/// The message of a panic raised by `f`.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Counts drops; optionally panics in its own drop, or runs a closure there.
struct Item {
    drops: Arc<AtomicUsize>,
    on_drop: Option<Box<dyn FnOnce() + Send>>,
    panic: bool,
}

impl Item {
    fn new(drops: &Arc<AtomicUsize>) -> Item {
        Item { drops: drops.clone(), on_drop: None, panic: false }
    }
    fn panicking(drops: &Arc<AtomicUsize>) -> Item {
        Item { drops: drops.clone(), on_drop: None, panic: true }
    }
    fn calling(drops: &Arc<AtomicUsize>, f: impl FnOnce() + Send + 'static) -> Item {
        Item { drops: drops.clone(), on_drop: Some(Box::new(f)), panic: false }
    }
}

impl Drop for Item {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
        if let Some(f) = self.on_drop.take() {
            f();
        }
        if self.panic {
            panic!("item drop panics");
        }
    }
}

impl std::fmt::Debug for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Item")
    }
}

// ---------------------------------------------------------------------------------------
// Lock

#[test]
fn lock_release_unlocked_is_not_locked() {
    watchdog(|| {
        let lock = Lock::new();
        assert_eq!(lock.release(), Err(NotLocked));
        assert!(!lock.locked());
        assert!(lock.try_acquire().is_some(), "the refused release added no permit");
    });
}

/// The reported defect: the holder releases twice while a waiter is queued. The second
/// release must be refused (asyncio's RuntimeError): the lock already belongs to the
/// waiter, and accepting it made a second holder possible.
#[test]
fn lock_double_release_with_a_queued_waiter_is_refused() {
    current(|| async {
        let lock = Arc::new(Lock::new());
        lock.acquire_raw().await.unwrap();
        let holding = Arc::new(Event::new());
        let done = Arc::new(Event::new());
        let waiter = weft_executor::spawn({
            let (lock, holding, done) = (lock.clone(), holding.clone(), done.clone());
            async move {
                let _guard = lock.acquire().await?;
                holding.set();
                done.wait().await
            }
        });
        tick().await;
        assert_eq!(lock.waiters(), 1);
        assert_eq!(lock.release(), Ok(()));
        assert_eq!(lock.release(), Err(NotLocked), "the lock is the waiter's now");
        holding.wait().await.unwrap();
        assert!(lock.locked());
        assert!(lock.try_acquire().is_none(), "a second holder beside the waiter");
        done.set();
        waiter.await.unwrap().unwrap();
        assert!(!lock.locked());
        assert!(lock.try_acquire().is_some());
    });
}

#[test]
fn lock_raw_release_then_guard_drop_adds_no_permit() {
    current(|| async {
        let lock = Lock::new();
        let guard = lock.acquire().await.unwrap();
        lock.release().unwrap(); // the misuse: the guard still thinks it holds the lock
        let other = lock.try_acquire().expect("free after the raw release");
        drop(guard); // releases `other`'s lock: the guard cannot tell
        assert!(!lock.locked());
        let a = lock.try_acquire();
        assert!(a.is_some());
        assert!(lock.try_acquire().is_none(), "still one permit at most");
        drop(a);
        drop(other); // the third release finds nothing held: refused, silently
        assert!(lock.try_acquire().is_some());
        assert!(lock.try_acquire().is_some(), "never more than one permit");
    });
}

#[test]
fn lock_forgotten_guard_stays_locked_until_release() {
    current(|| async {
        let lock = Lock::new();
        lock.acquire().await.unwrap().forget();
        assert!(lock.locked());
        assert!(lock.try_acquire().is_none());
        lock.release().unwrap();
        assert!(!lock.locked());
    });
}

#[test]
fn lock_holder_panics_and_the_guard_releases() {
    multi(|| async {
        let lock = Arc::new(Lock::new());
        let t = weft_executor::spawn({
            let lock = lock.clone();
            async move {
                let _g = lock.acquire().await.unwrap();
                panic!("holder panics");
            }
        });
        let err = t.await.unwrap_err();
        assert!(err.is_panic());
        assert_eq!(err.panic_message(), Some("holder panics"));
        let _g = lock.acquire().await.unwrap();
    });
}

#[test]
fn lock_acquire_dropped_after_the_hand_off_passes_the_lock_on() {
    current(|| async {
        let lock = Arc::new(Lock::new());
        lock.acquire_raw().await.unwrap();
        let mut first = Box::pin(lock.acquire());
        let waker = Waker::noop();
        assert!(first.as_mut().poll(&mut Context::from_waker(waker)).is_pending());
        let second = weft_executor::spawn({
            let lock = lock.clone();
            async move { lock.acquire().await.map(drop) }
        });
        tick().await;
        lock.release().unwrap(); // handed to `first`, which never runs again
        drop(first);
        second.await.unwrap().unwrap();
        assert!(!lock.locked());
    });
}

#[test]
fn lock_shared_between_two_runtimes() {
    watchdog(|| {
        let lock = Arc::new(Lock::new());
        let a = Runtime::builder().current_thread().build().unwrap();
        let b = Runtime::builder().worker_threads(2).build().unwrap();
        a.block_on(lock.acquire_raw()).unwrap();
        let waiter = b.spawn({
            let lock = lock.clone();
            async move { lock.acquire().await.map(drop) }
        });
        while lock.waiters() == 0 {
            std::thread::yield_now();
        }
        lock.release().unwrap(); // from a thread in neither runtime
        b.block_on(waiter).unwrap().unwrap();
        assert!(!lock.locked());
    });
}

/// A minimal executor that is not weft: the primitives need no runtime.
fn block_on_foreign<F: Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(&waker)) {
            return v;
        }
        std::thread::park();
    }
}

#[test]
fn primitives_work_without_a_weft_runtime() {
    watchdog(|| {
        let lock = Arc::new(Lock::new());
        block_on_foreign(lock.acquire_raw()).unwrap();
        let l2 = lock.clone();
        let other = std::thread::spawn(move || block_on_foreign(l2.acquire()).map(drop));
        while lock.waiters() == 0 {
            std::thread::yield_now();
        }
        lock.release().unwrap();
        other.join().unwrap().unwrap();
        let q = Queue::new(1);
        block_on_foreign(q.put(1)).unwrap();
        assert_eq!(block_on_foreign(q.get()), Ok(1));
    });
}

// ---------------------------------------------------------------------------------------
// Semaphores

#[test]
fn bounded_semaphore_release_above_the_bound() {
    watchdog(|| {
        let sem = BoundedSemaphore::new(2);
        assert_eq!(sem.release(), Err(ReleasedTooManyTimes));
        assert_eq!(sem.available_permits(), 2);
    });
}

/// The reported defect: BoundedSemaphore(1) released twice while its permit is in flight
/// to a waiter must refuse the second release; a third task must not get in beside the
/// holder. (CPython's BoundedSemaphore accepts it; weft deliberately does not.)
#[test]
fn bounded_semaphore_over_release_while_a_permit_is_in_flight() {
    current(|| async {
        let sem = Arc::new(BoundedSemaphore::new(1));
        sem.acquire_raw().await.unwrap();
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let release = Arc::new(Event::new());
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let (sem, inside, most, release) =
                    (sem.clone(), inside.clone(), most.clone(), release.clone());
                weft_executor::spawn(async move {
                    let _p = sem.acquire().await?;
                    let n = inside.fetch_add(1, SeqCst) + 1;
                    most.fetch_max(n, SeqCst);
                    release.wait().await?;
                    inside.fetch_sub(1, SeqCst);
                    Ok::<_, Cancelled>(())
                })
            })
            .collect();
        tick().await;
        assert_eq!(sem.waiters(), 2);
        assert_eq!(sem.release(), Ok(()));
        assert_eq!(sem.release(), Err(ReleasedTooManyTimes), "the permit is in flight");
        tick().await;
        tick().await;
        assert_eq!(inside.load(SeqCst), 1, "one holder, the other still waits");
        release.set();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(most.load(SeqCst), 1);
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn bounded_semaphore_of_zero_refuses_release_and_waits_cancellably() {
    current(|| async {
        let sem = Arc::new(BoundedSemaphore::new(0));
        assert_eq!(sem.release(), Err(ReleasedTooManyTimes));
        assert!(sem.try_acquire().is_none());
        let t = weft_executor::spawn({
            let sem = sem.clone();
            async move { sem.acquire().await.map(drop) }
        });
        tick().await;
        t.cancel(None);
        assert!(t.await.unwrap_err().is_cancelled());
        assert_eq!(sem.waiters(), 0);
    });
}

#[test]
fn semaphore_release_saturates_at_usize_max() {
    watchdog(|| {
        let sem = Semaphore::new(usize::MAX);
        sem.release(); // no overflow panic
        assert_eq!(sem.available_permits(), usize::MAX);
        let p = sem.try_acquire().unwrap();
        assert_eq!(sem.available_permits(), usize::MAX - 1);
        drop(p);
        assert_eq!(sem.available_permits(), usize::MAX);
    });
}

#[test]
fn semaphore_release_from_a_plain_thread_wakes_the_waiter() {
    multi(|| async {
        let sem = Arc::new(Semaphore::new(0));
        let t = weft_executor::spawn({
            let sem = sem.clone();
            async move { sem.acquire().await.map(drop) }
        });
        let s2 = sem.clone();
        std::thread::spawn(move || {
            while s2.waiters() == 0 {
                std::thread::yield_now();
            }
            s2.release();
        });
        t.await.unwrap().unwrap();
    });
}

#[test]
fn acquire_cancelled_before_its_first_poll_takes_nothing() {
    current(|| async {
        let sem = Arc::new(Semaphore::new(1));
        let t = weft_executor::spawn({
            let sem = sem.clone();
            async move { sem.acquire().await.map(drop) }
        });
        t.cancel(None);
        assert!(t.await.unwrap_err().is_cancelled());
        assert_eq!(sem.available_permits(), 1);
    });
}

// ---------------------------------------------------------------------------------------
// Event, Condition, Barrier

#[test]
fn event_set_twice_and_clear_twice_are_idempotent() {
    current(|| async {
        let ev = Event::new();
        ev.clear();
        ev.set();
        ev.set();
        ev.wait().await.unwrap();
        ev.clear();
        ev.clear();
        assert!(!ev.is_set());
    });
}

#[test]
fn event_wait_dropped_while_waiting_leaves_no_waiter() {
    current(|| async {
        let ev = Event::new();
        let mut w = Box::pin(ev.wait());
        assert!(w.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
        assert_eq!(ev.waiters(), 1);
        drop(w);
        assert_eq!(ev.waiters(), 0);
        ev.set();
    });
}

#[test]
fn condition_notify_and_wait_without_the_lock() {
    current(|| async {
        let cond = Condition::new();
        assert_eq!(cond.notify(1), Err(NotLocked));
        assert_eq!(cond.notify_all(), Err(NotLocked));
        assert_eq!(cond.wait().await, Err(ConditionError::NotLocked));
        assert_eq!(cond.wait_for(|| false).await, Err(ConditionError::NotLocked));
        assert_eq!(cond.release(), Err(NotLocked));
    });
}

#[test]
fn condition_notify_zero_and_usize_max() {
    current(|| async {
        let cond = Arc::new(Condition::new());
        let woken = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let (cond, woken) = (cond.clone(), woken.clone());
                weft_executor::spawn(async move {
                    let mut g = cond.acquire().await?;
                    g.wait().await.map_err(|_| Cancelled::new(None))?;
                    woken.fetch_add(1, SeqCst);
                    Ok::<_, Cancelled>(())
                })
            })
            .collect();
        tick().await;
        let g = cond.acquire().await.unwrap();
        cond.notify(0).unwrap();
        drop(g);
        tick().await;
        assert_eq!(woken.load(SeqCst), 0, "notify(0) wakes nobody");
        let g = cond.acquire().await.unwrap();
        cond.notify(usize::MAX).unwrap();
        drop(g);
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(woken.load(SeqCst), 3);
    });
}

/// A predicate that panics: the panic reaches the task's join result, and the guard
/// releases the lock during the unwinding, so other tasks carry on.
#[test]
fn condition_wait_for_with_a_panicking_predicate() {
    multi(|| async {
        let cond = Arc::new(Condition::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let t = weft_executor::spawn({
            let (cond, calls) = (cond.clone(), calls.clone());
            async move {
                let mut g = cond.acquire().await.unwrap();
                g.wait_for(|| {
                    if calls.fetch_add(1, SeqCst) == 1 {
                        panic!("predicate panics");
                    }
                    false
                })
                .await
            }
        });
        while cond.waiters() == 0 {
            tick().await;
        }
        cond.acquire().await.unwrap().notify_all();
        let err = t.await.unwrap_err();
        assert_eq!(err.panic_message(), Some("predicate panics"));
        assert!(!cond.locked(), "the guard released the lock while unwinding");
        assert_eq!(cond.waiters(), 0);
        let _g = cond.acquire().await.unwrap();
    });
}

/// The raw form: the predicate panics in `Condition::wait_for` after the lock was taken
/// again; the lock stays held (asyncio's raw API has no guard to release it), and a
/// `release()` frees it.
#[test]
fn condition_raw_wait_for_panicking_predicate_leaves_the_lock_held() {
    current(|| async {
        let cond = Arc::new(Condition::new());
        let t = weft_executor::spawn({
            let cond = cond.clone();
            async move {
                cond.acquire_raw().await.unwrap();
                let mut first = true;
                cond.wait_for(move || {
                    if !std::mem::take(&mut first) {
                        panic!("predicate panics");
                    }
                    false
                })
                .await
            }
        });
        tick().await;
        cond.acquire_raw().await.unwrap();
        cond.notify(1).unwrap();
        cond.release().unwrap();
        assert!(t.await.unwrap_err().is_panic());
        assert!(cond.locked());
        cond.release().unwrap();
        assert!(!cond.locked());
    });
}

#[test]
fn condition_wait_polled_after_completion_panics_with_a_message() {
    current(|| async {
        let cond = Condition::new();
        let mut w = Box::pin(cond.wait());
        let cx = &mut Context::from_waker(Waker::noop());
        assert_eq!(w.as_mut().poll(cx), Poll::Ready(Err(ConditionError::NotLocked)));
        let msg = panic_message(|| {
            let _ = w.as_mut().poll(cx);
        });
        assert!(msg.contains("polled after it completed"), "{msg}");
    });
}

#[test]
fn barrier_of_zero_parties_is_refused() {
    watchdog(|| {
        assert_eq!(Barrier::new(0).err(), Some(InvalidParties));
        assert!(Barrier::new(usize::MAX).is_ok());
    });
}

#[test]
fn barrier_wait_after_abort_is_broken_until_reset() {
    current(|| async {
        let b = Barrier::new(2).unwrap();
        b.abort().await.unwrap();
        b.abort().await.unwrap(); // twice: still just broken
        assert_eq!(b.wait().await, Err(BarrierError::Broken));
        b.reset().await.unwrap();
        b.reset().await.unwrap();
        assert!(!b.broken());
    });
}

#[test]
fn barrier_extra_parties_wait_for_the_next_round() {
    current(|| async {
        let b = Arc::new(Barrier::new(2).unwrap());
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let b = b.clone();
                weft_executor::spawn(async move { b.wait().await })
            })
            .collect();
        for _ in 0..5 {
            tick().await;
        }
        let finished = tasks.iter().filter(|t| t.is_finished()).count();
        assert_eq!(finished, 2, "two pass, the third waits for a partner");
        assert_eq!(b.n_waiting(), 1);
        b.wait().await.unwrap();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
    });
}

#[test]
fn barrier_wait_cancelled_leaves_the_count_right() {
    current(|| async {
        let b = Arc::new(Barrier::new(2).unwrap());
        let t = weft_executor::spawn({
            let b = b.clone();
            async move { b.wait().await }
        });
        tick().await;
        assert_eq!(b.n_waiting(), 1);
        t.cancel(None);
        assert!(t.await.unwrap_err().is_cancelled(), "the task propagated its Cancelled");
        assert_eq!(b.n_waiting(), 0);
        let other = weft_executor::spawn({
            let b = b.clone();
            async move { b.wait().await }
        });
        b.wait().await.unwrap();
        other.await.unwrap().unwrap();
    });
}

// ---------------------------------------------------------------------------------------
// Queue

#[test]
fn queue_put_nowait_full_and_get_nowait_empty() {
    watchdog(|| {
        let q = Queue::new(1);
        q.put_nowait("a").unwrap();
        assert_eq!(q.put_nowait("b"), Err(TryPutError::Full("b")));
        assert_eq!(q.get_nowait(), Ok("a"));
        assert_eq!(q.get_nowait(), Err(TryGetError::Empty));
    });
}

#[test]
fn queue_task_done_too_often() {
    watchdog(|| {
        let q = Queue::new(0);
        assert_eq!(q.task_done(), Err(TaskDoneError));
        q.put_nowait(1).unwrap();
        assert_eq!(q.unfinished_tasks(), 1);
        q.task_done().unwrap(); // allowed before the get, as in asyncio
        assert_eq!(q.task_done(), Err(TaskDoneError));
        assert_eq!(q.unfinished_tasks(), 0);
    });
}

#[test]
fn queue_maxsize_usize_max_is_effectively_unbounded() {
    watchdog(|| {
        let q = Queue::new(usize::MAX);
        for i in 0..1000 {
            q.put_nowait(i).unwrap();
        }
        assert!(!q.full());
    });
}

#[test]
fn queue_put_after_shutdown_gives_the_item_back() {
    current(|| async {
        let q = Queue::new(0);
        q.shutdown(false);
        let drops = Arc::new(AtomicUsize::new(0));
        let err = q.put(Item::new(&drops)).await.unwrap_err();
        assert!(matches!(err, PutError::ShutDown(_)));
        assert_eq!(drops.load(SeqCst), 0, "the item is in the error, not dropped");
        let item = err.into_inner();
        assert!(matches!(q.put_nowait(item), Err(TryPutError::ShutDown(_))));
        assert_eq!(drops.load(SeqCst), 1);
    });
}

#[test]
fn queue_get_after_shutdown() {
    current(|| async {
        let q = Queue::new(0);
        q.put_nowait(1).unwrap();
        q.shutdown(false);
        assert_eq!(q.get().await, Ok(1), "items left can still be taken");
        assert_eq!(q.get().await, Err(GetError::ShutDown));
        assert_eq!(q.get_nowait(), Err(TryGetError::ShutDown));
        q.put_nowait(2).unwrap_err();
        let q2 = Queue::new(0);
        q2.put_nowait(1).unwrap();
        q2.shutdown(true);
        assert_eq!(q2.get().await, Err(GetError::ShutDown));
    });
}

#[test]
fn queue_shutdown_twice_and_immediate_after_graceful() {
    watchdog(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let q = Queue::new(0);
        q.put_nowait(Item::new(&drops)).unwrap();
        q.shutdown(false);
        q.shutdown(false);
        assert_eq!(q.qsize(), 1);
        q.shutdown(true); // drops the leftovers
        assert_eq!(drops.load(SeqCst), 1);
        assert_eq!(q.unfinished_tasks(), 0);
        q.shutdown(true);
    });
}

/// The reported defect: an item whose `Drop` uses the queue deadlocked, because
/// `shutdown(immediate)` dropped the items under the queue's lock.
#[test]
fn queue_shutdown_immediate_with_an_item_whose_drop_uses_the_queue() {
    watchdog(|| {
        let q = Arc::new(Queue::new(0));
        let drops = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(parking_lot::Mutex::new(Vec::new()));
        for _ in 0..3 {
            let (q2, seen) = (Arc::downgrade(&q), seen.clone());
            q.put_nowait(Item::calling(&drops, move || {
                let q: Arc<Queue<Item>> = q2.upgrade().unwrap();
                let refused = q.put_nowait(Item::new(&Arc::new(AtomicUsize::new(0)))).is_err();
                seen.lock().push((q.qsize(), q.is_shutdown(), refused));
            }))
            .unwrap();
        }
        q.shutdown(true);
        assert_eq!(drops.load(SeqCst), 3);
        assert_eq!(*seen.lock(), [(0, true, true); 3], "each drop saw the queue shut down and empty");
        assert_eq!(q.unfinished_tasks(), 0);
    });
}

/// The reported defect: an item whose `Drop` panics left `unfinished_tasks` wrong, and
/// `join()` hung. Now every item is dropped, the counts are right, and the first panic
/// reaches the caller of `shutdown`; two panicking items do not abort the process.
#[test]
fn queue_shutdown_immediate_with_items_whose_drop_panics() {
    current(|| async {
        let q = Arc::new(Queue::new(0));
        let drops = Arc::new(AtomicUsize::new(0));
        q.put_nowait(Item::panicking(&drops)).unwrap();
        q.put_nowait(Item::new(&drops)).unwrap();
        q.put_nowait(Item::panicking(&drops)).unwrap();
        let joiner = weft_executor::spawn({
            let q = q.clone();
            async move { q.join().await }
        });
        tick().await;
        let msg = panic_message(|| q.shutdown(true));
        assert_eq!(msg, "item drop panics");
        assert_eq!(drops.load(SeqCst), 3, "every item dropped");
        assert_eq!(q.unfinished_tasks(), 0);
        assert!(q.is_shutdown());
        joiner.await.unwrap().unwrap();
        q.join().await.unwrap();
    });
}

/// An item handed to a getter that has not run yet is revoked by `shutdown(immediate)`:
/// dropped outside the lock like the others, and the getter sees the shutdown.
#[test]
fn queue_shutdown_immediate_revokes_a_handed_item_outside_the_lock() {
    current(|| async {
        let q = Arc::new(Queue::new(0));
        let drops = Arc::new(AtomicUsize::new(0));
        let getter = weft_executor::spawn({
            let q = q.clone();
            async move { q.get().await.map(drop) }
        });
        tick().await;
        let q2 = Arc::downgrade(&q);
        q.put_nowait(Item::calling(&drops, move || {
            let _ = q2.upgrade().unwrap().qsize();
        }))
        .unwrap();
        q.shutdown(true);
        assert_eq!(drops.load(SeqCst), 1);
        assert_eq!(getter.await.unwrap(), Err(GetError::ShutDown));
        assert_eq!(q.unfinished_tasks(), 0);
    });
}

#[test]
fn queue_put_cancelled_while_full_returns_the_item() {
    current(|| async {
        let q = Arc::new(Queue::new(1));
        q.put_nowait(0).unwrap();
        // The item comes back in the error; a task that returned the error itself would
        // end cancelled, and its output (the item) would go with it: take it out first.
        let t = weft_executor::spawn({
            let q = q.clone();
            async move {
                match q.put(7).await {
                    Err(PutError::Cancelled(c, item)) => (c.message().map(str::to_owned), item),
                    other => panic!("{other:?}"),
                }
            }
        });
        tick().await;
        t.cancel(Some("enough"));
        assert_eq!(t.await.unwrap(), (Some("enough".to_owned()), 7));
        assert_eq!(q.waiters(), (0, 0));
        assert_eq!(q.get_nowait(), Ok(0));
        assert_eq!(q.get_nowait(), Err(TryGetError::Empty));
    });
}

#[test]
fn queue_put_future_dropped_while_waiting_drops_its_item_and_frees_its_slot() {
    current(|| async {
        let q = Arc::new(Queue::new(1));
        let drops = Arc::new(AtomicUsize::new(0));
        q.put_nowait(Item::new(&drops)).unwrap();
        let mut put = Box::pin(q.put(Item::new(&drops)));
        assert!(put.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
        let next = weft_executor::spawn({
            let (q, drops) = (q.clone(), drops.clone());
            async move { q.put(Item::new(&drops)).await.map_err(|_| ()) }
        });
        tick().await;
        drop(q.get_nowait().unwrap()); // a slot is reserved for `put`, which never runs
        drop(put); // its reservation passes to `next`
        next.await.unwrap().unwrap();
        assert_eq!(drops.load(SeqCst), 2);
        assert_eq!(q.qsize(), 1);
    });
}

#[test]
fn queue_put_polled_after_completion_panics_with_a_message() {
    watchdog(|| {
        let q = Queue::new(0);
        let mut put = Box::pin(q.put(1));
        let cx = &mut Context::from_waker(Waker::noop());
        assert_eq!(put.as_mut().poll(cx), Poll::Ready(Ok(())));
        let msg = panic_message(|| {
            let _ = put.as_mut().poll(cx);
        });
        assert!(msg.contains("Put polled after it completed"), "{msg}");
    });
}

#[test]
fn queue_join_with_nobody_getting_is_cancellable() {
    current(|| async {
        let q = Arc::new(Queue::new(0));
        q.put_nowait(1).unwrap();
        let t = weft_executor::spawn({
            let q = q.clone();
            async move { q.join().await }
        });
        tick().await;
        t.cancel(None);
        assert!(t.await.unwrap_err().is_cancelled());
        assert_eq!(q.unfinished_tasks(), 1);
    });
}

/// A priority queue's `Ord` is user code that runs under the queue's lock: one that
/// panics reaches the caller of `put_nowait`; the lock is not poisoned (parking_lot), the
/// queue stays usable and the item is not lost (std's `BinaryHeap` keeps it; only the
/// order among the items is unspecified after such a panic).
#[test]
fn priority_queue_with_an_ord_that_panics_once() {
    watchdog(|| {
        static ARMED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);
        #[derive(PartialEq, Eq, Debug)]
        struct Bad(u32);
        impl PartialOrd for Bad {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for Bad {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                if (self.0 == 13 || other.0 == 13) && ARMED.swap(false, SeqCst) {
                    panic!("ord panics");
                }
                self.0.cmp(&other.0)
            }
        }
        let q = Queue::priority(0);
        q.put_nowait(Bad(2)).unwrap();
        q.put_nowait(Bad(1)).unwrap();
        assert_eq!(panic_message(|| drop(q.put_nowait(Bad(13)))), "ord panics");
        assert_eq!(q.qsize(), 3);
        assert_eq!(q.unfinished_tasks(), 3);
        let mut got: Vec<u32> = std::iter::from_fn(|| q.get_nowait().ok()).map(|b| b.0).collect();
        got.sort();
        assert_eq!(got, [1, 2, 13], "nothing lost");
    });
}

#[test]
fn queue_get_handed_an_item_then_cancelled_gives_it_back() {
    current(|| async {
        let q = Arc::new(Queue::new(0));
        let getter = weft_executor::spawn({
            let q = q.clone();
            async move { q.get().await }
        });
        tick().await;
        q.put_nowait(5).unwrap(); // handed to the getter
        getter.cancel(None);
        assert!(getter.await.unwrap_err().is_cancelled() || q.qsize() == 1);
        assert_eq!(q.get_nowait(), Ok(5), "the item came back to the queue");
    });
}

// ---------------------------------------------------------------------------------------
// oneshot

#[test]
fn oneshot_send_after_the_receiver_is_gone_gives_the_value_back() {
    watchdog(|| {
        let (tx, rx) = oneshot::channel();
        drop(rx);
        assert!(tx.is_closed());
        assert_eq!(tx.send(5), Err(5));
    });
}

#[test]
fn oneshot_receiver_after_the_sender_is_dropped() {
    current(|| async {
        let (tx, rx) = oneshot::channel::<u8>();
        drop(tx);
        assert_eq!(rx.await, Err(RecvError::Closed));
        let (tx, rx) = oneshot::channel();
        tx.send(1).unwrap();
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn oneshot_value_with_a_panicking_drop_is_dropped_outside_the_lock() {
    watchdog(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = oneshot::channel();
        tx.send(Item::panicking(&drops)).unwrap();
        assert_eq!(panic_message(move || drop(rx)), "item drop panics");
        assert_eq!(drops.load(SeqCst), 1);
    });
}

#[test]
fn oneshot_receive_cancelled_keeps_the_value_for_try_recv() {
    current(|| async {
        let (tx, rx) = oneshot::channel::<u8>();
        let rx = Arc::new(parking_lot::Mutex::new(Some(rx)));
        let t = weft_executor::spawn({
            let rx = rx.clone();
            async move {
                let mut r = rx.lock().take().unwrap();
                let out = (&mut r).await;
                *rx.lock() = Some(r);
                matches!(out, Err(RecvError::Cancelled(_)))
            }
        });
        tick().await;
        t.cancel(None);
        assert!(t.await.unwrap(), "the receive reported its cancellation");
        tx.send(3).unwrap();
        assert_eq!(rx.lock().as_ref().unwrap().try_recv(), Ok(3));
    });
}
