/** Any exception that is not a LoadError is an "internal error": exit 2, a stack only with SHAPELINT_DEBUG=1. */
import { describe, expect, it, vi } from "vitest";
import { cli } from "./helpers.js";

vi.mock("../../src/loaders/index.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/loaders/index.js")>();
  return {
    ...real,
    loadModelFile: async (path: string, options?: Parameters<typeof real.loadModelFile>[1]) => {
      if (path.endsWith("mnist-autoencoder.onnx")) throw new TypeError("cannot read properties of undefined (reading 'dims')");
      return real.loadModelFile(path, options);
    },
  };
});

describe("internal errors", () => {
  const args = ["examples/mnist-autoencoder.onnx", "examples/mnist-autoencoder-fixed.onnx", "--format", "json"];

  it("mark the file, go on with the others and exit 2, without a stack trace", async () => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as { files: { file: string; error: unknown }[] };
    expect(report.files.map((f) => [f.file, f.error])).toEqual([
      ["examples/mnist-autoencoder.onnx", { code: "INTERNAL_ERROR", message: "internal error: cannot read properties of undefined (reading 'dims')" }],
      ["examples/mnist-autoencoder-fixed.onnx", null],
    ]);
    expect(r.stderr).toBe(
      "shapelint: examples/mnist-autoencoder.onnx: INTERNAL_ERROR: internal error: cannot read properties of undefined (reading 'dims')\n" +
        "shapelint: internal error (a bug in shapelint); set SHAPELINT_DEBUG=1 for the stack trace\n",
    );
  });

  it("print the stack with SHAPELINT_DEBUG=1", async () => {
    const r = await cli(args, { env: { SHAPELINT_DEBUG: "1" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^examples\/mnist-autoencoder\.onnx: TypeError: cannot read properties of undefined \(reading 'dims'\)\n\s+at /);
  });
});
