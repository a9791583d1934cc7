//! Seed 003, "Pitfall 3: Event Loop Closed" and "Pitfall 4: Mixing Async and Sync":
//! two `asyncio.run` calls in a row (BAD) against one `main` that awaits both fetches
//! (GOOD); `await` in a sync function (a `SyntaxError`) against making the function
//! async, or calling `asyncio.run` from a sync entry point.
//!
//! weft: deliberately different on the BAD side of pitfall 3: `weft::run` builds a
//! fresh runtime each time and there is no global loop to close, so two calls in a row
//! both work (each pays for starting and stopping a runtime, which is why one `main`
//! is still the better shape). What asyncio refuses at run time, weft refuses too:
//! `weft::run` inside a running runtime is an error (`weft::try_run` returns it; `run`
//! panics with it), as `asyncio.run()` "cannot be called from a running event loop".
//! `.await` in a non-async function does not compile in Rust, the port of the
//! `SyntaxError`, so that half is shown only by the GOOD versions.
//!
//! ```text
//! two weft::run calls: fetch1-data, fetch2-data
//! one main: ("fetch1-data", "fetch2-data")
//! async_function: fetch1-data
//! sync_entry_point: fetch2-data
//! weft::try_run inside a running runtime: refused (*)
//! ```
use std::time::Duration;
use weft::Cancelled;

async fn fetch1() -> Result<&'static str, Cancelled> {
    weft::time::sleep(Duration::from_millis(2)).await?;
    Ok("fetch1-data")
}

async fn fetch2() -> Result<&'static str, Cancelled> {
    weft::time::sleep(Duration::from_millis(2)).await?;
    Ok("fetch2-data")
}

/// ✅ GOOD - single entry point.
async fn main_() -> Result<(&'static str, &'static str), Cancelled> {
    let result1 = fetch1().await?;
    let result2 = fetch2().await?;
    Ok((result1, result2))
}

/// ✅ GOOD - make the function async.
async fn async_function() -> Result<&'static str, Cancelled> {
    let result = fetch1().await?;
    Ok(result)
}

/// ✅ GOOD - `weft::run` at a sync entry point only.
fn sync_entry_point() -> &'static str {
    weft::run(fetch2()).unwrap()
}

fn main() {
    // Pitfall 3, the seed's BAD shape: works in weft (a fresh runtime per call).
    let result1 = weft::run(fetch1()).unwrap();
    let result2 = weft::run(fetch2()).unwrap();
    println!("two weft::run calls: {result1}, {result2}");

    println!("one main: {:?}", weft::run(main_()).unwrap());

    println!("async_function: {}", weft::run(async_function()).unwrap());
    println!("sync_entry_point: {}", sync_entry_point());

    // Calling the entry point from inside async code is refused.
    weft::run(async {
        match weft::try_run(fetch1()) {
            Ok(v) => println!("weft::try_run inside a running runtime: ran ({v:?})"),
            Err(e) => println!("weft::try_run inside a running runtime: refused ({e})"),
        }
    });
}
