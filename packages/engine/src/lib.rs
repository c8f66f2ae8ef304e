//! Floe's native ingest engine, exposed to Node with napi-rs: a batch of raw Kafka JSON records in
//! (a few flat buffers per batch), Parquet data files with Iceberg field ids and metrics out.
//! The value rules are the TypeScript path's, exactly (see packages/ingest/src/engine/native-writer.ts).

pub mod columns;
pub mod describe;
pub mod files;
pub mod fit;
pub mod infer;
pub mod json;
pub mod mapping;
pub mod metrics;
pub mod partition;
pub mod schema;
pub mod writer;

#[cfg(test)]
mod tests;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::files::{write_files, DataFile};
use crate::partition::PVal;
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

    #[allow(clippy::too_many_arguments)]
    #[napi]
    pub fn take(
        &mut self,
        key: String,
        topic: String,
        partition: i32,
        from: u32,
        values: Buffer,
        value_offsets: Uint32Array,
        flags: Uint8Array,
        offsets: BigInt64Array,
        timestamps: BigInt64Array,
        keys: Buffer,
        key_offsets: Uint32Array,
        header_starts: Uint32Array,
        header_data: Buffer,
        header_offsets: Uint32Array,
        header_null: Uint8Array,
    ) -> NativeTakeResult {
        let batch = Batch {
            topic: topic.as_bytes(),
            partition,
            values: &values,
            value_offsets: &value_offsets,
            flags: &flags,
            offsets: &offsets,
            timestamps: &timestamps,
            keys: &keys,
            key_offsets: &key_offsets,
            header_starts: &header_starts,
            header_data: &header_data,
            header_offsets: &header_offsets,
            header_null: &header_null,
        };
        let out = self.inner.take(&key, &batch, from as usize);
        NativeTakeResult {
            taken: out.taken,
            needs_schema_change: out.needs_schema_change,
            rejected: out
                .rejected
                .into_iter()
                .map(|r| NativeRejected { index: r.index, reason: r.reason.into(), message: r.message })
                .collect(),
        }
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

/// The engine's version, to tell a stale build from the sources.
#[napi]
pub fn engine_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
