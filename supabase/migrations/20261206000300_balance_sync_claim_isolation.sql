-- balance-sync: claim and release isolate the rows the database refuses, as record does, and every
-- split is bounded.
--
--   balance_sync.refused_rows      rows the database refused to claim, release or mark as failed,
--                                  parked with a backoff; claim skips them while it runs
--   balance_sync.row_fault(code)   whether an error may be one row's fault (then: split, isolate)
--   balance_sync.update_apart(...) claim's, release's and record's bookkeeping UPDATE, in halves
--                                  when the database refuses it, within a subtransaction budget
--   balance_sync.record_statement  record's one statement (was the body of balance_sync_record)
--   balance_sync.record_apart      record in halves, breadth first, within the same budget
--   balance_sync_claim / _release / _record: redefined on top of them
--   balance_sync.row_state / row_status: a never-checked row is due now; a parked row is in backoff
--
-- Why: claim's and release's UPDATE fires other services' triggers and re-checks constraints. One
-- legacy row that a trigger refuses, that violates a NOT VALID check, or whose trigger names a
-- table without its schema (this project's functions run with an empty search_path), made the
-- whole claim fail: the row never got a lease or a backoff, stayed first in line, and its chain
-- failed every tick. Splitting in halves costs one subtransaction per attempt; past 64 live
-- subtransactions PostgreSQL's per-backend subxid cache overflows and every snapshot in the
-- cluster gets slower, so one call never starts more than balance_sync.split_budget() of them.

set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists balance_sync.refused_rows (
  id uuid primary key,
  operation text not null,
  reason text not null,
  refused_at timestamptz not null default now(),
  streak integer not null default 1,
  retry_at timestamptz not null
);

comment on table balance_sync.refused_rows is
$$wallet_balances rows whose bookkeeping write (claim's lease, release, or record's error) the
database refused: a trigger of another service, a NOT VALID check, ... One row per id: the
operation, the database's reason, how many times in a row (streak) and when claim tries it again
(retry_at, 30 s * 2^(streak-1), at most 1 h). claim skips a row here until retry_at, and deletes
its entry once it leases the row. balance_sync.why(id) shows it.$$;

do $$
declare
  r text;
begin
  revoke all on table balance_sync.refused_rows from public;
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on table balance_sync.refused_rows from %I', r);
    end if;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant select on table balance_sync.refused_rows to service_role;
  end if;
end
$$;

-- Subtransactions one call of claim, release or record may start (each attempt of a statement is
-- one). PostgreSQL caches 64 subtransaction ids per backend; past that every snapshot in the
-- cluster has to look subtransactions up in pg_subtrans.
create or replace function balance_sync.split_budget()
  returns integer
  language sql
  immutable
as $$
  select 60
$$;

-- Errors that are not a row's fault (connection, transaction state, deadlock or serialization,
-- resources, a lock or object in use, cancel or shutdown, system, internal, missing privilege)
-- fail the call; any other error of an UPDATE of wallet_balances may come from one row (a
-- trigger, a check, a legacy column, a trigger's unqualified table name under our empty
-- search_path: 42P01) and is isolated by splitting.
create or replace function balance_sync.row_fault(p_sqlstate text)
  returns boolean
  language sql
  immutable
as $$
  select left(p_sqlstate, 2) not in ('08', '25', '40', '53', '55', '57', '58', 'XX')
     and p_sqlstate <> '42501'
$$;

-- Parks refused rows: a new one waits 30 s, each further refusal in a row doubles it, up to 1 h.
create or replace function balance_sync.park_refused(
  p_ids uuid[], p_operation text, p_reasons text[])
  returns void
  language sql
  volatile
  security definer
  set search_path = ''
as $$
  insert into balance_sync.refused_rows as r (id, operation, reason, refused_at, streak, retry_at)
  select distinct on (u.id) u.id, p_operation, left(coalesce(u.reason, 'unknown'), 2000), now(), 1,
         now() + interval '30 seconds'
  from unnest(p_ids, p_reasons) as u(id, reason)
  where u.id is not null
  order by u.id
  on conflict (id) do update
  set operation = excluded.operation,
      reason = excluded.reason,
      refused_at = excluded.refused_at,
      streak = r.streak + 1,
      retry_at = now() + make_interval(secs => least(30 * power(2, least(r.streak, 7)), 3600))
$$;

-- The database's words for the error being handled, as record has always written them (a check's
-- DETAIL repeats the whole row: the constraint's name in the message says enough).
create or replace function balance_sync.error_text(p_message text, p_detail text)
  returns text
  language sql
  immutable
as $$
  select p_message || coalesce(' (' || nullif(
    case when p_detail like 'Failing row contains%' then '' else p_detail end, '') || ')', '')
$$;

-- One bookkeeping UPDATE of wallet_balances rows p_ids, applied in halves when the database
-- refuses it:
--   claim    lease the rows to p_worker until p_until (they are locked by the caller already)
--   release  give back p_worker's rows, due now
--   fail     record p_reasons[i] as row p_ids[i]'s error (record's refused entries), release it
-- Breadth first: a failing group is tried again as two halves, so that a refused row ends alone;
-- a group that the budget (p_budget statements in all, the first included) leaves no room to split
-- is refused as a group. Refused rows are parked in balance_sync.refused_rows (claim skips them
-- until their retry_at). Returns {"done": [ids written], "refused": [{"id", "reason"}],
-- "attempts": statements started, one subtransaction each}.
create or replace function balance_sync.update_apart(
  p_operation text,
  p_worker text,
  p_ids uuid[],
  p_until timestamptz default null,
  p_reasons text[] default null,
  p_budget integer default balance_sync.split_budget()
)
  returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_from integer[] := '{}';
  v_to integer[] := '{}';
  v_error text[] := '{}';
  v_head integer := 1;
  v_attempts integer := 0;
  v_done uuid[] := '{}';
  v_refused_ids uuid[] := '{}';
  v_refused_reasons text[] := '{}';
  v_got uuid[];
  v_limit integer;
  v_detail text;
  v_lo integer;
  v_hi integer;
  v_mid integer;
  v_n integer := coalesce(cardinality(p_ids), 0);
begin
  if p_operation not in ('claim', 'release', 'fail') then
    raise exception using errcode = '22023',
      message = format('balance_sync.update_apart: unknown operation %s', p_operation);
  end if;
  if p_operation = 'fail' then
    -- record's reason, cut to what a legacy varchar(n) last_error holds
    select a.atttypmod - 4 into v_limit
    from pg_attribute as a
    where a.attrelid = 'public.wallet_balances'::regclass and a.attname = 'last_error'
      and a.atttypmod > 4 and a.atttypid in ('varchar'::regtype, 'bpchar'::regtype);
  end if;
  if v_n > 0 then
    v_from := array[1];
    v_to := array[v_n];
    v_error := array[null::text];
  end if;

  while v_head <= cardinality(v_from) loop
    v_lo := v_from[v_head];
    v_hi := v_to[v_head];
    if v_error[v_head] is not null and v_lo = v_hi then
      -- one row, refused alone
      v_refused_ids := v_refused_ids || p_ids[v_lo];
      v_refused_reasons := v_refused_reasons || v_error[v_head];
    elsif v_error[v_head] is not null and v_attempts + 2 > p_budget then
      -- no room to split further: the group is refused as one
      v_refused_ids := v_refused_ids || p_ids[v_lo:v_hi];
      v_refused_reasons := v_refused_reasons || array_fill(format(
        '%s (not isolated: one of %s rows refused together)', v_error[v_head], v_hi - v_lo + 1),
        array[v_hi - v_lo + 1]);
    else
      for v_half in 1..case when v_error[v_head] is null then 1 else 2 end loop
        if v_error[v_head] is null then
          v_mid := v_hi; -- the whole set, first try
        elsif v_half = 1 then
          v_mid := (v_lo + v_hi) / 2;
        else
          v_lo := v_mid + 1;
          v_mid := v_hi;
        end if;
        v_attempts := v_attempts + 1;
        begin
          if p_operation = 'claim' then
            with u as (
              update public.wallet_balances as wb
              set processing_status = 'processing', locked_until = p_until, locked_by = p_worker
              where wb.id = any(p_ids[v_lo:v_mid])
              returning wb.id
            )
            select coalesce(array_agg(u.id), '{}') into v_got from u;
          elsif p_operation = 'release' then
            with u as (
              update public.wallet_balances as wb
              set processing_status = 'idle', locked_until = null, locked_by = null,
                  -- back in line behind the rows already due (their next_sync_at is earlier)
                  next_sync_at = now()
              where wb.id = any(p_ids[v_lo:v_mid]) and wb.locked_by = p_worker
              returning wb.id
            )
            select coalesce(array_agg(u.id), '{}') into v_got from u;
          else
            with f as (
              select distinct on (x.id) x.id, x.reason
              from unnest(p_ids[v_lo:v_mid], p_reasons[v_lo:v_mid]) as x(id, reason)
              order by x.id
            ),
            u as (
              update public.wallet_balances as wb
              set error_count = coalesce(wb.error_count, 0) + 1,
                  last_error = left(f.reason, coalesce(v_limit, 2000)),
                  last_error_at = now(),
                  error_streak = coalesce(wb.error_streak, 0) + 1,
                  error_class = 'permanent',
                  next_sync_at = now() + make_interval(secs =>
                    least(30 * power(2, least(coalesce(wb.error_streak, 0), 7)), 3600)),
                  processing_status = 'idle',
                  locked_until = null,
                  locked_by = null
              from f
              where wb.id = f.id and wb.locked_by = p_worker
              returning wb.id
            )
            select coalesce(array_agg(u.id), '{}') into v_got from u;
          end if;
          v_done := v_done || v_got;
        exception
          when others then
            if not balance_sync.row_fault(sqlstate) then
              raise;
            end if;
            get stacked diagnostics v_detail = pg_exception_detail;
            v_from := v_from || v_lo;
            v_to := v_to || v_mid;
            v_error := v_error || balance_sync.error_text(sqlerrm, v_detail);
        end;
      end loop;
    end if;
    v_head := v_head + 1;
  end loop;

  if cardinality(v_refused_ids) > 0 then
    perform balance_sync.park_refused(v_refused_ids, p_operation, v_refused_reasons);
  end if;
  return jsonb_build_object(
    'done', to_jsonb(v_done),
    'refused', coalesce((
      select jsonb_agg(jsonb_build_object('id', r.id, 'reason', r.reason) order by r.ord)
      from unnest(v_refused_ids, v_refused_reasons) with ordinality as r(id, reason, ord)),
      '[]'::jsonb),
    'attempts', v_attempts);
end
$$;

comment on function balance_sync.update_apart(text, text, uuid[], timestamptz, text[], integer) is
$$The bookkeeping UPDATE of claim (lease), release and record (a refused entry's error), tried on
all rows at once, then in halves where the database refuses it, within p_budget statements (one
subtransaction each). Refused rows are parked in balance_sync.refused_rows. Returns {"done",
"refused": [{"id", "reason"}], "attempts"}. Internal: not executable by any API role.$$;

-- claim: pick and lock the rows first, then lease them through update_apart, so that a row the
-- database refuses to lease is parked alone and the rest of the batch is claimed in the same call.
create or replace function public.balance_sync_claim(
  p_worker text,
  p_limit integer default 50,
  p_lease_seconds integer default 120,
  p_filter jsonb default null,
  p_min_interval_seconds integer default 30
)
  returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_now timestamptz := now();
  v_forced boolean := false;
  v_scheduled boolean := false;
  v_pick uuid[];
  v_wallet uuid;
  v_ids uuid[];
  v_asset_on_chain uuid;
  v_chain uuid;
  v_unknown text;
  v_key text;
  v_result jsonb;
  v_busy jsonb := '[]'::jsonb;
  v_missing text;
  v_unknown_ids uuid[] := '{}';
  v_picked uuid[];
  v_got uuid[];
  v_tried uuid[] := '{}';
  v_need integer;
  v_claimed uuid[] := '{}';
  v_leased jsonb := jsonb_build_object('done', '[]'::jsonb, 'refused', '[]'::jsonb);
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception using errcode = '22023',
      message = 'balance_sync_claim: p_worker must be a non-empty token';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 10000 then
    raise exception using errcode = '22023',
      message = format('balance_sync_claim: p_limit must be 1..10000, got %s', p_limit);
  end if;
  if p_lease_seconds is null or p_lease_seconds < 1 or p_lease_seconds > 86400 then
    raise exception using errcode = '22023',
      message = format('balance_sync_claim: p_lease_seconds must be 1..86400, got %s', p_lease_seconds);
  end if;
  if p_min_interval_seconds is null or p_min_interval_seconds < 0 then
    raise exception using errcode = '22023',
      message = format('balance_sync_claim: p_min_interval_seconds must be >= 0, got %s',
                       p_min_interval_seconds);
  end if;

  if p_filter is not null and jsonb_typeof(p_filter) <> 'null' then
    if jsonb_typeof(p_filter) <> 'object' then
      raise exception using errcode = '22023',
        message = 'balance_sync_claim: p_filter must be a JSON object';
    end if;
    select string_agg(k, ', ' order by k) into v_unknown
    from jsonb_object_keys(p_filter) as k
    where k not in ('wallet_id', 'wallet_balance_ids', 'asset_on_chain_id', 'chain_id',
                    'scheduled');
    if v_unknown is not null then
      raise exception using errcode = '22023',
        message = format('balance_sync_claim: unknown filter key(s): %s', v_unknown),
        hint = 'allowed: wallet_id, wallet_balance_ids, asset_on_chain_id, chain_id, scheduled';
    end if;
    -- "scheduled": true narrows a normal claim (due rows only, in line) instead of forcing one.
    if p_filter ? 'scheduled' and jsonb_typeof(p_filter -> 'scheduled') <> 'boolean' then
      raise exception using errcode = '22023',
        message = 'balance_sync_claim: filter scheduled must be a boolean';
    end if;
    v_scheduled := coalesce((p_filter ->> 'scheduled')::boolean, false);
    v_forced := (p_filter - 'scheduled') <> '{}'::jsonb and not v_scheduled;
    begin
      v_key := 'wallet_id';
      if p_filter ? v_key then
        if jsonb_typeof(p_filter -> v_key) <> 'string' then raise invalid_text_representation; end if;
        v_wallet := (p_filter ->> v_key)::uuid;
      end if;
      v_key := 'asset_on_chain_id';
      if p_filter ? v_key then
        if jsonb_typeof(p_filter -> v_key) <> 'string' then raise invalid_text_representation; end if;
        v_asset_on_chain := (p_filter ->> v_key)::uuid;
      end if;
      v_key := 'chain_id';
      if p_filter ? v_key then
        if jsonb_typeof(p_filter -> v_key) <> 'string' then raise invalid_text_representation; end if;
        v_chain := (p_filter ->> v_key)::uuid;
      end if;
      v_key := 'wallet_balance_ids';
      if p_filter ? v_key then
        if jsonb_typeof(p_filter -> v_key) <> 'array' or exists (
          select 1 from jsonb_array_elements(p_filter -> v_key) as e where jsonb_typeof(e) <> 'string'
        ) then
          raise invalid_text_representation;
        end if;
        select coalesce(array_agg(e::uuid), '{}') into v_ids
        from jsonb_array_elements_text(p_filter -> v_key) as e;
      end if;
    exception when invalid_text_representation then
      raise exception using errcode = '22023',
        message = format('balance_sync_claim: filter %s must be %s', v_key,
          case when v_key = 'wallet_balance_ids' then 'an array of uuid strings'
               else 'a uuid string' end);
    end;

    -- A filter that matches no wallet_balances row at all names something that does not exist
    -- (a typo): no_data_found (P0002, PostgREST answers 404) before anything is leased, with the
    -- filter key in DETAIL. Ids of wallet_balance_ids that match no row go back as unknown_ids.
    v_key := null;
    if v_wallet is not null
       and not exists (select 1 from public.wallet_balances as wb where wb.wallet_id = v_wallet) then
      v_key := 'wallet_id';
      v_missing := case when exists (select 1 from public.wallets as w where w.id = v_wallet)
                        then format('wallet %s has no wallet_balances rows', v_wallet)
                        else format('wallet %s does not exist', v_wallet) end;
    elsif v_asset_on_chain is not null
       and not exists (select 1 from public.wallet_balances as wb
                       where wb.asset_on_chain_id = v_asset_on_chain) then
      v_key := 'asset_on_chain_id';
      v_missing := case when exists (select 1 from public.asset_on_chain as aoc
                                     where aoc.id = v_asset_on_chain)
                        then format('asset_on_chain %s has no wallet_balances rows', v_asset_on_chain)
                        else format('asset_on_chain %s does not exist', v_asset_on_chain) end;
    elsif v_chain is not null
       and not exists (select 1 from public.wallet_balances as wb
                       join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
                       where aoc.chain_id = v_chain) then
      v_key := 'chain_id';
      v_missing := case when exists (select 1 from public.chains as c where c.id = v_chain)
                        then format('chain %s has no wallet_balances rows', v_chain)
                        else format('chain %s does not exist', v_chain) end;
    elsif v_ids is not null then
      select coalesce(array_agg(distinct u.id order by u.id), '{}') into v_unknown_ids
      from unnest(v_ids) as u(id)
      where not exists (select 1 from public.wallet_balances as wb where wb.id = u.id);
      if cardinality(v_ids) > 0 and not exists (
        select 1 from public.wallet_balances as wb where wb.id = any(v_ids)
      ) then
        v_key := 'wallet_balance_ids';
        v_missing := case when cardinality(v_unknown_ids) = 1
                          then format('wallet_balance %s does not exist', v_unknown_ids[1])
                          else format('none of the %s wallet_balance_ids exists',
                                      cardinality(v_unknown_ids)) end;
      end if;
    end if;
    if v_key is not null then
      raise exception using errcode = 'P0002', message = v_missing, detail = v_key;
    end if;
  end if;

  -- The rows in line: next_sync_at reached (a forced claim: every match), stalest first, locked
  -- FOR NO KEY UPDATE SKIP LOCKED (the lock the lease's UPDATE takes anyway: it does not block
  -- other services' inserts that reference a row), and only the rows returned are locked.
  --
  -- A scheduled claim of one chain first reads, without locking, the first rows of each of its
  -- assets in line (through wallet_balances_asset_next_sync_idx, instead of sorting every due row
  -- of the chain), then locks the first of them that no other claim holds. Rows another claim
  -- holds are skipped and the next ones read, for a few rounds, so that claims that overlap still
  -- take full, disjoint batches.
  v_picked := '{}';
  for v_round in 1..case when v_scheduled and v_chain is not null then 4 else 1 end loop
    v_need := p_limit - cardinality(v_picked);
    exit when v_need <= 0;
    if v_scheduled and v_chain is not null then
      select coalesce(array_agg(p.id order by p.due_at, p.last_checked asc nulls first, p.id), '{}')
        into v_pick
      from (
        select x.id, x.due_at, x.last_checked
        from public.asset_on_chain as a
        cross join lateral (
          select wb.id, coalesce(wb.next_sync_at, '-infinity'::timestamptz) as due_at,
                 wb.last_checked
          from public.wallet_balances as wb
          where wb.asset_on_chain_id = a.id
            and coalesce(wb.next_sync_at, '-infinity'::timestamptz) <= v_now
            and (wb.processing_status is distinct from 'processing'
                 or wb.locked_until is null or wb.locked_until <= v_now)
            -- next_sync_at set: it alone says when (record sets it from the tick); unset: the
            -- minimum interval since the last check
            and (wb.next_sync_at is not null or wb.last_checked is null
                 or wb.last_checked <= v_now - make_interval(secs => p_min_interval_seconds))
            and (coalesce(wb.error_streak, 0) <= 0
                 or wb.last_error_at is null
                 or wb.last_error_at <= v_now - make_interval(secs =>
                      least(30 * power(2, least(wb.error_streak - 1, 7)), 3600)))
            -- parked: the database refused to lease it; it waits for its retry_at
            and not exists (select 1 from balance_sync.refused_rows as r
                            where r.id = wb.id and r.retry_at > v_now)
            and wb.id <> all(v_tried)
          order by coalesce(wb.next_sync_at, '-infinity'::timestamptz),
                   wb.last_checked asc nulls first, wb.id
          limit v_need
        ) as x
        where a.chain_id = v_chain and a.is_active
        order by x.due_at, x.last_checked asc nulls first, x.id
        limit v_need
      ) as p;
      exit when cardinality(v_pick) = 0;
    end if;

    with picked as (
      select wb.id, coalesce(wb.next_sync_at, '-infinity'::timestamptz) as due_at, wb.last_checked
      from public.wallet_balances as wb
      join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
      join public.chains as c on c.id = aoc.chain_id
      where aoc.is_active and c.is_active
        -- idle, or the lease ran out (a forced claim may renew its own live lease)
        and (wb.processing_status is distinct from 'processing'
             or wb.locked_until is null
             or wb.locked_until <= v_now
             or (v_forced and wb.locked_by = p_worker))
        -- due (a forced claim ignores due-ness, backoff and parking)
        and (v_forced or (
              coalesce(wb.next_sync_at, '-infinity'::timestamptz) <= v_now
              and (wb.next_sync_at is not null or wb.last_checked is null
               or wb.last_checked <= v_now - make_interval(secs => p_min_interval_seconds))
              and (coalesce(wb.error_streak, 0) <= 0
                   or wb.last_error_at is null
                   or wb.last_error_at <= v_now - make_interval(secs =>
                        least(30 * power(2, least(wb.error_streak - 1, 7)), 3600)))
              and not exists (select 1 from balance_sync.refused_rows as r
                              where r.id = wb.id and r.retry_at > v_now)))
        and (v_wallet is null or wb.wallet_id = v_wallet)
        and (v_ids is null or wb.id = any(v_ids))
        and (v_asset_on_chain is null or wb.asset_on_chain_id = v_asset_on_chain)
        and (v_chain is null or aoc.chain_id = v_chain)
        and (v_pick is null or wb.id = any(v_pick))
        -- a rate-limited chain is read by the holder of its chain lease only
        and not exists (select 1 from balance_sync.chain_leases as l
                        where l.chain_id = aoc.chain_id and l.locked_until > v_now
                          and l.locked_by <> p_worker)
      order by coalesce(wb.next_sync_at, '-infinity'::timestamptz), wb.last_checked asc nulls first,
               wb.id
      limit v_need
      for no key update of wb skip locked
    )
    select coalesce(array_agg(p.id order by p.due_at, p.last_checked asc nulls first, p.id), '{}')
      into v_got
    from picked as p;
    v_picked := v_picked || v_got;
    -- done unless another claim held some of the rows read (then read past them)
    exit when v_pick is null or cardinality(v_got) = cardinality(v_pick);
    v_tried := v_tried || v_pick;
  end loop;

  -- Another service asks for a resync by setting last_checked = null: such a row is due now,
  -- whatever next_sync_at says, in line behind the rows already due. Only looked for when the
  -- line above did not fill the batch, through wallet_balances_sync_order_idx (nulls first).
  if not v_forced and cardinality(v_picked) < p_limit then
    with extra as (
      select wb.id
      from public.wallet_balances as wb
      join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
      join public.chains as c on c.id = aoc.chain_id
      where wb.last_checked is null
        and wb.next_sync_at > v_now
        and aoc.is_active and c.is_active
        and (wb.processing_status is distinct from 'processing'
             or wb.locked_until is null or wb.locked_until <= v_now)
        and (coalesce(wb.error_streak, 0) <= 0
             or wb.last_error_at is null
             or wb.last_error_at <= v_now - make_interval(secs =>
                  least(30 * power(2, least(wb.error_streak - 1, 7)), 3600)))
        and not exists (select 1 from balance_sync.refused_rows as r
                        where r.id = wb.id and r.retry_at > v_now)
        and (v_wallet is null or wb.wallet_id = v_wallet)
        and (v_ids is null or wb.id = any(v_ids))
        and (v_asset_on_chain is null or wb.asset_on_chain_id = v_asset_on_chain)
        and (v_chain is null or aoc.chain_id = v_chain)
        and not exists (select 1 from balance_sync.chain_leases as l
                        where l.chain_id = aoc.chain_id and l.locked_until > v_now
                          and l.locked_by <> p_worker)
        and wb.id <> all(v_picked)
      order by wb.last_checked asc nulls first, wb.id
      limit p_limit - cardinality(v_picked)
      for no key update of wb skip locked
    )
    select v_picked || coalesce(array_agg(e.id order by e.id), '{}') into v_picked from extra as e;
  end if;

  -- The lease. Other services' triggers and checks see this UPDATE: a row they refuse is parked
  -- (balance_sync.refused_rows) and the others are leased.
  if cardinality(v_picked) > 0 then
    v_leased := balance_sync.update_apart('claim', p_worker, v_picked,
                                          v_now + make_interval(secs => p_lease_seconds));
    select coalesce(array_agg(d.id::uuid), '{}') into v_claimed
    from jsonb_array_elements_text(v_leased -> 'done') as d(id);
    -- leased again: no longer parked
    if cardinality(v_claimed) > 0 and exists (select 1 from balance_sync.refused_rows) then
      delete from balance_sync.refused_rows as r where r.id = any(v_claimed);
    end if;
  end if;

  with claimed as (
    select wb.id, wb.wallet_id, wb.asset_on_chain_id, wb.last_checked
    from public.wallet_balances as wb
    where wb.id = any(v_claimed)
  ),
  enriched as (
    select cl.id, cl.wallet_id, cl.asset_on_chain_id, cl.last_checked,
           aoc.asset_id, aoc.chain_id, aoc.contract_address, aoc.decimals,
           coalesce(aoc.is_native, false) as is_native,
           c.name as chain_name, c.rpc_url,
           -- 'EVM', ' tron ' count; any other value (or null) is reported below, never read
           case when lower(btrim(c.family::text)) in ('evm', 'tron')
                then lower(btrim(c.family::text)) end as family,
           addr.n as address_count, addr.address
    from claimed as cl
    join public.asset_on_chain as aoc on aoc.id = cl.asset_on_chain_id
    join public.chains as c on c.id = aoc.chain_id
    cross join lateral (
      select count(*) as n, min(uwa.address) as address
      from public.user_wallet_addresses as uwa
      where uwa.wallet_id = cl.wallet_id and uwa.chain_id = aoc.chain_id and uwa.is_active
    ) as addr
  )
  select jsonb_build_object(
    'rows', coalesce((
      select jsonb_agg(jsonb_build_object(
        'id', e.id,
        'wallet_id', e.wallet_id,
        'asset_on_chain_id', e.asset_on_chain_id,
        'asset_id', e.asset_id,
        'chain_id', e.chain_id,
        'address', case when e.address_count = 1 then nullif(btrim(e.address), '') end,
        'contract_address', nullif(btrim(e.contract_address), ''),
        'decimals', e.decimals,
        'is_native', e.is_native,
        -- one decision and one wording, shared with balance_sync.why() and the status views
        'config_error', balance_sync.config_problem(e.chain_name, e.family, e.rpc_url, e.address_count,
          e.address, e.is_native, e.contract_address, e.decimals)
      ) order by e.last_checked asc nulls first, e.id)
      from enriched as e), '[]'::jsonb),
    'chains', coalesce((
      select jsonb_object_agg(c.id::text, jsonb_build_object(
        'id', c.id,
        'name', c.name,
        'family', case when lower(btrim(c.family::text)) in ('evm', 'tron')
                       then lower(btrim(c.family::text)) end,
        'rpc_url', c.rpc_url,
        'fallback_rpc_urls', to_jsonb(coalesce(c.fallback_rpc_urls, '{}'::text[])),
        'multicall_address', c.multicall_address,
        'confirmations', coalesce(c.confirmations, 0),
        'evm_chain_id', c.evm_chain_id,
        'api_key_env', c.api_key_env,
        'max_rps', c.max_rps,
        'max_concurrency', c.max_concurrency))
      from public.chains as c
      where c.id in (select e.chain_id from enriched as e)), '{}'::jsonb)
  )
  into v_result;

  -- Run history: the run's first claim creates its row (later claims of the run leave it alone),
  -- so a run killed before it answers still leaves a trace (see balance_sync.run_history).
  insert into balance_sync.runs (run_id, kind, scope, started_at, lease_seconds, chain_ids)
  values (p_worker, case when v_forced then 'forced' else 'scheduled' end,
          case when v_forced then p_filter end, v_now, p_lease_seconds,
          array(select k::uuid from jsonb_object_keys(v_result -> 'chains') as k))
  on conflict (run_id) do nothing;

  if v_forced then
    -- Rows this filter matches whose live lease belongs to another worker.
    select coalesce(jsonb_agg(wb.id order by wb.id), '[]'::jsonb) into v_busy
    from public.wallet_balances as wb
    join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
    join public.chains as c on c.id = aoc.chain_id
    where aoc.is_active and c.is_active
      and ((wb.processing_status = 'processing'
            and wb.locked_until > v_now
            and wb.locked_by is distinct from p_worker)
           or exists (select 1 from balance_sync.chain_leases as l
                      where l.chain_id = aoc.chain_id and l.locked_until > v_now
                        and l.locked_by <> p_worker))
      and (v_wallet is null or wb.wallet_id = v_wallet)
      and (v_ids is null or wb.id = any(v_ids))
      and (v_asset_on_chain is null or wb.asset_on_chain_id = v_asset_on_chain)
      and (v_chain is null or aoc.chain_id = v_chain);
  end if;

  return v_result || jsonb_build_object('busy', v_busy, 'refused', v_leased -> 'refused')
         || case when v_ids is not null then jsonb_build_object('unknown_ids', to_jsonb(v_unknown_ids))
                 else '{}'::jsonb end;
end
$$;

comment on function public.balance_sync_claim(text, integer, integer, jsonb, integer) is
$$Leases up to p_limit wallet_balances rows to worker p_worker for p_lease_seconds and returns
{"rows": [...], "chains": {"<chain id>": {...}}, "busy": [ids]}.

Eligible rows: active asset_on_chain on an active chain; idle or lease expired; due, i.e. never
checked or last_checked at least p_min_interval_seconds ago; and outside the error backoff.
A row whose last_checked is null (another service asking for a resync) is due whatever
next_sync_at says, behind the rows already due.
Order: stalest first (last_checked nulls first). Locking: SKIP LOCKED, so concurrent claimers
take disjoint rows.

Backoff: a row with error_streak = n > 0 is not due before
    last_error_at + least(30 s * 2^(n-1), 3600 s)
i.e. 30 s, 60 s, 120 s, 240 s, 480 s, 960 s, 1920 s, then 3600 s for n >= 8.

Broken configuration (chain without family or rpc_url, no or several active addresses, token
without contract_address, decimals null or outside 0..77) does not hide a row: it is claimed and
carries a readable config_error; the caller records it as that row's error.

p_filter (forced sync): any of wallet_id, wallet_balance_ids (array), asset_on_chain_id, chain_id
(combined with AND). A non-empty filter ignores due-ness and backoff but never takes a live lease
of another worker: such rows are listed in "busy". null or {} means a normal claim.
A filter that matches no wallet_balances row at all raises no_data_found (P0002; PostgREST: 404)
before anything is leased: the message names what does not exist, DETAIL is the filter key. With
wallet_balance_ids, the ids that match no row are returned in "unknown_ids".

Next due time: a row is due only once coalesce(next_sync_at, -infinity) <= now (record and
release set it), and rows are taken in that order (index wallet_balances_next_sync_idx), so rows
waiting in backoff are never walked past. {"chain_id": <uuid>, "scheduled": true} narrows a
normal claim to one chain instead of forcing one. Rows of a chain whose live chain lease
(balance_sync.chain_leases) belongs to another worker are never claimed; a forced claim lists
them in "busy".

Refused rows: the lease is one UPDATE, which other services' triggers and checks see. When the
database refuses it, it is applied in halves (balance_sync.update_apart, at most
balance_sync.split_budget() statements), so that only the refused rows are left out: they are
parked in balance_sync.refused_rows with a backoff (30 s * 2^(n-1), at most 1 h) and listed in
"refused": [{"id", "reason"}]; the other rows are claimed. A normal claim skips parked rows until
their retry_at; a forced claim tries them again. Locking: FOR NO KEY UPDATE SKIP LOCKED, only the
rows returned (a scheduled chain claim reads its candidates unlocked, then locks the first free
ones, reading past rows other claims hold for up to 4 rounds).$$;

-- record's one statement, as it was the body of balance_sync_record: raises when the database
-- refuses it. Returns record's answer plus "changes", the change-log rows it wrote.
create or replace function balance_sync.record_statement(p_worker text, p_results jsonb)
  returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  -- The planner estimates one row on each side of the UPDATE ... FROM joins and may pick nested
  -- loops, which makes a batch of n results cost O(n^2) (seen: 4,000 rows in 12 s instead of 0.9 s).
  set enable_nestloop = off
as $$
declare
  v_now timestamptz := now();
  v_interval interval := make_interval(secs =>
    (balance_sync.setting('min_interval_seconds', '30'::jsonb) #>> '{}')::numeric);
  v_next_ok timestamptz := now() + v_interval;
  v_result jsonb;
  v_changes jsonb;
begin
  with entry as (
    select (t.ord - 1)::integer as idx, t.e,
           jsonb_typeof(t.e) = 'object' and t.e ? 'error' as is_error
    from jsonb_array_elements(p_results) with ordinality as t(e, ord)
  ),
  shaped as (
    select en.idx, en.e, en.is_error,
      case
        when jsonb_typeof(en.e) <> 'object' then 'entry is not a JSON object'
        when not en.e ? 'id' then 'missing id'
        when jsonb_typeof(en.e -> 'id') <> 'string'
             or (en.e ->> 'id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
          then 'id is not a uuid'
        when en.is_error and (en.e ? 'raw' or en.e ? 'human')
          then 'entry has both a balance and an error'
        when en.is_error and (jsonb_typeof(en.e -> 'error') <> 'string' or btrim(en.e ->> 'error') = '')
          then 'error must be a non-empty string'
        when en.is_error and not en.e ? 'error_class' then 'missing error_class'
        when en.is_error and coalesce(en.e ->> 'error_class', '') not in ('transient', 'permanent', 'configuration')
          then 'error_class must be transient, permanent or configuration'
        when en.is_error then null
        when not en.e ? 'raw' then 'missing raw'
        when jsonb_typeof(en.e -> 'raw') <> 'string' then 'raw must be a decimal string'
        when (en.e ->> 'raw') ~ '^\s*-' then 'raw is negative'
        when (en.e ->> 'raw') !~ '^[0-9]+$' then 'raw is not a non-negative integer'
        -- length first: a string too long for numeric would abort the whole batch
        when length(ltrim(en.e ->> 'raw', '0')) > 78 then 'raw exceeds 2^256-1'
        when (en.e ->> 'raw')::numeric
             > 115792089237316195423570985008687907853269984665640564039457584007913129639935
          then 'raw exceeds 2^256-1'
        when not en.e ? 'human' then 'missing human'
        when jsonb_typeof(en.e -> 'human') <> 'string' or (en.e ->> 'human') !~ '^[0-9]+(\.[0-9]+)?$'
          then 'human is not a non-negative decimal string'
        when length(en.e ->> 'human') > 1000 then 'human is too long'
        -- without its block an observation could overwrite one read at a higher block
        when not en.e ? 'block' or jsonb_typeof(en.e -> 'block') = 'null'
          then 'missing block: a balance must name the block it was read at'
        when jsonb_typeof(en.e -> 'block') <> 'string' or (en.e ->> 'block') !~ '^[0-9]{1,78}$'
          then 'block must be a decimal string'
        when en.e ? 'tick_at' and (jsonb_typeof(en.e -> 'tick_at') <> 'string'
             or (en.e ->> 'tick_at') !~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)$')
          then 'tick_at must be an ISO 8601 timestamp with its zone'
      end as reason
    from entry as en
  ),
  typed as (
    select s.idx, s.e, s.is_error, s.reason,
           case when s.reason is null then (s.e ->> 'id')::uuid end as id,
           case when s.reason is null and not s.is_error then (s.e ->> 'raw')::numeric end as raw,
           case when s.reason is null and not s.is_error then (s.e ->> 'human')::numeric end as human,
           case when s.reason is null and not s.is_error and jsonb_typeof(s.e -> 'block') = 'string'
                then (s.e ->> 'block')::numeric end as block,
           case when s.reason is null and s.is_error then left(s.e ->> 'error', 2000) end as message,
           -- the next sync: one interval after the scheduled tick that read the row (so it is due
           -- at the next tick, not one later), less 1 s for the cron's jitter; a tick after now
           -- counts as now, and the row is never due again within a second
           case when s.reason is null and not s.is_error and s.e ? 'tick_at'
                then greatest(least((s.e ->> 'tick_at')::timestamptz, v_now)
                              + v_interval - interval '1 second', v_now + interval '1 second')
                else v_next_ok end as next_ok
    from shaped as s
  ),
  checked as (
    select t.*,
      case
        when t.reason is not null then t.reason
        when row_number() over (partition by t.id order by t.idx) > 1 then 'duplicate id in this batch'
        when wb.id is null then 'unknown id'
        -- exact: human * 10^decimals must be raw (only checkable when decimals are sane)
        when not t.is_error
             and t.human * case when aoc.decimals between 0 and 77
                                then ('1' || repeat('0', aoc.decimals))::numeric end <> t.raw
          then format('human does not equal raw / 10^%s', aoc.decimals)
      end as problem,
      -- change log: the stored values before this statement (its snapshot, as text: the columns
      -- may be legacy text), and the chain
      wb.on_chain_balance_raw::text as previous_raw_text,
      wb.on_chain_balance_human::text as previous_human_text,
      wb.observed_block as previous_block, aoc.chain_id
    from typed as t
    left join public.wallet_balances as wb on wb.id = t.id
    left join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
  ),
  valid as (
    select * from checked where problem is null
  ),
  applied as (
    update public.wallet_balances as wb
    set on_chain_balance_raw = v.raw,
        on_chain_balance_human = v.human,
        last_checked = v_now,
        sync_count = coalesce(wb.sync_count, 0) + 1,
        updated_at = v_now,
        observed_block = v.block,
        error_streak = 0,
        error_class = null,
        next_sync_at = v.next_ok,
        processing_status = 'idle',
        locked_until = null,
        locked_by = null
    from valid as v
    where not v.is_error and wb.id = v.id and wb.locked_by = p_worker
      and (wb.observed_block is null or v.block >= wb.observed_block)
      -- change log: previous_raw must be the value this update replaces (rechecked on the row's
      -- newest version if another transaction changed it meanwhile)
      and wb.on_chain_balance_raw::text is not distinct from v.previous_raw_text
    returning wb.id, wb.wallet_id, wb.asset_on_chain_id, v.chain_id, v.previous_raw_text,
              v.previous_human_text, v.previous_block, v.raw, v.human, wb.observed_block as block
  ),
  stale as (
    update public.wallet_balances as wb
    set next_sync_at = v.next_ok,
        processing_status = 'idle',
        locked_until = null,
        locked_by = null
    from valid as v
    where not v.is_error and wb.id = v.id and wb.locked_by = p_worker
      and v.block < wb.observed_block
    returning wb.id
  ),
  errored as (
    update public.wallet_balances as wb
    set error_count = coalesce(wb.error_count, 0) + 1,
        last_error = v.message,
        last_error_at = v_now,
        error_streak = coalesce(wb.error_streak, 0) + 1,
        error_class = v.e ->> 'error_class',
        -- the backoff of claim: 30 s * 2^(n-1), at most 3600 s, n the new streak
        next_sync_at = v_now + make_interval(secs =>
          least(30 * power(2, least(coalesce(wb.error_streak, 0), 7)), 3600)),
        processing_status = 'idle',
        locked_until = null,
        locked_by = null
    from valid as v
    where v.is_error and wb.id = v.id and wb.locked_by = p_worker
    returning wb.id
  ),
  -- change log: one row per applied result whose raw value differs. The lock (taken after
  -- `applied` is complete, held until commit, only when something changed) makes change ids
  -- commit in id order, so a consumer's "id > cursor" never skips a row.
  change_candidate as (
    -- numeric(78,0) prints canonically, so equal text means equal value; only the rows whose
    -- text differs are parsed (a legacy text value that is not a decimal counts as none)
    select a.*,
           case when a.previous_raw_text ~ '^[0-9]{1,78}$' then a.previous_raw_text::numeric
           end as previous_raw,
           case when a.previous_human_text ~ '^[0-9]+(\.[0-9]+)?$'
                then a.previous_human_text::numeric end as previous_human
    from applied as a
    where a.raw::text is distinct from a.previous_raw_text
  ),
  change_gate as (
    select pg_advisory_xact_lock(hashtext('balance_sync'), hashtext('balance_changes')) as locked
    from (select count(*) as n from change_candidate as a where a.raw is distinct from a.previous_raw)
         as c
    where c.n > 0
  ),
  changed as (
    insert into balance_sync.balance_changes as bc (
      wallet_balance_id, wallet_id, asset_on_chain_id, chain_id, previous_raw, previous_human,
      new_raw, new_human, delta_raw, delta_human, previous_block, block, observed_at, run_id)
    select a.id, a.wallet_id, a.asset_on_chain_id, a.chain_id, a.previous_raw, a.previous_human,
           a.raw, a.human, a.raw - coalesce(a.previous_raw, 0), a.human - coalesce(a.previous_human, 0),
           a.previous_block, a.block, v_now, p_worker
    from change_candidate as a
    -- a one-time filter, evaluated before the first row is inserted (a join here would be a
    -- nested loop, which this function's enable_nestloop = off prices out of range)
    where a.raw is distinct from a.previous_raw and exists (select from change_gate)
    order by a.id
    returning bc.id, bc as change
  )
  select jsonb_build_object(
    'applied', (select count(*) from applied),
    'errored', (select count(*) from errored),
    'stale_rejected', (select count(*) from stale),
    'lost', (select count(*) from valid)
            - (select count(*) from applied) - (select count(*) from stale)
            - (select count(*) from errored),
    'stale_ids', coalesce((select jsonb_agg(st.id order by st.id) from stale as st), '[]'::jsonb),
    'lost_ids', coalesce((
      select jsonb_agg(v.id order by v.id)
      from valid as v
      where v.id not in (select a.id from applied as a
                         union all select st.id from stale as st
                         union all select er.id from errored as er)), '[]'::jsonb),
    'invalid', coalesce((
      select jsonb_agg(jsonb_build_object('index', c.idx, 'id', c.e -> 'id', 'reason', c.problem)
                       order by c.idx)
      from checked as c
      where c.problem is not null), '[]'::jsonb)
  ),
  -- change log: read after the result above, i.e. after every update of this statement is done
  (select jsonb_agg(balance_sync.balance_change_json(ch.change) order by ch.id) from changed as ch)
  into v_result, v_changes;
  return v_result || jsonb_build_object('changes', coalesce(v_changes, '[]'::jsonb));
end
$$;

comment on function balance_sync.record_statement(text, jsonb) is
$$The one statement of balance_sync_record (see there), raising when the database refuses it.
Returns record's answer without "refused", plus "changes": the balance_sync.balance_changes rows
it wrote, as JSON. Internal: not executable by any API role.$$;

create or replace function public.balance_sync_record(p_worker text, p_results jsonb)
  returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_result jsonb;
  v_detail text;
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception using errcode = '22023',
      message = 'balance_sync_record: p_worker must be a non-empty token';
  end if;
  if p_results is null or jsonb_typeof(p_results) <> 'array' then
    raise exception using errcode = '22023',
      message = 'balance_sync_record: p_results must be a JSON array';
  end if;

  begin
    v_result := jsonb_build_object('refused', '[]'::jsonb)
                || balance_sync.record_statement(p_worker, p_results);
  exception
    when others then
      -- Not a row's fault (connection, deadlock, timeout, resources, privileges): the caller
      -- retries the whole batch.
      if not balance_sync.row_fault(sqlstate) then
        raise;
      end if;
      -- One row the database refuses (a legacy column type or length, a trigger, a check) aborted
      -- the batch: apply it in halves, so that only refused rows fail, each on its own.
      get stacked diagnostics v_detail = pg_exception_detail;
      v_result := balance_sync.record_apart(p_worker, p_results,
                                            balance_sync.error_text(sqlerrm, v_detail));
  end;

  -- change log: wake the listeners (delivered at commit, and only if it commits), once per call
  if jsonb_array_length(coalesce(v_result -> 'changes', '[]'::jsonb)) > 0 then
    perform balance_sync.notify_balance_changes(p_worker, v_result -> 'changes');
  end if;

  return v_result - 'changes';
end
$$;

comment on function public.balance_sync_record(text, jsonb) is
$$Records the results of worker p_worker. p_results is an array of
  {"id": uuid, "raw": "<decimal>", "human": "<decimal>", "block": "<decimal>"}   (success)
  {"id": uuid, "error": "<message>", "error_class": "transient"|"permanent"|"configuration"} (failure)
Returns {"applied", "errored", "stale_rejected", "lost", "stale_ids", "lost_ids",
"invalid": [{"index", "id", "reason"}], "refused": [{"index", "id", "reason"}]}.

Success sets exactly on_chain_balance_raw, on_chain_balance_human, last_checked, sync_count + 1,
updated_at, observed_block, error_streak = 0 and error_class = null. Failure sets error_count + 1,
last_error, last_error_at, error_streak + 1 and error_class. Both release the lease (processing_status, locked_until,
locked_by), and only where locked_by = p_worker: other rows count as "lost" and do not change.
A success whose block is lower than observed_block only releases the lease ("stale_rejected");
an equal or higher block applies.
Every entry is validated (raw: decimal string 0..2^256-1; human: decimal string equal to
raw / 10^decimals; block: decimal string, required for a success; known id, no duplicate); an
invalid entry changes nothing (its lease runs out, or release it) while the valid ones apply.
The batch is one statement (balance_sync.record_statement). When the database refuses it (a row
that overflows a legacy column, a trigger that raises, a value too long, a check), the batch is
applied in halves (balance_sync.record_apart, at most balance_sync.split_budget() statements), so
that each refused row fails alone: it gets error_count + 1, last_error "refused by the database:
<reason>", last_error_at, error_streak + 1 (so its backoff) and its lease released, and is listed
in "refused"; every other row applies. Rows the budget leaves no room to isolate fail together
as one group, with the same error.
Every applied success whose raw value differs from the stored one (or is the first) writes a row
of balance_sync.balance_changes in the same statement, and the call then notifies channel
balance_sync_changes (see balance_sync.notify_balance_changes); a row whose stored raw value
changed under the statement is not applied and counts as "lost" (the caller releases it).$$;

create or replace function balance_sync.record_apart(p_worker text, p_results jsonb, p_error text)
  returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_budget integer := balance_sync.split_budget();
  v_attempts integer := 1; -- the whole batch, which the database refused with p_error
  v_list integer[];        -- 0-based indexes of the entries to apply: duplicates left out
  v_from integer[] := '{}';
  v_to integer[] := '{}';
  v_error text[] := '{}';
  v_head integer := 1;
  v_lo integer;
  v_hi integer;
  v_mid integer;
  v_detail text;
  v_part jsonb;
  v_applied bigint := 0;
  v_errored bigint := 0;
  v_stale bigint := 0;
  v_stale_ids jsonb := '[]';
  v_lost_ids jsonb := '[]';
  v_invalid jsonb;
  v_changes jsonb := '[]';
  -- refused entries: original index and reason
  v_refused_idx integer[] := '{}';
  v_refused_reason text[] := '{}';
  v_failed jsonb;
  v_refused jsonb := '[]';
begin
  -- An id given twice is invalid wherever its entries would fall: its second entry is reported
  -- "duplicate id in this batch" (as the one statement does), not applied in another half.
  select coalesce(array_agg(t.idx order by t.idx) filter (where t.n = 1), '{}'),
         coalesce(jsonb_agg(jsonb_build_object('index', t.idx, 'id', t.e -> 'id',
                                               'reason', 'duplicate id in this batch')
                            order by t.idx) filter (where t.n > 1), '[]')
    into v_list, v_invalid
  from (
    select s.idx, s.e,
           case when s.id is null then 1
                else row_number() over (partition by s.id order by s.idx) end as n
    from (
      select (o.ord - 1)::integer as idx, o.e,
             case when jsonb_typeof(o.e) = 'object' and jsonb_typeof(o.e -> 'id') = 'string'
                       and (o.e ->> 'id')
                           ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                  then (o.e ->> 'id')::uuid end as id
      from jsonb_array_elements(p_results) with ordinality as o(e, ord)
    ) as s
  ) as t;

  if cardinality(v_list) > 0 then
    v_from := array[1];
    v_to := array[cardinality(v_list)];
    -- the whole batch failed already; without duplicates it is tried again once, if it differs
    v_error := array[case when jsonb_array_length(v_invalid) = 0 then p_error end];
  end if;

  -- Breadth first: a failing group is tried again as two halves, each in its own subtransaction,
  -- while the budget allows (the refused rows' error write keeps its share).
  while v_head <= cardinality(v_from) loop
    v_lo := v_from[v_head];
    v_hi := v_to[v_head];
    if v_error[v_head] is not null and v_lo = v_hi then
      v_refused_idx := v_refused_idx || v_list[v_lo];
      v_refused_reason := v_refused_reason || ('refused by the database: ' || v_error[v_head]);
    elsif v_error[v_head] is not null and v_attempts + 2 > v_budget - 4 then
      v_refused_idx := v_refused_idx || v_list[v_lo:v_hi];
      v_refused_reason := v_refused_reason || array_fill(format(
        'refused by the database: %s (not isolated: one of %s rows refused together)',
        v_error[v_head], v_hi - v_lo + 1), array[v_hi - v_lo + 1]);
    else
      for v_half in 1..case when v_error[v_head] is null then 1 else 2 end loop
        if v_error[v_head] is null then
          v_mid := v_hi;
        elsif v_half = 1 then
          v_mid := (v_lo + v_hi) / 2;
        else
          v_lo := v_mid + 1;
          v_mid := v_hi;
        end if;
        v_attempts := v_attempts + 1;
        begin
          v_part := balance_sync.record_statement(p_worker, (
            select jsonb_agg(p_results -> u.i order by u.ord)
            from unnest(v_list[v_lo:v_mid]) with ordinality as u(i, ord)));
          v_applied := v_applied + (v_part ->> 'applied')::bigint;
          v_errored := v_errored + (v_part ->> 'errored')::bigint;
          v_stale := v_stale + (v_part ->> 'stale_rejected')::bigint;
          v_stale_ids := v_stale_ids || (v_part -> 'stale_ids');
          v_lost_ids := v_lost_ids || (v_part -> 'lost_ids');
          v_changes := v_changes || (v_part -> 'changes');
          -- this group's indexes, back to the batch's
          v_invalid := v_invalid || coalesce((
            select jsonb_agg(x.e || jsonb_build_object(
                     'index', v_list[v_lo + (x.e ->> 'index')::integer]))
            from jsonb_array_elements(v_part -> 'invalid') as x(e)), '[]'::jsonb);
        exception
          when others then
            if not balance_sync.row_fault(sqlstate) then
              raise;
            end if;
            get stacked diagnostics v_detail = pg_exception_detail;
            v_from := v_from || v_lo;
            v_to := v_to || v_mid;
            v_error := v_error || balance_sync.error_text(sqlerrm, v_detail);
        end;
      end loop;
    end if;
    v_head := v_head + 1;
  end loop;

  -- The refused entries: their error is written (in halves too, within what is left of the
  -- budget); a row that refuses even that is parked, and its lease runs out.
  if cardinality(v_refused_idx) > 0 then
    select array_agg(case when r.reason is not null and jsonb_typeof(p_results -> r.i -> 'error') = 'string'
                          then r.reason || '; the error to record was: ' || (p_results -> r.i ->> 'error')
                          else r.reason end order by r.ord)
      into v_refused_reason
    from unnest(v_refused_idx, v_refused_reason) with ordinality as r(i, reason, ord);
    v_failed := balance_sync.update_apart('fail', p_worker,
      array(select case when (p_results -> r.i ->> 'id')
                               ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                          then (p_results -> r.i ->> 'id')::uuid end
            from unnest(v_refused_idx) with ordinality as r(i, ord) order by r.ord),
      null, v_refused_reason, greatest(v_budget - v_attempts, 2));
    -- refused: written or parked; an id no longer ours is lost; an entry without an id is
    -- listed as refused (nothing to write)
    select coalesce(jsonb_agg(jsonb_build_object('index', r.i, 'id', p_results -> r.i -> 'id',
                                                 'reason', r.reason) order by r.i)
                      filter (where x.id is null or x.ours), '[]'),
           v_lost_ids || coalesce(jsonb_agg(to_jsonb(x.id) order by r.i)
                                    filter (where x.id is not null and not x.ours), '[]')
      into v_refused, v_lost_ids
    from unnest(v_refused_idx, v_refused_reason) as r(i, reason)
    cross join lateral (
      select case when (p_results -> r.i ->> 'id')
                         ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                  then (p_results -> r.i ->> 'id')::uuid end as id
    ) as y
    cross join lateral (
      select y.id,
             (v_failed -> 'done') ? y.id::text
             or exists (select 1 from jsonb_array_elements(v_failed -> 'refused') as f(e)
                        where (f.e ->> 'id')::uuid = y.id) as ours
    ) as x;
  end if;

  return jsonb_build_object(
    'applied', v_applied,
    'errored', v_errored,
    'stale_rejected', v_stale,
    'lost', jsonb_array_length(v_lost_ids),
    'stale_ids', coalesce((select jsonb_agg(e order by e::text) from jsonb_array_elements(v_stale_ids) as e), '[]'),
    'lost_ids', coalesce((select jsonb_agg(e order by e::text) from jsonb_array_elements(v_lost_ids) as e), '[]'),
    'invalid', coalesce((select jsonb_agg(e order by (e ->> 'index')::integer)
                         from jsonb_array_elements(v_invalid) as e), '[]'),
    'refused', v_refused,
    'changes', v_changes,
    -- statements started, one subtransaction each (the first, whole batch included)
    'subtransactions', v_attempts + coalesce((v_failed ->> 'attempts')::integer, 0));
end
$$;

comment on function balance_sync.record_apart(text, jsonb, text) is
$$Called by balance_sync_record when the database refused its batch (p_error: why). Breadth first,
tries each failing group again as two halves through balance_sync.record_statement, within
balance_sync.split_budget() statements in all; a refused entry (alone, or in a group the budget
leaves no room to split) gets error_count + 1, last_error "refused by the database: <reason>",
last_error_at, error_streak + 1 and its lease released (balance_sync.update_apart 'fail'; a row
that refuses even that is parked in balance_sync.refused_rows). A duplicate id is "invalid"
wherever it falls. Returns balance_sync_record's answer for the whole batch plus "changes" and
"subtransactions" (statements started). Internal: not executable by any API role.$$;

create or replace function public.balance_sync_release(p_worker text, p_ids uuid[])
  returns integer
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
begin
  if p_ids is null or cardinality(p_ids) = 0 then
    return 0;
  end if;
  -- Other services' triggers and checks see this UPDATE: a row they refuse is parked
  -- (balance_sync.refused_rows) and keeps its lease until it runs out; the others are released.
  return jsonb_array_length(
    balance_sync.update_apart('release', p_worker,
                              array(select distinct u.id from unnest(p_ids) as u(id)
                                    where u.id is not null)) -> 'done');
end
$$;

comment on function public.balance_sync_release(text, uuid[]) is
$$Gives back rows leased by p_worker that its run could not finish (no error is counted): they are
due now, behind the rows already due. Returns the number of rows released; rows leased by another
worker are not touched. A row the database refuses to release (a trigger, a check) is left out
alone and parked in balance_sync.refused_rows (claim skips it until its retry_at); its lease runs
out.$$;

-- row_state: claim's rule for "due" now says that a never-checked row is due whatever
-- next_sync_at says (another service's way of asking for a resync). Same signature, so
-- chain_status's counts follow.
create or replace function balance_sync.row_state(
  p_active boolean, p_processing boolean, p_locked_until timestamptz, p_config_broken boolean,
  p_retry_at timestamptz, p_last_checked timestamptz, p_min_interval interval,
  p_next_sync_at timestamptz)
  returns text
  language sql
  stable
as $$
  select case
    when not coalesce(p_active, false) then 'inactive'
    when p_processing and p_locked_until > now() then 'leased'
    when p_config_broken then 'configuration'
    when p_retry_at > now() then 'backoff'
    -- claim's rule: never checked; or next_sync_at reached; or, without next_sync_at, checked
    -- long enough ago
    when p_last_checked is null
         or p_next_sync_at <= now()
         or (p_next_sync_at is null and p_last_checked <= now() - p_min_interval) then 'due'
    else 'fresh'
  end
$$;

-- row_status: a row parked in balance_sync.refused_rows is in backoff until its retry_at, and its
-- reason says what the database refused. Same columns as before.
create or replace view balance_sync.row_status as
select
  wb.id as wallet_balance_id,
  balance_sync.row_state(f.active, wb.processing_status = 'processing', wb.locked_until,
                         f.broken, greatest(f.retry_at, park.retry_at), wb.last_checked,
                         f.min_interval, wb.next_sync_at)
    as state,
  case
    when aoc.id is null then format('not synced: asset_on_chain %s does not exist', wb.asset_on_chain_id)
    when not aoc.is_active then format('not synced: asset_on_chain %s is inactive', aoc.id)
    when c.id is null then format('not synced: chain %s does not exist', aoc.chain_id)
    when not c.is_active then format('not synced: chain %s is inactive', c.name)
    when wb.processing_status = 'processing' and wb.locked_until > now()
      then format('leased by run %s until %s', wb.locked_by, wb.locked_until)
    when f.broken then 'configuration error: ' || f.problem
    when park.retry_at > now() and park.retry_at >= coalesce(f.retry_at, '-infinity'::timestamptz)
      then format('refused by the database: %s (the %s of this row, %s time(s) in a row; '
                  || 'not claimed before %s)', park.reason, park.operation, park.streak,
                  park.retry_at)
    when f.retry_at > now()
      then format('in backoff until %s after %s consecutive errors (%s): %s', f.retry_at,
                  wb.error_streak, coalesce(wb.error_class, 'unclassified'), wb.last_error)
    when wb.last_checked is null then 'never synced: due, waits for the next run'
    when wb.next_sync_at <= now()
         or (wb.next_sync_at is null and wb.last_checked <= now() - f.min_interval)
      then format('due: synced %s s ago, waits for the next run',
                  floor(extract(epoch from now() - wb.last_checked)))
    else format('fresh: synced %s s ago at block %s',
                floor(extract(epoch from now() - wb.last_checked)),
                coalesce(wb.observed_block::text, 'unknown'))
  end as reason,
  f.active,
  aoc.chain_id,
  c.name as chain_name,
  wb.wallet_id,
  wb.asset_on_chain_id,
  aoc.asset_id,
  wb.last_checked,
  extract(epoch from now() - wb.last_checked) as seconds_since_check,
  wb.observed_block::text as observed_block,
  wb.sync_count,
  case when wb.processing_status = 'processing' and wb.locked_until > now() then wb.locked_by end
    as leased_by,
  case when wb.processing_status = 'processing' and wb.locked_until > now() then wb.locked_until end
    as leased_until,
  wb.error_streak,
  wb.error_count,
  case when wb.error_streak > 0 then wb.error_class end as error_class,
  wb.last_error,
  wb.last_error_at,
  greatest(f.retry_at, park.retry_at) as retry_at,
  f.problem as configuration_error
from public.wallet_balances as wb
left join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
left join public.chains as c on c.id = aoc.chain_id
left join balance_sync.refused_rows as park on park.id = wb.id and park.retry_at > now()
cross join lateral (
  select count(*) as n, min(uwa.address) as address
  from public.user_wallet_addresses as uwa
  where uwa.wallet_id = wb.wallet_id and uwa.chain_id = aoc.chain_id and uwa.is_active
) as addr
cross join lateral (
  select aoc.is_active is true and c.is_active is true as active,
         balance_sync.config_broken(c.family::text, c.rpc_url,
                                    addr.n = 1 and nullif(btrim(addr.address), '') is not null,
                                    aoc.is_native, aoc.contract_address, aoc.decimals) as broken,
         -- the words only where they are read
         balance_sync.config_problem(c.name, c.family::text, c.rpc_url, addr.n, addr.address,
                                     aoc.is_native, aoc.contract_address, aoc.decimals) as problem,
         balance_sync.retry_at(wb.error_streak, wb.last_error_at) as retry_at,
         -- a scalar subquery: computed once per query, not per row
         (select balance_sync.min_interval()) as min_interval
) as f;

comment on view balance_sync.row_status is
  'Every wallet_balances row with its state (inactive, leased, configuration, backoff, due, fresh), a readable reason and the facts behind it. A row parked in balance_sync.refused_rows is in backoff until its retry_at, with reason "refused by the database: <reason>". balance_sync.why(id) asks it for one row.';

-- Internal helpers: no API role executes them (the API functions above call them as their owner).
do $$
declare
  obj text;
  r text;
begin
  foreach obj in array array[
    'balance_sync.split_budget()', 'balance_sync.row_fault(text)',
    'balance_sync.park_refused(uuid[], text, text[])', 'balance_sync.error_text(text, text)',
    'balance_sync.update_apart(text, text, uuid[], timestamptz, text[], integer)',
    'balance_sync.record_statement(text, jsonb)', 'balance_sync.record_apart(text, jsonb, text)'
  ] loop
    execute format('revoke all on function %s from public', obj);
    foreach r in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_roles where rolname = r) then
        execute format('revoke all on function %s from %I', obj, r);
      end if;
    end loop;
  end loop;
end
$$;

select balance_sync.grant_to_service_role_only(array[
  'public.balance_sync_claim(text, integer, integer, jsonb, integer)',
  'public.balance_sync_record(text, jsonb)',
  'public.balance_sync_release(text, uuid[])'
]);
