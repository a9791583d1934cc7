//! [`Child`]: a running subprocess, and how its end is noticed (pidfd or `SIGCHLD`) and
//! its status collected.

use super::pipe::{ChildStderr, ChildStdin, ChildStdout};
use super::{Command, Kind};
use crate::io::{Direction, Registration};
use crate::signal::{Fd, Signal, SignalKind};
use parking_lot::Mutex;
use std::future::poll_fn;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::sync::Arc;
use std::task::{Context, Poll};

pub use std::process::{ExitStatus, Output};

/// A started subprocess: asyncio's `Process`, tokio's `Child`.
///
/// Its piped streams are in the public fields (take them to move them elsewhere).
/// Dropping the handle does not stop the child (unless [`Command::kill_on_drop`] was
/// set), and never leaves a zombie: see the [module docs](super).
///
/// ```
/// use weft::process::{Command, Stdio};
/// use weft::signal::SignalKind;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let mut child = Command::new("sleep").arg("60").spawn()?;
/// assert!(child.id().is_some() && child.returncode().is_none());
/// child.send_signal(SignalKind::terminate())?; // or child.terminate()
/// let status = child.wait().await?;
/// assert_eq!(child.returncode(), Some(-libc::SIGTERM)); // asyncio's convention
/// assert!(!status.success());
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub struct Child {
    /// The child's standard input, if piped.
    pub stdin: Option<ChildStdin>,
    /// The child's standard output, if piped.
    pub stdout: Option<ChildStdout>,
    /// The child's standard error, if piped.
    pub stderr: Option<ChildStderr>,
    /// `None` once the status was collected.
    inner: Option<std::process::Child>,
    status: Option<ExitStatus>,
    /// `None` once the child was handed to a reaper.
    exit: Option<Exit>,
    kill_on_drop: bool,
}

/// How the end of the child is noticed.
enum Exit {
    /// A pidfd registered with the reactor: readable once the process ended. (Closing
    /// the descriptor takes it out of the reactor: it has no duplicate.)
    Pidfd { _fd: Fd, registration: Registration },
    /// A `SIGCHLD` listener made before the child was started.
    Sigchld(Signal),
}

impl std::fmt::Debug for Child {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Child").field("pid", &self.id()).field("status", &self.status).finish()
    }
}

pub(super) fn spawn(cmd: &mut Command) -> io::Result<Child> {
    reap_orphans();
    // With no pidfd, the SIGCHLD listener must exist before the child can end.
    let sigchld = if pidfd_supported() { None } else { Some(crate::signal::signal(SignalKind::child())?) };
    let mut stdout_pipe = None;
    let stdout_cfg = cmd.stdout.take().map(|s| s.0);
    let stderr_cfg = cmd.stderr.take().map(|s| s.0);
    if let Some(Kind::ToStdout) = stderr_cfg {
        // asyncio's STDOUT: standard error goes wherever standard output goes.
        match stdout_cfg {
            Some(Kind::Piped) => {
                // Both streams write to one pipe of our own; we keep its read end.
                let (r, w) = cloexec_pipe()?;
                cmd.std.stderr(w.try_clone()?);
                cmd.std.stdout(w);
                stdout_pipe = Some(r);
            }
            Some(Kind::Null) => {
                cmd.std.stdout(std::process::Stdio::null());
                cmd.std.stderr(std::process::Stdio::null());
            }
            Some(Kind::Fd(fd)) => {
                cmd.std.stderr(fd.try_clone()?);
                cmd.std.stdout(fd);
            }
            Some(Kind::ToStdout) => return Err(to_stdout_misused()),
            Some(Kind::Inherit) | None => {
                cmd.std.stdout(std::process::Stdio::inherit());
                cmd.std.stderr(dup_fd(1)?);
            }
        }
    } else {
        if let Some(k) = stdout_cfg {
            cmd.std.stdout(to_std(k)?);
        }
        if let Some(k) = stderr_cfg {
            cmd.std.stderr(to_std(k)?);
        }
    }
    if let Some(k) = cmd.stdin.take() {
        cmd.std.stdin(to_std(k.0)?);
    }
    let mut inner = cmd.std.spawn()?;
    // The pipes must be registered now: a failure here still leaves a child to reap.
    let pipes = (|| {
        let stdin = inner.stdin.take().map(|p| ChildStdin::new(OwnedFd::from(p))).transpose()?;
        let stdout = match stdout_pipe {
            Some(r) => Some(ChildStdout::new(r)?),
            None => inner.stdout.take().map(|p| ChildStdout::new(OwnedFd::from(p))).transpose()?,
        };
        let stderr = inner.stderr.take().map(|p| ChildStderr::new(OwnedFd::from(p))).transpose()?;
        let exit = match sigchld {
            Some(s) => Exit::Sigchld(s),
            None => match pidfd_open(inner.id()) {
                Ok(fd) => {
                    let mut fd = Fd(fd);
                    let reg = Registration::new(&mut fd, mio::Interest::READABLE)?;
                    Exit::Pidfd { _fd: fd, registration: reg }
                }
                // A kernel without pidfd after all: the child may have ended already,
                // and a SIGCHLD listener made now would miss that; `try_wait` in
                // `poll_wait` sees it.
                Err(_) => Exit::Sigchld(crate::signal::signal(SignalKind::child())?),
            },
        };
        Ok::<_, io::Error>((stdin, stdout, stderr, exit))
    })();
    match pipes {
        Ok((stdin, stdout, stderr, exit)) => Ok(Child {
            stdin,
            stdout,
            stderr,
            inner: Some(inner),
            status: None,
            exit: Some(exit),
            kill_on_drop: cmd.kill_on_drop,
        }),
        Err(e) => {
            let _ = inner.kill();
            let _ = inner.wait();
            Err(e)
        }
    }
}

fn to_stdout_misused() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "Stdio::stdout() is for standard error only")
}

fn to_std(kind: Kind) -> io::Result<std::process::Stdio> {
    Ok(match kind {
        Kind::Piped => std::process::Stdio::piped(),
        Kind::Inherit => std::process::Stdio::inherit(),
        Kind::Null => std::process::Stdio::null(),
        Kind::Fd(fd) => std::process::Stdio::from(fd),
        Kind::ToStdout => return Err(to_stdout_misused()),
    })
}

fn dup_fd(fd: i32) -> io::Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC on a descriptor number; the result is checked and owned.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if new < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

fn cloexec_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the two-int array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: two fresh descriptors nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn pidfd_open(pid: u32) -> io::Result<OwnedFd> {
    // SAFETY: the pidfd_open system call with a pid and no flags; the result is checked.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = fd as i32;
    crate::signal::set_flags(fd)?;
    // SAFETY: a fresh descriptor nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Reap with `SIGCHLD` even where pidfd is available (for tests of that path).
static FORCE_SIGCHLD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes every later child of this process be reaped through `SIGCHLD`, as on a kernel
/// without pidfd. For weft's own tests of that path.
#[doc(hidden)]
pub fn force_sigchld_reaping() {
    FORCE_SIGCHLD.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Whether this kernel has `pidfd_open` (asked once).
fn pidfd_supported() -> bool {
    if FORCE_SIGCHLD.load(std::sync::atomic::Ordering::SeqCst) {
        return false;
    }
    static SUPPORTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SUPPORTED.get_or_init(|| match pidfd_open(std::process::id()) {
        Ok(_) => true,
        Err(e) => e.raw_os_error() != Some(libc::ENOSYS),
    })
}

impl Child {
    /// The process id, until its status is collected (then `None`, as tokio's).
    pub fn id(&self) -> Option<u32> {
        self.inner.as_ref().map(|c| c.id())
    }

    /// asyncio's `returncode`: `None` while it runs; its exit code once it ended, or
    /// minus the signal that killed it. Collects the status if the child has ended.
    pub fn returncode(&mut self) -> Option<i32> {
        let _ = self.try_wait();
        self.status.map(|s| s.code().unwrap_or_else(|| -s.signal().unwrap_or(0)))
    }

    /// The status, if the child has ended (collecting it); never waits.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if let Some(s) = self.status {
            return Ok(Some(s));
        }
        let Some(inner) = self.inner.as_mut() else { return Ok(self.status) };
        if let Some(s) = inner.try_wait()? {
            self.status = Some(s);
            self.inner = None;
        }
        Ok(self.status)
    }

    /// Waits for the child to end and collects its status. Standard input is closed
    /// first, so that a child reading it to its end cannot deadlock the wait (read its
    /// piped output concurrently, or use [`communicate`](Self::communicate), for the
    /// same reason). A checkpoint: a cancelled wait leaves the child running, to be
    /// waited for again.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        self.stdin.take();
        poll_fn(|cx| self.poll_wait(cx, true)).await
    }

    fn poll_wait(&mut self, cx: &mut Context<'_>, checkpoint: bool) -> Poll<io::Result<ExitStatus>> {
        if checkpoint {
            crate::cancel::check().map_err(crate::io::cancelled_error)?;
        }
        loop {
            if let Some(s) = self.try_wait()? {
                return Poll::Ready(Ok(s));
            }
            let Some(exit) = &self.exit else { return Poll::Pending };
            match poll_exit(exit, cx) {
                Poll::Ready(true) => continue, // look again
                Poll::Ready(false) => {
                    return Poll::Ready(Err(io::Error::other("weft: the runtime shut down")));
                }
                Poll::Pending => {
                    // The child may have ended before the waker was registered.
                    return match self.try_wait()? {
                        Some(s) => Poll::Ready(Ok(s)),
                        None => Poll::Pending,
                    };
                }
            }
        }
    }

    /// Sends `SIGKILL` (asyncio's `kill()`). An error once the status was collected.
    pub fn kill(&mut self) -> io::Result<()> {
        self.send_signal(SignalKind::from_raw(libc::SIGKILL))
    }

    /// Sends `SIGTERM` (asyncio's `terminate()`).
    pub fn terminate(&mut self) -> io::Result<()> {
        self.send_signal(SignalKind::terminate())
    }

    /// Sends `signal` (asyncio's `send_signal`). `InvalidInput` once the status was
    /// collected (the pid may belong to another process by then).
    pub fn send_signal(&mut self, signal: SignalKind) -> io::Result<()> {
        let Some(pid) = self.id() else {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "the process has exited and was reaped"));
        };
        // SAFETY: kill sends a signal to our own child, whose pid is not reused while
        // its status is uncollected.
        if unsafe { libc::kill(pid as libc::pid_t, signal.as_raw()) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// asyncio's `communicate(input)`: writes `input` to standard input (if piped) and
    /// closes it, reads standard output and error to their ends at the same time (so a
    /// child that fills both pipes cannot deadlock), then waits for the child. Returns
    /// what was read (empty for streams that are not piped). A checkpoint: cancelled,
    /// the output read so far is lost and the child runs on.
    ///
    /// ```
    /// use weft::process::{Command, Stdio};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let mut child = Command::new("cat")
    ///     .stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    /// let (out, err) = child.communicate(Some(b"echo me")).await?;
    /// assert_eq!((out, err), (b"echo me".to_vec(), Vec::new()));
    /// assert_eq!(child.returncode(), Some(0));
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn communicate(&mut self, input: Option<&[u8]>) -> io::Result<(Vec<u8>, Vec<u8>)> {
        let mut input = input.unwrap_or_default();
        let mut stdin = self.stdin.take();
        if input.is_empty() {
            stdin = None;
        }
        let (stdout, stderr) = (self.stdout.take(), self.stderr.take());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let (mut out_done, mut err_done) = (stdout.is_none(), stderr.is_none());
        let mut chunk = vec![0u8; 16 * 1024];
        poll_fn(|cx| {
            crate::cancel::check().map_err(crate::io::cancelled_error)?;
            while let Some(s) = &stdin {
                match s.poll_write_priv(cx, input) {
                    Poll::Ready(Ok(n)) => {
                        input = &input[n..];
                        if input.is_empty() {
                            stdin = None;
                        }
                    }
                    // The child stopped reading: asyncio ignores that too.
                    Poll::Ready(Err(e))
                        if matches!(e.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset) =>
                    {
                        stdin = None
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => break,
                }
            }
            if let (false, Some(s)) = (out_done, &stdout) {
                out_done = drain_into(cx, &mut chunk, &mut out, |cx, b| s.poll_read_priv(cx, b))?;
            }
            if let (false, Some(s)) = (err_done, &stderr) {
                err_done = drain_into(cx, &mut chunk, &mut err, |cx, b| s.poll_read_priv(cx, b))?;
            }
            if stdin.is_none() && out_done && err_done { Poll::Ready(Ok(())) } else { Poll::Pending }
        })
        .await?;
        self.wait().await?;
        Ok((out, err))
    }

    /// Waits for the child with its piped output captured: std's `wait_with_output`.
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        let (stdout, stderr) = self.communicate(None).await?;
        let status = self.wait().await?;
        Ok(Output { status, stdout, stderr })
    }
}

/// Waits for a sign that the child may have ended: `Ready(true)` to look again,
/// `Ready(false)` if the runtime shut down. Not a checkpoint.
fn poll_exit(exit: &Exit, cx: &mut Context<'_>) -> Poll<bool> {
    match exit {
        Exit::Pidfd { registration, .. } => match registration.poll_ready_unchecked(Direction::Read, cx) {
            Poll::Ready(ev) if ev.is_shutdown() => Poll::Ready(false),
            // Readable only once the process ended: its status is there to collect. The
            // readiness stays (the process does not come back), so it is not cleared.
            Poll::Ready(_) => Poll::Ready(true),
            Poll::Pending => Poll::Pending,
        },
        Exit::Sigchld(sig) => sig.poll_signal(cx).map(|()| true),
    }
}

/// Reads what `read` has now into `out`; `Ok(true)` at the end of the stream.
fn drain_into(
    cx: &mut Context<'_>,
    chunk: &mut [u8],
    out: &mut Vec<u8>,
    mut read: impl FnMut(&mut Context<'_>, &mut [u8]) -> Poll<io::Result<usize>>,
) -> io::Result<bool> {
    loop {
        match read(cx, chunk) {
            Poll::Ready(Ok(0)) => return Ok(true),
            Poll::Ready(Ok(n)) => out.extend_from_slice(&chunk[..n]),
            Poll::Ready(Err(e)) => return Err(e),
            Poll::Pending => return Ok(false),
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if self.inner.is_none() {
            return;
        }
        if self.kill_on_drop {
            let _ = self.kill();
        }
        if matches!(self.try_wait(), Ok(Some(_))) {
            return;
        }
        // Still running: reap it when it ends, so that it does not stay a zombie. A
        // small task waits for it; without a runtime to run one, the next subprocess
        // operation collects it.
        let (Some(inner), Some(exit)) = (self.inner.take(), self.exit.take()) else { return };
        let orphan = Arc::new(Mutex::new(Some(inner)));
        let task_orphan = orphan.clone();
        let reaper = crate::try_spawn(async move {
            poll_fn(|cx| {
                loop {
                    let mut slot = task_orphan.lock();
                    let Some(inner) = slot.as_mut() else { return Poll::Ready(()) };
                    if !matches!(inner.try_wait(), Ok(None)) {
                        slot.take();
                        return Poll::Ready(());
                    }
                    match poll_exit(&exit, cx) {
                        Poll::Ready(true) => continue,
                        Poll::Ready(false) => return Poll::Ready(()), // left for reap_orphans
                        Poll::Pending => {
                            if matches!(inner.try_wait(), Ok(None)) {
                                return Poll::Pending;
                            }
                            slot.take();
                            return Poll::Ready(());
                        }
                    }
                }
            })
            .await;
        });
        drop(reaper);
        // If the task never runs to the child's end (no runtime, or the runtime shut
        // down first), the child is left for `reap_orphans`.
        ORPHANS.lock().push(orphan);
    }
}

/// Children whose handle was dropped while they ran; `None` once reaped.
static ORPHANS: Mutex<Vec<Arc<Mutex<Option<std::process::Child>>>>> = Mutex::new(Vec::new());

/// Collects the status of every orphan that has ended, and forgets those reaped.
fn reap_orphans() {
    ORPHANS.lock().retain(|o| {
        let mut slot = o.lock();
        if let Some(inner) = slot.as_mut() {
            if matches!(inner.try_wait(), Ok(None)) {
                return true;
            }
            slot.take();
        }
        false
    });
}
