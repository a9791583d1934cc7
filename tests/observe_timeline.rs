//! The timeline (`Builder::timeline`): Chrome trace-event JSON, parsed here by a small
//! JSON reader to check its shape event by event.

use std::collections::BTreeMap;
use std::time::Duration;

/// Just enough JSON: what the trace-event format uses.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(BTreeMap<String, Json>),
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) {
        self.ws();
        assert_eq!(self.s.get(self.i), Some(&c), "expected {:?} at byte {}", c as char, self.i);
        self.i += 1;
    }
    fn value(&mut self) -> Json {
        self.ws();
        match self.s[self.i] {
            b'{' => {
                self.i += 1;
                let mut m = BTreeMap::new();
                self.ws();
                if self.s[self.i] == b'}' {
                    self.i += 1;
                    return Json::Obj(m);
                }
                loop {
                    self.ws();
                    let Json::Str(k) = self.value() else { panic!("object key at byte {}", self.i) };
                    self.eat(b':');
                    let v = self.value();
                    assert!(m.insert(k.clone(), v).is_none(), "duplicate key {k}");
                    self.ws();
                    match self.s[self.i] {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Json::Obj(m);
                        }
                        c => panic!("unexpected {:?} at byte {}", c as char, self.i),
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut v = Vec::new();
                self.ws();
                if self.s[self.i] == b']' {
                    self.i += 1;
                    return Json::Arr(v);
                }
                loop {
                    v.push(self.value());
                    self.ws();
                    match self.s[self.i] {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Json::Arr(v);
                        }
                        c => panic!("unexpected {:?} at byte {}", c as char, self.i),
                    }
                }
            }
            b'"' => {
                self.i += 1;
                let start = self.i;
                while self.s[self.i] != b'"' {
                    assert_ne!(self.s[self.i], b'\\', "no escapes expected in a trace");
                    self.i += 1;
                }
                self.i += 1;
                Json::Str(String::from_utf8(self.s[start..self.i - 1].to_vec()).unwrap())
            }
            b't' => {
                self.i += 4;
                Json::Bool(true)
            }
            b'f' => {
                self.i += 5;
                Json::Bool(false)
            }
            b'n' => {
                self.i += 4;
                Json::Null
            }
            _ => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(self.s[self.i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    self.i += 1;
                }
                Json::Num(std::str::from_utf8(&self.s[start..self.i]).unwrap().parse().expect("a number"))
            }
        }
    }
}

fn parse(s: &str) -> Json {
    let mut p = Parser { s: s.as_bytes(), i: 0 };
    let v = p.value();
    p.ws();
    assert_eq!(p.i, s.len(), "trailing bytes after the JSON value");
    v
}

fn field<'a>(e: &'a BTreeMap<String, Json>, k: &str) -> &'a Json {
    e.get(k).unwrap_or_else(|| panic!("event without {k:?}: {e:?}"))
}

fn num(j: &Json) -> f64 {
    match j {
        Json::Num(n) => *n,
        other => panic!("not a number: {other:?}"),
    }
}

#[test]
fn the_timeline_is_chrome_trace_event_json_with_polls_wakes_steals_parks_and_timers() {
    let rt = weft::Runtime::builder().worker_threads(2).timeline(true).build().unwrap();
    let ids: Vec<u64> = rt.block_on(async {
        let mut ids = Vec::new();
        for _ in 0..5 {
            let tasks: Vec<_> = (0..64)
                .map(|_| {
                    weft::spawn(async {
                        std::thread::sleep(Duration::from_micros(100));
                        weft::time::sleep(Duration::from_millis(1)).await.unwrap();
                    })
                })
                .collect();
            ids.extend(tasks.iter().map(|t| t.id().as_u64()));
            for t in tasks {
                t.await.unwrap();
            }
        }
        ids
    });
    let json = rt.observer().timeline_json().unwrap();
    let Json::Obj(top) = parse(&json) else { panic!("not an object") };
    assert_eq!(field(&top, "displayTimeUnit"), &Json::Str("ms".into()));
    let Json::Arr(events) = field(&top, "traceEvents") else { panic!("traceEvents is not an array") };
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut lanes = std::collections::BTreeSet::new();
    let mut polled = std::collections::BTreeSet::new();
    for e in events {
        let Json::Obj(e) = e else { panic!("an event is not an object: {e:?}") };
        let Json::Str(name) = field(e, "name") else { panic!("name") };
        let Json::Str(ph) = field(e, "ph") else { panic!("ph") };
        assert_eq!(num(field(e, "pid")), 1.0);
        let tid = num(field(e, "tid"));
        *names.entry(name.clone()).or_default() += 1;
        match ph.as_str() {
            "M" => {
                assert_eq!(name, "thread_name");
                let Json::Obj(args) = field(e, "args") else { panic!("args") };
                assert!(matches!(field(args, "name"), Json::Str(_)));
                lanes.insert(tid as u64);
            }
            "X" => {
                assert!(name == "poll" || name == "park", "{name}");
                assert!(num(field(e, "ts")) >= 0.0 && num(field(e, "dur")) >= 0.0);
                assert_eq!(field(e, "cat"), &Json::Str("weft".into()));
                if name == "poll" {
                    let Json::Obj(args) = field(e, "args") else { panic!("args") };
                    polled.insert(num(field(args, "task")) as u64);
                    assert!(tid < 2.0, "polls happen on the two workers");
                }
            }
            "i" => {
                assert!(["wake", "steal", "timers"].contains(&name.as_str()), "{name}");
                assert_eq!(field(e, "s"), &Json::Str("t".into()));
                assert!(num(field(e, "ts")) >= 0.0);
            }
            other => panic!("unexpected phase {other}"),
        }
    }
    assert_eq!(lanes.len(), 3, "two workers and the other threads: {lanes:?}");
    for k in ["poll", "wake", "park", "timers"] {
        assert!(names.get(k).copied().unwrap_or(0) > 0, "no {k} event: {names:?}");
    }
    // Every spawned task was polled, on a worker.
    for id in ids {
        assert!(polled.contains(&id), "task {id} never polled in the timeline");
    }
}

#[test]
fn without_the_timeline_there_is_nothing_to_write() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    assert_eq!(rt.observer().timeline_json().unwrap_err(), weft::observe::ObserveError::TimelineOff);
    // The current-thread loop is one lane.
    let rt = weft::Runtime::builder().current_thread().timeline(true).build().unwrap();
    rt.block_on(async { weft::spawn(weft::time::sleep(Duration::from_millis(2))).await.unwrap().unwrap() });
    let json = rt.observer().timeline_json().unwrap();
    let Json::Obj(top) = parse(&json) else { panic!() };
    let Json::Arr(events) = field(&top, "traceEvents") else { panic!() };
    let named = |n: &str| {
        events.iter().any(|e| matches!(e, Json::Obj(m) if m.get("name") == Some(&Json::Str(n.into())) && m.get("tid") == Some(&Json::Num(0.0))))
    };
    assert!(named("poll") && named("wake") && named("timers") && named("park"), "{json}");
    drop(rt);
    let obs = weft::Runtime::builder().timeline(true).build().unwrap().observer();
    assert_eq!(obs.timeline_json().unwrap_err(), weft::observe::ObserveError::ShutDown);
}
