//! A oneshot channel: one value, from one task to another (what an asyncio `Future` is
//! used for when one task answers another).
//!
//! The [`Receiver`] is a checkpoint. A cancelled receive does not lose the value: it
//! returns `Err(RecvError::Cancelled)` and leaves the value in the channel, so awaiting
//! the same receiver again gets it. The state is one small mutex-protected struct shared
//! by the two halves; `send` stores the value and wakes the receiver after unlocking.

use crate::sync::{Arc, Mutex};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use weft_executor::{Cancelled, cancel, coop};

/// Creates a oneshot channel.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = weft::oneshot::channel();
/// weft::spawn(async move { tx.send(42).unwrap() });
/// assert_eq!(rx.await, Ok(42));
/// # });
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Mutex::new(State { value: None, waker: None, sender: true, receiver: true }));
    (Sender { shared: shared.clone() }, Receiver { shared })
}

struct State<T> {
    value: Option<T>,
    waker: Option<Waker>,
    /// The sender has not sent and is alive.
    sender: bool,
    receiver: bool,
}

/// The sending half of a [`channel`].
///
/// ```
/// let (tx, rx) = weft::oneshot::channel::<u8>();
/// drop(rx);
/// assert!(tx.is_closed());
/// assert_eq!(tx.send(1), Err(1));
/// ```
pub struct Sender<T> {
    shared: Arc<Mutex<State<T>>>,
}

/// The receiving half of a [`channel`]: a future of the value (a checkpoint).
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = weft::oneshot::channel::<u8>();
/// drop(tx);
/// assert_eq!(rx.await, Err(weft::oneshot::RecvError::Closed));
/// # });
/// ```
pub struct Receiver<T> {
    shared: Arc<Mutex<State<T>>>,
}

/// Why a receive failed.
///
/// ```
/// let e = weft::oneshot::RecvError::Closed;
/// assert_eq!(e.to_string(), "the sender was dropped without sending");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RecvError {
    /// The task was cancelled; the value, if it comes, stays in the channel.
    Cancelled(Cancelled),
    /// The sender was dropped without sending.
    Closed,
}

/// Why [`Receiver::try_recv`] found nothing.
///
/// ```
/// let (_tx, rx) = weft::oneshot::channel::<u8>();
/// assert_eq!(rx.try_recv(), Err(weft::oneshot::TryRecvError::Empty));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TryRecvError {
    /// Nothing sent yet.
    Empty,
    /// The sender was dropped without sending, or the value was already taken.
    Closed,
}

impl From<Cancelled> for RecvError {
    fn from(c: Cancelled) -> Self {
        RecvError::Cancelled(c)
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Cancelled(c) => write!(f, "receive cancelled: {c}"),
            RecvError::Closed => f.write_str("the sender was dropped without sending"),
        }
    }
}

impl std::error::Error for RecvError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RecvError::Cancelled(c) => Some(c),
            _ => None,
        }
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryRecvError::Empty => "nothing sent yet",
            TryRecvError::Closed => "the channel is closed",
        })
    }
}

impl std::error::Error for TryRecvError {}

impl<T> Sender<T> {
    /// Sends the value; gives it back if the receiver is gone.
    ///
    /// ```
    /// let (tx, rx) = weft::oneshot::channel();
    /// tx.send("hi").unwrap();
    /// assert_eq!(rx.try_recv(), Ok("hi"));
    /// ```
    pub fn send(self, value: T) -> Result<(), T> {
        let waker = {
            let mut st = self.shared.lock();
            if !st.receiver {
                return Err(value);
            }
            st.value = Some(value);
            st.sender = false;
            st.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// Whether the receiver was dropped (a send would fail).
    ///
    /// ```
    /// let (tx, _rx) = weft::oneshot::channel::<u8>();
    /// assert!(!tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        !self.shared.lock().receiver
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut st = self.shared.lock();
            if !st.sender {
                return; // sent
            }
            st.sender = false;
            st.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Receiver<T> {
    /// Takes the value if it was sent, without waiting.
    ///
    /// ```
    /// let (tx, rx) = weft::oneshot::channel();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(weft::oneshot::TryRecvError::Closed));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut st = self.shared.lock();
        match st.value.take() {
            Some(v) => Ok(v),
            None if st.sender => Err(TryRecvError::Empty),
            None => Err(TryRecvError::Closed),
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        cancel::check()?;
        let mut st = self.shared.lock();
        if st.value.is_some() || !st.sender {
            // It ends now: that spends a unit of the budget, or yields if none is left
            // (a receive that waits spends nothing and does not yield; queue/futures.rs).
            if !coop::has_budget_remaining() {
                drop(st);
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            let _ = coop::poll_proceed(cx);
        }
        match st.value.take() {
            Some(v) => Poll::Ready(Ok(v)),
            None if !st.sender => Poll::Ready(Err(RecvError::Closed)),
            None => {
                if !st.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    st.waker = Some(cx.waker().clone());
                }
                weft_executor::observe::waiting_on("oneshot", weft_executor::observe::WaitDetail::None);
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let value = {
            let mut st = self.shared.lock();
            st.receiver = false;
            st.waker = None;
            st.value.take()
        };
        drop(value); // outside the lock: the value's own drop may do anything
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
