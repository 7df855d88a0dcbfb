import XCTest
@testable import Winnow

/// Issue 16, items 1–3: Winnow deletes and overwrites only what it recorded writing, never reads its own output,
/// and cleans up the temporary files of a killed run.
final class OutputSafetyTests: XCTestCase {
    private func spec(_ dir: String, output: String, paths: String = "data/*.jsonl", extra: String = "") throws -> String {
        let path = "\(dir)/spec.json"
        try writeFile(path, #"{"name": "s", "sources": [{"name": "web", "paths": ["\#(paths)"]}], "output": {"dir": "\#(output)"\#(extra)}}"#)
        return path
    }

    private func issues(_ path: String) -> String {
        do { _ = try PipelineLoader.load(path); return "" } catch { return "\(error)" }
    }

    /// Item 1: `output.dir` equal to the input folder is a validate error naming both, and the inputs survive.
    func testOutputDirEqualToInputFolderIsRefused() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "keep me"))
        let s = try spec(dir, output: "data")
        let message = issues(s)
        XCTAssertTrue(message.contains("/sources/0/paths/0"), message)
        XCTAssertTrue(message.contains("\(dir)/data/a.jsonl") && message.contains("inside output.dir \(dir)/data"), message)
        let cli = try CLI.run(["run", s])
        XCTAssertEqual(cli.status, 2, cli.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/data/a.jsonl"))
        // An output folder that contains the input folder is the same mistake.
        XCTAssertTrue(issues(try spec(dir, output: ".")).contains("inside output.dir"))
    }

    /// Item 1: `/` and the home folder are refused as `output.dir`.
    func testRootAndHomeAreRefused() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "x"))
        XCTAssertTrue(issues(try spec(dir, output: "/")).contains("/output/dir: \"/\" resolves to /, the root folder"))
        try writeFile("\(dir)/afile", "x")
        let notFolder = try CLI.run(["run", try spec(dir, output: "afile")])
        XCTAssertEqual(notFolder.status, 1)
        XCTAssertTrue(notFolder.stderr.contains("\(dir)/afile: output.dir exists and is not a folder"), notFolder.stderr)
        let home = NSHomeDirectory()
        let message = issues(try spec(dir, output: home))
        XCTAssertTrue(message.contains("the home folder"), message)
    }

    /// Item 1: a non-empty folder Winnow did not create is refused unless --force; with --force nothing of it is
    /// deleted, even files named like shards; a later fresh run removes only what Winnow wrote.
    func testForeignFolderNeedsForceAndKeepsItsFiles() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "hello there"))
        try writeFile("\(dir)/out/notes.txt", "mine")
        try writeFile("\(dir)/out/shard-99999.jsonl.gz", "not Winnow's")
        try writeFile("\(dir)/out/llmc/mine.bin", "not Winnow's")
        try writeFile("\(dir)/out/tokenizer.json", "{}")
        let s = try spec(dir, output: "out")
        let refused = try CLI.run(["run", s])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("output.dir already holds files Winnow did not write (llmc, notes.txt, shard-99999.jsonl.gz, tokenizer.json)"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--force"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/out/manifest.json"))

        let forced = try CLI.run(["run", s, "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        let again = try CLI.run(["run", s, "--fresh"])
        XCTAssertEqual(again.status, 0, again.stderr)
        for f in ["notes.txt", "shard-99999.jsonl.gz", "llmc/mine.bin", "tokenizer.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/out/\(f)"), f)
        }
        XCTAssertEqual(try readText("\(dir)/out/notes.txt"), "mine")
        XCTAssertTrue(try readText("\(dir)/out/.winnow/written").contains("manifest.json"))
    }

    /// Item 1: switching formats no longer leaves token shards of the earlier run behind, and a run that writes only
    /// jsonl removes only what earlier runs recorded — never a folder of the user's.
    func testFreshRunRemovesOnlyRecordedFiles() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", (0..<20).map { jsonl("\($0)", "Document number \($0) has a few words in it.") }.joined())
        let s = try spec(dir, output: "out", extra: #", "formats": ["jsonl", "llmc"]}, "tokenizer": {"train": {"vocab_size": 300}"#)
        try runSpec(s)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/out/tokenizer.json"))
        try writeFile("\(dir)/out/llmc/user-notes.txt", "mine")
        _ = try spec(dir, output: "out")
        try runSpec(s)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/out/tokenizer.json"))
        let llmc = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out/llmc")
        XCTAssertEqual(llmc, ["user-notes.txt"], "only the recorded token shards went")
    }

    /// Item 2: an input glob that reaches into output.dir is an error, even when the folders only overlap.
    func testInputGlobReachingOutputIsAnError() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "text"))
        let s = try spec(dir, output: "data/out", paths: "data/**/*.jsonl*")
        XCTAssertEqual(issues(s), "", "no output yet: nothing to read twice")
        try runSpec(s)
        let message = issues(s)
        XCTAssertTrue(message.contains("matches \(dir)/data/out/"), message)
        XCTAssertTrue(message.contains("a run would read its own output"), message)
    }

    /// Item 3: `NAME.tmp-PID` files a killed run left are removed by the next run; `shards inspect` reports them.
    func testOrphanedTemporaryFilesAreReportedAndRemoved() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "text one") + jsonl("2", "text two"))
        let s = try spec(dir, output: "out")
        try runSpec(s)
        let shard = try JSONParser.parse(readFileBytes("\(dir)/out/manifest.json"))["shards"]!.arrayValue![0]["path"]!.stringValue!
        try writeFile("\(dir)/out/\(shard).tmp-4242", "half written")
        try writeFile("\(dir)/out/manifest.json.tmp-77", "{")
        try writeFile("\(dir)/out/user.tmp-12", "not a name Winnow recorded")
        let inspect = try CLI.run(["shards", "inspect", "\(dir)/out"])
        XCTAssertTrue(inspect.stdout.contains("\(shard).tmp-4242: a temporary file a killed run left behind")
                      || inspect.stderr.contains("\(shard).tmp-4242: a temporary file a killed run left behind"), inspect.stdout + inspect.stderr)
        XCTAssertNotEqual(inspect.status, 0)
        try runSpec(s)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/out/\(shard).tmp-4242"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/out/manifest.json.tmp-77"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/out/user.tmp-12"), "unrecorded names are never removed")
    }

    /// An output folder written by an earlier Winnow (a lock file and a manifest, no ledger) is still Winnow's:
    /// its manifest seeds the ledger, so the shards it lists are cleared by a fresh run and nothing else.
    func testFolderFromEarlierWinnowIsAdopted() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "text one"))
        let s = try spec(dir, output: "out")
        try runSpec(s)
        try FileManager.default.removeItem(atPath: "\(dir)/out/.winnow/written")
        try writeFile("\(dir)/out/keep.txt", "mine")
        try runSpec(s, fresh: true)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/out/keep.txt"))
        XCTAssertEqual(try shardText("\(dir)/out").filter { $0 == "\n" }.count, 1)
    }
}
