import ArgumentParser
import Foundation
import Winnow

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a small GPT on a run's llm.c token shards, in manifest order (so a curriculum holds), with validation loss overall and per source.")

    @Argument(help: "A run's output folder (manifest.json, llmc/ shards), or the pipeline spec that wrote it.") var target: String
    @Option(help: "A train.json with any of the settings below (it overrides the spec's \"train\" block; flags override both).") var config: String?
    @Option var layers: Int?
    @Option var heads: Int?
    @Option(help: "Model width (channels).") var dModel: Int?
    @Option(help: "Context length in tokens.") var context: Int?
    @Option var batchSize: Int?
    @Option(help: "Steps to run (default: max_tokens / (batch_size × context), else 200).") var steps: Int?
    @Option var maxTokens: Int?
    @Option var learningRate: Float?
    @Option var minLearningRate: Float?
    @Option var warmupSteps: Int?
    @Option var weightDecay: Float?
    @Option var gradClip: Float?
    @Option(help: "Evaluate (and checkpoint) every N steps.") var evalEvery: Int?
    @Option var evalBatches: Int?
    @Option var threads: Int?
    @Option var seed: Int?
    @Option(help: "Checkpoint file (default: DIR/model.ckpt).") var checkpoint: String?
    @Option(help: "Continue from this checkpoint, bit for bit as if never stopped.") var resume: String?
    @Flag(help: "Read the training shards in a seeded random order (ablates a curriculum).") var shuffleBuckets = false
    @Flag(help: "Print a last line {steps, tokens_per_second, train_loss, val_loss, checkpoint} as JSON.") var json = false
    @Flag(help: "No progress lines.") var quiet = false

    func run() throws {
        let (dir, settings) = try TrainSettings.resolve(target: target, configFile: config)
        var c = settings
        if let layers { c.layers = layers }; if let heads { c.heads = heads }; if let dModel { c.dModel = dModel }
        if let context { c.context = context }; if let batchSize { c.batchSize = batchSize }; if let steps { c.steps = steps }
        if let maxTokens { c.maxTokens = maxTokens }; if let learningRate { c.learningRate = learningRate }
        if let minLearningRate { c.minLearningRate = minLearningRate }; if let warmupSteps { c.warmupSteps = warmupSteps }
        if let weightDecay { c.weightDecay = weightDecay }; if let gradClip { c.gradClip = gradClip }; if let evalEvery { c.evalEvery = evalEvery }
        if let evalBatches { c.evalBatches = evalBatches }; if let threads { c.threads = threads }; if let seed { c.seed = seed }
        let resumed = try resume.map { try Checkpoint.read($0) }
        let session = try TrainingRun(dir: dir, config: c, resume: resumed, shuffleBuckets: shuffleBuckets,
                                      log: { line in if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) } })
        let metrics = try TrainMetrics(dir: dir, config: session.config)
        let path = checkpoint ?? (dir as NSString).appendingPathComponent("model.ckpt")
        if !quiet {
            warn("model: \(session.model.config.parameterCount) parameters (\(session.config.layers) layers, \(session.config.heads) heads, d_model \(session.config.dModel), context \(session.config.context), vocabulary \(session.model.config.vocabSize)); \(session.config.totalSteps) steps of \(session.config.batchSize * session.config.context) tokens")
        }
        let summary = try session.run(checkpoint: path, metrics: metrics)
        try session.save(path)      // also when no evaluation fell on the last step (or --steps 0: the initial weights)
        try metrics?.finish(summary)
        if json { print(summary.json()) } else {
            print(String(format: "trained %d steps: train loss %.4f, val loss %@, median %.0f tokens/s; checkpoint %@", summary.steps, summary.trainLoss,
                         summary.valLoss.map { String(format: "%.4f", $0) } ?? "—", summary.tokensPerSecond, path))
            if let id = metrics?.trainID { print("loss curve: winnow lineage --db \(dir)/lineage.db \"select step, train_loss, val_loss from train_metrics where train_id = '\(id)' and source is null\"") }
        }
    }
}
