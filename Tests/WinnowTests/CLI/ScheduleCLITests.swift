import Foundation
import XCTest
@testable import Winnow

/// `winnow schedule` as a user runs it: real processes, the `--now` clock instead of waiting for 3 a.m.
final class ScheduleCLITests: XCTestCase {
    /// A pipeline of `files` inputs whose runs take a while under WINNOW_TEST_TASK_DELAY_MS.
    private func spec(in dir: String, cron: String = "*/5 * * * *", files: Int = 6) throws -> String {
        try FileManager.default.createDirectory(atPath: "\(dir)/data", withIntermediateDirectories: true)
        for f in 0..<files {
            try writeFile("\(dir)/data/part-\(f).jsonl", (0..<10).map { jsonl("p\(f)-\($0)", IncrementalTests.text(f * 100 + $0)) }.joined())
        }
        try writeFile("\(dir)/spec.json", """
        {"name": "nightly", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "steps": [{"type": "exact_dedup"}],
         "output": {"dir": "out"}, "schedule": {"cron": "\(cron)", "timezone": "UTC"}}
        """)
        return "\(dir)/spec.json"
    }

    func testDryRunPrintsNextFireTimesAcrossDST() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/a.jsonl", jsonl("a", "some words"))
        try writeFile("\(dir)/spec.json", """
        {"name": "ny", "sources": [{"name": "a", "paths": ["a.jsonl"]}], "output": {"dir": "out"},
         "schedule": {"cron": "30 2 * * *", "timezone": "America/New_York"}}
        """)
        let r = try CLI.run(["schedule", "--dry-run", "--from", "2026-03-07T12:00:00-05:00", "--count", "3", dir])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "ny 2026-03-08T03:00:00-04:00\nny 2026-03-09T02:30:00-04:00\nny 2026-03-10T02:30:00-04:00\n")
        let units = try CLI.run(["schedule", "--print-systemd", dir])
        XCTAssertTrue(units.stdout.contains("ExecStart=") && units.stdout.contains("schedule --once \(dir)"), units.stdout)
        XCTAssertTrue(units.stdout.contains("[Timer]\nOnCalendar=*-*-* *:*:00"), units.stdout)
    }

    /// Two scheduler processes: while the first runs the pipeline, the second, due for the next fire time, does not
    /// start it again — it records who holds it.
    func testTwoSchedulersNeverRunAPipelineTwiceAtOnce() throws {
        let dir = try makeTempDir(self)
        let s = try spec(in: dir)
        // Its first look (it has never seen the pipeline) finds no fire time within its grace of 60 s, says so, and
        // records the time; a look three minutes later runs the 03:05 fire.
        let first = try CLI.run(["schedule", "--once", "--now", "2026-12-02T03:02:00Z", "--grace", "60", s])
        XCTAssertTrue(first.stderr.contains("nightly: nothing due (first look: no fire time within the last 60 s); next at 2026-12-02T03:05:00+00:00"), first.stderr)
        let runner = try CLI.start(["schedule", "--once", "--now", "2026-12-02T03:05:00Z", "--workers", "1", s], env: ["WINNOW_TEST_TASK_DELAY_MS": "300"])
        let seen = runner.read(until: { $0.contains("task finished") })
        let second = try CLI.run(["schedule", "--once", "--now", "2026-12-02T03:10:00Z", s])
        _ = runner.stderr.fileHandleForReading.readDataToEndOfFile()
        runner.process.waitUntilExit()
        XCTAssertEqual(runner.process.terminationStatus, 0, seen)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stderr.contains("it is running elsewhere (pid \(runner.process.processIdentifier) on "), second.stderr)
        let db = "\(dir)/out/lineage.db"
        XCTAssertEqual(try lineageRows(db, "select trigger, scheduled_for, status, docs_in from runs"), [["schedule", "2026-12-02T03:05:00+00:00", "finished", "60"]])
        XCTAssertEqual(try lineageRows(db, "select event, scheduled_for from schedule_events where event in ('fired', 'skipped_running', 'finished') order by rowid"),
                       [["fired", "2026-12-02T03:05:00+00:00"], ["fired", "2026-12-02T03:10:00+00:00"], ["skipped_running", "2026-12-02T03:10:00+00:00"],
                        ["finished", "2026-12-02T03:05:00+00:00"]])
    }

    /// A scheduler killed with SIGKILL mid-run leaves its line in the lock file; the next one detects the dead holder,
    /// takes the lock over (saying so), resumes the run and finishes it with every document once.
    func testStaleLockAfterSIGKILLIsTakenOverAndTheRunResumed() throws {
        let dir = try makeTempDir(self)
        let s = try spec(in: dir)
        XCTAssertEqual(try CLI.run(["schedule", "--once", "--now", "2026-12-02T02:59:00Z", "--grace", "30", s]).status, 0)   // first look: nothing within 30 s
        let doomed = try CLI.start(["schedule", "--once", "--now", "2026-12-02T03:00:10Z", "--workers", "1", s], env: ["WINNOW_TEST_TASK_DELAY_MS": "400"])
        let pid = doomed.process.processIdentifier
        _ = doomed.read(until: { $0.components(separatedBy: "task finished").count - 1 >= 2 }, thenSend: SIGKILL)
        XCTAssertEqual(doomed.process.terminationReason, .uncaughtSignal)
        XCTAssertTrue(try readText("\(dir)/out/.winnow.lock").hasPrefix("pid \(pid) on "))
        let db = "\(dir)/out/lineage.db"
        XCTAssertEqual(try lineageRows(db, "select status from runs"), [["running"]])

        let next = try CLI.run(["schedule", "--once", "--now", "2026-12-02T03:01:00Z", s])
        XCTAssertEqual(next.status, 0, next.stderr)
        XCTAssertTrue(next.stderr.contains("is running; resuming it"), next.stderr)
        XCTAssertTrue(next.stderr.contains("stale lock of pid \(pid) on "), next.stderr)
        XCTAssertTrue(next.stderr.contains("finished tasks kept"), next.stderr)
        XCTAssertEqual(try lineageRows(db, "select status, scheduled_for, docs_in from runs"), [["finished", "2026-12-02T03:00:00+00:00", "60"]])
        XCTAssertEqual(try lineageRows(db, "select count(*), count(distinct doc_id) from documents"), [["60", "60"]])
        XCTAssertEqual(try lineageRows(db, "select event from schedule_events where event in ('resumed', 'lock_taken_over', 'finished') order by rowid"),
                       [["resumed"], ["lock_taken_over"], ["finished"]])
    }

    /// SIGTERM: the running pipeline stops at a document boundary (interrupted), the process exits cleanly, and the
    /// next start resumes the run.
    func testSIGTERMStopsCleanlyAndTheNextStartResumes() throws {
        let dir = try makeTempDir(self)
        let s = try spec(in: dir)
        XCTAssertEqual(try CLI.run(["schedule", "--once", "--now", "2026-12-02T02:59:00Z", "--grace", "30", s]).status, 0)   // first look: nothing within 30 s
        let p = try CLI.start(["schedule", "--once", "--now", "2026-12-02T03:00:10Z", "--workers", "1", s], env: ["WINNOW_TEST_TASK_DELAY_MS": "400"])
        let seen = p.read(until: { $0.contains("task finished") }, thenSend: SIGTERM)
        XCTAssertEqual(p.process.terminationStatus, 0, seen)
        let db = "\(dir)/out/lineage.db"
        XCTAssertEqual(try lineageRows(db, "select status from runs"), [["interrupted"]])
        XCTAssertEqual(try lineageRows(db, "select count(*) from schedule_events where event = 'interrupted'"), [["1"]])
        let next = try CLI.run(["schedule", "--once", "--now", "2026-12-02T03:01:00Z", s])
        XCTAssertEqual(next.status, 0, next.stderr)
        XCTAssertEqual(try lineageRows(db, "select status, docs_in from runs"), [["finished", "60"]])
        XCTAssertEqual(try lineageRows(db, "select count(*), count(distinct doc_id) from documents"), [["60", "60"]])
        let runs = try CLI.run(["runs", "--db", db])
        XCTAssertTrue(runs.stdout.contains("schedule") && runs.stdout.contains("2026-12-02T03:00:00+00:00"), runs.stdout)
    }
}
