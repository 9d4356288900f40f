/**
 * How an exchange's database refuses writes to one row of wallet_balances, for the claim, record
 * and backfill tests and the end-to-end ticks: a frozen-row trigger on its own (frozenRowTrigger),
 * and the three ways to refuse any write to a row that the claim must survive (rowRefusals).
 */
import type { Sql } from "../../stack/pg.ts";

/**
 * SQL that installs trigger `name` (and its function `public.<name>`) on wallet_balances: every
 * update of row `id` fails with `row <id> is frozen<by>`; with `balanceOnly`, only an update that
 * changes its balance (a claim or a lease stamp of that row still goes through).
 */
export function frozenRowTrigger(
  name: string,
  id: string,
  { by = "", balanceOnly = false }: { by?: string; balanceOnly?: boolean } = {},
): string {
  const balanceChanges = balanceOnly
    ? " and new.on_chain_balance_raw is distinct from old.on_chain_balance_raw"
    : "";
  return `
    create or replace function public.${name}() returns trigger language plpgsql as $$
    begin
      if old.id = '${id}'${balanceChanges}
      then raise exception 'row % is frozen${by}', old.id;
      end if;
      return new;
    end $$;
    create trigger ${name} before update on public.wallet_balances
      for each row execute function public.${name}();`;
}

export interface RowRefusal {
  name: string;
  install: (sql: Sql, bad: string) => Promise<unknown>;
  remove: (sql: Sql) => Promise<unknown>;
  /** What the refusal's reason says. */
  reason: RegExp;
}

/**
 * Each object is named with `prefix`, so that tests sharing one database stay apart; `remove`
 * takes the refusal away again (the third one's table and function stay: without the trigger
 * they do nothing).
 */
export function rowRefusals(prefix: string): RowRefusal[] {
  const freeze = `${prefix}freeze_row`;
  const check = `${prefix}sync_count_sane`;
  const log = `${prefix}review_log`;
  return [
    {
      name: "a trigger that freezes one row (refuses any update of it)",
      install: (sql, bad) => sql.unsafe(frozenRowTrigger(freeze, bad, { by: " by compliance" })),
      remove: (sql) => sql.unsafe(`drop trigger ${freeze} on public.wallet_balances`),
      reason: /row .* is frozen by compliance/,
    },
    {
      name: "a NOT VALID check that one legacy row violates",
      install: async (sql, bad) => {
        await sql`update public.wallet_balances set sync_count = -1 where id = ${bad}`;
        await sql.unsafe(`alter table public.wallet_balances
                            add constraint ${check} check (sync_count >= 0) not valid`);
      },
      remove: (sql) => sql.unsafe(`alter table public.wallet_balances drop constraint ${check}`),
      reason: new RegExp(`violates check constraint "${check}"`),
    },
    {
      name: "a trigger that names a table without its schema (our search_path is empty)",
      install: (sql, bad) =>
        sql.unsafe(`
          create table if not exists public.${log} (wallet_balance_id uuid,
                                                    at timestamptz default now());
          create or replace function public.${log}() returns trigger language plpgsql as $$
          begin
            -- written for a session whose search_path has public: the table's schema is left out
            if new.id = '${bad}' then
              insert into ${log} (wallet_balance_id) values (new.id);
            end if;
            return new;
          end $$;
          create trigger ${log} after update on public.wallet_balances
            for each row execute function public.${log}();`),
      remove: (sql) => sql.unsafe(`drop trigger ${log} on public.wallet_balances`),
      reason: new RegExp(`relation "${log}" does not exist`),
    },
  ];
}
