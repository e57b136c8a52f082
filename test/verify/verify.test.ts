/**
 * verifyModel on the examples and the PyTorch fixtures: the run's shapes against the static
 * ones, the real failure or wrong output size behind each finding, and the fixes re-run.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Model } from "../../src/ir/graph.js";
import { loadModelFile } from "../../src/loaders/index.js";
import type { ShapeSpec } from "../../src/lint/run-rules.js";
import { type FindingCheck, type VerifyResult, verifyModel } from "../../src/verify/index.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TORCH = join(ROOT, "test/fixtures/torch");

async function verifyFile(file: string, opts: { input?: ShapeSpec; expect?: ShapeSpec } = {}): Promise<{ model: Model; r: VerifyResult }> {
  const model = await loadModelFile(join(ROOT, file));
  const r = verifyModel(model, {
    ...(opts.input ? { inputShapes: new Map([["", opts.input]]) } : {}),
    ...(opts.expect ? { expectOutput: new Map([["", opts.expect]]) } : {}),
  });
  return { model, r };
}

function only(r: VerifyResult, ruleId: string): FindingCheck {
  const list = r.findings.filter((f) => f.ruleId === ruleId);
  expect(list.map((f) => f.node), `${ruleId} findings`).toHaveLength(1);
  return list[0]!;
}

/** Names of the values computed at or after `node` (graph order). */
function downstreamValues(model: Model, node: string): Set<string> {
  const out = new Set<string>();
  const frontier = new Set<string>(model.graph.nodes.find((n) => n.name === node)!.outputs);
  let grew = true;
  for (const o of frontier) out.add(o);
  while (grew) {
    grew = false;
    for (const n of model.graph.nodes) {
      if (n.inputs.some((i) => out.has(i))) for (const o of n.outputs) if (!out.has(o)) (out.add(o), (grew = true));
    }
  }
  return out;
}

describe("verify on the ONNX examples", () => {
  it("mnist-autoencoder: the decoder returns 1x1x32x32 at run time; output_padding [0,0] on /dec/dec.0 gives 28x28", async () => {
    const { r } = await verifyFile("examples/mnist-autoencoder.onnx");
    expect(r.sizes).toEqual([{ symbol: "N", size: 1, reason: "batch" }]);
    expect(r.inputs).toEqual([{ name: "x", shape: [1, 1, 28, 28] }]);
    expect(r.run.ok).toBe(true);
    expect(r.discrepancies).toEqual([]);
    expect(r.values.every((v) => v.status === "match")).toBe(true);
    expect(r.values.find((v) => v.name === "y")).toMatchObject({ shape: [1, 1, 32, 32], staticShape: [1, 1, 32, 32], symbolic: ["N", 1, 32, 32] });
    // 28 -> 14 -> 7 -> 4 | 8 -> 16 -> 32 at run time.
    const convs = r.values.filter((v) => v.op === "Conv" || v.op === "ConvTranspose").map((v) => v.shape?.[2]);
    expect(convs).toEqual([14, 7, 4, 8, 16, 32]);
    const f = only(r, "decoder-output-mismatch");
    expect(f.node).toBe("/dec/dec.0/ConvTranspose");
    expect(f.status).toBe("confirmed");
    expect(f.output).toBe("y");
    expect(f.realShape).toEqual([1, 1, 32, 32]);
    expect(f.target).toEqual([1, 1, 28, 28]);
    expect(f.real).toBe("output 'y' is [1, 1, 32, 32] at run time, not [1, 1, 28, 28]");
    expect(f.fixVerified).toBe(true);
    expect(f.fixNote).toBe("with the fix, output 'y' is [1, 1, 28, 28]");
    expect(f.fixRun?.ok).toBe(true);
    expect(r.exitCode).toBe(1);
    expect(r.peakRssBytes).toBeGreaterThan(1 << 20);
  });

  it("unet-odd at 1x1x33x33: the run fails at /Concat_1 (32 vs 33); every value before it matches the static shape", async () => {
    const { model, r } = await verifyFile("examples/unet-odd.onnx", { input: [1, 1, 33, 33] });
    expect(r.sizes).toEqual([]);
    expect(r.run.ok).toBe(false);
    expect(r.run.failure).toMatchObject({ node: "/Concat_1", op: "Concat", code: "SHAPE_MISMATCH", shapes: [[1, 4, 33, 33], [1, 4, 32, 32]] });
    expect(r.run.failure?.message).toBe("/Concat_1 (Concat): Concat on axis 1: input 1 differs from input 0 in dim 2 (32 vs 33) (shapes [1,4,33,33] vs [1,4,32,32])");
    expect(r.discrepancies).toEqual([]);
    const after = downstreamValues(model, "/Concat_1");
    for (const v of r.values) {
      if (after.has(v.name)) expect(v.status, v.name).toBe("not-run");
      else expect([v.name, v.status]).toEqual([v.name, "match"]);
    }
    expect(r.values.filter((v) => v.status === "match").length).toBe(14);
    expect(r.values.find((v) => v.name === "/up2/ConvTranspose_output_0")?.shape).toEqual([1, 4, 32, 32]);
    const f = only(r, "merge-shape-mismatch");
    expect(f.node).toBe("/Concat_1");
    expect(f.status).toBe("confirmed");
    expect(f.real).toBe(r.run.failure?.message);
    // A fix, when the rule computes one, is run on a copy; with none there is nothing to verify.
    if (f.fix.length > 0) {
      expect(f.fixVerified).toBe(true);
      expect(f.fixRun?.ok).toBe(true);
    } else {
      expect(f.fixVerified).toBeNull();
      expect(f.fixNote).toBe("no fix");
    }
    expect(r.exitCode).toBe(1);
  });

  it("unet-odd with open H, W: runs at the first default size without a static failure; the odd-size findings are not exercised", async () => {
    const { r } = await verifyFile("examples/unet-odd.onnx");
    expect(r.sizes).toEqual([
      { symbol: "N", size: 1, reason: "batch" },
      { symbol: "H", size: 64, reason: "default" },
      { symbol: "W", size: 64, reason: "default" },
    ]);
    expect(r.run.ok).toBe(true);
    expect(r.discrepancies).toEqual([]);
    expect(r.values.every((v) => v.status === "match")).toBe(true);
    const merges = r.findings.filter((f) => f.ruleId === "merge-shape-mismatch");
    expect(merges.map((f) => [f.node, f.status, f.fixVerified])).toEqual([
      ["/Concat", "not-exercised", null],
      ["/Concat_1", "not-exercised", null],
    ]);
    expect(r.exitCode).toBe(0);
  });

  it("mnist-autoencoder-fixed: clean, static == runtime, exit 0", async () => {
    const { r } = await verifyFile("examples/mnist-autoencoder-fixed.onnx");
    expect(r.run.ok).toBe(true);
    expect(r.discrepancies).toEqual([]);
    expect(r.values.length).toBe(13);
    expect(r.values.every((v) => v.status === "match")).toBe(true);
    expect(r.values.find((v) => v.name === "y")?.shape).toEqual([1, 1, 28, 28]);
    expect(r.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(r.exitCode).toBe(0);
  });

  it("gan-generator with --expect-output 1,1,28,28: 25x25 at run time; output_padding 1 on main.3 and main.6 gives 28x28", async () => {
    const { r } = await verifyFile("examples/gan-generator.onnx", { expect: [1, 1, 28, 28] });
    expect(r.discrepancies).toEqual([]);
    const f = only(r, "decoder-output-mismatch");
    expect(f.status).toBe("confirmed");
    expect(f.realShape).toEqual([1, 1, 25, 25]);
    expect(f.target).toEqual([1, 1, 28, 28]);
    const onnxSteps = f.fix.filter((s) => s.framework === undefined || s.framework === "onnx");
    expect(onnxSteps.map((s) => [s.node, s.attribute, s.to])).toEqual([
      ["/main/main.3/ConvTranspose", "output_padding", [1, 1]],
      ["/main/main.6/ConvTranspose", "output_padding", [1, 1]],
    ]);
    expect(f.fixVerified).toBe(true);
    expect(f.fixNote).toBe("with the fix, output 'y' is [1, 1, 28, 28]");
    expect(r.exitCode).toBe(1);
  });
});

describe("verify on the Keras examples (lowered to the ONNX kernels)", () => {
  it("keras-mnist-autoencoder: dec1 returns 32x32 at run time; output_padding 0 on dec1 gives 28x28", async () => {
    const { r } = await verifyFile("examples/keras-mnist-autoencoder.json");
    expect(r.format).toBe("keras");
    expect(r.inputs).toEqual([{ name: "enc1_input", shape: [1, 28, 28, 1] }]);
    expect(r.discrepancies).toEqual([]);
    expect(r.values.map((v) => [v.name, v.shape, v.status])).toEqual([
      ["enc1_input", [1, 28, 28, 1], "match"],
      ["enc1", [1, 14, 14, 8], "match"],
      ["enc2", [1, 7, 7, 8], "match"],
      ["enc3", [1, 4, 4, 8], "match"],
      ["dec1", [1, 8, 8, 8], "match"],
      ["dec2", [1, 16, 16, 8], "match"],
      ["dec3", [1, 32, 32, 8], "match"],
      ["reconstruction", [1, 32, 32, 1], "match"],
    ]);
    const f = only(r, "decoder-output-mismatch");
    expect(f.node).toBe("dec1");
    expect(f.status).toBe("confirmed");
    expect(f.realShape).toEqual([1, 32, 32, 1]);
    expect(f.target).toEqual([1, 28, 28, 1]);
    expect(f.fix.map((s) => [s.node, s.attribute, s.from, s.to])).toEqual([["dec1", "output_padding", null, [0, 0]]]);
    expect(f.fixVerified).toBe(true);
    expect(f.fixNote).toBe("with the fix, output 'reconstruction' is [1, 28, 28, 1]");
    expect(r.exitCode).toBe(1);
  });

  it("keras-unet-odd at 1x33x33x1: the run fails at skip2 (33 vs 32); static == runtime before it", async () => {
    const { model, r } = await verifyFile("examples/keras-unet-odd.json", { input: [1, 33, 33, 1] });
    expect(r.discrepancies).toEqual([]);
    expect(r.run.failure).toMatchObject({ node: "skip2", op: "Concatenate", code: "SHAPE_MISMATCH", shapes: [[1, 32, 32, 4], [1, 33, 33, 4]] });
    const after = downstreamValues(model, "skip2");
    expect(r.values.filter((v) => v.status === "not-run").map((v) => v.name)).toEqual([...after]);
    expect(r.values.filter((v) => !after.has(v.name)).every((v) => v.status === "match")).toBe(true);
    expect(r.values.find((v) => v.name === "up2")?.shape).toEqual([1, 32, 32, 4]);
    expect(r.values.find((v) => v.name === "down0_conv")?.shape).toEqual([1, 33, 33, 4]);
    const f = only(r, "merge-shape-mismatch");
    expect([f.node, f.status]).toEqual(["skip2", "confirmed"]);
    expect(f.real).toContain("skip2 (Concatenate): Concat on axis 3: input 1 differs from input 0 in dim 1 (33 vs 32)");
    expect(r.exitCode).toBe(1);
  });

  it("keras-conv-autoencoder: clean", async () => {
    const { r } = await verifyFile("examples/keras-conv-autoencoder.json");
    expect(r.discrepancies).toEqual([]);
    expect(r.values.every((v) => v.status === "match")).toBe(true);
    expect(r.values.find((v) => v.name === "reconstruction")?.shape).toEqual([1, 28, 28, 1]);
    expect(r.exitCode).toBe(0);
  });
});

interface Sidecar {
  readonly model: string;
  readonly runs: {
    readonly inputs: Record<string, number[]>;
    readonly outputs: Record<string, number[]> | null;
    readonly onnxruntime: { readonly outputs: Record<string, number[]> | null; readonly node: string | null };
  }[];
  readonly onnxruntime_differs?: string;
}

describe("verify on the PyTorch-exported fixtures at their recorded sizes", () => {
  const sidecars = readdirSync(TORCH)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(TORCH, f), "utf8")) as Sidecar);
  it("finds them", () => expect(sidecars.length).toBeGreaterThan(20));
  for (const sc of sidecars) {
    it(`${sc.model}: static == runtime for every value`, async () => {
      const model = await loadModelFile(join(TORCH, sc.model));
      for (const run of sc.runs) {
        const what = `${sc.model} at ${JSON.stringify(run.inputs)}`;
        const r = verifyModel(model, { inputShapes: new Map(Object.entries(run.inputs)), seed: 3 });
        expect(r.discrepancies, what).toEqual([]);
        expect(r.cannotRun, what).toBeNull();
        expect(r.sizes, what).toEqual([]);
        // The graph as written runs as onnxruntime ran it (PyTorch where the sidecar says onnxruntime alone differs).
        const want = sc.onnxruntime_differs !== undefined ? { outputs: run.outputs, node: null } : run.onnxruntime;
        if (want.outputs !== null) {
          expect(r.run.ok, what).toBe(true);
          expect(r.values.filter((v) => v.status !== "match").map((v) => [v.name, v.status]), what).toEqual([]);
          for (const [name, dims] of Object.entries(want.outputs)) expect(r.values.find((v) => v.name === name)?.shape, `${what}: ${name}`).toEqual(dims);
        } else {
          expect(r.run.ok, what).toBe(false);
          if (want.node !== null) expect(r.run.failure?.node, what).toBe(want.node);
          expect(r.values.filter((v) => v.status !== "match" && v.status !== "not-run").map((v) => [v.name, v.status]), what).toEqual([]);
          expect(r.exitCode, what).toBe(1);
        }
      }
    });
  }
});
