//! Ready-made sequential specifications: a [`Register`] (read, write,
//! compare-and-set), a key-value map [`Kv`] (checked key by key), and a
//! FIFO [`Queue`].

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Debug;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use super::Model;
use super::search::Fx;

/// A call to a [`Register`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegisterOp<T> {
    /// Read the value.
    Read,
    /// Write a value.
    Write(T),
    /// Set `new` if the value is `expect`.
    Cas {
        /// The value it must hold.
        expect: T,
        /// The value it then holds.
        new: T,
    },
}

/// What a call to a [`Register`] returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegisterRet<T> {
    /// A read's value.
    Value(T),
    /// A write is done.
    Written,
    /// Whether a compare-and-set swapped.
    Swapped(bool),
}

/// One register holding a `T`, starting at a given value (etcd's and
/// Jepsen's CAS register).
///
/// ```
/// use seedloop::check::{self, History, models::{Register, RegisterOp, RegisterRet}};
///
/// let history = History::new();
/// history.invoke(1, RegisterOp::Cas { expect: 0, new: 1 }).ok(RegisterRet::Swapped(true));
/// history.invoke(2, RegisterOp::Cas { expect: 0, new: 2 }).ok(RegisterRet::Swapped(false));
/// history.invoke(2, RegisterOp::Read).ok(RegisterRet::Value(1));
/// assert!(check::linearizable(&history, &Register::new(0)).is_linearizable());
/// ```
#[derive(Clone, Debug)]
pub struct Register<T> {
    init: T,
}

impl<T> Register<T> {
    /// A register that holds `init` before any write.
    ///
    /// ```
    /// let model = seedloop::check::models::Register::new(String::new());
    /// # let _ = model;
    /// ```
    pub fn new(init: T) -> Register<T> {
        Register { init }
    }
}

impl<T: Clone + Eq + Hash + Debug> Model for Register<T> {
    type State = T;
    type Input = RegisterOp<T>;
    type Output = RegisterRet<T>;

    fn init(&self) -> T {
        self.init.clone()
    }

    fn step(&self, value: &T, op: &RegisterOp<T>, ret: &RegisterRet<T>) -> Option<T> {
        match (op, ret) {
            (RegisterOp::Read, RegisterRet::Value(seen)) => (seen == value).then(|| value.clone()),
            (RegisterOp::Write(v), RegisterRet::Written) => Some(v.clone()),
            (RegisterOp::Cas { expect, new }, RegisterRet::Swapped(true)) => {
                (expect == value).then(|| new.clone())
            }
            (RegisterOp::Cas { expect, .. }, RegisterRet::Swapped(false)) => {
                (expect != value).then(|| value.clone())
            }
            _ => None,
        }
    }

    fn outcomes(&self, value: &T, op: &RegisterOp<T>) -> Option<Vec<(RegisterRet<T>, T)>> {
        Some(vec![match op {
            RegisterOp::Read => (RegisterRet::Value(value.clone()), value.clone()),
            RegisterOp::Write(v) => (RegisterRet::Written, v.clone()),
            RegisterOp::Cas { expect, new } if expect == value => {
                (RegisterRet::Swapped(true), new.clone())
            }
            RegisterOp::Cas { .. } => (RegisterRet::Swapped(false), value.clone()),
        }])
    }
}

/// A call to a [`Kv`] map.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KvOp<K, V> {
    /// The value of a key.
    Get(K),
    /// Set a key's value.
    Put(K, V),
    /// Remove a key.
    Delete(K),
}

impl<K, V> KvOp<K, V> {
    /// The key the call is about.
    ///
    /// ```
    /// use seedloop::check::models::KvOp;
    /// assert_eq!(*KvOp::<_, u8>::Get("a").key(), "a");
    /// ```
    pub fn key(&self) -> &K {
        match self {
            KvOp::Get(k) | KvOp::Put(k, _) | KvOp::Delete(k) => k,
        }
    }
}

/// What a call to a [`Kv`] map returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KvRet<V> {
    /// A get's value (`None`: no such key).
    Value(Option<V>),
    /// A put or delete is done.
    Done,
}

/// A key-value map, checked key by key: each key is a part of the
/// history (P-compositionality), so a history over many keys costs about
/// the sum of its keys' small checks. The history's types pick `K` and `V`.
///
/// ```
/// use seedloop::check::{self, History, models::{Kv, KvOp, KvRet}};
///
/// let history = History::new();
/// history.invoke(1, KvOp::Put("a", 1)).ok(KvRet::Done);
/// history.invoke(2, KvOp::Put("b", 2)).ok(KvRet::Done);
/// history.invoke(1, KvOp::Delete("a")).ok(KvRet::Done);
/// history.invoke(2, KvOp::Get("a")).ok(KvRet::Value(None));
/// history.invoke(2, KvOp::Get("b")).ok(KvRet::Value(Some(2)));
/// assert!(check::linearizable(&history, &Kv::new()).is_linearizable());
/// ```
pub struct Kv<K, V> {
    whole: bool,
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Debug for Kv<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kv").field("whole", &self.whole).finish()
    }
}

impl<K, V> Clone for Kv<K, V> {
    fn clone(&self) -> Kv<K, V> {
        Kv {
            whole: self.whole,
            _types: PhantomData,
        }
    }
}

impl<K, V> Default for Kv<K, V> {
    fn default() -> Kv<K, V> {
        Kv::new()
    }
}

impl<K, V> Kv<K, V> {
    /// A map checked key by key.
    ///
    /// ```
    /// let model = seedloop::check::models::Kv::<String, u64>::new();
    /// # let _ = model;
    /// ```
    pub fn new() -> Kv<K, V> {
        Kv {
            whole: false,
            _types: PhantomData,
        }
    }

    /// The same map, checked as one object (slower: for comparison, or
    /// for a store whose keys are not independent).
    ///
    /// ```
    /// let model = seedloop::check::models::Kv::<String, u64>::whole();
    /// # let _ = model;
    /// ```
    pub fn whole() -> Kv<K, V> {
        Kv {
            whole: true,
            _types: PhantomData,
        }
    }
}

fn kv_apply<K: Ord + Clone, V: Clone>(
    map: &BTreeMap<K, V>,
    op: &KvOp<K, V>,
) -> (KvRet<V>, BTreeMap<K, V>) {
    match op {
        KvOp::Get(k) => (KvRet::Value(map.get(k).cloned()), map.clone()),
        KvOp::Put(k, v) => {
            let mut next = map.clone();
            next.insert(k.clone(), v.clone());
            (KvRet::Done, next)
        }
        KvOp::Delete(k) => {
            let mut next = map.clone();
            next.remove(k);
            (KvRet::Done, next)
        }
    }
}

impl<K, V> Model for Kv<K, V>
where
    K: Clone + Ord + Hash + Debug,
    V: Clone + Eq + Hash + Debug,
{
    type State = BTreeMap<K, V>;
    type Input = KvOp<K, V>;
    type Output = KvRet<V>;

    fn init(&self) -> BTreeMap<K, V> {
        BTreeMap::new()
    }

    fn step(
        &self,
        map: &BTreeMap<K, V>,
        op: &KvOp<K, V>,
        ret: &KvRet<V>,
    ) -> Option<BTreeMap<K, V>> {
        let (expected, next) = kv_apply(map, op);
        (expected == *ret).then_some(next)
    }

    fn outcomes(
        &self,
        map: &BTreeMap<K, V>,
        op: &KvOp<K, V>,
    ) -> Option<Vec<(KvRet<V>, BTreeMap<K, V>)>> {
        Some(vec![kv_apply(map, op)])
    }

    fn partition(&self, op: &KvOp<K, V>) -> Option<u64> {
        if self.whole {
            return None;
        }
        let mut h = Fx::default();
        op.key().hash(&mut h);
        Some(h.finish())
    }
}

/// A call to a [`Queue`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum QueueOp<T> {
    /// Add at the back.
    Enqueue(T),
    /// Take from the front.
    Dequeue,
}

/// What a call to a [`Queue`] returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum QueueRet<T> {
    /// An enqueue is done.
    Done,
    /// A dequeue's item (`None`: the queue was empty).
    Value(Option<T>),
}

/// A FIFO queue, empty at first; a dequeue of an empty queue returns
/// `Value(None)`.
///
/// ```
/// use seedloop::check::{self, History, models::{Queue, QueueOp, QueueRet}};
///
/// let history = History::new();
/// history.invoke(1, QueueOp::Enqueue('a')).ok(QueueRet::Done);
/// history.invoke(1, QueueOp::Enqueue('b')).ok(QueueRet::Done);
/// history.invoke(2, QueueOp::Dequeue).ok(QueueRet::Value(Some('b'))); // out of order
/// assert!(!check::linearizable(&history, &Queue::new()).is_linearizable());
/// ```
pub struct Queue<T> {
    _items: PhantomData<fn() -> T>,
}

impl<T> Debug for Queue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Queue")
    }
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Queue<T> {
        Queue::new()
    }
}

impl<T> Default for Queue<T> {
    fn default() -> Queue<T> {
        Queue::new()
    }
}

impl<T> Queue<T> {
    /// The empty queue.
    ///
    /// ```
    /// let model = seedloop::check::models::Queue::<u32>::new();
    /// # let _ = model;
    /// ```
    pub fn new() -> Queue<T> {
        Queue {
            _items: PhantomData,
        }
    }

    fn apply(items: &VecDeque<T>, op: &QueueOp<T>) -> (QueueRet<T>, VecDeque<T>)
    where
        T: Clone,
    {
        let mut next = items.clone();
        match op {
            QueueOp::Enqueue(v) => {
                next.push_back(v.clone());
                (QueueRet::Done, next)
            }
            QueueOp::Dequeue => {
                let front = next.pop_front();
                (QueueRet::Value(front), next)
            }
        }
    }
}

impl<T: Clone + Eq + Hash + Debug> Model for Queue<T> {
    type State = VecDeque<T>;
    type Input = QueueOp<T>;
    type Output = QueueRet<T>;

    fn init(&self) -> VecDeque<T> {
        VecDeque::new()
    }

    fn step(&self, items: &VecDeque<T>, op: &QueueOp<T>, ret: &QueueRet<T>) -> Option<VecDeque<T>> {
        let (expected, next) = Queue::apply(items, op);
        (expected == *ret).then_some(next)
    }

    fn outcomes(
        &self,
        items: &VecDeque<T>,
        op: &QueueOp<T>,
    ) -> Option<Vec<(QueueRet<T>, VecDeque<T>)>> {
        Some(vec![Queue::apply(items, op)])
    }
}
