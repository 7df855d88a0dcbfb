import Foundation
import XCTest
@testable import Winnow

/// Training on a real run's shards: the loss falls, metrics land in lineage, and a resumed run is bit for bit
/// the run that never stopped.
final class TrainingTests: XCTestCase {
    private func shards() throws -> String {
        let dir = try makeTempDir(self)
        let data = "\(repoRoot)/examples/data"
        try writeFile("\(dir)/spec.json", """
        {"name": "t", "seed": 2, "sources": [{"name": "web", "paths": ["\(data)/web/*.jsonl.gz"]},
          {"name": "books", "paths": ["\(data)/books/*.txt"], "format": "text", "text_mode": "blocks"}],
         "tokenizer": {"train": {"vocab_size": 512}},
         "output": {"dir": "out", "formats": ["jsonl", "llmc"], "val_fraction": 0.1}}
        """)
        try runSpec("\(dir)/spec.json")
        return "\(dir)/out"
    }

    private func config(steps: Int) -> TrainConfig {
        var c = TrainConfig()
        c.layers = 2; c.heads = 2; c.dModel = 32; c.context = 32; c.batchSize = 4; c.steps = steps
        c.warmupSteps = 5; c.evalEvery = 10; c.evalBatches = 100; c.learningRate = 3e-3; c.threads = 2
        return c
    }

    func testLossFallsAndMetricsAreInLineage() throws {
        let dir = try shards()
        let run = try TrainingRun(dir: dir, config: config(steps: 60))
        let before = run.evaluate()!.0
        let metrics = try TrainMetrics(dir: dir, config: run.config)!
        let summary = try run.run(checkpoint: "\(dir)/m.ckpt", metrics: metrics)
        try metrics.finish(summary)
        XCTAssertEqual(summary.steps, 60)
        XCTAssertLessThan(summary.valLoss!, before - 0.5, "validation loss \(before) → \(summary.valLoss!)")
        XCTAssertEqual(Set(summary.valLossBySource.keys), ["web", "books"])
        let db = "\(dir)/lineage.db"
        XCTAssertEqual(try lineageRows(db, "select count(*) from train_metrics where source is null"), [["60"]])
        XCTAssertEqual(try lineageRows(db, "select count(*) from train_metrics where val_loss is not null and source is null"), [["6"]])
        XCTAssertEqual(try lineageRows(db, "select status, steps, data_run_id = (select run_id from runs) from train_runs"), [["finished", "60", "1"]])
        let ck = try Checkpoint.read("\(dir)/m.ckpt")
        XCTAssertEqual(ck.step, 60)
        XCTAssertTrue(ck.parameters == Array(run.model.parameters), "checkpoint parameters differ from the model's")
    }

    func testResumeIsBitForBitTheUninterruptedRun() throws {
        let dir = try shards()
        let straight = try TrainingRun(dir: dir, config: config(steps: 24))
        _ = try straight.run(checkpoint: nil)
        // The same run, stopped after its step-10 checkpoint (as a kill would leave it), then resumed.
        let first = try TrainingRun(dir: dir, config: config(steps: 24))
        _ = try first.run(checkpoint: "\(dir)/half.ckpt", until: 13)
        var other = config(steps: 24)
        other.learningRate = 99   // ignored: a resumed run keeps its checkpoint's settings, except the step budget
        let second = try TrainingRun(dir: dir, config: other, resume: try Checkpoint.read("\(dir)/half.ckpt"))
        XCTAssertEqual(second.step, 10)
        _ = try second.run(checkpoint: nil)
        XCTAssertTrue(Array(second.model.parameters) == Array(straight.model.parameters), "resumed parameters differ from the uninterrupted run's")
        XCTAssertFalse(Array(first.model.parameters) == Array(straight.model.parameters))
    }

    /// Settings come from the spec's `train` block, then a `--config` file (key by key), then flags; a typo in the
    /// file is an error naming it; the block is outside the spec's SHA-256 (editing it changes no data run).
    func testTrainBlockThenConfigFileThenFlags() throws {
        let dir = try makeTempDir(self)
        let data = "\(repoRoot)/examples/data"
        func spec(_ train: String) -> String {
            """
            {"name": "t", "description": "\(train.count)", "sources": [{"name": "web", "paths": ["\(data)/web/*.jsonl.gz"]}],
             "tokenizer": {"train": {"vocab_size": 300}}, "output": {"dir": "out", "formats": ["jsonl", "llmc"], "val_fraction": 0.1}\(train)}
            """
        }
        try writeFile("\(dir)/plain.json", spec(""))
        try writeFile("\(dir)/spec.json", spec(#", "train": {"layers": 1, "heads": 2, "d_model": 16, "context": 16, "steps": 3, "learning_rate": 0.002}"#))
        XCTAssertEqual(try PipelineLoader.load("\(dir)/plain.json").sha256, try PipelineLoader.load("\(dir)/spec.json").sha256)
        try runSpec("\(dir)/spec.json")

        for target in ["\(dir)/spec.json", "\(dir)/out"] {
            let (shardDir, c) = try TrainSettings.resolve(target: target, configFile: nil)
            XCTAssertEqual(shardDir, "\(dir)/out")
            XCTAssertEqual([c.layers, c.heads, c.dModel, c.context, c.steps], [1, 2, 16, 16, 3], target)
            XCTAssertEqual(c.learningRate, 0.002)
            XCTAssertEqual(c.batchSize, TrainConfig().batchSize)
        }
        try writeFile("\(dir)/train.json", #"{"steps": 2, "batch_size": 2}"#)
        let (_, merged) = try TrainSettings.resolve(target: "\(dir)/out", configFile: "\(dir)/train.json")
        XCTAssertEqual([merged.layers, merged.steps, merged.batchSize], [1, 2, 2])

        try writeFile("\(dir)/typo.json", #"{"lyers": 2}"#)
        XCTAssertThrowsError(try TrainSettings.resolve(target: "\(dir)/out", configFile: "\(dir)/typo.json")) { e in
            XCTAssertTrue("\(e)".contains("typo.json: /lyers: unknown key; did you mean \"layers\"?"), "\(e)")
        }
        // Through the CLI: the block's settings, one flag on top.
        let r = try CLI.run(["train", "\(dir)/spec.json", "--steps", "2", "--threads", "1", "--json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains(#""steps":2"#), r.stdout)
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select json_extract(config, '$.layers'), json_extract(config, '$.steps') from train_runs"), [["1", "2"]])
    }

    /// The perplexity step ranks text like the training data below text unlike it, and filters by threshold.
    func testPerplexityStepScoresAndFilters() throws {
        let dir = try shards()
        let run = try TrainingRun(dir: dir, config: config(steps: 80))
        _ = try run.run(checkpoint: "\(dir)/ref.ckpt")
        try run.save("\(dir)/ref.ckpt")
        func step(_ extra: String) throws -> DocumentStep {
            let spec = try JSONParser.parse(#"{"type": "perplexity", "checkpoint": "\#(dir)/ref.ckpt"\#(extra)}"#).decode(StepSpec.self)
            guard case .document(let s) = try StepRegistry.build(spec) else { throw FileError("", "not a document step") }
            return s
        }
        let annotate = try step("")
        var like = Document(id: "a", text: "The harbour needs more volunteers, as the council noted last spring.", source: "web")
        var unlike = Document(id: "b", text: "zq xv 9#@ kkkq wpf; Ω≈ç √∫˜ µ≤≥ qqqq zzzz vbvb", source: "web")
        XCTAssertEqual(annotate.apply(&like), .keep)
        XCTAssertEqual(annotate.apply(&unlike), .keep)
        func ppl(_ d: Document) -> Double { if case .number(let x) = d.annotations["perplexity"] { return x }; return .nan }
        let pLike = ppl(like), pUnlike = ppl(unlike)
        XCTAssertLessThan(pLike * 3, pUnlike, "\(pLike) vs \(pUnlike)")
        let threshold = (pLike * pUnlike).squareRoot()
        let filter = try step(#", "max_perplexity": \#(threshold)"#)
        XCTAssertEqual(filter.apply(&like), .keep)
        XCTAssertEqual(filter.apply(&unlike), .drop(reason: "perplexity_too_high"))
        XCTAssertThrowsError(try step(#", "tokenizer": "/nonexistent.json""#))
    }

    func testLearningRateScheduleAndStepBudget() {
        var c = TrainConfig()
        c.learningRate = 1e-3; c.minLearningRate = 1e-4; c.warmupSteps = 10; c.steps = 110
        XCTAssertEqual(c.learningRate(at: 0), 1e-4, accuracy: 1e-9)
        XCTAssertEqual(c.learningRate(at: 9), 1e-3, accuracy: 1e-9)
        XCTAssertEqual(c.learningRate(at: 60), 5.5e-4, accuracy: 1e-6)
        XCTAssertEqual(c.learningRate(at: 110), 1e-4, accuracy: 1e-7)
        c.steps = nil; c.maxTokens = 10_000; c.batchSize = 4; c.context = 50
        XCTAssertEqual(c.totalSteps, 50)
    }

    /// Issue 17, item 3: evaluation batches are spread over the whole validation split (which is written source by
    /// source), so with three sources each gets a validation loss by default — not only the first.
    func testValidationCoversEverySource() throws {
        let dir = try makeTempDir(self)
        let data = "\(repoRoot)/examples/data"
        try writeFile("\(dir)/spec.json", """
        {"name": "v", "seed": 2, "sources": [{"name": "web", "paths": ["\(data)/web/*.jsonl.gz"]},
          {"name": "forum", "paths": ["\(data)/forum/*.jsonl.zst"], "text_field": "body", "id_field": "post_id"},
          {"name": "books", "paths": ["\(data)/books/*.txt"], "format": "text", "text_mode": "blocks"}],
         "tokenizer": {"train": {"vocab_size": 512}},
         "output": {"dir": "out", "formats": ["jsonl", "llmc"], "val_fraction": 0.2}}
        """)
        try runSpec("\(dir)/spec.json")
        var c = TrainConfig()
        c.layers = 1; c.heads = 2; c.dModel = 16; c.context = 16; c.batchSize = 2; c.steps = 1; c.threads = 1
        XCTAssertEqual(c.evalBatches, 8, "the default")
        let run = try TrainingRun(dir: "\(dir)/out", config: c)
        let total = run.val!.totalTokens
        XCTAssertGreaterThan(total, 8 * 32, "the split holds more than eight batches, so they must be chosen")
        let starts = run.evaluationStarts
        XCTAssertEqual(starts.count, 8)
        XCTAssertGreaterThan(starts.last!, total / 2, "batches reach the end of the split: \(starts) of \(total)")
        let (_, perSource) = run.evaluate()!
        XCTAssertEqual(Set(perSource.keys), ["web", "forum", "books"])
        // Fixed by the seed: the same positions at every evaluation and in a new session.
        XCTAssertEqual(try TrainingRun(dir: "\(dir)/out", config: c).evaluationStarts, starts)
    }
}
