/**
 * The executor on real PyTorch-exported models (`test/fixtures/torch`, see its README): at every
 * recorded input size the kernel must do what onnxruntime did with the graph as written — the
 * same output shapes, or a RuntimeShapeError at the same node with the same two sizes — except
 * where the sidecar records that onnxruntime alone rejects the node (`onnxruntime_differs`),
 * where the kernel must produce PyTorch's shapes.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadModelFile } from "../../src/loaders/index.js";
import { RuntimeShapeError, runModel } from "../../src/kernels/index.js";

const DIR = fileURLToPath(new URL("../fixtures/torch/", import.meta.url));

interface OrtRecord {
  readonly outputs: Record<string, number[]> | null;
  readonly error: string | null;
  readonly node: string | null;
  readonly op: string | null;
  readonly mismatch: { readonly axis: number | null; readonly dims: number[] } | null;
}
interface Run {
  readonly inputs: Record<string, number[]>;
  readonly outputs: Record<string, number[]> | null;
  readonly error: string | null;
  readonly onnxruntime: OrtRecord;
}
interface Sidecar {
  readonly model: string;
  readonly runs: Run[];
  readonly onnxruntime_differs?: string;
}

const sidecars = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), "utf8")) as Sidecar);

describe("executor on PyTorch-exported fixtures", () => {
  it("finds the fixtures", () => expect(sidecars.length).toBeGreaterThan(20));
  for (const sc of sidecars) {
    it(`${sc.model}: ${sc.runs.length} recorded sizes`, async () => {
      const model = await loadModelFile(join(DIR, sc.model));
      for (const run of sc.runs) {
        const what = `${sc.model} at ${JSON.stringify(run.inputs)}`;
        const want = sc.onnxruntime_differs !== undefined ? { outputs: run.outputs, error: run.error, node: null, mismatch: null } : run.onnxruntime;
        let got: Map<string, number[]> | null = null;
        let err: unknown = null;
        try {
          const res = runModel(model, { inputShapes: run.inputs, seed: 3 });
          got = new Map([...res.outputs].map(([k, t]) => [k, [...t.dims]]));
        } catch (e) {
          err = e;
        }
        if (want.outputs !== null) {
          expect(err, `${what}: ${String(err)}`).toBeNull();
          expect(Object.fromEntries(got ?? []), what).toEqual(want.outputs);
        } else {
          expect(err, `${what}: expected a failure (${want.error})`).toBeInstanceOf(RuntimeShapeError);
          const e = err as RuntimeShapeError;
          if (want.node !== null) expect(e.node, what).toBe(want.node);
          if (want.mismatch !== null) {
            // The two sizes onnxruntime reported appear in the shapes our error names.
            const [a, b] = want.mismatch.dims as [number, number];
            const dimsSeen = e.shapes.flat();
            expect(dimsSeen, `${what}: ${e.message}`).toContain(a);
            expect(dimsSeen, `${what}: ${e.message}`).toContain(b);
          }
        }
      }
    });
  }
});
