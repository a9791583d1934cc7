//! Seed 004, "Rate Limiting": a `RateLimiter` async context manager takes a semaphore
//! permit on entry and, on exit, gives it back `per` seconds later with
//! `loop.call_later`, so at most `rate` operations start per `per` seconds.
//!
//! weft: the permit is a [`weft::Semaphore`]'s, taken with `acquire_raw` (no guard: it
//! is given back later, by hand); `loop.call_later(per, release)` is weft's callback
//! timer, [`weft::time::Timer::register`], with a waker that releases the permit.
//! Completed as tests/seeds/python/seed004_rate_limiter.py is: 5 per 0.4 s (the seed's
//! 10 per 1.0 s); `fetch_data` records when it started (`loop.time()` is
//! [`weft::time::monotonic`]) and takes 1 ms; `main` fetches 15 URLs and groups the
//! start times into waves (a gap of more than 0.2 s starts a new one): three waves of
//! five, about 0.4 s apart. The current-thread runtime starts the fetches in asyncio's
//! order.
//!
//! ```text
//! 15 fetches started in 3 waves
//! wave 1: ['u0', 'u1', 'u2', 'u3', 'u4']
//! wave 2: ['u5', 'u6', 'u7', 'u8', 'u9']
//! wave 3: ['u10', 'u11', 'u12', 'u13', 'u14']
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};
use std::time::Duration;
use weft::{Cancelled, Semaphore};

static STARTS: Mutex<Vec<(String, f64)>> = Mutex::new(Vec::new());

async fn fetch_data(url: String) -> Result<String, Cancelled> {
    STARTS.lock().unwrap().push((url.clone(), weft::time::monotonic()));
    weft::time::sleep(Duration::from_millis(1)).await?;
    Ok(py::dict(&[("url", &url), ("status", &"ok")]))
}

/// The callback `call_later` runs: gives one permit back.
struct Release(Arc<Semaphore>);

impl Wake for Release {
    fn wake(self: Arc<Self>) {
        self.0.release();
    }
}

/// Rate limiter for async operations.
struct RateLimiter {
    per: Duration,
    semaphore: Arc<Semaphore>,
}

impl RateLimiter {
    fn new(rate: usize, per: f64) -> RateLimiter {
        RateLimiter { per: Duration::from_secs_f64(per), semaphore: Arc::new(Semaphore::new(rate)) }
    }

    /// `__aenter__`
    async fn enter(&self) -> Result<(), Cancelled> {
        self.semaphore.acquire_raw().await
    }

    /// `__aexit__`: `self._loop.call_later(self.per, self._semaphore.release)`
    fn exit(&self) {
        let release = Waker::from(Arc::new(Release(self.semaphore.clone())));
        weft::time::Timer::register(weft::time::now() + self.per, release).expect("inside the runtime");
    }
}

/// Fetch with rate limiting.
async fn fetch_with_rate_limit(urls: Vec<String>) -> Result<Vec<String>, Cancelled> {
    let rate_limiter = Arc::new(RateLimiter::new(5, 0.4)); // 5 requests per 0.4 second

    let fetch_limited = |url: String| {
        let rate_limiter = rate_limiter.clone();
        async move {
            rate_limiter.enter().await?;
            let result = fetch_data(url).await;
            rate_limiter.exit();
            result
        }
    };

    let tasks = urls.into_iter().map(fetch_limited).collect();
    weft::gather(tasks).await
}

async fn main_() -> Result<(), Cancelled> {
    let urls = (0..15).map(|i| format!("u{i}")).collect();
    let results = fetch_with_rate_limit(urls).await?;
    let mut starts = STARTS.lock().unwrap().clone();
    starts.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut waves: Vec<Vec<String>> = Vec::new();
    let mut last: Option<f64> = None;
    for (url, t) in starts {
        if last.is_none_or(|last| t - last > 0.2) {
            waves.push(Vec::new());
        }
        waves.last_mut().unwrap().push(url);
        last = Some(t);
    }
    println!("{} fetches started in {} waves", results.len(), waves.len());
    for (i, w) in waves.iter().enumerate() {
        println!("wave {}: {}", i + 1, w.repr());
    }
    Ok(())
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main_()).unwrap().unwrap();
}
