/*
 * A small IMAPISupport in C: the support object MAPI hands to IMSProvider::Logon, one per
 * logon. It implements what a store needs at logon and logoff (GetMemAllocRoutines,
 * SetProviderUID, ModifyStatusRow, WrapStoreEntryID, StoreLogoffTransports, GetLastError) and
 * answers MAPI_E_NO_SUPPORT to the other methods, counting them. Its last Release logs the
 * store's logon object off (IMSLogon::Logoff, then Release), as MAPI's support object does.
 *
 * The vtable is mingw-w64's IMAPISupportVtbl, so slot order and calling convention (WINAPI,
 * i.e. stdcall on 32-bit x86) come from mapispi.h, not from this file.
 */
#include <stdio.h>
#include <string.h>
#include "host.h"

struct support_log support_log;

const MAPIUID store_wrap_uid = {{0x38, 0xA1, 0xBB, 0x10, 0x05, 0xE5, 0x10, 0x1A,
                                 0xA1, 0xBB, 0x08, 0x00, 0x2B, 0x2A, 0x56, 0xC2}};

typedef struct support {
    IMAPISupport iface; /* first: an IMAPISupport* is a struct support* */
    LONG refs;
    LPMSLOGON logon;    /* the store's logon object, once Logon returned it */
    char dll_name[MAX_PATH];
} support;

static support *from_iface(IMAPISupport *This) { return (support *)This; }

static HRESULT not_supported(const char *method)
{
    InterlockedIncrement(&support_log.unsupported);
    if (strcmp(method, "OpenProfileSection") != 0)
        InterlockedIncrement(&support_log.unsupported_other);
    snprintf(support_log.last_unsupported, sizeof support_log.last_unsupported, "%s", method);
    printf("  support: %s -> MAPI_E_NO_SUPPORT\n", method);
    return MAPI_E_NO_SUPPORT;
}

/*
 * One stub per IMAPISupport method, with the exact parameter list mapispi.h declares: the
 * header's own method-list macros are expanded here with MAPIMETHOD redefined to start a
 * function definition instead of a vtable slot. The implemented methods below take their
 * place in the vtable; the stubs of those are unused.
 */
#undef INTERFACE
#define INTERFACE IMAPISupport
#undef MAPIMETHOD
#undef MAPIMETHOD_
#define MAPIMETHOD(method) static __attribute__((unused)) HRESULT STDMETHODCALLTYPE stub_##method
#define STUB_BODY { return not_supported(__func__ + 5); }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
MAPI_IMAPISUPPORT_METHODS1(STUB_BODY)
MAPI_IMAPISUPPORT_METHODS2(STUB_BODY)
MAPI_IMAPISUPPORT_METHODS3(STUB_BODY)
#pragma GCC diagnostic pop
#undef MAPIMETHOD

/* ---- IUnknown ---------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE sup_QueryInterface(IMAPISupport *This, REFIID riid, LPVOID *ppv)
{
    if (!ppv)
        return E_INVALIDARG;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IMAPISup)) {
        *ppv = This;
        This->lpVtbl->AddRef(This);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE sup_AddRef(IMAPISupport *This)
{
    return (ULONG)InterlockedIncrement(&from_iface(This)->refs);
}

static ULONG STDMETHODCALLTYPE sup_Release(IMAPISupport *This)
{
    support *self = from_iface(This);
    LONG left = InterlockedDecrement(&self->refs);
    if (left == 0) {
        if (self->logon) {
            /* What MAPI does when the provider gives up the support object of a store. */
            ULONG reserved = 0;
            HRESULT hr = VCALL(self->logon, Logoff, &reserved);
            InterlockedIncrement(&support_log.logoffs);
            check(hr == S_OK, "support Release: IMSLogon::Logoff -> 0x%08lX", (unsigned long)hr);
            ULONG logon_left = VCALL0(self->logon, Release);
            check(logon_left == 0, "support Release: IMSLogon::Release -> %lu references left",
                  (unsigned long)logon_left);
        }
        InterlockedDecrement(&support_log.live);
        HeapFree(GetProcessHeap(), 0, self);
    }
    return (ULONG)left;
}

/* ---- What a store uses -------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE sup_GetLastError(IMAPISupport *This, HRESULT hResult,
                                                  ULONG ulFlags, LPMAPIERROR *lppMAPIError)
{
    (void)This, (void)hResult, (void)ulFlags;
    if (!lppMAPIError)
        return MAPI_E_INVALID_PARAMETER;
    *lppMAPIError = NULL;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE sup_GetMemAllocRoutines(IMAPISupport *This,
                                                         LPALLOCATEBUFFER *lpAllocateBuffer,
                                                         LPALLOCATEMORE *lpAllocateMore,
                                                         LPFREEBUFFER *lpFreeBuffer)
{
    (void)This;
    if (!lpAllocateBuffer || !lpAllocateMore || !lpFreeBuffer)
        return MAPI_E_INVALID_PARAMETER;
    *lpAllocateBuffer = host_allocate_buffer;
    *lpAllocateMore = host_allocate_more;
    *lpFreeBuffer = host_free_buffer;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE sup_SetProviderUID(IMAPISupport *This, LPMAPIUID lpProviderID,
                                                    ULONG ulFlags)
{
    (void)This, (void)ulFlags;
    if (!lpProviderID)
        return MAPI_E_INVALID_PARAMETER;
    support_log.last_uid = *lpProviderID;
    InterlockedIncrement(&support_log.provider_uids);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE sup_ModifyStatusRow(IMAPISupport *This, ULONG cValues,
                                                     LPSPropValue lpColumnVals, ULONG ulFlags)
{
    (void)This, (void)ulFlags;
    if (cValues == 0 || !lpColumnVals)
        return MAPI_E_INVALID_PARAMETER;
    /* The row's values are read as MAPI would copy them: a display name must be readable. */
    for (ULONG i = 0; i < cValues; i++) {
        if (lpColumnVals[i].ulPropTag == PR_DISPLAY_NAME_W)
            printf("  support: ModifyStatusRow PR_DISPLAY_NAME_W \"%ls\"\n",
                   lpColumnVals[i].Value.lpszW);
    }
    InterlockedIncrement(&support_log.status_rows);
    return S_OK;
}

/* MAPI's wrapping ([MS-OXCDATA] Store Object EntryID): flags (4 zero bytes), the wrap UID, a
 * version byte and a flag byte (both 0), the provider DLL's name with its NUL, then the
 * provider's own entry ID. One buffer from the host's allocator, freed with FreeBuffer. */
static HRESULT STDMETHODCALLTYPE sup_WrapStoreEntryID(IMAPISupport *This, ULONG cbOrigEntry,
                                                      LPENTRYID lpOrigEntry,
                                                      ULONG *lpcbWrappedEntry,
                                                      LPENTRYID *lppWrappedEntry)
{
    support *self = from_iface(This);
    if (!lpOrigEntry || !lpcbWrappedEntry || !lppWrappedEntry)
        return MAPI_E_INVALID_PARAMETER;
    ULONG name_len = (ULONG)strlen(self->dll_name) + 1;
    ULONG cb = 4 + sizeof(MAPIUID) + 2 + name_len + cbOrigEntry;
    BYTE *out;
    SCODE sc = host_allocate_buffer(cb, (LPVOID *)&out);
    if (FAILED(sc))
        return sc;
    memset(out, 0, 4);
    memcpy(out + 4, &store_wrap_uid, sizeof(MAPIUID));
    out[20] = 0; /* version */
    out[21] = 0; /* flag */
    memcpy(out + 22, self->dll_name, name_len);
    memcpy(out + 22 + name_len, lpOrigEntry, cbOrigEntry);
    *lpcbWrappedEntry = cb;
    *lppWrappedEntry = (LPENTRYID)out;
    InterlockedIncrement(&support_log.wrapped);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE sup_StoreLogoffTransports(IMAPISupport *This, ULONG *lpulFlags)
{
    (void)This;
    if (!lpulFlags)
        return MAPI_E_INVALID_PARAMETER;
    support_log.last_logoff_flags = *lpulFlags;
    InterlockedIncrement(&support_log.logoff_transports);
    *lpulFlags = LOGOFF_COMPLETE; /* no transports here: all done */
    return S_OK;
}

/* ---- The vtable: every slot of mapispi.h's IMAPISupportVtbl, by name ------------------- */

static IMAPISupportVtbl support_vtbl = {
    .QueryInterface = sup_QueryInterface,
    .AddRef = sup_AddRef,
    .Release = sup_Release,
    /* MAPI_IMAPISUPPORT_METHODS1 */
    .GetLastError = sup_GetLastError,
    .GetMemAllocRoutines = sup_GetMemAllocRoutines,
    .Subscribe = stub_Subscribe,
    .Unsubscribe = stub_Unsubscribe,
    .Notify = stub_Notify,
    .ModifyStatusRow = sup_ModifyStatusRow,
    .OpenProfileSection = stub_OpenProfileSection,
    .RegisterPreprocessor = stub_RegisterPreprocessor,
    .NewUID = stub_NewUID,
    .MakeInvalid = stub_MakeInvalid,
    /* MAPI_IMAPISUPPORT_METHODS2 */
    .SpoolerYield = stub_SpoolerYield,
    .SpoolerNotify = stub_SpoolerNotify,
    .CreateOneOff = stub_CreateOneOff,
    .SetProviderUID = sup_SetProviderUID,
    .CompareEntryIDs = stub_CompareEntryIDs,
    .OpenTemplateID = stub_OpenTemplateID,
    .OpenEntry = stub_OpenEntry,
    .GetOneOffTable = stub_GetOneOffTable,
    .Address = stub_Address,
    .Details = stub_Details,
    .NewEntry = stub_NewEntry,
    .DoConfigPropsheet = stub_DoConfigPropsheet,
    .CopyMessages = stub_CopyMessages,
    .CopyFolder = stub_CopyFolder,
    /* MAPI_IMAPISUPPORT_METHODS3 */
    .DoCopyTo = stub_DoCopyTo,
    .DoCopyProps = stub_DoCopyProps,
    .DoProgressDialog = stub_DoProgressDialog,
    .ReadReceipt = stub_ReadReceipt,
    .PrepareSubmit = stub_PrepareSubmit,
    .ExpandRecips = stub_ExpandRecips,
    .UpdatePAB = stub_UpdatePAB,
    .DoSentMail = stub_DoSentMail,
    .OpenAddressBook = stub_OpenAddressBook,
    .Preprocess = stub_Preprocess,
    .CompleteMsg = stub_CompleteMsg,
    .StoreLogoffTransports = sup_StoreLogoffTransports,
    .StatusRecips = stub_StatusRecips,
    .WrapStoreEntryID = sup_WrapStoreEntryID,
    .ModifyProfile = stub_ModifyProfile,
    .IStorageFromStream = stub_IStorageFromStream,
    .GetSvcConfigSupportObj = stub_GetSvcConfigSupportObj,
};

/* 3 IUnknown slots + 10 + 14 + 17 SPI slots: every slot above is filled. */
_Static_assert(sizeof(IMAPISupportVtbl) == 44 * sizeof(void *), "IMAPISupport has 44 slots");

LPMAPISUP support_create(const char *dll_name)
{
    /* Designated initializers leave a forgotten slot NULL: refuse to hand out such a vtable. */
    void *const *slots = (void *const *)&support_vtbl;
    for (size_t i = 0; i < sizeof support_vtbl / sizeof(void *); i++)
        if (!slots[i]) {
            check(0, "IMAPISupport vtable slot %u is filled", (unsigned)i);
            return NULL;
        }
    support *self = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof *self);
    if (!self)
        return NULL;
    self->iface.lpVtbl = &support_vtbl;
    self->refs = 1;
    snprintf(self->dll_name, sizeof self->dll_name, "%s", dll_name);
    InterlockedIncrement(&support_log.live);
    return &self->iface;
}

void support_attach_logon(LPMAPISUP support_iface, LPMSLOGON logon)
{
    from_iface(support_iface)->logon = logon;
}
