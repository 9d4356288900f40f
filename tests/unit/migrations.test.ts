/**
 * Every migration of this project fails fast on a busy table instead of queueing the exchange's
 * writers behind its lock: it sets lock_timeout and statement_timeout before its first statement
 * (supabase db push runs each file as one transaction and resets the settings after it). A file
 * that builds or drops an index concurrently starts with it instead (docs/live-database.md, "Upgrading a live
 * database").
 */
import assert from "node:assert/strict";
import { PG_NET_TIMEOUT_MS } from "../../supabase/functions/balance-sync/config.ts";
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
    // A concurrent index build or drop must be its file's first statement (the only place in the
    // CLI's pipeline where PostgreSQL runs it outside a transaction block); it takes no lock that
    // another service's reads or writes wait for, and a statement_timeout would only cut it short.
    if (/^(create|drop) index concurrently /.test(first ?? "")) continue;
    if (
      !/^set lock_timeout = '\d+s';$/.test(first ?? "") ||
      !/^set statement_timeout = '\d+s';$/.test(second ?? "")
    ) missing.push(name);
  }
  assert.deepEqual(missing, [], "files that do not start with both settings");
});

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
  const fallbacks = [...text.matchAll(/setting(?:_number)?\('pg_net_timeout_ms',\s*'?(\d+)/g)]
    .map((m) => Number(m[1]));
  assert.ok(fallbacks.length >= 1, `${name} does not read the pg_net_timeout_ms setting`);
  for (const ms of fallbacks) assert.equal(ms, PG_NET_TIMEOUT_MS, name);
  assert.doesNotMatch(text, /timeout_milliseconds\s*:=\s*\d/, `${name} sends a literal timeout`);
});
