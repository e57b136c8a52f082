/**
 * A small glob matcher for config `overrides[].files` and quoted CLI globs: `*` (any run of
 * characters except `/`), `**` (any number of path segments), `?`, `[abc]`, `[!abc]`, `{a,b}`.
 * Paths are matched with `/` separators, relative to the config file's folder.
 */

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** Translate a glob to an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  let i = 0;
  let braces = 0;
  while (i < glob.length) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const atStart = i === 0 || glob[i - 1] === "/";
        const atEnd = i + 2 === glob.length || glob[i + 2] === "/";
        if (atStart && atEnd) {
          // `**/` matches zero or more whole segments; a trailing `**` matches everything below.
          if (i + 2 === glob.length) re += ".*";
          else re += "(?:[^/]*/)*";
          i += i + 2 === glob.length ? 2 : 3;
          continue;
        }
        re += "[^/]*";
        i += 2;
        continue;
      }
      re += "[^/]*";
      i++;
    } else if (c === "?") {
      re += "[^/]";
      i++;
    } else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close < 0) {
        re += "\\[";
        i++;
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      re += `[${negate ? "^/" : ""}${body.replace(/\\/g, "\\\\").replace(/]/g, "\\]")}]`;
      i = close + 1;
    } else if (c === "{") {
      braces++;
      re += "(?:";
      i++;
    } else if (c === "}" && braces > 0) {
      braces--;
      re += ")";
      i++;
    } else if (c === "," && braces > 0) {
      re += "|";
      i++;
    } else if (c === "\\" && i + 1 < glob.length) {
      re += escapeRe(glob[i + 1]!);
      i += 2;
    } else {
      re += escapeRe(c);
      i++;
    }
  }
  return new RegExp(`^${re}$`);
}

/**
 * True when `path` (relative, `/`-separated) matches `glob`. A glob without `/` matches the
 * file name in any folder, as in `.gitignore` and ESLint's `files`.
 */
export function matchesGlob(path: string, glob: string): boolean {
  const p = path.replace(/\\/g, "/").replace(/^\.\//, "");
  const g = glob.replace(/^\.\//, "");
  if (!g.includes("/")) return globToRegExp(g).test(p.slice(p.lastIndexOf("/") + 1));
  return globToRegExp(g).test(p);
}

/** True when a string contains glob syntax. */
export function isGlob(s: string): boolean {
  return /[*?[\]{}]/.test(s);
}
