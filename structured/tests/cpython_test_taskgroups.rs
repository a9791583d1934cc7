//! Ports of CPython 3.13's Lib/test/test_asyncio/test_taskgroups.py, one test per case.
//! See docs/conformance/test_taskgroups.md for the cases that differ and why.

mod common;
use common::*;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use weft_executor::{Cancelled, current_task, spawn};
use weft_structured::{
    GroupError, GroupSpawnError, GroupStateError, TaskGroup, TaskLocal, await_task, task_group,
};

async fn sleep_then<T>(n: u64, v: T) -> Result<T, E> {
    sleep_ms(n).await?;
    Ok(v)
}

async fn sleep_then_zerodiv(n: u64) -> Result<(), E> {
    sleep_ms(n).await?;
    Err(E::ZeroDivision)
}

/// `try: await sleep(n) finally: 1/0`
async fn sleep_finally_zerodiv(n: u64) -> Result<(), E> {
    let _ = sleep_ms(n).await;
    Err(E::ZeroDivision)
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_01() {
    run(async {
        let (t1, t2) = task_group(|g| async move {
            let t1 = g.spawn(sleep_then(100, 42))?;
            let t2 = g.spawn(sleep_then(200, 11))?;
            Ok::<_, E>((t1, t2))
        })
        .await
        .unwrap();
        assert_eq!(t1.take_result().unwrap().unwrap(), 42);
        assert_eq!(t2.take_result().unwrap().unwrap(), 11);
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_02() {
    run(async {
        let (t1, t2) = task_group(|g| async move {
            let t1 = g.spawn(sleep_then(100, 42))?;
            sleep_ms(150).await?;
            let t2 = g.spawn(sleep_then(200, 11))?;
            Ok::<_, E>((t1, t2))
        })
        .await
        .unwrap();
        assert_eq!(t1.take_result().unwrap().unwrap(), 42);
        assert_eq!(t2.take_result().unwrap().unwrap(), 11);
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_03() {
    run(async {
        let (t1, t2) = task_group(|g| async move {
            let t1 = g.spawn(sleep_then(1000, 42))?;
            sleep_ms(150).await?;
            // cancel t1 explicitly: everything else goes on as expected
            t1.cancel(None);
            let t2 = g.spawn(sleep_then(200, 11))?;
            Ok::<_, E>((t1, t2))
        })
        .await
        .unwrap();
        assert!(t1.is_cancelled());
        // t1.cancelled(): the child's task itself ended cancelled.
        assert!(t1.task_ref().is_cancelled());
        assert!(!t2.task_ref().is_cancelled());
        assert_eq!(t2.take_result().unwrap().unwrap(), 11);
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_04() {
    run(async {
        let num = Arc::new(AtomicUsize::new(0));
        let t2_cancel = Arc::new(AtomicBool::new(false));
        // `nonlocal t2`: the child's handle, kept outside the group.
        let t2_slot = Arc::new(parking_lot::Mutex::new(None));
        let (n, c, slot) = (num.clone(), t2_cancel.clone(), t2_slot.clone());
        let runner = spawn(async move {
            let n2 = n.clone();
            let r = task_group(|g| async move {
                g.spawn(sleep_then_zerodiv(100))?;
                let t2 = g.spawn(async move {
                    if let Err(e) = sleep_ms(1000).await {
                        c.store(true, SeqCst);
                        return Err(e.into());
                    }
                    n2.fetch_add(1, SeqCst);
                    Ok::<_, E>(())
                })?;
                *slot.lock() = Some(t2);
                Ok::<_, E>(())
            })
            .await;
            if r.is_ok() {
                n.fetch_add(10, SeqCst);
            }
            r
        });
        let g = failed(runner.await.unwrap());
        assert_eq!(error_types(&g), set(&["ZeroDivisionError"]));
        assert_eq!(num.load(SeqCst), 0);
        assert!(t2_cancel.load(SeqCst));
        let t2 = t2_slot.lock().take().expect("t2 was created");
        assert!(t2.is_cancelled());
    })
}

#[test]
fn cpython_test_taskgroups_test_cancel_children_on_child_error() {
    run(async {
        let num = Arc::new(AtomicUsize::new(0));
        let t2_cancel = Arc::new(AtomicBool::new(false));
        let runner_cancel = Arc::new(AtomicBool::new(false));
        let (n, c, rc) = (num.clone(), t2_cancel.clone(), runner_cancel.clone());
        let runner = spawn(async move {
            let n2 = n.clone();
            let r = task_group(|g| async move {
                for _ in 0..3 {
                    g.spawn(sleep_then_zerodiv(100))?;
                }
                g.spawn(async move {
                    if let Err(e) = sleep_ms(5000).await {
                        c.store(true, SeqCst);
                        return Err(E::from(e));
                    }
                    n2.fetch_add(1, SeqCst);
                    Ok(())
                })?;
                if let Err(e) = sleep_ms(10_000).await {
                    rc.store(true, SeqCst);
                    return Err(E::from(e));
                }
                Ok::<_, E>(())
            })
            .await;
            if r.is_ok() {
                n.fetch_add(10, SeqCst);
            }
            r
        });
        let g = failed(runner.await.unwrap());
        assert_eq!(error_types(&g), set(&["ZeroDivisionError"]));
        assert_eq!(num.load(SeqCst), 0);
        assert!(t2_cancel.load(SeqCst));
        assert!(runner_cancel.load(SeqCst));
    })
}

fn counting_sleeper(
    num: &Arc<AtomicUsize>,
    add: usize,
    n: u64,
) -> impl std::future::Future<Output = Result<(), E>> + use<> {
    let num = num.clone();
    async move {
        if let Err(e) = sleep_ms(n).await {
            num.fetch_add(add, SeqCst);
            return Err(e.into());
        }
        Ok(())
    }
}

#[test]
fn cpython_test_taskgroups_test_cancellation() {
    run(async {
        let num = Arc::new(AtomicUsize::new(0));
        let n = num.clone();
        let r = spawn(async move {
            task_group(|g| async move {
                for _ in 0..5 {
                    g.spawn(counting_sleeper(&n, 1, 5000))?;
                }
                Ok::<_, E>(())
            })
            .await
        });
        sleep_ms(100).await.unwrap();
        assert!(!r.is_finished());
        r.cancel(None);
        assert!(r.await.unwrap_err().is_cancelled());
        assert_eq!(num.load(SeqCst), 5);
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_07() {
    run(async {
        let num = Arc::new(AtomicUsize::new(0));
        let n = num.clone();
        let r = spawn(async move {
            task_group(|g| async move {
                for _ in 0..5 {
                    g.spawn(counting_sleeper(&n, 1, 5000))?;
                }
                counting_sleeper(&n, 10, 10_000).await
            })
            .await
        });
        sleep_ms(100).await.unwrap();
        assert!(!r.is_finished());
        r.cancel(None);
        assert!(r.await.unwrap_err().is_cancelled());
        assert_eq!(num.load(SeqCst), 15);
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_08() {
    run(async {
        let r = spawn(async move {
            task_group(|g| async move {
                for _ in 0..5 {
                    g.spawn(sleep_finally_zerodiv(10_000))?;
                }
                sleep_ms(10_000).await?;
                Ok::<_, E>(())
            })
            .await
        });
        sleep_ms(100).await.unwrap();
        assert!(!r.is_finished());
        r.cancel(None);
        let g = failed(r.await.unwrap());
        assert_eq!(error_types(&g), set(&["ZeroDivisionError"]));
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_09() {
    run(async {
        let tasks = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let t = tasks.clone();
        let r = task_group(|g| async move {
            t.lock().push(g.spawn(sleep_then(1000, 42))?);
            t.lock().push(g.spawn(sleep_then(2000, 11))?);
            sleep_ms(100).await?;
            Err::<(), _>(E::ZeroDivision)
        })
        .await;
        assert_eq!(error_types(&failed(r)), set(&["ZeroDivisionError"]));
        assert!(tasks.lock().iter().all(|t| t.is_cancelled()));
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_10() {
    run(async {
        let tasks = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let t = tasks.clone();
        let r = task_group(|g| async move {
            t.lock().push(g.spawn(sleep_then(1000, 42))?);
            t.lock().push(g.spawn(sleep_then(2000, 11))?);
            Err::<(), _>(E::ZeroDivision)
        })
        .await;
        assert_eq!(error_types(&failed(r)), set(&["ZeroDivisionError"]));
        assert!(tasks.lock().iter().all(|t| t.is_cancelled()));
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_11() {
    run(async {
        let r = spawn(async move {
            task_group(|_g1| async move {
                task_group(|g2| async move {
                    for _ in 0..5 {
                        g2.spawn(sleep_finally_zerodiv(10_000))?;
                    }
                    sleep_ms(10_000).await?;
                    Ok::<_, E>(())
                })
                .await?;
                Ok::<_, E>(())
            })
            .await
        });
        sleep_ms(100).await.unwrap();
        assert!(!r.is_finished());
        r.cancel(None);
        let g = failed(r.await.unwrap());
        assert_eq!(error_types(&g), set(&["ExceptionGroup"]));
        assert_eq!(error_types(&nested(&g, 0)), set(&["ZeroDivisionError"]));
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_12() {
    run(async {
        let r = spawn(async move {
            task_group(|g1| async move {
                g1.spawn(sleep_then(10_000, ()))?;
                task_group(|g2| async move {
                    for _ in 0..5 {
                        g2.spawn(sleep_finally_zerodiv(10_000))?;
                    }
                    sleep_ms(10_000).await?;
                    Ok::<_, E>(())
                })
                .await?;
                Ok::<_, E>(())
            })
            .await
        });
        sleep_ms(100).await.unwrap();
        assert!(!r.is_finished());
        r.cancel(None);
        let g = failed(r.await.unwrap());
        assert_eq!(error_types(&g), set(&["ExceptionGroup"]));
        assert_eq!(error_types(&nested(&g, 0)), set(&["ZeroDivisionError"]));
    })
}

async fn crash_after(n: u64) -> Result<(), E> {
    sleep_ms(n).await?;
    Err(E::Value)
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_13() {
    run(async {
        let r = spawn(async move {
            task_group(|g1| async move {
                g1.spawn(crash_after(100))?;
                task_group(|g2| async move {
                    g2.spawn(crash_after(10_000))?;
                    Ok::<_, E>(())
                })
                .await?;
                Ok::<_, E>(())
            })
            .await
        });
        let g = failed(r.await.unwrap());
        assert_eq!(error_types(&g), set(&["ValueError"]));
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_14() {
    run(async {
        let r = spawn(async move {
            task_group(|g1| async move {
                g1.spawn(crash_after(10_000))?;
                task_group(|g2| async move {
                    g2.spawn(crash_after(100))?;
                    Ok::<_, E>(())
                })
                .await?;
                Ok::<_, E>(())
            })
            .await
        });
        let g = failed(r.await.unwrap());
        assert_eq!(error_types(&g), set(&["ExceptionGroup"]));
        assert_eq!(error_types(&nested(&g, 0)), set(&["ValueError"]));
    })
}

async fn body_sleep_then_cleanup() -> Result<(), E> {
    if let Err(c) = sleep_ms(10_000).await {
        sleep_ms(500).await?;
        return Err(c.into());
    }
    Ok(())
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_15() {
    run(async {
        let r = spawn(async move {
            task_group(|g1| async move {
                g1.spawn(sleep_then_zerodiv(300))?;
                body_sleep_then_cleanup().await
            })
            .await
        });
        sleep_ms(100).await.unwrap();
        assert!(!r.is_finished());
        r.cancel(None);
        let g = failed(r.await.unwrap());
        assert_eq!(error_types(&g), set(&["ZeroDivisionError"]));
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_16() {
    run(async {
        let r = spawn(async move {
            let t = spawn(async move {
                task_group(|g1| async move {
                    g1.spawn(sleep_then_zerodiv(300))?;
                    body_sleep_then_cleanup().await
                })
                .await
            });
            // asyncio's `await t` passes the runner's cancellation on to t.
            await_task(t).await
        });
        sleep_ms(100).await.unwrap();
        assert!(!r.is_finished());
        r.cancel(None);
        let g = failed(r.await.unwrap().unwrap());
        assert_eq!(error_types(&g), set(&["ZeroDivisionError"]));
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_17() {
    run(async {
        let num = Arc::new(AtomicUsize::new(0));
        let n = num.clone();
        let r = spawn(async move { task_group(|_g| counting_sleeper(&n, 10, 10_000)).await });
        sleep_ms(100).await.unwrap();
        assert!(!r.is_finished());
        r.cancel(None);
        assert!(r.await.unwrap_err().is_cancelled());
        assert_eq!(num.load(SeqCst), 10);
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_18() {
    run(async {
        let num = Arc::new(AtomicUsize::new(0));
        let n = num.clone();
        let r = spawn(async move {
            task_group(|_g| async move {
                if sleep_ms(10_000).await.is_err() {
                    n.fetch_add(10, SeqCst);
                    // "This isn't a good idea, but we have to support this weird case."
                    return Err(E::MyExc);
                }
                Ok(())
            })
            .await
        });
        sleep_ms(100).await.unwrap();
        assert!(!r.is_finished());
        r.cancel(None);
        let g = failed(r.await.unwrap());
        assert_eq!(error_types(&g), set(&["MyExc"]));
        assert_eq!(num.load(SeqCst), 10);
    })
}

/// `try: await sleep(10) finally: raise err`
async fn nested_raising(err: fn() -> E) -> Result<(), E> {
    let _ = sleep_ms(10_000).await;
    Err(err())
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_19() {
    run(async {
        let r = task_group(|g| async move {
            g.spawn(sleep_then_zerodiv(100))?;
            nested_raising(|| E::MyExc).await
        })
        .await;
        assert_eq!(error_types(&failed(r)), set(&["MyExc", "ZeroDivisionError"]));
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_20() {
    // KeyboardInterrupt has no Rust counterpart; the nearest thing, a panic of the body,
    // is a failure grouped with the child's (deliberately different: see the docs).
    run(async {
        let r = task_group(|g| async move {
            g.spawn(sleep_then_zerodiv(100))?;
            let _ = sleep_ms(10_000).await;
            if true {
                panic!("KeyboardInterrupt");
            }
            Ok::<_, E>(())
        })
        .await;
        let g = failed(r);
        assert_eq!(error_types(&g), set(&["Panic", "ZeroDivisionError"]));
        assert_eq!(
            g.downcast::<weft_structured::ChildPanicked>().next().unwrap().message(),
            "KeyboardInterrupt"
        );
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_20a() {
    run(async {
        let r = task_group(|g| async move {
            g.spawn(sleep_then_zerodiv(100))?;
            nested_raising(|| E::MyBaseExc).await
        })
        .await;
        assert_eq!(error_types(&failed(r)), set(&["MyBaseExc", "ZeroDivisionError"]));
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_21a() {
    run(async {
        let r = task_group(|g| async move {
            g.spawn(async {
                sleep_ms(100).await?;
                Err::<(), _>(E::MyBaseExc)
            })?;
            nested_raising(|| E::Type).await
        })
        .await;
        assert_eq!(error_types(&failed(r)), set(&["MyBaseExc", "TypeError"]));
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_22() {
    run(async {
        let r = spawn(async move {
            task_group(|g| async move {
                g.spawn(sleep_then(1000, 42))?;
                g.spawn(sleep_then(2000, 11))?;
                Ok::<_, E>(())
            })
            .await
        });
        sleep_ms(50).await.unwrap();
        r.cancel(None);
        assert!(r.await.unwrap_err().is_cancelled());
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_23() {
    run(async {
        task_group(|g| async move {
            for count in 0..10 {
                sleep_ms(100).await?;
                g.spawn(sleep_then(300, ()))?;
                if count == 5 {
                    assert!(g.len() < 5);
                }
            }
            sleep_ms(1350).await?;
            assert_eq!(g.len(), 0);
            Ok::<_, E>(())
        })
        .await
        .unwrap();
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_24() {
    run(async {
        task_group(|g| async move {
            let g2 = g.clone();
            g.spawn(async move {
                sleep_ms(100).await?;
                g2.spawn(sleep_then(100, ()))?;
                g2.spawn(sleep_then(200, ()))?;
                Ok::<_, E>(())
            })?;
            Ok::<_, E>(())
        })
        .await
        .unwrap();
    })
}

fn hydra(
    g: TaskGroup,
    n: Arc<AtomicUsize>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), E>> + Send>> {
    Box::pin(async move {
        n.fetch_add(1, SeqCst);
        sleep_ms(10).await?;
        g.spawn(hydra(g.clone(), n.clone()))?;
        g.spawn(hydra(g.clone(), n.clone()))?;
        Ok(())
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_25() {
    run(async {
        let nhydras = Arc::new(AtomicUsize::new(0));
        let n = nhydras.clone();
        let r = task_group(|g| async move {
            g.spawn(hydra(g.clone(), n.clone()))?;
            g.spawn(async move {
                while n.load(SeqCst) < 10 {
                    sleep_ms(15).await?;
                }
                Err::<(), _>(E::ZeroDivision)
            })?;
            Ok::<_, E>(())
        })
        .await;
        assert_eq!(error_types(&failed(r)), set(&["ZeroDivisionError"]));
        assert!(nhydras.load(SeqCst) >= 10);
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_task_name() {
    run(async {
        task_group(|g| async move {
            let t = g.spawn_named("yolo", async { weft_executor::yield_now().await.map_err(E::from) })?;
            assert_eq!(t.name().as_deref(), Some("yolo"));
            Ok::<_, E>(())
        })
        .await
        .unwrap();
    })
}

static CVAR: TaskLocal<i32> = TaskLocal::new("cvar");

#[test]
fn cpython_test_taskgroups_test_taskgroup_task_context() {
    // Deliberately different: weft has no `context=` argument; every child starts with a
    // copy of the spawner's task-locals, so what a child sets stays in the child.
    run(async {
        task_group(|g| async move {
            assert_eq!(CVAR.get(), None);
            let t1 = g.spawn(async {
                weft_executor::yield_now().await?;
                let _ = CVAR.set(1);
                Ok::<_, E>(CVAR.get())
            })?;
            assert_eq!(t1.await.unwrap(), Some(1));
            assert_eq!(CVAR.get(), None);
            let _token = CVAR.set(5);
            let t2 = g.spawn(async { Ok::<_, E>(CVAR.get()) })?;
            assert_eq!(t2.await.unwrap(), Some(5));
            Ok::<_, E>(())
        })
        .await
        .unwrap();
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_no_create_task_after_failure() {
    run(async {
        let r = task_group(|g| async move {
            g.spawn(sleep_then_zerodiv(1))?;
            let g2 = g.clone();
            g.spawn(async move {
                if sleep_ms(1000).await.is_err() {
                    assert_eq!(g2.spawn(sleep_then_zerodiv(1)).unwrap_err(), GroupSpawnError::ShuttingDown);
                }
                Ok::<_, E>(())
            })?;
            Ok::<_, E>(())
        })
        .await;
        assert_eq!(error_types(&failed(r)), set(&["ZeroDivisionError"]));
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_context_manager_exit_raises() {
    run(async {
        let main = spawn(async {
            let task = current_task().unwrap();
            let r = task_group(|tg| async move {
                // `async with database():` whose exit raises CustomException
                tg.spawn(async { Err::<(), _>(E::Custom) })?;
                let _ = sleep_ms(1000).await;
                Err::<(), _>(E::Custom)
            })
            .await;
            let g = failed(r);
            assert_eq!(task.cancelling(), 0);
            assert_eq!(g.len(), 2);
            assert_eq!(error_types(&g), set(&["CustomException"]));
        });
        main.await.unwrap();
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_already_entered() {
    run(async {
        let tg = TaskGroup::new();
        let tg2 = tg.clone();
        tg.run(|_| async move {
            assert_eq!(tg2.run(|_| async { Ok::<_, E>(()) }).err(), Some(GroupStateError::AlreadyEntered));
            Ok::<_, E>(())
        })
        .unwrap()
        .await
        .unwrap();
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_double_enter() {
    run(async {
        let tg = TaskGroup::new();
        tg.run(|_| async { Ok::<_, E>(()) }).unwrap().await.unwrap();
        assert_eq!(tg.run(|_| async { Ok::<_, E>(()) }).err(), Some(GroupStateError::AlreadyEntered));
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_finished() {
    run(async {
        let tg = task_group(|tg| async move { Ok::<_, E>(tg) }).await.unwrap();
        let dropped = Arc::new(AtomicBool::new(false));
        struct OnDrop(Arc<AtomicBool>);
        impl Drop for OnDrop {
            fn drop(&mut self) {
                self.0.store(true, SeqCst);
            }
        }
        let guard = OnDrop(dropped.clone());
        let e = tg.spawn(async move {
            let _g = guard;
            Ok::<_, E>(())
        });
        assert_eq!(e.unwrap_err(), GroupSpawnError::Finished);
        // The future given to a finished group is dropped (asyncio closes the coroutine).
        assert!(dropped.load(SeqCst));
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_not_entered() {
    run(async {
        let tg = TaskGroup::new();
        assert_eq!(tg.spawn(async { Ok::<_, E>(()) }).unwrap_err(), GroupSpawnError::NotEntered);
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_without_parent_task() {
    // Polled outside any weft task: a panic that says what to do (asyncio raises
    // RuntimeError "cannot determine the parent task"); the group stays not entered.
    let tg = TaskGroup::new();
    let mut fut = Box::pin(tg.run(|_| async { Ok::<_, E>(()) }).unwrap());
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fut.as_mut().poll(&mut cx)));
    let msg = common_panic_message(r.unwrap_err());
    assert_eq!(
        msg,
        "weft: a task group must be awaited inside a weft task: spawn it with weft::spawn, or await it \
         in the future given to weft::run or Runtime::block_on"
    );
    assert_eq!(tg.spawn(async { Ok::<_, E>(()) }).unwrap_err(), GroupSpawnError::NotEntered);
}

fn common_panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn cpython_test_taskgroups_test_coro_closed_when_tg_closed() {
    // `loop.run_until_complete` on a fresh loop: block_on on a fresh runtime.
    run(async {
        let tg = task_group(|tg| async move { Ok::<_, E>(tg) }).await.unwrap();
        assert_eq!(tg.spawn(async { Ok::<_, E>(()) }).unwrap_err(), GroupSpawnError::Finished);
    })
}

#[test]
fn cpython_test_taskgroups_test_cancelling_level_preserved() {
    run(async {
        let r = task_group(|tg| async move {
            tg.spawn(async {
                sleep_ms(0).await?;
                Err::<(), _>(E::Runtime)
            })?;
            Ok::<_, E>(())
        })
        .await;
        assert_eq!(error_types(&failed(r)), set(&["RuntimeError"]));
        assert_eq!(current_task().unwrap().cancelling(), 0);
    })
}

#[test]
fn cpython_test_taskgroups_test_nested_groups_both_cancelled() {
    run(async {
        let r = task_group(|outer_tg| async move {
            let inner = task_group(|inner_tg| async move {
                inner_tg.spawn(async {
                    weft_executor::yield_now().await?;
                    Err::<(), _>(E::Runtime)
                })?;
                outer_tg.spawn(async {
                    weft_executor::yield_now().await?;
                    Err::<(), _>(E::Value)
                })?;
                Ok::<_, E>(())
            })
            .await;
            // `except* RuntimeError: pass`
            let g = failed(inner);
            assert_eq!(error_types(&g), set(&["RuntimeError"]));
            assert_eq!(current_task().unwrap().cancelling(), 1);
            Ok::<_, E>(())
        })
        .await;
        assert_eq!(error_types(&failed(r)), set(&["ValueError"]));
        assert_eq!(current_task().unwrap().cancelling(), 0);
    })
}

#[test]
fn cpython_test_taskgroups_test_error_and_cancel() {
    run(async {
        let event = Arc::new(AtomicBool::new(false));
        let ev = event.clone();
        let t = spawn(async move {
            let r = task_group(|tg| async move {
                tg.spawn(async move {
                    ev.store(true, SeqCst);
                    weft_executor::yield_now().await?;
                    Err::<(), _>(E::Runtime)
                })?;
                sleep_ms(1000).await?;
                panic!("sleep in group should have been cancelled");
                #[allow(unreachable_code)]
                Ok::<(), E>(())
            })
            .await;
            let g: weft_structured::ErrorGroup = failed(r);
            assert_eq!(error_types(&g), set(&["RuntimeError"]));
            assert_eq!(current_task().unwrap().cancelling(), 1);
            sleep_ms(1000).await?;
            panic!("sleep after group should have been cancelled");
            #[allow(unreachable_code)]
            Ok::<(), Cancelled>(())
        });
        while !event.load(SeqCst) {
            weft_executor::yield_now().await.unwrap();
        }
        assert_eq!(t.cancelling(), 0);
        t.cancel(None);
        assert_eq!(t.cancelling(), 1);
        let r = t.await;
        assert!(r.unwrap_err().is_cancelled());
    })
}

#[test]
fn cpython_test_taskgroups_test_taskgroup_21() {
    // CPython disables this case (`_test_taskgroup_21`): KeyboardInterrupt crashes the
    // loop. The weft analogue, a child panic next to a body error, is a plain failure.
    run(async {
        let r = task_group(|g| async move {
            g.spawn(async {
                sleep_ms(100).await?;
                if true {
                    panic!("KeyboardInterrupt");
                }
                Ok::<_, E>(())
            })?;
            nested_raising(|| E::Type).await
        })
        .await;
        assert_eq!(error_types(&failed(r)), set(&["Panic", "TypeError"]));
    })
}

#[test]
fn group_error_is_not_a_cancellation_but_group_cancel_is() {
    let g = GroupError::Cancelled(Cancelled::new(None));
    assert!(weft::is_cancellation(&g));
    assert!(!weft::is_cancellation(&GroupError::Stopped));
}
