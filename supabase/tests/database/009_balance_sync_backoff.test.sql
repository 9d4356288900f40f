-- The one backoff formula: 30 s after the first failure in a row, doubling with each further one,
-- at most an hour; and the places that wait for it read the same function.
begin;
select plan(6);

select has_function('balance_sync', 'backoff_seconds', array['integer'],
  'balance_sync.backoff_seconds(integer) exists');

select results_eq(
  $$select balance_sync.backoff_seconds(n) from generate_series(1, 10) as n order by n$$,
  $$values (30::double precision), (60), (120), (240), (480), (960), (1920), (3600), (3600), (3600)$$,
  'failures 1 .. 10 wait 30, 60, ..., 1920 s, then the 3600 s cap');

select is(balance_sync.backoff_seconds(1000000), 3600::double precision,
  'a long streak stays at the cap');

select is(
  balance_sync.retry_at(3, '2026-01-01 00:00:00+00'),
  '2026-01-01 00:02:00+00'::timestamptz,
  'retry_at: the third failure in a row waits 120 s');

select is(
  (select provolatile from pg_proc where oid = 'balance_sync.backoff_seconds(integer)'::regprocedure),
  'i'::"char", 'immutable (the planner inlines it into claim''s filter)');

select ok(
  not exists (select 1 from pg_proc
              where pronamespace in ('balance_sync'::regnamespace, 'public'::regnamespace)
                and prosrc like '%least(30 *%'
                and oid <> 'balance_sync.backoff_seconds(integer)'::regprocedure),
  'no other function of this project writes the formula out');

select * from finish();
rollback;
