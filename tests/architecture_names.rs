//! ARCHITECTURE.md and the book cannot rot: every file, module, type and function they
//! name in backticks exists in the repository, and every executor module depends only on
//! what its codemap entry lists.
//!
//! What is checked, for each `span` outside code blocks:
//!
//! * A path (`task/state.rs`, `executor/src/cancel/`, `wheel/{slots,list}.rs`,
//!   `*_pending.rs`): some file or directory of the repository ends with it.
//! * A Rust path (`harness::poll_future`, `ToRunning::Skip`, `Driver::try_lock`,
//!   `weft_executor::cancel::outcome`, `cancel::check()`): each `a::b` step is a module `a`
//!   in which `b` is declared or re-exported, or a type or trait `a` with a method,
//!   associated item, variant or field `b`. A leading `weft::`, `weft_executor::`, `crate::`
//!   is the crate and is skipped; generics and `()` are dropped.
//! * A single name: `Name` is a type, trait or variant, `NAME` a constant, static or
//!   variant, `name()` a function, and `name` any declaration or module, or at least an
//!   identifier used in the code (the codemap also names fields and local variables,
//!   `real` and `steal` of the ring's head).
//!
//! * `NAME = value`: the constant has that value in the code.
//! * `weft-executor`, `os-poll`: a package, dependency or feature of a `Cargo.toml`.
//!
//! Names from outside weft (`std`, `mio`, `tokio`, ... and the standard types in
//! [`FOREIGN`]) are skipped, as are spans that are not names (`--cfg loom`,
//! `harness = false`).
//!
//! And the codemap's dependency lines: each module of `executor/src/` uses (through
//! `crate::`, outside its tests) only the modules its entry says it may depend on, plus the
//! foundations any module may use (`sync`, `error`).

mod docs_check;

use docs_check::items::{Decl, DeclKind, Source};
use docs_check::lexer::{Kind, tokens};
use docs_check::markdown::code_spans;
use docs_check::{repo_paths, root};
use std::collections::{HashMap, HashSet};

/// Crates weft depends on, and the standard library: their paths are not weft's to check.
const CRATES: &[&str] = &[
    "std",
    "core",
    "alloc",
    "mio",
    "tokio",
    "loom",
    "parking_lot",
    "crossbeam_channel",
    "crossbeam",
    "slab",
    "futures_task",
    "futures_core",
    "futures_io",
    "futures_util",
    "tracing",
    "tracing_core",
    "libc",
    "anyhow",
    "syn",
    "quote",
    "proc_macro2",
    "criterion",
    "proptest",
    "signal_hook_registry",
];

/// Names of the standard library and of the crates above that ARCHITECTURE.md mentions
/// bare; a name weft declares itself is checked as weft's first.
const FOREIGN: &[&str] = &[
    "Result",
    "Option",
    "Box",
    "Vec",
    "VecDeque",
    "Arc",
    "String",
    "Ok",
    "Err",
    "Some",
    "None",
    "Future",
    "Waker",
    "Poll",
    "Pending",
    "Ready",
    "Send",
    "Sync",
    "Drop",
    "Instant",
    "Duration",
    "Mutex",
    "Condvar",
    "UnsafeCell",
    "NonNull",
    "AtomicUsize",
    "AtomicU64",
    "AtomicPtr",
    "Stream",
    "AsyncRead",
    "AsyncWrite",
    "JoinSet",
    "Registry",
    "Events",
    "ExceptionGroup",
    "SeqCst",
    "Release",
    "Acquire",
    "Interrupted",
    "recv_timeout",
    "timerfd_create",
    "timerfd_settime",
    "try_lock",
    "wait_for",
    "unbounded",
    "AsyncSeek",
    "Pin",
    "Wake",
    "ArcWake",
    "ManuallyDrop",
    "Slab",
    "WouldBlock",
    // The kernel's.
    "SIGCHLD",
    "EPOLLET",
    "EINTR",
    "recvfrom",
    "sendto",
    "writev",
    "epoll",
    "epoll_wait",
    "timerfd",
    "getaddrinfo",
    "select",
    "epoll_pwait2",
    // rustc's and clippy's lints, set in the crates' Cargo.toml.
    "unsafe_op_in_unsafe_fn",
    "undocumented_unsafe_blocks",
    "missing_safety_doc",
    // Primitive types, named with their constants (`u64::MAX`).
    "u64",
    "u32",
    "usize",
    // CPython's names, beside which weft's are documented (and its `_private` ones, and
    // its tests' `test_` names: see `check`).
    "__aexit__",
    "CancelledError",
    "run_until_complete",
    "run_in_executor",
    "ProcessPoolExecutor",
    "TypeError",
    "except",
    "RuntimeError",
    "finally",
];

/// Paths of the standard library spelled through a module name weft also has (`io`).
const FOREIGN_PATHS: &[&str] = &["io::Error", "io::ErrorKind", "io::Result"];

/// Files the docs refer to outside this repository: the design (`../shared/DESIGN.md`) and
/// CPython's test files that weft's tests port, and CPython's sources the book quotes.
fn outside_the_repository(path: &str) -> bool {
    path == "DESIGN.md"
        || (path.starts_with("test_") && path.ends_with(".py"))
        || CPYTHON_FILES.contains(&path)
}

/// CPython's own sources, beside which weft's order of events is described.
const CPYTHON_FILES: &[&str] = &["base_events.py", "events.py", "tasks.py", "taskgroups.py", "timeouts.py"];

/// Every Rust declaration of the workspace, and every identifier it uses.
struct Index {
    decls: HashMap<String, Vec<(Decl, Vec<String>)>>,
    /// Module names: file stems, directories of modules, inline and declared `mod`s.
    modules: HashSet<String>,
    /// For each module name, the identifiers used in its files.
    module_words: HashMap<String, HashSet<String>>,
    words: HashSet<String>,
    /// The benches' sources, where workloads are named in strings.
    bench_text: String,
    /// Methods a `macro_rules!` writes into `impl $ty` for several types
    /// (`TcpStream::read`): any declared type may own them.
    macro_methods: HashSet<String>,
}

/// `executor/src/cancel/outcome.rs` -> `[cancel, outcome]`.
fn module_path(rel: &str) -> Vec<String> {
    let parts: Vec<&str> = rel.split('/').collect();
    let start = parts.iter().position(|p| *p == "src").map_or(1, |i| i + 1);
    let mut m: Vec<String> = parts[start.min(parts.len() - 1)..].iter().map(|s| s.to_string()).collect();
    let last = m.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        m.push(stem.to_string());
    }
    m
}

fn index() -> Index {
    let root = root();
    let mut ix = Index {
        decls: HashMap::new(),
        modules: HashSet::new(),
        module_words: HashMap::new(),
        words: HashSet::new(),
        bench_text: String::new(),
        macro_methods: HashSet::new(),
    };
    for rel in repo_paths(&root).iter().filter(|p| p.ends_with(".rs")) {
        let src = std::fs::read_to_string(root.join(rel)).unwrap();
        if rel.starts_with("benches/") {
            ix.bench_text.push_str(&src);
        }
        let toks = tokens(&src, false);
        let file_words: HashSet<String> =
            toks.iter().filter(|t| t.kind == Kind::Word).map(|t| t.text.clone()).collect();
        let path = module_path(rel);
        for m in &path {
            ix.modules.insert(m.clone());
            ix.module_words.entry(m.clone()).or_default().extend(file_words.iter().cloned());
        }
        let source = Source::new(toks);
        for d in source.declarations() {
            if d.kind == DeclKind::Fn && d.owner.as_deref().is_some_and(|o| o.starts_with('$')) {
                ix.macro_methods.insert(d.name.clone());
            }
            if d.kind == DeclKind::Mod {
                ix.modules.insert(d.name.clone());
            }
            let mut mods = path.clone();
            mods.extend(d.inline_mods.iter().cloned());
            for m in &d.inline_mods {
                ix.module_words.entry(m.clone()).or_default().extend(file_words.iter().cloned());
            }
            ix.decls.entry(d.name.clone()).or_default().push((d, mods));
        }
        ix.words.extend(file_words);
    }
    ix
}

impl Index {
    fn declared(&self, name: &str, ok: impl Fn(&Decl) -> bool) -> bool {
        self.decls.get(name).is_some_and(|ds| ds.iter().any(|(d, _)| ok(d)))
    }

    fn is_type(&self, name: &str) -> bool {
        self.declared(name, |d| d.kind.is_type())
    }

    /// `a::b`: `b` in module `a`, or a member of type `a`.
    fn step(&self, a: &str, b: &str) -> bool {
        let in_module = self.modules.contains(a)
            && (self.decls.get(b).is_some_and(|ds| ds.iter().any(|(_, mods)| mods.iter().any(|m| m == a)))
                || (self.decls.contains_key(b) || self.modules.contains(b))
                    && self.module_words.get(a).is_some_and(|w| w.contains(b)));
        let member = self.is_type(a)
            && (self.declared(b, |d| d.owner.as_deref() == Some(a)) || self.macro_methods.contains(b));
        in_module || member
    }
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `wheel/{slots,list}.rs` -> `wheel/slots.rs`, `wheel/list.rs`.
fn expand_braces(s: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (s.find('{'), s.find('}')) else { return vec![s.to_string()] };
    let (head, tail) = (&s[..open], &s[close + 1..]);
    s[open + 1..close]
        .split(',')
        .flat_map(|alt| expand_braces(&format!("{head}{}{tail}", alt.trim())))
        .collect()
}

/// `pattern` (with `*` for any characters within one path component) matches the end of
/// `path` at a component boundary.
fn path_matches(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    let q: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    if p.len() > q.len() {
        return false;
    }
    let dir_wanted = pattern.ends_with('/');
    if dir_wanted && !path.ends_with('/') {
        return false;
    }
    p.iter().rev().zip(q.iter().rev()).all(|(a, b)| glob(a, b))
}

fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            text.starts_with(head)
                && (head.len()..=text.len()).any(|i| text.is_char_boundary(i) && glob(rest, &text[i..]))
        }
    }
}

/// `const NAME: T = value;` somewhere in the workspace's sources, with this value.
fn const_has_value(name: &str, value: &str) -> Option<bool> {
    let root = root();
    let mut seen = None;
    for rel in repo_paths(&root).iter().filter(|p| p.ends_with(".rs")) {
        let src = std::fs::read_to_string(root.join(rel)).unwrap();
        let needle = format!("const {name}:");
        let Some(at) = src.find(&needle) else { continue };
        let rest = &src[at + needle.len()..];
        let Some(init) = rest.split(';').next().and_then(|d| d.split_once('=')).map(|(_, v)| v.trim()) else {
            continue;
        };
        // Every definition counts (`cfg(loom)` ones too): one must have the value.
        seen = Some(seen.unwrap_or(false) || init == value);
    }
    seen
}

/// Whether the library code of some crate (`src/`, not tests) has the string literal
/// `"text"`.
fn in_a_string(text: &str) -> bool {
    let root = root();
    let quoted = format!("\"{text}\"");
    repo_paths(&root)
        .iter()
        .filter(|p| p.ends_with(".rs") && (p.starts_with("src/") || p.contains("/src/")))
        .any(|rel| std::fs::read_to_string(root.join(rel)).unwrap().contains(&quoted))
}

/// The package, dependency and feature names of every `Cargo.toml`.
fn cargo_names() -> HashSet<String> {
    let root = root();
    let mut out = HashSet::new();
    for rel in repo_paths(&root).iter().filter(|p| p.ends_with("Cargo.toml")) {
        let toml = std::fs::read_to_string(root.join(rel)).unwrap();
        for w in toml.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')) {
            out.insert(w.to_string());
        }
    }
    out
}

/// Why `span` names nothing in the repository, or `None` if it does (or is not a name).
fn check(span: &str, ix: &Index, paths: &[String]) -> Option<String> {
    // `BUDGET = 128`: a constant and its value.
    if let Some((name, value)) = span.split_once(" = ") {
        if name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') {
            return match const_has_value(name, value) {
                Some(true) => None,
                Some(false) => Some(format!("`{name}` is not {value} in the code")),
                None => Some(format!("no constant `{name}` is declared")),
            };
        }
    }
    // `weft-executor`, `futures-task`, `os-poll`: a package, dependency or feature; or
    // `weft-shutdown`, a name the code spells in a string (a thread's).
    let dashed = span.contains('-') && !span.starts_with('-');
    if dashed && span.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        let found = cargo_names().contains(span) || in_a_string(span);
        return (!found).then(|| "no Cargo.toml names it, and no string of the code".to_string());
    }
    if span.is_empty() || span.contains(char::is_whitespace) || span.contains("..") || span.starts_with('-') {
        return None;
    }
    let is_path = span.contains('/')
        || [".rs", ".md", ".toml", ".sh", ".py", ".txt", ".svg"].iter().any(|e| span.ends_with(e));
    if is_path {
        // Outside the repository, or build output (`target/criterion/report/index.html`).
        if outside_the_repository(span) || span.starts_with("target/") {
            return None;
        }
        // A bench workload's id (`net/tcp_ping_pong`) is a name the benches spell out.
        let workload = |p: &str| ix.bench_text.contains(&format!("\"{p}\""));
        let missing: Vec<String> = expand_braces(span)
            .into_iter()
            .filter(|p| !paths.iter().any(|q| path_matches(p, q)) && !workload(p))
            .collect();
        return (!missing.is_empty())
            .then(|| format!("no file or directory ends with {}", missing.join(", ")));
    }
    // A Rust path, possibly decorated: `#[weft::main]`, `check()`, `Task<T>`, `run_on!`.
    let mut s = span.trim_start_matches("#[").trim_end_matches(']').trim_start_matches(['&', '.']);
    let called = s.ends_with("()");
    s = s.trim_end_matches("()").trim_end_matches('!').trim_start_matches("::");
    if let Some(lt) = s.find('<') {
        if !s.ends_with('>') {
            return None;
        }
        s = &s[..lt];
    }
    if FOREIGN_PATHS.contains(&s) {
        return None;
    }
    let mut segs: Vec<&str> = s.split("::").collect();
    if !segs.iter().all(|x| is_ident(x)) {
        return None;
    }
    // Python's private names (`_must_cancel`, `_ready`) and CPython's test names, a
    // formula's single letter, a type of the standard library with its method.
    let pythonic = segs[0].starts_with('_') && !segs[0].starts_with("__");
    if pythonic || segs[0].starts_with("test_") || (segs[0].len() == 1 && segs.len() == 1) {
        return None;
    }
    if segs.len() > 1 && FOREIGN.contains(&segs[0]) {
        return None;
    }
    while segs.len() > 1
        && matches!(
            segs[0],
            "weft"
                | "weft_executor"
                | "weft_structured"
                | "weft_primitives"
                | "weft_macros"
                | "crate"
                | "self"
                | "super"
        )
    {
        segs.remove(0);
    }
    if CRATES.contains(&segs[0]) {
        return None;
    }
    if let [name] = segs.as_slice() {
        let name = *name;
        let first = name.chars().next().unwrap();
        let upper = name.chars().all(|c| !c.is_ascii_lowercase());
        let found = if called {
            // A function, or a closure the code calls (`op()`).
            ix.declared(name, |d| matches!(d.kind, DeclKind::Fn | DeclKind::Macro)) || ix.words.contains(name)
        } else if upper && name.len() > 1 {
            ix.declared(name, |d| matches!(d.kind, DeclKind::Const | DeclKind::Static | DeclKind::Variant))
        } else if first.is_ascii_uppercase() {
            ix.declared(name, |d| d.kind.is_type() || d.kind == DeclKind::Variant)
        } else {
            ix.decls.contains_key(name) || ix.modules.contains(name) || ix.words.contains(name)
        };
        // A bench's workload or mode, spelled in a string (`sleep1ms`).
        let workload = ix.bench_text.contains(&format!("\"{name}\""));
        if found || workload || FOREIGN.contains(&name) {
            return None;
        }
        return Some(if called {
            format!("no function `{name}` is declared")
        } else {
            format!("nothing named `{name}` is declared")
        });
    }
    for pair in segs.windows(2) {
        if !ix.step(pair[0], pair[1]) {
            return Some(format!(
                "`{}` is neither a module declaring `{}` nor a type with a member `{}`",
                pair[0], pair[1], pair[1]
            ));
        }
    }
    None
}

/// Every `span` of `doc` that names nothing: `doc:line: span: why`.
fn missing_names(doc: &str, ix: &Index, paths: &[String]) -> Vec<String> {
    let md = std::fs::read_to_string(root().join(doc)).unwrap();
    code_spans(&md)
        .iter()
        .filter_map(|(line, span)| check(span, ix, paths).map(|why| format!("{doc}:{line}: `{span}`: {why}")))
        .collect()
}

/// The book's prose names files, modules, types and functions too (its code blocks are
/// `book_excerpts.rs`'s).
#[test]
fn every_name_in_the_book_exists() {
    let root = root();
    let ix = index();
    let paths = repo_paths(&root);
    let failures: Vec<String> = docs_check::markdown_files(&root, "docs/book")
        .iter()
        .flat_map(|doc| missing_names(doc, &ix, &paths))
        .collect();
    assert!(
        failures.is_empty(),
        "{} names in the book no longer exist:\n{}\n",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_name_in_architecture_md_exists() {
    let root = root();
    let doc = "docs/ARCHITECTURE.md";
    let md = std::fs::read_to_string(root.join(doc)).unwrap();
    let ix = index();
    let paths = repo_paths(&root);
    let spans = code_spans(&md);
    assert!(spans.len() > 100, "ARCHITECTURE.md names {} things: did the extraction break?", spans.len());
    let failures: Vec<String> = spans
        .iter()
        .filter_map(|(line, span)| {
            check(span, &ix, &paths).map(|why| format!("{doc}:{line}: `{span}`: {why}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} names in {doc} no longer exist in the code:\n{}\n",
        failures.len(),
        failures.join("\n")
    );
}

/// The check can fail: names that do not exist are reported, and real ones pass.
#[test]
fn a_renamed_item_is_reported() {
    let ix = index();
    let paths = repo_paths(&root());
    for real in [
        "harness::poll_future",
        "ToRunning::Skip",
        "Driver::try_lock",
        "weft_executor::cancel::outcome",
        "cancel::check()",
        "task/state.rs",
        "wheel/{slots,list,tests}.rs",
        "NOTIFIED",
        "Task<T>",
        "BUDGET = 128",
        "weft-executor",
        "weft-shutdown",
        "--quick",
        ".cancellable()",
        "net/tcp_ping_pong",
        "TcpStream::read",
        "_must_cancel",
        "Poll::Pending",
    ] {
        assert_eq!(check(real, &ix, &paths), None, "{real} exists");
    }
    for gone in [
        "harness::poll_futures",
        "ToRunning::Skipped",
        "Driver::try_lock_twice",
        "task/states.rs",
        "wheel/{slots,lists}.rs",
        "NOTIFIED_TWICE",
        "take_delivery()",
        "cancel_state.rs",
        "BUDGET = 64",
        "weft-reactor",
        "net/tcp_ping_pongs",
    ] {
        assert!(check(gone, &ix, &paths).is_some(), "{gone} does not exist");
    }
}

/// The executor's top-level modules: `executor/src/X.rs` and `executor/src/X/`.
fn executor_modules() -> Vec<String> {
    let dir = root().join("executor/src");
    let mut out: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.ok()?.path();
            let name = p.file_name()?.to_str()?.to_string();
            if p.is_dir() {
                Some(name)
            } else {
                name.strip_suffix(".rs").filter(|n| *n != "lib").map(str::to_string)
            }
        })
        .collect();
    out.sort();
    out
}

/// What each executor module's codemap entry says it may depend on: `None` for "everything
/// below/above".
fn declared_dependencies(md: &str, modules: &[String]) -> Vec<(String, usize, Option<HashSet<String>>)> {
    let section =
        md.split("### `executor/src/`").nth(1).expect("ARCHITECTURE.md has an executor/src codemap");
    let section = section.split("\n## ").next().unwrap();
    let first_line = md.lines().position(|l| l.starts_with("### `executor/src/`")).unwrap() + 1;
    let mut entries: Vec<(String, usize, String)> = Vec::new();
    for (n, line) in section.lines().enumerate() {
        if let Some(rest) = line.strip_prefix("- `") {
            let path = rest.split('`').next().unwrap();
            let module = path.split(['/', '.']).next().unwrap().to_string();
            entries.push((module, first_line + n, String::new()));
        }
        if let Some(e) = entries.last_mut() {
            e.2.push_str(line);
            e.2.push(' ');
        }
    }
    entries
        .into_iter()
        .filter(|(m, _, _)| m != "lib")
        .map(|(module, line, text)| {
            let mut allowed = HashSet::new();
            let mut everything = false;
            for sentence in text.split(". ") {
                if !(sentence.contains("depend") || sentence.contains(" adds ")) {
                    continue;
                }
                everything |= sentence.contains("everything");
                for span in sentence.split('`').skip(1).step_by(2) {
                    let first = span.split("::").next().unwrap().trim_end_matches('/');
                    if modules.iter().any(|m| m == first) && first != module {
                        allowed.insert(first.to_string());
                    }
                }
            }
            (module, line, (!everything).then_some(allowed))
        })
        .collect()
}

/// The executor modules the non-test code of `module` names through `crate::`.
fn actual_dependencies(module: &str, modules: &[String]) -> HashSet<String> {
    let root = root();
    let mut out = HashSet::new();
    let prefix = format!("executor/src/{module}");
    for rel in repo_paths(&root) {
        let in_module = rel == format!("{prefix}.rs") || rel.starts_with(&format!("{prefix}/"));
        let file = rel.rsplit('/').next().unwrap();
        if !in_module || !rel.ends_with(".rs") || file == "tests.rs" || file.starts_with("loom") {
            continue;
        }
        let src = std::fs::read_to_string(root.join(&rel)).unwrap();
        let t = tokens(&src, false);
        let close = docs_check::lexer::matching_brackets(&t);
        let mut i = 0;
        while i < t.len() {
            // `#[cfg(test)] mod tests { .. }` and `#[cfg(all(test, loom))] mod ..`: test code.
            if t[i].is_punct('#') && t.get(i + 1).is_some_and(|n| n.is_punct('[')) {
                let end = close[i + 1].unwrap_or(i + 1);
                let attr: Vec<&str> = t[i + 2..end].iter().map(|x| x.text.as_str()).collect();
                let is_test_cfg =
                    attr.first() == Some(&"cfg") && attr.contains(&"test") && !attr.contains(&"not");
                if is_test_cfg && t.get(end + 1).is_some_and(|n| n.is_word("mod")) {
                    if let Some(open) = (end + 1..t.len()).find(|&k| t[k].is_punct('{') || t[k].is_punct(';'))
                    {
                        i = if t[open].is_punct('{') { close[open].unwrap_or(open) + 1 } else { open + 1 };
                        continue;
                    }
                }
            }
            if t[i].is_word("crate") && t.get(i + 1).is_some_and(|n| n.is_punct(':')) {
                let j = i + 3;
                if t.get(j).is_some_and(|n| n.is_punct('{')) {
                    let end = close[j].unwrap_or(j);
                    let mut depth = 0;
                    for k in j + 1..end {
                        let x = &t[k];
                        if x.is_punct('{') {
                            depth += 1;
                        } else if x.is_punct('}') {
                            depth -= 1;
                        } else if depth == 0
                            && x.kind == Kind::Word
                            && (t[k - 1].is_punct('{') || t[k - 1].is_punct(','))
                        {
                            out.insert(x.text.clone());
                        }
                    }
                } else if let Some(x) = t.get(j).filter(|x| x.kind == Kind::Word) {
                    out.insert(x.text.clone());
                }
            }
            i += 1;
        }
    }
    out.retain(|m| modules.contains(m) && m != module);
    out
}

/// Modules any other may use: the loom-swappable atomics and the error types.
const FOUNDATIONS: &[&str] = &["sync", "error"];

/// The codemap entries whose module uses a module they do not list.
fn dependency_failures(doc: &str, md: &str) -> Vec<String> {
    let modules = executor_modules();
    let declared = declared_dependencies(md, &modules);
    assert!(declared.len() >= 10, "found {} codemap entries for executor/src", declared.len());
    let mut failures = Vec::new();
    for (module, line, allowed) in &declared {
        let Some(allowed) = allowed else { continue };
        let mut extra: Vec<String> = actual_dependencies(module, &modules)
            .into_iter()
            .filter(|d| !allowed.contains(d) && !FOUNDATIONS.contains(&d.as_str()))
            .collect();
        extra.sort();
        if !extra.is_empty() {
            failures.push(format!(
                "{doc}:{line}: `{module}` uses {} (through `crate::`), which its entry does not list",
                extra.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    failures
}

#[test]
fn every_executor_module_depends_only_on_what_the_codemap_allows() {
    let doc = "docs/ARCHITECTURE.md";
    let md = std::fs::read_to_string(root().join(doc)).unwrap();
    let failures = dependency_failures(doc, &md);
    assert!(
        failures.is_empty(),
        "the codemap's dependencies are out of date (list the module, or remove the use):\n{}\n",
        failures.join("\n")
    );
}

/// The check can fail: an entry that stops listing a module its code uses is reported.
#[test]
fn a_dependency_the_codemap_omits_is_reported() {
    let doc = "docs/ARCHITECTURE.md";
    let md = std::fs::read_to_string(root().join(doc)).unwrap();
    let listed = ", and `coop` (for `BUDGET`)";
    assert!(md.contains(listed), "context.rs's entry lists coop");
    let failures = dependency_failures(doc, &md.replacen(listed, "", 1));
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("`context` uses `coop`"), "{}", failures[0]);
}
