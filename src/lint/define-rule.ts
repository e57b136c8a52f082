/**
 * The rule API, after ESLint's `meta` + `create(context)` and typescript-eslint's typed
 * factory: a rule is metadata plus one function. Reports name a message id and pass the
 * placeholder values; the template literal types below make a missing or misspelt placeholder
 * a compile error (the gap typescript-eslint still has a TODO for).
 */
import type { Severity } from "./finding.js";
import type { RuleContext } from "./rule-context.js";

/** Placeholder names of a message template: `"{{op}} '{{node}}'"` -> `"op" | "node"`. */
export type Placeholders<S extends string> = S extends `${string}{{${infer P}}}${infer Rest}` ? P | Placeholders<Rest> : never;

/** The `data` a report must pass for a template: one value per placeholder. */
export type MessageData<S extends string> = string extends S
  ? Readonly<Record<string, string | number>>
  : [Placeholders<S>] extends [never]
  ? Readonly<Record<string, never>>
  : Readonly<Record<Placeholders<S>, string | number>>;

/** Message templates keyed by message id. */
export type Messages = Readonly<Record<string, string>>;

/** What a rule says about itself; it feeds `shapelint rules`, the SARIF rule list and the docs meta-test. */
export interface RuleMeta<M extends Messages = Messages> {
  /** Kebab-case id, equal to the rule's folder name; public contract (SARIF ruleId, config keys). */
  readonly id: string;
  readonly defaultSeverity: Severity;
  /** One sentence: what the rule reports. */
  readonly description: string;
  readonly messages: M;
  /** Where the rule's documentation lives; defaults to {@link ruleDocsUrl}. */
  readonly docsUrl?: string;
}

/** A rule as written by its author. */
export interface RuleDefinition<M extends Messages = Messages> {
  readonly meta: RuleMeta<M>;
  /** Inspect the model and call `ctx.report()` for each problem. Must not mutate anything. */
  check(ctx: RuleContext<M>): void;
}

/** A rule as the runner and reporters see it (docs URL filled in). */
export interface Rule<M extends Messages = Messages> extends RuleDefinition<M> {
  readonly meta: RuleMeta<M> & { readonly docsUrl: string };
}

/** A rule of any message set, for registries and the runner. */
// eslint-style erasure: the runner only needs the untyped view.
export type AnyRule = Rule<Messages>;

/** Base of the rule documentation links. */
export const DOCS_BASE = "https://github.com/shapelint/shapelint/blob/main/rules";

/** The documentation link of a rule id (its README in the repository). */
export function ruleDocsUrl(id: string): string {
  return `${DOCS_BASE}/${id}/README.md`;
}

/** Placeholder names of a template at run time, in order of first use. */
export function placeholdersOf(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(/\{\{([^{}]*)\}\}/g)) {
    const name = m[1]!;
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/**
 * Fill a template. Throws when a placeholder has no value, so that a rule cannot ship a message
 * with `{{...}}` left in it (ESLint's RuleTester makes the same check).
 */
export function fillTemplate(template: string, data: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{\{([^{}]*)\}\}/g, (_, name: string) => {
    const v = data[name];
    if (v === undefined) throw new Error(`message placeholder {{${name}}} has no value`);
    return String(v);
  });
}

/**
 * Define a rule. `const M` keeps the message templates as literal types, so `ctx.report()`
 * checks the message id and the placeholder data of each report.
 */
export function defineRule<const M extends Messages>(def: RuleDefinition<M>): Rule<M> {
  return { ...def, meta: { ...def.meta, docsUrl: def.meta.docsUrl ?? ruleDocsUrl(def.meta.id) } };
}
