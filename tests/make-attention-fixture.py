#!/usr/bin/python3
"""Writes tests/fixtures/attention-block.safetensors: the bottleneck's
transformer block (engine/nn/attention-block.h) computed once with PyTorch
(Debian's python3-torch), independently of the engine, for
tests/test-op-attention.c.

Block: x' = x + PE (2-D sinusoidal: channels 0 .. C/2-1 encode the row y,
the others the column x; in each group channel 2i is sin(t * 10000^(-2i/g)),
channel 2i+1 its cosine, g the group's size), then torch's own
multi_head_attention_forward over the H*W positions (separate q/k/v
projection weights, biases, no dropout), the residual x' + attention, and
F.layer_norm over the channels (eps 1e-5).  Sizes: N 2, C 8, 2 heads, H 3,
W 5.  Weights U(-0.5, 0.5), biases U(-0.1, 0.1), norm scale U(0.5, 1.5),
shift U(-0.5, 0.5), input U(-1, 1); in double, stored as float32.

Stored: "x", every parameter under its model-file name (attn.q.weight
(C, C, 1, 1), attn.q.bias (C), ... attn.norm.weight, attn.norm.bias), "y",
a projection "r" of y's shape, and the gradients of sum(r * y) as
"grad.x" and "grad.<parameter name>".
usage: /usr/bin/python3 tests/make-attention-fixture.py [OUT]
"""
import json
import math
import struct
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(13)
torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)
N, C, HEADS, H, W = 2, 8, 2, 3, 5


def uniform(shape, lo, hi):
    return (torch.rand(shape) * (hi - lo) + lo).requires_grad_(True)


def position_encoding(c, h, w):
    pe = torch.zeros(c, h, w)
    cy = c // 2
    for ch in range(c):
        col = ch >= cy
        group, i = (c - cy, ch - cy) if col else (cy, ch)
        freq = 10000.0 ** (-(2 * (i // 2)) / max(group, 1))
        for y in range(h):
            for x in range(w):
                a = (x if col else y) * freq
                pe[ch, y, x] = math.sin(a) if i % 2 == 0 else math.cos(a)
    return pe


params = {}
for p in "qkvo":
    params[f"attn.{p}.weight"] = uniform((C, C, 1, 1), -0.5, 0.5)
    params[f"attn.{p}.bias"] = uniform((C,), -0.1, 0.1)
params["attn.norm.weight"] = uniform((C,), 0.5, 1.5)
params["attn.norm.bias"] = uniform((C,), -0.5, 0.5)
x = uniform((N, C, H, W), -1.0, 1.0)

xp = x + position_encoding(C, H, W)
tokens = xp.flatten(2).permute(2, 0, 1)          # (P, N, C)
w2 = {p: params[f"attn.{p}.weight"][:, :, 0, 0] for p in "qkvo"}
att, _ = F.multi_head_attention_forward(
    tokens, tokens, tokens, C, HEADS,
    None, torch.cat([params["attn.q.bias"], params["attn.k.bias"], params["attn.v.bias"]]),
    None, None, False, 0.0, w2["o"], params["attn.o.bias"],
    training=False, need_weights=False, use_separate_proj_weight=True,
    q_proj_weight=w2["q"], k_proj_weight=w2["k"], v_proj_weight=w2["v"])
att = att.permute(1, 2, 0).reshape(N, C, H, W)
res = (xp + att).permute(0, 2, 3, 1)             # (N, H, W, C)
y = F.layer_norm(res, (C,), params["attn.norm.weight"], params["attn.norm.bias"], 1e-5)
y = y.permute(0, 3, 1, 2).contiguous()
r = torch.rand(y.shape) * 2 - 1
(r * y).sum().backward()

out = {"x": x, "y": y, "r": r, "grad.x": x.grad}
for name, t in params.items():
    out[name] = t
    out["grad." + name] = t.grad

header, blobs, off = {}, [], 0
for name, t in out.items():
    b = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
    header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
    blobs.append(b)
    off += len(b)
header["__metadata__"] = {"source": "tests/make-attention-fixture.py", "torch": torch.__version__,
                          "heads": str(HEADS)}
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * ((8 - (8 + len(h)) % 8) % 8)
path = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/attention-block.safetensors"
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(h)))
    f.write(h)
    for b in blobs:
        f.write(b)
print(f"wrote {path}: {len(out)} tensors, {8 + len(h) + off} bytes; sum(r*y) {(r * y).sum().item():.6g}")
