//! The value rules, record by record, through the writer (the differential test in
//! packages/ingest/src/engine/native-writer.test.ts checks the same against the TypeScript path).

use arrow_array::{cast::AsArray, types::*, Array, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::json;

use crate::files::write_files;
use crate::writer::{Batch, Config, TakeOutcome, Writer};

fn writer(policy: &str, timestamps: serde_json::Value) -> Writer {
    let config = json!({
        "schema": {"type": "struct", "schema-id": 0, "fields": [
            {"id": 1, "name": "id", "required": true, "type": "long"},
            {"id": 2, "name": "big", "required": false, "type": "decimal(38,0)"},
            {"id": 3, "name": "n", "required": false, "type": "int"},
            {"id": 4, "name": "x", "required": false, "type": "double"},
            {"id": 5, "name": "s", "required": false, "type": "string"},
            {"id": 6, "name": "ts", "required": false, "type": "timestamptz"},
            {"id": 7, "name": "st", "required": false, "type": {"type": "struct", "fields": [
                {"id": 8, "name": "a", "required": false, "type": "long"}]}},
            {"id": 9, "name": "l", "required": false, "type": {"type": "list", "element-id": 10,
                "element": {"type": "struct", "fields": [{"id": 11, "name": "q", "required": false, "type": "long"}]},
                "element-required": false}},
            {"id": 12, "name": "tags", "required": false, "type": {"type": "list", "element-id": 13,
                "element": "string", "element-required": false}}
        ]},
        "spec": {"spec-id": 0, "fields": []},
        "policy": policy,
        "mapping": {"kafkaMetadata": false, "rename": {}, "timestamps": timestamps},
        "keyFormat": "string",
        "compression": "zstd",
        "maxValueBytes": 1000
    });
    let (config, schema) = Config::from_json(&config).unwrap();
    Writer::new(config, schema).unwrap()
}

/// Takes one record (None: a tombstone): held, or the rejection's reason and message, or "change".
fn take(w: &mut Writer, value: Option<&str>) -> Result<(), String> {
    let bytes = value.unwrap_or("").as_bytes();
    let batch = Batch {
        topic: b"t",
        partition: 0,
        data: bytes,
        value_ranges: &[0, bytes.len() as u32],
        flags: &[if value.is_none() { 3 } else { 2 }],
        offsets: &[0],
        timestamps: &[0],
        key_ranges: &[0, 0],
        header_starts: &[0, 0],
        header_ranges: &[],
        header_null: &[],
    };
    let TakeOutcome { rejected, needs_schema_change, .. } = w.take("t:0", &batch, 0);
    if needs_schema_change {
        return Err("change".into());
    }
    match rejected.first() {
        Some(r) => Err(format!("{}: {}", r.reason, r.message)),
        None => Ok(()),
    }
}

fn rows(w: &mut Writer) -> RecordBatch {
    let files = write_files(w.take_all(), 1 << 30, "zstd").unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(files[0].bytes.clone())).unwrap();
    reader.build().unwrap().next().unwrap().unwrap()
}

#[test]
fn big_integers_stay_exact_or_are_rejected() {
    let mut w = writer("strict", json!([]));
    assert_eq!(take(&mut w, Some(r#"{"id":9223372036854775807,"big":-9223372036854775809}"#)), Ok(()));
    assert_eq!(take(&mut w, Some(r#"{"id":9007199254740993}"#)), Ok(()));
    assert_eq!(
        take(&mut w, Some(r#"{"id":9223372036854775808}"#)),
        Err("type-mismatch: id: decimal value 9223372036854775808 does not fit column type long".into())
    );
    let digits39 = format!(r#"{{"id":1,"big":{}}}"#, "9".repeat(39));
    assert!(take(&mut w, Some(&digits39)).unwrap_err().contains("it has more than 38 digits"));
    let b = rows(&mut w);
    let id = b.column(0).as_primitive::<Int64Type>();
    assert_eq!((id.value(0), id.value(1)), (i64::MAX, 9_007_199_254_740_993));
    assert_eq!(b.column(1).as_primitive::<Decimal128Type>().value(0), -9_223_372_036_854_775_809);
}

#[test]
fn negative_zero_and_fractions_into_integer_columns() {
    let mut w = writer("strict", json!([]));
    assert_eq!(take(&mut w, Some(r#"{"id":-0,"x":-0.0,"n":2.0}"#)), Ok(()));
    assert_eq!(take(&mut w, Some(r#"{"id":1e2}"#)), Ok(()));
    assert_eq!(
        take(&mut w, Some(r#"{"id":1,"n":2.5}"#)),
        Err("type-mismatch: n: double value 2.5 does not fit column type int".into())
    );
    assert_eq!(
        take(&mut w, Some(r#"{"id":1,"n":3000000000}"#)),
        Err("type-mismatch: n: value 3000000000 needs column type long instead of int (schema policy strict)".into())
    );
    let b = rows(&mut w);
    assert_eq!(b.num_rows(), 2);
    assert!(b.column(3).as_primitive::<Float64Type>().value(0).is_sign_negative());
    assert_eq!(b.column(0).as_primitive::<Int64Type>().value(1), 100);
    assert_eq!(b.column(2).as_primitive::<Int32Type>().value(0), 2);
}

#[test]
fn numbers_as_strings_and_strings_as_numbers_do_not_convert() {
    let mut w = writer("strict", json!([]));
    assert_eq!(
        take(&mut w, Some(r#"{"id":"1"}"#)),
        Err(r#"type-mismatch: id: string value "1" does not fit column type long"#.into())
    );
    assert_eq!(
        take(&mut w, Some(r#"{"id":1,"s":12}"#)),
        Err("type-mismatch: s: long value 12 does not fit column type string".into())
    );
}

#[test]
fn unicode_control_characters_and_empty_strings_survive() {
    let mut w = writer("strict", json!([]));
    assert_eq!(take(&mut w, Some(r#"{"id":1,"s":"é\u0000\n🎉\ud83c\udf89"}"#)), Ok(()));
    assert_eq!(take(&mut w, Some(r#"{"id":2,"s":""}"#)), Ok(()));
    assert_eq!(take(&mut w, Some(r#"{"id":3,"s":null}"#)), Ok(()));
    assert!(take(&mut w, Some(r#"{"id":4,"s":"\ud800"}"#)).unwrap_err().contains("lone surrogate"));
    assert!(take(&mut w, Some("{\"id\":4,\"s\":\"a\u{1}\"}")).unwrap_err().contains("control character"));
    let b = rows(&mut w);
    let s = b.column(4).as_string::<i32>();
    assert_eq!(s.value(0), "é\u{0}\n🎉🎉");
    assert!(s.is_valid(1) && s.value(1).is_empty());
    assert!(s.is_null(2));
}

#[test]
fn empty_lists_are_lists_and_lists_of_structs_fit_element_by_element() {
    let mut w = writer("strict", json!([]));
    assert_eq!(take(&mut w, Some(r#"{"id":1,"tags":[],"l":[{"q":1},{},null,{"q":2.0}]}"#)), Ok(()));
    assert_eq!(take(&mut w, Some(r#"{"id":2,"tags":null}"#)), Ok(()));
    assert_eq!(
        take(&mut w, Some(r#"{"id":3,"l":[{"q":1.5}]}"#)),
        Err("type-mismatch: l.element.q: double value 1.5 does not fit column type long".into())
    );
    assert_eq!(
        take(&mut w, Some(r#"{"id":3,"tags":["a",1]}"#)),
        Err("type-mismatch: tags[]: 1 is not a valid long: the values here mix string and long".into())
    );
    let b = rows(&mut w);
    let tags = b.column(8).as_list::<i32>();
    assert!(tags.is_valid(0) && tags.value(0).is_empty());
    assert!(tags.is_null(1));
    let l = b.column(7).as_list::<i32>();
    assert_eq!(l.value(0).len(), 4);
}

#[test]
fn nested_structs_missing_and_extra_fields_follow_the_policy() {
    let mut w = writer("strict", json!([]));
    assert_eq!(take(&mut w, Some(r#"{"id":1,"st":{"a":5}}"#)), Ok(()));
    assert_eq!(take(&mut w, Some(r#"{"id":2,"st":{}}"#)), Ok(()));
    assert_eq!(
        take(&mut w, Some(r#"{"id":3,"st":{"a":1,"b":2}}"#)),
        Err("schema-violation: st.b is not a column of the table (schema policy strict)".into())
    );
    assert_eq!(take(&mut w, Some(r#"{"s":"x"}"#)), Err("schema-violation: id is required and the record has none".into()));
    assert_eq!(take(&mut w, Some(r#"{"id":3,"new":[]}"#)), Ok(()), "a list no element types is no new column");
    let b = rows(&mut w);
    assert_eq!(b.num_rows(), 3);
    let st = b.column(6).as_struct();
    assert!(st.is_valid(1), "an object with no typed member stays an object, as the TS path has it");
    assert!(st.column(0).is_null(1), "its members are null");

    let mut evolve = writer("evolve", json!([]));
    assert_eq!(take(&mut evolve, Some(r#"{"id":1,"new":1}"#)), Err("change".into()));
    assert_eq!(take(&mut evolve, Some(r#"{"s":"x"}"#)), Err("change".into()));
    assert_eq!(evolve.buffered_rows(), 0);
    let mut ignore = writer("ignore-new-fields", json!([]));
    assert_eq!(take(&mut ignore, Some(r#"{"id":1,"new":1,"st":{"z":1}}"#)), Ok(()));
}

#[test]
fn timestamps_with_and_without_zones_and_epoch_fields() {
    let mut w = writer("strict", json!([{"field": "ts", "format": "iso8601"}]));
    assert_eq!(take(&mut w, Some(r#"{"id":1,"ts":"2026-11-25T15:00:00.123456+05:30"}"#)), Ok(()));
    assert_eq!(
        take(&mut w, Some(r#"{"id":2,"ts":"2026-11-25T09:30:00"}"#)),
        Err(r#"mapping-failed: ts: "2026-11-25T09:30:00" is not an ISO-8601 timestamp with a zone (e.g. 2026-11-25T09:30:00.123Z)"#.into())
    );
    let b = rows(&mut w);
    assert_eq!(b.column(5).as_primitive::<TimestampMicrosecondType>().value(0), 1_795_599_000_123_456);

    let mut e = writer("strict", json!([{"field": "ts", "format": "epoch-ms"}]));
    assert_eq!(take(&mut e, Some(r#"{"id":1,"ts":1764063000123}"#)), Ok(()));
    assert_eq!(take(&mut e, Some(r#"{"id":1,"ts":1.5}"#)), Err("mapping-failed: ts: 1.5 is not a whole number of ms".into()));
    let b = rows(&mut e);
    assert_eq!(b.column(5).as_primitive::<TimestampMicrosecondType>().value(0), 1_764_063_000_123_000);

    let mut plain = writer("strict", json!([]));
    assert_eq!(
        take(&mut plain, Some(r#"{"id":1,"ts":1764063000123}"#)),
        Err("type-mismatch: ts: long value 1764063000123 does not fit column type timestamptz".into())
    );
}

#[test]
fn tombstones_are_empty_records_and_bad_json_is_refused() {
    let mut w = writer("strict", json!([]));
    assert_eq!(take(&mut w, None), Err("schema-violation: id is required and the record has none".into()));
    assert_eq!(take(&mut w, Some("[1]")), Err("invalid-json: the value is an array, not a JSON object".into()));
    assert_eq!(
        take(&mut w, Some(r#"{"id":1,"id":2}"#)),
        Err(r#"invalid-json: invalid JSON at offset 12: member "id" appears twice"#.into())
    );
    let deep = format!(r#"{{"id":1,"tags":{}{}}}"#, "[".repeat(300), "]".repeat(300));
    assert!(take(&mut w, Some(&deep)).unwrap_err().contains("nested deeper than 256 levels"));
    assert!(take(&mut w, Some(&format!(r#"{{"id":1,"s":"{}"}}"#, "x".repeat(1000)))).unwrap_err().starts_with("oversize"));
    assert_eq!(w.buffered_rows(), 0);
}

/// cargo test --release -- --ignored --nocapture bench: the Rust side of take alone, for a nested and
/// a flat record, by plan and by the full path (alternating, so that a busy machine hits both alike).
#[test]
#[ignore]
fn bench_take() {
    let nested = r#"{"id":1234567,"big":12,"n":3,"x":12.5,"s":"lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor","st":{"a":5},"tags":["a","b"]}"#;
    let flat = r#"{"id":1234567,"big":12,"n":3,"x":12.5,"s":"lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor","ts":"2026-11-25T09:30:00.123456Z"}"#;
    let n = 100_000;
    for round in 0..3 {
        for (name, record) in [("nested", nested), ("flat", flat)] {
            for plans in [true, false] {
                let w = writer("evolve", json!([{"field": "ts", "format": "iso8601"}]));
                let mut w = if plans { w } else { w.without_plans() };
                let values: Vec<u8> = record.repeat(n).into_bytes();
                let ranges: Vec<u32> =
                    (0..n).flat_map(|i| [i * record.len(), (i + 1) * record.len()]).map(|x| x as u32).collect();
                let flags = vec![2u8; n];
                let zeros = vec![0i64; n];
                let no_keys = vec![0u32; 2 * n];
                let header_starts = vec![0u32; n + 1];
                let batch = Batch {
                    topic: b"t",
                    partition: 0,
                    data: &values,
                    value_ranges: &ranges,
                    flags: &flags,
                    offsets: &zeros,
                    timestamps: &zeros,
                    key_ranges: &no_keys,
                    header_starts: &header_starts,
                    header_ranges: &[],
                    header_null: &[],
                };
                let t = std::time::Instant::now();
                let out = w.take("t:0", &batch, 0);
                let took = t.elapsed();
                assert!(out.rejected.is_empty() && !out.needs_schema_change);
                let t = std::time::Instant::now();
                let files = write_files(w.take_all(), 1 << 30, "zstd").unwrap();
                println!(
                    "round {round}, {name} ({} bytes), {}: take {:.2} µs/record, write {:.2} µs/record ({} bytes of Parquet)",
                    record.len(),
                    if plans { "by plan" } else { "full path" },
                    took.as_secs_f64() * 1e6 / n as f64,
                    t.elapsed().as_secs_f64() * 1e6 / n as f64,
                    files[0].bytes.len()
                );
            }
        }
    }
}

/// Flat records of one shape go through a plan (plan.rs): every outcome and every value held is the
/// full path's, whatever the values do (misfits, widenings, missing required, timestamps, new fields).
#[test]
fn plans_give_the_full_paths_outcomes_and_rows() {
    let records = [
        r#"{"id":1,"n":2,"x":1.5,"s":"a","ts":"2026-11-25T09:30:00Z"}"#,
        r#"{"id":2,"n":3,"x":2,"s":"b","ts":"2026-11-25T09:30:00.123456+01:00"}"#,
        r#"{"id":3,"n":"x","x":2,"s":"b","ts":"2026-11-25T09:30:00Z"}"#,
        r#"{"id":4,"n":3000000000,"x":2,"s":"b","ts":"2026-11-25T09:30:00Z"}"#,
        r#"{"id":null,"n":1,"x":2,"s":"b","ts":"2026-11-25T09:30:00Z"}"#,
        r#"{"id":5,"n":1,"x":1e400,"s":"b","ts":"2026-11-25T09:30:00Z"}"#,
        r#"{"id":6,"n":1,"x":null,"s":null,"ts":"bad"}"#,
        r#"{"id":7,"n":1,"x":3,"s":"c","ts":"2026-11-25T09:30:00Z"}"#,
        r#"{"id":8,"n":1.5,"x":3,"s":"c","ts":"2026-11-25T09:30:00Z"}"#,
        r#"{"id":9,"extra":1,"n":1,"x":3,"s":"c","ts":"2026-11-25T09:30:00Z"}"#,
        r#"{"id":10,"big":123456789012345678901234567890,"n":1,"x":3,"s":"c","ts":"2026-11-25T09:30:00Z"}"#,
        r#"{"id":11,"big":-5,"n":1,"x":3,"s":"c","ts":"2026-11-25T09:30:00Z"}"#,
        r#"{"id":9007199254740993,"n":1,"x":9007199254740993,"s":"d","ts":"2026-11-25T09:30:00Z"}"#,
        r#"{"id":12,"n":1,"x":3,"s":"c","ts":17}"#,
        r#"{"id":13,"n":1,"x":3,"s":"c","ts":"2026-11-25T09:30:00Z","tags":["a"]}"#,
        r#"{}"#,
        r#"{"id":14,"n":1,"x":3,"s":"c","ts":"2026-11-25T09:30:00Z"}"#,
        r#"{"id":15,"n":-0,"x":-0.0,"s":"","ts":"2026-11-25T09:30:00Z"}"#,
    ];
    for policy in ["evolve", "strict", "ignore-new-fields"] {
        let ts = json!([{"field": "ts", "format": "iso8601"}]);
        let mut planned = writer(policy, ts.clone());
        let mut full = writer(policy, ts).without_plans();
        for r in records {
            assert_eq!(take(&mut planned, Some(r)), take(&mut full, Some(r)), "{policy}: {r}");
        }
        assert_eq!(rows(&mut planned), rows(&mut full), "{policy}");
    }
}

/// The `_kafka` column (id 3), with its key field or without (where keys are not read).
fn kafka_column(with_key: bool) -> serde_json::Value {
    let mut fields = vec![
        json!({"id": 4, "name": "topic", "required": true, "type": "string"}),
        json!({"id": 5, "name": "partition", "required": true, "type": "int"}),
        json!({"id": 6, "name": "offset", "required": true, "type": "long"}),
        json!({"id": 7, "name": "timestamp", "required": true, "type": "timestamptz"}),
    ];
    if with_key {
        fields.push(json!({"id": 8, "name": "key", "required": false, "type": "string"}));
    }
    fields.push(json!({"id": 9, "name": "headers", "required": false, "type": {"type": "list", "element-id": 10,
        "element": {"type": "struct", "fields": [
            {"id": 11, "name": "key", "required": true, "type": "string"},
            {"id": 12, "name": "value", "required": false, "type": "binary"}]},
        "element-required": true}}));
    json!({"id": 3, "name": "_kafka", "required": false, "type": {"type": "struct", "fields": fields}})
}

/// The same with the Kafka metadata column, a rename and a select.
#[test]
fn plans_with_metadata_rename_and_select() {
    let config = |policy: &str| {
        json!({
            "schema": {"type": "struct", "schema-id": 0, "fields": [
                {"id": 1, "name": "id", "required": true, "type": "long"},
                {"id": 2, "name": "text", "required": false, "type": "string"},
                kafka_column(true)
            ]},
            "spec": {"spec-id": 0, "fields": []},
            "policy": policy,
            "mapping": {"kafkaMetadata": true, "rename": {"s": "text"}, "select": ["id", "s"], "timestamps": []},
            "keyFormat": "string",
            "compression": "zstd",
            "maxValueBytes": 1000
        })
    };
    let records = [
        r#"{"id":1,"s":"a","skipped":{"x":1}}"#,
        r#"{"id":2,"s":"b","skipped":5}"#,
        r#"{"id":3,"s":"b","skipped":5}"#,
        r#"{"id":4,"s":7,"skipped":5}"#,
        r#"{"id":5,"s":null,"skipped":"x"}"#,
        r#"{"id":6,"text":"direct","skipped":5}"#,
        r#"{"id":7,"s":"b","skipped":5,"_kafka":1}"#,
        r#"{"id":8,"s":"b","skipped":5}"#,
    ];
    for policy in ["evolve", "strict"] {
        let (c, schema) = Config::from_json(&config(policy)).unwrap();
        let mut planned = Writer::new(c, schema).unwrap();
        assert_eq!(take(&mut planned, Some(r#"{"id":0,"s":"a","skipped":5}"#)), Ok(()));
        assert!(planned.plans_hold(), "{policy}: flat records of one shape go by plan");
        let (c, schema) = Config::from_json(&config(policy)).unwrap();
        let mut full = Writer::new(c, schema).unwrap().without_plans();
        assert_eq!(take(&mut full, Some(r#"{"id":0,"s":"a","skipped":5}"#)), Ok(()));
        for r in records {
            assert_eq!(take(&mut planned, Some(r)), take(&mut full, Some(r)), "{policy}: {r}");
        }
        assert_eq!(rows(&mut planned), rows(&mut full), "{policy}");
    }
}

/// Where keys are not read, the metadata column has no key field, and records still go by plan.
#[test]
fn plans_hold_without_a_key_field_when_keys_are_not_read() {
    let config = json!({
        "schema": {"type": "struct", "schema-id": 0, "fields": [
            {"id": 1, "name": "id", "required": false, "type": "long"},
            kafka_column(false)
        ]},
        "spec": {"spec-id": 0, "fields": []},
        "policy": "strict",
        "mapping": {"kafkaMetadata": true, "rename": {}, "timestamps": []},
        "keyFormat": "none",
        "compression": "zstd",
        "maxValueBytes": 1000
    });
    let (c, schema) = Config::from_json(&config).unwrap();
    let mut w = Writer::new(c, schema).unwrap();
    assert_eq!(take(&mut w, Some(r#"{"id":1}"#)), Ok(()));
    assert!(w.plans_hold());
}

/// A table of nested columns: a struct with a struct, a list and a required field inside, a list of
/// structs with a required field, a top-level timestamp, partitioned by a field inside the struct.
fn nested_writer(policy: &str, select: bool, plans: bool) -> Writer {
    let mut mapping = json!({"kafkaMetadata": true, "rename": {}, "timestamps": [{"field": "ts", "format": "iso8601"}]});
    if select {
        mapping["select"] = json!(["id", "o", "lines", "ts"]);
    }
    let config = json!({
        "schema": {"type": "struct", "schema-id": 0, "fields": [
            {"id": 1, "name": "id", "required": true, "type": "long"},
            {"id": 13, "name": "o", "required": false, "type": {"type": "struct", "fields": [
                {"id": 14, "name": "a", "required": false, "type": "long"},
                {"id": 15, "name": "b", "required": true, "type": "string"},
                {"id": 16, "name": "inner", "required": false, "type": {"type": "struct", "fields": [
                    {"id": 17, "name": "x", "required": false, "type": "double"},
                    {"id": 18, "name": "at", "required": false, "type": "timestamptz"}]}},
                {"id": 19, "name": "tags", "required": false, "type": {"type": "list", "element-id": 20,
                    "element": "string", "element-required": false}},
                {"id": 21, "name": "n", "required": false, "type": "int"},
                {"id": 22, "name": "big", "required": false, "type": "decimal(10,0)"},
                {"id": 23, "name": "ts", "required": false, "type": "string"}]}},
            {"id": 24, "name": "lines", "required": false, "type": {"type": "list", "element-id": 25,
                "element": {"type": "struct", "fields": [
                    {"id": 26, "name": "sku", "required": true, "type": "string"},
                    {"id": 27, "name": "qty", "required": false, "type": "long"},
                    {"id": 28, "name": "price", "required": false, "type": "double"}]},
                "element-required": false}},
            {"id": 29, "name": "ts", "required": false, "type": "timestamptz"},
            kafka_column(true)
        ]},
        "spec": {"spec-id": 0, "fields": [{"source-id": 14, "field-id": 1000, "name": "a", "transform": "identity"}]},
        "policy": policy,
        "mapping": mapping,
        "keyFormat": "string",
        "compression": "zstd",
        "maxValueBytes": 1000
    });
    let (config, schema) = Config::from_json(&config).unwrap();
    let w = Writer::new(config, schema).unwrap();
    if plans {
        w
    } else {
        w.without_plans()
    }
}

/// Every file's partition and rows.
fn files_rows(w: &mut Writer) -> Vec<(crate::partition::PartKey, RecordBatch)> {
    write_files(w.take_all(), 1 << 30, "zstd")
        .unwrap()
        .into_iter()
        .map(|f| {
            let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(f.bytes)).unwrap();
            (f.partition, reader.build().unwrap().next().unwrap().unwrap())
        })
        .collect()
}

const NESTED: &str = r#"{"id":1,"o":{"a":1,"b":"x","inner":{"x":1.5,"at":null},"tags":["a","b"],"n":1,"big":5,"ts":"2026-11-25T09:30:00Z"},"lines":[{"sku":"s","qty":1,"price":2.5},{"sku":"t","qty":2,"price":3.5}],"ts":"2026-11-25T09:30:00Z"}"#;

/// Nested records go by plan as flat ones do: every outcome and every row held (with its partition,
/// from a field inside a struct) is the full path's — misfits, widenings, missing required nested
/// fields, new nested fields, nulls vs empty objects and lists, lists of mixed kinds, objects where
/// values belong, timestamps inside structs (not mapped: only top-level members are), members skipped
/// by select.
#[test]
fn nested_plans_give_the_full_paths_outcomes_and_rows() {
    let with = |from: &str, to: &str| NESTED.replacen(from, to, 1);
    let records = vec![
        NESTED.to_string(),
        with(r#""a":1"#, r#""a":2"#),
        with(r#","inner":{"x":1.5,"at":null}"#, ""),
        with(r#""qty":1,"price":2.5},"#, r#""price":2.5,"qty":1},"#),
        with(r#""a":1"#, r#""a":"x""#),
        with(r#""x":1.5"#, r#""x":"s""#),
        with(r#""qty":2"#, r#""qty":1.5"#),
        with(r#""n":1"#, r#""n":3000000000"#),
        with(r#""big":5"#, r#""big":123456789012345678901234567890"#),
        with(r#""big":5"#, r#""big":-5"#),
        with(r#""b":"x","#, ""),
        with(r#""b":"x""#, r#""b":null"#),
        with(r#""b":"x""#, r#""b":"""#),
        with(r#"{"sku":"s","qty":1,"price":2.5}"#, r#"{"qty":1}"#),
        with(r#""n":1"#, r#""n":1,"z":1"#),
        with(r#""n":1"#, r#""n":1,"z":null"#),
        with(r#""n":1"#, r#""n":1,"z":{}"#),
        with(r#""n":1"#, r#""n":1,"z":[]"#),
        with(r#""price":2.5"#, r#""price":2.5,"new":1"#),
        with(r#""price":2.5"#, r#""price":2.5,"new":null"#),
        with(r#""at":null"#, r#""at":null,"w":2"#),
        with(r#""at":null"#, r#""at":"2026-11-25T09:30:00Z""#),
        r#"{"id":2,"o":null,"lines":null}"#.into(),
        r#"{"id":3,"o":{},"lines":[]}"#.into(),
        r#"{"id":4,"o":{"b":"y","inner":{}},"lines":[null]}"#.into(),
        r#"{"id":5,"o":{"b":"y","inner":null,"tags":[]},"lines":[{}]}"#.into(),
        r#"{"id":6,"o":{"b":"y","inner":{"x":null},"tags":[null]},"lines":[{"sku":"a","qty":null}]}"#.into(),
        r#"{"id":7,"o":{"inner":{"x":null}}}"#.into(),
        with(r#""a":1"#, r#""a":{}"#),
        with(r#""a":1"#, r#""a":{"k":1}"#),
        r#"{"id":8,"o":5}"#.into(),
        r#"{"id":9,"lines":{}}"#.into(),
        r#"{"id":10,"lines":[1,2]}"#.into(),
        with(r#"["a","b"]"#, "[{}]"),
        with(r#"["a","b"]"#, "[[]]"),
        with(r#"["a","b"]"#, r#"["a",1]"#),
        with(r#"["a","b"]"#, "[1,2]"),
        with(r#""price":3.5"#, r#""price":3"#),
        with(r#""qty":2"#, r#""qty":9223372036854775808"#),
        with(r#""qty":2"#, r#""qty":18446744073709551616"#),
        with(r#""x":1.5"#, r#""x":1e400"#),
        with(r#""ts":"2026-11-25T09:30:00Z"}"#, r#""ts":{"k":1}}"#),
        with(r#""ts":"2026-11-25T09:30:00Z"}"#, r#""ts":{}}"#),
        with(r#""ts":"2026-11-25T09:30:00Z"}"#, r#""ts":"bad"}"#),
        with(r#""id":1,"#, r#""id":1,"junk":5,"#),
        with(r#""id":1,"#, r#""id":1,"junk":[1,"a"],"#),
        with(r#""id":1,"#, r#""id":1,"junk":{"deep":[{"a":1},{"a":"x"}]},"#),
        with(r#""id":1,"#, r#""id":1,"junk":{"k":[{"a":1}]},"#),
        with(r#""id":1,"#, r#""id":1,"junk":{"k":1e400},"#),
        NESTED.to_string(),
    ];
    for policy in ["evolve", "strict", "ignore-new-fields"] {
        for select in [false, true] {
            let mut planned = nested_writer(policy, select, true);
            let mut full = nested_writer(policy, select, false);
            for r in &records {
                assert_eq!(take(&mut planned, Some(r)), take(&mut full, Some(r)), "{policy}, select {select}: {r}");
            }
            let (a, b) = (files_rows(&mut planned), files_rows(&mut full));
            assert_eq!(a.len(), b.len(), "{policy}, select {select}: files");
            for ((pa, ra), (pb, rb)) in a.iter().zip(&b) {
                assert_eq!(pa, pb, "{policy}, select {select}: partition");
                for (i, f) in ra.schema().fields().iter().enumerate() {
                    let at = difference(ra.column(i), rb.column(i), f.name());
                    assert_eq!(at, None, "{policy}, select {select}");
                }
            }
        }
    }
}

/// An object made only of what has no type (`{}`, `{"x":null}`) inside a typed object, or in a list's
/// element, is an object all the same, by plan and by the full path, as fit-record.ts has it.
#[test]
fn empty_objects_inside_structs_stay_objects() {
    for plans in [true, false] {
        let mut w = nested_writer("strict", false, plans);
        for r in [
            r#"{"id":1,"o":{"b":"y","inner":{}}}"#,
            r#"{"id":2,"o":{"b":"y","inner":{"x":null}}}"#,
            r#"{"id":3,"o":{"b":"y","inner":null}}"#,
        ] {
            assert_eq!(take(&mut w, Some(r)), Ok(()), "{r}");
        }
        let files = files_rows(&mut w);
        let inner = files[0].1.column(1).as_struct().column(2).as_struct();
        assert!(inner.is_valid(0) && inner.is_valid(1) && inner.is_null(2), "plans {plans}");
        assert!(inner.column(0).is_null(0) && inner.column(0).is_null(1));
    }
}

/// Records of one nested shape do go by plan, whatever their values and lists' lengths.
#[test]
fn nested_records_of_one_shape_go_by_plan() {
    for policy in ["evolve", "strict", "ignore-new-fields"] {
        let mut w = nested_writer(policy, false, true);
        let again = NESTED.replace(r#"{"sku":"s","qty":1,"price":2.5},"#, "").replace(r#""tags":["a","b"]"#, r#""tags":[]"#);
        for r in [NESTED, &again, r#"{"id":1,"o":{"a":1,"b":"x","inner":{"x":1.5,"at":null},"tags":null,"n":1,"big":5,"ts":"t"},"lines":[],"ts":null}"#] {
            assert_eq!(take(&mut w, Some(r)), Ok(()), "{policy}: {r}");
        }
        assert_eq!(w.held_by_plan(), 3, "{policy}");
    }
}

/// Where two arrays first differ, leaf by leaf (for a readable failure).
fn difference(a: &dyn Array, b: &dyn Array, path: &str) -> Option<String> {
    let children: Vec<(arrow_array::ArrayRef, arrow_array::ArrayRef)> = match a.data_type() {
        arrow_schema::DataType::Struct(_) => a.as_struct().columns().iter().cloned().zip(b.as_struct().columns().iter().cloned()).collect(),
        arrow_schema::DataType::List(_) => vec![(a.as_list::<i32>().values().clone(), b.as_list::<i32>().values().clone())],
        _ => Vec::new(),
    };
    for (i, (x, y)) in children.iter().enumerate() {
        if let Some(d) = difference(x, y, &format!("{path}.{i}")) {
            return Some(d);
        }
    }
    (a.to_data() != b.to_data()).then(|| format!("{path}: {a:?} vs {b:?}"))
}
