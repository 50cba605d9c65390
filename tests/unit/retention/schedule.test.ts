import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isValidSchedule, matchesSchedule, nextRun, parseSchedule, scheduleSchema } from "../../../lib/retention/schedule";

const at = (iso: string) => new Date(iso);
const next = (schedule: string, after: string) => nextRun(schedule, at(after)).toISOString();

describe("isValidSchedule", () => {
  it.each([
    "@hourly",
    "@daily",
    "@weekly",
    "  @Daily ",
    "* * * * *",
    "0 3 * * 0",
    "0 3 * * 7",
    "*/15 * * * *",
    "0,30 8-18/2 * 1-12 1-5",
    "5/20 * * * *",
    "0 0 29 2 *",
    "30 4 1,15 * 5",
    "0 0 31 * *",
  ])("accepts %j", (schedule) => {
    expect(isValidSchedule(schedule)).toBe(true);
  });

  it.each([
    "",
    "@yearly",
    "@reboot",
    "* * * *",
    "* * * * * *",
    "60 * * * *",
    "0 24 * * *",
    "0 0 0 * *",
    "0 0 32 * *",
    "0 0 * 0 *",
    "0 0 * 13 *",
    "0 0 * * 8",
    "*/0 * * * *",
    "5-1 * * * *",
    "1-2-3 * * * *",
    "*/5/2 * * * *",
    "1,,2 * * * *",
    "a * * * *",
    "0 0 * JAN MON",
    "-1 * * * *",
    "0 0 30 2 *",
    "0 0 31 4,6,9,11 *",
  ])("rejects %j", (schedule) => {
    expect(isValidSchedule(schedule)).toBe(false);
  });

  it("says what is wrong through the zod schema", () => {
    const result = scheduleSchema.safeParse("0 0 31 4,6,9,11 *");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/never run/);
    expect(scheduleSchema.safeParse("0 0 30 2 *").error?.issues[0]?.message).toMatch(/month 2 has no day 30/);
    expect(scheduleSchema.safeParse("61 * * * *").error?.issues[0]?.message).toMatch(/minute/);
  });

  it("folds day of week 7 into Sunday", () => {
    expect([...parseSchedule("0 0 * * 7").daysOfWeek]).toEqual([0]);
  });
});

describe("nextRun", () => {
  it.each([
    ["@hourly", "2024-05-10T10:15:30Z", "2024-05-10T11:00:00.000Z"],
    ["@daily", "2024-05-10T10:15:00Z", "2024-05-11T00:00:00.000Z"],
    // 2024-05-10 is a Friday
    ["@weekly", "2024-05-10T10:15:00Z", "2024-05-12T00:00:00.000Z"],
    ["0 0 * * 7", "2024-05-10T10:15:00Z", "2024-05-12T00:00:00.000Z"],
    ["*/15 * * * *", "2024-05-10T10:14:59.999Z", "2024-05-10T10:15:00.000Z"],
    ["5/20 * * * *", "2024-05-10T10:45:00Z", "2024-05-10T11:05:00.000Z"],
    ["0 12 * * 1-5", "2024-05-10T12:00:00Z", "2024-05-13T12:00:00.000Z"],
    ["0 0 31 * *", "2024-04-01T00:00:00Z", "2024-05-31T00:00:00.000Z"],
    ["0 0 1 1 *", "2024-12-31T23:59:00Z", "2025-01-01T00:00:00.000Z"],
    ["0 0 29 2 *", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00.000Z"],
    // 2100 is not a leap year
    ["0 0 29 2 *", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00.000Z"],
  ])("%s after %s is %s", (schedule, after, expected) => {
    expect(next(schedule, after)).toBe(expected);
  });

  it("runs strictly after the given time, even when it is a matching minute", () => {
    expect(next("*/15 * * * *", "2024-05-10T10:15:00Z")).toBe("2024-05-10T10:30:00.000Z");
    expect(next("@daily", "2024-05-11T00:00:00Z")).toBe("2024-05-12T00:00:00.000Z");
  });

  it("matches either day field when both are restricted, as crontab(5) does", () => {
    // the 1st and 15th, plus every Friday; 2024-05-13 is a Monday
    expect(next("30 4 1,15 * 5", "2024-05-02T00:00:00Z")).toBe("2024-05-03T04:30:00.000Z");
    expect(next("30 4 1,15 * 5", "2024-05-13T05:00:00Z")).toBe("2024-05-15T04:30:00.000Z");
    // day of month restricted, day of week unrestricted: only the day of month counts
    expect(next("0 0 15 * *", "2024-05-13T05:00:00Z")).toBe("2024-05-15T00:00:00.000Z");
  });

  it("reads the day fields as pg-boss's cron-parser does", () => {
    // 0-6 is a restricted day of week, so with the 20th it means every day
    expect(next("0 0 20 * 0-6", "2024-05-13T05:00:00Z")).toBe("2024-05-14T00:00:00.000Z");
    // 2-31 lists as many days as April has, so in April only Fridays count (2024-04-02 is a Tuesday)…
    expect(next("0 0 2-31 4,5 5", "2024-04-01T05:00:00Z")).toBe("2024-04-05T00:00:00.000Z");
    // …but not as many as May has, so in May it is the 2nd or a Friday
    expect(next("0 0 2-31 4,5 5", "2024-05-01T05:00:00Z")).toBe("2024-05-02T00:00:00.000Z");
  });

  it("refuses day-of-week forms cron-parser reads differently", () => {
    expect(isValidSchedule("0 0 * * 3/2")).toBe(false);
    expect(isValidSchedule("0 0 * * 5-7")).toBe(false);
    expect(isValidSchedule("0 0 * * 5,6,7")).toBe(true);
    // a single month without that day is refused by cron-parser even with a day of week
    expect(isValidSchedule("0 0 31 4 1")).toBe(false);
  });

  it("rejects an invalid date and an invalid schedule", () => {
    expect(() => nextRun("@daily", new Date(Number.NaN))).toThrow(RangeError);
    expect(() => nextRun("nope", at("2024-01-01T00:00:00Z"))).toThrow(/five fields/);
  });

  it("returns the first matching minute after the given time (brute-force check)", () => {
    const field = (min: number, max: number) =>
      fc.oneof(
        fc.constant("*"),
        fc.integer({ min, max }).map(String),
        fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 3 }).map((v) => v.join(",")),
        fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        fc.integer({ min: 1, max: max - min + 1 }).map((step) => `*/${step}`),
      );
    fc.assert(
      fc.property(
        // months stay `*` and days of month ≤ 28 so the brute force scans at most a few weeks
        fc.tuple(field(0, 59), field(0, 23), field(1, 28), field(0, 6)),
        fc.date({ min: at("2000-01-01T00:00:00Z"), max: at("2099-12-31T00:00:00Z"), noInvalidDate: true }),
        ([minute, hour, dom, dow], after) => {
          const s = parseSchedule(`${minute} ${hour} ${dom} * ${dow}`);
          let t = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000;
          while (!matchesSchedule(s, new Date(t))) t += 60_000;
          expect(nextRun(s, after).toISOString()).toBe(new Date(t).toISOString());
        },
      ),
      { numRuns: 60 },
    );
  });
});
