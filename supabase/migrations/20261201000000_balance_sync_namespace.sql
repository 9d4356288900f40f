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

-- Changes to tables other services own go through these two helpers: they do nothing (and take no
-- lock) when the column or index is there already, and a busy table makes them fail fast with a
-- message that says nothing was changed and to retry.
create or replace function balance_sync.busy_table_error(p_table text)
  returns void
  language plpgsql
as $$
begin
  raise exception using errcode = '55P03',
    message = format('balance-sync migration: table %s is busy (another transaction holds a lock on '
      || 'it), gave up after lock_timeout %s. Nothing was changed: retry the migration '
      || '(supabase db push) when the table is quiet.', p_table, current_setting('lock_timeout')),
    hint = 'Long transactions: select pid, xact_start, state, query from pg_stat_activity '
      || 'where xact_start < now() - interval ''1 minute'' order by xact_start';
end
$$;

create or replace function balance_sync.add_missing_column(
  p_table regclass, p_column text, p_definition text, p_comment text default null
)
  returns boolean
  language plpgsql
as $$
begin
  if exists (select 1 from pg_attribute as a
             where a.attrelid = p_table and a.attname = p_column and not a.attisdropped) then
    return false;
  end if;
  execute format('alter table %s add column %I %s', p_table, p_column, p_definition);
  if p_comment is not null then
    execute format('comment on column %s.%I is %L', p_table, p_column, p_comment);
  end if;
  return true;
exception
  when lock_not_available then
    perform balance_sync.busy_table_error(p_table::text);
end
$$;

create or replace function balance_sync.add_missing_index(p_name text, p_definition text)
  returns boolean
  language plpgsql
as $$
declare
  v_table text := substring(p_definition from '(?i)\son\s+([a-z0-9_."]+)');
begin
  if to_regclass(p_name) is not null then
    return false;
  end if;
  execute p_definition;
  return true;
exception
  when lock_not_available then
    perform balance_sync.busy_table_error(v_table);
end
$$;

revoke all on function balance_sync.busy_table_error(text) from public;
revoke all on function balance_sync.add_missing_column(regclass, text, text, text) from public;
revoke all on function balance_sync.add_missing_index(text, text) from public;

-- The API functions of this project are executable by service_role only. Supabase's default
-- privileges grant new functions in public to anon and authenticated, and PostgreSQL grants them
-- to PUBLIC: every migration revokes both explicitly through this one helper.
create or replace function balance_sync.grant_to_service_role_only(p_functions text[])
  returns void
  language plpgsql
as $$
declare
  f text;
  r text;
begin
  foreach f in array p_functions loop
    execute format('revoke all on function %s from public', f);
    foreach r in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_roles where rolname = r) then
        execute format('revoke all on function %s from %I', f, r);
      end if;
    end loop;
    if exists (select 1 from pg_roles where rolname = 'service_role') then
      execute format('grant execute on function %s to service_role', f);
    end if;
  end loop;
end
$$;

revoke all on function balance_sync.grant_to_service_role_only(text[]) from public;
