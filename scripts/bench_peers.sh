#!/usr/bin/env bash
# Times scikit-learn, FAISS and `rbf-kmeans fit` side by side on the workloads of the shared
# BENCH.md (W1-W4), interleaved in one run, and writes the raw JSON lines and the tables.
#
#   scripts/bench_peers.sh [OUT_DIR]          # default: bench-results/
#
# Needs the shared harness (SHARED, default ../shared) and Python 3; makes its own venv
# (BENCH_VENV, default /tmp/bench-venv) and data folder (BENCH_DATA, default /tmp/bench-data).
# Environment knobs: WORKLOADS (W1,W2,W3,W4), DTYPES (f32,f64), THREADS (1,2), REPEATS (3),
# PEERS (sk-lloyd,faiss,ours).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-bench-results}
shared=${SHARED:-../shared}
venv=${BENCH_VENV:-/tmp/bench-venv}
export BENCH_DATA=${BENCH_DATA:-/tmp/bench-data}
mkdir -p "$out" "$BENCH_DATA"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet numpy scikit-learn faiss-cpu threadpoolctl
fi
cargo build --release

py() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$venv/bin/python" "$@"; }
raw="$out/peers.jsonl"
: > "$raw"
py "$shared/bench/peers.py" env >> "$raw"
py "$shared/bench/peers.py" ceilings --quick >> "$raw"
workloads=${WORKLOADS:-W1,W2,W3,W4}
for w in ${workloads//,/ }; do
    py "$shared/bench/peers.py" data --workload "$w"
    py "$shared/bench/peers.py" run --workload "$w" --peer "${PEERS:-sk-lloyd,faiss,ours}" \
        --dtype "${DTYPES:-f32,f64}" --threads "${THREADS:-1,2}" --repeats "${REPEATS:-3}" \
        --quiet-wait 10 --ours-bin target/release/rbf-kmeans >> "$raw"
done
py "$shared/bench/report.py" "$raw" > "$out/tables.md"
echo "wrote $raw and $out/tables.md"
