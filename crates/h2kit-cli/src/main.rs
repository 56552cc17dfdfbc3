//! The `h2kit` command: `serve` (and, later, `get` and `bench`).

mod demo;
mod files;
mod serve;

use clap::{Parser, Subcommand};

/// HTTP/2 and HTTP/1.1 toolkit.
#[derive(Parser, Debug)]
#[command(name = "h2kit", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the demo site, or the files of a directory.
    Serve(serve::ServeArgs),
    /// Print what this build of h2kit supports.
    Version,
}

fn main() {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Serve(args)) => {
            if let Err(err) = serve::run(args) {
                eprintln!("h2kit serve: {err}");
                std::process::exit(1);
            }
        }
        Some(Command::Version) | None => {
            println!("h2kit {}", env!("CARGO_PKG_VERSION"));
        }
    }
}
