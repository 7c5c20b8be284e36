//! The seller-center sessions and forms over plain HTTP (docs/rules.md, rule 18): the
//! session cookie is a random id, never the key, with idle expiry and revocation at
//! sign-out; every form post needs our origin and the session's CSRF token; refusals
//! come back on the page they belong to, in words; the booking, bag and claim forms
//! too. (The browser tests drive the same pages in Chromium: `browser.rs`,
//! `browser_more.rs`.)

use crate::both;
use crate::helpers::TestApp;
use reqwest::StatusCode;
use reqwest::redirect::Policy;

struct Browser {
    client: reqwest::Client,
    origin: String,
}

impl Browser {
    fn new(app: &TestApp) -> Self {
        let client = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .expect("client");
        Browser {
            client,
            origin: app.base.clone(),
        }
    }

    async fn post(
        &self,
        url: &str,
        cookie: &str,
        origin: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(format!("{}{url}", self.origin))
            .header("cookie", cookie)
            .header("origin", origin)
            .form(form)
            .send()
            .await
            .expect("post")
    }

    async fn get(&self, url: &str, cookie: &str) -> (StatusCode, String, Option<String>) {
        let resp = self
            .client
            .get(format!("{}{url}", self.origin))
            .header("cookie", cookie)
            .send()
            .await
            .expect("get");
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (
            resp.status(),
            resp.text().await.unwrap_or_default(),
            location,
        )
    }
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// The CSRF token of a page's forms.
fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("")
        .to_owned()
}

async fn sign_in(app: &TestApp, b: &Browser, key: &str) -> String {
    let resp = b
        .post("/web/login", "", &app.base, &[("api_key", key)])
        .await;
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
    assert!(!cookie.contains(key), "the key itself is never in a cookie");
    cookie.split(';').next().unwrap_or_default().to_owned()
}

// The session cookie is no longer the raw key: a random id whose hash is stored.
async fn a_seller_signs_in_cancels_with_confirmation_and_signs_out(app: TestApp) {
    let seller = app.seller().await;
    let courier = app.courier().await;
    let parcels = app.register_many(&seller, "WEB", 2, 500).await;
    let first = app.book(&seller, &parcels[..1]).await;
    let second = app.book(&seller, &parcels[1..]).await;
    let (a, b_id) = (
        first["id"].as_str().unwrap_or("?").to_owned(),
        second["id"].as_str().unwrap_or("?").to_owned(),
    );
    let b = Browser::new(&app);

    // A wrong key comes back to the sign-in page with the reason, in Chinese.
    let resp = b
        .post(
            "/web/login",
            "",
            &app.base,
            &[("api_key", "fm_seller_wrong")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, html, _) = b.get(&location(&resp), "").await;
    assert!(html.contains("这不是卖家或 ISV 的 API 密钥"), "{html}");

    let session = sign_in(&app, &b, &seller.token).await;
    let (status, html, _) = b.get("/web/handovers", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&a) && html.contains(&b_id), "{html}");
    assert!(html.contains("已预约"), "statuses are words: {html}");
    // The test clock is 02:00 UTC: people see 10:00 in China.
    assert!(html.contains("2026-11-26 10:00"), "{html}");
    assert!(html.contains("width=device-width"));

    // Cancelling asks first; the confirmation page's form carries the token.
    let (status, html, _) = b.get(&format!("/web/handovers/{a}/cancel"), &session).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_of(&html);
    assert!(!csrf.is_empty(), "{html}");
    assert_eq!(app.handover(&seller, &a).await["status"], "booked");

    // A cross-site post, or one without the token, is refused and changes nothing.
    let url = format!("/web/handovers/{a}/cancel");
    let resp = b
        .post(&url, &session, "http://evil.example", &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = b.post(&url, &session, &app.base, &[("csrf", "")]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.handover(&seller, &a).await["status"], "booked");

    let resp = b.post(&url, &session, &app.base, &[("csrf", &csrf)]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&resp),
        format!("/web/handovers/{a}?done=cancelled")
    );
    assert_eq!(app.handover(&seller, &a).await["status"], "cancelled");

    // After pickup: refused, and the reason is on the handover's page (a redirect, so
    // a reload does not post again).
    app.pick_up(
        &courier,
        second["bags"][0]["id"].as_str().unwrap_or(""),
        &app.now(),
        600,
    )
    .await;
    let resp = b
        .post(
            &format!("/web/handovers/{b_id}/cancel"),
            &session,
            &app.base,
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, html, _) = b.get(&location(&resp), &session).await;
    assert!(html.contains("快递员已揽收，不能再取消"), "{html}");
    assert_eq!(app.handover(&seller, &b_id).await["status"], "picked_up");

    // English is remembered in a cookie.
    let resp = b
        .client
        .get(format!("{}/web/lang/en?back=/web/handovers", app.base))
        .send()
        .await
        .expect("lang");
    let lang = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .unwrap_or("")
        .to_owned();
    let (_, html, _) = b.get("/web/handovers", &format!("{session}; {lang}")).await;
    assert!(
        html.contains("Picked up") && html.contains("lang=\"en\""),
        "{html}"
    );

    // Sign-out revokes the session: the old cookie no longer works.
    let resp = b
        .post("/web/logout", &session, &app.base, &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (status, _, to) = b.get("/web/handovers", &session).await;
    assert_eq!(
        (status, to.as_deref()),
        (StatusCode::SEE_OTHER, Some("/web"))
    );
}

async fn sessions_expire_when_idle_and_sign_ins_are_limited(app: TestApp) {
    let seller = app.seller().await;
    let b = Browser::new(&app);
    let session = sign_in(&app, &b, &seller.token).await;
    let (status, _, _) = b.get("/web/overview", &session).await;
    assert_eq!(status, StatusCode::OK);
    // 31 minutes without a request: the session is over.
    app.clock.set_ms(app.clock.now_ms() + 31 * 60_000);
    let (status, _, to) = b.get("/web/overview", &session).await;
    assert_eq!(
        (status, to.as_deref()),
        (StatusCode::SEE_OTHER, Some("/web"))
    );

    // A sign-in from another site is refused.
    let resp = b
        .post(
            "/web/login",
            "",
            "http://evil.example",
            &[("api_key", seller.token.as_str())],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // Ten attempts a minute from one address (the default); the eleventh waits.
    let mut limited = false;
    for _ in 0..12 {
        let resp = b
            .post(
                "/web/login",
                "",
                &app.base,
                &[("api_key", "fm_seller_guess")],
            )
            .await;
        if location(&resp).contains("too_many_attempts") {
            limited = true;
            break;
        }
    }
    assert!(limited);
}

async fn an_isv_picks_one_of_the_sellers_that_granted_it(app: TestApp) {
    let granting = app.seller().await;
    let other = app.seller().await;
    let (status, isv) = app
        .post(
            "/v1/isvs",
            crate::helpers::OPERATOR,
            serde_json::json!({"name": "OrderDesk"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{isv}");
    let (status, body) = app
        .post(
            &format!("/v1/sellers/{}/grants", granting.id),
            &granting.token,
            serde_json::json!({"isv_id": isv["id"]}),
        )
        .await;
    assert!(status.is_success(), "{body}");
    let b = Browser::new(&app);
    let session = sign_in(&app, &b, isv["api_key"].as_str().unwrap_or("")).await;
    // No seller yet: every seller page sends the ISV to the picker first.
    let (status, _, to) = b.get("/web/overview", &session).await;
    assert_eq!(
        (status, to.as_deref()),
        (StatusCode::SEE_OTHER, Some("/web/pick"))
    );
    let (_, html, _) = b.get("/web/pick", &session).await;
    assert!(
        html.contains(&granting.id) && !html.contains(&other.id),
        "{html}"
    );
    let csrf = csrf_of(&html);
    // A seller that did not grant it is refused as unknown.
    let resp = b
        .post(
            "/web/pick",
            &session,
            &app.base,
            &[("csrf", &csrf), ("seller_id", &other.id)],
        )
        .await;
    assert_eq!(location(&resp), "/web/pick?error=seller_not_found");
    let resp = b
        .post(
            "/web/pick",
            &session,
            &app.base,
            &[("csrf", &csrf), ("seller_id", &granting.id)],
        )
        .await;
    assert_eq!(location(&resp), "/web/overview");
    let (status, html, _) = b.get("/web/overview", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("免费上门揽收资格"), "{html}");
}

// The forms of the booking, bag and claim pages count only from our origin with the
// session's token; refused, they change nothing.
async fn declaring_editing_and_claiming_refuse_a_cross_site_post(app: TestApp) {
    let seller = app.seller().await;
    let parcels = app.register_many(&seller, "XSF", 3, 500).await;
    let booked = app.book(&seller, &parcels[..1]).await;
    let (hid, bag) = (
        booked["id"].as_str().unwrap_or("?").to_owned(),
        booked["bags"][0]["id"].as_str().unwrap_or("?").to_owned(),
    );
    let b = Browser::new(&app);
    let session = sign_in(&app, &b, &seller.token).await;
    let (_, html, _) = b.get("/web/book?center=SZX", &session).await;
    let csrf = csrf_of(&html);
    assert!(html.contains("手动申报集包袋"), "{html}");
    let today = app.today();
    let forms: [(String, Vec<(&str, &str)>); 4] = [
        (
            "/web/book/declare".into(),
            vec![
                ("center", "SZX"),
                ("date", &today),
                ("parcels_1", &parcels[1]),
                ("length_1", "40"),
                ("width_1", "30"),
                ("height_1", "20"),
            ],
        ),
        (
            format!("/web/handovers/{hid}/bags/{bag}/add"),
            vec![("parcels", &parcels[2])],
        ),
        (
            format!("/web/handovers/{hid}/bags/{bag}/remove"),
            vec![("remove", &parcels[0])],
        ),
        (
            "/web/claims".into(),
            vec![("bag_id", &bag), ("description", "lost")],
        ),
    ];
    for (url, fields) in &forms {
        for (origin, token) in [
            ("http://evil.example", csrf.as_str()),
            (app.base.as_str(), ""),
        ] {
            let mut form = fields.clone();
            form.push(("csrf", token));
            let resp = b.post(url, &session, origin, &form).await;
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{url} from {origin}");
        }
    }
    let (_, list) = app
        .get(
            &format!("/v1/sellers/{}/handovers", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(
        app.handover(&seller, &hid).await["bags"][0]["parcels"],
        serde_json::json!([parcels[0]])
    );
    let (_, claims) = app
        .get(&format!("/v1/sellers/{}/claims", seller.id), &seller.token)
        .await;
    assert_eq!(claims["items"], serde_json::json!([]), "{claims}");

    // With the token, from our origin, the declaration books.
    let mut form = forms[0].1.clone();
    form.push(("csrf", &csrf));
    let resp = b.post(&forms[0].0, &session, &app.base, &form).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&resp).ends_with("?done=booked"),
        "{}",
        location(&resp)
    );
}

both!(
    a_seller_signs_in_cancels_with_confirmation_and_signs_out,
    sessions_expire_when_idle_and_sign_ins_are_limited,
    an_isv_picks_one_of_the_sellers_that_granted_it,
    declaring_editing_and_claiming_refuse_a_cross_site_post,
);
