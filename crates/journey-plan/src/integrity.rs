//! Plan integrity: the `plan_hash` of each journey, so that a plan edited after
//! `journey build` wrote it is refused on load.
//!
//! What is hashed (documented in `docs/runtime.md`, "Plan integrity", so that
//! another tool can recompute it): the JSON document
//!
//! ```text
//! {"contents": {NAME: CONTENT, ...}, "journey": JOURNEY, "profile": PROFILE,
//!  "segments": {NAME: SEGMENT, ...}, "triggers": {NAME: TRIGGER, ...}}
//! ```
//!
//! where `JOURNEY` is the journey object without its `plan_hash` field, `PROFILE`
//! the plan's `profile`, and the three maps hold the entries of the plan's
//! top-level maps named by the journey's own `contents`, `segments` and
//! `triggers` lists, written in the JSON Canonicalization Scheme (RFC 8785: keys
//! sorted by UTF-16 code units, no whitespace, numbers as ECMAScript writes them,
//! minimal string escapes), hashed with SHA-256 and written `sha256:` and 64
//! lowercase hex digits.

use std::collections::BTreeMap;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::{JourneyPlan, Plan};

/// The `plan_hash` of `journey` in `plan`: `sha256:` and the SHA-256 of the
/// canonical JSON of the journey (its `plan_hash` left out) with the profile
/// schema and the contents, segments and triggers it lists.
pub fn plan_hash(plan: &Plan, journey: &JourneyPlan) -> String {
    let mut journey_value = serde_json::to_value(journey).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut journey_value {
        fields.remove("plan_hash");
    }
    fn used<T: serde::Serialize>(names: &[String], map: &BTreeMap<String, T>) -> Value {
        let entries = names.iter().filter_map(|name| Some((name.clone(), serde_json::to_value(map.get(name)?).ok()?)));
        Value::Object(entries.collect())
    }
    let document = serde_json::json!({
        "contents": used(&journey.contents, &plan.contents),
        "journey": journey_value,
        "profile": serde_json::to_value(&plan.profile).unwrap_or(Value::Null),
        "segments": used(&journey.segments, &plan.segments),
        "triggers": used(&journey.triggers, &plan.triggers),
    });
    let mut canonical = String::new();
    write_canonical(&document, &mut canonical);
    let digest = Sha256::digest(canonical.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Writes `value` in the JSON Canonicalization Scheme (RFC 8785).
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&ecmascript_number(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(fields) => {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(&fields[key], out);
            }
            out.push('}');
        }
    }
}

/// A JSON string with RFC 8785's escapes: `"`, `\`, and the control characters
/// (`\b`, `\t`, `\n`, `\f`, `\r`, else `\u00xx` in lowercase hex); nothing else.
fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as ECMAScript's `Number.prototype.toString` writes it (RFC 8785 §3.2.2.3):
/// the shortest digits that read back to the same double, `50` rather than `50.0`,
/// an exponent only below 1e-6 or from 1e21.
fn ecmascript_number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".to_owned();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    // Rust's `{:e}` writes the shortest round-trip digits: `1.5e-7`, `5e1`.
    let scientific = format!("{:e}", x.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = digits.len() as i64;
    let n = exponent.parse::<i64>().unwrap_or(0) + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e = if e < 0 { format!("-{}", -e) } else { format!("+{e}") };
        if k == 1 { format!("{digits}e{e}") } else { format!("{}.{}e{e}", &digits[..1], &digits[1..]) }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_ecmascript_does() {
        // Expected values from RFC 8785 appendix B and ECMAScript's `String(x)`.
        let cases: [(f64, &str); 12] = [
            (50.0, "50"),
            (0.5, "0.5"),
            (-12.25, "-12.25"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
            (333333333.3333333, "333333333.3333333"),
            (5e-324, "5e-324"),
            (9007199254740992.0, "9007199254740992"),
            (295147905179352830000.0, "295147905179352830000"),
            (1.5e300, "1.5e+300"),
        ];
        for (x, expected) in cases {
            assert_eq!(ecmascript_number(x), expected, "{x}");
        }
    }

    #[test]
    fn objects_are_sorted_and_strings_minimally_escaped() {
        let value: Value =
            serde_json::json!({"b": [1, 2.5, true, null], "a": "é\"\\\n\u{1}/", "\u{ff21}": 1, "\u{1f600}": 2});
        let mut out = String::new();
        write_canonical(&value, &mut out);
        // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FF21 in
        // UTF-16 (though not in code points).
        assert_eq!(out, "{\"a\":\"é\\\"\\\\\\n\\u0001/\",\"b\":[1,2.5,true,null],\"\u{1f600}\":2,\"\u{ff21}\":1}");
    }
}
