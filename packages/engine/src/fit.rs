//! Fitting a mapped record to the table's columns, as `fit/fit-record.ts` and `convert-primitive.ts` do:
//! by name, converting exactly or not at all, appending straight into the column buffers. A record that
//! needs a schema change (under `evolve`) only sets `changes`; the caller truncates what it appended.

use crate::columns::{Col, ColBuf};
use crate::describe::{abbreviate, js_number, json_string};
use crate::infer::{addable, RType, Reject};
use crate::json::{Doc, Node, Num};
use crate::mapping::{to_timestamp, KafkaMeta, Key, MField, MVal, KAFKA_COLUMN};
use crate::plan::Source;
use crate::partition::PVal;
use crate::schema::{Field, IType, Prim};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Policy {
    Evolve,
    Strict,
    IgnoreNewFields,
}

impl Policy {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Policy::Evolve => "evolve",
            Policy::Strict => "strict",
            Policy::IgnoreNewFields => "ignore-new-fields",
        }
    }
}

/// A record's primitive value, typed as the TypeScript record type would be.
#[derive(Clone, Copy)]
enum RV<'a> {
    Bool(bool),
    Int(i32),
    Long(i64),
    Dec(i128),
    Double(f64),
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Tstz(i64),
}

impl RV<'_> {
    /// The record type's `type` member ("decimal", not "decimal(38,0)").
    fn name(&self) -> &'static str {
        match self {
            RV::Bool(_) => "boolean",
            RV::Int(_) => "int",
            RV::Long(_) => "long",
            RV::Dec(_) => "decimal",
            RV::Double(_) => "double",
            RV::Str(_) => "string",
            RV::Bin(_) => "binary",
            RV::Tstz(_) => "timestamptz",
        }
    }

    fn label(&self) -> &'static str {
        match self {
            RV::Dec(_) => "decimal(38,0)",
            other => other.name(),
        }
    }

    fn describe(&self) -> String {
        match *self {
            RV::Bool(b) => b.to_string(),
            RV::Int(v) => v.to_string(),
            RV::Long(v) | RV::Tstz(v) => v.to_string(),
            RV::Dec(v) => v.to_string(),
            RV::Double(v) => js_number(v),
            RV::Str(s) => abbreviate(json_string(s)),
            RV::Bin(b) => format!("{} bytes", b.len()),
        }
    }
}

/// A value in the column's own storage type.
pub(crate) enum Out<'a> {
    Bool(bool),
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    I128(i128),
    Bytes(&'a [u8]),
}

pub(crate) const POW10: [i128; 39] = {
    let mut p = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// A record's primitive value, as the TypeScript row holds it.
#[derive(Clone, Copy)]
pub(crate) enum TV<'a> {
    Bool(bool),
    /// A JavaScript number that is an integer (int, date).
    I32(i32),
    /// A bigint (long, time, timestamps).
    I64(i64),
    F32(f32),
    F64(f64),
    /// A decimal's unscaled bigint.
    I128(i128),
    Str(&'a [u8]),
    Bin(&'a [u8]),
}

impl TV<'_> {
    /// describeValue.
    pub(crate) fn describe(&self) -> String {
        let number = |x: f64| if x.is_finite() { js_number(x) } else { "null".into() };
        abbreviate(match *self {
            TV::Bool(b) => b.to_string(),
            TV::I32(v) => v.to_string(),
            TV::I64(v) => v.to_string(),
            TV::F32(v) => number(v as f64),
            TV::F64(v) => number(v),
            TV::I128(v) => v.to_string(),
            TV::Str(s) => json_string(s),
            TV::Bin(b) => format!("{} bytes", b.len()),
        })
    }

    pub(crate) fn number(&self) -> Option<f64> {
        match *self {
            TV::I32(v) => Some(v as f64),
            TV::F32(v) => Some(v as f64),
            TV::F64(v) => Some(v),
            _ => None,
        }
    }
}

pub(crate) enum Fit<'a> {
    Value(Out<'a>),
    Widen(Prim),
    Fail,
}

pub(crate) const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

fn same<'a>(v: TV<'a>) -> Out<'a> {
    match v {
        TV::Bool(b) => Out::Bool(b),
        TV::I32(i) => Out::I32(i),
        TV::I64(x) => Out::I64(x),
        TV::F32(x) => Out::F32(x),
        TV::F64(x) => Out::F64(x),
        TV::I128(x) => Out::I128(x),
        TV::Str(b) | TV::Bin(b) => Out::Bytes(b),
    }
}

fn digits(v: i128) -> usize {
    let a = v.unsigned_abs();
    (1..39).find(|&n| a < POW10[n] as u128).unwrap_or(39)
}

/// convert-primitive.ts fitPrimitive: a record's value of primitive type `record` into a column of
/// primitive type `column`: the value in the column's type exactly, a legal widening, or no fit.
pub(crate) fn fit_typed<'a>(column: &Prim, record: &Prim, v: TV<'a>) -> Fit<'a> {
    use Fit::*;
    if column == record {
        return Value(same(v));
    }
    let whole = |n: f64| n.fract() == 0.0 && n.abs() <= MAX_SAFE;
    match (column, record) {
        (Prim::Long, Prim::Int) => match v {
            TV::I32(i) => Value(Out::I64(i as i64)),
            _ => Fail,
        },
        (Prim::Long, Prim::Double | Prim::Float) => match v.number() {
            Some(n) if whole(n) => Value(Out::I64(n as i64)),
            _ => Fail,
        },
        (Prim::Int, Prim::Long) => match v {
            TV::I64(x) => i32::try_from(x).map_or(Widen(Prim::Long), |i| Value(Out::I32(i))),
            _ => Fail,
        },
        (Prim::Int, Prim::Double | Prim::Float) => match v.number() {
            Some(n) if n.fract() == 0.0 && n >= i32::MIN as f64 && n <= i32::MAX as f64 => Value(Out::I32(n as i32)),
            _ => Fail,
        },
        (Prim::Double, Prim::Float | Prim::Int) => Value(Out::F64(v.number().unwrap_or(0.0))),
        (Prim::Double, Prim::Long) => match v {
            TV::I64(x) if x.unsigned_abs() <= 1u64 << 53 => Value(Out::F64(x as f64)),
            _ => Fail,
        },
        (Prim::Float, Prim::Double | Prim::Int | Prim::Long) => {
            let n = match v {
                TV::I64(x) => {
                    let n = x as f64;
                    if n as i128 != x as i128 || n >= 9.223_372_036_854_775_807e18 {
                        return Fail;
                    }
                    n
                }
                other => other.number().unwrap_or(0.0),
            };
            if n.is_nan() || (n as f32) as f64 == n {
                Value(Out::F32(n as f32))
            } else {
                Widen(Prim::Double)
            }
        }
        (Prim::Decimal { precision, scale }, Prim::Decimal { .. } | Prim::Int | Prim::Long) => {
            let (mut unscaled, from_scale, record_decimal) = match (record, v) {
                (Prim::Decimal { scale, .. }, TV::I128(x)) => (x, *scale, true),
                (_, TV::I32(x)) => (x as i128, 0, false),
                (_, TV::I64(x)) => (x as i128, 0, false),
                _ => return Fail,
            };
            if from_scale > *scale {
                let divisor = POW10[(from_scale - scale) as usize];
                if unscaled % divisor != 0 {
                    return Fail;
                }
                unscaled /= divisor;
            } else {
                let Some(x) = unscaled.checked_mul(POW10[(scale - from_scale) as usize]) else { return Fail };
                unscaled = x;
            }
            let needed = digits(unscaled);
            if needed <= *precision as usize {
                return Value(Out::I128(unscaled));
            }
            match record {
                Prim::Decimal { precision: p, scale: s } if record_decimal && s == scale && needed <= 38 => {
                    Widen(Prim::Decimal { precision: (*p).max(needed as u8), scale: *scale })
                }
                _ => Fail,
            }
        }
        (Prim::TimestamptzNs, Prim::Timestamptz) | (Prim::TimestampNs, Prim::Timestamp) => match v {
            TV::I64(x) => x.checked_mul(1000).map_or(Fail, |ns| Value(Out::I64(ns))),
            _ => Fail,
        },
        (Prim::Timestamptz, Prim::TimestamptzNs) | (Prim::Timestamp, Prim::TimestampNs) => match v {
            TV::I64(x) if x % 1000 == 0 => Value(Out::I64(x / 1000)),
            _ => Fail,
        },
        _ => Fail,
    }
}

/// fitPrimitive for a JSON record's value (its type as the TypeScript record type has it).
fn fit_primitive<'a>(column: &Prim, v: RV<'a>) -> Fit<'a> {
    let (record, value) = match v {
        RV::Bool(b) => (Prim::Boolean, TV::Bool(b)),
        RV::Int(i) => (Prim::Int, TV::I32(i)),
        RV::Long(x) => (Prim::Long, TV::I64(x)),
        RV::Dec(x) => (Prim::Decimal { precision: 38, scale: 0 }, TV::I128(x)),
        RV::Double(x) => (Prim::Double, TV::F64(x)),
        RV::Str(s) => (Prim::String, TV::Str(s)),
        RV::Bin(b) => (Prim::Binary, TV::Bin(b)),
        RV::Tstz(t) => (Prim::Timestamptz, TV::I64(t)),
    };
    fit_typed(column, &record, value)
}

/// A fitted value into its column buffer, and into the partition slots it is the source of (only a
/// top-level value: `in_list` 0).
pub(crate) fn hold(capture: &mut Capture, in_list: u32, f: &Field, p: &Prim, out: Out, buf: &mut ColBuf) {
    if in_list == 0 && capture.sources.iter().any(|(id, _)| *id == f.id) {
        let pv = match &out {
            Out::Bool(b) => PVal::Bool(*b),
            Out::I32(i) => PVal::Int(*i as i64),
            Out::I64(x) => PVal::Long(*x as i128),
            Out::F32(x) => PVal::F32(x.to_bits()),
            Out::F64(x) => PVal::F64(x.to_bits()),
            Out::I128(x) => PVal::Decimal(*x),
            Out::Bytes(b) if *p == Prim::String => PVal::Str(b.to_vec()),
            Out::Bytes(b) => PVal::Bytes(b.to_vec()),
        };
        for (id, s) in &capture.sources {
            if *id == f.id {
                capture.slots[*s] = pv.clone();
            }
        }
    }
    match out {
        Out::Bool(b) => buf.push_bool(b),
        Out::I32(i) => buf.push_i32(i),
        Out::I64(x) => buf.push_i64(x),
        Out::F32(x) => buf.push_f32(x),
        Out::F64(x) => buf.push_f64(x),
        Out::I128(x) => buf.push_i128(x),
        Out::Bytes(b) => buf.push_bytes(b),
    }
}

/// fit-record.ts `missing`: a null where the column is required refuses the record (or, under
/// evolve, asks to make it optional).
pub(crate) fn missing(policy: Policy, changes: &mut bool, path: &[&str], required: bool, buf: &mut ColBuf) -> Result<(), Reject> {
    if required {
        if policy != Policy::Evolve {
            return Err(Reject::new("schema-violation", format!("{} is required and the record has none", path.join("."))));
        }
        *changes = true;
    }
    buf.push_null();
    Ok(())
}

/// A field the table lacks: ignored, refused (strict) or a schema change (evolve).
pub(crate) fn extra(policy: Policy, changes: &mut bool, path: &[&str], name: &str) -> Result<(), Reject> {
    match policy {
        Policy::IgnoreNewFields => Ok(()),
        Policy::Evolve => {
            *changes = true;
            Ok(())
        }
        Policy::Strict => {
            let path: Vec<&str> = path.iter().copied().chain(std::iter::once(name)).collect();
            Err(Reject::new("schema-violation", format!("{} is not a column of the table (schema policy strict)", path.join("."))))
        }
    }
}

/// A record's primitive value fitted to column `f` (fit-record.ts `value` for primitives): held, a
/// widening asked for (evolve) or refused, or refused naming the field, value and types.
#[allow(clippy::too_many_arguments)]
pub(crate) fn place(
    fit: Fit,
    policy: Policy,
    changes: &mut bool,
    path: &[&str],
    capture: &mut Capture,
    in_list: u32,
    f: &Field,
    column: &Prim,
    record: &str,
    describe: impl FnOnce() -> String,
    buf: &mut ColBuf,
) -> Result<(), Reject> {
    match fit {
        Fit::Value(out) => {
            hold(capture, in_list, f, column, out, buf);
            Ok(())
        }
        Fit::Widen(w) => {
            if policy != Policy::Evolve {
                return Err(type_mismatch(format!(
                    "{}: value {} needs column type {} instead of {} (schema policy {})",
                    path.join("."),
                    describe(),
                    w.label(),
                    column.label(),
                    policy.name()
                )));
            }
            *changes = true;
            buf.push_null();
            Ok(())
        }
        Fit::Fail => Err(type_mismatch(format!(
            "{}: {record} value {} does not fit column type {}",
            path.join("."),
            describe(),
            column.label()
        ))),
    }
}

/// The fields of the `_kafka` column.
pub const KAFKA_FIELDS: [&str; 6] = ["topic", "partition", "offset", "timestamp", "key", "headers"];

/// Where partition source values go while a record is fitted: (field id, slot).
pub struct Capture {
    pub sources: Vec<(i32, usize)>,
    pub slots: Vec<PVal>,
}

pub struct Fitter<'a> {
    pub doc: &'a Doc,
    pub src: &'a [u8],
    pub policy: Policy,
    pub changes: bool,
    pub capture: &'a mut Capture,
    path: Vec<&'a str>,
    in_list: u32,
}

/// The type the full path gives a primitive value (None for null, an object or a list).
fn primitive_type(doc: &Doc, node: u32) -> Option<RType> {
    Some(match doc.nodes[node as usize] {
        Node::Bool(_) => RType::Bool,
        Node::Str { .. } => RType::Str,
        Node::Num { num: Num::Int(_), .. } => RType::Long,
        Node::Num { num: Num::Big(_), .. } => RType::Dec38,
        Node::Num { num: Num::Double(_), .. } => RType::Double,
        _ => return None,
    })
}

/// What the plan leaves to the full path (never shown: the full path gives the outcome).
fn unplanned() -> Reject {
    Reject::new("unplanned", String::new())
}

fn type_mismatch(message: String) -> Reject {
    Reject::new("type-mismatch", message)
}

impl<'a> Fitter<'a> {
    pub fn new(doc: &'a Doc, src: &'a [u8], policy: Policy, capture: &'a mut Capture) -> Fitter<'a> {
        for s in capture.slots.iter_mut() {
            *s = PVal::Null;
        }
        Fitter::keeping(doc, src, policy, capture)
    }

    /// A fitter that keeps the partition values captured so far in the record.
    pub fn keeping(doc: &'a Doc, src: &'a [u8], policy: Policy, capture: &'a mut Capture) -> Fitter<'a> {
        Fitter { doc, src, policy, changes: false, capture, path: Vec::new(), in_list: 0 }
    }

    /// The `_kafka` column `f` of a record whose own fields are no JSON (Avro values).
    pub fn kafka_column(&mut self, f: &'a Field, buf: &mut ColBuf, key: &Key<'a>, meta: &KafkaMeta<'a>) -> Result<(), Reject> {
        self.path.push(&f.name);
        self.kafka(f, buf, key, meta, false)?;
        self.path.pop();
        Ok(())
    }

    fn dotted(&self) -> String {
        self.path.join(".")
    }

    fn missing(&mut self, required: bool, buf: &mut ColBuf) -> Result<(), Reject> {
        missing(self.policy, &mut self.changes, &self.path, required, buf)
    }

    fn extra(&mut self, name: &'a str) -> Result<(), Reject> {
        extra(self.policy, &mut self.changes, &self.path, name)
    }

    fn kind_mismatch(&self, record: &str, column: &IType) -> Reject {
        type_mismatch(format!("{}: a {record} value does not fit column type {}", self.dotted(), column.kind()))
    }

    fn primitive(&mut self, f: &Field, p: &Prim, buf: &mut ColBuf, v: RV<'a>) -> Result<(), Reject> {
        let fit = fit_primitive(p, v);
        place(fit, self.policy, &mut self.changes, &self.path, self.capture, self.in_list, f, p, v.name(), || v.describe(), buf)
    }

    /// A value the record gives no type: null, or made only of what has no type — a list with no
    /// element to take a type from (`[]`, `[null]`, `[[]]`) or an object of such members (`{}`,
    /// `{"x": null}`). A list or an object stays one (an empty list is not a null), as in fit-record.ts.
    fn untyped(&mut self, f: &'a Field, buf: &mut ColBuf, node: u32) -> Result<(), Reject> {
        match (&f.ty, self.doc.nodes[node as usize]) {
            (IType::List { element }, Node::Arr { .. }) => {
                let Col::List { child, .. } = &mut buf.col else { unreachable!() };
                self.path.push("element");
                self.in_list += 1;
                for &e in self.doc.elements(node) {
                    self.untyped(element, child, e)?;
                }
                self.in_list -= 1;
                self.path.pop();
                buf.push_list_end();
                Ok(())
            }
            (IType::Struct(columns), Node::Obj { .. }) => {
                let Col::Struct(children) = &mut buf.col else { unreachable!() };
                for (c, child) in columns.iter().zip(children.iter_mut()) {
                    self.path.push(&c.name);
                    match self.doc.member(self.src, node, c.name.as_bytes()) {
                        Some(v) => self.untyped(c, child, v)?,
                        None => self.missing(c.required, child)?,
                    }
                    self.path.pop();
                }
                buf.push_struct();
                Ok(())
            }
            _ => self.missing(f.required, buf),
        }
    }

    /// A JSON value of record type `rt` into column `f`.
    fn json(&mut self, f: &'a Field, buf: &mut ColBuf, rt: &RType, node: u32) -> Result<(), Reject> {
        match (&f.ty, rt) {
            (IType::Prim(p), RType::Bool | RType::Long | RType::Dec38 | RType::Double | RType::Str) => {
                let v = self.value_of(rt, node);
                self.primitive(f, p, buf, v)
            }
            (IType::Struct(columns), RType::Struct(_)) => {
                let Col::Struct(children) = &mut buf.col else { unreachable!() };
                for (c, child) in columns.iter().zip(children.iter_mut()) {
                    self.path.push(&c.name);
                    // A member the type lacks may still be an object or a list of what has no type
                    // (`{}`, `[{}]`): it stays one, as fit-record.ts has it.
                    let rf = rt.field(self.doc, self.src, c.name.as_bytes());
                    let v = self.doc.member(self.src, node, c.name.as_bytes());
                    match (rf, v) {
                        (Some(rf), Some(v)) if !self.doc.is_null(v) => self.json(c, child, &rf.ty, v)?,
                        (None, Some(v)) => self.untyped(c, child, v)?,
                        _ => self.missing(c.required, child)?,
                    }
                    self.path.pop();
                }
                if let RType::Struct(fields) = rt {
                    for rf in fields {
                        let name = self.doc.str_bytes(self.src, rf.name);
                        if !columns.iter().any(|c| c.name.as_bytes() == name) && addable(&rf.ty) {
                            self.extra(std::str::from_utf8(name).unwrap_or(""))?;
                        }
                    }
                }
                buf.push_struct();
                Ok(())
            }
            (IType::List { element }, RType::List(et)) => {
                let Col::List { child, .. } = &mut buf.col else { unreachable!() };
                self.path.push("element");
                self.in_list += 1;
                for &e in self.doc.elements(node) {
                    if self.doc.is_null(e) {
                        self.missing(element.required, child)?;
                    } else if matches!(**et, RType::Untyped) {
                        self.untyped(element, child, e)?;
                    } else {
                        self.json(element, child, et, e)?;
                    }
                }
                self.in_list -= 1;
                self.path.pop();
                buf.push_list_end();
                Ok(())
            }
            (column, rt) => Err(self.kind_mismatch(rt.label(), column)),
        }
    }

    /// The record's value as its (unified) type holds it: an integer in a list of doubles is a double.
    fn value_of(&self, rt: &RType, node: u32) -> RV<'a> {
        let doc = self.doc;
        match (rt, doc.nodes[node as usize]) {
            (RType::Bool, Node::Bool(b)) => RV::Bool(b),
            (RType::Str, _) => RV::Str(doc.str_bytes(self.src, node)),
            (RType::Long, Node::Num { num: Num::Int(v), .. }) => RV::Long(v),
            (RType::Dec38, Node::Num { num: Num::Int(v), .. }) => RV::Dec(v as i128),
            (RType::Dec38, Node::Num { num: Num::Big(v), .. }) => RV::Dec(v),
            (RType::Double, Node::Num { num: Num::Int(v), .. }) => RV::Double(v as f64),
            (RType::Double, Node::Num { num: Num::Big(v), .. }) => RV::Double(v as f64),
            (RType::Double, Node::Num { num: Num::Double(v), .. }) => RV::Double(v),
            _ => RV::Bool(false),
        }
    }

    /// The mapped record into the table's top-level columns.
    pub fn record(
        &mut self,
        columns: &'a [Field],
        bufs: &mut [ColBuf],
        mapped: &'a [MField<'a>],
        key: &Key<'a>,
        meta: &KafkaMeta<'a>,
    ) -> Result<(), Reject> {
        // Records mostly list their fields in the table's order: look where the last one was found first.
        let mut next = 0usize;
        let mut matched = 0usize;
        for (c, buf) in columns.iter().zip(bufs.iter_mut()) {
            self.path.push(&c.name);
            let name = c.name.as_bytes();
            let at = match mapped.get(next) {
                Some(m) if m.name == name => Some(next),
                _ => mapped.iter().position(|m| m.name == name),
            };
            if let Some(at) = at {
                next = at + 1;
                matched += 1;
            }
            match at.map(|at| &mapped[at]) {
                Some(MField { val: MVal::Json { ty, node }, .. }) => self.json(c, buf, ty, *node)?,
                Some(MField { val: MVal::Untyped(node), .. }) => self.untyped(c, buf, *node)?,
                Some(MField { val: MVal::Timestamp(t), .. }) => match &c.ty {
                    IType::Prim(p) => self.primitive(c, p, buf, RV::Tstz(*t))?,
                    other => return Err(self.kind_mismatch("timestamptz", other)),
                },
                Some(MField { val: MVal::Kafka, .. }) => self.kafka(c, buf, key, meta, false)?,
                None => self.missing(c.required, buf)?,
            }
            self.path.pop();
        }
        // Every mapped field was a column (names are unique): nothing is new.
        if matched == mapped.len() {
            return Ok(());
        }
        for m in mapped {
            if columns.iter().any(|c| c.name.as_bytes() == m.name) {
                continue;
            }
            let counts = match &m.val {
                MVal::Json { ty, .. } => addable(ty),
                MVal::Untyped(_) => false,
                _ => true,
            };
            if counts {
                self.extra(std::str::from_utf8(m.name).unwrap_or(""))?;
            }
        }
        Ok(())
    }

    /// A record by its plan (plan.rs), which `plan::plannable` took: each column from the member the
    /// plan names, fitted as `record` fits it, nested objects field by field as their plans name them.
    /// A refusal or a schema change here is for the full path to give.
    pub fn planned(
        &mut self,
        columns: &'a [Field],
        bufs: &mut [ColBuf],
        sources: &'a [Source],
        object: u32,
        key: &Key<'a>,
        meta: &KafkaMeta<'a>,
    ) -> Result<(), Reject> {
        for ((c, buf), source) in columns.iter().zip(bufs.iter_mut()).zip(sources) {
            self.path.push(&c.name);
            match source {
                Source::Absent => self.missing(c.required, buf)?,
                Source::Kafka => self.kafka(c, buf, key, meta, true)?,
                Source::Member { index, timestamp: Some((format, field)), .. } => {
                    let node = self.doc.member_value(object, *index);
                    match primitive_type(self.doc, node) {
                        None if self.doc.is_null(node) => self.missing(c.required, buf)?,
                        None => return Err(unplanned()),
                        Some(ty) => {
                            let t = to_timestamp(&MVal::Json { ty, node }, *format, field, self.doc, self.src)?;
                            match &c.ty {
                                IType::Prim(p) => self.primitive(c, p, buf, RV::Tstz(t))?,
                                other => return Err(self.kind_mismatch("timestamptz", other)),
                            }
                        }
                    }
                }
                Source::Member { index, timestamp: None, fields } => {
                    let node = self.doc.member_value(object, *index);
                    match (self.doc.nodes[node as usize], &c.ty, fields) {
                        (Node::Obj { .. }, IType::Struct(columns), Some(fields)) => {
                            let Col::Struct(children) = &mut buf.col else { unreachable!() };
                            self.planned(columns, children, fields, node, key, meta)?;
                            buf.push_struct();
                        }
                        _ => self.planned_value(c, buf, node)?,
                    }
                }
            }
            self.path.pop();
        }
        Ok(())
    }

    /// A value that is no object of the plan's shape: null, a primitive (of its own type), or a list
    /// (whose elements are of one kind: the list's type in the full path).
    fn planned_value(&mut self, f: &'a Field, buf: &mut ColBuf, node: u32) -> Result<(), Reject> {
        match (self.doc.nodes[node as usize], &f.ty) {
            (Node::Null, _) => self.missing(f.required, buf),
            (Node::Arr { .. }, IType::List { element }) => {
                let Col::List { child, .. } = &mut buf.col else { unreachable!() };
                self.path.push("element");
                self.in_list += 1;
                for &e in self.doc.elements(node) {
                    match (self.doc.nodes[e as usize], &element.ty) {
                        (Node::Obj { .. }, IType::Struct(columns)) => self.planned_element(columns, child, e)?,
                        _ => self.planned_value(element, child, e)?,
                    }
                }
                self.in_list -= 1;
                self.path.pop();
                buf.push_list_end();
                Ok(())
            }
            _ => match primitive_type(self.doc, node) {
                Some(ty) => self.json(f, buf, &ty, node),
                None => Err(unplanned()),
            },
        }
    }

    /// An object in a list of structs: its members (nulls and primitives) found by name, every one a
    /// field of the struct.
    fn planned_element(&mut self, columns: &'a [Field], buf: &mut ColBuf, node: u32) -> Result<(), Reject> {
        let Col::Struct(children) = &mut buf.col else { unreachable!() };
        let (doc, src) = (self.doc, self.src);
        // Elements mostly list their members in the struct's order: look where the last one was first.
        let mut next = 0usize;
        let mut matched = 0usize;
        for (c, child) in columns.iter().zip(children.iter_mut()) {
            self.path.push(&c.name);
            let name = c.name.as_bytes();
            let at = match doc.members(node).nth(next) {
                Some((k, _)) if doc.str_bytes(src, k) == name => Some(next),
                _ => doc.members(node).position(|(k, _)| doc.str_bytes(src, k) == name),
            };
            match at {
                Some(at) => {
                    next = at + 1;
                    matched += 1;
                    self.planned_value(c, child, doc.member_value(node, at))?;
                }
                None => self.missing(c.required, child)?,
            }
            self.path.pop();
        }
        // A member that is no field may be new or not: the full path decides.
        if matched != doc.members(node).count() {
            return Err(unplanned());
        }
        buf.push_struct();
        Ok(())
    }

    /// `_kafka`: topic, partition, offset, timestamp, key (unless the key format is none), headers. A
/// field the column lacks is a new field (see `extra`).
    fn kafka(
        &mut self,
        f: &'a Field,
        buf: &mut ColBuf,
        key: &Key<'a>,
        meta: &KafkaMeta<'a>,
        known_fields: bool,
    ) -> Result<(), Reject> {
        let IType::Struct(columns) = &f.ty else { return Err(self.kind_mismatch("struct", &f.ty)) };
        let has_key = !matches!(key, Key::Absent);
        let Col::Struct(children) = &mut buf.col else { unreachable!() };
        for (c, child) in columns.iter().zip(children.iter_mut()) {
            self.path.push(&c.name);
            let v = match c.name.as_str() {
                "topic" => Some(RV::Str(meta.topic)),
                "partition" => Some(RV::Int(meta.partition)),
                "offset" => Some(RV::Long(meta.offset)),
                "timestamp" => Some(RV::Tstz(meta.timestamp_ms.saturating_mul(1000))),
                "key" => match key {
                    Key::Text(k) => Some(RV::Str(k)),
                    Key::Bytes(k) => Some(RV::Bin(k)),
                    _ => None,
                },
                _ => None,
            };
            if c.name == "headers" {
                self.headers(c, child, meta)?;
            } else {
                match (v, &c.ty) {
                    (Some(v), IType::Prim(p)) => self.primitive(c, p, child, v)?,
                    (Some(v), other) => return Err(self.kind_mismatch(v.label(), other)),
                    (None, _) => self.missing(c.required, child)?,
                }
            }
            self.path.pop();
        }
        for name in KAFKA_FIELDS.iter().filter(|_| !known_fields) {
            if *name == "key" && !has_key {
                continue;
            }
            if !columns.iter().any(|c| c.name == *name) {
                self.extra(name)?;
            }
        }
        buf.push_struct();
        Ok(())
    }

    fn headers(&mut self, f: &'a Field, buf: &mut ColBuf, meta: &KafkaMeta<'a>) -> Result<(), Reject> {
        let IType::List { element } = &f.ty else { return Err(self.kind_mismatch("list", &f.ty)) };
        let Col::List { child, .. } = &mut buf.col else { unreachable!() };
        self.path.push("element");
        self.in_list += 1;
        for (key, value) in &meta.headers {
            let IType::Struct(columns) = &element.ty else { return Err(self.kind_mismatch("struct", &element.ty)) };
            let Col::Struct(children) = &mut child.col else { unreachable!() };
            for (c, cb) in columns.iter().zip(children.iter_mut()) {
                self.path.push(&c.name);
                let v = match c.name.as_str() {
                    "key" => Some(RV::Str(key)),
                    "value" => value.map(RV::Bin),
                    _ => None,
                };
                match (v, &c.ty) {
                    (Some(v), IType::Prim(p)) => self.primitive(c, p, cb, v)?,
                    (Some(v), other) => return Err(self.kind_mismatch(v.label(), other)),
                    (None, _) => self.missing(c.required, cb)?,
                }
                self.path.pop();
            }
            for name in ["key", "value"] {
                if !columns.iter().any(|c| c.name == name) {
                    self.extra(name)?;
                }
            }
            child.push_struct();
        }
        self.in_list -= 1;
        self.path.pop();
        buf.push_list_end();
        Ok(())
    }
}

pub fn kafka_column_name() -> &'static str {
    KAFKA_COLUMN
}
