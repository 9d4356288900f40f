/**
 * Runs supabase/tests/database/*.test.sql with pg_prove, as `supabase test db` does: against the
 * `postgres` database (where pg_cron lives) that the real CLI migrated, with pgTAP created in
 * schema `extensions`.
 */
import assert from "node:assert/strict";
import { withCluster } from "../../stack/pg.ts";

Deno.test({
  name: "pgTAP: supabase/tests/database passes under pg_prove",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withCluster(async (c) => {
      await c.sql`create extension if not exists pgtap with schema extensions`;

      const dir = new URL("../../supabase/tests/database/", import.meta.url).pathname;
      const files = [...Deno.readDirSync(dir)]
        .filter((e) => e.name.endsWith(".test.sql"))
        .map((e) => dir + e.name)
        .sort();
      assert.ok(files.length >= 4, `pgTAP files found: ${files.join(", ")}`);

      const out = await new Deno.Command("pg_prove", {
        args: [
          "--host",
          c.host,
          "--port",
          String(c.port),
          "--username",
          "postgres",
          "--dbname",
          "postgres",
          "--failures",
          ...files,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output().catch((error) => {
        throw new Error(
          `pg_prove not runnable (apt-get install -y libtap-parser-sourcehandler-pgtap-perl): ${error}`,
        );
      });
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.ok(out.success, text);
      assert.match(text, /Result: PASS/);
      const tests = Number(/Tests=(\d+)/.exec(text)?.[1]);
      assert.ok(tests >= 100, `pg_prove ran ${tests} tests`);
    }, { migrate: true }),
});
