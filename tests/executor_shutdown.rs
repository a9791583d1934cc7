//! Dropping a runtime with tasks still pending drops every future (nothing leaks, on
//! either flavour, whatever state the task was in), and handles of those tasks report a
//! cancellation of kind `Shutdown`. `run` cancels what is left and awaits it.

mod common;

use common::{Flag, Live, on_both, poll_once};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;
use weft::{CancelKind, SpawnError};

fn assert_shut_down<T>(t: &mut weft::Task<T>, what: &str) {
    match poll_once(t) {
        Poll::Ready(Err(e)) => {
            assert_eq!(e.as_cancelled().map(|c| c.kind()), Some(CancelKind::Shutdown), "{what}: {e}")
        }
        Poll::Ready(Ok(_)) => panic!("{what}: completed instead of being shut down"),
        Poll::Pending => panic!("{what}: its handle still waits after the runtime is gone"),
    }
}

#[test]
fn shutdown_drops_every_pending_future() {
    on_both(|rt, flavour| {
        let live = Live::new();
        let started = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        // Sleeping for an hour.
        for _ in 0..100 {
            let (g, s) = (live.guard(), started.clone());
            handles.push(rt.spawn(async move {
                let _g = g;
                s.fetch_add(1, Ordering::SeqCst);
                weft::time::sleep(Duration::from_secs(3600)).await
            }));
        }
        // Waiting forever on a foreign future.
        for _ in 0..100 {
            let (g, s) = (live.guard(), started.clone());
            handles.push(rt.spawn(async move {
                let _g = g;
                s.fetch_add(1, Ordering::SeqCst);
                std::future::pending::<()>().await;
                Ok(())
            }));
        }
        let s = started.clone();
        rt.block_on(common::wait_until("every task suspended", move || s.load(Ordering::SeqCst) == 200));
        // Queued and never polled (on the current-thread runtime nothing runs outside
        // block_on; on the multi-thread one, most of these are still queued).
        for _ in 0..100 {
            let g = live.guard();
            handles.push(rt.spawn(async move {
                let _g = g;
                Ok(())
            }));
        }
        if flavour == "current_thread" {
            assert_eq!(live.count(), 300);
        }
        drop(rt);
        assert_eq!(live.count(), 0, "{flavour}: futures leaked at shutdown");
        for (i, h) in handles.iter_mut().enumerate().take(200) {
            assert_shut_down(h, &format!("{flavour}: task {i}"));
        }
    });
}

#[test]
fn tasks_spawned_but_never_polled_are_dropped_on_current_thread() {
    common::watchdog("never polled", common::WATCHDOG, || {
        let rt = common::current();
        let live = Live::new();
        let ran = Arc::new(AtomicBool::new(false));
        let mut handles: Vec<_> = (0..50)
            .map(|_| {
                let (g, r) = (live.guard(), ran.clone());
                rt.spawn(async move {
                    let _g = g;
                    r.store(true, Ordering::SeqCst);
                })
            })
            .collect();
        drop(rt);
        assert_eq!(live.count(), 0);
        assert!(!ran.load(Ordering::SeqCst), "no block_on ran: nothing may have been polled");
        for h in &mut handles {
            assert_shut_down(h, "never polled");
        }
    });
}

#[test]
fn shutdown_drops_tasks_spawned_by_tasks_and_outputs_never_joined() {
    on_both(|rt, flavour| {
        let live = Live::new();
        let l2 = live.clone();
        rt.block_on(async move {
            for _ in 0..20 {
                let l3 = l2.clone();
                weft::spawn(async move {
                    let g = l3.guard();
                    // A grandchild, detached.
                    let l4 = l3.clone();
                    weft::spawn(async move {
                        let _g = l4.guard();
                        std::future::pending::<()>().await
                    });
                    weft::time::sleep(Duration::from_secs(3600)).await.ok();
                    drop(g);
                });
                // A finished task whose output nobody joins.
                let l5 = l2.clone();
                drop(weft::spawn(async move { l5.guard() }));
            }
            weft::time::sleep(Duration::from_millis(20)).await.unwrap();
        });
        drop(rt);
        assert_eq!(live.count(), 0, "{flavour}: something leaked");
    });
}

#[test]
fn a_future_dropped_at_shutdown_cannot_spawn() {
    on_both(|rt, flavour| {
        struct SpawnOnDrop(Arc<parking_lot::Mutex<Option<Result<(), SpawnError>>>>);
        impl Drop for SpawnOnDrop {
            fn drop(&mut self) {
                *self.0.lock() = Some(weft::try_spawn(async {}).map(drop));
            }
        }
        let seen = Arc::new(parking_lot::Mutex::new(None));
        let guard = SpawnOnDrop(seen.clone());
        let started = Flag::new();
        let s2 = started.clone();
        let _t = rt.spawn(async move {
            let _g = guard;
            s2.set();
            std::future::pending::<()>().await
        });
        rt.block_on(started.wait());
        drop(rt);
        let got = seen.lock().clone();
        assert_eq!(got, Some(Err(SpawnError::Shutdown)), "{flavour}");
        assert_eq!(SpawnError::Shutdown.to_string(), "cannot spawn: the runtime is shut down",);
    });
}

/// `try_spawn_keeping` during shutdown: the error, and the future handed back whole (its
/// destructor has not run), for the caller to drop where it chooses. A future that does
/// get spawned and then shut down is dropped by the runtime, as any task's is.
#[test]
fn a_spawn_refused_at_shutdown_hands_the_future_back_undropped() {
    on_both(|rt, flavour| {
        type Seen = Arc<parking_lot::Mutex<Option<(SpawnError, usize, usize)>>>;
        struct SpawnOnDrop(Seen, Live);
        impl Drop for SpawnOnDrop {
            fn drop(&mut self) {
                let live = self.1.clone();
                let g = live.guard();
                let probe = async move { drop(g) };
                let before = live.count();
                let (e, back) = weft::try_spawn_keeping(Some("late"), probe).map(drop).unwrap_err();
                let kept = live.count(); // still alive: it came back
                drop(back);
                assert_eq!(live.count(), before - 1);
                *self.0.lock() = Some((e, before, kept));
            }
        }
        let seen: Seen = Arc::new(parking_lot::Mutex::new(None));
        let guard = SpawnOnDrop(seen.clone(), Live::new());
        let started = Flag::new();
        let s2 = started.clone();
        let _t = rt.spawn(async move {
            let _g = guard;
            s2.set();
            std::future::pending::<()>().await
        });
        rt.block_on(started.wait());
        drop(rt);
        let got = seen.lock().take();
        let (e, before, kept) = got.expect("the destructor ran at shutdown");
        assert_eq!(e, SpawnError::Shutdown, "{flavour}");
        assert_eq!(kept, before, "{flavour}: the refused future was dropped before it came back");
    });
}

#[test]
fn join_handles_held_inside_other_tasks_see_the_shutdown() {
    on_both(|rt, flavour| {
        // A task awaiting another task: both are dropped, and a handle kept outside reports.
        let inner = rt.spawn(std::future::pending::<()>());
        let mut outer = rt.spawn(inner);
        rt.block_on(async { weft::time::sleep(Duration::from_millis(5)).await.unwrap() });
        drop(rt);
        assert_shut_down(&mut outer, flavour);
    });
}

#[test]
fn run_cancels_leftover_tasks_and_awaits_their_cleanup() {
    common::watchdog("run", common::WATCHDOG, || {
        for flavour in ["current_thread", "multi_thread"] {
            let cleaned = Arc::new(AtomicUsize::new(0));
            let c2 = cleaned.clone();
            let started = Arc::new(AtomicUsize::new(0));
            let main = async move {
                for _ in 0..10 {
                    let c3 = c2.clone();
                    let s3 = started.clone();
                    weft::spawn(async move {
                        s3.fetch_add(1, Ordering::SeqCst);
                        match weft::time::sleep(Duration::from_secs(3600)).await {
                            Ok(()) => Ok(()),
                            Err(c) => {
                                // Async cleanup runs before run() returns.
                                weft::time::sleep(Duration::from_millis(5)).await.unwrap();
                                c3.fetch_add(1, Ordering::SeqCst);
                                Err(c)
                            }
                        }
                    });
                }
                // (A task cancelled before it started would never run its cleanup.)
                common::wait_until("every task started", || started.load(Ordering::SeqCst) == 10).await;
                "main done"
            };
            let out = if flavour == "current_thread" {
                weft::run_on(&common::current(), main).unwrap()
            } else {
                weft::run(main)
            };
            assert_eq!(out, "main done");
            assert_eq!(
                cleaned.load(Ordering::SeqCst),
                10,
                "{flavour}: run returned before the cleanups ended"
            );
        }
    });
}

/// Dropping a runtime lets a running blocking job that ends soon finish, but its wait is
/// capped: a job that does not end is left running, and the drop returns.
#[test]
fn shutdown_waits_for_a_running_blocking_job_briefly_and_never_hangs() {
    on_both(|rt, flavour| {
        let done = Arc::new(AtomicBool::new(false));
        let d2 = done.clone();
        let _job = rt.spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(50));
            d2.store(true, Ordering::SeqCst);
        });
        drop(rt);
        assert!(done.load(Ordering::SeqCst), "{flavour}: a short running blocking job was not let finish");
    });
    on_both(|rt, flavour| {
        let (started_tx, started) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let done = Arc::new(AtomicBool::new(false));
        let d2 = done.clone();
        let _job = rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            // Ends when the test releases it. The bound (below the watchdog's) makes a drop
            // that waited for it fail the assertion below instead of hanging.
            let _ = released.recv_timeout(Duration::from_secs(20));
            d2.store(true, Ordering::SeqCst);
        });
        started.recv().unwrap();
        drop(rt);
        assert!(
            !done.load(Ordering::SeqCst),
            "{flavour}: dropping the runtime waited until a blocking job that does not end ended"
        );
        release.send(()).unwrap();
    });
}
