#!/usr/bin/python3
"""Writes tests/fixtures/unet-small.safetensors: a whole-model reference made
once with PyTorch (Debian's python3-torch), independent of the engine.

Two small networks, built here with the same module names as the peer's
unet_ref.py (enc.L.i, up.J, dec.J.i, head, norms.I):

  unet.*  UNet depth 3, channels 4/8/16, 1 input channel, 4 classes,
          transposed-conv upsampling, skips, no dropout (it cannot be matched
          across generators), input 2×1×32×32; loss = mean CE over counted
          pixels + (1 − mean soft Dice over classes, ε = 1e-5), pixels with
          target −1 ignored in both; then one Adam step (lr 1e-3).
  dip.*   encoder-decoder depth 3, channels 4/8/8, 3 input channels, 1 output,
          no skips, bilinear ×2 + 3×3 conv, batch norm (batch statistics),
          sigmoid, MSE to a target image; then one Adam step (lr 1e-2).

Stored per network: the input, the weights, the output (logits / sigmoid), the
loss, the gradient of every parameter and of the input, and every parameter
after the Adam step.  Targets are stored as float (−1 = ignored).
usage: /usr/bin/python3 tests/make-unet-fixture.py [OUT]
"""
import json
import math
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_num_threads(1)
EPS = 1e-5


def he_uniform_(w, fan_in):
    b = math.sqrt(6.0 / fan_in)
    with torch.no_grad():
        w.uniform_(-b, b)


class SmallUNet(nn.Module):
    def __init__(self, in_ch, n_out, chs, skip, convt, bn):
        super().__init__()
        self.skip, self.convt, self.bn = skip, convt, bn
        self.enc = nn.ModuleList()
        c = in_ch
        for co in chs:
            self.enc.append(nn.ModuleList([nn.Conv2d(c, co, 3, padding=1), nn.Conv2d(co, co, 3, padding=1)]))
            c = co
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        for lvl in range(len(chs) - 2, -1, -1):
            cl = chs[lvl]
            if convt:
                self.up.append(nn.ConvTranspose2d(chs[lvl + 1], cl, 2, stride=2))
                cup = cl
            else:
                cup = chs[lvl + 1]
            cin = cup + cl if skip else cup
            self.dec.append(nn.ModuleList([nn.Conv2d(cin, cl, 3, padding=1), nn.Conv2d(cl, cl, 3, padding=1)]))
        self.head = nn.Conv2d(chs[0], n_out, 1)
        if bn:
            self.norms = nn.ModuleList([nn.BatchNorm2d(m.out_channels)
                                        for blk in list(self.enc) + list(self.dec) for m in blk])
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                he_uniform_(m.weight, m.in_channels * 9 if m.kernel_size[0] == 3 else m.in_channels)
                nn.init.uniform_(m.bias, -0.1, 0.1)   # non-zero so bias gradients matter
            elif isinstance(m, nn.ConvTranspose2d):
                he_uniform_(m.weight, m.in_channels)
                nn.init.uniform_(m.bias, -0.1, 0.1)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.uniform_(m.weight, 0.5, 1.5)
                nn.init.uniform_(m.bias, -0.2, 0.2)

    def forward(self, x):
        n = iter(self.norms) if self.bn else None

        def block(conv, x):
            y = conv(x)
            if n is not None:
                # batch statistics, biased variance (training mode)
                y = next(n)(y)
            return F.relu(y)

        skips = []
        for i, (c1, c2) in enumerate(self.enc):
            if i:
                x = F.max_pool2d(x, 2)
            x = block(c2, block(c1, x))
            skips.append(x)
        for j, (c1, c2) in enumerate(self.dec):
            if self.convt:
                x = self.up[j](x)
            else:
                x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            if self.skip:
                x = torch.cat([x, skips[-2 - j]], 1)
            x = block(c2, block(c1, x))
        return self.head(x)


def seg_loss(logits, target):
    valid = target >= 0
    ce = F.cross_entropy(logits, target, ignore_index=-1)
    probs = torch.softmax(logits, 1)
    m = valid.unsqueeze(1).to(probs.dtype)
    onehot = F.one_hot(target.clamp(min=0), logits.shape[1]).permute(0, 3, 1, 2).to(probs.dtype) * m
    p = probs * m
    inter = (p * onehot).sum((0, 2, 3))
    den = p.sum((0, 2, 3)) + onehot.sum((0, 2, 3))
    return ce + (1.0 - ((2 * inter + EPS) / (den + EPS)).mean())


out = {}


def put(name, t):
    out[name] = t.detach().to(torch.float32).contiguous().clone()


def run(prefix, model, x, loss_fn, lr, output_fn):
    for name, p in model.named_parameters():
        put(f"{prefix}.{name}", p)
    put(f"{prefix}.input", x)
    x = x.clone().requires_grad_(True)
    model.train()
    logits = model(x)
    loss = loss_fn(logits)
    put(f"{prefix}.output", output_fn(logits))
    put(f"{prefix}.loss", loss.reshape(1))
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8)
    opt.zero_grad()
    loss.backward()
    put(f"{prefix}.grad.input", x.grad)
    for name, p in model.named_parameters():
        put(f"{prefix}.grad.{name}", p.grad)
    opt.step()
    for name, p in model.named_parameters():
        put(f"{prefix}.adam.{name}", p)


# --- unet --------------------------------------------------------------
unet = SmallUNet(1, 4, (4, 8, 16), skip=True, convt=True, bn=False)
xs = torch.rand(2, 1, 32, 32)
target = torch.randint(0, 4, (2, 32, 32))
target[torch.rand(2, 32, 32) < 0.3] = -1          # ~30 % unlabelled
put("unet.target", target.to(torch.float32))
run("unet", unet, xs, lambda lg: seg_loss(lg, target), 1e-3, lambda lg: lg)

# --- dip-like ----------------------------------------------------------
dip = SmallUNet(3, 1, (4, 8, 8), skip=False, convt=False, bn=True)
xd = torch.rand(1, 3, 16, 24) * 0.1
ref = torch.rand(1, 1, 16, 24)
put("dip.target", ref)
run("dip", dip, xd, lambda lg: F.mse_loss(torch.sigmoid(lg), ref), 1e-2, torch.sigmoid)

# --- write safetensors (F32, little-endian) -----------------------------
header, blobs, off = {}, [], 0
for name, t in out.items():
    b = t.numpy().astype("<f4").tobytes()
    header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
    blobs.append(b)
    off += len(b)
header["__metadata__"] = {"source": "tests/make-unet-fixture.py", "torch": torch.__version__}
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * ((8 - (8 + len(h)) % 8) % 8)
path = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/unet-small.safetensors"
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(h)))
    f.write(h)
    for b in blobs:
        f.write(b)
print(f"wrote {path}: {len(out)} tensors, {8 + len(h) + off} bytes")
