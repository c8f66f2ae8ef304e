//! The records of Kafka record batches (message format v2) as they came off the wire, indexed in one
//! pass into the ranges a `Batch` reads: nothing is copied, no object is made per record. The batch
//! headers (offsets, timestamps, compression) were read by the adapter, which hands over each batch's
//! records section, decompressed.

/// Where each Kafka record batch's records are, and what their deltas are relative to.
pub struct WireBatches<'a> {
    pub data: &'a [u8],
    /// Per Kafka batch: start and end of its records section in `data`.
    pub ranges: &'a [u32],
    pub base_offsets: &'a [i64],
    pub base_timestamps: &'a [i64],
    /// Per Kafka batch: the broker's append time when the topic uses log-append time (every record
    /// then has it, as the Java client gives it), else -1.
    pub append_times: &'a [i64],
    pub counts: &'a [u32],
}

/// The index of every record, in the layout `writer::Batch` takes.
#[derive(Default, Debug)]
pub struct WireIndex {
    pub flags: Vec<u8>,
    pub offsets: Vec<i64>,
    pub timestamps: Vec<i64>,
    pub value_ranges: Vec<u32>,
    pub key_ranges: Vec<u32>,
    pub header_starts: Vec<u32>,
    pub header_ranges: Vec<u32>,
    pub header_null: Vec<u8>,
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
}

impl Cursor<'_> {
    fn fail(&self, what: &str) -> String {
        format!("a corrupt Kafka record at byte {} of its batch: {what}", self.pos)
    }

    fn byte(&mut self) -> Result<u8, String> {
        if self.pos >= self.end {
            return Err(self.fail("it ends early"));
        }
        self.pos += 1;
        Ok(self.data[self.pos - 1])
    }

    /// A zigzag varint of up to 64 bits (Kafka's varint and varlong).
    fn varlong(&mut self) -> Result<i64, String> {
        let mut raw: u64 = 0;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                return Err(self.fail("a varint longer than 64 bits"));
            }
            raw |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok((raw >> 1) as i64 ^ -((raw & 1) as i64));
            }
        }
        Err(self.fail("a varint longer than 64 bits"))
    }

    /// A length-prefixed byte string: its range, or None for length -1 (null).
    fn bytes(&mut self) -> Result<Option<(u32, u32)>, String> {
        let len = self.varlong()?;
        if len == -1 {
            return Ok(None);
        }
        if len < 0 || len as usize > self.end - self.pos {
            return Err(self.fail(&format!("a length of {len} beyond the record")));
        }
        let start = self.pos;
        self.pos += len as usize;
        Ok(Some((start as u32, self.pos as u32)))
    }
}

/// Indexes every record of the batches, in order; an error names what is corrupt and where.
pub fn index(batches: &WireBatches) -> Result<WireIndex, String> {
    let total: usize = batches.counts.iter().map(|&c| c as usize).sum();
    let mut out = WireIndex {
        flags: Vec::with_capacity(total),
        offsets: Vec::with_capacity(total),
        timestamps: Vec::with_capacity(total),
        value_ranges: Vec::with_capacity(2 * total),
        key_ranges: Vec::with_capacity(2 * total),
        header_starts: Vec::with_capacity(total + 1),
        ..WireIndex::default()
    };
    out.header_starts.push(0);
    if batches.data.len() > u32::MAX as usize {
        return Err("a fetch of more than 4 GiB".into());
    }
    for b in 0..batches.counts.len() {
        let (start, end) = (batches.ranges[2 * b] as usize, batches.ranges[2 * b + 1] as usize);
        if start > end || end > batches.data.len() {
            return Err(format!("record batch {b} lies outside the fetched bytes"));
        }
        let mut c = Cursor { data: batches.data, pos: start, end };
        for _ in 0..batches.counts[b] {
            let len = c.varlong()?;
            if len < 0 || len as usize > c.end - c.pos {
                return Err(c.fail(&format!("a record length of {len} beyond the batch")));
            }
            let record_end = c.pos + len as usize;
            let mut r = Cursor { data: batches.data, pos: c.pos, end: record_end };
            r.byte()?; // attributes: unused in format v2
            let timestamp_delta = r.varlong()?;
            let offset_delta = r.varlong()?;
            let key = r.bytes()?;
            let value = r.bytes()?;
            let headers = r.varlong()?;
            if headers < 0 || headers as usize > r.end - r.pos {
                return Err(r.fail(&format!("{headers} headers")));
            }
            for _ in 0..headers {
                let Some((ks, ke)) = r.bytes()? else { return Err(r.fail("a header without a key")) };
                out.header_ranges.extend_from_slice(&[ks, ke]);
                match r.bytes()? {
                    Some((vs, ve)) => {
                        out.header_ranges.extend_from_slice(&[vs, ve]);
                        out.header_null.push(0);
                    }
                    None => {
                        out.header_ranges.extend_from_slice(&[0, 0]);
                        out.header_null.push(1);
                    }
                }
            }
            if r.pos != record_end {
                return Err(r.fail("bytes left after the headers"));
            }
            c.pos = record_end;
            let append_time = batches.append_times[b];
            out.timestamps.push(if append_time >= 0 {
                append_time
            } else {
                batches.base_timestamps[b].wrapping_add(timestamp_delta)
            });
            out.offsets.push(batches.base_offsets[b].wrapping_add(offset_delta));
            out.flags.push(u8::from(value.is_none()) | (u8::from(key.is_none()) << 1));
            let (vs, ve) = value.unwrap_or((0, 0));
            out.value_ranges.extend_from_slice(&[vs, ve]);
            let (ks, ke) = key.unwrap_or((0, 0));
            out.key_ranges.extend_from_slice(&[ks, ke]);
            out.header_starts.push(out.header_null.len() as u32);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zigzag(out: &mut Vec<u8>, v: i64) {
        let mut z = ((v << 1) ^ (v >> 63)) as u64;
        loop {
            let b = (z & 0x7f) as u8;
            z >>= 7;
            if z == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn field(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
        match bytes {
            None => zigzag(out, -1),
            Some(b) => {
                zigzag(out, b.len() as i64);
                out.extend_from_slice(b);
            }
        }
    }

    fn record(ts: i64, off: i64, key: Option<&[u8]>, value: Option<&[u8]>, headers: &[(&[u8], Option<&[u8]>)]) -> Vec<u8> {
        let mut body = vec![0u8];
        zigzag(&mut body, ts);
        zigzag(&mut body, off);
        field(&mut body, key);
        field(&mut body, value);
        zigzag(&mut body, headers.len() as i64);
        for (k, v) in headers {
            field(&mut body, Some(k));
            field(&mut body, *v);
        }
        let mut out = Vec::new();
        zigzag(&mut out, body.len() as i64);
        out.extend(body);
        out
    }

    #[test]
    fn records_keys_values_and_headers_in_place() {
        let mut data = record(0, 0, Some(b"k"), Some(b"{\"a\":1}"), &[(b"h", Some(b"v")), (b"n", None)]);
        data.extend(record(-5, 1, None, None, &[]));
        let second = data.len();
        data.extend(record(300, 2, Some(b""), Some(b"x"), &[]));
        let ranges = [0, second as u32, second as u32, data.len() as u32];
        let idx = index(&WireBatches {
            data: &data,
            ranges: &ranges,
            base_offsets: &[100, 200],
            base_timestamps: &[1_000, 2_000],
            append_times: &[-1, 9_999],
            counts: &[2, 1],
        })
        .unwrap();
        assert_eq!(idx.offsets, vec![100, 101, 202]);
        assert_eq!(idx.timestamps, vec![1_000, 995, 9_999]);
        assert_eq!(idx.flags, vec![0, 3, 0]);
        let at = |r: &[u32], i: usize| &data[r[2 * i] as usize..r[2 * i + 1] as usize];
        assert_eq!(at(&idx.value_ranges, 0), b"{\"a\":1}");
        assert_eq!(at(&idx.key_ranges, 0), b"k");
        assert_eq!(at(&idx.key_ranges, 2), b"");
        assert_eq!(at(&idx.value_ranges, 2), b"x");
        assert_eq!(idx.header_starts, vec![0, 2, 2, 2]);
        assert_eq!(at(&idx.header_ranges, 0), b"h");
        assert_eq!(at(&idx.header_ranges, 1), b"v");
        assert_eq!(at(&idx.header_ranges, 2), b"n");
        assert_eq!(idx.header_null, vec![0, 1]);
    }

    #[test]
    fn a_corrupt_record_is_an_error_not_a_guess() {
        let mut data = record(0, 0, None, Some(b"abc"), &[]);
        let n = data.len() as u32;
        data[0] = 0x7e; // a record length far beyond the batch
        let err = index(&WireBatches {
            data: &data,
            ranges: &[0, n],
            base_offsets: &[0],
            base_timestamps: &[0],
            append_times: &[-1],
            counts: &[1],
        })
        .unwrap_err();
        assert!(err.contains("beyond the batch"), "{err}");
    }
}
