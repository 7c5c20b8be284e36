//! Configuration: command-line flags, each with a `FIRSTMILE_*` environment variable
//! and a documented default (see `.env.sample`). Business limits (bag limits, the
//! eligibility rule, the planner's fill factor) are configuration too (docs/rules.md, rules 1 and 5).

use crate::domain::BagLimits;
use crate::domain::eligibility::EligibilityRule;
use crate::domain::performance::CancellationRule;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// firstmile: first-mile pickup and consolidation service.
#[derive(Debug, Parser)]
#[command(
    name = "firstmile",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
// Parsed once at start: the size of the serve variant costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Run the HTTP server (the default).
    Serve(ServeArgs),
    /// Print a consolidation plan for a CSV of parcels as JSON; no server, no database.
    Plan(PlanArgs),
    /// Move closed handovers older than the retention window to the archive tables.
    Archive(ArchiveArgs),
}

/// Flags of the server.
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "FIRSTMILE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded) or `postgres://...`.
    #[arg(
        long,
        env = "FIRSTMILE_DATABASE_URL",
        default_value = "sqlite://firstmile.db?mode=rwc"
    )]
    pub database_url: String,
    /// The operator's bearer token; if unset and none exists, one is made and printed once.
    #[arg(long, env = "FIRSTMILE_OPERATOR_TOKEN", hide_env_values = true)]
    pub operator_token: Option<String>,
    /// Database connections per server.
    #[arg(long, env = "FIRSTMILE_DB_MAX_CONNECTIONS", default_value_t = 8)]
    pub db_max_connections: u32,
    /// Scan transactions one server runs at once (PostgreSQL; SQLite has one writer
    /// whatever this says). Scan requests that come in while they run wait and are
    /// then applied together, one transaction for the lot (group commit); 0 turns
    /// grouping off.
    #[arg(long, env = "FIRSTMILE_DB_SCAN_WRITERS", default_value_t = crate::store::DEFAULT_SCAN_WRITERS)]
    pub db_scan_writers: usize,
    #[command(flatten)]
    pub sqlite: SqliteArgs,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "FIRSTMILE_BODY_LIMIT_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub body_limit_bytes: usize,
    /// Log format: `text` or `json`.
    #[arg(long, env = "FIRSTMILE_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
    /// Hours an idempotency record (a saved response) is kept.
    #[arg(long, env = "FIRSTMILE_IDEMPOTENCY_TTL_HOURS", default_value_t = 24)]
    pub idempotency_ttl_hours: u64,
    /// Seconds between two sweeps of expired idempotency records.
    #[arg(
        long,
        env = "FIRSTMILE_IDEMPOTENCY_SWEEP_SECONDS",
        default_value_t = 300
    )]
    pub idempotency_sweep_seconds: u64,
    #[command(flatten)]
    pub rules: RuleArgs,
    #[command(flatten)]
    pub web: WebArgs,
    #[command(flatten)]
    pub ops: OpsArgs,
    #[command(flatten)]
    pub webhooks: WebhookArgs,
}

/// The seller-center sessions (docs/rules.md, rule 18).
#[derive(Clone, Debug, Args)]
pub struct WebArgs {
    /// A seller-center session ends after this many minutes without a request.
    #[arg(long, env = "FIRSTMILE_WEB_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub web_session_idle_minutes: u32,
    /// A seller-center session ends this many hours after sign-in, however used.
    #[arg(long, env = "FIRSTMILE_WEB_SESSION_MAX_HOURS", default_value_t = 12)]
    pub web_session_max_hours: u32,
    /// Mark the session cookie `Secure` (set when served over https).
    #[arg(long, env = "FIRSTMILE_WEB_SECURE_COOKIES", default_value_t = false)]
    pub web_secure_cookies: bool,
    /// Sign-in attempts allowed per client address per minute.
    #[arg(long, env = "FIRSTMILE_WEB_LOGIN_PER_MINUTE", default_value_t = 10)]
    pub web_login_per_minute: u32,
}

impl Default for WebArgs {
    fn default() -> Self {
        Self {
            web_session_idle_minutes: 30,
            web_session_max_hours: 12,
            web_secure_cookies: false,
            web_login_per_minute: 10,
        }
    }
}

/// Flags of webhook delivery (docs/api.md, "Webhooks").
#[derive(Clone, Debug, Args)]
pub struct WebhookArgs {
    /// Accept `http://` webhook URLs (default: https only).
    #[arg(long = "webhook-allow-http", env = "FIRSTMILE_WEBHOOK_ALLOW_HTTP", default_value_t = false, action = clap::ArgAction::Set)]
    pub allow_http: bool,
    /// Accept loopback, private and link-local webhook targets (tests, private networks).
    #[arg(long = "webhook-allow-private", env = "FIRSTMILE_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub allow_private: bool,
    /// Run the delivery worker in this server.
    #[arg(long = "webhook-worker", env = "FIRSTMILE_WEBHOOK_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub worker: bool,
    /// How often the worker looks for due deliveries, in milliseconds.
    #[arg(
        long = "webhook-poll-ms",
        env = "FIRSTMILE_WEBHOOK_POLL_MS",
        default_value_t = 1_000
    )]
    pub poll_ms: u64,
    /// Connect and response timeout of one delivery attempt, in milliseconds.
    #[arg(
        long = "webhook-timeout-ms",
        env = "FIRSTMILE_WEBHOOK_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub timeout_ms: u64,
}

impl Default for WebhookArgs {
    fn default() -> Self {
        Self {
            allow_http: false,
            allow_private: false,
            worker: true,
            poll_ms: 1_000,
            timeout_ms: 10_000,
        }
    }
}

impl WebhookArgs {
    pub fn policy(&self) -> crate::webhooks::client::UrlPolicy {
        crate::webhooks::client::UrlPolicy {
            allow_http: self.allow_http,
            allow_private: self.allow_private,
        }
    }

    pub fn worker_config(&self) -> crate::webhooks::WorkerConfig {
        let timeout = std::time::Duration::from_millis(self.timeout_ms.max(100));
        crate::webhooks::WorkerConfig {
            policy: self.policy(),
            poll: std::time::Duration::from_millis(self.poll_ms.max(10)),
            timeout,
            lease_ms: i64::try_from(timeout.as_millis()).unwrap_or(60_000) * 6,
            batch: 100,
        }
    }
}

/// SQLite settings (ignored on PostgreSQL); BENCHMARKS.md, "SQLite settings", has
/// what each costs and buys.
#[derive(Clone, Debug, Args)]
pub struct SqliteArgs {
    /// SQLite `synchronous`: `normal` (a power loss may undo the last commits, a crash
    /// of the process does not) or `full` (every commit synced to disk).
    #[arg(long, env = "FIRSTMILE_SQLITE_SYNCHRONOUS", default_value = "normal")]
    pub sqlite_synchronous: crate::store::Synchronous,
    /// SQLite: bytes of the file read through a memory map (0: none).
    #[arg(long, env = "FIRSTMILE_SQLITE_MMAP_BYTES", default_value_t = 0)]
    pub sqlite_mmap_bytes: u64,
    /// SQLite: page cache per connection, in KiB.
    #[arg(long, env = "FIRSTMILE_SQLITE_CACHE_KIB", default_value_t = 2_000)]
    pub sqlite_cache_kib: u64,
}

impl SqliteArgs {
    pub fn settings(&self) -> crate::store::SqliteSettings {
        crate::store::SqliteSettings {
            synchronous: self.sqlite_synchronous,
            mmap_bytes: self.sqlite_mmap_bytes,
            cache_kib: self.sqlite_cache_kib,
        }
    }
}

impl Default for SqliteArgs {
    fn default() -> Self {
        let d = crate::store::SqliteSettings::default();
        Self {
            sqlite_synchronous: d.synchronous,
            sqlite_mmap_bytes: d.mmap_bytes,
            sqlite_cache_kib: d.cache_kib,
        }
    }
}

/// Operability: metrics, rate limits, timeout and load shedding. Every limit has a
/// default generous enough for ordinary clients and the benchmarks; 0 turns one off.
#[derive(Clone, Debug, Args)]
pub struct OpsArgs {
    /// Also serve `/metrics` without a token on this address (e.g. `0.0.0.0:9090`).
    #[arg(long, env = "FIRSTMILE_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Requests per second one bearer token may make, sustained (0: no limit).
    #[arg(long, env = "FIRSTMILE_RATE_PER_KEY", default_value_t = 200)]
    pub rate_per_key: u32,
    /// Burst one bearer token may make above its sustained rate.
    #[arg(long, env = "FIRSTMILE_RATE_PER_KEY_BURST", default_value_t = 2_000)]
    pub rate_per_key_burst: u32,
    /// Requests per second one client IP may make, sustained (0: no limit).
    #[arg(long, env = "FIRSTMILE_RATE_PER_IP", default_value_t = 500)]
    pub rate_per_ip: u32,
    /// Burst one client IP may make above its sustained rate.
    #[arg(long, env = "FIRSTMILE_RATE_PER_IP_BURST", default_value_t = 5_000)]
    pub rate_per_ip_burst: u32,
    /// Failed authentications (401) one client IP may have per minute, sustained (0: no limit).
    #[arg(long, env = "FIRSTMILE_AUTH_FAILURES_PER_MINUTE", default_value_t = 30)]
    pub auth_failures_per_minute: u32,
    /// Failed authentications one client IP may have in a burst.
    #[arg(long, env = "FIRSTMILE_AUTH_FAILURES_BURST", default_value_t = 60)]
    pub auth_failures_burst: u32,
    /// Take the client IP from `X-Forwarded-For` / `Forwarded` (only behind a trusted
    /// load balancer that sets them).
    #[arg(long, env = "FIRSTMILE_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,
    /// Longest a request may run, in milliseconds, before a 503 `request_timeout` (0: none).
    #[arg(long, env = "FIRSTMILE_REQUEST_TIMEOUT_MS", default_value_t = 30_000)]
    pub request_timeout_ms: u64,
    /// Requests one server handles at once; more are refused with 503 `overloaded` (0: no limit).
    #[arg(long, env = "FIRSTMILE_MAX_CONCURRENT_REQUESTS", default_value_t = 512)]
    pub max_concurrent_requests: usize,
}

impl Default for OpsArgs {
    fn default() -> Self {
        Self {
            metrics_listen: None,
            rate_per_key: 200,
            rate_per_key_burst: 2_000,
            rate_per_ip: 500,
            rate_per_ip_burst: 5_000,
            auth_failures_per_minute: 30,
            auth_failures_burst: 60,
            trust_forwarded_for: false,
            request_timeout_ms: 30_000,
            max_concurrent_requests: 512,
        }
    }
}

/// Flags of the `archive` command (docs/operations.md, "Retention").
#[derive(Clone, Debug, Args)]
pub struct ArchiveArgs {
    /// Database URL, as for the server.
    #[arg(
        long,
        env = "FIRSTMILE_DATABASE_URL",
        default_value = "sqlite://firstmile.db?mode=rwc"
    )]
    pub database_url: String,
    /// Whole months kept live before the current one (at least 14).
    #[arg(long, env = "FIRSTMILE_ARCHIVE_KEEP_MONTHS", default_value_t = 14)]
    pub keep_months: u32,
    /// Handovers archived in one transaction (1 to 1000).
    #[arg(long, env = "FIRSTMILE_ARCHIVE_CHUNK", default_value_t = 200)]
    pub chunk: usize,
    #[command(flatten)]
    pub sqlite: SqliteArgs,
}

/// Flags of the `plan` command.
#[derive(Clone, Debug, Args)]
pub struct PlanArgs {
    /// CSV file of parcels, or `-` for standard input.
    #[arg(long, short)]
    pub input: PathBuf,
    #[command(flatten)]
    pub rules: RuleArgs,
}

/// Business limits, shared by the server and the CLI.
#[derive(Clone, Debug, Args)]
pub struct RuleArgs {
    /// Most parcels in one master bag.
    #[arg(long, env = "FIRSTMILE_BAG_MAX_PARCELS", default_value_t = 300)]
    pub bag_max_parcels: u32,
    /// Heaviest master bag, in grams.
    #[arg(long, env = "FIRSTMILE_BAG_MAX_WEIGHT_G", default_value_t = 50_000)]
    pub bag_max_weight_g: i64,
    /// Longest side of a master bag, in centimetres.
    #[arg(long, env = "FIRSTMILE_BAG_MAX_SIDE_CM", default_value_t = 120.0)]
    pub bag_max_side_cm: f64,
    /// Largest sum of a master bag's three sides, in centimetres.
    #[arg(long, env = "FIRSTMILE_BAG_MAX_SUM_CM", default_value_t = 180.0)]
    pub bag_max_sum_cm: f64,
    /// Weight of the empty bag counted by the planner, in grams.
    #[arg(long, env = "FIRSTMILE_BAG_TARE_G", default_value_t = 0)]
    pub bag_tare_g: u32,
    /// Share of a bag's envelope that parcels may fill when the planner packs it.
    #[arg(long, env = "FIRSTMILE_FILL_FACTOR", default_value_t = 0.70)]
    pub fill_factor: f64,
    /// Time the planner's exact search may take per plan, in milliseconds (0: off).
    #[arg(long, env = "FIRSTMILE_PLAN_EXACT_BUDGET_MS", default_value_t = 1_000)]
    pub plan_exact_budget_ms: u64,
    /// Average daily orders a seller needs for free door pickup.
    #[arg(long, env = "FIRSTMILE_ELIGIBILITY_THRESHOLD", default_value_t = 50.0)]
    pub eligibility_threshold: f64,
    /// Complete days, before the day of the check, that the average is taken over.
    #[arg(long, env = "FIRSTMILE_ELIGIBILITY_WINDOW_DAYS", default_value_t = 30)]
    pub eligibility_window_days: u32,
    /// Store cancellation rate above which the marketplace puts a store into vacation
    /// mode, as a fraction (0.30 is 30%).
    #[arg(long, env = "FIRSTMILE_CANCELLATION_THRESHOLD", default_value_t = 0.30)]
    pub cancellation_threshold: f64,
    /// Days before the day of a check that the cancellation rate counts.
    #[arg(long, env = "FIRSTMILE_CANCELLATION_WINDOW_DAYS", default_value_t = 7)]
    pub cancellation_window_days: u32,
    /// Length of the first vacation period, re-checked daily.
    #[arg(long, env = "FIRSTMILE_VACATION_DAYS", default_value_t = 7)]
    pub vacation_days: u32,
    /// Days added when no re-check of the first period is at or below the threshold.
    #[arg(long, env = "FIRSTMILE_VACATION_EXTENSION_DAYS", default_value_t = 7)]
    pub vacation_extension_days: u32,
    /// Rate of the next check's window from which the operator's view lists a store
    /// as at risk of vacation mode.
    #[arg(long, env = "FIRSTMILE_VACATION_RISK_RATE", default_value_t = 0.25)]
    pub vacation_risk_rate: f64,
    /// Hours after RTS (or registration) a bagged parcel with no first scan is at risk.
    #[arg(long, env = "FIRSTMILE_FIRST_SCAN_AT_RISK_HOURS", default_value_t = 24)]
    pub first_scan_at_risk_hours: u32,
    /// How far a scanner's clock may be off ours, in minutes: a scan may lie this far
    /// in the future, and a pickup this far before its handover's booking.
    #[arg(long, env = "FIRSTMILE_CLOCK_SKEW_MINUTES", default_value_t = 60)]
    pub clock_skew_minutes: u32,
}

impl Default for RuleArgs {
    fn default() -> Self {
        let limits = BagLimits::default();
        let rule = EligibilityRule::default();
        let cancellation = CancellationRule::default();
        Self {
            bag_max_parcels: limits.max_parcels,
            bag_max_weight_g: limits.max_weight_g,
            bag_max_side_cm: limits.max_side_cm,
            bag_max_sum_cm: limits.max_sum_cm,
            bag_tare_g: 0,
            fill_factor: 0.70,
            plan_exact_budget_ms: 1_000,
            eligibility_threshold: rule.threshold,
            eligibility_window_days: rule.window_days,
            cancellation_threshold: cancellation.threshold,
            cancellation_window_days: cancellation.window_days,
            vacation_days: cancellation.vacation_days,
            vacation_extension_days: cancellation.extension_days,
            vacation_risk_rate: 0.25,
            first_scan_at_risk_hours: 24,
            clock_skew_minutes: 60,
        }
    }
}

impl RuleArgs {
    pub fn bag_limits(&self) -> BagLimits {
        BagLimits {
            max_parcels: self.bag_max_parcels,
            max_weight_g: self.bag_max_weight_g,
            max_side_cm: self.bag_max_side_cm,
            max_sum_cm: self.bag_max_sum_cm,
        }
    }

    /// The planner's configuration.
    pub fn plan_config(&self) -> crate::planner::PlanConfig {
        crate::planner::PlanConfig {
            max_parcels: self.bag_max_parcels,
            max_weight_g: u32::try_from(self.bag_max_weight_g).unwrap_or(u32::MAX),
            max_side_cm: self.bag_max_side_cm,
            max_sum_cm: self.bag_max_sum_cm,
            tare_g: self.bag_tare_g,
            fill_factor: self.fill_factor,
            exact_budget_ms: self.plan_exact_budget_ms,
        }
    }

    /// The store cancellation-rate rule (rule 21).
    pub fn cancellation(&self) -> CancellationRule {
        CancellationRule {
            threshold: self.cancellation_threshold,
            window_days: self.cancellation_window_days.max(1),
            vacation_days: self.vacation_days.max(1),
            extension_days: self.vacation_extension_days,
        }
    }

    /// The clock-skew tolerance of scans, in milliseconds.
    pub fn clock_skew_ms(&self) -> i64 {
        i64::from(self.clock_skew_minutes) * 60_000
    }

    pub fn eligibility(&self) -> EligibilityRule {
        EligibilityRule {
            threshold: self.eligibility_threshold,
            window_days: self.eligibility_window_days.max(1),
        }
    }
}

/// Business rules in force, from configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub limits: BagLimits,
    pub eligibility: EligibilityRule,
    pub cancellation: CancellationRule,
    pub rules: RuleArgs,
    pub body_limit_bytes: usize,
    pub web: WebArgs,
    /// How long idempotency records are kept, in milliseconds.
    pub idempotency_ttl_ms: i64,
    /// How often expired idempotency records are swept.
    pub idempotency_sweep_every: std::time::Duration,
    pub ops: OpsArgs,
    pub webhooks: WebhookArgs,
}

impl Settings {
    pub fn from_rules(rules: RuleArgs, body_limit_bytes: usize) -> Self {
        Self {
            limits: rules.bag_limits(),
            eligibility: rules.eligibility(),
            cancellation: rules.cancellation(),
            rules,
            body_limit_bytes,
            web: WebArgs::default(),
            idempotency_ttl_ms: 24 * 3_600_000,
            idempotency_sweep_every: std::time::Duration::from_secs(300),
            ops: OpsArgs::default(),
            webhooks: WebhookArgs::default(),
        }
    }

    /// With idempotency records kept `ttl_hours` and swept every `sweep_seconds`
    /// (at least one second).
    pub fn with_idempotency(mut self, ttl_hours: u64, sweep_seconds: u64) -> Self {
        self.idempotency_ttl_ms =
            i64::try_from(ttl_hours.saturating_mul(3_600_000)).unwrap_or(i64::MAX);
        self.idempotency_sweep_every = std::time::Duration::from_secs(sweep_seconds.max(1));
        self
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self::from_rules(RuleArgs::default(), 2 * 1024 * 1024)
    }
}
