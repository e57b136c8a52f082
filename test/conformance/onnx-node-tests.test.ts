/**
 * Conformance harness over ONNX's backend node tests (`onnx/backend/test/data/node`, packaged by
 * Debian as libonnx-testdata): for every test directory, load `model.onnx`, propagate shapes,
 * and compare each graph output's shape with the dims of `test_data_set_0/output_N.pb`.
 *
 * A test is "covered" when every op in it (nested graphs included) has a shape function. Only
 * covered tests are judged; a covered test disagrees when an output shape is not exactly the
 * expected one (unknown dims count as disagreement), or when propagation reports a
 * contradiction or an internal error. Disagreements not listed in known-differences.json fail.
 *
 * To judge shapes rather than missing values, integer and boolean inputs (and float scalars and
 * tiny 1-D float inputs such as Resize scales) are turned into constants with the values of `test_data_set_0/input_K.pb`:
 * the expected outputs were computed from exactly those values. Declared output shapes are
 * removed before propagating, so nothing is copied from the file's own declarations.
 *
 * Data: env ONNX_TESTDATA (the `node` directory) or /usr/share/libonnx-testdata/data/node.
 * ONNX_CONFORMANCE_REPORT=1 prints the per-op coverage table.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { formatDim } from "../../src/ir/dim.js";
import type { Graph, Model, Shape, TensorConst } from "../../src/ir/graph.js";
import { LoadError } from "../../src/loaders/load-error.js";
import { loadOnnxFile } from "../../src/loaders/onnx/onnx-loader.js";
import { decodeTensorHeader } from "../../src/loaders/onnx/tensor-data.js";
import { propagate } from "../../src/shapes/propagate.js";
import { hasOp, opKey } from "../../src/shapes/registry.js";

const DATA_DIR = process.env.ONNX_TESTDATA ?? "/usr/share/libonnx-testdata/data/node";
const ALLOW_FILE = join(import.meta.dirname, "known-differences.json");
const REPORT = process.env.ONNX_CONFORMANCE_REPORT === "1";
const present = existsSync(DATA_DIR);

interface Outcome {
  readonly test: string;
  readonly ops: readonly string[];
  readonly covered: boolean;
  /** Outputs compared (tensor outputs with expected data). */
  readonly compared: number;
  /** Problems; empty when the test agrees. */
  readonly problems: readonly string[];
}

const shapeText = (s: Shape | null | undefined): string => (s === null || s === undefined ? "unknown rank" : `[${s.map((d) => formatDim(d)).join(", ")}]`);

/** Every `domain::op` in a graph, nested graphs included. */
function collectOps(g: Graph, into: Set<string>): Set<string> {
  for (const n of g.nodes) {
    into.add(opKey(n.domain, n.opType));
    for (const a of n.attrs.values()) {
      if (a.type === "graph") collectOps(a.value, into);
      else if (a.type === "graphs") for (const sub of a.value) collectOps(sub, into);
    }
  }
  return into;
}

function opCovered(key: string): boolean {
  const i = key.indexOf("::");
  return hasOp(key.slice(0, i), key.slice(i + 2));
}

/**
 * Graph inputs worth turning into constants: integers and booleans (shapes, axes, masks,
 * trip counts), and float scalars / tiny 1-D floats (Resize scales, Range bounds, OneHot depth).
 */
function constantCandidate(dtype: string | null, shape: Shape | null): boolean {
  if (dtype === "int64" || dtype === "int32" || dtype === "bool") return true;
  if (dtype !== "float32" && dtype !== "float64" && dtype !== "float16") return false;
  if (shape === null) return false;
  return shape.length === 0 || (shape.length === 1 && typeof shape[0] === "number" && shape[0] <= 8);
}

/** The model with constant inputs and without declared output / value_info shapes. */
function prepare(model: Model, dir: string): Model {
  const g = model.graph;
  const initializers = new Map<string, TensorConst>(g.initializers);
  const inputs = g.inputs.filter((vi, k) => {
    if (!constantCandidate(vi.dtype, vi.shape)) return true;
    const pb = join(dir, "test_data_set_0", `input_${k}.pb`);
    if (!existsSync(pb)) return true;
    const t = decodeTensorHeader(readFileSync(pb));
    if (t.values === undefined || t.inexact) return true;
    initializers.set(vi.name, { ...t, name: vi.name });
    return false;
  });
  const graph: Graph = {
    ...g,
    inputs,
    initializers,
    outputs: g.outputs.map((o) => ({ ...o, shape: null })),
    valueInfo: new Map(),
  };
  return { ...model, graph };
}

function sameShape(got: Shape | null | undefined, want: readonly number[]): boolean {
  if (got === null || got === undefined || got.length !== want.length) return false;
  return got.every((d, i) => typeof d === "number" && d === want[i]);
}

function runOne(test: string): Outcome {
  const dir = join(DATA_DIR, test);
  const model = loadOnnxFile(join(dir, "model.onnx"));
  const ops = [...collectOps(model.graph, new Set())].sort();
  const covered = ops.every(opCovered);
  const expected: { name: string; dims: readonly number[] }[] = [];
  model.graph.outputs.forEach((o, i) => {
    const pb = join(dir, "test_data_set_0", `output_${i}.pb`);
    // A null dtype is a sequence / optional / map output: its .pb is not a TensorProto.
    if (o.dtype === null || !existsSync(pb)) return;
    expected.push({ name: o.name, dims: decodeTensorHeader(readFileSync(pb)).dims });
  });
  if (!covered) return { test, ops, covered, compared: expected.length, problems: [] };
  const problems: string[] = [];
  try {
    const result = propagate(prepare(model, dir));
    for (const e of expected) {
      const got = result.values.get(e.name)?.shape;
      if (!sameShape(got, e.dims)) problems.push(`output '${e.name}': expected [${e.dims.join(", ")}], got ${shapeText(got)}`);
    }
    for (const c of result.contradictions) problems.push(`contradiction at ${c.node.name} (${c.node.opType}): ${c.code} ${c.message}`);
    for (const f of result.facts) {
      if (f.kind === "internal-error") problems.push(`internal error at ${f.node.name} (${f.node.opType}): ${JSON.stringify(f.data)}`);
    }
  } catch (e) {
    problems.push(`propagate threw ${e instanceof LoadError ? `${e.code}: ${e.describe()}` : String(e)}`);
  }
  return { test, ops, covered, compared: expected.length, problems };
}

interface AllowList {
  readonly differences: Readonly<Record<string, string>>;
}

describe.skipIf(!present)("ONNX backend node tests (shape conformance)", () => {
  const outcomes: Outcome[] = [];
  const loadFailures: string[] = [];
  let allow: AllowList = { differences: {} };

  beforeAll(() => {
    allow = JSON.parse(readFileSync(ALLOW_FILE, "utf8")) as AllowList;
    const tests = readdirSync(DATA_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(DATA_DIR, d.name, "model.onnx")))
      .map((d) => d.name)
      .sort();
    for (const test of tests) {
      try {
        outcomes.push(runOne(test));
      } catch (e) {
        loadFailures.push(`${test}: ${e instanceof LoadError ? `${e.code}: ${e.describe()}` : String(e)}`);
      }
    }
    const covered = outcomes.filter((o) => o.covered);
    const agree = covered.filter((o) => o.problems.length === 0);
    const lines = [`ONNX node tests in ${DATA_DIR}: total ${tests.length}, loaded ${outcomes.length}, covered ${covered.length}, agree ${agree.length}`];
    const disagreements = covered.filter((o) => o.problems.length > 0);
    if (disagreements.length > 0) {
      lines.push(`Disagreements (${disagreements.length}):`);
      for (const o of disagreements) {
        const known = allow.differences[o.test] !== undefined ? " [known]" : "";
        for (const p of o.problems) lines.push(`  ${o.test}${known}: ${p}`);
      }
    }
    const stale = Object.keys(allow.differences).filter((t) => !disagreements.some((o) => o.test === t));
    if (stale.length > 0) lines.push(`known-differences.json entries that no longer disagree (remove them): ${stale.join(", ")}`);
    if (REPORT) lines.push(...coverageTable(outcomes));
    console.log(lines.join("\n"));
  });

  it("loads every model.onnx", () => {
    expect(loadFailures).toEqual([]);
  });

  it("has a well-formed allow-list (a reason for every entry)", () => {
    for (const [test, reason] of Object.entries(allow.differences)) {
      expect(typeof reason === "string" && reason.trim().length > 0, `entry ${test} needs a reason`).toBe(true);
    }
  });

  it("propagated output shapes agree with the test data on every covered test (or are known differences)", () => {
    const unexpected = outcomes
      .filter((o) => o.covered && o.problems.length > 0 && allow.differences[o.test] === undefined)
      .flatMap((o) => o.problems.map((p) => `${o.test}: ${p}`));
    expect(unexpected).toEqual([]);
  });
});

if (!present) {
  console.warn(`ONNX node test data absent at ${DATA_DIR}: shape conformance not checked. Install it with \`apt-get install libonnx-testdata\` or set ONNX_TESTDATA.`);
}
describe.skipIf(present)("ONNX backend node tests (shape conformance)", () => {
  it.skip(`ONNX node test data is absent (looked in ${DATA_DIR}); install it with \`apt-get install libonnx-testdata\` or set ONNX_TESTDATA to onnx/backend/test/data/node`, () => {});
});

/** Per-op table: tests using the op, whether it has a shape function, covered and agreeing tests. */
function coverageTable(outcomes: readonly Outcome[]): string[] {
  const rows = new Map<string, { tests: number; covered: number; agree: number }>();
  for (const o of outcomes) {
    for (const op of o.ops) {
      const r = rows.get(op) ?? { tests: 0, covered: 0, agree: 0 };
      r.tests++;
      if (o.covered) {
        r.covered++;
        if (o.problems.length === 0) r.agree++;
      }
      rows.set(op, r);
    }
  }
  const sorted = [...rows].sort((a, b) => b[1].tests - a[1].tests || (a[0] < b[0] ? -1 : 1));
  const w = Math.max(...sorted.map(([k]) => k.length), 2);
  const out = ["", `${"op".padEnd(w)}  shape-fn  tests  covered  agree`];
  for (const [op, r] of sorted) {
    out.push(`${op.padEnd(w)}  ${(opCovered(op) ? "yes" : "-").padEnd(8)}  ${String(r.tests).padStart(5)}  ${String(r.covered).padStart(7)}  ${String(r.agree).padStart(5)}`);
  }
  const withFn = sorted.filter(([op]) => opCovered(op)).length;
  out.push(`${sorted.length} op types, ${withFn} with a shape function`);
  return out;
}
