#!/usr/bin/python3
"""Writes tests/fixtures/dip-ref.safetensors: one deep-image-prior step of the
dip-ref network (reference-workloads.md) computed by PyTorch (Debian's
python3-torch), independent of the engine's operators.

Network: as ../shared/peers/torch_dip_ref.py's DIPNet with batch norm
(32 input channels, 32/64/128/128/128, no skips, bilinear x2 + 3x3 conv in
the decoder, every 3x3 conv followed by BatchNorm2d with batch statistics and
ReLU, 1x1 head, sigmoid).  Module names as the engine's (enc.L.i, dec.J.i,
head, norms.I).

The weights are too large to commit (1.6 M floats), so they are drawn here
exactly as the engine's pl_unet_init (seed 0) draws them: xoshiro256** seeded
by splitmix64, U(-b, b) with b = sqrt(6 / fan_in) as float32, tensor by
tensor in file order; biases 0, batch-norm scale 1 and shift 0.  The input z
(1, 32, 32, 32) = U(0, 0.1) and the target (1, 1, 32, 32) = U(0, 1) come from
one more generator (seed 1) in that order.

Stored: the output sigmoid(f(z)), the MSE loss, for every parameter tensor the
sum and the sum of squares of its gradient ("gradstat.NAME"), the full
gradient and the value after one Adam step (lr 0.01, betas 0.9/0.999, eps 1e-8)
of the small tensors (head, norms, enc.0.0.weight, dec.3.1.weight).
usage: /usr/bin/python3 tests/make-dip-fixture.py [OUT]
"""
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

M64 = (1 << 64) - 1
torch.set_num_threads(1)


class Xoshiro:
    def __init__(self, seed):
        x = seed & M64
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & M64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            self.s.append(z ^ (z >> 31))

    def next(self):
        s = self.s
        rotl = lambda v, k: ((v << k) | (v >> (64 - k))) & M64
        result = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def uniform(self, n):
        """n floats (float32) in [0, 1) with 24 random bits, as pl_rng_uniform."""
        return np.array([self.next() >> 40 for _ in range(n)], dtype=np.float32) * np.float32(1.0 / 16777216.0)

    def range(self, lo, hi, n):
        lo, span = np.float32(lo), np.float32(hi) - np.float32(lo)
        return (lo + span * self.uniform(n)).astype(np.float32)


CIN, CHS, H, W = 32, (32, 64, 128, 128, 128), 32, 32


class DIPNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.ModuleList()
        c = CIN
        for co in CHS:
            self.enc.append(nn.ModuleList([nn.Conv2d(c, co, 3, padding=1), nn.Conv2d(co, co, 3, padding=1)]))
            c = co
        self.dec = nn.ModuleList()
        for lvl in range(len(CHS) - 2, -1, -1):
            self.dec.append(nn.ModuleList([nn.Conv2d(c, CHS[lvl], 3, padding=1),
                                           nn.Conv2d(CHS[lvl], CHS[lvl], 3, padding=1)]))
            c = CHS[lvl]
        self.head = nn.Conv2d(c, 1, 1)
        self.norms = nn.ModuleList([nn.BatchNorm2d(m.out_channels)
                                    for blk in list(self.enc) + list(self.dec) for m in blk])

    def forward(self, x):
        n = iter(self.norms)
        for i, (c1, c2) in enumerate(self.enc):
            if i:
                x = F.max_pool2d(x, 2)
            x = F.relu(next(n)(c1(x)))
            x = F.relu(next(n)(c2(x)))
        for c1, c2 in self.dec:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = F.relu(next(n)(c1(x)))
            x = F.relu(next(n)(c2(x)))
        return torch.sigmoid(self.head(x))


def engine_order(net):
    """The engine's tensor order (unet.c layout): per layer weight, bias,
    then its norm's weight and bias; encoder, decoder, head."""
    names, D = [], len(CHS)
    for l in range(D):
        for i in range(2):
            names += [f"enc.{l}.{i}.weight", f"enc.{l}.{i}.bias",
                      f"norms.{2 * l + i}.weight", f"norms.{2 * l + i}.bias"]
    for j in range(D - 1):
        for i in range(2):
            names += [f"dec.{j}.{i}.weight", f"dec.{j}.{i}.bias",
                      f"norms.{2 * D + 2 * j + i}.weight", f"norms.{2 * D + 2 * j + i}.bias"]
    names += ["head.weight", "head.bias"]
    params = dict(net.named_parameters())
    assert sorted(names) == sorted(params), "module names differ from the engine's"
    return names, params


net = DIPNet()
names, params = engine_order(net)
rng = Xoshiro(0)
with torch.no_grad():
    for name in names:
        p = params[name]
        if name.startswith("norms.") and name.endswith(".weight"):
            p.fill_(1.0)
        elif p.dim() == 4:
            fan_in = p.shape[1] * p.shape[2] * p.shape[3]
            b = np.float32(math.sqrt(6.0 / fan_in))
            p.copy_(torch.from_numpy(rng.range(-b, b, p.numel()).reshape(p.shape)))
        else:
            p.zero_()

rng = Xoshiro(1)
z = torch.from_numpy(rng.range(0.0, 0.1, CIN * H * W).reshape(1, CIN, H, W))
target = torch.from_numpy(rng.uniform(H * W).reshape(1, 1, H, W))

out = {}


def put(name, t):
    out[name] = t.detach().to(torch.float32).reshape(-1).contiguous().clone()


net.train()
y = net(z)
loss = F.mse_loss(y, target)
put("output", y)
put("loss", loss.reshape(1))
opt = torch.optim.Adam(net.parameters(), lr=0.01, betas=(0.9, 0.999), eps=1e-8)
opt.zero_grad()
loss.backward()
small = [n for n in names if n.startswith("head.") or n.startswith("norms.")
         or n in ("enc.0.0.weight", "dec.3.1.weight")]
for name in names:
    g = params[name].grad.double()
    put(f"gradstat.{name}", torch.stack([g.sum(), (g * g).sum()]))
for name in small:
    put(f"grad.{name}", params[name].grad)
opt.step()
for name in small:
    put(f"adam.{name}", params[name])

header, blobs, off = {}, [], 0
for name, t in out.items():
    b = t.numpy().astype("<f4").tobytes()
    header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
    blobs.append(b)
    off += len(b)
header["__metadata__"] = {"source": "tests/make-dip-fixture.py", "torch": torch.__version__}
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * ((8 - (8 + len(h)) % 8) % 8)
path = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/dip-ref.safetensors"
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(h)))
    f.write(h)
    for b in blobs:
        f.write(b)
print(f"wrote {path}: {len(out)} tensors, {8 + len(h) + off} bytes; loss {loss.item():.6f}")
