#!/usr/bin/env bash
# The session bench's wall-clock ratios to the C store over several code layouts.
#
# One build of the session bench is one layout of its code: where each function lands decides
# which hot lines share a set of the L1 instruction cache. The C store's session fits that cache
# and a layout that crowds a few of its sets slows it by several percent; a session whose code
# is larger than the cache misses alike in any layout. So one build's ratio carries the luck of
# its layout. This script builds the bench LAYOUTS times, each with its functions in another
# order (the linker's `--shuffle-sections` with seeds 1..LAYOUTS; rust-lld, the default linker of
# x86_64 Linux since Rust 1.90, has it), then runs every layout RUNS times, the layouts in turn
# in each run, and prints each contender's ratio per layout (median and range over the runs),
# and the median over all layouts: the figure to quote. On a shared 2-core machine two sweeps
# of the same builds differ by about 1%, and the ratios of different layouts of one commit spread
# over up to 8%: more layouts and runs (8 and 10, say) narrow the median.
#
# Each build is a whole release build (about 2 minutes on 2 cores) in target/layouts.
#
# Usage: tests/benches/session-layouts.sh [LAYOUTS] [RUNS]   (default 4 layouts, 5 runs)
# Environment: ROUNDS (per run, default 31) and BATCH, as the session bench reads them.
set -euo pipefail

layouts=${1:-4}
runs=${2:-5}
if ! [[ $layouts =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [LAYOUTS] [RUNS] (positive numbers)" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target="$root/target/layouts"
mkdir -p "$target"
export ROUNDS=${ROUNDS:-31}
# Timed rounds of every contender, not one contender's counted sessions.
unset SESSIONS COMPARES CONTENDER

for seed in $(seq "$layouts"); do
    log="$target/build-$seed.log"
    if ! (cd "$root" && CARGO_TARGET_DIR="$target" \
        RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-Wl,--shuffle-sections=*=$seed" \
        cargo bench -p mapi-spi-tests --bench session --no-run >"$log" 2>&1); then
        tail -20 "$log" >&2
        echo "layout $seed: the build failed (the linker must be rust-lld or lld)" >&2
        exit 1
    fi
    # "Executable benches/session.rs (<path>)": relative to the working directory when cargo
    # can name it so.
    binary=$(sed -nE 's/^ *Executable benches\/session\.rs \((.*)\)$/\1/p' "$log" | head -1)
    if [ -z "$binary" ]; then
        echo "layout $seed: no session bench binary in $log" >&2
        exit 1
    fi
    (cd "$root" && cp "$binary" "$target/session-$seed")
    echo "layout $seed built" >&2
done

results="$target/ratios"
: >"$results"
for run in $(seq "$runs"); do
    for seed in $(seq "$layouts"); do
        # "<contender>  fastest  <ns> (<ratio>x)  median ...": the fastest round's ratio.
        "$target/session-$seed" | sed -nE "s/^(.*[^ ]) +fastest +[0-9]+ \(([0-9.]+)x\).*/$seed\t\1\t\2/p" >>"$results"
    done
    echo "run $run of $runs done" >&2
done

if [ ! -s "$results" ]; then
    echo "the bench printed no ratios (see $target/session-1 with ROUNDS=1)" >&2
    exit 1
fi

python3 - "$results" <<'EOF'
import collections, statistics, sys

ratios = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(sys.argv[1]):
    seed, contender, ratio = line.rstrip("\n").split("\t")
    ratios[contender][int(seed)].append(float(ratio))
for contender, by_layout in ratios.items():
    if contender == "hand-written C":
        continue  # what the others are measured against
    medians = []
    print(f"{contender}, fastest round / C store's fastest round:")
    for seed, rs in sorted(by_layout.items()):
        medians.append(statistics.median(rs))
        print(f"  layout {seed}: median {medians[-1]:.3f}x  (runs {min(rs):.3f}x to {max(rs):.3f}x)")
    print(f"  median over {len(medians)} layouts: {statistics.median(medians):.3f}x")
EOF
