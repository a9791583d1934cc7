//! The timeline: an opt-in record of what each worker did and when, written as Chrome
//! trace-event JSON (open it in <https://ui.perfetto.dev> or `chrome://tracing`).
//!
//! # What is recorded
//!
//! | event | phase | lane | args |
//! |---|---|---|---|
//! | `poll` | complete (`X`): start and duration | the worker that polled | the task's id |
//! | `park` | complete (`X`): how long the worker slept | that worker | |
//! | `steal` | instant (`i`) | the thief | the victim worker |
//! | `wake` | instant (`i`) | the thread that woke the task (a worker, or "other threads"); a task that yields is not counted on the multi-thread runtime | the task's id |
//! | `timers` | instant (`i`) | the thread that fired them | how many fired |
//!
//! A reader sees work stealing (a `steal` on one lane, then polls of tasks that were woken
//! on another), and a user sees where a request waited: between a task's `wake` and its
//! next `poll` it sat in a queue; between a `poll` and the next `wake`, it waited for
//! something else.
//!
//! # What it costs
//!
//! Off (the default), nothing but the check of an `Option` the scheduler already reads for
//! debug mode. On, each event is one push onto its lane's vector under that lane's own
//! mutex, which only one worker and the rare reader take; each lane keeps at most
//! [`MAX_EVENTS_PER_LANE`] events and counts the ones it drops after that.

use std::cell::Cell;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// The most events one lane keeps (32 bytes each).
pub const MAX_EVENTS_PER_LANE: usize = 1 << 20;

#[derive(Clone, Copy)]
enum Kind {
    Poll,
    Park,
    Steal,
    Wake,
    Timers,
}

#[derive(Clone, Copy)]
struct Event {
    kind: Kind,
    /// Nanoseconds since the timeline began.
    at: u64,
    /// Nanoseconds (complete events).
    dur: u64,
    arg: u64,
}

struct Lane {
    events: parking_lot::Mutex<Vec<Event>>,
    dropped: AtomicU64,
}

/// The recording: one lane per worker, and one for every other thread.
pub(crate) struct Timeline {
    start: Instant,
    lanes: Box<[Lane]>,
    names: Box<[String]>,
}

thread_local! {
    /// This thread's lane in the timeline of the runtime it works for (`usize::MAX`: not a
    /// worker, the "other threads" lane).
    static LANE: Cell<usize> = const { Cell::new(usize::MAX) };
}

impl Timeline {
    pub(crate) fn new(names: Vec<String>) -> Timeline {
        let mut names = names;
        names.push("other threads".into());
        let lanes = names
            .iter()
            .map(|_| Lane { events: parking_lot::Mutex::new(Vec::new()), dropped: AtomicU64::new(0) })
            .collect();
        Timeline { start: Instant::now(), lanes, names: names.into_boxed_slice() }
    }

    /// Marks the calling thread as worker `index` (called once by each worker loop).
    pub(crate) fn enter_lane(index: usize) {
        LANE.with(|l| l.set(index));
    }

    fn lane(&self) -> &Lane {
        let i = LANE.with(Cell::get).min(self.lanes.len() - 1);
        &self.lanes[i]
    }

    fn nanos(&self, t: Instant) -> u64 {
        t.saturating_duration_since(self.start).as_nanos() as u64
    }

    fn push(&self, lane: &Lane, e: Event) {
        let mut v = lane.events.lock();
        if v.len() < MAX_EVENTS_PER_LANE {
            v.push(e);
        } else {
            lane.dropped.fetch_add(1, Relaxed);
        }
    }

    pub(crate) fn poll(&self, task: u64, start: Instant, end: Instant) {
        let at = self.nanos(start);
        self.push(
            self.lane(),
            Event { kind: Kind::Poll, at, dur: self.nanos(end).saturating_sub(at), arg: task },
        );
    }

    pub(crate) fn park(&self, start: Instant, end: Instant) {
        let at = self.nanos(start);
        self.push(
            self.lane(),
            Event { kind: Kind::Park, at, dur: self.nanos(end).saturating_sub(at), arg: 0 },
        );
    }

    pub(crate) fn steal(&self, victim: usize) {
        let at = self.nanos(Instant::now());
        self.push(self.lane(), Event { kind: Kind::Steal, at, dur: 0, arg: victim as u64 });
    }

    pub(crate) fn wake(&self, task: u64) {
        let at = self.nanos(Instant::now());
        self.push(self.lane(), Event { kind: Kind::Wake, at, dur: 0, arg: task });
    }

    pub(crate) fn timers(&self, fired: usize) {
        let at = self.nanos(Instant::now());
        self.push(self.lane(), Event { kind: Kind::Timers, at, dur: 0, arg: fired as u64 });
    }

    /// Everything recorded so far, as Chrome trace-event JSON (the "JSON object format":
    /// `{"traceEvents":[...],"displayTimeUnit":"ms"}`; times in microseconds).
    pub(crate) fn to_json(&self) -> String {
        let mut out = String::from("{\"traceEvents\":[");
        let mut first = true;
        let mut sep = |out: &mut String| {
            if !first {
                out.push(',');
            }
            first = false;
        };
        for (tid, (lane, name)) in self.lanes.iter().zip(self.names.iter()).enumerate() {
            sep(&mut out);
            let _ = write!(
                out,
                "{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":{tid},\"args\":{{\"name\":\"{name}\"}}}}"
            );
            let events = lane.events.lock().clone();
            for e in events {
                sep(&mut out);
                let ts = e.at as f64 / 1000.0;
                match e.kind {
                    Kind::Poll | Kind::Park => {
                        let (name, arg) = match e.kind {
                            Kind::Poll => ("poll", format!("{{\"task\":{}}}", e.arg)),
                            _ => ("park", "{}".to_owned()),
                        };
                        let _ = write!(
                            out,
                            "{{\"name\":\"{name}\",\"cat\":\"weft\",\"ph\":\"X\",\"ts\":{ts:.3},\"dur\":{:.3},\"pid\":1,\"tid\":{tid},\"args\":{arg}}}",
                            e.dur as f64 / 1000.0
                        );
                    }
                    Kind::Steal | Kind::Wake | Kind::Timers => {
                        let (name, key) = match e.kind {
                            Kind::Steal => ("steal", "victim"),
                            Kind::Wake => ("wake", "task"),
                            _ => ("timers", "fired"),
                        };
                        let _ = write!(
                            out,
                            "{{\"name\":\"{name}\",\"cat\":\"weft\",\"ph\":\"i\",\"s\":\"t\",\"ts\":{ts:.3},\"pid\":1,\"tid\":{tid},\"args\":{{\"{key}\":{}}}}}",
                            e.arg
                        );
                    }
                }
            }
            let dropped = lane.dropped.load(Relaxed);
            if dropped > 0 {
                sep(&mut out);
                let _ = write!(
                    out,
                    "{{\"name\":\"dropped\",\"cat\":\"weft\",\"ph\":\"i\",\"s\":\"t\",\"ts\":0,\"pid\":1,\"tid\":{tid},\"args\":{{\"events\":{dropped}}}}}"
                );
            }
        }
        out.push_str("],\"displayTimeUnit\":\"ms\"}");
        out
    }
}
