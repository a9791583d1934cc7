//! The live task tree: a snapshot of every task in the owned list.

use crate::task::state::{NOTIFIED, RUNNING};
use crate::task::{Header, OwnedTasks};
use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::time::{Duration, Instant};

/// What a task is doing at the moment of the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// A worker is polling it.
    Running,
    /// It was woken and waits in a queue for a worker.
    Runnable,
    /// It returned `Pending` and nobody has woken it yet.
    Waiting,
}

impl TaskState {
    fn as_str(self) -> &'static str {
        match self {
            TaskState::Running => "running",
            TaskState::Runnable => "runnable",
            TaskState::Waiting => "waiting",
        }
    }
}

/// The detail of what a task waits on (see [`waiting_on`](super::waiting_on)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitDetail {
    /// Nothing more to say.
    None,
    /// Another task, by id (a join).
    Task(u64),
    /// A deadline (a sleep, a timeout).
    Deadline(Instant),
    /// A resource by number (a file descriptor, a registration token).
    Resource(u64),
}

/// What a task said it waits on when it last returned `Pending`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitingOn {
    /// The kind: `"sleep"`, `"join"`, `"io"`, a primitive's name...
    pub kind: &'static str,
    /// The detail.
    pub detail: WaitDetail,
}

impl fmt::Display for WaitingOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind)?;
        match self.detail {
            WaitDetail::None => Ok(()),
            WaitDetail::Task(id) => write!(f, " task {id}"),
            WaitDetail::Deadline(at) => {
                let now = Instant::now();
                if at > now { write!(f, " (due in {:.1?})", at - now) } else { write!(f, " (due)") }
            }
            WaitDetail::Resource(n) => write!(f, " #{n}"),
        }
    }
}

/// One live task in a [`TaskTree`]. Fields that only debug mode records are `None`
/// without it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TaskInfo {
    /// The task's id (as [`crate::Id::as_u64`]).
    pub id: u64,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// Running, runnable or waiting.
    pub state: TaskState,
    /// The id of the task that spawned it (debug mode).
    pub parent: Option<u64>,
    /// Where it was spawned, `file:line:column` (debug mode).
    pub spawned_at: Option<String>,
    /// What it waits on (debug mode; only for a waiting task, and only if the future it
    /// waits in says so).
    pub waiting_on: Option<WaitingOn>,
    /// How long it has waited on that.
    pub waited: Option<Duration>,
    /// asyncio's `cancelling()`: cancellation requests not withdrawn by `uncancel()`.
    pub cancel_requests: u32,
}

impl TaskInfo {
    /// `task 7 "name" (spawned by 3 at src/main.rs:10:5)`, as debug mode's reports say it.
    pub fn describe(&self) -> String {
        let mut s = format!("task {}", self.id);
        if let Some(n) = &self.name {
            let _ = write!(s, " {n:?}");
        }
        match (&self.parent, &self.spawned_at) {
            (Some(p), Some(at)) => {
                let _ = write!(s, " (spawned by task {p} at {at})");
            }
            (None, Some(at)) => {
                let _ = write!(s, " (spawned at {at})");
            }
            _ => {}
        }
        s
    }
}

/// Every live task of a runtime at one moment (each shard of the task list is read at its
/// own moment; tasks spawned or finished during the walk may or may not appear).
///
/// `Display` prints it like `pstree`, each task under the task that spawned it (debug mode
/// records who that was; without it the tree is flat); [`to_json`](Self::to_json) gives the
/// same as JSON.
///
/// ```
/// let rt = weft::Runtime::builder().current_thread().debug(true).build().unwrap();
/// rt.block_on(async {
///     let _parent = weft::spawn_named("parent", async {
///         let child = weft::spawn_named("child", std::future::pending::<()>());
///         child.await
///     });
///     weft::yield_now().await.unwrap();
///     weft::yield_now().await.unwrap();
///     let tree = weft::observe::current().unwrap().task_tree().unwrap();
///     let text = tree.to_string();
///     assert!(text.contains("\"parent\""), "{text}");
///     assert!(text.contains("└─ task"), "{text}");
///     assert!(tree.to_json().starts_with("{\"tasks\":["));
/// });
/// ```
#[derive(Debug, Clone, Default)]
pub struct TaskTree {
    /// The tasks, in the list's order.
    pub tasks: Vec<TaskInfo>,
}

impl TaskTree {
    /// Indices of the tasks whose parent is not in the tree (the roots), then a map from a
    /// task's id to the indices of its children.
    fn shape(&self) -> (Vec<usize>, HashMap<u64, Vec<usize>>) {
        let ids: std::collections::HashSet<u64> = self.tasks.iter().map(|t| t.id).collect();
        let mut roots = Vec::new();
        let mut children: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, t) in self.tasks.iter().enumerate() {
            match t.parent {
                Some(p) if ids.contains(&p) && p != t.id => children.entry(p).or_default().push(i),
                _ => roots.push(i),
            }
        }
        roots.sort_by_key(|&i| self.tasks[i].id);
        for v in children.values_mut() {
            v.sort_by_key(|&i| self.tasks[i].id);
        }
        (roots, children)
    }

    /// The tree as JSON: `{"tasks":[{"id":..,"name":..,"state":..,"parent":..,
    /// "spawned_at":..,"waiting_on":{"kind":..,"detail":..},"waited_us":..,
    /// "cancel_requests":..,"children":[...]}, ...]}`, nested by parent.
    pub fn to_json(&self) -> String {
        let (roots, children) = self.shape();
        let mut out = String::with_capacity(self.tasks.len() * 160 + 16);
        out.push_str("{\"tasks\":[");
        let now = Instant::now();
        // An explicit stack: a chain of 100,000 tasks must not overflow the thread's.
        enum Step {
            Open(usize, bool),
            Close,
        }
        let mut stack: Vec<Step> =
            roots.iter().rev().enumerate().map(|(k, &i)| Step::Open(i, k + 1 == roots.len())).collect();
        while let Some(step) = stack.pop() {
            match step {
                Step::Close => out.push_str("]}"),
                Step::Open(i, first) => {
                    if !first {
                        out.push(',');
                    }
                    json_task(&mut out, &self.tasks[i], now);
                    out.push_str(",\"children\":[");
                    stack.push(Step::Close);
                    if let Some(kids) = children.get(&self.tasks[i].id) {
                        for (k, &c) in kids.iter().enumerate().rev() {
                            stack.push(Step::Open(c, k == 0));
                        }
                    }
                }
            }
        }
        out.push_str("]}");
        out
    }
}

fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_opt_u64(out: &mut String, v: Option<u64>) {
    match v {
        Some(v) => {
            let _ = write!(out, "{v}");
        }
        None => out.push_str("null"),
    }
}

fn json_task(out: &mut String, t: &TaskInfo, now: Instant) {
    let _ = write!(out, "{{\"id\":{},\"name\":", t.id);
    match &t.name {
        Some(n) => json_str(out, n),
        None => out.push_str("null"),
    }
    let _ = write!(out, ",\"state\":\"{}\",\"parent\":", t.state.as_str());
    json_opt_u64(out, t.parent);
    out.push_str(",\"spawned_at\":");
    match &t.spawned_at {
        Some(s) => json_str(out, s),
        None => out.push_str("null"),
    }
    out.push_str(",\"waiting_on\":");
    match &t.waiting_on {
        None => out.push_str("null"),
        Some(w) => {
            out.push_str("{\"kind\":");
            json_str(out, w.kind);
            out.push_str(",\"detail\":");
            match w.detail {
                WaitDetail::None => out.push_str("null"),
                WaitDetail::Task(id) => {
                    let _ = write!(out, "{{\"task\":{id}}}");
                }
                WaitDetail::Resource(n) => {
                    let _ = write!(out, "{{\"resource\":{n}}}");
                }
                WaitDetail::Deadline(at) => {
                    let us = at.saturating_duration_since(now).as_micros();
                    let _ = write!(out, "{{\"due_in_us\":{us}}}");
                }
            }
            out.push('}');
        }
    }
    out.push_str(",\"waited_us\":");
    json_opt_u64(out, t.waited.map(|d| d.as_micros() as u64));
    let _ = write!(out, ",\"cancel_requests\":{}", t.cancel_requests);
}

impl fmt::Display for TaskTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (roots, children) = self.shape();
        // (index, prefix for its line, prefix for its children, is_root)
        let mut stack: Vec<(usize, String, String)> =
            roots.iter().rev().map(|&i| (i, String::new(), String::new())).collect();
        while let Some((i, line, below)) = stack.pop() {
            let t = &self.tasks[i];
            write!(f, "{line}task {}", t.id)?;
            if let Some(n) = &t.name {
                write!(f, " {n:?}")?;
            }
            write!(f, " [{}", t.state.as_str())?;
            if t.state == TaskState::Waiting {
                if let Some(w) = &t.waiting_on {
                    write!(f, " on {w}")?;
                }
                if let Some(d) = t.waited {
                    write!(f, " for {d:.1?}")?;
                }
            }
            f.write_str("]")?;
            if t.cancel_requests > 0 {
                write!(f, " cancelling={}", t.cancel_requests)?;
            }
            if let Some(at) = &t.spawned_at {
                write!(f, " at {at}")?;
            }
            f.write_str("\n")?;
            if let Some(kids) = children.get(&t.id) {
                for (k, &c) in kids.iter().enumerate().rev() {
                    let last = k + 1 == kids.len();
                    let (l, b) = if last { ("└─ ", "   ") } else { ("├─ ", "│  ") };
                    stack.push((c, format!("{below}{l}"), format!("{below}{b}")));
                }
            }
        }
        Ok(())
    }
}

/// One task's entry, read from its header without taking a reference: the caller keeps
/// the task alive (it holds the list's shard lock, or a reference).
pub(crate) fn info(header: &Header, now: Instant) -> TaskInfo {
    let s = header.state.load();
    let state = if s.is(RUNNING) {
        TaskState::Running
    } else if s.is(NOTIFIED) {
        TaskState::Runnable
    } else {
        TaskState::Waiting
    };
    let extras = crate::task::extras::Extras::get(header);
    // try_lock: the walk never waits for a task's own lock (it holds a shard lock).
    let name = extras.and_then(|e| e.inner.try_lock().and_then(|i| i.name.as_deref().map(str::to_owned)));
    let record = extras.and_then(|e| e.observe.get());
    let (waiting_on, waited) =
        match record.filter(|_| state == TaskState::Waiting).and_then(|r| r.waiting_on(now)) {
            Some((w, d)) => (Some(w), Some(d)),
            None => (None, None),
        };
    TaskInfo {
        id: header.id().as_u64(),
        name,
        state,
        parent: record.and_then(|r| r.parent),
        spawned_at: record.map(|r| r.spawned_at.to_string()),
        waiting_on,
        waited,
        cancel_requests: header.cancel.requested(),
    }
}

pub(crate) fn collect(owned: &OwnedTasks) -> TaskTree {
    let now = Instant::now();
    let mut tasks = Vec::with_capacity(owned.len());
    owned.inspect(|h| tasks.push(info(h, now)));
    TaskTree { tasks }
}
