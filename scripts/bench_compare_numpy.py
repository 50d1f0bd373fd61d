#!/usr/bin/env python3
"""Numpy peer of saestitch's CompareBenchmark: the straightforward dense implementation of the
per-latent Δmse formula of `saestitch compare` (docs/definitions.md#adding-a-latent):

    Δ_j = (1/N) Σ_t [ f_j(t)² ‖d_j‖² − 2 f_j(t) (r_t · d_j) ],   r = x − x̂_S,  d_j = W_dec^L[j]

computed block by block with dense float32 matmuls (encode S, decode S, encode L, r @ W_dec^Lᵀ), sums
in float64. Only the per-latent Δmse: no groups, interpolation or correlation.

Usage: bench_compare_numpy.py DIR [--block 4096] [--repeats 3]
DIR holds x.npy [N, d] and s_w_enc.npy, s_b_enc.npy, s_w_dec.npy, s_b_dec.npy, s_threshold.npy and the
same with l_ (SAELens orientation), and meta.json {"s_apply_b_dec": bool, "l_apply_b_dec": bool}.
Activations are f = pre · [pre > threshold] (relu: threshold 0; jumprelu; batchtopk at inference).
Writes DIR/delta_numpy.npy (float64 [F_L]) and prints one JSON line: {"seconds": best, "all": [...],
"numpy": version, "tokens": N}. Loading the arrays is not timed.
"""
import argparse
import json
import pathlib
import time

import numpy as np


def encode(x, sae):
    pre = (x - sae["b_dec"]) @ sae["w_enc"] if sae["apply"] else x @ sae["w_enc"]
    pre += sae["b_enc"]
    pre[pre <= sae["threshold"]] = 0.0
    return pre


def delta_mse(x, s, l, block):
    n = x.shape[0]
    norm_sq = np.einsum("jd,jd->j", l["w_dec"], l["w_dec"], dtype=np.float64)
    sum_f2 = np.zeros(l["w_dec"].shape[0])
    sum_fr = np.zeros(l["w_dec"].shape[0])
    for start in range(0, n, block):
        xb = x[start:start + block]
        f_s = encode(xb, s)
        r = xb - (f_s @ s["w_dec"] + s["b_dec"])
        f_l = encode(xb, l)
        proj = r @ l["w_dec"].T
        sum_f2 += np.sum(f_l * f_l, axis=0, dtype=np.float64)
        sum_fr += np.sum(f_l * proj, axis=0, dtype=np.float64)
    return (sum_f2 * norm_sq - 2.0 * sum_fr) / n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--block", type=int, default=4096)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    d = pathlib.Path(a.dir)
    meta = json.loads((d / "meta.json").read_text())
    x = np.load(d / "x.npy")
    sae = {}
    for p in ("s", "l"):
        sae[p] = {k: np.load(d / f"{p}_{k}.npy") for k in ("w_enc", "b_enc", "w_dec", "b_dec", "threshold")}
        sae[p]["apply"] = bool(meta[f"{p}_apply_b_dec"])
    times = []
    delta = None
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        delta = delta_mse(x, sae["s"], sae["l"], a.block)
        times.append(time.perf_counter() - t0)
    np.save(d / "delta_numpy.npy", delta.astype(np.float64))
    print(json.dumps({"seconds": min(times), "all": times, "numpy": np.__version__, "tokens": int(x.shape[0])}))


if __name__ == "__main__":
    main()
