/**
 * A landed migration is never edited: supabase/migrations.sha256 holds the sha256 of every file of
 * supabase/migrations/ as it landed, and each file must still match its line. A new file gets its
 * line in the same change (`deno task migration:sum >> supabase/migrations.sha256`).
 *
 * Four files were edited before this list existed; stack/as_landed/ keeps their versions as they
 * landed (the upgrade path pushes those), and the list holds the versions of today.
 */
import assert from "node:assert/strict";
import { landedSums, migrationSums, sumLine } from "../../tools/landed_migrations.ts";
import { AS_LANDED } from "../../stack/upgrade_path.ts";

const EDITED = "a landed migration is never edited: put the change in a new file";

Deno.test("every listed migration still has the content it landed with", async () => {
  const landed = landedSums();
  const now = await migrationSums();
  assert.ok(
    landed.size >= 31,
    `supabase/migrations.sha256 lists ${landed.size} files`,
  );
  const missing = [...landed.keys()].filter((name) => !now.has(name));
  assert.deepEqual(missing, [], `listed migrations that are gone (${EDITED})`);
  const changed = [...landed].filter(([name, sum]) => now.has(name) && now.get(name) !== sum)
    .map(([name]) => name);
  assert.deepEqual(changed, [], `migrations whose content changed (${EDITED})`);
});

Deno.test("every migration is in the list of landed migrations", async () => {
  const landed = landedSums();
  const unlisted = [...await migrationSums()].filter(([name]) => !landed.has(name))
    .map(([name, sum]) => sumLine(name, sum));
  assert.deepEqual(
    unlisted,
    [],
    "new migrations not in supabase/migrations.sha256: add their lines with " +
      "`deno task migration:sum >> supabase/migrations.sha256`",
  );
});

Deno.test("the list's lines are sha256sum lines, one per file, in file order", () => {
  const text = Deno.readTextFileSync(
    new URL("../../supabase/migrations.sha256", import.meta.url),
  );
  const names = [...landedSums(text).keys()];
  assert.equal(
    names.length,
    text.trim().split("\n").length,
    "a file listed twice",
  );
  assert.deepEqual(names, [...names].sort(), "lines out of file order");
  assert.throws(
    () => landedSums("not a sum  x.sql\n"),
    /is not "<sha256> {2}<file name>"/,
  );
});

Deno.test("every copy in stack/as_landed/ is of a listed migration", async () => {
  const landed = landedSums();
  const copies = [...Deno.readDirSync(AS_LANDED)].map((e) => e.name).filter((
    n,
  ) => n.endsWith(".sql"));
  assert.ok(copies.length >= 1, "stack/as_landed/ holds no copy");
  for (const name of copies) {
    assert.ok(
      landed.has(name),
      `stack/as_landed/${name} is not a file of supabase/migrations/`,
    );
    const copy = await Deno.readTextFile(new URL(name, AS_LANDED));
    assert.match(
      copy,
      /^-- balance-sync: /,
      `stack/as_landed/${name} is not a migration`,
    );
  }
});
