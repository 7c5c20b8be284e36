//! A webhook receiver for tests: an axum server on port 0 that verifies each
//! delivery's signature with its own code, written from the Standard Webhooks
//! specification (not with firstmile's signer), and records what it got.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Verifies a `webhook-signature` header: any `v1,` signature that is the HMAC-SHA256
/// of `{id}.{timestamp}.{body}` under the base64-decoded secret (after `whsec_`).
pub fn verify(secret: &str, id: &str, timestamp: &str, body: &[u8], header: &str) -> bool {
    let Ok(key) = STANDARD.decode(secret.strip_prefix("whsec_").unwrap_or(secret)) else {
        return false;
    };
    header
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .filter_map(|s| STANDARD.decode(s).ok())
        .any(|sig| {
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else {
                return false;
            };
            mac.update(format!("{id}.{timestamp}.").as_bytes());
            mac.update(body);
            mac.verify_slice(&sig).is_ok()
        })
}

#[derive(Clone, Debug)]
pub struct Delivery {
    pub id: String,
    pub body: Value,
    pub verified: bool,
}

#[derive(Clone, Default)]
struct Shared {
    got: Arc<Mutex<Vec<Delivery>>>,
    secret: Arc<Mutex<String>>,
    fail_next: Arc<AtomicUsize>,
    hang_next: Arc<AtomicBool>,
}

pub struct Receiver {
    pub url: String,
    shared: Shared,
    _server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let shared = Shared::default();
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url,
            shared,
            _server: server,
        }
    }

    pub fn set_secret(&self, secret: &str) {
        *self.shared.secret.lock().unwrap() = secret.to_owned();
    }

    /// The next `n` deliveries are answered 500.
    pub fn fail_next(&self, n: usize) {
        self.shared.fail_next.store(n, Ordering::SeqCst);
    }

    /// The next delivery gets no answer (the connection hangs).
    pub fn hang_next(&self) {
        self.shared.hang_next.store(true, Ordering::SeqCst);
    }

    pub fn got(&self) -> Vec<Delivery> {
        self.shared.got.lock().unwrap().clone()
    }

    /// Waits (real time, up to `secs`) until at least `n` deliveries arrived.
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Delivery> {
        for _ in 0..secs * 20 {
            if self.got().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.got()
    }
}

async fn receive(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let h = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let id = h("webhook-id");
    let secret = s.secret.lock().unwrap().clone();
    let verified = verify(
        &secret,
        &id,
        &h("webhook-timestamp"),
        &body,
        &h("webhook-signature"),
    );
    s.got.lock().unwrap().push(Delivery {
        id,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        verified,
    });
    if s.hang_next.swap(false, Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    let failing = s
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

/// The example of the Standard Webhooks README, checked with this receiver's code.
#[test]
fn verifies_the_specification_example() {
    let (secret, id, ts) = (
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "1614265330",
    );
    let body = br#"{"test": 2432232314}"#;
    let good = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    assert!(verify(secret, id, ts, body, good));
    assert!(verify(secret, id, ts, body, &format!("v1,bm9wZQ== {good}")));
    assert!(!verify(secret, id, "1614265331", body, good));
    assert!(!verify(secret, id, ts, br#"{"test": 2432232315}"#, good));
}
