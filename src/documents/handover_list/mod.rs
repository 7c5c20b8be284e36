//! The handover list (交接清单) on A4: what changed hands, signed by the courier and
//! the seller at pickup.
//!
//! Page 1 carries the seller (name, address, contact), the sorting center, the pickup
//! date and the handover id with its Code 128 barcode; then one row per bag (id,
//! parcels, declared weight, declared size) with its parcels' tracking numbers in a
//! grid under it, the totals, and the signature and date boxes. Every page has a
//! footer "第 p / N 页 Page p of N"; a bag cut by a page break is continued under a
//! repeated row marked 续 (continued).
//!
//! Key decision: two passes. [`plan`] paginates from counts and text widths alone
//! into a few small items a page (a bag's grid is a row range, not a copy of its
//! tracking numbers), so the page count is known before the first page is drawn and
//! the extra memory is proportional to the pages, not the parcels. The 200-bag,
//! 60,000-parcel list is 161 pages; see BENCHMARKS.md for its time and memory.

mod page;

use super::fonts::{Face, faces};
use super::label_pdf::new_document;
use super::{DocumentError, HandoverDocument};
use krilla::page::PageSettings;

/// A4 in points.
pub(crate) const PAGE: (f32, f32) = (595.28, 841.89);
pub(crate) const MARGIN: f32 = 36.0;
/// Lowest y a table line may reach (the footer sits below it).
pub(crate) const BOTTOM: f32 = PAGE.1 - 48.0;
/// Where the table starts on page 1 and on the following pages.
pub(crate) const FIRST_TABLE_Y: f32 = 236.0;
pub(crate) const NEXT_TABLE_Y: f32 = 64.0;
pub(crate) const TABLE_HEADER_H: f32 = 24.0;
pub(crate) const BAG_ROW_H: f32 = 17.0;
pub(crate) const LINE_H: f32 = 10.5;
pub(crate) const BAG_GAP: f32 = 5.0;
pub(crate) const TOTALS_H: f32 = 24.0;
pub(crate) const SIGNATURES_H: f32 = 118.0;
/// Tracking-number grid: font size, left indent under the bag row, column gap.
pub(crate) const GRID_SIZE: f32 = 8.0;
pub(crate) const GRID_INDENT: f32 = 34.0;
pub(crate) const GRID_GAP: f32 = 10.0;

/// One drawing step of a page.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Item {
    TableHeader {
        y: f32,
    },
    /// A bag's row; `continued` repeats it at the top of a page.
    BagRow {
        bag: usize,
        y: f32,
        continued: bool,
    },
    /// Grid rows `first_row..first_row + rows` of a bag's tracking numbers.
    Grid {
        bag: usize,
        first_row: usize,
        rows: usize,
        columns: usize,
        column_w: f32,
        y: f32,
    },
    Totals {
        y: f32,
    },
    Signatures {
        y: f32,
    },
}

/// The pages of a list, each a list of items.
pub(crate) type Plan = Vec<Vec<Item>>;

/// How a bag's tracking numbers are gridded: columns and column width.
pub(crate) fn grid(face: &Face, parcels: &[String]) -> (usize, f32) {
    let widest = parcels
        .iter()
        .map(|t| face.width(t, GRID_SIZE))
        .fold(0.0_f32, f32::max);
    let column_w = widest + GRID_GAP;
    let room = PAGE.0 - 2.0 * MARGIN - GRID_INDENT;
    let columns = ((room / column_w).floor() as usize).clamp(1, 8);
    (columns, column_w)
}

/// Paginates the list.
pub(crate) fn plan(doc: &HandoverDocument, face: &Face) -> Plan {
    let mut pages: Plan = vec![vec![Item::TableHeader { y: FIRST_TABLE_Y }]];
    let mut y = FIRST_TABLE_Y + TABLE_HEADER_H;
    let new_page = |pages: &mut Plan| -> f32 {
        pages.push(vec![Item::TableHeader { y: NEXT_TABLE_Y }]);
        NEXT_TABLE_Y + TABLE_HEADER_H
    };
    for (bag, info) in doc.bags.iter().enumerate() {
        let (columns, column_w) = grid(face, &info.parcels);
        let rows = info.parcels.len().div_ceil(columns);
        if y + BAG_ROW_H + LINE_H.min(rows as f32 * LINE_H) > BOTTOM {
            y = new_page(&mut pages);
        }
        push(
            &mut pages,
            Item::BagRow {
                bag,
                y,
                continued: false,
            },
        );
        y += BAG_ROW_H;
        let mut row = 0;
        while row < rows {
            let fit = ((BOTTOM - y) / LINE_H).floor().max(0.0) as usize;
            if fit == 0 {
                y = new_page(&mut pages);
                push(
                    &mut pages,
                    Item::BagRow {
                        bag,
                        y,
                        continued: true,
                    },
                );
                y += BAG_ROW_H;
                continue;
            }
            let take = fit.min(rows - row);
            push(
                &mut pages,
                Item::Grid {
                    bag,
                    first_row: row,
                    rows: take,
                    columns,
                    column_w,
                    y,
                },
            );
            y += take as f32 * LINE_H;
            row += take;
        }
        y += BAG_GAP;
    }
    if y + TOTALS_H + SIGNATURES_H > BOTTOM {
        y = new_page(&mut pages);
    }
    push(&mut pages, Item::Totals { y });
    push(&mut pages, Item::Signatures { y: y + TOTALS_H });
    pages
}

fn push(pages: &mut Plan, item: Item) {
    if let Some(page) = pages.last_mut() {
        page.push(item);
    }
}

/// The handover list as a PDF.
pub fn render_handover_list(doc: &HandoverDocument) -> Result<Vec<u8>, DocumentError> {
    let faces = faces()?;
    let pages = plan(doc, &faces.regular);
    let mut document = new_document(format!("Handover list {}", doc.handover_id));
    let settings = PageSettings::from_wh(PAGE.0, PAGE.1)
        .ok_or_else(|| DocumentError::Pdf("page size".into()))?;
    let count = pages.len();
    for (index, items) in pages.iter().enumerate() {
        let mut pdf_page = document.start_page_with(settings.clone());
        let mut surface = pdf_page.surface();
        let mut painter = page::Painter::new(&mut surface, faces, doc);
        if index == 0 {
            painter.first_page_header()?;
        } else {
            painter.continuation_header();
        }
        for item in items {
            painter.item(item);
        }
        painter.footer(index + 1, count);
        surface.finish();
        pdf_page.finish();
    }
    document
        .finish()
        .map_err(|e| DocumentError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::sample::sample_document;

    fn grid_rows(plan: &Plan, bag: usize) -> Vec<(usize, usize)> {
        plan.iter()
            .flatten()
            .filter_map(|i| match i {
                Item::Grid {
                    bag: b,
                    first_row,
                    rows,
                    ..
                } if *b == bag => Some((*first_row, *rows)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_small_list_is_one_page_with_totals_and_signatures() {
        let faces = faces().unwrap();
        let plan = plan(&sample_document(2, 10), &faces.regular);
        assert_eq!(plan.len(), 1);
        assert!(matches!(plan[0].last(), Some(Item::Signatures { .. })));
    }

    #[test]
    fn every_grid_row_is_planned_once_and_stays_above_the_footer() {
        let faces = faces().unwrap();
        let doc = sample_document(20, 300);
        let plan = plan(&doc, &faces.regular);
        assert!(plan.len() > 10);
        for (b, bag) in doc.bags.iter().enumerate() {
            let (columns, _) = grid(&faces.regular, &bag.parcels);
            let mut next = 0;
            for (first, rows) in grid_rows(&plan, b) {
                assert_eq!(first, next);
                next += rows;
            }
            assert_eq!(next, bag.parcels.len().div_ceil(columns));
        }
        for item in plan.iter().flatten() {
            if let Item::Grid { rows, y, .. } = item {
                assert!(y + *rows as f32 * LINE_H <= BOTTOM + 0.01);
            }
            if let Item::Signatures { y } = item {
                assert!(y + SIGNATURES_H <= BOTTOM + 0.01);
            }
        }
        // A bag cut by a page break is continued under a repeated row.
        let continued = plan.iter().flatten().filter(|i| {
            matches!(
                i,
                Item::BagRow {
                    continued: true,
                    ..
                }
            )
        });
        assert!(continued.count() > 0);
    }
}
