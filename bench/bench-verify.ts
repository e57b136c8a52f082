/**
 * `npm run bench:verify`: `shapelint verify` of a 256x256 U-Net with 32-256 channels (the
 * requirement: under a minute on 2 cores).
 *
 * The U-Net is written as an ONNX file here (random float32 weights, about 2M parameters) with the
 * project's ONNX writer (test/helpers/onnx-writer.ts): four levels of two 3x3 Conv+Relu (32, 64, 128 channels
 * and a 256-channel bottleneck), MaxPool 2x2 down, ConvTranspose k=2 s=2 up, Concat skips, a 1x1
 * output conv; input `x` N x 1 x 256 x 256 with a symbolic batch. The bench loads it, runs
 * `verifyModel` (lint, run, compare every value) and prints the wall time, the node count and
 * the peak RSS; it exits 1 when verify does not finish clean or takes a minute or more.
 * `--size N` changes the spatial size (default 256); `--out <file>` also keeps the model there
 * (to try `shapelint verify <file>` on it by hand).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { RULES } from "../rules/index.js";
import { loadModelFile } from "../src/loaders/index.js";
import * as ort from "onnxruntime-node";
import { verifyModel } from "../src/verify/index.js";
import { type NodeSpec, type TensorSpec, encodeModel } from "../test/helpers/onnx-writer.js";

const LIMIT_MS = 60_000;
const sizeArg = process.argv.indexOf("--size");
const SIZE = sizeArg >= 0 ? Number(process.argv[sizeArg + 1]) : 256;
const outArg = process.argv.indexOf("--out");
const OUT = outArg >= 0 ? process.argv[outArg + 1] : undefined;

// ---------------------------------------------------------------------------------------------
// The model.

/** Seeded uniform weights in +-1/sqrt(fanIn), as raw little-endian float32. */
function randomTensor(name: string, dims: number[], fanIn: number, seed: number): TensorSpec {
  let n = 1;
  for (const d of dims) n *= d;
  const data = new Float32Array(n);
  let a = seed >>> 0;
  const scale = 1 / Math.sqrt(fanIn);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    data[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return { name, dtype: "float32", dims, raw: new Uint8Array(data.buffer) };
}

/** The U-Net as ONNX bytes, and its node count. */
function buildUnet(size: number): { bytes: Uint8Array; nodes: number } {
  const nodes: NodeSpec[] = [];
  const inits: TensorSpec[] = [];
  let seed = 1;
  const conv = (name: string, x: string, cin: number, cout: number, k: number, relu: boolean): string => {
    const w = `${name}.weight`;
    const b = `${name}.bias`;
    inits.push(randomTensor(w, [cout, cin, k, k], cin * k * k, seed++), randomTensor(b, [cout], cin * k * k, seed++));
    const y = `${name}_out`;
    const p = (k - 1) / 2;
    nodes.push({ opType: "Conv", name: `/${name}/Conv`, inputs: [x, w, b], outputs: [y], attrs: { kernel_shape: [k, k], pads: [p, p, p, p], strides: [1, 1] } });
    if (!relu) return y;
    nodes.push({ opType: "Relu", name: `/${name}/Relu`, inputs: [y], outputs: [`${name}_relu`] });
    return `${name}_relu`;
  };
  const double = (name: string, x: string, cin: number, cout: number): string => conv(`${name}.1`, conv(`${name}.0`, x, cin, cout, 3, true), cout, cout, 3, true);
  const pool = (name: string, x: string): string => {
    nodes.push({ opType: "MaxPool", name: `/${name}/MaxPool`, inputs: [x], outputs: [`${name}_out`], attrs: { kernel_shape: [2, 2], strides: [2, 2] } });
    return `${name}_out`;
  };
  const up = (name: string, x: string, cin: number, cout: number): string => {
    const w = `${name}.weight`;
    const b = `${name}.bias`;
    inits.push(randomTensor(w, [cin, cout, 2, 2], cin * 4, seed++), randomTensor(b, [cout], cin * 4, seed++));
    nodes.push({ opType: "ConvTranspose", name: `/${name}/ConvTranspose`, inputs: [x, w, b], outputs: [`${name}_out`], attrs: { kernel_shape: [2, 2], strides: [2, 2] } });
    return `${name}_out`;
  };
  const cat = (name: string, skip: string, x: string): string => {
    nodes.push({ opType: "Concat", name: `/${name}`, inputs: [skip, x], outputs: [`${name}_out`], attrs: { axis: 1 } });
    return `${name}_out`;
  };
  const e1 = double("enc1", "x", 1, 32);
  const e2 = double("enc2", pool("pool1", e1), 32, 64);
  const e3 = double("enc3", pool("pool2", e2), 64, 128);
  const b = double("bottom", pool("pool3", e3), 128, 256);
  const d3 = double("dec3", cat("Concat_3", e3, up("up3", b, 256, 128)), 256, 128);
  const d2 = double("dec2", cat("Concat_2", e2, up("up2", d3, 128, 64)), 128, 64);
  const d1 = double("dec1", cat("Concat_1", e1, up("up1", d2, 64, 32)), 64, 32);
  const y = conv("outc", d1, 32, 1, 1, false);
  const bytes = encodeModel({
    irVersion: 8,
    producerName: "shapelint-bench",
    opsets: [{ domain: "", version: 17 }],
    graph: {
      name: "unet",
      nodes,
      initializers: inits,
      inputs: [{ name: "x", dtype: "float32", shape: ["N", 1, size, size] }],
      outputs: [{ name: y, dtype: "float32", shape: ["N", 1, size, size] }],
    },
  });
  return { bytes, nodes: nodes.length };
}

// ---------------------------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), "shapelint-bench-verify-"));
try {
  const { bytes, nodes } = buildUnet(SIZE);
  const path = join(dir, `unet${SIZE}.onnx`);
  writeFileSync(path, bytes);
  if (OUT !== undefined) writeFileSync(OUT, bytes);
  console.log(`U-Net ${SIZE}x${SIZE}, channels 32-256: ${nodes} nodes, ${(bytes.length / 1e6).toFixed(1)} MB file; ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)}`);
  const t0 = performance.now();
  const model = await loadModelFile(path);
  let lastLog = 0;
  const result = verifyModel(model, {
    rules: RULES,
    onProgress: (p) => {
      if (p.elapsedMs - lastLog >= 5000) {
        lastLog = p.elapsedMs;
        console.log(`  ${p.phase} ${p.done}/${p.total} after ${(p.elapsedMs / 1000).toFixed(1)} s`);
      }
    },
  });
  const wall = performance.now() - t0;
  const mismatches = result.values.filter((v) => v.status !== "match").length;
  console.log(`verify: ${(wall / 1000).toFixed(2)} s wall (run ${(result.run.elapsedMs / 1000).toFixed(2)} s), ${result.values.length} values, ${mismatches} not matching, exit code ${result.exitCode}`);
  console.log(`peak RSS ${(result.peakRssBytes / (1024 * 1024)).toFixed(0)} MB (process max RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB)`);
  // The peer, in the same run: onnxruntime-node (CPU, 1 intra-op thread, like our kernels)
  // running the same file on an input of the same size.
  const input = model.graph.inputs[0]!;
  const dims = (input.shape ?? []).map((d) => (typeof d === "number" ? d : 1));
  const ortT0 = performance.now();
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: "all" });
  const feed = { [input.name]: new ort.Tensor("float32", new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.5), dims) };
  const ortCreate = performance.now() - ortT0;
  const ortRunT0 = performance.now();
  await session.run(feed);
  const ortRun = performance.now() - ortRunT0;
  console.log(`onnxruntime-node 1 thread: session ${(ortCreate / 1000).toFixed(2)} s, run ${(ortRun / 1000).toFixed(2)} s; our run / onnxruntime run = ${(result.run.elapsedMs / ortRun).toFixed(1)}x`);
  const ok = result.exitCode === 0 && mismatches === 0 && wall < LIMIT_MS;
  console.log(ok ? `OK: under ${LIMIT_MS / 1000} s` : "FAILED");
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
