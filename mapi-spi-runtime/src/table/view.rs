//! [`TableView`]: the `IMAPITable` a client reads a [`TableData`](super::TableData) through,
//! with its own columns, restriction, sort order, cursor, bookmarks and advise sinks.
//!
//! Semantics the docs leave open, as this engine answers them:
//! - the cursor stays with its row while rows change: rows added or removed before it shift
//!   it; a row added at the cursor is the next one read; when the cursor's row goes, it moves
//!   to the row after it;
//! - `QueryRows` with a negative count moves back that many rows (fewer at the beginning) and
//!   returns them in table order, leaving the cursor on the first one returned so that the
//!   next negative call returns the rows before them; `TBL_NOADVANCE` leaves the cursor where
//!   it was in both directions;
//! - `FindRow` moves the cursor to the row found, and leaves it where it was when none is;
//! - a bookmark follows its row while the row changes; when the row is deleted or leaves the
//!   restriction, using the bookmark moves to the next row (or the end) and answers
//!   `MAPI_W_POSITION_CHANGED`, and the bookmark then marks that row. `Restrict`, `SortTable`
//!   and a `TABLE_RELOAD` discard every bookmark, as the docs say. A bookmark number is never
//!   shared by two views, so another view's bookmark is `MAPI_E_INVALID_BOOKMARK`;
//! - `QueryPosition`'s denominator is the row count, 1 for an empty view (it may not be 0);
//! - every operation is synchronous: `GetStatus` and `WaitForCompletion` answer
//!   `TBLSTAT_COMPLETE`, `TBL_ASYNC`/`TBL_BATCH` are accepted and change nothing, `Abort` has
//!   nothing to stop;
//! - categorized views (`SortTable` with `cCategories`) are laid out as the `categories`
//!   module says: heading rows, `ExpandRow` and `CollapseRow` (which notify nobody, as the
//!   docs ask), `GetCollapseState` and `SetCollapseState` (`MAPI_E_NO_SUPPORT` on a view
//!   without categories), combined categories (`TABLE_SORT_COMBINE`) and headings ordered by
//!   an aggregate (`TABLE_SORT_CATEG_MAX`, `_MIN`); changes reach its sinks row by row, and
//!   its cursor and bookmarks follow their rows through changes, expansions and collapses;
//! - a multi-valued column with `MVI_FLAG` in the columns or the sort order shows one row per
//!   value ("Working with Multivalued Columns"), the column holding that value under its
//!   single-valued tag, and, when the index column is binary (`PR_INSTANCE_KEY`), a key of
//!   its own (see [`Row::instances`](super::Row)). One instance column per view: a second
//!   (rows of M x N instances) is `MAPI_E_TOO_COMPLEX`. Restrictions are evaluated on the
//!   table rows, not the instances, as the docs say, so every instance of a matching row
//!   shows;
//! - a `PR_NULL` column (a placeholder) reads as `PR_NULL` in every row.
#![allow(non_snake_case)]

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, MutexGuard};
use windows_core::HRESULT;

use super::categories::Categories;
use super::notify::{Pending, Sink};
use super::ordered::OrderedRows;
use super::restrict::Restriction;
use super::sort::{SortKey, SortOrder, compare_rows, sort_order_from_raw};
use super::{Row, SubObjects, TableShared, TableState};
use crate::alloc::props::PropValue as WireProp;
use crate::codes::*;
use crate::com::Object;
use crate::flags::*;
use crate::interfaces::{IMAPIAdviseSink, IMAPITable, IMAPITableImpl};
use crate::props::object::{check_flags, null};
use crate::props::value::is_value_type;
use crate::props::{PropValue, Property};
use crate::provider::{LastError, ProviderError, ProviderResult};
use crate::tags::{
    MV_FLAG, MV_INSTANCE, PR_DEPTH, PR_INSTANCE_KEY, PR_NULL, PT_UNICODE, PT_UNSPECIFIED, prop_id,
    prop_type,
};
use crate::types::{
    BOOKMARK, BOOKMARK_BEGINNING, BOOKMARK_CURRENT, BOOKMARK_END, MAPIERROR, SPropTagArray,
    SRestriction, SRowSet, SSortOrder, SSortOrderSet, cb_new_ssortorderset,
};
use mapi_spi_macros::mapi_object;

/// How many bookmarks one view keeps before `CreateBookmark` answers
/// `MAPI_E_UNABLE_TO_COMPLETE` (the docs ask implementers to set a limit).
pub const MAX_BOOKMARKS: usize = 4096;

/// The next bookmark number, shared by all views so that none accepts another's. The three
/// lowest are `BOOKMARK_BEGINNING`, `_CURRENT` and `_END`.
static NEXT_BOOKMARK: AtomicUsize = AtomicUsize::new(BOOKMARK_END + 1);

/// What a bookmark marks: a row as last seen (and whether it has gone since), or the end.
#[derive(Clone)]
enum Mark {
    Row { row: Arc<Row>, gone: bool },
    End,
}

/// A view's state; the table's lock is always taken before a view's.
pub(crate) struct ViewState {
    columns: Vec<u32>,
    sort: Vec<SortKey>,
    restriction: Option<Restriction>,
    /// The table's sub-object source when the restriction was set.
    sub_objects: Option<Arc<dyn SubObjects>>,
    /// The visible rows in view order ([`compare_rows`] under `sort`).
    rows: OrderedRows,
    /// The next row to read, `0..=rows.len()`.
    cursor: usize,
    bookmarks: HashMap<BOOKMARK, Mark>,
    sinks: Vec<(usize, Sink)>,
    next_connection: usize,
    /// The instance column (`MVI_FLAG`) of the columns or the sort order, if any.
    mvi: Option<u32>,
    /// The categories of a categorized view; `rows` is then its layout of `leaves`.
    categories: Option<Categories>,
    /// A categorized view's rows (without headings), in sort order.
    leaves: Vec<Arc<Row>>,
    /// The table's index column.
    index_tag: u32,
}

impl ViewState {
    /// Whether the view shows `row`: restrictions look at the table row, not an instance.
    fn visible(&self, row: &Row) -> bool {
        self.restriction
            .as_ref()
            .is_none_or(|r| r.matches_with(row.source(), self.sub_objects.as_deref()))
    }

    /// The rows this view shows for a table row (see [`Row::instances`]).
    fn instances(&self, row: &Arc<Row>) -> Vec<Arc<Row>> {
        Row::instances(row, self.mvi, self.index_tag)
    }

    /// Where `row` is (`Ok`) or would be (`Err`) in the view.
    fn place(&self, row: &Row) -> Result<usize, usize> {
        self.rows
            .search(|probe| compare_rows(&self.sort, probe, row))
    }

    /// Sorts the visible rows again (after a new sort order alone: they are the same rows);
    /// the cursor goes to the beginning and every bookmark is discarded.
    fn resort(&mut self) {
        let rows = match self.categories {
            Some(_) => core::mem::take(&mut self.leaves),
            None => core::mem::take(&mut self.rows).into_vec(),
        };
        let rows = if self.sort.is_empty() {
            let mut rows = rows;
            rows.sort_unstable_by_key(|row| row.rank());
            rows
        } else {
            sort_rows(&self.sort, rows)
        };
        self.set_sorted(rows);
    }

    /// Shows `rows` (sorted): as they are, or laid out under their categories; the cursor goes
    /// to the beginning and every bookmark is discarded.
    fn set_sorted(&mut self, rows: Vec<Arc<Row>>) {
        match &self.categories {
            Some(categories) => {
                self.rows = OrderedRows::from_vec(categories.layout(&rows));
                self.leaves = rows;
            }
            None => self.rows = OrderedRows::from_vec(rows),
        }
        self.cursor = 0;
        self.bookmarks.clear();
    }

    /// Lays a categorized view out again after an expansion or a collapse, keeping the cursor
    /// (which the caller moves) and the bookmarks (which find their rows by identity).
    fn lay_out(&mut self) {
        if let Some(categories) = &self.categories {
            self.rows = OrderedRows::from_vec(categories.layout(&self.leaves));
        }
    }

    /// The position and level of the heading row whose `PR_INSTANCE_KEY` is `key`.
    fn heading(&self, key: &[u8]) -> Option<(usize, usize)> {
        self.rows
            .range(0, self.rows.len())
            .position(|row| {
                row.is_heading()
                    && matches!(row.value(PR_INSTANCE_KEY), Some(PropValue::Binary(k)) if k == key)
            })
            .map(|at| {
                let row = self.rows.get(at).expect("found");
                let level = match row.value(PR_DEPTH) {
                    Some(PropValue::Long(level)) => *level as usize,
                    _ => 0,
                };
                (at, level)
            })
    }

    /// Expands or collapses the heading row whose instance key is `key` (`method`'s), laying
    /// the view out again if that changes it: the heading's position and the row count before;
    /// `MAPI_E_NOT_FOUND` when no heading has that key.
    fn expand(
        &mut self,
        method: &str,
        key: &[u8],
        expanded: bool,
    ) -> ProviderResult<(usize, usize)> {
        let (at, level) = self.heading(key).ok_or_else(|| no_heading(method))?;
        let before = self.rows.len();
        if let Some(categories) = self.categories.as_mut()
            && categories.set_expanded(level, key, expanded)
        {
            self.lay_out();
        }
        Ok((at, before))
    }

    /// A `TABLE_RELOAD` for this view's sinks, if it has sinks.
    fn reload_notice(&self) -> Option<Pending> {
        (!self.sinks.is_empty()).then(|| Pending {
            sinks: self.sinks.iter().map(|(_, s)| s.clone()).collect(),
            event: TABLE_RELOAD,
            index: Pending::null(),
            prior: Pending::null(),
            row: Vec::new(),
        })
    }

    /// Rebuilds the visible rows from all of them (in the table's order); the cursor goes to
    /// the beginning and every bookmark is discarded.
    fn rebuild<'r>(&mut self, all: impl Iterator<Item = &'r Arc<Row>>) {
        let shown = all.filter(|r| self.visible(r));
        let mut rows: Vec<Arc<Row>> = match self.mvi {
            None => shown.cloned().collect(),
            Some(_) => shown.flat_map(|r| self.instances(r)).collect(),
        };
        if !self.sort.is_empty() {
            rows = sort_rows(&self.sort, rows);
        }
        self.set_sorted(rows);
    }

    fn insert(&mut self, row: Arc<Row>) -> usize {
        let at = self.place(&row).unwrap_or_else(|at| at);
        self.rows.insert(at, row);
        if at < self.cursor {
            self.cursor += 1;
        }
        at
    }

    fn remove(&mut self, at: usize) {
        self.rows.remove(at);
        if at < self.cursor {
            self.cursor -= 1;
        }
    }

    /// Points the bookmarks of row `id` at `now` (its new version), or marks them gone.
    fn follow(&mut self, id: u64, now: Option<&Arc<Row>>) {
        for mark in self.bookmarks.values_mut() {
            if let Mark::Row { row, gone } = mark
                && row.id() == id
                && !*gone
            {
                match now {
                    Some(now) => *row = now.clone(),
                    None => *gone = true,
                }
            }
        }
    }

    /// The position `bookmark` names, and whether it moved (`MAPI_W_POSITION_CHANGED`).
    fn resolve(&mut self, bookmark: BOOKMARK) -> Result<(usize, bool), ProviderError> {
        match bookmark {
            BOOKMARK_BEGINNING => return Ok((0, false)),
            BOOKMARK_CURRENT => return Ok((self.cursor, false)),
            BOOKMARK_END => return Ok((self.rows.len(), false)),
            _ => {}
        }
        let mark = self
            .bookmarks
            .get(&bookmark)
            .cloned()
            .ok_or_else(|| unknown_bookmark(bookmark))?;
        if let (Some(categories), Mark::Row { row, .. }) = (&self.categories, &mark) {
            // A categorized view is laid out anew by every change, expansion and collapse: its
            // rows are found by identity (O(n), as a layout is).
            let who = Shown::of(row);
            let range = || self.rows.range(0, self.rows.len());
            if let Some(at) = range().position(|r| Shown::of(r) == who) {
                return Ok((at, false));
            }
            // Hidden under a collapsed heading, or gone: the nearest heading above it that
            // shows (the beginning if none does), which the bookmark marks from here on.
            let at = categories
                .ancestors(row)
                .iter()
                .find_map(|key| self.heading(key).map(|(at, _)| at))
                .unwrap_or(0);
            let now = self.mark_at(at);
            self.bookmarks.insert(bookmark, now);
            return Ok((at, true));
        }
        Ok(match mark {
            Mark::End => (self.rows.len(), false),
            Mark::Row { row, gone: false } => match self.place(&row) {
                Ok(at) => (at, false),
                Err(at) => (at, true),
            },
            Mark::Row { row, gone: true } => {
                // Where the row was: the next row now, which the bookmark marks from here on.
                let at = self.place(&row).unwrap_or_else(|at| at);
                let now = self.mark_at(at);
                self.bookmarks.insert(bookmark, now);
                (at, true)
            }
        })
    }

    /// A categorized view's rows change: `gone` leave (those it shows), `arriving` join; if
    /// anything changed, the view is laid out again and its sinks are told the difference
    /// ([`relayout`](Self::relayout)).
    fn change_leaves(
        &mut self,
        table: &TableShared,
        gone: Vec<Arc<Row>>,
        arriving: Vec<Arc<Row>>,
        out: &mut Vec<Pending>,
    ) {
        let mut changed = !arriving.is_empty();
        for row in gone {
            let sort = &self.sort;
            if let Ok(at) = self
                .leaves
                .binary_search_by(|probe| compare_rows(sort, probe, &row))
            {
                self.leaves.remove(at);
                changed = true;
            }
        }
        for row in arriving {
            let sort = &self.sort;
            let at = self
                .leaves
                .binary_search_by(|probe| compare_rows(sort, probe, &row))
                .unwrap_or_else(|at| at);
            self.leaves.insert(at, row);
        }
        if changed && let Some(categories) = &self.categories {
            let new = categories.layout(&self.leaves);
            self.relayout(table, new, out);
        }
    }

    /// Shows `new`, a categorized view's layout after a change of its rows, instead of the
    /// current one. The cursor stays with its row (or goes to the next row that stays, or the
    /// end); bookmarks find their rows by identity when used. The sinks are told the
    /// difference row by row, in an order that turns the old layout into the new one when
    /// applied in turn: `TABLE_ROW_DELETED` for each row that goes or moves, then, in the new
    /// order, `TABLE_ROW_ADDED` for each row that arrives or moved and `TABLE_ROW_MODIFIED`
    /// for each that stays with other values (a heading's counts, a changed leaf), each with
    /// the row before it in the new layout. The rows that stay in place are the longest run
    /// of old rows still in the same order (O(n log n)).
    fn relayout(&mut self, table: &TableShared, new: Vec<Arc<Row>>, out: &mut Vec<Pending>) {
        let old = core::mem::take(&mut self.rows).into_vec();
        let old_at: HashMap<Shown, usize> = old
            .iter()
            .enumerate()
            .map(|(at, row)| (Shown::of(row), at))
            .collect();
        let who: Vec<Shown> = new.iter().map(|row| Shown::of(row)).collect();
        let matched: Vec<Option<usize>> = who.iter().map(|w| old_at.get(w).copied()).collect();
        let new_at: HashMap<&Shown, usize> =
            who.iter().enumerate().map(|(at, w)| (w, at)).collect();
        self.cursor = old[self.cursor.min(old.len())..]
            .iter()
            .find_map(|row| new_at.get(&Shown::of(row)).copied())
            .unwrap_or(new.len());
        if !self.sinks.is_empty() {
            let kept = in_order(&matched);
            let mut stays = vec![false; old.len()];
            for (at, from) in matched.iter().enumerate() {
                if let (true, Some(from)) = (kept[at], from) {
                    stays[*from] = true;
                }
            }
            for (row, _) in old.iter().zip(&stays).filter(|(_, stays)| !**stays) {
                out.extend(self.notice(table, TABLE_ROW_DELETED, row, None));
            }
            for (at, row) in new.iter().enumerate() {
                let event = match matched[at] {
                    Some(from) if kept[at] => {
                        if same_values(&old[from], row) {
                            continue;
                        }
                        TABLE_ROW_MODIFIED
                    }
                    _ => TABLE_ROW_ADDED,
                };
                let prior = at.checked_sub(1).map(|before| &*new[before]);
                out.extend(self.notice(table, event, row, Some(prior)));
            }
        }
        self.rows = OrderedRows::from_vec(new);
    }

    fn mark_at(&self, at: usize) -> Mark {
        self.rows.get(at).map_or(Mark::End, |row| Mark::Row {
            row: row.clone(),
            gone: false,
        })
    }

    /// A notification for this view's sinks about `row` at `at`, if it has sinks.
    fn pending(
        &self,
        table: &TableShared,
        event: u32,
        row: &Row,
        at: Option<usize>,
    ) -> Option<Pending> {
        let prior = at.map(|at| at.checked_sub(1).and_then(|before| self.rows.get(before)));
        self.notice(table, event, row, prior.map(|p| p.map(|p| &**p)))
    }

    /// A notification for this view's sinks about `row`, if it has sinks: with `prior` (the
    /// row before it, `None` when first) and the row's columns, or neither for a deletion.
    fn notice(
        &self,
        table: &TableShared,
        event: u32,
        row: &Row,
        prior: Option<Option<&Row>>,
    ) -> Option<Pending> {
        if self.sinks.is_empty() {
            return None;
        }
        let index_of = |row: &Row| {
            row.get(table.index_tag())
                .cloned()
                .unwrap_or_else(Pending::null)
        };
        let cells = match prior {
            Some(_) => self
                .columns
                .iter()
                .map(|&tag| {
                    let (id, value) = cell(row, tag);
                    Property::new(id, value.into_owned())
                })
                .collect(),
            None => Vec::new(),
        };
        Some(Pending {
            sinks: self.sinks.iter().map(|(_, s)| s.clone()).collect(),
            event,
            index: index_of(row),
            prior: prior.flatten().map_or_else(Pending::null, index_of),
            row: cells,
        })
    }
}

/// Which row of a categorized view a row is, whatever its version: a heading by its instance
/// key, a leaf (or an instance row) by its number.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Shown {
    Heading(Vec<u8>),
    Leaf(u64),
}

impl Shown {
    fn of(row: &Row) -> Self {
        match row.value(PR_INSTANCE_KEY) {
            Some(PropValue::Binary(key)) if row.is_heading() => Shown::Heading(key.clone()),
            _ => Shown::Leaf(row.id()),
        }
    }
}

/// Whether a row of a categorized view stays as it was: a heading with the same values (its
/// counts, its state, its aggregate), a leaf showing the same version of its table row.
fn same_values(old: &Row, new: &Row) -> bool {
    if new.is_heading() {
        old.props() == new.props()
    } else {
        core::ptr::eq(old.source(), new.source())
    }
}

/// For each entry, whether it is in a longest strictly increasing run of the `Some` values
/// (the rows of a new layout that keep their old order; `None`, a new row, is in none).
fn in_order(values: &[Option<usize>]) -> Vec<bool> {
    // Patience sorting: `tails[k]` ends the best run of length k + 1 found so far, `before`
    // links each entry to the one before it in its run.
    let mut tails: Vec<usize> = Vec::new();
    let mut before = vec![usize::MAX; values.len()];
    for (at, value) in values.iter().enumerate() {
        let Some(value) = value else { continue };
        let len = tails.partition_point(|&t| values[t].expect("tails hold values") < *value);
        if len > 0 {
            before[at] = tails[len - 1];
        }
        if len == tails.len() {
            tails.push(at);
        } else {
            tails[len] = at;
        }
    }
    let mut kept = vec![false; values.len()];
    let mut at = tails.last().copied().unwrap_or(usize::MAX);
    while at != usize::MAX {
        kept[at] = true;
        at = before[at];
    }
    kept
}

/// `rows` (in any order) sorted by `keys`, ties broken by the table's order: the total order of
/// [`compare_rows`]. Each row's key values are looked up once, with its number, then sorted;
/// the rows are moved, not cloned (no reference count changes). One key whose values are all
/// Unicode text (the usual sort column) takes [`sort_by_text`]; anything else compares the
/// looked-up values with [`compare_present`](super::sort::compare_present).
fn sort_rows(keys: &[SortKey], rows: Vec<Arc<Row>>) -> Vec<Arc<Row>> {
    // Aggregate keys order categories, not rows (the layout applies them).
    let keys: Vec<SortKey> = keys.iter().filter(|k| k.orders_rows()).copied().collect();
    let order = match &keys[..] {
        [key] => sort_by_text(key, &rows).unwrap_or_else(|| sort_by_values(&keys, &rows)),
        _ => sort_by_values(&keys, &rows),
    };
    let mut slots: Vec<Option<Arc<Row>>> = rows.into_iter().map(Some).collect();
    order
        .into_iter()
        .map(|at| slots[at].take().expect("a permutation"))
        .collect()
}

/// The order (indexes into `rows`) of a sort by several keys or by values other than Unicode
/// text: each row's cells looked up once, then compared in place.
fn sort_by_values(keys: &[SortKey], rows: &[Arc<Row>]) -> Vec<usize> {
    let width = keys.len();
    let cells: Vec<Option<&PropValue>> = rows
        .iter()
        .flat_map(|row| keys.iter().map(|key| row.value(key.tag)))
        .collect();
    let ranks: Vec<(u64, u64)> = rows.iter().map(|row| row.rank()).collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        let (x, y) = (&cells[a * width..][..width], &cells[b * width..][..width]);
        keys.iter()
            .zip(x.iter().zip(y))
            .map(|(key, (x, y))| {
                let order = super::sort::compare_present(*x, *y);
                if key.descending {
                    order.reverse()
                } else {
                    order
                }
            })
            .find(|o| o.is_ne())
            .unwrap_or_else(|| ranks[a].cmp(&ranks[b]))
    });
    order
}

/// One row in a sort by Unicode text: the text's first 16 bytes as two big-endian numbers
/// (zero-padded), and the row's index in the rows sorted.
///
/// Text orders by code point, which is the order of its UTF-8 bytes, and the padded prefixes
/// of two strings order as the strings do unless they are equal. So the rows are sorted by
/// the numbers held here first, with no string read (the strings lie elsewhere in memory, a
/// cache miss each) and the cheapest comparison there is; then each run of equal prefixes,
/// usually of one row, is sorted by the whole strings and the table's order. 24 bytes, so that
/// the sort moves little.
struct TextCell {
    prefix: (u64, u64),
    at: u32,
}

/// The order of a sort by one key whose values are all Unicode text (rows without a value
/// sort after the others, before them descending, in the table's order); `None` when some
/// value is of another type (or there are more rows than a `u32` counts).
fn sort_by_text(key: &SortKey, rows: &[Arc<Row>]) -> Option<Vec<usize>> {
    use core::cmp::Reverse;
    u32::try_from(rows.len()).ok()?;
    let mut cells = Vec::with_capacity(rows.len());
    // By index into `rows`: the text (empty for a row without one).
    let mut texts = Vec::with_capacity(rows.len());
    let mut missing = Vec::new();
    for (at, row) in rows.iter().enumerate() {
        match row.value(key.tag) {
            Some(PropValue::Unicode(text)) => {
                let mut head = [0u8; 16];
                let n = text.len().min(16);
                head[..n].copy_from_slice(&text.as_bytes()[..n]);
                let (high, low) = head.split_at(8);
                cells.push(TextCell {
                    prefix: (
                        u64::from_be_bytes(high.try_into().expect("8 bytes")),
                        u64::from_be_bytes(low.try_into().expect("8 bytes")),
                    ),
                    at: at as u32,
                });
                texts.push(text.as_str());
            }
            None => {
                missing.push(at);
                texts.push("");
            }
            Some(_) => return None,
        }
    }
    if key.descending {
        cells.sort_unstable_by_key(|c| Reverse(c.prefix));
    } else {
        cells.sort_unstable_by_key(|c| c.prefix);
    }
    let rank = |c: &TextCell| rows[c.at as usize].rank();
    for run in cells.chunk_by_mut(|a, b| a.prefix == b.prefix) {
        if run.len() > 1 {
            run.sort_unstable_by(|a, b| {
                let (x, y) = (texts[a.at as usize], texts[b.at as usize]);
                let order = if key.descending { y.cmp(x) } else { x.cmp(y) };
                order.then_with(|| rank(a).cmp(&rank(b)))
            });
        }
    }
    missing.sort_unstable_by_key(|&at| rows[at].rank());
    let present = cells.into_iter().map(|c| c.at as usize);
    Some(if key.descending {
        missing.into_iter().chain(present).collect()
    } else {
        present.chain(missing).collect()
    })
}

/// The state of one view that the table reaches (to apply changes) and the view object owns.
pub(crate) struct ViewShared {
    state: Mutex<ViewState>,
}

impl ViewShared {
    fn lock(&self) -> MutexGuard<'_, ViewState> {
        crate::sync::lock(&self.state)
    }

    pub(crate) fn on_added(&self, table: &TableShared, row: &Arc<Row>, out: &mut Vec<Pending>) {
        let mut view = self.lock();
        if view.categories.is_some() {
            let arriving = if view.visible(row) {
                view.instances(row)
            } else {
                Vec::new()
            };
            view.change_leaves(table, Vec::new(), arriving, out);
            return;
        }
        if view.visible(row) {
            for shown in view.instances(row) {
                let at = view.insert(shown.clone());
                out.extend(view.pending(table, TABLE_ROW_ADDED, &shown, Some(at)));
            }
        }
    }

    pub(crate) fn on_deleted(&self, table: &TableShared, old: &Arc<Row>, out: &mut Vec<Pending>) {
        self.on_modified(table, old, None, out);
    }

    /// A table row changed (`new`) or went (`None`): its instances leave, change or arrive.
    pub(crate) fn on_modified(
        &self,
        table: &TableShared,
        old: &Arc<Row>,
        new: Option<&Arc<Row>>,
        out: &mut Vec<Pending>,
    ) {
        let mut view = self.lock();
        if view.categories.is_some() {
            let gone = view.instances(old);
            let arriving = match new {
                Some(new) if view.visible(new) => view.instances(new),
                _ => Vec::new(),
            };
            view.change_leaves(table, gone, arriving, out);
            return;
        }
        // The old instances the view shows, taken out (an instance row is rebuilt equal to the
        // one shown, so it finds its place).
        let mut cursor_on = None;
        let mut gone = Vec::new();
        for shown in view.instances(old) {
            if let Ok(at) = view.place(&shown) {
                if at == view.cursor {
                    cursor_on = Some(shown.id());
                }
                view.remove(at);
                gone.push(shown);
            }
        }
        let arriving = match new {
            Some(new) if view.visible(new) => view.instances(new),
            _ => Vec::new(),
        };
        for shown in arriving {
            let to = view.insert(shown.clone());
            if cursor_on == Some(shown.id()) {
                view.cursor = to;
            }
            let event = match gone.iter().position(|g| g.id() == shown.id()) {
                Some(at) => {
                    gone.swap_remove(at);
                    view.follow(shown.id(), Some(&shown));
                    TABLE_ROW_MODIFIED
                }
                None => TABLE_ROW_ADDED,
            };
            out.extend(view.pending(table, event, &shown, Some(to)));
        }
        for shown in gone {
            view.follow(shown.id(), None);
            out.extend(view.pending(table, TABLE_ROW_DELETED, &shown, None));
        }
    }

    pub(crate) fn on_reload(&self, all: &[Arc<Row>], out: &mut Vec<Pending>) {
        let mut view = self.lock();
        view.rebuild(all.iter());
        out.extend(view.reload_notice());
    }
}

/// What column `tag` of `row` shows: the ID and the value, converted to the column's text
/// width; `PT_ERROR` `MAPI_E_NOT_FOUND` when the row lacks it or has it with another type,
/// and the conversion's error for Unicode text with no 8-bit form.
fn cell(row: &Row, tag: u32) -> (u16, Cow<'_, PropValue>) {
    cell_of(tag, |tag| row.get(tag))
}

/// [`cell`] of the property `get(tag)` finds (not called for `PR_NULL`).
fn cell_of<'r>(
    tag: u32,
    get: impl FnOnce(u32) -> Option<&'r Property>,
) -> (u16, Cow<'r, PropValue>) {
    let id = prop_id(tag) as u16;
    if tag == PR_NULL {
        // A placeholder column a client reserves: it reads as itself.
        return (id, Cow::Owned(PropValue::Null));
    }
    let missing = || Cow::Owned(PropValue::Error(MAPI_E_NOT_FOUND));
    let Some(prop) = get(tag) else {
        return (id, missing());
    };
    let want = prop_type(tag);
    let value = &prop.value;
    if want == PT_UNSPECIFIED || matches!(value, PropValue::Error(_)) {
        return (id, Cow::Borrowed(value));
    }
    if !super::shows_as(value, tag) {
        return (id, missing());
    }
    let unicode = want & !(MV_FLAG | MV_INSTANCE) == PT_UNICODE;
    match value.with_text_width(unicode) {
        Ok(value) => (id, value),
        Err(error) => (id, Cow::Owned(PropValue::Error(error.code()))),
    }
}

/// The rows `start..end` of `view` in its columns, as MAPI requires a row set: one block per
/// row and one for the set.
fn row_set(
    view: &ViewState,
    allocators: &crate::alloc::AllocatorSet,
    start: usize,
    end: usize,
) -> crate::com::Result<crate::alloc::props::RowSetBuf> {
    // Each row's cells in their wire form, borrowing from the rows while the view is locked,
    // one row at a time in one reused vector (QueryRows may ask for thousands of rows).
    let end = end.min(view.rows.len());
    let mut rows = view.rows.range(start, end);
    let count = end.saturating_sub(start);
    // Where each column was in the last row's own properties (Row::get_hinted).
    let mut hints = vec![0; view.columns.len()];
    crate::alloc::props::rows_with(allocators, count, |_, cells: &mut Vec<WireProp<'_>>| {
        let row = rows.next().expect("as many rows as asked for");
        let found = view.columns.iter().zip(hints.iter_mut());
        cells.extend(found.map(|(&tag, hint)| {
            match cell_of(tag, |tag| row.get_hinted(tag, hint)) {
                (id, Cow::Borrowed(value)) => WireProp::new(id, value.as_value()),
                (id, Cow::Owned(value)) => WireProp::new(id, value.into_value()),
            }
        }));
    })
}

/// The `cb` bytes at `ptr` (none for 0), `MAPI_E_INVALID_PARAMETER` for NULL with a count
/// (naming `method`'s `argument`).
///
/// # Safety
///
/// A non-NULL `ptr` points to `cb` readable bytes that outlive `'a`.
unsafe fn bytes<'a>(
    method: &str,
    argument: &str,
    ptr: *const u8,
    cb: u32,
) -> Result<&'a [u8], ProviderError> {
    match (ptr.is_null(), cb) {
        (_, 0) => Ok(&[]),
        (true, _) => Err(invalid(format!(
            "{method}: {argument} is NULL with a count of {cb}"
        ))),
        // SAFETY: `cb` bytes at `ptr` (caller).
        (false, cb) => Ok(unsafe { core::slice::from_raw_parts(ptr, cb as usize) }),
    }
}

/// `MAPIERROR::lpszComponent` of a table view's errors.
const COMPONENT: &str = "mapi-spi table";

/// The `IMAPITable` object of a view (see the module's rules). `GetLastError` describes the
/// last of its calls that failed ([`LastError`]).
#[mapi_object(IMAPITable)]
pub struct TableView {
    table: Arc<TableShared>,
    view: Arc<ViewShared>,
    last_error: LastError,
}

impl TableView {
    /// A new view of `table`, registered so that changes reach it.
    pub(crate) fn create(table: Arc<TableShared>) -> IMAPITable {
        let view = {
            let mut state = table.write();
            let mut view = ViewState {
                columns: table.columns().to_vec(),
                sort: Vec::new(),
                restriction: None,
                sub_objects: None,
                rows: OrderedRows::default(),
                cursor: 0,
                bookmarks: HashMap::new(),
                sinks: Vec::new(),
                next_connection: 1,
                mvi: None,
                index_tag: table.index_tag(),
                categories: None,
                leaves: Vec::new(),
            };
            view.rebuild(state.rows());
            let view = Arc::new(ViewShared {
                state: Mutex::new(view),
            });
            state.views.push(Arc::downgrade(&view));
            view
        };
        let last_error = LastError::new(COMPONENT);
        crate::com::ComObject::new(TableView {
            table,
            view,
            last_error,
        })
        .into_interface()
    }

    /// A method's answer: its code, a failure kept for `GetLastError` first.
    fn answer(&self, body: impl FnOnce() -> ProviderResult<HRESULT>) -> HRESULT {
        self.last_error.answer(body())
    }

    /// A caller's restriction, refused as the `restrict` module says, and
    /// `MAPI_E_TOO_COMPLEX` for a `RES_SUBRESTRICTION` when the table has no sub-objects.
    ///
    /// # Safety
    ///
    /// As [`Restriction::from_raw`].
    unsafe fn restriction(&self, raw: *const SRestriction) -> ProviderResult<Restriction> {
        // SAFETY: the caller's contract.
        let restriction = unsafe { Restriction::from_raw(raw) }?;
        if restriction.has_sub() && self.table.sub_objects().is_none() {
            return Err(ProviderError::new(
                MAPI_E_TOO_COMPLEX,
                "RES_SUBRESTRICTION is not supported: this table's rows have no recipients or \
                 attachments to search",
            ));
        }
        Ok(restriction)
    }

    /// The table then the view, locked in that order.
    fn both(
        &self,
    ) -> (
        std::sync::RwLockReadGuard<'_, TableState>,
        MutexGuard<'_, ViewState>,
    ) {
        let table = self.table.read();
        (table, self.view.lock())
    }

    /// Applies new columns, restriction and sort order (each `None` keeps the current one),
    /// rebuilding the view when its rows change: always for a restriction or a sort order, and
    /// for columns when their instance column does. `MAPI_E_TOO_COMPLEX`, with nothing changed,
    /// when the columns and the sort order would have two instance columns.
    fn reshape(
        &self,
        columns: Option<Vec<u32>>,
        restriction: Option<Option<Restriction>>,
        sort: Option<SortOrder>,
    ) -> ProviderResult<HRESULT> {
        let (table, mut view) = self.both();
        let mvi = {
            let columns = columns.as_deref().unwrap_or(&view.columns);
            let sort = sort.as_ref().map_or(&view.sort[..], |s| &s.keys[..]);
            instance_column(columns, sort)?
        };
        // A new sort order alone re-sorts the rows the view has; anything else that changes
        // which rows show, and categories (whose headings are laid out from the table's rows),
        // rebuilds them from the table's.
        let categorized =
            view.categories.is_some() || sort.as_ref().is_some_and(|order| order.categories > 0);
        let rebuild = restriction.is_some() || mvi != view.mvi || categorized;
        let resort = sort.is_some() && !rebuild;
        // The rows stay in the order of the view's keys through every change, so the same
        // keys again need no sort (clients do re-apply the order they have).
        let same_order = sort.as_ref().is_some_and(|order| order.keys == view.sort);
        if let Some(columns) = columns {
            view.columns = columns;
        }
        if let Some(restriction) = restriction {
            view.sub_objects = restriction
                .as_ref()
                .is_some_and(Restriction::has_sub)
                .then(|| self.table.sub_objects())
                .flatten();
            view.restriction = restriction;
        }
        if let Some(sort) = sort {
            view.categories = (sort.categories > 0)
                .then(|| Categories::new(&sort.keys, sort.categories, sort.expanded));
            view.sort = sort.keys;
        }
        view.mvi = mvi;
        if rebuild {
            view.rebuild(table.rows());
        } else if resort && same_order {
            view.cursor = 0;
            view.bookmarks.clear();
        } else if resort {
            view.resort();
        }
        Ok(S_OK)
    }
}

/// The one instance column (`MVI_FLAG`) of `columns` and `sort`, if any; several (rows that
/// would show M x N instances) are `MAPI_E_TOO_COMPLEX`.
fn instance_column(columns: &[u32], sort: &[SortKey]) -> ProviderResult<Option<u32>> {
    let mut found = None;
    for tag in columns.iter().copied().chain(sort.iter().map(|k| k.tag)) {
        if prop_type(tag) & MV_INSTANCE == 0 {
            continue;
        }
        match found {
            None => found = Some(tag),
            Some(seen) if seen == tag => {}
            Some(seen) => {
                return Err(ProviderError::new(
                    MAPI_E_TOO_COMPLEX,
                    format!(
                        "two instance columns (MVI_FLAG), 0x{seen:08X} and 0x{tag:08X}: a view \
                         shows one"
                    ),
                ));
            }
        }
    }
    Ok(found)
}

/// Writes through an out-pointer the caller gave, after the NULL check.
///
/// # Safety
///
/// `out` is non-NULL and valid for a write of `T` (possibly unaligned).
unsafe fn put<T>(out: *mut T, value: T) {
    // SAFETY: the caller's contract.
    unsafe { out.write_unaligned(value) }
}

impl IMAPITableImpl for TableView {
    /// The last failure of this view's methods, when `hResult` is its code.
    unsafe fn GetLastError(
        this: &Object<Self>,
        hResult: HRESULT,
        ulFlags: u32,
        lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT {
        // SAFETY: the caller's out-pointer, NULL or writable.
        unsafe {
            this.last_error
                .get_last_error(hResult, ulFlags, this.table.allocators(), lppMAPIError)
        }
    }

    unsafe fn Advise(
        this: &Object<Self>,
        ulEventMask: u32,
        lpAdviseSink: Option<&IMAPIAdviseSink>,
        lpulConnection: *mut usize,
    ) -> HRESULT {
        this.answer(|| {
            let Some(sink) = lpAdviseSink else {
                return Err(null("Advise", "lpAdviseSink"));
            };
            if lpulConnection.is_null() {
                return Err(null("Advise", "lpulConnection"));
            }
            if ulEventMask != fnevTableModified {
                return Err(invalid(format!(
                    "Advise: event mask 0x{ulEventMask:08X}; a table sends fnevTableModified only"
                )));
            }
            let mut view = this.view.lock();
            let connection = view.next_connection;
            view.next_connection += 1;
            view.sinks.push((connection, Sink(sink.clone())));
            // SAFETY: checked non-NULL.
            unsafe { put(lpulConnection, connection) };
            Ok(S_OK)
        })
    }

    unsafe fn Unadvise(this: &Object<Self>, ulConnection: usize) -> HRESULT {
        let removed = {
            let mut view = this.view.lock();
            let at = view.sinks.iter().position(|(c, _)| *c == ulConnection);
            at.map(|at| view.sinks.remove(at))
        };
        // The sink is released here, after the lock: its Release may call back.
        this.answer(|| match removed {
            Some(_) => Ok(S_OK),
            None => Err(ProviderError::new(
                MAPI_E_NOT_FOUND,
                format!("Unadvise: no connection {ulConnection}"),
            )),
        })
    }

    unsafe fn GetStatus(
        this: &Object<Self>,
        lpulTableStatus: *mut u32,
        lpulTableType: *mut u32,
    ) -> HRESULT {
        this.answer(|| {
            if lpulTableStatus.is_null() || lpulTableType.is_null() {
                return Err(null("GetStatus", "lpulTableStatus or lpulTableType"));
            }
            // SAFETY: checked non-NULL.
            unsafe {
                put(lpulTableStatus, TBLSTAT_COMPLETE);
                put(lpulTableType, TBLTYPE_DYNAMIC);
            }
            Ok(S_OK)
        })
    }

    unsafe fn SetColumns(
        this: &Object<Self>,
        lpPropTagArray: *mut SPropTagArray,
        ulFlags: u32,
    ) -> HRESULT {
        this.answer(|| {
            check_flags(ulFlags, TBL_ASYNC | TBL_BATCH)?;
            // SAFETY: the caller's tag array, NULL or `cValues` tags.
            let Some(tags) = (unsafe { crate::props::value::tags_from_raw(lpPropTagArray) }) else {
                return Err(null("SetColumns", "lpPropTagArray"));
            };
            if tags.is_empty() {
                return Err(invalid("SetColumns: no columns"));
            }
            for &tag in &tags {
                let kind = prop_type(tag);
                let valid = if kind & MV_INSTANCE != 0 {
                    kind & MV_FLAG != 0 && is_value_type(kind & !MV_INSTANCE)
                } else {
                    is_value_type(kind) || kind == PT_UNSPECIFIED
                };
                if !valid {
                    return Err(invalid(format!(
                        "SetColumns: column 0x{tag:08X} has no type a value has"
                    )));
                }
            }
            this.reshape(Some(tags), None, None)
        })
    }

    unsafe fn QueryColumns(
        this: &Object<Self>,
        ulFlags: u32,
        lpPropTagArray: *mut *mut SPropTagArray,
    ) -> HRESULT {
        this.answer(|| {
            if lpPropTagArray.is_null() {
                return Err(null("QueryColumns", "lpPropTagArray"));
            }
            check_flags(ulFlags, TBL_ALL_COLUMNS)?;
            let tags = if ulFlags & TBL_ALL_COLUMNS != 0 {
                // The default columns, then every other column a row has, by tag.
                let table = this.table.read();
                let mut tags = this.table.columns().to_vec();
                let mut others: Vec<u32> = table
                    .rows()
                    .flat_map(|row| row.props().iter().map(Property::tag))
                    .chain(this.table.common().iter().map(Property::tag))
                    .filter(|tag| !tags.contains(tag))
                    .collect();
                others.sort_unstable();
                others.dedup();
                tags.extend(others);
                tags
            } else {
                this.view.lock().columns.clone()
            };
            let block = crate::alloc::builders::prop_tags(this.table.allocators(), &tags)?;
            // SAFETY: checked non-NULL.
            unsafe { put(lpPropTagArray, block.into_raw().cast()) };
            Ok(S_OK)
        })
    }

    unsafe fn GetRowCount(this: &Object<Self>, ulFlags: u32, lpulCount: *mut u32) -> HRESULT {
        this.table.refresh();
        this.answer(|| {
            if lpulCount.is_null() {
                return Err(null("GetRowCount", "lpulCount"));
            }
            check_flags(ulFlags, 0)?;
            let count = this.view.lock().rows.len();
            // SAFETY: checked non-NULL.
            unsafe { put(lpulCount, u32::try_from(count).unwrap_or(u32::MAX)) };
            Ok(S_OK)
        })
    }

    unsafe fn SeekRow(
        this: &Object<Self>,
        bkOrigin: BOOKMARK,
        lRowCount: i32,
        lplRowsSought: *mut i32,
    ) -> HRESULT {
        this.table.refresh();
        this.answer(|| {
            let mut view = this.view.lock();
            let (origin, moved) = view.resolve(bkOrigin)?;
            let target = (origin as i64 + i64::from(lRowCount)).clamp(0, view.rows.len() as i64);
            view.cursor = target as usize;
            if !lplRowsSought.is_null() {
                // SAFETY: checked non-NULL; |target - origin| <= |lRowCount|.
                unsafe { put(lplRowsSought, (target - origin as i64) as i32) };
            }
            Ok(if moved { MAPI_W_POSITION_CHANGED } else { S_OK })
        })
    }

    unsafe fn SeekRowApprox(this: &Object<Self>, ulNumerator: u32, ulDenominator: u32) -> HRESULT {
        this.table.refresh();
        this.answer(|| {
            if ulDenominator == 0 {
                return Err(invalid("SeekRowApprox: ulDenominator is 0"));
            }
            let mut view = this.view.lock();
            let len = view.rows.len() as u128;
            let at = (len * u128::from(ulNumerator) / u128::from(ulDenominator)).min(len);
            view.cursor = at as usize;
            Ok(S_OK)
        })
    }

    unsafe fn QueryPosition(
        this: &Object<Self>,
        lpulRow: *mut u32,
        lpulNumerator: *mut u32,
        lpulDenominator: *mut u32,
    ) -> HRESULT {
        this.table.refresh();
        this.answer(|| {
            if lpulRow.is_null() || lpulNumerator.is_null() || lpulDenominator.is_null() {
                return Err(null(
                    "QueryPosition",
                    "lpulRow, lpulNumerator or lpulDenominator",
                ));
            }
            let view = this.view.lock();
            let row = u32::try_from(view.cursor).unwrap_or(u32::MAX);
            let count = u32::try_from(view.rows.len()).unwrap_or(u32::MAX);
            // SAFETY: checked non-NULL.
            unsafe {
                put(lpulRow, row);
                put(lpulNumerator, row);
                put(lpulDenominator, count.max(1));
            }
            Ok(S_OK)
        })
    }

    unsafe fn FindRow(
        this: &Object<Self>,
        lpRestriction: *mut SRestriction,
        bkOrigin: BOOKMARK,
        ulFlags: u32,
    ) -> HRESULT {
        this.table.refresh();
        this.answer(|| {
            if lpRestriction.is_null() {
                return Err(null("FindRow", "lpRestriction"));
            }
            check_flags(ulFlags, DIR_BACKWARD)?;
            // SAFETY: the caller's restriction tree.
            let restriction = unsafe { this.restriction(lpRestriction) }?;
            let sub_objects = this.table.sub_objects();
            let matches =
                |row: &Row| restriction.matches_with(row.source(), sub_objects.as_deref());
            let mut view = this.view.lock();
            let (origin, moved) = view.resolve(bkOrigin)?;
            let found = if ulFlags & DIR_BACKWARD != 0 {
                view.rows
                    .range(0, origin)
                    .rev()
                    .position(|r| matches(r))
                    .map(|back| origin - 1 - back)
            } else {
                view.rows
                    .range(origin, view.rows.len())
                    .position(|r| matches(r))
                    .map(|at| origin + at)
            };
            let Some(at) = found else {
                let direction = if ulFlags & DIR_BACKWARD != 0 {
                    "before"
                } else {
                    "from"
                };
                return Err(ProviderError::new(
                    MAPI_E_NOT_FOUND,
                    format!("FindRow: no row {direction} the origin matches the restriction"),
                ));
            };
            view.cursor = at;
            Ok(if moved { MAPI_W_POSITION_CHANGED } else { S_OK })
        })
    }

    unsafe fn Restrict(
        this: &Object<Self>,
        lpRestriction: *mut SRestriction,
        ulFlags: u32,
    ) -> HRESULT {
        this.answer(|| {
            check_flags(ulFlags, TBL_ASYNC | TBL_BATCH)?;
            let restriction = if lpRestriction.is_null() {
                None
            } else {
                // SAFETY: the caller's restriction tree.
                Some(unsafe { this.restriction(lpRestriction) }?)
            };
            this.reshape(None, Some(restriction), None)
        })
    }

    unsafe fn CreateBookmark(this: &Object<Self>, lpbkPosition: *mut BOOKMARK) -> HRESULT {
        this.answer(|| {
            if lpbkPosition.is_null() {
                return Err(null("CreateBookmark", "lpbkPosition"));
            }
            let mut view = this.view.lock();
            if view.bookmarks.len() >= MAX_BOOKMARKS {
                return Err(ProviderError::new(
                    MAPI_E_UNABLE_TO_COMPLETE,
                    format!(
                        "CreateBookmark: the view holds {MAX_BOOKMARKS} bookmarks, its limit; \
                         free some with FreeBookmark"
                    ),
                ));
            }
            let bookmark = NEXT_BOOKMARK.fetch_add(1, AtomicOrdering::Relaxed);
            let mark = view.mark_at(view.cursor);
            view.bookmarks.insert(bookmark, mark);
            // SAFETY: checked non-NULL.
            unsafe { put(lpbkPosition, bookmark) };
            Ok(S_OK)
        })
    }

    unsafe fn FreeBookmark(this: &Object<Self>, bkPosition: BOOKMARK) -> HRESULT {
        if bkPosition <= BOOKMARK_END {
            return S_OK;
        }
        let removed = this.view.lock().bookmarks.remove(&bkPosition);
        this.answer(|| match removed {
            Some(_) => Ok(S_OK),
            None => Err(unknown_bookmark(bkPosition)),
        })
    }

    unsafe fn SortTable(
        this: &Object<Self>,
        lpSortCriteria: *mut SSortOrderSet,
        ulFlags: u32,
    ) -> HRESULT {
        this.answer(|| {
            check_flags(ulFlags, TBL_ASYNC | TBL_BATCH)?;
            // SAFETY: the caller's sort order set, NULL or `cSorts` keys.
            let order = unsafe { sort_order_from_raw(lpSortCriteria) }?;
            this.reshape(None, None, Some(order))
        })
    }

    unsafe fn QuerySortOrder(
        this: &Object<Self>,
        lppSortCriteria: *mut *mut SSortOrderSet,
    ) -> HRESULT {
        use core::mem::offset_of;
        this.answer(|| {
            if lppSortCriteria.is_null() {
                return Err(null("QuerySortOrder", "lppSortCriteria"));
            }
            let (keys, categories, expanded) = {
                let view = this.view.lock();
                let keys: Vec<SSortOrder> = view.sort.iter().map(|k| k.to_raw()).collect();
                let levels = view
                    .categories
                    .as_ref()
                    .map_or((0, 0), |c| (c.categories, c.expanded));
                (keys, levels.0 as u32, levels.1 as u32)
            };
            let block = this
                .table
                .allocators()
                .allocate(cb_new_ssortorderset(keys.len()))?;
            block.write(offset_of!(SSortOrderSet, cSorts), keys.len() as u32);
            block.write(offset_of!(SSortOrderSet, cCategories), categories);
            block.write(offset_of!(SSortOrderSet, cExpanded), expanded);
            block.write_slice(offset_of!(SSortOrderSet, aSort), &keys);
            // SAFETY: checked non-NULL.
            unsafe { put(lppSortCriteria, block.into_raw().cast()) };
            Ok(S_OK)
        })
    }

    unsafe fn QueryRows(
        this: &Object<Self>,
        lRowCount: i32,
        ulFlags: u32,
        lppRows: *mut *mut SRowSet,
    ) -> HRESULT {
        this.table.refresh();
        this.answer(|| {
            if lppRows.is_null() {
                return Err(null("QueryRows", "lppRows"));
            }
            if lRowCount == 0 {
                return Err(invalid("QueryRows: lRowCount is 0"));
            }
            check_flags(ulFlags, TBL_NOADVANCE)?;
            let mut view = this.view.lock();
            let count = lRowCount.unsigned_abs() as usize;
            let (start, end) = if lRowCount > 0 {
                (
                    view.cursor,
                    view.cursor.saturating_add(count).min(view.rows.len()),
                )
            } else {
                (view.cursor.saturating_sub(count), view.cursor)
            };
            let set = row_set(&view, this.table.allocators(), start, end)?;
            if ulFlags & TBL_NOADVANCE == 0 {
                view.cursor = if lRowCount > 0 { end } else { start };
            }
            // SAFETY: checked non-NULL.
            unsafe { put(lppRows, set.into_raw()) };
            Ok(S_OK)
        })
    }

    unsafe fn ExpandRow(
        this: &Object<Self>,
        cbInstanceKey: u32,
        pbInstanceKey: *mut u8,
        ulRowCount: u32,
        ulFlags: u32,
        lppRows: *mut *mut SRowSet,
        lpulMoreRows: *mut u32,
    ) -> HRESULT {
        this.answer(|| {
            check_flags(ulFlags, 0)?;
            if lpulMoreRows.is_null() {
                return Err(null("ExpandRow", "lpulMoreRows"));
            }
            if lppRows.is_null() && ulRowCount > 0 {
                return Err(null("ExpandRow", "lppRows (with a row count)"));
            }
            // SAFETY: the caller's `cbInstanceKey` bytes.
            let key = unsafe { bytes("ExpandRow", "pbInstanceKey", pbInstanceKey, cbInstanceKey) }?;
            let mut view = this.view.lock();
            let (at, before) = view.expand("ExpandRow", key, true)?;
            let added = view.rows.len() - before;
            let end = at + 1 + added.min(ulRowCount as usize);
            if !lppRows.is_null() {
                let set = row_set(&view, this.table.allocators(), at + 1, end)?;
                // SAFETY: checked non-NULL.
                unsafe { put(lppRows, set.into_raw()) };
            }
            // After the rows returned, or after the heading when none were.
            view.cursor = end;
            // SAFETY: checked non-NULL.
            unsafe { put(lpulMoreRows, added as u32) };
            Ok(S_OK)
        })
    }

    unsafe fn CollapseRow(
        this: &Object<Self>,
        cbInstanceKey: u32,
        pbInstanceKey: *mut u8,
        ulFlags: u32,
        lpulRowCount: *mut u32,
    ) -> HRESULT {
        this.answer(|| {
            check_flags(ulFlags, 0)?;
            if lpulRowCount.is_null() {
                return Err(null("CollapseRow", "lpulRowCount"));
            }
            // SAFETY: the caller's `cbInstanceKey` bytes.
            let key =
                unsafe { bytes("CollapseRow", "pbInstanceKey", pbInstanceKey, cbInstanceKey) }?;
            let mut view = this.view.lock();
            let (at, before) = view.expand("CollapseRow", key, false)?;
            let removed = before - view.rows.len();
            // A cursor in the rows removed goes to the row after the heading.
            if view.cursor > at + removed {
                view.cursor -= removed;
            } else if view.cursor > at {
                view.cursor = at + 1;
            }
            // SAFETY: checked non-NULL.
            unsafe { put(lpulRowCount, removed as u32) };
            Ok(S_OK)
        })
    }

    unsafe fn GetCollapseState(
        this: &Object<Self>,
        ulFlags: u32,
        lpbInstanceKey: &[u8],
        lpcbCollapseState: *mut u32,
        lppbCollapseState: *mut *mut u8,
    ) -> HRESULT {
        this.answer(|| {
            check_flags(ulFlags, 0)?;
            if lpcbCollapseState.is_null() || lppbCollapseState.is_null() {
                return Err(null(
                    "GetCollapseState",
                    "lpcbCollapseState or lppbCollapseState",
                ));
            }
            let state = match &this.view.lock().categories {
                Some(categories) => categories.save(lpbInstanceKey),
                None => return Err(uncategorized("GetCollapseState")),
            };
            let block = crate::alloc::builders::binary(this.table.allocators(), &state)?;
            // SAFETY: checked non-NULL.
            unsafe {
                put(lpcbCollapseState, state.len() as u32);
                put(lppbCollapseState, block.into_raw().cast());
            }
            Ok(S_OK)
        })
    }

    unsafe fn SetCollapseState(
        this: &Object<Self>,
        ulFlags: u32,
        cbCollapseState: u32,
        pbCollapseState: *mut u8,
        lpbkLocation: *mut BOOKMARK,
    ) -> HRESULT {
        this.answer(|| {
            check_flags(ulFlags, 0)?;
            if lpbkLocation.is_null() {
                return Err(null("SetCollapseState", "lpbkLocation"));
            }
            // SAFETY: the caller's `cbCollapseState` bytes.
            let state = unsafe {
                bytes(
                    "SetCollapseState",
                    "pbCollapseState",
                    pbCollapseState,
                    cbCollapseState,
                )
            }?;
            let mut view = this.view.lock();
            let Some(mut categories) = view.categories.clone() else {
                return Err(uncategorized("SetCollapseState"));
            };
            let position = categories.restore(state).map_err(|code| {
                ProviderError::new(
                    code,
                    "SetCollapseState: the state is not one GetCollapseState wrote",
                )
            })?;
            view.categories = Some(categories);
            view.lay_out();
            // The bookmark marks the row saved with the state, or the beginning when it is gone.
            let at = view
                .rows
                .range(0, view.rows.len())
                .position(|row| {
                    matches!(row.value(PR_INSTANCE_KEY), Some(PropValue::Binary(k)) if *k == position)
                })
                .unwrap_or(0);
            view.cursor = at;
            let bookmark = NEXT_BOOKMARK.fetch_add(1, AtomicOrdering::Relaxed);
            let mark = view.mark_at(at);
            view.bookmarks.insert(bookmark, mark);
            // SAFETY: checked non-NULL.
            unsafe { put(lpbkLocation, bookmark) };
            Ok(S_OK)
        })
    }

    unsafe fn Abort(_: &Object<Self>) -> HRESULT {
        S_OK
    }

    unsafe fn WaitForCompletion(
        this: &Object<Self>,
        ulFlags: u32,
        _ulTimeout: u32,
        lpulTableStatus: *mut u32,
    ) -> HRESULT {
        this.answer(|| {
            check_flags(ulFlags, 0)?;
            if !lpulTableStatus.is_null() {
                // SAFETY: checked non-NULL.
                unsafe { put(lpulTableStatus, TBLSTAT_COMPLETE) };
            }
            Ok(S_OK)
        })
    }
}

/// `MAPI_E_INVALID_PARAMETER`, saying what is wrong.
fn invalid(what: impl Into<String>) -> ProviderError {
    ProviderError::new(MAPI_E_INVALID_PARAMETER, what)
}

/// `MAPI_E_INVALID_BOOKMARK` for a bookmark this view did not make, or freed.
fn unknown_bookmark(bookmark: BOOKMARK) -> ProviderError {
    ProviderError::new(
        MAPI_E_INVALID_BOOKMARK,
        format!("bookmark {bookmark} is not one of this view's (never made here, or freed)"),
    )
}

/// `MAPI_E_NOT_FOUND` for an instance key no heading row of the view has.
fn no_heading(method: &str) -> ProviderError {
    ProviderError::new(
        MAPI_E_NOT_FOUND,
        format!("{method}: no heading row of the view has this instance key"),
    )
}

/// `MAPI_E_NO_SUPPORT` for a collapse state of a view without categories.
fn uncategorized(method: &str) -> ProviderError {
    ProviderError::new(
        MAPI_E_NO_SUPPORT,
        format!("{method}: the view has no categories (SortTable with cCategories makes them)"),
    )
}
