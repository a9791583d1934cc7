//! Seed 003, "When asyncio is Fastest": `fetch_1000_urls` opens one session and gathers
//! 1000 fetches through it, "seconds, not minutes": a single thread handles 1000+
//! concurrent connections.
//!
//! weft: 1000 futures handed to [`weft::gather`] become 1000 tasks on the runtime. The
//! server is simulated in-process (each fetch sleeps 50 ms), so one at a time would take
//! 50 s; all at once they take a little over 50 ms. The example prints whether it
//! finished within 1 s, and how many fetches were in flight at the peak.
//!
//! ```text
//! fetched 1000 urls through 1 session
//! most fetches in flight at once: 1000
//! finished in under 1 s (sequential would take 50 s): true
//! ```
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use weft::{Cancelled, gather};

static SESSIONS: AtomicUsize = AtomicUsize::new(0);

struct Session {
    in_flight: AtomicUsize,
    most: AtomicUsize,
}

impl Session {
    fn new() -> Session {
        SESSIONS.fetch_add(1, Ordering::SeqCst);
        Session { in_flight: AtomicUsize::new(0), most: AtomicUsize::new(0) }
    }
}

async fn fetch_with_session(session: Arc<Session>, url: String) -> Result<String, Cancelled> {
    let now = session.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    session.most.fetch_max(now, Ordering::SeqCst);
    let r = weft::time::sleep(Duration::from_millis(50)).await;
    session.in_flight.fetch_sub(1, Ordering::SeqCst);
    r?;
    Ok(format!("body of {url}"))
}

/// Fetch 1000 URLs concurrently.
async fn fetch_1000_urls(urls: Vec<String>) -> Result<(Vec<String>, usize), Cancelled> {
    let session = Arc::new(Session::new());
    let tasks = urls.into_iter().map(|url| fetch_with_session(session.clone(), url)).collect();
    let bodies = gather(tasks).await?;
    Ok((bodies, session.most.load(Ordering::SeqCst)))
}

fn main() {
    weft::run(async {
        let urls: Vec<String> = (0..1000).map(|i| format!("https://example.com/{i}")).collect();
        let start = Instant::now();
        let (bodies, most) = fetch_1000_urls(urls).await.unwrap();
        let took = start.elapsed();
        println!("fetched {} urls through {} session", bodies.len(), SESSIONS.load(Ordering::SeqCst));
        println!("most fetches in flight at once: {most}");
        println!("finished in under 1 s (sequential would take 50 s): {}", took < Duration::from_secs(1));
    });
}
