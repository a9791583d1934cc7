//! weft's synchronisation primitives: asyncio's [`Lock`], [`Semaphore`],
//! [`BoundedSemaphore`], [`Event`], [`Condition`], [`Barrier`], [`Queue`] (FIFO, LIFO and
//! priority, with 3.13's `shutdown`), and a [`oneshot`] channel.
//!
//! They behave the way asyncio's do (CPython 3.13's `test_locks.py` and `test_queues.py`
//! are ported as this crate's conformance tests), and three things more:
//!
//! - **Thread-safe.** Every type is `Send + Sync`: on the work-stealing runtime the tasks
//!   that share a lock run on different threads.
//! - **Fair, by direct hand-off.** A release gives the lock (permit, item, notification)
//!   to the first waiter *inside the release*, so waiters are served in arrival order and
//!   nobody can overtake them between the wake-up and the moment they run.
//! - **Cancellation-safe.** Every wait is a checkpoint: it returns `Err(Cancelled)` when
//!   the task is cancelled (`task.cancel()`, a cancel scope, a deadline). A waiter
//!   cancelled (or dropped by `abort()`) *after* it was handed something passes it on:
//!   nothing is lost, nothing is handed twice. A put that fails gives its item back.
//!
//! All of them are built on one data structure, the waiter list (`src/waitlist.rs`, read
//! it first): a FIFO of waiter slots, each `Waiting` or `Notified(value)`, under the
//! primitive's mutex. The lock family shares one state machine (`src/permits.rs`);
//! `Condition` adds a list of notifications to a `Lock`; `Barrier` is CPython's algorithm
//! over `Condition`; the queue has its own state machine (`src/queue/state.rs`).
//!
//! ```
//! use std::sync::Arc;
//! use weft::{Lock, Queue};
//! # weft::Runtime::builder().multi_thread().worker_threads(2).build().unwrap().block_on(async {
//! let lock = Arc::new(Lock::new());
//! let results = Arc::new(Queue::new(0));
//! let mut tasks = Vec::new();
//! for i in 0..4 {
//!     let (lock, results) = (lock.clone(), results.clone());
//!     tasks.push(weft::spawn(async move {
//!         let _guard = lock.acquire().await?;
//!         results.put(i).await.map_err(|e| e.to_string()).unwrap();
//!         Ok::<_, weft::Cancelled>(())
//!     }));
//! }
//! for t in tasks {
//!     t.await.unwrap()?;
//! }
//! assert_eq!(results.qsize(), 4);
//! # Ok::<(), weft::Cancelled>(()) }).unwrap();
//! ```

#![warn(missing_docs, clippy::undocumented_unsafe_blocks)]
#![forbid(unsafe_code)]

pub mod barrier;
pub mod condition;
mod error;
pub mod event;
pub mod lock;
pub mod oneshot;
pub mod permits;
pub mod queue;
pub mod semaphore;
mod sync;
pub mod waitlist;

pub use barrier::{Barrier, BarrierError, BarrierState, InvalidParties};
pub use condition::{Condition, ConditionGuard};
pub use error::{ConditionError, NotLocked, ReleasedTooManyTimes};
pub use event::Event;
pub use lock::{Lock, LockGuard, OwnedLockGuard};
pub use queue::{
    GetError, LifoQueue, PriorityQueue, PutError, Queue, QueueStream, TaskDoneError, TryGetError, TryPutError,
};
pub use semaphore::{BoundedSemaphore, OwnedSemaphorePermit, Semaphore, SemaphorePermit};

/// Every primitive, guard and future crosses threads: checked at compile time.
#[allow(dead_code)]
fn _ensure_send_and_sync() {
    fn both<T: Send + Sync>() {}
    fn send<T: Send>() {}
    both::<Lock>();
    both::<LockGuard<'static>>();
    both::<OwnedLockGuard>();
    both::<Semaphore>();
    both::<BoundedSemaphore>();
    both::<OwnedSemaphorePermit<BoundedSemaphore>>();
    both::<Event>();
    both::<Condition>();
    both::<ConditionGuard<'static>>();
    both::<Barrier>();
    both::<Queue<String>>();
    both::<LifoQueue<String>>();
    both::<PriorityQueue<String>>();
    both::<oneshot::Sender<String>>();
    both::<oneshot::Receiver<String>>();
    send::<permits::Acquire<'static, Lock>>();
    send::<permits::AcquireOwned<Semaphore>>();
    send::<event::Wait<'static>>();
    send::<condition::Wait<'static>>();
    send::<queue::Get<'static, String, queue::Fifo>>();
    send::<queue::Put<'static, String, queue::Priority>>();
    send::<queue::Join<'static, String, queue::Lifo>>();
}
