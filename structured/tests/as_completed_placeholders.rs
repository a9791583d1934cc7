//! `as_completed(..).into_futures()`, asyncio's plain `for f in as_completed(aws)`: the
//! placeholder awaited first gets the first completion; a placeholder whose await is
//! cancelled (before its first poll, while it waits) or dropped takes no completion, the
//! next one awaited does; one cancelled after it resolved changes nothing; after the
//! deadline each one left times out. Order is set with oneshots, not sleeps.

mod common;
use common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use weft::oneshot;
use weft_executor::{Cancelled, JoinError, Task, spawn, yield_now};
use weft_structured::{AsCompletedError, Placeholder, as_completed};

type Out = Result<&'static str, Cancelled>;

/// A task that returns `x` when its oneshot is sent to.
fn gated(x: &'static str) -> (oneshot::Sender<()>, Task<Out>) {
    let (tx, rx) = oneshot::channel::<()>();
    (
        tx,
        spawn(async move {
            let _ = rx.await;
            Ok(x)
        }),
    )
}

/// A task awaiting `p`: it ends cancelled if its await gave `AsCompletedError::Cancelled`
/// (propagated), which it also records in the flag.
fn awaiting(mut p: Placeholder<Out>, saw_cancel: Arc<AtomicBool>) -> Task<Result<usize, AsCompletedError>> {
    spawn(async move {
        let r = (&mut p).await;
        saw_cancel.store(matches!(r, Err(AsCompletedError::Cancelled(_))), SeqCst);
        r.map(|f| f.index)
    })
}

async fn value(p: &mut Placeholder<Out>) -> &'static str {
    p.await.unwrap().result.unwrap().unwrap()
}

/// Every task ready now takes a few steps.
async fn settle() {
    for _ in 0..4 {
        yield_now().await.unwrap();
    }
}

#[test]
fn a_placeholder_cancelled_while_waiting_hands_the_completion_to_the_next() {
    run(async {
        let (ta, a) = gated("a");
        let (tb, b) = gated("b");
        let mut futs = as_completed(vec![a, b], None).into_futures();
        let mut p1 = futs.pop().unwrap();
        let p0 = futs.pop().unwrap();
        // p0 waits first (the front of the line), p1 behind it.
        let saw = Arc::new(AtomicBool::new(false));
        let t0 = awaiting(p0, saw.clone());
        settle().await;
        let t1 = spawn(async move { value(&mut p1).await });
        settle().await;
        assert!(t0.cancel(None));
        assert!(matches!(t0.await, Err(JoinError::Cancelled(_))), "the task ends cancelled");
        assert!(saw.load(SeqCst), "its placeholder gave AsCompletedError::Cancelled");
        // The completion goes to p1, woken when p0 left the front.
        ta.send(()).unwrap();
        assert_eq!(t1.await.unwrap(), "a");
        tb.send(()).unwrap();
    })
}

#[test]
fn a_placeholder_cancelled_before_its_first_poll_takes_nothing() {
    run(async {
        let (ta, a) = gated("a");
        let (tb, b) = gated("b");
        let mut futs =
            as_completed(vec![a, b, spawn(async { std::future::pending().await })], None).into_futures();
        let mut p2 = futs.pop().unwrap();
        let mut p1 = futs.pop().unwrap();
        let p0 = futs.pop().unwrap();
        let saw = Arc::new(AtomicBool::new(false));
        let t0 = awaiting(p0, saw.clone());
        t0.cancel(None);
        assert!(matches!(t0.await, Err(JoinError::Cancelled(_))), "the task ends cancelled");
        assert!(!saw.load(SeqCst), "its body never ran: the placeholder went unpolled, with the task");
        // 'a' was not taken: the next placeholder gets it.
        ta.send(()).unwrap();
        assert_eq!(value(&mut p1).await, "a");
        tb.send(()).unwrap();
        assert_eq!(value(&mut p2).await, "b");
    })
}

#[test]
fn a_placeholder_dropped_while_waiting_takes_nothing() {
    run(async {
        let (ta, a) = gated("a");
        let (tb, b) = gated("b");
        let mut futs = as_completed(vec![a, b], None).into_futures();
        let mut p1 = futs.pop().unwrap();
        let p0 = futs.pop().unwrap();
        let t0 = spawn(async move {
            let _p0 = p0;
            std::future::pending::<()>().await
        });
        // p0 is at the front of the line, waiting, when it is dropped with its task.
        let waiting = spawn(async move { value(&mut p1).await });
        settle().await;
        t0.abort();
        let _ = t0.await;
        ta.send(()).unwrap();
        assert_eq!(waiting.await.unwrap(), "a");
        tb.send(()).unwrap();
    })
}

#[test]
fn the_placeholder_awaited_first_gets_the_first_completion_and_a_late_cancel_changes_nothing() {
    run(async {
        let (ta, a) = gated("a");
        let (tb, b) = gated("b");
        let mut futs = as_completed(vec![a, b], None).into_futures();
        let mut p1 = futs.pop().unwrap();
        let mut p0 = futs.pop().unwrap();
        let t1 = spawn(async move { value(&mut p1).await });
        settle().await;
        tb.send(()).unwrap(); // 'b' finishes first
        let r1 = t1.task_ref();
        assert_eq!(t1.await.unwrap(), "b");
        assert!(!r1.cancel(None), "after it resolved, a cancel reaches nobody");
        ta.send(()).unwrap();
        assert_eq!(value(&mut p0).await, "a");
    })
}

#[test]
fn after_the_deadline_every_placeholder_left_times_out() {
    run(async {
        let (_ta, a) = gated("a");
        let (_tb, b) = gated("b");
        let futs = as_completed(vec![a, b], Some(ms(5))).into_futures();
        assert_eq!(futs.len(), 2);
        for p in futs {
            assert!(matches!(p.await, Err(AsCompletedError::TimedOut(_))));
        }
    })
}

#[test]
fn placeholders_awaited_on_two_workers_get_one_completion_each() {
    run_mt(async {
        let (ta, a) = gated("a");
        let (tb, b) = gated("b");
        let futs = as_completed(vec![a, b], None).into_futures();
        let tasks: Vec<_> = futs.into_iter().map(|mut p| spawn(async move { value(&mut p).await })).collect();
        ta.send(()).unwrap();
        tb.send(()).unwrap();
        let mut got = Vec::new();
        for t in tasks {
            got.push(t.await.unwrap());
        }
        got.sort();
        assert_eq!(got, ["a", "b"]);
    })
}
