-- balance-sync: one way to say who may read a table of ours. The tables in balance_sync hold
-- leases, history and settings; the API roles anon and authenticated get nothing on them, and
-- service_role may read them (operators' dashboards, the tests), never write. Supabase's default
-- privileges would grant all to the API roles, so every new table calls this.
set lock_timeout = '5s';
set statement_timeout = '60s';

create or replace function balance_sync.service_role_reads_only(p_tables regclass[])
  returns void
  language plpgsql
  volatile
  set search_path = ''
as $$
declare
  t regclass;
  r text;
begin
  foreach t in array p_tables loop
    execute format('revoke all on table %s from public', t);
    foreach r in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_roles where rolname = r) then
        execute format('revoke all on table %s from %I', t, r);
      end if;
    end loop;
    if exists (select 1 from pg_roles where rolname = 'service_role') then
      execute format('grant select on table %s to service_role', t);
    end if;
  end loop;
end
$$;

comment on function balance_sync.service_role_reads_only(regclass[]) is
$$Revokes every privilege of public, anon and authenticated on the tables, and grants select to
service_role (where these roles exist). Called by the migrations that create a balance_sync table.$$;

revoke all on function balance_sync.service_role_reads_only(regclass[]) from public;
