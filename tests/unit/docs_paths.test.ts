/**
 * The docs name files of this repository and link to each other; both break silently when a file
 * moves. Every repository path written in backticks in README.md and docs/*.md must exist, and
 * every relative link must reach a file (and, into a markdown page, one of its headings).
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

/** Top-level names whose paths the docs may mention; .tmp/ and the like are made at run time. */
const TOP_LEVEL = [".ci", "bench", "dev", "docs", "stack", "supabase", "tests", "tools"];

/** The function's rooms: the docs name its files from the function's folder (`run/run.ts`). */
const FUNCTION_DIR = "supabase/functions/balance-sync";
const FUNCTION_ROOMS = ["http", "run", "db", "chains", "webhooks"];

async function docPages(): Promise<string[]> {
  const pages = ["README.md"];
  for await (const e of Deno.readDir(new URL("docs/", ROOT))) {
    if (e.isFile && e.name.endsWith(".md")) pages.push(`docs/${e.name}`);
  }
  return pages.sort();
}

/** The page without its fenced code blocks (their text is code, not a claim about the tree). */
const prose = (text: string) => text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");

const exists = async (path: string) => {
  try {
    await Deno.stat(new URL(path, ROOT));
    return true;
  } catch {
    return false;
  }
};

/** A path the docs shorten (`…`, `...`, `<name>`, `*`) is checked up to its last whole folder. */
function checkable(path: string): string {
  const cut = path.search(/\.\.\.|…|<|\*/);
  if (cut < 0) return path;
  return path.slice(0, path.lastIndexOf("/", cut) + 1);
}

/** Repository paths in inline code: every word of a code span whose first folder is ours. */
export function codePaths(text: string): string[] {
  const paths: string[] = [];
  for (const [, span] of prose(text).matchAll(/`([^`\n]+)`/g)) {
    for (let word of span.split(/\s+/)) {
      word = word.replace(/^["'(]+|["'),;:.]+$/g, "").replace(/^\.\//, "");
      if (!word.includes("/")) continue;
      const first = word.split("/")[0];
      if (TOP_LEVEL.includes(first)) paths.push(word);
      else if (FUNCTION_ROOMS.includes(first) && /\.ts$/.test(word)) {
        paths.push(`${FUNCTION_DIR}/${word}`);
      }
    }
  }
  return paths;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");
}

function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of prose(text).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(heading);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

Deno.test("slug follows GitHub's anchors", () => {
  assert.equal(
    slug("Cold start (`deno task bench:cold-start`)"),
    "cold-start-deno-task-benchcold-start",
  );
  assert.equal(slug("Indexes on `wallet_balances`"), "indexes-on-wallet_balances");
  assert.equal(slug("PostgreSQL 15 and 17"), "postgresql-15-and-17");
});

Deno.test("codePaths finds repository paths in code spans, commands included", () => {
  assert.deepEqual(
    codePaths(
      "run `deno run -A bench/profile.ts --rows 9` and `./stack/pg.ts`, not `/wallet/x` or `viem/utils`; `run/run.ts`\n```\ntests/none.ts\n```\n",
    ),
    ["bench/profile.ts", "stack/pg.ts", "supabase/functions/balance-sync/run/run.ts"],
  );
});

Deno.test("every repository path in backticks in the docs exists", async () => {
  const missing: string[] = [];
  for (const page of await docPages()) {
    const text = await Deno.readTextFile(new URL(page, ROOT));
    for (const path of codePaths(text)) {
      if (!(await exists(checkable(path)))) missing.push(`${page}: \`${path}\``);
    }
  }
  assert.deepEqual(
    missing,
    [],
    `paths named in the docs that are not in the tree:\n${missing.join("\n")}`,
  );
});

Deno.test("every relative link between the docs reaches its file and heading", async () => {
  const broken: string[] = [];
  for (const page of await docPages()) {
    const text = await Deno.readTextFile(new URL(page, ROOT));
    const base = new URL(page, ROOT);
    for (const [, target] of prose(text).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      const [file, anchor] = target.split("#");
      const url = file ? new URL(file, base) : base;
      const path = url.pathname.slice(ROOT.pathname.length);
      if (!(await exists(path))) {
        broken.push(`${page}: ${target} (no file ${path})`);
        continue;
      }
      if (anchor && path.endsWith(".md") && !anchors(await Deno.readTextFile(url)).has(anchor)) {
        broken.push(`${page}: ${target} (no heading #${anchor} in ${path})`);
      }
    }
  }
  assert.deepEqual(broken, [], `broken links:\n${broken.join("\n")}`);
});
