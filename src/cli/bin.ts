#!/usr/bin/env node
/** The `shapelint` executable: a thin shell around `main()`. */
import { main } from "./main.js";

process.exitCode = await main({
  argv: process.argv.slice(2),
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  isTTY: process.stdout.isTTY === true,
});
