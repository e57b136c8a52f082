/** The I/O a command gets, injected so that tests run the CLI in-process. */

/** Something text can be written to (a stream, or a test buffer). */
export interface Writer {
  write(chunk: string): unknown;
}

/** What `main()` and every subcommand receive. */
export interface CliIO {
  /** Arguments after the program name. */
  readonly argv: readonly string[];
  /** Results go here (and nothing else). */
  readonly stdout: Writer;
  /** Errors, warnings and progress go here. */
  readonly stderr: Writer;
  /** Folder relative paths are resolved against. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (colour is used only then). */
  readonly isTTY: boolean;
}

/** Exit codes: 0 clean, 1 problems found, 2 could not analyse or bad usage. */
export type ExitCode = 0 | 1 | 2;

/**
 * A subcommand: gets the I/O with `argv` after its name, resolves to the exit code. This is
 * the contract of `src/cli/verify-command.ts`, which must export `verifyCommand: Subcommand`.
 */
export type Subcommand = (io: CliIO) => Promise<ExitCode>;

/** A usage problem (unknown option, bad value): reported on stderr with exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Colour allowed by the environment: `NO_COLOR` (any non-empty value) turns it off. */
export function colorAllowed(io: CliIO, noColorFlag: boolean): boolean {
  const noColor = io.env.NO_COLOR;
  return io.isTTY && !noColorFlag && (noColor === undefined || noColor === "");
}
