/**
 * `npm run bench:verify`: `shapelint verify` of a 256x256 U-Net with 32-256 channels (the
 * requirement: under a minute on 2 cores).
 *
 * The U-Net is written as an ONNX file here (random float32 weights, about 2M parameters) with a
 * minimal protobuf encoder of its own (field numbers from onnx.proto; the test writer lives under
 * test/ and is not part of the build): four levels of two 3x3 Conv+Relu (32, 64, 128 channels
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

const LIMIT_MS = 60_000;
const sizeArg = process.argv.indexOf("--size");
const SIZE = sizeArg >= 0 ? Number(process.argv[sizeArg + 1]) : 256;
const outArg = process.argv.indexOf("--out");
const OUT = outArg >= 0 ? process.argv[outArg + 1] : undefined;

// ---------------------------------------------------------------------------------------------
// A minimal protobuf writer: a message is a list of byte chunks, joined when it is nested.

class Msg {
  readonly parts: Uint8Array[] = [];
  length = 0;

  private push(b: Uint8Array): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }

  private static varintBytes(v: number): number[] {
    const out: number[] = [];
    let x = v;
    if (x < 0) {
      // int64 negatives are ten-byte two's complement varints.
      const big = BigInt.asUintN(64, BigInt(x));
      let y = big;
      while (y >= 0x80n) {
        out.push(Number(y & 0x7fn) | 0x80);
        y >>= 7n;
      }
      out.push(Number(y));
      return out;
    }
    while (x >= 0x80) {
      out.push((x % 0x80) | 0x80);
      x = Math.floor(x / 0x80);
    }
    out.push(x);
    return out;
  }

  private tag(field: number, wire: number): this {
    return this.push(Uint8Array.from(Msg.varintBytes(field * 8 + wire)));
  }

  int(field: number, v: number): this {
    this.tag(field, 0);
    return this.push(Uint8Array.from(Msg.varintBytes(v)));
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.push(Uint8Array.from(Msg.varintBytes(b.length)));
    return this.push(b);
  }

  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  msg(field: number, m: Msg): this {
    this.tag(field, 2);
    this.push(Uint8Array.from(Msg.varintBytes(m.length)));
    for (const p of m.parts) this.push(p);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

// onnx.proto field numbers and enum values.
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;
const FLOAT = 1;

type AttrValue = number | number[] | string;

function attribute(name: string, v: AttrValue): Msg {
  const a = new Msg().str(1, name);
  if (typeof v === "number") return a.int(3, v).int(20, ATTR_INT);
  if (typeof v === "string") return a.str(4, v).int(20, ATTR_STRING);
  for (const x of v) a.int(8, x);
  return a.int(20, ATTR_INTS);
}

function node(op: string, name: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): Msg {
  const n = new Msg();
  for (const i of inputs) n.str(1, i);
  for (const o of outputs) n.str(2, o);
  n.str(3, name).str(4, op);
  for (const [k, v] of Object.entries(attrs)) n.msg(5, attribute(k, v));
  return n;
}

function valueInfo(name: string, dims: (number | string)[]): Msg {
  const shape = new Msg();
  for (const d of dims) shape.msg(1, typeof d === "number" ? new Msg().int(1, d) : new Msg().str(2, d));
  const tensorType = new Msg().int(1, FLOAT).msg(2, shape);
  return new Msg().str(1, name).msg(2, new Msg().msg(1, tensorType));
}

/** Seeded uniform weights in +-1/sqrt(fanIn), as raw little-endian float32. */
function randomTensor(name: string, dims: number[], fanIn: number, seed: number): Msg {
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
  const t = new Msg();
  for (const d of dims) t.int(1, d);
  return t.int(2, FLOAT).str(8, name).bytes(9, new Uint8Array(data.buffer));
}

/** The U-Net as ONNX bytes, and its node count. */
function buildUnet(size: number): { bytes: Uint8Array; nodes: number } {
  const graph = new Msg();
  let nodes = 0;
  let seed = 1;
  const inits: Msg[] = [];
  const add = (m: Msg): void => {
    graph.msg(1, m);
    nodes++;
  };
  const conv = (name: string, x: string, cin: number, cout: number, k: number, relu: boolean): string => {
    const w = `${name}.weight`;
    const b = `${name}.bias`;
    inits.push(randomTensor(w, [cout, cin, k, k], cin * k * k, seed++), randomTensor(b, [cout], cin * k * k, seed++));
    const y = `${name}_out`;
    const p = (k - 1) / 2;
    add(node("Conv", `/${name}/Conv`, [x, w, b], [y], { kernel_shape: [k, k], pads: [p, p, p, p], strides: [1, 1] }));
    if (!relu) return y;
    add(node("Relu", `/${name}/Relu`, [y], [`${name}_relu`]));
    return `${name}_relu`;
  };
  const double = (name: string, x: string, cin: number, cout: number): string => conv(`${name}.1`, conv(`${name}.0`, x, cin, cout, 3, true), cout, cout, 3, true);
  const pool = (name: string, x: string): string => {
    add(node("MaxPool", `/${name}/MaxPool`, [x], [`${name}_out`], { kernel_shape: [2, 2], strides: [2, 2] }));
    return `${name}_out`;
  };
  const up = (name: string, x: string, cin: number, cout: number): string => {
    const w = `${name}.weight`;
    const b = `${name}.bias`;
    inits.push(randomTensor(w, [cin, cout, 2, 2], cin * 4, seed++), randomTensor(b, [cout], cin * 4, seed++));
    add(node("ConvTranspose", `/${name}/ConvTranspose`, [x, w, b], [`${name}_out`], { kernel_shape: [2, 2], strides: [2, 2] }));
    return `${name}_out`;
  };
  const cat = (name: string, skip: string, x: string): string => {
    add(node("Concat", `/${name}`, [skip, x], [`${name}_out`], { axis: 1 }));
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
  graph.str(2, "unet");
  for (const t of inits) graph.msg(5, t);
  graph.msg(11, valueInfo("x", ["N", 1, size, size]));
  graph.msg(12, valueInfo(y, ["N", 1, size, size]));
  const model = new Msg().int(1, 8).str(2, "shapelint-bench").msg(7, graph).msg(8, new Msg().str(1, "").int(2, 17));
  return { bytes: model.finish(), nodes };
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
