// When a retention policy runs: `@hourly`, `@daily`, `@weekly` or a five-field cron line
// (minute hour day-of-month month day-of-week), always in UTC. Pure: no I/O, unit-tested.
//
// The accepted grammar is a subset of what pg-boss's cron (cron-parser) accepts, so a schedule
// that passes here can be handed to pg-boss unchanged: per field `*`, numbers, lists (`1,15`),
// ranges (`1-5`) and steps (`*/15`, `0-30/10`, `5/20` = from 5 to the maximum). No month or
// weekday names, no `L`/`W`/`#`/`?`, no seconds field. Day of week is 0-7, both 0 and 7 Sunday,
// but 7 only on its own and no `n/step` there: cron-parser reads `3/6` or `5-7` differently.
// Days follow cron-parser so that nextRun agrees with when pg-boss runs the job: as in
// crontab(5), when both day fields are restricted a day matches if EITHER matches. Day of week
// counts as unrestricted only when it lists all of 0-7 (`*`; `0-6` is restricted), day of month
// when it lists at least as many days as the month can have (`*`, `1-31`; `2-31` in April).
import { z } from "zod";

const MACROS: Readonly<Record<string, string>> = {
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@weekly": "0 0 * * 0",
};

type FieldSpec = { readonly name: string; readonly min: number; readonly max: number };

const MINUTE: FieldSpec = { name: "minute", min: 0, max: 59 };
const HOUR: FieldSpec = { name: "hour", min: 0, max: 23 };
const DAY_OF_MONTH: FieldSpec = { name: "day of month", min: 1, max: 31 };
const MONTH: FieldSpec = { name: "month", min: 1, max: 12 };
const DAY_OF_WEEK: FieldSpec = { name: "day of week", min: 0, max: 7 };

/** Longest month length per month (February 29: leap years exist). */
const MONTH_MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** February 29 can be 8 years away (2096 → 2104); nothing valid is further. */
const SEARCH_LIMIT_MS = 9 * 366 * 24 * 60 * 60 * 1000;

export class ScheduleError extends Error {
  override name = "ScheduleError";
}

export type ParsedSchedule = {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0-6, Sunday is 0 (a 7 in the text is folded into 0). */
  readonly daysOfWeek: ReadonlySet<number>;
  /** Day of week lists less than all of 0-7: decides the either-or rule for days. */
  readonly daysOfWeekRestricted: boolean;
};

function parseNumber(text: string, spec: FieldSpec, what: string): number {
  if (!/^\d{1,2}$/.test(text)) throw new ScheduleError(`${spec.name}: ${what} "${text}" is not a number`);
  return Number(text);
}

function parseField(text: string, spec: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const pieces = part.split("/");
    if (pieces.length > 2) throw new ScheduleError(`${spec.name}: "${part}" has more than one step`);
    const [rangeText = "", stepText] = pieces;
    let step = 1;
    if (stepText !== undefined) {
      step = parseNumber(stepText, spec, "step");
      if (step < 1) throw new ScheduleError(`${spec.name}: the step must be at least 1`);
    }
    let from: number;
    let to: number;
    if (rangeText === "*") {
      from = spec.min;
      to = spec.max;
    } else if (rangeText.includes("-")) {
      const [a = "", b = "", ...rest] = rangeText.split("-");
      if (rest.length > 0) throw new ScheduleError(`${spec.name}: "${rangeText}" is not a range`);
      from = parseNumber(a, spec, "value");
      to = parseNumber(b, spec, "value");
      if (from > to) throw new ScheduleError(`${spec.name}: the range ${rangeText} runs backwards`);
    } else {
      from = parseNumber(rangeText, spec, "value");
      // `5/20` is cron shorthand for `5-<max>/20`
      if (stepText !== undefined && spec === DAY_OF_WEEK) {
        throw new ScheduleError(`${spec.name}: write ${from}-6/${stepText} rather than ${part}`);
      }
      to = stepText === undefined ? from : spec.max;
    }
    if (from < spec.min || to > spec.max) {
      throw new ScheduleError(`${spec.name}: ${rangeText} is outside ${spec.min}-${spec.max}`);
    }
    if (spec === DAY_OF_WEEK && rangeText !== "*" && to === 7 && from !== 7) {
      throw new ScheduleError(`${spec.name}: write Sunday as 0 in ranges (${rangeText})`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** Parses a schedule, or throws ScheduleError saying what is wrong with it. */
export function parseSchedule(schedule: string): ParsedSchedule {
  const text = schedule.trim();
  const line = MACROS[text.toLowerCase()] ?? text;
  if (line.startsWith("@")) throw new ScheduleError(`unknown shorthand ${text}: use @hourly, @daily or @weekly`);
  const fields = line.split(/\s+/);
  if (fields.length !== 5) throw new ScheduleError("a cron schedule has five fields: minute hour day-of-month month day-of-week");
  const [minute = "", hour = "", dayOfMonth = "", month = "", dayOfWeek = ""] = fields;
  const minutes = parseField(minute, MINUTE);
  const hours = parseField(hour, HOUR);
  let daysOfMonth = parseField(dayOfMonth, DAY_OF_MONTH);
  const months = parseField(month, MONTH);
  const rawDaysOfWeek = parseField(dayOfWeek, DAY_OF_WEEK);
  const daysOfWeekRestricted = rawDaysOfWeek.size < 8;
  const [onlyMonth] = months;
  if (months.size === 1 && onlyMonth !== undefined) {
    // cron-parser refuses this even when the day of week would make it run…
    const monthDays = MONTH_MAX_DAYS[onlyMonth - 1] ?? 31;
    const firstDay = Math.min(...daysOfMonth);
    if (firstDay > monthDays) throw new ScheduleError(`month ${onlyMonth} has no day ${firstDay}`);
    // …and drops the days the month lacks, which can make the field unrestricted
    daysOfMonth = new Set([...daysOfMonth].filter((d) => d <= monthDays));
  }
  // `0 0 31 4,6 *` parses but never fires; say so now rather than when the job is scheduled
  if (!daysOfWeekRestricted && ![...months].some((m) => [...daysOfMonth].some((d) => d <= (MONTH_MAX_DAYS[m - 1] ?? 0)))) {
    throw new ScheduleError("no month in the schedule has that day of month: it would never run");
  }
  return {
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek: new Set([...rawDaysOfWeek].map((d) => (d === 7 ? 0 : d))),
    daysOfWeekRestricted,
  };
}

/** Whether a string is a schedule this module (and pg-boss) can run. */
export function isValidSchedule(schedule: string): boolean {
  try {
    parseSchedule(schedule);
    return true;
  } catch (e) {
    if (e instanceof ScheduleError) return false;
    throw e;
  }
}

/** A schedule as stored on a policy; the message says what is wrong. */
export const scheduleSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .superRefine((value, ctx) => {
    try {
      parseSchedule(value);
    } catch (e) {
      if (!(e instanceof ScheduleError)) throw e;
      ctx.addIssue({ code: "custom", message: `invalid schedule: ${e.message}` });
    }
  });

function dayMatches(s: ParsedSchedule, t: Date): boolean {
  const dom = s.daysOfMonth.has(t.getUTCDate());
  const dow = s.daysOfWeek.has(t.getUTCDay());
  if (!s.daysOfWeekRestricted) return dom;
  const daysOfMonthRestricted = s.daysOfMonth.size < (MONTH_MAX_DAYS[t.getUTCMonth()] ?? 31);
  return daysOfMonthRestricted ? dom || dow : dow;
}

/** Whether the schedule fires in the minute that `t` (UTC) falls in. */
export function matchesSchedule(s: ParsedSchedule, t: Date): boolean {
  return s.months.has(t.getUTCMonth() + 1) && dayMatches(s, t) && s.hours.has(t.getUTCHours()) && s.minutes.has(t.getUTCMinutes());
}

/** The first minute strictly after `after` (UTC) at which the schedule fires. */
export function nextRun(schedule: string | ParsedSchedule, after: Date): Date {
  const s = typeof schedule === "string" ? parseSchedule(schedule) : schedule;
  const start = after.getTime();
  if (Number.isNaN(start)) throw new RangeError("nextRun: `after` is an invalid Date");
  const t = new Date(start);
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  const limit = start + SEARCH_LIMIT_MS;
  // skip whole months, days and hours that cannot match: at most a few thousand steps
  while (t.getTime() <= limit) {
    if (!s.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(s, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!s.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!s.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else {
      return t;
    }
  }
  throw new ScheduleError("the schedule never runs");
}
