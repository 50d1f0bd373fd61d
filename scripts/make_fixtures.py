#!/usr/bin/env python3
"""Writes the file-format test fixtures under src/test/resources/fixtures/ with numpy only.

The Java side (io.github.saestitch.io) must read these files exactly as the reference Python libraries
would, so they are produced outside Java:

* .npy files with numpy itself (np.save / np.lib.format.write_array);
* safetensors files by hand with struct + json, following the format's specification (8-byte
  little-endian header length, compact JSON header with "__metadata__" first, header padded with spaces
  to a multiple of 8, tensors ordered by dtype then name as the reference Rust writer orders them,
  contiguous little-endian data) - the `safetensors` Python package is not installed here;
* SAE directories in the SAELens v6, SAELens pre-6.0, sparsify and dictionary_learning layouts, each
  with a small activation file and the mse / fvu / l0 numpy computes for it with the original library's
  forward pass, in float64 from the stored float32 values (docs/definitions.md);
* broken files, each with the error substring the Java reader must report (expected_errors.json).

Everything is seeded: running the script twice gives identical bytes. Run from the repository root:

    python3 scripts/make_fixtures.py
"""

import hashlib
import json
import shutil
import struct
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent / "src" / "test" / "resources" / "fixtures"
SEED = 20250611

# Active sets (which latents fire) must not depend on float32-vs-float64 rounding, so every
# pre-activation is kept at least this far from every decision boundary (0, a JumpReLU threshold, the
# k-th/(k+1)-th gap of TopK). float32 rounding error in a 32-term dot product is ~1e-6.
DECISION_MARGIN = 1e-4

# Rust safetensors `Dtype` enum order; its writer sorts tensors by dtype (larger first), then name.
DTYPE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16", "F16", "BF16",
               "I32", "U32", "F32", "C64", "F64", "I64", "U64"]


# ----------------------------------------------------------------------------------------- helpers

def f32_bits(a):
    """float32 values as a list of uint32 bit patterns (exact, NaN payloads included)."""
    return [int(v) for v in np.ascontiguousarray(a, dtype=np.float32).reshape(-1).view(np.uint32)]


def f32_sha256(a):
    """SHA-256 of the little-endian float32 bytes of a row-major array."""
    return hashlib.sha256(np.ascontiguousarray(a, dtype="<f4").tobytes()).hexdigest()


def bf16_bits(a):
    """float32 -> bfloat16 bits, round to nearest even; NaN stays a quiet NaN (as torch does)."""
    b = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF
    quiet_nan = ((b >> 16) | 0x40) & 0xFFFF
    return np.where(np.isnan(a), quiet_nan, rounded).astype("<u2")


def bf16_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def raw(dtype, a):
    """Little-endian bytes of `a` stored as safetensors dtype `dtype`."""
    if dtype == "F32":
        return np.ascontiguousarray(a, dtype="<f4").tobytes()
    if dtype == "F16":
        return np.ascontiguousarray(a, dtype="<f2").tobytes()
    if dtype == "F64":
        return np.ascontiguousarray(a, dtype="<f8").tobytes()
    if dtype == "BF16":
        return bf16_bits(np.asarray(a, dtype=np.float32)).tobytes()
    if dtype == "I64":
        return np.ascontiguousarray(a, dtype="<i8").tobytes()
    raise ValueError(dtype)


def safetensors_bytes(tensors, metadata=None):
    """tensors: list of (name, dtype, shape, bytes). Returns the file bytes."""
    order = sorted(tensors, key=lambda t: (-DTYPE_ORDER.index(t[1]), t[0].encode("utf-8")))
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    for name, dtype, shape, data in order:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(t[3] for t in order)


def raw_safetensors(header_text, data=b""):
    """A safetensors file with a hand-written (possibly broken) header."""
    h = header_text.encode("utf-8") if isinstance(header_text, str) else header_text
    return struct.pack("<Q", len(h)) + h + data


def write_json(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, sort_keys=False) + "\n")


def write_bytes(path, b):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b)


def tensor_entry(dtype, a_f32_after_read):
    a = np.asarray(a_f32_after_read, dtype=np.float32)
    return {"dtype": dtype, "shape": list(a.shape), "bits": f32_bits(a)}


# ------------------------------------------------------------------------------------- safetensors

def make_safetensors(rng):
    out = ROOT / "safetensors"
    expected = {}

    # F32 with special values; the Java writer must reproduce this file byte for byte.
    special = np.array([0.0, -0.0, 1.0, -1.5, np.inf, -np.inf, np.float32(1e-45), np.finfo(np.float32).max],
                       dtype=np.float32)
    nan_payload = np.array([0x7FC01234, 0xFFA00001], dtype=np.uint32).view(np.float32)  # quiet + signalling
    w = rng.standard_normal((3, 5)).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32)
    odd = np.concatenate([special, nan_payload]).astype(np.float32)
    scalar = np.float32(3.25)
    empty = np.zeros((0, 4), dtype=np.float32)
    meta = {"format": "pt", "note": "fixtures ünïcode ✓"}
    write_bytes(out / "f32_basic.safetensors", safetensors_bytes([
        ("W_enc", "F32", w.shape, raw("F32", w)),
        ("b", "F32", b.shape, raw("F32", b)),
        ("zz_special", "F32", odd.shape, raw("F32", odd)),
        ("scalar", "F32", (), raw("F32", scalar)),
        ("empty", "F32", empty.shape, raw("F32", empty)),
    ], meta))
    expected["f32_basic.safetensors"] = {
        "metadata": meta,
        "tensors": {
            "W_enc": tensor_entry("F32", w), "b": tensor_entry("F32", b), "zz_special": tensor_entry("F32", odd),
            "scalar": {"dtype": "F32", "shape": [], "bits": f32_bits(scalar)}, "empty": tensor_entry("F32", empty),
        },
        # Header order the writer must produce: same dtype, so by name.
        "order": ["W_enc", "b", "empty", "scalar", "zz_special"],
    }

    # F16: random halves plus exact specials (subnormal, max, -0, inf).
    h = np.concatenate([rng.standard_normal(20), [6.1e-5, 5.96e-8, 65504.0, -0.0]]).astype(np.float16).reshape(4, 6)
    hv = rng.standard_normal(6).astype(np.float16)
    write_bytes(out / "f16.safetensors", safetensors_bytes([
        ("x", "F16", h.shape, raw("F16", h)), ("v", "F16", hv.shape, raw("F16", hv))]))
    expected["f16.safetensors"] = {"metadata": {}, "tensors": {
        "x": tensor_entry("F16", h.astype(np.float32)), "v": tensor_entry("F16", hv.astype(np.float32))}}

    # BF16 from float32 sources, rounded to nearest even; `source_bits` lets the Java BF16 writer be
    # checked byte for byte against this file. Includes a tie that must round to even and a NaN.
    src = np.concatenate([rng.standard_normal(20).astype(np.float32),
                          np.array([0x3F808000, 0x3F818000, 0x7F7FFFFF, 0x7FC12345], dtype=np.uint32)
                          .view(np.float32)]).astype(np.float32).reshape(4, 6)
    sv = rng.standard_normal(6).astype(np.float32)
    write_bytes(out / "bf16.safetensors", safetensors_bytes([
        ("x", "BF16", src.shape, raw("BF16", src)), ("v", "BF16", sv.shape, raw("BF16", sv))]))
    expected["bf16.safetensors"] = {"metadata": {}, "tensors": {
        "x": {**tensor_entry("BF16", bf16_to_f32(bf16_bits(src))), "source_bits": f32_bits(src)},
        "v": {**tensor_entry("BF16", bf16_to_f32(bf16_bits(sv))), "source_bits": f32_bits(sv)}}}

    # F64, rounded to float32 on read (numpy's astype rounds to nearest, like a Java (float) cast).
    d = rng.standard_normal((3, 4))
    d[0, 0] = 1.0 + 2.0 ** -30  # rounds to 1.0f
    write_bytes(out / "f64.safetensors", safetensors_bytes([("x", "F64", d.shape, raw("F64", d))]))
    expected["f64.safetensors"] = {"metadata": {}, "tensors": {"x": tensor_entry("F64", d.astype(np.float32))}}

    # Mixed dtypes, for the writer's dtype-then-name order: F32 tensors precede BF16 ones.
    m1 = rng.standard_normal((2, 3)).astype(np.float32)
    m2 = rng.standard_normal(4).astype(np.float32)
    m3 = rng.standard_normal((3, 2)).astype(np.float32)
    write_bytes(out / "mixed_f32_bf16.safetensors", safetensors_bytes([
        ("a_bf16", "BF16", m1.shape, raw("BF16", m1)), ("b_f32", "F32", m2.shape, raw("F32", m2)),
        ("c_bf16", "BF16", m3.shape, raw("BF16", m3))], {"format": "pt"}))
    expected["mixed_f32_bf16.safetensors"] = {"metadata": {"format": "pt"}, "tensors": {
        "a_bf16": {**tensor_entry("BF16", bf16_to_f32(bf16_bits(m1))), "source_bits": f32_bits(m1)},
        "b_f32": {**tensor_entry("F32", m2), "source_bits": f32_bits(m2)},
        "c_bf16": {**tensor_entry("BF16", bf16_to_f32(bf16_bits(m3))), "source_bits": f32_bits(m3)}},
        "order": ["b_f32", "a_bf16", "c_bf16"]}

    # A non-float tensor next to a float one: readable header, refused as floats.
    ints = np.arange(6, dtype=np.int64)
    f = rng.standard_normal(3).astype(np.float32)
    write_bytes(out / "with_i64.safetensors", safetensors_bytes([
        ("ids", "I64", ints.shape, raw("I64", ints)), ("f", "F32", f.shape, raw("F32", f))]))
    expected["with_i64.safetensors"] = {"metadata": {}, "tensors": {"f": tensor_entry("F32", f)},
                                        "non_float": {"ids": {"dtype": "I64", "shape": [6]}}}
    write_json(out / "expected.json", expected)

    # ---- broken files: name -> substring the Java error message must contain
    bad = out / "bad"
    errors = {}
    good = np.arange(6, dtype="<f4").tobytes()  # 24 bytes

    def bad_file(name, content, message):
        write_bytes(bad / name, content)
        errors[name] = message

    bad_file("too_short.safetensors", b"\x05\x00\x00\x00\x00",
             "file is 5 bytes; a safetensors file starts with an 8-byte header length")
    bad_file("header_past_eof.safetensors", struct.pack("<Q", 1000) + b'{"a":1}' + b" " * 40,
             "header length 1000 runs past the end of the file")
    bad_file("header_not_json.safetensors", raw_safetensors("{not json}     "), "header is not valid JSON")
    bad_file("header_not_object.safetensors", raw_safetensors("[1,2,3] "), "header is not a JSON object")
    bad_file("header_invalid_utf8.safetensors", raw_safetensors(b'{"\xff":1}'), "header is not valid UTF-8")
    bad_file("duplicate_name.safetensors", raw_safetensors(
        '{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},'
        '"a":{"dtype":"F32","shape":[3],"data_offsets":[12,24]}}', good), "Duplicate field")
    bad_file("metadata_not_string.safetensors", raw_safetensors(
        '{"__metadata__":{"n":3},"a":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}}', good),
             '__metadata__ value for "n" must be a string')
    bad_file("unknown_dtype.safetensors", raw_safetensors(
        '{"a":{"dtype":"F12","shape":[6],"data_offsets":[0,24]}}', good), 'unknown dtype "F12"')
    bad_file("negative_dim.safetensors", raw_safetensors(
        '{"a":{"dtype":"F32","shape":[-2,3],"data_offsets":[0,24]}}', good), "negative dimension -2")
    bad_file("shape_bytes_mismatch.safetensors", raw_safetensors(
        '{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]},'
        '"b":{"dtype":"U8","shape":[4],"data_offsets":[20,24]}}', good),
             "needs 24 bytes but data_offsets [0, 20] hold 20")
    bad_file("offsets_outside.safetensors", raw_safetensors(
        '{"a":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}}', good), "lie outside the data region of 24 bytes")
    bad_file("offsets_overlap.safetensors", raw_safetensors(
        '{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},'
        '"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}', good), 'overlaps tensor "a"')
    bad_file("offsets_gap.safetensors", raw_safetensors(
        '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
        '"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}', good), 'belong to no tensor (gap before "b")')
    bad_file("trailing_bytes.safetensors", raw_safetensors(
        '{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', good), "8 trailing bytes belong to no tensor")
    bad_file("offsets_reversed.safetensors", raw_safetensors(
        '{"a":{"dtype":"F32","shape":[0],"data_offsets":[24,0]}}', good), "end before they begin")
    write_json(bad / "expected_errors.json", errors)


# --------------------------------------------------------------------------------------------- npy

def make_npy(rng):
    out = ROOT / "npy"
    expected = {}

    def save(name, arr, version=None, logical=None):
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            if version is None:
                np.save(fh, arr)
            else:
                np.lib.format.write_array(fh, arr, version=version)
        lg = arr if logical is None else logical
        expected[name] = {"shape": list(lg.shape), "descr": arr.dtype.str,
                          "fortran_order": bool(np.isfortran(arr)) and arr.ndim > 1,
                          "version": list(version) if version else [1, 0],
                          "bits": f32_bits(np.asarray(lg, dtype=np.float64).astype(np.float32)
                                           if arr.dtype != np.float32 else lg)}

    a = rng.standard_normal((5, 7)).astype(np.float32)
    a[0, 0] = -0.0
    save("v1_f4.npy", a)
    save("v1_f4_1d.npy", rng.standard_normal(9).astype(np.float32))
    save("v1_f2.npy", rng.standard_normal((4, 6)).astype(np.float16))
    save("v1_f8.npy", rng.standard_normal((4, 6)))
    save("v2_f4.npy", rng.standard_normal((3, 4)).astype(np.float32), version=(2, 0))
    save("v3_f4.npy", rng.standard_normal((3, 4)).astype(np.float32), version=(3, 0))
    fa = rng.standard_normal((5, 7)).astype(np.float32)
    save("fortran_f4.npy", np.asfortranarray(fa), logical=fa)
    fd = rng.standard_normal((4, 3))
    save("fortran_f8.npy", np.asfortranarray(fd), logical=fd)
    save("c_3d_f4.npy", rng.standard_normal((2, 3, 4)).astype(np.float32))
    save("empty_f4.npy", np.zeros((0, 8), dtype=np.float32))
    # Streaming-writer check: 1000 rows so the row count has more digits than the placeholder.
    save("long_f4.npy", rng.standard_normal((1000, 3)).astype(np.float32))
    write_json(out / "expected.json", expected)

    bad = out / "bad"
    errors = {}

    def bad_file(name, content, message):
        write_bytes(bad / name, content)
        errors[name] = message

    def npy_bytes(arr):
        import io
        b = io.BytesIO()
        np.save(b, arr)
        return b.getvalue()

    small = np.arange(6, dtype=np.float32).reshape(2, 3)
    bad_file("big_endian.npy", npy_bytes(small.astype(">f4")), "big-endian dtype '>f4' is not supported")
    bad_file("int32.npy", npy_bytes(small.astype("<i4")), "dtype '<i4' is not supported")
    bad_file("structured.npy", npy_bytes(np.zeros(3, dtype=[("a", "<f4"), ("b", "<f4")])),
             "structured dtype")
    bad_file("truncated.npy", npy_bytes(small)[:-5], "(file truncated?)")
    bad_file("bad_magic.npy", b"\x93NUMPX\x01\x00" + npy_bytes(small)[8:], "not an .npy file")
    bad_file("bad_version.npy", b"\x93NUMPY\x04\x00" + npy_bytes(small)[8:], "unsupported .npy format version 4.0")

    def with_header(text):
        h = text.encode("latin1")
        pad = 64 - ((10 + len(h) + 1) % 64)
        h = h + b" " * pad + b"\n"
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + small.tobytes()

    bad_file("bad_header.npy", with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3) garbage}"),
             "cannot parse the header")
    bad_file("wrong_keys.npy", with_header("{'descr': '<f4', 'shape': (2, 3), }"), "header keys are")
    bad_file("header_past_eof.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", 5000) + b"{'descr'",
             "header length 5000 runs past the end of the file")
    write_json(bad / "expected_errors.json", errors)

    # Integer token ids (io.NpyInts), from their own generator so the fixtures above do not change.
    irng = np.random.default_rng(20261121)
    ints = out / "ints"
    ints.mkdir(parents=True, exist_ok=True)
    ids = irng.integers(0, 30522, size=(3, 7))
    int_expected = {"values": ids.reshape(-1).tolist(), "files": {}}
    for dt in ["<i8", "<i4", "<u2", "<u4", "<u8", "<i2"]:
        name = "ids_" + dt[1:] + ".npy"
        np.save(ints / name, ids.astype(dt))
        int_expected["files"][name] = dt
    np.save(ints / "ids_1d_i4.npy", ids.reshape(-1).astype("<i4"))
    np.save(ints / "ids_1d_f4.npy", ids.reshape(-1).astype("<f4"))
    small_ids = irng.integers(0, 100, size=11)
    np.save(ints / "small_u1.npy", small_ids.astype("|u1"))
    np.save(ints / "small_i1.npy", small_ids.astype("|i1"))
    int_expected["small"] = small_ids.tolist()
    np.save(ints / "negative_i8.npy", np.array([3, -1, 5], dtype="<i8"))
    np.save(ints / "huge_i8.npy", np.array([3, 2**40], dtype="<i8"))
    np.save(ints / "fraction_f4.npy", np.array([3.0, 2.5], dtype="<f4"))
    write_json(ints / "expected.json", int_expected)


# --------------------------------------------------------------------------- SAE forward passes

def forward(kind, x, W_enc, b_enc, W_dec, b_dec, apply_b_dec, k=None, threshold=None, rescale=False):
    """The original library's forward pass in float64. Returns (acts, x_hat, pre, margin)."""
    x = x.astype(np.float64)
    W_enc, b_enc, W_dec, b_dec = (np.asarray(t, dtype=np.float64) for t in (W_enc, b_enc, W_dec, b_dec))
    sae_in = x - b_dec if apply_b_dec else x
    pre = sae_in @ W_enc + b_enc
    norms = np.linalg.norm(W_dec, axis=1)
    if rescale:  # SAELens TopK rescale_acts_by_decoder_norm
        pre = pre * norms
    if kind == "relu":
        acts = np.maximum(pre, 0.0)
        margin = np.abs(pre).min()
    elif kind == "jumprelu":  # SAELens: relu(pre) * (pre > relu(threshold))
        th = np.maximum(np.asarray(threshold, dtype=np.float64), 0.0)
        acts = np.maximum(pre, 0.0) * (pre > th)
        margin = min(np.abs(pre - th).min(), np.abs(pre).min())
    elif kind == "topk":  # keep the k largest pre-activations per token, then relu
        idx = np.argsort(-pre, axis=1)
        acts = np.zeros_like(pre)
        rows = np.arange(pre.shape[0])[:, None]
        top = idx[:, :k]
        acts[rows, top] = np.maximum(pre[rows, top], 0.0)
        srt = -np.sort(-pre, axis=1)
        margin = min((srt[:, k - 1] - srt[:, k]).min(), np.abs(pre).min())
    else:
        raise ValueError(kind)
    dec_acts = acts / norms if rescale else acts
    x_hat = dec_acts @ W_dec + b_dec
    return acts, x_hat, pre, margin


def metrics(x, acts, x_hat):
    """docs/definitions.md#metrics: mse = mean over tokens of sum over dims (x - x_hat)^2; fvu = sum ||x - x_hat||^2 /
    sum ||x - mean(x)||^2; l0 = mean number of non-zero latents per token; dead = latents never active."""
    x = x.astype(np.float64)
    err = ((x - x_hat) ** 2).sum(axis=1)
    var = ((x - x.mean(axis=0)) ** 2).sum()
    active = acts != 0
    return {
        "num_tokens": int(x.shape[0]),
        "mse": float(err.mean()),
        "fvu": float(err.sum() / var),
        "l0": float(active.sum(axis=1).mean()),
        "dead": int((~active.any(axis=0)).sum()),
        "sum_sq_error": float(err.sum()),
        "total_variance": float(var),
    }


class SaeSpec:
    """Random SAE weights (SAELens orientation) and activations whose active sets have a safe margin."""

    def __init__(self, rng, d, f, tokens, kind, apply_b_dec, k=None, threshold=None, rescale=False,
                 weights_dtype="F32"):
        self.d, self.f, self.kind, self.apply_b_dec, self.k, self.rescale = d, f, kind, apply_b_dec, k, rescale
        for _attempt in range(200):
            # A tied-ish SAE and activations built from a few of its decoder directions, so the fixtures
            # reconstruct like a (poorly) trained SAE rather than pure noise.
            unit = rng.standard_normal((f, d))
            unit /= np.linalg.norm(unit, axis=1, keepdims=True)
            norms = rng.uniform(0.5, 2.0, f) if rescale else np.ones(f)
            W_dec = (unit * norms[:, None]).astype(np.float32)
            W_enc = (unit.T * 0.9 + rng.standard_normal((d, f)) * 0.05).astype(np.float32)
            b_enc = rng.uniform(-0.4, -0.1, f).astype(np.float32)
            b_dec = (rng.standard_normal(d) * 0.1).astype(np.float32)
            th = None
            if threshold == "per_latent":
                th = rng.uniform(0.2, 1.0, f).astype(np.float32)
            elif threshold is not None:
                th = np.full(f, threshold, dtype=np.float32)
            z = np.zeros((tokens, f))
            for t in range(tokens):
                z[t, rng.choice(f, 3, replace=False)] = rng.uniform(0.5, 2.0, 3)
            x = (z @ unit + b_dec + 0.1 * rng.standard_normal((tokens, d))).astype(np.float32)
            if weights_dtype == "BF16":  # the values a reader gets back
                W_enc, b_enc, W_dec, b_dec = (bf16_to_f32(bf16_bits(t)).reshape(t.shape)
                                              for t in (W_enc, b_enc, W_dec, b_dec))
            acts, x_hat, _pre, margin = forward(kind, x, W_enc, b_enc, W_dec, b_dec, apply_b_dec, k, th, rescale)
            if margin >= DECISION_MARGIN and (acts != 0).any():
                self.W_enc, self.b_enc, self.W_dec, self.b_dec, self.threshold, self.x = W_enc, b_enc, W_dec, b_dec, th, x
                self.acts, self.x_hat, self.margin = acts, x_hat, margin
                return
        raise RuntimeError("no seed gave a safe decision margin")

    def expected_weights(self):
        """Weights as saestitch must hold them after loading (SAELens orientation, float32)."""
        W_enc, b_enc, W_dec = self.W_enc, self.b_enc.copy(), self.W_dec
        if self.rescale:  # saestitch folds like SAELens _fold_norm_topk: norm in float64 -> float32
            n = np.maximum(np.sqrt((W_dec.astype(np.float64) ** 2).sum(axis=1)), 1e-8).astype(np.float32)
            W_dec = (W_dec / n[:, None]).astype(np.float32)
            W_enc = (W_enc * n[None, :]).astype(np.float32)
            b_enc = (b_enc * n).astype(np.float32)
        out = {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": self.b_dec}
        if self.threshold is not None:
            out["threshold"] = np.maximum(self.threshold, 0).astype(np.float32)
        return out


def sae_expected(name, spec, fmt, activation, hook, model, extra_notes=None):
    w = spec.expected_weights()
    samples = {
        "W_enc[0][0]": f32_bits(w["W_enc"][0, 0])[0],
        "W_enc[1][2]": f32_bits(w["W_enc"][1, 2])[0],
        "W_enc[last][last]": f32_bits(w["W_enc"][-1, -1])[0],
        "W_dec[2][1]": f32_bits(w["W_dec"][2, 1])[0],
        "W_dec[last][0]": f32_bits(w["W_dec"][-1, 0])[0],
        "b_enc[3]": f32_bits(w["b_enc"][3])[0],
        "b_dec[1]": f32_bits(w["b_dec"][1])[0],
    }
    first = np.nonzero(spec.acts[0])[0]
    return {
        "name": name,
        "format": fmt,
        "activation": activation,
        "d_in": spec.d,
        "num_latents": spec.f,
        "apply_b_dec_to_input": spec.apply_b_dec,
        "hook_name": hook,
        "model_name": model,
        "activations_file": name + ".acts.npy",
        "weights_sha256": {k: f32_sha256(v) for k, v in w.items()},
        "samples": samples,
        "metrics": metrics(spec.x, spec.acts, spec.x_hat),
        "first_token": {
            "active_latents": [int(i) for i in first],
            "activations": [float(spec.acts[0, i]) for i in first],
            "x_hat": [float(v) for v in spec.x_hat[0]],
        },
        "decision_margin": float(spec.margin),
        "note": "metrics computed in float64 from the stored float32 values with the original library's "
                "forward pass; every pre-activation is at least decision_margin from a decision boundary",
        **({"notes": extra_notes} if extra_notes else {}),
    }


def saelens_weights(spec, dtype="F32", threshold_name="threshold", extra=None):
    t = [("W_enc", dtype, spec.W_enc.shape, raw(dtype, spec.W_enc)),
         ("b_enc", dtype, spec.b_enc.shape, raw(dtype, spec.b_enc)),
         ("W_dec", dtype, spec.W_dec.shape, raw(dtype, spec.W_dec)),
         ("b_dec", dtype, spec.b_dec.shape, raw(dtype, spec.b_dec))]
    if spec.threshold is not None and threshold_name:
        t.append((threshold_name, dtype, spec.threshold.shape, raw(dtype, spec.threshold)))
    return safetensors_bytes(t + (extra or []))


def v6_cfg(spec, architecture, hook, model, extra_top=None, extra_meta=None, dtype="float32"):
    cfg = {"d_in": spec.d, "d_sae": spec.f, "dtype": dtype, "device": "cpu",
           "apply_b_dec_to_input": spec.apply_b_dec, "normalize_activations": "none",
           "reshape_activations": "none",
           "metadata": {"sae_lens_version": "6.5.1", "sae_lens_training_version": "6.5.1", "model_name": model,
                        "hook_name": hook, "hook_head_index": None, "context_size": 128, "prepend_bos": True,
                        "dataset_path": "brown-corpus", **(extra_meta or {})}}
    cfg.update(extra_top or {})
    cfg["architecture"] = architecture
    return cfg


# ---------------------------------------------------------------------------------------- SAE dirs

def make_saes(rng):
    out = ROOT / "sae"
    index = []

    def emit(name, spec, fmt, activation, hook, model, files, extra_notes=None, sae_dir=None):
        d = out / (sae_dir or name)
        for rel, content in files.items():
            if isinstance(content, (dict, list)):
                write_json(d / rel, content)
            else:
                write_bytes(d / rel, content)
        np.save(out / (name + ".acts.npy"), spec.x)
        exp = sae_expected(name, spec, fmt, activation, hook, model, extra_notes)
        exp["directory"] = sae_dir or name
        write_json(out / (name + ".expected.json"), exp)
        index.append({"name": name, "directory": sae_dir or name, "format": fmt, "activation": activation,
                      "activations_file": name + ".acts.npy", "expected_file": name + ".expected.json"})

    hook, model = "blocks.3.hook_resid_post", "sentence-transformers/all-MiniLM-L6-v2"

    s = SaeSpec(rng, 16, 48, 128, "relu", True)
    emit("saelens_v6_relu", s, "saelens", {"name": "relu"}, hook, model, {
        "cfg.json": v6_cfg(s, "standard", hook, model),
        "sae_weights.safetensors": saelens_weights(s)})

    s = SaeSpec(rng, 24, 64, 128, "jumprelu", False, threshold="per_latent")
    emit("saelens_v6_jumprelu", s, "saelens", {"name": "jumprelu"}, hook, model, {
        "cfg.json": v6_cfg(s, "jumprelu", hook, model),
        "sae_weights.safetensors": saelens_weights(s)})

    s = SaeSpec(rng, 32, 96, 256, "topk", True, k=8)
    emit("saelens_v6_topk", s, "saelens", {"name": "topk", "k": 8}, hook, model, {
        "cfg.json": v6_cfg(s, "topk", hook, model, {"k": 8, "rescale_acts_by_decoder_norm": False}),
        "sae_weights.safetensors": saelens_weights(s)})

    s = SaeSpec(rng, 16, 48, 128, "topk", True, k=6, rescale=True)
    emit("saelens_v6_topk_rescale", s, "saelens", {"name": "topk", "k": 6}, hook, model, {
        "cfg.json": v6_cfg(s, "topk", hook, model, {"k": 6, "rescale_acts_by_decoder_norm": True}),
        "sae_weights.safetensors": saelens_weights(s)},
         ["decoder norms are not 1; saestitch folds them into the weights (weights_sha256 are the folded "
          "values, norm computed in float64 and rounded to float32)"])

    s = SaeSpec(rng, 16, 48, 128, "jumprelu", True, threshold=0.35)
    emit("saelens_v6_batchtopk_as_jumprelu", s, "saelens", {"name": "batchtopk", "k": 4, "threshold_bits":
                                                              f32_bits(np.float32(0.35))[0]}, hook, model, {
        "cfg.json": v6_cfg(s, "jumprelu", hook, model, extra_meta={
            "training_architecture": "batchtopk",
            "training_architecture_details": {"k": 4, "topk_threshold_lr": 0.01, "aux_loss_coefficient": 1.0}}),
        "sae_weights.safetensors": saelens_weights(s)})

    theta64 = 0.2718281828459045
    s = SaeSpec(rng, 16, 48, 128, "jumprelu", True, threshold=float(np.float32(theta64)))
    ckpt = saelens_weights(s, threshold_name=None, extra=[("topk_threshold", "F64", (), raw("F64", np.float64(theta64)))])
    emit("saelens_batchtopk_checkpoint", s, "saelens", {"name": "batchtopk", "k": 4, "threshold_bits":
                                                          f32_bits(np.float32(theta64))[0]}, hook, model, {
        "cfg.json": v6_cfg(s, "batchtopk", hook, model, {
            "k": 4, "rescale_acts_by_decoder_norm": False, "topk_threshold_lr": 0.01, "aux_loss_coefficient": 1.0,
            "decoder_init_norm": 0.1}),
        "sae_weights.safetensors": ckpt},
         ["training checkpoint: architecture batchtopk, scalar F64 topk_threshold (rounded to float32)"])

    s = SaeSpec(rng, 16, 48, 128, "relu", True, weights_dtype="BF16")
    emit("saelens_v6_relu_bf16", s, "saelens", {"name": "relu"}, hook, model, {
        "cfg.json": v6_cfg(s, "standard", hook, model, dtype="bfloat16"),
        "sae_weights.safetensors": saelens_weights(s, dtype="BF16")},
         ["weights stored as BF16; expected values are the BF16 values widened to float32"])

    legacy_hook = "blocks.2.hook_resid_pre"
    s = SaeSpec(rng, 16, 64, 128, "relu", True)
    emit("saelens_legacy_relu", s, "saelens-legacy", {"name": "relu"}, legacy_hook, "gpt2-small", {
        "cfg.json": {"model_name": "gpt2-small", "hook_point": legacy_hook, "hook_point_layer": 2,
                     "hook_point_head_index": None, "d_in": 16, "d_sae": 64, "dtype": "torch.float32",
                     "device": "cuda", "activation_fn_str": "relu", "apply_b_dec_to_input": True,
                     "context_size": 128, "dataset_path": "Skylion007/openwebtext", "l1_coefficient": 8e-05,
                     "lr": 0.0004, "normalize_activations": False, "sae_lens_version": "3.5.0"},
        "sae_weights.safetensors": saelens_weights(s)})

    s = SaeSpec(rng, 16, 48, 128, "topk", False, k=5)
    emit("saelens_legacy_topk", s, "saelens-legacy", {"name": "topk", "k": 5}, "blocks.4.hook_mlp_out", "pythia-70m", {
        "cfg.json": {"architecture": "standard", "d_in": 16, "d_sae": 48, "dtype": "float32",
                     "model_name": "pythia-70m", "hook_name": "blocks.4.hook_mlp_out", "hook_layer": 4,
                     "activation_fn_str": "topk", "activation_fn_kwargs": {"k": 5},
                     "apply_b_dec_to_input": False, "finetuning_scaling_factor": False,
                     "normalize_activations": "none", "sae_lens_training_version": "5.1.0",
                     "prepend_bos": True},
        "sae_weights.safetensors": saelens_weights(s)})

    # sparsify: <run>/<hookpoint>/{cfg.json, sae.safetensors}; the run's config.json names the model.
    s = SaeSpec(rng, 24, 72, 128, "topk", True, k=6)
    sp = safetensors_bytes([
        ("encoder.weight", "F32", (72, 24), raw("F32", s.W_enc.T)),
        ("encoder.bias", "F32", (72,), raw("F32", s.b_enc)),
        ("W_dec", "F32", (72, 24), raw("F32", s.W_dec)),
        ("b_dec", "F32", (24,), raw("F32", s.b_dec))], {"format": "pt"})
    emit("sparsify", s, "sparsify", {"name": "topk", "k": 6}, "layers.3", "EleutherAI/pythia-70m", {
        "layers.3/cfg.json": {"activation": "topk", "expansion_factor": 32, "normalize_decoder": True,
                              "num_latents": 72, "k": 6, "multi_topk": False, "skip_connection": False,
                              "transcode": False, "d_in": 24},
        "layers.3/sae.safetensors": sp,
        "config.json": {"model": "EleutherAI/pythia-70m", "batch_size": 8, "hookpoints": ["layers.3"]}},
         sae_dir="sparsify_run")
    index[-1]["directory"] = "sparsify_run/layers.3"
    exp_path = out / "sparsify.expected.json"
    exp = json.loads(exp_path.read_text())
    exp["directory"] = "sparsify_run/layers.3"
    write_json(exp_path, exp)

    # dictionary_learning AutoEncoder exported to safetensors, with its training config.json.
    s = SaeSpec(rng, 16, 64, 128, "relu", True)
    dl = safetensors_bytes([
        ("encoder.weight", "F32", (64, 16), raw("F32", s.W_enc.T)),
        ("encoder.bias", "F32", (64,), raw("F32", s.b_enc)),
        ("decoder.weight", "F32", (16, 64), raw("F32", s.W_dec.T)),
        ("bias", "F32", (16,), raw("F32", s.b_dec))])
    emit("dictionary_learning", s, "dictionary-learning", {"name": "relu"}, "resid_post_layer_3",
         "EleutherAI/pythia-70m-deduped", {
             "ae.safetensors": dl,
             "config.json": {"trainer": {"dict_class": "AutoEncoder", "trainer_class": "StandardTrainer",
                                         "activation_dim": 16, "dict_size": 64, "lr": 0.001, "l1_penalty": 0.1,
                                         "lm_name": "EleutherAI/pythia-70m-deduped", "layer": 3,
                                         "submodule_name": "resid_post_layer_3"},
                             "buffer": {"d_submodule": 16, "io": "out", "n_ctxs": 3000, "ctx_len": 128}}})

    write_json(out / "index.json", index)
    return out


def make_bad_saes(rng):
    out = ROOT / "sae" / "bad"
    errors = {}
    s = SaeSpec(rng, 16, 48, 32, "relu", True)
    hook, model = "blocks.0.hook_resid_post", "toy"
    good_cfg = v6_cfg(s, "standard", hook, model)
    good_weights = saelens_weights(s)

    def bad_dir(name, files, message, at):
        for rel, content in files.items():
            if isinstance(content, (dict, list)):
                write_json(out / name / rel, content)
            else:
                write_bytes(out / name / rel, content)
        errors[name] = {"message": message, "file": at}

    def cfg_with(**changes):
        c = json.loads(json.dumps(good_cfg))
        for k, v in changes.items():
            if v is None:
                c.pop(k, None)
            else:
                c[k] = v
        return c

    def weights(**changes):
        t = {"W_enc": s.W_enc, "b_enc": s.b_enc, "W_dec": s.W_dec, "b_dec": s.b_dec}
        for k, v in changes.items():
            if v is None:
                t.pop(k)
            else:
                t[k] = v
        return safetensors_bytes([(k, "F32", v.shape, raw("F32", v)) for k, v in t.items()])

    bad_dir("missing_cfg_key", {"cfg.json": cfg_with(d_sae=None), "sae_weights.safetensors": good_weights},
            'missing required key "d_sae"', "cfg.json")
    bad_dir("mistyped_cfg_key", {"cfg.json": cfg_with(d_in="16"), "sae_weights.safetensors": good_weights},
            'key "d_in" must be an integer, got string "16"', "cfg.json")
    bad_dir("mistyped_bool", {"cfg.json": cfg_with(apply_b_dec_to_input="yes"), "sae_weights.safetensors": good_weights},
            'key "apply_b_dec_to_input" must be true or false, got string "yes"', "cfg.json")
    bad_dir("float_dimension", {"cfg.json": cfg_with(d_sae=48.0), "sae_weights.safetensors": good_weights},
            'key "d_sae" must be an integer, got number 48.0', "cfg.json")
    bad_dir("missing_tensor", {"cfg.json": good_cfg, "sae_weights.safetensors": weights(b_dec=None)},
            'missing tensor "b_dec"', "sae_weights.safetensors")
    bad_dir("shape_mismatch", {"cfg.json": good_cfg, "sae_weights.safetensors": weights(W_enc=s.W_enc[:, :40])},
            'tensor "W_enc" has shape [16, 40], expected [16, 48]', "sae_weights.safetensors")
    nan_dec = s.W_dec.copy()
    nan_dec[5, 7] = np.nan
    bad_dir("nan_weights", {"cfg.json": good_cfg, "sae_weights.safetensors": weights(W_dec=nan_dec)},
            "W_dec has a non-finite value (NaN) at [5, 7]", "sae_weights.safetensors")
    inf_enc = s.b_enc.copy()
    inf_enc[3] = np.inf
    bad_dir("inf_weights", {"cfg.json": good_cfg, "sae_weights.safetensors": weights(b_enc=inf_enc)},
            "b_enc has a non-finite value (Infinity) at index 3", "sae_weights.safetensors")
    bad_dir("unknown_architecture", {"cfg.json": cfg_with(architecture="gated"), "sae_weights.safetensors": good_weights},
            'architecture "gated" is not supported', "cfg.json")
    bad_dir("normalize_activations", {"cfg.json": cfg_with(normalize_activations="constant_norm_rescale"),
                                      "sae_weights.safetensors": good_weights},
            'normalize_activations = "constant_norm_rescale" is not supported', "cfg.json")
    bad_dir("unexpected_tensor", {"cfg.json": good_cfg,
                                  "sae_weights.safetensors": weights(r_mag=np.zeros(48, dtype=np.float32))},
            "unexpected tensor(s) [r_mag]", "sae_weights.safetensors")
    bad_dir("topk_missing_k", {"cfg.json": cfg_with(architecture="topk"), "sae_weights.safetensors": good_weights},
            'missing required key "k"', "cfg.json")
    bad_dir("topk_k_too_large", {"cfg.json": cfg_with(architecture="topk", k=100), "sae_weights.safetensors": good_weights},
            "k = 100 exceeds d_sae = 48", "cfg.json")
    bad_dir("jumprelu_missing_threshold", {"cfg.json": cfg_with(architecture="jumprelu"),
                                           "sae_weights.safetensors": good_weights},
            'missing tensor "threshold"', "sae_weights.safetensors")
    bad_dir("cfg_not_json", {"cfg.json": b'{"d_in": 16,', "sae_weights.safetensors": good_weights},
            "not valid JSON", "cfg.json")
    bad_dir("weights_header_past_eof", {"cfg.json": good_cfg,
                                        "sae_weights.safetensors": good_weights[:8] + good_weights[8:40]},
            "runs past the end of the file", "sae_weights.safetensors")
    bad_dir("no_weights", {"cfg.json": good_cfg},
            "has cfg.json but neither sae_weights.safetensors (SAELens) nor sae.safetensors (sparsify)", ".")
    bad_dir("not_sae", {"notes.txt": b"hello\n"}, "not a recognised SAE directory", ".")
    bad_dir("several_saes", {"layers.0/cfg.json": {"d_in": 4, "k": 1, "num_latents": 8},
                             "layers.1/cfg.json": {"d_in": 4, "k": 1, "num_latents": 8}},
            "holds several SAEs in subdirectories [layers.0, layers.1]", ".")
    bad_dir("legacy_bad_activation", {"cfg.json": {"d_in": 16, "d_sae": 48, "hook_point": hook, "model_name": model,
                                                   "activation_fn_str": "tanh-relu", "sae_lens_version": "3.0.0"},
                                      "sae_weights.safetensors": good_weights},
            'activation_fn_str = "tanh-relu" is not supported', "cfg.json")
    sp = safetensors_bytes([
        ("encoder.weight", "F32", (48, 16), raw("F32", s.W_enc.T)),
        ("encoder.bias", "F32", (48,), raw("F32", s.b_enc)),
        ("W_dec", "F32", (48, 16), raw("F32", s.W_dec)),
        ("b_dec", "F32", (16,), raw("F32", s.b_dec))])
    bad_dir("sparsify_transcoder", {"cfg.json": {"activation": "topk", "num_latents": 48, "k": 4, "transcode": True,
                                                 "d_in": 16}, "sae.safetensors": sp},
            "transcode = true: this is a transcoder, not an SAE", "cfg.json")
    bad_dir("sparsify_missing_d_in", {"cfg.json": {"activation": "topk", "num_latents": 48, "k": 4},
                                      "sae.safetensors": sp},
            'missing required key "d_in"', "cfg.json")
    dl = safetensors_bytes([
        ("encoder.weight", "F32", (48, 16), raw("F32", s.W_enc.T)),
        ("encoder.bias", "F32", (48,), raw("F32", s.b_enc)),
        ("decoder.weight", "F32", (16, 48), raw("F32", s.W_dec.T)),
        ("bias", "F32", (16,), raw("F32", s.b_dec))])
    bad_dir("dictionary_learning_wrong_class", {"ae.safetensors": dl, "config.json": {
        "trainer": {"dict_class": "JumpReluAutoEncoder", "activation_dim": 16, "dict_size": 48}}},
            'trainer.dict_class = "JumpReluAutoEncoder" but the weights hold the tensors of a AutoEncoder', "config.json")
    bad_dir("dictionary_learning_dim_mismatch", {"ae.safetensors": dl, "config.json": {
        "trainer": {"dict_class": "AutoEncoder", "activation_dim": 16, "dict_size": 64}}},
            "trainer.dict_size = 64 but the weights have 48", "config.json")
    write_json(out / "expected_errors.json", errors)


README = """# Test fixtures (generated - do not edit)

Written by `scripts/make_fixtures.py` (numpy only; run it from the repository root to regenerate -
the output is deterministic). Every JSON file here is produced by the same script.

## safetensors/
- `*.safetensors` written by hand from the format specification; `expected.json` lists, per file, the
  `__metadata__` map and every float tensor's dtype, shape and float32 bit patterns after reading
  (F16/BF16 widen exactly, F64 rounds to nearest). `source_bits` are the float32 values a BF16 tensor was
  rounded from (round to nearest even); `order` is the header order the writer must produce.
- `bad/`: broken files; `bad/expected_errors.json` maps each to a substring of the required error.

## npy/
- written by `numpy.save` / `numpy.lib.format.write_array` (versions 1.0, 2.0, 3.0; `<f4`, `<f2`, `<f8`;
  C and Fortran order); `expected.json` gives shape, descr, order, version and the float32 bits of the
  logical array in C order. `bad/` as above.

## sae/
- `index.json` lists the SAE fixtures. Each has a directory in its library's layout (SAELens v6,
  SAELens pre-6.0, sparsify, dictionary_learning), `<name>.acts.npy` (float32 activations
  `[tokens, d_in]`) and `<name>.expected.json`:
  - `format`, `activation` (`name`, `k`, `threshold_bits`), `d_in`, `num_latents`,
    `apply_b_dec_to_input`, `hook_name`, `model_name` - what loading must produce;
  - `weights_sha256`: SHA-256 of the little-endian float32 bytes of W_enc [d_in, F], b_enc, W_dec
    [F, d_in], b_dec (and the threshold vector) in SAELens orientation, as saestitch holds them;
    `samples`: a few of those entries as float32 bit patterns;
  - `metrics` over all tokens of the activation file (docs/definitions.md#metrics): `mse` (mean over tokens
    of the per-token squared error summed over dims), `fvu` (sum of squared errors / sum of squared
    deviations from the mean activation), `l0` (mean number of non-zero latents per token), `dead`
    (latents never active), plus `sum_sq_error` and `total_variance`;
  - `first_token`: active latents, their activations and the reconstruction of token 0.
  Metrics are computed in float64 from the stored float32 values with the original library's forward
  pass. Every pre-activation is at least `decision_margin` (>= 1e-4) from a decision boundary (0, a
  JumpReLU threshold, the k-th/(k+1)-th TopK gap), so a float32 evaluation has the same active sets:
  `l0` and `dead` must match exactly, `mse`/`fvu` to float32 rounding (~1e-5 relative).
- `bad/`: broken SAE directories; `bad/expected_errors.json` gives each one's required message
  substring and the file (relative to the directory, `.` for the directory) the error must name.
"""


def main():
    for sub in ("safetensors", "npy", "sae"):
        shutil.rmtree(ROOT / sub, ignore_errors=True)
    rng = np.random.default_rng(SEED)
    make_safetensors(rng)
    make_npy(rng)
    make_saes(rng)
    make_bad_saes(rng)
    (ROOT / "README.md").write_text(README)
    total = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    print(f"wrote fixtures under {ROOT} ({total} bytes)")


if __name__ == "__main__":
    main()
