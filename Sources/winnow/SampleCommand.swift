import ArgumentParser
import Foundation
import Winnow

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate text from a checkpoint, streamed to stdout (key/value cache; Hugging Face generate's decoding semantics).")

    @Argument(help: "A checkpoint written by winnow train.") var checkpoint: String
    @Option(help: "The text to continue.") var prompt = ""
    @Option(help: "tokenizer.json (default: the one beside the checkpoint).") var tokenizer: String?
    @Option var maxTokens = 100
    @Option(help: "0 = greedy.") var temperature: Float = 1
    @Option var topK = 0
    @Option var topP: Float = 1
    @Option var minP: Float = 0
    @Option var repetitionPenalty: Float = 1
    @Option(help: "Ban any n-gram of this size from repeating.") var noRepeatNgram = 0
    @Option var seed: UInt64 = 1

    func run() throws {
        let ck = try Checkpoint.read(checkpoint)
        let tokPath = tokenizer ?? ((checkpoint as NSString).deletingLastPathComponent as NSString).appendingPathComponent("tokenizer.json")
        let sha = SHA256.hash([UInt8](try Data(contentsOf: URL(fileURLWithPath: tokPath)))).hex
        guard sha == ck.tokenizerSHA256 else {
            throw ValidationError("\(tokPath) is not the tokenizer this checkpoint was trained with (sha256 \(ck.tokenizerSHA256.prefix(12))…); pass --tokenizer")
        }
        let bpe = try TokenizerFile.load(tokPath)
        var enc = BPEEncoder(model: bpe)
        let model = loadModel(ck)
        let inf = GPTInference(model: model)
        var history: [Int32] = [bpe.specialID("<|endoftext|>") ?? 0] + enc.encode(prompt)
        if history.count > ck.model.context { history = Array(history.suffix(ck.model.context)) }
        for t in history { inf.step(t) }
        var options = DecodingOptions()
        options.temperature = temperature; options.topK = topK; options.topP = topP; options.minP = minP
        options.repetitionPenalty = repetitionPenalty; options.noRepeatNgram = noRepeatNgram; options.seed = seed
        var sampler = Sampler(options: options)
        let out = FileHandle.standardOutput
        out.write(Data(prompt.utf8))
        var pending: [UInt8] = []
        for _ in 0..<maxTokens where inf.length < ck.model.context {
            let next = sampler.next(inf.logits, vocab: ck.model.vocabSize, history: history)
            history.append(next)
            pending += bpe.decode([next])
            // Write whole UTF-8 characters as they complete.
            var cut = pending.count
            while cut > 0 && cut > pending.count - 4 && pending[cut - 1] & 0xC0 == 0x80 { cut -= 1 }
            if cut > 0 && pending[cut - 1] >= 0xC0 { cut -= 1 } else { cut = pending.count }
            if cut > 0 { out.write(Data(pending[0..<cut])); pending.removeFirst(cut) }
            inf.step(next)
        }
        out.write(Data(pending + [0x0A]))
    }
}
