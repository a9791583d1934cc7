//! The task harness's memory discipline, in programs small enough for Miri
//! (`cargo +nightly miri test -p weft-executor --test miri_harness`): a task freed by the
//! poll that completes it, a handle dropped while the task is being polled elsewhere, and
//! every way the stage's slot (the future, then the output, with no tag: task/stage.rs)
//! is emptied.

use weft_executor::Runtime;

#[test]
fn a_detached_task_is_freed_by_the_poll_that_completes_it() {
    let rt = Runtime::builder().current_thread().build().unwrap();
    rt.block_on(async {
        drop(weft_executor::spawn(async { 1 }));
        weft_executor::yield_now().await.unwrap();
    });
}

#[test]
fn a_handle_dropped_while_another_thread_polls_the_task() {
    let rt = Runtime::builder().multi_thread().worker_threads(2).build().unwrap();
    rt.block_on(async {
        for _ in 0..20 {
            let t = weft_executor::spawn(async {
                weft_executor::yield_now().await.unwrap();
                7
            });
            weft_executor::yield_now().await.unwrap();
            drop(t);
        }
    });
}

#[test]
fn a_joined_task_and_a_cancelled_one() {
    let rt = Runtime::builder().current_thread().build().unwrap();
    rt.block_on(async {
        let a = weft_executor::spawn(async { String::from("out") });
        assert_eq!(a.await.unwrap(), "out");
        let b = weft_executor::spawn(async {
            weft_executor::time::sleep(std::time::Duration::from_secs(60)).await?;
            Ok::<_, weft_executor::Cancelled>(())
        });
        weft_executor::yield_now().await.unwrap();
        b.cancel(None);
        assert!(b.await.unwrap_err().is_cancelled());
    });
}

/// Counts drops, to check that each value in a stage is dropped exactly once.
struct Counted(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn each_value_in_a_stage_is_dropped_once() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = Runtime::builder().current_thread().build().unwrap();
    let d = drops.clone();
    let root_out = rt.block_on(async move {
        // An output read by the handle, then read again.
        let mut a = weft_executor::spawn({
            let d = d.clone();
            async move { Counted(d) }
        });
        drop((&mut a).await.unwrap());
        assert!(matches!((&mut a).await, Err(weft_executor::JoinError::AlreadyJoined)));
        // An output nobody reads: detached, and dropped by a handle after completion.
        drop(weft_executor::spawn({
            let d = d.clone();
            async move { Counted(d) }
        }));
        let b = weft_executor::spawn({
            let d = d.clone();
            async move { Counted(d) }
        });
        weft_executor::yield_now().await.unwrap();
        assert!(b.is_finished());
        drop(b);
        // A future whose destructor panics, after it returned: the task ends panicked.
        struct PanicsOnDrop;
        impl Drop for PanicsOnDrop {
            fn drop(&mut self) {
                panic!("in drop");
            }
        }
        let c = weft_executor::spawn(async {
            let _p = PanicsOnDrop;
            weft_executor::yield_now().await.unwrap();
            3
        });
        assert!(c.await.unwrap_err().is_panic());
        // A future that never ran, dropped by shutdown below with what it captured.
        drop(weft_executor::spawn({
            let held = Counted(d.clone());
            async move {
                let _held = held;
                std::future::pending::<()>().await
            }
        }));
        Counted(d)
    });
    drop(root_out);
    assert_eq!(drops.load(SeqCst), 4, "three outputs and the root's value");
    drop(rt);
    assert_eq!(drops.load(SeqCst), 5, "and the future shutdown dropped");
}

#[test]
fn a_spawn_refused_at_shutdown_hands_its_future_back() {
    let rt = Runtime::builder().current_thread().build().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    struct SpawnOnDrop(std::sync::mpsc::Sender<Option<String>>);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let text = String::from("kept");
            let back = weft_executor::try_spawn_keeping(None, async move { text.len() });
            let _ = self.0.send(back.err().map(|(_, future)| {
                // The future comes back whole: running it gives what it captured.
                poll_ready_once(future).to_string()
            }));
        }
    }
    let guard = SpawnOnDrop(tx);
    drop(rt.spawn(async move {
        let _g = guard;
        std::future::pending::<()>().await
    }));
    rt.block_on(weft_executor::yield_now()).unwrap();
    drop(rt);
    assert_eq!(rx.recv().unwrap().as_deref(), Some("4"));
}

/// Polls a future that is ready at its first poll.
fn poll_ready_once<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => panic!("the future was not ready"),
    }
}
