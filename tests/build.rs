//! Compiles the hand-written C COM object the `com` benchmark compares against.

fn main() {
    println!("cargo::rerun-if-changed=benches/c_object.c");
    cc::Build::new()
        .file("benches/c_object.c")
        .opt_level(3)
        .compile("c_bench_object");
}
