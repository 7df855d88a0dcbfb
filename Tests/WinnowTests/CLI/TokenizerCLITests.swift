import Foundation
import XCTest
@testable import Winnow

/// `winnow tokenizer train|encode|decode` and `winnow shards inspect` as a user types them.
final class TokenizerCLITests: XCTestCase {
    func testTrainEncodeDecodeRoundTrip() throws {
        let dir = try makeTempDir(self)
        let texts = ["The quick brown fox jumps over the lazy dog.", "Olá, coração! 日本語のテキスト 🎉", "It's what they're doing."]
        try writeFile("\(dir)/docs.jsonl", String(repeating: texts.map { jsonl("x", $0) }.joined(), count: 20))
        let train = try CLI.run(["tokenizer", "train", "\(dir)/docs.jsonl", "--vocab-size", "300", "-o", "\(dir)/tok.json"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("60 texts"), train.stderr)
        XCTAssertEqual(try TokenizerFile.load("\(dir)/tok.json").vocabularySize, 300)

        let lines = texts.joined(separator: "\n") + "\n"
        try writeFile("\(dir)/in.txt", Array(lines.utf8) + [0x61, 0xFF, 0xFE, 0x62, 0x0A])   // and a line of invalid UTF-8
        let enc = try CLI.run(["tokenizer", "encode", "\(dir)/tok.json", "\(dir)/in.txt"])
        XCTAssertEqual(enc.status, 0, enc.stderr)
        let arrays = enc.stdout.split(separator: "\n")
        XCTAssertEqual(arrays.count, 4)
        XCTAssertTrue(arrays.allSatisfy { $0.hasPrefix("[") && $0.hasSuffix("]") })
        try writeFile("\(dir)/ids.txt", enc.stdout)
        let p = try CLI.start(["tokenizer", "decode", "\(dir)/tok.json", "\(dir)/ids.txt"])
        let decoded = [UInt8](p.stdout.fileHandleForReading.readDataToEndOfFile())
        p.process.waitUntilExit()
        XCTAssertEqual(p.process.terminationStatus, 0)
        XCTAssertEqual(decoded, try readFileBytes("\(dir)/in.txt"))          // the exact bytes, invalid UTF-8 included

        try writeFile("\(dir)/bad.txt", "[1, 2, 999999]\n")
        let bad = try CLI.run(["tokenizer", "decode", "\(dir)/tok.json", "\(dir)/bad.txt"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("bad.txt:1"), bad.stderr)
    }

    func testShardsInspectFindsACorruptedShard() throws {
        let dir = try makeTempDir(self)
        let data = "\(repoRoot)/examples/data"
        try writeFile("\(dir)/spec.json", """
        {"name": "t", "sources": [{"name": "web", "paths": ["\(data)/web/*.jsonl.gz"]}],
         "tokenizer": {"train": {"vocab_size": 600}}, "output": {"dir": "out", "formats": ["jsonl", "llmc", "megatron"]}}
        """)
        XCTAssertEqual(try CLI.run(["run", "\(dir)/spec.json", "--quiet"]).status, 0)
        let ok = try CLI.run(["shards", "inspect", "\(dir)/out"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("ok: every check passed"), ok.stdout)
        XCTAssertTrue(ok.stdout.contains("sample (first document"), ok.stdout)
        // Flip one token in the llm.c shard.
        let path = "\(dir)/out/llmc/train_000000.bin"
        var bytes = try readFileBytes(path)
        bytes[1024 + 10] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let broken = try CLI.run(["shards", "inspect", "\(dir)/out"])
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.stderr.contains("llmc/train_000000.bin: SHA-256 differs"), broken.stderr)
        XCTAssertTrue(broken.stderr.contains("tokens differ from the other format"), broken.stderr)
    }
}

/// `winnow ablate` as a user types it: two specs sharing a tokenizer file, a tiny model, a shared held-out set.
final class AblateCLITests: XCTestCase {
    func testAblateTrainsBothAndComparesOnOneHeldOutSet() throws {
        let dir = try makeTempDir(self)
        let data = "\(repoRoot)/examples/data"
        let tok = "\(repoRoot)/Tests/WinnowTests/Fixtures/tokenizer/hf_tokenizer.json"
        for (name, steps) in [("raw", "[]"), ("clean", #"[{"type": "length", "min_chars": 60, "min_words": 8}]"#)] {
            try writeFile("\(dir)/\(name).json", """
            {"name": "\(name)", "sources": [{"name": "web", "paths": ["\(data)/web/*.jsonl.gz"]}], "steps": \(steps),
             "tokenizer": {"file": "\(tok)"}, "output": {"dir": "out-\(name)", "formats": ["llmc"], "val_fraction": 0.2}}
            """)
        }
        try writeFile("\(dir)/train.json", #"{"layers": 1, "heads": 1, "d_model": 16, "context": 16, "batch_size": 2, "warmup_steps": 2}"#)
        let r = try CLI.run(["ablate", "\(dir)/raw.json", "\(dir)/clean.json", "--tokens", "640", "--config", "\(dir)/train.json", "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("raw.json") && r.stdout.contains("clean.json") && r.stdout.contains("held-out loss"), r.stdout)
        XCTAssertTrue(r.stdout.contains("difference (B − A)"), r.stdout)
        XCTAssertEqual(r.stdout.components(separatedBy: "  20  ").count - 1, 2, r.stdout)   // 640 / (2 × 16) = 20 steps each
        // Each side's curve is in its own run's lineage, naming the other; the report of either run draws both.
        for (me, other) in [("raw", "clean"), ("clean", "raw")] {
            let db = "\(dir)/out-\(me)/lineage.db"
            let row = try lineageRows(db, "select json_extract(ablation, '$.other_train_id'), json_extract(ablation, '$.other_lineage'), (select count(*) from train_metrics m where m.train_id = t.train_id and m.source is null) from train_runs t")
            XCTAssertEqual(row.count, 1)
            XCTAssertTrue(row[0][1].hasSuffix("out-\(other)/lineage.db"), "\(row)")
            XCTAssertEqual(row[0][2], "20")
            XCTAssertEqual(try lineageRows(row[0][1], "select count(*) from train_metrics where train_id = '\(row[0][0])' and source is null"), [["20"]])
            let rep = try CLI.run(["report", "--db", db, "-o", "\(dir)/\(me).html"])
            XCTAssertEqual(rep.status, 0, rep.stderr)
            let html = try readText("\(dir)/\(me).html")
            XCTAssertTrue(html.contains("Ablation: \(dir)/\(me).json against \(dir)/\(other).json"), "the ablation figure")
        }
        // Different tokenizers are refused.
        try writeFile("\(dir)/other.json", """
        {"name": "other", "sources": [{"name": "web", "paths": ["\(data)/web/*.jsonl.gz"]}],
         "tokenizer": {"train": {"vocab_size": 400}}, "output": {"dir": "out-other", "formats": ["llmc"], "val_fraction": 0.2}}
        """)
        let bad = try CLI.run(["ablate", "\(dir)/raw.json", "\(dir)/other.json", "--tokens", "640", "--config", "\(dir)/train.json"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("different tokenizers"), bad.stderr)
    }
}
