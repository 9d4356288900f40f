-- balance-sync: work on other services' tables that is too big for a migration's transaction.
--
--   * balance_sync.backfills: one row per backfill still to do (or done), with its cursor.
--   * balance_sync.backfill_next_sync_at(p_batch): one bounded batch of the next_sync_at backfill
--     (rows that were in error backoff when next_sync_at was added get their next attempt time).
--   * balance_sync.drain_backfills(): the balance-sync-backfill job's command. It runs batches,
--     each in its own transaction, for a few seconds per call, and unschedules the job when every
--     backfill is done.
--   * balance_sync.require_valid_index(name): the check after each concurrent index build
--     (20261206000210 .. 20261206000230).
--
-- Nothing here locks more than a moment: the migration itself only reads wallet_balances (to see
-- whether a backfill is needed), and each batch holds the row locks of at most p_batch rows, for
-- as long as that one UPDATE takes.

set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists balance_sync.backfills (
  name text primary key,
  -- keyset cursor: every wallet_balances row with id <= last_id has been looked at
  last_id uuid,
  rows_scanned bigint not null default 0,
  rows_updated bigint not null default 0,
  batches integer not null default 0,
  -- batches the database refused (another app's trigger, a NOT VALID check): their rows are left
  -- as they were, see last_error
  failed_batches integer not null default 0,
  last_error text,
  registered_at timestamptz not null default now(),
  finished_at timestamptz
);

comment on table balance_sync.backfills is
  'Backfills of other services'' tables that migrations leave to the balance-sync-backfill job (bounded batches, one transaction each). finished_at set: done.';

select balance_sync.service_role_reads_only(array['balance_sync.backfills']::regclass[]);

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
        + make_interval(secs => least(30 * power(2, least(wb.error_streak - 1, 7)), 3600))
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

comment on function balance_sync.backfill_next_sync_at(integer) is
$$One batch of the next_sync_at backfill: looks at the next p_batch wallet_balances rows by id
after the cursor (balance_sync.backfills, name next_sync_at) and gives those in error backoff
without a next_sync_at their next attempt time (last_error_at + the backoff of record). Returns the
rows looked at; 0 when there is nothing (left) to do, and then marks the backfill finished. A batch
the database refuses (another app's trigger) is counted in failed_batches and skipped.$$;

revoke all on function balance_sync.backfill_next_sync_at(integer) from public;

-- A procedure, not a function: it commits after each batch, so no batch's row locks outlive that
-- batch. PostgreSQL refuses COMMIT in a SECURITY DEFINER routine or one with a SET clause, hence
-- neither here; every name is schema-qualified, and only the job's owner may call it.
create or replace procedure balance_sync.drain_backfills(
  p_seconds integer default 20,
  p_batch integer default 5000
)
  language plpgsql
as $$
declare
  v_until timestamptz := clock_timestamp() + make_interval(secs => p_seconds);
begin
  loop
    exit when balance_sync.backfill_next_sync_at(p_batch) = 0;
    commit;
    exit when clock_timestamp() >= v_until;
  end loop;
  if not exists (select 1 from balance_sync.backfills as b where b.finished_at is null)
     and to_regnamespace('cron') is not null then
    perform cron.unschedule(j.jobid) from cron.job as j where j.jobname = 'balance-sync-backfill';
  end if;
end
$$;

comment on procedure balance_sync.drain_backfills(integer, integer) is
$$The balance-sync-backfill job: runs backfill batches of p_batch rows, each committed on its own,
for up to p_seconds, and unschedules the job once every backfill is finished. Without pg_cron, run
it by hand (call balance_sync.drain_backfills();) until balance_sync.backfills shows finished_at.$$;

revoke all on procedure balance_sync.drain_backfills(integer, integer) from public;

create or replace function balance_sync.require_valid_index(p_index text)
  returns void
  language plpgsql
  stable
  set search_path = ''
as $$
declare
  v_valid boolean;
  v_pid integer;
begin
  select i.indisvalid into v_valid from pg_catalog.pg_index as i
  where i.indexrelid = to_regclass(p_index);
  if v_valid is null then
    raise exception using errcode = '42704',
      message = format('balance-sync migration: index %s is missing after its build', p_index);
  end if;
  if v_valid then
    return;
  end if;
  select p.pid into v_pid from pg_catalog.pg_stat_progress_create_index as p
  where p.index_relid = to_regclass(p_index);
  if v_pid is not null then
    raise exception using errcode = '55006',
      message = format('balance-sync migration: index %s is being built by another session (pid '
        || '%s). Wait until it is done, then run supabase db push again.', p_index, v_pid);
  end if;
  raise exception using errcode = '55000',
    message = format('balance-sync migration: index %s is INVALID: an earlier concurrent build of '
      || 'it failed. Nothing else was changed. Run: drop index concurrently if exists %s; then '
      || 'supabase db push again (it builds the index again, concurrently).', p_index, p_index);
end
$$;

comment on function balance_sync.require_valid_index(text) is
$$Raises unless index p_index exists and is valid: the check after each concurrent build, so that
a failed build (an INVALID index, which create index ... if not exists skips) stops the migration
with the command that clears it.$$;

revoke all on function balance_sync.require_valid_index(text) from public;

-- The next_sync_at backfill is needed where rows in backoff have none: a database that added the
-- column with this version of 20261201000200 (the earlier version filled it in its own transaction).
-- This reads the table (ACCESS SHARE: nobody waits for it) and stops at the first such row.
insert into balance_sync.backfills (name)
select 'next_sync_at'
where exists (select 1 from public.wallet_balances as wb
              where wb.next_sync_at is null and wb.error_streak > 0
                and wb.last_error_at is not null)
on conflict (name) do nothing;

-- The job, only while a backfill is left (it unschedules itself when done). pg_cron accepts second
-- intervals from 1.5 on; older versions run it every minute.
do $$
declare
  v_version integer[];
begin
  if not exists (select 1 from balance_sync.backfills as b where b.finished_at is null) then
    return;
  end if;
  if to_regnamespace('cron') is null then
    raise notice 'balance-sync: no pg_cron in this database; run call balance_sync.drain_backfills(); '
      'until balance_sync.backfills shows finished_at (README, "Upgrading a live database")';
    return;
  end if;
  select string_to_array(split_part(e.extversion, '-', 1), '.')::integer[] into v_version
  from pg_extension as e where e.extname = 'pg_cron';
  perform cron.schedule('balance-sync-backfill',
    case when v_version >= array[1, 5] then '30 seconds' else '* * * * *' end,
    'call balance_sync.drain_backfills()');
end
$$;
