//! Seed 003, "Optimization: Reuse Connections": the BAD version opens a new
//! `ClientSession` for every URL, one after the other; the GOOD one opens a single
//! session and gathers the fetches through it.
//!
//! weft: the same two shapes. The session is simulated in-process: opening one costs a
//! 10 ms handshake, a fetch costs 5 ms, and the example counts sessions. For 10 URLs,
//! BAD opens 10 sessions and takes about 150 ms; GOOD opens 1 and takes about 15 ms.
//!
//! ```text
//! inefficient: 10 results, 10 sessions opened, * ms
//! efficient: 10 results, 1 sessions opened, * ms
//! efficient took less than half as long: true
//! ```
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use weft::{Cancelled, gather};

static OPENED: AtomicUsize = AtomicUsize::new(0);

struct ClientSession;

impl ClientSession {
    async fn open() -> Result<ClientSession, Cancelled> {
        weft::time::sleep(Duration::from_millis(10)).await?; // TCP + TLS handshake
        OPENED.fetch_add(1, Ordering::SeqCst);
        Ok(ClientSession)
    }
    async fn get_json(&self, url: &str) -> Result<String, Cancelled> {
        weft::time::sleep(Duration::from_millis(5)).await?;
        Ok(format!("body of {url}"))
    }
}

/// ❌ BAD - creates new session each time
async fn inefficient(urls: &[String]) -> Result<Vec<String>, Cancelled> {
    let mut results = Vec::new();
    for url in urls {
        let session = ClientSession::open().await?; // New session!
        results.push(session.get_json(url).await?);
    }
    Ok(results)
}

/// ✅ GOOD - reuse single session
async fn efficient(urls: &[String]) -> Result<Vec<String>, Cancelled> {
    let session = Arc::new(ClientSession::open().await?); // Single session
    let tasks = urls
        .iter()
        .map(|url| {
            let (session, url) = (session.clone(), url.clone());
            async move { session.get_json(&url).await }
        })
        .collect();
    gather(tasks).await
}

fn main() {
    weft::run(async {
        let urls: Vec<String> = (0..10).map(|i| format!("https://example.com/{i}")).collect();
        let start = Instant::now();
        let a = inefficient(&urls).await.unwrap();
        let bad = start.elapsed();
        let bad_sessions = OPENED.swap(0, Ordering::SeqCst);
        println!("inefficient: {} results, {bad_sessions} sessions opened, {} ms", a.len(), bad.as_millis());
        let start = Instant::now();
        let b = efficient(&urls).await.unwrap();
        let good = start.elapsed();
        let good_sessions = OPENED.load(Ordering::SeqCst);
        println!("efficient: {} results, {good_sessions} sessions opened, {} ms", b.len(), good.as_millis());
        assert_eq!(a, b);
        println!("efficient took less than half as long: {}", good * 2 < bad);
    });
}
