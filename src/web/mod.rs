//! The seller center (docs/rules.md, rule 18): server-rendered pages for sellers who
//! run no ERP, in Chinese by default with an English switch, times in China time.
//!
//! - `session.rs`: sign-in with a seller or ISV key into a hashed, expiring session;
//!   sign-out; the ISV's seller picker; the language switch; the CSRF and `Origin`
//!   checks every state-changing form goes through.
//! - `overview.rs`, `parcels.rs`, `book.rs`, `handovers.rs`, `tracking.rs`: the pages, one file a
//!   page group.
//! - `documents.rs`: labels and handover lists downloaded from a handover's page.
//!
//! Pages call only the use cases in [`crate::service`]: no SQL and no rule here. Every
//! form posts, then redirects (post/redirect/get), so a reload never posts again; a
//! refusal comes back as `?error=<code>` on the page the form belongs to, shown in
//! words through the one translation table (`i18n.rs`). Templates (minijinja) and the
//! style sheet are compiled into the binary: no CDN, no script.

mod book;
mod documents;
mod handovers;
pub mod i18n;
mod overview;
mod parcels;
mod session;
mod tracking;

use crate::app::AppState;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use i18n::{Lang, translate};
use minijinja::Environment;
use serde_json::Value;
use std::sync::OnceLock;

pub use session::Signed;

/// Every seller-center route.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/web/static/site.css", get(stylesheet))
        .merge(session::router(state))
        .merge(overview::router())
        .merge(book::router())
        .merge(parcels::router())
        .merge(handovers::router())
        .merge(tracking::router())
        .merge(documents::router())
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("static/site.css"),
    )
        .into_response()
}

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("base.html", include_str!("templates/base.html")),
            ("login.html", include_str!("templates/login.html")),
            ("pick.html", include_str!("templates/pick.html")),
            ("overview.html", include_str!("templates/overview.html")),
            ("handovers.html", include_str!("templates/handovers.html")),
            ("handover.html", include_str!("templates/handover.html")),
            (
                "confirm_cancel.html",
                include_str!("templates/confirm_cancel.html"),
            ),
            ("tracking.html", include_str!("templates/tracking.html")),
            ("book.html", include_str!("templates/book.html")),
            ("parcels.html", include_str!("templates/parcels.html")),
            ("message.html", include_str!("templates/message.html")),
        ] {
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(error = %e, template = name, "seller center: bad template");
            }
        }
        // `t("key")`: the words for a key in the page's language (`lang` in the context).
        env.add_function("t", |state: &minijinja::State, key: &str| {
            let lang = state.lookup("lang");
            let lang = Lang::from_cookie(
                lang.as_ref()
                    .and_then(|v| v.as_str())
                    .map(|l| if l == "en" { "en" } else { "zh" }),
            );
            translate(lang, key)
        });
        env
    })
}

/// Renders a page; `context` gets `lang` and `html_lang` added.
pub(crate) fn render(lang: Lang, name: &str, mut context: Value, status: StatusCode) -> Response {
    if let Value::Object(map) = &mut context {
        map.insert(
            "lang".into(),
            Value::from(if lang == Lang::En { "en" } else { "zh" }),
        );
        map.insert("html_lang".into(), Value::from(lang.code()));
    }
    let rendered = environment()
        .get_template(name)
        .and_then(|t| t.render(&context));
    match rendered {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, template = name, "seller center: render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html(translate(lang, "code.error")),
            )
                .into_response()
        }
    }
}

/// Back to sign-in.
pub(crate) fn to_sign_in() -> Response {
    Redirect::to("/web").into_response()
}

/// A redirect to `path` carrying a refusal code for that page to show.
pub(crate) fn with_error(path: &str, code: &str) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{sep}error={}", url_code(code))).into_response()
}

/// Codes are snake_case; anything else is shown as the generic error.
fn url_code(code: &str) -> &str {
    if !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        code
    } else {
        "error"
    }
}

/// The words a page shows for `?error=` or `?done=` (only known codes).
pub(crate) fn notice(lang: Lang, prefix: &str, code: Option<&str>) -> Option<String> {
    let code = url_code(code?);
    let words = translate(lang, &format!("{prefix}.{code}"));
    Some(if words.starts_with(prefix) {
        translate(lang, "code.error")
    } else {
        words
    })
}
