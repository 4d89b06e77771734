//! Compiles the hand-written C the benchmarks compare against: the COM object of `com` and the
//! message store of `session`.

fn main() {
    println!("cargo::rerun-if-changed=benches/c_object.c");
    println!("cargo::rerun-if-changed=benches/c_store.c");
    cc::Build::new()
        .file("benches/c_object.c")
        .opt_level(3)
        .compile("c_bench_object");
    cc::Build::new()
        .file("benches/c_store.c")
        .opt_level(3)
        .compile("c_bench_store");
}
