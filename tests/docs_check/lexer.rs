//! Rust source as a list of tokens, comments and whitespace dropped.
//!
//! Just enough of Rust's lexical grammar to compare two pieces of code while ignoring
//! layout and comments: identifiers and numbers are words, string and character literals
//! are kept whole (so a `//` inside a string is not a comment), lifetimes are one token,
//! and every other character is a punctuation token of its own. Each token remembers its
//! line, so that a mismatch can be reported where a reader will look for it.
//!
//! In an excerpt (`elisions == true`), `...` and any comment that begins with `...`
//! (`// ...`, `/* ... the claim */`) become an [`Kind::Elision`]: the place where the
//! excerpt leaves out part of the source.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An identifier, keyword or number.
    Word,
    /// One character of punctuation.
    Punct,
    /// A string, byte-string or character literal, quotes included.
    Literal,
    /// `'a`, `'static`.
    Lifetime,
    /// Left out of an excerpt.
    Elision,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub kind: Kind,
    pub text: String,
    /// 1-based line in the text the token was read from.
    pub line: usize,
}

impl Token {
    pub fn is(&self, kind: Kind, text: &str) -> bool {
        self.kind == kind && self.text == text
    }

    pub fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct && self.text.len() == c.len_utf8() && self.text.starts_with(c)
    }

    pub fn is_word(&self, w: &str) -> bool {
        self.is(Kind::Word, w)
    }

    /// Same kind and text: what "the same code" means here.
    pub fn same(&self, other: &Token) -> bool {
        self.kind == other.kind && self.text == other.text
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The tokens of `src`. With `elisions`, `...` and comments that start with `...` are kept
/// as [`Kind::Elision`] tokens; otherwise every comment is dropped.
pub fn tokens(src: &str, elisions: bool) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let push = |out: &mut Vec<Token>, kind, text: String, line| out.push(Token { kind, text, line });
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
            continue;
        }
        if ch.is_whitespace() {
            i += 1;
            continue;
        }
        // Comments.
        if ch == '/' && at(i + 1) == '/' {
            let start = i;
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
            let body: String = c[start + 2..i].iter().collect();
            if elisions && body.trim_start_matches(['/', '!']).trim_start().starts_with("...") {
                push(&mut out, Kind::Elision, "...".into(), line);
            }
            continue;
        }
        if ch == '/' && at(i + 1) == '*' {
            let (start, start_line) = (i, line);
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
            let body: String = c[start + 2..i.saturating_sub(2).max(start + 2)].iter().collect();
            if elisions && body.trim_start_matches(['*', '!']).trim_start().starts_with("...") {
                push(&mut out, Kind::Elision, "...".into(), start_line);
            }
            continue;
        }
        // Raw strings: r"..", r#".."#, br"..".
        let raw_start = match (ch, at(i + 1)) {
            ('r', '"' | '#') => Some(i + 1),
            ('b', 'r') if matches!(at(i + 2), '"' | '#') => Some(i + 2),
            _ => None,
        };
        if let Some(mut j) = raw_start {
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            if at(j) == '"' {
                let start_line = line;
                j += 1;
                loop {
                    if j >= c.len() {
                        break;
                    }
                    if c[j] == '"' && (0..hashes).all(|h| at(j + 1 + h) == '#') {
                        j += 1 + hashes;
                        break;
                    }
                    if c[j] == '\n' {
                        line += 1;
                    }
                    j += 1;
                }
                push(&mut out, Kind::Literal, c[i..j.min(c.len())].iter().collect(), start_line);
                i = j;
                continue;
            }
        }
        // Strings and byte strings.
        if ch == '"' || (ch == 'b' && at(i + 1) == '"') {
            let (start, start_line) = (i, line);
            i += if ch == 'b' { 2 } else { 1 };
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if at(i) == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i = (i + 1).min(c.len());
            push(&mut out, Kind::Literal, c[start..i].iter().collect(), start_line);
            continue;
        }
        // Character literals and lifetimes.
        if ch == '\'' {
            if at(i + 1) == '\\' {
                let start = i;
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i = (i + 1).min(c.len());
                push(&mut out, Kind::Literal, c[start..i].iter().collect(), line);
                continue;
            }
            if at(i + 2) == '\'' {
                push(&mut out, Kind::Literal, c[i..i + 3].iter().collect(), line);
                i += 3;
                continue;
            }
            let start = i;
            i += 1;
            while i < c.len() && is_ident_char(c[i]) {
                i += 1;
            }
            push(&mut out, Kind::Lifetime, c[start..i].iter().collect(), line);
            continue;
        }
        if is_ident_char(ch) {
            let start = i;
            while i < c.len() && is_ident_char(c[i]) {
                i += 1;
            }
            push(&mut out, Kind::Word, c[start..i].iter().collect(), line);
            continue;
        }
        if elisions && ch == '.' && at(i + 1) == '.' && at(i + 2) == '.' {
            push(&mut out, Kind::Elision, "...".into(), line);
            i += 3;
            continue;
        }
        push(&mut out, Kind::Punct, ch.to_string(), line);
        i += 1;
    }
    out
}

/// Drops a comma that only ends a list (`f(a, b,)`, `S { a, }`): rustfmt adds or removes
/// them with the layout, so they are layout, not code. A comma before an elision or at
/// the end of an excerpt is dropped too: what follows it is not shown.
pub fn drop_trailing_commas(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    for (i, t) in tokens.iter().enumerate() {
        let closes = tokens
            .get(i + 1)
            .is_none_or(|n| n.is_punct(')') || n.is_punct(']') || n.is_punct('}') || n.kind == Kind::Elision);
        if t.is_punct(',') && closes {
            continue;
        }
        out.push(t.clone());
    }
    out
}

/// For each opening bracket (`(`, `[`, `{`), the index of the bracket that closes it.
pub fn matching_brackets(tokens: &[Token]) -> Vec<Option<usize>> {
    let mut close = vec![None; tokens.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.kind != Kind::Punct {
            continue;
        }
        match t.text.as_str() {
            "(" | "[" | "{" => stack.push(i),
            ")" | "]" | "}" => {
                if let Some(open) = stack.pop() {
                    close[open] = Some(i);
                }
            }
            _ => {}
        }
    }
    close
}

/// Tokens joined back into readable code, for messages.
pub fn render(tokens: &[Token]) -> String {
    let mut s = String::new();
    let mut prev_word = false;
    for t in tokens {
        let word = matches!(t.kind, Kind::Word | Kind::Literal | Kind::Lifetime | Kind::Elision);
        if prev_word && word {
            s.push(' ');
        }
        s.push_str(&t.text);
        prev_word = word;
    }
    s
}
