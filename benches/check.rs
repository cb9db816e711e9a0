//! Benchmarks of the linearizability checker (`seedloop::check`, issue
//! 18), on criterion: the time reported is per history checked.
//!
//! ```text
//! cargo bench --bench check                     # every case
//! cargo bench --bench check -- kv_10k           # the cases whose name matches
//! cargo bench --bench check -- --test           # smoke run: every case once (CI)
//! ```
//!
//! - `kv_10k`: a correct history of 10,000 calls by 8 clients over 100
//!   keys (get, put, delete), checked key by key (`Kv::new()`).
//! - `register_1k`: a correct history of 1,000 calls by 10 clients on one
//!   register (read, write, compare-and-set), with heavy overlap: every
//!   client has a call open nearly all the time, and a call stays open
//!   while ~20 others start and end.
//! - `overlap/k`: the exponential case. `k` writes of distinct values, all
//!   concurrent, then a read of a value none wrote: not linearizable, and
//!   the search must try every subset of the writes (2^k states) before it
//!   can say so. `overlap_budget/k` runs the same with a budget of 10,000
//!   states: the verdict is `Unknown` once 2^k passes it, in a time that
//!   stops growing.
//!
//! The histories are made outside the timing, from a fixed seed, by a real
//! (sequential) object whose calls take effect at a random moment between
//! their invocation and their return, so they are linearizable by
//! construction; each case asserts its verdict.

use std::collections::BTreeMap;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use seedloop::check::models::{Kv, KvOp, KvRet, Register, RegisterOp, RegisterRet};
use seedloop::check::{Call, Checker, History, Verdict};

#[path = "common/harness.rs"]
mod harness;
use harness::per_item;

/// A client's call in flight: the call, its input, and its output once it
/// took effect.
type Open<I, O> = (Call<I, O>, I, Option<O>);

/// A history of `calls` calls by `clients` clients of a real object: at
/// each event one client moves (invokes, takes effect, or returns); a call
/// returns with probability `p_return` per move once it took effect, so a
/// small `p_return` keeps calls open long.
fn history<I: Clone, O, S>(
    seed: u64,
    clients: usize,
    calls: usize,
    p_return: f64,
    mut state: S,
    mut input: impl FnMut(&mut ChaCha8Rng) -> I,
    apply: impl Fn(&mut S, &I) -> O,
) -> History<I, O> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let history = History::new();
    let mut open: Vec<Option<Open<I, O>>> = (0..clients).map(|_| None).collect();
    let mut left = calls;
    while left > 0 || open.iter().any(Option::is_some) {
        let c = rng.random_range(0..clients);
        match open[c].take() {
            None if left > 0 => {
                left -= 1;
                let i = input(&mut rng);
                open[c] = Some((history.invoke(c as u64, i.clone()), i, None));
            }
            None => {}
            Some((call, i, None)) => {
                let out = apply(&mut state, &i);
                open[c] = Some((call, i, Some(out)));
            }
            Some((call, i, Some(out))) => {
                if rng.random_bool(p_return) {
                    call.ok(out);
                } else {
                    open[c] = Some((call, i, Some(out)));
                }
            }
        }
    }
    history
}

fn kv_history(seed: u64) -> History<KvOp<u32, u32>, KvRet<u32>> {
    history(
        seed,
        8,
        10_000,
        0.5,
        BTreeMap::new(),
        |r| {
            let k = r.random_range(0..100u32);
            match r.random_range(0..4) {
                0 | 1 => KvOp::Get(k),
                2 => KvOp::Put(k, r.random_range(0..1000)),
                _ => KvOp::Delete(k),
            }
        },
        |m: &mut BTreeMap<u32, u32>, op| match op {
            KvOp::Get(k) => KvRet::Value(m.get(k).copied()),
            KvOp::Put(k, v) => {
                m.insert(*k, *v);
                KvRet::Done
            }
            KvOp::Delete(k) => {
                m.remove(k);
                KvRet::Done
            }
        },
    )
}

fn register_history(seed: u64) -> History<RegisterOp<u32>, RegisterRet<u32>> {
    history(
        seed,
        10,
        1_000,
        0.05,
        0u32,
        |r| match r.random_range(0..3) {
            0 => RegisterOp::Read,
            1 => RegisterOp::Write(r.random_range(0..5)),
            _ => RegisterOp::Cas {
                expect: r.random_range(0..5),
                new: r.random_range(0..5),
            },
        },
        |s: &mut u32, op| match op {
            RegisterOp::Read => RegisterRet::Value(*s),
            RegisterOp::Write(v) => {
                *s = *v;
                RegisterRet::Written
            }
            RegisterOp::Cas { expect, new } => {
                let ok = s == expect;
                if ok {
                    *s = *new;
                }
                RegisterRet::Swapped(ok)
            }
        },
    )
}

/// `k` concurrent writes of 1..=k, and a read during all of them that
/// returns `k + 1`, which nobody wrote.
fn overlap_history(k: u32) -> History<RegisterOp<u32>, RegisterRet<u32>> {
    let history = History::new();
    let writes: Vec<_> = (1..=k)
        .map(|v| history.invoke(u64::from(v), RegisterOp::Write(v)))
        .collect();
    let read = history.invoke(0, RegisterOp::Read);
    read.ok(RegisterRet::Value(k + 1));
    for w in writes {
        w.ok(RegisterRet::Written);
    }
    history
}

/// The mean overlap of a history: how many calls are open, on average,
/// at an invocation.
fn overlap<I, O>(h: &History<I, O>) -> f64
where
    I: Clone,
    O: Clone,
{
    let ops = h.operations();
    let mut events: Vec<(u64, i64)> = Vec::new();
    for o in &ops {
        events.push((o.invoked, 1));
        if let Some(r) = o.returned {
            events.push((r, -1));
        }
    }
    events.sort_unstable();
    let (mut open, mut sum, mut n) = (0i64, 0i64, 0i64);
    for (_, d) in events {
        if d > 0 {
            sum += open;
            n += 1;
        }
        open += d;
    }
    sum as f64 / n.max(1) as f64
}

fn benches(c: &mut Criterion) {
    let kv: Vec<_> = (0..4).map(kv_history).collect();
    eprintln!(
        "kv_10k: {} calls, mean overlap {:.1}",
        kv[0].len(),
        overlap(&kv[0])
    );
    let mut group = harness::group(c, "kv_10k");
    let mut next = 0;
    group.bench_function("seedloop", |b| {
        b.iter_custom(|iters| {
            per_item(&mut next, iters, 1, |seed| {
                let h = &kv[seed as usize % kv.len()];
                let t = Instant::now();
                let v = Checker::new().check(h, &Kv::new());
                let took = t.elapsed();
                assert!(v.is_linearizable(), "{v}");
                took
            })
        })
    });
    group.finish();

    let reg: Vec<_> = (0..4).map(register_history).collect();
    eprintln!(
        "register_1k: {} calls, mean overlap {:.1}",
        reg[0].len(),
        overlap(&reg[0])
    );
    let mut group = harness::group(c, "register_1k");
    let mut next = 0;
    group.bench_function("seedloop", |b| {
        b.iter_custom(|iters| {
            per_item(&mut next, iters, 1, |seed| {
                let h = &reg[seed as usize % reg.len()];
                let t = Instant::now();
                let v = Checker::new().check(h, &Register::new(0));
                let took = t.elapsed();
                assert!(v.is_linearizable(), "{v}");
                took
            })
        })
    });
    group.finish();

    let mut group = harness::group(c, "overlap");
    for k in [4u32, 8, 12, 16] {
        let h = overlap_history(k);
        group.bench_function(k.to_string(), |b| {
            b.iter_custom(|iters| {
                let mut total = std::time::Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    let v = Checker::new().check(&h, &Register::new(0));
                    total += t.elapsed();
                    assert!(matches!(v, Verdict::NotLinearizable(_)), "{v}");
                }
                total
            })
        });
    }
    group.finish();

    let mut group = harness::group(c, "overlap_budget");
    for k in [12u32, 16, 20] {
        let h = overlap_history(k);
        group.bench_function(k.to_string(), |b| {
            b.iter_custom(|iters| {
                let mut total = std::time::Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    let v = Checker::new().budget(10_000).check(&h, &Register::new(0));
                    total += t.elapsed();
                    assert_eq!(v, Verdict::Unknown { explored: 10_000 });
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = check;
    config = harness::config();
    targets = benches
}
criterion_main!(check);
