#!/usr/bin/env bash
# Build and run the HTTP benchmark: seedloop::http against hyper on tokio
# (real loopback) and hyper on turmoil's sockets, all in one binary and one run.
#
#   benches/peers/http.sh [--quick] [-- HTTP-ARGS...]
#
#   --quick   10x fewer requests (10,000 per measurement instead of 100,000)
#   -- ARGS   passed to the binary, e.g. `-- --reps 3 --only seedloop,tokio
#             --bench h2_streams` (see `http --help`)
#
# No `--cfg madsim` (madsim has no HTTP peer here): the build goes to
# target/peers/native, the directory of `run.sh --no-madsim-cfg` and bugs.sh.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

quick=()
passthrough=()
while (($#)); do
    case "$1" in
    --quick) quick=(--quick) ;;
    --)
        shift
        passthrough=("$@")
        break
        ;;
    -h | --help)
        sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "http.sh: unknown argument: $1 (try --help)" >&2
        exit 2
        ;;
    esac
    shift
done

export CARGO_TARGET_DIR="$root/target/peers/native"
echo "building (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)" >&2
cargo build --release --locked --manifest-path "$here/Cargo.toml" --bin http >&2

version() {
    # First version of package $1 in the lock file.
    awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' \
        "$here/Cargo.lock"
}
echo "versions: hyper $(version hyper), hyper-util $(version hyper-util), h2 $(version h2), tokio $(version tokio), turmoil $(version turmoil); $(rustc --version)"
# Which seedloop was measured: others may be editing src/ meanwhile.
if commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null)"; then
    git -C "$root" diff --quiet HEAD -- src || commit="$commit + uncommitted changes in src/"
else
    commit="not a git checkout ($root)"
fi
echo "seedloop: $commit"
echo "machine: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "note: req/s = requests per wall second over the request loop (setup, connect and a first request excluded)"
echo

"$CARGO_TARGET_DIR/release/http" ${quick[@]+"${quick[@]}"} ${passthrough[@]+"${passthrough[@]}"}
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
