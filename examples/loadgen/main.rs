//! Load generator for the scan path of a running firstmile server (loopback only).
//!
//! Setup, through the API: a seller in Shenzhen (440000/440300) with 30 days of 60
//! orders a day (or `--sellers N` of them, the bags shared out), its parcels, handovers
//! of a few bags each for today in China (UTC+8), a courier for city 440300 and a key
//! for sorting center SZX. Then two measured
//! phases on `POST /v1/scans`: `picked_up` events (with `measured_weight_g`) for every
//! bag, then `received` events (with `parcels_found`) for every bag, each phase in
//! batches of `--batch` events posted by `--concurrency` concurrent clients. For each
//! phase it prints events/s, requests/s and p50/p99 request latency.
//!
//! With `--intake-bags N`, the last N bags are left out of the batched `received`
//! phase and taken in afterwards one `received` event a request from one client (row
//! `intake`), for the latency of a single intake (`--parcels-per-bag 300` for big bags).
//!
//! With `--anchor-url <database url>` (`sqlite:///path?mode=rwc` or `postgres://…`,
//! loopback only) it also starts, in this process, a plain axum + sqlx server on that
//! database (`anchor.rs`: one `INSERT` per event in one transaction a request, and a
//! `received` event's parcels in one more) and runs the same phases against it with the
//! same client, batch and concurrency (rows `anchor …`), then prints firstmile ÷ anchor
//! ratios of events/s and latency. `--anchor-driver any` puts the anchor on
//! `sqlx::AnyPool` (firstmile's layer) instead of the native pool, with the same SQL.
//!
//! Bounded: `--bags` bags in all, and each phase stops issuing requests after
//! `--max-seconds`. Every run makes a new seller, so runs can repeat on one database
//! (firstmile's and the anchor's).
//!
//! With `--mixed-seconds N` it runs, instead of the two phases, N seconds of a mixed
//! load (tracking reads, handover lists, the courier's route, single pickups and
//! intakes, and registrations of 10 new parcels a request) and prints p50/p99 per
//! operation, then the achieved rate and the overall p50/p99; any 5xx fails the run.
//! It does not take `--anchor-url` or `--intake-bags`. `--mixed-rate R` paces it open
//! loop: each of the C clients issues its operations on its own schedule of R / C a
//! second, computed from the start (a client behind schedule sends at once), and
//! latency counts from the scheduled time, so a slow answer neither lowers the offered
//! rate nor hides its own wait (no coordinated omission). Without it (0) each client
//! sends its next operation when the last is answered.
//!
//! With `--probe N` it runs neither: it times each hot-path operation N times from one
//! client for a probe seller of its own (registering and booking 300 parcels, a
//! 300-parcel intake, tracking, handover list pages, eligibility, the courier's day,
//! the sorting center's discrepancies) and prints p50/p99 of each (`probe.rs`).
//!
//! `--base-url` takes a comma-separated list of base URLs (several firstmile nodes on
//! one database): setup goes through the first, and every measured request (phases
//! and mixed load) to the next URL in turn, round robin over one counter.
//!
//! ```text
//! FIRSTMILE_DATABASE_URL='sqlite:///tmp/loadgen.db?mode=rwc' FIRSTMILE_OPERATOR_TOKEN=bench \
//!   FIRSTMILE_LISTEN=127.0.0.1:18080 target/release/firstmile &
//! cargo run --release --example loadgen -- --base-url http://127.0.0.1:18080 --token bench \
//!   --bags 2000 --batch 100 --concurrency 4 \
//!   --anchor-url 'sqlite:///tmp/loadgen-anchor.db?mode=rwc' --intake-bags 20
//! ```

mod anchor;
mod probe;

use chrono::{Days, FixedOffset, SecondsFormat, Utc};
use clap::Parser;
use reqwest::{Client, Method, StatusCode, Url};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(about = "Load generator for POST /v1/scans on a local firstmile server")]
struct Args {
    /// Base URL of the server, or a comma-separated list of them (several nodes on
    /// one database); only loopback hosts are accepted. Setup goes through the first;
    /// every measured request goes to the next in turn.
    #[arg(
        long,
        env = "FIRSTMILE_LOADGEN_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    base_url: String,
    /// The operator's bearer token.
    #[arg(long, env = "FIRSTMILE_OPERATOR_TOKEN")]
    token: String,
    /// Bags in all (one `picked_up` and one `received` event each).
    #[arg(long, env = "FIRSTMILE_LOADGEN_BAGS", default_value_t = 2000)]
    bags: usize,
    /// Parcels per bag.
    #[arg(long, env = "FIRSTMILE_LOADGEN_PARCELS_PER_BAG", default_value_t = 3)]
    parcels_per_bag: usize,
    /// Bags per handover.
    #[arg(long, env = "FIRSTMILE_LOADGEN_BAGS_PER_HANDOVER", default_value_t = 5)]
    bags_per_handover: usize,
    /// Sellers the bags are spread over (each with its own parcels and handovers);
    /// the scan phases take their bags in turn (the first seller's first bag, the
    /// second seller's first bag, ...). With one seller, concurrent requests wait for
    /// each other at the seller's event counter and at their shared handover's row.
    #[arg(long, env = "FIRSTMILE_LOADGEN_SELLERS", default_value_t = 1)]
    sellers: usize,
    /// Events per `POST /v1/scans`.
    #[arg(long, env = "FIRSTMILE_LOADGEN_BATCH", default_value_t = 100)]
    batch: usize,
    /// Concurrent clients.
    #[arg(long, env = "FIRSTMILE_LOADGEN_CONCURRENCY", default_value_t = 4)]
    concurrency: usize,
    /// Time limit of each phase (setup and each scan phase), seconds.
    #[arg(long, env = "FIRSTMILE_LOADGEN_MAX_SECONDS", default_value_t = 120)]
    max_seconds: u64,
    /// Instead of the two scan phases, a mixed load for this many seconds: tracking
    /// reads, handover list reads, the courier's route, pickups and intakes (one
    /// event a request) and registrations (10 new parcels a request), each client
    /// picking the next operation in turn.
    #[arg(long, env = "FIRSTMILE_LOADGEN_MIXED_SECONDS", default_value_t = 0)]
    mixed_seconds: u64,
    /// Offered rate of the mixed load, operations a second in all (0: as fast as the
    /// clients go). Open loop: each client runs its own schedule of rate / concurrency
    /// operations a second, and latency counts from the scheduled time.
    #[arg(long, env = "FIRSTMILE_LOADGEN_MIXED_RATE", default_value_t = 0.0)]
    mixed_rate: f64,
    /// Bags left out of the batched `received` phase and taken in afterwards one
    /// `received` event a request, from one client (intake latency).
    #[arg(long, env = "FIRSTMILE_LOADGEN_INTAKE_BAGS", default_value_t = 0)]
    intake_bags: usize,
    /// Also run the phases against a plain axum + sqlx server on this database
    /// (`sqlite:///path?mode=rwc` or `postgres://…` on loopback), started in-process.
    #[arg(long, env = "FIRSTMILE_LOADGEN_ANCHOR_URL")]
    anchor_url: Option<String>,
    /// The anchor's sqlx layer: the native pool of its database, or `AnyPool`.
    #[arg(long, env = "FIRSTMILE_LOADGEN_ANCHOR_DRIVER", value_enum, default_value_t = anchor::Driver::Native)]
    anchor_driver: anchor::Driver,
    /// Instead of the scan phases: time each hot-path operation this many times from
    /// one client, for a probe seller of its own (`probe.rs`).
    #[arg(long, env = "FIRSTMILE_LOADGEN_PROBE", default_value_t = 0)]
    probe: usize,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A booked bag: its id and its parcels.
#[derive(Clone, Debug)]
struct Bag {
    id: String,
    parcels: Vec<String>,
}

/// The API client: the setup's base URL, the measured requests' base URLs (taken in
/// turn, one counter for all clients) and a connection-pooling HTTP client.
#[derive(Clone)]
struct Api {
    base: Url,
    targets: Arc<Vec<Url>>,
    next_target: Arc<AtomicUsize>,
    client: Client,
}

impl Api {
    fn new(bases: Vec<Url>, client: Client) -> Self {
        Api {
            base: bases[0].clone(),
            targets: Arc::new(bases),
            next_target: Arc::default(),
            client,
        }
    }

    /// The base URL of the next measured request (round robin over `--base-url`).
    fn target(&self) -> &Url {
        let i = self.next_target.fetch_add(1, Ordering::Relaxed);
        &self.targets[i % self.targets.len()]
    }

    /// A setup request, to the first base URL.
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: &Value,
    ) -> Result<(StatusCode, Value), BoxError> {
        self.call_to(&self.base, method, path, token, body).await
    }

    async fn call_to(
        &self,
        base: &Url,
        method: Method,
        path: &str,
        token: &str,
        body: &Value,
    ) -> Result<(StatusCode, Value), BoxError> {
        let resp = self
            .client
            .request(method, base.join(path)?)
            .bearer_auth(token)
            .json(body)
            .send()
            .await?;
        let status = resp.status();
        let text = resp.text().await?;
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok((status, value))
    }

    /// Calls and insists on `expect`; returns the body.
    async fn expect(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: &Value,
        expect: StatusCode,
    ) -> Result<Value, BoxError> {
        let (status, value) = self.call(method.clone(), path, token, body).await?;
        if status != expect {
            return Err(format!("{method} {path}: {status} (wanted {expect}): {value}").into());
        }
        Ok(value)
    }
}

fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn check_loopback(url: &Url) -> Result<(), BoxError> {
    if !is_loopback(url) || url.scheme() != "http" {
        return Err(
            format!("refusing {url}: loadgen talks only to http on a loopback address").into(),
        );
    }
    Ok(())
}

/// The anchor's database: SQLite, or PostgreSQL on a loopback host.
fn check_anchor_url(url: &str) -> Result<(), BoxError> {
    if url.starts_with("sqlite:") {
        return Ok(());
    }
    let parsed: Url = url.parse()?;
    if !matches!(parsed.scheme(), "postgres" | "postgresql") || !is_loopback(&parsed) {
        return Err(format!(
            "refusing --anchor-url {url}: sqlite: or postgres:// on a loopback host"
        )
        .into());
    }
    Ok(())
}

fn main() {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = rt.block_on(run(args)) {
        eprintln!("loadgen: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), BoxError> {
    if args.bags == 0 || args.batch == 0 || args.concurrency == 0 || args.parcels_per_bag == 0 {
        return Err("--bags, --batch, --concurrency and --parcels-per-bag must be positive".into());
    }
    if args.batch > 1000 || args.bags_per_handover == 0 || args.bags_per_handover > 200 {
        return Err("--batch is at most 1000 and --bags-per-handover 1 to 200".into());
    }
    if args.intake_bags > args.bags {
        return Err("--intake-bags is at most --bags".into());
    }
    if args.mixed_seconds > 0 && (args.anchor_url.is_some() || args.intake_bags > 0) {
        return Err("--mixed-seconds takes neither --anchor-url nor --intake-bags".into());
    }
    let mut bases = Vec::new();
    for part in args
        .base_url
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let base: Url = part.parse()?;
        check_loopback(&base)?;
        bases.push(base);
    }
    if bases.is_empty() {
        return Err("--base-url is empty".into());
    }
    if !(args.mixed_rate.is_finite() && args.mixed_rate >= 0.0) {
        return Err("--mixed-rate is a rate, 0 or more".into());
    }
    // Started first, so that a database it cannot open fails the run before the setup.
    let anchor = match &args.anchor_url {
        Some(url) => {
            check_anchor_url(url)?;
            Some(anchor::Anchor::start(url, args.anchor_driver).await?)
        }
        None => None,
    };
    let client = Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let api = Api::new(bases, client);
    if args.probe > 0 {
        return probe::run(&api, &args.token, args.probe).await;
    }
    let limit = Duration::from_secs(args.max_seconds);

    let started = Instant::now();
    let setup = tokio::time::timeout(limit, set_up(&api, &args))
        .await
        .map_err(|_| format!("setup took longer than {}s", args.max_seconds))??;
    println!(
        "setup: {} bags of {} parcels in handovers of {} bags, of {} seller(s), {:.1}s",
        setup.bags.len(),
        args.parcels_per_bag,
        args.bags_per_handover,
        args.sellers.max(1),
        started.elapsed().as_secs_f64()
    );

    let weight_g = i64::try_from(args.parcels_per_bag)? * 100 + 200;
    if args.mixed_seconds > 0 {
        return mixed(&api, &setup, &args, weight_g).await;
    }
    let run_id = format!("{}", Utc::now().timestamp_millis());
    let pickups: Vec<Value> = setup
        .bags
        .iter()
        .map(|b| {
            json!({"event_id": format!("lg-{run_id}-pu-{}", b.id), "type": "picked_up", "bag_id": b.id,
                   "measured_weight_g": weight_g, "lat": 22.5431, "lon": 114.0579})
        })
        .collect();
    let mut receipts: Vec<Value> = setup
        .bags
        .iter()
        .map(|b| {
            json!({"event_id": format!("lg-{run_id}-rc-{}", b.id), "type": "received", "bag_id": b.id,
                   "parcels_found": b.parcels})
        })
        .collect();
    let intakes = receipts.split_off(receipts.len() - args.intake_bags);
    let events = [pickups, receipts, intakes];
    println!(
        "phase             events  requests  accepted  seconds  events/s  requests/s  p50_ms  p99_ms  max_ms"
    );
    let fm = scan_phases(&api, "/v1/scans", &setup, &events, &args, limit).await?;
    let (mut refused, mut failed) = fm.print("");
    if let Some(anchor) = anchor {
        let anchor_api = Api::new(
            vec![format!("http://{}", anchor.addr).parse()?],
            api.client.clone(),
        );
        let raw = scan_phases(&anchor_api, "/scans", &setup, &events, &args, limit).await;
        anchor.stop().await?;
        let raw = raw?;
        let (r, f) = raw.print("anchor ");
        (refused, failed) = (refused + r, failed + f);
        println!("ratio (firstmile / anchor)  events/s  p50  p99");
        let ratio = |x: f64, y: f64| {
            if y > 0.0 {
                format!("{:.2}", x / y)
            } else {
                "-".to_owned()
            }
        };
        for ((name, f), (_, a)) in fm.named().into_iter().zip(raw.named()) {
            println!(
                "ratio {name:<20} {:>9} {:>5} {:>5}",
                ratio(f.events_per_s(), a.events_per_s()),
                ratio(f.pct(0.50), a.pct(0.50)),
                ratio(f.pct(0.99), a.pct(0.99)),
            );
        }
    }
    if refused + failed > 0 {
        return Err(format!("{refused} events refused, {failed} requests failed").into());
    }
    Ok(())
}

/// The measured phases of one server.
struct ScanPhases {
    picked_up: PhaseReport,
    received: PhaseReport,
    intake: Option<PhaseReport>,
}

impl ScanPhases {
    fn named(&self) -> Vec<(&'static str, &PhaseReport)> {
        let mut out = vec![("picked_up", &self.picked_up), ("received", &self.received)];
        out.extend(self.intake.as_ref().map(|r| ("intake", r)));
        out
    }

    /// Prints a row a phase, names prefixed; returns the events refused and the
    /// requests failed.
    fn print(&self, prefix: &str) -> (usize, usize) {
        let mut out = (0, 0);
        for (name, r) in self.named() {
            r.print(&format!("{prefix}{name}"));
            out = (out.0 + r.rejected, out.1 + r.failed_requests);
        }
        out
    }
}

/// `[pickups, batched receipts, single intakes]` posted to `path`: the first two in
/// batches from `--concurrency` clients, the intakes one a request from one client.
async fn scan_phases(
    api: &Api,
    path: &str,
    setup: &Setup,
    events: &[Vec<Value>; 3],
    args: &Args,
    limit: Duration,
) -> Result<ScanPhases, BoxError> {
    let [pickups, receipts, intakes] = events;
    let (batch, clients) = (args.batch, args.concurrency);
    let picked_up = phase(api, path, &setup.courier, pickups, batch, clients, limit).await?;
    let received = phase(api, path, &setup.center, receipts, batch, clients, limit).await?;
    let intake = if intakes.is_empty() {
        None
    } else {
        Some(phase(api, path, &setup.center, intakes, 1, 1, limit).await?)
    };
    Ok(ScanPhases {
        picked_up,
        received,
        intake,
    })
}

struct Setup {
    seller_id: String,
    seller_token: String,
    courier: String,
    center: String,
    bags: Vec<Bag>,
}

/// A 100 g parcel of 20 x 15 x 10 cm for SZX, its order named after it.
fn small_parcel(tracking_number: &str) -> Value {
    json!({"tracking_number": tracking_number, "order_id": format!("O-{tracking_number}"),
           "weight_g": 100, "length_cm": 20.0, "width_cm": 15.0, "height_cm": 10.0,
           "sorting_center": "SZX"})
}

/// Fails on a registration answer that rejected any parcel.
fn none_rejected(body: &Value) -> Result<(), BoxError> {
    if body["rejected"] != 0 {
        return Err(format!("parcels rejected: {body}").into());
    }
    Ok(())
}

/// Today in China: pickup dates and the eligibility window are days in UTC+8.
fn china_today() -> Result<chrono::NaiveDate, BoxError> {
    let china = FixedOffset::east_opt(8 * 3600).ok_or("offset")?;
    Ok(Utc::now().with_timezone(&china).date_naive())
}

/// A new seller at `address` with 60 orders on each of the last 30 days (eligible);
/// returns its id and key.
async fn new_seller(
    api: &Api,
    operator: &str,
    name: &str,
    address: Value,
) -> Result<(String, String), BoxError> {
    let seller = api
        .expect(
            Method::POST,
            "/v1/sellers",
            operator,
            &json!({"name": name, "pickup_address": address}),
            StatusCode::CREATED,
        )
        .await?;
    let seller_id = str_field(&seller, "id")?;
    let today = china_today()?;
    let days: Vec<Value> = (1..=30u64)
        .map(|n| json!({"date": (today - Days::new(n)).to_string(), "orders": 60}))
        .collect();
    api.expect(
        Method::PUT,
        &format!("/v1/sellers/{seller_id}/order-volumes"),
        operator,
        &json!({"days": days}),
        StatusCode::OK,
    )
    .await?;
    Ok((seller_id, str_field(&seller, "api_key")?))
}

/// A new courier serving `city`, and a new key of the SZX sorting center.
async fn new_scanners(api: &Api, operator: &str, city: &str) -> Result<(String, String), BoxError> {
    let courier = api
        .expect(
            Method::POST,
            "/v1/couriers",
            operator,
            &json!({"name": "Loadgen Courier", "cities": [city]}),
            StatusCode::CREATED,
        )
        .await?;
    let center = api
        .expect(
            Method::POST,
            "/v1/sorting-centers/SZX/keys",
            operator,
            &json!({}),
            StatusCode::CREATED,
        )
        .await?;
    Ok((
        str_field(&courier, "api_key")?,
        str_field(&center, "api_key")?,
    ))
}

async fn set_up(api: &Api, args: &Args) -> Result<Setup, BoxError> {
    let op = args.token.as_str();
    let sellers = args.sellers.max(1);
    let mut first = None;
    let mut bags_of: Vec<Vec<Bag>> = Vec::with_capacity(sellers);
    for s in 0..sellers {
        let bags = args.bags / sellers + usize::from(s < args.bags % sellers);
        let (seller_id, seller_token, bags) = seller_with_bags(api, args, bags).await?;
        first.get_or_insert((seller_id, seller_token));
        bags_of.push(bags);
    }
    let (seller_id, seller_token) = first.ok_or("no seller")?;
    // The sellers' bags in turn.
    let mut bags = Vec::with_capacity(args.bags);
    let mut queues: Vec<std::vec::IntoIter<Bag>> =
        bags_of.into_iter().map(Vec::into_iter).collect();
    while bags.len() < args.bags {
        let before = bags.len();
        bags.extend(queues.iter_mut().filter_map(Iterator::next));
        if bags.len() == before {
            break;
        }
    }
    let (courier, center) = new_scanners(api, op, "440300").await?;
    Ok(Setup {
        seller_id,
        seller_token,
        courier,
        center,
        bags,
    })
}

/// A new seller with `n` bags of `--parcels-per-bag` parcels, booked in handovers of
/// `--bags-per-handover` bags for today; returns its id, key and bags.
async fn seller_with_bags(
    api: &Api,
    args: &Args,
    n: usize,
) -> Result<(String, String, Vec<Bag>), BoxError> {
    let address = json!({"province": "440000", "city": "440300", "street": "1 Loadgen Road",
                         "lat": 22.5431, "lon": 114.0579});
    let (seller_id, seller_token) = new_seller(api, &args.token, "Loadgen Seller", address).await?;
    let today = china_today()?;

    let prefix = format!("LG{}", seller_id.trim_start_matches("SL"));
    let tracking: Vec<String> = (0..n * args.parcels_per_bag)
        .map(|i| format!("{prefix}{i:07}"))
        .collect();
    for chunk in tracking.chunks(1000) {
        let parcels: Vec<Value> = chunk.iter().map(|t| small_parcel(t)).collect();
        let body = api
            .expect(
                Method::POST,
                &format!("/v1/sellers/{seller_id}/parcels"),
                &seller_token,
                &json!({"parcels": parcels}),
                StatusCode::OK,
            )
            .await?;
        none_rejected(&body)?;
    }

    let mut bags = Vec::with_capacity(n);
    let per_handover = args.bags_per_handover * args.parcels_per_bag;
    for chunk in tracking.chunks(per_handover.max(1)) {
        let declared: Vec<Value> = chunk
            .chunks(args.parcels_per_bag)
            .map(|p| json!({"parcels": p, "length_cm": 40.0, "width_cm": 30.0, "height_cm": 30.0}))
            .collect();
        let handover = api
            .expect(
                Method::POST,
                &format!("/v1/sellers/{seller_id}/handovers"),
                &seller_token,
                &json!({"sorting_center": "SZX", "pickup_date": today.to_string(), "bags": declared}),
                StatusCode::CREATED,
            )
            .await?;
        for b in handover["bags"].as_array().ok_or("handover without bags")? {
            bags.push(Bag {
                id: str_field(b, "id")?,
                parcels: b["parcels"]
                    .as_array()
                    .ok_or("bag without parcels")?
                    .iter()
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect(),
            });
        }
    }
    Ok((seller_id, seller_token, bags))
}

fn str_field(v: &Value, name: &str) -> Result<String, BoxError> {
    v[name]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("response without {name}: {v}").into())
}

/// What one phase measured.
#[derive(Default)]
struct PhaseReport {
    events: usize,
    requests: usize,
    accepted: usize,
    rejected: usize,
    failed_requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl PhaseReport {
    fn seconds(&self) -> f64 {
        self.elapsed.as_secs_f64().max(1e-9)
    }

    fn events_per_s(&self) -> f64 {
        self.events as f64 / self.seconds()
    }

    /// The `p` quantile of the request latencies, ms (0 without requests).
    fn pct(&self, p: f64) -> f64 {
        let mut l = self.latencies.clone();
        l.sort();
        if l.is_empty() {
            return 0.0;
        }
        let i = ((l.len() as f64 * p).ceil() as usize).clamp(1, l.len()) - 1;
        l[i].as_secs_f64() * 1000.0
    }

    fn print(&self, name: &str) {
        let secs = self.seconds();
        println!(
            "{name:<16} {:>7} {:>9} {:>9} {:>8.2} {:>9.0} {:>11.1} {:>7.1} {:>7.1} {:>7.1}",
            self.events,
            self.requests,
            self.accepted,
            secs,
            self.events_per_s(),
            self.requests as f64 / secs,
            self.pct(0.50),
            self.pct(0.99),
            self.pct(1.0),
        );
        if self.rejected > 0 || self.failed_requests > 0 {
            println!(
                "{name:<16} {} events refused, {} requests failed",
                self.rejected, self.failed_requests
            );
        }
    }
}

/// Posts `events` to `path` in batches of `batch` from `concurrency` clients; each batch's events get
/// `occurred_at` = now (UTC) when the batch is sent. Stops issuing after `limit`.
async fn phase(
    api: &Api,
    path: &str,
    token: &str,
    events: &[Value],
    batch: usize,
    concurrency: usize,
    limit: Duration,
) -> Result<PhaseReport, BoxError> {
    let queue: VecDeque<Vec<Value>> = events.chunks(batch).map(<[Value]>::to_vec).collect();
    let queue = Arc::new(Mutex::new(queue));
    let started = Instant::now();
    let deadline = started + limit;
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (api, path, token, queue) = (
            api.clone(),
            path.to_owned(),
            token.to_owned(),
            queue.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut report = PhaseReport::default();
            while Instant::now() < deadline {
                let Some(mut batch) = queue.lock().map_or(None, |mut q| q.pop_front()) else {
                    break;
                };
                let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
                for e in &mut batch {
                    e["occurred_at"] = Value::String(now.clone());
                }
                let n = batch.len();
                let sent = Instant::now();
                let body = json!({"events": batch});
                let result = api
                    .call_to(api.target(), Method::POST, &path, &token, &body)
                    .await;
                report.latencies.push(sent.elapsed());
                report.requests += 1;
                report.events += n;
                match result {
                    Ok((StatusCode::OK, body)) => {
                        let accepted = body["accepted"].as_u64().unwrap_or(0) as usize;
                        report.accepted += accepted;
                        if accepted < n && report.rejected == 0 {
                            let first = body["results"]
                                .as_array()
                                .and_then(|r| r.iter().find(|x| x["accepted"] != true));
                            eprintln!("first refused event: {}", first.unwrap_or(&Value::Null));
                        }
                        report.rejected += n - accepted.min(n);
                    }
                    Ok((status, body)) => {
                        report.failed_requests += 1;
                        eprintln!("POST {path}: {status}: {body}");
                    }
                    Err(e) => {
                        report.failed_requests += 1;
                        eprintln!("POST {path}: {e}");
                    }
                }
            }
            report
        }));
    }
    let mut total = PhaseReport::default();
    for w in workers {
        let r = w.await?;
        total.events += r.events;
        total.requests += r.requests;
        total.accepted += r.accepted;
        total.rejected += r.rejected;
        total.failed_requests += r.failed_requests;
        total.latencies.extend(r.latencies);
    }
    total.elapsed = started.elapsed();
    Ok(total)
}

/// The operations of the mixed load, in the order each client takes them.
const MIX: &[&str] = &[
    "tracking",
    "list",
    "picked_up",
    "tracking",
    "route",
    "received",
    "tracking",
    "list",
    "register",
];

/// Parcels a `register` operation posts (fresh tracking numbers).
const REGISTER_PARCELS: usize = 10;

/// Per operation: latencies and answers of the server's own failure (5xx or none).
type MixReport = std::collections::BTreeMap<&'static str, (Vec<Duration>, usize)>;

/// The `p` quantile of sorted latencies, ms (0 without any).
fn quantile_ms(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len().max(1)) - 1;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// The mixed load: `--concurrency` clients for `--mixed-seconds`; pickups take the
/// bags in turn, intakes the bags picked up, registrations post new parcels. With
/// `--mixed-rate R`, client c issues its n-th operation at start + (n + c / C) · C / R
/// (at once when behind), and its latency counts from that time. Fails on any 5xx.
async fn mixed(api: &Api, setup: &Setup, args: &Args, weight_g: i64) -> Result<(), BoxError> {
    let bags = Arc::new(setup.bags.clone());
    let next_pickup = Arc::new(AtomicUsize::new(0));
    let picked: Arc<Mutex<VecDeque<usize>>> = Arc::default();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.mixed_seconds);
    // Each client's interval between scheduled operations (None: closed loop).
    let interval = (args.mixed_rate > 0.0)
        .then(|| Duration::from_secs_f64(args.concurrency as f64 / args.mixed_rate));
    let today = Utc::now()
        .with_timezone(&FixedOffset::east_opt(8 * 3600).ok_or("offset")?)
        .date_naive();
    let prefix = format!("LR{}", setup.seller_id.trim_start_matches("SL"));
    let mut workers = Vec::new();
    for w in 0..args.concurrency {
        let (api, bags, next_pickup, picked) = (
            api.clone(),
            bags.clone(),
            next_pickup.clone(),
            picked.clone(),
        );
        let (seller_id, seller_token) = (setup.seller_id.clone(), setup.seller_token.clone());
        let (courier, center) = (setup.courier.clone(), setup.center.clone());
        let prefix = prefix.clone();
        let offset = interval.map(|i| i.mul_f64(w as f64 / args.concurrency as f64));
        workers.push(tokio::spawn(async move {
            let mut report = MixReport::new();
            let mut k = w;
            // Operations issued by this client, and parcels it registered.
            let (mut issued, mut registered) = (0u32, 0usize);
            loop {
                let scheduled = match (interval, offset) {
                    (Some(i), Some(o)) => started + o + i * issued,
                    _ => Instant::now(),
                };
                if scheduled >= deadline || Instant::now() >= deadline {
                    break;
                }
                let op = MIX[k % MIX.len()];
                // A bag picked up by this request, offered for intake once answered.
                let mut just_picked = None;
                k += 1;
                let bag = &bags[k % bags.len()];
                let (method, path, token, body) = match op {
                    "tracking" => (Method::GET, format!("/v1/tracking/{}", bag.parcels[0]), &seller_token, Value::Null),
                    "list" => (Method::GET, format!("/v1/sellers/{seller_id}/handovers?limit=20"), &seller_token, Value::Null),
                    "route" => (Method::GET, format!("/v1/courier/pickups?date={today}&limit=20"), &courier, Value::Null),
                    "register" => {
                        let parcels: Vec<Value> = (registered..registered + REGISTER_PARCELS)
                            .map(|n| small_parcel(&format!("{prefix}C{w:03}N{n:07}")))
                            .collect();
                        registered += REGISTER_PARCELS;
                        (Method::POST, format!("/v1/sellers/{seller_id}/parcels"), &seller_token, json!({"parcels": parcels}))
                    }
                    "picked_up" => {
                        let i = next_pickup.fetch_add(1, Ordering::SeqCst);
                        let Some(b) = bags.get(i) else { continue };
                        just_picked = Some(i);
                        let e = json!({"event_id": format!("mx-pu-{}", b.id), "type": "picked_up", "bag_id": b.id,
                                       "measured_weight_g": weight_g});
                        (Method::POST, "/v1/scans".to_owned(), &courier, json!({"events": [e]}))
                    }
                    _ => {
                        let Some(i) = picked.lock().ok().and_then(|mut q| q.pop_front()) else { continue };
                        let b = &bags[i];
                        let e = json!({"event_id": format!("mx-rc-{}", b.id), "type": "received", "bag_id": b.id,
                                       "parcels_found": b.parcels});
                        (Method::POST, "/v1/scans".to_owned(), &center, json!({"events": [e]}))
                    }
                };
                issued += 1;
                tokio::time::sleep_until(scheduled.into()).await;
                let mut body = body;
                if let Some(events) = body.get_mut("events").and_then(Value::as_array_mut) {
                    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
                    for e in events {
                        e["occurred_at"] = Value::String(now.clone());
                    }
                }
                let url = api.target().join(&path).expect("path");
                let mut req = api.client.request(method, url).bearer_auth(token);
                if !body.is_null() {
                    req = req.json(&body);
                }
                let failed = match req.send().await {
                    Ok(resp) => {
                        let status = resp.status();
                        let text = resp.bytes().await.unwrap_or_default();
                        if op == "register" && report.get(op).is_none_or(|e| e.0.is_empty()) && status != StatusCode::OK {
                            eprintln!("register: {status}: {}", String::from_utf8_lossy(&text));
                        }
                        status.is_server_error()
                    }
                    Err(_) => true,
                };
                let latency = scheduled.elapsed();
                if let (Some(i), Ok(mut q)) = (just_picked, picked.lock()) {
                    q.push_back(i);
                }
                let entry = report.entry(op).or_default();
                entry.0.push(latency);
                entry.1 += usize::from(failed);
            }
            report
        }));
    }
    let mut total = MixReport::new();
    for w in workers {
        for (op, (lat, failed)) in w.await? {
            let entry = total.entry(op).or_default();
            entry.0.extend(lat);
            entry.1 += failed;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!("operation   requests  5xx  p50_ms  p99_ms  max_ms");
    let mut failures = 0;
    let mut all = Vec::new();
    for (op, (mut lat, failed)) in total {
        lat.sort();
        println!(
            "{op:<10} {:>9} {:>4} {:>7.1} {:>7.1} {:>7.1}",
            lat.len(),
            failed,
            quantile_ms(&lat, 0.50),
            quantile_ms(&lat, 0.99),
            quantile_ms(&lat, 1.0),
        );
        failures += failed;
        all.extend(lat);
    }
    all.sort();
    let offered = if args.mixed_rate > 0.0 {
        format!("{:.0}", args.mixed_rate)
    } else {
        "unpaced".to_owned()
    };
    println!(
        "mixed: offered {offered} ops/s, achieved {:.1} ops/s ({} ops in {elapsed:.2}s), \
         overall p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {failures} 5xx, {} node(s)",
        all.len() as f64 / elapsed,
        all.len(),
        quantile_ms(&all, 0.50),
        quantile_ms(&all, 0.99),
        quantile_ms(&all, 1.0),
        api.targets.len(),
    );
    if failures > 0 {
        return Err(format!("{failures} requests failed on the server's side").into());
    }
    Ok(())
}
