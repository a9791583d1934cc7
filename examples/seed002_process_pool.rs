//! Seed 002, "ProcessPoolExecutor + run_in_executor": four CPU-bound jobs (a sum of
//! squares below a million) handed to a pool with `loop.run_in_executor` and gathered;
//! the program prints how many results came back and how long it took.
//!
//! weft: Python needs processes for CPU work to run in parallel (the GIL); Rust has no
//! GIL, so the port hands the jobs to weft's blocking pool with
//! [`weft::spawn_blocking`] (`run_in_executor(None, f)`), whose threads run them in
//! parallel, and gathers them with [`weft::gather`]. The program is otherwise the
//! seed's.
//!
//! ```text
//! 4 results in *s
//! ```
use std::time::Instant;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn cpu_work(n: u64) -> u64 {
    let mut total = 0;
    for i in 0..n {
        total += i * i;
    }
    total
}

async fn main_() -> Result<(), Error> {
    let start = Instant::now();
    let jobs = (0..4).map(|_| async { Ok::<_, Error>(weft::spawn_blocking(|| cpu_work(1_000_000)).await?) });
    let results = weft::gather(jobs.collect()).await?;
    println!("{} results in {:.2}s", results.len(), start.elapsed().as_secs_f64());
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
