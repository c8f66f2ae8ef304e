//! The type of a schemaless JSON value by its form, as `decode/json-infer.ts` gives it: integer literals
//! are longs (decimal(38,0) beyond 64 bits), fractions doubles, objects structs, arrays lists of their
//! elements' common type. The same values are rejected, in the same order, with the same messages.

use crate::describe::{abbreviate, js_number, json_string};
use crate::json::{Doc, Node, Num};

/// A record value's type. Struct field names are name nodes of the record's document.
#[derive(Clone, Debug)]
pub enum RType {
    Bool,
    Long,
    Dec38,
    Double,
    Str,
    Struct(Vec<RField>),
    List(Box<RType>),
    /// A list's element type when no element gives one ([] and [null]).
    Untyped,
}

#[derive(Clone, Debug)]
pub struct RField {
    pub name: u32,
    pub ty: RType,
}

impl RType {
    pub fn label(&self) -> &'static str {
        match self {
            RType::Bool => "boolean",
            RType::Long => "long",
            RType::Dec38 => "decimal(38,0)",
            RType::Double => "double",
            RType::Str => "string",
            RType::Struct(_) => "struct",
            RType::List(_) => "list",
            RType::Untyped => "untyped",
        }
    }

    fn is_number(&self) -> bool {
        matches!(self, RType::Long | RType::Double | RType::Dec38)
    }

    pub fn field(&self, doc: &Doc, src: &[u8], name: &[u8]) -> Option<&RField> {
        match self {
            RType::Struct(fields) => fields.iter().find(|f| doc.str_bytes(src, f.name) == name),
            _ => None,
        }
    }
}

/// A rejected record: the stable reason code and the message naming field, value and type.
#[derive(Debug, Clone)]
pub struct Reject {
    pub reason: &'static str,
    pub message: String,
}

impl Reject {
    pub fn new(reason: &'static str, message: String) -> Reject {
        Reject { reason, message }
    }
}

/// Where a value is, for messages: "order.lines[2].sku", "tags[]".
#[derive(Clone, Copy)]
pub enum Seg {
    Member(u32),
    Index(u32),
    Unify,
}

pub struct Ctx<'a> {
    pub doc: &'a Doc,
    pub src: &'a [u8],
    pub path: Vec<Seg>,
}

impl Ctx<'_> {
    pub fn path_text(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            match *seg {
                Seg::Member(n) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(&String::from_utf8_lossy(self.doc.str_bytes(self.src, n)));
                }
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
                Seg::Unify => out.push_str("[]"),
            }
        }
        if out.is_empty() {
            "the value".into()
        } else {
            out
        }
    }

    /// `rejectValue`: "path: value is not a valid type: why".
    fn reject(&self, shown: String, label: &str, why: &str) -> Reject {
        Reject::new("type-mismatch", format!("{}: {shown} is not a valid {label}: {why}", self.path_text()))
    }

    /// `show` of an inferred value (numbers as their JS value, strings quoted, containers named).
    pub fn show(&self, node: u32) -> String {
        match self.doc.nodes[node as usize] {
            Node::Null => "null".into(),
            Node::Bool(b) => b.to_string(),
            Node::Num { num, .. } => match num {
                Num::Int(v) => v.to_string(),
                Num::Big(v) => v.to_string(),
                Num::Double(v) => js_number(v),
                _ => self.num_text(node),
            },
            Node::Str { .. } => abbreviate(json_string(self.doc.str_bytes(self.src, node))),
            Node::Arr { .. } => "an array".into(),
            Node::Obj { .. } => "an object".into(),
        }
    }

    fn num_text(&self, node: u32) -> String {
        match self.doc.nodes[node as usize] {
            Node::Num { start, end, .. } => {
                let text = String::from_utf8_lossy(&self.src[start as usize..end as usize]).into_owned();
                if text.len() > 40 {
                    format!("{}...", &text[..37])
                } else {
                    text
                }
            }
            _ => String::new(),
        }
    }

    /// The type of a non-null value (None for null).
    pub fn infer(&mut self, node: u32) -> Result<Option<RType>, Reject> {
        Ok(Some(match self.doc.nodes[node as usize] {
            Node::Null => return Ok(None),
            Node::Bool(_) => RType::Bool,
            Node::Str { .. } => RType::Str,
            Node::Num { num, .. } => match num {
                Num::Int(_) => RType::Long,
                Num::Big(_) => RType::Dec38,
                Num::Double(_) => RType::Double,
                Num::TooManyDigits => {
                    return Err(self.reject(self.num_text(node), "decimal(38,0)", "it has more than 38 digits"))
                }
                Num::Infinite => return Err(self.reject(self.num_text(node), "double", "it is beyond its range")),
            },
            Node::Obj { len, .. } => {
                let doc = self.doc;
                let mut fields = Vec::with_capacity(len as usize);
                for (name, value) in doc.members(node) {
                    self.path.push(Seg::Member(name));
                    let t = self.infer(value)?;
                    self.path.pop();
                    if let Some(ty) = t {
                        fields.push(RField { name, ty });
                    }
                }
                RType::Struct(fields)
            }
            Node::Arr { len, .. } => {
                let doc = self.doc;
                let mut items = Vec::with_capacity(len as usize);
                for (i, &e) in doc.elements(node).iter().enumerate() {
                    self.path.push(Seg::Index(i as u32));
                    let t = self.infer(e)?;
                    self.path.pop();
                    if let Some(t) = t {
                        items.push((t, e));
                    }
                }
                self.path.push(Seg::Unify);
                let common = self.unify(&items)?;
                self.path.pop();
                RType::List(Box::new(common))
            }
        }))
    }

    /// The common type of values of one column (a list's elements), rejecting a mix that has none.
    fn unify(&mut self, items: &[(RType, u32)]) -> Result<RType, Reject> {
        let Some((first, _)) = items.first() else { return Ok(RType::Untyped) };
        if items.iter().all(|(t, _)| self.same(t, first)) {
            return Ok(first.clone());
        }
        if items.iter().all(|(t, _)| t.is_number()) {
            if !items.iter().any(|(t, _)| matches!(t, RType::Double)) {
                return Ok(RType::Dec38);
            }
            for &(ref t, node) in items {
                if matches!(t, RType::Double) {
                    continue;
                }
                let exact = match self.doc.nodes[node as usize] {
                    Node::Num { num: Num::Int(v), .. } => (v as f64) as i128 == v as i128 && v != i64::MAX,
                    Node::Num { num: Num::Big(v), .. } => (v as f64) as i128 == v,
                    _ => true,
                };
                if !exact {
                    return Err(self.reject(
                        self.show(node),
                        "double",
                        "it is among fractions, and a double does not hold it exactly",
                    ));
                }
            }
            return Ok(RType::Double);
        }
        let same_kind = |a: &RType, b: &RType| std::mem::discriminant(a) == std::mem::discriminant(b);
        if items.iter().all(|(t, _)| same_kind(t, first)) {
            if let RType::Struct(_) = first {
                return self.unify_structs(items);
            }
            if let RType::List(_) = first {
                return self.unify_lists(items);
            }
        }
        let mut kinds: Vec<&str> = Vec::new();
        for (t, _) in items {
            if !kinds.contains(&t.label()) {
                kinds.push(t.label());
            }
        }
        let (odd, node) = items.iter().find(|(t, _)| !self.same(t, first)).expect("a differing item");
        Err(self.reject(self.show(*node), odd.label(), &format!("the values here mix {}", kinds.join(" and "))))
    }

    fn unify_structs(&mut self, items: &[(RType, u32)]) -> Result<RType, Reject> {
        let doc = self.doc;
        let src = self.src;
        let mut names: Vec<u32> = Vec::new();
        for (t, _) in items {
            if let RType::Struct(fields) = t {
                for f in fields {
                    let bytes = doc.str_bytes(src, f.name);
                    if !names.iter().any(|&n| doc.str_bytes(src, n) == bytes) {
                        names.push(f.name);
                    }
                }
            }
        }
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let bytes = doc.str_bytes(src, name);
            let mut first_type: Option<&RType> = None;
            let mut valued: Vec<(RType, u32)> = Vec::new();
            for (t, node) in items {
                if let Some(f) = t.field(doc, src, bytes) {
                    first_type.get_or_insert(&f.ty);
                    if let Some(v) = doc.member(src, *node, bytes) {
                        if !doc.is_null(v) {
                            valued.push((f.ty.clone(), v));
                        }
                    }
                }
            }
            let ty = if valued.is_empty() {
                first_type.cloned().unwrap_or(RType::Untyped)
            } else {
                self.path.push(Seg::Member(name));
                let t = self.unify(&valued)?;
                self.path.pop();
                t
            };
            out.push(RField { name, ty });
        }
        Ok(RType::Struct(out))
    }

    fn unify_lists(&mut self, items: &[(RType, u32)]) -> Result<RType, Reject> {
        let mut flat = Vec::new();
        for (t, node) in items {
            let RType::List(element) = t else { continue };
            for &e in self.doc.elements(*node) {
                if !self.doc.is_null(e) {
                    flat.push(((**element).clone(), e));
                }
            }
        }
        self.path.push(Seg::Unify);
        let common = self.unify(&flat)?;
        self.path.pop();
        Ok(RType::List(Box::new(common)))
    }

    /// Structural equality of types (names compared by their text).
    fn same(&self, a: &RType, b: &RType) -> bool {
        match (a, b) {
            (RType::Struct(x), RType::Struct(y)) => {
                x.len() == y.len()
                    && x.iter().zip(y).all(|(f, g)| {
                        self.doc.str_bytes(self.src, f.name) == self.doc.str_bytes(self.src, g.name)
                            && self.same(&f.ty, &g.ty)
                    })
            }
            (RType::List(x), RType::List(y)) => self.same(x, y),
            _ => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }
}

/// The type without what has no Iceberg form: structs with no typed field are dropped (None). Lists
/// stay lists even when no element gives them a type, so that `[]` is an empty list, not a null.
pub fn strip(t: RType) -> Option<RType> {
    match t {
        RType::Untyped => None,
        RType::Struct(fields) => {
            let kept: Vec<RField> =
                fields.into_iter().filter_map(|f| strip(f.ty).map(|ty| RField { name: f.name, ty })).collect();
            (!kept.is_empty()).then_some(RType::Struct(kept))
        }
        RType::List(e) => Some(RType::List(Box::new(strip(*e).unwrap_or(RType::Untyped)))),
        other => Some(other),
    }
}

/// Whether a field the table lacks is one a schema change could add: it has a type all the way down
/// (a list no element types, `[]`, is no new column, as the TypeScript path has it).
pub fn addable(t: &RType) -> bool {
    match t {
        RType::Untyped => false,
        RType::Struct(fields) => fields.iter().any(|f| addable(&f.ty)),
        RType::List(e) => addable(e),
        _ => true,
    }
}
