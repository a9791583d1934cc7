//! The introspection socket: another process of the same user asks for this runtime's
//! task tree or metrics (`cargo run --example weft_ps -- PID`).
//!
//! # Who may ask
//!
//! Three fences, each enough on its own against another user:
//!
//! 1. The socket lives in a private directory: `$XDG_RUNTIME_DIR/weft/` or, without that
//!    variable, `/tmp/weft-<uid>/`, created with mode `0700`. An existing directory is
//!    used only if this user owns it and nobody else may enter it.
//! 2. The socket file itself is made `0600` right after `bind`.
//! 3. Each connection's peer is read with `SO_PEERCRED`: only the same user, or root, is
//!    answered. Anyone else gets `error: refused: ...` and nothing else, and the refusal
//!    (with the peer's uid and pid) is reported to the debug sink as
//!    [`DebugEvent::IntrospectionRefused`].
//!
//! # Why it cannot stall the runtime
//!
//! The server is one thread of its own, not a task: the workers never wait for it. It
//! serves one connection at a time, reads at most [`MAX_REQUEST`] bytes for at most
//! [`REQUEST_TIMEOUT`], writes under a timeout too, and answers anything else than a
//! known request with `error: ...`. A client that sends garbage, never stops sending, or
//! never sends, holds this thread for half a second at most, and the workers not at all.
//! Building the answer is an [`Observer`] call like any other (it takes each shard lock
//! of the task list briefly).
//!
//! # The protocol
//!
//! One line: `tree` (pstree text), `json` (the tree as JSON) or `metrics`; the answer is
//! the text, then the server closes the connection.

use super::{DebugEvent, DebugSink, Observer};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest request line the server reads.
pub const MAX_REQUEST: usize = 64;
/// How long the server waits for a whole request line.
pub const REQUEST_TIMEOUT: Duration = Duration::from_millis(500);

/// The directory where runtimes of this user put their sockets.
fn socket_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(d) if !d.is_empty() => Path::new(&d).join("weft"),
        // SAFETY: getuid has no preconditions and cannot fail.
        _ => PathBuf::from(format!("/tmp/weft-{}", unsafe { libc::getuid() })),
    }
}

/// Where the runtime of process `pid` listens, if it was built with
/// [`Builder::introspection_socket`](crate::runtime::Builder::introspection_socket):
/// `$XDG_RUNTIME_DIR/weft/<pid>.sock`, or `/tmp/weft-<uid>/<pid>.sock`.
///
/// ```
/// let p = weft::observe::socket_path(1234);
/// assert!(p.to_str().unwrap().ends_with("/1234.sock"));
/// ```
pub fn socket_path(pid: u32) -> PathBuf {
    socket_dir().join(format!("{pid}.sock"))
}

/// Sends one request (`"tree"`, `"json"` or `"metrics"`) to the runtime listening at
/// `path` and returns its answer: the client side of the socket, as the `weft_ps`
/// example uses it.
///
/// ```no_run
/// let tree = weft::observe::request(&weft::observe::socket_path(1234), "tree").unwrap();
/// print!("{tree}");
/// ```
pub fn request(path: &Path, what: &str) -> io::Result<String> {
    let mut s = UnixStream::connect(path)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    // A request the server stopped reading (too long) still gets its answer: read it.
    let _ = s.write_all(format!("{what}\n").as_bytes());
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

/// Why the introspection socket could not be opened.
#[derive(Debug)]
#[non_exhaustive]
pub enum SocketError {
    /// Another live process listens at this path already.
    InUse(PathBuf),
    /// The directory exists but is not private to this user (its owner or mode is wrong).
    InsecureDir(PathBuf),
    /// The operating system refused (creating the directory, binding, a thread).
    Io(io::Error),
}

impl std::fmt::Display for SocketError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SocketError::InUse(p) => {
                write!(f, "the introspection socket {} is in use by a live process", p.display())
            }
            SocketError::InsecureDir(p) => write!(
                f,
                "the introspection socket's directory {} is not private (it must be owned by this user, mode 0700)",
                p.display()
            ),
            SocketError::Io(e) => write!(f, "could not open the introspection socket: {e}"),
        }
    }
}

impl std::error::Error for SocketError {}

/// The running server; stopping it (drop) closes and removes the socket.
pub(crate) struct Server {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `path` (or the default path for this process) and starts the server thread.
    pub(crate) fn start(
        path: Option<PathBuf>,
        observer: Observer,
        log: DebugSink,
    ) -> Result<Server, SocketError> {
        let path = match path {
            Some(p) => p,
            None => {
                let dir = socket_dir();
                private_dir(&dir)?;
                dir.join(format!("{}.sock", std::process::id()))
            }
        };
        if path.exists() {
            // A live listener answers; a stale file (a process that died) does not.
            if UnixStream::connect(&path).is_ok() {
                return Err(SocketError::InUse(path));
            }
            std::fs::remove_file(&path).map_err(SocketError::Io)?;
        }
        let listener = UnixListener::bind(&path).map_err(|e| match e.kind() {
            io::ErrorKind::AddrInUse => SocketError::InUse(path.clone()),
            _ => SocketError::Io(e),
        })?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(SocketError::Io)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::Builder::new()
            .name("weft-introspect".into())
            .spawn(move || serve(listener, observer, log, stop2))
            .map_err(SocketError::Io)?;
        Ok(Server { path, stop, thread: Some(thread) })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the blocking accept; the server sees `stop` and ends.
        let _ = UnixStream::connect(&self.path);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Creates `dir` with mode 0700, or checks that the existing one is ours and private.
fn private_dir(dir: &Path) -> Result<(), SocketError> {
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(SocketError::Io(e)),
    }
    let meta = std::fs::symlink_metadata(dir).map_err(SocketError::Io)?;
    // SAFETY: getuid has no preconditions and cannot fail.
    let me = unsafe { libc::getuid() };
    if !meta.is_dir() || meta.uid() != me || meta.mode() & 0o077 != 0 {
        return Err(SocketError::InsecureDir(dir.to_owned()));
    }
    Ok(())
}

/// The peer's uid and pid, from `SO_PEERCRED`.
fn peer_cred(s: &UnixStream) -> io::Result<(u32, i32)> {
    let mut cred = libc::ucred { pid: 0, uid: 0, gid: 0 };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are valid for writes of the sizes given, and the fd is an
    // open socket for the duration of the call.
    let r = unsafe {
        libc::getsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((cred.uid, cred.pid))
}

fn serve(listener: UnixListener, observer: Observer, log: DebugSink, stop: Arc<AtomicBool>) {
    // SAFETY: getuid has no preconditions and cannot fail.
    let me = unsafe { libc::getuid() };
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(mut conn) = conn else { continue };
        let peer = peer_cred(&conn);
        // Read first, from everyone (bounded): closing a socket with the request unread
        // would reset the connection, and the client would see an error instead of the
        // answer, a refusal included.
        let req = read_request(&mut conn);
        let refusal = match peer {
            Ok((uid, _)) if uid == me || uid == 0 => None,
            Ok((uid, pid)) => {
                Some((uid, pid, format!("uid {uid} is not this process's user ({me}) nor root")))
            }
            Err(e) => Some((u32::MAX, 0, format!("no peer credentials: {e}"))),
        };
        let answer = match (refusal, req) {
            (Some((uid, pid, reason)), _) => {
                log(&DebugEvent::IntrospectionRefused { uid, pid, reason });
                "error: refused: only the same user or root may ask\n".to_owned()
            }
            (None, Ok(req)) => match req.as_str() {
                "tree" => observer.task_tree().map(|t| t.to_string()),
                "json" => observer.task_tree().map(|t| t.to_json()),
                "metrics" => observer.metrics().map(|m| format!("{m:#?}\n")),
                _ => Ok(format!("error: unknown request {req:?} (expected tree, json or metrics)\n")),
            }
            .unwrap_or_else(|e| format!("error: {e}\n")),
            (None, Err(why)) => format!("error: {why}\n"),
        };
        let _ = conn.set_write_timeout(Some(Duration::from_secs(1)));
        let _ = conn.write_all(answer.as_bytes());
    }
}

/// Reads one request line: at most [`MAX_REQUEST`] bytes within [`REQUEST_TIMEOUT`].
fn read_request(conn: &mut UnixStream) -> Result<String, &'static str> {
    let deadline = Instant::now() + REQUEST_TIMEOUT;
    let mut buf = [0u8; MAX_REQUEST];
    let mut len = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || conn.set_read_timeout(Some(left)).is_err() {
            return Err("request timed out");
        }
        match conn.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return Err("request timed out"),
        }
        if buf[..len].contains(&b'\n') {
            break;
        }
        if len == MAX_REQUEST {
            return Err("request too long");
        }
    }
    let line = buf[..len].split(|&b| b == b'\n').next().unwrap_or(&[]);
    match std::str::from_utf8(line) {
        Ok(s) => Ok(s.trim().to_owned()),
        Err(_) => Err("request is not UTF-8"),
    }
}
