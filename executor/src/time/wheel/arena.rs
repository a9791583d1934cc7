//! The storage of the wheel's entries: a vector of [`Entry`]s and a bitmap of the vacant
//! ones, from which an insertion takes the **lowest** vacant index.
//!
//! A slab would do the same job, but it threads its free list through the vacant entries
//! themselves: taking a free index means *reading* a vacant entry to learn the next free
//! one, and the free list hands indices out in the order they were freed. With a million
//! pending timers the entries span tens of megabytes and timers fire in deadline order,
//! not in the order of their entries, so nearly every insertion missed the cache, twice:
//! on the read, and on writing an entry far from the last one. Here the vacancy lives in a
//! bitmap of its own (a bit per entry, about 125 KiB for a million, which stays in cache),
//! and taking the lowest vacant index makes a burst of insertions after a burst of firings
//! write the entries one after another, the pattern memory serves fastest.
//!
//! The bitmap has three levels, so that the lowest vacant index is found by reading three
//! words, not by scanning:
//!
//! ```text
//!   entries   [ e0 | e1 | e2 | ... ]        e_i is vacant  <=>  bit i of `vacant[0]` is set
//!   vacant[0] one bit per entry             bit i of word w: entry 64w + i is vacant
//!   vacant[1] one bit per word of level 0   set <=> that word is not 0
//!   vacant[2] one bit per word of level 1   set <=> that word is not 0
//! ```
//!
//! An entry is vacant when its `waker` is `None`. A vacant entry keeps its generation, so
//! a stale key still fails its generation check after its index is reused, and
//! [`Arena::get_mut`] refuses a vacant entry, for a stale key whose index was not reused
//! yet.

use std::ops::{Index, IndexMut};
use std::task::Waker;

use super::list::{Entry, NIL};

/// The wheel's entries, addressed by `u32` index. See the [module docs](self).
pub(super) struct Arena {
    /// Occupied and vacant entries; an index, once handed out, stays in bounds.
    entries: Vec<Entry>,
    /// The three levels of the vacancy bitmap (see the [module docs](self)).
    vacant: [Vec<u64>; 3],
    /// The number of occupied entries.
    len: usize,
}

impl Arena {
    /// An empty arena; allocates nothing until the first insertion.
    pub(super) fn new() -> Arena {
        Arena { entries: Vec::new(), vacant: [Vec::new(), Vec::new(), Vec::new()], len: 0 }
    }

    /// The number of occupied entries.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The index the next [`insert`](Arena::insert) will use, or `None` if every `u32`
    /// index below [`NIL`] is taken (for the tests).
    #[cfg(test)]
    pub(super) fn next_index(&self) -> Option<u32> {
        match self.lowest_vacant() {
            Some((index, _)) => Some(index),
            None => u32::try_from(self.entries.len()).ok().filter(|&index| index != NIL),
        }
    }

    /// Stores `entry`, which must hold a waker, at the lowest vacant index (or a new one
    /// past the end), and returns that index; gives `entry` back, changing nothing, if
    /// every `u32` index below [`NIL`] is taken.
    pub(super) fn insert(&mut self, entry: Entry) -> Result<u32, Entry> {
        debug_assert!(entry.waker.is_some(), "an inserted entry is occupied");
        let index = match self.lowest_vacant() {
            Some((index, words)) => {
                self.clear_vacant(index, words);
                let slot = &mut self.entries[index as usize];
                debug_assert!(slot.waker.is_none(), "a vacant bit names a vacant entry");
                // SAFETY: `slot` is a valid, aligned, exclusive reference, so writing
                // through it is sound. The write skips dropping the old value: that value
                // is vacant (its waker is `None`, which is what set its vacancy bit), and
                // an entry's waker is its only field with drop glue, so nothing is leaked.
                // Skipping the drop is the point: dropping would first read the old
                // entry, a cache miss this storage exists to avoid.
                unsafe { std::ptr::write(slot, entry) };
                index
            }
            None => {
                let Some(index) = u32::try_from(self.entries.len()).ok().filter(|&index| index != NIL) else {
                    return Err(entry);
                };
                self.entries.push(entry);
                self.cover(index);
                index
            }
        };
        self.len += 1;
        Ok(index)
    }

    /// How many entries the arena holds room for without allocating (for the tests).
    #[cfg(test)]
    pub(super) fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// The occupied entry at `index`, if its generation is `generation`.
    pub(super) fn get_mut(&mut self, index: u32, generation: u64) -> Option<&mut Entry> {
        self.entries
            .get_mut(index as usize)
            .filter(|entry| entry.waker.is_some() && entry.generation() == generation)
    }

    /// Makes the occupied entry at `index` vacant and returns its waker. The entry's other
    /// fields (its links) stay readable until the index is reused.
    pub(super) fn remove(&mut self, index: u32) -> Waker {
        let waker = self.entries[index as usize].waker.take().expect("removing a vacant timer entry");
        self.set_vacant(index);
        self.len -= 1;
        waker
    }

    /// The lowest vacant index, with the words of levels 0 and 1 that hold its bits;
    /// `None` when no entry is vacant. Reads one word per level below the top, which it
    /// scans (a word per 2^18 entries).
    fn lowest_vacant(&self) -> Option<(u32, [usize; 2])> {
        let [level0, level1, level2] = &self.vacant;
        let top = level2.iter().position(|&word| word != 0)?;
        let word1 = top * 64 + level2[top].trailing_zeros() as usize;
        let word0 = word1 * 64 + level1[word1].trailing_zeros() as usize;
        let index = word0 * 64 + level0[word0].trailing_zeros() as usize;
        // Every index below `entries.len()` fits in a `u32` (insert checks).
        Some((index as u32, [word0, word1]))
    }

    /// Clears the vacancy bit of `index` (whose level-0 and level-1 words are `words`),
    /// and the bits above it of the words that became 0.
    fn clear_vacant(&mut self, index: u32, [word0, word1]: [usize; 2]) {
        let [level0, level1, level2] = &mut self.vacant;
        level0[word0] &= !(1 << (index % 64));
        if level0[word0] == 0 {
            level1[word1] &= !(1 << (word0 % 64));
            if level1[word1] == 0 {
                level2[word1 / 64] &= !(1 << (word1 % 64));
            }
        }
    }

    /// Grows the bitmap's levels to hold the bits of a new entry at `index`: at insertion,
    /// so that a removal never allocates (cancelling a timer must not).
    fn cover(&mut self, index: u32) {
        let word0 = index as usize / 64;
        let words = [word0, word0 / 64, word0 / 64 / 64];
        for (level, word) in self.vacant.iter_mut().zip(words) {
            if level.len() <= word {
                level.resize(word + 1, 0);
            }
        }
    }

    /// Sets the vacancy bit of `index` and the bits above it.
    fn set_vacant(&mut self, index: u32) {
        let word0 = index as usize / 64;
        let word1 = word0 / 64;
        let word2 = word1 / 64;
        let [level0, level1, level2] = &mut self.vacant;
        level0[word0] |= 1 << (index % 64);
        level1[word1] |= 1 << (word0 % 64);
        level2[word2] |= 1 << (word1 % 64);
    }
}

impl Index<u32> for Arena {
    type Output = Entry;

    fn index(&self, index: u32) -> &Entry {
        &self.entries[index as usize]
    }
}

impl IndexMut<u32> for Arena {
    fn index_mut(&mut self, index: u32) -> &mut Entry {
        &mut self.entries[index as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::task::Wake;

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    fn entry(generation: u64) -> Entry {
        Entry::new(Waker::from(Arc::new(Noop)), 0, generation, 0)
    }

    #[test]
    fn the_lowest_vacant_index_is_reused_first_and_a_stale_generation_is_refused() {
        let mut arena = Arena::new();
        let (a, b, c) = (
            arena.insert(entry(1)).ok().unwrap(),
            arena.insert(entry(2)).ok().unwrap(),
            arena.insert(entry(3)).ok().unwrap(),
        );
        assert_eq!((a, b, c), (0, 1, 2));
        arena.remove(c);
        arena.remove(a);
        assert_eq!(arena.len(), 1);
        assert!(arena.get_mut(a, 1).is_none(), "a vacant entry is not returned");
        assert_eq!(arena.next_index(), Some(a), "the lowest, not the last freed");
        assert_eq!(arena.insert(entry(4)).ok(), Some(a));
        assert_eq!(arena.insert(entry(5)).ok(), Some(c));
        assert_eq!(arena.insert(entry(6)).ok(), Some(3), "with no vacant index the vector grows");
        assert!(arena.get_mut(c, 3).is_none(), "the old generation does not name the new entry");
        assert!(arena.get_mut(c, 5).is_some());
        assert_eq!(arena.len(), 4);
    }

    #[test]
    fn lowest_vacant_matches_a_sorted_set_across_all_three_levels() {
        // Enough entries for several words of level 1 (64 * 64 entries each); under Miri,
        // which is slow, for two.
        let n: u32 = if cfg!(miri) { 64 * 64 + 100 } else { 3 * 64 * 64 + 100 };
        let mut arena = Arena::new();
        for generation in 0..u64::from(n) {
            arena.insert(entry(generation)).ok().unwrap();
        }
        let mut vacant = std::collections::BTreeSet::new();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let steps = if cfg!(miri) { 300 } else { 20_000 };
        for step in 0..steps {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let index = (state % u64::from(n)) as u32;
            if vacant.remove(&index) {
                // Occupied again, but through insert: it must pick the lowest.
                vacant.insert(index);
                let lowest = *vacant.first().unwrap();
                assert_eq!(arena.insert(entry(1 << 20)).ok(), Some(lowest), "step {step}");
                vacant.remove(&lowest);
            } else {
                drop(arena.remove(index));
                vacant.insert(index);
            }
            assert_eq!(arena.next_index(), vacant.first().copied().or(Some(n)), "step {step}");
            assert_eq!(arena.len(), (n as usize) - vacant.len());
        }
    }

    #[test]
    fn a_reused_entry_drops_the_waker_it_was_given_and_no_other() {
        let waker = Arc::new(Noop);
        let mut arena = Arena::new();
        let index = arena.insert(Entry::new(Waker::from(waker.clone()), 0, 0, 0)).ok().unwrap();
        assert_eq!(Arc::strong_count(&waker), 2);
        drop(arena.remove(index));
        assert_eq!(Arc::strong_count(&waker), 1, "remove hands the waker out");
        let again = arena.insert(Entry::new(Waker::from(waker.clone()), 0, 1, 0)).ok().unwrap();
        assert_eq!(again, index);
        assert_eq!(Arc::strong_count(&waker), 2);
        drop(arena);
        assert_eq!(Arc::strong_count(&waker), 1, "dropping the arena drops the occupied wakers");
    }
}
