//! The `commune-atlas` binary: parse arguments, set up logging, run, and turn errors into
//! messages and exit codes (65 for rejected input, 1 for anything else).

mod cli;

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// mimalloc: under the many-connection mix glibc's per-thread arenas kept freed memory resident
/// (peak 1.27 GB); mimalloc gives it back (`bench/mixed_load.sh`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args = cli::Cli::parse();
    let default = match args.verbose {
        0 => "warn,commune_atlas=info",
        1 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match args.log_format {
        cli::LogFormat::Json => logs.json().with_current_span(false).init(),
        cli::LogFormat::Text => logs.with_target(false).init(),
    }

    if let Err(err) = cli::run(args) {
        let rejected = err.chain().any(|e| {
            matches!(
                e.downcast_ref::<commune_atlas::Error>(),
                Some(commune_atlas::Error::Rejected(_) | commune_atlas::Error::Refused(_))
            )
        });
        // A rejection message is already complete; other errors get their context chain.
        if rejected {
            eprint!("error: {err}");
            if !err.to_string().ends_with('\n') {
                eprintln!();
            }
        } else {
            eprintln!("error: {err:#}");
        }
        std::process::exit(if rejected { cli::EXIT_REJECTED } else { 1 });
    }
}
