//! Benchmarks of layer 6 (sync tools), against tokio's `sync` in the same
//! run. `cargo bench --bench sync` (add `-- --quick` for a smoke run, or a
//! word to run only the cases whose name contains it).
//!
//! seedloop runs with the `Random` strategy (switch points included: a
//! quarter of the operations that could proceed at once yield first) and the
//! fingerprint on; tokio runs on its current-thread runtime.

use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use seedloop::{Sim, Strategy};

#[path = "common/opts.rs"]
mod opts;
use opts::Opts;

fn median(reps: usize, items: usize, mut run: impl FnMut(u64) -> Duration) -> f64 {
    let mut v: Vec<f64> = (0..reps)
        .map(|r| run(r as u64).as_nanos() as f64 / items as f64)
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn sim(seed: u64) -> Sim {
    Sim::builder()
        .seed(seed)
        .strategy(Strategy::Random)
        .step_limit(u64::MAX)
        .build()
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime")
}

struct Row {
    case: String,
    unit: &'static str,
    seedloop: f64,
    tokio: Option<f64>,
    target: Option<f64>,
}

fn print(rows: &[Row]) {
    println!(
        "{:<44} {:>14} {:>14} {:>8}  target",
        "case", "seedloop", "tokio", "ratio"
    );
    for r in rows {
        let tokio = r.tokio.map_or("-".to_string(), |t| format!("{t:.1}"));
        let ratio = r
            .tokio
            .map_or("-".to_string(), |t| format!("{:.2}", r.seedloop / t));
        let target = match r.target {
            Some(t) if r.seedloop <= t => format!("<= {t} {} (met)", r.unit),
            Some(t) => format!("<= {t} {} (MISSED)", r.unit),
            None => "report".to_string(),
        };
        println!(
            "{:<44} {:>11.1} {:<2} {:>14} {:>8}  {target}",
            r.case, r.seedloop, r.unit, tokio, ratio
        );
    }
}

/// Uncontended lock and unlock in one task.
fn mutex_uncontended(o: &Opts) -> Row {
    let n = o.items(1_000_000);
    let seedloop = median(o.reps(), n, |seed| {
        let mut sim = sim(seed);
        let start = Instant::now();
        sim.block_on(async move {
            let m = seedloop::sync::Mutex::new(0u64);
            for _ in 0..n {
                *m.lock().await += 1;
            }
            assert_eq!(*m.lock().await, n as u64);
        });
        start.elapsed()
    });
    let tokio = median(o.reps(), n, |_| {
        let rt = tokio_rt();
        let start = Instant::now();
        rt.block_on(async move {
            let m = tokio::sync::Mutex::new(0u64);
            for _ in 0..n {
                *m.lock().await += 1;
            }
            assert_eq!(*m.lock().await, n as u64);
        });
        start.elapsed()
    });
    Row {
        case: format!("mutex uncontended lock+unlock ({n})"),
        unit: "ns",
        seedloop,
        tokio: Some(tokio),
        target: Some(20.0),
    }
}

/// Eight tasks each take the lock, yield while holding it, release.
fn mutex_contended(o: &Opts) -> Row {
    let per_task = o.items(100_000);
    let n = per_task * 8;
    let seedloop = median(o.reps(), n, |seed| {
        let mut sim = sim(seed);
        let start = Instant::now();
        sim.block_on(async move {
            let m = Rc::new(seedloop::sync::Mutex::new(0usize));
            let tasks: Vec<_> = (0..8)
                .map(|_| {
                    let m = m.clone();
                    seedloop::spawn(async move {
                        for _ in 0..per_task {
                            let mut g = m.lock().await;
                            *g += 1;
                            seedloop::task::yield_now().await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(*m.lock().await, n);
        });
        start.elapsed()
    });
    let tokio = median(o.reps(), n, |_| {
        let rt = tokio_rt();
        let start = Instant::now();
        rt.block_on(async move {
            let m = Arc::new(tokio::sync::Mutex::new(0usize));
            let tasks: Vec<_> = (0..8)
                .map(|_| {
                    let m = m.clone();
                    tokio::spawn(async move {
                        for _ in 0..per_task {
                            let mut g = m.lock().await;
                            *g += 1;
                            tokio::task::yield_now().await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(*m.lock().await, n);
        });
        start.elapsed()
    });
    Row {
        case: format!("mutex, 8 tasks contending ({n} locks)"),
        unit: "ns",
        seedloop,
        tokio: Some(tokio),
        target: None,
    }
}

/// Two tasks pass a token back and forth over two bounded(1) channels.
fn ping_pong(o: &Opts) -> Row {
    let n = o.items(1_000_000);
    let seedloop = median(o.reps(), n, |seed| {
        let mut sim = sim(seed);
        let start = Instant::now();
        sim.block_on(async move {
            let (tx1, mut rx1) = seedloop::sync::mpsc::channel::<u64>(1);
            let (tx2, mut rx2) = seedloop::sync::mpsc::channel::<u64>(1);
            let echo = seedloop::spawn(async move {
                while let Some(v) = rx1.recv().await {
                    if tx2.send(v + 1).await.is_err() {
                        break;
                    }
                }
            });
            for i in 0..n as u64 {
                tx1.send(i).await.unwrap();
                assert_eq!(rx2.recv().await, Some(i + 1));
            }
            drop(tx1);
            echo.await.unwrap();
        });
        start.elapsed()
    });
    let tokio = median(o.reps(), n, |_| {
        let rt = tokio_rt();
        let start = Instant::now();
        rt.block_on(async move {
            let (tx1, mut rx1) = tokio::sync::mpsc::channel::<u64>(1);
            let (tx2, mut rx2) = tokio::sync::mpsc::channel::<u64>(1);
            let echo = tokio::spawn(async move {
                while let Some(v) = rx1.recv().await {
                    if tx2.send(v + 1).await.is_err() {
                        break;
                    }
                }
            });
            for i in 0..n as u64 {
                tx1.send(i).await.unwrap();
                assert_eq!(rx2.recv().await, Some(i + 1));
            }
            drop(tx1);
            echo.await.unwrap();
        });
        start.elapsed()
    });
    Row {
        case: format!("mpsc ping-pong, bounded(1) ({n} round trips)"),
        unit: "ns",
        seedloop,
        tokio: Some(tokio),
        target: Some(80.0),
    }
}

/// A producer and a consumer move `n` items through a bounded(128) buffer:
/// seedloop's asyncio-style `Queue` beside its `mpsc`, in items per second.
fn queue_vs_mpsc(o: &Opts) -> Vec<Row> {
    let n = o.items(1_000_000);
    let queue = median(o.reps(), n, |seed| {
        let mut sim = sim(seed);
        let start = Instant::now();
        sim.block_on(async move {
            let q = seedloop::queue::Queue::new(128);
            let consumer = {
                let q = q.clone();
                seedloop::spawn(async move {
                    let mut sum = 0u64;
                    for _ in 0..n {
                        sum += q.get().await.unwrap();
                    }
                    sum
                })
            };
            for i in 0..n as u64 {
                q.put(i).await.unwrap();
            }
            assert_eq!(consumer.await.unwrap(), (n as u64 - 1) * n as u64 / 2);
        });
        start.elapsed()
    });
    let mpsc = median(o.reps(), n, |seed| {
        let mut sim = sim(seed);
        let start = Instant::now();
        sim.block_on(async move {
            let (tx, mut rx) = seedloop::sync::mpsc::channel::<u64>(128);
            let consumer = seedloop::spawn(async move {
                let mut sum = 0u64;
                while let Some(v) = rx.recv().await {
                    sum += v;
                }
                sum
            });
            for i in 0..n as u64 {
                tx.send(i).await.unwrap();
            }
            drop(tx);
            assert_eq!(consumer.await.unwrap(), (n as u64 - 1) * n as u64 / 2);
        });
        start.elapsed()
    });
    let tokio = median(o.reps(), n, |_| {
        let rt = tokio_rt();
        let start = Instant::now();
        rt.block_on(async move {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(128);
            let consumer = tokio::spawn(async move {
                let mut sum = 0u64;
                while let Some(v) = rx.recv().await {
                    sum += v;
                }
                sum
            });
            for i in 0..n as u64 {
                tx.send(i).await.unwrap();
            }
            drop(tx);
            assert_eq!(consumer.await.unwrap(), (n as u64 - 1) * n as u64 / 2);
        });
        start.elapsed()
    });
    let per_sec = |ns: f64| 1e9 / ns / 1e6;
    vec![
        Row {
            case: format!("queue::Queue(128) put+get ({n} items)"),
            unit: "M/s",
            seedloop: per_sec(queue),
            tokio: Some(per_sec(tokio)),
            target: None,
        },
        Row {
            case: format!("mpsc::channel(128) send+recv ({n} items)"),
            unit: "M/s",
            seedloop: per_sec(mpsc),
            tokio: Some(per_sec(tokio)),
            target: None,
        },
    ]
}

fn main() {
    let opts = Opts::from_args();
    let reps = opts.reps();
    println!(
        "seedloop (Random, fingerprint on) vs tokio sync (current-thread): median of {reps}, per operation\n"
    );
    type Case = fn(&Opts) -> Vec<Row>;
    let cases: [(&str, Case); 4] = [
        ("ping_pong", |o| vec![ping_pong(o)]),
        ("mutex_uncontended", |o| vec![mutex_uncontended(o)]),
        ("mutex_contended", |o| vec![mutex_contended(o)]),
        ("queue_throughput", queue_vs_mpsc),
    ];
    let rows: Vec<Row> = cases
        .iter()
        .filter(|(name, _)| opts.wants(name))
        .flat_map(|(_, case)| case(&opts))
        .collect();
    print(&rows);
    println!("\ncommand: cargo bench --bench sync");
}
