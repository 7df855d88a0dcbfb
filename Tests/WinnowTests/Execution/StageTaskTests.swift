import Foundation
import XCTest
@testable import Winnow

/// A pipeline run task by task — each task a separate `winnow` process — produces what one `winnow run` produces:
/// the same shard, token-shard and manifest bytes and the same lineage rows (run ids and times aside).
final class StageTaskTests: XCTestCase {
    @discardableResult
    private func winnow(_ args: [String], env extra: [String: String] = [:], expect status: Int32 = 0) throws -> CLI.Result {
        let r = try CLI.run(args, env: RunComparison.env.merging(extra) { $1 })
        XCTAssertEqual(r.status, status, "winnow \(args.joined(separator: " ")):\n\(r.stdout)\n\(r.stderr)")
        return r
    }

    private func stages(_ spec: String) throws -> [(index: Int, tasks: Int)] {
        let plan = try JSONParser.parse(Array(try winnow(["plan", spec, "--json"]).stdout.utf8))
        return plan["stages"]!.arrayValue!.map { ($0["index"]!.intValue!, $0["tasks"]!.intValue!) }
    }

    /// Runs every stage with `n` tasks, then --finish; task k of a stage gets its index from the flags, from
    /// SLURM_ARRAY_TASK_ID/COUNT or from JOB_COMPLETION_INDEX in turn.
    private func runByTasks(_ spec: String, workdir: String, tasks n: Int, finish: Bool = true) throws {
        for s in try stages(spec) {
            for i in 0..<n {
                let base = ["run", spec, "--workdir", workdir, "--stage", String(s.index), "--quiet"]
                switch (s.index + i) % 3 {
                case 0: try winnow(base + ["--task-index", String(i), "--task-count", String(n)])
                case 1: try winnow(base, env: ["SLURM_ARRAY_TASK_ID": String(i), "SLURM_ARRAY_TASK_COUNT": String(n)])
                default: try winnow(base + ["--task-count", String(n)], env: ["JOB_COMPLETION_INDEX": String(i)])
                }
            }
        }
        if finish { try winnow(["run", spec, "--workdir", workdir, "--finish", "--quiet"]) }
    }

    private func checkSameAsOneProcess(_ name: String, edit: (inout JSONObject) -> Void = { _ in }) throws {
        guard FileManager.default.fileExists(atPath: "\(repoRoot)/models/lid.176.ftz") else {
            return XCTFail("\(repoRoot)/models/lid.176.ftz is missing: run `make setup`")
        }
        let dir = try makeTempDir(self, "\(name)-\(#function)")
        let spec = try RunComparison.spec(name, in: dir, edit: edit)
        let out = "\(dir)/out"
        try winnow(["run", spec, "--quiet", "--workers", "2"])
        let files = try RunComparison.outputFiles(out), rows = try RunComparison.lineage("\(out)/lineage.db")
        XCTAssertTrue(files.keys.contains("manifest.json") && files.keys.contains("tokenizer.json"), "\(files.keys.sorted())")
        XCTAssertTrue(files.keys.contains { $0.hasPrefix("llmc/") } && files.keys.contains { $0.hasPrefix("shard-") }, "\(files.keys.sorted())")
        if try String(decoding: readFileBytes(spec), as: UTF8.self).contains("\"parquet\"") {
            XCTAssertEqual(files.keys.filter { $0.hasPrefix("parquet/shard-") }.count, files.keys.filter { $0.hasPrefix("shard-") }.count)
        }
        XCTAssertGreaterThan(rows["documents"]!.count, 100)
        for n in [1, 3, 4] {
            try RunComparison.clearOutput(out)
            let workdir = "\(dir)/work-\(n)"
            try runByTasks(spec, workdir: workdir, tasks: n)
            XCTAssertEqual(try RunComparison.outputFiles(out), files, "\(n) task(s) per stage: output files differ")
            let got = try RunComparison.lineage("\(out)/lineage.db")
            for (t, expected) in rows { XCTAssertEqual(got[t], expected, "\(n) task(s) per stage: table \(t) differs") }
            XCTAssertEqual(try lineageRows("\(out)/lineage.db", "SELECT status, trigger FROM runs").map { $0.joined(separator: " ") }, ["finished tasks"])
            // The work files and the tasks' lineage files are gone; the completion marks stay.
            XCTAssertFalse(FileManager.default.fileExists(atPath: "\(workdir)/work"))
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(workdir)/finished.json"))
            let again = try winnow(["run", spec, "--workdir", workdir, "--finish"])
            XCTAssertTrue(again.stdout.contains("already finished"), again.stdout)
        }
    }

    /// fineweb-like (language ID, Gopher, C4, FineWeb rules, exact and MinHash dedup, PII) with token shards.
    func testFinewebLikeByTasksMatchesOneProcess() throws {
        try checkSameAsOneProcess("fineweb-like.json")
    }

    /// Three sources with weights, a readability curriculum, and a staged MinHash reduce whose band ranges are
    /// tasks of their own.
    func testStagedMinHashAndCurriculumByTasksMatchOneProcess() throws {
        try checkSameAsOneProcess("mixture-curriculum.json") { json in
            var steps = json["steps"]!.arrayValue!
            steps.append(try! JSONParser.parse(Array(#"{"type": "minhash_dedup", "mode": "staged", "band_tasks": 4}"#.utf8)))
            steps.append(try! JSONParser.parse(Array(#"{"type": "pii", "kinds": ["email", "ip"]}"#.utf8)))
            json["steps"] = .array(steps)
            // Parquet shards too: three sources with different metadata, so shards are rewritten to the run's schema.
            var output = json["output"]!.objectValue!
            output["formats"] = try! JSONParser.parse(Array(#"["jsonl", "parquet", "llmc", "megatron"]"#.utf8))
            json["output"] = .object(output)
        }
    }

    /// A task killed while writing a shard leaves `NAME.tmp-PID` in the output folder; run again it writes NAME under
    /// its own pid, and --finish removes the leftover (found by bench/crash-loop.sh). A temporary file of a name
    /// Winnow never recorded stays.
    func testFinishRemovesWhatKilledTasksLeftBehind() throws {
        let dir = try makeTempDir(self)
        let spec = try RunComparison.spec("fineweb-like.json", in: dir)
        let out = "\(dir)/out"
        try runByTasks(spec, workdir: "\(dir)/work", tasks: 2, finish: false)
        let shard = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix("shard-") }.sorted().first)
        try Data("half a shard".utf8).write(to: URL(fileURLWithPath: "\(out)/\(shard).tmp-4242"))
        try Data("a user's file".utf8).write(to: URL(fileURLWithPath: "\(out)/notes.txt.tmp-4242"))
        let r = try winnow(["run", spec, "--workdir", "\(dir)/work", "--finish"])
        XCTAssertTrue(r.stderr.contains("removed 1 temporary file(s) killed tasks left behind: \(shard).tmp-4242") || r.stdout.contains("removed 1 temporary file(s)"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(out)/\(shard).tmp-4242"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/notes.txt.tmp-4242"))
    }

    /// A stage started before the stages it reads refuses, naming the missing stage; so does --finish.
    func testTaskBeforeItsInputsRefuses() throws {
        let dir = try makeTempDir(self)
        let spec = try RunComparison.spec("fineweb-like.json", in: dir)
        let w = "\(dir)/work"
        var r = try winnow(["run", spec, "--workdir", w, "--stage", "clean2", "--task-index", "0", "--task-count", "2"], expect: 1)
        XCTAssertTrue(r.stderr.contains("stage 3 (clean2) cannot start: stage 1 (clean1) is not complete"), r.stderr)
        try winnow(["run", spec, "--workdir", w, "--stage", "1", "--task-index", "0", "--task-count", "2", "--quiet"])
        r = try winnow(["run", spec, "--workdir", w, "--stage", "exact_dedup", "--task-index", "0", "--task-count", "1"], expect: 1)
        XCTAssertTrue(r.stderr.contains("stage 1 (clean1) is not complete — 2 of its 3 unit(s) of work done"), r.stderr)
        r = try winnow(["run", spec, "--workdir", w, "--finish"], expect: 1)
        XCTAssertTrue(r.stderr.contains("the run cannot finish: stage 1 (clean1) is not complete"), r.stderr)
        r = try winnow(["run", spec, "--workdir", w, "--stage", "nine", "--task-index", "0", "--task-count", "1"], expect: 1)
        XCTAssertTrue(r.stderr.contains("no stage \"nine\"; the stages are 1 clean1, 2 exact_dedup"), r.stderr)
    }

    /// A task killed with SIGKILL part-way and started again completes with the result an unkilled one gives; a
    /// task run a second time changes nothing.
    func testKilledTaskResumesAndRepeatedTaskChangesNothing() throws {
        let dir = try makeTempDir(self)
        let spec = try RunComparison.spec("fineweb-like.json", in: dir)
        let out = "\(dir)/out"
        let (files, rows) = try RunComparison.oneProcessResult(spec, out: out)

        let w = "\(dir)/work"
        // Stage 1 as one task over three partitions, killed once the first partition is done.
        let p = try CLI.start(["run", spec, "--workdir", w, "--stage", "1", "--task-index", "0", "--task-count", "1", "--workers", "1"],
                              env: RunComparison.env.merging(["WINNOW_TEST_TASK_DELAY_MS": "3000"]) { $1 })
        let seen = p.read(until: { $0.contains("task finished (test delay") }, thenSend: SIGKILL)
        XCTAssertTrue(seen.contains("task finished (test delay"), seen)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(w)/tasks/stage-01/task-0-of-1.done"))
        try winnow(["run", spec, "--workdir", w, "--stage", "1", "--task-index", "0", "--task-count", "1", "--quiet"])
        let mark = "\(w)/tasks/stage-01/task-0-of-1.done", db = "\(w)/tasks/stage-01/task-0-of-1.lineage.sqlite"
        let before = try [readFileBytes(mark), readFileBytes(db)]
        let keys = try readFileBytes("\(w)/work/stage1-p00000.keys")
        let again = try winnow(["run", spec, "--workdir", w, "--stage", "1", "--task-index", "0", "--task-count", "1"])
        XCTAssertTrue(again.stdout.contains("already complete; nothing changed"), again.stdout)
        XCTAssertEqual(try [readFileBytes(mark), readFileBytes(db)], before)
        XCTAssertEqual(try readFileBytes("\(w)/work/stage1-p00000.keys"), keys)
        // The same units asked for as other tasks are done too.
        let other = try winnow(["run", spec, "--workdir", w, "--stage", "1", "--task-index", "2", "--task-count", "3"])
        XCTAssertTrue(other.stdout.contains("already complete"), other.stdout)

        for s in try stages(spec).dropFirst() {
            try winnow(["run", spec, "--workdir", w, "--stage", String(s.index), "--task-index", "0", "--task-count", "1", "--quiet"])
        }
        // Two marks for the same units (as tasks of two task counts running at once would leave): --finish refuses.
        let twin = "\(w)/tasks/stage-01/task-1-of-2.done"
        try FileManager.default.copyItem(atPath: mark, toPath: twin)
        let refused = try winnow(["run", spec, "--workdir", w, "--finish"], expect: 1)
        XCTAssertTrue(refused.stderr.contains("stage 1 (clean1): unit 0 was done by two tasks, task-0-of-1.done and task-1-of-2.done"), refused.stderr)
        try FileManager.default.removeItem(atPath: twin)
        try winnow(["run", spec, "--workdir", w, "--finish", "--quiet"])
        XCTAssertEqual(try RunComparison.outputFiles(out), files)
        let got = try RunComparison.lineage("\(out)/lineage.db")
        for (t, expected) in rows { XCTAssertEqual(got[t], expected, "table \(t) differs after a killed task") }
    }
}
