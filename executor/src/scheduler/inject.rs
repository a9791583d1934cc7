//! The global injector: tasks submitted from outside a worker, and the overflow of full
//! rings. A mutex around a `VecDeque`, with an atomic length so that workers can see it
//! is empty without taking the lock.
//!
//! The lock and the length live on cache lines of their own (`Line`). Idle workers read
//! the length often; on the lock's line, each of those reads would take the line away
//! from a `block_on` thread in the middle of a push, between its lock and its unlock.

use super::ring::Overflow;
use crate::sync::{AtomicUsize, Line, Mutex};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;

pub(crate) struct Inject<T> {
    queue: Line<Mutex<VecDeque<T>>>,
    len: Line<AtomicUsize>,
}

impl<T> Inject<T> {
    pub(crate) fn new() -> Self {
        Inject { queue: Line(Mutex::new(VecDeque::new())), len: Line(AtomicUsize::new(0)) }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len.load(Ordering::Acquire) == 0
    }

    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    pub(crate) fn pop(&self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        let mut q = self.queue.lock();
        let t = q.pop_front();
        self.len.store(q.len(), Ordering::Release);
        t
    }

    /// Pops up to `n` tasks and hands them to `f` under one lock.
    pub(crate) fn pop_n(&self, n: usize, f: impl FnOnce(&mut dyn Iterator<Item = T>)) {
        if self.is_empty() || n == 0 {
            return;
        }
        let mut q = self.queue.lock();
        let k = n.min(q.len());
        f(&mut q.drain(..k));
        self.len.store(q.len(), Ordering::Release);
    }

    /// Empties the queue (shutdown).
    pub(crate) fn drain(&self) -> Vec<T> {
        let mut q = self.queue.lock();
        self.len.store(0, Ordering::Release);
        q.drain(..).collect()
    }
}

impl<T> Overflow<T> for Inject<T> {
    fn push(&self, task: T) {
        let mut q = self.queue.lock();
        q.push_back(task);
        self.len.store(q.len(), Ordering::Release);
    }

    fn push_batch(&self, tasks: impl Iterator<Item = T>) {
        let mut q = self.queue.lock();
        q.extend(tasks);
        self.len.store(q.len(), Ordering::Release);
    }
}
