#!/usr/bin/env python3
"""A literal numpy reference for `saestitch compare`: fixtures and the numbers the four files must hold.

Two modes, run from the repository root:

    python3 scripts/literal_compare_numpy.py make      # write the SAE pairs + activations, then `literal`
    python3 scripts/literal_compare_numpy.py literal   # recompute every expected.json from the files on disk

`make` writes, deterministically from SEED, two pairs under src/test/resources/fixtures/compare/:

* saelens_pair/: S = SAELens v6 relu (d = 16, F = 24, apply_b_dec_to_input true), L = SAELens v6 jumprelu
  (F = 48, apply_b_dec_to_input false, its own b_dec and per-latent thresholds, one latent made dead by a
  huge threshold);
* sparsify_pair/: S = sparsify topk (k = 4, F = 24), L = sparsify topk (k = 6, F = 48), both in a run
  directory (<run>/layers.2/{cfg.json, sae.safetensors} + <run>/config.json);
* each with acts.npy (300 tokens, float32) built from S's decoder directions and L's novel ones.

L's decoder is built from S's: near-copies of S rows, splits (S_i ± 0.5 v, v ⟂ S_i), merges (S_a + S_b for
S rows with cosine 0.15..0.45) and random "novel" rows, then shuffled, so the pair has novel and
reconstruction latents and swap groups with 1..n parents and children.

Float32 (Java) and float64 (here) must agree on every discrete decision, so `make` keeps, and `literal`
re-checks and records:
* every pre-activation at least MARGIN from a decision boundary (0 for relu, θ for jumprelu, the
  k-th/(k+1)-th gap and 0 for topk) - tokens that violate it are redrawn;
* every decoder cosine at least COS_MARGIN from τ = 0.7 (the edges), every max_cos that far from every
  threshold of the sweep (0.50, 0.55, ..., 0.90); the two best cosines of each L latent (argmax), consecutive novel max_cos
  (add order) and consecutive group cosines (swap order) at least ORDER_MARGIN apart - weights that
  violate it are redrawn;
* the two best activation correlations of each L latent at least ORDER_MARGIN apart (argmax).

`literal` follows docs/definitions.md#stitching word for word, in float64 from the stored float32 values, and
never uses the shortcut formulas of ComparePass: every hybrid (S + {j}, each swap, each point of the
interpolation path) is built explicitly - its latents' activations computed each by its own source SAE
(a topk latent keeps the activation it has inside its source SAE), decoder rows concatenated, S's b_dec -
and evaluated (mse, l0, fvu) from scratch. For the saelens pair each S + {j} is also built as ONE standard
SAE by folding b_dec into b_enc (the b_enc'_j rule of docs/definitions.md, generalised to apply_b_dec_to_input
differing between S and L) and run through a standard JumpReLU forward pass (θ = 0 for S's relu latents);
the two constructions must agree to 1e-12.

expected.json holds every value of latents.csv, groups.csv, interpolation.csv and the numbers of
summary.json (see `literal_pair` for the keys).
"""

import json
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf  # noqa: E402  (safetensors writer, SAELens v6 cfg)

ROOT = mf.ROOT / "compare"
SEED = 20250920
D, F_SMALL, F_LARGE, TOKENS = 16, 24, 48, 300
TAU = 0.7
SWEEP = [(50 + 5 * k) / 100.0 for k in range(9)]  # as ThresholdSweepRow.thresholds()
MARGIN = 1e-3  # pre-activation distance to any decision boundary
COS_MARGIN = 1e-3  # decoder cosine distance to τ and to the sweep thresholds
ORDER_MARGIN = 1e-4  # gaps that decide an argmax or an order (float32 cosines err by ~1e-7)
HOOK, MODEL = "blocks.2.hook_resid_post", "sentence-transformers/all-MiniLM-L6-v2"
PAIRS = ("saelens_pair", "sparsify_pair")


# ------------------------------------------------------------------------------------------ SAEs

class Sae:
    """An SAE in SAELens orientation, float32 weights as stored; `kind` relu, jumprelu or topk."""

    def __init__(self, kind, W_enc, b_enc, W_dec, b_dec, apply_b_dec, threshold=None, k=None):
        self.kind, self.apply_b_dec, self.k = kind, apply_b_dec, k
        self.W_enc, self.b_enc, self.W_dec, self.b_dec = (np.asarray(t, dtype=np.float32) for t in
                                                          (W_enc, b_enc, W_dec, b_dec))
        self.threshold = None if threshold is None else np.asarray(threshold, dtype=np.float32)

    @property
    def f(self):
        return self.W_dec.shape[0]

    def pre(self, x):
        """Pre-activations in float64 from the float32 values."""
        x = np.asarray(x, dtype=np.float64)
        sae_in = x - self.b_dec.astype(np.float64) if self.apply_b_dec else x
        return sae_in @ self.W_enc.astype(np.float64) + self.b_enc.astype(np.float64)

    def encode(self, x):
        """(activations [N, F] float64, smallest distance of a pre-activation to a decision boundary)."""
        pre = self.pre(x)
        if self.kind == "relu":
            return np.maximum(pre, 0.0), np.abs(pre).min(axis=1)
        if self.kind == "jumprelu":  # SAELens: relu(pre) * (pre > relu(θ)); θ > 0 here
            th = np.maximum(self.threshold.astype(np.float64), 0.0)
            return np.where(pre > th, np.maximum(pre, 0.0), 0.0), np.abs(pre - th).min(axis=1)
        if self.kind == "topk":  # sparsify: relu, then the k largest per token
            r = np.maximum(pre, 0.0)
            order = np.argsort(-r, axis=1, kind="stable")
            acts = np.zeros_like(r)
            rows = np.arange(r.shape[0])[:, None]
            acts[rows, order[:, :self.k]] = r[rows, order[:, :self.k]]
            s = np.take_along_axis(r, order, axis=1)
            return acts, np.minimum(s[:, self.k - 1] - s[:, self.k], s[:, self.k - 1])
        raise ValueError(self.kind)


def evaluate(x, acts, rows, b_dec):
    """mse, l0, fvu of the model whose activations are the columns of `acts` and decoder `rows`.

    x̂ = b_dec + Σ_m acts[:, m]·rows[m], accumulated latent by latent in column order, so that a latent that
    is never active leaves x̂ bit-for-bit unchanged (0·row adds ±0.0)."""
    x = np.asarray(x, dtype=np.float64)
    x_hat = np.broadcast_to(np.asarray(b_dec, dtype=np.float64), x.shape).copy()
    for m in range(acts.shape[1]):
        x_hat += acts[:, m:m + 1] * np.asarray(rows[m], dtype=np.float64)[None, :]
    err = ((x - x_hat) ** 2).sum(axis=1)
    sst = ((x - x.mean(axis=0)) ** 2).sum()
    return {"mse": float(err.mean()), "l0": float((acts != 0).sum(axis=1).mean()), "fvu": float(err.sum() / sst),
            "x_hat": x_hat}


class Hybrid:
    """A hybrid of S and L: S's latents `keep`, then L's latents `add`, each with the activation it has
    inside its own source SAE (docs/definitions.md, adding and swapping), decoder rows concatenated, S's b_dec."""

    def __init__(self, small, large, f_small, f_large, keep, add):
        self.keep, self.add = list(keep), list(add)
        self.acts = np.concatenate([f_small[:, self.keep], f_large[:, self.add]], axis=1)
        self.rows = np.concatenate([small.W_dec[self.keep], large.W_dec[self.add]], axis=0)
        self.b_dec = small.b_dec

    def evaluate(self, x):
        return evaluate(x, self.acts, self.rows, self.b_dec)


def folded_standard(small, large, j):
    """S + {j} written as one standard JumpReLU SAE (relu = θ 0) with S's b_dec and apply_b_dec_to_input:
    b_enc'_j = b_enc_j + W_enc^L[:,j]·(b_dec^S·[S applies] − b_dec^L·[L applies]) keeps j's pre-activation
    exactly as inside L (the rule of docs/definitions.md when both apply). Only for non-topk pairs."""
    w = large.W_enc[:, j].astype(np.float64)
    shift = (small.b_dec.astype(np.float64) if small.apply_b_dec else 0.0) \
        - (large.b_dec.astype(np.float64) if large.apply_b_dec else 0.0)
    th_s = np.zeros(small.f) if small.kind == "relu" else small.threshold.astype(np.float64)
    th_l = 0.0 if large.kind == "relu" else float(large.threshold[j])
    W_enc = np.concatenate([small.W_enc.astype(np.float64), w[:, None]], axis=1)
    b_enc = np.concatenate([small.b_enc.astype(np.float64), [float(large.b_enc[j]) + w @ shift]])
    th = np.concatenate([th_s, [th_l]])
    W_dec = np.concatenate([small.W_dec, large.W_dec[j:j + 1]], axis=0)
    return W_enc, b_enc, th, W_dec


def run_folded(x, small, W_enc, b_enc, th, W_dec):
    x = np.asarray(x, dtype=np.float64)
    sae_in = x - small.b_dec.astype(np.float64) if small.apply_b_dec else x
    pre = sae_in @ W_enc + b_enc
    acts = np.where(pre > th, np.maximum(pre, 0.0), 0.0)
    return evaluate(x, acts, W_dec, small.b_dec)


# ----------------------------------------------------------------------------------- similarity

def cosines(large, small):
    """[F_L, F_S] cos(W_dec^L[j], W_dec^S[i]) in float64."""
    a = large.W_dec.astype(np.float64)
    b = small.W_dec.astype(np.float64)
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return a @ b.T


def swap_groups(cos, tau):
    """Connected components of the parent/child graph (edges cos > τ), numbered by smallest parent."""
    fl, fs = cos.shape
    edges = [(j, i) for j in range(fl) for i in range(fs) if cos[j, i] > tau]
    adj_s = {i: set() for i in range(fs)}
    adj_l = {j: set() for j in range(fl)}
    for j, i in edges:
        adj_s[i].add(j)
        adj_l[j].add(i)
    seen_s, groups = set(), []
    for i0 in range(fs):
        if i0 in seen_s or not adj_s[i0]:
            continue
        parents, children, stack = {i0}, set(), [("s", i0)]
        seen_s.add(i0)
        while stack:
            side, v = stack.pop()
            for w in (adj_s[v] if side == "s" else adj_l[v]):
                if side == "s" and w not in children:
                    children.add(w)
                    stack.append(("l", w))
                elif side == "l" and w not in parents:
                    parents.add(w)
                    seen_s.add(w)
                    stack.append(("s", w))
        ge = [(j, i) for j, i in edges if i in parents]
        groups.append({"parents": sorted(parents), "children": sorted(children),
                       "cosine": max(cos[j, i] for j, i in ge), "num_edges": len(ge)})
    return groups


def pearson(a, b):
    """corr of columns: [Fa, Fb], NaN where either column is constant (two-pass, float64)."""
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    na = np.sqrt((a ** 2).sum(axis=0))
    nb = np.sqrt((b ** 2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = (a.T @ b) / np.outer(na, nb)
    c[na == 0, :] = np.nan
    c[:, nb == 0] = np.nan
    return c


# -------------------------------------------------------------------------------------- literal

def num(v):
    """JSON number, or None for NaN."""
    return None if v is None or not np.isfinite(v) else float(v)


def contingency(max_cos, delta, tau):
    c = dict(novel_improves=0, novel_worsens=0, novel_unchanged=0, reconstruction_improves=0,
             reconstruction_worsens=0, reconstruction_unchanged=0)
    for mc, dm in zip(max_cos, delta):
        kind = "novel" if mc <= tau else "reconstruction"
        c[kind + ("_improves" if dm < 0 else "_worsens" if dm > 0 else "_unchanged")] += 1
    decided = c["novel_improves"] + c["novel_worsens"] + c["reconstruction_improves"] + c["reconstruction_worsens"]
    c["num_novel"] = c["novel_improves"] + c["novel_worsens"] + c["novel_unchanged"]
    c["num_reconstruction"] = c["reconstruction_improves"] + c["reconstruction_worsens"] + c["reconstruction_unchanged"]
    c["agreement"] = None if decided == 0 else (c["novel_improves"] + c["reconstruction_worsens"]) / decided
    return c


def margins(small, large, x, tau=TAU):
    """The distances that decide every discrete outcome (see the module comment)."""
    cos = cosines(large, small)
    fs_, ms = small.encode(x)
    fl_, ml = large.encode(x)
    srt = -np.sort(-cos, axis=1)
    max_cos = srt[:, 0]
    groups = swap_groups(cos, tau)
    novel = np.sort(max_cos[max_cos <= tau])
    gcos = np.sort([g["cosine"] for g in groups])
    corr = pearson(fl_, fs_)
    corr_gaps = []
    for j in range(large.f):
        r = corr[j][~np.isnan(corr[j])]
        if r.size >= 2:
            r = np.sort(r)[::-1]
            corr_gaps.append(r[0] - r[1])
    return {
        "pre_activation": float(min(ms.min(), ml.min())),
        "cosine_to_tau": float(np.abs(cos - tau).min()),  # every pair: the edges
        "max_cos_to_sweep": float(min(np.abs(max_cos - t).min() for t in SWEEP)),
        "nearest_gap": float((srt[:, 0] - srt[:, 1]).min()),
        "add_order_gap": float(np.diff(novel).min()) if novel.size > 1 else 1.0,
        "swap_order_gap": float(np.diff(gcos).min()) if gcos.size > 1 else 1.0,
        "act_nearest_gap": float(min(corr_gaps)) if corr_gaps else 1.0,
    }


def literal_pair(small, large, x, tau=TAU, check_fold=False):
    x = np.asarray(x, dtype=np.float32).astype(np.float64)
    n = x.shape[0]
    fs, fl = small.f, large.f
    f_s, _ = small.encode(x)
    f_l, _ = large.encode(x)
    all_s = list(range(fs))

    base = Hybrid(small, large, f_s, f_l, all_s, []).evaluate(x)
    own_l = evaluate(x, f_l, large.W_dec, large.b_dec)

    cos = cosines(large, small)
    max_cos = cos.max(axis=1)
    nearest = cos.argmax(axis=1)
    groups = swap_groups(cos, tau)
    group_of_large = np.full(fl, -1)
    for g, grp in enumerate(groups):
        group_of_large[grp["children"]] = g

    # Adding each latent j of L to S: build S + {j}, evaluate.
    delta = np.zeros(fl)
    fold_err = 0.0
    for j in range(fl):
        h = Hybrid(small, large, f_s, f_l, all_s, [j]).evaluate(x)
        delta[j] = h["mse"] - base["mse"]
        if check_fold:
            folded = run_folded(x, small, *folded_standard(small, large, j))
            fold_err = max(fold_err, float(np.abs(folded["x_hat"] - h["x_hat"]).max()))
            assert folded["l0"] == h["l0"], j
    if check_fold:
        assert fold_err < 1e-12, fold_err

    # Each swap group: S − parents + children.
    for grp in groups:
        keep = [i for i in all_s if i not in grp["parents"]]
        h = Hybrid(small, large, f_s, f_l, keep, grp["children"]).evaluate(x)
        grp["delta_mse"] = h["mse"] - base["mse"]
        grp["delta_l0"] = h["l0"] - base["l0"]

    # The interpolation path: novel latents by ascending max_cos (ties: index), then groups by descending
    # group cosine (ties: id); every point is a freshly built hybrid.
    novel = [j for j in range(fl) if group_of_large[j] < 0]
    add_order = sorted(novel, key=lambda j: (max_cos[j], j))
    swap_order = sorted(range(len(groups)), key=lambda g: (-groups[g]["cosine"], g))
    step_of_large = np.zeros(fl, dtype=int)
    rows = [{"step": 0, "action": "start", "target": -1, "cosine": None, "num_latents": fs, "mse": base["mse"],
             "l0": base["l0"], "fvu": base["fvu"], "delta_mse": 0.0}]
    keep, added = list(all_s), []
    prev = base["mse"]

    def point(action, target, cosine):
        nonlocal prev
        h = Hybrid(small, large, f_s, f_l, keep, added).evaluate(x)
        rows.append({"step": len(rows), "action": action, "target": int(target), "cosine": float(cosine),
                     "num_latents": len(keep) + len(added), "mse": h["mse"], "l0": h["l0"], "fvu": h["fvu"],
                     "delta_mse": h["mse"] - prev})
        prev = h["mse"]

    for j in add_order:
        added.append(j)
        point("add", j, max_cos[j])
        step_of_large[j] = len(rows) - 1
    for g in swap_order:
        grp = groups[g]
        keep = [i for i in keep if i not in grp["parents"]]
        added = added + list(grp["children"])
        point("swap", g, grp["cosine"])
        grp["step"] = len(rows) - 1
        step_of_large[grp["children"]] = grp["step"]
    assert sorted(added) == list(range(fl))  # S latents without a child stay

    # Activation correlation (Pearson over the tokens, inactive = 0).
    corr = pearson(f_l, f_s)
    latents = []
    for j in range(fl):
        r = corr[j]
        defined = ~np.isnan(r)
        best = int(np.nanargmax(r)) if defined.any() else -1
        latents.append({
            "latent": j, "max_cos": float(max_cos[j]), "nearest": int(nearest[j]),
            "kind": "novel" if group_of_large[j] < 0 else "reconstruction",
            "delta_mse": float(delta[j]), "freq": float((f_l[:, j] != 0).mean()),
            "max_act_corr": num(r[best]) if best >= 0 else None, "act_nearest": best,
            "nearest_act_corr": num(r[nearest[j]]),
            "group": int(group_of_large[j]), "step": int(step_of_large[j])})
    act_defined = [l for l in latents if l["act_nearest"] >= 0]
    near_defined = [l["nearest_act_corr"] for l in latents if l["nearest_act_corr"] is not None]

    def model(sae, m, f_acts):
        return {"num_latents": sae.f, "mse": m["mse"], "fvu": m["fvu"], "l0": m["l0"],
                "dead": int((~(f_acts != 0).any(axis=0)).sum()), "activation": sae.kind,
                "apply_b_dec_to_input": bool(sae.apply_b_dec)}

    def summary_point(row):
        return {"step": row["step"], "num_latents": row["num_latents"], "mse": row["mse"], "l0": row["l0"],
                "fvu": row["fvu"], "mse_change_fraction": (row["mse"] - base["mse"]) / base["mse"]}

    cont = contingency(max_cos, delta, tau)
    return {
        "tokens": n,
        "threshold": tau,
        "composite": small.kind == "topk" or large.kind == "topk",
        "small": model(small, base, f_s),
        "large": model(large, own_l, f_l),
        "num_novel": cont["num_novel"],
        "num_reconstruction": cont["num_reconstruction"],
        "num_groups": len(groups),
        "contingency": {k: v for k, v in cont.items() if not k.startswith("num_")},
        "novel_added": summary_point(rows[len(add_order)]),
        "all_applied": summary_point(rows[-1]),
        "threshold_sweep": [{"threshold": t, **contingency(max_cos, delta, t)} for t in SWEEP],
        "activation_similarity": {
            "computed": True, "passes": 1,
            "same_nearest_fraction": (sum(l["act_nearest"] == l["nearest"] for l in act_defined) / len(act_defined))
            if act_defined else None,
            "mean_nearest_act_corr": float(np.mean(near_defined)) if near_defined else None},
        "latents": latents,
        "groups": [{"group": g, "parents": grp["parents"], "children": grp["children"],
                    "delta_mse": grp["delta_mse"], "delta_l0": grp["delta_l0"], "cosine": float(grp["cosine"]),
                    "num_edges": grp["num_edges"], "step": grp["step"]} for g, grp in enumerate(groups)],
        "interpolation": rows,
        "max_fold_error": fold_err if check_fold else None,
    }


# ---------------------------------------------------------------------------------- file reading

def read_safetensors(path):
    b = Path(path).read_bytes()
    (h,) = struct.unpack("<Q", b[:8])
    header = json.loads(b[8:8 + h])
    header.pop("__metadata__", None)
    data = b[8 + h:]
    dt = {"F32": "<f4", "F64": "<f8"}
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype=dt[v["dtype"]])
            .reshape(v["shape"]).astype(np.float32) for k, v in header.items()}


def read_sae(directory):
    """Reads a SAELens v6 or sparsify directory as written by `make` (only what those files can say)."""
    d = Path(directory)
    cfg = json.loads((d / "cfg.json").read_text())
    if (d / "sae_weights.safetensors").exists():
        w = read_safetensors(d / "sae_weights.safetensors")
        kind = {"standard": "relu", "jumprelu": "jumprelu"}[cfg["architecture"]]
        return Sae(kind, w["W_enc"], w["b_enc"], w["W_dec"], w["b_dec"], cfg["apply_b_dec_to_input"],
                   threshold=w.get("threshold"))
    w = read_safetensors(d / "sae.safetensors")  # sparsify: encoder.weight [F, d], always subtracts b_dec
    assert cfg["activation"] == "topk" and not cfg.get("transcode") and not cfg.get("skip_connection")
    return Sae("topk", w["encoder.weight"].T, w["encoder.bias"], w["W_dec"], w["b_dec"], True, k=cfg["k"])


PAIR_DIRS = {"saelens_pair": ("small", "large"), "sparsify_pair": ("small/layers.2", "large/layers.2")}


def literal(names=PAIRS):
    for name in names:
        root = ROOT / name
        s_dir, l_dir = PAIR_DIRS[name]
        small, large = read_sae(root / s_dir), read_sae(root / l_dir)
        x = np.load(root / "acts.npy")
        out = literal_pair(small, large, x, check_fold=(large.kind != "topk" and small.kind != "topk"))
        out = {"pair": name, "small_dir": s_dir, "large_dir": l_dir, "activations": "acts.npy",
               "margins": margins(small, large, x), **out}
        mf.write_json(root / "expected.json", out)
        m = out["margins"]
        c = out["contingency"]
        print(f"{name}: {out['num_novel']} novel ({c['novel_improves']} improve, {c['novel_worsens']} worsen, "
              f"{c['novel_unchanged']} unchanged), {out['num_reconstruction']} reconstruction "
              f"({c['reconstruction_improves']} improve, {c['reconstruction_worsens']} worsen), "
              f"{out['num_groups']} groups (sizes {sorted((len(g['parents']), len(g['children'])) for g in out['groups'])}); "
              f"mse S {out['small']['mse']:.4f} L {out['large']['mse']:.4f} novel_added {out['novel_added']['mse']:.4f} "
              f"all {out['all_applied']['mse']:.4f}; l0 S {out['small']['l0']:.2f} L {out['large']['l0']:.2f}; "
              f"dead S {out['small']['dead']} L {out['large']['dead']}; margins {m}"
              + (f"; fold error {out['max_fold_error']:.1e}" if out["max_fold_error"] is not None else ""))


# ------------------------------------------------------------------------------------------ make

def unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def decoders(rng, unit_norm):
    """(S rows [F_S, d], L rows [F_L, d], L's novel rows' indices) with the designed structure; None when
    the cosine margins fail (the caller redraws)."""
    s = unit(rng.standard_normal((F_SMALL, D)))
    cs = s @ s.T
    np.fill_diagonal(cs, 0)
    # Every S row is covered by L, as a merge, a split or a near-copy (like a wider SAE that has
    # learned the same directions, some finer and some coarser); the rest of L is novel.
    # Merges: S_a + w·S_b for disjoint S rows with cosine 0.15..0.45 (cosine ≈ 0.7..0.9 with each;
    # margins checked).
    perm = list(rng.permutation(F_SMALL))
    merges = []
    for a in list(perm):
        if len(merges) == 3:
            break
        if a not in perm:
            continue
        partners = [b for b in perm if b != a and 0.15 < cs[a, b] < 0.45]
        if partners:
            merges.append((a, partners[0]))
            perm.remove(a)
            perm.remove(partners[0])
    if len(merges) < 3:
        return None
    # One merged row is also split, which makes a group of 2 parents and 3 children.
    splits, copies = perm[:3] + [merges[0][0]], perm[3:]
    rows = []
    for i in copies:
        rows.append(s[i] + 0.06 * rng.standard_normal(D))
    for i in splits:  # asymmetric, so that no two cosines tie
        v = rng.standard_normal(D)
        v = unit(v - (v @ s[i]) * s[i])
        rows += [s[i] + rng.uniform(0.35, 0.6) * v, s[i] - rng.uniform(0.35, 0.6) * v]
    for a, b in merges:
        rows.append(s[a] + rng.uniform(0.85, 1.15) * s[b])
    novel = []
    while len(rows) + len(novel) < F_LARGE:
        v = unit(rng.standard_normal(D))
        if (s @ v).max() < 0.62:
            novel.append(v)
    rows = unit(np.array(rows + novel))
    order = rng.permutation(F_LARGE)
    large = rows[order]
    novel_idx = np.nonzero(order >= F_LARGE - len(novel))[0]
    if not unit_norm:
        s = s * rng.uniform(0.7, 1.4, (F_SMALL, 1))
        large = large * rng.uniform(0.7, 1.4, (F_LARGE, 1))
    return s.astype(np.float32), large.astype(np.float32), novel_idx


def encoder_for(rng, W_dec):
    """A noisy pseudo-inverse of the decoder rows: f_j·W_dec[j] ≈ (projection on the row's direction)."""
    w = W_dec.astype(np.float64)
    u = w / (w ** 2).sum(axis=1, keepdims=True)
    return (u.T + 0.05 * rng.standard_normal(u.T.shape)).astype(np.float32)


def tokens(rng, gen, b_true, small, large):
    """TOKENS activations x = Σ 2 random generator directions · U(1.5, 3) + b_true + noise, each token redrawn
    until every pre-activation of both SAEs is MARGIN from a decision boundary."""
    out = np.zeros((TOKENS, D), dtype=np.float32)
    for t in range(TOKENS):
        for _ in range(1000):
            z = np.zeros(len(gen))
            z[rng.choice(len(gen), 2, replace=False)] = rng.uniform(1.5, 3.0, 2)
            x = (z @ gen + b_true + 0.1 * rng.standard_normal(D)).astype(np.float32)[None, :]
            if small.encode(x)[1].min() > MARGIN and large.encode(x)[1].min() > MARGIN:
                out[t] = x[0]
                break
        else:
            raise RuntimeError("no token with a safe margin")
    return out


def draw_pair(rng, layout):
    for _attempt in range(200):
        dec = decoders(rng, unit_norm=(layout == "sparsify"))
        if dec is None:
            continue
        s_dec, l_dec, novel_idx = dec
        b_true = 0.1 * rng.standard_normal(D)
        gen = np.concatenate([unit(s_dec.astype(np.float64)), unit(l_dec[novel_idx].astype(np.float64))])
        if layout == "saelens":
            small = Sae("relu", encoder_for(rng, s_dec), rng.uniform(-1.2, -0.8, F_SMALL), s_dec,
                        b_true + 0.02 * rng.standard_normal(D), True)
            w_l = encoder_for(rng, l_dec)
            # L does not subtract its b_dec: fold the data's offset into b_enc so thresholds mean the same.
            b_enc_l = rng.uniform(-0.1, 0.1, F_LARGE) - b_true @ w_l.astype(np.float64)
            theta = rng.uniform(1.6, 2.2, F_LARGE)
            theta[novel_idx[0]] = 50.0  # never fires: a dead, "unchanged" novel latent
            large = Sae("jumprelu", w_l, b_enc_l, l_dec, b_true + 0.02 * rng.standard_normal(D), False,
                        threshold=theta)
        else:
            small = Sae("topk", encoder_for(rng, s_dec), rng.uniform(-0.4, -0.2, F_SMALL), s_dec,
                        b_true + 0.02 * rng.standard_normal(D), True, k=4)
            large = Sae("topk", encoder_for(rng, l_dec), rng.uniform(-0.4, -0.2, F_LARGE), l_dec,
                        b_true + 0.02 * rng.standard_normal(D), True, k=6)
        x = tokens(rng, gen, b_true, small, large)
        m = margins(small, large, x)
        if (m["cosine_to_tau"] > COS_MARGIN and m["max_cos_to_sweep"] > COS_MARGIN and m["nearest_gap"] > ORDER_MARGIN
                and m["add_order_gap"] > ORDER_MARGIN and m["swap_order_gap"] > ORDER_MARGIN
                and m["act_nearest_gap"] > ORDER_MARGIN):
            return small, large, x
    raise RuntimeError("no draw met the margins")


class _Spec:  # what make_fixtures.v6_cfg reads
    def __init__(self, sae):
        self.d, self.f, self.apply_b_dec = sae.W_dec.shape[1], sae.f, sae.apply_b_dec


def write_saelens(sae, directory):
    arch = {"relu": "standard", "jumprelu": "jumprelu"}[sae.kind]
    t = [("W_enc", "F32", sae.W_enc.shape, mf.raw("F32", sae.W_enc)),
         ("b_enc", "F32", sae.b_enc.shape, mf.raw("F32", sae.b_enc)),
         ("W_dec", "F32", sae.W_dec.shape, mf.raw("F32", sae.W_dec)),
         ("b_dec", "F32", sae.b_dec.shape, mf.raw("F32", sae.b_dec))]
    if sae.threshold is not None:
        t.append(("threshold", "F32", sae.threshold.shape, mf.raw("F32", sae.threshold)))
    mf.write_json(directory / "cfg.json", mf.v6_cfg(_Spec(sae), arch, HOOK, MODEL))
    mf.write_bytes(directory / "sae_weights.safetensors", mf.safetensors_bytes(t))


def write_sparsify(sae, run):
    f, d = sae.W_dec.shape
    mf.write_bytes(run / "layers.2" / "sae.safetensors", mf.safetensors_bytes([
        ("encoder.weight", "F32", (f, d), mf.raw("F32", sae.W_enc.T)),
        ("encoder.bias", "F32", (f,), mf.raw("F32", sae.b_enc)),
        ("W_dec", "F32", (f, d), mf.raw("F32", sae.W_dec)),
        ("b_dec", "F32", (d,), mf.raw("F32", sae.b_dec))], {"format": "pt"}))
    mf.write_json(run / "layers.2" / "cfg.json", {
        "activation": "topk", "expansion_factor": f // d if f % d == 0 else 0, "normalize_decoder": True,
        "num_latents": f, "k": sae.k, "multi_topk": False, "skip_connection": False, "transcode": False, "d_in": d})
    mf.write_json(run / "config.json", {"model": "EleutherAI/pythia-70m", "batch_size": 8, "hookpoints": ["layers.2"]})


README = """# compare fixtures (generated - do not edit)

Written by `scripts/literal_compare_numpy.py make` (numpy only, deterministic); `expected.json` in each
pair is the literal float64 procedure of docs/definitions.md#stitching on these files - every hybrid built
and evaluated - and is regenerated from the files alone by `scripts/literal_compare_numpy.py literal`.

- `saelens_pair/`: `small/` SAELens v6 relu (d 16, F 24, apply_b_dec_to_input true), `large/` SAELens
  v6 jumprelu (F 48, apply_b_dec_to_input false, own b_dec; one latent dead), `acts.npy` [300, 16] f32.
- `sparsify_pair/`: `small/layers.2` sparsify topk (k 4, F 24), `large/layers.2` sparsify topk (k 6,
  F 48), each with its run's `config.json`; `acts.npy` [300, 16] f32. Hybrids are composites.
- `expected.json`: every value of latents.csv / groups.csv / interpolation.csv and the numbers of
  summary.json at τ = 0.7 (keys as in those files), plus `margins`: the distances from every decision
  (pre-activation boundaries, cosine vs τ and the sweep thresholds, argmax and ordering gaps) that make
  the discrete results independent of float32 vs float64 rounding.

Checked by `CompareAgainstNumpyTest`.
"""


def make():
    rng = np.random.default_rng(SEED)
    for name in PAIRS:
        root = ROOT / name
        if root.exists():
            import shutil
            shutil.rmtree(root)
        small, large, x = draw_pair(rng, "saelens" if name == "saelens_pair" else "sparsify")
        if name == "saelens_pair":
            write_saelens(small, root / "small")
            write_saelens(large, root / "large")
        else:
            write_sparsify(small, root / "small")
            write_sparsify(large, root / "large")
        root.mkdir(parents=True, exist_ok=True)
        np.save(root / "acts.npy", x)
    (ROOT / "README.md").write_text(README)
    literal()


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "make":
        make()
    elif mode == "literal":
        literal()
    else:
        sys.exit("usage: literal_compare_numpy.py make|literal")
