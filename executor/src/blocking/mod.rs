//! The blocking pool: where async code sends work that would block a worker thread.
//! It is what asyncio calls `to_thread` and tokio calls `spawn_blocking`.
//!
//! # Why an async runtime needs one
//!
//! An executor runs many tasks on a few worker threads, and it can do so only because every
//! task gives its thread back at each `.await`. A call that blocks, like reading a file with
//! `std::fs`, resolving a name with `getaddrinfo`, taking a contended `std::sync::Mutex` or
//! hashing a password for 50 ms, keeps the thread and gives nothing back. Every other task
//! queued on that worker then waits, timers fire late, and if all workers block, the whole
//! runtime stalls. Such work goes to a separate set of threads that are allowed to block:
//! the task sends the closure there and awaits a future of its result, and its worker goes
//! on polling other tasks meanwhile.
//!
//! ```text
//!   async task ── spawn(f) ──▶ [ job channel, FIFO ] ──▶ pool thread runs f()
//!       ▲                                                      │
//!       └──── BlockingJoin resolves ◀── slot filled, waker woken ┘
//! ```
//!
//! # Growth
//!
//! Blocking work is bursty, and its jobs mostly *wait*, so the pool keeps no threads
//! until asked. `BlockingPool::spawn` starts a new thread whenever every existing thread
//! is claimed by an unfinished job and the pool is below `max_threads`. At the cap, jobs
//! queue in FIFO order until a thread is free. The cap keeps a flood of jobs from
//! becoming a flood of threads. The price: jobs that wait on *each other* can deadlock once
//! the cap is reached, as in any bounded pool.
//!
//! # Retirement
//!
//! A thread that has waited `keep_alive` without a job retires, so a burst does not leave
//! hundreds of sleeping threads behind. The subtle part is the race between a thread timing
//! out and a job arriving at that instant: if the pool counted the thread as available,
//! sent it the job, and then the thread left, the job would never run. The pool avoids it
//! by keeping two counters under one lock: live `threads` and `unfinished` jobs. `spawn`
//! sends and counts a job under that lock. A timed-out thread retires only if, under the
//! same lock, `unfinished < threads`, so the threads that remain still cover every job.
//! The docs of `pool.rs` give the full argument.
//!
//! # Panics and shutdown
//!
//! A panic in a closure is caught on the pool thread and reported through the join future as
//! [`BlockingError::Panicked`]; the thread goes on to the next job. Shutdown refuses new jobs
//! ([`BlockingSpawnError::Shutdown`]), lets queued and running jobs finish within a timeout,
//! and resolves jobs that never ran to [`BlockingError::Shutdown`]. A [`BlockingJoin`]
//! never hangs.
//!
//! # Files
//!
//! - `pool.rs`: `BlockingPool` and `BlockingConfig` (crate-internal): channel, threads,
//!   accounting.
//! - `join.rs`: [`BlockingJoin`], the one-shot slot between a pool thread and a task.
//! - `error.rs`: [`BlockingError`] and [`BlockingSpawnError`].
//! - `task.rs`: the runtime's face of the pool: [`spawn_blocking`], [`to_thread`] and
//!   [`BlockingTask`], whose await is a cancellation checkpoint.
//! - `tests.rs`: the pool's behaviour, checked with a small `block_on` (no runtime needed).

mod error;
mod join;
mod pool;
pub(crate) mod task;
#[cfg(test)]
mod tests;

pub use error::{BlockingError, BlockingSpawnError};
pub use join::BlockingJoin;
pub(crate) use pool::{BlockingConfig, BlockingPool};
pub(crate) use task::spawn_on;
pub use task::{BlockingTask, spawn_blocking, to_thread};
