import Foundation
import XCTest
@testable import Winnow

/// The scheduler with an injected clock: fire times, catch-up after downtime, the long-running loop, spec reloads,
/// and the locks that keep a pipeline from running twice. Nothing here sleeps.
final class SchedulerTests: XCTestCase {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
        var all: String { lock.lock(); defer { lock.unlock() }; return lines.joined(separator: "\n") }
    }

    /// A clock whose sleep jumps to the wake-up time once the scheduler is idle, and stops the scheduler at `end`.
    final class JumpingClock: SchedulerClock, @unchecked Sendable {
        private let lock = NSLock()
        private var current: Date
        let end: Date
        weak var scheduler: Scheduler?
        init(_ start: Date, end: Date) { current = start; self.end = end }
        func now() -> Date { lock.lock(); defer { lock.unlock() }; return current }
        func sleep(until date: Date) {
            scheduler?.waitIdle()
            lock.lock(); current = max(current, date); let done = current >= end; lock.unlock()
            if done { scheduler?.stop() }
        }
        func wake() {}
    }

    static func date(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

    private func pipeline(in dir: String, name: String = "nightly", cron: String = "0 3 * * *", catchUp: String = "none", files: Int = 1) throws -> String {
        try FileManager.default.createDirectory(atPath: "\(dir)/data", withIntermediateDirectories: true)
        for f in 0..<files {
            try writeFile("\(dir)/data/\(name)-\(f).jsonl", (0..<5).map { jsonl("\(name)-\(f)-\($0)", IncrementalTests.text(f * 10 + $0)) }.joined())
        }
        let path = "\(dir)/\(name).json"
        try writeFile(path, """
        {"name": "\(name)", "sources": [{"name": "web", "paths": ["data/\(name)-*.jsonl"]}], "steps": [{"type": "exact_dedup"}],
         "output": {"dir": "out-\(name)"},
         "schedule": {"cron": "\(cron)", "timezone": "America/Sao_Paulo", "catch_up": "\(catchUp)"}}
        """)
        return path
    }

    private func options() -> SchedulerOptions { var o = SchedulerOptions(); o.workers = 1; return o }

    func testRunsAtTheFireTimeOnceAndRecordsWhy() throws {
        let dir = try makeTempDir(self)
        let spec = try pipeline(in: dir)
        let clock = ManualClock(Self.date("2026-12-02T02:00:00-03:00"))
        let lines = Lines()
        let s = Scheduler(paths: [dir], options: options(), clock: clock, log: { lines.add($0) })
        s.start()
        XCTAssertEqual(s.pipelines.map(\.name), ["nightly"])
        s.check()                                            // first look: fire times count from now
        clock.set(Self.date("2026-12-02T02:59:59-03:00")); s.check(); s.waitIdle()
        let db = "\(dir)/out-nightly/lineage.db"
        XCTAssertEqual(try lineageRows(db, "select count(*) from runs"), [["0"]])
        clock.set(Self.date("2026-12-02T03:00:04-03:00")); s.check(); s.waitIdle()
        clock.set(Self.date("2026-12-02T03:30:00-03:00")); s.check(); s.waitIdle()
        XCTAssertEqual(try lineageRows(db, "select trigger, scheduled_for, status, docs_in from runs"),
                       [["schedule", "2026-12-02T03:00:00-03:00", "finished", "5"]])
        XCTAssertEqual(try lineageRows(db, "select event, scheduled_for from schedule_events order by rowid"),
                       [["watching", ""], ["fired", "2026-12-02T03:00:00-03:00"], ["finished", "2026-12-02T03:00:00-03:00"]])
        XCTAssertEqual(try lineageRows(db, "select last_checked, last_fired_for from schedule_state"),
                       [["2026-12-02T06:30:00+00:00", "2026-12-02T03:00:00-03:00"]])
        XCTAssertTrue(lines.all.contains("nightly: due — run for 2026-12-02T03:00:00-03:00"), lines.all)
        _ = spec
    }

    /// Issue 17, item 9: the first look runs a fire time within the grace period before now (a spec saved just
    /// before its fire time and first seen just after still runs), and `--once` says something for every spec.
    func testFirstLookRunsAFireTimeWithinGrace() throws {
        let dir = try makeTempDir(self)
        _ = try pipeline(in: dir)
        let first = try CLI.run(["schedule", "--once", "--now", "2026-12-02T03:01:00-03:00", dir])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("nightly: due — run for 2026-12-02T03:00:00-03:00"), first.stderr)
        let db = "\(dir)/out-nightly/lineage.db"
        XCTAssertEqual(try lineageRows(db, "select scheduled_for, status from runs"), [["2026-12-02T03:00:00-03:00", "finished"]])
        let again = try CLI.run(["schedule", "--once", "--now", "2026-12-02T03:02:00-03:00", dir])
        XCTAssertTrue(again.stderr.contains("nightly: nothing due; next at 2026-12-03T03:00:00-03:00"), again.stderr)
        XCTAssertEqual(try lineageRows(db, "select count(*) from runs"), [["1"]])
    }

    /// Fire times that passed while no scheduler looked: `none` waits, `once` runs once for the latest.
    func testCatchUpAfterDowntime() throws {
        let dir = try makeTempDir(self)
        _ = try pipeline(in: dir, name: "waits", catchUp: "none")
        _ = try pipeline(in: dir, name: "catches", catchUp: "once")
        let clock = ManualClock(Self.date("2026-12-01T12:00:00-03:00"))
        let first = Scheduler(paths: [dir], options: options(), clock: clock, log: { _ in })
        first.start(); first.check()
        // Down for three nights; a new scheduler starts at noon.
        clock.set(Self.date("2026-12-04T12:00:00-03:00"))
        let lines = Lines()
        let second = Scheduler(paths: [dir], options: options(), clock: clock, log: { lines.add($0) })
        second.start(); second.check(); second.waitIdle()
        XCTAssertEqual(try lineageRows("\(dir)/out-waits/lineage.db", "select count(*) from runs"), [["0"]])
        XCTAssertEqual(try lineageRows("\(dir)/out-waits/lineage.db", "select event, scheduled_for, detail from schedule_events where event = 'missed'"),
                       [["missed", "2026-12-04T03:00:00-03:00", "3 missed; next at 2026-12-05T03:00:00-03:00"]])
        XCTAssertEqual(try lineageRows("\(dir)/out-catches/lineage.db", "select trigger, scheduled_for, status from runs"),
                       [["schedule", "2026-12-04T03:00:00-03:00", "finished"]])
        XCTAssertEqual(try lineageRows("\(dir)/out-catches/lineage.db", "select detail from schedule_events where event = 'caught_up'"),
                       [["3 missed, the latest 2026-12-04T03:00:00-03:00"]])
        XCTAssertTrue(lines.all.contains("catch_up none: next at 2026-12-05T03:00:00-03:00"), lines.all)
    }

    /// The long-running loop wakes at each fire time (here every 30 minutes over two hours, across no real time).
    func testLongRunningLoopFiresAtEachTime() throws {
        let dir = try makeTempDir(self)
        _ = try pipeline(in: dir, cron: "*/30 * * * *")
        let clock = JumpingClock(Self.date("2026-12-02T00:10:00-03:00"), end: Self.date("2026-12-02T02:10:00-03:00"))
        let s = Scheduler(paths: [dir], options: options(), clock: clock, log: { _ in })
        clock.scheduler = s
        s.runForever()
        let db = "\(dir)/out-nightly/lineage.db"
        let events = try lineageRows(db, "select at, event, scheduled_for, detail from schedule_events")
        XCTAssertEqual(try lineageRows(db, "select scheduled_for, status from runs order by started_at, rowid"),
                       ["00:30", "01:00", "01:30", "02:00"].map { ["2026-12-02T\($0):00-03:00", "finished"] }, "\(events)")
    }

    func testChangedSpecsAreReadAgain() throws {
        let dir = try makeTempDir(self)
        let spec = try pipeline(in: dir, cron: "0 3 * * *")
        let lines = Lines()
        let s = Scheduler(paths: [dir], options: options(), clock: ManualClock(Self.date("2026-12-02T00:00:00Z")), log: { lines.add($0) })
        s.reload()
        XCTAssertEqual(s.pipelines.first?.cron.expression, "0 3 * * *")
        try writeFile(spec, try readText(spec).replacingOccurrences(of: "0 3 * * *", with: "15 4 * * 1-5"))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: spec)
        s.reload()
        XCTAssertEqual(s.pipelines.first?.cron.expression, "15 4 * * 1-5")
        XCTAssertTrue(lines.all.contains("nightly: reloaded"), lines.all)
        try writeFile(spec, try readText(spec).replacingOccurrences(of: "15 4 * * 1-5", with: "15 25 * * *"))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(10)], ofItemAtPath: spec)
        s.reload()
        XCTAssertTrue(s.pipelines.isEmpty)
        // A spec that was scheduled and stops loading is an alarm, and a spec_invalid event in its lineage file.
        XCTAssertTrue(lines.all.contains("ALARM nightly: its spec no longer loads, so its schedule is suspended until the file is fixed"), lines.all)
        XCTAssertTrue(lines.all.contains("/schedule/cron: \"15 25 * * *\": hour 25 is out of range 0–23 (column 4)"), lines.all)
        XCTAssertEqual(s.invalidSpecs.map(\.file), [spec])
        XCTAssertEqual(try lineageRows("\(dir)/out-nightly/lineage.db", "select pipeline, event from schedule_events where event = 'spec_invalid'"),
                       [["nightly", "spec_invalid"]])
    }

    /// Another process holds the output folder: the fire is skipped, saying who holds it. A lock file whose holder
    /// died is taken over, and the takeover is recorded.
    func testLiveLockSkipsAndStaleLockIsTakenOver() throws {
        let dir = try makeTempDir(self)
        _ = try pipeline(in: dir)
        let out = "\(dir)/out-nightly"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let clock = ManualClock(Self.date("2026-12-02T02:00:00-03:00"))
        let s = Scheduler(paths: [dir], options: options(), clock: clock, log: { _ in })
        s.start(); s.check()
        let held = try OutputLock(dir: out)
        clock.set(Self.date("2026-12-02T03:00:01-03:00")); s.check(); s.waitIdle()
        held.release()
        let db = "\(out)/lineage.db"
        XCTAssertEqual(try lineageRows(db, "select count(*) from runs"), [["0"]])
        let skipped = try lineageRows(db, "select detail from schedule_events where event = 'skipped_running'")
        XCTAssertEqual(skipped.count, 1)
        XCTAssertTrue(skipped[0][0].hasPrefix("pid \(getpid()) on "), skipped[0][0])

        // A holder that died: its line is in the file, nobody holds the lock.
        try writeFile("\(out)/.winnow.lock", "pid 999999 on elsewhere since 2026-12-02T05:59:00Z\n")
        clock.set(Self.date("2026-12-03T03:00:01-03:00")); s.check(); s.waitIdle()
        XCTAssertEqual(try lineageRows(db, "select detail from schedule_events where event = 'lock_taken_over'"),
                       [["pid 999999 on elsewhere since 2026-12-02T05:59:00Z"]])
        XCTAssertEqual(try lineageRows(db, "select status from runs"), [["finished"]])
        XCTAssertEqual(try readText("\(out)/.winnow.lock"), "", "a finished run leaves no holder line")
    }
}
