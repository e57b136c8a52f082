/** Run the CLI in-process with captured output. */
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { main } from "../../src/cli/main.js";

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, "../..");

/** What a run printed and returned. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link cli}. */
export interface CliOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  readonly isTTY?: boolean;
}

/** Run `shapelint <argv>` in-process (cwd: the repository root unless given). */
export async function cli(argv: readonly string[], options: CliOptions = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await main({
    argv,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: options.cwd ?? ROOT,
    env: options.env ?? {},
    isTTY: options.isTTY ?? false,
  });
  return { code, stdout, stderr };
}

/** A fresh temporary folder with the given files (text or bytes). */
export function tempTree(files: Readonly<Record<string, string | Uint8Array>>): string {
  const dir = mkdtempSync(join(tmpdir(), "shapelint-cli-"));
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return dir;
}
