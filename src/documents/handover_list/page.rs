//! Drawing one page of the handover list from its planned items: the headers, the
//! table, the totals, the signature boxes and the footer.

use super::{
    GRID_INDENT, GRID_SIZE, Item, LINE_H, MARGIN, NEXT_TABLE_Y, PAGE, SIGNATURES_H, TABLE_HEADER_H,
};
use crate::documents::draw::{
    code128_modules, draw_code128, hline, stroke_rect, text, text_center, text_right,
};
use crate::documents::fonts::Faces;
use crate::documents::{DocumentError, HandoverDocument, kilograms, size_cm};
use krilla::surface::Surface;

/// Column positions of the bag table.
const COL_NO: f32 = MARGIN;
const COL_BAG: f32 = MARGIN + 34.0;
const COL_PARCELS_RIGHT: f32 = 330.0;
const COL_WEIGHT_RIGHT: f32 = 430.0;
const COL_SIZE: f32 = 452.0;
const RIGHT: f32 = PAGE.0 - MARGIN;

pub(super) struct Painter<'a, 'b> {
    s: &'a mut Surface<'b>,
    faces: &'static Faces,
    doc: &'a HandoverDocument,
}

impl<'a, 'b> Painter<'a, 'b> {
    pub(super) fn new(
        s: &'a mut Surface<'b>,
        faces: &'static Faces,
        doc: &'a HandoverDocument,
    ) -> Self {
        Self { s, faces, doc }
    }

    /// A caption (Chinese with its English subtitle) and a value under it.
    fn field(&mut self, x: f32, y: f32, width: f32, caption: &str, value: &str, bold: bool) {
        let f = self.faces;
        text(self.s, &f.regular, 7.0, x, y, caption);
        let face = if bold { &f.bold } else { &f.regular };
        let size = if bold { 11.0 } else { 9.5 };
        let fitted = face.fit(&face.printable(value), size, width).into_owned();
        text(self.s, face, size, x, y + 13.0, &fitted);
    }

    /// Title, handover barcode, seller and destination blocks, totals summary.
    pub(super) fn first_page_header(&mut self) -> Result<(), DocumentError> {
        let (f, doc) = (self.faces, self.doc);
        text(self.s, &f.bold, 20.0, MARGIN, 58.0, "交接清单");
        text(self.s, &f.regular, 10.0, MARGIN, 73.0, "Handover list");
        let modules = code128_modules(&doc.handover_id)?;
        let module = 1.0;
        let bar_w = modules.len() as f32 * module;
        let bar_x = RIGHT - bar_w - 10.0 * module;
        draw_code128(self.s, &modules, bar_x, 34.0, module, 36.0);
        text_center(
            self.s,
            &f.bold,
            10.0,
            bar_x + bar_w / 2.0,
            84.0,
            &doc.handover_id,
        );

        let left_w = 300.0;
        let right_x = MARGIN + left_w + 24.0;
        let right_w = RIGHT - right_x;
        let seller = &doc.seller;
        self.field(MARGIN, 106.0, left_w, "寄件人 Seller", &seller.name, true);
        self.field(
            MARGIN,
            134.0,
            left_w,
            "取件地址 Pickup address",
            &seller.address,
            false,
        );
        match &seller.contact {
            Some(contact) => {
                self.field(MARGIN, 162.0, left_w, "联系方式 Contact", contact, false);
            }
            None => {
                text(self.s, &f.regular, 7.0, MARGIN, 162.0, "联系方式 Contact");
                hline(self.s, MARGIN, MARGIN + 200.0, 176.0, 0.5);
            }
        }
        self.field(
            MARGIN,
            190.0,
            left_w,
            "卖家编号 Seller id",
            &seller.id,
            false,
        );

        let center = &doc.sorting_center;
        let destination = format!("{} {}", center.code, center.name);
        self.field(
            right_x,
            106.0,
            right_w,
            "目的分拨中心 Sorting center",
            &destination,
            true,
        );
        text(self.s, &f.regular, 8.0, right_x, 129.0, &center.name_en);
        self.field(
            right_x,
            140.0,
            right_w,
            "揽收日期 Pickup date",
            &doc.pickup_date,
            true,
        );
        let city = format!("{} {}", doc.pickup_city.name, doc.pickup_city.name_en);
        self.field(
            right_x,
            165.0,
            right_w,
            "揽收城市 Pickup city",
            &city,
            false,
        );
        self.field(
            right_x,
            190.0,
            right_w,
            "交接单号 Handover id",
            &doc.handover_id,
            false,
        );

        let summary = format!(
            "合计 Totals:  {} 袋 bags  ·  {} 件 parcels  ·  申报重量 declared weight {} kg",
            doc.bags.len(),
            doc.parcel_count(),
            kilograms(doc.weight_g())
        );
        text(self.s, &f.bold, 9.5, MARGIN, 222.0, &summary);
        hline(self.s, MARGIN, RIGHT, 229.0, 1.0);
        Ok(())
    }

    /// The small header of every page after the first.
    pub(super) fn continuation_header(&mut self) {
        let f = self.faces;
        let line = format!(
            "交接清单 Handover list  {}  (续 continued)",
            self.doc.handover_id
        );
        text(self.s, &f.bold, 10.0, MARGIN, 46.0, &line);
        hline(self.s, MARGIN, RIGHT, NEXT_TABLE_Y - 6.0, 0.75);
    }

    pub(super) fn footer(&mut self, page: usize, pages: usize) {
        let f = self.faces;
        let y = PAGE.1 - 24.0;
        hline(self.s, MARGIN, RIGHT, y - 12.0, 0.5);
        let left = format!("交接单 Handover {}", self.doc.handover_id);
        text(self.s, &f.regular, 8.0, MARGIN, y, &left);
        let right = format!("第 {page} / {pages} 页  Page {page} of {pages}");
        text_right(self.s, &f.regular, 8.0, RIGHT, y, &right);
    }

    pub(super) fn item(&mut self, item: &Item) {
        match *item {
            Item::TableHeader { y } => self.table_header(y),
            Item::BagRow { bag, y, continued } => self.bag_row(bag, y, continued),
            Item::Grid {
                bag,
                first_row,
                rows,
                columns,
                column_w,
                y,
            } => {
                self.grid(bag, first_row, rows, columns, column_w, y);
            }
            Item::Totals { y } => self.totals(y),
            Item::Signatures { y } => self.signatures(y),
        }
    }

    fn table_header(&mut self, y: f32) {
        let f = self.faces;
        let zh = y + 9.0;
        let en = y + 18.0;
        for (x, right, cn, english) in [
            (COL_NO, false, "序号", "No."),
            (COL_BAG, false, "袋号", "Bag id"),
            (COL_PARCELS_RIGHT, true, "件数", "Parcels"),
            (COL_WEIGHT_RIGHT, true, "申报重量 (kg)", "Declared weight"),
            (COL_SIZE, false, "申报尺寸 (cm)", "Declared size"),
        ] {
            if right {
                text_right(self.s, &f.bold, 8.0, x, zh, cn);
                text_right(self.s, &f.regular, 7.0, x, en, english);
            } else {
                text(self.s, &f.bold, 8.0, x, zh, cn);
                text(self.s, &f.regular, 7.0, x, en, english);
            }
        }
        hline(self.s, MARGIN, RIGHT, y + TABLE_HEADER_H - 2.0, 0.75);
    }

    fn bag_row(&mut self, index: usize, y: f32, continued: bool) {
        let (f, doc) = (self.faces, self.doc);
        let Some(bag) = doc.bags.get(index) else {
            return;
        };
        let base = y + 12.0;
        hline(self.s, MARGIN, RIGHT, y + 0.5, 0.3);
        text(
            self.s,
            &f.bold,
            10.0,
            COL_NO,
            base,
            &(index + 1).to_string(),
        );
        let id = if continued {
            format!("{}  (续 cont.)", bag.bag_id)
        } else {
            bag.bag_id.clone()
        };
        text(self.s, &f.bold, 10.0, COL_BAG, base, &id);
        if !continued {
            let count = bag.parcels.len().to_string();
            text_right(self.s, &f.bold, 10.0, COL_PARCELS_RIGHT, base, &count);
            let weight = kilograms(bag.weight_g);
            text_right(self.s, &f.bold, 10.0, COL_WEIGHT_RIGHT, base, &weight);
            text(
                self.s,
                &f.regular,
                10.0,
                COL_SIZE,
                base,
                &size_cm(bag.sides_cm),
            );
        }
    }

    fn grid(
        &mut self,
        index: usize,
        first_row: usize,
        rows: usize,
        columns: usize,
        column_w: f32,
        y: f32,
    ) {
        let Some(bag) = self.doc.bags.get(index) else {
            return;
        };
        let face = &self.faces.regular;
        let start = first_row * columns;
        let end = ((first_row + rows) * columns).min(bag.parcels.len());
        for (k, tracking) in bag.parcels[start.min(end)..end].iter().enumerate() {
            let (row, col) = (k / columns, k % columns);
            let x = MARGIN + GRID_INDENT + col as f32 * column_w;
            let baseline = y + row as f32 * LINE_H + 8.0;
            text(self.s, face, GRID_SIZE, x, baseline, tracking);
        }
    }

    fn totals(&mut self, y: f32) {
        let (f, doc) = (self.faces, self.doc);
        hline(self.s, MARGIN, RIGHT, y + 2.0, 1.0);
        let base = y + 16.0;
        text(self.s, &f.bold, 10.0, COL_NO, base, "合计 Total");
        let bags = format!("{} 袋 bags", doc.bags.len());
        text(self.s, &f.bold, 10.0, COL_BAG + 60.0, base, &bags);
        let parcels = doc.parcel_count().to_string();
        text_right(self.s, &f.bold, 10.0, COL_PARCELS_RIGHT, base, &parcels);
        text_right(
            self.s,
            &f.bold,
            10.0,
            COL_WEIGHT_RIGHT,
            base,
            &kilograms(doc.weight_g()),
        );
    }

    /// Two boxes side by side: the courier's and the seller's.
    fn signatures(&mut self, y: f32) {
        let f = self.faces;
        let gap = 16.0;
        let w = (RIGHT - MARGIN - gap) / 2.0;
        let h = SIGNATURES_H - 12.0;
        let top = y + 8.0;
        let boxes = [
            (
                MARGIN,
                "揽收员 Courier",
                ["签名 Signature", "日期 Date", "实收袋数 Bags received"],
            ),
            (
                MARGIN + w + gap,
                "寄件人 Seller",
                [
                    "签名/盖章 Signature / stamp",
                    "日期 Date",
                    "交付袋数 Bags handed over",
                ],
            ),
        ];
        for (x, title, lines) in boxes {
            stroke_rect(self.s, x, top, w, h, 0.8);
            text(self.s, &f.bold, 10.0, x + 8.0, top + 16.0, title);
            for (i, caption) in lines.iter().enumerate() {
                let line_y = top + 44.0 + i as f32 * 26.0;
                text(self.s, &f.regular, 8.0, x + 8.0, line_y, caption);
                let from = x + 8.0 + f.regular.width(caption, 8.0) + 6.0;
                hline(self.s, from, x + w - 10.0, line_y + 1.5, 0.5);
            }
        }
    }
}
