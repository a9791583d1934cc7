//! Seed 002, "create_task — fire and forget": a background job is started with
//! `create_task`, main work goes on meanwhile, and the task is awaited before exiting.
//!
//! weft: [`weft::spawn`] is `create_task`; the task starts running at once, on any
//! worker, while `main` goes on; awaiting its handle waits for it. The program is the
//! seed's as written.
//!
//! ```text
//! Main work happening...
//! More main work...
//! [bg] cleanup done
//! ```
use std::time::Duration;
use weft::Cancelled;

async fn background_job(name: &str) -> Result<(), Cancelled> {
    weft::time::sleep(Duration::from_millis(100)).await?;
    println!("[bg] {name} done");
    Ok(())
}

async fn main_() -> Result<(), Cancelled> {
    let task = weft::spawn(background_job("cleanup"));
    println!("Main work happening...");
    weft::time::sleep(Duration::from_millis(50)).await?;
    println!("More main work...");
    task.await.expect("the task ran")?; // wait for it before exiting
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
