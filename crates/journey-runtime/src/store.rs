//! Where the engine keeps what it knows of each profile between inputs: the
//! profile itself, its history, its memberships, its latest messages, the
//! cells of its addresses and its marks (what it was counted for once). The
//! engine reads and writes them only through [`Store`]; [`MemoryStore`] keeps
//! them in flat arrays for `journey run` (no heap object per profile), and a
//! durable store can keep them on disk for `journey serve`.

use crate::engine::{Reason, Waiting};
use crate::expr::Past;
use crate::input::Profile;

/// The marks of a profile: one bit per item of each journey, set the first
/// time the profile is counted for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// The stages it reached.
    Stage,
    /// The steps it reached.
    Step,
    /// The steps it left the journey at.
    LeftAt,
    /// The trigger awaits whose event it caused since its current entry.
    Awaited,
    /// The recipient groups it had a delivered message in.
    Recipient,
}

/// How many of each thing a store keeps per profile, by the plan.
#[derive(Clone, Debug)]
pub struct StoreLayout {
    /// Journeys (a membership each).
    pub journeys: usize,
    /// (journey, content) pairs of the send nodes (a latest message each).
    pub pairs: usize,
    /// Profile attributes used as addresses (a cell each).
    pub address_slots: usize,
    /// Per [`Mark`] (in declaration order), the item count of each journey.
    pub marks: [Vec<usize>; 5],
}

/// What the engine keeps per profile, by profile index (`0..len()`).
pub trait Store {
    /// How many profiles.
    fn len(&self) -> usize;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Profile `p`: its id, attributes, lists and consent.
    fn profile(&self, p: u32) -> &Profile;
    /// Profile `p`, to change it.
    fn profile_mut(&mut self, p: u32) -> &mut Profile;
    /// The events of `p` behavioural functions read.
    fn history(&self, p: u32) -> &[Past];
    /// The history of `p`, to add to it.
    fn history_mut(&mut self, p: u32) -> &mut Vec<Past>;
    /// `p`'s membership of journey `j`.
    fn membership(&self, p: u32, j: u16) -> &Membership;
    /// `p`'s membership of journey `j`, to change it.
    fn membership_mut(&mut self, p: u32, j: u16) -> &mut Membership;
    /// Calls `f` with the journey and membership of every profile that entered one.
    fn each_membership(&self, f: &mut dyn FnMut(u16, &Membership));
    /// `p`'s latest message of each pair: an index in the engine's open messages, or `u32::MAX`.
    fn latest(&self, p: u32) -> &[u32];
    /// The latest messages of `p`, to change them.
    fn latest_mut(&mut self, p: u32) -> &mut [u32];
    /// Forgets every latest message (the run closed them all).
    fn clear_latest(&mut self);
    /// `p`'s address cells, one per address slot.
    fn address_cells(&self, p: u32) -> &[u32];
    /// `p`'s address cells, to change them.
    fn address_cells_mut(&mut self, p: u32) -> &mut [u32];
    /// Whether item `i` of journey `j` is marked `mark` for `p`.
    fn marked(&self, mark: Mark, p: u32, j: u16, i: usize) -> bool;
    /// Marks item `i` of journey `j` for `p`; true the first time.
    fn mark(&mut self, mark: Mark, p: u32, j: u16, i: usize) -> bool;
    /// Unmarks the first `count` items of journey `j` for `p`.
    fn unmark(&mut self, mark: Mark, p: u32, j: u16, count: usize);
    /// The heap memory held, in bytes (for benchmarks).
    fn heap_bytes(&self) -> usize;
}

/// The store of `journey run`: every profile in memory, in flat arrays.
pub struct MemoryStore {
    layout: StoreLayout,
    profiles: Vec<Profile>,
    history: Vec<Vec<Past>>,
    memberships: Vec<Membership>,
    latest: Vec<u32>,
    address_of: Vec<u32>,
    /// Every mark of every profile, a profile's marks side by side (one
    /// cache line for most plans): by (mark, journey) in [`MemoryStore::marks`] order.
    marks: FirstTimes,
}

/// An address not looked up yet.
pub(crate) const UNKNOWN: u32 = u32::MAX - 1;

impl MemoryStore {
    /// A store of `profiles`, as they were read, laid out for a plan.
    pub fn new(profiles: Vec<Profile>, layout: StoreLayout) -> MemoryStore {
        let n = profiles.len();
        let marks = FirstTimes::new(n, layout.marks.iter().flatten().copied());
        MemoryStore {
            history: std::iter::repeat_with(Vec::new).take(n).collect(),
            memberships: vec![Membership::NEVER; n * layout.journeys],
            latest: vec![u32::MAX; n * layout.pairs],
            address_of: vec![UNKNOWN; n * layout.address_slots],
            profiles,
            marks,
            layout,
        }
    }

    /// The journey index of `(mark, j)` among the flattened marks.
    fn group(&self, mark: Mark, j: u16) -> usize {
        mark as usize * self.layout.journeys + j as usize
    }
}

impl Store for MemoryStore {
    fn len(&self) -> usize {
        self.profiles.len()
    }

    fn profile(&self, p: u32) -> &Profile {
        &self.profiles[p as usize]
    }

    fn profile_mut(&mut self, p: u32) -> &mut Profile {
        &mut self.profiles[p as usize]
    }

    fn history(&self, p: u32) -> &[Past] {
        &self.history[p as usize]
    }

    fn history_mut(&mut self, p: u32) -> &mut Vec<Past> {
        &mut self.history[p as usize]
    }

    fn membership(&self, p: u32, j: u16) -> &Membership {
        &self.memberships[p as usize * self.layout.journeys + j as usize]
    }

    fn membership_mut(&mut self, p: u32, j: u16) -> &mut Membership {
        &mut self.memberships[p as usize * self.layout.journeys + j as usize]
    }

    fn each_membership(&self, f: &mut dyn FnMut(u16, &Membership)) {
        let journeys = self.layout.journeys.max(1);
        for (i, m) in self.memberships.iter().enumerate() {
            if m.entries > 0 {
                f((i % journeys) as u16, m);
            }
        }
    }

    fn latest(&self, p: u32) -> &[u32] {
        let n = self.layout.pairs;
        &self.latest[p as usize * n..(p as usize + 1) * n]
    }

    fn latest_mut(&mut self, p: u32) -> &mut [u32] {
        let n = self.layout.pairs;
        &mut self.latest[p as usize * n..(p as usize + 1) * n]
    }

    fn clear_latest(&mut self) {
        self.latest.iter_mut().for_each(|l| *l = u32::MAX);
    }

    fn address_cells(&self, p: u32) -> &[u32] {
        let n = self.layout.address_slots;
        &self.address_of[p as usize * n..(p as usize + 1) * n]
    }

    fn address_cells_mut(&mut self, p: u32) -> &mut [u32] {
        let n = self.layout.address_slots;
        &mut self.address_of[p as usize * n..(p as usize + 1) * n]
    }

    fn marked(&self, mark: Mark, p: u32, j: u16, i: usize) -> bool {
        self.marks.marked(p, self.group(mark, j), i)
    }

    fn mark(&mut self, mark: Mark, p: u32, j: u16, i: usize) -> bool {
        let g = self.group(mark, j);
        self.marks.first(p, g, i)
    }

    fn unmark(&mut self, mark: Mark, p: u32, j: u16, count: usize) {
        let g = self.group(mark, j);
        self.marks.clear(p, g, count)
    }

    fn heap_bytes(&self) -> usize {
        self.memberships.capacity() * size_of::<Membership>()
            + self.latest.capacity() * 4
            + self.address_of.capacity() * 4
            + self.history.capacity() * size_of::<Vec<Past>>()
            + self.history.iter().map(|h| h.capacity() * size_of::<Past>()).sum::<usize>()
            + self.marks.heap_bytes()
    }
}

/// A profile's membership of one journey. The memberships are one flat array,
/// a row of one per journey for each profile: no heap object per profile.
#[derive(Clone, Copy, Debug)]
pub struct Membership {
    /// Entries so far (0: it never entered, the other fields mean nothing).
    pub(crate) entries: u32,
    /// The node it is at, while in the journey.
    pub(crate) node: u32,
    /// What it waits for, while in the journey.
    pub(crate) waiting: Waiting,
    /// In the journey now.
    pub(crate) active: bool,
    pub(crate) goal_reached: bool,
    /// Why it last left, if it did.
    pub(crate) left: Option<Reason>,
    pub(crate) last_entry: i64,
    /// When it last left.
    pub(crate) last_left: i64,
    /// The latest closed message of the journey delivered to the profile: its
    /// send number plus one (0: none), and its node (last touch).
    pub(crate) touch_seq: u64,
    pub(crate) touch_node: u32,
}

impl Membership {
    /// A profile that never entered.
    pub const NEVER: Membership = Membership {
        entries: 0,
        node: 0,
        waiting: Waiting::AWAIT,
        active: false,
        goal_reached: false,
        left: None,
        last_entry: 0,
        last_left: 0,
        touch_seq: 0,
        touch_node: 0,
    };
}

/// One bit per profile and per item (stage or step) of every journey: whether
/// the profile has been counted for it, so that reports count profiles, not
/// arrivals.
pub(crate) struct FirstTimes {
    /// Per journey, the bit of its first item.
    base: Vec<usize>,
    /// Words per profile.
    words: usize,
    bits: Vec<u64>,
}

impl FirstTimes {
    /// Bits for `profiles` profiles, with the item counts of the journeys in order.
    pub(crate) fn new(profiles: usize, items: impl Iterator<Item = usize>) -> FirstTimes {
        let mut base = Vec::new();
        let mut count = 0;
        for n in items {
            base.push(count);
            count += n;
        }
        let words = count.div_ceil(64);
        FirstTimes { base, words, bits: vec![0; profiles * words] }
    }

    /// Whether item `i` of journey `j` is marked for profile `p`.
    pub(crate) fn marked(&self, p: u32, j: usize, i: usize) -> bool {
        let bit = self.base[j] + i;
        self.bits[p as usize * self.words + bit / 64] & (1 << (bit % 64)) != 0
    }

    /// The heap memory held, in bytes.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.bits.capacity() * 8
    }

    /// Unmarks the `count` items of journey `j` for profile `p`.
    pub(crate) fn clear(&mut self, p: u32, j: usize, count: usize) {
        let base = self.base[j];
        for bit in base..base + count {
            self.bits[p as usize * self.words + bit / 64] &= !(1 << (bit % 64));
        }
    }

    /// Marks item `i` of journey `j` for profile `p`; true the first time.
    pub(crate) fn first(&mut self, p: u32, j: usize, i: usize) -> bool {
        let bit = self.base[j] + i;
        let word = &mut self.bits[p as usize * self.words + bit / 64];
        let mask = 1 << (bit % 64);
        let first = *word & mask == 0;
        *word |= mask;
        first
    }
}
