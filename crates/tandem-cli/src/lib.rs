//! `tandem`: the Tandem wallet on the command line (the binary's `src/main.rs` calls [`run`]).
//!
//! Every wallet command runs the device's half (`tandem-client`) on a store folder
//! (`--store`, default `./tandem-wallet`). With `--server URL` it talks to that `tandem
//! server` over HTTP and the folder holds only the device's files; without it, the server's
//! code runs in this process on an SQLite database inside the folder (`local.rs`: `device/`,
//! `provider/`, `api-key`), the same code on both sides as over the network.
//! Results go to stdout (human-readable, or one JSON object with `--json`), progress and
//! errors to stderr. A failed command exits non-zero with a one-line message and leaves the
//! store as it was.
//!
//! `generate`, `recover`, `refresh` and `demo` search fresh Paillier primes. No environment
//! variable or build feature changes that in the `tandem` binary: the public fixture primes
//! of `test-vectors/primes/` are reachable only through `run_with_insecure_test_primes`,
//! compiled with this crate's TEST-ONLY `insecure-test-primes` feature (enabled by its own
//! dev-dependency) and called only by the `tandem-insecure-test-primes` binary the CLI tests
//! run.

#![forbid(unsafe_code)]
// A command-line tool prints to stdout by design.
#![allow(clippy::print_stdout)]

mod admin;
mod commands;
mod demo;
mod engine;
#[cfg(feature = "insecure-test-primes")]
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
mod inputs;
mod local;
mod output;
mod remote;
mod serve;
mod ui;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use tandem_client::{Client, DeviceStore, Transport};
use tandem_wallet::{FreshPrimes, FsStore, PaillierKeys, Wallet};

/// Where the commands that make secp256k1 shares take their Paillier primes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Primes {
    /// Fresh safe primes: the only choice of the `tandem` binary.
    Fresh,
    /// TEST-ONLY: the public fixture primes (the keys protect nothing).
    #[cfg(feature = "insecure-test-primes")]
    InsecureFixtures,
}

impl Primes {
    /// The wallet on `store`, taking its Paillier keys from these primes.
    pub(crate) fn wallet(self, store: FsStore) -> Wallet<FsStore> {
        match self {
            Self::Fresh => Wallet::new(store),
            #[cfg(feature = "insecure-test-primes")]
            Self::InsecureFixtures => {
                Wallet::with_paillier_keys(store, tandem_testkit::wallet::FixturePrimes::new())
            }
        }
    }

    /// The device's client over `transport`, taking its Paillier keys from these primes.
    pub(crate) fn client<T: Transport, D: DeviceStore>(
        self,
        transport: T,
        device: D,
        client_id: String,
    ) -> Client<T, D> {
        Client::with_paillier_keys(transport, device, client_id, self.source())
    }

    /// The source of Paillier keys (for the server's pool, or a local client).
    pub(crate) fn source(self) -> Arc<dyn PaillierKeys> {
        match self {
            Self::Fresh => Arc::new(FreshPrimes),
            #[cfg(feature = "insecure-test-primes")]
            Self::InsecureFixtures => Arc::new(tandem_testkit::wallet::FixturePrimes::new()),
        }
    }
}

/// Tandem: two-party threshold signing (ECDSA secp256k1, EdDSA Ed25519) for wallets.
#[derive(Parser)]
#[command(name = "tandem", version, about)]
struct Cli {
    /// The store folder: the device's files (with `--server`), or the device's and the
    /// local server's (`device/`, `provider/`, `api-key`).
    #[arg(long, global = true, default_value = "./tandem-wallet")]
    store: PathBuf,
    /// Machine-readable output: one JSON object on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// Run as the device of a `tandem server` at this URL (`http://127.0.0.1:8080`); the
    /// store then holds only the device's files.
    #[arg(long, global = true, requires = "api_key_file")]
    server: Option<String>,
    /// The client's API key (one line), with `--server`; `create-client` writes it.
    #[arg(long, global = true)]
    api_key_file: Option<PathBuf>,
    /// Threads for the safe-prime search and the proofs (this device's, or `tandem server`'s
    /// one pool shared by all its sessions); default: one per core.
    #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    #[command(subcommand)]
    command: Command,
}

/// Where the backup key comes from.
#[derive(Args, Clone, Debug)]
#[group(required = true, multiple = false)]
pub(crate) struct KeyArgs {
    /// A file holding the backup password (one trailing newline is ignored).
    #[arg(long)]
    password_file: Option<PathBuf>,
    /// A file holding a random 32-byte key in hex (the user's cloud storage); `backup`
    /// creates it if it does not exist.
    #[arg(long)]
    key_file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Create the wallet on both curves (secp256k1 with fresh Paillier keys, Ed25519).
    Generate,
    /// Print the wallet's addresses (Ethereum, Bitcoin, Tron, Solana, Stellar) and its
    /// `xpub`; with `--path m/…`, also the child's keys and addresses.
    Addresses {
        /// A non-hardened derivation path below the wallet's key, e.g. `m/0/7`.
        #[arg(long)]
        path: Option<String>,
    },
    /// Print the wallet's ids, keys, statuses and pool size.
    Status,
    /// Sign: `--curve secp256k1 --digest <32-byte hex>` or `--curve ed25519 --message <hex>`,
    /// with the wallet's key or, with `--path m/…`, a child's.
    Sign {
        /// `secp256k1` or `ed25519`.
        #[arg(long)]
        curve: String,
        /// secp256k1 only: `ecdsa` (the default) or `bip340` (a Schnorr signature under the
        /// key's Taproot output key, BIP86: the `bitcoin_taproot` address).
        #[arg(long)]
        scheme: Option<String>,
        /// The 32-byte message digest to sign (secp256k1 ECDSA), hex.
        #[arg(long)]
        digest: Option<String>,
        /// The message to sign, hex (ed25519: any length; bip340: the 32-byte BIP341
        /// signature hash).
        #[arg(long)]
        message: Option<String>,
        /// Sign with the child key at this non-hardened path (`m/…`); the wallet's own key
        /// if absent.
        #[arg(long)]
        path: Option<String>,
    },
    /// Make secp256k1 presignatures ahead of time (kept in both parties' pools).
    Presign {
        /// How many.
        #[arg(long, default_value_t = 1)]
        count: usize,
    },
    /// Back up: a fresh backup pair, the client's share sealed under a password or key.
    Backup(KeyArgs),
    /// Recover on a new device: fresh signing shares from the backup pair.
    Recover(KeyArgs),
    /// Refresh the signing shares (same key, new shares, fresh Paillier keys).
    Refresh,
    /// Combine the backup shares into the private keys (leaves the threshold setup).
    Eject(KeyArgs),
    /// Run the whole wallet lifecycle in a temporary store, with progress.
    Demo,
    /// Run the provider's MPC service (HTTP, SQLite or PostgreSQL).
    Server(serve::ServerArgs),
    /// Create a client (one wallet) on a server: `--server URL --admin-key-file F
    /// --api-key-file OUT` writes the client's API key to OUT (0600).
    CreateClient {
        /// The organization's admin token (one line).
        #[arg(long)]
        admin_key_file: PathBuf,
    },
}

/// clap's error as one line: the message and its details (e.g. which arguments are
/// missing), without the usage block and tips.
fn one_line(rendered: &str) -> String {
    let mut parts = Vec::new();
    for line in rendered.lines() {
        let line = line.trim();
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if !line.is_empty() {
            parts.push(line.trim_start_matches("error: "));
        }
    }
    if parts.is_empty() {
        "invalid arguments".into()
    } else {
        parts.join(" ")
    }
}

/// The `tandem` command line: parses the arguments, runs the command, reports. Paillier keys
/// always come from fresh primes.
#[must_use]
pub fn run() -> ExitCode {
    run_with(Primes::Fresh)
}

/// TEST-ONLY: the same command line with Paillier keys made from the public fixture primes
/// of `test-vectors/primes/` (`tandem_testkit::wallet::FixturePrimes`), so that the CLI tests generate, recover and refresh in
/// milliseconds. A wallet made this way protects nothing. Only the
/// `tandem-insecure-test-primes` binary calls it (the `tandem` binary cannot reach it).
#[cfg(feature = "insecure-test-primes")]
#[must_use]
pub fn run_with_insecure_test_primes() -> ExitCode {
    // The server's crash points (`TANDEM_CRASH_AT`, `TANDEM_CRASH_TRACE`), for the crash tests.
    tandem_server::crash::arm_from_env();
    run_with(Primes::InsecureFixtures)
}

fn run_with(primes: Primes) -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                e.exit();
            }
            eprintln!("tandem: {}", one_line(&e.render().to_string()));
            return ExitCode::from(2);
        }
    };
    let out = output::Output::new(cli.json);
    if let Some(threads) = cli.threads
        && let Err(e) = tandem_wallet::parallel::init_global(usize::from(threads))
    {
        eprintln!("tandem: --threads: {e}");
        return ExitCode::FAILURE;
    }
    let result = match (cli.command, &cli.server) {
        (Command::Server(args), None) => serve::run(args, primes),
        (Command::CreateClient { admin_key_file }, Some(server)) => {
            admin::create_client(server, &admin_key_file, cli.api_key_file.as_deref(), &out)
        }
        (Command::CreateClient { .. }, None) => {
            Err("create-client needs --server URL and --api-key-file OUT".into())
        }
        (command, Some(server)) => match &cli.api_key_file {
            Some(key_file) => remote::client(server, key_file, &cli.store, primes)
                .and_then(|client| run_command(command, &client, &out)),
            None => Err("--server needs --api-key-file".into()),
        },
        (command, None) => local(command, &cli.store, cli.json, &out, primes),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: messages never contain newlines, but make sure.
            eprintln!("tandem: {}", e.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

/// A command on a local store: both halves in this process, the device's half talking to
/// the server's code in this process (`local.rs`); a store of the earlier layout through
/// `legacy`.
fn local(
    command: Command,
    store: &std::path::Path,
    json: bool,
    out: &output::Output,
    primes: Primes,
) -> Result<(), String> {
    match command {
        Command::Demo if json => {
            Err("demo is for people and has no --json output (see the other commands)".into())
        }
        Command::Demo => demo::run(primes),
        command if local::is_legacy(store) => legacy(command, store, out, primes),
        command => {
            let open = match command {
                Command::Generate => local::Open::Create,
                _ => local::Open::Existing,
            };
            let client = local::client(store, primes, open)?;
            run_command(command, &client, out)
        }
    }
}

/// A command on a store of the layout made before `tandem server` existed (`client/`,
/// `server/`, `custodian/`, `kms/`; formats `test-vectors/v1/wallet-store`, `v2/…`): such
/// stores keep working, through `tandem-wallet`'s in-process orchestration, which reads
/// them. New stores are never made in this layout.
fn legacy(
    command: Command,
    store: &std::path::Path,
    out: &output::Output,
    primes: Primes,
) -> Result<(), String> {
    let wallet = match command {
        Command::Generate => FsStore::create(store),
        _ => FsStore::open(store),
    }
    .map(|store| primes.wallet(store))
    .map_err(|e| e.to_string())?;
    run_command(command, &wallet, out)
}

/// Runs a wallet command on `engine` (local or `--server`).
pub(crate) fn run_command(
    command: Command,
    engine: &impl engine::Engine,
    out: &output::Output,
) -> Result<(), String> {
    match command {
        Command::Generate => commands::generate(engine, out),
        Command::Addresses { path } => commands::addresses(engine, out, path.as_deref()),
        Command::Status => commands::status(engine, out),
        Command::Sign {
            curve,
            scheme,
            digest,
            message,
            path,
        } => commands::sign(
            engine,
            out,
            &commands::SignArgs {
                curve: &curve,
                scheme: scheme.as_deref(),
                digest: digest.as_deref(),
                message: message.as_deref(),
                path: path.as_deref(),
            },
        ),
        Command::Presign { count } => commands::presign(engine, out, count),
        Command::Backup(key) => commands::backup(engine, out, &key),
        Command::Recover(key) => commands::recover(engine, out, &key),
        Command::Refresh => commands::refresh(engine, out),
        Command::Eject(key) => commands::eject(engine, out, &key),
        Command::Demo | Command::Server(_) | Command::CreateClient { .. } => {
            Err("this command runs on its own (not on a wallet)".into())
        }
    }
}
