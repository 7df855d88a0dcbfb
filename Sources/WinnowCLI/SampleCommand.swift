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
            help: "Tokens to generate at most (--max-tokens is an alias; default: 100, with --sweep 32).") var maxNewTokensGiven: Int?
    var maxNewTokens: Int { maxNewTokensGiven ?? (sweep ? 32 : 100) }
    @Option(parsing: .unconditional, help: "Softmax temperature; 0 = greedy.") var temperature: Float = 1
    @Option(parsing: .unconditional, help: "Keep the k most likely tokens; 0 = all.") var topK = 0
    @Option(parsing: .unconditional, help: "Keep the most likely tokens up to this probability mass, in (0, 1].") var topP: Float = 1
    @Option(parsing: .unconditional, help: "Drop tokens less likely than this fraction of the most likely one, in [0, 1].") var minP: Float = 0
    @Option(parsing: .unconditional, help: "Divide (multiply, if negative) the logits of tokens already seen; 1 = none.") var repetitionPenalty: Float = 1
    @Option(parsing: .unconditional, help: "Ban any n-gram of this size from repeating; 0 = off.") var noRepeatNgram = 0
    @Option(name: .customLong("num-samples"), parsing: .unconditional, help: "How many samples to generate, one after another, separated by a line \"---\" (default: 1; with --sweep, per prompt and setting: 4).") var numSamplesGiven: Int?
    var numSamples: Int { numSamplesGiven ?? (sweep ? 4 : 1) }
    @Flag(help: "Go on past the end-of-text token (default: stop there).") var ignoreEos = false
    @Option(parsing: .unconditional, help: "Random seed.") var seed: UInt64 = 1

    @Flag(help: "Decoding study: run a grid of settings over held-out prompts and measure creativity (distinct-n, self-BLEU, novelty) and coherence (the model's own loss, repetition) against the true continuation's loss; recorded in the run's lineage for winnow report (default: off).") var sweep = false
    @Option(help: "With --sweep: a JSON array of settings ({temperature, top_k, top_p, min_p, repetition_penalty, label}) (default: greedy, 4 temperatures, top-k, top-p, min-p, a repetition penalty).") var grid: String?
    @Option(help: "With --sweep: JSONL of documents (text field) to take prompts from (default: the held-out split of the checkpoint's run).") var prompts: String?
    @Option(help: "With --sweep: how many prompts. (default: 8)") var promptCount: Int?
    @Option(help: "With --sweep: tokens of each document given as the prompt; the next --max-new-tokens are its true continuation. (default: 16)") var promptTokens: Int?
    @Flag(help: "With --sweep: print the results as JSON (default: a table).") var json = false
    @Option(help: "With --sweep: also write the creativity-against-coherence chart as an SVG file (default: none).") var svg: String?
    @Option(help: "With --sweep: write every sample as JSONL (setting, prompt, sample, prompt_tokens, tokens, text) (default: none).") var samplesOut: String?

    var options: DecodingOptions {
        var o = DecodingOptions()
        o.temperature = temperature; o.topK = topK; o.topP = topP; o.minP = minP
        o.repetitionPenalty = repetitionPenalty; o.noRepeatNgram = noRepeatNgram; o.seed = seed
        return o
    }

    func validate() throws {
        if let problem = options.problem { throw ValidationError(problem) }
        if !sweep && (grid != nil || prompts != nil || promptCount != nil || promptTokens != nil || json || svg != nil || samplesOut != nil) {
            throw ValidationError("--grid, --prompts, --prompt-count, --prompt-tokens, --json, --svg and --samples-out go with --sweep")
        }
        if maxNewTokens < 0 { throw ValidationError("--max-new-tokens \(maxNewTokens): must be ≥ 0") }
        if numSamples < 1 { throw ValidationError("--num-samples \(numSamples): must be at least 1") }
        if promptFile != nil && !prompt.isEmpty { throw ValidationError("give --prompt or --prompt-file, not both") }
    }

    func run() throws {
        if sweep { return try runSweep() }
        let session: SampleSession
        do { session = try SampleSession(checkpointPath: checkpoint, tokenizer: tokenizer) } catch let e as FileError { throw fail(e.description) }
        let text = try promptFile.map { String(decoding: try Data(contentsOf: URL(fileURLWithPath: $0)), as: UTF8.self) } ?? prompt
        let out = FileHandle.standardOutput
        try session.generate(prompt: text, count: numSamples, maxNewTokens: maxNewTokens, ignoreEOS: ignoreEos, options: options) { out.write(Data($0)) }
    }
}

extension SampleCommand {
    func runSweep() throws {
        var study: DecodingSweep
        do { study = try DecodingSweep(checkpointPath: checkpoint, tokenizer: tokenizer) } catch let e as FileError { throw fail(e.description) }
        study.promptsFile = prompts
        study.promptCount = promptCount ?? 8
        study.promptTokens = promptTokens ?? 16
        study.samples = numSamples
        study.newTokens = maxNewTokens
        study.seed = seed
        study.samplesOut = samplesOut
        let outcome: DecodingSweep.Outcome
        do {
            let settings = try grid.map { try DecodingSweep.grid(file: $0) } ?? DecodingSweep.defaultGrid
            outcome = try study.run(grid: settings, log: { json ? () : warn($0) })
        } catch let e as DecodingSweep.Failure { throw fail(e.description) } catch let e as FileError { throw fail(e.description) }
        if let svg {
            do { try Data(DecodingSweep.svg(outcome, title: "Decoding settings of \((checkpoint as NSString).lastPathComponent)").utf8).write(to: URL(fileURLWithPath: svg), options: .atomic) }
            catch { throw fail("\(svg): cannot write (\(describe(error)))") }
        }
        if json { print(JSONWriter.pretty(DecodingSweep.json(outcome, checkpoint: checkpoint)), terminator: ""); return }
        func f(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "-" }
        print(TextTable.render(header: ["setting", "distinct-1", "distinct-2", "distinct-3", "self-BLEU", "novelty", "own loss", "repetition", "frontier"],
                               rows: outcome.results.map { r in [r.setting.label, f(r.distinct[0]), f(r.distinct[1]), f(r.distinct[2]), f(r.selfBLEU), f(r.novelty),
                                                                 f(r.ownLoss), f(r.repetition), r.frontier ? "yes" : ""] }), terminator: "")
        print("reference: the held-out true continuations' loss \(f(outcome.referenceLoss)) over \(outcome.prompts) prompts, \(outcome.samples) samples of \(outcome.newTokens) tokens each")
        if let db = outcome.lineage { print("recorded as \(outcome.sweepID) in \(db)\(outcome.trainID.map { " (training run \($0))" } ?? ""): winnow report draws it") }
    }
}
