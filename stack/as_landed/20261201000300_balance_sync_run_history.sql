-- balance-sync: what operators need to see in the database (tables, columns, indexes).
--
--   balance_sync.runs        one row per run, inserted by the run's first claim, completed by
--                            balance_sync_run_finish() when the run answers
--   balance_sync.run_totals  the metrics' counters that must outlive the history: runs the cleanup
--                            job removed (by status), RPC requests of every run (by chain)
--   wallet_balances.error_class  the class of the last error, set and cleared by record
--
-- The views and functions that read them are in 20261201001300_balance_sync_operability.sql.

set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists balance_sync.runs (
  run_id text primary key,
  kind text not null check (kind in ('scheduled', 'forced')),
  -- the forced filter as the run passed it to claim; null for a scheduled run over every chain
  scope jsonb,
  started_at timestamptz not null default now(),
  lease_seconds integer not null,
  finished_at timestamptz,
  -- abandoned is derived, never stored: see balance_sync.run_history
  status text not null default 'running' check (status in ('running', 'finished', 'failed')),
  -- chains the run touched: those of its first claim, then those of its summary
  chain_ids uuid[] not null default '{}',
  claimed integer,
  synced integer,
  failed integer,
  released integer,
  stale_rejected integer,
  lost integer,
  invalid integer,
  busy integer,
  batches integer,
  duration_ms integer,
  cpu_ms integer,
  stopped text,
  error text,
  -- per chain: rows, synced, failed, released, block, rpc_requests, mode, read_ms, errors_by_class
  chains jsonb,
  -- the summary the HTTP API answered, as the function sent it (without the per-row list)
  summary jsonb
);

comment on table balance_sync.runs is
  'One row per balance-sync run: inserted by its first claim (status running), completed when the run answers (finished or failed). Read balance_sync.run_history, which also shows abandoned runs.';

create index if not exists runs_started_at_idx on balance_sync.runs (started_at desc);
create index if not exists runs_running_idx on balance_sync.runs (started_at) where status = 'running';

create table if not exists balance_sync.run_totals (
  metric text not null,
  label text not null,
  value bigint not null default 0,
  primary key (metric, label)
);

comment on table balance_sync.run_totals is
  'Counters that outlive balance_sync.runs: metric runs (label = status), the runs the cleanup job removed; metric rpc_requests (label = chain id), the RPC requests of every finished run, added by balance_sync_run_finish. balance_sync_metrics() reads them so its counters only grow.';

insert into balance_sync.settings (key, value, description)
values
  ('run_history_retention', '"7 days"',
   'How long balance_sync.runs keeps a run (a PostgreSQL interval); applied by the daily cleanup job.'),
  ('min_interval_seconds', '30',
   'Seconds after its last check that a row is due again. Keep equal to the function secret BALANCE_SYNC_MIN_INTERVAL_SECONDS: the views use it to tell fresh rows from due ones.')
on conflict (key) do nothing;

do $$
declare
  t text;
  r text;
begin
  foreach t in array array['balance_sync.runs', 'balance_sync.run_totals'] loop
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

select balance_sync.add_missing_column('public.wallet_balances', 'error_class', 'text',
  'Class of the last error (transient, permanent or configuration) while error_streak > 0; set by a failed sync, cleared by a successful one.');

-- chain_status's most recent error per chain: a short backward walk over the failing rows.
select balance_sync.add_missing_index('public.wallet_balances_failing_idx',
  'create index wallet_balances_failing_idx on public.wallet_balances '
  || '(last_error_at desc nulls last) where error_streak > 0');
