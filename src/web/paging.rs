//! The paging of the list pages (parcels, handovers, claims): a page of items from a
//! use case, the refusal shown in its place, and the link to the next page keeping
//! the filters. Cursors are the use cases' (keyset, docs/api.md "Paging and
//! filters"); the page only carries them.

use super::i18n::Lang;
use super::notice;
use crate::service::ServiceResult;

/// One page of a list as a page shows it.
pub struct Listing<T> {
    pub items: Vec<T>,
    /// The next page, with the same filters; none on the last page.
    pub next_url: Option<String>,
    /// The refusal, in words, when the list could not be read.
    pub error: Option<String>,
}

/// A page of items and the next cursor from a use case, for the list at `path`
/// filtered by `filters` (empty values are left out of the link).
pub fn listing<T>(
    lang: Lang,
    page: ServiceResult<(Vec<T>, Option<String>)>,
    path: &str,
    filters: &[(&str, Option<&str>)],
) -> Listing<T> {
    match page {
        Ok((items, next)) => Listing {
            items,
            next_url: next.map(|c| next_url(path, filters, &c)),
            error: None,
        },
        Err(e) => Listing {
            items: Vec::new(),
            next_url: None,
            error: notice(lang, "code", Some(e.code())),
        },
    }
}

fn next_url(path: &str, filters: &[(&str, Option<&str>)], cursor: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in filters {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            query.append_pair(name, v);
        }
    }
    query.append_pair("cursor", cursor);
    format!("{path}?{}", query.finish())
}

/// The cursor of a list query; an empty one is the first page.
pub fn cursor(raw: Option<&str>) -> Option<String> {
    raw.filter(|c| !c.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_keeps_the_filters_encoded_and_drops_empty_ones() {
        let url = next_url(
            "/web/handovers",
            &[("status", Some("booked")), ("date", Some("")), ("x", None)],
            "17.HO&1",
        );
        assert_eq!(url, "/web/handovers?status=booked&cursor=17.HO%261");
        assert_eq!(cursor(Some("")), None);
        assert_eq!(cursor(Some("1.a")).as_deref(), Some("1.a"));
    }
}
