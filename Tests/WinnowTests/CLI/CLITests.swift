import Foundation
import XCTest
@testable import Winnow

/// Runs the built `winnow` executable, as a user would.
struct CLI {
    static var binary: String {
        let candidates = [ProcessInfo.processInfo.environment["WINNOW_BIN"], "\(repoRoot)/.build/debug/winnow"].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }

    struct Result { let status: Int32; let stdout: String; let stderr: String }

    @discardableResult
    static func run(_ args: [String], env: [String: String] = [:], cwd: String? = nil) throws -> Result {
        let p = try start(args, env: env, cwd: cwd)
        let out = p.stdout.fileHandleForReading.readDataToEndOfFile()
        let err = p.stderr.fileHandleForReading.readDataToEndOfFile()
        p.process.waitUntilExit()
        return Result(status: p.process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    struct Running {
        let process: Process; let stdout: Pipe; let stderr: Pipe

        /// Reads standard error until `enough` says so (or it ends, or a minute passes), then kills the
        /// process with `signal` and waits for it; returns what was read.
        func read(until enough: (String) -> Bool, thenSend signal: Int32) -> String {
            let seen = read(until: enough)
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            return seen
        }

        /// Reads standard error until `enough` says so (or it ends, or a minute passes); the process runs on.
        func read(until enough: (String) -> Bool) -> String {
            var seen = ""
            let deadline = Date().addingTimeInterval(60)
            while !enough(seen) && Date() < deadline {
                let chunk = stderr.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen += String(decoding: chunk, as: UTF8.self)
            }
            return seen
        }
    }

    /// Runs another program (not winnow) to its end.
    static func runTool(_ path: String, _ args: [String]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func start(_ args: [String], env: [String: String] = [:], cwd: String? = nil) throws -> Running {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw XCTSkip("winnow is not built at \(binary): run `swift build` first (make test does)")
        }
        return try startTool(binary, args, env: env, cwd: cwd)
    }

    /// Starts a program (winnow or another) and returns while it runs.
    static func startTool(_ path: String, _ args: [String], env: [String: String] = [:], cwd: String? = nil) throws -> Running {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        var e = ProcessInfo.processInfo.environment
        for (k, v) in env { e[k] = v }
        p.environment = e
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return Running(process: p, stdout: out, stderr: err)
    }
}

final class CLITests: XCTestCase {
    private func corpus(in dir: String, files: Int = 12) throws -> String {
        for f in 0..<files {
            var text = ""
            for i in 0..<40 {
                let n = f * 40 + i
                // Every 9th document repeats an earlier one (across files), so dedup has work.
                let body = n % 9 == 8 ? "repeated text number \(n % 5) with enough words to pass" : "document \(n) says something different with several words"
                text += jsonl("f\(f)-d\(i)", body)
            }
            if f == 3 { text += "not json at all\n" }
            try writeFile("\(dir)/data/part-\(String(format: "%02d", f)).jsonl.gz", text)
        }
        try writeFile("\(dir)/spec.json", """
        {"name": "resume", "sources": [{"name": "web", "paths": ["data/*.jsonl.gz"]}],
         "steps": [{"type": "length", "min_words": 6}, {"type": "exact_dedup"}],
         "output": {"dir": "out", "shard_docs": 50}}
        """)
        return "\(dir)/spec.json"
    }

    func testValidateExitCodes() throws {
        let dir = try makeTempDir(self)
        let spec = try corpus(in: dir, files: 1)
        let ok = try CLI.run(["validate", spec])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("ok — pipeline resume"))
        try writeFile("\(dir)/bad.json", #"{"name": "x", "sources": [{"name": "a", "paths": ["data/*.gz"], "wieght": 2}], "output": {}}"#)
        let bad = try CLI.run(["validate", "\(dir)/bad.json"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("\(dir)/bad.json: /sources/0/wieght: unknown key; did you mean \"weight\"?"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("\(dir)/bad.json: /output: missing required key \"dir\""), bad.stderr)
    }

    func testLineageIsReadOnlyAndPrintsTablesCSVAndJSON() throws {
        let dir = try makeTempDir(self)
        let spec = try corpus(in: dir, files: 2)
        let run = try CLI.run(["run", spec, "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("documents in: 80   bad lines: 0"), run.stdout)
        let db = "\(dir)/out/lineage.db"
        let before = SHA256.hash(try readFileBytes(db)).hex

        let write = try CLI.run(["lineage", "--db", db, "delete from documents"])
        XCTAssertEqual(write.status, 1)
        XCTAssertTrue(write.stderr.contains("read-only"), write.stderr)
        let drop = try CLI.run(["lineage", "--db", db, "drop table runs"])
        XCTAssertEqual(drop.status, 1)
        XCTAssertEqual(SHA256.hash(try readFileBytes(db)).hex, before, "a refused write must leave the file untouched")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out").filter { $0.hasPrefix("lineage.db-") }, [])

        let csv = try CLI.run(["lineage", "--spec", spec, "--csv", "select status, count(*) as n from documents group by 1 order by 1"])
        XCTAssertEqual(csv.stdout, "status,n\ndropped,3\nkept,77\n", csv.stderr)
        let json = try CLI.run(["lineage", "--db", db, "--json", "select doc_id, dup_of from documents where dup_of is not null order by doc_id limit 1"])
        let parsed = try JSONParser.parse(json.stdout)
        XCTAssertEqual(parsed.arrayValue?.first?["doc_id"]?.stringValue, "f1-d13")
        XCTAssertEqual(parsed.arrayValue?.first?["dup_of"]?.stringValue, "f0-d8")
        let table = try CLI.run(["lineage", "--db", db, "select count(*) as n from runs"])
        XCTAssertEqual(table.stdout, "n\n-\n1\n(1 row)\n")

        let explain = try CLI.run(["explain", "--db", db, "f1-d13"])
        XCTAssertEqual(explain.status, 0, explain.stderr)
        XCTAssertTrue(explain.stdout.contains("dropped     by step exact_dedup, reason duplicate"), explain.stdout)
        XCTAssertTrue(explain.stdout.contains("duplicate of f0-d8 (data/part-00.jsonl.gz:9, kept in shard 0 at position 8)"), explain.stdout)
        let runs = try CLI.run(["runs", "--db", db])
        XCTAssertTrue(runs.stdout.contains("finished  manual"), runs.stdout)
        let missing = try CLI.run(["explain", "--db", db, "nope"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("nope: no such document"))
    }

    /// A run killed with SIGKILL and started again skips finished partitions and ends with the same
    /// shards and the same lineage rows as an uninterrupted run.
    func testKilledRunResumesToTheSameResult() throws {
        let dir = try makeTempDir(self)
        let spec = try corpus(in: dir)
        let clean = try CLI.run(["run", spec, "--quiet", "--workers", "2"])
        XCTAssertEqual(clean.status, 0, clean.stderr)
        func shards() throws -> [String: [UInt8]] {
            var out: [String: [UInt8]] = [:]
            for f in try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out") where f.hasPrefix("shard-") || f == "manifest.json" {
                out[f] = try readFileBytes("\(dir)/out/\(f)")
            }
            return out
        }
        let expectedShards = try shards()
        let db = "\(dir)/out/lineage.db"
        let cleanRun = try lineageRows(db, "select run_id from runs")[0][0]
        for f in expectedShards.keys { try FileManager.default.removeItem(atPath: "\(dir)/out/\(f)") }

        // Second run, slowed down between tasks, killed after a few partitions finished.
        let p = try CLI.start(["run", spec, "--workers", "1"], env: ["WINNOW_TEST_TASK_DELAY_MS": "400"])
        _ = p.read(until: { $0.components(separatedBy: "task finished").count - 1 >= 4 }, thenSend: SIGKILL)
        XCTAssertEqual(p.process.terminationReason, .uncaughtSignal)
        let killedRun = try lineageRows(db, "select run_id, status from runs where run_id != '\(cleanRun)'")
        XCTAssertEqual(killedRun.count, 1)
        XCTAssertEqual(killedRun[0][1], "running")
        let doneBefore = Int(try lineageRows(db, "select count(*) from run_tasks where run_id = '\(killedRun[0][0])'")[0][0])!
        XCTAssertGreaterThanOrEqual(doneBefore, 3)
        XCTAssertLessThan(doneBefore, 12)

        let resumed = try CLI.run(["run", spec, "--workers", "2"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming run \(killedRun[0][0]): \(doneBefore) finished tasks kept"), resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("— resumed"))
        XCTAssertEqual(try shards(), expectedShards)

        let cols = "source, doc_id, input, line, status, step, reason, annotations, shard, position, dup_of"
        let a = try lineageRows(db, "select \(cols) from documents where run_id = '\(cleanRun)' order by input, line")
        let b = try lineageRows(db, "select \(cols) from documents where run_id = '\(killedRun[0][0])' order by input, line")
        XCTAssertEqual(a.count, 481)
        XCTAssertEqual(a, b)
        let statsA = try lineageRows(db, "select step, docs_in, docs_out, dropped from step_stats where run_id = '\(cleanRun)' order by step_index")
        let statsB = try lineageRows(db, "select step, docs_in, docs_out, dropped from step_stats where run_id = '\(killedRun[0][0])' order by step_index")
        XCTAssertEqual(statsA, statsB)
        XCTAssertEqual(try lineageRows(db, "select status from runs where run_id = '\(killedRun[0][0])'"), [["finished"]])
    }

    /// Ctrl-C (SIGINT) stops at a document boundary, marks the run interrupted, and the next start resumes it.
    func testInterruptedRunIsMarkedAndResumes() throws {
        let dir = try makeTempDir(self)
        let spec = try corpus(in: dir, files: 6)
        let p = try CLI.start(["run", spec, "--workers", "1"], env: ["WINNOW_TEST_TASK_DELAY_MS": "500"])
        _ = p.read(until: { $0.contains("task finished") }, thenSend: SIGINT)
        XCTAssertEqual(p.process.terminationStatus, 130)
        let db = "\(dir)/out/lineage.db"
        XCTAssertEqual(try lineageRows(db, "select status, error from runs"), [["interrupted", "run interrupted; start it again to resume"]])
        let again = try CLI.run(["run", spec, "--quiet"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("resuming run"), again.stderr)
        XCTAssertEqual(try lineageRows(db, "select status, docs_in from runs"), [["finished", "240"]])
        XCTAssertEqual(try lineageRows(db, "select count(*), count(distinct input || ':' || line) from documents"), [["241", "241"]])
    }
}
