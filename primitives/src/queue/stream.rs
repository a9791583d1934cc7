//! [`QueueStream`]: a queue's getter as a `futures_core::Stream`.
//!
//! It is a [`Get`] that is polled again after each item: the same waiter slot, the same
//! hand-off, the same give-back. A `Get` that has returned starts afresh on its next
//! poll, so the stream needs no state of its own beyond "the queue was shut down".

use super::Queue;
use super::error::GetError;
use super::futures::Get;
use super::order::Order;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use weft_executor::Cancelled;

/// The items of a [`Queue`] as a [`futures_core::Stream`]: made by [`Queue::stream`].
///
/// Each `poll_next` is a checkpoint, as [`Queue::get`] is: a cancellation is yielded as
/// `Some(Err(Cancelled))` (propagate it with `?`). The stream ends (`None`) when the
/// queue has been shut down and holds no more items.
///
/// Nothing is lost to a drop or a cancellation: an item handed to the stream while it
/// waited, and not yet yielded, goes back to the queue for the next getter, exactly as
/// for a dropped or cancelled `get` (`state.rs`).
///
/// ```
/// use futures_util::StreamExt; // or `std::future::poll_fn` and `poll_next`
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let q = weft::Queue::new(0);
/// for n in 1..=3 {
///     q.put_nowait(n).unwrap();
/// }
/// q.shutdown(false); // the stream ends once the queue is empty
/// let got: Vec<i32> = q.stream().map(|r| r.unwrap()).collect().await;
/// assert_eq!(got, [1, 2, 3]);
/// # });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct QueueStream<'a, T, O: Order<T>> {
    get: Get<'a, T, O>,
    ended: bool,
}

impl<T, O: Order<T>> Queue<T, O> {
    /// The queue's items as a [`futures_core::Stream`] of `Result<T, Cancelled>`; see
    /// [`QueueStream`]. Several streams (and getters) may take from one queue: each item
    /// goes to one of them, in the order they came to wait.
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let q = weft::Queue::new(0);
    /// q.put_nowait("job").unwrap();
    /// let mut jobs = q.stream();
    /// assert_eq!(jobs.next().await.unwrap()?, "job");
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub fn stream(&self) -> QueueStream<'_, T, O> {
        QueueStream { get: self.get(), ended: false }
    }
}

impl<T, O: Order<T>> futures_core::Stream for QueueStream<'_, T, O> {
    type Item = Result<T, Cancelled>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        match ready!(Pin::new(&mut self.get).poll(cx)) {
            Ok(item) => Poll::Ready(Some(Ok(item))),
            Err(GetError::Cancelled(c)) => Poll::Ready(Some(Err(c))),
            Err(GetError::ShutDown) => {
                self.ended = true;
                Poll::Ready(None)
            }
        }
    }
}

impl<T, O: Order<T>> futures_core::FusedStream for QueueStream<'_, T, O> {
    fn is_terminated(&self) -> bool {
        self.ended
    }
}

impl<T, O: Order<T>> fmt::Debug for QueueStream<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueStream").field("ended", &self.ended).finish_non_exhaustive()
    }
}
