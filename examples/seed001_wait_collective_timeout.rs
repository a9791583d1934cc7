//! Seed 001, "multiple operations with a collective timeout": `wait` with a timeout,
//! then cancel what is still pending and gather it with `return_exceptions=True`.
//!
//! ```text
//! Completed: 1
//! Pending: 2
//! ```
use std::time::Duration;
use weft::{ReturnWhen, gather_settled, wait};

async fn operation(name: &'static str, delay: u64) -> Result<String, weft::Cancelled> {
    weft::time::sleep(Duration::from_secs(delay)).await?;
    Ok(format!("{name} done"))
}

fn main() {
    weft::run(async {
        let tasks = vec![
            weft::spawn(operation("fast", 1)),
            weft::spawn(operation("medium", 3)),
            weft::spawn(operation("slow", 5)),
        ];
        let (done, pending) =
            wait(tasks, ReturnWhen::AllCompleted, Some(Duration::from_secs(2))).await.unwrap();
        println!("Completed: {}", done.len());
        println!("Pending: {}", pending.len());
        // Cancel remaining tasks, and wait for them to finish.
        let pending: Vec<_> = pending.into_iter().map(|(_, t)| t).collect();
        for t in &pending {
            t.cancel(None);
        }
        let _ = gather_settled(pending).await;
    });
}
