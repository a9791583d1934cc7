//! Does an excerpt still say what the source says?
//!
//! The excerpt and the item it names are compared as token lists (see `lexer`): layout,
//! comments and the comma at the end of a list do not count. The excerpt is cut at each
//! elision into segments, and the segments must be found in the item in order, without
//! overlapping: an excerpt may start and end anywhere inside its item and leave out any
//! part of it, but what it shows must be there, in that order.
//!
//! A text excerpt (a diagram or table quoted from a module doc) is compared word by
//! word, a run of a line-drawing character (`----`, `────`) counting as one, and a line
//! holding only `...` is its elision.

use super::lexer::{Kind, Token};

/// Where an excerpt stops matching its source.
#[derive(Debug)]
pub struct Mismatch {
    /// The line of the excerpt's body (1-based, in the excerpt) where it goes on
    /// differently from the source.
    pub excerpt_line: usize,
    /// The line of the source where the longest match of that part ended, if any part
    /// matched.
    pub source_line: Option<usize>,
    /// Tokens of the differing part that did match (0: its first token is nowhere).
    pub matched: usize,
}

fn find(haystack: &[Token], needle: &[Token]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w.iter().zip(needle).all(|(a, b)| a.same(b)))
}

/// Checks that `excerpt`'s segments occur in `source` in order.
pub fn compare(excerpt: &[Token], source: &[Token]) -> Result<(), Mismatch> {
    let mut pos = 0;
    for segment in excerpt.split(|t| t.kind == Kind::Elision) {
        if segment.is_empty() {
            continue;
        }
        if let Some(at) = find(&source[pos..], segment) {
            pos += at + segment.len();
            continue;
        }
        // Not there: find the longest prefix that is, to say where the two part.
        let mut best: Option<(usize, usize)> = None; // (length, start)
        for len in (1..segment.len()).rev() {
            if let Some(at) = find(&source[pos..], &segment[..len]) {
                best = Some((len, pos + at));
                break;
            }
        }
        return Err(match best {
            Some((len, start)) => Mismatch {
                excerpt_line: segment[len].line,
                source_line: source.get(start + len).or(source.get(start + len - 1)).map(|t| t.line),
                matched: len,
            },
            None => Mismatch { excerpt_line: segment[0].line, source_line: None, matched: 0 },
        });
    }
    Ok(())
}

/// The words of a text, each with its line; a line holding only `...` is an elision
/// when `elisions` is set.
pub fn words(text: &str, first_line: usize, elisions: bool) -> Vec<Token> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if elisions && line.trim() == "..." {
            out.push(Token { kind: Kind::Elision, text: "...".into(), line: first_line + n });
            continue;
        }
        for w in line.split_whitespace() {
            out.push(Token { kind: Kind::Word, text: squash_rules(w), line: first_line + n });
        }
    }
    out
}

/// `|--------|` and `|---|` are the same table rule, `──────►` and `──►` the same arrow:
/// a run of a line-drawing character is layout.
fn squash_rules(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if matches!(c, '-' | '─' | '━' | '═') && out.ends_with(c) {
            continue;
        }
        out.push(c);
    }
    out
}

/// A file's module doc (its `//!` lines) as text, and the line each text line came from.
pub fn module_doc(src: &str) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut lines = Vec::new();
    for (n, line) in src.lines().enumerate() {
        if let Some(doc) = line.trim_start().strip_prefix("//!") {
            text.push_str(doc.strip_prefix(' ').unwrap_or(doc));
            text.push('\n');
            lines.push(n + 1);
        }
    }
    (text, lines)
}
