import Foundation
import XCTest
@testable import Winnow

/// Runs that hit a limit of the machine — a file-size limit, too few file descriptors, a full disk, an output folder
/// that cannot be created — stop with an error naming the file and the operating system's reason, and a run started
/// again once the cause is gone finishes with exactly what an undisturbed run writes.
final class ResourceFaultTests: XCTestCase {
    private var dir = ""
    override func setUpWithError() throws { dir = try makeTempDir(self) }

    /// `winnow run SPEC` under a shell limit (`ulimit -f`, `ulimit -n`), as a user's job script would set one.
    private func run(_ spec: String, limit: String) throws -> CLI.Result {
        try CLI.runTool("/bin/sh", ["-c", "ulimit \(limit) && WINNOW_MODELS='\(repoRoot)/models' exec '\(CLI.binary)' run '\(spec)' --quiet --workers 2"])
    }

    /// The reference: the same spec run undisturbed into another folder.
    private func reference(_ name: String) throws -> [String: String] {
        let refDir = "\(dir)/reference"
        try FileManager.default.createDirectory(atPath: refDir, withIntermediateDirectories: true)
        let spec = try RunComparison.spec(name, in: refDir)
        let r = try CLI.run(["run", spec, "--quiet"], env: RunComparison.env)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try RunComparison.outputFiles("\(refDir)/out").filter { $0.key != "manifest.json" }
    }

    private func checkRecovers(_ spec: String, out: String, like expected: [String: String]) throws {
        let again = try CLI.run(["run", spec, "--quiet"], env: RunComparison.env)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try RunComparison.outputFiles(out).filter { $0.key != "manifest.json" }, expected)
    }

    func testFileSizeLimitNamesTheFileAndTheRunRecovers() throws {
        let expected = try reference("quickstart.json")
        let spec = try RunComparison.spec("quickstart.json", in: dir)
        for limit in ["-f 64", "-f 400"] {   // 64 blocks: the lineage file; 400: later, a shard or token shard
            let r = try run(spec, limit: limit)
            XCTAssertEqual(r.status, 1, "ulimit \(limit): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("error: \(dir)/out/"), "ulimit \(limit): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("File too large") || r.stderr.contains("the file-size limit, ulimit -f, is"), "ulimit \(limit): \(r.stderr)")
        }
        try checkRecovers(spec, out: "\(dir)/out", like: expected)
    }

    func testTooFewFileDescriptorsSaysSoAndTheRunRecovers() throws {
        let expected = try reference("quickstart.json")
        let spec = try RunComparison.spec("quickstart.json", in: dir)
        let r = try run(spec, limit: "-n 12")
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("Too many open files"), r.stderr)
        XCTAssertTrue(r.stderr.contains("\(dir)/"), r.stderr)
        try checkRecovers(spec, out: "\(dir)/out", like: expected)
    }

    /// A full disk: the output folder on a 300 KB tmpfs (mounting needs root, which CI has).
    func testFullDiskNamesTheFileAndTheRunRecoversWithRoom() throws {
        guard getuid() == 0 else { return XCTFail("mounting a small tmpfs needs root; run the suite as root (CI does)") }
        let expected = try reference("quickstart.json")
        let mnt = "\(dir)/small"
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
        let m = try CLI.runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=300k", "tmpfs", mnt])
        guard m.status == 0 else { return XCTFail("mount tmpfs: \(m.stderr)") }
        defer { _ = try? CLI.runTool("/bin/umount", [mnt]) }
        let spec = try RunComparison.spec("quickstart.json", in: mnt)
        let r = try CLI.run(["run", spec, "--quiet"], env: RunComparison.env)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("error: \(mnt)/out/") && r.stderr.contains("No space left on device"), r.stderr)
        // Room made (the limit raised), the same run goes on and finishes with the undisturbed run's files.
        let remount = try CLI.runTool("/bin/mount", ["-o", "remount,size=64m", mnt])
        XCTAssertEqual(remount.status, 0, remount.stderr)
        try checkRecovers(spec, out: "\(mnt)/out", like: expected)
    }

    /// An output folder that cannot be made (a file stands where its parent folder must be): the error names it;
    /// with the file gone the run goes through.
    func testUnwritableOutputFolderIsNamed() throws {
        let blocked = "\(dir)/blocked"
        try Data("a file".utf8).write(to: URL(fileURLWithPath: blocked))
        let spec = try RunComparison.spec("quickstart.json", in: dir) { json in
            var o = json["output"]!.objectValue!
            o["dir"] = .string("\(blocked)/out")
            json["output"] = .object(o)
        }
        let r = try CLI.run(["run", spec, "--quiet"], env: RunComparison.env)
        XCTAssertNotEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("\(blocked)/out") && r.stderr.contains("Not a directory"), r.stderr)
        try FileManager.default.removeItem(atPath: blocked)
        XCTAssertEqual(try CLI.run(["run", spec, "--quiet"], env: RunComparison.env).status, 0)
    }

    /// An input truncated while the run reads another: it is an unreadable part (exit 3, as for a damaged file) whose
    /// error says what changed, the other input's documents are all there, and the next run reads the file as it is.
    func testInputTruncatedMidRunIsAnUnreadablePartAndTheNextRunReadsIt() throws {
        let small = (0..<10).map { jsonl("s\($0)", "small document number \($0)") }
        let (status, err) = try runChangingAnInputMidRun(dir, small: small.joined()) {
            XCTAssertEqual(truncate("\(dir)/data/small.jsonl", off_t(small.prefix(4).joined().utf8.count)), 0)
        }
        XCTAssertEqual(status, 3)
        let db = "\(dir)/out/lineage.db"
        XCTAssertEqual(try lineageRows(db, "select status from runs"), [["finished_with_errors"]])
        XCTAssertEqual(err.map { [$0[0], $0[1]] }, [["data/small.jsonl", "unreadable_input"]])
        XCTAssertTrue(err.first?[2].contains("changed while the run read it") ?? false, "\(err)")
        XCTAssertEqual(try lineageRows(db, "select count(*) from documents where input = 'data/big.jsonl' and status = 'kept'"), [["200"]])
        // The file now stays as it is: the next run reads its four lines, and nothing is missing.
        let again = try CLI.run(["run", "\(dir)/spec.json", "--quiet"])
        XCTAssertEqual(again.status, 0, again.stderr)
        let last = "(select run_id from runs order by started_at desc, rowid desc limit 1)"
        XCTAssertEqual(try lineageRows(db, "select status from runs where run_id = \(last)"), [["finished"]])
        XCTAssertEqual(try lineageRows(db, "select input, count(*) from documents where run_id = \(last) and status = 'kept' group by input order by input"),
                       [["data/big.jsonl", "200"], ["data/small.jsonl", "4"]])
    }

    /// Another program holding the lineage file's write lock (a sqlite3 shell with a transaction open): a short hold
    /// is waited out; a hold longer than --lineage-wait stops the run with an error naming the file and saying what
    /// holds it, leaves the finished run's files as they were, and the run goes through once the lock is gone.
    func testLineageLockedByAnotherWriterIsWaitedForOrNamed() throws {
        let expected = try reference("quickstart.json")
        let spec = try RunComparison.spec("quickstart.json", in: dir)
        XCTAssertEqual(try CLI.run(["run", spec, "--quiet"], env: RunComparison.env).status, 0)
        let db = "\(dir)/out/lineage.db"
        // Python's sqlite3 module, another SQLite client than Winnow's: BEGIN IMMEDIATE takes the write lock.
        func holdLock(seconds: Double) throws -> CLI.Running {
            let script = "import sqlite3,sys,time\nc=sqlite3.connect(sys.argv[1],isolation_level=None)\nc.execute('BEGIN IMMEDIATE')\n"
                + "print('locked',file=sys.stderr,flush=True)\ntime.sleep(float(sys.argv[2]))\nc.execute('ROLLBACK')\n"
            let p = try CLI.startTool("/usr/bin/python3", ["-c", script, db, String(seconds)])
            XCTAssertTrue(p.read(until: { $0.contains("locked") }).contains("locked"))
            return p
        }
        let short = try holdLock(seconds: 2)
        let waited = try CLI.run(["run", spec, "--quiet", "--fresh"], env: RunComparison.env)
        XCTAssertEqual(waited.status, 0, waited.stderr)
        short.process.waitUntilExit()

        let long = try holdLock(seconds: 60)
        defer { long.process.terminate() }
        let before = try RunComparison.outputFiles("\(dir)/out").filter { $0.key != "lineage.db" }
        let r = try CLI.run(["run", spec, "--quiet", "--fresh", "--lineage-wait", "1"], env: RunComparison.env)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("error: \(db): database is locked: another process held its write lock for over 1 s"), r.stderr)
        XCTAssertEqual(try RunComparison.outputFiles("\(dir)/out").filter { $0.key != "lineage.db" }, before)
        long.process.terminate()
        long.process.waitUntilExit()
        try checkRecovers(spec, out: "\(dir)/out", like: expected)
    }
}
