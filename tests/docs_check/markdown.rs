//! Fenced code blocks of a Markdown file, each with the excerpt marker above it, if any.
//!
//! The marker is an HTML comment on its own line, directly above the fence (blank lines
//! between are allowed):
//!
//! ```text
//! <!-- excerpt: executor/src/task/harness.rs fn complete -->
//! ```

#[derive(Debug, Clone)]
pub struct Marker {
    /// 1-based line of the marker.
    pub line: usize,
    /// The file it names, relative to the repository root.
    pub path: String,
    /// The item in that file (see `items::parse_spec`).
    pub item: String,
}

#[derive(Debug, Clone)]
pub struct Block {
    /// 1-based line of the opening fence.
    pub line: usize,
    /// The info string: `rust`, `rust,ignore`, `text`, ...
    pub info: String,
    /// The lines between the fences, with the fence's indentation removed.
    pub body: String,
    pub marker: Option<Marker>,
}

impl Block {
    /// The language: the info string's first word.
    pub fn lang(&self) -> &str {
        self.info.split([',', ' ']).next().unwrap_or("").trim()
    }

    /// The info string's attributes after the language (`ignore`, `no_run`, ...).
    pub fn attrs(&self) -> Vec<&str> {
        self.info.split([',', ' ']).skip(1).map(str::trim).filter(|a| !a.is_empty()).collect()
    }
}

fn parse_marker(line: &str, number: usize) -> Option<Result<Marker, String>> {
    let inner = line.trim().strip_prefix("<!--")?.strip_suffix("-->")?.trim();
    let rest = inner.strip_prefix("excerpt:")?.trim();
    let Some((path, item)) = rest.split_once(char::is_whitespace) else {
        return Some(Err(format!("line {number}: an excerpt marker names a file and an item: `{line}`")));
    };
    Some(Ok(Marker { line: number, path: path.to_string(), item: item.trim().to_string() }))
}

/// Every fenced block of `md`, or the first malformed marker.
pub fn blocks(md: &str) -> Result<Vec<Block>, String> {
    let lines: Vec<&str> = md.lines().collect();
    let mut out = Vec::new();
    let mut pending: Option<Marker> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        if let Some(m) = parse_marker(line, i + 1) {
            if let Some(p) = pending.take() {
                return Err(format!("line {}: excerpt marker with no code block below it", p.line));
            }
            pending = Some(m?);
            i += 1;
            continue;
        }
        let ticks = trimmed.chars().take_while(|&c| c == '`').count();
        if ticks >= 3 {
            let indent = line.len() - trimmed.len();
            let info = trimmed[ticks..].trim().to_string();
            let mut body = Vec::new();
            let mut j = i + 1;
            while j < lines.len() {
                let l = lines[j].trim_start();
                let closing = l.chars().take_while(|&c| c == '`').count();
                if closing >= ticks && l[closing..].trim().is_empty() {
                    break;
                }
                let raw = lines[j];
                let strip = raw.len() - raw.trim_start().len();
                body.push(&raw[strip.min(indent)..]);
                j += 1;
            }
            if j == lines.len() {
                return Err(format!("line {}: a code block that is never closed", i + 1));
            }
            out.push(Block { line: i + 1, info, body: body.join("\n"), marker: pending.take() });
            i = j + 1;
            continue;
        }
        if !line.trim().is_empty() {
            if let Some(p) = pending.take() {
                return Err(format!("line {}: excerpt marker with no code block below it", p.line));
            }
        }
        i += 1;
    }
    if let Some(p) = pending {
        return Err(format!("line {}: excerpt marker with no code block below it", p.line));
    }
    Ok(out)
}

/// The spans written in backticks in `md`, outside code blocks, with their lines.
pub fn code_spans(md: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_block = false;
    for (n, line) in md.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            continue;
        }
        let mut rest = line;
        while let Some(start) = rest.find('`') {
            let ticks = rest[start..].chars().take_while(|&c| c == '`').count();
            let after = &rest[start + ticks..];
            let fence = "`".repeat(ticks);
            let Some(end) = after.find(&fence) else { break };
            out.push((n + 1, after[..end].trim().to_string()));
            rest = &after[end + ticks..];
        }
    }
    out
}
