//! A Kafka consumer-group member on librdkafka (the `rdkafka` crate, librdkafka built from source),
//! for Node: fetching, decompression and the group protocol run in librdkafka's own threads; a poll
//! hands over each partition's records packed into one buffer plus the index the engine reads
//! (wire.rs's layout), so no object is made per record on either side.
//!
//! The table's offsets are the truth, so the group never places a member's fetch position: when the
//! group assigns partitions they are *not* assigned at once; the poll reports them, the caller reads
//! where the table stands and assigns them with those offsets (`assign`). A revocation unassigns at
//! once, on the polling thread, before any later record can be polled.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use rdkafka::client::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Headers, Timestamp};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{Message, Offset, TopicPartitionList};

use crate::wire::WireIndex;
use crate::NativeWireIndex;

/// What the group did since the last poll, in order.
enum GroupEvent {
    Assigned(u64, Vec<(String, i32)>),
    Revoked(Vec<(String, i32)>),
    Failed(String),
}

#[derive(Default)]
struct GroupState {
    /// Bumped by every rebalance: an `assign` for an older one is refused (a revocation overtook it).
    generation: u64,
    /// Whether the latest assignment still waits for the caller's offsets.
    pending: bool,
    events: Vec<GroupEvent>,
}

const MAX_HELD_LOGS: usize = 200;

#[derive(Default)]
struct Context {
    group: Mutex<GroupState>,
    logs: Mutex<Vec<(String, String)>>,
}

impl Context {
    fn note(&self, level: &str, message: String) {
        let mut logs = self.logs.lock().unwrap();
        if logs.len() < MAX_HELD_LOGS {
            logs.push((level.into(), message));
        }
    }
}

impl ClientContext for Context {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        let level = match level {
            RDKafkaLogLevel::Emerg | RDKafkaLogLevel::Alert | RDKafkaLogLevel::Critical | RDKafkaLogLevel::Error => {
                "error"
            }
            RDKafkaLogLevel::Warning => "warn",
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => "info",
            RDKafkaLogLevel::Debug => "debug",
        };
        self.note(level, format!("{fac}: {message}"));
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.note("error", format!("{error}: {reason}"));
    }
}

fn partitions_of(tpl: &TopicPartitionList) -> Vec<(String, i32)> {
    tpl.elements().iter().map(|e| (e.topic().to_string(), e.partition())).collect()
}

impl ConsumerContext for Context {
    fn rebalance(&self, consumer: &BaseConsumer<Self>, err: RDKafkaRespErr, tpl: &mut TopicPartitionList) {
        let mut group = self.group.lock().unwrap();
        group.generation += 1;
        match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                group.pending = true;
                let generation = group.generation;
                group.events.push(GroupEvent::Assigned(generation, partitions_of(tpl)));
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                group.pending = false;
                if let Err(e) = consumer.unassign() {
                    self.note("error", format!("unassign after a revocation failed: {e}"));
                }
                group.events.push(GroupEvent::Revoked(partitions_of(tpl)));
            }
            other => {
                group.pending = false;
                let _ = consumer.unassign();
                group.events.push(GroupEvent::Failed(format!("rebalance failed: {other:?}")));
            }
        }
    }
}

/// Records of one partition from one poll, packed (keys, values, header keys and values in `data`).
#[derive(Default)]
struct Pack {
    data: Vec<u8>,
    index: WireIndex,
}

impl Pack {
    fn put(&mut self, bytes: &[u8]) -> [u32; 2] {
        let start = self.data.len() as u32;
        self.data.extend_from_slice(bytes);
        [start, self.data.len() as u32]
    }

    fn push(&mut self, m: &BorrowedMessage<'_>) {
        if self.index.header_starts.is_empty() {
            self.index.header_starts.push(0);
        }
        let (value, key) = (m.payload(), m.key());
        self.index.offsets.push(m.offset());
        self.index.timestamps.push(match m.timestamp() {
            Timestamp::CreateTime(t) | Timestamp::LogAppendTime(t) => t,
            Timestamp::NotAvailable => -1,
        });
        self.index.flags.push(u8::from(value.is_none()) | (u8::from(key.is_none()) << 1));
        let value = value.map_or([0, 0], |v| self.put(v));
        self.index.value_ranges.extend_from_slice(&value);
        let key = key.map_or([0, 0], |k| self.put(k));
        self.index.key_ranges.extend_from_slice(&key);
        if let Some(headers) = m.headers() {
            for h in headers.iter() {
                let k = self.put(h.key.as_bytes());
                self.index.header_ranges.extend_from_slice(&k);
                let v = h.value.map_or([0, 0], |v| self.put(v));
                self.index.header_ranges.extend_from_slice(&v);
                self.index.header_null.push(u8::from(h.value.is_none()));
            }
        }
        let headers_so_far = self.index.header_null.len() as u32;
        self.index.header_starts.push(headers_so_far);
    }
}

#[napi(object)]
pub struct NativeTopicPartition {
    pub topic: String,
    pub partition: i32,
}

#[napi(object)]
pub struct NativePolledPartition {
    pub topic: String,
    pub partition: i32,
    /// The partition's high watermark as of its latest fetch (-1 when not yet known).
    pub high_watermark: i64,
    pub data: Buffer,
    pub index: NativeWireIndex,
}

#[napi(object)]
pub struct NativeGroupEvent {
    /// `assigned` (then `generation` goes back with `assign`), `revoked` or `failed`.
    pub kind: String,
    pub generation: Option<i64>,
    pub partitions: Vec<NativeTopicPartition>,
    pub message: Option<String>,
}

#[napi(object)]
pub struct NativeLog {
    pub level: String,
    pub message: String,
}

/// One poll: the records fetched (partitions in the order they came), then what the group did
/// (records polled before a rebalance come first), librdkafka's log lines, and a fatal error if any.
#[napi(object)]
pub struct NativePollResult {
    pub partitions: Vec<NativePolledPartition>,
    pub events: Vec<NativeGroupEvent>,
    pub logs: Vec<NativeLog>,
    pub errors: Vec<String>,
    pub fatal: Option<String>,
}

type Inner = BaseConsumer<Context>;
/// Each partition's records of one poll, in the order the partitions first came.
type Packs = Vec<((String, i32), Pack)>;

fn kafka_err(e: KafkaError) -> Error {
    Error::new(Status::GenericFailure, e.to_string())
}

fn partition_list(pairs: &[(String, i32, Offset)]) -> Result<TopicPartitionList> {
    let mut tpl = TopicPartitionList::new();
    for (topic, partition, offset) in pairs {
        tpl.add_partition_offset(topic, *partition, *offset).map_err(kafka_err)?;
    }
    Ok(tpl)
}

fn high_watermark(consumer: &Inner, topic: &str, partition: i32) -> i64 {
    let (mut low, mut high) = (-1i64, -1i64);
    let Ok(topic) = std::ffi::CString::new(topic) else { return -1 };
    // The offsets librdkafka cached from its last fetch response: no request to the broker.
    unsafe {
        rdkafka::bindings::rd_kafka_get_watermark_offsets(
            consumer.client().native_ptr(),
            topic.as_ptr(),
            partition,
            &mut low,
            &mut high,
        );
    }
    high
}

pub struct PollTask {
    consumer: Arc<Inner>,
    max_records: usize,
    max_bytes: usize,
    max_wait: Duration,
}

impl PollTask {
    /// Waits up to `max_wait` for the first record, then takes what is already fetched, up to the
    /// limits; stops early at a rebalance so that its records and its event stay in order.
    fn collect(&self) -> (Packs, Vec<String>) {
        let mut packs: Packs = Vec::new();
        let mut errors = Vec::new();
        let (mut records, mut bytes) = (0usize, 0usize);
        let deadline = Instant::now() + self.max_wait;
        while records < self.max_records && bytes < self.max_bytes {
            let wait = if records == 0 { deadline.saturating_duration_since(Instant::now()) } else { Duration::ZERO };
            match self.consumer.poll(wait) {
                Some(Ok(m)) => {
                    // A handful of partitions per poll: found by comparing, with nothing allocated.
                    let (topic, partition) = (m.topic(), m.partition());
                    let slot = match packs.iter().position(|((t, p), _)| *p == partition && t == topic) {
                        Some(slot) => slot,
                        None => {
                            packs.push(((topic.to_string(), partition), Pack::default()));
                            packs.len() - 1
                        }
                    };
                    let pack = &mut packs[slot].1;
                    let before = pack.data.len();
                    pack.push(&m);
                    bytes += pack.data.len() - before;
                    records += 1;
                }
                Some(Err(e)) => errors.push(e.to_string()),
                None => {
                    if records > 0 || Instant::now() >= deadline {
                        break;
                    }
                }
            }
            if !self.consumer.context().group.lock().unwrap().events.is_empty() {
                break;
            }
        }
        (packs, errors)
    }
}

pub struct Polled {
    packs: Vec<((String, i32), Pack, i64)>,
    events: Vec<GroupEvent>,
    logs: Vec<(String, String)>,
    errors: Vec<String>,
    fatal: Option<String>,
}

impl Task for PollTask {
    type Output = Polled;
    type JsValue = NativePollResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let (packs, errors) = self.collect();
        let context = self.consumer.context();
        let events = std::mem::take(&mut context.group.lock().unwrap().events);
        let logs = std::mem::take(&mut *context.logs.lock().unwrap());
        let packs = packs
            .into_iter()
            .map(|((topic, partition), pack)| {
                let high = high_watermark(&self.consumer, &topic, partition);
                ((topic, partition), pack, high)
            })
            .collect();
        let fatal = self.consumer.client().fatal_error().map(|(code, reason)| format!("{code}: {reason}"));
        Ok(Polled { packs, events, logs, errors, fatal })
    }

    fn resolve(&mut self, _env: Env, out: Self::Output) -> Result<Self::JsValue> {
        let pairs = |ps: Vec<(String, i32)>| {
            ps.into_iter().map(|(topic, partition)| NativeTopicPartition { topic, partition }).collect()
        };
        Ok(NativePollResult {
            partitions: out
                .packs
                .into_iter()
                .map(|((topic, partition), pack, high_watermark)| NativePolledPartition {
                    topic,
                    partition,
                    high_watermark,
                    data: pack.data.into(),
                    index: pack.index.into(),
                })
                .collect(),
            events: out
                .events
                .into_iter()
                .map(|e| match e {
                    GroupEvent::Assigned(generation, ps) => NativeGroupEvent {
                        kind: "assigned".into(),
                        generation: Some(generation as i64),
                        partitions: pairs(ps),
                        message: None,
                    },
                    GroupEvent::Revoked(ps) => NativeGroupEvent {
                        kind: "revoked".into(),
                        generation: None,
                        partitions: pairs(ps),
                        message: None,
                    },
                    GroupEvent::Failed(message) => NativeGroupEvent {
                        kind: "failed".into(),
                        generation: None,
                        partitions: vec![],
                        message: Some(message),
                    },
                })
                .collect(),
            logs: out.logs.into_iter().map(|(level, message)| NativeLog { level, message }).collect(),
            errors: out.errors,
            fatal: out.fatal,
        })
    }
}

pub struct CommitTask {
    consumer: Arc<Inner>,
    offsets: TopicPartitionList,
}

impl Task for CommitTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> Result<()> {
        self.consumer.commit(&self.offsets, CommitMode::Sync).map_err(kafka_err)
    }

    fn resolve(&mut self, _env: Env, _out: ()) -> Result<()> {
        Ok(())
    }
}

pub struct CloseTask {
    consumer: Option<Arc<Inner>>,
}

impl Task for CloseTask {
    type Output = ();
    type JsValue = ();

    /// Dropping the last handle leaves the group (librdkafka's consumer close) off the JS thread.
    fn compute(&mut self) -> Result<()> {
        if let Some(consumer) = self.consumer.take() {
            consumer.unsubscribe();
            drop(consumer);
        }
        Ok(())
    }

    fn resolve(&mut self, _env: Env, _out: ()) -> Result<()> {
        Ok(())
    }
}

#[napi(object)]
pub struct NativeAssignment {
    pub topic: String,
    pub partition: i32,
    /// Where to start; none: the group's committed offset, else `auto.offset.reset`.
    pub offset: Option<i64>,
}

#[napi(object)]
pub struct NativeCommitOffset {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

/// Settings the caller may not change: offsets are committed only when the caller says, and the
/// group protocol is the classic eager one with the Java client's round-robin assignor.
const FIXED: [(&str, &str); 4] = [
    ("enable.auto.commit", "false"),
    ("enable.auto.offset.store", "false"),
    ("enable.partition.eof", "false"),
    ("partition.assignment.strategy", "roundrobin"),
];

#[napi]
pub struct NativeKafkaConsumer {
    inner: Mutex<Option<Arc<Inner>>>,
}

impl NativeKafkaConsumer {
    fn consumer(&self) -> Result<Arc<Inner>> {
        self.inner.lock().unwrap().clone().ok_or_else(|| Error::new(Status::GenericFailure, "the consumer is closed"))
    }
}

#[napi]
impl NativeKafkaConsumer {
    /// `settings` are librdkafka's (`bootstrap.servers`, `group.id`, `security.protocol`, `sasl.*`,
    /// `ssl.*.pem`, ...); an unknown or invalid one is an error naming it.
    #[napi(constructor)]
    pub fn new(settings: HashMap<String, String>) -> Result<Self> {
        let mut config = ClientConfig::new();
        for (key, value) in &settings {
            config.set(key, value);
        }
        for (key, value) in FIXED {
            config.set(key, value);
        }
        let consumer: Inner = config.create_with_context(Context::default()).map_err(kafka_err)?;
        Ok(NativeKafkaConsumer { inner: Mutex::new(Some(Arc::new(consumer))) })
    }

    #[napi]
    pub fn subscribe(&self, topics: Vec<String>) -> Result<()> {
        let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
        self.consumer()?.subscribe(&topics).map_err(kafka_err)
    }

    /// Records and group events, waiting up to `maxWaitMs` for the first record.
    #[napi(ts_return_type = "Promise<NativePollResult>")]
    pub fn poll(&self, max_records: u32, max_bytes: u32, max_wait_ms: u32) -> Result<AsyncTask<PollTask>> {
        Ok(AsyncTask::new(PollTask {
            consumer: self.consumer()?,
            max_records: max_records.max(1) as usize,
            max_bytes: max_bytes.max(1) as usize,
            max_wait: Duration::from_millis(max_wait_ms as u64),
        }))
    }

    /// Assigns the partitions of assignment `generation` at the given offsets; false (nothing done)
    /// when a later rebalance made that assignment stale.
    #[napi]
    pub fn assign(&self, generation: i64, partitions: Vec<NativeAssignment>) -> Result<bool> {
        let consumer = self.consumer()?;
        let mut group = consumer.context().group.lock().unwrap();
        if !group.pending || group.generation != generation as u64 {
            return Ok(false);
        }
        let pairs: Vec<(String, i32, Offset)> = partitions
            .into_iter()
            .map(|p| (p.topic, p.partition, p.offset.map_or(Offset::Stored, Offset::Offset)))
            .collect();
        consumer.assign(&partition_list(&pairs)?).map_err(kafka_err)?;
        group.pending = false;
        Ok(true)
    }

    /// Moves an assigned partition's fetch position; records fetched from before are never polled.
    #[napi]
    pub fn seek(&self, topic: String, partition: i32, offset: i64) -> Result<()> {
        self.consumer()?
            .seek(&topic, partition, Offset::Offset(offset), Duration::from_secs(10))
            .map_err(kafka_err)
    }

    /// Stops fetching from a partition.
    #[napi]
    pub fn pause(&self, topic: String, partition: i32) -> Result<()> {
        self.consumer()?.pause(&partition_list(&[(topic, partition, Offset::Invalid)])?).map_err(kafka_err)
    }

    /// Commits the group's offsets (for lag tools; the table holds the truth).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn commit(&self, offsets: Vec<NativeCommitOffset>) -> Result<AsyncTask<CommitTask>> {
        let pairs: Vec<(String, i32, Offset)> =
            offsets.into_iter().map(|o| (o.topic, o.partition, Offset::Offset(o.offset))).collect();
        Ok(AsyncTask::new(CommitTask { consumer: self.consumer()?, offsets: partition_list(&pairs)? }))
    }

    /// Leaves the group and closes the consumer; later calls fail.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close(&self) -> AsyncTask<CloseTask> {
        AsyncTask::new(CloseTask { consumer: self.inner.lock().unwrap().take() })
    }
}

/// librdkafka's version, as it was built into the engine.
#[napi]
pub fn librdkafka_version() -> String {
    rdkafka::util::get_rdkafka_version().1
}
