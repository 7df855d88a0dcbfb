import Foundation
import XCTest
@testable import Winnow

/// Several processes on one output folder at once, as they meet on a shared machine: a user querying lineage while a
/// run writes it, and two schedulers and a manual run that all want to run the same pipeline.
final class ConcurrencyTests: XCTestCase {
    /// `files` JSONL files of `docs` documents each (one partition per file), no steps: every document is kept.
    private func corpus(in dir: String, files: Int, docs: Int, schedule: String = "") throws -> String {
        for f in 0..<files {
            try writeFile("\(dir)/data/part-\(String(format: "%02d", f)).jsonl",
                          (0..<docs).map { jsonl("f\(f)-\($0)", "document \($0) of file \(f), with a few words in it") }.joined())
        }
        try writeFile("\(dir)/spec.json", """
        {"name": "busy", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "output": {"dir": "out", "shard_docs": 500}\(schedule)}
        """)
        return "\(dir)/spec.json"
    }

    /// Waits (up to 20 s) until some process holds `dir`'s output lock.
    private func waitUntilHeld(_ dir: String) {
        let deadline = Date().addingTimeInterval(20)
        var held = OutputLock.isHeld(dir)
        while !held && Date() < deadline { usleep(10_000); held = OutputLock.isHeld(dir) }
        XCTAssertTrue(held, "nobody took \(dir)'s lock")
    }

    /// `winnow lineage` in a loop while a run writes: every query answers (no "database is locked"), and each answer is
    /// one snapshot: a partition marked done has all of its rows, never some.
    func testLineageQueriesDuringARunSeeConsistentSnapshots() throws {
        let dir = try makeTempDir(self)
        let files = 12, docs = 300
        let spec = try corpus(in: dir, files: files, docs: docs)
        let run = try CLI.start(["run", spec, "--workers", "1", "--quiet"], env: ["WINNOW_TEST_TASK_DELAY_MS": "250"])
        let db = "\(dir)/out/lineage.db"
        // Per partition marked done (its kept rows inserted), how many document rows it has; the mark and its last rows
        // commit together, so in any snapshot a marked partition has all `docs` rows.
        let sql = """
            select t.task, (select count(*) from documents d where d.run_id = t.run_id and d.part = cast(substr(t.task, 7) as integer))
            from run_tasks t where t.task like 'kept/p%' order by t.task
            """
        var queries = 0, sawPartial = 0, seenDone = Set<String>()
        while run.process.isRunning || queries == 0 {
            guard FileManager.default.fileExists(atPath: db) else { usleep(20_000); continue }
            let r = try CLI.run(["lineage", "--db", db, "--csv", sql])
            XCTAssertEqual(r.status, 0, "query \(queries) while the run wrote: \(r.stderr)")
            queries += 1
            let rows = r.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
            for row in rows where row.count == 2 {
                seenDone.insert(row[0])
                if row[1] != String(docs) { sawPartial += 1; XCTFail("\(row[0]) is marked done with \(row[1]) of \(docs) rows") }
            }
            if seenDone.count > 0 && seenDone.count < files { usleep(50_000) }
        }
        run.process.waitUntilExit()
        XCTAssertEqual(run.process.terminationStatus, 0)
        XCTAssertEqual(sawPartial, 0)
        XCTAssertGreaterThanOrEqual(queries, 10, "the loop should have queried many times during the run")
        XCTAssertEqual(seenDone.count, files)
        XCTAssertEqual(try lineageRows(db, "select count(*) from documents where status = 'kept'"), [["\(files * docs)"]])
    }

    /// Two `winnow schedule --once` at the same fire time and a manual `winnow run`, started together, on three days
    /// (a new input file each day, so every run reads and cleans): never two runs of the folder at once (the runs'
    /// times do not overlap), a fire time run at most once and otherwise recorded as skipped because the folder was
    /// busy, every run finished with each of its documents once, and a manual run that found the folder busy says
    /// who holds it.
    func testTwoSchedulersAndAManualRunNeverRunAtOnce() throws {
        let dir = try makeTempDir(self)
        let spec = try corpus(in: dir, files: 4, docs: 50,
                              schedule: #", "schedule": {"cron": "0 3 * * *", "timezone": "UTC", "catch_up": "none"}"#)
        let env = ["WINNOW_TEST_TASK_DELAY_MS": "400"]   // each run takes seconds, so the three really meet
        var manualRefused = 0
        for day in 1...3 {
            try writeFile("\(dir)/data/day-\(day).jsonl", (0..<50).map { jsonl("day\(day)-\($0)", "news of day \(day), item \($0)") }.joined())
            let now = "2026-12-0\(day)T03:00:02Z"
            func scheduler() throws -> CLI.Running { try CLI.start(["schedule", "--once", "--now", now, "--workers", "1", spec], env: env) }
            func manual() throws -> CLI.Running { try CLI.start(["run", spec, "--workers", "1", "--quiet"], env: env) }
            // Day 1 a scheduler is already running when the others start; day 2 the manual run is; day 3 all start at once.
            var procs: [CLI.Running] = []
            switch day {
            case 1:
                let first = try scheduler()
                waitUntilHeld("\(dir)/out")
                procs = [first, try manual(), try scheduler()]
            case 2:
                let first = try manual()
                waitUntilHeld("\(dir)/out")
                procs = [try scheduler(), first, try scheduler()]
            default:
                procs = [try scheduler(), try manual(), try scheduler()]
            }
            for (k, p) in procs.enumerated() {
                let err = String(decoding: p.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                _ = p.stdout.fileHandleForReading.readDataToEndOfFile()
                p.process.waitUntilExit()
                if k == 1 && p.process.terminationStatus != 0 {
                    // The manual run lost the race: it names the holder and leaves the folder alone.
                    manualRefused += 1
                    XCTAssertEqual(p.process.terminationStatus, 1, err)
                    XCTAssertTrue(err.contains("pid "), "day \(day): \(err)")
                } else {
                    XCTAssertEqual(p.process.terminationStatus, 0, "day \(day), process \(k): \(err)")
                }
            }
        }
        let db = "\(dir)/out/lineage.db"
        let runs = try lineageRows(db, "select run_id, trigger, coalesce(scheduled_for, ''), status, started_at, finished_at from runs order by started_at, rowid")
        XCTAssertGreaterThanOrEqual(runs.count, 3, "\(runs)")
        XCTAssertEqual(runs.filter { $0[1] == "manual" }.count, 3 - manualRefused, "\(runs)")
        XCTAssertGreaterThanOrEqual(manualRefused, 1, "day 1's manual run started while a scheduled run held the folder")
        XCTAssertGreaterThanOrEqual(runs.filter { $0[1] == "manual" }.count, 1, "day 2's manual run started first")
        XCTAssertTrue(runs.allSatisfy { $0[3] == "finished" }, "\(runs)")
        for (a, b) in zip(runs, runs.dropFirst()) {
            XCTAssertLessThanOrEqual(a[5], b[4], "run \(a[0]) (until \(a[5])) overlaps run \(b[0]) (from \(b[4]))")
        }
        let scheduled = runs.filter { $0[1] == "schedule" }.map { $0[2] }
        XCTAssertEqual(scheduled.count, Set(scheduled).count, "a fire time ran twice: \(scheduled)")
        // A fire time that did not run was skipped because the folder was busy, and the scheduler recorded that.
        let skipped = Set(try lineageRows(db, "select scheduled_for from schedule_events where event = 'skipped_running'").map { $0[0] })
        for day in 1...3 {
            let fire = "2026-12-0\(day)T03:00:00+00:00"
            XCTAssertTrue(scheduled.contains(fire) || skipped.contains(fire), "\(fire): neither run nor recorded as skipped; runs \(runs), skipped \(skipped)")
        }
        // Every run read each of its documents once and recorded it once.
        XCTAssertEqual(try lineageRows(db, """
            select count(*) from runs r where (select count(*) from documents d where d.run_id = r.run_id)
              = (select count(distinct doc_id) from documents d where d.run_id = r.run_id)
              and (select count(*) from documents d where d.run_id = r.run_id) = (select sum(docs_in) from source_stats s where s.run_id = r.run_id)
              and (select count(*) from documents d where d.run_id = r.run_id) > 0
            """), [["\(runs.count)"]])
    }
}
