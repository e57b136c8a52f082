import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { Model, TensorConst } from "../../src/ir/graph.js";
import { loadModelFile } from "../../src/loaders/index.js";
import { readTensorData } from "../../src/loaders/onnx/tensor-data.js";
import { KernelError, RuntimeShapeError, runModel, tensorFromLoaded, type RunProgress, type Tensor } from "../../src/kernels/index.js";
import { encodeModel, type GraphSpec } from "../helpers/onnx-writer.js";

const TORCH = fileURLToPath(new URL("../fixtures/torch/", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "shapelint-exec-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
async function load(graph: GraphSpec, opset = 17): Promise<Model> {
  const path = join(tmp, `m${n++}.onnx`);
  writeFileSync(path, encodeModel({ irVersion: 8, opsets: [{ domain: "", version: opset }], graph }));
  return loadModelFile(path);
}

describe("runModel", () => {
  it("runs the MNIST autoencoder at its declared size and reports every value's shape", async () => {
    const model = await loadModelFile(join(TORCH, "mnist_ae.onnx"));
    const progress: RunProgress[] = [];
    const res = runModel(model, { seed: 5, onProgress: (p) => progress.push(p) });
    expect(res.outputs.get("y")?.dims).toEqual([1, 1, 32, 32]);
    expect(res.values.get("x")?.dims).toEqual([1, 1, 28, 28]);
    // 28 -> 14 -> 7 -> 4 | 8 -> 16 -> 32
    const convOut = model.graph.nodes.filter((nd) => nd.opType === "Conv" || nd.opType === "ConvTranspose").map((nd) => res.values.get(nd.outputs[0] as string)?.dims[2]);
    expect(convOut).toEqual([14, 7, 4, 8, 16, 32]);
    expect(progress.map((p) => p.done)).toEqual(model.graph.nodes.map((_, i) => i + 1));
    expect(progress.every((p) => p.total === model.graph.nodes.length)).toBe(true);
    expect(res.peakRssBytes).toBeGreaterThan(1 << 20);
    expect(res.order.length).toBe(model.graph.nodes.length);
  });

  it("applies an attribute override to a copy: output_padding [1,1] -> [0,0] restores 28x28", async () => {
    const model = await loadModelFile(join(TORCH, "mnist_ae.onnx"));
    const res = runModel(model, { overrides: [{ node: "/dec/dec.0/ConvTranspose", attribute: "output_padding", value: [0, 0] }] });
    expect(res.outputs.get("y")?.dims).toEqual([1, 1, 28, 28]);
    // The model itself is untouched.
    const node = model.graph.nodes.find((nd) => nd.name === "/dec/dec.0/ConvTranspose");
    expect(node?.attrs.get("output_padding")).toEqual({ type: "ints", value: [1, 1] });
    expect(runModel(model).outputs.get("y")?.dims).toEqual([1, 1, 32, 32]);
    expect(() => runModel(model, { overrides: [{ node: "nope", attribute: "x", value: 1 }] })).toThrow(/override names node "nope"/);
  });

  it("rejects an attribute its adapter does not model instead of ignoring it", async () => {
    const model = await loadModelFile(join(TORCH, "mnist_ae.onnx"));
    let err: unknown;
    try {
      runModel(model, { overrides: [{ node: "/enc/enc.0/Conv", attribute: "bogus", value: 1 }] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect(err).toMatchObject({ code: "UNSUPPORTED_FEATURE", node: "/enc/enc.0/Conv" });
    expect((err as Error).message).toContain("attribute bogus of Conv is not modelled by the kernel");
  });

  it("is deterministic for a seed and differs across seeds", async () => {
    const model = await loadModelFile(join(TORCH, "mnist_ae.onnx"));
    const a = runModel(model, { seed: 1 }).outputs.get("y") as Tensor;
    const b = runModel(model, { seed: 1 }).outputs.get("y") as Tensor;
    const c = runModel(model, { seed: 2 }).outputs.get("y") as Tensor;
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
  });

  it("needs concrete sizes for symbolic inputs and fails like the framework on a skip Concat", async () => {
    const model = await loadModelFile(join(TORCH, "unet_odd.onnx"));
    expect(() => runModel(model)).toThrow(/graph input "x" dim 2 is not a concrete size/);
    expect(runModel(model, { inputShapes: { x: [1, 1, 32, 32] } }).outputs.get("y")?.dims).toEqual([1, 1, 32, 32]);
    let err: unknown;
    try {
      runModel(model, { inputShapes: new Map([["x", [1, 1, 33, 33]]]) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RuntimeShapeError);
    const e = err as RuntimeShapeError;
    expect(e.node).toBe("/Concat_1");
    expect(e.op).toBe("Concat");
    expect(e.shapes).toEqual([
      [1, 4, 33, 33],
      [1, 4, 32, 32],
    ]);
    expect(e.message).toBe('Concat node "/Concat_1": Concat on axis 1: input 1 differs from input 0 in dim 2 (32 vs 33) (shapes [1,4,33,33] vs [1,4,32,32])');
  });

  it("names the node of an unknown op", async () => {
    const model = await load({
      nodes: [
        { opType: "Relu", name: "r", inputs: ["x"], outputs: ["a"] },
        { opType: "FrobnicateV2", name: "mystery", inputs: ["a"], outputs: ["y"] },
      ],
      inputs: [{ name: "x", dtype: "float32", shape: [2, 3] }],
      outputs: [{ name: "y", dtype: "float32", shape: null }],
    });
    expect(() => runModel(model)).toThrow(KernelError);
    expect(() => runModel(model)).toThrow('FrobnicateV2 node "mystery": no kernel for op FrobnicateV2');
  });

  it("runs nodes in topological order whatever the file order, and keeps asked-for intermediates", async () => {
    const model = await load({
      nodes: [
        { opType: "Mul", name: "last", inputs: ["b", "b"], outputs: ["y"] },
        { opType: "Add", name: "second", inputs: ["a", "a"], outputs: ["b"] },
        { opType: "Neg", name: "first", inputs: ["x"], outputs: ["a"] },
      ],
      inputs: [{ name: "x", dtype: "float32", shape: [3] }],
      outputs: [{ name: "y", dtype: "float32", shape: null }],
    });
    const x: Tensor = { dtype: "float32", dims: [3], data: Float32Array.from([1, -2, 3]) };
    const res = runModel(model, { inputs: new Map([["x", x]]), keep: ["b"] });
    expect(res.order).toEqual(["first", "second", "last"]);
    expect(Array.from(res.outputs.get("y")?.data ?? [])).toEqual([4, 16, 36]);
    expect(Array.from(res.outputs.get("b")?.data ?? [])).toEqual([-2, 4, -6]);
    expect(res.outputs.has("a")).toBe(false);
    expect(res.values.get("a")?.dims).toEqual([3]);
  });

  it("frees each tensor after its last consumer and reads each initializer once, lazily", async () => {
    // x -> Add(w) -> Relu x6 -> Mul(w) -> y; every tensor is 1x16x64x64 float32 = 256 KiB.
    const size = 16 * 64 * 64;
    const nodes: GraphSpec["nodes"][number][] = [{ opType: "Add", name: "add", inputs: ["x", "w"], outputs: ["t0"] }];
    for (let i = 0; i < 6; i++) nodes.push({ opType: "Relu", name: `relu${i}`, inputs: [`t${i}`], outputs: [`t${i + 1}`] });
    nodes.push({ opType: "Mul", name: "mul", inputs: ["t6", "w"], outputs: ["y"] });
    const model = await load({
      nodes,
      inputs: [{ name: "x", dtype: "float32", shape: [1, 16, 64, 64] }],
      outputs: [{ name: "y", dtype: "float32", shape: null }],
      initializers: [{ name: "w", dtype: "float32", dims: [1, 16, 64, 64], data: new Float32Array(size).fill(0.5) }],
    });
    const reads: string[] = [];
    const readTensor = (t: TensorConst): Tensor => {
      reads.push(t.name);
      return tensorFromLoaded(t.dtype, t.dims, readTensorData(model.file, t), t.name);
    };
    const live: number[] = [];
    const res = runModel(model, { readTensor, onProgress: (p) => live.push(p.liveBytes) });
    expect(reads).toEqual(["w"]);
    // After add: w, t0 (x freed). During the Relu chain: w and the newest tensor. After mul: y only.
    const t = size * 4;
    expect(live).toEqual([2 * t, 2 * t, 2 * t, 2 * t, 2 * t, 2 * t, 2 * t, t]);
    expect(res.outputs.get("y")?.dims).toEqual([1, 16, 64, 64]);
  });

  it("runs an integer shape subgraph (Shape, Gather, Unsqueeze, Concat, Reshape) end to end", async () => {
    const model = await load({
      nodes: [
        { opType: "Shape", name: "s", inputs: ["x"], outputs: ["shp"] },
        { opType: "Gather", name: "g0", inputs: ["shp", "i0"], outputs: ["n"], attrs: { axis: 0 } },
        { opType: "Unsqueeze", name: "u", inputs: ["n", "ax"], outputs: ["n1"] },
        { opType: "Concat", name: "c", inputs: ["n1", "minus1"], outputs: ["target"], attrs: { axis: 0 } },
        { opType: "Reshape", name: "r", inputs: ["x", "target"], outputs: ["y"] },
      ],
      inputs: [{ name: "x", dtype: "float32", shape: ["N", 3, 4, 5] }],
      outputs: [{ name: "y", dtype: "float32", shape: null }],
      initializers: [
        { name: "i0", dtype: "int64", dims: [], data: [0] },
        { name: "ax", dtype: "int64", dims: [1], data: [0] },
        { name: "minus1", dtype: "int64", dims: [1], data: [-1] },
      ],
    });
    const res = runModel(model, { inputShapes: { x: [2, 3, 4, 5] }, keep: ["target"] });
    expect(res.outputs.get("y")?.dims).toEqual([2, 60]);
    expect(res.outputs.get("target")?.dtype).toBe("int64");
    expect(Array.from(res.outputs.get("target")?.data ?? [])).toEqual([2, -1]);
    expect(() => runModel(model, { inputShapes: { x: [2, 3, 4, 5] }, overrides: [{ node: "c", attribute: "axis", value: 1 }] })).toThrow(KernelError);
  });
});
