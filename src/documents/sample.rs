//! A made-up handover for tests, the benchmark and the sample label in `docs/`:
//! deterministic ids, a Shenzhen seller bound for SZX, `bags` bags of `parcels`
//! parcels each.

use super::{BagInfo, HandoverDocument, PlaceName, SellerInfo};

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A 12-character id body from a number, in the alphabet of `domain::new_id`
/// (scrambled, so that neighbouring numbers give unlike ids).
fn id_body(n: u64) -> String {
    let mut n = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 4;
    let mut out = vec![b'0'; 12];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 32) as usize];
        n /= 32;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A handover of `bags` bags with `parcels` parcels each.
pub fn sample_document(bags: usize, parcels: usize) -> HandoverDocument {
    HandoverDocument {
        handover_id: format!("HO{}", id_body(7)),
        pickup_date: "2026-12-03".into(),
        seller: SellerInfo {
            id: format!("SE{}", id_body(11)),
            name: "深圳市跨境好物贸易有限公司".into(),
            address: "广东省 深圳市 南山区 科技园南区高新南一道 8 号".into(),
            contact: Some("张经理 138 0013 8000".into()),
        },
        pickup_city: PlaceName {
            code: "440300".into(),
            name: "深圳市".into(),
            name_en: "Shenzhen".into(),
        },
        sorting_center: PlaceName {
            code: "SZX".into(),
            name: "深圳分拨中心".into(),
            name_en: "Shenzhen Sorting Center".into(),
        },
        bags: (0..bags)
            .map(|b| BagInfo {
                bag_id: format!("MB{}", id_body(1000 + b as u64)),
                parcels: (0..parcels)
                    .map(|p| format!("LZ{:04}{:05}CN", b + 1, p + 1))
                    .collect(),
                weight_g: (parcels as i64) * 153 + b as i64,
                sides_cm: [60.0, 40.0, 35.5],
            })
            .collect(),
    }
}
