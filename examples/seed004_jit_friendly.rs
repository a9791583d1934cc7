//! Seed 004, "JIT-Friendly Async Patterns (3.14+)": `jit_optimized_loop(items)` sums
//! `x * 2` over the items and yields to the loop (`await asyncio.sleep(0)`) every 100
//! items; `jit_friendly_fetch(urls)` pre-allocates the results list and fills it by
//! index from tasks in a `TaskGroup`.
//!
//! weft: there is no JIT to please; what carries over is the shape. `weft::yield_now()`
//! is `asyncio.sleep(0)`: a long loop gives other tasks a turn (a ticker task shows it
//! ran during the loop, on the current-thread runtime, where nothing else could run
//! otherwise). The pre-allocated list is shared by the children (`Arc<Mutex<Vec<_>>>`:
//! children are tasks that may run in parallel), each writing its own slot. Fetches
//! are simulated; later URLs answer sooner, and the slots still come out in URL order.
//!
//! ```text
//! jit_optimized_loop: total 999000, the ticker ran * times during the loop
//! the ticker got turns: true
//! jit_friendly_fetch: ["page-0", "page-1", "page-2", "page-3"]
//! ```
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use weft::{Cancelled, GroupSpawnError, task_group};

/// Async loop that yields periodically.
async fn jit_optimized_loop(items: &[i64]) -> Result<i64, Cancelled> {
    let mut total = 0;
    let process = |x: i64| x * 2; // Inline simple operations
    for &item in items {
        if item % 100 == 0 {
            weft::yield_now().await?; // Yield control periodically
        }
        total += process(item);
    }
    Ok(total)
}

async fn fetch_data(i: usize, n: usize) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_millis(2 * (n - i) as u64)).await?;
    Ok(format!("page-{i}"))
}

/// Pre-allocated results, filled by index.
async fn jit_friendly_fetch(urls: Vec<String>) -> Result<Vec<String>, weft::GroupError> {
    let results = Arc::new(Mutex::new(vec![String::new(); urls.len()]));
    let slots = results.clone();
    let n = urls.len();
    task_group(|tg| async move {
        for (i, _url) in urls.into_iter().enumerate() {
            let slots = slots.clone();
            tg.spawn(async move {
                let page = fetch_data(i, n).await?;
                slots.lock().unwrap()[i] = page;
                Ok::<_, Cancelled>(())
            })?;
        }
        Ok::<_, GroupSpawnError>(())
    })
    .await?;
    let results = std::mem::take(&mut *results.lock().unwrap());
    Ok(results)
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    rt.block_on(async {
        let ticks = Arc::new(AtomicU32::new(0));
        let ticker = {
            let ticks = ticks.clone();
            weft::spawn(async move {
                loop {
                    weft::yield_now().await?;
                    ticks.fetch_add(1, Ordering::SeqCst);
                }
                #[allow(unreachable_code)]
                Ok::<(), Cancelled>(())
            })
        };
        let items: Vec<i64> = (0..1000).collect();
        let before = ticks.load(Ordering::SeqCst);
        let total = jit_optimized_loop(&items).await.unwrap();
        let during = ticks.load(Ordering::SeqCst) - before;
        ticker.cancel(None);
        let _ = ticker.await;
        println!("jit_optimized_loop: total {total}, the ticker ran {during} times during the loop");
        println!("the ticker got turns: {}", during >= 5);

        let urls = (0..4).map(|i| format!("https://example.com/{i}")).collect();
        println!("jit_friendly_fetch: {:?}", jit_friendly_fetch(urls).await.unwrap());
    });
}
