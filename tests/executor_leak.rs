//! Shutdown frees every task *cell*, not only every future: a counting global allocator
//! measures the bytes still allocated after a runtime full of tasks in every state is
//! dropped. (One test in this file, so nothing else allocates meanwhile.)

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is `System.alloc`'s.
        unsafe {
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::SeqCst);
            System.alloc(layout)
        }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc` is `System.dealloc`'s.
        unsafe {
            LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::SeqCst);
            System.dealloc(ptr, layout)
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc` is `System.realloc`'s.
        unsafe {
            LIVE_BYTES.fetch_add(new_size as isize - layout.size() as isize, Ordering::SeqCst);
            System.realloc(ptr, layout, new_size)
        }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const TASKS: usize = 500;

/// Builds a runtime, fills it with tasks in every state, drops it and every handle.
fn one_cycle(multi: bool) {
    let rt = if multi { common::multi() } else { common::current() };
    let mut handles = Vec::new();
    rt.block_on(async {
        for i in 0..TASKS {
            let t = match i % 6 {
                0 => weft::spawn(async {
                    weft::time::sleep(Duration::from_secs(3600)).await.ok();
                }),
                1 => weft::spawn_named("named and pending", std::future::pending::<()>()),
                2 => weft::spawn(async {}), // finishes, joined by nobody
                3 => {
                    let t = weft::spawn(std::future::pending::<()>());
                    t.cancel(Some("cancelled"));
                    t
                }
                4 => {
                    let t = weft::spawn(std::future::pending::<()>());
                    t.abort();
                    t
                }
                _ => {
                    // Holds a clone of its own waker, as a registration would.
                    weft::spawn(async {
                        let mut kept = None;
                        std::future::poll_fn(|cx| {
                            kept.get_or_insert_with(|| cx.waker().clone());
                            std::task::Poll::<()>::Pending
                        })
                        .await
                    })
                }
            };
            if i % 2 == 0 {
                handles.push(t);
            }
        }
        weft::time::sleep(Duration::from_millis(10)).await.unwrap();
        for _ in 0..TASKS / 10 {
            // Queued, never polled.
            handles.push(weft::spawn(async {}));
        }
    });
    drop(rt);
    drop(handles);
}

#[test]
fn shutdown_frees_every_task_on_both_flavours() {
    common::watchdog("leak", Duration::from_secs(60), || {
        for multi in [false, true] {
            one_cycle(multi); // warm-up: lazily initialised statics and thread-locals
            let before = LIVE_BYTES.load(Ordering::SeqCst);
            for _ in 0..3 {
                one_cycle(multi);
            }
            let after = LIVE_BYTES.load(Ordering::SeqCst);
            let grown = after - before;
            // A leaked task costs well over 100 bytes; 3 cycles of 550 tasks would grow by
            // more than 150 kB. Allow a little noise from the standard library.
            assert!(grown < 16 * 1024, "multi={multi}: {grown} bytes still allocated after 3 cycles");
        }
    });
}
