//! `group/*` and `time/timeout_*`: weft's structured layer against tokio's nearest
//! equivalents (`JoinSet`, `tokio::time::timeout`).
//!
//! | workload | weft | tokio |
//! |---|---|---|
//! | group/spawn_join_10k | `task_group` spawning 10k trivial children | `JoinSet`, 10k `spawn` + `join_next` until empty |
//! | group/cancel_100k | 100k sleeping children, `TaskGroup::cancel`, group joins | `JoinSet`, 100k sleeping tasks, `shutdown().await` |
//! | time/timeout_ready | 10k `timeout(1 s, ready)` in a row | 10k `tokio::time::timeout(1 s, ready)` |
//! | time/timeout_fires | 1k tasks, each `timeout(1 ms, sleep(1 h))`, joined | same with tokio |
//!
//! All on the multi-thread runtime ([`WORKERS`] workers on both sides). weft's group does
//! more than a `JoinSet` (fail-fast bookkeeping, a handle per child), which is what
//! a user of either pays for "spawn many, wait for all".
//!
//! **What `time/timeout_fires`'s CPU line measures on a small machine.** The 1,000 tasks
//! are spawned from `block_on`'s thread, so each spawn that finds every worker busy or
//! asleep wakes one (the rule of `executor/src/scheduler/multi_thread/idle.rs`). On a
//! two-core virtual machine the kernel put the woken worker on the spawner's own core in
//! 20,019 of 20,349 such wake-ups (`perf sched timehist`, weft alone, 300 rounds), with
//! the other core idle: the worker preempts the spawner, runs the one task queued, finds
//! nothing more (the spawner is not running) and parks, and the next spawn wakes it again.
//! That is about 120 context switches a round against tokio's 32, yet not most of the CPU
//! difference: a build that ended the ping-pong (the last searcher waking the next
//! worker unconditionally, tokio's rule) cut the switches to 31 a round and weft's CPU
//! per round by 2 to 4%, and was not kept, since it costs a futex round trip per request
//! in request/reply (`sync/oneshot_request_reply` went from 0.21 to 0.85 of tokio's
//! time). A timeout here reads the clock three times (its deadline, the sleep's deadline
//! inside it, and, at the body's first wait, whether its deadline has passed, which
//! decides between asyncio's `call_soon` and `call_at` orders); tokio's twice.

use std::time::Duration;

use crate::runtimes::{Flavor::MultiThread, Rt, Tokio, WORKERS, Weft};
use crate::{Workload, timed};

pub const WORKLOADS: &[Workload] = &[
    paired!("group/spawn_join_10k", MultiThread, weft_spawn_join, tokio_spawn_join),
    paired!("group/cancel_100k", MultiThread, weft_cancel_many, tokio_cancel_many),
    paired!("time/timeout_ready", MultiThread, weft_timeout_ready, tokio_timeout_ready),
    paired!("time/timeout_fires", MultiThread, weft_timeout_fires, tokio_timeout_fires),
];

const _: usize = WORKERS;

const SPAWN_JOIN: usize = 10_000;
const CANCEL: usize = 100_000;
const READY: usize = 10_000;
const FIRES: usize = 1_000;
const HOUR: Duration = Duration::from_secs(3600);

fn weft_spawn_join(rt: Weft) -> impl FnMut() -> Duration {
    move || {
        timed(|| {
            rt.block_on(async {
                weft::task_group(|tg| async move {
                    for _ in 0..SPAWN_JOIN {
                        tg.spawn(async { Ok::<_, weft::Cancelled>(()) })?;
                    }
                    Ok::<_, weft::GroupSpawnError>(())
                })
                .await
                .unwrap();
            })
        })
    }
}

fn tokio_spawn_join(rt: Tokio) -> impl FnMut() -> Duration {
    move || {
        timed(|| {
            rt.block_on(async {
                let mut set = tokio::task::JoinSet::new();
                for _ in 0..SPAWN_JOIN {
                    set.spawn(async {});
                }
                while let Some(r) = set.join_next().await {
                    r.unwrap();
                }
            })
        })
    }
}

fn weft_cancel_many(rt: Weft) -> impl FnMut() -> Duration {
    move || {
        timed(|| {
            rt.block_on(async {
                let r = weft::task_group(|tg| async move {
                    for _ in 0..CANCEL {
                        tg.spawn(weft::time::sleep(HOUR))?;
                    }
                    let _ = weft::yield_now().await;
                    tg.cancel();
                    Ok::<_, weft::GroupSpawnError>(())
                })
                .await;
                assert!(r.is_ok() || matches!(r, Err(weft::GroupError::Stopped)));
            })
        })
    }
}

fn tokio_cancel_many(rt: Tokio) -> impl FnMut() -> Duration {
    move || {
        timed(|| {
            rt.block_on(async {
                let mut set = tokio::task::JoinSet::new();
                for _ in 0..CANCEL {
                    set.spawn(tokio::time::sleep(HOUR));
                }
                tokio::task::yield_now().await;
                set.shutdown().await;
            })
        })
    }
}

fn weft_timeout_ready(rt: Weft) -> impl FnMut() -> Duration {
    move || {
        timed(|| {
            rt.block_on(async {
                let mut sum = 0u64;
                for i in 0..READY as u64 {
                    sum +=
                        weft::timeout(Duration::from_secs(1), async move { Ok::<_, weft::Interrupted>(i) })
                            .await
                            .unwrap();
                }
                std::hint::black_box(sum);
            })
        })
    }
}

fn tokio_timeout_ready(rt: Tokio) -> impl FnMut() -> Duration {
    move || {
        timed(|| {
            rt.block_on(async {
                let mut sum = 0u64;
                for i in 0..READY as u64 {
                    sum += tokio::time::timeout(Duration::from_secs(1), async move { i }).await.unwrap();
                }
                std::hint::black_box(sum);
            })
        })
    }
}

fn weft_timeout_fires(rt: Weft) -> impl FnMut() -> Duration {
    move || {
        timed(|| {
            rt.block_on(async {
                let tasks: Vec<_> = (0..FIRES)
                    .map(|_| {
                        <Weft as Rt>::spawn(weft::timeout(Duration::from_millis(1), async {
                            weft::time::sleep(HOUR).await?;
                            Ok::<_, weft::Interrupted>(())
                        }))
                    })
                    .collect();
                for t in tasks {
                    assert!(t.await.unwrap().unwrap_err().is_timeout());
                }
            })
        })
    }
}

fn tokio_timeout_fires(rt: Tokio) -> impl FnMut() -> Duration {
    move || {
        timed(|| {
            rt.block_on(async {
                let tasks: Vec<_> = (0..FIRES)
                    .map(|_| {
                        <Tokio as Rt>::spawn(tokio::time::timeout(
                            Duration::from_millis(1),
                            tokio::time::sleep(HOUR),
                        ))
                    })
                    .collect();
                for t in tasks {
                    assert!(t.await.unwrap().is_err());
                }
            })
        })
    }
}
