//! Spawning tasks and joining them, on both flavours.

mod common;

use common::{block_on_both, on_both, wait_until};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

#[test]
fn spawn_and_join_returns_the_value() {
    block_on_both(|_| async {
        let t = weft::spawn(async { 6 * 7 });
        assert_eq!(t.await.unwrap(), 42);
    });
}

#[test]
fn a_task_that_suspends_is_joined_after_it_resumes() {
    block_on_both(|_| async {
        let t = weft::spawn(async {
            weft::time::sleep(Duration::from_millis(5)).await?;
            weft::yield_now().await?;
            Ok::<_, weft::Cancelled>("done")
        });
        assert_eq!(t.await.unwrap().unwrap(), "done");
    });
}

#[test]
fn ten_thousand_tasks_all_complete() {
    block_on_both(|flavour| async move {
        let tasks: Vec<_> = (0..10_000u64).map(|i| weft::spawn(async move { i })).collect();
        let mut sum = 0;
        for t in tasks {
            sum += t.await.unwrap();
        }
        assert_eq!(sum, 10_000 * 9_999 / 2, "{flavour}");
    });
}

#[test]
fn many_tasks_that_suspend_all_complete() {
    block_on_both(|flavour| async move {
        let tasks: Vec<_> = (0..2_000u64)
            .map(|i| {
                weft::spawn(async move {
                    for _ in 0..3 {
                        weft::yield_now().await?;
                    }
                    weft::time::sleep(Duration::from_millis(i % 7)).await?;
                    Ok::<_, weft::Cancelled>(i)
                })
            })
            .collect();
        let mut sum = 0;
        for t in tasks {
            sum += t.await.unwrap().unwrap();
        }
        assert_eq!(sum, 2_000 * 1_999 / 2, "{flavour}");
    });
}

#[test]
fn a_chain_of_tasks_each_spawning_the_next() {
    fn chain(n: u32) -> weft::Task<u32> {
        weft::spawn(async move { if n == 0 { 0 } else { chain(n - 1).await.unwrap() + 1 } })
    }
    block_on_both(|_| async { assert_eq!(chain(500).await.unwrap(), 500) });
}

#[test]
fn runtime_spawn_from_outside_then_join_in_block_on() {
    on_both(|rt, flavour| {
        let t = rt.spawn(async { "from outside" });
        assert_eq!(rt.block_on(t).unwrap(), "from outside", "{flavour}");
    });
}

#[test]
fn dropping_a_task_detaches_it_and_it_still_runs() {
    block_on_both(|flavour| async move {
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        drop(weft::spawn(async move {
            weft::time::sleep(Duration::from_millis(5)).await.unwrap();
            r.store(true, Ordering::SeqCst);
        }));
        wait_until(&format!("{flavour}: the detached task ran"), || ran.load(Ordering::SeqCst)).await;
    });
}

#[test]
fn the_result_of_a_detached_task_is_dropped() {
    block_on_both(|flavour| async move {
        let live = common::Live::new();
        let guard = live.guard();
        let t = weft::spawn(async move { guard });
        let r = t.task_ref();
        drop(t);
        wait_until("the task finished", || r.is_finished()).await;
        assert_eq!(live.count(), 0, "{flavour}: the output of a detached task was not dropped");
    });
}

#[test]
fn is_finished_and_ids_and_names() {
    block_on_both(|flavour| async move {
        let a = weft::spawn_named("alpha", async { weft::current_task().unwrap() });
        let b = weft::spawn(async {});
        assert_ne!(a.id(), b.id());
        assert_eq!(a.name().as_deref(), Some("alpha"));
        assert_eq!(b.name(), None);
        let a_ref = a.task_ref();
        assert!(!a_ref.is_finished() || flavour == "multi_thread");
        let inner = a.await.unwrap();
        assert_eq!(inner.id(), a_ref.id(), "current_task() inside a task is that task");
        assert_eq!(inner.name().as_deref(), Some("alpha"));
        assert!(a_ref.is_finished());
        assert!(!a_ref.is_cancelled());
        b.await.unwrap();
    });
}

#[test]
fn all_tasks_lists_live_tasks_and_the_root() {
    block_on_both(|flavour| async move {
        let t = weft::spawn(std::future::pending::<()>());
        let root = weft::current_task().expect("block_on runs a task");
        let all = weft::all_tasks();
        assert!(all.iter().any(|r| r.id() == t.id()), "{flavour}: spawned task missing");
        assert!(all.iter().any(|r| r.id() == root.id()), "{flavour}: root task missing");
        let t_id = t.id();
        t.abort();
        assert!(t.await.unwrap_err().is_cancelled());
        assert!(!weft::all_tasks().iter().any(|r| r.id() == t_id), "{flavour}: a finished task is listed");
    });
}

#[test]
fn alive_tasks_counts_unfinished_tasks() {
    on_both(|rt, flavour| {
        let t = rt.spawn(std::future::pending::<()>());
        assert_eq!(rt.alive_tasks(), 1, "{flavour}");
        t.abort();
        assert!(rt.block_on(t).unwrap_err().is_cancelled());
        assert_eq!(rt.alive_tasks(), 0, "{flavour}");
    });
}

#[test]
fn tasks_spawned_by_tasks_run_concurrently() {
    block_on_both(|flavour| async move {
        // Every task waits for all the others to have started: only finishes if they
        // really run interleaved.
        const N: usize = 50;
        let started = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..N)
            .map(|_| {
                let started = started.clone();
                weft::spawn(async move {
                    started.fetch_add(1, Ordering::SeqCst);
                    wait_until("every task started", || started.load(Ordering::SeqCst) == N).await;
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(started.load(Ordering::SeqCst), N, "{flavour}");
    });
}

#[test]
fn run_returns_the_main_futures_value_on_both_flavours() {
    common::watchdog("run", common::WATCHDOG, || {
        assert_eq!(weft::run(async { weft::spawn(async { 5 }).await.unwrap() }), 5);
        let rt = common::current();
        assert_eq!(weft::run_on(&rt, async { 7 }), Ok(7));
    });
}

#[test]
fn a_joined_task_is_no_longer_listed_or_counted() {
    // Once `await` returned a task's result, the task has left the runtime: all_tasks()
    // and alive_tasks() must not still see it (a race with the worker that completed it).
    on_both(|rt, flavour| {
        for i in 0..300 {
            let t = rt.spawn(async { weft::yield_now().await.unwrap() });
            let id = t.id();
            rt.block_on(async {
                t.await.unwrap();
                assert!(
                    !weft::all_tasks().iter().any(|r| r.id() == id),
                    "{flavour}: round {i}: still listed"
                );
            });
            assert_eq!(rt.alive_tasks(), 0, "{flavour}: round {i}: still counted");
        }
    });
}
