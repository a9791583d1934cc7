//! The introspection socket (`Builder::introspection_socket`) and the two examples built
//! on it: `debug_service` (debug mode's three reports) and `weft_ps` (another process's
//! task tree). Linux only (`SO_PEERCRED`).
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use weft::observe::{DebugEvent, SocketError};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/<profile>/examples`, next to this test's `target/<profile>/deps`.
fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent().and_then(Path::parent).expect("target/<profile>").join("examples")
}

fn build_examples() {
    let profile = examples_dir().parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(root()).args(["build", "--quiet", "--example", "debug_service", "--example", "weft_ps"]);
    match profile.as_str() {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    assert!(cmd.status().expect("run cargo build").success(), "cargo build --example failed");
}

/// A fresh directory for one test's sockets (mode 0700).
fn private_tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-introspection-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    dir
}

fn sink() -> (Arc<Mutex<Vec<DebugEvent>>>, impl Fn(&DebugEvent) + Send + Sync + 'static) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    (seen, move |e: &DebugEvent| s.lock().unwrap().push(e.clone()))
}

/// The service runs under its own load; meanwhile `weft_ps` prints its tree from outside,
/// and afterwards debug mode's output names the slow handler, the leaked failure and the
/// stuck task.
#[test]
fn debug_service_shows_its_three_bugs_and_weft_ps_prints_its_tree_under_load() {
    build_examples();
    let dir = examples_dir();
    let mut service = Command::new(dir.join("debug_service"))
        .arg("4")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("RUST_BACKTRACE", "0")
        .spawn()
        .expect("start debug_service");
    let mut stderr = service.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut out = BufReader::new(service.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.starts_with(&format!("debug_service: pid {}", service.id())), "{first}");
    let mut serving = String::new();
    out.read_line(&mut serving).unwrap();
    assert!(serving.contains("serving on"), "{serving}");
    // The clients exist now (the line is printed after they are spawned): ask from
    // outside, as another process.
    let ps = |what: &str| {
        let o = Command::new(dir.join("weft_ps")).arg(service.id().to_string()).arg(what).output().unwrap();
        assert!(o.status.success(), "weft_ps {what}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    // The cache-warmer and the clients were spawned before that line, but on a busy
    // machine a worker may not have polled them yet: the warmer then shows as runnable,
    // and no client has connected, so the server has no handler to nest under it. Ask
    // again until both are there, for less time than the service runs (its clients keep
    // their connections, and so their handlers, until it ends).
    let warmer_waits =
        |tree: &str| tree.lines().any(|l| l.contains("\"cache-warmer\" [waiting on event for"));
    let handlers_nest = |tree: &str| tree.contains("├─ task") || tree.contains("└─ task");
    let asked = Instant::now();
    let mut tree = ps("tree");
    while !(warmer_waits(&tree) && handlers_nest(&tree))
        && asked.elapsed() < std::time::Duration::from_secs(3)
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
        tree = ps("tree");
    }
    assert!(warmer_waits(&tree), "{tree}");
    assert!(tree.contains("\"client-0\""), "{tree}");
    assert!(handlers_nest(&tree), "handlers nest under the server: {tree}");
    let json = ps("json");
    assert!(json.starts_with("{\"tasks\":[{\"id\":") && json.ends_with("]}"), "{json}");
    assert!(json.contains("\"name\":\"cache-warmer\",\"state\":\"waiting\""), "{json}");
    let metrics = ps("metrics");
    assert!(metrics.contains("live_tasks") && metrics.contains("io_registrations"), "{metrics}");
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let status = service.wait().unwrap();
    let err = err_reader.join().unwrap();
    assert!(status.success(), "{rest}\n{err}");
    assert!(rest.contains("served"), "{rest}");
    // The slow handler: a poll of 150 ms at least.
    assert!(
        err.lines()
            .any(|l| l.starts_with("weft debug: slow poll: task ") && l.contains("held a worker for 1")),
        "{err}"
    );
    // The leaked failure.
    assert!(
        err.contains(
            "weft debug: unobserved failure: task 3 \"audit-log\" (spawned by task 1 at examples/debug_service.rs:"
        ) && err.contains("panicked (\"audit sink unreachable\") and it was detached"),
        "{err}"
    );
    // The stuck task.
    assert!(err.contains("weft debug: shutdown with 1 task(s) pending:\n  task 2 \"cache-warmer\""), "{err}");
    assert!(err.contains("waiting on event for"), "{err}");
    // The socket is gone with the process.
    assert!(!weft::observe::socket_path(service.id()).exists());
}

#[test]
fn malformed_endless_and_silent_requests_neither_stall_nor_crash_the_runtime() {
    let dir = private_tmp("bad-requests");
    let path = dir.join("rt.sock");
    let rt = weft::Runtime::builder().worker_threads(2).introspection_socket_at(&path).build().unwrap();
    let _pending = rt.spawn(std::future::pending::<()>());
    // Malformed.
    assert!(weft::observe::request(&path, "rm -rf /").unwrap().starts_with("error: unknown request"));
    let mut s = UnixStream::connect(&path).unwrap();
    s.write_all(&[0xff, 0xfe, b'\n']).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert_eq!(answer, "error: request is not UTF-8\n");
    // Endless: the server stops reading at MAX_REQUEST bytes and answers.
    let mut endless = UnixStream::connect(&path).unwrap();
    let writer = {
        let mut w = endless.try_clone().unwrap();
        std::thread::spawn(move || {
            let chunk = [b'x'; 1024];
            // Until the server closes (a write error): it never waits for us to stop.
            for _ in 0..100_000 {
                if w.write_all(&chunk).is_err() {
                    return true;
                }
            }
            false
        })
    };
    let mut answer = Vec::new();
    let _ = endless.read_to_end(&mut answer);
    assert!(String::from_utf8_lossy(&answer).starts_with("error: request too long"), "{answer:?}");
    assert!(writer.join().unwrap(), "the server kept reading an endless request");
    // Silent: holds the server thread for REQUEST_TIMEOUT at most, the workers not at all.
    // The clock starts before the connection, so before the server's deadline for it.
    let start = Instant::now();
    let mut silent = UnixStream::connect(&path).unwrap();
    let during = rt.block_on(async {
        let t = weft::spawn(async { 40 + 2 });
        t.await.unwrap()
    });
    assert_eq!(during, 42);
    let mut answer = String::new();
    silent.read_to_string(&mut answer).unwrap();
    assert_eq!(answer, "error: request timed out\n");
    assert!(start.elapsed() >= weft::observe::REQUEST_TIMEOUT);
    // And the next well-formed request is answered.
    let tree = weft::observe::request(&path, "tree").unwrap();
    assert!(tree.starts_with("task ") && tree.contains("[waiting]"), "{tree}");
    drop(rt);
    assert!(!path.exists(), "the socket is removed at shutdown");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_path_taken_by_a_live_runtime_is_refused_and_a_stale_one_is_reused() {
    let dir = private_tmp("taken");
    let path = dir.join("rt.sock");
    let first = weft::Runtime::builder().current_thread().introspection_socket_at(&path).build().unwrap();
    let err = weft::Runtime::builder().current_thread().introspection_socket_at(&path).build().unwrap_err();
    match &err {
        weft::BuildError::Socket(SocketError::InUse(p)) => assert_eq!(p, &path),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("in use by a live process"));
    // The first runtime still answers.
    assert_eq!(weft::observe::request(&path, "tree").unwrap(), "");
    drop(first);
    // A stale socket file (its process died without removing it): taken over.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let second = weft::Runtime::builder().current_thread().introspection_socket_at(&path).build().unwrap();
    assert_eq!(weft::observe::request(&path, "tree").unwrap(), "");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    drop(second);
    let _ = std::fs::remove_dir_all(dir);
}

/// Not a test of its own: the child process that the tests below start (the test binary
/// again, with `WEFT_INTROSPECTION_HELPER` set). Without the variable it does nothing.
#[test]
fn helper_process() {
    match std::env::var("WEFT_INTROSPECTION_HELPER").as_deref() {
        Ok("default-path") => {
            match weft::Runtime::builder().current_thread().introspection_socket(true).build() {
                Ok(rt) => {
                    println!("HELPER ok {}", weft::observe::socket_path(std::process::id()).display());
                    drop(rt);
                }
                Err(e) => println!("HELPER error {e}"),
            }
        }
        Ok("client") => {
            let path = std::env::var("WEFT_INTROSPECTION_PATH").unwrap();
            match weft::observe::request(Path::new(&path), "tree") {
                Ok(a) => println!("HELPER answer {a:?}"),
                Err(e) => println!("HELPER io-error {}", e.kind()),
            }
        }
        _ => {}
    }
}

fn helper(kind: &str, envs: &[(&str, &str)], uid: Option<u32>) -> String {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["helper_process", "--exact", "--nocapture", "--test-threads=1"])
        .env("WEFT_INTROSPECTION_HELPER", kind);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    if let Some(uid) = uid {
        use std::os::unix::process::CommandExt;
        cmd.uid(uid).gid(uid);
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // The test harness prints `test helper_process ... ` before the line, on the same line.
    text.lines()
        .find_map(|l| l.find("HELPER ").map(|i| l[i..].to_owned()))
        .unwrap_or_else(|| panic!("helper said nothing: {text}"))
}

#[test]
fn the_default_directory_is_made_private_and_a_shared_one_is_refused() {
    let base = private_tmp("xdg");
    let xdg = base.to_str().unwrap();
    // Made with 0700.
    let line = helper("default-path", &[("XDG_RUNTIME_DIR", xdg)], None);
    assert!(line.starts_with(&format!("HELPER ok {xdg}/weft/")), "{line}");
    let mode = std::fs::metadata(base.join("weft")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    // Loosened by someone: refused, with a typed error.
    std::fs::set_permissions(base.join("weft"), std::fs::Permissions::from_mode(0o777)).unwrap();
    let line = helper("default-path", &[("XDG_RUNTIME_DIR", xdg)], None);
    assert!(line.starts_with("HELPER error") && line.contains("is not private"), "{line}");
    let _ = std::fs::remove_dir_all(base);
}

/// Another user's process that gets through to the socket (here: the permissions were
/// loosened on purpose) is still refused, by its credentials, and the refusal reported.
/// Needs root, to run the client as another user; elsewhere only the first two fences
/// (the private directory and the 0600 file) are checked, by the tests above.
#[test]
fn another_users_connection_is_refused_by_its_credentials_and_logged() {
    // SAFETY: getuid has no preconditions.
    if unsafe { libc::getuid() } != 0 {
        eprintln!("not root: cannot start a client as another user; the credential check is not exercised");
        return;
    }
    let dir = private_tmp("peercred");
    let path = dir.join("rt.sock");
    let (seen, sink) = sink();
    let rt = weft::Runtime::builder()
        .current_thread()
        .introspection_socket_at(&path)
        .debug_sink(sink)
        .build()
        .unwrap();
    let _t = rt.spawn(std::future::pending::<()>());
    // Without loosening, the other user cannot even connect.
    let line = helper("client", &[("WEFT_INTROSPECTION_PATH", path.to_str().unwrap())], Some(65534));
    assert_eq!(line, "HELPER io-error permission denied");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let line = helper("client", &[("WEFT_INTROSPECTION_PATH", path.to_str().unwrap())], Some(65534));
    assert_eq!(line, "HELPER answer \"error: refused: only the same user or root may ask\\n\"");
    // The server logs before it takes the next connection: ask once more to be sure.
    assert!(weft::observe::request(&path, "tree").unwrap().starts_with("task "));
    let seen = seen.lock().unwrap();
    let refused: Vec<_> = seen
        .iter()
        .filter_map(|e| match e {
            DebugEvent::IntrospectionRefused { uid, reason, .. } => Some((*uid, reason.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].0, 65534);
    assert!(refused[0].1.contains("not this process's user"), "{refused:?}");
    drop(rt);
    let _ = std::fs::remove_dir_all(dir);
}
