//! Every limit the OpenAPI document gives a request field is enforced (docs/api.md,
//! "Limits of values"): starting from each sample operation's own example body, a
//! value one past each limit (length, range, item count) is 422 on that field's path.

use crate::both;
use crate::contract::{deref, document, error_fields, query_parameter};
use crate::helpers::{OPERATOR, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A value one past `schema`'s limits, for each limit it has: (what, value).
fn past_limits(schema: &Value, example: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Some(n) = schema["maxLength"].as_u64() {
        out.push((format!("maxLength {n}"), json!("x".repeat(n as usize + 1))));
    }
    if let Some(n) = schema["minLength"].as_u64().filter(|n| *n > 0) {
        out.push((format!("minLength {n}"), json!("x".repeat(n as usize - 1))));
    }
    let integer = schema["type"] == "integer";
    let step = if integer { json!(1) } else { json!(0.5) };
    let shift = |n: f64, up: bool| {
        let d = step.as_f64().unwrap_or(1.0);
        let v = if up { n + d } else { n - d };
        if integer { json!(v as i64) } else { json!(v) }
    };
    if let Some(n) = schema["maximum"].as_f64() {
        out.push((format!("maximum {n}"), shift(n, true)));
    }
    if let Some(n) = schema["minimum"].as_f64() {
        out.push((format!("minimum {n}"), shift(n, false)));
    }
    if let Some(n) = schema["exclusiveMinimum"].as_f64() {
        out.push((format!("exclusiveMinimum {n}"), json!(n)));
    }
    // Item counts, where the request stays far below the body limit.
    let max_items = schema["maxItems"].as_u64().filter(|n| *n <= 1000);
    if let (Some(n), Some(first)) = (max_items, example.get(0)) {
        out.push((
            format!("maxItems {n}"),
            json!(vec![first.clone(); n as usize + 1]),
        ));
    }
    if schema["minItems"].as_u64().is_some_and(|n| n > 0) {
        out.push(("minItems".into(), json!([])));
    }
    out
}

/// Every field of `example` (walking into objects and first array items) with a
/// limit in `schema`: (field path as the server names it, the body with that one
/// value past its limit, what was broken).
fn mutations(doc: &Value, schema: &Value, example: &Value) -> Vec<(String, Value, String)> {
    let mut out = Vec::new();
    walk(doc, schema, example, "", &mut |path, sub, value| {
        for (what, past) in past_limits(sub, value) {
            let mut body = example.clone();
            *pointer_of(&mut body, path) = past;
            out.push((path.to_owned(), body, what));
        }
    });
    out
}

/// The value at a field path like `parcels[0].weight_g`.
fn pointer_of<'a>(body: &'a mut Value, path: &str) -> &'a mut Value {
    let mut at = body;
    for part in path.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((n, i)) => (n, i.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        at = &mut at[name];
        if let Some(i) = index {
            at = &mut at[i];
        }
    }
    at
}

fn walk(
    doc: &Value,
    schema: &Value,
    value: &Value,
    path: &str,
    f: &mut dyn FnMut(&str, &Value, &Value),
) {
    let schema = deref(doc, schema);
    for key in ["oneOf", "anyOf", "allOf"] {
        for sub in schema[key].as_array().into_iter().flatten() {
            if deref(doc, sub)["type"] != "null" {
                walk(doc, sub, value, path, f);
            }
        }
    }
    if !path.is_empty() {
        f(path, schema, value);
    }
    if let (Some(props), Some(obj)) = (schema["properties"].as_object(), value.as_object()) {
        for (name, sub) in props {
            if let Some(v) = obj.get(name) {
                let p = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                walk(doc, sub, v, &p, f);
            }
        }
    }
    if let (Some(items), Some(first)) = (schema.get("items"), value.get(0)) {
        walk(doc, items, first, &format!("{path}[0]"), f);
    }
}

fn request_schema<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    let schema =
        &doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {path} has no JSON body");
    deref(doc, schema)
}

async fn a_value_one_past_each_documented_limit_is_refused_on_its_field(app: TestApp) {
    let doc = document(&app).await;
    let seller = app.seller().await;
    let courier = app.courier().await;
    let sid = seller.id.as_str();
    let operations: [(&str, &str, &str); 11] = [
        ("post", "/v1/sellers", OPERATOR),
        ("post", "/v1/couriers", OPERATOR),
        ("post", "/v1/isvs", OPERATOR),
        ("post", "/v1/sellers/{seller_id}/parcels", &seller.token),
        ("post", "/v1/sellers/{seller_id}/handovers", &seller.token),
        (
            "put",
            "/v1/sellers/{seller_id}/order-volumes",
            &seller.token,
        ),
        ("put", "/v1/sellers/{seller_id}/orders", &seller.token),
        ("post", "/v1/sellers/{seller_id}/claims", &seller.token),
        ("post", "/v1/sellers/{seller_id}/webhooks", &seller.token),
        ("post", "/v1/sellers/{seller_id}/keys", &seller.token),
        ("post", "/v1/scans", &courier),
    ];
    let mut checked = 0;
    for (method, template, token) in operations {
        let schema = request_schema(&doc, template, method);
        let example = schema["examples"][0].clone();
        assert!(example.is_object(), "{method} {template}: no example");
        let path = template.replace("{seller_id}", sid);
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
        for (field, body, what) in mutations(&doc, schema, &example) {
            let (status, answer) = app
                .send(method.clone(), &path, Some(token), Some(body))
                .await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{method} {template} {field} past {what}: {answer}"
            );
            let fields = error_fields(&answer);
            assert!(
                fields.contains(&field.as_str()),
                "{method} {template} {field} past {what}: {answer}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} limits checked");
    // And a query parameter's range.
    let list = format!("/v1/sellers/{sid}/handovers");
    let limit = &query_parameter(&doc, "/v1/sellers/{seller_id}/handovers", "limit")["schema"];
    for past in [
        limit["minimum"].as_i64().expect("min") - 1,
        limit["maximum"].as_i64().expect("max") + 1,
    ] {
        let (status, body) = app
            .get(&format!("{list}?limit={past}"), &seller.token)
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit={past}: {body}"
        );
        assert_eq!(body["errors"][0]["field"], "limit", "{body}");
    }
}

both!(a_value_one_past_each_documented_limit_is_refused_on_its_field);
