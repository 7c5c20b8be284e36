//! The parcels page: the list with status and sorting-center filters and paging,
//! registration by CSV upload with each refused row's reason shown beside it, and
//! cancelling a parcel whose order was cancelled. The upload posts, then redirects:
//! its per-row results ride in a short-lived `HttpOnly` cookie read once by the next
//! page (post/redirect/get without a server-side store).

use super::i18n::translate;
use super::session::CsrfForm;
use super::{Signed, flash, notice, paging, render, with_error};
use crate::app::AppState;
use crate::domain::ParcelStatus;
use crate::domain::time::format_china;
use crate::service::parcels::{ParcelFilter, cancel_parcel, list_parcels, register_parcel_rows};
use crate::store::{NewParcel, ParcelOutcome};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/web/parcels", get(list_page))
        .route("/web/parcels/upload", post(upload))
        .route("/web/parcels/{tracking_number}/cancel", post(cancel))
}

const UPLOAD: &str = "fm_upload";
/// Refused rows carried to the next page (a cookie holds about 4 KB).
const MAX_SHOWN: usize = 20;

/// What an upload did: how many rows were registered, and the refused rows.
#[derive(Debug, Default, Serialize, Deserialize)]
struct UploadResult {
    registered: usize,
    refused: usize,
    rows: Vec<RefusedRow>,
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    status: Option<String>,
    center: Option<String>,
    cursor: Option<String>,
    error: Option<String>,
    done: Option<String>,
}

async fn list_page(
    State(state): State<AppState>,
    signed: Signed,
    jar: CookieJar,
    Query(q): Query<ListQuery>,
) -> Response {
    let lang = signed.lang;
    let filter = ParcelFilter {
        status: q.status.clone(),
        sorting_center: q.center.clone(),
        limit: Some(50),
        cursor: paging::cursor(q.cursor.as_deref()),
        ..ParcelFilter::default()
    };
    let page = list_parcels(state.ctx(), &signed.principal, &signed.seller_id, &filter).await;
    let list = paging::listing(
        lang,
        page.map(|p| (p.items, p.next_cursor)),
        "/web/parcels",
        &[
            ("status", q.status.as_deref()),
            ("center", q.center.as_deref()),
        ],
    );
    let parcels: Vec<Value> = list
        .items
        .iter()
        .map(|p| {
            json!({"number": p.tracking_number, "order": p.order_id, "weight_g": p.weight_g,
                   "center": p.sorting_center, "bag": p.bag_id,
                   "status": translate(lang, &format!("status.{}", p.status)),
                   "cancellable": p.status == ParcelStatus::Registered,
                   "registered_at": format_china(p.created_at_ms)})
        })
        .collect();
    let (upload, jar) = flash::take::<UploadResult>(jar, UPLOAD);
    let upload = upload.map(|u| {
        json!({"registered": u.registered, "refused": u.refused,
               "rows": u.rows.iter().map(|(row, number, code)| json!({
                   "row": row, "number": number,
                   "why": notice(lang, "code", Some(code)),
               })).collect::<Vec<_>>()})
    });
    let page = render(
        lang,
        "parcels.html",
        json!({"signed_in": true, "csrf": signed.csrf, "page": "parcels",
               "parcels": parcels, "next_url": list.next_url, "upload": upload,
               "status": q.status, "center": q.center,
               "error": list.error.or_else(|| notice(lang, "code", q.error.as_deref())),
               "done": notice(lang, "msg", q.done.as_deref())}),
        StatusCode::OK,
    );
    // The upload's results are shown once.
    (jar, page).into_response()
}

#[derive(Debug, Deserialize)]
struct Row {
    tracking_number: String,
    order_id: String,
    weight_g: i64,
    length_cm: f64,
    width_cm: f64,
    height_cm: f64,
    sorting_center: String,
}

/// A refused row: its number (from 1 after the header), tracking number, code.
type RefusedRow = (usize, String, String);

/// Reads the CSV: numbered parsed rows, and the rows that do not parse.
fn read_csv(bytes: &[u8]) -> (Vec<(usize, NewParcel)>, Vec<RefusedRow>) {
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(bytes);
    for (i, record) in reader.records().enumerate() {
        let n = i + 1;
        let record = match record {
            Ok(r) => r,
            Err(_) => {
                bad.push((n, String::new(), "invalid_row".to_owned()));
                continue;
            }
        };
        let first = record.get(0).unwrap_or("").to_owned();
        let headers = csv::StringRecord::from(vec![
            "tracking_number",
            "order_id",
            "weight_g",
            "length_cm",
            "width_cm",
            "height_cm",
            "sorting_center",
        ]);
        match record.deserialize::<Row>(Some(&headers)) {
            Ok(r) => rows.push((
                n,
                NewParcel {
                    tracking_number: r.tracking_number,
                    order_id: r.order_id,
                    weight_g: r.weight_g,
                    length_cm: r.length_cm,
                    width_cm: r.width_cm,
                    height_cm: r.height_cm,
                    sorting_center: r.sorting_center,
                    rts_at_ms: None,
                },
            )),
            Err(_) => bad.push((n, first, "invalid_row".to_owned())),
        }
    }
    (rows, bad)
}

async fn upload(
    State(state): State<AppState>,
    signed: Signed,
    jar: CookieJar,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let mut csrf = String::new();
    let mut file = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => file = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
            _ => {}
        }
    }
    if let Some(refused) = signed.check_form(&headers, &csrf) {
        return refused;
    }
    let (rows, mut bad) = read_csv(&file);
    if rows.is_empty() && bad.is_empty() {
        return with_error("/web/parcels", "empty_upload");
    }
    let (numbers, parcels): (Vec<usize>, Vec<NewParcel>) = rows.into_iter().unzip();
    let outcomes = if parcels.is_empty() {
        Vec::new()
    } else {
        match register_parcel_rows(state.ctx(), &signed.principal, &signed.seller_id, parcels).await
        {
            Ok(o) => o,
            Err(e) => return with_error("/web/parcels", e.code()),
        }
    };
    let mut result = UploadResult::default();
    for (n, item) in numbers.into_iter().zip(outcomes) {
        match item.outcome {
            ParcelOutcome::Registered => result.registered += 1,
            ParcelOutcome::Rejected { code, .. } => {
                bad.push((n, item.tracking_number, code.to_owned()));
            }
        }
    }
    bad.sort();
    result.refused = bad.len();
    bad.truncate(MAX_SHOWN);
    result.rows = bad;
    let jar = flash::put(jar, UPLOAD, &result, state.settings.web.web_secure_cookies)
        .unwrap_or_else(|jar| jar);
    (jar, Redirect::to("/web/parcels")).into_response()
}

async fn cancel(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(tracking_number): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = signed.check_form(&headers, &form.csrf) {
        return refused;
    }
    match cancel_parcel(
        state.ctx(),
        &signed.principal,
        &signed.seller_id,
        &tracking_number,
    )
    .await
    {
        Ok(_) => Redirect::to("/web/parcels?done=parcel_cancelled").into_response(),
        Err(e) => with_error("/web/parcels", e.code()),
    }
}
