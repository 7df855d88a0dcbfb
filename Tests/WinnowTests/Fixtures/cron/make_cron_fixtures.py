#!/usr/bin/env python3
"""Writes next_fire.jsonl: for each cron expression, time zone and start, its next fire times.

Expressions away from daylight-saving changes are computed by croniter (an independent implementation:
`python3 -m venv /tmp/cron-venv && /tmp/cron-venv/bin/pip install croniter`). croniter does not follow cronie
across DST changes, nor cronie's rule that a day field starting with `*` (e.g. `*/2`) makes the two day fields
AND-ed, so those cases are written out here by hand from cronie's man page ("Daylight Saving Time and other time
changes"): a job at fixed times (no `*` at the start of its minute or hour field) whose time is skipped runs once
at the first instant after the jump, and runs only in the first pass of a repeated hour; a job with `*` in the
minute or hour field follows the wall clock (nothing in a skipped hour, both passes of a repeated one).

    /tmp/cron-venv/bin/python make_cron_fixtures.py > next_fire.jsonl
"""
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from croniter import croniter

COUNT = 5
BY_CRONITER = [
    # (expression, time zone, start in that zone)
    ("* * * * *", "UTC", "2026-12-02T10:58:30"),
    ("*/15 * * * *", "UTC", "2026-12-02T10:58:00"),
    ("0 * * * *", "America/Sao_Paulo", "2026-12-02T10:00:00"),
    ("5 4 * * *", "America/Sao_Paulo", "2026-12-02T04:05:00"),
    ("0 0 1 * *", "UTC", "2026-11-15T00:00:00"),
    ("0 0 1 1 *", "UTC", "2026-06-01T00:00:00"),
    ("0 22 * * 1-5", "Europe/Berlin", "2026-12-04T23:00:00"),
    ("23 0-20/2 * * *", "UTC", "2026-12-02T19:00:00"),
    ("0 0,12 1 */2 *", "UTC", "2026-12-01T12:00:00"),
    ("0 4 8-14 * *", "UTC", "2026-12-13T05:00:00"),
    ("0 0 * * sun", "America/New_York", "2026-12-02T00:00:00"),
    ("0 9 * jan,jul mon", "UTC", "2026-12-02T00:00:00"),
    ("0 9 1,15 * mon", "UTC", "2026-12-02T00:00:00"),
    ("30 6 13 * fri", "UTC", "2026-12-02T00:00:00"),
    ("0 0 29 2 *", "UTC", "2026-12-02T00:00:00"),
    ("0 12 31 * *", "UTC", "2026-12-02T00:00:00"),
    ("*/7 * * * *", "UTC", "2026-12-02T10:50:00"),
    ("59 23 31 12 *", "Asia/Tokyo", "2026-12-02T00:00:00"),
    ("0 0 * * 7", "UTC", "2026-12-02T00:00:00"),
    ("0 8-18/3 * * mon-fri", "America/New_York", "2026-12-04T16:00:00"),
    ("15,45 */6 * * *", "UTC", "2026-12-02T17:50:00"),
    ("@hourly", "Europe/Berlin", "2026-12-02T10:59:59"),
    ("@daily", "America/Sao_Paulo", "2026-12-02T10:00:00"),
    ("@weekly", "UTC", "2026-12-02T10:00:00"),
    ("@monthly", "Asia/Kolkata", "2026-12-02T10:00:00"),
    ("@yearly", "UTC", "2026-12-02T10:00:00"),
    ("0 5 * * 1,3,5", "UTC", "2026-12-02T05:00:00"),
    ("10-20/5 3 * * *", "UTC", "2026-12-02T03:12:00"),
    ("0 0 1 jan-mar *", "UTC", "2026-12-02T00:00:00"),
    ("0 17 * * FRI", "Australia/Sydney", "2026-12-02T00:00:00"),
    ("5 0 * 8 *", "UTC", "2026-12-02T00:00:00"),
    ("0 0 1-7 * 1", "UTC", "2026-12-02T00:00:00"),
]

# (expression, time zone, start, next fire times) — cronie's rules, by hand; the comment says why.
BY_HAND = [
    # New York, 2026-03-08: 02:00 EST → 03:00 EDT.
    ("30 2 * * *", "America/New_York", "2026-03-07T12:00:00-05:00",
     ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"]),            # skipped: at the jump
    ("0 2 * * *", "America/New_York", "2026-03-08T00:00:00-05:00", ["2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00"]),
    ("*/30 * * * *", "America/New_York", "2026-03-08T01:00:00-05:00",
     ["2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00"]),            # wall clock: 02:xx never happens
    ("0 * * * *", "America/New_York", "2026-03-08T00:30:00-05:00",
     ["2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T04:00:00-04:00"]),
    ("15 1-3 * * *", "America/New_York", "2026-03-08T00:00:00-05:00",
     ["2026-03-08T01:15:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:15:00-04:00", "2026-03-09T01:15:00-04:00"]),
    ("0 3 * * *", "America/New_York", "2026-03-08T00:00:00-05:00", ["2026-03-08T03:00:00-04:00", "2026-03-09T03:00:00-04:00"]),
    ("30 2 8 3 *", "America/New_York", "2026-01-01T00:00:00-05:00", ["2026-03-08T03:00:00-04:00", "2027-03-08T02:30:00-05:00"]),
    # New York, 2026-11-01: 02:00 EDT → 01:00 EST (01:00–01:59 twice).
    ("30 1 * * *", "America/New_York", "2026-10-31T12:00:00-04:00", ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]),  # once
    ("*/30 * * * *", "America/New_York", "2026-11-01T00:45:00-04:00",
     ["2026-11-01T01:00:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T01:30:00-05:00", "2026-11-01T02:00:00-05:00"]),
    ("0 * * * *", "America/New_York", "2026-11-01T00:30:00-04:00",
     ["2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00"]),
    ("0 1 * * *", "America/New_York", "2026-11-01T00:00:00-04:00", ["2026-11-01T01:00:00-04:00", "2026-11-02T01:00:00-05:00"]),
    ("30 1 * * *", "America/New_York", "2026-11-01T01:45:00-04:00", ["2026-11-02T01:30:00-05:00"]),          # not in the second pass
    ("15 1 * * *", "America/New_York", "2026-11-01T01:20:00-05:00", ["2026-11-02T01:15:00-05:00"]),
    # Berlin, 2026-03-29: 02:00 CET → 03:00 CEST; 2026-10-25: 03:00 CEST → 02:00 CET.
    ("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00+01:00", ["2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"]),
    ("0,30 2 * * 0", "Europe/Berlin", "2026-03-28T00:00:00+01:00", ["2026-03-29T03:00:00+02:00", "2026-04-05T02:00:00+02:00"]),  # both at the jump, once
    ("*/20 2 * * *", "Europe/Berlin", "2026-03-29T01:50:00+01:00", ["2026-03-30T02:00:00+02:00"]),         # minute `*`: skipped hour skipped
    ("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00+02:00", ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"]),
    ("*/20 2 * * *", "Europe/Berlin", "2026-10-25T01:50:00+02:00",
     ["2026-10-25T02:00:00+02:00", "2026-10-25T02:20:00+02:00", "2026-10-25T02:40:00+02:00",
      "2026-10-25T02:00:00+01:00", "2026-10-25T02:20:00+01:00", "2026-10-25T02:40:00+01:00", "2026-10-26T02:00:00+01:00"]),
    ("@hourly", "Europe/Berlin", "2026-10-25T01:30:00+02:00",
     ["2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"]),
    ("0 2 * * *", "Europe/Berlin", "2026-10-25T00:00:00+02:00", ["2026-10-25T02:00:00+02:00", "2026-10-26T02:00:00+01:00"]),
    # São Paulo, 2018-11-04: midnight skipped (00:00 −03 → 01:00 −02); 2019-02-17: 00:00 −02 → 23:00 −03 on the 16th.
    ("@daily", "America/Sao_Paulo", "2018-11-03T12:00:00-03:00", ["2018-11-04T01:00:00-02:00", "2018-11-05T00:00:00-02:00"]),
    ("30 0 * * *", "America/Sao_Paulo", "2018-11-03T12:00:00-03:00", ["2018-11-04T01:00:00-02:00", "2018-11-05T00:30:00-02:00"]),
    ("0 * * * *", "America/Sao_Paulo", "2018-11-03T23:30:00-03:00", ["2018-11-04T01:00:00-02:00", "2018-11-04T02:00:00-02:00"]),
    ("0 0 4 11 *", "America/Sao_Paulo", "2018-01-01T00:00:00-02:00", ["2018-11-04T01:00:00-02:00", "2019-11-04T00:00:00-03:00"]),
    ("30 23 * * *", "America/Sao_Paulo", "2019-02-16T12:00:00-02:00", ["2019-02-16T23:30:00-02:00", "2019-02-17T23:30:00-03:00"]),
    ("0 * * * *", "America/Sao_Paulo", "2019-02-16T22:30:00-02:00",
     ["2019-02-16T23:00:00-02:00", "2019-02-16T23:00:00-03:00", "2019-02-17T00:00:00-03:00"]),
    ("@daily", "America/Sao_Paulo", "2019-02-16T12:00:00-02:00", ["2019-02-17T00:00:00-03:00", "2019-02-18T00:00:00-03:00"]),
    # Day fields: `*/2` starts with `*`, so cronie ANDs it with the weekday (croniter would OR them).
    ("0 0 */2 * mon", "UTC", "2026-12-01T00:00:00+00:00", ["2026-12-07T00:00:00+00:00", "2026-12-21T00:00:00+00:00", "2027-01-11T00:00:00+00:00"]),
    ("0 0 */2 * *", "UTC", "2026-12-30T00:00:00+00:00", ["2026-12-31T00:00:00+00:00", "2027-01-01T00:00:00+00:00", "2027-01-03T00:00:00+00:00"]),
    # N/S means N-max/S (cronie ≥ 1.5 and most crons accept it).
    ("5/20 * * * *", "UTC", "2026-12-02T10:00:00+00:00", ["2026-12-02T10:05:00+00:00", "2026-12-02T10:25:00+00:00", "2026-12-02T10:45:00+00:00", "2026-12-02T11:05:00+00:00"]),
]

INVALID = [
    # (expression, what the error must say, column)
    ("0 25 * * *", "hour 25 is out of range 0–23", 3),
    ("61 * * * *", "minute 61 is out of range 0–59", 1),
    ("* * * *", "4 fields", 8),
    ("* * * * * *", "6 fields", 11),
    ("*/0 * * * *", "is not a step", 3),
    ("0 0 30 2 *", "never fires", 5),
    ("@reboot", "not a known shorthand", 1),
    ("0 0 * foo *", "\"foo\" in the month field", 7),
    ("0 0 1,,2 * *", "empty list item in the day of month field", 7),
    ("0 0 * * mon-8", "day of week 8 is out of range 0–7", 13),
    ("0 20-10 * * *", "range 20-10 runs backwards", 3),
]


def iso(d):
    s = d.isoformat()
    return s


def main():
    for expr, zone, start in BY_CRONITER:
        tz = ZoneInfo(zone)
        t = datetime.fromisoformat(start).replace(tzinfo=tz)
        it = croniter(expr, t)
        nxt = [iso(it.get_next(datetime)) for _ in range(COUNT)]
        print(json.dumps({"cron": expr, "timezone": zone, "from": iso(t), "next": nxt, "by": "croniter"}))
    for expr, zone, start, nxt in BY_HAND:
        print(json.dumps({"cron": expr, "timezone": zone, "from": start, "next": nxt, "by": "cronie rules"}))
    for expr, message, column in INVALID:
        print(json.dumps({"cron": expr, "error": message, "column": column}))


if __name__ == "__main__":
    main()
