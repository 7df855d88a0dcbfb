import Foundation
import XCTest
@testable import Winnow

/// `winnow slurm` on a real single-node Slurm (`../shared/slurm/local-slurm.sh`): the same bytes and lineage rows as
/// one `winnow run`, a failed task shown by `status` and resubmitted alone by `resume`, and every user value in the
/// scripts quoted (the work folder's name holds spaces, quotes and `$(…)`).
final class SlurmTests: XCTestCase {
    static let script = (repoRoot as NSString).deletingLastPathComponent + "/shared/slurm/local-slurm.sh"

    /// Starts the local cluster (idempotent); a reason to skip when it cannot (CI counts a skip as a failure).
    override func setUpWithError() throws {
        guard FileManager.default.fileExists(atPath: Self.script) else {
            print("SlurmTests: \(Self.script) is absent (../shared is not beside the checkout)")
            throw XCTSkip("\(Self.script) is absent")
        }
        // Output to a file, not a pipe: the daemons the script starts inherit the descriptor and keep a pipe open
        // forever (reading it to its end would never return). Spawned and reaped with posix_spawn/waitpid, not
        // Foundation's Process: its waitUntilExit once missed the script's exit and hung the suite for 18 minutes.
        let log = NSTemporaryDirectory() + "slurm-start-\(getpid()).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let args: [String] = ["/bin/bash", Self.script, "start"]
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { (a: String) -> UnsafeMutablePointer<CChar>? in strdup(a) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, argv, environ)
        guard spawned == 0 else { throw XCTSkip("cannot run \(Self.script): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7F) == 0, code = (status >> 8) & 0xFF
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard exited && code == 0 else {
            print("SlurmTests: Slurm could not start:\n\(text)")
            throw XCTSkip("Slurm could not start: \(text.suffix(300))")
        }
        guard FileManager.default.fileExists(atPath: "\(repoRoot)/models/lid.176.ftz") else {
            return XCTFail("\(repoRoot)/models/lid.176.ftz is missing: run `make setup`")
        }
    }

    @discardableResult
    private func winnow(_ args: [String], expect status: Int32 = 0) throws -> CLI.Result {
        let r = try CLI.run(args, env: RunComparison.env)
        XCTAssertEqual(r.status, status, "winnow \(args.joined(separator: " ")):\n\(r.stdout)\n\(r.stderr)")
        return r
    }

    /// Polls until the run is finished or something failed (bounded); the last status.
    private func wait(_ workdir: String, forFailure: Bool = false, seconds: Double = 240) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            let s = try CLI.run(["slurm", "status", workdir], env: RunComparison.env)
            guard s.status == 0 else { XCTFail("winnow slurm status: \(s.stderr)"); return s.stderr }
            last = s.stdout
            if !forFailure && FileManager.default.fileExists(atPath: "\(workdir)/finished.json") { return last }
            if last.contains("\nfailed:") && (forFailure || !last.contains("running")) {
                // Wait until the dependants are cancelled too, so resume sees a settled run.
                if !forFailure || !stagesStillMoving(last) { return last }
            }
            usleep(500_000)
        }
        XCTFail("the Slurm run did not settle in \(seconds) s:\n\(last)")
        return last
    }

    /// Whether a status table still shows running or pending tasks (the table: the lines after its header, up to
    /// the first empty line; the failed tasks' log lines below it are not read).
    private func stagesStillMoving(_ status: String) -> Bool {
        let lines = status.split(separator: "\n", omittingEmptySubsequences: false)
        guard let header = lines.firstIndex(where: { $0.hasPrefix("stage  name") }) else { return true }
        for line in lines[(header + 1)...] {
            if line.isEmpty { break }
            let cells = line.split(separator: " ", omittingEmptySubsequences: true)
            guard cells.count >= 8 else { continue }
            if Int(cells[4]) != 0 || Int(cells[5]) != 0 { return true }
        }
        return false
    }

    private func weirdWorkdir(_ dir: String) -> String { "\(dir)/work dir 'q' \"d\" $(touch pwned)" }

    func testFinewebLikeOnSlurmMatchesOneProcess() throws {
        let dir = try makeTempDir(self)
        let spec = try RunComparison.spec("fineweb-like.json", in: dir)
        let out = "\(dir)/out"
        let (files, rows) = try RunComparison.oneProcessResult(spec, out: out)

        let w = weirdWorkdir(dir)
        let submitted = try winnow(["slurm", spec, "--workdir", w, "--tasks", "4", "--time", "10:00", "--sbatch-arg", "--comment=it's \"$(id)\""])
        XCTAssertTrue(submitted.stdout.contains("stage 1 clean1: job ") && submitted.stdout.contains("finish: job "), submitted.stdout)
        _ = try wait(w)
        let status = try winnow(["slurm", "status", w]).stdout
        XCTAssertTrue(status.contains("finished: the manifest and lineage are written"), status)
        XCTAssertTrue(status.contains("1      clean1         3      3     0        0        0       0"), status)
        XCTAssertEqual(try RunComparison.outputFiles(out), files, "Slurm run: output files differ from one winnow run")
        let got = try RunComparison.lineage("\(out)/lineage.db")
        for (t, expected) in rows { XCTAssertEqual(got[t], expected, "Slurm run: table \(t) differs") }
        // The run is a Slurm run with its job ids; stage 1 ran as 3 tasks (3 partitions), the others as many as they have.
        let run = try lineageRows("\(out)/lineage.db", "SELECT trigger, cluster_jobs FROM runs")
        XCTAssertEqual(run.first?.first, "slurm")
        XCTAssertTrue(run.first?[1].hasPrefix("slurm:") ?? false, "\(run)")
        let script = try readText("\(w)/slurm/stage-01-clean1.sbatch")
        XCTAssertTrue(script.contains("#SBATCH --array=0-2") && script.contains("#SBATCH --time=\"10:00\""), script)
        XCTAssertTrue(script.contains(#"#SBATCH "--comment=it's \"$(id)\"""#), script)
        // Nothing in a path or argument was run by a shell.
        XCTAssertNil(FileManager.default.enumerator(atPath: dir)?.allObjects.compactMap { $0 as? String }.first { ($0 as NSString).lastPathComponent == "pwned" })
        let logs = try FileManager.default.contentsOfDirectory(atPath: "\(w)/slurm/logs")
        XCTAssertTrue(logs.contains("stage-01-clean1-0.log") && logs.contains("finish.log"), "\(logs)")
        // A second submission into the same work folder is refused.
        let again = try winnow(["slurm", spec, "--workdir", w, "--tasks", "4"], expect: 1)
        XCTAssertTrue(again.stderr.contains("already has a Slurm submission"), again.stderr)
    }

    /// A corrupt input under on_error "stop": its task fails, the stages after it never run, status names the
    /// task and shows the error; with the input fixed, resume resubmits that task and the stages after it only.
    func testFailedTaskIsShownAndResumedAlone() throws {
        let dir = try makeTempDir(self)
        // Three clean inputs (the bundled sample has bad lines on purpose), with near and exact duplicates across them.
        var texts: [String] = []
        for f in 0..<3 {
            var text = ""
            for i in 0..<40 {
                let n = f * 40 + i
                let body = n % 7 == 6 ? "a repeated paragraph number \(n % 4) with enough words in it to be kept by the filters here"
                                      : "document \(n) talks about something else entirely, with its own words: ação, naïve, 東京 \(n * 31)"
                text += jsonl("f\(f)-d\(i)", body)
            }
            texts.append(text)
            try writeFile("\(dir)/data/part-\(f).jsonl.gz", text)
        }
        try writeFile("\(dir)/spec.json", """
            {"name": "slurm-failure", "on_error": "stop",
             "sources": [{"name": "web", "paths": ["data/*.jsonl.gz"]}],
             "steps": [{"type": "length", "min_words": 5}, {"type": "exact_dedup"}, {"type": "minhash_dedup", "mode": "staged", "band_tasks": 2},
                       {"type": "pii", "kinds": ["email"]}],
             "output": {"dir": "out", "compression": "gzip"}}
            """)
        let spec = "\(dir)/spec.json", out = "\(dir)/out"
        let (files, rows) = try RunComparison.oneProcessResult(spec, out: out, ignoring: ["mtime", "size"])

        let broken = "\(dir)/data/part-1.jsonl.gz"
        try writeFile(broken, texts[1] + "{\"id\": \"broken\", \"text\": \n")
        let w = "\(dir)/work"
        try winnow(["slurm", spec, "--workdir", w, "--tasks", "3"])
        let failed = try wait(w, forFailure: true)
        XCTAssertTrue(failed.contains("stage 1 (clean1) task 1: FAILED"), failed)
        XCTAssertTrue(failed.contains("\(w)/slurm/logs/stage-01-clean1-1.log"), failed)
        XCTAssertTrue(failed.contains("part-1.jsonl.gz:41: invalid json"), failed)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(w)/tasks/stage-02"), "a stage after the failed one ran")

        try writeFile(broken, texts[1])
        let resumed = try winnow(["slurm", "resume", w])
        XCTAssertTrue(resumed.stdout.contains("stage 1 clean1: job ") && resumed.stdout.contains("task(s) 1 \n") || resumed.stdout.contains("task(s) 1\n"), resumed.stdout)
        XCTAssertTrue(resumed.stdout.contains("stage 2 exact_dedup: job ") && resumed.stdout.contains("task(s) 0 after"), resumed.stdout)
        XCTAssertTrue(resumed.stdout.contains("stage 3 clean2: job ") && resumed.stdout.contains("task(s) 0-2 after"), resumed.stdout)
        _ = try wait(w)
        XCTAssertEqual(try RunComparison.outputFiles(out), files)
        let got = try RunComparison.lineage("\(out)/lineage.db", ignoring: ["mtime", "size"])
        for (t, expected) in rows { XCTAssertEqual(got[t], expected, "after resume: table \(t) differs") }
    }

    /// --dry-run writes scripts bash can parse and submits nothing.
    func testDryRunWritesScriptsOnly() throws {
        let dir = try makeTempDir(self)
        let spec = try RunComparison.spec("fineweb-like.json", in: dir)
        let w = weirdWorkdir(dir)
        let r = try winnow(["slurm", spec, "--workdir", w, "--tasks", "2", "--dry-run", "--partition", "debug", "--mem", "1G", "--cpus-per-task", "1"])
        XCTAssertTrue(r.stdout.contains("dry run: nothing submitted"), r.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(w)/slurm/jobs.json"))
        let scripts = try FileManager.default.contentsOfDirectory(atPath: "\(w)/slurm").filter { $0.hasSuffix(".sbatch") }.sorted()
        XCTAssertEqual(scripts.count, 10, "\(scripts)")
        for s in scripts {
            let check = try CLI.runTool("/bin/bash", ["-n", "\(w)/slurm/\(s)"])
            XCTAssertEqual(check.status, 0, "\(s): \(check.stderr)")
        }
        let finish = try readText("\(w)/slurm/finish.sbatch")
        XCTAssertTrue(finish.contains("'--finish'") && finish.contains("#SBATCH --partition=\"debug\"") && finish.contains("#SBATCH --mem=\"1G\""), finish)
    }
}
