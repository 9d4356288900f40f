/**
 * TEST-ONLY audit of public.wallet_balances, for the reliability suite. Never part of a migration.
 *
 * A trigger in its own schema (`test_audit`) records, with the database's clock and transaction
 * id:
 * - every change of the lease or the balance bookkeeping of a row (locked_by, locked_until,
 *   processing_status, sync_count, error_count, the raw balance): `test_audit.lease_events`. This
 *   is the record of every claim, record and release, from which a test proves that no row was
 *   held by two runs at once and that no update was lost;
 * - every change of another worker's column (needs_gas, needs_consolidation, priority,
 *   gas_locked_*, consolidation_locked_*) and every deleted row: `test_audit.protected_changes`,
 *   which must stay empty.
 *
 * The trigger runs `security definer`, so it records whichever role (service_role through the
 * contract functions, or a superuser) made the change.
 */
import type { Sql } from "../../stack/pg.ts";
import { PROTECTED_COLUMNS } from "../../stack/protected_columns.ts";

const PROTECTED = PROTECTED_COLUMNS.join(", ");

const INSTALL = `
create schema if not exists test_audit;

create table if not exists test_audit.lease_events (
  seq bigserial primary key,
  row_id uuid not null,
  at timestamptz not null default clock_timestamp(),
  txid bigint not null default txid_current(),
  old_locked_by text,
  new_locked_by text,
  old_locked_until timestamptz,
  new_locked_until timestamptz,
  old_status text,
  new_status text,
  sync_delta integer not null,
  error_delta integer not null,
  old_raw text,
  new_raw text,
  new_block text
);

create table if not exists test_audit.protected_changes (
  seq bigserial primary key,
  row_id uuid not null,
  at timestamptz not null default clock_timestamp(),
  operation text not null,
  old_value text,
  new_value text
);

create or replace function test_audit.on_wallet_balances() returns trigger
language plpgsql security definer set search_path = pg_catalog, public as $$
begin
  if tg_op = 'DELETE' then
    insert into test_audit.protected_changes (row_id, operation, old_value)
    values (old.id, 'DELETE', row(${PROTECTED.replace(/(\w+)/g, "old.$1")})::text);
    return old;
  end if;
  if row(${PROTECTED.replace(/(\w+)/g, "old.$1")})::text
     is distinct from row(${PROTECTED.replace(/(\w+)/g, "new.$1")})::text then
    insert into test_audit.protected_changes (row_id, operation, old_value, new_value)
    values (old.id, 'UPDATE', row(${PROTECTED.replace(/(\w+)/g, "old.$1")})::text,
            row(${PROTECTED.replace(/(\w+)/g, "new.$1")})::text);
  end if;
  if old.locked_by is distinct from new.locked_by
     or old.locked_until is distinct from new.locked_until
     or old.processing_status is distinct from new.processing_status
     or old.sync_count is distinct from new.sync_count
     or old.error_count is distinct from new.error_count
     or old.on_chain_balance_raw is distinct from new.on_chain_balance_raw then
    insert into test_audit.lease_events (
      row_id, old_locked_by, new_locked_by, old_locked_until, new_locked_until, old_status,
      new_status, sync_delta, error_delta, old_raw, new_raw, new_block)
    values (
      new.id, old.locked_by, new.locked_by, old.locked_until, new.locked_until,
      old.processing_status::text, new.processing_status::text,
      new.sync_count - old.sync_count, new.error_count - old.error_count,
      old.on_chain_balance_raw::text, new.on_chain_balance_raw::text, new.observed_block::text);
  end if;
  return new;
end
$$;

drop trigger if exists test_audit_wallet_balances on public.wallet_balances;
create trigger test_audit_wallet_balances
  after update or delete on public.wallet_balances
  for each row execute function test_audit.on_wallet_balances();
`;

/** Installs (or reinstalls) the audit trigger in the database of `sql`. */
export async function installAudit(sql: Sql): Promise<void> {
  await sql.unsafe(INSTALL);
}

/** Forgets every recorded event (between tests). */
export async function clearAudit(sql: Sql): Promise<void> {
  await sql`truncate test_audit.lease_events, test_audit.protected_changes restart identity`;
}

/** `rows` with their snake_case column names in camelCase, as the interfaces below name them. */
function camelRows<T>(rows: readonly Record<string, unknown>[]): T[] {
  const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [camel(k), v])) as T);
}

export interface LeaseEvent {
  seq: number;
  rowId: string;
  at: Date;
  txid: string;
  oldLockedBy: string | null;
  newLockedBy: string | null;
  oldLockedUntil: Date | null;
  newLockedUntil: Date | null;
  oldStatus: string;
  newStatus: string;
  syncDelta: number;
  errorDelta: number;
  oldRaw: string | null;
  newRaw: string | null;
  newBlock: string | null;
}

/** Every lease or bookkeeping change so far, in order. */
export async function leaseEvents(sql: Sql): Promise<LeaseEvent[]> {
  const rows = await sql`
    select seq::int, row_id::text, at, txid::text, old_locked_by, new_locked_by, old_locked_until,
           new_locked_until, old_status, new_status, sync_delta, error_delta, old_raw, new_raw,
           new_block
    from test_audit.lease_events order by seq`;
  return camelRows<LeaseEvent>(rows);
}

/** A claim: the row passes to a new holder. */
export const isClaim = (e: LeaseEvent): boolean =>
  e.newLockedBy !== null && e.newLockedBy !== e.oldLockedBy;

/** A record or release: the holder gives the row up. */
export const isRelease = (e: LeaseEvent): boolean =>
  e.oldLockedBy !== null && e.newLockedBy === null;

/**
 * Claims that took a row from a holder whose lease was still live at that moment (by the
 * database's own clock). Must be empty: it is what "claimed by two runs within one lease" means.
 */
export function overlappingClaims(events: readonly LeaseEvent[]): LeaseEvent[] {
  return events.filter((e) =>
    isClaim(e) && e.oldLockedBy !== null &&
    (e.oldLockedUntil === null || e.oldLockedUntil.getTime() > e.at.getTime())
  );
}

export interface ProtectedChange {
  rowId: string;
  operation: string;
  oldValue: string | null;
  newValue: string | null;
}

/** Every change of a protected column so far, in order. */
export async function protectedChanges(sql: Sql): Promise<ProtectedChange[]> {
  const rows = await sql`
    select row_id::text, operation, old_value, new_value
    from test_audit.protected_changes order by seq`;
  return camelRows<ProtectedChange>(rows);
}
