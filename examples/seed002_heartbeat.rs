//! Seed 002, "Heartbeat task alongside main work": a heartbeat task prints a tick every
//! interval while the main work runs; when the work is done, `finally` cancels the
//! heartbeat, which prints that it stopped and re-raises, and main awaits it.
//!
//! weft: [`weft::spawn`] starts the heartbeat; `cancel()` delivers one `Cancelled` at
//! the sleep it waits in, which the heartbeat reports and propagates. Completed as
//! tests/seeds/python/seed002_heartbeat.py is: 0.4 s ticks and 1.0 s of work (the
//! seed's 1.0 s and 2.5 s, 2.5 times shorter): ticks at 0.4 and 0.8 s, work done at
//! 1.0 s.
//!
//! ```text
//!   ♥ tick 1
//!   ♥ tick 2
//! work complete
//!   ♥ stopped
//! ```
use std::time::Duration;
use weft::Cancelled;

async fn heartbeat(interval: f64) -> Result<(), Cancelled> {
    let mut n = 0;
    loop {
        if let Err(cancelled) = weft::time::sleep(Duration::from_secs_f64(interval)).await {
            println!("  ♥ stopped");
            return Err(cancelled);
        }
        n += 1;
        println!("  ♥ tick {n}");
    }
}

async fn real_work() -> Result<&'static str, Cancelled> {
    weft::time::sleep(Duration::from_secs(1)).await?;
    Ok("work complete")
}

async fn main_() -> Result<(), Cancelled> {
    let hb = weft::spawn(heartbeat(0.4));
    // try:
    let work = real_work().await;
    if let Ok(done) = &work {
        println!("{done}");
    }
    // finally:
    hb.cancel(None);
    let _ = hb.await; // except CancelledError: pass
    work.map(|_| ())
}

fn main() {
    weft::run(main_()).unwrap();
}
