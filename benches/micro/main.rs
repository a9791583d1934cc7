//! `cargo bench --bench micro`: what one operation costs, weft and tokio side by side,
//! with criterion's statistics.
//!
//! `compare` (the other bench) runs whole workloads and prints one ratio table per run;
//! this bench measures single operations, each as one criterion group holding a `weft`
//! and a `tokio` function, so that criterion reports each side's time per operation with
//! its confidence interval, compares it with the previous run (`change: ... (p = ...)`),
//! and draws the plots. The HTML report with the plots lands in
//! `target/criterion/report/index.html` (one page per group under
//! `target/criterion/<group>/report/`).
//!
//! Every function runs on a current-thread runtime of its side (one thread, no stealing,
//! so the numbers are the operation's and not the scheduler's luck), except
//! `spawn_join_multi_thread`. Each sample runs `iters` operations inside one `block_on`
//! and divides (criterion's `iter_custom`), so entering the runtime is not counted.
//!
//! | group | one operation |
//! |---|---|
//! | spawn | spawn an empty task (joined afterwards, untimed) |
//! | spawn_join | spawn an empty task and await it |
//! | spawn_join_multi_thread | the same from `block_on` on a two-worker runtime |
//! | yield | one `yield_now` |
//! | timer_set_cancel | create a 1-hour sleep, poll it once (the timer is registered), drop it |
//! | cancel_delivered | a task suspended in a sleep is cancelled and joined (weft: `cancel`, the sleep returns `Cancelled`; tokio: `abort`); includes its spawn |
//! | lock_uncontended / lock_handoff | `Lock` against `tokio::sync::Mutex`: acquire and release with nobody waiting / two tasks taking turns, each acquisition handed over by the other's release |
//! | semaphore_uncontended / semaphore_handoff | `Semaphore(1)` against `tokio::sync::Semaphore(1)`, the same two shapes |
//! | event_uncontended / event_handoff | `Event` against `tokio::sync::Notify`: waiting on a set event (a stored permit) / one task's wait ended by the other's `set` (`notify_one`) |
//! | queue_put_get | `Queue` against `tokio::sync::mpsc` (bounded 128): one put and one get, nobody waiting |

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

const HOUR: Duration = Duration::from_secs(3600);

fn weft_rt() -> weft::Runtime {
    weft::Runtime::builder().current_thread().build().expect("weft runtime")
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
}

/// Polls `fut` once and drops it.
async fn poll_once<F: Future>(fut: F) {
    let mut fut = pin!(fut);
    std::future::poll_fn(|cx| {
        let _ = fut.as_mut().poll(cx);
        Poll::Ready(())
    })
    .await
}

/// Times `iters` rounds of `body` inside one `block_on` of weft's runtime.
macro_rules! weft_iters {
    ($rt:expr, $iters:expr, $body:expr) => {{
        let iters = $iters;
        $rt.block_on(async {
            let start = Instant::now();
            for _ in 0..iters {
                $body.await;
            }
            start.elapsed()
        })
    }};
}

fn spawn(c: &mut Criterion) {
    let mut g = c.benchmark_group("spawn");
    let rt = weft_rt();
    g.bench_function("weft", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                let handles: Vec<_> = (0..iters).map(|_| weft::spawn(async {})).collect();
                let elapsed = start.elapsed();
                for h in handles {
                    h.await.unwrap();
                }
                elapsed
            })
        })
    });
    let rt = tokio_rt();
    g.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                let handles: Vec<_> = (0..iters).map(|_| tokio::spawn(async {})).collect();
                let elapsed = start.elapsed();
                for h in handles {
                    h.await.unwrap();
                }
                elapsed
            })
        })
    });
    g.finish();
}

fn spawn_join(c: &mut Criterion) {
    let mut g = c.benchmark_group("spawn_join");
    let rt = weft_rt();
    g.bench_function("weft", |b| {
        b.iter_custom(|n| weft_iters!(rt, n, async { weft::spawn(async {}).await.unwrap() }))
    });
    let rt = tokio_rt();
    g.bench_function("tokio", |b| {
        b.iter_custom(|n| weft_iters!(rt, n, async { tokio::spawn(async {}).await.unwrap() }))
    });
    g.finish();

    let mut g = c.benchmark_group("spawn_join_multi_thread");
    let rt = weft::Runtime::builder().multi_thread().worker_threads(2).build().unwrap();
    g.bench_function("weft", |b| {
        b.iter_custom(|n| weft_iters!(rt, n, async { weft::spawn(async {}).await.unwrap() }))
    });
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    g.bench_function("tokio", |b| {
        b.iter_custom(|n| weft_iters!(rt, n, async { tokio::spawn(async {}).await.unwrap() }))
    });
    g.finish();
}

fn yield_now(c: &mut Criterion) {
    let mut g = c.benchmark_group("yield");
    let rt = weft_rt();
    g.bench_function("weft", |b| {
        b.iter_custom(|n| weft_iters!(rt, n, async { weft::yield_now().await.unwrap() }))
    });
    let rt = tokio_rt();
    g.bench_function("tokio", |b| b.iter_custom(|n| weft_iters!(rt, n, tokio::task::yield_now())));
    g.finish();
}

fn timer_set_cancel(c: &mut Criterion) {
    let mut g = c.benchmark_group("timer_set_cancel");
    let rt = weft_rt();
    g.bench_function("weft", |b| b.iter_custom(|n| weft_iters!(rt, n, poll_once(weft::time::sleep(HOUR)))));
    let rt = tokio_rt();
    g.bench_function("tokio", |b| b.iter_custom(|n| weft_iters!(rt, n, poll_once(tokio::time::sleep(HOUR)))));
    g.finish();
}

fn cancel_delivered(c: &mut Criterion) {
    let mut g = c.benchmark_group("cancel_delivered");
    let rt = weft_rt();
    g.bench_function("weft", |b| {
        b.iter_custom(|n| {
            weft_iters!(rt, n, async {
                let t = weft::spawn(weft::time::sleep(HOUR));
                weft::yield_now().await.unwrap(); // the task is suspended in its sleep
                t.cancel(None);
                assert!(t.await.unwrap_err().is_cancelled());
            })
        })
    });
    let rt = tokio_rt();
    g.bench_function("tokio", |b| {
        b.iter_custom(|n| {
            weft_iters!(rt, n, async {
                let t = tokio::spawn(tokio::time::sleep(HOUR));
                tokio::task::yield_now().await;
                t.abort();
                assert!(t.await.unwrap_err().is_cancelled());
            })
        })
    });
    g.finish();
}

/// Two tasks take turns: each acquires, yields while it holds (so the other queues as a
/// waiter), and releases, handing over to the other. `$acquire` is an async block that
/// acquires and returns the guard. Returns the time per acquisition.
macro_rules! handoff {
    ($rt:expr, $spawn:path, $yield_now:expr, $iters:expr, $prim:expr, |$p:ident| $acquire:expr) => {{
        let iters = $iters;
        let prim = Arc::new($prim);
        $rt.block_on(async {
            let start = Instant::now();
            let tasks: Vec<_> = (0..2)
                .map(|_| {
                    let prim = prim.clone();
                    $spawn(async move {
                        let $p = &*prim;
                        for _ in 0..iters.div_ceil(2) {
                            let guard = $acquire.await;
                            let _ = $yield_now.await;
                            drop(guard);
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            start.elapsed()
        })
    }};
}

fn lock(c: &mut Criterion) {
    let mut g = c.benchmark_group("lock_uncontended");
    let rt = weft_rt();
    let l = weft::Lock::new();
    g.bench_function("weft", |b| {
        b.iter_custom(|n| weft_iters!(rt, n, async { drop(l.acquire().await.unwrap()) }))
    });
    let rt = tokio_rt();
    let m = tokio::sync::Mutex::new(());
    g.bench_function("tokio", |b| b.iter_custom(|n| weft_iters!(rt, n, async { drop(m.lock().await) })));
    g.finish();

    let mut g = c.benchmark_group("lock_handoff");
    let rt = weft_rt();
    g.bench_function("weft", |b| {
        b.iter_custom(|n| {
            handoff!(rt, weft::spawn, weft::yield_now(), n, weft::Lock::new(), |l| async {
                l.acquire().await.unwrap()
            })
        })
    });
    let rt = tokio_rt();
    g.bench_function("tokio", |b| {
        b.iter_custom(|n| {
            handoff!(rt, tokio::spawn, tokio::task::yield_now(), n, tokio::sync::Mutex::new(()), |m| m.lock())
        })
    });
    g.finish();
}

fn semaphore(c: &mut Criterion) {
    let mut g = c.benchmark_group("semaphore_uncontended");
    let rt = weft_rt();
    let s = weft::Semaphore::new(1);
    g.bench_function("weft", |b| {
        b.iter_custom(|n| weft_iters!(rt, n, async { drop(s.acquire().await.unwrap()) }))
    });
    let rt = tokio_rt();
    let t = tokio::sync::Semaphore::new(1);
    g.bench_function("tokio", |b| {
        b.iter_custom(|n| weft_iters!(rt, n, async { drop(t.acquire().await.unwrap()) }))
    });
    g.finish();

    let mut g = c.benchmark_group("semaphore_handoff");
    let rt = weft_rt();
    g.bench_function("weft", |b| {
        b.iter_custom(|n| {
            handoff!(rt, weft::spawn, weft::yield_now(), n, weft::Semaphore::new(1), |s| async {
                s.acquire().await.unwrap()
            })
        })
    });
    let rt = tokio_rt();
    g.bench_function("tokio", |b| {
        b.iter_custom(|n| {
            handoff!(
                rt,
                tokio::spawn,
                tokio::task::yield_now(),
                n,
                tokio::sync::Semaphore::new(1),
                |s| async { s.acquire().await.unwrap() }
            )
        })
    });
    g.finish();
}

fn event(c: &mut Criterion) {
    let mut g = c.benchmark_group("event_uncontended");
    let rt = weft_rt();
    let e = weft::Event::new();
    e.set();
    g.bench_function("weft", |b| b.iter_custom(|n| weft_iters!(rt, n, async { e.wait().await.unwrap() })));
    let rt = tokio_rt();
    let notify = tokio::sync::Notify::new();
    g.bench_function("tokio", |b| {
        b.iter_custom(|n| {
            weft_iters!(rt, n, async {
                notify.notify_one(); // stores a permit: the wait returns at once
                notify.notified().await
            })
        })
    });
    g.finish();

    // A waiter task waits; the measuring task sets (clears for the next round) and yields
    // until the waiter has run. One operation: a wait ended by a set.
    let mut g = c.benchmark_group("event_handoff");
    let rt = weft_rt();
    g.bench_function("weft", |b| {
        b.iter_custom(|n| {
            rt.block_on(async {
                let (go, done) = (Arc::new(weft::Event::new()), Arc::new(weft::Event::new()));
                let (go2, done2) = (go.clone(), done.clone());
                let start = Instant::now();
                let waiter = weft::spawn(async move {
                    for _ in 0..n {
                        go2.wait().await.unwrap();
                        go2.clear();
                        done2.set();
                    }
                });
                for _ in 0..n {
                    go.set();
                    done.wait().await.unwrap();
                    done.clear();
                }
                waiter.await.unwrap();
                start.elapsed() / 2
            })
        })
    });
    let rt = tokio_rt();
    g.bench_function("tokio", |b| {
        b.iter_custom(|n| {
            rt.block_on(async {
                let (go, done) = (Arc::new(tokio::sync::Notify::new()), Arc::new(tokio::sync::Notify::new()));
                let (go2, done2) = (go.clone(), done.clone());
                let start = Instant::now();
                let waiter = tokio::spawn(async move {
                    for _ in 0..n {
                        go2.notified().await;
                        done2.notify_one();
                    }
                });
                for _ in 0..n {
                    go.notify_one();
                    done.notified().await;
                }
                waiter.await.unwrap();
                start.elapsed() / 2
            })
        })
    });
    g.finish();
}

fn queue(c: &mut Criterion) {
    let mut g = c.benchmark_group("queue_put_get");
    let rt = weft_rt();
    let q = weft::Queue::new(128);
    g.bench_function("weft", |b| {
        b.iter_custom(|n| {
            weft_iters!(rt, n, async {
                q.put(1u64).await.unwrap();
                q.get().await.unwrap()
            })
        })
    });
    let rt = tokio_rt();
    let (tx, rx) = tokio::sync::mpsc::channel(128);
    let rx = tokio::sync::Mutex::new(rx); // only to borrow it mutably inside the loop
    g.bench_function("tokio", |b| {
        b.iter_custom(|n| {
            rt.block_on(async {
                let mut rx = rx.lock().await;
                let start = Instant::now();
                for _ in 0..n {
                    tx.send(1u64).await.unwrap();
                    rx.recv().await.unwrap();
                }
                start.elapsed()
            })
        })
    });
    g.finish();
}

criterion_group! {
    name = micro;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = spawn, spawn_join, yield_now, timer_set_cancel, cancel_delivered, lock, semaphore, event, queue
}
criterion_main!(micro);
