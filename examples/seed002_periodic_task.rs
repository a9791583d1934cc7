//! Seed 002, "Periodic task with cancellation": `every(interval, fn)` sleeps, then calls
//! `fn`, forever, reporting (not raising) a failure of `fn`; main runs it as a task,
//! cancels it after a while, and awaits it.
//!
//! weft: the cancellation is delivered at the sleep `every` waits in and propagates
//! with `?`; `except Exception` in the loop catches `fn`'s errors, never a cancellation.
//! Completed as tests/seeds/python/seed002_periodic_task.py is: 0.4 s interval, cancelled
//! at 1.4 s (the seed's 0.1 s and 0.35 s, four times longer, so that three pings come
//! before the cancel on a loaded machine too). The seed's text promises a try/finally
//! that its code lacks; the port has none either.
//!
//! ```text
//! ping
//! ping
//! ping
//! ```
use std::future::Future;
use std::time::Duration;
use weft::Cancelled;

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn every<F, Fut>(interval: f64, f: F) -> Result<(), Cancelled>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    loop {
        weft::time::sleep(Duration::from_secs_f64(interval)).await?;
        match f().await {
            Ok(()) => {}
            // `except Exception` does not catch a cancellation.
            Err(e) => match e.downcast::<Cancelled>() {
                Ok(cancelled) => return Err(*cancelled),
                Err(e) => println!("periodic failed: {e}"),
            },
        }
    }
}

async fn ping() -> Result<(), Error> {
    println!("ping");
    Ok(())
}

async fn main_() -> Result<(), Cancelled> {
    let task = weft::spawn(every(0.4, ping));
    weft::time::sleep(Duration::from_millis(1400)).await?;
    task.cancel(None);
    let _ = task.await; // except CancelledError: pass
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
