import XCTest
@testable import Winnow

/// Issue 16, items 13–15: a run that missed input says so (status, count, exit code), too many bad lines stop it,
/// the scheduler raises broken specs, SIGHUP interrupts cleanly, and a run that can never resume is abandoned.
final class RunStatusTests: XCTestCase {
    /// A gzip (or zstd) file cut in the middle of its compressed stream.
    private func truncated(_ path: String, docs: Int) throws {
        let text = (0..<docs).map { jsonl("\($0)", "Document \($0): " + String(repeating: "some words that compress ", count: 40) + "\($0 * 7919)") }.joined()
        try writeFile(path, text)
        let bytes = try readFileBytes(path)
        try Data(bytes[0..<(bytes.count * 2 / 3)]).write(to: URL(fileURLWithPath: path))
    }

    private func spec(_ dir: String, _ extra: String = "") throws -> String {
        let p = "\(dir)/spec.json"
        try writeFile(p, #"{"name": "t", "sources": [{"name": "web", "paths": ["data/*"]}], "output": {"dir": "out"}\#(extra)}"#)
        return p
    }

    /// Item 13: a truncated .gz and .zst: status finished_with_errors, the count and the query printed, exit 3.
    func testUnreadablePartsFinishWithErrors() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/good.jsonl", (0..<50).map { jsonl("g\($0)", "good document \($0)") }.joined())
        try truncated("\(dir)/data/cut.jsonl.gz", docs: 400)
        try truncated("\(dir)/data/cut.jsonl.zst", docs: 400)
        let s = try spec(dir)
        let r = try CLI.run(["run", s])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stdout.contains("finished WITH ERRORS"), r.stdout)
        XCTAssertTrue(r.stdout.contains("2 part(s) of the inputs could not be read"), r.stdout)
        XCTAssertTrue(r.stdout.contains("reason = 'unreadable_input'"), r.stdout)
        let db = "\(dir)/out/lineage.db"
        XCTAssertEqual(try lineageRows(db, "select status from runs"), [["finished_with_errors"]])
        XCTAssertEqual(try lineageRows(db, "select sum(unreadable) from source_stats"), [["2"]])
        XCTAssertEqual(try lineageRows(db, "select input from errors where reason = 'unreadable_input' order by input"), [["data/cut.jsonl.gz"], ["data/cut.jsonl.zst"]])
        // The documents before the damage were kept.
        XCTAssertGreaterThan(Int(try lineageRows(db, "select count(*) from documents where status = 'kept' and input = 'data/cut.jsonl.gz'")[0][0])!, 0)
        XCTAssertEqual(try lineageRows(db, "select status from failed_runs"), [["finished_with_errors"]])

        // on_error "skip" given explicitly: exit 0, the status stays.
        let skip = try spec(dir, #", "on_error": "skip""#)
        let r2 = try CLI.run(["run", skip])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertTrue(r2.stdout.contains("on_error \"skip\" in the spec: exit code 0"), r2.stdout)
        XCTAssertEqual(try lineageRows(db, "select status from runs order by started_at desc, rowid desc limit 1"), [["finished_with_errors"]])

        // on_error "stop": the run stops at the damage.
        let stop = try spec(dir, #", "on_error": "stop""#)
        let r3 = try CLI.run(["run", stop])
        XCTAssertEqual(r3.status, 1, r3.stderr)
        XCTAssertTrue(r3.stderr.contains("unreadable input"), r3.stderr)
    }

    /// Item 13: more bad lines than max_error_fraction (default 0.1) stop the run after reading.
    func testTooManyBadLinesStopTheRun() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", (0..<8).map { jsonl("\($0)", "fine \($0)") }.joined() + "not json\n{\"no_text\": 1}\n")
        let r = try CLI.run(["run", try spec(dir)])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("2 of 10 input lines (20.0%) could not be read as documents, more than max_error_fraction 0.1 allows"), r.stderr)
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select status from runs"), [["failed"]])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/out/manifest.json"))
        let r2 = try CLI.run(["run", try spec(dir, #", "max_error_fraction": 0.25"#)])
        XCTAssertEqual(r2.status, 0, r2.stderr)
    }

    /// Item 14: a spec that is not JSON is logged at every look and counted by --dry-run; one that fails validation
    /// is also a spec_invalid event in the lineage file it names; --once exits non-zero.
    func testSchedulerRaisesInvalidSpecs() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "x"))
        try writeFile("\(dir)/specs/broken.json", #"{"name": "broken", "schedule": {"cron": "0 3 * * *"},"#)
        try writeFile("\(dir)/specs/invalid.json", #"{"name": "inv", "sources": [{"name": "w", "paths": ["../data/*.jsonl"]}], "output": {"dir": "../out-inv"}, "schedule": {"cron": "0 27 * * *"}}"#)
        try writeFile("\(dir)/specs/good.json", #"{"name": "good", "sources": [{"name": "w", "paths": ["../data/*.jsonl"]}], "output": {"dir": "../out-good"}, "schedule": {"cron": "0 3 * * *"}}"#)
        let dry = try CLI.run(["schedule", "\(dir)/specs", "--dry-run", "--count", "1"])
        XCTAssertEqual(dry.status, 1, dry.stderr)
        XCTAssertTrue(dry.stdout.contains("invalid \(dir)/specs/broken.json: \(dir)/specs/broken.json:1:"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("invalid \(dir)/specs/invalid.json:"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("good "), dry.stdout)
        XCTAssertTrue(dry.stderr.contains("2 spec file(s)"), dry.stderr)
        let once = try CLI.run(["schedule", "\(dir)/specs", "--once", "--now", "2026-12-03T12:00:00Z"])
        XCTAssertEqual(once.status, 1, once.stderr)
        XCTAssertTrue(once.stderr.contains("broken.json:1:") && once.stderr.contains("invalid JSON"), once.stderr)
        XCTAssertEqual(try lineageRows("\(dir)/out-inv/lineage.db", "select pipeline, event from schedule_events"), [["inv", "spec_invalid"]])
        // At every look: a second --once says it again (the event is recorded once per version of the file).
        let again = try CLI.run(["schedule", "\(dir)/specs", "--once", "--now", "2026-12-03T12:01:00Z"])
        XCTAssertTrue(again.stderr.contains("broken.json:1:"), again.stderr)
    }

    /// Item 15: SIGHUP stops a run like SIGTERM (interrupted, exit 130), and the next start resumes it.
    func testSIGHUPInterruptsAndResumes() throws {
        let dir = try makeTempDir(self)
        for f in 0..<4 { try writeFile("\(dir)/data/\(f).jsonl", (0..<20).map { jsonl("\(f)-\($0)", "text \(f) \($0)") }.joined()) }
        let s = try spec(dir)
        let p = try CLI.start(["run", s, "--workers", "1"], env: ["WINNOW_TEST_TASK_DELAY_MS": "300"])
        _ = p.read(until: { $0.contains("task finished") }, thenSend: SIGHUP)
        XCTAssertEqual(p.process.terminationStatus, 130)
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select status from runs"), [["interrupted"]])
        let r = try CLI.run(["run", s])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("resumed"), r.stdout)
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select status, docs_in from runs"), [["finished", "80"]])
    }

    /// Item 15: inputs changed before a resume: the old run is marked abandoned with the reason, not left running.
    func testChangedInputsAbandonTheUnfinishedRun() throws {
        let dir = try makeTempDir(self)
        for f in 0..<3 { try writeFile("\(dir)/data/\(f).jsonl", (0..<10).map { jsonl("\(f)-\($0)", "text \(f) \($0)") }.joined()) }
        let s = try spec(dir)
        let p = try CLI.start(["run", s, "--workers", "1"], env: ["WINNOW_TEST_TASK_DELAY_MS": "300"])
        _ = p.read(until: { $0.contains("task finished") }, thenSend: SIGKILL)
        try writeFile("\(dir)/data/3.jsonl", jsonl("new", "a new file"))
        let r = try CLI.run(["run", s])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("abandoned: its inputs changed before it could resume: 1 added"), r.stderr)
        let rows = try lineageRows("\(dir)/out/lineage.db", "select status, error from runs order by started_at, rowid")
        XCTAssertEqual(rows.map { $0[0] }, ["abandoned", "finished"])
        XCTAssertEqual(rows[0][1], "its inputs changed before it could resume: 1 added")
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select count(*) from runs where status = 'running'"), [["0"]])
        // --fresh abandons an unfinished run too, saying so (--reclean: the finished run's cleaning is not kept, so it has tasks to kill).
        let p2 = try CLI.start(["run", s, "--workers", "1", "--fresh", "--reclean"], env: ["WINNOW_TEST_TASK_DELAY_MS": "300"])
        _ = p2.read(until: { $0.contains("task finished") }, thenSend: SIGKILL)
        let r2 = try CLI.run(["run", s, "--fresh"])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select error from runs where status = 'abandoned' order by started_at desc, rowid desc limit 1"),
                       [["a new run was started with --fresh"]])
    }
}
