import ArgumentParser
import Foundation
import Winnow

struct TrainCommand: ParsableCommand {
    private static let D = TrainConfig()
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a small GPT on a run's llm.c token shards, in manifest order (so a curriculum holds), with validation loss overall and per source.")

    @Argument(help: "A run's output folder (manifest.json, llmc/ shards), or the pipeline spec that wrote it.") var target: String
    @Option(help: "A train.json with any of the settings below (it overrides the spec's \"train\" block; flags override both; default: none).") var config: String?
    @Option(help: ArgumentHelp("Transformer blocks (default: the spec's train block, else \(D.layers)).")) var layers: Int?
    @Option(help: ArgumentHelp("Attention heads (default: the spec's train block, else \(D.heads)).")) var heads: Int?
    @Option(help: ArgumentHelp("Model width in channels (default: the spec's train block, else \(D.dModel)).")) var dModel: Int?
    @Option(help: ArgumentHelp("Context length in tokens (default: the spec's train block, else \(D.context)).")) var context: Int?
    @Option(help: ArgumentHelp("Sequences per step (default: the spec's train block, else \(D.batchSize)).")) var batchSize: Int?
    @Option(help: "Steps to run (default: max_tokens / (batch_size × context), else 200).") var steps: Int?
    @Option(help: "Training tokens to read, which sets the steps (default: none; --steps or 200 steps). Not sample's --max-new-tokens.") var maxTokens: Int?
    @Option(help: ArgumentHelp("Peak learning rate after warm-up (default: \(D.learningRate)).")) var learningRate: Float?
    @Option(help: ArgumentHelp("Learning rate at the end of the cosine decay (default: \(D.minLearningRate)).")) var minLearningRate: Float?
    @Option(help: ArgumentHelp("Linear warm-up steps (default: \(D.warmupSteps)).")) var warmupSteps: Int?
    @Option(help: ArgumentHelp("AdamW weight decay, not applied to norms and biases (default: \(D.weightDecay)).")) var weightDecay: Float?
    @Option(help: ArgumentHelp("Clip the gradient's global norm to this (default: \(D.gradClip)).")) var gradClip: Float?
    @Option(help: ArgumentHelp("Evaluate (and checkpoint) every N steps (default: \(D.evalEvery)).")) var evalEvery: Int?
    @Option(help: ArgumentHelp("Validation batches per evaluation, spread over the split (default: \(D.evalBatches)).")) var evalBatches: Int?
    @Option(help: "Threads (default: all cores).") var threads: Int?
    @Option(help: ArgumentHelp("Seed of the initial weights and the data order (default: \(D.seed)).")) var seed: Int?
    @Option(help: "Checkpoint file (default: DIR/model.ckpt).") var checkpoint: String?
    @Option(help: "Continue from this checkpoint, bit for bit as if never stopped (default: start from new weights).") var resume: String?
    @Flag(help: "Read the training shards in a seeded random order (ablates a curriculum).") var shuffleBuckets = false
    @Flag(help: "Print a last line {steps, tokens_per_second, train_loss, val_loss, checkpoint} as JSON.") var json = false
    @Flag(help: "No progress lines.") var quiet = false

    func run() throws {
        let (dir, settings) = try TrainSettings.resolve(target: target, configFile: config)
        var o = TrainOverrides()
        o.layers = layers; o.heads = heads; o.dModel = dModel; o.context = context; o.batchSize = batchSize; o.steps = steps
        o.maxTokens = maxTokens; o.learningRate = learningRate; o.minLearningRate = minLearningRate; o.warmupSteps = warmupSteps
        o.weightDecay = weightDecay; o.gradClip = gradClip; o.evalEvery = evalEvery; o.evalBatches = evalBatches; o.threads = threads; o.seed = seed
        let c = o.applied(to: settings)
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
