-- balance-sync: settings are parsed in one place, accepted in both JSON forms and checked when
-- written.
--
--   balance_sync.setting_rules       what each numeric or interval key accepts
--   balance_sync.parse_setting()     the one parser: a JSON number or a string holding one
--                                    ('30' and '"30"'), checked against the key's rule
--   balance_sync.setting_number()    a key's value as numeric (through parse_setting)
--   balance_sync.setting_interval()  a key's value as interval (through parse_setting)
--   trigger settings_check           refuses a value its rule does not accept, with the reason
--
-- Before this, the cleanup read `value::text::numeric`, so a value stored as a JSON string ("30")
-- failed the whole daily cleanup. The cleanup now also runs each of its steps on its own: one
-- failing step (a bad value stored before this migration) no longer stops the others.

set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists balance_sync.setting_rules (
  key text primary key,
  kind text not null check (kind in ('number', 'integer', 'interval')),
  -- bounds of the number, or of the interval in seconds; null: unbounded
  minimum numeric,
  minimum_inclusive boolean not null default true,
  maximum numeric
);

comment on table balance_sync.setting_rules is
$$What a balance_sync.settings key accepts: kind number (a JSON number or a string holding a
decimal number), integer (the same, digits only), interval (a PostgreSQL interval string, or a
number of seconds), within minimum (inclusive unless minimum_inclusive is false) and maximum
(inclusive). A key without a rule accepts any JSON value. Read by balance_sync.parse_setting.$$;

select balance_sync.service_role_reads_only(array['balance_sync.setting_rules']::regclass[]);

-- dispatch reads the integer keys with `(value #>> '{}')::integer`, so integers are digits only
-- and fit in an integer.
insert into balance_sync.setting_rules (key, kind, minimum, minimum_inclusive, maximum) values
  ('balance_changes_retention_days', 'number', 0, false, null),
  ('balance_changes_prune_batch', 'integer', 1, true, null),
  -- 0: one batch per cleanup run
  ('balance_changes_prune_seconds', 'number', 0, true, null),
  ('run_history_retention', 'interval', 0, false, null),
  ('min_interval_seconds', 'integer', 0, true, null),
  ('rows_per_run', 'integer', 1, true, 100000),
  ('max_runs_per_chain', 'integer', 1, true, null),
  ('max_runs_per_tick', 'integer', 0, true, null),
  ('pg_net_timeout_ms', 'integer', 1, true, null)
on conflict (key) do nothing;

-- The one parser. Returns the value as text (a number in PostgreSQL's notation, an interval in
-- its output form), or raises 22023 with the key, what it accepts and what it got.
create or replace function balance_sync.parse_setting(p_key text, p_value jsonb)
  returns text
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
declare
  v_rule balance_sync.setting_rules;
  v_text text;
  v_number numeric;
  v_interval interval;
  v_wanted text;
  v_pattern text;
begin
  select * into v_rule from balance_sync.setting_rules as r where r.key = p_key;
  if not found or p_value is null then
    return p_value #>> '{}';
  end if;
  v_text := case jsonb_typeof(p_value)
              when 'number' then p_value::text
              when 'string' then btrim(p_value #>> '{}')
            end;
  -- integers: digits only (dispatch casts them with ::integer)
  v_pattern := case v_rule.kind when 'integer' then '^[+-]?[0-9]{1,10}$'
                 else '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,4})?$' end;
  if v_rule.kind = 'interval' then
    begin
      v_interval := case when jsonb_typeof(p_value) = 'number'
                           then make_interval(secs => v_text::double precision)
                         when v_text <> '' then v_text::interval end;
    exception
      when data_exception then
        v_interval := null;
    end;
    v_number := extract(epoch from v_interval);
  elsif v_text ~ v_pattern then
    v_number := v_text::numeric;
    if v_rule.kind = 'integer' and v_number > 2147483647 then
      v_number := null;
    end if;
  end if;

  if v_number is not null
     and (v_rule.minimum is null or v_number > v_rule.minimum
          or (v_rule.minimum_inclusive and v_number = v_rule.minimum))
     and (v_rule.maximum is null or v_number <= v_rule.maximum) then
    return coalesce(v_interval::text, v_number::text);
  end if;

  v_wanted := case v_rule.kind
      when 'integer' then 'an integer (a JSON number or a string of digits)'
      when 'number' then 'a number (a JSON number or a string holding one)'
      else 'an interval (a string such as "7 days", or a number of seconds)'
    end
    || coalesce(case when v_rule.minimum_inclusive then ' >= ' else ' > ' end
                || v_rule.minimum::text, '')
    || coalesce(' and <= ' || v_rule.maximum::text, '')
    || case when v_rule.kind = 'interval' and v_rule.minimum is not null then ' seconds' else '' end;
  raise exception using errcode = '22023',
    message = format('balance_sync setting %s must be %s, got %s', p_key, v_wanted, p_value::text),
    hint = format('update balance_sync.settings set value = %L where key = %L',
                  case v_rule.kind when 'interval' then '"7 days"' else coalesce(
                    greatest(v_rule.minimum, 1)::text, '1') end, p_key);
end
$$;

comment on function balance_sync.parse_setting(text, jsonb) is
$$The one parser of balance_sync.settings values: checks p_value against the rule of p_key
(balance_sync.setting_rules) and returns it as text; a number may be a JSON number or a string
holding one. A value the rule refuses raises 22023 naming the key, what it accepts and what it
got. A key without a rule: the value as text.$$;

create or replace function balance_sync.setting_number(p_key text, p_default numeric)
  returns numeric
  language sql
  stable
  security definer
  set search_path = ''
as $$
  select balance_sync.parse_setting(p_key, coalesce(
    (select s.value from balance_sync.settings as s where s.key = p_key), to_jsonb(p_default)))::numeric
$$;

comment on function balance_sync.setting_number(text, numeric) is
  'The value of a balance_sync.settings key as a number (parsed by balance_sync.parse_setting), or p_default when the key is not set.';

create or replace function balance_sync.setting_interval(p_key text, p_default interval)
  returns interval
  language sql
  stable
  security definer
  set search_path = ''
as $$
  select balance_sync.parse_setting(p_key, coalesce(
    (select s.value from balance_sync.settings as s where s.key = p_key),
    to_jsonb(p_default::text)))::interval
$$;

comment on function balance_sync.setting_interval(text, interval) is
  'The value of a balance_sync.settings key as an interval (parsed by balance_sync.parse_setting), or p_default when the key is not set.';

create or replace function balance_sync.settings_check_trigger()
  returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  perform balance_sync.parse_setting(new.key, new.value);
  return new;
end
$$;

drop trigger if exists settings_check on balance_sync.settings;
create trigger settings_check
  before insert or update on balance_sync.settings
  for each row
  execute function balance_sync.settings_check_trigger();

-- A value stored before this check existed is left as it is (it is the operator's), but named.
do $$
declare
  s record;
begin
  for s in select st.key, st.value from balance_sync.settings as st order by st.key loop
    begin
      perform balance_sync.parse_setting(s.key, s.value);
    exception
      when invalid_parameter_value then
        raise warning '% (stored before this check; the daily cleanup step that reads it fails '
          'until it is fixed)', sqlerrm;
    end;
  end loop;
end
$$;

-- The change-log retention, reading its settings through the parser (as before otherwise).
create or replace function balance_sync.prune_balance_changes()
  returns bigint
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_days numeric := balance_sync.setting_number('balance_changes_retention_days', 30);
  v_batch integer := balance_sync.setting_number('balance_changes_prune_batch', 5000);
  v_budget numeric := balance_sync.setting_number('balance_changes_prune_seconds', 20);
  v_cutoff timestamptz;
  v_started timestamptz := clock_timestamp();
  v_last bigint := 0;
  v_seen integer;
  v_deleted integer;
  v_young boolean;
  v_total bigint := 0;
begin
  v_cutoff := now() - make_interval(secs => v_days * 86400);
  loop
    with batch as (
      select bc.id, bc.observed_at < v_cutoff as old
      from balance_sync.balance_changes as bc
      where bc.id > v_last
      order by bc.id
      limit v_batch
    ),
    removed as (
      delete from balance_sync.balance_changes as bc
      using batch as b
      where bc.id = b.id and b.old
      returning bc.id
    )
    select (select count(*) from batch), (select count(*) from removed),
           coalesce((select bool_or(not b.old) from batch as b), false),
           coalesce((select max(b.id) from batch as b), v_last)
    into v_seen, v_deleted, v_young, v_last;
    v_total := v_total + v_deleted;
    exit when v_seen < v_batch or v_young
      or clock_timestamp() - v_started > make_interval(secs => v_budget);
  end loop;
  return v_total;
end
$$;

-- Each step of the daily cleanup on its own: a failing step (say, a bad setting stored before the
-- check above existed) is counted in balance_sync.run_totals (metric cleanup_failures, label the
-- step; exported as balance_sync_cleanup_failures_total) and raised as a WARNING, and the other
-- steps still run.
create or replace function balance_sync.cleanup_cron_history(p_keep interval default '7 days')
  returns integer
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_count integer;
  v_step text;
begin
  foreach v_step in array array['run_history', 'balance_changes'] loop
    begin
      if v_step = 'run_history' then
        -- Run history: balance_sync.runs keeps the run_history_retention setting (default 7 days).
        perform balance_sync.prune_run_history();
      else
        -- change log retention (balance_changes_retention_days), batched, bounded in time
        perform balance_sync.prune_balance_changes();
      end if;
    exception
      when others then
        raise warning 'balance_sync cleanup: step % failed, the other steps go on: %', v_step, sqlerrm;
        insert into balance_sync.run_totals as t (metric, label, value)
        values ('cleanup_failures', v_step, 1)
        on conflict (metric, label) do update set value = t.value + 1;
    end;
  end loop;
  -- Only this project's jobs: other jobs' history belongs to their owners.
  delete from cron.job_run_details as d
  where d.end_time < now() - p_keep
    and d.jobid in (select j.jobid from cron.job as j
                    where j.jobname = 'balance-sync' or j.jobname like 'balance-sync-%');
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

comment on function balance_sync.cleanup_cron_history(interval) is
$$Deletes the cron.job_run_details rows of this project's jobs (balance-sync, balance-sync-*) that
ended more than p_keep ago (pg_cron never does). Other jobs' history is left alone.
Also deletes balance_sync.runs rows older than the run_history_retention setting
(balance_sync.prune_run_history), and applies the change-log retention
(balance_sync.prune_balance_changes()); each of these two steps runs on its own, and a failing one
is counted (balance_sync_cleanup_failures_total) and raised as a WARNING. Returns the number of
cron.job_run_details rows deleted.$$;

select balance_sync.grant_to_service_role_only(array[
  'balance_sync.parse_setting(text, jsonb)',
  'balance_sync.setting_number(text, numeric)',
  'balance_sync.setting_interval(text, interval)'
]);
revoke all on function balance_sync.settings_check_trigger() from public;
revoke all on function balance_sync.prune_balance_changes() from public;
revoke all on function balance_sync.cleanup_cron_history(interval) from public;
