//! Query strings: decoding, the search patterns of API /1 (exact,
//! wildcards, negation; case-insensitive), and re-encoding for links.

use std::collections::HashSet;

use axum::extract::Query;
use axum::http::Uri;
use serde_json::{Map, Value};

/// The decoded `key=value` pairs of a URI, in order.
pub(crate) fn pairs(uri: &Uri) -> Option<Vec<(String, String)>> {
    if uri.query().is_none() {
        return Some(Vec::new());
    }
    Query::<Vec<(String, String)>>::try_from_uri(uri)
        .ok()
        .map(|Query(v)| v)
}

/// The value of `key` (the last one, when a client repeats a key).
pub(crate) fn value_of<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The keys `fields=a,b` asks a list to keep (`None`: all of them).
pub(crate) fn fields(pairs: &[(String, String)]) -> Option<HashSet<String>> {
    value_of(pairs, "fields")
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect::<HashSet<String>>()
        })
        .filter(|s| !s.is_empty())
}

/// Keeps `id` and the keys of `fields` of a rendered item.
pub(crate) fn project(item: Value, fields: &Option<HashSet<String>>) -> Value {
    let (Some(keep), Value::Object(map)) = (fields, &item) else {
        return item;
    };
    let out: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| *k == "id" || keep.contains(k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(out)
}

/// A string search: `kat*`, `*@example.com`, `*mid*`, `!x`, or exact.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    negate: bool,
    /// Lowercased pieces between the `*`s.
    parts: Vec<String>,
    wildcard: bool,
}

impl Pattern {
    pub(crate) fn parse(raw: &str) -> Pattern {
        let (negate, body) = match raw.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let lower = body.to_lowercase();
        Pattern {
            negate,
            wildcard: lower.contains('*'),
            parts: lower.split('*').map(str::to_string).collect(),
        }
    }

    /// Whether a (possibly null) field value satisfies the pattern.
    pub(crate) fn matches(&self, value: Option<&str>) -> bool {
        let hit = match value {
            None => false,
            Some(v) => {
                let v = v.to_lowercase();
                if self.wildcard {
                    glob(&self.parts, &v)
                } else {
                    self.parts.first().is_some_and(|p| *p == v)
                }
            }
        };
        hit != self.negate
    }
}

/// `parts` are the pieces of a pattern split on `*` (at least two).
fn glob(parts: &[String], value: &str) -> bool {
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    if parts.len() < 2 {
        return value == first;
    }
    if !value.starts_with(first.as_str()) {
        return false;
    }
    let mut rest = &value[first.len()..];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid.as_str()) {
            Some(at) => rest = &rest[at + mid.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last.as_str())
}

/// An integer search: `5`, `5,6,7`, `!5`.
#[derive(Debug, Clone)]
pub(crate) struct IntSet {
    negate: bool,
    values: Vec<i64>,
}

impl IntSet {
    pub(crate) fn parse(raw: &str) -> Option<IntSet> {
        let (negate, body) = match raw.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let values = body
            .split(',')
            .map(|s| s.trim().parse::<i64>().ok())
            .collect::<Option<Vec<i64>>>()?;
        Some(IntSet { negate, values })
    }

    /// Whether any of `have` is in the set (or, negated, none is).
    pub(crate) fn matches_any(&self, have: &[i64]) -> bool {
        let hit = have.iter().any(|h| self.values.contains(h));
        hit != self.negate
    }
}

/// Percent-encodes a query component (everything but RFC 3986 unreserved).
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// FNV-1a, 64 bit: a stable fingerprint of a query.
pub(crate) fn fingerprint(items: &[(String, String)]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in items {
        for b in k.bytes().chain([0u8]).chain(v.bytes()).chain([1u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let m = |p: &str, v: &str| Pattern::parse(p).matches(Some(v));
        assert!(m("kat*", "Katherine@x"));
        assert!(!m("kat*", "akat"));
        assert!(m("*@example.com", "a@EXAMPLE.com"));
        assert!(m("*mid*", "amidb"));
        assert!(m("*mid*", "mid"));
        assert!(!m("*mid*", "mi"));
        assert!(m("a*b*c", "abc"));
        assert!(!m("a*bc*c", "abc"));
        assert!(m("Bob", "bob"));
        assert!(!m("Bob", "bobby"));
        assert!(m("!bob", "alice"));
        assert!(!m("!bob", "BOB"));
        assert!(Pattern::parse("!x").matches(None));
        assert!(!Pattern::parse("x").matches(None));
        assert!(m("*", "anything"));
    }

    #[test]
    fn int_sets() {
        let s = IntSet::parse("1, 2,3").unwrap();
        assert!(s.matches_any(&[3]));
        assert!(!s.matches_any(&[4]));
        assert!(IntSet::parse("!4").unwrap().matches_any(&[3]));
        assert!(IntSet::parse("x").is_none());
    }

    #[test]
    fn encoding() {
        assert_eq!(encode("a b+c/é"), "a%20b%2Bc%2F%C3%A9");
    }
}
