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
        let ablation = Ablation(specs: (specA, specB), tokens: tokens, configFile: config, heldout: heldout, threads: threads, seed: seed)
        let result: (sides: [Ablation.Side], heldoutTokens: Int)
        do { result = try ablation.run(log: { warn($0) }) } catch let e as Ablation.Failure { throw fail(e.description) }
        print(TextTable.render(header: ["spec", "steps", "train loss", "held-out loss", "tokens/s"], rows: result.sides.map { r in
            [r.spec, String(r.summary.steps), String(format: "%.4f", r.summary.trainLoss), String(format: "%.4f", r.heldoutLoss), String(format: "%.0f", r.summary.tokensPerSecond)]
        }), terminator: "")
        print(String(format: "held-out: %d tokens; difference (B − A): %+.4f", result.heldoutTokens, result.sides[1].heldoutLoss - result.sides[0].heldoutLoss))
    }
}
