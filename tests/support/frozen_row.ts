/**
 * A row that another service of the exchange keeps from being changed: the most common way a
 * database refuses one row of a batch that the sync claims, records or backfills.
 */

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
