import { describe, expect, it } from "vitest";
import { formatJson } from "../../src/reporters/index.js";
import { DECODER, RESULTS } from "./fixtures.js";

describe("json", () => {
  const out = JSON.parse(formatJson(RESULTS)) as {
    files: { file: string; format: string | null; error: unknown; findings: Record<string, unknown>[] }[];
    summary: unknown;
  };

  it("has the DESIGN.md section 2 shape: files with format, error and findings, and a summary", () => {
    expect(Object.keys(out)).toEqual(["files", "summary"]);
    expect(out.summary).toEqual({ errors: 2, warnings: 1, infos: 1 });
    expect(out.files.map((f) => [f.file, f.format, f.error, f.findings.length])).toEqual([
      ["models/ae.onnx", "onnx", null, 2],
      ["unet.json", "keras", null, 2],
      ["bad.onnx", null, { code: "TRUNCATED", message: "truncated varint (at byte 812)", location: { byteOffset: 812 } }, 0],
      ["clean.onnx", "onnx", null, 0],
    ]);
  });

  it("writes every finding field, in a fixed order", () => {
    const f = out.files[0]!.findings[1]!;
    expect(Object.keys(f)).toEqual(["ruleId", "severity", "message", "node", "op", "expected", "actual", "condition", "fix", "messageId", "data", "trail", "related", "location"]);
    expect(f).toEqual({
      ruleId: "decoder-output-mismatch",
      severity: "error",
      message: "decoder returns 32x32 but its encoder took 28x28",
      node: "/dec/dec.0/ConvTranspose",
      op: "ConvTranspose",
      expected: [1, 1, 28, 28],
      actual: [1, 1, 32, 32],
      condition: null,
      fix: [
        { node: "/dec/dec.0/ConvTranspose", attribute: "output_padding", from: [1, 1], to: [0, 0], note: "4 -> 7 -> 14 -> 28" },
        { node: "dec.0", attribute: "output_padding", from: 1, to: 0, framework: "pytorch" },
      ],
      messageId: "m",
      data: { a: "32x32", b: "28x28" },
      trail: DECODER.trail,
      related: DECODER.related,
      location: DECODER.location,
    });
    expect(out.files[0]!.findings[0]!.trail).toBeNull();
  });

  it("is valid JSON ending with a newline, identical for identical input", () => {
    expect(formatJson(RESULTS).endsWith("}\n")).toBe(true);
    expect(formatJson(RESULTS)).toBe(formatJson(JSON.parse(JSON.stringify(RESULTS))));
  });
});
