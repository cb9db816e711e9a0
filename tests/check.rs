//! Linearizability checking: the checker against a brute-force oracle on
//! random small histories of each shipped model, the known cases of the
//! literature, explanations, budgets, and a violation found, shrunk and
//! replayed inside the harness.

use std::time::Duration;

use seedloop::check::models::{
    Kv, KvOp, KvRet, Queue, QueueOp, QueueRet, Register, RegisterOp, RegisterRet,
};
use seedloop::check::{self, Checker, History, Model, Operation, Verdict};
use seedloop::explore::Explorer;

/// SplitMix64: the tests' own small random source.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Every order of the calls that respects real time (a call that returned
/// before another's invocation goes first), the calls without response
/// optional, each tried on the model: the definition, by brute force.
fn oracle<M: Model>(model: &M, ops: &[Operation<M::Input, M::Output>]) -> bool {
    fn go<M: Model>(
        model: &M,
        ops: &[Operation<M::Input, M::Output>],
        left: &mut Vec<usize>,
        state: &M::State,
    ) -> bool {
        if left.iter().all(|&i| ops[i].is_unknown()) {
            return true;
        }
        for k in 0..left.len() {
            let c = left[k];
            // c may go next only if no call left returned before c began.
            let blocked = left
                .iter()
                .any(|&d| d != c && ops[d].returned.is_some_and(|r| r < ops[c].invoked));
            if blocked {
                continue;
            }
            let nexts: Vec<M::State> = match &ops[c].output {
                Some(out) => model.step(state, &ops[c].input, out).into_iter().collect(),
                None => model
                    .outcomes(state, &ops[c].input)
                    .expect("the shipped models list their outcomes")
                    .into_iter()
                    .map(|(_, s)| s)
                    .collect(),
            };
            left.remove(k);
            for next in nexts {
                if go(model, ops, left, &next) {
                    left.insert(k, c);
                    return true;
                }
            }
            left.insert(k, c);
        }
        false
    }
    let mut left: Vec<usize> = (0..ops.len()).collect();
    go(model, ops, &mut left, &model.init())
}

/// A random concurrent history of at most 8 calls by up to 4 clients of
/// a real object (`apply` gives a call's true output at the moment it
/// takes effect, somewhere between its invocation and its return). Some
/// outputs are then corrupted and some responses lost, so that both
/// verdicts come up often.
fn random_history<I: Clone, O: Clone + PartialEq, S>(
    rng: &mut Rng,
    init: S,
    input: &mut dyn FnMut(&mut Rng) -> I,
    apply: &dyn Fn(&mut S, &I) -> O,
    corrupt: &mut dyn FnMut(&mut Rng, &O) -> O,
) -> History<I, O> {
    struct Open<I, O> {
        call: seedloop::check::Call<I, O>,
        input: I,
        output: Option<O>,
    }
    let history = History::new();
    let clients = 1 + rng.below(4) as usize;
    let mut left = 1 + rng.below(8);
    let mut open: Vec<Option<Open<I, O>>> = (0..clients).map(|_| None).collect();
    let mut state = init;
    loop {
        let busy = open.iter().filter(|o| o.is_some()).count();
        if left == 0 && busy == 0 {
            break;
        }
        let c = rng.below(clients as u64) as usize;
        match open[c].take() {
            None if left > 0 => {
                left -= 1;
                let i = input(rng);
                open[c] = Some(Open {
                    call: history.invoke(c as u64, i.clone()),
                    input: i,
                    output: None,
                });
            }
            None => {}
            Some(mut o) => match o.output.take() {
                None if rng.chance(15) => {
                    // The response is lost before the call took effect.
                    o.call.unknown();
                }
                None => {
                    o.output = Some(apply(&mut state, &o.input));
                    open[c] = Some(o);
                }
                Some(out) => {
                    if rng.chance(10) {
                        o.call.unknown(); // took effect, reply lost
                    } else if rng.chance(20) {
                        o.call.ok(corrupt(rng, &out));
                    } else {
                        o.call.ok(out);
                    }
                }
            },
        }
    }
    history
}

fn agree<M: Model>(model: &M, history: &History<M::Input, M::Output>) -> bool
where
    M::Input: Clone,
    M::Output: Clone,
{
    let verdict = check::linearizable(history, model);
    let truth = oracle(model, &history.operations());
    assert!(
        !matches!(verdict, Verdict::Unknown { .. }),
        "a small history never runs out of budget"
    );
    assert_eq!(
        verdict.is_linearizable(),
        truth,
        "checker and oracle disagree on {history:?}: {verdict}"
    );
    truth
}

const RANDOM_HISTORIES: u64 = 100_000;

#[test]
fn the_register_checker_agrees_with_the_oracle_on_random_histories() {
    let mut rng = Rng(1);
    let model = Register::new(0u8);
    let mut yes = 0;
    for _ in 0..RANDOM_HISTORIES {
        let h = random_history(
            &mut rng,
            0u8,
            &mut |r| match r.below(3) {
                0 => RegisterOp::Read,
                1 => RegisterOp::Write(r.below(3) as u8),
                _ => RegisterOp::Cas {
                    expect: r.below(3) as u8,
                    new: r.below(3) as u8,
                },
            },
            &|s, op| match op {
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
            &mut |r, out| match out {
                RegisterRet::Value(v) => RegisterRet::Value((v + 1 + r.below(2) as u8) % 3),
                RegisterRet::Swapped(b) => RegisterRet::Swapped(!b),
                RegisterRet::Written => RegisterRet::Written,
            },
        );
        yes += u64::from(agree(&model, &h));
    }
    // Both verdicts come up often (at least one history in ten), so the
    // agreement means something.
    assert!(
        yes > RANDOM_HISTORIES / 10 && yes < RANDOM_HISTORIES * 9 / 10,
        "{yes}"
    );
}

#[test]
fn the_kv_checker_key_by_key_agrees_with_the_oracle_on_the_whole_map() {
    let mut rng = Rng(2);
    let model: Kv<u8, u8> = Kv::new();
    let mut yes = 0;
    for _ in 0..RANDOM_HISTORIES {
        let h = random_history(
            &mut rng,
            std::collections::BTreeMap::new(),
            &mut |r| {
                let k = r.below(2) as u8;
                match r.below(3) {
                    0 => KvOp::Get(k),
                    1 => KvOp::Put(k, r.below(3) as u8),
                    _ => KvOp::Delete(k),
                }
            },
            &|m, op| match op {
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
            &mut |r, out| match out {
                KvRet::Value(None) => KvRet::Value(Some(r.below(3) as u8)),
                KvRet::Value(Some(v)) if r.chance(50) => KvRet::Value(Some((v + 1) % 3)),
                KvRet::Value(Some(_)) => KvRet::Value(None),
                KvRet::Done => KvRet::Done,
            },
        );
        // The oracle checks the whole map; the checker, key by key.
        let whole = oracle(&Kv::<u8, u8>::whole(), &h.operations());
        assert_eq!(whole, agree(&model, &h));
        yes += u64::from(whole);
    }
    assert!(
        yes > RANDOM_HISTORIES / 10 && yes < RANDOM_HISTORIES * 9 / 10,
        "{yes}"
    );
}

#[test]
fn the_queue_checker_agrees_with_the_oracle_on_random_histories() {
    let mut rng = Rng(3);
    let model: Queue<u8> = Queue::new();
    let mut yes = 0;
    for _ in 0..RANDOM_HISTORIES {
        let h = random_history(
            &mut rng,
            std::collections::VecDeque::new(),
            &mut |r| {
                if r.chance(55) {
                    QueueOp::Enqueue(r.below(3) as u8)
                } else {
                    QueueOp::Dequeue
                }
            },
            &|q, op| match op {
                QueueOp::Enqueue(v) => {
                    q.push_back(*v);
                    QueueRet::Done
                }
                QueueOp::Dequeue => QueueRet::Value(q.pop_front()),
            },
            &mut |r, out| match out {
                QueueRet::Value(None) => QueueRet::Value(Some(r.below(3) as u8)),
                QueueRet::Value(Some(v)) => QueueRet::Value(Some((v + 1) % 3)),
                QueueRet::Done => QueueRet::Done,
            },
        );
        yes += u64::from(agree(&model, &h));
    }
    assert!(
        yes > RANDOM_HISTORIES / 10 && yes < RANDOM_HISTORIES * 9 / 10,
        "{yes}"
    );
}

fn not(verdict: Verdict) -> Box<seedloop::check::Explanation> {
    match verdict {
        Verdict::NotLinearizable(why) => why,
        other => panic!("expected a violation, got {other}"),
    }
}

#[test]
fn a_stale_read_is_caught_and_explained() {
    let h = History::new();
    h.invoke(1, RegisterOp::Write(1)).ok(RegisterRet::Written);
    h.invoke(2, RegisterOp::Read).ok(RegisterRet::Value(0));
    let why = not(check::linearizable(&h, &Register::new(0)));
    assert_eq!(why.linearized, [0]);
    assert_eq!(why.state, "1");
    assert_eq!(why.blocked, 1);
    assert_eq!(why.unplaced.len(), 1);
    assert_eq!(why.unplaced[0].input, "Read");
    assert_eq!(why.unplaced[0].output.as_deref(), Some("Value(0)"));
    assert_eq!(why.unplaced[0].allowed, ["Value(1)"]);
    let text = why.to_string();
    assert!(text.contains("the model allows Value(1)"), "{text}");
    assert!(
        text.contains("<- returned before it could be placed"),
        "{text}"
    );
}

#[test]
fn a_lost_write_is_caught() {
    // Two writes both acknowledged, then reads see only the first forever.
    let h = History::new();
    h.invoke(1, RegisterOp::Write(1)).ok(RegisterRet::Written);
    h.invoke(2, RegisterOp::Write(2)).ok(RegisterRet::Written);
    h.invoke(3, RegisterOp::Read).ok(RegisterRet::Value(1));
    let why = not(check::linearizable(&h, &Register::new(0)));
    assert_eq!(why.linearized, [0, 1]);
    assert_eq!(why.unplaced[0].allowed, ["Value(2)"]);
}

#[test]
fn a_read_of_a_value_never_written_is_caught() {
    let h = History::new();
    let w = h.invoke(1, RegisterOp::Write(1));
    let r = h.invoke(2, RegisterOp::Read);
    r.ok(RegisterRet::Value(9));
    w.ok(RegisterRet::Written);
    let why = not(check::linearizable(&h, &Register::new(0)));
    assert!(why.linearized.len() <= 1);
}

#[test]
fn concurrent_writes_seen_in_two_orders_are_caught() {
    let h = History::new();
    let w1 = h.invoke(1, RegisterOp::Write(1));
    let w2 = h.invoke(2, RegisterOp::Write(2));
    let a = h.invoke(3, RegisterOp::Read);
    let b = h.invoke(4, RegisterOp::Read);
    a.ok(RegisterRet::Value(1));
    b.ok(RegisterRet::Value(2));
    let a2 = h.invoke(3, RegisterOp::Read);
    let b2 = h.invoke(4, RegisterOp::Read);
    a2.ok(RegisterRet::Value(2));
    b2.ok(RegisterRet::Value(1));
    w1.ok(RegisterRet::Written);
    w2.ok(RegisterRet::Written);
    not(check::linearizable(&h, &Register::new(0)));
    // One order for both readers is fine.
    let h = History::new();
    let w1 = h.invoke(1, RegisterOp::Write(1));
    let w2 = h.invoke(2, RegisterOp::Write(2));
    h.invoke(3, RegisterOp::Read).ok(RegisterRet::Value(1));
    h.invoke(4, RegisterOp::Read).ok(RegisterRet::Value(2));
    h.invoke(3, RegisterOp::Read).ok(RegisterRet::Value(2));
    w1.ok(RegisterRet::Written);
    w2.ok(RegisterRet::Written);
    assert!(check::linearizable(&h, &Register::new(0)).is_linearizable());
}

#[test]
fn an_unknown_write_may_take_effect_late_or_never() {
    let h = History::new();
    h.invoke(1, RegisterOp::Write(1)).unknown();
    h.invoke(2, RegisterOp::Read).ok(RegisterRet::Value(0)); // not yet
    h.invoke(2, RegisterOp::Read).ok(RegisterRet::Value(1)); // now
    assert!(check::linearizable(&h, &Register::new(0)).is_linearizable());
    let never = History::new();
    never.invoke(1, RegisterOp::Write(1)).unknown();
    never.invoke(2, RegisterOp::Read).ok(RegisterRet::Value(0));
    assert!(check::linearizable(&never, &Register::new(0)).is_linearizable());
    // But once seen, it cannot be unseen.
    let h = History::new();
    h.invoke(1, RegisterOp::Write(1)).unknown();
    h.invoke(2, RegisterOp::Read).ok(RegisterRet::Value(1));
    h.invoke(2, RegisterOp::Read).ok(RegisterRet::Value(0));
    not(check::linearizable(&h, &Register::new(0)));
    // A call dropped without a response counts as unknown.
    let h = History::new();
    drop(h.invoke(1, RegisterOp::Write(1)));
    h.invoke(2, RegisterOp::Read).ok(RegisterRet::Value(1));
    assert!(check::linearizable(&h, &Register::new(0)).is_linearizable());
}

#[test]
fn a_violation_on_one_key_names_its_part_and_other_keys_do_not_matter() {
    let h = History::new();
    for k in 0..50u32 {
        h.invoke(1, KvOp::Put(k, k)).ok(KvRet::Done);
        h.invoke(2, KvOp::Get(k)).ok(KvRet::Value(Some(k)));
    }
    h.invoke(3, KvOp::Get(7)).ok(KvRet::Value(None)); // stale
    let why = not(check::linearizable(&h, &Kv::new()));
    assert!(why.partition.is_some());
    assert_eq!(why.unplaced.iter().map(|u| u.index).max(), Some(100));
    assert!(why.linearized.iter().all(|&i| i == 14 || i == 15), "{why}");
}

#[test]
fn the_budget_counts_states_and_gives_unknown() {
    let h = History::new();
    let mut open = Vec::new();
    for c in 0..12u64 {
        open.push(h.invoke(c, RegisterOp::Write(c as u32)));
    }
    for call in open {
        call.ok(RegisterRet::Written);
    }
    h.invoke(99, RegisterOp::Read).ok(RegisterRet::Value(1000)); // never written
    let small = Checker::new().budget(100).check(&h, &Register::new(0));
    assert_eq!(small, Verdict::Unknown { explored: 100 });
    let enough = Checker::new()
        .budget(1_000_000)
        .check(&h, &Register::new(0));
    assert!(matches!(enough, Verdict::NotLinearizable(_)));
    // The same history, the same verdict, every time.
    assert_eq!(
        enough,
        Checker::new()
            .budget(1_000_000)
            .check(&h, &Register::new(0))
    );
}

#[test]
#[should_panic(expected = "implement Model::outcomes")]
fn an_unknown_call_needs_the_models_outcomes() {
    struct Bare;
    impl Model for Bare {
        type State = u8;
        type Input = u8;
        type Output = u8;
        fn init(&self) -> u8 {
            0
        }
        fn step(&self, _: &u8, i: &u8, _: &u8) -> Option<u8> {
            Some(*i)
        }
    }
    let h = History::new();
    h.invoke(1, 5).unknown();
    h.invoke(2, 6).ok(6); // the search meets the unknown call placing this one
    let _ = check::linearizable(&h, &Bare);
}

/// A register on a "replicated" store: a write is acknowledged once the
/// primary has it, and copied to the replica 5 ms later; a read asks the
/// replica (the bug: a read after an acknowledged write may not see it)
/// or the primary.
async fn store(stale_reads: bool) {
    let history = History::new();
    let primary = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let replica = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let mut clients = Vec::new();
    for c in 0..3u64 {
        let (h, p, r) = (history.clone(), primary.clone(), replica.clone());
        clients.push(seedloop::spawn(async move {
            for i in 0..3u32 {
                if seedloop::rand::random_range(0..2u32) == 0 {
                    let v = c as u32 * 10 + i;
                    let call = h.invoke(c, RegisterOp::Write(v));
                    p.set(v);
                    call.ok(RegisterRet::Written);
                    let (p, r) = (p.clone(), r.clone());
                    seedloop::spawn(async move {
                        seedloop::sleep(Duration::from_millis(5)).await;
                        r.set(p.get());
                    });
                } else {
                    let call = h.invoke(c, RegisterOp::Read);
                    seedloop::task::yield_now().await;
                    let v = if stale_reads { r.get() } else { p.get() };
                    call.ok(RegisterRet::Value(v));
                }
                seedloop::task::yield_now().await;
            }
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
    check::assert_linearizable(&history, &Register::new(0));
}

#[test]
fn a_violation_inside_a_run_is_found_shrunk_and_replayed() {
    let failure = Explorer::new("check::store")
        .seeds(300)
        .run(|| store(true))
        .expect_err("stale reads break linearizability");
    let text = failure.to_string();
    assert!(text.contains("not linearizable"), "{text}");
    assert!(text.contains("the model allows"), "{text}");
    // The shrunk tape replays the same failure.
    let again = Explorer::new("check::store")
        .only_seed(failure.seed())
        .only_tape(failure.tape().clone())
        .run(|| store(true))
        .expect_err("the replay fails too");
    assert_eq!(again.tape(), failure.tape());
    Explorer::new("check::store")
        .seeds(300)
        .run(|| store(false))
        .expect("reads from the primary are linearizable");
}

#[test]
fn a_small_budget_still_gives_every_part_a_turn() {
    // Key 0 cannot be decided in 1,000 states; key 1 fails at once. The
    // verdict must not depend on which key's hash comes first.
    for (hard, easy) in [(0u32, 1u32), (1, 0)] {
        let h = History::new();
        let puts: Vec<_> = (0..14u32)
            .map(|v| h.invoke(u64::from(v), KvOp::Put(hard, v)))
            .collect();
        h.invoke(99, KvOp::Get(hard)).ok(KvRet::Value(Some(99)));
        for p in puts {
            p.ok(KvRet::Done);
        }
        h.invoke(100, KvOp::Put(easy, 1)).ok(KvRet::Done);
        h.invoke(101, KvOp::Get(easy)).ok(KvRet::Value(None));
        let v = Checker::new().budget(1000).check(&h, &Kv::new());
        assert!(
            matches!(v, Verdict::NotLinearizable(_)),
            "hard key {hard}: {v}"
        );
    }
}

/// A counting semaphore: `true` releases, `false` acquires (which cannot
/// happen at 0).
struct Semaphore;

impl Model for Semaphore {
    type State = u32;
    type Input = bool;
    type Output = ();
    fn init(&self) -> u32 {
        0
    }
    fn step(&self, n: &u32, release: &bool, _: &()) -> Option<u32> {
        if *release {
            Some(n + 1)
        } else {
            n.checked_sub(1)
        }
    }
    fn outcomes(&self, n: &u32, release: &bool) -> Option<Vec<((), u32)>> {
        Some(
            self.step(n, release, &())
                .map(|m| ((), m))
                .into_iter()
                .collect(),
        )
    }
}

#[test]
fn an_unknown_call_that_cannot_happen_at_first_is_no_error() {
    let h = History::new();
    h.invoke(1, true).ok(());
    h.invoke(2, false).unknown(); // could not acquire at 0, can after the release
    h.invoke(3, false).ok(());
    assert!(check::linearizable(&h, &Semaphore).is_linearizable());
}

#[test]
fn unknown_reads_cost_nothing_and_hide_no_stale_read() {
    let h = History::new();
    for c in 0..200 {
        h.invoke(c, RegisterOp::Read).unknown(); // timed out
    }
    h.invoke(500, RegisterOp::Write(1)).ok(RegisterRet::Written);
    h.invoke(501, RegisterOp::Read).ok(RegisterRet::Value(0)); // stale
    let v = Checker::new().budget(1000).check(&h, &Register::new(0));
    assert!(matches!(v, Verdict::NotLinearizable(_)), "{v}");
}

#[test]
fn a_long_history_with_many_dead_ends_keeps_a_linear_explanation() {
    // 3,000 blocks of (a write, a concurrent read that sees it): each block
    // makes the search try the read first and fail, then the write. The
    // final stale read fails the history; the explanation's prefix is the
    // whole rest, in order.
    let h = History::new();
    for b in 0..3000u32 {
        let w = h.invoke(1, RegisterOp::Write(b + 1));
        let r = h.invoke(2, RegisterOp::Read);
        r.ok(RegisterRet::Value(b + 1));
        w.ok(RegisterRet::Written);
    }
    h.invoke(3, RegisterOp::Read).ok(RegisterRet::Value(0));
    let why = not(check::linearizable(&h, &Register::new(0)));
    assert_eq!(why.linearized.len(), 6000);
    assert_eq!(why.state, "3000");
}
