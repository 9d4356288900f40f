-- The bounded, fair fan-out: its state tables, the view that shows it, settling pg_net's answers,
-- and who may read them. Runs in database `postgres` (pg_net and pg_cron live there).
begin;
select plan(12);

select has_table('balance_sync', t, format('balance_sync.%s exists', t))
from unnest(array['dispatch_requests', 'chain_dispatch']) as t;
select has_view('balance_sync', 'chain_dispatch_status', 'balance_sync.chain_dispatch_status exists');
select is_definer('balance_sync', 'settle_dispatches', array[]::text[],
  'settle_dispatches runs as its owner');

-- A chain with two POSTs in flight; pg_net answered one with 503.
insert into public.chains (id, name, family, rpc_url)
values ('00000000-0000-4000-8000-0000000000d1', 'pgtap-dispatch', 'evm', 'http://127.0.0.1:1');
insert into balance_sync.dispatch_requests (request_id, chain_id, timeout_ms)
values (-101, '00000000-0000-4000-8000-0000000000d1', 40000),
       (-102, '00000000-0000-4000-8000-0000000000d1', 40000);
select results_eq(
  $$select in_flight, state from balance_sync.chain_dispatch_status
    where chain_id = '00000000-0000-4000-8000-0000000000d1'$$,
  $$values (2, 'in_flight'::text)$$,
  'two POSTs in flight');

insert into net._http_response (id, status_code, content, timed_out)
values (-101, 503, '{"error":"database unavailable"}', false);
select is(balance_sync.settle_dispatches(), 1, 'one chain settled');
select results_eq(
  $$select in_flight, failures, backoff_ticks, state, last_status
    from balance_sync.chain_dispatch_status
    where chain_id = '00000000-0000-4000-8000-0000000000d1'$$,
  $$values (1, 1, 2::bigint, 'backoff'::text, 503)$$,
  'the 503 is a failed run: the chain is POSTed every 2 ticks, the other POST still in flight');

insert into net._http_response (id, status_code, content, timed_out) values (-102, 200, '{}', false);
select is(balance_sync.settle_dispatches(), 1, 'the second answer settles');
select results_eq(
  $$select in_flight, failures, backoff_ticks, state from balance_sync.chain_dispatch_status
    where chain_id = '00000000-0000-4000-8000-0000000000d1'$$,
  $$values (0, 0, null::bigint, 'idle'::text)$$,
  'a 2xx ends the backoff');

select table_privs_are('balance_sync', 'chain_dispatch_status', r, array[]::text[],
  format('%s cannot read the dispatch state', r))
from unnest(array['anon', 'authenticated']) as r;
select table_privs_are('balance_sync', 'chain_dispatch_status', 'service_role', array['SELECT'],
  'service_role may read the dispatch state');

select * from finish();
rollback;
