import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { RULES, formatResults, lint, loadModelFile, summarize } from "../../src/index.js";

const ROOT = resolve(import.meta.dirname, "../..");

describe("lint() (public API)", () => {
  it("lints a path with input shapes and severities", async () => {
    const r = await lint(resolve(ROOT, "examples/unet-odd.onnx"), {
      inputShapes: { x: [1, 1, 33, 33] },
      severities: { "transpose-output-ambiguous": "off", "input-size-constraint": "off" },
    });
    expect(r.error).toBeNull();
    expect(r.format).toBe("onnx");
    expect(r.findings.map((f) => [f.ruleId, f.node])).toEqual([["merge-shape-mismatch", "/Concat_1"]]);
  });

  it("lints a loaded model with chosen rules", async () => {
    const model = await loadModelFile(resolve(ROOT, "examples/unet-odd.onnx"));
    const merge = RULES.filter((r) => r.meta.id === "merge-shape-mismatch");
    const r = await lint(model, { rules: merge, inputShapes: new Map([["", [1, 1, 62, 62]]]) });
    expect(r.findings.map((f) => [f.node, f.message])).toEqual([
      ["/Concat", "inputs must match except on the concatenation axis 1, but '/down1/down1.1/down1.1.1/Relu_output_0' is [1, 8, 31, 31] and '/up1/ConvTranspose_output_0' is [1, 8, 30, 30] (axis 2 and 3)"],
    ]);
  });

  it("returns the error of a file it cannot analyse instead of throwing", async () => {
    const r = await lint(resolve(ROOT, "nothere.onnx"));
    expect(r).toMatchObject({ format: null, findings: [], error: { code: "IO_ERROR" } });
  });

  it("results render with the reporters", async () => {
    const r = await lint(resolve(ROOT, "examples/mnist-autoencoder-fixed.onnx"), { severities: { "transpose-output-ambiguous": "off" } });
    const text = formatResults("stylish", { files: [r], summary: summarize([r]) }, { rules: RULES, cwd: ROOT });
    expect(text).toBe("no problems (1 file checked)\n");
  });
});
