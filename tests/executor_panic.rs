//! A panic in a task is caught at the poll boundary: the join result reports it with its
//! message, the worker thread lives on, and later tasks still run. Panics in a future's
//! `Drop` (during abort or shutdown) are caught too.

mod common;

use common::{Flag, block_on_both, on_both, poll_once};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;

/// A value whose destructor panics.
struct PanicOnDrop(&'static str);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("{}", self.0);
        }
    }
}

#[test]
fn join_reports_the_panic_and_its_message() {
    block_on_both(|flavour| async move {
        let err = weft::spawn(async { panic!("boom") }).await.unwrap_err();
        assert!(err.is_panic(), "{flavour}");
        assert!(!err.is_cancelled());
        assert_eq!(err.panic_message(), Some("boom"));
        assert_eq!(err.to_string(), "task panicked: boom");

        let n = 7;
        let err = weft::spawn(async move { panic!("formatted {n}") }).await.unwrap_err();
        assert_eq!(err.panic_message(), Some("formatted 7"), "{flavour}: a String payload");

        let err = weft::spawn(async { std::panic::panic_any(42u8) }).await.unwrap_err();
        assert_eq!(err.panic_message(), Some("Box<dyn Any>"), "{flavour}: a non-string payload");
    });
}

#[test]
fn a_panic_after_a_suspension_is_reported_too() {
    block_on_both(|flavour| async move {
        let t = weft::spawn(async {
            weft::yield_now().await.unwrap();
            weft::time::sleep(std::time::Duration::from_millis(2)).await.unwrap();
            if true {
                panic!("later");
            }
        });
        assert_eq!(t.await.unwrap_err().panic_message(), Some("later"), "{flavour}");
    });
}

#[test]
fn workers_survive_panics_and_later_tasks_still_run() {
    block_on_both(|flavour| async move {
        // More panics than workers: if a panic killed its worker, nothing would be left
        // to run the tasks below and the watchdog would fire.
        let panics: Vec<_> = (0..20).map(|i| weft::spawn(async move { panic!("task {i}") })).collect();
        for (i, t) in panics.into_iter().enumerate() {
            assert_eq!(t.await.unwrap_err().panic_message(), Some(format!("task {i}").as_str()));
        }
        let ran = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                let ran = ran.clone();
                weft::spawn(async move {
                    weft::yield_now().await.unwrap();
                    ran.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(ran.load(Ordering::SeqCst), 200, "{flavour}");
    });
}

#[test]
fn a_panicking_task_does_not_take_a_waiting_sibling_with_it() {
    block_on_both(|flavour| async move {
        let flag = Flag::new();
        let f2 = flag.clone();
        let waiter = weft::spawn(async move {
            f2.wait().await;
            "still here"
        });
        let bomb = weft::spawn(async move {
            flag.set();
            panic!("after waking my sibling");
        });
        assert!(bomb.await.unwrap_err().is_panic());
        assert_eq!(waiter.await.unwrap(), "still here", "{flavour}");
    });
}

#[test]
fn a_panic_in_drop_during_abort_is_reported_as_a_panic() {
    block_on_both(|flavour| async move {
        let started = Flag::new();
        let s2 = started.clone();
        let t = weft::spawn(async move {
            let _bomb = PanicOnDrop("drop during abort");
            s2.set();
            std::future::pending::<()>().await
        });
        started.wait().await;
        t.abort();
        let err = t.await.unwrap_err();
        assert_eq!(err.panic_message(), Some("drop during abort"), "{flavour}");
        // The runtime is fine.
        assert_eq!(weft::spawn(async { 1 }).await.unwrap(), 1);
    });
}

#[test]
fn a_panic_in_drop_when_the_future_completes_is_reported() {
    block_on_both(|flavour| async move {
        let t = weft::spawn(async {
            let _bomb = PanicOnDrop("drop at completion");
            weft::yield_now().await.unwrap();
            5
        });
        // The future's locals are dropped while it returns, inside its poll: the panic is
        // the task's.
        assert_eq!(t.await.unwrap_err().panic_message(), Some("drop at completion"), "{flavour}");
    });
}

#[test]
fn a_panic_in_drop_during_shutdown_does_not_escape_the_runtime() {
    on_both(|rt, flavour| {
        let started = Flag::new();
        let s2 = started.clone();
        let mut t = rt.spawn(async move {
            let _bomb = PanicOnDrop("drop during shutdown");
            s2.set();
            std::future::pending::<()>().await
        });
        rt.block_on(started.wait());
        let dropped = catch_unwind(AssertUnwindSafe(move || drop(rt)));
        assert!(dropped.is_ok(), "{flavour}: dropping the runtime panicked");
        match poll_once(&mut t) {
            Poll::Ready(Err(e)) => assert_eq!(e.panic_message(), Some("drop during shutdown"), "{flavour}"),
            other => panic!("{flavour}: expected the drop's panic, got {:?}", other.map(|r| r.is_ok())),
        }
    });
}

#[test]
fn a_panic_in_the_drop_of_an_unjoined_output_is_contained() {
    block_on_both(|flavour| async move {
        // Detached: the runtime drops the output.
        let t = weft::spawn(async { PanicOnDrop("output dropped by the runtime") });
        let r = t.task_ref();
        drop(t);
        common::wait_until("the task finished", || r.is_finished()).await;
        // Joined-interest dropped after completion: the handle drops the output.
        let t = weft::spawn(async { PanicOnDrop("output dropped by the handle") });
        let r = t.task_ref();
        common::wait_until("the task finished", || r.is_finished()).await;
        let dropped = catch_unwind(AssertUnwindSafe(move || drop(t)));
        assert!(dropped.is_ok(), "{flavour}: the handle's drop let the output's panic escape");
        assert_eq!(weft::spawn(async { 2 }).await.unwrap(), 2);
    });
}

#[test]
fn a_panic_in_block_on_propagates_and_the_runtime_stays_usable() {
    on_both(|rt, flavour| {
        let r = catch_unwind(AssertUnwindSafe(|| rt.block_on(async { panic!("in the root") })));
        let payload = r.expect_err("block_on must propagate the root future's panic");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"in the root"), "{flavour}");
        assert_eq!(rt.block_on(async { weft::spawn(async { 3 }).await.unwrap() }), 3, "{flavour}");
    });
}
