import { describe, expect, it } from "vitest";
import { ONNX_NN_OPS } from "../../../src/shapes/ops/index-nn.js";
import { ONNX_TENSOR_OPS } from "../../../src/shapes/ops/index-tensor.js";
import { ALL_OPS, findOp } from "../../../src/shapes/registry.js";

describe("nn op registration", () => {
  it("registers no (domain, op, since) twice", () => {
    const seen = new Map<string, number>();
    for (const d of ALL_OPS) {
      const k = `${d.domain}::${d.type}@${d.since}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    expect([...seen].filter(([, n]) => n > 1).map(([k]) => k)).toEqual([]);
  });

  it("shares no op type with the tensor ops", () => {
    const tensorTypes = new Set(ONNX_TENSOR_OPS.map((d) => `${d.domain}::${d.type}`));
    expect(ONNX_NN_OPS.filter((d) => tensorTypes.has(`${d.domain}::${d.type}`)).map((d) => d.type)).toEqual([]);
  });

  it("picks the version in force at an opset", () => {
    expect(findOp("", "MaxPool", 7)?.since).toBe(1);
    expect(findOp("", "MaxPool", 9)?.since).toBe(8);
    expect(findOp("", "MaxPool", 22)?.since).toBe(10);
    expect(findOp("", "AveragePool", 18)?.since).toBe(10);
    expect(findOp("", "AveragePool", 19)?.since).toBe(19);
    expect(findOp("", "Resize", 12)?.since).toBe(11);
    expect(findOp("", "Resize", 19)?.since).toBe(18);
    expect(findOp("", "Pad", 10)?.since).toBe(2);
    expect(findOp("", "BatchNormalization", 15)?.since).toBe(14);
  });

  it("covers the nn ops of the brief", () => {
    const types = new Set(ONNX_NN_OPS.map((d) => d.type));
    for (const t of [
      "Conv", "ConvInteger", "QLinearConv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool",
      "GlobalLpPool", "MaxRoiPool", "RoiAlign", "MaxUnpool", "Resize", "Upsample", "Pad", "DepthToSpace", "SpaceToDepth",
      "BatchNormalization", "InstanceNormalization", "LayerNormalization", "GroupNormalization", "LRN", "MeanVarianceNormalization",
      "LpNormalization", "Dropout", "Relu", "LeakyRelu", "PRelu", "Selu", "Elu", "HardSigmoid", "Softplus", "Softsign",
      "ThresholdedRelu", "Gelu", "Mish", "HardSwish", "Celu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Hardmax",
    ]) {
      expect(types.has(t), t).toBe(true);
    }
  });
});
