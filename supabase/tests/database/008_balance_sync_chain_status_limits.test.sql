-- chain_status with the learned request sizes and the dispatch state, why() saying them, and who
-- may read them. Runs in database `postgres` (pg_net lives there).
begin;
select plan(10);

select has_column('balance_sync', 'chain_status', c, format('chain_status.%s exists', c))
from unnest(array['multicall_calls', 'batch_calls', 'response_bytes', 'dispatch_state',
                  'dispatch_backoff_ticks']) as c;

insert into public.chains (id, name, family, rpc_url)
values ('00000000-0000-4000-8000-0000000000e1', 'pgtap-limits', 'evm', 'http://127.0.0.1:1');
select ok(public.balance_sync_save_read_limits('00000000-0000-4000-8000-0000000000e1',
  '{"multicall": {"size": 49, "ceiling": 98, "reason": "out of gas"}}', true),
  'the learned sizes are saved');
-- one scheduled run answered 503: the chain is in dispatch backoff
insert into balance_sync.dispatch_requests (request_id, chain_id, timeout_ms)
values (-201, '00000000-0000-4000-8000-0000000000e1', 40000);
insert into net._http_response (id, status_code, content, timed_out)
values (-201, 503, '{"error":"database unavailable"}', false);
select is(balance_sync.settle_dispatches(), 1, 'the failed run is settled');

select results_eq(
  $$select multicall_calls, multicall_refused_at, dispatch_state, dispatch_failures,
           dispatch_backoff_ticks
    from balance_sync.chain_status where chain_id = '00000000-0000-4000-8000-0000000000e1'$$,
  $$values (49::bigint, 98::bigint, 'backoff'::text, 1, 2::bigint)$$,
  'chain_status shows the learned size and the dispatch backoff');

select ok(
  not has_table_privilege('anon', 'balance_sync.chain_status', 'select')
  and not has_table_privilege('authenticated', 'balance_sync.chain_status', 'select')
  and has_table_privilege('service_role', 'balance_sync.chain_status', 'select'),
  'service_role alone reads chain_status');

select ok(
  exists (select 1 from pg_event_trigger where evtname = 'balance_sync_chain_status_reapply'
                                          and evtenabled <> 'D'),
  'the event trigger that lets 20261201001300 be applied again is there and enabled');

select * from finish();
rollback;
