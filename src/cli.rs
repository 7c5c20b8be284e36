//! What the binary's subcommands do: `serve` (connect, migrate, seed, listen) and
//! `plan` (CSV in, plan JSON out, no server and no database).

use crate::app::{AppState, Settings, serve, shutdown_signal};
use crate::config::{PlanArgs, ServeArgs};
use crate::domain::Clock;
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
    serve(listener, state.clone(), shutdown_signal()).await?;
    state.store.close().await;
    Ok(())
}

/// Connects, migrates, seeds reference data and makes sure the operator can log in.
pub async fn prepare_state(
    args: &ServeArgs,
    clock: Clock,
) -> Result<AppState, Box<dyn std::error::Error>> {
    let store = Store::connect(&args.database_url, args.db_max_connections).await?;
    seed_reference_data(&store, clock.now_ms()).await?;
    if let Some(token) = store
        .ensure_operator_key(args.operator_token.as_deref(), clock.now_ms())
        .await?
    {
        // Printed once, on the first start of an empty database; only its hash is kept.
        println!("firstmile: operator token (shown once, keep it): {token}");
    }
    Ok(AppState {
        store,
        settings: Arc::new(Settings {
            webhooks: args.webhooks.clone(),
            ..Settings::from_rules(args.rules.clone(), args.body_limit_bytes)
        }),
        clock,
    })
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
