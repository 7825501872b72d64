//! The documents stay true to the code.
//!
//! - `CHECKS.md`: every test it names (`crate/tests/file.rs::name`, and the `::name`
//!   continuations that follow in the same cell, which mean the same file) is a `fn name` in
//!   that file or in its module folder; every file it names exists; every function, type or
//!   constant named in a "Where" column appears in the file the cell (or the section heading)
//!   names; every `[§N]` / `[§"name"]` citation is a section or item of
//!   `docs/security-checklist.md`.
//! - The README's library example is, line for line, the `tandem-wallet` crate doctest (where
//!   it is compiled).
//! - Relative links in the repository's Markdown documents point at files that exist (and at
//!   headings that exist, for `file.md#heading`).
//!
//! This crate depends on every other one, so its tests see the whole workspace. Only the
//! files are read: no other crate's code runs here.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The workspace root (this crate is `crates/tandem-cli`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

/// Every `.rs` file of the workspace (crates, benches, fuzz targets), as `/`-separated paths
/// relative to the root, with its text.
struct Sources {
    files: BTreeMap<String, String>,
}

impl Sources {
    fn load() -> Sources {
        let mut files = BTreeMap::new();
        for dir in ["crates", "benches", "fuzz/fuzz_targets"] {
            collect(&root(), &root().join(dir), &mut files);
        }
        Sources { files }
    }

    fn text(&self, rel: &str) -> Option<&str> {
        self.files.get(rel).map(String::as_str)
    }

    /// The files a reference names: `tandem-x/...` is under `crates/`; a bare or partial path
    /// (`keygen.rs`, `ecdsa/presign.rs`, `tests/support/x.rs`) is every file whose path ends
    /// with it, preferring those of `crate_hint`.
    fn resolve(&self, path: &str, crate_hint: Option<&str>) -> Vec<String> {
        let path = path.trim_start_matches("./");
        if path.starts_with("tandem-") && path.contains('/') {
            let full = format!("crates/{path}");
            return if self.files.contains_key(&full) {
                vec![full]
            } else {
                vec![]
            };
        }
        let all: Vec<String> = self
            .files
            .keys()
            .filter(|f| *f == path || f.ends_with(&format!("/{path}")))
            .cloned()
            .collect();
        if let Some(hint) = crate_hint {
            let prefix = format!("crates/{hint}/");
            let own: Vec<String> = all
                .iter()
                .filter(|f| f.starts_with(&prefix))
                .cloned()
                .collect();
            if !own.is_empty() {
                return own;
            }
        }
        all
    }

    /// The files of `crate_name`'s `src/`.
    fn crate_src(&self, crate_name: &str) -> Vec<String> {
        let prefix = format!("crates/{crate_name}/src/");
        self.files
            .keys()
            .filter(|f| f.starts_with(&prefix))
            .cloned()
            .collect()
    }

    /// Every file under `crates/*/src/`.
    fn all_src(&self) -> Vec<String> {
        self.files
            .keys()
            .filter(|f| f.starts_with("crates/") && f.contains("/src/"))
            .cloned()
            .collect()
    }

    /// Where `fn name` is defined, anywhere (for the hint after a rename).
    fn defining(&self, name: &str) -> Vec<String> {
        self.files
            .iter()
            .filter(|(_, text)| has_item(text, "fn", name) || macro_test(text, name))
            .map(|(f, _)| f.clone())
            .collect()
    }
}

fn collect(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && name != "corpus" && name != "artifacts" {
                collect(root, &path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let rel = rel.trim_start_matches("./").to_string();
            if let Ok(text) = fs::read_to_string(&path) {
                out.insert(normalize(&rel), text);
            }
        }
    }
}

/// `crates/../crates/x` → `crates/x` (the root is `crates/tandem-cli/../..`).
fn normalize(rel: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `word` occurs in `text` as a whole identifier (`prefix*`: an identifier starting so).
fn has_word(text: &str, word: &str) -> bool {
    let (needle, prefix_only) = match word.strip_suffix('*') {
        Some(prefix) => (prefix, true),
        None => (word, false),
    };
    if needle.is_empty() {
        return true;
    }
    let mut from = 0;
    while let Some(at) = text[from..].find(needle) {
        let start = from + at;
        let end = start + needle.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        if !before.is_some_and(is_ident_char) && (prefix_only || !after.is_some_and(is_ident_char))
        {
            return true;
        }
        from = end;
    }
    false
}

/// `text` defines `keyword name` (`fn name`, `mod name`).
fn has_item(text: &str, keyword: &str, name: &str) -> bool {
    let needle = format!("{keyword} {name}");
    let mut from = 0;
    while let Some(at) = text[from..].find(&needle) {
        let start = from + at;
        let end = start + needle.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        if !before.is_some_and(is_ident_char) && !after.is_some_and(is_ident_char) {
            return true;
        }
        from = end;
    }
    false
}

/// The `code spans` of a piece of Markdown, with the text just before each.
fn code_spans(text: &str) -> Vec<(String, String)> {
    let mut spans = Vec::new();
    let mut rest = text;
    let mut before_start = 0;
    let mut consumed = 0;
    while let Some(open) = rest.find('`') {
        let after_open = &rest[open + 1..];
        let Some(close) = after_open.find('`') else {
            break;
        };
        let before = &text[before_start..consumed + open];
        spans.push((before.to_string(), after_open[..close].to_string()));
        let next = open + 1 + close + 1;
        consumed += next;
        before_start = consumed;
        rest = &rest[next..];
    }
    spans
}

/// A table row's cells (`\|` is a `|` inside a cell).
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '|' => out.push(std::mem::take(&mut cell).trim().to_string()),
            c => cell.push(c),
        }
    }
    out.push(cell.trim().to_string());
    out
}

fn is_separator(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// A crate name among the spans of a heading or cell (`tandem-wallet`, `tandem-x/src/..`).
fn crate_of(span: &str) -> Option<String> {
    let first = span.split('/').next()?;
    (first.starts_with("tandem-") && first.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .then(|| first.to_string())
}

/// A test reference `tandem-x/tests/file.rs::a::b` split into its file and its path.
fn test_ref(span: &str) -> Option<(String, Vec<String>)> {
    let (file, path) = match span.split_once(".rs::") {
        Some((file, path)) => (format!("{file}.rs"), path),
        None => (span.to_string(), ""),
    };
    if !(file.starts_with("tandem-") && file.contains("/tests/") && file.ends_with(".rs")) {
        return None;
    }
    let path = if path.is_empty() {
        vec![]
    } else {
        path.split("::").map(String::from).collect()
    };
    Some((format!("crates/{file}"), path))
}

struct Checker<'a> {
    sources: &'a Sources,
    problems: Vec<String>,
    tests_checked: usize,
    files_checked: usize,
    idents_checked: usize,
}

impl Checker<'_> {
    fn problem(&mut self, at: &str, what: String) {
        self.problems.push(format!("{at}: {what}"));
    }

    /// `path` (`name`, `module::name`, `module::*`) names a test in `file` or in its module
    /// folder (`tests/file/…`).
    fn check_test(&mut self, at: &str, file: &str, path: &[String]) {
        self.tests_checked += 1;
        if self.sources.text(file).is_none() {
            let hint = match path.last() {
                Some(name) if name != "*" => self.where_is(name),
                _ => String::new(),
            };
            self.problem(at, format!("`{file}` does not exist{hint}"));
            return;
        }
        let folder = format!("{}/", file.trim_end_matches(".rs"));
        let scope: Vec<&str> = self
            .sources
            .files
            .iter()
            .filter(|(f, _)| *f == file || f.starts_with(&folder))
            .map(|(_, text)| text.as_str())
            .collect();
        let Some((last, modules)) = path.split_last() else {
            return;
        };
        for module in modules {
            let module_file = format!("{folder}{module}.rs");
            if !scope.iter().any(|t| has_item(t, "mod", module))
                && self.sources.text(&module_file).is_none()
            {
                self.problem(at, format!("no `mod {module}` in `{file}` or `{folder}`"));
            }
        }
        if last != "*"
            && !scope
                .iter()
                .any(|t| has_item(t, "fn", last) || macro_test(t, last))
        {
            let hint = self.where_is(last);
            self.problem(
                at,
                format!("no `fn {last}` in `{file}` (or `{folder}`){hint}"),
            );
        }
    }

    fn where_is(&self, name: &str) -> String {
        let found = self.sources.defining(name);
        if found.is_empty() {
            format!("; no `fn {name}` anywhere in the workspace (renamed or removed?)")
        } else {
            format!(
                "; `fn {name}` is in {}: update the reference",
                found.join(", ")
            )
        }
    }

    /// The test references and file names of one cell or paragraph. A `::name` that follows
    /// no test file is an error only in a "Test" column (elsewhere it may be a method).
    fn check_refs(&mut self, at: &str, text: &str, crate_hint: Option<&str>, test_column: bool) {
        let mut file: Option<String> = None;
        let mut hint = crate_hint.map(String::from);
        for (_, span) in code_spans(text) {
            let span = span.trim();
            if let Some(c) = crate_of(span) {
                hint = Some(c);
            }
            if let Some((test_file, path)) = test_ref(span) {
                if path.is_empty() {
                    self.files_checked += 1;
                    if self.sources.text(&test_file).is_none() {
                        self.problem(at, format!("`{test_file}` does not exist"));
                    }
                } else {
                    self.check_test(at, &test_file, &path);
                }
                file = Some(test_file);
            } else if let Some(path) = span.strip_prefix("::") {
                let path: Vec<String> = path.split("::").map(String::from).collect();
                match &file {
                    Some(f) => {
                        let f = f.clone();
                        self.check_test(at, &f, &path);
                    }
                    // Elsewhere `::name` may be a method of the type named before it.
                    None if test_column => {
                        self.problem(at, format!("`{span}` follows no test file in its cell"));
                    }
                    None => {}
                }
            } else if let Some(name) = span.strip_prefix("tests::") {
                // A unit test in the source file named before it.
                match &file {
                    Some(f) if f.contains("/src/") => {
                        let f = f.clone();
                        self.check_test(at, &f, &["tests".to_string(), name.to_string()]);
                    }
                    _ => self.problem(at, format!("`{span}` follows no source file in its cell")),
                }
            } else if is_path(span) {
                self.files_checked += 1;
                let found = self.sources.resolve(span, hint.as_deref());
                match found.as_slice() {
                    [] => self.problem(at, format!("no file `{span}` in the workspace")),
                    [one] => file = Some(one.clone()),
                    _ => file = None,
                }
            }
        }
    }

    /// The identifiers of a "Where" cell, each in the files named before it in the cell, or
    /// else in `context` (the previous row's files for "same", the section's otherwise).
    fn check_where(
        &mut self,
        at: &str,
        text: &str,
        context: &[String],
        crate_hint: Option<&str>,
    ) -> Vec<String> {
        let mut files: Vec<String> = context.to_vec();
        let mut hint = crate_hint.map(String::from);
        // A list of files (`a.rs`, `b.rs` `f`) is the context of the names after it.
        let mut listing = false;
        for (before, span) in code_spans(text) {
            let span = span.trim();
            if let Some(c) = crate_of(span) {
                hint = Some(c);
            }
            if is_path(span) {
                let found = self.sources.resolve(span, hint.as_deref());
                if !found.is_empty() {
                    if listing {
                        files.extend(found);
                    } else {
                        files = found;
                    }
                    listing = true;
                }
                continue;
            }
            listing = false;
            // A crate named alone: its `src/` is the context.
            if let Some(c) = crate_of(span)
                && !span.contains('/')
            {
                files = self.sources.crate_src(&c);
                continue;
            }
            // "(no `Clone`, no serde)": names what the code does not have.
            if before.trim_end().ends_with("no") || span.starts_with('"') {
                continue;
            }
            let scope = if files.is_empty() {
                match &hint {
                    Some(c) => self.sources.crate_src(c),
                    None => self.sources.all_src(),
                }
            } else {
                files.clone()
            };
            for ident in identifiers(span) {
                self.idents_checked += 1;
                let found = scope
                    .iter()
                    .any(|f| self.sources.text(f).is_some_and(|t| has_word(t, &ident)));
                if !found {
                    let whole_src = self.sources.all_src();
                    let elsewhere: Vec<&String> = whole_src
                        .iter()
                        .filter(|f| self.sources.text(f).is_some_and(|t| has_word(t, &ident)))
                        .take(5)
                        .collect();
                    let hint = if elsewhere.is_empty() {
                        "not in any crate's src/ (renamed or removed?)".to_string()
                    } else {
                        format!(
                            "it is in {}",
                            elsewhere
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    };
                    self.problem(
                        at,
                        format!(
                            "Where `{span}`: `{ident}` is not in {}; {hint}",
                            scope.join(", ")
                        ),
                    );
                }
            }
        }
        files
    }
}

/// A test generated by a macro invocation that lists one test per line
/// (`harness! { name => …; }`).
fn macro_test(text: &str, name: &str) -> bool {
    (text.contains("! {") || text.contains("!{"))
        && text.lines().any(|line| {
            line.trim_start()
                .strip_prefix(name)
                .is_some_and(|rest| !rest.starts_with(is_ident_char))
        })
}

fn is_path(span: &str) -> bool {
    span.ends_with(".rs")
        && !span.contains(' ')
        && span
            .chars()
            .all(|c| c.is_alphanumeric() || "_-./".contains(c))
}

/// The identifiers of a code span such as `Wallet::settle`, `settle(Settle::Abort)`,
/// `Point::<Ed25519>::from_eighth_bytes`, `promote_*` (a prefix), `verify_share(_weighted)`
/// (an optional suffix, not an identifier of its own).
fn identifiers(span: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in span.chars() {
        if is_ident_char(c) {
            current.push(c);
        } else {
            if c == '*' && !current.is_empty() {
                current.push('*');
            }
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out.retain(|w| {
        !w.starts_with('_') && !w.chars().next().is_some_and(|c| c.is_ascii_digit()) && w != "*"
    });
    out
}

/// The `[§…]` citations of `text`: section numbers and quoted item names.
fn checklist_citations(text: &str) -> Vec<(Option<u32>, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("[§") {
        let inner = &rest[open + 1..];
        let close = inner.find(']').unwrap_or(inner.len());
        let citation = &inner[..close];
        for part in citation.split('§').skip(1) {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            let number = digits.parse().ok();
            let name = part
                .split_once('"')
                .and_then(|(_, r)| r.split_once('"'))
                .map(|(n, _)| n.to_string());
            out.push((number, name));
        }
        rest = &inner[close..];
    }
    out
}

#[test]
fn checks_md_names_only_tests_and_code_that_exist() {
    let sources = Sources::load();
    let doc = read("CHECKS.md");
    let checklist = read("docs/security-checklist.md");
    let mut checker = Checker {
        sources: &sources,
        problems: Vec::new(),
        tests_checked: 0,
        files_checked: 0,
        idents_checked: 0,
    };

    // The section headings: their crate and files are the context of a "Where" cell that
    // names no file itself.
    let mut h2: (Option<String>, Vec<String>) = (None, vec![]);
    let mut section: (Option<String>, Vec<String>) = (None, vec![]);
    let mut header: Vec<String> = Vec::new();
    let mut previous_where: Vec<String> = Vec::new();
    let mut paragraph: Vec<(usize, &str)> = Vec::new();
    let lines: Vec<&str> = doc.lines().collect();

    let flush =
        |checker: &mut Checker<'_>, paragraph: &mut Vec<(usize, &str)>, hint: Option<&str>| {
            if let Some((first, _)) = paragraph.first() {
                let text: Vec<&str> = paragraph.iter().map(|(_, l)| *l).collect();
                let at = format!("CHECKS.md:{}", first + 1);
                checker.check_refs(&at, &text.join(" "), hint, false);
            }
            paragraph.clear();
        };

    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if let Some(heading) = trimmed.strip_prefix('#') {
            flush(&mut checker, &mut paragraph, section.0.as_deref());
            let level = 1 + heading.chars().take_while(|c| *c == '#').count();
            let spans: Vec<String> = code_spans(heading).into_iter().map(|(_, s)| s).collect();
            let crate_name = spans.iter().find_map(|s| crate_of(s));
            let hint = crate_name.clone().or_else(|| h2.0.clone());
            let files: Vec<String> = spans
                .iter()
                .filter(|s| is_path(s))
                .flat_map(|s| sources.resolve(s, hint.as_deref()))
                .collect();
            if level <= 2 {
                h2 = (crate_name, files.clone());
                section = h2.clone();
            } else {
                let files = if files.is_empty() {
                    h2.1.clone()
                } else {
                    files
                };
                section = (hint, files);
            }
            continue;
        }
        if !trimmed.starts_with('|') {
            if trimmed.is_empty() {
                flush(&mut checker, &mut paragraph, section.0.as_deref());
            } else {
                paragraph.push((i, line));
            }
            continue;
        }
        flush(&mut checker, &mut paragraph, section.0.as_deref());
        if is_separator(trimmed) {
            continue;
        }
        if lines.get(i + 1).is_some_and(|next| is_separator(next)) {
            header = cells(trimmed);
            previous_where.clear();
            continue;
        }
        let row = cells(trimmed);
        let id = row.first().cloned().unwrap_or_default();
        for (column, cell) in row.iter().enumerate() {
            let name = header.get(column).map(String::as_str).unwrap_or("?");
            let at = format!("CHECKS.md:{} ({id}, {name})", i + 1);
            checker.check_refs(&at, cell, section.0.as_deref(), name.starts_with("Test"));
            if name == "Where" {
                let context = if cell.starts_with("same") {
                    previous_where.clone()
                } else {
                    section.1.clone()
                };
                previous_where = checker.check_where(&at, cell, &context, section.0.as_deref());
            }
        }
    }
    flush(&mut checker, &mut paragraph, section.0.as_deref());

    // `[§N]` and `[§"item"]` citations resolve in the checklist.
    for (i, line) in lines.iter().enumerate() {
        for (number, name) in checklist_citations(line) {
            if let Some(n) = number
                && !checklist
                    .lines()
                    .any(|l| l.starts_with(&format!("## {n}. ")))
            {
                checker.problem(
                    &format!("CHECKS.md:{}", i + 1),
                    format!("§{n} is not a section of docs/security-checklist.md"),
                );
            }
            if let Some(name) = name
                && !checklist.to_lowercase().contains(&name.to_lowercase())
            {
                checker.problem(
                    &format!("CHECKS.md:{}", i + 1),
                    format!("§\"{name}\" is not in docs/security-checklist.md"),
                );
            }
        }
    }

    eprintln!(
        "CHECKS.md: {} test references, {} file names, {} identifiers checked",
        checker.tests_checked, checker.files_checked, checker.idents_checked
    );
    // A parser that silently stopped reading would pass vacuously.
    assert!(
        checker.tests_checked > 300,
        "only {} test references found",
        checker.tests_checked
    );
    assert!(
        checker.idents_checked > 200,
        "only {} identifiers found",
        checker.idents_checked
    );
    assert!(
        checker.problems.is_empty(),
        "CHECKS.md has drifted from the code ({} problems; a test file renamed or split \
         shows up as a missing `fn`, with where that `fn` is now):\n  {}",
        checker.problems.len(),
        checker.problems.join("\n  ")
    );
}

/// The visible lines of the first ```` ```no_run ```` block of `//!` docs (rustdoc's hidden
/// `# ` lines left out).
fn crate_doc_example(text: &str) -> Vec<String> {
    let doc: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    let start = doc
        .iter()
        .position(|l| l.starts_with("```"))
        .expect("no code block in the crate docs");
    doc[start + 1..]
        .iter()
        .take_while(|l| !l.starts_with("```"))
        .filter(|l| **l != "#" && !l.starts_with("# "))
        .map(|l| l.to_string())
        .collect()
}

#[test]
fn the_readme_example_is_the_wallet_doctest() {
    let readme = read("README.md");
    let section = readme
        .split("## Library example")
        .nth(1)
        .expect("README has no \"## Library example\"");
    let block: Vec<String> = section
        .lines()
        .skip_while(|l| !l.starts_with("```rust"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .map(String::from)
        .collect();
    let doctest = crate_doc_example(&read("crates/tandem-wallet/src/lib.rs"));
    assert!(!doctest.is_empty());
    assert_eq!(
        block, doctest,
        "README's library example differs from the doctest in crates/tandem-wallet/src/lib.rs \
         (the doctest is the source: copy its visible lines into the README)"
    );
}

/// GitHub's anchor for a heading.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[test]
fn relative_links_in_the_documents_resolve() {
    let mut documents: Vec<String> = [
        "README.md",
        "SECURITY.md",
        "CHECKS.md",
        "BENCHMARKS.md",
        "CHANGELOG.md",
        "test-vectors/README.md",
        "fuzz/README.md",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for entry in fs::read_dir(root().join("docs")).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".md") {
            documents.push(format!("docs/{name}"));
        }
    }
    let mut problems = BTreeSet::new();
    for doc in &documents {
        let text = read(doc);
        let base = Path::new(doc).parent().unwrap_or(Path::new(""));
        let mut rest = text.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let target = &after[..end];
            rest = &after[end..];
            if target.contains("://") || target.starts_with("mailto:") || target.contains(' ') {
                continue;
            }
            let (file, fragment) = match target.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (target, None),
            };
            let path = if file.is_empty() {
                PathBuf::from(doc)
            } else {
                base.join(file)
            };
            let full = root().join(&path);
            if !full.exists() {
                problems.insert(format!("{doc}: link to `{target}`: no such file"));
                continue;
            }
            if let Some(fragment) = fragment
                && full.extension().is_some_and(|e| e == "md")
            {
                let linked = fs::read_to_string(&full).unwrap();
                let found = linked
                    .lines()
                    .filter_map(|l| l.strip_prefix('#'))
                    .any(|h| anchor(h.trim_start_matches('#')) == fragment);
                if !found {
                    problems.insert(format!("{doc}: link to `{target}`: no such heading"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken links:\n  {}",
        problems.into_iter().collect::<Vec<_>>().join("\n  ")
    );
}
