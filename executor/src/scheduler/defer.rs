//! Deferred wake-ups: [`defer_wakes`] holds back the tasks this thread wakes and submits
//! them together when its guard drops.
//!
//! Why: code that wakes many tasks in a loop while it holds a lock those tasks need (a
//! task group cancelling its children under the group's lock) would otherwise hand each
//! task to the workers at once. They run it, reach the lock, and block on it until the
//! loop ends, one futex sleep and wake-up each. Deferred, the woken tasks reach the
//! workers after the lock is released, in one batch: one injector lock and one worker
//! notification for the lot instead of one each.
//!
//! Only the multi-thread scheduler defers (the current-thread loop has nobody to contend
//! with, and its FIFO order must stay asyncio's). Wakes of a task that wakes itself (a
//! yield) and wakes for another runtime than the first one deferred are not deferred.

use super::multi_thread::Shared;
use crate::task::Notified;
use std::cell::{Cell, RefCell};
use std::sync::Arc;

thread_local! {
    /// Nesting depth of live [`DeferWakes`] guards on this thread: the fast test.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// The held-back tasks, and the runtime they belong to.
    static HELD: RefCell<Held> = const { RefCell::new(Held { shared: None, tasks: Vec::new() }) };
}

struct Held {
    shared: Option<Arc<Shared>>,
    tasks: Vec<Notified>,
}

/// Holds back the wake-ups this thread makes until the returned guard drops, then submits
/// the woken tasks together. For code that wakes many tasks while it holds a lock that
/// those tasks need: they start once the lock is released, and the batch costs one
/// hand-off to the workers instead of one per task.
///
/// Guards nest; the outermost one submits. Do not wait, inside the scope, for a task woken
/// in it: it does not run before the guard drops. Outside a multi-thread runtime the guard
/// changes nothing.
///
/// ```
/// use std::time::Duration;
/// let rt = weft::Runtime::builder().multi_thread().worker_threads(2).build().unwrap();
/// rt.block_on(async {
///     let tasks: Vec<_> =
///         (0..100).map(|_| weft::spawn(weft::time::sleep(Duration::from_secs(60)))).collect();
///     {
///         let _batch = weft::defer_wakes();
///         for t in &tasks {
///             t.cancel(None); // the wake-up is held back until `_batch` drops
///         }
///     }
///     for t in tasks {
///         assert!(t.await.unwrap_err().is_cancelled());
///     }
/// });
/// ```
pub fn defer_wakes() -> DeferWakes {
    DEPTH.with(|d| d.set(d.get() + 1));
    DeferWakes { _not_send: std::marker::PhantomData }
}

/// Guard returned by [`defer_wakes`]: submits the held-back wake-ups when dropped (on the
/// thread that made it).
///
/// ```
/// let rt = weft::Runtime::builder().multi_thread().build().unwrap();
/// rt.block_on(async {
///     let task = weft::spawn(weft::time::sleep(std::time::Duration::from_secs(60)));
///     let batch: weft::DeferWakes = weft::defer_wakes();
///     task.cancel(None);
///     drop(batch); // the task is submitted here
///     assert!(task.await.unwrap_err().is_cancelled());
/// });
/// ```
#[must_use = "wake-ups are only held back while the guard lives"]
#[derive(Debug)]
pub struct DeferWakes {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for DeferWakes {
    fn drop(&mut self) {
        let depth = DEPTH.with(|d| {
            let n = d.get() - 1;
            d.set(n);
            n
        });
        if depth == 0 {
            flush();
        }
    }
}

/// Holds `task` back if a [`DeferWakes`] guard lives on this thread; gives it back if the
/// caller must submit it now.
#[inline]
pub(crate) fn hold(shared: &Arc<Shared>, task: Notified) -> Option<Notified> {
    if DEPTH.with(Cell::get) == 0 {
        return Some(task);
    }
    let mut task = Some(task);
    let held = HELD.try_with(|h| {
        let Ok(mut h) = h.try_borrow_mut() else { return false };
        match &h.shared {
            Some(s) if !Arc::ptr_eq(s, shared) => return false,
            Some(_) => {}
            None => h.shared = Some(shared.clone()),
        }
        h.tasks.extend(task.take());
        true
    });
    // Not held (another runtime's batch, or the thread is exiting): submit it now.
    if held == Ok(true) { None } else { task }
}

fn flush() {
    // Taken out first: submitting may wake more tasks (none are held back any more, since
    // the depth is 0) and must not find the cell borrowed.
    // `try_with`: a guard may drop while the thread is exiting (a runtime dropped by a
    // thread-local's destructor); by then nothing was held back on it.
    let Ok((shared, mut tasks)) = HELD.try_with(|h| {
        let mut h = h.borrow_mut();
        (h.shared.take(), std::mem::take(&mut h.tasks))
    }) else {
        return;
    };
    if let Some(shared) = shared {
        shared.schedule_batch(tasks.drain(..));
    }
    // Keep the buffer's capacity for the next batch on this thread.
    let _ = HELD.try_with(|h| {
        if let Ok(mut h) = h.try_borrow_mut() {
            if h.tasks.capacity() < tasks.capacity() {
                h.tasks = tasks;
            }
        }
    });
}
