//! asyncio's done callbacks, for the waiters of this crate: in which order tasks finished,
//! and the turn a callback takes.
//!
//! asyncio does not let a waiter poll the tasks it waits for. Each task calls its *done
//! callbacks* when it finishes, through `call_soon`, so they run in the loop's next turn,
//! in the order the tasks finished; a callback of `gather`, `wait` or `as_completed` then
//! sets the waiter's future, whose wake-up runs one turn later again. Two things follow,
//! and both are visible to a program:
//!
//! * **Completion order.** Of two tasks that finish in the same turn, the one whose step
//!   ran first is reported first (`as_completed` yields it first, `gather` raises its
//!   error), whatever their order in the argument list.
//! * **Two turns.** The waiter resumes two turns after the task that decided it finished:
//!   one for the callback, one for the wake-up. `await task` takes one (the awaiter's
//!   wake-up is the task's own callback).
//!
//! weft's waiters get the same from two small pieces:
//!
//! * [`DoneOrder`] records completions in the order they happen. For tasks the caller
//!   gave (`wait`, `as_completed`), each task's join waker is a [`DoneOrder::waker`]: the
//!   task wakes it when it completes, from inside its own step, and it appends the task's
//!   index and wakes the waiter. For tasks the waiter spawns itself (`gather`), a
//!   [`Mark`] inside the task's future does the same when the future ends (or is dropped
//!   without ending). The waiter takes the indices in order with [`DoneOrder::take`].
//! * [`Hops`] is the callback's turn. The waiter's task is woken at the completion and
//!   runs in the next turn, where asyncio runs the callback; there it decides, and if the
//!   decision is made, it re-queues itself once and returns in the turn after, where
//!   asyncio's waiter resumes.
//!
//! ```text
//!   turn N      task t finishes ──▶ DoneOrder: [.., t]; the waiter is woken
//!   turn N+1    the waiter runs: takes t, decides (asyncio: t's done callback)
//!               decided: Hops re-queues it
//!   turn N+2    the waiter returns          (asyncio: the waiter's wake-up)
//! ```
//!
//! The same holds for a group's exit and `shield`, whose waiters are woken by the last
//! child's end (the group's `_on_task_done`, shield's `_inner_done_callback`); they use
//! [`Hops`] alone.
//!
//! Two differences remain, by construction; telling them apart from the cases above needs
//! the loop's turn number, which the scheduler does not publish:
//!
//! * In turn N+1 the waiter sees every task that finished before its step, including one
//!   that finished earlier in turn N+1 itself, whose callback asyncio would run only in
//!   turn N+2.
//! * `as_completed` owes a turn for every result it had not yet taken when it is polled,
//!   also when its consumer was busy elsewhere for longer (asyncio's queue would hold
//!   that result already, and hand it over at once).
//!
//! A [`DoneOrder`] is also a waker for a timer (its [`Wake`] impl): asyncio's
//! `as_completed` and `wait` deadlines are timer callbacks that end the wait in the turn
//! the timer fires, and completions after that are no longer recorded
//! ([`DoneOrder::close`]).

use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Completions of a set of tasks (numbered `0..n`), in the order they happened; see the
/// [module docs](self).
pub(crate) struct DoneOrder {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
}

struct State {
    /// Indices of finished tasks not yet taken, in completion order.
    order: VecDeque<usize>,
    /// Whether each index was recorded (a join waker may be woken more than once: the
    /// cooperative budget wakes it to make its poll try again).
    recorded: Vec<bool>,
    /// The waiting task's waker, taken by the first wake after it was set.
    waiter: Option<Waker>,
    /// The timer fired (see [`DoneOrder::timed_out`]).
    timed_out: bool,
    /// No more completions are recorded.
    closed: bool,
}

impl DoneOrder {
    /// For `n` tasks, numbered `0..n`.
    pub(crate) fn new(n: usize) -> DoneOrder {
        DoneOrder {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    order: VecDeque::new(),
                    recorded: vec![false; n],
                    waiter: None,
                    timed_out: false,
                    closed: false,
                }),
            }),
        }
    }

    /// The join waker for task `index`: poll the task's handle with it.
    pub(crate) fn waker(&self, index: usize) -> Waker {
        Waker::from(Arc::new(Slot { index, shared: self.shared.clone() }))
    }

    /// A mark to move into task `index`'s future: it records the completion when it is
    /// dropped, that is when the future ends (returns, panics, or is dropped unfinished).
    pub(crate) fn mark(&self, index: usize) -> Mark {
        Mark { index, shared: self.shared.clone() }
    }

    /// A waker that ends the wait when woken: give it to a timer (asyncio's deadline
    /// callback). See [`timed_out`](Self::timed_out).
    pub(crate) fn deadline_waker(&self) -> Waker {
        Waker::from(self.shared.clone())
    }

    /// Registers the waiting task's `waker` (woken at the next completion or deadline) and
    /// moves the completions recorded so far, in order, to the back of `into`.
    pub(crate) fn take(&self, waker: &Waker, into: &mut VecDeque<usize>) {
        let mut s = self.shared.state.lock();
        match &mut s.waiter {
            Some(w) if w.will_wake(waker) => {}
            slot => *slot = Some(waker.clone()),
        }
        into.extend(s.order.drain(..));
    }

    /// Whether the deadline waker was woken.
    pub(crate) fn timed_out(&self) -> bool {
        self.shared.state.lock().timed_out
    }

    /// Records nothing more (asyncio removes its done callbacks).
    pub(crate) fn close(&self) {
        self.shared.state.lock().closed = true;
    }
}

impl Shared {
    fn record(&self, index: usize) {
        let mut s = self.state.lock();
        if s.closed {
            return;
        }
        if !std::mem::replace(&mut s.recorded[index], true) {
            s.order.push_back(index);
        }
        let waiter = s.waiter.take();
        drop(s);
        if let Some(w) = waiter {
            w.wake();
        }
    }
}

/// The deadline callback: ends the wait, in the turn the timer fires.
impl Wake for Shared {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut s = self.state.lock();
        if s.closed {
            return;
        }
        s.timed_out = true;
        s.closed = true;
        let waiter = s.waiter.take();
        drop(s);
        if let Some(w) = waiter {
            w.wake();
        }
    }
}

/// One task's join waker (see [`DoneOrder::waker`]).
struct Slot {
    index: usize,
    shared: Arc<Shared>,
}

impl Wake for Slot {
    fn wake(self: Arc<Self>) {
        self.shared.record(self.index);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.shared.record(self.index);
    }
}

/// Records one task's completion when dropped (see [`DoneOrder::mark`]).
pub(crate) struct Mark {
    index: usize,
    shared: Arc<Shared>,
}

impl Drop for Mark {
    fn drop(&mut self) {
        self.shared.record(self.index);
    }
}

/// The turns a waiter still owes asyncio before it returns a decided result: one for a
/// completion it was woken for (the callback's turn was the one it runs in), two for a
/// completion it found when it started waiting (asyncio schedules the callback then).
/// See the [module docs](self).
#[derive(Debug, Default)]
pub(crate) struct Hops {
    /// Turns still to wait.
    left: u8,
    /// A result is decided and waits for its turn.
    active: bool,
}

impl Hops {
    /// The result is decided: return it after `n` more turns (0: at once).
    pub(crate) fn owe(&mut self, n: u8) {
        self.left = n;
        self.active = true;
    }

    /// Whether a decided result waits for its turn: poll again until `Ready`.
    pub(crate) fn owing(&self) -> bool {
        self.active
    }

    /// Ready once every owed turn has passed: each call while one is left re-queues the
    /// task (behind every task ready now) and returns `Pending`. Not a checkpoint: the
    /// result is decided, as asyncio's future is already done.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.left == 0 {
            self.active = false;
            return Poll::Ready(());
        }
        self.left -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
