/**
 * Where each function and view of this project is defined now: the migration that defines it last
 * (the one whose definition the database runs), read from the `create [or replace] function |
 * procedure | [materialized] view` statements of supabase/migrations/ in file order. Written to
 * docs/where-defined.md by `deno task schema` (tools/schema_snapshot.ts).
 *
 * Argument types are written as the migrations spell them (`timestamptz`, `int`); the database
 * names them (to_regtype, format_type), so that overloads and spellings match its own signatures.
 */
import type { Sql } from "../stack/pg.ts";

export interface Definition {
  file: string;
  kind: "function" | "procedure" | "view" | "materialized view";
  /** `schema.name`, unquoted and lower case. */
  name: string;
  /** The identity argument types as written (functions and procedures; OUT ones left out). */
  args: string[];
  /** The dollar-quoted body, as PostgreSQL stores it in pg_proc.prosrc. */
  body?: string;
}

export interface DatabaseObject {
  /** `schema.name(type, ...)` for functions, `schema.name` for views. */
  signature: string;
  kind: Definition["kind"];
  /** pg_proc.prosrc of a function or procedure. */
  body?: string;
}

export interface Row extends DatabaseObject {
  /** The migration that defines it last; null when no migration's statement was found. */
  file: string | null;
  /** How many earlier migrations defined it too. */
  earlier: number;
  /** The last definition's body is not what the database runs (a definition the parser missed). */
  bodyDiffers: boolean;
}

const CREATE =
  /\bcreate\s+(?:or\s+replace\s+)?(function|procedure|materialized\s+view|view)\s+((?:"[^"]+"|[a-z_][a-z0-9_$]*)(?:\s*\.\s*(?:"[^"]+"|[a-z_][a-z0-9_$]*))?)/gi;
const MODES = new Set(["in", "out", "inout", "variadic"]);
/** First words of the multi-word type names, which are not argument names. */
const TYPE_WORDS = new Set(["double", "timestamp", "time", "character", "bit", "interval", "char"]);

/**
 * Whole-line comments blanked out (they name statements in prose), at the same offsets, so that a
 * body is still cut from the original text. A `--` after code on a line may be inside a string.
 */
function blankComments(sql: string): string {
  return sql.replace(/^\s*--.*$/gm, (line) => " ".repeat(line.length));
}

function unquote(identifier: string): string {
  return identifier.startsWith('"') ? identifier.slice(1, -1) : identifier.toLowerCase();
}

/** The text between the parenthesis at `open` and its match. */
function parenthesized(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unbalanced parenthesis at ${open}`);
}

function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    if (list[i] === "(") depth++;
    else if (list[i] === ")") depth--;
    else if (list[i] === "," && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** The identity type of one argument as written, or null for an OUT argument. */
export function argumentType(argument: string): string | null {
  const words = argument.replace(/\s+(default\b|=)[\s\S]*$/i, "").trim().split(/\s+/);
  let mode = "in";
  if (MODES.has(words[0].toLowerCase()) && words.length > 1) mode = words.shift()!.toLowerCase();
  if (mode === "out") return null;
  if (words.length > 1 && !TYPE_WORDS.has(words[0].toLowerCase())) words.shift();
  return words.join(" ");
}

function dollarBody(text: string, from: number): string | undefined {
  const as = /\bas\s+(\$[a-z_0-9]*\$)/gi;
  as.lastIndex = from;
  const match = as.exec(text);
  if (!match) return undefined;
  const start = match.index + match[0].length;
  const end = text.indexOf(match[1], start);
  return end < 0 ? undefined : text.slice(start, end);
}

/** Every definition in one migration file, in the order they appear. */
export function definitionsIn(file: string, sql: string): Definition[] {
  const text = blankComments(sql);
  const found: Definition[] = [];
  for (const match of text.matchAll(CREATE)) {
    const kind = match[1].toLowerCase().replace(/\s+/, " ") as Definition["kind"];
    const parts = match[2].split(/\s*\.\s*/).map(unquote);
    const name = parts.length === 2 ? parts.join(".") : `public.${parts[0]}`;
    if (kind === "view" || kind === "materialized view") {
      found.push({ file, kind, name, args: [] });
      continue;
    }
    const after = match.index! + match[0].length;
    const open = text.indexOf("(", after);
    if (open < 0 || text.slice(after, open).trim() !== "") continue;
    const args = splitTopLevel(parenthesized(text, open)).map(argumentType)
      .filter((t): t is string => t !== null);
    found.push({ file, kind, name, args, body: dollarBody(sql, open) });
  }
  return found;
}

/** The functions, procedures and views of this project in the database. */
export async function databaseObjects(sql: Sql): Promise<DatabaseObject[]> {
  const rows = await sql<DatabaseObject[]>`
    select p.pronamespace::regnamespace::text || '.' || p.proname || '(' ||
             array_to_string(array(select format_type(t, null)
                                   from unnest(p.proargtypes::oid[]) with ordinality as a(t, i)
                                   order by a.i), ', ') || ')' as signature,
           case p.prokind when 'p' then 'procedure' else 'function' end as kind,
           p.prosrc as body
    from pg_proc as p
    where (p.pronamespace = 'balance_sync'::regnamespace
           or (p.pronamespace = 'public'::regnamespace and p.proname like 'balance\\_sync\\_%'))
      and not exists (select 1 from pg_depend as d
                      where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
    union all
    select c.relnamespace::regnamespace::text || '.' || c.relname,
           case c.relkind when 'm' then 'materialized view' else 'view' end, null
    from pg_class as c
    where c.relkind in ('v', 'm')
      and (c.relnamespace = 'balance_sync'::regnamespace
           or (c.relnamespace = 'public'::regnamespace and c.relname like 'balance\\_sync\\_%'))
    order by 1`;
  return rows.map((r) => ({ ...r, body: r.body ?? undefined }));
}

/** The signature of a parsed definition, with its types named by the database. */
async function signatureOf(sql: Sql, definition: Definition): Promise<string> {
  if (definition.kind === "view" || definition.kind === "materialized view") {
    return definition.name;
  }
  const types: string[] = [];
  for (const written of definition.args) {
    const [{ type }] = await sql`select format_type(to_regtype(${written}), null) as type`;
    types.push(type ?? written);
  }
  return `${definition.name}(${types.join(", ")})`;
}

/** One row per database object, with the migration that defines it last. */
export async function whereDefined(
  sql: Sql,
  migrations: { name: string; text: string }[],
): Promise<Row[]> {
  const bySignature = new Map<string, Definition[]>();
  for (const { name, text } of [...migrations].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const definition of definitionsIn(name, text)) {
      const signature = await signatureOf(sql, definition);
      bySignature.set(signature, [...(bySignature.get(signature) ?? []), definition]);
    }
  }
  return (await databaseObjects(sql)).map((object) => {
    const definitions = bySignature.get(object.signature) ?? [];
    const last = definitions.at(-1);
    const files = new Set(definitions.map((d) => d.file));
    return {
      ...object,
      file: last?.file ?? null,
      earlier: files.size === 0 ? 0 : files.size - 1,
      bodyDiffers: object.body !== undefined && last?.body !== undefined &&
        last.body !== object.body,
    };
  });
}

/** docs/where-defined.md. */
export function renderWhereDefined(rows: Row[]): string {
  const lines = [
    "# Where each function and view is defined now",
    "",
    "Generated by `deno task schema` from `supabase/migrations/` and the database they build: do not",
    "edit (`tests/db/schema_snapshot.test.ts` fails when it is stale). A migration that landed is",
    "never edited, so a function redefined later has several definitions: the one the database runs",
    "is in the file named here (under `supabase/migrations/`). The whole current schema is in",
    "`supabase/schema.sql`.",
    "",
    "| Object | Kind | Defined last in | Earlier definitions |",
    "| --- | --- | --- | --- |",
  ];
  for (const row of rows) {
    const file = row.file === null ? "(no migration statement found)" : `\`${row.file}\``;
    const differs = row.bodyDiffers ? " (the database runs another body)" : "";
    const earlier = row.earlier === 0 ? "" : String(row.earlier);
    lines.push(`| \`${row.signature}\` | ${row.kind} | ${file}${differs} | ${earlier} |`);
  }
  return lines.join("\n") + "\n";
}
