//! Booking a pickup: choose the sorting center and date, see the consolidation plan
//! of the seller's registered, unbagged parcels (bags, parcels per bag, weight,
//! envelope, the proven bound and whether the plan is optimal), and book it; or
//! declare the bags by hand, one box of tracking numbers and three sides a bag. The
//! plan and the booking, with every check of a declared bag (limits, parcels already
//! bagged, ...), are the use cases' (`service::plans`, `service::handovers`).
//!
//! A refused declaration comes back to this page with its reason, its detail (which
//! bag, which parcel) and the bags as the seller typed them, carried once in a cookie
//! (`flash.rs`), so a reload never posts again and nothing typed is lost.

use super::{Signed, flash, notice, refused, render, take_detail, tracking_numbers, with_error};
use crate::app::AppState;
use crate::service::coverage::list_sorting_centers;
use crate::service::handovers::{Booking, book_handover};
use crate::service::plans::plan_parcels;
use crate::store::{HandoverView, NewBag};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/web/book", get(book_page).post(book))
        .route("/web/book/declare", post(declare))
}

const DRAFT: &str = "fm_declare";
/// Empty bags offered below the ones filled in.
const EMPTY_SLOTS: usize = 2;
/// The most bags one declaration form takes.
const MAX_SLOTS: usize = 40;
/// The sides a new bag starts with, in cm.
const DEFAULT_SIDES: [f64; 3] = [60.0, 50.0, 40.0];

/// A bag as the seller typed it: the tracking numbers' box and the three sides.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct DraftBag {
    parcels: String,
    sides: [String; 3],
}

impl DraftBag {
    fn of(parcels: &[String], sides: [f64; 3]) -> Self {
        DraftBag {
            parcels: parcels.join("\n"),
            sides: sides.map(|s| s.to_string()),
        }
    }

    /// The bag to book. A side that is not a number is given as NaN, which the
    /// limits refuse (`bag_invalid_size`) in their place among the checks.
    fn to_bag(&self) -> NewBag {
        NewBag {
            parcels: tracking_numbers(&self.parcels),
            sides_cm: [0, 1, 2].map(|i| self.sides[i].trim().parse().unwrap_or(f64::NAN)),
        }
    }
}

#[derive(Debug, Deserialize)]
struct BookQuery {
    center: Option<String>,
    date: Option<String>,
    error: Option<String>,
}

async fn book_page(
    State(state): State<AppState>,
    signed: Signed,
    jar: CookieJar,
    Query(q): Query<BookQuery>,
) -> Response {
    let (draft, jar) = flash::take::<Vec<DraftBag>>(jar, DRAFT);
    let (detail, jar) = take_detail(jar);
    let lang = signed.lang;
    let ctx = state.ctx();
    let centers: Vec<Value> = list_sorting_centers(ctx)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.accepts_consolidation)
        .map(|c| {
            json!({"code": c.code, "name": c.name_en,
                        "selected": q.center.as_deref() == Some(c.code.as_str())})
        })
        .collect();
    let date = q
        .date
        .clone()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| ctx.clock.today().to_string());
    let mut error = notice(lang, "code", q.error.as_deref());
    let mut planned: Vec<DraftBag> = Vec::new();
    let center = q.center.as_deref().filter(|c| !c.is_empty());
    let plan = match center {
        None => Value::Null,
        Some(center) => match plan_parcels(ctx, &signed.principal, &signed.seller_id, None).await {
            Ok(plan) => {
                let ours: Vec<_> = plan
                    .bags
                    .iter()
                    .filter(|b| b.sorting_center == center)
                    .collect();
                planned = ours
                    .iter()
                    .map(|b| DraftBag::of(&b.parcels, b.envelope_cm))
                    .collect();
                let bags: Vec<Value> = ours
                    .iter()
                    .map(|b| json!({"count": b.parcels.len(), "parcels": b.parcels,
                                    "weight_g": b.weight_g,
                                    "envelope": format!("{} × {} × {}", b.envelope_cm[0], b.envelope_cm[1], b.envelope_cm[2])}))
                    .collect();
                json!({"bags": bags, "lower_bound": plan.lower_bound, "optimal": plan.optimal,
                       "unplaceable": plan.unplaceable.iter().map(|u| u.tracking_number.clone()).collect::<Vec<_>>()})
            }
            Err(e) => {
                error = error.or_else(|| notice(lang, "code", Some(e.code())));
                Value::Null
            }
        },
    };
    // The declaration starts from what the seller typed, else from the plan.
    let declared = center.map(|_| {
        let mut bags = draft.unwrap_or(planned);
        bags.extend((0..EMPTY_SLOTS).map(|_| DraftBag::of(&[], DEFAULT_SIDES)));
        bags.truncate(MAX_SLOTS);
        bags.iter()
            .enumerate()
            .map(|(i, b)| json!({"n": i + 1, "parcels": b.parcels, "sides": b.sides}))
            .collect::<Vec<_>>()
    });
    let page = render(
        lang,
        "book.html",
        json!({"signed_in": true, "csrf": signed.csrf, "page": "book", "centers": centers,
               "center": q.center, "date": date, "plan": plan, "error": error,
               "error_detail": detail, "declared": declared,
               "today": ctx.clock.today().to_string()}),
        StatusCode::OK,
    );
    (jar, page).into_response()
}

/// The declaration form: `csrf`, `center`, `date`, and for bag n `parcels_n`,
/// `length_n`, `width_n`, `height_n`. Bags left empty are not declared.
fn read_declaration(fields: &[(String, String)]) -> (String, String, String, Vec<DraftBag>) {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut bags = Vec::new();
    for n in 1..=MAX_SLOTS {
        let parcels = field(&format!("parcels_{n}"));
        if tracking_numbers(&parcels).is_empty() {
            continue;
        }
        let sides = ["length", "width", "height"].map(|side| field(&format!("{side}_{n}")));
        bags.push(DraftBag { parcels, sides });
    }
    (field("csrf"), field("center"), field("date"), bags)
}

async fn declare(
    State(state): State<AppState>,
    signed: Signed,
    jar: CookieJar,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let (csrf, center, date, bags) = read_declaration(&fields);
    if let Some(cross_site) = signed.check_form(&headers, &csrf) {
        return cross_site;
    }
    let booking = Booking {
        sorting_center: center.clone(),
        pickup_date: date.clone(),
        bags: Some(bags.iter().map(DraftBag::to_bag).collect()),
        auto_plan: false,
        tracking_numbers: None,
    };
    match book_handover(state.ctx(), &signed.principal, &signed.seller_id, booking).await {
        Ok(view) => to_booked(&view),
        Err(e) => {
            let secure = state.settings.web.web_secure_cookies;
            // Too much typed to carry: the page starts again from the plan.
            let jar = flash::put(jar, DRAFT, &bags, secure).unwrap_or_else(|jar| jar);
            refused(&state, jar, &book_url(&center, &date), &e)
        }
    }
}

/// To the new handover's page, saying it is booked.
fn to_booked(view: &HandoverView) -> Response {
    let id = &view.handover.handover_id;
    Redirect::to(&format!("/web/handovers/{id}?done=booked")).into_response()
}

/// The booking page of a sorting center and date.
fn book_url(center: &str, date: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("center", center)
        .append_pair("date", date)
        .finish();
    format!("/web/book?{query}")
}

#[derive(Debug, Deserialize)]
struct BookForm {
    #[serde(default)]
    csrf: String,
    center: String,
    date: String,
}

async fn book(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<BookForm>,
) -> Response {
    if let Some(refused) = signed.check_form(&headers, &form.csrf) {
        return refused;
    }
    let booking = Booking {
        sorting_center: form.center.clone(),
        pickup_date: form.date.clone(),
        bags: None,
        auto_plan: true,
        tracking_numbers: None,
    };
    match book_handover(state.ctx(), &signed.principal, &signed.seller_id, booking).await {
        Ok(view) => to_booked(&view),
        Err(e) => with_error(&book_url(&form.center, &form.date), e.code()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn empty_bags_are_not_declared_and_sides_are_kept_as_typed() {
        let form = fields(&[
            ("csrf", "t"),
            ("center", "SZX"),
            ("date", "2026-11-26"),
            ("parcels_1", " \n "),
            ("length_1", "60"),
            ("parcels_2", "A1\nA2"),
            ("length_2", "60"),
            ("width_2", "50.5"),
            ("height_2", "forty"),
        ]);
        let (csrf, center, date, bags) = read_declaration(&form);
        assert_eq!((csrf.as_str(), center.as_str()), ("t", "SZX"));
        assert_eq!(date, "2026-11-26");
        assert_eq!(bags.len(), 1);
        assert_eq!(bags[0].sides, ["60", "50.5", "forty"].map(String::from));
        let bag = bags[0].to_bag();
        assert_eq!(bag.parcels, ["A1", "A2"]);
        assert_eq!(&bag.sides_cm[..2], &[60.0, 50.5]);
        // Not a number: left to the limits, which refuse it as an invalid size.
        assert!(bag.sides_cm[2].is_nan());
    }
}
