//! Iceberg schemas and partition specs, read from their spec JSON (Appendix C), and the Arrow schema of
//! data files for a schema (field ids on every field, lists' child `element`, maps' entries `key_value`).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::{DataType, Field as ArrowField, Fields, Schema as ArrowSchema, TimeUnit};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub enum Prim {
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Decimal { precision: u8, scale: u8 },
    Date,
    Time,
    Timestamp,
    Timestamptz,
    TimestampNs,
    TimestamptzNs,
    String,
    Uuid,
    Fixed(u32),
    Binary,
}

impl Prim {
    /// primitiveToString: "decimal(9,2)", "fixed[16]", "long".
    pub fn label(&self) -> String {
        match self {
            Prim::Decimal { precision, scale } => format!("decimal({precision},{scale})"),
            Prim::Fixed(n) => format!("fixed[{n}]"),
            other => other.name().to_string(),
        }
    }

    /// The `type` member of the TS type object ("decimal", "fixed", "long").
    pub fn name(&self) -> &'static str {
        match self {
            Prim::Boolean => "boolean",
            Prim::Int => "int",
            Prim::Long => "long",
            Prim::Float => "float",
            Prim::Double => "double",
            Prim::Decimal { .. } => "decimal",
            Prim::Date => "date",
            Prim::Time => "time",
            Prim::Timestamp => "timestamp",
            Prim::Timestamptz => "timestamptz",
            Prim::TimestampNs => "timestamp_ns",
            Prim::TimestamptzNs => "timestamptz_ns",
            Prim::String => "string",
            Prim::Uuid => "uuid",
            Prim::Fixed(_) => "fixed",
            Prim::Binary => "binary",
        }
    }

    fn parse(text: &str) -> Result<Prim, String> {
        Ok(match text {
            "boolean" => Prim::Boolean,
            "int" => Prim::Int,
            "long" => Prim::Long,
            "float" => Prim::Float,
            "double" => Prim::Double,
            "date" => Prim::Date,
            "time" => Prim::Time,
            "timestamp" => Prim::Timestamp,
            "timestamptz" => Prim::Timestamptz,
            "timestamp_ns" => Prim::TimestampNs,
            "timestamptz_ns" => Prim::TimestamptzNs,
            "string" => Prim::String,
            "uuid" => Prim::Uuid,
            "binary" => Prim::Binary,
            _ => {
                if let Some(inner) = text.strip_prefix("decimal(").and_then(|t| t.strip_suffix(')')) {
                    let (p, s) = inner.split_once(',').ok_or_else(|| unsupported(text))?;
                    let precision: u8 = p.trim().parse().map_err(|_| unsupported(text))?;
                    let scale: u8 = s.trim().parse().map_err(|_| unsupported(text))?;
                    if precision == 0 || precision > 38 || scale > precision {
                        return Err(unsupported(text));
                    }
                    Prim::Decimal { precision, scale }
                } else if let Some(inner) = text.strip_prefix("fixed[").and_then(|t| t.strip_suffix(']')) {
                    Prim::Fixed(inner.trim().parse().map_err(|_| unsupported(text))?)
                } else {
                    return Err(unsupported(text));
                }
            }
        })
    }
}

fn unsupported(text: &str) -> String {
    format!("the native engine does not support column type {text}")
}

#[derive(Clone, Debug)]
pub enum IType {
    Prim(Prim),
    Struct(Vec<Field>),
    List { element: Box<Field> },
    Map { key: Box<Field>, value: Box<Field> },
}

impl IType {
    /// A type as fit messages name it: the primitive's string, else "struct", "list", "map".
    pub fn kind(&self) -> String {
        match self {
            IType::Prim(p) => p.label(),
            IType::Struct(_) => "struct".into(),
            IType::List { .. } => "list".into(),
            IType::Map { .. } => "map".into(),
        }
    }
}

/// A struct field, a list element ("element") or a map key/value ("key"/"value").
#[derive(Clone, Debug)]
pub struct Field {
    pub id: i32,
    pub name: String,
    pub required: bool,
    pub ty: IType,
}

#[derive(Clone, Debug)]
pub struct Schema {
    pub schema_id: i32,
    pub fields: Vec<Field>,
}

fn int(v: &Value, what: &str) -> Result<i64, String> {
    v.as_i64().ok_or_else(|| format!("{what} is not an integer"))
}

fn type_from_json(v: &Value) -> Result<IType, String> {
    if let Some(text) = v.as_str() {
        return Prim::parse(text).map(IType::Prim);
    }
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "struct" => {
            let fields = v.get("fields").and_then(Value::as_array).ok_or("struct without fields")?;
            Ok(IType::Struct(fields.iter().map(field_from_json).collect::<Result<_, _>>()?))
        }
        "list" => Ok(IType::List {
            element: Box::new(Field {
                id: int(&v["element-id"], "element-id")? as i32,
                name: "element".into(),
                required: v["element-required"].as_bool().unwrap_or(false),
                ty: type_from_json(&v["element"])?,
            }),
        }),
        "map" => Ok(IType::Map {
            key: Box::new(Field {
                id: int(&v["key-id"], "key-id")? as i32,
                name: "key".into(),
                required: true,
                ty: type_from_json(&v["key"])?,
            }),
            value: Box::new(Field {
                id: int(&v["value-id"], "value-id")? as i32,
                name: "value".into(),
                required: v["value-required"].as_bool().unwrap_or(false),
                ty: type_from_json(&v["value"])?,
            }),
        }),
        other => Err(unsupported(other)),
    }
}

fn field_from_json(v: &Value) -> Result<Field, String> {
    Ok(Field {
        id: int(&v["id"], "field id")? as i32,
        name: v["name"].as_str().ok_or("field without a name")?.to_string(),
        required: v["required"].as_bool().unwrap_or(false),
        ty: type_from_json(&v["type"])?,
    })
}

pub fn schema_from_json(v: &Value) -> Result<Schema, String> {
    let fields = v.get("fields").and_then(Value::as_array).ok_or("schema without fields")?;
    Ok(Schema {
        schema_id: v.get("schema-id").and_then(Value::as_i64).unwrap_or(0) as i32,
        fields: fields.iter().map(field_from_json).collect::<Result<_, _>>()?,
    })
}

#[derive(Clone, Debug, PartialEq)]
pub enum Transform {
    Identity,
    Bucket(u32),
    Truncate(u32),
    Year,
    Month,
    Day,
    Hour,
    Void,
}

#[derive(Clone, Debug)]
pub struct PartitionField {
    pub source_id: i32,
    pub transform: Transform,
}

pub fn spec_from_json(v: &Value) -> Result<Vec<PartitionField>, String> {
    let fields = v.get("fields").and_then(Value::as_array).ok_or("partition spec without fields")?;
    fields
        .iter()
        .map(|f| {
            let text = f["transform"].as_str().unwrap_or("");
            let transform = parse_transform(text)
                .ok_or_else(|| format!("the native engine does not support the partition transform {text}"))?;
            Ok(PartitionField { source_id: int(&f["source-id"], "source-id")? as i32, transform })
        })
        .collect()
}

fn parse_transform(text: &str) -> Option<Transform> {
    let param = |prefix: &str| -> Option<u32> {
        let n: u32 = text.strip_prefix(prefix)?.strip_suffix(']')?.parse().ok()?;
        (1..=0x7fff_ffff).contains(&n).then_some(n)
    };
    Some(match text {
        "identity" => Transform::Identity,
        "year" => Transform::Year,
        "month" => Transform::Month,
        "day" => Transform::Day,
        "hour" => Transform::Hour,
        "void" => Transform::Void,
        _ => {
            if let Some(n) = param("bucket[") {
                Transform::Bucket(n)
            } else {
                Transform::Truncate(param("truncate[")?)
            }
        }
    })
}

/// Whether the transform may be applied to a source type (the spec's source types, as transform.ts says).
pub fn can_transform(t: &Transform, p: &Prim) -> bool {
    use Prim::*;
    let timestamp = matches!(p, Timestamp | Timestamptz | TimestampNs | TimestamptzNs);
    match t {
        Transform::Identity | Transform::Void => true,
        Transform::Bucket(_) => !matches!(p, Boolean | Float | Double),
        Transform::Truncate(_) => matches!(p, Int | Long | Decimal { .. } | String | Binary),
        Transform::Year | Transform::Month | Transform::Day => timestamp || *p == Date,
        Transform::Hour => timestamp,
    }
}

/// The primitive field (outside lists and maps) with each id.
pub fn primitives_by_id(schema: &Schema) -> HashMap<i32, Prim> {
    fn visit(fields: &[Field], out: &mut HashMap<i32, Prim>) {
        for f in fields {
            match &f.ty {
                IType::Prim(p) => {
                    out.insert(f.id, p.clone());
                }
                IType::Struct(children) => visit(children, out),
                _ => {}
            }
        }
    }
    let mut out = HashMap::new();
    visit(&schema.fields, &mut out);
    out
}

pub const FIELD_ID_KEY: &str = "PARQUET:field_id";

pub fn arrow_field(f: &Field) -> ArrowField {
    ArrowField::new(&f.name, arrow_type(&f.ty), !f.required)
        .with_metadata(HashMap::from([(FIELD_ID_KEY.to_string(), f.id.to_string())]))
}

pub fn arrow_type(t: &IType) -> DataType {
    match t {
        IType::Prim(p) => match p {
            Prim::Boolean => DataType::Boolean,
            Prim::Int => DataType::Int32,
            Prim::Long => DataType::Int64,
            Prim::Float => DataType::Float32,
            Prim::Double => DataType::Float64,
            Prim::Decimal { precision, scale } => DataType::Decimal128(*precision, *scale as i8),
            Prim::Date => DataType::Date32,
            Prim::Time => DataType::Time64(TimeUnit::Microsecond),
            Prim::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
            Prim::Timestamptz => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            Prim::TimestampNs => DataType::Timestamp(TimeUnit::Nanosecond, None),
            Prim::TimestamptzNs => DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
            Prim::String => DataType::Utf8,
            Prim::Uuid => DataType::FixedSizeBinary(16),
            Prim::Fixed(n) => DataType::FixedSizeBinary(*n as i32),
            Prim::Binary => DataType::Binary,
        },
        IType::Struct(fields) => DataType::Struct(fields.iter().map(arrow_field).collect::<Fields>()),
        IType::List { element } => DataType::List(Arc::new(arrow_field(element))),
        IType::Map { key, value } => {
            let entries = DataType::Struct(Fields::from(vec![arrow_field(key), arrow_field(value)]));
            DataType::Map(Arc::new(ArrowField::new("key_value", entries, false)), false)
        }
    }
}

pub fn arrow_schema(schema: &Schema) -> Arc<ArrowSchema> {
    Arc::new(ArrowSchema::new(schema.fields.iter().map(arrow_field).collect::<Vec<_>>()))
}
