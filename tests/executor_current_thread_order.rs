//! The current-thread runtime runs tasks in asyncio's exact order: FIFO in spawn order;
//! a task woken by another goes to the back of the queue; `yield_now` lets every ready
//! task run; the root task takes its turn like the others. And the cooperative budget
//! keeps an always-ready task from starving the rest.

mod common;

use common::Flag;
use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

type Log = Arc<Mutex<Vec<String>>>;

fn current<F: std::future::Future<Output = ()>>(f: impl FnOnce(Log) -> F + Send + 'static) -> Vec<String> {
    common::watchdog("current_thread", common::WATCHDOG, move || {
        let log: Log = Arc::default();
        common::current().block_on(f(log.clone()));

        log.lock().clone()
    })
}

fn push(log: &Log, s: impl Into<String>) {
    log.lock().push(s.into());
}

#[test]
fn tasks_run_in_spawn_order() {
    let log = current(|log| async move {
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let log = log.clone();
                weft::spawn(async move { push(&log, format!("t{i}")) })
            })
            .collect();
        push(&log, "main before yield");
        weft::yield_now().await.unwrap();
        push(&log, "main after yield");
        for t in tasks {
            t.await.unwrap();
        }
    });
    let mut expected = vec!["main before yield".to_string()];
    expected.extend((0..10).map(|i| format!("t{i}")));
    expected.push("main after yield".into());
    assert_eq!(log, expected);
}

#[test]
fn yield_now_lets_every_ready_task_run_round_robin() {
    let log = current(|log| async move {
        let tasks: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|name| {
                let log = log.clone();
                weft::spawn(async move {
                    for round in 0..3 {
                        push(&log, format!("{name}{round}"));
                        weft::yield_now().await.unwrap();
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(log, ["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"]);
}

#[test]
fn a_task_woken_by_another_goes_to_the_back_of_the_queue() {
    let log = current(|log| async move {
        let flag = Flag::new();
        let (l1, f1) = (log.clone(), flag.clone());
        let a = weft::spawn(async move {
            push(&l1, "a waits");
            f1.wait().await;
            push(&l1, "a woken");
        });
        let (l2, f2) = (log.clone(), flag.clone());
        let b = weft::spawn(async move {
            push(&l2, "b wakes a");
            f2.set();
            push(&l2, "b done");
        });
        let l3 = log.clone();
        let c = weft::spawn(async move { push(&l3, "c runs") });
        a.await.unwrap();
        b.await.unwrap();
        c.await.unwrap();
    });
    // c was queued before a was woken, so it runs first.
    assert_eq!(log, ["a waits", "b wakes a", "b done", "c runs", "a woken"]);
}

#[test]
fn the_root_task_takes_its_turn_in_the_same_queue() {
    let log = current(|log| async move {
        let l1 = log.clone();
        let t = weft::spawn(async move {
            push(&l1, "child 1");
            weft::yield_now().await.unwrap();
            push(&l1, "child 2");
        });
        push(&log, "root 1");
        weft::yield_now().await.unwrap();
        push(&log, "root 2");
        weft::yield_now().await.unwrap();
        push(&log, "root 3");
        t.await.unwrap();
    });
    assert_eq!(log, ["root 1", "child 1", "root 2", "child 2", "root 3"]);
}

#[test]
fn spawn_local_tasks_share_the_fifo_with_send_tasks() {
    let log = current(|log| async move {
        let l1 = log.clone();
        let a = weft::spawn(async move { push(&l1, "send") });
        let l2 = std::rc::Rc::new(log.clone());
        let b = weft::spawn_local(async move { push(&l2, "local") });
        let l3 = log.clone();
        let c = weft::spawn(async move { push(&l3, "send again") });
        a.await.unwrap();
        b.await.unwrap();
        c.await.unwrap();
    });
    assert_eq!(log, ["send", "local", "send again"]);
}

#[test]
fn a_wake_from_another_thread_reaches_the_loop() {
    let log = current(|log| async move {
        let flag = Flag::new();
        let f2 = flag.clone();
        let l1 = log.clone();
        let t = weft::spawn(async move {
            f2.wait().await;
            push(&l1, "woken from a thread");
        });
        weft::yield_now().await.unwrap();
        let th = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            flag.set();
        });
        t.await.unwrap();
        th.join().unwrap();
    });
    assert_eq!(log, ["woken from a thread"]);
}

#[test]
fn an_always_ready_checkpoint_loop_does_not_starve_other_tasks() {
    // Without the cooperative budget, `spinner` never returns Pending, the loop never gets
    // to `stopper`, and the watchdog fires.
    let spins = Arc::new(AtomicUsize::new(0));
    let s2 = spins.clone();
    common::watchdog("coop", common::WATCHDOG, move || {
        common::current().block_on(async move {
            let stop = Arc::new(AtomicBool::new(false));
            let (st, sp) = (stop.clone(), s2.clone());
            let spinner = weft::spawn(async move {
                while !st.load(Ordering::SeqCst) {
                    weft::checkpoint().await.unwrap();
                    sp.fetch_add(1, Ordering::SeqCst);
                }
            });
            let stopper = weft::spawn(async move { stop.store(true, Ordering::SeqCst) });
            spinner.await.unwrap();
            stopper.await.unwrap();
        });
    });
    let n = spins.load(Ordering::SeqCst);
    assert!(n >= 1, "the spinner never ran");
    assert!(n <= 10 * weft::coop::BUDGET as usize, "the spinner ran {n} times before yielding");
}
