//! The eventing benchmark's report: one row per engine, the target and the outbox's state.
#![allow(clippy::print_stdout, reason = "the report is the benchmark's output")]

use std::time::Duration;

use super::Load;
use super::tally::Tally;
use crate::report::{self, format_count, format_milliseconds};

/// 99% of notifications should arrive within this of their change's commit.
pub const P99_TARGET: Duration = Duration::from_secs(1);

/// Notifications in the outbox after the run, by where they stand: every write's,
/// warm-up included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outbox {
    /// Queued by the writes.
    pub queued: usize,
    /// Recorded as delivered.
    pub delivered: usize,
    /// Still waiting for an attempt.
    pub pending: usize,
    /// Given up on.
    pub abandoned: usize,
    /// Tried more than once.
    pub retried: usize,
}

/// What the benchmark measured on one engine.
#[derive(Debug)]
pub struct EngineResult {
    /// `sqlite` or `postgres`.
    pub engine: &'static str,
    /// The notifications of the measured writes.
    pub tally: Tally,
    /// The 99th-percentile time of one `write_things`, queuing its notifications included.
    pub write_p99: Option<Duration>,
    /// The outbox after the worker stopped.
    pub outbox: Outbox,
    /// Bodies the receiver could not read.
    pub unreadable: usize,
    /// Whether every write's notifications arrived before the drain limit.
    pub drained: bool,
}

impl EngineResult {
    /// The target and the checks that every notification arrived once, one line each.
    pub fn target_lines(&self) -> Vec<String> {
        let engine = self.engine;
        let tally = &self.tally;
        let p99 = tally.p99();
        let mut lines = vec![format!(
            "{engine}: p99 from commit to receipt {} ms: target under {} ms, {}",
            format_milliseconds(p99),
            P99_TARGET.as_millis(),
            verdict(p99.is_some_and(|p99| p99 < P99_TARGET))
        )];
        lines.push(format!(
            "{engine}: {} of {} notifications lost, {} received twice, {} unexpected, {} unreadable bodies: must all be 0, {}",
            format_count(tally.lost() as f64),
            format_count(tally.expected as f64),
            format_count(tally.duplicates as f64),
            format_count(tally.unexpected as f64),
            format_count(self.unreadable as f64),
            verdict(tally.lost() == 0 && tally.duplicates == 0 && tally.unexpected == 0 && self.unreadable == 0)
        ));
        let outbox = &self.outbox;
        lines.push(format!(
            "{engine}: outbox after the run (warm-up included): {} queued, {} delivered, {} pending, {} abandoned, {} tried more than once{}",
            format_count(outbox.queued as f64),
            format_count(outbox.delivered as f64),
            format_count(outbox.pending as f64),
            format_count(outbox.abandoned as f64),
            format_count(outbox.retried as f64),
            if self.drained { "" } else { "; the receiver was still waiting for some when the drain limit passed" }
        ));
        lines
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// The table: one row per engine.
pub fn render(results: &[EngineResult], load: Load) -> String {
    let header = [
        "engine",
        "subscriptions",
        "writes/s",
        "notifications",
        "delivered/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "lost",
        "write p99 ms",
    ];
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|result| {
            let tally = &result.tally;
            vec![
                result.engine.to_owned(),
                tally.subscriptions.to_string(),
                format_count(tally.writes_per_second(load.measure)),
                format_count(tally.expected as f64),
                format_count(tally.delivered_per_second()),
                format_milliseconds(tally.median()),
                format_milliseconds(tally.p99()),
                format_milliseconds(tally.max()),
                format_count(tally.lost() as f64),
                format_milliseconds(result.write_p99),
            ]
        })
        .collect();
    report::render_columns(&header, &rows, 1)
}

/// Prints the whole report: facts, the table, what it counts, the targets and notes.
pub fn print(title: &str, facts: &[(String, String)], results: &[EngineResult], load: Load, notes: &[String]) {
    report::print_facts(title, facts);
    if results.is_empty() {
        println!("nothing was measured");
    } else {
        println!("{}", render(results, load));
        println!();
        println!(
            "writes/s counts the weights written per second of the measuring time (asked: {}/s); notifications",
            load.rate
        );
        println!("are those the measured writes should produce, one per write and subscription. delivered/s counts");
        println!("those received, over the time from the start of measuring until the last arrived. p50, p99 and max");
        println!(
            "run from when write_things returned to when the POST carrying the notification reached the receiver."
        );
        println!("write p99 is the time of one write_things, queuing its notifications included.");
        println!();
        println!("Targets:");
        for result in results {
            for line in result.target_lines() {
                println!("  {line}");
            }
        }
    }
    report::print_notes(notes);
}
