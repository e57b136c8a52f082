import { describe, expect, expectTypeOf, it } from "vitest";
import { defineRule, fillTemplate, placeholdersOf, ruleDocsUrl, type MessageData, type Placeholders } from "../../src/lint/define-rule.js";
import { RuleError, lint } from "../../src/lint/run-rules.js";
import { sym } from "../../src/ir/dim.js";
import { propagate } from "../../src/shapes/propagate.js";
import { buildModel } from "./build-model.js";

const model = buildModel({
  inputs: [["x", [1, 4, "H", 8]]],
  outputs: [["z", null]],
  producer: "pytorch",
  nodes: [
    { op: "Relu", name: "a", inputs: ["x"], outputs: ["y"] },
    { op: "Relu", name: "b", inputs: ["y"], outputs: ["z"] },
  ],
});
const shapes = propagate(model);

/** Reports every node, in reverse file order, with a symbolic shape. */
const everyNode = defineRule({
  meta: {
    id: "every-node",
    defaultSeverity: "warning",
    description: "Test rule.",
    messages: { seen: "saw {{op}} '{{name}}'", plain: "no placeholders" },
  },
  check(ctx) {
    for (const n of [...ctx.model.graph.nodes].reverse()) {
      ctx.report({
        node: n,
        messageId: "seen",
        data: { op: n.opType, name: n.name },
        actual: ctx.shapes.values.get(n.outputs[0]!)!.shape,
        expected: [1, 4, sym("H"), null],
        fix: [{ node: n.name, attribute: "size", from: sym("H"), to: 8, framework: "pytorch" }],
        related: [{ node: "x", role: "input", message: "graph input" }],
      });
    }
    ctx.report({ node: "z", op: "output", messageId: "plain", data: {} });
  },
});

describe("defineRule", () => {
  it("fills in the docs URL", () => {
    expect(everyNode.meta.docsUrl).toBe(ruleDocsUrl("every-node"));
    expect(ruleDocsUrl("every-node")).toBe("https://github.com/shapelint/shapelint/blob/main/rules/every-node/README.md");
  });

  it("types placeholders from the template", () => {
    expectTypeOf<Placeholders<"{{a}} and {{b}} and {{a}}">>().toEqualTypeOf<"a" | "b">();
    expectTypeOf<MessageData<"x {{n}}">>().toEqualTypeOf<Readonly<Record<"n", string | number>>>();
    expectTypeOf<MessageData<"no placeholders">>().toEqualTypeOf<Readonly<Record<string, never>>>();
  });

  it("reads and fills placeholders at run time, refusing missing values", () => {
    expect(placeholdersOf("{{a}} {{b}} {{a}}")).toEqual(["a", "b"]);
    expect(fillTemplate("{{a}}-{{b}}", { a: 1, b: "x" })).toBe("1-x");
    expect(() => fillTemplate("{{a}}-{{b}}", { a: 1 })).toThrow("message placeholder {{b}} has no value");
  });
});

describe("lint (the rule runner)", () => {
  it("turns reports into JSON findings, sorted by node order in the file", () => {
    const findings = lint(model, shapes, { rules: [everyNode] });
    expect(findings.map((f) => [f.node, f.message])).toEqual([
      ["a", "saw Relu 'a'"],
      ["b", "saw Relu 'b'"],
      ["z", "no placeholders"],
    ]);
    expect(findings[0]).toEqual({
      ruleId: "every-node",
      severity: "warning",
      messageId: "seen",
      data: { op: "Relu", name: "a" },
      message: "saw Relu 'a'",
      node: "a",
      op: "Relu",
      expected: [1, 4, "H", null],
      actual: [1, 4, "H", 8],
      condition: null,
      fix: [{ node: "a", attribute: "size", from: "H", to: 8, framework: "pytorch" }],
      related: [{ node: "x", role: "input", message: "graph input" }],
      location: { file: "model.onnx", nodeIndex: 0, nodeName: "a" },
    });
    expect(findings[2]).toMatchObject({ node: "z", op: "output", location: { nodeName: "z" } });
    expect(JSON.parse(JSON.stringify(findings))).toEqual(findings);
  });

  it("applies severities and skips rules that are off", () => {
    expect(lint(model, shapes, { rules: [everyNode], severities: { "every-node": "error" } }).map((f) => f.severity)).toEqual(["error", "error", "error"]);
    expect(lint(model, shapes, { rules: [everyNode], severities: new Map([["every-node", "off"]]) })).toEqual([]);
  });

  it("gives rules the expected outputs (names as symbols) and the producing framework", () => {
    let seen: unknown;
    const probe = defineRule({
      meta: { id: "probe", defaultSeverity: "info", description: "Probe.", messages: { m: "m" } },
      check(ctx) {
        seen = [ctx.framework, [...ctx.expectOutput].map(([k, s]) => [k, s.map(String)])];
      },
    });
    lint(model, shapes, { rules: [probe], expectOutput: new Map([["", [1, 4, "H", 8]]]) });
    expect(seen).toEqual(["pytorch", [["", ["1", "4", "H", "8"]]]]);
  });

  it("names the rule that throws", () => {
    const broken = defineRule({
      meta: { id: "broken", defaultSeverity: "error", description: "Broken.", messages: { m: "m" } },
      check() {
        throw new Error("boom");
      },
    });
    expect(() => lint(model, shapes, { rules: [broken] })).toThrow(RuleError);
    expect(() => lint(model, shapes, { rules: [broken] })).toThrow("rule 'broken' failed: boom");
  });
});
