//! # weft
//!
//! asyncio's structured concurrency, native in Rust: a hand-written work-stealing
//! executor over mio, and on it task groups, cancel scopes, shields, deadlines, locks,
//! semaphores, events, conditions, barriers and queues that behave the way asyncio's do.
//!
//! ```
//! use std::time::Duration;
//!
//! let total = weft::run(async {
//!     let tasks: Vec<_> = (0..10u64)
//!         .map(|i| weft::spawn(async move {
//!             weft::time::sleep(Duration::from_millis(10 * i)).await?;
//!             Ok::<_, weft::Cancelled>(i)
//!         }))
//!         .collect();
//!     let mut total = 0;
//!     for t in tasks {
//!         total += t.await.unwrap().unwrap();
//!     }
//!     total
//! });
//! assert_eq!(total, 45);
//! ```
//!
//! # Cancellation is a value
//!
//! Every await point weft provides is a *checkpoint* that returns `Result<_, Cancelled>`.
//! `task.cancel(msg)` delivers one [`Cancelled`] at the checkpoint the task waits in; the
//! task may clean up, awaiting as it does, and then propagate it with `?`, in any error
//! type: weft tells a cancellation from a failure by one rule ([`cancel::outcome`]), so
//! your own error enum needs no `source()` for task groups, timeouts and `retry` to see
//! it. `abort()` is the hard cancel (the future is dropped), as in tokio.
//!
//! ```
//! # weft::run(async {
//! let t = weft::spawn(async {
//!     let r = weft::time::sleep(std::time::Duration::from_secs(60)).await;
//!     weft::yield_now().await.ok(); // cleanup may await: the request was delivered once
//!     r
//! });
//! weft::yield_now().await?;
//! t.cancel(Some("shutting down"));
//! assert!(t.await.unwrap_err().is_cancelled());
//! # Ok::<_, weft::Cancelled>(()) }).unwrap();
//! ```
//!
//! # A map of weft
//!
//! | module or item | what it is for | asyncio |
//! |---|---|---|
//! | [`run`], [`Runtime`], [`runtime`] | start a runtime: multi-thread (work-stealing) or current-thread (asyncio's exact order) | `asyncio.run`, event loops |
//! | [`spawn`], [`Task`], [`TaskRef`], [`current_task`] | tasks, their handles and identity | `create_task`, `Task` |
//! | [`cancel`] | checkpoints, [`Cancelled`], the rule that tells a cancellation from a failure, cancel scopes' engine | `CancelledError`, `Task.cancel` |
//! | [`time`] | `sleep`, `interval`, deadlines, a callback timer | `asyncio.sleep`, `loop.call_at` |
//! | [`group`] | [`TaskGroup`]: children joined together, the first failure cancels the rest | `TaskGroup` |
//! | [`timeout`](mod@timeout), [`scope`] | deadlines: asyncio's [`timeout()`], [`wait_for`]; Trio's [`CancelScope`], [`move_on_after`], [`fail_after`] | `asyncio.timeout`, `wait_for` |
//! | [`shield`](mod@shield) | protect work from the caller's cancellation | `asyncio.shield` |
//! | [`gather`](mod@gather), [`wait`](mod@wait), [`await_task`](mod@await_task) | wait for several tasks: all, the first, as they finish (and [`select!`](#waiting-for-the-first-of-several-futures) for futures) | `gather`, `wait`, `as_completed` |
//! | [`lock`], [`semaphore`], [`event`], [`condition`], [`barrier`] | primitives with direct hand-off, cancellation-safe | `asyncio.Lock`, ... |
//! | [`queue`], [`oneshot`] | queues (FIFO, LIFO, priority, with 3.13's shutdown) and a one-shot channel | `asyncio.Queue`, a `Future` |
//! | [`net`], [`io`] | TCP and UDP sockets over the reactor | `open_connection`, `start_server` |
//! | [`blocking`] | the blocking pool | `to_thread`, `run_in_executor` |
//! | [`locals`], [`retry`](mod@retry) | task-locals inherited at spawn; retry with backoff | `contextvars`; tenacity |
//! | `hyper` (feature `hyper`) | hyper 1.x's executor, timer and I/O on weft; a structured HTTP/1 server and a client | aiohttp |
//!
//! Coming from asyncio, `docs/asyncio-mapping.md` in the repository puts every asyncio
//! name beside its weft name, with each deliberate difference; `docs/book/` explains how
//! the executor works, chapter by chapter.
//!
//! ## Tasks and runtimes
//!
//! ```
//! let rt = weft::Runtime::builder().current_thread().build().unwrap();
//! let n = rt.block_on(async { weft::spawn(async { 6 * 7 }).await.unwrap() });
//! assert_eq!(n, 42);
//! ```
//!
//! ## Task groups
//!
//! ```
//! # weft::run(async {
//! let r = weft::task_group(|tg| async move {
//!     let a = tg.spawn(async { Ok::<_, weft::Cancelled>(1) })?;
//!     Ok::<_, weft::GroupSpawnError>(a)
//! }).await;
//! assert_eq!(r.unwrap().take_result().unwrap().unwrap(), 1);
//! # });
//! ```
//!
//! ## Timeouts and scopes
//!
//! ```
//! use std::time::Duration;
//! # weft::run(async {
//! let r = weft::timeout(Duration::from_millis(10), async {
//!     weft::time::sleep(Duration::from_secs(60)).await?;
//!     Ok::<_, weft::Interrupted>(())
//! }).await;
//! assert!(r.unwrap_err().is_timeout());
//! let r = weft::move_on_after(Duration::from_millis(10), weft::time::sleep(Duration::from_secs(60))).await;
//! assert!(r.is_none(), "the scope's deadline cancelled the sleep; we moved on");
//! # });
//! ```
//!
//! ## Primitives
//!
//! ```
//! # weft::run(async {
//! let q = weft::Queue::new(2);
//! q.put("job").await.unwrap();
//! assert_eq!(q.get().await.unwrap(), "job");
//! # });
//! ```
//!
//! ## Sockets
//!
//! ```
//! # weft::run(async {
//! let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! let client = weft::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
//! let (server, _) = listener.accept().await.unwrap();
//! client.write_all(b"ping").await.unwrap();
//! let mut buf = [0; 4];
//! server.read_exact(&mut buf).await.unwrap();
//! assert_eq!(&buf, b"ping");
//! # });
//! ```
//!
//! ## Blocking work
//!
//! ```
//! # weft::run(async {
//! let n = weft::to_thread(|| (1..=100u64).sum::<u64>()).await.unwrap();
//! assert_eq!(n, 5050);
//! # });
//! ```
//!
//! # Waiting for the first of several futures
//!
//! asyncio has `asyncio.wait(tasks, return_when=FIRST_COMPLETED)`; Rust has `select!`.
//! weft has no `select!` of its own: futures-util's `select!` and `select_biased!` work
//! with weft's futures as they are (add `futures-util` with its `async-await-macro`
//! feature; `.fuse()` each future, since `select!` wants a `FusedFuture`). weft's own
//! answer is for tasks: [`wait()`] with [`ReturnWhen::FirstCompleted`].
//!
//! The two differ in what happens to the losers:
//!
//! * **`select!` drops the losing futures.** Every weft await point is safe to drop at
//!   any time: a queue `get` that was already handed an item gives it back, a lock
//!   `acquire` that was handed the lock passes it on, a `sleep` removes its timer. No
//!   cleanup code of the loser runs, since a drop cannot await. A cancellation of the
//!   selecting task is delivered to the first branch `select!` polls, which wins with
//!   its `Err(Cancelled)`.
//! * **A losing task keeps running.** `select!` over `&mut task` drops only the borrow;
//!   [`wait()`] hands back the tasks still pending. Cancel them and await them: each runs
//!   its cleanup (which may await) before its await returns. Use tasks when the losers
//!   need asyncio's cleanup; use `select!` over futures when dropping them is enough.
//!
//! ```
//! use futures_util::{select, FutureExt};
//! use std::time::Duration;
//! # weft::Runtime::builder().current_thread().start_paused(true).build().unwrap().block_on(async {
//! let q = weft::Queue::<&str>::new(0);
//! let r = select! {
//!     job = q.get().fuse() => Some(job),
//!     _ = weft::time::sleep(Duration::from_secs(1)).fuse() => None,
//! };
//! assert!(r.is_none(), "the sleep won; the losing get was dropped");
//! q.put_nowait("late").unwrap();
//! assert_eq!(q.get_nowait(), Ok("late"), "and it took nothing with it");
//!
//! // Tasks: the losers run on until cancelled, and awaiting them waits for their cleanup.
//! let sleeper = |s| weft::spawn(async move {
//!     weft::time::sleep(Duration::from_secs(s)).await?;
//!     Ok::<_, weft::Cancelled>(s)
//! });
//! let (done, pending) = weft::wait(vec![sleeper(1), sleeper(60)], weft::ReturnWhen::FirstCompleted, None)
//!     .await
//!     .unwrap();
//! assert_eq!(done[0].index, 0);
//! for (_, t) in pending {
//!     t.cancel(None);
//!     assert!(t.await.unwrap_err().is_cancelled());
//! }
//! # });
//! ```
//!
//! # Streams and I/O utilities
//!
//! weft implements the ecosystem's traits so that futures-util's combinators apply:
//! `futures_core::Stream` for a queue's items ([`Queue::stream`]), an interval's ticks
//! ([`time::Interval`]), a signal listener ([`signal::Signal`]) and [`as_completed`];
//! `futures_io::AsyncRead`/`AsyncWrite` for the sockets, their halves, a child's pipes
//! and [`fs::File`], so `AsyncReadExt::read_to_string`, `AsyncBufReadExt::lines` and
//! `futures_util::io::copy` work on them. Each stream's `poll_next` is a checkpoint that
//! yields a cancellation as `Some(Err(Cancelled))` and loses nothing to it.
//!
//! ```
//! use futures_util::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
//! use futures_util::{StreamExt, TryStreamExt};
//! # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
//! let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! let mut client = weft::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
//! let (server, _) = listener.accept().await.unwrap();
//! client.write_all(b"one\ntwo\n").await.unwrap();
//! client.close().await.unwrap();
//! let lines: Vec<String> = BufReader::new(server).lines().try_collect().await.unwrap();
//! assert_eq!(lines, ["one", "two"]);
//!
//! let q = weft::Queue::new(0);
//! (1..=3).for_each(|n| q.put_nowait(n).unwrap());
//! q.shutdown(false); // a queue's stream ends when it is shut down and empty
//! let doubled: Vec<i32> = q.stream().map(|n| n.unwrap() * 2).collect().await;
//! assert_eq!(doubled, [2, 4, 6]);
//! # });
//! ```
//!
//! # tracing
//!
//! With the `tracing` feature, every task has a span (`task`, target `weft::task`: its
//! `task.id`, `task.name`, `task.group` for a task group's child, and `spawned.at`, the
//! spawn call's location), made at its first poll as a child of the span current at the
//! spawn, and entered on each poll. Events (target `weft::cancel`, DEBUG) mark a
//! cancellation *requested*, *delivered* (inside the task's span), *swallowed* (the task
//! returned a value while a delivered request was never undone) and *undone*
//! (`uncancel`); a task group's child failure is an INFO event (target `weft::group`,
//! with `group.id` and the error). Without the feature none of this is compiled.
//!
//! # The crates behind the facade
//!
//! `use weft::...` reaches everything. The work happens in three crates: `weft-executor`
//! (tasks, schedulers, reactor, timers, blocking pool, cancellation core),
//! `weft-primitives` and `weft-structured`; this crate only re-exports them.

#![warn(missing_docs)]

pub use weft_executor::*;
pub use weft_macros::{main, test};
pub use weft_primitives::*;
pub use weft_structured::*;

#[cfg(feature = "hyper")]
pub mod hyper;

/// Support for `#[weft::test]`; not part of the API.
#[doc(hidden)]
pub mod __private {
    use std::future::Future;
    use std::pin::pin;
    use std::sync::{Arc, Condvar, Mutex};
    use std::task::{Poll, Waker};
    use std::time::Duration;

    /// Watchdog state shared with the timer thread: the test's waker, and whether time
    /// is up (`Some(true)`) or the test ended (`Some(false)`).
    type Shared = Arc<(Mutex<(Option<Waker>, Option<bool>)>, Condvar)>;

    /// Runs `fut`; if it takes longer than `limit` of wall-clock time (a paused test clock
    /// does not count), panics naming the tasks still alive.
    pub async fn with_test_timeout<F: Future>(limit: Duration, fut: F) -> F::Output {
        let shared: Shared = Arc::new((Mutex::new((None, None)), Condvar::new()));
        let watchdog = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("weft-test-watchdog".into())
                .spawn(move || {
                    let (lock, cv) = &*shared;
                    let mut s = lock.lock().unwrap_or_else(|e| e.into_inner());
                    let start = std::time::Instant::now();
                    while s.1.is_none() {
                        let left = limit.saturating_sub(start.elapsed());
                        if left.is_zero() {
                            s.1 = Some(true);
                            if let Some(w) = s.0.take() {
                                w.wake();
                            }
                            break;
                        }
                        s = cv.wait_timeout(s, left).unwrap_or_else(|e| e.into_inner()).0;
                    }
                })
                .expect("weft: could not start the test's watchdog thread")
        };
        struct Stop(Shared, Option<std::thread::JoinHandle<()>>);
        impl Drop for Stop {
            fn drop(&mut self) {
                let (lock, cv) = &*self.0;
                lock.lock().unwrap_or_else(|e| e.into_inner()).1.get_or_insert(false);
                cv.notify_all();
                if let Some(t) = self.1.take() {
                    let _ = t.join();
                }
            }
        }
        let _stop = Stop(shared.clone(), Some(watchdog));
        let mut fut = pin!(fut);
        std::future::poll_fn(|cx| {
            if let Poll::Ready(v) = fut.as_mut().poll(cx) {
                return Poll::Ready(v);
            }
            let mut s = shared.0.lock().unwrap_or_else(|e| e.into_inner());
            if s.1 == Some(true) {
                drop(s);
                let alive: Vec<String> = crate::all_tasks()
                    .iter()
                    .filter(|t| !t.is_finished())
                    .map(|t| match t.name() {
                        Some(n) => format!("#{} {n:?}", t.id()),
                        None => format!("#{}", t.id()),
                    })
                    .collect();
                panic!("weft::test timed out after {limit:?}; tasks still alive: [{}]", alive.join(", "));
            }
            s.0 = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }
}

/// Sockets and asyncio's streams: everything of the executor's `net`, and the servers of
/// the structured layer ([`start_server`](net::start_server), [`Server`](net::Server)),
/// whose handlers are a task group.
pub mod net {
    pub use weft_executor::net::*;
    #[cfg(unix)]
    pub use weft_structured::server::{Server, start_server, start_unix_server};
}

/// The README's examples, compiled and run as doc tests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The book and ARCHITECTURE.md, compiled and run as doc tests: their ```` ```rust ````
/// blocks are programs. What they quote from weft's sources is ```` ```rust,ignore ````,
/// and `tests/book_excerpts.rs` checks each quote against the item it names.
#[cfg(doctest)]
pub mod book {
    #[doc = include_str!("../docs/book/README.md")]
    pub struct Contents;
    #[doc = include_str!("../docs/book/00-from-nothing.md")]
    pub struct FromNothing;
    #[doc = include_str!("../docs/book/01-the-task-cell.md")]
    pub struct TheTaskCell;
    #[doc = include_str!("../docs/book/02-the-scheduler.md")]
    pub struct TheScheduler;
    #[doc = include_str!("../docs/book/03-primitives.md")]
    pub struct Primitives;
    #[doc = include_str!("../docs/book/04-cancellation.md")]
    pub struct Cancellation;
    #[doc = include_str!("../docs/book/05-timers-and-the-driver.md")]
    pub struct TimersAndTheDriver;
    #[doc = include_str!("../docs/book/06-the-reactor.md")]
    pub struct TheReactor;
    #[doc = include_str!("../docs/book/07-the-structured-layer.md")]
    pub struct TheStructuredLayer;
    #[doc = include_str!("../docs/book/08-porting-asyncio.md")]
    pub struct PortingAsyncio;
    #[doc = include_str!("../docs/book/09-observability.md")]
    pub struct Observability;
    #[doc = include_str!("../docs/ARCHITECTURE.md")]
    pub struct Architecture;
}
