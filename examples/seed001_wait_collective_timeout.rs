//! Seed 001, "Timeout Patterns": a collective timeout over three operations with
//! `asyncio.wait(tasks, timeout=...)`, which returns the done and pending sets; the
//! pending tasks are then cancelled and gathered.
//!
//! weft: [`weft::wait`] is asyncio's `wait` (it cancels nothing); the recipe cancels the
//! pending tasks and [`weft::gather_settled`] waits for them to end. Completed as
//! tests/seeds/python/seed001_wait_collective_timeout.py is: ten times shorter
//! (operations of 0.1, 0.3 and 0.5 s, timeout 0.2 s).
//!
//! ```text
//! Completed: 1
//! Pending: 2
//! ```
use std::time::Duration;
use weft::{Cancelled, ReturnWhen, gather_settled, wait};

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn operation(name: &str, delay: f64) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_secs_f64(delay)).await?;
    Ok(format!("{name} done"))
}

async fn main_() -> Result<(), Error> {
    let tasks = vec![
        weft::spawn(operation("fast", 0.1)),
        weft::spawn(operation("medium", 0.3)),
        weft::spawn(operation("slow", 0.5)),
    ];

    let (done, pending) = wait(tasks, ReturnWhen::AllCompleted, Some(Duration::from_millis(200))).await?;

    println!("Completed: {}", done.len());
    println!("Pending: {}", pending.len());

    // Cancel remaining tasks
    let pending: Vec<_> = pending.into_iter().map(|(_, task)| task).collect();
    for task in &pending {
        task.cancel(None);
    }
    let _ = gather_settled(pending).await;
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
