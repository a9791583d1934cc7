//! Seed 002, "as_completed — process results in finish order": three tasks sleeping
//! 0.3, 0.2 and 0.1 s; `as_completed` hands out each result as its task finishes.
//!
//! weft: [`weft::as_completed`] takes spawned tasks and yields each as it finishes (a
//! `Stream`; `.next().await` reads it). The seed calls the order non-deterministic; with
//! these delays, 100 ms apart, it is the completion order: 2, 1, 0. The program is the
//! seed's as written.
//!
//! ```text
//! finished: 2
//! finished: 1
//! finished: 0
//! ```
use std::time::Duration;
use weft::Cancelled;

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn task(n: u32) -> Result<u32, Cancelled> {
    weft::time::sleep(Duration::from_secs_f64(0.3 - f64::from(n) * 0.1)).await?;
    Ok(n)
}

async fn main_() -> Result<(), Error> {
    let coros: Vec<_> = (0..3).map(|i| weft::spawn(task(i))).collect();
    let mut finished = weft::as_completed(coros, None);
    while let Some(next) = finished.next().await {
        let result = next?.result??;
        println!("finished: {result}");
    }
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
