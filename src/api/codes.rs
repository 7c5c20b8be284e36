//! The one registry of error codes: every `code` a problem response can carry, with
//! its status and meaning, and the refusal codes of single scan events. The page at
//! `/problems` (and `/problems/{code}`, the problems' `type`), the `code` enum of the
//! OpenAPI document and the problem titles are all made from this table; a unit test
//! checks that the source emits no code missing here.

/// One code.
#[derive(Clone, Copy, Debug)]
pub struct Code {
    pub code: &'static str,
    /// The HTTP status of a problem with this code; 0 for a scan event's refusal
    /// (reported per event in a 200 response).
    pub status: u16,
    /// A short title (the problem's `title`).
    pub title: &'static str,
    /// What it means and what a client can do about it.
    pub meaning: &'static str,
}

const fn c(code: &'static str, status: u16, title: &'static str, meaning: &'static str) -> Code {
    Code {
        code,
        status,
        title,
        meaning,
    }
}

pub const CODES: &[Code] = &[
    c(
        "unknown_query_parameter",
        400,
        "Unknown query parameter",
        "The query string names a parameter this operation does not take; the detail names it.",
    ),
    c(
        "order_not_valid",
        409,
        "Order not valid",
        "The parcel's order is known and not valid (pending, invalid or cancelled), so it is not planned or bagged.",
    ),
    c(
        "invalid_key",
        422,
        "Invalid key",
        "The seller-center sign-in was given a key that is unknown or revoked.",
    ),
    c(
        "not_test_mode",
        409,
        "Not a test-mode seller",
        "Only a seller created with \"test_mode\": true can simulate pickups and intakes; a live seller's handovers move only by real scans.",
    ),
    c(
        "last_key",
        409,
        "Last key",
        "This is the principal's last live key; create another before revoking it.",
    ),
    c(
        "key_not_found",
        404,
        "Key not found",
        "No live key with this id for this principal.",
    ),
    c(
        "operator_token_in_use",
        422,
        "Operator token in use",
        "The operator token from the environment names a key that exists for another principal.",
    ),
    c(
        "webhook_not_found",
        404,
        "Webhook not found",
        "No such webhook endpoint for this seller.",
    ),
    c(
        "event_not_found",
        404,
        "Event not found",
        "No such event for this seller.",
    ),
    c(
        "too_many_webhooks",
        422,
        "Too many webhooks",
        "The seller has as many webhook endpoints as allowed; delete one first.",
    ),
    c(
        "malformed_json",
        400,
        "Malformed JSON",
        "The body is not valid JSON. Fix the syntax; the detail says where.",
    ),
    c(
        "invalid_query",
        400,
        "Invalid query string",
        "The query string is malformed, or a parameter has a value of the wrong type (422 then).",
    ),
    c(
        "unauthorized",
        401,
        "Unauthorized",
        "No bearer token, a malformed one, or one that is unknown or revoked. Send Authorization: Bearer <token>.",
    ),
    c(
        "forbidden",
        403,
        "Forbidden",
        "This token's role may never call this route.",
    ),
    c(
        "route_not_found",
        404,
        "No such route",
        "No route has this path.",
    ),
    c(
        "seller_not_found",
        404,
        "Seller not found",
        "No such seller, or not one this token may reach (tenancy hides other sellers).",
    ),
    c(
        "handover_not_found",
        404,
        "Handover not found",
        "No such handover for this seller.",
    ),
    c(
        "bag_not_found",
        404,
        "Bag not found",
        "No such bag for this caller.",
    ),
    c(
        "parcel_not_found",
        404,
        "Parcel not found",
        "A named parcel is not registered for this seller.",
    ),
    c(
        "claim_not_found",
        404,
        "Claim not found",
        "No such claim for this seller.",
    ),
    c(
        "grant_not_found",
        404,
        "Grant not found",
        "This seller has not granted this ISV.",
    ),
    c("isv_not_found", 404, "ISV not found", "No such ISV app."),
    c(
        "courier_not_found",
        404,
        "Courier not found",
        "No such courier, or another courier's id (a courier manages only its own keys).",
    ),
    c(
        "sorting_center_not_found",
        404,
        "Sorting center not found",
        "No sorting center has this code.",
    ),
    c(
        "region_not_found",
        404,
        "Region not found",
        "No province or city has this code or name.",
    ),
    c(
        "tracking_number_not_found",
        404,
        "Tracking number not found",
        "No parcel this token may see has this tracking number.",
    ),
    c(
        "method_not_allowed",
        405,
        "Method not allowed",
        "The route exists but not with this method.",
    ),
    c(
        "not_acceptable",
        406,
        "Not acceptable",
        "The Accept header asks for a format this route does not produce.",
    ),
    c(
        "already_picked_up",
        409,
        "Already picked up",
        "The courier has reported the pickup: the handover or its bags can no longer change.",
    ),
    c(
        "handover_cancelled",
        409,
        "Handover cancelled",
        "The handover is cancelled; its documents and bags are closed.",
    ),
    c(
        "handover_not_reschedulable",
        409,
        "Handover not reschedulable",
        "Only a booked or failed pickup can move to another date.",
    ),
    c(
        "parcel_already_bagged",
        409,
        "Parcel already bagged",
        "The parcel is in a bag of a live handover already.",
    ),
    c(
        "parcel_cancelled",
        409,
        "Parcel cancelled",
        "The parcel's order was cancelled.",
    ),
    c(
        "parcel_not_in_bag",
        409,
        "Parcel not in bag",
        "The parcel to remove is not in this bag.",
    ),
    c(
        "claim_already_decided",
        409,
        "Claim already decided",
        "The operator has decided this claim.",
    ),
    c(
        "claim_exists",
        409,
        "Claim exists",
        "A claim for this bag or parcel is open already.",
    ),
    c(
        "claim_not_allowed",
        409,
        "Claim not allowed",
        "Claims are open only for overdue bags and parcels missing at intake.",
    ),
    c(
        "scan_conflict",
        409,
        "Scan conflict",
        "Another scan changed the bag at the same moment; retry.",
    ),
    c(
        "idempotency_request_in_flight",
        409,
        "Request in flight",
        "A request with this Idempotency-Key is still running; retry after it ends.",
    ),
    c(
        "payload_too_large",
        413,
        "Payload too large",
        "The body is larger than this server accepts (FIRSTMILE_BODY_LIMIT_BYTES).",
    ),
    c(
        "unsupported_media_type",
        415,
        "Unsupported media type",
        "Send the body as JSON with Content-Type: application/json.",
    ),
    c(
        "validation_failed",
        422,
        "Validation failed",
        "A value of the request is refused; `errors` names each field, with its own code.",
    ),
    c(
        "idempotency_key_reused",
        422,
        "Idempotency key reused",
        "This Idempotency-Key was used with a different request.",
    ),
    c(
        "invalid_cursor",
        422,
        "Invalid cursor",
        "The page cursor is not one this server gave.",
    ),
    c(
        "invalid_date",
        422,
        "Invalid date",
        "A date is not YYYY-MM-DD.",
    ),
    c(
        "pickup_date_in_past",
        422,
        "Pickup date in the past",
        "The pickup date is before today in China.",
    ),
    c(
        "pickup_date_too_far",
        422,
        "Pickup date too far",
        "Pickups are booked at most a month ahead.",
    ),
    c(
        "area_not_covered",
        422,
        "Area not covered",
        "Door pickup is not offered in the seller's province or city.",
    ),
    c(
        "not_launched_yet",
        422,
        "Not launched yet",
        "Door pickup starts in this area after the pickup date.",
    ),
    c(
        "outside_service_area",
        422,
        "Outside the service area",
        "The pickup address is outside the area served.",
    ),
    c(
        "seller_not_eligible",
        422,
        "Seller not eligible",
        "The seller's average daily orders are below the threshold for free pickup.",
    ),
    c(
        "sorting_center_not_supported",
        422,
        "Sorting center not supported",
        "Consolidated handover is not open for routes to this sorting center.",
    ),
    c(
        "no_parcels_to_plan",
        422,
        "No parcels to plan",
        "The seller has no registered, unbagged parcels for this sorting center.",
    ),
    c(
        "parcel_unplaceable",
        422,
        "Parcel unplaceable",
        "A parcel breaks the bag limits on its own.",
    ),
    c(
        "no_bags_declared",
        422,
        "No bags declared",
        "A booking without auto_plan declares at least one bag, each with at least one parcel.",
    ),
    c(
        "parcel_listed_twice",
        422,
        "Parcel listed twice",
        "A tracking number appears twice in the bags of one request.",
    ),
    c(
        "parcel_wrong_sorting_center",
        422,
        "Parcel bound elsewhere",
        "A parcel is registered for another sorting center.",
    ),
    c(
        "bag_too_many_parcels",
        422,
        "Too many parcels",
        "The bag holds more parcels than a bag may.",
    ),
    c(
        "bag_too_heavy",
        422,
        "Bag too heavy",
        "The bag's parcels weigh more than a bag may.",
    ),
    c(
        "bag_side_too_long",
        422,
        "Bag side too long",
        "A side of the bag is longer than allowed.",
    ),
    c(
        "bag_dimensions_sum_too_large",
        422,
        "Bag too large",
        "The bag's three sides sum to more than allowed.",
    ),
    c(
        "bag_invalid_size",
        422,
        "Invalid bag size",
        "A bag's sides must be positive numbers of centimetres.",
    ),
    c(
        "rate_limited",
        429,
        "Too many requests",
        "A rate limit (per token, per IP, or of failed authentications) is reached; retry after Retry-After seconds.",
    ),
    c(
        "internal_error",
        500,
        "Internal error",
        "A fault on our side; retry later, quoting the request id.",
    ),
    c(
        "request_failed",
        500,
        "Request failed",
        "An error answered by neither a handler nor a known middleware.",
    ),
    c(
        "service_unavailable",
        503,
        "Service unavailable",
        "The database is busy; retry shortly.",
    ),
    c(
        "json_too_deep",
        400,
        "JSON too deep",
        "The body nests arrays and objects deeper than 32 levels.",
    ),
    c(
        "transaction_conflict",
        503,
        "Transaction conflict",
        "The change met concurrent changes of the same records and was retried without success; retry after Retry-After.",
    ),
    c(
        "database_unavailable",
        503,
        "Database unavailable",
        "The readiness check cannot reach the database.",
    ),
    c(
        "overloaded",
        503,
        "Overloaded",
        "This server has as many requests in flight as it takes (FIRSTMILE_MAX_CONCURRENT_REQUESTS); retry after Retry-After, possibly on another server.",
    ),
    c(
        "request_timeout",
        503,
        "Request timeout",
        "The request ran longer than FIRSTMILE_REQUEST_TIMEOUT_MS and was stopped; a POST may retry with its Idempotency-Key.",
    ),
    c(
        "event_type_not_allowed",
        0,
        "Event type not allowed",
        "This poster may not post this type of scan (couriers: picked_up, pickup_failed; sorting centers: received).",
    ),
    c(
        "invalid_reason",
        0,
        "Invalid reason",
        "A pickup failure's reason is not one of the vocabulary: the field code of a 422 validation_failed on events[i].reason.",
    ),
    c(
        "handover_not_booked",
        0,
        "Handover not booked",
        "A pickup failure is reported only for a booked handover.",
    ),
    c(
        "already_received",
        0,
        "Already received",
        "The bag was received already.",
    ),
    c(
        "wrong_sorting_center",
        0,
        "Wrong sorting center",
        "Only the handover's destination may receive its bags.",
    ),
    c(
        "occurred_in_future",
        0,
        "Occurred in the future",
        "The scan is dated later than now plus the clock-skew tolerance (FIRSTMILE_CLOCK_SKEW_MINUTES).",
    ),
    c(
        "pickup_before_booking",
        0,
        "Pickup before booking",
        "The pickup is dated before its handover was booked, less the clock-skew tolerance.",
    ),
    c(
        "received_before_pickup",
        0,
        "Received before pickup",
        "The intake is dated before the bag's reported pickup.",
    ),
    c(
        "received_before_booking",
        0,
        "Received before booking",
        "The intake is dated before its handover was booked, less the clock-skew tolerance.",
    ),
    c(
        "measurement_not_positive",
        0,
        "Measurement not positive",
        "A pickup's measured weight and sides must be greater than zero.",
    ),
    c(
        "event_id_reused",
        0,
        "Event id reused",
        "This event id was posted before with a different payload.",
    ),
    c(
        "duplicate_event_id",
        0,
        "Event id twice in a batch",
        "An earlier event of the same batch has this event id; the first counts.",
    ),
];

/// The entry of a code.
pub fn lookup(code: &str) -> Option<&'static Code> {
    CODES.iter().find(|c| c.code == code)
}

/// The title of a code.
pub fn title(code: &str) -> Option<&'static str> {
    lookup(code).map(|c| c.title)
}

/// Every problem code (those with a status), for the OpenAPI enum.
pub fn problem_codes() -> Vec<&'static str> {
    CODES
        .iter()
        .filter(|c| c.status != 0)
        .map(|c| c.code)
        .collect()
}

#[cfg(test)]
#[path = "codes_tests.rs"]
mod tests;
