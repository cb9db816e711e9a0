//! What the `peers` and `http` binaries share: the parsing of their common
//! flags, and the summary of a measurement's repetitions.

/// A comma-separated list given to `flag`.
pub fn list(value: Option<String>, flag: &str) -> Result<Vec<String>, String> {
    let value = value.ok_or(format!("{flag} needs a value"))?;
    Ok(value.split(',').map(|s| s.trim().to_string()).collect())
}

/// `--reps`' value: a positive number.
pub fn reps(value: Option<String>) -> Result<usize, String> {
    let value = value.ok_or("--reps needs a value")?;
    value
        .parse()
        .ok()
        .filter(|&r| r > 0)
        .ok_or(format!("--reps: not a positive number: {value}"))
}

/// `--bench`'s value: benchmarks among `known`.
pub fn benches(value: Option<String>, known: &[&str]) -> Result<Vec<String>, String> {
    let benches = list(value, "--bench")?;
    match benches.iter().find(|b| !known.contains(&b.as_str())) {
        Some(bad) => Err(format!("unknown benchmark: {bad}")),
        None => Ok(benches),
    }
}

/// Median, min and max of `values` (sorted in place).
pub fn summary(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    (median, values[0], values[n - 1])
}
