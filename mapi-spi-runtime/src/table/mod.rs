//! The table engine: what mapi32's `CreateTable` (`ITableData`) gives C++ providers.
//!
//! A provider keeps its rows in a [`TableData`], keyed by an index column (usually
//! `PR_INSTANCE_KEY`), and adds, changes and deletes them from any thread. Each client gets an
//! `IMAPITable` view of it ([`TableData::view`], like `ITableData::HrGetView`) with its own
//! columns, restriction, sort order, cursor, bookmarks and advise sinks; every change reaches
//! every open view at once, and the view's sinks get `TABLE_ROW_ADDED`, `TABLE_ROW_MODIFIED`,
//! `TABLE_ROW_DELETED` or `TABLE_RELOAD`.
//!
//! - [`sort`]: sort orders and the ordering of values;
//! - [`restrict`]: restrictions, read from a caller's `SRestriction` and evaluated;
//! - [`view`]: the `IMAPITable` object;
//! - `categories`: the heading rows of categorized views and their collapse state;
//! - `notify`: advise sinks and the `TABLE_NOTIFICATION`s sent to them.
//!
//! Costs: a view keeps its visible rows in order in chunks (`ordered`), so its cursor and
//! bookmarks find their place by binary search (O(log n)); a change costs, in each open view,
//! a binary search and a shift within one chunk (O(V log n) comparisons, about a microsecond
//! per view from 1,000 to 100,000 rows); `SortTable` and `Restrict` rebuild the view
//! (O(n log n)). A categorized view lays itself out again on every change and notifies the
//! difference (O(n log n)).
//!
//! ```
//! use mapi_spi_runtime::alloc::AllocatorSet;
//! use mapi_spi_runtime::props::{PropValue, Property};
//! use mapi_spi_runtime::table::TableData;
//! use mapi_spi_runtime::tags::{PR_DISPLAY_NAME_W, PR_INSTANCE_KEY};
//!
//! let table = TableData::new(
//!     PR_INSTANCE_KEY,
//!     vec![PR_INSTANCE_KEY, PR_DISPLAY_NAME_W],
//!     AllocatorSet::native(),
//! )
//! .unwrap();
//! table
//!     .modify_row(vec![
//!         Property::for_tag(PR_INSTANCE_KEY, PropValue::Binary(vec![1])),
//!         Property::for_tag(PR_DISPLAY_NAME_W, PropValue::Unicode("Inbox".into())),
//!     ])
//!     .unwrap();
//! let view = table.view(); // an IMAPITable for a client
//! # drop(view);
//! assert_eq!(table.row_count(), 1);
//! ```

mod categories;
mod index;
pub(crate) mod notify;
mod ordered;
pub mod restrict;
pub mod sort;
pub mod view;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};
use windows_core::Error;

use crate::alloc::AllocatorSet;
use crate::codes::{MAPI_E_INVALID_PARAMETER, MAPI_E_INVALID_TYPE, MAPI_E_NOT_FOUND};
use crate::interfaces::IMAPITable;
use crate::props::{PropValue, Property};
use crate::tags::{PT_ERROR, prop_id, prop_type};
use index::{IndexKey, Places};
use notify::Pending;
use view::ViewShared;

pub use restrict::Restriction;
pub use sort::{KeyRole, SortKey, SortOrder};

/// Where a table finds the sub-objects of its rows: the rows of a message's recipient table
/// (`PR_MESSAGE_RECIPIENTS`) or attachment table (`PR_MESSAGE_ATTACHMENTS`), which a
/// `RES_SUBRESTRICTION` looks at. A message store's contents tables give one to their
/// [`TableData`] ([`TableData::with_sub_objects`]); a table without one answers such a
/// restriction `MAPI_E_TOO_COMPLEX`, as the docs ask of tables that do not support it.
pub trait SubObjects: Send + Sync {
    /// The rows of the sub-object table `object` (`PR_MESSAGE_RECIPIENTS` or
    /// `PR_MESSAGE_ATTACHMENTS`) of the row whose own properties are `row` (as the provider
    /// gave them, sorted by property ID, without the table's common ones); none when it has no
    /// such table.
    ///
    /// Called while the table's lock is held (by `Restrict`, `FindRow`, and each change that
    /// reaches a view restricted with a sub-object restriction): it must not call back into
    /// the same table, and should be quick.
    fn sub_rows(&self, row: &[Property], object: u32) -> Vec<Vec<Property>>;
}

/// The number of every heading row (table rows are numbered from 0 up and never reach it).
const HEADING: u64 = u64::MAX;

/// How many bits of an instance row's number count the instances of its table row: a view
/// with a multi-valued instance column shows at most 2^24 values of one row.
const INSTANCE_BITS: u32 = 24;

/// One row: its properties by property ID, the number that names it while it changes, and
/// its place in the table's own order (the order of a view without a sort order: the order
/// rows were added in, unless [`TableData::insert_row_after`] placed them).
///
/// A row shows its own properties and its table's common ones
/// ([`TableData::new_with_common`]), its own replacing a common one with the same ID.
///
/// In a view with a multi-valued instance column (`MVI_FLAG`), each value of a table row is
/// an instance row of its own ([`Row::source`] is the table row).
#[derive(Debug)]
pub struct Row {
    id: u64,
    /// Its place in the table's order (an instance row's or a categorized view's leaf: its
    /// table row's).
    order: u64,
    /// Sorted by property ID, one property per ID. The provider's vector as it came: shrunk
    /// to its length, thousands of rows would each be copied or reallocated once more.
    props: Vec<Property>,
    /// The table's common properties (sorted by ID, one per ID), shared by all its rows: a
    /// value every row has is held once, not copied into each.
    common: Option<Arc<[Property]>>,
    /// The table row of an instance row.
    source: Option<Arc<Row>>,
}

/// `props` sorted by ID, one per ID, a later property replacing an earlier one with the same
/// ID. Properties given in ascending ID order, one per ID, are taken as they are: a provider
/// that builds its rows so saves a sort per row.
fn by_id(mut props: Vec<Property>) -> Vec<Property> {
    if !props.is_sorted_by(|a, b| a.id < b.id) {
        props.reverse();
        // Stable: of equal IDs the one given last is now first, and is the one kept.
        props.sort_by_key(|p| p.id);
        props.dedup_by_key(|p| p.id);
    }
    props
}

/// The property with `id` in `props` (sorted by ID).
fn find(props: &[Property], id: u16) -> Option<&Property> {
    props
        .binary_search_by_key(&id, |p| p.id)
        .ok()
        .map(|at| &props[at])
}

impl Row {
    /// A row of `props` (a later property replaces an earlier one with the same ID), with no
    /// common properties.
    /// The row is placed in its table's order by its number.
    pub fn new(id: u64, props: Vec<Property>) -> Self {
        Self {
            id,
            order: id,
            props: by_id(props),
            common: None,
            source: None,
        }
    }

    /// A row of a table whose rows share `common`, at `order` in its order.
    fn placed(id: u64, order: u64, props: Vec<Property>, common: &Option<Arc<[Property]>>) -> Self {
        Self {
            order,
            common: common.clone(),
            ..Row::new(id, props)
        }
    }

    /// `leaf` as a categorized view shows it, with `props` (its own and the view's) and the
    /// table's common properties.
    pub(crate) fn shown_for(leaf: &Arc<Row>, props: Vec<Property>) -> Self {
        Self {
            source: Some(leaf.source.clone().unwrap_or_else(|| leaf.clone())),
            ..Row::placed(leaf.id, leaf.order, props, &leaf.common)
        }
    }

    /// A heading row of a categorized view.
    pub(crate) fn heading(props: Vec<Property>) -> Self {
        Row::new(HEADING, props)
    }

    /// Whether this is a heading row of a categorized view.
    pub fn is_heading(&self) -> bool {
        self.id == HEADING
    }

    /// The table row this row shows: itself, or for an instance row the row it was made from
    /// (what restrictions are evaluated on: `Restrict` does not expand rows).
    pub fn source(&self) -> &Row {
        self.source.as_deref().unwrap_or(self)
    }

    /// The rows a view shows for `row`: the row itself, or with the instance column `mvi`
    /// one row per value of that multi-valued property (one row, without the column, when the
    /// row has no value), each with the single value in the column and, when the index column
    /// is a binary `PR_INSTANCE_KEY`-like key, the key followed by the instance number (4 bytes,
    /// little-endian), so that every instance has its own.
    pub(crate) fn instances(row: &Arc<Row>, mvi: Option<u32>, index_tag: u32) -> Vec<Arc<Row>> {
        let Some(mvi) = mvi else {
            return vec![row.clone()];
        };
        let base = mvi & !crate::tags::MV_INSTANCE;
        let values = row
            .value(base)
            .map(restrict::mv_elements)
            .unwrap_or_default();
        let instance = |k: usize, value: Option<PropValue>| {
            let props = row
                .props
                .iter()
                .map(|p| {
                    if p.id == prop_id(mvi) as u16 {
                        if let Some(value) = &value {
                            return Property::new(p.id, value.clone());
                        }
                    } else if p.tag() == index_tag
                        && let PropValue::Binary(key) = &p.value
                    {
                        let mut key = key.clone();
                        key.extend_from_slice(&(k as u32).to_le_bytes());
                        return Property::new(p.id, PropValue::Binary(key));
                    }
                    p.clone()
                })
                .collect();
            Arc::new(Row {
                id: (row.id << INSTANCE_BITS) | k as u64,
                order: row.order,
                props,
                common: row.common.clone(),
                source: Some(row.clone()),
            })
        };
        if values.is_empty() {
            return vec![instance(0, None)];
        }
        values
            .into_iter()
            .take(1 << INSTANCE_BITS)
            .enumerate()
            .map(|(k, value)| instance(k, Some(value)))
            .collect()
    }

    /// The row's number: rows added earlier have smaller ones.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Where the row comes in its table's order: by its place there, then its number (which
    /// orders the instance rows of one table row).
    pub(crate) fn rank(&self) -> (u64, u64) {
        (self.order, self.id)
    }

    /// The row's own properties, sorted by ID, as the provider gave them: without the
    /// table's common ones ([`Row::common`]).
    pub fn props(&self) -> &[Property] {
        &self.props
    }

    /// The properties the row shares with every row of its table (sorted by ID; those the
    /// row has its own value for included): see [`TableData::new_with_common`].
    pub fn common(&self) -> &[Property] {
        self.common.as_deref().unwrap_or_default()
    }

    /// The property with the ID of `tag`, whatever its type (`PT_ERROR` included): the row's
    /// own, else the table's common one.
    pub fn get(&self, tag: u32) -> Option<&Property> {
        let id = prop_id(tag) as u16;
        find(&self.props, id).or_else(|| find(self.common(), id))
    }

    /// [`Row::get`], looking first at `hint`, the place in the row's own properties where
    /// the previous row had the ID (set to where this one has it): rows of one table mostly
    /// have the same properties, so a column read row after row is found at once, without
    /// a binary search per cell. Properties are one per ID, so a match at `hint` is the one.
    pub(crate) fn get_hinted(&self, tag: u32, hint: &mut usize) -> Option<&Property> {
        let id = prop_id(tag) as u16;
        if let Some(prop) = self.props.get(*hint).filter(|p| p.id == id) {
            return Some(prop);
        }
        match self.props.binary_search_by_key(&id, |p| p.id) {
            Ok(at) => {
                *hint = at;
                Some(&self.props[at])
            }
            Err(_) => find(self.common(), id),
        }
    }

    /// The value a column `tag` shows: the property with its ID if its type is the tag's (8-bit
    /// and Unicode text standing for each other); `None` when missing, of another type, or
    /// `PT_ERROR`.
    pub fn value(&self, tag: u32) -> Option<&PropValue> {
        self.get(tag).map(|p| &p.value).filter(|v| shows_as(v, tag))
    }

    /// The value with the ID of `tag` of any type but `PT_ERROR` (what `RES_EXIST` asks).
    pub fn value_by_id(&self, tag: u32) -> Option<&PropValue> {
        self.get(tag)
            .map(|p| &p.value)
            .filter(|v| v.prop_type() != PT_ERROR)
    }
}

/// Whether a column `tag` shows `value` (of a property with the tag's ID): its type is the
/// tag's, 8-bit and Unicode text standing for each other ([`Row::value`]).
pub(crate) fn shows_as(value: &PropValue, tag: u32) -> bool {
    let want = single_if_instance(prop_type(tag));
    let have = value.prop_type();
    have == want
        || (crate::props::value::is_text_type(have)
            && crate::props::value::is_text_type(want)
            && (have ^ want) & crate::tags::MV_FLAG == 0)
}

/// The type an instance column (`MVI_FLAG`) shows in each row: the single-valued type;
/// any other type unchanged.
pub(crate) fn single_if_instance(prop_type: u32) -> u32 {
    use crate::tags::{MV_FLAG, MV_INSTANCE};
    if prop_type & MV_INSTANCE != 0 {
        prop_type & !(MV_FLAG | MV_INSTANCE)
    } else {
        prop_type
    }
}

/// The rows of a table and the views open on them, shared by the [`TableData`] handles and the
/// views.
pub(crate) struct TableShared {
    index_tag: u32,
    columns: Vec<u32>,
    /// What every row shows besides its own properties ([`TableData::new_with_common`]).
    common: Option<Arc<[Property]>>,
    allocators: AllocatorSet,
    /// Asked for sub-object rows; each view keeps the one in place when it was restricted.
    sub_objects: RwLock<Option<Arc<dyn SubObjects>>>,
    /// Brings the rows up to date before a view reads them ([`TableData::with_refresh`]).
    refresh: RwLock<Option<Arc<Refresh>>>,
    state: RwLock<TableState>,
}

/// What a table runs before a view reads its rows: see [`TableData::with_refresh`].
pub type Refresh = dyn Fn() + Send + Sync;

pub(crate) struct TableState {
    /// By place in the table's order ([`Row::rank`]).
    rows: BTreeMap<u64, Arc<Row>>,
    /// Each row's place, by index value.
    keys: Places,
    next_id: u64,
    views: Vec<Weak<ViewShared>>,
}

/// The index value of a row's properties: the last property given with the index column's ID
/// (the one the row keeps), if it has the index column's type.
fn index_of(props: &[Property], index_tag: u32) -> Option<IndexKey<'_>> {
    let index = props
        .iter()
        .rev()
        .find(|p| u32::from(p.id) == prop_id(index_tag))?;
    (index.tag() == index_tag)
        .then(|| IndexKey::of(&index.value))
        .flatten()
}

/// How far apart the places of rows added at the end of a table's order are: room for rows
/// placed between them ([`TableData::insert_row_after`]).
const ORDER_GAP: u64 = 1 << 32;

/// How far after the row before it a placed row goes at most, when there is more room: rows
/// placed one after the other, each after the last (a new folder's subfolders), then use
/// `ORDER_GAP / ORDER_STEP` places before the room runs out, not `log2(ORDER_GAP)`.
const ORDER_STEP: u64 = 1 << 20;

/// The place of row `at` of rows numbered in order: [`ORDER_GAP`] apart, with room before the
/// first.
fn nth_place(at: usize) -> u64 {
    (at as u64 + 1) * ORDER_GAP
}

impl TableState {
    /// The rows, in the table's order.
    pub(crate) fn rows(&self) -> impl Iterator<Item = &Arc<Row>> {
        self.rows.values()
    }

    /// The place of the row whose index value (column `index_tag`) is `key`.
    fn place_of(&self, key: IndexKey<'_>, index_tag: u32) -> Option<u64> {
        self.keys.find(key.hash(), |at| {
            let row = self.rows.get(&at).map(|row| row.props());
            row.and_then(|props| index_of(props, index_tag)) == Some(key)
        })
    }

    /// Every row, for a view rebuilt from them; none when no view is open (a table's first
    /// rows, usually).
    fn all_for_views(&self) -> Vec<Arc<Row>> {
        if self.views.is_empty() {
            return Vec::new();
        }
        self.rows.values().cloned().collect()
    }

    /// A place after every row's; `None` past the last place there is.
    fn last_order(&self) -> Option<u64> {
        match self.rows.last_key_value() {
            Some((&last, _)) => last.checked_add(ORDER_GAP),
            None => Some(nth_place(0)),
        }
    }

    /// A place right after `prior` (first when `None`) for a row now at `old` (if it has a
    /// place): `old` itself when the row is there already; `None` when there is no room left.
    fn order_after(&self, prior: Option<u64>, old: Option<u64>) -> Option<u64> {
        let next = match prior {
            Some(prior) => self.rows.range(prior + 1..).next(),
            None => self.rows.first_key_value(),
        }
        .map(|(&next, _)| next);
        if next.is_some() && next == old {
            return old;
        }
        // The free places are `low..next` (`low..` at the end).
        let low = match prior {
            Some(prior) => prior.checked_add(1)?,
            None => 0,
        };
        match next {
            None if prior.is_none() => Some(nth_place(0)),
            None => low.checked_add(ORDER_GAP - 1),
            Some(next) if low < next => Some(low + ((next - low) / 2).min(ORDER_STEP)),
            Some(_) => None,
        }
    }
}

impl TableShared {
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, TableState> {
        // A panic cannot leave the state half-changed: each change is checked before it is made.
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, TableState> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn index_tag(&self) -> u32 {
        self.index_tag
    }

    pub(crate) fn columns(&self) -> &[u32] {
        &self.columns
    }

    /// The properties every row shares.
    pub(crate) fn common(&self) -> &[Property] {
        self.common.as_deref().unwrap_or_default()
    }

    pub(crate) fn allocators(&self) -> &AllocatorSet {
        &self.allocators
    }

    /// Runs the table's refresh, if it has one, with no lock of the table held: it may change
    /// the rows (and notify), as any provider thread may.
    pub(crate) fn refresh(&self) {
        let refresh = self
            .refresh
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(refresh) = refresh {
            refresh();
        }
    }

    pub(crate) fn sub_objects(&self) -> Option<Arc<dyn SubObjects>> {
        // Only ever replaced whole: a panic cannot leave it half-written.
        self.sub_objects
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Applies `change` to every live view (forgetting the closed ones), collecting what their
    /// sinks are to be told. The views come back too, for the caller to hold until it has
    /// released the table's lock: a view closed meanwhile then goes (with its sinks) outside it.
    fn each_view(
        state: &mut TableState,
        mut change: impl FnMut(&ViewShared, &mut Vec<Pending>),
    ) -> (Vec<Pending>, Vec<Arc<ViewShared>>) {
        let mut pending = Vec::new();
        let mut live = Vec::with_capacity(state.views.len());
        state.views.retain(|weak| match weak.upgrade() {
            Some(view) => {
                change(&view, &mut pending);
                live.push(view);
                true
            }
            None => false,
        });
        (pending, live)
    }
}

/// A provider's table: rows keyed by an index column, and the views clients read them through.
///
/// Cloning gives another handle to the same rows. Every method may be called from any thread;
/// the notifications a change causes are sent on the thread that made it, after the change is
/// visible and with no lock held, so a sink may call back into the table.
#[derive(Clone)]
pub struct TableData {
    shared: Arc<TableShared>,
}

impl TableData {
    /// A table indexed by `index_tag` whose views start with `columns` (the default column
    /// set; `QueryColumns(TBL_ALL_COLUMNS)` adds every other column a row has).
    ///
    /// `MAPI_E_INVALID_TYPE` if the index column's type cannot key rows (only `PT_I2`,
    /// `PT_LONG`, `PT_I8`, `PT_CURRENCY`, `PT_SYSTIME`, `PT_BINARY`, `PT_STRING8`,
    /// `PT_UNICODE` and `PT_CLSID` can).
    pub fn new(
        index_tag: u32,
        columns: Vec<u32>,
        allocators: AllocatorSet,
    ) -> crate::com::Result<Self> {
        Self::new_with_common(index_tag, columns, Vec::new(), allocators)
    }

    /// A table as [`new`](Self::new) makes it whose rows all show `common` besides their own
    /// properties (a row's own value replacing a common one with the same ID): values that are
    /// the same in every row, such as a folder's contents' `PR_PARENT_ENTRYID` and
    /// `PR_STORE_ENTRYID`, are held once instead of in each row. Every view reads, restricts,
    /// sorts and finds them as the rows' own; [`rows`](Self::rows) and [`row`](Self::row)
    /// answer the rows' own properties only, as they were given.
    ///
    /// Errors as [`new`](Self::new), and `MAPI_E_INVALID_PARAMETER` if a common value is one
    /// no `QueryRows` could return, or is the index column's (each row has its own).
    pub fn new_with_common(
        index_tag: u32,
        columns: Vec<u32>,
        common: Vec<Property>,
        allocators: AllocatorSet,
    ) -> crate::com::Result<Self> {
        use crate::tags::*;
        if !matches!(
            prop_type(index_tag),
            PT_I2
                | PT_LONG
                | PT_I8
                | PT_CURRENCY
                | PT_SYSTIME
                | PT_BINARY
                | PT_STRING8
                | PT_UNICODE
                | PT_CLSID
        ) {
            return Err(Error::from_hresult(MAPI_E_INVALID_TYPE));
        }
        if common
            .iter()
            .any(|p| !p.value.is_storable() || u32::from(p.id) == prop_id(index_tag))
        {
            return Err(Error::from_hresult(MAPI_E_INVALID_PARAMETER));
        }
        let common = (!common.is_empty()).then(|| by_id(common).into());
        Ok(Self {
            shared: Arc::new(TableShared {
                index_tag,
                columns,
                common,
                allocators,
                sub_objects: RwLock::new(None),
                refresh: RwLock::new(None),
                state: RwLock::new(TableState {
                    rows: BTreeMap::new(),
                    keys: Places::default(),
                    next_id: 0,
                    views: Vec::new(),
                }),
            }),
        })
    }

    /// This table with `source` to give its rows' recipients and attachments, so that its views
    /// evaluate `RES_SUBRESTRICTION` (see [`SubObjects`]). A view keeps the source in place
    /// when its restriction was set; later restrictions use this one.
    pub fn with_sub_objects(self, source: impl SubObjects + 'static) -> Self {
        let source: Arc<dyn SubObjects> = Arc::new(source);
        *self
            .shared
            .sub_objects
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(source);
        self
    }

    /// This table with `refresh` run at the start of every view call that reads rows
    /// (`QueryRows`, `GetRowCount`, `QueryPosition`, `SeekRow`, `SeekRowApprox`, `FindRow`),
    /// with no lock held, so that a provider whose rows change behind its back (files another
    /// program writes) brings them up to date, with their notifications, before a client reads
    /// them: the client sees a change at its next query at the latest.
    pub fn with_refresh(self, refresh: impl Fn() + Send + Sync + 'static) -> Self {
        let refresh: Arc<Refresh> = Arc::new(refresh);
        *self
            .shared
            .refresh
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(refresh);
        self
    }

    /// The index column.
    pub fn index_tag(&self) -> u32 {
        self.shared.index_tag
    }

    /// A new `IMAPITable` view of the rows, with the default columns, no restriction, no sort
    /// order and its cursor at the beginning (`ITableData::HrGetView`).
    pub fn view(&self) -> IMAPITable {
        view::TableView::create(self.shared.clone())
    }

    /// The number of rows (whatever the views' restrictions).
    pub fn row_count(&self) -> usize {
        self.shared.read().rows.len()
    }

    /// How many rows `matches` accepts (whatever the views' restrictions): a count a provider
    /// shows beside the table, such as a folder's unread messages, read under the table's lock.
    pub fn count_rows(&self, mut matches: impl FnMut(&Row) -> bool) -> usize {
        self.shared.read().rows().filter(|row| matches(row)).count()
    }

    /// The own properties of every row (without the table's common ones), in the table's
    /// order (the order they were added in, unless placed): what a provider compares with its objects to change only the rows that
    /// differ.
    pub fn rows(&self) -> Vec<Vec<Property>> {
        self.shared
            .read()
            .rows()
            .map(|row| row.props.to_vec())
            .collect()
    }

    /// Whether a client still has a view of the table open (views closed, every reference
    /// released, do not count): a provider keeping tables current may drop one without.
    pub fn has_views(&self) -> bool {
        self.shared
            .read()
            .views
            .iter()
            .any(|view| view.strong_count() > 0)
    }

    /// The own properties of the row whose index column is `index` (`HrQueryRow`), without the
    /// table's common ones.
    pub fn row(&self, index: &PropValue) -> Option<Vec<Property>> {
        let state = self.shared.read();
        let at = state.place_of(IndexKey::of(index)?, self.shared.index_tag)?;
        Some(state.rows[&at].props.to_vec())
    }

    /// Adds a row, or replaces the row with the same index value (`HrModifyRow`); every view
    /// that shows it gets `TABLE_ROW_ADDED` or `TABLE_ROW_MODIFIED` (or `TABLE_ROW_DELETED`
    /// when the new values leave its restriction). A new row comes last in the table's order;
    /// a replaced one keeps its place.
    ///
    /// `MAPI_E_INVALID_PARAMETER`, with nothing changed, if the row has no index column of the
    /// index type, or a value no `QueryRows` could return (text with a NUL inside, an empty
    /// multi-valued property).
    pub fn modify_row(&self, props: Vec<Property>) -> crate::com::Result<()> {
        self.put_row(props, None)
    }

    /// As [`modify_row`](Self::modify_row), but the row (new, or replacing the one with its
    /// index value) goes right after the row whose index value is `prior` in the table's own
    /// order, first when `prior` is `None`: where a view without a sort order shows it, as its
    /// notification's `propPrior` says. A provider whose rows have an order of their own (a
    /// folder tree listed depth first) keeps its open views in that order, as a new view
    /// would list them.
    ///
    /// The table's order has room for at least 20 rows placed right after one row, and 4,096
    /// placed each after the one placed before; past that, the rows are numbered anew, which
    /// every view sees as one `TABLE_RELOAD` before the row's notification (as
    /// [`replace_rows`](Self::replace_rows)).
    ///
    /// Errors as [`modify_row`](Self::modify_row), and `MAPI_E_NOT_FOUND` if no row has the
    /// index value `prior`; nothing is changed.
    pub fn insert_row_after(
        &self,
        props: Vec<Property>,
        prior: Option<&PropValue>,
    ) -> crate::com::Result<()> {
        let prior = match prior {
            Some(prior) => {
                Some(IndexKey::of(prior).ok_or_else(|| Error::from_hresult(MAPI_E_NOT_FOUND))?)
            }
            None => None,
        };
        self.put_row(props, Some(prior))
    }

    /// [`modify_row`](Self::modify_row) (`after`: `None`) and
    /// [`insert_row_after`](Self::insert_row_after) (`after`: the row before it, if any).
    fn put_row(
        &self,
        props: Vec<Property>,
        after: Option<Option<IndexKey<'_>>>,
    ) -> crate::com::Result<()> {
        let key = self.check_row(&props)?;
        let tag = self.shared.index_tag;
        let (pending, _views) = {
            let mut state = self.shared.write();
            if let Some(Some(prior)) = after
                && state.place_of(prior, tag).is_none()
            {
                return Err(Error::from_hresult(MAPI_E_NOT_FOUND));
            }
            // The row's place: where it is, at the end, or after `prior`; `None` when there is
            // no room left there.
            let choose = |state: &TableState| {
                let old = state.place_of(key, tag);
                match (old, after) {
                    (Some(old), None) => Some(old),
                    (None, None) => state.last_order(),
                    (_, Some(prior)) => {
                        let prior = prior.and_then(|prior| state.place_of(prior, tag));
                        state.order_after(prior, old)
                    }
                }
            };
            let (mut pending, mut views) = (Vec::new(), Vec::new());
            let order = match choose(&state) {
                Some(order) => order,
                None => {
                    // Numbered anew, which the views see as a reload.
                    (pending, views) = self.renumber(&mut state);
                    choose(&state).expect("rows numbered anew have room between and after them")
                }
            };
            let old_order = state.place_of(key, tag);
            let hash = key.hash();
            if let Some(at) = old_order {
                state.keys.remove(hash, at);
            }
            state.keys.insert(hash, order);
            let old = old_order.and_then(|at| state.rows.remove(&at));
            let id = old.as_ref().map_or_else(
                || {
                    state.next_id += 1;
                    state.next_id - 1
                },
                |old| old.id,
            );
            let row = Arc::new(Row::placed(id, order, props, &self.shared.common));
            state.rows.insert(order, row.clone());
            let (more, live) = TableShared::each_view(&mut state, |view, out| match &old {
                Some(old) => view.on_modified(&self.shared, old, Some(&row), out),
                None => view.on_added(&self.shared, &row, out),
            });
            pending.extend(more);
            views.extend(live);
            (pending, views)
        };
        notify::deliver(&self.shared, pending);
        Ok(())
    }

    /// Numbers every row anew, in the table's order, [`ORDER_GAP`] apart, and rebuilds the
    /// views (`TABLE_RELOAD`): what to tell their sinks, and the views.
    fn renumber(&self, state: &mut TableState) -> (Vec<Pending>, Vec<Arc<ViewShared>>) {
        let rows = core::mem::take(&mut state.rows);
        let mut places = HashMap::with_capacity(rows.len());
        for (at, row) in rows.into_values().enumerate() {
            let order = nth_place(at);
            places.insert(row.order, order);
            let row = Row::placed(row.id, order, row.props.clone(), &row.common);
            state.rows.insert(order, Arc::new(row));
        }
        state.keys.renumber(|at| places[&at]);
        let all = state.all_for_views();
        TableShared::each_view(state, |view, out| view.on_reload(&all, out))
    }

    /// Deletes the row whose index column is `index` (`HrDeleteRow`); the views that showed
    /// it get `TABLE_ROW_DELETED`. `MAPI_E_NOT_FOUND` if there is none.
    pub fn delete_row(&self, index: &PropValue) -> crate::com::Result<()> {
        let not_found = || Error::from_hresult(MAPI_E_NOT_FOUND);
        let key = IndexKey::of(index).ok_or_else(not_found)?;
        let (pending, _views) = {
            let mut state = self.shared.write();
            let at = state
                .place_of(key, self.shared.index_tag)
                .ok_or_else(not_found)?;
            state.keys.remove(key.hash(), at);
            let old = state.rows.remove(&at).expect("keys and rows agree");
            TableShared::each_view(&mut state, |view, out| {
                view.on_deleted(&self.shared, &old, out)
            })
        };
        notify::deliver(&self.shared, pending);
        Ok(())
    }

    /// Replaces every row at once (`HrModifyRows` after `HrDeleteRows` of all), in the order
    /// given: each view is rebuilt under its restriction and sort order, its cursor goes to
    /// the beginning, its bookmarks become invalid, and its sinks get one `TABLE_RELOAD`.
    ///
    /// Errors as [`modify_row`](Self::modify_row) (or `MAPI_E_INVALID_PARAMETER` for two rows
    /// with one index value), with nothing changed.
    ///
    /// `rows` may be any iterator: one that builds each row as it is asked for (a folder's
    /// first open makes thousands) has each built, checked, indexed and placed while its
    /// properties are in cache, with no vector of them all in between.
    pub fn replace_rows(
        &self,
        rows: impl IntoIterator<Item = Vec<Property>>,
    ) -> crate::com::Result<()> {
        let tag = self.shared.index_tag;
        let rows = rows.into_iter();
        // An iterator that may leave rows out (a `filter_map`) knows only its most.
        let expected = rows.size_hint().1.unwrap_or(0);
        let (pending, _views) = {
            // Under the lock, which numbers the rows: each row is checked, indexed and made in
            // one pass, while its properties are in cache (a folder's first open gives
            // thousands). The state changes only once all are checked.
            let mut state = self.shared.write();
            let start = state.next_id;
            let mut keys = Places::with_capacity(expected);
            let mut placed: Vec<(u64, Arc<Row>)> = Vec::with_capacity(expected);
            for (at, props) in rows.enumerate() {
                let key = self.check_row(&props)?;
                let hash = key.hash();
                let same = |other: u64| {
                    let other = &placed[(other / ORDER_GAP - 1) as usize].1;
                    index_of(other.props(), tag) == Some(key)
                };
                if keys.find(hash, same).is_some() {
                    return Err(Error::from_hresult(MAPI_E_INVALID_PARAMETER));
                }
                let order = nth_place(at);
                keys.insert(hash, order);
                let row = Row::placed(start + at as u64, order, props, &self.shared.common);
                placed.push((order, Arc::new(row)));
            }
            state.rows = placed.into_iter().collect();
            state.next_id = start + state.rows.len() as u64;
            state.keys = keys;
            let all = state.all_for_views();
            TableShared::each_view(&mut state, |view, out| view.on_reload(&all, out))
        };
        notify::deliver(&self.shared, pending);
        Ok(())
    }

    /// The index key of a row a provider gives, checking what `QueryRows` will need.
    fn check_row<'p>(&self, props: &'p [Property]) -> crate::com::Result<IndexKey<'p>> {
        let invalid = || Error::from_hresult(MAPI_E_INVALID_PARAMETER);
        if props.iter().any(|p| !p.value.is_storable()) {
            return Err(invalid());
        }
        index_of(props, self.shared.index_tag).ok_or_else(invalid)
    }
}

impl core::fmt::Debug for TableData {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TableData")
            .field(
                "index_tag",
                &format_args!("{:#010x}", self.shared.index_tag),
            )
            .field("rows", &self.row_count())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::PR_INSTANCE_KEY;

    fn row(key: u8) -> Vec<Property> {
        vec![Property::for_tag(
            PR_INSTANCE_KEY,
            PropValue::Binary(vec![key]),
        )]
    }

    #[test]
    fn a_hinted_lookup_finds_what_get_finds_whatever_the_hint() {
        use crate::tags::{PR_DISPLAY_NAME_W, PR_ENTRYID, PR_SUBJECT_W};
        let text = |s: &str| PropValue::Unicode(s.into());
        let common: Option<Arc<[Property]>> = Some(Arc::from(vec![
            Property::for_tag(PR_ENTRYID, PropValue::Binary(vec![9])),
            Property::for_tag(PR_DISPLAY_NAME_W, text("common")),
        ]));
        let full = Row::placed(
            1,
            1,
            vec![
                Property::for_tag(PR_INSTANCE_KEY, PropValue::Binary(vec![1])),
                Property::for_tag(PR_DISPLAY_NAME_W, text("own")),
                Property::for_tag(PR_SUBJECT_W, text("subject")),
            ],
            &common,
        );
        let short = Row::placed(2, 2, row(2), &common);
        let tags = [PR_INSTANCE_KEY, PR_SUBJECT_W, PR_DISPLAY_NAME_W, PR_ENTRYID];
        for row in [&full, &short, &full] {
            for tag in tags {
                // Hints left by rows of other layouts, stale or out of range.
                for start in 0..5 {
                    let mut hint = start;
                    assert_eq!(row.get_hinted(tag, &mut hint), row.get(tag), "{tag:#x}");
                }
            }
        }
        let mut hint = 0;
        // Own properties by ID: subject (0x0037), instance key (0x0ff6), display name (0x3001).
        let own = full.get_hinted(PR_DISPLAY_NAME_W, &mut hint);
        assert_eq!(own.map(|p| &p.value), Some(&text("own")));
        assert_eq!(
            hint, 2,
            "the place of the column in the row's own properties"
        );
    }

    #[test]
    fn a_table_out_of_places_at_its_end_numbers_its_rows_anew() {
        let table = TableData::new(
            PR_INSTANCE_KEY,
            vec![PR_INSTANCE_KEY],
            AllocatorSet::native(),
        )
        .unwrap();
        table.replace_rows(vec![row(1)]).unwrap();
        // Row 1 moved to the last place there is: no row can come after it.
        {
            let mut state = table.shared.write();
            let (at, old) = state.rows.pop_first().unwrap();
            let hash = IndexKey::of(&PropValue::Binary(vec![1])).unwrap().hash();
            state.keys.remove(hash, at);
            state.keys.insert(hash, u64::MAX);
            let moved = Row::placed(old.id, u64::MAX, old.props.clone(), &None);
            state.rows.insert(u64::MAX, Arc::new(moved));
            assert_eq!(state.last_order(), None);
        }
        table.modify_row(row(2)).unwrap();
        table.insert_row_after(row(3), None).unwrap();
        assert_eq!(table.rows(), [row(3), row(1), row(2)]);
        let state = table.shared.read();
        assert!(state.rows.keys().all(|&at| at < u64::MAX));
        assert_eq!(
            state.place_of(IndexKey::Bytes(&[1]), PR_INSTANCE_KEY),
            Some(nth_place(0))
        );
    }
}
