//! The subprocess tests of `process.rs` again, with children reaped through `SIGCHLD`
//! (as on a kernel without pidfd): the fallback reaps without a thread per child too, and
//! leaves no zombie behind.

mod common;
mod process_common;

/// Every test of this binary reaps through SIGCHLD (a process-wide switch).
fn sigchld() {
    weft::process::force_sigchld_reaping();
}

#[test]
fn large_outputs_on_stdout_and_stderr_at_once() {
    sigchld();
    process_common::large_outputs_on_stdout_and_stderr_at_once();
}

#[test]
fn input_and_output_at_once() {
    sigchld();
    process_common::input_and_output_at_once();
}

#[test]
fn the_seed_recipe_merges_stderr_into_stdout() {
    sigchld();
    process_common::the_seed_recipe_merges_stderr_into_stdout();
}

#[test]
fn signals_and_return_codes() {
    sigchld();
    process_common::signals_and_return_codes();
}

#[test]
fn a_program_that_does_not_exist() {
    sigchld();
    process_common::a_program_that_does_not_exist();
}

#[test]
fn a_cancelled_wait_leaves_no_zombie() {
    sigchld();
    process_common::a_cancelled_wait_leaves_no_zombie();
}

#[test]
fn kill_on_drop_kills_and_reaps() {
    sigchld();
    process_common::kill_on_drop_kills_and_reaps();
}

#[test]
fn output_and_status() {
    sigchld();
    process_common::output_and_status();
}
