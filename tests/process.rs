//! `weft::process`: pipes as weft streams, `communicate` without deadlocks, signals and
//! return codes, bad programs, and reaping (pidfd where the kernel has it) that leaves
//! no zombie behind a cancelled wait or a dropped handle.

mod common;
mod process_common;

#[test]
fn large_outputs_on_stdout_and_stderr_at_once() {
    process_common::large_outputs_on_stdout_and_stderr_at_once();
}

#[test]
fn input_and_output_at_once() {
    process_common::input_and_output_at_once();
}

#[test]
fn the_seed_recipe_merges_stderr_into_stdout() {
    process_common::the_seed_recipe_merges_stderr_into_stdout();
}

#[test]
fn signals_and_return_codes() {
    process_common::signals_and_return_codes();
}

#[test]
fn a_program_that_does_not_exist() {
    process_common::a_program_that_does_not_exist();
}

#[test]
fn a_cancelled_wait_leaves_no_zombie() {
    process_common::a_cancelled_wait_leaves_no_zombie();
}

#[test]
fn kill_on_drop_kills_and_reaps() {
    process_common::kill_on_drop_kills_and_reaps();
}

#[test]
fn output_and_status() {
    process_common::output_and_status();
}
