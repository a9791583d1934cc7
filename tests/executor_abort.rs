//! `abort()`: the hard cancel. The future is dropped at its next poll, no async cleanup
//! runs, and the join result is a cancellation of kind `Aborted`.

mod common;

use common::{Flag, Live, block_on_both, wait_until, with_unpolled};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use weft::CancelKind;

#[test]
fn abort_before_the_first_poll_never_runs_the_body() {
    block_on_both(|flavour| async move {
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        // Not polled before abort() (see `with_unpolled`), so abort() comes first.
        let (_, joined) =
            with_unpolled(flavour, async move { r.store(true, Ordering::SeqCst) }, |t| t.abort()).await;
        let kind = joined.err().and_then(|e| e.as_cancelled().map(|c| c.kind()));
        assert_eq!(kind, Some(CancelKind::Aborted), "{flavour}");
        assert!(!ran.load(Ordering::SeqCst), "{flavour}: an aborted task ran");
    });
}

#[test]
fn abort_while_suspended_drops_the_future_without_cleanup() {
    block_on_both(|flavour| async move {
        let live = Live::new();
        let guard = live.guard();
        let cleanup_ran = Arc::new(AtomicBool::new(false));
        let c2 = cleanup_ran.clone();
        let started = Flag::new();
        let s2 = started.clone();
        let t = weft::spawn(async move {
            let _guard = guard;
            s2.set();
            if weft::time::sleep(Duration::from_secs(3600)).await.is_err() {
                c2.store(true, Ordering::SeqCst); // only a cancel() would get here
            }
        });
        started.wait().await;
        assert_eq!(live.count(), 1);
        let begun = Instant::now();
        t.abort();
        let err = t.await.unwrap_err();
        assert!(begun.elapsed() < Duration::from_secs(5));
        assert_eq!(err.as_cancelled().map(|c| c.kind()), Some(CancelKind::Aborted), "{flavour}");
        assert_eq!(err.to_string(), "task was aborted");
        assert_eq!(live.count(), 0, "{flavour}: the future was not dropped");
        assert!(!cleanup_ran.load(Ordering::SeqCst), "{flavour}: abort must not deliver a Cancelled");
    });
}

#[test]
fn abort_after_completion_changes_nothing() {
    block_on_both(|flavour| async move {
        let mut t = weft::spawn(async { 9 });
        let r = t.task_ref();
        wait_until("the task finished", || r.is_finished()).await;
        t.abort();
        assert!(!r.is_cancelled(), "{flavour}");
        assert_eq!((&mut t).await.unwrap(), 9, "{flavour}: the result survives a late abort");
        t.abort();
    });
}

#[test]
fn a_task_that_aborts_itself_stops_at_its_next_suspension() {
    block_on_both(|flavour| async move {
        let reached = Arc::new(AtomicBool::new(false));
        let r2 = reached.clone();
        let t = weft::spawn(async move {
            weft::current_task().unwrap().abort();
            // The poll in progress goes on until it returns Pending...
            let _ = weft::yield_now().await;
            // ...and the future is dropped then: this line never runs.
            r2.store(true, Ordering::SeqCst);
        });
        let err = t.await.unwrap_err();
        assert!(err.is_cancelled(), "{flavour}");
        assert!(!reached.load(Ordering::SeqCst), "{flavour}: the task ran past an abort");
    });
}

#[test]
fn abort_from_a_plain_thread() {
    block_on_both(|flavour| async move {
        let started = Flag::new();
        let s2 = started.clone();
        let t = weft::spawn(async move {
            s2.set();
            std::future::pending::<()>().await
        });
        started.wait().await;
        let r = t.task_ref();
        std::thread::spawn(move || r.abort()).join().unwrap();
        assert!(t.await.unwrap_err().is_cancelled(), "{flavour}");
    });
}

#[test]
fn abort_twice_and_abort_plus_cancel_end_once() {
    block_on_both(|flavour| async move {
        let started = Flag::new();
        let s2 = started.clone();
        let t = weft::spawn(async move {
            s2.set();
            std::future::pending::<()>().await
        });
        started.wait().await;
        t.abort();
        t.abort();
        t.cancel(None);
        let err = t.await.unwrap_err();
        assert!(err.is_cancelled(), "{flavour}");
    });
}

#[test]
fn aborting_a_task_does_not_disturb_the_others() {
    block_on_both(|flavour| async move {
        // Every task waits for the gate, opened only after the aborts: none can finish
        // before its abort, however late the root gets to it.
        let gate = Arc::new(weft::Event::new());
        let tasks: Vec<_> = (0..100u32)
            .map(|i| {
                let gate = gate.clone();
                weft::spawn(async move {
                    gate.wait().await?;
                    weft::time::sleep(Duration::from_millis(5)).await?;
                    Ok::<_, weft::Cancelled>(i)
                })
            })
            .collect();
        // Every other task by position (ids are global: tests running in parallel take
        // some, so their parity would not split these tasks evenly).
        for t in tasks.iter().step_by(2) {
            t.abort();
        }
        gate.set();
        let mut done = 0;
        for (i, t) in tasks.into_iter().enumerate() {
            let even = i % 2 == 0;
            match t.await {
                Ok(Ok(_)) => {
                    assert!(!even, "{flavour}: an aborted task completed");
                    done += 1;
                }
                Err(e) => assert!(even && e.is_cancelled(), "{flavour}: {e}"),
                Ok(Err(c)) => panic!("{flavour}: unexpected {c}"),
            }
        }
        assert_eq!(done, 50);
    });
}
