//! `time/*`: timers.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use crate::runtimes::{Flavor::MultiThread, Rt};
use crate::{Workload, timed};

pub const WORKLOADS: &[Workload] = &[timed!("time/sleep_many", MultiThread, sleep_many)];

/// Tasks of `sleep_many`, each sleeping SLEEP once.
const SLEEPERS: usize = 100_000;
const SLEEP: Duration = Duration::from_millis(1);

/// SLEEPERS tasks spawned from inside the runtime each sleep SLEEP, then count down; the
/// last one signals the caller blocked in `block_on`, as in `rt_multi/spawn_many_local`.
/// This is what a user does (many tasks, each with its own timer), and it measures
/// spawning plus registering, firing and waking 100k timers: the floor is SLEEP itself.
fn sleep_many<R: Rt>(rt: R) -> impl FnMut() -> Duration {
    let (tx, rx) = mpsc::sync_channel(1);
    let rem = Arc::new(AtomicUsize::new(0));
    move || {
        rem.store(SLEEPERS, Relaxed);
        timed(|| {
            rt.block_on(async {
                for _ in 0..SLEEPERS {
                    let (tx, rem) = (tx.clone(), rem.clone());
                    drop(R::spawn(async move {
                        let _ = R::sleep(SLEEP).await;
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
