//! Signals: asyncio's `loop.add_signal_handler`, as listeners that tasks await.
//!
//! ```text
//!   asyncio                                         weft
//!   loop.add_signal_handler(SIGTERM, stop.set)      let mut term = signal(SignalKind::terminate())?;
//!   await stop.wait()                               term.recv().await?;
//!   (Ctrl-C: asyncio.run cancels the main task)     ctrl_c().await?;  /  weft::run does the same
//! ```
//!
//! # How a signal reaches a task
//!
//! A signal handler may do almost nothing: no lock, no allocation, no waking of a task
//! (a waker may lock). So weft uses the *self-pipe trick*, in three steps:
//!
//! 1. **The handler** (installed once per signal, process-wide, through
//!    `signal-hook-registry`) sets the signal's `pending` flag, then writes one byte to a
//!    process-wide non-blocking pipe. Both are async-signal-safe.
//! 2. **The reactor** sees the pipe become readable. Each listener has registered a
//!    duplicate of the pipe's read end with its runtime's reactor, so the byte wakes the
//!    tasks waiting in [`Signal::recv`], on every runtime of the process.
//! 3. **Whoever wakes first dispatches**: it empties the pipe, then, for each signal
//!    whose `pending` flag it clears, increments that signal's *generation* and wakes
//!    the tasks waiting for that signal. The flag is set before the byte is written and
//!    cleared after the pipe is emptied, so a signal is never missed: either the byte
//!    is still in the pipe, or the flag was seen.
//!
//! A listener remembers the generation it has seen. [`Signal::recv`] returns as soon as
//! the signal's generation moved past it, so a signal that arrives while nobody awaits
//! is not lost for an existing listener: the next `recv` returns at once. Signals that
//! arrive together may be coalesced into one delivery, as the OS itself coalesces them.
//! Every listener sees every signal (a broadcast): give each task its own listener.
//!
//! The handler of a signal is installed when its first listener is made and is never
//! removed, as in tokio: from then on, the signal's default action (for `SIGTERM`,
//! ending the process) no longer happens. `SIGKILL` and `SIGSTOP` cannot be caught, and
//! `SIGILL`, `SIGFPE` and `SIGSEGV` must not be: asking for them is an `InvalidInput`
//! error.
//!
//! # Ctrl-C and `weft::run`
//!
//! [`crate::run`] treats `SIGINT` as `asyncio.run` does since Python 3.11, when it runs
//! on the process's main thread: the first Ctrl-C cancels the main task (its task
//! groups unwind, cleanup runs, and `run` returns what the main future returns); a
//! second one ends the process at once, killed by `SIGINT` as if nothing handled it.
//! After `run` returns, Ctrl-C ends the process again, unless the program made a
//! `SIGINT` listener of its own. To opt out, build the runtime with
//! [`Builder::handle_ctrl_c(false)`](crate::runtime::Builder::handle_ctrl_c) and use
//! [`crate::run_on`]; Ctrl-C then does what the program says (by default, it ends the
//! process).

mod pipe;

use crate::cancel::{self, Cancelled};
use crate::io::Direction;
use std::future::poll_fn;
use std::io;
use std::os::raw::c_int;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

#[allow(unused_imports)]
pub(crate) use pipe::{Fd, RunInterrupt, set_flags};

/// A kind of signal: a thin wrapper around the signal's number.
///
/// ```
/// use weft::signal::SignalKind;
/// assert_eq!(SignalKind::terminate().as_raw(), libc::SIGTERM);
/// assert_eq!(SignalKind::from_raw(libc::SIGUSR1), SignalKind::user_defined1());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(c_int);

impl SignalKind {
    /// The signal with number `signum` (`libc::SIGUSR1`, ...).
    ///
    /// ```
    /// use weft::signal::SignalKind;
    /// let usr1 = SignalKind::from_raw(libc::SIGUSR1);
    /// assert_eq!(usr1, SignalKind::user_defined1());
    /// assert_eq!(usr1.as_raw(), libc::SIGUSR1);
    /// ```
    pub const fn from_raw(signum: c_int) -> SignalKind {
        SignalKind(signum)
    }
    /// The signal's number.
    ///
    /// ```
    /// use weft::signal::SignalKind;
    /// assert_eq!(SignalKind::child().as_raw(), libc::SIGCHLD);
    /// assert_eq!(SignalKind::from_raw(42).as_raw(), 42);
    /// ```
    pub const fn as_raw(self) -> c_int {
        self.0
    }
    /// `SIGINT`: Ctrl-C in a terminal.
    ///
    /// ```
    /// use weft::signal::SignalKind;
    /// assert_eq!(SignalKind::interrupt().as_raw(), libc::SIGINT);
    /// ```
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }
    /// `SIGTERM`: the polite request to end (what `kill` and service managers send).
    ///
    /// ```
    /// use weft::signal::SignalKind;
    /// assert_eq!(SignalKind::terminate().as_raw(), libc::SIGTERM);
    /// ```
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }
    /// `SIGHUP`: the terminal went away; by convention, "reload your configuration".
    ///
    /// ```
    /// use weft::signal::SignalKind;
    /// assert_eq!(SignalKind::hangup().as_raw(), libc::SIGHUP);
    /// ```
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }
    /// `SIGQUIT`: Ctrl-\ in a terminal.
    ///
    /// ```
    /// use weft::signal::SignalKind;
    /// assert_eq!(SignalKind::quit().as_raw(), libc::SIGQUIT);
    /// ```
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }
    /// `SIGUSR1`.
    ///
    /// ```
    /// use weft::signal::{SignalKind, signal};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let listener = signal(SignalKind::user_defined1())?; // installs the handler first
    /// unsafe { libc::raise(libc::SIGUSR1) };
    /// assert!(listener.recv().await.is_ok());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }
    /// `SIGUSR2`.
    ///
    /// ```
    /// use weft::signal::{SignalKind, signal};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let listener = signal(SignalKind::user_defined2())?; // installs the handler first
    /// unsafe { libc::raise(libc::SIGUSR2) };
    /// assert!(listener.recv().await.is_ok());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }
    /// `SIGCHLD`: a child process changed state.
    ///
    /// ```
    /// use weft::signal::{SignalKind, signal};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let children = signal(SignalKind::child())?;
    /// weft::process::Command::new("true").status().await?;
    /// assert!(children.recv().await.is_ok()); // the kernel signalled its end
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }
    /// `SIGPIPE`: a write to a pipe or socket whose reader is gone (Rust programs ignore
    /// it from the start: the write fails with `BrokenPipe` instead).
    ///
    /// ```
    /// use weft::signal::SignalKind;
    /// assert_eq!(SignalKind::pipe().as_raw(), libc::SIGPIPE);
    /// ```
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }
    /// `SIGALRM`.
    ///
    /// ```
    /// use weft::signal::{SignalKind, signal};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let listener = signal(SignalKind::alarm())?; // installs the handler first
    /// unsafe { libc::raise(libc::SIGALRM) };
    /// assert!(listener.recv().await.is_ok());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }
    /// `SIGWINCH`: the terminal's size changed.
    ///
    /// ```
    /// use weft::signal::{SignalKind, signal};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let listener = signal(SignalKind::window_change())?; // installs the handler first
    /// unsafe { libc::raise(libc::SIGWINCH) };
    /// assert!(listener.recv().await.is_ok());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
}

/// A listener for one kind of signal: see the [module docs](self).
///
/// ```no_run
/// use weft::signal::{signal, SignalKind};
/// weft::run(async {
///     let hangups = signal(SignalKind::hangup())?;
///     loop {
///         hangups.recv().await?; // a checkpoint
///         println!("reloading the configuration");
///     }
///     # #[allow(unreachable_code)] Ok::<(), std::io::Error>(())
/// })
/// # .unwrap();
/// ```
pub struct Signal {
    kind: SignalKind,
    /// The generation of `kind` this listener has delivered.
    seen: AtomicU64,
    pipe: pipe::Listener,
}

impl std::fmt::Debug for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signal").field("kind", &self.kind).finish()
    }
}

/// A listener for signals of `kind`, from now on (a signal that arrives after this call
/// is delivered by the next [`recv`](Signal::recv), even if nobody was waiting).
///
/// Errors: `InvalidInput` for a signal that cannot or must not be caught (`SIGKILL`,
/// `SIGSTOP`, `SIGILL`, `SIGFPE`, `SIGSEGV`) or a number that is no signal; `Other`
/// outside a weft runtime.
///
/// ```
/// use weft::signal::{signal, SignalKind};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let usr1 = signal(SignalKind::user_defined1())?;
/// // Sent before anybody awaits: not lost.
/// unsafe { libc::raise(libc::SIGUSR1) };
/// usr1.recv().await.unwrap();
/// let err = signal(SignalKind::from_raw(libc::SIGKILL)).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    Signal::new(kind, true)
}

/// Waits for the next Ctrl-C (`SIGINT`) from now on: a checkpoint. A cancellation is an
/// error made by [`crate::io::cancelled_error`]; outside a runtime, an error of kind
/// `Other`.
///
/// ```no_run
/// weft::run(async {
///     weft::spawn(async { /* serve */ });
///     weft::signal::ctrl_c().await?;
///     println!("shutting down");
///     Ok::<(), std::io::Error>(())
/// })
/// # .unwrap();
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let listener = signal(SignalKind::interrupt())?;
    listener.recv().await.map_err(crate::io::cancelled_error)
}

/// A listener is a [`futures_core::Stream`] of the signals it hears, as
/// [`Signal::recv`] delivers them: each `poll_next` is a checkpoint, a cancellation is
/// yielded as `Some(Err(Cancelled))`, and the stream never ends. A signal is taken only
/// when it is yielded: a task cancelled while it waits leaves it for the next poll.
///
/// ```
/// use futures_util::StreamExt;
/// use weft::signal::{signal, SignalKind};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let mut usr2 = signal(SignalKind::user_defined2())?;
/// unsafe { libc::raise(libc::SIGUSR2) };
/// assert!(usr2.next().await.unwrap().is_ok());
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
impl futures_core::Stream for Signal {
    type Item = Result<(), Cancelled>;

    fn poll_next(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_recv(cx).map(Some)
    }
}

/// Never terminated: `select!` may poll `next()` in a loop (futures-util's `select!`
/// needs a `FusedStream`).
impl futures_core::FusedStream for Signal {
    fn is_terminated(&self) -> bool {
        false
    }
}

impl Signal {
    fn new(kind: SignalKind, by_user: bool) -> io::Result<Signal> {
        let seen = pipe::install(kind.0, by_user)?;
        let pipe = pipe::Listener::new()?;
        Ok(Signal { kind, seen: AtomicU64::new(seen), pipe })
    }

    /// The kind of signal this listener hears.
    ///
    /// ```
    /// use weft::signal::{SignalKind, signal};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let listener = signal(SignalKind::user_defined2())?;
    /// assert_eq!(listener.kind(), SignalKind::user_defined2());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn kind(&self) -> SignalKind {
        self.kind
    }

    /// Waits until a signal of this kind arrived since the last delivery (or since the
    /// listener was made). A checkpoint: a cancelled `recv` delivers nothing, and the
    /// signal it would have delivered is delivered by the next `recv`.
    ///
    /// Several tasks may await one listener at once: each signal is delivered to one of
    /// them. Give each task a listener of its own to deliver every signal to all.
    ///
    /// ```
    /// use weft::signal::{SignalKind, signal};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let usr1 = signal(SignalKind::user_defined1())?;
    /// weft::current_task().unwrap().cancel(None);
    /// assert!(usr1.recv().await.is_err()); // cancelled: nothing delivered
    /// unsafe { libc::raise(libc::SIGUSR1) };
    /// assert!(usr1.recv().await.is_ok());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn recv(&self) -> Result<(), Cancelled> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The poll form of [`recv`](Self::recv).
    ///
    /// ```
    /// use std::task::{Context, Waker};
    /// use weft::signal::{SignalKind, signal};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let usr2 = signal(SignalKind::user_defined2())?;
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(usr2.poll_recv(&mut cx).is_pending()); // nothing sent yet
    /// unsafe { libc::raise(libc::SIGUSR2) };
    /// assert!(std::future::poll_fn(|cx| usr2.poll_recv(cx)).await.is_ok());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Result<(), Cancelled>> {
        cancel::check()?;
        self.poll_signal(cx).map(Ok)
    }

    /// [`poll_recv`](Self::poll_recv) without the checkpoint (for `run`'s watcher).
    pub(crate) fn poll_signal(&self, cx: &mut Context<'_>) -> Poll<()> {
        let slot = pipe::slot(self.kind.0);
        loop {
            let seen = self.seen.load(Ordering::Acquire);
            let now = slot.generation.load(Ordering::Acquire);
            if now != seen {
                if self.seen.compare_exchange(seen, now, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                    return Poll::Ready(());
                }
                continue;
            }
            slot.register(cx.waker());
            // Whoever is awake dispatches: a byte may be in the pipe already.
            let event = match self.pipe.registration.poll_ready_unchecked(Direction::Read, cx) {
                // The runtime shut down: only another runtime's dispatch can wake us now.
                Poll::Ready(event) if event.is_shutdown() => None,
                Poll::Ready(event) => Some(event),
                Poll::Pending => None,
            };
            if let Some(event) = event {
                // Only the pipe's readiness tells that a byte may be in it.
                pipe::dispatch();
                self.pipe.registration.clear(event);
            }
            if slot.generation.load(Ordering::Acquire) != seen {
                continue;
            }
            if event.is_some() {
                // The readiness was cleared: poll again to register for the next byte.
                continue;
            }
            return Poll::Pending;
        }
    }

    /// A listener for `run`'s Ctrl-C watcher: it does not count as the program's own
    /// `SIGINT` listener (see `RunInterrupt`).
    pub(crate) fn for_run() -> io::Result<Signal> {
        Signal::new(SignalKind::interrupt(), false)
    }
}

#[allow(dead_code)]
fn _ensure_send_and_sync() {
    fn is<T: Send + Sync>() {}
    is::<Signal>();
}
