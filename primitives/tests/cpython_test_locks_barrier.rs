//! CPython 3.13 `test_asyncio/test_locks.py`, class `BarrierTests`, ported.

mod common;

use common::*;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use weft_executor::Task;
use weft_primitives::{Barrier, BarrierError, BarrierState};

const N: usize = 5;

fn barrier(parties: usize) -> Arc<Barrier> {
    Arc::new(Barrier::new(parties).unwrap())
}

fn make_tasks<F, Fut>(n: usize, coro: F) -> Vec<Task<Fut::Output>>
where
    F: Fn() -> Fut,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    (0..n).map(|_| spawn(coro())).collect()
}

/// `asyncio.gather(*tasks)`: every task succeeds; their results in order.
async fn gather<T>(tasks: Vec<Task<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("task failed"));
    }
    out
}

async fn gather_tasks<F, Fut>(n: usize, coro: F) -> Vec<Fut::Output>
where
    F: Fn() -> Fut,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    gather(make_tasks(n, coro)).await
}

fn waiter(b: &Arc<Barrier>) -> Task<Result<usize, BarrierError>> {
    let b = b.clone();
    spawn(async move { b.wait().await })
}

/// `except asyncio.BrokenBarrierError:` around a wait: true if the wait raised it. Any other
/// error (a cancellation) is not what the case catches, and fails the test.
fn broken(r: Result<usize, BarrierError>) -> bool {
    match r {
        Ok(_) => false,
        Err(BarrierError::Broken) => true,
        Err(e) => panic!("only BrokenBarrierError is caught here, the wait failed with: {e}"),
    }
}

#[test]
fn cpython_test_locks_barrier_test_barrier() {
    let b = Barrier::new(N).unwrap();
    assert_eq!(b.state(), BarrierState::Filling);
}

#[test]
fn cpython_test_locks_barrier_test_repr() {
    run(async {
        let b = barrier(N);
        assert_eq!(b.state(), BarrierState::Filling);
        let mut waiters = Vec::new();
        let incr = 2;
        for _ in 0..incr {
            waiters.push(waiter(&b));
        }
        tick().await;
        assert_eq!(b.n_waiting(), incr);
        assert_eq!(b.state(), BarrierState::Filling);

        for _ in 0..b.parties() - b.n_waiting() {
            waiters.push(waiter(&b));
        }
        tick().await;
        assert_eq!(b.state(), BarrierState::Draining);

        for _ in 0..incr {
            waiters.push(waiter(&b));
        }
        tick().await;
        b.reset().await.unwrap();
        assert_eq!(b.state(), BarrierState::Resetting);

        for _ in 0..incr {
            waiters.push(waiter(&b));
        }
        tick().await;
        b.abort().await.unwrap();
        assert_eq!(b.state(), BarrierState::Broken);
        assert!(b.broken());
        for w in waiters {
            let _ = w.await; // return_exceptions=True
        }
    });
}

#[test]
fn cpython_test_locks_barrier_test_barrier_parties() {
    assert!(Barrier::new(0).is_err());
    assert!(Barrier::new(N).is_ok());
}

#[test]
fn cpython_test_locks_barrier_test_context_manager() {
    run(async {
        let b = barrier(3);
        let results = Log::new();
        gather_tasks(3, || {
            let (b, results) = (b.clone(), results.clone());
            async move { results.push(b.wait().await.unwrap()) }
        })
        .await;
        let mut r = results.get();
        r.sort();
        assert_eq!(r, [0, 1, 2]);
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.broken());
    });
}

#[test]
fn cpython_test_locks_barrier_test_filling_one_task() {
    run(async {
        let b = Barrier::new(1).unwrap();
        assert_eq!(b.wait().await, Ok(0));
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.broken());
    });
}

#[test]
fn cpython_test_locks_barrier_test_filling_one_task_twice() {
    run(async {
        let b = barrier(1);
        let t1 = waiter(&b);
        tick().await;
        assert_eq!(b.n_waiting(), 0);
        let t2 = waiter(&b);
        tick().await;
        assert_eq!(t1.is_finished(), t2.is_finished());
        assert_eq!(t1.await.unwrap(), t2.await.unwrap());
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.broken());
    });
}

#[test]
fn cpython_test_locks_barrier_test_filling_task_by_task() {
    run(async {
        let b = barrier(3);
        let t1 = waiter(&b);
        tick().await;
        assert_eq!(b.n_waiting(), 1);
        assert_eq!(b.state(), BarrierState::Filling);
        let t2 = waiter(&b);
        tick().await;
        assert_eq!(b.n_waiting(), 2);
        assert_eq!(b.state(), BarrierState::Filling);
        let t3 = waiter(&b);
        tick().await;
        for t in [t1, t2, t3] {
            t.await.unwrap().unwrap();
        }
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.broken());
    });
}

#[test]
fn cpython_test_locks_barrier_test_filling_tasks_wait_twice() {
    run(async {
        let b = barrier(N);
        let results = Log::new();
        gather_tasks(N, || {
            let (b, results) = (b.clone(), results.clone());
            async move {
                b.wait().await.unwrap();
                results.push(true);
                b.wait().await.unwrap();
                results.push(false);
            }
        })
        .await;
        let r = results.get();
        assert_eq!(r.len(), N * 2);
        assert_eq!(r.iter().filter(|&&x| x).count(), N);
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.broken());
    });
}

#[test]
fn cpython_test_locks_barrier_test_filling_tasks_check_return_value() {
    run(async {
        let b = barrier(N);
        let (results1, results2) = (Log::new(), Log::new());
        let mut res = gather_tasks(N, || {
            let (b, results1, results2) = (b.clone(), results1.clone(), results2.clone());
            async move {
                b.wait().await.unwrap();
                results1.push(true);
                let i = b.wait().await.unwrap();
                results2.push(true);
                i
            }
        })
        .await;
        assert_eq!(results1.len(), N);
        assert_eq!(results2.len(), N);
        res.sort();
        assert_eq!(res, (0..N).collect::<Vec<_>>());
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.broken());
    });
}

#[test]
fn cpython_test_locks_barrier_test_draining_state() {
    run(async {
        let b = barrier(N);
        let results = Log::new();
        gather_tasks(N, || {
            let (b, results) = (b.clone(), results.clone());
            async move {
                b.wait().await.unwrap();
                // The state changes back to filling when the last task leaves.
                results.push(b.state() == BarrierState::Draining);
            }
        })
        .await;
        let r = results.get();
        assert_eq!(r.len(), N);
        assert!(!r[N - 1]);
        assert!(r[..N - 1].iter().all(|&x| x));
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.broken());
    });
}

#[test]
fn cpython_test_locks_barrier_test_blocking_tasks_while_draining() {
    run(async {
        let rewait = 2;
        let b = barrier(N);
        let b_nowaiting = barrier(N - rewait);
        let rewait_n = Arc::new(AtomicUsize::new(rewait));
        // A success means that b_nowaiting was waited for exactly N - rewait times.
        gather_tasks(N, || {
            let (b, b_nowaiting, rewait_n) = (b.clone(), b_nowaiting.clone(), rewait_n.clone());
            async move {
                b.wait().await.unwrap();
                if rewait_n.load(SeqCst) > 0 {
                    rewait_n.fetch_sub(1, SeqCst);
                    b.wait().await.unwrap();
                } else {
                    b_nowaiting.wait().await.unwrap();
                    b.wait().await.unwrap();
                }
            }
        })
        .await;
    });
}

#[test]
fn cpython_test_locks_barrier_test_filling_tasks_cancel_one() {
    run(async {
        let b = barrier(3);
        let results = Log::new();
        let coro = || {
            let (b, results) = (b.clone(), results.clone());
            spawn(async move {
                b.wait().await?;
                results.push(true);
                Ok::<_, BarrierError>(())
            })
        };
        let t1 = coro();
        tick().await;
        assert_eq!(b.n_waiting(), 1);
        let t2 = coro();
        tick().await;
        assert_eq!(b.n_waiting(), 2);

        t1.cancel(None);
        tick().await;
        assert_eq!(b.n_waiting(), 1);
        assert!(t1.await.unwrap_err().is_cancelled());

        let t3 = coro();
        tick().await;
        assert_eq!(b.n_waiting(), 2);
        let t4 = coro();
        for t in [t2, t3, t4] {
            t.await.unwrap().unwrap();
        }
        assert_eq!(results.len(), 3);
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.broken());
    });
}

#[test]
fn cpython_test_locks_barrier_test_reset_barrier() {
    run(async {
        let b = barrier(1);
        drop(spawn({
            let b = b.clone();
            async move { b.reset().await }
        }));
        tick().await;
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.broken());
    });
}

#[test]
fn cpython_test_locks_barrier_test_reset_barrier_while_tasks_waiting() {
    run(async {
        let b = barrier(N);
        let results = Log::new();
        let tasks = make_tasks(N - 1, || {
            let (b, results) = (b.clone(), results.clone());
            async move {
                if broken(b.wait().await) {
                    results.push(true);
                }
            }
        });
        tick().await;
        drop(spawn({
            let b = b.clone();
            async move { b.reset().await }
        }));
        gather(tasks).await;
        assert_eq!(results.len(), N - 1);
        assert_eq!(b.n_waiting(), 0);
        assert_ne!(b.state(), BarrierState::Resetting);
        assert!(!b.broken());
    });
}

#[test]
fn cpython_test_locks_barrier_test_reset_barrier_when_tasks_half_draining() {
    run(async {
        let b = barrier(N);
        let results1 = Log::new();
        let rest_of_tasks = N / 2;
        gather_tasks(N, || {
            let (b, results1) = (b.clone(), results1.clone());
            async move {
                if broken(b.wait().await) {
                    results1.push(true);
                } else if b.tasks_inside() == rest_of_tasks {
                    // A drained task, outside the barrier.
                    b.reset().await.unwrap();
                }
            }
        })
        .await;
        assert_eq!(results1.get(), vec![true; rest_of_tasks]);
        assert_eq!(b.n_waiting(), 0);
        assert_ne!(b.state(), BarrierState::Resetting);
        assert!(!b.broken());
    });
}

#[test]
fn cpython_test_locks_barrier_test_reset_barrier_when_tasks_half_draining_half_blocking() {
    run(async {
        let b = barrier(N);
        let (results1, results2) = (Log::new(), Log::new());
        let blocking_tasks = N / 2;
        let count = Arc::new(AtomicUsize::new(0));
        gather_tasks(N, || {
            let (b, results1, results2, count) =
                (b.clone(), results1.clone(), results2.clone(), count.clone());
            async move {
                if broken(b.wait().await) {
                    // Still-waiting tasks land here, and wait again to fill it.
                    results1.push(true);
                    b.wait().await.unwrap();
                } else if count.fetch_add(1, SeqCst) + 1 > blocking_tasks {
                    // Reset: waiting tasks get BrokenBarrierError.
                    b.reset().await.unwrap();
                    b.wait().await.unwrap();
                } else if broken(b.wait().await) {
                    // Not reached: blocked tasks go on waiting.
                    results2.push(true);
                }
            }
        })
        .await;
        assert_eq!(results1.get(), vec![true; blocking_tasks]);
        assert!(results2.get().is_empty());
        assert_eq!(b.n_waiting(), 0);
        assert_ne!(b.state(), BarrierState::Resetting);
        assert!(!b.broken());
    });
}

#[test]
fn cpython_test_locks_barrier_test_reset_barrier_while_tasks_waiting_and_waiting_again() {
    run(async {
        let b = barrier(N);
        let (results1, results2) = (Log::new(), Log::new());
        let tasks = make_tasks(N - 1, || {
            let (b, results1, results2) = (b.clone(), results1.clone(), results2.clone());
            async move {
                if broken(b.wait().await) {
                    results1.push(true);
                }
                // finally:
                b.wait().await.unwrap();
                results2.push(true);
            }
        });
        // Reset: the N-1 waiting tasks get BrokenBarrierError.
        drop(spawn({
            let b = b.clone();
            async move { b.reset().await }
        }));
        tick().await;
        // Complete the waiting tasks' `finally`.
        drop(spawn({
            let (b, results2) = (b.clone(), results2.clone());
            async move {
                b.wait().await.unwrap();
                results2.push(true);
            }
        }));
        gather(tasks).await;
        assert!(!b.broken());
        assert_eq!(results1.len(), N - 1);
        assert_eq!(results2.len(), N);
        assert_eq!(b.n_waiting(), 0);
    });
}

#[test]
fn cpython_test_locks_barrier_test_reset_barrier_while_tasks_draining() {
    run(async {
        let b = barrier(N);
        let (results1, results2, results3) = (Log::new(), Log::new(), Log::new());
        let count = Arc::new(AtomicUsize::new(0));
        gather_tasks(N, || {
            let (b, r1, r2, r3, count) =
                (b.clone(), results1.clone(), results2.clone(), results3.clone(), count.clone());
            async move {
                b.wait().await.unwrap();
                if count.fetch_add(1, SeqCst) + 1 == N {
                    // The last task out of the barrier resets it, then waits to fill it.
                    b.reset().await.unwrap();
                    b.wait().await.unwrap();
                } else {
                    // `except Exception`: BrokenBarrierError, never a cancellation.
                    if broken(b.wait().await) {
                        r2.push(true); // never here
                    } else {
                        r1.push(true);
                    }
                }
                // Pass the barrier once more: must complete.
                b.wait().await.unwrap();
                r3.push(true);
            }
        })
        .await;
        assert!(!b.broken());
        assert_eq!(results1.len(), N - 1);
        assert_eq!(results2.len(), 0);
        assert_eq!(results3.len(), N);
        assert_eq!(b.n_waiting(), 0);
    });
}

#[test]
fn cpython_test_locks_barrier_test_abort_barrier() {
    run(async {
        let b = barrier(1);
        drop(spawn({
            let b = b.clone();
            async move { b.abort().await }
        }));
        tick().await;
        assert_eq!(b.n_waiting(), 0);
        assert!(b.broken());
    });
}

#[test]
fn cpython_test_locks_barrier_test_abort_barrier_when_tasks_half_draining_half_blocking() {
    run(async {
        let b = barrier(N);
        let (results1, results2) = (Log::new(), Log::new());
        let blocking_tasks = N / 2;
        let count = Arc::new(AtomicUsize::new(0));
        gather_tasks(N, || {
            let (b, results1, results2, count) =
                (b.clone(), results1.clone(), results2.clone(), count.clone());
            async move {
                if broken(b.wait().await) {
                    // Tasks waiting to drain land here.
                    results1.push(true);
                } else if count.fetch_add(1, SeqCst) + 1 > blocking_tasks {
                    // Abort: BrokenBarrierError for every task.
                    b.abort().await.unwrap();
                } else if broken(b.wait().await) {
                    // Blocked tasks (already drained) land here.
                    results2.push(true);
                }
            }
        })
        .await;
        assert!(b.broken());
        assert_eq!(results1.get(), vec![true; blocking_tasks]);
        assert_eq!(results2.get(), vec![true; N - blocking_tasks - 1]);
        assert_eq!(b.n_waiting(), 0);
        assert_ne!(b.state(), BarrierState::Resetting);
    });
}

#[test]
fn cpython_test_locks_barrier_test_abort_barrier_when_exception() {
    run(async {
        let b = barrier(N);
        let (results1, results2) = (Log::new(), Log::new());
        gather_tasks(N, || {
            let (b, results1, results2) = (b.clone(), results1.clone(), results2.clone());
            async move {
                let r: Result<(), Exc> = async {
                    let i = b.wait().await?;
                    if i == N / 2 {
                        return Err(Exc::Runtime); // raise RuntimeError
                    }
                    b.wait().await?;
                    results1.push(true);
                    Ok(())
                }
                .await;
                match r {
                    Err(Exc::Barrier(BarrierError::Broken)) => results2.push(true),
                    Err(Exc::Runtime) => b.abort().await.unwrap(),
                    other => panic!("{other:?}"),
                }
            }
        })
        .await;
        assert!(b.broken());
        assert_eq!(results1.len(), 0);
        assert_eq!(results2.len(), N - 1);
        assert_eq!(b.n_waiting(), 0);
    });
}

/// The exceptions of the two abort tests: the barrier's, or the test's RuntimeError.
#[derive(Debug)]
enum Exc {
    Barrier(BarrierError),
    Runtime,
}

impl From<BarrierError> for Exc {
    fn from(e: BarrierError) -> Self {
        Exc::Barrier(e)
    }
}

#[test]
fn cpython_test_locks_barrier_test_abort_barrier_when_exception_then_resetting() {
    run(async {
        let barrier1 = barrier(N);
        let barrier2 = barrier(N);
        let (results1, results2, results3) = (Log::new(), Log::new(), Log::new());
        gather_tasks(N, || {
            let (b1, b2) = (barrier1.clone(), barrier2.clone());
            let (r1, r2, r3) = (results1.clone(), results2.clone(), results3.clone());
            async move {
                let r: Result<(), Exc> = async {
                    let i = b1.wait().await?;
                    if i == N / 2 {
                        return Err(Exc::Runtime);
                    }
                    b1.wait().await?;
                    r1.push(true);
                    Ok(())
                }
                .await;
                match r {
                    Err(Exc::Barrier(BarrierError::Broken)) => r2.push(true),
                    Err(Exc::Runtime) => b1.abort().await.unwrap(),
                    other => panic!("{other:?}"),
                }
                // Synchronise and reset barrier1: first so everyone has left it, after so
                // that no one enters it before the reset.
                let i = b2.wait().await.unwrap();
                if i == N / 2 {
                    b1.reset().await.unwrap();
                }
                b2.wait().await.unwrap();
                b1.wait().await.unwrap();
                r3.push(true);
            }
        })
        .await;
        assert!(!barrier1.broken());
        assert_eq!(results1.len(), 0);
        assert_eq!(results2.len(), N - 1);
        assert_eq!(results3.len(), N);
        assert_eq!(barrier1.n_waiting(), 0);
    });
}
