//! Seed 004, "Task Completion Tracking": `wait_for_any(tasks)` waits with
//! `return_when=FIRST_COMPLETED` and cancels the rest; `wait_for_all_with_timeout(tasks,
//! timeout)` waits for all with a timeout and cancels what is still pending.
//!
//! weft: [`weft::wait`] with [`weft::ReturnWhen`] returns `(done, pending)`: the
//! finished tasks with their results, and the pending ones, which it does not cancel
//! (as asyncio's does not); the recipe cancels them, then this port awaits them to show
//! they ended cancelled. Tasks are simulated sleeps of 10, 50 and 1000 ms; the timeout
//! is 100 ms.
//!
//! ```text
//! wait_for_any: done [10], pending 2
//! cancelled pending tasks ended cancelled: 2
//! wait_for_all_with_timeout: done [10, 50], pending 1
//! cancelled pending tasks ended cancelled: 1
//! ```
use std::time::Duration;
use weft::{Cancelled, ReturnWhen, Task, wait};

fn sleeper(ms: u64) -> Task<Result<u64, Cancelled>> {
    weft::spawn(async move {
        weft::time::sleep(Duration::from_millis(ms)).await?;
        Ok(ms)
    })
}

type Sets = (Vec<u64>, Vec<Task<Result<u64, Cancelled>>>);

async fn wait_and_cancel(
    tasks: Vec<Task<Result<u64, Cancelled>>>,
    when: ReturnWhen,
    timeout: Option<Duration>,
) -> Sets {
    let (done, pending) = wait(tasks, when, timeout).await.unwrap();
    // Cancel remaining tasks
    let pending: Vec<_> = pending.into_iter().map(|(_, t)| t).collect();
    for task in &pending {
        task.cancel(None);
    }
    let mut values: Vec<u64> = done.into_iter().map(|f| f.result.unwrap().unwrap()).collect();
    values.sort();
    (values, pending)
}

async fn report(label: &str, (done, pending): Sets) {
    println!("{label}: done {done:?}, pending {}", pending.len());
    let mut cancelled = 0;
    for t in pending {
        if t.await.is_err_and(|e| e.is_cancelled()) {
            cancelled += 1;
        }
    }
    println!("cancelled pending tasks ended cancelled: {cancelled}");
}

fn main() {
    weft::run(async {
        // Wait for any task to complete.
        let sets =
            wait_and_cancel(vec![sleeper(10), sleeper(50), sleeper(1000)], ReturnWhen::FirstCompleted, None)
                .await;
        report("wait_for_any", sets).await;
        // Wait for all with timeout.
        let sets = wait_and_cancel(
            vec![sleeper(10), sleeper(50), sleeper(1000)],
            ReturnWhen::AllCompleted,
            Some(Duration::from_millis(100)),
        )
        .await;
        report("wait_for_all_with_timeout", sets).await;
    });
}
