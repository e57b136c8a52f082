/**
 * Finds `shapelint.config.json` for each model file: `--config` when given, else the nearest
 * one in the model's folder or above it. Parsed files are cached per path, lookups per folder.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { CONFIG_FILE_NAME, type Config, ConfigError, type ResolvedConfig, parseConfig, resolveConfig } from "../lint/config.js";

/** Resolves the config that applies to each model file. */
export class ConfigResolver {
  private readonly parsed = new Map<string, Config>();
  private readonly lookup = new Map<string, string | null>();
  private readonly knownRules: ReadonlySet<string>;
  private readonly explicit: string | undefined;

  /** `explicitPath` is `--config` (absolute); without it configs are looked up per file. */
  constructor(knownRules: ReadonlySet<string>, explicitPath?: string) {
    this.knownRules = knownRules;
    this.explicit = explicitPath;
    if (explicitPath !== undefined) this.load(explicitPath);
  }

  private load(path: string): Config {
    const hit = this.parsed.get(path);
    if (hit) return hit;
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      throw new ConfigError(path, `cannot read the config file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    const config = parseConfig(text, path, this.knownRules);
    this.parsed.set(path, config);
    return config;
  }

  private find(dir: string): string | null {
    const hit = this.lookup.get(dir);
    if (hit !== undefined) return hit;
    const candidate = join(dir, CONFIG_FILE_NAME);
    let found: string | null;
    if (existsSync(candidate)) found = candidate;
    else {
      const up = dirname(dir);
      found = up === dir ? null : this.find(up);
    }
    this.lookup.set(dir, found);
    return found;
  }

  /** The config file that applies to a model file, or `null`. */
  configPathFor(modelPath: string): string | null {
    return this.explicit ?? this.find(dirname(resolve(modelPath)));
  }

  /** The settings for a model file (empty when no config applies). Throws {@link ConfigError}. */
  resolve(modelPath: string): ResolvedConfig {
    const path = this.configPathFor(modelPath);
    if (path === null) return resolveConfig(null, "");
    const config = this.load(path);
    const rel = relative(dirname(path), resolve(modelPath)).split(sep).join("/");
    return resolveConfig(config, rel);
  }
}
