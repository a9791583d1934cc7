//! Seeing inside a running runtime (`weft::observe`): metrics, the live task tree, debug
//! mode's reports, and their bad input.

mod common;

use common::watchdog;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use weft::observe::{DebugEvent, ObserveError, TaskState, WaitDetail};

const LIMIT: Duration = Duration::from_secs(60);

/// A debug-mode runtime whose reports land in a vector.
fn debug_rt(multi: bool) -> (weft::Runtime, Arc<Mutex<Vec<DebugEvent>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let b = weft::Runtime::builder()
        .debug(true)
        .debug_sink(move |e: &DebugEvent| sink.lock().unwrap().push(e.clone()));
    let b = if multi { b.multi_thread().worker_threads(2) } else { b.current_thread() };
    (b.build().unwrap(), seen)
}

/// Yields until `f` holds (bounded: fails the test after 10,000 turns).
async fn until(mut f: impl FnMut() -> bool) {
    for _ in 0..10_000 {
        if f() {
            return;
        }
        weft::time::sleep(Duration::from_millis(1)).await.unwrap();
    }
    panic!("condition never held");
}

#[test]
fn metrics_count_polls_parks_and_busy_time_per_worker() {
    watchdog("metrics", LIMIT, || {
        let rt = weft::Runtime::builder().worker_threads(2).build().unwrap();
        rt.block_on(async {
            for _ in 0..10 {
                let tasks: Vec<_> = (0..200).map(|i| weft::spawn(async move { i })).collect();
                for t in tasks {
                    t.await.unwrap();
                }
                weft::time::sleep(Duration::from_millis(2)).await.unwrap();
            }
        });
        let m = rt.observer().metrics().unwrap();
        assert_eq!(m.workers.len(), 2);
        assert!(m.workers.iter().map(|w| w.polls).sum::<u64>() >= 2000, "{m:?}");
        assert!(m.workers.iter().map(|w| w.parks).sum::<u64>() >= 1, "{m:?}");
        assert!(m.workers.iter().map(|w| w.busy).sum::<Duration>() > Duration::ZERO, "{m:?}");
        assert_eq!(m.pending_timers, 0);
        // A joined task leaves the list just after its result is out: eventually none.
        let start = Instant::now();
        while rt.observer().metrics().unwrap().live_tasks != 0 {
            assert!(start.elapsed() < Duration::from_secs(10), "tasks never left the list");
            std::thread::yield_now();
        }
    });
}

#[test]
fn steals_are_counted_when_one_worker_spawns_for_both() {
    watchdog("steals", LIMIT, || {
        let rt = weft::Runtime::builder().worker_threads(2).build().unwrap();
        let obs = rt.observer();
        rt.block_on(async {
            // One task spawns many that each do a little work: the other worker can only
            // get some by stealing them from the spawner's ring.
            for _ in 0..50 {
                let m = obs.metrics().unwrap();
                let steals = m.workers.iter().map(|w| w.steals).sum::<u64>();
                let stolen = m.workers.iter().map(|w| w.stolen_tasks).sum::<u64>();
                if steals > 0 {
                    // Each steal brought at least the task it ran; none brought more than
                    // half of a round's 64 tasks, rounded up.
                    assert!(
                        stolen >= steals && stolen <= 32 * steals,
                        "{steals} steals brought {stolen} tasks"
                    );
                    return;
                }
                weft::spawn(async {
                    let tasks: Vec<_> = (0..64)
                        .map(|_| weft::spawn(async { std::thread::sleep(Duration::from_micros(200)) }))
                        .collect();
                    for t in tasks {
                        t.await.unwrap();
                    }
                })
                .await
                .unwrap();
            }
            panic!("no steal in 50 rounds of 64 tasks spawned on one worker");
        });
    });
}

#[test]
fn gauges_show_timers_io_and_blocking_threads() {
    watchdog("gauges", LIMIT, || {
        let rt = weft::Runtime::builder().current_thread().build().unwrap();
        let obs = rt.observer();
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        rt.block_on(async {
            let _sleeper = weft::spawn(weft::time::sleep(Duration::from_secs(3600)));
            let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let job = weft::spawn_blocking(move || {
                started_tx.send(()).unwrap();
                held.recv().unwrap();
            });
            weft::yield_now().await.unwrap();
            weft::to_thread(move || started.recv().unwrap()).await.unwrap();
            let m = obs.metrics().unwrap();
            assert_eq!(m.pending_timers, 1, "{m:?}");
            assert!(m.io_registrations >= 1, "{m:?}");
            assert_eq!(m.live_tasks, 1, "{m:?}");
            assert!(m.blocking_busy >= 1 && m.blocking_threads >= 1, "{m:?}");
            release.send(()).unwrap();
            job.await.unwrap();
            drop(listener);
        });
    });
}

#[test]
fn a_runtime_that_has_shut_down_answers_with_a_typed_error() {
    for multi in [false, true] {
        let b = weft::Runtime::builder();
        let rt = if multi { b.worker_threads(2).build() } else { b.current_thread().build() }.unwrap();
        let obs = rt.observer();
        assert!(obs.metrics().is_ok());
        drop(rt);
        assert_eq!(obs.metrics().unwrap_err(), ObserveError::ShutDown);
        assert_eq!(obs.task_tree().unwrap_err(), ObserveError::ShutDown);
        assert_eq!(obs.task_tree().unwrap_err().to_string(), "the runtime has shut down");
    }
}

#[test]
fn a_zero_slow_poll_threshold_is_refused() {
    let err = weft::Runtime::builder().debug(true).slow_poll_threshold(Duration::ZERO).build().unwrap_err();
    assert!(matches!(err, weft::BuildError::InvalidConfig(m) if m.contains("slow_poll_threshold")));
    // Refused even with debug mode off: the setting is wrong either way.
    assert!(weft::Runtime::builder().slow_poll_threshold(Duration::ZERO).build().is_err());
}

#[test]
fn a_slow_poll_is_reported_with_name_parent_and_spawn_location() {
    for multi in [false, true] {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let b = weft::Runtime::builder()
            .debug(true)
            .slow_poll_threshold(Duration::from_millis(20))
            .debug_sink(move |e: &DebugEvent| sink.lock().unwrap().push(e.clone()));
        let rt = if multi { b.worker_threads(2).build() } else { b.current_thread().build() }.unwrap();
        let line = line!() + 2;
        rt.block_on(async {
            weft::spawn_named("hog", async { std::thread::sleep(Duration::from_millis(60)) }).await.unwrap();
        });
        // The report follows the poll, which the join may have seen end first: the
        // shutdown joins the workers, so every report is in by then.
        drop(rt);
        let seen = seen.lock().unwrap();
        let hog = seen
            .iter()
            .find_map(|e| match e {
                DebugEvent::SlowPoll { task, elapsed } if task.name.as_deref() == Some("hog") => {
                    Some((task, *elapsed))
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("no slow poll of hog in {seen:?}"));
        assert!(hog.1 >= Duration::from_millis(60));
        let at = hog.0.spawned_at.as_deref().unwrap();
        assert!(at.starts_with(&format!("tests/observe.rs:{line}:")), "{at}");
        let text = seen.iter().map(|e| e.to_string()).find(|s| s.contains("hog")).unwrap();
        assert!(text.starts_with("slow poll: task ") && text.contains("tests/observe.rs"), "{text}");
    }
}

#[test]
fn a_detached_failure_and_a_failure_dropped_unread_are_reported() {
    watchdog("unobserved", LIMIT, || {
        let (rt, seen) = debug_rt(true);
        rt.block_on(async {
            drop(weft::spawn_named("detached", async { panic!("boom one") }));
            let t = weft::spawn_named("unread", async { panic!("boom two") });
            until(|| t.is_finished()).await;
            drop(t);
            // A failure that is read is not reported.
            let read = weft::spawn_named("read", async { panic!("boom three") });
            assert!(read.await.is_err());
            let failures = || {
                seen.lock()
                    .unwrap()
                    .iter()
                    .filter(|e| matches!(e, DebugEvent::UnobservedFailure { .. }))
                    .count()
            };
            until(|| failures() >= 2).await;
        });
        drop(rt);
        let seen = seen.lock().unwrap();
        let failures: Vec<_> = seen
            .iter()
            .filter_map(|e| match e {
                DebugEvent::UnobservedFailure { task, message, handle_dropped } => {
                    Some((task.name.clone().unwrap(), message.clone(), *handle_dropped))
                }
                _ => None,
            })
            .collect();
        assert!(failures.contains(&("detached".into(), "boom one".into(), false)), "{failures:?}");
        assert!(failures.contains(&("unread".into(), "boom two".into(), true)), "{failures:?}");
        assert_eq!(failures.len(), 2, "{failures:?}");
    });
}

#[test]
fn a_swallowed_cancellation_is_reported_and_an_uncancelled_one_is_not() {
    watchdog("swallowed", LIMIT, || {
        let (rt, seen) = debug_rt(false);
        rt.block_on(async {
            let swallower = weft::spawn_named("swallower", async {
                let _ = weft::time::sleep(Duration::from_secs(3600)).await; // the Cancelled is dropped
            });
            let honest = weft::spawn_named("honest", async {
                if weft::time::sleep(Duration::from_secs(3600)).await.is_err() {
                    weft::current_task().unwrap().uncancel();
                }
            });
            weft::yield_now().await.unwrap();
            swallower.cancel(None);
            honest.cancel(None);
            assert!(swallower.await.is_ok());
            assert!(honest.await.is_ok());
        });
        let seen = seen.lock().unwrap();
        let names: Vec<_> = seen
            .iter()
            .filter_map(|e| match e {
                DebugEvent::SwallowedCancellation { task } => {
                    Some((task.name.clone().unwrap(), task.cancel_requests))
                }
                _ => None,
            })
            .collect();
        assert_eq!(names, vec![("swallower".to_string(), 1)]);
    });
}

#[test]
fn tasks_pending_at_shutdown_are_listed_with_what_they_wait_on() {
    for multi in [false, true] {
        let (rt, seen) = debug_rt(multi);
        rt.block_on(async {
            let ev = Arc::new(weft::Event::new());
            let ev2 = ev.clone();
            let _stuck = weft::spawn_named("stuck", async move { ev2.wait().await });
            weft::yield_now().await.unwrap();
            let obs = weft::observe::current().unwrap();
            until(|| obs.task_tree().unwrap().tasks.first().is_some_and(|t| t.waiting_on.is_some())).await;
            std::mem::forget(ev); // never set
        });
        drop(rt);
        let seen = seen.lock().unwrap();
        let tasks = seen
            .iter()
            .find_map(|e| match e {
                DebugEvent::PendingAtShutdown { tasks } => Some(tasks.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no shutdown report in {seen:?}"));
        assert_eq!(tasks.len(), 1);
        assert_eq!(tasks[0].name.as_deref(), Some("stuck"));
        assert_eq!(tasks[0].waiting_on.unwrap().kind, "event");
        let text = DebugEvent::PendingAtShutdown { tasks }.to_string();
        assert!(text.contains("\"stuck\"") && text.contains("waiting on event"), "{text}");
    }
}

#[test]
fn the_tree_nests_by_parent_and_says_what_each_task_waits_on() {
    watchdog("tree", LIMIT, || {
        let (rt, _seen) = debug_rt(false);
        rt.block_on(async {
            let lock = Arc::new(weft::Lock::new());
            let guard = lock.acquire().await.unwrap();
            let l2 = lock.clone();
            let parent = weft::spawn_named("parent", async move {
                let child = weft::spawn_named("child", async move {
                    let _g = l2.acquire().await;
                });
                let sleeper = weft::spawn_named("sleeper", weft::time::sleep(Duration::from_secs(3600)));
                let _ = child.await;
                let _ = sleeper.await;
            });
            let obs = weft::observe::current().unwrap();
            until(|| obs.task_tree().unwrap().tasks.iter().filter(|t| t.waiting_on.is_some()).count() == 3)
                .await;
            let tree = obs.task_tree().unwrap();
            let by_name = |n: &str| tree.tasks.iter().find(|t| t.name.as_deref() == Some(n)).unwrap();
            let (p, c, s) = (by_name("parent"), by_name("child"), by_name("sleeper"));
            assert_eq!(c.parent, Some(p.id));
            assert_eq!(s.parent, Some(p.id));
            assert_eq!(p.state, TaskState::Waiting);
            assert_eq!(p.waiting_on.unwrap().kind, "join");
            assert_eq!(p.waiting_on.unwrap().detail, WaitDetail::Task(c.id));
            assert_eq!(c.waiting_on.unwrap().kind, "lock/semaphore");
            assert_eq!(s.waiting_on.unwrap().kind, "sleep");
            assert!(matches!(s.waiting_on.unwrap().detail, WaitDetail::Deadline(_)));
            let text = tree.to_string();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 3, "{text}");
            assert!(
                lines[0].starts_with(&format!("task {} \"parent\" [waiting on join task {}", p.id, c.id)),
                "{text}"
            );
            assert!(
                lines[1].starts_with(&format!("├─ task {} \"child\" [waiting on lock/semaphore", c.id)),
                "{text}"
            );
            assert!(
                lines[2].starts_with(&format!("└─ task {} \"sleeper\" [waiting on sleep (due in", s.id)),
                "{text}"
            );
            let json = tree.to_json();
            assert!(json.starts_with(&format!(
                "{{\"tasks\":[{{\"id\":{},\"name\":\"parent\",\"state\":\"waiting\"",
                p.id
            )));
            assert!(json.contains("\"children\":[{\"id\":"), "{json}");
            assert_eq!(json.matches('{').count(), json.matches('}').count());
            assert_eq!(json.matches('[').count(), json.matches(']').count());
            drop(guard);
            parent.cancel(None);
            let _ = parent.await;
        });
    });
}

#[test]
fn without_debug_mode_the_tree_has_states_names_and_cancel_counts_only() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    rt.block_on(async {
        let t = weft::spawn_named("plain", weft::time::sleep(Duration::from_secs(3600)));
        weft::yield_now().await.unwrap();
        t.cancel(None);
        let tree = weft::observe::current().unwrap().task_tree().unwrap();
        assert_eq!(tree.tasks.len(), 1);
        let info = &tree.tasks[0];
        assert_eq!(info.name.as_deref(), Some("plain"));
        assert_eq!(info.state, TaskState::Runnable, "cancel() woke it");
        assert_eq!(info.cancel_requests, 1);
        assert!(info.parent.is_none() && info.spawned_at.is_none() && info.waiting_on.is_none());
        assert!(tree.to_string().contains("cancelling=1"));
        let _ = t.await;
    });
}

/// The tree is read while two workers spawn and finish tasks as fast as they can: every
/// snapshot is well formed (unique ids, JSON balanced), holds the task that lives
/// throughout, and the runtime goes on.
#[test]
fn the_tree_is_safe_to_read_under_full_load() {
    watchdog("tree-load", LIMIT, || {
        for debug in [false, true] {
            let rt = Arc::new(weft::Runtime::builder().worker_threads(2).debug(debug).build().unwrap());
            let obs = rt.observer();
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let stop2 = stop.clone();
            let rounds = Arc::new(std::sync::atomic::AtomicU64::new(0));
            let rounds2 = rounds.clone();
            let rt2 = rt.clone();
            let churn = std::thread::spawn(move || {
                rt2.block_on(async move {
                    while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
                        let tasks: Vec<_> = (0..100)
                            .map(|i| {
                                weft::spawn(async move {
                                    if i % 3 == 0 {
                                        weft::yield_now().await.unwrap();
                                    }
                                    i
                                })
                            })
                            .collect();
                        for t in tasks {
                            t.await.unwrap();
                        }
                        rounds2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                })
            });
            let steady = rt.spawn(std::future::pending::<()>());
            let steady_id = steady.id().as_u64();
            // At least 300 snapshots, and at least 20 rounds of churn while they are taken.
            let mut snapshots = 0;
            while snapshots < 300 || rounds.load(std::sync::atomic::Ordering::Relaxed) < 20 {
                snapshots += 1;
                let tree = obs.task_tree().unwrap();
                let mut ids: Vec<u64> = tree.tasks.iter().map(|t| t.id).collect();
                ids.sort_unstable();
                ids.dedup();
                assert_eq!(ids.len(), tree.tasks.len());
                let json = tree.to_json();
                assert_eq!(json.matches('{').count(), json.matches('}').count());
                // The long-lived task is in every snapshot, whatever churns around it.
                assert!(tree.tasks.iter().any(|t| t.id == steady_id), "a live task missing from a snapshot");
                let _ = obs.metrics().unwrap();
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            churn.join().unwrap();
        }
    });
}

/// What one call costs with 100,000 live tasks (printed; run with `--nocapture`).
#[test]
fn a_tree_of_100_000_tasks() {
    watchdog("tree-100k", LIMIT, || {
        for debug in [false, true] {
            let rt = weft::Runtime::builder().worker_threads(2).debug(debug).build().unwrap();
            let obs = rt.observer();
            let tasks: Vec<_> = (0..100_000).map(|_| rt.spawn(std::future::pending::<()>())).collect();
            let start = Instant::now();
            let tree = obs.task_tree().unwrap();
            let walk = start.elapsed();
            assert_eq!(tree.tasks.len(), 100_000);
            let start = Instant::now();
            let text = tree.to_string();
            let json = tree.to_json();
            let render = start.elapsed();
            assert_eq!(text.lines().count(), 100_000);
            assert!(json.len() > 100_000 * 50);
            let start = Instant::now();
            let m = obs.metrics().unwrap();
            let metrics = start.elapsed();
            assert_eq!(m.live_tasks, 100_000);
            println!(
                "debug={debug}: 100,000 tasks: tree {walk:?}, pstree+json {render:?}, metrics {metrics:?}"
            );
            drop(tasks);
        }
    });
}
