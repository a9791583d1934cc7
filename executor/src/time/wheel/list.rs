//! The timer entry and the intrusive doubly-linked lists that thread entries into slots.
//!
//! Every pending timer is one [`Entry`] in the wheel's slab. A slot does not own a `Vec` of
//! its timers; instead each entry carries the slab indices of its neighbours (`prev`,
//! `next`), and a slot is only a [`List`]: the indices of its first and last entry.
//!
//! ```text
//!   List { head: 7, tail: 2 }
//!
//!   slab[7]            slab[4]            slab[2]
//!   prev: NIL  <----   prev: 7    <----   prev: 4
//!   next: 4    ---->   next: 2    ---->   next: NIL
//! ```
//!
//! **Rationale:** with the links inside the entries, moving a timer between slots or
//! cancelling it is O(1) (no scan, no allocation), and a slot costs eight bytes, so the
//! wheel's 385 lists fit in about three kilobytes. Appending at the tail keeps each slot
//! in insertion order, which is how timers with equal deadlines fire in the order they
//! were registered.

use std::task::Waker;

use super::arena::Arena;

/// The "no entry" index: the end of a list, or the neighbour of an entry at either end.
pub(super) const NIL: u32 = u32::MAX;

/// Bits of [`Entry`]'s tag that hold the slack.
const SLACK_BITS: u32 = 16;

/// The largest slack an entry can hold, in ticks (6.5 s of 100 µs ticks: far more than the
/// driver ever gives).
pub(crate) const MAX_SLACK: u64 = (1 << SLACK_BITS) - 1;

/// Generations wrap after this many insertions (2^48: at a million timers a second, after
/// almost nine years), so a key that outlived its timer by that many insertions could
/// name a new timer in the same slab slot. No key lives that long in practice.
pub(super) const GENERATIONS: u64 = 1 << (64 - SLACK_BITS);

/// One pending timer, as stored in the wheel's slab.
///
/// An entry does not record which slot holds it: the wheel's placement rule makes the
/// slot a function of `deadline` and the wheel's elapsed tick (see the wheel's module
/// docs), so storing it would only cost memory. Its generation and its slack share one
/// word. This keeps an entry at 40 bytes.
pub(super) struct Entry {
    /// Woken when the timer fires.
    pub(super) waker: Option<Waker>,
    /// The tick from which the timer is due: the requested deadline, raised to the wheel's
    /// elapsed tick if it was already in the past when it was set.
    pub(super) deadline: u64,
    /// The generation (high 48 bits) and the slack in ticks (low 16 bits): see
    /// [`Entry::generation`] and [`Entry::slack`].
    tag: u64,
    /// Slab index of the previous entry in the same list, or [`NIL`].
    prev: u32,
    /// Slab index of the next entry in the same list, or [`NIL`].
    next: u32,
}

impl Entry {
    /// An entry not yet linked into any list. `generation` must be below
    /// [`GENERATIONS`], `slack` at most [`MAX_SLACK`].
    pub(super) fn new(waker: Waker, deadline: u64, generation: u64, slack: u64) -> Self {
        debug_assert!(generation < GENERATIONS && slack <= MAX_SLACK);
        Entry { waker: Some(waker), deadline, tag: (generation << SLACK_BITS) | slack, prev: NIL, next: NIL }
    }

    /// Unique (modulo [`GENERATIONS`]) to the insertion that created this entry; a
    /// `TimerKey` must carry the same value to name it, which makes keys of fired or
    /// removed timers harmless.
    pub(super) fn generation(&self) -> u64 {
        self.tag >> SLACK_BITS
    }

    /// How many ticks after its deadline the timer may fire: the window the driver uses to
    /// serve several timers with one wake-up (see `TimerWheel::next_wake`).
    pub(super) fn slack(&self) -> u64 {
        self.tag & MAX_SLACK
    }

    /// Sets the slack (a reset timer gets the slack of its new delay).
    pub(super) fn set_slack(&mut self, slack: u64) {
        debug_assert!(slack <= MAX_SLACK);
        self.tag = (self.tag & !MAX_SLACK) | slack;
    }

    /// The slab index of the entry after this one in its list (or in a chain detached by
    /// [`List::take`]), or [`NIL`].
    pub(super) fn next(&self) -> u32 {
        self.next
    }
}

/// A list of entries threaded through the slab: the indices of its two ends.
#[derive(Clone, Copy, Debug)]
pub(super) struct List {
    head: u32,
    tail: u32,
}

impl List {
    /// The empty list.
    pub(super) const EMPTY: List = List { head: NIL, tail: NIL };

    /// The index of the first entry, or [`NIL`].
    pub(super) fn first(&self) -> u32 {
        self.head
    }

    /// Whether the list holds no entry.
    pub(super) fn is_empty(&self) -> bool {
        self.head == NIL
    }

    /// Links the entry at `index`, which must not be in any list, after the last entry.
    pub(super) fn push_back(&mut self, entries: &mut Arena, index: u32) {
        let entry = &mut entries[index];
        entry.prev = self.tail;
        entry.next = NIL;
        if self.tail == NIL {
            self.head = index;
        } else {
            entries[self.tail].next = index;
        }
        self.tail = index;
    }

    /// Unlinks the entry at `index`, which must be in this list. O(1).
    pub(super) fn unlink(&mut self, entries: &mut Arena, index: u32) {
        let entry = &entries[index];
        let (prev, next) = (entry.prev, entry.next);
        if prev == NIL {
            self.head = next;
        } else {
            entries[prev].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            entries[next].prev = prev;
        }
    }

    /// Empties the list and returns the index of its first entry (or [`NIL`]).
    ///
    /// The detached entries still point at each other through [`Entry::next`], so the
    /// caller walks the chain from the returned index, moving each entry to another list
    /// with [`List::push_back`] (which rewrites both links) or out of the slab.
    pub(super) fn take(&mut self) -> u32 {
        let head = self.head;
        *self = List::EMPTY;
        head
    }

    /// The slab indices of the entries, first to last (for the tests' invariant checks).
    #[cfg(test)]
    pub(super) fn indices(&self, entries: &Arena) -> Vec<u32> {
        let mut indices = Vec::new();
        let mut prev = NIL;
        let mut index = self.head;
        while index != NIL {
            let entry = &entries[index];
            assert_eq!(entry.prev, prev, "entry {index}: prev link is not its predecessor");
            indices.push(index);
            prev = index;
            index = entry.next;
        }
        assert_eq!(self.tail, prev, "list tail is not its last entry");
        indices
    }
}
