/**
 * SARIF 2.1.0 for GitHub code scanning and other SARIF viewers (ecosystem.md 3.4): one run,
 * `tool.driver.rules` built from rule metadata (every rule, so `ruleIndex` is stable), results
 * with repo-relative artifact URIs, a line/column region for JSON files, logical locations
 * (node name and op) for every finding, and partial fingerprints. Files that could not be
 * analysed become tool execution notifications.
 */
import type { Log, Location, LogicalLocation, Notification, ReportingDescriptor, Result } from "sarif";
import type { Finding, Severity } from "../lint/finding.js";
import { findingToJson } from "./json.js";
import { plainText } from "./text-parts.js";
import type { FileResult, LintResults, ReporterContext } from "./types.js";

/** `$schema` of the logs we write (the OASIS 2.1.0 errata 01 schema). */
export const SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/** Where shapelint lives, for `tool.driver.informationUri`. */
export const INFORMATION_URI = "https://github.com/shapelint/shapelint";

function level(s: Severity): Result.level {
  return s === "error" ? "error" : s === "warning" ? "warning" : "note";
}

/** `merge-shape-mismatch` -> `MergeShapeMismatch` (SARIF wants a name that differs from the id). */
function pascal(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
}

/** 64-bit FNV-1a, hex: a stable fingerprint without pulling in `node:crypto`. */
function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  const bytes = new TextEncoder().encode(text);
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

function isAbsolute(p: string): boolean {
  return p.startsWith("/") || /^[A-Za-z]:\//.test(p);
}

function encodePath(p: string): string {
  return p
    .split("/")
    .map((seg) => (/^[A-Za-z]:$/.test(seg) ? seg : encodeURIComponent(seg)))
    .join("/");
}

/**
 * The artifact location of a file: relative to `cwd` (with `uriBaseId: %SRCROOT%`) when it is
 * inside it, else an absolute `file://` URI.
 */
export function artifactLocation(file: string, cwd: string): { uri: string; uriBaseId?: string } {
  const p = file.replace(/\\/g, "/");
  const base = cwd.replace(/\\/g, "/").replace(/\/+$/, "");
  if (!isAbsolute(p)) return { uri: encodePath(p.replace(/^(\.\/)+/, "")), uriBaseId: "%SRCROOT%" };
  if (p.startsWith(`${base}/`)) return { uri: encodePath(p.slice(base.length + 1)), uriBaseId: "%SRCROOT%" };
  return { uri: `file://${p.startsWith("/") ? "" : "/"}${encodePath(p)}` };
}

function driverRule(rule: ReporterContext["rules"][number], ctx: ReporterContext): ReportingDescriptor {
  const doc = ctx.docs?.get(rule.meta.id);
  const url = rule.meta.docsUrl;
  return {
    id: rule.meta.id,
    name: pascal(rule.meta.id),
    shortDescription: { text: rule.meta.description },
    fullDescription: { text: doc?.fullDescription || rule.meta.description },
    help: {
      text: `${doc?.fullDescription || rule.meta.description}\n\nDocumentation: ${url}`,
      markdown: doc?.markdown ?? `${rule.meta.description}\n\n[Documentation](${url})`,
    },
    helpUri: url,
    defaultConfiguration: { level: level(rule.meta.defaultSeverity) },
    properties: { tags: ["shapes"] },
  };
}

function physical(file: FileResult, ctx: ReporterContext, f?: Finding["location"]): Location["physicalLocation"] {
  // GitHub anchors an alert on a line; a binary file (ONNX, .keras zip, .h5) has none, so its
  // findings point at line 1 and name the node in the logical location.
  const line = f?.line;
  const region = line !== undefined ? { startLine: line, ...(f?.column !== undefined ? { startColumn: f.column } : {}) } : { startLine: 1 };
  return { artifactLocation: artifactLocation(file.file, ctx.cwd), region };
}

function logical(node: string, op: string, scope: readonly string[] | undefined): LogicalLocation[] {
  if (!node) return [];
  const fqn = [...(scope ?? []), node].join("/");
  return [{ name: node, fullyQualifiedName: fqn, ...(op ? { properties: { op } } : {}) }];
}

/** Build the SARIF log object. */
export function buildSarifLog(results: LintResults, ctx: ReporterContext): Log {
  const ruleIndex = new Map<string, number>();
  ctx.rules.forEach((r, i) => ruleIndex.set(r.meta.id, i));
  const out: Result[] = [];
  const notifications: Notification[] = [];
  for (const file of results.files) {
    if (file.error) {
      notifications.push({
        level: "error",
        message: { text: `${file.file}: ${file.error.code}: ${file.error.message}` },
        descriptor: { id: file.error.code },
        locations: [{ physicalLocation: physical(file, ctx, file.error.location) }],
      });
    }
    const seen = new Map<string, number>();
    for (const f of file.findings) {
      const uri = artifactLocation(file.file, ctx.cwd).uri;
      const key = `${f.ruleId}\u0000${uri}\u0000${f.node}\u0000${f.messageId}`;
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      const result: Result = {
        ruleId: f.ruleId,
        level: level(f.severity),
        message: { text: plainText(f, file.format) },
        locations: [{ physicalLocation: physical(file, ctx, f.location), logicalLocations: logical(f.node, f.op, f.location.scope) }],
        partialFingerprints: { "shapelintFinding/v1": fnv1a64(`${key}\u0000${n}`) },
        properties: { finding: findingToJson(f) },
      };
      const idx = ruleIndex.get(f.ruleId);
      if (idx !== undefined) result.ruleIndex = idx;
      if (f.related.length > 0) {
        result.relatedLocations = f.related.map((r, k) => ({
          id: k + 1,
          message: { text: `${r.role}: ${r.node}: ${r.message}` },
          physicalLocation: physical(file, ctx, r.location),
          logicalLocations: logical(r.node, "", r.location?.scope),
        }));
      }
      out.push(result);
    }
  }
  const root = ctx.cwd.replace(/\\/g, "/").replace(/\/+$/, "");
  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "shapelint",
            ...(ctx.version ? { version: ctx.version, semanticVersion: ctx.version } : {}),
            informationUri: INFORMATION_URI,
            rules: ctx.rules.map((r) => driverRule(r, ctx)),
          },
        },
        originalUriBaseIds: { "%SRCROOT%": { uri: `file://${root.startsWith("/") ? "" : "/"}${encodePath(root)}/` } },
        invocations: [{ executionSuccessful: notifications.length === 0, toolExecutionNotifications: notifications }],
        columnKind: "utf16CodeUnits",
        results: out,
      },
    ],
  };
}

/** Render results as a SARIF 2.1.0 log (ends with a newline). */
export function formatSarif(results: LintResults, ctx: ReporterContext): string {
  return `${JSON.stringify(buildSarifLog(results, ctx), null, 2)}\n`;
}
