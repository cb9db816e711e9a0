#!/usr/bin/env bash
# Build and run the peer benchmarks (turmoil, madsim, tokio over loopback).
#
#   benches/peers/run.sh [--quick] [--no-madsim-cfg] [-- PEERS-ARGS...]
#
#   --quick          10x fewer iterations (10,000 round trips, 100,000 messages)
#   --no-madsim-cfg  build without `--cfg madsim`: turmoil and tokio only, in a
#                    binary free of madsim's libc symbol overrides
#   -- ARGS          passed to the binary, e.g. `-- --reps 3 --only madsim`
#                    (see `peers --help`)
#
# By default everything runs in one binary built with RUSTFLAGS="--cfg madsim"
# (madsim simulates only under that cfg; turmoil and tokio are unaffected by
# it). The build uses its own target dir under the root's target/, so the root
# crate's builds and `cargo test` never see turmoil or madsim.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

quick=()
madsim_cfg=1
passthrough=()
while (($#)); do
    case "$1" in
    --quick) quick=(--quick) ;;
    --no-madsim-cfg) madsim_cfg=0 ;;
    --)
        shift
        passthrough=("$@")
        break
        ;;
    -h | --help)
        sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "run.sh: unknown argument: $1 (try --help)" >&2
        exit 2
        ;;
    esac
    shift
done

if ((madsim_cfg)); then
    export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }--cfg madsim"
    export CARGO_TARGET_DIR="$root/target/peers/madsim-cfg"
else
    export CARGO_TARGET_DIR="$root/target/peers/native"
fi

echo "building (RUSTFLAGS='${RUSTFLAGS:-}', CARGO_TARGET_DIR=$CARGO_TARGET_DIR)" >&2
cargo build --release --locked --manifest-path "$here/Cargo.toml" >&2

version() {
    # First version of package $1 in the lock file.
    awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' \
        "$here/Cargo.lock"
}
echo "versions: turmoil $(version turmoil), madsim $(version madsim), tokio $(version tokio); $(rustc --version)"
echo "machine: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "note: ns/rt = wall time per round trip; cluster msgs/s = datagrams sent per wall second"
echo

"$CARGO_TARGET_DIR/release/peers" ${quick[@]+"${quick[@]}"} ${passthrough[@]+"${passthrough[@]}"}
