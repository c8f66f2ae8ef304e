//! The fast path for flat records: a topic's records mostly repeat the same member names in the same
//! order, each a null, boolean, number or string. For such a record everything the full path works
//! out from names alone — which member feeds which column after select and rename, which members are
//! declared timestamps, that no member is new to the table — is worked out once per list of names and
//! kept as a plan; each record is then fitted column by column with the same fitting code, without a
//! type tree, a mapped record or name lookups. The plan only accelerates: a record it cannot take
//! whole (an unusual number, a value that does not fit, a schema change) goes the full path from the
//! start, which gives the one outcome and message there is.

use crate::json::{Doc, Node, Num};
use crate::mapping::{renamed, KeyFormat, Mapping, TsFormat, KAFKA_COLUMN};
use crate::fit::KAFKA_FIELDS;
use crate::schema::{Field, IType};

/// Where a column's value comes from in a record of the plan's shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// The member at this position among the record's members, declared a timestamp or not.
    Member { index: usize, timestamp: Option<(TsFormat, String)> },
    Kafka,
    Absent,
}

/// The plan for one list of member names.
pub struct Plan {
    names: Vec<u8>,
    ends: Vec<usize>,
    /// Per column of the schema; None when records of this shape need the full path.
    pub sources: Option<Vec<Source>>,
}

/// Whether every member of the object is a null, boolean, string or ordinary number: nothing the
/// full path would look into further or refuse by its form alone.
pub fn is_flat(doc: &Doc, root: u32) -> bool {
    doc.members(root).all(|(_, v)| match doc.nodes[v as usize] {
        Node::Null | Node::Bool(_) | Node::Str { .. } => true,
        Node::Num { num, .. } => matches!(num, Num::Int(_) | Num::Big(_) | Num::Double(_)),
        Node::Arr { .. } | Node::Obj { .. } => false,
    })
}

impl Plan {
    /// Whether the record's members have exactly the plan's names, in order.
    pub fn fits(&self, doc: &Doc, src: &[u8], root: u32) -> bool {
        let mut start = 0;
        let mut count = 0;
        for (name, _) in doc.members(root) {
            let Some(&end) = self.ends.get(count) else { return false };
            if doc.str_bytes(src, name) != &self.names[start..end] {
                return false;
            }
            start = end;
            count += 1;
        }
        count == self.ends.len()
    }

    /// The plan for records whose members are named as this one's, in this order.
    pub fn new(m: &Mapping, columns: &[Field], doc: &Doc, src: &[u8], root: u32) -> Plan {
        let mut names = Vec::new();
        let mut ends = Vec::new();
        for (name, _) in doc.members(root) {
            names.extend_from_slice(doc.str_bytes(src, name));
            ends.push(names.len());
        }
        let members: Vec<&[u8]> = doc.members(root).map(|(name, _)| doc.str_bytes(src, name)).collect();
        let sources = plan_sources(m, columns, &members);
        Plan { names, ends, sources }
    }
}

/// Per column, the member that feeds it; None where the full path must decide: a member that is no
/// column (a new field), two members renamed to one name, a member named like the metadata column, or
/// a metadata column the table lacks.
fn plan_sources(m: &Mapping, columns: &[Field], members: &[&[u8]]) -> Option<Vec<Source>> {
    let kafka = KAFKA_COLUMN.as_bytes();
    let mut targets: Vec<(usize, &[u8])> = Vec::with_capacity(members.len());
    for (index, &name) in members.iter().enumerate() {
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
    let sources = columns
        .iter()
        .map(|c| {
            if m.kafka_metadata && c.name == KAFKA_COLUMN {
                return Source::Kafka;
            }
            match targets.iter().find(|&&(_, to)| to == c.name.as_bytes()) {
                Some(&(index, _)) => {
                    let original = members[index];
                    let timestamp = m
                        .timestamps
                        .iter()
                        .find(|(field, _)| field.as_bytes() == original)
                        .map(|(field, format)| (*format, field.clone()));
                    Source::Member { index, timestamp }
                }
                None => Source::Absent,
            }
        })
        .collect();
    Some(sources)
}
