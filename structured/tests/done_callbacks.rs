//! The structured layer's waiters hear of tasks as asyncio's do: through done callbacks
//! and timer callbacks (`src/done.rs`, the timeout's deadline in `src/timeout.rs`). The
//! order of events against CPython is tested in the facade's `tests/asyncio_order.rs`;
//! these tests cover the paths around it: a deadline moved or abandoned, a waiter
//! cancelled before, while and after it waited, tasks given back by `as_completed`, and
//! `gather`'s children started before the gather is awaited.

mod common;
use common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weft_executor::{Cancelled, current_task, spawn, yield_now};
use weft_structured::{
    AsCompletedError, Interrupted, ReturnWhen, Timeout, as_completed, gather, gather_settled, timeout, wait,
};

#[test]
fn a_timeout_dropped_while_its_timer_is_set_cancels_nobody_later() {
    run(async {
        {
            let mut t = Box::pin(timeout(ms(5), async {
                sleep_ms(60_000).await?;
                Ok::<_, Interrupted>(())
            }));
            // One poll: the body waits, the deadline's timer is set.
            assert!(futures_poll_once(t.as_mut()).is_pending());
        } // dropped: the timer goes with it
        sleep_ms(20).await.unwrap();
        assert_eq!(current_task().unwrap().cancelling(), 0, "no cancel request arrived after the drop");
        yield_now().await.unwrap();
    })
}

#[test]
fn a_timeout_dropped_after_its_passed_deadline_fired_takes_its_request_back() {
    run(async {
        {
            // The deadline has passed when the body first waits: the timeout cancels the
            // task at once, with no timer and nothing shared.
            let mut t = Box::pin(weft_structured::timeout_at(Instant::now(), async {
                yield_now().await?;
                Ok::<_, Interrupted>(())
            }));
            assert!(futures_poll_once(t.as_mut()).is_pending());
            assert_eq!(current_task().unwrap().cancelling(), 1, "the passed deadline's request");
        } // dropped before the body saw it
        assert_eq!(current_task().unwrap().cancelling(), 0, "the drop took the request back");
        yield_now().await.expect("no cancellation is left for the task");
    })
}

/// Blocks the loop's thread: every deadline set before has passed when it next looks at
/// its timers.
fn block_loop(d: Duration) {
    std::thread::sleep(d);
}

#[test]
fn a_deadline_moved_later_from_another_task_does_not_fire_at_the_old_one() {
    run(async {
        let cm = Timeout::at(None);
        let handle = cm.clone();
        let body = spawn(async move {
            cm.run(async {
                sleep_ms(150).await?;
                Ok::<_, Interrupted>("slept")
            })
            .unwrap()
            .await
        });
        yield_now().await.unwrap(); // the body waits, with no deadline
        // From another task: the timer is set, then moved, in one step (no timer can fire
        // in between); then the old deadline passes.
        handle.reschedule(Some(Instant::now() + ms(20))).unwrap();
        handle.reschedule(Some(Instant::now() + Duration::from_secs(60))).unwrap();
        block_loop(ms(50));
        assert_eq!(body.await.unwrap(), Ok("slept"));
        assert!(!handle.expired());
    })
}

#[test]
fn a_deadline_moved_to_now_from_another_task_fires() {
    run(async {
        let cm = Timeout::after(Some(Duration::from_secs(60)));
        let handle = cm.clone();
        let body = spawn(async move {
            cm.run(async {
                sleep_ms(60_000).await?;
                Ok::<_, Interrupted>(())
            })
            .unwrap()
            .await
        });
        yield_now().await.unwrap();
        handle.reschedule(Some(Instant::now())).unwrap();
        assert!(body.await.unwrap().unwrap_err().is_timeout());
        assert!(handle.expired());
    })
}

#[test]
fn a_deadline_disabled_from_another_task_never_fires() {
    run(async {
        let cm = Timeout::at(None);
        let handle = cm.clone();
        let body = spawn(async move {
            cm.run(async {
                sleep_ms(60).await?;
                Ok::<_, Interrupted>(1)
            })
            .unwrap()
            .await
        });
        yield_now().await.unwrap();
        handle.reschedule(Some(Instant::now() + ms(5))).unwrap();
        handle.reschedule(None).unwrap();
        block_loop(ms(20));
        assert_eq!(body.await.unwrap(), Ok(1));
        assert!(!handle.expired());
    })
}

#[test]
fn a_timeout_fires_from_its_timer_on_the_multi_thread_runtime() {
    run_mt(async {
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                spawn(timeout(ms(2), async {
                    sleep_ms(60_000).await?;
                    Ok::<_, Interrupted>(())
                }))
            })
            .collect();
        for t in tasks {
            assert!(t.await.unwrap().unwrap_err().is_timeout());
        }
    })
}

#[test]
fn gather_starts_its_children_before_it_is_awaited() {
    run(async {
        let started = Arc::new(AtomicUsize::new(0));
        let futs = (0..3)
            .map(|_| {
                let s = started.clone();
                async move {
                    s.fetch_add(1, SeqCst);
                    Ok::<_, Cancelled>(())
                }
            })
            .collect();
        let g = gather(futs);
        yield_now().await.unwrap();
        assert_eq!(started.load(SeqCst), 3, "the children are tasks from the call on");
        g.await.unwrap();
    })
}

#[test]
fn gather_made_outside_a_task_spawns_at_its_first_poll() {
    let started = Arc::new(AtomicUsize::new(0));
    let s = started.clone();
    let g = gather(vec![async move {
        s.fetch_add(1, SeqCst);
        Ok::<_, Cancelled>(7)
    }]);
    assert_eq!(started.load(SeqCst), 0);
    assert_eq!(run(g).unwrap(), vec![7]);
    assert_eq!(started.load(SeqCst), 1);
}

/// On a paused clock: the child's 5 ms sleep ends before the root's 30 ms one however the
/// thread is scheduled, so only a child cancelled by the drop can leave `done` at 0.
#[test]
fn a_dropped_gather_leaves_its_children_running() {
    run_paused(async {
        let done = Arc::new(AtomicUsize::new(0));
        let d = done.clone();
        drop(gather(vec![async move {
            sleep_ms(5).await?;
            d.fetch_add(1, SeqCst);
            Ok::<_, Cancelled>(())
        }]));
        sleep_ms(30).await.unwrap();
        assert_eq!(done.load(SeqCst), 1, "asyncio's children are tasks: they run on");
    })
}

#[test]
fn a_gather_awaited_by_a_task_cancelled_before_it_waited_cancels_its_children() {
    run(async {
        let cancelled = Arc::new(AtomicUsize::new(0));
        let c = cancelled.clone();
        let t = spawn(async move {
            let futs = (0..2)
                .map(|_| {
                    let c = c.clone();
                    async move {
                        let r = sleep_ms(60_000).await;
                        if r.is_err() {
                            c.fetch_add(1, SeqCst);
                        }
                        r
                    }
                })
                .collect();
            let g = gather(futs);
            yield_now().await?; // the children start and wait
            current_task().unwrap().cancel(None); // before the first poll of the gather
            g.await
        });
        assert!(t.await.unwrap_err().is_cancelled());
        assert_eq!(cancelled.load(SeqCst), 2);
    })
}

#[test]
fn a_cancellation_in_the_callback_turn_comes_after_the_decided_result() {
    run(async {
        let t = spawn(async {
            let r = gather_settled(vec![async { Ok::<_, Cancelled>(1) }]).await;
            // The result was decided before the cancellation; the cancellation waits for
            // the next checkpoint.
            (r.is_ok(), yield_now().await.is_err())
        });
        // The child finishes in the next turn; the gather decides in the one after and
        // owes one more: cancel it then.
        yield_now().await.unwrap();
        yield_now().await.unwrap();
        yield_now().await.unwrap();
        assert!(!t.is_finished());
        t.cancel(None);
        assert_eq!(t.await.unwrap(), (true, true));
    })
}

#[test]
fn wait_cancelled_before_while_and_after_it_waited() {
    run(async {
        // Before: the first poll is a checkpoint.
        let t = spawn(sleep_ms(60_000));
        current_task().unwrap().cancel(None);
        assert!(wait(vec![t], ReturnWhen::AllCompleted, None).await.is_err());
        // While it waits.
        let waiter = spawn(async {
            let t = spawn(sleep_ms(60_000));
            wait(vec![t], ReturnWhen::AllCompleted, None).await.map(|_| ())
        });
        yield_now().await.unwrap();
        waiter.cancel(None);
        assert!(waiter.await.unwrap_err().is_cancelled());
        // After it was decided, in the callback's turn (the child finishes in turn 2, the
        // waiter decides in turn 3 and returns in turn 4): the sets are returned, and the
        // waiting task, whose request is still pending, ends cancelled (asyncio's
        // `_must_cancel`).
        let waiter = spawn(async {
            let t = spawn(async { Ok::<_, ()>(1) });
            wait(vec![t], ReturnWhen::AllCompleted, None).await.map(|(done, _)| done.len())
        });
        for _ in 0..3 {
            yield_now().await.unwrap();
        }
        assert!(!waiter.is_finished());
        waiter.cancel(None);
        assert!(waiter.await.unwrap_err().is_cancelled());
    })
}

#[test]
fn as_completed_gives_back_what_it_did_not_yield() {
    run(async {
        let fast = spawn(async { Ok::<_, ()>(1) });
        let also_fast = spawn(async { Ok::<_, ()>(2) });
        let slow = spawn(async {
            sleep_ms(60_000).await.ok();
            Ok::<_, ()>(3)
        });
        let mut s = as_completed(vec![fast, also_fast, slow], None);
        let first = s.next().await.unwrap();
        let first = first.unwrap();
        assert_eq!(first.index, 0);
        let rest = s.into_remaining();
        assert_eq!(rest.finished.len(), 1, "finished with the first, not yet yielded");
        assert_eq!(rest.finished[0].index, 1);
        assert_eq!(rest.pending.len(), 1);
        let (index, slow) = rest.pending.into_iter().next().unwrap();
        assert_eq!(index, 2);
        assert!(!slow.is_finished(), "still running, and reachable");
        slow.cancel(None);
        assert_eq!(slow.await.unwrap(), Ok(3), "it swallowed the cancellation and returned");
    })
}

#[test]
fn as_completed_cancelled_while_waiting_ends_and_leaves_the_tasks() {
    run(async {
        let t = spawn(async {
            let slow = spawn(async {
                sleep_ms(30).await.ok();
                Ok::<_, ()>(3)
            });
            let mut s = as_completed(vec![slow], None);
            let e = s.next().await.unwrap().unwrap_err();
            let (_, slow) = s.into_remaining().pending.pop().unwrap();
            (matches!(e, AsCompletedError::Cancelled(_)), slow.await.unwrap())
        });
        yield_now().await.unwrap();
        t.cancel(None);
        assert_eq!(t.await.unwrap(), (true, Ok(3)));
    })
}

#[test]
fn as_completed_on_the_multi_thread_runtime_yields_every_task_once() {
    run_mt(async {
        let tasks: Vec<_> = (0..200u32)
            .map(|i| {
                spawn(async move {
                    if i % 3 == 0 {
                        yield_now().await.unwrap();
                    }
                    Ok::<_, ()>(i)
                })
            })
            .collect();
        let mut s = as_completed(tasks, None);
        let mut got = Vec::new();
        while let Some(f) = s.next().await {
            got.push(f.unwrap().result.unwrap().unwrap());
        }
        got.sort();
        assert_eq!(got, (0..200).collect::<Vec<_>>());
    })
}

/// Polls a future once with the current task's waker.
fn futures_poll_once<F: std::future::Future + ?Sized>(
    f: std::pin::Pin<&mut F>,
) -> std::task::Poll<F::Output> {
    let waker = futures_task_noop();
    let mut cx = std::task::Context::from_waker(&waker);
    f.poll(&mut cx)
}

fn futures_task_noop() -> std::task::Waker {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    std::task::Waker::from(Arc::new(Noop))
}
