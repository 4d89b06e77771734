//! The per-session registry of open stores: open (insert), close (remove) and lookup with 10,
//! 1,000 and 10,000 stores already open. A hash map keyed by the provider's canonical store key,
//! so the cost per operation should not grow with the number of open stores (a list compared
//! with `CompareStoreIDs`, the seed page's "linked list", would grow linearly).
//!
//! Run: `cargo bench -p mapi-spi-tests --bench registry`

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mapi_spi_runtime::provider::store::registry::Registry;
use std::hint::black_box;
use std::sync::Arc;

/// A store key as the sample store makes them: a lower-cased store name.
fn key(index: usize) -> Vec<u8> {
    format!("store number {index:08}").into_bytes()
}

fn registry_with(open: usize) -> Registry<usize> {
    let registry = Registry::default();
    for index in 0..open {
        registry
            .insert_unless(key(index), Arc::new(index), |_| None::<()>)
            .unwrap();
    }
    registry
}

fn registry(c: &mut Criterion) {
    let mut group = c.benchmark_group("registry");
    for open in [10usize, 1_000, 10_000] {
        let registry = registry_with(open);
        let present = key(open / 2);
        group.bench_with_input(BenchmarkId::new("lookup", open), &open, |b, _| {
            b.iter(|| registry.lookup(black_box(&present)))
        });
        // Open then close one more store: the registry returns to `open` stores each time.
        let extra = key(open + 1);
        let value = Arc::new(open + 1);
        group.bench_with_input(BenchmarkId::new("open+close", open), &open, |b, _| {
            b.iter(|| {
                registry
                    .insert_unless(black_box(extra.clone()), value.clone(), |_| None::<()>)
                    .unwrap();
                registry.remove(black_box(&extra), &value)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, registry);
criterion_main!(benches);
