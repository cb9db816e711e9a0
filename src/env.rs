//! The `SEEDLOOP_*` environment variables, read once for both the
//! `Builder` (seed, strategy, tape) and the explorer (all of them).

use crate::error::ConfigError;
use crate::strategy::Strategy;
use crate::tape::Tape;

/// Which slice of a sweep's seeds this process runs: the `index`-th
/// (0-based here, 1-based in `SEEDLOOP_SHARD=k/n`) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shard {
    pub(crate) index: u64,
    pub(crate) count: u64,
}

impl Shard {
    pub(crate) fn new(k: u64, n: u64, setting: &str) -> Result<Shard, ConfigError> {
        if n == 0 || k == 0 || k > n {
            return Err(ConfigError::new(
                setting,
                format!("{k}/{n}"),
                "expected k/n with 1 <= k <= n (the k-th of n slices)",
            ));
        }
        Ok(Shard {
            index: k - 1,
            count: n,
        })
    }
}

/// What the `SEEDLOOP_*` variables say; `None` for a variable not set.
#[derive(Clone, Debug, Default)]
pub(crate) struct Overrides {
    pub(crate) seed: Option<u64>,
    pub(crate) seeds: Option<u64>,
    pub(crate) strategy: Option<Strategy>,
    pub(crate) tape: Option<Tape>,
    pub(crate) jobs: Option<usize>,
    pub(crate) shard: Option<Shard>,
    pub(crate) view_dir: Option<std::path::PathBuf>,
}

fn positive(name: &str, text: &str) -> Result<u64, ConfigError> {
    match text.trim().parse::<u64>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(ConfigError::new(
            name,
            text,
            "expected a whole number of at least 1",
        )),
    }
}

/// Reads the variables through `var` (the environment, or a table in tests).
pub(crate) fn read(var: impl Fn(&str) -> Option<String>) -> Result<Overrides, ConfigError> {
    let mut o = Overrides::default();
    if let Some(text) = var("SEEDLOOP_SEED") {
        o.seed = Some(crate::parse_seed("SEEDLOOP_SEED", &text)?);
    }
    if let Some(text) = var("SEEDLOOP_SEEDS") {
        o.seeds = Some(positive("SEEDLOOP_SEEDS", &text)?);
    }
    if let Some(text) = var("SEEDLOOP_STRATEGY") {
        let strategy = text
            .parse::<Strategy>()
            .map_err(|e: ConfigError| ConfigError::new("SEEDLOOP_STRATEGY", &text, e.reason()))?;
        o.strategy = Some(strategy);
    }
    if let Some(text) = var("SEEDLOOP_TAPE") {
        let tape = text
            .parse()
            .map_err(|e| ConfigError::new("SEEDLOOP_TAPE", &text, format!("{e}")))?;
        o.tape = Some(tape);
    }
    if let Some(text) = var("SEEDLOOP_JOBS") {
        // 0 means the available cores, as `jobs = 0` does.
        let jobs = text.trim().parse::<u64>().map_err(|_| {
            ConfigError::new(
                "SEEDLOOP_JOBS",
                &text,
                "expected a whole number of threads (0 = the available cores)",
            )
        })?;
        o.jobs = Some(usize::try_from(jobs).unwrap_or(usize::MAX));
    }
    if let Some(text) = var("SEEDLOOP_VIEW_DIR") {
        if text.trim().is_empty() {
            return Err(ConfigError::new(
                "SEEDLOOP_VIEW_DIR",
                &text,
                "expected a directory for failing runs' views",
            ));
        }
        o.view_dir = Some(std::path::PathBuf::from(text));
    }
    if let Some(text) = var("SEEDLOOP_SHARD") {
        let bad = || {
            ConfigError::new(
                "SEEDLOOP_SHARD",
                &text,
                "expected k/n with 1 <= k <= n (the k-th of n slices), for example 2/4",
            )
        };
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let k = k.trim().parse::<u64>().map_err(|_| bad())?;
        let n = n.trim().parse::<u64>().map_err(|_| bad())?;
        o.shard = Some(Shard::new(k, n, "SEEDLOOP_SHARD").map_err(|_| bad())?);
    }
    Ok(o)
}

/// The command that runs test `test` (its path as the harness names it)
/// with the environment `vars` set: `cargo test -- <test> --exact`, or
/// under nextest (which sets `NEXTEST`), `cargo nextest run -E 'test(=<test>)'`.
pub(crate) fn test_command(vars: &str, test: &str) -> String {
    // Built with `--cfg seedloop` (tokio code through `seedloop-tokio`):
    // the replay must be too, or it runs on real tokio.
    let flags = if cfg!(seedloop) {
        "RUSTFLAGS=\"--cfg seedloop\" "
    } else {
        ""
    };
    let vars = format!("{flags}{vars}");
    let vars = vars.trim_end();
    if std::env::var_os("NEXTEST").is_some() {
        format!("{vars} cargo nextest run -E 'test(={test})'")
    } else {
        format!("{vars} cargo test -- {test} --exact")
    }
}

/// The name of the test running on this thread, when a test harness runs
/// it (libtest and nextest name the thread after the test; a program's
/// own thread is `main`).
pub(crate) fn current_test() -> Option<String> {
    std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .map(str::to_string)
}

/// Parses a duration written as a number and a unit: `30s`, `500ms`, `2m`,
/// `1h`, `250us`, `10ns` (a bare number is seconds).
pub(crate) fn parse_duration(
    setting: &str,
    text: &str,
) -> Result<std::time::Duration, ConfigError> {
    use std::time::Duration;
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let bad = || {
        ConfigError::new(
            setting,
            text,
            "expected a whole number and a unit (ns, us, ms, s, m, h), for example 30s",
        )
    };
    let n: u64 = number.parse().map_err(|_| bad())?;
    let d = match unit.trim() {
        "ns" => Duration::from_nanos(n),
        "us" | "µs" => Duration::from_micros(n),
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" | "min" => Duration::from_secs(n.checked_mul(60).ok_or_else(bad)?),
        "h" => Duration::from_secs(n.checked_mul(3600).ok_or_else(bad)?),
        _ => return Err(bad()),
    };
    if d.is_zero() {
        return Err(ConfigError::new(setting, text, "must be greater than zero"));
    }
    Ok(d)
}

/// A stand-in for the environment in tests: these variables and no others.
#[cfg(test)]
pub(crate) fn table<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn reads_every_variable() {
        let o = read(table(&[
            ("SEEDLOOP_SEED", "0x2a"),
            ("SEEDLOOP_SEEDS", "500"),
            ("SEEDLOOP_STRATEGY", "pct:3"),
            ("SEEDLOOP_TAPE", "z2,1"),
            ("SEEDLOOP_JOBS", "2"),
            ("SEEDLOOP_SHARD", "2/4"),
            ("SEEDLOOP_VIEW_DIR", "/tmp/views"),
        ]))
        .unwrap();
        assert_eq!(o.seed, Some(42));
        assert_eq!(o.seeds, Some(500));
        assert_eq!(o.strategy, Some(Strategy::Pct { depth: 3 }));
        assert_eq!(o.tape.unwrap().to_string(), "z2,1");
        assert_eq!(o.jobs, Some(2));
        assert_eq!(o.shard, Some(Shard { index: 1, count: 4 }));
        assert_eq!(o.view_dir, Some(std::path::PathBuf::from("/tmp/views")));
    }

    #[test]
    fn bad_values_name_the_variable_and_the_value() {
        for (var, value) in [
            ("SEEDLOOP_SEED", "-1"),
            ("SEEDLOOP_SEEDS", "0"),
            ("SEEDLOOP_SEEDS", "many"),
            ("SEEDLOOP_STRATEGY", "pct:0"),
            ("SEEDLOOP_STRATEGY", "dfs:x"),
            ("SEEDLOOP_TAPE", "1,,2"),
            ("SEEDLOOP_JOBS", "-1"),
            ("SEEDLOOP_SHARD", "0/4"),
            ("SEEDLOOP_SHARD", "5/4"),
            ("SEEDLOOP_SHARD", "2"),
            ("SEEDLOOP_SHARD", "a/b"),
            ("SEEDLOOP_VIEW_DIR", ""),
            ("SEEDLOOP_VIEW_DIR", "  "),
        ] {
            let err = read(table(&[(var, value)])).unwrap_err();
            assert_eq!((err.setting(), err.value()), (var, value), "{err}");
        }
    }

    #[test]
    fn jobs_zero_means_the_available_cores_as_the_attribute_says() {
        let o = read(table(&[("SEEDLOOP_JOBS", "0")])).unwrap();
        assert_eq!(o.jobs, Some(0));
    }

    #[test]
    fn durations_take_a_unit() {
        assert_eq!(parse_duration("t", "30s").unwrap(), Duration::from_secs(30));
        assert_eq!(
            parse_duration("t", "500ms").unwrap(),
            Duration::from_millis(500)
        );
        assert_eq!(parse_duration("t", "2m").unwrap(), Duration::from_secs(120));
        assert_eq!(
            parse_duration("t", "1h").unwrap(),
            Duration::from_secs(3600)
        );
        assert_eq!(parse_duration("t", "7").unwrap(), Duration::from_secs(7));
        for bad in ["", "s", "1.5s", "3 fortnights", "0s", "-1s"] {
            let err = parse_duration("time_limit", bad).unwrap_err();
            assert_eq!((err.setting(), err.value()), ("time_limit", bad));
        }
    }
}
