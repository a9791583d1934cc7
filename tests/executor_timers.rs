//! Timers: sleeps fire in deadline order (ties in FIFO order) on the current-thread
//! runtime, never early and (on Linux, with the driver's alarm) not a millisecond late, by
//! the hundred thousand; intervals handle missed ticks as documented. The order tests run
//! on a paused clock: a descheduled thread cannot make a deadline pass before its timer
//! is registered, so the order they see is the timers' own.

mod common;

use common::block_on_both;
use parking_lot::Mutex;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use weft::time::{MissedTickBehavior, advance, interval, interval_at, now, sleep, sleep_until};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A current-thread runtime on a paused clock: time moves only by `advance`, or to the
/// next timer when every task waits.
fn paused() -> weft::Runtime {
    weft::Runtime::builder().current_thread().start_paused(true).build().unwrap()
}

/// Spawns one task per `(label, deadline)` that sleeps until its deadline and then logs
/// its label; returns the log once all have fired. With `advance_by`, once every timer is
/// registered the (paused) clock jumps that far at once: every deadline it passes is
/// overdue together, and they fire in one batch.
async fn fire_order(deadlines: Vec<(usize, Instant)>, advance_by: Option<Duration>) -> Vec<usize> {
    let log = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = deadlines
        .into_iter()
        .map(|(label, at)| {
            let log = log.clone();
            weft::spawn(async move {
                sleep_until(at).await.unwrap();
                log.lock().push(label);
            })
        })
        .collect();
    // Let every task register its timer, in spawn order.
    weft::yield_now().await.unwrap();
    if let Some(d) = advance_by {
        advance(d).await.unwrap();
    }
    for t in tasks {
        t.await.unwrap();
    }
    log.lock().clone()
}

#[test]
fn current_thread_sleeps_fire_in_deadline_order() {
    common::watchdog("order", common::WATCHDOG, || {
        paused().block_on(async {
            let base = now() + ms(20);
            let offsets = [50u64, 10, 40, 0, 30, 20, 70, 5, 65];
            let deadlines: Vec<_> = offsets.iter().map(|&o| (o as usize, base + ms(o))).collect();
            let mut expected: Vec<usize> = offsets.iter().map(|&o| o as usize).collect();
            expected.sort();
            assert_eq!(fire_order(deadlines.clone(), None).await, expected, "fired as they came due");
        });
    });
}

#[test]
fn current_thread_timers_due_together_fire_in_deadline_order() {
    common::watchdog("order", common::WATCHDOG, || {
        paused().block_on(async {
            // Deadlines spread over several wheel levels' worth of ticks, all overdue by
            // the time the loop looks: they still wake in deadline order.
            let base = now() + ms(5);
            let offsets = [130u64, 3, 64, 1, 200, 65, 0, 127, 63, 128];
            let deadlines: Vec<_> = offsets.iter().map(|&o| (o as usize, base + ms(o))).collect();
            let mut expected: Vec<usize> = offsets.iter().map(|&o| o as usize).collect();
            expected.sort();
            assert_eq!(fire_order(deadlines, Some(ms(260))).await, expected);
        });
    });
}

#[test]
fn current_thread_timers_with_the_same_deadline_fire_in_fifo_order() {
    common::watchdog("ties", common::WATCHDOG, || {
        paused().block_on(async {
            let at = now() + ms(15);
            let deadlines: Vec<_> = (0..20).map(|i| (i, at)).collect();
            assert_eq!(fire_order(deadlines, None).await, (0..20).collect::<Vec<_>>());
            // Also when they are overdue together and far enough to start on a higher level.
            let at = now() + ms(150);
            let deadlines: Vec<_> = (0..20).map(|i| (i, at)).collect();
            assert_eq!(fire_order(deadlines, Some(ms(170))).await, (0..20).collect::<Vec<_>>());
        });
    });
}

#[test]
fn a_sleep_is_never_early() {
    block_on_both(|flavour| async move {
        let tasks: Vec<_> = (0..40u64)
            .map(|i| {
                weft::spawn(async move {
                    let d = Duration::from_micros(i * 750);
                    let start = Instant::now();
                    sleep(d).await.unwrap();
                    let slept = start.elapsed();
                    assert!(slept >= d, "{flavour}: slept {slept:?} < {d:?}");
                    let at = Instant::now() + Duration::from_micros(i * 333);
                    sleep_until(at).await.unwrap();
                    assert!(Instant::now() >= at, "{flavour}: sleep_until woke early");
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
}

/// How long the lateness tests below keep sampling for one good sample before they fail.
/// A loaded machine only ever makes a sleep longer, never shorter, so a sample that ends in
/// time proves the timers can; one that ends late proves nothing, and the test tries again.
/// Ten seconds is many times what any of them needs on an idle machine.
const SAMPLING_BUDGET: Duration = Duration::from_secs(10);

/// A sleep is late by no more than the timers' rounding plus the machine's delays, on every
/// level of the wheel it may live on. A noisy machine only ever makes sleeps longer, so the
/// test samples until the machine lets one through, for up to [`SAMPLING_BUDGET`], and
/// fails only if none ends in time: 30 ms sleeps one after the other (level 1 of the
/// wheel), until one ends within 20 ms of its deadline; and rounds of four 500 ms sleeps
/// started 100 ms apart (level 2, whose slots are 409.6 ms: a timer fired from its slot
/// without being moved down a level would be up to a slot late), until a round in which
/// all four end within 50 ms. The four start at phases spread over a whole slot, so a
/// round passes only if the timers are punctual whatever their phase, never by the luck
/// of one sleep's deadline falling near its slot's end. Every sample must also not be early.
#[test]
fn a_sleep_is_not_very_late_either() {
    block_on_both(|flavour| async move {
        let budget = Instant::now();
        let mut fastest = Duration::MAX;
        while fastest >= ms(50) {
            assert!(
                budget.elapsed() < SAMPLING_BUDGET,
                "{flavour}: the fastest 30 ms sleep in {SAMPLING_BUDGET:?} took {fastest:?}"
            );
            let start = Instant::now();
            sleep(ms(30)).await.unwrap();
            let took = start.elapsed();
            assert!(took >= ms(30), "{flavour}: a 30 ms sleep took {took:?}");
            fastest = fastest.min(took);
        }

        let budget = Instant::now();
        let mut best_round = Duration::MAX;
        while best_round >= ms(550) {
            assert!(
                budget.elapsed() < SAMPLING_BUDGET,
                "{flavour}: in {SAMPLING_BUDGET:?}, the best round of four 500 ms sleeps had its \
                 slowest take {best_round:?}"
            );
            let sleeps: Vec<_> = (0..4u64)
                .map(|i| {
                    weft::spawn(async move {
                        sleep(ms(100 * i)).await.unwrap();
                        let start = Instant::now();
                        sleep(ms(500)).await.unwrap();
                        start.elapsed()
                    })
                })
                .collect();
            let mut slowest = Duration::ZERO;
            for s in sleeps {
                let took = s.await.unwrap();
                assert!(took >= ms(500), "{flavour}: a 500 ms sleep took {took:?}");
                slowest = slowest.max(took);
            }
            best_round = best_round.min(slowest);
        }
    });
}

/// The driver's alarm (a timerfd) ends a park within the sleep's slack (a tick, for a
/// sleep this short). Without it the park would end on epoll's timeout, a whole number of
/// milliseconds rounded up: a sleep of 1.3 ms could never end before 2 ms. A loaded
/// machine only ever makes sleeps longer (a woken thread may wait for a core until the
/// scheduler's next tick, 4 ms here, while two CPU burners and the other tests run), so
/// the test samples until one sleep ends in time, for up to [`SAMPLING_BUDGET`], and fails
/// only if none does: 1.3 ms, up to a tick of rounding and a tick of slack, and 400 µs for
/// the thread to wake.
#[cfg(target_os = "linux")]
#[test]
fn a_sleep_ends_within_a_fraction_of_a_millisecond_of_its_deadline() {
    block_on_both(|flavour| async move {
        let d = Duration::from_micros(1_300);
        let budget = Instant::now();
        let mut fastest = Duration::MAX;
        let mut tries = 0u32;
        while budget.elapsed() < SAMPLING_BUDGET {
            let start = Instant::now();
            sleep(d).await.unwrap();
            let took = start.elapsed();
            assert!(took >= d, "{flavour}: a 1.3 ms sleep took {took:?}");
            fastest = fastest.min(took);
            tries += 1;
            if fastest < Duration::from_micros(1_900) {
                return;
            }
        }
        panic!("{flavour}: the fastest of {tries} sleeps of 1.3 ms in {SAMPLING_BUDGET:?} took {fastest:?}");
    });
}

#[test]
fn a_zero_or_past_sleep_completes_at_once() {
    block_on_both(|flavour| async move {
        let start = Instant::now();
        sleep(Duration::ZERO).await.unwrap();
        sleep_until(Instant::now() - ms(100)).await.unwrap();
        assert!(start.elapsed() < ms(500), "{flavour}");
    });
}

/// Every one of 100,000 concurrent sleeps ends, none early. How fast is the benches' to
/// measure; a lost timer hangs the test, which the watchdog reports.
#[test]
fn a_hundred_thousand_concurrent_sleeps_all_finish() {
    block_on_both(|flavour| async move {
        const N: u64 = 100_000;
        let tasks: Vec<_> = (0..N)
            .map(|i| {
                weft::spawn(async move {
                    let d = Duration::from_micros((i * 7919) % 50_000);
                    let start = Instant::now();
                    sleep(d).await.unwrap();
                    start.elapsed() >= d
                })
            })
            .collect();
        let mut on_time = 0;
        for t in tasks {
            on_time += u64::from(t.await.unwrap());
        }
        assert_eq!(on_time, N, "{flavour}: {} sleeps ended early", N - on_time);
    });
}

#[test]
fn reset_moves_a_pending_sleep_earlier_and_later() {
    block_on_both(|flavour| async move {
        let start = Instant::now();
        let mut s = Box::pin(sleep(Duration::from_secs(3600)));
        // Register the timer, then move it to 20 ms from now.
        std::future::poll_fn(|cx| {
            assert!(s.as_mut().poll(cx).is_pending());
            std::task::Poll::Ready(())
        })
        .await;
        s.as_mut().reset(start + ms(20));
        s.as_mut().await.unwrap();
        let slept = start.elapsed();
        assert!(slept >= ms(20) && slept < ms(2_000), "{flavour}: {slept:?}");

        let start = Instant::now();
        let mut s = Box::pin(sleep(ms(5)));
        s.as_mut().reset(start + ms(40));
        s.as_mut().await.unwrap();
        assert!(start.elapsed() >= ms(40), "{flavour}: a sleep reset later woke early");
    });
}

#[test]
fn interval_ticks_on_schedule_and_the_first_tick_is_immediate() {
    block_on_both(|flavour| async move {
        let start = Instant::now();
        let mut every = interval(ms(10));
        let first = every.tick().await.unwrap();
        assert!(first <= Instant::now() && first >= start, "{flavour}");
        let mut prev = first;
        for k in 1..=5u32 {
            let t = every.tick().await.unwrap();
            assert_eq!(t, first + ms(10) * k, "{flavour}: tick {k} off schedule");
            assert!(Instant::now() >= t, "{flavour}: tick {k} early");
            assert!(t > prev);
            prev = t;
        }
    });
}

/// Pauses the clock, ticks once, lets 3.75 periods pass unseen (a stall), then returns
/// (when the missed tick fired, the scheduled instants of the next four ticks). On the
/// paused clock every instant is exact, whatever the machine's load.
async fn after_a_stall(behavior: MissedTickBehavior, period: Duration) -> (Instant, Instant, Vec<Instant>) {
    weft::time::pause();
    let t0 = weft::time::now();
    let mut i = interval_at(t0, period);
    i.set_missed_tick_behavior(behavior);
    assert_eq!(i.tick().await.unwrap(), t0);
    weft::time::advance(period * 15 / 4).await.unwrap();
    let mut ticks = Vec::new();
    let mut fired_at = None;
    for _ in 0..4 {
        ticks.push(i.tick().await.unwrap());
        fired_at.get_or_insert_with(weft::time::now);
    }
    (t0, fired_at.unwrap(), ticks)
}

#[test]
fn interval_burst_fires_missed_ticks_back_to_back_on_the_original_schedule() {
    block_on_both(|flavour| async move {
        let p = ms(20);
        let (t0, fired_at, ticks) = after_a_stall(MissedTickBehavior::Burst, p).await;
        assert_eq!(fired_at, t0 + p * 15 / 4, "{flavour}: the missed tick fires at once");
        assert_eq!(ticks, vec![t0 + p, t0 + p * 2, t0 + p * 3, t0 + p * 4], "{flavour}");
    });
}

#[test]
fn interval_delay_fires_once_then_shifts_the_schedule() {
    block_on_both(|flavour| async move {
        let p = ms(20);
        let (t0, fired_at, ticks) = after_a_stall(MissedTickBehavior::Delay, p).await;
        assert_eq!(ticks[0], t0 + p, "{flavour}: the missed tick fires first");
        // Then one period after the late one fired, not on the old schedule, and so on.
        assert_eq!(fired_at, t0 + p * 15 / 4, "{flavour}");
        assert_eq!(ticks[1..], [fired_at + p, fired_at + p * 2, fired_at + p * 3], "{flavour}");
    });
}

#[test]
fn interval_skip_fires_once_then_rejoins_the_original_schedule() {
    block_on_both(|flavour| async move {
        let p = ms(20);
        let (t0, _, ticks) = after_a_stall(MissedTickBehavior::Skip, p).await;
        assert_eq!(ticks[0], t0 + p, "{flavour}: the missed tick fires first");
        // Missed ticks are dropped: next is the first tick of the schedule after the stall.
        assert_eq!(ticks[1..], [t0 + p * 4, t0 + p * 5, t0 + p * 6], "{flavour}");
    });
}

#[test]
fn interval_tick_is_a_checkpoint() {
    block_on_both(|flavour| async move {
        let started = common::Flag::new();
        let s2 = started.clone();
        let t = weft::spawn(async move {
            let mut i = interval(Duration::from_secs(3600));
            i.tick().await?;
            s2.set();
            i.tick().await
        });
        started.wait().await;
        t.cancel(None);
        assert!(t.await.unwrap_err().is_cancelled(), "{flavour}");
    });
}

#[test]
fn now_and_monotonic_move_forward() {
    let a = weft::time::now();
    let m = weft::time::monotonic();
    std::thread::sleep(ms(2));
    assert!(weft::time::now() > a);
    assert!(weft::time::monotonic() > m);
}

/// Polls `fut` once; true if it is still pending.
async fn pending_after_one_poll<F: Future>(fut: F) -> bool {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(|cx| std::task::Poll::Ready(fut.as_mut().poll(cx).is_pending())).await
}

/// `interval(Duration::MAX)` ticked once and then panicked ("overflow when adding duration
/// to instant") computing its next tick; so did `reset`. The next tick now saturates to
/// "never" (about thirty years away), for every missed-tick behaviour.
#[test]
fn an_interval_too_long_for_an_instant_ticks_once_then_never() {
    block_on_both(|flavour| async move {
        for behavior in [MissedTickBehavior::Burst, MissedTickBehavior::Delay, MissedTickBehavior::Skip] {
            let mut i = interval(Duration::MAX);
            i.set_missed_tick_behavior(behavior);
            let first = i.tick().await.unwrap();
            assert!(first <= weft::time::now(), "{flavour} {behavior:?}: the first tick is at once");
            assert!(pending_after_one_poll(i.tick()).await, "{flavour} {behavior:?}: a second tick");
            i.reset();
            assert!(pending_after_one_poll(i.tick()).await, "{flavour} {behavior:?}: after reset");
        }
    });
}

/// A 1 ns `Skip` interval after a stall of 10 s (ten billion periods, more than `u32::MAX`):
/// the period count was truncated to `u32`, so the next tick landed seconds in the past and
/// the interval burst. On a paused clock, so that the stall takes no time.
#[test]
fn a_one_nanosecond_skip_interval_does_not_burst_after_a_long_stall() {
    common::watchdog("skip", common::WATCHDOG, || {
        let rt = weft::Runtime::builder().current_thread().start_paused(true).build().unwrap();
        rt.block_on(async {
            let t0 = weft::time::now();
            let mut i = interval_at(t0, Duration::from_nanos(1));
            i.set_missed_tick_behavior(MissedTickBehavior::Skip);
            assert_eq!(i.tick().await.unwrap(), t0);
            weft::time::advance(Duration::from_secs(10)).await.unwrap();
            let stall_end = weft::time::now();
            assert_eq!(i.tick().await.unwrap(), t0 + Duration::from_nanos(1), "the missed tick");
            let next = i.tick().await.unwrap();
            assert!(
                next > stall_end,
                "the tick after a skip is {:?} before the stall ended",
                stall_end - next
            );
        });
    });
}
