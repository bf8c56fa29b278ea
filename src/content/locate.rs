//! Where a field sits in a RON file.
//!
//! Serde gives no positions for values, yet a content author needs `file:line:column` for every
//! problem, including semantic ones found after parsing (`min > max`, an unknown object kind). This
//! module scans the RON text once and maps field paths such as `surfaces[1].roughness` to the line
//! and column where that value starts. Paths use `.field` for struct fields and map keys and `[i]`
//! for sequence and tuple elements, the same scheme the validators use to name fields.

use std::collections::HashMap;

/// A 1-based line and column in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// Field paths of one RON source mapped to their positions.
#[derive(Debug, Default)]
pub struct SourceMap {
    positions: HashMap<String, LineCol>,
}

impl SourceMap {
    /// Scans `source`; never fails (a syntax error just ends the scan early).
    pub fn build(source: &str) -> Self {
        let mut scanner = Scanner::new(source);
        scanner.run(None);
        SourceMap { positions: scanner.positions }
    }

    /// Whether the source writes `path` itself (not only an ancestor of it).
    pub fn has(&self, path: &str) -> bool {
        self.positions.contains_key(path)
    }

    /// Position of `path`, or of its nearest recorded ancestor (`a.b[2].c` -> `a.b[2]` -> `a.b` -> `a`).
    pub fn locate(&self, path: &str) -> Option<LineCol> {
        let mut current = path;
        loop {
            if let Some(position) = self.positions.get(current) {
                return Some(*position);
            }
            let cut = current.rfind(['.', '['])?;
            current = &current[..cut];
        }
    }

    /// The innermost field path open at `at` (used to name the field a syntax error sits in).
    pub fn path_at(source: &str, at: LineCol) -> String {
        let mut scanner = Scanner::new(source);
        scanner.run(Some(at));
        scanner.current_path()
    }
}

#[derive(Debug)]
struct Frame {
    path: String,
    /// `(` struct or tuple, `[` sequence, `{` map.
    open: char,
    index: usize,
    field: Option<String>,
}

impl Frame {
    /// Path of the value currently being read inside this frame.
    fn child_path(&self) -> String {
        match (&self.field, self.open) {
            (Some(field), _) if self.path.is_empty() => field.clone(),
            (Some(field), _) => format!("{}.{field}", self.path),
            (None, _) => format!("{}[{}]", self.path, self.index),
        }
    }
}

struct Scanner {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    column: usize,
    stack: Vec<Frame>,
    positions: HashMap<String, LineCol>,
    /// Last string literal in a map, a key candidate.
    last_string: Option<String>,
}

impl Scanner {
    fn new(source: &str) -> Self {
        Scanner {
            chars: source.chars().collect(),
            pos: 0,
            line: 1,
            column: 1,
            stack: Vec::new(),
            positions: HashMap::new(),
            last_string: None,
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn here(&self) -> LineCol {
        LineCol { line: self.line, column: self.column }
    }

    fn current_path(&self) -> String {
        match self.stack.last() {
            Some(frame) if frame.field.is_some() || frame.open == '[' => frame.child_path(),
            Some(frame) => frame.path.clone(),
            None => String::new(),
        }
    }

    /// Records where the value now starting inside the top frame begins.
    fn mark_value_start(&mut self) {
        if let Some(frame) = self.stack.last() {
            let path = frame.child_path();
            let here = self.here();
            self.positions.entry(path).or_insert(here);
        }
    }

    fn skip_trivia(&mut self) {
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while let Some(c) = self.bump() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                (Some('/'), Some('*')) => {
                    self.bump();
                    self.bump();
                    while self.peek(0).is_some() && !(self.peek(0) == Some('*') && self.peek(1) == Some('/')) {
                        self.bump();
                    }
                    self.bump();
                    self.bump();
                }
                _ => return,
            }
        }
    }

    fn run(&mut self, stop_at: Option<LineCol>) {
        loop {
            self.skip_trivia();
            if let Some(stop) = stop_at
                && (self.line, self.column) >= (stop.line, stop.column)
            {
                return;
            }
            let Some(c) = self.peek(0) else { return };
            match c {
                '(' | '[' | '{' => {
                    self.mark_value_start();
                    let path = match self.stack.last() {
                        Some(frame) => frame.child_path(),
                        None => String::new(),
                    };
                    // A `Name(` type prefix already marked this value; the bracket opens its body.
                    self.bump();
                    self.stack.push(Frame { path, open: c, index: 0, field: None });
                }
                ')' | ']' | '}' => {
                    self.bump();
                    self.stack.pop();
                }
                ',' => {
                    self.bump();
                    if let Some(frame) = self.stack.last_mut() {
                        frame.index += 1;
                        frame.field = None;
                    }
                }
                ':' => {
                    self.bump();
                    // `"key": value` in a map.
                    if let Some(key) = self.last_string.take()
                        && let Some(frame) = self.stack.last_mut()
                        && frame.open == '{'
                    {
                        frame.field = Some(key);
                    }
                }
                '"' => {
                    self.mark_value_start();
                    let text = self.read_string();
                    self.last_string = Some(text);
                }
                c if c.is_alphabetic() || c == '_' => {
                    let start = self.here();
                    let ident = self.read_while(|c| c.is_alphanumeric() || c == '_');
                    self.skip_trivia();
                    let is_field = self.peek(0) == Some(':') && self.peek(1) != Some(':');
                    let in_struct = self.stack.last().is_some_and(|f| f.open == '(');
                    if is_field && in_struct {
                        self.bump();
                        let frame = self.stack.last_mut().expect("checked above");
                        frame.field = Some(ident);
                        let path = frame.child_path();
                        self.positions.entry(path).or_insert(start);
                    } else if let Some(frame) = self.stack.last() {
                        // An enum variant, a type name before `(`, or a bare identifier value.
                        let path = frame.child_path();
                        self.positions.entry(path).or_insert(start);
                    }
                }
                _ => {
                    // Numbers, chars and other scalars.
                    self.mark_value_start();
                    self.read_while(|c| !(c.is_whitespace() || ",:()[]{}\"".contains(c)));
                }
            }
        }
    }

    fn read_while(&mut self, keep: impl Fn(char) -> bool) -> String {
        let mut text = String::new();
        while let Some(c) = self.peek(0) {
            if !keep(c) {
                break;
            }
            text.push(c);
            self.bump();
        }
        if text.is_empty() {
            // Always make progress on an unexpected character.
            if let Some(c) = self.bump() {
                text.push(c);
            }
        }
        text
    }

    fn read_string(&mut self) -> String {
        self.bump(); // opening quote
        let mut text = String::new();
        while let Some(c) = self.bump() {
            match c {
                '\\' => {
                    if let Some(escaped) = self.bump() {
                        text.push(escaped);
                    }
                }
                '"' => break,
                c => text.push(c),
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"SceneDef(
    name: "room",
    // a comment with (brackets) and "quotes"
    surfaces: [
        Surface(name: "floor", size: (1.0, 2.0, 3.0)),
        Surface(
            name: "table",
            roughness: (0.9, 0.1),
        ),
    ],
    colors: { "red": (1.0, 0.0, 0.0), "blue": (0.0, 0.0, 1.0) },
    objects: ["mug", "ball"],
)"#;

    #[test]
    fn finds_nested_fields_elements_and_map_keys() {
        let map = SourceMap::build(SOURCE);
        assert_eq!(map.locate("name"), Some(LineCol { line: 2, column: 5 }));
        assert_eq!(map.locate("surfaces[0].size"), Some(LineCol { line: 5, column: 32 }));
        assert_eq!(map.locate("surfaces[1].roughness"), Some(LineCol { line: 8, column: 13 }));
        assert_eq!(map.locate("surfaces[1].roughness[1]"), Some(LineCol { line: 8, column: 30 }));
        assert_eq!(map.locate("colors.blue"), Some(LineCol { line: 11, column: 47 }));
        assert_eq!(map.locate("objects[1]"), Some(LineCol { line: 12, column: 22 }));
        // Unknown leaves fall back to their parent.
        assert_eq!(map.locate("surfaces[1].missing"), map.locate("surfaces[1]"));
    }

    #[test]
    fn names_the_field_open_at_a_position() {
        let at = LineCol { line: 8, column: 25 };
        assert_eq!(SourceMap::path_at(SOURCE, at), "surfaces[1].roughness");
    }
}
