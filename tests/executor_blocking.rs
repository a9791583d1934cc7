//! `to_thread` / `spawn_blocking`: results, panics, and an awaiter cancelled while the
//! function runs on (a thread cannot be interrupted, as in asyncio).

mod common;

use common::{block_on_both, on_both, wait_until};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[test]
fn to_thread_and_spawn_blocking_return_the_result() {
    block_on_both(|flavour| async move {
        assert_eq!(weft::to_thread(|| 2 + 2).await.unwrap(), 4, "{flavour}");
        let s = weft::spawn_blocking(|| "from the pool".to_string()).await.unwrap();
        assert_eq!(s, "from the pool");
    });
}

#[test]
fn blocking_work_runs_on_a_pool_thread_not_on_the_caller() {
    block_on_both(|flavour| async move {
        let me = std::thread::current().id();
        let (id, name) = weft::to_thread(|| {
            (std::thread::current().id(), std::thread::current().name().map(String::from))
        })
        .await
        .unwrap();
        assert_ne!(id, me, "{flavour}");
        assert!(name.unwrap_or_default().starts_with("weft-blocking"), "{flavour}");
    });
}

#[test]
fn runtime_spawn_blocking_from_outside() {
    on_both(|rt, flavour| {
        let job = rt.spawn_blocking(|| 10);
        assert_eq!(rt.block_on(job).unwrap(), 10, "{flavour}");
    });
}

#[test]
fn a_panic_in_the_function_is_reported_and_the_pool_goes_on() {
    block_on_both(|flavour| async move {
        let err = weft::to_thread(|| -> u8 { panic!("blocking boom") }).await.unwrap_err();
        assert!(err.is_panic(), "{flavour}");
        assert_eq!(err.panic_message(), Some("blocking boom"));
        for i in 0..5 {
            assert_eq!(weft::to_thread(move || i).await.unwrap(), i, "{flavour}");
        }
    });
}

#[test]
fn cancelling_the_awaiter_returns_at_once_and_the_function_runs_on() {
    block_on_both(|flavour| async move {
        let finished = Arc::new(AtomicBool::new(false));
        let f2 = finished.clone();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let entered = Arc::new(AtomicBool::new(false));
        let e2 = entered.clone();
        let t = weft::spawn(async move {
            weft::to_thread(move || {
                e2.store(true, Ordering::SeqCst);
                release_rx.recv_timeout(Duration::from_secs(10)).ok();
                f2.store(true, Ordering::SeqCst);
                "finished"
            })
            .await
            .map_err(|e| e.is_cancelled())
        });
        wait_until("the function started", || entered.load(Ordering::SeqCst)).await;
        let begun = Instant::now();
        assert!(t.cancel(None));
        assert_eq!(t.await.unwrap(), Err(true), "{flavour}: the awaiter sees a cancellation");
        assert!(begun.elapsed() < Duration::from_secs(5), "{flavour}: cancel waited for the thread");
        assert!(!finished.load(Ordering::SeqCst), "{flavour}: the function cannot be interrupted");
        release_tx.send(()).unwrap();
        wait_until("the function ran to the end", || finished.load(Ordering::SeqCst)).await;
    });
}

#[test]
fn blocking_jobs_run_in_parallel() {
    block_on_both(|flavour| async move {
        // 8 jobs that each block 100 ms: a pool that grows runs them side by side.
        let start = Instant::now();
        let jobs: Vec<_> =
            (0..8).map(|_| weft::spawn_blocking(|| std::thread::sleep(Duration::from_millis(100)))).collect();
        for j in jobs {
            j.await.unwrap();
        }
        let took = start.elapsed();
        assert!(took < Duration::from_millis(700), "{flavour}: 8 x 100 ms took {took:?}: serialised?");
    });
}

#[test]
fn a_blocking_job_does_not_block_the_runtime() {
    block_on_both(|flavour| async move {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let job = weft::to_thread(move || rx.recv_timeout(Duration::from_secs(10)).is_ok());
        // While the job blocks, tasks go on running (even on the single-thread loop).
        let ticks = Arc::new(AtomicUsize::new(0));
        let t2 = ticks.clone();
        let ticker = weft::spawn(async move {
            for _ in 0..5 {
                weft::time::sleep(Duration::from_millis(2)).await.unwrap();
                t2.fetch_add(1, Ordering::SeqCst);
            }
        });
        ticker.await.unwrap();
        assert_eq!(ticks.load(Ordering::SeqCst), 5, "{flavour}");
        tx.send(()).unwrap();
        assert!(job.await.unwrap(), "{flavour}");
    });
}

#[test]
fn a_blocking_task_reports_is_finished() {
    block_on_both(|flavour| async move {
        let job = weft::spawn_blocking(|| 1);
        wait_until("the job finished", || job.is_finished()).await;
        assert_eq!(job.await.unwrap(), 1, "{flavour}");
    });
}
