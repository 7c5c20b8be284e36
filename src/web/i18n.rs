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
        "ov.charts_more",
        "查看取消率、休假模式和首扫时效",
        "See the cancellation rate, vacation mode and first-scan SLA",
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
    ("nav.claims", "索赔", "Claims"),
    ("nav.performance", "运营表现", "Performance"),
    ("bk.declare", "手动申报集包袋", "Declare the bags by hand"),
    (
        "bk.declare_hint",
        "每个集包袋一个框：每行一个运单号（也可用逗号或空格分隔）；尺寸为厘米。空的集包袋不申报。",
        "One box a bag: one tracking number a line (or separated by commas or spaces); sizes in cm. Empty bags are not declared.",
    ),
    (
        "bk.bag_parcels",
        "袋内运单号",
        "Tracking numbers in the bag",
    ),
    ("bk.length", "长", "Length"),
    ("bk.width", "宽", "Width"),
    ("bk.height", "高", "Height"),
    ("bk.book_declared", "按申报的集包袋预约", "Book these bags"),
    (
        "form.numbers_hint",
        "每行一个运单号（也可用逗号或空格分隔）。",
        "One tracking number a line (or separated by commas or spaces).",
    ),
    ("be.title", "修改集包袋", "Edit bag"),
    ("be.edit", "修改此集包袋", "Edit this bag"),
    ("be.in_bag", "袋内包裹", "Parcels in the bag"),
    ("be.remove", "取出选中的包裹", "Take the ticked parcels out"),
    ("be.add", "加入包裹", "Add parcels"),
    ("be.add_submit", "加入集包袋", "Add to the bag"),
    (
        "be.locked",
        "快递员已揽收或交接单已结束，集包袋不能再修改。",
        "This bag can no longer be edited: it is picked up, or its handover is over.",
    ),
    (
        "be.already_picked_up",
        "快递员已揽收，集包袋不能再修改。",
        "The courier has picked it up: the bag can no longer be edited.",
    ),
    ("be.back", "返回交接单", "Back to the handover"),
    (
        "msg.parcels_added",
        "包裹已加入集包袋。",
        "The parcels were added to the bag.",
    ),
    (
        "msg.parcels_removed",
        "包裹已从集包袋取出。",
        "The parcels were taken out of the bag.",
    ),
    ("msg.claim_opened", "索赔已提交。", "The claim was opened."),
    ("cl.title", "索赔", "Claims"),
    (
        "cl.hint",
        "超时未入库的集包袋，或入库时缺失的包裹，可以申请索赔；由平台运营处理。",
        "Claim for a bag overdue in transit, or for parcels missing at intake; the operator decides.",
    ),
    (
        "cl.overdue",
        "超时未入库的集包袋",
        "Bags overdue in transit",
    ),
    ("cl.picked_up_at", "揽收时间", "Picked up at"),
    ("cl.due_at", "应入库时间", "Due at"),
    ("cl.claim_this", "为此袋索赔", "Claim for this bag"),
    ("cl.no_overdue", "没有超时的集包袋。", "No bag is overdue."),
    ("cl.open", "申请索赔", "Open a claim"),
    (
        "cl.parcels",
        "缺失的包裹（可选）",
        "Missing parcels (optional)",
    ),
    (
        "cl.parcels_hint",
        "留空表示整个超时的集包袋；或填入入库时缺失的运单号，每行一个。",
        "Leave empty for the whole overdue bag, or list the parcels missing at intake, one a line.",
    ),
    ("cl.description", "情况说明", "What happened"),
    ("cl.submit", "提交索赔", "Open the claim"),
    ("cl.list", "我的索赔", "Your claims"),
    ("cl.basis", "依据", "Basis"),
    ("cl.claimed", "索赔的包裹", "Parcels claimed"),
    ("cl.opened_at", "提交时间", "Opened at"),
    ("cl.decided_at", "处理时间", "Decided at"),
    ("cl.note", "处理意见", "Decision note"),
    ("cl.empty", "还没有索赔。", "No claims yet."),
    ("claim.open", "处理中", "Open"),
    ("claim.accepted", "已赔付", "Accepted"),
    ("claim.rejected", "已驳回", "Rejected"),
    (
        "claim.overdue_bag",
        "集包袋运输超时",
        "Bag overdue in transit",
    ),
    (
        "claim.missing_parcels",
        "入库时包裹缺失",
        "Parcels missing at intake",
    ),
    ("pf.title", "运营表现", "Performance"),
    ("pf.rate", "店铺取消率", "Store cancellation rate"),
    (
        "pf.in_vacation",
        "店铺处于休假模式",
        "The store is in vacation mode",
    ),
    ("pf.until", "预计至", "until at least"),
    (
        "pf.not_in_vacation",
        "店铺未处于休假模式",
        "The store is not in vacation mode",
    ),
    ("pf.today_rate", "今日检查的取消率", "Rate of today's check"),
    ("pf.threshold", "休假门槛", "Vacation threshold"),
    ("pf.orders", "统计窗口内订单", "Orders in the window"),
    ("pf.buyer", "买家原因取消", "Cancelled by buyers"),
    (
        "pf.late_intake",
        "入库超时取消",
        "Cancelled for late intake",
    ),
    ("pf.reason", "今日判定", "Today's decision"),
    ("pf.forecast", "明日预测", "Tomorrow's forecast"),
    (
        "pf.to_exceed",
        "再取消多少单会超过门槛",
        "More cancellations that would cross the line",
    ),
    ("pf.over_already", "已超过", "already over"),
    ("pf.none_would", "不会超过", "none would"),
    ("pf.periods", "休假期间", "Vacation periods"),
    ("pf.ongoing", "进行中", "ongoing"),
    (
        "pf.rate_chart",
        "近 30 天每日取消率与 30% 门槛，休假日以阴影标出",
        "Daily cancellation rate of the last 30 days against the threshold, vacation days shaded",
    ),
    ("pf.sla", "首扫时效", "First-scan SLA"),
    (
        "pf.sla_hint",
        "从备货完成（或登记）到首次扫描的小时数；回溯到集包袋揽收时间前，首扫就是分拣中心入库。",
        "Hours from ready-to-ship (or registration) to the first scan; before backdating to the bag's pickup, the first scan was the intake.",
    ),
    (
        "pf.lead_chart",
        "近 30 天首扫时效中位数：回溯与不回溯",
        "Median first-scan lead time of the last 30 days, with and without backdating",
    ),
    ("pf.day", "日期", "Day"),
    ("pf.online", "上网包裹", "Parcels online"),
    ("pf.median", "中位数（小时）", "Median (h)"),
    ("pf.p90", "90 分位（小时）", "90th pct (h)"),
    (
        "pf.median_intake",
        "入库中位数（小时）",
        "Median to intake (h)",
    ),
    (
        "pf.p90_intake",
        "入库 90 分位（小时）",
        "90th pct to intake (h)",
    ),
    ("pf.gained", "提前小时数", "Hours gained"),
    ("pf.backdated", "回溯占比", "Backdated"),
    ("pf.at_intake", "入库首扫占比", "At intake"),
    (
        "pf.no_sla",
        "近 30 天没有包裹上网。",
        "No parcel went online in the last 30 days.",
    ),
    ("pf.at_risk", "有超时风险的包裹", "Parcels at risk"),
    (
        "pf.at_risk_hint",
        "已装袋但仍未首扫的包裹，超过",
        "Bagged parcels still without a first scan after",
    ),
    ("pf.since", "备货完成", "Ready to ship"),
    ("pf.waiting", "已等待（小时）", "Waiting (h)"),
    (
        "pf.none_at_risk",
        "没有有风险的包裹。",
        "No parcel is at risk.",
    ),
    (
        "plot.rate_caption",
        "店铺取消率（买家原因 + 入库超时）",
        "Store cancellation rate (buyer + late intake)",
    ),
    ("plot.vacation", "休假模式", "vacation mode"),
    ("plot.threshold", "门槛", "threshold"),
    ("plot.daily_rate", "每日取消率", "daily rate"),
    (
        "plot.lead_caption",
        "首扫时效中位数（备货完成后小时数）",
        "Median first-scan lead time (hours after RTS)",
    ),
    (
        "plot.without_backdating",
        "不回溯（入库）",
        "without backdating (intake)",
    ),
    (
        "plot.with_backdating",
        "回溯（集包袋揽收）",
        "with backdating (bag pickup)",
    ),
    ("reason.normal", "正常", "Normal"),
    (
        "reason.above_threshold",
        "超过门槛：明日起休假",
        "Above the threshold: vacation from tomorrow",
    ),
    ("reason.vacation", "休假中", "In vacation"),
    (
        "reason.vacation_recovering",
        "休假中，复查已达标，首期结束后恢复",
        "In vacation; a re-check passed, back after the first period",
    ),
    (
        "reason.vacation_extended",
        "休假已延长",
        "Vacation extended",
    ),
    (
        "reason.no_decision",
        "尚无订单，未判定",
        "No orders yet, no decision",
    ),
    (
        "code.bag_too_many_parcels",
        "集包袋的包裹数超过上限。",
        "The bag holds more parcels than allowed.",
    ),
    (
        "code.bag_too_heavy",
        "集包袋超重。",
        "The bag is heavier than allowed.",
    ),
    (
        "code.bag_side_too_long",
        "集包袋有一边超长。",
        "A side of the bag is longer than allowed.",
    ),
    (
        "code.bag_dimensions_sum_too_large",
        "集包袋三边之和超过上限。",
        "The bag's three sides sum to more than allowed.",
    ),
    (
        "code.bag_invalid_size",
        "集包袋尺寸必须是正数（厘米）。",
        "A bag's sides must be positive numbers of centimetres.",
    ),
    (
        "code.parcel_already_bagged",
        "有包裹已在其他集包袋中。",
        "A parcel is already in another bag.",
    ),
    (
        "code.parcel_cancelled",
        "有包裹已取消。",
        "A parcel was cancelled.",
    ),
    (
        "code.parcel_listed_twice",
        "同一包裹填写了不止一次。",
        "A parcel is listed more than once.",
    ),
    (
        "code.parcel_wrong_sorting_center",
        "有包裹发往其他分拣中心。",
        "A parcel is bound for another sorting center.",
    ),
    (
        "code.parcel_not_in_bag",
        "有包裹不在这个集包袋中。",
        "A parcel listed is not in this bag.",
    ),
    ("code.bag_not_found", "没有这个集包袋。", "No such bag."),
    (
        "code.order_not_valid",
        "有包裹的订单无效或已取消。",
        "A parcel's order is not valid, or cancelled.",
    ),
    (
        "code.no_bags_declared",
        "请至少申报一个装有包裹的集包袋。",
        "Declare at least one bag with parcels in it.",
    ),
    (
        "code.claim_not_allowed",
        "只能为超时未入库的集包袋，或入库时缺失的包裹申请索赔。",
        "A claim is open only to an overdue bag or to parcels missing at intake.",
    ),
    (
        "code.claim_exists",
        "这个集包袋（和这些包裹）已有处理中的索赔。",
        "An open claim already covers this bag and these parcels.",
    ),
    (
        "code.claim_already_decided",
        "这项索赔已处理。",
        "This claim was already decided.",
    ),
    ("code.claim_not_found", "没有这项索赔。", "No such claim."),
    ("code.invalid_date", "日期无效。", "The date is not valid."),
    (
        "code.forbidden",
        "此账号不能进行这项操作。",
        "This account may not do that.",
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
    fn every_refusal_of_the_new_forms_and_every_vacation_reason_has_words() {
        use crate::domain::performance::DayReason;
        let mut keys: Vec<String> = [
            "bag_too_many_parcels",
            "bag_too_heavy",
            "bag_side_too_long",
            "bag_dimensions_sum_too_large",
            "bag_invalid_size",
            "parcel_already_bagged",
            "parcel_cancelled",
            "parcel_listed_twice",
            "parcel_wrong_sorting_center",
            "parcel_not_found",
            "parcel_not_in_bag",
            "bag_not_found",
            "already_picked_up",
            "no_bags_declared",
            "claim_not_allowed",
            "claim_exists",
            "claim_not_found",
            "validation_failed",
        ]
        .iter()
        .map(|c| format!("code.{c}"))
        .collect();
        keys.extend(
            [
                "open",
                "accepted",
                "rejected",
                "overdue_bag",
                "missing_parcels",
            ]
            .iter()
            .map(|c| format!("claim.{c}")),
        );
        for raw in [
            "normal",
            "above_threshold",
            "vacation",
            "vacation_recovering",
            "vacation_extended",
            "no_decision",
        ] {
            let reason = DayReason::parse(raw).map(DayReason::as_str);
            keys.push(format!("reason.{}", reason.unwrap_or("missing")));
        }
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
