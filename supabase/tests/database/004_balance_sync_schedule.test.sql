-- Scheduling: pg_cron jobs, balance_sync.dispatch() and the run history cleanup.
-- pg_cron lives in database `postgres`: run this file there (as `supabase test db` does).
begin;
select plan(15);

select has_extension('pg_cron', 'pg_cron is enabled');
select has_extension('pg_net', 'pg_net is enabled');
select has_function('balance_sync', 'dispatch', array[]::text[], 'balance_sync.dispatch() exists');
select is_definer('balance_sync', 'dispatch', array[]::text[], 'dispatch runs as its owner');

select results_eq(
  $$select schedule, command from cron.job where jobname = 'balance-sync'$$,
  $$select case when string_to_array(split_part(extversion, '-', 1), '.')::int[] >= array[1, 5]
                then '30 seconds' else '* * * * *' end::text,
           'select balance_sync.dispatch()'::text
    from pg_extension where extname = 'pg_cron'$$,
  'one sync job: every 30 s (pg_cron >= 1.5) or every minute');
select results_eq(
  $$select schedule, command from cron.job where jobname = 'balance-sync-cleanup'$$,
  $$values ('17 3 * * *'::text, 'select balance_sync.cleanup_cron_history()'::text)$$,
  'one daily cleanup job');

delete from vault.secrets where name in ('balance_sync_function_url', 'balance_sync_secret');
select throws_ok('select balance_sync.dispatch()', 'P0002',
  'balance_sync.dispatch: Vault secret "balance_sync_function_url" is missing; create it with '
  || 'select vault.create_secret(''https://<ref>.supabase.co/functions/v1/balance-sync'', '
  || '''balance_sync_function_url'')',
  'a missing function URL secret is named in the error');
do $$ begin
  perform vault.create_secret('http://127.0.0.1:54321/functions/v1/balance-sync', 'balance_sync_function_url');
end $$;
select throws_like('select balance_sync.dispatch()',
  '%Vault secret "balance_sync_secret" is missing%',
  'a missing caller secret is named in the error');
do $$ begin perform vault.create_secret('0123456789abcdef-secret', 'balance_sync_secret'); end $$;

select is(balance_sync.dispatch(), 0::bigint, 'no chain with due rows: dispatch queues nothing');
select is((select count(*) from net.http_request_queue), 0::bigint, 'and the queue stays empty');

select function_privs_are('balance_sync', 'dispatch', array[]::text[], r, array[]::text[],
  format('%s cannot execute dispatch', r))
from unnest(array['anon', 'authenticated', 'service_role']) as r;

-- Run history of this project's cleanup job (runids from 10,000 on: real runs may be added) and
-- of another app's job (jobid 999).
insert into cron.job_run_details (jobid, runid, job_pid, database, username, command, status,
                                  return_message, start_time, end_time)
select j.jobid, j.runid, 0, 'postgres', 'postgres', 'select 1', 'succeeded', '1 row',
       now() - j.age, now() - j.age
from (values
  ((select jobid from cron.job where jobname = 'balance-sync-cleanup'), 10001::bigint, interval '8 days'),
  ((select jobid from cron.job where jobname = 'balance-sync-cleanup'), 10002::bigint, interval '6 days'),
  (999::bigint, 10003::bigint, interval '8 days')
) as j(jobid, runid, age);
select cmp_ok(balance_sync.cleanup_cron_history(), '>=', 1, 'the cleanup deletes old runs');
select results_eq('select runid from cron.job_run_details where runid >= 10000 order by runid',
  $$values (10002::bigint), (10003::bigint)$$,
  'and keeps the last 7 days of its own history, and all of another job''s');

select * from finish();
rollback;
