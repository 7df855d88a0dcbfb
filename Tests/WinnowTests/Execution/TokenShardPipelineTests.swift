import Foundation
import XCTest
@testable import Winnow

/// Runs that end in token shards: the tokenizer trained or loaded, llm.c and Megatron shards that pass the
/// inspector, lineage that places every kept document, determinism across worker counts, and resume.
final class TokenShardPipelineTests: XCTestCase {
    private func spec(in dir: String, tokenizer: String = #"{"train": {"vocab_size": 1200}}"#, output: String = "") throws -> String {
        let data = "\(repoRoot)/examples/data"
        try writeFile("\(dir)/spec.json", """
        {"name": "tokens", "seed": 3, "sources": [
          {"name": "web", "paths": ["\(data)/web/*.jsonl.gz"]},
          {"name": "forum", "paths": ["\(data)/forum/*.jsonl.zst"], "text_field": "body", "id_field": "post_id"}],
         "steps": [{"type": "length", "min_chars": 60, "min_words": 8}, {"type": "exact_dedup"}],
         "tokenizer": \(tokenizer),
         "output": {"dir": "out", "formats": ["jsonl", "llmc", "megatron"], "shard_docs": 100, "shard_tokens": 6000, "val_fraction": 0.1\(output)}}
        """)
        return "\(dir)/spec.json"
    }

    func testShardsPassInspectionAndLineagePlacesEveryKeptDocument() throws {
        let dir = try makeTempDir(self)
        try runSpec(try spec(in: dir))
        let out = "\(dir)/out"
        let report = try ShardInspector(dir: out).inspect()
        XCTAssertEqual(report.problems, [])
        XCTAssertNotNil(report.sample)
        let db = "\(out)/lineage.db"
        let kept = try lineageRows(db, "select count(*) from documents where status = 'kept'")[0][0]
        XCTAssertEqual(try lineageRows(db, "select count(*) from document_tokens")[0][0], kept)
        // Several train shards (shard_tokens 6000), a validation split of about a tenth.
        let shards = try lineageRows(db, "select split, count(*) from token_shards where format = 'llmc' group by split order by split")
        XCTAssertEqual(shards.map { $0[0] }, ["train", "val"])
        XCTAssertGreaterThan(Int(shards[0][1])!, 3)
        let val = Int(try lineageRows(db, "select count(*) from document_tokens where split = 'val'")[0][0])!
        XCTAssertTrue((10...40).contains(val), "\(val) of \(kept) in val")
        // `where shard = 2` lists the documents of train shard 2, in order, and the offsets add up.
        let rows = try lineageRows(db, "select sequence, token_offset, tokens from document_tokens where split = 'train' and shard = 2 order by sequence")
        XCTAssertEqual(rows.map { Int($0[0])! }, Array(0..<rows.count))
        var offset = 1
        for r in rows { XCTAssertEqual(Int(r[1])!, offset); offset += Int(r[2])! + 1 }
        let shardTokens = try lineageRows(db, "select tokens from token_shards where format = 'megatron' and split = 'train' and shard = 2")[0][0]
        XCTAssertEqual(offset - 1, Int(shardTokens)!)
        // The manifest's per-source tokens agree with the view (the view leaves end-of-text tokens out).
        let manifest = try JSONParser.parse(readFileBytes("\(out)/manifest.json"))
        let webTrain = manifest["tokens"]?["splits"]?["train"]?["tokens_per_source"]?["web"]?.intValue
        let view = try lineageRows(db, "select tokens + documents from token_counts where source = 'web' and split = 'train'")[0][0]
        XCTAssertEqual(webTrain, Int(view))
        XCTAssertEqual(manifest["tokens"]?["tokenizer"]?["vocab_size"]?.intValue, try TokenizerFile.load("\(out)/tokenizer.json").vocabularySize)
    }

    func testSameSpecGivesByteIdenticalTokenShardsWithAnyWorkerCount() throws {
        var digests: [String] = []
        for workers in [1, 2] {
            let dir = try makeTempDir(self, "det\(workers)")
            try runSpec(try spec(in: dir), workers: workers)
            let m = try JSONParser.parse(readFileBytes("\(dir)/out/manifest.json"))
            digests.append(JSONWriter.compact(m["tokens"]!))
        }
        XCTAssertEqual(digests[0], digests[1])
    }

    func testTokenizerFromAFileIsUsedAndCopied() throws {
        let dir = try makeTempDir(self)
        let file = "\(repoRoot)/Tests/WinnowTests/Fixtures/tokenizer/hf_tokenizer.json"
        try runSpec(try spec(in: dir, tokenizer: #"{"file": "\#(file)"}"#))
        XCTAssertEqual(try TokenizerFile.load("\(dir)/out/tokenizer.json").fingerprint, try TokenizerFile.load(file).fingerprint)
        XCTAssertEqual(try ShardInspector(dir: "\(dir)/out").inspect().problems, [])
    }

    /// Killed while encoding: the next start resumes, keeps the finished encode tasks, and writes the same
    /// token shards and one lineage row per document.
    func testAKilledTokenPhaseResumesToTheSameShards() throws {
        let dir = try makeTempDir(self)
        let path = try spec(in: dir)
        let clean = try CLI.run(["run", path, "--quiet", "--workers", "2"])
        XCTAssertEqual(clean.status, 0, clean.stderr)
        func tokenFiles() throws -> [String: [UInt8]] {
            var out: [String: [UInt8]] = [:]
            for f in ["llmc", "megatron"] {
                for name in try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out/\(f)") { out["\(f)/\(name)"] = try readFileBytes("\(dir)/out/\(f)/\(name)") }
            }
            out["tokenizer.json"] = try readFileBytes("\(dir)/out/tokenizer.json")
            return out
        }
        let expected = try tokenFiles()
        let db = "\(dir)/out/lineage.db"
        let cleanRun = try lineageRows(db, "select run_id from runs")[0][0]

        let p = try CLI.start(["run", path, "--workers", "1", "--fresh"], env: ["WINNOW_TEST_TASK_DELAY_MS": "300"])
        func encodedSoFar(_ seen: String) -> Int { (seen.components(separatedBy: "tokenizer: training").dropFirst().first ?? "").components(separatedBy: "task finished").count - 1 }
        let seen = p.read(until: { encodedSoFar($0) >= 1 }, thenSend: SIGKILL)
        let killed = try lineageRows(db, "select run_id from runs where run_id != '\(cleanRun)'")[0][0]
        let encoded = Int(try lineageRows(db, "select count(*) from run_tasks where run_id = '\(killed)' and task like 'tokens/encode/%'")[0][0])!
        XCTAssertGreaterThanOrEqual(encoded, 1, seen)
        XCTAssertEqual(try lineageRows(db, "select count(*) from run_tasks where run_id = '\(killed)' and task = 'tokens/write'"), [["0"]])

        let resumed = try CLI.run(["run", path, "--workers", "2"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming run \(killed)"), resumed.stderr)
        XCTAssertEqual(try tokenFiles(), expected)
        let cols = "source, doc_id, split, shard, sequence, token_offset, tokens"
        XCTAssertEqual(try lineageRows(db, "select \(cols) from document_tokens where run_id = '\(killed)' order by split, shard, sequence"),
                       try lineageRows(db, "select \(cols) from document_tokens where run_id = '\(cleanRun)' order by split, shard, sequence"))
        XCTAssertEqual(try ShardInspector(dir: "\(dir)/out").inspect().problems, [])
    }

    func testSpecChecks() throws {
        let dir = try makeTempDir(self)
        let data = "\(repoRoot)/examples/data"
        try writeFile("\(dir)/a.json", #"{"name": "t", "sources": [{"name": "w", "paths": ["\#(data)/web/*.jsonl.gz"]}], "output": {"dir": "o", "formats": ["llmc"]}}"#)
        XCTAssertThrowsError(try PipelineLoader.load("\(dir)/a.json")) { XCTAssertTrue("\($0)".contains("need a \"tokenizer\""), "\($0)") }
        try writeFile("\(dir)/b.json", #"{"name": "t", "sources": [{"name": "w", "paths": ["\#(data)/web/*.jsonl.gz"]}], "tokenizer": {"train": {"special_tokens": ["<s>"]}}, "output": {"dir": "o", "formats": ["megatron"]}}"#)
        XCTAssertThrowsError(try PipelineLoader.load("\(dir)/b.json")) { XCTAssertTrue("\($0)".contains("end_of_text"), "\($0)") }
    }
}
