//! Tracing setup: one subscriber, text for people or JSON for log pipelines, filtered
//! by `RUST_LOG` (default `info`). Colours only when standard output is a terminal,
//! so files and pipelines get no ANSI codes. The one line per request is written by
//! `api::observe`.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; a second call (as in tests) is a no-op.
pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal());
    let _ = if format == "json" {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}
