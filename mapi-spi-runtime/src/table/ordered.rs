//! [`OrderedRows`]: a view's visible rows in view order, kept so that finding a row, reading
//! the n-th, inserting and removing stay cheap at any size.
//!
//! The rows are split into chunks of at most [`CHUNK`] * 2 rows, with the index of each
//! chunk's first row alongside. Finding a position is two binary searches (the chunk, then
//! within it): O(log n). Inserting or removing shifts at most one chunk and updates the chunk
//! starts after it: O(log n) comparisons plus O(CHUNK + n / CHUNK) word moves, which stays
//! around a microsecond from 1,000 to 100,000 rows where a plain vector moves up to n words.

use core::cmp::Ordering;
use std::sync::Arc;

use super::Row;

/// Rows per chunk when a view is built; a chunk splits at twice as many and merges with a
/// neighbour below a quarter.
pub const CHUNK: usize = 512;

/// A view's visible rows in order.
#[derive(Default)]
pub(crate) struct OrderedRows {
    chunks: Vec<Vec<Arc<Row>>>,
    /// `starts[c]`: the index of the first row of chunk `c`.
    starts: Vec<usize>,
    len: usize,
}

impl OrderedRows {
    /// The rows of `rows`, in that order.
    pub(crate) fn from_vec(rows: Vec<Arc<Row>>) -> Self {
        let len = rows.len();
        let mut chunks = Vec::with_capacity(len.div_ceil(CHUNK));
        let mut rest = rows.into_iter();
        loop {
            let chunk: Vec<Arc<Row>> = rest.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            chunks.push(chunk);
        }
        let mut this = Self {
            chunks,
            starts: Vec::new(),
            len,
        };
        this.restart(0);
        this
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The rows, in order, moved out.
    pub(crate) fn into_vec(self) -> Vec<Arc<Row>> {
        let mut rows = Vec::with_capacity(self.len);
        for chunk in self.chunks {
            rows.extend(chunk);
        }
        rows
    }

    /// Recomputes the chunk starts from chunk `from` on.
    fn restart(&mut self, from: usize) {
        self.starts.truncate(from);
        let mut at = match from {
            0 => 0,
            _ => self.starts[from - 1] + self.chunks[from - 1].len(),
        };
        for chunk in &self.chunks[from..] {
            self.starts.push(at);
            at += chunk.len();
        }
    }

    /// The chunk holding row `index` (`index < len`), and the row's place in it.
    fn locate(&self, index: usize) -> (usize, usize) {
        let chunk = self.starts.partition_point(|&start| start <= index) - 1;
        (chunk, index - self.starts[chunk])
    }

    pub(crate) fn get(&self, index: usize) -> Option<&Arc<Row>> {
        if index >= self.len {
            return None;
        }
        let (chunk, at) = self.locate(index);
        Some(&self.chunks[chunk][at])
    }

    /// The rows from `start` to `end` (exclusive), in order.
    pub(crate) fn range(
        &self,
        start: usize,
        end: usize,
    ) -> impl DoubleEndedIterator<Item = &Arc<Row>> {
        let end = end.min(self.len);
        let ((first, from), (last, to)) = if start < end {
            let (last, at) = self.locate(end - 1);
            (self.locate(start), (last, at + 1))
        } else {
            ((0, 0), (0, 0))
        };
        // Chunks `first..=last`, cut to the range in the first and the last.
        let chunks = if start < end { first..last + 1 } else { 0..0 };
        chunks.flat_map(move |c| {
            let lo = if c == first { from } else { 0 };
            let hi = if c == last { to } else { self.chunks[c].len() };
            &self.chunks[c][lo..hi]
        })
    }

    /// Where a row is (`Ok`) or would go (`Err`), `order` telling how a row of the view
    /// compares with the one sought (as `slice::binary_search_by`).
    pub(crate) fn search(&self, mut order: impl FnMut(&Row) -> Ordering) -> Result<usize, usize> {
        let chunk = self.chunks.partition_point(|c| {
            order(c.last().expect("chunks are never empty")) == Ordering::Less
        });
        if chunk == self.chunks.len() {
            return Err(self.len);
        }
        let start = self.starts[chunk];
        self.chunks[chunk]
            .binary_search_by(|row| order(row))
            .map(|at| start + at)
            .map_err(|at| start + at)
    }

    /// Inserts `row` so that it becomes row `index` (`index <= len`).
    pub(crate) fn insert(&mut self, index: usize, row: Arc<Row>) {
        if self.chunks.is_empty() {
            self.chunks.push(vec![row]);
            self.starts.push(0);
            self.len = 1;
            return;
        }
        let (chunk, at) = if index == self.len {
            let last = self.chunks.len() - 1;
            (last, self.chunks[last].len())
        } else {
            self.locate(index)
        };
        self.chunks[chunk].insert(at, row);
        self.len += 1;
        if self.chunks[chunk].len() > 2 * CHUNK {
            let upper = self.chunks[chunk].split_off(CHUNK);
            self.chunks.insert(chunk + 1, upper);
        }
        self.restart(chunk);
    }

    /// Removes row `index` (`index < len`).
    pub(crate) fn remove(&mut self, index: usize) -> Arc<Row> {
        let (mut chunk, at) = self.locate(index);
        let row = self.chunks[chunk].remove(at);
        self.len -= 1;
        if self.chunks[chunk].len() < CHUNK / 4 && self.chunks.len() > 1 {
            // Merged into the chunk before (or, for the first, the one after), split again if
            // that makes it too large.
            let (keep, gone) = if chunk > 0 {
                (chunk - 1, chunk)
            } else {
                (0, 1)
            };
            let moved = self.chunks.remove(gone);
            self.chunks[keep].extend(moved);
            if self.chunks[keep].len() > 2 * CHUNK {
                let upper = self.chunks[keep].split_off(CHUNK);
                self.chunks.insert(keep + 1, upper);
            }
            chunk = keep;
        } else if self.chunks[chunk].is_empty() {
            self.chunks.remove(chunk);
        }
        self.restart(chunk.min(self.chunks.len()));
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(ids: impl IntoIterator<Item = u64>) -> Vec<Arc<Row>> {
        ids.into_iter()
            .map(|id| Arc::new(Row::new(id, Vec::new())))
            .collect()
    }

    fn ids(list: &OrderedRows) -> Vec<u64> {
        list.range(0, list.len()).map(|r| r.id()).collect()
    }

    #[test]
    fn matches_a_vector_through_inserts_removes_and_searches() {
        let mut plain: Vec<u64> = (0..3000).map(|i| i * 2).collect();
        let mut list = OrderedRows::from_vec(rows(plain.iter().copied()));
        // A cheap generator: inserts and removes at scattered places.
        let mut seed = 12345u64;
        for step in 0..6000u64 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let pick = (seed >> 33) as usize;
            if step % 3 == 2 && !plain.is_empty() {
                let at = pick % plain.len();
                assert_eq!(list.remove(at).id(), plain.remove(at));
            } else {
                let id = (pick % 20_000) as u64 * 2 + 1;
                let at = plain.partition_point(|&p| p < id);
                let found = list.search(|r| r.id().cmp(&id));
                assert_eq!(found, plain.binary_search(&id));
                if found.is_ok() {
                    continue;
                }
                plain.insert(at, id);
                list.insert(at, rows([id]).pop().unwrap());
            }
            assert_eq!(list.len(), plain.len());
        }
        assert_eq!(ids(&list), plain);
        let mut list =
            OrderedRows::from_vec(OrderedRows::from_vec(rows(plain.iter().copied())).into_vec());
        assert_eq!(ids(&list), plain);
        for (index, id) in plain.iter().enumerate().step_by(97) {
            assert_eq!(list.get(index).unwrap().id(), *id);
            assert_eq!(list.search(|r| r.id().cmp(id)), Ok(index));
        }
        let tail: Vec<u64> = list.range(10, 20).rev().map(|r| r.id()).collect();
        assert_eq!(
            tail,
            plain[10..20].iter().rev().copied().collect::<Vec<_>>()
        );
        while list.len() > 0 {
            list.remove(list.len() / 2);
        }
        assert!(list.get(0).is_none());
        assert_eq!(list.search(|r| r.id().cmp(&1)), Err(0));
    }
}
