//! One-time values carried across a post/redirect/get: what a form post has to tell
//! the page it redirects to beyond a refusal code (a CSV upload's refused rows, the
//! bags a seller declared and why the booking was refused, a refusal's detail).
//!
//! Key decision: a short-lived `HttpOnly`, `SameSite=Strict` cookie that the next page
//! reads once and removes, rather than a server-side store: nothing to clean up, and
//! only our server writes it (the page never shows text taken from the URL). A cookie
//! holds about 4 KB, so a value that does not fit is not carried ([`put`] says so and
//! the caller carries less).

use crate::service::ServiceError;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The longest encoded value carried (a browser keeps 4096 bytes a cookie, name and
/// attributes included).
const MAX_ENCODED: usize = 3_600;

/// The cookie of a refusal's detail (see [`refusal_detail`]).
pub const DETAIL: &str = "fm_detail";

/// Adds `value` to the jar under `name`; the jar unchanged, as `Err`, if the value is
/// too large to carry.
pub fn put<T: Serialize>(
    jar: CookieJar,
    name: &'static str,
    value: &T,
    secure: bool,
) -> Result<CookieJar, CookieJar> {
    let Ok(raw) = serde_json::to_vec(value) else {
        return Err(jar);
    };
    let encoded = URL_SAFE_NO_PAD.encode(raw);
    if encoded.len() > MAX_ENCODED {
        return Err(jar);
    }
    let cookie = Cookie::build((name, encoded))
        .path("/web")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .build();
    Ok(jar.add(cookie))
}

/// The value under `name`, if any, and the jar with it removed (it is shown once).
pub fn take<T: DeserializeOwned>(jar: CookieJar, name: &'static str) -> (Option<T>, CookieJar) {
    let value = jar
        .get(name)
        .and_then(|c| URL_SAFE_NO_PAD.decode(c.value()).ok())
        .and_then(|raw| serde_json::from_slice(&raw).ok());
    if jar.get(name).is_none() {
        return (value, jar);
    }
    let gone = Cookie::build((name, "")).path("/web").build();
    (value, jar.remove(gone))
}

/// The words of a refusal the use case explained (which bag, which parcel), as the
/// API's `detail` says them; never a failure of ours (those are logged, not shown).
pub fn refusal_detail(e: &ServiceError) -> Option<String> {
    match e {
        ServiceError::NotFound(..)
        | ServiceError::Conflict(..)
        | ServiceError::Rule(..)
        | ServiceError::Field { .. } => Some(e.to_string()),
        ServiceError::Forbidden(_) | ServiceError::Store(_) | ServiceError::Internal(_) => None,
    }
}
