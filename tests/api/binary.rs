//! The `firstmile` binary as an operator runs it: migrations and seed data on first
//! start, an operator token printed once when none is configured, and a clean exit on
//! SIGTERM.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start(db: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_firstmile"))
        .env(
            "FIRSTMILE_DATABASE_URL",
            format!("sqlite://{}?mode=rwc", db.display()),
        )
        .env("FIRSTMILE_LISTEN", format!("127.0.0.1:{port}"))
        .env_remove("FIRSTMILE_OPERATOR_TOKEN")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start firstmile")
}

async fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let ready = reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("firstmile did not become ready");
}

/// Sends SIGTERM and waits for a clean exit; returns what the server printed.
fn terminate(mut child: Child) -> String {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(
                status.success(),
                "firstmile exits cleanly on SIGTERM: {status}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "firstmile did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.read_to_string(&mut out);
    }
    out
}

#[tokio::test]
async fn the_server_prints_an_operator_token_once_and_stops_on_sigterm() {
    let db = std::env::temp_dir().join(format!("firstmile_bin_{}.db", std::process::id()));
    let port = free_port();
    let first = start(&db, port);
    wait_ready(port).await;
    let printed = terminate(first);
    let token = printed
        .split_whitespace()
        .find(|w| w.starts_with("fm_live_"))
        .expect("an operator token printed on first start")
        .to_owned();
    let port = free_port();
    let second = start(&db, port);
    wait_ready(port).await;
    // The printed token works; the regions were seeded on the first start.
    let resp = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/v1/sorting-centers"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert!(resp.status().is_success());
    let centers: serde_json::Value = resp.json().await.expect("json");
    assert!(
        centers
            .as_array()
            .is_some_and(|c| c.iter().any(|s| s["code"] == "SZX"))
    );
    let printed = terminate(second);
    assert!(
        !printed.contains("fm_live_"),
        "the token is printed only once: {printed}"
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

/// `firstmile archive` on a database: prints what it moved as one JSON line, and
/// refuses a window shorter than the performance reports reach.
#[test]
fn the_archive_command_reports_what_it_moved_and_refuses_a_short_window() {
    let db = std::env::temp_dir().join(format!("firstmile_archive_{}.db", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let run = |months: &str| {
        Command::new(env!("CARGO_BIN_EXE_firstmile"))
            .args(["archive", "--keep-months", months, "--database-url", &url])
            .env("RUST_LOG", "warn")
            .output()
            .expect("run firstmile archive")
    };
    let out = run("14");
    assert!(out.status.success(), "{out:?}");
    let line: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("one JSON line on stdout");
    assert_eq!(line["handovers"], 0, "{line}");
    assert_eq!(line["transactions"], 1, "{line}");
    assert!(
        line["archived_before"]
            .as_str()
            .is_some_and(|d| d.len() == 10),
        "{line}"
    );
    let out = run("3");
    assert!(!out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("keep at least 14 months"), "{err}");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
