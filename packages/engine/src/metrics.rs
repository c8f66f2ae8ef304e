//! Iceberg column metrics of a data file, computed from its Arrow data as `iceberg/src/writer/metrics.ts`
//! computes them: value, null and NaN counts per leaf field id (Parquet's leaf entries), and lower/upper
//! bounds in single-value binary form for leaves outside lists and maps, strings and binary truncated.

use std::cmp::Ordering;

use arrow_array::{cast::AsArray, types::*, Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};

use crate::partition::min_big_endian;
use crate::schema::{Field, IType, Prim};

pub const TRUNCATE_LENGTH: usize = 16;

#[derive(Clone, Debug)]
enum Cmp {
    F(f64),
    I(i128),
    B(Vec<u8>),
}

pub struct LeafStats {
    pub id: i32,
    prim: Prim,
    bounded: bool,
    pub values: u64,
    pub nulls: u64,
    pub nans: u64,
    min: Option<Cmp>,
    max: Option<Cmp>,
}

#[derive(Default)]
pub struct Metrics {
    pub leaves: Vec<LeafStats>,
}

/// The float order of metrics.ts: numeric, with -0 below 0.
fn fcmp(a: f64, b: f64) -> Ordering {
    if a == b {
        return b.is_sign_negative().cmp(&a.is_sign_negative());
    }
    if a < b {
        Ordering::Less
    } else {
        Ordering::Greater
    }
}

fn cmp(a: &Cmp, b: &Cmp) -> Ordering {
    match (a, b) {
        (Cmp::F(x), Cmp::F(y)) => fcmp(*x, *y),
        (Cmp::I(x), Cmp::I(y)) => x.cmp(y),
        (Cmp::B(x), Cmp::B(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

impl Metrics {
    fn leaf(&mut self, id: i32, prim: &Prim, repeated: bool) -> usize {
        if let Some(i) = self.leaves.iter().position(|l| l.id == id) {
            return i;
        }
        self.leaves.push(LeafStats {
            id,
            prim: prim.clone(),
            bounded: !repeated,
            values: 0,
            nulls: 0,
            nans: 0,
            min: None,
            max: None,
        });
        self.leaves.len() - 1
    }

    pub fn add_batch(&mut self, fields: &[Field], columns: &[ArrayRef]) {
        for (f, c) in fields.iter().zip(columns) {
            self.visit(&f.ty, f.id, c.as_ref(), None, false);
        }
    }

    /// `positions`: indices into `data` of each leaf entry, -1 where an ancestor is null or an empty
    /// list left the entry undefined (None: every row of `data`).
    fn visit(&mut self, t: &IType, id: i32, data: &dyn Array, positions: Option<&[i32]>, repeated: bool) {
        let count = positions.map_or(data.len(), <[i32]>::len);
        let defined = |k: usize| -> i32 {
            let p = positions.map_or(k as i32, |ps| ps[k]);
            if p >= 0 && data.is_valid(p as usize) {
                p
            } else {
                -1
            }
        };
        match t {
            IType::Struct(fields) => {
                let child_positions: Vec<i32> = (0..count).map(defined).collect();
                let s = data.as_struct();
                for (i, f) in fields.iter().enumerate() {
                    self.visit(&f.ty, f.id, s.column(i).as_ref(), Some(&child_positions), repeated);
                }
            }
            IType::List { .. } | IType::Map { .. } => {
                let (offsets, child): (&[i32], &dyn Array) = match data.data_type() {
                    DataType::Map(..) => {
                        let m = data.as_map();
                        (m.value_offsets(), m.entries())
                    }
                    _ => {
                        let l = data.as_list::<i32>();
                        (l.value_offsets(), l.values().as_ref())
                    }
                };
                let mut expanded = Vec::with_capacity(count);
                for k in 0..count {
                    let p = defined(k);
                    let (start, end) = if p < 0 { (0, 0) } else { (offsets[p as usize], offsets[p as usize + 1]) };
                    if start == end {
                        expanded.push(-1);
                    } else {
                        expanded.extend(start..end);
                    }
                }
                match t {
                    IType::List { element } => self.visit(&element.ty, element.id, child, Some(&expanded), true),
                    IType::Map { key, value } => {
                        let entries = child.as_struct();
                        self.visit(&key.ty, key.id, entries.column(0).as_ref(), Some(&expanded), true);
                        self.visit(&value.ty, value.id, entries.column(1).as_ref(), Some(&expanded), true);
                    }
                    _ => {}
                }
            }
            IType::Prim(p) => {
                let at = self.leaf(id, p, repeated);
                let floating = matches!(p, Prim::Float | Prim::Double);
                let stats = &mut self.leaves[at];
                stats.values += count as u64;
                let bounded = stats.bounded;
                let mut min = stats.min.take();
                let mut max = stats.max.take();
                let mut nulls = 0u64;
                let mut nans = 0u64;
                for k in 0..count {
                    let p = defined(k);
                    if p < 0 {
                        nulls += 1;
                        continue;
                    }
                    if !floating && !bounded {
                        continue;
                    }
                    // Strings and binary are compared where they lie: a copy only for a new bound.
                    if let Some(b) = bytes_at(data, p as usize) {
                        if !matches!(&min, Some(Cmp::B(m)) if b >= m.as_slice()) {
                            min = Some(Cmp::B(b.to_vec()));
                        }
                        if !matches!(&max, Some(Cmp::B(m)) if b <= m.as_slice()) {
                            max = Some(Cmp::B(b.to_vec()));
                        }
                        continue;
                    }
                    let v = read(data, p as usize);
                    if let Cmp::F(x) = v {
                        if x.is_nan() {
                            nans += 1;
                            continue;
                        }
                    }
                    if !bounded {
                        continue;
                    }
                    if min.as_ref().is_none_or(|m| cmp(&v, m) == Ordering::Less) {
                        min = Some(v.clone());
                    }
                    if max.as_ref().is_none_or(|m| cmp(&v, m) == Ordering::Greater) {
                        max = Some(v);
                    }
                }
                let stats = &mut self.leaves[at];
                stats.nulls += nulls;
                stats.nans += nans;
                stats.min = min;
                stats.max = max;
            }
        }
    }
}

/// A string's or binary value's bytes (None for other types).
fn bytes_at(data: &dyn Array, i: usize) -> Option<&[u8]> {
    match data.data_type() {
        DataType::Utf8 => Some(data.as_string::<i32>().value(i).as_bytes()),
        DataType::Binary => Some(data.as_binary::<i32>().value(i)),
        DataType::FixedSizeBinary(_) => Some(data.as_fixed_size_binary().value(i)),
        _ => None,
    }
}

fn read(data: &dyn Array, i: usize) -> Cmp {
    match data.data_type() {
        DataType::Boolean => Cmp::I(data.as_boolean().value(i) as i128),
        DataType::Int32 => Cmp::I(data.as_primitive::<Int32Type>().value(i) as i128),
        DataType::Date32 => Cmp::I(data.as_primitive::<Date32Type>().value(i) as i128),
        DataType::Int64 => Cmp::I(data.as_primitive::<Int64Type>().value(i) as i128),
        DataType::Time64(_) => Cmp::I(data.as_primitive::<Time64MicrosecondType>().value(i) as i128),
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            Cmp::I(data.as_primitive::<TimestampMicrosecondType>().value(i) as i128)
        }
        DataType::Timestamp(_, _) => Cmp::I(data.as_primitive::<TimestampNanosecondType>().value(i) as i128),
        DataType::Float32 => Cmp::F(data.as_primitive::<Float32Type>().value(i) as f64),
        DataType::Float64 => Cmp::F(data.as_primitive::<Float64Type>().value(i)),
        DataType::Decimal128(_, _) => Cmp::I(data.as_primitive::<Decimal128Type>().value(i)),
        _ => Cmp::I(0),
    }
}

/// Byte offset where code point `count` starts, or None when the text has no more code points.
fn code_point_offset(bytes: &[u8], count: usize) -> Option<usize> {
    let mut seen = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b & 0xc0 != 0x80 {
            if seen == count {
                return Some(i);
            }
            seen += 1;
        }
    }
    None
}

fn truncate_string_upper(utf8: &[u8], length: usize) -> Option<Vec<u8>> {
    let Some(cut) = code_point_offset(utf8, length) else { return Some(utf8.to_vec()) };
    let chars: Vec<u32> = String::from_utf8_lossy(&utf8[..cut]).chars().map(|c| c as u32).collect();
    for i in (0..chars.len()).rev() {
        let mut next = chars[i] + 1;
        if (0xd800..=0xdfff).contains(&next) {
            next = 0xe000;
        }
        if next <= 0x10ffff {
            let mut out: String = chars[..i].iter().filter_map(|&c| char::from_u32(c)).collect();
            out.push(char::from_u32(next).unwrap_or('\u{e000}'));
            return Some(out.into_bytes());
        }
    }
    None
}

fn truncate_binary_upper(bytes: &[u8], length: usize) -> Option<Vec<u8>> {
    if bytes.len() <= length {
        return Some(bytes.to_vec());
    }
    for i in (0..length).rev() {
        if bytes[i] != 0xff {
            let mut out = bytes[..=i].to_vec();
            out[i] += 1;
            return Some(out);
        }
    }
    None
}

fn single_value(p: &Prim, v: &Cmp) -> Vec<u8> {
    match (p, v) {
        (Prim::Boolean, Cmp::I(x)) => vec![*x as u8],
        (Prim::Int | Prim::Date, Cmp::I(x)) => (*x as i32).to_le_bytes().to_vec(),
        (Prim::Float, Cmp::F(x)) => (*x as f32).to_le_bytes().to_vec(),
        (Prim::Double, Cmp::F(x)) => x.to_le_bytes().to_vec(),
        (Prim::Decimal { .. }, Cmp::I(x)) => min_big_endian(*x),
        (_, Cmp::I(x)) => (*x as i64).to_le_bytes().to_vec(),
        (_, Cmp::B(b)) => b.clone(),
        (_, Cmp::F(x)) => x.to_le_bytes().to_vec(),
    }
}

impl LeafStats {
    pub fn floating(&self) -> bool {
        matches!(self.prim, Prim::Float | Prim::Double)
    }

    pub fn lower(&self) -> Option<Vec<u8>> {
        let v = self.min.as_ref()?;
        Some(match (&self.prim, v) {
            (Prim::String, Cmp::B(b)) => b[..code_point_offset(b, TRUNCATE_LENGTH).unwrap_or(b.len())].to_vec(),
            (Prim::Binary | Prim::Fixed(_), Cmp::B(b)) => b[..b.len().min(TRUNCATE_LENGTH)].to_vec(),
            (p, v) => single_value(p, v),
        })
    }

    pub fn upper(&self) -> Option<Vec<u8>> {
        let v = self.max.as_ref()?;
        match (&self.prim, v) {
            (Prim::String, Cmp::B(b)) => truncate_string_upper(b, TRUNCATE_LENGTH),
            (Prim::Binary | Prim::Fixed(_), Cmp::B(b)) => truncate_binary_upper(b, TRUNCATE_LENGTH),
            (p, v) => Some(single_value(p, v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_upper_bounds_are_incremented() {
        let s = "abcdefghijklmnopqrstuvwxyz".as_bytes();
        assert_eq!(truncate_string_upper(s, 16).unwrap(), b"abcdefghijklmnoq");
        assert_eq!(truncate_string_upper(b"short", 16).unwrap(), b"short");
        assert_eq!(truncate_binary_upper(&[0xff; 20], 16), None);
        let mut b = vec![1u8; 20];
        b[15] = 0xff;
        assert_eq!(truncate_binary_upper(&b, 16).unwrap(), [vec![1u8; 14], vec![2u8]].concat());
        assert_eq!(fcmp(-0.0, 0.0), Ordering::Less);
        assert_eq!(fcmp(0.0, -0.0), Ordering::Greater);
    }
}
