-- balance-sync: balance_sync.left_in_place, on databases that applied
-- 20261201000100_balance_sync_live_safety.sql as it first landed (that file creates it now too, with
-- the same definition). It lists what the upgrade from the first version of the schema migration
-- left in place because the catalog could not prove that version wrote it, with the statement that
-- removes it (README, "On a live exchange database"). On such a database the list starts empty:
-- that version of the file did not record what it left.

set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists balance_sync.left_in_place (
  kind text not null,
  object text not null,
  reason text not null,
  ddl text not null,
  noted_at timestamptz not null default now(),
  primary key (kind, object)
);
select balance_sync.service_role_reads_only(array['balance_sync.left_in_place']::regclass[]);
comment on table balance_sync.left_in_place is
  'What the upgrade from the first version of the schema migration left in place because the catalog could not prove that version wrote it (kind: constraint, grant or family), and the statement (ddl) that removes it. Run it only for what balance-sync added; delete the row once handled.';
