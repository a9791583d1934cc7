//! The waiter list: the one data structure every primitive of this crate is built on.
//!
//! # What it is
//!
//! A FIFO queue of *waiter slots*, kept next to the primitive's own state behind the
//! primitive's mutex. A task that has to wait (for a lock, a permit, an item, a
//! notification) pushes a slot and keeps its key; the slot holds the task's [`Waker`].
//! Whoever makes progress possible (a release, a put, a `set`, a `notify`) *hands* the
//! thing waited for straight to the first slot: the slot leaves the queue and becomes
//! `Notified(value)`, and its waker is woken. When the waiting future is next polled it
//! finds its slot notified and takes the value out.
//!
//! ```text
//!            push                    notify_first(v)                 poll / remove
//!   (none) ────────▶ Waiting{waker} ──────────────────▶ Notified(v) ──────────────▶ (none)
//!                        │   (in the FIFO order)       (out of the order,           takes v
//!                        │                              value held for the waiter)
//!                        └──────────── remove (cancelled before it was handed anything)
//! ```
//!
//! # Why hand-off, and why cancellation safety needs it
//!
//! The naive design wakes a waiter and lets it retry: "the lock is free, go and take it".
//! Between the wake and the retry, anyone may take the lock first (unfair), and on a
//! work-stealing runtime the retry may lose again and again (starvation). Handing the
//! value over *inside the release*, under the same mutex, makes the order of service the
//! order of arrival, with no retry loop.
//!
//! Hand-off moves the risk to cancellation: a waiter may be cancelled (its task gets a
//! `cancel()`, or its future is dropped by `abort()`) *after* it was handed the lock but
//! *before* it ran. If it simply disappeared, the lock would stay locked forever. So every
//! waiting future, when it gives up (returns `Err(Cancelled)` or is dropped), calls
//! `WaitList::remove`: if its slot had already been notified, `remove` returns the value,
//! and the primitive passes it on (to the next waiter, or back into its own state).
//! Nothing is lost and nothing is handed twice, because the hand-off and the give-back
//! both happen under the primitive's mutex, and the slot is in exactly one state.
//!
//! # Shape
//!
//! Slots live in a [`Slab`] (one allocation for the whole list, reused); the FIFO order is
//! a doubly linked list threaded through the slab by key, so push, pop-front and removal
//! from the middle (a cancelled waiter) are all O(1). Wakers are not woken under the
//! mutex: the list pushes them into a `WakeList` that the caller wakes after unlocking.

use slab::Slab;
use std::task::Waker;

/// "No slot": the end of the linked order.
const NIL: usize = usize::MAX;

/// A FIFO list of waiters, each handed a `V` when its turn comes. See the module docs.
#[derive(Debug)]
pub(crate) struct WaitList<V> {
    slots: Slab<Slot<V>>,
    head: usize,
    tail: usize,
    /// Slots in the `Waiting` state (the length of the linked order).
    waiting: usize,
}

#[derive(Debug)]
enum Slot<V> {
    /// In the FIFO order, waiting to be handed a value.
    Waiting { waker: Option<Waker>, prev: usize, next: usize },
    /// Out of the order: handed `V`, which the waiter has not collected yet.
    Notified(V),
}

impl<V> Default for WaitList<V> {
    fn default() -> Self {
        WaitList { slots: Slab::new(), head: NIL, tail: NIL, waiting: 0 }
    }
}

impl<V> WaitList<V> {
    /// Number of waiters still waiting (not yet handed anything).
    #[inline]
    pub(crate) fn waiting(&self) -> usize {
        self.waiting
    }

    /// Appends a waiter at the back of the order; returns its key.
    pub(crate) fn push(&mut self, waker: &Waker) -> usize {
        let key = self.slots.insert(Slot::Waiting { waker: Some(waker.clone()), prev: self.tail, next: NIL });
        match self.tail {
            NIL => self.head = key,
            tail => self.set_next(tail, key),
        }
        self.tail = key;
        self.waiting += 1;
        key
    }

    /// A registered waiter is polled: takes its value if it was handed one (the slot is
    /// then gone), else refreshes its waker.
    pub(crate) fn poll(&mut self, key: usize, waker: &Waker) -> Option<V> {
        match &mut self.slots[key] {
            Slot::Waiting { waker: w, .. } => {
                if !w.as_ref().is_some_and(|w| w.will_wake(waker)) {
                    *w = Some(waker.clone());
                }
                None
            }
            Slot::Notified(_) => match self.slots.remove(key) {
                Slot::Notified(v) => Some(v),
                Slot::Waiting { .. } => unreachable!("matched Notified above"),
            },
        }
    }

    /// A waiter gives up (cancelled or dropped): its slot is removed. Returns the value it
    /// had been handed and not collected, which the caller must pass on.
    pub(crate) fn remove(&mut self, key: usize) -> Option<V> {
        match self.slots.remove(key) {
            Slot::Waiting { prev, next, .. } => {
                self.unlink(prev, next);
                None
            }
            Slot::Notified(v) => Some(v),
        }
    }

    /// Hands `value` to the first waiter, or gives it back if nobody waits.
    ///
    /// Most calls find nobody (a put into a queue no getter waits on): that answer is
    /// inline at the caller, the hand-off is a call.
    #[inline]
    pub(crate) fn notify_first(&mut self, value: V, wakers: &mut WakeList) -> Result<(), V> {
        if self.head == NIL {
            return Err(value);
        }
        self.notify_head(value, wakers);
        Ok(())
    }

    fn notify_head(&mut self, value: V, wakers: &mut WakeList) {
        let key = self.head;
        match std::mem::replace(&mut self.slots[key], Slot::Notified(value)) {
            Slot::Waiting { waker, prev, next } => {
                self.unlink(prev, next);
                wakers.extend(waker);
            }
            Slot::Notified(_) => unreachable!("only waiting slots are in the order"),
        }
    }

    /// Hands a value made by `make` to every waiter, in order.
    pub(crate) fn notify_all(&mut self, mut make: impl FnMut() -> V, wakers: &mut WakeList) {
        while self.head != NIL {
            let _ = self.notify_first(make(), wakers);
        }
    }

    /// Wakes every waiter and forgets them all, keys included: for a primitive that
    /// notifies everyone at once and tells its waiters so by other means (`Event`'s
    /// generation), so that a woken waiter need not come back to the list. Only for a
    /// list that holds no `Notified` slot.
    pub(crate) fn release_all(&mut self, wakers: &mut WakeList) {
        let mut key = self.head;
        while key != NIL {
            match &mut self.slots[key] {
                Slot::Waiting { waker, next, .. } => {
                    wakers.extend(waker.take());
                    key = *next;
                }
                Slot::Notified(_) => unreachable!("only waiting slots are in the order"),
            }
        }
        debug_assert_eq!(self.slots.len(), self.waiting, "release_all on a list with notified slots");
        self.slots.clear();
        self.head = NIL;
        self.tail = NIL;
        self.waiting = 0;
    }

    /// Visits every value handed out and not yet collected (to revoke or replace it).
    pub(crate) fn for_each_notified(&mut self, mut f: impl FnMut(&mut V)) {
        for (_, slot) in self.slots.iter_mut() {
            if let Slot::Notified(v) = slot {
                f(v);
            }
        }
    }

    fn set_next(&mut self, key: usize, next: usize) {
        if let Slot::Waiting { next: n, .. } = &mut self.slots[key] {
            *n = next;
        }
    }

    fn set_prev(&mut self, key: usize, prev: usize) {
        if let Slot::Waiting { prev: p, .. } = &mut self.slots[key] {
            *p = prev;
        }
    }

    /// Takes a slot out of the order, given its neighbours.
    fn unlink(&mut self, prev: usize, next: usize) {
        match prev {
            NIL => self.head = next,
            prev => self.set_next(prev, next),
        }
        match next {
            NIL => self.tail = prev,
            next => self.set_prev(next, prev),
        }
        self.waiting -= 1;
    }
}

/// Wakers collected under a primitive's mutex, woken after it is unlocked (so that a
/// woken task on another worker does not run straight into the held mutex).
///
/// The first waker is stored inline: a release wakes one task and allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct WakeList {
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl WakeList {
    pub(crate) fn new() -> Self {
        WakeList { first: None, rest: Vec::new() }
    }

    pub(crate) fn extend(&mut self, waker: Option<Waker>) {
        let Some(waker) = waker else { return };
        if self.first.is_none() {
            self.first = Some(waker);
        } else {
            self.rest.push(waker);
        }
    }

    /// Wakes every collected waker, in the order collected (asyncio's order). More than
    /// one (an `Event::set`, a `notify_all`, a barrier's release) reach a multi-thread
    /// runtime's workers as one batch (`weft::defer_wakes`): one injector lock and one
    /// worker notification for the lot, instead of one each.
    ///
    /// Most releases wake nobody (a put into a queue nobody waits on): that case is
    /// decided inline, at the caller, without a call.
    #[inline]
    pub(crate) fn wake_all(self) {
        if self.first.is_some() {
            self.wake_collected();
        } else {
            // Nothing collected: `first` is empty and `rest`, which only fills after
            // `first`, never allocated. Forgetting the list skips its drop glue, which
            // the compiler does not always inline.
            std::mem::forget(self);
        }
    }

    fn wake_collected(self) {
        let _batch = (!self.rest.is_empty()).then(weft_executor::defer_wakes);
        if let Some(w) = self.first {
            w.wake();
        }
        for w in self.rest {
            w.wake();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn waker() -> Waker {
        futures_task::noop_waker()
    }

    #[test]
    fn fifo_hand_off_and_removal_from_the_middle() {
        let mut list = WaitList::default();
        let w = waker();
        let (a, b, c) = (list.push(&w), list.push(&w), list.push(&w));
        assert_eq!(list.waiting(), 3);
        assert_eq!(list.remove(b), None, "b was waiting: nothing to pass on");
        let mut wakers = WakeList::new();
        list.notify_first(1, &mut wakers).unwrap();
        list.notify_first(2, &mut wakers).unwrap();
        assert_eq!(list.notify_first(3, &mut wakers), Err(3), "nobody left waiting");
        assert_eq!(list.waiting(), 0);
        assert_eq!(list.poll(c, &w), Some(2));
        assert_eq!(list.remove(a), Some(1), "a gives back what it was handed");
    }

    #[test]
    fn notify_all_and_revoke() {
        let mut list = WaitList::default();
        let w = waker();
        let keys: Vec<_> = (0..4).map(|_| list.push(&w)).collect();
        let mut n = 0;
        list.notify_all(
            || {
                n += 1;
                n
            },
            &mut WakeList::new(),
        );
        list.for_each_notified(|v| *v *= 10);
        let got: Vec<_> = keys.iter().map(|&k| list.poll(k, &w).unwrap()).collect();
        assert_eq!(got, [10, 20, 30, 40]);
    }
}
