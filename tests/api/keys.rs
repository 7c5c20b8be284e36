//! Keys (docs/api.md, "Keys"): every principal holds named keys that it or the
//! operator makes, lists and revokes; a revoked key is refused from its next request
//! on every server sharing the database; rotation has no downtime; the operator's
//! environment token is reconciled at every start.

use crate::both;
use crate::helpers::{OPERATOR, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A route every valid key may call.
const OPEN: &str = "/v1/sorting-centers";

async fn status_of(app: &TestApp, token: &str) -> StatusCode {
    app.get(OPEN, token).await.0
}

fn secret(v: &Value) -> String {
    v["api_key"].as_str().expect("api_key").to_owned()
}

/// Makes a second key at `keys` as `as_token`; its id and secret.
async fn new_key(app: &TestApp, keys: &str, as_token: &str, name: &str) -> (String, String) {
    let (status, body) = app.post(keys, as_token, json!({"name": name})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["name"], name, "{body}");
    let key = secret(&body);
    assert!(key.starts_with("fm_live_") && key.len() == 48, "{key}");
    (body["id"].as_str().expect("id").to_owned(), key)
}

/// The ids of the live keys at `keys`; no listing shows a secret.
async fn key_ids(app: &TestApp, keys: &str, token: &str) -> Vec<String> {
    let (status, body) = app.get(keys, token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!body.to_string().contains("api_key"), "{body}");
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|k| k["id"].as_str().expect("id").to_owned())
        .collect()
}

/// The listing of the key `token` at `keys` (found by its prefix).
async fn listed(app: &TestApp, keys: &str, token: &str) -> Value {
    let (status, body) = app.get(keys, OPERATOR).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|k| k["prefix"] == token[..12])
        .cloned()
        .unwrap_or(Value::Null)
}

/// The principals of every role: (keys path, a key of it).
async fn principals(app: &TestApp) -> Vec<(String, String)> {
    let seller = app
        .seller_at("440000", "440300", crate::helpers::SHENZHEN, 0)
        .await;
    let (_, isv) = app
        .post("/v1/isvs", OPERATOR, json!({"name": "Desk"}))
        .await;
    let (_, courier) = app
        .post(
            "/v1/couriers",
            OPERATOR,
            json!({"name": "C", "cities": ["440300"]}),
        )
        .await;
    let center = app.sorting_center("YIW").await;
    let (_, operator) = new_key(app, "/v1/operator/keys", OPERATOR, "ops-laptop").await;
    vec![
        (format!("/v1/sellers/{}/keys", seller.id), seller.token),
        (
            format!("/v1/isvs/{}/keys", isv["id"].as_str().expect("id")),
            secret(&isv),
        ),
        (
            format!("/v1/couriers/{}/keys", courier["id"].as_str().expect("id")),
            secret(&courier),
        ),
        ("/v1/sorting-centers/YIW/keys".to_owned(), center),
        ("/v1/operator/keys".to_owned(), operator),
    ]
}

async fn a_revoked_key_of_each_role_is_refused_at_once_on_every_server(app: TestApp) {
    let other = app.another_server().await;
    for (keys, first) in principals(&app).await {
        // Both servers have accepted the key before it is revoked.
        assert_eq!(status_of(&app, &first).await, StatusCode::OK, "{keys}");
        assert_eq!(status_of(&other, &first).await, StatusCode::OK, "{keys}");
        let first_id = listed(&app, &keys, &first).await["id"]
            .as_str()
            .expect("listed")
            .to_owned();
        let (status, _) = app
            .delete(&format!("{keys}/{first_id}"), OPERATOR, None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{keys}");
        for server in [&app, &other] {
            let (status, body) = server.get(OPEN, &first).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{keys}: {body}");
            assert_eq!(body["code"], "unauthorized");
        }
        let (status, body) = other
            .delete(&format!("{keys}/{first_id}"), OPERATOR, None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(body["code"], "key_not_found");
    }
}

async fn rotation_has_no_downtime(app: TestApp) {
    let other = app.another_server().await;
    let seller = app.seller().await;
    let keys = format!("/v1/sellers/{}/keys", seller.id);
    let old_id = key_ids(&app, &keys, &seller.token).await.remove(0);
    let (new_id, new) = new_key(&app, &keys, &seller.token, "erp-2026-12").await;
    // Until the old key is revoked, both work on every server.
    for server in [&app, &other] {
        for token in [&seller.token, &new] {
            let (status, body) = server
                .get(&format!("/v1/sellers/{}", seller.id), token)
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    }
    let mut both = vec![old_id.clone(), new_id.clone()];
    both.sort();
    let mut listed = key_ids(&other, &keys, &new).await;
    listed.sort();
    assert_eq!(listed, both);
    let (status, _) = other.delete(&format!("{keys}/{old_id}"), &new, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        status_of(&app, &seller.token).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(status_of(&app, &new).await, StatusCode::OK);
    assert_eq!(key_ids(&app, &keys, &new).await, vec![new_id]);
}

async fn keys_are_scoped_to_their_owner_and_the_operator(app: TestApp) {
    let seller = app.seller().await;
    let other = app.seller().await;
    let (_, isv) = app
        .post("/v1/isvs", OPERATOR, json!({"name": "Desk"}))
        .await;
    let isv_key = secret(&isv);
    let mine = format!("/v1/sellers/{}/keys", seller.id);
    let (status, body) = app
        .get(&format!("/v1/sellers/{}/keys", other.id), &seller.token)
        .await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::NOT_FOUND, json!("seller_not_found"))
    );
    let (status, _) = app.get(&mine, &isv_key).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an ISV never manages a seller's keys"
    );
    let (status, body) = app.get("/v1/sellers/SL000000000000/keys", OPERATOR).await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::NOT_FOUND, json!("seller_not_found"))
    );
    let (status, _) = app.get("/v1/operator/keys", &seller.token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .delete(&format!("{mine}/AK000000000000"), &seller.token, None)
        .await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::NOT_FOUND, json!("key_not_found"))
    );
    let other_key = key_ids(&app, &format!("/v1/sellers/{}/keys", other.id), OPERATOR).await;
    let (status, _) = app
        .delete(&format!("{mine}/{}", other_key[0]), &seller.token, None)
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another seller's key is not found under mine"
    );
    assert_eq!(status_of(&app, &other.token).await, StatusCode::OK);
    let (status, body) = app
        .post(&mine, &seller.token, json!({"name": "x".repeat(101)}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "name");
    // A key made with no body at all is named `default`; the sorting center's answer
    // keeps its code.
    let resp = app
        .client
        .post(app.url("/v1/sorting-centers/SZX/keys"))
        .bearer_auth(OPERATOR)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(
        (body["name"].clone(), body["sorting_center"].clone()),
        (json!("default"), json!("SZX"))
    );
    // The operator's last live key cannot be revoked.
    let ops = key_ids(&app, "/v1/operator/keys", OPERATOR).await;
    assert_eq!(ops.len(), 1);
    let (status, body) = app
        .delete(&format!("/v1/operator/keys/{}", ops[0]), OPERATOR, None)
        .await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::CONFLICT, json!("last_key"))
    );
}

async fn last_use_is_recorded_to_the_minute(app: TestApp) {
    let seller = app.seller().await;
    let keys = format!("/v1/sellers/{}/keys", seller.id);
    let (_, key) = new_key(&app, &keys, OPERATOR, "probe").await;
    let k = listed(&app, &keys, &key).await;
    assert_eq!(k["last_used_at"], Value::Null, "{k}");
    assert_eq!(k["name"], "probe", "{k}");
    let first = app.now();
    assert_eq!(status_of(&app, &key).await, StatusCode::OK);
    assert_eq!(
        listed(&app, &keys, &key).await["last_used_at"],
        json!(first)
    );
    app.clock.set_ms(app.clock.now_ms() + 30_000);
    assert_eq!(status_of(&app, &key).await, StatusCode::OK);
    let k = listed(&app, &keys, &key).await;
    assert_eq!(
        k["last_used_at"],
        json!(first),
        "not written again within the minute"
    );
    app.clock.set_ms(app.clock.now_ms() + 31_000);
    assert_eq!(status_of(&app, &key).await, StatusCode::OK);
    assert_eq!(
        listed(&app, &keys, &key).await["last_used_at"],
        json!(app.now())
    );
}

async fn the_environment_operator_token_is_reconciled_at_start(app: TestApp) {
    let (_, api_key) = new_key(&app, "/v1/operator/keys", OPERATOR, "break-glass").await;
    // A new token replaces the environment's previous one, on every server.
    let second = app
        .another_server_with_operator_token(Some("rotated-operator-token"))
        .await;
    for server in [&app, &second] {
        assert_eq!(status_of(server, OPERATOR).await, StatusCode::UNAUTHORIZED);
        assert_eq!(
            status_of(server, "rotated-operator-token").await,
            StatusCode::OK
        );
    }
    // Removing the variable revokes it; keys made through the API stay.
    let third = app.another_server_with_operator_token(None).await;
    assert_eq!(
        status_of(&third, "rotated-operator-token").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(status_of(&app, &api_key).await, StatusCode::OK);
    // A revoked token set again stays revoked.
    let fourth = app.another_server_with_operator_token(Some(OPERATOR)).await;
    assert_eq!(status_of(&fourth, OPERATOR).await, StatusCode::UNAUTHORIZED);
    let names: Vec<Value> = {
        let (_, body) = app.get("/v1/operator/keys", &api_key).await;
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|k| k["name"].clone())
            .collect()
    };
    assert_eq!(names, vec![json!("break-glass")]);
}

both!(
    a_revoked_key_of_each_role_is_refused_at_once_on_every_server,
    rotation_has_no_downtime,
    keys_are_scoped_to_their_owner_and_the_operator,
    last_use_is_recorded_to_the_minute,
    the_environment_operator_token_is_reconciled_at_start,
);
