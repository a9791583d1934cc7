//! The queue's state machine, all under the queue's one mutex.
//!
//! Three waiter lists: getters (handed `Some(item)`, or `None` when the queue shuts
//! down), putters (handed `true`, a reserved slot, or `false` at shutdown), joiners
//! (handed `()` when the last unfinished item is done).
//!
//! **Hand-off both ways.** A getter waits only while the buffer is empty, so an item put
//! while a getter waits goes straight into the getter's slot (`handed_gets`): no other
//! `get` can take it first. A putter waits only while the queue is full, so when a `get`
//! frees a slot, the slot is *reserved* for the first putter (`reserved_puts`): no other
//! `put` can take it first. The item of a waiting put stays in the put's own future until
//! the reservation is used, so a put that gives up can always return its item.
//!
//! **Capacity** counts everything in flight: `buffered + handed_gets + reserved_puts <=
//! maxsize`. Items handed to a getter that has not run yet still occupy their slot, as in
//! asyncio (where such an item is still in the queue), so a getter cancelled after the
//! hand-off can give its item back (to the next getter, or to the front of the buffer)
//! without ever overfilling the queue.

use super::error::{TaskDoneError, TryGetError, TryPutError};
use super::order::Order;
use crate::waitlist::{WaitList, WakeList};

pub(crate) struct State<T, O: Order<T>> {
    buf: O::Buf,
    pub(crate) maxsize: usize,
    handed_gets: usize,
    reserved_puts: usize,
    pub(crate) unfinished: usize,
    pub(crate) shutdown: bool,
    pub(crate) getters: WaitList<Option<T>>,
    pub(crate) putters: WaitList<bool>,
    pub(crate) joiners: WaitList<()>,
}

impl<T, O: Order<T>> State<T, O> {
    pub(crate) fn new(maxsize: usize) -> Self {
        State {
            buf: O::Buf::default(),
            maxsize,
            handed_gets: 0,
            reserved_puts: 0,
            unfinished: 0,
            shutdown: false,
            getters: WaitList::default(),
            putters: WaitList::default(),
            joiners: WaitList::default(),
        }
    }

    /// Items buffered: what `get_nowait` can take now.
    pub(crate) fn len(&self) -> usize {
        O::len(&self.buf)
    }

    /// No slot for a new item (`maxsize == 0` never is).
    pub(crate) fn full(&self) -> bool {
        self.maxsize > 0 && self.len() + self.handed_gets + self.reserved_puts >= self.maxsize
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
        match self.getters.notify_first(Some(item), wakers) {
            Ok(()) => self.handed_gets += 1,
            Err(Some(item)) if oldest => O::push_oldest(&mut self.buf, item),
            Err(Some(item)) => O::push(&mut self.buf, item),
            Err(None) => unreachable!("notify_first gives back what it was given"),
        }
    }

    pub(crate) fn try_get(&mut self, wakers: &mut WakeList) -> Result<T, TryGetError> {
        match O::pop(&mut self.buf) {
            Some(item) => {
                self.grant_putters(wakers);
                Ok(item)
            }
            None if self.shutdown => Err(TryGetError::ShutDown),
            None => Err(TryGetError::Empty),
        }
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

    /// A getter gave up; `handed` is what its slot held.
    pub(crate) fn getter_gave_back(&mut self, handed: Option<Option<T>>, wakers: &mut WakeList) {
        if let Some(Some(item)) = handed {
            self.handed_gets -= 1;
            self.hand_or_buffer(item, true, wakers);
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
            self.getters.for_each_notified(|slot| removed.extend(slot.take()));
            self.handed_gets -= removed.len() - buffered;
            self.unfinished = self.unfinished.saturating_sub(removed.len());
            if self.unfinished == 0 {
                self.joiners.notify_all(|| (), wakers);
            }
        }
        self.getters.notify_all(|| None, wakers);
        // Putters woken but not yet run fail too, as in asyncio.
        self.putters.for_each_notified(|slot| *slot = false);
        self.reserved_puts = 0;
        self.putters.notify_all(|| false, wakers);
        removed
    }
}
