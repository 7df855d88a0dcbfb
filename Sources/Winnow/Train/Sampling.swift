import COpenBLAS
import Foundation

/// Generation one token at a time with a key/value cache, so a sequence of n tokens costs n steps, not n².
public final class GPTInference {
    let model: GPT
    let c: GPTConfig
    private var keys: [UnsafeMutablePointer<Float>]      // per layer: context × C
    private var values: [UnsafeMutablePointer<Float>]
    public private(set) var length = 0
    private var x, xn, qkv, att, proj, fc, fcg, scores: UnsafeMutablePointer<Float>
    public let logits: UnsafeMutablePointer<Float>

    public init(model: GPT) {
        self.model = model
        c = model.config
        let T = c.context, C = c.channels
        keys = (0..<c.layers).map { _ in .allocate(capacity: T * C) }
        values = (0..<c.layers).map { _ in .allocate(capacity: T * C) }
        func buf(_ n: Int) -> UnsafeMutablePointer<Float> { let p = UnsafeMutablePointer<Float>.allocate(capacity: n); p.initialize(repeating: 0, count: n); return p }
        x = buf(C); xn = buf(C); qkv = buf(3 * C); att = buf(C); proj = buf(C); fc = buf(4 * C); fcg = buf(4 * C); scores = buf(T)
        logits = buf(c.vocabSize)
    }

    deinit { for p in keys + values + [x, xn, qkv, att, proj, fc, fcg, scores, logits] { p.deallocate() } }

    public func reset() { length = 0 }

    /// y = W·v + b for W (out × in), row-major.
    private func gemv(_ y: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>?, _ out: Int, _ inp: Int) {
        if let b { y.update(from: b, count: out) }
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(out), Int32(inp), 1, w, Int32(inp), v, 1, b == nil ? 0 : 1, y, 1)
    }

    /// Feeds one token at the next position; `logits` then holds the next token's logits.
    public func step(_ token: Int32) {
        precondition(length < c.context, "the context (\(c.context) tokens) is full")
        let C = c.channels, NH = c.heads, hs = C / NH, p = model.p, t = length
        let scale = 1 / Float(hs).squareRoot()
        for i in 0..<C { x[i] = p.wte[Int(token) * C + i] + p.wpe[t * C + i] }
        var mean: Float = 0, rstd: Float = 0
        for l in 0..<c.layers {
            layernormForward(xn, &mean, &rstd, x, p.ln1w + l * C, p.ln1b + l * C, 1, C)
            gemv(qkv, p.qkvw + l * 3 * C * C, xn, p.qkvb + l * 3 * C, 3 * C, C)
            (keys[l] + t * C).update(from: qkv + C, count: C)
            (values[l] + t * C).update(from: qkv + 2 * C, count: C)
            for h in 0..<NH {
                let q = qkv + h * hs
                var m = -Float.greatestFiniteMagnitude
                for t2 in 0...t {
                    let k = keys[l] + t2 * C + h * hs
                    var s: Float = 0
                    for i in 0..<hs { s += q[i] * k[i] }
                    scores[t2] = s * scale
                    m = max(m, scores[t2])
                }
                var sum: Float = 0
                for t2 in 0...t { scores[t2] = exp(scores[t2] - m); sum += scores[t2] }
                let o = att + h * hs
                for i in 0..<hs { o[i] = 0 }
                for t2 in 0...t {
                    let w = scores[t2] / sum, v = values[l] + t2 * C + h * hs
                    for i in 0..<hs { o[i] += w * v[i] }
                }
            }
            gemv(proj, p.attprojw + l * C * C, att, p.attprojb + l * C, C, C)
            for i in 0..<C { x[i] += proj[i] }
            layernormForward(xn, &mean, &rstd, x, p.ln2w + l * C, p.ln2b + l * C, 1, C)
            gemv(fc, p.fcw + l * 4 * C * C, xn, p.fcb + l * 4 * C, 4 * C, C)
            geluForward(fcg, fc, 4 * C)
            gemv(proj, p.fcprojw + l * C * 4 * C, fcg, p.fcprojb + l * C, C, 4 * C)
            for i in 0..<C { x[i] += proj[i] }
        }
        layernormForward(xn, &mean, &rstd, x, p.lnfw, p.lnfb, 1, C)
        gemv(logits, p.wte, xn, nil, c.vocabSize, C)
        length += 1
    }
}

/// Decoding settings, with Hugging Face transformers' `generate` semantics, applied in this order:
/// repetition penalty (a logit of a token already in the sequence is divided by the penalty when positive,
/// multiplied when negative), no-repeat n-grams (a token that would complete an n-gram already in the
/// sequence is banned), then — unless greedy (temperature 0) — temperature, top-k, top-p (the smallest set of
/// most likely tokens whose probabilities reach p), min-p (tokens below min_p × the top probability dropped),
/// and a draw from what is left.
public struct DecodingOptions: Sendable {
    public var temperature: Float = 1
    public var topK: Int = 0
    public var topP: Float = 1
    public var minP: Float = 0
    public var repetitionPenalty: Float = 1
    public var noRepeatNgram: Int = 0
    public var seed: UInt64 = 1
    public init() {}
}

public struct Sampler {
    public let options: DecodingOptions
    private var rng: NormalRandom

    public init(options: DecodingOptions) { self.options = options; rng = NormalRandom(seed: options.seed) }

    /// The next token given the logits and the sequence so far (prompt included).
    public mutating func next(_ logits: UnsafeMutablePointer<Float>, vocab V: Int, history: [Int32]) -> Int32 {
        var scores = Array(UnsafeBufferPointer(start: logits, count: V))
        Self.applyRepetitionPenalty(&scores, history: history, penalty: options.repetitionPenalty)
        Self.banRepeatedNgrams(&scores, history: history, n: options.noRepeatNgram)
        if options.temperature == 0 { return Int32(scores.indices.max { scores[$0] < scores[$1] }!) }
        let probs = Self.filteredProbabilities(scores, options: options)
        var u = Float(rng.uniform()), pick = 0
        for (i, p) in probs.enumerated() where p > 0 { pick = i; u -= p; if u <= 0 { break } }
        return Int32(pick)
    }

    static func applyRepetitionPenalty(_ s: inout [Float], history: [Int32], penalty: Float) {
        guard penalty != 1 else { return }
        for t in Set(history) { let v = s[Int(t)]; s[Int(t)] = v < 0 ? v * penalty : v / penalty }
    }

    static func banRepeatedNgrams(_ s: inout [Float], history: [Int32], n: Int) {
        guard n > 0, history.count >= n else { return }
        let prefix = Array(history.suffix(n - 1))
        for i in 0...(history.count - n) where Array(history[i..<(i + n - 1)]) == prefix { s[Int(history[i + n - 1])] = -.infinity }
    }

    /// Temperature, top-k, top-p, min-p; returns probabilities summing to 1 over the tokens kept.
    static func filteredProbabilities(_ scores: [Float], options o: DecodingOptions) -> [Float] {
        var s = scores.map { $0 / o.temperature }
        let order = s.indices.sorted { s[$0] > s[$1] }
        if o.topK > 0 && o.topK < s.count { for i in order[o.topK...] { s[i] = -.infinity } }
        func softmax(_ x: [Float]) -> [Float] {
            let m = x.max() ?? 0
            let e = x.map { $0 == -.infinity ? 0 : exp($0 - m) }
            let z = e.reduce(0, +)
            return e.map { $0 / z }
        }
        var p = softmax(s)
        if o.topP < 1 {
            var cum: Float = 0
            var keep = Set<Int>()
            for i in order where p[i] > 0 { keep.insert(i); cum += p[i]; if cum >= o.topP { break } }
            for i in s.indices where !keep.contains(i) { s[i] = -.infinity }
            p = softmax(s)
        }
        if o.minP > 0 {
            let top = p.max() ?? 0
            for i in s.indices where p[i] < o.minP * top { s[i] = -.infinity }
            p = softmax(s)
        }
        return p
    }
}

/// Loads a checkpoint's weights into a model.
public func loadModel(_ ck: Checkpoint) -> GPT {
    let model = GPT(config: ck.model)
    model.parameters.baseAddress!.update(from: ck.parameters, count: ck.model.parameterCount)
    return model
}

extension DecodingOptions {
    /// What is out of range, in the flags' words (nil when every value is usable): temperature ≥ 0, top-k ≥ 0,
    /// top-p in (0, 1], min-p in [0, 1], repetition penalty > 0, no-repeat n-gram ≥ 0 — transformers' own checks.
    public var problem: String? {
        if !(temperature >= 0) || !temperature.isFinite { return "--temperature \(temperature): must be ≥ 0 (0 is greedy)" }
        if topK < 0 { return "--top-k \(topK): must be ≥ 0 (0 keeps every token)" }
        if !(topP > 0 && topP <= 1) { return "--top-p \(topP): must be in (0, 1] (1 keeps every token)" }
        if !(minP >= 0 && minP <= 1) { return "--min-p \(minP): must be in [0, 1] (0 keeps every token)" }
        if !(repetitionPenalty > 0) || !repetitionPenalty.isFinite { return "--repetition-penalty \(repetitionPenalty): must be > 0 (1 is none)" }
        if noRepeatNgram < 0 { return "--no-repeat-ngram \(noRepeatNgram): must be ≥ 0 (0 is off)" }
        return nil
    }
}

/// Token-by-token generation from a prompt. The model sees at most its context: once the sequence is longer, the
/// oldest tokens fall out of the window, as nanoGPT's and llm.c's samplers crop it (the key/value cache is refilled
/// from the last `context` tokens). Generation stops at `stop` (the end-of-text token) unless it is nil.
public struct Generator {
    public let inference: GPTInference
    public var sampler: Sampler

    public init(model: GPT, options: DecodingOptions) {
        inference = GPTInference(model: model)
        sampler = Sampler(options: options)
    }

    /// Generates after `prompt` (its first token is usually the end-of-text token that opens a document); calls
    /// `emit` with each new token. Returns the new tokens and whether `stop` ended them.
    public mutating func generate(prompt: [Int32], maxNewTokens: Int, stop: Int32?, emit: (Int32) -> Void = { _ in }) -> (tokens: [Int32], stopped: Bool) {
        let context = inference.model.config.context, vocab = inference.model.config.vocabSize
        var history = prompt
        inference.reset()
        for t in history.suffix(context) { inference.step(t) }
        var out: [Int32] = []
        while out.count < maxNewTokens {
            let next = sampler.next(inference.logits, vocab: vocab, history: history)
            if next == stop { return (out, true) }
            out.append(next)
            history.append(next)
            emit(next)
            if out.count == maxNewTokens { break }
            if inference.length < context {
                inference.step(next)
            } else {
                inference.reset()
                for t in history.suffix(context) { inference.step(t) }
            }
        }
        return (out, false)
    }
}

/// Writes a byte stream out in whole UTF-8 characters: bytes of a character cut between two tokens wait for the
/// rest, so no reader ever sees half a character.
public struct UTF8Chunker {
    private var pending: [UInt8] = []
    public init() {}

    /// Adds `bytes`; returns what can be written now.
    public mutating func add(_ bytes: [UInt8]) -> [UInt8] {
        pending += bytes
        var cut = pending.count
        while cut > 0 && cut > pending.count - 4 && pending[cut - 1] & 0xC0 == 0x80 { cut -= 1 }
        // A lead byte at `cut - 1` starts a character whose continuation bytes may not all be here yet.
        if cut > 0 && pending[cut - 1] >= 0xC0 {
            let need = pending[cut - 1] >= 0xF0 ? 4 : pending[cut - 1] >= 0xE0 ? 3 : 2
            cut = pending.count - (cut - 1) >= need ? pending.count : cut - 1
        } else {
            cut = pending.count
        }
        defer { pending.removeFirst(cut) }
        return Array(pending[0..<cut])
    }

    /// What is left at the end (an incomplete character stays as it is).
    public mutating func finish() -> [UInt8] { defer { pending = [] }; return pending }
}

/// `winnow sample`: a checkpoint, the tokenizer it was trained with, and the samples, streamed.
public struct SampleSession {
    public let checkpoint: Checkpoint
    public let tokenizerPath: String

    /// Reads `checkpointPath` and finds its tokenizer: `tokenizer`, else tokenizer.json beside the checkpoint or in
    /// the folder above it; the tokenizer must be the one the checkpoint was trained with (by SHA-256).
    public init(checkpointPath: String, tokenizer: String?) throws {
        checkpoint = try Checkpoint.read(checkpointPath)
        if let tokenizer { tokenizerPath = tokenizer } else {
            let folder = (checkpointPath as NSString).deletingLastPathComponent
            let places = [folder, (folder as NSString).deletingLastPathComponent].map { ($0.isEmpty ? "." : $0) + "/tokenizer.json" }
            guard let found = places.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                throw FileError(checkpointPath, "no tokenizer.json: looked in \(places.joined(separator: " and ")); pass --tokenizer (the tokenizer.json of the run the checkpoint was trained on, sha256 \(checkpoint.tokenizerSHA256.prefix(12))…)")
            }
            tokenizerPath = found
        }
        let sha = SHA256.hash([UInt8](try Data(contentsOf: URL(fileURLWithPath: tokenizerPath)))).hex
        guard sha == checkpoint.tokenizerSHA256 else {
            throw FileError(tokenizerPath, "is not the tokenizer this checkpoint was trained with (sha256 \(checkpoint.tokenizerSHA256.prefix(12))…); pass --tokenizer")
        }
    }

    /// Generates `count` samples continuing `prompt` (each starts with the prompt's text; samples are separated by
    /// a line `---`), handing `write` whole UTF-8 characters as they are decoded.
    public func generate(prompt text: String, count: Int, maxNewTokens: Int, ignoreEOS: Bool, options: DecodingOptions, write: ([UInt8]) -> Void) throws {
        let bpe = try TokenizerFile.load(tokenizerPath)
        var enc = BPEEncoder(model: bpe)
        let eot = bpe.specialID("<|endoftext|>")
        let prompt = [eot ?? 0] + enc.encode(text)
        var generator = Generator(model: loadModel(checkpoint), options: options)
        for n in 0..<count {
            if n > 0 { write(Array("---\n".utf8)) }
            write(Array(text.utf8))
            var chunker = UTF8Chunker()
            _ = generator.generate(prompt: prompt, maxNewTokens: maxNewTokens, stop: ignoreEOS ? nil : eot) { next in
                let ready = chunker.add(bpe.decode([next]))
                if !ready.isEmpty { write(ready) }
            }
            write(chunker.finish() + [0x0A])
        }
    }
}
