//! Reading weft's Markdown docs and Rust sources well enough to check that the docs still
//! say what the code does: the book's excerpts against the items they quote, and the
//! names ARCHITECTURE.md mentions against the declarations in the workspace.
//!
//! # The excerpt convention
//!
//! Every Rust block in `docs/book/*.md` (and in `docs/ARCHITECTURE.md`) is one of two
//! things:
//!
//! * **A program.** A ```` ```rust ```` block (or `rust,no_run`, `rust,should_panic`, ...)
//!   is compiled and run as a doctest: `src/lib.rs` includes each of these files with
//!   `#[doc = include_str!(..)]` under `cfg(doctest)`.
//! * **An excerpt.** A ```` ```rust,ignore ```` block with a marker on the line above it
//!   that names the file and the item it copies, and whose first line names the file for
//!   the reader:
//!
//!   ````text
//!   <!-- excerpt: executor/src/task/harness.rs fn complete -->
//!   ```rust,ignore
//!   // executor/src/task/harness.rs, complete
//!   let prev = h.state().transition_to_complete(cancelled);
//!   // ...
//!   ```
//!   ````
//!
//!   The item is `fn name`, `fn Type::name` (a method, or a trait's provided method),
//!   `struct Name` (or `enum`, `trait`, `type`, `const`, `static`, `mod`, `union`,
//!   `macro`), `impl Type`, `impl Trait for Type`, or `file`; several items, separated by
//!   commas (`fn unpack, fn pack`), are quoted in that order. The excerpt must be found in
//!   the item, compared without layout and comments, where `...` or a comment that starts
//!   with `...` leaves out any part of the item. Comments in the excerpt are free: they
//!   are the book's, not the code's.
//!
//!   A ```` ```text ```` block with a marker naming `module doc` quotes the file's `//!`
//!   comment (a diagram, a table) and is compared word by word; a line holding only `...`
//!   leaves out part of it.
//!
//! A ```` ```python ```` block with a marker naming `file` quotes a Python program (the
//! porting guide's CPython side): its first line is `# PATH`, and the rest is compared
//! with the file word by word, a line holding only `...` leaving out part of it.
//!
//! Other blocks (```` ```text ````, unmarked ```` ```python ````) are prose and are not
//! checked. A fence with no language is refused, because rustdoc would compile it as Rust.
#![allow(dead_code)]

pub mod excerpt;
pub mod items;
pub mod lexer;
pub mod markdown;

use std::path::{Path, PathBuf};

/// The repository root (the facade package's directory).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What checking one Markdown file found.
#[derive(Default, Debug)]
pub struct Report {
    pub excerpts: usize,
    pub doctests: usize,
    pub failures: Vec<String>,
}

/// Checks every code block of the Markdown file `doc` (a path relative to `root`, for
/// messages), whose text is `md`.
pub fn check_doc(root: &Path, doc: &str, md: &str) -> Report {
    let mut report = Report::default();
    let blocks = match markdown::blocks(md) {
        Ok(b) => b,
        Err(e) => {
            report.failures.push(format!("{doc}: {e}"));
            return report;
        }
    };
    for block in &blocks {
        let lang = block.lang();
        let attrs = block.attrs();
        let at = format!("{doc}:{}", block.line);
        match (&block.marker, lang) {
            (_, "") => report.failures.push(format!(
                "{at}: a code block without a language; rustdoc compiles it as Rust. Write ```rust for a \
                 program, ```rust,ignore with an excerpt marker for an excerpt, ```text for anything else"
            )),
            (Some(m), "rust") if !attrs.contains(&"ignore") => report.failures.push(format!(
                "{at}: the excerpt of `{}` from {} must be a ```rust,ignore block (the code it quotes is \
                 not a program of its own)",
                m.item, m.path
            )),
            (Some(m), "rust" | "text") => {
                report.excerpts += 1;
                if let Err(e) = check_excerpt(root, doc, block, m) {
                    report.failures.push(e);
                }
            }
            (Some(m), "python") => {
                report.excerpts += 1;
                if let Err(e) = check_python_excerpt(root, doc, block, m) {
                    report.failures.push(e);
                }
            }
            (Some(m), other) => report.failures.push(format!(
                "{at}: an excerpt marker (line {}) over a ```{other} block: excerpts are ```rust,ignore, or \
                 ```text for a module doc",
                m.line
            )),
            (None, "rust") if attrs.contains(&"ignore") => report.failures.push(format!(
                "{at}: a ```rust,ignore block that is neither compiled nor checked: make it a program \
                 (```rust, compiled as a doctest) or an excerpt (a marker `<!-- excerpt: FILE ITEM -->` on \
                 the line above)"
            )),
            (None, "rust") => report.doctests += 1,
            (None, _) => {}
        }
    }
    report
}

fn check_excerpt(
    root: &Path,
    doc: &str,
    block: &markdown::Block,
    m: &markdown::Marker,
) -> Result<(), String> {
    let at = format!("{doc}:{}", block.line);
    // `fn unpack, fn pack`: several items, quoted in their order in the excerpt.
    let specs = m
        .item
        .split(',')
        .map(|s| items::parse_spec(s.trim()).map_err(|e| format!("{doc}:{}: {e}", m.line)))
        .collect::<Result<Vec<_>, _>>()?;
    let spec = m.item.trim();
    let src = std::fs::read_to_string(root.join(&m.path))
        .map_err(|e| format!("{at}: the excerpt of `{spec}` names {}, which cannot be read ({e})", m.path))?;
    let text_mode = block.lang() == "text";
    if text_mode != (specs == [items::Spec::ModuleDoc]) {
        return Err(format!(
            "{at}: a ```text excerpt quotes a `module doc`, and a `module doc` is quoted in a ```text block \
             (this one is ```{} of `{spec}`)",
            block.info
        ));
    }
    let (excerpt, source, source_line_of) = if text_mode {
        let (doc_text, lines) = excerpt::module_doc(&src);
        let source = excerpt::words(&doc_text, 1, false);
        (excerpt::words(&block.body, 1, true), source, Some(lines))
    } else {
        let first = block.body.lines().next().unwrap_or("").trim();
        if !first.starts_with(&format!("// {}", m.path)) {
            return Err(format!(
                "{at}: the excerpt of `{spec}` must name its file on its first line, for the reader: \
                 `// {}` (it has `{first}`)",
                m.path
            ));
        }
        let file = items::Source::new(lexer::tokens(&src, false));
        let mut source = Vec::new();
        for one in &specs {
            let found = file.candidates(one);
            let (start, end) = match found.as_slice() {
                [it] => *it,
                [] => {
                    return Err(format!("{at}: the excerpt names `{one}`, and {} has no such item", m.path));
                }
                many => {
                    let lines: Vec<String> =
                        many.iter().map(|(s, _)| file.tokens[*s].line.to_string()).collect();
                    return Err(format!(
                        "{at}: `{one}` names {} items in {} (lines {}): qualify it, e.g. `fn Type::name`",
                        many.len(),
                        m.path,
                        lines.join(", ")
                    ));
                }
            };
            source.extend(lexer::drop_trailing_commas(file.tokens[start..=end].to_vec()));
        }
        (lexer::drop_trailing_commas(lexer::tokens(&block.body, true)), source, None)
    };
    if excerpt.iter().all(|t| t.kind == lexer::Kind::Elision) {
        return Err(format!("{at}: the excerpt of `{spec}` from {} shows nothing", m.path));
    }
    let Err(mismatch) = excerpt::compare(&excerpt, &source) else { return Ok(()) };
    let excerpt_text = block.body.lines().nth(mismatch.excerpt_line - 1).unwrap_or("").trim();
    let excerpt_at = block.line + mismatch.excerpt_line;
    let source_at = match (mismatch.source_line, &source_line_of) {
        (Some(l), Some(lines)) => Some(lines[l - 1]),
        (l, _) => l,
    };
    let where_source = match source_at {
        Some(l) => format!("{}:{l}: {}", m.path, src.lines().nth(l - 1).unwrap_or("").trim()),
        None => format!("{}: nothing in `{spec}` starts like that line", m.path),
    };
    Err(format!(
        "{at}: the excerpt of `{spec}` from {} no longer matches the source (compared without layout and \
         comments; `...` skips source).\n    excerpt: {doc}:{excerpt_at}: {excerpt_text}\n    source:  {where_source}",
        m.path
    ))
}

/// A ```` ```python ```` excerpt of a whole file (`file`): its first line names the file
/// (`# tests/seeds/python/x.py`), and the rest is found in the file word by word, a line
/// holding only `...` leaving out any part of it.
fn check_python_excerpt(
    root: &Path,
    doc: &str,
    block: &markdown::Block,
    m: &markdown::Marker,
) -> Result<(), String> {
    let at = format!("{doc}:{}", block.line);
    let spec = m.item.trim();
    if spec != "file" {
        return Err(format!(
            "{at}: a ```python excerpt quotes a file (`<!-- excerpt: {} file -->`), not `{spec}`",
            m.path
        ));
    }
    let src = std::fs::read_to_string(root.join(&m.path))
        .map_err(|e| format!("{at}: the excerpt names {}, which cannot be read ({e})", m.path))?;
    let mut lines = block.body.lines();
    let first = lines.next().unwrap_or("").trim();
    if first != format!("# {}", m.path) {
        return Err(format!(
            "{at}: the excerpt of {} must name its file on its first line, for the reader: `# {}` (it has \
             `{first}`)",
            m.path, m.path
        ));
    }
    let rest: String = lines.map(|l| format!("{l}\n")).collect();
    let excerpt = excerpt::words(&rest, 2, true);
    if excerpt.iter().all(|t| t.kind == lexer::Kind::Elision) {
        return Err(format!("{at}: the excerpt of {} shows nothing", m.path));
    }
    let source = excerpt::words(&src, 1, false);
    let Err(mismatch) = excerpt::compare(&excerpt, &source) else { return Ok(()) };
    let excerpt_text = block.body.lines().nth(mismatch.excerpt_line - 1).unwrap_or("").trim();
    let where_source = match mismatch.source_line {
        Some(l) => format!("{}:{l}: {}", m.path, src.lines().nth(l - 1).unwrap_or("").trim()),
        None => format!("{}: nothing in the file starts like that line", m.path),
    };
    Err(format!(
        "{at}: the excerpt of {} no longer matches the file (compared word by word; a `...` line skips \
         source).\n    excerpt: {doc}:{}: {excerpt_text}\n    source:  {where_source}",
        m.path,
        block.line + mismatch.excerpt_line
    ))
}

/// The Markdown files `src/lib.rs` includes as doctests (`include_str!("../docs/..")`
/// under `cfg(doctest)`), relative to the root.
pub fn doctest_includes(root: &Path) -> Vec<String> {
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).expect("src/lib.rs");
    let mut out = Vec::new();
    for line in lib.lines() {
        if let Some(rest) = line.split("include_str!(\"../").nth(1) {
            if let Some(path) = rest.split('"').next() {
                out.push(path.to_string());
            }
        }
    }
    out
}

/// Every `.md` file in `dir` (relative to `root`), sorted.
pub fn markdown_files(root: &Path, dir: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root.join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| {
            let p = e.ok()?.path();
            let name = p.file_name()?.to_str()?;
            (p.extension()? == "md").then(|| format!("{dir}/{name}"))
        })
        .collect();
    out.sort();
    out
}

/// Every file and directory under `root`, relative to it, except build output and git's.
pub fn repo_paths(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name == "target" || name == ".git" {
                continue;
            }
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            if path.is_dir() {
                out.push(format!("{rel}/"));
                walk(root, &path, out);
            } else {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}
