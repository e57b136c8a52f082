import { describe, expect, it } from "vitest";
import { lint } from "../../src/lint/run-rules.js";
import { propagate } from "../../src/shapes/propagate.js";
import { type ModelSpec, buildModel } from "../../test/lint/build-model.js";
import { readme, stylishBlock } from "../../test/lint/readme.js";
import rule from "./rule.js";

function run(spec: ModelSpec) {
  const model = buildModel(spec);
  return lint(model, propagate(model), { rules: [rule] });
}

describe("unsupported-op", () => {
  it("reports one info finding per op type without a shape function, listing its nodes", () => {
    const findings = run({
      inputs: [["x", [1, 4, 8, 8]]],
      outputs: [["y", null]],
      nodes: [
        { op: "MyCustomOp", name: "a", inputs: ["x"], outputs: ["a1"] },
        { op: "Relu", name: "r", inputs: ["a1"], outputs: ["r1"] },
        { op: "MyCustomOp", name: "b", inputs: ["r1"], outputs: ["b1"] },
        { op: "FusedThing", name: "c", inputs: ["b1"], outputs: ["y"], domain: "com.example" },
      ],
    });
    expect(readme("unsupported-op")).toContain(stylishBlock(findings[0]!));
    expect(findings.map((f) => [f.ruleId, f.severity, f.node, f.op, f.messageId, f.message])).toEqual([
      ["unsupported-op", "info", "a", "MyCustomOp", "unsupported", "MyCustomOp has no shape function, so the outputs of a and b are unknown"],
      ["unsupported-op", "info", "c", "FusedThing", "unsupportedDomain", "FusedThing (domain com.example) has no shape function, so the outputs of c are unknown"],
    ]);
  });

  it("reports attributes a shape function does not model", () => {
    const findings = run({
      inputs: [["x", [1, 4, 8, 8]]],
      outputs: [["y", null]],
      nodes: [
        { op: "Relu", name: "r1", inputs: ["x"], outputs: ["a"], attrs: { fancy: 1 } },
        { op: "Relu", name: "r2", inputs: ["a"], outputs: ["y"], attrs: { fancy: 2 } },
      ],
    });
    expect(findings.map((f) => [f.node, f.message])).toEqual([["r1", "attribute 'fancy' of Relu is not modelled, so its effect on shapes is ignored: r1 and r2"]]);
  });

  it("is silent for a fully modelled graph", () => {
    expect(run({ inputs: [["x", [1, 4]]], outputs: [["y", null]], nodes: [{ op: "Relu", name: "r", inputs: ["x"], outputs: ["y"] }] })).toEqual([]);
  });
});
