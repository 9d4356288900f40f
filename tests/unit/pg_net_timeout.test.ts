/**
 * The function fits its run into pg_net's timeout (config.ts PG_NET_TIMEOUT_MS), but the timeout
 * itself is set by the schedule migrations: the `pg_net_timeout_ms` settings row and dispatch's
 * fallback. These tests read the migration text so the two sides cannot drift apart unnoticed.
 */
import assert from "node:assert/strict";
import { PG_NET_TIMEOUT_MS } from "../../supabase/functions/balance-sync/config.ts";

const DIR = new URL("../../supabase/migrations/", import.meta.url);

function migrations(): { name: string; text: string }[] {
  return [...Deno.readDirSync(DIR)].map((e) => e.name).filter((n) => n.endsWith(".sql")).sort()
    .map((name) => ({ name, text: Deno.readTextFileSync(new URL(name, DIR)) }));
}

Deno.test("the pg_net_timeout_ms setting's default equals config.ts PG_NET_TIMEOUT_MS", () => {
  const rows = migrations().flatMap(({ name, text }) =>
    [...text.matchAll(/^\s*\('pg_net_timeout_ms',\s*'(\d+)'/gm)].map((m) => ({
      name,
      ms: Number(m[1]),
    }))
  );
  assert.equal(rows.length, 1, `settings rows: ${JSON.stringify(rows)}`);
  assert.equal(rows[0].ms, PG_NET_TIMEOUT_MS, rows[0].name);
});

Deno.test("dispatch falls back to config.ts PG_NET_TIMEOUT_MS and sends no literal timeout", () => {
  const files = migrations().filter(({ text }) =>
    /create or replace function balance_sync\.dispatch\s*\(/i.test(text)
  );
  assert.ok(files.length >= 1, "no migration defines balance_sync.dispatch");
  // The last file to define dispatch is the one the database runs.
  const { name, text } = files[files.length - 1];
  const fallbacks = [...text.matchAll(/setting\('pg_net_timeout_ms',\s*'(\d+)'/g)].map((m) =>
    Number(m[1])
  );
  assert.ok(fallbacks.length >= 1, `${name} does not read the pg_net_timeout_ms setting`);
  for (const ms of fallbacks) assert.equal(ms, PG_NET_TIMEOUT_MS, name);
  assert.doesNotMatch(text, /timeout_milliseconds\s*:=\s*\d/, `${name} sends a literal timeout`);
});
