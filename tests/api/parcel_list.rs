//! The seller's parcel list (docs/api.md, "Paging"): newest registration first, filtered
//! by status, sorting center and bag, paged by an opaque cursor, scoped to the seller.

use crate::both;
use crate::helpers::{OPERATOR, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

fn numbers(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|p| p["tracking_number"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn a_seller_pages_through_its_parcels_with_filters(app: TestApp) {
    let seller = app.seller().await;
    let other = app.seller().await;
    let early = app.register_many(&seller, "PLA", 3, 400).await;
    app.clock.set_ms(app.clock.now_ms() + 60_000);
    let late = app.register_many(&seller, "PLB", 4, 400).await;
    app.register_many(&other, "PLX", 2, 400).await;
    let path = format!("/v1/sellers/{}/parcels", seller.id);

    // Newest registration first, then by tracking number (descending) within a time;
    // three pages of three, none skipped or repeated.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..4 {
        let url = match &cursor {
            Some(c) => format!("{path}?limit=3&cursor={c}"),
            None => format!("{path}?limit=3"),
        };
        let (status, body) = app.get(&url, &seller.token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        seen.extend(numbers(&body));
        cursor = body["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    let mut expected: Vec<String> = late.iter().rev().cloned().collect();
    expected.extend(early.iter().rev().cloned());
    assert_eq!(seen, expected);

    // A parcel cancelled, another booked into a bag.
    let (status, body) = app
        .post(
            &format!("{path}/{}/cancel", early[0]),
            &seller.token,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let handover = app.book(&seller, &late[..2]).await;
    let bag = handover["bags"][0]["id"].as_str().unwrap_or("?").to_owned();

    let (_, body) = app
        .get(&format!("{path}?status=cancelled"), &seller.token)
        .await;
    assert_eq!(numbers(&body), vec![early[0].clone()]);
    assert_eq!(body["items"][0]["status"], "cancelled");
    let (_, body) = app
        .get(&format!("{path}?bag_id={bag}"), &seller.token)
        .await;
    assert_eq!(numbers(&body), vec![late[1].clone(), late[0].clone()]);
    let (_, body) = app
        .get(&format!("{path}?sorting_center=YIW"), &seller.token)
        .await;
    assert_eq!(numbers(&body), Vec::<String>::new());
    let (_, body) = app
        .get(
            &format!("{path}?sorting_center=SZX&status=registered&limit=500"),
            &seller.token,
        )
        .await;
    assert_eq!(numbers(&body).len(), 6);
    assert!(body["next_cursor"].is_null());

    // Refusals: a status that does not exist, a cursor we did not issue, a page too
    // big; another seller's list is hidden; the operator reads any seller's.
    for (query, code) in [
        ("status=lost", "validation_failed"),
        ("cursor=nonsense", "invalid_cursor"),
        ("limit=501", "validation_failed"),
    ] {
        let (status, body) = app.get(&format!("{path}?{query}"), &seller.token).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(body["code"], code, "{query}: {body}");
    }
    let (status, body) = app.get(&path, &other.token).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "seller_not_found");
    let (status, body) = app.get(&format!("{path}?limit=2"), OPERATOR).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(numbers(&body), vec![late[3].clone(), late[2].clone()]);
}

both!(a_seller_pages_through_its_parcels_with_filters);
