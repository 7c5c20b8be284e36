//! What the binary's subcommands do: `serve` (connect, migrate, seed, listen) and
//! `plan` (CSV in, plan JSON out, no server and no database).

use crate::app::{AppState, Settings, serve, shutdown_signal};
use crate::config::{ArchiveArgs, PlanArgs, ServeArgs};
use crate::domain::{Clock, KeyMode, mint_token};
use crate::planner::{csv_input, plan};
use crate::service::coverage::seed_reference_data;
use crate::store::Store;
use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

/// Connects to the database, prepares it, and serves until SIGTERM or Ctrl-C.
pub async fn run_server(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let state = prepare_state(&args, Clock::System).await?;
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    tracing::info!(listen = %listener.local_addr()?, backend = ?state.store.backend(), "firstmile is serving");
    if let Some(addr) = args.ops.metrics_listen {
        let metrics = tokio::net::TcpListener::bind(addr).await?;
        tracing::info!(listen = %metrics.local_addr()?, "metrics are served without a token");
        tokio::spawn(crate::app::serve_metrics(
            metrics,
            state.clone(),
            shutdown_signal(),
        ));
    }
    serve(listener, state.clone(), shutdown_signal()).await?;
    state.store.close().await;
    Ok(())
}

/// Connects, migrates, seeds reference data and makes sure the operator can log in.
pub async fn prepare_state(
    args: &ServeArgs,
    clock: Clock,
) -> Result<AppState, Box<dyn std::error::Error>> {
    let settings = args.sqlite.settings();
    let store = Store::connect_with(&args.database_url, args.db_max_connections, settings)
        .await?
        .with_scan_writers(args.db_scan_writers);
    seed_reference_data(&store, clock.now_ms()).await?;
    // The environment's operator token replaces the one of the previous start, and
    // removing the variable revokes it (docs/api.md, "Keys").
    let configured = args
        .operator_token
        .as_deref()
        .filter(|t| !t.trim().is_empty());
    let reconciled = store
        .reconcile_operator_key(configured, || mint_token(KeyMode::Live), clock.now_ms())
        .await?;
    if reconciled.revoked > 0 {
        tracing::info!(
            revoked = reconciled.revoked,
            "earlier FIRSTMILE_OPERATOR_TOKEN keys revoked"
        );
    }
    if reconciled.configured_was_revoked {
        tracing::warn!("FIRSTMILE_OPERATOR_TOKEN names a revoked key: it stays revoked");
    }
    if let Some(token) = reconciled.generated {
        // Printed once, when the operator has no live key; only its hash is kept.
        println!("firstmile: operator token (shown once, keep it): {token}");
    }
    Ok(AppState {
        store,
        settings: Arc::new(
            Settings {
                ops: args.ops.clone(),
                web: args.web.clone(),
                webhooks: args.webhooks.clone(),
                ..Settings::from_rules(args.rules.clone(), args.body_limit_bytes)
            }
            .with_idempotency(args.idempotency_ttl_hours, args.idempotency_sweep_seconds),
        ),
        clock,
    })
}

/// `firstmile archive`: archives closed handovers older than the retention window
/// and prints what moved as one JSON line.
pub async fn run_archive(args: &ArchiveArgs) -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::connect_with(&args.database_url, 2, args.sqlite.settings()).await?;
    let report = crate::service::retention::archive_closed_handovers(
        &store,
        &Clock::System,
        args.keep_months,
        args.chunk,
    )
    .await;
    store.close().await;
    let report = report?;
    let c = report.counts;
    println!(
        "{}",
        serde_json::json!({
            "archived_before": report.before_date,
            "transactions": report.chunks,
            "handovers": c.handovers,
            "bags": c.bags,
            "parcels": c.parcels,
            "intake_rows": c.intake_rows,
            "scan_events": c.scan_events,
            "history": c.history,
            "claims": c.claims,
        })
    );
    Ok(())
}

/// `firstmile plan --input FILE.csv`: prints the plan as JSON on stdout.
pub fn run_plan(args: &PlanArgs) -> ExitCode {
    let mut raw = Vec::new();
    let read = if args.input.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut raw)
    } else {
        std::fs::File::open(&args.input).and_then(|mut f| f.read_to_end(&mut raw))
    };
    if let Err(e) = read {
        eprintln!("firstmile plan: cannot read {}: {e}", args.input.display());
        return ExitCode::from(2);
    }
    let codes = crate::regions::embedded_sorting_center_codes();
    let centers: Vec<&str> = codes.iter().map(String::as_str).collect();
    let parcels = match csv_input::read_parcels(raw.as_slice(), &centers) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("firstmile plan: {e}");
            return ExitCode::from(2);
        }
    };
    let config = args.rules.plan_config();
    let result = plan(&parcels, &config);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if serde_json::to_writer(&mut out, &result).is_err()
        || writeln!(out).is_err()
        || out.flush().is_err()
    {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
