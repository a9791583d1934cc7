//! # weft
//!
//! asyncio's structured concurrency, native in Rust: a hand-written work-stealing
//! executor over mio, and on it task groups, cancel scopes, shields, deadlines, locks,
//! semaphores, events, conditions, barriers and queues that behave the way asyncio's do.
//!
//! This crate is the facade: `use weft::...` reaches everything. The work happens in
//! three crates: `weft-executor` (tasks, schedulers, reactor, timers, blocking pool,
//! cancellation core), `weft-primitives` and `weft-structured`.
//!
//! ```
//! use std::time::Duration;
//!
//! let total = weft::run(async {
//!     let mut tasks = Vec::new();
//!     for i in 0..10u64 {
//!         tasks.push(weft::spawn(async move {
//!             weft::time::sleep(Duration::from_millis(10 * i)).await?;
//!             Ok::<_, weft::Cancelled>(i)
//!         }));
//!     }
//!     let mut total = 0;
//!     for t in tasks {
//!         total += t.await.unwrap().unwrap();
//!     }
//!     total
//! });
//! assert_eq!(total, 45);
//! ```
//!
//! Every await point weft provides is a *checkpoint* that returns `Result<_, Cancelled>`:
//! see [`cancel`] for asyncio's cancellation contract in Rust's types.

#![warn(missing_docs)]

pub use weft_executor::*;
pub use weft_primitives::*;
pub use weft_structured::*;

/// The README's examples, compiled and run as doc tests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
