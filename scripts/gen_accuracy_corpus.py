#!/usr/bin/python3
"""Generate the ONNX half of the accuracy corpus in test/accuracy/ (see test/accuracy/README.md).

Run with the Debian Python that has torch 1.13, onnx 1.12 and numpy, after `npm ci` (the script
runs onnxruntime-node from node_modules):

    /usr/bin/python3 scripts/gen_accuracy_corpus.py

It writes the models to test/accuracy/models/ (PyTorch exports and graphs built with
onnx.helper) and rewrites the ONNX cases of test/accuracy/manifest.json, keeping the Keras cases
(written by scripts/gen_accuracy_keras.mjs) and the `knownFailures` list.

The labels come from running the frameworks, never from shapelint:
- every case is run by onnxruntime (graph optimizations off: the file as written) and, for
  PyTorch exports, by PyTorch at the case's input size; the two must agree unless the model
  states why its exported graph differs (then onnxruntime, which runs the file, is the truth);
- a run that fails at a merge node (onnxruntime names it) expects `merge-shape-mismatch` there;
- a run whose reconstruction / dense-prediction output has another spatial size than the input
  (or than the `--expect-output` target) expects `decoder-output-mismatch` on the layer that was
  deliberately broken (the model's `mutated` record; the script checks that restoring that layer
  alone restores the size) or, for a model broken by the input size alone, on the one transposed
  convolution whose output_padding change alone restores it (searched; it must be unique); for
  a hand-built graph, on the node of the builder variant the case names as its fix (run too);
- a symbolic case (`--input-shape x=1,1,H,W`) is run at every square size 8..96; it expects a
  finding iff some size fails or mis-reconstructs, labelled as above at the smallest such size.
The script is deterministic (fixed seeds and names, single-threaded).
"""
import copy
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACC = os.path.join(ROOT, "test", "accuracy")
MODELS_DIR = os.path.join(ACC, "models")
MANIFEST = os.path.join(ACC, "manifest.json")
ONNX_SOURCES = ("pytorch", "onnx-helper")
DEC = "decoder-output-mismatch"
MERGE = "merge-shape-mismatch"
MERGE_OPS = {"Concat", "Add", "Sub", "Mul", "Div", "Sum", "Max", "Min", "Mean", "Where", "Pow"}
SCAN = list(range(8, 97))
# PyTorch's messages for merges whose inputs disagree (torch.cat; broadcasting ops).
TORCH_MERGE_ERROR = re.compile(r"Sizes of tensors must match|must match the size of tensor")

warnings.filterwarnings("ignore")
torch.set_num_threads(1)


# =============================================================================================
# PyTorch models. Channel counts are tiny: only the shapes matter.


def block(cin, cout):
    """3x3 "same" conv + ReLU (shape-preserving)."""
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU())


class UNet(nn.Module):
    """U-Net with `levels` down steps and, per level (innermost first), an up mode:

    convt2      ConvTranspose2d(k2, s2), concatenated as is (2*floor(h/2) comes back)
    convt3      ConvTranspose2d(k3, s2, p1, output_padding=ops[level]) (2*h - 1 + op)
    upsample    nn.Upsample(scale_factor=2) then a 1x1 conv (Resize with constant scales)
    interp      F.interpolate(x, size=skip.shape[2:]) then a 1x1 conv (Resize with computed sizes)
    bilinear    the same with mode='bilinear'
    pad         ConvTranspose2d(k2, s2) then F.pad to the skip size (milesial/Pytorch-UNet)
    pad_h       the same, but only the height is padded (the width difference is forgotten)
    crop_skip   ConvTranspose2d(k2, s2) then the skip centre-cropped to the up size (dynamic Slice)
    crop_up     convt3 then the up map centre-cropped to the skip size (dynamic Slice)
    crop_up_tv  the same with a torchvision-style crop (python ints: traced as constants)

    down: 'pool' MaxPool2d(2) (floor) or 'conv' Conv2d(k3, s2, p1) (ceil).
    Modules: downs.i.0 is level i's down op, ups.j level j's upsampler (j = 0 innermost)."""

    def __init__(self, levels, down, up, ops=None, ch=2):
        super().__init__()
        self.modes = up
        chans = [ch * 2 ** min(i, 2) for i in range(levels + 1)]
        self.inc = block(1, chans[0])
        downs = []
        for i in range(levels):
            d = nn.MaxPool2d(2) if down == "pool" else nn.Conv2d(chans[i], chans[i], 3, stride=2, padding=1)
            downs.append(nn.Sequential(d, block(chans[i], chans[i + 1])))
        self.downs = nn.ModuleList(downs)
        ups, convs = [], []
        for j in range(levels):
            cin, cout = chans[levels - j], chans[levels - j - 1]
            m = up[j]
            if m in ("convt2", "pad", "pad_h", "crop_skip"):
                ups.append(nn.ConvTranspose2d(cin, cout, 2, stride=2))
            elif m in ("convt3", "crop_up", "crop_up_tv"):
                ups.append(nn.ConvTranspose2d(cin, cout, 3, stride=2, padding=1, output_padding=(ops or [1] * levels)[j]))
            elif m == "upsample":
                ups.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cin, cout, 1)))
            else:
                ups.append(nn.Conv2d(cin, cout, 1))
            convs.append(block(2 * cout, cout))
        self.ups = nn.ModuleList(ups)
        self.convs = nn.ModuleList(convs)
        self.outc = nn.Conv2d(chans[0], 1, 1)

    def _up(self, j, h, skip):
        m, layer = self.modes[j], self.ups[j]
        if m in ("convt2", "convt3", "upsample"):
            return layer(h), skip
        if m == "interp":
            return layer(F.interpolate(h, size=skip.shape[2:], mode="nearest")), skip
        if m == "bilinear":
            return layer(F.interpolate(h, size=skip.shape[2:], mode="bilinear", align_corners=False)), skip
        u = layer(h)
        if m in ("pad", "pad_h"):
            dy = skip.size(2) - u.size(2)
            dx = 0 if m == "pad_h" else skip.size(3) - u.size(3)
            return F.pad(u, [dx // 2, dx - dx // 2, dy // 2, dy - dy // 2]), skip
        if m == "crop_skip":
            dy = (skip.size(2) - u.size(2)) // 2
            dx = (skip.size(3) - u.size(3)) // 2
            return u, skip[:, :, dy:dy + u.size(2), dx:dx + u.size(3)]
        if m == "crop_up":
            dy = (u.size(2) - skip.size(2)) // 2
            dx = (u.size(3) - skip.size(3)) // 2
            return u[:, :, dy:dy + skip.size(2), dx:dx + skip.size(3)], skip
        # crop_up_tv: torchvision.transforms.functional.center_crop computes the offsets with
        # int(round(...)) in Python, which the tracer records as constants.
        th, tw = int(skip.shape[2]), int(skip.shape[3])
        top, left = int(round((int(u.shape[2]) - th) / 2.0)), int(round((int(u.shape[3]) - tw) / 2.0))
        return u[:, :, top:top + th, left:left + tw], skip

    def forward(self, x):
        h = self.inc(x)
        skips = []
        for d in self.downs:
            skips.append(h)
            h = d(h)
        for j, c in enumerate(self.convs):
            u, skip = self._up(j, h, skips[-1 - j])
            h = c(torch.cat([skip, u], dim=1))
        return self.outc(h)


class ConvAE(nn.Module):
    """Autoencoder without skips: `levels` strided convs Conv{1,2,3}d(ek, s2, ep), then as many
    ConvTranspose{1,2,3}d(dk, s2, dp, output_padding=ops[i]) (dec.0 mirrors the last conv)."""

    def __init__(self, dim=2, ch=(4, 8, 8), ek=3, ep=1, dk=3, dp=1, ops=(0, 1, 1)):
        super().__init__()
        conv = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[dim - 1]
        convt = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)[dim - 1]
        enc, cin = [], 1
        for c in ch:
            enc += [conv(cin, c, ek, stride=2, padding=ep), nn.ReLU()]
            cin = c
        self.enc = nn.Sequential(*enc)
        dec = []
        outs = list(reversed(ch))[1:] + [1]
        for i, c in enumerate(outs):
            dec += [convt(cin, c, dk, stride=2, padding=dp, output_padding=ops[i]),
                    nn.ReLU() if i < len(outs) - 1 else nn.Sigmoid()]
            cin = c
        self.dec = nn.Sequential(*dec)

    def forward(self, x):
        return self.dec(self.enc(x))


class ValidAE(nn.Module):
    """MNIST autoencoder with VALID convolutions and max pooling:
    28 -conv3-> 26 -pool-> 13 -conv3-> 11 -pool-> 5 | ConvT(k3,s2) 11 -> ConvT(k3) 13 ->
    ConvT(k2,s2) 26 -> ConvT(k3) 28."""

    def __init__(self, op0=0):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(4, 8, 3), nn.ReLU(), nn.MaxPool2d(2))
        self.dec = nn.Sequential(nn.ConvTranspose2d(8, 8, 3, stride=2, output_padding=op0), nn.ReLU(),
                                 nn.ConvTranspose2d(8, 4, 3), nn.ReLU(),
                                 nn.ConvTranspose2d(4, 4, 2, stride=2), nn.ReLU(),
                                 nn.ConvTranspose2d(4, 1, 3), nn.Sigmoid())

    def forward(self, x):
        return self.dec(self.enc(x))


class AEHybrid(nn.Module):
    """Two stride-2 convs (ceil); the inner decoder level resizes to the encoder size
    (F.interpolate(size=h1.shape[2:])), the outer one is ConvTranspose2d(k3, s2, p1,
    output_padding=1) (2*ceil(H/2)); outer='crop' then crops the result to x's size (dynamic
    Slice), outer='interp' resizes to x's size instead of the transposed conv."""

    def __init__(self, outer):
        super().__init__()
        self.outer = outer
        self.enc1 = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU())
        self.enc2 = nn.Sequential(nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.ReLU())
        self.dec_inner = nn.Conv2d(8, 4, 1)
        if outer == "interp":
            self.dec_outer = nn.Conv2d(4, 1, 1)
        else:
            self.dec_outer = nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1, output_padding=1)

    def forward(self, x):
        h1 = self.enc1(x)
        h2 = self.enc2(h1)
        d = F.relu(self.dec_inner(F.interpolate(h2, size=h1.shape[2:], mode="nearest")))
        if self.outer == "interp":
            return torch.sigmoid(self.dec_outer(F.interpolate(d, size=x.shape[2:], mode="nearest")))
        y = self.dec_outer(d)
        if self.outer == "crop":
            y = y[:, :, :x.size(2), :x.size(3)]
        return torch.sigmoid(y)


class AERefine(nn.Module):
    """ae_mnist (output_padding 0, 1, 1) with a 3x3 refinement conv after each transposed conv
    (refine.i, padding pads[i]; 'same' with padding 1)."""

    def __init__(self, pads=(1, 1, 1)):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU(),
                                 nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.ReLU(),
                                 nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.ReLU())
        self.up = nn.ModuleList([nn.ConvTranspose2d(8, 8, 3, stride=2, padding=1, output_padding=0),
                                 nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1),
                                 nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1)])
        self.refine = nn.ModuleList([nn.Conv2d(8, 8, 3, padding=pads[0]), nn.Conv2d(4, 4, 3, padding=pads[1]),
                                     nn.Conv2d(4, 1, 3, padding=pads[2])])

    def forward(self, x):
        h = self.enc(x)
        for u, r in zip(self.up, self.refine):
            h = F.relu(r(u(h)))
        return torch.sigmoid(h)


class Block(nn.Module):
    """ResNet basic block; shortcut for stride 2: 'conv' Conv2d(k1, s2) (ceil(h/2)), 'avg_ceil'
    AvgPool2d(2, ceil_mode=True, count_include_pad=False) + 1x1 conv (ResNet-D; ceil(h/2)),
    'avg_floor' AvgPool2d(2) + 1x1 conv (floor(h/2): breaks the Add at odd sizes)."""

    def __init__(self, cin, cout, stride, shortcut):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            if shortcut == "conv":
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
            else:
                pool = nn.AvgPool2d(2, stride=2, ceil_mode=(shortcut == "avg_ceil"), count_include_pad=False)
                self.downsample = nn.Sequential(pool, nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        idt = x if self.downsample is None else self.downsample(x)
        return F.relu(out + idt)


class ResNet(nn.Module):
    """Stem, an identity block, two stride-2 blocks, global pool, linear head (features, logits)."""

    def __init__(self, shortcut):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU())
        self.layer1 = Block(4, 4, 1, shortcut)
        self.layer2 = Block(4, 8, 2, shortcut)
        self.layer3 = Block(8, 8, 2, shortcut)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        f = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return f, self.fc(torch.flatten(self.pool(f), 1))


class PixelShuffleAE(nn.Module):
    """Encoder: two Conv2d(k3, s2, p1) (ceil). Decoder: two (Conv2d(k3, p=pads[i]) to 4x the
    channels, PixelShuffle(2)) steps: 4*ceil(H/4) for 'same' pads."""

    def __init__(self, pads=(1, 1)):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU(),
                                 nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.ReLU())
        self.dec = nn.Sequential(nn.Conv2d(8, 16, 3, padding=pads[0]), nn.PixelShuffle(2), nn.ReLU(),
                                 nn.Conv2d(4, 4, 3, padding=pads[1]), nn.PixelShuffle(2), nn.Sigmoid())

    def forward(self, x):
        return self.dec(self.enc(x))


class SuperRes(nn.Module):
    """Super-resolution (upsampling only, output 2H x 2W): 'espcn' conv + PixelShuffle(2),
    'fsrcnn' ConvTranspose2d(k9, s2, p4, output_padding=1), 'upsample' nn.Upsample(x2) + conv."""

    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        self.feat = nn.Sequential(nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.Conv2d(8, 4, 3, padding=1), nn.ReLU())
        if kind == "espcn":
            self.up = nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.PixelShuffle(2))
        elif kind == "fsrcnn":
            self.up = nn.ConvTranspose2d(4, 1, 9, stride=2, padding=4, output_padding=1)
        else:
            self.up = nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False), nn.Conv2d(4, 1, 3, padding=1))

    def forward(self, x):
        return self.up(self.feat(x))


class FCN(nn.Module):
    """Segmentation head at 1/4 resolution: three Conv2d(k3, s2, p1) (ceil each), one
    ConvTranspose2d(k4, s2, p1) from 1/8 to 1/4. skip=None: that is the output; 'add': added to
    a 1x1 score of the 1/4 encoder map (FCN-16s style; 2*ceil(H/8) vs ceil(H/4)); 'crop': the
    up map is cropped to the 1/4 map's size first (FCN's crop layer)."""

    def __init__(self, skip=None):
        super().__init__()
        self.skip = skip
        self.c1 = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU())
        self.c2 = nn.Sequential(nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.ReLU())
        self.c3 = nn.Sequential(nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.ReLU())
        self.up = nn.ConvTranspose2d(8, 3, 4, stride=2, padding=1)
        self.score = nn.Conv2d(8, 3, 1)

    def forward(self, x):
        f2 = self.c2(self.c1(x))
        u = self.up(self.c3(f2))
        if self.skip is None:
            return u
        if self.skip == "crop":
            u = u[:, :, :f2.size(2), :f2.size(3)]
        return u + self.score(f2)


class VAEDecoder(nn.Module):
    """Linear(8 -> 8*7*7), view(N, 8, 7, 7), ConvTranspose2d(k4, s2, p1) 7 -> 14, then
    ConvTranspose2d(k3, s2, p1, output_padding=op) 14 -> 27 + op (MNIST needs 28: op=1)."""

    def __init__(self, op):
        super().__init__()
        self.fc = nn.Linear(8, 8 * 7 * 7)
        self.dec = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1), nn.ReLU(),
                                 nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1, output_padding=op), nn.Sigmoid())

    def forward(self, z):
        h = self.fc(z)
        return self.dec(h.view(h.size(0), 8, 7, 7))


class Generator(nn.Module):
    """Generators from a latent (N, 16, 1, 1). 'mnist': ConvT(k7, s1, p0) 1 -> 7, then two
    ConvT(k3, s2, p1, output_padding=ops[i]) (main.3, main.6): 7 -> 14 -> 28 with ops (1, 1).
    'dcgan32': ConvT(k4, s1, p0) 1 -> 4, three ConvT(k4, s2, p1): 8 -> 16 -> 32."""

    def __init__(self, kind, ops=(1, 1)):
        super().__init__()
        if kind == "mnist":
            self.main = nn.Sequential(
                nn.ConvTranspose2d(16, 4, 7, 1, 0, bias=False), nn.BatchNorm2d(4), nn.ReLU(True),
                nn.ConvTranspose2d(4, 2, 3, 2, 1, output_padding=ops[0], bias=False), nn.BatchNorm2d(2), nn.ReLU(True),
                nn.ConvTranspose2d(2, 1, 3, 2, 1, output_padding=ops[1], bias=False), nn.Tanh())
        else:
            self.main = nn.Sequential(
                nn.ConvTranspose2d(16, 8, 4, 1, 0, bias=False), nn.BatchNorm2d(8), nn.ReLU(True),
                nn.ConvTranspose2d(8, 4, 4, 2, 1, bias=False), nn.BatchNorm2d(4), nn.ReLU(True),
                nn.ConvTranspose2d(4, 2, 4, 2, 1, bias=False), nn.BatchNorm2d(2), nn.ReLU(True),
                nn.ConvTranspose2d(2, 1, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z)


# =============================================================================================
# What to export. `input`: (name, template) where str dims are dynamic axes (exported as such)
# and are filled by a case's `size`. `kind`: 'recon' (the outputs must have the input's spatial
# size: autoencoders, segmentation U-Nets), 'gen' (only a stated target counts), 'other'
# (classifiers, 1/4-resolution heads, super-resolution: no size expectation). `mutated`:
# (module, op type, {attr: correct value}) when the model is a correct one with that one layer
# broken. `graph_differs`: why the exported graph computes other sizes than the module.

X2 = ("x", [1, 1, "H", "W"])
Z8 = ("z", ["N", 8])
Z16 = ("z", ["N", 16, 1, 1])

TORCH_MODELS = [
    # --- U-Nets
    dict(name="unet2_convt", make=lambda: UNet(2, "pool", ["convt2", "convt2"]), opset=13, input=X2, kind="recon",
         about="2-level U-Net, MaxPool2d(2) down, ConvTranspose2d(k2, s2) up, torch.cat skips (runs iff H, W are multiples of 4)"),
    dict(name="unet3_convt3", make=lambda: UNet(3, "conv", ["convt3"] * 3, ops=[0, 1, 1]), opset=17, input=X2, kind="recon", export=(28, 28),
         about="3-level U-Net, Conv2d(k3, s2, p1) down (ceil), ConvTranspose2d(k3, s2, p1) up with output_padding (0, 1, 1) innermost first: right for 28 (28-14-7-4) and 20 (20-10-5-3)"),
    dict(name="unet3_convt3_op111", make=lambda: UNet(3, "conv", ["convt3"] * 3, ops=[1, 1, 1]), opset=13, input=X2, kind="recon",
         mutated=("ups.0", "ConvTranspose", {"output_padding": (0, 0)}),
         about="unet3_convt3 with the innermost up layer's output_padding broken (1 instead of 0): 4 -> 8 meets the 7-wide skip at 28x28"),
    dict(name="unet4_convt", make=lambda: UNet(4, "pool", ["convt2"] * 4), opset=11, input=X2, kind="recon",
         about="4-level U-Net, MaxPool2d(2) down, ConvTranspose2d(k2, s2) up (runs iff H, W are multiples of 16), opset 11"),
    dict(name="unet2_upsample", make=lambda: UNet(2, "pool", ["upsample", "upsample"]), opset=13, input=X2, kind="recon",
         about="2-level U-Net with nn.Upsample(scale_factor=2) + 1x1 conv up steps (Resize with constant scales)"),
    dict(name="unet3_pad", make=lambda: UNet(3, "pool", ["pad"] * 3), opset=17, input=X2, kind="recon",
         about="3-level U-Net, ConvTranspose2d(k2, s2) then F.pad to the skip size at every level (milesial's fix): clean for every size"),
    dict(name="unet2_pad_h", make=lambda: UNet(2, "pool", ["pad", "pad_h"]), opset=13, input=X2, kind="recon",
         about="2-level U-Net with F.pad to the skip size, but the outer level pads only the height (diffX forgotten): fails at odd widths"),
    dict(name="unet3_interp", make=lambda: UNet(3, "pool", ["interp"] * 3), opset=13, input=X2, kind="recon",
         about="3-level U-Net, F.interpolate(x, size=skip.shape[2:]) + 1x1 conv up steps (Resize with sizes from Shape): clean for every size"),
    dict(name="unet4_bilinear", make=lambda: UNet(4, "pool", ["bilinear"] * 4), opset=17, input=X2, kind="recon",
         about="4-level U-Net, bilinear F.interpolate to the skip size: clean for every size"),
    dict(name="unet2_interp_op11", make=lambda: UNet(2, "pool", ["interp", "interp"]), opset=11, input=X2, kind="recon",
         about="2-level interpolate-to-skip U-Net exported at opset 11"),
    dict(name="unet2_crop_skip", make=lambda: UNet(2, "pool", ["crop_skip", "crop_skip"]), opset=13, input=X2, kind="recon",
         about="2-level U-Net, ConvTranspose2d(k2, s2) up, skip centre-cropped to the up size (dynamic Slice): always runs, but returns 4*floor(H/4)-ish sizes when H is not a multiple of 4"),
    dict(name="unet3_crop_up", make=lambda: UNet(3, "conv", ["crop_up"] * 3), opset=17, input=X2, kind="recon",
         about="3-level U-Net, Conv2d(k3, s2, p1) down, ConvTranspose2d(k3, s2, p1, output_padding=1) up (2*ceil), up map centre-cropped to the skip size (dynamic Slice): clean for every size"),
    dict(name="unet2_crop_tv", make=lambda: UNet(2, "conv", ["crop_up_tv", "crop_up_tv"]), opset=13, input=X2, kind="recon",
         export=(33, 33),
         graph_differs="the torchvision-style centre crop computes its offsets and sizes with Python int(): the trace records them as constants of the 33x33 export, so the exported Slices always cut 9x9 and 17x17 while PyTorch adapts",
         about="unet3_crop_up's 2-level sibling with a torchvision-style centre crop (int(round(...))) exported at 33x33: right at 33x33, fails at other sizes in onnxruntime"),
    # --- autoencoders
    dict(name="ae_mnist", make=lambda: ConvAE(2, ops=(0, 1, 1)), opset=13, input=("x", [1, 1, 28, 28]), kind="recon",
         about="MNIST conv autoencoder, fixed 28x28 input: Conv2d(k3, s2, p1) x3 (28-14-7-4), ConvTranspose2d(k3, s2, p1) with output_padding (0, 1, 1): 4-7-14-28"),
    dict(name="ae_mnist_dec0", make=lambda: ConvAE(2, ops=(1, 1, 1)), opset=13, input=("x", [1, 1, 28, 28]), kind="recon",
         mutated=("dec.0", "ConvTranspose", {"output_padding": (0, 0)}),
         about="ae_mnist with dec.0 output_padding 1 (the classic bug: 4-8-16-32)"),
    dict(name="ae_mnist_dec2", make=lambda: ConvAE(2, ops=(0, 0, 1)), opset=11, input=("x", [1, 1, 28, 28]), kind="recon",
         mutated=("dec.2", "ConvTranspose", {"output_padding": (1, 1)}),
         about="ae_mnist with dec.2 output_padding 0: 4-7-13-26"),
    dict(name="ae_mnist_dec4", make=lambda: ConvAE(2, ops=(0, 1, 0)), opset=17, input=("x", [1, 1, 28, 28]), kind="recon",
         mutated=("dec.4", "ConvTranspose", {"output_padding": (1, 1)}),
         about="ae_mnist with dec.4 (the last layer) output_padding 0: 4-7-14-27"),
    dict(name="ae_dyn", make=lambda: ConvAE(2, ops=(0, 1, 1)), opset=17, input=X2, kind="recon",
         about="ae_mnist exported with dynamic H, W: right for 28 and 20, wrong for 24 (24-12-6-3 | 5) and for many other sizes"),
    dict(name="ae_valid", make=lambda: ValidAE(0), opset=13, input=("x", [1, 1, 28, 28]), kind="recon",
         about="VALID-padding MNIST autoencoder with max pooling (28-26-13-11-5 | 11-13-26-28)"),
    dict(name="ae_valid_dec0", make=lambda: ValidAE(1), opset=13, input=("x", [1, 1, 28, 28]), kind="recon",
         mutated=("dec.0", "ConvTranspose", {"output_padding": (0, 0)}),
         about="ae_valid with dec.0 output_padding 1: 5-12-14-28-30"),
    dict(name="ae_k4", make=lambda: ConvAE(2, ek=4, dk=4, ops=(1, 0, 0)), opset=13, input=("x", [1, 1, 28, 28]), kind="recon",
         about="DCGAN-style same-ish padding autoencoder: Conv2d(k4, s2, p1) (28-14-7-3), ConvTranspose2d(k4, s2, p1) output_padding (1, 0, 0): 3-7-14-28"),
    dict(name="ae_k4_dec0", make=lambda: ConvAE(2, ek=4, dk=4, ops=(0, 0, 0)), opset=13, input=("x", [1, 1, 28, 28]), kind="recon",
         mutated=("dec.0", "ConvTranspose", {"output_padding": (1, 1)}),
         about="ae_k4 with dec.0 output_padding 0: 3-6-12-24"),
    dict(name="ae_1d", make=lambda: ConvAE(1, ek=5, ep=2, dk=5, dp=2, ops=(0, 1, 1)), opset=13, input=("x", [1, 1, "L"]), kind="recon",
         about="1-D audio autoencoder: Conv1d(k5, s2, p2) x3 (100-50-25-13), ConvTranspose1d(k5, s2, p2) output_padding (0, 1, 1): 13-25-50-100"),
    dict(name="ae_1d_dec2", make=lambda: ConvAE(1, ek=5, ep=2, dk=5, dp=2, ops=(0, 0, 1)), opset=17, input=("x", [1, 1, "L"]), kind="recon",
         mutated=("dec.2", "ConvTranspose", {"output_padding": (1,)}),
         about="ae_1d with dec.2 output_padding 0: 13-25-49-98"),
    dict(name="ae_3d", make=lambda: ConvAE(3, ch=(2, 4), ops=((1, 1, 1), (1, 1, 1))), opset=13, input=("x", [1, 1, "D", "H", "W"]), kind="recon",
         about="3-D volume autoencoder: Conv3d(k3, s2, p1) x2, ConvTranspose3d(k3, s2, p1, output_padding 1) x2: 12x20x20 -> 6x10x10 -> 3x5x5 -> back"),
    dict(name="ae_3d_dec2", make=lambda: ConvAE(3, ch=(2, 4), ops=((1, 1, 1), (0, 1, 1))), opset=17, input=("x", [1, 1, "D", "H", "W"]), kind="recon",
         mutated=("dec.2", "ConvTranspose", {"output_padding": (1, 1, 1)}),
         about="ae_3d with dec.2 output_padding (0, 1, 1): depth 3-6-11 instead of 12"),
    dict(name="ae_refine", make=lambda: AERefine((1, 1, 1)), opset=13, input=X2, kind="recon",
         about="MNIST autoencoder whose decoder has a 3x3 'same' refinement conv after each ConvTranspose2d (output_padding 0, 1, 1)"),
    dict(name="ae_refine_pad", make=lambda: AERefine((1, 0, 1)), opset=13, input=X2, kind="recon",
         mutated=("refine.1", "Conv", {"padding": (1, 1)}),
         about="ae_refine with the middle refinement conv's padding broken (0 instead of 1): 4-7-14-12-24 at 28"),
    dict(name="ae_hybrid_convt", make=lambda: AEHybrid("convt"), opset=13, input=X2, kind="recon",
         about="autoencoder whose inner level resizes to the encoder size and whose outer level is ConvTranspose2d(k3, s2, p1, output_padding=1): 2*ceil(H/2), wrong for odd sizes"),
    dict(name="ae_hybrid_crop", make=lambda: AEHybrid("crop"), opset=17, input=X2, kind="recon",
         about="ae_hybrid_convt with the output cropped to x's size (y[:, :, :H, :W], dynamic Slice): clean for every size"),
    dict(name="ae_hybrid_interp", make=lambda: AEHybrid("interp"), opset=11, input=X2, kind="recon",
         about="autoencoder resizing to the encoder sizes at both levels (F.interpolate(size=...)): clean for every size"),
    # --- ResNet shortcuts
    dict(name="resnet_conv", make=lambda: ResNet("conv"), opset=13, input=X2, kind="other", outputs=["features", "logits"],
         about="ResNet basic blocks with Conv2d(k1, s2) downsample shortcuts: ceil(H/2) on both paths, clean for every size"),
    dict(name="resnet_avg_ceil", make=lambda: ResNet("avg_ceil"), opset=17, input=X2, kind="other", outputs=["features", "logits"],
         about="ResNet-D shortcuts: AvgPool2d(2, ceil_mode=True, count_include_pad=False) + 1x1 conv: ceil(H/2), clean for every size"),
    dict(name="resnet_avg_floor", make=lambda: ResNet("avg_floor"), opset=13, input=X2, kind="other", outputs=["features", "logits"],
         about="ResNet-D shortcuts with AvgPool2d(2) (ceil_mode=False): floor(H/2) against the main path's ceil(H/2), the Add fails at odd sizes"),
    # --- PixelShuffle / super-resolution / FCN
    dict(name="ps_ae", make=lambda: PixelShuffleAE((1, 1)), opset=13, input=X2, kind="recon",
         about="autoencoder with a PixelShuffle (DepthToSpace) decoder: 4*ceil(H/4) comes back"),
    dict(name="ps_ae_pad", make=lambda: PixelShuffleAE((1, 0)), opset=13, input=X2, kind="recon",
         mutated=("dec.3", "Conv", {"padding": (1, 1)}),
         about="ps_ae with the second decoder conv's padding broken (0 instead of 1): 7-14-12-24 at 28"),
    dict(name="sr_espcn", make=lambda: SuperRes("espcn"), opset=13, input=X2, kind="other",
         about="ESPCN-style super-resolution: convs then PixelShuffle(2), output 2H x 2W"),
    dict(name="sr_fsrcnn", make=lambda: SuperRes("fsrcnn"), opset=17, input=X2, kind="other",
         about="FSRCNN-style super-resolution: ConvTranspose2d(k9, s2, p4, output_padding=1), output 2H x 2W"),
    dict(name="sr_upsample", make=lambda: SuperRes("upsample"), opset=11, input=X2, kind="other",
         about="super-resolution by nn.Upsample(scale_factor=2, bilinear) + conv, output 2H x 2W"),
    dict(name="fcn4", make=lambda: FCN(None), opset=13, input=X2, kind="other",
         about="FCN head: three Conv2d(k3, s2, p1) and one ConvTranspose2d(k4, s2, p1): output at 1/4 resolution (2*ceil(H/8)); not a reconstruction"),
    dict(name="fcn_skip", make=lambda: FCN("add"), opset=13, input=X2, kind="other",
         about="FCN-16s style: the up map (2*ceil(H/8)) added to the 1/4 map's score (ceil(H/4)): the Add fails when ceil(H/4) is odd"),
    dict(name="fcn_skip_crop", make=lambda: FCN("crop"), opset=17, input=X2, kind="other",
         about="fcn_skip with FCN's crop: the up map sliced to the 1/4 map's size before the Add (dynamic Slice): clean for every size"),
    # --- generators
    dict(name="vae_dec", make=lambda: VAEDecoder(1), opset=13, input=Z8, kind="gen",
         about="VAE decoder for MNIST: Linear, view(N, 8, 7, 7), ConvTranspose2d(k4, s2, p1) 7-14, ConvTranspose2d(k3, s2, p1, output_padding=1) 14-28"),
    dict(name="vae_dec_op0", make=lambda: VAEDecoder(0), opset=11, input=Z8, kind="gen",
         mutated=("dec.3", "ConvTranspose", {"output_padding": (1, 1)}),
         about="vae_dec with the last layer's output_padding 0: 7-14-27"),
    dict(name="gen_mnist", make=lambda: Generator("mnist", (1, 1)), opset=13, input=Z16, kind="gen",
         about="generator for 28x28: ConvT(k7, s1) 1-7, ConvT(k3, s2, p1, output_padding=1) x2: 7-14-28"),
    dict(name="gen_mnist_main6", make=lambda: Generator("mnist", (1, 0)), opset=17, input=Z16, kind="gen",
         mutated=("main.6", "ConvTranspose", {"output_padding": (1, 1)}),
         about="gen_mnist with main.6 output_padding 0: 7-14-27"),
    dict(name="gen_mnist_main3", make=lambda: Generator("mnist", (0, 1)), opset=13, input=Z16, kind="gen",
         mutated=("main.3", "ConvTranspose", {"output_padding": (1, 1)}),
         about="gen_mnist with main.3 output_padding 0: 7-13-26"),
    dict(name="gen_dcgan32", make=lambda: Generator("dcgan32"), opset=11, input=Z16, kind="gen",
         about="DCGAN generator for 32x32: ConvT(k4, s1) 1-4, ConvT(k4, s2, p1) x3: 8-16-32"),
]


# =============================================================================================
# Graphs built with onnx.helper. Each builder takes keyword variants (a fix is a variant).


class GraphBuilder:
    def __init__(self, seed):
        self.nodes, self.inits = [], []
        self.rng = np.random.RandomState(seed)

    def init(self, name, arr):
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def weight(self, name, shape):
        return self.init(name, (self.rng.standard_normal(shape) * 0.1).astype(np.float32))

    def node(self, op, name, inputs, n_out=1, **attrs):
        outs = [f"{name}_out"] if n_out == 1 else [f"{name}_out{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, **{k: v for k, v in attrs.items() if v is not None}))
        return outs[0] if n_out == 1 else outs

    def conv(self, name, x, cin, cout, k, s=1, pads=None, auto_pad=None, dim=2):
        w = self.weight(f"{name}.weight", [cout, cin] + [k] * dim)
        return self.node("Conv", name, [x, w], kernel_shape=[k] * dim, strides=[s] * dim, pads=pads, auto_pad=auto_pad)

    def convt(self, name, x, cin, cout, k, s, pads=None, auto_pad=None, output_padding=None, output_shape=None, dim=2):
        w = self.weight(f"{name}.weight", [cin, cout] + [k] * dim)
        return self.node("ConvTranspose", name, [x, w], kernel_shape=[k] * dim, strides=[s] * dim, pads=pads,
                         auto_pad=auto_pad, output_padding=output_padding, output_shape=output_shape)

    def model(self, opset, inputs, outputs):
        def vi(name, dims):
            return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)
        # Outputs: declared with their rank only (every dim unknown).
        rank = len(inputs[0][1])
        graph = helper.make_graph(self.nodes, "g", [vi(n, d) for n, d in inputs], [vi(n, [None] * rank) for n in outputs], self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="gen_accuracy_corpus")
        m.ir_version = 7 if opset <= 15 else 8
        onnx.checker.check_model(m)
        return m


def h_ae_same_upper(inner_shape=None, dims=("H", "W")):
    """Conv(k3, s2, SAME_UPPER) x3 (enc1..enc3, ceil), ConvTranspose(k3, s2, SAME_UPPER) x3
    (dec1..dec3, n*2). inner_shape: dec1's explicit output_shape instead of SAME_UPPER."""
    g = GraphBuilder(1)
    h = g.conv("enc1", "x", 1, 4, 3, 2, auto_pad="SAME_UPPER")
    h = g.conv("enc2", g.node("Relu", "enc1_relu", [h]), 4, 8, 3, 2, auto_pad="SAME_UPPER")
    h = g.conv("enc3", g.node("Relu", "enc2_relu", [h]), 8, 8, 3, 2, auto_pad="SAME_UPPER")
    h = g.node("Relu", "enc3_relu", [h])
    if inner_shape is None:
        h = g.convt("dec1", h, 8, 8, 3, 2, auto_pad="SAME_UPPER")
    else:
        h = g.convt("dec1", h, 8, 8, 3, 2, output_shape=list(inner_shape))
    h = g.convt("dec2", g.node("Relu", "dec1_relu", [h]), 8, 4, 3, 2, auto_pad="SAME_UPPER")
    h = g.convt("dec3", g.node("Relu", "dec2_relu", [h]), 4, 1, 3, 2, auto_pad="SAME_UPPER")
    g.node("Sigmoid", "out", [h])
    g.nodes[-1].output[0] = "y"
    return g.model(13, [("x", [1, 1, *dims])], ["y"])


def h_unet_valid(opset=17):
    """The merge-shape-mismatch README graph: MaxPool(2) 'pool', ConvTranspose(k2, s2, VALID)
    'up', Relu 'relu', Concat 'skip' with the input: runs iff H, W are even."""
    g = GraphBuilder(2)
    p = g.node("MaxPool", "pool", ["x"], kernel_shape=[2, 2], strides=[2, 2])
    u = g.convt("up", p, 4, 4, 2, 2, auto_pad="VALID")
    r = g.node("Relu", "relu", [u])
    g.node("Concat", "skip", ["x", r], axis=1)
    g.nodes[-1].output[0] = "cat"
    return g.model(opset, [("x", [1, 4, "H", "W"])], ["cat"])


def h_ae_output_shape(last=(28, 28)):
    """Fixed 28x28 input, opset 11: Conv(k3, s2, pads 1) 28-14-7; ConvTranspose with
    output_shape [14, 14] ('up1') and `last` ('up2')."""
    g = GraphBuilder(3)
    h = g.conv("down1", "x", 1, 4, 3, 2, pads=[1, 1, 1, 1])
    h = g.conv("down2", g.node("Relu", "down1_relu", [h]), 4, 8, 3, 2, pads=[1, 1, 1, 1])
    h = g.convt("up1", g.node("Relu", "down2_relu", [h]), 8, 4, 3, 2, output_shape=[14, 14])
    h = g.convt("up2", g.node("Relu", "up1_relu", [h]), 4, 1, 3, 2, output_shape=list(last))
    g.node("Sigmoid", "out", [h])
    g.nodes[-1].output[0] = "y"
    return g.model(11, [("x", [1, 1, 28, 28])], ["y"])


def h_resize_skip(mode="sizes", opset=13):
    """Fixed 23x23 input: Conv 'feat', MaxPool(2) 'pool' (11), Conv 'mid', Resize 'up' with
    constant sizes [1, 4, 23, 23] (mode 'sizes') or scales [1, 1, 2, 2] (mode 'scales', 22),
    Concat 'skip' with 'feat'."""
    g = GraphBuilder(4)
    f = g.conv("feat", "x", 1, 4, 3, 1, pads=[1, 1, 1, 1])
    p = g.node("MaxPool", "pool", [f], kernel_shape=[2, 2], strides=[2, 2])
    m = g.conv("mid", p, 4, 4, 3, 1, pads=[1, 1, 1, 1])
    if opset == 11:
        roi = g.init("roi", np.zeros([0], np.float32))
    else:
        roi = ""
    if mode == "sizes":
        sc = g.init("scales", np.zeros([0], np.float32)) if opset == 11 else ""
        sz = g.init("sizes", np.array([1, 4, 23, 23], np.int64))
        u = g.node("Resize", "up", [m, roi, sc, sz], mode="nearest")
    else:
        sc = g.init("scales", np.array([1, 1, 2, 2], np.float32))
        u = g.node("Resize", "up", [m, roi, sc], mode="nearest")
    g.node("Concat", "skip", [f, u], axis=1)
    g.nodes[-1].output[0] = "y"
    return g.model(opset, [("x", [1, 1, 23, 23])], ["y"])


def h_resize_shape(opset=17):
    """Symbolic H, W: MaxPool(2) 'pool', Conv 'mid', Resize 'up' to sizes computed as
    Shape(x) (hand-built shape subgraph), Add 'skip' with x: clean for every size."""
    g = GraphBuilder(5)
    p = g.node("MaxPool", "pool", ["x"], kernel_shape=[2, 2], strides=[2, 2])
    m = g.conv("mid", p, 4, 4, 3, 1, pads=[1, 1, 1, 1])
    s = g.node("Shape", "shape", ["x"])
    u = g.node("Resize", "up", [m, "", "", s], mode="nearest")
    g.node("Add", "skip", ["x", u])
    g.nodes[-1].output[0] = "y"
    return g.model(opset, [("x", [1, 4, "H", "W"])], ["y"])


def h_pad_fix(pads=(0, 0, 0, 0, 0, 0, 1, 1)):
    """Fixed 23x23, opset 13: MaxPool(2) 11, ConvTranspose(k2, s2) 'up' 22, Pad 'pad' with
    constant `pads` (23 when both axes are padded by 1), Add 'merge' with x."""
    g = GraphBuilder(6)
    p = g.node("MaxPool", "pool", ["x"], kernel_shape=[2, 2], strides=[2, 2])
    u = g.convt("up", p, 2, 2, 2, 2)
    pd = g.init("pad_amounts", np.array(pads, np.int64))
    q = g.node("Pad", "pad", [u, pd], mode="constant")
    g.node("Add", "merge", ["x", q])
    g.nodes[-1].output[0] = "y"
    return g.model(13, [("x", [1, 2, 23, 23])], ["y"])


def h_slice_crop(ends=(23, 23)):
    """Fixed 23x23, opset 17: Conv(k3, s2, p1) 'down' 12, ConvTranspose(k2, s2) 'up' 24, the up
    map sliced [0:ends] on axes 2, 3 ('crop'), Concat 'skip' with x."""
    g = GraphBuilder(7)
    d = g.conv("down", "x", 2, 4, 3, 2, pads=[1, 1, 1, 1])
    u = g.convt("up", g.node("Relu", "down_relu", [d]), 4, 2, 2, 2)
    st = g.init("crop_starts", np.array([0, 0], np.int64))
    en = g.init("crop_ends", np.array(ends, np.int64))
    ax = g.init("crop_axes", np.array([2, 3], np.int64))
    c = g.node("Slice", "crop", [u, st, en, ax])
    g.node("Concat", "skip", ["x", c], axis=1)
    g.nodes[-1].output[0] = "y"
    return g.model(17, [("x", [1, 2, 23, 23])], ["y"])


def h_mul_gate():
    """Attention-gate style: Conv(k3, s2, p1) 'down' ceil(H/2), ConvTranspose(k2, s2) 'up'
    2*ceil(H/2), Sigmoid, Mul 'gate' with x: runs iff H, W are even. Opset 13."""
    g = GraphBuilder(8)
    d = g.conv("down", "x", 2, 4, 3, 2, pads=[1, 1, 1, 1])
    u = g.convt("up", g.node("Relu", "down_relu", [d]), 4, 2, 2, 2)
    s = g.node("Sigmoid", "att", [u])
    g.node("Mul", "gate", ["x", s])
    g.nodes[-1].output[0] = "y"
    return g.model(13, [("x", [1, 2, "H", "W"])], ["y"])


def h_depth_to_space(mode="CRD"):
    """Conv(k3, s2, p1) 'down' ceil(H/2), Conv to 4x channels 'expand', DepthToSpace(2) 'd2s'
    2*ceil(H/2), Add 'residual' with x: runs iff H, W are even. Opset 13."""
    g = GraphBuilder(9)
    d = g.conv("down", "x", 2, 4, 3, 2, pads=[1, 1, 1, 1])
    e = g.conv("expand", g.node("Relu", "down_relu", [d]), 4, 8, 3, 1, pads=[1, 1, 1, 1])
    s = g.node("DepthToSpace", "d2s", [e], blocksize=2, mode=mode)
    g.node("Add", "residual", ["x", s])
    g.nodes[-1].output[0] = "y"
    return g.model(13, [("x", [1, 2, "H", "W"])], ["y"])


def h_ae_valid(output_padding=None):
    """Opset 11, symbolic H, W: Conv(k3, s2, VALID) 'down' floor((H-3)/2)+1, ConvTranspose(k3,
    s2, VALID) 'up' back to 2*floor((H-3)/2)+3: H for odd H (>= 3), H-1 for even H."""
    g = GraphBuilder(10)
    d = g.conv("down", "x", 1, 4, 3, 2, auto_pad="VALID")
    u = g.convt("up", g.node("Relu", "down_relu", [d]), 4, 1, 3, 2, auto_pad="VALID",
                output_padding=list(output_padding) if output_padding else None)
    g.node("Sigmoid", "out", [u])
    g.nodes[-1].output[0] = "y"
    return g.model(11, [("x", [1, 1, "H", "W"])], ["y"])


def h_sum_pyramid():
    """Multi-scale sum, opset 13: x, Resize(x2) of MaxPool(2)(x), Resize(x4) of MaxPool(4)(x),
    summed by one Sum 'fuse': runs iff H, W are multiples of 4."""
    g = GraphBuilder(11)
    p2 = g.node("MaxPool", "pool2", ["x"], kernel_shape=[2, 2], strides=[2, 2])
    p4 = g.node("MaxPool", "pool4", ["x"], kernel_shape=[4, 4], strides=[4, 4])
    s2 = g.init("scales2", np.array([1, 1, 2, 2], np.float32))
    s4 = g.init("scales4", np.array([1, 1, 4, 4], np.float32))
    u2 = g.node("Resize", "up2", [p2, "", s2], mode="nearest")
    u4 = g.node("Resize", "up4", [p4, "", s4], mode="nearest")
    g.node("Sum", "fuse", ["x", u2, u4])
    g.nodes[-1].output[0] = "y"
    return g.model(13, [("x", [1, 2, "H", "W"])], ["y"])


def h_ae_1d(output_padding=None):
    """1-D, opset 17, symbolic L: Conv(k3, s2, SAME_UPPER) 'down' ceil(L/2), ConvTranspose(k3,
    s2, pads [1, 1], output_padding) 'up': 2*ceil(L/2) - 1 + op."""
    g = GraphBuilder(12)
    d = g.conv("down", "x", 1, 4, 3, 2, auto_pad="SAME_UPPER", dim=1)
    u = g.convt("up", g.node("Relu", "down_relu", [d]), 4, 1, 3, 2, pads=[1, 1],
                output_padding=list(output_padding) if output_padding else None, dim=1)
    g.node("Tanh", "out", [u])
    g.nodes[-1].output[0] = "y"
    return g.model(17, [("x", [1, 1, "L"])], ["y"])


HELPER_MODELS = [
    dict(name="h_ae_same_upper", build=lambda **v: h_ae_same_upper(**v), input=X2, kind="recon",
         about="hand-built autoencoder, Conv / ConvTranspose with auto_pad SAME_UPPER (ceil(H/2) down, 2n up): right iff H, W are multiples of 8"),
    dict(name="h_ae_same_upper_fixed", build=lambda **v: h_ae_same_upper(**{"inner_shape": (7, 7), "dims": (28, 28), **v}),
         input=("x", [1, 1, 28, 28]), kind="recon",
         about="h_ae_same_upper at a fixed 28x28 input with dec1 given output_shape [7, 7]: 4-7-14-28"),
    dict(name="h_unet_valid", build=lambda **v: h_unet_valid(**v), input=("x", [1, 4, "H", "W"]), kind="other",
         about="hand-built one-level U-Net (merge-shape-mismatch README): MaxPool(2), ConvTranspose(k2, s2, VALID), Concat with the input"),
    dict(name="h_unet_valid_op11", build=lambda **v: h_unet_valid(11), input=("x", [1, 4, "H", "W"]), kind="other",
         about="h_unet_valid at opset 11"),
    dict(name="h_ae_output_shape", build=lambda **v: h_ae_output_shape(**v), input=("x", [1, 1, 28, 28]), kind="recon",
         about="hand-built autoencoder, ConvTranspose with explicit output_shape [14, 14] and [28, 28] (opset 11)"),
    dict(name="h_ae_output_shape_27", build=lambda **v: h_ae_output_shape(**{"last": (27, 27), **v}), input=("x", [1, 1, 28, 28]), kind="recon",
         mutated=("up2", {"last": (28, 28)}),
         about="h_ae_output_shape with up2's output_shape broken to [27, 27]"),
    dict(name="h_resize_sizes", build=lambda **v: h_resize_skip("sizes", 13), input=("x", [1, 1, 23, 23]), kind="other",
         about="hand-built skip with Resize to constant sizes [1, 4, 23, 23] (opset 13), fixed 23x23"),
    dict(name="h_resize_sizes_op11", build=lambda **v: h_resize_skip("sizes", 11), input=("x", [1, 1, 23, 23]), kind="other",
         about="h_resize_sizes at opset 11 (roi and empty scales inputs)"),
    dict(name="h_resize_scales_op11", build=lambda **v: h_resize_skip("scales", 11), input=("x", [1, 1, 23, 23]), kind="other",
         about="hand-built skip with Resize scales [1, 1, 2, 2] after MaxPool(2) at 23x23 (opset 11): 11 -> 22 against 23"),
    dict(name="h_resize_shape", build=lambda **v: h_resize_shape(), input=("x", [1, 4, "H", "W"]), kind="other",
         about="hand-built Resize with sizes = Shape(x) (opset 17), Add with x: clean for every size"),
    dict(name="h_pad_fix", build=lambda **v: h_pad_fix(**v), input=("x", [1, 2, 23, 23]), kind="other",
         about="hand-built Pad fix: ConvTranspose(k2, s2) 22 padded by one row and column to 23 before the Add"),
    dict(name="h_pad_fix_w", build=lambda **v: h_pad_fix(**{"pads": (0, 0, 0, 0, 0, 0, 0, 1), **v}), input=("x", [1, 2, 23, 23]), kind="other",
         about="h_pad_fix padding only the width (pads end [0, 0, 0, 1]): 22x23 against 23x23"),
    dict(name="h_slice_crop", build=lambda **v: h_slice_crop(**v), input=("x", [1, 2, 23, 23]), kind="other",
         about="hand-built Slice crop: Conv(s2) 12, ConvTranspose(k2, s2) 24, sliced to the 23x23 skip before the Concat"),
    dict(name="h_slice_crop_bad", build=lambda **v: h_slice_crop(**{"ends": (23, 22), **v}), input=("x", [1, 2, 23, 23]), kind="other",
         about="h_slice_crop with the width crop off by one (ends [23, 22])"),
    dict(name="h_mul_gate", build=lambda **v: h_mul_gate(), input=("x", [1, 2, "H", "W"]), kind="other",
         about="hand-built attention gate: Mul of x with a sigmoid of Conv(s2) -> ConvTranspose(k2, s2)"),
    dict(name="h_d2s_crd", build=lambda **v: h_depth_to_space("CRD"), input=("x", [1, 2, "H", "W"]), kind="other",
         about="hand-built DepthToSpace(2, CRD) decoder added to the input"),
    dict(name="h_d2s_dcr", build=lambda **v: h_depth_to_space("DCR"), input=("x", [1, 2, "H", "W"]), kind="other",
         about="hand-built DepthToSpace(2, DCR) decoder added to the input"),
    dict(name="h_ae_valid", build=lambda **v: h_ae_valid(**v), input=X2, kind="recon",
         about="hand-built Conv / ConvTranspose (k3, s2, auto_pad VALID) autoencoder: right for odd sizes, one short for even sizes"),
    dict(name="h_sum_pyramid", build=lambda **v: h_sum_pyramid(), input=("x", [1, 2, "H", "W"]), kind="other",
         about="hand-built multi-scale Sum of x, up2(pool2(x)), up4(pool4(x))"),
    dict(name="h_ae_1d", build=lambda **v: h_ae_1d(**v), input=("x", [1, 1, "L"]), kind="recon",
         about="hand-built 1-D autoencoder: Conv SAME_UPPER (ceil(L/2)), ConvTranspose(k3, s2, pads 1): 2*ceil(L/2) - 1"),
]


# =============================================================================================
# Cases. `size`: the values of the model's dynamic dims (in order) or None for a fixed input;
# `symbolic`: lint with the dims left symbolic (ground truth from a scan of sizes 8..96);
# `target`: the --expect-output shape; `fix` (hand-built models): the builder variant that
# restores the size, for a case broken by its input size alone.

C = dict  # brevity

CASES = [
    # U-Nets
    C(group="unet", id="unet2-convt-64x48", model="unet2_convt", size=(64, 48)),
    C(group="unet", id="unet2-convt-36x20", model="unet2_convt", size=(36, 20)),
    C(group="unet", id="unet2-convt-33", model="unet2_convt", size=(33, 33)),
    C(group="unet", id="unet2-convt-30", model="unet2_convt", size=(30, 30)),
    C(group="unet", id="unet2-convt-32x34", model="unet2_convt", size=(32, 34)),
    C(group="unet", id="unet2-convt-sym", model="unet2_convt", symbolic=True),
    C(group="unet", id="unet3-convt3-28", model="unet3_convt3", size=(28, 28)),
    C(group="unet", id="unet3-convt3-28x20", model="unet3_convt3", size=(28, 20)),
    C(group="unet", id="unet3-convt3-24", model="unet3_convt3", size=(24, 24)),
    C(group="unet", id="unet3-convt3-op111-28", model="unet3_convt3_op111", size=(28, 28)),
    C(group="unet", id="unet3-convt3-op111-32", model="unet3_convt3_op111", size=(32, 32)),
    C(group="unet", id="unet4-convt-48x32", model="unet4_convt", size=(48, 32)),
    C(group="unet", id="unet4-convt-40x48", model="unet4_convt", size=(40, 48)),
    C(group="unet", id="unet4-convt-56", model="unet4_convt", size=(56, 56)),
    C(group="unet", id="unet2-upsample-64x48", model="unet2_upsample", size=(64, 48)),
    C(group="unet", id="unet2-upsample-30", model="unet2_upsample", size=(30, 30)),
    C(group="unet", id="unet2-upsample-sym", model="unet2_upsample", symbolic=True),
    C(group="unet-pad", id="unet3-pad-33", model="unet3_pad", size=(33, 33)),
    C(group="unet-pad", id="unet3-pad-30x47", model="unet3_pad", size=(30, 47)),
    C(group="unet-pad", id="unet3-pad-sym", model="unet3_pad", symbolic=True),
    C(group="unet-pad", id="unet2-pad-h-33x32", model="unet2_pad_h", size=(33, 32)),
    C(group="unet-pad", id="unet2-pad-h-32x33", model="unet2_pad_h", size=(32, 33)),
    C(group="unet-interp", id="unet3-interp-33", model="unet3_interp", size=(33, 33)),
    C(group="unet-interp", id="unet3-interp-62x47", model="unet3_interp", size=(62, 47)),
    C(group="unet-interp", id="unet3-interp-sym", model="unet3_interp", symbolic=True),
    C(group="unet-interp", id="unet4-bilinear-45x37", model="unet4_bilinear", size=(45, 37)),
    C(group="unet-interp", id="unet4-bilinear-sym", model="unet4_bilinear", symbolic=True),
    C(group="unet-interp", id="unet2-interp-op11-sym", model="unet2_interp_op11", symbolic=True),
    C(group="unet-crop", id="unet2-crop-skip-64", model="unet2_crop_skip", size=(64, 64)),
    C(group="unet-crop", id="unet2-crop-skip-28x20", model="unet2_crop_skip", size=(28, 20)),
    C(group="unet-crop", id="unet2-crop-skip-33", model="unet2_crop_skip", size=(33, 33)),
    C(group="unet-crop", id="unet2-crop-skip-62", model="unet2_crop_skip", size=(62, 62)),
    C(group="unet-crop", id="unet2-crop-skip-sym", model="unet2_crop_skip", symbolic=True),
    C(group="unet-crop", id="unet3-crop-up-33", model="unet3_crop_up", size=(33, 33)),
    C(group="unet-crop", id="unet3-crop-up-30x47", model="unet3_crop_up", size=(30, 47)),
    C(group="unet-crop", id="unet3-crop-up-sym", model="unet3_crop_up", symbolic=True),
    C(group="unet-crop", id="unet2-crop-tv-33", model="unet2_crop_tv", size=(33, 33)),
    C(group="unet-crop", id="unet2-crop-tv-41", model="unet2_crop_tv", size=(41, 41)),
    # autoencoders
    C(group="autoencoder", id="ae-mnist-28", model="ae_mnist"),
    C(group="autoencoder", id="ae-mnist-dec0-28", model="ae_mnist_dec0"),
    C(group="autoencoder", id="ae-mnist-dec2-28", model="ae_mnist_dec2"),
    C(group="autoencoder", id="ae-mnist-dec4-28", model="ae_mnist_dec4"),
    C(group="autoencoder", id="ae-dyn-28", model="ae_dyn", size=(28, 28)),
    C(group="autoencoder", id="ae-dyn-28x20", model="ae_dyn", size=(28, 20)),
    C(group="autoencoder", id="ae-dyn-24", model="ae_dyn", size=(24, 24)),
    C(group="autoencoder", id="ae-dyn-sym", model="ae_dyn", symbolic=True),
    C(group="autoencoder", id="ae-valid-28", model="ae_valid"),
    C(group="autoencoder", id="ae-valid-dec0-28", model="ae_valid_dec0"),
    C(group="autoencoder", id="ae-k4-28", model="ae_k4"),
    C(group="autoencoder", id="ae-k4-dec0-28", model="ae_k4_dec0"),
    C(group="autoencoder", id="ae-1d-100", model="ae_1d", size=(100,)),
    C(group="autoencoder", id="ae-1d-dec2-100", model="ae_1d_dec2", size=(100,)),
    C(group="autoencoder", id="ae-3d-12x20x20", model="ae_3d", size=(12, 20, 20)),
    C(group="autoencoder", id="ae-3d-dec2-12x20x20", model="ae_3d_dec2", size=(12, 20, 20)),
    C(group="autoencoder", id="ae-refine-28", model="ae_refine", size=(28, 28)),
    C(group="autoencoder", id="ae-refine-pad-28", model="ae_refine_pad", size=(28, 28)),
    C(group="autoencoder", id="ae-hybrid-convt-32", model="ae_hybrid_convt", size=(32, 32)),
    C(group="autoencoder", id="ae-hybrid-convt-33", model="ae_hybrid_convt", size=(33, 33)),
    C(group="autoencoder", id="ae-hybrid-convt-sym", model="ae_hybrid_convt", symbolic=True),
    C(group="autoencoder", id="ae-hybrid-crop-33", model="ae_hybrid_crop", size=(33, 33)),
    C(group="autoencoder", id="ae-hybrid-crop-sym", model="ae_hybrid_crop", symbolic=True),
    C(group="autoencoder", id="ae-hybrid-interp-sym", model="ae_hybrid_interp", symbolic=True),
    # ResNet shortcuts
    C(group="resnet", id="resnet-conv-33x17", model="resnet_conv", size=(33, 17)),
    C(group="resnet", id="resnet-conv-sym", model="resnet_conv", symbolic=True),
    C(group="resnet", id="resnet-avg-ceil-33", model="resnet_avg_ceil", size=(33, 33)),
    C(group="resnet", id="resnet-avg-ceil-sym", model="resnet_avg_ceil", symbolic=True),
    C(group="resnet", id="resnet-avg-floor-32", model="resnet_avg_floor", size=(32, 32)),
    C(group="resnet", id="resnet-avg-floor-33", model="resnet_avg_floor", size=(33, 33)),
    C(group="resnet", id="resnet-avg-floor-34x32", model="resnet_avg_floor", size=(34, 32)),
    C(group="resnet", id="resnet-avg-floor-sym", model="resnet_avg_floor", symbolic=True),
    # PixelShuffle, super-resolution, FCN
    C(group="pixelshuffle-sr", id="ps-ae-28", model="ps_ae", size=(28, 28)),
    C(group="pixelshuffle-sr", id="ps-ae-28x20", model="ps_ae", size=(28, 20)),
    C(group="pixelshuffle-sr", id="ps-ae-pad-28", model="ps_ae_pad", size=(28, 28)),
    C(group="pixelshuffle-sr", id="sr-espcn-17x23", model="sr_espcn", size=(17, 23)),
    C(group="pixelshuffle-sr", id="sr-espcn-sym", model="sr_espcn", symbolic=True),
    C(group="pixelshuffle-sr", id="sr-fsrcnn-31", model="sr_fsrcnn", size=(31, 31)),
    C(group="pixelshuffle-sr", id="sr-fsrcnn-sym", model="sr_fsrcnn", symbolic=True),
    C(group="pixelshuffle-sr", id="sr-upsample-sym", model="sr_upsample", symbolic=True),
    C(group="fcn", id="fcn4-33", model="fcn4", size=(33, 33)),
    C(group="fcn", id="fcn4-sym", model="fcn4", symbolic=True),
    C(group="fcn", id="fcn-skip-64", model="fcn_skip", size=(64, 64)),
    C(group="fcn", id="fcn-skip-36", model="fcn_skip", size=(36, 36)),
    C(group="fcn", id="fcn-skip-sym", model="fcn_skip", symbolic=True),
    C(group="fcn", id="fcn-skip-crop-36", model="fcn_skip_crop", size=(36, 36)),
    C(group="fcn", id="fcn-skip-crop-sym", model="fcn_skip_crop", symbolic=True),
    # generators with a target
    C(group="generator", id="vae-dec-28", model="vae_dec", size=(1,), target=(1, 1, 28, 28)),
    C(group="generator", id="vae-dec-op0-28", model="vae_dec_op0", size=(1,), target=(1, 1, 28, 28)),
    C(group="generator", id="vae-dec-op0-27", model="vae_dec_op0", size=(1,), target=(1, 1, 27, 27)),
    C(group="generator", id="gen-mnist-28", model="gen_mnist", size=(1,), target=(1, 1, 28, 28)),
    C(group="generator", id="gen-mnist-27", model="gen_mnist", size=(1,), target=(1, 1, 27, 27)),
    C(group="generator", id="gen-mnist-main6-28", model="gen_mnist_main6", size=(1,), target=(1, 1, 28, 28)),
    C(group="generator", id="gen-mnist-main3-28", model="gen_mnist_main3", size=(1,), target=(1, 1, 28, 28)),
    C(group="generator", id="gen-dcgan32-32", model="gen_dcgan32", size=(1,), target=(1, 1, 32, 32)),
    C(group="generator", id="gen-dcgan32-notarget", model="gen_dcgan32", size=(1,)),
    # hand-built ONNX
    C(group="onnx-helper", id="h-ae-same-upper-32", model="h_ae_same_upper", size=(32, 32)),
    C(group="onnx-helper", id="h-ae-same-upper-28", model="h_ae_same_upper", size=(28, 28), fix=("dec1", {"inner_shape": (7, 7)})),
    C(group="onnx-helper", id="h-ae-same-upper-28x32", model="h_ae_same_upper", size=(28, 32), fix=("dec1", {"inner_shape": (7, 8)})),
    C(group="onnx-helper", id="h-ae-same-upper-fixed-28", model="h_ae_same_upper_fixed"),
    C(group="onnx-helper", id="h-unet-valid-24", model="h_unet_valid", size=(24, 24)),
    C(group="onnx-helper", id="h-unet-valid-23", model="h_unet_valid", size=(23, 23)),
    C(group="onnx-helper", id="h-unet-valid-sym", model="h_unet_valid", symbolic=True),
    C(group="onnx-helper", id="h-unet-valid-op11-24x23", model="h_unet_valid_op11", size=(24, 23)),
    C(group="onnx-helper", id="h-ae-output-shape-28", model="h_ae_output_shape"),
    C(group="onnx-helper", id="h-ae-output-shape-27", model="h_ae_output_shape_27"),
    C(group="onnx-helper", id="h-resize-sizes-23", model="h_resize_sizes"),
    C(group="onnx-helper", id="h-resize-sizes-op11-23", model="h_resize_sizes_op11"),
    C(group="onnx-helper", id="h-resize-scales-op11-23", model="h_resize_scales_op11"),
    C(group="onnx-helper", id="h-resize-shape-sym", model="h_resize_shape", symbolic=True),
    C(group="onnx-helper", id="h-pad-fix-23", model="h_pad_fix"),
    C(group="onnx-helper", id="h-pad-fix-w-23", model="h_pad_fix_w"),
    C(group="onnx-helper", id="h-slice-crop-23", model="h_slice_crop"),
    C(group="onnx-helper", id="h-slice-crop-bad-23", model="h_slice_crop_bad"),
    C(group="onnx-helper", id="h-mul-gate-24", model="h_mul_gate", size=(24, 24)),
    C(group="onnx-helper", id="h-mul-gate-25x24", model="h_mul_gate", size=(25, 24)),
    C(group="onnx-helper", id="h-d2s-crd-24x18", model="h_d2s_crd", size=(24, 18)),
    C(group="onnx-helper", id="h-d2s-crd-sym", model="h_d2s_crd", symbolic=True),
    C(group="onnx-helper", id="h-d2s-dcr-25", model="h_d2s_dcr", size=(25, 25)),
    C(group="onnx-helper", id="h-ae-valid-29", model="h_ae_valid", size=(29, 29)),
    C(group="onnx-helper", id="h-ae-valid-30x29", model="h_ae_valid", size=(30, 29), fix=("up", {"output_padding": (1, 0)})),
    C(group="onnx-helper", id="h-ae-valid-sym", model="h_ae_valid", symbolic=True, fix=("up", {"output_padding": (1, 1)})),
    C(group="onnx-helper", id="h-sum-pyramid-32x24", model="h_sum_pyramid", size=(32, 24)),
    C(group="onnx-helper", id="h-sum-pyramid-sym", model="h_sum_pyramid", symbolic=True),
    C(group="onnx-helper", id="h-ae-1d-40", model="h_ae_1d", size=(40,), fix=("up", {"output_padding": (1,)})),
    C(group="onnx-helper", id="h-ae-1d-41", model="h_ae_1d", size=(41,)),
]


# =============================================================================================
# Running things.




def run_ort(jobs):
    """jobs: [(model path, [ {input name: dims} ])] -> per job, per run: outputs / error / node / op."""
    if not jobs:
        return []
    payload = [{"model": p, "runs": r} for p, r in jobs]
    p = subprocess.run(["node", os.path.join(ROOT, "scripts", "ort-shapes.mjs")], input=json.dumps(payload), cwd=ROOT,
                       capture_output=True, text=True, env={**os.environ, "ONNXRUNTIME_NODE_INSTALL": "skip"})
    if p.returncode != 0:
        sys.exit("onnxruntime-node failed (run `npm ci` first):\n" + p.stderr)
    # The first line of an error is enough for the labels (and keeps the manifest readable).
    return [[{"outputs": r["outputs"], "error": r["error"].split("\n")[0] if r["error"] else None, "node": r["node"], "op": r["op"]}
             for r in runs] for runs in json.loads(p.stdout)]


def build_torch(spec):
    torch.manual_seed(0)
    model = spec["make"]()
    model.eval()
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.rand(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) * 0.5 + 0.75)
    return model


def fill(template, size):
    """Input dims of one run: the template's named dims replaced, in order, by `size`."""
    vals = list(size or [])
    out = []
    for d in template:
        out.append(vals.pop(0) if isinstance(d, str) else d)
    assert not vals, (template, size)
    return out


def scan_shape(template, s):
    """The input dims of a symbolic scan at size s: every named spatial dim = s, batch N = 1."""
    return [d if not isinstance(d, str) else (1 if d == "N" else s) for d in template]


def run_torch(model, shape):
    g = torch.Generator().manual_seed(2)
    x = torch.rand(*shape, generator=g)
    try:
        with torch.no_grad():
            out = model(x)
    except Exception as e:  # the message PyTorch raised is the fact recorded
        return {"outputs": None, "error": str(e).strip().split("\n")[0]}
    outs = out if isinstance(out, tuple) else (out,)
    return {"outputs": [list(o.shape) for o in outs], "error": None}


def export_torch(spec, model, path):
    name, template = spec["input"]
    dyn = {i: d for i, d in enumerate(template) if isinstance(d, str)}
    outputs = spec.get("outputs", ["y"])
    export_dims = fill(template, spec.get("export") or [32 if d != "N" else 1 for d in template if isinstance(d, str)])
    x = torch.rand(*export_dims, generator=torch.Generator().manual_seed(3))
    dynamic_axes = None
    if dyn:
        dynamic_axes = {name: dyn}
        if 0 in dyn:
            for o in outputs:
                dynamic_axes[o] = {0: dyn[0]}
    with torch.no_grad():
        torch.onnx.export(model, (x,), path, input_names=[name], output_names=outputs,
                          opset_version=spec["opset"], dynamic_axes=dynamic_axes, do_constant_folding=True)


def scope_node(onnx_model, module, op):
    """The ONNX node the exporter wrote for `module` (e.g. dec.0 -> /dec/dec.0/ConvTranspose)."""
    # The last scope of the node name is the module's full path (a ModuleList adds no scope of
    # its own: ups.1 -> /ups.1/ConvTranspose).
    hits = [n.name for n in onnx_model.graph.node if n.op_type == op and n.name.split("/")[-2:-1] == [module]]
    assert len(hits) == 1, (module, op, hits)
    return hits[0]


def spatial(shape, rank_offset=2):
    return list(shape[rank_offset:])


def legal_output_paddings(m):
    """output_padding values below the stride on every axis (onnxruntime rejects larger ones)."""
    return [tuple(v) for v in itertools.product(*[range(s) for s in m.stride])]


def restoring_convts(model, shape, want, out_index=0):
    """Modules (ConvTranspose) whose output_padding change alone gives output `want` (spatial)."""
    hits = []
    for name, m in model.named_modules():
        if not isinstance(m, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
            continue
        for op in legal_output_paddings(m):
            if tuple(op) == tuple(m.output_padding):
                continue
            trial = copy.deepcopy(model)
            trial.get_submodule(name).output_padding = op
            r = run_torch(trial, shape)
            if r["error"] is None and spatial(r["outputs"][out_index]) == list(want):
                hits.append((name, op))
                break
    return hits


def apply_fix(model, module, attrs):
    fixed = copy.deepcopy(model)
    m = fixed.get_submodule(module)
    for k, v in attrs.items():
        setattr(m, k, v)
    return fixed


def dump_json(obj):
    """Indented JSON with short lists of scalars kept on one line."""
    text = json.dumps(obj, indent=2)
    text = re.sub(r"\[\s+(?:-?\d+|\"[^\"\n]*\"|null)(?:,\s+(?:-?\d+|\"[^\"\n]*\"|null))*\s+\]",
                  lambda m: json.dumps(json.loads(m.group(0))), text)
    # expected labels on one line each
    text = re.sub(r"\{\s+\"ruleId\": (\"[^\"]*\"),\s+\"node\": (\"[^\"]*\")\s+\}", r'{"ruleId": \1, "node": \2}', text)
    return text + "\n"


def ort_message(msg):
    """The informative end of an onnxruntime error ("Non concat axis dimensions must match: ...")."""
    m = re.search(r"Status Message: (?:\S+\.(?:h|cc):\d+ \S+ )?(.*)", msg) or re.search(r"\[ShapeInferenceError\] (.*)", msg)
    return ("at load: " if msg.startswith("at load") else "") + (m.group(1) if m else msg)[:200]


def fmt_shape(dims):
    return "x".join(str(d) for d in dims)


# =============================================================================================
# Labelling.


def torch_cases(models_by_name):
    """Export the PyTorch models, run every case in PyTorch and onnxruntime, label them."""
    built, ort_jobs, plans = {}, [], []
    for spec in TORCH_MODELS:
        model = build_torch(spec)
        path = os.path.join(MODELS_DIR, spec["name"] + ".onnx")
        try:
            export_torch(spec, model, path)
        except Exception as e:
            sys.exit(f"{spec['name']}: export failed: {e}")
        built[spec["name"]] = (model, onnx.load(path))
    for case in CASES:
        spec = models_by_name[case["model"]]
        if "make" not in spec:
            continue
        name, template = spec["input"]
        shapes = [scan_shape(template, s) for s in SCAN] if case.get("symbolic") else [fill(template, case.get("size"))]
        ort_jobs.append((os.path.join(MODELS_DIR, spec["name"] + ".onnx"), [{name: s} for s in shapes]))
        plans.append((case, spec, shapes))
    ort_results = run_ort(ort_jobs)
    out = []
    for (case, spec, shapes), ort_runs in zip(plans, ort_results):
        model, onnx_model = built[spec["name"]]
        torch_runs = [run_torch(model, s) for s in shapes]
        out.append(label_case(case, spec, shapes, torch_runs, ort_runs, torch_model=model, onnx_model=onnx_model, source="pytorch"))
    return out


def helper_cases(models_by_name, tmp):
    """Build the onnx.helper graphs, run every case (and each fix) in onnxruntime, label them."""
    ort_jobs, plans = [], []
    for spec in HELPER_MODELS:
        m = spec["build"]()
        onnx.save(m, os.path.join(MODELS_DIR, spec["name"] + ".onnx"))
    for case in CASES:
        spec = models_by_name[case["model"]]
        if "build" not in spec:
            continue
        name, template = spec["input"]
        shapes = [scan_shape(template, s) for s in SCAN] if case.get("symbolic") else [fill(template, case.get("size"))]
        ort_jobs.append((os.path.join(MODELS_DIR, spec["name"] + ".onnx"), [{name: s} for s in shapes]))
        fix = case.get("fix") or (spec["mutated"] if "mutated" in spec else None)
        fix_path = None
        if fix:
            fix_path = os.path.join(tmp, f"{case['id']}-fix.onnx")
            onnx.save(spec["build"](**fix[1]), fix_path)
            ort_jobs.append((fix_path, [{name: s} for s in shapes]))
        plans.append((case, spec, shapes, fix))
    results = run_ort(ort_jobs)
    out, k = [], 0
    for case, spec, shapes, fix in plans:
        ort_runs = results[k]
        k += 1
        fix_runs = None
        if fix:
            fix_runs = results[k]
            k += 1
        out.append(label_case(case, spec, shapes, None, ort_runs, fix=fix, fix_runs=fix_runs, source="onnx-helper"))
    return out


def outcome(spec, case, shape, run):
    """'ok', ('merge', node, op, error), ('fail', node, op, error) (a non-merge failure: the size
    does not run at all), or ('size', output index, got, want) for a mis-sized output."""
    if run["error"] is not None:
        if run.get("op") in MERGE_OPS:
            return ("merge", run["node"], run["op"], run["error"])
        return ("fail", run.get("node"), run.get("op"), run["error"])
    outs = list(run["outputs"].values()) if isinstance(run["outputs"], dict) else run["outputs"]
    target = case.get("target")
    if target is not None:
        if list(outs[0]) != list(target):
            return ("size", 0, list(outs[0]), list(target))
        return "ok"
    if spec["kind"] == "recon":
        want = spatial(shape)
        if spatial(outs[0]) != want:
            return ("size", 0, spatial(outs[0]), want)
    return "ok"


def label_case(case, spec, shapes, torch_runs, ort_runs, torch_model=None, onnx_model=None, fix=None, fix_runs=None, source=""):
    name, template = spec["input"]
    differs = spec.get("graph_differs")
    # PyTorch and onnxruntime must agree (same outputs, or both fail) unless the model says why.
    outcomes = [outcome(spec, case, s, o) for s, o in zip(shapes, ort_runs)]
    if torch_runs is not None:
        for i, (s, t, o) in enumerate(zip(shapes, torch_runs, ort_runs)):
            if t["error"] is not None and not TORCH_MERGE_ERROR.search(t["error"]):
                # PyTorch cannot run this size at all (e.g. a pool on a 1x1 map): not a size to judge.
                outcomes[i] = ("fail", None, None, "PyTorch: " + t["error"])
                continue
            same = (t["error"] is None) == (o["error"] is None) and (t["error"] is not None or t["outputs"] == list(o["outputs"].values()))
            if not same and not differs:
                sys.exit(f"{case['id']} {s}: PyTorch {t['outputs'] or t['error']!r} vs onnxruntime {o['outputs'] or o['error']!r}")
    truth = {}
    symbolic = bool(case.get("symbolic"))
    if symbolic:
        first = next((i for i, oc in enumerate(outcomes) if oc != "ok" and oc[0] in ("merge", "size")), None)
        runs_at = [SCAN[i] for i, oc in enumerate(outcomes) if oc == "ok" or oc[0] in ("merge", "size")]
        if not runs_at:
            sys.exit(f"{case['id']}: no size in 8..96 runs")
        fails = {}
        for i, oc in enumerate(outcomes):
            if oc != "ok" and oc[0] == "merge":
                fails.setdefault(oc[1], []).append(SCAN[i])
        mis = [SCAN[i] for i, oc in enumerate(outcomes) if oc != "ok" and oc[0] == "size"]
        truth["scan"] = f"square sizes {SCAN[0]}..{SCAN[-1]}"
        truth["smallestRunning"] = runs_at[0]
        if fails:
            truth["mergeFailures"] = {k: v for k, v in fails.items()}
        if mis:
            truth["misSized"] = mis
        idx = first
    else:
        idx = 0
    expected = []
    why = []
    if symbolic:
        args = ["--input-shape", f"{name}=" + ",".join(str(d) if not isinstance(d, str) else (d if d != "N" else "1") for d in template)]
    else:
        args = ["--input-shape", f"{name}=" + ",".join(str(d) for d in shapes[0])]
    if case.get("target"):
        args += ["--expect-output", f"{spec.get('outputs', ['y'])[0]}=" + ",".join(str(d) for d in case["target"])]
    if idx is None:
        why.append("runs and keeps its size at every size 8..96" if spec["kind"] == "recon" else "runs at every size 8..96")
    else:
        oc = outcomes[idx]
        shape = shapes[idx]
        at = f"at {fmt_shape(shape)}"
        if oc == "ok":
            o = ort_runs[idx]["outputs"]
            why.append(f"{at}: runs, output {'; '.join(fmt_shape(v) for v in o.values())}" +
                       (f" as targeted" if case.get("target") else " (the input's size)" if spec["kind"] == "recon" else ""))
        elif oc[0] == "fail":
            sys.exit(f"{case['id']}: fails {at} at a non-merge node {oc[1]} ({oc[2]}): {oc[3]}")
        elif oc[0] == "merge":
            expected.append({"ruleId": MERGE, "node": oc[1]})
            why.append(f"{at}: onnxruntime fails at {oc[2]} '{oc[1]}' ({ort_message(oc[3])})")
            if torch_runs is not None:
                t_err = torch_runs[idx]["error"]
                why.append(f"PyTorch: {t_err[:200]}" if t_err else f"PyTorch runs: {differs}")
        else:
            got, want = oc[2], oc[3]
            node, fix_note = blame(case, spec, shape, got, want, torch_model, onnx_model, fix, fix_runs, idx)
            expected.append({"ruleId": DEC, "node": node})
            what = "target" if case.get("target") else "input"
            why.append(f"{at}: runs, but the output is {fmt_shape(got)} where the {what} is {fmt_shape(want)}; {fix_note}")
        if symbolic:
            why.insert(0, f"smallest failing square size in 8..96: {SCAN[idx]}")
            # Every merge that fails at some size is a finding of its own (each is a place the
            # model breaks, at different sizes), not only the one that fails first.
            for node, sizes in sorted(truth.get("mergeFailures", {}).items(), key=lambda kv: kv[1][0]):
                if not any(e["node"] == node and e["ruleId"] == MERGE for e in expected):
                    expected.append({"ruleId": MERGE, "node": node})
                    why.append(f"'{node}' also fails, at sizes {', '.join(map(str, sizes[:4]))}, ...")
    # For a mutated model that happens to be right at this size, say so.
    if "mutated" in spec and not expected:
        why.append(f"the broken layer {spec['mutated'][0]} does not change the size here")
    about = spec["about"]
    record = {
        "id": case["id"],
        "group": case["group"],
        "file": os.path.relpath(os.path.join(MODELS_DIR, spec["name"] + ".onnx"), ROOT),
        "args": args,
        "expected": expected,
        "why": f"{about}. " + "; ".join(why),
        "source": source,
    }
    if truth:
        record["truth"] = truth
    return record


def blame(case, spec, shape, got, want, torch_model, onnx_model, fix, fix_runs, idx):
    """The layer whose change alone restores the size, and a note on how that was checked."""
    target = case.get("target")

    def restored(run):
        if run["error"] is not None:
            return False
        outs = run["outputs"]
        o = list(outs.values())[0] if isinstance(outs, dict) else outs[0]
        return list(o) == list(want) if target else spatial(o) == list(want)

    if torch_model is not None:
        searched = restoring_convts(torch_model, shape, want if not target else spatial(want))
        if "mutated" in spec:
            module, op, attrs = spec["mutated"]
            if not restored(run_torch(apply_fix(torch_model, module, attrs), shape)):
                sys.exit(f"{case['id']}: restoring {module} {attrs} does not restore {want}")
            others = [f"{n} output_padding={o}" for n, o in searched if n != module]
            note = f"the broken layer is {module} ({', '.join(f'{k} should be {v}' for k, v in attrs.items())}; checked: restoring it alone gives {fmt_shape(want)} in PyTorch)"
            if others:
                note += f"; also restored by: {', '.join(others)}"
            return scope_node(onnx_model, module, op), note
        if len(searched) != 1:
            sys.exit(f"{case['id']}: {len(searched)} transposed convolutions restore {want} by output_padding alone: {searched}")
        module, op = searched[0]
        return scope_node(onnx_model, module, "ConvTranspose"), \
            f"no layer was broken on purpose; of all transposed convolutions only {module}'s output_padding change alone (to {list(op)}) restores it (PyTorch, searched)"
    # hand-built: the fix variant, run by onnxruntime at the same size
    if not fix or not restored(fix_runs[idx]):
        sys.exit(f"{case['id']}: the stated fix {fix} does not restore {want}")
    node = fix[0]
    return node, f"the fix {fix[1]} on '{node}' alone restores it (onnxruntime)"


def main():
    os.makedirs(MODELS_DIR, exist_ok=True)
    models_by_name = {m["name"]: m for m in TORCH_MODELS + HELPER_MODELS}
    assert len(models_by_name) == len(TORCH_MODELS) + len(HELPER_MODELS), "duplicate model names"
    ids = [c["id"] for c in CASES]
    assert len(set(ids)) == len(ids), "duplicate case ids"
    used = {c["model"] for c in CASES}
    assert used == set(models_by_name), f"models without cases: {set(models_by_name) - used}"
    for f in os.listdir(MODELS_DIR):
        if f.endswith(".onnx"):
            os.remove(os.path.join(MODELS_DIR, f))
    with tempfile.TemporaryDirectory() as tmp:
        records = torch_cases(models_by_name) + helper_cases(models_by_name, tmp)
    order = {c["id"]: i for i, c in enumerate(CASES)}
    records.sort(key=lambda r: order[r["id"]])
    manifest = {"cases": [], "knownFailures": []}
    if os.path.exists(MANIFEST):
        with open(MANIFEST) as f:
            manifest = json.load(f)
    keep = [c for c in manifest.get("cases", []) if c.get("source") not in ONNX_SOURCES]
    out = {
        "about": "Accuracy corpus for decoder-output-mismatch and merge-shape-mismatch; labels from running the frameworks (see test/accuracy/README.md). Written by scripts/gen_accuracy_corpus.py (ONNX) and scripts/gen_accuracy_keras.mjs (Keras).",
        "knownFailures": manifest.get("knownFailures", []),
        "cases": records + keep,
    }
    with open(MANIFEST, "w") as f:
        f.write(dump_json(out))
    total = sum(os.path.getsize(os.path.join(MODELS_DIR, f)) for f in os.listdir(MODELS_DIR) if f.endswith(".onnx"))
    clean = sum(1 for r in records if not r["expected"])
    print(f"{len(records)} ONNX cases ({clean} clean, {len(records) - clean} broken), "
          f"{len(TORCH_MODELS) + len(HELPER_MODELS)} models, {total} bytes")


if __name__ == "__main__":
    main()
