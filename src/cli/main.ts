/**
 * The command line, as a function of its I/O (markdownlint-cli2's pattern), so tests run it
 * in-process: `main({argv, stdout, stderr, cwd, env, isTTY})` resolves to the exit code.
 *
 * Exit codes: 0 no errors (and warnings within `--max-warnings`); 1 errors found, or too many
 * warnings; 2 a file could not be analysed, bad arguments, a broken config, or an internal error.
 * Results go to stdout, everything else to stderr. A `LoadError` is one line with its code and
 * location, never a stack trace; any other exception is an "internal error" (stack only with
 * `SHAPELINT_DEBUG=1`).
 */
import { ConfigError } from "../lint/config.js";
import { LoadError } from "../loaders/load-error.js";
import { type CliIO, type ExitCode, type Subcommand, UsageError, type Writer } from "./io.js";
import { lintCommand } from "./lint-command.js";
import { packageVersion } from "./package-info.js";
import { rulesCommand } from "./rules-command.js";
import { shapesCommand } from "./shapes-command.js";

export type { CliIO, ExitCode, Subcommand, Writer } from "./io.js";

/** Options of {@link main}; everything but `argv`, `stdout` and `stderr` has a default. */
export interface MainOptions {
  readonly argv: readonly string[];
  readonly stdout: Writer;
  readonly stderr: Writer;
  /** Default: `process.cwd()`. */
  readonly cwd?: string;
  /** Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal. Default: `false`. */
  readonly isTTY?: boolean;
}

/** The help text. */
export const USAGE = `shapelint: static shape linter for neural-network model graphs (ONNX, Keras)

Usage:
  shapelint [lint] <files|dirs|globs...> [options]   lint model files
  shapelint shapes <file> [--input-shape ...] [--format table|json]
                                                     every value's shape, with formulas
  shapelint rules [rule-id] [--format text|json]     the rules and their documentation
  shapelint verify <file> ...                        run the model on the CPU kernel

Lint options:
  --input-shape [name=]d0,d1,...   bind an input's dims (integers or names; '?' keeps the file's);
                                   repeatable; without a name, the first input
  --expect-output [name=]d0,...    the shape an output must have (repeatable)
  -f, --format <name>              stylish (default), json, sarif, github
  -o, --output-file <path>         write the report to a file
  --max-warnings <n>               exit 1 when there are more than n warnings
  --quiet                          report errors only
  --rule <id>=<severity>           off, info, warning or error (repeatable)
  -c, --config <path>              use this config instead of looking up shapelint.config.json
  --no-color, --color              turn colour off or on (default: on for a terminal without NO_COLOR)
  --skip-non-models                skip named files that are not models (e.g. package.json from a
                                   pre-commit hook), as in folders
  -h, --help, -v, --version

Exit codes: 0 no errors; 1 errors found (or more warnings than --max-warnings);
            2 a file could not be analysed, bad arguments, or an internal error.
`;

const SUBCOMMANDS = new Set(["lint", "shapes", "rules", "verify"]);

/** `shapelint verify`: `verifyCommand` of `./verify-command.js` (written with the CPU kernel), when present. */
async function verify(io: CliIO): Promise<ExitCode> {
  let mod: { verifyCommand?: Subcommand };
  // A variable specifier keeps the compiler from requiring the module to exist yet.
  const specifier = "./verify-command.js";
  try {
    mod = (await import(specifier)) as { verifyCommand?: Subcommand };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && String((e as Error).message).includes("verify-command")) {
      io.stderr.write("shapelint: 'verify' is not available in this build\n");
      return 2;
    }
    throw e;
  }
  if (typeof mod.verifyCommand !== "function") {
    io.stderr.write("shapelint: 'verify' is not available in this build\n");
    return 2;
  }
  return mod.verifyCommand(io);
}

async function dispatch(io: CliIO): Promise<ExitCode> {
  const first = io.argv[0];
  if (first === "-h" || first === "--help" || first === "help") {
    io.stdout.write(USAGE);
    return 0;
  }
  if (first === "-v" || first === "--version") {
    io.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (io.argv.length === 0) {
    io.stderr.write(USAGE);
    return 2;
  }
  const sub = first !== undefined && SUBCOMMANDS.has(first) ? first : "lint";
  const rest = sub === first ? { ...io, argv: io.argv.slice(1) } : io;
  if (rest.argv.includes("-h") || rest.argv.includes("--help")) {
    io.stdout.write(USAGE);
    return 0;
  }
  switch (sub) {
    case "shapes":
      return shapesCommand(rest);
    case "rules":
      return rulesCommand(rest);
    case "verify":
      return verify(rest);
    default:
      return lintCommand(rest);
  }
}

/** Run the CLI. Never throws; resolves to the exit code. */
export async function main(options: MainOptions): Promise<ExitCode> {
  const io: CliIO = {
    argv: options.argv,
    stdout: options.stdout,
    stderr: options.stderr,
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
    isTTY: options.isTTY ?? false,
  };
  try {
    return await dispatch(io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`shapelint: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ConfigError) {
      io.stderr.write(`shapelint: config error: ${e.describe()}\n`);
      return 2;
    }
    if (e instanceof LoadError) {
      io.stderr.write(`shapelint: ${e.code}: ${e.describe()}\n`);
      return 2;
    }
    // node:util parseArgs reports unknown options and missing values with these codes.
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      io.stderr.write(`shapelint: ${(e as Error).message}\n(see 'shapelint --help')\n`);
      return 2;
    }
    io.stderr.write(`shapelint: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (io.env.SHAPELINT_DEBUG === "1" && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
    else io.stderr.write("(set SHAPELINT_DEBUG=1 for a stack trace)\n");
    return 2;
  }
}
