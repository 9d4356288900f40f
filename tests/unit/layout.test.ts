/**
 * The house rules a move can break without any other test noticing: tests are leaves (nothing
 * outside tests/ imports from them, so `deno task dev` and the benchmark never depend on test
 * files), the function's folder imports nothing from outside itself (it is all that is deployed),
 * and the README stays a short front page (the docs live in docs/).
 */
import assert from "node:assert/strict";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const FUNCTION_DIR = "supabase/functions/balance-sync";
const README_MAX_LINES = 200;

async function trackedSources(): Promise<string[]> {
  const out = await new Deno.Command("git", { args: ["ls-files", "-z"], cwd: root }).output();
  assert.ok(out.success, "git ls-files failed");
  return new TextDecoder().decode(out.stdout).split("\0")
    .filter((f) => /\.(ts|tsx|js|mjs)$/.test(f) && !f.startsWith(`${FUNCTION_DIR}/dist/`));
}

/** Repository paths a file imports relatively (static, dynamic and `new URL(..., import.meta.url)`). */
export function relativeImports(file: string, text: string): string[] {
  const specs = [
    ...text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g),
    ...text.matchAll(/new URL\(\s*["'](\.{1,2}\/[^"']+)["']\s*,\s*import\.meta\.url/g),
  ].map((m) => m[1]);
  return specs.map((spec) => normalize(join(dirname(file), spec)));
}

Deno.test("relativeImports resolves static, dynamic and URL imports against the file", () => {
  const text = [
    'import { a } from "../support/x.ts";',
    'const m = await import("./y.ts");',
    'const dir = new URL("../../tests/db/", import.meta.url);',
  ].join("\n");
  assert.deepEqual(relativeImports("stack/sub/file.ts", text), [
    "stack/support/x.ts",
    "stack/sub/y.ts",
    "tests/db/",
  ]);
});

Deno.test("nothing outside tests/ imports from tests/", async () => {
  const offenders: string[] = [];
  for (const file of await trackedSources()) {
    if (file.startsWith("tests/")) continue;
    const text = await Deno.readTextFile(join(root, file));
    for (const target of relativeImports(file, text)) {
      if (target === "tests" || target.startsWith("tests/")) offenders.push(`${file} -> ${target}`);
    }
  }
  assert.deepEqual(offenders, [], "move what they need out of tests/ (stack/ is shared)");
});

Deno.test("the function's folder imports nothing from outside itself", async () => {
  const offenders: string[] = [];
  for (const file of await trackedSources()) {
    if (!file.startsWith(`${FUNCTION_DIR}/`)) continue;
    const text = await Deno.readTextFile(join(root, file));
    for (const target of relativeImports(file, text)) {
      if (!target.startsWith(`${FUNCTION_DIR}/`)) offenders.push(`${file} -> ${target}`);
    }
  }
  assert.deepEqual(offenders, [], "only the function's folder is deployed");
});

Deno.test(`the README stays a front page of at most ${README_MAX_LINES} lines`, async () => {
  const lines = (await Deno.readTextFile(join(root, "README.md"))).split("\n").length;
  assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines: move detail to docs/`);
});
