-- balance-sync: the next_sync_at backfill (20261206000200) reads the one backoff formula,
-- balance_sync.backoff_seconds (20261206001500), instead of writing it out. Its own file: it
-- redefines what the files 20261206000200 .. 0299 added, and goes wherever they go (a database on
-- the release before them has no backfill to redefine: stack/upgrade_path.ts).
--
-- Only a function of this project is redefined: no lock on another service's table.

set lock_timeout = '5s';
set statement_timeout = '60s';

-- as 20261206000200
create or replace function balance_sync.backfill_next_sync_at(p_batch integer default 5000)
  returns integer
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_task balance_sync.backfills;
  v_from uuid;
  v_last uuid;
  v_scanned integer;
  v_updated integer := 0;
  v_error text;
begin
  if p_batch is null or p_batch < 1 or p_batch > 100000 then
    raise exception using errcode = '22023',
      message = format('balance_sync.backfill_next_sync_at: p_batch must be 1..100000, got %s',
                       p_batch);
  end if;
  -- One drainer at a time; a second caller finds the row locked and does nothing.
  select b.* into v_task from balance_sync.backfills as b
  where b.name = 'next_sync_at' and b.finished_at is null
  for update skip locked;
  if not found then
    return 0;
  end if;

  -- The next p_batch ids after the cursor, a range of the primary key (the nil uuid is the lowest).
  v_from := coalesce(v_task.last_id, '00000000-0000-0000-0000-000000000000');
  select (array_agg(x.id order by x.id desc))[1], count(*) into v_last, v_scanned
  from (select wb.id from public.wallet_balances as wb
        where wb.id >= v_from and wb.id is distinct from v_task.last_id
        order by wb.id
        limit p_batch) as x;
  if v_scanned = 0 then
    update balance_sync.backfills set finished_at = now() where name = 'next_sync_at';
    return 0;
  end if;

  -- The backoff of claim and record: 30 s * 2^(streak - 1), at most 3600 s. Only rows nobody gave
  -- a next_sync_at yet (record and release always write it).
  begin
    update public.wallet_balances as wb
    set next_sync_at = wb.last_error_at
        + make_interval(secs => balance_sync.backoff_seconds(wb.error_streak))
    where wb.id >= v_from and wb.id is distinct from v_task.last_id and wb.id <= v_last
      and wb.next_sync_at is null and wb.error_streak > 0 and wb.last_error_at is not null;
    get diagnostics v_updated = row_count;
  exception
    when lock_not_available or query_canceled then raise;
    when others then
      -- Only an optimisation (claim checks the backoff itself): a batch the database refuses is
      -- left as it is rather than stopping the backfill.
      v_error := sqlerrm;
  end;

  update balance_sync.backfills
  set last_id = v_last,
      rows_scanned = rows_scanned + v_scanned,
      rows_updated = rows_updated + v_updated,
      batches = batches + 1,
      failed_batches = failed_batches + (v_error is not null)::integer,
      last_error = coalesce(v_error, last_error)
  where name = 'next_sync_at';
  return v_scanned;
end
$$;
