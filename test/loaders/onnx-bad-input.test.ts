import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadModelFile } from "../../src/loaders/index.js";
import { LoadError, type LoadErrorCode } from "../../src/loaders/load-error.js";
import { decodeOnnxModel } from "../../src/loaders/onnx/onnx-loader.js";
import { readTensorData } from "../../src/loaders/onnx/tensor-data.js";
import { propagate } from "../../src/shapes/propagate.js";
import { type GraphSpec, type ModelSpec, ProtoWriter, encodeModel, encodeTensor } from "../helpers/onnx-writer.js";

const tmp = mkdtempSync(join(tmpdir(), "shapelint-onnx-bad-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

/** The LoadError thrown by `fn` (fails the test when it does not throw one). */
function loadError(fn: () => unknown): LoadError {
  try {
    fn();
  } catch (e) {
    if (e instanceof LoadError) return e;
    throw new Error(`expected a LoadError, got ${String(e)}`);
  }
  throw new Error("expected a LoadError, nothing was thrown");
}

async function asyncLoadError(p: Promise<unknown>): Promise<LoadError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LoadError) return e;
    throw new Error(`expected a LoadError, got ${String(e)}`);
  }
  throw new Error("expected a LoadError, nothing was thrown");
}

function expectError(e: LoadError, code: LoadErrorCode, location: LoadError["location"]): void {
  expect({ code: e.code, location: e.location }).toEqual({ code, location });
}

function indexOfBytes(hay: Uint8Array, needle: readonly number[]): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error("pattern not found");
}

const relu: GraphSpec = {
  name: "g",
  nodes: [{ opType: "Relu", name: "r", inputs: ["x"], outputs: ["y"] }],
  inputs: [{ name: "x", dtype: "float32", shape: [1, 4] }],
  outputs: [{ name: "y", dtype: "float32", shape: [1, 4] }],
};
const model = (graph: GraphSpec, irVersion = 8): ModelSpec => ({ irVersion, opsets: [{ domain: "", version: 17 }], graph });

describe("files that are not ONNX models", () => {
  it("empty file: EMPTY_FILE at byte 0", async () => {
    expectError(await asyncLoadError(loadModelFile(file("empty.onnx", new Uint8Array(0)))), "EMPTY_FILE", { byteOffset: 0 });
    expectError(loadError(() => decodeOnnxModel(new Uint8Array(0))), "EMPTY_FILE", { byteOffset: 0 });
  });

  it("a PNG image: UNKNOWN_FORMAT naming it", async () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    const e = await asyncLoadError(loadModelFile(file("picture.onnx", png)));
    expectError(e, "UNKNOWN_FORMAT", { byteOffset: 0 });
    expect(e.message).toContain("PNG image");
    expect(e.message).toContain("89 50 4e 47 0d 0a 1a 0a");
  });

  it("a text file: UNKNOWN_FORMAT", async () => {
    const e = await asyncLoadError(loadModelFile(file("notes.onnx", "hello, this is not a model\n")));
    expectError(e, "UNKNOWN_FORMAT", { byteOffset: 0 });
  });

  it("garbage bytes: UNKNOWN_FORMAT through the entry point, MALFORMED with an offset when forced", async () => {
    const junk = Uint8Array.from({ length: 64 }, () => 0xff);
    expectError(await asyncLoadError(loadModelFile(file("junk.onnx", junk))), "UNKNOWN_FORMAT", { byteOffset: 0 });
    // 0xff * 10 is a varint overflowing 64 bits.
    expectError(loadError(() => decodeOnnxModel(junk)), "MALFORMED", { byteOffset: 0 });
    // All zeros: field number 0.
    expectError(loadError(() => decodeOnnxModel(new Uint8Array(8))), "MALFORMED", { byteOffset: 0 });
  });

  it("a standalone TensorProto (.pb test data): WRONG_FORMAT", async () => {
    const pb = encodeTensor({ name: "input_0", dtype: "float32", dims: [1, 3], data: [1, 2, 3] });
    const e = await asyncLoadError(loadModelFile(file("input_0.pb", pb)));
    expectError(e, "WRONG_FORMAT", { byteOffset: 0 });
    expect(e.message).toContain("TensorProto");
  });

  it("missing file and directory: IO_ERROR", async () => {
    expect((await asyncLoadError(loadModelFile(join(tmp, "does-not-exist.onnx")))).code).toBe("IO_ERROR");
    const dir = join(tmp, "a-directory.onnx");
    mkdirSync(dir);
    expect((await asyncLoadError(loadModelFile(dir))).code).toBe("IO_ERROR");
  });
});

describe("truncated and corrupt protobuf", () => {
  const good = encodeModel(model({ ...relu, initializers: [{ name: "w", dtype: "float32", dims: [64], data: new Float32Array(64) }] }));
  // 08 08 (ir_version 8), then the graph field: tag 3a at byte 2.
  const GRAPH_TAG = 2;

  it("cut inside the graph: TRUNCATED at the graph field, through the entry point too", async () => {
    const cut = good.subarray(0, good.length - 100);
    const e = loadError(() => decodeOnnxModel(cut));
    expectError(e, "TRUNCATED", { byteOffset: GRAPH_TAG });
    expect(e.message).toContain(`the file ends at byte ${cut.length}`);
    expectError(await asyncLoadError(loadModelFile(file("cut.onnx", cut))), "TRUNCATED", { byteOffset: GRAPH_TAG });
  });

  it("cut inside a varint: TRUNCATED at the varint", () => {
    expectError(loadError(() => decodeOnnxModel(Uint8Array.from([0x08, 0x88]))), "TRUNCATED", { byteOffset: 1 });
  });

  it("every cut inside the graph fails with an exact TRUNCATED location", () => {
    const lenBytes = (good[GRAPH_TAG + 1]! & 0x80) !== 0 ? 2 : 1;
    let graphLen = 0;
    for (let i = 0; i < lenBytes; i++) graphLen += (good[GRAPH_TAG + 1 + i]! & 0x7f) * 128 ** i;
    const graphEnd = GRAPH_TAG + 1 + lenBytes + graphLen;
    expectError(loadError(() => decodeOnnxModel(good.subarray(0, 1))), "TRUNCATED", { byteOffset: 1 });
    expectError(loadError(() => decodeOnnxModel(good.subarray(0, GRAPH_TAG))), "MALFORMED", { byteOffset: 0 }); // no graph
    for (let n = GRAPH_TAG + 1; n < graphEnd; n++) {
      const e = loadError(() => decodeOnnxModel(good.subarray(0, n)));
      // Inside the length varint, the varint is cut; after it, the length runs past the end.
      expectError(e, "TRUNCATED", { byteOffset: n < GRAPH_TAG + 1 + lenBytes ? GRAPH_TAG + 1 : GRAPH_TAG });
    }
    // Cut after the graph, inside opset_import (the last field).
    expectError(loadError(() => decodeOnnxModel(good.subarray(0, good.length - 1))), "TRUNCATED", { byteOffset: graphEnd });
  });

  it("bad wire type for a known field: MALFORMED at its tag", () => {
    // NodeProto.op_type (4) sent as a varint (wire type 0).
    const node = new ProtoWriter().string(1, "x").string(2, "y").varint(4, 7).finish();
    const bytes = new ProtoWriter().varint(1, 8).message(7, (g) => g.bytes(1, node)).finish();
    const e = loadError(() => decodeOnnxModel(bytes));
    // 08 08 | 3a len | 0a len | 0a 01 78 | 12 01 79 | 20 07: the op_type tag is at 6 + 6.
    expectError(e, "MALFORMED", { byteOffset: 12 });
    expect(e.message).toContain("NodeProto.op_type");
  });

  it("group and invalid wire types: MALFORMED at the tag", () => {
    for (const wire of [3, 4, 6, 7]) {
      const bytes = new ProtoWriter().varint(1, 8).tag(9, wire).raw([0, 0, 0, 0]).finish();
      const e = loadError(() => decodeOnnxModel(bytes));
      expectError(e, "MALFORMED", { byteOffset: 2 });
      expect(e.message).toContain(`invalid wire type ${wire}`);
    }
  });

  it("absurd length prefix (2^40): TRUNCATED at that field, no allocation, no hang", () => {
    const bytes = new ProtoWriter().varint(1, 8).tag(7, 2).rawVarint(2 ** 40).raw([1, 2, 3]).finish();
    const e = loadError(() => decodeOnnxModel(bytes));
    expectError(e, "TRUNCATED", { byteOffset: 2 });
    expect(e.message).toContain(`${2 ** 40} bytes`);
  });

  it("a length running past its enclosing message but not the file: MALFORMED", () => {
    // The node claims 50 bytes inside a graph of 4 bytes, with more file after the graph.
    const bytes = new ProtoWriter()
      .varint(1, 8)
      .tag(7, 2)
      .rawVarint(4)
      .tag(1, 2)
      .rawVarint(50)
      .raw([0, 0])
      .string(2, "x".repeat(60))
      .finish();
    expectError(loadError(() => decodeOnnxModel(bytes)), "MALFORMED", { byteOffset: 4 });
  });

  it("a varint longer than 10 bytes: MALFORMED", () => {
    const bytes = Uint8Array.from([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expectError(loadError(() => decodeOnnxModel(bytes)), "MALFORMED", { byteOffset: 1 });
  });

  it("random mutations of a valid model load or fail with a LoadError, never crash or hang", () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    // Mostly structure: attributes of every kind, a nested graph, typed small tensors.
    const rich = encodeModel(
      model({
        name: "rich",
        nodes: [
          { opType: "Conv", inputs: ["x", "s"], outputs: ["c"], attrs: { pads: [1, 1], alpha: 0.5, mode: "x", fl: [0.5, 1.5], names: ["a"] } },
          { opType: "If", inputs: ["c"], outputs: ["y"], attrs: { then_branch: relu, else_branch: relu } },
          { opType: "Constant", inputs: [], outputs: ["k"], attrs: { value: { dtype: "int64", dims: [2], data: [1, -1], encoding: "typed" } } },
        ],
        inputs: [{ name: "x", dtype: "float32", shape: ["N", 3, null] }],
        outputs: [{ name: "y", dtype: "float32", shape: ["N"] }],
        valueInfo: [{ name: "c", dtype: "float32", shape: [1, 2] }],
        initializers: [{ name: "s", dtype: "int32", dims: [3], data: [1, 2, 3], encoding: "typed" }],
      }),
    );
    const counts = new Map<string, number>();
    for (let k = 0; k < 400; k++) {
      const b = (k % 2 === 0 ? good : rich).slice();
      const edits = 1 + rand(4);
      for (let j = 0; j < edits; j++) b[rand(b.length)] = rand(256);
      try {
        decodeOnnxModel(b);
        counts.set("ok", (counts.get("ok") ?? 0) + 1);
      } catch (e) {
        if (!(e instanceof LoadError)) throw new Error(`mutation ${k} threw ${String(e)}`);
        counts.set(e.code, (counts.get(e.code) ?? 0) + 1);
      }
    }
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(400);
  });
});

describe("structurally wrong models", () => {
  it("unsupported IR versions: UNSUPPORTED_VERSION at the ir_version field", () => {
    for (const v of [2, 15]) {
      const e = loadError(() => decodeOnnxModel(encodeModel(model(relu, v))));
      expectError(e, "UNSUPPORTED_VERSION", { byteOffset: 0 });
      expect(e.message).toContain(`IR version ${v}`);
    }
  });

  it("no graph, no ir_version: MALFORMED", () => {
    expectError(loadError(() => decodeOnnxModel(new ProtoWriter().varint(1, 8).finish())), "MALFORMED", { byteOffset: 0 });
    const noIr = new ProtoWriter().message(7, (g) => g.string(2, "g")).finish();
    const e = loadError(() => decodeOnnxModel(noIr));
    expectError(e, "MALFORMED", { byteOffset: 0 });
    expect(e.message).toContain("ir_version");
  });

  it("negative dim_value: ABSURD_DIM at the Dimension", () => {
    const bytes = encodeModel(model({ ...relu, inputs: [{ name: "x", dtype: "float32", shape: [1, -4] }] }));
    // TensorShapeProto.dim tag 0a, length 0b, Dimension.dim_value 08 + ten-byte -4 (fc ff ... 01).
    const at = indexOfBytes(bytes, [0x0a, 0x0b, 0x08, 0xfc, 0xff]);
    const e = loadError(() => decodeOnnxModel(bytes));
    expectError(e, "ABSURD_DIM", { byteOffset: at });
    expect(e.message).toBe("value 'x' axis 1 has dim -4, outside [0, 2^40]");
  });

  it("dim_value above 2^40: ABSURD_DIM", () => {
    const bytes = encodeModel(model({ ...relu, outputs: [{ name: "y", dtype: "float32", shape: [2 ** 41, 4] }] }));
    const at = indexOfBytes(bytes, [0x0a, 0x07, 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]);
    expectError(loadError(() => decodeOnnxModel(bytes)), "ABSURD_DIM", { byteOffset: at });
  });

  it("negative initializer dims and element counts beyond 2^53: ABSURD_DIM", () => {
    const neg = encodeTensor({ name: "w", dtype: "float32", dims: [3, -1] });
    const bytes = encodeModel(model({ ...relu, initializers: [{ name: "w", dtype: "float32", dims: [3, -1] }] }));
    // The second dims record (08 + ten bytes of -1) inside the initializer.
    const at = indexOfBytes(bytes, [...neg.subarray(2, 13)]);
    const e = loadError(() => decodeOnnxModel(bytes));
    expectError(e, "ABSURD_DIM", { byteOffset: at });
    expect(e.message).toContain("initializer 'w'");

    const huge = encodeModel(model({ ...relu, initializers: [{ name: "h", dtype: "float32", dims: [2 ** 40, 2 ** 40] }] }));
    const e2 = loadError(() => decodeOnnxModel(huge));
    expect(e2.code).toBe("ABSURD_DIM");
    expect(e2.message).toContain("more than 2^53");
  });

  it("raw_data whose size does not match the dims: MALFORMED at raw_data", () => {
    const bytes = encodeModel(model({ ...relu, initializers: [{ name: "w", dtype: "float32", dims: [4], raw: Uint8Array.from([1, 2, 3, 4, 5, 6]) }] }));
    const at = indexOfBytes(bytes, [0x4a, 0x06, 1, 2, 3, 4, 5, 6]);
    const e = loadError(() => decodeOnnxModel(bytes));
    expectError(e, "MALFORMED", { byteOffset: at });
    expect(e.message).toBe("initializer 'w': raw_data holds 6 bytes but 4 float32 needs 16");
  });

  it("unknown data_type, two payload fields, bad external_data: MALFORMED", () => {
    const unknown = encodeModel(model({ ...relu, initializers: [{ name: "u", dtype: 99, dims: [1] }] }));
    expect(loadError(() => decodeOnnxModel(unknown)).message).toBe("initializer 'u' has unknown data_type 99 (known: 0..26)");

    const both = new ProtoWriter().varint(1, 2).varint(2, 1).string(8, "t").packedFloats(4, [1, 2]).bytes(9, new Uint8Array(8)).finish();
    const bytes = new ProtoWriter().varint(1, 8).message(7, (g) => g.bytes(5, both)).finish();
    const e = loadError(() => decodeOnnxModel(bytes));
    // 08 08 | 3a len | 2a len | 08 02 10 01 42 01 74 | 22 08 <8 bytes> | 4a ...
    expectError(e, "MALFORMED", { byteOffset: 6 + 7 + 10 });

    const noLocation = encodeModel(model({ ...relu, initializers: [{ name: "e", dtype: "float32", dims: [4], external: { location: "" } }] }));
    expect(loadError(() => decodeOnnxModel(noLocation)).message).toContain("no 'location'");
    const badOffset = new ProtoWriter()
      .varint(1, 1)
      .varint(2, 1)
      .string(8, "e")
      .message(13, (kv) => kv.string(1, "location").string(2, "w.bin"))
      .message(13, (kv) => kv.string(1, "offset").string(2, "12abc"))
      .varint(14, 1)
      .finish();
    const bytes2 = new ProtoWriter().varint(1, 8).message(7, (g) => g.bytes(5, badOffset)).finish();
    expect(loadError(() => decodeOnnxModel(bytes2)).message).toBe("initializer 'e' has external_data offset='12abc', not a non-negative integer");
  });

  it("graphs nested 70 deep: MALFORMED instead of a stack overflow", () => {
    let g: GraphSpec = { name: "leaf", nodes: [] };
    for (let i = 0; i < 70; i++) g = { name: `g${i}`, nodes: [{ opType: "If", inputs: ["c"], outputs: [`o${i}`], attrs: { then_branch: g, else_branch: { name: "e", nodes: [] } } }] };
    const e = loadError(() => decodeOnnxModel(encodeModel(model(g))));
    expect(e.code).toBe("MALFORMED");
    expect(e.message).toBe("graphs nested deeper than 64 levels");
  });
});

describe("graph errors found by load + propagate", () => {
  it("a cycle: GRAPH_CYCLE naming a node on it", () => {
    const m = decodeOnnxModel(
      encodeModel(
        model({
          nodes: [
            { opType: "Relu", name: "entry", inputs: ["x"], outputs: ["a"] },
            { opType: "Add", name: "loop_a", inputs: ["a", "c"], outputs: ["b"] },
            { opType: "Relu", name: "loop_b", inputs: ["b"], outputs: ["c"] },
          ],
          inputs: [{ name: "x", dtype: "float32", shape: [1] }],
          outputs: [{ name: "c", dtype: "float32", shape: [1] }],
        }),
      ),
    );
    expectError(loadError(() => propagate(m)), "GRAPH_CYCLE", { node: "loop_a" });
  });

  it("a dangling value name: DANGLING_INPUT naming the reader", () => {
    const m = decodeOnnxModel(
      encodeModel(
        model({
          nodes: [{ opType: "Add", inputs: ["x", "nowhere"], outputs: ["y"] }],
          inputs: [{ name: "x", dtype: "float32", shape: [1] }],
          outputs: [{ name: "y", dtype: "float32", shape: [1] }],
        }),
      ),
    );
    const e = loadError(() => propagate(m));
    expectError(e, "DANGLING_INPUT", { node: "Add_0" });
    expect(e.message).toContain("'nowhere'");
  });

  it("an output nobody produces: DANGLING_INPUT naming the output", () => {
    const m = decodeOnnxModel(encodeModel(model({ ...relu, outputs: [{ name: "ghost", dtype: "float32", shape: [1] }] })));
    expectError(loadError(() => propagate(m)), "DANGLING_INPUT", { node: "ghost" });
  });

  it("two producers of one value: DUPLICATE_OUTPUT", () => {
    const m = decodeOnnxModel(
      encodeModel(
        model({
          nodes: [
            { opType: "Relu", name: "first", inputs: ["x"], outputs: ["y"] },
            { opType: "Relu", name: "second", inputs: ["x"], outputs: ["y"] },
          ],
          inputs: [{ name: "x", dtype: "float32", shape: [1] }],
          outputs: [{ name: "y", dtype: "float32", shape: [1] }],
        }),
      ),
    );
    expectError(loadError(() => propagate(m)), "DUPLICATE_OUTPUT", { node: "second" });
  });
});

describe("readTensorData on bad locations", () => {
  it("refuses external data outside the model's directory", () => {
    const t = { name: "w", dtype: "float32" as const, dims: [1], data: { kind: "external" as const, location: "../secret.bin", offset: 0, length: 4 } };
    expect(loadError(() => readTensorData(join(tmp, "m.onnx"), t)).code).toBe("MALFORMED");
    const abs = { ...t, data: { ...t.data, location: "/etc/passwd" } };
    expect(loadError(() => readTensorData(join(tmp, "m.onnx"), abs)).code).toBe("MALFORMED");
  });

  it("an external file shorter than offset + length: TRUNCATED at the offset", () => {
    file("short.bin", new Uint8Array(10));
    const t = { name: "w", dtype: "float32" as const, dims: [4], data: { kind: "external" as const, location: "short.bin", offset: 8, length: 16 } };
    expectError(loadError(() => readTensorData(join(tmp, "m.onnx"), t)), "TRUNCATED", { byteOffset: 8 });
  });
});
