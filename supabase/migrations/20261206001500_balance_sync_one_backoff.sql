-- balance-sync: one backoff formula. A row that failed n times in a row waits 30 s * 2^(n-1), at
-- most 1 h, before it is claimed again; refused rows are parked the same way.
--
--   balance_sync.backoff_seconds(n)  the formula, in one place
--
-- Why: six functions wrote the formula out, with three spellings of n (error_streak - 1 as the
-- exponent, coalesce(error_streak, 0) for the streak about to be written, refused_rows.streak for
-- the parked streak before it grows). A change of the cap or the base had to find all of them.
-- Each function below is its last definition (the file named above it), unchanged but for the
-- formula, which now calls the one function with the streak the row has after the failure. The
-- sixth, the next_sync_at backfill, follows in 20261206001600: it goes with the files that added it.
--
-- backoff_seconds is a plain immutable SQL expression (no SET, not SECURITY DEFINER), so the
-- planner inlines it where it is called: claim's filter over wallet_balances costs what it did.
-- Only functions of this project are redefined: no lock on another service's table.

set lock_timeout = '5s';
set statement_timeout = '60s';

-- double precision, as power() returned in the formula it replaces (make_interval's secs). A null
-- streak gives 3600, as the formula did (least() skips nulls); the callers test for null first.
create or replace function balance_sync.backoff_seconds(p_error_streak integer)
  returns double precision
  language sql
  immutable
  parallel safe
as $$
  select least(30 * pg_catalog.power(2, least(p_error_streak - 1, 7)), 3600)
$$;

comment on function balance_sync.backoff_seconds(integer) is
  'Seconds a row waits after p_error_streak failures in a row before it is retried: 30 * 2^(n-1), at most 3600 (30, 60, 120, ..., 1920, then 3600). claim, record (and its row-by-row fallback), the parking of refused rows, the next_sync_at backfill and balance_sync.retry_at use it.';

-- retry_at (and the row_status view through it) runs with the reader's privileges.
select balance_sync.grant_to_service_role_only(array['balance_sync.backoff_seconds(integer)']);

-- as 20261201001300
create or replace function balance_sync.retry_at(p_error_streak integer, p_last_error_at timestamptz)
  returns timestamptz
  language sql
  stable
as $$
  select case when p_error_streak > 0 and p_last_error_at is not null
              then p_last_error_at + make_interval(secs =>
                     balance_sync.backoff_seconds(p_error_streak))
         end
$$;

-- as 20261206000300
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
      retry_at = now() + make_interval(secs => balance_sync.backoff_seconds(r.streak + 1))
$$;

-- as 20261206000300
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
                    balance_sync.backoff_seconds(coalesce(wb.error_streak, 0) + 1)),
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

-- as 20261206000300
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
          balance_sync.backoff_seconds(coalesce(wb.error_streak, 0) + 1)),
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

-- as 20261206001200
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
                      balance_sync.backoff_seconds(wb.error_streak)))
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
                        balance_sync.backoff_seconds(wb.error_streak)))
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
                  balance_sync.backoff_seconds(wb.error_streak)))
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
