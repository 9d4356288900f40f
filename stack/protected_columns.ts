/**
 * The other workers' columns of wallet_balances, which the sync must never write, and the one
 * check that they did not change: every test suite, the benchmark and the reliability harness
 * use this snapshot and assertion.
 */
import assert from "node:assert/strict";
import type { Sql } from "./pg.ts";

export const PROTECTED_COLUMNS = [
  "needs_gas",
  "needs_consolidation",
  "priority",
  "gas_locked_until",
  "gas_locked_by",
  "consolidation_locked_until",
  "consolidation_locked_by",
] as const;

/** Each row's given columns, as PostgreSQL prints them, by id. */
export async function columnsSnapshot(
  sql: Sql,
  columns: readonly string[],
): Promise<Map<string, string>> {
  const rows = await sql.unsafe(
    `select id::text as id, row(${columns.join(", ")})::text as value
     from public.wallet_balances`,
  );
  return new Map(rows.map((r) => [r.id as string, r.value as string]));
}

/** Each row's protected columns, as PostgreSQL prints them, by id. */
export function protectedSnapshot(sql: Sql): Promise<Map<string, string>> {
  return columnsSnapshot(sql, PROTECTED_COLUMNS);
}

/** Fails naming each row (the first ten) whose columns differ from the snapshot or are gone. */
export function assertSnapshotUnchanged(
  before: Map<string, string>,
  after: Map<string, string>,
  what = "protected columns changed",
): void {
  const changed = [...before].filter(([id, value]) => after.get(id) !== value).map(([id]) =>
    `${id}: ${before.get(id)} -> ${after.get(id) ?? "(row gone)"}`
  );
  assert.deepEqual(changed.slice(0, 10), [], what);
}

/** Fails naming each row whose protected columns differ from the snapshot. */
export function assertProtectedUnchanged(
  before: Map<string, string>,
  after: Map<string, string>,
): void {
  assertSnapshotUnchanged(before, after);
}
