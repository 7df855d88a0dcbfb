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
}
