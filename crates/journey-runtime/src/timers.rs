//! The pending timers of a run: a keyed binary heap.
//!
//! Each key (a profile's membership of a journey) has at most one pending
//! timer: setting it again moves it, cancelling it removes it, so the heap
//! holds exactly the timers that will fire, never stale ones. Timers come due
//! in (time, order of setting) order, the order the engine's semantics need
//! (runtime.md §4), whatever the delays and however the clock moves.

/// No position: a key without a pending timer.
const ABSENT: u32 = u32::MAX;

/// One pending timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Timer {
    /// When it is due, in milliseconds since the epoch.
    pub at: i64,
    /// Its order of setting: earlier timers of one instant come first.
    pub seq: u64,
    /// Whose it is.
    pub key: u32,
}

impl Timer {
    fn before(&self, other: &Timer) -> bool {
        (self.at, self.seq) < (other.at, other.seq)
    }
}

/// The timers, keyed by membership; at most one per key.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    heap: Vec<Timer>,
    /// Per key, its timer's index in `heap`, or [`ABSENT`].
    position: Vec<u32>,
    seq: u64,
}

impl Timers {
    /// Timers for keys `0..keys`.
    pub fn new(keys: usize) -> Timers {
        Timers { heap: Vec::new(), position: vec![ABSENT; keys], seq: 0 }
    }

    /// How many are pending.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// The heap memory held, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.heap.capacity() * size_of::<Timer>() + self.position.capacity() * size_of::<u32>()
    }

    /// Sets the timer of `key` at `at`, replacing any pending one.
    pub fn set(&mut self, key: u32, at: i64) {
        self.cancel(key);
        self.seq += 1;
        let i = self.heap.len();
        self.heap.push(Timer { at, seq: self.seq, key });
        self.position[key as usize] = i as u32;
        self.up(i);
    }

    /// Removes the pending timer of `key`, if any.
    pub fn cancel(&mut self, key: u32) {
        let i = self.position[key as usize];
        if i == ABSENT {
            return;
        }
        self.remove_at(i as usize);
    }

    /// The first timer, without removing it.
    pub fn peek(&self) -> Option<Timer> {
        self.heap.first().copied()
    }

    /// Removes and returns the first timer.
    pub fn pop(&mut self) -> Option<Timer> {
        let first = self.peek()?;
        self.remove_at(0);
        Some(first)
    }

    fn remove_at(&mut self, i: usize) {
        let removed = self.heap.swap_remove(i);
        self.position[removed.key as usize] = ABSENT;
        if i < self.heap.len() {
            self.position[self.heap[i].key as usize] = i as u32;
            let i = self.up(i);
            self.down(i);
        }
    }

    /// Moves the timer at `i` up to its place; returns where it is.
    fn up(&mut self, mut i: usize) -> usize {
        while i > 0 {
            let parent = (i - 1) / 2;
            if !self.heap[i].before(&self.heap[parent]) {
                break;
            }
            self.swap(i, parent);
            i = parent;
        }
        i
    }

    fn down(&mut self, mut i: usize) {
        loop {
            let (left, right) = (2 * i + 1, 2 * i + 2);
            let mut first = i;
            if left < self.heap.len() && self.heap[left].before(&self.heap[first]) {
                first = left;
            }
            if right < self.heap.len() && self.heap[right].before(&self.heap[first]) {
                first = right;
            }
            if first == i {
                return;
            }
            self.swap(i, first);
            i = first;
        }
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.position[self.heap[a].key as usize] = a as u32;
        self.position[self.heap[b].key as usize] = b as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A model: per key its (at, seq), the first being the smallest pair.
    #[derive(Default)]
    struct Model {
        by_key: BTreeMap<u32, (i64, u64)>,
        seq: u64,
    }

    impl Model {
        fn set(&mut self, key: u32, at: i64) {
            self.seq += 1;
            self.by_key.insert(key, (at, self.seq));
        }
        fn pop(&mut self) -> Option<Timer> {
            let (&key, &(at, seq)) = self.by_key.iter().min_by_key(|(_, v)| **v)?;
            self.by_key.remove(&key);
            Some(Timer { at, seq, key })
        }
    }

    #[test]
    fn timers_come_due_in_time_then_setting_order_and_a_set_again_or_cancelled_timer_never_fires() {
        let mut timers = Timers::new(64);
        let mut model = Model::default();
        let mut state = 7u64;
        let mut next = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            state >> 33
        };
        let mut popped = Vec::new();
        let mut expected = Vec::new();
        for _ in 0..5000 {
            let key = (next() % 64) as u32;
            match next() % 4 {
                0 => {
                    timers.cancel(key);
                    model.by_key.remove(&key);
                }
                1 => {
                    popped.push(timers.pop());
                    expected.push(model.pop());
                }
                _ => {
                    // Few distinct instants: many ties, broken by the order of setting.
                    let at = (next() % 16) as i64 * 1000;
                    timers.set(key, at);
                    model.set(key, at);
                }
            }
            assert_eq!(timers.len(), model.by_key.len());
        }
        while let Some(t) = timers.pop() {
            popped.push(Some(t));
        }
        expected.extend(std::iter::from_fn(|| model.pop().map(Some)));
        assert_eq!(popped, expected);
        assert!(timers.peek().is_none());
    }

    #[test]
    fn cancelling_a_key_without_timer_changes_nothing() {
        let mut timers = Timers::new(3);
        timers.set(1, 50);
        timers.cancel(0);
        timers.cancel(2);
        assert_eq!(timers.pop(), Some(Timer { at: 50, seq: 1, key: 1 }));
        assert_eq!(timers.pop(), None);
    }
}
