//! Every misuse gets a typed error or a panic whose message says what to do; never a
//! hang or a silent no-op.

mod common;

use common::{block_on_both, poll_once};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;
use weft::time::{InvalidDuration, secs, sleep_secs};
use weft::{BuildError, EnterError, JoinError, SpawnError};

/// The message of a panic payload.
fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic>".into()
    }
}

fn panic_message_of(f: impl FnOnce()) -> String {
    message(catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic"))
}

#[test]
fn zero_worker_threads_is_refused() {
    let err = weft::Runtime::builder().multi_thread().worker_threads(0).build().unwrap_err();
    assert!(matches!(err, BuildError::InvalidConfig(_)), "{err:?}");
    assert!(err.to_string().contains("worker_threads"), "{err}");
    let err = weft::Runtime::builder().max_blocking_threads(0).build().unwrap_err();
    assert!(err.to_string().contains("max_blocking_threads"), "{err}");
}

#[test]
fn block_on_inside_a_runtime_is_refused() {
    block_on_both(|flavour| async move {
        let other = common::current();
        assert_eq!(other.try_block_on(async { 1 }), Err(EnterError), "{flavour}");
        let msg = panic_message_of(|| other.block_on(async {}));
        assert!(
            msg.contains("cannot start a runtime from inside a running weft runtime"),
            "{flavour}: {msg}"
        );
        // The same from a spawned task (a worker thread on the multi-thread runtime).
        let refused = weft::spawn(async { common::current().try_block_on(async {}).is_err() }).await.unwrap();
        assert!(refused, "{flavour}: block_on inside a task");
    });
}

#[test]
fn run_inside_a_runtime_is_refused() {
    block_on_both(|flavour| async move {
        assert_eq!(weft::try_run(async { 1 }), Err(EnterError), "{flavour}");
        let rt = common::current();
        assert_eq!(weft::run_on(&rt, async { 1 }), Err(EnterError));
        let msg = panic_message_of(|| {
            weft::run(async {});
        });
        assert!(msg.starts_with("weft: cannot start a runtime"), "{flavour}: {msg}");
    });
}

#[test]
fn spawn_outside_a_runtime() {
    assert_eq!(weft::try_spawn(async {}).err(), Some(SpawnError::NoRuntime));
    let msg = panic_message_of(|| {
        weft::spawn(async {});
    });
    assert!(msg.contains("no weft runtime on this thread"), "{msg}");
    assert_eq!(weft::try_spawn_local(async {}).err(), Some(SpawnError::NoRuntime));
    assert!(weft::current_task().is_none());
    assert!(weft::all_tasks().is_empty());
}

#[test]
fn spawn_local_on_the_multi_thread_runtime_is_refused() {
    common::watchdog("spawn_local", common::WATCHDOG, || {
        common::multi().block_on(async {
            assert_eq!(weft::try_spawn_local(async {}).err(), Some(SpawnError::NotLocal));
            let msg = panic_message_of(|| {
                weft::spawn_local(async {});
            });
            assert!(msg.contains("spawn_local"), "{msg}");
        });
    });
}

#[test]
fn spawn_local_works_on_the_current_thread_runtime() {
    common::watchdog("spawn_local", common::WATCHDOG, || {
        common::current().block_on(async {
            let rc = std::rc::Rc::new(3);
            let r2 = rc.clone();
            let t = weft::spawn_local(async move {
                weft::yield_now().await.unwrap();
                *r2 * 2
            });
            assert_eq!(t.await.unwrap(), 6);
            assert_eq!(*rc, 3);
        });
    });
}

#[test]
fn spawn_after_shutdown_is_refused() {
    // Only code that runs while the runtime shuts down can still try: a future's Drop.
    common::on_both(|rt, flavour| {
        struct TryOnDrop(std::sync::mpsc::Sender<Result<(), SpawnError>>);
        impl Drop for TryOnDrop {
            fn drop(&mut self) {
                let _ = self.0.send(weft::try_spawn(async {}).map(drop));
            }
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let guard = TryOnDrop(tx);
        let _t = rt.spawn(async move {
            let _g = guard;
            std::future::pending::<()>().await
        });
        drop(rt);
        assert_eq!(rx.recv().unwrap(), Err(SpawnError::Shutdown), "{flavour}");
    });
}

#[test]
fn negative_nan_and_infinite_seconds_are_invalid_durations() {
    for bad in [-1.0, -0.001, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e30] {
        let err = sleep_secs(bad).unwrap_err();
        assert!(err.0.is_nan() && bad.is_nan() || err.0 == bad);
        assert!(secs(bad).is_err(), "{bad}");
        assert!(err.to_string().starts_with("invalid duration"), "{err}");
    }
    assert_eq!(secs(0.25), Ok(Duration::from_millis(250)));
    assert_eq!(secs(0.0), Ok(Duration::ZERO));
    assert!(matches!(sleep_secs(-1.0), Err(InvalidDuration(x)) if x == -1.0));
}

#[test]
fn awaiting_a_task_twice_reports_already_joined() {
    block_on_both(|flavour| async move {
        let mut t = weft::spawn(async { 1 });
        assert_eq!((&mut t).await, Ok(1));
        assert_eq!((&mut t).await, Err(JoinError::AlreadyJoined), "{flavour}");
        assert_eq!((&mut t).await, Err(JoinError::AlreadyJoined), "{flavour}");
        assert!(JoinError::AlreadyJoined.to_string().contains("already taken"));
    });
}

#[test]
fn a_sleep_polled_outside_a_runtime_panics_with_a_message() {
    let mut s = Box::pin(weft::time::sleep(Duration::from_secs(1)));
    let msg = panic_message_of(|| {
        let _ = poll_once(&mut s);
    });
    assert!(msg.contains("outside a weft runtime"), "{msg}");
}

#[test]
fn spawn_blocking_outside_a_runtime_panics_with_a_message() {
    let msg = panic_message_of(|| {
        drop(weft::spawn_blocking(|| ()));
    });
    assert!(msg.contains("outside a weft runtime"), "{msg}");
}

#[test]
fn a_zero_interval_period_panics_with_a_message() {
    let msg = panic_message_of(|| {
        let _ = weft::time::interval(Duration::ZERO);
    });
    assert!(msg.contains("period must be greater than zero"), "{msg}");
}

#[test]
fn a_current_thread_runtime_refuses_a_second_concurrent_block_on() {
    common::watchdog("two block_on", common::WATCHDOG, || {
        let rt = common::current();
        let (entered_tx, entered_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        std::thread::scope(|s| {
            let rt = &rt;
            s.spawn(move || {
                rt.block_on(async move {
                    entered_tx.send(()).unwrap();
                    // Hold the loop (blocking it on purpose) until the other thread tried.
                    release_rx.recv().unwrap();
                })
            });
            entered_rx.recv().unwrap();
            let msg = panic_message_of(|| rt.block_on(async {}));
            release_tx.send(()).unwrap();
            assert!(msg.contains("already running block_on on another thread"), "{msg}");
        });
        // And it still works afterwards.
        assert_eq!(rt.block_on(async { 5 }), 5);
    });
}

#[test]
fn an_unfinished_task_cannot_be_cancelled_by_a_hand_made_cancelled() {
    // Cancelled::new is a value, not a request: it does not reach any task.
    block_on_both(|flavour| async move {
        let t = weft::spawn(async { weft::time::sleep(Duration::from_millis(5)).await });
        let _c = weft::Cancelled::new(Some("just a value"));
        assert_eq!(t.await.unwrap(), Ok(()), "{flavour}");
    });
}
