//! Held rows to Parquet data files: grouped by schema and partition tuple, cut near the target size,
//! each with its Iceberg metrics (counts and bounds from the data, column sizes from the footer).

use std::sync::Arc;

use arrow_array::{BooleanArray, RecordBatch};
use arrow_select::filter::filter_record_batch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::metrics::Metrics;
use crate::partition::PartKey;
use crate::writer::{SchemaState, Segment};

pub struct DataFile {
    pub bytes: Vec<u8>,
    pub schema_id: i32,
    pub partition: PartKey,
    pub record_count: u64,
    pub column_sizes: Vec<(i32, u64)>,
    pub metrics: Metrics,
}

/// Rows go to the Parquet writer in slices of this many, so that a file can be cut between them.
const SLICE_ROWS: usize = 65_536;

struct Group {
    state: Arc<SchemaState>,
    partition: PartKey,
    batches: Vec<RecordBatch>,
}

fn groups(segments: Vec<Segment>) -> Result<Vec<Group>, String> {
    let mut out: Vec<Group> = Vec::new();
    for Segment { state, rows } in segments {
        if rows.rows == 0 {
            continue;
        }
        let partition_of = rows.partition_of.clone();
        let partitions = rows.partitions.clone();
        let arrays = rows.arrays(state.arrow.fields().iter().map(|f| f.as_ref().clone()).collect::<Vec<_>>().as_slice());
        let batch = RecordBatch::try_new(state.arrow.clone(), arrays).map_err(|e| e.to_string())?;
        let mut parts: Vec<(PartKey, RecordBatch)> = Vec::new();
        if partitions.len() <= 1 {
            parts.push((partitions.into_iter().next().unwrap_or_default(), batch));
        } else {
            for (p, key) in partitions.into_iter().enumerate() {
                let mask: BooleanArray = partition_of.iter().map(|&q| Some(q as usize == p)).collect();
                parts.push((key, filter_record_batch(&batch, &mask).map_err(|e| e.to_string())?));
            }
        }
        for (partition, batch) in parts {
            match out.iter_mut().find(|g| g.state.schema.schema_id == state.schema.schema_id && g.partition == partition) {
                Some(g) => g.batches.push(batch),
                None => out.push(Group { state: state.clone(), partition, batches: vec![batch] }),
            }
        }
    }
    Ok(out)
}

fn properties(compression: &str) -> WriterProperties {
    let codec = match compression {
        "snappy" => Compression::SNAPPY,
        "uncompressed" => Compression::UNCOMPRESSED,
        _ => Compression::ZSTD(ZstdLevel::default()),
    };
    // A column whose distinct values outgrow the dictionary falls back to plain pages, but only once the
    // dictionary is full: at parquet-rs's default of 1 MiB, unique ids and the like are hashed into a
    // dictionary that is then thrown away, and their first pages stay dictionary-coded, larger than
    // plain under zstd. At 128 KiB they fall back early (as parquet-java's writer gives up a dictionary
    // that does not compress), while columns of a few thousand values keep theirs: 200k bench records
    // of 12 columns make a 15% smaller file (4.03 vs 4.73 MB; 600k: 11.8 vs 12.7 MB) with less CPU.
    WriterProperties::builder()
        .set_compression(codec)
        .set_max_row_group_size(1024 * 1024)
        .set_dictionary_page_size_limit(128 * 1024)
        .build()
}

/// Writes every held row as data files, one or more per schema and partition tuple.
pub fn write_files(segments: Vec<Segment>, target_bytes: usize, compression: &str) -> Result<Vec<DataFile>, String> {
    let props = properties(compression);
    let mut files = Vec::new();
    for group in groups(segments)? {
        let slices: Vec<RecordBatch> = group
            .batches
            .iter()
            .flat_map(|b| {
                (0..b.num_rows()).step_by(SLICE_ROWS).map(move |at| b.slice(at, SLICE_ROWS.min(b.num_rows() - at)))
            })
            .collect();
        let mut pending: Vec<RecordBatch> = Vec::new();
        let mut writer: Option<ArrowWriter<Vec<u8>>> = None;
        for slice in slices {
            let w = match &mut writer {
                Some(w) => w,
                None => writer.insert(
                    ArrowWriter::try_new(Vec::new(), group.state.arrow.clone(), Some(props.clone()))
                        .map_err(|e| e.to_string())?,
                ),
            };
            w.write(&slice).map_err(|e| e.to_string())?;
            pending.push(slice);
            if w.bytes_written() + w.in_progress_size() >= target_bytes {
                let w = writer.take().expect("a writer");
                files.push(close(w, &group, std::mem::take(&mut pending))?);
            }
        }
        if let Some(w) = writer {
            files.push(close(w, &group, pending)?);
        }
    }
    Ok(files)
}

fn close(writer: ArrowWriter<Vec<u8>>, group: &Group, batches: Vec<RecordBatch>) -> Result<DataFile, String> {
    let mut writer = writer;
    let meta = writer.finish().map_err(|e| e.to_string())?;
    let bytes = std::mem::take(writer.inner_mut());
    let mut column_sizes: Vec<(i32, u64)> = Vec::new();
    for rg in meta.row_groups() {
        for c in rg.columns() {
            let id = c.column_descr().self_type().get_basic_info().id();
            let size = c.compressed_size() as u64;
            match column_sizes.iter_mut().find(|(i, _)| *i == id) {
                Some((_, s)) => *s += size,
                None => column_sizes.push((id, size)),
            }
        }
    }
    let mut metrics = Metrics::default();
    let mut record_count = 0u64;
    for b in &batches {
        metrics.add_batch(&group.state.schema.fields, b.columns());
        record_count += b.num_rows() as u64;
    }
    Ok(DataFile {
        bytes,
        schema_id: group.state.schema.schema_id,
        partition: group.partition.clone(),
        record_count,
        column_sizes,
        metrics,
    })
}
