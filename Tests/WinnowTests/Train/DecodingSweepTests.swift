import Foundation
import XCTest
@testable import Winnow

/// `winnow sample --sweep` (issue 26): on a tiny trained model, greedy is the least varied setting, and a higher
/// temperature gives more varied text that the model itself finds less likely; the metrics on hand-made cases.
final class DecodingSweepTests: XCTestCase {
    func testSweepOnATinyModelOrdersGreedyAndTemperatures() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/spec.json", """
        {"name": "s", "sources": [{"name": "web", "paths": ["\(repoRoot)/examples/data/web/*.jsonl.gz"]}],
         "tokenizer": {"train": {"vocab_size": 300}}, "output": {"dir": "out", "formats": ["jsonl", "llmc"], "val_fraction": 0.2}}
        """)
        try runSpec("\(dir)/spec.json")
        let t = try CLI.run(["train", "\(dir)/out", "--steps", "120", "--layers", "1", "--heads", "2", "--d-model", "32", "--context", "32",
                             "--batch-size", "4", "--learning-rate", "0.01", "--threads", "2", "--quiet"])
        XCTAssertEqual(t.status, 0, t.stderr)
        try writeFile("\(dir)/grid.json", """
        [{"temperature": 0}, {"temperature": 0.5}, {"temperature": 1.0}, {"temperature": 1.5, "label": "hot"}]
        """)
        let r = try CLI.run(["sample", "\(dir)/out/model.ckpt", "--sweep", "--grid", "\(dir)/grid.json", "--prompt-count", "6", "--num-samples", "4",
                             "--prompt-tokens", "8", "--max-new-tokens", "24", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONParser.parse(Array(r.stdout.utf8))
        let settings = try XCTUnwrap(json["settings"]?.arrayValue)
        XCTAssertEqual(settings.compactMap { $0["label"]?.stringValue }, ["greedy", "temperature=0.5", "temperature=1", "hot"])
        func m(_ i: Int, _ k: String) -> Double { settings[i][k]?.doubleValue ?? .nan }
        // Greedy: the lowest distinct-n, and its samples of a prompt all alike.
        for n in ["distinct_1", "distinct_2", "distinct_3"] {
            for i in 1..<4 { XCTAssertLessThan(m(0, n), m(i, n), "\(n): greedy against setting \(i)") }
        }
        XCTAssertEqual(m(0, "self_bleu"), 1, accuracy: 1e-9)
        // Hotter: more distinct n-grams, higher loss under the model itself.
        for n in ["distinct_1", "distinct_2", "distinct_3"] { XCTAssertLessThan(m(1, n), m(3, n), n) }
        XCTAssertLessThan(m(1, "own_loss"), m(2, "own_loss"))
        XCTAssertLessThan(m(2, "own_loss"), m(3, "own_loss"))
        XCTAssertLessThan(m(0, "own_loss"), m(3, "own_loss"))
        XCTAssertGreaterThan(m(1, "self_bleu"), m(3, "self_bleu"))
        XCTAssertNotNil(settings[0]["novelty"]?.doubleValue, "novelty against the training shards")
        XCTAssertGreaterThan(json["reference_loss"]?.doubleValue ?? 0, 0)
        // Recorded in the run's lineage, linked to the training run, with the frontier marked.
        let db = "\(dir)/out/lineage.db"
        XCTAssertEqual(try lineageRows(db, "select count(*), count(train_id), sum(frontier) > 0 from decoding_sweeps"), [["4", "4", "1"]])
        XCTAssertEqual(try lineageRows(db, "select setting from decoding_sweeps order by position").map { $0[0] }, ["greedy", "temperature=0.5", "temperature=1", "hot"])
        // A grid with a value out of range names the file, the setting and the range.
        try writeFile("\(dir)/bad.json", #"[{"temperature": 0.7}, {"top_p": 0}]"#)
        let bad = try CLI.run(["sample", "\(dir)/out/model.ckpt", "--sweep", "--grid", "\(dir)/bad.json"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("bad.json: setting 1: --top-p 0.0: must be in (0, 1]"), bad.stderr)
        // Sweep options without --sweep are refused.
        let stray = try CLI.run(["sample", "\(dir)/out/model.ckpt", "--json"])
        XCTAssertTrue(stray.stderr.contains("go with --sweep"), stray.stderr)
    }

    func testMetricsOnHandMadeSamples() {
        XCTAssertEqual(DecodingSweep.distinct([[1, 2, 3, 4], [1, 2, 3, 4]], n: 2), 3.0 / 6.0)
        XCTAssertEqual(DecodingSweep.distinct([[1, 2, 3, 4], [5, 6, 7, 8]], n: 1), 1)
        XCTAssertEqual(DecodingSweep.repetition([[1, 2, 3, 4, 1, 2, 3, 4]]), 1 - 4.0 / 5.0, accuracy: 1e-12)
        XCTAssertEqual(DecodingSweep.bleu([1, 2, 3, 4, 5], references: [[1, 2, 3, 4, 5]]), 1, accuracy: 1e-12)
        // No 4-gram in common (n = 1…3 all match): ε = 0.1 for the 4-gram precision, (0.1/2)^(1/4) overall.
        XCTAssertEqual(DecodingSweep.bleu([1, 2, 3, 9, 8], references: [[1, 2, 3, 7, 6]]),
                       pow(3.0 / 5 * 2.0 / 4 * 1.0 / 3 * 0.05, 0.25), accuracy: 1e-12)
        // Shorter than the reference: the brevity penalty.
        XCTAssertEqual(DecodingSweep.bleu([1, 2, 3, 4], references: [[1, 2, 3, 4, 5, 6, 7, 8]]), exp(1 - 8.0 / 4), accuracy: 1e-12)
        var results = [(0.2, 0.5), (0.5, 0.6), (0.4, 0.9), (0.8, 2.0)].enumerated().map { i, p in
            DecodingSweep.Result(setting: .init(label: "\(i)", options: DecodingOptions()), distinct: [0, p.0, 0], selfBLEU: 0, novelty: nil, ownLoss: p.1, repetition: 0)
        }
        DecodingSweep.markFrontier(&results)
        XCTAssertEqual(results.map(\.frontier), [true, true, false, true])
    }
}
