//! The conformance records cannot drift from what they describe. For every record
//! `docs/conformance/test_<file>.md`:
//!
//! - its totals line counts its rows: each status with the number of rows that have it,
//!   and `(N cases` the rows that are cases CPython runs (all but `disabled in CPython`);
//! - its row in `docs/conformance.md` shows the same numbers;
//! - every Rust test a row names is a `#[test]` function in one of the test files the
//!   record names before its table (a `<class>` or `*` in a file name matches any text),
//!   and every row whose status says the case is ported names one.
//!
//! Plain text parsing with the standard library: the records are Markdown tables of the
//! form `| class | case | Rust test | status | notes |`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The status of a row that is not one of the cases CPython runs.
const NOT_A_CASE: &str = "disabled in CPython";

/// Row statuses that say a Rust test exists for the case.
const WITH_A_TEST: [&str; 3] = ["ported", "deliberately different", NOT_A_CASE];

#[derive(Debug)]
struct Row {
    line: usize,
    case: String,
    test: Option<String>,
    status: String,
}

/// A record: the text before its table, and its rows.
#[derive(Debug)]
struct Record {
    preamble: String,
    rows: Vec<Row>,
}

type Counts = BTreeMap<String, usize>;

fn parse_record(text: &str) -> Result<Record, String> {
    let mut preamble = String::new();
    let mut rows = Vec::new();
    let mut in_table = false;
    for (i, line) in text.lines().enumerate() {
        if !in_table {
            if line.starts_with("| class | case | Rust test | status |") {
                in_table = true;
            } else {
                preamble.push_str(line);
                preamble.push('\n');
            }
            continue;
        }
        if line.starts_with("|---") {
            continue;
        }
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        if cells.len() < 4 {
            return Err(format!("line {}: a row with fewer than four cells", i + 1));
        }
        let test = match cells[2] {
            "—" | "" => None,
            t => Some(
                t.strip_prefix('`')
                    .and_then(|t| t.strip_suffix('`'))
                    .ok_or_else(|| format!("line {}: the Rust test cell is not `a_name`: {t}", i + 1))?
                    .to_string(),
            ),
        };
        rows.push(Row { line: i + 1, case: cells[1].to_string(), test, status: cells[3].to_string() });
    }
    if rows.is_empty() {
        return Err("no table of cases (| class | case | Rust test | status | notes |)".into());
    }
    Ok(Record { preamble, rows })
}

fn row_counts(rows: &[Row]) -> Counts {
    let mut counts = Counts::new();
    for r in rows {
        *counts.entry(r.status.clone()).or_default() += 1;
    }
    counts
}

fn cases(counts: &Counts) -> usize {
    counts.iter().filter(|(s, _)| s.as_str() != NOT_A_CASE).map(|(_, n)| n).sum()
}

/// `Totals: 67 ported, passing; 4 deliberately different (75 cases).`, possibly wrapped
/// over several lines: the counts by status, and the number of cases.
fn parse_totals(preamble: &str) -> Result<(Counts, usize), String> {
    let start = preamble.find("\nTotals: ").ok_or("no line starting with `Totals: `")? + "\nTotals: ".len();
    let para = preamble[start..].split("\n\n").next().unwrap_or("").replace('\n', " ");
    // The first "(<digits> cases" ends the counts (a status may hold parentheses).
    let mut at = None;
    for (i, _) in para.match_indices('(') {
        let digits: String = para[i + 1..].chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && para[i + 1 + digits.len()..].starts_with(" cases") {
            at = Some((i, digits.parse::<usize>().unwrap()));
            break;
        }
    }
    let (end, n_cases) = at.ok_or("the totals line has no `(N cases`")?;
    let mut counts = Counts::new();
    for item in para[..end].trim().split("; ") {
        let (n, status) = item.split_once(' ').ok_or_else(|| format!("not `<n> <status>`: {item:?}"))?;
        let n: usize = n.parse().map_err(|_| format!("not `<n> <status>`: {item:?}"))?;
        if counts.insert(status.to_string(), n).is_some() {
            return Err(format!("status {status:?} counted twice"));
        }
    }
    counts.retain(|_, n| *n > 0);
    Ok((counts, n_cases))
}

/// The row of `file` (`test_locks.py`) in the table of `docs/conformance.md`: the counts
/// by status its columns and `(+n status)` notes show, and its number of cases.
fn parse_summary_row(summary: &str, file: &str, record_link: &str) -> Result<(Counts, usize), String> {
    let mut lines = summary.lines().skip_while(|l| !l.starts_with("| file |"));
    let header: Vec<&str> = lines
        .next()
        .ok_or("docs/conformance.md has no table starting `| file |`")?
        .trim()
        .trim_matches('|')
        .split('|')
        .map(str::trim)
        .collect();
    let row = lines
        .take_while(|l| l.starts_with('|'))
        .find(|l| l.trim_start_matches('|').trim_start().starts_with(&format!("{file} ")))
        .ok_or_else(|| format!("docs/conformance.md has no row for {file}"))?;
    let cells: Vec<&str> = row.trim().trim_matches('|').split('|').map(str::trim).collect();
    if cells.len() != header.len() {
        return Err(format!("the row of {file} has {} cells, the header {}", cells.len(), header.len()));
    }
    let number = |cell: &str| -> Result<usize, String> {
        cell.parse().map_err(|_| format!("{file}: not a number: {cell:?}"))
    };
    let mut counts = Counts::new();
    let mut n_cases = None;
    for (column, cell) in header.iter().zip(&cells) {
        match *column {
            "file" => {}
            "record" => {
                if !cell.contains(record_link) {
                    return Err(format!("{file}: the record cell does not link {record_link}: {cell}"));
                }
            }
            "cases" => n_cases = Some(number(cell)?),
            status => {
                let (n, extras) = match cell.split_once(" (") {
                    Some((n, rest)) => (n, rest.strip_suffix(')').unwrap_or(rest)),
                    None => (*cell, ""),
                };
                counts.insert(status.to_string(), number(n)?);
                for extra in extras.split(", +").filter(|e| !e.is_empty()) {
                    let extra = extra.strip_prefix('+').unwrap_or(extra);
                    let (n, status) =
                        extra.split_once(' ').ok_or_else(|| format!("{file}: not `+n status`: {extra:?}"))?;
                    if counts.insert(status.to_string(), number(n)?).is_some() {
                        return Err(format!("{file}: status {status:?} shown twice"));
                    }
                }
            }
        }
    }
    counts.retain(|_, n| *n > 0);
    Ok((counts, n_cases.ok_or("docs/conformance.md's table has no `cases` column")?))
}

/// The test files a record names before its table: backquoted paths ending in `.rs`.
fn test_file_patterns(preamble: &str) -> Vec<String> {
    preamble
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|t| t.ends_with(".rs") && t.contains('/') && !t.contains(' '))
        .map(str::to_string)
        .collect()
}

/// `*` (and a `<placeholder>`) match any text.
fn wildcard_match(pattern: &str, name: &str) -> bool {
    let mut pattern = pattern.to_string();
    while let (Some(a), Some(b)) = (pattern.find('<'), pattern.find('>')) {
        if b < a {
            break;
        }
        pattern.replace_range(a..=b, "*");
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

fn expand(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let (dir, file) = pattern.rsplit_once('/').unwrap_or((".", pattern));
    let Ok(entries) = fs::read_dir(root.join(dir)) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| wildcard_match(file, n)))
        .collect();
    files.sort();
    files
}

/// Whether `source` has `fn name(` with `#[test]` among the attributes and comments above it.
fn has_test_fn(source: &str, name: &str) -> bool {
    let lines: Vec<&str> = source.lines().collect();
    lines.iter().enumerate().any(|(i, line)| {
        let l = line.trim_start();
        let is_fn = l.strip_prefix("fn ").or_else(|| l.strip_prefix("async fn ")).is_some_and(|rest| {
            rest.strip_prefix(name).is_some_and(|after| after.starts_with('(') || after.starts_with('<'))
        });
        is_fn
            && lines[..i]
                .iter()
                .rev()
                .map(|l| l.trim())
                .take_while(|l| l.starts_with("#[") || l.starts_with("//"))
                .any(|l| l == "#[test]")
    })
}

/// Whether a row's test exists in the sources: `name`, or `module::name` for tests in a
/// module (the module's name must appear in the same file).
fn test_exists(sources: &[String], test: &str) -> bool {
    let (module, name) = match test.rsplit_once("::") {
        Some((m, n)) => (Some(m), n),
        None => (None, test),
    };
    sources
        .iter()
        .any(|s| has_test_fn(s, name) && module.is_none_or(|m| m.split("::").all(|m| s.contains(m))))
}

/// Everything wrong with one record, as messages.
fn check_record(root: &Path, file: &str, text: &str, summary: &str) -> Vec<String> {
    let record = match parse_record(text) {
        Ok(r) => r,
        Err(e) => return vec![e],
    };
    let mut problems = Vec::new();
    let counts = row_counts(&record.rows);
    let n_cases = cases(&counts);

    match parse_totals(&record.preamble) {
        Ok((totals, n)) => {
            if totals != counts {
                problems.push(format!("the totals line says {totals:?}, the rows count {counts:?}"));
            }
            if n != n_cases {
                problems.push(format!("the totals line says {n} cases, the rows hold {n_cases}"));
            }
        }
        Err(e) => problems.push(e),
    }

    let stem = file.trim_end_matches(".md");
    match parse_summary_row(summary, &format!("{stem}.py"), &format!("conformance/{file}")) {
        Ok((shown, n)) => {
            if shown != counts {
                problems.push(format!("docs/conformance.md shows {shown:?}, the rows count {counts:?}"));
            }
            if n != n_cases {
                problems.push(format!("docs/conformance.md shows {n} cases, the rows hold {n_cases}"));
            }
        }
        Err(e) => problems.push(e),
    }

    let patterns = test_file_patterns(&record.preamble);
    let files: Vec<PathBuf> = patterns.iter().flat_map(|p| expand(root, p)).collect();
    if files.is_empty() {
        problems.push(format!("no test file found for the files the record names: {patterns:?}"));
        return problems;
    }
    let sources: Vec<String> = files.iter().map(|f| fs::read_to_string(f).unwrap_or_default()).collect();
    for row in &record.rows {
        match &row.test {
            Some(test) if !test_exists(&sources, test) => problems
                .push(format!("line {}: {}: no #[test] fn `{test}` in {patterns:?}", row.line, row.case)),
            None if WITH_A_TEST.iter().any(|s| row.status.starts_with(s)) => problems
                .push(format!("line {}: {}: status {:?} but no Rust test", row.line, row.case, row.status)),
            _ => {}
        }
    }
    problems
}

#[test]
fn every_record_matches_its_rows_its_summary_and_its_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let summary = fs::read_to_string(root.join("docs/conformance.md")).unwrap();
    let mut records: Vec<PathBuf> = fs::read_dir(root.join("docs/conformance"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name().unwrap().to_str().unwrap().starts_with("test_") && p.extension().unwrap() == "md"
        })
        .collect();
    records.sort();
    assert!(records.len() >= 5, "the records are in docs/conformance/: {records:?}");

    let mut problems = Vec::new();
    for path in &records {
        let file = path.file_name().unwrap().to_str().unwrap();
        let text = fs::read_to_string(path).unwrap();
        for p in check_record(root, file, &text, &summary) {
            problems.push(format!("docs/conformance/{file}: {p}"));
        }
    }
    // Every row of the summary has a record.
    for line in
        summary.lines().skip_while(|l| !l.starts_with("| file |")).skip(2).take_while(|l| l.starts_with('|'))
    {
        let file = line.trim_matches('|').split('|').next().unwrap().trim();
        let md = file.replace(".py", ".md");
        if !records.iter().any(|r| r.file_name().unwrap().to_str() == Some(md.as_str())) {
            problems.push(format!("docs/conformance.md: a row for {file}, but no docs/conformance/{md}"));
        }
    }
    assert!(problems.is_empty(), "the conformance records drifted:\n{}", problems.join("\n"));
}

// The checker itself, on small records: each kind of drift is caught.

const SUMMARY: &str = "\
| file | cases | ported, passing | deliberately different | not applicable | record |
|---|---|---|---|---|---|
| test_x.py | 3 | 1 (+1 ported, adapted, +1 disabled in CPython) | 1 | 0 | [x](conformance/test_x.md) |
";

fn record(totals: &str, tests: [&str; 4]) -> String {
    format!(
        "# test_x.py\n\nPorted to `tests/conformance_records.rs`.\n\n{totals}\n\n\
         | class | case | Rust test | status | notes |\n|---|---|---|---|---|\n\
         | T | test_a | {} | ported, passing |  |\n\
         | T | test_b | {} | ported, adapted | note |\n\
         | T | test_c | {} | deliberately different | why |\n\
         | T | _test_d | {} | disabled in CPython |  |\n",
        tests[0], tests[1], tests[2], tests[3]
    )
}

const TOTALS: &str = "Totals: 1 ported, passing; 1 ported, adapted; 1 deliberately different;\n1 disabled in CPython (3 cases).";
const TESTS: [&str; 4] = [
    "`checker_finds_a_row_that_drifted`",
    "`checker_finds_a_summary_that_drifted`",
    "`checker_finds_a_test_that_does_not_exist`",
    "`every_record_matches_its_rows_its_summary_and_its_tests`",
];

fn check(text: &str, summary: &str) -> Vec<String> {
    check_record(Path::new(env!("CARGO_MANIFEST_DIR")), "test_x.md", text, summary)
}

#[test]
fn checker_accepts_a_record_that_matches() {
    assert_eq!(check(&record(TOTALS, TESTS), SUMMARY), Vec::<String>::new());
}

#[test]
fn checker_finds_a_row_that_drifted() {
    let totals = TOTALS.replace("1 deliberately different", "2 deliberately different");
    let problems = check(&record(&totals, TESTS), SUMMARY);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("the totals line says"), "{problems:?}");
    let totals = TOTALS.replace("(3 cases)", "(4 cases)");
    assert_eq!(check(&record(&totals, TESTS), SUMMARY), ["the totals line says 4 cases, the rows hold 3"]);
}

#[test]
fn checker_finds_a_summary_that_drifted() {
    let summary = SUMMARY.replace("| 1 | 0 |", "| 0 | 1 |");
    let problems = check(&record(TOTALS, TESTS), &summary);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("docs/conformance.md shows"), "{problems:?}");
    let summary = SUMMARY.replace("| test_x.py | 3 |", "| test_x.py | 4 |");
    assert_eq!(
        check(&record(TOTALS, TESTS), &summary),
        ["docs/conformance.md shows 4 cases, the rows hold 3"]
    );
}

#[test]
fn checker_finds_a_test_that_does_not_exist() {
    let mut tests = TESTS;
    tests[1] = "`no_such_test`";
    tests[2] = "—";
    let problems = check(&record(TOTALS, tests), SUMMARY);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("test_b: no #[test] fn `no_such_test`"), "{problems:?}");
    assert!(
        problems[1].contains("test_c: status \"deliberately different\" but no Rust test"),
        "{problems:?}"
    );
    // `check` is a function of this file, but not a #[test].
    tests = TESTS;
    tests[0] = "`check`";
    assert_eq!(check(&record(TOTALS, tests), SUMMARY).len(), 1);
}

#[test]
fn wildcards_in_file_names() {
    assert!(wildcard_match("cpython_test_locks_<class>.rs", "cpython_test_locks_barrier.rs"));
    assert!(wildcard_match("cpython_test_queues_*.rs", "cpython_test_queues_basic.rs"));
    assert!(!wildcard_match("cpython_test_queues_*.rs", "cpython_test_locks_lock.rs"));
    assert!(wildcard_match("cpython_test_waitfor.rs", "cpython_test_waitfor.rs"));
    assert!(!wildcard_match("cpython_test_waitfor.rs", "cpython_test_waitfor_pending.rs"));
}
