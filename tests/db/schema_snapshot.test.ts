/**
 * supabase/schema.sql and docs/where-defined.md are what `deno task schema` makes of the
 * migrations now: one cluster, the migrations applied once by the real Supabase CLI, both files
 * generated from it and compared with the committed ones.
 */
import assert from "node:assert/strict";
import { withCluster } from "../../stack/pg.ts";
import { SCHEMA_FILE, snapshot, WHERE_DEFINED_FILE } from "../../tools/schema_snapshot.ts";

const STALE = "is stale: run `deno task schema` and commit supabase/schema.sql and " +
  "docs/where-defined.md";

Deno.test({
  name: "schema snapshot: the committed schema.sql and where-defined.md match the migrations",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withCluster(async (c) => {
      const fresh = await snapshot(c);
      assert.match(fresh.schema, /CREATE FUNCTION public\.balance_sync_claim\(/);
      assert.match(fresh.schema, /CREATE VIEW balance_sync\.row_status AS/);
      assert.doesNotMatch(fresh.schema, /CREATE TABLE public\.wallet_balances /, "ours only");
      assert.doesNotMatch(fresh.schema, /^\\restrict |^-- Dumped by pg_dump version/m);
      assert.doesNotMatch(
        fresh.whereDefined,
        /no migration statement found|runs another body/,
        "every function and view is found in a migration, with the body the database runs",
      );
      assert.equal(
        Deno.readTextFileSync(SCHEMA_FILE),
        fresh.schema,
        `supabase/schema.sql ${STALE}`,
      );
      assert.equal(
        Deno.readTextFileSync(WHERE_DEFINED_FILE),
        fresh.whereDefined,
        `docs/where-defined.md ${STALE}`,
      );
    }, { migrate: true }),
});
