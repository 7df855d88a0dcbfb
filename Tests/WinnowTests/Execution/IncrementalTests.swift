import Foundation
import XCTest
@testable import Winnow

/// Incremental pipelines over three nights: only new or changed inputs are processed, duplicates across nights are
/// kept once, a changed file supersedes its earlier documents (in the text shards, the dedup indexes and the token
/// shards), and every night is a version folder behind `latest`, with a cumulative manifest — checked against the
/// lineage tables.
final class IncrementalTests: XCTestCase {
    static let words = ["harbour", "ship", "tide", "anchor", "sail", "mast", "deck", "rope", "gull", "wave", "storm", "calm", "pier", "dock",
                        "crew", "cargo", "lantern", "compass", "chart", "keel", "hull", "oar", "net", "fish", "salt", "wind", "fog", "reef"]

    /// A document of 40 words drawn from a seed, so a copy is exact and an edit is a near-duplicate.
    static func text(_ seed: Int) -> String {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        var out: [String] = []
        for _ in 0..<40 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            out.append(words[Int(state >> 33) % words.count])
        }
        return out.joined(separator: " ") + " (\(seed))."
    }

    private func write(_ path: String, _ docs: [(String, String)]) throws {
        try writeFile(path, docs.map { jsonl($0.0, $0.1) }.joined())
    }

    private func spec(_ dir: String, extra: String = "") throws {
        try writeFile("\(dir)/spec.json", """
        {"name": "nightly", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}],
         "steps": [{"type": "length", "min_words": 5}, {"type": "exact_dedup"}, {"type": "minhash_dedup"}],
         "tokenizer": {"train": {"vocab_size": 320}},
         "output": {"dir": "out", "formats": ["jsonl", "llmc", "megatron"], "val_fraction": 0.1},
         "schedule": {"cron": "0 3 * * *", "timezone": "America/Sao_Paulo"}\(extra)}
        """)
    }

    func testThreeNightsOfNewDuplicateAndChangedInputs() throws {
        let dir = try makeTempDir(self)
        try FileManager.default.createDirectory(atPath: "\(dir)/data", withIntermediateDirectories: true)
        try spec(dir)
        let db = "\(dir)/out/lineage.db"
        func rows(_ sql: String) throws -> [[String]] { try lineageRows(db, sql) }

        // Night 1: two files.
        try write("\(dir)/data/a.jsonl", (0..<30).map { ("a\($0)", Self.text($0)) })
        try write("\(dir)/data/b.jsonl", (100..<120).map { ("b\($0)", Self.text($0)) })
        let night1 = try runSpec("\(dir)/spec.json")
        XCTAssertEqual(night1.documentsOut, 50)
        XCTAssertEqual(try String(contentsOfFile: "\(dir)/out/latest/manifest.json", encoding: .utf8).contains("\"version\": 1"), true)

        // Night 2: a new file with exact copies and near-copies of night 1's documents; a.jsonl touched (same bytes).
        var night2 = (200..<220).map { ("c\($0)", Self.text($0)) }
        night2 += (0..<4).map { ("copy\($0)", Self.text($0)) }
        night2 += (100..<103).map { ("near\($0)", Self.text($0).replacingOccurrences(of: " (\($0)).", with: " and a gull (\($0)).")) }
        try write("\(dir)/data/c.jsonl", night2)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: "\(dir)/data/a.jsonl")
        let second = try runSpec("\(dir)/spec.json")
        XCTAssertEqual(second.documentsIn, 27, "only c.jsonl is read")
        XCTAssertEqual(second.documentsOut, 20)
        XCTAssertEqual(try rows("select input, change from inputs where run_id = '\(second.runID)' order by input"),
                       [["data/a.jsonl", "touched"], ["data/c.jsonl", "new"]])
        XCTAssertEqual(try rows("select doc_id, reason, dup_of from documents where run_id = '\(second.runID)' and status = 'dropped' order by doc_id"),
                       [["copy0", "duplicate", "a0"], ["copy1", "duplicate", "a1"], ["copy2", "duplicate", "a2"], ["copy3", "duplicate", "a3"],
                        ["near100", "near_duplicate", "b100"], ["near101", "near_duplicate", "b101"], ["near102", "near_duplicate", "b102"]])

        // Nothing new: no version, dataset unchanged. A touched file is hashed once: the next run knows its new time.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(120)], ofItemAtPath: "\(dir)/data/c.jsonl")
        let idle = try runSpec("\(dir)/spec.json")
        XCTAssertEqual(idle.documentsIn, 0)
        XCTAssertNotNil(idle.versionLine)
        XCTAssertEqual(try rows("select input, change from inputs where run_id = '\(idle.runID)'"), [["data/c.jsonl", "touched"]])
        let idleAgain = try runSpec("\(dir)/spec.json")
        XCTAssertEqual(try rows("select count(*) from inputs where run_id = '\(idleAgain.runID)'"), [["0"]])
        XCTAssertEqual(try rows("select count(*) from dataset_versions"), [["2"]])

        // Night 3: b.jsonl changes (one document edited, one added, the rest as they were).
        var b = (100..<120).map { ("b\($0)", Self.text($0)) }
        b[5].1 = "an edited document about the harbour at night, long enough to be kept by the length step"
        b.append(("b-new", "a document that arrived on the third night, also long enough to pass the length filter here"))
        try write("\(dir)/data/b.jsonl", b)
        let third = try runSpec("\(dir)/spec.json")
        XCTAssertEqual(third.documentsIn, 21)
        XCTAssertEqual(third.documentsOut, 21, "b's documents are not duplicates of its own superseded ones")

        XCTAssertEqual(try rows("select version, series, inputs_new, inputs_changed, docs_in, docs_kept, docs_superseded, duplicates_of_earlier from version_history order by version"),
                       [["1", "1", "2", "0", "50", "50", "0", "0"], ["2", "1", "1", "0", "27", "20", "0", "7"], ["3", "1", "0", "1", "21", "21", "20", "0"]])
        XCTAssertEqual(try rows("select input, documents, earlier_run_id = '\(night1.runID)' from superseded_inputs"), [["data/b.jsonl", "20", "1"]])
        // The dataset: night 1's a (30), night 2's new (20), night 3's b (21); each text once.
        XCTAssertEqual(try rows("select version, count(*) from dataset_documents group by version order by version"), [["1", "30"], ["2", "20"], ["3", "21"]])
        XCTAssertEqual(try rows("select count(*), count(distinct doc_id) from dataset_documents"), [["71", "71"]])
        XCTAssertEqual(try rows("select count(*) from dataset_documents where doc_id like 'b%' and version < 3"), [["0"]])

        // Files: versions behind latest, a cumulative manifest whose shards exist with their checksums.
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: "\(dir)/out/latest"), "versions/v000003")
        let m = try JSONParser.parse(readFileBytes("\(dir)/out/manifest.json"))
        XCTAssertEqual(m["documents"]?.intValue, 71)
        XCTAssertEqual(m["versions"]?.arrayValue?.map { $0["superseded_documents"]?.intValue ?? -1 }, [20, 0, 0])
        var texts = 0
        for s in m["shards"]?.arrayValue ?? [] {
            let path = "\(dir)/out/\(s["path"]!.stringValue!)"
            XCTAssertEqual(SHA256.hash(try readFileBytes(path)).hex, s["sha256"]?.stringValue, path)
            texts += try readText(path).split(separator: "\n").count
        }
        XCTAssertEqual(texts, 71)
        // Token shards: version 1's were rewritten without b's documents; every listed file exists with its checksum.
        let tokenShards = m["tokens"]?["shards"]?.arrayValue ?? []
        XCTAssertTrue(tokenShards.contains { $0["version"]?.intValue == 1 && $0["rewritten"]?.boolValue == true })
        var trainDocs = 0
        for s in tokenShards {
            for f in s["files"]?.arrayValue ?? [] {
                let path = "\(dir)/out/\(f["path"]!.stringValue!)"
                XCTAssertEqual(SHA256.hash(try readFileBytes(path)).hex, f["sha256"]?.stringValue, path)
            }
            if s["format"]?.stringValue == "llmc" { trainDocs += s["documents"]?.intValue ?? 0 }
        }
        XCTAssertEqual(trainDocs, 71)
        XCTAssertEqual(m["tokens"]?["tokenizer"]?["file"]?.stringValue, "versions/v000001/tokenizer.json", "one tokenizer for the series")
        // The rewritten llm.c shard holds exactly version 1's a-documents, token for token.
        let rewritten = tokenShards.first { $0["version"]?.intValue == 1 && $0["format"]?.stringValue == "llmc" && $0["split"]?.stringValue == "train" }!
        let bin = try readFileBytes("\(dir)/out/\(rewritten["files"]!.arrayValue![0]["path"]!.stringValue!)")
        let n = bin[8..<12].withUnsafeBytes { Int(Int32(littleEndian: $0.loadUnaligned(as: Int32.self))) }
        XCTAssertEqual(n, rewritten["tokens"]?.intValue)
        XCTAssertEqual(bin.count, 1024 + 2 * n)
        let expectedTokens = try rows("""
            select sum(dt.tokens + 1) from document_tokens dt join documents d on d.run_id = dt.run_id and d.doc_id = dt.doc_id
            where dt.run_id = '\(night1.runID)' and dt.split = 'train' and d.input = 'data/a.jsonl'
            """)
        XCTAssertEqual(expectedTokens, [[String(n)]])

        // `winnow shards inspect` reads the cumulative manifest like a run's own: every file, header and count.
        let report = try ShardInspector(dir: "\(dir)/out").inspect()
        XCTAssertEqual(report.problems, [])

        // Training on the cumulative dataset, with per-source validation loss from the versions' lineage.
        var c = TrainConfig()
        c.layers = 1; c.heads = 2; c.dModel = 16; c.context = 16; c.batchSize = 2; c.steps = 2; c.threads = 1; c.evalEvery = 1; c.evalBatches = 2
        let training = try TrainingRun(dir: "\(dir)/out", config: c)
        let eval = try XCTUnwrap(training.evaluate())
        XCTAssertEqual(Set(eval.1.keys), ["web"])
    }

    /// A changed spec starts a new series (everything is new to it); `--continue` adds to the current one.
    func testSpecChangeStartsANewSeriesUnlessContinued() throws {
        let dir = try makeTempDir(self)
        try FileManager.default.createDirectory(atPath: "\(dir)/data", withIntermediateDirectories: true)
        try write("\(dir)/data/a.jsonl", (0..<10).map { ("a\($0)", Self.text($0)) })
        try spec(dir)
        try runSpec("\(dir)/spec.json")
        try spec(dir, extra: #", "seed": 7"#)
        var o = RunOptions(); o.workers = 2; o.continueSeries = true
        let continued = try Executor(pipeline: try PipelineLoader.load("\(dir)/spec.json"), options: o).run()
        XCTAssertEqual(continued.documentsIn, 0, "--continue: a.jsonl was processed by the series already")
        let fresh = try runSpec("\(dir)/spec.json")
        XCTAssertEqual(fresh.documentsIn, 10)
        let db = "\(dir)/out/lineage.db"
        XCTAssertEqual(try lineageRows(db, "select version, series from dataset_versions order by version"), [["1", "1"], ["2", "2"]])
        let m = try JSONParser.parse(readFileBytes("\(dir)/out/manifest.json"))
        XCTAssertEqual(m["series"]?.intValue, 2)
        XCTAssertEqual(m["documents"]?.intValue, 10, "the cumulative manifest lists only the new series")
    }

    /// Editing `schedule`, `train` or `description` keeps the spec's identity: no new series.
    func testScheduleEditsKeepTheSeries() throws {
        let dir = try makeTempDir(self)
        try FileManager.default.createDirectory(atPath: "\(dir)/data", withIntermediateDirectories: true)
        try write("\(dir)/data/a.jsonl", (0..<5).map { ("a\($0)", Self.text($0)) })
        try spec(dir)
        let before = try PipelineLoader.load("\(dir)/spec.json").sha256
        try writeFile("\(dir)/spec.json", try readText("\(dir)/spec.json").replacingOccurrences(of: "0 3 * * *", with: "30 4 * * 1-5"))
        XCTAssertEqual(try PipelineLoader.load("\(dir)/spec.json").sha256, before)
    }
}

extension IncrementalTests {
    /// An input reached through a symbolic link is identified by the file it names (size, time, bytes), so a change
    /// of that file is seen through the link. (Inputs were once sized by the link itself.)
    func testSymlinkedInputsAreIdentifiedByTheirTarget() throws {
        let dir = try makeTempDir(self)
        try FileManager.default.createDirectory(atPath: "\(dir)/data", withIntermediateDirectories: true)
        try write("\(dir)/real.jsonl", (0..<6).map { ("r\($0)", Self.text($0)) })
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/data/a.jsonl", withDestinationPath: "\(dir)/real.jsonl")
        try spec(dir)
        try runSpec("\(dir)/spec.json")
        let size = try FileManager.default.attributesOfItem(atPath: "\(dir)/real.jsonl")[.size] as! NSNumber
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select size from inputs"), [[size.stringValue]])
        try write("\(dir)/real.jsonl", (0..<7).map { ("r\($0)", Self.text($0)) })
        let again = try runSpec("\(dir)/spec.json")
        XCTAssertEqual(again.documentsIn, 7)
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select change from inputs where run_id = '\(again.runID)'"), [["changed"]])
    }
}

extension IncrementalTests {
    /// Without per-document rows a changed input could not be superseded: the run refuses, saying why.
    func testIncrementalRunsNeedDocumentLineage() throws {
        let dir = try makeTempDir(self)
        try FileManager.default.createDirectory(atPath: "\(dir)/data", withIntermediateDirectories: true)
        try write("\(dir)/data/a.jsonl", [("a", Self.text(1))])
        try spec(dir)
        XCTAssertThrowsError(try runSpec("\(dir)/spec.json", recordDocuments: false)) { e in
            XCTAssertTrue("\(e)".contains("needs per-document lineage"), "\(e)")
        }
    }
}
