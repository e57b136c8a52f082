import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import AjvModule from "ajv-draft-04";
import formatsModule from "ajv-formats";
import type { Log } from "sarif";
import { describe, expect, it } from "vitest";
import { artifactLocation, buildSarifLog, formatSarif } from "../../src/reporters/sarif.js";
import { CTX, FILES, RESULTS } from "./fixtures.js";
import { SARIF_SUBSET_SCHEMA } from "./sarif-subset-schema.js";

// Both packages are CommonJS with a `default` export.
type AjvClass = typeof AjvModule extends { default: infer C } ? C : typeof AjvModule;
const Ajv = ((AjvModule as unknown as { default?: AjvClass }).default ?? AjvModule) as unknown as new (opts: object) => {
  compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown };
};
const addFormats = ((formatsModule as unknown as { default?: unknown }).default ?? formatsModule) as (ajv: unknown) => void;

function validator(schema: object) {
  // The SARIF schema's `language` pattern is not valid as a unicode regular expression.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

const log = JSON.parse(formatSarif(RESULTS, CTX)) as Log;
const run = log.runs[0]!;

describe("sarif", () => {
  it("validates against the structural SARIF 2.1.0 schema of the tests", () => {
    const validate = validator(SARIF_SUBSET_SCHEMA);
    const ok = validate(log);
    expect(validate.errors ?? null).toBeNull();
    expect(ok).toBe(true);
  });

  it("the structural schema rejects what SARIF forbids (so the check above is not vacuous)", () => {
    const validate = validator(SARIF_SUBSET_SCHEMA);
    const broken = (edit: (l: Log) => void): boolean => {
      const copy = JSON.parse(JSON.stringify(log)) as Log;
      edit(copy);
      return validate(copy);
    };
    expect(broken(() => {})).toBe(true);
    expect(broken((l) => ((l.runs[0]!.results![0]! as { level: string }).level = "fatal"))).toBe(false);
    expect(broken((l) => (l.runs[0]!.results![1]!.locations![0]!.physicalLocation!.region!.startLine = 0))).toBe(false);
    expect(broken((l) => ((l.runs[0]!.results![0]! as unknown as Record<string, unknown>).rule_id = "x"))).toBe(false);
    expect(broken((l) => delete (l.runs[0]!.invocations![0]! as Partial<{ executionSuccessful: boolean }>).executionSuccessful)).toBe(false);
    expect(broken((l) => ((l as { version: string }).version = "2.0.0"))).toBe(false);
    expect(broken((l) => (l.runs[0]!.tool.driver.rules![0]!.helpUri = "not a uri"))).toBe(false);
  });

  it("validates against the SARIF 2.1.0 (rtm.5) JSON schema of the OASIS TC (shipped in the npm package @microsoft/jest-sarif)", () => {
    // The schema is read from the devDependency rather than copied into this repository.
    const pkg = createRequire(import.meta.url).resolve("@microsoft/jest-sarif/package.json");
    const schema = JSON.parse(readFileSync(join(dirname(pkg), "lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8")) as object;
    const validate = validator(schema);
    const ok = validate(log);
    expect(validate.errors ?? null).toBeNull();
    expect(ok).toBe(true);
    // And it is not vacuous: a bad level fails it too.
    const bad = JSON.parse(JSON.stringify(log)) as { runs: { results: { level: string }[] }[] };
    bad.runs[0]!.results[0]!.level = "fatal";
    expect(validate(bad)).toBe(false);
  });

  const official = process.env.SHAPELINT_SARIF_SCHEMA;
  it.skipIf(!official || !existsSync(official))("validates against the OASIS Standard schema (errata 01) named by SHAPELINT_SARIF_SCHEMA", () => {
    const validate = validator(JSON.parse(readFileSync(official!, "utf8")) as object);
    const ok = validate(log);
    expect(validate.errors ?? null).toBeNull();
    expect(ok).toBe(true);
  });

  it("is the same object as buildSarifLog gives (the typed SARIF Log)", () => {
    expect(log).toEqual(JSON.parse(JSON.stringify(buildSarifLog(RESULTS, CTX))));
    expect(log.version).toBe("2.1.0");
    expect(log.$schema).toBe("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json");
  });

  it("lists every rule in tool.driver.rules with descriptions, help and default level", () => {
    expect(run.tool.driver).toMatchObject({ name: "shapelint", version: "1.2.3", semanticVersion: "1.2.3", informationUri: "https://github.com/shapelint/shapelint" });
    expect(run.tool.driver.rules!.map((r) => [r.id, r.name, r.defaultConfiguration?.level])).toEqual([
      ["declared-shape-mismatch", "DeclaredShapeMismatch", "warning"],
      ["decoder-output-mismatch", "DecoderOutputMismatch", "error"],
      ["merge-shape-mismatch", "MergeShapeMismatch", "error"],
      ["unsupported-op", "UnsupportedOp", "note"],
    ]);
    expect(run.tool.driver.rules![1]).toEqual({
      id: "decoder-output-mismatch",
      name: "DecoderOutputMismatch",
      shortDescription: { text: "A decoder does not give back its encoder's size." },
      fullDescription: { text: "A decoder does not give back its encoder's size." },
      help: {
        text: "A decoder does not give back its encoder's size.\n\nDocumentation: https://github.com/shapelint/shapelint/blob/main/rules/decoder-output-mismatch/README.md",
        markdown: "A decoder does not give back its encoder's size.\n\n[Documentation](https://github.com/shapelint/shapelint/blob/main/rules/decoder-output-mismatch/README.md)",
      },
      helpUri: "https://github.com/shapelint/shapelint/blob/main/rules/decoder-output-mismatch/README.md",
      defaultConfiguration: { level: "error" },
      properties: { tags: ["shapes"] },
    });
  });

  it("uses the README for help when the docs are given", () => {
    const docs = new Map([["unsupported-op", { markdown: "# unsupported-op\n\n## What it checks\n\nOps.", fullDescription: "Ops without shape functions." }]]);
    const rule = buildSarifLog(RESULTS, { ...CTX, docs }).runs[0]!.tool.driver.rules![3]!;
    expect(rule.fullDescription).toEqual({ text: "Ops without shape functions." });
    expect(rule.help!.markdown).toBe("# unsupported-op\n\n## What it checks\n\nOps.");
  });

  it("gives each result its rule index, level, text, locations and a fingerprint", () => {
    expect(run.results!.map((r) => [r.ruleId, r.ruleIndex, r.level])).toEqual([
      ["unsupported-op", 3, "note"],
      ["decoder-output-mismatch", 1, "error"],
      ["declared-shape-mismatch", 0, "warning"],
      ["merge-shape-mismatch", 2, "error"],
    ]);
    const decoder = run.results![1]!;
    expect(decoder.message.text).toBe(
      "decoder returns 32x32 but its encoder took 28x28\nshape trail: 28 -> 14 -> 7 -> 4 | 8 -> 16 -> 32\nencoder: /enc/enc.4/Conv: took in 7x7\nfix: output_padding [1,1] -> [0,0] on /dec/dec.0/ConvTranspose (4 -> 7 -> 14 -> 28)\n  PyTorch: module dec.0, output_padding=0",
    );
    // Binary ONNX: line 1 of the file plus the node as a logical location.
    expect(decoder.locations).toEqual([
      {
        physicalLocation: { artifactLocation: { uri: "models/ae.onnx", uriBaseId: "%SRCROOT%" }, region: { startLine: 1 } },
        logicalLocations: [{ name: "/dec/dec.0/ConvTranspose", fullyQualifiedName: "/dec/dec.0/ConvTranspose", properties: { op: "ConvTranspose" } }],
      },
    ]);
    expect(decoder.relatedLocations).toEqual([
      {
        id: 1,
        message: { text: "encoder: /enc/enc.4/Conv: took in 7x7" },
        physicalLocation: { artifactLocation: { uri: "models/ae.onnx", uriBaseId: "%SRCROOT%" }, region: { startLine: 1 } },
        logicalLocations: [{ name: "/enc/enc.4/Conv", fullyQualifiedName: "/enc/enc.4/Conv" }],
      },
    ]);
    // JSON (Keras): the layer's line and column.
    expect(run.results![3]!.locations![0]!.physicalLocation!.region).toEqual({ startLine: 120, startColumn: 7 });
    expect((run.results![1]!.properties as { finding: { expected: unknown } }).finding.expected).toEqual([1, 1, 28, 28]);
    const prints = run.results!.map((r) => r.partialFingerprints!["shapelintFinding/v1"]);
    expect(prints.every((p) => /^[0-9a-f]{16}$/.test(p!))).toBe(true);
    expect(new Set(prints).size).toBe(prints.length);
    expect(JSON.parse(formatSarif(RESULTS, CTX))).toEqual(log);
  });

  it("reports files that could not be analysed as tool execution notifications", () => {
    expect(run.invocations).toEqual([
      {
        executionSuccessful: false,
        toolExecutionNotifications: [
          {
            level: "error",
            message: { text: "bad.onnx: TRUNCATED: truncated varint (at byte 812)" },
            descriptor: { id: "TRUNCATED" },
            locations: [{ physicalLocation: { artifactLocation: { uri: "bad.onnx", uriBaseId: "%SRCROOT%" }, region: { startLine: 1 } } }],
          },
        ],
      },
    ]);
    const clean = buildSarifLog({ files: [FILES[3]!], summary: { errors: 0, warnings: 0, infos: 0 } }, CTX).runs[0]!;
    expect(clean.invocations).toEqual([{ executionSuccessful: true, toolExecutionNotifications: [] }]);
    expect(clean.results).toEqual([]);
    expect(run.originalUriBaseIds).toEqual({ "%SRCROOT%": { uri: "file:///repo/" } });
  });

  it("writes repository-relative URIs, percent-encoded, and file URIs outside the working folder", () => {
    expect(artifactLocation("models/a b#1.onnx", "/repo")).toEqual({ uri: "models/a%20b%231.onnx", uriBaseId: "%SRCROOT%" });
    expect(artifactLocation("./m.onnx", "/repo")).toEqual({ uri: "m.onnx", uriBaseId: "%SRCROOT%" });
    expect(artifactLocation("/repo/sub/m.onnx", "/repo")).toEqual({ uri: "sub/m.onnx", uriBaseId: "%SRCROOT%" });
    expect(artifactLocation("/elsewhere/m.onnx", "/repo")).toEqual({ uri: "file:///elsewhere/m.onnx" });
    expect(artifactLocation("C:\\models\\m.onnx", "D:\\repo")).toEqual({ uri: "file:///C:/models/m.onnx" });
  });
});
