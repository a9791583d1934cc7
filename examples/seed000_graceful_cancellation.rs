//! Seed 000, "Graceful Cancellation": a worker loops `while not should_cancel.is_set()`,
//! sleeping and doing work; `main` sets the event and awaits the task. If the task is
//! cancelled instead, `except CancelledError:` awaits `cleanup()` and re-raises.
//!
//! weft: the event is a [`weft::Event`]; every sleep is a checkpoint that returns
//! `Err(Cancelled)` when the task is cancelled, and the handler may await (the cleanup
//! sleeps) before it returns the cancellation, the port of `raise`. The seed's `main`
//! sets the event at once; this port first lets the worker run a few rounds, so that
//! both exits can be seen: the graceful one (event set: the loop ends after its current
//! round) and the cancelled one (`task.cancel()`: cleanup, then the task ends
//! cancelled). The work round is 20 ms instead of 1 s; how many rounds fit before the
//! event is set depends on timing.
//!
//! ```text
//! worker stopped gracefully after * rounds of work
//! graceful: task returned Ok
//! cancelled: cleaning up
//! cleanup done
//! cancelled: task ended cancelled (shutting down)
//! ```
use std::sync::Arc;
use std::time::Duration;
use weft::{Cancelled, Event};

async fn do_work() -> Result<(), Cancelled> {
    weft::yield_now().await
}

async fn cleanup() {
    // Cleanup may await; a second cancellation is not pending, so this sleep completes.
    let _ = weft::time::sleep(Duration::from_millis(5)).await;
    println!("cleanup done");
}

/// Task that can be gracefully cancelled.
async fn cancellable_task(should_cancel: Arc<Event>) -> Result<u32, Cancelled> {
    let mut rounds = 0;
    let body = async {
        while !should_cancel.is_set() {
            weft::time::sleep(Duration::from_millis(20)).await?;
            do_work().await?;
            rounds += 1;
        }
        Ok::<_, Cancelled>(())
    };
    match body.await {
        Ok(()) => {
            println!("worker stopped gracefully after {rounds} rounds of work");
            Ok(rounds)
        }
        Err(cancelled) => {
            // except asyncio.CancelledError: await cleanup(); raise
            println!("cancelled: cleaning up");
            cleanup().await;
            Err(cancelled)
        }
    }
}

fn main() {
    weft::run(async {
        // Signal cancellation gracefully: the event.
        let cancel_event = Arc::new(Event::new());
        let task = weft::spawn(cancellable_task(cancel_event.clone()));
        weft::time::sleep(Duration::from_millis(50)).await.unwrap();
        cancel_event.set();
        match task.await {
            Ok(Ok(_)) => println!("graceful: task returned Ok"),
            other => println!("graceful: unexpected {other:?}"),
        }

        // Cancel it instead: the except-CancelledError path.
        let task = weft::spawn(cancellable_task(Arc::new(Event::new())));
        weft::time::sleep(Duration::from_millis(30)).await.unwrap();
        task.cancel(Some("shutting down"));
        match task.await {
            Err(e) if e.is_cancelled() => {
                let msg = e.as_cancelled().and_then(|c| c.message()).unwrap_or("");
                println!("cancelled: task ended cancelled ({msg})");
            }
            other => println!("cancelled: unexpected {other:?}"),
        }
    });
}
