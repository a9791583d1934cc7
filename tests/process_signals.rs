//! Signals sent to a whole program, as a user or a service manager sends them: each test
//! starts an example as a process of its own and signals it with `kill`.
//!
//! * `examples/ctrl_c.rs`: `weft::run` treats Ctrl-C as `asyncio.run` does.
//! * `examples/graceful_shutdown.rs`: a server that stops on `SIGTERM`, giving its
//!   handlers a deadline, then exits 0.

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

/// Generous: a process on a loaded two-core machine; a hang fails well before the suite's.
const LIMIT: Duration = Duration::from_secs(30);

/// `target/<profile>/examples`, next to this test's `target/<profile>/deps`.
fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent().and_then(Path::parent).expect("target/<profile>").join("examples")
}

fn build_examples() {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let profile = examples_dir().parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args(["build", "--quiet", "--examples"]);
        match profile.as_str() {
            "debug" => {}
            "release" => {
                cmd.arg("--release");
            }
            other => {
                cmd.args(["--profile", other]);
            }
        }
        assert!(cmd.status().expect("run cargo build --examples").success());
    });
}

pub struct Program {
    child: Child,
    lines: BufReader<ChildStdout>,
}

impl Program {
    pub fn start(name: &str, args: &[&str]) -> Program {
        build_examples();
        let mut child = Command::new(examples_dir().join(name))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        let lines = BufReader::new(child.stdout.take().unwrap());
        Program { child, lines }
    }

    /// The next line of its output (the test fails if the output ended).
    pub fn line(&mut self) -> String {
        let mut s = String::new();
        assert!(self.lines.read_line(&mut s).expect("read the program's output") > 0, "the output ended");
        s.trim_end().to_string()
    }

    pub fn rest(&mut self) -> Vec<String> {
        (&mut self.lines).lines().map(|l| l.unwrap()).collect()
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: kill only sends a signal to our own child process.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, signal) }, 0);
    }

    /// Waits for the exit (killing the program and failing if it takes past [`LIMIT`]).
    pub fn wait(&mut self) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if start.elapsed() > LIMIT {
                let _ = self.child.kill();
                panic!("the program did not exit within {LIMIT:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

#[test]
fn the_first_ctrl_c_cancels_the_main_task_and_its_cleanup_runs() {
    let mut p = Program::start("ctrl_c", &[]);
    assert_eq!(p.line(), "ready");
    p.signal(libc::SIGINT);
    assert_eq!(p.line(), "main task cancelled");
    assert_eq!(p.line(), "cleanup done");
    assert!(p.line().starts_with("run returned Err("));
    assert!(p.wait().success());
}

#[test]
fn a_second_ctrl_c_ends_the_program_at_once() {
    let mut p = Program::start("ctrl_c", &["--stubborn"]);
    assert_eq!(p.line(), "ready");
    p.signal(libc::SIGINT);
    assert_eq!(p.line(), "main task cancelled");
    assert_eq!(p.line(), "cleaning up slowly");
    p.signal(libc::SIGINT);
    let status = p.wait();
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
    assert!(p.rest().is_empty());
}

/// Three clients: the first leaves before `SIGTERM`, the second during the grace period,
/// the third stays. The program stops accepting, lets the second finish, cancels the
/// third after the grace period, and exits 0 with every handler's cleanup reported.
#[test]
fn the_graceful_shutdown_example_stops_on_sigterm() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    let mut p = Program::start("graceful_shutdown", &["3000"]);
    let line = p.line();
    let addr = line.strip_prefix("listening on ").unwrap_or_else(|| panic!("{line}")).to_string();
    let mut clients: Vec<TcpStream> = (0..3)
        .map(|n| {
            let mut c = TcpStream::connect(&addr).unwrap();
            c.set_read_timeout(Some(LIMIT)).unwrap();
            let mut hello = [0u8; 8];
            c.read_exact(&mut hello).unwrap();
            assert_eq!(&hello, format!("hello {n}\n").as_bytes(), "handler {n} is running");
            c
        })
        .collect();
    // The first client leaves: its handler finishes on its own.
    clients[0].shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(p.line(), "handler 0: finished");
    p.signal(libc::SIGTERM);
    assert_eq!(p.line(), "SIGTERM: no new connections");
    // The second finishes within the grace period (3 s: ample even on a loaded machine):
    // it still gets its echo.
    clients[1].write_all(b"last words\n").unwrap();
    let mut echo = [0u8; 11];
    clients[1].read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"last words\n");
    clients[1].shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(p.line(), "handler 1: finished");
    // The third is cancelled once the grace period is over; its cleanup still runs.
    assert_eq!(p.line(), "handler 2: cancelled");
    assert_eq!(p.line(), "shut down (1 handlers cancelled after the grace period)");
    let status = p.wait();
    assert!(status.success(), "{status:?}");
    assert!(p.rest().is_empty());
    let mut goodbye = String::new();
    clients[2].read_to_string(&mut goodbye).unwrap();
    assert_eq!(goodbye, "goodbye\n", "the cancelled handler's cleanup said goodbye");
    // Nothing listens any more.
    assert!(TcpStream::connect(&addr).is_err());
}
