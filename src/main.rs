//! The `firstmile` binary: parses the command line, sets up telemetry and runs the
//! server (default) or the offline planner.

use clap::Parser;
use firstmile::config::{Cli, Command, ServeArgs};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Plan(args)) => firstmile::cli::run_plan(&args),
        Some(Command::Serve(args)) => serve(args),
        None => serve(cli.serve),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    firstmile::telemetry::init(&args.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("firstmile: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(firstmile::cli::run_server(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "firstmile stopped");
            eprintln!("firstmile: {e}");
            ExitCode::FAILURE
        }
    }
}
