#!/usr/bin/env node
// Generate the Keras JSON examples in examples/ with a real framework: TensorFlow.js layers
// (devDependencies @tensorflow/tfjs-core, -layers, -backend-cpu), which builds Keras models and
// serialises them as Keras-2-style model JSON (`model.toJSON(null, false)`).
//
//   node scripts/gen_keras_examples.mjs
//
// Each model is also run on the CPU backend at a few input sizes; the script stops if a shape
// is not the one stated here (so the README's claims are checked at generation time).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const OUT = join(ROOT, "examples");

await tf.setBackend("cpu");

/** Keras MNIST autoencoder: Conv2D stride-2 "same" encoder 28 -> 14 -> 7 -> 4, Conv2DTranspose stride-2 "same" decoder 4 -> 8 -> 16 -> 32. */
function mnistAutoencoder() {
  const m = tfl.sequential({ name: "mnist_autoencoder" });
  m.add(tfl.layers.conv2d({ name: "enc1", inputShape: [28, 28, 1], filters: 8, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }));
  m.add(tfl.layers.conv2d({ name: "enc2", filters: 8, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }));
  m.add(tfl.layers.conv2d({ name: "enc3", filters: 8, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }));
  m.add(tfl.layers.conv2dTranspose({ name: "dec1", filters: 8, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }));
  m.add(tfl.layers.conv2dTranspose({ name: "dec2", filters: 8, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }));
  m.add(tfl.layers.conv2dTranspose({ name: "dec3", filters: 8, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }));
  m.add(tfl.layers.conv2d({ name: "reconstruction", filters: 1, kernelSize: 3, padding: "same", activation: "sigmoid" }));
  return m;
}

/** Two-level U-Net with None height/width: MaxPooling2D(2) down, Conv2DTranspose(k2, s2) up, concatenate skips. Runs only for multiples of 4. */
function unetOdd() {
  const conv = (name, filters) => tfl.layers.conv2d({ name, filters, kernelSize: 3, padding: "same", activation: "relu" });
  const x = tfl.input({ shape: [null, null, 1], name: "image" });
  const c1 = conv("down0_conv", 4).apply(x);
  const p1 = tfl.layers.maxPooling2d({ name: "down1_pool", poolSize: 2 }).apply(c1);
  const c2 = conv("down1_conv", 8).apply(p1);
  const p2 = tfl.layers.maxPooling2d({ name: "down2_pool", poolSize: 2 }).apply(c2);
  const c3 = conv("bottom_conv", 16).apply(p2);
  const u1 = tfl.layers.conv2dTranspose({ name: "up1", filters: 8, kernelSize: 2, strides: 2, padding: "same" }).apply(c3);
  const m1 = tfl.layers.concatenate({ name: "skip1", axis: -1 }).apply([u1, c2]);
  const c4 = conv("up1_conv", 8).apply(m1);
  const u2 = tfl.layers.conv2dTranspose({ name: "up2", filters: 4, kernelSize: 2, strides: 2, padding: "same" }).apply(c4);
  const m2 = tfl.layers.concatenate({ name: "skip2", axis: -1 }).apply([u2, c1]);
  const c5 = conv("up2_conv", 4).apply(m2);
  const y = tfl.layers.conv2d({ name: "mask", filters: 1, kernelSize: 1, activation: "sigmoid" }).apply(c5);
  return tfl.model({ name: "unet_odd", inputs: x, outputs: y });
}

/** The Keras blog's convolutional autoencoder: MaxPooling2D "same" 28 -> 14 -> 7 -> 4, UpSampling2D with one "valid" conv: 8 -> 16 -> 14 -> 28. Clean. */
function convAutoencoder() {
  const conv = (name, filters, padding = "same", activation = "relu") => tfl.layers.conv2d({ name, filters, kernelSize: 3, padding, activation });
  const x = tfl.input({ shape: [28, 28, 1], name: "digit" });
  let h = conv("enc_conv1", 8).apply(x);
  h = tfl.layers.maxPooling2d({ name: "enc_pool1", poolSize: 2, padding: "same" }).apply(h);
  h = conv("enc_conv2", 4).apply(h);
  h = tfl.layers.maxPooling2d({ name: "enc_pool2", poolSize: 2, padding: "same" }).apply(h);
  h = conv("enc_conv3", 4).apply(h);
  const code = tfl.layers.maxPooling2d({ name: "code", poolSize: 2, padding: "same" }).apply(h);
  h = conv("dec_conv1", 4).apply(code);
  h = tfl.layers.upSampling2d({ name: "dec_up1", size: [2, 2] }).apply(h);
  h = conv("dec_conv2", 4).apply(h);
  h = tfl.layers.upSampling2d({ name: "dec_up2", size: [2, 2] }).apply(h);
  h = conv("dec_conv3", 8, "valid").apply(h);
  h = tfl.layers.upSampling2d({ name: "dec_up3", size: [2, 2] }).apply(h);
  const y = conv("reconstruction", 1, "same", "sigmoid").apply(h);
  return tfl.model({ name: "conv_autoencoder", inputs: x, outputs: y });
}

/** Run `model` on zeros of shape `[1, h, w, 1]`; returns the output shape or the error message. */
function runAt(model, h, w) {
  return tf.tidy(() => {
    try {
      const out = model.predict(tf.zeros([1, h, w, 1]));
      return { shape: out.shape };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  });
}

const EXAMPLES = [
  {
    file: "keras-mnist-autoencoder.json",
    make: mnistAutoencoder,
    // [h, w, expected output shape or null when it must fail]
    runs: [[28, 28, [1, 32, 32, 1]]],
  },
  {
    file: "keras-unet-odd.json",
    make: unetOdd,
    runs: [[32, 32, [1, 32, 32, 1]], [64, 48, [1, 64, 48, 1]], [33, 33, null], [30, 30, null], [36, 20, [1, 36, 20, 1]]],
  },
  {
    file: "keras-conv-autoencoder.json",
    make: convAutoencoder,
    runs: [[28, 28, [1, 28, 28, 1]]],
  },
];

mkdirSync(OUT, { recursive: true });
let failed = false;
for (const ex of EXAMPLES) {
  const model = ex.make();
  const lines = [];
  for (const [h, w, want] of ex.runs) {
    const got = runAt(model, h, w);
    const ok = want === null ? got.error !== undefined : JSON.stringify(got.shape) === JSON.stringify(want);
    if (!ok) failed = true;
    lines.push(`${h}x${w} -> ${got.shape ? JSON.stringify(got.shape) : `error: ${got.error.split("\n")[0]}`}${ok ? "" : `  (EXPECTED ${JSON.stringify(want)})`}`);
  }
  const json = model.toJSON(null, false);
  const path = join(OUT, ex.file);
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`examples/${ex.file}\n  ${lines.join("\n  ")}`);
  model.dispose();
}
if (failed) {
  console.error("a model did not produce the stated shapes");
  process.exit(1);
}
