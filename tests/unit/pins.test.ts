/**
 * One version range per npm package in the whole repository, and a function manifest that names
 * only what the deployed function imports.
 *
 * The function's `deno.json` is the one `supabase functions deploy` reads, so it must carry the
 * function's own pins; the root `deno.json` serves tests, the stack and the benchmark, which cannot
 * see a workspace member's imports. A package both need is therefore written in both files, and
 * this test is what keeps the two from drifting: every place that names a version of a package
 * must name the same range.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const FUNCTION_DIR = "supabase/functions/balance-sync";

/** Files git tracks, relative to the repository root. */
async function trackedFiles(): Promise<string[]> {
  const out = await new Deno.Command("git", { args: ["ls-files", "-z"], cwd: root }).output();
  assert(out.success, "git ls-files failed");
  return new TextDecoder().decode(out.stdout).split("\0").filter(Boolean);
}

interface Pin {
  pkg: string;
  range: string;
  where: string;
}

/** `npm:pkg@range`, `npm:/pkg@range/`, `npm:@scope/pkg@range/sub` -> package and range. */
export function parseNpmSpecifier(specifier: string): { pkg: string; range: string } | null {
  const m = /^npm:\/?((?:@[^/@\s]+\/)?[^/@\s]+)@([^/\s"'`]+)/.exec(specifier);
  return m ? { pkg: m[1], range: m[2] } : null;
}

/** Every place a version of an npm package is written: deno.json imports, package.json, npm: in code. */
async function collectPins(files: string[]): Promise<Pin[]> {
  const pins: Pin[] = [];
  for (const file of files) {
    if (file.startsWith(`${FUNCTION_DIR}/dist/`)) continue; // generated from the sources below
    const name = file.split("/").at(-1)!;
    if (name === "deno.json" || name === "deno.jsonc") {
      const config = JSON.parse(await Deno.readTextFile(join(root, file)));
      for (const [key, value] of Object.entries(config.imports ?? {})) {
        const pin = parseNpmSpecifier(String(value));
        if (pin) pins.push({ ...pin, where: `${file} imports["${key}"]` });
      }
    } else if (name === "package.json") {
      const manifest = JSON.parse(await Deno.readTextFile(join(root, file)));
      for (const field of ["dependencies", "devDependencies", "optionalDependencies"]) {
        for (const [pkg, range] of Object.entries(manifest[field] ?? {})) {
          pins.push({ pkg, range: String(range), where: `${file} ${field}` });
        }
      }
    } else if (/\.(ts|tsx|js|mjs)$/.test(name)) {
      const text = await Deno.readTextFile(join(root, file));
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["'](npm:[^"']+)["']/g)) {
        const pin = parseNpmSpecifier(m[1]);
        if (pin) pins.push({ ...pin, where: file });
      }
    }
  }
  return pins;
}

Deno.test("parseNpmSpecifier reads the package and range of every npm: form", () => {
  assert.deepEqual(parseNpmSpecifier("npm:viem@^2.57.0"), { pkg: "viem", range: "^2.57.0" });
  assert.deepEqual(parseNpmSpecifier("npm:/viem@^2.57.0/"), { pkg: "viem", range: "^2.57.0" });
  assert.deepEqual(parseNpmSpecifier("npm:@scure/base@^1.2.6"), {
    pkg: "@scure/base",
    range: "^1.2.6",
  });
  assert.deepEqual(parseNpmSpecifier("npm:@supabase/postgrest-js@2.1.0/dist/x.js"), {
    pkg: "@supabase/postgrest-js",
    range: "2.1.0",
  });
  assert.deepEqual(parseNpmSpecifier("npm:viem"), null, "no range, no pin");
});

Deno.test("every npm package is pinned to one version range across the repository", async () => {
  const pins = await collectPins(await trackedFiles());
  assert(pins.some((p) => p.pkg === "viem"), "found the pins at all");
  const byPackage = new Map<string, Pin[]>();
  for (const pin of pins) byPackage.set(pin.pkg, [...(byPackage.get(pin.pkg) ?? []), pin]);
  const drifted = [...byPackage.values()]
    .filter((places) => new Set(places.map((p) => p.range)).size > 1)
    .map((places) =>
      `${places[0].pkg}: ${places.map((p) => `${p.range} (${p.where})`).join(", ")}`
    );
  assert.deepEqual(
    drifted,
    [],
    "a package is pinned to different ranges; write the one range everywhere (the function's " +
      `${FUNCTION_DIR}/deno.json is the source for what the function imports)`,
  );
});

/** Bare specifiers (not relative, not a URL scheme the runtime resolves itself) in the function's code. */
async function functionBareImports(files: string[]): Promise<Set<string>> {
  const bare = new Set<string>();
  for (const file of files) {
    if (!file.startsWith(`${FUNCTION_DIR}/`) || file.startsWith(`${FUNCTION_DIR}/dist/`)) continue;
    if (!file.endsWith(".ts")) continue;
    const text = await Deno.readTextFile(join(root, file));
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
      const spec = m[1];
      if (/^(\.|\/|node:|npm:|jsr:|https?:|ext:)/.test(spec)) continue;
      bare.add(spec);
    }
  }
  return bare;
}

Deno.test("the function's deno.json names exactly what the deployed function imports", async () => {
  const files = await trackedFiles();
  const config = JSON.parse(await Deno.readTextFile(join(root, FUNCTION_DIR, "deno.json")));
  const keys = Object.keys(config.imports ?? {});
  const bare = [...await functionBareImports(files)];
  assert(bare.length > 0, "the function imports npm packages by name");
  const resolves = (spec: string) =>
    keys.some((key) => key === spec || (key.endsWith("/") && spec.startsWith(key)));
  assert.deepEqual(
    bare.filter((spec) => !resolves(spec)),
    [],
    `imported by the function but missing from ${FUNCTION_DIR}/deno.json`,
  );
  assert.deepEqual(
    keys.filter((key) =>
      !bare.some((spec) => spec === key || (key.endsWith("/") && spec.startsWith(key)))
    ),
    [],
    `in ${FUNCTION_DIR}/deno.json but imported by no file of the function: remove it`,
  );
});

Deno.test("collectPins sees a drifted range (the check can fail)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "a.ts"), 'import x from "npm:left-pad@^1.0.0";\n');
    const original = root;
    const pins = await collectPins([relative(original, join(dir, "a.ts"))]);
    assert.deepEqual(pins.map((p) => `${p.pkg}@${p.range}`), ["left-pad@^1.0.0"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
