#!/usr/bin/python3
"""Writes PyTorch checkpoint fixtures under src/test/resources/fixtures/torch/ with the ecosystem's own code.

Needs Debian's python3-torch (1.13) and a BLAS (libopenblas0-pthread), run with /usr/bin/python3, and
unpacked copies of two public repositories, given as arguments:

    /usr/bin/python3 scripts/make_torch_fixtures.py DICTIONARY_LEARNING_DIR SPARSE_AUTOENCODER_DIR

* saprmarks/dictionary_learning: its own trainSAE() trains AutoEncoder (StandardTrainer),
  AutoEncoderTopK (TopKTrainer), BatchTopKSAE (BatchTopKTrainer) and JumpReluAutoEncoder
  (JumpReluTrainer) for a few steps on seeded random activations and writes trainer_N/ae.pt +
  config.json exactly as it does for users. Packages it imports but training does not use here
  (einops, nnsight, wandb, tqdm; not packaged by Debian) are replaced by inert stand-ins.
* openai/sparse_autoencoder: its Autoencoder (ReLU, and TopK with the v5 layer_norm preprocessing)
  with seeded random weights, saved as torch.save(ae.state_dict()) like the published files.

Beside each: a safetensors re-save of the contiguous tensors (dictionary_learning only, what a user
gets from save_file({k: v.contiguous()})), bf16 variants, and <name>.expected.json with mse / fvu / l0
computed from the library's own forward pass on <name>.acts.npy (float64 metrics of its float32
outputs; bf16 files are evaluated in float32 after loading, as saestitch does). Also malicious and
broken files under bad/. Nothing here runs at test time; the outputs are committed.
"""

import io
import json
import os
import shutil
import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent / "src" / "test" / "resources" / "fixtures" / "torch"
D, F, TOKENS = 16, 48, 64


def stub(name, **attrs):
    m = types.ModuleType(name)
    for k, v in attrs.items():
        setattr(m, k, v)
    sys.modules[name] = m


def einops_einsum(*args):
    """einops.einsum(a, b, "named axes -> named axes") through torch.einsum (the two trainers use only this)."""
    *tensors, pattern = args
    letters = {}
    spec = ""
    for token in pattern.replace(",", " , ").replace("->", " -> ").split():
        if token in (",", "->"):
            spec += token
        else:
            spec += letters.setdefault(token, "abcdefghijklmnopqrstuvwxyz"[len(letters)])
    return torch.einsum(spec, *tensors)


def activations(seed, n=TOKENS):
    g = np.random.default_rng(seed)
    return (g.standard_normal((n, D)) * 1.5 + g.standard_normal(D)).astype(np.float32)


def metrics(x, acts, x_hat):
    """docs/definitions.md#metrics, in float64 from the library's float32 outputs."""
    x = x.astype(np.float64)
    x_hat = x_hat.astype(np.float64)
    err = ((x - x_hat) ** 2).sum(axis=1)
    var = ((x - x.mean(axis=0)) ** 2).sum()
    return {"num_tokens": int(x.shape[0]), "mse": float(err.mean()), "fvu": float(err.sum() / var),
            "l0": float((acts != 0).sum(axis=1).mean())}


def write_expected(name, source, detected, x, acts, x_hat, note=""):
    np.save(ROOT / f"{name}.acts.npy", x)
    e = {"format_version": 1, "path": name, "source": source, "detected": detected, "activations_file": f"{name}.acts.npy"}
    e.update(metrics(x, acts, x_hat))
    if note:
        e["note"] = note
    (ROOT / f"{name}.expected.json").write_text(json.dumps(e, indent=2) + "\n")


def save_safetensors(path, sd):
    """A spec-following safetensors writer (the safetensors package is not in Debian 12)."""
    names = sorted(sd)
    header, blobs, off = {}, [], 0
    codes = {torch.float32: ("F32", "<f4"), torch.int32: ("I32", "<i4"), torch.int64: ("I64", "<i8")}
    for k in names:
        t = sd[k].contiguous()
        dt, npdt = codes[t.dtype]
        b = t.numpy().astype(npdt).tobytes()
        header[k] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps({"__metadata__": {"format": "pt"}, **header}, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little") + h + b"".join(blobs))


# ------------------------------------------------------------------------------ dictionary_learning

def dictionary_learning(repo):
    sys.path.insert(0, str(repo))
    stub("einops", einsum=einops_einsum)
    stub("nnsight", LanguageModel=object)
    stub("wandb")
    stub("tqdm", tqdm=lambda it, **kw: it)
    from dictionary_learning.dictionary import AutoEncoder, JumpReluAutoEncoder
    from dictionary_learning.trainers.batch_top_k import BatchTopKSAE, BatchTopKTrainer
    from dictionary_learning.trainers.jumprelu import JumpReluTrainer
    from dictionary_learning.trainers.standard import StandardTrainer
    from dictionary_learning.trainers.top_k import AutoEncoderTopK, TopKTrainer
    from dictionary_learning.training import trainSAE

    common = dict(steps=30, activation_dim=D, dict_size=F, layer=3, lm_name="EleutherAI/pythia-70m-deduped",
                  device="cpu", seed=7, submodule_name="resid_post_layer_3")
    configs = [
        dict(trainer=StandardTrainer, lr=1e-2, warmup_steps=2, sparsity_warmup_steps=2, **common),
        dict(trainer=TopKTrainer, k=6, warmup_steps=2, threshold_start_step=5, **common),
        dict(trainer=BatchTopKTrainer, k=6, warmup_steps=2, threshold_start_step=5, **common),
        dict(trainer=JumpReluTrainer, lr=1e-2, warmup_steps=2, sparsity_warmup_steps=2, **common),
    ]
    classes = [AutoEncoder, AutoEncoderTopK, BatchTopKSAE, JumpReluAutoEncoder]
    names = ["dl_relu", "dl_topk", "dl_batchtopk", "dl_jumprelu"]
    g = torch.Generator().manual_seed(11)
    data = (torch.randn(32, D, generator=g) * 1.5 + 0.3 for _ in range(10_000))
    out = ROOT / "dl_run"
    torch.manual_seed(7)
    trainSAE(data, configs, steps=30, save_dir=str(out), device="cpu")
    for i, (cls, name) in enumerate(zip(classes, names)):
        src = out / f"trainer_{i}"
        dst = ROOT / name
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(src, dst)
        sd = torch.load(dst / "ae.pt")
        if cls is AutoEncoder:
            ae = cls.from_pretrained(dst / "ae.pt", normalize_decoder=False)
        else:
            ae = cls.from_pretrained(dst / "ae.pt")
        ae.eval()
        x = activations(100 + i)
        with torch.no_grad():
            xt = torch.from_numpy(x)
            f = ae.encode(xt)
            x_hat = ae.decode(f)
        write_expected(name, f"dictionary_learning {cls.__name__} (trainSAE)", "dictionary-learning",
                       x, f.numpy(), x_hat.numpy())
        strides = {k: list(v.stride()) for k, v in sd.items() if v.dim() == 2}
        (ROOT / f"{name}.strides.json").write_text(json.dumps(strides, indent=2, sort_keys=True) + "\n")
        # the safetensors re-save a user makes (save_file needs contiguous tensors)
        st = ROOT / f"{name}_st"
        shutil.rmtree(st, ignore_errors=True)
        st.mkdir()
        shutil.copy(dst / "config.json", st / "config.json")
        save_safetensors(st / "ae.safetensors", {k: v.contiguous() for k, v in sd.items()})
        write_expected(f"{name}_st", f"dictionary_learning {cls.__name__}, ae.pt re-saved as safetensors",
                       "dictionary-learning", x, f.numpy(), x_hat.numpy())
    # bf16: the TopK checkpoint cast to bfloat16; the library evaluates it in float32 after casting back
    bf = ROOT / "dl_topk_bf16"
    shutil.rmtree(bf, ignore_errors=True)
    shutil.copytree(ROOT / "dl_topk", bf)
    sd = torch.load(bf / "ae.pt")
    sd = {k: (v.to(torch.bfloat16) if v.is_floating_point() else v) for k, v in sd.items()}
    torch.save(sd, bf / "ae.pt")
    ae = AutoEncoderTopK.from_pretrained(bf / "ae.pt")  # load_state_dict copies bf16 into float32 parameters
    x = activations(110)
    with torch.no_grad():
        f = ae.encode(torch.from_numpy(x))
        x_hat = ae.decode(f)
    write_expected("dl_topk_bf16", "dictionary_learning AutoEncoderTopK cast to bfloat16", "dictionary-learning",
                   x, f.numpy(), x_hat.numpy(), "bf16 weights evaluated in float32")
    shutil.rmtree(out)


# ------------------------------------------------------------------------------ openai

def openai(repo):
    sys.path.insert(0, str(repo))
    from sparse_autoencoder.model import Autoencoder, TopK
    import torch.nn as nn

    for name, activation, seed in [("openai_relu", nn.ReLU(), 21), ("openai_topk", TopK(k=5), 22)]:
        torch.manual_seed(seed)
        ae = Autoencoder(F, D, activation=activation, normalize=isinstance(activation, TopK))
        with torch.no_grad():
            ae.pre_bias.normal_(0, 0.3)
            ae.encoder.weight.normal_(0, 0.4)
            ae.latent_bias.normal_(0, 0.1)
            ae.decoder.weight.normal_(0, 0.3)
            ae.latents_activation_frequency.uniform_()
        sd = ae.state_dict()
        # nn.Module.state_dict also recurses into TopK.state_dict, adding "activation.k"/"activation.postact_fn"
        # that from_state_dict then rejects; the published v5 files hold only "activation_state_dict".
        for k in [k for k in sd if k.startswith("activation.")]:
            del sd[k]
        torch.save(sd, ROOT / f"{name}.pt")
        # load exactly as the README does
        loaded = Autoencoder.from_state_dict(torch.load(ROOT / f"{name}.pt"))
        x = activations(seed)
        with torch.no_grad():
            latents, info = loaded.encode(torch.from_numpy(x))
            x_hat = loaded.decode(latents, info)
        write_expected(name, f"openai sparse_autoencoder Autoencoder ({type(activation).__name__})", "openai",
                       x, latents.numpy(), x_hat.numpy())
        if name == "openai_topk":
            sd = torch.load(ROOT / f"{name}.pt")
            sd = {k: (v.to(torch.bfloat16) if torch.is_tensor(v) and v.is_floating_point() else v)
                  for k, v in sd.items()}
            torch.save(sd, ROOT / "openai_topk_bf16.pt")
            loaded = Autoencoder.from_state_dict(torch.load(ROOT / "openai_topk_bf16.pt"))
            loaded.float()
            with torch.no_grad():
                latents, info = loaded.encode(torch.from_numpy(x))
                x_hat = loaded.decode(latents, info)
            write_expected("openai_topk_bf16", "openai TopK cast to bfloat16", "openai", x, latents.numpy(),
                           x_hat.numpy(), "bf16 weights evaluated in float32")


# ------------------------------------------------------------------------------ bad files

def bad():
    d = ROOT / "bad"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir()

    def torch_zip(path, pkl, storages=()):
        """A zip in torch's layout around a hand-written pickle (so nothing is executed to write it)."""
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
            z.writestr("archive/data.pkl", pkl)
            for key, data in storages:
                z.writestr(f"archive/data/{key}", data)
            z.writestr("archive/version", "3\n")

    # GLOBAL os system + REDUCE: pickle.loads would run `touch`
    evil = b"\x80\x02cos\nsystem\nq\x00X\x1a\x00\x00\x00touch /tmp/saestitch-pwned\x85R."
    torch_zip(d / "os_system.pt", evil)
    # the same call nested inside a state_dict value
    nested = (b"\x80\x02}q\x00(X\x06\x00\x00\x00weightq\x01cbuiltins\neval\nX\x0b\x00\x00\x00print('hi')"
              b"\x85Ru.")
    torch_zip(d / "nested_eval.pt", nested)
    good = (ROOT / "dl_relu" / "ae.pt").read_bytes()
    (d / "truncated.pt").write_bytes(good[: len(good) // 2])
    corrupt = bytearray(good)
    z = zipfile.ZipFile(io.BytesIO(good))
    info = [i for i in z.infolist() if i.filename.endswith("data/0")][0]
    loc = info.header_offset  # the local header's own name and extra lengths (torch pads the extra field to align)
    data_start = loc + 30 + int.from_bytes(good[loc + 26:loc + 28], "little") + int.from_bytes(good[loc + 28:loc + 30], "little")
    corrupt[data_start + 5] ^= 0xFF
    (d / "crc.pt").write_bytes(bytes(corrupt))
    legacy = io.BytesIO()
    torch.save({"w": torch.zeros(2)}, legacy, _use_new_zipfile_serialization=False)
    (d / "legacy.pt").write_bytes(legacy.getvalue())
    (d / "not_a_zip.pt").write_bytes(b"PK\x03\x04 but nothing else")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    torch.set_num_threads(1)
    ROOT.mkdir(parents=True, exist_ok=True)
    dictionary_learning(Path(sys.argv[1]))
    openai(Path(sys.argv[2]))
    bad()


if __name__ == "__main__":
    main()
