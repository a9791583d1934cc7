//! The queue's three waiting futures. Each polls the same way: a checkpoint, then either
//! the fast path (first poll) or its slot in a waiter list; when it gives up (an
//! `Err(Cancelled)` or a drop), whatever its slot was handed goes back to the queue's
//! state machine (`state.rs`) to be passed on.
//!
//! **The cooperative budget.** A get or put that completes spends one unit of its task's
//! budget (`weft_executor::coop`), and one that would complete with no budget left yields
//! instead, so that a loop over a queue that never empties or never fills still lets
//! other tasks run. A get or put that waits spends nothing and never yields: it returns
//! `Pending` from its place in the waiter list, as it would with budget left. This
//! matters for a producer and a consumer on one worker: each fills or drains the queue
//! in one poll and then waits for the other, so the two hand the worker back and forth
//! through their waiter lists. Had the budget run out on the put that finds the queue
//! full, the producer would yield (off the putters' list) rather than wait, the consumer
//! would do the same on the empty queue a moment later, and the worker, holding two
//! yielded tasks, would wake another worker to share them, which splits the pair over
//! two cores for nothing.

use super::Queue;
use super::error::{GetError, PutError, TryGetError, TryPutError};
use super::order::Order;
use super::state::Handed;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use weft_executor::{cancel, coop};

/// Future of [`Queue::get`].
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let q = weft::Queue::new(0);
/// q.put_nowait(1).unwrap();
/// let get: weft::queue::Get<'_, i32, _> = q.get();
/// assert_eq!(get.await, Ok(1));
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Get<'a, T, O: Order<T>> {
    queue: &'a Queue<T, O>,
    key: Option<usize>,
}

impl<'a, T, O: Order<T>> Get<'a, T, O> {
    pub(super) fn new(queue: &'a Queue<T, O>) -> Self {
        Get { queue, key: None }
    }

    fn abandon(&mut self) {
        let Some(k) = self.key.take() else { return };
        self.queue.update(|st, wakers| {
            let handed = st.getters.remove(k);
            st.getter_gave_back(handed, wakers);
        });
    }
}

impl<T, O: Order<T>> Future for Get<'_, T, O> {
    type Output = Result<T, GetError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Err(c) = cancel::check() {
            this.abandon();
            return Poll::Ready(Err(GetError::Cancelled(c)));
        }
        // The budget (see the module docs): a get that would wait spends none.
        let spent = !coop::has_budget_remaining();
        if spent && this.key.is_some() {
            return yield_now(cx);
        }
        let (key, mut yields) = (&mut this.key, false);
        let polled = this.queue.update(|st, wakers| match *key {
            None if spent && st.get_completes() => {
                yields = true;
                Poll::Pending
            }
            None => match st.try_get(wakers) {
                Ok(item) => Poll::Ready(Ok(item)),
                Err(TryGetError::ShutDown) => Poll::Ready(Err(GetError::ShutDown)),
                Err(TryGetError::Empty) => {
                    *key = Some(st.getters.push(cx.waker()));
                    weft_executor::observe::waiting_on("queue get", weft_executor::observe::WaitDetail::None);
                    Poll::Pending
                }
            },
            Some(k) => match st.getters.poll(k, cx.waker()) {
                None => {
                    weft_executor::observe::waiting_on("queue get", weft_executor::observe::WaitDetail::None);
                    Poll::Pending
                }
                Some(handed) => {
                    *key = None;
                    match handed {
                        Handed::Item(item) => {
                            st.getter_collected(wakers);
                            Poll::Ready(Ok(item))
                        }
                        Handed::Claim => Poll::Ready(Ok(st.getter_claimed(wakers))),
                        Handed::ShutDown => Poll::Ready(Err(GetError::ShutDown)),
                    }
                }
            },
        });
        spend_or_yield(cx, polled, yields)
    }
}

impl<T, O: Order<T>> Drop for Get<'_, T, O> {
    fn drop(&mut self) {
        self.abandon();
    }
}

/// Future of [`Queue::put`]. The item stays in this future until the queue takes it, so a
/// put that fails gives it back.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let q = weft::Queue::new(1);
/// let put: weft::queue::Put<'_, &str, _> = q.put("a");
/// put.await.unwrap();
/// assert_eq!(q.qsize(), 1);
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Put<'a, T, O: Order<T>> {
    queue: &'a Queue<T, O>,
    key: Option<usize>,
    item: Option<T>,
}

// The item is never pinned: it is only moved in and out by value.
impl<T, O: Order<T>> Unpin for Put<'_, T, O> {}

impl<'a, T, O: Order<T>> Put<'a, T, O> {
    pub(super) fn new(queue: &'a Queue<T, O>, item: T) -> Self {
        Put { queue, key: None, item: Some(item) }
    }

    fn abandon(&mut self) {
        let Some(k) = self.key.take() else { return };
        self.queue.update(|st, wakers| {
            let handed = st.putters.remove(k);
            st.putter_gave_back(handed, wakers);
        });
    }
}

impl<T, O: Order<T>> Future for Put<'_, T, O> {
    type Output = Result<(), PutError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let item = this.item.take().expect("Put polled after it completed");
        if let Err(c) = cancel::check() {
            this.abandon();
            return Poll::Ready(Err(PutError::Cancelled(c, item)));
        }
        // The budget (see the module docs): a put that would wait spends none.
        let spent = !coop::has_budget_remaining();
        if spent && this.key.is_some() {
            this.item = Some(item);
            return yield_now(cx);
        }
        let (key, slot, mut yields) = (&mut this.key, &mut this.item, false);
        let polled = this.queue.update(|st, wakers| match *key {
            None if spent && st.put_completes() => {
                *slot = Some(item);
                yields = true;
                Poll::Pending
            }
            None => match st.try_put(item, wakers) {
                Ok(()) => Poll::Ready(Ok(())),
                Err(TryPutError::ShutDown(item)) => Poll::Ready(Err(PutError::ShutDown(item))),
                Err(TryPutError::Full(item)) => {
                    *slot = Some(item);
                    *key = Some(st.putters.push(cx.waker()));
                    weft_executor::observe::waiting_on("queue put", weft_executor::observe::WaitDetail::None);
                    Poll::Pending
                }
            },
            Some(k) => match st.putters.poll(k, cx.waker()) {
                None => {
                    *slot = Some(item);
                    weft_executor::observe::waiting_on("queue put", weft_executor::observe::WaitDetail::None);
                    Poll::Pending
                }
                Some(reserved) => {
                    *key = None;
                    if reserved {
                        st.putter_collected(item, wakers);
                        Poll::Ready(Ok(()))
                    } else {
                        Poll::Ready(Err(PutError::ShutDown(item)))
                    }
                }
            },
        });
        spend_or_yield(cx, polled, yields)
    }
}

impl<T, O: Order<T>> Drop for Put<'_, T, O> {
    fn drop(&mut self) {
        self.abandon();
    }
}

/// Future of [`Queue::join`].
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let q = weft::Queue::<u8>::new(0);
/// let join: weft::queue::Join<'_, u8, _> = q.join();
/// join.await?; // nothing unfinished
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Join<'a, T, O: Order<T>> {
    queue: &'a Queue<T, O>,
    key: Option<usize>,
}

impl<'a, T, O: Order<T>> Join<'a, T, O> {
    pub(super) fn new(queue: &'a Queue<T, O>) -> Self {
        Join { queue, key: None }
    }

    fn abandon(&mut self) {
        if let Some(k) = self.key.take() {
            // A notification needs no passing on: every joiner is woken.
            self.queue.update(|st, _| {
                let _ = st.joiners.remove(k);
            });
        }
    }
}

impl<T, O: Order<T>> Future for Join<'_, T, O> {
    type Output = Result<(), weft_executor::Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Err(c) = cancel::check() {
            this.abandon();
            return Poll::Ready(Err(c));
        }
        ready!(coop::poll_proceed(cx));
        let key = &mut this.key;
        this.queue.update(|st, _| match *key {
            None if st.unfinished == 0 => Poll::Ready(Ok(())),
            None => {
                *key = Some(st.joiners.push(cx.waker()));
                weft_executor::observe::waiting_on("queue join", weft_executor::observe::WaitDetail::None);
                Poll::Pending
            }
            Some(k) => match st.joiners.poll(k, cx.waker()) {
                Some(()) => {
                    *key = None;
                    Poll::Ready(Ok(()))
                }
                None => {
                    weft_executor::observe::waiting_on(
                        "queue join",
                        weft_executor::observe::WaitDetail::None,
                    );
                    Poll::Pending
                }
            },
        })
    }
}

impl<T, O: Order<T>> Drop for Join<'_, T, O> {
    fn drop(&mut self) {
        self.abandon();
    }
}

macro_rules! debug_future {
    ($($name:ident),*) => {$(
        impl<T, O: Order<T>> fmt::Debug for $name<'_, T, O> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).field("waiting", &self.key.is_some()).finish()
            }
        }
    )*};
}
debug_future!(Get, Put, Join);

/// The end of a get's or put's poll, for the cooperative budget: an operation that
/// completed spends a unit; one that found no budget left and would have completed did
/// nothing and `yields`; one that waits (it is in a waiter list now) spends nothing and
/// does not yield.
fn spend_or_yield<R>(cx: &mut Context<'_>, polled: Poll<R>, yields: bool) -> Poll<R> {
    match polled {
        Poll::Ready(r) => {
            let _ = coop::poll_proceed(cx); // budget was left: this spends one unit
            Poll::Ready(r)
        }
        Poll::Pending if yields => yield_now(cx),
        Poll::Pending => Poll::Pending,
    }
}

/// A yield for want of budget: the task is woken at once and runs again after the tasks
/// queued before it.
fn yield_now<R>(cx: &mut Context<'_>) -> Poll<R> {
    cx.waker().wake_by_ref();
    Poll::Pending
}
