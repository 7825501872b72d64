//! Shared helpers of the `tandem` CLI tests (`cli_*.rs`), included from each with
//! `#[path = "support/cli.rs"] mod support;`: running the binary, the template stores made
//! once per test binary, copies and snapshots of stores, and the JSON and refusal checks.
//! The encodings and the checks of keys, addresses and signatures are in `checks.rs`.
//!
//! Key generation, recovery and refresh need Paillier keys: every command runs the TEST-ONLY
//! binary `tandem-insecure-test-primes` (the `tandem` CLI with the public fixture primes,
//! built only for the tests; it runs only with `TANDEM_INSECURE_TEST_PRIMES=1`), and the
//! wallet is generated once per test binary into a template store that each test copies.
//! `cli_test_primes.rs` runs the real `tandem`.

// Not every test file uses every helper.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use assert_cmd::Command;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

#[path = "checks.rs"]
mod checks;
#[path = "sql.rs"]
mod sql;
pub(crate) use checks::*;

/// The backup password of the backed-up template (its file has a trailing newline).
pub(crate) const PASSWORD: &str = "correct horse battery staple";

pub(crate) const DEVICE_LOST: &str = "no signing share";
pub(crate) const REPLACED: &str = "replaced by a recovery or refresh";

// ---------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------

/// A temporary folder under the target directory (the templates live as long as the test
/// binary; keeping them out of /tmp).
pub(crate) fn target_tempdir() -> TempDir {
    tempfile::Builder::new()
        .prefix("tandem-cli-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap()
}

/// The working directory of every command: empty, so that the default store
/// (`./tandem-wallet`) never exists.
pub(crate) fn scratch() -> &'static Path {
    static SCRATCH: OnceLock<TempDir> = OnceLock::new();
    SCRATCH.get_or_init(target_tempdir).path()
}

pub(crate) fn tandem() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tandem-insecure-test-primes"));
    cmd.env("TANDEM_INSECURE_TEST_PRIMES", "1")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        // The local server's log would go to stderr, which the tests read.
        .env_remove("RUST_LOG")
        .current_dir(scratch());
    cmd
}

pub(crate) fn run(args: &[&str]) -> Output {
    tandem().args(args).output().unwrap()
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// A successful `--json` run: exit 0, exactly one line on stdout holding one JSON object,
/// nothing on stderr (progress is silent with `--json`).
pub(crate) fn json_ok(out: &Output) -> Value {
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {stdout}\nstderr: {stderr}",
        out.status
    );
    assert!(
        stderr.is_empty(),
        "--json writes nothing on stderr: {stderr}"
    );
    assert!(stdout.ends_with('\n'), "{stdout:?}");
    assert_eq!(stdout.lines().count(), 1, "one line of JSON: {stdout}");
    let value: Value = serde_json::from_str(&stdout).unwrap();
    assert!(value.is_object(), "{stdout}");
    value
}

/// A refused run: the expected exit code, nothing on stdout, exactly one line on stderr
/// starting with `tandem: `, no panic. Returns that line.
pub(crate) fn clean_failure(out: &Output, code: i32, what: &str) -> String {
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        !stdout.contains("panicked") && !stderr.contains("panicked"),
        "{what}: {stderr}"
    );
    assert!(stdout.is_empty(), "{what}: nothing on stdout: {stdout}");
    assert!(stderr.ends_with('\n'), "{what}: {stderr:?}");
    assert_eq!(stderr.lines().count(), 1, "{what}: one line: {stderr}");
    let line = stderr.trim_end_matches('\n').to_owned();
    assert!(line.starts_with("tandem: "), "{what}: {line}");
    assert!(line.len() > "tandem: ".len() + 5, "{what}: {line}");
    line
}

/// Runs `args` (no `--json` in them) twice, with `--json` and without, expecting the same
/// refusal: with `--json` exactly one line on stderr; without, progress lines may come first,
/// but the error is the last line and the only one starting with `tandem:`.
pub(crate) fn failure(args: &[&str], code: i32) -> String {
    let what = format!("tandem {}", args.join(" "));
    let mut with_json = vec!["--json"];
    with_json.extend_from_slice(args);
    let line = clean_failure(&run(&with_json), code, &what);

    let human = run(args);
    let (stdout, stderr) = (text(&human.stdout), text(&human.stderr));
    assert_eq!(human.status.code(), Some(code), "{what} (human)\n{stderr}");
    assert!(stdout.is_empty(), "{what} (human): {stdout}");
    assert!(!stderr.contains("panicked"), "{what} (human): {stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("tandem:"))
        .collect();
    assert_eq!(errors, [line.as_str()], "{what} (human): {stderr}");
    assert_eq!(
        stderr.lines().last(),
        Some(line.as_str()),
        "{what}: {stderr}"
    );
    line
}

/// A refusal of the command (exit 1).
pub(crate) fn refused(args: &[&str]) -> String {
    failure(args, 1)
}

/// A command line clap rejects (exit 2).
pub(crate) fn usage_error(args: &[&str]) -> String {
    failure(args, 2)
}

pub(crate) fn assert_contains(message: &str, needle: &str) {
    assert!(message.contains(needle), "{needle:?} not in {message:?}");
}

// ---------------------------------------------------------------------------------------
// Stores: templates, copies, snapshots
// ---------------------------------------------------------------------------------------

/// Copies a folder tree (dotfiles included; permissions kept by `fs::copy`).
pub(crate) fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every folder and file under a root: relative path → `dir`, or the file's length and
/// SHA-256. The device's lock (an empty `.lock` file, and the empty `device/` folder a
/// command on a lost device takes its lock in) is not state and is left out. The SQLite
/// database is compared byte for byte: every command closes it cleanly (no `-wal` file is
/// left), so a command that wrote nothing leaves its bytes as they were.
pub(crate) type Tree = BTreeMap<String, String>;

/// One database row: each column's value (`None` for NULL).
pub(crate) use sql::Row;

pub(crate) fn snapshot(root: &Path) -> Tree {
    fn walk(root: &Path, dir: &Path, tree: &mut Tree) {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if entry.file_name() == ".lock" && entry.metadata().unwrap().len() == 0 {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                let before = tree.len();
                walk(root, &path, tree);
                let empty = tree.len() == before;
                if !(empty && name == "device") {
                    tree.insert(name, "dir".into());
                }
            } else {
                let bytes = fs::read(&path).unwrap();
                let digest = hex(&Sha256::digest(&bytes));
                tree.insert(name, format!("{} bytes, sha256 {digest}", bytes.len()));
            }
        }
    }
    let mut tree = Tree::new();
    walk(root, root, &mut tree);
    tree
}

/// A store made once per test binary, copied by the tests that need it.
pub(crate) struct Template {
    _dir: TempDir,
    pub(crate) store: PathBuf,
    /// The `--json` output of the command that made it.
    pub(crate) output: Value,
}

/// A freshly generated wallet.
pub(crate) fn generated() -> &'static Template {
    static GENERATED: OnceLock<Template> = OnceLock::new();
    GENERATED.get_or_init(|| {
        let dir = target_tempdir();
        let store = dir.path().join("store");
        let output = json_ok(&run(&["--json", "--store", s(&store), "generate"]));
        Template {
            _dir: dir,
            store,
            output,
        }
    })
}

/// The generated wallet backed up under [`PASSWORD`] (password file with a newline).
pub(crate) fn backed_up() -> &'static Template {
    static BACKED_UP: OnceLock<Template> = OnceLock::new();
    BACKED_UP.get_or_init(|| {
        let dir = target_tempdir();
        let store = dir.path().join("store");
        copy_tree(&generated().store, &store);
        let password = dir.path().join("password");
        fs::write(&password, format!("{PASSWORD}\n")).unwrap();
        let output = json_ok(&run(&[
            "--json",
            "--store",
            s(&store),
            "backup",
            "--password-file",
            s(&password),
        ]));
        Template {
            _dir: dir,
            store,
            output,
        }
    })
}

pub(crate) fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// One test's store (a copy of a template) and a folder next to it for its files.
pub(crate) struct Case {
    pub(crate) dir: TempDir,
    pub(crate) store: PathBuf,
}

impl Case {
    pub(crate) fn copy_of(template: &Template) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        copy_tree(&template.store, &store);
        Self { dir, store }
    }

    /// A path inside the store.
    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.store.join(relative)
    }

    /// A path next to the store (not part of it).
    pub(crate) fn outside(&self, name: &str) -> String {
        s(&self.dir.path().join(name)).to_owned()
    }

    /// Writes a file next to the store; returns its path.
    pub(crate) fn file(&self, name: &str, contents: &str) -> String {
        let path = self.outside(name);
        fs::write(&path, contents).unwrap();
        path
    }

    /// `--store <store>` (after `--json` if asked) and `args`.
    pub(crate) fn args<'a>(&'a self, json: bool, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = if json { vec!["--json"] } else { vec![] };
        all.extend(["--store", s(&self.store)]);
        all.extend_from_slice(args);
        all
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        run(&self.args(false, args))
    }

    pub(crate) fn json(&self, args: &[&str]) -> Value {
        json_ok(&run(&self.args(true, args)))
    }

    pub(crate) fn refused(&self, args: &[&str]) -> String {
        refused(&self.args(false, args))
    }

    pub(crate) fn usage_error(&self, args: &[&str]) -> String {
        usage_error(&self.args(false, args))
    }

    pub(crate) fn snapshot(&self) -> Tree {
        snapshot(&self.store)
    }

    pub(crate) fn read(&self, relative: &str) -> Vec<u8> {
        fs::read(self.path(relative)).unwrap()
    }

    pub(crate) fn exists(&self, relative: &str) -> bool {
        self.path(relative).exists()
    }

    /// The device is lost: `device/` is gone (moved to `to`, next to the store, if given).
    pub(crate) fn lose_device(&self, to: Option<&str>) {
        match to {
            Some(name) => fs::rename(self.path("device"), self.outside(name)).unwrap(),
            None => fs::remove_dir_all(self.path("device")).unwrap(),
        }
    }

    /// Runs one SQL statement on the local server's database (`provider/tandem.sqlite`):
    /// [`sql::sqlite_rows`].
    pub(crate) fn rows(&self, statement: &str) -> Vec<Row> {
        sql::sqlite_rows(&self.path("provider/tandem.sqlite"), statement)
    }

    /// The first column of every row of `statement` ([`Case::rows`]).
    pub(crate) fn sql(&self, statement: &str) -> Vec<Option<Vec<u8>>> {
        self.rows(statement)
            .into_iter()
            .map(|row| row.into_iter().next().flatten())
            .collect()
    }

    /// What the wallet is, logically: the store's files but the database, and the
    /// database's rows that hold the wallet (clients, wallets, backups, presignatures).
    /// Unlike [`Case::snapshot`] it ignores what a failed operation may leave behind by
    /// design: an open session (it expires, and a retry after a passing failure needs it),
    /// and the count of spends (the spend anchor).
    pub(crate) fn state(&self) -> (Tree, Vec<Vec<Row>>) {
        let mut files = self.snapshot();
        files.remove("provider/tandem.sqlite");
        // The spend anchor counts spends (a full signature's presignature, every session
        // step): it rises with any operation, whatever the wallet.
        files.remove("provider/spend.anchor");
        files.remove("provider/spend.anchor.lock");
        let tables = [
            "SELECT * FROM clients ORDER BY client_id",
            "SELECT * FROM wallets ORDER BY client_id",
            "SELECT * FROM backup_shares ORDER BY client_id, curve, sharing_id",
            "SELECT * FROM presignatures ORDER BY client_id, presignature_id",
        ];
        (files, tables.iter().map(|t| self.rows(t)).collect())
    }

    /// The one number a `SELECT COUNT(*) …` returns.
    pub(crate) fn count(&self, statement: &str) -> i64 {
        let rows = self.sql(statement);
        assert_eq!(rows.len(), 1, "{statement}");
        text(rows[0].as_ref().unwrap()).parse().unwrap()
    }

    /// Puts a device folder (next to the store) in place as `device/`.
    pub(crate) fn install_device(&self, from: &str) {
        let client = self.path("device");
        if client.exists() {
            fs::remove_dir_all(&client).unwrap();
        }
        copy_tree(Path::new(&self.outside(from)), &client);
    }
}
