/**
 * Every ```shapelint block in a rule's README runs as a test: the command line is run with the
 * README's rule, and the findings must be exactly the lines that follow it
 * (`<severity> <rule-id> <node>: <message>`; no lines = no findings).
 */
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RULES_BY_ID } from "../rules/index.js";
import { ROOT, runRules } from "./helpers/run-rule.js";

interface Example {
  readonly command: string;
  readonly expected: string[];
}

function examples(readme: string): Example[] {
  const out: Example[] = [];
  for (const m of readme.matchAll(/```shapelint\n([\s\S]*?)```/g)) {
    const lines = m[1]!.split("\n").filter((l) => l.trim() !== "");
    const cmd = lines[0] ?? "";
    out.push({ command: cmd.replace(/^\$ /, ""), expected: lines.slice(1) });
  }
  return out;
}

function parseCommand(cmd: string): { file: string; inputShape?: Record<string, (number | string | null)[]>; expectOutput?: Record<string, (number | string | null)[]> } {
  const words = cmd.split(/\s+/).slice(1);
  const dims = (s: string) => s.split(",").map((d) => (d === "?" ? null : /^-?\d+$/.test(d) ? Number(d) : d));
  const named = (s: string): [string, (number | string | null)[]] => {
    const eq = s.indexOf("=");
    return eq > 0 ? [s.slice(0, eq), dims(s.slice(eq + 1))] : ["", dims(s)];
  };
  let file = "";
  const inputShape: Record<string, (number | string | null)[]> = {};
  const expectOutput: Record<string, (number | string | null)[]> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--input-shape") {
      const [k, v] = named(words[++i]!);
      inputShape[k] = v;
    } else if (w === "--expect-output") {
      const [k, v] = named(words[++i]!);
      expectOutput[k] = v;
    } else file = w;
  }
  return { file, inputShape, expectOutput };
}

const ruleDirs = readdirSync(join(ROOT, "rules"), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

describe("rule README examples", () => {
  for (const id of ruleDirs) {
    const readmePath = join(ROOT, "rules", id, "README.md");
    if (!existsSync(readmePath)) continue;
    const list = examples(readFileSync(readmePath, "utf8"));
    list.forEach((ex, k) => {
      it(`${id} example ${k + 1}: ${ex.command}`, async () => {
        const rule = RULES_BY_ID.get(id);
        expect(rule, `rule ${id} is registered`).toBeDefined();
        const { file, inputShape, expectOutput } = parseCommand(ex.command);
        const findings = await runRules(file, [rule!], { ...(inputShape ? { inputShape } : {}), ...(expectOutput ? { expectOutput } : {}) });
        expect(findings.map((f) => `${f.severity} ${f.ruleId} ${f.node}: ${f.message}`)).toEqual(ex.expected);
      });
    });
  }
});
