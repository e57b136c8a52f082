import { describe, expect, it } from "vitest";
import { lint } from "../../src/lint/run-rules.js";
import { propagate } from "../../src/shapes/propagate.js";
import { buildModel } from "../../test/lint/build-model.js";
import { readme, stylishBlock } from "../../test/lint/readme.js";
import rule from "./rule.js";

function run(spec: Parameters<typeof buildModel>[0], inputShapes: ReadonlyMap<string, readonly (number | string | null)[]> = new Map()) {
  const model = buildModel(spec);
  return lint(model, propagate(model, { inputShapes }), { rules: [rule] });
}

/** x -> MaxPool(2) -> ConvTranspose(k2, s2) -> Relu, concatenated with x (a one-level U-Net skip). */
const unet = {
  inputs: [["x", [1, 4, "H", "W"]]],
  outputs: [["cat", null]],
  inits: { w: [4, 4, 2, 2] },
  nodes: [
    { op: "MaxPool", name: "pool", inputs: ["x"], outputs: ["p"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: "ConvTranspose", name: "up", inputs: ["p", "w"], outputs: ["u"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: "Relu", name: "relu", inputs: ["u"], outputs: ["r"] },
    { op: "Concat", name: "skip", inputs: ["x", "r"], outputs: ["cat"], attrs: { axis: 1 } },
  ],
} as const;

describe("merge-shape-mismatch", () => {
  it("reports a U-Net skip concat of 23 and 22, naming the upsampler and the skip", () => {
    const findings = run(unet, new Map([["x", [1, 4, 23, 23]]]));
    expect(findings).toHaveLength(1);
    expect(readme("merge-shape-mismatch")).toContain(stylishBlock(findings[0]!));
    expect(findings[0]).toMatchObject({
      ruleId: "merge-shape-mismatch",
      severity: "error",
      messageId: "concat",
      node: "skip",
      op: "Concat",
      message: "inputs must match except on the concatenation axis 1, but 'x' is [1, 4, 23, 23] and 'r' is [1, 4, 22, 22] (axis 2 and 3)",
      expected: [1, 4, 23, 23],
      actual: [1, 4, 22, 22],
      condition: null,
      fix: [{ node: "up", attribute: "output_padding", from: [0, 0], to: [1, 1], framework: "onnx" }],
    });
    expect(findings[0]!.related).toEqual([
      { node: "x", role: "input 0", message: "graph input [1, 4, 23, 23]" },
      { node: "up", role: "input 1", message: "ConvTranspose makes [1, 4, 22, 22] (through relu)", location: { file: "model.onnx", nodeIndex: 1, nodeName: "up" } },
    ]);
  });

  it("puts the upsampled side second even when it is the first input", () => {
    const swapped = { ...unet, nodes: [...unet.nodes.slice(0, 3), { op: "Concat", name: "skip", inputs: ["r", "x"], outputs: ["cat"], attrs: { axis: 1 } }] };
    const [f] = run(swapped, new Map([["x", [1, 4, 23, 22]]]));
    expect(f).toMatchObject({ message: "inputs must match except on the concatenation axis 1, but 'x' is [1, 4, 23, 22] and 'r' is [1, 4, 22, 22] (axis 2)" });
  });

  it("is silent for sizes where the skip matches (even sizes)", () => {
    expect(run(unet, new Map([["x", [1, 4, 24, 24]]]))).toEqual([]);
  });

  it("with symbolic sizes, states for which sizes the skip fails, from the smallest size that runs", () => {
    const findings = run(unet);
    expect(findings).toHaveLength(1);
    expect(readme("merge-shape-mismatch")).toContain(stylishBlock(findings[0]!));
    expect(findings[0]).toMatchObject({
      messageId: "concatWhen",
      node: "skip",
      condition: "H % 2 == 1 or W % 2 == 1",
      expected: [1, 4, "H", "W"],
      actual: [1, 4, "2*floor(H/2)", "2*floor(W/2)"],
      fix: [],
    });
  });

  it("reports an elementwise Add whose operands cannot broadcast", () => {
    const findings = run({
      inputs: [["a", [1, 8, 28, 28]], ["b", [1, 8, 32, 32]]],
      outputs: [["y", null]],
      nodes: [{ op: "Add", name: "residual", inputs: ["a", "b"], outputs: ["y"] }],
    });
    expect(findings.map((f) => [f.messageId, f.message, f.node])).toEqual([
      ["broadcast", "inputs cannot be broadcast together: 'a' is [1, 8, 28, 28] and 'b' is [1, 8, 32, 32] (axis 2 and 3)", "residual"],
    ]);
  });

  it("lets size-1 dims broadcast", () => {
    const findings = run({
      inputs: [["a", [1, 8, 28, 28]], ["b", [1, 8, 1, 1]]],
      outputs: [["y", null]],
      nodes: [{ op: "Mul", name: "scale", inputs: ["a", "b"], outputs: ["y"] }],
    });
    expect(findings).toEqual([]);
  });

  it("reports concatenated inputs of different ranks", () => {
    const findings = run({
      inputs: [["a", [1, 8, 28]], ["b", [1, 8, 28, 28]]],
      outputs: [["y", null]],
      nodes: [{ op: "Concat", name: "cat", inputs: ["a", "b"], outputs: ["y"], attrs: { axis: 1 } }],
    });
    expect(findings.map((f) => f.message)).toEqual(["inputs have different ranks: 'a' is [1, 8, 28] and 'b' is [1, 8, 28, 28]"]);
  });
});
