/*
 * The sample store driven by C code, as MAPI drives a store provider:
 *
 *   host.exe PATH\sample_store.dll
 *
 * LoadLibrary, GetProcAddress("MSProviderInit") called through mingw-w64's MSPROVIDERINIT type
 * (cdecl), then IMSProvider, IMSLogon and IMsgStore through the lpVtbl of mapispi.h /
 * mapidefs.h (stdcall on 32-bit x86), with MAPI's allocators and an IMAPISupport written here
 * in C (support.c). On i686 any disagreement about calling conventions between this file and
 * the Rust DLL corrupts the stack; any disagreement about widths or slot order reads garbage.
 * Prints one line per check; the exit code is the number of failed checks.
 *
 * Width note: mingw-w64 declares a few parameters ULONG where Outlook's headers have ULONG_PTR
 * (IMSProvider::Logon's ulUIParam, connection numbers). This host passes 0 for those, which
 * reads the same either way.
 */
/* Instantiate, in this file, the IIDs of mapiguid.h that the host and support.c use. */
#define INITGUID
#define USES_IID_IMAPISup
#define USES_IID_IMAPITable
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "host.h"

int failures;

void check(int ok, const char *what, ...)
{
    va_list args;
    va_start(args, what);
    printf("%s ", ok ? "ok  " : "FAIL");
    vprintf(what, args);
    printf("\n");
    va_end(args);
    if (!ok)
        failures++;
}

/* ---- Stack balance: see BALANCED in host.h ---------------------------------------------- */
#if defined(__i386__)
void check_stack(unsigned long before, unsigned long after, const char *call)
{
    if (before != after)
        check(0, "stack balance: ESP moved by %ld bytes across %s", (long)(after - before), call);
}

/* The check must see a mismatch: call a stdcall function (it pops its 4 argument bytes)
 * through a cdecl pointer (the caller does not expect that), measure, then undo the damage. */
static __attribute__((noinline, optimize("no-omit-frame-pointer"))) void stack_check_self_test(void)
{
    typedef ULONG(__cdecl * wrong_convention)(LPVOID);
    wrong_convention wrong = (wrong_convention)(void *)host_free_buffer;
    unsigned long before, after;
    READ_ESP(before);
    wrong(NULL);
    READ_ESP(after);
    __asm__ volatile("subl %0, %%esp" : : "r"(after - before) : "memory");
    check(after - before == 4,
          "stack check self-test: a stdcall callee through a cdecl pointer moves ESP by %ld",
          (long)(after - before));
}
#else
static void stack_check_self_test(void) {}
#endif

/* ---- MAPI's allocators -------------------------------------------------------------------
 * Every block starts with a header that chains the blocks AllocateMore linked to it, so that
 * FreeBuffer of the first frees them all. The header is 16 bytes: returned pointers keep the
 * 16-byte alignment of the heap on x64 (8 on x86). */
typedef struct block {
    struct block *next_more; /* the next block in this buffer's AllocateMore chain */
    ULONG magic;
    ULONG is_more;
} block;
#define BLOCK_HEADER 16
_Static_assert(sizeof(block) <= BLOCK_HEADER, "block header fits");
#define ROOT_MAGIC 0x4D415049u /* "MAPI" */

LONG live_buffers;

static block *header_of(LPVOID p) { return (block *)((BYTE *)p - BLOCK_HEADER); }

SCODE WINAPI host_allocate_buffer(ULONG cbSize, LPVOID *lppBuffer)
{
    if (!lppBuffer)
        return MAPI_E_INVALID_PARAMETER;
    block *b = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, BLOCK_HEADER + (SIZE_T)cbSize);
    if (!b) {
        *lppBuffer = NULL;
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    b->magic = ROOT_MAGIC;
    InterlockedIncrement(&live_buffers);
    *lppBuffer = (BYTE *)b + BLOCK_HEADER;
    return S_OK;
}

SCODE WINAPI host_allocate_more(ULONG cbSize, LPVOID lpObject, LPVOID *lppBuffer)
{
    if (!lppBuffer || !lpObject || header_of(lpObject)->magic != ROOT_MAGIC)
        return MAPI_E_INVALID_PARAMETER;
    block *root = header_of(lpObject);
    if (root->is_more)
        return MAPI_E_INVALID_PARAMETER; /* must be a buffer from AllocateBuffer */
    block *b = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, BLOCK_HEADER + (SIZE_T)cbSize);
    if (!b) {
        *lppBuffer = NULL;
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    b->magic = ROOT_MAGIC;
    b->is_more = 1;
    b->next_more = root->next_more;
    root->next_more = b;
    InterlockedIncrement(&live_buffers);
    *lppBuffer = (BYTE *)b + BLOCK_HEADER;
    return S_OK;
}

ULONG WINAPI host_free_buffer(LPVOID lpBuffer)
{
    if (!lpBuffer)
        return S_OK;
    block *b = header_of(lpBuffer);
    if (b->magic != ROOT_MAGIC || b->is_more) {
        check(0, "FreeBuffer of a pointer that is not a MAPI buffer (%p)", lpBuffer);
        return (ULONG)MAPI_E_INVALID_PARAMETER;
    }
    while (b) {
        block *next = b->next_more;
        b->magic = 0;
        HeapFree(GetProcessHeap(), 0, b);
        InterlockedDecrement(&live_buffers);
        b = next;
    }
    return S_OK;
}

/* ---- The store entry IDs of the sample store ---------------------------------------------
 * [4 zero flag bytes][the provider's MAPIUID][version 1][store name, UTF-8, no NUL] */
static const BYTE sample_uid[16] = {0x5A, 0x3C, 0x19, 0xE2, 0x7B, 0x44, 0x4D, 0x0A,
                                    0x9E, 0x61, 0x2F, 0x08, 0xC4, 0x35, 0xD7, 0x10};

typedef struct {
    ULONG cb;
    BYTE ab[64];
} entry_id;

static entry_id store_entry_id(const char *name)
{
    entry_id id = {0};
    memcpy(id.ab + 4, sample_uid, sizeof sample_uid);
    id.ab[20] = 1;
    size_t len = strlen(name);
    memcpy(id.ab + 21, name, len);
    id.cb = (ULONG)(21 + len);
    return id;
}

static const SPropValue *find_prop(const SPropValue *values, ULONG count, ULONG tag)
{
    for (ULONG i = 0; i < count; i++)
        if (values[i].ulPropTag == tag)
            return &values[i];
    return NULL;
}

/* One IMSProvider::Logon (or SpoolerLogon when spool is not NULL) with a new support object,
 * handled as MAPI handles it: the IMSLogon goes to the support object, MAPI's own reference to
 * the support object is released, the IMsgStore is returned. */
static HRESULT logon(LPMSPROVIDER provider, const char *dll_name, const entry_id *id,
                     const BYTE *spool, ULONG cb_spool, LPMDB *store, BYTE *spool_out,
                     ULONG *cb_spool_out)
{
    LPMAPISUP support = support_create(dll_name);
    if (!support)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    char profile[] = "c-host profile";
    ULONG cb_security = 0;
    LPBYTE security = NULL;
    LPMAPIERROR error = NULL;
    LPMSLOGON ms_logon = NULL;
    *store = NULL;
    HRESULT hr;
    if (!spool)
        hr = VCALL(provider, Logon, support, 0, (LPTSTR)profile, id->cb,
                                     (LPENTRYID)id->ab, MDB_NO_DIALOG | MDB_WRITE, NULL,
                                     &cb_security, &security, &error, &ms_logon, store);
    else
        hr = VCALL(provider, SpoolerLogon, support, 0, (LPTSTR)profile, id->cb,
                                            (LPENTRYID)id->ab, MDB_NO_DIALOG | MDB_WRITE, NULL,
                                            cb_spool, (LPBYTE)spool, &error, &ms_logon, store);
    if (error) {
        printf("  MAPIERROR: \"%s\"\n", error->lpszError ? (char *)error->lpszError : "");
        host_free_buffer(error);
    }
    if (security) {
        if (spool_out && cb_spool_out && cb_security <= 256) {
            memcpy(spool_out, security, cb_security);
            *cb_spool_out = cb_security;
        }
        host_free_buffer(security);
    }
    if (ms_logon)
        support_attach_logon(support, ms_logon);
    VCALL0(support, Release);
    return hr;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH\\sample_store.dll\n", argv[0]);
        return 100;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    stack_check_self_test();
    printf("c-host: %d-bit, mapispi.h of mingw-w64, provider %s\n",
           (int)(8 * sizeof(void *)), argv[1]);

    HMODULE dll = LoadLibraryA(argv[1]);
    check(dll != NULL, "LoadLibrary(%s) (error %lu)", argv[1], dll ? 0ul : GetLastError());
    if (!dll)
        return failures;
    MSPROVIDERINIT *init = (MSPROVIDERINIT *)(void *)GetProcAddress(dll, "MSProviderInit");
    check(init != NULL, "GetProcAddress(\"MSProviderInit\"): exported undecorated");
    if (!init)
        return failures;
    const char *dll_name = strrchr(argv[1], '\\') ? strrchr(argv[1], '\\') + 1 : argv[1];

    LPMALLOC malloc_iface = NULL;
    check(SUCCEEDED(CoGetMalloc(1, &malloc_iface)), "CoGetMalloc");

    /* MSProviderInit: cdecl (STDMAPIINITCALLTYPE). */
    ULONG provider_version = 0;
    LPMSPROVIDER provider = NULL;
    HRESULT hr = BALANCED(init(dll, malloc_iface, host_allocate_buffer, host_allocate_more,
                      host_free_buffer, 0, CURRENT_SPI_VERSION, &provider_version, &provider));
    check(hr == S_OK && provider, "MSProviderInit -> 0x%08lX", (unsigned long)hr);
    check(provider_version == CURRENT_SPI_VERSION, "provider SPI version 0x%08lX",
          (unsigned long)provider_version);
    if (!provider)
        return failures;
    LPMSPROVIDER provider2 = NULL;
    hr = BALANCED(init(dll, malloc_iface, host_allocate_buffer, host_allocate_more, host_free_buffer, 0,
              PDK1_SPI_VERSION, &provider_version, &provider2));
    check(hr == MAPI_E_VERSION && !provider2, "MSProviderInit with an older MAPI -> MAPI_E_VERSION");

    /* QueryInterface through the C vtable. */
    LPUNKNOWN unknown = NULL;
    hr = VCALL(provider, QueryInterface, &IID_IUnknown, (LPVOID *)&unknown);
    check(hr == S_OK && unknown, "IMSProvider::QueryInterface(IID_IUnknown)");
    if (unknown)
        VCALL0(unknown, Release);
    LPVOID nothing = (LPVOID)1;
    hr = VCALL(provider, QueryInterface, &IID_IMAPITable, &nothing);
    check(hr == E_NOINTERFACE && nothing == NULL, "IMSProvider::QueryInterface(IID_IMAPITable) -> E_NOINTERFACE, NULL");

    /* CompareStoreIDs before any store is open. */
    entry_id inbox = store_entry_id("Inbox"), inbox_upper = store_entry_id("INBOX"),
             archive = store_entry_id("Archive");
    ULONG same = 2;
    hr = VCALL(provider, CompareStoreIDs, inbox.cb, (LPENTRYID)inbox.ab,
                                           inbox_upper.cb, (LPENTRYID)inbox_upper.ab, 0, &same);
    check(hr == S_OK && same == TRUE, "CompareStoreIDs(Inbox, INBOX) -> TRUE");
    hr = VCALL(provider, CompareStoreIDs, inbox.cb, (LPENTRYID)inbox.ab, archive.cb,
                                           (LPENTRYID)archive.ab, 0, &same);
    check(hr == S_OK && same == FALSE, "CompareStoreIDs(Inbox, Archive) -> FALSE");

    /* Logon. */
    BYTE spool[256];
    ULONG cb_spool = 0;
    LPMDB store = NULL;
    hr = logon(provider, dll_name, &inbox, NULL, 0, &store, spool, &cb_spool);
    check(hr == S_OK && store, "IMSProvider::Logon(Inbox) -> 0x%08lX", (unsigned long)hr);
    check(cb_spool > 0, "Logon returned %lu bytes of spool security", (unsigned long)cb_spool);
    check(support_log.provider_uids == 1 && !memcmp(&support_log.last_uid, sample_uid, 16),
          "IMAPISupport::SetProviderUID with the sample UID");
    check(support_log.status_rows == 1, "IMAPISupport::ModifyStatusRow once");
    check(support_log.live == 1, "the store keeps its support object");
    if (!store)
        return failures;

    drive_stream(store);

    /* IMsgStore::GetProps (IMAPIProp slot), with a tag the store does not have. */
    SizedSPropTagArray(7, tags) = {7,
                                   {PR_DISPLAY_NAME_W, PR_OBJECT_TYPE, PR_STORE_SUPPORT_MASK,
                                    PR_MDB_PROVIDER, PR_STORE_ENTRYID, PR_RECORD_KEY,
                                    PR_SUBJECT_W}};
    ULONG count = 0;
    LPSPropValue values = NULL;
    hr = VCALL(store, GetProps, (LPSPropTagArray)&tags, MAPI_UNICODE, &count, &values);
    check(hr == MAPI_W_ERRORS_RETURNED && count == 7 && values,
          "IMsgStore::GetProps -> MAPI_W_ERRORS_RETURNED, %lu values", (unsigned long)count);
    if (values) {
        const SPropValue *v = find_prop(values, count, PR_DISPLAY_NAME_W);
        check(v && v->Value.lpszW && !wcscmp(v->Value.lpszW, L"Sample store Inbox"),
              "PR_DISPLAY_NAME_W \"%ls\"", v && v->Value.lpszW ? v->Value.lpszW : L"");
        v = find_prop(values, count, PR_OBJECT_TYPE);
        check(v && v->Value.l == MAPI_STORE, "PR_OBJECT_TYPE MAPI_STORE");
        v = find_prop(values, count, PR_STORE_SUPPORT_MASK);
        /* A writable store with unique entry IDs and Unicode text: STORE_ENTRYID_UNIQUE,
         * STORE_MODIFY_OK and STORE_UNICODE_OK (0x00040000, newer than mingw-w64's
         * mapidefs.h) set, STORE_READONLY clear. */
        check(v &&
                  ((ULONG)v->Value.l & (STORE_ENTRYID_UNIQUE | STORE_MODIFY_OK | 0x00040000)) ==
                      (STORE_ENTRYID_UNIQUE | STORE_MODIFY_OK | 0x00040000) &&
                  !((ULONG)v->Value.l & STORE_READONLY),
              "PR_STORE_SUPPORT_MASK 0x%08lX", v ? (unsigned long)v->Value.l : 0ul);
        v = find_prop(values, count, PR_MDB_PROVIDER);
        check(v && v->Value.bin.cb == 16 && !memcmp(v->Value.bin.lpb, sample_uid, 16),
              "PR_MDB_PROVIDER is the provider's UID");
        v = find_prop(values, count, PR_STORE_ENTRYID);
        check(v && v->Value.bin.cb > inbox.cb + 20 &&
                  !memcmp(v->Value.bin.lpb + 4, &store_wrap_uid, 16) &&
                  !memcmp(v->Value.bin.lpb + v->Value.bin.cb - inbox.cb, inbox.ab, inbox.cb),
              "PR_STORE_ENTRYID is MAPI's wrapping of the store's own ID (%lu bytes)",
              v ? (unsigned long)v->Value.bin.cb : 0ul);
        v = find_prop(values, count, PR_RECORD_KEY);
        check(v && v->Value.bin.cb == 5 && !memcmp(v->Value.bin.lpb, "inbox", 5),
              "PR_RECORD_KEY \"inbox\"");
        v = find_prop(values, count, PROP_TAG(PT_ERROR, PROP_ID(PR_SUBJECT_W)));
        check(v && v->Value.err == MAPI_E_NOT_FOUND, "PR_SUBJECT_W -> PT_ERROR MAPI_E_NOT_FOUND");
        host_free_buffer(values);
    }
    check(support_log.wrapped >= 1, "IMAPISupport::WrapStoreEntryID called");

    /* The spooler: the spool security Logon returned opens the same store; forged data fails. */
    LPMDB spooler_store = NULL;
    hr = logon(provider, dll_name, &inbox, spool, cb_spool, &spooler_store, NULL, NULL);
    check(hr == S_OK && spooler_store, "IMSProvider::SpoolerLogon with the spool security -> 0x%08lX",
          (unsigned long)hr);
    if (spooler_store) {
        LPUNKNOWN a = NULL, b = NULL;
        VCALL(store, QueryInterface, &IID_IUnknown, (LPVOID *)&a);
        VCALL(spooler_store, QueryInterface, &IID_IUnknown, (LPVOID *)&b);
        check(a && a == b, "the spooler gets the same store object");
        if (a)
            VCALL0(a, Release);
        if (b)
            VCALL0(b, Release);
        VCALL0(spooler_store, Release);
    }
    BYTE forged[256];
    memcpy(forged, spool, cb_spool);
    forged[cb_spool - 1] ^= 1;
    LPMDB forged_store = (LPMDB)1;
    hr = logon(provider, dll_name, &inbox, forged, cb_spool, &forged_store, NULL, NULL);
    check(hr == MAPI_E_LOGON_FAILED && forged_store == NULL,
          "SpoolerLogon with forged spool security -> MAPI_E_LOGON_FAILED, NULL store");

    /* A second store, then the orderly close of both: StoreLogoff, Release; the provider
     * calls StoreLogoffTransports and gives up the support object, whose last Release logs the
     * IMSLogon off. */
    LPMDB second = NULL;
    hr = logon(provider, dll_name, &archive, NULL, 0, &second, NULL, NULL);
    check(hr == S_OK && second, "IMSProvider::Logon(Archive)");
    LPMDB stores[2] = {store, second};
    for (int i = 0; i < 2; i++) {
        if (!stores[i])
            continue;
        LONG transports = support_log.logoff_transports, logoffs = support_log.logoffs;
        ULONG flags = LOGOFF_ORDERLY;
        hr = VCALL(stores[i], StoreLogoff, &flags);
        check(hr == S_OK, "IMsgStore::StoreLogoff(LOGOFF_ORDERLY) -> 0x%08lX", (unsigned long)hr);
        ULONG left = VCALL0(stores[i], Release);
        check(left == 0, "IMsgStore::Release -> %lu", (unsigned long)left);
        check(support_log.logoff_transports == transports + 1 &&
                  support_log.last_logoff_flags == LOGOFF_ORDERLY,
              "StoreLogoffTransports(LOGOFF_ORDERLY) once");
        check(support_log.logoffs == logoffs + 1, "the support object's last Release logged the store off");
    }
    check(support_log.live == 0, "every support object released (%ld left)", (long)support_log.live);

    drive_fast_shutdown_query(provider);
    drive_service_entry(dll);

    /* Shutdown and the last Release of the provider. */
    ULONG reserved = 0;
    hr = VCALL(provider, Shutdown, &reserved);
    check(hr == S_OK, "IMSProvider::Shutdown -> 0x%08lX", (unsigned long)hr);
    ULONG left = VCALL0(provider, Release);
    check(left == 0, "IMSProvider::Release -> %lu", (unsigned long)left);

    check(live_buffers == 0, "no MAPI buffer left (%ld)", (long)live_buffers);
    /* Without a profile, each fresh logon's OpenProfileSection calls (the provider's display
     * name, the runtime's record of the store) are answered MAPI_E_NO_SUPPORT; nothing else. */
    check(support_log.unsupported_other == 0,
          "%ld unsupported support calls besides OpenProfileSection (%ld in all; last: %s)",
          (long)support_log.unsupported_other, (long)support_log.unsupported,
          support_log.last_unsupported);
    if (malloc_iface)
        VCALL0(malloc_iface, Release);
    check(FreeLibrary(dll), "FreeLibrary");
    printf("c-host: %s (%d failed)\n", failures ? "FAILED" : "all checks passed", failures);
    return failures;
}
