//! The queue's state machine, all under the queue's one mutex.
//!
//! Three waiter lists: getters (handed `Some(item)`, or `None` when the queue shuts
//! down), putters (handed `true`, a reserved slot, or `false` at shutdown), joiners
//! (handed `()` when the last unfinished item is done).
//!
//! **Hand-off both ways.** A getter waits only while the buffer is empty, so an item put
//! while a getter waits is promised to that getter: no other `get` can take it first. A
//! putter waits only while the queue is full, so when a `get` frees a slot, the slot is
//! *reserved* for the first putter (`reserved_puts`): no other `put` can take it first.
//! The item of a waiting put stays in the put's own future until the reservation is used,
//! so a put that gives up can always return its item.
//!
//! **What a getter is handed** depends on the order. In a FIFO queue, the item itself
//! goes into the getter's slot (`handed_gets`): the first getter gets the first item put,
//! as in asyncio. A LIFO or priority queue hands a *claim* instead (`claims`): the item
//! goes into the buffer, and the getter, when it runs, takes whichever item the order
//! gives then, the newest or the smallest, as asyncio's woken getter calls `_get()` when
//! it runs. So after `put(1); put(2)` with one getter waiting, a LIFO getter takes 2. A
//! claim keeps weft's guarantee: `get_nowait` cannot take the item a claim stands for
//! (it sees only the items beyond the claims), so the woken getter never finds the
//! queue empty, where asyncio's would wait again.
//!
//! **Capacity** counts everything in flight: `buffered + handed_gets + reserved_puts <=
//! maxsize` (claimed items are buffered). Items handed to a getter that has not run yet
//! still occupy their slot, as in asyncio (where such an item is still in the queue), so
//! a getter cancelled after the hand-off can give its item (or claim) back, to the next
//! getter or to the buffer, without ever overfilling the queue.

use super::error::{TaskDoneError, TryGetError, TryPutError};
use super::order::Order;
use crate::waitlist::{WaitList, WakeList};

/// What a waiting getter is handed.
pub(crate) enum Handed<T> {
    /// The item itself (FIFO).
    Item(T),
    /// The right to take the next item by the queue's order, when the getter runs (LIFO,
    /// priority): the item is in the buffer.
    Claim,
    /// The queue was shut down.
    ShutDown,
}

pub(crate) struct State<T, O: Order<T>> {
    buf: O::Buf,
    pub(crate) maxsize: usize,
    handed_gets: usize,
    /// Getters handed a claim that have not run yet (`claims <= O::len(&buf)`).
    claims: usize,
    reserved_puts: usize,
    pub(crate) unfinished: usize,
    pub(crate) shutdown: bool,
    pub(crate) getters: WaitList<Handed<T>>,
    pub(crate) putters: WaitList<bool>,
    pub(crate) joiners: WaitList<()>,
}

impl<T, O: Order<T>> State<T, O> {
    pub(crate) fn new(maxsize: usize) -> Self {
        State {
            buf: O::Buf::default(),
            maxsize,
            handed_gets: 0,
            claims: 0,
            reserved_puts: 0,
            unfinished: 0,
            shutdown: false,
            getters: WaitList::default(),
            putters: WaitList::default(),
            joiners: WaitList::default(),
        }
    }

    /// Items buffered and not claimed: what `get_nowait` can take now.
    pub(crate) fn len(&self) -> usize {
        O::len(&self.buf) - self.claims
    }

    /// No slot for a new item (`maxsize == 0` never is).
    pub(crate) fn full(&self) -> bool {
        self.maxsize > 0 && O::len(&self.buf) + self.handed_gets + self.reserved_puts >= self.maxsize
    }

    /// Whether [`try_put`](Self::try_put) would end the put now (take the item, or refuse
    /// it for a shutdown) rather than find the queue full.
    pub(crate) fn put_completes(&self) -> bool {
        self.shutdown || !self.full()
    }

    /// Whether [`try_get`](Self::try_get) would end the get now (an item, or the shutdown)
    /// rather than find the queue empty.
    pub(crate) fn get_completes(&self) -> bool {
        self.shutdown || self.len() > 0
    }

    pub(crate) fn try_put(&mut self, item: T, wakers: &mut WakeList) -> Result<(), TryPutError<T>> {
        if self.shutdown {
            return Err(TryPutError::ShutDown(item));
        }
        if self.full() {
            return Err(TryPutError::Full(item));
        }
        self.accept(item, wakers);
        Ok(())
    }

    /// A new item enters the queue (a slot is known to be free).
    fn accept(&mut self, item: T, wakers: &mut WakeList) {
        self.unfinished += 1;
        self.hand_or_buffer(item, false, wakers);
    }

    fn hand_or_buffer(&mut self, item: T, oldest: bool, wakers: &mut WakeList) {
        if !O::HANDS_ITEMS {
            if oldest {
                O::push_oldest(&mut self.buf, item);
            } else {
                O::push(&mut self.buf, item);
            }
            self.claim_for_getter(wakers);
            return;
        }
        match self.getters.notify_first(Handed::Item(item), wakers) {
            Ok(()) => self.handed_gets += 1,
            Err(Handed::Item(item)) if oldest => O::push_oldest(&mut self.buf, item),
            Err(Handed::Item(item)) => O::push(&mut self.buf, item),
            Err(_) => unreachable!("notify_first gives back what it was given"),
        }
    }

    /// Hands a claim on an unclaimed buffered item to the first waiting getter, if both
    /// exist.
    fn claim_for_getter(&mut self, wakers: &mut WakeList) {
        if self.len() > 0 && self.getters.notify_first(Handed::Claim, wakers).is_ok() {
            self.claims += 1;
        }
    }

    pub(crate) fn try_get(&mut self, wakers: &mut WakeList) -> Result<T, TryGetError> {
        if self.len() == 0 {
            return Err(if self.shutdown { TryGetError::ShutDown } else { TryGetError::Empty });
        }
        let item = O::pop(&mut self.buf).expect("an unclaimed item is buffered");
        self.grant_putters(wakers);
        Ok(item)
    }

    /// Reserves every free slot for the putters waiting, in order.
    fn grant_putters(&mut self, wakers: &mut WakeList) {
        while !self.full() && self.putters.notify_first(true, wakers).is_ok() {
            self.reserved_puts += 1;
        }
    }

    /// A getter took the item it was handed: its slot is free now.
    pub(crate) fn getter_collected(&mut self, wakers: &mut WakeList) {
        self.handed_gets -= 1;
        self.grant_putters(wakers);
    }

    /// A getter uses its claim: the item the order gives now.
    pub(crate) fn getter_claimed(&mut self, wakers: &mut WakeList) -> T {
        self.claims -= 1;
        let item = O::pop(&mut self.buf).expect("a claimed item is buffered");
        self.grant_putters(wakers);
        item
    }

    /// A getter gave up; `handed` is what its slot held.
    pub(crate) fn getter_gave_back(&mut self, handed: Option<Handed<T>>, wakers: &mut WakeList) {
        match handed {
            Some(Handed::Item(item)) => {
                self.handed_gets -= 1;
                self.hand_or_buffer(item, true, wakers);
            }
            Some(Handed::Claim) => {
                self.claims -= 1;
                self.claim_for_getter(wakers);
            }
            Some(Handed::ShutDown) | None => {}
        }
    }

    /// A putter uses its reserved slot.
    pub(crate) fn putter_collected(&mut self, item: T, wakers: &mut WakeList) {
        self.reserved_puts -= 1;
        self.accept(item, wakers);
    }

    /// A putter gave up; a slot reserved for it goes to the next putter.
    pub(crate) fn putter_gave_back(&mut self, handed: Option<bool>, wakers: &mut WakeList) {
        if handed == Some(true) {
            self.reserved_puts -= 1;
            self.grant_putters(wakers);
        }
    }

    pub(crate) fn task_done(&mut self, wakers: &mut WakeList) -> Result<(), TaskDoneError> {
        if self.unfinished == 0 {
            return Err(TaskDoneError);
        }
        self.unfinished -= 1;
        if self.unfinished == 0 {
            self.joiners.notify_all(|| (), wakers);
        }
        Ok(())
    }

    /// asyncio 3.13's `shutdown(immediate)`. With `immediate`, the items still in the
    /// queue (buffered, or handed to getters that have not run) are taken out, counted
    /// done and *returned*: the caller drops them after unlocking the queue, because an
    /// item's `Drop` is user code that may use the queue (it would deadlock on the mutex)
    /// or panic (it must not leave the counts half updated).
    pub(crate) fn shut_down(&mut self, immediate: bool, wakers: &mut WakeList) -> Vec<T> {
        self.shutdown = true;
        let mut removed = Vec::new();
        if immediate {
            // Every item still in the queue is removed and counted done, including the
            // ones handed to getters that have not run: they now see the shutdown.
            while let Some(item) = O::pop(&mut self.buf) {
                removed.push(item);
            }
            let buffered = removed.len();
            self.getters.for_each_notified(|slot| {
                if let Handed::Item(item) = std::mem::replace(slot, Handed::ShutDown) {
                    removed.push(item);
                }
            });
            self.handed_gets -= removed.len() - buffered;
            self.claims = 0; // their items were in the buffer, removed above
            self.unfinished = self.unfinished.saturating_sub(removed.len());
            if self.unfinished == 0 {
                self.joiners.notify_all(|| (), wakers);
            }
        }
        self.getters.notify_all(|| Handed::ShutDown, wakers);
        // Putters woken but not yet run fail too, as in asyncio.
        self.putters.for_each_notified(|slot| *slot = false);
        self.reserved_puts = 0;
        self.putters.notify_all(|| false, wakers);
        removed
    }
}
