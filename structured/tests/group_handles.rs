//! A child's handle once its group has returned: finished, with its result, on both
//! flavours. asyncio's `TaskGroup` returns only after every child task is done, so
//! `t.result()` after the `async with` always answers; weft's group hears of a child's
//! end only once the child's task has completed, so its `GroupTask` says so too.

mod common;

use weft_executor::Cancelled;
use weft_structured::{ChildError, GroupError, GroupSpawnError, GroupTask, task_group};

const ROUNDS: usize = 200;
const CHILDREN: usize = 32;

async fn every_child_returns(round: usize) {
    let tasks = task_group(|tg| async move {
        let mut tasks: Vec<GroupTask<usize>> = Vec::new();
        for i in 0..CHILDREN {
            tasks.push(tg.spawn(async move {
                if i % 2 == 0 {
                    weft_executor::yield_now().await?;
                }
                Ok::<_, Cancelled>(i)
            })?);
        }
        Ok::<_, GroupSpawnError>(tasks)
    })
    .await
    .unwrap();
    for (i, t) in tasks.iter().enumerate() {
        assert!(t.is_finished(), "round {round}: child {i} not finished after its group returned");
        assert!(!t.is_cancelled());
        assert_eq!(t.take_result().map(|r| r.ok()), Some(Some(i)), "round {round}: child {i}");
    }
}

async fn one_child_fails(round: usize) {
    let (tx, rx) = std::sync::mpsc::channel();
    let r = task_group(|tg| async move {
        for i in 0..CHILDREN {
            let t = tg.spawn(async move {
                if i == CHILDREN / 2 {
                    return Err("boom".into());
                }
                weft_executor::yield_now().await?;
                weft_executor::yield_now().await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(i)
            })?;
            tx.send(t).unwrap();
        }
        Ok::<_, GroupSpawnError>(())
    })
    .await;
    assert!(matches!(r, Err(GroupError::Failed(_))), "round {round}: {r:?}");
    for (i, t) in rx.try_iter().enumerate() {
        assert!(t.is_finished(), "round {round}: child {i} not finished after its group returned");
        match t.take_result() {
            Some(Err(ChildError::Failed(e))) => assert_eq!(i, CHILDREN / 2, "{e}"),
            Some(Err(ChildError::Cancelled(_))) => assert!(t.is_cancelled()),
            Some(Ok(v)) => assert_eq!(v, i),
            other => panic!("round {round}: child {i}: {other:?}"),
        }
    }
}

#[test]
fn every_handle_is_finished_when_the_group_returns_multi_thread() {
    common::run_mt(async {
        for round in 0..ROUNDS {
            every_child_returns(round).await;
            one_child_fails(round).await;
        }
    });
}

#[test]
fn every_handle_is_finished_when_the_group_returns_current_thread() {
    common::run(async {
        for round in 0..ROUNDS / 10 {
            every_child_returns(round).await;
            one_child_fails(round).await;
        }
    });
}

/// A named child has its name from its first poll: the name is set before the task is
/// queued, so a worker that starts the child while the spawner is still in `spawn_named`
/// already sees it (the children here are spawned from `block_on`'s thread, and the
/// workers start them at once).
#[test]
fn a_named_child_sees_its_name_at_its_first_poll() {
    async fn names_seen() {
        let tasks = task_group(|tg| async move {
            let mut tasks = Vec::new();
            for i in 0..CHILDREN * 16 {
                let name = format!("child-{i}");
                let expected = name.clone();
                tasks.push(tg.spawn_named(&name, async move {
                    let seen = weft_executor::current_task().and_then(|t| t.name());
                    Ok::<_, Cancelled>(seen.as_deref() == Some(expected.as_str()))
                })?);
            }
            Ok::<_, GroupSpawnError>(tasks)
        })
        .await
        .unwrap();
        for (i, t) in tasks.iter().enumerate() {
            assert_eq!(t.take_result().map(|r| r.ok()), Some(Some(true)), "child {i} did not see its name");
        }
    }
    common::run_mt(async {
        for _ in 0..ROUNDS / 10 {
            names_seen().await;
        }
    });
    common::run(names_seen());
}
