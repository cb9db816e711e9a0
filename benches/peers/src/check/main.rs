//! seedloop's linearizability checker (`seedloop::check`) on the histories
//! Porcupine publishes with its sources: the Jepsen etcd logs (a
//! compare-and-set register, with calls of unknown outcome) and the
//! key-value logs (get, put, append, checked key by key). The Go half of
//! the comparison is `porcupine/main.go`; `porcupine.sh` runs both and
//! prints the table.
//!
//! ```text
//! check --data DIR --expected FILE [--reps N] [--only TEXT,...] [--budget STATES] [--interleave]
//! ```
//!
//! `FILE` lists the histories to check, one per line: a path under `DIR`
//! and the verdict the history is known to have (`ok` or `illegal`). Each
//! history is parsed once into a [`History`]; then `Checker::check` is
//! timed `--reps` times (7 by default), and one line is printed per file:
//!
//! ```text
//! name  ops  verdict  median-ms  min-ms  max-ms
//! ```
//!
//! `--budget` is the checker's budget of explored states (seedloop's
//! default, 2,000,000, unless given). `--interleave` checks only the
//! key-value files, each key as its own history, the parts in turns with a
//! doubling budget (see [`interleaved`]): a measure of what a different
//! order of the parts inside `Checker::check` would give.
//!
//! The exit status is 1 when a verdict is not the expected one.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use seedloop::check::models::{Register, RegisterOp, RegisterRet};
use seedloop::check::{Call, Checker, DEFAULT_BUDGET, History, Model, Verdict};

#[path = "../cli.rs"]
#[allow(dead_code)]
mod cli;
mod kv;
mod parse;

use kv::{AppendKv, KvCall, KvOut};

/// The register's value: `None` is etcd's nil (the key was never written).
type Value = Option<u32>;
type EtcdHistory = History<RegisterOp<Value>, RegisterRet<Value>>;
type KvHistory = History<KvCall, KvOut>;

struct Args {
    data: PathBuf,
    expected: PathBuf,
    reps: usize,
    only: Vec<String>,
    budget: u64,
    interleave: bool,
}

fn args() -> Result<Args, String> {
    let mut data = None;
    let mut expected = None;
    let mut reps = 7;
    let mut only = Vec::new();
    let mut budget = DEFAULT_BUDGET;
    let mut interleave = false;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--data" => data = Some(PathBuf::from(it.next().ok_or("--data needs a value")?)),
            "--expected" => {
                expected = Some(PathBuf::from(it.next().ok_or("--expected needs a value")?));
            }
            "--reps" => reps = cli::reps(it.next())?,
            "--only" => only = cli::list(it.next(), "--only")?,
            "--budget" => {
                let v = it.next().ok_or("--budget needs a value")?;
                budget = v
                    .parse()
                    .map_err(|_| format!("--budget: not a number: {v}"))?;
            }
            "--interleave" => interleave = true,
            "-h" | "--help" => {
                return Err("usage: check --data DIR --expected FILE [--reps N] \
                            [--only TEXT,...] [--budget STATES] [--interleave]"
                    .into());
            }
            other => return Err(format!("unknown argument: {other} (try --help)")),
        }
    }
    Ok(Args {
        data: data.ok_or("--data DIR is required")?,
        expected: expected.ok_or("--expected FILE is required")?,
        reps,
        only,
        budget,
        interleave,
    })
}

/// The lines of the expectations file: (path under the data directory,
/// expected verdict).
fn expectations(path: &Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some(file), Some(v @ ("ok" | "illegal")), None) => {
                out.push((file.to_string(), v.to_string()));
            }
            _ => return Err(format!("{}: bad line: {line}", path.display())),
        }
    }
    Ok(out)
}

/// An etcd log of Jepsen's CAS-register test, in the order of its lines:
/// an `:invoke` is `History::invoke`; `:ok` (and `:fail` of a CAS, which
/// did not swap) completes the call; `:info` (the client gave up: the call
/// may have taken effect, at any time) and `:fail :read :timed-out` are
/// `Call::unknown`, and so is a call still open at the end.
fn etcd(text: &str) -> Result<(EtcdHistory, usize), String> {
    let history = EtcdHistory::new();
    let mut open: HashMap<u64, Call<RegisterOp<Value>, RegisterRet<Value>>> = HashMap::new();
    let mut ops = 0;
    for (no, line) in text.lines().enumerate() {
        let bad = |why: &str| format!("line {}: {why}: {line}", no + 1);
        if line.trim().is_empty() {
            continue;
        }
        let e = parse::etcd_line(line).map_err(|why| bad(&why))?;
        if e.kind == ":invoke" {
            let op = match (e.f, e.args.as_slice()) {
                (":read", ["nil"]) => RegisterOp::Read,
                (":write", [v]) => RegisterOp::Write(Some(parse::number(v)?)),
                (":cas", [from, to]) => RegisterOp::Cas {
                    expect: Some(parse::number(from.trim_start_matches('['))?),
                    new: Some(parse::number(to.trim_end_matches(']'))?),
                },
                _ => return Err(bad("unknown invocation")),
            };
            if open
                .insert(e.process, history.invoke(e.process, op))
                .is_some()
            {
                return Err(bad("a second call of a process with one open"));
            }
            ops += 1;
            continue;
        }
        let call = open
            .remove(&e.process)
            .ok_or_else(|| bad("a completion without a call"))?;
        match (e.kind, e.f, e.args.as_slice()) {
            (":ok", ":read", ["nil"]) => call.ok(RegisterRet::Value(None)),
            (":ok", ":read", [v]) => call.ok(RegisterRet::Value(Some(parse::number(v)?))),
            (":ok", ":write", [_]) => call.ok(RegisterRet::Written),
            (":ok", ":cas", [_, _]) => call.ok(RegisterRet::Swapped(true)),
            (":fail", ":cas", [_, _]) => call.ok(RegisterRet::Swapped(false)),
            (":fail", ":read", [":timed-out"]) | (":info", _, _) => call.unknown(),
            _ => return Err(bad("unknown completion")),
        }
    }
    for (_, call) in open {
        call.unknown();
    }
    Ok((history, ops))
}

/// One line of a key-value log, parsed: an invocation, or a completion
/// (`None`: the call's response never came).
enum KvEvent {
    Invoke(u64, KvCall),
    Complete(u64, Option<KvOut>),
}

/// A key-value log (Jepsen's map syntax, one event a line), in the order
/// of its lines; keys become small numbers, each its own part. Returns the
/// events and the number of keys.
fn kv_events(text: &str) -> Result<(Vec<KvEvent>, u64), String> {
    let mut events = Vec::new();
    let mut keys: HashMap<String, u64> = HashMap::new();
    for (no, line) in text.lines().enumerate() {
        let bad = |why: &str| format!("line {}: {why}: {line}", no + 1);
        if line.trim().is_empty() {
            continue;
        }
        let e = parse::kv_line(line).map_err(|why| bad(&why))?;
        let event = match (e.kind.as_str(), e.f.as_str(), e.value) {
            ("invoke", f, value) => {
                let next = keys.len() as u64;
                let key = *keys.entry(e.key.clone()).or_insert(next);
                KvEvent::Invoke(
                    e.process,
                    match (f, value) {
                        ("get", None) => KvCall::Get(key),
                        ("put", Some(v)) => KvCall::Put(key, v),
                        ("append", Some(v)) => KvCall::Append(key, v),
                        _ => return Err(bad("unknown invocation")),
                    },
                )
            }
            ("ok", "get", v) => {
                KvEvent::Complete(e.process, Some(KvOut::Value(v.unwrap_or_default())))
            }
            ("ok", "put" | "append", _) => KvEvent::Complete(e.process, Some(KvOut::Done)),
            ("info", _, _) => KvEvent::Complete(e.process, None),
            _ => return Err(bad("unknown completion")),
        };
        events.push(event);
    }
    Ok((events, keys.len() as u64))
}

/// The history of `events`, or of the calls on one `key` only; and its
/// number of calls.
fn kv_history(events: &[KvEvent], key: Option<u64>) -> Result<(KvHistory, usize), String> {
    let history = KvHistory::new();
    let mut open: HashMap<u64, Call<KvCall, KvOut>> = HashMap::new();
    let mut mine: HashMap<u64, bool> = HashMap::new();
    let mut ops = 0;
    for event in events {
        match event {
            KvEvent::Invoke(process, call) => {
                let wanted = key.is_none_or(|k| AppendKv.partition(call) == Some(k));
                mine.insert(*process, wanted);
                if !wanted {
                    continue;
                }
                if open
                    .insert(*process, history.invoke(*process, call.clone()))
                    .is_some()
                {
                    return Err(format!("process {process}: a second call with one open"));
                }
                ops += 1;
            }
            KvEvent::Complete(process, out) => {
                if mine.get(process) == Some(&false) {
                    continue;
                }
                let call = open
                    .remove(process)
                    .ok_or(format!("process {process}: a completion without a call"))?;
                match out {
                    Some(out) => call.ok(out.clone()),
                    None => call.unknown(),
                }
            }
        }
    }
    for (_, call) in open {
        call.unknown();
    }
    Ok((history, ops))
}

/// The parts of a key-value history checked in turns rather than one
/// after the other: every undecided part gets `slice` states, then twice
/// as many (searched again from the start), and so on until one part is
/// not linearizable, all are, or the slice passes `budget`. What
/// `Checker::check` could do (it checks each part to the end, in key
/// order); built here on the public API, each key its own `History`.
fn interleaved(parts: &[KvHistory], budget: u64) -> Verdict {
    let mut open: Vec<&KvHistory> = parts.iter().collect();
    let mut slice = 1_000u64;
    loop {
        let checker = Checker::new().budget(slice.min(budget));
        let mut undecided = Vec::new();
        for part in open {
            match checker.check(part, &AppendKv) {
                Verdict::Linearizable => {}
                Verdict::Unknown { .. } => undecided.push(part),
                not => return not,
            }
        }
        if undecided.is_empty() {
            return Verdict::Linearizable;
        }
        if slice >= budget {
            return Verdict::Unknown { explored: budget };
        }
        open = undecided;
        slice = slice.saturating_mul(2);
    }
}

fn verdict_name(v: &Verdict) -> &'static str {
    match v {
        Verdict::Linearizable => "ok",
        Verdict::NotLinearizable(_) => "illegal",
        _ => "unknown",
    }
}

/// Times `check` `reps` times: (verdict, milliseconds of each run).
fn time(reps: usize, check: impl Fn() -> Verdict) -> Result<(&'static str, Vec<f64>), String> {
    let mut verdict = None;
    let mut ms = Vec::with_capacity(reps);
    for _ in 0..reps {
        let start = Instant::now();
        let v = black_box(check());
        ms.push(start.elapsed().as_secs_f64() * 1e3);
        let name = verdict_name(&v);
        if verdict.is_some_and(|prev| prev != name) {
            return Err("the verdict changed between runs".into());
        }
        verdict = Some(name);
    }
    Ok((verdict.unwrap_or("unknown"), ms))
}

fn run() -> Result<bool, String> {
    let args = args()?;
    let checker = Checker::new().budget(args.budget);
    let mut all_agree = true;
    for (file, expected) in expectations(&args.expected)? {
        let name = Path::new(&file)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or(&file)
            .to_string();
        if !args.only.is_empty() && !args.only.iter().any(|o| name.contains(o.as_str())) {
            continue;
        }
        let path = args.data.join(&file);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let is_etcd = file.ends_with(".log");
        if args.interleave && is_etcd {
            continue;
        }
        let ((verdict, mut ms), ops) = if is_etcd {
            let (history, ops) = etcd(&text).map_err(|e| format!("{file}: {e}"))?;
            let model = Register::new(None);
            (time(args.reps, || checker.check(&history, &model))?, ops)
        } else if args.interleave {
            let (events, keys) = kv_events(&text).map_err(|e| format!("{file}: {e}"))?;
            let parts = (0..keys)
                .map(|k| kv_history(&events, Some(k)).map(|(h, _)| h))
                .collect::<Result<Vec<_>, _>>()?;
            let ops = parts.iter().map(KvHistory::len).sum();
            (time(args.reps, || interleaved(&parts, args.budget))?, ops)
        } else {
            let (events, _) = kv_events(&text).map_err(|e| format!("{file}: {e}"))?;
            let (history, ops) = kv_history(&events, None)?;
            (time(args.reps, || checker.check(&history, &AppendKv))?, ops)
        };
        let (median, min, max) = cli::summary(&mut ms);
        println!("{name} {ops} {verdict} {median:.3} {min:.3} {max:.3}");
        if verdict != expected {
            eprintln!("check: {name}: verdict {verdict}, expected {expected}");
            all_agree = false;
        }
    }
    Ok(all_agree)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("check: {e}");
            ExitCode::from(2)
        }
    }
}
