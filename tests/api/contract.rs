//! The OpenAPI document says what the server does (docs/api.md, "Vocabularies" and
//! "Limits of values"): its enums are the domain's vocabularies, every limit it
//! documents is enforced (a value one past it is 422 on that field), every example
//! fits its own schema, health routes are public, and a query parameter an operation
//! does not declare is refused.

use crate::both;
use crate::helpers::{OPERATOR, TestApp};
use crate::schema_check::violations;
use firstmile::domain::{
    BagSelector, BagStatus, CancelReason, ClaimStatus, EventType, HandoverStatus, OrderStatus,
    ParcelStatus, PickupFailureReason, ScanType,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn document(app: &TestApp) -> Value {
    let (status, doc) = app.send(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    doc
}

fn names<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<Value> {
    all.iter().map(|v| json!(as_str(*v))).collect()
}

/// The `field` of each entry of a problem's `errors`.
fn error_fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str())
        .collect()
}

/// The schema a `$ref` (or the schema itself) stands for.
fn deref<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => doc.pointer(r.trim_start_matches('#')).expect("a $ref"),
        None => schema,
    }
}

/// The enum values a property or parameter schema allows, through `$ref` and the
/// `oneOf [null, ...]` of an optional value.
fn enum_of(doc: &Value, schema: &Value) -> Vec<Value> {
    let schema = deref(doc, schema);
    if let Some(values) = schema["enum"].as_array() {
        return values.clone();
    }
    for key in ["oneOf", "anyOf"] {
        for sub in schema[key].as_array().into_iter().flatten() {
            let found = enum_of(doc, sub);
            if !found.is_empty() {
                return found;
            }
        }
    }
    if schema["items"].is_object() {
        return enum_of(doc, &schema["items"]);
    }
    Vec::new()
}

fn query_parameter<'a>(doc: &'a Value, path: &str, name: &str) -> &'a Value {
    doc["paths"][path]["get"]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name && p["in"] == "query"))
        .unwrap_or_else(|| panic!("{path} has no query parameter {name}"))
}

async fn the_documents_enums_are_the_domains_vocabularies(app: TestApp) {
    let doc = document(&app).await;
    let schemas = &doc["components"]["schemas"];
    let property = |schema: &str, name: &str| schemas[schema]["properties"][name].clone();
    let handover = names(HandoverStatus::ALL, HandoverStatus::as_str);
    let bag = names(BagStatus::ALL, BagStatus::as_str);
    let parcel = names(ParcelStatus::ALL, ParcelStatus::as_str);
    let claim = names(ClaimStatus::ALL, ClaimStatus::as_str);
    let order = names(OrderStatus::ALL, OrderStatus::as_str);
    let scan = names(ScanType::ALL, ScanType::as_str);
    let reason = names(PickupFailureReason::ALL, PickupFailureReason::as_str);
    let cancel = names(CancelReason::ALL, CancelReason::as_str);
    let event = names(EventType::ALL, EventType::as_str);
    let bag_filter: Vec<Value> = BagSelector::names().into_iter().map(|n| json!(n)).collect();
    let cases = [
        (
            "HandoverResponse.status",
            property("HandoverResponse", "status"),
            &handover,
        ),
        (
            "PickupStop.status",
            property("PickupStop", "status"),
            &handover,
        ),
        (
            "HandoverResponse.failure_reason",
            property("HandoverResponse", "failure_reason"),
            &reason,
        ),
        (
            "BagResponse.status",
            property("BagResponse", "status"),
            &bag,
        ),
        (
            "ParcelResponse.status",
            property("ParcelResponse", "status"),
            &parcel,
        ),
        (
            "ClaimResponse.status",
            property("ClaimResponse", "status"),
            &claim,
        ),
        (
            "OrderUpdateItem.status",
            property("OrderUpdateItem", "status"),
            &order,
        ),
        (
            "OrderUpdateItem.cancel_reason",
            property("OrderUpdateItem", "cancel_reason"),
            &cancel,
        ),
        (
            "ScanEventInput.type",
            property("ScanEventInput", "type"),
            &scan,
        ),
        (
            "ScanEventInput.reason",
            property("ScanEventInput", "reason"),
            &reason,
        ),
        (
            "CreateWebhookRequest.event_types",
            property("CreateWebhookRequest", "event_types"),
            &event,
        ),
        (
            "handovers?status",
            query_parameter(&doc, "/v1/sellers/{seller_id}/handovers", "status")["schema"].clone(),
            &handover,
        ),
        (
            "parcels?status",
            query_parameter(&doc, "/v1/sellers/{seller_id}/parcels", "status")["schema"].clone(),
            &parcel,
        ),
        (
            "bags?status",
            query_parameter(&doc, "/v1/sellers/{seller_id}/bags", "status")["schema"].clone(),
            &bag_filter,
        ),
    ];
    for (what, schema, expected) in cases {
        assert_eq!(&enum_of(&doc, &schema), expected, "{what}: {schema}");
    }
    // The filter vocabulary is the one the server answers with.
    let seller = app.seller().await;
    let (status, body) = app
        .get(
            &format!("/v1/sellers/{}/bags?status=lost", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    for name in &bag_filter {
        let name = name.as_str().unwrap_or_default();
        assert!(
            body["detail"].as_str().unwrap_or_default().contains(name),
            "{name}: {body}"
        );
    }
}

/// Every example the document holds, with the schema it illustrates.
fn examples(doc: &Value) -> Vec<(String, Value, Value)> {
    let mut out = Vec::new();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for (name, schema) in schemas {
        for (i, example) in schema["examples"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            out.push((
                format!("{name}.examples[{i}]"),
                schema.clone(),
                example.clone(),
            ));
        }
        for (prop, sub) in schema["properties"].as_object().into_iter().flatten() {
            if let Some(example) = sub.get("example") {
                out.push((
                    format!("{name}.{prop}.example"),
                    sub.clone(),
                    example.clone(),
                ));
            }
        }
    }
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().into_iter().flatten() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                if let Some(example) = p.get("example") {
                    let what = format!("{method} {path} {}", p["name"]);
                    out.push((what, p["schema"].clone(), example.clone()));
                }
            }
        }
    }
    out
}

async fn every_example_in_the_document_fits_its_own_schema(app: TestApp) {
    let doc = document(&app).await;
    let all = examples(&doc);
    for (what, schema, example) in &all {
        let broken = violations(&doc, schema, example, "$");
        assert!(broken.is_empty(), "{what}: {broken:#?}\n{example}");
    }
    // The main request and response bodies carry one.
    for name in [
        "CreateSellerRequest",
        "SellerResponse",
        "RegisterParcelsRequest",
        "RegisterParcelsResponse",
        "CreateHandoverRequest",
        "HandoverResponse",
        "BagResponse",
        "ScansRequest",
        "ScansResponse",
        "CreateCourierRequest",
        "AccountResponse",
        "PutOrdersRequest",
        "OrderVolumesRequest",
        "CreateClaimRequest",
        "CreateWebhookRequest",
        "CreateKeyRequest",
        "CreatedKey",
        "KeyList",
        "Problem",
    ] {
        assert!(
            all.iter()
                .any(|(what, _, _)| what.starts_with(&format!("{name}.examples"))),
            "{name} has no example"
        );
    }
    // The checker refuses what breaks a rule: a wrong example is caught.
    let schemas = &doc["components"]["schemas"];
    let mut wrong = schemas["ScansRequest"]["examples"][0].clone();
    wrong["events"][0]["type"] = json!("teleported");
    assert!(!violations(&doc, &schemas["ScansRequest"], &wrong, "$").is_empty());
}

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

async fn health_routes_answer_without_a_token_and_are_public_in_the_document(app: TestApp) {
    let doc = document(&app).await;
    for path in ["/healthz", "/readyz"] {
        let (status, body) = app.send(Method::GET, path, None, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        let (status, _) = app.send(Method::GET, path, Some("not-a-key"), None).await;
        assert_eq!(status, StatusCode::OK, "{path} with a bad token");
        assert_eq!(doc["paths"][path]["get"]["security"], json!([]), "{path}");
        assert!(
            doc["paths"][path]["get"]["responses"]["401"].is_null(),
            "{path}"
        );
    }
    // Everything else asks for the bearer token.
    assert_eq!(doc["security"], json!([{"bearer": []}]));
    let (status, _) = app
        .send(Method::GET, "/v1/sorting-centers", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn routes_without_query_parameters_refuse_unknown_ones(app: TestApp) {
    let doc = document(&app).await;
    let seller = app.seller().await;
    let path = format!("/v1/sellers/{}", seller.id);
    let declared = doc["paths"]["/v1/sellers/{seller_id}"]["get"]["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query")
        .count();
    assert_eq!(
        declared, 0,
        "GET /v1/sellers/{{seller_id}} takes no query parameter"
    );
    let (status, body) = app.get(&path, &seller.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for (query, unknown) in [
        ("?verbose=1", vec!["verbose"]),
        (
            "?verbose=1&expand=bags&verbose=2",
            vec!["verbose", "expand"],
        ),
        ("?limit=5", vec!["limit"]),
    ] {
        let (status, body) = app.get(&format!("{path}{query}"), &seller.token).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["code"], "unknown_query_parameter", "{body}");
        let fields = error_fields(&body);
        assert_eq!(fields, unknown, "{query}: {body}");
    }
    // A body route and a public one, too; a declared parameter still passes.
    let (status, body) = app.post("/v1/sellers?dry_run=1", OPERATOR, json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unknown_query_parameter")),
        "{body}"
    );
    let (status, body) = app.send(Method::GET, "/healthz?probe=1", None, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unknown_query_parameter")),
        "{body}"
    );
    let (status, body) = app
        .get(&format!("{path}/handovers?limit=5"), &seller.token)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn every_path_parameter_is_in_its_route_template(app: TestApp) {
    let doc = document(&app).await;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().into_iter().flatten() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path" {
                    let name = p["name"].as_str().unwrap_or_default();
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path}: path parameter {name}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 50, "{checked}");
}

both!(
    every_path_parameter_is_in_its_route_template,
    the_documents_enums_are_the_domains_vocabularies,
    every_example_in_the_document_fits_its_own_schema,
    a_value_one_past_each_documented_limit_is_refused_on_its_field,
    health_routes_answer_without_a_token_and_are_public_in_the_document,
    routes_without_query_parameters_refuse_unknown_ones,
);
