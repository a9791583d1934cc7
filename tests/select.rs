//! Waiting for the first of several futures: futures-util's `select!` and
//! `select_biased!` over weft's futures, and `weft::wait(.., FirstCompleted)` over tasks.
//!
//! What each tells a user about the losers:
//!
//! * a losing *future* in `select!` is dropped. Every weft await point is safe to drop: a
//!   queue `get` that was handed an item gives it back, a lock `acquire` that was handed
//!   the lock passes it on, a `sleep` removes its timer. No cleanup code runs (a drop
//!   cannot await).
//! * a losing *task* keeps running: `select!` over `&mut task` drops only the borrow. It
//!   runs to its end unless cancelled; cancel it and await it to wait for its cleanup.
//!   `weft::wait(tasks, FirstCompleted, None)` hands back the pending tasks for that.
//!
//! Order is proven with the current-thread runtime's turns and the paused clock.

use futures_util::{FutureExt, StreamExt, select, select_biased};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use weft::{Event, Lock, Queue, ReturnWhen};

#[weft::test(start_paused = true)]
async fn select_returns_the_first_branch_ready_and_drops_the_others() {
    let q = Queue::<u32>::new(0);
    let start = weft::time::now();
    let winner = select! {
        item = q.get().fuse() => format!("item {item:?}"),
        r = weft::time::sleep(Duration::from_secs(5)).fuse() => format!("timeout {r:?}"),
    };
    assert_eq!(winner, "timeout Ok(())");
    assert_eq!(weft::time::now() - start, Duration::from_secs(5));
    assert_eq!(q.waiters(), (0, 0), "the losing get left the getter list when dropped");
    q.put_nowait(1).unwrap();
    assert_eq!(q.get_nowait(), Ok(1));
}

#[weft::test]
async fn a_losing_get_that_was_handed_an_item_gives_it_back() {
    let q = Arc::new(Queue::new(0));
    let ev = Arc::new(Event::new());
    let t = weft::spawn({
        let (q, ev) = (q.clone(), ev.clone());
        async move {
            // Biased: when both are ready, the event's branch wins.
            select_biased! {
                _ = ev.wait().fuse() => "event",
                _ = q.get().fuse() => "item",
            }
        }
    });
    weft::yield_now().await.unwrap(); // the task waits on both
    q.put_nowait("job").unwrap(); // handed to the task's get...
    ev.set(); // ...and the event is set in the same turn: both branches are ready
    assert_eq!(t.await.unwrap(), "event");
    assert_eq!(q.get_nowait(), Ok("job"), "the losing get gave its item back");
}

#[weft::test]
async fn a_losing_acquire_that_was_handed_the_lock_passes_it_on() {
    let lock = Arc::new(Lock::new());
    let ev = Arc::new(Event::new());
    let guard = lock.acquire_owned().await.unwrap();
    let t = weft::spawn({
        let (lock, ev) = (lock.clone(), ev.clone());
        async move {
            select_biased! {
                _ = ev.wait().fuse() => "event",
                _ = lock.acquire().fuse() => "lock",
            }
        }
    });
    weft::yield_now().await.unwrap(); // the task waits for the lock and the event
    drop(guard); // the lock is handed to the waiting acquire...
    assert!(lock.locked(), "handed to the waiter, not free");
    ev.set(); // ...which loses to the event
    assert_eq!(t.await.unwrap(), "event");
    assert!(!lock.locked(), "the losing acquire released what it was handed");
    assert!(lock.try_acquire().is_some());
}

#[weft::test]
async fn a_cancellation_wins_the_select_from_inside_a_checkpoint() {
    let q = Arc::new(Queue::<u32>::new(0));
    let t = weft::spawn({
        let q = q.clone();
        async move {
            select! {
                item = q.get().fuse() => item.map_err(|_| "get cancelled"),
                r = weft::time::sleep(Duration::from_secs(3600)).fuse() => r.map(|_| 0).map_err(|_| "sleep cancelled"),
            }
        }
    });
    weft::yield_now().await.unwrap();
    t.cancel(None);
    // Whichever branch `select!` polled first got the one delivery; the other was
    // dropped. Both say "cancelled"; none returned a value.
    let r = t.await.unwrap();
    assert!(matches!(r, Err("get cancelled" | "sleep cancelled")), "{r:?}");
    assert_eq!(q.waiters(), (0, 0));
}

#[weft::test(start_paused = true)]
async fn select_in_a_loop_over_a_queue_stream_with_a_deadline() {
    let q = Arc::new(Queue::new(0));
    let producer = weft::spawn({
        let q = q.clone();
        async move {
            for n in 0..3 {
                q.put(n).await.unwrap();
                weft::time::sleep(Duration::from_secs(1)).await?;
            }
            Ok::<_, weft::Cancelled>(())
        }
    });
    // Fused once, outside the loop: a finished branch is never polled again.
    let mut items = q.stream();
    let mut deadline = pin!(weft::time::sleep(Duration::from_millis(2500)).fuse());
    let mut got = Vec::new();
    loop {
        select! {
            item = items.next() => got.push(item.unwrap().unwrap()),
            _ = deadline => break,
        }
    }
    assert_eq!(got, [0, 1, 2]);
    producer.await.unwrap().unwrap();
}

/// A task that reports when its cleanup ran: it catches the cancellation, cleans up (an
/// await), then propagates it.
fn worker(ms: u64, cleaned: &Arc<AtomicBool>) -> weft::Task<Result<u64, weft::Cancelled>> {
    let cleaned = cleaned.clone();
    weft::spawn(async move {
        match weft::time::sleep(Duration::from_millis(ms)).await {
            Ok(()) => Ok(ms),
            Err(c) => {
                weft::yield_now().await.ok(); // cleanup may await
                cleaned.store(true, Ordering::SeqCst);
                Err(c)
            }
        }
    })
}

#[weft::test(start_paused = true)]
async fn a_task_that_loses_a_select_keeps_running_until_cancelled() {
    let (fast_clean, slow_clean) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let mut fast = worker(10, &fast_clean);
    let mut slow = worker(10_000, &slow_clean);
    let first = select! {
        r = (&mut fast).fuse() => r.unwrap().unwrap(),
        r = (&mut slow).fuse() => r.unwrap().unwrap(),
    };
    assert_eq!(first, 10);
    // The loser was not touched: it is still running.
    weft::yield_now().await.unwrap();
    assert!(!slow.is_finished());
    // Cancel it and await it: its cleanup runs before the await returns.
    assert!(slow.cancel(Some("lost the race")));
    assert!(slow.await.unwrap_err().is_cancelled());
    assert!(slow_clean.load(Ordering::SeqCst), "the loser's cleanup ran");
    assert!(!fast_clean.load(Ordering::SeqCst));
}

#[weft::test(start_paused = true)]
async fn a_task_that_loses_a_select_and_is_not_cancelled_finishes() {
    let cleaned = Arc::new(AtomicBool::new(false));
    let mut slow = worker(1000, &cleaned);
    let first = select! {
        _ = (&mut slow).fuse() => "task",
        _ = weft::time::sleep(Duration::from_millis(10)).fuse() => "sleep",
    };
    assert_eq!(first, "sleep");
    assert_eq!(slow.await.unwrap().unwrap(), 1000, "the losing task ran to its end");
    assert!(!cleaned.load(Ordering::SeqCst));
}

#[weft::test(start_paused = true)]
async fn wait_first_completed_then_cancel_and_await_the_pending_tasks() {
    let cleaned: Vec<_> = (0..3).map(|_| Arc::new(AtomicBool::new(false))).collect();
    let tasks = vec![worker(5_000, &cleaned[0]), worker(10, &cleaned[1]), worker(9_000, &cleaned[2])];
    let (done, pending) = weft::wait(tasks, ReturnWhen::FirstCompleted, None).await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].index, 1);
    assert_eq!(done[0].result.as_ref().unwrap().as_ref().unwrap(), &10);
    // asyncio: `for t in pending: t.cancel()`, then `await asyncio.gather(*pending, return_exceptions=True)`.
    for (_, t) in &pending {
        t.cancel(None);
    }
    for (index, t) in pending {
        assert!(t.await.unwrap_err().is_cancelled());
        assert!(cleaned[index].load(Ordering::SeqCst), "task {index} cleaned up before its await returned");
    }
    assert!(!cleaned[1].load(Ordering::SeqCst));
}
