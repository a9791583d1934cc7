//! The cooperative budget and the primitives' waits: an await that *ends* spends a unit
//! of its task's budget, and yields instead when none is left; an await that has to
//! *wait* spends nothing and never yields, it takes its place among the waiters at once.
//!
//! Each case spends the whole budget of the task's poll (`BUDGET` ready steps), then
//! awaits one primitive, and counts the task's polls:
//! - (a) the primitive is not ready: the task is polled once, is listed as a waiter, and
//!   is polled again only when the primitive is released (a yield there would poll it
//!   twice and leave it out of the waiter list in between);
//! - (b) the primitive is ready: the task yields (two polls) and still gets what it
//!   awaited, nothing lost or taken twice.

mod common;

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Poll};

/// Counts the polls of the future it wraps.
struct Counted<F> {
    polls: Arc<AtomicUsize>,
    inner: Pin<Box<F>>,
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, SeqCst);
        self.inner.as_mut().poll(cx)
    }
}

/// Spends the rest of this poll's budget (a fresh poll has `BUDGET` units) without
/// yielding.
async fn spend_budget() {
    for _ in 0..weft::coop::BUDGET {
        poll_fn(weft::coop::poll_proceed).await;
    }
    assert!(!weft::coop::has_budget_remaining());
}

/// Spawns `body` after [`spend_budget`], and returns its poll counter and handle.
fn spawn_counted<T: Send + 'static>(
    body: impl Future<Output = T> + Send + 'static,
) -> (Arc<AtomicUsize>, weft::Task<T>) {
    let polls = Arc::new(AtomicUsize::new(0));
    let inner = Box::pin(async move {
        spend_budget().await;
        body.await
    });
    let task = weft::spawn(Counted { polls: polls.clone(), inner });
    (polls, task)
}

/// Lets every ready task run a few times (the current-thread loop is FIFO).
async fn settle() {
    for _ in 0..4 {
        weft::yield_now().await.unwrap();
    }
}

fn run(f: impl Future<Output = ()> + Send + 'static) {
    common::watchdog("coop_waits", common::WATCHDOG, move || common::current().block_on(f));
}

// --- (a) a wait spends no budget and does not yield ----------------------------------

#[test]
fn a_get_from_an_empty_queue_waits_in_line_with_no_budget_left() {
    run(async {
        let q = Arc::new(weft::Queue::<u32>::new(0));
        let (polls, task) = spawn_counted({
            let q = q.clone();
            async move { q.get().await.unwrap() }
        });
        settle().await;
        assert_eq!(polls.load(SeqCst), 1, "polled once: it waits, it did not yield");
        assert_eq!(q.waiters().0, 1, "listed as a getter");
        q.put_nowait(7).unwrap();
        assert_eq!(task.await.unwrap(), 7);
        assert_eq!(polls.load(SeqCst), 2);
    });
}

#[test]
fn a_put_into_a_full_queue_waits_in_line_with_no_budget_left() {
    run(async {
        let q = Arc::new(weft::Queue::<u32>::new(1));
        q.put_nowait(1).unwrap();
        let (polls, task) = spawn_counted({
            let q = q.clone();
            async move { q.put(2).await.unwrap() }
        });
        settle().await;
        assert_eq!(polls.load(SeqCst), 1, "polled once: it waits, it did not yield");
        assert_eq!(q.waiters().1, 1, "listed as a putter");
        assert_eq!(q.get().await.unwrap(), 1);
        task.await.unwrap();
        assert_eq!(q.get_nowait().unwrap(), 2, "the waiting put's item arrived");
        assert_eq!(polls.load(SeqCst), 2);
    });
}

#[test]
fn an_acquire_of_a_held_lock_waits_in_line_with_no_budget_left() {
    run(async {
        let lock = Arc::new(weft::Lock::new());
        let guard = lock.acquire().await.unwrap();
        let (polls, task) = spawn_counted({
            let lock = lock.clone();
            async move {
                let _g = lock.acquire().await.unwrap();
            }
        });
        settle().await;
        assert_eq!(polls.load(SeqCst), 1, "polled once: it waits, it did not yield");
        assert_eq!(lock.waiters(), 1);
        drop(guard);
        task.await.unwrap();
        assert!(!lock.locked());
        assert_eq!(polls.load(SeqCst), 2);
    });
}

#[test]
fn an_acquire_of_an_empty_semaphore_waits_in_line_with_no_budget_left() {
    run(async {
        let sem = Arc::new(weft::Semaphore::new(1));
        let permit = sem.acquire().await.unwrap();
        let (polls, task) = spawn_counted({
            let sem = sem.clone();
            async move {
                let _p = sem.acquire().await.unwrap();
            }
        });
        settle().await;
        assert_eq!(polls.load(SeqCst), 1, "polled once: it waits, it did not yield");
        assert_eq!(sem.waiters(), 1);
        drop(permit);
        task.await.unwrap();
        assert!(!sem.locked());
        assert_eq!(polls.load(SeqCst), 2);
    });
}

#[test]
fn a_wait_for_an_unset_event_waits_in_line_with_no_budget_left() {
    run(async {
        let event = Arc::new(weft::Event::new());
        let (polls, task) = spawn_counted({
            let event = event.clone();
            async move { event.wait().await.unwrap() }
        });
        settle().await;
        assert_eq!(polls.load(SeqCst), 1, "polled once: it waits, it did not yield");
        assert_eq!(event.waiters(), 1);
        event.set();
        task.await.unwrap();
        assert_eq!(polls.load(SeqCst), 2);
    });
}

#[test]
fn a_receive_of_an_unsent_oneshot_waits_with_no_budget_left() {
    run(async {
        let (tx, rx) = weft::oneshot::channel::<u32>();
        let (polls, task) = spawn_counted(async move { rx.await.unwrap() });
        settle().await;
        assert_eq!(polls.load(SeqCst), 1, "polled once: it waits, it did not yield");
        tx.send(5).unwrap();
        assert_eq!(task.await.unwrap(), 5);
        assert_eq!(polls.load(SeqCst), 2);
    });
}

// --- (b) a ready await with no budget left yields, and loses nothing -----------------

/// The task is polled twice (it yielded once) and `check` sees what it awaited.
fn yields_then_completes<T: Send + 'static>(
    body: impl Future<Output = T> + Send + 'static,
    check: impl FnOnce(T) + Send + 'static,
) {
    run(async move {
        let (polls, task) = spawn_counted(body);
        let value = task.await.unwrap();
        assert_eq!(polls.load(SeqCst), 2, "it yielded once for want of budget");
        check(value);
    });
}

#[test]
fn a_get_from_a_ready_queue_yields_with_no_budget_left_and_keeps_the_item() {
    let q = Arc::new(weft::Queue::<u32>::new(0));
    q.put_nowait(3).unwrap();
    let q2 = q.clone();
    yields_then_completes(async move { q2.get().await.unwrap() }, move |v| {
        assert_eq!(v, 3);
        assert_eq!(q.qsize(), 0, "taken once");
    });
}

#[test]
fn a_put_into_a_queue_with_room_yields_with_no_budget_left_and_puts_once() {
    let q = Arc::new(weft::Queue::<u32>::new(1));
    let q2 = q.clone();
    yields_then_completes(async move { q2.put(4).await.unwrap() }, move |()| {
        assert_eq!(q.qsize(), 1, "put once");
        assert_eq!(q.get_nowait().unwrap(), 4);
    });
}

#[test]
fn an_acquire_of_a_free_lock_yields_with_no_budget_left() {
    let lock = Arc::new(weft::Lock::new());
    let l2 = lock.clone();
    yields_then_completes(
        async move {
            let g = l2.acquire().await.unwrap();
            assert!(l2.locked());
            drop(g);
        },
        move |()| assert!(!lock.locked(), "released: no permit was kept by the yield"),
    );
}

#[test]
fn an_acquire_of_a_free_semaphore_yields_with_no_budget_left() {
    let sem = Arc::new(weft::Semaphore::new(1));
    let s2 = sem.clone();
    yields_then_completes(
        async move {
            let p = s2.acquire().await.unwrap();
            assert!(s2.locked());
            drop(p);
        },
        move |()| assert!(!sem.locked()),
    );
}

#[test]
fn a_wait_for_a_set_event_yields_with_no_budget_left() {
    let event = Arc::new(weft::Event::new());
    event.set();
    yields_then_completes(async move { event.wait().await.unwrap() }, |()| {});
}

#[test]
fn a_receive_of_a_sent_oneshot_yields_with_no_budget_left_and_keeps_the_value() {
    let (tx, rx) = weft::oneshot::channel::<u32>();
    tx.send(9).unwrap();
    yields_then_completes(async move { rx.await.unwrap() }, |v| assert_eq!(v, 9));
}
