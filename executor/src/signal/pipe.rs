//! The OS side of signals: the process-wide self-pipe, one slot per signal, the handler,
//! and the dispatch that turns bytes in the pipe into woken listeners (see the module
//! docs of `signal/` for the protocol).

use crate::io::Registration;
use parking_lot::Mutex;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::raw::c_int;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::Waker;

/// Signal numbers 1..SLOTS have a slot (Linux's real-time signals end at 64).
const SLOTS: usize = 65;

pub(super) struct Slot {
    /// Set by the handler, cleared by [`dispatch`].
    pending: AtomicBool,
    /// How many times [`dispatch`] found the signal pending.
    pub(super) generation: AtomicU64,
    /// Whether the handler is installed (under the lock: installs happen once).
    installed: Mutex<bool>,
    /// Tasks waiting for this signal, one waker per task (refreshed, not added, when a
    /// task polls again).
    waiters: Mutex<Vec<Waker>>,
}

impl Slot {
    pub(super) fn register(&self, waker: &Waker) {
        let mut w = self.waiters.lock();
        if !w.iter().any(|x| x.will_wake(waker)) {
            w.push(waker.clone());
        }
    }
}

struct Globals {
    /// The pipe's write end: the handler writes one byte per signal.
    sender: OwnedFd,
    /// The pipe's read end: listeners register duplicates of it.
    receiver: OwnedFd,
    slots: Vec<Slot>,
}

static GLOBALS: OnceLock<Globals> = OnceLock::new();

fn globals() -> io::Result<&'static Globals> {
    if let Some(g) = GLOBALS.get() {
        return Ok(g);
    }
    let (sender, receiver) = nonblocking_pipe()?;
    let slots = (0..SLOTS)
        .map(|_| Slot {
            pending: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            installed: Mutex::new(false),
            waiters: Mutex::new(Vec::new()),
        })
        .collect();
    // If another thread won the race, our pipe is dropped (closed).
    Ok(GLOBALS.get_or_init(|| Globals { sender, receiver, slots }))
}

fn nonblocking_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as c_int; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe() to fill.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe() succeeded, so both are open descriptors that nothing else owns.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    for fd in [&r, &w] {
        set_flags(fd.as_raw_fd())?;
    }
    Ok((w, r))
}

/// Non-blocking and close-on-exec (a subprocess must not inherit the pipe).
pub(crate) fn set_flags(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor we own, with flag arguments only.
    unsafe {
        let fl = libc::fcntl(fd, libc::F_GETFL);
        if fl < 0 || libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
        let fd_fl = libc::fcntl(fd, libc::F_GETFD);
        if fd_fl < 0 || libc::fcntl(fd, libc::F_SETFD, fd_fl | libc::FD_CLOEXEC) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The slot of an installed signal.
pub(super) fn slot(signum: c_int) -> &'static Slot {
    &GLOBALS.get().expect("a listener exists, so the globals do").slots[signum as usize]
}

/// The handler's whole work: async-signal-safe (an atomic store and a `write`).
fn on_signal(signum: c_int) {
    if let Some(g) = GLOBALS.get() {
        g.slots[signum as usize].pending.store(true, Ordering::SeqCst);
        let byte = 1u8;
        // SAFETY: writes one byte from a live local to the pipe's write end, which lives
        // as long as the process (GLOBALS is never dropped). A full pipe (EAGAIN) is
        // fine: a byte is in it already, and the flag is set.
        let _ = unsafe { libc::write(g.sender.as_raw_fd(), (&byte as *const u8).cast(), 1) };
    }
}

/// Installs the handler for `signum` if it is not yet; returns the signal's current
/// generation (what a new listener has "seen").
pub(super) fn install(signum: c_int, by_user: bool) -> io::Result<u64> {
    if signum <= 0 || signum as usize >= SLOTS {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{signum} is not a signal number")));
    }
    if signal_hook_registry::FORBIDDEN.contains(&signum) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "signal {signum} cannot be caught (SIGKILL, SIGSTOP) or must not be (SIGILL, SIGFPE, SIGSEGV)"
            ),
        ));
    }
    let g = globals()?;
    let slot = &g.slots[signum as usize];
    let mut installed = slot.installed.lock();
    if !*installed {
        // SAFETY: `on_signal` is async-signal-safe: it reads a static that is set before
        // this registration, stores to an atomic, and calls write(2).
        unsafe { signal_hook_registry::register(signum, move || on_signal(signum)) }?;
        *installed = true;
    }
    if by_user && signum == libc::SIGINT {
        RunInterrupt::program_listens();
    }
    Ok(slot.generation.load(Ordering::Acquire))
}

/// Empties the pipe, then delivers every pending signal: its generation moves on and
/// its waiting tasks are woken. Anyone may call it, any number of times.
pub(super) fn dispatch() {
    let Some(g) = GLOBALS.get() else { return };
    let mut buf = [0u8; 128];
    loop {
        // SAFETY: reads into a live local buffer of the given length.
        let n = unsafe { libc::read(g.receiver.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            break; // empty (EAGAIN), or an error that the next byte will retry
        }
    }
    let mut wake = Vec::new();
    for slot in &g.slots {
        if slot.pending.load(Ordering::Relaxed) && slot.pending.swap(false, Ordering::SeqCst) {
            slot.generation.fetch_add(1, Ordering::AcqRel);
            wake.append(&mut slot.waiters.lock());
        }
    }
    for w in wake {
        w.wake();
    }
}

/// A listener's own duplicate of the pipe's read end, registered with the reactor of its
/// runtime.
pub(super) struct Listener {
    fd: Fd,
    pub(super) registration: Registration,
}

/// An owned descriptor as a mio source.
pub(crate) struct Fd(pub(crate) OwnedFd);

impl mio::event::Source for Fd {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).register(registry, token, interests)
    }
    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).reregister(registry, token, interests)
    }
    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).deregister(registry)
    }
}

impl Listener {
    pub(super) fn new() -> io::Result<Listener> {
        let mut fd = Fd(globals()?.receiver.try_clone()?);
        let registration = Registration::new(&mut fd, mio::Interest::READABLE)?;
        Ok(Listener { fd, registration })
    }
}

impl Drop for Listener {
    /// epoll forgets a registration only when every descriptor of the pipe is closed, and
    /// the pipe lives on: the duplicate is deregistered before it is closed.
    fn drop(&mut self) {
        let _ = self.registration.deregister_source(&mut self.fd);
    }
}

/// `run`'s part of `SIGINT` (asyncio.run's `_on_sigint`): counts the Ctrl-Cs while a
/// `run` handles them, and ends the process at the second. Outside `run`, when the
/// program never listened for `SIGINT` itself, it ends the process at the first, which
/// is what `SIGINT` did before weft installed its handler.
pub(crate) struct RunInterrupt {
    _private: (),
}

/// How many `run`s handle Ctrl-C right now.
static RUNS: AtomicUsize = AtomicUsize::new(0);
/// Ctrl-Cs since the first of those runs began.
static COUNT: AtomicUsize = AtomicUsize::new(0);
/// The program made a `SIGINT` listener of its own: Ctrl-C is the program's business.
static PROGRAM_LISTENS: AtomicBool = AtomicBool::new(false);
/// `run`'s action is registered.
static ACTION: std::sync::Once = std::sync::Once::new();

impl RunInterrupt {
    /// Starts handling Ctrl-C for a `run` (the caller also listens for `SIGINT`, and
    /// cancels the main task at the first one). Dropping it ends the handling.
    pub(crate) fn begin() -> io::Result<RunInterrupt> {
        let mut result = Ok(());
        ACTION.call_once(|| {
            // SAFETY: the action is async-signal-safe: atomics, signal(2) and raise(3).
            result = unsafe { signal_hook_registry::register(libc::SIGINT, on_sigint) }.map(|_| ());
        });
        result?;
        if RUNS.fetch_add(1, Ordering::SeqCst) == 0 {
            COUNT.store(0, Ordering::SeqCst);
        }
        Ok(RunInterrupt { _private: () })
    }

    fn program_listens() {
        PROGRAM_LISTENS.store(true, Ordering::SeqCst);
    }
}

impl Drop for RunInterrupt {
    fn drop(&mut self) {
        RUNS.fetch_sub(1, Ordering::SeqCst);
    }
}

fn on_sigint() {
    let running = RUNS.load(Ordering::SeqCst) > 0;
    let count = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
    let die = if running { count >= 2 } else { !PROGRAM_LISTENS.load(Ordering::SeqCst) };
    if die {
        // SAFETY: both are async-signal-safe. The default action of SIGINT ends the
        // process, so that its parent sees it killed by SIGINT, as without a handler.
        unsafe {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            libc::raise(libc::SIGINT);
        }
    }
}
