//! asyncio's cancellation contract: `cancel(msg)` is counted, delivered once, at the
//! checkpoint the task is suspended in or the next one it reaches; cleanup may await.

mod common;

use common::{Flag, block_on_both, wait_until, with_unpolled};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};
use weft::cancel::{CancellableExt, checkpoint};
use weft::{CancelKind, Cancelled};

const LONG: Duration = Duration::from_secs(3600);

#[test]
fn cancel_is_delivered_to_a_task_suspended_in_sleep() {
    block_on_both(|flavour| async move {
        let started = Arc::new(AtomicBool::new(false));
        let s = started.clone();
        let t = weft::spawn(async move {
            s.store(true, Ordering::SeqCst);
            weft::time::sleep(LONG).await
        });
        wait_until("the task sleeps", || started.load(Ordering::SeqCst)).await;
        let begun = Instant::now();
        assert!(t.cancel(Some("enough")), "{flavour}: cancel of a live task returns true");
        let err = t.await.unwrap_err();
        assert!(begun.elapsed() < Duration::from_secs(5), "{flavour}: the sleep was not interrupted");
        let c = err.as_cancelled().expect("a cancelled join result");
        assert_eq!(c.kind(), CancelKind::Requested);
        assert_eq!(c.message(), Some("enough"));
        assert_eq!(err.to_string(), "task was cancelled: enough");
    });
}

#[test]
fn a_task_cancelled_before_its_first_poll_never_runs() {
    block_on_both(|flavour| async move {
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        let (cancelled, joined) =
            with_unpolled(flavour, async move { r.store(true, Ordering::SeqCst) }, |t| {
                t.cancel(Some("early"))
            })
            .await;
        assert!(cancelled);
        let err = joined.unwrap_err();
        assert_eq!(err.as_cancelled().and_then(|c| c.message()), Some("early"));
        assert!(!ran.load(Ordering::SeqCst), "{flavour}: the body of a task cancelled before it started ran");
    });
}

#[test]
fn cancel_after_completion_returns_false_and_changes_nothing() {
    block_on_both(|flavour| async move {
        let mut t = weft::spawn(async { 1 });
        let r = t.task_ref();
        wait_until("the task finished", || r.is_finished()).await;
        assert!(!t.cancel(Some("late")), "{flavour}: cancel of a finished task must return false");
        assert_eq!(t.cancelling(), 0);
        assert_eq!((&mut t).await.unwrap(), 1, "{flavour}: its result is intact");
        assert!(!t.cancel(None));
        assert!(!r.cancel(None));
        assert!(!r.is_cancelled());
    });
}

#[test]
fn cleanup_can_await_after_a_delivery() {
    block_on_both(|flavour| async move {
        let cleaned = Arc::new(AtomicBool::new(false));
        let c2 = cleaned.clone();
        let started = Flag::new();
        let s2 = started.clone();
        let t = weft::spawn(async move {
            s2.set();
            match weft::time::sleep(LONG).await {
                Ok(()) => Ok("slept"),
                Err(c) => {
                    // except CancelledError: await cleanup(); raise
                    weft::time::sleep(Duration::from_millis(10))
                        .await
                        .expect("cleanup sleep is not cancelled");
                    weft::yield_now().await.expect("cleanup yield is not cancelled");
                    c2.store(true, Ordering::SeqCst);
                    Err(c)
                }
            }
        });
        started.wait().await;
        t.cancel(None);
        let err = t.await.unwrap_err();
        assert!(err.is_cancelled(), "{flavour}");
        assert!(cleaned.load(Ordering::SeqCst), "{flavour}: the cleanup did not finish");
    });
}

#[test]
fn one_request_one_delivery_the_next_checkpoint_succeeds() {
    block_on_both(|flavour| async move {
        let started = Flag::new();
        let s2 = started.clone();
        let t = weft::spawn(async move {
            s2.set();
            let first = weft::time::sleep(LONG).await;
            let second = checkpoint().await;
            let third = weft::yield_now().await;
            let fourth = weft::time::sleep(Duration::from_millis(1)).await;
            (first.is_err(), second.is_ok(), third.is_ok(), fourth.is_ok())
        });
        started.wait().await;
        t.cancel(None);
        assert_eq!(t.await.unwrap(), (true, true, true, true), "{flavour}");
    });
}

#[test]
fn a_request_made_while_running_is_delivered_at_the_next_checkpoint() {
    block_on_both(|flavour| async move {
        let t = weft::spawn(async {
            let me = weft::current_task().unwrap();
            assert!(me.cancel(Some("self")));
            // No checkpoint yet: nothing happens until one is reached.
            let before = me.cancelling();
            let r = checkpoint().await;
            (before, r.map_err(|c| c.message().map(String::from)))
        });
        let (before, r) = t.await.unwrap();
        assert_eq!(before, 1);
        assert_eq!(r, Err(Some("self".to_string())), "{flavour}");
    });
}

#[test]
fn several_requests_before_delivery_make_one_delivery_and_are_all_counted() {
    block_on_both(|flavour| async move {
        let started = Flag::new();
        let s2 = started.clone();
        let go = Flag::new();
        let g2 = go.clone();
        let t = weft::spawn(async move {
            s2.set();
            // A foreign wait: not a checkpoint, so the requests pile up undelivered.
            g2.wait().await;
            let mut deliveries = 0;
            for _ in 0..5 {
                if checkpoint().await.is_err() {
                    deliveries += 1;
                }
            }
            (deliveries, weft::current_task().unwrap().cancelling())
        });
        started.wait().await;
        assert!(t.cancel(Some("one")));
        assert!(t.cancel(Some("two")));
        assert!(t.cancel(Some("three")));
        assert_eq!(t.cancelling(), 3);
        go.set();
        assert_eq!(t.await.unwrap(), (1, 3), "{flavour}: one delivery, three requests counted");
    });
}

#[test]
fn uncancel_back_to_zero_drops_the_pending_delivery() {
    block_on_both(|flavour| async move {
        let go = Flag::new();
        let g2 = go.clone();
        let t = weft::spawn(async move {
            g2.wait().await;
            checkpoint().await?;
            weft::time::sleep(Duration::from_millis(2)).await?;
            Ok::<_, Cancelled>("not cancelled")
        });
        assert_eq!(t.uncancel(), 0, "uncancel without a request stays at 0");
        assert!(t.cancel(None));
        assert!(t.cancel(None));
        assert_eq!(t.uncancel(), 1);
        assert_eq!(t.cancelling(), 1);
        assert_eq!(t.uncancel(), 0);
        assert_eq!(t.cancelling(), 0);
        go.set();
        assert_eq!(t.await.unwrap().unwrap(), "not cancelled", "{flavour}");
    });
}

#[test]
fn uncancel_to_a_nonzero_count_keeps_the_delivery() {
    block_on_both(|flavour| async move {
        let go = Flag::new();
        let g2 = go.clone();
        let t = weft::spawn(async move {
            g2.wait().await;
            checkpoint().await
        });
        t.cancel(None);
        t.cancel(None);
        assert_eq!(t.uncancel(), 1);
        go.set();
        assert!(t.await.unwrap_err().is_cancelled(), "{flavour}: a request is still outstanding");
    });
}

#[test]
fn uncancel_after_a_delivery_lets_the_task_go_on() {
    block_on_both(|flavour| async move {
        // The pattern timeout() relies on: catch the delivery, uncancel, carry on.
        let t = weft::spawn(async {
            let me = weft::current_task().unwrap();
            me.cancel(None);
            let caught = checkpoint().await.is_err();
            let left = me.uncancel();
            weft::time::sleep(Duration::from_millis(1)).await?;
            Ok::<_, Cancelled>((caught, left))
        });
        assert_eq!(t.await.unwrap().unwrap(), (true, 0), "{flavour}");
    });
}

#[test]
fn returning_the_cancelled_ends_the_task_cancelled() {
    block_on_both(|flavour| async move {
        let t = weft::spawn(async {
            weft::current_task().unwrap().cancel(Some("bye"));
            checkpoint().await?;
            Ok::<_, Cancelled>(1)
        });
        let r = t.task_ref();
        let err = t.await.unwrap_err();
        assert_eq!(err.as_cancelled().and_then(|c| c.message()), Some("bye"), "{flavour}");
        assert!(r.is_cancelled(), "{flavour}: is_cancelled");
    });
}

#[test]
fn wrapping_the_cancelled_in_an_error_enum_still_ends_cancelled() {
    #[derive(Debug)]
    #[allow(dead_code)]
    enum AppError {
        Cancelled(Cancelled),
        Other,
    }
    block_on_both(|flavour| async move {
        let t = weft::spawn(async {
            weft::current_task().unwrap().cancel(None);
            checkpoint().await.map_err(AppError::Cancelled)?;
            Ok::<_, AppError>(())
        });
        let r = t.task_ref();
        assert!(t.await.unwrap_err().is_cancelled(), "{flavour}");
        assert!(r.is_cancelled());
    });
}

#[test]
fn swallowing_the_cancelled_means_the_task_was_not_cancelled() {
    block_on_both(|flavour| async move {
        let t = weft::spawn(async {
            weft::current_task().unwrap().cancel(None);
            let swallowed = checkpoint().await.is_err();
            (swallowed, 5)
        });
        let r = t.task_ref();
        assert_eq!(t.await.unwrap(), (true, 5), "{flavour}");
        assert!(!r.is_cancelled(), "{flavour}: a task that swallowed its cancellation is not cancelled");
    });
}

/// asyncio: a coroutine that raises `CancelledError("by hand")` ends its task cancelled,
/// with that message.
#[test]
fn a_hand_made_cancelled_returned_by_a_task_cancels_it() {
    block_on_both(|flavour| async move {
        let t = weft::spawn(async { Err::<(), _>(Cancelled::new(Some("by hand"))) });
        let r = t.task_ref();
        let err = t.await.unwrap_err();
        assert_eq!(err.as_cancelled().and_then(|c| c.message()), Some("by hand"), "{flavour}");
        assert!(r.is_cancelled(), "{flavour}");
    });
}

/// A hand-made `Cancelled` kept as a caught record does not mark the task.
#[test]
fn a_caught_cancelled_is_data() {
    block_on_both(|flavour| async move {
        let t = weft::spawn(async { Err::<(), _>(Cancelled::new(Some("by hand")).caught()) });
        let r = t.task_ref();
        let out = t.await.unwrap();
        assert_eq!(out.unwrap_err().message(), Some("by hand"), "{flavour}: returned as a value");
        assert!(!r.is_cancelled());
    });
}

#[test]
fn cancellable_races_a_foreign_future_against_cancellation() {
    block_on_both(|flavour| async move {
        let started = Flag::new();
        let s2 = started.clone();
        let t = weft::spawn(async move {
            s2.set();
            std::future::pending::<()>().cancellable().await
        });
        started.wait().await;
        assert!(t.cancel(Some("stop waiting")));
        let err = t.await.unwrap_err();
        assert_eq!(err.as_cancelled().and_then(|c| c.message()), Some("stop waiting"), "{flavour}");

        // A foreign future that completes gives its value.
        let flag = Flag::new();
        let f2 = flag.clone();
        let t = weft::spawn(async move { f2.wait().cancellable().await.map(|()| "woken") });
        flag.set();
        assert_eq!(t.await.unwrap().unwrap(), "woken");
    });
}

#[test]
fn a_foreign_future_without_cancellable_is_not_a_checkpoint() {
    block_on_both(|flavour| async move {
        let started = Flag::new();
        let s2 = started.clone();
        let go = Flag::new();
        let g2 = go.clone();
        let t = weft::spawn(async move {
            s2.set();
            g2.wait().await; // not a checkpoint: the request waits for the next one
            let reached = true;
            (reached, checkpoint().await.is_err())
        });
        started.wait().await;
        t.cancel(None);
        weft::time::sleep(Duration::from_millis(10)).await.unwrap();
        assert!(!t.is_finished(), "{flavour}: cancel must not end a task between checkpoints");
        go.set();
        assert_eq!(t.await.unwrap(), (true, true));
    });
}

#[test]
fn cancel_the_root_task_of_block_on() {
    block_on_both(|flavour| async move {
        let me = weft::current_task().expect("the root is a task");
        assert!(me.cancel(Some("root")));
        let err = weft::time::sleep(LONG).await.unwrap_err();
        assert_eq!(err.message(), Some("root"), "{flavour}");
        // One delivery: the root goes on.
        weft::time::sleep(Duration::from_millis(1)).await.unwrap();
    });
}

#[test]
fn another_task_cancels_the_root_while_it_sleeps() {
    block_on_both(|flavour| async move {
        let root = weft::current_task().unwrap();
        weft::spawn(async move {
            weft::time::sleep(Duration::from_millis(10)).await.unwrap();
            root.cancel(Some("from a child"));
        });
        let begun = Instant::now();
        let err = weft::time::sleep(LONG).await.unwrap_err();
        assert_eq!(err.message(), Some("from a child"), "{flavour}");
        assert!(begun.elapsed() < Duration::from_secs(5));
    });
}

#[test]
fn abort_on_the_root_task_is_a_cancel() {
    block_on_both(|flavour| async move {
        weft::current_task().unwrap().abort();
        assert!(checkpoint().await.is_err(), "{flavour}");
        assert!(checkpoint().await.is_ok(), "{flavour}");
    });
}

#[test]
fn an_awaiter_cancelled_while_joining_gets_cancelled_and_the_awaited_task_runs_on() {
    block_on_both(|flavour| async move {
        let finished = Arc::new(AtomicBool::new(false));
        let f2 = finished.clone();
        let inner_go = Flag::new();
        let g2 = inner_go.clone();
        let inner = weft::spawn(async move {
            g2.wait().await;
            f2.store(true, Ordering::SeqCst);
            "inner done"
        });
        let inner_ref = inner.task_ref();
        let started = Flag::new();
        let s2 = started.clone();
        let outer = weft::spawn(async move {
            s2.set();
            // Report what the await gave, without returning the Cancelled itself (that
            // would end this task cancelled).
            inner.await.map_err(|e| e.is_cancelled())
        });
        started.wait().await;
        weft::yield_now().await.unwrap();
        outer.cancel(None);
        let r = outer.await.unwrap();
        assert_eq!(r, Err(true), "{flavour}: the awaiter sees its own cancellation");
        assert!(!inner_ref.is_finished(), "{flavour}: the awaited task is not cancelled with it");
        inner_go.set();
        wait_until("the inner task finished", || finished.load(Ordering::SeqCst)).await;
        assert!(!inner_ref.is_cancelled());
    });
}

#[test]
fn cancel_from_a_plain_thread_wakes_a_sleeping_task() {
    block_on_both(|flavour| async move {
        let started = Flag::new();
        let s2 = started.clone();
        let t = weft::spawn(async move {
            s2.set();
            weft::time::sleep(LONG).await
        });
        started.wait().await;
        let r = t.task_ref();
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            r.cancel(Some("from a thread"))
        });
        let err = t.await.unwrap_err();
        assert!(thread.join().unwrap());
        assert_eq!(err.as_cancelled().and_then(|c| c.message()), Some("from a thread"), "{flavour}");
    });
}

#[test]
fn cancelling_counts_requests_seen_from_inside() {
    block_on_both(|flavour| async move {
        let count = Arc::new(AtomicU32::new(0));
        let c2 = count.clone();
        let started = Flag::new();
        let s2 = started.clone();
        let go = Flag::new();
        let g2 = go.clone();
        let t = weft::spawn(async move {
            s2.set();
            g2.wait().await;
            let r = weft::time::sleep(LONG).await;
            c2.store(weft::current_task().unwrap().cancelling(), Ordering::SeqCst);
            r
        });
        started.wait().await;
        t.cancel(None);
        t.cancel(None);
        go.set();
        assert!(t.await.unwrap_err().is_cancelled());
        assert_eq!(count.load(Ordering::SeqCst), 2, "{flavour}");
    });
}
