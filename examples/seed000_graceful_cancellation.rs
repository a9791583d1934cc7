//! Seed 000, "Graceful Cancellation": a worker loops `while not should_cancel.is_set()`,
//! sleeping and doing work; `main` sets the event and awaits the task. If the task is
//! cancelled instead, `except CancelledError:` awaits `cleanup()` and re-raises.
//!
//! weft: the event is a [`weft::Event`]; every sleep is a checkpoint that returns
//! `Err(Cancelled)` when the task is cancelled, and the handler may await (the cleanup
//! sleeps) before it returns the cancellation, the port of `raise`; awaiting a task that
//! ended so gives a cancelled `JoinError`. Completed as
//! tests/seeds/python/seed000_graceful_cancellation.py is: the seed's `main` runs as
//! written (it sets the event right after creating the task, so the worker does no
//! work at all); two added drivers wait for the worker's second round (an event the
//! work sets) and then set the event (the round under way finishes, then the loop ends)
//! or cancel the task (cleanup, then it ends cancelled). A round sleeps 0.1 s. Each run
//! is on a current-thread runtime, as each `asyncio.run` is on a loop of its own: after
//! the work sets the progress event, the worker goes on to its next sleep before `main`
//! runs, as on asyncio's loop.
//!
//! ```text
//! seed main: task finished after 0 rounds of work
//! work round 1
//! work round 2
//! event set
//! work round 3
//! set later: task finished gracefully after 3 rounds of work
//! work round 1
//! work round 2
//! cleaning up
//! cleanup done
//! task ended cancelled
//! cancelled: after 2 rounds of work
//! ```
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use weft::{Cancelled, Event};

static ROUNDS: AtomicU32 = AtomicU32::new(0);
static PROGRESS: Mutex<Option<Arc<Event>>> = Mutex::new(None);

async fn do_work() -> Result<(), Cancelled> {
    let rounds = ROUNDS.fetch_add(1, Ordering::SeqCst) + 1;
    println!("work round {rounds}");
    if rounds == 2 {
        if let Some(progress) = &*PROGRESS.lock().unwrap() {
            progress.set();
        }
    }
    Ok(())
}

async fn cleanup() -> Result<(), Cancelled> {
    println!("cleaning up");
    weft::time::sleep(Duration::from_millis(10)).await?;
    println!("cleanup done");
    Ok(())
}

/// Task that can be gracefully cancelled.
async fn cancellable_task(should_cancel: Arc<Event>) -> Result<(), Cancelled> {
    let work = async {
        while !should_cancel.is_set() {
            weft::time::sleep(Duration::from_millis(100)).await?;
            // Do work
            do_work().await?;
        }
        Ok(())
    };
    match work.await {
        Err(cancelled) => {
            // Cleanup before cancellation
            cleanup().await?;
            Err(cancelled)
        }
        ok => ok,
    }
}

async fn main_seed() {
    let cancel_event = Arc::new(Event::new());
    let task = weft::spawn(cancellable_task(cancel_event.clone()));

    // Later: signal cancellation gracefully
    cancel_event.set();
    task.await.unwrap().unwrap();
}

fn progress() -> Arc<Event> {
    let progress = Arc::new(Event::new());
    *PROGRESS.lock().unwrap() = Some(progress.clone());
    progress
}

async fn main_set_later() -> Result<(), Cancelled> {
    let progress = progress();
    let cancel_event = Arc::new(Event::new());
    let task = weft::spawn(cancellable_task(cancel_event.clone()));
    progress.wait().await?;
    cancel_event.set();
    println!("event set");
    task.await.unwrap()
}

async fn main_cancel() -> Result<(), Cancelled> {
    let progress = progress();
    let cancel_event = Arc::new(Event::new());
    let task = weft::spawn(cancellable_task(cancel_event));
    progress.wait().await?;
    task.cancel(None);
    if let Err(e) = task.await {
        if e.is_cancelled() {
            println!("task ended cancelled");
        }
    }
    Ok(())
}

/// `asyncio.run`: a fresh loop for each call.
fn run<F: std::future::Future>(main: F) -> F::Output {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main).unwrap()
}

fn main() {
    run(main_seed());
    println!("seed main: task finished after {} rounds of work", ROUNDS.load(Ordering::SeqCst));
    ROUNDS.store(0, Ordering::SeqCst);
    run(main_set_later()).unwrap();
    println!("set later: task finished gracefully after {} rounds of work", ROUNDS.load(Ordering::SeqCst));
    ROUNDS.store(0, Ordering::SeqCst);
    run(main_cancel()).unwrap();
    println!("cancelled: after {} rounds of work", ROUNDS.load(Ordering::SeqCst));
}
