//! What every operation of the OpenAPI document says beyond its own annotation, made
//! once here so that no operation forgets it (docs/api.md): errors as
//! `application/problem+json` with the `code` enum of the registry ([`super::codes`]);
//! the statuses any route can answer (400, 401, 403, 404, 413, 415, 422, 429, 503,
//! 500); the headers (`X-Request-Id` on every response, `Idempotency-Key` on every
//! POST with `Idempotent-Replayed` on its replays, `Retry-After` on 429 and 503,
//! `WWW-Authenticate` on 401); public health routes; `servers`; the patterns of our
//! ids on path parameters.
//!
//! The finished document is also what the server holds requests to: a query
//! parameter an operation does not declare is refused ([`refuse_undeclared_query`]),
//! on routes with no query parameters at all as on those with some, so the document
//! and the server cannot disagree on which parameters exist.

use super::codes;
use super::extract::unknown_query_parameters;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Our ids (`domain::ids::new_id`): a two-letter prefix and 12 Crockford base32
/// characters. Path parameters of these names carry the pattern.
const ID_PARAMETERS: &[(&str, &str)] = &[
    ("seller_id", "SL"),
    ("handover_id", "HO"),
    ("bag_id", "MB"),
    ("claim_id", "CL"),
    ("courier_id", "CR"),
    ("isv_id", "IS"),
    ("key_id", "AK"),
    ("webhook_id", "WH"),
];

/// The pattern of an id with `prefix`.
pub fn id_pattern(prefix: &str) -> String {
    format!("^{prefix}[0-9A-HJKMNP-TV-Z]{{12}}$")
}

/// Routes that need no token.
const PUBLIC: &[&str] = &["/healthz", "/readyz"];

fn problem_content() -> Value {
    json!({"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}})
}

fn header(description: &str, schema: Value, required: bool) -> Value {
    json!({"description": description, "required": required, "schema": schema})
}

fn request_id() -> Value {
    header(
        "The request's id: the client's own `X-Request-Id`, or one the server made.",
        json!({"type": "string", "minLength": 1}),
        true,
    )
}

fn retry_after(required: bool) -> Value {
    header(
        "Seconds to wait before retrying.",
        json!({"type": "integer", "minimum": 1}),
        required,
    )
}

/// The generic statuses, with what they mean on any operation.
fn generic(status: &str) -> &'static str {
    match status {
        "400" => "Malformed JSON or query string (`malformed_json`, `invalid_query`)",
        "401" => "No valid bearer token (`unauthorized`)",
        "403" => "This token's role may not call this route (`forbidden`)",
        "404" => "Not found, or not this caller's (`*_not_found`, `route_not_found`)",
        "409" => "The current state forbids it, or the same Idempotency-Key is in flight",
        "413" => "The body is too large (`payload_too_large`)",
        "415" => "The body is not JSON (`unsupported_media_type`)",
        "422" => "A refused value or a broken rule (`validation_failed` and the rule's code)",
        "429" => "A rate limit is reached (`rate_limited`); see Retry-After",
        "500" => "A fault on our side (`internal_error`)",
        "503" => {
            "Busy, overloaded or too slow (`service_unavailable`, `overloaded`, `request_timeout`); see Retry-After"
        }
        _ => "Error",
    }
}

/// Path parameters named after one of our ids get its pattern.
fn finish_path_parameters(op: &mut Map<String, Value>) {
    let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    for param in params {
        if param["in"] != "path" {
            continue;
        }
        let name = param["name"].as_str().unwrap_or_default();
        let pattern = match ID_PARAMETERS.iter().find(|(n, _)| *n == name) {
            Some((_, prefix)) => id_pattern(prefix),
            // `domain::TrackingNumber`: 4 to 40 of `A-Z a-z 0-9 - _`.
            None if name == "tracking_number" => "^[A-Za-z0-9_-]{4,40}$".to_owned(),
            None => continue,
        };
        param["schema"] = json!({"type": "string", "pattern": pattern});
    }
}

fn finish_operation(path: &str, method: &str, op: &mut Map<String, Value>) {
    finish_path_parameters(op);
    let public = PUBLIC.contains(&path);
    if public {
        op.insert("security".into(), json!([]));
    }
    let has_body = op.contains_key("requestBody");
    let post = method == "post";
    if post {
        let params = op
            .entry("parameters")
            .or_insert_with(|| json!([]))
            .as_array_mut();
        if let Some(params) = params {
            params.push(json!({
                "name": "Idempotency-Key", "in": "header", "required": false,
                "description": "Makes the POST safe to retry: the first response is saved and replayed for the same request under this key (docs/api.md, \"Idempotency\").",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7E]+$"},
                "example": "booking-2026-11-26-1"
            }));
        }
    }
    let responses = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    let Some(responses) = responses else { return };
    let mut statuses = vec!["400", "404", "422", "429", "500", "503"];
    if !public {
        statuses.extend(["401", "403"]);
    }
    if post {
        statuses.push("409");
    }
    if has_body {
        statuses.extend(["413", "415"]);
    }
    for status in statuses {
        responses
            .entry(status)
            .or_insert_with(|| json!({"description": generic(status)}));
    }
    for (status, response) in responses.iter_mut() {
        let Some(response) = response.as_object_mut() else {
            continue;
        };
        let error = !status.starts_with('2') && !status.starts_with('3');
        if error {
            response.insert("content".into(), problem_content());
        }
        let headers = response
            .entry("headers")
            .or_insert_with(|| json!({}))
            .as_object_mut();
        let Some(headers) = headers else { continue };
        headers.insert("X-Request-Id".into(), request_id());
        match status.as_str() {
            "429" => {
                headers.insert("Retry-After".into(), retry_after(true));
            }
            "503" => {
                headers.insert("Retry-After".into(), retry_after(false));
            }
            "401" => {
                headers.insert(
                    "WWW-Authenticate".into(),
                    header("`Bearer`", json!({"type": "string"}), true),
                );
            }
            s if post && s.starts_with('2') => {
                headers.insert(
                    "Idempotent-Replayed".into(),
                    header(
                        "`true` when this response is the replay of an earlier one with the same Idempotency-Key.",
                        json!({"type": "string", "enum": ["true"]}),
                        false,
                    ),
                );
            }
            _ => {}
        }
    }
}

fn finish_problem(doc: &mut Value) {
    let Some(problem) = doc.pointer_mut("/components/schemas/Problem") else {
        return;
    };
    if let Some(code) = problem.pointer_mut("/properties/code") {
        code["enum"] = json!(codes::problem_codes());
    }
    if let Some(t) = problem.pointer_mut("/properties/type") {
        t["format"] = json!("uri-reference");
        t["description"] = json!("`/problems/{code}`: a page explaining the code.");
    }
    problem["examples"] = json!([{
        "type": "/problems/pickup_date_in_past", "title": "Pickup date in the past",
        "status": 422, "detail": "pickup date 2026-11-20 is before today (2026-11-26 in China)",
        "code": "pickup_date_in_past", "request_id": "RQ2F6KXQ7M4ZB3"
    }]);
}

/// Every time the API shows is RFC 3339 (`domain::time::format_ms`), and every
/// field holding one is named `*_at` (docs/api.md): those string properties get
/// `format: date-time`.
fn finish_times(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for schema in schemas.values_mut() {
        let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        for (name, prop) in props.iter_mut() {
            let string = prop["type"] == "string"
                || prop["type"]
                    .as_array()
                    .is_some_and(|t| t.contains(&json!("string")));
            if name.ends_with("_at") && string && prop.get("format").is_none() {
                prop["format"] = json!("date-time");
            }
        }
    }
}

/// Completes the generated document.
pub fn finish(doc: &mut Value) {
    doc["servers"] = json!([{"url": "/", "description": "This server"}]);
    finish_problem(doc);
    finish_times(doc);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if let Some(op) = op.as_object_mut() {
                finish_operation(path, method, op);
            }
        }
    }
}

/// The query parameters each operation of the document declares, by method and
/// route template.
#[derive(Debug, Default)]
pub struct DeclaredQueries(HashMap<(String, String), Vec<String>>);

impl DeclaredQueries {
    pub fn from_document(doc: &Value) -> Self {
        let mut declared = HashMap::new();
        let paths = doc.get("paths").and_then(Value::as_object);
        for (path, item) in paths.into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                let names = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str().map(str::to_owned))
                    .collect();
                declared.insert((method.to_uppercase(), path.clone()), names);
            }
        }
        Self(declared)
    }
}

/// Refuses a request whose query string names a parameter its operation does not
/// declare (400 `unknown_query_parameter`, docs/api.md). Requests to no documented
/// operation (a HEAD, say) pass untouched.
pub async fn refuse_undeclared_query(
    State(declared): State<Arc<DeclaredQueries>>,
    req: Request,
    next: Next,
) -> Response {
    if let (Some(query), Some(path)) = (req.uri().query(), req.extensions().get::<MatchedPath>()) {
        let key = (req.method().as_str().to_owned(), path.as_str().to_owned());
        if let Some(names) = declared.0.get(&key) {
            let mut unknown: Vec<String> = Vec::new();
            for (name, _) in form_urlencoded::parse(query.as_bytes()) {
                if !names.iter().any(|n| *n == name) && !unknown.iter().any(|u| *u == name) {
                    unknown.push(name.into_owned());
                }
            }
            if !unknown.is_empty() {
                return unknown_query_parameters(unknown).into_response();
            }
        }
    }
    next.run(req).await
}
