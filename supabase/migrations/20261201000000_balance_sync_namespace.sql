-- balance-sync: the project's own schema, for its tables, views and internal functions.
--
-- Created here, outside the scheduling migration, because that one needs pg_cron and only runs in
-- pg_cron's database; the objects in this schema are needed wherever the DB contract is.
-- Nothing in it is readable by anon, authenticated or PUBLIC; service_role may use it.

-- Fail fast rather than queue behind a busy object (README, "On a live exchange database").
set lock_timeout = '5s';
set statement_timeout = '60s';

create schema if not exists balance_sync;
revoke all on schema balance_sync from public;

do $$
begin
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant usage on schema balance_sync to service_role;
  end if;
end
$$;

-- Settings an operator may change at run time, one row per key. Each migration inserts its keys
-- with `on conflict do nothing`, so a value an operator changed survives every re-apply.
create table if not exists balance_sync.settings (
  key text primary key,
  value jsonb not null,
  description text not null default ''
);
revoke all on table balance_sync.settings from public;
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on table balance_sync.settings from %I', r);
    end if;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant select on table balance_sync.settings to service_role;
  end if;
end
$$;

comment on table balance_sync.settings is
  'balance-sync settings (key -> JSON value). Change with: update balance_sync.settings set value = ''...'' where key = ''...''.';

create or replace function balance_sync.setting(p_key text, p_default jsonb)
  returns jsonb
  language sql
  stable
  security definer
  set search_path = ''
as $$
  select coalesce((select s.value from balance_sync.settings as s where s.key = p_key), p_default)
$$;

revoke all on function balance_sync.setting(text, jsonb) from public;

comment on function balance_sync.setting(text, jsonb) is
  'The value of a balance_sync.settings key, or p_default when the key is not set.';
