//! Every `unsafe fn` of the workspace's crates says, in a `# Safety` section of its doc
//! comment, what its caller must guarantee (in a trait impl, the trait's declaration says
//! it; clippy's `missing_safety_doc` sees only public functions). The lint
//! `unsafe_op_in_unsafe_fn`, denied in each crate's `Cargo.toml`, makes each unsafe
//! operation in its body a block of its own, and clippy's `undocumented_unsafe_blocks`
//! asks each block for its SAFETY argument; this checks the other half of the contract.

use std::path::Path;

/// `unsafe fn`s of `src` (a file's text) whose doc comment has no `# Safety` section, as
/// (line, name).
fn undocumented(src: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = src.lines().collect();
    let mut out = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let code = line.split("//").next().unwrap();
        let Some(at) = code.find("unsafe fn ") else { continue };
        let name: String = code[at + "unsafe fn ".len()..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue; // `unsafe fn(...)`, a function pointer type
        }
        let documented = lines[..n]
            .iter()
            .rev()
            .take_while(|l| {
                let t = l.trim_start();
                t.starts_with("///") || t.starts_with("#[")
            })
            .any(|l| l.trim_start().trim_start_matches('/').trim() == "# Safety");
        if !documented && !in_trait_impl(&lines[..n], line) {
            out.push((n + 1, name));
        }
    }
    out
}

/// Whether the item on `line` sits in an `impl Trait for Type` block: its contract is the
/// trait's, whose declaration carries the `# Safety` section.
fn in_trait_impl(before: &[&str], line: &str) -> bool {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let own = indent(line);
    before.iter().rev().find(|l| !l.trim().is_empty() && indent(l) < own).is_some_and(|l| {
        let t = l.trim_start();
        (t.starts_with("impl") || t.starts_with("unsafe impl")) && t.contains(" for ")
    })
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_unsafe_fn_of_the_workspace_has_a_safety_section() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["executor/src", "primitives/src", "structured/src", "macros/src", "src"] {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() > 50, "found {} files", files.len());
    let mut missing = Vec::new();
    let mut seen = 0;
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap();
        seen += src.lines().filter(|l| l.split("//").next().unwrap().contains("unsafe fn ")).count();
        for (line, name) in undocumented(&src) {
            missing.push(format!("{}:{line}: unsafe fn {name}", f.strip_prefix(root).unwrap().display()));
        }
    }
    assert!(seen > 20, "found only {seen} unsafe fns: did the search break?");
    assert!(missing.is_empty(), "unsafe fns without a `# Safety` section:\n{}\n", missing.join("\n"));
}

#[test]
fn a_missing_safety_section_is_reported() {
    let src = "/// # Safety\n/// `p` is live.\nunsafe fn ok(p: *const u8) {}\n\n/// Reads.\n#[inline]\n\
               pub(crate) unsafe fn bad(p: *const u8) {}\nstruct V { f: unsafe fn(u8) }\n";
    assert_eq!(undocumented(src), vec![(7, "bad".to_string())]);
    let in_impls = "impl S {\n    unsafe fn inherent(p: *const u8) {}\n}\nimpl T for S {\n    unsafe fn from_trait() {}\n}\n";
    assert_eq!(
        undocumented(in_impls),
        vec![(2, "inherent".to_string())],
        "a trait impl's contract is the trait's"
    );
}
