//! Benchmarks of the view of a run (`Sim::write_view`, issue 19), on
//! criterion, and the page's load in a real headless Chromium.
//!
//! ```text
//! cargo bench --bench view                  # every case, then the Chromium load
//! cargo bench --bench view -- render        # the cases whose name matches
//! cargo bench --bench view -- --test        # smoke run: every case once (CI)
//! ```
//!
//! - `record/off`, `record/on`: one run of the workload below with the
//!   trace off (fingerprint only) and on (every event and the view's side
//!   tables kept): what recording costs a run.
//! - `render/100k`: the HTML of a recorded run of about 100,000 events.
//! - `render/1m`: the HTML of a run of about 1,000,000 events, which the
//!   view samples down to 100,000.
//! - After criterion: the 100,000-event file's size, and the time Chromium
//!   takes to load it until the page is interactive (the page's own
//!   `performance.now()` when its first drawing is done, read from the
//!   DOM), the median of five loads. No peer draws a run, so there is no
//!   peer to compare with.
//!
//! The workload: ten server nodes echo UDP datagrams; the client, on
//! `main`, sends `pings` datagrams round robin and awaits each echo, with
//! a partition and a kill on the way; about 25 events per ping.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use criterion::{Criterion, criterion_group};
use seedloop::Sim;
use seedloop::net::{self, UdpSocket};
use seedloop::node;

async fn workload(pings: u32) {
    for i in 0..10 {
        node::Builder::new(format!("server{i}"))
            .init(|| async {
                let s = UdpSocket::bind("0.0.0.0:9").await.unwrap();
                let mut buf = [0; 64];
                loop {
                    let (n, from) = s.recv_from(&mut buf).await.unwrap();
                    s.send_to(&buf[..n], from).await.unwrap();
                }
            })
            .build();
    }
    seedloop::sleep(Duration::from_millis(1)).await;
    let client = UdpSocket::bind("0.0.0.0:0").await.unwrap();
    let mut buf = [0; 64];
    for i in 0..pings {
        let server = format!("server{}:9", i % 10);
        if i == pings / 3 {
            net::partition("main", "server9");
        }
        if i == pings / 2 {
            net::repair("main", "server9");
            node::kill("server8");
            node::restart("server8");
        }
        if i % 10 == 9 && i >= pings / 3 && i < pings / 2 {
            // Cut off: the ping is dropped, no echo comes.
            client.send_to(&i.to_le_bytes(), &*server).await.unwrap();
            continue;
        }
        client.send_to(&i.to_le_bytes(), &*server).await.unwrap();
        client.recv_from(&mut buf).await.unwrap();
        seedloop::task::yield_now().await;
    }
}

fn run(pings: u32, record: bool) -> Sim {
    let mut sim = Sim::builder().seed(1).record_trace(record).build();
    sim.block_on(workload(pings));
    sim
}

/// Pings for about 100,000 events.
const PINGS_100K: u32 = 11_100;

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("record");
    g.sample_size(20);
    g.bench_function("off", |b| b.iter(|| run(PINGS_100K, false).fingerprint()));
    g.bench_function("on", |b| b.iter(|| run(PINGS_100K, true).fingerprint()));
    g.finish();
    let mut g = c.benchmark_group("render");
    g.sample_size(10);
    let sim = run(PINGS_100K, true);
    g.bench_function("100k", |b| b.iter(|| sim.view_html().unwrap().len()));
    let big = run(PINGS_100K * 10, true);
    g.bench_function("1m", |b| b.iter(|| big.view_html().unwrap().len()));
    g.finish();
}

/// The page's load in Chromium: file size and time to interactive.
fn chromium_load() {
    let smoke = std::env::args().any(|a| a == "--test");
    let sim = run(PINGS_100K, true);
    let dir = std::env::temp_dir().join("seedloop-view-bench");
    let page = dir.join("run-100k.html");
    sim.write_view(&page).unwrap();
    let size = std::fs::metadata(&page).unwrap().len();
    println!(
        "view of {} events: {:.2} MB (limit 10 MB)",
        sim.trace().len(),
        size as f64 / 1e6
    );
    assert!(size <= 10 << 20);
    let big = run(PINGS_100K * 10, true);
    let big_page = dir.join("run-1m.html");
    big.write_view(&big_page).unwrap();
    println!(
        "view of {} events (sampled): {:.2} MB",
        big.trace().len(),
        std::fs::metadata(&big_page).unwrap().len() as f64 / 1e6
    );
    let Some(chromium) = ["chromium", "chromium-browser"].iter().find(|c| {
        Command::new("sh")
            .args(["-c", &format!("command -v {c} >/dev/null")])
            .status()
            .is_ok_and(|s| s.success())
    }) else {
        println!("no chromium on PATH: the load time is not measured");
        return;
    };
    for (name, page) in [("100k", &page), ("1m sampled", &big_page)] {
        let loads = if smoke { 1 } else { 5 };
        let mut ms: Vec<u64> = (0..loads).map(|i| load_ms(chromium, page, i)).collect();
        ms.sort_unstable();
        println!(
            "chromium load of the {name} view until interactive: median {} ms of {loads} (all: {ms:?})",
            ms[ms.len() / 2]
        );
    }
}

/// One load of `page`: the page's `data-ms` (its `performance.now()` when
/// drawn, from navigation start).
fn load_ms(chromium: &str, page: &Path, i: usize) -> u64 {
    let profile = std::env::temp_dir().join(format!("seedloop-view-bench-profile-{i}"));
    let out = Command::new("timeout")
        .arg("120")
        .arg(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--window-size=1400,900",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let key = "data-ms=\"";
    let at = dom.find(key).expect("the page says when it was ready") + key.len();
    dom[at..]
        .split('"')
        .next()
        .and_then(|v| v.parse().ok())
        .expect("data-ms is a number")
}

criterion_group!(group, benches);

fn main() {
    group();
    Criterion::default().configure_from_args().final_summary();
    chromium_load();
}
