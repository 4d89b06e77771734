//! Every vtable, entry point type, struct, IID, result code and constant of mapi-spi-runtime
//! against the mingw-w64 MAPI headers, compiled for x86_64 and i686 (see `oracle/mod.rs`); and
//! the oracle's own test: deliberately wrong declarations must make it fail.
//!
//! Needs `x86_64-w64-mingw32-gcc` and `i686-w64-mingw32-gcc` (`.ci/install-mingw`). Without them
//! the tests are skipped with a message, except under `CI=true`, where they fail.
//!
//! Host-only: the oracle runs the host's mingw-w64 compilers, which a build under Wine cannot.
//!
//! Adding an interface: declare it with `#[mapi_interface]`, add a `vtable!` line to
//! [`vtables`] with its own methods in order (checked against `METHOD_NAMES`), and list any
//! `ULONG_PTR` parameter that mingw declares `ULONG` in `oracle::ULONG_PTR_EXCEPTIONS`. Adding a
//! struct: add it to `layouts!` with its fields and to [`structs`].
#![allow(non_snake_case, non_camel_case_types)]

#[macro_use]
mod oracle;

use mapi_spi_runtime::interfaces::*;
use mapi_spi_runtime::provider::entry::{ABProviderInit, XPProviderInit};
use mapi_spi_runtime::types::*;
use mapi_spi_runtime::{codes, flags, mapi_interface, tags};
use oracle::{EntryPoint, FnSig, Oracle, Record, Vtable, iunknown, record_of};

// ---------------------------------------------------------------------------------------------
// The Rust side, described

fn imapiprop() -> Vtable {
    vtable!(IMAPIProp: iunknown(), {
        GetLastError, SaveChanges, GetProps, GetPropList, OpenProperty, SetProps, DeleteProps,
        CopyTo, CopyProps, GetNamesFromIDs, GetIDsFromNames,
    })
}

fn isequentialstream() -> Vtable {
    vtable!(ISequentialStream: iunknown(), { Read, Write })
}

fn imapicontainer() -> Vtable {
    vtable!(IMAPIContainer: imapiprop(), {
        GetContentsTable, GetHierarchyTable, OpenEntry, SetSearchCriteria, GetSearchCriteria,
    })
}

/// Every interface of the runtime.
fn vtables() -> Vec<Vtable> {
    vec![
        vtable!(IMSProvider: iunknown(), { Shutdown, Logon, SpoolerLogon, CompareStoreIDs }),
        vtable!(IMSLogon: iunknown(), {
            GetLastError, Logoff, OpenEntry, CompareEntryIDs, Advise, Unadvise, OpenStatusEntry,
        }),
        imapiprop(),
        vtable!(IMsgStore: imapiprop(), {
            Advise, Unadvise, CompareEntryIDs, OpenEntry, SetReceiveFolder, GetReceiveFolder,
            GetReceiveFolderTable, StoreLogoff, AbortSubmit, GetOutgoingQueue, SetLockState,
            FinishedMsg, NotifyNewMail,
        }),
        imapicontainer(),
        vtable!(IMAPIFolder: imapicontainer(), {
            CreateMessage, CopyMessages, DeleteMessages, CreateFolder, CopyFolder, DeleteFolder,
            SetReadFlags, GetMessageStatus, SetMessageStatus, SaveContentsSort, EmptyFolder,
        }),
        vtable!(IMessage: imapiprop(), {
            GetAttachmentTable, OpenAttach, CreateAttach, DeleteAttach, GetRecipientTable,
            ModifyRecipients, SubmitMessage, SetReadFlag,
        }),
        vtable!(IAttach: imapiprop(), {}),
        vtable!(IProfSect: imapiprop(), {}),
        vtable!(IMAPIStatus: imapiprop(), {
            ValidateState, SettingsDialog, ChangePassword, FlushQueues,
        }),
        vtable!(IMAPITable: iunknown(), {
            GetLastError, Advise, Unadvise, GetStatus, SetColumns, QueryColumns, GetRowCount,
            SeekRow, SeekRowApprox, QueryPosition, FindRow, Restrict, CreateBookmark,
            FreeBookmark, SortTable, QuerySortOrder, QueryRows, Abort, ExpandRow, CollapseRow,
            WaitForCompletion, GetCollapseState, SetCollapseState,
        }),
        vtable!(IMAPISupport: iunknown(), {
            GetLastError, GetMemAllocRoutines, Subscribe, Unsubscribe, Notify, ModifyStatusRow,
            OpenProfileSection, RegisterPreprocessor, NewUID, MakeInvalid, SpoolerYield,
            SpoolerNotify, CreateOneOff, SetProviderUID, CompareEntryIDs, OpenTemplateID,
            OpenEntry, GetOneOffTable, Address, Details, NewEntry, DoConfigPropsheet,
            CopyMessages, CopyFolder, DoCopyTo, DoCopyProps, DoProgressDialog, ReadReceipt,
            PrepareSubmit, ExpandRecips, UpdatePAB, DoSentMail, OpenAddressBook, Preprocess,
            CompleteMsg, StoreLogoffTransports, StatusRecips, WrapStoreEntryID, ModifyProfile,
            IStorageFromStream, GetSvcConfigSupportObj,
        }),
        vtable!(IMAPIAdviseSink: iunknown(), { OnNotify }),
        isequentialstream(),
        vtable!(IStream: isequentialstream(), {
            Seek, SetSize, CopyTo, Commit, Revert, LockRegion, UnlockRegion, Stat, Clone,
        }),
        vtable!(IMalloc: iunknown(), { Alloc, Realloc, Free, GetSize, DidAlloc, HeapMinimize }),
        vtable!(IMAPIProgress: iunknown(), { Progress, GetFlags, GetMax, GetMin, SetLimits }),
        vtable!(IABProvider: iunknown(), { Shutdown, Logon }),
        vtable!(IABLogon: iunknown(), {
            GetLastError, Logoff, OpenEntry, CompareEntryIDs, Advise, Unadvise, OpenStatusEntry,
            OpenTemplateID, GetOneOffTable, PrepareRecips,
        }),
        vtable!(IProviderAdmin: iunknown(), {
            GetLastError, GetProviderTable, CreateProvider, DeleteProvider, OpenProfileSection,
        }),
        vtable!(IABContainer: imapicontainer(), {
            CreateEntry, CopyEntries, DeleteEntries, ResolveNames,
        }),
        vtable!(IMailUser: imapiprop(), {}),
        vtable!(IXPProvider: iunknown(), { Shutdown, TransportLogon }),
        vtable!(IXPLogon: iunknown(), {
            AddressTypes, RegisterOptions, TransportNotify, Idle, TransportLogoff, SubmitMessage,
            EndMessage, Poll, StartMessage, OpenStatusEntry, ValidateState, FlushQueues,
        }),
    ]
}

fn entry_points() -> Vec<EntryPoint> {
    vec![
        EntryPoint {
            c_name: "MSPROVIDERINIT",
            rust_name: "MSPROVIDERINIT",
            sig: <mapi_spi_runtime::provider::entry::MSPROVIDERINIT as FnSig>::sig(),
        },
        EntryPoint {
            c_name: "ABPROVIDERINIT",
            rust_name: "ABProviderInit",
            sig: <ABProviderInit as FnSig>::sig(),
        },
        EntryPoint {
            c_name: "MSGSERVICEENTRY",
            rust_name: "MSGSERVICEENTRY",
            sig: <mapi_spi_runtime::provider::service::entry::MSGSERVICEENTRY as FnSig>::sig(),
        },
        EntryPoint {
            c_name: "XPPROVIDERINIT",
            rust_name: "XPProviderInit",
            sig: <XPProviderInit as FnSig>::sig(),
        },
    ]
}

layouts! {
    struct ENTRYID { abFlags, ab }
    struct MAPIUID { ab }
    struct MAPIERROR { ulVersion, lpszError, lpszComponent, ulLowLevelError, ulContext }
    struct SBinary { cb, lpb }
    struct SBinaryArray { cValues, lpbin }
    struct FILETIME { dwLowDateTime, dwHighDateTime }
    struct LARGE_INTEGER { QuadPart }
    struct ULARGE_INTEGER { QuadPart }
    struct STATSTG {
        pwcsName, r#type, cbSize, mtime, ctime, atime, grfMode, grfLocksSupported, clsid,
        grfStateBits, reserved,
    }
    union PV as "union _PV" {
        i, l, ul, lpv, flt, dbl, b, cur, at, ft, lpszA, bin, lpszW, lpguid, li, MVi, MVl, MVflt,
        MVdbl, MVcur, MVat, MVft, MVbin, MVszA, MVszW, MVguid, MVli, err, x,
    }
    struct SPropValue { ulPropTag, dwAlignPad, Value }
    struct SPropTagArray { cValues, aulPropTag }
    struct SPropProblem { ulIndex, ulPropTag, scode }
    struct SPropProblemArray { cProblem, aProblem }
    struct SRow { ulAdrEntryPad, cValues, lpProps }
    struct SRowSet { cRows, aRow }
    struct ADRENTRY { ulReserved1, cValues, rgPropVals }
    struct ADRLIST { cEntries, aEntries }
    struct FlagList { cFlags, ulFlag }
    struct NOTIFKEY { cb, ab }
    union MAPINAMEID_Kind as "" { lID, lpwstrName }
    struct MAPINAMEID { lpguid, ulKind, Kind }
    struct ERROR_NOTIFICATION { cbEntryID, lpEntryID, scode, ulFlags, lpMAPIError }
    struct NEWMAIL_NOTIFICATION {
        cbEntryID, lpEntryID, cbParentID, lpParentID, ulFlags, lpszMessageClass, ulMessageFlags,
    }
    struct OBJECT_NOTIFICATION {
        cbEntryID, lpEntryID, ulObjType, cbParentID, lpParentID, cbOldID, lpOldID,
        cbOldParentID, lpOldParentID, lpPropTagArray,
    }
    struct TABLE_NOTIFICATION { ulTableEvent, hResult, propIndex, propPrior, row, ulPad }
    struct EXTENDED_NOTIFICATION { ulEvent, cb, pbEventParameters }
    struct STATUS_OBJECT_NOTIFICATION { cbEntryID, lpEntryID, cValues, lpPropVals }
    union NOTIFICATION_info as "" { err, newmail, obj, tab, ext, statobj }
    struct NOTIFICATION { ulEventType, ulAlignPad, info }
    struct SSortOrder { ulPropTag, ulOrder }
    struct SSortOrderSet { cSorts, cCategories, cExpanded, aSort }
    struct SAndRestriction { cRes, lpRes }
    struct SOrRestriction { cRes, lpRes }
    struct SNotRestriction { ulReserved, lpRes }
    struct SContentRestriction { ulFuzzyLevel, ulPropTag, lpProp }
    struct SBitMaskRestriction { relBMR, ulPropTag, ulMask }
    struct SPropertyRestriction { relop, ulPropTag, lpProp }
    struct SComparePropsRestriction { relop, ulPropTag1, ulPropTag2 }
    struct SSizeRestriction { relop, ulPropTag, cb }
    struct SExistRestriction { ulReserved1, ulPropTag, ulReserved2 }
    struct SSubRestriction { ulSubObject, lpRes }
    struct SCommentRestriction { cValues, lpRes, lpProp }
    union SRestriction_res as "" {
        resCompareProps, resAnd, resOr, resNot, resContent, resProperty, resBitMask, resSize,
        resExist, resSub, resComment,
    }
    struct SRestriction { rt, res }
    struct ADRPARM {
        cbABContEntryID, lpABContEntryID, ulFlags, lpReserved, ulHelpContext, lpszHelpFileName,
        lpfnABSDI, lpfnDismiss, lpvDismissContext, lpszCaption, lpszNewEntryTitle,
        lpszDestWellsTitle, cDestFields, nDestFieldFocus, lppszDestTitles, lpulDestComps,
        lpContRestriction, lpHierRestriction,
    }
    struct OPTIONDATA {
        ulFlags, lpRecipGUID, lpszAdrType, lpszDLLName, ulOrdinal, cbOptionsData,
        lpbOptionsData, cOptionsProps, lpOptionsProps,
    }
}

fn check<T: oracle::Layout>() -> Record {
    record_of::<T>()
}

fn structs() -> Vec<Record> {
    vec![
        check::<windows_core::GUID>(),
        check::<ENTRYID>(),
        check::<MAPIUID>(),
        check::<MAPIERROR>(),
        check::<SBinary>(),
        check::<SBinaryArray>(),
        check::<FILETIME>(),
        check::<LARGE_INTEGER>(),
        check::<ULARGE_INTEGER>(),
        check::<STATSTG>(),
        check::<PV>(),
        check::<SPropValue>(),
        check::<SPropTagArray>(),
        check::<SPropProblem>(),
        check::<SPropProblemArray>(),
        check::<SRow>(),
        check::<SRowSet>(),
        check::<ADRENTRY>(),
        check::<ADRLIST>(),
        check::<FlagList>(),
        check::<NOTIFKEY>(),
        check::<MAPINAMEID>(),
        check::<NOTIFICATION>(),
        check::<SSortOrder>(),
        check::<SSortOrderSet>(),
        check::<SRestriction>(),
        check::<ADRPARM>(),
        check::<OPTIONDATA>(),
    ]
}

/// Constants the Outlook header defines and mingw-w64 does not.
const OUTLOOK_ONLY: &[&str] = &[
    "PT_PTR",
    "MDB_ONLINE",
    "STORE_UNICODE_OK",
    "TABLE_SORT_CATEG_MAX",
    "TABLE_SORT_CATEG_MIN",
    "PR_HTML",
    "DELETE_HARD_DELETE",
    "SHOW_SOFT_DELETES",
    "MAPI_NO_CACHE",
    "SPAMFILTER_ONSAVE",
    "NON_EMS_XP_SAVE",
    "PR_INTERNET_MESSAGE_ID",
    "PR_INTERNET_MESSAGE_ID_A",
    "PR_INTERNET_MESSAGE_ID_W",
    "PR_INTERNET_CPID",
    "PR_FLAG_STATUS",
    "PR_LAST_VERB_EXECUTED",
    "MSGSTATUS_DRAFT",
    "MSGSTATUS_ANSWERED",
];

fn full_oracle() -> Oracle {
    Oracle {
        vtables: vtables(),
        entry_points: entry_points(),
        structs: structs(),
        constants: vec![
            ("tags::PROPERTY_TYPES", tags::PROPERTY_TYPES.to_vec()),
            ("tags::PROPERTY_TAGS", tags::PROPERTY_TAGS.to_vec()),
            ("flags::FLAGS", flags::FLAGS.to_vec()),
            (
                "codes::ALL",
                codes::ALL
                    .iter()
                    .map(|(code, name)| (*name, code.0 as u32))
                    .collect(),
            ),
        ],
        constants_absent_in_mingw: OUTLOOK_ONLY,
        enum_constants: vec![("flags::ENUMS", flags::ENUMS.to_vec())],
        exceptions: oracle::ULONG_PTR_EXCEPTIONS,
    }
}

/// Generates and compiles the checks of `oracle` as `name.c`.
fn run(oracle: &Oracle, name: &str) -> Result<(), String> {
    let dir = oracle::work_dir();
    let preprocessed = oracle::preprocess(&dir, name).expect("preprocess the mingw headers");
    let source = oracle
        .generate(&preprocessed)
        .map_err(|problems| problems.0.join("\n"))?;
    oracle::compile(&dir, name, &source)
}

#[test]
fn the_runtime_matches_the_mingw_headers() {
    if !oracle::compilers_or_skip() {
        return;
    }
    let oracle = full_oracle();
    // Every exception names a method or an entry point the oracle checks.
    for e in oracle.exceptions {
        let found = oracle.vtables.iter().any(|v| {
            v.slots
                .iter()
                .any(|s| s.declared_in == e.interface && s.name == e.method)
        }) || oracle
            .entry_points
            .iter()
            .any(|p| p.c_name == e.interface && p.c_name == e.method);
        assert!(
            found,
            "exception {}::{} matches no slot",
            e.interface, e.method
        );
    }
    let iids =
        oracle::header_iids(&oracle::work_dir(), "mapi_spi_layout").expect("read mapiguid.h");
    let iids = [
        iids,
        oracle::ole_iids(&oracle::work_dir(), "mapi_spi_layout").expect("read objidl.h"),
    ]
    .concat();
    let problems = oracle::iid_problems(&oracle.vtables, &iids);
    assert!(
        problems.is_empty(),
        "IIDs differ from mapiguid.h:\n{}",
        problems.join("\n")
    );
    if let Err(failure) = run(&oracle, "mapi_spi_layout") {
        panic!("the Rust declarations disagree with the mingw-w64 headers:\n{failure}");
    }
}

// ---------------------------------------------------------------------------------------------
// The oracle's own test: wrong declarations, each compared with the real C name.

/// IMAPIProgress with `Progress` and `GetFlags` swapped.
#[mapi_interface("0002031F-0000-0000-C000-000000000046")]
pub unsafe trait IWrongOrderProgress: windows_core::IUnknown {
    fn GetFlags(&self, lpulFlags: *mut u32) -> windows_core::HRESULT;
    fn Progress(&self, ulValue: u32, ulCount: u32, ulTotal: u32) -> windows_core::HRESULT;
    fn GetMax(&self, lpulMax: *mut u32) -> windows_core::HRESULT;
    fn GetMin(&self, lpulMin: *mut u32) -> windows_core::HRESULT;
    fn SetLimits(&self, a: *mut u32, b: *mut u32, c: *mut u32) -> windows_core::HRESULT;
}

/// IMAPIStatus with mingw's `ULONG ulUIParam` in `ValidateState` instead of Outlook's
/// `ULONG_PTR`: the mistake that truncates window handles on x64.
#[mapi_interface("00020305-0000-0000-C000-000000000046")]
pub unsafe trait IWrongWidthStatus: IMAPIProp {
    fn ValidateState(&self, ulUIParam: u32, ulFlags: u32) -> windows_core::HRESULT;
    fn SettingsDialog(&self, ulUIParam: usize, ulFlags: u32) -> windows_core::HRESULT;
    fn ChangePassword(&self, a: LPTSTR, b: LPTSTR, ulFlags: u32) -> windows_core::HRESULT;
    fn FlushQueues(
        &self,
        ulUIParam: usize,
        cb: u32,
        lp: *mut ENTRYID,
        ulFlags: u32,
    ) -> windows_core::HRESULT;
}

/// IMAPIAdviseSink whose `OnNotify` takes the count as a pointer-width integer (`ULONG cNotif`
/// in every header): a width mistake outside the exception list.
#[mapi_interface("00020302-0000-0000-C000-000000000046")]
pub unsafe trait IWrongParamSink: windows_core::IUnknown {
    fn OnNotify(&self, cNotif: usize, lpNotifications: *mut NOTIFICATION) -> u32;
}

/// `SRow` with a 64-bit `cValues`.
#[repr(C)]
pub struct WrongSRow {
    pub ulAdrEntryPad: u32,
    pub cValues: u64,
    pub lpProps: *mut SPropValue,
}

/// `MAPIERROR` with a 64-bit integer for a pointer: the same layout as the header on x64, not on
/// i686, where only the computed 32-bit layout can catch it.
#[repr(C)]
pub struct WrongMapiError {
    pub ulVersion: u32,
    pub lpszError: u64,
    pub lpszComponent: LPTSTR,
    pub ulLowLevelError: u32,
    pub ulContext: u32,
}

layouts! {
    struct WrongSRow as "SRow" { ulAdrEntryPad, cValues, lpProps }
    struct WrongMapiError as "MAPIERROR" {
        ulVersion, lpszError, lpszComponent, ulLowLevelError, ulContext,
    }
}

/// The oracle with only `vtables` and `structs`, and the usual exceptions.
fn oracle_of(vtables: Vec<Vtable>, structs: Vec<Record>) -> Oracle {
    Oracle {
        vtables,
        structs,
        exceptions: oracle::ULONG_PTR_EXCEPTIONS,
        ..Oracle::default()
    }
}

fn expect_failure(oracle: Oracle, name: &str, expected: &[&str]) {
    let failure = run(&oracle, name).expect_err("the oracle accepted a wrong declaration");
    for text in expected {
        assert!(
            failure.contains(text),
            "the failure does not mention `{text}`:\n{failure}"
        );
    }
}

#[test]
fn the_oracle_accepts_a_correct_declaration() {
    if !oracle::compilers_or_skip() {
        return;
    }
    let oracle = oracle_of(
        vec![vtable!(IMAPIProgress: iunknown(), { Progress, GetFlags, GetMax, GetMin, SetLimits })],
        vec![check::<SRow>(), check::<NOTIFICATION>()],
    );
    run(&oracle, "selftest_correct").expect("a correct declaration passes");
}

#[test]
fn the_oracle_rejects_a_wrong_iid() {
    if !oracle::compilers_or_skip() {
        return;
    }
    let iids = oracle::header_iids(&oracle::work_dir(), "selftest_iid").expect("read mapiguid.h");
    assert!(iids.len() > 40, "mapiguid.h parsed: {iids:?}");
    // IWrongParamSink has the IID of IMAPIAdviseSink; compared as IMAPIProgress it is wrong.
    let wrong = vtable!(IWrongParamSink as "IMAPIProgress" => iunknown(), { OnNotify });
    let problems = oracle::iid_problems(&[wrong], &iids);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("IID_IMAPIProgress: the header has"),
        "{problems:?}"
    );
}

#[test]
fn the_oracle_rejects_a_wrong_slot_order() {
    if !oracle::compilers_or_skip() {
        return;
    }
    let wrong = vtable!(IWrongOrderProgress as "IMAPIProgress" => iunknown(), {
        GetFlags, Progress, GetMax, GetMin, SetLimits,
    });
    expect_failure(
        oracle_of(vec![wrong], vec![]),
        "selftest_slot_order",
        &[
            "IMAPIProgress::GetFlags (slot 3): Rust has it at slot 3",
            "IMAPIProgress::Progress (slot 4): Rust has it at slot 4",
        ],
    );
}

#[test]
fn the_oracle_rejects_a_ulong_where_outlook_has_ulong_ptr() {
    if !oracle::compilers_or_skip() {
        return;
    }
    // Compared as IMAPIStatus, so the exception list applies to it.
    let mut wrong = vtable!(IWrongWidthStatus as "IMAPIStatus" => imapiprop(), {
        ValidateState, SettingsDialog, ChangePassword, FlushQueues,
    });
    for slot in &mut wrong.slots {
        if slot.declared_in == "IWrongWidthStatus" {
            slot.declared_in = "IMAPIStatus";
        }
    }
    let failure = run(&oracle_of(vec![wrong], vec![]), "selftest_ulong_ptr")
        .expect_err("the oracle accepted ULONG for ULONG_PTR");
    assert!(
        failure.contains("IMAPIStatus::ValidateState (slot 14): parameter 1 `ulUIParam`"),
        "{failure}"
    );
}

#[test]
fn the_oracle_rejects_a_wrong_parameter_width() {
    if !oracle::compilers_or_skip() {
        return;
    }
    let wrong = vtable!(IWrongParamSink as "IMAPIAdviseSink" => iunknown(), { OnNotify });
    expect_failure(
        oracle_of(vec![wrong], vec![]),
        "selftest_param_width",
        &[
            "IMAPIAdviseSink::OnNotify (slot 3): parameter 1 `cNotif`: mingw has ULONG, Rust ULONG_PTR",
        ],
    );
}

#[test]
fn the_oracle_rejects_a_wrong_field_width() {
    if !oracle::compilers_or_skip() {
        return;
    }
    let wrong = record_of::<WrongSRow>();
    expect_failure(
        oracle_of(vec![], vec![wrong]),
        "selftest_field_width",
        &["sizeof(SRow): Rust WrongSRow", "SRow.cValues: Rust size 8"],
    );
}

#[test]
fn the_oracle_rejects_a_layout_that_differs_only_on_i686() {
    if !oracle::compilers_or_skip() {
        return;
    }
    let wrong = record_of::<WrongMapiError>();
    let failure = run(&oracle_of(vec![], vec![wrong]), "selftest_i686")
        .expect_err("the oracle accepted a u64 for a pointer");
    // x64 has the same layout either way; the i686 compiler is the one that notices.
    assert!(
        !failure.contains("x86_64-w64-mingw32-gcc rejected"),
        "{failure}"
    );
    assert!(
        failure.contains("i686-w64-mingw32-gcc rejected"),
        "{failure}"
    );
    assert!(
        failure.contains("MAPIERROR.lpszError: Rust offset 8 (x64) / 8 (x86)"),
        "{failure}"
    );
}

/// `IMAPIProviderShutdown` is in Outlook's MAPIDefS.h only (not in mingw-w64): its slots,
/// signatures and IID against that header as the reference doc transcribes it (§9.4): after
/// IUnknown, `QueryFastShutdown`, `NotifyProcessShutdown`, `DoFastShutdown`, each
/// `HRESULT (STDMETHODCALLTYPE *)(This)`; IID 0x00020398 (an OLE GUID).
#[test]
fn provider_shutdown_matches_outlooks_header() {
    let vtable = vtable!(IMAPIProviderShutdown: iunknown(), {
        QueryFastShutdown, NotifyProcessShutdown, DoFastShutdown,
    });
    let pointer = size_of::<usize>();
    let names: Vec<&str> = vtable.slots.iter().map(|s| s.name).collect();
    assert_eq!(
        names,
        [
            "QueryInterface",
            "AddRef",
            "Release",
            "QueryFastShutdown",
            "NotifyProcessShutdown",
            "DoFastShutdown"
        ]
    );
    assert_eq!(vtable.method_names, &names[3..]);
    for (index, slot) in vtable.slots.iter().enumerate() {
        assert_eq!(slot.offset, index * pointer, "{}", slot.name);
    }
    assert_eq!(vtable.size, 6 * pointer);
    for slot in &vtable.slots[3..] {
        assert_eq!(
            slot.sig.params.len(),
            1,
            "{}: no parameter besides this",
            slot.name
        );
        assert_eq!(slot.sig.ret.render(), "HRESULT", "{}", slot.name);
        assert_eq!(
            slot.sig.conv,
            oracle::Conv::Stdcall,
            "{}: STDMETHODCALLTYPE",
            slot.name
        );
    }
    assert_eq!(
        format!("{:?}", vtable.iid),
        "00020398-0000-0000-C000-000000000046"
    );
}
