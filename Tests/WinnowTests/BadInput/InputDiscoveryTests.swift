import XCTest
@testable import Winnow

/// Issue 16, items 10–12 and 17 (same file twice): finding inputs never loops, hangs or skips in silence.
final class InputDiscoveryTests: XCTestCase {
    /// Item 10: a symbolic-link loop under `**` is walked once; two loops do not hang; a link to a file is followed.
    func testSymlinkLoopsAreWalkedOnce() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a/one.jsonl", jsonl("1", "one"))
        try writeFile("\(dir)/data/b/two.jsonl", jsonl("2", "two"))
        try writeFile("\(dir)/elsewhere/three.jsonl", jsonl("3", "three"))
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: "\(dir)/data/a/loop", withDestinationPath: "..")
        try fm.createSymbolicLink(atPath: "\(dir)/data/b/loop2", withDestinationPath: "\(dir)/data")
        try fm.createSymbolicLink(atPath: "\(dir)/data/link.jsonl", withDestinationPath: "\(dir)/elsewhere/three.jsonl")
        let started = Date()
        let e = Glob.expandReporting("data/**/*.jsonl", relativeTo: dir)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "two loops must not hang")
        XCTAssertEqual(e.files.map { $0.replacingOccurrences(of: dir + "/", with: "") }, ["data/a/one.jsonl", "data/b/two.jsonl", "data/link.jsonl"])
        XCTAssertEqual(e.problems, [])
        // Through a run: each document once.
        try writeFile("\(dir)/spec.json", #"{"name": "g", "sources": [{"name": "web", "paths": ["data/**/*.jsonl"]}], "output": {"dir": "out"}}"#)
        let summary = try runSpec("\(dir)/spec.json")
        XCTAssertEqual(summary.documentsIn, 3)
    }

    /// Item 10: a file name that is not UTF-8 is reported with its bytes, not skipped in silence.
    func testNonUTF8NamesAreReported() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/ok.jsonl", jsonl("1", "fine"))
        let raw: [UInt8] = Array("\(dir)/data/caf".utf8) + [0xE9] + Array(".jsonl".utf8)
        let fd = raw.map { CChar(bitPattern: $0) }.withUnsafeBufferPointer { buf -> Int32 in
            var name = Array(buf); name.append(0)
            return open(name, O_WRONLY | O_CREAT, 0o644)
        }
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)
        let e = Glob.expandReporting("data/*.jsonl", relativeTo: dir)
        XCTAssertEqual(e.files, ["\(dir)/data/ok.jsonl"])
        XCTAssertEqual(e.problems.map(\.path), ["\(dir)/data/caf\\xE9.jsonl"])
        XCTAssertTrue(e.problems[0].message.contains("not valid UTF-8"))
        // A pattern that would not match it does not complain about it.
        XCTAssertEqual(Glob.expandReporting("data/ok*", relativeTo: dir).problems, [])
        try writeFile("\(dir)/spec.json", #"{"name": "g", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "output": {"dir": "out"}}"#)
        let v = try CLI.run(["validate", "\(dir)/spec.json"])
        XCTAssertNotEqual(v.status, 0)
        XCTAssertTrue(v.stderr.contains("/sources/0/paths/0: \(dir)/data/caf\\xE9.jsonl: the file name is not valid UTF-8"), v.stderr)
    }

    /// Item 11: a FIFO is not an input (validate says so; `run` ends at once instead of blocking forever), whether a
    /// glob reaches it or the spec names it; a run of a spec loaded without input checks refuses it too.
    func testFIFOIsAValidateError() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "fine"))
        XCTAssertEqual(mkfifo("\(dir)/data/pipe.jsonl", 0o644), 0)
        for paths in ["data/*.jsonl", "data/pipe.jsonl"] {
            try writeFile("\(dir)/spec.json", #"{"name": "g", "sources": [{"name": "web", "paths": ["\#(paths)"]}], "output": {"dir": "out"}}"#)
            let v = try CLI.run(["run", "\(dir)/spec.json"])
            XCTAssertEqual(v.status, 2, v.stderr)
            XCTAssertTrue(v.stderr.contains("\(dir)/data/pipe.jsonl: is a FIFO (named pipe), not a regular file"), v.stderr)
        }
        // Devices and dangling links are reported the same way.
        XCTAssertEqual(Glob.expandReporting("/dev/null", relativeTo: dir).problems.map(\.message),
                       ["is a device, not a regular file: only regular files and symbolic links to them are inputs"])
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/data/gone.jsonl", withDestinationPath: "\(dir)/nowhere.jsonl")
        XCTAssertTrue(Glob.expandReporting("data/*.jsonl", relativeTo: dir).problems.contains { $0.path.hasSuffix("gone.jsonl") && $0.message.hasPrefix("is a symbolic link to nothing") })
        try FileManager.default.removeItem(atPath: "\(dir)/data/gone.jsonl")
        let unchecked = try PipelineLoader.load("\(dir)/spec.json", checkInputs: false)
        XCTAssertThrowsError(try Executor(pipeline: unchecked).run()) { XCTAssertTrue("\($0)".contains("is a FIFO"), "\($0)") }
    }

    /// Item 17: the same file in two sources (by two spellings, or a link) is a validate error, not a raw
    /// `UNIQUE constraint failed`.
    func testSameFileInTwoSourcesIsAValidateError() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "fine"))
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/alias.jsonl", withDestinationPath: "\(dir)/data/a.jsonl")
        try writeFile("\(dir)/spec.json", """
        {"name": "g", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}, {"name": "again", "paths": ["alias.jsonl"]}], "output": {"dir": "out"}}
        """)
        let v = try CLI.run(["validate", "\(dir)/spec.json"])
        XCTAssertNotEqual(v.status, 0)
        XCTAssertTrue(v.stderr.contains("/sources/1/paths: "), v.stderr)
        XCTAssertTrue(v.stderr.contains("is also an input of /sources/0 (\"web\""), v.stderr)
        XCTAssertTrue(v.stderr.contains("a file can belong to one source only"), v.stderr)
        XCTAssertFalse(v.stderr.contains("UNIQUE"))
    }

    /// Item 12: an input of an incremental run that cannot be planned is an error naming it, and it is not recorded
    /// as processed: the next run reads it.
    func testUnplannableIncrementalInputIsReadNextTime() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "first file"))
        try writeFile("\(dir)/spec.json", #"{"name": "inc", "incremental": true, "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "output": {"dir": "out"}}"#)
        try runSpec("\(dir)/spec.json")
        try writeFile("\(dir)/data/b.jsonl", jsonl("2", "second file"))
        let failed = try CLI.run(["run", "\(dir)/spec.json"], env: ["WINNOW_TEST_UNPLANNABLE": "b.jsonl"])
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.stderr.contains("\(dir)/data/b.jsonl: cannot be planned"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("the next run reads this input again"), failed.stderr)
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select count(*) from inputs where input = 'data/b.jsonl'"), [["0"]])
        let ok = try CLI.run(["run", "\(dir)/spec.json"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select doc_id from documents where status = 'kept' order by doc_id"), [["1"], ["2"]])
    }
}
