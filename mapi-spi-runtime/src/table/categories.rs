//! Categorized views (`SortTable` with `cCategories` > 0): heading rows grouping the rows by
//! their first sort keys, expanded or collapsed (`ExpandRow`, `CollapseRow`), and the state
//! that `GetCollapseState` saves and `SetCollapseState` restores.
//!
//! A view keeps its rows (the leaves) in sort order; what it shows is laid out from them:
//! for each distinct value of the first category a heading row, then, if the heading is
//! expanded, the headings of the next category level or the leaves. A category is one column,
//! or several joined by `TABLE_SORT_COMBINE` (one heading per distinct combination of their
//! values). Headings come in the order of their values, or, when the key after the category is
//! `TABLE_SORT_CATEG_MAX` or `_MIN` (an aggregate key), in the order of the largest or
//! smallest value of that key's column among each heading's rows, in the direction of the
//! category (a heading whose rows all lack the column last ascending, first descending; equal
//! aggregates in the order of the values); such a heading also shows that value in the
//! aggregate's column. An aggregate key orders headings only, never rows. A heading row has
//! `PR_INSTANCE_KEY` (made from its level and its category values, so it stays the same while
//! the category exists), `PR_ROW_TYPE` (`TBL_EXPANDED_CATEGORY` or `TBL_COLLAPSED_CATEGORY`),
//! `PR_DEPTH` (its level, from 0), `PR_CONTENT_COUNT` and `PR_CONTENT_UNREAD` (its leaves, and
//! those without `MSGFLAG_READ` in `PR_MESSAGE_FLAGS`), and the category columns of its level
//! and those above; a leaf adds `PR_ROW_TYPE` `TBL_LEAF_ROW` and `PR_DEPTH` (the number of
//! levels) to its own columns. The first `cExpanded` levels start expanded, the others
//! collapsed (counting levels: a combined category is one).
//!
//! A categorized view lays itself out again whenever its rows change, and tells its sinks the
//! difference between the two layouts row by row (headings included: a heading whose count
//! changes is `TABLE_ROW_MODIFIED`, one that moves under an aggregate is deleted and added
//! again), so that a client applying them in turn has the new layout; O(n log n) per change.
//! Expansions and collapses lay it out again too, and notify nobody, as the docs say. Its
//! cursor stays with its row and its bookmarks find theirs by identity (a heading by its
//! instance key, a leaf by its row); a bookmark whose row is hidden by a collapse or gone
//! moves to the nearest heading above it that shows, with `MAPI_W_POSITION_CHANGED`.

use std::collections::HashSet;
use std::sync::Arc;
use windows_core::HRESULT;

use super::Row;
use super::sort::{KeyRole, SortKey, compare_present, compare_values};
use crate::codes::MAPI_E_INVALID_PARAMETER;
use crate::flags::{MSGFLAG_READ, TBL_COLLAPSED_CATEGORY, TBL_EXPANDED_CATEGORY, TBL_LEAF_ROW};
use crate::props::{PropValue, Property};
use crate::tags::{
    PR_CONTENT_COUNT, PR_CONTENT_UNREAD, PR_DEPTH, PR_INSTANCE_KEY, PR_MESSAGE_FLAGS, PR_ROW_TYPE,
    prop_id,
};

/// One level of headings: the category columns it groups rows by, and the aggregate key
/// that orders its headings, if any.
#[derive(Clone, Debug)]
struct Level {
    columns: Vec<SortKey>,
    aggregate: Option<SortKey>,
}

/// The categories of a view: its heading levels, how many start expanded, and the headings
/// whose state differs from that start.
#[derive(Clone, Debug, Default)]
pub(crate) struct Categories {
    /// `cCategories` and `cExpanded` as the sort order set gave them (`QuerySortOrder`).
    pub(crate) categories: usize,
    pub(crate) expanded: usize,
    levels: Vec<Level>,
    /// Instance keys of the headings expanded or collapsed since.
    toggled: HashSet<Vec<u8>>,
}

impl Categories {
    /// The categories of a sort order whose first `categories` keys are category columns
    /// (checked as [`sort_order_from_raw`](super::sort::sort_order_from_raw) checks them).
    pub(crate) fn new(keys: &[SortKey], categories: usize, expanded: usize) -> Self {
        let mut levels: Vec<Level> = Vec::new();
        for (index, key) in keys.iter().enumerate() {
            match (key.role, levels.last_mut()) {
                (KeyRole::Sort, _) if index < categories => levels.push(Level {
                    columns: vec![*key],
                    aggregate: None,
                }),
                (KeyRole::Combine, Some(level)) => level.columns.push(*key),
                (KeyRole::CategMax | KeyRole::CategMin, Some(level)) => {
                    level.aggregate = Some(*key)
                }
                _ => {}
            }
        }
        Self {
            categories,
            expanded,
            levels,
            toggled: HashSet::new(),
        }
    }

    /// The instance keys of the headings above `row` (a leaf or a heading of this view),
    /// the nearest first.
    pub(crate) fn ancestors(&self, row: &Row) -> Vec<Vec<u8>> {
        let below = match (row.is_heading(), row.value(PR_DEPTH)) {
            (true, Some(PropValue::Long(level))) => *level as usize,
            (true, _) => 0,
            (false, _) => self.depth(),
        };
        (0..below.min(self.depth()))
            .rev()
            .map(|level| self.heading_key(level, row))
            .collect()
    }

    /// The number of heading levels (a leaf's `PR_DEPTH`).
    pub(crate) fn depth(&self) -> usize {
        self.levels.len()
    }

    /// Whether the heading `key` at `level` is expanded.
    fn is_expanded(&self, level: usize, key: &[u8]) -> bool {
        (level < self.expanded) != self.toggled.contains(key)
    }

    /// Sets the heading `key` at `level` expanded or collapsed; whether that changed it.
    pub(crate) fn set_expanded(&mut self, level: usize, key: &[u8], expanded: bool) -> bool {
        if self.is_expanded(level, key) == expanded {
            return false;
        }
        if !self.toggled.remove(key) {
            self.toggled.insert(key.to_vec());
        }
        true
    }

    /// The rows shown for `leaves` (sorted by the view's keys, so that each category's rows
    /// are together).
    pub(crate) fn layout(&self, leaves: &[Arc<Row>]) -> Vec<Arc<Row>> {
        let mut shown = Vec::new();
        self.level(leaves, 0, true, &mut shown);
        shown
    }

    fn level(&self, leaves: &[Arc<Row>], level: usize, visible: bool, shown: &mut Vec<Arc<Row>>) {
        let Some(spec) = self.levels.get(level) else {
            if visible {
                shown.extend(leaves.iter().map(|leaf| self.leaf(leaf)));
            }
            return;
        };
        // The runs of rows with equal values in every column of the category.
        let mut groups = Vec::new();
        let mut rest = leaves;
        while let Some(first) = rest.first() {
            let same = rest
                .iter()
                .take_while(|r| {
                    spec.columns
                        .iter()
                        .all(|k| compare_present(r.value(k.tag), first.value(k.tag)).is_eq())
                })
                .count();
            let (group, after) = rest.split_at(same);
            groups.push((group, None));
            rest = after;
        }
        if let Some(aggregate) = spec.aggregate {
            for (group, value) in &mut groups {
                let values = group.iter().filter_map(|r| r.value(aggregate.tag));
                *value = match aggregate.role {
                    KeyRole::CategMin => values.min_by(|a, b| compare_values(a, b)),
                    _ => values.max_by(|a, b| compare_values(a, b)),
                };
            }
            // Stable: equal aggregates keep the order of the category values.
            groups.sort_by(|(_, a), (_, b)| {
                let order = compare_present(*a, *b);
                if aggregate.descending {
                    order.reverse()
                } else {
                    order
                }
            });
        }
        for (group, value) in groups {
            let first = &group[0];
            let key = self.heading_key(level, first);
            let expanded = self.is_expanded(level, &key);
            if visible {
                let aggregate = spec.aggregate.zip(value);
                let row = self.heading(level, first, group, key, expanded, aggregate);
                shown.push(Arc::new(row));
            }
            self.level(group, level + 1, visible && expanded, shown);
        }
    }

    /// The category columns of `level` and the levels above it.
    fn columns(&self, level: usize) -> impl Iterator<Item = &SortKey> {
        self.levels[..=level].iter().flat_map(|l| &l.columns)
    }

    /// A leaf as a categorized view shows it: its own columns, `PR_ROW_TYPE` and `PR_DEPTH`.
    fn leaf(&self, leaf: &Arc<Row>) -> Arc<Row> {
        let mut props = leaf.props().to_vec();
        props.push(Property::for_tag(
            PR_ROW_TYPE,
            PropValue::Long(TBL_LEAF_ROW),
        ));
        props.push(Property::for_tag(
            PR_DEPTH,
            PropValue::Long(self.depth() as u32),
        ));
        Arc::new(Row::shown_for(leaf, props))
    }

    /// The state `GetCollapseState` returns: the toggled headings, then the key of the row
    /// to come back to. Each as a 4-byte little-endian length and the bytes; the count first.
    pub(crate) fn save(&self, position: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut put = |bytes: &[u8]| {
            out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(bytes);
        };
        let mut toggled: Vec<&Vec<u8>> = self.toggled.iter().collect();
        toggled.sort();
        put(&(toggled.len() as u32).to_le_bytes());
        for key in toggled {
            put(key);
        }
        put(position);
        out
    }

    /// Restores what [`save`](Self::save) wrote; the position's key.
    /// `MAPI_E_INVALID_PARAMETER` for bytes it did not write, with nothing changed.
    pub(crate) fn restore(&mut self, state: &[u8]) -> Result<Vec<u8>, HRESULT> {
        let mut rest = state;
        let mut take = || -> Result<&[u8], HRESULT> {
            let len = rest
                .get(..4)
                .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize)
                .ok_or(MAPI_E_INVALID_PARAMETER)?;
            let end = len.checked_add(4).ok_or(MAPI_E_INVALID_PARAMETER)?;
            let bytes = rest.get(4..end).ok_or(MAPI_E_INVALID_PARAMETER)?;
            rest = &rest[end..];
            Ok(bytes)
        };
        let count = take()?;
        let count = u32::from_le_bytes(count.try_into().map_err(|_| MAPI_E_INVALID_PARAMETER)?);
        let mut toggled = HashSet::new();
        for _ in 0..count {
            toggled.insert(take()?.to_vec());
        }
        let position = take()?.to_vec();
        if !rest.is_empty() {
            return Err(MAPI_E_INVALID_PARAMETER);
        }
        self.toggled = toggled;
        Ok(position)
    }
}

impl Categories {
    /// A heading's instance key: a marker no provider key starts with in practice, its level,
    /// and its category values (their debug form: exact, and the same for equal values).
    fn heading_key(&self, level: usize, first: &Row) -> Vec<u8> {
        let values: Vec<Option<&PropValue>> =
            self.columns(level).map(|k| first.value(k.tag)).collect();
        let mut key = b"\xFFcategory".to_vec();
        key.push(level as u8);
        key.extend_from_slice(format!("{values:?}").as_bytes());
        key
    }

    /// The heading row of `group` at `level`, with the value of the level's aggregate key.
    fn heading(
        &self,
        level: usize,
        first: &Row,
        group: &[Arc<Row>],
        key: Vec<u8>,
        expanded: bool,
        aggregate: Option<(SortKey, &PropValue)>,
    ) -> Row {
        let unread = group
            .iter()
            .filter(|r| match r.source().value(PR_MESSAGE_FLAGS) {
                Some(PropValue::Long(flags)) => flags & MSGFLAG_READ == 0,
                _ => false,
            })
            .count();
        let row_type = if expanded {
            TBL_EXPANDED_CATEGORY
        } else {
            TBL_COLLAPSED_CATEGORY
        };
        let mut props = vec![
            Property::for_tag(PR_INSTANCE_KEY, PropValue::Binary(key)),
            Property::for_tag(PR_ROW_TYPE, PropValue::Long(row_type)),
            Property::for_tag(PR_DEPTH, PropValue::Long(level as u32)),
            Property::for_tag(PR_CONTENT_COUNT, PropValue::Long(group.len() as u32)),
            Property::for_tag(PR_CONTENT_UNREAD, PropValue::Long(unread as u32)),
        ];
        // First, so that a category column of the same ID (given after) is the one kept.
        if let Some((aggregate, value)) = aggregate {
            props.insert(
                0,
                Property::new(prop_id(aggregate.tag) as u16, value.clone()),
            );
        }
        for key in self.columns(level) {
            if let Some(value) = first.get(key.tag) {
                props.push(value.clone());
            }
        }
        Row::heading(props)
    }
}
