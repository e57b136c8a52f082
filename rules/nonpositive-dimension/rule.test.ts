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

/** Two VALID 3x3 convs with stride 2 and a 2x2 max pool: H -> floor((H-3)/2)+1 -> ... */
const encoder: ModelSpec = {
  inputs: [["x", [1, 1, "H", "W"]]],
  outputs: [["y", null]],
  inits: { w1: [4, 1, 3, 3], w2: [4, 4, 3, 3] },
  nodes: [
    { op: "Conv", name: "conv1", inputs: ["x", "w1"], outputs: ["c1"], attrs: { kernel_shape: [3, 3], strides: [2, 2] } },
    { op: "MaxPool", name: "pool", inputs: ["c1"], outputs: ["p"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: "Conv", name: "conv2", inputs: ["p", "w2"], outputs: ["y"], attrs: { kernel_shape: [3, 3] } },
  ],
};

describe("nonpositive-dimension", () => {
  it("reports a conv whose output is 0, with what the layer and the model input need", () => {
    // 9 -> conv1 4 -> pool 2 -> conv2 0.
    const findings = run(encoder, new Map([["x", [1, 1, 9, 16]]]));
    expect(readme("nonpositive-dimension")).toContain(stylishBlock(findings[0]!));
    expect(findings.map((f) => [f.node, f.messageId, f.message, f.actual])).toEqual([
      [
        "conv2",
        "model",
        "output length of Conv on axis 2 is 0; it must be at least 1, which needs an input of at least 3 on this axis (it gets 2), so the model input needs H >= 13",
        [0],
      ],
    ]);
  });

  it("reports every axis that collapses", () => {
    const findings = run(encoder, new Map([["x", [1, 1, 9, 9]]]));
    expect(findings.map((f) => f.message)).toEqual([
      "output length of Conv on axis 2 is 0; it must be at least 1, which needs an input of at least 3 on this axis (it gets 2), so the model input needs H >= 13",
      "output length of Conv on axis 3 is 0; it must be at least 1, which needs an input of at least 3 on this axis (it gets 2), so the model input needs W >= 13",
    ]);
  });

  it("varies the spatial sizes even when the file fixes them", () => {
    const findings = run({
      inputs: [["x", [1, 2, 2]]],
      outputs: [["y", null]],
      inits: { w: [1, 1, 3] },
      nodes: [{ op: "Conv", name: "conv", inputs: ["x", "w"], outputs: ["y"], attrs: { kernel_shape: [3] } }],
    });
    expect(findings.map((f) => [f.messageId, f.message])).toEqual([
      ["model", "output length of Conv on axis 2 is 0; it must be at least 1, which needs an input of at least 3 on this axis (it gets 2), so the model input needs L >= 3"],
    ]);
  });

  it("gives the layer's need alone when the size does not depend on the first input", () => {
    const findings = run({
      inputs: [["a", [1, 1, 8]], ["b", [1, 1, 2]]],
      outputs: [["y", null]],
      inits: { w: [1, 1, 3] },
      nodes: [{ op: "Conv", name: "conv", inputs: ["b", "w"], outputs: ["y"], attrs: { kernel_shape: [3], pads: [0, 0] } }],
    });
    expect(findings.map((f) => [f.messageId, f.message])).toEqual([
      ["layer", "output length of Conv on axis 2 is 0; it must be at least 1, which needs an input of at least 3 on this axis (it gets 2)"],
    ]);
  });

  it("reports a Keras layer with what the model input needs", () => {
    const findings = run(
      {
        format: "keras",
        inputs: [["in", [null, null, null, 3]]],
        outputs: [["y", null]],
        nodes: [
          { op: "Conv2D", name: "c1", inputs: ["in"], outputs: ["a"], attrs: { filters: 4, kernel_size: [5, 5], strides: [1, 1], padding: "valid", data_format: "channels_last" } },
          { op: "MaxPooling2D", name: "p1", inputs: ["a"], outputs: ["y"], attrs: { pool_size: [2, 2], strides: [2, 2], padding: "valid", data_format: "channels_last" } },
        ],
      },
      new Map([["in", [1, 4, 32, 3]]]),
    );
    expect(findings.map((f) => [f.node, f.messageId, f.message])).toEqual([["c1", "modelOnly", "output height of Conv2D is 0; it must be at least 1, so the model input needs H >= 5"]]);
  });

  it("is silent for symbolic sizes that work from some size on, and for sizes that work", () => {
    expect(run(encoder)).toEqual([]);
    expect(run(encoder, new Map([["x", [1, 1, 13, 13]]]))).toEqual([]);
  });
});
