//! Cancelling a task with a plain `cancel()` costs no allocation, from the request to the
//! join: the request and the pending delivery live in the task's header, the `Cancelled`
//! its checkpoint returns points at the task, and the join error's `Cancelled` points
//! nowhere. (A task group shutting down does this for every child.) A counting global
//! allocator counts the allocations made on the test's own thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator and only counts (a const thread-local needs
// no allocation to be reached).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is `System.alloc`'s.
        unsafe {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
            System.alloc(layout)
        }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc` is `System.dealloc`'s.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc` is `System.realloc`'s.
        unsafe {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
            System.realloc(ptr, layout, new_size)
        }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn a_plain_cancel_allocates_nothing_from_request_to_join() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    rt.block_on(async {
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                weft::spawn(async {
                    weft::time::sleep(Duration::from_secs(3600)).await?;
                    Ok::<_, weft::Cancelled>(())
                })
            })
            .collect();
        weft::yield_now().await.unwrap(); // every task is now suspended in its sleep
        let before = allocations();
        for t in &tasks {
            assert!(t.cancel(None));
            assert_eq!(t.cancelling(), 1);
        }
        for t in tasks {
            let err = t.await.unwrap_err();
            let c = err.as_cancelled().expect("ended cancelled");
            assert_eq!(c.kind(), weft::CancelKind::Requested);
            assert_eq!(c.message(), None);
        }
        assert_eq!(allocations() - before, 0, "cancelling and joining 100 tasks allocated");
    });
}

#[test]
fn a_cancel_with_a_message_still_carries_it_to_the_join() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    rt.block_on(async {
        let t = weft::spawn(async {
            let c = weft::time::sleep(Duration::from_secs(3600)).await.unwrap_err();
            assert_eq!(c.message(), Some("bye"));
            let copy = c.clone();
            drop(c);
            Err::<(), _>(copy) // propagated through a clone: still cancelled
        });
        weft::yield_now().await.unwrap();
        t.cancel(Some("bye"));
        let err = t.await.unwrap_err();
        assert_eq!(err.as_cancelled().and_then(|c| c.message()), Some("bye"));
    });
}

#[test]
fn a_swallowed_plain_cancel_leaves_the_task_not_cancelled() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    rt.block_on(async {
        let t = weft::spawn(async {
            let c = weft::time::sleep(Duration::from_secs(3600)).await.unwrap_err();
            let clones = vec![c.clone(), c.clone()];
            drop(c);
            drop(clones); // every copy of the delivery is gone: the task swallowed it
            "swallowed"
        });
        weft::yield_now().await.unwrap();
        t.cancel(None);
        assert_eq!(t.await.unwrap(), "swallowed");
    });
}
