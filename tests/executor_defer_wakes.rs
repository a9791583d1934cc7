//! `defer_wakes`: on the multi-thread runtime, the tasks a thread wakes inside the scope
//! stay held back until the outermost guard drops, then all run; on the current-thread
//! runtime the guard changes nothing.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

/// Spawns `n` tasks that each count themselves in `started` before their sleep and in
/// `ran` once the sleep is interrupted; returns once all have started.
async fn sleepers(n: usize, ran: &Arc<AtomicUsize>) -> Vec<weft::Task<()>> {
    let started = Arc::new(AtomicUsize::new(0));
    let tasks = (0..n)
        .map(|_| {
            let (ran, started) = (ran.clone(), started.clone());
            weft::spawn(async move {
                started.fetch_add(1, SeqCst);
                let r = weft::time::sleep(Duration::from_secs(3600)).await;
                assert!(r.is_err(), "the sleep ends by cancellation");
                ran.fetch_add(1, SeqCst);
            })
        })
        .collect();
    while started.load(SeqCst) < n {
        weft::time::sleep(Duration::from_millis(5)).await.unwrap();
    }
    tasks
}

#[test]
fn woken_tasks_wait_for_the_outermost_guard() {
    common::watchdog("defer", common::WATCHDOG, || {
        common::multi().block_on(async {
            let ran = Arc::new(AtomicUsize::new(0));
            let tasks = sleepers(20, &ran).await;
            {
                let _outer = weft::defer_wakes();
                {
                    let _inner = weft::defer_wakes();
                    for t in &tasks {
                        assert!(t.cancel(None));
                    }
                }
                // Both workers are idle; a task that had been submitted would have run.
                std::thread::sleep(Duration::from_millis(100));
                assert_eq!(ran.load(SeqCst), 0, "a wake-up escaped the scope");
            }
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(ran.load(SeqCst), 20);
        })
    });
}

#[test]
fn the_guard_changes_nothing_on_the_current_thread_runtime() {
    common::watchdog("defer-current", common::WATCHDOG, || {
        common::current().block_on(async {
            let ran = Arc::new(AtomicUsize::new(0));
            let tasks = sleepers(5, &ran).await;
            {
                let _batch = weft::defer_wakes();
                for t in &tasks {
                    t.cancel(None);
                }
                // The loop runs the woken tasks in FIFO order at the next yield, in the scope.
                weft::yield_now().await.unwrap();
                assert_eq!(ran.load(SeqCst), 5);
            }
            for t in tasks {
                t.await.unwrap();
            }
        })
    });
}

/// Spawns `n` tasks waiting on `event`, each counting itself in `ran` once woken; returns
/// once all of them are in the event's waiter list.
async fn event_waiters(n: usize, event: &Arc<weft::Event>, ran: &Arc<AtomicUsize>) -> Vec<weft::Task<()>> {
    let tasks = (0..n)
        .map(|_| {
            let (event, ran) = (event.clone(), ran.clone());
            weft::spawn(async move {
                event.wait().await.unwrap();
                ran.fetch_add(1, SeqCst);
            })
        })
        .collect();
    while event.waiters() < n {
        weft::time::sleep(Duration::from_millis(1)).await.unwrap();
    }
    tasks
}

/// A primitive hands its many woken waiters to the workers as one batch of its own; inside
/// an outer guard that batch is held back too, and after it every waiter runs.
#[test]
fn a_set_event_wakes_its_waiters_in_a_batch_that_an_outer_guard_still_holds_back() {
    common::watchdog("defer-event", common::WATCHDOG, || {
        common::multi().block_on(async {
            let (event, ran) = (Arc::new(weft::Event::new()), Arc::new(AtomicUsize::new(0)));
            let tasks = event_waiters(200, &event, &ran).await;
            {
                let _outer = weft::defer_wakes();
                event.set();
                // Both workers are idle; a task that had been submitted would have run.
                std::thread::sleep(Duration::from_millis(100));
                assert_eq!(ran.load(SeqCst), 0, "a wake-up escaped the outer guard");
            }
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(ran.load(SeqCst), 200);
        })
    });
}

/// Set from a thread outside the runtime, the event's 1,000 waiters reach the workers as
/// one batch, and every one of them runs.
#[test]
fn a_set_from_outside_the_runtime_wakes_every_waiter() {
    common::watchdog("defer-event-outside", common::WATCHDOG, || {
        let rt = common::multi();
        let (event, ran) = (Arc::new(weft::Event::new()), Arc::new(AtomicUsize::new(0)));
        let tasks = rt.block_on(event_waiters(1000, &event, &ran));
        std::thread::spawn({
            let event = event.clone();
            move || event.set()
        })
        .join()
        .unwrap();
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        assert_eq!(ran.load(SeqCst), 1000);
    });
}
