//! One table's writer: takes batches of raw records into column buffers per Kafka partition (so a
//! partition's rows can be dropped), and flushes them as Parquet files per schema and partition tuple.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::avro::{fit_record, Compiled, Layout, Values};
use crate::columns::RowSet;
use crate::fit::{Capture, Fitter, Policy};
use crate::infer::{strip, Ctx, RType, Reject};
use crate::json::{Doc, Node};
use crate::mapping::{map_record, record_key, KafkaMeta, Key, Mapping};
use crate::plan::{plannable, Plan};
use crate::partition::{apply, PVal, PartKey};
use crate::schema::{arrow_schema, can_transform, primitives_by_id, schema_from_json, spec_from_json};
use crate::schema::{PartitionField, Prim, Schema};

/// A schema with what writing it needs: its Arrow form and the partition sources' types.
pub struct SchemaState {
    pub schema: Schema,
    pub arrow: Arc<arrow_schema::Schema>,
    /// Per partition field: the source's primitive type (None when the schema has no such column).
    pub sources: Vec<Option<Prim>>,
}

/// The values a pipeline reads: schemaless JSON, or Avro in the schema registry's wire format.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueFormat {
    Json,
    Avro,
}

pub struct Config {
    pub value_format: ValueFormat,
    pub spec: Vec<PartitionField>,
    pub policy: Policy,
    pub mapping: Mapping,
    pub max_value_bytes: usize,
    pub compression: String,
}

impl Config {
    pub fn from_json(v: &Value) -> Result<(Config, Schema), String> {
        let schema = schema_from_json(&v["schema"])?;
        let spec = spec_from_json(&v["spec"])?;
        let policy = match v["policy"].as_str().unwrap_or("") {
            "evolve" => Policy::Evolve,
            "strict" => Policy::Strict,
            "ignore-new-fields" => Policy::IgnoreNewFields,
            other => return Err(format!("the native engine does not know the schema policy {other}")),
        };
        let mapping = Mapping::from_json(&v["mapping"], v["keyFormat"].as_str().unwrap_or("string"))?;
        let compression = v["compression"].as_str().unwrap_or("zstd").to_string();
        if !matches!(compression.as_str(), "zstd" | "snappy" | "uncompressed") {
            return Err(format!("the native engine does not support compression {compression}"));
        }
        let max_value_bytes = v["maxValueBytes"].as_f64().unwrap_or(8.0 * 1024.0 * 1024.0) as usize;
        let value_format = match v["valueFormat"].as_str().unwrap_or("json") {
            "json" => ValueFormat::Json,
            "avro" => ValueFormat::Avro,
            other => return Err(format!("the native engine does not read {other} values")),
        };
        Ok((Config { value_format, spec, policy, mapping, max_value_bytes, compression }, schema))
    }
}

pub fn schema_state(schema: Schema, spec: &[PartitionField]) -> Result<Arc<SchemaState>, String> {
    let prims = primitives_by_id(&schema);
    let mut sources = Vec::with_capacity(spec.len());
    for f in spec {
        let source = prims.get(&f.source_id).cloned();
        if let Some(p) = &source {
            if !can_transform(&f.transform, p) {
                return Err(format!("the partition transform {:?} cannot be applied to {}", f.transform, p.label()));
            }
        }
        sources.push(source);
    }
    Ok(Arc::new(SchemaState { arrow: arrow_schema(&schema), schema, sources }))
}

pub struct Segment {
    pub state: Arc<SchemaState>,
    pub rows: RowSet,
}

/// A batch's records as the adapter hands them over: every key, value and header lies somewhere in
/// `data` (the records of a Kafka fetch as they came off the wire, or the adapter's own packing), found
/// through ranges; no object per record.
pub struct Batch<'a> {
    pub topic: &'a [u8],
    pub partition: i32,
    pub data: &'a [u8],
    /// Per record: start and end of its value in `data`.
    pub value_ranges: &'a [u32],
    /// Per record: bit 0 the value is null (a tombstone), bit 1 the key is null.
    pub flags: &'a [u8],
    pub offsets: &'a [i64],
    pub timestamps: &'a [i64],
    /// Per record: start and end of its key in `data`.
    pub key_ranges: &'a [u32],
    /// n + 1 indexes into the headers: record i has headers header_starts[i]..header_starts[i + 1].
    pub header_starts: &'a [u32],
    /// Per header: start and end of its key, then of its value, in `data`.
    pub header_ranges: &'a [u32],
    /// Per header: 1 when its value is null.
    pub header_null: &'a [u8],
}

impl<'a> Batch<'a> {
    pub fn len(&self) -> usize {
        self.flags.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flags.is_empty()
    }

    fn range(&self, ranges: &[u32], i: usize) -> &'a [u8] {
        &self.data[ranges[2 * i] as usize..ranges[2 * i + 1] as usize]
    }
}

pub struct Rejected {
    pub index: u32,
    pub reason: &'static str,
    pub message: String,
}

pub struct TakeOutcome {
    pub taken: u32,
    pub rejected: Vec<Rejected>,
    pub needs_schema_change: bool,
    /// Record `taken` names this registry schema id, which the writer has not been given yet.
    pub needs_schema_id: Option<i32>,
}

enum RecordOutcome {
    Held,
    Rejected(Reject),
    NeedsChange,
    NeedsSchema(i32),
}

/// What the writer knows of Avro schemas: each id's compiled schema (or why none of its records can be
/// read), and per id the mapping of its records to the current table schema.
#[derive(Default)]
pub struct AvroState {
    schemas: HashMap<i32, Result<Arc<Compiled>, Reject>>,
    layouts: HashMap<i32, Arc<Layout>>,
    values: Values,
}

const MAGIC_BYTE: u8 = 0;
const HEADER_BYTES: usize = 5;
/// The schema of a tombstone: no field.
const TOMBSTONE_ID: i32 = i32::MIN;

pub struct Writer {
    pub config: Config,
    pub current: Arc<SchemaState>,
    pub held: HashMap<String, Vec<Segment>>,
    doc: Doc,
    /// The plan for the last shape of member names (plan.rs), for the current schema.
    plan: Option<Plan>,
    plans: bool,
    capture: Capture,
    rows: usize,
    avro: AvroState,
}

const TOMBSTONE: &[u8] = b"{}";

impl Writer {
    pub fn new(config: Config, schema: Schema) -> Result<Writer, String> {
        let current = schema_state(schema, &config.spec)?;
        let capture = Capture { sources: Vec::new(), slots: vec![PVal::Null; config.spec.len()] };
        let mut w = Writer { config, current, held: HashMap::new(), doc: Doc::default(), plan: None, plans: true, capture, rows: 0, avro: AvroState::default() };
        w.set_capture();
        Ok(w)
    }

    /// Whether records of the last shape seen go by plan (the tests check that they do).
    pub fn plans_hold(&self) -> bool {
        self.plan.as_ref().is_some_and(|p| p.sources.is_some())
    }

    /// Records held by the plan for the last shape seen.
    pub fn held_by_plan(&self) -> usize {
        self.plan.as_ref().map_or(0, |p| p.held)
    }

    /// Every record by the full path, never by a plan (the tests compare the two).
    pub fn without_plans(mut self) -> Writer {
        self.plans = false;
        self
    }

    fn set_capture(&mut self) {
        self.capture.sources =
            self.config.spec.iter().enumerate().map(|(slot, f)| (f.source_id, slot)).collect();
    }

    pub fn set_schema(&mut self, schema: Schema) -> Result<(), String> {
        self.current = schema_state(schema, &self.config.spec)?;
        self.plan = None;
        self.avro.layouts.clear();
        Ok(())
    }

    /// Avro schema `id` from the registry (its referenced schemas' texts first).
    pub fn add_avro_schema(&mut self, id: i32, schema: &str, references: &[String]) {
        let compiled = crate::avro::compile(id, schema, references).map(Arc::new);
        self.avro.schemas.insert(id, compiled);
        self.avro.layouts.remove(&id);
    }

    /// Every record naming schema `id` is rejected so (an id the registry does not know, a schema of
    /// another format).
    pub fn refuse_avro_schema(&mut self, id: i32, reason: &'static str, message: String) {
        self.avro.schemas.insert(id, Err(Reject::new(reason, message)));
        self.avro.layouts.remove(&id);
    }

    pub fn buffered_rows(&self) -> usize {
        self.rows
    }

    pub fn buffered_bytes(&self) -> usize {
        self.held.values().flatten().map(|s| s.rows.bytes()).sum()
    }

    pub fn drop_keys(&mut self, keys: &[String]) {
        for k in keys {
            if let Some(segments) = self.held.remove(k) {
                self.rows -= segments.iter().map(|s| s.rows.rows).sum::<usize>();
            }
        }
    }

    pub fn clear(&mut self) {
        self.held.clear();
        self.rows = 0;
    }

    pub fn take_all(&mut self) -> Vec<Segment> {
        self.rows = 0;
        let mut keys: Vec<String> = self.held.keys().cloned().collect();
        keys.sort();
        keys.into_iter().flat_map(|k| self.held.remove(&k).unwrap_or_default()).collect()
    }

    pub fn take(&mut self, key: &str, batch: &Batch, from: usize) -> TakeOutcome {
        let n = batch.len();
        let mut rejected = Vec::new();
        let state = self.current.clone();
        let segments = self.held.entry(key.to_string()).or_default();
        if segments.last().is_none_or(|s| !Arc::ptr_eq(&s.state, &state)) {
            segments.push(Segment { state: state.clone(), rows: RowSet::new(&state.schema.fields) });
        }
        let segment = segments.last_mut().expect("a segment");
        for i in from..n {
            let before = segment.rows.rows;
            let outcome = match self.config.value_format {
                ValueFormat::Json => record(
                    &self.config,
                    &state,
                    &mut self.doc,
                    self.plans.then_some(&mut self.plan),
                    &mut self.capture,
                    &mut segment.rows,
                    batch,
                    i,
                ),
                ValueFormat::Avro => {
                    avro_record(&self.config, &state, &mut self.avro, &mut self.capture, &mut segment.rows, batch, i)
                }
            };
            match outcome {
                RecordOutcome::Held => {
                    segment.rows.rows += 1;
                    self.rows += 1;
                    if !self.config.spec.is_empty() {
                        let key: PartKey = self
                            .config
                            .spec
                            .iter()
                            .zip(&state.sources)
                            .zip(&self.capture.slots)
                            .map(|((f, source), v)| match source {
                                Some(p) => apply(&f.transform, p, v),
                                None => PVal::Null,
                            })
                            .collect();
                        let rows = &mut segment.rows;
                        let at = match rows.partitions.iter().rposition(|p| *p == key) {
                            Some(at) => at,
                            None => {
                                rows.partitions.push(key);
                                rows.partitions.len() - 1
                            }
                        };
                        rows.partition_of.push(at as u32);
                    }
                }
                RecordOutcome::Rejected(r) => {
                    segment.rows.truncate(before);
                    rejected.push(Rejected { index: i as u32, reason: r.reason, message: r.message });
                }
                RecordOutcome::NeedsChange => {
                    segment.rows.truncate(before);
                    return TakeOutcome { taken: i as u32, rejected, needs_schema_change: true, needs_schema_id: None };
                }
                RecordOutcome::NeedsSchema(id) => {
                    segment.rows.truncate(before);
                    return TakeOutcome { taken: i as u32, rejected, needs_schema_change: false, needs_schema_id: Some(id) };
                }
            }
        }
        TakeOutcome { taken: n as u32, rejected, needs_schema_change: false, needs_schema_id: None }
    }
}

/// One record: size check, parse, type, map, fit. Whatever it appended stays only when it is held.
#[allow(clippy::too_many_arguments)]
fn record(
    config: &Config,
    state: &SchemaState,
    doc: &mut Doc,
    plan: Option<&mut Option<Plan>>,
    capture: &mut Capture,
    rows: &mut RowSet,
    batch: &Batch,
    i: usize,
) -> RecordOutcome {
    let flags = batch.flags.get(i).copied().unwrap_or(0);
    let value: &[u8] = if flags & 1 != 0 {
        TOMBSTONE
    } else {
        batch.range(batch.value_ranges, i)
    };
    if flags & 1 == 0 && value.len() > config.max_value_bytes {
        return RecordOutcome::Rejected(Reject::new(
            "oversize",
            format!(
                "the value has {} bytes, more than the limit of {} bytes",
                value.len(),
                config.max_value_bytes
            ),
        ));
    }
    let root = match doc.parse(value) {
        Ok(root) => root,
        Err(e) => return RecordOutcome::Rejected(Reject::new("invalid-json", e.0)),
    };
    let doc: &Doc = doc;
    if !matches!(doc.nodes[root as usize], Node::Obj { .. }) {
        let kind = match doc.nodes[root as usize] {
            Node::Null => "a null",
            Node::Bool(_) => "a boolean",
            Node::Num { .. } => "a number",
            Node::Str { .. } => "a string",
            Node::Arr { .. } => "an array",
            Node::Obj { .. } => "an object",
        };
        return RecordOutcome::Rejected(Reject::new(
            "invalid-json",
            format!("the value is {kind}, not a JSON object"),
        ));
    }
    if let Some(plan) = plan.filter(|_| plannable(doc, value)) {
        if by_plan(config, state, plan, doc, value, root, capture, rows, batch, i) {
            return RecordOutcome::Held;
        }
    }
    let mut ctx = Ctx { doc, src: value, path: Vec::new() };
    let fields = match ctx.infer(root) {
        Ok(Some(t)) => match strip(t) {
            Some(RType::Struct(fields)) => fields,
            _ => Vec::new(),
        },
        Ok(None) => Vec::new(),
        Err(r) => return RecordOutcome::Rejected(r),
    };
    let meta = kafka_meta(batch, i);
    let mapped = match map_record(&config.mapping, doc, value, root, fields, &meta) {
        Ok(m) => m,
        Err(r) => return RecordOutcome::Rejected(r),
    };
    let mut fitter = Fitter::new(doc, value, config.policy, capture);
    match fitter.record(&state.schema.fields, &mut rows.columns, &mapped.fields, &mapped.key, &meta) {
        Err(r) => RecordOutcome::Rejected(r),
        Ok(()) if fitter.changes => RecordOutcome::NeedsChange,
        Ok(()) => RecordOutcome::Held,
    }
}

/// One Avro record: size check, wire header, the schema its id names, read, map, fit (avro.rs).
fn avro_record(
    config: &Config,
    state: &SchemaState,
    avro: &mut AvroState,
    capture: &mut Capture,
    rows: &mut RowSet,
    batch: &Batch,
    i: usize,
) -> RecordOutcome {
    let tombstone = batch.flags.get(i).copied().unwrap_or(0) & 1 != 0;
    let value = if tombstone { &[][..] } else { batch.range(batch.value_ranges, i) };
    if !tombstone && value.len() > config.max_value_bytes {
        return RecordOutcome::Rejected(Reject::new(
            "oversize",
            format!("the value has {} bytes, more than the limit of {} bytes", value.len(), config.max_value_bytes),
        ));
    }
    let id = if tombstone {
        TOMBSTONE_ID
    } else if value.is_empty() {
        return RecordOutcome::Rejected(Reject::new("undecodable", "the value is empty".into()));
    } else if value[0] != MAGIC_BYTE {
        return RecordOutcome::Rejected(Reject::new(
            "bad-magic-byte",
            format!(
                "the value starts with byte {}, not the schema registry's magic byte 0 (was it written without a registry serializer?)",
                value[0]
            ),
        ));
    } else if value.len() < HEADER_BYTES {
        return RecordOutcome::Rejected(Reject::new(
            "undecodable",
            format!("the value has {} bytes, fewer than the 5 of a schema registry header", value.len()),
        ));
    } else {
        i32::from_be_bytes([value[1], value[2], value[3], value[4]])
    };
    if id == TOMBSTONE_ID && !avro.schemas.contains_key(&id) {
        avro.schemas.insert(id, Ok(Arc::new(Compiled { id, fields: Vec::new() })));
    }
    let compiled = match avro.schemas.get(&id) {
        None => return RecordOutcome::NeedsSchema(id),
        Some(Err(r)) => return RecordOutcome::Rejected(Reject::new(r.reason, r.message.clone())),
        Some(Ok(c)) => c.clone(),
    };
    let payload = if tombstone { value } else { &value[HEADER_BYTES..] };
    let root = match avro.values.decode(&compiled, payload) {
        Ok(root) => root,
        Err(r) => return RecordOutcome::Rejected(r),
    };
    let layout = avro
        .layouts
        .entry(id)
        .or_insert_with(|| Arc::new(Layout::new(&config.mapping, &compiled, &state.schema.fields)))
        .clone();
    let meta = kafka_meta(batch, i);
    for s in capture.slots.iter_mut() {
        *s = PVal::Null;
    }
    let fitted = fit_record(
        &config.mapping,
        &layout,
        &compiled,
        &avro.values,
        payload,
        root,
        &state.schema.fields,
        &mut rows.columns,
        config.policy,
        capture,
        &meta,
    );
    match fitted {
        Err(r) => RecordOutcome::Rejected(r),
        Ok(f) if f.changes => RecordOutcome::NeedsChange,
        Ok(_) => RecordOutcome::Held,
    }
}

/// A record through the plan for its shape of member names (made when the names change): true when it
/// is held. Otherwise nothing it appended stays, and the record takes the full path.
#[allow(clippy::too_many_arguments)]
fn by_plan(
    config: &Config,
    state: &SchemaState,
    plan: &mut Option<Plan>,
    doc: &Doc,
    value: &[u8],
    root: u32,
    capture: &mut Capture,
    rows: &mut RowSet,
    batch: &Batch,
    i: usize,
) -> bool {
    if !plan.as_ref().is_some_and(|p| p.fits(doc, value, root)) {
        *plan = Some(Plan::new(&config.mapping, &state.schema.fields, doc, value, root));
    }
    let Some(sources) = plan.as_ref().and_then(|p| p.sources.as_deref()) else { return false };
    let meta = kafka_meta(batch, i);
    let key = if config.mapping.kafka_metadata {
        match record_key(&config.mapping, &meta) {
            Ok(key) => key,
            Err(_) => return false,
        }
    } else {
        Key::Absent
    };
    let mut fitter = Fitter::new(doc, value, config.policy, capture);
    let held = fitter.planned(&state.schema.fields, &mut rows.columns, sources, root, &key, &meta).is_ok()
        && !fitter.changes;
    if held {
        plan.as_mut().expect("a plan").held += 1;
    } else {
        rows.truncate(rows.rows);
    }
    held
}

fn kafka_meta<'a>(batch: &Batch<'a>, i: usize) -> KafkaMeta<'a> {
    let flags = batch.flags.get(i).copied().unwrap_or(0);
    let key = (flags & 2 == 0).then(|| batch.range(batch.key_ranges, i));
    let (h0, h1) = (batch.header_starts[i] as usize, batch.header_starts[i + 1] as usize);
    let headers = (h0..h1)
        .map(|h| {
            let key = batch.range(batch.header_ranges, 2 * h);
            let value = batch.range(batch.header_ranges, 2 * h + 1);
            (key, (batch.header_null.get(h).copied().unwrap_or(0) == 0).then_some(value))
        })
        .collect();
    KafkaMeta {
        topic: batch.topic,
        partition: batch.partition,
        offset: batch.offsets[i],
        timestamp_ms: batch.timestamps[i],
        key,
        headers,
    }
}
