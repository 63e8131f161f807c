#!/usr/bin/env python3
"""Issue 5's target table from the JSON lines of scripts/bench_peers.sh.

    python3 scripts/bench_table.py bench-results/peers.jsonl

Per workload, dtype and thread count: the median over repeats of the marginal time per Lloyd
iteration (whole-fit time at 20 iterations minus at 1, divided by 19, for both contestants, so
start-up and file reading cancel), our ratio to scikit-learn's Lloyd at the same thread count (the target is set at one thread), our multiple of
the floor (BENCH.md: 2nkd flops at the measured square-GEMM rate, or one read of the data at the
measured bandwidth, whichever is larger), and, at two threads, our time over our one-thread time.

A second table gives every peer's whole-process time per iteration at 20 iterations (start-up and
file reading included), the only figure the harness records for FAISS.
"""
import json
import statistics
import sys
from collections import defaultdict

WL = {"W1": (100_000, 2, 8), "W2": (1_000_000, 32, 64), "W3": (200_000, 128, 256),
      "W4": (70_000, 784, 10)}
SIZE = {"f32": 4, "f64": 8}
TARGET = {"W1": (0.2, 10), "W2": (0.6, 1.7), "W3": (0.85, 1.3), "W4": (0.5, 2.0)}


def main(path):
    recs = [json.loads(l) for l in open(path) if l.startswith("{")]
    gemm, bw = defaultdict(list), defaultdict(list)
    times, whole = defaultdict(list), defaultdict(list)
    for r in recs:
        if r.get("kind") == "gemm" and r.get("shape", "").startswith("square"):
            fl = 2.0 * r["m"] * r["k"] * r["n"]
            gemm[(r["dtype"], r["threads"])] += [fl / t for t in r["times"]]
        elif r.get("kind") == "membw" and r["op"].startswith("read"):
            bw[r["threads"]] += [r["bytes"] / t for t in r["times"]]
        elif r.get("kind") == "peer":
            key = (r["workload"], r["peer"], r["dtype"], r["threads"])
            if "s_per_iter" in r:
                whole[key].append(r["s_per_iter"])
            if "marginal_s_per_iter" in r:
                times[key].append(r["marginal_s_per_iter"])

    def med(key):
        v = times.get(key)
        return statistics.median(v) if v else None

    def floor(w, dt, th):
        n, d, k = WL[w]
        return max(2.0 * n * k * d / statistics.median(gemm[(dt, th)]),
                   n * d * SIZE[dt] / statistics.median(bw[th]))

    def ms(t):
        return f"{t * 1e3:.2f} ms" if t is not None else "–"

    print("| workload | dtype | threads | scikit-learn | ours | ours / sklearn, same threads "
          "(target) | ours / floor (target) | ours 2 threads / 1 thread |")
    print("|---|---|---|---|---|---|---|---|")
    for w in WL:
        for dt in ("f32", "f64"):
            for th in (1, 2):
                sk, ours = med((w, "sk-lloyd", dt, th)), med((w, "ours", dt, th))
                if ours is None:
                    continue
                ours1 = med((w, "ours", dt, 1))
                t_sk, t_fl = TARGET[w]
                vs_sk = f"{ours / sk:.2f}×" if sk else "–"
                if th == 1:
                    vs_sk += f" (≤ {t_sk})"
                fl = floor(w, dt, th)
                vs_fl = f"{ours / fl:.2f}× (≤ {t_fl})"
                scale = f"{ours / ours1:.2f}×" if th == 2 and ours1 else ""
                print(f"| {w} | {dt} | {th} | {ms(sk)} | {ms(ours)} | {vs_sk} | {vs_fl} | {scale} |")

    peers = ("sk-lloyd", "faiss", "ours")
    print()
    print("| workload | dtype | threads | " + " | ".join(peers) + " | ours / best other |")
    print("|---|---|---|" + "---|" * (len(peers) + 1))
    for w in WL:
        for dt in ("f32", "f64"):
            for th in (1, 2):
                t = {p: statistics.median(whole[(w, p, dt, th)])
                     for p in peers if whole.get((w, p, dt, th))}
                if "ours" not in t:
                    continue
                others = [v for p, v in t.items() if p != "ours"]
                rel = f"{t['ours'] / min(others):.2f}×" if others else "–"
                cells = " | ".join(ms(t.get(p)) for p in peers)
                print(f"| {w} | {dt} | {th} | {cells} | {rel} |")


if __name__ == "__main__":
    main(sys.argv[1])
