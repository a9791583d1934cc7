//! Seed 003, "Pitfall 2: Missing await": calling a coroutine function without `await`
//! gives a coroutine object and runs nothing (CPython warns "coroutine ... was never
//! awaited" when it is collected); with `await`, the body runs and the data comes back.
//!
//! weft prints something else here on purpose, and its expected output is
//! tests/seeds/expected/seed003_missing_await.weft.txt: a Rust future likewise runs
//! nothing until awaited, but it has no repr (the program prints its type and address)
//! and dropping it unawaited gives no run-time warning (a future left unused entirely is
//! a compile-time warning, `unused_must_use`). Completed as
//! tests/seeds/python/seed003_missing_await.py is: `fetch_data()` counts its runs,
//! sleeps 10 ms and returns `{'data': 'payload'}`; `main` runs both versions and prints
//! the count after each.
//!
//! ```text
//! <future seed003_missing_await::fetch_data::{{closure}} at *>
//! fetch_data ran 0 times
//! {'data': 'payload'}
//! fetch_data ran 1 times
//! ```
#[path = "support/py.rs"]
mod py;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use weft::Cancelled;

static RUNS: AtomicU32 = AtomicU32::new(0);

/// `{'data': ...}`
struct Data(&'static str);

impl py::Repr for Data {
    fn repr(&self) -> String {
        py::dict(&[("data", &self.0)])
    }
}

async fn fetch_data() -> Result<Data, Cancelled> {
    RUNS.fetch_add(1, Ordering::SeqCst);
    weft::time::sleep(Duration::from_millis(10)).await?;
    Ok(Data("payload"))
}

// ❌ BAD - missing await
async fn bad_fetch() {
    let result = fetch_data(); // A future, not data!
    println!("<future {} at {:p}>", std::any::type_name_of_val(&result), &result);
}

// ✅ GOOD - properly awaited
async fn good_fetch() -> Result<(), Cancelled> {
    let result = fetch_data().await?; // Actually executes
    println!("{}", py::repr(&result));
    Ok(())
}

async fn main_() -> Result<(), Cancelled> {
    bad_fetch().await;
    println!("fetch_data ran {} times", RUNS.load(Ordering::SeqCst));
    good_fetch().await?;
    println!("fetch_data ran {} times", RUNS.load(Ordering::SeqCst));
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
