import ArgumentParser
import Foundation
import Winnow

struct AblateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ablate",
        abstract: "Train the same small model on two pipelines' outputs with the same token budget and seed, and compare their loss on one shared held-out set (both must use the same tokenizer: set tokenizer.file).")

    @Argument(help: "The first pipeline spec.") var specA: String
    @Argument(help: "The second pipeline spec.") var specB: String
    @Option(help: "Training tokens for each model.") var tokens = 200_000
    @Option(help: "A train.json for the model and optimizer (flags of winnow train not given here keep its defaults).") var config: String?
    @Option(help: "Held-out JSONL (text field) to evaluate both on; default: both runs' validation splits together.") var heldout: String?
    @Option(name: .customLong("threads"), help: "Threads of each training run (default: all cores).") var threadCount: Int?
    var threads: Int { threadCount ?? ProcessInfo.processInfo.activeProcessorCount }
    @Option(help: "Seed of both models' initial weights and data order.") var seed = 1

    func run() throws {
        var c = try TrainSettings.merged(configFile: config)
        c.maxTokens = tokens; c.steps = nil; c.threads = threads; c.seed = seed; c.evalEvery = Int.max
        var dirs: [String] = []
        for spec in [specA, specB] {
            let p = try PipelineLoader.load(spec)
            if !FileManager.default.fileExists(atPath: (p.outputDir as NSString).appendingPathComponent("manifest.json")) {
                warn("running \(spec) first")
                var o = RunOptions(); o.workers = threads
                _ = try Executor(pipeline: p, options: o).run()
            }
            dirs.append(p.outputDir)
        }
        let manifests = try dirs.map { try JSONParser.parse(Array(Data(contentsOf: URL(fileURLWithPath: ($0 as NSString).appendingPathComponent("manifest.json"))))) }
        let shas = manifests.map { $0["tokens"]?["tokenizer"]?["sha256"]?.stringValue }
        guard let sha = shas[0], shas[1] == sha else {
            throw fail("the two runs use different tokenizers (or none): losses would not be comparable; give both specs the same tokenizer.file")
        }
        _ = sha
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
        guard held.count > c.context + 1 else { throw fail("the held-out set has \(held.count) tokens; give --heldout or a val_fraction in the specs") }
        var results: [(String, TrainingRun.Summary, Float)] = []
        for (spec, dir) in zip([specA, specB], dirs) {
            let run = try TrainingRun(dir: dir, config: c, log: { _ in })
            warn("training on \(spec): \(run.config.totalSteps) steps")
            let summary = try run.run(checkpoint: nil)
            results.append((spec, summary, run.loss(on: held)))
        }
        print(TextTable.render(header: ["spec", "steps", "train loss", "held-out loss", "tokens/s"], rows: results.map { r in
            [r.0, String(r.1.steps), String(format: "%.4f", r.1.trainLoss), String(format: "%.4f", r.2), String(format: "%.0f", r.1.tokensPerSecond)]
        }), terminator: "")
        print(String(format: "held-out: %d tokens; difference (B − A): %+.4f", held.count, results[1].2 - results[0].2))
    }
}
