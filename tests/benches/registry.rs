//! The per-session registry of open stores: open (insert), close (remove) and lookup with 10,
//! 1,000 and 10,000 stores already open. Past a few stores a hash map keyed by the provider's
//! canonical store key, so the cost per operation should not grow with the number of open
//! stores (a list compared with `CompareStoreIDs`, the seed page's "linked list", would grow
//! linearly). Keys are hashed beforehand, as a logon hashes its key once for its lookup, insert
//! and removal.
//!
//! Run: `cargo bench -p mapi-spi-tests --bench registry`

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mapi_spi_runtime::provider::store::registry::{Registered, Registry, StoreKey};
use std::hint::black_box;
use std::sync::Arc;

/// A store key as the sample store makes them: a lower-cased store name.
fn key(registry: &Registry<Arc<Open>>, index: usize) -> StoreKey {
    registry.key(format!("store number {index:08}").into_bytes())
}

/// An open store: its key.
struct Open(StoreKey);

impl Registered for Open {
    fn key(&self) -> &StoreKey {
        &self.0
    }
}

fn registry_with(open: usize) -> Registry<Arc<Open>> {
    let registry = Registry::default();
    for index in 0..open {
        let value = Arc::new(Open(key(&registry, index)));
        registry.insert_unless(value, |_| None::<()>).unwrap();
    }
    registry
}

fn registry(c: &mut Criterion) {
    let mut group = c.benchmark_group("registry");
    for open in [10usize, 1_000, 10_000] {
        let registry = registry_with(open);
        let present = key(&registry, open / 2);
        group.bench_with_input(BenchmarkId::new("lookup", open), &open, |b, _| {
            b.iter(|| registry.lookup(black_box(&present)))
        });
        // Open then close one more store: the registry returns to `open` stores each time.
        let value = Arc::new(Open(key(&registry, open + 1)));
        group.bench_with_input(BenchmarkId::new("open+close", open), &open, |b, _| {
            b.iter(|| {
                registry
                    .insert_unless(black_box(value.clone()), |_| None::<()>)
                    .unwrap();
                registry.remove(black_box(&value))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, registry);
criterion_main!(benches);
