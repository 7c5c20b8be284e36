//! More of the seller center in headless Chromium, on SQLite and PostgreSQL: bags
//! declared by hand and booked, with a broken limit and an already bagged parcel
//! refused on the page with their reasons; a bag edited before pickup and refused
//! after it; a claim for an overdue bag opened, listed, and shown with the operator's
//! decision; the performance page with its two plots; every page, sign-in and
//! confirmation included, no wider than a 375 px phone. (Driver and helpers:
//! `browser.rs`.)

use crate::both;
use crate::browser::{body, browser, click, screenshot, session_cookie, text, tick};
use crate::helpers::{OPERATOR, Seller, TestApp};
use fantoccini::{Client, Locator};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn sign_in(c: &Client, app: &TestApp, seller: &Seller) {
    c.goto(&app.url("/web")).await.expect("open");
    c.find(Locator::Css("#api_key"))
        .await
        .expect("key field")
        .send_keys(&seller.token)
        .await
        .expect("type");
    click(c, "#sign-in").await;
}

/// Sets a field's value (a textarea of tracking numbers, a size).
async fn set(c: &Client, id: &str, value: &str) {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1]",
        vec![json!(id), json!(value)],
    )
    .await
    .unwrap_or_else(|e| panic!("set #{id}: {e}"));
}

async fn value(c: &Client, id: &str) -> String {
    c.execute(
        "return document.getElementById(arguments[0]).value",
        vec![json!(id)],
    )
    .await
    .ok()
    .and_then(|v| v.as_str().map(str::to_owned))
    .unwrap_or_default()
}

/// A desktop screenshot of the page's first 1,600 px, not only the first screen.
async fn tall_screenshot(c: &Client, name: &str) {
    c.set_window_size(1280, 1600).await.expect("a tall window");
    screenshot(c, name).await;
    c.set_window_size(1280, 900)
        .await
        .expect("the desktop window");
}

/// The bag of a handover that holds `parcel`.
fn bag_with(handover: &Value, parcel: &str) -> String {
    handover["bags"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|b| {
            b["parcels"]
                .as_array()
                .is_some_and(|p| p.contains(&json!(parcel)))
        })
        .and_then(|b| b["id"].as_str())
        .unwrap_or_else(|| panic!("no bag with {parcel} in {handover}"))
        .to_owned()
}

async fn declared_bags_are_booked_and_a_bag_is_edited_until_its_pickup(app: TestApp) {
    let Some(c) = browser().await else { return };
    let seller = app.seller().await;
    let courier = app.courier().await;
    let p = app.register_many(&seller, "DCL", 5, 500).await;
    let elsewhere = app.book(&seller, &p[3..4]).await;
    sign_in(&c, &app, &seller).await;

    // Two bags declared by hand; the second breaks a limit (a 130 cm side): refused,
    // with the reason and which bag, and the bags come back as typed.
    c.goto(&app.url("/web/book?center=SZX"))
        .await
        .expect("book");
    set(&c, "parcels_1", &format!("{}\n{}", p[0], p[1])).await;
    set(&c, "parcels_2", &p[2]).await;
    set(&c, "length_2", "130").await;
    click(&c, "#book-declared").await;
    assert!(text(&c, "#error").await.contains("集包袋有一边超长"));
    assert!(text(&c, "#error-detail").await.contains("bag 2"));
    assert_eq!(value(&c, "parcels_2").await, p[2]);
    assert_eq!(value(&c, "length_2").await, "130");
    tall_screenshot(&c, "book-declare-desktop").await;

    // A parcel already in another handover's bag: refused, naming it.
    set(&c, "parcels_2", &format!("{}\n{}", p[2], p[3])).await;
    set(&c, "length_2", "60").await;
    click(&c, "#book-declared").await;
    assert!(text(&c, "#error").await.contains("有包裹已在其他集包袋中"));
    assert!(text(&c, "#error-detail").await.contains(&p[3]));
    assert_eq!(
        app.handover(&seller, elsewhere["id"].as_str().unwrap_or("?"))
            .await["bags"][0]["parcels"],
        json!([p[3]])
    );

    // Put right, the two bags are booked as declared.
    set(&c, "parcels_2", &p[2]).await;
    click(&c, "#book-declared").await;
    assert!(text(&c, "#done").await.contains("已预约揽收"));
    let url = c.current_url().await.expect("the handover's page");
    let id = url
        .path_segments()
        .and_then(|mut s| s.nth(2))
        .unwrap_or("?")
        .to_owned();
    let booked = app.handover(&seller, &id).await;
    assert_eq!(booked["bags"].as_array().map(Vec::len), Some(2), "{booked}");
    let first = bag_with(&booked, &p[0]);
    assert_eq!(bag_with(&booked, &p[1]), first);
    assert_ne!(bag_with(&booked, &p[2]), first);

    // Edit the first bag: take a parcel out, put it back; a parcel of another bag is
    // refused with the reason.
    click(&c, &format!("#edit-{first}")).await;
    tick(&c, &format!("input[name='remove'][value='{}']", p[1])).await;
    click(&c, "#remove-parcels").await;
    assert!(text(&c, "#done").await.contains("包裹已从集包袋取出"));
    assert_eq!(text(&c, "#bag-count").await, "1");
    set(&c, "parcels", &p[1]).await;
    click(&c, "#add-parcels").await;
    assert!(text(&c, "#done").await.contains("包裹已加入集包袋"));
    assert_eq!(text(&c, "#bag-count").await, "2");
    set(&c, "parcels", &p[3]).await;
    click(&c, "#add-parcels").await;
    assert!(text(&c, "#error").await.contains("有包裹已在其他集包袋中"));
    tall_screenshot(&c, "bag-desktop").await;

    // The courier picks the bag up while the page is open: the edit is refused, with
    // the reason, and the page no longer offers it.
    app.pick_up(&courier, &first, &app.now(), 1_000).await;
    set(&c, "parcels", &p[4]).await;
    click(&c, "#add-parcels").await;
    assert!(
        text(&c, "#error")
            .await
            .contains("快递员已揽收，集包袋不能再修改")
    );
    assert!(text(&c, "#locked").await.contains("不能再修改"));
    let after = app.handover(&seller, &id).await;
    assert_eq!(
        after["bags"].as_array().map(|b| b
            .iter()
            .map(|b| b["parcels"].as_array().map_or(0, Vec::len))
            .sum::<usize>()),
        Some(3),
        "{after}"
    );
    let _ = c.close().await;
}

/// Books one bag of `parcels` and has the courier pick it up now.
async fn a_picked_up_bag(
    app: &TestApp,
    seller: &Seller,
    courier: &str,
    parcels: &[String],
) -> String {
    let booked = app.book(seller, parcels).await;
    let bag = booked["bags"][0]["id"].as_str().unwrap_or("?").to_owned();
    app.pick_up(courier, &bag, &app.now(), 500).await;
    bag
}

async fn a_claim_for_an_overdue_bag_is_listed_with_the_operators_decision(app: TestApp) {
    let Some(c) = browser().await else { return };
    let seller = app.seller().await;
    let courier = app.courier().await;
    let center = app.sorting_center("SZX").await;
    let p = app.register_many(&seller, "CLM", 3, 500).await;
    let overdue = a_picked_up_bag(&app, &seller, &courier, &p[..1]).await;
    let received = a_picked_up_bag(&app, &seller, &courier, &p[1..]).await;
    app.advance_hours(24 * 5);
    // The second bag arrives, one parcel missing: not overdue, but that parcel can be
    // claimed for.
    app.receive(&center, &received, &app.now(), &[p[1].as_str()])
        .await;
    sign_in(&c, &app, &seller).await;

    // The overdue bag is listed; its link fills the form.
    click(&c, "nav a[href='/web/claims']").await;
    assert!(text(&c, "#overdue").await.contains(&overdue));
    click(&c, &format!("a[href='/web/claims?bag={overdue}#open']")).await;
    assert_eq!(value(&c, "bag_id").await, overdue);
    set(&c, "description", "三天没有入库").await;
    click(&c, "#open-claim").await;
    assert!(text(&c, "#done").await.contains("索赔已提交"));
    let page = body(&c).await;
    assert!(
        page.contains("集包袋运输超时") && page.contains("处理中"),
        "{page}"
    );

    // The whole received bag is not claimable: refused with the reason, the claim as
    // typed kept.
    set(&c, "bag_id", &received).await;
    set(&c, "description", "整袋丢失").await;
    click(&c, "#open-claim").await;
    assert!(
        text(&c, "#error")
            .await
            .contains("只能为超时未入库的集包袋")
    );
    assert_eq!(value(&c, "bag_id").await, received);
    assert_eq!(value(&c, "description").await, "整袋丢失");

    // Its missing parcel is.
    set(&c, "claim-parcels", &p[2]).await;
    click(&c, "#open-claim").await;
    assert!(text(&c, "#done").await.contains("索赔已提交"));
    assert!(body(&c).await.contains("入库时包裹缺失"));

    // The operator decides over the API; the page shows the decision.
    let (status, claims) = app
        .get(&format!("/v1/sellers/{}/claims", seller.id), &seller.token)
        .await;
    assert_eq!(status, StatusCode::OK, "{claims}");
    let claim = claims["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["bag_id"] == overdue.as_str())
        .and_then(|c| c["id"].as_str())
        .expect("the overdue bag's claim")
        .to_owned();
    let (status, decided) = app
        .post(
            &format!("/v1/claims/{claim}/decision"),
            OPERATOR,
            json!({"accepted": true, "note": "按申报价值赔付 120 元"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    c.goto(&app.url("/web/claims")).await.expect("claims");
    let card = text(&c, &format!("#claim-{claim}")).await;
    assert!(
        card.contains("已赔付") && card.contains("按申报价值赔付 120 元"),
        "{card}"
    );
    tall_screenshot(&c, "claims-desktop").await;

    // In English too.
    c.goto(&app.url("/web/lang/en?back=/web/claims"))
        .await
        .expect("English");
    let card = text(&c, &format!("#claim-{claim}")).await;
    assert!(
        card.contains("Accepted") && card.contains("Bag overdue in transit"),
        "{card}"
    );
    let _ = c.close().await;
}

/// Orders of the 20 days before today, some cancelled by buyers, for the plots.
async fn order_history(app: &TestApp, seller: &Seller) {
    let today = app.clock.today();
    let orders: Vec<Value> = (1..=20u64)
        .flat_map(|back| {
            let day = today - chrono::Days::new(back);
            (0..10u64).map(move |k| {
                let mut o = json!({"order_id": format!("PF-{day}-{k}"),
                                   "created_at": format!("{day}T04:00:00Z"), "status": "valid"});
                // A week of many buyer cancellations puts the store in vacation.
                let cancelled = if (9..=14).contains(&back) {
                    5
                } else {
                    back % 3
                };
                if k < cancelled {
                    o["status"] = json!("cancelled");
                    o["cancel_reason"] = json!("buyer");
                }
                o
            })
        })
        .collect();
    let (status, body) = app
        .put(
            &format!("/v1/sellers/{}/orders", seller.id),
            &seller.token,
            json!({"orders": orders}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// How wide the page is laid out.
async fn width(c: &Client) -> i64 {
    c.execute("return document.documentElement.scrollWidth", vec![])
        .await
        .ok()
        .and_then(|v| v.as_i64())
        .unwrap_or(i64::MAX)
}

async fn the_performance_page_shows_its_plots_and_every_page_fits_a_phone(app: TestApp) {
    let Some(c) = browser().await else { return };
    let seller = app.seller().await;
    let courier = app.courier().await;
    let center = app.sorting_center("SZX").await;
    order_history(&app, &seller).await;
    let p = app.register_many(&seller, "PHN", 6, 500).await;
    // Three days of a parcel going online: picked up, received 4 hours later.
    for parcel in &p[..3] {
        let online = app.book(&seller, std::slice::from_ref(parcel)).await;
        let bag = online["bags"][0]["id"].as_str().unwrap_or("?").to_owned();
        app.pick_up(&courier, &bag, &app.now(), 500).await;
        app.advance_hours(4);
        app.receive(&center, &bag, &app.now(), &[parcel.as_str()])
            .await;
        app.advance_hours(20);
    }
    let open = app.book(&seller, &p[3..5]).await;
    let (hid, open_bag) = (
        open["id"].as_str().unwrap_or("?").to_owned(),
        open["bags"][0]["id"].as_str().unwrap_or("?").to_owned(),
    );

    // The numbers, and both plots load (from this session, as SVG).
    sign_in(&c, &app, &seller).await;
    click(&c, "nav a[href='/web/performance']").await;
    assert_eq!(text(&c, "#threshold").await, "30.0%");
    // Today's rate is the API's, as a percentage.
    let (status, perf) = app
        .get(
            &format!("/v1/sellers/{}/performance", seller.id),
            &seller.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{perf}");
    let rate = perf["days"]
        .as_array()
        .and_then(|d| d.last())
        .and_then(|d| d["cancellation_rate"].as_f64())
        .expect("today's rate");
    assert_eq!(text(&c, "#rate").await, format!("{:.1}%", rate * 100.0));
    assert!(text(&c, "#vacation").await.contains("休假模式"));
    assert!(text(&c, "#sla").await.contains("SZX"));
    let loaded: Value = c
        .execute(
            "return ['rate-chart', 'lead-chart'].map(id => { const i = document.getElementById(id); \
             return i.complete && i.naturalWidth > 0; })",
            vec![],
        )
        .await
        .expect("the plots");
    assert_eq!(loaded, json!([true, true]));
    tall_screenshot(&c, "performance-desktop").await;
    let cookie = session_cookie(&c).await;
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    // In the page's language (Chinese here; the API's are English).
    for (plot, words) in [
        ("cancellation-rate", "店铺取消率"),
        ("first-scan-lead-time", "首扫时效中位数"),
    ] {
        let url = app.url(&format!("/web/performance/{plot}.svg"));
        let resp = no_redirect
            .get(&url)
            .header("cookie", &cookie)
            .send()
            .await
            .expect("plot");
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("image/svg+xml")
        );
        let svg = resp.text().await.unwrap_or_default();
        assert!(svg.contains("<svg") && svg.contains(words), "{plot}");
        let anonymous = no_redirect.get(&url).send().await.expect("plot");
        assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    }

    // At 375 px, from the sign-in page on, nothing is wider than the phone.
    click(&c, "#sign-out").await;
    c.set_window_size(375, 812).await.expect("phone size");
    let inner: Value = c
        .execute("return window.innerWidth", vec![])
        .await
        .expect("width");
    assert!(inner.as_i64().is_some_and(|w| w <= 375), "{inner}");
    c.goto(&app.url("/web")).await.expect("sign-in");
    assert!(
        width(&c).await <= 375,
        "the sign-in page is wider than 375 px"
    );
    screenshot(&c, "sign-in-phone").await;
    sign_in(&c, &app, &seller).await;
    let pages = [
        ("/web/overview".to_owned(), ""),
        ("/web/parcels".to_owned(), "parcels-phone"),
        ("/web/book?center=SZX".to_owned(), "book-phone"),
        ("/web/handovers".to_owned(), ""),
        (format!("/web/handovers/{hid}"), ""),
        (
            format!("/web/handovers/{hid}/cancel"),
            "confirm-cancel-phone",
        ),
        (format!("/web/handovers/{hid}/bags/{open_bag}"), "bag-phone"),
        ("/web/claims".to_owned(), "claims-phone"),
        ("/web/performance".to_owned(), "performance-phone"),
        (format!("/web/tracking?number={}", p[0]), ""),
    ];
    for (path, shot) in &pages {
        c.goto(&app.url(path)).await.expect("page");
        let w = width(&c).await;
        assert!(w <= 375, "{path} is {w} px wide at 375 px");
        if !shot.is_empty() {
            screenshot(&c, shot).await;
        }
    }
    let _ = c.close().await;
}

both!(
    declared_bags_are_booked_and_a_bag_is_edited_until_its_pickup,
    a_claim_for_an_overdue_bag_is_listed_with_the_operators_decision,
    the_performance_page_shows_its_plots_and_every_page_fits_a_phone,
);
