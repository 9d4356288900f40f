-- balance-sync: the functions that pg_cron calls, second milestone. Replaces the functions of
-- 20261128000003_balance_sync_schedule.sql. The jobs themselves are scheduled there.

-- Fail fast rather than queue behind a busy object (README, "On a live exchange database").
set lock_timeout = '5s';
set statement_timeout = '60s';

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
      -- a value pasted with its line break could never match (HTTP trims header values)
      'x-balance-sync-secret', btrim(v_secret, E' \t\r\n')),
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
  -- Run history: balance_sync.runs keeps the run_history_retention setting (default 7 days).
  perform balance_sync.prune_run_history();
  -- change log retention (balance_changes_retention_days), batched, bounded in time
  perform balance_sync.prune_balance_changes();
  -- Only this project's jobs: other jobs' history belongs to their owners.
  delete from cron.job_run_details as d
  where d.end_time < now() - p_keep
    and d.jobid in (select j.jobid from cron.job as j
                    where j.jobname = 'balance-sync' or j.jobname like 'balance-sync-%');
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

comment on function balance_sync.cleanup_cron_history(interval) is
$$Deletes the cron.job_run_details rows of this project's jobs (balance-sync, balance-sync-*) that
ended more than p_keep ago (pg_cron never does). Other jobs' history is left alone.
Also deletes balance_sync.runs rows older than the run_history_retention setting
(balance_sync.prune_run_history), and applies the change-log retention
(balance_sync.prune_balance_changes()). Returns the number of cron.job_run_details rows deleted.$$;

revoke all on function balance_sync.dispatch() from public;
revoke all on function balance_sync.cleanup_cron_history(interval) from public;
