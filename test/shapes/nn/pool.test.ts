import { describe, expect, it } from "vitest";
import { evalDim, formatDim, sym } from "../../../src/ir/dim.js";
import { type AttrValue, type DimSpec, info, infer, node, runOp } from "../../helpers/ir-builder.js";

function pool(op: string, x: readonly DimSpec[], attrs: Record<string, AttrValue>, opset = 17, outputs = ["y"]) {
  return infer({ opset, inputs: { x }, nodes: [node(op, ["x"], outputs, attrs)] });
}

/** PyTorch's pooling_output_shape_pad_lr (aten/src/ATen/native/Pool.h), the reference for ceil_mode. */
function torchPool(i: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const ek = d * (k - 1) + 1;
  let o = Math.floor((i + 2 * p - ek + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= i + p) o--;
  return o;
}

describe("pool shapes", () => {
  it("floors with a symbolic size and records a size constraint", () => {
    const r = pool("MaxPool", [1, 3, "H", "W"], { kernel_shape: [2, 2], strides: [2, 2] });
    expect(r.shape("y")).toBe("[1, 3, floor(H/2), floor(W/2)]");
    expect(r.constraints.map((c) => `${c.what}: ${String(c.dim)} >= ${c.min}`)).toEqual([
      "output length of MaxPool on axis 2: floor(H/2) >= 1",
      "output length of MaxPool on axis 3: floor(W/2) >= 1",
    ]);
  });

  it("ceil_mode matches PyTorch for every size, symbolic, with the last-window rule", () => {
    for (const [k, s, p] of [
      [2, 2, 0],
      [3, 2, 1],
      [3, 3, 1],
      [3, 4, 1],
      [2, 2, 1],
      [5, 3, 2],
    ] as const) {
      const r = pool("MaxPool", [1, 1, "L"], { kernel_shape: [k], strides: [s], pads: [p, p], ceil_mode: 1 });
      const o = r.info("y")!.shape![2]!;
      for (let i = Math.max(1, k - 2 * p); i <= 40; i++) expect(evalDim(o, { L: i }), `k=${k} s=${s} p=${p} i=${i}`).toBe(torchPool(i, k, s, p, 1, true));
    }
  });

  it("D11: records the sizes onnx < 1.16 and older onnxruntime compute without the last-window rule", () => {
    const r = pool("MaxPool", [1, 1, 5, 5], { kernel_shape: [3, 3], strides: [3, 3], pads: [1, 1, 1, 1], ceil_mode: 1 });
    expect(r.shape("y")).toBe("[1, 1, 2, 2]");
    expect(r.factsOf("runtime-divergence", "D11")[0]).toEqual({
      id: "D11",
      axis: 2,
      input: 5,
      kernel: 3,
      stride: 3,
      dilation: 1,
      pads: [1, 1],
      spec: 2,
      pytorch: 2,
      onnxruntime: 2,
      onnxInferenceBefore1_16: 3,
      onnxruntimeOlder: 3,
    });
    // Symbolic: the fact carries both expressions; they agree on some sizes only.
    const s = pool("AveragePool", [1, 1, "L"], { kernel_shape: [3], strides: [3], pads: [1, 1], ceil_mode: 1 });
    const f = s.factsOf("runtime-divergence", "D11");
    expect(f.length).toBe(1);
    expect(formatDim(f[0]!["onnxInferenceBefore1_16"] as never)).toBe("floor((L + 1)/3) + 1");
    // ceil(L/2) for k=2, s=2: no window can start in the padding, nothing to report.
    expect(pool("MaxPool", [1, 1, "L"], { kernel_shape: [2], strides: [2], ceil_mode: 1 }).factsOf("runtime-divergence")).toEqual([]);
  });

  it("SAME gives ceil(i/s) in both modes; VALID with ceil_mode follows the inference code", () => {
    expect(pool("MaxPool", [1, 1, "L"], { kernel_shape: [3], strides: [2], auto_pad: "SAME_UPPER", ceil_mode: 1 }).shape("y")).toBe("[1, 1, ceil(L/2)]");
    expect(pool("AveragePool", [1, 1, 5], { kernel_shape: [1], strides: [3], auto_pad: "SAME_LOWER", ceil_mode: 1 }).shape("y")).toBe("[1, 1, 2]");
    // VALID, i=5, k=2, s=2: windows at 0, 2, 4 (the last one reads past the end, as PyTorch allows).
    expect(pool("MaxPool", [1, 1, 5], { kernel_shape: [2], strides: [2], auto_pad: "VALID", ceil_mode: 1 }).shape("y")).toBe("[1, 1, 3]");
    expect(pool("MaxPool", [1, 1, 5], { kernel_shape: [2], strides: [2], auto_pad: "VALID" }).shape("y")).toBe("[1, 1, 2]");
  });

  it("records onnxruntime's smaller SAME output for dilated pools (onnxruntime-node 1.30: i - 1 for k2 d2 s1)", () => {
    const r = pool("MaxPool", [1, 1, 9, "L"], { kernel_shape: [3, 2], dilations: [3, 2], strides: [2, 1], auto_pad: "SAME_UPPER" });
    expect(r.shape("y")).toBe("[1, 1, 5, L]");
    const f = r.factsOf("runtime-divergence", "ort-same-pool-dilation");
    // k3 d3 s2 on 9: ceil(9/2) - ceil((7 - 3)/2) = 3; k2 d2 s1 on L: L - 1.
    expect(f.map((x) => [x["axis"], formatDim(x["spec"] as never), formatDim(x["onnxruntime"] as never)])).toEqual([
      [2, "5", "3"],
      [3, "L", "L - 1"],
    ]);
    expect(pool("MaxPool", [1, 1, 9], { kernel_shape: [3], strides: [2], auto_pad: "SAME_UPPER" }).factsOf("runtime-divergence")).toEqual([]);
  });

  it("applies ceil_mode and dilations only from the opset that defines them", () => {
    const old = pool("MaxPool", [1, 1, 5], { kernel_shape: [2], strides: [2], ceil_mode: 1 }, 9);
    expect(old.shape("y")).toBe("[1, 1, 2]");
    expect(old.factsOf("unmodelled-attribute")).toEqual([{ attribute: "ceil_mode" }]);
    expect(pool("MaxPool", [1, 1, 5], { kernel_shape: [2], strides: [2], ceil_mode: 1 }, 10).shape("y")).toBe("[1, 1, 3]");
    expect(pool("AveragePool", [1, 1, 9], { kernel_shape: [2], dilations: [3] }, 18).factsOf("unmodelled-attribute")).toEqual([{ attribute: "dilations" }]);
    expect(pool("AveragePool", [1, 1, 9], { kernel_shape: [2], dilations: [3] }, 19).shape("y")).toBe("[1, 1, 6]");
    expect(pool("LpPool", [1, 1, 9], { kernel_shape: [2], dilations: [3], strides: [2], ceil_mode: 1 }, 18).shape("y")).toBe("[1, 1, 4]");
  });

  it("gives MaxPool-8+ an int64 Indices output of the same shape", () => {
    const r = pool("MaxPool", [1, 2, 6, 6], { kernel_shape: [2, 2], strides: [2, 2] }, 12, ["y", "i"]);
    expect(r.info("i")).toEqual({ dtype: "int64", shape: [1, 2, 3, 3] });
    expect(r.info("y")?.dtype).toBe("float32");
  });

  it("requires kernel_shape, reports pads not smaller than the kernel (onnxruntime refuses them)", () => {
    const m = pool("MaxPool", [1, 1, 5, 5], {});
    expect(m.codes()).toEqual(["MISSING_ATTRIBUTE"]);
    expect(m.shape("y")).toBe("[1, 1, ?, ?]");
    const p = pool("AveragePool", [1, 1, 5], { kernel_shape: [2], pads: [2, 0] });
    expect(p.shape("y")).toBe("[1, 1, 6]");
    expect(p.factsOf("runtime-divergence", "pool-pad-ge-kernel")).toEqual([
      { id: "pool-pad-ge-kernel", axis: 2, pads: [2, 0], kernel: 2, onnxInference: "accepted", onnxruntime: "rejected: Pad should be smaller than kernel." },
    ]);
  });

  it("records a pool fact per axis", () => {
    const r = pool("MaxPool", [1, 1, 23], { kernel_shape: [2], strides: [2] });
    expect(r.factsOf("pool")).toEqual([{ op: "MaxPool", axis: 2, input: 23, kernel: 2, stride: 2, dilation: 1, pads: [0, 0], autoPad: "NOTSET", ceilMode: false, output: 11 }]);
  });

  it("reduces every spatial axis to 1 in the global pools", () => {
    expect(pool("GlobalAveragePool", [1, 3, "H", "W"], {}).shape("y")).toBe("[1, 3, 1, 1]");
    expect(pool("GlobalMaxPool", ["N", 5, 7], {}).shape("y")).toBe("[N, 5, 1]");
    expect(pool("GlobalLpPool", [2, 4, 3, 3, 3], { p: 3 }).shape("y")).toBe("[2, 4, 1, 1, 1]");
    expect(runOp({ op: "GlobalAveragePool", inputs: [null] }).shape()).toBe("unknown");
  });

  it("shapes RoiAlign and MaxRoiPool from the roi count", () => {
    const r = runOp({ op: "RoiAlign", opset: 16, inputs: [[1, 256, 50, 50], ["R", 4], ["R"]], attrs: { output_height: 7, output_width: 7 } });
    expect(r.shape()).toBe("[R, 256, 7, 7]");
    expect(runOp({ op: "RoiAlign", opset: 16, inputs: [[1, 8, 5, 5], [3, 4], [2]] }).codes()).toEqual(["BAD_INPUT"]);
    expect(runOp({ op: "MaxRoiPool", opset: 1, inputs: [[1, 8, 5, 5], [3, 5]], attrs: { pooled_shape: [2, 3] } }).shape()).toBe("[3, 8, 2, 3]");
  });

  it("MaxUnpool: (i - 1)s + k - pads, or the output_shape input's value (symbolic too)", () => {
    expect(runOp({ op: "MaxUnpool", opset: 11, inputs: [[1, 3, "H", 5], [1, 3, "H", 5]], attrs: { kernel_shape: [2, 2], strides: [2, 2] } }).shape()).toBe("[1, 3, 2*H, 10]");
    const v = runOp({
      op: "MaxUnpool",
      opset: 11,
      inputs: [[1, 1, 2, 2], [1, 1, 2, 2], info("int64", [4], [1, 1, sym("S"), 5])],
      attrs: { kernel_shape: [2, 2], strides: [2, 2] },
    });
    expect(v.shape()).toBe("[1, 1, S, 5]");
    expect(runOp({ op: "MaxUnpool", opset: 11, inputs: [[1, 1, 2, 2], [1, 1, 2, 2], [4]], attrs: { kernel_shape: [2, 2] } }).shape()).toBe("[1, 1, ?, ?]");
  });
});

describe("Pad + ceil_mode pool (onnxruntime PadFusion)", () => {
  it("computes the file's meaning and records what optimized onnxruntime computes", () => {
    // The PyTorch 1.13 export of AvgPool2d(k, k, padding=1, ceil_mode=True, count_include_pad=True).
    const padValues = { type: "tensor" as const, value: { name: "p", dtype: "int64" as const, dims: [8], data: { kind: "none" as const }, values: [0, 0, 1, 1, 0, 0, 1, 1] } };
    const r = infer({
      opset: 13,
      inputs: { x: [1, 1, 5, "W"] },
      nodes: [
        node("Constant", [], ["pads"], { value: padValues }),
        node("Pad", ["x", "pads"], ["xp"], { mode: "constant" }, "/avg/Pad"),
        node("AveragePool", ["xp"], ["y3"], { kernel_shape: [3, 3], strides: [3, 3], pads: [0, 0, 0, 0], ceil_mode: 1 }),
      ],
    });
    // 5 -> Pad(1, 1) -> 7 -> AveragePool(k3, s3, ceil_mode): windows at 0, 3, 6 all start in the input.
    // onnxruntime-node 1.30 gives 3 with optimizations off and 2 with them (PadFusion), as PyTorch.
    expect(r.shape("y3")).toBe("[1, 1, 3, floor((W + 1)/3) + 1]");
    const f = r.factsOf("runtime-divergence", "ort-pad-fusion");
    expect(f[0]).toEqual({ id: "ort-pad-fusion", axis: 2, padNode: "/avg/Pad", pads: [1, 1], spec: 3, onnxruntimeOptimized: 2, onnxruntimeUnoptimized: 3 });
    // Symbolic width: the folded size is PyTorch's rule on the unpadded input.
    const folded = f[1]!["onnxruntimeOptimized"] as Parameters<typeof evalDim>[0];
    for (let w = 1; w <= 30; w++) expect(evalDim(folded, { W: w }), `W=${w}`).toBe(torchPool(w, 3, 3, 1, 1, true));
  });

  it("does not fuse a Pad with other consumers, non-zero fill, or padding on N/C", () => {
    const base = {
      inputs: { x: [1, 1, 5, 5] as DimSpec[] },
      nodes: [node("Pad", ["x", "p"], ["xp"]), node("AveragePool", ["xp"], ["y"], { kernel_shape: [3, 3], strides: [3, 3], pads: [0, 0, 0, 0], ceil_mode: 1 })],
    };
    const fused = infer({ ...base, initializers: { p: { dims: [8], dtype: "int64", values: [0, 0, 1, 1, 0, 0, 1, 1] } } });
    expect(fused.factsOf("runtime-divergence", "ort-pad-fusion").length).toBe(2);
    const nc = infer({ ...base, initializers: { p: { dims: [8], dtype: "int64", values: [1, 0, 1, 1, 0, 0, 1, 1] } } });
    expect(nc.factsOf("runtime-divergence", "ort-pad-fusion")).toEqual([]);
    const shared = infer({
      ...base,
      initializers: { p: { dims: [8], dtype: "int64", values: [0, 0, 1, 1, 0, 0, 1, 1] } },
      nodes: [...base.nodes, node("Relu", ["xp"], ["z"])],
    });
    expect(shared.factsOf("runtime-divergence", "ort-pad-fusion")).toEqual([]);
  });
});
