//! Errors of the runtime itself (tasks' own errors are in `task/join.rs`).

use std::fmt;

/// Why a task could not be spawned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpawnError {
    /// The runtime is shutting down or has shut down.
    Shutdown,
    /// There is no weft runtime on this thread: spawn from inside `block_on` or a task,
    /// or use `Runtime::spawn`.
    NoRuntime,
    /// `spawn_local` needs the thread that drives a current-thread runtime.
    NotLocal,
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpawnError::Shutdown => "cannot spawn: the runtime is shut down",
            SpawnError::NoRuntime => {
                "cannot spawn: no weft runtime on this thread (spawn inside Runtime::block_on or a task, or use Runtime::spawn)"
            }
            SpawnError::NotLocal => {
                "cannot spawn_local: only the thread running a current-thread runtime's block_on can spawn !Send tasks"
            }
        })
    }
}

impl std::error::Error for SpawnError {}

/// A runtime could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// The configuration is invalid (the message says which setting).
    InvalidConfig(&'static str),
    /// The OS refused a resource (the poller, a thread).
    Io(std::io::Error),
    /// The introspection socket could not be opened (its path is taken by a live process,
    /// its directory is not private, or the OS refused).
    #[cfg(target_os = "linux")]
    Socket(crate::observe::SocketError),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::InvalidConfig(m) => write!(f, "invalid runtime configuration: {m}"),
            BuildError::Io(e) => write!(f, "could not build the runtime: {e}"),
            #[cfg(target_os = "linux")]
            BuildError::Socket(e) => write!(f, "could not build the runtime: {e}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Io(e) => Some(e),
            #[cfg(target_os = "linux")]
            BuildError::Socket(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for BuildError {
    fn from(e: std::io::Error) -> Self {
        BuildError::Io(e)
    }
}

/// `block_on` or `run` was called on a thread that is already inside a weft runtime
/// (asyncio's "asyncio.run() cannot be called from a running event loop"), or on a
/// current-thread runtime whose loop is already running `block_on` on another thread
/// (for instance from one of its own blocking jobs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterError;

impl fmt::Display for EnterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "cannot start a runtime from inside a running weft runtime, nor run a current-thread \
             runtime that is already running block_on on another thread: await the future \
             instead, or use spawn / spawn_blocking",
        )
    }
}

impl std::error::Error for EnterError {}
