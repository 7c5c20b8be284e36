//! The `firstmile` binary: parses the command line, sets up telemetry and runs the
//! server (default), the archive or the offline planner.

use clap::Parser;
use firstmile::config::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Plan(args)) => firstmile::cli::run_plan(&args),
        Some(Command::Archive(args)) => {
            firstmile::telemetry::init("text");
            run("firstmile archive", firstmile::cli::run_archive(&args))
        }
        Some(Command::Serve(args)) => serve(args),
        None => serve(cli.serve),
    }
}

fn serve(args: firstmile::config::ServeArgs) -> ExitCode {
    firstmile::telemetry::init(&args.log_format);
    run("firstmile", firstmile::cli::run_server(args))
}

/// Runs a command on a Tokio runtime; an error is logged and printed, and fails the
/// process.
fn run(
    what: &str,
    command: impl Future<Output = Result<(), Box<dyn std::error::Error>>>,
) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{what}: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "{what} stopped");
            eprintln!("{what}: {e}");
            ExitCode::FAILURE
        }
    }
}
