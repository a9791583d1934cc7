//! [`Builder`]: how a runtime is configured.

use super::{Flavor, Runtime};
use crate::blocking::{BlockingConfig, BlockingPool};
use crate::driver::Driver;
use crate::error::BuildError;
use crate::scheduler::{Handle, current_thread, multi_thread};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Configures and builds a [`Runtime`].
///
/// ```
/// use weft::Runtime;
/// let rt = Runtime::builder().multi_thread().worker_threads(2).thread_name("my-worker").build()?;
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// # Ok::<(), weft::BuildError>(())
/// ```
pub struct Builder {
    flavor: Flavor,
    worker_threads: Option<usize>,
    thread_name: Arc<dyn Fn(usize) -> String + Send + Sync>,
    thread_stack_size: Option<usize>,
    max_blocking_threads: usize,
    blocking_keep_alive: Duration,
    lifo_slot: bool,
    ctrl_c: bool,
    start_paused: bool,
    debug: bool,
    slow_poll: std::time::Duration,
    debug_sink: Option<crate::observe::DebugSink>,
    /// `None`: no socket; `Some(None)`: the default path; `Some(Some(p))`: at `p`.
    introspection: Option<Option<std::path::PathBuf>>,
    timeline: bool,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("flavor", &self.flavor)
            .field("worker_threads", &self.worker_threads)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .finish()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// The most worker threads a multi-thread runtime may have: [`build`](Self::build)
    /// refuses more with [`BuildError::InvalidConfig`]. The scheduler counts its searching
    /// workers in 16 bits, and half of them may search at once.
    ///
    /// ```
    /// use weft::runtime::Builder;
    /// let err = Builder::new().worker_threads(Builder::MAX_WORKER_THREADS + 1).build().unwrap_err();
    /// assert!(err.to_string().contains("at most"));
    /// ```
    pub const MAX_WORKER_THREADS: usize = 1 << 15;

    /// A multi-thread builder with default settings.
    ///
    /// ```
    /// let rt = weft::runtime::Builder::new().build().unwrap();
    /// assert_eq!(rt.flavor(), weft::runtime::Flavor::MultiThread);
    /// ```
    pub fn new() -> Builder {
        Builder {
            flavor: Flavor::MultiThread,
            worker_threads: None,
            thread_name: Arc::new(|i| format!("weft-worker-{i}")),
            thread_stack_size: None,
            max_blocking_threads: 512,
            blocking_keep_alive: Duration::from_secs(10),
            ctrl_c: true,
            lifo_slot: true,
            start_paused: false,
            debug: std::env::var_os("WEFT_DEBUG").is_some_and(|v| v == "1"),
            slow_poll: Self::DEFAULT_SLOW_POLL,
            debug_sink: None,
            introspection: None,
            timeline: false,
        }
    }

    /// Records a timeline of every poll, wake, steal, park and timer firing, per worker,
    /// for [`Observer::timeline_json`](crate::observe::Observer::timeline_json) (Chrome
    /// trace-event JSON, for Perfetto). Off by default; on, each event costs a clock read
    /// and a push under its worker's own lock, and memory (32 bytes an event, at most
    /// [`MAX_EVENTS_PER_LANE`](crate::observe::MAX_EVENTS_PER_LANE) per worker).
    ///
    /// ```
    /// let rt = weft::Runtime::builder().current_thread().timeline(true).build().unwrap();
    /// rt.block_on(async { weft::spawn(async {}).await.unwrap() });
    /// assert!(rt.observer().timeline_json().unwrap().contains("\"name\":\"poll\""));
    /// ```
    pub fn timeline(mut self, on: bool) -> Self {
        self.timeline = on;
        self
    }

    /// Listens on a Unix socket for introspection requests from other processes of the
    /// same user (or root): the task tree and the metrics, as the `weft_ps` example
    /// prints them. The socket is at [`observe::socket_path`](crate::observe::socket_path)
    /// of this process's id, in a directory only this user may enter; see
    /// `observe/socket.rs` for the fences and the protocol. Off by default. Refusals go
    /// to the debug sink (stderr unless [`debug_sink`](Self::debug_sink) says otherwise).
    ///
    /// ```
    /// let rt = weft::Runtime::builder().current_thread().introspection_socket(true).build().unwrap();
    /// let path = weft::observe::socket_path(std::process::id());
    /// let tree = weft::observe::request(&path, "tree").unwrap();
    /// assert_eq!(tree, ""); // no task alive
    /// drop(rt);
    /// assert!(!path.exists());
    /// ```
    #[cfg(target_os = "linux")]
    pub fn introspection_socket(mut self, on: bool) -> Self {
        self.introspection = on.then_some(None);
        self
    }

    /// [`introspection_socket`](Self::introspection_socket) at a path of your choosing
    /// (its directory must exist; the socket is made `0600`). A path where a live process
    /// listens is refused with [`BuildError::Socket`].
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("weft-doc-{}.sock", std::process::id()));
    /// let rt = weft::Runtime::builder().introspection_socket_at(&path).build().unwrap();
    /// let err = weft::Runtime::builder().introspection_socket_at(&path).build().unwrap_err();
    /// assert!(matches!(err, weft::BuildError::Socket(weft::observe::SocketError::InUse(_))));
    /// drop(rt);
    /// ```
    #[cfg(target_os = "linux")]
    pub fn introspection_socket_at(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.introspection = Some(Some(path.into()));
        self
    }

    /// The slow-poll threshold of debug mode unless
    /// [`slow_poll_threshold`](Self::slow_poll_threshold) says otherwise: 100 ms, as
    /// asyncio's `slow_callback_duration`.
    pub const DEFAULT_SLOW_POLL: Duration = Duration::from_millis(100);

    /// Debug mode, asyncio's: slow polls, unobserved failures, swallowed cancellations and
    /// tasks pending at shutdown are reported, and every task records where it was
    /// spawned, by which task, and what it waits on (see [`crate::observe`]). Off by
    /// default, unless the environment variable `WEFT_DEBUG` is `1` when the builder is
    /// made (asyncio's `PYTHONASYNCIODEBUG`); this call overrides the variable.
    ///
    /// With it off, the runtime pays nothing for it. With it on, each poll reads the clock
    /// twice and takes one uncontended lock, and each spawn allocates the task's extras.
    ///
    /// ```
    /// let rt = weft::Runtime::builder().debug(true).build().unwrap();
    /// assert!(rt.observer().debug_mode());
    /// ```
    pub fn debug(mut self, on: bool) -> Self {
        self.debug = on;
        self
    }

    /// How long one poll may hold a worker before debug mode reports it (default
    /// [`DEFAULT_SLOW_POLL`](Self::DEFAULT_SLOW_POLL)). Zero is refused by
    /// [`build`](Self::build): every poll would be reported.
    ///
    /// ```
    /// use std::time::Duration;
    /// let err = weft::Runtime::builder().debug(true).slow_poll_threshold(Duration::ZERO).build().unwrap_err();
    /// assert!(err.to_string().contains("slow_poll_threshold"));
    /// ```
    pub fn slow_poll_threshold(mut self, threshold: Duration) -> Self {
        self.slow_poll = threshold;
        self
    }

    /// Where debug mode's reports go, instead of stderr (a test's collector, a logger).
    /// See [`DebugEvent`](crate::observe::DebugEvent) for the reports.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let sink = seen.clone();
    /// let rt = weft::Runtime::builder()
    ///     .current_thread()
    ///     .debug(true)
    ///     .debug_sink(move |e: &weft::observe::DebugEvent| sink.lock().unwrap().push(e.to_string()))
    ///     .build()
    ///     .unwrap();
    /// let _stuck = rt.spawn(std::future::pending::<()>());
    /// drop(rt);
    /// assert!(seen.lock().unwrap()[0].starts_with("shutdown with 1 task(s) pending"));
    /// ```
    pub fn debug_sink(mut self, sink: impl Fn(&crate::observe::DebugEvent) + Send + Sync + 'static) -> Self {
        self.debug_sink = Some(std::sync::Arc::new(sink));
        self
    }

    /// Work-stealing over several worker threads (the default).
    pub fn multi_thread(mut self) -> Self {
        self.flavor = Flavor::MultiThread;
        self
    }

    /// One loop on the thread that calls `block_on`, in asyncio's exact order.
    pub fn current_thread(mut self) -> Self {
        self.flavor = Flavor::CurrentThread;
        self
    }

    /// Number of worker threads (multi-thread only). Default: the number of CPUs.
    /// Zero, and more than [`MAX_WORKER_THREADS`](Self::MAX_WORKER_THREADS), are refused by
    /// [`build`](Self::build); so is a count the operating system cannot start
    /// ([`BuildError::Io`], with the threads already started stopped again).
    ///
    /// ```
    /// let err = weft::Runtime::builder().worker_threads(0).build().unwrap_err();
    /// assert!(err.to_string().contains("worker_threads"));
    /// ```
    pub fn worker_threads(mut self, n: usize) -> Self {
        self.worker_threads = Some(n);
        self
    }

    /// Names worker threads `name-0`, `name-1`, ...
    pub fn thread_name(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.thread_name = Arc::new(move |i| format!("{name}-{i}"));
        self
    }

    /// Names worker threads with a function of their index.
    pub fn thread_name_fn(mut self, f: impl Fn(usize) -> String + Send + Sync + 'static) -> Self {
        self.thread_name = Arc::new(f);
        self
    }

    /// Stack size of worker threads.
    pub fn thread_stack_size(mut self, bytes: usize) -> Self {
        self.thread_stack_size = Some(bytes);
        self
    }

    /// Cap on blocking-pool threads (`spawn_blocking`, `to_thread`). Default 512.
    pub fn max_blocking_threads(mut self, n: usize) -> Self {
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread waits for work before it exits. Default 10 s.
    pub fn blocking_keep_alive(mut self, d: Duration) -> Self {
        self.blocking_keep_alive = d;
        self
    }

    /// Turns the LIFO slot off (every wake goes to the back of the run queue).
    pub fn disable_lifo_slot(mut self) -> Self {
        self.lifo_slot = false;
        self
    }

    /// Whether [`run_on`](crate::run_on) treats Ctrl-C as `asyncio.run` does (the first
    /// cancels the main task, the second ends the process: see [`crate::signal`]). On by
    /// default; it applies only on the process's main thread.
    ///
    /// ```
    /// let rt = weft::Runtime::builder().current_thread().handle_ctrl_c(false).build().unwrap();
    /// // Ctrl-C now does what the program says (by default: it ends the process).
    /// assert_eq!(weft::run_on(&rt, async { 1 }), Ok(1));
    /// ```
    pub fn handle_ctrl_c(mut self, yes: bool) -> Self {
        self.ctrl_c = yes;
        self
    }

    /// Starts the runtime's clock paused: the test clock, as
    /// [`time::pause`](crate::time::pause) called before anything else (tokio's
    /// `start_paused`). Time then moves only by [`time::advance`](crate::time::advance), or
    /// straight to the next timer whenever every task is idle, so a test that sleeps, times
    /// out or ticks an interval takes no wall-clock time and fires its timers in deadline
    /// order. Default: false, unless the environment variable `WEFT_CLOCK` is `paused`
    /// (see [`time`](crate::time#weft_clock-a-whole-program-on-the-test-clock)), which
    /// pauses every runtime's clock whatever this says.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = weft::Runtime::builder().multi_thread().start_paused(true).build().unwrap();
    /// let wall = std::time::Instant::now();
    /// rt.block_on(async {
    ///     let start = weft::time::now();
    ///     weft::time::sleep(Duration::from_secs(24 * 3600)).await.unwrap();
    ///     assert_eq!(weft::time::now() - start, Duration::from_secs(24 * 3600));
    /// });
    /// assert!(wall.elapsed() < Duration::from_secs(60));
    /// ```
    pub fn start_paused(mut self, paused: bool) -> Self {
        self.start_paused = paused;
        self
    }

    /// Builds the runtime and starts its threads.
    ///
    /// Fails with [`BuildError::InvalidConfig`] if the configuration is impossible, or if
    /// the environment variable `WEFT_CLOCK` is set to anything but `real`, `paused` or
    /// nothing (see [`time`](crate::time#weft_clock-a-whole-program-on-the-test-clock)).
    pub fn build(self) -> Result<Runtime, BuildError> {
        match self.worker_threads {
            Some(0) => return Err(BuildError::InvalidConfig("worker_threads must be at least 1")),
            Some(n) if n > Self::MAX_WORKER_THREADS => {
                return Err(BuildError::InvalidConfig(
                    "worker_threads must be at most 32768 (Builder::MAX_WORKER_THREADS)",
                ));
            }
            _ => {}
        }
        if self.slow_poll.is_zero() {
            return Err(BuildError::InvalidConfig("slow_poll_threshold must be more than zero"));
        }
        let debug = self.debug.then(|| {
            Arc::new(crate::observe::Debug {
                slow_poll: self.slow_poll,
                sink: self.debug_sink.clone().unwrap_or_else(crate::observe::Debug::stderr),
            })
        });
        #[cfg_attr(not(target_os = "linux"), allow(unused_variables))]
        let (introspection, sink) = (self.introspection.clone(), self.debug_sink.clone());
        if self.max_blocking_threads == 0 {
            return Err(BuildError::InvalidConfig("max_blocking_threads must be at least 1"));
        }
        let start_paused = self.start_paused || crate::time::paused_by_env()?;
        let workers = match self.flavor {
            Flavor::CurrentThread => 0,
            Flavor::MultiThread => self.worker_threads.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, |n| n.get().min(Self::MAX_WORKER_THREADS))
            }),
        };
        let driver = Driver::new(start_paused, workers)?;
        static RUNTIME_SEQ: AtomicUsize = AtomicUsize::new(0);
        let seq = RUNTIME_SEQ.fetch_add(1, Ordering::Relaxed);
        let blocking = BlockingPool::new(BlockingConfig {
            max_threads: self.max_blocking_threads,
            keep_alive: self.blocking_keep_alive,
            thread_name: Arc::new(move || format!("weft-blocking-{seq}")),
        });
        let ctrl_c = self.ctrl_c;
        let mut rt = match self.flavor {
            Flavor::CurrentThread => {
                let timeline =
                    self.timeline.then(|| Arc::new(crate::observe::Timeline::new(vec!["loop".into()])));
                if let Some(t) = &timeline {
                    let _ = driver.time.timeline.set(t.clone());
                }
                let shared = current_thread::new(driver, blocking, debug, timeline);
                Runtime::from_parts(Handle::Current(shared), Vec::new())
            }
            Flavor::MultiThread => {
                // The names first: `thread_name_fn` is user code, and if it panics, it
                // does so before any worker thread is started.
                let names: Arc<[String]> = (0..workers).map(|i| (self.thread_name)(i)).collect();
                let timeline = self.timeline.then(|| Arc::new(crate::observe::Timeline::new(names.to_vec())));
                if let Some(t) = &timeline {
                    let _ = driver.time.timeline.set(t.clone());
                }
                let config = multi_thread::Config {
                    workers,
                    thread_name: Arc::new(move |i| names[i].clone()),
                    stack_size: self.thread_stack_size,
                    lifo: self.lifo_slot,
                    debug,
                    timeline,
                };
                let (shared, threads) = multi_thread::start(config, driver, blocking)?;
                Runtime::from_parts(Handle::Multi(shared), threads)
            }
        };
        rt.ctrl_c = ctrl_c;
        #[cfg(target_os = "linux")]
        if let Some(path) = introspection {
            let log = sink.unwrap_or_else(crate::observe::Debug::stderr);
            // On an error, `rt` drops here and shuts the runtime down again.
            rt.introspect = Some(
                crate::observe::socket::Server::start(path, rt.observer(), log)
                    .map_err(BuildError::Socket)?,
            );
        }
        Ok(rt)
    }
}
