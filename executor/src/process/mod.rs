//! Subprocesses: asyncio's `create_subprocess_exec` / `create_subprocess_shell`, with a
//! [`Command`] shaped like std's.
//!
//! ```text
//!   asyncio                                           weft
//!   p = await asyncio.create_subprocess_exec(         let mut p = create_subprocess_exec("ls", ["-l"])
//!       "ls", "-l", stdout=PIPE, stderr=STDOUT)           .stdout(Stdio::piped()).stderr(Stdio::stdout()).spawn()?;
//!   out, _ = await p.communicate()                    let (out, _) = p.communicate(None).await?;
//!   p.returncode                                      p.returncode()
//! ```
//!
//! A child's pipes are non-blocking and registered with the reactor: [`ChildStdout`] and
//! [`ChildStderr`] implement `futures_io::AsyncRead` (wrap one in a
//! [`StreamReader`](crate::net::StreamReader) for `readline`), [`ChildStdin`]
//! `AsyncWrite` (and a [`StreamWriter`](crate::net::StreamWriter) can take it).
//!
//! # Reaping without a thread per child
//!
//! A child that ended stays a *zombie* until its parent collects its status with
//! `waitpid`. weft learns that a child ended without a thread waiting for it:
//!
//! * **pidfd** (Linux 5.3 and later): `pidfd_open` gives a descriptor that becomes
//!   readable when the process ends; it is registered with the reactor like a socket,
//!   and the readiness wakes [`Child::wait`].
//! * **SIGCHLD** otherwise: every wait listens for `SIGCHLD` (see [`crate::signal`]) and
//!   tries `waitpid(pid, WNOHANG)` for its own child at each one.
//!
//! A cancelled [`wait`](Child::wait) leaves the child running and its status
//! uncollected; the next `wait` (or `try_wait`, `returncode`) collects it. If the
//! [`Child`] is dropped before its status was collected, a small task reaps it when it
//! ends (or, outside a runtime, the next subprocess operation does), so no zombie is left
//! behind; with [`Command::kill_on_drop`], the child is killed first.

mod child;
mod pipe;

#[doc(hidden)]
pub use child::force_sigchld_reaping;
pub use child::{Child, ExitStatus, Output};
pub use pipe::{ChildStderr, ChildStdin, ChildStdout};

use std::ffi::OsStr;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::path::Path;

/// Where a child's standard stream goes: [`piped`](Stdio::piped) (a pipe to this
/// process), [`inherit`](Stdio::inherit), [`null`](Stdio::null), or, for standard error
/// only, [`stdout`](Stdio::stdout) (asyncio's `STDOUT`: wherever standard output goes).
///
/// ```
/// use weft::process::{Command, Stdio};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// // A file works too: the child writes to it directly.
/// let path = std::env::temp_dir().join(format!("weft-doc-Stdio-{}", std::process::id()));
/// let file = std::fs::File::create(&path)?;
/// let status = Command::new("echo").arg("to a file").stdout(file).status().await?;
/// assert!(status.success());
/// assert_eq!(std::fs::read_to_string(&path)?, "to a file\n");
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct Stdio(Kind);

#[derive(Debug)]
enum Kind {
    Piped,
    Inherit,
    Null,
    ToStdout,
    Fd(OwnedFd),
}

impl Stdio {
    /// A pipe to this process (asyncio's `PIPE`).
    ///
    /// ```
    /// use weft::process::{Command, Stdio};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let mut p = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    /// assert!(p.stdin.is_some() && p.stdout.is_some() && p.stderr.is_none());
    /// let (out, _) = p.communicate(Some(b"round trip")).await?;
    /// assert_eq!(out, b"round trip");
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn piped() -> Stdio {
        Stdio(Kind::Piped)
    }
    /// The parent's own stream (asyncio's `None`, the default).
    ///
    /// ```
    /// use weft::process::{Command, Stdio};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// // Not captured: it goes where this process's standard error goes.
    /// let out = Command::new("sh").args(["-c", "echo out"]).stderr(Stdio::inherit()).output().await?;
    /// assert_eq!(out.stdout, b"out\n");
    /// assert!(out.stderr.is_empty());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn inherit() -> Stdio {
        Stdio(Kind::Inherit)
    }
    /// `/dev/null` (asyncio's `DEVNULL`).
    ///
    /// ```
    /// use weft::process::{Command, Stdio};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let out = Command::new("echo").arg("discarded").stdout(Stdio::null()).output().await?;
    /// assert!(out.status.success());
    /// assert!(out.stdout.is_empty());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn null() -> Stdio {
        Stdio(Kind::Null)
    }
    /// For standard error: where standard output goes (asyncio's `STDOUT`).
    ///
    /// ```
    /// use weft::process::{Command, Stdio};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let mut p = Command::new("sh")
    ///     .args(["-c", "echo out; echo err >&2"])
    ///     .stdout(Stdio::piped())
    ///     .stderr(Stdio::stdout())
    ///     .spawn()?;
    /// let (out, err) = p.communicate(None).await?;
    /// assert_eq!(out, b"out\nerr\n");
    /// assert!(err.is_empty());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn stdout() -> Stdio {
        Stdio(Kind::ToStdout)
    }
}

impl From<OwnedFd> for Stdio {
    /// A descriptor the child gets as this stream (a file, a socket, a pipe).
    fn from(fd: OwnedFd) -> Stdio {
        Stdio(Kind::Fd(fd))
    }
}

impl From<std::fs::File> for Stdio {
    fn from(f: std::fs::File) -> Stdio {
        Stdio(Kind::Fd(f.into()))
    }
}

/// A process to start: std's `Command`, with weft's pipes and an option to kill the
/// child when its handle is dropped.
///
/// ```
/// use weft::process::{Command, Stdio};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let out = Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]).output().await?;
/// assert_eq!(out.stdout, b"out\n");
/// assert_eq!(out.stderr, b"err\n");
/// assert_eq!(out.status.code(), Some(3));
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct Command {
    std: std::process::Command,
    stdin: Option<Stdio>,
    stdout: Option<Stdio>,
    stderr: Option<Stdio>,
    kill_on_drop: bool,
}

/// asyncio's `create_subprocess_exec(program, *args)`: a [`Command`] to configure (its
/// standard streams) and [`spawn`](Command::spawn).
///
/// ```
/// use weft::process::{create_subprocess_exec, Stdio};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let mut p = create_subprocess_exec("echo", ["hello"]).stdout(Stdio::piped()).spawn()?;
/// let (out, _) = p.communicate(None).await?;
/// assert_eq!(out, b"hello\n");
/// assert_eq!(p.returncode(), Some(0));
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub fn create_subprocess_exec<I, S>(program: impl AsRef<OsStr>, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut c = Command::new(program);
    c.args(args);
    c
}

/// asyncio's `create_subprocess_shell(cmd)`: `/bin/sh -c cmd`. Quote what comes from
/// outside: the shell interprets the whole string.
///
/// ```
/// use weft::process::{create_subprocess_shell, Stdio};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let mut p = create_subprocess_shell("echo $((6 * 7))").stdout(Stdio::piped()).spawn()?;
/// assert_eq!(p.communicate(None).await?.0, b"42\n");
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub fn create_subprocess_shell(cmd: impl AsRef<OsStr>) -> Command {
    let mut c = Command::new("/bin/sh");
    c.arg("-c").arg(cmd);
    c
}

impl Command {
    /// A command to run `program` (looked up in `PATH` if it has no `/`).
    ///
    /// ```
    /// use weft::process::Command;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// assert!(Command::new("true").status().await?.success());
    /// assert!(!Command::new("/bin/false").status().await?.success());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command {
            std: std::process::Command::new(program),
            stdin: None,
            stdout: None,
            stderr: None,
            kill_on_drop: false,
        }
    }

    /// Adds an argument.
    ///
    /// ```
    /// use weft::process::Command;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let out = Command::new("echo").arg("one argument").arg("two").output().await?;
    /// assert_eq!(out.stdout, b"one argument two\n");
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    ///
    /// ```
    /// use weft::process::Command;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let out = Command::new("sh").args(["-c", "echo $# $1", "sh", "a", "b"]).output().await?;
    /// assert_eq!(out.stdout, b"2 a\n");
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable.
    ///
    /// ```
    /// use weft::process::Command;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let out = Command::new("sh").args(["-c", "echo $GREETING"]).env("GREETING", "hi").output().await?;
    /// assert_eq!(out.stdout, b"hi\n");
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, value);
        self
    }

    /// Sets environment variables.
    ///
    /// ```
    /// use weft::process::Command;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let vars = [("A", "1"), ("B", "2")];
    /// let out = Command::new("sh").args(["-c", "echo $A$B"]).envs(vars).output().await?;
    /// assert_eq!(out.stdout, b"12\n");
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable.
    ///
    /// ```
    /// use weft::process::Command;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let out = Command::new("sh")
    ///     .args(["-c", "echo ${GREETING-unset}"])
    ///     .env("GREETING", "hi")
    ///     .env_remove("GREETING")
    ///     .output()
    ///     .await?;
    /// assert_eq!(out.stdout, b"unset\n");
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts from an empty environment.
    ///
    /// ```
    /// use weft::process::Command;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let out = Command::new("/bin/sh") // no PATH to look it up in
    ///     .args(["-c", "echo ${HOME-none} $ONLY"])
    ///     .env_clear()
    ///     .env("ONLY", "this")
    ///     .output()
    ///     .await?;
    /// assert_eq!(out.stdout, b"none this\n");
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// The child's working directory.
    ///
    /// ```
    /// use weft::process::Command;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let out = Command::new("sh").args(["-c", "pwd"]).current_dir("/").output().await?;
    /// assert_eq!(out.stdout, b"/\n");
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// Standard input (default: inherited, as asyncio's).
    ///
    /// ```
    /// use weft::process::{Command, Stdio};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let mut p = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    /// let stdin = p.stdin.take().unwrap();
    /// stdin.write_all(b"typed").await?;
    /// drop(stdin); // end of input: cat ends
    /// let mut out = Vec::new();
    /// p.stdout.take().unwrap().read_to_end(&mut out).await?;
    /// assert_eq!(out, b"typed");
    /// assert!(p.wait().await?.success());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.stdin = Some(cfg.into());
        self
    }

    /// Standard output (default: inherited).
    ///
    /// ```
    /// use weft::process::{Command, Stdio};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let mut p = Command::new("echo").arg("piped").stdout(Stdio::piped()).spawn()?;
    /// let mut out = Vec::new();
    /// p.stdout.take().unwrap().read_to_end(&mut out).await?;
    /// assert_eq!(out, b"piped\n");
    /// p.wait().await?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.stdout = Some(cfg.into());
        self
    }

    /// Standard error (default: inherited; [`Stdio::stdout`] merges it into standard
    /// output).
    ///
    /// ```
    /// use weft::process::{Command, Stdio};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let mut p = Command::new("sh").args(["-c", "echo oops >&2"]).stderr(Stdio::piped()).spawn()?;
    /// let (out, err) = p.communicate(None).await?;
    /// assert_eq!((out, err), (Vec::new(), b"oops\n".to_vec()));
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.stderr = Some(cfg.into());
        self
    }

    /// Kill the child (`SIGKILL`) if its [`Child`] is dropped while it runs. Off by
    /// default: a dropped child runs on (and is reaped when it ends).
    ///
    /// ```
    /// use weft::process::{Command, Stdio};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let mut p = Command::new("cat")
    ///     .stdin(Stdio::piped())
    ///     .stdout(Stdio::piped())
    ///     .kill_on_drop(true)
    ///     .spawn()?;
    /// let (_stdin, stdout) = (p.stdin.take(), p.stdout.take().unwrap()); // keep its input open
    /// drop(p); // cat still waits for input: it is killed
    /// let mut out = Vec::new();
    /// assert_eq!(stdout.read_to_end(&mut out).await?, 0); // the pipe closed with it
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn kill_on_drop(&mut self, yes: bool) -> &mut Command {
        self.kill_on_drop = yes;
        self
    }

    /// Puts the child in process group `pgroup` (0: a new group led by the child), so
    /// that a terminal's Ctrl-C does not reach it.
    ///
    /// ```
    /// use weft::process::Command;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let out = Command::new("sh")
    ///     .args(["-c", "read -r pid _ _ _ pgrp _ < /proc/$$/stat; echo $pid $pgrp"])
    ///     .process_group(0)
    ///     .output()
    ///     .await?;
    /// let out = String::from_utf8(out.stdout).unwrap();
    /// let (pid, pgrp) = out.trim().split_once(' ').unwrap();
    /// assert_eq!(pid, pgrp); // the child leads a group of its own
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        self.std.process_group(pgroup);
        self
    }

    /// The std command underneath, for what this type does not forward.
    ///
    /// ```
    /// use std::os::unix::process::CommandExt;
    /// use weft::process::Command;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let mut cmd = Command::new("cat");
    /// cmd.arg("/proc/self/cmdline");
    /// cmd.as_std_mut().arg0("renamed"); // the name the child sees as its argv[0]
    /// let out = cmd.output().await?;
    /// assert_eq!(out.stdout, b"renamed\0/proc/self/cmdline\0");
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Starts the child. Errors: `NotFound` for a program that does not exist,
    /// `PermissionDenied` for one that cannot be executed; `Other` outside a runtime
    /// when a pipe was asked for.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let e = weft::process::Command::new("/no/such/program").spawn().unwrap_err();
    /// assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
    /// # });
    /// ```
    pub fn spawn(&mut self) -> io::Result<Child> {
        child::spawn(self)
    }

    /// Runs the child to its end with its output captured (standard input is null unless
    /// set): std's `output`. A checkpoint; cancelled, the child runs on and is reaped.
    ///
    /// ```
    /// use weft::process::Command;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// // Standard input is null: cat reads nothing and ends at once.
    /// let out = Command::new("cat").output().await?;
    /// assert!(out.status.success());
    /// assert!(out.stdout.is_empty() && out.stderr.is_empty());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn output(&mut self) -> io::Result<Output> {
        if self.stdin.is_none() {
            self.stdin = Some(Stdio::null());
        }
        if self.stdout.is_none() {
            self.stdout = Some(Stdio::piped());
        }
        if self.stderr.is_none() {
            self.stderr = Some(Stdio::piped());
        }
        self.spawn()?.wait_with_output().await
    }

    /// Runs the child to its end: std's `status`. A checkpoint.
    ///
    /// ```
    /// use weft::process::Command;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let status = Command::new("sh").args(["-c", "exit 7"]).status().await?;
    /// assert_eq!(status.code(), Some(7));
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        self.spawn()?.wait().await
    }
}
