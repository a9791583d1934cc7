//! The `tracing` feature: a span per task (id, name, group, where it was spawned), entered
//! on each poll; events for a cancellation requested, delivered, swallowed and undone, and
//! for a task group's failure. Built only with `--features tracing` (`.ci/run` runs it).
//!
//! A small hand-written subscriber records every span and event; tests run in parallel in
//! one process and share it, so each test looks only at its own tasks' ids.
#![cfg(feature = "tracing")]

use parking_lot::Mutex;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

#[derive(Debug, Clone)]
struct SpanSeen {
    name: String,
    meta: &'static Metadata<'static>,
    parent: Option<u64>,
    fields: HashMap<String, String>,
}

#[derive(Debug, Clone)]
struct EventSeen {
    target: String,
    /// The span current when the event was emitted (or its explicit parent).
    span: Option<u64>,
    fields: HashMap<String, String>,
}

impl EventSeen {
    fn message(&self) -> &str {
        self.fields.get("message").map_or("", String::as_str)
    }
}

#[derive(Default)]
struct Seen {
    spans: HashMap<u64, SpanSeen>,
    events: Vec<EventSeen>,
}

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

/// Records everything, from every thread.
#[derive(Default)]
struct Recorder {
    next: AtomicU64,
    seen: Mutex<Seen>,
}

thread_local! {
    static ENTERED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let parent = if attrs.is_contextual() {
            ENTERED.with(|e| e.borrow().last().copied())
        } else {
            attrs.parent().map(Id::into_u64)
        };
        let meta = attrs.metadata();
        let mut span = SpanSeen { name: meta.name().to_string(), meta, parent, fields: HashMap::new() };
        attrs.record(&mut Fields(&mut span.fields));
        self.seen.lock().spans.insert(id, span);
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some(s) = self.seen.lock().spans.get_mut(&span.into_u64()) {
            values.record(&mut Fields(&mut s.fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let span = if event.is_contextual() {
            ENTERED.with(|e| e.borrow().last().copied())
        } else {
            event.parent().map(Id::into_u64)
        };
        let mut fields = HashMap::new();
        event.record(&mut Fields(&mut fields));
        self.seen.lock().events.push(EventSeen {
            target: event.metadata().target().to_string(),
            span,
            fields,
        });
    }

    /// What `Span::current()` returns (weft reads it at `spawn`, for the new task's
    /// parent, and in a group child, to record its group).
    fn current_span(&self) -> tracing_core::span::Current {
        match ENTERED.with(|e| e.borrow().last().copied()) {
            Some(id) => match self.seen.lock().spans.get(&id) {
                Some(s) => tracing_core::span::Current::new(Id::from_u64(id), s.meta),
                None => tracing_core::span::Current::none(),
            },
            None => tracing_core::span::Current::none(),
        }
    }

    fn enter(&self, span: &Id) {
        ENTERED.with(|e| e.borrow_mut().push(span.into_u64()));
    }

    fn exit(&self, span: &Id) {
        ENTERED.with(|e| {
            let mut e = e.borrow_mut();
            if let Some(at) = e.iter().rposition(|s| *s == span.into_u64()) {
                e.remove(at);
            }
        });
    }
}

fn recorder() -> &'static Recorder {
    static R: OnceLock<&'static Recorder> = OnceLock::new();
    R.get_or_init(|| {
        let r: &'static Recorder = Box::leak(Box::default());
        struct Shared(&'static Recorder);
        impl Subscriber for Shared {
            fn enabled(&self, m: &Metadata<'_>) -> bool {
                self.0.enabled(m)
            }
            fn new_span(&self, a: &Attributes<'_>) -> Id {
                self.0.new_span(a)
            }
            fn record(&self, s: &Id, v: &Record<'_>) {
                self.0.record(s, v)
            }
            fn record_follows_from(&self, s: &Id, f: &Id) {
                self.0.record_follows_from(s, f)
            }
            fn event(&self, e: &Event<'_>) {
                self.0.event(e)
            }
            fn enter(&self, s: &Id) {
                self.0.enter(s)
            }
            fn exit(&self, s: &Id) {
                self.0.exit(s)
            }
            fn current_span(&self) -> tracing_core::span::Current {
                self.0.current_span()
            }
        }
        tracing::subscriber::set_global_default(Shared(r)).expect("no other subscriber in this test binary");
        r
    })
}

/// The task span of the task `id`: its span id and what was recorded.
fn task_span(id: weft::Id) -> (u64, SpanSeen) {
    let seen = recorder().seen.lock();
    let want = id.as_u64().to_string();
    let (sid, span) = seen
        .spans
        .iter()
        .find(|(_, s)| s.name == "task" && s.fields.get("task.id") == Some(&want))
        .unwrap_or_else(|| panic!("no span for task {id}"));
    (*sid, span.clone())
}

/// The messages of the `weft::cancel` and `weft::group` events about task `id`, in order.
fn events_of(id: weft::Id) -> Vec<EventSeen> {
    let want = id.as_u64().to_string();
    recorder()
        .seen
        .lock()
        .events
        .iter()
        .filter(|e| e.target.starts_with("weft::") && e.fields.get("task.id") == Some(&want))
        .cloned()
        .collect()
}

fn messages(events: &[EventSeen]) -> Vec<&str> {
    events.iter().map(EventSeen::message).collect()
}

#[weft::test]
async fn a_cancelled_task_has_a_span_and_the_events_of_its_cancellation() {
    recorder();
    let line = line!() + 1;
    let t = weft::spawn_named("sleeper", weft::time::sleep(Duration::from_secs(3600)));
    weft::yield_now().await.unwrap(); // it waits in its sleep
    assert!(t.cancel(Some("enough")));
    let id = t.id();
    assert!(t.await.unwrap_err().is_cancelled());

    let (span_id, span) = task_span(id);
    assert_eq!(span.fields["task.name"], "sleeper");
    let at = &span.fields["spawned.at"];
    assert!(at.starts_with(&format!("tests/tracing.rs:{line}:")), "spawned.at = {at}");

    let events = events_of(id);
    assert_eq!(messages(&events), ["cancellation requested", "cancellation delivered"]);
    assert_eq!(events[0].fields["cancel.message"], "enough");
    assert_eq!(events[0].fields["cancelling"], "1");
    assert_ne!(events[0].span, Some(span_id), "requested from outside the task");
    assert_eq!(events[1].span, Some(span_id), "delivered inside the task's poll, in its span");
}

#[weft::test]
async fn a_task_that_swallows_its_cancellation_is_reported() {
    recorder();
    let t = weft::spawn(async {
        match weft::time::sleep(Duration::from_secs(3600)).await {
            Ok(()) => "slept",
            Err(_caught) => "carried on", // caught, not propagated, not undone
        }
    });
    weft::yield_now().await.unwrap();
    t.cancel(None);
    let id = t.id();
    assert_eq!(t.await.unwrap(), "carried on");
    let events = events_of(id);
    assert_eq!(
        messages(&events),
        ["cancellation requested", "cancellation delivered", "cancellation swallowed"]
    );
    assert_eq!(events[2].fields["cancelling"], "1");
}

#[weft::test]
async fn a_task_that_undoes_its_cancellation_swallows_nothing() {
    recorder();
    let t = weft::spawn(async {
        if weft::time::sleep(Duration::from_secs(3600)).await.is_err() {
            weft::current_task().unwrap().uncancel();
        }
    });
    weft::yield_now().await.unwrap();
    t.cancel(None);
    let id = t.id();
    t.await.unwrap();
    let events = events_of(id);
    assert_eq!(
        messages(&events),
        ["cancellation requested", "cancellation delivered", "cancellation undone"]
    );
    assert_eq!(events[2].fields["cancelling"], "0");
}

#[weft::test]
async fn a_failing_group_reports_the_failure_and_its_children_name_their_group() {
    recorder();
    let ids = Mutex::new(Vec::new());
    let r = weft::task_group(|tg| {
        let ids = &ids;
        async move {
            let bad = tg.spawn_named("bad", async {
                weft::yield_now().await?;
                Err::<(), _>(std::io::Error::other("disk full"))
            })?;
            let sibling = tg.spawn_named("sibling", async {
                weft::time::sleep(Duration::from_secs(3600)).await?;
                Ok::<_, weft::Cancelled>(())
            })?;
            ids.lock().extend([bad.id(), sibling.id()]);
            Ok::<_, weft::GroupSpawnError>(())
        }
    })
    .await;
    assert!(r.is_err(), "the group failed");
    let [bad, sibling] = ids.lock()[..] else { panic!("two children") };

    let failed: Vec<_> = events_of(bad).into_iter().filter(|e| e.target == "weft::group").collect();
    assert_eq!(messages(&failed), ["task group child failed"]);
    assert_eq!(failed[0].fields["error"], "disk full");
    let group = failed[0].fields["group.id"].clone();
    let (bad_span, span) = task_span(bad);
    assert_eq!(span.fields["task.group"], group, "the child's span names its group");
    assert_eq!(failed[0].span, Some(bad_span), "the failure is reported in the failing child's span");
    assert_eq!(task_span(sibling).1.fields["task.group"], group);
    assert_eq!(messages(&events_of(sibling)), ["cancellation requested", "cancellation delivered"]);
}

#[weft::test]
async fn a_task_spawned_by_a_task_has_its_span_as_parent() {
    recorder();
    let outer = weft::spawn(async { weft::spawn(async {}).id() });
    let outer_id = outer.id();
    let inner_id = outer.await.unwrap();
    weft::yield_now().await.unwrap(); // the inner task's first poll makes its span
    weft::yield_now().await.unwrap();
    let (outer_span, _) = task_span(outer_id);
    assert_eq!(task_span(inner_id).1.parent, Some(outer_span));
}
