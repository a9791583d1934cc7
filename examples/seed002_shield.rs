//! Seed 002, "Shielding from cancellation": a critical flush (0.2 s) runs as a task; the
//! caller waits for it under a 50 ms `wait_for` around `asyncio.shield(task)`: the wait
//! times out, the flush is not cancelled, and awaiting the task afterwards gives
//! "flushed".
//!
//! **As written, the seed's program fails in CPython**: its `main()` starts the task with
//! `asyncio.create_task(asyncio.shield(critical_flush()))`, and `create_task` wants a
//! coroutine, not the Future that `shield` returns, so it raises `TypeError` before
//! printing anything. The CPython program (tests/seeds/python/seed002_shield.py) prints
//! that error, then runs the one-line fix, `create_task(critical_flush())`.
//!
//! weft prints something else here on purpose, and its expected output is
//! tests/seeds/expected/seed002_shield.weft.txt: [`weft::spawn`] takes any future,
//! a shield's included, so the seed's `main()` runs as written; both versions print the
//! seed's stated lines.
//!
//! weft: [`weft::shield`] runs the future as its own task and waits for it; when the
//! waiter is cancelled (here by [`weft::wait_for`]'s deadline), the error hands back the
//! inner task, still running, and awaiting it later gives its result. A weft future is
//! moved into the shield, so "await task" afterwards awaits the shielded task that
//! waits for it.
//!
//! ```text
//! outer timed out, but shielded task continues
//! final: flushed
//! outer timed out, but shielded task continues
//! final: flushed
//! ```
use std::time::Duration;
use weft::{Cancelled, Interrupted, Task, shield, wait_for};

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn critical_flush() -> Result<&'static str, Cancelled> {
    weft::time::sleep(Duration::from_millis(200)).await?;
    Ok("flushed")
}

/// `await asyncio.wait_for(asyncio.shield(task), timeout=0.05)`, reporting the timeout,
/// then `await task`.
async fn wait_shielded<T: Send + 'static>(task: Task<T>) -> Result<T, Error> {
    let mut still_running = None;
    let r = wait_for(
        async {
            match shield(task).await {
                Ok(joined) => Ok(joined),
                Err(cancelled) => {
                    let (c, inner) = cancelled.into_parts();
                    still_running = inner;
                    Err(Interrupted::Cancelled(c))
                }
            }
        },
        Duration::from_millis(50),
    )
    .await;
    let joined = match r {
        Ok(joined) => joined,
        Err(Interrupted::TimedOut(_)) => {
            println!("outer timed out, but shielded task continues");
            still_running.expect("the shielded task runs on").await?
        }
        Err(Interrupted::Cancelled(c)) => return Err(c.into()),
    };
    Ok(joined?)
}

/// The seed's `main()`, as written.
async fn main_seed() -> Result<(), Error> {
    let task = weft::spawn(shield(critical_flush()));
    let flushed = wait_shielded(task).await??;
    println!("final: {}", flushed?);
    Ok(())
}

/// The seed's `main()` with `create_task(critical_flush())`.
async fn main_fixed() -> Result<(), Error> {
    let task = weft::spawn(critical_flush());
    println!("final: {}", wait_shielded(task).await??);
    Ok(())
}

fn main() {
    weft::run(main_seed()).unwrap();
    weft::run(main_fixed()).unwrap();
}
