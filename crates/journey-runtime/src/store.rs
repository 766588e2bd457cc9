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
/// Besides its memberships, a profile's small state is one row of 32-bit
/// cells, side by side, so that an event touches few cache lines: its latest
/// message of each pair, its address cells, then its marks (bits).
pub struct MemoryStore {
    layout: StoreLayout,
    profiles: Vec<Profile>,
    history: Vec<Vec<Past>>,
    memberships: Vec<Membership>,
    /// The rows, `stride` cells a profile.
    cells: Vec<u32>,
    stride: usize,
    /// Per (mark, journey), in [`Mark`] then journey order, the bit of its
    /// first item among the profile's mark bits.
    mark_base: Vec<usize>,
}

/// An address not looked up yet.
pub(crate) const UNKNOWN: u32 = u32::MAX - 1;

impl MemoryStore {
    /// A store of `profiles`, as they were read, laid out for a plan.
    pub fn new(profiles: Vec<Profile>, layout: StoreLayout) -> MemoryStore {
        let n = profiles.len();
        let mut mark_base = Vec::new();
        let mut bits = 0;
        for items in layout.marks.iter().flatten() {
            mark_base.push(bits);
            bits += items;
        }
        let stride = layout.pairs + layout.address_slots + bits.div_ceil(32);
        let mut row = vec![u32::MAX; layout.pairs];
        row.extend(std::iter::repeat_n(UNKNOWN, layout.address_slots));
        row.extend(std::iter::repeat_n(0, stride - row.len()));
        let mut cells = Vec::with_capacity(n * stride);
        for _ in 0..n {
            cells.extend_from_slice(&row);
        }
        MemoryStore {
            history: std::iter::repeat_with(Vec::new).take(n).collect(),
            memberships: vec![Membership::NEVER; n * layout.journeys],
            cells,
            stride,
            mark_base,
            profiles,
            layout,
        }
    }

    /// The row of `p`.
    fn row(&self, p: u32) -> &[u32] {
        &self.cells[p as usize * self.stride..(p as usize + 1) * self.stride]
    }

    /// The row of `p`, to change it.
    fn row_mut(&mut self, p: u32) -> &mut [u32] {
        &mut self.cells[p as usize * self.stride..(p as usize + 1) * self.stride]
    }

    /// The cell and the bit of item `i` of `(mark, j)` in a row.
    fn bit(&self, mark: Mark, j: u16, i: usize) -> (usize, u32) {
        let bit = self.mark_base[mark as usize * self.layout.journeys + j as usize] + i;
        (self.layout.pairs + self.layout.address_slots + bit / 32, 1 << (bit % 32))
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
        &self.row(p)[..self.layout.pairs]
    }

    fn latest_mut(&mut self, p: u32) -> &mut [u32] {
        let pairs = self.layout.pairs;
        &mut self.row_mut(p)[..pairs]
    }

    fn clear_latest(&mut self) {
        let pairs = self.layout.pairs;
        for row in self.cells.chunks_exact_mut(self.stride.max(1)) {
            row[..pairs].iter_mut().for_each(|l| *l = u32::MAX);
        }
    }

    fn address_cells(&self, p: u32) -> &[u32] {
        let (pairs, slots) = (self.layout.pairs, self.layout.address_slots);
        &self.row(p)[pairs..pairs + slots]
    }

    fn address_cells_mut(&mut self, p: u32) -> &mut [u32] {
        let (pairs, slots) = (self.layout.pairs, self.layout.address_slots);
        &mut self.row_mut(p)[pairs..pairs + slots]
    }

    fn marked(&self, mark: Mark, p: u32, j: u16, i: usize) -> bool {
        let (cell, mask) = self.bit(mark, j, i);
        self.row(p)[cell] & mask != 0
    }

    fn mark(&mut self, mark: Mark, p: u32, j: u16, i: usize) -> bool {
        let (cell, mask) = self.bit(mark, j, i);
        let word = &mut self.row_mut(p)[cell];
        let first = *word & mask == 0;
        *word |= mask;
        first
    }

    fn unmark(&mut self, mark: Mark, p: u32, j: u16, count: usize) {
        for i in 0..count {
            let (cell, mask) = self.bit(mark, j, i);
            self.row_mut(p)[cell] &= !mask;
        }
    }

    fn heap_bytes(&self) -> usize {
        self.memberships.capacity() * size_of::<Membership>()
            + self.cells.capacity() * 4
            + self.history.capacity() * size_of::<Vec<Past>>()
            + self.history.iter().map(|h| h.capacity() * size_of::<Past>()).sum::<usize>()
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
