//! HTTP request throughput: seedloop's `http` module over the simulation,
//! against hyper on tokio over the real loopback and hyper on turmoil's
//! sockets, in one run (issue 15). Every peer serves the same tower service
//! ([`hello::Hello`], 13 bytes) and asks for `GET /`, each body read to
//! the end and checked:
//!
//! - `h1_get`: one client, one kept-alive HTTP/1.1 connection, `n`
//!   sequential requests;
//! - `h2_streams`: one HTTP/2 connection, 8 tasks each sending `n / 8`
//!   sequential requests, so 8 streams are in flight at once.
//!
//! The figure is requests per wall second over the request loop alone: the
//! server's start, the connect, the handshake and one first request are
//! outside it. Each measurement runs `--reps` times (5 by default), a new
//! runtime or simulation each time, the peers taking turns; the line gives
//! the median, min and max.
//!
//! ```text
//! http [--quick] [--reps N] [--only PEER,...] [--bench h1_get,h2_streams]
//! ```
//!
//! `--quick` divides the request counts by 10. Build and run it through
//! `http.sh`.

use std::process::ExitCode;
use std::time::Duration;

#[path = "../cli.rs"]
mod cli;
mod hello;
mod hyper_tokio;
mod seedloop_http;
mod tokio_http;
mod turmoil_http;

/// Requests per measurement in a full run; a multiple of `STREAMS * 10`, so
/// that `--quick` and the eight tasks of `h2_streams` divide it evenly.
const REQUESTS: u64 = 100_000;
const _: () = assert!(REQUESTS.is_multiple_of(hello::STREAMS * 10));

/// A workload: `n` requests -> the wall time of their loop.
type Workload = fn(u64) -> Duration;

struct Peer {
    name: &'static str,
    /// How its bytes travel, for the line.
    setting: &'static str,
    h1_get: Workload,
    h2_streams: Workload,
}

/// The peers, in the order they run. seedloop (its `Client`) is the one
/// the target is about; `seedloop-hyper` is the same simulation with
/// hyper's bare client connection, the client the other two peers use.
fn peers() -> [Peer; 4] {
    [
        Peer {
            name: "seedloop",
            setting: "sim, http::Client",
            h1_get: seedloop_http::h1_get,
            h2_streams: seedloop_http::h2_streams,
        },
        Peer {
            name: "seedloop-hyper",
            setting: "sim, bare hyper conn",
            h1_get: seedloop_http::h1_get_hyper,
            h2_streams: seedloop_http::h2_streams_hyper,
        },
        Peer {
            name: "tokio",
            setting: "real loopback",
            h1_get: tokio_http::h1_get,
            h2_streams: tokio_http::h2_streams,
        },
        Peer {
            name: "turmoil",
            setting: "sim, default net",
            h1_get: turmoil_http::h1_get,
            h2_streams: turmoil_http::h2_streams,
        },
    ]
}

const BENCHES: [&str; 2] = ["h1_get", "h2_streams"];
/// The issue's target: seedloop at least this many times the faster of
/// tokio and turmoil.
const TARGET: f64 = 3.0;

struct Options {
    quick: bool,
    reps: usize,
    only: Option<Vec<String>>,
    benches: Vec<String>,
}

fn usage() -> &'static str {
    "usage: http [--quick] [--reps N] [--only PEER,...] [--bench h1_get,h2_streams]"
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        quick: false,
        reps: 5,
        only: None,
        benches: BENCHES.iter().map(|b| b.to_string()).collect(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--reps" => options.reps = cli::reps(args.next())?,
            "--only" => options.only = Some(cli::list(args.next(), "--only")?),
            "--bench" => options.benches = cli::benches(args.next(), &BENCHES)?,
            "-h" | "--help" => {
                println!("{}", usage());
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument: {other}\n{}", usage())),
        }
    }
    Ok(options)
}

/// Runs `bench` on every peer in `peers`, `reps` rounds, each round every
/// peer once in turn, and prints one line per peer; their median rates.
///
/// Interleaved rather than one peer's repetitions in a row: on a shared
/// machine a burst of other work then slows a round of every peer, not
/// all the repetitions of one, and the ratio of medians holds.
fn measure(peers: &[&Peer], bench: &str, n: u64, reps: usize) -> Vec<f64> {
    let mut rates = vec![Vec::with_capacity(reps); peers.len()];
    for _ in 0..reps {
        for (peer, rates) in peers.iter().zip(&mut rates) {
            let run = match bench {
                "h1_get" => peer.h1_get,
                _ => peer.h2_streams,
            };
            rates.push(n as f64 / run(n).as_secs_f64());
        }
    }
    let mut medians = Vec::with_capacity(peers.len());
    for (peer, rates) in peers.iter().zip(&mut rates) {
        let (median, min, max) = cli::summary(rates);
        println!(
            "{name:<15} {bench:<10} {setting:<21} {n:>7} req : median {median:>8.0} req/s  ({us:.2} us/req; min {min:.0}, max {max:.0}; {reps} reps)",
            name = peer.name,
            setting = peer.setting,
            us = 1e6 / median,
        );
        medians.push(median);
    }
    medians
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let scale = if options.quick { 10 } else { 1 };
    let peers = peers();
    if let Some(unknown) = options
        .only
        .iter()
        .flatten()
        .find(|o| !peers.iter().any(|p| p.name == o.as_str()))
    {
        eprintln!("unknown peer: {unknown}");
        return ExitCode::from(2);
    }
    let wanted = |name: &str| {
        options
            .only
            .as_ref()
            .is_none_or(|only| only.iter().any(|o| o == name))
    };
    // (bench, peer) -> median requests per second, for the ratios.
    let mut medians: Vec<(&str, &str, f64)> = Vec::new();
    let chosen: Vec<&Peer> = peers.iter().filter(|p| wanted(p.name)).collect();
    for bench in BENCHES
        .iter()
        .filter(|b| options.benches.iter().any(|o| o == *b))
    {
        let rates = measure(&chosen, bench, REQUESTS / scale, options.reps);
        for (peer, rate) in chosen.iter().zip(rates) {
            medians.push((bench, peer.name, rate));
        }
    }
    println!();
    for bench in BENCHES {
        let rate = |name: &str| {
            medians
                .iter()
                .find(|(b, p, _)| *b == bench && *p == name)
                .map(|(_, _, r)| *r)
        };
        let (Some(seedloop), Some(tokio), Some(turmoil)) =
            (rate("seedloop"), rate("tokio"), rate("turmoil"))
        else {
            continue;
        };
        let ratio = seedloop / tokio.max(turmoil);
        let verdict = if ratio >= TARGET { "met" } else { "missed" };
        println!(
            "{bench:<10} seedloop / max(tokio, turmoil) = {ratio:.2}x (target {TARGET}x: {verdict})"
        );
    }
    ExitCode::SUCCESS
}
