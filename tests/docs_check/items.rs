//! Finding items in Rust source without a parser: the region of tokens an excerpt names
//! (`fn complete`, `fn Local::pop`, `struct Vtable`, `impl Schedule for RootSchedule`),
//! and every declaration of a file (for the names ARCHITECTURE.md mentions).
//!
//! Items are found by their keyword and name; their extent by matching brackets. An
//! `impl` is an item (not `-> impl Trait`) when it starts a statement or follows an
//! attribute. A method's owner is the self type of the `impl` block it is in (its last
//! path segment before any generics, `Harness` for `impl<F, S> Harness<F, S>`, or the whole
//! type, `Arc<Shared>`), or the trait whose body declares it.

use super::lexer::{Kind, Token, matching_brackets};

/// What an excerpt marker names inside its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spec {
    /// `fn name` or `fn Owner::name`.
    Fn { owner: Option<String>, name: String },
    /// `struct Name`, `enum Name`, `trait Name`, `type Name`, `const NAME`, `static NAME`,
    /// `mod name`, `union Name`, `macro name`.
    Named { keyword: String, name: String },
    /// `impl Type` or `impl Trait for Type`.
    Impl { trait_name: Option<String>, ty: String },
    /// `module doc`: the file's `//!` comment, compared as text.
    ModuleDoc,
    /// `file`: the whole file.
    File,
}

impl std::fmt::Display for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Spec::Fn { owner: Some(o), name } => write!(f, "fn {o}::{name}"),
            Spec::Fn { owner: None, name } => write!(f, "fn {name}"),
            Spec::Named { keyword, name } => write!(f, "{keyword} {name}"),
            Spec::Impl { trait_name: Some(t), ty } => write!(f, "impl {t} for {ty}"),
            Spec::Impl { trait_name: None, ty } => write!(f, "impl {ty}"),
            Spec::ModuleDoc => f.write_str("module doc"),
            Spec::File => f.write_str("file"),
        }
    }
}

const NAMED: &[&str] = &["struct", "enum", "trait", "type", "const", "static", "mod", "union", "macro"];

pub fn parse_spec(s: &str) -> Result<Spec, String> {
    let words: Vec<&str> = s.split_whitespace().collect();
    let squash = |w: &[&str]| w.concat();
    match words.as_slice() {
        ["module", "doc"] => Ok(Spec::ModuleDoc),
        ["file"] => Ok(Spec::File),
        ["fn", path] => Ok(match path.rsplit_once("::") {
            Some((owner, name)) => Spec::Fn { owner: Some(owner.to_string()), name: name.to_string() },
            None => Spec::Fn { owner: None, name: path.to_string() },
        }),
        ["impl", rest @ ..] if !rest.is_empty() => match rest.iter().position(|w| *w == "for") {
            Some(k) if k > 0 && k + 1 < rest.len() => {
                Ok(Spec::Impl { trait_name: Some(squash(&rest[..k])), ty: squash(&rest[k + 1..]) })
            }
            Some(_) => Err(format!("`{s}`: expected `impl Trait for Type`")),
            None => Ok(Spec::Impl { trait_name: None, ty: squash(rest) }),
        },
        [kw, name] if NAMED.contains(kw) => {
            Ok(Spec::Named { keyword: kw.to_string(), name: name.to_string() })
        }
        _ => Err(format!(
            "`{s}` is not an item: write `fn name`, `fn Type::name`, `struct Name` (or enum, trait, type, \
             const, static, mod, union, macro), `impl Type`, `impl Trait for Type`, `module doc` or `file`"
        )),
    }
}

/// A block of an `impl` or a `trait`, with the names a method in it is owned by.
#[derive(Debug)]
pub struct Block {
    /// Where the item starts (its attributes and visibility included) and the index of
    /// its closing brace.
    pub start: usize,
    pub open: usize,
    pub close: usize,
    /// For an `impl`: the self type's last segment and the whole type; for a `trait`: its
    /// name (twice).
    pub owner: String,
    pub owner_full: String,
    /// For an `impl Trait for Type`: the trait's last segment.
    pub trait_name: Option<String>,
    pub is_trait: bool,
}

/// A source file's tokens with what the finders need.
pub struct Source {
    pub tokens: Vec<Token>,
    /// For each opening bracket, its closing one; and the reverse.
    close: Vec<Option<usize>>,
    open: Vec<Option<usize>>,
    blocks: Vec<Block>,
    /// The bodies of every `fn`, as (open, close).
    fn_bodies: Vec<(usize, usize)>,
}

impl Source {
    pub fn new(tokens: Vec<Token>) -> Source {
        let close = matching_brackets(&tokens);
        let mut open = vec![None; tokens.len()];
        for (o, c) in close.iter().enumerate() {
            if let Some(c) = c {
                open[*c] = Some(o);
            }
        }
        let mut s = Source { tokens, close, open, blocks: Vec::new(), fn_bodies: Vec::new() };
        s.blocks = s.find_blocks();
        s.fn_bodies = (0..s.tokens.len())
            .filter_map(|i| {
                if s.word(i) != Some("fn") || s.word(i + 1).is_none() {
                    return None;
                }
                let open = s.body_or_end(i + 1).filter(|&o| s.punct(o, '{'))?;
                Some((open, s.close[open]?))
            })
            .collect();
        s
    }

    fn word(&self, i: usize) -> Option<&str> {
        self.tokens.get(i).filter(|t| t.kind == Kind::Word).map(|t| t.text.as_str())
    }

    fn punct(&self, i: usize, c: char) -> bool {
        self.tokens.get(i).is_some_and(|t| t.is_punct(c))
    }

    /// Whether the token at `i` starts an item: it follows the end of a statement or
    /// item, an opening brace, or an attribute.
    fn at_item_start(&self, i: usize) -> bool {
        let mut j = i;
        // Skip modifiers back to what precedes the item.
        while j > 0 {
            let p = &self.tokens[j - 1];
            let modifier = p.kind == Kind::Word
                && matches!(p.text.as_str(), "pub" | "unsafe" | "async" | "const" | "extern" | "default");
            let vis_group = p.is_punct(')') && self.pub_group_start(j - 1).is_some();
            if modifier {
                j -= 1;
            } else if vis_group {
                j = self.pub_group_start(j - 1).unwrap();
            } else if p.kind == Kind::Literal && j >= 2 && self.word(j - 2) == Some("extern") {
                j -= 1;
            } else {
                break;
            }
        }
        if j == 0 {
            return true;
        }
        let p = &self.tokens[j - 1];
        p.is_punct(';') || p.is_punct('{') || p.is_punct('}') || p.is_punct(']')
    }

    /// If the `)` at `i` closes `pub(...)`, the index of `pub`.
    fn pub_group_start(&self, i: usize) -> Option<usize> {
        let open = self.open[i]?;
        (open > 0 && self.word(open - 1) == Some("pub")).then_some(open - 1)
    }

    /// Where the item whose keyword is at `i` starts: its visibility, modifiers and
    /// attributes included.
    fn item_start(&self, i: usize) -> usize {
        let mut j = i;
        loop {
            if j == 0 {
                return 0;
            }
            let p = &self.tokens[j - 1];
            if p.kind == Kind::Word
                && matches!(p.text.as_str(), "pub" | "unsafe" | "async" | "const" | "extern" | "default")
            {
                j -= 1;
            } else if p.is_punct(')') && self.pub_group_start(j - 1).is_some() {
                j = self.pub_group_start(j - 1).unwrap();
            } else if p.kind == Kind::Literal && j >= 2 && self.word(j - 2) == Some("extern") {
                j -= 1;
            } else if p.is_punct(']') {
                // An attribute: `#[...]` (or `#![...]`, which belongs to the enclosing item:
                // stop there).
                let Some(open) = self.open[j - 1] else { return j };
                if open > 0 && self.punct(open - 1, '#') {
                    j = open - 1;
                } else {
                    return j;
                }
            } else {
                return j;
            }
        }
    }

    /// The first `{` or `;` after `from` outside parentheses and brackets: the body of the
    /// item, or its end.
    fn body_or_end(&self, from: usize) -> Option<usize> {
        let mut i = from;
        while i < self.tokens.len() {
            let t = &self.tokens[i];
            if t.is_punct('{') || t.is_punct(';') {
                return Some(i);
            }
            if (t.is_punct('(') || t.is_punct('[')) && self.close[i].is_some() {
                i = self.close[i].unwrap() + 1;
                continue;
            }
            i += 1;
        }
        None
    }

    /// The last token of the item whose header begins at `from`: the closing brace of its
    /// body, or its `;`.
    fn item_end(&self, from: usize) -> Option<usize> {
        let i = self.body_or_end(from)?;
        if self.tokens[i].is_punct('{') { self.close[i] } else { Some(i) }
    }

    /// For a type's tokens: its last path segment before generics, and all of it. A
    /// macro's metavariable keeps its `$` (`impl $ty` in a `macro_rules!`).
    fn type_names(tokens: &[Token]) -> (String, String) {
        let full: String = tokens.iter().map(|t| t.text.as_str()).collect();
        let mut base = String::new();
        for (k, t) in tokens.iter().enumerate() {
            if t.is_punct('<') {
                break;
            }
            if t.kind == Kind::Word && !matches!(t.text.as_str(), "dyn" | "mut" | "const") {
                let metavariable = k > 0 && tokens[k - 1].is_punct('$');
                base = if metavariable { format!("${}", t.text) } else { t.text.clone() };
            }
        }
        (base, full)
    }

    /// Skips a `<...>` starting at `i`; returns the index after the closing `>`.
    fn skip_generics(&self, mut i: usize) -> usize {
        if !self.punct(i, '<') {
            return i;
        }
        let mut depth = 0;
        while i < self.tokens.len() {
            let t = &self.tokens[i];
            if t.is_punct('<') {
                depth += 1;
            } else if t.is_punct('>') && !(i > 0 && self.punct(i - 1, '-')) {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            i += 1;
        }
        i
    }

    fn find_blocks(&self) -> Vec<Block> {
        let mut blocks = Vec::new();
        for i in 0..self.tokens.len() {
            match self.word(i) {
                Some("impl") if self.at_item_start(i) => {
                    let Some(open) = self.body_or_end(i + 1).filter(|&o| self.punct(o, '{')) else {
                        continue;
                    };
                    let Some(close) = self.close[open] else { continue };
                    let header_start = self.skip_generics(i + 1);
                    let mut header: &[Token] = &self.tokens[header_start..open];
                    if let Some(w) = header.iter().position(|t| t.is_word("where")) {
                        header = &header[..w];
                    }
                    let mut depth = 0i32;
                    let mut for_at = None;
                    for (k, t) in header.iter().enumerate() {
                        if t.is_punct('<') {
                            depth += 1;
                        } else if t.is_punct('>') && !(k > 0 && header[k - 1].is_punct('-')) {
                            depth -= 1;
                        } else if depth == 0 && t.is_word("for") {
                            for_at = Some(k);
                        }
                    }
                    let (trait_name, ty) = match for_at {
                        Some(k) => (Some(Self::type_names(&header[..k]).0), &header[k + 1..]),
                        None => (None, header),
                    };
                    let (owner, owner_full) = Self::type_names(ty);
                    let start = self.item_start(i);
                    blocks.push(Block { start, open, close, owner, owner_full, trait_name, is_trait: false });
                }
                Some("trait") if self.at_item_start(i) => {
                    let Some(name) = self.word(i + 1) else { continue };
                    let Some(open) = self.body_or_end(i + 1).filter(|&o| self.punct(o, '{')) else {
                        continue;
                    };
                    let Some(close) = self.close[open] else { continue };
                    let start = self.item_start(i);
                    let name = name.to_string();
                    blocks.push(Block {
                        start,
                        open,
                        close,
                        owner: name.clone(),
                        owner_full: name,
                        trait_name: None,
                        is_trait: true,
                    });
                }
                _ => {}
            }
        }
        blocks
    }

    /// The innermost impl or trait block whose body contains token `i` directly (not
    /// inside a function of it).
    fn owner_block(&self, i: usize) -> Option<&Block> {
        let b = self.blocks.iter().filter(|b| b.open < i && i < b.close).max_by_key(|b| b.open)?;
        // A `fn` nested in a method belongs to no block.
        let nested = self.fn_bodies.iter().any(|&(open, close)| b.open < open && open < i && i < close);
        (!nested).then_some(b)
    }

    /// Every item the spec can name, as `(first token, last token)`.
    pub fn candidates(&self, spec: &Spec) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        match spec {
            Spec::Fn { owner, name } => {
                for i in 0..self.tokens.len() {
                    if self.word(i) != Some("fn") || self.word(i + 1) != Some(name.as_str()) {
                        continue;
                    }
                    if let Some(owner) = owner {
                        let Some(b) = self.owner_block(i) else { continue };
                        if b.owner != *owner && b.owner_full != *owner {
                            continue;
                        }
                    }
                    if let Some(end) = self.item_end(i + 2) {
                        out.push((self.item_start(i), end));
                    }
                }
            }
            Spec::Named { keyword, name } => {
                for i in 0..self.tokens.len() {
                    let hit = if keyword == "macro" {
                        self.word(i) == Some("macro_rules")
                            && self.punct(i + 1, '!')
                            && self.word(i + 2) == Some(name.as_str())
                    } else {
                        self.word(i) == Some(keyword.as_str()) && self.word(i + 1) == Some(name.as_str())
                    };
                    if !hit || !self.at_item_start(i) {
                        continue;
                    }
                    let end = if matches!(keyword.as_str(), "const" | "static" | "type") {
                        (i..self.tokens.len()).find(|&k| self.punct(k, ';') && self.depth_between(i, k) == 0)
                    } else {
                        self.item_end(i + 2)
                    };
                    if let Some(end) = end {
                        out.push((self.item_start(i), end));
                    }
                }
            }
            Spec::Impl { trait_name, ty } => {
                for b in self.blocks.iter().filter(|b| !b.is_trait) {
                    let ty_ok = b.owner == *ty || b.owner_full == *ty;
                    if ty_ok && b.trait_name == *trait_name {
                        out.push((b.start, b.close));
                    }
                }
            }
            Spec::ModuleDoc | Spec::File => out.push((0, self.tokens.len().saturating_sub(1))),
        }
        out
    }

    /// Net bracket depth of the tokens `from..to`.
    fn depth_between(&self, from: usize, to: usize) -> i32 {
        let mut d = 0;
        for t in &self.tokens[from..to] {
            if t.is_punct('(') || t.is_punct('[') || t.is_punct('{') {
                d += 1;
            } else if t.is_punct(')') || t.is_punct(']') || t.is_punct('}') {
                d -= 1;
            }
        }
        d
    }
}

/// What a declaration is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclKind {
    Fn,
    Struct,
    Enum,
    Trait,
    Type,
    Const,
    Static,
    Mod,
    Union,
    Macro,
    Variant,
    Field,
}

impl DeclKind {
    /// Declarations that name a type (or something used like one in a path).
    pub fn is_type(self) -> bool {
        matches!(self, DeclKind::Struct | DeclKind::Enum | DeclKind::Trait | DeclKind::Type | DeclKind::Union)
    }
}

#[derive(Clone, Debug)]
pub struct Decl {
    pub kind: DeclKind,
    pub name: String,
    /// The type or trait a method, variant, field or associated item belongs to.
    pub owner: Option<String>,
    /// Inline `mod name { ... }` blocks around the declaration, outermost first.
    pub inline_mods: Vec<String>,
    pub line: usize,
}

impl Source {
    /// Every declaration in the file.
    pub fn declarations(&self) -> Vec<Decl> {
        let mut out = Vec::new();
        // Bodies of structs and enums, for fields and variants: (open, close, name, is_enum).
        let mut bodies: Vec<(usize, usize, String, bool)> = Vec::new();
        let mut mods: Vec<(usize, usize, String)> = Vec::new();
        for i in 0..self.tokens.len() {
            let Some(w) = self.word(i) else { continue };
            let kind = match w {
                "fn" => Some(DeclKind::Fn),
                "struct" => Some(DeclKind::Struct),
                "enum" => Some(DeclKind::Enum),
                "trait" => Some(DeclKind::Trait),
                "type" => Some(DeclKind::Type),
                "const" => Some(DeclKind::Const),
                "static" => Some(DeclKind::Static),
                "mod" => Some(DeclKind::Mod),
                "union" => Some(DeclKind::Union),
                "macro_rules" if self.punct(i + 1, '!') => Some(DeclKind::Macro),
                _ => None,
            };
            let Some(kind) = kind else { continue };
            let skip_mut = kind == DeclKind::Static && self.word(i + 1) == Some("mut");
            let name_at = if kind == DeclKind::Macro || skip_mut { i + 2 } else { i + 1 };
            let Some(name) = self.word(name_at) else { continue };
            if matches!(name, "fn" | "unsafe" | "extern" | "_" | "async") {
                continue;
            }
            // `fn` in a type (`unsafe fn(..)`) is followed by `(`, never a name; other
            // keywords must start an item (`type` in `impl Trait<Output = T>` does not).
            if kind != DeclKind::Fn && kind != DeclKind::Macro && !self.at_item_start(i) {
                continue;
            }
            let owner = if matches!(kind, DeclKind::Fn | DeclKind::Const | DeclKind::Type) {
                self.owner_block(i).map(|b| b.owner.clone())
            } else {
                None
            };
            let inline_mods =
                mods.iter().filter(|(o, c, _)| *o < i && i < *c).map(|(_, _, n)| n.clone()).collect();
            out.push(Decl { kind, name: name.to_string(), owner, inline_mods, line: self.tokens[i].line });
            if matches!(kind, DeclKind::Struct | DeclKind::Enum | DeclKind::Union | DeclKind::Mod) {
                if let Some(open) = self.body_or_end(name_at + 1).filter(|&o| self.punct(o, '{')) {
                    if let Some(close) = self.close[open] {
                        if kind == DeclKind::Mod {
                            mods.push((open, close, name.to_string()));
                        } else {
                            bodies.push((open, close, name.to_string(), kind == DeclKind::Enum));
                        }
                    }
                }
            }
        }
        // Fields and variants: words directly in a struct's or enum's body.
        for (open, close, name, is_enum) in bodies {
            let mut i = open + 1;
            while i < close {
                let t = &self.tokens[i];
                if (t.is_punct('(') || t.is_punct('[') || t.is_punct('{')) && self.close[i].is_some() {
                    // A variant's fields, an attribute, a visibility, a type's parameters: skip.
                    i = self.close[i].unwrap() + 1;
                    continue;
                }
                let after_sep = {
                    let p = &self.tokens[i - 1];
                    p.is_punct('{')
                        || p.is_punct(',')
                        || p.is_punct(']')
                        || p.is_word("pub")
                        || p.is_punct(')')
                };
                if t.kind == Kind::Word && after_sep && !t.is_word("pub") {
                    let field = !is_enum && self.punct(i + 1, ':') && !self.punct(i + 2, ':');
                    let variant = is_enum;
                    if field || variant {
                        out.push(Decl {
                            kind: if is_enum { DeclKind::Variant } else { DeclKind::Field },
                            name: t.text.clone(),
                            owner: Some(name.clone()),
                            inline_mods: Vec::new(),
                            line: t.line,
                        });
                    }
                }
                i += 1;
            }
        }
        out
    }
}
