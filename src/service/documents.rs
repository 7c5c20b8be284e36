//! Gathering what a handover's printed documents show, for whoever may print them.
//!
//! One function, [`handover_document`], serves every document route (the API's
//! labels and handover list, and the seller-center pages): it decides who may see the
//! handover, refuses a cancelled one, and reads the handover as it stands now, so a bag
//! edited before pickup prints with its current parcels and weight.
//!
//! Who may print (docs/api.md, tenancy as for the handover itself):
//! - the operator, the seller, and an ISV the seller granted;
//! - a courier serving the handover's pickup city: the pickups on its route
//!   (`GET /v1/courier/pickups`) are the booked handovers of its cities;
//! - the destination sorting center.
//!
//! Anyone else gets the same 404 as for a handover that does not exist.

use crate::documents::{BagInfo, HandoverDocument, PlaceName, SellerInfo};
use crate::domain::{HandoverStatus, Principal, Role};
use crate::regions::Regions;
use crate::store::{HandoverView, SellerRecord, Store, StoreError, StoreResult};

fn handover_not_found(handover_id: &str) -> StoreError {
    StoreError::NotFound("handover_not_found", format!("no handover {handover_id}"))
}

/// The documents' content of a handover, if `caller` may print them; 404 otherwise,
/// and 409 `handover_cancelled` for a cancelled handover.
pub async fn handover_document(
    store: &Store,
    caller: &Principal,
    seller_id: &str,
    handover_id: &str,
) -> StoreResult<HandoverDocument> {
    let (seller, view) = match caller.role {
        Role::Operator | Role::Seller | Role::Isv => {
            let seller = store.authorize_seller(caller, seller_id).await?;
            (seller, store.get_handover(seller_id, handover_id).await?)
        }
        Role::Courier | Role::SortingCenter => {
            let view = match store.get_handover(seller_id, handover_id).await {
                Err(StoreError::NotFound(..)) => return Err(handover_not_found(handover_id)),
                other => other?,
            };
            let h = &view.handover;
            let allowed = if caller.role == Role::Courier {
                store
                    .list_courier_cities(&caller.id)
                    .await?
                    .contains(&h.address.city_code)
            } else {
                h.sorting_center == caller.id
            };
            if !allowed {
                return Err(handover_not_found(handover_id));
            }
            let seller = store
                .get_seller(seller_id)
                .await?
                .ok_or_else(|| handover_not_found(handover_id))?;
            (seller, view)
        }
    };
    if view.handover.status == HandoverStatus::Cancelled {
        return Err(StoreError::Conflict(
            "handover_cancelled",
            format!("handover {handover_id} was cancelled: it has no labels or handover list"),
        ));
    }
    let center = store
        .get_sorting_center(&view.handover.sorting_center)
        .await?;
    Ok(document_of(&seller, view, center))
}

/// Assembles the printed view from the records.
fn document_of(
    seller: &SellerRecord,
    view: HandoverView,
    center: Option<crate::store::SortingCenterRecord>,
) -> HandoverDocument {
    let regions = Regions::embedded();
    let h = view.handover;
    let city = regions.city(&h.address.city_code);
    let province = regions.province(&h.address.province_code);
    // The handover keeps a snapshot of the street; the district is the seller's, when
    // the seller still has that address.
    let same_address = seller.address.city_code == h.address.city_code
        && seller.address.street == h.address.street;
    let district = seller.address.district.as_deref().filter(|_| same_address);
    let address = [
        province.map(|p| p.name.as_str()),
        city.map(|c| c.name.as_str()),
        district,
        Some(h.address.street.as_str()),
    ]
    .into_iter()
    .flatten()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    let sorting_center = match center {
        Some(c) => PlaceName {
            code: c.code,
            name: c.name,
            name_en: c.name_en,
        },
        None => PlaceName {
            name: h.sorting_center.clone(),
            name_en: h.sorting_center.clone(),
            code: h.sorting_center,
        },
    };
    HandoverDocument {
        handover_id: h.handover_id,
        pickup_date: h.pickup_date,
        seller: SellerInfo {
            id: seller.seller_id.clone(),
            name: seller.name.clone(),
            address,
            // Sellers have no contact field yet: the list leaves a line to write one in.
            contact: None,
        },
        pickup_city: PlaceName {
            code: h.address.city_code.clone(),
            name: city.map_or_else(|| h.address.city_code.clone(), |c| c.name.clone()),
            name_en: city.map(|c| c.name_en.clone()).unwrap_or_default(),
        },
        sorting_center,
        bags: view
            .bags
            .into_iter()
            .map(|b| BagInfo {
                bag_id: b.bag_id,
                parcels: b.parcels,
                weight_g: b.weight_g,
                sides_cm: b.sides_cm,
            })
            .collect(),
    }
}
