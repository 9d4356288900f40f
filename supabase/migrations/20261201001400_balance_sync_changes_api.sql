-- balance-sync: reading the change log (balance_sync.balance_changes) and the Supabase Realtime
-- switch for it.

-- Cursor paging for service-role clients (PostgREST: supabase.rpc('balance_sync_changes_since',
-- { p_after_id, p_limit })). Rows are balance_sync.balance_change_json objects: amounts and
-- blocks as decimal strings.
set lock_timeout = '5s';
set statement_timeout = '60s';

create or replace function public.balance_sync_changes_since(
  p_after_id bigint default 0,
  p_limit integer default 1000,
  p_chain_id uuid default null
)
  returns setof jsonb
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  if p_after_id is null or p_after_id < 0 then
    raise exception using errcode = '22023',
      message = format('balance_sync_changes_since: p_after_id must be >= 0, got %s', p_after_id);
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 10000 then
    raise exception using errcode = '22023',
      message = format('balance_sync_changes_since: p_limit must be 1..10000, got %s', p_limit);
  end if;
  return query
    select balance_sync.balance_change_json(bc)
    from balance_sync.balance_changes as bc
    where bc.id > p_after_id and (p_chain_id is null or bc.chain_id = p_chain_id)
    order by bc.id
    limit p_limit;
end
$$;

comment on function public.balance_sync_changes_since(bigint, integer, uuid) is
$$Up to p_limit (1..10000) change-log rows with id > p_after_id, in id order, optionally only those
of chain p_chain_id. Page with the last id as the next p_after_id: ids become visible in
increasing order, so no row is skipped. Each row: {"id", "wallet_balance_id", "wallet_id",
"asset_on_chain_id", "chain_id", "previous_raw", "previous_human", "new_raw", "new_human",
"delta_raw", "delta_human", "previous_block", "block", "observed_at", "run_id"}, amounts and
blocks as decimal strings. service_role only.$$;

select balance_sync.grant_to_service_role_only(
  array['public.balance_sync_changes_since(bigint, integer, uuid)']);

-- Realtime: the setting balance_changes_realtime (default false) decides whether
-- balance_sync.balance_changes is in the supabase_realtime publication. Changing the setting
-- applies it at once (trigger below); balance_sync.set_realtime(bool) is the short way.
create or replace function balance_sync.apply_realtime_setting()
  returns boolean
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_value jsonb := balance_sync.setting('balance_changes_realtime', 'false');
  v_on boolean;
  v_all_tables boolean;
  v_member boolean;
begin
  if jsonb_typeof(v_value) <> 'boolean' then
    raise exception using errcode = '22023',
      message = format('balance_sync: setting balance_changes_realtime must be true or false, got %s',
                       v_value);
  end if;
  v_on := v_value::text::boolean;
  select p.puballtables into v_all_tables from pg_catalog.pg_publication as p
  where p.pubname = 'supabase_realtime';
  if v_all_tables is null then
    -- Supabase creates this publication; on a plain PostgreSQL it may be missing.
    if not v_on then
      return false;
    end if;
    create publication supabase_realtime;
    v_all_tables := false;
  end if;
  if v_all_tables then
    if not v_on then
      raise warning 'balance_sync: publication supabase_realtime is FOR ALL TABLES, so '
        'balance_sync.balance_changes stays published';
    end if;
    return true;
  end if;
  select exists (
    select 1 from pg_catalog.pg_publication_tables as t
    where t.pubname = 'supabase_realtime' and t.schemaname = 'balance_sync'
      and t.tablename = 'balance_changes'
  ) into v_member;
  if v_on and not v_member then
    alter publication supabase_realtime add table balance_sync.balance_changes;
  elsif not v_on and v_member then
    alter publication supabase_realtime drop table balance_sync.balance_changes;
  end if;
  return v_on;
end
$$;

revoke all on function balance_sync.apply_realtime_setting() from public;

comment on function balance_sync.apply_realtime_setting() is
$$Adds balance_sync.balance_changes to the supabase_realtime publication (creating the publication
when it does not exist) if the setting balance_changes_realtime is true, removes it if false.
Returns whether the table is published.$$;

create or replace function balance_sync.settings_realtime_trigger()
  returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  perform balance_sync.apply_realtime_setting();
  return null;
end
$$;

revoke all on function balance_sync.settings_realtime_trigger() from public;

drop trigger if exists settings_apply_realtime on balance_sync.settings;
create trigger settings_apply_realtime
  after insert or update of value on balance_sync.settings
  for each row
  when (new.key = 'balance_changes_realtime')
  execute function balance_sync.settings_realtime_trigger();

create or replace function balance_sync.set_realtime(p_enabled boolean)
  returns boolean
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
begin
  if p_enabled is null then
    raise exception using errcode = '22023',
      message = 'balance_sync.set_realtime: p_enabled must be true or false';
  end if;
  update balance_sync.settings set value = to_jsonb(p_enabled)
  where key = 'balance_changes_realtime';
  if not found then
    insert into balance_sync.settings (key, value, description)
    values ('balance_changes_realtime', to_jsonb(p_enabled),
            'true: balance_sync.balance_changes is in the supabase_realtime publication.');
  end if;
  return p_enabled;
end
$$;

revoke all on function balance_sync.set_realtime(boolean) from public;

comment on function balance_sync.set_realtime(boolean) is
$$Sets balance_changes_realtime and applies it: true adds balance_sync.balance_changes to the
supabase_realtime publication, so Supabase Realtime clients (postgres_changes, a service-role
key) receive its inserts; false removes it. Owner only.$$;

-- A re-applied migration keeps what the operator chose.
select balance_sync.apply_realtime_setting();
