//! loom models of the primitives' hand-off and cancellation races.
//!
//! ```sh
//! LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" \
//!   cargo test -p weft-primitives --release --test loom
//! ```
//!
//! Each model registers a waiter (one poll: it is in the waiter list), then lets a release
//! (put, notify, set, send) race with the waiter giving up. A future dropped half-way is
//! the `abort()` path; a future returning `Err(Cancelled)` runs the very same `abandon`
//! code, so the drop covers both. loom explores every interleaving of the primitive's
//! mutex and checks that nothing is lost (the next waiter always completes; loom reports
//! a deadlock otherwise) and nothing is duplicated.
#![cfg(loom)]

use loom::future::block_on;
use loom::thread;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use weft_primitives::{Condition, Event, Lock, Queue, Semaphore};

/// Polls once with a waker that does nothing: the future registers its waiter slot.
fn poll_once<F: Future>(f: Pin<&mut F>) -> Poll<F::Output> {
    let waker = futures_task::noop_waker();
    f.poll(&mut Context::from_waker(&waker))
}

#[test]
fn lock_release_races_cancelled_waiter() {
    loom::model(|| {
        let lock = Arc::new(Lock::new());
        lock.try_acquire().unwrap().forget();
        // B waits first, C second.
        let mut b = Box::pin(lock.acquire_raw());
        assert!(poll_once(b.as_mut()).is_pending());
        let c = {
            let lock = lock.clone();
            thread::spawn(move || {
                block_on(lock.acquire_raw()).unwrap();
                lock.release().unwrap();
            })
        };
        let a = {
            let lock = lock.clone();
            thread::spawn(move || lock.release().unwrap())
        };
        drop(b); // B gives up, before or after it was handed the lock
        a.join().unwrap();
        c.join().unwrap();
        assert!(!lock.locked(), "the lock was lost or duplicated");
        assert_eq!(lock.waiters(), 0);
    });
}

#[test]
fn semaphore_two_releases_race_cancelled_waiter() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let mut b = Box::pin(sem.acquire_raw());
        assert!(poll_once(b.as_mut()).is_pending());
        let c = {
            let sem = sem.clone();
            thread::spawn(move || block_on(sem.acquire_raw()).unwrap())
        };
        let a = {
            let sem = sem.clone();
            thread::spawn(move || {
                sem.release();
                sem.release();
            })
        };
        drop(b);
        a.join().unwrap();
        c.join().unwrap();
        // Two released, C holds one: one is free, whatever B did.
        assert_eq!(sem.available_permits(), 1);
        assert_eq!(sem.waiters(), 0);
    });
}

#[test]
fn queue_put_races_cancelled_getter() {
    loom::model(|| {
        let q = Arc::new(Queue::new(0));
        let mut b = Box::pin(q.get());
        assert!(poll_once(b.as_mut()).is_pending());
        let c = {
            let q = q.clone();
            thread::spawn(move || block_on(q.get()).unwrap())
        };
        let a = {
            let q = q.clone();
            thread::spawn(move || q.put_nowait(7).unwrap())
        };
        drop(b); // B gives up: an item it was handed goes to C
        a.join().unwrap();
        assert_eq!(c.join().unwrap(), 7, "the item was lost");
        assert!(q.empty(), "the item was duplicated");
    });
}

#[test]
fn queue_get_races_cancelled_putter() {
    loom::model(|| {
        let q = Arc::new(Queue::new(1));
        q.put_nowait(1).unwrap();
        let mut b = Box::pin(q.put(2));
        assert!(poll_once(b.as_mut()).is_pending());
        let c = {
            let q = q.clone();
            thread::spawn(move || block_on(q.put(3)).unwrap())
        };
        let a = {
            let q = q.clone();
            thread::spawn(move || q.get_nowait().unwrap())
        };
        drop(b); // B gives up: a slot reserved for it goes to C; its item is not put
        assert_eq!(a.join().unwrap(), 1);
        c.join().unwrap();
        assert_eq!(q.get_nowait(), Ok(3));
        assert!(q.empty());
    });
}

#[test]
fn condition_notify_races_cancelled_waiter() {
    loom::model(|| {
        let cond = Arc::new(Condition::new());
        // B then C wait on the condition (each takes the lock, and wait releases it).
        cond.lock().try_acquire().unwrap().forget();
        let mut b = Box::pin(cond.wait());
        assert!(poll_once(b.as_mut()).is_pending());
        cond.lock().try_acquire().unwrap().forget();
        let mut c = Box::pin(cond.wait());
        assert!(poll_once(c.as_mut()).is_pending());
        let a = {
            let cond = cond.clone();
            thread::spawn(move || {
                block_on(cond.acquire_raw()).unwrap();
                cond.notify(1).unwrap();
                cond.release().unwrap();
            })
        };
        drop(b); // a notification B was handed passes to C
        a.join().unwrap();
        block_on(c).unwrap(); // C is notified and re-acquires the lock
        assert!(cond.locked());
        cond.release().unwrap();
        assert_eq!(cond.waiters(), 0);
    });
}

#[test]
fn event_set_then_clear_races_cancelled_waiter() {
    loom::model(|| {
        let ev = Arc::new(Event::new());
        // B and C both wait before the set.
        let mut b = Box::pin(ev.wait());
        assert!(poll_once(b.as_mut()).is_pending());
        let mut c = Box::pin(ev.wait());
        assert!(poll_once(c.as_mut()).is_pending());
        let a = {
            let ev = ev.clone();
            thread::spawn(move || {
                ev.set();
                ev.clear();
            })
        };
        drop(b);
        a.join().unwrap();
        // C was waiting at set(): it wakes although clear() followed at once.
        block_on(c).unwrap();
        assert_eq!(ev.waiters(), 0);
        assert!(!ev.is_set());
    });
}

/// A waiter released by a `set` learns it from the generation and forgets its key: the
/// list it was in is cleared, and a waiter that registers after the `clear` may get the
/// same key. The released waiter's drop must not remove that other waiter's slot.
#[test]
fn event_released_waiter_leaves_a_reused_key_alone() {
    loom::model(|| {
        let ev = Arc::new(Event::new());
        let mut b = Box::pin(ev.wait());
        assert!(poll_once(b.as_mut()).is_pending());
        let a = {
            let ev = ev.clone();
            thread::spawn(move || {
                ev.set();
                ev.clear();
            })
        };
        let mut c = Box::pin(ev.wait());
        let c_waits = poll_once(c.as_mut()).is_pending();
        a.join().unwrap();
        // B was released by the set; dropped without seeing it, it leaves the list alone.
        drop(b);
        if c_waits && poll_once(c.as_mut()).is_pending() {
            // C registered after the clear (perhaps in B's old slot): still counted.
            assert_eq!(ev.waiters(), 1);
            ev.set();
            block_on(c).unwrap();
        }
        assert_eq!(ev.waiters(), 0);
    });
}

#[test]
fn oneshot_send_races_receive_and_drop() {
    loom::model(|| {
        let (tx, rx) = weft_primitives::oneshot::channel();
        let sender = thread::spawn(move || tx.send(5));
        assert_eq!(block_on(rx), Ok(5));
        assert_eq!(sender.join().unwrap(), Ok(()));

        let (tx, rx) = weft_primitives::oneshot::channel::<u8>();
        let sender = thread::spawn(move || tx.send(5));
        drop(rx);
        // The value comes back if the receiver was gone first; otherwise it is dropped
        // with the channel (loom checks nothing leaks).
        let _ = sender.join().unwrap();
    });
}
