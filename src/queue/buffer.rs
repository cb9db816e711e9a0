//! How a queue orders its items: the one thing [`Queue`](super::Queue),
//! [`LifoQueue`](super::LifoQueue) and [`PriorityQueue`](super::PriorityQueue)
//! do differently.
//!
//! Each order is a [`Discipline`]: three functions over a `VecDeque`. A
//! [`Buffer`] stores the items and the functions of its discipline, taken
//! when the queue is made. So the shared queue code needs no type parameter
//! for the order (the public futures stay `Get<'a, T>`), and a priority
//! queue's `T: Ord` bound is needed only by its constructor.

use std::collections::VecDeque;

/// An order of removal.
pub(crate) trait Discipline<T> {
    /// Adds an item.
    fn push(items: &mut VecDeque<T>, item: T);
    /// Removes the next item in this order.
    fn pop(items: &mut VecDeque<T>) -> Option<T>;
    /// Puts back an item that was popped for a getter who never took it.
    /// Such an item was popped when the buffer was otherwise empty, so it
    /// is older than every item now in the buffer.
    fn unget(items: &mut VecDeque<T>, item: T);
}

/// First in, first out (asyncio's `Queue`).
pub(crate) struct Fifo;

/// Last in, first out (asyncio's `LifoQueue`).
pub(crate) struct Lifo;

/// Smallest first, as a binary min-heap (asyncio's `PriorityQueue`, which
/// uses `heapq`).
pub(crate) struct MinHeap;

impl<T> Discipline<T> for Fifo {
    fn push(items: &mut VecDeque<T>, item: T) {
        items.push_back(item);
    }

    fn pop(items: &mut VecDeque<T>) -> Option<T> {
        items.pop_front()
    }

    fn unget(items: &mut VecDeque<T>, item: T) {
        items.push_front(item); // the oldest: first out again
    }
}

impl<T> Discipline<T> for Lifo {
    fn push(items: &mut VecDeque<T>, item: T) {
        items.push_back(item);
    }

    fn pop(items: &mut VecDeque<T>) -> Option<T> {
        items.pop_back()
    }

    fn unget(items: &mut VecDeque<T>, item: T) {
        items.push_front(item); // the oldest: at the bottom of the stack
    }
}

impl<T: Ord> Discipline<T> for MinHeap {
    fn push(items: &mut VecDeque<T>, item: T) {
        items.push_back(item);
        let mut i = items.len() - 1;
        while i > 0 {
            let parent = (i - 1) / 2;
            if items[i] >= items[parent] {
                break;
            }
            items.swap(i, parent);
            i = parent;
        }
    }

    fn pop(items: &mut VecDeque<T>) -> Option<T> {
        let last = items.len().checked_sub(1)?;
        items.swap(0, last);
        let top = items.pop_back();
        let len = items.len();
        let mut i = 0;
        loop {
            let (left, right) = (2 * i + 1, 2 * i + 2);
            let mut smallest = i;
            if left < len && items[left] < items[smallest] {
                smallest = left;
            }
            if right < len && items[right] < items[smallest] {
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

    fn unget(items: &mut VecDeque<T>, item: T) {
        <MinHeap as Discipline<T>>::push(items, item);
    }
}

/// The items of one queue, kept in the order of its discipline.
pub(crate) struct Buffer<T> {
    items: VecDeque<T>,
    push: fn(&mut VecDeque<T>, T),
    pop: fn(&mut VecDeque<T>) -> Option<T>,
    unget: fn(&mut VecDeque<T>, T),
}

impl<T> Buffer<T> {
    /// An empty buffer ordered by `D`.
    pub(crate) fn new<D: Discipline<T>>() -> Buffer<T> {
        Buffer {
            items: VecDeque::new(),
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
        (self.push)(&mut self.items, item);
    }

    pub(crate) fn pop(&mut self) -> Option<T> {
        (self.pop)(&mut self.items)
    }

    pub(crate) fn unget(&mut self, item: T) {
        (self.unget)(&mut self.items, item);
    }

    /// Removes every item (in no particular order), to be dropped by the
    /// caller once no borrow is held.
    pub(crate) fn take_all(&mut self) -> VecDeque<T> {
        std::mem::take(&mut self.items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain<T>(mut b: Buffer<T>) -> Vec<T> {
        std::iter::from_fn(|| b.pop()).collect()
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
                assert_eq!(heap.pop(), want);
            } else {
                let v = next();
                heap.push(v);
                model.push(v);
            }
            assert_eq!(heap.len(), model.len());
        }
    }
}
