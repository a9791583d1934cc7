//! The task harness's memory discipline, in programs small enough for Miri
//! (`cargo +nightly miri test -p weft-executor --test miri_harness`): a task freed by the
//! poll that completes it, and a handle dropped while the task is being polled elsewhere.

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
