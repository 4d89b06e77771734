#!/usr/bin/env bash
# The session bench's reads that wait on the session's own writes.
#
# A processor answers a read from a write still on its way to the cache (store-to-load
# forwarding) only when the read lies within that one write. A read that spans two writes, or
# part of one, waits until they reach the cache: on the machine this repo's figures come from (an
# AMD EPYC), 11 such reads added to the C store's logon slowed it by 41 to 91 ns, against the same
# instructions reading memory written long before. Copying a value just built field by field (or
# filled by `memcpy`) in wider parts than it was written is how Rust code makes them: a struct
# returned through memory and moved on, an `Option` written as its tag and read whole. Callgrind
# counts instructions, not these waits, and this machine has no performance counters that would.
#
# This script counts them as valgrind's lackey tool traces them: every read that overlaps one of
# the WINDOW writes before it (default 24) without lying within the latest such write. Per
# session (3 sessions traced, less 2), for each contender; then, for the runtime's stores, the
# places (function, file and line) that read so more often than in the C store's trace (the
# host's MAPI code, which every contender runs, cancels out). A model, not a measurement: a write
# may reach the cache sooner than WINDOW writes later, or later. Judge a change by the sweep
# (session-layouts.sh); this tells where to look.
#
# Usage: tests/benches/session-stlf.sh [WINDOW]
set -euo pipefail

window=${1:-24}
if ! [[ $window =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [WINDOW] (a positive number of writes)" >&2
    exit 2
fi
for tool in valgrind python3 addr2line; do
    if ! command -v "$tool" >/dev/null; then
        echo "$0 needs $tool, which is not installed" >&2
        exit 2
    fi
done
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/target/stlf"
mkdir -p "$out"
# Sessions counted by the bench (see its docs), not timed rounds.
unset ROUNDS PHASES COMPARES

if ! json=$(cd "$root" && cargo bench -p mapi-spi-tests --bench session --no-run \
    --message-format=json 2>"$out/build.log"); then
    tail -20 "$out/build.log" >&2
    echo "the session bench did not build" >&2
    exit 1
fi
bin=$(python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "session" and m.get("executable"):
        print(m["executable"])' <<<"$json")
if [ ! -x "$bin" ]; then
    echo "cargo named no session bench executable" >&2
    exit 1
fi

contenders=("hand-written C" "mapi-spi bare store" "mapi-spi sample store")
jobs=()
for ((c = 0; c < ${#contenders[@]}; c++)); do
    for n in 2 3; do
        # `-v -v` logs where the bench's code is loaded, which names the places below.
        SESSIONS=$n CONTENDER="${contenders[c]}" valgrind --tool=lackey --trace-mem=yes -v -v \
            --log-file="$out/trace-$c-$n" "$bin" >/dev/null &
        jobs+=($!)
    done
done
failed=0
for job in "${jobs[@]}"; do
    wait "$job" || failed=1
done
if [ "$failed" = 1 ]; then
    echo "a traced run failed: see $out/trace-*" >&2
    exit 1
fi

python3 - "$bin" "$window" "$out" "${contenders[@]}" <<'PY'
import collections, os, re, subprocess, sys

binary, window, out = os.path.realpath(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
contenders = sys.argv[4:]
# Lackey's lines: "I  addr,size" (an instruction), " L addr,size", " S ...", " M ..." (a read, a
# write, a read and write of the same bytes).
ACCESS = re.compile(r"^ ?([ILSM]) +([0-9a-f]+),([0-9]+)$")


def waits(path):
    """Reads that overlap a recent write without lying within the latest one, by instruction;
    and where the bench's code is loaded (its address less its address in the file)."""
    writes = collections.deque(maxlen=window)
    found = collections.Counter()
    instructions = 0
    at = 0
    offset = None
    reading_bench = False

    def read(addr, size):
        for start, length in reversed(writes):
            if start < addr + size and addr < start + length:
                if not (start <= addr and addr + size <= start + length):
                    found[at] += 1
                return

    with open(path, errors="replace") as trace:
        for line in trace:
            if line.startswith("=="):
                continue
            if line.startswith("--"):
                if "Reading syms from" in line:
                    reading_bench = line.rstrip().endswith(binary)
                elif reading_bench and offset is None:
                    loaded = re.search(r"svma 0x([0-9a-f]+), avma 0x([0-9a-f]+)", line)
                    if loaded:
                        offset = int(loaded.group(2), 16) - int(loaded.group(1), 16)
                continue
            access = ACCESS.match(line)
            if not access:
                continue
            kind, addr, size = access.group(1), int(access.group(2), 16), int(access.group(3))
            if kind == "I":
                instructions += 1
                at = addr
            elif kind == "L":
                read(addr, size)
            elif kind == "S":
                writes.append((addr, size))
            elif kind == "M":
                read(addr, size)
                writes.append((addr, size))
    if not instructions:
        sys.exit(f"{path}: no instruction traced (not lackey's format?)")
    if offset is None:
        sys.exit(f"{path}: no load address for {binary} (valgrind's -v -v lines changed?)")
    return found, offset, instructions


per_session = []
offsets = set()
for c, name in enumerate(contenders):
    (two, at_two, ran_two), (three, at_three, ran_three) = (
        waits(f"{out}/trace-{c}-{n}") for n in (2, 3))
    if ran_three <= ran_two:
        sys.exit(f"{name}: 3 sessions ran no more instructions than 2")
    offsets |= {at_two, at_three}
    # The places where the third session makes more than the second's: a total summed over them
    # alone would leave out the places where it makes fewer (the registry's hashing is seeded
    # per process).
    per_session.append({at: three[at] - two[at] for at in three if three[at] > two[at]})
    print(f"{name:<24} {sum(three.values()) - sum(two.values()):4} reads per session wait on "
          f"writes (window {window})")
if len(offsets) != 1:
    sys.exit(f"the traces do not agree on where the bench's code is loaded: {offsets}")
(offset,) = offsets

c_store = per_session[0]
for name, sites in zip(contenders[1:], per_session[1:]):
    extra = {at: k - c_store.get(at, 0) for at, k in sites.items() if k > c_store.get(at, 0)}
    print(f"\n{name}: {sum(extra.values())} more per session than the C store's trace, at")
    places = collections.Counter()
    for at in sorted(extra):
        lines = subprocess.run(
            ["addr2line", "-f", "-C", "-i", "-e", binary, hex(at - offset)],
            capture_output=True, text=True).stdout.splitlines()
        # Innermost frame first; the last is the function the code was inlined into.
        frames = [(lines[i], lines[i + 1].rsplit("/", 1)[-1]) for i in range(0, len(lines) - 1, 2)]
        if frames and frames[-1][0] != "??":
            inner = " <- ".join(loc for _, loc in frames[:3])
            where = f"{inner}  in {frames[-1][0][:90]}"
        else:
            where = "outside the bench's code (libc's memcpy, most likely)"
        places[where] += extra[at]
    for where, count in places.most_common():
        print(f"  {count:3}  {where}")
PY
