-- balance-sync: the chain lease fences a rate-limited chain's pace, and the database's settings are
-- the one source of the run's settings.
--
--   balance_sync.chain_leases.lease_seconds  how long the lease lasts; claim and record renew it
--   balance_sync.renew_chain_leases()        record's check: renews the caller's live leases of
--                                            the batch's rate-limited chains, names the others
--   balance_sync_chain_acquire               stores the lease's seconds
--   balance_sync_claim                       a scheduled claim of a rate-limited chain leases rows
--                                            only under the caller's live chain lease, renews it,
--                                            and says "chain_lease": "lost" when it is not;
--                                            p_min_interval_seconds null: the setting decides
--   balance_sync_record                      writes the rows whose row lease the caller holds, as
--                                            before, renews the chain leases, reports lost ones
--   balance_sync_run_settings()              the settings a run follows, in one call per run
--
-- Why: claim only checked that no *other* run held a live chain lease, and nothing renewed it. A
-- run that overran its lease (a stalled isolate, a slow database) kept reading after another run
-- had taken the chain over: two readers on a chain whose provider allows max_rps requests/s. Row
-- leases still fence the balances (record writes only rows leased to the caller); the chain lease
-- fences the pace, so a run that lost it stops.
-- And the function read min_interval_seconds, rows_per_run and pg_net_timeout_ms from secrets
-- that had to be kept equal to these settings by hand: when they differed, claims walked rows that
-- dispatch counted as due but the claim filtered out, and runs outlived pg_net's timeout.

set lock_timeout = '5s';
set statement_timeout = '60s';

-- balance_sync's own table of a few rows (one per rate-limited chain): the column is instant.
alter table balance_sync.chain_leases add column if not exists lease_seconds integer;

comment on column balance_sync.chain_leases.lease_seconds is
  'Seconds the lease lasts from its last renewal: acquire sets it, each claim and record of its holder renews locked_until = now + this. Null: a lease taken before 20261206001200 (renewed by its first length).';

create or replace function public.balance_sync_chain_acquire(
  p_worker text,
  p_chain_id uuid,
  p_lease_seconds integer default 120
)
  returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_now timestamptz := now();
  v_limited boolean;
  v_max_rps numeric;
  v_multicall boolean;
  v_holder text;
  v_until timestamptz;
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception using errcode = '22023',
      message = 'balance_sync_chain_acquire: p_worker must be a non-empty token';
  end if;
  if p_lease_seconds is null or p_lease_seconds < 1 or p_lease_seconds > 86400 then
    raise exception using errcode = '22023',
      message = format('balance_sync_chain_acquire: p_lease_seconds must be 1..86400, got %s',
                       p_lease_seconds);
  end if;
  select c.max_rps is not null, c.max_rps, nullif(btrim(c.multicall_address), '') is not null
    into v_limited, v_max_rps, v_multicall
  from public.chains as c where c.id = p_chain_id;
  if v_limited is null then
    return jsonb_build_object('acquired', false, 'rate_limited', false, 'unknown_chain', true);
  end if;
  if not v_limited then
    return jsonb_build_object('acquired', true, 'rate_limited', false);
  end if;

  insert into balance_sync.chain_leases as l
    (chain_id, locked_by, locked_until, acquired_at, lease_seconds)
  values (p_chain_id, p_worker, v_now + make_interval(secs => p_lease_seconds), v_now,
          p_lease_seconds)
  on conflict (chain_id) do update
    set locked_by = excluded.locked_by,
        locked_until = excluded.locked_until,
        acquired_at = excluded.acquired_at,
        lease_seconds = excluded.lease_seconds
    where l.locked_until <= v_now or l.locked_by = excluded.locked_by
  returning l.locked_by, l.locked_until into v_holder, v_until;

  if v_holder is null then
    select l.locked_by, l.locked_until into v_holder, v_until
    from balance_sync.chain_leases as l where l.chain_id = p_chain_id;
    return jsonb_build_object('acquired', false, 'rate_limited', true,
                              'holder', v_holder, 'locked_until', v_until);
  end if;
  return jsonb_build_object('acquired', true, 'rate_limited', true, 'locked_until', v_until,
                            'max_rps', v_max_rps, 'multicall', v_multicall);
end
$$;

comment on function public.balance_sync_chain_acquire(text, uuid, integer) is
$$Takes the lease of a rate-limited chain (chains.max_rps set) for worker p_worker, for
p_lease_seconds. Returns {"acquired": true, "rate_limited": true, "locked_until", "max_rps",
"multicall"} when it is now p_worker's (free, expired, or already its own), {"acquired": false,
"rate_limited": true, "holder", "locked_until"} when another run holds it, and {"acquired": true,
"rate_limited": false} for a chain without max_rps (no lease: its runs may read in parallel), and
{"acquired": false, "rate_limited": false, "unknown_chain": true} when no chain has that id.
The lease lasts p_lease_seconds from each claim and record of its holder, which renew it; a
holder whose lease ran out is told so by claim and record ("chain_lease": "lost").$$;

-- record's check of the chain leases: the rate-limited chains of the batch's rows whose live lease
-- p_worker holds are renewed (now + the lease's seconds); the others are listed as lost. '{}' when
-- no row of the batch is on a rate-limited chain.
create or replace function balance_sync.renew_chain_leases(p_worker text, p_results jsonb)
  returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_chains uuid[];
  v_held uuid[];
begin
  -- most setups have no rate-limited chain: no look at the batch's rows at all
  if not exists (select 1 from public.chains as c where c.max_rps is not null) then
    return '{}'::jsonb;
  end if;
  select coalesce(array_agg(distinct aoc.chain_id), '{}') into v_chains
  from (
    select (e ->> 'id')::uuid as id
    from jsonb_array_elements(p_results) as e
    where jsonb_typeof(e) = 'object' and jsonb_typeof(e -> 'id') = 'string'
      and (e ->> 'id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
  ) as r
  join public.wallet_balances as wb on wb.id = r.id
  join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
  join public.chains as c on c.id = aoc.chain_id
  where c.max_rps is not null;
  if cardinality(v_chains) = 0 then
    return '{}'::jsonb;
  end if;

  with renewed as (
    update balance_sync.chain_leases as l
    set locked_until = now() + make_interval(secs => coalesce(l.lease_seconds,
          greatest(1, ceil(extract(epoch from l.locked_until - l.acquired_at)))::integer))
    where l.chain_id = any(v_chains) and l.locked_by = p_worker and l.locked_until > now()
    returning l.chain_id
  )
  select coalesce(array_agg(r.chain_id), '{}') into v_held from renewed as r;

  return jsonb_build_object(
    'chain_lease', case when cardinality(v_held) = cardinality(v_chains) then 'held' else 'lost' end,
    'chain_leases_lost', coalesce((select jsonb_agg(x.id order by x.id)
                                   from unnest(v_chains) as x(id) where x.id <> all(v_held)),
                                  '[]'::jsonb));
end
$$;

comment on function balance_sync.renew_chain_leases(text, jsonb) is
$$record's chain-lease check: renews p_worker's live leases of the rate-limited chains of
p_results' rows (locked_until = now + lease_seconds) and returns {"chain_lease": "held" | "lost",
"chain_leases_lost": [chain ids whose lease p_worker no longer holds]}, or {} when no row is on a
rate-limited chain. Internal: not executable by any API role.$$;

-- claim: as 20261206000300 (locks only the picked rows, FOR NO KEY UPDATE SKIP LOCKED), plus the
-- chain lease check and renewal, and min_interval_seconds from the settings when not given.
create or replace function public.balance_sync_claim(
  p_worker text,
  p_limit integer default 50,
  p_lease_seconds integer default 120,
  p_filter jsonb default null,
  p_min_interval_seconds integer default null
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
  v_min_interval integer;
  v_chain_lease text;
  v_lease_holder text;
  v_lease_until timestamptz;
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
  -- null (the function since 20261206001200): the setting min_interval_seconds decides, the one
  -- dispatch and record read; a number (a function that predates it) still decides for its claims.
  v_min_interval := coalesce(p_min_interval_seconds,
                             balance_sync.setting_number('min_interval_seconds', 30)::integer);
  if v_min_interval < 0 then
    raise exception using errcode = '22023',
      message = format('balance_sync_claim: p_min_interval_seconds must be >= 0 (or null: the '
                       || 'setting min_interval_seconds), got %s', v_min_interval);
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
  -- The chain lease fences a rate-limited chain's pace: a scheduled claim of such a chain leases
  -- rows only while p_worker holds its live chain lease, and renews it (locked_until = now + the
  -- lease's seconds). A run whose lease ran out (another run may read the chain now) is told
  -- "chain_lease": "lost" and gets no row.
  if v_scheduled and v_chain is not null
     and exists (select 1 from public.chains as c where c.id = v_chain and c.max_rps is not null)
  then
    update balance_sync.chain_leases as l
    set locked_until = v_now + make_interval(secs => coalesce(l.lease_seconds, p_lease_seconds))
    where l.chain_id = v_chain and l.locked_by = p_worker and l.locked_until > v_now
    returning l.locked_by, l.locked_until into v_lease_holder, v_lease_until;
    if found then
      v_chain_lease := 'held';
    else
      v_chain_lease := 'lost';
      select l.locked_by, l.locked_until into v_lease_holder, v_lease_until
      from balance_sync.chain_leases as l where l.chain_id = v_chain;
    end if;
  end if;

  v_picked := '{}';
  for v_round in 1..case when v_chain_lease = 'lost' then 0
                         when v_scheduled and v_chain is not null then 4 else 1 end loop
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
                 or wb.last_checked <= v_now - make_interval(secs => v_min_interval))
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
               or wb.last_checked <= v_now - make_interval(secs => v_min_interval))
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
  if not v_forced and cardinality(v_picked) < p_limit and v_chain_lease is distinct from 'lost' then
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
                 else '{}'::jsonb end
         || case when v_chain_lease is not null
                 then jsonb_build_object('chain_lease', v_chain_lease,
                                         'chain_lease_holder', v_lease_holder,
                                         'chain_lease_locked_until', v_lease_until)
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
release set it), and each asset's rows are taken in that order (index
wallet_balances_asset_next_sync_idx), so rows waiting in backoff are never walked past.
{"chain_id": <uuid>, "scheduled": true} narrows a normal claim to one chain instead of forcing one. Rows of a chain whose live chain lease
(balance_sync.chain_leases) belongs to another worker are never claimed; a forced claim lists
them in "busy".

Refused rows: the lease is one UPDATE, which other services' triggers and checks see. When the
database refuses it, it is applied in halves (balance_sync.update_apart, at most
balance_sync.split_budget() statements), so that only the refused rows are left out: they are
parked in balance_sync.refused_rows with a backoff (30 s * 2^(n-1), at most 1 h) and listed in
"refused": [{"id", "reason"}]; the other rows are claimed. A normal claim skips parked rows until
their retry_at; a forced claim tries them again. Locking: FOR NO KEY UPDATE SKIP LOCKED, only the
rows returned (a scheduled chain claim reads its candidates unlocked, then locks the first free
ones, reading past rows other claims hold for up to 4 rounds).

p_min_interval_seconds null: the setting min_interval_seconds (balance_sync.settings) decides.

Chain lease: a scheduled claim of one rate-limited chain ({"chain_id", "scheduled": true}, chain
with max_rps) leases rows only while p_worker holds the chain's live lease
(balance_sync_chain_acquire), renews it (locked_until = now + the lease's seconds) and answers
"chain_lease": "held"; otherwise it leases nothing and answers "chain_lease": "lost", with
"chain_lease_holder" and "chain_lease_locked_until" of the lease as it is now (null: none). Other
claims carry no "chain_lease".$$;

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
  v_leases jsonb;
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception using errcode = '22023',
      message = 'balance_sync_record: p_worker must be a non-empty token';
  end if;
  if p_results is null or jsonb_typeof(p_results) <> 'array' then
    raise exception using errcode = '22023',
      message = 'balance_sync_record: p_results must be a JSON array';
  end if;

  -- The chain leases first (claim takes the chain lease's row lock before any row's, too). A lost
  -- one does not stop this write: the rows still leased to p_worker are its to write (row leases
  -- fence the balances); the answer says it, so that the run stops reading the chain.
  v_leases := balance_sync.renew_chain_leases(p_worker, p_results);

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

  return (v_result - 'changes') || v_leases;
end
$$;

comment on function public.balance_sync_record(text, jsonb) is
$$Records the results of worker p_worker. p_results is an array of
  {"id": uuid, "raw": "<decimal>", "human": "<decimal>", "block": "<decimal>"}   (success)
  {"id": uuid, "error": "<message>", "error_class": "transient"|"permanent"|"configuration"} (failure)
Returns {"applied", "errored", "stale_rejected", "lost", "stale_ids", "lost_ids",
"invalid": [{"index", "id", "reason"}], "refused": [{"index", "id", "reason"}]}, plus, when rows
of rate-limited chains (max_rps set) are among them, {"chain_lease": "held" | "lost",
"chain_leases_lost": [chain ids]}: each such chain's live lease held by p_worker is renewed
(locked_until = now + its lease_seconds); a chain whose lease p_worker no longer holds is listed,
and its caller stops reading that chain. Rows are written whatever the chain lease: row leases
fence the balances.

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

-- The settings a run follows, read once at its start: the same values, through the same parser,
-- that dispatch and record read, so that they cannot differ.
create or replace function public.balance_sync_run_settings()
  returns jsonb
  language sql
  stable
  security definer
  set search_path = ''
as $$
  select jsonb_build_object(
    'min_interval_seconds', balance_sync.setting_number('min_interval_seconds', 30)::integer,
    'rows_per_run', greatest(balance_sync.setting_number('rows_per_run', 2000)::integer, 1),
    'pg_net_timeout_ms', balance_sync.setting_number('pg_net_timeout_ms', 40000)::integer)
$$;

comment on function public.balance_sync_run_settings() is
$$The balance_sync.settings a run of the function follows, as {"min_interval_seconds",
"rows_per_run", "pg_net_timeout_ms"} (integers, parsed by balance_sync.setting_number with the
defaults dispatch uses: 30, 2000, 40000). One call per run; the function has no secrets for them.$$;

-- The settings' descriptions no longer ask to keep a function secret equal. One key at a time: a
-- value stored before the settings check existed fails the check on any update of its row, and
-- its description then stays as it was.
do $$
declare
  d record;
begin
  for d in
    select * from (values
      ('rows_per_run', 'BALANCE_SYNC_MAX_ROWS_PER_RUN',
       'Rows one scheduled run claims at most (the function reads it at the start of each run): '
       || 'dispatch sends one more POST for a chain per this many due rows.'),
      ('pg_net_timeout_ms', 'BALANCE_SYNC_PG_NET_TIMEOUT_MS',
       'pg_net timeout of each scheduled POST; the function reads it at the start of each run '
       || 'and ends the run and its final writes by 7/8 of it.')) as v(key, secret, description)
  loop
    begin
      update balance_sync.settings as s set description = d.description
      where s.key = d.key and s.description like '%' || d.secret || '%';
    exception
      when data_exception then
        raise notice 'balance_sync setting %: description left as it is (%)', d.key, sqlerrm;
    end;
  end loop;
end
$$;

revoke all on function balance_sync.renew_chain_leases(text, jsonb) from public;
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on function balance_sync.renew_chain_leases(text, jsonb) from %I', r);
    end if;
  end loop;
end
$$;

select balance_sync.grant_to_service_role_only(array[
  'public.balance_sync_chain_acquire(text, uuid, integer)',
  'public.balance_sync_claim(text, integer, integer, jsonb, integer)',
  'public.balance_sync_record(text, jsonb)',
  'public.balance_sync_run_settings()'
]);
