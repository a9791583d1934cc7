//! asyncio's plain `for f in as_completed(aws)`: one placeholder per task, handed out at
//! once, each resolving to the *next* completion, whatever placeholder it is.
//!
//! The placeholders share the stream. A placeholder that starts waiting joins a line
//! (asyncio: the getters of `as_completed`'s queue); only the one at the front polls the
//! stream, and when it has its item it leaves the line and wakes the next. So the first
//! placeholder *awaited* gets the first completion, and two awaited concurrently get one
//! each.
//!
//! ```text
//!   line: [p1, p0]        p1 awaited first: it polls the stream, p0 sleeps
//!   'a' finishes   ──▶    p1 gets 'a', leaves, wakes p0
//!   line: [p0]            p0 polls the stream
//!   'b' finishes   ──▶    p0 gets 'b'
//! ```
//!
//! Waiting is a checkpoint: a placeholder whose task is cancelled while it waits gives
//! `Err(AsCompletedError::Cancelled)` and leaves the line without taking an item (as
//! asyncio's queue getter); so does one dropped while it waits. Either way the completion
//! goes to the next placeholder.

use super::{AsCompleted, AsCompletedError, Finished};
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// What the placeholders share: the stream, and the line of those waiting.
struct Shared<O> {
    stream: AsCompleted<O>,
    /// Waiting placeholders by ticket, in the order they started waiting.
    line: VecDeque<(u64, Waker)>,
    next_ticket: u64,
}

impl<O> Shared<O> {
    /// Takes `ticket` out of the line; if it was at the front, the waker of the new front.
    fn leave(&mut self, ticket: u64) -> Option<Waker> {
        let at = self.line.iter().position(|(t, _)| *t == ticket)?;
        self.line.remove(at);
        if at == 0 { self.line.front().map(|(_, w)| w.clone()) } else { None }
    }
}

/// One of the futures of [`AsCompleted::into_futures`]: it resolves to the next result
/// of the stream when it is its turn; the placeholder awaited first gets the first
/// completion.
#[must_use = "futures do nothing unless awaited"]
pub struct Placeholder<O> {
    shared: Arc<Mutex<Shared<O>>>,
    /// Its place in the line, while it waits.
    ticket: Option<u64>,
    done: bool,
}

impl<O> Unpin for Placeholder<O> {}

impl<O> fmt::Debug for Placeholder<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Placeholder")
            .field("waiting", &self.ticket.is_some())
            .field("done", &self.done)
            .finish()
    }
}

pub(super) fn placeholders<O>(stream: AsCompleted<O>) -> Vec<Placeholder<O>> {
    // One per result the stream has still to give: none once it has ended.
    let n = if stream.ended {
        0
    } else {
        stream.ready.len() + stream.tasks.tasks.iter().filter(|t| t.is_some()).count()
    };
    let shared = Arc::new(Mutex::new(Shared { stream, line: VecDeque::new(), next_ticket: 0 }));
    (0..n).map(|_| Placeholder { shared: shared.clone(), ticket: None, done: false }).collect()
}

impl<O> Placeholder<O> {
    fn finish(&mut self, s: &mut Shared<O>) -> Option<Waker> {
        self.done = true;
        self.ticket.take().and_then(|t| s.leave(t))
    }
}

impl<O> Future for Placeholder<O> {
    type Output = Result<Finished<O>, AsCompletedError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        assert!(!this.done, "a Placeholder polled after it gave its result");
        let shared = this.shared.clone();
        let mut s = shared.lock();
        let ticket = match this.ticket {
            Some(t) => t,
            None => {
                let t = s.next_ticket;
                s.next_ticket += 1;
                s.line.push_back((t, cx.waker().clone()));
                this.ticket = Some(t);
                t
            }
        };
        if let Some((_, w)) = s.line.iter_mut().find(|(t, _)| *t == ticket) {
            if !w.will_wake(cx.waker()) {
                *w = cx.waker().clone();
            }
        }
        let mut out = None;
        if s.line.front().is_some_and(|(t, _)| *t == ticket) {
            match s.stream.poll_item(cx) {
                Poll::Ready(Ok(Some(item))) => out = Some(item),
                // There are as many placeholders as results: the ones after an error get
                // that error (asyncio: every placeholder left raises `TimeoutError`).
                Poll::Ready(Ok(None)) => {
                    let e = s.stream.end_error.clone();
                    out = Some(Err(e.expect(
                        "as_completed ended without an error before every placeholder had a result",
                    )));
                }
                Poll::Ready(Err(c)) => out = Some(Err(AsCompletedError::Cancelled(c))),
                Poll::Pending => {}
            }
        }
        if out.is_none() {
            // Waiting is a checkpoint; a cancelled placeholder takes nothing.
            if let Err(c) = weft_executor::cancel::check() {
                out = Some(Err(AsCompletedError::Cancelled(c)));
            }
        }
        let Some(out) = out else { return Poll::Pending };
        let next = this.finish(&mut s);
        drop(s);
        if let Some(w) = next {
            w.wake();
        }
        Poll::Ready(out)
    }
}

impl<O> Drop for Placeholder<O> {
    fn drop(&mut self) {
        let Some(t) = self.ticket.take() else { return };
        let next = self.shared.lock().leave(t);
        if let Some(w) = next {
            w.wake();
        }
    }
}
