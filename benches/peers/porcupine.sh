#!/usr/bin/env bash
# seedloop::check against Porcupine (Go) on the histories Porcupine publishes
# (test_data/: the Jepsen etcd logs and the key-value logs), side by side.
#
#   benches/peers/porcupine.sh [--reps N] [--only TEXT,...] [--budget STATES] [--no-go]
#
#   --reps N        rounds: each runs every tool once on every history, the
#                   median over the rounds is shown (7)
#   --only LIST     only the histories whose name contains one of these, e.g.
#                   --only etcd_002,c50
#   --budget S      seedloop's budget of explored states (its default, 2,000,000)
#   --no-go         the Rust half only (also what happens when there is no go)
#
# Porcupine is not vendored: its sources are extracted with git archive from
# $PORCUPINE_GIT (a git directory; by default the mirror's,
# /work/.mirror/anishathalye+porcupine/repo), or copied from $PORCUPINE_SRC
# (a checkout), into target/peers/porcupine-src, which the replace directive
# of porcupine/go.mod names. Its test_data/ is the data both tools read.
# The Go program is built into target/peers/porcupine-peer, the Rust one
# (the `check` binary) into target/peers/native. Porcupine runs twice, with
# GOMAXPROCS=1 (one core, as seedloop) and GOMAXPROCS=$(nproc) (it checks the
# parts of a partitioned history in parallel goroutines).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

reps=7
only=()
budget=()
use_go=1
while (($#)); do
    case "$1" in
    --reps)
        reps="${2:?--reps needs a value}"
        shift
        ;;
    --only)
        only=(--only "${2:?--only needs a value}")
        shift
        ;;
    --budget)
        budget=(--budget "${2:?--budget needs a value}")
        shift
        ;;
    --no-go) use_go=0 ;;
    -h | --help)
        sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "porcupine.sh: unknown argument: $1 (try --help)" >&2
        exit 2
        ;;
    esac
    shift
done

src="$root/target/peers/porcupine-src"
mkdir -p "$root/target/peers"
rm -rf "$src"
mkdir -p "$src"
if [[ -n "${PORCUPINE_SRC:-}" ]]; then
    cp -R "$PORCUPINE_SRC/." "$src/"
    rm -rf "$src/.git"
    porcupine_commit="copied from $PORCUPINE_SRC"
    if c="$(git -C "$PORCUPINE_SRC" rev-parse --short HEAD 2>/dev/null)"; then
        porcupine_commit="$c ($porcupine_commit)"
    fi
else
    git_dir="${PORCUPINE_GIT:-/work/.mirror/anishathalye+porcupine/repo}"
    git -C "$git_dir" archive HEAD | tar -x -C "$src"
    porcupine_commit="$(git -C "$git_dir" log -1 --format='%h %cs %s' HEAD)"
fi
data="$src/test_data"
expected="$here/porcupine/expected.txt"

if ((use_go)) && ! command -v go >/dev/null; then
    echo "porcupine.sh: no go on PATH (apt-get install golang-go): the Rust half only" >&2
    use_go=0
fi

export CARGO_TARGET_DIR="$root/target/peers/native"
echo "building check (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)" >&2
cargo build --release --locked --manifest-path "$here/Cargo.toml" --bin check >&2
rust_bin="$CARGO_TARGET_DIR/release/check"
go_bin="$root/target/peers/porcupine-peer"
if ((use_go)); then
    echo "building porcupine-peer ($go_bin)" >&2
    # No network: Porcupine comes from the replace directive, and it has no
    # dependencies of its own.
    (cd "$here/porcupine" && GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local go build -o "$go_bin" .) >&2
fi

if commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null)"; then
    git -C "$root" diff --quiet HEAD -- src || commit="$commit + uncommitted changes in src/"
else
    commit="not a git checkout ($root)"
fi
echo "seedloop: $commit; $(rustc --version)"
echo "porcupine: $porcupine_commit; $( ((use_go)) && go version || echo 'not run')"
echo "machine: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "each figure: the median of $reps rounds (one check per tool and file in each), in milliseconds; the ratio is seedloop / porcupine (GOMAXPROCS=1), below 1 when seedloop is faster"
echo

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
status=0
common=(--data "$data" --expected "$expected" --reps 1 ${only[@]+"${only[@]}"})
go_common=(-data "$data" -expected "$expected" -reps 1 ${only[@]+-only "${only[1]}"})
: >"$out/seedloop"
: >"$out/interleave"
: >"$out/go1"
: >"$out/gon"
# Rounds: each runs every tool once on every file, in turn, so that a burst
# of other work on the machine slows one round of all tools rather than
# every check of one; the figure is the median over the rounds.
tools="seedloop, seedloop with the kv parts in turns"
((use_go)) && tools="$tools, porcupine with GOMAXPROCS=1 and $(nproc)"
for ((round = 1; round <= reps; round++)); do
    echo "round $round of $reps: $tools" >&2
    "$rust_bin" "${common[@]}" ${budget[@]+"${budget[@]}"} >>"$out/seedloop" 2>"$out/err" || {
        status=1
        ((round > 1)) || cat "$out/err" >&2
    }
    "$rust_bin" "${common[@]}" ${budget[@]+"${budget[@]}"} --interleave >>"$out/interleave" 2>/dev/null || true
    if ((use_go)); then
        GOMAXPROCS=1 "$go_bin" "${go_common[@]}" >>"$out/go1" || status=1
        GOMAXPROCS="$(nproc)" "$go_bin" "${go_common[@]}" >>"$out/gon" || status=1
    fi
done

# median FILE: one line per name (in the order of the first round), with
# the median of the rounds' figures: name ops verdict median-ms. A verdict
# that changed between rounds shows as "changing".
median() {
    awk '
        !($1 in seen) { seen[$1] = 1; order[++n] = $1; ops[$1] = $2; v[$1] = $3 }
        { k = ++count[$1]; ms[$1, k] = $4; if ($3 != v[$1]) v[$1] = "changing" }
        END {
            for (i = 1; i <= n; i++) {
                name = order[i]; c = count[name]
                for (a = 1; a <= c; a++) x[a] = ms[name, a]
                for (a = 2; a <= c; a++) for (b = a; b > 1 && x[b] < x[b - 1]; b--) { t = x[b]; x[b] = x[b - 1]; x[b - 1] = t }
                m = (c % 2) ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2
                printf "%s %s %s %.3f\n", name, ops[name], v[name], m
            }
        }' "$1"
}
for f in seedloop interleave go1 gon; do
    median "$out/$f" >"$out/$f.median"
done

# Lines are: name ops verdict median-ms min-ms max-ms.
awk -v cores="$(nproc)" -v expfile="$expected" -v go1="$out/go1.median" -v gon="$out/gon.median" '
    BEGIN {
        while ((getline line < expfile) > 0) {
            sub(/#.*/, "", line)
            if (split(line, w, " ") == 2) { n = w[1]; sub(/.*\//, "", n); sub(/\.[a-z]+$/, "", n); want[n] = w[2] }
        }
        while ((getline line < go1) > 0) { split(line, w, " "); g1[w[1]] = w[4]; gv[w[1]] = w[3]; gops[w[1]] = w[2] }
        while ((getline line < gon) > 0) { split(line, w, " "); gn[w[1]] = w[4] }
        printf "| file | ops | seedloop ms | porcupine ms | seedloop / porcupine | porcupine ms, GOMAXPROCS=%d | verdict (seedloop, porcupine; expected) | agree |\n", cores
        print "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |"
    }
    {
        name = $1; ops = $2; v = $3; ms = $4
        have = (name in g1)
        pv = have ? gv[name] : "-"
        agree = have ? (v == pv && v == want[name] ? "yes" : "**no**") : (v == want[name] ? "(expected)" : "**no**")
        if (have && gops[name] != ops) agree = agree " (ops differ: " gops[name] ")"
        ratio = "-"
        if (have && g1[name] > 0) {
            r = ms / g1[name]; ratio = sprintf("%.2f", r)
            nratio++; logsum += log(r); if (r < 1) faster++
            tot_s += ms; tot_p += g1[name]; tot_pn += gn[name]
            if (agree == "yes") { ok_s += ms; ok_p += g1[name]; ok_pn += gn[name] }
        }
        if (agree ~ /no/) bad++
        printf "| %s | %d | %.3f | %s | %s | %s | %s, %s; %s | %s |\n", name, ops, ms, have ? sprintf("%.3f", g1[name]) : "-", ratio, have ? sprintf("%.3f", gn[name]) : "-", v, pv, want[name], agree
        files++
    }
    END {
        print ""
        printf "%d files; verdicts agree (seedloop = porcupine = expected) on %d, not on %d\n", files, files - bad, bad
        if (nratio > 0) {
            printf "seedloop faster on %d of %d; geometric mean of seedloop / porcupine: %.2f\n", faster, nratio, exp(logsum / nratio)
            printf "sum of the medians: seedloop %.1f ms, porcupine %.1f ms (GOMAXPROCS=1), %.1f ms (GOMAXPROCS=%d)\n", tot_s, tot_p, tot_pn, cores
            if (bad > 0) printf "the same without the files whose verdicts differ: seedloop %.1f ms, porcupine %.1f ms (GOMAXPROCS=1), %.1f ms (GOMAXPROCS=%d)\n", ok_s, ok_p, ok_pn, cores
        }
    }' "$out/seedloop.median"

if [[ -s "$out/interleave.median" ]]; then
    echo
    echo "seedloop with the parts of the kv histories checked in turns (each key its own History, budget slices doubling from 1,000 states):"
    echo
    echo "| file | ops | seedloop ms, parts in turns | verdict |"
    echo "| --- | ---: | ---: | --- |"
    awk '{ printf "| %s | %d | %.3f | %s |\n", $1, $2, $4, $3 }' "$out/interleave.median"
fi
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
