//! Seed 004, "Async Functions": `fetch_data(url)` sleeps one second ("simulate I/O")
//! and returns `{"url": url, "status": "ok"}`; `main` awaits it and prints the result;
//! `asyncio.run(main())` runs it.
//!
//! weft: `async fn`, `.await`, and `weft::run` for `asyncio.run`. The sleep is 10 ms
//! instead of 1 s; the dict is printed the way Python prints it.
//!
//! ```text
//! {'url': 'http://example.com', 'status': 'ok'}
//! ```
use std::time::Duration;
use weft::Cancelled;

/// Asynchronous function.
async fn fetch_data(url: &str) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_millis(10)).await?; // Simulate I/O
    Ok(format!("{{'url': '{url}', 'status': 'ok'}}"))
}

async fn main_() -> Result<(), Cancelled> {
    let result = fetch_data("http://example.com").await?;
    println!("{result}");
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
