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
  v_rows_per_run integer;
  v_per_chain integer;
  v_per_tick integer;
  v_timeout integer;
  v_min_interval integer;
  v_chain record;
  v_count bigint := 0;
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

  -- One POST per active chain with due rows; an unlimited chain with a backlog larger than one
  -- run claims gets more (up to max_runs_per_chain), and the tick sends max_runs_per_tick at most.
  -- Every chain gets its first POST before any chain gets a second. The timeout outlasts the
  -- function's budget (25 s by default), so pg_net keeps the connection until it has answered.
  v_rows_per_run := greatest((balance_sync.setting('rows_per_run', '2000'::jsonb) #>> '{}')::integer, 1);
  v_per_chain := greatest((balance_sync.setting('max_runs_per_chain', '4'::jsonb) #>> '{}')::integer, 1);
  v_per_tick := greatest((balance_sync.setting('max_runs_per_tick', '20'::jsonb) #>> '{}')::integer, 0);
  v_timeout := (balance_sync.setting('pg_net_timeout_ms', '40000'::jsonb) #>> '{}')::integer;
  v_min_interval := (balance_sync.setting('min_interval_seconds', '30'::jsonb) #>> '{}')::integer;

  for v_chain in
    select d.chain_id, slot
    from balance_sync.due_chains(v_min_interval, v_rows_per_run * v_per_chain) as d
    cross join lateral generate_series(1,
      case when d.rate_limited then 1
           else least(v_per_chain, ceil(d.due::numeric / v_rows_per_run)::integer) end) as slot
    order by slot, d.name, d.chain_id
    limit v_per_tick
  loop
    perform net.http_post(
      url := btrim(v_url),
      body := jsonb_build_object('chain_id', v_chain.chain_id, 'scheduled', true),
      headers := jsonb_build_object(
        'Content-Type', 'application/json',
        -- a value pasted with its line break could never match (HTTP trims header values)
        'x-balance-sync-secret', btrim(v_secret, E' \t\r\n')),
      timeout_milliseconds := v_timeout
    );
    v_count := v_count + 1;
  end loop;
  return v_count;
end
$$;

comment on function balance_sync.dispatch() is
$$Queues the scheduled runs of this tick (pg_net POSTs to the balance-sync Edge Function,
authenticated with the x-balance-sync-secret header): one per active chain with due rows, body
{"chain_id": "<uuid>", "scheduled": true}; an unlimited chain (no max_rps) gets one more per
balance_sync.settings rows_per_run due rows, up to max_runs_per_chain; at most max_runs_per_tick
in all, every chain's first POST before any second one. Timeout: setting pg_net_timeout_ms.
URL and secret come from the Vault secrets balance_sync_function_url and balance_sync_secret;
a missing one raises an error naming it (visible in cron.job_run_details). Returns the number of
POSTs queued.$$;

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
