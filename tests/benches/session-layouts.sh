#!/usr/bin/env bash
# The session bench's wall-clock ratios to the C store over several code layouts.
#
# One link of the session bench is one layout of its code: where each function lands decides
# which hot lines share a set of the L1 instruction cache. The C store's session fits that cache
# and a layout that crowds a few of its sets slows it by several percent; a session whose code
# is larger than the cache misses alike in any layout. So one build's ratio carries the luck of
# its layout. This script builds the bench once and links it LAYOUTS times, each with its
# functions in another order (the linker's `--shuffle-sections` with seeds 1..LAYOUTS; rust-lld,
# the default linker of x86_64 Linux since Rust 1.90, has it), then runs every layout RUNS times,
# the layouts in turn in each run, and prints each contender's ratio per layout (median and range
# over the runs), and the median over all layouts: the figure to quote. On a shared 2-core
# machine the ratios of different layouts of one commit spread over up to 8%, so the median
# needs many layouts: 16 by default.
#
# The build is one release build (about 2 minutes on 2 cores) in target/layouts, whose bench
# crate keeps its object files (`-C save-temps`) and writes the command that links them
# (`--print link-args`). Each layout is that command with the shuffle's seed added: a link of a
# fraction of a second, which makes the very binary a whole build with that linker flag makes.
#
# Usage: tests/benches/session-layouts.sh [LAYOUTS] [RUNS]   (default 16 layouts, 5 runs)
# Environment: ROUNDS (per run, default 31) and BATCH, as the session bench reads them.
set -euo pipefail

layouts=${1:-16}
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

log="$target/build.log"
link="$target/session-link"
# Fresh (cargo's fingerprint covers these rustc arguments), cargo runs nothing, and the command
# written by the build that made these objects stands.
if ! (cd "$root" && CARGO_TARGET_DIR="$target" cargo rustc -p mapi-spi-tests --bench session \
    --profile bench -- -C save-temps --print "link-args=$link" >"$log" 2>&1); then
    tail -20 "$log" >&2
    echo "the build failed" >&2
    exit 1
fi
if [ ! -s "$link" ]; then
    echo "no link command in $link: run cargo clean -p mapi-spi-tests --profile bench" \
        "--target-dir $target, then this again" >&2
    exit 1
fi
# The link needs the object file alone: the bitcode -C save-temps keeps too is some 200 MB.
find "$target/release/deps" -maxdepth 1 -name 'session-*.bc' -delete
# rustc writes the command with every argument in double quotes (Rust's string quoting, which
# the shell reads alike for paths without `$`, backquotes or backslashes). Its output path
# becomes `$out`, expanded by the eval.
cmd=$(sed -E 's|"-o" "[^"]*"|"-o" "$out"|' "$link")
for seed in $(seq "$layouts"); do
    out="$target/session-$seed"
    # Gone first: a link that wrote elsewhere must not leave an earlier sweep's binary here.
    rm -f "$out"
    # From the directory cargo runs rustc in, where a relative path in RUSTFLAGS resolves.
    if ! (cd "$root" && eval "$cmd"' "-Wl,--shuffle-sections=*=$seed"') >>"$log" 2>&1 ||
        [ ! -x "$out" ]; then
        tail -20 "$log" >&2
        echo "layout $seed: the link failed (the linker must be rust-lld or lld)" >&2
        exit 1
    fi
done
echo "$layouts layouts linked" >&2

results="$target/ratios"
: >"$results"
for run in $(seq "$runs"); do
    for seed in $(seq "$layouts"); do
        # "<contender>  fastest  <ns> (<ratio>x)  median ...": the fastest round's ratio.
        "$target/session-$seed" | sed -nE "s/^(.*[^ ]) +fastest +[0-9]+ \(([0-9.]+)x\).*/$seed\t\1\t\2/p" >>"$results"
    done
    echo "run $run of $runs done" >&2
done

python3 - "$results" "$layouts" "$runs" "$target/session-1" <<'EOF'
import collections, statistics, sys

C_STORE = "hand-written C"
ratios = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(sys.argv[1]):
    seed, contender, ratio = line.rstrip("\n").split("\t")
    ratios[contender][int(seed)].append(float(ratio))
# Every contender's ratio from every layout in every run, or the sweep says which is missing.
layouts, runs = int(sys.argv[2]), int(sys.argv[3])
if C_STORE not in ratios or len(ratios) < 2:
    sys.exit(
        f"the bench printed ratios for {sorted(ratios)}, not the C store's and another's"
        f" (see {sys.argv[4]} with ROUNDS=1)"
    )
for contender, by_layout in ratios.items():
    for seed in range(1, layouts + 1):
        if len(by_layout[seed]) != runs:
            sys.exit(f"{contender}: {len(by_layout[seed])} ratios from layout {seed}, not {runs}")
for contender, by_layout in ratios.items():
    if contender == C_STORE:
        continue  # what the others are measured against
    medians = []
    print(f"{contender}, fastest round / C store's fastest round:")
    for seed, rs in sorted(by_layout.items()):
        medians.append(statistics.median(rs))
        print(f"  layout {seed}: median {medians[-1]:.3f}x  (runs {min(rs):.3f}x to {max(rs):.3f}x)")
    print(f"  median over {len(medians)} layouts: {statistics.median(medians):.3f}x")
EOF
