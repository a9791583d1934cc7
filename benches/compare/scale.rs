//! `scale/*`: what one item costs as the count grows from 10³ to 10⁶, on both flavours.
//!
//! A runtime whose bookkeeping is flat pays the same per task at 10⁶ tasks as at 10³; one
//! with a shared counter, a list whose neighbours fall out of cache, or a timer structure
//! that degrades, pays more. Each line reports wall and CPU time **per item** (the round's
//! median divided by its item count), so the four lines of a family read as a curve:
//!
//! | line | one round |
//! |---|---|
//! | `scale/spawn_join_1eN` | the `block_on` future spawns 10ᴺ empty tasks, then joins each handle in order (multi-thread: the spawns come from outside the workers, as in a service's accept loop) |
//! | `scale/timers_1eN` | 10ᴺ tasks each sleep once, for 1 to 100 ms spread evenly over the tasks, and are joined: spawning, registering, firing and waking the timers; the wall time is at least 100 ms whatever N, so read the CPU time per item |
//!
//! `scale/current/*` are the same on the current-thread flavour.

use std::time::Duration;

use crate::runtimes::{Flavor::CurrentThread, Flavor::MultiThread, Rt};
use crate::{Workload, timed};

pub const WORKLOADS: &[Workload] = &[
    scaled!("scale/spawn_join_1e3", MultiThread, spawn_join, 1_000),
    scaled!("scale/spawn_join_1e4", MultiThread, spawn_join, 10_000),
    scaled!("scale/spawn_join_1e5", MultiThread, spawn_join, 100_000),
    scaled!("scale/spawn_join_1e6", MultiThread, spawn_join, 1_000_000),
    scaled!("scale/current/spawn_join_1e3", CurrentThread, spawn_join, 1_000),
    scaled!("scale/current/spawn_join_1e4", CurrentThread, spawn_join, 10_000),
    scaled!("scale/current/spawn_join_1e5", CurrentThread, spawn_join, 100_000),
    scaled!("scale/current/spawn_join_1e6", CurrentThread, spawn_join, 1_000_000),
    scaled!("scale/timers_1e3", MultiThread, timers, 1_000),
    scaled!("scale/timers_1e4", MultiThread, timers, 10_000),
    scaled!("scale/timers_1e5", MultiThread, timers, 100_000),
    scaled!("scale/timers_1e6", MultiThread, timers, 1_000_000),
    scaled!("scale/current/timers_1e3", CurrentThread, timers, 1_000),
    scaled!("scale/current/timers_1e4", CurrentThread, timers, 10_000),
    scaled!("scale/current/timers_1e5", CurrentThread, timers, 100_000),
    scaled!("scale/current/timers_1e6", CurrentThread, timers, 1_000_000),
];

fn spawn_join<R: Rt>(rt: R, n: usize) -> impl FnMut() -> Duration {
    let mut handles = Vec::with_capacity(n);
    move || {
        timed(|| {
            rt.block_on(async {
                for _ in 0..n {
                    handles.push(R::spawn(async {}));
                }
                for handle in handles.drain(..) {
                    handle.await.unwrap();
                }
            })
        })
    }
}

/// The sleep of task `i`: 1 to 100 ms, in whole milliseconds, spread evenly.
fn sleep_of(i: usize) -> Duration {
    Duration::from_millis(1 + (i * 37 % 100) as u64)
}

fn timers<R: Rt>(rt: R, n: usize) -> impl FnMut() -> Duration {
    let mut handles = Vec::with_capacity(n);
    move || {
        timed(|| {
            rt.block_on(async {
                for i in 0..n {
                    handles.push(R::spawn(async move {
                        let _ = R::sleep(sleep_of(i)).await;
                    }));
                }
                for handle in handles.drain(..) {
                    handle.await.unwrap();
                }
            })
        })
    }
}
