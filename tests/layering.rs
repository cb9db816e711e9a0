//! The tower is a rule of the code: a module uses only modules of its own
//! layer and of the layers below, and top-level modules form no import
//! cycle. This test reads the crate's sources the way the team's
//! `tools/layers` does, so `cargo test` keeps the rule; it also keeps the
//! transport (`src/net/transport`) free of the sockets above it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, lowest first (the team's `tools/tower.txt`).
const TOWER: &[(&str, &[&str])] = &[
    ("vocabulary", &["tape", "strategy", "error", "trace", "env"]),
    ("event-loop", &["runtime"]),
    ("time-and-chance", &["time", "rand", "buggify", "log"]),
    ("futures-and-tasks", &["future", "task"]),
    ("processes", &["node", "process"]),
    ("tools", &["sync", "queue"]),
    ("network", &["net"]),
    ("streams", &["io"]),
    ("files-and-http", &["fs", "http"]),
    (
        "harness",
        &["explore", "proptest", "check", "view", "compat"],
    ),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The code lines of a file: comments dropped, and everything from a
/// top-level `#[cfg(test)] mod` on (unit tests are exempt).
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    let text = fs::read_to_string(path).expect("a source file");
    let mut out = Vec::new();
    let mut cfg_test = false;
    for (i, line) in text.lines().enumerate() {
        let s = line.trim();
        if s.starts_with("//") {
            continue;
        }
        if s.starts_with("#[cfg(test)]") {
            cfg_test = true;
            continue;
        }
        let is_mod = s.starts_with("mod ") || s.starts_with("pub(crate) mod ");
        if cfg_test && is_mod && !line.starts_with([' ', '\t']) {
            break;
        }
        cfg_test = false;
        out.push((i + 1, s.split("//").next().unwrap_or("").to_string()));
    }
    out
}

/// The first path segments after `crate::` on a line (`crate::a::b` and
/// `crate::{a, b::c}` give `a`, and `a` and `b`).
fn crate_refs(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            for part in inner.split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
        rest = &rest[at + "crate::".len()..];
    }
    out
}

fn top_module(src: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(src).expect("a file under src");
    let first = rel
        .components()
        .next()
        .expect("a path")
        .as_os_str()
        .to_string_lossy()
        .to_string();
    first.trim_end_matches(".rs").to_string()
}

#[test]
fn no_module_uses_a_layer_above_it_and_no_modules_form_a_cycle() {
    let src = src();
    let rank: BTreeMap<&str, usize> = TOWER
        .iter()
        .enumerate()
        .flat_map(|(i, (_, mods))| mods.iter().map(move |m| (*m, i)))
        .collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut ups = Vec::new();
    for path in &files {
        let me = top_module(&src, path);
        if me == "lib" {
            continue;
        }
        assert!(
            rank.contains_key(me.as_str()),
            "module {me} is in no layer of the tower"
        );
        for (no, line) in code_lines(path) {
            for target in crate_refs(&line) {
                let is_module =
                    src.join(&target).is_dir() || src.join(format!("{target}.rs")).is_file();
                if target == me || !is_module {
                    continue;
                }
                graph.entry(me.clone()).or_default().insert(target.clone());
                if rank[target.as_str()] > rank[me.as_str()] {
                    ups.push(format!(
                        "{}:{no}: {me} uses {target}: {line}",
                        path.display()
                    ));
                }
            }
        }
    }
    assert!(
        ups.is_empty(),
        "imports that run up the tower:\n{}",
        ups.join("\n")
    );
    // A cycle: some module reaches itself.
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&String> = graph[start].iter().collect();
        while let Some(m) = todo.pop() {
            assert!(m != start, "{start} is in an import cycle");
            if seen.insert(m.clone()) {
                todo.extend(graph.get(m).into_iter().flatten());
            }
        }
    }
}

#[test]
fn the_transport_knows_no_socket() {
    let dir = src().join("net").join("transport");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    assert!(
        files.len() >= 4,
        "the transport's files are where they were"
    );
    let above = ["udp", "tcp", "sockets", "protocol", "server", "addr"];
    for path in &files {
        for (no, line) in code_lines(path) {
            for name in above {
                for form in [
                    format!("crate::net::{name}"),
                    format!("super::super::{name}"),
                ] {
                    assert!(
                        !line.contains(&form),
                        "{}:{no} reaches up to the sockets: {line}",
                        path.display()
                    );
                }
            }
        }
    }
}

#[test]
fn the_tower_here_matches_the_teams_list_when_it_is_at_hand() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/tower.txt");
    let Ok(text) = fs::read_to_string(&shared) else {
        return; // a checkout without the team's tools: the copy above stands
    };
    let theirs: Vec<(String, Vec<String>)> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, mods) = l.split_once(':').expect("name: modules");
            (
                name.trim().to_string(),
                mods.split_whitespace().map(str::to_string).collect(),
            )
        })
        .collect();
    let ours: Vec<(String, Vec<String>)> = TOWER
        .iter()
        .map(|(n, m)| (n.to_string(), m.iter().map(|s| s.to_string()).collect()))
        .collect();
    assert_eq!(
        ours,
        theirs,
        "tests/layering.rs's TOWER differs from {}",
        shared.display()
    );
}

#[test]
fn the_reader_finds_crate_paths_in_both_forms() {
    assert_eq!(crate_refs("use crate::net::fabric::{a, b};"), ["net"]);
    assert_eq!(
        crate_refs("use crate::{error::X, runtime::Y};"),
        ["error", "runtime"]
    );
    assert_eq!(
        crate_refs("let c = crate::runtime::current_core();"),
        ["runtime"]
    );
    assert!(crate_refs("use super::x;").is_empty());
}
