//! Bag labels and handover lists over HTTP: formats and media types, who may fetch
//! them (scoped like the handover), the refusal of a cancelled handover, documents
//! that follow bag edits before pickup, and the seller-center links.

use crate::both;
use crate::helpers::{OPERATOR, Seller, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A raw GET: status, content type and body bytes.
async fn fetch(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    accept: Option<&str>,
) -> (StatusCode, String, Vec<u8>) {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = resp.bytes().await.expect("body").to_vec();
    (status, content_type, body)
}

fn code(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body).map_or_else(
        |_| String::from_utf8_lossy(body).into_owned(),
        |v| v["code"].as_str().unwrap_or("").to_owned(),
    )
}

/// A seller with a booked handover of one bag of three 500 g parcels.
async fn booked(app: &TestApp) -> (Seller, String, String, Vec<String>) {
    let seller = app.seller().await;
    let parcels = app.register_many(&seller, "DOC", 3, 500).await;
    let handover = app.book(&seller, &parcels).await;
    let id = handover["id"].as_str().expect("id").to_owned();
    let bag = handover["bags"][0]["id"].as_str().expect("bag").to_owned();
    (seller, id, bag, parcels)
}

async fn labels_come_as_pdf_or_zpl_by_query_or_accept(app: TestApp) {
    let (seller, id, bag, _) = booked(&app).await;
    let base = format!("/v1/sellers/{}/handovers/{id}", seller.id);
    let token = Some(seller.token.as_str());

    let (status, media, body) = fetch(&app, &format!("{base}/labels"), token, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(media, "application/pdf");
    assert!(body.starts_with(b"%PDF-"));

    let (status, media, body) =
        fetch(&app, &format!("{base}/labels?format=zpl"), token, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(media, "application/zpl; charset=utf-8");
    let zpl = String::from_utf8(body).expect("utf-8");
    assert!(
        zpl.starts_with("^XA") && zpl.trim_end().ends_with("^XZ"),
        "{zpl}"
    );
    assert!(
        zpl.contains(&format!("^BCN,200,N,N,N^FH_^FD{bag}^FS")),
        "{zpl}"
    );
    assert!(zpl.contains("深圳分拨中心"));

    let (_, media, _) = fetch(
        &app,
        &format!("{base}/labels"),
        token,
        Some("application/zpl"),
    )
    .await;
    assert_eq!(media, "application/zpl; charset=utf-8");
    let (_, media, _) = fetch(
        &app,
        &format!("{base}/labels?format=pdf"),
        token,
        Some("application/zpl"),
    )
    .await;
    assert_eq!(media, "application/pdf");

    let (status, _, body) = fetch(&app, &format!("{base}/labels"), token, Some("image/png")).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_ACCEPTABLE, "not_acceptable".into())
    );
    let (status, _, body) = fetch(&app, &format!("{base}/labels?format=png"), token, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = serde_json::from_slice(&body).expect("problem");
    assert_eq!(
        problem["errors"][0]["code"], "unsupported_format",
        "{problem}"
    );

    let (status, media, body) = fetch(&app, &format!("{base}/bags/{bag}/label"), token, None).await;
    assert_eq!(
        (status, media.as_str()),
        (StatusCode::OK, "application/pdf")
    );
    assert!(body.starts_with(b"%PDF-"));
    let (status, _, body) =
        fetch(&app, &format!("{base}/bags/MBNOSUCHBAG/label"), token, None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "bag_not_found".into())
    );

    let (status, media, body) = fetch(&app, &format!("{base}/handover-list"), token, None).await;
    assert_eq!(
        (status, media.as_str()),
        (StatusCode::OK, "application/pdf")
    );
    assert!(body.starts_with(b"%PDF-"));
    let (status, _, _) = fetch(
        &app,
        &format!("{base}/handover-list?format=zpl"),
        token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn documents_are_scoped_like_the_handover(app: TestApp) {
    let (seller, id, bag, _) = booked(&app).await;
    let list = format!("/v1/sellers/{}/handovers/{id}/handover-list", seller.id);
    let label = format!("/v1/sellers/{}/handovers/{id}/bags/{bag}/label", seller.id);
    let other = app.seller().await;
    let (status, body) = app.post("/v1/isvs", OPERATOR, json!({"name": "ERP"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let isv = body["api_key"].as_str().expect("key").to_owned();
    let isv_id = body["id"].as_str().expect("id").to_owned();
    let courier = app.courier().await;
    let far_courier = app.courier_for(&["310100"]).await;
    let szx = app.sorting_center("SZX").await;
    let yiw = app.sorting_center("YIW").await;

    for (token, expected) in [
        (seller.token.as_str(), StatusCode::OK),
        (OPERATOR, StatusCode::OK),
        (courier.as_str(), StatusCode::OK),
        (szx.as_str(), StatusCode::OK),
        (other.token.as_str(), StatusCode::NOT_FOUND),
        (isv.as_str(), StatusCode::NOT_FOUND),
        (far_courier.as_str(), StatusCode::NOT_FOUND),
        (yiw.as_str(), StatusCode::NOT_FOUND),
    ] {
        for path in [&list, &label] {
            let (status, _, body) = fetch(&app, path, Some(token), None).await;
            assert_eq!(status, expected, "{path}: {}", code(&body));
        }
    }
    let (status, _, _) = fetch(&app, &list, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Once the seller grants the ISV, the ISV prints too.
    let (status, body) = app
        .post(
            &format!("/v1/sellers/{}/grants", seller.id),
            &seller.token,
            json!({"isv_id": isv_id}),
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (status, _, _) = fetch(&app, &list, Some(&isv), None).await;
    assert_eq!(status, StatusCode::OK);

    // The courier's route lists this pickup.
    let (_, route) = app.get("/v1/courier/pickups", &courier).await;
    assert_eq!(route["items"][0]["handover_id"], id.as_str(), "{route}");
}

async fn a_cancelled_handover_has_no_documents(app: TestApp) {
    let (seller, id, bag, _) = booked(&app).await;
    let (status, _) = app.cancel(&seller, &id).await;
    assert_eq!(status, StatusCode::OK);
    let base = format!("/v1/sellers/{}/handovers/{id}", seller.id);
    for path in [
        "/labels".to_owned(),
        format!("/bags/{bag}/label"),
        "/handover-list".to_owned(),
    ] {
        let (status, media, body) =
            fetch(&app, &format!("{base}{path}"), Some(&seller.token), None).await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}");
        assert_eq!(media, "application/problem+json");
        assert_eq!(code(&body), "handover_cancelled");
    }
}

async fn documents_follow_bag_edits_before_pickup(app: TestApp) {
    let (seller, id, bag, parcels) = booked(&app).await;
    let label = format!(
        "/v1/sellers/{}/handovers/{id}/bags/{bag}/label?format=zpl",
        seller.id
    );
    let zpl = |body: Vec<u8>| String::from_utf8(body).expect("utf-8");
    let (_, _, before) = fetch(&app, &label, Some(&seller.token), None).await;
    assert!(zpl(before).contains("^FD1.500 kg^FS"));
    let (status, body) = app
        .delete(
            &format!(
                "/v1/sellers/{}/handovers/{id}/bags/{bag}/parcels",
                seller.id
            ),
            &seller.token,
            Some(json!({"tracking_numbers": [parcels[2]]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, _, after) = fetch(&app, &label, Some(&seller.token), None).await;
    let after = zpl(after);
    assert!(after.contains("^FD1.000 kg^FS"), "{after}");
    assert!(after.contains("^FD2^FS"), "the parcel count: {after}");
}

async fn the_openapi_document_lists_the_document_routes_with_their_media_types(app: TestApp) {
    let (status, doc) = app.get("/openapi.json", OPERATOR).await;
    assert_eq!(status, StatusCode::OK);
    let paths = &doc["paths"];
    let labels = &paths["/v1/sellers/{seller_id}/handovers/{handover_id}/labels"]["get"];
    let content = &labels["responses"]["200"]["content"];
    assert!(content.get("application/pdf").is_some(), "{labels}");
    assert!(content.get("application/zpl").is_some(), "{labels}");
    let one = &paths["/v1/sellers/{seller_id}/handovers/{handover_id}/bags/{bag_id}/label"]["get"];
    assert!(
        one["responses"]["200"]["content"]
            .get("application/zpl")
            .is_some()
    );
    let list = &paths["/v1/sellers/{seller_id}/handovers/{handover_id}/handover-list"]["get"];
    assert!(
        list["responses"]["200"]["content"]
            .get("application/pdf")
            .is_some()
    );
    assert!(list["responses"].get("409").is_some());
}

async fn the_seller_center_links_every_handover_to_its_documents(app: TestApp) {
    let (seller, id, _, _) = booked(&app).await;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let resp = browser
        .post(app.url("/web/login"))
        .header("origin", app.base.as_str())
        .form(&[("api_key", seller.token.as_str())])
        .send()
        .await
        .expect("login");
    let session = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("cookie")
        .to_owned();
    let get = |path: String| {
        let (browser, session, url) = (browser.clone(), session.clone(), app.url(&path));
        async move {
            browser
                .get(url)
                .header("cookie", session)
                .send()
                .await
                .expect("get")
        }
    };
    // The links are on the handover's own page.
    let page = get(format!("/web/handovers/{id}"))
        .await
        .text()
        .await
        .unwrap_or_default();
    for link in [
        format!("/web/handovers/{id}/labels?format=pdf"),
        format!("/web/handovers/{id}/labels?format=zpl"),
        format!("/web/handovers/{id}/handover-list"),
    ] {
        assert!(page.contains(&link), "{link} missing");
        let resp = get(link.clone()).await;
        assert_eq!(resp.status(), StatusCode::OK, "{link}");
        let media = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        assert!(
            media.starts_with("application/pdf") || media.starts_with("application/zpl"),
            "{media}"
        );
    }
    // Another seller's handover is not found, in HTML.
    let resp = get("/web/handovers/HONOSUCH/handover-list".into()).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // Without a session: back to the sign-in page.
    let resp = browser
        .get(app.url(&format!("/web/handovers/{id}/labels")))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
}

both!(
    labels_come_as_pdf_or_zpl_by_query_or_accept,
    documents_are_scoped_like_the_handover,
    a_cancelled_handover_has_no_documents,
    documents_follow_bag_edits_before_pickup,
    the_openapi_document_lists_the_document_routes_with_their_media_types,
    the_seller_center_links_every_handover_to_its_documents,
);
