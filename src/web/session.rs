//! Signing in and out, the ISV's seller picker, the language switch, and the checks
//! of every state-changing form.
//!
//! The session cookie `fm_session` holds a random id (the store keeps only its hash),
//! `HttpOnly`, `SameSite=Strict`, `Path=/web`, and `Secure` when configured for https.
//! A form post must come from our own origin (`Origin`, else `Referer`, naming the
//! `Host` the request was sent to) and carry the session's CSRF token. Sign-in
//! attempts are limited per client address (governor; sign-in has no session yet).

use super::i18n::Lang;
use super::{render, to_sign_in, with_error};
use crate::app::AppState;
use crate::domain::{Principal, Role};
use crate::service::web_sessions::{
    current_session, pick_seller, sellers_to_pick, sign_in, sign_out,
};
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

const SESSION: &str = "fm_session";
const LANG: &str = "fm_lang";

type Limiter = Arc<DefaultKeyedRateLimiter<IpAddr>>;

pub fn router(state: &AppState) -> Router<AppState> {
    let per_minute =
        NonZeroU32::new(state.settings.web.web_login_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    let limiter: Limiter = Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute)));
    Router::new()
        .route("/web", get(home))
        .route("/web/login", post(login).layer(Extension(limiter)))
        .route("/web/logout", post(logout))
        .route("/web/pick", get(pick_page).post(pick))
        .route("/web/lang/{lang}", get(switch_lang))
}

/// The page language, from its cookie (Chinese unless English was chosen).
pub fn lang_of(jar: &CookieJar) -> Lang {
    Lang::from_cookie(jar.get(LANG).map(Cookie::value))
}

/// A live session, whether or not it has a seller yet.
pub struct Session {
    pub session_id: String,
    pub principal: Principal,
    pub seller_id: Option<String>,
    pub csrf: String,
    pub lang: Lang,
}

async fn load_session(state: &AppState, jar: &CookieJar) -> Option<Session> {
    let id = jar.get(SESSION)?.value().to_owned();
    match current_session(state.ctx(), &id).await {
        Ok(Some(s)) => Some(Session {
            session_id: id,
            principal: s.principal,
            seller_id: s.seller_id,
            csrf: s.csrf_token,
            lang: lang_of(jar),
        }),
        Ok(None) => None,
        Err(e) => {
            tracing::error!(error = %e, "seller center: read session");
            None
        }
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        load_session(state, &jar).await.ok_or_else(to_sign_in)
    }
}

/// A signed-in session acting for a seller: what every seller page needs.
pub struct Signed {
    pub principal: Principal,
    pub seller_id: String,
    pub csrf: String,
    pub lang: Lang,
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let s = Session::from_request_parts(parts, state).await?;
        match s.seller_id {
            Some(seller_id) => Ok(Signed {
                principal: s.principal,
                seller_id,
                csrf: s.csrf,
                lang: s.lang,
            }),
            None => Err(Redirect::to("/web/pick").into_response()),
        }
    }
}

/// Whether a form post comes from our own origin: its `Origin` (else `Referer`) names
/// the host the request was sent to. Browsers send `Origin` with every form post.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(rest) = source.and_then(|s| {
        s.strip_prefix("http://")
            .or_else(|| s.strip_prefix("https://"))
    }) else {
        return false;
    };
    rest.split('/').next() == Some(host)
}

/// The refusal page of a cross-site or token-less form post.
pub fn cross_site(lang: Lang) -> Response {
    render(
        lang,
        "message.html",
        json!({"error": super::i18n::translate(lang, "code.cross_site")}),
        StatusCode::FORBIDDEN,
    )
}

impl Signed {
    /// Checks a state-changing form: same origin and this session's CSRF token. The
    /// refusal page, if refused.
    pub fn check_form(&self, headers: &HeaderMap, csrf: &str) -> Option<Response> {
        if same_origin(headers) && !csrf.is_empty() && csrf == self.csrf {
            None
        } else {
            tracing::warn!("seller center: cross-site or token-less form refused");
            Some(cross_site(self.lang))
        }
    }
}

#[derive(Debug, Deserialize)]
struct NoticeQuery {
    error: Option<String>,
}

async fn home(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<NoticeQuery>,
) -> Response {
    if let Some(s) = load_session(&state, &jar).await {
        let to = if s.seller_id.is_some() {
            "/web/overview"
        } else {
            "/web/pick"
        };
        return Redirect::to(to).into_response();
    }
    let lang = lang_of(&jar);
    let error = super::notice(lang, "code", q.error.as_deref());
    render(lang, "login.html", json!({"error": error}), StatusCode::OK)
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    api_key: String,
}

async fn login(
    State(state): State<AppState>,
    Extension(limiter): Extension<Limiter>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = lang_of(&jar);
    if !same_origin(&headers) {
        return cross_site(lang);
    }
    let ip = peer.map_or(
        IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        |Extension(ConnectInfo(a))| a.ip(),
    );
    if limiter.check_key(&ip).is_err() {
        tracing::warn!("seller center: sign-in attempts limited");
        return with_error("/web", "too_many_attempts");
    }
    match sign_in(state.ctx(), &form.api_key).await {
        Ok(signed) => {
            let cookie = Cookie::build((SESSION, signed.session_id))
                .path("/web")
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(state.settings.web.web_secure_cookies)
                .build();
            let to = if signed.session.principal.role == Role::Isv {
                "/web/pick"
            } else {
                "/web/overview"
            };
            (jar.add(cookie), Redirect::to(to)).into_response()
        }
        Err(e) => with_error("/web", e.code()),
    }
}

/// A form whose only field is its CSRF token (sign-out, cancel buttons).
#[derive(Debug, Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    pub(super) csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    session: Session,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !same_origin(&headers) || form.csrf != session.csrf {
        return cross_site(session.lang);
    }
    if let Err(e) = sign_out(state.ctx(), &session.session_id).await {
        tracing::error!(error = %e, "seller center: sign out");
    }
    let gone = Cookie::build((SESSION, "")).path("/web").build();
    (jar.remove(gone), Redirect::to("/web")).into_response()
}

async fn pick_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let sellers = sellers_to_pick(state.ctx(), &session.principal)
        .await
        .unwrap_or_default();
    let sellers: Vec<_> = sellers
        .into_iter()
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect();
    let error = super::notice(session.lang, "code", q.error.as_deref());
    render(
        session.lang,
        "pick.html",
        json!({"sellers": sellers, "csrf": session.csrf, "error": error, "signed_in": true}),
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
struct PickForm {
    #[serde(default)]
    csrf: String,
    seller_id: String,
}

async fn pick(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<PickForm>,
) -> Response {
    if !same_origin(&headers) || form.csrf != session.csrf {
        return cross_site(session.lang);
    }
    match pick_seller(
        state.ctx(),
        &session.session_id,
        &session.principal,
        &form.seller_id,
    )
    .await
    {
        Ok(()) => Redirect::to("/web/overview").into_response(),
        Err(e) => with_error("/web/pick", e.code()),
    }
}

#[derive(Debug, Deserialize)]
struct BackQuery {
    back: Option<String>,
}

/// Switches the language and goes back to the page (only pages of ours).
async fn switch_lang(
    jar: CookieJar,
    axum::extract::Path(lang): axum::extract::Path<String>,
    Query(q): Query<BackQuery>,
) -> Response {
    let value = if lang == "en" { "en" } else { "zh" };
    let back = q
        .back
        .filter(|b| b.starts_with("/web") && !b.starts_with("//"))
        .unwrap_or_else(|| "/web".into());
    let cookie = Cookie::build((LANG, value))
        .path("/web")
        .same_site(SameSite::Lax)
        .permanent()
        .build();
    (jar.add(cookie), Redirect::to(&back)).into_response()
}
