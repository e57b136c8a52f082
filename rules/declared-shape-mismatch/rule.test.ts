import { describe, expect, it } from "vitest";
import { lint } from "../../src/lint/run-rules.js";
import { propagate } from "../../src/shapes/propagate.js";
import { type ModelSpec, buildModel } from "../../test/lint/build-model.js";
import { readme, stylishBlock } from "../../test/lint/readme.js";
import rule from "./rule.js";

function run(spec: ModelSpec, inputShapes: ReadonlyMap<string, readonly (number | string | null)[]> = new Map()) {
  const model = buildModel(spec);
  return lint(model, propagate(model, { inputShapes }), { rules: [rule] });
}

/** peers.md 2.4: Conv(k4, s3) then ConvTranspose(k4, s3, output_padding 1) exported with dynamic H, W. */
function trap(declared: readonly (number | string | null)[] | null): ModelSpec {
  return {
    inputs: [["x", [1, 1, "H", "W"]]],
    outputs: [["y", declared]],
    inits: { w1: [4, 1, 4, 4], w2: [4, 1, 4, 4] },
    producer: "pytorch",
    nodes: [
      { op: "Conv", name: "/enc/Conv", inputs: ["x", "w1"], outputs: ["h"], attrs: { kernel_shape: [4, 4], strides: [3, 3] } },
      { op: "ConvTranspose", name: "/dec/ConvTranspose", inputs: ["h", "w2"], outputs: ["y"], attrs: { kernel_shape: [4, 4], strides: [3, 3], output_padding: [1, 1] } },
    ],
  };
}

describe("declared-shape-mismatch", () => {
  it("reports the PyTorch dynamic-axes trap: declared [1, 1, H, W], computed 3*ceil(H/3) - 1", () => {
    const findings = run(trap([1, 1, "H", "W"]));
    expect(findings).toHaveLength(1);
    expect(readme("declared-shape-mismatch")).toContain(stylishBlock(findings[0]!));
    expect(findings[0]).toMatchObject({
      ruleId: "declared-shape-mismatch",
      severity: "warning",
      node: "/dec/ConvTranspose",
      messageId: "sometimes",
      expected: [1, 1, "H", "W"],
      actual: [1, 1, "3*ceil(H/3) - 1", "3*ceil(W/3) - 1"],
    });
    expect(findings[0]!.message).toBe(
      "'y' is declared [1, 1, H, W] but the graph computes [1, 1, 3*ceil(H/3) - 1, 3*ceil(W/3) - 1], which differs when H % 3 != 2 or W % 3 != 2 (e.g. H=4: 4 vs 5; W=4: 4 vs 5)",
    );
    expect(findings[0]!.condition).toBe("H % 3 != 2 or W % 3 != 2");
  });

  it("compares after the input bindings: with H = W = 23 the declaration holds", () => {
    expect(run(trap([1, 1, "H", "W"]), new Map([["x", [1, 1, 23, 23]]]))).toEqual([]);
    const [f] = run(trap([1, 1, "H", "W"]), new Map([["x", [1, 1, 24, 24]]]));
    expect(f).toMatchObject({ messageId: "always", message: "'y' is declared [1, 1, 24, 24] but the graph computes [1, 1, 23, 23] (axis 2, 3)", condition: null });
  });

  it("reports a declared rank that differs", () => {
    const [f] = run(trap([1, "H", "W"]));
    expect(f!.message).toBe("'y' is declared with rank 3 [1, H, W] but the graph computes rank 4 [1, 1, 3*ceil(H/3) - 1, 3*ceil(W/3) - 1]");
  });

  it("skips declared symbols that are no input size, and undeclared shapes", () => {
    expect(run(trap([1, 1, "out_h", "out_w"]))).toEqual([]);
    expect(run(trap(null))).toEqual([]);
    expect(run(trap([1, 1, null, null]))).toEqual([]);
  });

  it("checks value_info too", () => {
    const spec = { ...trap(null), valueInfo: [["h", [1, 4, "H", "W"]]] as const };
    const [f] = run(spec);
    expect(f).toMatchObject({
      node: "/enc/Conv",
      messageId: "always",
      message: "'h' is declared [1, 4, H, W] but the graph computes [1, 4, ceil(H/3) - 1, ceil(W/3) - 1] (axis 2, 3)",
    });
  });
});
