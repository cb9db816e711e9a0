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
//! The search takes the pairs it adds to the cache (the explored states)
//! off a budget it is given, and pauses when that runs out; it can be run
//! again with more (the parts of a history take turns). A verdict never
//! depends on a clock.

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
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word: [u8; 8] = chunk.try_into().expect("8 bytes");
            self.write_u64(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = crate::trace::hash::light(self.0, n);
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
    crate::trace::hash::spread(call as u64)
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
    /// The budget given ran out; the search can go on with more.
    Paused,
}

struct Frame {
    entry: usize,
    /// The state before the call was placed (an index into the cache).
    state: u32,
    /// The next alternative of the call to try after a backtrack.
    next_alt: usize,
}

/// The (set of calls placed, state) pairs seen, flat: one hash map from
/// a pair's hash to its newest entry, each entry linked to the previous
/// one with the same hash; every set's words in one `Vec`, every state in
/// another. A state is stored once and the search refers to it by index.
struct Cache<S> {
    heads: HashMap<u64, u32, BuildHasherDefault<Fx>>,
    next: Vec<u32>,
    words: usize,
    sets: Vec<u64>,
    states: Vec<S>,
}

const NO_ENTRY: u32 = u32::MAX;

impl<S: Eq> Cache<S> {
    fn new(words: usize) -> Cache<S> {
        Cache {
            heads: HashMap::default(),
            next: Vec::new(),
            words,
            sets: Vec::new(),
            states: Vec::new(),
        }
    }

    fn contains(&self, hash: u64, set: &[u64], state: &S) -> bool {
        let mut e = self.heads.get(&hash).copied().unwrap_or(NO_ENTRY);
        while e != NO_ENTRY {
            let i = e as usize;
            if self.states[i] == *state && self.sets[i * self.words..(i + 1) * self.words] == *set {
                return true;
            }
            e = self.next[i];
        }
        false
    }

    /// Adds the pair (it is not there) and returns its state's index.
    fn insert(&mut self, hash: u64, set: &[u64], state: S) -> u32 {
        let i = self.states.len() as u32;
        let head = self.heads.insert(hash, i).unwrap_or(NO_ENTRY);
        self.next.push(head);
        self.sets.extend_from_slice(set);
        self.states.push(state);
        i
    }
}

/// The search of one part: made once, run in slices of a budget of
/// states until it decides (so that parts can take turns).
pub(crate) struct Search<'a, M: Model> {
    model: &'a M,
    ops: &'a [&'a Operation<M::Input, M::Output>],
    entries: Vec<Entry>,
    bits: Vec<u64>,
    set_hash: u64,
    cache: Cache<M::State>,
    stack: Vec<Frame>,
    /// The current state, by its index in the cache.
    state: u32,
    known_left: usize,
    unknown_placed: usize,
    deepest: Option<Deepest<M::State>>,
    /// The stack's lowest height since `deepest.placed` was copied from it.
    low_water: usize,
    resume: Option<(usize, usize)>,
    entry: usize,
}

impl<'a, M: Model> Search<'a, M> {
    /// A search of the part `ops` (in invocation order).
    pub(crate) fn new(model: &'a M, ops: &'a [&'a Operation<M::Input, M::Output>]) -> Self {
        let n = ops.len();
        let words = n.div_ceil(64);
        let entries = list(ops);
        let mut cache = Cache::new(words);
        let bits = vec![0u64; words];
        let init = model.init();
        let state = cache.insert(hash_of(&init), &bits, init);
        Search {
            model,
            ops,
            entry: entries[0].next,
            entries,
            bits,
            set_hash: 0,
            cache,
            stack: Vec::new(),
            state,
            known_left: ops.iter().filter(|o| !o.is_unknown()).count(),
            unknown_placed: 0,
            deepest: None,
            low_water: 0,
            resume: None,
        }
    }

    /// Goes on searching, adding at most `*budget` states (what it adds is
    /// taken off `*budget`); `Paused` when they ran out first.
    pub(crate) fn run(&mut self, budget: &mut u64) -> Found<M::State> {
        loop {
            if self.known_left == 0 {
                return Found::Linearizable;
            }
            let entry = self.entry;
            if entry != NIL && self.entries[entry].is_call {
                let call = self.entries[entry].call;
                let first_alt = match self.resume.take() {
                    Some((e, alt)) if e == entry => alt,
                    _ => 0,
                };
                match self.try_place(entry, call, first_alt, budget) {
                    Some(true) => self.entry = self.entries[0].next,
                    Some(false) => self.entry = self.entries[entry].next,
                    None => {
                        // Out of budget before this call: come back to it.
                        self.resume = Some((entry, first_alt));
                        return Found::Paused;
                    }
                }
                continue;
            }
            // A return whose call is not placed (or the end): stuck here.
            let known_placed = self.stack.len() - self.unknown_placed;
            if entry != NIL && self.deepest.as_ref().is_none_or(|d| known_placed > d.known) {
                // The prefix placed now shares its first `low_water` calls
                // with the one kept: copy only the rest (the search's own
                // pops and pushes pay for it, so this stays linear).
                let mut placed = self.deepest.take().map(|d| d.placed).unwrap_or_default();
                placed.truncate(self.low_water);
                let rest = self.stack[self.low_water..].iter();
                placed.extend(rest.map(|f| self.entries[f.entry].call));
                self.low_water = self.stack.len();
                self.deepest = Some(Deepest {
                    known: known_placed,
                    placed,
                    state: self.cache.states[self.state as usize].clone(),
                    blocked: self.entries[entry].call,
                    candidates: candidates(&self.entries, entry),
                });
            }
            let Some(frame) = self.stack.pop() else {
                let deepest = self
                    .deepest
                    .take()
                    .expect("a stuck search reached a return");
                return Found::Not(deepest);
            };
            let call = self.entries[frame.entry].call;
            self.bits[call / 64] &= !(1 << (call % 64));
            self.set_hash ^= word(call);
            self.state = frame.state;
            unlift(&mut self.entries, frame.entry);
            if self.ops[call].is_unknown() {
                self.unknown_placed -= 1;
            } else {
                self.known_left += 1;
            }
            self.low_water = self.low_water.min(self.stack.len());
            self.resume = Some((frame.entry, frame.next_alt));
            self.entry = frame.entry;
        }
    }

    /// Tries `call` (at list entry `entry`) next, from its alternative
    /// `first_alt`: `Some(true)` placed, `Some(false)` no alternative
    /// leads to a new pair, `None` the budget ran out.
    fn try_place(
        &mut self,
        entry: usize,
        call: usize,
        first_alt: usize,
        budget: &mut u64,
    ) -> Option<bool> {
        let op = self.ops[call];
        let current = &self.cache.states[self.state as usize];
        match &op.output {
            Some(out) if !op.is_unknown() => {
                if first_alt > 0 {
                    return Some(false);
                }
                let Some(next) = self.model.step(current, &op.input, out) else {
                    return Some(false);
                };
                self.place(entry, call, 1, next, budget)
            }
            _ => {
                let Some(outcomes) = self.model.outcomes(current, &op.input) else {
                    panic!(
                        "seedloop: the history has a call whose response never came ({:?}), and \
                         the model does not list outcomes: implement Model::outcomes so the \
                         checker knows what such a call may have done",
                        op.input
                    );
                };
                for (k, (_, next)) in outcomes.into_iter().enumerate().skip(first_alt) {
                    // An unknown call that changes nothing need not be
                    // placed: its return is at the end, it blocks nobody,
                    // and leaving it out explains the same outputs.
                    if next == self.cache.states[self.state as usize] {
                        continue;
                    }
                    match self.place(entry, call, k + 1, next, budget) {
                        Some(false) => continue,
                        done => return done,
                    }
                }
                Some(false)
            }
        }
    }

    /// Places `call` with the state `next`, unless that pair was seen.
    fn place(
        &mut self,
        entry: usize,
        call: usize,
        next_alt: usize,
        next: M::State,
        budget: &mut u64,
    ) -> Option<bool> {
        self.bits[call / 64] |= 1 << (call % 64);
        let h = self.set_hash ^ word(call) ^ hash_of(&next);
        if self.cache.contains(h, &self.bits, &next) {
            self.bits[call / 64] &= !(1 << (call % 64));
            return Some(false);
        }
        if *budget == 0 {
            self.bits[call / 64] &= !(1 << (call % 64));
            return None;
        }
        *budget -= 1;
        let state = self.cache.insert(h, &self.bits, next);
        self.set_hash ^= word(call);
        self.stack.push(Frame {
            entry,
            state: self.state,
            next_alt,
        });
        self.state = state;
        lift(&mut self.entries, entry);
        if self.ops[call].is_unknown() {
            self.unknown_placed += 1;
        } else {
            self.known_left -= 1;
        }
        Some(true)
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
