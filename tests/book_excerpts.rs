//! The book cannot rot: every Rust block in `docs/book/*.md` and `docs/ARCHITECTURE.md`
//! is either a program, compiled and run as a doctest, or an excerpt checked against the
//! file and item it names. The convention is in `tests/docs_check/mod.rs`.

mod docs_check;

use docs_check::{check_doc, doctest_includes, markdown_files, root};

/// The Markdown files whose Rust blocks must compile or match their source.
fn checked_docs() -> Vec<String> {
    let mut docs = markdown_files(&root(), "docs/book");
    docs.push("docs/ARCHITECTURE.md".to_string());
    docs
}

#[test]
fn every_rust_block_of_the_book_compiles_or_matches_its_source() {
    let root = root();
    let mut failures = Vec::new();
    let (mut excerpts, mut doctests) = (0, 0);
    for doc in checked_docs() {
        let md = std::fs::read_to_string(root.join(&doc)).unwrap();
        let report = check_doc(&root, &doc, &md);
        excerpts += report.excerpts;
        doctests += report.doctests;
        failures.extend(report.failures);
    }
    assert!(
        failures.is_empty(),
        "{} of the book's code blocks are out of date or unchecked:\n\n{}\n",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(excerpts > 0 && doctests > 0, "found {excerpts} excerpts and {doctests} programs: none?");
}

#[test]
fn every_chapter_is_compiled_as_a_doctest() {
    let included = doctest_includes(&root());
    let missing: Vec<String> = checked_docs().into_iter().filter(|d| !included.contains(d)).collect();
    assert!(
        missing.is_empty(),
        "these files are not compiled as doctests, so their ```rust blocks are not checked: {missing:?}.\n\
         Add to the `book` module at the end of src/lib.rs:\n    #[doc = include_str!(\"../{}\")]\n    \
         pub struct ...;",
        missing.first().map(String::as_str).unwrap_or("")
    );
}

/// The porting guide's Python is checked like its Rust: every ```` ```python ```` block of
/// chapter 8 quotes a program of `tests/seeds/python/` under an excerpt marker.
#[test]
fn every_python_block_of_the_porting_guide_quotes_a_seed_program() {
    let doc = "docs/book/08-porting-asyncio.md";
    let md = std::fs::read_to_string(root().join(doc)).unwrap();
    let blocks = docs_check::markdown::blocks(&md).unwrap();
    let python: Vec<_> = blocks.iter().filter(|b| b.lang() == "python").collect();
    assert!(python.len() >= 10, "{doc} quotes {} Python programs", python.len());
    for b in python {
        let m = b
            .marker
            .as_ref()
            .unwrap_or_else(|| panic!("{doc}:{}: a ```python block without a marker", b.line));
        assert!(m.path.starts_with("tests/seeds/python/"), "{doc}:{}: quotes {}", b.line, m.path);
    }
}

/// A Python excerpt edited away from its program fails, naming the file and the line.
#[test]
fn a_python_excerpt_edited_away_from_its_program_fails() {
    let root = root();
    let doc = "docs/book/08-porting-asyncio.md";
    let md = std::fs::read_to_string(root.join(doc)).unwrap();
    assert!(check_doc(&root, doc, &md).failures.is_empty(), "{doc} must be clean to start with");
    let edited = md.replacen("raise           # always re-raise!", "return          # always re-raise!", 1);
    assert_ne!(edited, md, "chapter 8 quotes the re-raise");
    let report = check_doc(&root, doc, &edited);
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    let message = &report.failures[0];
    for needle in [doc, "tests/seeds/python/seed002_cancellation.py", "return", "raise"] {
        assert!(message.contains(needle), "the message does not name {needle:?}:\n{message}");
    }
}

/// The check fails, naming the chapter, the item and the file, when an excerpt no
/// longer says what its source says. Takes a real excerpt and changes one word of it.
#[test]
fn an_excerpt_edited_away_from_its_source_fails_naming_chapter_item_and_file() {
    let root = root();
    let doc = "docs/book/01-the-task-cell.md";
    let md = std::fs::read_to_string(root.join(doc)).unwrap();
    assert!(check_doc(&root, doc, &md).failures.is_empty(), "{doc} must be clean to start with");
    let marker = "<!-- excerpt: executor/src/task/harness.rs fn complete -->";
    let at = md.find(marker).expect("chapter 1 quotes `complete`");
    let (before, after) = md.split_at(at);
    let edited = format!("{before}{}", after.replacen("h.scheduler().release(", "h.scheduler().unlink(", 1));
    assert_ne!(edited, md, "the excerpt of `complete` calls release");
    let report = check_doc(&root, doc, &edited);
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    let message = &report.failures[0];
    for needle in [doc, "`fn complete`", "executor/src/task/harness.rs", "unlink", "h.scheduler().release("] {
        assert!(message.contains(needle), "the message does not name {needle:?}:\n{message}");
    }
}

/// Layout, comments and trailing commas do not count; `...` skips source; order does.
#[test]
fn layout_comments_and_elisions_do_not_count_order_does() {
    use docs_check::excerpt::compare;
    use docs_check::items::{Source, parse_spec};
    use docs_check::lexer::{drop_trailing_commas, tokens};

    let src = "impl Thing {\n    /// Docs.\n    pub(crate) fn go(&self, a: u32) -> u32 {\n        let b = a + 1; // one\n        \
               let c = f(b, \"// not a comment\",);\n        c * 2\n    }\n}\nfn go() {}\n";
    let file = Source::new(tokens(src, false));
    let spec = parse_spec("fn Thing::go").unwrap();
    let found = file.candidates(&spec);
    assert_eq!(found.len(), 1, "the method, not the free function");
    let (s, e) = found[0];
    let item = drop_trailing_commas(file.tokens[s..=e].to_vec());
    let check = |excerpt: &str| compare(&drop_trailing_commas(tokens(excerpt, true)), &item);

    assert!(check("pub(crate) fn go(&self, a: u32) -> u32 { let b = a + 1; /* why */").is_ok());
    assert!(check("let c = f(\n    b,\n    \"// not a comment\"\n);").is_ok());
    assert!(check("fn go(&self, a: u32) -> u32 {\n    // ...\n    c * 2\n}").is_ok());
    assert!(check("let b = a + 1;\n...\nc * 2").is_ok());
    assert!(check("c * 2\n// ...\nlet b = a + 1;").is_err(), "order counts");
    let wrong = check("let b = a + 1;\nlet c = g(b, \"// not a comment\");").unwrap_err();
    assert_eq!(wrong.excerpt_line, 2, "the line that differs");
    assert!(check("let c = f(b, \"/* other */\");").is_err(), "strings count");
    assert_eq!(file.candidates(&parse_spec("fn go").unwrap()).len(), 2, "ambiguous without its owner");
}
