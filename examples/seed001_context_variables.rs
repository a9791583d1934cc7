//! Seed 001, "Context Variables in Async Code": a request id per task.
//!
//! ```text
//! Processing request: req-1
//! Processing request: req-2
//! Processing request: req-3
//! ```
use weft::TaskLocal;

static REQUEST_ID: TaskLocal<&'static str> = TaskLocal::new("request_id");

async fn log_request() {
    // Each task gets its own value.
    println!("Processing request: {}", REQUEST_ID.get().unwrap());
}

async fn handle_request(req_id: &'static str) -> Result<(), weft::Cancelled> {
    let token = REQUEST_ID.set(req_id);
    log_request().await;
    REQUEST_ID.reset(token).unwrap();
    Ok(())
}

fn main() {
    // The current-thread runtime keeps asyncio's order: req-1, req-2, req-3.
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, async {
        weft::gather!(handle_request("req-1"), handle_request("req-2"), handle_request("req-3"))
            .await
            .unwrap();
    })
    .unwrap();
}
