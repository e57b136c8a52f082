/**
 * `npm run bench:kernel`: throughput of the CPU reference kernel on the decoder layer of
 * DESIGN/ecosystem.md section 2.4 — ConvTranspose N=1, C_in=256 -> C_out=128, 64x64 -> 128x128,
 * k=4, s=2, p=1 (4.295 GFLOP) — and on its mirror Conv (128 -> 256 channels, 128x128 -> 64x64,
 * same FLOPs), against onnxruntime-node (1 intra-op thread) and TF.js `conv2dTranspose` /
 * `conv2d` on the tfjs CPU backend, all in this one process, on the same data.
 *
 * Reports the median of several runs (after one warm-up) in ms and GFLOP/s, the ratios
 * ours/TF.js (target >= 3x) and ours/ORT, and the largest difference between the outputs.
 * `--quick` runs fewer repetitions; `--js` also times the scalar JavaScript GEMM fallback.
 */
import * as ort from "onnxruntime-node";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { conv, convTranspose } from "../src/kernels/conv.js";
import { gemmBackend, setGemmBackend } from "../src/kernels/gemm.js";
import { randomFloat, type FloatTensor } from "../src/kernels/tensor.js";
import { encodeModel } from "../test/helpers/onnx-writer.js";

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const RUNS = QUICK ? 3 : 7;
const TF_RUNS = QUICK ? 1 : 3;
const TARGET_VS_TFJS = 3;

const N = 1;
const CIN = 256;
const COUT = 128;
const H = 64;
const K = 4;
const S = 2;
const P = 1;
const OH = (H - 1) * S + K - 2 * P; // 128
const FLOP = 2 * N * CIN * COUT * K * K * H * H;

// ---------------------------------------------------------------------------------------------
// A one-node ONNX model for onnxruntime.

function oneNodeModel(op: string, x: FloatTensor, w: FloatTensor, b: FloatTensor, yDims: number[]): Uint8Array {
  const raw = (t: FloatTensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return encodeModel({
    irVersion: 8,
    producerName: "shapelint-bench",
    opsets: [{ domain: "", version: 17 }],
    graph: {
      name: "bench",
      nodes: [{ opType: op, inputs: ["x", "w", "b"], outputs: ["y"], attrs: { strides: [S, S], pads: [P, P, P, P], kernel_shape: [K, K] } }],
      initializers: [
        { name: "w", dtype: "float32", dims: w.dims, raw: raw(w) },
        { name: "b", dtype: "float32", dims: b.dims, raw: raw(b) },
      ],
      inputs: [{ name: "x", dtype: "float32", shape: [...x.dims] }],
      outputs: [{ name: "y", dtype: "float32", shape: yDims }],
    },
  });
}

// ---------------------------------------------------------------------------------------------

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function time(runs: number, fn: () => unknown): Promise<number> {
  await fn();
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

/** NCHW -> NHWC. */
function toNhwc(t: FloatTensor): Float32Array {
  const [n, c, h, w] = t.dims as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  for (let a = 0; a < n; a++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((a * h + y) * w + x) * c + ch] = t.data[((a * c + ch) * h + y) * w + x] as number;
  return out;
}

/** Largest |a - b| over NCHW `a` and NHWC `b`. */
function maxDiffNhwc(a: FloatTensor, bNhwc: ArrayLike<number>): number {
  const nhwc = toNhwc(a);
  let m = 0;
  for (let i = 0; i < nhwc.length; i++) m = Math.max(m, Math.abs((nhwc[i] as number) - (bNhwc[i] as number)));
  return m;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

const gflops = (ms: number): string => (FLOP / ms / 1e6).toFixed(1);

interface Row {
  readonly what: string;
  readonly ours: number;
  readonly ort: number;
  readonly tfjs: number;
}

async function main(): Promise<void> {
  // Silence tfjs's "install tfjs-node" banner; the pure-JS CPU backend is the point of comparison.
  tf.env().set("IS_TEST", true);
  await tf.setBackend("cpu");
  console.log(`bench:kernel — ${FLOP / 1e9} GFLOP per layer, median of ${RUNS} runs (TF.js ${TF_RUNS}); GEMM micro-kernel: ${gemmBackend()}`);
  const rows: Row[] = [];

  // Decoder layer: ConvTranspose 256 -> 128, 64x64 -> 128x128.
  {
    const x = randomFloat([N, CIN, H, H], 1);
    const w = randomFloat([CIN, COUT, K, K], 2, -0.05, 0.05);
    const b = randomFloat([COUT], 3);
    const attrs = { strides: [S, S], pads: [P, P, P, P] };
    let ours = convTranspose(x, w, b, attrs);
    const tOurs = await time(RUNS, () => (ours = convTranspose(x, w, b, attrs)));

    const session = await ort.InferenceSession.create(oneNodeModel("ConvTranspose", x, w, b, [N, COUT, OH, OH]), { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: "all" });
    const feeds = { x: new ort.Tensor("float32", x.data, [...x.dims]) };
    let ortOut = (await session.run(feeds))["y"] as ort.Tensor;
    const tOrt = await time(RUNS, async () => (ortOut = (await session.run(feeds))["y"] as ort.Tensor));

    // TF.js: NHWC input, filter [kh, kw, out, in]; 'same' gives pads 1/1 here (total 2).
    const wT = new Float32Array(K * K * COUT * CIN);
    for (let ci = 0; ci < CIN; ci++) for (let co = 0; co < COUT; co++) for (let i = 0; i < K * K; i++) wT[(i * COUT + co) * CIN + ci] = w.data[(ci * COUT + co) * K * K + i] as number;
    const tx = tf.tensor4d(toNhwc(x), [N, H, H, CIN]);
    const tw = tf.tensor4d(wT, [K, K, COUT, CIN]);
    const tb = tf.tensor1d(b.data);
    const runTf = (): tf.Tensor => tf.tidy(() => tf.add(tf.conv2dTranspose(tx, tw, [N, OH, OH, COUT], S, "same"), tb));
    let tfOut = runTf();
    const tTf = await time(TF_RUNS, () => {
      tfOut.dispose();
      tfOut = runTf();
      return tfOut.dataSync();
    });
    console.log(`ConvTranspose output ${ours.dims.join("x")}: max |ours - ORT| = ${maxDiff(ours.data, ortOut.data as Float32Array).toExponential(2)}, max |ours - TF.js| = ${maxDiffNhwc(ours, tfOut.dataSync()).toExponential(2)}`);
    rows.push({ what: "ConvTranspose 256->128, 64^2->128^2, k4 s2 p1", ours: tOurs, ort: tOrt, tfjs: tTf });
    tfOut.dispose();
    tf.dispose([tx, tw, tb]);
    await session.release();
  }

  // Mirror Conv: 128 -> 256, 128x128 -> 64x64.
  {
    const x = randomFloat([N, COUT, OH, OH], 4);
    const w = randomFloat([CIN, COUT, K, K], 5, -0.05, 0.05);
    const b = randomFloat([CIN], 6);
    const attrs = { strides: [S, S], pads: [P, P, P, P] };
    let ours = conv(x, w, b, attrs);
    const tOurs = await time(RUNS, () => (ours = conv(x, w, b, attrs)));

    const session = await ort.InferenceSession.create(oneNodeModel("Conv", x, w, b, [N, CIN, H, H]), { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: "all" });
    const feeds = { x: new ort.Tensor("float32", x.data, [...x.dims]) };
    let ortOut = (await session.run(feeds))["y"] as ort.Tensor;
    const tOrt = await time(RUNS, async () => (ortOut = (await session.run(feeds))["y"] as ort.Tensor));

    // TF.js filter [kh, kw, in, out].
    const wT = new Float32Array(K * K * COUT * CIN);
    for (let co = 0; co < CIN; co++) for (let ci = 0; ci < COUT; ci++) for (let i = 0; i < K * K; i++) wT[(i * COUT + ci) * CIN + co] = w.data[(co * COUT + ci) * K * K + i] as number;
    const tx = tf.tensor4d(toNhwc(x), [N, OH, OH, COUT]);
    const tw = tf.tensor4d(wT, [K, K, COUT, CIN]);
    const tb = tf.tensor1d(b.data);
    const runTf = (): tf.Tensor => tf.tidy(() => tf.add(tf.conv2d(tx, tw, S, "same"), tb));
    let tfOut = runTf();
    const tTf = await time(TF_RUNS, () => {
      tfOut.dispose();
      tfOut = runTf();
      return tfOut.dataSync();
    });
    console.log(`Conv output ${ours.dims.join("x")}: max |ours - ORT| = ${maxDiff(ours.data, ortOut.data as Float32Array).toExponential(2)}, max |ours - TF.js| = ${maxDiffNhwc(ours, tfOut.dataSync()).toExponential(2)}`);
    rows.push({ what: "Conv 128->256, 128^2->64^2, k4 s2 p1 (mirror)", ours: tOurs, ort: tOrt, tfjs: tTf });
    tfOut.dispose();
    tf.dispose([tx, tw, tb]);
    await session.release();
  }

  console.log("");
  console.log("layer                                              ours ms (GFLOP/s) | ORT 1 thread      | TF.js cpu          | ours/TF.js | ours/ORT");
  let ok = true;
  for (const r of rows) {
    const vsTf = r.tfjs / r.ours;
    const vsOrt = r.ort / r.ours;
    ok &&= vsTf >= TARGET_VS_TFJS;
    console.log(
      `${r.what.padEnd(50)} ${r.ours.toFixed(0).padStart(5)} (${gflops(r.ours).padStart(5)}) | ${r.ort.toFixed(0).padStart(5)} (${gflops(r.ort).padStart(5)}) | ${r.tfjs.toFixed(0).padStart(6)} (${gflops(r.tfjs).padStart(5)}) | ${vsTf.toFixed(1).padStart(8)}x | ${vsOrt.toFixed(2)}x (ORT ${(1 / vsOrt).toFixed(1)}x faster)`,
    );
  }
  console.log(`target ours >= ${TARGET_VS_TFJS}x TF.js: ${ok ? "met" : "NOT met"}`);

  if (args.has("--js")) {
    setGemmBackend("js");
    const x = randomFloat([N, CIN, H, H], 1);
    const w = randomFloat([CIN, COUT, K, K], 2, -0.05, 0.05);
    const t = await time(1, () => convTranspose(x, w, null, { strides: [S, S], pads: [P, P, P, P] }));
    console.log(`ConvTranspose with the scalar JavaScript GEMM fallback: ${t.toFixed(0)} ms (${gflops(t)} GFLOP/s)`);
    setGemmBackend(null);
  }
}

await main();
