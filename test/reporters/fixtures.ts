/** Results shared by the reporter tests: findings of every kind, a load error and a clean file. */
import type { Finding } from "../../src/lint/finding.js";
import { defineRule, type AnyRule } from "../../src/lint/define-rule.js";
import { summarize, type FileResult, type LintResults, type ReporterContext } from "../../src/reporters/index.js";

export const CWD = "/repo";

const decoder = defineRule({
  meta: { id: "decoder-output-mismatch", defaultSeverity: "error", description: "A decoder does not give back its encoder's size.", messages: { m: "decoder returns {{a}} but its encoder took {{b}}" } },
  check() {},
});
const merge = defineRule({
  meta: { id: "merge-shape-mismatch", defaultSeverity: "error", description: "Merge inputs disagree.", messages: { m: "x" } },
  check() {},
});
const declared = defineRule({
  meta: { id: "declared-shape-mismatch", defaultSeverity: "warning", description: "Declared shape is wrong.", messages: { m: "x" } },
  check() {},
});
const unsupported = defineRule({
  meta: { id: "unsupported-op", defaultSeverity: "info", description: "Unknown op.", messages: { m: "x" } },
  check() {},
});

export const RULES: readonly AnyRule[] = [declared, decoder, merge, unsupported];

export const DECODER: Finding = {
  ruleId: "decoder-output-mismatch",
  severity: "error",
  messageId: "m",
  data: { a: "32x32", b: "28x28" },
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
  related: [{ node: "/enc/enc.4/Conv", role: "encoder", message: "took in 7x7", location: { file: "models/ae.onnx", nodeIndex: 4, nodeName: "/enc/enc.4/Conv" } }],
  location: { file: "models/ae.onnx", nodeIndex: 9, nodeName: "/dec/dec.0/ConvTranspose" },
  trail: "28 -> 14 -> 7 -> 4 | 8 -> 16 -> 32",
};

export const MERGE: Finding = {
  ruleId: "merge-shape-mismatch",
  severity: "error",
  messageId: "m",
  data: {},
  message: "inputs must match: 'a' is [1, 8, H, W] and 'b' is [1, 8, 2*floor(H/2), W]",
  node: "skip, 1",
  op: "Concatenate",
  expected: [null, "H", "W", 8],
  actual: [null, "2*floor(H/2)", "W", 8],
  condition: "H % 2 != 0",
  fix: [{ node: "up1", attribute: "output_padding", from: null, to: [1, 0], note: "100% of odd sizes" }],
  related: [],
  location: { file: "unet.json", nodeName: "skip, 1", pointer: "/config/layers/7", line: 120, column: 7 },
};

export const DECLARED: Finding = {
  ruleId: "declared-shape-mismatch",
  severity: "warning",
  messageId: "m",
  data: {},
  message: "'y' is declared [1, 1, H, W]\nbut computed otherwise",
  node: "up1",
  op: "Conv2DTranspose",
  expected: [1, 1, "H", "W"],
  actual: [1, 1, "3*ceil(H/3) - 1", "W"],
  condition: "H % 3 != 2",
  fix: [],
  related: [],
  location: { file: "unet.json", nodeName: "up1", line: 80, column: 7 },
};

export const UNSUPPORTED: Finding = {
  ruleId: "unsupported-op",
  severity: "info",
  messageId: "m",
  data: {},
  message: "MyOp has no shape function",
  node: "custom",
  op: "MyOp",
  expected: null,
  actual: null,
  condition: null,
  fix: [],
  related: [],
  location: { file: "models/ae.onnx", nodeIndex: 2, nodeName: "custom" },
};

export const FILES: FileResult[] = [
  { file: "models/ae.onnx", format: "onnx", error: null, findings: [UNSUPPORTED, DECODER] },
  { file: "unet.json", format: "keras", error: null, findings: [DECLARED, MERGE] },
  { file: "bad.onnx", format: null, error: { code: "TRUNCATED", message: "truncated varint (at byte 812)", location: { byteOffset: 812 } }, findings: [] },
  { file: "clean.onnx", format: "onnx", error: null, findings: [] },
];

export const RESULTS: LintResults = { files: FILES, summary: summarize(FILES) };

export const CTX: ReporterContext = { rules: RULES, cwd: CWD, version: "1.2.3" };
