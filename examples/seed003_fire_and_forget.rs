//! Seed 003, "Pattern 2: Fire and Forget with create_task()": `handle_request` starts
//! `log_request` as a background task and returns the processed request without
//! waiting for the log.
//!
//! weft: [`weft::spawn`] is `create_task`; dropping the returned `Task` detaches it (the
//! task runs on). As with `asyncio.run`, when `main` returns, `weft::run` cancels every
//! task still alive and waits for it, so a forgotten task gets its cancellation and can
//! clean up; the second request shows that. The logging sink is simulated: it takes
//! 10 ms per line; processing takes 2 ms.
//!
//! ```text
//! response: {'id': 1, 'status': 'done'}
//! logged request 1
//! response: {'id': 2, 'status': 'done'}
//! log of request 2 cancelled at shutdown
//! ```
use std::time::Duration;
use weft::Cancelled;

async fn log_request(id: u32, latency: Duration) -> Result<(), Cancelled> {
    match weft::time::sleep(latency).await {
        Ok(()) => {
            println!("logged request {id}");
            Ok(())
        }
        Err(c) => {
            println!("log of request {id} cancelled at shutdown");
            Err(c)
        }
    }
}

async fn process_request(id: u32) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_millis(2)).await?;
    Ok(format!("{{'id': {id}, 'status': 'done'}}"))
}

/// Handle request and log asynchronously.
async fn handle_request(id: u32, log_latency: Duration) -> Result<String, Cancelled> {
    drop(weft::spawn(log_request(id, log_latency))); // Fire and forget: the task runs on
    process_request(id).await // Don't wait for logging
}

fn main() {
    weft::run(async {
        println!("response: {}", handle_request(1, Duration::from_millis(10)).await.unwrap());
        // The log finishes on its own while main goes on.
        weft::time::sleep(Duration::from_millis(30)).await.unwrap();
        // This log would take 10 s: main returns first, and the runtime cancels it.
        println!("response: {}", handle_request(2, Duration::from_secs(10)).await.unwrap());
    });
}
