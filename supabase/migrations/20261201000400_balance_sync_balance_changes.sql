-- balance-sync: the change log. One row per applied sync whose raw balance differs from the stored
-- one (a first observation counts, with previous_* null), written by balance_sync_record in the
-- same statement that applies the balance, so a row exists if and only if the balance changed.
--
-- Append-only: nothing but the retention (balance_sync.prune_balance_changes, called by the
-- cleanup job) deletes, and nothing updates. No foreign key to wallet_balances: that table belongs
-- to the exchange, and a constraint here must never refuse another service's delete there.
-- Only the owner and service_role may read it (through public.balance_sync_changes_since).

set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists balance_sync.balance_changes (
  id bigint generated always as identity primary key,
  wallet_balance_id uuid not null,
  wallet_id uuid,
  asset_on_chain_id uuid,
  chain_id uuid,
  previous_raw numeric(78, 0),
  previous_human numeric,
  new_raw numeric(78, 0) not null,
  new_human numeric not null,
  delta_raw numeric(78, 0) not null,
  delta_human numeric not null,
  previous_block numeric(78, 0),
  block numeric(78, 0),
  observed_at timestamptz not null,
  run_id text not null
);

comment on table balance_sync.balance_changes is
$$Append-only log of observed balance changes, written by public.balance_sync_record in the
statement that applies them. id is the consumer's cursor: ids become visible in increasing order
(record serialises its change inserts until commit), so "id > last seen id" never skips a row.$$;
comment on column balance_sync.balance_changes.previous_raw is
  'Raw balance before this sync; null on the first observation of the row.';
comment on column balance_sync.balance_changes.delta_raw is
  'new_raw - coalesce(previous_raw, 0): signed, exact (a first observation counts from 0).';
comment on column balance_sync.balance_changes.delta_human is
  'new_human - coalesce(previous_human, 0): signed, exact.';
comment on column balance_sync.balance_changes.previous_block is
  'wallet_balances.observed_block before this sync (null when unknown).';
comment on column balance_sync.balance_changes.block is
  'Block of the observation (the wallet_balances.observed_block after this sync).';
comment on column balance_sync.balance_changes.observed_at is
  'Time of the record call (wallet_balances.last_checked of this sync).';
comment on column balance_sync.balance_changes.run_id is
  'The run (worker token) that recorded the change.';

-- "changes of this wallet since T" and "changes on this chain since id N".
create index if not exists balance_changes_wallet_observed_idx
  on balance_sync.balance_changes (wallet_id, observed_at);
create index if not exists balance_changes_chain_id_idx
  on balance_sync.balance_changes (chain_id, id);

alter table balance_sync.balance_changes enable row level security;

revoke all on table balance_sync.balance_changes from public;
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on table balance_sync.balance_changes from %I', r);
    end if;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant select on table balance_sync.balance_changes to service_role;
  end if;
end
$$;

insert into balance_sync.settings (key, value, description) values
  ('balance_changes_retention_days', '30',
   'Days balance_sync.balance_changes rows are kept; older ones are deleted by the cleanup job.'),
  ('balance_changes_prune_batch', '5000',
   'Rows the change-log retention deletes per statement (short statements, no long lock).'),
  ('balance_changes_prune_seconds', '20',
   'Time budget of one retention pass; what is left is deleted by the next cleanup run.'),
  ('balance_changes_realtime', 'false',
   'true: balance_sync.balance_changes is in the supabase_realtime publication (postgres_changes '
   'inserts reach Supabase Realtime clients). Change it with select balance_sync.set_realtime(bool).')
on conflict (key) do nothing;

-- Retention: deletes change rows older than balance_changes_retention_days in batches of
-- balance_changes_prune_batch rows, walking the primary key from the oldest id, and stops at the
-- first row that is still young (ids follow observed_at) or when the time budget is spent.
-- Locks: each batch is one DELETE by primary key; it takes ROW EXCLUSIVE on the table, which no
-- insert or read waits for, and row locks on old rows that nobody else writes.
create or replace function balance_sync.prune_balance_changes()
  returns bigint
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_days numeric := (balance_sync.setting('balance_changes_retention_days', '30'))::text::numeric;
  v_batch integer := (balance_sync.setting('balance_changes_prune_batch', '5000'))::text::integer;
  v_budget numeric := (balance_sync.setting('balance_changes_prune_seconds', '20'))::text::numeric;
  v_cutoff timestamptz;
  v_started timestamptz := clock_timestamp();
  v_last bigint := 0;
  v_seen integer;
  v_deleted integer;
  v_young boolean;
  v_total bigint := 0;
begin
  if v_days is null or v_days <= 0 or v_batch is null or v_batch < 1 then
    raise exception using errcode = '22023',
      message = format('balance_sync.prune_balance_changes: balance_changes_retention_days must be > 0 '
                       'and balance_changes_prune_batch >= 1 (got %s, %s)', v_days, v_batch);
  end if;
  v_cutoff := now() - make_interval(secs => v_days * 86400);
  loop
    with batch as (
      select bc.id, bc.observed_at < v_cutoff as old
      from balance_sync.balance_changes as bc
      where bc.id > v_last
      order by bc.id
      limit v_batch
    ),
    removed as (
      delete from balance_sync.balance_changes as bc
      using batch as b
      where bc.id = b.id and b.old
      returning bc.id
    )
    select (select count(*) from batch), (select count(*) from removed),
           coalesce((select bool_or(not b.old) from batch as b), false),
           coalesce((select max(b.id) from batch as b), v_last)
    into v_seen, v_deleted, v_young, v_last;
    v_total := v_total + v_deleted;
    exit when v_seen < v_batch or v_young
      or clock_timestamp() - v_started > make_interval(secs => v_budget);
  end loop;
  return v_total;
end
$$;

revoke all on function balance_sync.prune_balance_changes() from public;

comment on function balance_sync.prune_balance_changes() is
$$Deletes balance_sync.balance_changes rows whose observed_at is older than the setting
balance_changes_retention_days (default 30), in batches (balance_changes_prune_batch, default
5,000) within a time budget (balance_changes_prune_seconds, default 20). Called by the cleanup
job (balance_sync.cleanup_cron_history). Returns the number of rows deleted.$$;

-- One change row as JSON, the shape of the notification rows and of
-- public.balance_sync_changes_since: amounts and blocks as decimal strings (a JSON number loses
-- precision past 2^53 in JavaScript), the id as a number.
-- No `set search_path`: it names only pg_catalog (always searched first), and without SET the
-- planner may inline it.
create or replace function balance_sync.balance_change_json(c balance_sync.balance_changes)
  returns jsonb
  language sql
  immutable
as $$
  select jsonb_build_object(
    'id', c.id,
    'wallet_balance_id', c.wallet_balance_id,
    'wallet_id', c.wallet_id,
    'asset_on_chain_id', c.asset_on_chain_id,
    'chain_id', c.chain_id,
    'previous_raw', c.previous_raw::text,
    'previous_human', c.previous_human::text,
    'new_raw', c.new_raw::text,
    'new_human', c.new_human::text,
    'delta_raw', c.delta_raw::text,
    'delta_human', c.delta_human::text,
    'previous_block', c.previous_block::text,
    'block', c.block::text,
    'observed_at', c.observed_at,
    'run_id', c.run_id)
$$;

revoke all on function balance_sync.balance_change_json(balance_sync.balance_changes) from public;

-- NOTIFY's payload limit is 8,000 bytes (the server refuses a longer one).
create or replace function balance_sync.notify_balance_changes(p_run text, p_changes jsonb)
  returns integer
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_count integer := jsonb_array_length(p_changes);
  v_run text := left(p_run, 200);
  v_payload text;
  v_ids bigint[];
  v_per_part integer;
  v_parts integer;
begin
  if v_count = 0 then
    return 0;
  end if;
  v_payload := jsonb_build_object('run', v_run, 'count', v_count, 'rows', p_changes)::text;
  if octet_length(v_payload) < 8000 then
    perform pg_notify('balance_sync_changes', v_payload);
    return 1;
  end if;
  select array_agg((e ->> 'id')::bigint order by (e ->> 'id')::bigint) into v_ids
  from jsonb_array_elements(p_changes) as e;
  -- each id takes at most its digits plus ", "; the envelope (run token included) gets its room
  v_per_part := greatest(1, (7000 - octet_length(v_run) * 2)
                            / (length(v_ids[array_upper(v_ids, 1)]::text) + 2));
  v_parts := ceil(v_count::numeric / v_per_part)::integer;
  for i in 1..v_parts loop
    perform pg_notify('balance_sync_changes', jsonb_build_object(
      'run', v_run, 'count', v_count, 'part', i, 'parts', v_parts,
      'ids', to_jsonb(v_ids[(i - 1) * v_per_part + 1 : i * v_per_part]))::text);
  end loop;
  return v_parts;
end
$$;

revoke all on function balance_sync.notify_balance_changes(text, jsonb) from public;

comment on function balance_sync.notify_balance_changes(text, jsonb) is
$$Sends the changes of one record call on channel balance_sync_changes (delivered at commit).
Payload, JSON, always under 8,000 bytes:
  {"run": "<worker>", "count": n, "rows": [<change>, ...]}                   when all n rows fit
  (run: the worker token, cut to 200 characters)
  {"run": "<worker>", "count": n, "part": i, "parts": k, "ids": [id, ...]}   otherwise, k parts
<change> is balance_sync.balance_change_json(row). Returns the number of notifications.$$;
