/*
 * A MAPI host in C, for the sample store built as a Windows DLL: what MAPI's own C code does
 * when it loads a store provider, written against mingw-w64's mapispi.h / mapidefs.h (their
 * types, vtable structs and calling conventions), compiled with mingw-w64 gcc and run under
 * Wine by .ci/c-host. See host.c for the session it drives.
 */
#ifndef C_HOST_H
#define C_HOST_H

#include <windows.h>
#include <objbase.h>
#include <mapispi.h>
#include <mapidefs.h>
#include <mapicode.h>
#include <mapitags.h>
#include <mapiguid.h>

/* Checks: every check prints one line; main's exit code is the number that failed. */
extern int failures;
void check(int ok, const char *what, ...);

/* Stack balance (32-bit x86).
 * With -maccumulate-outgoing-args (.ci/windows-test passes it on i686) gcc keeps ESP constant
 * inside a function body: arguments are stored, not pushed, and after a callee-pops (stdcall)
 * call it subtracts the popped bytes again. So ESP read before and after a call differs exactly
 * when the callee popped a different number of bytes than the declared convention says: a
 * stdcall/cdecl mismatch between mapispi.h / mapidefs.h and the DLL. BALANCED(call) checks it. */
#if defined(__i386__)
#define READ_ESP(v) __asm__ volatile("movl %%esp, %0" : "=r"(v))
void check_stack(unsigned long before, unsigned long after, const char *call);
#define BALANCED(call)                                                                         \
    ({                                                                                         \
        unsigned long esp_before_, esp_after_;                                                 \
        READ_ESP(esp_before_);                                                                 \
        __typeof__(call) result_ = (call);                                                     \
        READ_ESP(esp_after_);                                                                  \
        check_stack(esp_before_, esp_after_, #call);                                           \
        result_;                                                                               \
    })
#else
#define BALANCED(call) (call) /* one calling convention on x64 */
/* The service entry and fast shutdown (service.c). */
void drive_service_entry(HMODULE dll);
void drive_fast_shutdown_query(LPMSPROVIDER provider);
void drive_stream(LPMDB store);

#endif
/* A method call through the object's C vtable, checked for stack balance. */
#define VCALL(obj, method, ...) BALANCED((obj)->lpVtbl->method((obj), __VA_ARGS__))
#define VCALL0(obj, method) BALANCED((obj)->lpVtbl->method((obj)))

/* MAPI's allocators, as the host passes them to MSProviderInit (host.c). */
ALLOCATEBUFFER host_allocate_buffer;
ALLOCATEMORE host_allocate_more;
FREEBUFFER host_free_buffer;
/* Buffers allocated with host_allocate_buffer / host_allocate_more and not yet freed. */
extern LONG live_buffers;

/* What the support objects saw (support.c). */
struct support_log {
    LONG live;                /* support objects not yet destroyed */
    LONG provider_uids;       /* SetProviderUID calls */
    MAPIUID last_uid;
    LONG status_rows;         /* ModifyStatusRow calls */
    LONG wrapped;             /* WrapStoreEntryID calls */
    LONG logoff_transports;   /* StoreLogoffTransports calls */
    ULONG last_logoff_flags;  /* the flags the last one got */
    LONG logoffs;             /* IMSLogon::Logoff calls made by a support object's last Release */
    LONG unsupported;         /* calls answered MAPI_E_NO_SUPPORT */
    LONG unsupported_other;   /* ... other than OpenProfileSection (this host has no profile) */
    char last_unsupported[64];
};
extern struct support_log support_log;

/* The UID MAPI puts in the store entry IDs it wraps ([MS-OXCDATA] 2.2.4.3). */
extern const MAPIUID store_wrap_uid;

/* A new support object with one reference, for one Logon; dll_name goes into wrapped IDs. */
LPMAPISUP support_create(const char *dll_name);
/* Gives the support object the IMSLogon its Logon returned (one reference, now the support
 * object's): its last Release calls IMSLogon::Logoff and Release, as MAPI does. */
void support_attach_logon(LPMAPISUP support, LPMSLOGON logon);

/* The service entry and fast shutdown (service.c). */
void drive_service_entry(HMODULE dll);
void drive_fast_shutdown_query(LPMSPROVIDER provider);
void drive_stream(LPMDB store);

#endif
