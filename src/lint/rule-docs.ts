/**
 * Rule READMEs: each `rules/<id>/README.md` is titled with the id and has the sections below,
 * in this order (checked by `test/lint/rules-meta.test.ts`). The SARIF `help` text and
 * `shapelint rules` are taken from it.
 */

/** The H2 sections every rule README has, in order. */
export const README_SECTIONS = ["What it checks", "Why", "Invalid example", "Valid example", "How to fix"] as const;

/** A README split into its title and H2 sections. */
export interface ParsedReadme {
  /** Text of the H1 heading. */
  readonly title: string | null;
  /** H2 headings in order, with their bodies (trimmed). */
  readonly sections: readonly { readonly heading: string; readonly body: string }[];
}

/** Split Markdown into its H1 title and H2 sections (headings inside code fences are ignored). */
export function parseReadme(markdown: string): ParsedReadme {
  let title: string | null = null;
  const sections: { heading: string; body: string[] }[] = [];
  let fence: string | null = null;
  for (const line of markdown.split(/\r?\n/)) {
    const f = /^\s*(```+|~~~+)/.exec(line);
    if (f) {
      if (fence === null) fence = f[1]!;
      else if (line.trim().startsWith(fence)) fence = null;
    }
    if (fence === null && !f) {
      const h1 = /^#\s+(.*?)\s*#*\s*$/.exec(line);
      if (h1 && title === null && sections.length === 0) {
        title = h1[1]!;
        continue;
      }
      const h2 = /^##\s+(.*?)\s*#*\s*$/.exec(line);
      if (h2) {
        sections.push({ heading: h2[1]!, body: [] });
        continue;
      }
    }
    sections[sections.length - 1]?.body.push(line);
  }
  return { title, sections: sections.map((s) => ({ heading: s.heading, body: s.body.join("\n").trim() })) };
}

/** The first paragraph of a section as one line of plain text (inline code marks kept). */
export function firstParagraph(readme: ParsedReadme, heading: string): string {
  const body = readme.sections.find((s) => s.heading === heading)?.body ?? "";
  const para = body.split(/\n\s*\n/)[0] ?? "";
  return para.replace(/\s*\n\s*/g, " ").trim();
}
