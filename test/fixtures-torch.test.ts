/**
 * Shape propagation checked against what PyTorch and onnxruntime really did.
 *
 * Every `test/fixtures/torch/<name>.json` (written by `scripts/gen_torch_fixtures.py`) records,
 * for several input sizes, the output shapes PyTorch produced running the module and the ones
 * onnxruntime produced running the exported `.onnx` (or the error each raised, with the node
 * onnxruntime names and the two sizes that disagreed). For each file and run:
 *
 * - concrete: propagate with the graph inputs bound to the run's sizes; the graph outputs must
 *   be exactly the recorded shapes, with no contradiction; where the run failed, a contradiction
 *   must be recorded at the node that failed, whose inputs carry the two disagreeing sizes;
 * - symbolic: propagate with the file's own dim_params, then evaluate every output dim at the
 *   run's sizes: it must give the same numbers (and the failing node's inputs the same sizes).
 *
 * The recorded truth is PyTorch's, except for files that say `graph_differs` (the exported graph
 * computes something else than the module, e.g. a traced constant output_padding): there the
 * graph's behaviour, as onnxruntime ran it, is the truth. `onnxruntime_differs` marks files where
 * onnxruntime rejects what PyTorch and the ONNX formula accept; PyTorch's shapes stay the truth.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type Dim, evalDim, formatDim, isConst } from "../src/ir/dim.js";
import type { Model, Node, Shape } from "../src/ir/graph.js";
import { loadModelFile } from "../src/loaders/index.js";
import { type ShapeResult, propagate } from "../src/shapes/propagate.js";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "torch");

type Shapes = Readonly<Record<string, readonly number[]>>;

interface OrtRun {
  readonly outputs: Shapes | null;
  readonly error: string | null;
  readonly node: string | null;
  readonly op: string | null;
  readonly mismatch: { readonly axis: number | null; readonly dims: readonly [number, number] } | null;
}

interface Run {
  readonly inputs: Shapes;
  readonly outputs: Shapes | null;
  readonly error: string | null;
  readonly onnxruntime: OrtRun;
  readonly graph_matches_torch: boolean;
}

interface Sidecar {
  readonly model: string;
  readonly opset: number;
  readonly dynamic: boolean;
  readonly about: string;
  readonly runs: readonly Run[];
  readonly graph_differs?: string;
  readonly onnxruntime_differs?: string;
}

/** What the graph does at one run: outputs, or the failing node with its op and sizes. */
interface Truth {
  readonly outputs: Shapes | null;
  readonly failure: { readonly node: string; readonly op: string; readonly axis: number | null; readonly dims: readonly [number, number] } | null;
}

/** Contradiction code expected for a failing op. */
const CODE_FOR_OP: Readonly<Record<string, string>> = {
  Concat: "CONCAT_MISMATCH",
  Add: "BROADCAST_MISMATCH",
  Sub: "BROADCAST_MISMATCH",
  Mul: "BROADCAST_MISMATCH",
  Div: "BROADCAST_MISMATCH",
};

function truthOf(side: Sidecar, run: Run): Truth {
  const ort = run.onnxruntime;
  if (side.graph_differs !== undefined) {
    if (ort.outputs === null) throw new Error(`${side.model}: graph_differs runs must have onnxruntime outputs`);
    return { outputs: ort.outputs, failure: null };
  }
  if (run.outputs !== null) return { outputs: run.outputs, failure: null };
  // PyTorch raised; onnxruntime names the node and the two sizes.
  if (ort.node === null || ort.op === null || ort.mismatch === null) throw new Error(`${side.model}: a failing run needs onnxruntime's node and sizes`);
  return { outputs: null, failure: { node: ort.node, op: ort.op, axis: ort.mismatch.axis, dims: ort.mismatch.dims } };
}

function sizesText(inputs: Shapes): string {
  return Object.entries(inputs)
    .map(([k, v]) => `${k}=${v.join("x")}`)
    .join(" ");
}

function shapeText(shape: Shape | null | undefined): string {
  if (shape === null || shape === undefined) return "<unknown rank>";
  return `[${shape.map((d) => formatDim(d)).join(", ")}]`;
}

/** A shape as plain data for `toEqual`: numbers stay numbers, symbolic dims become their text. */
function plain(shape: Shape | null | undefined): (number | string | null)[] | null {
  if (shape === null || shape === undefined) return null;
  return shape.map((d) => (d === null ? null : isConst(d) ? d : formatDim(d)));
}

function contradictionsText(result: ShapeResult): string[] {
  return result.contradictions.map((c) => `${c.code} at ${c.node.name} (${c.node.opType}): ${c.message}`);
}

function nodeNamed(result: ShapeResult, name: string): Node {
  const node = result.order.find((n) => n.name === name);
  if (!node) throw new Error(`no node named '${name}' in the loaded graph`);
  return node;
}

/**
 * The failing node's inputs, as evaluated by `evaluate`, must carry the two sizes that
 * onnxruntime reported: on the reported axis (Concat), or on some common axis (broadcasting ops).
 */
function expectMismatchAtInputs(result: ShapeResult, failure: NonNullable<Truth["failure"]>, evaluate: (d: Dim) => number): void {
  const node = nodeNamed(result, failure.node);
  const shapes = node.inputs
    .filter((n) => n !== "")
    .map((n) => {
      const shape = result.values.get(n)?.shape ?? null;
      if (shape === null || shape.some((d) => d === null)) throw new Error(`input '${n}' of ${failure.node} has no fully known shape: ${shapeText(shape)}`);
      return shape.map((d) => evaluate(d!));
    });
  const want = [...failure.dims].sort((a, b) => a - b);
  const rank = Math.max(...shapes.map((s) => s.length));
  const axes = failure.axis !== null ? [failure.axis] : Array.from({ length: rank }, (_, k) => k);
  const found = axes.some((axis) => {
    // Right-aligned for broadcasting; Concat inputs have equal rank, so this is the same axis.
    const at = [...new Set(shapes.map((s) => s[s.length - rank + axis]).filter((d): d is number => d !== undefined))].sort((a, b) => a - b);
    return at.length === 2 && at[0] === want[0] && at[1] === want[1];
  });
  expect(found, `inputs of ${failure.node} evaluate to ${JSON.stringify(shapes)}; expected sizes ${want.join(" and ")} on ${failure.axis === null ? "some axis" : `axis ${failure.axis}`}`).toBe(true);
}

const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort();

describe("torch fixtures: the directory", () => {
  it("has the sidecars and models", () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    const onnx = readdirSync(DIR).filter((f) => f.endsWith(".onnx"));
    expect(onnx.sort()).toEqual(files.map((f) => f.replace(/\.json$/, ".onnx")));
  });
});

for (const file of files) {
  const side = JSON.parse(readFileSync(join(DIR, file), "utf8")) as Sidecar;
  const path = join(DIR, side.model);
  let loaded: Promise<Model> | undefined;
  const load = (): Promise<Model> => (loaded ??= loadModelFile(path));
  let symbolic: ShapeResult | undefined;
  const symbolicResult = async (): Promise<ShapeResult> => (symbolic ??= propagate(await load()));

  describe(`torch fixture ${side.model} (opset ${side.opset}${side.dynamic ? ", dynamic" : ""})`, () => {
    it("loads with its opset, inputs and outputs", async () => {
      const model = await load();
      expect(model.format).toBe("onnx");
      expect(model.opsets.get("")).toBe(side.opset);
      expect(model.graph.inputs.map((i) => i.name)).toEqual(Object.keys(side.runs[0]!.inputs));
      const outputs = side.runs.map((r) => truthOf(side, r).outputs).find((o) => o !== null);
      if (outputs) expect(model.graph.outputs.map((o) => o.name)).toEqual(Object.keys(outputs));
    });

    side.runs.forEach((run, index) => {
      const truth = truthOf(side, run);
      const label = `${sizesText(run.inputs)}: ${truth.outputs ? `-> ${sizesText(truth.outputs)}` : `fails at ${truth.failure!.node}`}`;

      it(`run ${index} concrete, ${label}`, async () => {
        const model = await load();
        const result = propagate(model, { inputShapes: new Map(Object.entries(run.inputs)) });
        if (truth.outputs) {
          for (const [name, want] of Object.entries(truth.outputs)) {
            const got = result.values.get(name)?.shape;
            expect(plain(got), `output ${name}: propagated ${shapeText(got)}`).toEqual(want);
          }
          if (side.onnxruntime_differs === undefined) expect(contradictionsText(result)).toEqual([]);
        } else {
          const failure = truth.failure!;
          const at = result.contradictions.filter((c) => c.node.name === failure.node);
          expect(
            at.map((c) => c.code),
            `contradictions recorded: ${JSON.stringify(contradictionsText(result))}`,
          ).toContain(CODE_FOR_OP[failure.op] ?? `<no code known for ${failure.op}>`);
          expectMismatchAtInputs(result, failure, (d) => {
            if (!isConst(d)) throw new Error(`with every input bound, a dim is still symbolic: ${formatDim(d)}`);
            return d;
          });
        }
      });

      it(`run ${index} symbolic, ${label}`, async () => {
        const result = await symbolicResult();
        // The symbols are whatever the loader made of the file's dims; bind each to this run's size.
        const env = new Map<string, number>();
        for (const vi of result.model.graph.inputs) {
          const shape = result.inputShapes.get(vi.name);
          const sizes = run.inputs[vi.name];
          if (!shape || !sizes) throw new Error(`input ${vi.name}: no propagated shape or no recorded size`);
          expect(shape.length, `rank of input ${vi.name}`).toBe(sizes.length);
          shape.forEach((d, axis) => {
            const size = sizes[axis]!;
            if (d === null) throw new Error(`input ${vi.name} axis ${axis} has no dim`);
            if (isConst(d)) {
              expect(d, `input ${vi.name} axis ${axis}`).toBe(size);
              return;
            }
            const atom = d.terms.length === 1 && d.c === 0 && d.terms[0]!.coef === 1 ? d.terms[0]!.atom : undefined;
            if (atom?.kind !== "sym") throw new Error(`input ${vi.name} axis ${axis} is not a plain symbol: ${formatDim(d)}`);
            const prev = env.get(atom.name);
            if (prev !== undefined && prev !== size) throw new Error(`symbol ${atom.name} is ${prev} and ${size} in the same run`);
            env.set(atom.name, size);
          });
        }
        const evaluate = (d: Dim): number => evalDim(d, env);
        if (truth.outputs) {
          for (const [name, want] of Object.entries(truth.outputs)) {
            const shape = result.values.get(name)?.shape;
            if (!shape) throw new Error(`output ${name} has no propagated shape`);
            const got = shape.map((d) => {
              if (d === null) return null;
              try {
                return evaluate(d);
              } catch (e) {
                return `${formatDim(d)} (${e instanceof Error ? e.message : String(e)})`;
              }
            });
            expect(got, `output ${name}: propagated ${shapeText(shape)} with ${JSON.stringify(Object.fromEntries(env))}`).toEqual(want);
          }
        } else {
          expectMismatchAtInputs(result, truth.failure!, evaluate);
        }
      });
    });

    if (side.onnxruntime_differs === undefined && side.runs.every((r) => truthOf(side, r).outputs !== null)) {
      it("symbolic propagation finds no contradiction (the graph runs at every recorded size)", async () => {
        expect(contradictionsText(await symbolicResult())).toEqual([]);
      });
    }
  });
}
