//! CPython 3.13 `test_asyncio/test_locks.py`, class `SemaphoreTests`, ported.

mod common;

use common::*;
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;
use weft_executor::{Cancelled, Task, TaskRef};
use weft_primitives::{BoundedSemaphore, ReleasedTooManyTimes, Semaphore};

/// `await sem.acquire(); result.append(n); return True`
fn acquirer(sem: &Arc<Semaphore>, result: &Log<u32>, n: u32) -> Task<Result<bool, Cancelled>> {
    let (sem, result) = (sem.clone(), result.clone());
    spawn(async move {
        sem.acquire_raw().await?;
        result.push(n);
        Ok(true)
    })
}

#[test]
fn cpython_test_locks_semaphore_test_initial_value_zero() {
    assert!(Semaphore::new(0).locked());
}

#[test]
fn cpython_test_locks_semaphore_test_repr() {
    run(async {
        let sem = Arc::new(Semaphore::new(1));
        let repr = |sem: &Semaphore| format!("{sem:?}");
        assert!(repr(&sem).contains("permits: 1, waiting: 0"), "{}", repr(&sem));
        sem.acquire_raw().await.unwrap();
        assert!(repr(&sem).contains("permits: 0, waiting: 0"), "{}", repr(&sem));

        // CPython appends mocks to the private `_waiters` and checks `waiters:1`, then
        // `waiters:2`; here real tasks wait.
        let r = Log::new();
        let w1 = acquirer(&sem, &r, 1);
        tick().await;
        assert!(repr(&sem).contains("permits: 0, waiting: 1"), "{}", repr(&sem));
        let w2 = acquirer(&sem, &r, 2);
        tick().await;
        assert!(repr(&sem).contains("permits: 0, waiting: 2"), "{}", repr(&sem));
        assert_eq!(sem.waiters(), 2);

        sem.release();
        sem.release();
        assert!(w1.await.unwrap().unwrap() && w2.await.unwrap().unwrap());
        assert_eq!(r.get(), [1, 2]);
    });
}

#[test]
fn cpython_test_locks_semaphore_test_semaphore() {
    let sem = Semaphore::new(1);
    assert_eq!(sem.available_permits(), 1);
    assert!(!sem.locked());
}

#[test]
fn cpython_test_locks_semaphore_test_acquire() {
    run(async {
        let sem = Arc::new(Semaphore::new(3));
        let result = Log::new();
        sem.acquire_raw().await.unwrap();
        sem.acquire_raw().await.unwrap();
        assert!(!sem.locked());

        let t1 = acquirer(&sem, &result, 1);
        let t2 = acquirer(&sem, &result, 2);
        let t3 = acquirer(&sem, &result, 3);
        tick().await;
        assert_eq!(result.get(), [1]);
        assert!(sem.locked());
        assert_eq!(sem.waiters(), 2);
        assert_eq!(sem.available_permits(), 0);

        let t4 = acquirer(&sem, &result, 4);
        sem.release();
        sem.release();
        assert_eq!(sem.available_permits(), 0);

        tick().await;
        assert_eq!(sem.available_permits(), 0);
        assert_eq!(result.len(), 3);
        assert!(sem.locked());
        assert_eq!(sem.waiters(), 1);
        assert_eq!(sem.available_permits(), 0);

        assert!(t1.is_finished());
        assert!(t1.await.unwrap().unwrap());
        let race = [t2, t3, t4];
        assert_eq!(race.iter().filter(|t| t.is_finished()).count(), 2);

        sem.release();
        for t in race {
            assert!(t.await.unwrap().unwrap());
        }
    });
}

#[test]
fn cpython_test_locks_semaphore_test_acquire_cancel() {
    run(async {
        let sem = Arc::new(Semaphore::new(1));
        sem.acquire_raw().await.unwrap();
        let acquire = spawn({
            let sem = sem.clone();
            async move { sem.acquire_raw().await }
        });
        let a = acquire.task_ref();
        call_soon(move || {
            a.cancel(None);
        });
        assert!(acquire.await.unwrap_err().is_cancelled());
        assert_eq!(sem.waiters(), 0);
        assert_eq!(sem.available_permits(), 0, "the cancelled waiter took nothing");
    });
}

#[test]
fn cpython_test_locks_semaphore_test_acquire_cancel_before_awoken() {
    run(async {
        let sem = Arc::new(Semaphore::new(0));
        let acquire = || {
            let sem = sem.clone();
            spawn(async move { sem.acquire_raw().await })
        };
        let (t1, t2, t3, t4) = (acquire(), acquire(), acquire(), acquire());
        tick().await;

        t1.cancel(None);
        t2.cancel(None);
        sem.release();

        tick().await;
        tick().await;
        assert_eq!([&t3, &t4].iter().filter(|t| t.is_finished()).count(), 1);
        assert!(t3.is_finished());
        assert!(!t4.is_finished());

        t3.cancel(None);
        t4.cancel(None);
        tick().await;
        assert!(t1.is_cancelled() && t2.is_cancelled() && t4.is_cancelled());
    });
}

#[test]
fn cpython_test_locks_semaphore_test_acquire_hang() {
    run(async {
        let sem = Arc::new(Semaphore::new(0));
        let acquire = || {
            let sem = sem.clone();
            spawn(async move { sem.acquire_raw().await })
        };
        let (t1, t2) = (acquire(), acquire());
        tick().await;

        t1.cancel(None);
        sem.release();
        tick().await;
        tick().await;
        assert!(sem.locked());
        assert!(t2.is_finished());
    });
}

#[test]
fn cpython_test_locks_semaphore_test_acquire_no_hang() {
    run(async {
        let sem = Arc::new(Semaphore::new(1));
        let t2_ref: Arc<Mutex<Option<TaskRef>>> = Arc::default();
        let t1 = spawn({
            let (sem, t2_ref) = (sem.clone(), t2_ref.clone());
            async move {
                {
                    let _p = sem.acquire().await?;
                    weft_executor::yield_now().await?;
                }
                t2_ref.lock().as_ref().unwrap().cancel(None);
                Ok::<_, Cancelled>(())
            }
        });
        let t2 = spawn({
            let sem = sem.clone();
            async move {
                let _p = sem.acquire().await?;
                panic!("c2 must never get the permit");
                #[allow(unreachable_code)]
                Ok::<_, Cancelled>(())
            }
        });
        *t2_ref.lock() = Some(t2.task_ref());

        assert_eq!(t1.await.unwrap(), Ok(()));
        assert!(t2.await.unwrap_err().is_cancelled());

        let r = move_on_after(Duration::from_secs(1), sem.acquire_raw()).await;
        assert_eq!(r, Some(Ok(())), "the permit the cancelled waiter was handed came back");
    });
}

#[test]
fn cpython_test_locks_semaphore_test_release_not_acquired() {
    let sem = BoundedSemaphore::new(1);
    assert_eq!(sem.release(), Err(ReleasedTooManyTimes));
}

#[test]
fn cpython_test_locks_semaphore_test_release_no_waiters() {
    run(async {
        let sem = Semaphore::new(1);
        sem.acquire_raw().await.unwrap();
        assert!(sem.locked());
        sem.release();
        assert!(!sem.locked());
    });
}

#[test]
fn cpython_test_locks_semaphore_test_acquire_fifo_order() {
    run(async {
        let sem = Arc::new(Semaphore::new(1));
        let result = Log::new();
        let coro = |tag: &'static str| {
            let (sem, result) = (sem.clone(), result.clone());
            spawn(async move {
                for round in 1..=2 {
                    sem.acquire_raw().await?;
                    result.push(format!("{tag}_{round}"));
                    weft_executor::time::sleep(Duration::from_millis(10)).await?;
                    sem.release();
                }
                Ok::<_, Cancelled>(())
            })
        };
        let tasks = [coro("c1"), coro("c2"), coro("c3")];
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(result.get(), ["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"]);
    });
}

#[test]
fn cpython_test_locks_semaphore_test_acquire_fifo_order_2() {
    run(async {
        let sem = Arc::new(Semaphore::new(1));
        let result = Log::new();
        let t1 = acquirer(&sem, &result, 1);
        let t2 = spawn({
            let (sem, result) = (sem.clone(), result.clone());
            async move {
                sem.acquire_raw().await?;
                result.push(2);
                sem.release();
                sem.acquire_raw().await?;
                result.push(4);
                Ok::<_, Cancelled>(true)
            }
        });
        let t3 = acquirer(&sem, &result, 3);
        tick().await;

        sem.release();
        sem.release();
        for t in [t1, t2, t3] {
            t.await.unwrap().unwrap();
        }
        assert_eq!(result.get(), [1, 2, 3, 4]);
    });
}

#[test]
fn cpython_test_locks_semaphore_test_acquire_fifo_order_3() {
    run(async {
        let sem = Arc::new(Semaphore::new(0));
        let result = Log::new();
        let t1 = acquirer(&sem, &result, 1);
        let t2 = acquirer(&sem, &result, 2);
        let t3 = acquirer(&sem, &result, 3);
        tick().await;

        t1.cancel(None);
        tick().await;

        sem.release();
        sem.release();
        assert!(t1.await.unwrap_err().is_cancelled());
        t2.await.unwrap().unwrap();
        t3.await.unwrap().unwrap();
        assert_eq!(result.get(), [2, 3]);
    });
}

/// A successful acquire wakes the tasks queued behind it by the FIFO rule.
/// Deliberately different detail: asyncio's `len(sem._waiters)` is 3 (the woken c1 is
/// still listed); weft's `waiters()` counts the tasks not handed a permit: 2.
#[test]
fn cpython_test_locks_semaphore_test_acquire_fifo_order_4() {
    run(async {
        let sem = Arc::new(Semaphore::new(0));
        let result = Log::new();
        let t4: Arc<Mutex<Option<Task<bool>>>> = Arc::default();

        let t1 = spawn({
            let (sem, result, t4) = (sem.clone(), result.clone(), t4.clone());
            async move {
                assert_eq!(sem.available_permits(), 0);
                sem.acquire_raw().await?;
                // Every waiting task has been woken now.
                assert_eq!(sem.available_permits(), 0);
                // A fourth task: it runs after c3, not before c2.
                let result4 = result.clone();
                *t4.lock() = Some(spawn(async move {
                    result4.push(4);
                    true
                }));
                result.push(1);
                Ok::<_, Cancelled>(true)
            }
        });
        let t2 = spawn({
            let (sem, result) = (sem.clone(), result.clone());
            async move {
                sem.release();
                sem.release();
                sem.release();
                assert_eq!(sem.available_permits(), 2);
                // Locked: c1 has not run yet.
                assert!(sem.locked());
                sem.acquire_raw().await?;
                result.push(2);
                Ok::<_, Cancelled>(true)
            }
        });
        let t3 = spawn({
            let (sem, result) = (sem.clone(), result.clone());
            async move {
                sem.acquire_raw().await?;
                assert!(sem.locked());
                result.push(3);
                Ok::<_, Cancelled>(true)
            }
        });

        tick().await;
        // Three tasks are in the queue; the first has not woken up yet.
        assert_eq!(sem.available_permits(), 2);
        assert_eq!(sem.waiters(), 2, "c2 and c3 wait; c1 was handed a permit (asyncio lists 3)");
        tick().await;

        for t in [t1, t2, t3] {
            assert!(t.await.unwrap().unwrap());
        }
        let t4 = t4.lock().take().unwrap();
        assert!(t4.await.unwrap());
        assert_eq!(result.get(), [1, 2, 3, 4]);
    });
}
