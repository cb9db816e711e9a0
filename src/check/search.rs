//! The search for a linearization of one part of a history: Wing and
//! Gong's algorithm with Lowe's improvements, as Porcupine runs it.
//!
//! The calls and returns of the part are a doubly linked list in history
//! order (a call without response returns after everything). The search
//! walks the list from its head. At a call, it tries the call next in the
//! linearization: if the model allows the call's output in the current
//! state, and the pair (set of calls placed, new state) was never reached
//! before, the call and its return are unlinked ("lifted"), the state
//! moves on, and the walk starts again at the head. At a return, the call
//! it belongs to should have been placed already and was not: the search
//! backtracks to the last call it placed, relinks it, and tries the next
//! candidate after it. The history is linearizable once every call that
//! returned is placed (the others may have taken effect or not: placed at
//! the end, they change nothing anyone saw); it is not when backtracking
//! runs out. The cache of (set, state) pairs is what makes the search fast
//! in practice: a pair reached once is never explored again.
//!
//! A call of unknown outcome may have taken effect with any of the model's
//! outcomes: each is an alternative of that call, tried in turn.
//!
//! The search counts the pairs it adds to the cache (the explored states)
//! and gives up past its budget, so a verdict never depends on a clock.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use super::Model;
use super::history::Operation;

const NIL: usize = usize::MAX;

/// A multiply-rotate hasher (as FxHash): fast on the small keys here, and
/// the same in every run.
#[derive(Default)]
pub(crate) struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// A word per call for the set's hash (Zobrist): the set's hash is the xor
/// of its calls' words, kept as calls are placed and removed.
fn word(call: usize) -> u64 {
    let mut z = (call as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

struct Entry {
    /// The call, by its index in the part.
    call: usize,
    is_call: bool,
    /// The other entry of the same call.
    twin: usize,
    prev: usize,
    next: usize,
}

/// Where the search went deepest before it was stuck: what a failure's
/// explanation shows.
pub(crate) struct Deepest<S> {
    /// How many of the calls placed returned (the depth compared: a call
    /// of unknown outcome placed explains nothing anyone saw).
    pub(crate) known: usize,
    /// The calls placed, in order (indices in the part).
    pub(crate) placed: Vec<usize>,
    /// The state they left.
    pub(crate) state: S,
    /// The call whose return the walk reached without having placed it.
    pub(crate) blocked: usize,
    /// The calls that could have gone next there (invoked before that
    /// return), none of which the model allowed (or each led nowhere).
    pub(crate) candidates: Vec<usize>,
}

/// How the search of one part ended.
pub(crate) enum Found<S> {
    Linearizable,
    Not(Deepest<S>),
    /// The budget ran out.
    GaveUp,
}

struct Frame<S> {
    entry: usize,
    state: S,
    /// The next alternative of the call to try after a backtrack.
    next_alt: usize,
}

type Cache<S> = HashMap<u64, Vec<(Box<[u64]>, S)>, BuildHasherDefault<Fx>>;

/// Searches the part `ops` (in invocation order) for a linearization,
/// adding at most `*budget` states; what it adds is taken off `*budget`.
pub(crate) fn search<M: Model>(
    model: &M,
    ops: &[&Operation<M::Input, M::Output>],
    budget: &mut u64,
) -> Found<M::State> {
    let n = ops.len();
    if n == 0 {
        return Found::Linearizable;
    }
    let mut entries = list(ops);
    let mut bits = vec![0u64; n.div_ceil(64)];
    let mut set_hash = 0u64;
    let mut cache: Cache<M::State> = HashMap::default();
    let mut stack: Vec<Frame<M::State>> = Vec::new();
    let mut state = model.init();
    let mut known_left = ops.iter().filter(|o| !o.is_unknown()).count();
    let mut unknown_placed = 0usize;
    let mut deepest: Option<Deepest<M::State>> = None;
    let mut resume: Option<(usize, usize)> = None;
    let mut entry = entries[0].next;
    loop {
        if known_left == 0 {
            return Found::Linearizable;
        }
        if entry != NIL && entries[entry].is_call {
            let call = entries[entry].call;
            let op = ops[call];
            let first_alt = match resume.take() {
                Some((e, alt)) if e == entry => alt,
                _ => 0,
            };
            let tries: Vec<(usize, M::State)> = match &op.output {
                Some(out) if !op.is_unknown() => {
                    if first_alt == 0 {
                        model
                            .step(&state, &op.input, out)
                            .into_iter()
                            .map(|s| (1, s))
                            .collect()
                    } else {
                        Vec::new()
                    }
                }
                _ => model
                    .outcomes(&state, &op.input)
                    .into_iter()
                    .map(|(_, s)| s)
                    .enumerate()
                    .skip(first_alt)
                    .map(|(k, s)| (k + 1, s))
                    .collect(),
            };
            let mut placed = false;
            for (next_alt, next_state) in tries {
                bits[call / 64] |= 1 << (call % 64);
                let h = set_hash ^ word(call) ^ hash_of(&next_state);
                let bucket = cache.entry(h).or_default();
                if bucket.iter().any(|(b, s)| **b == *bits && *s == next_state) {
                    bits[call / 64] &= !(1 << (call % 64));
                    continue;
                }
                if *budget == 0 {
                    return Found::GaveUp;
                }
                *budget -= 1;
                bucket.push((bits.clone().into_boxed_slice(), next_state.clone()));
                set_hash ^= word(call);
                let old = std::mem::replace(&mut state, next_state);
                stack.push(Frame {
                    entry,
                    state: old,
                    next_alt,
                });
                lift(&mut entries, entry);
                if op.is_unknown() {
                    unknown_placed += 1;
                } else {
                    known_left -= 1;
                }
                placed = true;
                break;
            }
            entry = if placed {
                entries[0].next
            } else {
                entries[entry].next
            };
            continue;
        }
        // A return whose call is not placed (or the end): stuck here.
        let known_placed = stack.len() - unknown_placed;
        if entry != NIL && deepest.as_ref().is_none_or(|d| known_placed > d.known) {
            deepest = Some(Deepest {
                known: known_placed,
                placed: stack.iter().map(|f| entries[f.entry].call).collect(),
                state: state.clone(),
                blocked: entries[entry].call,
                candidates: candidates(&entries, entry),
            });
        }
        let Some(frame) = stack.pop() else {
            return Found::Not(deepest.expect("a stuck search reached a return"));
        };
        let call = entries[frame.entry].call;
        bits[call / 64] &= !(1 << (call % 64));
        set_hash ^= word(call);
        state = frame.state;
        unlift(&mut entries, frame.entry);
        if ops[call].is_unknown() {
            unknown_placed -= 1;
        } else {
            known_left += 1;
        }
        resume = Some((frame.entry, frame.next_alt));
        entry = frame.entry;
    }
}

fn hash_of<S: Hash>(state: &S) -> u64 {
    let mut h = Fx::default();
    state.hash(&mut h);
    h.finish()
}

/// The list: a head (entry 0), then every call and return in history
/// order, the returns of unknown calls last.
fn list<I, O>(ops: &[&Operation<I, O>]) -> Vec<Entry> {
    // (position, is_return, call): a call's invocation sorts before any
    // return at the same position (there is none: positions are unique).
    let mut order: Vec<(u64, u64, usize, bool)> = Vec::with_capacity(2 * ops.len());
    for (i, op) in ops.iter().enumerate() {
        order.push((op.invoked, 0, i, true));
        match op.returned {
            Some(at) => order.push((at, 0, i, false)),
            None => order.push((u64::MAX, op.invoked, i, false)),
        }
    }
    order.sort_unstable();
    let mut entries = Vec::with_capacity(order.len() + 1);
    entries.push(Entry {
        call: NIL,
        is_call: false,
        twin: NIL,
        prev: NIL,
        next: 1,
    });
    let mut call_entry = vec![NIL; ops.len()];
    for (k, &(_, _, call, is_call)) in order.iter().enumerate() {
        let me = k + 1;
        entries.push(Entry {
            call,
            is_call,
            twin: NIL,
            prev: k,
            next: if me == order.len() { NIL } else { me + 1 },
        });
        if is_call {
            call_entry[call] = me;
        } else {
            let c = call_entry[call];
            entries[c].twin = me;
            entries[me].twin = c;
        }
    }
    entries
}

fn unlink(entries: &mut [Entry], e: usize) {
    let (p, n) = (entries[e].prev, entries[e].next);
    entries[p].next = n;
    if n != NIL {
        entries[n].prev = p;
    }
}

fn relink(entries: &mut [Entry], e: usize) {
    let (p, n) = (entries[e].prev, entries[e].next);
    entries[p].next = e;
    if n != NIL {
        entries[n].prev = e;
    }
}

/// Takes a call and its return out of the list.
fn lift(entries: &mut [Entry], call: usize) {
    let ret = entries[call].twin;
    unlink(entries, call);
    unlink(entries, ret);
}

/// Puts them back, in the reverse order.
fn unlift(entries: &mut [Entry], call: usize) {
    let ret = entries[call].twin;
    relink(entries, ret);
    relink(entries, call);
}

/// The calls still in the list before entry `stop`.
fn candidates(entries: &[Entry], stop: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut e = entries[0].next;
    while e != NIL && e != stop {
        if entries[e].is_call {
            out.push(entries[e].call);
        }
        e = entries[e].next;
    }
    out
}
