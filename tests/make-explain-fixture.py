#!/usr/bin/python3
"""Writes tests/fixtures/explain-small.safetensors: explanation maps of a small
UNet computed once with PyTorch (Debian's python3-torch), independently of the
engine, for tests/test-explain.c.

Network: depth 3, channels 4/8/16, 1 input channel, 3 classes, 2x2 transposed
convolutions, skips, no batch norm, no dropout; He-uniform weights and
biases U(-0.1, 0.1); module names as the engine's model files (enc.L.i,
up.J, dec.J.i, head).  Input: a smooth 32x32 image in [0, 1].  Target: the
sum of the logits of class CLS over its predicted region (argmax == CLS),
CLS the class predicted on the fewest (non-zero) pixels, stored as "class".

Maps (32x32):
  grad        dS/dx
  gradxinput  x * dS/dx
  guided      ReLU backward passes g where x > 0 and g > 0
  deconvnet   ReLU backward passes relu(g)
  gradcam0    Grad-CAM on the bottleneck (16 x 8 x 8), ReLU, bilinear
              (align_corners=False) to 32x32
  gradcam1    Grad-CAM on the last decoder block's output (4 x 32 x 32)
  ig          integrated gradients, baseline 0, 32 midpoint steps
  occlusion   patch 8, stride 4, fill 0; mean over covering patches of
              S(x) - S(occluded)
  lrp_eps     LRP-epsilon, eps = 1e-6 on every (transposed) convolution
usage: /usr/bin/python3 tests/make-explain-fixture.py [OUT]
"""
import json
import math
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(3)
torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)   # the reference in double, stored as float32
CHS, K, H = [4, 8, 16], 3, 32


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.ModuleList()
        c = 1
        for co in CHS:
            self.enc.append(nn.ModuleList([nn.Conv2d(c, co, 3, padding=1), nn.Conv2d(co, co, 3, padding=1)]))
            c = co
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        for lvl in range(len(CHS) - 2, -1, -1):
            cl = CHS[lvl]
            self.up.append(nn.ConvTranspose2d(CHS[lvl + 1], cl, 2, stride=2))
            self.dec.append(nn.ModuleList([nn.Conv2d(2 * cl, cl, 3, padding=1), nn.Conv2d(cl, cl, 3, padding=1)]))
        self.head = nn.Conv2d(CHS[0], K, 1)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                fan = m.in_channels * (m.kernel_size[0] ** 2 if isinstance(m, nn.Conv2d) else 1)
                b = math.sqrt(6.0 / fan)
                with torch.no_grad():
                    m.weight.uniform_(-b, b)
                    m.bias.uniform_(-0.1, 0.1)


class GuidedReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp_min(0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x > 0) * (g > 0)


class DeconvReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clamp_min(0)

    @staticmethod
    def backward(ctx, g):
        return g.clamp_min(0)


def conv(m, x, rule):
    z = m(x)
    if rule != "lrp_eps":
        return z
    r = z / (z + 1e-6 * torch.where(z >= 0, 1.0, -1.0))
    return z * r.detach() + (z * (1 - r)).detach()


def forward(net, x, rule="plain"):
    relu = {"guided": GuidedReLU.apply, "deconvnet": DeconvReLU.apply}.get(rule, F.relu)
    skips = []
    for i, (c1, c2) in enumerate(net.enc):
        if i:
            x = F.max_pool2d(x, 2)
        x = relu(conv(c2, relu(conv(c1, x, rule)), rule))
        skips.append(x)
    bott = x
    for j, (up, (c1, c2)) in enumerate(zip(net.up, net.dec)):
        x = torch.cat([conv(up, x, rule), skips[-2 - j]], 1)
        x = relu(conv(c2, relu(conv(c1, x, rule)), rule))
    return conv(net.head, x, rule), bott, x


net = Net()
yy, xx = torch.meshgrid(torch.arange(H), torch.arange(H), indexing="ij")
img = 0.5 + 0.25 * torch.sin(xx / 3.0) * torch.cos(yy / 4.0) + 0.2 * torch.rand(H, H)
x0 = img.clamp(0, 1)[None, None]
with torch.no_grad():
    am = forward(net, x0)[0].argmax(1)
counts = [int((am == k).sum()) for k in range(K)]
CLS = min((c, k) for k, c in enumerate(counts) if c > 0)[1]   # the smallest predicted class
M = (am == CLS).double()


def score(logits):
    return (logits[:, CLS] * M).sum(dim=(1, 2))


def grad_map(rule="plain", times_input=False, x=x0):
    x = x.clone().requires_grad_(True)
    score(forward(net, x, rule)[0]).sum().backward()
    return x.grad[0, 0] * (x[0, 0].detach() if times_input else 1)


def gradcam(level):
    logits, bott, feat = forward(net, x0)
    A = bott if level == 0 else feat
    A.retain_grad()
    score(logits).sum().backward()
    cam = F.relu((A.grad.mean(dim=(2, 3), keepdim=True) * A).sum(1, keepdim=True))
    return F.interpolate(cam, size=(H, H), mode="bilinear", align_corners=False)[0, 0]


def integrated_gradients(steps=32):
    acc = torch.zeros(H, H)
    for k in range(steps):
        acc += grad_map(x=x0 * ((k + 0.5) / steps))
    return x0[0, 0] * acc / steps


@torch.no_grad()
def occlusion(patch=8, stride=4):
    base = score(forward(net, x0)[0]).item()
    heat, cnt = torch.zeros(H, H), torch.zeros(H, H)
    for i in range(0, H - patch + 1, stride):
        for j in range(0, H - patch + 1, stride):
            xb = x0.clone()
            xb[0, 0, i:i + patch, j:j + patch] = 0
            heat[i:i + patch, j:j + patch] += base - score(forward(net, xb)[0]).item()
            cnt[i:i + patch, j:j + patch] += 1
    return heat / cnt.clamp_min(1)


out = {"input": x0[0], "region": M[0], "class": torch.tensor([float(CLS)])}
for name, m in net.named_parameters():
    out["net." + name] = m.detach()
out["map.grad"] = grad_map()
out["map.gradxinput"] = grad_map(times_input=True)
out["map.guided"] = grad_map("guided")
out["map.deconvnet"] = grad_map("deconvnet")
out["map.gradcam0"] = gradcam(0)
out["map.gradcam1"] = gradcam(1)
out["map.ig"] = integrated_gradients()
out["map.occlusion"] = occlusion()
out["map.lrp_eps"] = grad_map("lrp_eps", times_input=True)
with torch.no_grad():
    out["score"] = score(forward(net, x0)[0])

header, blobs, off = {}, [], 0
for name, t in out.items():
    b = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
    header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
    blobs.append(b)
    off += len(b)
header["__metadata__"] = {"source": "tests/make-explain-fixture.py", "torch": torch.__version__}
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * ((8 - (8 + len(h)) % 8) % 8)
path = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/explain-small.safetensors"
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(h)))
    f.write(h)
    for b in blobs:
        f.write(b)
print(f"wrote {path}: {len(out)} tensors, {8 + len(h) + off} bytes; class {CLS}, region {int(M.sum())} px, "
      f"score {out['score'].item():.6g}")
