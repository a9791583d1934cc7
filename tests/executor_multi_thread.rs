//! The multi-thread runtime: work is stolen (a worker blocked by its task does not hold
//! up the tasks queued behind it), wakes from plain threads reach tasks, and tasks really
//! run in parallel.

mod common;

use common::{Flag, block_on_both, wait_until};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::task::Poll;
use std::time::Duration;

fn multi(body: impl FnOnce() + Send + 'static) {
    common::watchdog("multi_thread", common::WATCHDOG, body)
}

#[test]
fn a_worker_blocked_by_its_task_does_not_hold_up_the_tasks_queued_behind_it() {
    multi(|| {
        let rt = common::multi();
        const N: usize = 50;
        let blocker_done = Arc::new(AtomicBool::new(false));
        let ran_while_blocked = Arc::new(AtomicUsize::new(0));
        let ran = Arc::new(AtomicUsize::new(0));
        let (bd, rwb, r) = (blocker_done.clone(), ran_while_blocked.clone(), ran.clone());
        let blocker = rt.spawn(async move {
            // Spawned from this worker: they go to its own queue...
            let small: Vec<_> = (0..N)
                .map(|_| {
                    let (bd, rwb, r) = (bd.clone(), rwb.clone(), r.clone());
                    weft::spawn(async move {
                        if !bd.load(Ordering::SeqCst) {
                            rwb.fetch_add(1, Ordering::SeqCst);
                        }
                        r.fetch_add(1, Ordering::SeqCst);
                    })
                })
                .collect();
            // ...and this worker is now stuck, as with any blocking call in a task.
            std::thread::sleep(Duration::from_millis(1500));
            bd.store(true, Ordering::SeqCst);
            small
        });
        let small = rt.block_on(blocker).unwrap();
        for t in small {
            rt.block_on(t).unwrap();
        }
        assert_eq!(ran.load(Ordering::SeqCst), N);
        // The newest spawn sits in the blocked worker's LIFO slot, which only an idle
        // worker watching it may take; every other task must have been stolen and run
        // meanwhile.
        let stolen = ran_while_blocked.load(Ordering::SeqCst);
        assert!(stolen >= N - 1, "only {stolen} of {N} tasks ran while their worker was blocked");
    });
}

#[test]
fn tasks_run_in_parallel_on_two_workers() {
    multi(|| {
        let rt = common::multi();
        // Two tasks that each wait (blocking their thread) for the other: only possible
        // if they run at the same time on different workers.
        let barrier = Arc::new(Barrier::new(2));
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let b = barrier.clone();
                rt.spawn(async move {
                    b.wait();
                    std::thread::current().id()
                })
            })
            .collect();
        let ids: Vec<_> = tasks.into_iter().map(|t| rt.block_on(t).unwrap()).collect();
        assert_ne!(ids[0], ids[1]);
    });
}

#[test]
fn worker_threads_are_named() {
    multi(|| {
        let rt = weft::Runtime::builder().multi_thread().worker_threads(2).thread_name("tw").build().unwrap();
        let name = rt.block_on(rt.spawn(async { std::thread::current().name().map(String::from) })).unwrap();
        let name = name.unwrap();
        assert!(name == "tw-0" || name == "tw-1", "{name}");
    });
}

#[test]
fn a_waker_used_from_a_plain_thread_wakes_the_task() {
    block_on_both(|flavour| async move {
        let (tx, rx) = std::sync::mpsc::channel::<std::task::Waker>();
        let done = Arc::new(AtomicBool::new(false));
        let d2 = done.clone();
        let t = weft::spawn(async move {
            let mut sent = false;
            std::future::poll_fn(|cx| {
                if d2.load(Ordering::SeqCst) {
                    return Poll::Ready(());
                }
                if !sent {
                    tx.send(cx.waker().clone()).unwrap();
                    sent = true;
                }
                Poll::Pending
            })
            .await;
            "woken"
        });
        let waker = weft::spawn_blocking(move || rx.recv().unwrap()).await.unwrap();
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            done.store(true, Ordering::SeqCst);
            waker.wake();
        });
        assert_eq!(t.await.unwrap(), "woken", "{flavour}");
        thread.join().unwrap();
    });
}

#[test]
fn many_threads_waking_one_task_concurrently() {
    block_on_both(|flavour| async move {
        let polls = Arc::new(AtomicUsize::new(0));
        let p2 = polls.clone();
        let wakes = Arc::new(AtomicUsize::new(0));
        let w2 = wakes.clone();
        let (tx, rx) = std::sync::mpsc::channel::<std::task::Waker>();
        let t = weft::spawn(async move {
            std::future::poll_fn(|cx| {
                let n = p2.fetch_add(1, Ordering::SeqCst);
                if n == 0 {
                    tx.send(cx.waker().clone()).unwrap();
                }
                if w2.load(Ordering::SeqCst) == 4 * 1000 { Poll::Ready(()) } else { Poll::Pending }
            })
            .await
        });
        let waker = weft::spawn_blocking(move || rx.recv().unwrap()).await.unwrap();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (w, wakes) = (waker.clone(), wakes.clone());
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        wakes.fetch_add(1, Ordering::SeqCst);
                        w.wake_by_ref();
                    }
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
        t.await.unwrap();
        let n = polls.load(Ordering::SeqCst);
        // Wakes while the task is queued or running coalesce: far fewer polls than wakes.
        assert!((2..=4001).contains(&n), "{flavour}: {n} polls");
    });
}

#[test]
fn a_waker_outliving_its_task_and_runtime_is_harmless() {
    common::on_both(|rt, flavour| {
        let (tx, rx) = std::sync::mpsc::channel::<std::task::Waker>();
        let started = Flag::new();
        let live = common::Live::new();
        let polls = Arc::new(AtomicUsize::new(0));
        let (s2, guard, p2) = (started.clone(), live.guard(), polls.clone());
        let _t = rt.spawn(async move {
            let _guard = guard;
            std::future::poll_fn(|cx| {
                p2.fetch_add(1, Ordering::SeqCst);
                let _ = tx.send(cx.waker().clone());
                s2.set();
                Poll::<()>::Pending
            })
            .await
        });
        rt.block_on(started.wait());
        let waker = rx.recv().unwrap();
        drop(rt);
        // The runtime dropped the task's future, although a waker still points at the task.
        assert_eq!(live.count(), 0, "{flavour}: the future outlived its runtime");
        // Waking the task now does nothing (and the last waker frees the task's memory).
        let w2 = waker.clone();
        std::thread::spawn(move || w2.wake()).join().unwrap();
        waker.wake_by_ref();
        drop(waker);
        assert_eq!(
            polls.load(Ordering::SeqCst),
            1,
            "{flavour}: a task was polled after its runtime was dropped"
        );
    });
}

#[test]
fn many_tasks_woken_from_one_plain_thread() {
    block_on_both(|flavour| async move {
        let ran = Arc::new(AtomicUsize::new(0));
        let flags: Vec<_> = (0..100).map(|_| Flag::new()).collect();
        let tasks: Vec<_> = flags
            .iter()
            .cloned()
            .map(|f| {
                let ran = ran.clone();
                weft::spawn(async move {
                    f.wait().await;
                    ran.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        let th = std::thread::spawn(move || {
            for f in flags {
                f.set();
            }
        });
        for t in tasks {
            t.await.unwrap();
        }
        th.join().unwrap();
        assert_eq!(ran.load(Ordering::SeqCst), 100, "{flavour}");
    });
}

#[test]
fn runtime_spawn_from_plain_threads_while_block_on_runs() {
    common::on_both(|rt, flavour| {
        let rt = Arc::new(rt);
        let ran = Arc::new(AtomicUsize::new(0));
        let spawners: Vec<_> = (0..4)
            .map(|_| {
                let (rt, ran) = (rt.clone(), ran.clone());
                std::thread::spawn(move || {
                    for _ in 0..250 {
                        let ran = ran.clone();
                        drop(rt.spawn(async move {
                            weft::yield_now().await.unwrap();
                            ran.fetch_add(1, Ordering::SeqCst);
                        }));
                    }
                })
            })
            .collect();
        let r2 = ran.clone();
        rt.block_on(wait_until("every remote spawn ran", move || r2.load(Ordering::SeqCst) == 1000));
        for s in spawners {
            s.join().unwrap();
        }
        assert_eq!(ran.load(Ordering::SeqCst), 1000, "{flavour}");
    });
}

#[test]
fn ping_pong_between_tasks_on_different_threads() {
    block_on_both(|flavour| async move {
        // Two tasks hand a token back and forth 2000 times through foreign flags.
        const ROUNDS: usize = 2000;
        let count = Arc::new(AtomicUsize::new(0));
        let pings: Vec<_> = (0..ROUNDS).map(|_| Flag::new()).collect();
        let pongs: Vec<_> = (0..ROUNDS).map(|_| Flag::new()).collect();
        let (pi, po, c) = (pings.clone(), pongs.clone(), count.clone());
        let a = weft::spawn(async move {
            for i in 0..ROUNDS {
                pi[i].set();
                po[i].wait().await;
                c.fetch_add(1, Ordering::SeqCst);
            }
        });
        let b = weft::spawn(async move {
            for i in 0..ROUNDS {
                pings[i].wait().await;
                pongs[i].set();
            }
        });
        a.await.unwrap();
        b.await.unwrap();
        assert_eq!(count.load(Ordering::SeqCst), ROUNDS, "{flavour}");
    });
}

#[test]
fn spawning_from_many_tasks_at_once() {
    multi(|| {
        let rt = common::multi();
        let total = Arc::new(AtomicUsize::new(0));
        let t2 = total.clone();
        rt.block_on(async move {
            let parents: Vec<_> = (0..8)
                .map(|_| {
                    let t = t2.clone();
                    weft::spawn(async move {
                        let kids: Vec<_> = (0..2000)
                            .map(|_| {
                                let t = t.clone();
                                weft::spawn(async move {
                                    t.fetch_add(1, Ordering::SeqCst);
                                })
                            })
                            .collect();
                        for k in kids {
                            k.await.unwrap();
                        }
                    })
                })
                .collect();
            for p in parents {
                p.await.unwrap();
            }
            wait_until("all counted", || t2.load(Ordering::SeqCst) == 16_000).await;
        });
        // Every kid ran and every join returned; a hang is the watchdog's to report.
        assert_eq!(total.load(Ordering::SeqCst), 16_000);
    });
}

/// A sleep and a timer registered on a worker keep the driver alive: both can be dropped
/// after their runtime, whose shutdown fired them.
#[test]
fn timers_registered_on_a_worker_outlive_their_runtime() {
    let rt = weft::Runtime::builder().multi_thread().worker_threads(2).build().unwrap();
    let (sleep, timer) = rt.block_on(async {
        weft::spawn(async {
            let mut sleep = Box::pin(weft::time::sleep(Duration::from_secs(3600)));
            std::future::poll_fn(|cx| {
                assert!(std::future::Future::poll(sleep.as_mut(), cx).is_pending());
                Poll::Ready(())
            })
            .await;
            let at = weft::time::now() + Duration::from_secs(3600);
            let timer = weft::time::Timer::register(at, std::task::Waker::noop().clone()).unwrap();
            (sleep, timer)
        })
        .await
        .unwrap()
    });
    drop(rt);
    assert!(!timer.reset(std::time::Instant::now() + Duration::from_secs(1)), "the shutdown fired it");
    timer.cancel();
    drop(sleep);
}

/// Request and reply between `block_on` and a task on a worker. The worker that answers
/// wakes the caller and then lingers for its next request before it parks (the caller's
/// put wakes nobody while the worker still searches): every request must still reach the
/// server, whether the caller answers at once, late (a lingering worker gives up and
/// parks, and must then be woken), or not at all (the runtime shuts down while a worker
/// may be lingering).
#[test]
fn request_reply_through_block_on_reaches_the_server_whenever_the_caller_answers() {
    multi(|| {
        let rt = common::multi();
        let requests = Arc::new(weft::Queue::<(u32, weft::oneshot::Sender<u32>)>::new(1));
        let server = {
            let requests = requests.clone();
            rt.spawn(async move {
                let mut served = 0u32;
                while let Ok((v, reply)) = requests.get().await {
                    reply.send(v * 2).unwrap();
                    served += 1;
                }
                served
            })
        };
        rt.block_on(async {
            for i in 0..3_000u32 {
                if i % 500 == 499 {
                    // A late answer: whatever lingers gives up and parks meanwhile.
                    std::thread::sleep(Duration::from_millis(1));
                }
                let (tx, rx) = weft::oneshot::channel();
                requests.put((i, tx)).await.unwrap();
                assert_eq!(rx.await.unwrap(), i * 2, "request {i}");
            }
        });
        requests.shutdown(false);
        assert_eq!(rt.block_on(server).unwrap(), 3_000);
        // One more exchange, then shut down at once: a worker may still be lingering.
        let requests2 = Arc::new(weft::Queue::<weft::oneshot::Sender<()>>::new(1));
        let r2 = requests2.clone();
        drop(rt.spawn(async move {
            while let Ok(reply) = r2.get().await {
                let _ = reply.send(());
            }
        }));
        rt.block_on(async {
            let (tx, rx) = weft::oneshot::channel();
            requests2.put(tx).await.unwrap();
            rx.await.unwrap();
        });
        drop(rt);
    })
}
