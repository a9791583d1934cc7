//! `#[weft::main]` and `#[weft::test]` as a user writes them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[weft::test]
async fn a_test_runs_on_a_current_thread_runtime_by_default() {
    let here = std::thread::current().id();
    let there = weft::spawn(async { std::thread::current().id() }).await.unwrap();
    assert_eq!(here, there, "every task of a current-thread runtime runs on the test's thread");
}

#[weft::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_can_ask_for_a_multi_thread_runtime() {
    let name = weft::spawn(async { std::thread::current().name().map(str::to_string) }).await.unwrap();
    assert!(name.is_some_and(|n| n.contains("weft")), "spawned tasks run on weft's workers");
}

#[weft::test]
async fn a_test_may_return_a_result() -> Result<(), weft::Cancelled> {
    weft::yield_now().await?;
    Ok(())
}

/// A test that runs past its timeout fails, naming the tasks still alive.
#[weft::test(timeout = "200ms")]
#[should_panic(expected = "\"stuck-worker\"")]
async fn a_test_that_times_out_names_the_tasks_still_alive() {
    let _stuck = weft::spawn_named("stuck-worker", std::future::pending::<()>());
    std::future::pending::<()>().await;
}

/// A timeout that does not fire changes nothing.
#[weft::test(timeout = "60s")]
async fn a_test_within_its_timeout_passes() {
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    weft::spawn(async move { r.store(true, Ordering::SeqCst) }).await.unwrap();
    assert!(ran.load(Ordering::SeqCst));
}

/// A paused clock: an hour of sleeps takes no wall-clock time, and time moves only as
/// far as the sleeps need (auto-advance when every task is idle).
#[weft::test(start_paused = true, timeout = "60s")]
async fn a_paused_test_sleeps_an_hour_in_no_time() {
    let wall = std::time::Instant::now();
    let start = weft::time::now();
    weft::time::sleep(std::time::Duration::from_secs(3600)).await.unwrap();
    let slept = weft::time::now() - start;
    assert!(slept >= std::time::Duration::from_secs(3600), "{slept:?}");
    assert!(slept < std::time::Duration::from_secs(3601), "the clock jumped past the deadline: {slept:?}");
    assert!(wall.elapsed() < std::time::Duration::from_secs(30), "the hour passed on the test clock");
}

mod main_attribute {
    // `#[weft::main]` on a function not named main: it becomes a plain fn that runs its
    // body on a multi-thread runtime with `weft::run`'s semantics.
    #[weft::main(worker_threads = 2)]
    async fn program() -> u32 {
        // Left running when the body returns: cancelled and awaited, as asyncio.run does.
        weft::spawn(weft::time::sleep(std::time::Duration::from_secs(3600)));
        weft::spawn(async { 40 }).await.unwrap() + 2
    }

    #[test]
    fn main_runs_the_body_and_cancels_what_is_left() {
        assert_eq!(program(), 42);
    }
}
