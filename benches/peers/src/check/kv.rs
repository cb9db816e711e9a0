//! The key-value model of the bench: get, put and append on string
//! values, checked key by key. seedloop's own `Kv` has no append, so the
//! bench defines its model, as a user of `seedloop::check` would.

use seedloop::check::Model;

/// A call; keys are small numbers (the parser numbers them as it meets
/// them), so that each key is exactly one part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvCall {
    Get(u64),
    Put(u64, String),
    Append(u64, String),
}

/// What a call returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvOut {
    /// A get's value (the empty string for a key never written).
    Value(String),
    /// A put or append is done.
    Done,
}

/// One key's value: the history is partitioned by key, so the state of a
/// part is one string.
pub struct AppendKv;

impl Model for AppendKv {
    type State = String;
    type Input = KvCall;
    type Output = KvOut;

    fn init(&self) -> String {
        String::new()
    }

    fn step(&self, value: &String, call: &KvCall, out: &KvOut) -> Option<String> {
        match (call, out) {
            (KvCall::Get(_), KvOut::Value(seen)) => (seen == value).then(|| value.clone()),
            (KvCall::Put(_, v), KvOut::Done) => Some(v.clone()),
            (KvCall::Append(_, v), KvOut::Done) => {
                let mut next = String::with_capacity(value.len() + v.len());
                next.push_str(value);
                next.push_str(v);
                Some(next)
            }
            _ => None,
        }
    }

    fn outcomes(&self, value: &String, call: &KvCall) -> Option<Vec<(KvOut, String)>> {
        let out = match call {
            KvCall::Get(_) => KvOut::Value(value.clone()),
            KvCall::Put(..) | KvCall::Append(..) => KvOut::Done,
        };
        let next = self
            .step(value, call, &out)
            .expect("a call's own outcome is allowed");
        Some(vec![(out, next)])
    }

    fn partition(&self, call: &KvCall) -> Option<u64> {
        match call {
            KvCall::Get(k) | KvCall::Put(k, _) | KvCall::Append(k, _) => Some(*k),
        }
    }
}
