import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatDim } from "../../src/ir/dim.js";
import type { Attr, Graph, Model, Shape, TensorConst } from "../../src/ir/graph.js";
import { detectFormat, loadModelFile } from "../../src/loaders/index.js";
import { decodeOnnxModel, loadOnnxFile, loadOnnxFileWithStats } from "../../src/loaders/onnx/onnx-loader.js";
import { decodeTensorFile, readTensorData } from "../../src/loaders/onnx/tensor-data.js";
import { ProtoWriter, type TensorSpec, encodeModel, encodeTensor, rawBytes } from "../helpers/onnx-writer.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/onnx");
const TESTDATA = process.env.ONNX_TESTDATA ? join(process.env.ONNX_TESTDATA, "..") : "/usr/share/libonnx-testdata/data";

const tmp = mkdtempSync(join(tmpdir(), "shapelint-onnx-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const shapeText = (s: Shape | null): string | null => (s === null ? null : `[${s.map((d) => formatDim(d)).join(",")}]`);

function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function attr(g: Graph, node: string, name: string): Attr {
  const n = g.nodes.find((x) => x.name === node);
  if (!n) throw new Error(`no node ${node}`);
  const a = n.attrs.get(name);
  if (!a) throw new Error(`no attr ${name}`);
  return a;
}

function tensorAttr(g: Graph, node: string, name: string): TensorConst {
  const a = attr(g, node, name);
  if (a.type !== "tensor") throw new Error("not a tensor");
  return a.value;
}

function init(m: Model, name: string): TensorConst {
  const t = m.graph.initializers.get(name);
  if (!t) throw new Error(`no initializer ${name}`);
  return t;
}

describe("ONNX loader: models written by the test writer", () => {
  const ifThen = {
    name: "then_g",
    nodes: [{ opType: "Identity", inputs: ["k"], outputs: ["z1"] }],
    outputs: [{ name: "z1", dtype: "float16" as const, shape: [2] }],
  };
  const ifElse = {
    name: "else_g",
    nodes: [{ opType: "Neg", name: "neg", inputs: ["k"], outputs: ["z2"] }],
    outputs: [{ name: "z2", dtype: "float16" as const, shape: [2] }],
  };
  const W = new Float32Array(8 * 3 * 3 * 3).map((_, i) => i / 8);
  const bytes = encodeModel({
    irVersion: 8,
    opsets: [
      { domain: "ai.onnx", version: 17 },
      { domain: "com.microsoft", version: 1 },
    ],
    producerName: "pytorch",
    producerVersion: "2.1.0",
    graph: {
      name: "main",
      nodes: [
        { opType: "Conv", name: "conv0", inputs: ["x", "w", "b"], outputs: ["c"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], auto_pad: "NOTSET" } },
        { opType: "LeakyRelu", inputs: ["c"], outputs: ["r"], attrs: { alpha: { type: "float", value: 2 } } },
        { opType: "Reshape", inputs: ["r", "shape"], outputs: ["y"] },
        { opType: "Constant", inputs: [], outputs: ["k"], attrs: { value: { dtype: "float16", dims: [2], data: [1.5, -2] } } },
        { opType: "If", inputs: ["cond"], outputs: ["z"], attrs: { then_branch: ifThen, else_branch: ifElse } },
        { opType: "Custom", domain: "com.microsoft", inputs: ["y", ""], outputs: ["q"], attrs: { scales: [0.5, 2.25], names: ["a", "b"], empty: [] } },
      ],
      inputs: [
        { name: "x", dtype: "float32", shape: ["N", 3, 32, null] },
        { name: "w", dtype: "float32", shape: [8, 3, 3, 3] },
        { name: "cond", dtype: "bool", shape: [] },
        { name: "opaque", dtype: "float32", shape: null },
      ],
      outputs: [
        { name: "y", dtype: "float32", shape: ["N", 8192] },
        { name: "z", dtype: "float16", shape: [2] },
        { name: "q", dtype: 0, shape: null },
      ],
      valueInfo: [{ name: "c", dtype: "float32", shape: ["N", 8, 32, ""] }],
      initializers: [
        { name: "w", dtype: "float32", dims: [8, 3, 3, 3], data: W },
        { name: "b", dtype: "float32", dims: [8], data: [1, 2, 3, 4, 5, 6, 7, 8], encoding: "typed" },
        { name: "shape", dtype: "int64", dims: [2], data: [0, -1], encoding: "typed" },
      ],
    },
  });
  const m = decodeOnnxModel(bytes, "writer.onnx");
  const g = m.graph;

  it("reads the model header: IR version, opsets per domain, producer", () => {
    expect(m.format).toBe("onnx");
    expect(m.flavour).toBe("onnx");
    expect(m.file).toBe("writer.onnx");
    expect(m.irVersion).toBe(8);
    // "ai.onnx" is folded to "", the IR's name for the default domain.
    expect([...m.opsets]).toEqual([
      ["", 17],
      ["com.microsoft", 1],
    ]);
    expect(m.producer).toEqual({ name: "pytorch", version: "2.1.0" });
    expect(g.name).toBe("main");
  });

  it("keeps graph inputs that are initializers out of graph.inputs", () => {
    expect(g.inputs.map((i) => i.name)).toEqual(["x", "cond", "opaque"]);
    expect([...g.initializers.keys()]).toEqual(["w", "b", "shape"]);
  });

  it("maps dim_param to symbols, dim_value to numbers, neither to null; no shape to null", () => {
    const [x, cond, opaque] = g.inputs;
    expect(x!.dtype).toBe("float32");
    expect(shapeText(x!.shape)).toBe("[N,3,32,?]");
    expect(x!.shape![3]).toBeNull();
    expect(formatDim(x!.shape![0])).toBe("N");
    expect(typeof x!.shape![0]).toBe("object");
    expect(cond!.dtype).toBe("bool");
    expect(cond!.shape).toEqual([]); // a scalar: rank 0, known
    expect(opaque!.shape).toBeNull(); // no shape field: rank unknown
    expect(g.outputs.map((o) => [o.name, o.dtype, shapeText(o.shape)])).toEqual([
      ["y", "float32", "[N,8192]"],
      ["z", "float16", "[2]"],
      ["q", "undefined", null],
    ]);
    // An empty dim_param is "neither".
    expect(shapeText(g.valueInfo.get("c")!.shape)).toBe("[N,8,32,?]");
  });

  it("names unnamed nodes <opType>_<index> and records node locations", () => {
    expect(g.nodes.map((n) => n.name)).toEqual(["conv0", "LeakyRelu_1", "Reshape_2", "Constant_3", "If_4", "Custom_5"]);
    expect(g.nodes.map((n) => n.domain)).toEqual(["", "", "", "", "", "com.microsoft"]);
    expect(g.nodes[5]!.inputs).toEqual(["y", ""]);
    const conv = g.nodes[0]!;
    expect(conv.loc.file).toBe("writer.onnx");
    expect(conv.loc.nodeIndex).toBe(0);
    expect(conv.loc.nodeName).toBe("conv0");
    expect(conv.loc.scope).toBeUndefined();
    // ModelProto: 08 08 (ir_version) 12 07 "pytorch" 1a 05 "2.1.0" 3a <len:2 bytes> 0a <len:1 byte> <node>
    expect(conv.loc.byteOffset).toBe(2 + 9 + 7 + 3 + 2);
    expect(bytes[conv.loc.byteOffset!]).toBe(0x0a); // NodeProto.input tag
    for (const n of g.nodes) {
      // Each offset is the first byte of a NodeProto payload: its first field is input (1) or output (2).
      expect([0x0a, 0x12]).toContain(bytes[n.loc.byteOffset!]);
    }
  });

  it("types attributes from the wire: ints, float (even when integral), string, floats, strings, empty", () => {
    expect(attr(g, "conv0", "kernel_shape")).toEqual({ type: "ints", value: [3, 3] });
    expect(attr(g, "conv0", "pads")).toEqual({ type: "ints", value: [1, 1, 1, 1] });
    expect(attr(g, "conv0", "auto_pad")).toEqual({ type: "string", value: "NOTSET" });
    expect(attr(g, "LeakyRelu_1", "alpha")).toEqual({ type: "float", value: 2 });
    expect(attr(g, "Custom_5", "scales")).toEqual({ type: "floats", value: [0.5, 2.25] });
    expect(attr(g, "Custom_5", "names")).toEqual({ type: "strings", value: ["a", "b"] });
    expect(attr(g, "Custom_5", "empty")).toEqual({ type: "ints", value: [] });
  });

  it("decodes a small Constant value (float16) and records where its bytes are", () => {
    const k = tensorAttr(g, "Constant_3", "value");
    expect(k.dtype).toBe("float16");
    expect(k.dims).toEqual([2]);
    expect(k.values).toEqual([1.5, -2]);
    const raw = rawBytes("float16", [1.5, -2]);
    expect(k.data).toEqual({ kind: "inline", encoding: "raw", offset: indexOfBytes(bytes, raw), length: 4 });
  });

  it("keeps If branches as graph attributes with their own nodes, outputs and scope", () => {
    const thenA = attr(g, "If_4", "then_branch");
    const elseA = attr(g, "If_4", "else_branch");
    if (thenA.type !== "graph" || elseA.type !== "graph") throw new Error("not graphs");
    expect(thenA.value.name).toBe("then_g");
    expect(thenA.value.nodes.map((n) => [n.name, n.opType, n.inputs, n.outputs])).toEqual([["Identity_0", "Identity", ["k"], ["z1"]]]);
    expect(thenA.value.nodes[0]!.loc.scope).toEqual(["If_4/then_branch"]);
    expect(thenA.value.nodes[0]!.loc.nodeIndex).toBe(0);
    expect(elseA.value.nodes[0]!.name).toBe("neg");
    expect(elseA.value.nodes[0]!.loc.scope).toEqual(["If_4/else_branch"]);
    expect(elseA.value.outputs.map((o) => [o.name, o.dtype, shapeText(o.shape)])).toEqual([["z2", "float16", "[2]"]]);
    // Nested node offsets lie inside the If node's bytes.
    expect(elseA.value.nodes[0]!.loc.byteOffset!).toBeGreaterThan(g.nodes[4]!.loc.byteOffset!);
    expect(elseA.value.nodes[0]!.loc.byteOffset!).toBeLessThan(g.nodes[5]!.loc.byteOffset!);
  });

  it("records initializer payloads as byte ranges and decodes small ones", () => {
    const w = init(m, "w");
    expect(w.dtype).toBe("float32");
    expect(w.dims).toEqual([8, 3, 3, 3]);
    const raw = rawBytes("float32", W);
    expect(w.data).toEqual({ kind: "inline", encoding: "raw", offset: indexOfBytes(bytes, raw), length: 864 });
    expect(w.values!.slice(0, 3)).toEqual([0, 0.125, 0.25]);
    expect(init(m, "b").data).toMatchObject({ kind: "inline", encoding: "float_data", length: 32 });
    expect(init(m, "b").values).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const shape = init(m, "shape");
    expect(shape.dtype).toBe("int64");
    expect(shape.values).toEqual([0, -1]);
    // int64_data is packed varints: 0 is one byte, -1 is ten.
    expect(shape.data).toMatchObject({ kind: "inline", encoding: "int64_data", length: 11 });
    expect(shape.inexact).toBeUndefined();
  });

  it("gives colliding generated names a suffix, deterministically", () => {
    const mm = decodeOnnxModel(
      encodeModel({
        irVersion: 8,
        opsets: [{ domain: "", version: 13 }],
        graph: {
          nodes: [
            { opType: "Relu", name: "Relu_1", inputs: ["a"], outputs: ["b"] },
            { opType: "Relu", inputs: ["b"], outputs: ["c"] },
            { opType: "Relu", name: "Relu_1_1", inputs: ["c"], outputs: ["d"] },
          ],
          inputs: [{ name: "a", dtype: "float32", shape: [1] }],
          outputs: [{ name: "d", dtype: "float32", shape: [1] }],
        },
      }),
    );
    expect(mm.graph.nodes.map((n) => n.name)).toEqual(["Relu_1", "Relu_1_2", "Relu_1_1"]);
  });
});

describe("ONNX loader: dtypes and tensor encodings", () => {
  /** A model whose only content is initializers, loaded back. */
  function loadInits(irVersion: number, inits: TensorSpec[]): Model {
    return decodeOnnxModel(encodeModel({ irVersion, opsets: [{ domain: "", version: 21 }], graph: { nodes: [], initializers: inits } }));
  }

  const cases: [TensorSpec["dtype"], (number | bigint)[], number[]][] = [
    ["float32", [1.5, -2, 0.25], [1.5, -2, 0.25]],
    ["float64", [1e-300, -3.5], [1e-300, -3.5]],
    ["int8", [-128, 127, 0], [-128, 127, 0]],
    ["uint8", [0, 255, 7], [0, 255, 7]],
    ["int16", [-32768, 32767], [-32768, 32767]],
    ["uint16", [65535, 1], [65535, 1]],
    ["int32", [-2147483648, 2147483647, -1], [-2147483648, 2147483647, -1]],
    ["uint32", [4294967295, 3], [4294967295, 3]],
    ["int64", [-5n, 1n << 40n], [-5, 2 ** 40]],
    ["uint64", [18446744073709549568n, 9n], [18446744073709549568, 9]],
    ["bool", [1, 0, 1], [1, 0, 1]],
    ["float16", [1.5, -0.000060975551605224609375, 65504], [1.5, -0.000060975551605224609375, 65504]],
    ["bfloat16", [1, -3, 256], [1, -3, 256]],
  ];
  for (const encoding of ["raw", "typed"] as const) {
    it(`decodes small ${encoding} tensors of every classic dtype exactly`, () => {
      const m = loadInits(8, cases.map(([dtype, data], i) => ({ name: `t${i}`, dtype, dims: [data.length], data, encoding })));
      cases.forEach(([dtype, data, want], i) => {
        const t = init(m, `t${i}`);
        expect(t.dtype).toBe(dtype);
        expect(t.dims).toEqual([data.length]);
        expect(t.values).toEqual(want);
      });
      // uint64 2^64 - 2048 is not a safe integer: flagged.
      expect(init(m, "t9").inexact).toBe(true);
      expect(init(m, "t8").inexact).toBeUndefined();
    });
  }

  it("loads an IR-10 model with int4 / uint4 / float8 / float4 / 2-bit initializers (raw and typed)", () => {
    const m = loadInits(10, [
      { name: "i4", dtype: "int4", dims: [5], data: [-8, 7, -1, 0, 3] },
      { name: "i4t", dtype: "int4", dims: [5], data: [-8, 7, -1, 0, 3], encoding: "typed" },
      { name: "u4", dtype: "uint4", dims: [2, 2], data: [0, 15, 9, 1] },
      // float8 data are bit patterns: 0x38 = 1, 0x7e = 448, 0xb8 = -1 (e4m3fn; 0x7f is NaN)
      { name: "e4m3fn", dtype: "float8e4m3fn", dims: [4], data: [0x38, 0x7e, 0xb8, 0x01] },
      { name: "e4m3fnuz", dtype: "float8e4m3fnuz", dims: [3], data: [0x40, 0x7f, 0x00] },
      { name: "e5m2", dtype: "float8e5m2", dims: [4], data: [0x3c, 0x7b, 0x7c, 0xfc], encoding: "typed" },
      { name: "e5m2fnuz", dtype: "float8e5m2fnuz", dims: [2], data: [0x40, 0x80] },
      { name: "f4", dtype: "float4e2m1", dims: [3], data: [0b0010, 0b0111, 0b1001] },
      { name: "e8m0", dtype: "float8e8m0", dims: [3], data: [127, 128, 0] },
      { name: "u2", dtype: "uint2", dims: [5], data: [0, 1, 2, 3, 3] },
      { name: "i2", dtype: "int2", dims: [4], data: [-2, -1, 0, 1], encoding: "typed" },
    ]);
    expect(m.irVersion).toBe(10);
    expect(init(m, "i4").values).toEqual([-8, 7, -1, 0, 3]);
    expect(init(m, "i4").data).toMatchObject({ kind: "inline", encoding: "raw", length: 3 });
    expect(init(m, "i4t").values).toEqual([-8, 7, -1, 0, 3]);
    expect(init(m, "i4t").data).toMatchObject({ kind: "inline", encoding: "int32_data" });
    expect(init(m, "u4").values).toEqual([0, 15, 9, 1]);
    expect(init(m, "u4").dims).toEqual([2, 2]);
    expect(init(m, "e4m3fn").values).toEqual([1, 448, -1, 2 ** -9]);
    const fnuz = init(m, "e4m3fnuz").values!;
    expect(fnuz[0]).toBe(1);
    expect(fnuz[1]).toBe(240);
    expect(fnuz[2]).toBe(0);
    expect(init(m, "e5m2").values).toEqual([1, 57344, Infinity, -Infinity]);
    expect(init(m, "e5m2fnuz").values![0]).toBe(1);
    expect(Number.isNaN(init(m, "e5m2fnuz").values![1])).toBe(true);
    expect(init(m, "f4").values).toEqual([1, 6, -0.5]);
    expect(init(m, "e8m0").values).toEqual([1, 2, 2 ** -127]);
    expect(init(m, "u2").values).toEqual([0, 1, 2, 3, 3]);
    expect(init(m, "u2").data).toMatchObject({ length: 2 });
    expect(init(m, "i2").values).toEqual([-2, -1, 0, 1]);
    expect([...m.graph.initializers.values()].map((t) => t.dtype)).toEqual([
      "int4",
      "int4",
      "uint4",
      "float8e4m3fn",
      "float8e4m3fnuz",
      "float8e5m2",
      "float8e5m2fnuz",
      "float4e2m1",
      "float8e8m0",
      "uint2",
      "int2",
    ]);
  });

  it("flags int64 values beyond 2^53 as inexact", () => {
    const m = loadInits(8, [{ name: "big", dtype: "int64", dims: [2], data: [9223372036854775807n, 1n], encoding: "typed" }]);
    expect(init(m, "big").values).toEqual([9223372036854775807, 1]);
    expect(init(m, "big").inexact).toBe(true);
  });

  it("does not decode tensors above SMALL_TENSOR_LIMIT, nor strings or complex values", () => {
    const m = loadInits(8, [
      { name: "big", dtype: "float32", dims: [4097], data: new Float32Array(4097) },
      { name: "edge", dtype: "uint8", dims: [64, 64], data: new Uint8Array(4096).fill(3) },
      { name: "s", dtype: "string", dims: [2], strings: ["ab", "c"] },
      { name: "cx", dtype: "complex64", dims: [1], data: [1, 2] },
      { name: "scalar", dtype: "int64", dims: [], data: [42] },
      { name: "empty", dtype: "float32", dims: [0, 3], data: [] },
    ]);
    expect(init(m, "big").values).toBeUndefined();
    expect(init(m, "big").data).toMatchObject({ kind: "inline", encoding: "raw", length: 4097 * 4 });
    expect(init(m, "edge").values!.length).toBe(4096);
    expect(init(m, "s").values).toBeUndefined();
    expect(init(m, "s").data).toMatchObject({ kind: "inline", encoding: "string_data" });
    expect(init(m, "cx").values).toBeUndefined();
    expect(init(m, "scalar").dims).toEqual([]);
    expect(init(m, "scalar").values).toEqual([42]);
    expect(init(m, "empty").values).toEqual([]);
  });

  it("accepts packed attribute lists, unpacked tensor fields and attributes without a type field", () => {
    // A node written by hand: ints packed (wire type 2), floats packed, and an attribute with
    // only `i` set and no `type` (20), as very old exporters wrote.
    const node = new ProtoWriter()
      .string(1, "x")
      .string(2, "y")
      .string(4, "Op")
      .message(5, (a) => a.string(1, "packed_ints").packedVarints(8, [1, -2, 300]).varint(20, 7))
      .message(5, (a) => a.string(1, "packed_floats").packedFloats(7, [0.5, 1.5]).varint(20, 6))
      .message(5, (a) => a.string(1, "untyped").varint(3, 5))
      .finish();
    const tensor = new ProtoWriter().varint(1, 3).varint(2, 7).string(8, "unpacked").varint(7, 4).varint(7, -1).varint(7, 9).finish();
    const graph = new ProtoWriter()
      .bytes(1, node)
      .string(2, "g")
      .bytes(5, tensor)
      .finish();
    const model = new ProtoWriter()
      .varint(1, 8)
      .bytes(7, graph)
      .message(8, (o) => o.string(1, "").varint(2, 13))
      .finish();
    const m = decodeOnnxModel(model);
    const n = m.graph.nodes[0]!;
    expect(n.name).toBe("Op_0");
    expect(n.attrs.get("packed_ints")).toEqual({ type: "ints", value: [1, -2, 300] });
    expect(n.attrs.get("packed_floats")).toEqual({ type: "floats", value: [0.5, 1.5] });
    expect(n.attrs.get("untyped")).toEqual({ type: "int", value: 5 });
    const t = init(m, "unpacked");
    expect(t.values).toEqual([4, -1, 9]);
    // Unpacked records have no single byte range.
    expect(t.data).toEqual({ kind: "none" });
    expect(readTensorData("unused.onnx", t)).toEqual(BigInt64Array.from([4n, -1n, 9n]));
  });

  it("keeps unknown fields out of the way (newer onnx: metadata_props, overload)", () => {
    const node = new ProtoWriter()
      .string(1, "x")
      .string(2, "y")
      .string(4, "Relu")
      .string(8, "overload-name") // NodeProto.overload (IR 10)
      .message(9, (kv) => kv.string(1, "k").string(2, "v")) // NodeProto.metadata_props
      .finish();
    const graph = new ProtoWriter()
      .bytes(1, node)
      .message(16, (kv) => kv.string(1, "k").string(2, "v")) // GraphProto.metadata_props
      .finish();
    const model = new ProtoWriter()
      .varint(1, 11)
      .bytes(7, graph)
      .message(8, (o) => o.string(1, "").varint(2, 23))
      .message(26, (c) => c.string(1, "cfg")) // ModelProto.configuration (IR 11)
      .message(25, (f) => f.string(1, "fn")) // ModelProto.functions
      .finish();
    const m = decodeOnnxModel(model);
    expect(m.irVersion).toBe(11);
    expect(m.opsets.get("")).toBe(23);
    expect(m.graph.nodes.map((n) => [n.name, n.opType])).toEqual([["Relu_0", "Relu"]]);
    expect(m.producer).toBeNull();
  });
});

describe("ONNX loader: files on disk", () => {
  it("reads the onnx-helper fixture: exact header, shapes, names, offsets and values", () => {
    const m = loadOnnxFile(join(FIXTURES, "conv-reshape.onnx"), { displayName: "conv-reshape.onnx" });
    expect(m.irVersion).toBe(7);
    expect([...m.opsets]).toEqual([["", 13]]);
    expect(m.producer).toEqual({ name: "onnx-helper", version: "1.12" });
    expect(m.graph.name).toBe("conv_reshape");
    expect(m.graph.inputs.map((i) => [i.name, i.dtype, shapeText(i.shape)])).toEqual([["X", "float32", "[N,3,8,8]"]]);
    expect(m.graph.outputs.map((i) => [i.name, i.dtype, shapeText(i.shape)])).toEqual([["Y", "float32", "[N,256]"]]);
    expect(shapeText(m.graph.valueInfo.get("c")!.shape)).toBe("[N,4,8,8]");
    // Offsets found with Python: file.find(node.SerializeToString()).
    expect(m.graph.nodes.map((n) => [n.name, n.opType, n.loc.byteOffset, n.loc.file])).toEqual([
      ["conv", "Conv", 26, "conv-reshape.onnx"],
      ["Relu_1", "Relu", 94, "conv-reshape.onnx"],
      ["flatten", "Reshape", 108, "conv-reshape.onnx"],
    ]);
    expect(init(m, "W").data).toEqual({ kind: "inline", encoding: "raw", offset: 172, length: 432 });
    expect(init(m, "B").data).toEqual({ kind: "inline", encoding: "raw", offset: 615, length: 16 });
    expect(init(m, "shape").data).toEqual({ kind: "inline", encoding: "raw", offset: 646, length: 16 });
    expect(init(m, "shape").values).toEqual([0, -1]);
    expect(init(m, "B").values).toEqual([0.5, -1, 2, 0]);
    const w = readTensorData(join(FIXTURES, "conv-reshape.onnx"), init(m, "W"));
    expect(w).toBeInstanceOf(Float32Array);
    expect(w.length).toBe(108);
    expect(w[107]).toBe(Math.fround(1.07));
  });

  it("recognises external data (written by onnx.save_model) and never reads it at load time", () => {
    const path = join(FIXTURES, "conv-reshape-external.onnx");
    const { model: m, bytesRead, fileSize } = loadOnnxFileWithStats(path);
    expect(bytesRead).toBe(fileSize);
    expect(init(m, "W").data).toEqual({ kind: "external", location: "conv-reshape-external.bin", offset: 0, length: 432 });
    expect(init(m, "B").data).toEqual({ kind: "external", location: "conv-reshape-external.bin", offset: 432, length: 16 });
    expect(init(m, "shape").data).toEqual({ kind: "external", location: "conv-reshape-external.bin", offset: 448, length: 16 });
    expect(init(m, "shape").values).toBeUndefined();
    expect(readTensorData(path, init(m, "B"))).toEqual(Float32Array.from([0.5, -1, 2, 0]));
    expect(readTensorData(path, init(m, "shape"))).toEqual(BigInt64Array.from([0n, -1n]));
    expect(readTensorData(path, init(m, "W"))[1]).toBe(Math.fround(0.01));
  });

  it("reads every inline encoding back with readTensorData", () => {
    const inits: TensorSpec[] = [
      { name: "f", dtype: "float32", dims: [5000], data: Float32Array.from({ length: 5000 }, (_, i) => i * 0.5) },
      { name: "ft", dtype: "float32", dims: [3], data: [1, 2, 3], encoding: "typed" },
      { name: "d", dtype: "float64", dims: [2], data: [0.1, 0.2], encoding: "typed" },
      { name: "i32", dtype: "int32", dims: [3], data: [-1, 5, 1 << 30], encoding: "typed" },
      { name: "i64", dtype: "int64", dims: [2], data: [-7n, 1n << 60n], encoding: "typed" },
      { name: "u64", dtype: "uint64", dims: [1], data: [1n << 63n], encoding: "typed" },
      { name: "u32", dtype: "uint32", dims: [1], data: [4000000000], encoding: "typed" },
      { name: "h", dtype: "float16", dims: [2], data: [0.5, -4], encoding: "typed" },
      { name: "s", dtype: "string", dims: [3], strings: ["x", "", "yz"] },
      { name: "i4", dtype: "int4", dims: [3], data: [-3, 2, 7] },
    ];
    const path = join(tmp, "encodings.onnx");
    writeFileSync(path, encodeModel({ irVersion: 10, opsets: [{ domain: "", version: 21 }], graph: { nodes: [], initializers: inits } }));
    const m = loadOnnxFile(path);
    const f = readTensorData(path, init(m, "f")) as Float32Array;
    expect(f.length).toBe(5000);
    expect(f[4999]).toBe(2499.5);
    expect(readTensorData(path, init(m, "ft"))).toEqual(Float32Array.from([1, 2, 3]));
    expect(readTensorData(path, init(m, "d"))).toEqual(Float64Array.from([0.1, 0.2]));
    expect(readTensorData(path, init(m, "i32"))).toEqual(Int32Array.from([-1, 5, 1 << 30]));
    expect(readTensorData(path, init(m, "i64"))).toEqual(BigInt64Array.from([-7n, 1n << 60n]));
    expect(readTensorData(path, init(m, "u64"))).toEqual(BigUint64Array.from([1n << 63n]));
    expect(readTensorData(path, init(m, "u32"))).toEqual(Uint32Array.from([4000000000]));
    expect(readTensorData(path, init(m, "h"))).toEqual(Float32Array.from([0.5, -4]));
    expect(readTensorData(path, init(m, "s"))).toEqual(["x", "", "yz"]);
    expect(readTensorData(path, init(m, "i4"))).toEqual(Int8Array.from([-3, 2, 7]));
  });

  it("loads a large model reading only its structure", () => {
    // 12 MiB of weights in 3 tensors; the structure is a few hundred bytes.
    const big = (name: string) => ({ name, dtype: "float32" as const, dims: [1024, 1024], raw: new Uint8Array(1024 * 1024 * 4) });
    const path = join(tmp, "big.onnx");
    writeFileSync(
      path,
      encodeModel({
        irVersion: 8,
        opsets: [{ domain: "", version: 17 }],
        graph: {
          nodes: [
            { opType: "MatMul", inputs: ["x", "a"], outputs: ["y1"] },
            { opType: "MatMul", inputs: ["y1", "b"], outputs: ["y2"] },
            { opType: "MatMul", inputs: ["y2", "c"], outputs: ["y"] },
          ],
          inputs: [{ name: "x", dtype: "float32", shape: ["B", 1024] }],
          outputs: [{ name: "y", dtype: "float32", shape: ["B", 1024] }],
          initializers: [big("a"), big("b"), big("c")],
        },
      }),
    );
    const { model, bytesRead, fileSize } = loadOnnxFileWithStats(path);
    expect(fileSize).toBeGreaterThan(3 * 4 * 1024 * 1024);
    // One short read per skipped payload plus the header: kilobytes, not megabytes.
    expect(bytesRead).toBeLessThan(16 * 1024);
    expect(init(model, "c").data).toMatchObject({ kind: "inline", encoding: "raw", length: 4 * 1024 * 1024 });
    expect(init(model, "c").values).toBeUndefined();
  });

  it("loads through loadModelFile by sniffing, not by extension", async () => {
    const path = join(tmp, "model.bin");
    writeFileSync(path, encodeModel({ irVersion: 9, opsets: [{ domain: "", version: 19 }], graph: { nodes: [{ opType: "Relu", inputs: ["a"], outputs: ["b"] }] } }));
    const m = await loadModelFile(path, { displayName: "shown.onnx" });
    expect(m.irVersion).toBe(9);
    expect(m.file).toBe("shown.onnx");
    expect(m.graph.nodes[0]!.loc.file).toBe("shown.onnx");
  });

  it("detects formats from the first bytes", () => {
    const enc = new TextEncoder();
    const onnx = encodeModel({ irVersion: 8, opsets: [{ domain: "", version: 17 }], graph: { nodes: [] } });
    expect(detectFormat(onnx, onnx.length)).toBe("onnx");
    expect(detectFormat(enc.encode('  \n{"class_name": "Sequential"}'), 30)).toBe("json");
    expect(detectFormat(enc.encode("[1]"), 3)).toBe("json");
    expect(detectFormat(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0]), 100)).toBe("keras-zip");
    expect(detectFormat(Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), 100)).toBe("keras-h5");
    expect(detectFormat(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 100)).toBe("unknown");
    expect(detectFormat(enc.encode("hello world\n"), 12)).toBe("unknown");
    const pb = encodeTensor({ name: "t", dtype: "float32", dims: [2], data: [1, 2] });
    expect(detectFormat(pb, pb.length)).toBe("onnx-tensor");
  });
});

describe("standalone TensorProto files", () => {
  it("decodes a .pb written by the writer", () => {
    const { tensor, data } = decodeTensorFile(encodeTensor({ name: "input_0", dtype: "int32", dims: [1, 3], data: [-1, 0, 7], encoding: "typed" }));
    expect(tensor.name).toBe("input_0");
    expect(tensor.dims).toEqual([1, 3]);
    expect(tensor.data).toEqual({ kind: "inline", encoding: "int32_data", offset: 17, length: 12 });
    expect(data).toEqual(Int32Array.from([-1, 0, 7]));
  });
});

const real = (p: string) => join(TESTDATA, p);
describe.skipIf(!existsSync(real("node/test_if/model.onnx")))("real files from libonnx-testdata (onnx 1.12)", () => {
  it("test_if: IR 6, an unnamed If with two Constant branches", () => {
    const m = loadOnnxFile(real("node/test_if/model.onnx"));
    expect(m.irVersion).toBe(6);
    expect([...m.opsets]).toEqual([["", 11]]);
    expect(m.producer).toEqual({ name: "backend-test", version: "" });
    expect(m.graph.inputs.map((i) => [i.name, i.dtype, shapeText(i.shape)])).toEqual([["cond", "bool", "[]"]]);
    expect(m.graph.outputs.map((i) => [i.name, i.dtype, shapeText(i.shape)])).toEqual([["res", "float32", "[5]"]]);
    expect(m.graph.nodes.map((n) => n.name)).toEqual(["If_0"]);
    const elseG = attr(m.graph, "If_0", "else_branch");
    const thenG = attr(m.graph, "If_0", "then_branch");
    if (elseG.type !== "graph" || thenG.type !== "graph") throw new Error("not graphs");
    expect(thenG.value.name).toBe("then_body");
    expect(thenG.value.nodes[0]!.name).toBe("Constant_0");
    expect(thenG.value.nodes[0]!.loc.scope).toEqual(["If_0/then_branch"]);
    expect(tensorAttr(thenG.value, "Constant_0", "value").values).toEqual([1, 2, 3, 4, 5]);
    expect(tensorAttr(elseG.value, "Constant_0", "value").values).toEqual([5, 4, 3, 2, 1]);
  });

  it("test_Conv2d (PyTorch 0.3, IR 3): initializers listed as inputs are not graph inputs", () => {
    const dir = real("pytorch-converted/test_Conv2d");
    const m = loadOnnxFile(join(dir, "model.onnx"));
    expect(m.irVersion).toBe(3);
    expect([...m.opsets]).toEqual([["", 6]]);
    expect(m.producer).toEqual({ name: "pytorch", version: "0.3" });
    expect(m.graph.inputs.map((i) => [i.name, shapeText(i.shape)])).toEqual([["0", "[2,3,7,5]"]]);
    expect([...m.graph.initializers.values()].map((t) => [t.name, t.dims, t.data.kind === "inline" ? t.data.length : -1])).toEqual([
      ["1", [4, 3, 3, 2], 288],
      ["2", [4], 16],
    ]);
    expect(m.graph.nodes[0]!.name).toBe("Conv_0");
    expect(attr(m.graph, "Conv_0", "kernel_shape")).toEqual({ type: "ints", value: [3, 2] });
    const input = decodeTensorFile(readFileSync(join(dir, "test_data_set_0/input_0.pb")));
    expect(input.tensor.dims).toEqual([2, 3, 7, 5]);
    expect(input.tensor.dtype).toBe("float32");
    expect(input.data.length).toBe(210);
  });
});
