//! The fast path: a topic's records mostly repeat the same member names in the same order, down into
//! their nested objects. For such a record everything the full path works out from names alone — which
//! member feeds which column after select and rename (and which member of a nested object feeds which
//! field of a struct column), which members are declared timestamps, that no member is new to the table
//! — is worked out once per shape of names and kept as a plan; each record is then fitted column by
//! column with the same fitting code, without a type tree, a mapped record or name lookups (list
//! elements aside: their members are found by name). The plan only accelerates: a record it cannot take
//! whole (an unusual number, a list of mixed kinds, a value that does not fit, a schema change) goes the
//! full path from the start, which gives the one outcome and message there is.

use crate::fit::KAFKA_FIELDS;
use crate::json::{Doc, Node, Num};
use crate::mapping::{renamed, KeyFormat, Mapping, TsFormat, KAFKA_COLUMN};
use crate::schema::{Field, IType};

/// Where a column's value comes from in a record of the plan's shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// The member at this position among the object's members, declared a timestamp or not (only
    /// top-level members are). `fields`: when the member was an object, where each field of its struct
    /// column comes from within it.
    Member { index: usize, timestamp: Option<(TsFormat, String)>, fields: Option<Vec<Source>> },
    Kafka,
    Absent,
}

/// The member names of an object, in order, with the shape of each member that was an object.
struct Shape {
    names: Vec<u8>,
    ends: Vec<usize>,
    objects: Vec<Option<Shape>>,
}

impl Shape {
    fn of(doc: &Doc, src: &[u8], node: u32) -> Shape {
        let mut shape = Shape { names: Vec::new(), ends: Vec::new(), objects: Vec::new() };
        for (name, value) in doc.members(node) {
            shape.names.extend_from_slice(doc.str_bytes(src, name));
            shape.ends.push(shape.names.len());
            let object = matches!(doc.nodes[value as usize], Node::Obj { .. });
            shape.objects.push(object.then(|| Shape::of(doc, src, value)));
        }
        shape
    }

    fn name(&self, index: usize) -> &[u8] {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        &self.names[start..self.ends[index]]
    }

    fn position(&self, name: &[u8]) -> Option<usize> {
        (0..self.ends.len()).find(|&i| self.name(i) == name)
    }

    /// Whether the object's members have exactly these names, in order, and each member that is an
    /// object has its shape here (a member that was an object may now be anything else).
    fn fits(&self, doc: &Doc, src: &[u8], node: u32) -> bool {
        let mut start = 0;
        let mut count = 0;
        for (name, value) in doc.members(node) {
            let Some(&end) = self.ends.get(count) else { return false };
            if doc.str_bytes(src, name) != &self.names[start..end] {
                return false;
            }
            if matches!(doc.nodes[value as usize], Node::Obj { .. })
                && !self.objects[count].as_ref().is_some_and(|s| s.fits(doc, src, value))
            {
                return false;
            }
            start = end;
            count += 1;
        }
        count == self.ends.len()
    }
}

/// The plan for one shape of names.
pub struct Plan {
    shape: Shape,
    /// Per column of the schema; None when records of this shape need the full path.
    pub sources: Option<Vec<Source>>,
    /// Records held by this plan (the tests check that records do go by plan).
    pub held: usize,
}

/// A value's kind as type inference tells kinds apart (None for null).
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Bool,
    Long,
    Decimal,
    Double,
    Str,
    Object,
    List,
}

fn kind(doc: &Doc, node: u32) -> Option<Kind> {
    Some(match doc.nodes[node as usize] {
        Node::Null => return None,
        Node::Bool(_) => Kind::Bool,
        Node::Str { .. } => Kind::Str,
        Node::Num { num: Num::Int(_), .. } => Kind::Long,
        Node::Num { num: Num::Big(_), .. } => Kind::Decimal,
        Node::Num { .. } => Kind::Double,
        Node::Obj { .. } => Kind::Object,
        Node::Arr { .. } => Kind::List,
    })
}

/// Whether the record is one the plan's fitting can take as the full path types it: every number an
/// ordinary one, and every list's elements of one kind — primitives, or objects whose members are
/// primitives of one kind per name across the elements. Then each value's own type is its type in the
/// full path (no list unifies mixed kinds), and type inference refuses nothing.
pub fn plannable(doc: &Doc, src: &[u8]) -> bool {
    doc.nodes.iter().all(|node| match *node {
        Node::Num { num, .. } => matches!(num, Num::Int(_) | Num::Big(_) | Num::Double(_)),
        Node::Arr { start, len } => one_kind(doc, src, &doc.kids[start as usize..(start + len) as usize]),
        _ => true,
    })
}

fn one_kind(doc: &Doc, src: &[u8], elements: &[u32]) -> bool {
    let mut kinds = elements.iter().filter_map(|&e| kind(doc, e));
    let Some(first) = kinds.next() else { return true };
    if first == Kind::List || !kinds.all(|k| k == first) {
        return false;
    }
    if first != Kind::Object {
        return true;
    }
    // Each member name's kind as first seen among the elements.
    let mut seen: Vec<(&[u8], Kind)> = Vec::new();
    for &e in elements {
        for (name, value) in doc.members(e) {
            let Some(k) = kind(doc, value) else { continue };
            if matches!(k, Kind::Object | Kind::List) {
                return false;
            }
            let name = doc.str_bytes(src, name);
            match seen.iter().find(|(n, _)| *n == name) {
                Some(&(_, first)) if first != k => return false,
                Some(_) => {}
                None => seen.push((name, k)),
            }
        }
    }
    true
}

impl Plan {
    /// Whether the record has the plan's shape of names.
    pub fn fits(&self, doc: &Doc, src: &[u8], root: u32) -> bool {
        self.shape.fits(doc, src, root)
    }

    /// The plan for records whose names are this one's, in this order, down into nested objects.
    pub fn new(m: &Mapping, columns: &[Field], doc: &Doc, src: &[u8], root: u32) -> Plan {
        let shape = Shape::of(doc, src, root);
        let sources = plan_sources(m, columns, &shape);
        Plan { shape, sources, held: 0 }
    }
}

/// Per column, the member that feeds it; None where the full path must decide: a member that is no
/// column (a new field), two members renamed to one name, a member named like the metadata column, a
/// metadata column the table lacks, or an object whose column is no struct or that has a member its
/// struct lacks.
fn plan_sources(m: &Mapping, columns: &[Field], shape: &Shape) -> Option<Vec<Source>> {
    let kafka = KAFKA_COLUMN.as_bytes();
    let mut targets: Vec<(usize, &[u8])> = Vec::with_capacity(shape.ends.len());
    for index in 0..shape.ends.len() {
        let name = shape.name(index);
        if m.select.as_ref().is_some_and(|select| !select.iter().any(|s| s.as_bytes() == name)) {
            continue;
        }
        let to = renamed(m, name);
        if (m.kafka_metadata && to == kafka) || targets.iter().any(|&(_, t)| t == to) {
            return None;
        }
        if !columns.iter().any(|c| c.name.as_bytes() == to) {
            return None;
        }
        targets.push((index, to));
    }
    // The metadata column must hold every metadata field (the key unless keys are not read), or each
    // record would bring a new one.
    let kafka_column = columns.iter().find(|c| c.name == KAFKA_COLUMN);
    if m.kafka_metadata {
        let IType::Struct(fields) = &kafka_column?.ty else { return None };
        let needed = KAFKA_FIELDS.iter().filter(|&&name| name != "key" || m.key_format != KeyFormat::None);
        if !needed.into_iter().all(|&name| fields.iter().any(|f| f.name == name)) {
            return None;
        }
    }
    columns
        .iter()
        .map(|c| {
            if m.kafka_metadata && c.name == KAFKA_COLUMN {
                return Some(Source::Kafka);
            }
            let Some(&(index, _)) = targets.iter().find(|&&(_, to)| to == c.name.as_bytes()) else {
                return Some(Source::Absent);
            };
            let original = shape.name(index);
            let timestamp = m
                .timestamps
                .iter()
                .find(|(field, _)| field.as_bytes() == original)
                .map(|(field, format)| (*format, field.clone()));
            let fields = object_sources(c, shape.objects[index].as_ref())?;
            Some(Source::Member { index, timestamp, fields })
        })
        .collect()
}

/// Where each field of struct column `c` comes from within an object of this shape (Some(None) when
/// the member was no object; None when the full path must decide).
fn object_sources(c: &Field, object: Option<&Shape>) -> Option<Option<Vec<Source>>> {
    let Some(shape) = object else { return Some(None) };
    let IType::Struct(fields) = &c.ty else { return None };
    if (0..shape.ends.len()).any(|i| !fields.iter().any(|f| f.name.as_bytes() == shape.name(i))) {
        return None;
    }
    let sources = fields
        .iter()
        .map(|f| match shape.position(f.name.as_bytes()) {
            Some(index) => {
                Some(Source::Member { index, timestamp: None, fields: object_sources(f, shape.objects[index].as_ref())? })
            }
            None => Some(Source::Absent),
        })
        .collect::<Option<Vec<Source>>>()?;
    Some(Some(sources))
}
