/**
 * The pgTAP files of supabase/tests/database run in the order of their names (pg_prove and
 * `supabase test db` sort them), so each number prefix says where a file stands: two files with
 * one prefix leave their order to the rest of the name.
 */
import assert from "node:assert/strict";

const DIR = new URL("../../supabase/tests/database/", import.meta.url);

Deno.test("every pgTAP file has a number prefix of its own", () => {
  const names = [...Deno.readDirSync(DIR)].map((e) => e.name).filter((n) => n.endsWith(".sql"))
    .sort();
  assert.ok(names.length >= 4, names.join(", "));
  const byPrefix = new Map<string, string[]>();
  for (const name of names) {
    const prefix = /^(\d+)_/.exec(name)?.[1];
    assert.ok(prefix, `${name} has no number prefix: name it NNN_<what it checks>.test.sql`);
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), name]);
  }
  const shared = [...byPrefix.values()].filter((files) => files.length > 1);
  assert.deepEqual(
    shared,
    [],
    "files sharing a prefix: give the newer one the next free number",
  );
});
