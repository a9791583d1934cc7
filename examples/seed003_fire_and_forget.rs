//! Seed 003, "Pattern 2: Fire and Forget with create_task()": `handle_request` starts a
//! logging task without waiting for it and returns the processed response at once.
//!
//! weft: [`weft::spawn`] is `create_task`; dropping the handle detaches the task, which
//! runs on. When `main` returns, [`weft::run`] cancels every task still alive and waits
//! for it, as `asyncio.run` does: the forgotten log of the second request is cancelled
//! then, and its handler reports it. Completed as
//! tests/seeds/python/seed003_fire_and_forget.py is: logging takes 0.2 s, processing
//! 5 ms; `main` handles request 1, waits 0.3 s (its log is written), handles request 2
//! and returns.
//!
//! ```text
//! response: {'id': 1, 'status': 'done'}
//! logged request 1
//! response: {'id': 2, 'status': 'done'}
//! log of request 2 cancelled at shutdown
//! ```
#[path = "support/py.rs"]
mod py;

use std::time::Duration;
use weft::Cancelled;

struct Request {
    id: i64,
}

async fn log_request(request: Request) -> Result<(), Cancelled> {
    if let Err(cancelled) = weft::time::sleep(Duration::from_millis(200)).await {
        println!("log of request {} cancelled at shutdown", request.id);
        return Err(cancelled);
    }
    println!("logged request {}", request.id);
    Ok(())
}

async fn process_request(request: &Request) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_millis(5)).await?;
    Ok(py::dict(&[("id", &request.id), ("status", &"done")]))
}

/// Handle request and log asynchronously.
async fn handle_request(id: i64) -> Result<String, Cancelled> {
    drop(weft::spawn(log_request(Request { id }))); // Fire and forget
    process_request(&Request { id }).await // Don't wait for logging
}

async fn main_() -> Result<(), Cancelled> {
    println!("response: {}", handle_request(1).await?);
    weft::time::sleep(Duration::from_millis(300)).await?;
    println!("response: {}", handle_request(2).await?);
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
