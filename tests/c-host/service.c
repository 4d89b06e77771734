/*
 * The message service entry and fast shutdown, as MAPI's C code reaches them:
 *
 * - ServiceEntry is looked up by the name PR_SERVICE_ENTRY_NAME gives ("ServiceEntry", so it
 *   must be exported undecorated on i686 too) and called through mingw-w64's MSGSERVICEENTRY
 *   type (WINAPI: stdcall on 32-bit x86; BALANCED catches a callee that pops otherwise). The
 *   contexts that need no profile, and bad input, are checked here; the profile path runs in
 *   the Rust tests under Wine.
 * - IMAPIProviderShutdown, absent from mingw-w64, is declared here as Outlook's MAPIDefS.h
 *   declares it, and queried on the provider object.
 */
#include "host.h"

void drive_service_entry(HMODULE dll)
{
    LPMSGSERVICEENTRY entry = (LPMSGSERVICEENTRY)(void *)GetProcAddress(dll, "ServiceEntry");
    check(entry != NULL, "GetProcAddress(\"ServiceEntry\"): exported undecorated");
    if (!entry)
        return;
    LPMAPIERROR error = (LPMAPIERROR)(void *)&error; /* not NULL: the entry must clear it */
    HRESULT hr = BALANCED(entry(NULL, NULL, NULL, 0, 0, MSG_SERVICE_INSTALL, 0, NULL, NULL, &error));
    check(hr == S_OK && error == NULL, "ServiceEntry(MSG_SERVICE_INSTALL) -> 0x%08lX, no MAPIERROR",
          (unsigned long)hr);
    hr = BALANCED(entry(NULL, NULL, NULL, 0, 0, MSG_SERVICE_UNINSTALL, 0, NULL, NULL, NULL));
    check(hr == S_OK, "ServiceEntry(MSG_SERVICE_UNINSTALL) -> 0x%08lX", (unsigned long)hr);
    hr = BALANCED(entry(NULL, NULL, NULL, 0, 0x100, MSG_SERVICE_CONFIGURE, 0, NULL, NULL, NULL));
    check(hr == MAPI_E_UNKNOWN_FLAGS, "ServiceEntry with an unknown flag -> MAPI_E_UNKNOWN_FLAGS");
    hr = BALANCED(entry(NULL, NULL, NULL, 0, 0, 99, 0, NULL, NULL, NULL));
    check(hr == MAPI_E_NO_SUPPORT, "ServiceEntry with an unknown context -> MAPI_E_NO_SUPPORT");
    hr = BALANCED(entry(NULL, NULL, NULL, 0, 0, MSG_SERVICE_CONFIGURE, 3, NULL, NULL, NULL));
    check(hr == MAPI_E_INVALID_PARAMETER, "ServiceEntry with a count and no values -> MAPI_E_INVALID_PARAMETER");
    hr = BALANCED(entry(NULL, NULL, NULL, 0, 0, MSG_SERVICE_CONFIGURE, 0, NULL, NULL, NULL));
    check(hr == MAPI_E_INVALID_PARAMETER,
          "ServiceEntry(MSG_SERVICE_CONFIGURE) without IProviderAdmin -> MAPI_E_INVALID_PARAMETER");
}

/* IMAPIProviderShutdown as Outlook's MAPIDefS.h declares it. */
static const GUID iid_provider_shutdown = {0x00020398, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
typedef struct provider_shutdown provider_shutdown;
typedef struct {
    HRESULT(STDMETHODCALLTYPE *QueryInterface)(provider_shutdown *, REFIID, void **);
    ULONG(STDMETHODCALLTYPE *AddRef)(provider_shutdown *);
    ULONG(STDMETHODCALLTYPE *Release)(provider_shutdown *);
    HRESULT(STDMETHODCALLTYPE *QueryFastShutdown)(provider_shutdown *);
    HRESULT(STDMETHODCALLTYPE *NotifyProcessShutdown)(provider_shutdown *);
    HRESULT(STDMETHODCALLTYPE *DoFastShutdown)(provider_shutdown *);
} provider_shutdown_vtbl;
struct provider_shutdown {
    const provider_shutdown_vtbl *lpVtbl;
};

void drive_fast_shutdown_query(LPMSPROVIDER provider)
{
    provider_shutdown *shutdown = NULL;
    HRESULT hr = VCALL(provider, QueryInterface, &iid_provider_shutdown, (void **)&shutdown);
    check(hr == S_OK && shutdown, "IMSProvider::QueryInterface(IID_IMAPIProviderShutdown) -> 0x%08lX",
          (unsigned long)hr);
    if (!shutdown)
        return;
    hr = VCALL0(shutdown, QueryFastShutdown);
    check(hr == S_OK, "IMAPIProviderShutdown::QueryFastShutdown -> 0x%08lX", (unsigned long)hr);
    VCALL0(shutdown, Release);
}

/* OpenProperty's IStream, through objidl.h's IStreamVtbl: LARGE_INTEGER and ULARGE_INTEGER
 * cross by value (8 bytes each on the i686 stack), where a wrong layout or convention shows as
 * a stack imbalance or a wrong position. The sample store's PR_RECORD_KEY is "inbox". */
void drive_stream(LPMDB store)
{
    LPUNKNOWN unk = NULL;
    HRESULT hr = VCALL(store, OpenProperty, PR_RECORD_KEY, &IID_IStream, 0, 0, &unk);
    check(hr == S_OK && unk, "IMsgStore::OpenProperty(PR_RECORD_KEY, IID_IStream) -> 0x%08lX",
          (unsigned long)hr);
    if (!unk)
        return;
    IStream *stream = (IStream *)unk;
    LARGE_INTEGER back;
    back.QuadPart = -3;
    ULARGE_INTEGER position;
    position.QuadPart = 99;
    hr = VCALL(stream, Seek, back, STREAM_SEEK_END, &position);
    check(hr == S_OK && position.QuadPart == 2, "IStream::Seek(-3, STREAM_SEEK_END) -> %lu",
          (unsigned long)position.QuadPart);
    char text[8] = {0};
    ULONG read = 0;
    hr = VCALL(stream, Read, text, 3, &read);
    check(hr == S_OK && read == 3 && !memcmp(text, "box", 3), "IStream::Read -> \"%s\"", text);
    STATSTG stat;
    memset(&stat, 0xAB, sizeof stat);
    hr = VCALL(stream, Stat, &stat, STATFLAG_NONAME);
    check(hr == S_OK && stat.cbSize.QuadPart == 5 && stat.type == STGTY_STREAM &&
              stat.grfMode == STGM_READ && stat.pwcsName == NULL,
          "IStream::Stat: 5 bytes, read-only, no name");
    ULONG written = 7;
    hr = VCALL(stream, Write, "x", 1, &written);
    check(hr == STG_E_ACCESSDENIED && written == 0, "IStream::Write on a read-only stream -> STG_E_ACCESSDENIED");
    ULARGE_INTEGER size;
    size.QuadPart = 1;
    hr = VCALL(stream, SetSize, size);
    check(hr == STG_E_ACCESSDENIED, "IStream::SetSize(ULARGE_INTEGER) on a read-only stream");
    check(VCALL0(stream, Release) == 0, "IStream::Release -> 0");
}
