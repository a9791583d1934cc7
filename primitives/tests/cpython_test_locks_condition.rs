//! CPython 3.13 `test_asyncio/test_locks.py`, class `ConditionTests`, ported.

mod common;

use common::*;
use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering::SeqCst};
use std::time::Duration;
use weft_primitives::{Condition, ConditionError, Lock, NotLocked};

type Res = Result<bool, ConditionError>;

/// `await cond.acquire(); if await cond.wait(): result.append(n); [cond.release()]`
fn waiter(cond: &Arc<Condition>, result: &Log<u32>, n: u32, release: bool) -> weft_executor::Task<Res> {
    let (cond, result) = (cond.clone(), result.clone());
    spawn(async move {
        cond.acquire_raw().await?;
        cond.wait().await?;
        result.push(n);
        if release {
            cond.release().unwrap();
        }
        Ok(true)
    })
}

#[test]
fn cpython_test_locks_condition_test_wait() {
    run(async {
        let cond = Arc::new(Condition::new());
        let result = Log::new();
        let t1 = waiter(&cond, &result, 1, false);
        let t2 = waiter(&cond, &result, 2, false);
        let t3 = waiter(&cond, &result, 3, false);

        tick().await;
        assert!(result.get().is_empty());
        assert!(!cond.locked());

        cond.acquire_raw().await.unwrap();
        cond.notify(1).unwrap();
        tick().await;
        assert!(result.get().is_empty());
        assert!(cond.locked());

        cond.release().unwrap();
        tick().await;
        assert_eq!(result.get(), [1]);
        assert!(cond.locked());

        cond.notify(2).unwrap();
        tick().await;
        assert_eq!(result.get(), [1]);
        assert!(cond.locked());

        cond.release().unwrap();
        tick().await;
        assert_eq!(result.get(), [1, 2]);
        assert!(cond.locked());

        cond.release().unwrap();
        tick().await;
        assert_eq!(result.get(), [1, 2, 3]);
        assert!(cond.locked());

        for t in [t1, t2, t3] {
            assert!(t.is_finished());
            assert!(t.await.unwrap().unwrap());
        }
    });
}

#[test]
fn cpython_test_locks_condition_test_wait_cancel() {
    run(async {
        let cond = Arc::new(Condition::new());
        cond.acquire_raw().await.unwrap();
        let wait = spawn({
            let cond = cond.clone();
            async move { cond.wait().await }
        });
        let w = wait.task_ref();
        call_soon(move || {
            w.cancel(None);
        });
        assert!(wait.await.unwrap_err().is_cancelled());
        assert_eq!(cond.waiters(), 0);
        assert!(cond.locked());
    });
}

#[test]
fn cpython_test_locks_condition_test_wait_cancel_contested() {
    run(async {
        let cond = Arc::new(Condition::new());
        cond.acquire_raw().await.unwrap();
        assert!(cond.locked());

        let wait_task = spawn({
            let cond = cond.clone();
            async move { cond.wait().await }
        });
        tick().await;
        assert!(!cond.locked());

        // Notify, but contest the lock before cancelling.
        cond.acquire_raw().await.unwrap();
        assert!(cond.locked());
        cond.notify(1).unwrap();
        let w = wait_task.task_ref();
        call_soon(move || {
            w.cancel(None);
        });
        let c = cond.clone();
        call_soon(move || c.release().unwrap());

        // `try: await wait_task except CancelledError: pass`: only a cancellation is
        // swallowed (CPython 3.13 and weft both end the task cancelled here); a panic of the
        // waiting task fails the test. Cancelled or not, the wait returns with the lock held.
        match wait_task.await {
            // Notified, or the wait returned its cancellation (the task's CancelledError).
            Ok(_) => {}
            Err(e) => assert!(e.is_cancelled(), "the waiting task failed: {e}"),
        }
        assert!(cond.locked());
    });
}

#[test]
fn cpython_test_locks_condition_test_wait_cancel_after_notify() {
    run(async {
        let waited = Arc::new(AtomicBool::new(false));
        let cond = Arc::new(Condition::new());
        let waiter = spawn({
            let (cond, waited) = (cond.clone(), waited.clone());
            async move {
                let mut guard = cond.acquire().await?;
                waited.store(true, SeqCst);
                guard.wait().await
            }
        });
        tick().await; // start waiting

        cond.acquire_raw().await.unwrap();
        cond.notify(1).unwrap();
        tick().await; // get to acquire()
        waiter.cancel(None);
        tick().await; // activate cancellation
        cond.release().unwrap();
        tick().await; // cancellation should occur

        assert!(waiter.is_cancelled());
        assert!(waited.load(SeqCst));
    });
}

#[test]
fn cpython_test_locks_condition_test_wait_unacquired() {
    run(async {
        let cond = Condition::new();
        assert_eq!(cond.wait().await, Err(ConditionError::NotLocked));
    });
}

#[test]
fn cpython_test_locks_condition_test_wait_for() {
    run(async {
        let cond = Arc::new(Condition::new());
        let presult = Arc::new(AtomicBool::new(false));
        let result = Log::new();
        let t = spawn({
            let (cond, presult, result) = (cond.clone(), presult.clone(), result.clone());
            async move {
                cond.acquire_raw().await?;
                cond.wait_for(|| presult.load(SeqCst)).await?;
                result.push(1);
                cond.release().unwrap();
                Ok::<_, ConditionError>(true)
            }
        });
        tick().await;
        assert!(result.get().is_empty());

        cond.acquire_raw().await.unwrap();
        cond.notify(1).unwrap();
        cond.release().unwrap();
        tick().await;
        assert!(result.get().is_empty());

        presult.store(true, SeqCst);
        cond.acquire_raw().await.unwrap();
        cond.notify(1).unwrap();
        cond.release().unwrap();
        tick().await;
        assert_eq!(result.get(), [1]);

        assert!(t.is_finished());
        assert!(t.await.unwrap().unwrap());
    });
}

#[test]
fn cpython_test_locks_condition_test_wait_for_unacquired() {
    run(async {
        let cond = Condition::new();
        // The predicate can hold at once: no lock needed.
        assert_eq!(cond.wait_for(|| true).await, Ok(()));
        assert_eq!(cond.wait_for(|| false).await, Err(ConditionError::NotLocked));
    });
}

#[test]
fn cpython_test_locks_condition_test_notify() {
    run(async {
        let cond = Arc::new(Condition::new());
        let result = Log::new();
        let t1 = waiter(&cond, &result, 1, true);
        let t2 = waiter(&cond, &result, 2, true);
        let t3 = waiter(&cond, &result, 3, true);
        tick().await;
        assert!(result.get().is_empty());

        cond.acquire_raw().await.unwrap();
        cond.notify(1).unwrap();
        cond.release().unwrap();
        tick().await;
        assert_eq!(result.get(), [1]);

        cond.acquire_raw().await.unwrap();
        cond.notify(1).unwrap();
        cond.notify(2048).unwrap();
        cond.release().unwrap();
        tick().await;
        assert_eq!(result.get(), [1, 2, 3]);

        for t in [t1, t2, t3] {
            assert!(t.is_finished());
            assert!(t.await.unwrap().unwrap());
        }
    });
}

#[test]
fn cpython_test_locks_condition_test_notify_all() {
    run(async {
        let cond = Arc::new(Condition::new());
        let result = Log::new();
        let t1 = waiter(&cond, &result, 1, true);
        let t2 = waiter(&cond, &result, 2, true);
        tick().await;
        assert!(result.get().is_empty());

        cond.acquire_raw().await.unwrap();
        cond.notify_all().unwrap();
        cond.release().unwrap();
        tick().await;
        assert_eq!(result.get(), [1, 2]);

        for t in [t1, t2] {
            assert!(t.is_finished());
            assert!(t.await.unwrap().unwrap());
        }
    });
}

#[test]
fn cpython_test_locks_condition_test_notify_unacquired() {
    assert_eq!(Condition::new().notify(1), Err(NotLocked));
}

#[test]
fn cpython_test_locks_condition_test_notify_all_unacquired() {
    assert_eq!(Condition::new().notify_all(), Err(NotLocked));
}

#[test]
fn cpython_test_locks_condition_test_repr() {
    run(async {
        let cond = Arc::new(Condition::new());
        assert!(format!("{cond:?}").contains("locked: false"));
        cond.acquire_raw().await.unwrap();
        assert!(format!("{cond:?}").contains("locked: true"));
        let w1 = spawn({
            let cond = cond.clone();
            async move { cond.wait().await }
        });
        tick().await;
        assert!(format!("{cond:?}").contains("waiters: 1"));
        cond.acquire_raw().await.unwrap();
        let w2 = spawn({
            let cond = cond.clone();
            async move { cond.wait().await }
        });
        tick().await;
        assert!(format!("{cond:?}").contains("waiters: 2"));
        // Each cancelled raw wait returns holding the lock; release it after each.
        for w in [w1, w2] {
            w.cancel(None);
            assert!(w.await.unwrap_err().is_cancelled());
            cond.release().unwrap();
        }
        assert!(!cond.locked());
    });
}

#[test]
fn cpython_test_locks_condition_test_context_manager() {
    run(async {
        let cond = Condition::new();
        assert!(!cond.locked());
        {
            let _g = cond.acquire().await.unwrap();
            assert!(cond.locked());
        }
        assert!(!cond.locked());
    });
}

#[test]
fn cpython_test_locks_condition_test_explicit_lock() {
    async fn f(lock: Option<Arc<Lock>>, cond: Option<Condition>) {
        let lock = lock.unwrap_or_else(|| Arc::new(Lock::new()));
        let cond = cond.unwrap_or_else(|| Condition::with_lock(lock.clone()));
        assert!(Arc::ptr_eq(cond.lock(), &lock));
        assert!(!lock.locked());
        assert!(!cond.locked());
        {
            let _g = cond.acquire().await.unwrap();
            assert!(lock.locked());
            assert!(cond.locked());
        }
        assert!(!lock.locked());
        assert!(!cond.locked());
        {
            let _g = lock.acquire().await.unwrap();
            assert!(lock.locked());
            assert!(cond.locked());
        }
        assert!(!lock.locked());
        assert!(!cond.locked());
    }
    run(async {
        f(None, None).await;
        f(Some(Arc::new(Lock::new())), None).await;
        let lock = Arc::new(Lock::new());
        f(Some(lock.clone()), Some(Condition::with_lock(lock))).await;
    });
}

/// asyncio binds a primitive to the event loop that first waits on it; a wait from another
/// loop raises RuntimeError "is bound to a different event loop". weft's primitives belong
/// to no runtime (thread-safe state and wakers), so the Rust analogue of the case, a lock
/// held on one runtime and waited for on another, works: each waiter is woken on its own
/// runtime by a release or a notification on the other. Both halves of the case: runtime B
/// waits in `cond.acquire()` for the lock runtime A holds (`wrong_loop_in_lock`), then in
/// `cond.wait()` for A's notification (`wrong_loop_in_cond`).
#[test]
fn cpython_test_locks_condition_test_ambiguous_loops() {
    watchdog(WATCHDOG, || {
        let current = || weft_executor::Runtime::builder().current_thread().build().unwrap();
        let lock = Arc::new(Lock::new());
        let cond = Arc::new(Condition::with_lock(lock.clone()));
        let rt_a = current();
        rt_a.block_on(lock.acquire_raw()).unwrap();

        let (to_a, from_b) = std::sync::mpsc::channel();
        let b = std::thread::spawn({
            let (lock, cond) = (lock.clone(), cond.clone());
            move || {
                current().block_on(async move {
                    let waiter = spawn({
                        let (cond, to_a) = (cond.clone(), to_a.clone());
                        async move {
                            let mut guard = cond.acquire().await.unwrap();
                            to_a.send("B holds the lock").unwrap();
                            guard.wait().await.unwrap();
                            to_a.send("B was notified and holds the lock again").unwrap();
                        }
                    });
                    tick().await;
                    assert_eq!(lock.waiters(), 1);
                    to_a.send("B waits for the lock").unwrap();
                    waiter.await.unwrap();
                })
            }
        });

        assert_eq!(from_b.recv().unwrap(), "B waits for the lock");
        assert!(lock.locked());
        rt_a.block_on(async { lock.release().unwrap() });
        assert_eq!(from_b.recv().unwrap(), "B holds the lock");
        rt_a.block_on(async {
            // B's wait releases the lock; A takes it and notifies B.
            let guard = cond.acquire().await.unwrap();
            assert_eq!(cond.waiters(), 1);
            guard.notify(1);
        });
        assert_eq!(from_b.recv().unwrap(), "B was notified and holds the lock again");
        b.join().unwrap();
        assert!(!lock.locked());
        assert_eq!((lock.waiters(), cond.waiters()), (0, 0));
    });
}

#[test]
fn cpython_test_locks_condition_test_timeout_in_block() {
    run(async {
        let cond = Condition::new();
        let mut guard = cond.acquire().await.unwrap();
        let r = move_on_after(Duration::from_millis(500), guard.wait()).await;
        assert!(r.is_none(), "timed out");
        assert!(cond.locked(), "the timed-out wait holds the lock again");
    });
}

#[test]
fn cpython_test_locks_condition_test_cancelled_error_wakeup() {
    run(async {
        let cond = Arc::new(Condition::new());
        let raised = Arc::new(Mutex::new(None));
        let task = spawn({
            let (cond, raised) = (cond.clone(), raised.clone());
            async move {
                let mut guard = cond.acquire().await?;
                let err = guard.wait_for(|| false).await.unwrap_err();
                *raised.lock() = Some(err.clone());
                Err::<(), _>(err)
            }
        });
        tick().await;
        // The task waits on the condition: cancel it there.
        task.cancel(Some("foo"));
        let err = task.await.unwrap_err();
        assert!(err.is_cancelled());
        let Some(ConditionError::Cancelled(c)) = raised.lock().clone() else { panic!("not cancelled") };
        assert_eq!(c.message(), Some("foo"), "the same cancellation, unmodified");
        assert!(!cond.locked());
    });
}

#[test]
fn cpython_test_locks_condition_test_cancelled_error_re_aquire() {
    run(async {
        let cond = Arc::new(Condition::new());
        let wake = Arc::new(AtomicBool::new(false));
        let raised = Arc::new(Mutex::new(None));
        let task = spawn({
            let (cond, wake, raised) = (cond.clone(), wake.clone(), raised.clone());
            async move {
                let mut guard = cond.acquire().await?;
                let err = guard.wait_for(|| wake.load(SeqCst)).await.unwrap_err();
                *raised.lock() = Some(err.clone());
                Err::<(), _>(err)
            }
        });
        tick().await;
        // The task waits on the condition.
        cond.acquire_raw().await.unwrap();
        wake.store(true, SeqCst);
        cond.notify(1).unwrap();
        tick().await;
        // The task now re-acquires the lock: cancel it there.
        task.cancel(Some("foo"));
        cond.release().unwrap();
        let err = task.await.unwrap_err();
        assert!(err.is_cancelled());
        let Some(ConditionError::Cancelled(c)) = raised.lock().clone() else { panic!("not cancelled") };
        assert_eq!(c.message(), Some("foo"));
    });
}

/// Two consumers of `state`; the one notified is cancelled at once. Its notification must
/// pass to the other, which consumes the item. `relock`: cancel it while it re-acquires.
fn cancelled_wakeup(relock: bool) {
    run(async move {
        let cond = Arc::new(Condition::new());
        let state = Arc::new(AtomicI64::new(0));
        let consumer = || {
            let (cond, state) = (cond.clone(), state.clone());
            spawn(async move {
                let mut guard = cond.acquire().await?;
                loop {
                    guard.wait_for(|| state.load(SeqCst) != 0).await?;
                    if state.load(SeqCst) < 0 {
                        return Ok::<_, ConditionError>(());
                    }
                    state.fetch_sub(1, SeqCst);
                }
            })
        };
        let c = [consumer(), consumer()];
        tick().await;
        {
            let mut guard = cond.acquire().await.unwrap();
            state.fetch_add(1, SeqCst);
            guard.notify(1);
            if relock {
                // Let the target wake up and settle on re-acquiring the lock.
                tick().await;
            }
            c[0].cancel(None);

            // Wait for the item to be consumed: if the notify raced with the cancel and
            // was lost, this times out with the item still there.
            let s = state.clone();
            let _ = move_on_after(Duration::from_millis(10), guard.wait_for(|| s.load(SeqCst) == 0)).await;
            assert_eq!(state.load(SeqCst), 0);

            state.store(-1, SeqCst);
            guard.notify_all();
        }
        let [c0, c1] = c;
        c1.await.unwrap().unwrap();
        assert!(c0.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn cpython_test_locks_condition_test_cancelled_wakeup() {
    cancelled_wakeup(false);
}

#[test]
fn cpython_test_locks_condition_test_cancelled_wakeup_relock() {
    cancelled_wakeup(true);
}
