//! The seller center (docs/rules.md, rule 18): server-rendered pages for sellers who
//! run no ERP, in Chinese by default with an English switch, times in China time.
//!
//! - `session.rs`: sign-in with a seller or ISV key into a hashed, expiring session;
//!   sign-out; the ISV's seller picker; the language switch; the CSRF and `Origin`
//!   checks every state-changing form goes through.
//! - `overview.rs`, `parcels.rs`, `book.rs`, `handovers.rs`, `bags.rs`, `claims.rs`,
//!   `performance.rs`, `tracking.rs`: the pages, one file a page group.
//! - `documents.rs`: labels and handover lists downloaded from a handover's page.
//! - `flash.rs`: one-time values carried across a redirect; `paging.rs`: the lists'
//!   pages and next-page links.
//!
//! Pages call only the use cases in [`crate::service`]: no SQL and no rule here. Every
//! form posts, then redirects (post/redirect/get), so a reload never posts again; a
//! refusal comes back as `?error=<code>` on the page the form belongs to, shown in
//! words through the one translation table (`i18n.rs`). Templates (minijinja) and the
//! style sheet are compiled into the binary: no CDN, no script.

mod bags;
mod book;
mod claims;
mod documents;
mod flash;
mod handovers;
pub mod i18n;
mod overview;
mod paging;
mod parcels;
mod performance;
mod session;
mod tracking;

use crate::app::AppState;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::cookie::CookieJar;
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
        .merge(bags::router())
        .merge(claims::router())
        .merge(performance::router())
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
            ("bag.html", include_str!("templates/bag.html")),
            ("claims.html", include_str!("templates/claims.html")),
            (
                "performance.html",
                include_str!("templates/performance.html"),
            ),
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
    notice_in(lang, &[prefix], code)
}

/// Like [`notice`], trying each prefix in turn: a page can word a code its own way
/// (`be.already_picked_up` on the bag page) and fall back to the common words.
pub(crate) fn notice_in(lang: Lang, prefixes: &[&str], code: Option<&str>) -> Option<String> {
    let code = url_code(code?);
    let found = prefixes.iter().find_map(|prefix| {
        let key = format!("{prefix}.{code}");
        let words = translate(lang, &key);
        (words != key).then_some(words)
    });
    Some(found.unwrap_or_else(|| translate(lang, "code.error")))
}

/// A refused form post: back to `path` with the refusal's code, and its detail (which
/// bag, which parcel) carried once to that page, which shows it under the words.
pub(crate) fn refused(
    state: &AppState,
    jar: CookieJar,
    path: &str,
    e: &crate::service::ServiceError,
) -> Response {
    let secure = state.settings.web.web_secure_cookies;
    let jar = match flash::refusal_detail(e) {
        Some(detail) => flash::put(jar, flash::DETAIL, &detail, secure).unwrap_or_else(|j| j),
        None => jar,
    };
    (jar, with_error(path, e.code())).into_response()
}

/// The detail a refused post left for this page (see [`refused`]), and the jar
/// without it.
pub(crate) fn take_detail(jar: CookieJar) -> (Option<String>, CookieJar) {
    flash::take(jar, flash::DETAIL)
}

/// The tracking numbers typed in a box: one a line, or separated by commas (also
/// the Chinese ones), semicolons or spaces.
pub(crate) fn tracking_numbers(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '，' | '、' | '；'))
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_of_tracking_numbers_splits_on_lines_commas_and_spaces() {
        let text = "SF001\r\nSF002, SF003，SF004 、SF005;;\n\n";
        assert_eq!(
            tracking_numbers(text),
            ["SF001", "SF002", "SF003", "SF004", "SF005"]
        );
        assert!(tracking_numbers(" \n ").is_empty());
    }

    #[test]
    fn a_page_can_word_a_code_its_own_way_and_fall_back() {
        let own = notice_in(Lang::En, &["be", "code"], Some("already_picked_up"));
        assert_eq!(
            own.as_deref(),
            Some("The courier has picked it up: the bag can no longer be edited.")
        );
        let common = notice_in(Lang::En, &["be", "code"], Some("bag_too_heavy"));
        assert_eq!(common, Some(translate(Lang::En, "code.bag_too_heavy")));
        let unknown = notice_in(Lang::En, &["be", "code"], Some("<script>"));
        assert_eq!(unknown, Some(translate(Lang::En, "code.error")));
    }
}
