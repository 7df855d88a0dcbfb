import Foundation
import XCTest
@testable import Winnow

/// Next fire times against fixtures (croniter away from DST changes; cronie's rules, written out, across them),
/// and errors that name the field and the column.
final class CronScheduleTests: XCTestCase {
    private func fixtures() throws -> [JSONValue] {
        let text = try readText("\(repoRoot)/Tests/WinnowTests/Fixtures/cron/next_fire.jsonl")
        return try text.split(separator: "\n").map { try JSONParser.parse(Array($0.utf8)) }
    }

    private func date(_ iso: String) throws -> Date {
        let f = ISO8601DateFormatter()
        return try XCTUnwrap(f.date(from: iso), iso)
    }

    func testNextFireTimesMatchTheFixtures() throws {
        var checked = 0, zones = Set<String>(), dstCases = 0
        for f in try fixtures() where f["next"] != nil {
            let expr = f["cron"]!.stringValue!, zone = f["timezone"]!.stringValue!
            let s = try CronSchedule(expr, timeZone: try XCTUnwrap(TimeZone(identifier: zone)))
            var t = try date(f["from"]!.stringValue!)
            for expected in f["next"]!.arrayValue!.compactMap(\.stringValue) {
                let n = try XCTUnwrap(s.next(after: t), "\(expr) in \(zone) after \(s.localISO(t))")
                XCTAssertEqual(s.localISO(n), expected, "\(expr) in \(zone) after \(s.localISO(t)) (\(f["by"]!.stringValue!))")
                t = n
            }
            checked += 1
            zones.insert(zone)
            if f["by"]?.stringValue == "cronie rules" { dstCases += 1 }
        }
        XCTAssertGreaterThanOrEqual(checked, 40)
        XCTAssertGreaterThanOrEqual(dstCases, 20)
        XCTAssertTrue(zones.isSuperset(of: ["America/New_York", "Europe/Berlin", "America/Sao_Paulo"]))
    }

    /// A year of a minutely schedule missed: counted up to the limit, the latest found from the end.
    func testLongDowntimeFindsTheLatestWithoutWalkingEveryFire() throws {
        let s = try CronSchedule("* * * * *", timeZone: TimeZone(identifier: "Europe/Berlin")!)
        let m = s.missed(after: try date("2025-12-02T10:00:30+01:00"), through: try date("2026-12-02T10:00:30+01:00"))
        XCTAssertEqual(m.count, 1000)
        XCTAssertTrue(m.more)
        XCTAssertEqual(m.latest.map(s.localISO), "2026-12-02T10:00:00+01:00")
        let few = s.missed(after: try date("2026-12-02T10:00:30+01:00"), through: try date("2026-12-02T10:03:00+01:00"))
        XCTAssertEqual(few.count, 3)
        XCTAssertFalse(few.more)
    }

    func testInvalidExpressionsNameTheProblemAndColumn() throws {
        var checked = 0
        for f in try fixtures() where f["error"] != nil {
            let expr = f["cron"]!.stringValue!
            XCTAssertThrowsError(try CronSchedule(expr, timeZone: TimeZone(identifier: "UTC")!), expr) { e in
                guard let p = e as? CronSchedule.ParseError else { return XCTFail("\(expr): \(e)") }
                XCTAssertTrue(p.message.contains(f["error"]!.stringValue!), "\(expr): \(p.message)")
                XCTAssertEqual(p.column, f["column"]!.intValue!, "\(expr): \(p)")
            }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 10)
    }

    /// `winnow validate` reports a bad expression or zone with its JSON pointer and column.
    func testValidateReportsScheduleProblems() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/a.jsonl", jsonl("a", "some words here"))
        try writeFile("\(dir)/spec.json", """
        {"name": "s", "sources": [{"name": "a", "paths": ["a.jsonl"]}], "output": {"dir": "out"},
         "schedule": {"cron": "0 3 * * mnday", "timezone": "America/Sao_Paolo"}}
        """)
        XCTAssertThrowsError(try PipelineLoader.load("\(dir)/spec.json")) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains(#"/schedule/cron: "0 3 * * mnday": "mnday" in the day of week field is not a number 0–7 or a name"#), text)
            XCTAssertTrue(text.contains("(column 9)"), text)
            XCTAssertTrue(text.contains(#"/schedule/timezone: "America/Sao_Paolo" is not an IANA time zone"#), text)
        }
    }
}
