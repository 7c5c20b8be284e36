//! The conventions of docs/api.md over HTTP: tokens and tenancy (401, 403, 404), the error
//! envelope for bad input (400, 413, 415, 422), health, and the OpenAPI document.

use crate::both;
use crate::helpers::{OPERATOR, TestApp, parcel};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// POSTs a raw body with a given content type.
async fn raw_post(
    app: &TestApp,
    path: &str,
    token: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("send")
}

fn assert_problem(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], expected.as_u16());
    assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string());
    assert!(
        body["request_id"].is_string(),
        "every problem carries the request id: {body}"
    );
}

async fn no_token_or_a_bad_one_is_401(app: TestApp) {
    let seller = app.seller().await;
    let path = format!("/v1/sellers/{}/handovers", seller.id);
    let (status, body) = app.send(reqwest::Method::GET, &path, None, None).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let (status, body) = app.get(&path, "fm_seller_not-a-real-token").await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
}

async fn another_sellers_handover_is_404(app: TestApp) {
    let a = app.seller().await;
    let b = app.seller().await;
    let parcels = app.register_many(&a, "TEN", 1, 500).await;
    let handover = app.book(&a, &parcels).await;
    let id = handover["id"].as_str().expect("id");
    let (status, body) = app
        .get(&format!("/v1/sellers/{}/handovers/{id}", a.id), &b.token)
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "seller_not_found");
    let (status, body) = app
        .get(&format!("/v1/sellers/{}/handovers/{id}", b.id), &b.token)
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "handover_not_found");
    let (status, _) = app
        .post(
            &format!("/v1/sellers/{}/handovers/{id}/cancel", a.id),
            &b.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn a_courier_creating_a_handover_is_403(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let (status, body) = app
        .post(
            &format!("/v1/sellers/{}/handovers", seller.id),
            &courier,
            json!({"sorting_center": "SZX", "pickup_date": app.today(), "bags": []}),
        )
        .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app.post("/v1/sellers", &seller.token, json!({})).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app
        .post("/v1/scans", &seller.token, json!({"events": []}))
        .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
}

async fn malformed_json_is_400_and_wrong_shapes_are_422(app: TestApp) {
    let seller = app.seller().await;
    let path = format!("/v1/sellers/{}/parcels", seller.id);
    let resp = raw_post(
        &app,
        &path,
        &seller.token,
        "application/json",
        "{\"parcels\": [",
    )
    .await;
    assert_eq!(
        resp.headers().get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/problem+json"[..])
    );
    let status = resp.status();
    let body: Value = resp.json().await.expect("json");
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "malformed_json");
    let (status, body) = app
        .post(
            &path,
            &seller.token,
            json!({"parcels": [{"tracking_number": "AB123456", "weight_g": "heavy"}]}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert_eq!(body["errors"][0]["field"], "parcels[0].weight_g", "{body}");
    let mut zero = parcel("ZERO0001", 0);
    zero["length_cm"] = json!(-1.0);
    let (status, body) = app
        .post(&path, &seller.token, json!({"parcels": [zero]}))
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"parcels[0].weight_g") && fields.contains(&"parcels[0].length_cm"),
        "{body}"
    );
    let (status, body) = app.post(&path, &seller.token, json!({})).await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert_eq!(body["errors"][0]["code"], "required");
}

async fn a_wrong_content_type_is_415_and_an_oversized_body_413(app: TestApp) {
    let seller = app.seller().await;
    let path = format!("/v1/sellers/{}/parcels", seller.id);
    let resp = raw_post(&app, &path, &seller.token, "text/plain", "{}").await;
    let status = resp.status();
    let body: Value = resp.json().await.expect("json");
    assert_problem(
        status,
        &body,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let big = format!("{{\"parcels\": [\"{}\"]}}", "x".repeat(3 * 1024 * 1024));
    let resp = raw_post(&app, &path, &seller.token, "application/json", big).await;
    let status = resp.status();
    let body: Value = resp.json().await.expect("json");
    assert_problem(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
}

async fn unknown_routes_and_methods_get_problems_too(app: TestApp) {
    let (status, body) = app.get("/v1/nothing-here", OPERATOR).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "route_not_found");
    let (status, body) = app.delete("/v1/sellers", OPERATOR, None).await;
    assert_problem(
        status,
        &body,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
}

async fn health_readiness_and_the_openapi_document(app: TestApp) {
    let (status, body) = app.send(reqwest::Method::GET, "/healthz", None, None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    let (status, body) = app.send(reqwest::Method::GET, "/readyz", None, None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ready"))
    );
    let (status, doc) = app
        .send(reqwest::Method::GET, "/openapi.json", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/v1/sellers",
        "/v1/sellers/{seller_id}/parcels",
        "/v1/sellers/{seller_id}/handovers",
        "/v1/sellers/{seller_id}/handovers/{handover_id}/cancel",
        "/v1/sellers/{seller_id}/plans",
        "/v1/scans",
        "/v1/tracking/{tracking_number}",
        "/v1/coverage/check",
        "/v1/courier/pickups",
    ] {
        assert!(doc["paths"][path].is_object(), "OpenAPI lacks {path}");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    let params = doc["paths"]["/v1/sellers/{seller_id}/handovers"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    for (name, place) in [
        ("seller_id", "path"),
        ("limit", "query"),
        ("cursor", "query"),
    ] {
        assert!(
            params.iter().any(|p| p["name"] == name && p["in"] == place),
            "{name} in {place}: {params:?}"
        );
    }
}

async fn order_volumes_come_from_the_operator_or_the_seller_itself(app: TestApp) {
    let a = app.seller().await;
    let b = app.seller().await;
    let day = json!({"days": [{"date": "2026-11-20", "orders": 70}]});
    let path = format!("/v1/sellers/{}/order-volumes", a.id);
    let (status, body) = app.put(&path, &a.token, day.clone()).await;
    assert_eq!(
        (status, body["days_saved"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{body}"
    );
    let (status, body) = app.put(&path, OPERATOR, day.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app.put(&path, &b.token, day.clone()).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "seller_not_found");
    let (_, isv) = app
        .post("/v1/isvs", OPERATOR, json!({"name": "Tool"}))
        .await;
    let isv_token = isv["api_key"].as_str().expect("isv key");
    let (status, body) = app.put(&path, isv_token, day).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let bad = json!({"days": [{"date": "2026-13-01", "orders": 1}, {"date": "2026-11-20", "orders": -1}]});
    let (status, body) = app.put(&path, &a.token, bad).await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (status, body) = app
        .get(&format!("/v1/sellers/{}/bags?status=lost", a.id), &a.token)
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert_eq!(body["errors"][0]["field"], "status");
}

async fn responses_carry_a_request_id(app: TestApp) {
    let resp = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("send");
    assert!(resp.headers().get("x-request-id").is_some());
}

both!(
    no_token_or_a_bad_one_is_401,
    another_sellers_handover_is_404,
    a_courier_creating_a_handover_is_403,
    malformed_json_is_400_and_wrong_shapes_are_422,
    a_wrong_content_type_is_415_and_an_oversized_body_413,
    unknown_routes_and_methods_get_problems_too,
    health_readiness_and_the_openapi_document,
    responses_carry_a_request_id,
    order_volumes_come_from_the_operator_or_the_seller_itself,
);
