//! The owners of every gram, for both literal filters: an open-addressing table from a gram to the
//! owners that share it, stored together, so that a gram that passed a filter's bitmap costs one probe
//! and one contiguous read.

/// What a [`Table`] holds: something that belongs to a gram.
pub trait Owned {
    /// The gram; never 0, which marks an empty slot.
    fn gram(&self) -> u64;
}

pub struct Table<O> {
    /// (gram, first owner, owners).
    slots: Vec<(u64, u32, u32)>,
    owners: Vec<O>,
}

impl<O: Owned> Table<O> {
    /// A table of `owners`; those of one gram keep the order they are given in.
    pub fn new(mut owners: Vec<O>) -> Table<O> {
        owners.sort_by_key(O::gram);
        let distinct = owners.chunk_by(|a, b| a.gram() == b.gram()).count();
        let size = (distinct + distinct / 2).next_power_of_two().max(16);
        let mut slots = vec![(0u64, 0u32, 0u32); size];
        let mut first = 0;
        for run in owners.chunk_by(|a, b| a.gram() == b.gram()) {
            let gram = run[0].gram();
            debug_assert_ne!(gram, 0, "gram 0 marks an empty slot");
            let mut at = home(gram, size);
            while slots[at].0 != 0 {
                at = (at + 1) & (size - 1);
            }
            slots[at] = (gram, first as u32, run.len() as u32);
            first += run.len();
        }
        Table { slots, owners }
    }

    /// The owners of `gram`.
    #[inline]
    pub fn get(&self, gram: u64) -> &[O] {
        let size = self.slots.len();
        let mut at = home(gram, size);
        loop {
            match self.slots[at] {
                (g, first, n) if g == gram => return &self.owners[first as usize..(first + n) as usize],
                (0, _, _) => return &[],
                _ => at = (at + 1) & (size - 1),
            }
        }
    }

    /// Every owner, by gram.
    #[cfg(test)]
    pub fn owners(&self) -> &[O] {
        &self.owners
    }
}

fn home(gram: u64, size: usize) -> usize {
    (gram.wrapping_mul(0xD6E8_FEB8_6659_FD93) >> 40) as usize & (size - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Owned for (u64, char) {
        fn gram(&self) -> u64 {
            self.0
        }
    }

    #[test]
    fn each_gram_gets_its_owners_in_the_order_given_and_others_none() {
        // Many grams, so that some share a home slot and are found further on.
        let mut owners: Vec<(u64, char)> = (1..=500u64).map(|g| (g * 0x1_0000_0001, 'a')).collect();
        owners.extend([(7, 'x'), (3, 'y'), (7, 'z')]);
        let t = Table::new(owners);
        assert_eq!(t.get(7), [(7, 'x'), (7, 'z')]);
        assert_eq!(t.get(3), [(3, 'y')]);
        assert!(t.get(8).is_empty() && t.get(2 * 0x1_0000_0001 + 1).is_empty());
        assert!((1..=500u64).all(|g| t.get(g * 0x1_0000_0001) == [(g * 0x1_0000_0001, 'a')]));
    }
}
