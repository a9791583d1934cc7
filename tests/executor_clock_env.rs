//! `WEFT_CLOCK`: the environment variable that starts every runtime of a program on the
//! test clock (`paused`), leaves it real (`real`, empty or unset), or makes building a
//! runtime fail (anything else).
//!
//! The variable is read when a runtime is built, so each case runs in a child process
//! (this test binary again, filtered to one test, with the variable set): setting it in
//! this multi-threaded process would race with every other test.

use std::process::Command;
use std::time::{Duration, Instant};

const HOUR: Duration = Duration::from_secs(3600);

/// Runs test `name` of this binary in a child with `WEFT_CLOCK` set to `value`, and
/// asserts that it passed.
fn run_child(name: &str, value: &str) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env("WEFT_CLOCK", value)
        .env("WEFT_CLOCK_CHILD", "1")
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child {name} with WEFT_CLOCK={value:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether this process is a child run by [`run_child`].
fn in_child() -> bool {
    std::env::var_os("WEFT_CLOCK_CHILD").is_some()
}

#[test]
fn paused_starts_every_runtime_paused() {
    if !in_child() {
        return run_child("paused_starts_every_runtime_paused", "paused");
    }
    let wall = Instant::now();
    // `weft::run`'s runtime: an hour's sleep ends at once, exactly an hour later by the
    // runtime's clock, and a timeout races the sleeps by their deadlines alone.
    weft::run(async {
        let start = weft::time::now();
        weft::time::sleep(HOUR).await.unwrap();
        assert_eq!(weft::time::now() - start, HOUR);
        let won =
            weft::timeout(2 * HOUR, async { Ok::<_, weft::Interrupted>(weft::time::sleep(HOUR).await?) });
        assert!(won.await.is_ok(), "a sleep of 1 h under a 2 h timeout completes");
        let lost =
            weft::timeout(HOUR, async { Ok::<_, weft::Interrupted>(weft::time::sleep(2 * HOUR).await?) });
        assert!(lost.await.is_err(), "a sleep of 2 h under a 1 h timeout times out");
        assert_eq!(weft::time::now() - start, 3 * HOUR);
    });
    // A built runtime of either flavour, though the builder does not ask for it.
    for rt in [
        weft::Runtime::builder().current_thread().build().unwrap(),
        weft::Runtime::builder().multi_thread().worker_threads(2).build().unwrap(),
    ] {
        rt.block_on(async {
            let start = weft::time::now();
            weft::time::sleep(HOUR).await.unwrap();
            assert_eq!(weft::time::now() - start, HOUR);
        });
    }
    assert!(wall.elapsed() < Duration::from_secs(60), "the paused clock took wall-clock time");
}

#[test]
fn real_and_empty_leave_the_clock_real() {
    if !in_child() {
        run_child("real_and_empty_leave_the_clock_real", "real");
        return run_child("real_and_empty_leave_the_clock_real", "");
    }
    weft::run(async {
        let wall = Instant::now();
        let start = weft::time::now();
        weft::time::sleep(Duration::from_millis(20)).await.unwrap();
        // A real sleep takes at least its time, by the runtime's clock and the wall's.
        assert!(weft::time::now() - start >= Duration::from_millis(20));
        assert!(wall.elapsed() >= Duration::from_millis(20));
    });
    // `start_paused(true)` still pauses.
    let rt = weft::Runtime::builder().current_thread().start_paused(true).build().unwrap();
    let wall = Instant::now();
    rt.block_on(async { weft::time::sleep(HOUR).await.unwrap() });
    assert!(wall.elapsed() < Duration::from_secs(60));
}

#[test]
fn any_other_value_is_a_build_error() {
    if !in_child() {
        return run_child("any_other_value_is_a_build_error", "Paused");
    }
    for builder in [weft::Runtime::builder().current_thread(), weft::Runtime::builder().multi_thread()] {
        let Err(err) = builder.build() else { panic!("WEFT_CLOCK=Paused is refused") };
        assert!(matches!(err, weft::BuildError::InvalidConfig(_)), "{err:?}");
        assert_eq!(err.to_string(), "invalid runtime configuration: WEFT_CLOCK must be `real` or `paused`");
    }
    // `weft::run` cannot build its runtime: it panics with the same message.
    let panic = std::panic::catch_unwind(|| weft::run(async {})).unwrap_err();
    let message = panic.downcast_ref::<String>().map(String::as_str).unwrap_or("");
    assert!(message.contains("WEFT_CLOCK must be `real` or `paused`"), "{message:?}");
}
