//! The subprocess tests, shared by `process.rs` (pidfd reaping where the kernel has it)
//! and `process_sigchld.rs` (the same tests with `SIGCHLD` reaping).
#![allow(dead_code)]

use crate::common::block_on_both;
use std::io::ErrorKind;
use std::time::{Duration, Instant};
use weft::net::StreamReader;
use weft::process::{Command, Stdio, create_subprocess_exec, create_subprocess_shell};
use weft::signal::SignalKind;

/// Whether `pid` is gone from the process table (reaped), waiting up to 10 s for it.
/// A zombie still has its `/proc` entry.
pub async fn reaped(pid: u32) -> bool {
    let start = Instant::now();
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        if start.elapsed() > Duration::from_secs(10) {
            return false;
        }
        weft::time::sleep(Duration::from_millis(5)).await.unwrap();
    }
    true
}

pub fn large_outputs_on_stdout_and_stderr_at_once() {
    block_on_both(|flavour| async move {
        // Both streams fill at the same time: reading one to its end before the other
        // would deadlock once the other's pipe is full.
        let mut child = create_subprocess_shell(
            "(head -c 3000000 /dev/zero | tr '\\0' a) & (head -c 2000000 /dev/zero | tr '\\0' b >&2) & wait",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        let (out, err) = child.communicate(None).await.unwrap();
        assert_eq!(out.len(), 3_000_000, "{flavour}");
        assert_eq!(err.len(), 2_000_000, "{flavour}");
        assert!(out.iter().all(|&b| b == b'a') && err.iter().all(|&b| b == b'b'), "{flavour}");
        assert_eq!(child.returncode(), Some(0), "{flavour}");
    });
}

pub fn input_and_output_at_once() {
    block_on_both(|flavour| async move {
        let input: Vec<u8> = (0..4_000_000).map(|i| (i % 253) as u8).collect();
        let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        let (out, _) = child.communicate(Some(&input)).await.unwrap();
        assert!(out == input, "{flavour}: {} bytes came back", out.len());
    });
}

pub fn the_seed_recipe_merges_stderr_into_stdout() {
    block_on_both(|flavour| async move {
        let mut p = create_subprocess_exec("sh", ["-c", "echo one; echo two >&2"])
            .stdout(Stdio::piped())
            .stderr(Stdio::stdout())
            .spawn()
            .unwrap();
        let mut lines = StreamReader::new(p.stdout.take().unwrap());
        let mut got = Vec::new();
        loop {
            let line = lines.readline().await.unwrap();
            if line.is_empty() {
                break;
            }
            got.push(String::from_utf8(line).unwrap());
        }
        got.sort();
        assert_eq!(got, ["one\n", "two\n"], "{flavour}");
        assert!(p.wait().await.unwrap().success());
    });
}

pub fn signals_and_return_codes() {
    block_on_both(|flavour| async move {
        let mut p = Command::new("sleep").arg("60").spawn().unwrap();
        p.kill().unwrap();
        p.wait().await.unwrap();
        assert_eq!(p.returncode(), Some(-9), "{flavour}");
        assert_eq!(p.id(), None);
        // Once reaped, the pid may be another process's: no more signals.
        assert_eq!(p.kill().unwrap_err().kind(), ErrorKind::InvalidInput, "{flavour}");
        let mut p = Command::new("sleep").arg("60").spawn().unwrap();
        p.terminate().unwrap();
        assert_eq!(p.wait().await.unwrap().code(), None);
        assert_eq!(p.returncode(), Some(-libc::SIGTERM), "{flavour}");
        let mut p = Command::new("sh").args(["-c", "exit 7"]).spawn().unwrap();
        assert_eq!(p.wait().await.unwrap().code(), Some(7), "{flavour}");
        let mut p = Command::new("sleep").arg("60").spawn().unwrap();
        p.send_signal(SignalKind::user_defined1()).unwrap();
        p.wait().await.unwrap();
        assert_eq!(p.returncode(), Some(-libc::SIGUSR1), "{flavour}");
    });
}

pub fn a_program_that_does_not_exist() {
    block_on_both(|flavour| async move {
        let e = Command::new("weft-no-such-program").spawn().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{flavour}: {e}");
        let e = Command::new("sleep").stderr(Stdio::stdout()).stdout(Stdio::stdout()).spawn().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{flavour}: {e}");
    });
}

/// A wait cancelled before its first poll, while suspended, and after the child ended;
/// the handle is then dropped. The child is reaped all the same: no zombie.
pub fn a_cancelled_wait_leaves_no_zombie() {
    block_on_both(|flavour| async move {
        for when in ["before the first poll", "while suspended", "after the end"] {
            let mut child = Command::new("sleep").arg("0.2").spawn().unwrap();
            let pid = child.id().unwrap();
            if when == "after the end" {
                // The child has ended (a zombie now) when the cancelled wait begins.
                while std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap().split(' ').nth(2)
                    != Some("Z")
                {
                    weft::time::sleep(Duration::from_millis(5)).await.unwrap();
                }
            }
            let started = std::sync::Arc::new(weft::Event::new());
            let waiter = {
                let started = started.clone();
                weft::spawn(async move {
                    started.set();
                    let r = child.wait().await.map_err(|e| weft::io::is_cancelled_error(&e));
                    (child, r)
                })
            };
            match when {
                "before the first poll" => {}
                _ => started.wait().await.unwrap(),
            }
            if when == "while suspended" {
                weft::yield_now().await.unwrap();
            }
            let cancelled = waiter.cancel(None);
            match waiter.await {
                Ok((child, r)) => {
                    if when == "while suspended" {
                        assert_eq!(r, Err(true), "{flavour}: {when}: the wait was cancelled");
                    }
                    drop(child);
                }
                Err(e) => assert!(e.is_cancelled() && cancelled, "{flavour}: {when}: {e}"),
            }
            assert!(reaped(pid).await, "{flavour}: {when}: pid {pid} was left a zombie");
        }
    });
}

pub fn kill_on_drop_kills_and_reaps() {
    block_on_both(|flavour| async move {
        let child = Command::new("sleep").arg("60").kill_on_drop(true).spawn().unwrap();
        let pid = child.id().unwrap();
        drop(child);
        assert!(reaped(pid).await, "{flavour}: pid {pid} still there");
    });
}

pub fn output_and_status() {
    block_on_both(|flavour| async move {
        let out = Command::new("sh").args(["-c", "cat; echo done >&2"]).output().await.unwrap();
        assert_eq!((out.stdout, out.stderr), (Vec::new(), b"done\n".to_vec()), "{flavour}: stdin is null");
        let status = Command::new("true").status().await.unwrap();
        assert!(status.success(), "{flavour}");
    });
}
