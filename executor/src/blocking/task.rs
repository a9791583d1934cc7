//! The runtime's face of the pool: [`spawn_blocking`], [`to_thread`] and
//! [`BlockingTask`], which reports like a [`Task`](crate::Task) does.

use super::{BlockingError, BlockingJoin, BlockingSpawnError};
use crate::cancel::{self, Cancelled};
use crate::context;
use crate::scheduler::Handle;
use crate::task::{JoinError, Panicked};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs a blocking function on the runtime's blocking pool and returns a future of its
/// result: tokio's `spawn_blocking`.
///
/// Awaiting it is a checkpoint: if the awaiting task is cancelled, the await returns
/// `Err(JoinError::Cancelled)` while the function runs on (a thread cannot be interrupted),
/// exactly as `asyncio.to_thread`.
///
/// # Panics
///
/// Outside a weft runtime.
///
/// ```
/// # weft::Runtime::new().unwrap().block_on(async {
/// let sum = weft::spawn_blocking(|| (1..=100u64).sum::<u64>()).await.unwrap();
/// assert_eq!(sum, 5050);
/// # });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> BlockingTask<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let handle = context::handle()
        .expect("weft: spawn_blocking called outside a weft runtime; call it inside block_on or a task, or use Runtime::spawn_blocking");
    spawn_on(&handle, f)
}

/// asyncio's `to_thread`: the same as [`spawn_blocking`].
///
/// ```
/// # weft::Runtime::new().unwrap().block_on(async {
/// let name = weft::to_thread(|| std::thread::current().name().map(String::from)).await.unwrap();
/// assert!(name.unwrap().starts_with("weft-blocking"));
/// # });
/// ```
#[track_caller]
pub fn to_thread<F, R>(f: F) -> BlockingTask<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    spawn_blocking(f)
}

pub(crate) fn spawn_on<F, R>(handle: &Handle, f: F) -> BlockingTask<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    BlockingTask { inner: handle.common().blocking.spawn(f) }
}

/// Future of a blocking function's result; see [`spawn_blocking`]. Dropping it detaches
/// the function, which still runs.
#[must_use = "futures do nothing unless awaited"]
pub struct BlockingTask<R> {
    inner: Result<BlockingJoin<R>, BlockingSpawnError>,
}

impl<R> std::fmt::Debug for BlockingTask<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingTask").finish_non_exhaustive()
    }
}

impl<R> BlockingTask<R> {
    /// Whether the function has finished.
    pub fn is_finished(&self) -> bool {
        match &self.inner {
            Ok(j) => j.is_finished(),
            Err(_) => true,
        }
    }
}

impl<R> Future for BlockingTask<R> {
    type Output = Result<R, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let join = match &mut self.inner {
            Ok(j) => j,
            Err(BlockingSpawnError::Shutdown) => {
                return Poll::Ready(Err(JoinError::Cancelled(Cancelled::shutdown())));
            }
        };
        match Pin::new(join).poll(cx) {
            Poll::Ready(Ok(v)) => Poll::Ready(Ok(v)),
            Poll::Ready(Err(BlockingError::Panicked(m))) => {
                Poll::Ready(Err(JoinError::Panicked(Panicked::new(m))))
            }
            Poll::Ready(Err(BlockingError::Shutdown)) => {
                Poll::Ready(Err(JoinError::Cancelled(Cancelled::shutdown())))
            }
            Poll::Pending => match cancel::check() {
                Err(c) => Poll::Ready(Err(JoinError::Cancelled(c))),
                Ok(()) => {
                    crate::observe::waiting_on("blocking job", crate::observe::WaitDetail::None);
                    Poll::Pending
                }
            },
        }
    }
}
