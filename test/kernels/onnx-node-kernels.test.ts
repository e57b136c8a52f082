/**
 * Conformance of the CPU kernel against ONNX's own backend node tests (Debian
 * `libonnx-testdata`, or the directory in `ONNX_TESTDATA`): every test whose ops all have a
 * kernel and whose tensors have kernel dtypes runs on `test_data_set_0` inputs and must match
 * `output_N.pb` (relative 1e-4 with an absolute floor of 1e-5; integers and booleans exactly).
 *
 * A mismatch is allowed only when it is listed, with a reason, in `known-differences.json`;
 * such a test must still mismatch (so the list cannot go stale silently).
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Model } from "../../src/ir/graph.js";
import { loadModelFile } from "../../src/loaders/index.js";
import { decodeTensorFile } from "../../src/loaders/onnx/tensor-data.js";
import { KernelError, hasKernel, runModel, tensorFromLoaded, type Tensor } from "../../src/kernels/index.js";
import { isKernelDType } from "../../src/kernels/tensor.js";

const DIR = process.env["ONNX_TESTDATA"] ?? "/usr/share/libonnx-testdata/data/node";
const RTOL = 1e-4;
const ATOL = 1e-5;

interface KnownDifference {
  readonly test: string;
  readonly reason: string;
}
const known: ReadonlyMap<string, string> = new Map(
  (JSON.parse(readFileSync(new URL("./known-differences.json", import.meta.url), "utf8")) as { differences: KnownDifference[] }).differences.map((d) => [d.test, d.reason]),
);

/**
 * Families that must be covered: every conv, conv-transpose, pool, resize/upsample, pad and
 * concat test, and every test made only of elementwise ops. Skipping one of these fails.
 */
const MUST_COVER_NAME = /^test_(.*conv.*|.*pool.*|resize_.*|upsample_.*|.*_pad|pad_.*|concat_.*)$/;
const ELEMENTWISE = new Set([
  "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Xor",
  "Not", "BitShift", "PRelu", "Sum", "Max", "Min", "Mean", "Where", "Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish",
  "Tanh", "Elu", "Selu", "Celu", "Softplus", "Softsign", "ThresholdedRelu", "Shrink", "Gelu", "Mish", "Abs", "Neg", "Exp", "Log",
  "Sqrt", "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh",
  "Acosh", "Atanh", "Erf", "IsNaN", "IsInf", "Clip",
]);

const stats = { total: 0, covered: 0, passed: 0, knownDiff: 0, uncovered: new Map<string, number>() };

function uncovered(reason: string): void {
  stats.uncovered.set(reason, (stats.uncovered.get(reason) ?? 0) + 1);
}

/** Skip an uncovered test, unless it belongs to a family that must be covered. */
function skipOrFail(ctx: { skip: () => void }, name: string, mustCover: boolean, reason: string): void {
  uncovered(reason);
  expect(mustCover, `${name} must be covered by the kernel but is not: ${reason}`).toBe(false);
  ctx.skip();
}

function readPb(path: string): Tensor | string {
  let decoded;
  try {
    decoded = decodeTensorFile(new Uint8Array(readFileSync(path)));
  } catch {
    // Sequence / optional test values are SequenceProto / OptionalProto, not TensorProto.
    return "not a TensorProto";
  }
  const { tensor, data } = decoded;
  if (!isKernelDType(tensor.dtype)) return `dtype ${tensor.dtype}`;
  if (Array.isArray(data)) return "dtype string";
  return tensorFromLoaded(tensor.dtype, tensor.dims, data, path);
}

/** First difference between two tensors, or null when they match. */
function compare(got: Tensor, want: Tensor): string | null {
  if (got.dtype !== want.dtype) return `dtype ${got.dtype}, want ${want.dtype}`;
  if (got.dims.length !== want.dims.length || got.dims.some((d, i) => d !== want.dims[i])) return `dims [${got.dims.join(",")}], want [${want.dims.join(",")}]`;
  const exact = !["float32", "float64", "float16", "bfloat16"].includes(got.dtype);
  let bad = 0;
  let first = "";
  for (let i = 0; i < want.data.length; i++) {
    const g = got.data[i] as number;
    const w = want.data[i] as number;
    const ok = Number.isNaN(w) ? Number.isNaN(g) : g === w || (!exact && Math.abs(g - w) <= ATOL + RTOL * Math.abs(w));
    if (!ok) {
      if (bad === 0) first = `element ${i}: got ${g}, want ${w}`;
      bad++;
    }
  }
  return bad === 0 ? null : `${bad}/${want.data.length} elements differ; first ${first}`;
}

const present = existsSync(DIR);
const tests = present ? readdirSync(DIR).filter((t) => existsSync(join(DIR, t, "model.onnx"))).sort() : [];

describe.skipIf(!present)("ONNX backend node tests on the CPU kernel", () => {
  afterAll(() => {
    const reasons = [...stats.uncovered.entries()].sort((a, b) => b[1] - a[1]).slice(0, process.env["KERNEL_TEST_VERBOSE"] ? undefined : 12).map(([r, n]) => `${n} ${r}`);
    console.log(
      `ONNX node tests in ${DIR}: ${stats.total} total, ${stats.covered} covered, ${stats.passed} passed, ${stats.knownDiff} known differences\n` +
        `  not covered (top reasons): ${reasons.join("; ")}`,
    );
  });

  for (const name of tests) {
    it(name, async (ctx) => {
      stats.total++;
      const dir = join(DIR, name);
      let model: Model;
      try {
        model = await loadModelFile(join(dir, "model.onnx"));
      } catch (e) {
        skipOrFail(ctx, name, MUST_COVER_NAME.test(name), `loader: ${(e as Error).message.slice(0, 60)}`);
        return;
      }
      const ops = new Set(model.graph.nodes.map((n) => n.opType));
      const mustCover = MUST_COVER_NAME.test(name) || [...ops].every((o) => ELEMENTWISE.has(o));
      const missing = [...new Set(model.graph.nodes.filter((n) => !hasKernel(n.opType, n.domain)).map((n) => `${n.domain ? `${n.domain}.` : ""}${n.opType}`))];
      if (missing.length > 0) {
        skipOrFail(ctx, name, mustCover, `op ${missing.join("+")}`);
        return;
      }
      const dataDir = join(dir, "test_data_set_0");
      const inputs = new Map<string, Tensor>();
      const realInputs = model.graph.inputs.filter((v) => !model.graph.initializers.has(v.name));
      for (let i = 0; existsSync(join(dataDir, `input_${i}.pb`)); i++) {
        const t = readPb(join(dataDir, `input_${i}.pb`));
        const vi = realInputs[i];
        if (typeof t === "string" || vi === undefined) {
          skipOrFail(ctx, name, mustCover, typeof t === "string" ? t : "unmatched input");
          return;
        }
        if (vi.dtype !== t.dtype) {
          // onnx 1.12 stores bfloat16 test inputs as uint16 bit patterns.
          skipOrFail(ctx, name, mustCover, `test data ${t.dtype} for a ${vi.dtype ?? "?"} input`);
          return;
        }
        inputs.set(vi.name, t);
      }
      const wants: Tensor[] = [];
      for (let i = 0; i < model.graph.outputs.length; i++) {
        const t = readPb(join(dataDir, `output_${i}.pb`));
        if (typeof t === "string") {
          skipOrFail(ctx, name, mustCover, t);
          return;
        }
        const declared = model.graph.outputs[i]?.dtype;
        if (declared !== t.dtype) {
          skipOrFail(ctx, name, mustCover, `test data ${t.dtype} for a ${declared ?? "?"} output`);
          return;
        }
        wants.push(t);
      }
      let failure: string | null = null;
      try {
        const res = runModel(model, { inputs });
        model.graph.outputs.forEach((o, i) => {
          if (failure !== null) return;
          const got = res.outputs.get(o.name);
          const d = got === undefined ? "not produced" : compare(got, wants[i] as Tensor);
          if (d !== null) failure = `output ${o.name}: ${d}`;
        });
      } catch (e) {
        if (e instanceof KernelError && (e.code === "UNSUPPORTED_FEATURE" || e.code === "UNSUPPORTED_OP")) {
          skipOrFail(ctx, name, mustCover, `feature: ${e.detail.slice(0, 70)}`);
          return;
        }
        failure = `threw ${(e as Error).message}`;
      }
      stats.covered++;
      const reason = known.get(name);
      if (reason !== undefined) {
        stats.knownDiff++;
        expect(failure, `${name} is listed in known-differences.json (${reason}) but now matches; remove it`).not.toBeNull();
        return;
      }
      expect(failure, name).toBeNull();
      stats.passed++;
    });
  }
});

if (!present) {
  describe("ONNX backend node tests on the CPU kernel", () => {
    it.skip(`skipped: no ONNX node test data at ${DIR} (install Debian libonnx-testdata or set ONNX_TESTDATA)`, () => {});
  });
}
