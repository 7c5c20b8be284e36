//! The interactive API reference at `/docs` works with no internet: headless Chromium,
//! allowed to resolve nothing but localhost, renders it and lists every operation of
//! `/openapi.json`. Without Chromium the test is skipped, except under CI (`CI` set),
//! where it fails.

use crate::helpers::{Backend, TestApp};
use firstmile::config::{OpsArgs, RuleArgs};
use std::process::Command;

fn chromium() -> Option<&'static str> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docs_page_lists_every_operation_offline() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs chromium for the /docs test"
        );
        eprintln!("skipped: no chromium");
        return;
    };
    let app = TestApp::spawn_with(Backend::Sqlite, RuleArgs::default(), OpsArgs::default())
        .await
        .expect("a server");
    let (_, doc) = app
        .send(reqwest::Method::GET, "/openapi.json", None, None)
        .await;
    let profile = std::env::temp_dir().join(format!("firstmile-chromium-{}", std::process::id()));
    let url = app.url("/docs/");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(browser)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                // Nothing but the loopback resolves: the page must need no internet.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--virtual-time-budget=15000",
                &format!("--user-data-dir={}", profile.display()),
                "--dump-dom",
                &url,
            ])
            .output()
    })
    .await
    .expect("join")
    .expect("run chromium");
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(dom.contains("swagger-ui"), "the page rendered: {dom:.500}");
    let paths = doc["paths"].as_object().expect("paths");
    let mut missing = Vec::new();
    let mut count = 0;
    for (path, item) in paths {
        for method in item.as_object().expect("path item").keys() {
            count += 1;
            // Swagger UI renders each operation as an `opblock` with its method and path.
            let block = format!("opblock-{method}");
            let shown = dom.contains(&format!("data-path=\"{path}\"")) && dom.contains(&block);
            if !shown {
                missing.push(format!("{method} {path}"));
            }
        }
    }
    assert!(count > 30, "{count} operations");
    assert!(
        missing.is_empty(),
        "operations missing from /docs: {missing:?}"
    );
    let _ = std::fs::remove_dir_all(
        std::env::temp_dir().join(format!("firstmile-chromium-{}", std::process::id())),
    );
}
