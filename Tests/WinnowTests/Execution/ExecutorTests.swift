import Foundation
import XCTest
@testable import Winnow

final class ExecutorTests: XCTestCase {
    /// The quickstart spec with absolute input paths and the output in a temporary folder.
    private func quickstartSpec(in dir: String, extra: String = "") throws -> String {
        let data = "\(repoRoot)/examples/data"
        let spec = """
        {"name": "quickstart", "sources": [
          {"name": "web", "paths": ["\(data)/web/*.jsonl.gz"]},
          {"name": "forum", "paths": ["\(data)/forum/*.jsonl.zst"], "text_field": "body", "id_field": "post_id"},
          {"name": "books", "paths": ["\(data)/books/*.txt"], "format": "text", "text_mode": "blocks", "skip_steps": ["exact_dedup"]}],
         "steps": [{"type": "length", "min_chars": 60, "min_words": 8}, {"type": "exact_dedup"}],
         "output": {"dir": "out", "shard_docs": 100}\(extra)}
        """
        try writeFile("\(dir)/spec.json", spec)
        return "\(dir)/spec.json"
    }

    func testEveryInputDocumentHasExactlyOneLineageRow() throws {
        let dir = try makeTempDir(self)
        let summary = try runSpec(try quickstartSpec(in: dir))
        let db = "\(dir)/out/lineage.db"
        XCTAssertEqual(summary.documentsIn, 349)
        XCTAssertEqual(summary.badLines, 5)
        let counts = try lineageRows(db, "select status, count(*) from documents group by 1 order by 1")
        XCTAssertEqual(counts, [["dropped", "62"], ["error", "5"], ["kept", "287"]])
        XCTAssertEqual(summary.documentsOut, 287)
        // No document appears twice in a run.
        XCTAssertEqual(try lineageRows(db, "select count(*) from (select source, input, line from documents group by 1, 2, 3 having count(*) > 1)"), [["0"]])
        // Kept documents fill shard positions 0..<n without gaps.
        let gaps = try lineageRows(db, "select shard, count(*), min(position), max(position) from documents where status = 'kept' group by shard order by shard")
        // Shards never span partitions: web's two files, forum's one, the three books.
        XCTAssertEqual(gaps.map { $0[1] }, ["85", "76", "99", "9", "9", "9"])
        XCTAssertTrue(gaps.allSatisfy { $0[2] == "0" && Int($0[3])! == Int($0[1])! - 1 })
        // Bad lines are queryable with file, line and reason.
        let forumErrors = try lineageRows(db, "select input, line, reason from errors where source = 'forum'")
        XCTAssertEqual(forumErrors.map { [$0[1], $0[2]] }, [["117", "invalid_json"]])
        XCTAssertTrue(forumErrors.first?[0].hasSuffix("examples/data/forum/posts.jsonl.zst") ?? false, "\(forumErrors)")
        // "Why was document X dropped" is one query.
        XCTAssertEqual(try lineageRows(db, "select step, reason, dup_of from document_story where doc_id = 'web-copy-001'"),
                       [["exact_dedup", "duplicate", "web-0014"]])
        // Manifest and shards agree.
        let manifest = try JSONParser.parse(readFileBytes("\(dir)/out/manifest.json"))
        XCTAssertEqual(manifest["documents"]?.intValue, 287)
        for s in manifest["shards"]?.arrayValue ?? [] {
            let path = "\(dir)/out/\(s["path"]!.stringValue!)"
            XCTAssertEqual(SHA256.hash(try readFileBytes(path)).hex, s["sha256"]?.stringValue)
            let lines = try readText(path).split(separator: "\n")
            XCTAssertEqual(lines.count, s["documents"]?.intValue)
            for l in lines { XCTAssertNotNil(try JSONParser.parse(String(l))["text"]?.stringValue) }
        }
        XCTAssertEqual(try lineageRows(db, "select status from runs"), [["finished"]])
    }

    func testSameSpecAndInputGiveByteIdenticalOutput() throws {
        let dir = try makeTempDir(self)
        let spec = try quickstartSpec(in: dir)
        func snapshot() throws -> [String: [UInt8]] {
            var out: [String: [UInt8]] = [:]
            for f in try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out") where f.hasPrefix("shard-") || f == "manifest.json" {
                out[f] = try readFileBytes("\(dir)/out/\(f)")
            }
            return out
        }
        try runSpec(spec, workers: 1)
        let first = try snapshot()
        try runSpec(spec, workers: 3, fresh: true, reclean: true)
        XCTAssertEqual(first.count, 7)
        XCTAssertEqual(try snapshot(), first)
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select count(*) from runs where status = 'finished'"), [["2"]])
    }

    func testByteRangePartitionsReadExactlyTheLinesOfTheWholeFile() throws {
        let dir = try makeTempDir(self)
        var text = ""
        for i in 0..<4000 {
            text += jsonl("d\(i)", String(repeating: "word\(i % 7) ", count: 1 + (i * 37) % 60))
            if i % 500 == 7 { text += "\n" }         // blank lines still count as lines
            if i % 777 == 3 { text += "{broken\n" }
        }
        try writeFile("\(dir)/split/a.jsonl", text)
        try writeFile("\(dir)/whole/a.jsonl.gz", text)
        for name in ["split", "whole"] {
            try writeFile("\(dir)/\(name).json", """
            {"name": "\(name)", "sources": [{"name": "s", "paths": ["\(name)/a.jsonl*"]}], "partition_bytes": 65536,
             "output": {"dir": "\(name)-out", "compression": "none"}}
            """)
            try runSpec("\(dir)/\(name).json")
        }
        let q = "select doc_id, line, status, reason from documents order by line"
        let split = try lineageRows("\(dir)/split-out/lineage.db", q)
        XCTAssertEqual(split, try lineageRows("\(dir)/whole-out/lineage.db", q))
        XCTAssertEqual(split.count, 4000 + 6)
        XCTAssertGreaterThan(Int(try lineageRows("\(dir)/split-out/lineage.db", "select max(part) from documents")[0][0])!, 4)
        XCTAssertEqual(try shardText("\(dir)/split-out"), try shardText("\(dir)/whole-out"))
    }

    func testOverlongLinesAreBadLinesAndReadingGoesOn() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/d.jsonl", jsonl("1", "before") + jsonl("2", String(repeating: "y", count: 5000)) + jsonl("3", "after"))
        try writeFile("\(dir)/s.json", #"{"name": "s", "sources": [{"name": "a", "paths": ["d.jsonl"]}], "output": {"dir": "out"}, "max_line_bytes": 1024, "max_error_fraction": 0.5}"#)
        try runSpec("\(dir)/s.json")
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select line, status, reason from documents order by line"),
                       [["1", "kept", ""], ["2", "error", "line_too_long"], ["3", "kept", ""]])
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select message from errors"), [["line of 5023 bytes is over max_line_bytes (1024)"]])
    }

    func testOnErrorStopEndsTheRunNamingFileAndLine() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/d.jsonl", jsonl("1", "fine") + "{\"id\": \"2\", \"text\": \n" + jsonl("3", "fine"))
        try writeFile("\(dir)/s.json", #"{"name": "s", "sources": [{"name": "a", "paths": ["d.jsonl"]}], "output": {"dir": "out"}, "on_error": "stop"}"#)
        XCTAssertThrowsError(try runSpec("\(dir)/s.json")) { e in
            XCTAssertEqual("\(e)", "d.jsonl:2: invalid json (unexpected end of line)")
        }
        let runs = try lineageRows("\(dir)/out/lineage.db", "select status, error from runs")
        XCTAssertEqual(runs, [["failed", "d.jsonl:2: invalid json (unexpected end of line)"]])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/out/manifest.json"))
    }

    func testSkipStepsAndTextSources() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/a/x.txt", "Short.\r\n\r\nA longer block of text\r\nover two lines.\r\n\r\n\r\nLast block here please.\n")
        try writeFile("\(dir)/b/y.txt.gz", "tiny")
        try writeFile("\(dir)/s.json", """
        {"name": "t", "sources": [
          {"name": "blocks", "paths": ["a/*.txt"], "format": "text", "text_mode": "blocks"},
          {"name": "files", "paths": ["b/*.gz"], "format": "text", "skip_steps": ["length"]}],
         "steps": [{"type": "length", "min_chars": 10}], "output": {"dir": "out", "compression": "gzip"}}
        """)
        try runSpec("\(dir)/s.json")
        let rows = try lineageRows("\(dir)/out/lineage.db", "select doc_id, line, status from documents order by source, line")
        XCTAssertEqual(rows, [["a/x.txt:1", "1", "dropped"], ["a/x.txt:3", "3", "kept"], ["a/x.txt:7", "7", "kept"], ["b/y.txt.gz", "1", "kept"]])
        let shard = try shardText("\(dir)/out")
        XCTAssertTrue(shard.contains(#""text":"A longer block of text\nover two lines.""#), shard)
        XCTAssertTrue(shard.contains(#""text":"tiny""#))
    }

    func testExactDedupKeepsTheFirstSourceInSpecOrder() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/z/1.jsonl", jsonl("late", "the same words"))
        try writeFile("\(dir)/a/1.jsonl", jsonl("early", "The  same words"))
        try writeFile("\(dir)/s.json", """
        {"name": "d", "sources": [{"name": "first", "paths": ["z/*.jsonl"]}, {"name": "second", "paths": ["a/*.jsonl"]}],
         "steps": [{"type": "exact_dedup"}], "output": {"dir": "out"}}
        """)
        try runSpec("\(dir)/s.json")
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select doc_id, status, dup_of from documents order by doc_id"),
                       [["early", "dropped", "late"], ["late", "kept", ""]])
    }

    func testShardLimitsAndLineageOff() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/d.jsonl", (0..<95).map { jsonl("d\($0)", "document \($0) " + String(repeating: "x", count: $0)) }.joined())
        try writeFile("\(dir)/s.json", #"{"name": "s", "sources": [{"name": "a", "paths": ["d.jsonl"]}], "output": {"dir": "out", "shard_docs": 10, "compression": "none"}}"#)
        let on = try runSpec("\(dir)/s.json")
        XCTAssertEqual(on.shards.map(\.documents), [10, 10, 10, 10, 10, 10, 10, 10, 10, 5])
        let bytesOn = try readFileBytes("\(dir)/out/shard-00009.jsonl")
        let off = try runSpec("\(dir)/s.json", recordDocuments: false, fresh: true)
        XCTAssertEqual(off.shards.map(\.sha256), on.shards.map(\.sha256))
        XCTAssertEqual(try readFileBytes("\(dir)/out/shard-00009.jsonl"), bytesOn)
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select run_id = '\(off.runID)', count(*) from documents group by 1"), [["0", "95"]])
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select docs_in, docs_out from source_stats where run_id = '\(off.runID)'"), [["95", "95"]])
        // Byte limit: each shard closes before it would pass shard_bytes (a lone larger document still gets a shard).
        try writeFile("\(dir)/b.json", #"{"name": "b", "sources": [{"name": "a", "paths": ["d.jsonl"]}], "output": {"dir": "outb", "shard_bytes": 2000, "compression": "none"}}"#)
        let b = try runSpec("\(dir)/b.json")
        XCTAssertTrue(b.shards.allSatisfy { $0.uncompressedBytes <= 2000 || $0.documents == 1 })
        XCTAssertEqual(b.shards.reduce(0) { $0 + $1.documents }, 95)
    }

    func testTruncatedCompressedInputIsRecordedOrStopsTheRun() throws {
        let dir = try makeTempDir(self)
        let text = (0..<3000).map { jsonl("d\($0)", "document number \($0) with a few words in it") }.joined()
        try writeFile("\(dir)/full.jsonl.gz", text)
        let bytes = try readFileBytes("\(dir)/full.jsonl.gz")
        try FileManager.default.createDirectory(atPath: "\(dir)/in", withIntermediateDirectories: true)
        let raw = try RawFileWriter(path: "\(dir)/in/cut.jsonl.gz")
        try raw.write(Array(bytes[0..<bytes.count * 2 / 3]))
        try raw.flush()
        try writeFile("\(dir)/in/ok.jsonl", jsonl("fine", "a complete file"))
        for mode in ["skip", "stop"] {
            try writeFile("\(dir)/\(mode).json", """
            {"name": "t", "sources": [{"name": "a", "paths": ["in/*"]}], "output": {"dir": "out-\(mode)"}, "on_error": "\(mode)"}
            """)
        }
        let summary = try runSpec("\(dir)/skip.json")
        let db = "\(dir)/out-skip/lineage.db"
        let err = try lineageRows(db, "select input, reason, message, line from errors")
        XCTAssertEqual(err.count, 1)
        XCTAssertEqual(err[0][0], "in/cut.jsonl.gz")
        XCTAssertEqual(err[0][1], "unreadable_input")
        XCTAssertTrue(err[0][2].contains("truncated gzip stream"), err[0][2])
        let kept = Int(try lineageRows(db, "select count(*) from documents where status = 'kept' and input = 'in/cut.jsonl.gz'")[0][0])!
        XCTAssertGreaterThan(kept, 100)
        XCTAssertEqual(Int(err[0][3]), kept + 1)
        XCTAssertEqual(summary.documentsOut, kept + 1)
        XCTAssertThrowsError(try runSpec("\(dir)/stop.json")) { e in
            XCTAssertTrue("\(e)".hasPrefix("in/cut.jsonl.gz:\(kept + 1): unreadable input (truncated gzip stream"), "\(e)")
        }
    }

    /// Issue 17, item 8: the number in a shard's file name is the shard number lineage and the manifest give it,
    /// across partitions (files are written under partition-local names, then renamed).
    func testShardFileNamesCarryTheLineageNumber() throws {
        let dir = try makeTempDir(self)
        for f in 0..<3 { try writeFile("\(dir)/data/\(f).jsonl", (0..<25).map { jsonl("f\(f)-\($0)", "document \($0) of file \(f)") }.joined()) }
        try writeFile("\(dir)/s.json", #"{"name": "s", "sources": [{"name": "a", "paths": ["data/*.jsonl"]}], "output": {"dir": "out", "shard_docs": 10}}"#)
        let summary = try runSpec("\(dir)/s.json")
        XCTAssertEqual(summary.shards.count, 9, "3 partitions × 3 shards")
        let rows = try lineageRows("\(dir)/out/lineage.db", "select shard, path from shards order by shard")
        XCTAssertEqual(rows.map { $0[1] }, (0..<9).map { String(format: "shard-%05d.jsonl.zst", $0) })
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select count(*) from document_story where shard_path != printf('shard-%05d.jsonl.zst', shard) and status = 'kept'"), [["0"]])
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out").filter { $0.hasPrefix("shard-") }.sorted()
        XCTAssertEqual(files, (0..<9).map { String(format: "shard-%05d.jsonl.zst", $0) }, "no partition-local names left")
        XCTAssertEqual(try CLI.run(["shards", "inspect", "\(dir)/out"]).status, 0)
    }
}
