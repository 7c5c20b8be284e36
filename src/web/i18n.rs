//! The seller center's one translation table: every label, status and refusal code
//! the pages show, in Chinese (the default) and English. Templates call `t("key")`;
//! a status or a code is looked up as `status.<name>` / `code.<name>`, so no page
//! ever shows a raw code. A key missing in one language falls back to the other,
//! then to the key itself (a test lists the codes that must be present).

/// A page language, remembered in the `fm_lang` cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn from_cookie(raw: Option<&str>) -> Self {
        match raw {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// (key, Chinese, English).
const TABLE: &[(&str, &str, &str)] = &[
    ("app.title", "卖家中心", "Seller center"),
    ("nav.overview", "概览", "Overview"),
    ("nav.handovers", "交接单", "Handovers"),
    ("nav.parcels", "包裹", "Parcels"),
    ("pc.title", "包裹", "Parcels"),
    (
        "pc.upload",
        "上传 CSV 登记包裹",
        "Register parcels from a CSV file",
    ),
    ("pc.columns", "列", "Columns"),
    ("pc.submit", "上传", "Upload"),
    ("pc.result", "上传结果", "Upload result"),
    ("pc.registered", "已登记", "Registered"),
    ("pc.refused", "被拒绝", "Refused"),
    ("pc.row", "行", "Row"),
    ("pc.why", "原因", "Why"),
    ("pc.order", "订单号", "Order"),
    ("pc.cancel", "订单已取消", "Order cancelled"),
    ("pc.empty", "没有包裹。", "No parcels."),
    (
        "msg.parcel_cancelled",
        "包裹已取消。",
        "The parcel was cancelled.",
    ),
    (
        "code.invalid_row",
        "这一行无法读取（列数或数字不对）。",
        "This row cannot be read (columns or numbers are wrong).",
    ),
    (
        "code.invalid_value",
        "运单号、重量或尺寸无效。",
        "The tracking number, weight or a size is not valid.",
    ),
    (
        "code.duplicate_tracking_number",
        "运单号已登记。",
        "The tracking number is already registered.",
    ),
    (
        "code.empty_upload",
        "上传的文件是空的。",
        "The uploaded file is empty.",
    ),
    ("nav.book", "预约揽收", "Book a pickup"),
    ("bk.title", "预约上门揽收", "Book a pickup"),
    ("bk.plan", "查看集包方案", "Show the plan"),
    ("bk.the_plan", "集包方案", "Consolidation plan"),
    ("bk.bound", "下界", "Lower bound"),
    ("bk.optimal", "已是最优", "Optimal"),
    ("bk.not_optimal", "未证明最优", "Not proven optimal"),
    ("bk.envelope", "外包尺寸（厘米）", "Envelope (cm)"),
    ("bk.book", "按此方案预约", "Book this plan"),
    (
        "bk.nothing",
        "没有可装袋的已登记包裹。",
        "No registered, unbagged parcels to plan.",
    ),
    (
        "bk.unplaceable",
        "装不进任何袋子的包裹",
        "Parcels that fit no bag",
    ),
    ("msg.booked", "已预约揽收。", "The pickup is booked."),
    (
        "code.no_parcels_to_plan",
        "没有可装袋的已登记包裹。",
        "No registered, unbagged parcels to plan.",
    ),
    (
        "code.parcel_unplaceable",
        "有包裹装不进任何袋子。",
        "A parcel fits no bag.",
    ),
    (
        "code.sorting_center_not_supported",
        "该分拣中心不接受集包交接。",
        "That sorting center takes no consolidated handovers.",
    ),
    (
        "code.unknown_sorting_center",
        "没有这个分拣中心。",
        "No such sorting center.",
    ),
    ("nav.tracking", "轨迹查询", "Tracking"),
    ("nav.signout", "退出登录", "Sign out"),
    ("nav.switch", "English", "中文"),
    ("login.key", "API 密钥", "API key"),
    ("login.submit", "登录", "Sign in"),
    (
        "login.hint",
        "用卖家或 ISV 的 API 密钥登录。",
        "Sign in with a seller or ISV API key.",
    ),
    ("pick.title", "选择卖家", "Choose a seller"),
    (
        "pick.none",
        "还没有卖家授权此 ISV。",
        "No seller has granted this ISV yet.",
    ),
    ("pick.submit", "进入", "Open"),
    (
        "times.china",
        "时间均为北京时间。",
        "Times are China time (Asia/Shanghai).",
    ),
    (
        "ov.eligibility",
        "免费上门揽收资格",
        "Free door-pickup eligibility",
    ),
    ("ov.eligible", "符合资格", "Eligible"),
    ("ov.not_eligible", "不符合资格", "Not eligible"),
    ("ov.average", "日均订单", "Average daily orders"),
    ("ov.threshold", "门槛", "Threshold"),
    ("ov.window", "统计窗口", "Window"),
    ("ov.days", "天", "days"),
    ("ov.coverage", "取件地址覆盖", "Pickup-address coverage"),
    ("ov.covered", "已覆盖", "Covered"),
    ("ov.not_covered", "未覆盖", "Not covered"),
    ("ov.launch", "开通日期", "Launch date"),
    ("ov.today", "今日揽收", "Today's pickups"),
    ("ov.none_today", "今天没有揽收。", "No pickups today."),
    ("ov.charts", "运营表现图表", "Performance charts"),
    (
        "ov.charts_slot",
        "此处将显示运营表现图表。",
        "Performance charts will appear here.",
    ),
    ("ho.list", "交接单", "Handovers"),
    ("ho.id", "交接单号", "Handover"),
    ("ho.status", "状态", "Status"),
    ("ho.center", "分拣中心", "Sorting center"),
    ("ho.date", "揽收日期", "Pickup date"),
    ("ho.bags", "袋数", "Bags"),
    ("ho.parcels", "包裹数", "Parcels"),
    ("ho.booked_at", "预约时间", "Booked at"),
    ("ho.filter", "筛选", "Filter"),
    ("ho.all", "全部", "All"),
    ("ho.next", "下一页", "Next page"),
    ("ho.empty", "没有交接单。", "No handovers."),
    ("ho.detail", "交接单详情", "Handover"),
    ("ho.bag", "集包袋", "Bag"),
    ("ho.weight", "重量（克）", "Weight (g)"),
    ("ho.size", "尺寸（厘米）", "Size (cm)"),
    ("ho.history", "记录", "History"),
    ("ho.labels_pdf", "下载面单（PDF）", "Labels (PDF)"),
    ("ho.labels_zpl", "下载面单（ZPL）", "Labels (ZPL)"),
    ("ho.handover_list", "下载交接清单", "Handover list"),
    ("ho.cancel", "取消交接单", "Cancel handover"),
    (
        "ho.confirm_q",
        "确定取消这张交接单吗？取消后不能恢复。",
        "Cancel this handover? This cannot be undone.",
    ),
    ("ho.confirm", "确认取消", "Yes, cancel it"),
    ("ho.keep", "不取消", "Keep it"),
    ("ho.reschedule", "改约揽收日期", "Reschedule the pickup"),
    ("ho.new_date", "新的揽收日期", "New pickup date"),
    ("ho.failure", "揽收失败原因", "Pickup failure reason"),
    ("ho.back", "返回交接单列表", "Back to the handovers"),
    ("tr.title", "轨迹查询", "Tracking lookup"),
    ("tr.number", "运单号", "Tracking number"),
    ("tr.submit", "查询", "Look up"),
    ("tr.first_scan", "首次扫描", "First scan"),
    ("tr.basis", "依据", "Basis"),
    ("tr.at", "发生时间", "Happened at"),
    ("tr.recorded", "记录时间", "Recorded at"),
    ("tr.event", "事件", "Event"),
    (
        "msg.cancelled",
        "交接单已取消。",
        "The handover was cancelled.",
    ),
    (
        "msg.rescheduled",
        "揽收日期已更改。",
        "The pickup was rescheduled.",
    ),
    ("status.booked", "已预约", "Booked"),
    ("status.picked_up", "已揽收", "Picked up"),
    ("status.pickup_failed", "揽收失败", "Pickup failed"),
    ("status.received", "已入库", "Received"),
    ("status.cancelled", "已取消", "Cancelled"),
    ("status.open", "待揽收", "Awaiting pickup"),
    ("status.registered", "已登记", "Registered"),
    ("status.bagged", "已装袋", "Bagged"),
    ("status.missing", "缺失", "Missing"),
    ("status.accepted", "已受理", "Accepted"),
    ("status.rejected", "已驳回", "Rejected"),
    (
        "basis.bag_pickup",
        "按集包袋揽收时间回溯",
        "Backdated to the bag's pickup",
    ),
    (
        "basis.intake",
        "按分拣中心入库时间",
        "The sorting center's intake",
    ),
    ("code.seller_absent", "卖家不在", "Seller absent"),
    ("code.not_ready", "货物未备好", "Not ready"),
    ("code.address_not_found", "找不到地址", "Address not found"),
    ("code.bag_over_limits", "集包袋超限", "Bag over the limits"),
    ("code.other", "其他原因", "Other reason"),
    (
        "code.already_picked_up",
        "快递员已揽收，不能再取消。",
        "The courier has picked it up: it can no longer be cancelled.",
    ),
    (
        "code.handover_not_found",
        "没有这张交接单。",
        "No such handover.",
    ),
    ("code.parcel_not_found", "没有这个包裹。", "No such parcel."),
    (
        "code.invalid_key",
        "这不是卖家或 ISV 的 API 密钥。",
        "That is not a seller or ISV API key.",
    ),
    (
        "code.too_many_attempts",
        "登录尝试过多，请一分钟后再试。",
        "Too many sign-in attempts; try again in a minute.",
    ),
    (
        "code.cross_site",
        "跨站提交已被拒绝。",
        "A cross-site form post was refused.",
    ),
    (
        "code.pickup_date_in_past",
        "揽收日期早于今天。",
        "The pickup date is before today.",
    ),
    (
        "code.pickup_date_too_far",
        "揽收日期太远（最多提前 30 天）。",
        "The pickup date is too far ahead (30 days at most).",
    ),
    (
        "code.validation_failed",
        "输入有误。",
        "Something entered is not valid.",
    ),
    (
        "code.not_reschedulable",
        "只有揽收失败或已预约的交接单可以改约。",
        "Only a failed or booked pickup can be rescheduled.",
    ),
    (
        "code.handover_cancelled",
        "交接单已取消。",
        "The handover is cancelled.",
    ),
    (
        "code.seller_not_eligible",
        "卖家日均订单未达门槛。",
        "The seller's daily orders are below the threshold.",
    ),
    (
        "code.below_order_threshold",
        "日均订单未达门槛",
        "Average daily orders below the threshold",
    ),
    (
        "code.area_not_covered",
        "取件地址不在上门揽收范围。",
        "The pickup address is not covered.",
    ),
    (
        "code.province_not_covered",
        "所在省份未开通上门揽收",
        "The province has no door pickup",
    ),
    (
        "code.city_not_covered",
        "所在城市未开通上门揽收",
        "The city has no door pickup",
    ),
    (
        "code.not_launched_yet",
        "所在城市尚未开通",
        "Not launched yet in this city",
    ),
    (
        "code.outside_service_area",
        "地址在服务范围之外",
        "Outside the service area",
    ),
    ("code.seller_not_found", "没有这个卖家。", "No such seller."),
    (
        "code.tracking_number_not_found",
        "没有这个运单号。",
        "No parcel with that tracking number.",
    ),
    (
        "code.handover_not_reschedulable",
        "这张交接单不能改约。",
        "This handover cannot be rescheduled.",
    ),
    (
        "code.error",
        "出错了，请稍后再试。",
        "Something went wrong; try again shortly.",
    ),
];

/// The words for `key` in `lang`.
pub fn translate(lang: Lang, key: &str) -> String {
    match TABLE.iter().find(|(k, _, _)| *k == key) {
        Some((_, zh, en)) => match lang {
            Lang::Zh => (*zh).to_owned(),
            Lang::En => (*en).to_owned(),
        },
        None => key.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BagStatus, HandoverStatus, PickupFailureReason};

    #[test]
    fn every_status_and_failure_reason_has_words_in_both_languages() {
        let mut keys: Vec<String> = Vec::new();
        keys.extend(HandoverStatus::ALL.iter().map(|s| format!("status.{s}")));
        keys.extend(BagStatus::ALL.iter().map(|s| format!("status.{s}")));
        keys.extend(PickupFailureReason::ALL.iter().map(|s| format!("code.{s}")));
        for key in keys {
            assert_ne!(translate(Lang::Zh, &key), key);
            assert_ne!(translate(Lang::En, &key), key);
        }
    }

    #[test]
    fn keys_are_unique() {
        for (i, (k, _, _)) in TABLE.iter().enumerate() {
            assert!(TABLE[i + 1..].iter().all(|(o, _, _)| o != k), "{k}");
        }
    }
}
