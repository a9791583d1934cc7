//! Seed 002, "Concurrent execution with gather": three fetches of 0.3, 0.2 and 0.1 s
//! gathered; the results come back in argument order, after about 0.3 s.
//!
//! weft: [`weft::gather`] runs the futures as tasks and returns their values in
//! argument order (or the first error). The program is the seed's as written.
//!
//! ```text
//! ['result-1', 'result-2', 'result-3']
//! Done in *s  (sequential would take ~0.60s)
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::time::Duration;
use weft::Cancelled;

async fn fetch(n: u32, delay: f64) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_secs_f64(delay)).await?;
    Ok(format!("result-{n}"))
}

async fn main_() -> Result<(), Cancelled> {
    let start = weft::time::now();
    let results = weft::gather(vec![fetch(1, 0.3), fetch(2, 0.2), fetch(3, 0.1)]).await?;
    let elapsed = (weft::time::now() - start).as_secs_f64();
    println!("{}", results.repr());
    println!("Done in {elapsed:.2}s  (sequential would take ~0.60s)");
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
