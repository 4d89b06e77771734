/* The baseline of the `session` benchmark: the sample store's protocol as a C programmer would
 * write it by hand, vtables declared here with the layouts of mapi-spi-runtime's interfaces
 * (IUnknown's 3 slots, then each interface's methods in declaration order).
 *
 * A provider object (IMSProvider) keeps a locked list of the stores open in its session. A fresh
 * Logon makes the same calls into the support object as the Rust sample store and runtime:
 * OpenProfileSection, once (the display name and identity are read from and written to the profile
 * when MAPI offers one), SetProviderUID, ModifyStatusRow with its columns in one MAPI buffer,
 * WrapStoreEntryID, spool security in a MAPI buffer (the store's key as it is: mapi-spi's runtime
 * also seals it with an HMAC-SHA-256, work this store does not do), and an AddRef on the support
 * object. One allocation holds the store (IMsgStore) and its logon object (IMSLogon), each with
 * its own count, freed when both reach zero. GetProps answers any tags from the store's 8
 * properties in one MAPI buffer; the store's last Release calls StoreLogoffTransports and
 * releases the support object, whose Release calls IMSLogon::Logoff and Release as MAPI does.
 * CompareStoreIDs compares the store names case-insensitively, in place. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The list of open stores is held for a few instructions at a time: a spin lock, whose
 * uncontended cost is that of a mutex (one atomic exchange in, one store out). */
typedef int lock_t;
static void lock(lock_t *l) {
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(l, __ATOMIC_RELAXED))
            ;
}
static void unlock(lock_t *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

#if defined(_WIN32) && !defined(_WIN64)
#define STDCALL __attribute__((stdcall))
#else
#define STDCALL
#endif

typedef int32_t HRESULT;
typedef uint32_t ULONG;
typedef uintptr_t ULONG_PTR;
typedef struct { uint32_t d1; uint16_t d2, d3; uint8_t d4[8]; } GUID;
typedef struct { uint8_t ab[16]; } MAPIUID;
typedef struct { ULONG cb; uint8_t *lpb; } SBinary;
typedef union {
    int32_t l;
    ULONG ul;
    char *lpszA;
    uint16_t *lpszW;
    SBinary bin;
    HRESULT err;
    int64_t li; /* the union's 8-byte member: its size and alignment */
} PV;
typedef struct { ULONG ulPropTag; ULONG dwAlignPad; PV Value; } SPropValue;
typedef struct { ULONG cValues; ULONG aulPropTag[1]; } SPropTagArray;

typedef HRESULT(STDCALL *ALLOCATEBUFFER)(ULONG, void **);
typedef HRESULT(STDCALL *ALLOCATEMORE)(ULONG, void *, void **);
typedef ULONG(STDCALL *FREEBUFFER)(void *);

#define S_OK 0
#define MAPI_W_ERRORS_RETURNED ((HRESULT)0x00040380)
#define MAPI_E_NOT_ENOUGH_MEMORY ((HRESULT)0x8007000E)
#define MAPI_E_INVALID_PARAMETER ((HRESULT)0x80070057)
#define MAPI_E_INTERFACE_NOT_SUPPORTED ((HRESULT)0x80004002)
#define MAPI_E_NO_SUPPORT ((HRESULT)0x80040102)
#define MAPI_E_UNKNOWN_FLAGS ((HRESULT)0x80040106)
#define MAPI_E_INVALID_ENTRYID ((HRESULT)0x80040107)
#define MAPI_E_NOT_FOUND ((HRESULT)0x8004010F)
#define MAPI_E_VERSION ((HRESULT)0x80040110)
#define CURRENT_SPI_VERSION 0x00010010u
#define MAPI_UNICODE 0x80000000u
#define MAPI_MODIFY 0x00000001u
#define LOGOFF_ABORT 0x00000008u
#define STATUS_AVAILABLE 0x00000001u
#define MAPI_STORE 0x00000001u
#define SUPPORT_MASK (0x00000001u | 0x00000002u | 0x00040000u) /* ENTRYID_UNIQUE|READONLY|UNICODE_OK */

#define PT_UNSPECIFIED 0x0000u
#define PT_LONG 0x0003u
#define PT_ERROR 0x000Au
#define PT_STRING8 0x001Eu
#define PT_UNICODE 0x001Fu
#define PT_BINARY 0x0102u
#define PROP_TAG(type, id) (((ULONG)(id) << 16) | (type))
#define PROP_TYPE(tag) ((tag) & 0xFFFFu)
#define PROP_ID(tag) ((tag) >> 16)
#define PR_DISPLAY_NAME_W PROP_TAG(PT_UNICODE, 0x3001)
#define PR_STATUS_CODE PROP_TAG(PT_LONG, 0x3E04)
#define PR_RESOURCE_METHODS PROP_TAG(PT_LONG, 0x3E02)

typedef struct support support;
typedef struct {
    HRESULT(STDCALL *QueryInterface)(support *, const GUID *, void **);
    ULONG(STDCALL *AddRef)(support *);
    ULONG(STDCALL *Release)(support *);
    void *GetLastError, *GetMemAllocRoutines, *Subscribe, *Unsubscribe, *Notify;
    HRESULT(STDCALL *ModifyStatusRow)(support *, ULONG, SPropValue *, ULONG);
    HRESULT(STDCALL *OpenProfileSection)(support *, MAPIUID *, ULONG, void **);
    void *RegisterPreprocessor, *NewUID, *MakeInvalid, *SpoolerYield, *SpoolerNotify,
        *CreateOneOff;
    HRESULT(STDCALL *SetProviderUID)(support *, MAPIUID *, ULONG);
    void *CompareEntryIDs, *OpenTemplateID, *OpenEntry, *GetOneOffTable, *Address, *Details,
        *NewEntry, *DoConfigPropsheet, *CopyMessages, *CopyFolder, *DoCopyTo, *DoCopyProps,
        *DoProgressDialog, *ReadReceipt, *PrepareSubmit, *ExpandRecips, *UpdatePAB, *DoSentMail,
        *OpenAddressBook, *Preprocess, *CompleteMsg;
    HRESULT(STDCALL *StoreLogoffTransports)(support *, ULONG *);
    void *StatusRecips;
    HRESULT(STDCALL *WrapStoreEntryID)(support *, ULONG, void *, ULONG *, void **);
} support_vtbl;
struct support { const support_vtbl *v; };

/* A profile section: IMAPIProp's GetProps and SetProps are all this store uses of it. */
typedef struct profsect profsect;
typedef struct {
    void *QueryInterface, *AddRef;
    ULONG(STDCALL *Release)(profsect *);
    void *GetLastError, *SaveChanges;
    HRESULT(STDCALL *GetProps)(profsect *, SPropTagArray *, ULONG, ULONG *, SPropValue **);
    void *GetPropList, *OpenProperty;
    HRESULT(STDCALL *SetProps)(profsect *, ULONG, SPropValue *, void **);
} profsect_vtbl;
struct profsect { const profsect_vtbl *v; };

static const GUID iid_unknown = {0, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const GUID iid_mapiprop = {0x00020303, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const GUID iid_msgstore = {0x00020306, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const GUID iid_msprovider = {0x00020310, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const GUID iid_mslogon = {0x00020313, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static int same_iid(const GUID *a, const GUID *b) { return !memcmp(a, b, sizeof(GUID)); }

/* The sample store's entry IDs: [0 0 0 0] [UID: 16] [version: 1] [name]. */
static const MAPIUID sample_uid = {{0x5A, 0x3C, 0x19, 0xE2, 0x7B, 0x44, 0x4D, 0x0A, 0x9E, 0x61,
                                    0x2F, 0x08, 0xC4, 0x35, 0xD7, 0x10}};
#define NAME_OFFSET 21
#define NAME_MAX_LEN 256

/* The name in a store entry ID of ours, or NULL. */
static const uint8_t *store_name(ULONG cb, const uint8_t *id, ULONG *len) {
    static const uint8_t zero[4];
    if (!id || cb <= NAME_OFFSET || cb - NAME_OFFSET > NAME_MAX_LEN || memcmp(id, zero, 4) ||
        memcmp(id + 4, sample_uid.ab, 16) || id[20] != 1)
        return 0;
    *len = cb - NAME_OFFSET;
    return id + NAME_OFFSET;
}

static uint8_t fold(uint8_t c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

static int same_name(const uint8_t *a, ULONG la, const uint8_t *b, ULONG lb) {
    if (la != lb) return 0;
    for (ULONG i = 0; i < la; i++)
        if (fold(a[i]) != fold(b[i])) return 0;
    return 1;
}

typedef struct provider provider;
typedef struct store store;

typedef struct {
    HRESULT(STDCALL *QueryInterface)(void *, const GUID *, void **);
    ULONG(STDCALL *AddRef)(void *);
    ULONG(STDCALL *Release)(void *);
    void *GetLastError, *SaveChanges;
    HRESULT(STDCALL *GetProps)(void *, SPropTagArray *, ULONG, ULONG *, SPropValue **);
    void *GetPropList, *OpenProperty, *SetProps, *DeleteProps, *CopyTo, *CopyProps,
        *GetNamesFromIDs, *GetIDsFromNames, *Advise, *Unadvise, *CompareEntryIDs, *OpenEntry,
        *SetReceiveFolder, *GetReceiveFolder, *GetReceiveFolderTable;
    HRESULT(STDCALL *StoreLogoff)(void *, ULONG *);
    void *AbortSubmit, *GetOutgoingQueue, *SetLockState, *FinishedMsg, *NotifyNewMail;
} msgstore_vtbl;

typedef struct {
    HRESULT(STDCALL *QueryInterface)(void *, const GUID *, void **);
    ULONG(STDCALL *AddRef)(void *);
    ULONG(STDCALL *Release)(void *);
    void *GetLastError;
    HRESULT(STDCALL *Logoff)(void *, ULONG *);
    void *OpenEntry, *CompareEntryIDs, *Advise, *Unadvise, *OpenStatusEntry;
} mslogon_vtbl;

/* One open store: its IMsgStore and IMSLogon, and its properties. */
struct store {
    const msgstore_vtbl *store_vtbl;
    const mslogon_vtbl *logon_vtbl;
    ULONG store_refs, logon_refs;
    ULONG holders; /* the memory: 1 for IMsgStore until its teardown ends, 1 for IMSLogon */
    provider *owner;
    store *next; /* in the provider's list, while open */
    int open;
    support *sup;
    ULONG logoff_flags;
    int logoff_saved;
    FREEBUFFER free_buffer;
    ALLOCATEBUFFER allocate_buffer;
    uint8_t *entry_id; /* the wrapped ID, MAPI's buffer */
    ULONG cb_entry_id;
    ULONG name_len, display_len;
    uint8_t name[NAME_MAX_LEN];      /* lower-cased: the record key */
    uint16_t display[NAME_MAX_LEN + 16]; /* the display name, UTF-16 (names are ASCII here) */
};

struct provider {
    const void *vtbl;
    ULONG refs;
    ALLOCATEBUFFER allocate_buffer;
    ALLOCATEMORE allocate_more;
    FREEBUFFER free_buffer;
    lock_t lock;
    store *open_stores;
};

static store *of_logon(void *logon) { return (store *)((char *)logon - offsetof(store, logon_vtbl)); }

/* Frees the store once neither MAPI (IMSLogon) nor a client (IMsgStore) holds it. */
static void store_unhold(store *s) {
    if (__atomic_sub_fetch(&s->holders, 1, __ATOMIC_RELEASE) == 0) {
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        s->free_buffer(s->entry_id);
        free(s);
    }
}

/* Out of the provider's list: IMSLogon::Logoff, idempotent. */
static void store_close(store *s) {
    provider *p = s->owner;
    lock(&p->lock);
    if (s->open) {
        s->open = 0;
        for (store **at = &p->open_stores; *at; at = &(*at)->next)
            if (*at == s) {
                *at = s->next;
                break;
            }
    }
    unlock(&p->lock);
}

static HRESULT STDCALL store_query_interface(void *self, const GUID *iid, void **ppv) {
    if (!ppv) return MAPI_E_INVALID_PARAMETER;
    if (same_iid(iid, &iid_unknown) || same_iid(iid, &iid_mapiprop) || same_iid(iid, &iid_msgstore)) {
        __atomic_fetch_add(&((store *)self)->store_refs, 1, __ATOMIC_RELAXED);
        *ppv = self;
        return S_OK;
    }
    *ppv = 0;
    return MAPI_E_INTERFACE_NOT_SUPPORTED;
}
static ULONG STDCALL store_add_ref(void *self) {
    return __atomic_add_fetch(&((store *)self)->store_refs, 1, __ATOMIC_RELAXED);
}
static ULONG STDCALL store_release(void *self) {
    store *s = self;
    ULONG left = __atomic_sub_fetch(&s->store_refs, 1, __ATOMIC_RELEASE);
    if (left) return left;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    support *sup = s->sup;
    s->sup = 0;
    if (sup) {
        ULONG flags = s->logoff_saved ? s->logoff_flags : LOGOFF_ABORT;
        sup->v->StoreLogoffTransports(sup, &flags);
        sup->v->Release(sup); /* MAPI calls IMSLogon::Logoff and Release in here */
    }
    store_close(s);
    store_unhold(s);
    return 0;
}

/* The 8 properties of a store, as (tag, value) for one requested property ID. */
static int store_prop(store *s, ULONG id, SPropValue *out, const void **data, ULONG *cb) {
    *data = 0;
    *cb = 0;
    switch (id) {
    case 0x3001: /* PR_DISPLAY_NAME */
        out->ulPropTag = PR_DISPLAY_NAME_W;
        *data = s->display;
        *cb = (s->display_len + 1) * 2;
        return 1;
    case 0x0FFB: /* PR_STORE_ENTRYID */
    case 0x0FFF: /* PR_ENTRYID */
        out->ulPropTag = PROP_TAG(PT_BINARY, id);
        *data = s->entry_id;
        *cb = s->cb_entry_id;
        return 1;
    case 0x0FF9: /* PR_RECORD_KEY */
    case 0x0FFA: /* PR_STORE_RECORD_KEY */
        out->ulPropTag = PROP_TAG(PT_BINARY, id);
        *data = s->name;
        *cb = s->name_len;
        return 1;
    case 0x3414: /* PR_MDB_PROVIDER */
        out->ulPropTag = PROP_TAG(PT_BINARY, id);
        *data = sample_uid.ab;
        *cb = 16;
        return 1;
    case 0x340D: /* PR_STORE_SUPPORT_MASK */
        out->ulPropTag = PROP_TAG(PT_LONG, id);
        out->Value.ul = SUPPORT_MASK;
        return 1;
    case 0x0FFE: /* PR_OBJECT_TYPE */
        out->ulPropTag = PROP_TAG(PT_LONG, id);
        out->Value.ul = MAPI_STORE;
        return 1;
    }
    return 0;
}
static const ULONG all_ids[] = {0x0FF9, 0x0FFA, 0x0FFB, 0x0FFE, 0x0FFF, 0x3001, 0x340D, 0x3414};
#define PROP_COUNT (sizeof(all_ids) / sizeof(all_ids[0]))

/* The answer for one requested tag (NULL list: `all_ids[i]`), the variable part after `*at`. */
static HRESULT answer(store *s, ULONG tag, SPropValue *out, uint8_t *buffer, size_t *at) {
    const void *data;
    ULONG cb;
    ULONG type = PROP_TYPE(tag);
    out->dwAlignPad = 0;
    if (!store_prop(s, PROP_ID(tag), out, &data, &cb) ||
        (type != PT_UNSPECIFIED && type != PROP_TYPE(out->ulPropTag))) {
        out->ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
        out->Value.err = MAPI_E_NOT_FOUND;
        return MAPI_W_ERRORS_RETURNED;
    }
    if (data) {
        if (buffer) memcpy(buffer + *at, data, cb);
        if (PROP_TYPE(out->ulPropTag) == PT_UNICODE)
            out->Value.lpszW = (uint16_t *)(buffer + *at);
        else {
            out->Value.bin.cb = cb;
            out->Value.bin.lpb = buffer + *at;
        }
        *at += (cb + 7) & ~(size_t)7;
    }
    return S_OK;
}

static HRESULT STDCALL store_get_props(void *self, SPropTagArray *tags, ULONG flags,
                                       ULONG *count, SPropValue **values) {
    store *s = self;
    if (!count || !values) return MAPI_E_INVALID_PARAMETER;
    if (flags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    if (tags && tags->cValues == 0) return MAPI_E_INVALID_PARAMETER;
    ULONG n = tags ? tags->cValues : PROP_COUNT;
    /* Sized first, then written into one buffer. */
    size_t head = ((size_t)n * sizeof(SPropValue) + 7) & ~(size_t)7, size = head;
    SPropValue scratch;
    for (ULONG i = 0; i < n; i++)
        answer(s, tags ? tags->aulPropTag[i] : all_ids[i], &scratch, 0, &size);
    if (size > 0xFFFFFFFFu) return MAPI_E_NOT_ENOUGH_MEMORY;
    SPropValue *out;
    HRESULT hr = s->allocate_buffer((ULONG)size, (void **)&out);
    if (hr < 0) return hr;
    HRESULT code = S_OK;
    size_t at = head;
    for (ULONG i = 0; i < n; i++)
        if (answer(s, tags ? tags->aulPropTag[i] : all_ids[i], &out[i], (uint8_t *)out, &at))
            code = MAPI_W_ERRORS_RETURNED;
    *count = n;
    *values = out;
    return code;
}

static HRESULT STDCALL store_logoff(void *self, ULONG *flags) {
    store *s = self;
    if (!flags) return MAPI_E_INVALID_PARAMETER;
    s->logoff_flags = *flags;
    s->logoff_saved = 1;
    return S_OK;
}

static HRESULT STDCALL logon_query_interface(void *self, const GUID *iid, void **ppv) {
    if (!ppv) return MAPI_E_INVALID_PARAMETER;
    if (same_iid(iid, &iid_unknown) || same_iid(iid, &iid_mslogon)) {
        __atomic_fetch_add(&of_logon(self)->logon_refs, 1, __ATOMIC_RELAXED);
        *ppv = self;
        return S_OK;
    }
    *ppv = 0;
    return MAPI_E_INTERFACE_NOT_SUPPORTED;
}
static ULONG STDCALL logon_add_ref(void *self) {
    return __atomic_add_fetch(&of_logon(self)->logon_refs, 1, __ATOMIC_RELAXED);
}
static ULONG STDCALL logon_release(void *self) {
    store *s = of_logon(self);
    ULONG left = __atomic_sub_fetch(&s->logon_refs, 1, __ATOMIC_RELEASE);
    if (left == 0) {
        store_close(s);
        store_unhold(s);
    }
    return left;
}
static HRESULT STDCALL logon_logoff(void *self, ULONG *flags) {
    (void)flags;
    store_close(of_logon(self));
    return S_OK;
}

/* Every method this read-only store without folders leaves out: MAPI_E_NO_SUPPORT. A stdcall
 * callee pops its arguments, so there is one stub per arity; every argument of these methods
 * takes one slot (none is wider than a pointer). */
typedef uintptr_t arg;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define NO_SUPPORT(name, ...)                                                                  \
    static HRESULT STDCALL name(void *self, __VA_ARGS__) {                                     \
        (void)self;                                                                            \
        return MAPI_E_NO_SUPPORT;                                                              \
    }
NO_SUPPORT(ns_1, arg a)
NO_SUPPORT(ns_2, arg a, arg b)
NO_SUPPORT(ns_3, arg a, arg b, arg c)
NO_SUPPORT(ns_4, arg a, arg b, arg c, arg d)
NO_SUPPORT(ns_5, arg a, arg b, arg c, arg d, arg e)
NO_SUPPORT(ns_6, arg a, arg b, arg c, arg d, arg e, arg f)
NO_SUPPORT(ns_7, arg a, arg b, arg c, arg d, arg e, arg f, arg g)
NO_SUPPORT(ns_9, arg a, arg b, arg c, arg d, arg e, arg f, arg g, arg h, arg i)
NO_SUPPORT(ns_12, arg a, arg b, arg c, arg d, arg e, arg f, arg g, arg h, arg i, arg j, arg k,
           arg l)
#pragma GCC diagnostic pop

static const msgstore_vtbl msgstore_vtable = {
    store_query_interface, store_add_ref, store_release,
    (void *)ns_3, /* GetLastError */
    (void *)ns_1, /* SaveChanges */
    store_get_props,
    (void *)ns_2, /* GetPropList */
    (void *)ns_5, /* OpenProperty */
    (void *)ns_3, /* SetProps */
    (void *)ns_2, /* DeleteProps */
    (void *)ns_9, /* CopyTo */
    (void *)ns_7, /* CopyProps */
    (void *)ns_5, /* GetNamesFromIDs */
    (void *)ns_4, /* GetIDsFromNames */
    (void *)ns_5, /* Advise */
    (void *)ns_1, /* Unadvise */
    (void *)ns_6, /* CompareEntryIDs */
    (void *)ns_6, /* OpenEntry */
    (void *)ns_4, /* SetReceiveFolder */
    (void *)ns_5, /* GetReceiveFolder */
    (void *)ns_2, /* GetReceiveFolderTable */
    store_logoff,
    (void *)ns_3, /* AbortSubmit */
    (void *)ns_2, /* GetOutgoingQueue */
    (void *)ns_2, /* SetLockState */
    (void *)ns_3, /* FinishedMsg */
    (void *)ns_1, /* NotifyNewMail */
};

static const mslogon_vtbl mslogon_vtable = {
    logon_query_interface, logon_add_ref, logon_release,
    (void *)ns_3, /* GetLastError */
    logon_logoff,
    (void *)ns_6, /* OpenEntry */
    (void *)ns_6, /* CompareEntryIDs */
    (void *)ns_5, /* Advise */
    (void *)ns_1, /* Unadvise */
    (void *)ns_4, /* OpenStatusEntry */
};

/* The provider's section, if MAPI offers one. */
static profsect *open_section(support *sup) {
    void *section = 0;
    if (sup->v->OpenProfileSection(sup, 0, MAPI_MODIFY, &section) < 0) return 0;
    return section;
}

/* The display name: the profile's, else "Sample store <name>". */
static void read_display_name(store *s, profsect *section, const uint8_t *name, ULONG len) {
    if (section) {
        SPropTagArray tags = {1, {PR_DISPLAY_NAME_W}};
        ULONG count = 0;
        SPropValue *value = 0;
        HRESULT hr = section->v->GetProps(section, &tags, MAPI_UNICODE, &count, &value);
        int found = hr == S_OK && count == 1 && value->ulPropTag == PR_DISPLAY_NAME_W;
        if (found) {
            ULONG n = 0;
            for (; value->Value.lpszW[n] && n < NAME_MAX_LEN + 15; n++)
                s->display[n] = value->Value.lpszW[n];
            s->display[n] = 0;
            s->display_len = n;
        }
        s->free_buffer(value);
        if (found) return;
    }
    static const char prefix[] = "Sample store ";
    ULONG n = 0;
    for (; prefix[n]; n++) s->display[n] = (uint8_t)prefix[n];
    for (ULONG i = 0; i < len; i++) s->display[n++] = name[i];
    s->display[n] = 0;
    s->display_len = n;
}

/* The store's identity in the profile, when there is one. */
static void record_identity(store *s, profsect *section) {
    if (!section) return;
    SPropValue props[3];
    ULONG ids[] = {0x3001, 0x0FFF, 0x0FF9};
    for (int i = 0; i < 3; i++) {
        const void *data;
        ULONG cb;
        store_prop(s, ids[i], &props[i], &data, &cb);
        if (PROP_TYPE(props[i].ulPropTag) == PT_UNICODE)
            props[i].Value.lpszW = (uint16_t *)data;
        else {
            props[i].Value.bin.cb = cb;
            props[i].Value.bin.lpb = (uint8_t *)data;
        }
    }
    section->v->SetProps(section, 3, props, 0);
}

static HRESULT STDCALL provider_query_interface(void *self, const GUID *iid, void **ppv) {
    if (!ppv) return MAPI_E_INVALID_PARAMETER;
    if (same_iid(iid, &iid_unknown) || same_iid(iid, &iid_msprovider)) {
        __atomic_fetch_add(&((provider *)self)->refs, 1, __ATOMIC_RELAXED);
        *ppv = self;
        return S_OK;
    }
    *ppv = 0;
    return MAPI_E_INTERFACE_NOT_SUPPORTED;
}
static ULONG STDCALL provider_add_ref(void *self) {
    return __atomic_add_fetch(&((provider *)self)->refs, 1, __ATOMIC_RELAXED);
}
static ULONG STDCALL provider_release(void *self) {
    provider *p = self;
    ULONG left = __atomic_sub_fetch(&p->refs, 1, __ATOMIC_RELEASE);
    if (left == 0) {
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        free(p);
    }
    return left;
}
static HRESULT STDCALL provider_shutdown(void *self, ULONG *flags) {
    (void)flags;
    provider *p = self;
    lock(&p->lock);
    for (store *s = p->open_stores; s; s = s->next) s->open = 0;
    p->open_stores = 0;
    unlock(&p->lock);
    return S_OK;
}

static HRESULT STDCALL provider_logon(void *self, support *sup, ULONG_PTR ui_param,
                                      char *profile_name, ULONG cb_entry_id, void *entry_id,
                                      ULONG flags, const GUID *iid, ULONG *cb_spool,
                                      uint8_t **spool, void **error, void **logon_out,
                                      void **store_out) {
    (void)ui_param, (void)profile_name, (void)flags;
    provider *p = self;
    if (cb_spool) *cb_spool = 0;
    if (spool) *spool = 0;
    if (error) *error = 0;
    if (logon_out) *logon_out = 0;
    if (!sup || !store_out) return MAPI_E_INVALID_PARAMETER;
    *store_out = 0;
    if (iid && !same_iid(iid, &iid_msgstore) && !same_iid(iid, &iid_mapiprop) &&
        !same_iid(iid, &iid_unknown))
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    ULONG len;
    const uint8_t *name = store_name(cb_entry_id, entry_id, &len);
    if (!name) return MAPI_E_INVALID_ENTRYID;

    /* Already open in this session: the same store, no new logon object. */
    lock(&p->lock);
    for (store *s = p->open_stores; s; s = s->next)
        if (same_name(s->name, s->name_len, name, len)) {
            /* A reference, unless the store's last Release is under way. */
            ULONG refs = __atomic_load_n(&s->store_refs, __ATOMIC_RELAXED);
            while (refs && !__atomic_compare_exchange_n(&s->store_refs, &refs, refs + 1, 1,
                                                        __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
                ;
            if (!refs) break;
            unlock(&p->lock);
            *store_out = s;
            return S_OK;
        }
    unlock(&p->lock);

    store *s = malloc(sizeof(store));
    if (!s) return MAPI_E_NOT_ENOUGH_MEMORY;
    s->store_vtbl = &msgstore_vtable;
    s->logon_vtbl = &mslogon_vtable;
    s->store_refs = 1;
    s->logon_refs = logon_out ? 1 : 0;
    s->holders = 1 + s->logon_refs;
    s->owner = p;
    s->open = 1;
    s->logoff_saved = 0;
    s->free_buffer = p->free_buffer;
    s->allocate_buffer = p->allocate_buffer;
    s->name_len = len;
    for (ULONG i = 0; i < len; i++) s->name[i] = fold(name[i]);

    profsect *section = open_section(sup);
    read_display_name(s, section, name, len);
    MAPIUID uid = sample_uid;
    HRESULT hr = sup->v->SetProviderUID(sup, &uid, 0);
    if (hr < 0) goto fail;

    /* The status row: display name, status code, resource methods, in one MAPI buffer. */
    SPropValue *row;
    ULONG text = (s->display_len + 1) * 2;
    hr = p->allocate_buffer(3 * sizeof(SPropValue) + text, (void **)&row);
    if (hr < 0) goto fail;
    row[0].ulPropTag = PR_DISPLAY_NAME_W;
    row[0].Value.lpszW = (uint16_t *)(row + 3);
    memcpy(row + 3, s->display, text);
    row[1].ulPropTag = PR_STATUS_CODE;
    row[1].Value.ul = STATUS_AVAILABLE;
    row[2].ulPropTag = PR_RESOURCE_METHODS;
    row[2].Value.ul = 0;
    hr = sup->v->ModifyStatusRow(sup, 3, row, 0);
    p->free_buffer(row);
    if (hr < 0 && hr != MAPI_E_NO_SUPPORT) goto fail;

    /* The entry ID clients see: MAPI's wrapping (kept in MAPI's buffer), else our own. */
    void *wrapped = 0;
    if (sup->v->WrapStoreEntryID(sup, cb_entry_id, entry_id, &s->cb_entry_id, &wrapped) < 0 ||
        !wrapped) {
        hr = p->allocate_buffer(cb_entry_id, &wrapped);
        if (hr < 0) goto fail;
        memcpy(wrapped, entry_id, cb_entry_id);
        s->cb_entry_id = cb_entry_id;
    }
    s->entry_id = wrapped;
    record_identity(s, section);

    /* Spool security: the store's key, which SpoolerLogon would get back. */
    uint8_t *security = 0;
    if (cb_spool && spool) {
        hr = p->allocate_buffer(len, (void **)&security);
        if (hr < 0) {
            p->free_buffer(s->entry_id);
            goto fail;
        }
        memcpy(security, s->name, len);
    }

    if (section) section->v->Release(section);
    sup->v->AddRef(sup);
    s->sup = sup;
    lock(&p->lock);
    s->next = p->open_stores;
    p->open_stores = s;
    unlock(&p->lock);
    if (security) {
        *cb_spool = len;
        *spool = security;
    }
    if (logon_out) *logon_out = &s->logon_vtbl;
    *store_out = s;
    return S_OK;
fail:
    if (section) section->v->Release(section);
    free(s);
    return hr;
}

static HRESULT STDCALL provider_compare_store_ids(void *self, ULONG cb1, void *id1, ULONG cb2,
                                                  void *id2, ULONG flags, ULONG *result) {
    (void)self, (void)flags;
    if (!result) return MAPI_E_INVALID_PARAMETER;
    *result = 0;
    if (!cb1 || !cb2) return S_OK;
    ULONG l1 = 0, l2 = 0;
    const uint8_t *a = store_name(cb1, id1, &l1), *b = store_name(cb2, id2, &l2);
    if (!a || !b) return MAPI_E_INVALID_ENTRYID;
    *result = same_name(a, l1, b, l2);
    return S_OK;
}

static const struct {
    HRESULT(STDCALL *QueryInterface)(void *, const GUID *, void **);
    ULONG(STDCALL *AddRef)(void *);
    ULONG(STDCALL *Release)(void *);
    HRESULT(STDCALL *Shutdown)(void *, ULONG *);
    void *Logon, *SpoolerLogon, *CompareStoreIDs;
} provider_vtable = {
    provider_query_interface, provider_add_ref, provider_release, provider_shutdown,
    (void *)provider_logon,
    (void *)ns_12, /* SpoolerLogon: not benchmarked */
    (void *)provider_compare_store_ids,
};

/* MSProviderInit, under its own name: the sample store's is linked into the same benchmark. */
HRESULT c_store_MSProviderInit(void *instance, void *malloc_, ALLOCATEBUFFER allocate_buffer,
                               ALLOCATEMORE allocate_more, FREEBUFFER free_buffer, ULONG flags,
                               ULONG mapi_version, ULONG *provider_version, void **out) {
    (void)instance, (void)malloc_, (void)flags;
    if (!provider_version || !out || !allocate_buffer || !allocate_more || !free_buffer)
        return MAPI_E_INVALID_PARAMETER;
    *out = 0;
    *provider_version = CURRENT_SPI_VERSION;
    if (mapi_version < CURRENT_SPI_VERSION) return MAPI_E_VERSION;
    provider *p = malloc(sizeof(provider));
    if (!p) return MAPI_E_NOT_ENOUGH_MEMORY;
    p->vtbl = &provider_vtable;
    p->refs = 1;
    p->allocate_buffer = allocate_buffer;
    p->allocate_more = allocate_more;
    p->free_buffer = free_buffer;
    p->lock = 0;
    p->open_stores = 0;
    *out = p;
    return S_OK;
}
