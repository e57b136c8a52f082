#!/usr/bin/python3
"""Generate the PyTorch-exported ONNX fixtures in test/fixtures/torch/.

Run with the Debian Python that has torch 1.13 and onnx 1.12:

    /usr/bin/python3 scripts/gen_torch_fixtures.py

For every export it writes `<name>.onnx` and a sidecar `<name>.json` that records, for several
input sizes, the output shapes PyTorch produced when it ran the module (or the error text it
raised), and the same for onnxruntime running the exported file (through onnxruntime-node from
node_modules, so `npm ci` must have run). The two are compared here: an export whose ONNX graph
behaves differently from its PyTorch module must say so in its model definition
(`graph_differs`), otherwise generation stops. The script is deterministic (fixed seeds, fixed
names) and rewrites the whole directory, so running it twice gives the same files.
"""
import json
import os
import re
import subprocess
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "test", "fixtures", "torch")

warnings.filterwarnings("ignore")
torch.set_num_threads(1)


# ---------------------------------------------------------------------------------------------
# Models. Channel counts are tiny so that the files stay small; the shapes are what matters.


class MnistAE(nn.Module):
    """MNIST conv autoencoder: three stride-2 k3 p1 convs (28 -> 14 -> 7 -> 4) and a
    ConvTranspose decoder (k3 s2 p1) whose output_padding per layer is `ops`."""

    def __init__(self, ops=(1, 1, 1)):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.dec = nn.Sequential(
            nn.ConvTranspose2d(8, 8, 3, stride=2, padding=1, output_padding=ops[0]), nn.ReLU(),
            nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=ops[1]), nn.ReLU(),
            nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1, output_padding=ops[2]), nn.Sigmoid(),
        )

    def forward(self, x):
        return self.dec(self.enc(x))


def double_conv(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU())


class UNet(nn.Module):
    """Two-level U-Net (MaxPool2d(2) down, skip concatenation as in milesial/Pytorch-UNet).

    up = "convt": ConvTranspose2d(k2, s2) and cat as is (breaks unless H, W are multiples of 4);
    up = "pad": the same, then F.pad of the upsampled map to the skip size (milesial's fix);
    up = "nearest" / "bilinear": F.interpolate(x, size=skip.shape[2:]) then a conv.
    """

    def __init__(self, up):
        super().__init__()
        self.up_mode = up
        self.inc = double_conv(1, 4)
        self.down1 = nn.Sequential(nn.MaxPool2d(2), double_conv(4, 8))
        self.down2 = nn.Sequential(nn.MaxPool2d(2), double_conv(8, 16))
        if up in ("convt", "pad"):
            self.up1 = nn.ConvTranspose2d(16, 8, 2, stride=2)
            self.up2 = nn.ConvTranspose2d(8, 4, 2, stride=2)
        else:
            self.up1 = nn.Conv2d(16, 8, 1)
            self.up2 = nn.Conv2d(8, 4, 1)
        self.conv1 = double_conv(16, 8)
        self.conv2 = double_conv(8, 4)
        self.outc = nn.Conv2d(4, 1, 1)

    def _up(self, layer, x, skip):
        if self.up_mode == "convt":
            return layer(x)
        if self.up_mode == "pad":
            x = layer(x)
            diffY = skip.size(2) - x.size(2)
            diffX = skip.size(3) - x.size(3)
            return F.pad(x, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])
        if self.up_mode == "nearest":
            return layer(F.interpolate(x, size=skip.shape[2:], mode="nearest"))
        return layer(F.interpolate(x, size=skip.shape[2:], mode="bilinear", align_corners=False))

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        u = self._up(self.up1, x3, x2)
        u = self.conv1(torch.cat([x2, u], dim=1))
        u = self._up(self.up2, u, x1)
        u = self.conv2(torch.cat([x1, u], dim=1))
        return self.outc(u)


class Dyn8(nn.Module):
    """Residual encoder/decoder: three stride-2 convs, three stride-2 transposed convs (k3 s2 p1
    output_padding 1, so 8*ceil(H/8) comes back), then `x + decoded`: runs only when H and W
    are multiples of 8."""

    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(4, 4, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.dec = nn.Sequential(
            nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1, output_padding=1),
        )

    def forward(self, x):
        return x + self.dec(self.enc(x))


class TrapOutsize(nn.Module):
    """peers.md 2.4: Conv2d(1,4,4,stride=3) then ConvTranspose2d(4,1,4,stride=3) with
    output_size=x.shape[-2:]. The exporter resolves output_size at trace time (23x23) into a
    constant output_padding=1, so the ONNX graph returns 3*floor((H-4)/3)+5, not H."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 4, stride=3)
        self.deconv = nn.ConvTranspose2d(4, 1, 4, stride=3)

    def forward(self, x):
        h = self.conv(x)
        return self.deconv(h, output_size=x.shape[-2:])


class VAEDecoder(nn.Module):
    """VAE decoder: Linear(latent -> C*s*s) -> view -> two ConvTranspose2d(k4, s2, p1).
    `view(h.size(0), C, s, s)` exports a computed Reshape shape, `view(-1, C, s, s)` a constant one.
    seed 7 -> 14 -> 28 (right for MNIST); seed 8 -> 16 -> 32 (the bad variant)."""

    def __init__(self, seed_size, minus_one):
        super().__init__()
        self.seed_size = seed_size
        self.minus_one = minus_one
        self.fc = nn.Linear(8, 8 * seed_size * seed_size)
        self.dec = nn.Sequential(
            nn.ReLU(),
            nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(4, 1, 4, stride=2, padding=1), nn.Sigmoid(),
        )

    def forward(self, z):
        h = self.fc(z)
        if self.minus_one:
            h = h.view(-1, 8, self.seed_size, self.seed_size)
        else:
            h = h.view(h.size(0), 8, self.seed_size, self.seed_size)
        return self.dec(h)


class GanGenerator(nn.Module):
    """DCGAN-style generator from a latent (N, 100, 1, 1).

    "dcgan32": ConvT(k4, s1, p0) 1 -> 4, then three ConvT(k4, s2, p1): 8 -> 16 -> 32 (right for a
    32x32 target). "off28": ConvT(k7, s1, p0) 1 -> 7, then two ConvT(k3, s2, p1) without
    output_padding: 13 -> 25, for a 28x28 target (output_padding=1 on both gives 14 -> 28)."""

    def __init__(self, kind):
        super().__init__()
        if kind == "dcgan32":
            self.main = nn.Sequential(
                nn.ConvTranspose2d(100, 8, 4, 1, 0, bias=False), nn.BatchNorm2d(8), nn.ReLU(True),
                nn.ConvTranspose2d(8, 4, 4, 2, 1, bias=False), nn.BatchNorm2d(4), nn.ReLU(True),
                nn.ConvTranspose2d(4, 2, 4, 2, 1, bias=False), nn.BatchNorm2d(2), nn.ReLU(True),
                nn.ConvTranspose2d(2, 1, 4, 2, 1, bias=False), nn.Tanh(),
            )
        else:
            self.main = nn.Sequential(
                nn.ConvTranspose2d(100, 4, 7, 1, 0, bias=False), nn.BatchNorm2d(4), nn.ReLU(True),
                nn.ConvTranspose2d(4, 2, 3, 2, 1, bias=False), nn.BatchNorm2d(2), nn.ReLU(True),
                nn.ConvTranspose2d(2, 1, 3, 2, 1, bias=False), nn.Tanh(),
            )

    def forward(self, z):
        return self.main(z)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        idt = x if self.downsample is None else self.downsample(x)
        return F.relu(out + idt)


class ResNetOdd(nn.Module):
    """ResNet-style: stem, an identity block, two stride-2 blocks with 1x1 stride-2 downsample
    shortcuts (ceil(H/2) on both paths, so odd sizes are fine), global pool and a linear head.
    Outputs the last feature map and the logits."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU())
        self.layer1 = BasicBlock(4, 4, 1)
        self.layer2 = BasicBlock(4, 8, 2)
        self.layer3 = BasicBlock(8, 8, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        f = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return f, self.fc(torch.flatten(self.pool(f), 1))


class PoolCeil(nn.Module):
    """Pools with ceil_mode=True where PyTorch's "a window may not start in the right padding"
    rule matters (peers.md 2.2: (i,k,s,p) = (5,3,3,1), (7,2,2,1), (10,3,4,1))."""

    def __init__(self):
        super().__init__()
        self.max_k3s3p1 = nn.MaxPool2d(3, stride=3, padding=1, ceil_mode=True)
        self.max_k2s2p1 = nn.MaxPool2d(2, stride=2, padding=1, ceil_mode=True)
        self.max_k3s4p1 = nn.MaxPool2d(3, stride=4, padding=1, ceil_mode=True)
        self.max_k3s2p1 = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.avg_k2s2p1 = nn.AvgPool2d(2, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        self.avg_k3s3p1 = nn.AvgPool2d(3, stride=3, padding=1, ceil_mode=True, count_include_pad=False)

    def forward(self, x):
        return (self.max_k3s3p1(x), self.max_k2s2p1(x), self.max_k3s4p1(x), self.max_k3s2p1(x),
                self.avg_k2s2p1(x), self.avg_k3s3p1(x))


class AvgPoolCeilPad(nn.Module):
    """AvgPool2d(ceil_mode=True, padding=1) with the default count_include_pad=True. The torch 1.13
    exporter writes an explicit Pad followed by an unpadded ceil-mode AveragePool; the last-window
    rule then sees no padding, so the graph returns one more than PyTorch where the rule matters
    (5 -> 3 instead of 2 for k3 s3). onnxruntime's default Pad fusion folds the Pad back into the
    pool's pads and so happens to give PyTorch's size; with optimizations off it gives the graph's."""

    def __init__(self):
        super().__init__()
        self.avg_k3s3p1 = nn.AvgPool2d(3, stride=3, padding=1, ceil_mode=True)
        self.avg_k2s2p1 = nn.AvgPool2d(2, stride=2, padding=1, ceil_mode=True)

    def forward(self, x):
        return self.avg_k3s3p1(x), self.avg_k2s2p1(x)


class UpsampleNearest(nn.Module):
    """nn.Upsample(scale_factor=2) and F.interpolate(scale_factor=2) (Resize with scales), one
    after a MaxPool2d(2) so that odd sizes come back one smaller."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")

    def forward(self, x):
        h = self.conv(x)
        return self.up(h), F.interpolate(self.pool(h), scale_factor=2.0, mode="nearest")


class ConvTVariants(nn.Module):
    """ConvTranspose1d/2d/3d with groups, dilation, output_padding up to stride-1, and
    asymmetric kernels, strides and pads."""

    def __init__(self):
        super().__init__()
        self.t1 = nn.ConvTranspose1d(4, 6, 5, stride=3, padding=2, output_padding=2, groups=2)
        self.t1d = nn.ConvTranspose1d(4, 2, 3, stride=2, padding=0, output_padding=1, dilation=3)
        self.t2 = nn.ConvTranspose2d(4, 4, (3, 2), stride=(2, 3), padding=(1, 0), output_padding=(1, 2),
                                     groups=4, dilation=(2, 1))
        self.t3 = nn.ConvTranspose3d(2, 2, (2, 3, 3), stride=(2, 2, 3), padding=(0, 1, 2),
                                     output_padding=(1, 1, 2), dilation=(2, 1, 2))

    def forward(self, a, b, c):
        return self.t1(a), self.t1d(a), self.t2(b), self.t3(c)


class ConvTOutpadDilation(nn.Module):
    """output_padding >= stride, allowed by PyTorch because it is < dilation (op < max(s, d)):
    height has stride 1, dilation 2, output_padding 1. onnxruntime rejects this node."""

    def __init__(self):
        super().__init__()
        self.t = nn.ConvTranspose2d(2, 2, 3, stride=(1, 2), padding=1, output_padding=(1, 1), dilation=(2, 1))

    def forward(self, x):
        return self.t(x)


class ReshapeFlatten(nn.Module):
    """Classifier head: conv + pool, then x.view(x.size(0), -1) and torch.flatten(x, 1) heads."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.fc1 = nn.Linear(2 * 14 * 14, 10)
        self.fc2 = nn.Linear(2 * 14 * 14, 10)

    def forward(self, x):
        h = self.features(x)
        return self.fc1(h.view(h.size(0), -1)), self.fc2(torch.flatten(h, 1))


# ---------------------------------------------------------------------------------------------
# What to export. `sizes` are the spatial (or batch) sizes each run uses; `shape(size)` builds
# the input shapes of one run. `graph_differs` names runs (by index) where the exported graph is
# known to compute something else than the PyTorch module, with the reason.

NCHW = ("x",)
DYN_NHW = {"x": {0: "N", 2: "H", 3: "W"}}
DYN_HW = {"x": {2: "H", 3: "W"}}


def img(h, w=None, n=1):
    return {"x": [n, 1, h, h if w is None else w]}


UNET_RUNS = [img(32), img(64, 48), img(36, 20), img(33), img(30), img(29, 32), img(32, 31), img(34)]

EXPORTS = [
    dict(name="mnist_ae", make=lambda: MnistAE((1, 1, 1)), opset=13, dynamic=None, outputs=["y"],
         runs=[img(28)],
         about="MNIST conv autoencoder (DESIGN.md section 2): encoder 28->14->7->4, ConvTranspose(k3,s2,p1,output_padding=1) decoder returns 8->16->32; fixed 1x1x28x28 input"),
    dict(name="mnist_ae_dyn", make=lambda: MnistAE((1, 1, 1)), opset=17, dynamic=DYN_NHW, outputs=["y"],
         runs=[img(28), img(32), img(33, 20), img(64, 57, 2), img(8)],
         about="mnist_ae with dynamic N,H,W: returns 8*ceil(H/8) x 8*ceil(W/8)"),
    dict(name="mnist_ae_fixed", make=lambda: MnistAE((0, 1, 1)), opset=13, dynamic=None, outputs=["y"],
         runs=[img(28)],
         about="mnist_ae with output_padding 0,1,1: 4->7->14->28 returns 28x28; fixed input"),
    dict(name="mnist_ae_fixed_dyn", make=lambda: MnistAE((0, 1, 1)), opset=11, dynamic=DYN_NHW, outputs=["y"],
         runs=[img(28), img(27), img(32), img(30, 26), img(56, 3, 3)],
         about="mnist_ae_fixed with dynamic N,H,W (opset 11): returns 8*ceil(H/8)-4"),
    dict(name="unet_odd", make=lambda: UNet("convt"), opset=13, dynamic=DYN_HW, outputs=["y"], runs=UNET_RUNS,
         about="2-level U-Net, MaxPool2d(2) down, ConvTranspose2d(k2,s2) up, torch.cat skip; dynamic H,W: runs only for multiples of 4, otherwise a skip Concat fails"),
    dict(name="unet_odd_op11", make=lambda: UNet("convt"), opset=11, dynamic=DYN_NHW, outputs=["y"],
         runs=[img(32, 32, 2), img(31), img(44, 42)],
         about="unet_odd exported at opset 11 with dynamic N,H,W"),
    dict(name="unet_pad", make=lambda: UNet("pad"), opset=13, dynamic=DYN_HW, outputs=["y"], runs=UNET_RUNS,
         about="unet_odd with milesial's fix: F.pad of the upsampled map to the skip size (Shape/Gather/Sub/Div/Concat -> Pad); clean for every size"),
    dict(name="unet_pad_op17", make=lambda: UNet("pad"), opset=17, dynamic=DYN_NHW, outputs=["y"],
         runs=[img(32), img(23, 23, 2), img(30, 45)],
         about="unet_pad exported at opset 17 with dynamic N,H,W"),
    dict(name="unet_interp", make=lambda: UNet("nearest"), opset=13, dynamic=DYN_HW, outputs=["y"], runs=UNET_RUNS,
         about="U-Net upsampling with F.interpolate(x, size=skip.shape[2:], mode='nearest') (Resize with computed sizes); clean for every size"),
    dict(name="unet_interp_bilinear", make=lambda: UNet("bilinear"), opset=17, dynamic=DYN_NHW, outputs=["y"],
         runs=[img(32), img(33), img(30, 29, 2)],
         about="unet_interp with mode='bilinear', opset 17"),
    dict(name="unet_interp_op11", make=lambda: UNet("nearest"), opset=11, dynamic=DYN_HW, outputs=["y"],
         runs=[img(32), img(33), img(26, 37)],
         about="unet_interp exported at opset 11"),
    dict(name="dyn8", make=Dyn8, opset=17, dynamic=DYN_NHW, outputs=["y"],
         runs=[img(32), img(64, 40), img(8), img(33), img(36), img(40, 30, 2), img(24, 16, 3)],
         about="residual encoder/decoder y = x + dec(enc(x)), three stride-2 convs and three stride-2 ConvTranspose: runs only when H and W are multiples of 8 (the Add fails otherwise)"),
    dict(name="trap_outsize", make=TrapOutsize, opset=13, dynamic=DYN_HW, outputs=["y"],
         export_size=img(23), runs=[img(23), img(24), img(25), img(26), img(29, 24)],
         graph_differs="output_size=x.shape[-2:] is resolved at trace time (23x23) into a constant output_padding=1: the ONNX graph returns 3*floor((H-4)/3)+5 while PyTorch returns H; the declared graph output still says [1,1,H,W]",
         about="peers.md 2.4: Conv2d(1,4,4,stride=3) then ConvTranspose2d(4,1,4,stride=3)(h, output_size=x.shape[-2:]), exported at 23x23 with dynamic H,W (declared-shape mismatch)"),
    dict(name="vae_decoder", make=lambda: VAEDecoder(7, minus_one=False), opset=11, dynamic={"z": {0: "N"}},
         inputs=["z"], outputs=["y"], runs=[{"z": [1, 8]}, {"z": [3, 8]}, {"z": [16, 8]}],
         about="VAE decoder: Linear(8 -> 8*7*7), h.view(h.size(0), 8, 7, 7), ConvTranspose(k4,s2,p1) x2: 7->14->28, dynamic batch, opset 11"),
    dict(name="vae_decoder_bad", make=lambda: VAEDecoder(8, minus_one=True), opset=13, dynamic={"z": {0: "N"}},
         inputs=["z"], outputs=["y"], runs=[{"z": [1, 8]}, {"z": [4, 8]}],
         about="VAE decoder meant for 28x28 but seeded at 8x8 (h.view(-1, 8, 8, 8)): 8->16->32, dynamic batch, opset 13"),
    dict(name="gan_generator", make=lambda: GanGenerator("dcgan32"), opset=17, dynamic={"z": {0: "N"}},
         inputs=["z"], outputs=["y"], runs=[{"z": [1, 100, 1, 1]}, {"z": [5, 100, 1, 1]}],
         about="DCGAN generator, latent (N,100,1,1): ConvT(k4,s1,p0) 1->4 then ConvT(k4,s2,p1) x3: 8->16->32; right for a 32x32 target"),
    dict(name="gan_generator_off", make=lambda: GanGenerator("off28"), opset=13, dynamic={"z": {0: "N"}},
         inputs=["z"], outputs=["y"], runs=[{"z": [1, 100, 1, 1]}, {"z": [2, 100, 1, 1]}],
         about="generator for a 28x28 target: ConvT(k7,s1,p0) 1->7 then ConvT(k3,s2,p1) x2 without output_padding: 13->25 (output_padding=1 on both gives 28)"),
    dict(name="resnet_odd", make=ResNetOdd, opset=13, dynamic=DYN_NHW, outputs=["features", "logits"],
         runs=[img(32), img(33), img(33, 17, 2), img(7), img(224, 225)],
         about="ResNet-style blocks with 1x1 stride-2 downsample shortcuts: ceil(H/2) on both paths of each Add, clean for odd sizes"),
    dict(name="resnet_odd_op11", make=ResNetOdd, opset=11, dynamic=DYN_HW, outputs=["features", "logits"],
         runs=[img(33), img(31, 48)],
         about="resnet_odd exported at opset 11"),
    dict(name="pool_ceil", make=PoolCeil, opset=17, dynamic=DYN_HW,
         outputs=["max_k3s3p1", "max_k2s2p1", "max_k3s4p1", "max_k3s2p1", "avg_k2s2p1", "avg_k3s3p1"],
         runs=[img(5), img(7), img(10), img(6, 9), img(11, 8), img(4)],
         about="MaxPool2d and AvgPool2d(count_include_pad=False) with ceil_mode=True at sizes where the last-window rule matters (peers.md 2.2: (5,3,3,1) -> 2, (7,2,2,1) -> 4, (10,3,4,1) -> 3), opset 17"),
    dict(name="pool_ceil_op11", make=PoolCeil, opset=11, dynamic=DYN_HW,
         outputs=["max_k3s3p1", "max_k2s2p1", "max_k3s4p1", "max_k3s2p1", "avg_k2s2p1", "avg_k3s3p1"],
         runs=[img(5), img(7), img(10), img(9, 13)],
         about="pool_ceil exported at opset 11"),
    dict(name="avgpool_ceil_pad", make=AvgPoolCeilPad, opset=13, dynamic=DYN_HW, outputs=["avg_k3s3p1", "avg_k2s2p1"],
         runs=[img(5), img(7), img(6), img(11, 8), img(10, 9)],
         graph_differs="AvgPool2d with padding, ceil_mode=True and count_include_pad=True is exported as Pad + AveragePool(pads 0, ceil_mode 1): the last-window rule no longer sees the padding, so the graph gives ceil((H+2-k)/s)+1 without the decrement (5 -> 3 for k3 s3, 7 -> 5 for k2 s2) where PyTorch gives 2 and 4",
         about="AvgPool2d(3,3,padding=1,ceil_mode=True) and AvgPool2d(2,2,padding=1,ceil_mode=True) with count_include_pad=True: the exporter's Pad + AveragePool changes the output size"),
    dict(name="upsample_nearest", make=UpsampleNearest, opset=13, dynamic=DYN_NHW, outputs=["up", "pool_up"],
         runs=[img(16), img(23), img(10, 7, 2)],
         about="nn.Upsample(scale_factor=2) and F.interpolate(scale_factor=2) after MaxPool2d(2) (Resize with scales); 23 -> 46 and 23 -> 11 -> 22"),
    dict(name="upsample_nearest_op11", make=UpsampleNearest, opset=11, dynamic=DYN_HW, outputs=["up", "pool_up"],
         runs=[img(16), img(23), img(9, 12)],
         about="upsample_nearest exported at opset 11"),
    dict(name="convt_variants", make=ConvTVariants, opset=17,
         dynamic={"a": {0: "N", 2: "L"}, "b": {0: "N", 2: "H", 3: "W"}, "c": {0: "N", 2: "D", 3: "Hc", 4: "Wc"}},
         inputs=["a", "b", "c"], outputs=["t1", "t1d", "t2", "t3"],
         runs=[{"a": [1, 4, 5], "b": [1, 4, 5, 6], "c": [1, 2, 3, 4, 5]},
               {"a": [2, 4, 1], "b": [2, 4, 1, 1], "c": [2, 2, 1, 1, 1]},
               {"a": [1, 4, 10], "b": [1, 4, 7, 3], "c": [1, 2, 4, 6, 2]}],
         about="ConvTranspose1d/2d/3d with groups, dilation, output_padding up to stride-1, asymmetric kernels/strides/pads"),
    dict(name="convt_variants_op11", make=ConvTVariants, opset=11, dynamic=None,
         inputs=["a", "b", "c"], outputs=["t1", "t1d", "t2", "t3"],
         runs=[{"a": [1, 4, 5], "b": [1, 4, 5, 6], "c": [1, 2, 3, 4, 5]}],
         about="convt_variants exported at opset 11 with fixed shapes"),
    dict(name="convt_outpad_dilation", make=ConvTOutpadDilation, opset=17, dynamic=DYN_HW, inputs=["x"], outputs=["y"],
         runs=[{"x": [1, 2, 5, 5]}, {"x": [1, 2, 8, 3]}],
         onnxruntime_differs="output_padding 1 with stride 1 and dilation 2 on the height: PyTorch accepts it (output_padding < max(stride, dilation)) and the ONNX formula s*(i-1) + d*(k-1) + 1 + op - pads gives its size; onnxruntime 1.30 rejects the node ('output_padding (1) may be too large for stride (1)')",
         about="ConvTranspose2d(2,2,3,stride=(1,2),padding=1,output_padding=(1,1),dilation=(2,1)): output_padding >= stride where dilation allows it"),
    dict(name="reshape_flatten", make=ReshapeFlatten, opset=11, dynamic={"x": {0: "N"}}, outputs=["view", "flatten"],
         runs=[img(28), img(28, 28, 3), img(28, 28, 8)],
         about="classifier head: x.view(x.size(0), -1) (Shape/Gather/Concat -> Reshape) and torch.flatten(x, 1) (Flatten), dynamic batch, opset 11"),
    dict(name="reshape_flatten_op13", make=ReshapeFlatten, opset=13, dynamic={"x": {0: "N"}}, outputs=["view", "flatten"],
         runs=[img(28), img(28, 28, 5)],
         about="reshape_flatten exported at opset 13"),
]


# ---------------------------------------------------------------------------------------------


def build(spec):
    torch.manual_seed(0)
    model = spec["make"]()
    model.eval()
    # Deterministic, non-trivial BatchNorm statistics.
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.rand(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) * 0.5 + 0.75)
    return model


def run_torch(model, spec, shapes):
    names = spec.get("inputs", list(NCHW))
    args = []
    g = torch.Generator().manual_seed(2)
    for n in names:
        args.append(torch.rand(*shapes[n], generator=g))
    try:
        with torch.no_grad():
            out = model(*args)
    except Exception as e:  # the message torch raised is the fact recorded
        return {"outputs": None, "error": str(e).strip()}
    outs = out if isinstance(out, tuple) else (out,)
    return {"outputs": {n: list(o.shape) for n, o in zip(spec["outputs"], outs)}, "error": None}


def export(model, spec, path):
    names = spec.get("inputs", list(NCHW))
    shapes = spec.get("export_size", spec["runs"][0])
    g = torch.Generator().manual_seed(3)
    args = tuple(torch.rand(*shapes[n], generator=g) for n in names)
    dynamic_axes = None
    if spec["dynamic"]:
        dynamic_axes = dict(spec["dynamic"])
        for o in spec["outputs"]:
            # Output dims get their own names from the exporter unless named here; keep the
            # exporter's choice except for the batch, which follows the input's.
            first = names[0]
            if 0 in spec["dynamic"].get(first, {}):
                dynamic_axes[o] = {0: spec["dynamic"][first][0]}
        if spec["name"] == "trap_outsize":
            dynamic_axes["y"] = {2: "H", 3: "W"}
    with torch.no_grad():
        torch.onnx.export(
            model, args, path,
            input_names=names, output_names=spec["outputs"],
            opset_version=spec["opset"], dynamic_axes=dynamic_axes,
            do_constant_folding=True,
        )




with open(os.path.join(ROOT, "node_modules", "onnxruntime-node", "package.json")) as _f:
    ORT_VERSION = json.load(_f)["version"]


def run_ort(jobs):
    """jobs: [{model, runs}] -> per job, per run: {raw, optimized} records of scripts/ort-shapes.mjs."""
    payload = [{**job, "optimized": True} for job in jobs]
    p = subprocess.run(["node", os.path.join(ROOT, "scripts", "ort-shapes.mjs")], input=json.dumps(payload), cwd=ROOT,
                       capture_output=True, text=True, env={**os.environ, "ONNXRUNTIME_NODE_INSTALL": "skip"})
    if p.returncode != 0:
        sys.exit("onnxruntime-node failed (run `npm ci` first):\n" + p.stderr)
    return json.loads(p.stdout)


def dump_json(obj):
    """Indented JSON with lists of numbers (shapes) kept on one line."""
    text = json.dumps(obj, indent=1)
    text = re.sub(r"\[\s+(-?\d+(?:,\s+-?\d+)*)\s+\]", lambda m: "[" + ", ".join(m.group(1).replace(",", " ").split()) + "]", text)
    return text + "\n"


def export_all(specs, out_dir, sidecars=True):
    os.makedirs(out_dir, exist_ok=True)
    records = []
    for spec in specs:
        model = build(spec)
        path = os.path.join(out_dir, spec["file"] if "file" in spec else spec["name"] + ".onnx")
        export(model, spec, path)
        runs = [dict(inputs=shapes, **run_torch(model, spec, shapes)) for shapes in spec["runs"]]
        records.append((spec, path, runs))
    ort_results = run_ort([{"model": path, "runs": spec["runs"]} for spec, path, _ in records])
    problems = []
    for (spec, path, runs), ort_runs in zip(records, ort_results):
        for i, (run, both) in enumerate(zip(runs, ort_runs)):
            o = both["raw"]
            run["onnxruntime"] = o
            if both["optimized"]["outputs"] != o["outputs"] or (both["optimized"]["error"] is None) != (o["error"] is None):
                run["onnxruntime_optimized"] = both["optimized"]
            same = (run["error"] is None) == (o["error"] is None) and (run["error"] is not None or run["outputs"] == o["outputs"])
            run["graph_matches_torch"] = same
            if not same and "graph_differs" not in spec and "onnxruntime_differs" not in spec:
                problems.append(f"{spec['name']} run {i} {run['inputs']}: torch {run['outputs'] or run['error']!r} vs onnxruntime {o['outputs'] or o['error']!r}")
            if run["error"] is not None and o["error"] is not None and (o["node"] is None or o["mismatch"] is None):
                problems.append(f"{spec['name']} run {i}: no node name or sizes in onnxruntime's error: {o['error']}")
        if sidecars:
            side = {
                "model": os.path.basename(path),
                "opset": spec["opset"],
                "dynamic": bool(spec["dynamic"]),
                "about": spec["about"],
                "torch": torch.__version__.split("+")[0],
                "onnxruntime": ORT_VERSION,
                "runs": runs,
            }
            for key in ("graph_differs", "onnxruntime_differs"):
                if key in spec:
                    side[key] = spec[key]
            if "export_size" in spec:
                side["export_inputs"] = spec["export_size"]
            with open(path[:-5] + ".json", "w") as f:
                f.write(dump_json(side))
    if problems:
        sys.exit("exported graphs disagree with torch:\n  " + "\n  ".join(problems))
    return records


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    names = {s["name"] for s in EXPORTS}
    assert len(names) == len(EXPORTS), "duplicate export names"
    for f in os.listdir(OUT_DIR):
        if f.endswith(".onnx") or f.endswith(".json"):
            os.remove(os.path.join(OUT_DIR, f))
    records = export_all(EXPORTS, OUT_DIR)
    total = 0
    for spec, path, _ in records:
        size = os.path.getsize(path) + os.path.getsize(path[:-5] + ".json")
        total += size
        print(f"{os.path.relpath(path, ROOT)}  {os.path.getsize(path)} B  opset {spec['opset']}")
    print(f"{len(records)} models, {total} bytes with sidecars")


if __name__ == "__main__":
    main()
