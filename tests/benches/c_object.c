/* The baseline a COM programmer would write by hand in C: one interface (IUnknown + one method),
 * a plain atomic reference count, QueryInterface comparing two IIDs. The benchmark calls it
 * through its vtable exactly as it calls the Rust objects. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32) && !defined(_WIN64)
#define STDCALL __attribute__((stdcall))
#else
#define STDCALL
#endif

typedef struct { uint32_t d1; uint16_t d2, d3; uint8_t d4[8]; } guid;
typedef struct object object;
typedef struct {
    int32_t (STDCALL *QueryInterface)(object *, const guid *, void **);
    uint32_t (STDCALL *AddRef)(object *);
    uint32_t (STDCALL *Release)(object *);
    int32_t (STDCALL *Call)(object *, uint32_t);
} vtable;
struct object { const vtable *vtbl; uint32_t refs; uint32_t total; };

static const guid iid_unknown = {0, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
/* IBench, the interface of the benchmark: 5B0C1D2E-0000-4000-8000-00000000BE9C */
static const guid iid_bench = {0x5B0C1D2E, 0, 0x4000, {0x80, 0, 0, 0, 0, 0, 0xBE, 0x9C}};

static int32_t STDCALL query_interface(object *self, const guid *iid, void **ppv) {
    if (!ppv) return (int32_t)0x80004003; /* E_POINTER */
    if (!memcmp(iid, &iid_unknown, sizeof(guid)) || !memcmp(iid, &iid_bench, sizeof(guid))) {
        __atomic_fetch_add(&self->refs, 1, __ATOMIC_RELAXED);
        *ppv = self;
        return 0;
    }
    *ppv = 0;
    return (int32_t)0x80004002; /* E_NOINTERFACE */
}
/* The same, refusing a NULL IID as mapi-spi's QueryInterface does (the C object above reads
 * through it): the floor for the same checks. */
static int32_t STDCALL query_interface_checked(object *self, const guid *iid, void **ppv) {
    if (!ppv) return (int32_t)0x80004003; /* E_POINTER */
    if (!iid) {
        *ppv = 0;
        return (int32_t)0x80004003;
    }
    return query_interface(self, iid, ppv);
}
static uint32_t STDCALL add_ref(object *self) {
    return __atomic_fetch_add(&self->refs, 1, __ATOMIC_RELAXED) + 1;
}
static uint32_t STDCALL release(object *self) {
    uint32_t left = __atomic_sub_fetch(&self->refs, 1, __ATOMIC_RELEASE);
    if (left == 0) {
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        free(self);
    }
    return left;
}
static int32_t STDCALL call(object *self, uint32_t by) {
    __atomic_fetch_add(&self->total, by, __ATOMIC_RELAXED);
    return 0;
}
static const vtable the_vtable = {query_interface, add_ref, release, call};
static const vtable checked_vtable = {query_interface_checked, add_ref, release, call};

static void *new_object(const vtable *vtbl) {
    object *self = malloc(sizeof(object));
    if (!self) return 0;
    self->vtbl = vtbl;
    self->refs = 1;
    self->total = 0;
    return self;
}
void *c_bench_object_new(void) { return new_object(&the_vtable); }
void *c_bench_object_checked_new(void) { return new_object(&checked_vtable); }
