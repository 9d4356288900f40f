/**
 * Aged rows of balance_sync.balance_changes, for the retention tests: each row's run_id carries its
 * age, so that what the cleanup left can be read back as the ages.
 */
import type { Sql } from "../../stack/pg.ts";

/**
 * Replaces every change row with rows observed `ages` hours or days ago, inserted in the order
 * given (id order), run_id `run-<age>`.
 */
export async function changesAged(sql: Sql, ages: number[], unit: "hours" | "days"): Promise<void> {
  await sql`delete from balance_sync.balance_changes`;
  await sql`
    insert into balance_sync.balance_changes (
      wallet_balance_id, new_raw, new_human, delta_raw, delta_human, observed_at, run_id)
    select gen_random_uuid(), 1, 1, 1, 1, now() - ${`1 ${unit}`}::interval * a.age, 'run-' || a.age
    from unnest(${ages}::int[]) with ordinality as a(age, n)
    order by a.n`;
}

/** The ages of the change rows left, in id order. */
export async function remainingAges(sql: Sql): Promise<number[]> {
  const rows = await sql`select substr(run_id, 5)::int as age from balance_sync.balance_changes
                         order by id`;
  return rows.map((r) => r.age);
}
