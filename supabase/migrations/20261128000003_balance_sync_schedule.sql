-- balance-sync: the database drives the sync. pg_cron calls balance_sync.dispatch(), which reads
-- the function URL and the caller secret from Vault and queues one HTTP POST with pg_net.
--
-- No secret and no project URL live here. An operator stores them once (see README):
--   select vault.create_secret('https://<ref>.supabase.co/functions/v1/balance-sync',
--                              'balance_sync_function_url');
--   select vault.create_secret('<same value as the function secret BALANCE_SYNC_SECRET>',
--                              'balance_sync_secret');
-- (vault.update_secret(id, new_secret) changes an existing one.)
--
-- pg_cron can only be created in the database named by cron.database_name (`postgres` on
-- Supabase), so this migration runs there.
--
-- Idempotent: cron.schedule() replaces a job of the same name, so applying this twice leaves one
-- sync job and one cleanup job.

-- Fail fast rather than queue behind a busy object (README, "On a live exchange database").
set lock_timeout = '5s';
set statement_timeout = '60s';

create extension if not exists pg_cron with schema pg_catalog;
create schema if not exists extensions;
create extension if not exists pg_net with schema extensions;
create extension if not exists supabase_vault with schema vault;

create schema if not exists balance_sync;
revoke all on schema balance_sync from public;

create or replace function balance_sync.dispatch()
  returns bigint
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_url text;
  v_secret text;
begin
  select s.decrypted_secret into v_url
  from vault.decrypted_secrets as s
  where s.name = 'balance_sync_function_url';
  if v_url is null or btrim(v_url) = '' then
    raise exception using errcode = 'P0002',
      message = 'balance_sync.dispatch: Vault secret "balance_sync_function_url" is missing; create it with '
        || 'select vault.create_secret(''https://<ref>.supabase.co/functions/v1/balance-sync'', '
        || '''balance_sync_function_url'')';
  end if;

  select s.decrypted_secret into v_secret
  from vault.decrypted_secrets as s
  where s.name = 'balance_sync_secret';
  if v_secret is null or btrim(v_secret) = '' then
    raise exception using errcode = 'P0002',
      message = 'balance_sync.dispatch: Vault secret "balance_sync_secret" is missing; create it with '
        || 'select vault.create_secret(''<value of the function secret BALANCE_SYNC_SECRET>'', '
        || '''balance_sync_secret'')';
  end if;

  -- The timeout outlasts the function's run budget (25 s by default), so pg_net keeps the
  -- connection until the function has answered with its summary.
  return net.http_post(
    url := btrim(v_url),
    body := '{}'::jsonb,
    headers := jsonb_build_object(
      'Content-Type', 'application/json',
      'x-balance-sync-secret', v_secret),
    timeout_milliseconds := 40000
  );
end
$$;

comment on function balance_sync.dispatch() is
$$Queues one POST to the balance-sync Edge Function (pg_net), authenticated with the
x-balance-sync-secret header. URL and secret come from the Vault secrets
balance_sync_function_url and balance_sync_secret; a missing one raises an error naming it
(visible in cron.job_run_details). Returns the pg_net request id.$$;

create or replace function balance_sync.cleanup_cron_history(p_keep interval default '7 days')
  returns integer
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_count integer;
begin
  delete from cron.job_run_details where end_time < now() - p_keep;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

comment on function balance_sync.cleanup_cron_history(interval) is
$$Deletes cron.job_run_details rows that ended more than p_keep ago (pg_cron never does).$$;

revoke all on function balance_sync.dispatch() from public;
revoke all on function balance_sync.cleanup_cron_history(interval) from public;

-- pg_cron accepts second intervals from 1.5 on; older versions (Debian 12 ships 1.4) run the sync
-- every minute instead.
do $$
declare
  v_version integer[];
begin
  select string_to_array(split_part(extversion, '-', 1), '.')::integer[] into v_version
  from pg_extension
  where extname = 'pg_cron';

  perform cron.schedule(
    'balance-sync',
    case when v_version >= array[1, 5] then '30 seconds' else '* * * * *' end,
    'select balance_sync.dispatch()');
  perform cron.schedule(
    'balance-sync-cleanup',
    '17 3 * * *',
    'select balance_sync.cleanup_cron_history()');
end
$$;
