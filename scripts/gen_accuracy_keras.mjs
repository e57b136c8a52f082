#!/usr/bin/env node
// Generate the Keras half of the accuracy corpus in test/accuracy/ (see test/accuracy/README.md):
// Keras-2-style model JSON written by TensorFlow.js layers (`model.toJSON(null, false)`), some
// of it hand-edited afterwards for a Keras feature TF.js lacks (`output_padding` on
// Conv2DTranspose), and the Keras cases of test/accuracy/manifest.json (the ONNX cases, written by
// scripts/gen_accuracy_corpus.py, and `knownFailures` are kept).
//
//   npm ci && node scripts/gen_accuracy_keras.mjs
//
// Labels come from running the model, never from shapelint. Every case is run on the TF.js CPU
// backend on zeros at the case's size (the symbolic ones at every square size 8..96), layer by
// layer in the model's own order, so a failing merge is known by its layer name; the whole model
// is also run with `model.predict` and must agree. A hand-edited `output_padding` is run as the
// TF.js layer followed by a crop / zero pad to the size of the Keras formula (KERAS_JSON.md
// section 9): (n-1)*s + k' + p for "valid", (n-1)*s + (k' mod 2) + p for "same"; such cases say
// `source: "hand-edited"`. A mis-sized output is blamed on the layer that was deliberately
// broken (`mutated`: the correct model is run too and must give the right size) or, for a model
// broken by its input size alone, on the one Conv2DTranspose whose output_padding change alone
// restores the size (searched with the same formula; it must be unique).
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const ACC = join(ROOT, "test", "accuracy");
const MODELS = join(ACC, "models");
const MANIFEST = join(ACC, "manifest.json");
const KERAS_SOURCES = new Set(["tfjs", "hand-edited"]);
const DEC = "decoder-output-mismatch";
const MERGE = "merge-shape-mismatch";
const MERGE_LAYERS = new Set(["Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]);
const SCAN = Array.from({ length: 89 }, (_, i) => i + 8);

await tf.setBackend("cpu");

// ---------------------------------------------------------------------------------------------
// Layer helpers (tiny filter counts: only the shapes matter).

const L = tfl.layers;
const conv = (name, filters, o = {}) => L.conv2d({ name, filters, kernelSize: 3, padding: "same", activation: "relu", ...o });
const convT = (name, filters, o = {}) => L.conv2d({ name, filters, kernelSize: 3, padding: "same", ...o });
const deconv = (name, filters, o = {}) => L.conv2dTranspose({ name, filters, kernelSize: 3, strides: 2, padding: "same", activation: "relu", ...o });

// ---------------------------------------------------------------------------------------------
// Models. Each returns a fresh tfjs-layers model (Sequential or functional).

/** Sequential MNIST autoencoder: Conv2D(k3, s2, same) x3 (28-14-7-4), Conv2DTranspose(k3, s2, same) x3 (4-8-16-32 without output_padding), Conv2D reconstruction. */
function seqAE() {
  const m = tfl.sequential({ name: "seq_ae" });
  m.add(conv("enc1", 4, { inputShape: [28, 28, 1], strides: 2 }));
  m.add(conv("enc2", 8, { strides: 2 }));
  m.add(conv("enc3", 8, { strides: 2 }));
  m.add(deconv("dec1", 8));
  m.add(deconv("dec2", 4));
  m.add(deconv("dec3", 4));
  m.add(conv("reconstruction", 1, { activation: "sigmoid" }));
  return m;
}

/** Functional autoencoder with VALID layers: Conv2D(k3, s2, valid) 28-13-6, Conv2DTranspose(k3, s2, valid) 6-13-27 without output_padding. */
function validAE() {
  const x = tfl.input({ shape: [28, 28, 1], name: "digit" });
  let h = conv("enc1", 4, { strides: 2, padding: "valid" }).apply(x);
  h = conv("enc2", 8, { strides: 2, padding: "valid" }).apply(h);
  h = deconv("dec1", 4, { padding: "valid" }).apply(h);
  h = deconv("dec2", 4, { padding: "valid" }).apply(h);
  const y = conv("reconstruction", 1, { activation: "sigmoid" }).apply(h);
  return tfl.model({ name: "valid_ae", inputs: x, outputs: y });
}

/** Keras blog convolutional autoencoder: MaxPooling2D(2, same) 28-14-7-4, UpSampling2D 8-16, a VALID Conv2D 16-14, UpSampling2D 28. */
function blogAE() {
  const x = tfl.input({ shape: [28, 28, 1], name: "digit" });
  let h = conv("enc_conv1", 4).apply(x);
  h = L.maxPooling2d({ name: "enc_pool1", poolSize: 2, padding: "same" }).apply(h);
  h = conv("enc_conv2", 4).apply(h);
  h = L.maxPooling2d({ name: "enc_pool2", poolSize: 2, padding: "same" }).apply(h);
  h = conv("enc_conv3", 4).apply(h);
  h = L.maxPooling2d({ name: "code", poolSize: 2, padding: "same" }).apply(h);
  h = conv("dec_conv1", 4).apply(h);
  h = L.upSampling2d({ name: "dec_up1", size: [2, 2] }).apply(h);
  h = conv("dec_conv2", 4).apply(h);
  h = L.upSampling2d({ name: "dec_up2", size: [2, 2] }).apply(h);
  h = conv("dec_conv3", 4, { padding: "valid" }).apply(h);
  h = L.upSampling2d({ name: "dec_up3", size: [2, 2] }).apply(h);
  const y = conv("reconstruction", 1, { activation: "sigmoid" }).apply(h);
  return tfl.model({ name: "blog_ae", inputs: x, outputs: y });
}

/**
 * Two-level U-Net with None height and width. up: "upsample" (UpSampling2D(2) + conv) or
 * "convt_valid" (Conv2DTranspose(k2, s2, valid)). MaxPooling2D(2) down (floor), Concatenate
 * skips skip1 (inner) and skip2 (outer). cf: channels_first.
 */
function unet(name, up, cf = false) {
  const df = cf ? { dataFormat: "channelsFirst" } : {};
  const axis = cf ? 1 : -1;
  const x = tfl.input({ shape: cf ? [1, null, null] : [null, null, 1], name: "image" });
  const c1 = conv("down0_conv", 4, df).apply(x);
  const p1 = L.maxPooling2d({ name: "down1_pool", poolSize: 2, ...df }).apply(c1);
  const c2 = conv("down1_conv", 8, df).apply(p1);
  const p2 = L.maxPooling2d({ name: "down2_pool", poolSize: 2, ...df }).apply(c2);
  const c3 = conv("bottom_conv", 8, df).apply(p2);
  const upLayer = (n, f, inp) =>
    up === "upsample"
      ? conv(`${n}_conv`, f, df).apply(L.upSampling2d({ name: n, size: [2, 2], ...df }).apply(inp))
      : L.conv2dTranspose({ name: n, filters: f, kernelSize: 2, strides: 2, padding: "valid", ...df }).apply(inp);
  const u1 = upLayer("up1", 8, c3);
  const m1 = L.concatenate({ name: "skip1", axis }).apply([u1, c2]);
  const c4 = conv("up1_block", 8, df).apply(m1);
  const u2 = upLayer("up2", 4, c4);
  const m2 = L.concatenate({ name: "skip2", axis }).apply([u2, c1]);
  const c5 = conv("up2_block", 4, df).apply(m2);
  const y = conv("mask", 1, { activation: "sigmoid", kernelSize: 1, ...df }).apply(c5);
  return tfl.model({ name, inputs: x, outputs: y });
}

/**
 * U-Net for 26x26: Conv2D(k3, s2, same) down 26-13-7, Conv2DTranspose(k3, s2, same) up 7-14,
 * Cropping2D `crop` 14-13, skip1; up again 13-26, skip2. size: the input's H = W, or null
 * (TF.js refuses to build a fixed-size model whose Concatenate provably fails).
 */
function unetCrop(name, crop, size) {
  const x = tfl.input({ shape: [size, size, 1], name: "image" });
  const c1 = conv("down0_conv", 4).apply(x);
  const c2 = conv("down1_conv", 8, { strides: 2 }).apply(c1);
  const c3 = conv("down2_conv", 8, { strides: 2 }).apply(c2);
  let u1 = deconv("up1", 8).apply(c3);
  u1 = L.cropping2D({ name: "up1_crop", cropping: crop }).apply(u1);
  const m1 = L.concatenate({ name: "skip1" }).apply([u1, c2]);
  const u2 = deconv("up2", 4).apply(conv("up1_block", 8).apply(m1));
  const m2 = L.concatenate({ name: "skip2" }).apply([u2, c1]);
  const y = conv("mask", 1, { activation: "sigmoid", kernelSize: 1 }).apply(conv("up2_block", 4).apply(m2));
  return tfl.model({ name, inputs: x, outputs: y });
}

/** U-Net for 30x30: MaxPooling2D(2) 30-15-7, UpSampling2D 7-14, ZeroPadding2D `pad` 14-15, skip1; UpSampling2D 30, skip2. size as for unetCrop. */
function unetZeroPad(name, pad, size) {
  const x = tfl.input({ shape: [size, size, 1], name: "image" });
  const c1 = conv("down0_conv", 4).apply(x);
  const c2 = conv("down1_conv", 8).apply(L.maxPooling2d({ name: "down1_pool", poolSize: 2 }).apply(c1));
  const c3 = conv("bottom_conv", 8).apply(L.maxPooling2d({ name: "down2_pool", poolSize: 2 }).apply(c2));
  let u1 = L.upSampling2d({ name: "up1", size: [2, 2] }).apply(c3);
  u1 = L.zeroPadding2d({ name: "up1_pad", padding: pad }).apply(u1);
  const m1 = L.concatenate({ name: "skip1" }).apply([u1, c2]);
  const u2 = L.upSampling2d({ name: "up2", size: [2, 2] }).apply(conv("up1_block", 8).apply(m1));
  const m2 = L.concatenate({ name: "skip2" }).apply([u2, c1]);
  const y = conv("mask", 1, { activation: "sigmoid", kernelSize: 1 }).apply(conv("up2_block", 4).apply(m2));
  return tfl.model({ name, inputs: x, outputs: y });
}

/**
 * ResNet-style blocks with None height and width; shortcut of the two stride-2 blocks:
 * "conv" Conv2D(k1, s2, same) (ceil), "avg_same" AveragePooling2D(2, same) + 1x1 (ceil),
 * "avg_valid" AveragePooling2D(2, valid) + 1x1 (floor: the Add fails at odd sizes).
 */
function resnet(name, shortcut) {
  const x = tfl.input({ shape: [null, null, 1], name: "image" });
  let h = conv("stem", 4).apply(x);
  for (const [i, f] of [[1, 8], [2, 8]]) {
    const main = conv(`block${i}_conv2`, f, { activation: "linear" }).apply(conv(`block${i}_conv1`, f, { strides: 2 }).apply(h));
    let sc;
    if (shortcut === "conv") sc = L.conv2d({ name: `block${i}_shortcut`, filters: f, kernelSize: 1, strides: 2, padding: "same" }).apply(h);
    else {
      const pool = L.averagePooling2d({ name: `block${i}_pool`, poolSize: 2, padding: shortcut === "avg_same" ? "same" : "valid" }).apply(h);
      sc = L.conv2d({ name: `block${i}_shortcut`, filters: f, kernelSize: 1 }).apply(pool);
    }
    h = L.activation({ name: `block${i}_out`, activation: "relu" }).apply(L.add({ name: `block${i}_add` }).apply([main, sc]));
  }
  const y = L.dense({ name: "logits", units: 10 }).apply(L.globalAveragePooling2d({ name: "gap" }).apply(h));
  return tfl.model({ name, inputs: x, outputs: y });
}

/** VAE decoder: Dense(8*7*7), Reshape 7x7x8, Conv2DTranspose(k3, s2, same) 14, Conv2DTranspose(k3, s2, `pad2`) (same: 28, valid: 29), Conv2D out. */
function vaeDecoder(name, pad2) {
  const z = tfl.input({ shape: [8], name: "z" });
  let h = L.dense({ name: "fc", units: 7 * 7 * 8, activation: "relu" }).apply(z);
  h = L.reshape({ name: "seed", targetShape: [7, 7, 8] }).apply(h);
  h = deconv("dec1", 8).apply(h);
  h = deconv("dec2", 4, { padding: pad2 }).apply(h);
  const y = conv("image", 1, { activation: "sigmoid" }).apply(h);
  return tfl.model({ name, inputs: z, outputs: y });
}

/** Sequential generator: Dense, Reshape 7x7x4, UpSampling2D 14, Conv2D, UpSampling2D 28, Conv2D `gen_out` (k3, `pad`: same 28, valid 26). */
function genUpsample(name, pad) {
  const m = tfl.sequential({ name });
  m.add(L.dense({ name: "fc", inputShape: [16], units: 7 * 7 * 4, activation: "relu" }));
  m.add(L.reshape({ name: "seed", targetShape: [7, 7, 4] }));
  m.add(L.upSampling2d({ name: "up1", size: [2, 2] }));
  m.add(conv("conv1", 4));
  m.add(L.upSampling2d({ name: "up2", size: [2, 2] }));
  m.add(conv("gen_out", 1, { activation: "tanh", padding: pad }));
  return m;
}

/** 3-D volume autoencoder, None D, H, W: Conv3D(k3, s2, same) (ceil), Conv3D, Conv3DTranspose(k3, s2, same) `dec` (2n), Conv3D out. */
function ae3d() {
  const x = tfl.input({ shape: [null, null, null, 1], name: "volume" });
  let h = L.conv3d({ name: "enc", filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }).apply(x);
  h = L.conv3d({ name: "mid", filters: 4, kernelSize: 3, padding: "same", activation: "relu" }).apply(h);
  h = L.conv3dTranspose({ name: "dec", filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }).apply(h);
  const y = L.conv3d({ name: "reconstruction", filters: 1, kernelSize: 3, padding: "same" }).apply(h);
  return tfl.model({ name: "ae3d", inputs: x, outputs: y });
}

// ---------------------------------------------------------------------------------------------
// What to write. input: the model's input shape with null for free dims (batch first);
// kind: "recon" (the output must have the input's spatial size), "gen" (a stated target only),
// "other"; cf: channels_first; edits: hand edits {layer: {output_padding}} applied to the JSON
// (and to the runs, by the Keras formula); mutated: [layer, model name of the correct model].

const KMODELS = [
  { name: "k_seq_ae", make: seqAE, input: [null, 28, 28, 1], kind: "recon",
    about: "Sequential MNIST autoencoder (TF.js): Conv2D(k3, s2, same) x3 28-14-7-4, Conv2DTranspose(k3, s2, same) x3 without output_padding 4-8-16-32" },
  { name: "k_seq_ae_fixed", make: seqAE, input: [null, 28, 28, 1], kind: "recon", edits: { dec1: { output_padding: [0, 0] } },
    about: "k_seq_ae with output_padding=(0, 0) on dec1 (hand-edited): Keras gives (4-1)*2+1+0 = 7, then 14, 28" },
  { name: "k_seq_ae_dec2", make: seqAE, input: [null, 28, 28, 1], kind: "recon", edits: { dec1: { output_padding: [0, 0] }, dec2: { output_padding: [0, 0] } },
    mutated: ["dec2", "k_seq_ae_fixed"],
    about: "k_seq_ae_fixed with output_padding=(0, 0) also on dec2 (hand-edited): 7-13-26" },
  { name: "k_valid_ae", make: validAE, input: [null, 28, 28, 1], kind: "recon",
    about: "functional VALID autoencoder (TF.js): Conv2D(k3, s2, valid) 28-13-6, Conv2DTranspose(k3, s2, valid) 6-13-27" },
  { name: "k_valid_ae_fixed", make: validAE, input: [null, 28, 28, 1], kind: "recon", edits: { dec2: { output_padding: [1, 1] } },
    about: "k_valid_ae with output_padding=(1, 1) on dec2 (hand-edited): (13-1)*2+3+1 = 28" },
  { name: "k_blog_ae", make: blogAE, input: [null, 28, 28, 1], kind: "recon",
    about: "Keras blog autoencoder: MaxPooling2D(same) 28-14-7-4, UpSampling2D 8-16, VALID Conv2D 14, UpSampling2D 28" },
  { name: "k_unet_up", make: () => unet("k_unet_up", "upsample"), input: [null, null, null, 1], kind: "recon",
    about: "functional U-Net, None H and W, MaxPooling2D(2) down, UpSampling2D + conv up, Concatenate skips (runs iff H, W are multiples of 4)" },
  { name: "k_unet_convt", make: () => unet("k_unet_convt", "convt_valid"), input: [null, null, null, 1], kind: "recon",
    about: "functional U-Net, None H and W, Conv2DTranspose(k2, s2, valid) up, Concatenate skips" },
  { name: "k_unet_cf", make: () => unet("k_unet_cf", "upsample", true), input: [null, 1, null, null], kind: "recon", cf: true,
    about: "k_unet_up with data_format channels_first (input N x 1 x H x W, Concatenate on axis 1)" },
  { name: "k_unet_crop", make: () => unetCrop("k_unet_crop", [[0, 1], [0, 1]], 26), input: [null, 26, 26, 1], kind: "recon",
    about: "U-Net at 26x26 fixed by a Cropping2D((0, 1), (0, 1)) after up1 (7-14-13 meets the 13-wide skip)" },
  { name: "k_unet_crop_wrong", make: () => unetCrop("k_unet_crop_wrong", [[0, 1], [0, 1]], 26), input: [null, 26, 26, 1], kind: "recon",
    edits: { up1_crop: { cropping: [[0, 1], [0, 0]] } },
    about: "k_unet_crop with the crop hand-edited to the height only, ((0, 1), (0, 0)): 13x14 meets 13x13 (TF.js builds neither this at a fixed size nor a None-size Cropping2D model, so the edit is applied to the run)" },
  { name: "k_unet_zeropad", make: () => unetZeroPad("k_unet_zeropad", [[0, 1], [0, 1]], 30), input: [null, 30, 30, 1], kind: "recon",
    about: "U-Net at 30x30 fixed by a ZeroPadding2D((0, 1), (0, 1)) after up1 (15-7-14-15)" },
  { name: "k_unet_zeropad_wrong", make: () => unetZeroPad("k_unet_zeropad_wrong", [[1, 1], [1, 1]], null), input: [null, null, null, 1], kind: "recon",
    about: "k_unet_zeropad padding by one on both sides (16 meets 15 at 30x30), saved with None H and W since TF.js will not build it at a fixed 30x30" },
  { name: "k_resnet_conv", make: () => resnet("k_resnet_conv", "conv"), input: [null, null, null, 1], kind: "other",
    about: "ResNet-style blocks, Conv2D(k1, s2, same) shortcuts: ceil(H/2) on both sides of each Add" },
  { name: "k_resnet_avg_same", make: () => resnet("k_resnet_avg_same", "avg_same"), input: [null, null, null, 1], kind: "other",
    about: "ResNet-D style shortcuts AveragePooling2D(2, padding same) + 1x1: ceil(H/2), clean for every size" },
  { name: "k_resnet_avg_valid", make: () => resnet("k_resnet_avg_valid", "avg_valid"), input: [null, null, null, 1], kind: "other",
    about: "ResNet-D style shortcuts AveragePooling2D(2, padding valid) + 1x1: floor(H/2) against ceil(H/2), the Add fails at odd sizes" },
  { name: "k_vae_dec", make: () => vaeDecoder("k_vae_dec", "same"), input: [null, 8], kind: "gen",
    about: "VAE decoder: Dense, Reshape 7x7x8, Conv2DTranspose(k3, s2, same) x2: 7-14-28" },
  { name: "k_vae_dec_valid", make: () => vaeDecoder("k_vae_dec_valid", "valid"), input: [null, 8], kind: "gen", mutated: ["dec2", "k_vae_dec"],
    about: "k_vae_dec with dec2 padding valid instead of same: 14-29" },
  { name: "k_gen_up", make: () => genUpsample("k_gen_up", "same"), input: [null, 16], kind: "gen",
    about: "Sequential generator: Dense, Reshape 7x7x4, UpSampling2D x2 with convs: 28" },
  { name: "k_gen_up_valid", make: () => genUpsample("k_gen_up_valid", "valid"), input: [null, 16], kind: "gen", mutated: ["gen_out", "k_gen_up"],
    about: "k_gen_up with the last conv gen_out padding valid instead of same: 28-26" },
  { name: "k_ae3d", make: ae3d, input: [null, null, null, null, 1], kind: "recon",
    about: "3-D volume autoencoder, None D, H, W: Conv3D(k3, s2, same) ceil, Conv3DTranspose(k3, s2, same) 2n" },
];

// Cases: size (the free spatial dims, in order) or symbolic; target: --expect-output;
// blame: an explicit label for a case where no Conv2DTranspose search applies [layer, why].
const KCASES = [
  { group: "keras-autoencoder", id: "k-seq-ae-28", model: "k_seq_ae" },
  { group: "keras-autoencoder", id: "k-seq-ae-fixed-28", model: "k_seq_ae_fixed" },
  { group: "keras-autoencoder", id: "k-seq-ae-dec2-28", model: "k_seq_ae_dec2" },
  { group: "keras-autoencoder", id: "k-valid-ae-28", model: "k_valid_ae" },
  { group: "keras-autoencoder", id: "k-valid-ae-fixed-28", model: "k_valid_ae_fixed" },
  { group: "keras-autoencoder", id: "k-blog-ae-28", model: "k_blog_ae" },
  { group: "keras-autoencoder", id: "k-ae3d-8x12x12", model: "k_ae3d", size: [8, 12, 12] },
  { group: "keras-autoencoder", id: "k-ae3d-9x12x12", model: "k_ae3d", size: [9, 12, 12],
    blame: ["dec", "the only transposed convolution; Keras output_padding=(0, 0, 0) on it gives (5-1)*2+1+0 = 9 on the depth (KERAS_JSON.md section 9; TF.js has no output_padding and no Cropping3D to check it)"] },
  { group: "keras-unet", id: "k-unet-up-32x48", model: "k_unet_up", size: [32, 48] },
  { group: "keras-unet", id: "k-unet-up-33", model: "k_unet_up", size: [33, 33] },
  { group: "keras-unet", id: "k-unet-up-30", model: "k_unet_up", size: [30, 30] },
  { group: "keras-unet", id: "k-unet-up-sym", model: "k_unet_up", symbolic: true },
  { group: "keras-unet", id: "k-unet-convt-36x20", model: "k_unet_convt", size: [36, 20] },
  { group: "keras-unet", id: "k-unet-convt-34x36", model: "k_unet_convt", size: [34, 36] },
  { group: "keras-unet", id: "k-unet-convt-sym", model: "k_unet_convt", symbolic: true },
  { group: "keras-unet", id: "k-unet-cf-32x48", model: "k_unet_cf", size: [32, 48] },
  { group: "keras-unet", id: "k-unet-cf-33x32", model: "k_unet_cf", size: [33, 32] },
  { group: "keras-unet", id: "k-unet-cf-sym", model: "k_unet_cf", symbolic: true },
  { group: "keras-unet", id: "k-unet-crop-26", model: "k_unet_crop" },
  { group: "keras-unet", id: "k-unet-crop-wrong-26", model: "k_unet_crop_wrong" },
  { group: "keras-unet", id: "k-unet-zeropad-30", model: "k_unet_zeropad" },
  { group: "keras-unet", id: "k-unet-zeropad-wrong-30", model: "k_unet_zeropad_wrong", size: [30, 30] },
  { group: "keras-resnet", id: "k-resnet-conv-33x17", model: "k_resnet_conv", size: [33, 17] },
  { group: "keras-resnet", id: "k-resnet-conv-sym", model: "k_resnet_conv", symbolic: true },
  { group: "keras-resnet", id: "k-resnet-avg-same-33", model: "k_resnet_avg_same", size: [33, 33] },
  { group: "keras-resnet", id: "k-resnet-avg-same-sym", model: "k_resnet_avg_same", symbolic: true },
  { group: "keras-resnet", id: "k-resnet-avg-valid-32", model: "k_resnet_avg_valid", size: [32, 32] },
  { group: "keras-resnet", id: "k-resnet-avg-valid-33", model: "k_resnet_avg_valid", size: [33, 33] },
  { group: "keras-resnet", id: "k-resnet-avg-valid-34x32", model: "k_resnet_avg_valid", size: [34, 32] },
  { group: "keras-resnet", id: "k-resnet-avg-valid-sym", model: "k_resnet_avg_valid", symbolic: true },
  { group: "keras-generator", id: "k-vae-dec-28", model: "k_vae_dec", target: [1, 28, 28, 1] },
  { group: "keras-generator", id: "k-vae-dec-valid-28", model: "k_vae_dec_valid", target: [1, 28, 28, 1] },
  { group: "keras-generator", id: "k-gen-up-28", model: "k_gen_up", target: [1, 28, 28, 1] },
  { group: "keras-generator", id: "k-gen-up-notarget", model: "k_gen_up" },
  { group: "keras-generator", id: "k-gen-up-valid-28", model: "k_gen_up_valid", target: [1, 28, 28, 1] },
];

// ---------------------------------------------------------------------------------------------
// Running a model layer by layer.

/** Keras transposed-convolution length (KERAS_JSON.md section 9); p null: no output_padding. */
function kerasConvTLength(n, k, s, d, padding, p) {
  const kk = (k - 1) * d + 1;
  if (padding === "valid") return p == null ? (n - 1) * s + Math.max(kk, s) : (n - 1) * s + kk + p;
  return p == null ? n * s : (n - 1) * s + (kk % 2) + p;
}

class LayerFailure extends Error {
  constructor(layer, cls, cause) {
    super(`${layer} (${cls}): ${String(cause?.message ?? cause).split("\n")[0]}`);
    this.layer = layer;
    this.cls = cls;
  }
}

/** The spatial axes of a tensor of `rank` in `cf` layout. */
const spatialAxes = (rank, cf) => (cf ? Array.from({ length: rank - 2 }, (_, i) => i + 2) : Array.from({ length: rank - 2 }, (_, i) => i + 1));

/** Crop or zero-pad `t` at the end of each spatial axis to `sizes`. */
function resizeTo(t, sizes, cf) {
  const axes = spatialAxes(t.rank, cf);
  let out = t;
  axes.forEach((ax, i) => {
    const want = sizes[i];
    const cur = out.shape[ax];
    if (cur > want) {
      const size = out.shape.slice();
      size[ax] = want;
      out = tf.slice(out, new Array(out.rank).fill(0), size);
    } else if (cur < want) {
      const pads = out.shape.map((_, j) => [0, j === ax ? want - cur : 0]);
      out = tf.pad(out, pads);
    }
  });
  return out;
}

/**
 * Apply one layer eagerly; an edited transposed convolution (`edits[layer].output_padding`) is
 * cropped / padded to the Keras formula's size.
 */
function applyLayer(layer, inputs, edits) {
  let out;
  try {
    out = layer.apply(inputs);
  } catch (e) {
    throw new LayerFailure(layer.name, layer.getClassName(), e);
  }
  const edit = edits[layer.name];
  if (edit && "cropping" in edit) {
    // A hand-edited Cropping2D (channels_last): crop the layer's input by the edited amounts.
    const [[t, b], [l, r]] = edit.cropping;
    const [n, h, w, ch] = inputs.shape;
    return tf.slice(inputs, [0, t, l, 0], [n, h - t - b, w - l - r, ch]);
  }
  if (edit && "output_padding" in edit) {
    const c = layer.getConfig();
    const cf = c.dataFormat === "channelsFirst";
    const inShape = inputs.shape;
    const axes = spatialAxes(inShape.length, cf);
    const sizes = axes.map((ax, i) =>
      kerasConvTLength(inShape[ax], c.kernelSize[i], c.strides[i], (c.dilationRate ?? [1, 1, 1])[i] ?? 1, c.padding, edit.output_padding === null ? null : edit.output_padding[i]),
    );
    out = resizeTo(out, sizes, cf);
  }
  return out;
}

/** Run `model` on zeros of `shape`, layer by layer: {shape} or {error, layer, cls}. */
function runLayers(model, shape, edits = {}) {
  return tf.tidy(() => {
    try {
      const values = new Map();
      let last;
      if (model instanceof tfl.Sequential) {
        last = tf.zeros(shape);
        for (const layer of model.layers) last = applyLayer(layer, last, edits);
        return { shape: last.shape };
      }
      for (const layer of model.layers) {
        if (layer.getClassName() === "InputLayer") {
          values.set(layer.name, tf.zeros(shape));
          continue;
        }
        const node = layer.inboundNodes[0];
        const ins = node.inboundLayers.map((l) => values.get(l.name));
        values.set(layer.name, applyLayer(layer, ins.length === 1 ? ins[0] : ins, edits));
      }
      return { shape: values.get(model.outputLayers[0].name).shape };
    } catch (e) {
      if (e instanceof LayerFailure) return { error: e.message, layer: e.layer, cls: e.cls };
      throw e;
    }
  });
}

/** model.predict on zeros: the output shape or the error. */
function predict(model, shape) {
  return tf.tidy(() => {
    try {
      return { shape: model.predict(tf.zeros(shape)).shape };
    } catch (e) {
      return { error: String(e.message).split("\n")[0] };
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Labelling.

const fmt = (dims) => dims.join("x");

function caseShape(spec, c, s) {
  if (s !== undefined) return spec.input.map((d, i) => (i === 0 ? 1 : d === null ? s : d));
  const vals = [...(c.size ?? [])];
  const shape = spec.input.map((d, i) => (i === 0 ? 1 : d === null ? vals.shift() : d));
  if (vals.length !== 0 || shape.some((d) => d === undefined)) throw new Error(`${c.id}: size does not fit ${JSON.stringify(spec.input)}`);
  return shape;
}

const spatialOf = (spec, shape) => (spec.cf ? shape.slice(2) : shape.slice(1, -1));

/** 'ok' | {merge, layer, cls, error} | {fail, ...} | {size, got, want}. */
function outcome(spec, c, shape, run) {
  if (run.error !== undefined) return MERGE_LAYERS.has(run.cls) ? { merge: true, ...run } : { fail: true, ...run };
  if (c.target) return JSON.stringify(run.shape) === JSON.stringify(c.target) ? "ok" : { size: true, got: run.shape, want: c.target };
  if (spec.kind === "recon") {
    const got = spatialOf(spec, run.shape);
    const want = spatialOf(spec, shape);
    return JSON.stringify(got) === JSON.stringify(want) ? "ok" : { size: true, got, want };
  }
  return "ok";
}

/** Conv2DTranspose layers whose output_padding change alone restores `want` (Keras formula). */
function searchOutputPadding(spec, model, shape, c, want) {
  const hits = [];
  for (const layer of model.layers) {
    if (layer.getClassName() !== "Conv2DTranspose") continue;
    const s = layer.getConfig().strides;
    for (let a = 0; a < s[0]; a++) {
      for (let b = 0; b < s[1]; b++) {
        const edits = { ...(spec.edits ?? {}), [layer.name]: { output_padding: [a, b] } };
        const cur = (spec.edits ?? {})[layer.name]?.output_padding;
        if (cur && cur[0] === a && cur[1] === b) continue;
        const r = runLayers(model, shape, edits);
        if (r.error === undefined && outcome(spec, c, shape, r) === "ok") {
          hits.push([layer.name, [a, b]]);
          a = b = Infinity;
        }
      }
    }
  }
  return hits;
}

function label(c, spec, model, models) {
  const sizes = c.symbolic ? SCAN : [undefined];
  const shapes = sizes.map((s) => caseShape(spec, c, s));
  const runs = shapes.map((sh) => runLayers(model, sh, spec.edits ?? {}));
  // The whole model run by TF.js must agree (not for hand-edited models: TF.js ignores the edit).
  if (!spec.edits) {
    shapes.forEach((sh, i) => {
      const p = predict(model, sh);
      const r = runs[i];
      const same = r.error !== undefined ? p.error !== undefined : JSON.stringify(p.shape) === JSON.stringify(r.shape);
      if (!same) throw new Error(`${c.id} ${fmt(sh)}: layer-by-layer ${JSON.stringify(r)} vs predict ${JSON.stringify(p)}`);
    });
  }
  const outcomes = runs.map((r, i) => outcome(spec, c, shapes[i], r));
  let idx = 0;
  const truth = {};
  if (c.symbolic) {
    idx = outcomes.findIndex((o) => o !== "ok" && (o.merge || o.size));
    const running = SCAN.filter((_, i) => outcomes[i] === "ok" || outcomes[i].merge || outcomes[i].size);
    if (running.length === 0) throw new Error(`${c.id}: no size in 8..96 runs`);
    truth.scan = `square sizes ${SCAN[0]}..${SCAN[SCAN.length - 1]}`;
    truth.smallestRunning = running[0];
    const fails = {};
    outcomes.forEach((o, i) => {
      if (o !== "ok" && o.merge) (fails[o.layer] ??= []).push(SCAN[i]);
    });
    if (Object.keys(fails).length) truth.mergeFailures = fails;
    const mis = SCAN.filter((_, i) => outcomes[i] !== "ok" && outcomes[i].size);
    if (mis.length) truth.misSized = mis;
  }
  const expected = [];
  const why = [];
  const source = spec.edits ? "hand-edited" : "tfjs";
  if (idx === -1) {
    why.push(spec.kind === "recon" ? "runs and keeps its size at every size 8..96 (TF.js)" : "runs at every size 8..96 (TF.js)");
  } else {
    const o = outcomes[idx];
    const shape = shapes[idx];
    const at = `at ${fmt(shape)}`;
    if (c.symbolic) why.push(`smallest failing square size in 8..96: ${SCAN[idx]}`);
    if (o === "ok") {
      why.push(`${at}: runs, output ${fmt(runs[idx].shape)}${c.target ? " as targeted" : spec.kind === "recon" ? " (the input's size)" : ""}${spec.edits ? " (TF.js with the hand edits applied by the Keras formula)" : " (TF.js)"}`);
    } else if (o.fail) {
      throw new Error(`${c.id}: fails ${at} at a non-merge layer: ${o.error}`);
    } else if (o.merge) {
      expected.push({ ruleId: MERGE, node: o.layer });
      // Every merge that fails at some size is a finding of its own, not only the first.
      if (c.symbolic) {
        for (const [layer, sizes] of Object.entries(truth.mergeFailures ?? {}).sort((a, b) => a[1][0] - b[1][0])) {
          if (layer === o.layer) continue;
          expected.push({ ruleId: MERGE, node: layer });
          why.push(`'${layer}' also fails, at sizes ${sizes.slice(0, 4).join(", ")}, ...`);
        }
      }
      why.push(`${at}: TF.js fails at ${o.cls} '${o.layer}' (${o.error.slice(o.error.indexOf(": ") + 2, o.error.indexOf(": ") + 200)})`);
    } else {
      const what = c.target ? "target" : "input";
      let node;
      let note;
      if (c.blame) {
        [node, note] = c.blame;
      } else if (spec.mutated) {
        const [layer, fixedName] = spec.mutated;
        const fixedSpec = models.get(fixedName);
        const fixed = fixedSpec.make();
        const r = runLayers(fixed, shape, fixedSpec.edits ?? {});
        if (r.error !== undefined || outcome(fixedSpec, c, shape, r) !== "ok") throw new Error(`${c.id}: the correct model ${fixedName} does not give ${fmt(o.want)}`);
        fixed.dispose();
        node = layer;
        note = `the broken layer is ${layer} (the correct model ${fixedName} differs only there and gives ${fmt(o.want)})`;
        const others = searchOutputPadding(spec, model, shape, c, o.want).filter(([n]) => n !== layer);
        if (others.length) note += `; also restored by output_padding on ${others.map(([n, p]) => `${n}=(${p})`).join(", ")}`;
      } else {
        const hits = searchOutputPadding(spec, model, shape, c, o.want);
        if (hits.length !== 1) throw new Error(`${c.id}: ${hits.length} Conv2DTranspose layers restore ${fmt(o.want)} by output_padding alone: ${JSON.stringify(hits)}`);
        const [layer, p] = hits[0];
        node = layer;
        note = `no layer was broken on purpose; of all Conv2DTranspose layers only ${layer} with output_padding=(${p}) alone restores it (Keras formula applied to the TF.js run, searched)`;
      }
      expected.push({ ruleId: DEC, node });
      why.push(`${at}: runs, but the output is ${fmt(o.got)} where the ${what} is ${fmt(o.want)}; ${note}`);
    }
  }
  let args;
  if (c.symbolic) {
    const free = spec.input.filter((d, i) => i > 0 && d === null).length;
    const names = free === 3 ? ["D", "H", "W"] : ["H", "W"];
    let k = 0;
    args = ["--input-shape", spec.input.map((d, i) => (i === 0 ? 1 : d === null ? names[k++] : d)).join(",")];
  } else {
    args = ["--input-shape", shapes[0].join(",")];
  }
  if (c.target) args.push("--expect-output", c.target.join(","));
  const rec = {
    id: c.id,
    group: c.group,
    file: relative(ROOT, join(MODELS, `${spec.name}.json`)),
    args,
    expected,
    why: `${spec.about}. ${why.join("; ")}`,
    source,
  };
  if (Object.keys(truth).length) rec.truth = truth;
  return rec;
}

/** The model JSON, with the hand edits applied to the named layers' configs. */
function modelJson(model, edits) {
  const json = model.toJSON(null, false);
  const layers = Array.isArray(json.config) ? json.config : json.config.layers;
  for (const [name, edit] of Object.entries(edits ?? {})) {
    const entry = layers.find((l) => (l.config?.name ?? l.name) === name);
    if (!entry) throw new Error(`no layer ${name} to edit`);
    Object.assign(entry.config, edit);
  }
  return json;
}

/** Indented JSON like scripts/gen_accuracy_corpus.py writes (short scalar lists on one line). */
function dumpJson(obj) {
  let text = JSON.stringify(obj, null, 2);
  text = text.replace(/\[\s+(?:-?\d+|"[^"\n]*"|null)(?:,\s+(?:-?\d+|"[^"\n]*"|null))*\s+\]/g, (m) => `[${JSON.parse(m).map((v) => JSON.stringify(v)).join(", ")}]`);
  text = text.replace(/\{\s+"ruleId": ("[^"]*"),\s+"node": ("[^"]*")\s+\}/g, '{"ruleId": $1, "node": $2}');
  return `${text}\n`;
}

// ---------------------------------------------------------------------------------------------

mkdirSync(MODELS, { recursive: true });
const models = new Map(KMODELS.map((m) => [m.name, m]));
if (models.size !== KMODELS.length) throw new Error("duplicate model names");
const used = new Set(KCASES.map((c) => c.model));
for (const m of KMODELS) if (!used.has(m.name)) throw new Error(`model without cases: ${m.name}`);
for (const f of readdirSync(MODELS)) if (f.endsWith(".json")) unlinkSync(join(MODELS, f));

const records = [];
const built = new Map();
for (const spec of KMODELS) {
  const model = spec.make();
  built.set(spec.name, model);
  writeFileSync(join(MODELS, `${spec.name}.json`), `${JSON.stringify(modelJson(model, spec.edits), null, 1)}\n`);
}
for (const c of KCASES) {
  const spec = models.get(c.model);
  records.push(label(c, spec, built.get(c.model), models));
  console.log(`${c.id}: ${records.at(-1).expected.map((e) => `${e.ruleId} @ ${e.node}`).join(", ") || "clean"}`);
}

const manifest = existsSync(MANIFEST) ? JSON.parse(readFileSync(MANIFEST, "utf8")) : { cases: [], knownFailures: [] };
const keep = (manifest.cases ?? []).filter((c) => !KERAS_SOURCES.has(c.source));
const out = {
  about:
    "Accuracy corpus for decoder-output-mismatch and merge-shape-mismatch; labels from running the frameworks (see test/accuracy/README.md). Written by scripts/gen_accuracy_corpus.py (ONNX) and scripts/gen_accuracy_keras.mjs (Keras).",
  knownFailures: manifest.knownFailures ?? [],
  cases: [...keep, ...records],
};
writeFileSync(MANIFEST, dumpJson(out));
const bytes = readdirSync(MODELS).filter((f) => f.endsWith(".json")).reduce((a, f) => a + statSync(join(MODELS, f)).size, 0);
const clean = records.filter((r) => r.expected.length === 0).length;
console.log(`${records.length} Keras cases (${clean} clean, ${records.length - clean} broken), ${KMODELS.length} models, ${bytes} bytes`);
