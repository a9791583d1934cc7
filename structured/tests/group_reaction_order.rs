//! When a fail-fast group reacts to a child's failure. asyncio's group hears of a child's
//! end through a done-callback that the loop queues with `call_soon`, behind the tasks
//! that were already ready; weft's group reacts in a scheduled step of its own, so on the
//! current-thread runtime the order is asyncio's. Expected results are CPython 3.13's.

mod common;
use common::*;
use std::sync::{Arc, Mutex};
use weft_executor::{Runtime, current_task, spawn, yield_now};
use weft_structured::{GroupError, GroupSpawnError, Policy, TaskGroup, task_group};

/// Seed 004's `process_item`: fails at once, without awaiting, for "fail*" items.
async fn process_item(item: &'static str) -> Result<&'static str, E> {
    if item.contains("fail") {
        return Err(if item == "fail2" { E::Value } else { E::Key });
    }
    Ok(item)
}

/// CPython: `process_batch(["item1", "fail2", "fail3"])` raises an ExceptionGroup with 2
/// ValueErrors: fail3 was already ready when fail2 failed, so it runs (and fails) before
/// the group's done-callback cancels anything.
#[test]
fn failure_without_await_lets_ready_sibling_fail_too() {
    run(async {
        let (r, item1) = {
            let item1 = Arc::new(Mutex::new(None));
            let i = item1.clone();
            let r = task_group(|tg| async move {
                let t = tg.spawn(process_item("item1"))?;
                tg.spawn(process_item("fail2"))?;
                tg.spawn(process_item("fail3"))?;
                *i.lock().unwrap() = Some(t);
                Ok::<_, GroupSpawnError>(())
            })
            .await;
            (r, item1)
        };
        let g = failed(r);
        assert_eq!(g.len(), 2, "both failures are reported, as in CPython: {g:?}");
        // In the order they happened.
        assert_eq!(g.downcast::<E>().map(|e| e.name()).collect::<Vec<_>>(), ["ValueError", "KeyError"]);
        let t = item1.lock().unwrap().take().unwrap();
        assert_eq!(t.take_result().unwrap().unwrap(), "item1");
        assert_eq!(current_task().unwrap().cancelling(), 0);
    })
}

/// CPython: two children that fail after the same `sleep(5 ms)` are both reported: the
/// timer wakes both, and the second runs before the first one's done-callback. On a
/// paused clock: on a real one, a thread descheduled for 5 ms between the two children's
/// first steps sees the first timer due before the second is set (asyncio too).
#[test]
fn failures_after_the_same_timer_are_both_reported() {
    run_paused(async {
        let r = task_group(|tg| async move {
            tg.spawn(async {
                sleep_ms(5).await?;
                Err::<(), _>(E::Value)
            })?;
            tg.spawn(async {
                sleep_ms(5).await?;
                Err::<(), _>(E::ZeroDivision)
            })?;
            Ok::<_, GroupSpawnError>(())
        })
        .await;
        let g = failed(r);
        assert_eq!(g.len(), 2, "{g:?}");
        assert_eq!(
            g.downcast::<E>().map(|e| e.name()).collect::<Vec<_>>(),
            ["ValueError", "ZeroDivisionError"]
        );
        assert_eq!(current_task().unwrap().cancelling(), 0);
    })
}

/// CPython 3.13 logs, for a child A failing at once beside a ready sibling B and a body
/// that does `sleep(0)` then `sleep(1)`:
/// `['B step 1', 'body after sleep(0)', 'B cancelled', 'errors 1', 'cancelling 0']`.
/// Tasks ready before the reaction run one step; the reaction then cancels the sibling
/// at its next checkpoint and the body once.
#[test]
fn ready_tasks_run_one_step_before_the_group_reacts() {
    run(async {
        let log = Arc::new(Mutex::new(Vec::<String>::new()));
        let l = log.clone();
        let r = task_group(|tg| async move {
            tg.spawn(async { Err::<(), _>(E::Value) })?;
            let lb = l.clone();
            tg.spawn(async move {
                lb.lock().unwrap().push("B step 1".into());
                match sleep_ms(1000).await {
                    Ok(()) => lb.lock().unwrap().push("B step 2".into()),
                    Err(c) => {
                        lb.lock().unwrap().push("B cancelled".into());
                        return Err(E::Cancelled(c));
                    }
                }
                Ok(())
            })?;
            yield_now().await?;
            l.lock().unwrap().push("body after sleep(0)".into());
            sleep_ms(1000).await?;
            l.lock().unwrap().push("body after sleep(1)".into());
            Ok::<_, E>(())
        })
        .await;
        let g = failed(r);
        log.lock().unwrap().push(format!("errors {}", g.len()));
        log.lock().unwrap().push(format!("cancelling {}", current_task().unwrap().cancelling()));
        assert_eq!(
            *log.lock().unwrap(),
            ["B step 1", "body after sleep(0)", "B cancelled", "errors 1", "cancelling 0"]
        );
    })
}

/// Many failures queued at once: the parent is still cancelled once, and the group
/// takes its request back.
#[test]
fn many_ready_failures_cancel_the_parent_once() {
    run(async {
        let r = task_group(|tg| async move {
            for _ in 0..50 {
                tg.spawn(async { Err::<(), _>(E::Value) })?;
            }
            sleep_ms(1000).await?;
            Ok::<_, E>(())
        })
        .await;
        assert_eq!(failed(r).len(), 50);
        assert_eq!(current_task().unwrap().cancelling(), 0);
        assert!(yield_now().await.is_ok(), "no cancellation left over for the parent");
    })
}

/// A supervise group never reacts: every failure is collected, siblings run on.
#[test]
fn supervise_collects_ready_failures_without_cancelling() {
    run(async {
        let r = TaskGroup::with_policy(Policy::Supervise)
            .run(|tg| async move {
                tg.spawn(async { Err::<(), _>(E::Value) })?;
                let t = tg.spawn(async {
                    sleep_ms(10).await?;
                    Ok::<_, E>("done")
                })?;
                tg.spawn(async { Err::<(), _>(E::Key) })?;
                Ok::<_, GroupSpawnError>(t)
            })
            .unwrap()
            .await;
        assert_eq!(failed(r).len(), 2);
    })
}

/// On the multi-thread runtime the order between children is not defined, but every
/// failure that happened is reported, the parent's count is restored, and nothing hangs.
#[test]
fn multi_thread_ready_failures_are_reported_and_joined() {
    for _ in 0..50 {
        run_mt(async {
            let r = task_group(|tg| async move {
                for i in 0..20 {
                    tg.spawn(async move {
                        if i % 2 == 0 {
                            Err::<(), _>(E::Value)
                        } else {
                            sleep_ms(1000).await?;
                            Ok(())
                        }
                    })?;
                }
                sleep_ms(1000).await?;
                Ok::<_, E>(())
            })
            .await;
            let g = failed(r);
            assert!((1..=10).contains(&g.len()), "{}", g.len());
            assert_eq!(current_task().unwrap().cancelling(), 0);
        })
    }
}

/// A group whose failed child's reaction is still queued when `block_on` returns: the
/// runtime shuts down without hanging, and the reaction runs (or is dropped) harmlessly.
#[test]
#[allow(clippy::async_yields_async)] // the block returns the group's task, unawaited, on purpose
fn runtime_shutdown_with_a_reaction_still_queued() {
    let rt = Runtime::builder().current_thread().build().unwrap();
    let group = rt.block_on(async {
        let group = spawn(async {
            task_group(|tg| async move {
                tg.spawn(async { Err::<(), _>(E::Value) })?;
                sleep_ms(60_000).await?;
                Ok::<_, E>(())
            })
            .await
        });
        // group task runs, then the child fails and queues the reaction behind us.
        yield_now().await.unwrap();
        yield_now().await.unwrap();
        group
    });
    drop(rt);
    drop(group);

    // asyncio.run's shutdown: every task left is cancelled and awaited.
    let rt = Runtime::builder().current_thread().build().unwrap();
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    weft_executor::run_on(&rt, async move {
        spawn(async move {
            let r = task_group(|tg| async move {
                tg.spawn(async { Err::<(), _>(E::Value) })?;
                sleep_ms(60_000).await?;
                Ok::<_, E>(())
            })
            .await;
            *s.lock().unwrap() = Some(matches!(r, Err(GroupError::Failed(ref g)) if g.len() == 1));
        });
        yield_now().await.unwrap();
        yield_now().await.unwrap();
    })
    .unwrap();
    assert_eq!(*seen.lock().unwrap(), Some(true));
}
