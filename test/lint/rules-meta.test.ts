/**
 * Every rule folder is complete and registered (after ESLint's checkRuleFiles and
 * typescript-eslint's docs.test): `rules/<id>/` has `rule.ts`, `README.md` and `rule.test.ts`;
 * `meta.id` is the folder name; `rules/index.ts` lists every folder, sorted; the README is titled
 * with the id and has the required sections in order; message templates are well formed, and
 * every finding the rules give on the examples fills its template's placeholders exactly.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { RULES, RULES_BY_ID } from "../../rules/index.js";
import { fillTemplate, placeholdersOf } from "../../src/lint/define-rule.js";
import { README_SECTIONS, parseReadme } from "../../src/lint/rule-docs.js";
import { lint } from "../../src/lint/run-rules.js";
import { loadModelFile } from "../../src/loaders/index.js";
import { propagate } from "../../src/shapes/propagate.js";

const ROOT = resolve(import.meta.dirname, "../..");
const RULES_DIR = join(ROOT, "rules");
const folders = readdirSync(RULES_DIR)
  .filter((name) => statSync(join(RULES_DIR, name)).isDirectory())
  .sort();

describe("rule folders", () => {
  it("there are rule folders", () => {
    expect(folders.length).toBeGreaterThan(0);
  });

  it.each(folders)("%s has rule.ts, README.md and rule.test.ts", (id) => {
    const missing = ["rule.ts", "README.md", "rule.test.ts"].filter((f) => !existsSync(join(RULES_DIR, id, f)));
    expect(missing).toEqual([]);
  });

  it.each(folders)("%s/rule.ts default-exports the rule with meta.id equal to the folder name", async (id) => {
    const mod = (await import(join(RULES_DIR, id, "rule.ts"))) as { default?: { meta?: { id?: string } } };
    expect(mod.default?.meta?.id).toBe(id);
  });

  it.each(folders)("%s/README.md is titled with the id and has the required sections in order", (id) => {
    const path = join(RULES_DIR, id, "README.md");
    expect(existsSync(path)).toBe(true);
    const readme = parseReadme(readFileSync(path, "utf8"));
    expect(readme.title).toBe(id);
    expect(readme.sections.map((s) => s.heading)).toEqual([...README_SECTIONS]);
    for (const s of readme.sections) expect(s.body, `section "${s.heading}" of ${id} is empty`).not.toBe("");
  });
});

describe("rules/index.ts", () => {
  it("lists exactly the rule folders", () => {
    expect(RULES.map((r) => r.meta.id).sort()).toEqual(folders);
  });

  it("is sorted by id, without duplicates", () => {
    const ids = RULES.map((r) => r.meta.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(RULES_BY_ID.size).toBe(ids.length);
  });
});

describe("rule metadata", () => {
  it.each(RULES.map((r) => [r.meta.id, r] as const))("%s has well-formed metadata", (id, rule) => {
    expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
    expect(["error", "warning", "info"]).toContain(rule.meta.defaultSeverity);
    expect(rule.meta.description).toMatch(/^[A-Z].*\.$/);
    expect(rule.meta.docsUrl).toMatch(/^https:\/\//);
    expect(rule.meta.docsUrl).toContain(id);
    const ids = Object.keys(rule.meta.messages);
    expect(ids.length).toBeGreaterThan(0);
    for (const [messageId, template] of Object.entries(rule.meta.messages)) {
      expect(messageId).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
      // Every `{{` opens a placeholder whose name is an identifier.
      const opened = template.split("{{").length - 1;
      const names = placeholdersOf(template);
      expect(opened, `${id}.${messageId}: malformed placeholder`).toBe([...template.matchAll(/\{\{[A-Za-z][A-Za-z0-9]*\}\}/g)].length);
      for (const n of names) expect(n).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
    }
  });
});

/** Every example model, and a few bindings that make the examples fail concretely. */
const SAMPLES: { file: string; inputShapes?: ReadonlyMap<string, readonly (number | string | null)[]>; expectOutput?: ReadonlyMap<string, readonly (number | string | null)[]> }[] = [
  ...readdirSync(join(ROOT, "examples"))
    .filter((f) => /\.(onnx|json)$/.test(f) && f !== "shapelint.config.json")
    .sort()
    .map((f) => ({ file: `examples/${f}` })),
  { file: "examples/unet-odd.onnx", inputShapes: new Map([["x", [1, 1, 33, 33]]]) },
  { file: "examples/dyn8.onnx", inputShapes: new Map([["x", [1, 1, 28, 28]]]) },
  { file: "examples/vae-decoder.onnx", expectOutput: new Map([["", [1, 1, 28, 28]]]) },
];

/** A text of everything a rule could change, Maps and Sets included. */
function digest(...values: unknown[]): string {
  return JSON.stringify(values, (_, v: unknown) => (v instanceof Map ? [...v.entries()] : v instanceof Set ? [...v] : v));
}

describe("reported findings fill their templates, and rules change nothing", () => {
  it.each(SAMPLES.map((s) => [`${s.file}${s.inputShapes ? " (bound)" : ""}${s.expectOutput ? " (expected output)" : ""}`, s] as const))("%s", async (_, s) => {
    const model = await loadModelFile(join(ROOT, s.file));
    const shapes = propagate(model, s.inputShapes ? { inputShapes: s.inputShapes } : {});
    const before = digest(model, shapes);
    const findings = lint(model, shapes, { rules: RULES, ...(s.expectOutput ? { expectOutput: s.expectOutput } : {}) });
    // Rules read; they never change the model or what propagation recorded (ESLint: "Rule should not modify AST").
    expect(digest(model, shapes)).toBe(before);
    for (const f of findings) {
      const template = RULES_BY_ID.get(f.ruleId)!.meta.messages[f.messageId];
      expect(template, `${f.ruleId}: unknown messageId ${f.messageId}`).toBeDefined();
      expect(Object.keys(f.data).sort(), `${f.ruleId}.${f.messageId}: data keys`).toEqual(placeholdersOf(template!).sort());
      expect(f.message).toBe(fillTemplate(template!, f.data));
      expect(f.message).not.toContain("{{");
    }
  });
});
