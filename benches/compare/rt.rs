//! `rt_multi/*` and `rt_current/*`: the scheduler, in the shapes of tokio's own benches
//! (`tokio/benches/rt_multi_threaded.rs` and `rt_current_thread.rs`).
//!
//! Multi-thread rounds follow tokio's multi-thread benches: the round ends when the last
//! task signals a `std::sync::mpsc` channel that the caller waits on, blocking, inside
//! `block_on` (which runs on the caller's thread, not on a worker). A current-thread
//! runtime only makes progress while `block_on` polls, so there the round awaits the
//! tasks instead (join handles, or a oneshot fired by the last task), as tokio's
//! current-thread benches do.
//!
//! Channels between tasks are `tokio::sync::oneshot` on both sides: it works on any
//! runtime, so the rounds compare schedulers, not channel implementations.
//!
//! # What the remote-spawn workloads measure
//!
//! `spawn_many_remote_idle` spawns 10⁴ empty tasks from a thread outside the runtime, then
//! joins them. On the current-thread flavour nothing runs until `block_on` polls, so the
//! round is dominated by what one remote spawn costs the spawning thread: the push into
//! the shared queue and the wake-up of the (idle) runtime. tokio writes its driver's
//! eventfd on each of those spawns; weft only when a `block_on` is asleep inside the
//! runtime (between rounds none is, so it writes nothing). On `rt_current` this line
//! therefore mostly measures that wake-up policy, not task creation. On `rt_multi` it also measures how fast idle workers take up a burst of
//! remote work.
//!
//! `spawn_many_remote_busy1` is the same burst while every worker is busy with tasks that
//! yield and then burn 10 µs each. Those tasks "burn" by calling `sched_yield` in a loop
//! until 10 µs have passed (as tokio's bench does), so the line depends on how the OS
//! treats `sched_yield` and on the machine's load, more than on the runtime: read it as
//! "remote spawns are not starved by busy workers", and compare it within one run only.
//!
//! tokio's current-thread bench has no `spawn_many_remote_busy1` (spinning yielders) but a
//! `spawn_many_remote_busy`, where one task respawns itself forever; `rt_current` mirrors
//! that. `ping_pong`, `yield_many` and `chained_spawn` exist only as multi-thread benches in
//! tokio; `rt_current` runs them too, with the round awaiting its end as described above.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::runtimes::{Flavor::CurrentThread, Flavor::MultiThread, Rt, WORKERS};
use crate::{Workload, timed};

pub const WORKLOADS: &[Workload] = &[
    timed!("rt_multi/spawn_many_local", MultiThread, multi_spawn_many_local),
    timed!("rt_multi/spawn_many_remote_idle", MultiThread, spawn_many_remote_idle),
    timed!("rt_multi/spawn_many_remote_busy1", MultiThread, multi_spawn_many_remote_busy1),
    timed!("rt_multi/ping_pong", MultiThread, multi_ping_pong),
    timed!("rt_multi/yield_many", MultiThread, multi_yield_many),
    timed!("rt_multi/chained_spawn", MultiThread, multi_chained_spawn),
    timed!("rt_current/spawn_many_local", CurrentThread, current_spawn_many_local),
    timed!("rt_current/spawn_many_remote_idle", CurrentThread, spawn_many_remote_idle),
    timed!("rt_current/spawn_many_remote_busy", CurrentThread, current_spawn_many_remote_busy),
    timed!("rt_current/ping_pong", CurrentThread, current_ping_pong),
    timed!("rt_current/yield_many", CurrentThread, current_yield_many),
    timed!("rt_current/chained_spawn", CurrentThread, current_chained_spawn),
];

/// Tasks spawned per round by the `spawn_many_*` workloads.
const NUM_SPAWN: usize = 10_000;
/// Ping-pong pairs per round.
const NUM_PINGS: usize = 1_000;
/// Tasks of `yield_many`, and the yields each makes.
const YIELD_TASKS: usize = 200;
const NUM_YIELD: usize = 1_000;
/// Length of the spawn chain of `chained_spawn`.
const CHAIN: usize = 1_000;
/// CPU time a busy task burns between two yields (tokio's `STALL_DUR`).
const STALL: Duration = Duration::from_micros(10);

// --- spawn_many_local: NUM_SPAWN empty tasks spawned from inside the runtime ----------

/// The last of the tasks signals the caller blocked in `block_on`.
fn multi_spawn_many_local<R: Rt>(rt: R) -> impl FnMut() -> Duration {
    let (tx, rx) = mpsc::sync_channel(1000);
    let rem = Arc::new(AtomicUsize::new(0));
    move || {
        rem.store(NUM_SPAWN, Relaxed);
        timed(|| {
            rt.block_on(async {
                for _ in 0..NUM_SPAWN {
                    let (tx, rem) = (tx.clone(), rem.clone());
                    drop(R::spawn(async move {
                        if rem.fetch_sub(1, Relaxed) == 1 {
                            tx.send(()).unwrap();
                        }
                    }));
                }
                rx.recv().unwrap();
            })
        })
    }
}

/// The `block_on` future joins every task.
fn current_spawn_many_local<R: Rt>(rt: R) -> impl FnMut() -> Duration {
    let mut handles = Vec::with_capacity(NUM_SPAWN);
    move || {
        timed(|| {
            rt.block_on(async {
                for _ in 0..NUM_SPAWN {
                    handles.push(R::spawn(async {}));
                }
                for handle in handles.drain(..) {
                    handle.await.unwrap();
                }
            })
        })
    }
}

// --- spawn_many_remote_*: NUM_SPAWN empty tasks spawned from outside, then joined ------

/// Spawns NUM_SPAWN empty tasks from outside the runtime, then joins them all.
fn spawn_and_join_remote<R: Rt>(rt: &R, handles: &mut Vec<R::Task<()>>) {
    for _ in 0..NUM_SPAWN {
        handles.push(rt.spawn_remote(async {}));
    }
    rt.block_on(async {
        for handle in handles.drain(..) {
            handle.await.unwrap();
        }
    });
}

/// The runtime is idle when the spawns arrive.
fn spawn_many_remote_idle<R: Rt>(rt: R) -> impl FnMut() -> Duration {
    let mut handles = Vec::with_capacity(NUM_SPAWN);
    move || timed(|| spawn_and_join_remote(&rt, &mut handles))
}

/// The workers are busy with 2 × WORKERS tasks that burn CPU and yield (yielding has a
/// lower wake-up priority than spawning). The busy tasks run only during their own
/// side's rounds: started before the timed part, stopped and joined after it, so they
/// never steal CPU from the other runtime's rounds.
fn multi_spawn_many_remote_busy1<R: Rt>(rt: R) -> impl FnMut() -> Duration {
    let mut handles = Vec::with_capacity(NUM_SPAWN);
    move || {
        let busy = Busy::start(&rt, 2 * WORKERS);
        let elapsed = timed(|| spawn_and_join_remote(&rt, &mut handles));
        busy.stop(&rt);
        elapsed
    }
}

/// Tasks that burn CPU and yield until stopped.
struct Busy<R: Rt> {
    running: Arc<AtomicBool>,
    tasks: Vec<R::Task<()>>,
}

impl<R: Rt> Busy<R> {
    /// Spawns `n` busy tasks and waits until each has run once.
    fn start(rt: &R, n: usize) -> Self {
        let running = Arc::new(AtomicBool::new(true));
        let started = Arc::new(AtomicUsize::new(0));
        let tasks = (0..n)
            .map(|_| {
                let (running, started) = (running.clone(), started.clone());
                rt.spawn_remote(async move {
                    started.fetch_add(1, Relaxed);
                    while running.load(Relaxed) {
                        let _ = R::yield_now().await;
                        stall();
                    }
                })
            })
            .collect();
        while started.load(Relaxed) < n {
            std::thread::yield_now();
        }
        Busy { running, tasks }
    }

    fn stop(self, rt: &R) {
        self.running.store(false, Relaxed);
        rt.block_on(async {
            for task in self.tasks {
                task.await.unwrap();
            }
        });
    }
}

/// Burns STALL of CPU time, politely.
fn stall() {
    let start = Instant::now();
    while start.elapsed() < STALL {
        std::thread::yield_now();
    }
}

/// One task respawns itself forever (tokio's current-thread `spawn_many_remote_busy`).
/// It only runs while `block_on` drives the runtime, so it competes with the joined tasks
/// during the round and is idle otherwise; it ends when the runtime is dropped.
fn current_spawn_many_remote_busy<R: Rt>(rt: R) -> impl FnMut() -> Duration {
    fn respawn<R: Rt>() {
        drop(R::spawn(async { respawn::<R>() }));
    }
    drop(rt.spawn_remote(async { respawn::<R>() }));
    let mut handles = Vec::with_capacity(NUM_SPAWN);
    move || timed(|| spawn_and_join_remote(&rt, &mut handles))
}

// --- ping_pong: NUM_PINGS pairs of tasks, each exchanging two oneshot messages ---------

/// Spawns a task that spawns NUM_PINGS pings; each ping spawns its pong, sends it a
/// message and awaits the answer. The last ping to finish calls `done`.
fn spawn_pings<R: Rt>(done: impl Fn() + Clone + Send + 'static) {
    let rem = Arc::new(AtomicUsize::new(NUM_PINGS));
    drop(R::spawn(async move {
        for _ in 0..NUM_PINGS {
            let (rem, done) = (rem.clone(), done.clone());
            drop(R::spawn(async move {
                let (tx1, rx1) = oneshot::channel();
                let (tx2, rx2) = oneshot::channel();
                drop(R::spawn(async move {
                    rx1.await.unwrap();
                    tx2.send(()).unwrap();
                }));
                tx1.send(()).unwrap();
                rx2.await.unwrap();
                if rem.fetch_sub(1, Relaxed) == 1 {
                    done();
                }
            }));
        }
    }));
}

fn multi_ping_pong<R: Rt>(rt: R) -> impl FnMut() -> Duration {
    let (done_tx, done_rx) = mpsc::sync_channel(1000);
    move || {
        timed(|| {
            rt.block_on(async {
                let done_tx = done_tx.clone();
                spawn_pings::<R>(move || done_tx.send(()).unwrap());
                done_rx.recv().unwrap();
            })
        })
    }
}

fn current_ping_pong<R: Rt>(rt: R) -> impl FnMut() -> Duration {
    move || {
        timed(|| {
            rt.block_on(async {
                let (done_tx, done_rx) = oneshot::channel();
                let done_tx = Arc::new(Mutex::new(Some(done_tx)));
                spawn_pings::<R>(move || {
                    let tx = done_tx.lock().unwrap().take().expect("done once");
                    tx.send(()).unwrap();
                });
                done_rx.await.unwrap();
            })
        })
    }
}

// --- yield_many: YIELD_TASKS tasks, spawned from outside, each yielding NUM_YIELD times -

async fn yield_many_times<R: Rt>() {
    for _ in 0..NUM_YIELD {
        let _ = R::yield_now().await;
    }
}

/// Each task signals the caller, which waits outside the runtime.
fn multi_yield_many<R: Rt>(rt: R) -> impl FnMut() -> Duration {
    let (tx, rx) = mpsc::sync_channel(YIELD_TASKS);
    move || {
        timed(|| {
            for _ in 0..YIELD_TASKS {
                let tx = tx.clone();
                drop(rt.spawn_remote(async move {
                    yield_many_times::<R>().await;
                    tx.send(()).unwrap();
                }));
            }
            for _ in 0..YIELD_TASKS {
                rx.recv().unwrap();
            }
        })
    }
}

/// The `block_on` future joins every task.
fn current_yield_many<R: Rt>(rt: R) -> impl FnMut() -> Duration {
    let mut handles = Vec::with_capacity(YIELD_TASKS);
    move || {
        timed(|| {
            for _ in 0..YIELD_TASKS {
                handles.push(rt.spawn_remote(yield_many_times::<R>()));
            }
            rt.block_on(async {
                for handle in handles.drain(..) {
                    handle.await.unwrap();
                }
            });
        })
    }
}

// --- chained_spawn: each task spawns the next, CHAIN times ----------------------------

/// Spawns a chain of `n` tasks, each spawning the next; the last calls `done`.
fn chain<R: Rt>(n: usize, done: impl FnOnce() + Send + 'static) {
    if n == 0 {
        done();
    } else {
        drop(R::spawn(async move { chain::<R>(n - 1, done) }));
    }
}

fn multi_chained_spawn<R: Rt>(rt: R) -> impl FnMut() -> Duration {
    let (done_tx, done_rx) = mpsc::sync_channel(1000);
    move || {
        timed(|| {
            rt.block_on(async {
                let done_tx = done_tx.clone();
                drop(R::spawn(async move {
                    chain::<R>(CHAIN, move || done_tx.send(()).unwrap());
                }));
                done_rx.recv().unwrap();
            })
        })
    }
}

fn current_chained_spawn<R: Rt>(rt: R) -> impl FnMut() -> Duration {
    move || {
        timed(|| {
            rt.block_on(async {
                let (done_tx, done_rx) = oneshot::channel();
                drop(R::spawn(async move {
                    chain::<R>(CHAIN, move || done_tx.send(()).unwrap());
                }));
                done_rx.await.unwrap();
            })
        })
    }
}
