//! Floe's native ingest engine, exposed to Node with napi-rs: a batch of raw Kafka JSON records in
//! (a few flat buffers per batch), Parquet data files with Iceberg field ids and metrics out.
//! The value rules are the TypeScript path's, exactly (see packages/ingest/src/engine/native-writer.ts).

pub mod avro;
pub mod columns;
pub mod consumer;
pub mod describe;
pub mod files;
pub mod fit;
pub mod infer;
pub mod json;
pub mod mapping;
pub mod metrics;
pub mod partition;
pub mod plan;
pub mod schema;
pub mod wire;
pub mod writer;

#[cfg(test)]
mod tests;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::files::{write_files, DataFile};
use crate::partition::PVal;
use crate::wire::{index, WireBatches, WireIndex};
use crate::writer::{Batch, Config, Segment, Writer};

fn napi_err(message: String) -> Error {
    Error::new(Status::InvalidArg, message)
}

#[napi(object)]
pub struct NativeRejected {
    pub index: u32,
    pub reason: String,
    pub message: String,
}

#[napi(object)]
pub struct NativeTakeResult {
    pub taken: u32,
    pub rejected: Vec<NativeRejected>,
    pub needs_schema_change: bool,
    /// Avro: record `taken` names this registry schema id, not given yet (`avroSchema`, then take again).
    pub needs_schema_id: Option<i32>,
}

/// A partition value: `kind` says how to read `text` (long and decimal as decimal digits, bytes as hex).
#[napi(object)]
pub struct NativeValue {
    pub kind: String,
    pub text: String,
}

#[napi(object)]
pub struct NativeLeafMetrics {
    pub id: i32,
    pub values: i64,
    pub nulls: i64,
    /// -1 for columns that are not float or double.
    pub nans: i64,
    pub lower: Option<Buffer>,
    pub upper: Option<Buffer>,
}

#[napi(object)]
pub struct NativeDataFile {
    pub bytes: Buffer,
    pub schema_id: i32,
    pub partition: Vec<NativeValue>,
    pub record_count: i64,
    pub column_sizes: Vec<Vec<i64>>,
    pub leaves: Vec<NativeLeafMetrics>,
}

fn value_of(v: &PVal) -> NativeValue {
    let (kind, text) = match v {
        PVal::Null => ("null", String::new()),
        PVal::Bool(b) => ("boolean", b.to_string()),
        PVal::Int(i) => ("int", i.to_string()),
        PVal::Long(x) => ("long", x.to_string()),
        PVal::F32(bits) => ("float", (f32::from_bits(*bits) as f64).to_string()),
        PVal::F64(bits) => ("double", format!("{:?}", f64::from_bits(*bits))),
        PVal::Decimal(x) => ("decimal", x.to_string()),
        PVal::Str(s) => ("string", String::from_utf8_lossy(s).into_owned()),
        PVal::Bytes(b) => ("bytes", b.iter().map(|x| format!("{x:02x}")).collect()),
    };
    NativeValue { kind: kind.into(), text }
}

fn to_js(file: DataFile) -> NativeDataFile {
    NativeDataFile {
        bytes: file.bytes.into(),
        schema_id: file.schema_id,
        partition: file.partition.iter().map(value_of).collect(),
        record_count: file.record_count as i64,
        column_sizes: file.column_sizes.iter().map(|(id, s)| vec![*id as i64, *s as i64]).collect(),
        leaves: file
            .metrics
            .leaves
            .iter()
            .map(|l| NativeLeafMetrics {
                id: l.id,
                values: l.values as i64,
                nulls: l.nulls as i64,
                nans: if l.floating() { l.nans as i64 } else { -1 },
                lower: l.lower().map(Buffer::from),
                upper: l.upper().map(Buffer::from),
            })
            .collect(),
    }
}

/// Parquet encoding of the held rows, on the libuv thread pool (off the JS thread).
pub struct FlushTask {
    segments: Option<Vec<Segment>>,
    target: usize,
    compression: String,
}

impl Task for FlushTask {
    type Output = Vec<DataFile>;
    type JsValue = Vec<NativeDataFile>;

    fn compute(&mut self) -> Result<Self::Output> {
        let segments = self.segments.take().unwrap_or_default();
        write_files(segments, self.target, &self.compression).map_err(|e| Error::new(Status::GenericFailure, e))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
        Ok(output.into_iter().map(to_js).collect())
    }
}

#[napi]
pub struct NativeTableWriter {
    inner: Writer,
}

#[napi]
impl NativeTableWriter {
    /// `config`: JSON of { schema, spec (Iceberg spec JSON), policy, mapping, keyFormat, compression, maxValueBytes }.
    #[napi(constructor)]
    pub fn new(config: String) -> Result<Self> {
        let v: serde_json::Value = serde_json::from_str(&config).map_err(|e| napi_err(e.to_string()))?;
        let (config, schema) = Config::from_json(&v).map_err(napi_err)?;
        Ok(NativeTableWriter { inner: Writer::new(config, schema).map_err(napi_err)? })
    }

    #[napi]
    pub fn set_schema(&mut self, schema: String) -> Result<()> {
        let v: serde_json::Value = serde_json::from_str(&schema).map_err(|e| napi_err(e.to_string()))?;
        let schema = crate::schema::schema_from_json(&v).map_err(napi_err)?;
        self.inner.set_schema(schema).map_err(napi_err)
    }

    /// Takes records `from` on. Every key, value and header lies in `data` at the ranges given (see
    /// writer::Batch): the records of a Kafka fetch in place (`indexRecordBatches`), or packed by the adapter.
    #[allow(clippy::too_many_arguments)]
    #[napi]
    pub fn take(
        &mut self,
        key: String,
        topic: String,
        partition: i32,
        from: u32,
        data: Buffer,
        value_ranges: Uint32Array,
        flags: Uint8Array,
        offsets: BigInt64Array,
        timestamps: BigInt64Array,
        key_ranges: Uint32Array,
        header_starts: Uint32Array,
        header_ranges: Uint32Array,
        header_null: Uint8Array,
    ) -> Result<NativeTakeResult> {
        let n = flags.len();
        let valid = value_ranges.len() == 2 * n
            && key_ranges.len() == 2 * n
            && offsets.len() == n
            && timestamps.len() == n
            && header_starts.len() == n + 1
            && header_ranges.len() == 4 * header_null.len()
            && header_starts.last().is_none_or(|&h| h as usize == header_null.len())
            && [&value_ranges[..], &key_ranges[..], &header_ranges[..]]
                .iter()
                .all(|r| r.chunks_exact(2).all(|p| p[0] <= p[1] && p[1] as usize <= data.len()))
            && header_starts.windows(2).all(|w| w[0] <= w[1]);
        if !valid {
            return Err(napi_err("take: the batch's ranges do not fit its data".into()));
        }
        let batch = Batch {
            topic: topic.as_bytes(),
            partition,
            data: &data,
            value_ranges: &value_ranges,
            flags: &flags,
            offsets: &offsets,
            timestamps: &timestamps,
            key_ranges: &key_ranges,
            header_starts: &header_starts,
            header_ranges: &header_ranges,
            header_null: &header_null,
        };
        let out = self.inner.take(&key, &batch, from as usize);
        Ok(NativeTakeResult {
            taken: out.taken,
            needs_schema_change: out.needs_schema_change,
            needs_schema_id: out.needs_schema_id,
            rejected: out
                .rejected
                .into_iter()
                .map(|r| NativeRejected { index: r.index, reason: r.reason.into(), message: r.message })
                .collect(),
        })
    }

    /// Avro schema `id` as the registry gives it, with the texts of the schemas it references.
    #[napi]
    pub fn avro_schema(&mut self, id: i32, schema: String, references: Vec<String>) {
        self.inner.add_avro_schema(id, &schema, &references);
    }

    /// Every record naming Avro schema `id` is rejected with this reason and message.
    #[napi]
    pub fn refuse_avro_schema(&mut self, id: i32, reason: String, message: String) -> Result<()> {
        let reason = match reason.as_str() {
            "unknown-schema-id" => "unknown-schema-id",
            "undecodable" => "undecodable",
            other => return Err(napi_err(format!("refuseAvroSchema: the reason {other} is not a schema's"))),
        };
        self.inner.refuse_avro_schema(id, reason, message);
        Ok(())
    }

    #[napi]
    pub fn drop_keys(&mut self, keys: Vec<String>) {
        self.inner.drop_keys(&keys);
    }

    #[napi]
    pub fn clear(&mut self) {
        self.inner.clear();
    }

    #[napi(getter)]
    pub fn buffered_rows(&self) -> u32 {
        self.inner.buffered_rows() as u32
    }

    #[napi(getter)]
    pub fn buffered_bytes(&self) -> f64 {
        self.inner.buffered_bytes() as f64
    }

    /// Takes every held row and writes it as data files on the thread pool.
    #[napi(ts_return_type = "Promise<NativeDataFile[]>")]
    pub fn flush(&mut self, target_file_size_bytes: f64) -> AsyncTask<FlushTask> {
        let segments = self.inner.take_all();
        AsyncTask::new(FlushTask {
            segments: Some(segments),
            target: target_file_size_bytes.max(1.0) as usize,
            compression: self.inner.config.compression.clone(),
        })
    }
}

/// Every record of a Kafka fetch's record batches, indexed where it lies (see wire.rs).
#[napi(object)]
pub struct NativeWireIndex {
    pub flags: Uint8Array,
    pub offsets: BigInt64Array,
    pub timestamps: BigInt64Array,
    pub value_ranges: Uint32Array,
    pub key_ranges: Uint32Array,
    pub header_starts: Uint32Array,
    pub header_ranges: Uint32Array,
    pub header_null: Uint8Array,
}

/// Indexes the records of Kafka record batches (format v2) whose records sections, decompressed,
/// lie in `data` at `ranges` (start and end per batch); a corrupt record is an error naming it.
#[napi]
pub fn index_record_batches(
    data: Buffer,
    ranges: Uint32Array,
    base_offsets: BigInt64Array,
    base_timestamps: BigInt64Array,
    append_times: BigInt64Array,
    counts: Uint32Array,
) -> Result<NativeWireIndex> {
    let n = counts.len();
    if ranges.len() != 2 * n || base_offsets.len() != n || base_timestamps.len() != n || append_times.len() != n {
        return Err(napi_err("indexRecordBatches: one entry per batch in every array".into()));
    }
    let batches = WireBatches {
        data: &data,
        ranges: &ranges,
        base_offsets: &base_offsets,
        base_timestamps: &base_timestamps,
        append_times: &append_times,
        counts: &counts,
    };
    let i = index(&batches).map_err(|e| Error::new(Status::GenericFailure, e))?;
    Ok(i.into())
}

impl From<WireIndex> for NativeWireIndex {
    fn from(i: WireIndex) -> Self {
        NativeWireIndex {
            flags: Uint8Array::new(i.flags),
            offsets: BigInt64Array::new(i.offsets),
            timestamps: BigInt64Array::new(i.timestamps),
            value_ranges: Uint32Array::new(i.value_ranges),
            key_ranges: Uint32Array::new(i.key_ranges),
            header_starts: Uint32Array::new(i.header_starts),
            header_ranges: Uint32Array::new(i.header_ranges),
            header_null: Uint8Array::new(i.header_null),
        }
    }
}

/// The engine's version, to tell a stale build from the sources.
#[napi]
pub fn engine_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
