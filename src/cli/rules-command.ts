/**
 * `shapelint rules [id]`: the rules with their default severity, description and docs link; with
 * an id, that rule's README. `--format json` gives the metadata (and README) as JSON.
 */
import { parseArgs } from "node:util";
import picocolors from "picocolors";
import { RULES, RULES_BY_ID } from "../../rules/index.js";
import { type CliIO, type ExitCode, UsageError, colorAllowed } from "./io.js";
import { loadRuleDocs } from "./package-info.js";

const OPTIONS = {
  format: { type: "string", short: "f" },
  "no-color": { type: "boolean" },
} as const;

/** Run `shapelint rules` (argv without the `rules` word). */
export async function rulesCommand(io: CliIO): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: [...io.argv], options: OPTIONS, allowPositionals: true, strict: true });
  const format = values.format ?? "text";
  if (format !== "text" && format !== "json") throw new UsageError(`--format '${format}': want text or json`);
  if (positionals.length > 1) throw new UsageError("usage: shapelint rules [rule-id] [--format text|json]");
  const id = positionals[0];
  if (id !== undefined && !RULES_BY_ID.has(id)) {
    io.stderr.write(`shapelint: unknown rule '${id}'; known rules: ${RULES.map((r) => r.meta.id).join(", ")}\n`);
    return 2;
  }
  const rules = id === undefined ? RULES : [RULES_BY_ID.get(id)!];
  const docs = loadRuleDocs(rules.map((r) => r.meta.id));
  if (format === "json") {
    const list = rules.map((r) => ({
      id: r.meta.id,
      defaultSeverity: r.meta.defaultSeverity,
      description: r.meta.description,
      docsUrl: r.meta.docsUrl,
      messages: r.meta.messages,
      readme: docs.get(r.meta.id)?.markdown ?? null,
    }));
    io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  if (id !== undefined) {
    const rule = rules[0]!;
    io.stdout.write(docs.get(rule.meta.id)?.markdown ?? `# ${rule.meta.id}\n\n${rule.meta.description}\n\n${rule.meta.docsUrl}\n`);
    return 0;
  }
  const c = picocolors.createColors(colorAllowed(io, values["no-color"] === true));
  const idWidth = Math.max(0, ...rules.map((r) => r.meta.id.length));
  const lines: string[] = [];
  for (const r of rules) {
    const sev = r.meta.defaultSeverity;
    const sevText = (sev === "error" ? c.red : sev === "warning" ? c.yellow : c.blue)(sev.padEnd(7));
    lines.push(`${c.bold(r.meta.id.padEnd(idWidth))}  ${sevText}  ${r.meta.description}`);
    lines.push(`${" ".repeat(idWidth + 11)}${c.dim(r.meta.docsUrl)}`);
  }
  lines.push("", `${rules.length} rules; 'shapelint rules <id>' shows one rule's documentation.`);
  io.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}
