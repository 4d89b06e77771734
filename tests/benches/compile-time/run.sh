#!/usr/bin/env bash
# Compile time of mapi-spi's macros against windows-core's, on the same generated crate:
# 20 interfaces of 6 methods and 10 objects of 2 interfaces, written once with
# `#[mapi_interface]`/`#[mapi_object]` and once with windows-core 0.100's
# `#[interface]`/`#[implement]`. Debug builds, CARGO_INCREMENTAL=0, measured two ways:
#
#   rebuild  touch the generated lib.rs and `cargo build` (dependencies already built)
#   clean    `cargo clean` then `cargo build` (every dependency too)
#
# The mapi-spi crate depends on the runtime without its default features (the store, address
# book and transport SPIs, and the engines and provider core they build on): like the
# windows-core crate, it declares and implements interfaces and uses nothing else. STORE=1 builds
# it with the `store` feature, as a store provider does.
#
# The two crates are built alternately, run after run, so that a change in the machine's load
# hits both alike. Prints the median (and the range) of each and the ratio mapi-spi/windows-core.
#
# Usage: tests/benches/compile-time/run.sh [RUNS]   (RUNS per measurement, default 5)
# Environment: KEEP=1 keeps the generated crates (printed path); WORK_DIR=<dir> generates there.
set -euo pipefail

runs=${1:-5}
here=$(cd "$(dirname "$0")" && pwd)
runtime=$(cd "$here/../../../mapi-spi-runtime" && pwd)
lockfile=$(cd "$here/../../.." && pwd)/Cargo.lock
work=${WORK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/mapi-spi-compile-time.XXXXXX")}
mkdir -p "$work"
if [ "${KEEP:-0}" != 1 ] && [ -z "${WORK_DIR:-}" ]; then
    trap 'rm -rf "$work"' EXIT
fi

export CARGO_INCREMENTAL=0
# Each generated crate builds into its own target directory, next to it.
unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR

interfaces=20
methods=6
objects=10

iid() { printf '6D0A%04X-0000-4000-8000-00000000C0DE' "$1"; }

# The parameter list of every method: integers and pointers, as MAPI methods take.
params='a: u32, b: i32, c: usize, d: *const u8, out: *mut u32'
args='a, b, c, d, out'

# $1: crate directory, $2: package name, $3: the dependency line.
manifest() {
    mkdir -p "$1/src"
    cat > "$1/Cargo.toml" <<EOF
[package]
name = "$2"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
$3

# Not a member of any enclosing workspace.
[workspace]
EOF
    # The versions the repository is tested with.
    cp "$lockfile" "$1/Cargo.lock"
}

generate_mapi_spi() {
    local dir=$work/mapi-spi i j k
    local features='default-features = false'
    if [ "${STORE:-0}" = 1 ]; then features='default-features = false, features = ["store"]'; fi
    manifest "$dir" gen-mapi-spi "mapi-spi-runtime = { path = \"$runtime\", $features }"
    {
        echo '#![allow(non_snake_case)]'
        echo 'use core::sync::atomic::AtomicU32;'
        echo 'use mapi_spi_runtime::{ComObject, HRESULT, IUnknown, Object, mapi_interface, mapi_object};'
        for ((i = 0; i < interfaces; i++)); do
            printf '\n#[mapi_interface("%s")]\npub unsafe trait IGen%02d: IUnknown {\n' "$(iid "$i")" "$i"
            for ((j = 0; j < methods; j++)); do
                printf '    fn I%02dM%d(&self, %s) -> HRESULT;\n' "$i" "$j" "$params"
            done
            echo '}'
        done
        for ((k = 0; k < objects; k++)); do
            local first=$((2 * k)) second=$((2 * k + 1))
            printf '\n#[mapi_object(IGen%02d, IGen%02d)]\npub struct Obj%02d {\n    pub count: AtomicU32,\n}\n' \
                "$first" "$second" "$k"
            for i in "$first" "$second"; do
                printf '\nimpl IGen%02dImpl for Obj%02d {\n' "$i" "$k"
                for ((j = 0; j < methods; j++)); do
                    printf '    unsafe fn I%02dM%d(this: &Object<Self>, %s) -> HRESULT {\n' "$i" "$j" "$params"
                    printf '        let _ = (this, %s);\n        HRESULT(0)\n    }\n' "$args"
                done
                echo '}'
            done
            printf '\npub fn new_obj%02d() -> IGen%02d {\n' "$k" "$first"
            printf '    ComObject::new(Obj%02d { count: AtomicU32::new(0) }).into_interface()\n}\n' "$k"
        done
    } > "$dir/src/lib.rs"
}

generate_windows_core() {
    local dir=$work/windows-core i j k
    manifest "$dir" gen-windows-core \
        'windows-core = { version = "0.100", features = ["proc-macros"] }'
    {
        echo '#![allow(non_snake_case)]'
        echo 'use core::sync::atomic::AtomicU32;'
        echo 'use windows_core::{HRESULT, IUnknown, implement, interface};'
        for ((i = 0; i < interfaces; i++)); do
            printf '\n#[interface("%s")]\npub unsafe trait IGen%02d: IUnknown {\n' "$(iid "$i")" "$i"
            for ((j = 0; j < methods; j++)); do
                printf '    fn I%02dM%d(&self, %s) -> HRESULT;\n' "$i" "$j" "$params"
            done
            echo '}'
        done
        for ((k = 0; k < objects; k++)); do
            local first=$((2 * k)) second=$((2 * k + 1))
            printf '\n#[implement(IGen%02d, IGen%02d)]\npub struct Obj%02d {\n    pub count: AtomicU32,\n}\n' \
                "$first" "$second" "$k"
            for i in "$first" "$second"; do
                printf '\nimpl IGen%02d_Impl for Obj%02d_Impl {\n' "$i" "$k"
                for ((j = 0; j < methods; j++)); do
                    printf '    unsafe fn I%02dM%d(&self, %s) -> HRESULT {\n' "$i" "$j" "$params"
                    printf '        let _ = (self, %s);\n        HRESULT(0)\n    }\n' "$args"
                done
                echo '}'
            done
            printf '\npub fn new_obj%02d() -> IGen%02d {\n' "$k" "$first"
            printf '    Obj%02d { count: AtomicU32::new(0) }.into()\n}\n' "$k"
        done
    } > "$dir/src/lib.rs"
}

now() { date +%s.%N; }

# $1: crate directory; prints the seconds `cargo build` took.
timed_build() {
    local start end
    start=$(now)
    cargo build -q --manifest-path "$1/Cargo.toml"
    end=$(now)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", e - s }'
}

# Reads seconds, one a line; prints "median min max".
summary() {
    sort -g | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.2f %.2f %.2f\n", m, v[1], v[NR]
    }'
}

generate_mapi_spi
generate_windows_core
echo "generated crates in $work ($interfaces interfaces x $methods methods, $objects objects x 2 interfaces)"

for c in mapi-spi windows-core; do
    : > "$work/$c.rebuild"
    : > "$work/$c.clean"
    # Fetches and builds the dependencies; also proves both crates compile.
    cargo build -q --manifest-path "$work/$c/Cargo.toml"
done

for ((r = 1; r <= runs; r++)); do
    for c in mapi-spi windows-core; do
        touch "$work/$c/src/lib.rs"
        timed_build "$work/$c" >> "$work/$c.rebuild"
    done
done
for ((r = 1; r <= runs; r++)); do
    for c in mapi-spi windows-core; do
        cargo clean -q --manifest-path "$work/$c/Cargo.toml"
        timed_build "$work/$c" >> "$work/$c.clean"
    done
done

echo
printf '%-28s %-22s %-22s %s\n' "debug, $runs runs" 'mapi-spi' 'windows-core' 'ratio (target)'
for m in rebuild clean; do
    read -r om omin omax < <(summary < "$work/mapi-spi.$m")
    read -r wm wmin wmax < <(summary < "$work/windows-core.$m")
    ratio=$(awk -v a="$om" -v b="$wm" 'BEGIN { printf "%.2f", a / b }')
    case $m in
        rebuild) label='rebuild (touch lib.rs)' target='<= 1.00' ;;
        clean) label='clean build (all deps)' target='<= 1.50' ;;
    esac
    printf '%-28s %-22s %-22s %s (%s)\n' "$label" \
        "${om}s [${omin}-${omax}]" "${wm}s [${wmin}-${wmax}]" "$ratio" "$target"
done
