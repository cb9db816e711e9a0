#!/usr/bin/env bash
# Build and run the bug-finding comparison: seedloop against shuttle on the
# bug suite (tests/bugs/), printed as markdown on stdout.
#
#   benches/peers/bugs.sh [--quick | --sweeps N] [--keep-stderr] [NAME]
#
#   --quick        5 sweeps per bug and scheduler instead of 20
#   --sweeps N     N sweeps per bug and scheduler
#   --keep-stderr  let through the lines shuttle prints on stderr for every
#                  failing execution (silenced by default)
#   NAME           only the bugs whose name contains NAME
#
# Builds in release, with --locked and without `--cfg madsim` (the comparison
# needs neither madsim nor its libc overrides), into target/peers/native
# under the root's target/: the same directory as `run.sh --no-madsim-cfg`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

case "${1:-}" in
-h | --help)
    sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac

export CARGO_TARGET_DIR="$root/target/peers/native"
echo "building (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)" >&2
cargo build --release --locked --bin bugs --manifest-path "$here/Cargo.toml" >&2

echo "$(rustc --version); machine: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
"$CARGO_TARGET_DIR/release/bugs" "$@"
