//! Seed 002, "Tasks — create_task, gather, as_completed, wait": three tasks of 0.3, 0.2
//! and 0.1 s created at once and awaited one after the other; they ran concurrently,
//! so the whole takes about 0.3 s.
//!
//! weft: [`weft::spawn`] is `create_task`: each task starts at once; awaiting its
//! handle gives its result (or a `JoinError` if it was cancelled or panicked). The
//! program is the seed's as written.
//!
//! ```text
//! ['A done', 'B done', 'C done'] in *s
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::time::Duration;
use weft::Cancelled;

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn work(label: &str, delay: f64) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_secs_f64(delay)).await?;
    Ok(format!("{label} done"))
}

async fn main_() -> Result<(), Error> {
    let start = weft::time::now();
    let t1 = weft::spawn(work("A", 0.3));
    let t2 = weft::spawn(work("B", 0.2));
    let t3 = weft::spawn(work("C", 0.1));
    let results = vec![t1.await??, t2.await??, t3.await??];
    println!("{} in {:.2}s", results.repr(), (weft::time::now() - start).as_secs_f64());
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
