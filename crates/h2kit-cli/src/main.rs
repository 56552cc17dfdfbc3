//! The `h2kit` command: `serve`, `get` and `bench`.

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
    /// Print what this build of h2kit supports.
    Version,
}

fn main() {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Version) | None => {
            println!("h2kit {}", env!("CARGO_PKG_VERSION"));
        }
    }
}
