//! Advise sinks of table views and the `fnevTableModified` notifications sent to them.
//!
//! A change is applied to every view under the table's lock; what each view's sinks are to be
//! told is collected as [`Pending`] (owned values and AddRef'd sinks) and sent by [`deliver`]
//! once every lock is released, on the thread that made the change. A sink may therefore call
//! the table back (`QueryRows`, `Unadvise`) from `OnNotify` without deadlock.

use crate::flags::{TABLE_ERROR, fnevTableModified};
use crate::interfaces::IMAPIAdviseSink;
use crate::props::value::props_block;
use crate::props::{PropValue, Property};
use crate::tags::PR_NULL;
use crate::types::{NOTIFICATION, NOTIFICATION_info, SPropValue, SRow, TABLE_NOTIFICATION};

use super::TableShared;

/// An advise sink a view holds (one reference, released when dropped).
#[derive(Clone)]
pub(crate) struct Sink(pub(crate) IMAPIAdviseSink);

// SAFETY: `IMAPIAdviseSink` is thread-affine in this crate because MAPI does not promise that a
// client's sink is free-threaded. Tables are the documented exception: MAPI's own tables
// (`ITableData` views) call their sinks on whichever thread changes the rows, and a client that
// needs its notifications on one thread wraps its sink with `HrThisThreadAdviseSink`, whose
// wrapper is free-threaded ("Threading in MAPI", `IMAPITable::Advise`). A sink handed to
// `IMAPITable::Advise` may thus be called, AddRef'd and released from any thread.
unsafe impl Send for Sink {}
// SAFETY: as for `Send`: every use is a COM call the sink must accept from any thread.
unsafe impl Sync for Sink {}

/// One table notification for some sinks, with owned values.
pub(crate) struct Pending {
    pub(crate) sinks: Vec<Sink>,
    /// `TABLE_ROW_ADDED`, `...MODIFIED`, `...DELETED` or `TABLE_RELOAD`.
    pub(crate) event: u32,
    /// `propIndex`: the row's index column (`PR_NULL` for `TABLE_RELOAD`).
    pub(crate) index: Property,
    /// `propPrior`: the index column of the row before it in the view, `PR_NULL` when first.
    pub(crate) prior: Property,
    /// `row`: the row in the view's columns (empty for deletions and reloads).
    pub(crate) row: Vec<Property>,
}

impl Pending {
    pub(crate) fn null() -> Property {
        Property::for_tag(PR_NULL, PropValue::Null)
    }
}

/// Sends each notification to its sinks (one `OnNotify` with one `NOTIFICATION` per sink).
/// The values are in MAPI memory from the table's allocators, freed when every sink has
/// returned. If they cannot be allocated the sinks get `TABLE_ERROR` with the error instead
/// (`propIndex` and `propPrior` `PR_NULL`, no row).
pub(crate) fn deliver(table: &TableShared, pending: Vec<Pending>) {
    for one in pending {
        let allocators = table.allocators();
        let built = props_block(allocators, [&one.index, &one.prior]).and_then(|keys| {
            let row = if one.row.is_empty() {
                None
            } else {
                Some(props_block(allocators, &one.row)?)
            };
            Ok((keys, row))
        });
        // SAFETY: all-zero is a valid `TABLE_NOTIFICATION` (integers and NULL pointers).
        let mut tab: TABLE_NOTIFICATION = unsafe { core::mem::zeroed() };
        // Kept alive until every sink has returned: the notification points into them.
        let _blocks = match built {
            Ok((keys, row)) => {
                let values = keys.as_ptr().cast::<SPropValue>();
                tab.ulTableEvent = one.event;
                // SAFETY: the block holds the two values just written; unaligned reads as the
                // host block may be only pointer-aligned.
                unsafe {
                    tab.propIndex = values.read_unaligned();
                    tab.propPrior = values.add(1).read_unaligned();
                }
                tab.row = SRow {
                    ulAdrEntryPad: 0,
                    cValues: one.row.len() as u32,
                    lpProps: row
                        .as_ref()
                        .map_or(core::ptr::null_mut(), |r| r.as_ptr().cast()),
                };
                Some((keys, row))
            }
            Err(error) => {
                tab.ulTableEvent = TABLE_ERROR;
                tab.hResult = error.code();
                tab.propIndex.ulPropTag = PR_NULL;
                tab.propPrior.ulPropTag = PR_NULL;
                None
            }
        };
        let mut notification = NOTIFICATION {
            ulEventType: fnevTableModified,
            ulAlignPad: 0,
            info: NOTIFICATION_info { tab },
        };
        for sink in &one.sinks {
            // SAFETY: a live sink (we hold a reference); the notification and what it points
            // to stay valid for the call.
            unsafe { sink.0.OnNotify(1, &mut notification) };
        }
    }
}
