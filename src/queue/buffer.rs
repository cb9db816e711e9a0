//! How a queue orders its items: the one thing [`Queue`](super::Queue),
//! [`LifoQueue`](super::LifoQueue) and [`PriorityQueue`](super::PriorityQueue)
//! do differently.
//!
//! Each order is a [`Discipline`]: three functions over a `VecDeque`. A
//! [`Buffer`] stores the items and the functions of its discipline, taken
//! when the queue is made. So the shared queue code needs no type parameter
//! for the order (the public futures stay `Get<'a, T>`), and a priority
//! queue's `T: Ord` bound is needed only by its constructor.
//!
//! Every item carries the sequence number it was put with ([`Item`]). An
//! item handed to a getter keeps it, so when the getter is cancelled the
//! item goes back exactly where it was, even when several handed items come
//! back in another order than they left.

use std::collections::VecDeque;

/// An item with the sequence number it was put with.
pub(crate) type Item<T> = (u64, T);

/// An order of removal.
pub(crate) trait Discipline<T> {
    /// Adds an item.
    fn push(items: &mut VecDeque<Item<T>>, item: Item<T>);
    /// Removes the next item in this order.
    fn pop(items: &mut VecDeque<Item<T>>) -> Option<Item<T>>;
    /// Puts back an item that was popped for a getter who never took it,
    /// where its sequence number says it belongs.
    fn unget(items: &mut VecDeque<Item<T>>, item: Item<T>);
}

/// Inserts into a buffer kept in sequence order.
fn insert_by_seq<T>(items: &mut VecDeque<Item<T>>, item: Item<T>) {
    let at = items.partition_point(|(seq, _)| *seq < item.0);
    items.insert(at, item);
}

/// First in, first out (asyncio's `Queue`).
pub(crate) struct Fifo;

/// Last in, first out (asyncio's `LifoQueue`).
pub(crate) struct Lifo;

/// Smallest first, as a binary min-heap (asyncio's `PriorityQueue`, which
/// uses `heapq`).
pub(crate) struct MinHeap;

impl<T> Discipline<T> for Fifo {
    fn push(items: &mut VecDeque<Item<T>>, item: Item<T>) {
        items.push_back(item);
    }

    fn pop(items: &mut VecDeque<Item<T>>) -> Option<Item<T>> {
        items.pop_front()
    }

    fn unget(items: &mut VecDeque<Item<T>>, item: Item<T>) {
        insert_by_seq(items, item);
    }
}

impl<T> Discipline<T> for Lifo {
    fn push(items: &mut VecDeque<Item<T>>, item: Item<T>) {
        items.push_back(item);
    }

    fn pop(items: &mut VecDeque<Item<T>>) -> Option<Item<T>> {
        items.pop_back()
    }

    fn unget(items: &mut VecDeque<Item<T>>, item: Item<T>) {
        insert_by_seq(items, item);
    }
}

/// The heap's order: the item, then (for equal items) the oldest first.
fn less<T: Ord>(a: &Item<T>, b: &Item<T>) -> bool {
    (&a.1, a.0) < (&b.1, b.0)
}

impl<T: Ord> Discipline<T> for MinHeap {
    fn push(items: &mut VecDeque<Item<T>>, item: Item<T>) {
        items.push_back(item);
        let mut i = items.len() - 1;
        while i > 0 {
            let parent = (i - 1) / 2;
            if !less(&items[i], &items[parent]) {
                break;
            }
            items.swap(i, parent);
            i = parent;
        }
    }

    fn pop(items: &mut VecDeque<Item<T>>) -> Option<Item<T>> {
        let last = items.len().checked_sub(1)?;
        items.swap(0, last);
        let top = items.pop_back();
        let len = items.len();
        let mut i = 0;
        loop {
            let (left, right) = (2 * i + 1, 2 * i + 2);
            let mut smallest = i;
            if left < len && less(&items[left], &items[smallest]) {
                smallest = left;
            }
            if right < len && less(&items[right], &items[smallest]) {
                smallest = right;
            }
            if smallest == i {
                break;
            }
            items.swap(i, smallest);
            i = smallest;
        }
        top
    }

    fn unget(items: &mut VecDeque<Item<T>>, item: Item<T>) {
        <MinHeap as Discipline<T>>::push(items, item);
    }
}

/// The items of one queue, kept in the order of its discipline.
pub(crate) struct Buffer<T> {
    items: VecDeque<Item<T>>,
    next_seq: u64,
    push: fn(&mut VecDeque<Item<T>>, Item<T>),
    pop: fn(&mut VecDeque<Item<T>>) -> Option<Item<T>>,
    unget: fn(&mut VecDeque<Item<T>>, Item<T>),
}

impl<T> Buffer<T> {
    /// An empty buffer ordered by `D`.
    pub(crate) fn new<D: Discipline<T>>() -> Buffer<T> {
        Buffer {
            items: VecDeque::new(),
            next_seq: 0,
            push: D::push,
            pop: D::pop,
            unget: D::unget,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub(crate) fn push(&mut self, item: T) {
        let seq = self.next_seq;
        self.next_seq += 1;
        (self.push)(&mut self.items, (seq, item));
    }

    /// The next item, with its sequence number (for `unget`).
    pub(crate) fn pop(&mut self) -> Option<Item<T>> {
        (self.pop)(&mut self.items)
    }

    /// Puts back an item `pop` gave, where it was.
    pub(crate) fn unget(&mut self, item: Item<T>) {
        (self.unget)(&mut self.items, item);
    }

    /// Removes every item (in no particular order), to be dropped by the
    /// caller once no borrow is held.
    pub(crate) fn take_all(&mut self) -> Vec<T> {
        std::mem::take(&mut self.items)
            .into_iter()
            .map(|(_, item)| item)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain<T>(mut b: Buffer<T>) -> Vec<T> {
        std::iter::from_fn(|| b.pop().map(|(_, item)| item)).collect()
    }

    #[test]
    fn each_discipline_pops_in_its_order() {
        let input = [5, 1, 4, 1, 3, 9, 2, 6, 5, 3];
        let mut fifo = Buffer::new::<Fifo>();
        let mut lifo = Buffer::new::<Lifo>();
        let mut heap = Buffer::new::<MinHeap>();
        for x in input {
            fifo.push(x);
            lifo.push(x);
            heap.push(x);
        }
        assert_eq!(drain(fifo), input);
        let mut reversed = input;
        reversed.reverse();
        assert_eq!(drain(lifo), reversed);
        let mut sorted = input;
        sorted.sort();
        assert_eq!(drain(heap), sorted);
    }

    #[test]
    fn an_item_put_back_comes_out_as_the_oldest() {
        let mut fifo = Buffer::new::<Fifo>();
        let mut lifo = Buffer::new::<Lifo>();
        let mut heap = Buffer::new::<MinHeap>();
        for b in [&mut fifo, &mut lifo, &mut heap] {
            b.push(1);
            let one = b.pop().unwrap();
            b.push(2);
            b.push(3);
            b.unget(one);
        }
        assert_eq!(drain(fifo), [1, 2, 3]);
        assert_eq!(drain(lifo), [3, 2, 1]);
        assert_eq!(drain(heap), [1, 2, 3]);
    }

    #[test]
    fn items_put_back_in_any_order_return_to_their_places() {
        let mut fifo = Buffer::new::<Fifo>();
        let mut lifo = Buffer::new::<Lifo>();
        for b in [&mut fifo, &mut lifo] {
            for x in 1..=4 {
                b.push(x);
            }
            let first = b.pop().unwrap();
            let second = b.pop().unwrap();
            // Put back the later one first: each must land in its place.
            b.unget(second);
            b.unget(first);
        }
        assert_eq!(drain(fifo), [1, 2, 3, 4]);
        assert_eq!(drain(lifo), [4, 3, 2, 1]);
    }

    #[test]
    fn heap_stays_ordered_when_pushes_and_pops_mix() {
        // A small deterministic generator (no OS randomness in tests either).
        let mut x: u32 = 12345;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x % 100
        };
        let mut heap = Buffer::new::<MinHeap>();
        let mut model: Vec<u32> = Vec::new();
        for _ in 0..2000 {
            if next() % 3 == 0 {
                let want = model.iter().copied().min();
                if let Some(w) = want {
                    let pos = model.iter().position(|&v| v == w).unwrap();
                    model.swap_remove(pos);
                }
                assert_eq!(heap.pop().map(|(_, v)| v), want);
            } else {
                let v = next();
                heap.push(v);
                model.push(v);
            }
            assert_eq!(heap.len(), model.len());
        }
    }
}
