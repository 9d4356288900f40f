/**
 * Every migration of this project fails fast on a busy table instead of queueing the exchange's
 * writers behind its lock: it sets lock_timeout and statement_timeout before its first statement
 * (supabase db push runs each file as one transaction and resets the settings after it).
 */
import assert from "node:assert/strict";

const DIR = new URL("../../supabase/migrations/", import.meta.url);

Deno.test("every migration sets lock_timeout and statement_timeout before its first statement", async () => {
  const names = [...Deno.readDirSync(DIR)].map((e) => e.name).filter((n) => n.endsWith(".sql"))
    .sort();
  assert.ok(names.length >= 6, names.join(", "));
  const missing: string[] = [];
  for (const name of names) {
    const statements = (await Deno.readTextFile(new URL(name, DIR)))
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.trim().startsWith("--"));
    const [first, second] = statements;
    if (
      !/^set lock_timeout = '\d+s';$/.test(first ?? "") ||
      !/^set statement_timeout = '\d+s';$/.test(second ?? "")
    ) missing.push(name);
  }
  assert.deepEqual(missing, [], "files that do not start with both settings");
});
