//! The three orders of the queue family: which item a `get` takes.
//!
//! An [`Order`] is a buffer with three operations. `push` and `pop` are asyncio's `_put`
//! and `_get`; `push_oldest` puts back an item a cancelled getter had been handed (FIFO
//! only: LIFO and priority queues hand claims, see `state.rs`). Such an item is always
//! older than everything buffered (a getter only waits while the buffer is empty, so it
//! is handed the next item put), so it goes where the oldest item goes: the front of a
//! FIFO queue, the bottom of a LIFO stack, and simply into the heap of a priority queue.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// How a queue orders its items: [`Fifo`], [`Lifo`] or [`Priority`]. Sealed.
pub trait Order<T>: sealed::Sealed {
    #[doc(hidden)]
    type Buf: Default;
    /// Whether a waiting getter is handed the item put (FIFO: it is the item the getter
    /// would take anyway), or a claim on the item the order gives when the getter runs
    /// (LIFO, priority). See `state.rs`.
    #[doc(hidden)]
    const HANDS_ITEMS: bool;
    #[doc(hidden)]
    fn push(buf: &mut Self::Buf, item: T);
    #[doc(hidden)]
    fn push_oldest(buf: &mut Self::Buf, item: T);
    #[doc(hidden)]
    fn pop(buf: &mut Self::Buf) -> Option<T>;
    #[doc(hidden)]
    fn len(buf: &Self::Buf) -> usize;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Fifo {}
    impl Sealed for super::Lifo {}
    impl Sealed for super::Priority {}
}

/// First in, first out: asyncio's `Queue`.
///
/// ```
/// let q: weft::Queue<u8, weft::queue::Fifo> = weft::Queue::new(0);
/// q.put_nowait(1).unwrap();
/// q.put_nowait(2).unwrap();
/// assert_eq!(q.get_nowait(), Ok(1));
/// ```
#[derive(Debug)]
pub enum Fifo {}

/// Last in, first out: asyncio's `LifoQueue`.
///
/// ```
/// let q = weft::Queue::lifo(0);
/// q.put_nowait(1).unwrap();
/// q.put_nowait(2).unwrap();
/// assert_eq!(q.get_nowait(), Ok(2));
/// ```
#[derive(Debug)]
pub enum Lifo {}

/// Smallest first: asyncio's `PriorityQueue`.
///
/// ```
/// let q = weft::Queue::priority(0);
/// q.put_nowait(3).unwrap();
/// q.put_nowait(1).unwrap();
/// assert_eq!(q.get_nowait(), Ok(1));
/// ```
#[derive(Debug)]
pub enum Priority {}

impl<T> Order<T> for Fifo {
    type Buf = VecDeque<T>;
    const HANDS_ITEMS: bool = true;
    fn push(buf: &mut VecDeque<T>, item: T) {
        buf.push_back(item);
    }
    fn push_oldest(buf: &mut VecDeque<T>, item: T) {
        buf.push_front(item);
    }
    fn pop(buf: &mut VecDeque<T>) -> Option<T> {
        buf.pop_front()
    }
    fn len(buf: &VecDeque<T>) -> usize {
        buf.len()
    }
}

impl<T> Order<T> for Lifo {
    type Buf = VecDeque<T>;
    const HANDS_ITEMS: bool = false;
    fn push(buf: &mut VecDeque<T>, item: T) {
        buf.push_back(item);
    }
    fn push_oldest(buf: &mut VecDeque<T>, item: T) {
        buf.push_front(item);
    }
    fn pop(buf: &mut VecDeque<T>) -> Option<T> {
        buf.pop_back()
    }
    fn len(buf: &VecDeque<T>) -> usize {
        buf.len()
    }
}

impl<T: Ord> Order<T> for Priority {
    type Buf = BinaryHeap<Reverse<T>>;
    const HANDS_ITEMS: bool = false;
    fn push(buf: &mut Self::Buf, item: T) {
        buf.push(Reverse(item));
    }
    fn push_oldest(buf: &mut Self::Buf, item: T) {
        buf.push(Reverse(item));
    }
    fn pop(buf: &mut Self::Buf) -> Option<T> {
        buf.pop().map(|Reverse(item)| item)
    }
    fn len(buf: &Self::Buf) -> usize {
        buf.len()
    }
}
