//! Avro values in the Confluent wire format, by the writer's schema (fetched from the registry by the
//! TypeScript adapter, handed over once per schema id), with the value rules of
//! `packages/ingest/src/decode/avro.ts`, `mapping/map-record.ts` and `fit/fit-record.ts`: a schema is
//! compiled once into a tree that both reads the binary and gives each value its Iceberg type; a
//! record is read into a small arena of values (reused, nothing allocated per record once warm), mapped
//! and fitted column by column into the same column buffers as JSON records.

use std::collections::HashMap;

use serde_json::Value;

use crate::columns::{Col, ColBuf};
use crate::describe::{abbreviate, json_string};
use crate::fit::{extra, fit_typed, missing, place, Capture, Fitter, Policy, MAX_SAFE, POW10, TV};
use crate::infer::Reject;
use crate::json::Doc;
use crate::mapping::{renamed, timestamp_micros, Key, KafkaMeta, Mapping, TsFormat, KAFKA_COLUMN};
use crate::schema::{Field, IType, Prim};

/// How a logical type's underlying value becomes its Iceberg value.
#[derive(Clone, Debug)]
pub enum Conv {
    Same,
    /// Times this many (milliseconds to microseconds).
    Factor(i64),
    Decimal { precision: u8 },
    UuidText,
    UuidFixed,
}

#[derive(Clone, Copy, Debug)]
pub enum Base {
    Int,
    Long,
    Bytes,
    Fixed(usize),
    Str,
}

/// An Avro type as read: how its binary is laid out, and (`prim`, `Record`, `Array`, `Map`, the null
/// branch of a union) its Iceberg type.
#[derive(Clone, Debug)]
pub enum T {
    Null,
    Bool,
    Int,
    Long,
    Float,
    Double,
    Str,
    Bytes,
    Enum { name: String, symbols: Vec<String> },
    Fixed(usize),
    Logical { base: Base, conv: Conv, prim: Prim },
    Record(Vec<(String, T)>),
    Array(Box<T>),
    Map(Box<T>),
    /// [null, X], [X, null] or [X]: `null_at` is the null branch's index.
    Union { null_at: Option<i64>, branches: i64, inner: Box<T> },
}

impl T {
    /// The type with a union's null branch taken off, and whether it had one.
    fn unwrapped(&self) -> (&T, bool) {
        match self {
            T::Union { null_at, inner, .. } => (inner, null_at.is_some()),
            t => (t, false),
        }
    }

    fn prim(&self) -> Option<Prim> {
        Some(match self {
            T::Bool => Prim::Boolean,
            T::Int => Prim::Int,
            T::Long => Prim::Long,
            T::Float => Prim::Float,
            T::Double => Prim::Double,
            T::Str | T::Enum { .. } => Prim::String,
            T::Bytes => Prim::Binary,
            T::Fixed(n) => Prim::Fixed(*n as u32),
            T::Logical { prim, .. } => prim.clone(),
            _ => return None,
        })
    }

    /// The Iceberg type's name in messages: "long", "decimal(9,2)", "struct", "list", "map".
    fn kind(&self) -> String {
        match self.unwrapped().0 {
            T::Record(_) => "struct".into(),
            T::Array(_) => "list".into(),
            T::Map(_) => "map".into(),
            t => t.prim().map(|p| p.label()).unwrap_or_else(|| "null".into()),
        }
    }
}

/// A compiled writer's schema: its root record's fields.
pub struct Compiled {
    pub id: i32,
    pub fields: Vec<(String, T)>,
}

fn member_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn shown_path(path: &str) -> &str {
    if path.is_empty() {
        "the value"
    } else {
        path
    }
}

const PRIMITIVES: [&str; 8] = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"];

/// Reads schema JSON into `T`s, with named types resolved across the schema and its references.
struct Compiler<'a> {
    id: i32,
    /// Named types by full name: their JSON and the namespace their own members resolve in.
    named: HashMap<String, (&'a Value, String)>,
    /// Records being compiled: one that contains itself has no (finite) Iceberg type.
    open: Vec<String>,
}

enum CompileError {
    Parse(String),
    Unmappable { path: String, why: String },
}

fn full_name(v: &Value, ns: &str) -> Option<(String, String)> {
    let name = v.get("name")?.as_str()?;
    if let Some((space, _)) = name.rsplit_once('.') {
        return Some((name.to_string(), space.to_string()));
    }
    let space = v.get("namespace").and_then(Value::as_str).unwrap_or(ns).to_string();
    let full = if space.is_empty() { name.to_string() } else { format!("{space}.{name}") };
    Some((full, space))
}

impl<'a> Compiler<'a> {
    /// Every named type defined in `v`, with its namespace.
    fn collect(&mut self, v: &'a Value, ns: &str) {
        match v {
            Value::Array(branches) => branches.iter().for_each(|b| self.collect(b, ns)),
            Value::Object(o) => {
                let kind = o.get("type");
                let mut inner = ns.to_string();
                if matches!(kind.and_then(Value::as_str), Some("record" | "error" | "enum" | "fixed")) {
                    if let Some((full, space)) = full_name(v, ns) {
                        self.named.insert(full, (v, space.clone()));
                        inner = space;
                    }
                }
                for f in o.get("fields").and_then(Value::as_array).into_iter().flatten() {
                    if let Some(t) = f.get("type") {
                        self.collect(t, &inner);
                    }
                }
                for key in ["items", "values"] {
                    if let Some(t) = o.get(key) {
                        self.collect(t, &inner);
                    }
                }
                if let Some(t) = kind.filter(|t| !t.is_string()) {
                    self.collect(t, &inner);
                }
            }
            _ => {}
        }
    }

    fn unmappable(&self, path: &str, why: String) -> CompileError {
        CompileError::Unmappable { path: path.to_string(), why }
    }

    fn lookup(&self, name: &str, ns: &str) -> Result<(&'a Value, String), CompileError> {
        let qualified = if name.contains('.') || ns.is_empty() { name.to_string() } else { format!("{ns}.{name}") };
        self.named
            .get(&qualified)
            .or_else(|| self.named.get(name))
            .cloned()
            .ok_or_else(|| CompileError::Parse(format!("undefined type name: {name}")))
    }

    /// The name avsc gives a union's branch in messages.
    fn branch_name(&self, v: &Value, ns: &str) -> String {
        match v {
            Value::String(s) if PRIMITIVES.contains(&s.as_str()) => s.clone(),
            Value::String(s) => match self.lookup(s, ns) {
                Ok((def, space)) => self.branch_name(def, &space),
                Err(_) => s.clone(),
            },
            Value::Object(o) => match o.get("type") {
                Some(Value::String(t)) if matches!(t.as_str(), "record" | "error" | "enum" | "fixed") => {
                    full_name(v, ns).map(|(full, _)| full).unwrap_or_else(|| t.clone())
                }
                Some(Value::String(t)) if t == "array" || t == "map" => t.clone(),
                Some(t) => self.branch_name(t, ns),
                None => "?".into(),
            },
            Value::Array(_) => "union".into(),
            _ => "?".into(),
        }
    }

    fn compile(&mut self, v: &'a Value, ns: &str, path: &str) -> Result<T, CompileError> {
        match v {
            Value::String(s) => Ok(match s.as_str() {
                "null" => T::Null,
                "boolean" => T::Bool,
                "int" => T::Int,
                "long" => T::Long,
                "float" => T::Float,
                "double" => T::Double,
                "bytes" => T::Bytes,
                "string" => T::Str,
                name => {
                    let (def, space) = self.lookup(name, ns)?;
                    return self.compile(def, &space, path);
                }
            }),
            Value::Array(branches) => {
                let non_null: Vec<usize> =
                    (0..branches.len()).filter(|&i| branches[i].as_str() != Some("null")).collect();
                if non_null.len() != 1 {
                    let names: Vec<String> = branches.iter().map(|b| self.branch_name(b, ns)).collect();
                    return Err(self.unmappable(
                        path,
                        format!("a union of {} has no Iceberg type (only [null, X] has)", names.join(", ")),
                    ));
                }
                let inner = self.compile(&branches[non_null[0]], ns, path)?;
                let null_at = (0..branches.len()).find(|&i| branches[i].as_str() == Some("null")).map(|i| i as i64);
                Ok(T::Union { null_at, branches: branches.len() as i64, inner: Box::new(inner) })
            }
            Value::Object(o) => {
                if let Some(t) = logical(v).map_err(|why| self.unmappable(path, why))? {
                    return Ok(t);
                }
                let kind = o.get("type").ok_or_else(|| CompileError::Parse("a schema without a type".into()))?;
                match kind.as_str() {
                    Some("record" | "error") => {
                        let (full, space) = full_name(v, ns).ok_or_else(|| CompileError::Parse("a record without a name".into()))?;
                        if self.open.contains(&full) {
                            return Err(self.unmappable(path, format!("record {full} contains itself")));
                        }
                        self.open.push(full);
                        let mut fields = Vec::new();
                        for f in o.get("fields").and_then(Value::as_array).into_iter().flatten() {
                            let name = f.get("name").and_then(Value::as_str).ok_or_else(|| CompileError::Parse("a field without a name".into()))?;
                            let t = f.get("type").ok_or_else(|| CompileError::Parse(format!("field {name} has no type")))?;
                            fields.push((name.to_string(), self.compile(t, &space, &member_path(path, name))?));
                        }
                        self.open.pop();
                        Ok(T::Record(fields))
                    }
                    Some("enum") => {
                        let (name, _) = full_name(v, ns).ok_or_else(|| CompileError::Parse("an enum without a name".into()))?;
                        let symbols = o
                            .get("symbols")
                            .and_then(Value::as_array)
                            .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
                            .unwrap_or_default();
                        Ok(T::Enum { name, symbols })
                    }
                    Some("fixed") => Ok(T::Fixed(o.get("size").and_then(Value::as_u64).unwrap_or(0) as usize)),
                    Some("array") => {
                        let items = o.get("items").ok_or_else(|| CompileError::Parse("an array without items".into()))?;
                        Ok(T::Array(Box::new(self.compile(items, ns, &format!("{path}[]"))?)))
                    }
                    Some("map") => {
                        let values = o.get("values").ok_or_else(|| CompileError::Parse("a map without values".into()))?;
                        Ok(T::Map(Box::new(self.compile(values, ns, &format!("{path}{{}}"))?)))
                    }
                    _ => self.compile(kind, ns, path),
                }
            }
            _ => Err(CompileError::Parse(format!("{v} is no Avro schema"))),
        }
    }
}

/// A logical type Floe maps (avro.ts logicalMapping); Ok(None) reads the underlying type, as the Avro
/// spec says for unknown or invalid ones.
fn logical(v: &Value) -> Result<Option<T>, String> {
    let Some(lt) = v.get("logicalType").and_then(Value::as_str) else { return Ok(None) };
    let base = v.get("type").and_then(Value::as_str).unwrap_or("");
    let size = v.get("size").and_then(Value::as_u64).unwrap_or(0) as usize;
    let whole = |key: &str, default: Option<f64>| -> Option<f64> {
        match v.get(key) {
            None => default,
            Some(x) => x.as_f64().filter(|f| f.fract() == 0.0),
        }
    };
    if lt == "decimal" {
        let (Some(p), Some(s)) = (whole("precision", None), whole("scale", Some(0.0))) else { return Ok(None) };
        if p < 1.0 || s < 0.0 || s > p {
            return Ok(None);
        }
        let base = match base {
            "fixed" => {
                // The most digits a two's-complement number of `size` bytes always holds.
                let max_digits = (std::f64::consts::LOG10_2 * ((8 * size) as f64 - 1.0)).floor();
                if p > max_digits {
                    return Ok(None);
                }
                Base::Fixed(size)
            }
            "bytes" => Base::Bytes,
            _ => return Ok(None),
        };
        if p > 38.0 {
            return Err(format!("decimal({p},{s}) has more digits than Iceberg's decimal(38)"));
        }
        let (precision, scale) = (p as u8, s as u8);
        return Ok(Some(T::Logical { base, conv: Conv::Decimal { precision }, prim: Prim::Decimal { precision, scale } }));
    }
    if lt == "uuid" {
        return Ok(match base {
            "string" => Some(T::Logical { base: Base::Str, conv: Conv::UuidText, prim: Prim::Uuid }),
            "fixed" if size == 16 => Some(T::Logical { base: Base::Fixed(16), conv: Conv::UuidFixed, prim: Prim::Uuid }),
            _ => None,
        });
    }
    let (want, prim, factor) = match lt {
        "date" => ("int", Prim::Date, None),
        "time-millis" => ("int", Prim::Time, Some(1000)),
        "time-micros" => ("long", Prim::Time, None),
        "timestamp-millis" => ("long", Prim::Timestamptz, Some(1000)),
        "timestamp-micros" => ("long", Prim::Timestamptz, None),
        "timestamp-nanos" => ("long", Prim::TimestamptzNs, None),
        "local-timestamp-millis" => ("long", Prim::Timestamp, Some(1000)),
        "local-timestamp-micros" => ("long", Prim::Timestamp, None),
        "local-timestamp-nanos" => ("long", Prim::TimestampNs, None),
        _ => return Ok(None),
    };
    if base != want {
        return Ok(None);
    }
    let base = if want == "int" { Base::Int } else { Base::Long };
    Ok(Some(T::Logical { base, conv: factor.map_or(Conv::Same, Conv::Factor), prim }))
}

/// Compiles schema `id` (its references first: the schema names the types they define). Err: the
/// rejection every record of the schema gets.
pub fn compile(id: i32, schema: &str, references: &[String]) -> Result<Compiled, Reject> {
    let parse_failure = |why: String| Reject::new("undecodable", format!("Avro schema {id} does not parse: {why}"));
    let mut docs: Vec<Value> = Vec::with_capacity(references.len() + 1);
    for text in references.iter().map(String::as_str).chain(std::iter::once(schema)) {
        docs.push(serde_json::from_str(text).map_err(|e| parse_failure(e.to_string()))?);
    }
    let mut c = Compiler { id, named: HashMap::new(), open: Vec::new() };
    for d in &docs {
        c.collect(d, "");
    }
    let root = docs.last().expect("the schema");
    let outcome = c.compile(root, "", "");
    let unmappable = |path: &str, why: &str| {
        Reject::new("undecodable", format!("Avro schema {} has no Iceberg form: {}: {why}", c.id, shown_path(path)))
    };
    match outcome {
        Ok(T::Record(fields)) => Ok(Compiled { id, fields }),
        Ok(other) => {
            let name = match other {
                T::Union { .. } => "union:unwrapped".to_string(),
                T::Array(_) => "array".into(),
                T::Map(_) => "map".into(),
                T::Enum { .. } => "enum".into(),
                T::Fixed(_) => "fixed".into(),
                t => t.prim().map(|p| p.name().to_string()).unwrap_or_else(|| "null".into()),
            };
            Err(unmappable("", &format!("a {name} is not a record, so it is no row")))
        }
        Err(CompileError::Parse(why)) => Err(parse_failure(why)),
        Err(CompileError::Unmappable { path, why }) => Err(unmappable(&path, &why)),
    }
}

/// A value read from a payload.
#[derive(Clone, Copy, Debug)]
pub enum V {
    Null,
    Bool(bool),
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    Dec(i128),
    /// Bytes of the payload (a string, bytes or fixed).
    Bytes(u32, u32),
    /// An enum's symbol.
    Sym(u32),
    Uuid([u8; 16]),
    /// A record's fields, an array's elements, or a map's keys and values in turn, in `kids`.
    Kids(u32, u32),
}

/// The values of one record (reused from record to record).
#[derive(Default)]
pub struct Values {
    pub vals: Vec<V>,
    pub kids: Vec<u32>,
    stack: Vec<u32>,
    path: String,
    /// The first value the mapping refuses (a text that is no UUID, a decimal with too many digits),
    /// given once the whole record has been read, as avsc reads it all first.
    late: Option<Reject>,
    bad_utf8: bool,
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

const TRUNCATED: &str = "truncated buffer";

impl Reader<'_> {
    fn long(&mut self) -> Result<i64, String> {
        let mut raw: u64 = 0;
        let mut shift = 0;
        loop {
            let b = *self.buf.get(self.pos).ok_or(TRUNCATED)?;
            self.pos += 1;
            if shift < 64 {
                raw |= ((b & 0x7f) as u64) << shift;
            }
            shift += 7;
            if b < 0x80 {
                break;
            }
        }
        Ok((raw >> 1) as i64 ^ -((raw & 1) as i64))
    }

    /// An Avro int: a long on the wire that must fit 32 bits (a wider one is refused, never cut).
    fn int(&mut self) -> Result<i32, String> {
        let v = self.long()?;
        i32::try_from(v).map_err(|_| format!("{v} is beyond the range of an Avro int"))
    }

    fn take(&mut self, n: usize) -> Result<(u32, u32), String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len()).ok_or(TRUNCATED)?;
        let start = self.pos;
        self.pos = end;
        Ok((start as u32, end as u32))
    }

    fn sized(&mut self) -> Result<(u32, u32), String> {
        let n = self.long()?;
        if n < 0 {
            return Err(TRUNCATED.into());
        }
        self.take(n as usize)
    }

    /// An array or map block's count (0 ends them).
    fn block(&mut self) -> Result<usize, String> {
        let n = self.long()?;
        if n < 0 {
            self.long()?;
            return Ok(n.unsigned_abs() as usize);
        }
        Ok(n as usize)
    }
}

/// "0", "1", ... up to 2^32 - 2: the keys a JavaScript object lists first, in numeric order.
fn array_index(key: &[u8]) -> Option<u64> {
    if key.is_empty() || key.len() > 10 || (key.len() > 1 && key[0] == b'0') || !key.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n: u64 = std::str::from_utf8(key).ok()?.parse().ok()?;
    (n < u32::MAX as u64).then_some(n)
}

fn decimal_of(bytes: &[u8]) -> Option<i128> {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let fill = if negative { 0xff } else { 0 };
    let cut = bytes.len().saturating_sub(16);
    if bytes[..cut].iter().any(|&b| b != fill) {
        return None;
    }
    let mut v: i128 = if negative { -1 } else { 0 };
    for &b in &bytes[cut..] {
        v = (v << 8) | b as i128;
    }
    Some(v)
}

fn uuid_of(text: &[u8]) -> Option<[u8; 16]> {
    if text.len() != 36 {
        return None;
    }
    let mut out = [0u8; 16];
    let mut n = 0;
    for (i, &c) in text.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let d = (c as char).to_digit(16)? as u8;
        out[n / 2] |= if n % 2 == 0 { d << 4 } else { d };
        n += 1;
    }
    Some(out)
}


impl Values {
    fn push(&mut self, v: V) -> u32 {
        self.vals.push(v);
        (self.vals.len() - 1) as u32
    }

    fn refuse_late(&mut self, value: String, ty: &str, why: &str) {
        if self.late.is_none() {
            let message = format!("{}: {value} is not a valid {ty}: {why}", shown_path(&self.path));
            self.late = Some(Reject::new("type-mismatch", message));
        }
    }

    fn read(&mut self, t: &T, r: &mut Reader) -> Result<u32, String> {
        let v = match t {
            T::Null => V::Null,
            T::Bool => {
                let (s, _) = r.take(1)?;
                V::Bool(r.buf[s as usize] != 0)
            }
            T::Int => V::I32(r.int()?),
            T::Long => V::I64(r.long()?),
            T::Float => {
                let (s, e) = r.take(4)?;
                V::F32(f32::from_le_bytes(r.buf[s as usize..e as usize].try_into().expect("4 bytes")))
            }
            T::Double => {
                let (s, e) = r.take(8)?;
                V::F64(f64::from_le_bytes(r.buf[s as usize..e as usize].try_into().expect("8 bytes")))
            }
            T::Str => {
                let (s, e) = r.sized()?;
                self.bad_utf8 |= std::str::from_utf8(&r.buf[s as usize..e as usize]).is_err();
                V::Bytes(s, e)
            }
            T::Bytes => {
                let (s, e) = r.sized()?;
                V::Bytes(s, e)
            }
            T::Fixed(n) => {
                let (s, e) = r.take(*n)?;
                V::Bytes(s, e)
            }
            T::Enum { name, symbols } => {
                let i = r.long()?;
                if i < 0 || i as usize >= symbols.len() {
                    return Err(format!("invalid {name} enum index: {i}"));
                }
                V::Sym(i as u32)
            }
            T::Logical { base, conv, prim } => self.logical(*base, conv, prim, r)?,
            T::Record(fields) => {
                let start = self.kids.len();
                self.kids.resize(start + fields.len(), 0);
                let at = self.path.len();
                for (i, (name, ft)) in fields.iter().enumerate() {
                    if !self.path.is_empty() {
                        self.path.push('.');
                    }
                    self.path.push_str(name);
                    self.kids[start + i] = self.read(ft, r)?;
                    self.path.truncate(at);
                }
                V::Kids(start as u32, fields.len() as u32)
            }
            T::Array(items) => {
                let mark = self.stack.len();
                let at = self.path.len();
                self.path.push_str("[]");
                loop {
                    let n = r.block()?;
                    if n == 0 {
                        break;
                    }
                    // Items take a byte each at least, but for nothing at all (nulls, records of no
                    // field): a count beyond the bytes left is garbage, not a long loop.
                    let zero_width = matches!(**items, T::Null) || matches!(&**items, T::Record(f) if f.is_empty());
                    if n > r.buf.len() - r.pos && (!zero_width || n > u32::MAX as usize) {
                        return Err(if zero_width { "Invalid array length".into() } else { TRUNCATED.into() });
                    }
                    for _ in 0..n {
                        let e = self.read(items, r)?;
                        self.stack.push(e);
                    }
                }
                self.path.truncate(at);
                let start = self.kids.len();
                self.kids.extend(self.stack.drain(mark..));
                V::Kids(start as u32, (self.kids.len() - start) as u32)
            }
            T::Map(values) => {
                let mark = self.stack.len();
                let at = self.path.len();
                self.path.push_str("{}");
                // Where each key is among the pairs, once a map has more than a few.
                let mut index: Option<HashMap<&[u8], usize>> = None;
                loop {
                    let n = r.block()?;
                    if n == 0 {
                        break;
                    }
                    if n > r.buf.len() - r.pos {
                        return Err(TRUNCATED.into());
                    }
                    for _ in 0..n {
                        let (s, e) = r.sized()?;
                        let buf = r.buf;
                        let key = &buf[s as usize..e as usize];
                        self.bad_utf8 |= std::str::from_utf8(key).is_err();
                        let k = self.push(V::Bytes(s, e));
                        let v = self.read(values, r)?;
                        // A JavaScript object: a key seen before keeps its place and takes the new value.
                        let pairs = (self.stack.len() - mark) / 2;
                        if index.is_none() && pairs >= 16 {
                            let keys = (0..pairs).map(|p| (self.bytes_of(self.stack[mark + 2 * p], buf), p));
                            index = Some(keys.collect());
                        }
                        let seen = match &index {
                            Some(index) => index.get(key).copied(),
                            None => (0..pairs).find(|&p| self.bytes_of(self.stack[mark + 2 * p], buf) == key),
                        };
                        match seen {
                            Some(p) => self.stack[mark + 2 * p + 1] = v,
                            None => {
                                index.as_mut().map(|i| i.insert(key, pairs));
                                self.stack.extend([k, v]);
                            }
                        }
                    }
                }
                self.path.truncate(at);
                // Its integer-like keys come first, in numeric order.
                let pairs: Vec<(u32, u32)> = self.stack[mark..].chunks_exact(2).map(|p| (p[0], p[1])).collect();
                if pairs.iter().any(|&(k, _)| array_index(self.bytes_of(k, r.buf)).is_some()) {
                    let mut indexed: Vec<(u64, (u32, u32))> = pairs
                        .iter()
                        .filter_map(|&p| array_index(self.bytes_of(p.0, r.buf)).map(|i| (i, p)))
                        .collect();
                    indexed.sort_by_key(|&(i, _)| i);
                    let rest = pairs.iter().filter(|p| array_index(self.bytes_of(p.0, r.buf)).is_none());
                    let ordered: Vec<u32> = indexed.iter().map(|&(_, p)| p).chain(rest.copied()).flat_map(|(k, v)| [k, v]).collect();
                    self.stack.truncate(mark);
                    self.stack.extend(ordered);
                }
                let start = self.kids.len();
                self.kids.extend(self.stack.drain(mark..));
                V::Kids(start as u32, (self.kids.len() - start) as u32)
            }
            T::Union { null_at, branches, inner } => {
                let i = r.long()?;
                if i < 0 || i >= *branches {
                    return Err(format!("invalid union index: {i}"));
                }
                if Some(i) == *null_at {
                    V::Null
                } else {
                    return self.read(inner, r);
                }
            }
        };
        Ok(self.push(v))
    }

    fn logical(&mut self, base: Base, conv: &Conv, prim: &Prim, r: &mut Reader) -> Result<V, String> {
        Ok(match (base, conv) {
            (Base::Int, Conv::Same) => V::I32(r.int()?),
            (Base::Int | Base::Long, Conv::Factor(f)) => {
                let raw = if matches!(base, Base::Int) { r.int()? as i64 } else { r.long()? };
                V::I64(raw.checked_mul(*f).ok_or_else(|| format!("{raw} is beyond the range of a {}", prim.label()))?)
            }
            (Base::Long, _) => V::I64(r.long()?),
            (Base::Bytes | Base::Fixed(_), Conv::Decimal { precision }) => {
                let (s, e) = match base {
                    Base::Fixed(n) => r.take(n)?,
                    _ => r.sized()?,
                };
                let bytes = &r.buf[s as usize..e as usize];
                match decimal_of(bytes) {
                    Some(v) if v.unsigned_abs() < POW10[*precision as usize] as u128 => V::Dec(v),
                    other => {
                        let shown = other.map_or_else(|| format!("{} bytes", bytes.len()), |v| v.to_string());
                        self.refuse_late(shown, &prim.label(), &format!("the unscaled value has more than {precision} digits"));
                        V::Dec(0)
                    }
                }
            }
            (Base::Str, _) => {
                let (s, e) = r.sized()?;
                let text = &r.buf[s as usize..e as usize];
                match uuid_of(text) {
                    Some(u) => V::Uuid(u),
                    None => {
                        self.refuse_late(abbreviate(json_string(text)), "uuid", "it is not a UUID");
                        V::Uuid([0; 16])
                    }
                }
            }
            (Base::Fixed(n), _) => {
                let (s, e) = r.take(n)?;
                V::Bytes(s, e)
            }
            (Base::Bytes | Base::Int, _) => {
                let (s, e) = r.sized()?;
                V::Bytes(s, e)
            }
        })
    }

    fn bytes_of<'b>(&self, node: u32, buf: &'b [u8]) -> &'b [u8] {
        match self.vals[node as usize] {
            V::Bytes(s, e) => &buf[s as usize..e as usize],
            _ => &[],
        }
    }

    /// Reads a payload of schema `c` (the wire header taken off): the root record's node.
    pub fn decode(&mut self, c: &Compiled, payload: &[u8]) -> Result<u32, Reject> {
        self.vals.clear();
        self.kids.clear();
        self.stack.clear();
        self.path.clear();
        self.late = None;
        self.bad_utf8 = false;
        let mut r = Reader { buf: payload, pos: 0 };
        let start = self.kids.len();
        self.kids.resize(start + c.fields.len(), 0);
        let mut outcome = Ok(());
        for (i, (name, ft)) in c.fields.iter().enumerate() {
            self.path.clear();
            self.path.push_str(name);
            match self.read(ft, &mut r) {
                Ok(n) => self.kids[start + i] = n,
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
        }
        let undecodable = |why: String| {
            Reject::new("undecodable", format!("the payload is not a record of Avro schema {}: {why}", c.id))
        };
        outcome.map_err(undecodable)?;
        let root = self.push(V::Kids(start as u32, c.fields.len() as u32));
        if r.pos < payload.len() {
            return Err(undecodable("trailing data".into()));
        }
        if let Some(late) = self.late.take() {
            return Err(late);
        }
        if self.bad_utf8 {
            return Err(Reject::new("undecodable", format!("a string of Avro schema {} is not UTF-8", c.id)));
        }
        Ok(root)
    }

    fn kids_of(&self, node: u32) -> &[u32] {
        match self.vals[node as usize] {
            V::Kids(s, n) => &self.kids[s as usize..(s + n) as usize],
            _ => &[],
        }
    }
}

/// Where a top-level column's value comes from, for one schema id and the table's schema.
enum Src {
    /// The mapped field at this index.
    Field(usize),
    Kafka,
    Absent,
}

struct MappedField {
    name: String,
    /// The record's field (None: `_kafka`), and the format when it is declared a timestamp.
    field: Option<usize>,
    timestamp: Option<(TsFormat, String)>,
}

/// The mapping of one schema's records to the table's columns (map-record.ts for a fixed type).
pub struct Layout {
    mapped: Vec<MappedField>,
    columns: Vec<Src>,
    kafka_clash: bool,
    duplicate: Option<String>,
}

impl Layout {
    pub fn new(m: &Mapping, c: &Compiled, columns: &[Field]) -> Layout {
        let mut mapped: Vec<MappedField> = c
            .fields
            .iter()
            .enumerate()
            .filter(|(_, (name, _))| m.select.as_ref().is_none_or(|s| s.iter().any(|x| x == name)))
            .map(|(i, (name, _))| MappedField {
                name: String::from_utf8_lossy(renamed(m, name.as_bytes())).into_owned(),
                field: Some(i),
                timestamp: m.timestamps.iter().find(|(f, _)| f == name).map(|(f, format)| (*format, f.clone())),
            })
            .collect();
        let kafka_clash = m.kafka_metadata && mapped.iter().any(|f| f.name == KAFKA_COLUMN);
        if m.kafka_metadata {
            mapped.push(MappedField { name: KAFKA_COLUMN.into(), field: None, timestamp: None });
        }
        let duplicate = (0..mapped.len()).find(|&i| mapped[..i].iter().any(|g| g.name == mapped[i].name)).map(|i| mapped[i].name.clone());
        let columns = columns
            .iter()
            .map(|col| match mapped.iter().position(|f| f.name == col.name) {
                Some(i) if mapped[i].field.is_none() => Src::Kafka,
                Some(i) => Src::Field(i),
                None => Src::Absent,
            })
            .collect();
        Layout { mapped, columns, kafka_clash, duplicate }
    }
}

/// Fits one Avro record to the table's columns, as fit-record.ts does with the decoded row.
struct AvroFitter<'a> {
    values: &'a Values,
    payload: &'a [u8],
    policy: Policy,
    changes: bool,
    capture: &'a mut Capture,
    path: Vec<&'a str>,
    in_list: u32,
}

fn kind_mismatch(path: &str, record: &str, column: &IType) -> Reject {
    Reject::new("type-mismatch", format!("{path}: a {record} value does not fit column type {}", column.kind()))
}

impl<'a> AvroFitter<'a> {
    fn dotted(&self) -> String {
        self.path.join(".")
    }

    fn missing(&mut self, required: bool, buf: &mut ColBuf) -> Result<(), Reject> {
        missing(self.policy, &mut self.changes, &self.path, required, buf)
    }

    fn extra(&mut self, name: &'a str) -> Result<(), Reject> {
        extra(self.policy, &mut self.changes, &self.path, name)
    }

    fn typed(&self, t: &'a T, node: u32) -> TV<'a> {
        let (values, p): (&'a Values, &'a [u8]) = (self.values, self.payload);
        match &values.vals[node as usize] {
            V::Bool(b) => TV::Bool(*b),
            V::I32(i) => TV::I32(*i),
            V::I64(x) => TV::I64(*x),
            V::F32(x) => TV::F32(*x),
            V::F64(x) => TV::F64(*x),
            V::Dec(x) => TV::I128(*x),
            V::Bytes(s, e) if matches!(t, T::Str) => TV::Str(&p[*s as usize..*e as usize]),
            V::Bytes(s, e) => TV::Bin(&p[*s as usize..*e as usize]),
            V::Sym(i) => match t {
                T::Enum { symbols, .. } => TV::Str(symbols[*i as usize].as_bytes()),
                _ => TV::Str(&[]),
            },
            V::Uuid(u) => TV::Bin(u),
            V::Null | V::Kids(..) => TV::Bin(&[]),
        }
    }

    fn primitive(&mut self, f: &Field, column: &Prim, record: &Prim, v: TV<'a>, buf: &mut ColBuf) -> Result<(), Reject> {
        let fit = fit_typed(column, record, v);
        place(fit, self.policy, &mut self.changes, &self.path, self.capture, self.in_list, f, column, record.name(), || v.describe(), buf)
    }

    /// fit-record.ts `field` for a value of type `t` (null: missing).
    fn field(&mut self, f: &'a Field, t: &'a T, node: u32, buf: &mut ColBuf) -> Result<(), Reject> {
        if matches!(self.values.vals[node as usize], V::Null) {
            return self.missing(f.required, buf);
        }
        self.value(f, t.unwrapped().0, node, buf)
    }

    /// fit-record.ts `value`: a non-null value of type `t` into column `f`.
    fn value(&mut self, f: &'a Field, t: &'a T, node: u32, buf: &mut ColBuf) -> Result<(), Reject> {
        if let (IType::Prim(column), Some(record)) = (&f.ty, t.prim()) {
            let v = self.typed(t, node);
            return self.primitive(f, column, &record, v, buf);
        }
        match (&f.ty, t) {
            (IType::Struct(columns), T::Record(fields)) => {
                let Col::Struct(children) = &mut buf.col else { unreachable!() };
                let kids = self.values.kids_of(node);
                for (c, child) in columns.iter().zip(children.iter_mut()) {
                    self.path.push(&c.name);
                    match fields.iter().position(|(name, _)| *name == c.name) {
                        Some(i) => self.field(c, &fields[i].1, kids[i], child)?,
                        None => self.missing(c.required, child)?,
                    }
                    self.path.pop();
                }
                for (name, _) in fields {
                    if !columns.iter().any(|c| c.name == *name) {
                        self.extra(name)?;
                    }
                }
                buf.push_struct();
                Ok(())
            }
            (IType::List { element }, T::Array(items)) => {
                let Col::List { child, .. } = &mut buf.col else { unreachable!() };
                self.path.push("element");
                self.in_list += 1;
                for &e in self.values.kids_of(node) {
                    self.field(element, items, e, child)?;
                }
                self.in_list -= 1;
                self.path.pop();
                buf.push_list_end();
                Ok(())
            }
            (IType::Map { key, value }, T::Map(values)) => {
                let Col::Map { key: keys, value: vals, .. } = &mut buf.col else { unreachable!() };
                self.in_list += 1;
                for pair in self.values.kids_of(node).chunks_exact(2) {
                    self.path.push("key");
                    self.value(key, &T::Str, pair[0], keys)?;
                    self.path.pop();
                    self.path.push("value");
                    self.field(value, values, pair[1], vals)?;
                    self.path.pop();
                }
                self.in_list -= 1;
                buf.push_list_end();
                Ok(())
            }
            (column, t) => Err(kind_mismatch(&self.dotted(), &t.kind(), column)),
        }
    }
}

/// The value of a field declared a timestamp (timestamps.ts toTimestampMicros), as µs.
fn timestamp_of(t: &T, v: Option<TV>, format: TsFormat, field: &str) -> Result<i64, Reject> {
    let shown = v.map_or_else(|| "an object".to_string(), |v| v.describe());
    let reject = |why: &str| Reject::new("mapping-failed", format!("{field}: {shown} {why}"));
    let Some(v) = v else { return Err(reject(&format!("is a {}, not a {} timestamp", t.kind(), format.name()))) };
    let text = match v {
        TV::Str(text) => Some(text),
        _ => None,
    };
    let whole: Option<i128> = match v {
        TV::I64(x) => Some(x as i128),
        TV::I128(x) => Some(x),
        TV::I32(x) => Some(x as i128),
        TV::F32(_) | TV::F64(_) => v.number().filter(|n| n.fract() == 0.0 && n.abs() <= MAX_SAFE).map(|n| n as i128),
        _ => None,
    };
    timestamp_micros(format, text, whole, reject)
}

/// What fitting one record did: held (its values appended), or a schema change it needs.
pub struct Fitted {
    pub changes: bool,
}

/// One decoded record (`root`) mapped and fitted into the table's top-level column buffers.
#[allow(clippy::too_many_arguments)]
pub fn fit_record<'a>(
    m: &Mapping,
    layout: &'a Layout,
    c: &'a Compiled,
    values: &'a Values,
    payload: &'a [u8],
    root: u32,
    columns: &'a [Field],
    bufs: &mut [ColBuf],
    policy: Policy,
    capture: &'a mut Capture,
    meta: &KafkaMeta<'a>,
) -> Result<Fitted, Reject> {
    let kids = values.kids_of(root);
    let mut fitter = AvroFitter { values, payload, policy, changes: false, capture, path: Vec::new(), in_list: 0 };
    // The mapping's own refusals, in map-record.ts's order: timestamps, the metadata column's name,
    // the key, two fields of one name.
    let mut stamps: Vec<Option<i64>> = Vec::new();
    for (field, format) in &m.timestamps {
        let Some(i) = layout.mapped.iter().position(|f| f.timestamp.as_ref().is_some_and(|(_, name)| name == field)) else {
            continue;
        };
        let at = layout.mapped[i].field.expect("a record field");
        let (t, node) = (c.fields[at].1.unwrapped().0, kids[at]);
        if matches!(values.vals[node as usize], V::Null) {
            continue;
        }
        let v = t.prim().map(|_| fitter.typed(t, node));
        stamps.resize(layout.mapped.len(), None);
        stamps[i] = Some(timestamp_of(t, v, *format, field)?);
    }
    if layout.kafka_clash {
        return Err(Reject::new(
            "mapping-failed",
            format!("the record has a field named {KAFKA_COLUMN}, which holds Kafka metadata: rename it or turn the metadata column off"),
        ));
    }
    let key = if m.kafka_metadata { crate::mapping::record_key(m, meta)? } else { Key::Absent };
    if let Some(name) = &layout.duplicate {
        return Err(Reject::new("mapping-failed", format!("two fields are renamed to {name}")));
    }
    let empty = Doc::default();
    for ((col, buf), src) in columns.iter().zip(bufs.iter_mut()).zip(&layout.columns) {
        fitter.path.push(&col.name);
        match src {
            Src::Absent => fitter.missing(col.required, buf)?,
            Src::Kafka => {
                let mut kafka = Fitter::keeping(&empty, &[], policy, fitter.capture);
                kafka.kafka_column(col, buf, &key, meta)?;
                fitter.changes |= kafka.changes;
            }
            Src::Field(i) => {
                let at = layout.mapped[*i].field.expect("a record field");
                let node = kids[at];
                match stamps.get(*i).copied().flatten() {
                    Some(micros) => {
                        let IType::Prim(p) = &col.ty else {
                            return Err(kind_mismatch(&fitter.dotted(), "timestamptz", &col.ty));
                        };
                        fitter.primitive(col, p, &Prim::Timestamptz, TV::I64(micros), buf)?;
                    }
                    None => fitter.field(col, &c.fields[at].1, node, buf)?,
                }
            }
        }
        fitter.path.pop();
    }
    for f in &layout.mapped {
        if !columns.iter().any(|col| col.name == f.name) {
            fitter.extra(&f.name)?;
        }
    }
    Ok(Fitted { changes: fitter.changes })
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn a_count_beyond_the_bytes_is_refused_not_looped() {
        let c = Compiled { id: 1, fields: vec![("a".into(), T::Array(Box::new(T::Long)))] };
        let mut values = Values::default();
        // A block of 2^62 longs, and nothing after it.
        let huge = [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
        let refused = values.decode(&c, &huge).err().expect("refused");
        assert_eq!(refused.message, "the payload is not a record of Avro schema 1: truncated buffer");
        let nulls = Compiled { id: 1, fields: vec![("a".into(), T::Array(Box::new(T::Null)))] };
        let refused = values.decode(&nulls, &huge).err().expect("refused");
        assert_eq!(refused.message, "the payload is not a record of Avro schema 1: Invalid array length");
        // A map with a key twice beyond the first pairs: the first place, the last value.
        let m = Compiled { id: 1, fields: vec![("m".into(), T::Map(Box::new(T::Int)))] };
        let mut payload = vec![40u8];
        for i in 0..20u8 {
            payload.extend([2, b'a' + (i % 18), 2 * i]);
        }
        payload.push(0);
        let root = values.decode(&m, &payload).expect("a map");
        let map = values.kids_of(values.kids_of(root)[0]);
        assert_eq!(map.len(), 36);
        assert!(matches!(values.vals[map[1] as usize], V::I32(18)));
    }

    #[test]
    fn reads_ints_and_decimals_as_avsc_does() {
        let mut r = Reader { buf: &[0x01, 0x80, 0x01, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], pos: 0 };
        assert_eq!(r.long().unwrap(), -1);
        assert_eq!(r.long().unwrap(), 64);
        assert_eq!(r.long().unwrap(), i64::MAX);
        // An int wider than 32 bits on the wire is refused, not cut to its low bits.
        let mut r = Reader { buf: &[0xfe, 0xff, 0xff, 0xff, 0x0f, 0x80, 0x80, 0x80, 0x80, 0x10], pos: 0 };
        assert_eq!(r.int().unwrap(), i32::MAX);
        assert_eq!(r.int().unwrap_err(), "2147483648 is beyond the range of an Avro int");
        assert_eq!(decimal_of(&[0xff, 0x85]), Some(-123));
        assert_eq!(decimal_of(&[]), Some(0));
        assert_eq!(array_index(b"12"), Some(12));
        assert_eq!(array_index(b"012"), None);
    }
}
