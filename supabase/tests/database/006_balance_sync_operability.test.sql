-- Operability: the run history, why(), the views and the metrics function, and who may read them.
begin;
select plan(11);

select has_table('balance_sync', 'runs', 'balance_sync.runs exists');
select has_column('public', 'wallet_balances', 'error_class', 'wallet_balances.error_class exists');
select has_view('balance_sync', v, format('balance_sync.%s exists', v))
from unnest(array['row_status', 'stale_rows', 'chain_status', 'run_history']) as v;

select results_eq(
  $$select state from balance_sync.why('00000000-0000-4000-8000-000000000000')$$,
  $$values ('missing'::text)$$,
  'why() answers missing for an unknown id, in one row');

select is(
  (select value from balance_sync.settings where key = 'run_history_retention'),
  '"7 days"'::jsonb, 'run history is kept 7 days by default');

select ok(public.balance_sync_metrics() like '# HELP balance_sync_rows %',
  'the metrics function answers Prometheus text');

select ok(
  not has_table_privilege('anon', 'balance_sync.chain_status', 'select')
  and not has_table_privilege('authenticated', 'balance_sync.runs', 'select')
  and not has_function_privilege('anon', 'public.balance_sync_metrics()', 'execute')
  and not has_function_privilege('authenticated', 'balance_sync.why(uuid)', 'execute'),
  'anon and authenticated read nothing of it');

select ok(
  has_table_privilege('service_role', 'balance_sync.chain_status', 'select')
  and has_function_privilege('service_role', 'public.balance_sync_run_finish(text, text, jsonb)',
                             'execute'),
  'service_role reads the views and finishes runs');

select * from finish();
rollback;
