//! `weft::hyper`'s runtime pieces: the timer's cancellation behaviour, the executor's
//! task names.
#![cfg(feature = "hyper")]

use hyper::rt::{Executor as _, Timer as _};
use std::time::Duration;
use weft::hyper::{Executor, Timer};

/// A cancellation of the task sleeping in hyper's timer does not end the sleep early
/// (hyper would take it for its timeout firing), and is not swallowed: it is delivered
/// at the task's next checkpoint.
#[weft::test(start_paused = true, timeout = "60s")]
async fn a_cancellation_does_not_end_a_hyper_sleep_and_stays_pending() {
    let start = weft::time::now();
    let asleep = std::sync::Arc::new(weft::Event::new());
    let a = asleep.clone();
    let sleeper = weft::spawn(async move {
        a.set(); // the sleep below is polled before the test runs again
        Timer.sleep(Duration::from_secs(30)).await;
        let slept = weft::time::now() - start;
        // (Returned as its message: a task that returns the `Cancelled` itself ends cancelled.)
        let next = weft::cancel::checkpoint().await.map_err(|c| c.message().map(str::to_owned));
        (slept, next)
    });
    asleep.wait().await.unwrap(); // the sleeper is asleep in hyper's sleep
    assert!(sleeper.cancel(Some("stop")));
    let (slept, next_checkpoint) = sleeper.await.unwrap();
    assert!(slept >= Duration::from_secs(30), "the sleep ran to its deadline: {slept:?}");
    assert_eq!(next_checkpoint.unwrap_err().as_deref(), Some("stop"));
}

/// The same on a task that is cancelled before hyper's sleep is first polled.
#[weft::test(start_paused = true, timeout = "60s")]
async fn cancelled_before_the_first_poll() {
    let me = weft::current_task().unwrap();
    me.cancel(None);
    let start = weft::time::now();
    Timer.sleep(Duration::from_secs(5)).await;
    assert!(weft::time::now() - start >= Duration::from_secs(5));
    assert!(weft::cancel::check().is_err(), "still pending after the sleep");
}

/// hyper's `reset` moves a sleep in place, on weft's (here paused) clock.
#[weft::test(start_paused = true, timeout = "60s")]
async fn reset_moves_the_deadline() {
    let start = weft::time::now();
    assert_eq!(Timer.now(), start);
    let mut s = Timer.sleep(Duration::from_secs(3600));
    Timer.reset(&mut s, start + Duration::from_secs(2));
    s.await;
    let slept = weft::time::now() - start;
    assert!(slept >= Duration::from_secs(2) && slept < Duration::from_secs(3600), "{slept:?}");
    let s = Timer.sleep_until(start); // already passed
    s.await;
}

/// The executor's tasks are detached and named: the live-task listing says what they are.
#[weft::test(timeout = "60s")]
async fn executor_tasks_are_named_and_detached() {
    let gate = std::sync::Arc::new(weft::Event::new());
    let (tx, rx) = weft::oneshot::channel();
    let g = gate.clone();
    Executor::named("hyper h2 stream").execute(async move {
        let _ = g.wait().await;
        let _ = tx.send(());
    });
    Executor::new().execute(async {});
    weft::yield_now().await.unwrap();
    let names: Vec<String> = weft::all_tasks()
        .iter()
        .filter(|t| !t.is_finished())
        .filter_map(|t| t.name().map(|n| n.to_string()))
        .collect();
    assert!(names.iter().any(|n| n == "hyper h2 stream"), "{names:?}");
    gate.set();
    rx.await.unwrap();
}
