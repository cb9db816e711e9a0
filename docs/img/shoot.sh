#!/usr/bin/env bash
# Remakes the screenshots of the view (docs/15-view.md, the README) from the
# tour's failing runs, in headless Chromium. Needs `chromium` on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo run --release --example tour >/dev/null
target=${CARGO_TARGET_DIR:-target}
shot() { # view file, address hash (its zoom), png name, window height
    local profile
    profile=$(mktemp -d)
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --window-size=1400,"$4" --user-data-dir="$profile" \
        --screenshot="docs/img/$3" "file://$(realpath "$1")$2" 2>/dev/null
    rm -rf "$profile"
}
shot "$(ls "$target"/seedloop/tour.lost_update/*.html | head -1)" "" view-lost-update.png 560
# The partition's first 0.12 s: the writes, the stalled copy, the stale read.
shot "$(ls "$target"/seedloop/tour.replicated/*.html | head -1)" "#from=0&to=120000000" view-partition.png 1000
