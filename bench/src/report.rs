//! What the benchmarks print: percentiles of latencies, the plain-text table of
//! measurements, the facts about the machine and one quotable ceiling line per engine.
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "the report is the benchmark's output")]

use std::time::Duration;

/// What a measurement does, once per operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Writes new weights, this many per operation: one `write_things` call, or one
    /// PutThings request (each one transaction).
    Put {
        /// Things written in each transaction.
        things_per_transaction: usize,
    },
    /// Asks a record for its latest weights (a typed query with a limit, or a GetThings
    /// request with that `max`).
    Query {
        /// The query's limit: things read per query.
        limit: u32,
    },
}

impl Workload {
    /// How the workload is named in the table.
    pub fn label(self) -> String {
        match self {
            Self::Put { things_per_transaction: 1 } => "put, 1 thing/tx".to_owned(),
            Self::Put { things_per_transaction } => format!("put, {things_per_transaction} things/tx"),
            Self::Query { limit } => format!("query weights, limit {limit}"),
        }
    }

    /// What the clients running it are called: writers or readers.
    pub fn clients(self, count: usize) -> String {
        let noun = match self {
            Self::Put { .. } => "writer",
            Self::Query { .. } => "reader",
        };
        if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
    }
}

/// One row of the table: a workload run by `concurrency` clients for `elapsed`.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// `sqlite` or `postgres`.
    pub engine: &'static str,
    /// What each operation did.
    pub workload: Workload,
    /// Clients running at once, each on its own record.
    pub concurrency: usize,
    /// Things written or read by all operations together.
    pub things: u64,
    /// From the end of the warm-up until the last operation finished.
    pub elapsed: Duration,
    /// The latency of every measured operation, sorted ascending.
    latencies: Vec<Duration>,
}

impl Measurement {
    /// A measurement of the operations whose latencies are given (in any order).
    pub fn new(
        engine: &'static str,
        workload: Workload,
        concurrency: usize,
        things: u64,
        elapsed: Duration,
        mut latencies: Vec<Duration>,
    ) -> Self {
        latencies.sort_unstable();
        Self { engine, workload, concurrency, things, elapsed, latencies }
    }

    /// Transactions (puts) or queries per second.
    pub fn operations_per_second(&self) -> f64 {
        per_second(self.latencies.len() as f64, self.elapsed)
    }

    /// Things written or read per second.
    pub fn things_per_second(&self) -> f64 {
        per_second(self.things as f64, self.elapsed)
    }

    /// Median latency of one operation.
    pub fn median(&self) -> Option<Duration> {
        percentile(&self.latencies, 50.0)
    }

    /// 99th-percentile latency of one operation.
    pub fn p99(&self) -> Option<Duration> {
        percentile(&self.latencies, 99.0)
    }

    /// The figure later reports quote: things/s for puts, queries/s for queries.
    pub fn headline(&self) -> String {
        match self.workload {
            Workload::Put { .. } => format!("{} things/s", format_count(self.things_per_second())),
            Workload::Query { .. } => format!("{} queries/s", format_count(self.operations_per_second())),
        }
    }
}

fn per_second(count: f64, elapsed: Duration) -> f64 {
    if elapsed.is_zero() { 0.0 } else { count / elapsed.as_secs_f64() }
}

/// The nearest-rank percentile of latencies sorted ascending: the smallest latency that at
/// least `percent` percent of them do not exceed. `None` when there are none.
pub fn percentile(sorted: &[Duration], percent: f64) -> Option<Duration> {
    let last = sorted.len().checked_sub(1)?;
    let rank = (percent / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.saturating_sub(1).min(last)).copied()
}

/// A count with thousands separators, rounded to a whole number: `12,345`.
pub fn format_count(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// A latency in milliseconds with two decimals, or `-` when there is none.
pub fn format_milliseconds(latency: Option<Duration>) -> String {
    latency.map_or_else(|| "-".to_owned(), |latency| format!("{:.2}", latency.as_secs_f64() * 1000.0))
}

/// The table of measurements, one row each, columns aligned.
pub fn render_table(measurements: &[Measurement]) -> String {
    let header = ["engine", "measurement", "concurrency", "ops/s", "things/s", "p50 ms", "p99 ms"];
    let rows: Vec<Vec<String>> = measurements
        .iter()
        .map(|measurement| {
            vec![
                measurement.engine.to_owned(),
                measurement.workload.label(),
                measurement.concurrency.to_string(),
                format_count(measurement.operations_per_second()),
                format_count(measurement.things_per_second()),
                format_milliseconds(measurement.median()),
                format_milliseconds(measurement.p99()),
            ]
        })
        .collect();
    render_columns(&header, &rows, 2)
}

/// A plain-text table with a rule under the header. The first `text_columns` columns are
/// text, read left to right; the others are numbers and line up on the right.
pub fn render_columns(header: &[&str], rows: &[Vec<String>], text_columns: usize) -> String {
    let mut widths: Vec<usize> = header.iter().map(|cell| cell.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let render_row = |cells: &[&str]| {
        let mut line = String::new();
        for (column, (cell, &width)) in cells.iter().zip(&widths).enumerate() {
            if column > 0 {
                line.push_str("  ");
            }
            if column < text_columns {
                line.push_str(&format!("{cell:<width$}"));
            } else {
                line.push_str(&format!("{cell:>width$}"));
            }
        }
        line.trim_end().to_owned()
    };
    let mut table = render_row(header);
    table.push('\n');
    table.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1)));
    for row in rows {
        table.push('\n');
        table.push_str(&render_row(&row.iter().map(String::as_str).collect::<Vec<_>>()));
    }
    table
}

/// One line with an engine's ceiling in a form later reports can quote, e.g.
/// `ceiling sqlite: put, 1 thing/tx 410 things/s (1 writer), 790 things/s (2 writers); ...`.
pub fn ceiling_line(engine: &str, measurements: &[Measurement]) -> Option<String> {
    let mut workloads: Vec<Workload> = Vec::new();
    for measurement in measurements.iter().filter(|measurement| measurement.engine == engine) {
        if !workloads.contains(&measurement.workload) {
            workloads.push(measurement.workload);
        }
    }
    if workloads.is_empty() {
        return None;
    }
    let parts: Vec<String> = workloads
        .iter()
        .map(|workload| {
            let figures: Vec<String> = measurements
                .iter()
                .filter(|measurement| measurement.engine == engine && measurement.workload == *workload)
                .map(|measurement| {
                    format!("{} ({})", measurement.headline(), workload.clients(measurement.concurrency))
                })
                .collect();
            format!("{} {}", workload.label(), figures.join(", "))
        })
        .collect();
    Some(format!("ceiling {engine}: {}", parts.join("; ")))
}

/// Prints the whole report: facts, table, ceiling lines and notes (such as skipped
/// engines).
pub fn print(title: &str, facts: &[(String, String)], measurements: &[Measurement], notes: &[String]) {
    print_facts(title, facts);
    print_store_table(measurements);
    print_notes(notes);
}

/// Prints the title and the facts about the run, labels aligned.
pub fn print_facts(title: &str, facts: &[(String, String)]) {
    println!("{title}");
    println!();
    let label_width = facts.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    for (label, value) in facts {
        println!("{:<label_width$}  {value}", format!("{label}:"), label_width = label_width + 1);
    }
    println!();
}

/// Prints the table of store measurements, what its columns count and the ceiling lines.
pub fn print_store_table(measurements: &[Measurement]) {
    if measurements.is_empty() {
        println!("nothing was measured");
        return;
    }
    println!("{}", render_table(measurements));
    println!();
    println!("ops/s counts transactions for puts and queries for queries; things/s counts things written or read.");
    println!("p50 and p99 are the latency of one operation (one transaction or one query).");
    println!();
    let mut engines: Vec<&str> = measurements.iter().map(|measurement| measurement.engine).collect();
    engines.dedup();
    for engine in engines {
        if let Some(line) = ceiling_line(engine, measurements) {
            println!("{line}");
        }
    }
}

/// Prints notes (such as skipped or failed engines) after a blank line, if there are any.
pub fn print_notes(notes: &[String]) {
    if !notes.is_empty() {
        println!();
        for note in notes {
            println!("{note}");
        }
    }
}

/// Says on standard error what is being measured, so a long run shows progress without
/// mixing it into the report.
pub fn progress(message: &str) {
    eprintln!("{message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn milliseconds(values: &[u64]) -> Vec<Duration> {
        values.iter().copied().map(Duration::from_millis).collect()
    }

    #[test]
    fn percentile_takes_the_nearest_rank() {
        let latencies = milliseconds(&(1..=100).collect::<Vec<_>>());
        assert_eq!(percentile(&latencies, 50.0), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&latencies, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&latencies, 100.0), Some(Duration::from_millis(100)));
        assert_eq!(percentile(&latencies, 0.0), Some(Duration::from_millis(1)));

        let few = milliseconds(&[3, 7, 20]);
        assert_eq!(percentile(&few, 50.0), Some(Duration::from_millis(7)));
        assert_eq!(percentile(&few, 99.0), Some(Duration::from_millis(20)));
        assert_eq!(percentile(&milliseconds(&[4]), 99.0), Some(Duration::from_millis(4)));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn measurements_sort_their_latencies() {
        let measurement = Measurement::new(
            "sqlite",
            Workload::Query { limit: 10 },
            2,
            30,
            Duration::from_secs(1),
            milliseconds(&[9, 1, 5]),
        );
        assert_eq!(measurement.median(), Some(Duration::from_millis(5)));
        assert_eq!(measurement.p99(), Some(Duration::from_millis(9)));
        assert_eq!(measurement.operations_per_second(), 3.0);
        assert_eq!(measurement.things_per_second(), 30.0);
    }

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(format_count(0.4), "0");
        assert_eq!(format_count(999.6), "1,000");
        assert_eq!(format_count(1_234_567.0), "1,234,567");
        assert_eq!(format_count(123_456.0), "123,456");
    }

    #[test]
    fn the_table_and_ceiling_line_name_each_measurement() {
        let put = |concurrency: usize, things: u64| {
            Measurement::new(
                "sqlite",
                Workload::Put { things_per_transaction: 1 },
                concurrency,
                things,
                Duration::from_secs(1),
                vec![Duration::from_millis(2); things as usize],
            )
        };
        let measurements = vec![put(1, 400), put(2, 800)];
        let table = render_table(&measurements);
        assert!(table.starts_with("engine  measurement      concurrency  ops/s  things/s  p50 ms  p99 ms"), "{table}");
        assert!(table.contains("sqlite  put, 1 thing/tx            2    800       800    2.00    2.00"), "{table}");
        assert_eq!(
            ceiling_line("sqlite", &measurements).as_deref(),
            Some("ceiling sqlite: put, 1 thing/tx 400 things/s (1 writer), 800 things/s (2 writers)")
        );
        assert_eq!(ceiling_line("postgres", &measurements), None);
    }
}
