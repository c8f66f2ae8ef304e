//! Strict JSON (RFC 8259) into a flat arena, losing nothing: numbers keep their text and exact value,
//! members keep their order. Refused exactly as `ingest/src/decode/json-text.ts` refuses, with the same
//! messages (offsets in UTF-16 code units, as the TypeScript parser counts them).

pub const MAX_DEPTH: u32 = 256;

/// A number as it was written: an integer literal exactly, a fraction as the nearest double.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    Int(i64),
    /// Beyond 64 bits, within 38 digits.
    Big(i128),
    /// An integer literal of more than 38 digits.
    TooManyDigits,
    Double(f64),
    /// A fraction or exponent beyond the range of a double.
    Infinite,
}

#[derive(Clone, Copy, Debug)]
pub enum Node {
    Null,
    Bool(bool),
    Num { num: Num, start: u32, end: u32 },
    /// `owned`: the bytes are in `Doc::owned` (the string had escapes), else in the source.
    Str { start: u32, end: u32, owned: bool },
    /// Elements are `kids[start..start+len]`.
    Arr { start: u32, len: u32 },
    /// Members are `kids[start..start+2*len]`, name and value by turns.
    Obj { start: u32, len: u32 },
}

/// A parsed record value; reused from record to record so that parsing allocates nothing once warm.
#[derive(Default)]
pub struct Doc {
    pub nodes: Vec<Node>,
    pub kids: Vec<u32>,
    pub owned: Vec<u8>,
    stack: Vec<u32>,
}

pub struct JsonError(pub String);

impl Doc {
    pub fn str_bytes<'a>(&'a self, src: &'a [u8], node: u32) -> &'a [u8] {
        match self.nodes[node as usize] {
            Node::Str { start, end, owned } => {
                if owned {
                    &self.owned[start as usize..end as usize]
                } else {
                    &src[start as usize..end as usize]
                }
            }
            _ => &[],
        }
    }

    /// Members of an object node as (name node, value node) pairs.
    pub fn members(&self, node: u32) -> impl Iterator<Item = (u32, u32)> + '_ {
        let (start, len) = match self.nodes[node as usize] {
            Node::Obj { start, len } => (start as usize, len as usize),
            _ => (0, 0),
        };
        self.kids[start..start + 2 * len].chunks_exact(2).map(|c| (c[0], c[1]))
    }

    pub fn elements(&self, node: u32) -> &[u32] {
        match self.nodes[node as usize] {
            Node::Arr { start, len } => &self.kids[start as usize..(start + len) as usize],
            _ => &[],
        }
    }

    /// The value of the object's member at `index` (in the order written).
    pub fn member_value(&self, node: u32, index: usize) -> u32 {
        match self.nodes[node as usize] {
            Node::Obj { start, .. } => self.kids[start as usize + 2 * index + 1],
            _ => node,
        }
    }

    /// The value of member `name` of object `node` (None when absent).
    pub fn member(&self, src: &[u8], node: u32, name: &[u8]) -> Option<u32> {
        self.members(node).find(|&(k, _)| self.str_bytes(src, k) == name).map(|(_, v)| v)
    }

    pub fn is_null(&self, node: u32) -> bool {
        matches!(self.nodes[node as usize], Node::Null)
    }

    /// Parses `bytes` (a whole record value); the root node id, or the message the TS parser gives.
    pub fn parse(&mut self, bytes: &[u8]) -> Result<u32, JsonError> {
        self.nodes.clear();
        self.kids.clear();
        self.owned.clear();
        self.stack.clear();
        if std::str::from_utf8(bytes).is_err() {
            return Err(JsonError("invalid JSON: the bytes are not UTF-8".into()));
        }
        // TextDecoder drops a leading byte order mark.
        let start = if bytes.starts_with(&[0xef, 0xbb, 0xbf]) { 3 } else { 0 };
        let mut p = Parser { doc: self, src: bytes, pos: start, base: start };
        let root = p.value(0)?;
        p.ws();
        if p.pos != bytes.len() {
            return Err(p.fail("trailing characters"));
        }
        Ok(root)
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any of the eight bytes may be `"`, `\` or below 0x20 (never false when one is; a byte after
/// one may show up too, which the byte-by-byte scan then settles).
fn needs_a_look(word: u64) -> bool {
    let quote = word ^ (ONES * b'"' as u64);
    let backslash = word ^ (ONES * b'\\' as u64);
    let zero_in = |x: u64| x.wrapping_sub(ONES) & !x;
    (zero_in(quote) | zero_in(backslash) | (word.wrapping_sub(ONES * 0x20) & !word)) & HIGHS != 0
}

struct Parser<'a> {
    doc: &'a mut Doc,
    src: &'a [u8],
    pos: usize,
    base: usize,
}

impl Parser<'_> {
    fn fail(&self, what: &str) -> JsonError {
        // The TS parser counts offsets in UTF-16 code units of the decoded text.
        let text = &self.src[self.base..self.pos.min(self.src.len())];
        let mut units = 0usize;
        for &b in text {
            if b & 0xc0 != 0x80 {
                units += 1;
            }
            if b >= 0xf0 {
                units += 1;
            }
        }
        JsonError(format!("invalid JSON at offset {units}: {what}"))
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(c) = self.peek() {
            if c == b' ' || c == b'\n' || c == b'\r' || c == b'\t' {
                self.pos += 1;
            } else {
                return;
            }
        }
    }

    fn push(&mut self, node: Node) -> u32 {
        self.doc.nodes.push(node);
        (self.doc.nodes.len() - 1) as u32
    }

    fn value(&mut self, depth: u32) -> Result<u32, JsonError> {
        self.ws();
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string(),
            Some(b't') => self.literal(b"true", Node::Bool(true)),
            Some(b'f') => self.literal(b"false", Node::Bool(false)),
            Some(b'n') => self.literal(b"null", Node::Null),
            _ => self.number(),
        }
    }

    fn literal(&mut self, word: &[u8], node: Node) -> Result<u32, JsonError> {
        if !self.src[self.pos..].starts_with(word) {
            return Err(self.fail("expected a value"));
        }
        self.pos += word.len();
        Ok(self.push(node))
    }

    fn digits(&self, mut at: usize) -> usize {
        while at < self.src.len() && self.src[at].is_ascii_digit() {
            at += 1;
        }
        at
    }

    /// As the sticky regex -?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)? matches.
    fn number(&mut self) -> Result<u32, JsonError> {
        let start = self.pos;
        let src = self.src;
        let mut at = start;
        if src.get(at) == Some(&b'-') {
            at += 1;
        }
        match src.get(at) {
            Some(b'0') => at += 1,
            Some(b'1'..=b'9') => at = self.digits(at + 1),
            _ => return Err(self.fail("expected a value")),
        }
        let mut integer = true;
        if src.get(at) == Some(&b'.') && src.get(at + 1).is_some_and(u8::is_ascii_digit) {
            at = self.digits(at + 1);
            integer = false;
        }
        if matches!(src.get(at), Some(b'e' | b'E')) {
            let mut e = at + 1;
            if matches!(src.get(e), Some(b'+' | b'-')) {
                e += 1;
            }
            if src.get(e).is_some_and(u8::is_ascii_digit) {
                at = self.digits(e);
                integer = false;
            }
        }
        self.pos = at;
        let text = std::str::from_utf8(&src[start..at]).unwrap_or("0");
        let num = if integer { integer_value(text) } else { double_value(text) };
        Ok(self.push(Node::Num { num, start: start as u32, end: at as u32 }))
    }

    fn hex4(&self, at: usize) -> Result<u32, JsonError> {
        let digits = self.src.get(at..at + 4).ok_or_else(|| self.fail("invalid \\u escape"))?;
        let mut v = 0u32;
        for &d in digits {
            let h = (d as char).to_digit(16).ok_or_else(|| self.fail("invalid \\u escape"))?;
            v = v * 16 + h;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<u32, JsonError> {
        self.pos += 1;
        let begin = self.pos;
        // The common case: no escapes, the bytes are the string's.
        loop {
            // Eight bytes at a time while none is a quote, a backslash or a control character.
            while let Some(word) = self.src.get(self.pos..self.pos + 8) {
                if needs_a_look(u64::from_le_bytes(word.try_into().expect("eight bytes"))) {
                    break;
                }
                self.pos += 8;
            }
            match self.peek() {
                Some(b'"') => {
                    let end = self.pos;
                    self.pos += 1;
                    return Ok(self.push(Node::Str { start: begin as u32, end: end as u32, owned: false }));
                }
                Some(b'\\') => break,
                Some(c) if c < 0x20 => return Err(self.fail("control character in a string")),
                None => return Err(self.fail("unterminated string")),
                Some(_) => self.pos += 1,
            }
        }
        let owned_start = self.doc.owned.len();
        self.doc.owned.extend_from_slice(&self.src[begin..self.pos]);
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    let end = self.doc.owned.len();
                    return Ok(self.push(Node::Str { start: owned_start as u32, end: end as u32, owned: true }));
                }
                Some(b'\\') => {
                    let escaped = self.src.get(self.pos + 1).copied();
                    let ch = match escaped {
                        Some(b'"') => b'"',
                        Some(b'\\') => b'\\',
                        Some(b'/') => b'/',
                        Some(b'b') => 8,
                        Some(b'f') => 12,
                        Some(b'n') => b'\n',
                        Some(b'r') => b'\r',
                        Some(b't') => b'\t',
                        Some(b'u') => {
                            let c = self.unicode_escape()?;
                            let mut buf = [0u8; 4];
                            self.doc.owned.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                            continue;
                        }
                        other => {
                            let shown = match other {
                                None => "undefined".to_string(),
                                Some(_) => {
                                    let rest = std::str::from_utf8(&self.src[self.pos + 1..]).unwrap_or("");
                                    rest.chars().next().map(String::from).unwrap_or_default()
                                }
                            };
                            return Err(self.fail(&format!("invalid escape \\{shown}")));
                        }
                    };
                    self.doc.owned.push(ch);
                    self.pos += 2;
                }
                Some(c) if c < 0x20 => return Err(self.fail("control character in a string")),
                None => return Err(self.fail("unterminated string")),
                Some(c) => {
                    self.doc.owned.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// A \u escape (a surrogate pair is one character; a lone surrogate has no UTF-8 form).
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let unit = self.hex4(self.pos + 2)?;
        self.pos += 6;
        if !(0xd800..=0xdfff).contains(&unit) {
            return Ok(char::from_u32(unit).unwrap_or('\u{fffd}'));
        }
        if unit <= 0xdbff && self.src[self.pos..].starts_with(b"\\u") {
            let low = self.hex4(self.pos + 2)?;
            if (0xdc00..=0xdfff).contains(&low) {
                self.pos += 6;
                let c = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
                return Ok(char::from_u32(c).unwrap_or('\u{fffd}'));
            }
        }
        Err(self.fail(&format!("lone surrogate \\u{unit:x}, which UTF-8 cannot hold")))
    }

    fn object(&mut self, depth: u32) -> Result<u32, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.fail(&format!("nested deeper than {MAX_DEPTH} levels")));
        }
        self.pos += 1;
        let mark = self.doc.stack.len();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(self.finish(mark, true));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.fail("expected a member name"));
            }
            let name = self.string()?;
            if self.duplicate(mark, name) {
                let shown = String::from_utf8_lossy(self.doc.str_bytes(self.src, name)).into_owned();
                return Err(self.fail(&format!("member \"{shown}\" appears twice")));
            }
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.fail("expected \":\""));
            }
            self.pos += 1;
            let value = self.value(depth)?;
            self.doc.stack.push(name);
            self.doc.stack.push(value);
            self.ws();
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(self.finish(mark, true));
                }
                Some(b',') => self.pos += 1,
                _ => return Err(self.fail("expected \",\" or \"}\"")),
            }
        }
    }

    /// Whether the object already has this member name. Every member of every record is checked, so
    /// names that differ in length or in their last byte are told apart without a full compare.
    fn duplicate(&self, mark: usize, name: u32) -> bool {
        let bytes = self.doc.str_bytes(self.src, name);
        self.doc.stack[mark..].iter().step_by(2).any(|&k| {
            let other = self.doc.str_bytes(self.src, k);
            other.len() == bytes.len() && other.last() == bytes.last() && other == bytes
        })
    }

    fn array(&mut self, depth: u32) -> Result<u32, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.fail(&format!("nested deeper than {MAX_DEPTH} levels")));
        }
        self.pos += 1;
        let mark = self.doc.stack.len();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(self.finish(mark, false));
        }
        loop {
            let v = self.value(depth)?;
            self.doc.stack.push(v);
            self.ws();
            match self.peek() {
                Some(b']') => {
                    self.pos += 1;
                    return Ok(self.finish(mark, false));
                }
                Some(b',') => self.pos += 1,
                _ => return Err(self.fail("expected \",\" or \"]\"")),
            }
        }
    }

    fn finish(&mut self, mark: usize, object: bool) -> u32 {
        let start = self.doc.kids.len() as u32;
        let n = (self.doc.stack.len() - mark) as u32;
        let Doc { stack, kids, .. } = &mut *self.doc;
        kids.extend(stack.drain(mark..));
        self.push(if object { Node::Obj { start, len: n / 2 } } else { Node::Arr { start, len: n } })
    }
}

fn integer_value(text: &str) -> Num {
    let digits = text.strip_prefix('-').unwrap_or(text).len();
    if digits <= 18 {
        return text.parse::<i64>().map(Num::Int).unwrap_or(Num::TooManyDigits);
    }
    if digits > 38 {
        return Num::TooManyDigits;
    }
    match text.parse::<i128>() {
        Ok(v) => i64::try_from(v).map(Num::Int).unwrap_or(Num::Big(v)),
        Err(_) => Num::TooManyDigits,
    }
}

fn double_value(text: &str) -> Num {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Num::Double(v),
        _ => Num::Infinite,
    }
}

#[cfg(test)]
mod word_scan_tests {
    use super::needs_a_look;

    #[test]
    fn a_word_needs_a_look_exactly_when_it_holds_a_quote_backslash_or_control_character() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut word = [b'a'; 8];
                word[at] = b;
                let special = b == b'"' || b == b'\\' || b < 0x20;
                assert_eq!(needs_a_look(u64::from_le_bytes(word)), special, "byte {b:#x} at {at}");
            }
        }
        assert!(!needs_a_look(u64::from_le_bytes(*b"\xc3\xa9\xe2\x82\xac ~\x7f")));
    }
}
