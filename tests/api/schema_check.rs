//! A small JSON Schema (2020-12) checker for the keywords our OpenAPI document uses:
//! `$ref` into the components, `type` (one or several), `enum`, `properties`,
//! `required`, `items`, `oneOf` / `anyOf` / `allOf`, the length, item-count and range
//! keywords, `pattern`, and the formats `date` and `date-time`. Enough to tell whether
//! an example fits its schema; a keyword it does not know fails the check, so the
//! checker cannot pass an example by ignoring a rule.

use serde_json::Value;

/// The keywords that only describe and never constrain.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "example",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "discriminator",
    "propertyNames",
    "contentMediaType",
];

/// Every way `value` breaks `schema`, as `path: reason` lines (empty: it fits).
pub fn violations(doc: &Value, schema: &Value, value: &Value, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    check(doc, schema, value, path, &mut out);
    out
}

fn resolve<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference.trim_start_matches('#');
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("unresolved $ref {reference}"))
}

fn type_fits(name: &str, value: &Value) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        other => panic!("unknown type {other}"),
    }
}

fn format_fits(format: &str, s: &str) -> bool {
    match format {
        "date" => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        "date-time" => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        // Formats that only name a number's width or a reference's shape.
        _ => true,
    }
}

fn check(doc: &Value, schema: &Value, value: &Value, path: &str, out: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            out.push(format!("{path}: no value is allowed here"));
        }
        return;
    };
    for (keyword, rule) in schema {
        let fail = |out: &mut Vec<String>, why: String| out.push(format!("{path}: {why}"));
        match keyword.as_str() {
            "$ref" => check(
                doc,
                resolve(doc, rule.as_str().unwrap_or("")),
                value,
                path,
                out,
            ),
            "type" => {
                let names: Vec<&str> = match rule {
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    other => other.as_str().into_iter().collect(),
                };
                if !names.iter().any(|n| type_fits(n, value)) {
                    fail(out, format!("{value} is not {names:?}"));
                }
            }
            "enum" => {
                if !rule.as_array().is_some_and(|a| a.contains(value)) {
                    fail(out, format!("{value} is not one of {rule}"));
                }
            }
            "const" => {
                if rule != value {
                    fail(out, format!("{value} is not {rule}"));
                }
            }
            "additionalProperties" => {
                let (Some(obj), Some(props)) = (value.as_object(), schema.get("properties")) else {
                    continue;
                };
                for (name, v) in obj {
                    if props.get(name).is_none() {
                        check(doc, rule, v, &format!("{path}.{name}"), out);
                    }
                }
            }
            "properties" => {
                if let (Some(props), Some(obj)) = (rule.as_object(), value.as_object()) {
                    for (name, sub) in props {
                        if let Some(v) = obj.get(name) {
                            check(doc, sub, v, &format!("{path}.{name}"), out);
                        }
                    }
                }
            }
            "required" => {
                if let Some(obj) = value.as_object() {
                    for name in rule.as_array().into_iter().flatten() {
                        let name = name.as_str().unwrap_or("");
                        if !obj.contains_key(name) {
                            fail(out, format!("lacks the required {name}"));
                        }
                    }
                }
            }
            "items" => {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    check(doc, rule, item, &format!("{path}[{i}]"), out);
                }
            }
            "allOf" => {
                for sub in rule.as_array().into_iter().flatten() {
                    check(doc, sub, value, path, out);
                }
            }
            "oneOf" | "anyOf" => {
                let fits = rule
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|sub| violations(doc, sub, value, path).is_empty())
                    .count();
                let ok = if keyword == "oneOf" {
                    fits == 1
                } else {
                    fits >= 1
                };
                if !ok {
                    fail(out, format!("{value} fits {fits} of the {keyword} schemas"));
                }
            }
            "minLength" | "maxLength" => {
                if let (Some(s), Some(n)) = (value.as_str(), rule.as_u64()) {
                    let len = s.chars().count() as u64;
                    if (keyword == "minLength" && len < n) || (keyword == "maxLength" && len > n) {
                        fail(out, format!("length {len} breaks {keyword} {n}"));
                    }
                }
            }
            "minItems" | "maxItems" => {
                if let (Some(a), Some(n)) = (value.as_array(), rule.as_u64()) {
                    let len = a.len() as u64;
                    if (keyword == "minItems" && len < n) || (keyword == "maxItems" && len > n) {
                        fail(out, format!("{len} items break {keyword} {n}"));
                    }
                }
            }
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                if let (Some(x), Some(n)) = (value.as_f64(), rule.as_f64()) {
                    let broken = match keyword.as_str() {
                        "minimum" => x < n,
                        "maximum" => x > n,
                        "exclusiveMinimum" => x <= n,
                        _ => x >= n,
                    };
                    if broken {
                        fail(out, format!("{x} breaks {keyword} {n}"));
                    }
                }
            }
            "pattern" => {
                if let Some(s) = value.as_str() {
                    let re = regex::Regex::new(rule.as_str().unwrap_or("")).expect("a pattern");
                    if !re.is_match(s) {
                        fail(out, format!("{s:?} does not match {rule}"));
                    }
                }
            }
            "format" => {
                let format = rule.as_str().unwrap_or("");
                if let Some(s) = value.as_str().filter(|s| !format_fits(format, s)) {
                    fail(out, format!("{s:?} is not a {format}"));
                }
            }
            k if ANNOTATIONS.contains(&k) => {}
            other => panic!("the checker does not know the keyword {other} (at {path})"),
        }
    }
}
