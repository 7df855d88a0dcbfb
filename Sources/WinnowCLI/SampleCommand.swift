import ArgumentParser
import Foundation
import Winnow

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate text from a checkpoint, streamed to stdout (key/value cache; Hugging Face generate's decoding semantics).",
        discussion: """
        Generation stops at the end-of-text token (--ignore-eos goes on) or after --max-new-tokens. Past the model's \
        context the oldest tokens fall out of the window, as nanoGPT's and llm.c's samplers do. Numbers may be \
        negative without "=" (they are then rejected with the valid range).
        """)

    @Argument(help: "A checkpoint written by winnow train.") var checkpoint: String
    @Option(help: "The text to continue (default: empty, i.e. a new document).") var prompt = ""
    @Option(help: "Read the prompt from this file instead (UTF-8; default: none).") var promptFile: String?
    @Option(help: "tokenizer.json (default: the one beside the checkpoint, else in the folder above it).") var tokenizer: String?
    @Option(name: [.customLong("max-new-tokens"), .customLong("max-tokens")], parsing: .unconditional,
            help: "Tokens to generate at most (--max-tokens is an alias).") var maxNewTokens = 100
    @Option(parsing: .unconditional, help: "Softmax temperature; 0 = greedy.") var temperature: Float = 1
    @Option(parsing: .unconditional, help: "Keep the k most likely tokens; 0 = all.") var topK = 0
    @Option(parsing: .unconditional, help: "Keep the most likely tokens up to this probability mass, in (0, 1].") var topP: Float = 1
    @Option(parsing: .unconditional, help: "Drop tokens less likely than this fraction of the most likely one, in [0, 1].") var minP: Float = 0
    @Option(parsing: .unconditional, help: "Divide (multiply, if negative) the logits of tokens already seen; 1 = none.") var repetitionPenalty: Float = 1
    @Option(parsing: .unconditional, help: "Ban any n-gram of this size from repeating; 0 = off.") var noRepeatNgram = 0
    @Option(parsing: .unconditional, help: "How many samples to generate, one after another, separated by a line \"---\".") var numSamples = 1
    @Flag(help: "Go on past the end-of-text token (default: stop there).") var ignoreEos = false
    @Option(parsing: .unconditional, help: "Random seed.") var seed: UInt64 = 1

    var options: DecodingOptions {
        var o = DecodingOptions()
        o.temperature = temperature; o.topK = topK; o.topP = topP; o.minP = minP
        o.repetitionPenalty = repetitionPenalty; o.noRepeatNgram = noRepeatNgram; o.seed = seed
        return o
    }

    func validate() throws {
        if let problem = options.problem { throw ValidationError(problem) }
        if maxNewTokens < 0 { throw ValidationError("--max-new-tokens \(maxNewTokens): must be ≥ 0") }
        if numSamples < 1 { throw ValidationError("--num-samples \(numSamples): must be at least 1") }
        if promptFile != nil && !prompt.isEmpty { throw ValidationError("give --prompt or --prompt-file, not both") }
    }

    func run() throws {
        let session: SampleSession
        do { session = try SampleSession(checkpointPath: checkpoint, tokenizer: tokenizer) } catch let e as FileError { throw fail(e.description) }
        let text = try promptFile.map { String(decoding: try Data(contentsOf: URL(fileURLWithPath: $0)), as: UTF8.self) } ?? prompt
        let out = FileHandle.standardOutput
        try session.generate(prompt: text, count: numSamples, maxNewTokens: maxNewTokens, ignoreEOS: ignoreEos, options: options) { out.write(Data($0)) }
    }
}
