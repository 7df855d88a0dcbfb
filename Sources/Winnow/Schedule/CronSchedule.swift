import Foundation

/// A cron expression (the five standard fields, or `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`) in a
/// time zone, and the instants it fires at.
///
/// Fields: minute 0–59, hour 0–23, day of month 1–31, month 1–12 or `jan`–`dec`, day of week 0–7 (0 and 7 are
/// Sunday) or `sun`–`sat`. Each field is a list (`,`) of `*`, `N`, `N-M`, optionally with a step (`*/S`, `N-M/S`,
/// and `N/S` for `N-max/S`). As in cron, when both day fields are restricted (neither starts with `*`), a day
/// matches if **either** does; otherwise both must.
///
/// Daylight-saving time follows cronie (its man page, "Daylight Saving Time and other time changes"): a job that
/// runs at fixed times (neither the minute nor the hour field starts with `*`) and whose time falls in a skipped
/// hour runs once at the first instant after the jump; when an hour repeats it runs only in the first pass.
/// Jobs with `*` in the minute or hour field run on the wall clock as it is: not at all in a skipped hour, and in
/// both passes of a repeated one.
public struct CronSchedule: Sendable {
    public let expression: String
    public let timeZone: TimeZone
    let minutes: [Int], hours: [Int], days: Set<Int>, months: Set<Int>, weekdays: Set<Int>
    let minuteStar: Bool, hourStar: Bool, dayStar: Bool, weekdayStar: Bool

    /// A mistake in an expression: what is wrong and the 1-based column where it is.
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let message: String
        public let column: Int
        public var description: String { "\(message) (column \(column))" }
    }

    static let specials: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let weekdayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    struct Field {
        let name: String, low: Int, high: Int, names: [String], nameBase: Int
    }
    static let fields = [
        Field(name: "minute", low: 0, high: 59, names: [], nameBase: 0),
        Field(name: "hour", low: 0, high: 23, names: [], nameBase: 0),
        Field(name: "day of month", low: 1, high: 31, names: [], nameBase: 0),
        Field(name: "month", low: 1, high: 12, names: monthNames, nameBase: 1),
        Field(name: "day of week", low: 0, high: 7, names: weekdayNames, nameBase: 0),
    ]

    /// Parses `expression` for `timeZone`; a mistake names the field, the problem and its column.
    public init(_ expression: String, timeZone: TimeZone = .current) throws {
        self.expression = expression
        self.timeZone = timeZone
        let trimmed = expression.trimmingCharacters(in: .whitespaces)
        let leading = expression.prefix { $0 == " " || $0 == "\t" }.count
        var text = trimmed, offset = leading
        if trimmed.hasPrefix("@") {
            guard let expanded = Self.specials[trimmed.lowercased()] else {
                let known = Self.specials.keys.sorted().joined(separator: ", ")
                throw ParseError(message: "\"\(trimmed)\" is not a known shorthand (\(trimmed.lowercased() == "@reboot" ? "@reboot has no meaning for a scheduler; " : "")known: \(known))", column: leading + 1)
            }
            text = expanded; offset = -1
        }
        // Fields and the column each starts at.
        var parts: [(String, Int)] = []
        var current = "", start = 0
        for (i, ch) in text.enumerated() {
            if ch == " " || ch == "\t" {
                if !current.isEmpty { parts.append((current, start)); current = "" }
            } else {
                if current.isEmpty { start = i }
                current.append(ch)
            }
        }
        if !current.isEmpty { parts.append((current, start)) }
        func column(_ i: Int) -> Int { offset < 0 ? leading + 1 : offset + i + 1 }
        guard parts.count == 5 else {
            let at = parts.count > 5 ? column(parts[5].1) : column(text.count)
            throw ParseError(message: "\(parts.count) field\(parts.count == 1 ? "" : "s"); a cron expression has 5 (minute hour day-of-month month day-of-week) or is a shorthand such as @daily", column: at)
        }
        var sets: [[Int]] = []
        var stars: [Bool] = []
        for (k, (part, at)) in parts.enumerated() {
            sets.append(try Self.parseField(part, Self.fields[k], column: column(at)))
            stars.append(part.hasPrefix("*"))
        }
        minutes = sets[0]; hours = sets[1]; days = Set(sets[2]); months = Set(sets[3])
        weekdays = Set(sets[4].map { $0 % 7 })
        (minuteStar, hourStar, dayStar, weekdayStar) = (stars[0], stars[1], stars[2], stars[4])
        if weekdayStar {
            // Only the day of month restricts the day: some chosen day must exist in some chosen month.
            let longest = months.map { Self.daysIn(month: $0, leap: true) }.max() ?? 31
            if !days.contains(where: { $0 <= longest }) {
                throw ParseError(message: "never fires: no chosen month has day \(days.min() ?? 0)", column: column(parts[2].1))
            }
        }
    }

    static func parseField(_ text: String, _ f: Field, column: Int) throws -> [Int] {
        var values = Set<Int>()
        var pos = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let itemColumn = column + pos
            pos += item.count + 1
            guard !item.isEmpty else { throw ParseError(message: "empty list item in the \(f.name) field", column: itemColumn) }
            let (rangeText, stepText) = { () -> (Substring, Substring?) in
                if let slash = item.firstIndex(of: "/") { return (item[..<slash], item[item.index(after: slash)...]) }
                return (item, nil)
            }()
            var lo: Int, hi: Int
            if rangeText == "*" {
                lo = f.low; hi = f.high
            } else if let dash = rangeText.firstIndex(of: "-") {
                lo = try value(rangeText[..<dash], f, column: itemColumn)
                hi = try value(rangeText[rangeText.index(after: dash)...], f, column: itemColumn + rangeText.distance(from: rangeText.startIndex, to: dash) + 1)
                if hi < lo { throw ParseError(message: "\(f.name) range \(rangeText) runs backwards", column: itemColumn) }
            } else {
                lo = try value(rangeText, f, column: itemColumn)
                hi = stepText == nil ? lo : f.high
            }
            var step = 1
            if let stepText {
                let stepColumn = itemColumn + rangeText.count + 1
                guard let s = Int(stepText), s >= 1 else {
                    throw ParseError(message: "\"\(stepText)\" is not a step (a whole number ≥ 1) in the \(f.name) field", column: stepColumn)
                }
                guard s <= f.high - f.low + 1 else { throw ParseError(message: "step \(s) is larger than the \(f.name) field's range \(f.low)–\(f.high)", column: stepColumn) }
                step = s
            }
            for v in stride(from: lo, through: hi, by: step) { values.insert(v) }
        }
        return values.sorted()
    }

    static func value(_ text: Substring, _ f: Field, column: Int) throws -> Int {
        if let n = Int(text) {
            guard n >= f.low && n <= f.high else { throw ParseError(message: "\(f.name) \(n) is out of range \(f.low)–\(f.high)", column: column) }
            return n
        }
        if let k = f.names.firstIndex(of: text.lowercased()) { return k + f.nameBase }
        let what = f.names.isEmpty ? "a number \(f.low)–\(f.high)" : "a number \(f.low)–\(f.high) or a name (\(f.names.joined(separator: ", ")))"
        throw ParseError(message: "\"\(text)\" in the \(f.name) field is not \(what)", column: column)
    }

    // MARK: - Civil dates (proleptic Gregorian, H. Hinnant's algorithms): no Calendar, no time zone.

    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func daysIn(month: Int, leap: Bool) -> Int {
        [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    func dayMatches(_ dayNumber: Int) -> Bool {
        let (_, m, d) = Self.civilFromDays(dayNumber)
        guard months.contains(m) else { return false }
        let weekday = ((dayNumber % 7) + 11) % 7   // 1970-01-01 (day 0) was a Thursday (4)
        if dayStar || weekdayStar { return days.contains(d) && weekdays.contains(weekday) }
        return days.contains(d) || weekdays.contains(weekday)
    }

    // MARK: - Fire times

    /// Whether a job runs on the wall clock as it is through DST changes (cronie's "wildcard" jobs).
    var followsWallClock: Bool { minuteStar || hourStar }

    func offset(at t: Int) -> Int { timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t))) }

    /// The instants (seconds since 1970) at which the local wall-clock time `wall` (naive seconds) fires.
    func instants(ofWallTime wall: Int) -> [Int] {
        var offsets = Set<Int>()
        for probe in [wall - 86_400, wall - 43_200, wall, wall + 43_200, wall + 86_400] { offsets.insert(offset(at: probe)) }
        let valid = offsets.map { wall - $0 }.filter { offset(at: $0) == wall - $0 }.sorted()
        if valid.isEmpty {   // in a skipped hour
            guard !followsWallClock else { return [] }
            // The first instant whose wall time is past `wall`: the end of the gap.
            var lo = wall - 86_400, hi = wall + 86_400
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if mid + offset(at: mid) > wall { hi = mid } else { lo = mid }
            }
            return [hi]
        }
        return followsWallClock ? valid : [valid[0]]
    }

    /// The first fire time strictly after `date`, or nil if none falls in the next 30 years.
    public func next(after date: Date) -> Date? {
        let after = Int(date.timeIntervalSince1970.rounded(.down))
        let startWall = (after + offset(at: after) - 3 * 3600) / 60 * 60
        var best: Int?
        let firstDay = Int((Double(startWall) / 86_400).rounded(.down))
        for day in firstDay..<(firstDay + 366 * 30) {
            let dayStart = day * 86_400
            if let b = best, dayStart > b + offset(at: b) + 3 * 3600 { break }
            guard dayMatches(day) else { continue }
            for h in hours {
                for m in minutes {
                    let wall = dayStart + h * 3600 + m * 60
                    if wall < startWall { continue }
                    if let b = best, wall > b + offset(at: b) + 3 * 3600 { break }
                    for t in instants(ofWallTime: wall) where t > after && t < (best ?? .max) { best = t }
                }
            }
        }
        return best.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// The fire times in (start, end], in order.
    public func fireTimes(after start: Date, through end: Date, limit: Int = 10_000) -> [Date] {
        var out: [Date] = []
        var t = start
        while out.count < limit, let n = next(after: t), n <= end { out.append(n); t = n }
        return out
    }

    /// The fire times in (start, end]: how many (counted up to `limit`, then `more` is set) and the latest. After a
    /// long downtime of a frequent schedule the latest is found from `end` backwards, not by walking every fire time.
    public func missed(after start: Date, through end: Date, limit: Int = 1000) -> (count: Int, more: Bool, latest: Date?) {
        let first = fireTimes(after: start, through: end, limit: limit)
        guard first.count == limit else { return (first.count, false, first.last) }
        var window: TimeInterval = 3600
        while true {
            let from = max(start, end.addingTimeInterval(-window))
            if let latest = fireTimes(after: from, through: end).last { return (limit, true, latest) }
            if from == start { return (limit, true, first.last) }
            window *= 4
        }
    }

    /// `date` in ISO 8601 with this schedule's UTC offset, e.g. 2026-12-03T03:00:00-03:00.
    public func localISO(_ date: Date) -> String { Self.iso(date, in: timeZone) }

    public static func iso(_ date: Date, in tz: TimeZone) -> String {
        let t = Int(date.timeIntervalSince1970.rounded(.down))
        let off = tz.secondsFromGMT(for: date)
        let local = t + off
        let day = Int((Double(local) / 86_400).rounded(.down))
        let (y, mo, d) = civilFromDays(day)
        let s = local - day * 86_400
        let sign = off < 0 ? "-" : "+"
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d%@%02d:%02d", y, mo, d, s / 3600, s % 3600 / 60, s % 60, sign, abs(off) / 3600, abs(off) % 3600 / 60)
    }
}
