import Foundation

/// `winnow ablate`: the same small model trained on two pipelines' outputs with the same token budget and seed,
/// and both evaluated on one shared held-out set. A pipeline without output is run first.
public struct Ablation {
    public struct Failure: Error, CustomStringConvertible { public let description: String }

    /// One side: the spec, its training summary and its loss on the shared held-out set.
    public struct Side { public let spec: String; public let summary: TrainingRun.Summary; public let heldoutLoss: Float }

    public var specs: (String, String)
    public var tokens: Int
    public var configFile: String?
    /// Held-out JSONL (its `text` field); nil: both runs' validation splits together.
    public var heldout: String?
    public var threads: Int
    public var seed: Int

    public init(specs: (String, String), tokens: Int, configFile: String?, heldout: String?, threads: Int, seed: Int) {
        self.specs = specs; self.tokens = tokens; self.configFile = configFile; self.heldout = heldout; self.threads = threads; self.seed = seed
    }

    /// Trains both models and returns both sides and the held-out set's size in tokens.
    public func run(log: (String) -> Void) throws -> (sides: [Side], heldoutTokens: Int) {
        var c = try TrainSettings.merged(configFile: configFile)
        c.maxTokens = tokens; c.steps = nil; c.threads = threads; c.seed = seed; c.evalEvery = Int.max
        let names = [specs.0, specs.1]
        var dirs: [String] = []
        for spec in names {
            let p = try PipelineLoader.load(spec)
            if !FileManager.default.fileExists(atPath: (p.outputDir as NSString).appendingPathComponent("manifest.json")) {
                log("running \(spec) first")
                var o = RunOptions(); o.workers = threads
                _ = try Executor(pipeline: p, options: o).run()
            }
            dirs.append(p.outputDir)
        }
        let manifests = try dirs.map { try JSONParser.parse(readFileBytes(($0 as NSString).appendingPathComponent("manifest.json"))) }
        let shas = manifests.map { $0["tokens"]?["tokenizer"]?["sha256"]?.stringValue }
        guard shas[0] != nil, shas[1] == shas[0] else {
            throw Failure(description: "the two runs use different tokenizers (or none): losses would not be comparable; give both specs the same tokenizer.file")
        }
        // The shared held-out token stream.
        let tokenizer = try TokenizerFile.load((dirs[0] as NSString).appendingPathComponent("tokenizer.json"))
        var held: [Int32] = []
        if let heldout {
            var enc = BPEEncoder(model: tokenizer)
            let eot = tokenizer.specialID("<|endoftext|>") ?? 0
            try JSONLTexts.forEachText(heldout) { held.append(eot); held += enc.encode($0) }
        } else {
            for d in dirs { if let s = try? TokenStream(dir: d, split: "val") { held += s.next(s.totalTokens, advance: 0) } }
        }
        guard held.count > c.context + 1 else { throw Failure(description: "the held-out set has \(held.count) tokens; give --heldout or a val_fraction in the specs") }
        var sides: [Side] = []
        var recorded: [TrainMetrics?] = []
        for (spec, dir) in zip(names, dirs) {
            let run = try TrainingRun(dir: dir, config: c, log: { _ in })
            log("training on \(spec): \(run.config.totalSteps) steps")
            // Each side's curve goes into its own run's lineage, so `winnow report` of either run draws both.
            let metrics = try TrainMetrics(dir: dir, config: run.config)
            let summary = try run.run(checkpoint: nil, metrics: metrics)
            try metrics?.finish(summary)
            recorded.append(metrics)
            sides.append(Side(spec: spec, summary: summary, heldoutLoss: run.loss(on: held)))
        }
        for k in 0..<2 {
            guard let mine = recorded[k], let other = recorded[1 - k] else { continue }
            try mine.markAblation(JSONObject([("spec", .string(names[k])), ("other_spec", .string(names[1 - k])),
                                              ("other_lineage", .string(URL(fileURLWithPath: (dirs[1 - k] as NSString).appendingPathComponent("lineage.db")).standardizedFileURL.path)),
                                              ("other_train_id", .string(other.trainID)), ("tokens", .number(Double(tokens))), ("heldout_tokens", .number(Double(held.count))),
                                              ("heldout_loss", .number(Double(sides[k].heldoutLoss))), ("other_heldout_loss", .number(Double(sides[1 - k].heldoutLoss)))]))
        }
        return (sides, held.count)
    }
}
