//! Seed 003, "Pitfall 2: Missing await": `result = fetch_data()` without `await` gives
//! a coroutine object, not data, and the fetch never runs; `await fetch_data()` runs it.
//!
//! weft: the same holds in Rust: calling an `async fn` only builds a future, which does
//! nothing until it is awaited (or spawned). Where Python warns "coroutine was never
//! awaited" at run time, Rust warns at compile time when a future is discarded
//! (`#[must_use]`: "futures do nothing unless you `.await` or poll them"). The BAD
//! version keeps the future in a variable (no warning then) and prints its type, the
//! port of `<coroutine object ...>`; a counter shows the fetch never ran.
//!
//! ```text
//! bad_fetch: <future *fetch_data*>
//! fetch_data ran 0 times
//! good_fetch: {'data': 'payload'}
//! fetch_data ran 1 times
//! ```
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use weft::Cancelled;

static RUNS: AtomicU32 = AtomicU32::new(0);

async fn fetch_data() -> Result<&'static str, Cancelled> {
    RUNS.fetch_add(1, Ordering::SeqCst);
    weft::time::sleep(Duration::from_millis(2)).await?;
    Ok("{'data': 'payload'}")
}

/// ❌ BAD - missing await
async fn bad_fetch() {
    let result = fetch_data(); // a future, not data!
    println!("bad_fetch: <future {}>", std::any::type_name_of_val(&result));
}

/// ✅ GOOD - properly awaited
async fn good_fetch() -> Result<(), Cancelled> {
    let result = fetch_data().await?; // actually executes
    println!("good_fetch: {result}");
    Ok(())
}

fn main() {
    weft::run(async {
        bad_fetch().await;
        println!("fetch_data ran {} times", RUNS.load(Ordering::SeqCst));
        good_fetch().await.unwrap();
        println!("fetch_data ran {} times", RUNS.load(Ordering::SeqCst));
    });
}
