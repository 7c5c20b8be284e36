//! The OpenAPI document says what the server does (docs/api.md, "Vocabularies"): its
//! enums are the domain's vocabularies, every example fits its own schema, path
//! parameters are in their templates, health routes are public, and a query parameter
//! an operation does not declare is refused. Its limits: `contract_limits`.

use crate::both;
use crate::helpers::{OPERATOR, TestApp};
use crate::schema_check::violations;
use firstmile::domain::{
    BagSelector, BagStatus, CancelReason, ClaimStatus, EventType, HandoverStatus, OrderStatus,
    ParcelStatus, PickupFailureReason, ScanType,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub(crate) async fn document(app: &TestApp) -> Value {
    let (status, doc) = app.send(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    doc
}

fn names<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<Value> {
    all.iter().map(|v| json!(as_str(*v))).collect()
}

/// The `field` of each entry of a problem's `errors`.
pub(crate) fn error_fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str())
        .collect()
}

/// The schema a `$ref` (or the schema itself) stands for.
pub(crate) fn deref<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
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

pub(crate) fn query_parameter<'a>(doc: &'a Value, path: &str, name: &str) -> &'a Value {
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
    health_routes_answer_without_a_token_and_are_public_in_the_document,
    routes_without_query_parameters_refuse_unknown_ones,
);
