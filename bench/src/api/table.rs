//! The API benchmark's report: each API figure beside the store's ceiling for the same
//! work measured in the same run, and whether the targets are met.
#![allow(clippy::print_stdout, reason = "the report is the benchmark's output")]

use std::time::Duration;

use crate::report::{self, Measurement, Workload, format_count, format_milliseconds};

/// Single writes (PutThings of 1 thing) should reach this fraction of the store's ceiling
/// for 1 thing per transaction.
pub const SINGLE_WRITE_TARGET: f64 = 0.30;

/// Batched writes (PutThings of 100 things) should reach this fraction of the store's
/// ceiling for 100 things per transaction.
pub const BATCHED_WRITE_TARGET: f64 = 0.50;

/// GetThings at the offered rate should answer 99% of requests within this.
pub const PACED_P99_TARGET: Duration = Duration::from_millis(10);

/// What the API benchmark measured on one engine.
#[derive(Debug)]
pub struct EngineResults {
    /// The store benchmark's measurements in this run, the ceiling the API is compared with.
    pub ceiling: Vec<Measurement>,
    /// PutThings with 1 thing per request, closed loop.
    pub single_writes: Measurement,
    /// PutThings with 100 things per request, closed loop.
    pub batched_writes: Measurement,
    /// GetThings of the latest weights, closed loop.
    pub reads: Measurement,
    /// GetThings of the latest weights at `offered_rate`, open loop.
    pub paced_reads: Measurement,
    /// Requests per second offered to `paced_reads`.
    pub offered_rate: u32,
}

impl EngineResults {
    /// The rows of the comparison table: label, API measurement, and the figure it is
    /// compared with (none for the paced reads, which have a latency target instead).
    fn rows(&self) -> [(String, &Measurement, Option<&Measurement>); 4] {
        [
            (
                "PutThings, 1 thing/request".to_owned(),
                &self.single_writes,
                best(&self.ceiling, self.single_writes.workload),
            ),
            (
                format!("PutThings, {} things/request", things_per_request(&self.batched_writes)),
                &self.batched_writes,
                best(&self.ceiling, self.batched_writes.workload),
            ),
            (reads_label(&self.reads), &self.reads, best(&self.ceiling, self.reads.workload)),
            (format!("{} at {}/s offered", reads_label(&self.paced_reads), self.offered_rate), &self.paced_reads, None),
        ]
    }

    /// One line per target: the figure, the target and whether it is met.
    pub fn target_lines(&self) -> Vec<String> {
        let engine = self.reads.engine;
        let mut lines = Vec::new();
        for (what, measurement, target) in [
            ("single writes", &self.single_writes, SINGLE_WRITE_TARGET),
            ("batched writes", &self.batched_writes, BATCHED_WRITE_TARGET),
        ] {
            let line = match best(&self.ceiling, measurement.workload) {
                Some(ceiling) => {
                    let reached = fraction(measurement, ceiling);
                    format!(
                        "{engine}: {what} at {} of the store's {}: target {} or more, {}",
                        format_percent(reached),
                        ceiling.headline(),
                        format_percent(target),
                        verdict(reached >= target)
                    )
                }
                None => format!("{engine}: {what}: no store ceiling was measured"),
            };
            lines.push(line);
        }
        let p99 = self.paced_reads.p99();
        lines.push(format!(
            "{engine}: GetThings p99 {} ms at {} requests/s achieved ({} offered): target under {} ms, {}",
            format_milliseconds(p99),
            format_count(self.paced_reads.operations_per_second()),
            self.offered_rate,
            PACED_P99_TARGET.as_millis(),
            verdict(p99.is_some_and(|p99| p99 < PACED_P99_TARGET))
        ));
        lines
    }
}

fn things_per_request(measurement: &Measurement) -> usize {
    match measurement.workload {
        Workload::Put { things_per_transaction } => things_per_transaction,
        Workload::Query { .. } => 0,
    }
}

fn reads_label(measurement: &Measurement) -> String {
    match measurement.workload {
        Workload::Query { limit } => format!("GetThings, latest {limit} weights"),
        Workload::Put { .. } => "GetThings".to_owned(),
    }
}

/// What the ceiling and the API are compared by: things/s for writes, queries or requests
/// per second for reads.
fn figure(measurement: &Measurement) -> f64 {
    match measurement.workload {
        Workload::Put { .. } => measurement.things_per_second(),
        Workload::Query { .. } => measurement.operations_per_second(),
    }
}

/// The store's best figure for `workload` at any concurrency measured.
fn best(ceiling: &[Measurement], workload: Workload) -> Option<&Measurement> {
    ceiling
        .iter()
        .filter(|measurement| measurement.workload == workload)
        .max_by(|left, right| figure(left).total_cmp(&figure(right)))
}

/// The API's figure as a fraction of the ceiling's.
fn fraction(measurement: &Measurement, ceiling: &Measurement) -> f64 {
    let ceiling = figure(ceiling);
    if ceiling > 0.0 { figure(measurement) / ceiling } else { 0.0 }
}

fn format_percent(fraction: f64) -> String {
    format!("{:.0}%", fraction * 100.0)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// The table of API measurements, each beside its ceiling.
pub fn render_comparison(results: &[EngineResults]) -> String {
    let header = [
        "engine",
        "API measurement",
        "clients",
        "requests/s",
        "things/s",
        "p50 ms",
        "p99 ms",
        "store ceiling",
        "of ceiling",
    ];
    let mut rows = Vec::new();
    for engine_results in results {
        for (label, measurement, ceiling) in engine_results.rows() {
            rows.push(vec![
                measurement.engine.to_owned(),
                label,
                measurement.concurrency.to_string(),
                format_count(measurement.operations_per_second()),
                format_count(measurement.things_per_second()),
                format_milliseconds(measurement.median()),
                format_milliseconds(measurement.p99()),
                ceiling.map_or_else(
                    || "-".to_owned(),
                    |ceiling| format!("{} ({})", ceiling.headline(), ceiling.workload.clients(ceiling.concurrency)),
                ),
                ceiling.map_or_else(|| "-".to_owned(), |ceiling| format_percent(fraction(measurement, ceiling))),
            ]);
        }
    }
    report::render_columns(&header, &rows, 2)
}

/// Prints the whole report: facts, the store's ceiling, the API beside it, the targets and
/// notes.
pub fn print(title: &str, facts: &[(String, String)], results: &[EngineResults], notes: &[String]) {
    report::print_facts(title, facts);
    let ceiling: Vec<Measurement> = results.iter().flat_map(|engine| engine.ceiling.iter().cloned()).collect();
    if results.is_empty() {
        println!("nothing was measured");
    } else {
        println!("Store ceiling, measured in this run (haven-bench store):");
        println!();
        report::print_store_table(&ceiling);
        println!();
        println!("API through HTTP, one haven-sdk connection per client:");
        println!();
        println!("{}", render_comparison(results));
        println!();
        println!("requests/s and things/s count completed requests and the things they wrote or read; p50 and p99 are");
        println!("the latency of one request as the client sees it. The closed-loop rows run each client's requests");
        println!(
            "back to back; the offered-rate row sends requests on a fixed schedule and measures each from when it"
        );
        println!("was due. The ceiling is the store's best figure for the same work (things/s for writes, queries/s");
        println!("for reads) at 1 or the row's number of clients.");
        println!();
        println!("Targets:");
        for engine_results in results {
            for line in engine_results.target_lines() {
                println!("  {line}");
            }
        }
    }
    report::print_notes(notes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measurement(workload: Workload, concurrency: usize, operations: usize, things: u64) -> Measurement {
        Measurement::new(
            "sqlite",
            workload,
            concurrency,
            things,
            Duration::from_secs(1),
            vec![Duration::from_millis(4); operations],
        )
    }

    #[test]
    fn the_ceiling_is_the_stores_best_figure_for_the_same_work() {
        let single = Workload::Put { things_per_transaction: 1 };
        let batched = Workload::Put { things_per_transaction: 100 };
        let query = Workload::Query { limit: 10 };
        let results = EngineResults {
            ceiling: vec![
                measurement(single, 1, 1_000, 1_000),
                measurement(single, 2, 800, 800),
                measurement(batched, 1, 40, 4_000),
                measurement(query, 1, 3_000, 30_000),
                measurement(query, 2, 5_000, 50_000),
            ],
            single_writes: measurement(single, 2, 400, 400),
            batched_writes: measurement(batched, 2, 15, 1_500),
            reads: measurement(query, 2, 1_000, 10_000),
            paced_reads: measurement(query, 2, 500, 5_000),
            offered_rate: 500,
        };
        let table = render_comparison(std::slice::from_ref(&results));
        // The cells of each row, whatever the column widths.
        let rows: Vec<String> = table
            .lines()
            .map(|line| line.split("  ").map(str::trim).filter(|cell| !cell.is_empty()).collect::<Vec<_>>().join(" | "))
            .collect();
        for expected in [
            "sqlite | PutThings, 1 thing/request | 2 | 400 | 400 | 4.00 | 4.00 | 1,000 things/s (1 writer) | 40%",
            "sqlite | PutThings, 100 things/request | 2 | 15 | 1,500 | 4.00 | 4.00 | 4,000 things/s (1 writer) | 38%",
            "sqlite | GetThings, latest 10 weights | 2 | 1,000 | 10,000 | 4.00 | 4.00 | 5,000 queries/s (2 readers) | 20%",
            "sqlite | GetThings, latest 10 weights at 500/s offered | 2 | 500 | 5,000 | 4.00 | 4.00 | - | -",
        ] {
            assert!(rows.iter().any(|row| row == expected), "{expected} is not in\n{table}");
        }
        assert_eq!(
            results.target_lines(),
            [
                "sqlite: single writes at 40% of the store's 1,000 things/s: target 30% or more, met",
                "sqlite: batched writes at 38% of the store's 4,000 things/s: target 50% or more, NOT met",
                "sqlite: GetThings p99 4.00 ms at 500 requests/s achieved (500 offered): target under 10 ms, met",
            ]
        );
    }
}
