//! The seller-center pages (docs/rules.md, rule 18): sign in with the seller's key, list the
//! handovers with times in China time, cancel until pickup and not after.

use crate::both;
use crate::helpers::TestApp;
use reqwest::StatusCode;
use reqwest::redirect::Policy;

async fn a_seller_lists_and_cancels_handovers_in_the_browser(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let parcels = app.register_many(&seller, "WEB", 2, 500).await;
    let first = app.book(&seller, &parcels[..1]).await;
    let second = app.book(&seller, &parcels[1..]).await;
    let browser = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client");

    let resp = browser
        .post(app.url("/web/login"))
        .form(&[("api_key", "fm_seller_wrong")])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(
        resp.text()
            .await
            .unwrap_or_default()
            .contains("not a seller API key")
    );

    let resp = browser
        .post(app.url("/web/login"))
        .form(&[("api_key", seller.token.as_str())])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap_or_default().to_owned();

    let list = |session: String| {
        let browser = browser.clone();
        let url = app.url("/web/handovers");
        async move {
            let resp = browser
                .get(url)
                .header("cookie", session)
                .send()
                .await
                .expect("list");
            (resp.status(), resp.text().await.unwrap_or_default())
        }
    };
    let (status, html) = list(session.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let (a, b) = (
        first["id"].as_str().unwrap_or("?"),
        second["id"].as_str().unwrap_or("?"),
    );
    assert!(html.contains(a) && html.contains(b), "{html}");
    // The test clock is 02:00 UTC: people see 10:00 in China.
    assert!(html.contains("2026-11-26 10:00"), "{html}");

    let cancel = |id: String, session: String| {
        let browser = browser.clone();
        let url = app.url(&format!("/web/handovers/{id}/cancel"));
        async move {
            browser
                .post(url)
                .header("cookie", session)
                .send()
                .await
                .expect("cancel")
        }
    };
    let resp = cancel(a.to_owned(), session.clone()).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let view = app.handover(&seller, a).await;
    assert_eq!(view["status"], "cancelled");

    app.pick_up(
        &courier,
        second["bags"][0]["id"].as_str().unwrap_or(""),
        &app.now(),
        600,
    )
    .await;
    let resp = cancel(b.to_owned(), session.clone()).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(
        resp.text()
            .await
            .unwrap_or_default()
            .contains("can no longer be cancelled")
    );
    assert_eq!(app.handover(&seller, b).await["status"], "picked_up");

    // Without a session the pages send people to sign in.
    let resp = browser
        .get(app.url("/web/handovers"))
        .send()
        .await
        .expect("list");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
}

both!(a_seller_lists_and_cancels_handovers_in_the_browser);
