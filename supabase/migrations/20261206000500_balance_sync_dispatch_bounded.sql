-- balance-sync: a fan-out that stays bounded and fair. Replaces balance_sync.dispatch() of
-- 20261201000950_balance_sync_schedule_v2.sql; the dispatch state of each chain is in the view
-- balance_sync.chain_dispatch_status.
--
--   * balance_sync.dispatch_requests: the pg_net request ids of the scheduled POSTs not answered
--     yet, per chain. A chain gets no POST beyond its allowed concurrency while earlier ones are
--     unanswered (still in net.http_request_queue, or sent and younger than their timeout), so a
--     stalled pg_net worker holds at most that many POSTs per chain, not 20 more every tick.
--   * balance_sync.chain_dispatch: per chain, when it was last POSTed (the fan-out serves the
--     chains that waited longest first, so none starves behind max_runs_per_tick) and how its
--     last runs ended (net._http_response): a chain whose runs keep failing is POSTed every 2^k
--     ticks (k = failures in a row), at least every dispatch_backoff_max_seconds (5 minutes).
--   * A tick sends nothing while net.http_request_queue is backed up (net_queue_max requests
--     waiting, or one of ours waiting longer than net_queue_stall_seconds).

set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists balance_sync.dispatch_requests (
  request_id bigint primary key,
  chain_id uuid not null,
  queued_at timestamptz not null default now(),
  timeout_ms integer not null
);
create index if not exists dispatch_requests_chain_idx on balance_sync.dispatch_requests (chain_id);
comment on table balance_sync.dispatch_requests is
  'balance-sync: scheduled POSTs (pg_net request ids) not answered yet, per chain; dispatch() '
  'deletes a row once net._http_response has its answer (or it is lost: not queued, no answer '
  '30 s past its timeout).';

create table if not exists balance_sync.chain_dispatch (
  chain_id uuid primary key,
  last_dispatched_at timestamptz,
  last_dispatch_tick bigint,
  failures integer not null default 0,
  last_status integer,
  last_error text,
  last_outcome_at timestamptz
);
comment on table balance_sync.chain_dispatch is
  'balance-sync: per chain, its last scheduled POST (time, tick) and the outcome of its latest '
  'answered ones: failures = runs in a row that answered non-2xx, timed out or were lost.';

create sequence if not exists balance_sync.dispatch_tick;
comment on sequence balance_sync.dispatch_tick is
  'balance-sync: numbers the dispatch() ticks (the backoff counts ticks).';

do $$
declare
  obj text;
  r text;
begin
  foreach obj in array array['balance_sync.dispatch_requests', 'balance_sync.chain_dispatch',
                             'balance_sync.dispatch_tick'] loop
    execute format('revoke all on %s from public', obj);
    foreach r in array array['anon', 'authenticated', 'service_role'] loop
      if exists (select 1 from pg_roles where rolname = r) then
        execute format('revoke all on %s from %I', obj, r);
      end if;
    end loop;
  end loop;
end
$$;

insert into balance_sync.settings (key, value, description) values
  ('net_queue_max', '200',
   'dispatch() sends nothing while net.http_request_queue holds this many requests (any caller).'),
  ('net_queue_stall_seconds', '10',
   'dispatch() sends nothing while one of its POSTs has waited this long in net.http_request_queue '
   '(the pg_net worker is stalled).'),
  ('dispatch_backoff_max_seconds', '300',
   'A chain whose runs keep failing is POSTed every 2^k ticks (k = failures in a row), and at '
   'least once per this many seconds.')
on conflict (key) do nothing;

-- Checked when written, like the other settings (balance_sync.parse_setting).
insert into balance_sync.setting_rules (key, kind, minimum, minimum_inclusive, maximum) values
  ('net_queue_max', 'integer', 1, true, null),
  ('net_queue_stall_seconds', 'integer', 0, true, null),
  ('dispatch_backoff_max_seconds', 'integer', 0, true, null)
on conflict (key) do nothing;

-- Reads the answers of earlier POSTs: answered (or lost) requests leave dispatch_requests, and
-- each chain's latest outcome resets or extends its failure streak (one step per tick at most, so
-- 4 parallel runs failing together count as one failure, not four).
create or replace function balance_sync.settle_dispatches()
  returns integer
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_count integer;
begin
  with outcome as (
    select r.request_id, r.chain_id,
           case when resp.id is not null then coalesce(resp.status_code between 200 and 299, false)
                -- taken off the queue and never answered well past its timeout: lost
                when q.id is null
                     and r.queued_at + make_interval(secs => r.timeout_ms / 1000.0 + 30) < now()
                  then false
           end as ok,
           resp.status_code,
           case when resp.id is null then 'no answer (lost)'
                when resp.timed_out then 'timed out'
                else left(coalesce(resp.error_msg, resp.content), 300) end as error
    from balance_sync.dispatch_requests as r
    left join net._http_response as resp on resp.id = r.request_id
    left join net.http_request_queue as q on q.id = r.request_id
  ),
  settled as (
    delete from balance_sync.dispatch_requests as r
    using outcome as o
    where o.request_id = r.request_id and o.ok is not null
    returning o.request_id, o.chain_id, o.ok, o.status_code, o.error
  ),
  latest as (
    select distinct on (s.chain_id) s.chain_id, s.ok, s.status_code, s.error
    from settled as s
    order by s.chain_id, s.request_id desc
  )
  insert into balance_sync.chain_dispatch as cd
    (chain_id, failures, last_status, last_error, last_outcome_at)
  select l.chain_id, case when l.ok then 0 else 1 end, l.status_code,
         case when l.ok then null else l.error end, now()
  from latest as l
  on conflict (chain_id) do update
    set failures = case when excluded.failures = 0 then 0 else cd.failures + 1 end,
        last_status = excluded.last_status,
        last_error = excluded.last_error,
        last_outcome_at = excluded.last_outcome_at;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

comment on function balance_sync.settle_dispatches() is
$$Settles the scheduled POSTs that pg_net answered (net._http_response) or lost: removes them from
balance_sync.dispatch_requests and sets each chain's failure streak in balance_sync.chain_dispatch
(2xx: 0; non-2xx, timeout, error or lost: one more). Returns the number of chains updated.$$;

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
  v_queue_max integer;
  v_stall integer;
  v_backoff_max integer;
  v_tick bigint;
  v_chain record;
  v_request bigint;
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

  -- One tick at a time (a manual call next to the cron job would double the fan-out).
  if not pg_try_advisory_xact_lock(hashtext('balance_sync.dispatch')) then
    return 0;
  end if;
  v_tick := nextval('balance_sync.dispatch_tick');

  v_rows_per_run := greatest(balance_sync.setting_number('rows_per_run', 2000)::integer, 1);
  v_per_chain := greatest(balance_sync.setting_number('max_runs_per_chain', 4)::integer, 1);
  v_per_tick := greatest(balance_sync.setting_number('max_runs_per_tick', 20)::integer, 0);
  v_timeout := balance_sync.setting_number('pg_net_timeout_ms', 40000)::integer;
  v_min_interval := balance_sync.setting_number('min_interval_seconds', 30)::integer;
  v_queue_max := greatest(balance_sync.setting_number('net_queue_max', 200)::integer, 1);
  v_stall := balance_sync.setting_number('net_queue_stall_seconds', 10)::integer;
  v_backoff_max := balance_sync.setting_number('dispatch_backoff_max_seconds', 300)::integer;

  perform balance_sync.settle_dispatches();

  -- pg_net's queue is backed up (its worker is stalled or far behind): adding to it would only
  -- make the burst on recovery bigger.
  if (select count(*) from (select 1 from net.http_request_queue limit v_queue_max) as q) >= v_queue_max
     or exists (
       select 1
       from balance_sync.dispatch_requests as r
       join net.http_request_queue as q on q.id = r.request_id
       where r.queued_at < now() - make_interval(secs => v_stall))
  then
    return 0;
  end if;

  -- Per chain with due rows: how many runs it may have in flight (1 for a rate-limited chain or
  -- one in backoff; else one per rows_per_run due rows up to max_runs_per_chain), less those still
  -- unanswered (the due count includes the rows they will claim). Every chain's first POST comes
  -- before any second one; among equals, the chain POSTed longest ago (or never) first.
  for v_chain in
    with due as (
      select d.chain_id,
             case when d.rate_limited or coalesce(cd.failures, 0) > 0 then 1
                  else least(v_per_chain, ceil(d.due::numeric / v_rows_per_run)::integer)
             end as allowed,
             (select count(*) from balance_sync.dispatch_requests as r
              where r.chain_id = d.chain_id)::integer as outstanding,
             cd.last_dispatched_at
      from balance_sync.due_chains(v_min_interval, v_rows_per_run * v_per_chain) as d
      left join balance_sync.chain_dispatch as cd on cd.chain_id = d.chain_id
      where coalesce(cd.failures, 0) = 0
         -- in backoff: every 2^k ticks, and at least every v_backoff_max seconds
         or v_tick >= cd.last_dispatch_tick + power(2, least(cd.failures, 40))::bigint
         or now() >= cd.last_dispatched_at + make_interval(secs => v_backoff_max)
         or cd.last_dispatch_tick is null
    )
    select due.chain_id, slot
    from due
    cross join lateral generate_series(due.outstanding + 1, due.allowed) as slot
    order by slot, due.last_dispatched_at asc nulls first, due.chain_id
    limit v_per_tick
  loop
    -- The timeout outlasts the function's budget (25 s by default), so pg_net keeps the
    -- connection until it has answered.
    v_request := net.http_post(
      url := btrim(v_url),
      body := jsonb_build_object('chain_id', v_chain.chain_id, 'scheduled', true),
      headers := jsonb_build_object(
        'Content-Type', 'application/json',
        -- a value pasted with its line break could never match (HTTP trims header values)
        'x-balance-sync-secret', btrim(v_secret, E' \t\r\n'),
        -- the tick: record makes the rows this run reads due at the next tick (one interval
        -- after this one), not one later; a header, which a function that predates it ignores
        'x-balance-sync-tick-at', to_char(now() at time zone 'UTC',
                                          'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
      timeout_milliseconds := v_timeout
    );
    insert into balance_sync.dispatch_requests (request_id, chain_id, timeout_ms)
    values (v_request, v_chain.chain_id, v_timeout);
    insert into balance_sync.chain_dispatch as cd (chain_id, last_dispatched_at, last_dispatch_tick)
    values (v_chain.chain_id, now(), v_tick)
    on conflict (chain_id) do update
      set last_dispatched_at = excluded.last_dispatched_at,
          last_dispatch_tick = excluded.last_dispatch_tick;
    v_count := v_count + 1;
  end loop;
  return v_count;
end
$$;

comment on function balance_sync.dispatch() is
$$Queues the scheduled runs of this tick (pg_net POSTs to the balance-sync Edge Function,
authenticated with the x-balance-sync-secret header), body {"chain_id": "<uuid>", "scheduled":
true}. Per active chain with due rows, up to its allowed runs in flight: 1 for a chain with max_rps
or in failure backoff, else one per balance_sync.settings rows_per_run due rows up to
max_runs_per_chain; POSTs still unanswered (balance_sync.dispatch_requests) count against it. At
most max_runs_per_tick in all: every chain's first POST before any second one, the chain POSTed
longest ago (or never) first. A chain whose runs answered non-2xx, timed out or were lost k times
in a row is POSTed every 2^k ticks, and at least every dispatch_backoff_max_seconds. Nothing is
sent while net.http_request_queue is backed up (net_queue_max, net_queue_stall_seconds).
Timeout: setting pg_net_timeout_ms. URL and secret come from the Vault secrets
balance_sync_function_url and balance_sync_secret; a missing one raises an error naming it
(visible in cron.job_run_details). Returns the number of POSTs queued.$$;

revoke all on function balance_sync.dispatch() from public;
revoke all on function balance_sync.settle_dispatches() from public;

-- The dispatch state per chain, next to balance_sync.chain_status (same chain_id and chain_name).
-- A view of its own: chain_status is `select * from chain_status_rows()` in
-- 20261201001300_balance_sync_operability.sql, and any column added to it here would make that
-- file fail when the migrations are applied again ("cannot drop columns from view").
create or replace view balance_sync.chain_dispatch_status as
select c.id as chain_id,
       c.name as chain_name,
       coalesce(o.in_flight, 0)::integer as in_flight,
       coalesce(cd.failures, 0) as failures,
       case when coalesce(cd.failures, 0) > 0 then power(2, least(cd.failures, 40))::bigint
       end as backoff_ticks,
       case when coalesce(cd.failures, 0) > 0 then 'backoff'
            when coalesce(o.in_flight, 0) > 0 then 'in_flight'
            else 'idle' end as state,
       cd.last_dispatched_at,
       cd.last_status,
       cd.last_error,
       cd.last_outcome_at
from public.chains as c
left join balance_sync.chain_dispatch as cd on cd.chain_id = c.id
left join (
  select r.chain_id, count(*) as in_flight
  from balance_sync.dispatch_requests as r
  group by r.chain_id
) as o on o.chain_id = c.id;

comment on view balance_sync.chain_dispatch_status is
$$One row per chain: its scheduled fan-out. in_flight: POSTs not answered yet; failures: runs in a
row that answered non-2xx, timed out or were lost; backoff_ticks: while failing, the chain is
POSTed every this many ticks (at most every dispatch_backoff_max_seconds apart); state: idle,
in_flight or backoff; last_dispatched_at; last_status, last_error and last_outcome_at: the HTTP
status, error and time of its latest answered POST.$$;

do $$
declare
  r text;
begin
  revoke all on table balance_sync.chain_dispatch_status from public;
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on table balance_sync.chain_dispatch_status from %I', r);
    end if;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant select on table balance_sync.chain_dispatch_status to service_role;
  end if;
end
$$;
