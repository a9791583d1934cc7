//! CPython 3.13 `test_asyncio/test_queues.py`: the `_QueueJoinTestMixin` and
//! `_QueueShutdownTestMixin` cases, each run for `Queue`, `LifoQueue` and `PriorityQueue`
//! (`cpython_test_queues_{queue,lifo_queue,priority_queue}_{join,shutdown}_<case>`).

mod common;

use common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use weft_primitives::queue::Order;
fn s(v: &str) -> String {
    v.to_string()
}

use weft_primitives::{GetError, PutError, Queue, TaskDoneError, TryGetError, TryPutError};

fn task_done_underflow<O: Order<i64>>(new: fn(usize) -> Queue<i64, O>) {
    assert_eq!(new(0).task_done(), Err(TaskDoneError));
}

fn task_done<O: Order<i64> + 'static>(new: fn(usize) -> Queue<i64, O>)
where
    Queue<i64, O>: Send + Sync,
{
    run(async move {
        let q = Arc::new(new(0));
        for i in 0..100 {
            q.put_nowait(i).unwrap();
        }
        let accumulator = Arc::new(AtomicUsize::new(0));
        let running = Arc::new(AtomicBool::new(true));
        // Two workers get items and call task_done after each; join waits for all.
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (q, acc, running) = (q.clone(), accumulator.clone(), running.clone());
                spawn(async move {
                    while running.load(SeqCst) {
                        let item = q.get().await.unwrap();
                        acc.fetch_add(item as usize, SeqCst);
                        q.task_done().unwrap();
                    }
                })
            })
            .collect();
        q.join().await.unwrap();
        assert_eq!(accumulator.load(SeqCst), (0..100).sum::<usize>());
        // Close the running workers.
        running.store(false, SeqCst);
        for _ in 0..workers.len() {
            q.put_nowait(0).unwrap();
        }
        for w in workers {
            w.await.unwrap();
        }
    });
}

fn join_empty_queue<O: Order<i64> + 'static>(new: fn(usize) -> Queue<i64, O>)
where
    Queue<i64, O>: Send + Sync,
{
    run(async move {
        let q = new(0);
        // join() returns at once, and again.
        q.join().await.unwrap();
        q.join().await.unwrap();
    });
}

fn join_format<O: Order<i64>>(new: fn(usize) -> Queue<i64, O>) {
    let q = new(0);
    assert!(format!("{q:?}").contains("maxsize: 0"));
    q.put_nowait(1).unwrap();
    q.put_nowait(2).unwrap();
    assert!(format!("{q:?}").contains("unfinished: 2"));
}

fn shutdown_format<O: Order<String>>(new: fn(usize) -> Queue<String, O>) {
    let q = new(0);
    q.shutdown(false);
    assert!(format!("{q:?}").contains("shutdown: true"));
}

async fn assert_shut_down<O: Order<String>>(q: &Queue<String, O>) {
    assert_eq!(q.put(s("data")).await, Err(PutError::ShutDown(s("data"))));
    assert_eq!(q.put_nowait(s("data")), Err(TryPutError::ShutDown(s("data"))));
    assert_eq!(q.get().await, Err(GetError::ShutDown));
    assert_eq!(q.get_nowait(), Err(TryGetError::ShutDown));
}

fn shutdown_empty<O: Order<String> + 'static>(new: fn(usize) -> Queue<String, O>)
where
    Queue<String, O>: Send + Sync,
{
    run(async move {
        let q = Arc::new(new(0));
        let get_task = spawn({
            let q = q.clone();
            async move { q.get().await }
        });
        tick().await; // the get waits before the shutdown

        q.shutdown(false); // unfinished tasks: 0 -> 0
        assert_eq!(q.qsize(), 0);
        q.join().await.unwrap();

        tick().await;
        assert!(get_task.is_finished());
        assert_eq!(get_task.await.unwrap(), Err(GetError::ShutDown));
        assert_shut_down(&q).await;
    });
}

fn shutdown_nonempty<O: Order<String> + 'static>(new: fn(usize) -> Queue<String, O>)
where
    Queue<String, O>: Send + Sync,
{
    run(async move {
        let q = Arc::new(new(1));
        q.put_nowait(s("data")).unwrap();
        let join_task = spawn({
            let q = q.clone();
            async move { q.join().await }
        });
        let put_task = spawn({
            let q = q.clone();
            async move { q.put(s("data2")).await }
        });
        tick().await;
        assert!(!put_task.is_finished());

        q.shutdown(false); // unfinished tasks: 1 -> 1
        assert_eq!(q.qsize(), 1);

        tick().await;
        assert!(put_task.is_finished());
        assert_eq!(put_task.await.unwrap(), Err(PutError::ShutDown(s("data2"))));

        // The item left can still be taken.
        assert_eq!(q.get().await, Ok(s("data")));
        tick().await;
        assert!(!join_task.is_finished());

        assert_shut_down(&q).await;

        // One unfinished task; then join returns.
        q.task_done().unwrap();
        tick().await;
        assert!(join_task.is_finished());
        join_task.await.unwrap().unwrap();
        assert_eq!(q.task_done(), Err(TaskDoneError));
    });
}

fn shutdown_immediate<O: Order<String> + 'static>(new: fn(usize) -> Queue<String, O>)
where
    Queue<String, O>: Send + Sync,
{
    run(async move {
        let q = Arc::new(new(0));
        q.put_nowait(s("data")).unwrap();
        let join_task = spawn({
            let q = q.clone();
            async move { q.join().await }
        });
        q.shutdown(true); // unfinished tasks: 1 -> 0
        assert_eq!(q.qsize(), 0);

        tick().await;
        assert!(join_task.is_finished());
        join_task.await.unwrap().unwrap();

        assert_shut_down(&q).await;
        assert_eq!(q.task_done(), Err(TaskDoneError));
    });
}

fn shutdown_immediate_with_unfinished<O: Order<String> + 'static>(new: fn(usize) -> Queue<String, O>)
where
    Queue<String, O>: Send + Sync,
{
    run(async move {
        let q = Arc::new(new(0));
        q.put_nowait(s("data")).unwrap();
        q.put_nowait(s("data")).unwrap();
        let join_task = spawn({
            let q = q.clone();
            async move { q.join().await }
        });
        assert_eq!(q.get().await, Ok(s("data")));

        q.shutdown(true); // unfinished tasks: 2 -> 1
        assert_eq!(q.qsize(), 0);

        tick().await;
        assert!(!join_task.is_finished());

        assert_shut_down(&q).await;

        // One unfinished task.
        q.task_done().unwrap();
        assert_eq!(q.task_done(), Err(TaskDoneError));

        tick().await;
        assert!(join_task.is_finished());
        join_task.await.unwrap().unwrap();
    });
}

macro_rules! mixins {
    ($($kind:ident: $new:expr_2021;)*) => {$(
        mod $kind {
            use super::*;

            #[test]
            fn join_test_task_done_underflow() {
                task_done_underflow($new);
            }
            #[test]
            fn join_test_task_done() {
                task_done($new);
            }
            #[test]
            fn join_test_join_empty_queue() {
                join_empty_queue($new);
            }
            #[test]
            fn join_test_format() {
                join_format($new);
            }
            #[test]
            fn shutdown_test_format() {
                shutdown_format($new);
            }
            #[test]
            fn shutdown_test_shutdown_empty() {
                shutdown_empty($new);
            }
            #[test]
            fn shutdown_test_shutdown_nonempty() {
                shutdown_nonempty($new);
            }
            #[test]
            fn shutdown_test_shutdown_immediate() {
                shutdown_immediate($new);
            }
            #[test]
            fn shutdown_test_shutdown_immediate_with_unfinished() {
                shutdown_immediate_with_unfinished($new);
            }
        }
    )*};
}

mixins! {
    cpython_test_queues_queue: Queue::new;
    cpython_test_queues_lifo_queue: Queue::lifo;
    cpython_test_queues_priority_queue: Queue::priority;
}
