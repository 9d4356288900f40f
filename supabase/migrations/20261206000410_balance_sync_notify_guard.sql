-- balance-sync: change-log notifications never block recording, and carry ids only.
--
-- PostgreSQL's NOTIFY queue drains only as fast as its slowest listener: a LISTEN session left
-- idle in a transaction holds it, and once the queue is full every transaction that notifies
-- fails at COMMIT ("too many notifications in the NOTIFY queue"), which would make every record
-- call with a change fail. So notify_balance_changes sends nothing while
-- pg_notification_queue_usage() is above the setting notify_queue_threshold (default 0.5) and
-- counts what it skipped (balance_sync.run_totals, metric notifications_skipped; exported as
-- balance_sync_notifications_skipped_total). Listeners lose nothing they need: a notification is
-- only a wake-up, and they catch up by cursor (public.balance_sync_changes_since).
--
-- NOTIFY has no privileges (any role that can log in may LISTEN), so the payload carries the
-- change ids only; the rows are read through balance_sync_changes_since, which only service_role
-- may call.

set lock_timeout = '5s';
set statement_timeout = '60s';

insert into balance_sync.setting_rules (key, kind, minimum, minimum_inclusive, maximum)
values ('notify_queue_threshold', 'number', 0, true, 1)
on conflict (key) do nothing;

insert into balance_sync.settings (key, value, description) values
  ('notify_queue_threshold', '0.5',
   'Fraction (0..1) of PostgreSQL''s NOTIFY queue in use above which record sends no change '
   'notification (counted in balance_sync_notifications_skipped_total), so that a stuck listener '
   'never makes record fail; 1 never skips.')
on conflict (key) do nothing;

-- NOTIFY's payload limit is 8,000 bytes (the server refuses a longer one).
create or replace function balance_sync.notify_balance_changes(p_run text, p_changes jsonb)
  returns integer
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_count integer := jsonb_array_length(p_changes);
  v_run text := left(p_run, 200);
  v_ids bigint[];
  v_per_part integer;
  v_parts integer;
begin
  if v_count = 0 then
    return 0;
  end if;
  select array_agg((e ->> 'id')::bigint order by (e ->> 'id')::bigint) into v_ids
  from jsonb_array_elements(p_changes) as e;
  -- each id takes at most its digits plus ", "; the envelope (run token included) gets its room
  v_per_part := greatest(1, (7000 - octet_length(v_run) * 2)
                            / (length(v_ids[array_upper(v_ids, 1)]::text) + 2));
  v_parts := ceil(v_count::numeric / v_per_part)::integer;
  if pg_catalog.pg_notification_queue_usage()
       > balance_sync.setting_number('notify_queue_threshold', 0.5) then
    -- record serialises its change-log writers until commit, so this row is no new wait
    insert into balance_sync.run_totals as t (metric, label, value)
    values ('notifications_skipped', '', v_parts)
    on conflict (metric, label) do update set value = t.value + excluded.value;
    return 0;
  end if;
  for i in 1..v_parts loop
    perform pg_notify('balance_sync_changes', jsonb_build_object(
      'run', v_run, 'count', v_count, 'part', i, 'parts', v_parts,
      'ids', to_jsonb(v_ids[(i - 1) * v_per_part + 1 : i * v_per_part]))::text);
  end loop;
  return v_parts;
end
$$;

revoke all on function balance_sync.notify_balance_changes(text, jsonb) from public;

comment on function balance_sync.notify_balance_changes(text, jsonb) is
$$Sends the ids of the changes of one record call on channel balance_sync_changes (delivered at
commit), in k notifications of about 700 ids each, each under 8,000 bytes:
  {"run": "<worker>", "count": n, "part": i, "parts": k, "ids": [id, ...]}
(run: the worker token, cut to 200 characters). Sends nothing while pg_notification_queue_usage()
is above the setting notify_queue_threshold (default 0.5): those k are added to
balance_sync.run_totals (notifications_skipped). Returns the number of notifications sent.$$;
