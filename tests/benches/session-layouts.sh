#!/usr/bin/env bash
# The session bench's wall-clock ratios to the C store over several code layouts.
#
# One link of the session bench is one layout of its code: where each function lands decides
# which hot lines share a set of the L1 instruction cache. The C store's session fits that cache
# and a layout that crowds a few of its sets slows it by several percent; a session whose code
# is larger than the cache misses alike in any layout. So one build's ratio carries the luck of
# its layout. This script builds the bench once and links it LAYOUTS times, each with its
# functions in another order (the linker's `--shuffle-sections` with LAYOUTS seeds; rust-lld,
# the default linker of x86_64 Linux since Rust 1.90, has it), then runs every layout RUNS times,
# the layouts in turn in each run, and prints each contender's ratio per layout (median and range
# over the runs), and the median over all layouts: the figure to quote. On a shared 2-core
# machine the ratios of different layouts of one commit spread over up to 8%, so the median
# needs many layouts: 16 by default.
#
# The build is one release build (about 2 minutes on 2 cores) in target/layouts (and, with BASE,
# one more in target/layouts-base), whose bench crate keeps its object files (`-C save-temps`)
# and writes the command that links them (`--print link-args`). Each layout is that command with
# the shuffle's seed added: a link of a fraction of a second, which makes the very binary a whole
# build with that linker flag makes.
#
# A ratio moves with the C store's time as much as with the contender's, and the C store's
# layouts differ from one build to the next (two builds' sweeps over the same 24 seeds put its
# median 1.7% apart, with its code the same): each contender's median fastest round and the C
# store's (the median over the layouts of each layout's median, in ns) are printed beside the
# ratio, a check on which side moved (though unlike the ratio, which pairs the contenders in each
# run, it carries the machine's load during the sweep). A second sweep over other layouts
# (FIRST_SEED=LAYOUTS+1) gives one measure of how far a median moves with its layouts.
#
# A change is judged beside the code before it: BASE=REV builds the commit REV's bench as well
# (its files as `git archive` gives them, in target/layouts-base) and links it in the same seeds;
# each run then runs every layout of both builds in turn, so that the machine's load falls on both
# alike, and the figures of each build are printed, BASE's first, then each contender's change:
# the mean over the layouts of its ratio in this tree against the same seed's in BASE.
#
# Each median and each change comes with the interval of 90% of its bootstrap values (the layouts
# drawn again with replacement): how far it moves with the layouts swept. Not with the machine's
# load from one sweep to the next: two sweeps of one commit over two sets of 48 layouts, run 20
# minutes apart, put its median at 1.258x (1.248x to 1.267x) and 1.244x (1.240x to 1.249x).
#
# Usage: tests/benches/session-layouts.sh [LAYOUTS] [RUNS]   (default 16 layouts, 5 runs)
# Environment: ROUNDS (per run, default 31) and BATCH, as the session bench reads them;
# FIRST_SEED (default 1): the layouts are the seeds FIRST_SEED to FIRST_SEED + LAYOUTS - 1;
# BASE: a commit to sweep beside this tree.
set -euo pipefail

layouts=${1:-16}
runs=${2:-5}
first=${FIRST_SEED:-1}
if ! [[ $layouts =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ && $first =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: [FIRST_SEED=N] [BASE=REV] $0 [LAYOUTS] [RUNS] (positive numbers)" >&2
    exit 2
fi
seeds=$(seq "$first" $((first + layouts - 1)))
# Checked before the build and the runs, which take minutes: the ratios are read with python3.
if ! command -v python3 >/dev/null; then
    echo "$0 reads the bench's ratios with python3, which is not installed" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target="$root/target/layouts"
mkdir -p "$target"
export ROUNDS=${ROUNDS:-31}
# Timed rounds of every contender, not one contender's counted sessions.
unset SESSIONS COMPARES CONTENDER

# Builds the session bench of the workspace at $1 in the target directory $2 and links it in
# every layout, as $2/session-SEED.
build_layouts() {
    local src=$1 dir=$2
    local log="$dir/build.log" link="$dir/session-link"
    # Fresh (cargo's fingerprint covers these rustc arguments), cargo runs nothing, and the
    # command written by the build that made these objects stands.
    if ! (cd "$src" && CARGO_TARGET_DIR="$dir" cargo rustc -p mapi-spi-tests --bench session \
        --profile bench -- -C save-temps --print "link-args=$link" >"$log" 2>&1); then
        tail -20 "$log" >&2
        echo "the build in $dir failed" >&2
        exit 1
    fi
    if [ ! -s "$link" ]; then
        echo "no link command in $link: run cargo clean -p mapi-spi-tests --profile bench" \
            "--target-dir $dir, then this again" >&2
        exit 1
    fi
    # The link needs the object file alone: the bitcode -C save-temps keeps too is some 200 MB.
    find "$dir/release/deps" -maxdepth 1 -name 'session-*.bc' -delete
    # rustc writes the command with every argument in double quotes (Rust's string quoting,
    # which the shell reads alike for paths without `$`, backquotes or backslashes). Its output
    # path becomes `$out`, expanded by the eval.
    local cmd out seed
    cmd=$(sed -E 's|"-o" "[^"]*"|"-o" "$out"|' "$link")
    for seed in $seeds; do
        out="$dir/session-$seed"
        # Gone first: a link that wrote elsewhere must not leave an earlier sweep's binary here.
        rm -f "$out"
        # From the directory cargo runs rustc in, where a relative path in RUSTFLAGS resolves.
        if ! (cd "$src" && eval "$cmd"' "-Wl,--shuffle-sections=*=$seed"') >>"$log" 2>&1 ||
            [ ! -x "$out" ]; then
            tail -20 "$log" >&2
            echo "layout $seed: the link failed (the linker must be rust-lld or lld)" >&2
            exit 1
        fi
    done
}

# Each build swept: its name, then its target directory.
builds=()
if [ -n "${BASE:-}" ]; then
    if ! rev=$(git -C "$root" rev-parse --verify --quiet "$BASE^{commit}"); then
        echo "BASE=$BASE is not a commit of $root" >&2
        exit 2
    fi
    base="$root/target/layouts-base"
    # Another commit's files than the last base build's: extracted afresh, dated now (`-m`), as
    # `git archive` dates them at their commit, before that build's outputs, which cargo would
    # then take for fresh. The same commit's stay, and its build with them.
    if [ "$(cat "$base/rev" 2>/dev/null)" != "$rev" ]; then
        rm -rf "$base/src" "$base/rev"
        mkdir -p "$base/src"
        git -C "$root" archive "$rev" | tar -x -m -C "$base/src"
        echo "$rev" >"$base/rev"
    fi
    build_layouts "$base/src" "$base"
    builds+=("base ${rev:0:12}" "$base")
fi
build_layouts "$root" "$target"
builds+=("this tree" "$target")
echo "$layouts layouts of $((${#builds[@]} / 2)) build(s) linked" >&2

results="$target/ratios"
: >"$results"
for run in $(seq "$runs"); do
    for seed in $seeds; do
        for ((b = 0; b < ${#builds[@]}; b += 2)); do
            name=${builds[b]}
            # "<contender>  fastest  <ns> (<ratio>x)  median ...": the fastest round and its
            # ratio, after the build's name.
            "${builds[b + 1]}/session-$seed" |
                sed -nE "s/^(.*[^ ]) +fastest +([0-9]+) \(([0-9.]+)x\).*/$name\t$seed\t\1\t\3\t\2/p" >>"$results"
        done
    done
    echo "run $run of $runs done" >&2
done

python3 - "$results" "$first" "$layouts" "$runs" "${builds[@]}" <<'EOF'
import collections, random, statistics, sys

C_STORE = "hand-written C"
# Per build, per contender, per layout: (ratio, ns) of each run's fastest round; builds in the
# order they ran.
rounds = collections.defaultdict(
    lambda: collections.defaultdict(lambda: collections.defaultdict(list))
)
for line in open(sys.argv[1]):
    build, seed, contender, ratio, ns = line.rstrip("\n").split("\t")
    rounds[build][contender][int(seed)].append((float(ratio), int(ns)))
# Every build's ratios of every contender from every layout in every run, or the sweep says
# which are missing. The builds come as names and target directories.
first, layouts, runs = (int(arg) for arg in sys.argv[2:5])
builds = dict(zip(sys.argv[5::2], sys.argv[6::2]))
for build, directory in builds.items():
    by_contender = rounds.get(build, {})
    if C_STORE not in by_contender or len(by_contender) < 2:
        sys.exit(
            f"{build}: the bench printed ratios for {sorted(by_contender)}, not the C store's"
            f" and another's (see {directory}/session-{first} with ROUNDS=1)"
        )
    for contender, by_layout in by_contender.items():
        for seed in range(first, first + layouts):
            if len(by_layout[seed]) != runs:
                sys.exit(
                    f"{build}, {contender}: {len(by_layout[seed])} ratios from layout {seed},"
                    f" not {runs}"
                )


def median_ns(by_layout):
    """The median over the layouts of each layout's median fastest round."""
    return statistics.median(statistics.median(ns for _, ns in rs) for rs in by_layout.values())


def bootstrap(values, statistic):
    """The 5th and 95th percentiles of `statistic` over 2,000 resamples of `values` (the
    layouts, drawn with replacement): how far the figure moves with the layouts swept. Seeded,
    so that the same ratios print the same interval."""
    draw = random.Random(1)
    stats = sorted(statistic(draw.choices(values, k=len(values))) for _ in range(2000))
    return stats[100], stats[1899]


# Per contender, per build (in the order they ran): each layout's median ratio, by seed.
layout_medians = collections.defaultdict(dict)
for build, by_contender in rounds.items():
    c_ns = median_ns(by_contender[C_STORE])
    for contender, by_layout in by_contender.items():
        if contender == C_STORE:
            continue  # what the others are measured against
        medians = layout_medians[contender][build] = {}
        print(f"{contender} ({build}), fastest round / C store's fastest round:")
        for seed, rs in sorted(by_layout.items()):
            ratios = [ratio for ratio, _ in rs]
            medians[seed] = statistics.median(ratios)
            print(
                f"  layout {seed}: median {medians[seed]:.3f}x"
                f"  (runs {min(ratios):.3f}x to {max(ratios):.3f}x)"
            )
        low, high = bootstrap(list(medians.values()), statistics.median)
        print(
            f"  median over {len(medians)} layouts: {statistics.median(medians.values()):.3f}x"
            f" (90% of bootstrap medians within {low:.3f}x to {high:.3f}x)"
            f"  (its fastest round {median_ns(by_layout):.0f} ns, the C store's {c_ns:.0f} ns)"
        )

# With BASE: each layout's ratio in this tree against the same seed's in BASE, which ran beside
# it in every run (two builds' layouts of one seed differ, but share the machine's load).
for contender, by_build in layout_medians.items():
    if len(by_build) != 2:
        continue
    base, tree = by_build.values()
    changes = [tree[seed] / base[seed] - 1 for seed in base]
    low, high = bootstrap(changes, statistics.mean)
    print(
        f"{contender}, this tree against BASE: {100 * statistics.mean(changes):+.2f}% on average"
        f" over the layouts (90% of bootstrap means within {100 * low:+.2f}% to {100 * high:+.2f}%)"
    )
EOF
