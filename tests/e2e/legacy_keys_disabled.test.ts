/**
 * The whole end-to-end and reliability suites once more, as a hosted project that disabled its
 * legacy JWT API keys (BALANCE_SYNC_LEGACY_KEYS=disabled: the PostgREST stand-in refuses the anon
 * and service_role JWTs as the gateway does, the function is given SUPABASE_SECRET_KEYS and refuses
 * the legacy JWT as a caller). Every other test file of tests/e2e and tests/reliability runs in a
 * child `deno test`; this test passes only if all of them pass there.
 */
import assert from "node:assert/strict";
import { repoRoot } from "../../stack/bin.ts";
import { stackTest } from "./fixture.ts";

const SELF = new URL(import.meta.url).pathname.split("/").pop()!;

async function testFiles(folder: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(`${repoRoot}/${folder}`)) {
    if (entry.isFile && entry.name.endsWith(".test.ts") && entry.name !== SELF) {
      files.push(`${folder}/${entry.name}`);
    }
  }
  return files.sort();
}

stackTest(
  "legacy keys disabled: every end-to-end and reliability test passes with only the new API keys",
  async () => {
    const files = [...await testFiles("tests/e2e"), ...await testFiles("tests/reliability")];
    assert.ok(files.length >= 15, files.join());
    const child = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", ...files],
      cwd: repoRoot,
      env: { BALANCE_SYNC_LEGACY_KEYS: "disabled", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(child.stdout) + new TextDecoder().decode(child.stderr);
    const summary = out.split("\n").filter((l) => /^(ok|FAILED) \| \d+ passed/.test(l)).pop();
    // Prefixed, so that it is never read as this run's own summary.
    console.log(`legacy keys disabled, ${files.length} files: ${summary ?? "(no summary)"}`);
    const failures = out.split("\n").filter((l) => /\.\.\. FAILED/.test(l));
    assert.ok(
      child.success && summary?.startsWith("ok"),
      `with legacy keys disabled:\n${failures.join("\n")}\n${out.slice(-3000)}`,
    );
  },
);
