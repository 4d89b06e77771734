//! Drives a message store provider through a MAPI session, as MAPI would, and reports what it
//! left behind.
//!
//! [`Session`] calls `MSProviderInit` with this crate's native allocators and a counted
//! [`NativeMalloc`], gives every `Logon` a fresh [`HostSupport`], frees what the provider returns
//! with `MAPIFreeBuffer`, records each call in a transcript, and at the end
//! ([`Session::shutdown`]) reports live host buffers, IMalloc references and blocks, and support
//! objects still alive.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use windows_core::{HRESULT, Interface};

use super::profile::Profile;
use super::props::{describe_tag, describe_value};
use super::support::{HostSupport, SupportLog, SupportOptions, unwrap_store_entry_id};
use crate::alloc::malloc::NativeMalloc;
use crate::alloc::{AllocatorSet, native};
use crate::codes;
use crate::com::ComObject;
use crate::flags::CURRENT_SPI_VERSION;
use crate::interfaces::{IMAPIProviderShutdown, IMSLogon, IMSProvider, IMsgStore};
use crate::props::PropValue;
use crate::provider::entry::MSPROVIDERINIT;
use crate::provider::text::decode;
use crate::sync::lock;
use crate::tags::PR_ENTRYID;
use crate::types::{MAPIUID, SPropTagArray, SPropValue};

/// Why a session could not start.
#[derive(Debug)]
pub enum HostError {
    /// The library could not be loaded, or has no `MSProviderInit`.
    Load(String),
    /// `MSProviderInit` failed.
    Init(HRESULT),
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::Load(message) => write!(f, "cannot load the provider: {message}"),
            HostError::Init(hr) => write!(f, "MSProviderInit failed: {}", hresult_name(*hr)),
        }
    }
}

impl std::error::Error for HostError {}

/// `MAPI_E_NOT_FOUND (0x8004010F)`: the name of a code, for transcripts.
pub fn hresult_name(hr: HRESULT) -> String {
    match codes::name(hr) {
        Some(name) => format!("{name} (0x{:08X})", hr.0 as u32),
        None => format!("0x{:08X}", hr.0 as u32),
    }
}

/// A store opened by [`Session::logon`] or [`Session::spooler_logon`].
pub struct OpenedStore {
    pub store: IMsgStore,
    /// The spool security `Logon` returned (already freed in the host).
    pub spool_security: Vec<u8>,
    /// Whether the provider created a new logon object (false: the store was already open).
    pub new_logon: bool,
}

/// One property of a `GetProps` result, decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct Property {
    pub tag: u32,
    /// The value as text: strings quoted, binaries in hex, errors by name.
    pub value: String,
}

/// What the provider left behind at the end of a session; all zero when it cleaned up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeakReport {
    /// Host buffers allocated during the session and not freed. The native allocator counts
    /// for the whole process: check it with one session at a time.
    pub live_buffers: isize,
    /// References on the session's IMalloc besides the host's own.
    pub malloc_references: u32,
    /// IMalloc blocks not freed.
    pub malloc_blocks: usize,
    /// Support objects still alive (a reference the provider never released).
    pub support_objects: usize,
    /// Whether the session ended with a fast shutdown: then the IMalloc and support object
    /// references the provider still holds are kept on purpose (it may not call MAPI, not
    /// even `Release`) and are no leak.
    pub fast_shutdown: bool,
    /// Calls the provider made into the support objects after `DoFastShutdown`.
    pub calls_after_fast_shutdown: usize,
}

impl LeakReport {
    pub fn is_clean(&self) -> bool {
        let kept = if self.fast_shutdown {
            true
        } else {
            self.malloc_references == 0 && self.support_objects == 0
        };
        kept && self.live_buffers == 0
            && self.malloc_blocks == 0
            && self.calls_after_fast_shutdown == 0
    }
}

impl fmt::Display for LeakReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "live host buffers: {}, IMalloc references held: {}, IMalloc blocks: {}, support objects alive: {}",
            self.live_buffers, self.malloc_references, self.malloc_blocks, self.support_objects,
        )?;
        if self.fast_shutdown {
            write!(
                f,
                " (kept on purpose after fast shutdown), calls into MAPI after DoFastShutdown: {}",
                self.calls_after_fast_shutdown
            )?;
        }
        f.write_str(if self.is_clean() {
            " -> no leaks"
        } else {
            " -> LEAKS"
        })
    }
}

/// A `MAPIERROR`'s text and component, the block freed.
///
/// # Safety
///
/// `error` is NULL or a `MAPIERROR` in one block from `allocators`, strings NULL or
/// NUL-terminated in the width `unicode` says.
pub(crate) unsafe fn take_mapi_error(
    error: *mut crate::types::MAPIERROR,
    unicode: bool,
    allocators: &AllocatorSet,
) -> Option<(String, Option<String>)> {
    // SAFETY: NULL or a MAPIERROR (caller).
    let info = unsafe { error.as_ref() }?;
    // SAFETY: the strings are NULL or NUL-terminated in the width `unicode` says (caller).
    let text = unsafe { decode(info.lpszError, unicode) }.unwrap_or_default();
    // SAFETY: as above.
    let component = unsafe { decode(info.lpszComponent, unicode) };
    // SAFETY: one block from `allocators`, freed once, after the reads.
    unsafe { allocators.free(error.cast()) };
    Some((text, component))
}

/// A MAPI session with one provider object.
pub struct Session {
    provider: Option<IMSProvider>,
    allocators: AllocatorSet,
    malloc: ComObject<NativeMalloc>,
    log: Arc<SupportLog>,
    options: SupportOptions,
    dll_name: String,
    transcript: Vec<String>,
    echo: bool,
    buffers_at_start: usize,
    /// The profile and the store provider's section, when the session has one.
    profile: Option<(Profile, MAPIUID)>,
    // Dropped last: the provider's code lives in it.
    library: Option<libloading::Library>,
}

impl Session {
    /// Loads the provider library at `path` and calls its `MSProviderInit`.
    ///
    /// # Safety
    ///
    /// The library must be a MAPI message store provider: loading it runs its initialisers, its
    /// export `MSProviderInit` must have the `MSPROVIDERINIT` signature, and the provider must
    /// keep the SPI's contract for the session's whole life, since the session's safe methods
    /// trust what it returns (pointers, counts, interface pointers) as MAPI would.
    pub unsafe fn load(path: &Path, options: SupportOptions) -> Result<Self, HostError> {
        // SAFETY: a provider library (this function's contract), loaded as MAPI's LoadLibrary
        // does.
        let library = unsafe { libloading::Library::new(path) }
            .map_err(|e| HostError::Load(e.to_string()))?;
        // SAFETY: the export has the MSPROVIDERINIT signature (this function's contract).
        let init = unsafe { library.get::<MSPROVIDERINIT>(b"MSProviderInit\0") }
            .map(|symbol| *symbol)
            .map_err(|e| HostError::Load(e.to_string()))?;
        let dll_name = path
            .file_name()
            .map_or_else(String::new, |name| name.to_string_lossy().into_owned());
        // SAFETY: as this function's contract.
        unsafe { Self::start(init, Some(library), &dll_name, options) }
    }

    /// Starts a session with an entry point linked into this process.
    ///
    /// # Safety
    ///
    /// `init` must be a message store provider's `MSProviderInit`, and the provider must keep
    /// the SPI's contract for the session's whole life, since the session's safe methods trust
    /// what it returns (pointers, counts, interface pointers) as MAPI would.
    pub unsafe fn in_process(
        init: MSPROVIDERINIT,
        dll_name: &str,
        options: SupportOptions,
    ) -> Result<Self, HostError> {
        // SAFETY: as this function's contract.
        unsafe { Self::start(init, None, dll_name, options) }
    }

    /// # Safety
    ///
    /// As [`Session::in_process`]; `library`, if any, holds `init`'s code.
    unsafe fn start(
        init: MSPROVIDERINIT,
        library: Option<libloading::Library>,
        dll_name: &str,
        options: SupportOptions,
    ) -> Result<Self, HostError> {
        let mut session = Session {
            provider: None,
            allocators: AllocatorSet::native(),
            malloc: NativeMalloc::new_object(),
            log: Arc::default(),
            options,
            dll_name: dll_name.to_owned(),
            transcript: Vec::new(),
            echo: false,
            buffers_at_start: native::live_buffers(),
            profile: None,
            library,
        };
        let mut version = 0;
        let mut provider = core::ptr::null_mut();
        let malloc = session.malloc.as_unknown_ptr();
        // SAFETY: the arguments MAPI passes: live allocators, a live IMalloc, valid out-pointers.
        let hr = unsafe {
            init(
                core::ptr::null_mut(),
                malloc,
                session.allocators.allocate_buffer_fn(),
                session.allocators.allocate_more_fn(),
                session.allocators.free_buffer_fn(),
                0,
                CURRENT_SPI_VERSION,
                &mut version,
                &mut provider,
            )
        };
        session.record(format!(
            "MSProviderInit(ulMAPIVer 0x{CURRENT_SPI_VERSION:08X}) -> {}, provider SPI version 0x{version:08X}",
            hresult_name(hr)
        ));
        if hr.is_err() || provider.is_null() {
            return Err(HostError::Init(hr));
        }
        // SAFETY: MSProviderInit returned a new IMSProvider reference.
        session.provider = Some(unsafe { IMSProvider::from_raw(provider) });
        Ok(session)
    }

    /// Prints each transcript line as it is recorded.
    pub fn echo(mut self, echo: bool) -> Self {
        self.echo = echo;
        for line in &self.transcript {
            println!("{line}");
        }
        self
    }

    /// Every call made so far, one line each.
    pub fn transcript(&self) -> &[String] {
        &self.transcript
    }

    /// What the support objects saw.
    pub fn support_log(&self) -> &SupportLog {
        &self.log
    }

    /// A view of the session's status table (a row per logon that called `ModifyStatusRow`,
    /// until its support object goes), as `IMAPISession::GetStatusTable` gives clients; `None`
    /// before any row was set.
    pub fn status_table(&self) -> Option<crate::interfaces::IMAPITable> {
        self.log.status.get().map(crate::table::TableData::view)
    }

    pub fn provider(&self) -> &IMSProvider {
        self.provider
            .as_ref()
            .expect("the provider lives until shutdown")
    }

    /// Adds a line to the transcript.
    pub fn record(&mut self, line: String) {
        if self.echo {
            println!("{line}");
        }
        self.transcript.push(line);
    }

    fn new_support(&self, section: Option<MAPIUID>) -> ComObject<HostSupport> {
        let support = HostSupport::create(&self.log, self.allocators, self.options, &self.dll_name);
        if let (Some((profile, _)), Some(section)) = (&self.profile, section) {
            support.attach_profile(profile, section);
        }
        support
    }

    /// The profile section a logon of `entry_id` gets, as MAPI chooses it: the store
    /// provider's when the logon names no store or the store the profile holds (asked with
    /// `CompareStoreIDs`), else a new section of its own (a store opened by entry ID that the
    /// profile does not list).
    fn section_for(&mut self, entry_id: &[u8]) -> Option<MAPIUID> {
        let (profile, section) = self.profile.clone()?;
        if entry_id.is_empty() {
            return Some(section);
        }
        if let Some(recorded) = self.profile_entry_id()
            && self.compare_store_ids(entry_id, &recorded) == Ok(true)
        {
            return Some(section);
        }
        Some(profile.new_section())
    }

    /// Gives the session a profile: a logon of the profile's store (see `section_for`) gets
    /// `section`, the store provider's, from `OpenProfileSection` with a NULL UID.
    pub fn with_profile(mut self, profile: &Profile, section: MAPIUID) -> Self {
        self.profile = Some((profile.clone(), section));
        self
    }

    /// The store entry ID the profile holds (`PR_ENTRYID` of the provider's section, written
    /// by a logon), unwrapped as MAPI passes it to `Logon`; `None` before any logon wrote one.
    pub fn profile_entry_id(&self) -> Option<Vec<u8>> {
        let (profile, section) = self.profile.as_ref()?;
        match profile.value(section, PR_ENTRYID)? {
            PropValue::Binary(wrapped) => match unwrap_store_entry_id(&wrapped) {
                Some(id) => Some(id.to_vec()),
                // Not wrapped (a host without WrapStoreEntryID): the provider's own.
                None => Some(wrapped),
            },
            _ => None,
        }
    }

    /// Copies and frees a host buffer the provider returned.
    fn take_bytes(&self, data: *mut u8, len: u32) -> Vec<u8> {
        if data.is_null() {
            return Vec::new();
        }
        // SAFETY: the provider returned `len` bytes at `data`, allocated with our allocators.
        let bytes = unsafe { core::slice::from_raw_parts(data, len as usize) }.to_vec();
        // SAFETY: allocated with our allocators (the provider's contract), freed once, after the
        // copy.
        unsafe { self.allocators.free(data.cast()) };
        bytes
    }

    /// `IMSProvider::Logon` with a fresh support object, as `IMAPISession::OpenMsgStore` does.
    pub fn logon(&mut self, entry_id: &[u8], flags: u32) -> Result<OpenedStore, HRESULT> {
        self.open(entry_id, flags, None)
    }

    /// `IMSProvider::SpoolerLogon` with `spool_security`, as the spooler does.
    pub fn spooler_logon(
        &mut self,
        entry_id: &[u8],
        spool_security: &[u8],
        flags: u32,
    ) -> Result<OpenedStore, HRESULT> {
        self.open(entry_id, flags, Some(spool_security))
    }

    fn open(
        &mut self,
        entry_id: &[u8],
        flags: u32,
        spooler: Option<&[u8]>,
    ) -> Result<OpenedStore, HRESULT> {
        let section = self.section_for(entry_id);
        let support = self.new_support(section);
        let (mut cb_spool, mut spool) = (0u32, core::ptr::null_mut::<u8>());
        let mut error = core::ptr::null_mut();
        let (mut logon, mut store) = (core::ptr::null_mut(), core::ptr::null_mut());
        let sup = support.to_interface();
        let provider = self.provider();
        // SAFETY: valid arguments and out-pointers, as MAPI passes them.
        let hr = unsafe {
            match spooler {
                None => provider.Logon(
                    Some(&sup),
                    0,
                    core::ptr::null_mut(),
                    entry_id,
                    flags,
                    core::ptr::null(),
                    &mut cb_spool,
                    &mut spool,
                    &mut error,
                    &mut logon,
                    &mut store,
                ),
                Some(security) => provider.SpoolerLogon(
                    Some(&sup),
                    0,
                    core::ptr::null_mut(),
                    entry_id,
                    flags,
                    core::ptr::null(),
                    security,
                    &mut error,
                    &mut logon,
                    &mut store,
                ),
            }
        };
        drop(sup);
        let spool_security = self.take_bytes(spool, cb_spool);
        let message = self.take_error(error);
        let method = if spooler.is_some() {
            "SpoolerLogon"
        } else {
            "Logon"
        };
        let new_logon = !logon.is_null();
        if new_logon {
            // SAFETY: Logon returned a new IMSLogon reference; MAPI keeps it with the support object.
            support.attach_logon(unsafe { IMSLogon::from_raw(logon) });
        }
        // The host's reference goes; the provider keeps its own if it opened a store.
        drop(support);
        let outcome = if hr.is_err() {
            format!(
                "{}{}",
                hresult_name(hr),
                message
                    .map(|m| format!(", MAPIERROR \"{m}\""))
                    .unwrap_or_default()
            )
        } else if new_logon {
            format!(
                "{}: new store, spool security {} bytes",
                hresult_name(hr),
                spool_security.len()
            )
        } else {
            format!(
                "{}: store already open, no new logon object",
                hresult_name(hr)
            )
        };
        self.record(format!(
            "IMSProvider::{method}(entry ID {} bytes, flags 0x{flags:08X}) -> {outcome}",
            entry_id.len()
        ));
        if hr.is_err() || store.is_null() {
            return Err(hr);
        }
        // SAFETY: a new IMsgStore reference.
        let store = unsafe { IMsgStore::from_raw(store) };
        Ok(OpenedStore {
            store,
            spool_security,
            new_logon,
        })
    }

    /// Reads and frees a `MAPIERROR`'s message (strings assumed 8-bit: the host asks without
    /// `MAPI_UNICODE`).
    fn take_error(&self, error: *mut crate::types::MAPIERROR) -> Option<String> {
        // SAFETY: NULL or a MAPIERROR the provider allocated with our allocators as one root,
        // 8-bit (the host asks without MAPI_UNICODE).
        unsafe { take_mapi_error(error, false, &self.allocators) }.map(|(text, _)| text)
    }

    /// `IMSProvider::CompareStoreIDs`.
    pub fn compare_store_ids(&mut self, a: &[u8], b: &[u8]) -> Result<bool, HRESULT> {
        let mut same = 0;
        // SAFETY: two readable IDs and a valid out-pointer.
        let hr = unsafe { self.provider().CompareStoreIDs(a, b, 0, &mut same) };
        let result = if hr.is_ok() {
            format!(
                ": {}",
                if same != 0 {
                    "same store"
                } else {
                    "different stores"
                }
            )
        } else {
            String::new()
        };
        self.record(format!(
            "IMSProvider::CompareStoreIDs({} bytes, {} bytes) -> {}{result}",
            a.len(),
            b.len(),
            hresult_name(hr)
        ));
        if hr.is_err() { Err(hr) } else { Ok(same != 0) }
    }

    /// `IMAPIProp::GetProps` on `store` (`None`: every property), decoded; the result is freed
    /// with one `MAPIFreeBuffer`, as a client does.
    pub fn get_props(
        &mut self,
        store: &IMsgStore,
        tags: Option<&[u32]>,
        flags: u32,
    ) -> Result<(HRESULT, Vec<Property>), HRESULT> {
        let tag_array: Option<Vec<u32>> = tags.map(|tags| {
            std::iter::once(tags.len() as u32)
                .chain(tags.iter().copied())
                .collect()
        });
        let tag_ptr = tag_array.as_ref().map_or(core::ptr::null_mut(), |a| {
            a.as_ptr().cast_mut().cast::<SPropTagArray>()
        });
        let (mut count, mut values) = (0u32, core::ptr::null_mut::<SPropValue>());
        // SAFETY: a valid tag array (or NULL) and out-pointers.
        let hr = unsafe { store.GetProps(tag_ptr, flags, &mut count, &mut values) };
        let mut properties = Vec::new();
        if hr.is_ok() && !values.is_null() {
            // SAFETY: `count` values, allocated with our allocators as one root.
            for value in unsafe { core::slice::from_raw_parts(values, count as usize) } {
                properties.push(Property {
                    tag: value.ulPropTag,
                    // SAFETY: allocated with our allocators as one root (the provider's contract),
                    // freed once, after the reads.
                    value: unsafe { describe_value(value) },
                });
            }
            // SAFETY: each value of a GetProps result matches its tag (the provider's contract).
            unsafe { self.allocators.free(values.cast()) };
        }
        let asked = match tags {
            None => "all".to_string(),
            Some([_]) => "1 tag".to_string(),
            Some(tags) => format!("{} tags", tags.len()),
        };
        self.record(format!(
            "IMsgStore::GetProps({asked}) -> {}, {} values",
            hresult_name(hr),
            properties.len()
        ));
        for property in &properties {
            let name = describe_tag(property.tag);
            self.record(format!("    {name:<26} {}", property.value));
        }
        if hr.is_err() {
            Err(hr)
        } else {
            Ok((hr, properties))
        }
    }

    /// `IMAPIProp::GetPropList`: the tags, the result freed with one `MAPIFreeBuffer`.
    pub fn get_prop_list(&mut self, store: &IMsgStore) -> Result<Vec<u32>, HRESULT> {
        let mut list = core::ptr::null_mut::<SPropTagArray>();
        // SAFETY: a valid out-pointer.
        let hr = unsafe { store.GetPropList(0, &mut list) };
        let mut tags = Vec::new();
        if hr.is_ok() && !list.is_null() {
            // SAFETY: an SPropTagArray allocated with our allocators.
            unsafe {
                let count = (*list).cValues as usize;
                tags.extend_from_slice(core::slice::from_raw_parts(
                    (*list).aulPropTag.as_ptr(),
                    count,
                ));
                self.allocators.free(list.cast());
            }
        }
        self.record(format!(
            "IMsgStore::GetPropList() -> {}, {} tags",
            hresult_name(hr),
            tags.len()
        ));
        if hr.is_err() { Err(hr) } else { Ok(tags) }
    }

    /// `IMsgStore::StoreLogoff(flags)` and the client's `Release`: the orderly close of a store.
    pub fn close_store(&mut self, store: IMsgStore, logoff_flags: u32) -> HRESULT {
        let mut flags = logoff_flags;
        let transports_before = self.logoff_transports_calls();
        let logoffs_before = self.log.logoffs.load(Ordering::SeqCst);
        let support_before = self.log.live.load(Ordering::SeqCst);
        // SAFETY: a valid in/out flags pointer.
        let hr = unsafe { store.StoreLogoff(&mut flags) };
        drop(store);
        let transports = self.logoff_transports_calls() - transports_before;
        let released = support_before - self.log.live.load(Ordering::SeqCst);
        let logoffs = self.log.logoffs.load(Ordering::SeqCst) - logoffs_before;
        self.record(format!(
            "IMsgStore::StoreLogoff(0x{logoff_flags:08X}) -> {}; Release -> StoreLogoffTransports x{transports}, support Release x{released} -> IMSLogon::Logoff x{logoffs}",
            hresult_name(hr)
        ));
        hr
    }

    fn logoff_transports_calls(&self) -> usize {
        lock(&self.log.logoff_transports).len()
    }

    /// `IMSProvider::Shutdown` and `Release`, then what was left behind.
    pub fn shutdown(mut self) -> LeakReport {
        if let Some(provider) = self.provider.take() {
            let mut reserved = 0;
            // SAFETY: a valid reserved flags pointer.
            let hr = unsafe { provider.Shutdown(&mut reserved) };
            drop(provider);
            self.record(format!(
                "IMSProvider::Shutdown -> {}; Release",
                hresult_name(hr)
            ));
        }
        let report = self.leaks();
        self.record(format!("leak report: {report}"));
        report
    }

    /// Fast shutdown, as Outlook drives it at exit ("Fast Shutdown Overview"): queries the
    /// provider object for `IMAPIProviderShutdown`, then `QueryFastShutdown`,
    /// `NotifyProcessShutdown` and `DoFastShutdown`; the exiting client then drops `clients`
    /// (its stores) and MAPI its provider reference, with no `Logoff` or `Shutdown`. A provider
    /// without the interface, or answering `MAPI_E_NO_SUPPORT`, gets the usual
    /// [`Session::shutdown`] after `clients` are released, as Outlook then waits for them.
    pub fn fast_shutdown(mut self, clients: Vec<IMsgStore>) -> LeakReport {
        let Some(provider) = self.provider.take() else {
            return self.leaks();
        };
        let shutdown = provider.cast::<IMAPIProviderShutdown>().ok();
        // SAFETY: no arguments.
        let query = shutdown.as_ref().map(|s| unsafe { s.QueryFastShutdown() });
        let Some(shutdown) = shutdown.filter(|_| query == Some(codes::S_OK)) else {
            self.record(format!(
                "IMAPIProviderShutdown::QueryFastShutdown -> {}: the usual shutdown",
                query.map_or("no IMAPIProviderShutdown".into(), hresult_name)
            ));
            drop(clients);
            self.provider = Some(provider);
            return self.shutdown();
        };
        // SAFETY: no arguments.
        let notified = unsafe { shutdown.NotifyProcessShutdown() };
        // SAFETY: no arguments.
        let done = unsafe { shutdown.DoFastShutdown() };
        self.log.exited.store(true, Ordering::SeqCst);
        self.record(format!(
            "IMAPIProviderShutdown: QueryFastShutdown -> S_OK, NotifyProcessShutdown -> {}, DoFastShutdown -> {}; the client exits (Release of everything, no Logoff, no Shutdown)",
            hresult_name(notified),
            hresult_name(done)
        ));
        drop(clients);
        drop(shutdown);
        drop(provider);
        let report = LeakReport {
            fast_shutdown: true,
            ..self.leaks()
        };
        self.record(format!("leak report: {report}"));
        report
    }

    /// What is left behind now.
    pub fn leaks(&self) -> LeakReport {
        LeakReport {
            live_buffers: native::live_buffers() as isize - self.buffers_at_start as isize,
            malloc_references: NativeMalloc::references(&self.malloc) - 1,
            malloc_blocks: self.malloc.live_blocks(),
            support_objects: self.log.live.load(Ordering::SeqCst),
            fast_shutdown: false,
            calls_after_fast_shutdown: self.log.calls_after_exit.load(Ordering::SeqCst),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // The provider's objects must go before its library.
        self.provider.take();
        self.library.take();
    }
}
