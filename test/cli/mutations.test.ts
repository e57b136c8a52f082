/**
 * Damaged models through the whole pipeline (load, propagate, every rule): each of a few hundred
 * seeded mutations of the examples must give a result or a coded load error, never an internal
 * error, an exception or a hang.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lint } from "../../src/index.js";
import { ROOT } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "shapelint-mutations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sources = readdirSync(join(ROOT, "examples"))
  .filter((f) => /\.(onnx|json)$/.test(f) && f !== "shapelint.config.json")
  .map((f) => join(ROOT, "examples", f));

describe("mutated models", () => {
  it("300 seeded byte mutations and truncations: no internal error", async () => {
    let seed = 20261121;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const outcomes = new Map<string, number>();
    const internal: string[] = [];
    for (let i = 0; i < 300; i++) {
      const src = sources[rnd(sources.length)]!;
      const bytes = Buffer.from(readFileSync(src));
      const kind = rnd(3);
      if (kind === 0) bytes[rnd(bytes.length)] = rnd(256);
      else if (kind === 1) for (let k = 0; k < 8; k++) bytes[rnd(bytes.length)] = rnd(256);
      const data = kind === 2 ? bytes.subarray(0, rnd(bytes.length)) : bytes;
      const path = join(dir, `m${i}${src.endsWith(".json") ? ".json" : ".onnx"}`);
      writeFileSync(path, data);
      const r = await lint(path, {});
      const key = r.error ? r.error.code : "ok";
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      if (r.error?.code === "INTERNAL_ERROR") internal.push(`${src} (mutation ${i}): ${r.error.message}`);
    }
    expect(internal).toEqual([]);
    // Both paths are exercised: some mutations still load, others are rejected with a code.
    expect(outcomes.get("ok") ?? 0).toBeGreaterThan(0);
    expect([...outcomes.keys()].filter((k) => k !== "ok").length).toBeGreaterThan(0);
  });
});
