import Foundation

/// `perplexity`: scores each document with a checkpoint from `winnow train` — CCNet's idea, a model trained on
/// reference text ranks other text by how surprising it finds it. Annotates `perplexity` (exp of the mean
/// next-token loss over the document's first `max_tokens` tokens, read in windows of the model's context after
/// an end-of-text token), and drops documents outside `min_perplexity` … `max_perplexity` when given. The
/// annotation also serves as a curriculum score (`"score": "perplexity"`).
///
/// ```json
/// { "type": "perplexity", "checkpoint": "../out/reference/model.ckpt", "max_perplexity": 800 }
/// ```
public final class PerplexityStep: DocumentStep, @unchecked Sendable {
    public let name: String
    let checkpoint: Checkpoint
    let tokenizer: BPEModel
    let eot: Int32
    let maxTokens: Int
    let minPerplexity: Double?
    let maxPerplexity: Double?
    /// Models and encoders for the threads that call `apply` (a forward pass keeps its activations).
    private var pool: [(GPT, BPEEncoder)] = []
    private let lock = NSLock()

    struct Parameters: StepParameters {
        @Param("checkpoint", Schema.string("A checkpoint written by `winnow train`, relative to the spec.", minLength: 1), required: true)
        var checkpoint: String = ""
        @Param("tokenizer", Schema.string("Its tokenizer.json (default: the one beside the checkpoint; its SHA-256 must match).", minLength: 1))
        var tokenizer: String? = nil
        @Param("max_tokens", Schema.integer("Score at most this many tokens of each document (default: the model's context).", minimum: 1))
        var maxTokens: Int? = nil
        @Param("min_perplexity", Schema.number("Drop documents below this (suspiciously predictable: boilerplate, repetition).", minimum: 0))
        var minPerplexity: Double? = nil
        @Param("max_perplexity", Schema.number("Drop documents above this (unlike the reference text).", minimum: 0))
        var maxPerplexity: Double? = nil
        init() {}
    }

    static let descriptor = StepDescriptor(
        type: "perplexity", kind: .document,
        summary: "Scores documents with a winnow train checkpoint, annotates perplexity, drops those outside min_perplexity…max_perplexity (reasons: perplexity_too_low, perplexity_too_high).",
        parameters: Parameters.self,
        build: { spec, context in
            let p = try spec.decodeParameters(Parameters.self)
            // Relative to the spec, then to the working directory (as the fastText steps resolve models).
            func resolve(_ path: String) -> String {
                [context.resolve(path), PipelineLoader.absolutePath(path)].first { FileManager.default.fileExists(atPath: $0) } ?? context.resolve(path)
            }
            let ckPath = resolve(p.checkpoint)
            let ck: Checkpoint
            do { ck = try Checkpoint.read(ckPath) } catch { throw StepBuildError("/checkpoint", "\(error)") }
            let tokPath = p.tokenizer.map(resolve) ?? ((ckPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("tokenizer.json")
            guard let bytes = try? readFileBytes(tokPath), SHA256.hash(bytes).hex == ck.tokenizerSHA256 else {
                throw StepBuildError("/tokenizer", "\(tokPath) is missing or is not the tokenizer \(p.checkpoint) was trained with")
            }
            context.filesRead.note(ckPath)
            context.filesRead.note(tokPath)
            let bpe = try TokenizerFile.load(tokPath)
            return .document(PerplexityStep(name: spec.effectiveName, checkpoint: ck, tokenizer: bpe, maxTokens: p.maxTokens ?? ck.model.context,
                                            minPerplexity: p.minPerplexity, maxPerplexity: p.maxPerplexity))
        })

    init(name: String, checkpoint: Checkpoint, tokenizer: BPEModel, maxTokens: Int, minPerplexity: Double?, maxPerplexity: Double?) {
        self.name = name; self.checkpoint = checkpoint; self.tokenizer = tokenizer; self.maxTokens = maxTokens
        self.minPerplexity = minPerplexity; self.maxPerplexity = maxPerplexity
        eot = tokenizer.specialID("<|endoftext|>") ?? 0
    }

    /// The document's perplexity under the model.
    func perplexity(_ text: String, model: GPT, encoder: inout BPEEncoder) -> Double {
        let T = checkpoint.model.context
        let tokens = [eot] + encoder.encode(text).prefix(maxTokens)
        var total = 0.0, count = 0
        var start = 0
        while start < tokens.count - 1 {
            let end = min(start + T + 1, tokens.count)
            let n = end - start - 1
            // Always a full context (padding after the real tokens changes nothing before them: attention is causal).
            var inputs = [Int32](repeating: eot, count: T), targets = [Int32](repeating: eot, count: T)
            for k in 0..<n { inputs[k] = tokens[start + k]; targets[k] = tokens[start + k + 1] }
            model.forward(inputs: inputs, targets: targets, B: 1, T: T)
            let losses = model.lastLosses
            for k in 0..<n { total += Double(losses[k]) }
            count += n
            start += n
        }
        return count > 0 ? exp(total / Double(count)) : 1
    }

    public func apply(_ doc: inout Document) -> StepResult {
        lock.lock()
        var (model, encoder) = pool.popLast() ?? (loadModel(checkpoint), BPEEncoder(model: tokenizer))
        lock.unlock()
        let ppl = perplexity(doc.text, model: model, encoder: &encoder)
        lock.lock(); pool.append((model, encoder)); lock.unlock()
        doc.annotations["perplexity"] = .number((ppl * 1000).rounded() / 1000)
        if let lo = minPerplexity, ppl < lo { return .drop(reason: "perplexity_too_low") }
        if let hi = maxPerplexity, ppl > hi { return .drop(reason: "perplexity_too_high") }
        return .keep
    }
}
