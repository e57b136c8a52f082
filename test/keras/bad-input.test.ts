/**
 * Files the Keras loader must refuse, each with a stable code and a location: a JSON pointer
 * (and line/column) for JSON problems, a byte offset for container problems.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { LoadError } from "../../src/loaders/load-error.js";
import { loadKerasFile, loadKerasText } from "../../src/loaders/keras/index.js";
import { kerasFile, fnJson, fnLayer, inputLayer } from "./helpers.js";

function errorOf(fn: () => unknown): LoadError {
  try {
    fn();
  } catch (e) {
    if (e instanceof LoadError) return e;
    throw e;
  }
  throw new Error("expected a LoadError");
}

async function fileError(path: string): Promise<LoadError> {
  try {
    await loadKerasFile(path);
  } catch (e) {
    if (e instanceof LoadError) return e;
    throw e;
  }
  throw new Error(`expected a LoadError for ${path}`);
}

const tmp = mkdtempSync(join(tmpdir(), "shapelint-keras-"));
function tmpFile(name: string, content: string | Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}

describe("broken JSON", () => {
  test("syntax error: MALFORMED with line and column", () => {
    const e = errorOf(() => loadKerasText('{"class_name": "Sequential",\n  "config": {"layers": [\n    {"class_name": "Dense" "config": {}}]}}', "bad.json"));
    expect(e.code).toBe("MALFORMED");
    expect(e.location).toEqual({ line: 3, column: 28 });
    expect(e.message).toBe(`bad.json is not valid JSON: ',' expected at line 3, column 28 (near "\\"config\\": {}}]}}")`);
  });

  test("unterminated text", () => {
    const e = errorOf(() => loadKerasText('{"class_name": "Sequential", "config": {"layers": [', "cut.json"));
    expect([e.code, e.location.line, e.location.column]).toEqual(["MALFORMED", 1, 52]);
  });

  test("empty text and empty file", async () => {
    expect(errorOf(() => loadKerasText("  \n", "e.json")).code).toBe("EMPTY_FILE");
    expect((await fileError(tmpFile("empty.json", ""))).code).toBe("EMPTY_FILE");
  });

  test("not JSON at all", async () => {
    const e = await fileError(tmpFile("text.json", "hello"));
    expect([e.code, e.location]).toEqual(["WRONG_FORMAT", { byteOffset: 0 }]);
  });
});

describe("unknown top-level structure", () => {
  test.each([
    ['{"foo": 1}', "keys foo"],
    ["42", "number"],
    ['"model"', "string"],
  ])("%s", (text, found) => {
    const e = errorOf(() => loadKerasText(text, "x.json"));
    expect(e.code).toBe("UNKNOWN_FORMAT");
    expect(e.location).toEqual({ pointer: "" });
    expect(e.message).toContain(`found ${found}`);
  });

  test("a subclassed model has no layer list", () => {
    const e = errorOf(() => loadKerasText('{"module": "mymodels", "class_name": "MyNet", "config": {"name": "net", "units": 3}, "registered_name": "MyNet"}', "sub.json"));
    expect([e.code, e.location]).toEqual(["NO_MODEL_CONFIG", { pointer: "", line: 1, column: 1 }]);
  });

  test("a layer entry without class_name", () => {
    const text = '{"class_name": "Sequential", "config": {"name": "s", "layers": [\n  {"config": {"name": "d", "units": 1}}]}}';
    const e = errorOf(() => loadKerasText(text, "x.json"));
    expect([e.code, e.location, e.message]).toEqual(["MALFORMED", { pointer: "/config/layers/0", line: 2, column: 3 }, "layer entry 0 has no 'class_name'"]);
  });

  test("two layers with one name", () => {
    const text = fnJson([inputLayer("x", [2]), fnLayer("d", "Dense", { units: 1 }, [[["x", 0, 0]]]), fnLayer("d", "Dense", { units: 1 }, [[["x", 0, 0]]])], ["x"], [["d", 0, 0]]);
    const e = errorOf(() => loadKerasText(text, "x.json"));
    expect([e.code, e.location.pointer, e.message]).toEqual(["MALFORMED", "/config/layers/2", "model 'f' has two layers named 'd'"]);
  });

  test("TF.js graph model and weights-only manifest", () => {
    const g = errorOf(() => loadKerasText('{"format": "graph-model", "generatedBy": "2.x", "modelTopology": {"node": [], "versions": {}}, "weightsManifest": []}', "g.json"));
    expect([g.code, g.location]).toEqual(["GRAPH_MODEL", { pointer: "/format" }]);
    const w = errorOf(() => loadKerasText('{"weightsManifest": [{"paths": ["a.bin"], "weights": []}]}', "w.json"));
    expect([w.code, w.location]).toEqual(["NO_MODEL_CONFIG", { pointer: "/modelTopology" }]);
  });
});

describe("graph references", () => {
  test("dangling inbound reference: DANGLING_INPUT at the reference", () => {
    const text = fnJson([inputLayer("x", [2]), fnLayer("d", "Dense", { units: 1 }, [[["nope", 0, 0]]])], ["x"], [["d", 0, 0]]);
    const e = errorOf(() => loadKerasText(text, "x.json"));
    expect(e.code).toBe("DANGLING_INPUT");
    expect(e.message).toBe("reference to layer 'nope', which model 'f' does not have");
    expect(e.location.pointer).toBe("/config/layers/1/inbound_nodes/0/0");
    // The pointer names the reference itself, and the position is where it is written.
    const lines = text.split("\n");
    expect(lines[e.location.line! - 1]!.slice(e.location.column! - 1).trimStart().startsWith("[")).toBe(true);
  });

  test("reference to a call the layer never had", () => {
    const text = fnJson([inputLayer("x", [2]), fnLayer("d", "Dense", { units: 1 }, [[["x", 0, 0]]]), fnLayer("e", "Dense", { units: 1 }, [[["d", 1, 0]]])], ["x"], [["e", 0, 0]]);
    const e = errorOf(() => loadKerasText(text, "x.json"));
    expect([e.code, e.location.pointer, e.message]).toEqual(["DANGLING_INPUT", "/config/layers/2/inbound_nodes/0/0", "reference to call 1 of layer 'd', which has 1 saved call(s)"]);
  });

  test("output of a nested model that does not exist", () => {
    const inner = {
      name: "inner",
      class_name: "Functional",
      config: { name: "inner", layers: [inputLayer("i", [4]), fnLayer("d", "Dense", { units: 3 }, [[["i", 0, 0]]])], input_layers: [["i", 0, 0]], output_layers: [["d", 0, 0]] },
      inbound_nodes: [[["x", 0, 0, {}]]],
    };
    const text = fnJson([inputLayer("x", [4]), inner, fnLayer("out", "Dense", { units: 1 }, [[["inner", 1, 1]]])], ["x"], [["out", 0, 0]]);
    const e = errorOf(() => loadKerasText(text, "x.json"));
    expect([e.code, e.location.pointer]).toEqual(["DANGLING_INPUT", "/config/layers/2/inbound_nodes/0/0"]);
    expect(e.message).toBe("reference to output 1 of nested model 'inner' (call 1), which has no such output");
  });

  test("output_layers naming an unknown layer", () => {
    const text = fnJson([inputLayer("x", [2])], ["x"], [["ghost", 0, 0]]);
    const e = errorOf(() => loadKerasText(text, "x.json"));
    expect([e.code, e.location.pointer]).toEqual(["DANGLING_INPUT", "/config/output_layers/0"]);
  });

  test("a cycle of inbound references: GRAPH_CYCLE at a layer on it", () => {
    const text = fnJson(
      [inputLayer("x", [2]), fnLayer("a", "Add", {}, [[["x", 0, 0], ["c", 0, 0]]]), fnLayer("b", "Dense", { units: 2 }, [[["a", 0, 0]]]), fnLayer("c", "Dense", { units: 2 }, [[["b", 0, 0]]])],
      ["x"],
      [["c", 0, 0]],
    );
    const e = errorOf(() => loadKerasText(text, "x.json"));
    expect(e.code).toBe("GRAPH_CYCLE");
    expect(e.message).toBe("the layers' inbound references form a cycle: a <- c <- b <- a");
    expect([e.location.pointer, e.location.node]).toEqual(["/config/layers/1", "a"]);
    expect(e.location.line).toBeGreaterThan(1);
  });

  test("a nested model called with the wrong number of tensors", () => {
    const inner = {
      name: "inner",
      class_name: "Functional",
      config: { name: "inner", layers: [inputLayer("i", [4])], input_layers: [["i", 0, 0]], output_layers: [["i", 0, 0]] },
      inbound_nodes: [[["x", 0, 0, {}], ["y", 0, 0, {}]]],
    };
    const e = errorOf(() => loadKerasText(fnJson([inputLayer("x", [4]), inputLayer("y", [4]), inner], ["x", "y"], [["inner", 1, 0]]), "x.json"));
    expect([e.code, e.location.pointer, e.message]).toEqual(["MALFORMED", "/config/layers/2", "nested model 'inner' takes 1 input(s) but is called with 2"]);
  });

  test("a Keras 3 tensor without keras_history", () => {
    const doc = {
      module: "keras.src.models.functional",
      class_name: "Functional",
      config: {
        name: "f",
        layers: [
          { module: "keras.layers", class_name: "InputLayer", name: "x", config: { name: "x", batch_shape: [null, 2] }, inbound_nodes: [] },
          { module: "keras.layers", class_name: "Dense", name: "d", config: { name: "d", units: 1 }, inbound_nodes: [{ args: [{ class_name: "__keras_tensor__", config: { shape: [null, 2] } }], kwargs: {} }] },
        ],
        input_layers: [["x", 0, 0]],
        output_layers: [["d", 0, 0]],
      },
    };
    const e = errorOf(() => loadKerasText(JSON.stringify(doc), "x.json"));
    expect([e.code, e.location.pointer, e.location.line]).toEqual(["MALFORMED", "/config/layers/1/inbound_nodes/0/args/0", 1]);
    expect(e.message).toBe("a __keras_tensor__ without a valid keras_history [layer, call, output]");
  });
});

describe("damaged containers", () => {
  test.each([
    ["zip-truncated.keras", "TRUNCATED", 6594, "zip archive is cut off"],
    // The central directory starts at 12989 (its first record is the damaged one).
    ["zip-corrupt.keras", "MALFORMED", 12989, "not a readable zip archive: invalid central directory file header signature"],
    ["zip-no-config.keras", "NO_MODEL_CONFIG", 0, "zip archive has no config.json, so it is not a Keras .keras model (members: metadata.json, model.weights.h5)"],
    // config.json's local header is at 107, after metadata.json.
    ["zip-bad-member.keras", "MALFORMED", 107, "cannot read config.json from the zip archive: invalid local file header signature"],
    ["h5-truncated.h5", "TRUNCATED", 2048, "HDF5 file is cut off: its superblock says it ends at byte 14816, but it has 2048 bytes"],
    ["h5-corrupt.h5", "MALFORMED", 0, "not a readable HDF5 file"],
    ["h5-weights-only.h5", "NO_MODEL_CONFIG", 0, "is an HDF5 file without a 'model_config' attribute: it holds weights only"],
  ])("%s: %s", async (file, code, offset, text) => {
    const e = await fileError(kerasFile(file));
    expect(e.code).toBe(code);
    expect(e.location).toEqual({ byteOffset: offset });
    expect(e.message).toContain(text);
  });

  test("config.json with a syntax error: line and column inside the member", async () => {
    const e = await fileError(kerasFile("zip-bad-json.keras"));
    expect([e.code, e.location]).toEqual(["MALFORMED", { line: 2, column: 25 }]);
    expect(e.message).toContain(`config.json in ${kerasFile("zip-bad-json.keras")} is not valid JSON: value expected at line 2, column 25`);
  });

  test("a zip that is not a zip at all, a directory, a missing file", async () => {
    expect((await fileError(tmpFile("fake.keras", "PK garbage that is no archive"))).code).toBe("MALFORMED");
    expect((await fileError(tmp)).code).toBe("IO_ERROR");
    expect((await fileError(join(tmp, "missing.json"))).code).toBe("IO_ERROR");
  });
});
