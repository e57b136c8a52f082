/**
 * `npm run bench:load`: time ONNX load + shape propagation on a ResNet-like model with ~1,500
 * nodes and ~300 MB of weights, each run in a fresh child process (wall time in the child and
 * peak RSS from `process.resourceUsage().maxRSS`), median of 5. When Debian's Python onnx is
 * available, `onnx.load` + `onnx.shape_inference.infer_shapes` is timed on the same file.
 *
 * The model is generated into a temporary directory (never committed) with the project's ONNX
 * writer (test/helpers/onnx-writer.ts), streamed to the file so that generating it does not need
 * 300 MB of memory. Targets: < 100 ms and < 150 MB peak RSS.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, statSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type NodeSpec, modelWriter } from "../test/helpers/onnx-writer.js";

const RUNS = 5;
const TARGET_MS = 100;
const TARGET_RSS_MB = 150;
const PYTHON = "/usr/bin/python3";

// ---------------------------------------------------------------------------------------------
// The model.

/** A ResNet-like graph: stem, 4 stages of 75 basic blocks (64/96/128/160 channels), head. */
function buildGraph(): { nodes: NodeSpec[]; weights: { name: string; dims: number[] }[] } {
  const nodes: NodeSpec[] = [];
  const weights: { name: string; dims: number[] }[] = [];
  let x = "input";
  const conv = (prefix: string, cin: number, cout: number, k: number, stride: number): string => {
    const w = `${prefix}.weight`;
    const b = `${prefix}.bias`;
    weights.push({ name: w, dims: [cout, cin, k, k] }, { name: b, dims: [cout] });
    const out = `/${prefix}/Conv_output_0`;
    const p = (k - 1) >> 1;
    nodes.push({ name: `/${prefix}/Conv`, opType: "Conv", inputs: [x, w, b], outputs: [out], attrs: { dilations: [1, 1], group: 1, kernel_shape: [k, k], pads: [p, p, p, p], strides: [stride, stride] } });
    return out;
  };
  const relu = (prefix: string, input: string): string => {
    const out = `/${prefix}/Relu_output_0`;
    nodes.push({ name: `/${prefix}/Relu`, opType: "Relu", inputs: [input], outputs: [out] });
    return out;
  };
  x = conv("stem", 3, 64, 7, 2);
  x = relu("stem", x);
  const widths = [64, 96, 128, 160];
  let cin = 64;
  widths.forEach((c, s) => {
    if (s > 0) {
      x = conv(`layer${s + 1}.down`, cin, c, 3, 2);
      x = relu(`layer${s + 1}.down`, x);
    }
    cin = c;
    for (let b = 0; b < 75; b++) {
      const pre = `layer${s + 1}.${b}`;
      const skip = x;
      x = conv(`${pre}.conv1`, c, c, 3, 1);
      x = relu(`${pre}.relu1`, x);
      x = conv(`${pre}.conv2`, c, c, 3, 1);
      const sum = `/${pre}/Add_output_0`;
      nodes.push({ name: `/${pre}/Add`, opType: "Add", inputs: [x, skip], outputs: [sum] });
      x = relu(`${pre}.relu2`, sum);
    }
  });
  nodes.push({ name: "/pool/GlobalAveragePool", opType: "GlobalAveragePool", inputs: [x], outputs: ["/pool/out"] });
  nodes.push({ name: "/Flatten", opType: "Flatten", inputs: ["/pool/out"], outputs: ["/flat"], attrs: { axis: 1 } });
  weights.push({ name: "fc.weight", dims: [1000, cin] }, { name: "fc.bias", dims: [1000] });
  nodes.push({ name: "/fc/Gemm", opType: "Gemm", inputs: ["/flat", "fc.weight", "fc.bias"], outputs: ["logits"], attrs: { transB: 1 } });
  return { nodes, weights };
}

/**
 * Write the model to `path`. Every weight payload is a view of one 1 MiB buffer of
 * deterministic non-zero floats (no tensor is larger), so the ~300 MB are streamed to the file,
 * never held in memory. Returns node and tensor counts.
 */
function writeModel(path: string): { nodes: number; tensors: number; weightBytes: number } {
  const { nodes, weights } = buildGraph();
  const chunk = new Uint8Array(1 << 20);
  const f32 = new Float32Array(chunk.buffer);
  for (let i = 0; i < f32.length; i++) f32[i] = Math.sin(i) * 0.05;
  let weightBytes = 0;
  const initializers = weights.map((w) => {
    const bytes = w.dims.reduce((a, b) => a * b, 1) * 4;
    if (bytes > chunk.length) throw new Error(`weight ${w.name} is larger than the payload buffer`);
    weightBytes += bytes;
    return { name: w.name, dtype: "float32" as const, dims: w.dims, raw: chunk.subarray(0, bytes) };
  });
  const writer = modelWriter({
    irVersion: 8,
    producerName: "pytorch",
    producerVersion: "2.1.0",
    opsets: [{ domain: "", version: 17 }],
    graph: {
      name: "resnet_like",
      nodes,
      initializers,
      inputs: [{ name: "input", dtype: "float32", shape: ["N", 3, 224, 224] }],
      outputs: [{ name: "logits", dtype: "float32", shape: ["N", 1000] }],
    },
  });
  const fd = openSync(path, "w");
  writer.writeTo(fd);
  closeSync(fd);
  return { nodes: nodes.length, tensors: weights.length, weightBytes };
}

// ---------------------------------------------------------------------------------------------
// Measurement.

interface ChildResult {
  /** CPU time (user + system, all threads) over load + propagate. */
  cpuMs: number;
  loadMs: number;
  propagateMs: number;
  totalMs: number;
  maxRssMb: number;
  bytesRead: number;
  nodes: number;
  unsupportedOps: number;
}

/** Child mode: load + propagate once, print one JSON line. */
async function child(path: string): Promise<void> {
  const { loadOnnxFileWithStats } = await import("../src/loaders/onnx/onnx-loader.js");
  const { propagate } = await import("../src/shapes/propagate.js");
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { model, bytesRead } = loadOnnxFileWithStats(path);
  const t1 = performance.now();
  const result = propagate(model);
  const t2 = performance.now();
  const cpu = process.cpuUsage(c0);
  const out: ChildResult = {
    cpuMs: (cpu.user + cpu.system) / 1000,
    loadMs: t1 - t0,
    propagateMs: t2 - t1,
    totalMs: t2 - t0,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    bytesRead,
    nodes: model.graph.nodes.length,
    unsupportedOps: result.unsupported.size,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

const PY_SCRIPT = `
import json, resource, sys, time
import onnx
t0 = time.perf_counter()
m = onnx.load(sys.argv[1])
t1 = time.perf_counter()
inferred = onnx.shape_inference.infer_shapes(m)
t2 = time.perf_counter()
print(json.dumps({"loadMs": (t1 - t0) * 1e3, "inferMs": (t2 - t1) * 1e3, "totalMs": (t2 - t0) * 1e3,
                  "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function pythonOnnxAvailable(): boolean {
  try {
    execFileSync(PYTHON, ["-c", "import onnx"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const dir = mkdtempSync(join(tmpdir(), "shapelint-bench-"));
  try {
    const path = join(dir, "resnet-like.onnx");
    const gen = writeModel(path);
    const size = statSync(path).size;
    const load0 = loadavg()[0]!;
    console.log(`model: ${gen.nodes} nodes, ${gen.tensors} initializers, ${(gen.weightBytes / 2 ** 20).toFixed(1)} MiB of weights, file ${(size / 2 ** 20).toFixed(1)} MiB`);

    const runs: ChildResult[] = [];
    const wall: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const r = spawnSync(process.execPath, ["--expose-gc", self, "--child", path], { encoding: "utf8" });
      wall.push(performance.now() - t);
      if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
      runs.push(JSON.parse(r.stdout.trim().split("\n").pop()!) as ChildResult);
    }
    const py: { loadMs: number; inferMs: number; totalMs: number; maxRssMb: number }[] = [];
    const havePy = pythonOnnxAvailable();
    if (havePy) {
      for (let i = 0; i < RUNS; i++) {
        const r = spawnSync(PYTHON, ["-c", PY_SCRIPT, path], { encoding: "utf8", maxBuffer: 1 << 20 });
        if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
        py.push(JSON.parse(r.stdout.trim().split("\n").pop()!));
      }
    }

    const row = (label: string, xs: number[], unit: string) =>
      `${label.padEnd(34)} ${median(xs).toFixed(1).padStart(9)} ${Math.min(...xs).toFixed(1).padStart(9)} ${Math.max(...xs).toFixed(1).padStart(9)}  ${unit}`;
    const lines = [
      "",
      `${"".padEnd(34)} ${"median".padStart(9)} ${"min".padStart(9)} ${"max".padStart(9)}`,
      row("shapelint load + propagate", runs.map((r) => r.totalMs), "ms"),
      row("  load (structure only)", runs.map((r) => r.loadMs), "ms"),
      row("  propagate", runs.map((r) => r.propagateMs), "ms"),
      row("  CPU time, all threads", runs.map((r) => r.cpuMs), "ms"),
      row("  child process wall (incl. startup)", wall, "ms"),
      row("  peak RSS", runs.map((r) => r.maxRssMb), "MiB"),
      row("  bytes read from the file", runs.map((r) => r.bytesRead / 2 ** 20), "MiB"),
    ];
    if (havePy) {
      lines.push(
        row("python onnx.load + infer_shapes", py.map((r) => r.totalMs), "ms"),
        row("  onnx.load", py.map((r) => r.loadMs), "ms"),
        row("  infer_shapes", py.map((r) => r.inferMs), "ms"),
        row("  peak RSS", py.map((r) => r.maxRssMb), "MiB"),
      );
    } else lines.push(`(python onnx not available at ${PYTHON}: no comparison)`);
    console.log(lines.join("\n"));
    const load1 = loadavg()[0]!;
    console.log(`\n1-min load average ${load0.toFixed(1)} -> ${load1.toFixed(1)} on ${availableParallelism()} cores${Math.max(load0, load1) > availableParallelism() / 2 ? " (busy machine: wall times are inflated; compare the min column and CPU time)" : ""}`);
    const ms = median(runs.map((r) => r.totalMs));
    const rss = median(runs.map((r) => r.maxRssMb));
    if (havePy) console.log(`\nratio python / shapelint (load + shapes): ${(median(py.map((r) => r.totalMs)) / ms).toFixed(1)}x`);
    console.log(`nodes without a shape function: ${runs[0]!.unsupportedOps} op types`);
    const ok = ms < TARGET_MS && rss < TARGET_RSS_MB;
    console.log(`target < ${TARGET_MS} ms and < ${TARGET_RSS_MB} MiB: ${ok ? "met" : "NOT met"} (${ms.toFixed(1)} ms, ${rss.toFixed(1)} MiB)`);
    if (!ok) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `--generate <path>` writes the model and exits (for profiling with `node --cpu-prof ... --child <path>`).
if (process.argv[2] === "--child") await child(process.argv[3]!);
else if (process.argv[2] === "--generate") console.log(writeModel(process.argv[3]!));
else await main();
