//! Seed 004, "Rate Limiting": `RateLimiter(rate, per)` holds a semaphore of `rate`
//! permits; `__aenter__` acquires one, and `__aexit__` schedules its release `per`
//! seconds later with `loop.call_later`, so at most `rate` operations start per `per`
//! seconds; `fetch_with_rate_limit(urls)` gathers fetches through it.
//!
//! weft has no `call_later`: the delayed release is a small spawned task that sleeps
//! `per` and then releases the permit (the permit is taken with `acquire_raw`, which
//! does not release on drop, like asyncio's `acquire()`). `async with rate_limiter:` is
//! `rate_limiter.with(fut)`. The rate is 5 per 50 ms instead of 10 per second; 15
//! fetches are simulated (1 ms each), so they start in three waves about 50 ms apart.
//!
//! ```text
//! 15 fetches started in 3 waves of 5
//! ```
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use weft::{Cancelled, Semaphore, gather};

/// Rate limiter for async operations.
struct RateLimiter {
    per: Duration,
    semaphore: Arc<Semaphore>,
}

impl RateLimiter {
    fn new(rate: usize, per: Duration) -> RateLimiter {
        RateLimiter { per, semaphore: Arc::new(Semaphore::new(rate)) }
    }

    /// `async with rate_limiter: fut`
    async fn with<T>(&self, fut: impl Future<Output = Result<T, Cancelled>>) -> Result<T, Cancelled> {
        self.semaphore.acquire_raw().await?; // __aenter__
        let out = fut.await;
        // __aexit__: self._loop.call_later(self.per, self._semaphore.release)
        let (semaphore, per) = (self.semaphore.clone(), self.per);
        drop(weft::spawn(async move {
            let _ = weft::time::sleep(per).await;
            semaphore.release();
        }));
        out
    }
}

/// Fetch with rate limiting.
async fn fetch_with_rate_limit(
    urls: Vec<String>,
    starts: Arc<Mutex<Vec<Duration>>>,
) -> Result<Vec<String>, Cancelled> {
    let rate_limiter = Arc::new(RateLimiter::new(5, Duration::from_millis(50)));
    let t0 = Instant::now();
    let fetch_limited = |url: String| {
        let (rate_limiter, starts) = (rate_limiter.clone(), starts.clone());
        async move {
            rate_limiter
                .with(async {
                    starts.lock().unwrap().push(t0.elapsed());
                    weft::time::sleep(Duration::from_millis(1)).await?;
                    Ok(url)
                })
                .await
        }
    };
    gather(urls.into_iter().map(fetch_limited).collect()).await
}

fn main() {
    weft::run(async {
        let urls: Vec<String> = (0..15).map(|i| format!("https://example.com/{i}")).collect();
        let starts = Arc::new(Mutex::new(Vec::new()));
        let results = fetch_with_rate_limit(urls, starts.clone()).await.unwrap();
        // Group the start times into waves: a gap of more than 25 ms starts a new one.
        let mut times = starts.lock().unwrap().clone();
        times.sort();
        let mut waves = vec![1usize];
        for pair in times.windows(2) {
            if pair[1] - pair[0] > Duration::from_millis(25) {
                waves.push(1);
            } else {
                *waves.last_mut().unwrap() += 1;
            }
        }
        let all_five = waves.iter().all(|&n| n == 5);
        if all_five {
            println!("{} fetches started in {} waves of 5", results.len(), waves.len());
        } else {
            println!("{} fetches started in waves {waves:?}", results.len());
        }
    });
}
