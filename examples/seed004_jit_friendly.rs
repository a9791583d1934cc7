//! Seed 004, "JIT-Friendly Async Patterns (3.14+)": `jit_optimized_loop` sums a list in a
//! tight loop that yields to the event loop every 100 items; `jit_friendly_fetch`
//! pre-allocates the results and fills them from tasks in a `TaskGroup`, each storing
//! at its own index.
//!
//! weft: [`weft::yield_now`] is `asyncio.sleep(0)`: the task goes to the back of the
//! run queue. [`weft::task_group`] runs the fetches; each child writes its slot of a
//! shared, pre-allocated vector. Completed as tests/seeds/python/seed004_jit_friendly.py
//! is: `fetch_data` sleeps `(4 - i) * 0.01` s for URL `i` (later URLs answer sooner);
//! `main` runs the loop over a thousand items while a ticker task counts the turns it
//! gets (exactly one per yield of the loop: ten), then fetches four URLs. The
//! current-thread runtime runs the two tasks in turn, as asyncio's loop does.
//!
//! ```text
//! jit_optimized_loop: total 999000, the ticker ran 10 times during the loop
//! jit_friendly_fetch: ['page-0', 'page-1', 'page-2', 'page-3']
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use weft::{Cancelled, GroupSpawnError};

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn fetch_data(url: String) -> Result<String, Cancelled> {
    let i: u64 = url.rsplit('/').next().unwrap().parse().unwrap();
    weft::time::sleep(Duration::from_millis((4 - i) * 10)).await?;
    Ok(format!("page-{i}"))
}

/// Async loop optimized for JIT compilation.
async fn jit_optimized_loop(items: Vec<u64>) -> Result<u64, Cancelled> {
    let mut total = 0;
    let process = |x: u64| x * 2; // Inline simple operations

    for item in items {
        if item % 100 == 0 {
            weft::yield_now().await?; // Yield control periodically
        }
        total += process(item);
    }

    Ok(total)
}

/// Fetch pattern that JIT compiler can optimize.
async fn jit_friendly_fetch(urls: Vec<String>) -> Result<Vec<String>, Error> {
    // Pre-allocate results list
    let results = Arc::new(Mutex::new(vec![String::new(); urls.len()]));

    let slots = results.clone();
    weft::task_group(|tg| async move {
        for (i, url) in urls.into_iter().enumerate() {
            let slots = slots.clone();
            // A closure capturing the index
            let fetch_and_store = async move {
                let page = fetch_data(url).await?;
                slots.lock().unwrap()[i] = page;
                Ok::<_, Cancelled>(())
            };
            tg.spawn(fetch_and_store)?;
        }
        Ok::<_, GroupSpawnError>(())
    })
    .await?;

    let results = results.lock().unwrap().clone();
    Ok(results)
}

static TICKS: AtomicU64 = AtomicU64::new(0);

async fn ticker() -> Result<(), Cancelled> {
    loop {
        weft::yield_now().await?;
        TICKS.fetch_add(1, Ordering::SeqCst);
    }
}

async fn main_() -> Result<(), Error> {
    let t = weft::spawn(ticker());
    weft::yield_now().await?;
    let before = TICKS.load(Ordering::SeqCst);
    let total = jit_optimized_loop((0..1000).collect()).await?;
    let ran = TICKS.load(Ordering::SeqCst) - before;
    println!("jit_optimized_loop: total {total}, the ticker ran {ran} times during the loop");
    t.cancel(None);
    let urls = (0..4).map(|i| format!("https://example.com/{i}")).collect();
    println!("jit_friendly_fetch: {}", jit_friendly_fetch(urls).await?.repr());
    Ok(())
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main_()).unwrap().unwrap();
}
