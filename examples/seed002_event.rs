//! Seed 002, "Event — broadcast a one-shot signal": three workers wait on an
//! `asyncio.Event`; after 0.1 s main sets it and every waiter goes.
//!
//! weft: [`weft::Event`] is asyncio's: `set()` wakes every waiter, in the order they
//! started waiting. On the current-thread runtime the workers start in asyncio's order.
//! The program is the seed's as written.
//!
//! ```text
//! w0 waiting…
//! w1 waiting…
//! w2 waiting…
//! w0 go!
//! w1 go!
//! w2 go!
//! ```
use std::sync::Arc;
use std::time::Duration;
use weft::{Cancelled, Event};

async fn worker(started: Arc<Event>, name: String) -> Result<(), Cancelled> {
    println!("{name} waiting…");
    started.wait().await?;
    println!("{name} go!");
    Ok(())
}

async fn main_() -> Result<(), Cancelled> {
    let started = Arc::new(Event::new());
    let workers: Vec<_> = (0..3).map(|i| weft::spawn(worker(started.clone(), format!("w{i}")))).collect();
    weft::time::sleep(Duration::from_millis(100)).await?;
    started.set();
    for w in workers {
        w.await.expect("the worker ran")?;
    }
    Ok(())
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main_()).unwrap().unwrap();
}
