//! Progress on stderr: a line per step and status, a spinner per party while safe primes are
//! searched. Silent with `--json` (stdout carries the result; stderr stays for errors).

use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tandem_wallet::progress::{Progress, Step};
use tandem_wallet::{CurveId, Party};

/// Turns wallet progress reports into terminal output.
pub(crate) struct Ui {
    quiet: bool,
    bars: MultiProgress,
    primes: Vec<(Party, ProgressBar)>,
    last: Option<(Step, Party, Option<CurveId>)>,
}

impl Ui {
    pub(crate) fn new(quiet: bool) -> Self {
        Self {
            quiet,
            bars: MultiProgress::new(),
            primes: Vec::new(),
            last: None,
        }
    }

    /// A line above the spinners; plain stderr when stderr is not a terminal (CI logs).
    fn line(&self, text: String) {
        if self.bars.is_hidden() {
            eprintln!("{text}");
        } else {
            let _ = self.bars.println(text);
        }
    }

    fn bar(&mut self, party: Party) -> Option<&ProgressBar> {
        if !self.primes.iter().any(|(p, _)| *p == party) {
            let bar = self.bars.add(ProgressBar::new_spinner());
            if let Ok(style) = ProgressStyle::with_template("  {prefix:<9} {spinner} {msg}") {
                bar.set_style(style);
            }
            bar.set_prefix(party.name());
            bar.enable_steady_tick(Duration::from_millis(120));
            self.primes.push((party, bar));
        }
        self.primes
            .iter()
            .find(|(p, _)| *p == party)
            .map(|(_, b)| b)
    }

    pub(crate) fn report(&mut self, event: Progress) {
        if self.quiet {
            return;
        }
        match event {
            Progress::Step { step, curve, party } => {
                // Repeated reports of one step (e.g. per record) show once.
                if self.last == Some((step, party, curve)) {
                    return;
                }
                self.last = Some((step, party, curve));
                let curve = curve.map(|c| format!(" ({c})")).unwrap_or_default();
                self.line(format!("  {:<9} {}{curve}", party.name(), step.name()));
            }
            Progress::Status(status) => {
                self.last = None;
                self.line(format!("  status    {status}"));
            }
            Progress::Prime {
                party,
                prime,
                candidates,
            } => {
                if let Some(bar) = self.bar(party) {
                    bar.set_message(format!(
                        "Paillier key: safe prime {}/2, {candidates} candidates tested",
                        prime + 1
                    ));
                }
            }
            Progress::PaillierKeyReady { party } => {
                if self.bars.is_hidden() {
                    self.line(format!("  {:<9} Paillier key ready", party.name()));
                }
                if let Some(bar) = self.bar(party) {
                    bar.finish_with_message("Paillier key ready (two 1536-bit safe primes)");
                }
            }
            _ => {}
        }
    }
}
