//! Partition values of a row (spec "Partition Transforms"), computed as `iceberg/src/transform/*` does:
//! identity, bucket[N] with murmur3 x86 32, truncate[W], year/month/day/hour (floored), void.

use crate::schema::{Prim, Transform};

/// A source column's value or a partition value, in the form Iceberg's single values take.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PVal {
    Null,
    Bool(bool),
    /// int, date, and the int results of bucket/year/month/hour (and a truncated int).
    Int(i64),
    /// long, time and timestamps (µs or ns); i128 as a truncated long may pass i64::MIN.
    Long(i128),
    /// float and double, by their bits.
    F32(u32),
    F64(u64),
    Decimal(i128),
    Str(Vec<u8>),
    Bytes(Vec<u8>),
}

pub type PartKey = Vec<PVal>;

pub fn murmur3_32(data: &[u8]) -> i32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h: u32 = 0;
    let chunks = data.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    if !rest.is_empty() {
        let mut k: u32 = 0;
        for (i, &b) in rest.iter().enumerate() {
            k |= (b as u32) << (8 * i);
        }
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h as i32
}

/// The fewest big-endian two's complement bytes that hold `v` (Java's BigInteger.toByteArray).
pub fn min_big_endian(v: i128) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    while start < 15 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        if (b == 0 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    bytes[start..].to_vec()
}

fn hash_long(v: i64) -> i32 {
    murmur3_32(&v.to_le_bytes())
}

fn bucket_hash(p: &Prim, v: &PVal) -> Option<i32> {
    Some(match (p, v) {
        (Prim::TimestampNs | Prim::TimestamptzNs, PVal::Long(x)) => hash_long(x.div_euclid(1000) as i64),
        (_, PVal::Int(x)) => hash_long(*x),
        (_, PVal::Long(x)) => hash_long(*x as i64),
        (_, PVal::Decimal(x)) => murmur3_32(&min_big_endian(*x)),
        (_, PVal::Str(b) | PVal::Bytes(b)) => murmur3_32(b),
        _ => return None,
    })
}

/// Days from 1970-01-01 to a civil date's year and month (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month)
}

const MICROS_PER_HOUR: i128 = 3_600_000_000;
const MICROS_PER_DAY: i128 = 86_400_000_000;

fn micros(p: &Prim, v: i128) -> i128 {
    match p {
        Prim::TimestampNs | Prim::TimestamptzNs => v.div_euclid(1000),
        _ => v,
    }
}

/// The partition value of a source value (null stays null; void is always null).
pub fn apply(t: &Transform, p: &Prim, v: &PVal) -> PVal {
    if *v == PVal::Null || *t == Transform::Void {
        return PVal::Null;
    }
    match t {
        Transform::Identity => v.clone(),
        Transform::Bucket(n) => match bucket_hash(p, v) {
            Some(h) => PVal::Int(((h & 0x7fff_ffff) % *n as i32) as i64),
            None => PVal::Null,
        },
        Transform::Truncate(w) => {
            let w128 = *w as i128;
            match v {
                PVal::Int(x) => PVal::Int(x - x.rem_euclid(*w as i64)),
                PVal::Long(x) => PVal::Long(x - x.rem_euclid(w128)),
                PVal::Decimal(x) => PVal::Decimal(x - x.rem_euclid(w128)),
                PVal::Str(s) => {
                    let text = std::str::from_utf8(s).unwrap_or("");
                    let end = text.char_indices().nth(*w as usize).map_or(text.len(), |(i, _)| i);
                    PVal::Str(s[..end].to_vec())
                }
                PVal::Bytes(b) => PVal::Bytes(b[..b.len().min(*w as usize)].to_vec()),
                _ => PVal::Null,
            }
        }
        Transform::Hour => match v {
            PVal::Long(x) => PVal::Int(micros(p, *x).div_euclid(MICROS_PER_HOUR) as i64),
            _ => PVal::Null,
        },
        Transform::Year | Transform::Month | Transform::Day => {
            let days = match v {
                PVal::Int(d) => *d,
                PVal::Long(x) => micros(p, *x).div_euclid(MICROS_PER_DAY) as i64,
                _ => return PVal::Null,
            };
            if *t == Transform::Day {
                return PVal::Int(days);
            }
            let (year, month) = civil_from_days(days);
            PVal::Int(if *t == Transform::Year { year - 1970 } else { (year - 1970) * 12 + month - 1 })
        }
        Transform::Void => PVal::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TS_2017_11_16_22_31_08: i128 = 1_510_871_468_000_000;

    #[test]
    fn bucket_hashes_match_the_spec_appendix_b() {
        assert_eq!(bucket_hash(&Prim::Int, &PVal::Int(34)), Some(2017239379));
        assert_eq!(bucket_hash(&Prim::Long, &PVal::Long(34)), Some(2017239379));
        assert_eq!(bucket_hash(&Prim::Decimal { precision: 9, scale: 2 }, &PVal::Decimal(1420)), Some(-500754589));
        assert_eq!(bucket_hash(&Prim::Date, &PVal::Int(17486)), Some(-653330422));
        assert_eq!(bucket_hash(&Prim::Timestamp, &PVal::Long(TS_2017_11_16_22_31_08)), Some(-2047944441));
        assert_eq!(bucket_hash(&Prim::Timestamp, &PVal::Long(TS_2017_11_16_22_31_08 + 1)), Some(-1207196810));
        assert_eq!(
            bucket_hash(&Prim::TimestampNs, &PVal::Long(TS_2017_11_16_22_31_08 * 1000 + 1001)),
            Some(-1207196810)
        );
        assert_eq!(bucket_hash(&Prim::String, &PVal::Str(b"iceberg".to_vec())), Some(1210000089));
        assert_eq!(bucket_hash(&Prim::Binary, &PVal::Bytes(vec![0, 1, 2, 3])), Some(-188683207));
        assert_eq!(apply(&Transform::Bucket(100), &Prim::Int, &PVal::Int(34)), PVal::Int(79));
    }

    #[test]
    fn decimals_hash_in_the_fewest_bytes() {
        let hex = |v: i128| min_big_endian(v).iter().map(|b| format!("{b:02x}")).collect::<String>();
        let got: Vec<String> = [0, 1, 127, 128, -1, -128, -129, 1420].into_iter().map(hex).collect();
        assert_eq!(got, ["00", "01", "7f", "0080", "ff", "80", "ff7f", "058c"]);
    }

    #[test]
    fn temporal_transforms_floor_before_the_epoch() {
        let ts = PVal::Long(TS_2017_11_16_22_31_08);
        assert_eq!(apply(&Transform::Year, &Prim::Timestamp, &ts), PVal::Int(47));
        assert_eq!(apply(&Transform::Month, &Prim::Timestamp, &ts), PVal::Int(47 * 12 + 10));
        assert_eq!(apply(&Transform::Day, &Prim::Timestamptz, &ts), PVal::Int(17486));
        assert_eq!(apply(&Transform::Hour, &Prim::Timestamp, &ts), PVal::Int(17486 * 24 + 22));
        for t in [Transform::Year, Transform::Month, Transform::Day, Transform::Hour] {
            assert_eq!(apply(&t, &Prim::Timestamp, &PVal::Long(-1)), PVal::Int(-1));
        }
        assert_eq!(apply(&Transform::Month, &Prim::Date, &PVal::Int(17486)), PVal::Int(574));
    }

    #[test]
    fn truncate_rounds_toward_negative_infinity() {
        assert_eq!(apply(&Transform::Truncate(10), &Prim::Int, &PVal::Int(-1)), PVal::Int(-10));
        assert_eq!(apply(&Transform::Truncate(10), &Prim::Long, &PVal::Long(15)), PVal::Long(10));
        assert_eq!(
            apply(&Transform::Truncate(3), &Prim::String, &PVal::Str("ñañaña".as_bytes().to_vec())),
            PVal::Str("ñañ".as_bytes().to_vec())
        );
    }
}
