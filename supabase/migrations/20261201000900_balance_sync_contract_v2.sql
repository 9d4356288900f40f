-- balance-sync: the DB contract, second milestone. Replaces the functions of
-- 20261128000002_balance_sync_contract.sql (a database that already applied that file gets the
-- new definitions from this one; a new database applies both, in order).
--
--   balance_sync_claim(worker, limit, lease_seconds, filter, min_interval_seconds) -> jsonb
--   balance_sync_record(worker, results)                                          -> jsonb
--   balance_sync_release(worker, ids)                                             -> integer
--
-- All three are security definer with an empty search_path, executable by service_role only,
-- and none of them names a column of the other workers (gas, consolidation, priority).
-- `worker` is a fresh token per run: the fencing token. Only rows whose locked_by equals it are
-- written by record/release. Numbers that can exceed 2^53 (balances, blocks) travel as strings.

-- Fail fast rather than queue behind a busy object (README, "On a live exchange database").
set lock_timeout = '5s';
set statement_timeout = '60s';

-- The same checks and words as balance_sync_claim's config_error; null when the row is readable.
create or replace function balance_sync.config_problem(
  p_chain_name text, p_family text, p_rpc_url text, p_address_count bigint, p_address text,
  p_is_native boolean, p_contract_address text, p_decimals integer)
  returns text
  language sql
  stable
as $$
  select nullif(concat_ws('; ',
    case when lower(btrim(p_family)) in ('evm', 'tron') then null
         else format('chain %s has no family: set chains.family to evm or tron', p_chain_name) end,
    case when nullif(btrim(p_rpc_url), '') is null then format('chain %s has no rpc_url', p_chain_name) end,
    case
      when coalesce(p_address_count, 0) = 0
        then format('wallet has no active address on chain %s', p_chain_name)
      when p_address_count > 1
        then format('wallet has %s active addresses on chain %s', p_address_count, p_chain_name)
      when nullif(btrim(p_address), '') is null
        then format('the active address on chain %s is empty', p_chain_name)
    end,
    case when not coalesce(p_is_native, false) and nullif(btrim(p_contract_address), '') is null
         then 'token has no contract_address' end,
    case
      when p_decimals is null then 'decimals is not set'
      when p_decimals not between 0 and 77 then format('decimals %s is outside 0..77', p_decimals)
    end), '')
$$;

-- config_problem(...) is not null, without building the words (chain_status counts every row).
-- p_address_ok: the wallet has exactly one active address on the chain, and it is not empty.
create or replace function balance_sync.config_broken(
  p_family text, p_rpc_url text, p_address_ok boolean,
  p_is_native boolean, p_contract_address text, p_decimals integer)
  returns boolean
  language sql
  immutable
as $$
  select lower(btrim(p_family)) not in ('evm', 'tron')
      or p_family is null
      or nullif(btrim(p_rpc_url), '') is null
      or not coalesce(p_address_ok, false)
      or (not coalesce(p_is_native, false) and nullif(btrim(p_contract_address), '') is null)
      or p_decimals is null
      or p_decimals not between 0 and 77
$$;

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

  -- A scheduled claim of one chain: the first p_limit due rows of each of its assets, in line,
  -- through (asset_on_chain_id, next due) order, instead of sorting every due row of the chain.
  -- The statement below keeps only the first p_limit of them; the others' row locks end with
  -- this transaction.
  if v_scheduled and v_chain is not null then
    select coalesce(array_agg(p.id), '{}') into v_pick
    from (
      select x.id
      from public.asset_on_chain as a
      cross join lateral (
        select wb.id, coalesce(wb.next_sync_at, '-infinity'::timestamptz) as due_at, wb.last_checked
        from public.wallet_balances as wb
        where wb.asset_on_chain_id = a.id
          and coalesce(wb.next_sync_at, '-infinity'::timestamptz) <= v_now
          and (wb.processing_status is distinct from 'processing'
               or wb.locked_until is null or wb.locked_until <= v_now)
          and (wb.last_checked is null
               or wb.last_checked <= v_now - make_interval(secs => p_min_interval_seconds))
          and (coalesce(wb.error_streak, 0) <= 0
               or wb.last_error_at is null
               or wb.last_error_at <= v_now - make_interval(secs =>
                    least(30 * power(2, least(wb.error_streak - 1, 7)), 3600)))
        order by coalesce(wb.next_sync_at, '-infinity'::timestamptz), wb.last_checked asc nulls first,
                 wb.id
        limit p_limit
        for update of wb skip locked
      ) as x
      where a.chain_id = v_chain and a.is_active
      order by x.due_at, x.last_checked asc nulls first, x.id
      limit p_limit
    ) as p;
  end if;

  with picked as (
    select wb.id
    from public.wallet_balances as wb
    join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
    join public.chains as c on c.id = aoc.chain_id
    where aoc.is_active and c.is_active
      -- idle, or the lease ran out (a forced claim may renew its own live lease)
      and (wb.processing_status is distinct from 'processing'
           or wb.locked_until is null
           or wb.locked_until <= v_now
           or (v_forced and wb.locked_by = p_worker))
      -- due (a forced claim ignores due-ness and backoff)
      and (v_forced or (
            coalesce(wb.next_sync_at, '-infinity'::timestamptz) <= v_now
            and (wb.last_checked is null
             or wb.last_checked <= v_now - make_interval(secs => p_min_interval_seconds))
            and (coalesce(wb.error_streak, 0) <= 0
                 or wb.last_error_at is null
                 or wb.last_error_at <= v_now - make_interval(secs =>
                      least(30 * power(2, least(wb.error_streak - 1, 7)), 3600)))))
      and (v_wallet is null or wb.wallet_id = v_wallet)
      and (v_ids is null or wb.id = any(v_ids))
      and (v_asset_on_chain is null or wb.asset_on_chain_id = v_asset_on_chain)
      and (v_chain is null or aoc.chain_id = v_chain)
      and (v_pick is null or wb.id = any(v_pick))
      -- a rate-limited chain is read by the holder of its chain lease only
      and not exists (select 1 from balance_sync.chain_leases as l
                      where l.chain_id = aoc.chain_id and l.locked_until > v_now
                        and l.locked_by <> p_worker)
    order by coalesce(wb.next_sync_at, '-infinity'::timestamptz), wb.last_checked asc nulls first, wb.id
    limit p_limit
    for update of wb skip locked
  ),
  claimed as (
    update public.wallet_balances as wb
    set processing_status = 'processing',
        locked_until = v_now + make_interval(secs => p_lease_seconds),
        locked_by = p_worker
    from picked
    where wb.id = picked.id
    returning wb.id, wb.wallet_id, wb.asset_on_chain_id, wb.last_checked
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

  return v_result || jsonb_build_object('busy', v_busy)
         || case when v_ids is not null then jsonb_build_object('unknown_ids', to_jsonb(v_unknown_ids))
                 else '{}'::jsonb end;
end
$$;

comment on function public.balance_sync_claim(text, integer, integer, jsonb, integer) is
$$Leases up to p_limit wallet_balances rows to worker p_worker for p_lease_seconds and returns
{"rows": [...], "chains": {"<chain id>": {...}}, "busy": [ids]}.

Eligible rows: active asset_on_chain on an active chain; idle or lease expired; due, i.e. never
checked or last_checked at least p_min_interval_seconds ago; and outside the error backoff.
Order: stalest first (last_checked nulls first). Locking: FOR UPDATE SKIP LOCKED, so concurrent
claimers take disjoint rows.

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
them in "busy".$$;

create or replace function public.balance_sync_record(p_worker text, p_results jsonb)
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
  v_next_ok timestamptz := now() + make_interval(secs =>
    (balance_sync.setting('min_interval_seconds', '30'::jsonb) #>> '{}')::numeric);
  v_result jsonb;
  v_detail text;
  v_changes jsonb;
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
           case when s.reason is null and s.is_error then left(s.e ->> 'error', 2000) end as message
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
        next_sync_at = v_next_ok,
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
    set next_sync_at = v_next_ok,
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
  exception
    when others then
      -- Not a row's fault (connection, deadlock, timeout, resources, privileges): the caller
      -- retries the whole batch.
      if left(sqlstate, 2) in ('08', '25', '40', '42', '53', '55', '57', '58', 'XX') then
        raise;
      end if;
      -- One row the database refuses (a legacy column type or length, a trigger, a check) aborted
      -- the batch: apply it in halves, so that only refused rows fail, each on its own.
      get stacked diagnostics v_detail = pg_exception_detail;
      -- (a check's detail repeats the whole row: the constraint's name says enough)
      v_result := balance_sync.record_apart(p_worker, p_results, sqlerrm || coalesce(' (' || nullif(
        case when v_detail like 'Failing row contains%' then '' else v_detail end, '') || ')', ''));
  end;

  -- change log: wake the listeners (delivered at commit, and only if it commits); a batch applied
  -- in halves notifies once per applied half
  if v_changes is not null then
    perform balance_sync.notify_balance_changes(p_worker, v_changes);
  end if;

  return jsonb_build_object('refused', '[]'::jsonb) || v_result;
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
The batch is one statement. When the database refuses it (a row that overflows a legacy column,
a trigger that raises, a value too long, a check), the batch is applied in halves, recursively,
so that each refused row fails alone: it gets error_count + 1, last_error "refused by the
database: <reason>", last_error_at, error_streak + 1 (so its backoff) and its lease released, and
is listed in "refused"; every other row applies.
Every applied success whose raw value differs from the stored one (or is the first) writes a row
of balance_sync.balance_changes in the same statement, and the call then notifies channel
balance_sync_changes (see balance_sync.notify_balance_changes); a row whose stored raw value
changed under the statement is not applied and counts as "lost".$$;

create or replace function balance_sync.record_apart(p_worker text, p_results jsonb, p_error text)
  returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_count integer := jsonb_array_length(p_results);
  v_half integer := jsonb_array_length(p_results) / 2;
  v_first jsonb;
  v_second jsonb;
  v_entry jsonb := p_results -> 0;
  v_id uuid;
  v_reason text;
  v_limit integer;
  v_written integer := 0;
begin
  if v_count > 1 then
    v_first := public.balance_sync_record(p_worker,
      (select jsonb_agg(t.e order by t.ord) from jsonb_array_elements(p_results)
         with ordinality as t(e, ord) where t.ord <= v_half));
    v_second := public.balance_sync_record(p_worker,
      (select jsonb_agg(t.e order by t.ord) from jsonb_array_elements(p_results)
         with ordinality as t(e, ord) where t.ord > v_half));
    -- One answer for the whole batch: counts add up, lists join, the second half's indexes shift.
    return (
      select jsonb_object_agg(k.key, case
        when jsonb_typeof(v_first -> k.key) = 'number' and jsonb_typeof(v_second -> k.key) = 'number'
          then to_jsonb((v_first ->> k.key)::numeric + (v_second ->> k.key)::numeric)
        when jsonb_typeof(coalesce(v_first -> k.key, v_second -> k.key)) = 'array'
          then coalesce(v_first -> k.key, '[]'::jsonb) || coalesce((
            select jsonb_agg(case when jsonb_typeof(x.e -> 'index') = 'number'
                                  then x.e || jsonb_build_object('index', (x.e ->> 'index')::integer + v_half)
                                  else x.e end order by x.ord)
            from jsonb_array_elements(coalesce(v_second -> k.key, '[]'::jsonb))
              with ordinality as x(e, ord)), '[]'::jsonb)
        else coalesce(v_second -> k.key, v_first -> k.key)
      end)
      from (select jsonb_object_keys(v_first) as key
            union select jsonb_object_keys(v_second)) as k);
  end if;

  -- A single entry the database refused.
  v_reason := 'refused by the database: ' || p_error;
  if jsonb_typeof(v_entry -> 'error') = 'string' then
    v_reason := v_reason || '; the error to record was: ' || (v_entry ->> 'error');
  end if;
  begin
    v_id := (v_entry ->> 'id')::uuid;
  exception when invalid_text_representation then
    v_id := null;
  end;
  if v_id is not null then
    select a.atttypmod - 4 into v_limit
    from pg_attribute as a
    where a.attrelid = 'public.wallet_balances'::regclass and a.attname = 'last_error'
      and a.atttypmod > 4 and a.atttypid in ('varchar'::regtype, 'bpchar'::regtype);
    begin
      update public.wallet_balances as wb
      set error_count = coalesce(wb.error_count, 0) + 1,
          last_error = left(v_reason, coalesce(v_limit, 2000)),
          last_error_at = now(),
          error_streak = coalesce(wb.error_streak, 0) + 1,
          error_class = 'permanent',
          next_sync_at = now() + make_interval(secs =>
            least(30 * power(2, least(coalesce(wb.error_streak, 0), 7)), 3600)),
          processing_status = 'idle',
          locked_until = null,
          locked_by = null
      where wb.id = v_id and wb.locked_by = p_worker;
      get diagnostics v_written = row_count;
    exception
      when others then
        if left(sqlstate, 2) in ('08', '25', '40', '42', '53', '55', '57', '58', 'XX') then
          raise;
        end if;
        -- The row refuses even its error: give the lease back, at least.
        begin
          update public.wallet_balances as wb
          set processing_status = 'idle', locked_until = null, locked_by = null
          where wb.id = v_id and wb.locked_by = p_worker;
          get diagnostics v_written = row_count;
        exception
          when others then
            if left(sqlstate, 2) in ('08', '25', '40', '42', '53', '55', '57', '58', 'XX') then
              raise;
            end if;
            v_written := 1; -- it is ours, but nothing can be written to it: its lease runs out
        end;
    end;
  end if;
  return jsonb_build_object(
    'applied', 0,
    'errored', 0,
    'stale_rejected', 0,
    'lost', case when v_id is not null and v_written = 0 then 1 else 0 end,
    'stale_ids', '[]'::jsonb,
    'lost_ids', case when v_id is not null and v_written = 0 then jsonb_build_array(v_id)
                     else '[]'::jsonb end,
    'invalid', '[]'::jsonb,
    'refused', case when v_written > 0 or v_id is null
                    then jsonb_build_array(jsonb_build_object(
                      'index', 0, 'id', v_entry -> 'id', 'reason', v_reason))
                    else '[]'::jsonb end);
end
$$;

comment on function balance_sync.record_apart(text, jsonb, text) is
$$Called by balance_sync_record when the database refused its batch (p_error: why). Applies the
two halves through balance_sync_record again, which splits further only where a half fails; a
single refused entry gets error_count + 1, last_error "refused by the database: <reason>",
last_error_at, error_streak + 1 and its lease released. Returns balance_sync_record's answer for
the whole batch, with the refused entries in "refused". Internal: not executable by any API role.$$;

revoke all on function balance_sync.record_apart(text, jsonb, text) from public;

create or replace function public.balance_sync_release(p_worker text, p_ids uuid[])
  returns integer
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_count integer;
begin
  update public.wallet_balances
  set processing_status = 'idle',
      locked_until = null,
      locked_by = null,
      -- back in line behind the rows already due (their next_sync_at is earlier)
      next_sync_at = now()
  where id = any(p_ids) and locked_by = p_worker;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

comment on function public.balance_sync_release(text, uuid[]) is
$$Gives back rows leased by p_worker that its run could not finish (no error is counted).
Returns the number of rows released; rows leased by another worker are not touched.$$;

-- Execute for service_role only. Supabase's default privileges grant new functions in public to
-- anon and authenticated, and PostgreSQL grants them to PUBLIC: revoke both explicitly.
select balance_sync.grant_to_service_role_only(array[
  'public.balance_sync_claim(text, integer, integer, jsonb, integer)',
  'public.balance_sync_record(text, jsonb)',
  'public.balance_sync_release(text, uuid[])'
]);
