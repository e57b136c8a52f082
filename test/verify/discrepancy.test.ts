/**
 * verify catches a linter that is wrong: the static shapes are tampered with here (through a
 * mock of the propagation and of the rule runner) and verify must report the disagreement as an
 * internal error (exit 2), or a fix that does not restore the target as "fix failed".
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Shape } from "../../src/ir/graph.js";
import type { Finding } from "../../src/lint/finding.js";
import type { ShapeResult } from "../../src/shapes/propagate.js";
import { loadModelFile } from "../../src/loaders/index.js";
import { verifyModel } from "../../src/verify/index.js";
import { cli } from "../cli/helpers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Tampering hooks, reset after each test. */
const hooks: { propagate: ((r: ShapeResult, call: number) => ShapeResult) | null; lint: ((f: Finding[]) => Finding[]) | null; calls: number } = { propagate: null, lint: null, calls: 0 };

vi.mock("../../src/shapes/propagate.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/shapes/propagate.js")>();
  return {
    ...real,
    propagate: (...args: Parameters<typeof real.propagate>) => {
      const r = real.propagate(...args);
      return hooks.propagate ? hooks.propagate(r, hooks.calls++) : r;
    },
  };
});

vi.mock("../../src/lint/run-rules.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/lint/run-rules.js")>();
  return {
    ...real,
    lint: (...args: Parameters<typeof real.lint>) => {
      const f = real.lint(...args);
      return hooks.lint ? hooks.lint(f) : f;
    },
  };
});

afterEach(() => {
  hooks.propagate = null;
  hooks.lint = null;
  hooks.calls = 0;
});

/** The same result with one value's shape replaced. */
function withShape(r: ShapeResult, value: string, edit: (s: Shape) => Shape): ShapeResult {
  const values = new Map(r.values);
  const info = values.get(value)!;
  values.set(value, { ...info, shape: edit(info.shape!) });
  return { ...r, values };
}

const ENC0 = "/enc/enc.0/Conv_output_0";

describe("verify reports a wrong static shape as an internal error", () => {
  it("a value whose static height is one more than the run's", async () => {
    hooks.propagate = (r) => (r.values.has(ENC0) ? withShape(r, ENC0, (s) => s.map((d, i) => (i === 2 ? 15 : d))) : r);
    const model = await loadModelFile(join(ROOT, "examples/mnist-autoencoder.onnx"));
    const r = verifyModel(model, {});
    const v = r.values.find((x) => x.name === ENC0)!;
    expect(v.status).toBe("mismatch");
    expect(v.shape![2]).toBe(14);
    expect(v.staticShape![2]).toBe(15);
    expect(r.discrepancies).toEqual([
      {
        kind: "shape",
        node: "/enc/enc.0/Conv",
        value: ENC0,
        message: `'${ENC0}' (output of /enc/enc.0/Conv (Conv)) is [1, 4, 14, 14] at run time but [1, 4, 15, 14] statically (["N",4,15,14] at N=1)`,
      },
    ]);
    expect(r.values.filter((x) => x.status === "mismatch").length).toBe(1);
    expect(r.exitCode).toBe(2);

    const run = await cli(["verify", "examples/mnist-autoencoder.onnx"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain("internal error: the static analysis disagrees with the run (a bug in shapelint):");
    expect(run.stdout).toContain(`  ${ENC0}  /enc/enc.0/Conv     [1, 4, 14, 14]  [1, 4, 15, 14] = [N, 4, 15, 14]  MISMATCH\n`);
    expect(run.stdout).toContain("\n1 of 13 values differ from the static shapes; 1 error confirmed by the run; 1 fix verified\n");
    expect(run.stderr).toBe("shapelint: examples/mnist-autoencoder.onnx: internal error: 1 disagreement between the static shapes and the run (a bug in shapelint)\n");
  });

  it("a symbolic formula that disagrees with propagation at the concrete sizes", async () => {
    // Only the first (symbolic) propagation is changed: 2*floor(H/2) becomes floor(H/2).
    const value = "/up2/ConvTranspose_output_0";
    hooks.propagate = (r, call) => (call === 0 && r.values.has(value) ? withShape(r, value, (s) => s.map((d, i) => (i >= 2 ? r.values.get("/down1/down1.0/MaxPool_output_0")!.shape![i]! : d))) : r);
    const model = await loadModelFile(join(ROOT, "examples/unet-odd.onnx"));
    const r = verifyModel(model, {});
    expect(r.sizes.map((s) => `${s.symbol}=${s.size}`)).toEqual(["N=1", "H=64", "W=64"]);
    const kinds = r.discrepancies.filter((d) => d.value === value).map((d) => d.kind);
    expect(kinds).toEqual(["symbolic", "shape"]);
    expect(r.discrepancies.find((d) => d.kind === "symbolic")!.message).toBe(
      `the static shape of '${value}' ["N",4,"floor(H/2)","floor(W/2)"] is [1, 4, 32, 32] at N=1, H=64, W=64, but propagation at those sizes gives [1, 4, 64, 64]`,
    );
    expect(r.exitCode).toBe(2);
  });

  it("a run failure at a node the analysis did not flag", async () => {
    hooks.propagate = (r) => ({ ...r, contradictions: [] });
    const model = await loadModelFile(join(ROOT, "examples/unet-odd.onnx"));
    const r = verifyModel(model, { inputShapes: new Map([["", [1, 1, 33, 33]]]) });
    expect(r.run.failure?.node).toBe("/Concat_1");
    const failure = r.discrepancies.filter((d) => d.kind === "failure");
    expect(failure).toEqual([
      {
        kind: "failure",
        node: "/Concat_1",
        value: null,
        message: `the run failed at /Concat_1 (Concat), where the static shapes predict no failure: ${r.run.failure!.message}`,
      },
    ]);
    expect(r.exitCode).toBe(2);
  });
});

describe("a fix that does not restore the target", () => {
  it("is reported as failed, with what the fixed copy produced", async () => {
    hooks.lint = (findings) =>
      findings.map((f) => (f.ruleId === "decoder-output-mismatch" ? { ...f, fix: f.fix.map((s) => (s.framework === undefined || s.framework === "onnx" ? { ...s, to: [0, 1] } : s)) } : f));
    const model = await loadModelFile(join(ROOT, "examples/mnist-autoencoder.onnx"));
    const r = verifyModel(model, {});
    const f = r.findings.find((x) => x.ruleId === "decoder-output-mismatch")!;
    expect(f.status).toBe("confirmed");
    expect(f.fixVerified).toBe(false);
    expect(f.fixNote).toBe("with the fix, output 'y' is [1, 1, 28, 32]");
    expect(r.exitCode).toBe(1);
    const run = await cli(["verify", "examples/mnist-autoencoder.onnx"]);
    expect(run.stdout).toContain("         fix failed: with the fix, output 'y' is [1, 1, 28, 32]\n");
  });
});
