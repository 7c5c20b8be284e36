//! The seller center in a real headless Chromium, driven over WebDriver (fantoccini
//! and the system chromedriver), on SQLite and PostgreSQL: sign in, see a handover
//! with its bags, download a label, cancel with confirmation and be refused after a
//! pickup with the reason, reschedule after a failed pickup, look up tracking, a
//! cross-site form post refused, sign out after which the old cookie no longer works,
//! the same pages at 375 px with nothing wider than the screen.
//!
//! One chromedriver serves the whole test binary (started on first use, ended with
//! the binary); each test has its own browser session. Without chromium or
//! chromedriver these tests skip, unless `CI=true` or `FIRSTMILE_REQUIRE_BROWSER=1`,
//! when they fail. With `FIRSTMILE_SCREENSHOTS=1` they write the PNGs under
//! `docs/screenshots/` that the README shows. The helpers here serve `browser_more.rs`
//! too (declared bags, bag edits, claims, performance, every page at 375 px).

use crate::both;
use crate::helpers::TestApp;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var("FIRSTMILE_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

/// The chromedriver URL, starting it once for the binary. The driver is spawned from
/// a thread that lives as long as the binary, with PR_SET_PDEATHSIG, so it ends with
/// the tests.
fn driver_url() -> Option<String> {
    static URL: OnceLock<Option<String>> = OnceLock::new();
    URL.get_or_init(|| {
        if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .ok()?
            .port();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::os::unix::process::CommandExt;
            let mut command = Command::new(CHROMEDRIVER);
            command
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            // SAFETY: prctl is async-signal-safe; it only asks for SIGTERM when this
            // (long-lived) thread's process goes away.
            unsafe {
                command.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                    Ok(())
                });
            }
            let started = command.spawn();
            let _ = tx.send(started.is_ok());
            if let Ok(mut child) = started {
                let _ = child.wait();
            }
        });
        if !rx.recv().unwrap_or(false) {
            return None;
        }
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(format!("http://127.0.0.1:{port}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    })
    .clone()
}

/// A headless Chromium session, or None (skip) where the tools are missing.
pub(crate) async fn browser() -> Option<Client> {
    let Some(url) = driver_url() else {
        assert!(
            !required(),
            "chromium and chromedriver are required (CI=true or FIRSTMILE_REQUIRE_BROWSER=1)"
        );
        eprintln!("skipped: no {CHROMIUM} or {CHROMEDRIVER}");
        return None;
    };
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"binary": CHROMIUM, "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
               "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=zh-CN"]}),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&url)
        .await
        .expect("a chromium session");
    Some(client)
}

pub(crate) async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap_or_default()
}

pub(crate) async fn body(c: &Client) -> String {
    text(c, "body").await
}

/// Clicks a link or a form's button and waits for the page it leads to. A click
/// returns before a form's post and its redirect are done; reading the page then
/// would read the old one (its old notice, or none), so the old document is marked
/// and the new one awaited.
pub(crate) async fn click(c: &Client, css: &str) {
    c.execute("window.__fm_old_page = true", vec![])
        .await
        .expect("mark the page");
    tick(c, css).await;
    for _ in 0..200 {
        // While the page changes, the script may fail: not there yet.
        let ready = c
            .execute(
                "return window.__fm_old_page === undefined && document.readyState === 'complete'",
                vec![],
            )
            .await;
        if matches!(ready, Ok(Value::Bool(true))) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("clicking {css} led to no new page");
}

/// Clicks what stays on the page (a check box).
pub(crate) async fn tick(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

pub(crate) async fn screenshot(c: &Client, name: &str) {
    if std::env::var("FIRSTMILE_SCREENSHOTS").is_ok_and(|v| v == "1") {
        let png = c.screenshot().await.expect("screenshot");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }
}

/// Nothing on the page is wider than the window.
pub(crate) async fn fits(c: &Client) -> bool {
    let v: Value = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth",
            vec![],
        )
        .await
        .unwrap_or(Value::Null);
    v == Value::Bool(true)
}

pub(crate) async fn session_cookie(c: &Client) -> String {
    let cookie = c
        .get_named_cookie("fm_session")
        .await
        .expect("the session cookie");
    format!("fm_session={}", cookie.value())
}

async fn a_seller_works_through_the_seller_center_in_chromium(app: TestApp) {
    let Some(c) = browser().await else { return };
    let seller = app.seller().await;
    let courier = app.courier().await;
    let center = app.sorting_center("SZX").await;
    let parcels = app.register_many(&seller, "BRW", 3, 500).await;
    let kept = app.book(&seller, &parcels[..1]).await;
    let raced = app.book(&seller, &parcels[1..2]).await;
    let failed = app.book(&seller, &parcels[2..]).await;
    let id = |v: &Value| v["id"].as_str().unwrap_or("?").to_owned();
    let bag = |v: &Value| v["bags"][0]["id"].as_str().unwrap_or("?").to_owned();
    let base = &app.base;

    // Sign in (Chinese by default).
    c.goto(&format!("{base}/web")).await.expect("open");
    screenshot(&c, "sign-in-desktop").await;
    c.find(Locator::Css("#api_key"))
        .await
        .expect("key field")
        .send_keys(&seller.token)
        .await
        .expect("type");
    click(&c, "#sign-in").await;
    let page = body(&c).await;
    assert!(
        page.contains("免费上门揽收资格") && page.contains("符合资格"),
        "{page}"
    );
    assert!(page.contains("今日揽收"), "{page}");
    screenshot(&c, "overview-desktop").await;

    // A CSV upload with one bad row: two rows registered, the bad one's reason
    // beside it.
    let planned = ["BKP0001", "BKP0002"];
    let csv = std::env::temp_dir().join(format!("firstmile-upload-{}.csv", seller.id));
    std::fs::write(
        &csv,
        "tracking_number,order_id,weight_g,length_cm,width_cm,height_cm,sorting_center\n\
         BKP0001,O-1,700,20,15,10,SZX\n\
         BKP0002,O-1,650,20,15,10,SZX\n\
         BKP0003,O-2,heavy,20,15,10,SZX\n",
    )
    .expect("write the CSV");
    click(&c, "nav a[href='/web/parcels']").await;
    c.find(Locator::Css("#file"))
        .await
        .expect("file field")
        .send_keys(&csv.to_string_lossy())
        .await
        .expect("choose the file");
    click(&c, "#upload").await;
    assert_eq!(text(&c, "#registered").await, "2");
    assert_eq!(text(&c, "#refused").await, "1");
    let row = text(&c, "tr.row-error").await;
    assert!(
        row.contains("BKP0003") && row.contains("这一行无法读取"),
        "{row}"
    );
    screenshot(&c, "parcels-desktop").await;
    let _ = std::fs::remove_file(&csv);

    // Plan and book: the plan of the two new parcels, booked as it stands.
    click(&c, "nav a[href='/web/book']").await;
    click(&c, "#show-plan").await;
    assert_eq!(text(&c, "#plan-bags").await, "1");
    assert!(body(&c).await.contains("已是最优"));
    screenshot(&c, "book-desktop").await;
    click(&c, "#book").await;
    assert!(text(&c, "#done").await.contains("已预约揽收"));
    let page = body(&c).await;
    assert!(
        page.contains(planned[0]) && page.contains(planned[1]),
        "{page}"
    );

    // The handover list, then one handover with its bags.
    click(&c, "nav a[href='/web/handovers']").await;
    let page = body(&c).await;
    assert!(
        page.contains(&id(&kept)) && page.contains("已预约"),
        "{page}"
    );
    screenshot(&c, "handovers-desktop").await;
    c.goto(&format!("{base}/web/handovers/{}", id(&kept)))
        .await
        .expect("detail");
    let page = body(&c).await;
    assert!(
        page.contains(&bag(&kept)) && page.contains(&parcels[0]),
        "{page}"
    );
    screenshot(&c, "handover-desktop").await;

    // Its label downloads, with this session, as a PDF.
    let href = c
        .find(Locator::Css("#labels-pdf"))
        .await
        .expect("label link")
        .attr("href")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let cookie = session_cookie(&c).await;
    let label = app
        .client
        .get(format!("{base}{href}"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("label");
    assert_eq!(
        label
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    assert!(label.bytes().await.unwrap_or_default().starts_with(b"%PDF"));

    // Cancel asks first; confirming cancels.
    click(&c, "#cancel").await;
    assert!(body(&c).await.contains("确定取消这张交接单吗"));
    click(&c, "#confirm-cancel").await;
    assert!(text(&c, "#done").await.contains("交接单已取消"));
    assert!(text(&c, "#status").await.contains("已取消"));

    // The courier picks up while the seller looks at the confirmation: refused, with
    // the reason, on the handover's page.
    c.goto(&format!("{base}/web/handovers/{}/cancel", id(&raced)))
        .await
        .expect("confirm page");
    app.pick_up(&courier, &bag(&raced), &app.now(), 500).await;
    click(&c, "#confirm-cancel").await;
    assert!(
        text(&c, "#error")
            .await
            .contains("快递员已揽收，不能再取消")
    );
    assert!(text(&c, "#status").await.contains("已揽收"));

    // A failed pickup is rescheduled.
    app.scan(
        &courier,
        json!({"event_id": format!("fail-{}", bag(&failed)), "type": "pickup_failed",
               "bag_id": bag(&failed), "occurred_at": app.now(), "reason": "seller_absent"}),
    )
    .await;
    c.goto(&format!("{base}/web/handovers/{}", id(&failed)))
        .await
        .expect("failed handover");
    assert!(body(&c).await.contains("卖家不在"));
    let tomorrow = (app.clock.today() + chrono::Days::new(1)).to_string();
    c.execute(
        "document.getElementById('pickup_date').value = arguments[0]",
        vec![json!(tomorrow)],
    )
    .await
    .expect("set the date");
    click(&c, "#reschedule").await;
    assert!(text(&c, "#done").await.contains("揽收日期已更改"));
    assert_eq!(
        app.handover(&seller, &id(&failed)).await["pickup_date"],
        tomorrow
    );

    // Tracking: the first scan is backdated to the bag's pickup.
    app.receive(&center, &bag(&raced), &app.now(), &[parcels[1].as_str()])
        .await;
    c.goto(&format!("{base}/web/tracking"))
        .await
        .expect("tracking");
    c.find(Locator::Css("#number"))
        .await
        .expect("number field")
        .send_keys(&parcels[1])
        .await
        .expect("type");
    click(&c, "#look-up").await;
    assert!(text(&c, "#basis").await.contains("按集包袋揽收时间回溯"));
    assert!(text(&c, "#first-scan").await.contains("2026-11-26 10:00"));
    screenshot(&c, "tracking-desktop").await;

    // The same pages at 375 px: nothing wider than the phone.
    c.set_window_size(375, 812).await.expect("phone size");
    for (path, name) in [
        ("/web/overview", "overview-phone"),
        ("/web/parcels", "parcels-phone"),
        ("/web/book?center=SZX", "book-phone"),
        ("/web/handovers", "handovers-phone"),
        (
            &format!("/web/handovers/{}", id(&raced)) as &str,
            "handover-phone",
        ),
        ("/web/tracking", "tracking-phone"),
    ] {
        c.goto(&format!("{base}{path}")).await.expect("page");
        assert!(fits(&c).await, "{path} is wider than 375 px");
        screenshot(&c, name).await;
    }
    c.set_window_size(1280, 900).await.expect("desktop size");

    // A form on another site posting to ours changes nothing.
    let other = app
        .book(&seller, &app.register_many(&seller, "XSR", 1, 300).await)
        .await;
    let evil = format!(
        "data:text/html,<form method=post action='{base}/web/handovers/{}/cancel'>\
         <input name=csrf value=x><button id=go>go</button></form>",
        id(&other)
    );
    c.goto(&evil).await.expect("other site");
    click(&c, "#go").await;
    assert_eq!(app.handover(&seller, &id(&other)).await["status"], "booked");

    // Sign out; the old cookie no longer opens a page.
    c.goto(&format!("{base}/web/overview"))
        .await
        .expect("overview");
    click(&c, "#sign-out").await;
    assert!(body(&c).await.contains("API 密钥"));
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{base}/web/overview"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("old cookie");
    assert_eq!(resp.status(), reqwest::StatusCode::SEE_OTHER);
    let _ = c.close().await;
}

both!(a_seller_works_through_the_seller_center_in_chromium);
