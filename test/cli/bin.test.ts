/**
 * The built executable, spawned as a user runs it. `npm test` builds first (`pretest`); when
 * run alone, this test builds `dist/` itself.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";

const BIN = join(ROOT, "dist/src/cli/bin.js");

beforeAll(() => {
  if (!existsSync(BIN)) {
    try {
      execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore" });
    } catch {
      // tsc exits non-zero on type errors elsewhere but still emits; the existence check below decides.
    }
  }
}, 120_000);

function run(args: readonly string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", env: { PATH: process.env.PATH ?? "", ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("dist/src/cli/bin.js", () => {
  it("is executable, so that npx shapelint can run it", () => {
    expect(statSync(BIN).mode & 0o111).toBe(0o111);
  });

  it("exists and starts with a node shebang", () => {
    expect(existsSync(BIN)).toBe(true);
    expect(execFileSync("head", ["-c", "19", BIN], { encoding: "utf8" })).toBe("#!/usr/bin/env node");
  });

  it("lints the examples folder: errors found, exit 1, results on stdout only", () => {
    const r = run(["examples/", "--format", "json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout) as { files: { file: string; error: unknown }[]; summary: { errors: number } };
    expect(report.files.length).toBe(11);
    expect(report.files.every((f) => f.error === null)).toBe(true);
    expect(report.summary.errors).toBeGreaterThan(0);
  });

  it("exits 0 on a clean model and 2 on a missing one", () => {
    expect(run(["examples/mnist-autoencoder-fixed.onnx"]).code).toBe(0);
    const missing = run(["nothere.onnx"]);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain("could not analyse: no such file or directory");
  });

  it("colours nothing when piped", () => {
    expect(run(["examples/unet-odd.onnx", "--input-shape", "x=1,1,33,33"]).stdout).not.toMatch(/\u001b\[/);
  });
});
