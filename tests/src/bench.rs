//! What every report benchmark of the workspace shares: how it was started, the
//! `QSSL_BENCH_BYTES` override, the workloads named on the command line, medians and
//! spreads, and the process's CPU time and resident memory.

/// How a benchmark binary was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `--list`: run nothing.
    List,
    /// `cargo bench`: full runs.
    Bench,
    /// `cargo test --benches`: one quick run, to see that it works.
    Test,
}

/// The mode from the command line.
pub fn mode() -> Mode {
    let has = |flag: &str| std::env::args().any(|a| a == flag);
    if has("--list") {
        Mode::List
    } else if has("--bench") && !has("--test") {
        Mode::Bench
    } else {
        Mode::Test
    }
}

/// Whether the workload `name` runs: every workload does unless the command line names
/// some (`cargo bench --bench c_scale -- streams`: arguments not starting with `-`).
pub fn selected(name: &str) -> bool {
    let named: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    named.is_empty() || named.iter().any(|a| a == name)
}

/// The median of `values` with their smallest and largest, as "median (min–max)" with
/// `decimals` decimals.
pub fn spread(values: &[f64], decimals: usize) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!(
        "{:.decimals$} ({min:.decimals$}–{max:.decimals$})",
        median(values.to_vec())
    )
}

/// `QSSL_BENCH_BYTES` (a byte count with an optional K, M or G binary suffix), or `default`.
pub fn bench_bytes(default: u64) -> u64 {
    let Ok(text) = std::env::var("QSSL_BENCH_BYTES") else {
        return default;
    };
    let text = text.trim();
    let (digits, shift) = match text.char_indices().last() {
        Some((i, 'k' | 'K')) => (&text[..i], 10),
        Some((i, 'm' | 'M')) => (&text[..i], 20),
        Some((i, 'g' | 'G')) => (&text[..i], 30),
        _ => (text, 0),
    };
    let n: u64 = digits
        .parse()
        .unwrap_or_else(|_| panic!("QSSL_BENCH_BYTES={text:?}: expected a byte count like 8M"));
    n << shift
}

/// The median of `values` (0 for none).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// This process's resident set size in KiB (`VmRSS` of `/proc/self/status`; 0 if unknown).
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The process's user + system CPU time.
pub fn process_cpu() -> std::time::Duration {
    stat_cpu("/proc/self/stat", 11)
}

/// User + system CPU time from a `/proc/.../stat` file: fields `first` and `first + 1`
/// counted after the command name (11 for the process's own utime and stime, 13 for its
/// waited-for children's), in USER_HZ (100 per second on Linux).
pub fn stat_cpu(path: &str, first: usize) -> std::time::Duration {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // The command name is in parentheses and may hold spaces: count after it.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    std::time::Duration::from_millis((ticks(first) + ticks(first + 1)) * 10)
}
