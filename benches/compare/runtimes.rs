//! The two sides of every comparison, behind one small trait.
//!
//! Each workload is written once, as a function generic over [`Rt`], and run twice:
//! as `workload::<Weft>` and `workload::<Tokio>`. Both sides therefore execute the very
//! same code; only the runtime calls below differ. Every method is a direct forward to
//! the runtime's own API (no boxing, no extra task), and is `#[inline]`, so the adapter
//! costs nothing that either side would not pay on its own.
//!
//! Return values that differ between the runtimes (weft's `yield_now` and `sleep` return
//! `Result<(), Cancelled>`, tokio's return `()`) are left opaque: workloads write
//! `let _ = R::yield_now().await;`.

use std::fmt::Debug;
use std::future::Future;
use std::time::Duration;

/// weft's runtime.
pub type Weft = weft::Runtime;
/// tokio's runtime.
pub type Tokio = tokio::runtime::Runtime;

/// Worker threads of every multi-thread runtime, on both sides.
pub const WORKERS: usize = 2;

/// Which scheduler a workload runs on.
#[derive(Clone, Copy, Debug)]
pub enum Flavor {
    /// Everything runs on the thread that calls `block_on`.
    CurrentThread,
    /// [`WORKERS`] work-stealing worker threads; `block_on` runs on the caller's thread.
    MultiThread,
}

/// The runtime API the workloads use, implemented by weft and by tokio.
pub trait Rt: Sized + 'static {
    /// A spawned task's handle: awaiting it joins the task, dropping it detaches the task.
    type Task<T: Send + 'static>: Future<Output = Result<T, Self::JoinError>> + Send + 'static;
    /// Why a join failed (the task panicked or was cancelled).
    type JoinError: Debug;

    /// Builds a runtime of `flavor` with timers enabled, [`WORKERS`] workers if multi-thread.
    fn build(flavor: Flavor) -> Self;
    /// Runs `future` to completion on the calling thread (never call it inside a runtime).
    fn block_on<F: Future>(&self, future: F) -> F::Output;
    /// Spawns from outside the runtime (tokio's `rt.spawn` / "remote" spawn).
    fn spawn_remote<F>(&self, future: F) -> Self::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    /// Spawns from inside the runtime (tokio's `tokio::spawn` / "local" spawn).
    fn spawn<F>(future: F) -> Self::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    /// Yields to the scheduler once.
    fn yield_now() -> impl Future + Send;
    /// Sleeps for `duration`.
    fn sleep(duration: Duration) -> impl Future + Send;
}

impl Rt for Weft {
    type Task<T: Send + 'static> = weft::Task<T>;
    type JoinError = weft::JoinError;

    fn build(flavor: Flavor) -> Self {
        match flavor {
            Flavor::CurrentThread => weft::Runtime::builder().current_thread().build(),
            Flavor::MultiThread => weft::Runtime::builder().multi_thread().worker_threads(WORKERS).build(),
        }
        .expect("build weft runtime")
    }

    #[inline]
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        weft::Runtime::block_on(self, future)
    }

    #[inline]
    fn spawn_remote<F>(&self, future: F) -> Self::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        weft::Runtime::spawn(self, future)
    }

    #[inline]
    fn spawn<F>(future: F) -> Self::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        weft::spawn(future)
    }

    #[inline]
    fn yield_now() -> impl Future + Send {
        weft::yield_now()
    }

    #[inline]
    fn sleep(duration: Duration) -> impl Future + Send {
        weft::time::sleep(duration)
    }
}

impl Rt for Tokio {
    type Task<T: Send + 'static> = tokio::task::JoinHandle<T>;
    type JoinError = tokio::task::JoinError;

    fn build(flavor: Flavor) -> Self {
        match flavor {
            Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread().enable_all().build(),
            Flavor::MultiThread => {
                tokio::runtime::Builder::new_multi_thread().worker_threads(WORKERS).enable_all().build()
            }
        }
        .expect("build tokio runtime")
    }

    #[inline]
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        tokio::runtime::Runtime::block_on(self, future)
    }

    #[inline]
    fn spawn_remote<F>(&self, future: F) -> Self::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::runtime::Runtime::spawn(self, future)
    }

    #[inline]
    fn spawn<F>(future: F) -> Self::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(future)
    }

    #[inline]
    fn yield_now() -> impl Future + Send {
        tokio::task::yield_now()
    }

    #[inline]
    fn sleep(duration: Duration) -> impl Future + Send {
        tokio::time::sleep(duration)
    }
}
