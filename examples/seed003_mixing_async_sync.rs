//! Seed 003, "Pitfall 4: Mixing Async and Sync": `await` inside a plain `def` is an
//! error; make the function `async`, or call `asyncio.run` from a synchronous entry
//! point (and only there: inside a running loop, `asyncio.run` raises).
//!
//! weft prints something else here on purpose, and its expected output is
//! tests/seeds/expected/seed003_mixing_async_sync.weft.txt: the BAD function is a
//! compile-time error in both languages, but Python can compile a string at run time
//! and Rust cannot; the program prints the error rustc gives for `BAD_SOURCE` (the
//! seed_examples test compiles `BAD_SOURCE` with rustc and checks that it fails so).
//! And inside a running runtime, [`weft::try_run`] returns `EnterError` with weft's own
//! message ([`weft::run`] panics with it), where `asyncio.run` raises `RuntimeError`.
//! Completed as tests/seeds/python/seed003_mixing_async_sync.py is: `fetch_data()`
//! sleeps 10 ms and returns "fetched"; a driver runs `async_function`, then
//! `sync_entry_point` from synchronous code, then from inside a runtime.
//!
//! ```text
//! BAD sync_function: does not compile: error[E0728]: `await` is only allowed inside `async` functions and blocks
//! GOOD async_function: fetched
//! GOOD sync_entry_point: fetched
//! sync_entry_point inside a running loop: EnterError: cannot start a runtime from inside a running weft runtime, nor run a current-thread runtime that is already running block_on on another thread: await the future instead, or use spawn / spawn_blocking
//! ```

/// The seed's BAD function (with a `fetch_data` to call), which does not compile.
#[allow(dead_code)]
const BAD_SOURCE: &str = r#"
async fn fetch_data() -> &'static str {
    "fetched"
}

fn sync_function() {
    let result = fetch_data().await; // error
}
"#;

/// What rustc says about `BAD_SOURCE`.
const BAD_ERROR: &str = "error[E0728]: `await` is only allowed inside `async` functions and blocks";

use std::time::Duration;
use weft::Cancelled;

async fn fetch_data() -> Result<&'static str, Cancelled> {
    weft::time::sleep(Duration::from_millis(10)).await?;
    Ok("fetched")
}

// ✅ GOOD - make function async
async fn async_function() -> Result<&'static str, Cancelled> {
    let result = fetch_data().await?;
    Ok(result)
}

// ✅ GOOD - use weft::run (entry point only)
fn sync_entry_point() -> Result<Result<&'static str, Cancelled>, weft::EnterError> {
    weft::try_run(fetch_data())
}

async fn main_() {
    if let Err(e) = sync_entry_point() {
        println!("sync_entry_point inside a running loop: EnterError: {e}");
    }
}

fn main() {
    println!("BAD sync_function: does not compile: {BAD_ERROR}");
    println!("GOOD async_function: {}", weft::run(async_function()).unwrap());
    println!("GOOD sync_entry_point: {}", sync_entry_point().unwrap().unwrap());
    weft::run(main_());
}
