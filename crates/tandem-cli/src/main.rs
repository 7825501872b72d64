//! `tandem`: the Tandem engine on the command line.
//!
//! `tandem demo` runs the lifecycle locally, with both parties in this process, and prints
//! what happens at each step.

#![forbid(unsafe_code)]
// A command-line tool prints to stdout by design.
#![allow(clippy::print_stdout)]

mod demo;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Tandem: two-party threshold signing (ECDSA secp256k1, EdDSA Ed25519) for wallets.
#[derive(Parser)]
#[command(name = "tandem", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the wallet lifecycle locally (client and server in this process) with progress.
    Demo,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo => demo::run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tandem: {e}");
            ExitCode::FAILURE
        }
    }
}
