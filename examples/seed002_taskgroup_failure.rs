//! Seed 002, "TaskGroup (3.11+)", second program: "If one task fails, the group cancels
//! the rest and re-raises every error as an ExceptionGroup". `fail()` raises at once;
//! `slow()` would sleep 5 s but is cancelled; `except* ValueError` prints each
//! `ValueError` of the group.
//!
//! weft: a failing child makes [`weft::task_group`] cancel its siblings, join them, and
//! return `GroupError::Failed` with an [`weft::ErrorGroup`] of every failure;
//! `split::<ValueError>()` is `except* ValueError`. The program is the seed's as written
//! (it ends at once: `slow` is cancelled in its sleep).
//!
//! ```text
//! caught: boom
//! ```
use std::time::Duration;
use weft::{GroupError, GroupSpawnError, task_group};

#[derive(Debug)]
struct ValueError(&'static str);

impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ValueError {}

async fn fail() -> Result<(), ValueError> {
    Err(ValueError("boom"))
}

async fn slow() -> Result<(), weft::Cancelled> {
    weft::time::sleep(Duration::from_secs(5)).await
}

async fn main_() {
    let r = task_group(|tg| async move {
        tg.spawn(fail())?;
        tg.spawn(slow())?;
        Ok::<_, GroupSpawnError>(())
    })
    .await;
    // except* ValueError as eg:
    if let Err(GroupError::Failed(group)) = r {
        if let (Some(eg), _rest) = group.split::<ValueError>() {
            for e in eg.failures() {
                println!("caught: {e}");
            }
        }
    }
}

fn main() {
    weft::run(main_());
}
