//! The pipeline's mapping of a record to table columns, as `mapping/map-record.ts` does it: select,
//! timestamps (to timestamptz µs), rename, and the `_kafka` metadata column.

use std::collections::HashMap;

use serde_json::Value;

use crate::describe::{abbreviate, js_number, json_string};
use crate::infer::{RField, RType, Reject};
use crate::json::{Doc, Node, Num};

pub const KAFKA_COLUMN: &str = "_kafka";

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TsFormat {
    EpochS,
    EpochMs,
    EpochUs,
    Iso8601,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyFormat {
    None,
    String,
    Json,
    Avro,
}

impl TsFormat {
    pub fn name(self) -> &'static str {
        match self {
            TsFormat::EpochS => "epoch-s",
            TsFormat::EpochMs => "epoch-ms",
            TsFormat::EpochUs => "epoch-us",
            TsFormat::Iso8601 => "iso8601",
        }
    }
}

impl KeyFormat {
    pub fn name(self) -> &'static str {
        match self {
            KeyFormat::None => "none",
            KeyFormat::String => "string",
            KeyFormat::Json => "json",
            KeyFormat::Avro => "avro",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Mapping {
    pub select: Option<Vec<String>>,
    pub timestamps: Vec<(String, TsFormat)>,
    pub rename: HashMap<String, String>,
    pub kafka_metadata: bool,
    pub key_format: KeyFormat,
}

impl Mapping {
    pub fn from_json(mapping: &Value, key_format: &str) -> Result<Mapping, String> {
        let select = mapping
            .get("select")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect());
        let mut timestamps = Vec::new();
        for t in mapping.get("timestamps").and_then(Value::as_array).into_iter().flatten() {
            let field = t["field"].as_str().ok_or("a timestamp mapping without a field")?.to_string();
            let format = match t["format"].as_str().unwrap_or("") {
                "epoch-s" => TsFormat::EpochS,
                "epoch-ms" => TsFormat::EpochMs,
                "epoch-us" => TsFormat::EpochUs,
                "iso8601" => TsFormat::Iso8601,
                other => return Err(format!("the native engine does not know the timestamp format {other}")),
            };
            timestamps.push((field, format));
        }
        let rename = mapping
            .get("rename")
            .and_then(Value::as_object)
            .map(|o| o.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect())
            .unwrap_or_default();
        let key_format = match key_format {
            "none" => KeyFormat::None,
            "string" => KeyFormat::String,
            "json" => KeyFormat::Json,
            "avro" => KeyFormat::Avro,
            other => return Err(format!("the native engine does not know the key format {other}")),
        };
        Ok(Mapping {
            select,
            timestamps,
            rename,
            kafka_metadata: mapping.get("kafkaMetadata").and_then(Value::as_bool).unwrap_or(true),
            key_format,
        })
    }
}

/// One Kafka record's metadata, as the batch hands it over.
pub struct KafkaMeta<'a> {
    pub topic: &'a [u8],
    pub partition: i32,
    pub offset: i64,
    pub timestamp_ms: i64,
    pub key: Option<&'a [u8]>,
    pub headers: Vec<(&'a [u8], Option<&'a [u8]>)>,
}

/// A mapped field's value: a JSON value with its type, an object made only of what has no type
/// (`{}`, `{"x": null}`: no field of the record's type, an object all the same), a declared
/// timestamp, or the Kafka metadata.
pub enum MVal {
    Json { ty: RType, node: u32 },
    Untyped(u32),
    Timestamp(i64),
    Kafka,
}

pub struct MField<'a> {
    pub name: &'a [u8],
    pub val: MVal,
}

/// The key as `_kafka.key` holds it: text (UTF-8 checked) or bytes (Avro keys).
pub enum Key<'a> {
    Absent,
    Null,
    Text(&'a [u8]),
    Bytes(&'a [u8]),
}

pub struct Mapped<'a> {
    pub fields: Vec<MField<'a>>,
    pub key: Key<'a>,
}

fn mapping_failed(message: String) -> Reject {
    Reject::new("mapping-failed", message)
}

/// A record field's name in the table (most pipelines rename nothing: no lookup then).
pub fn renamed<'a>(m: &'a Mapping, name: &'a [u8]) -> &'a [u8] {
    if m.rename.is_empty() {
        return name;
    }
    let text = std::str::from_utf8(name).unwrap_or("");
    m.rename.get(text).map_or(name, |r| r.as_bytes())
}

/// Maps a record's top-level fields (its struct type, members in order) to the table's field names.
pub fn map_record<'a>(
    m: &'a Mapping,
    doc: &'a Doc,
    src: &'a [u8],
    root: u32,
    fields: Vec<RField>,
    meta: &KafkaMeta<'a>,
) -> Result<Mapped<'a>, Reject> {
    let mut out: Vec<(&'a [u8], MVal)> = Vec::with_capacity(fields.len() + 1);
    for f in fields {
        let name = doc.str_bytes(src, f.name);
        if let Some(select) = &m.select {
            if !select.iter().any(|s| s.as_bytes() == name) {
                continue;
            }
        }
        out.push((name, MVal::Json { ty: f.ty, node: f.name }));
    }
    // `node` above is the name node; its value follows it among the root's members, in the same order.
    let mut members = doc.members(root);
    for (_, val) in out.iter_mut() {
        if let MVal::Json { node, .. } = val {
            let key = *node;
            *node = members.by_ref().find(|&(k, _)| k == key).map_or(key, |(_, v)| v);
        }
    }
    for (field, format) in &m.timestamps {
        let Some(at) = out.iter().position(|(n, _)| *n == field.as_bytes()) else { continue };
        let converted = to_timestamp(&out[at].1, *format, field, doc, src)?;
        out[at].1 = MVal::Timestamp(converted);
    }
    let mut mapped: Vec<MField<'a>> = out
        .into_iter()
        .map(|(name, val)| MField { name: renamed(m, name), val })
        .collect();
    // Objects made only of what has no type have no field in the type but are values all the same
    // (renamed, never converted to timestamps), as map-record.ts keeps them.
    for (name_node, value) in doc.members(root) {
        if !matches!(doc.nodes[value as usize], Node::Obj { .. }) {
            continue;
        }
        let name = doc.str_bytes(src, name_node);
        if m.select.as_ref().is_some_and(|select| !select.iter().any(|s| s.as_bytes() == name)) {
            continue;
        }
        let to = renamed(m, name);
        if mapped.iter().any(|f| f.name == to) || (m.kafka_metadata && to == KAFKA_COLUMN.as_bytes()) {
            continue;
        }
        mapped.push(MField { name: to, val: MVal::Untyped(value) });
    }
    let mut key = Key::Absent;
    if m.kafka_metadata {
        if mapped.iter().any(|f| f.name == KAFKA_COLUMN.as_bytes()) {
            return Err(mapping_failed(format!(
                "the record has a field named {KAFKA_COLUMN}, which holds Kafka metadata: rename it or turn the metadata column off"
            )));
        }
        key = record_key(m, meta)?;
        mapped.push(MField { name: KAFKA_COLUMN.as_bytes(), val: MVal::Kafka });
    }
    // Member names are unique (the parser refuses a repeated one) and the metadata column was checked
    // above: only a rename can make two fields one.
    for (i, f) in mapped.iter().enumerate().filter(|_| !m.rename.is_empty()) {
        if mapped[..i].iter().any(|g| g.name == f.name) {
            return Err(mapping_failed(format!("two fields are renamed to {}", String::from_utf8_lossy(f.name))));
        }
    }
    Ok(Mapped { fields: mapped, key })
}

/// The record's key as `_kafka.key` holds it (the metadata column is on).
pub fn record_key<'a>(m: &Mapping, meta: &KafkaMeta<'a>) -> Result<Key<'a>, Reject> {
    Ok(match (m.key_format, meta.key) {
        (KeyFormat::None, _) => Key::Absent,
        (_, None) => Key::Null,
        (KeyFormat::Avro, Some(k)) => Key::Bytes(k),
        (format, Some(k)) => {
            if std::str::from_utf8(k).is_err() {
                return Err(Reject::new(
                    "undecodable",
                    format!("the key is not UTF-8 text (key format {})", format.name()),
                ));
            }
            Key::Text(k.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(k))
        }
    })
}

/// A value as `describeValue` shows it in mapping messages.
fn describe_json(doc: &Doc, src: &[u8], node: u32) -> String {
    abbreviate(compact(doc, src, node))
}

/// JSON.stringify of a decoded value (bigints aside: the TypeScript path cannot print those).
fn compact(doc: &Doc, src: &[u8], node: u32) -> String {
    match doc.nodes[node as usize] {
        Node::Null => "null".into(),
        Node::Bool(b) => b.to_string(),
        Node::Num { num, start, end } => match num {
            Num::Int(v) => v.to_string(),
            Num::Big(v) => v.to_string(),
            Num::Double(v) => js_number(v),
            _ => String::from_utf8_lossy(&src[start as usize..end as usize]).into_owned(),
        },
        Node::Str { .. } => json_string(doc.str_bytes(src, node)),
        Node::Arr { .. } => {
            let parts: Vec<String> = doc.elements(node).iter().map(|&e| compact(doc, src, e)).collect();
            format!("[{}]", parts.join(","))
        }
        Node::Obj { .. } => {
            let parts: Vec<String> = doc
                .members(node)
                .map(|(k, v)| format!("{}:{}", json_string(doc.str_bytes(src, k)), compact(doc, src, v)))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
    }
}

pub fn to_timestamp(val: &MVal, format: TsFormat, field: &str, doc: &Doc, src: &[u8]) -> Result<i64, Reject> {
    let shown = || match val {
        MVal::Json { node, .. } | MVal::Untyped(node) => describe_json(doc, src, *node),
        MVal::Timestamp(t) => t.to_string(),
        MVal::Kafka => "an object".into(),
    };
    let reject = |why: &str| mapping_failed(format!("{field}: {} {why}", shown()));
    let (ty, node) = match val {
        MVal::Json { ty, node } => (Some(ty), Some(*node)),
        _ => (None, None),
    };
    if let Some(t @ (RType::Struct(_) | RType::List(_))) = ty {
        return Err(reject(&format!("is a {}, not a {} timestamp", t.label(), format.name())));
    }
    let text = node.filter(|_| matches!(ty, Some(RType::Str))).map(|n| doc.str_bytes(src, n));
    let whole: Option<i128> = match (val, node.map(|n| doc.nodes[n as usize])) {
        (MVal::Timestamp(t), _) => Some(*t as i128),
        (_, Some(Node::Num { num: Num::Int(v), .. })) => Some(v as i128),
        (_, Some(Node::Num { num: Num::Big(v), .. })) => Some(v),
        (_, Some(Node::Num { num: Num::Double(v), .. })) if v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_991.0 => {
            Some(v as i128)
        }
        _ => None,
    };
    timestamp_micros(format, text, whole, reject)
}

/// The end of timestamps.ts toTimestampMicros for a primitive value: `text` when it is a string,
/// `whole` when it is a whole number; `reject` names the field and the value.
pub fn timestamp_micros(
    format: TsFormat,
    text: Option<&[u8]>,
    whole: Option<i128>,
    reject: impl Fn(&str) -> Reject,
) -> Result<i64, Reject> {
    if format == TsFormat::Iso8601 {
        let Some(text) = text else { return Err(reject("is not an ISO-8601 text")) };
        return parse_iso8601(text)
            .ok_or_else(|| reject("is not an ISO-8601 timestamp with a zone (e.g. 2026-11-25T09:30:00.123Z)"));
    }
    let (unit, scale): (&str, i128) = match format {
        TsFormat::EpochS => ("s", 1_000_000),
        TsFormat::EpochMs => ("ms", 1_000),
        _ => ("us", 1),
    };
    let Some(whole) = whole else { return Err(reject(&format!("is not a whole number of {unit}"))) };
    whole
        .checked_mul(scale)
        .and_then(|v| i64::try_from(v).ok())
        .ok_or_else(|| reject("is beyond the range of a timestamp"))
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

/// Microseconds from the epoch of an ISO-8601 date-time with a zone, as timestamps.ts reads it.
pub fn parse_iso8601(text: &[u8]) -> Option<i64> {
    let num = |s: &[u8]| -> Option<i64> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    if text.len() < 20 {
        return None;
    }
    let (y, mo, d) = (num(&text[0..4])?, num(&text[5..7])?, num(&text[8..10])?);
    if text[4] != b'-' || text[7] != b'-' || !(text[10] == b'T' || text[10] == b' ') {
        return None;
    }
    let (h, mi, s) = (num(&text[11..13])?, num(&text[14..16])?, num(&text[17..19])?);
    if text[13] != b':' || text[16] != b':' {
        return None;
    }
    let mut rest = &text[19..];
    let mut fraction: &[u8] = b"";
    if rest.first().is_some_and(|&c| c == b'.' || c == b',') {
        let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return None;
        }
        fraction = &rest[1..1 + n];
        rest = &rest[1 + n..];
    }
    let offset_minutes: i64 = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), zone @ ..] => {
            let (hh, mm) = match zone.len() {
                2 => (num(zone)?, 0),
                4 => (num(&zone[0..2])?, num(&zone[2..4])?),
                5 if zone[2] == b':' => (num(&zone[0..2])?, num(&zone[3..5])?),
                _ => return None,
            };
            let minutes = hh * 60 + mm;
            if minutes >= 24 * 60 {
                return None;
            }
            if *sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h >= 24 || mi >= 60 || s >= 60 {
        return None;
    }
    if fraction.len() > 6 && fraction[6..].iter().any(|&c| c != b'0') {
        return None;
    }
    let mut micros: i64 = 0;
    for i in 0..6 {
        micros = micros * 10 + fraction.get(i).map_or(0, |c| (c - b'0') as i64);
    }
    let seconds = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset_minutes * 60;
    Some(seconds * 1_000_000 + micros)
}

#[cfg(test)]
mod tests {
    use super::parse_iso8601;

    #[test]
    fn iso8601_with_a_zone_to_exact_microseconds() {
        assert_eq!(parse_iso8601(b"2026-11-25T09:30:00Z"), Some(1_795_599_000_000_000));
        assert_eq!(parse_iso8601(b"2026-11-25T15:00:00.123456+05:30"), Some(1_795_599_000_123_456));
        assert_eq!(parse_iso8601(b"1969-12-31T23:59:59.999999Z"), Some(-1));
        assert_eq!(parse_iso8601(b"0050-01-01T00:00:00Z"), Some(-60_589_296_000_000_000));
        assert_eq!(parse_iso8601(b"2026-11-25T09:30:00.123456000Z"), Some(1_795_599_000_123_456));
        assert_eq!(parse_iso8601(b"2026-11-25T09:30:00.1234567Z"), None);
        assert_eq!(parse_iso8601(b"2026-11-25T09:30:00"), None);
        assert_eq!(parse_iso8601(b"2026-02-30T00:00:00Z"), None);
        assert_eq!(parse_iso8601(b"2026-11-25T24:00:00Z"), None);
        assert_eq!(parse_iso8601(b"2026-11-25 09:30:00-0100"), Some(1_795_602_600_000_000));
    }
}
