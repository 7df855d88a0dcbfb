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

    /// The tokenizer the checkpoint was trained with: --tokenizer, else tokenizer.json beside the checkpoint or in
    /// the folder above it; an error says every place it looked.
    func tokenizerPath(_ ck: Checkpoint) throws -> String {
        if let tokenizer { return tokenizer }
        let folder = (checkpoint as NSString).deletingLastPathComponent
        let places = [folder, (folder as NSString).deletingLastPathComponent].map { ($0.isEmpty ? "." : $0) + "/tokenizer.json" }
        if let found = places.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
        throw fail("no tokenizer.json for \(checkpoint): looked in \(places.joined(separator: " and ")); pass --tokenizer (the tokenizer.json of the run the checkpoint was trained on, sha256 \(ck.tokenizerSHA256.prefix(12))…)")
    }

    func run() throws {
        let ck = try Checkpoint.read(checkpoint)
        let tokPath = try tokenizerPath(ck)
        let sha = SHA256.hash([UInt8](try Data(contentsOf: URL(fileURLWithPath: tokPath)))).hex
        guard sha == ck.tokenizerSHA256 else {
            throw fail("\(tokPath) is not the tokenizer this checkpoint was trained with (sha256 \(ck.tokenizerSHA256.prefix(12))…); pass --tokenizer")
        }
        let text = try promptFile.map { String(decoding: try Data(contentsOf: URL(fileURLWithPath: $0)), as: UTF8.self) } ?? prompt
        let bpe = try TokenizerFile.load(tokPath)
        var enc = BPEEncoder(model: bpe)
        let eot = bpe.specialID("<|endoftext|>")
        let prompt = [eot ?? 0] + enc.encode(text)
        var generator = Generator(model: loadModel(ck), options: options)
        let out = FileHandle.standardOutput
        for n in 0..<numSamples {
            if n > 0 { out.write(Data("---\n".utf8)) }
            out.write(Data(text.utf8))
            var pending: [UInt8] = []
            _ = generator.generate(prompt: prompt, maxNewTokens: maxNewTokens, stop: ignoreEos ? nil : eot) { next in
                pending += bpe.decode([next])
                // Write whole UTF-8 characters as they complete.
                var cut = pending.count
                while cut > 0 && cut > pending.count - 4 && pending[cut - 1] & 0xC0 == 0x80 { cut -= 1 }
                if cut > 0 && pending[cut - 1] >= 0xC0 { cut -= 1 } else { cut = pending.count }
                if cut > 0 { out.write(Data(pending[0..<cut])); pending.removeFirst(cut) }
            }
            out.write(Data(pending + [0x0A]))
        }
    }
}
