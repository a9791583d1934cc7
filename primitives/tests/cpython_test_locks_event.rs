//! CPython 3.13 `test_asyncio/test_locks.py`, class `EventTests`, ported.

mod common;

use common::*;
use std::sync::Arc;
use weft_primitives::Event;

#[test]
fn cpython_test_locks_event_test_repr() {
    run(async {
        let ev = Arc::new(Event::new());
        assert_eq!(format!("{ev:?}"), "Event { set: false, waiters: 0 }");
        ev.set();
        assert_eq!(format!("{ev:?}"), "Event { set: true, waiters: 0 }");

        // CPython appends a mock to the private `_waiters` and checks `waiters:1`. weft's
        // waiter list is private, so a real task waits: on the event cleared again, since a
        // set event lets every waiter through at once.
        ev.clear();
        let w = spawn({
            let ev = ev.clone();
            async move { ev.wait().await }
        });
        tick().await;
        assert_eq!(format!("{ev:?}"), "Event { set: false, waiters: 1 }");
        ev.set();
        w.await.unwrap().unwrap();
        assert_eq!(format!("{ev:?}"), "Event { set: true, waiters: 0 }");
    });
}

#[test]
fn cpython_test_locks_event_test_wait() {
    run(async {
        let ev = Arc::new(Event::new());
        assert!(!ev.is_set());
        let result = Log::new();
        let c = |n: u32| {
            let (ev, result) = (ev.clone(), result.clone());
            spawn(async move {
                ev.wait().await?;
                result.push(n);
                Ok::<_, weft_executor::Cancelled>(())
            })
        };
        let t1 = c(1);
        let t2 = c(2);
        tick().await;
        assert!(result.get().is_empty());

        let t3 = c(3);
        ev.set();
        tick().await;
        assert_eq!(result.get(), [3, 1, 2]);
        for t in [t1, t2, t3] {
            assert!(t.is_finished());
            t.await.unwrap().unwrap();
        }
    });
}

#[test]
fn cpython_test_locks_event_test_wait_on_set() {
    run(async {
        let ev = Event::new();
        ev.set();
        assert!(ev.wait().await.is_ok());
    });
}

#[test]
fn cpython_test_locks_event_test_wait_cancel() {
    run(async {
        let ev = Arc::new(Event::new());
        let wait = spawn({
            let ev = ev.clone();
            async move { ev.wait().await }
        });
        let w = wait.task_ref();
        call_soon(move || {
            w.cancel(None);
        });
        assert!(wait.await.unwrap_err().is_cancelled());
        assert_eq!(ev.waiters(), 0);
    });
}

#[test]
fn cpython_test_locks_event_test_clear() {
    let ev = Event::new();
    assert!(!ev.is_set());
    ev.set();
    assert!(ev.is_set());
    ev.clear();
    assert!(!ev.is_set());
}

/// Deliberately different detail: asyncio still lists the woken waiter in `_waiters`
/// until it runs (`len == 1`); weft's `waiters()` counts tasks not yet woken (0).
#[test]
fn cpython_test_locks_event_test_clear_with_waiters() {
    run(async {
        let ev = Arc::new(Event::new());
        let result = Log::new();
        let t = spawn({
            let (ev, result) = (ev.clone(), result.clone());
            async move {
                ev.wait().await?;
                result.push(1);
                Ok::<_, weft_executor::Cancelled>(true)
            }
        });
        tick().await;
        assert!(result.get().is_empty());

        ev.set();
        ev.clear();
        assert!(!ev.is_set());

        ev.set();
        ev.set();
        assert_eq!(ev.waiters(), 0, "woken, not yet run (asyncio: still listed)");

        tick().await;
        assert_eq!(result.get(), [1]);
        assert_eq!(ev.waiters(), 0);
        assert!(t.is_finished());
        assert!(t.await.unwrap().unwrap());
    });
}

/// The ports' runner: a body that never ends fails its test with a message after the
/// watchdog's bound instead of hanging the suite. Here the body waits for an event that is
/// set only after the watchdog has fired (so that its thread ends too).
#[test]
fn watchdog_fails_a_hung_body_with_a_message() {
    let ev = Arc::new(Event::new());
    let e = ev.clone();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        watchdog(std::time::Duration::from_millis(50), move || {
            weft_executor::Runtime::builder().current_thread().build().unwrap().block_on(e.wait())
        })
    }));
    let p = r.expect_err("the watchdog fails a body that does not end");
    let msg = p.downcast_ref::<String>().expect("a formatted message");
    assert!(
        msg.ends_with(
            ": hung: the test body had not returned after 50ms (a lost wake-up, or a wait that nothing ends)"
        ),
        "{msg}"
    );
    ev.set();
}
