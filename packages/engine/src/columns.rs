//! Column buffers for one schema's rows: appended value by value, truncated back when a record turns out
//! not to fit (nothing of a rejected record stays), and turned into Arrow arrays without copying.

use std::sync::Arc;

use arrow_array::{
    types::*, ArrayRef, BinaryArray, BooleanArray, FixedSizeBinaryArray, ListArray, MapArray, PrimitiveArray,
    StringArray, StructArray,
};
use arrow_buffer::{BooleanBufferBuilder, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field as ArrowField, TimeUnit};

use crate::schema::{IType, Prim};

pub enum Col {
    Bool(BooleanBufferBuilder),
    I32(Vec<i32>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    I128(Vec<i128>),
    Bytes { offsets: Vec<i32>, data: Vec<u8> },
    Fixed { width: usize, data: Vec<u8> },
    Struct(Vec<ColBuf>),
    List { offsets: Vec<i32>, child: Box<ColBuf> },
    Map { offsets: Vec<i32>, key: Box<ColBuf>, value: Box<ColBuf> },
}

pub struct ColBuf {
    pub valid: BooleanBufferBuilder,
    pub col: Col,
}

impl ColBuf {
    pub fn new(t: &IType) -> ColBuf {
        let col = match t {
            IType::Prim(p) => match p {
                Prim::Boolean => Col::Bool(BooleanBufferBuilder::new(0)),
                Prim::Int | Prim::Date => Col::I32(Vec::new()),
                Prim::Float => Col::F32(Vec::new()),
                Prim::Double => Col::F64(Vec::new()),
                Prim::Decimal { .. } => Col::I128(Vec::new()),
                Prim::String | Prim::Binary => Col::Bytes { offsets: vec![0], data: Vec::new() },
                Prim::Uuid => Col::Fixed { width: 16, data: Vec::new() },
                Prim::Fixed(n) => Col::Fixed { width: *n as usize, data: Vec::new() },
                _ => Col::I64(Vec::new()),
            },
            IType::Struct(fields) => Col::Struct(fields.iter().map(|f| ColBuf::new(&f.ty)).collect()),
            IType::List { element } => Col::List { offsets: vec![0], child: Box::new(ColBuf::new(&element.ty)) },
            IType::Map { key, value } => Col::Map {
                offsets: vec![0],
                key: Box::new(ColBuf::new(&key.ty)),
                value: Box::new(ColBuf::new(&value.ty)),
            },
        };
        ColBuf { valid: BooleanBufferBuilder::new(0), col }
    }

    pub fn len(&self) -> usize {
        self.valid.len()
    }

    pub fn push_null(&mut self) {
        self.valid.append(false);
        match &mut self.col {
            Col::Bool(v) => v.append(false),
            Col::I32(v) => v.push(0),
            Col::I64(v) => v.push(0),
            Col::F32(v) => v.push(0.0),
            Col::F64(v) => v.push(0.0),
            Col::I128(v) => v.push(0),
            Col::Bytes { offsets, data } => offsets.push(data.len() as i32),
            Col::Fixed { width, data } => data.resize(data.len() + *width, 0),
            Col::Struct(children) => children.iter_mut().for_each(ColBuf::push_null),
            Col::List { offsets, .. } | Col::Map { offsets, .. } => {
                let last = *offsets.last().unwrap_or(&0);
                offsets.push(last);
            }
        }
    }

    pub fn push_bool(&mut self, b: bool) {
        self.valid.append(true);
        if let Col::Bool(v) = &mut self.col {
            v.append(b);
        }
    }

    pub fn push_i32(&mut self, x: i32) {
        self.valid.append(true);
        if let Col::I32(v) = &mut self.col {
            v.push(x);
        }
    }

    pub fn push_i64(&mut self, x: i64) {
        self.valid.append(true);
        if let Col::I64(v) = &mut self.col {
            v.push(x);
        }
    }

    pub fn push_f32(&mut self, x: f32) {
        self.valid.append(true);
        if let Col::F32(v) = &mut self.col {
            v.push(x);
        }
    }

    pub fn push_f64(&mut self, x: f64) {
        self.valid.append(true);
        if let Col::F64(v) = &mut self.col {
            v.push(x);
        }
    }

    pub fn push_i128(&mut self, x: i128) {
        self.valid.append(true);
        if let Col::I128(v) = &mut self.col {
            v.push(x);
        }
    }

    pub fn push_bytes(&mut self, b: &[u8]) {
        self.valid.append(true);
        match &mut self.col {
            Col::Bytes { offsets, data } => {
                data.extend_from_slice(b);
                offsets.push(data.len() as i32);
            }
            Col::Fixed { data, .. } => data.extend_from_slice(b),
            _ => {}
        }
    }

    /// Marks the struct slot just filled (its children already have a value each).
    pub fn push_struct(&mut self) {
        self.valid.append(true);
    }

    /// Ends a list (or map) whose elements were just appended to its child.
    pub fn push_list_end(&mut self) {
        self.valid.append(true);
        match &mut self.col {
            Col::List { offsets, child } => offsets.push(child.len() as i32),
            Col::Map { offsets, key, .. } => offsets.push(key.len() as i32),
            _ => {}
        }
    }

    /// Forgets every value from row `n` on (children down to the entries of those rows).
    pub fn truncate(&mut self, n: usize) {
        if self.valid.len() > n {
            self.valid.truncate(n);
        }
        match &mut self.col {
            Col::Bool(v) => {
                if v.len() > n {
                    v.truncate(n)
                }
            }
            Col::I32(v) => v.truncate(n),
            Col::I64(v) => v.truncate(n),
            Col::F32(v) => v.truncate(n),
            Col::F64(v) => v.truncate(n),
            Col::I128(v) => v.truncate(n),
            Col::Bytes { offsets, data } => {
                offsets.truncate(n + 1);
                data.truncate(*offsets.last().unwrap_or(&0) as usize);
            }
            Col::Fixed { width, data } => data.truncate(n * *width),
            Col::Struct(children) => children.iter_mut().for_each(|c| c.truncate(n)),
            Col::List { offsets, child } => {
                offsets.truncate(n + 1);
                child.truncate(*offsets.last().unwrap_or(&0) as usize);
            }
            Col::Map { offsets, key, value } => {
                offsets.truncate(n + 1);
                let m = *offsets.last().unwrap_or(&0) as usize;
                key.truncate(m);
                value.truncate(m);
            }
        }
    }

    /// Bytes held, near enough for back-pressure.
    pub fn bytes(&self) -> usize {
        let own = self.valid.capacity() / 8;
        own + match &self.col {
            Col::Bool(v) => v.capacity() / 8,
            Col::I32(v) => v.capacity() * 4,
            Col::I64(v) => v.capacity() * 8,
            Col::F32(v) => v.capacity() * 4,
            Col::F64(v) => v.capacity() * 8,
            Col::I128(v) => v.capacity() * 16,
            Col::Bytes { offsets, data } => offsets.capacity() * 4 + data.capacity(),
            Col::Fixed { data, .. } => data.capacity(),
            Col::Struct(children) => children.iter().map(ColBuf::bytes).sum(),
            Col::List { offsets, child } => offsets.capacity() * 4 + child.bytes(),
            Col::Map { offsets, key, value } => offsets.capacity() * 4 + key.bytes() + value.bytes(),
        }
    }

    /// The Arrow array of these values, of type `dt` (the schema's Arrow form).
    pub fn finish(mut self, dt: &DataType) -> ArrayRef {
        let len = self.valid.len();
        let validity = self.valid.finish();
        let nulls = NullBuffer::new(validity);
        let nulls = (nulls.null_count() > 0).then_some(nulls);
        match (self.col, dt) {
            (Col::Bool(mut v), _) => Arc::new(BooleanArray::new(v.finish(), nulls)),
            (Col::I32(v), DataType::Date32) => Arc::new(PrimitiveArray::<Date32Type>::new(v.into(), nulls)),
            (Col::I32(v), _) => Arc::new(PrimitiveArray::<Int32Type>::new(v.into(), nulls)),
            (Col::I64(v), DataType::Time64(_)) => {
                Arc::new(PrimitiveArray::<Time64MicrosecondType>::new(v.into(), nulls))
            }
            (Col::I64(v), DataType::Timestamp(TimeUnit::Microsecond, tz)) => Arc::new(
                PrimitiveArray::<TimestampMicrosecondType>::new(v.into(), nulls).with_timezone_opt(tz.clone()),
            ),
            (Col::I64(v), DataType::Timestamp(_, tz)) => Arc::new(
                PrimitiveArray::<TimestampNanosecondType>::new(v.into(), nulls).with_timezone_opt(tz.clone()),
            ),
            (Col::I64(v), _) => Arc::new(PrimitiveArray::<Int64Type>::new(v.into(), nulls)),
            (Col::F32(v), _) => Arc::new(PrimitiveArray::<Float32Type>::new(v.into(), nulls)),
            (Col::F64(v), _) => Arc::new(PrimitiveArray::<Float64Type>::new(v.into(), nulls)),
            (Col::I128(v), DataType::Decimal128(p, s)) => Arc::new(
                PrimitiveArray::<Decimal128Type>::new(v.into(), nulls)
                    .with_precision_and_scale(*p, *s)
                    .expect("a valid decimal type"),
            ),
            (Col::Bytes { offsets, data }, DataType::Utf8) => {
                let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
                // SAFETY: every string was checked to be UTF-8 when its record was parsed.
                Arc::new(unsafe { StringArray::new_unchecked(offsets, Buffer::from_vec(data), nulls) })
            }
            (Col::Bytes { offsets, data }, _) => {
                let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
                Arc::new(BinaryArray::new(offsets, Buffer::from_vec(data), nulls))
            }
            (Col::Fixed { width, data }, _) => {
                Arc::new(FixedSizeBinaryArray::new(width as i32, Buffer::from_vec(data), nulls))
            }
            (Col::Struct(children), DataType::Struct(fields)) => {
                let arrays: Vec<ArrayRef> =
                    children.into_iter().zip(fields.iter()).map(|(c, f)| c.finish(f.data_type())).collect();
                if arrays.is_empty() {
                    Arc::new(StructArray::new_empty_fields(len, nulls))
                } else {
                    Arc::new(StructArray::new(fields.clone(), arrays, nulls))
                }
            }
            (Col::List { offsets, child }, DataType::List(field)) => {
                let values = child.finish(field.data_type());
                Arc::new(ListArray::new(field.clone(), OffsetBuffer::new(ScalarBuffer::from(offsets)), values, nulls))
            }
            (Col::Map { offsets, key, value }, DataType::Map(entries, ordered)) => {
                let DataType::Struct(kv) = entries.data_type() else { unreachable!("map entries are a struct") };
                let k = key.finish(kv[0].data_type());
                let v = value.finish(kv[1].data_type());
                let entries_array = StructArray::new(kv.clone(), vec![k, v], None);
                Arc::new(MapArray::new(
                    entries.clone(),
                    OffsetBuffer::new(ScalarBuffer::from(offsets)),
                    entries_array,
                    nulls,
                    *ordered,
                ))
            }
            (_, dt) => panic!("column buffer does not match Arrow type {dt}"),
        }
    }
}

/// The rows of one schema held for one Kafka partition, with each row's partition tuple.
pub struct RowSet {
    pub columns: Vec<ColBuf>,
    pub rows: usize,
    /// Index into `partitions` of each row (empty when the table is unpartitioned).
    pub partition_of: Vec<u32>,
    pub partitions: Vec<crate::partition::PartKey>,
}

impl RowSet {
    pub fn new(fields: &[crate::schema::Field]) -> RowSet {
        RowSet {
            columns: fields.iter().map(|f| ColBuf::new(&f.ty)).collect(),
            rows: 0,
            partition_of: Vec::new(),
            partitions: Vec::new(),
        }
    }

    pub fn truncate(&mut self, n: usize) {
        for c in &mut self.columns {
            c.truncate(n);
        }
        self.rows = n;
        self.partition_of.truncate(n);
    }

    pub fn bytes(&self) -> usize {
        self.columns.iter().map(ColBuf::bytes).sum::<usize>() + self.partition_of.capacity() * 4
    }

    pub fn arrays(self, fields: &[ArrowField]) -> Vec<ArrayRef> {
        self.columns.into_iter().zip(fields).map(|(c, f)| c.finish(f.data_type())).collect()
    }
}
