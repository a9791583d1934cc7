//! Printing values the way the seeds' Python prints them, so that an example's output
//! can be compared line for line with CPython's (tests/seeds/expected/).
//!
//! The recipes print Python objects: `print(results)` of a list of strings shows
//! `['a', 'b']`, a dict shows `{'url': 'x', 'status': 'ok'}`, a bool `True`. [`Repr`] is
//! Python's `repr()` for the Rust values the examples use in their place; an example's
//! own struct (the recipe's dict) implements it with [`dict`]. [`Logger`] is the
//! `logging` module as the recipes configure it (`basicConfig(stream=sys.stdout)`: the
//! default format `LEVEL:logger:message`).
//!
//! An example includes this file with `#[path = "support/py.rs"] mod py;`.
#![allow(dead_code)]

/// Python's `repr()`.
pub trait Repr {
    /// The text `repr(self)` gives in Python.
    fn repr(&self) -> String;
}

/// `repr()` of `value`.
pub fn repr<T: Repr + ?Sized>(value: &T) -> String {
    value.repr()
}

impl Repr for str {
    fn repr(&self) -> String {
        // Python quotes with ' unless the text holds a ' and no ".
        let quote = if self.contains('\'') && !self.contains('"') { '"' } else { '\'' };
        let mut out = String::with_capacity(self.len() + 2);
        out.push(quote);
        for c in self.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c == quote => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        out.push(quote);
        out
    }
}

impl Repr for String {
    fn repr(&self) -> String {
        self.as_str().repr()
    }
}

impl<T: Repr + ?Sized> Repr for &T {
    fn repr(&self) -> String {
        (**self).repr()
    }
}

impl<T: Repr + ?Sized> Repr for Box<T> {
    fn repr(&self) -> String {
        (**self).repr()
    }
}

impl<T: Repr + ?Sized> Repr for std::sync::Arc<T> {
    fn repr(&self) -> String {
        (**self).repr()
    }
}

macro_rules! repr_int {
    ($($t:ty)*) => {$(
        impl Repr for $t {
            fn repr(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
repr_int!(i8 i16 i32 i64 u8 u16 u32 u64 usize isize);

impl Repr for f64 {
    fn repr(&self) -> String {
        // Python writes a whole float with ".0"; otherwise both print the shortest
        // text that reads back the same number.
        if self.is_finite() && self.fract() == 0.0 && self.abs() < 1e16 {
            format!("{self:.1}")
        } else {
            self.to_string()
        }
    }
}

impl Repr for bool {
    fn repr(&self) -> String {
        py_bool(*self).to_string()
    }
}

impl Repr for () {
    fn repr(&self) -> String {
        "None".to_string()
    }
}

impl<T: Repr> Repr for Option<T> {
    fn repr(&self) -> String {
        match self {
            Some(v) => v.repr(),
            None => "None".to_string(),
        }
    }
}

impl<T: Repr> Repr for [T] {
    fn repr(&self) -> String {
        let items: Vec<String> = self.iter().map(Repr::repr).collect();
        format!("[{}]", items.join(", "))
    }
}

impl<T: Repr> Repr for Vec<T> {
    fn repr(&self) -> String {
        self.as_slice().repr()
    }
}

impl<T: Repr, const N: usize> Repr for [T; N] {
    fn repr(&self) -> String {
        self.as_slice().repr()
    }
}

impl<A: Repr, B: Repr> Repr for (A, B) {
    fn repr(&self) -> String {
        format!("({}, {})", self.0.repr(), self.1.repr())
    }
}

impl<A: Repr, B: Repr, C: Repr> Repr for (A, B, C) {
    fn repr(&self) -> String {
        format!("({}, {}, {})", self.0.repr(), self.1.repr(), self.2.repr())
    }
}

/// A dict literal's repr, `{'key': value, ...}`, from its fields in order.
pub fn dict(fields: &[(&str, &dyn Repr)]) -> String {
    let items: Vec<String> = fields.iter().map(|(k, v)| format!("{}: {}", k.repr(), v.repr())).collect();
    format!("{{{}}}", items.join(", "))
}

/// Python's spelling of a bool.
pub fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// A level of the `logging` module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `logging.DEBUG`
    Debug = 10,
    /// `logging.INFO`
    Info = 20,
    /// `logging.WARNING`, the default.
    Warning = 30,
    /// `logging.ERROR`
    Error = 40,
}

/// `logging.getLogger(name)` after `logging.basicConfig(stream=sys.stdout)`: records at
/// the logger's level or above are printed to stdout as `LEVEL:name:message`.
pub struct Logger {
    name: &'static str,
    level: std::sync::atomic::AtomicU8,
}

impl Logger {
    /// A logger at the default level (WARNING). The recipes log through
    /// `getLogger(__name__)`, which in the program CPython runs is `"__main__"`.
    pub const fn new(name: &'static str) -> Logger {
        Logger { name, level: std::sync::atomic::AtomicU8::new(Level::Warning as u8) }
    }

    /// `logger.setLevel(level)`.
    pub fn set_level(&self, level: Level) {
        self.level.store(level as u8, std::sync::atomic::Ordering::Relaxed);
    }

    fn log(&self, level: Level, label: &str, message: &str) {
        if level as u8 >= self.level.load(std::sync::atomic::Ordering::Relaxed) {
            println!("{label}:{}:{message}", self.name);
        }
    }

    /// `logger.debug(message)`.
    pub fn debug(&self, message: &str) {
        self.log(Level::Debug, "DEBUG", message);
    }

    /// `logger.info(message)`.
    pub fn info(&self, message: &str) {
        self.log(Level::Info, "INFO", message);
    }

    /// `logger.warning(message)`.
    pub fn warning(&self, message: &str) {
        self.log(Level::Warning, "WARNING", message);
    }

    /// `logger.error(message)`.
    pub fn error(&self, message: &str) {
        self.log(Level::Error, "ERROR", message);
    }
}
