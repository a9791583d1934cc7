//! A timeout's deadline moved from another task: the timer that acts is the one set for
//! the deadline in force, never one set for an earlier deadline, on both flavours.
//!
//! The timeout's callback trusts a call from the timer it holds (the driver never fires a
//! timer before its deadline) and reads the clock only when a timer it let go of may still
//! call it: one cancelled when its deadline was disabled, or one that fired while it was
//! being moved. These tests move and disable deadlines from a second task on a paused
//! clock, so that every instant is exact: the timeout must end at the deadline last set,
//! to the tick.

mod common;

use std::future::Future;
use std::time::{Duration, Instant};
use weft::{Interrupted, Timeout};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn paused(flavour: &str) -> weft::Runtime {
    let b = weft::Runtime::builder().start_paused(true);
    match flavour {
        "current_thread" => b.current_thread(),
        _ => b.multi_thread().worker_threads(2),
    }
    .build()
    .unwrap()
}

fn on_both_paused<F, Fut>(make: F)
where
    F: Fn() -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = ()>,
{
    for flavour in ["current_thread", "multi_thread"] {
        let make = make.clone();
        common::watchdog(flavour, common::WATCHDOG, move || paused(flavour).block_on(make()));
    }
}

/// Runs a body that sleeps for an hour under `cm`, while `steer` (another task) moves the
/// deadline; returns the body's result and when it ended, counted from the start.
async fn run_steered<S, Fut>(cm: Timeout, steer: S) -> (Result<(), Interrupted>, Duration)
where
    S: FnOnce(Timeout, Instant) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let start = weft::time::now();
    let body = cm.clone().run(async {
        weft::time::sleep(Duration::from_secs(3600)).await?;
        Ok::<_, Interrupted>(())
    });
    let steering = weft::spawn(steer(cm, start));
    let r = body.unwrap().await;
    let ended = weft::time::now() - start;
    steering.await.unwrap();
    (r, ended)
}

#[test]
fn a_deadline_moved_later_from_another_task_fires_at_the_new_deadline() {
    on_both_paused(|| async {
        let cm = Timeout::after(Some(ms(10)));
        let (r, ended) = run_steered(cm.clone(), |cm, start| async move {
            weft::time::sleep(ms(5)).await.unwrap();
            cm.reschedule(Some(start + ms(30))).unwrap();
        })
        .await;
        assert!(matches!(r, Err(Interrupted::TimedOut(_))), "{r:?}");
        assert_eq!(ended, ms(30), "the timeout acted at the deadline in force");
        assert!(cm.expired());
    });
}

#[test]
fn a_deadline_moved_earlier_from_another_task_fires_at_the_new_deadline() {
    on_both_paused(|| async {
        let cm = Timeout::after(Some(ms(50)));
        let (r, ended) = run_steered(cm.clone(), |cm, start| async move {
            weft::time::sleep(ms(5)).await.unwrap();
            cm.reschedule(Some(start + ms(20))).unwrap();
        })
        .await;
        assert!(matches!(r, Err(Interrupted::TimedOut(_))), "{r:?}");
        assert_eq!(ended, ms(20));
    });
}

#[test]
fn a_deadline_disabled_and_set_again_from_another_task_fires_at_the_last_one() {
    // Disabling cancels the first timer: the callback no longer trusts every call, and the
    // timer set for the new deadline must still end the body there.
    on_both_paused(|| async {
        let cm = Timeout::after(Some(ms(10)));
        let (r, ended) = run_steered(cm.clone(), |cm, start| async move {
            weft::time::sleep(ms(5)).await.unwrap();
            cm.reschedule(None).unwrap();
            weft::time::sleep(ms(10)).await.unwrap(); // past the first deadline: nothing fires
            cm.reschedule(Some(start + ms(40))).unwrap();
        })
        .await;
        assert!(matches!(r, Err(Interrupted::TimedOut(_))), "{r:?}");
        assert_eq!(ended, ms(40));
    });
}

#[test]
fn a_deadline_disabled_from_another_task_never_fires() {
    on_both_paused(|| async {
        let cm = Timeout::after(Some(ms(10)));
        let body = cm.clone().run(async {
            weft::time::sleep(ms(100)).await?;
            Ok::<_, Interrupted>("slept")
        });
        let steer = {
            let cm = cm.clone();
            weft::spawn(async move {
                weft::time::sleep(ms(5)).await.unwrap();
                cm.reschedule(None).unwrap();
            })
        };
        let start = weft::time::now();
        assert_eq!(body.unwrap().await, Ok("slept"));
        assert_eq!(weft::time::now() - start, ms(100));
        assert!(!cm.expired());
        steer.await.unwrap();
    });
}
