import COpenBLAS
import Dispatch
import Foundation

/// `winnow train`'s settings (a `train.json`, or flags of the same names).
public struct TrainConfig: Codable, Sendable, Equatable {
    public var layers = 4
    public var heads = 4
    public var dModel = 128
    public var context = 128
    public var batchSize = 8
    public var steps: Int? = nil
    public var maxTokens: Int? = nil
    public var learningRate: Float = 1e-3
    public var minLearningRate: Float = 1e-4
    public var warmupSteps = 20
    public var weightDecay: Float = 0.1
    public var gradClip: Float = 1.0
    public var evalEvery = 50
    public var evalBatches = 8
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var seed = 1
    public var beta1: Float = 0.9
    public var beta2: Float = 0.95

    public init() {}

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case layers, heads, dModel = "d_model", context, batchSize = "batch_size", steps, maxTokens = "max_tokens"
        case learningRate = "learning_rate", minLearningRate = "min_learning_rate", warmupSteps = "warmup_steps"
        case weightDecay = "weight_decay", gradClip = "grad_clip", evalEvery = "eval_every", evalBatches = "eval_batches"
        case threads, seed, beta1, beta2
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainConfig()
        layers = try c.decodeIfPresent(Int.self, forKey: .layers) ?? d.layers
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? d.heads
        dModel = try c.decodeIfPresent(Int.self, forKey: .dModel) ?? d.dModel
        context = try c.decodeIfPresent(Int.self, forKey: .context) ?? d.context
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        steps = try c.decodeIfPresent(Int.self, forKey: .steps)
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens)
        learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? d.learningRate
        minLearningRate = try c.decodeIfPresent(Float.self, forKey: .minLearningRate) ?? d.minLearningRate
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? d.warmupSteps
        weightDecay = try c.decodeIfPresent(Float.self, forKey: .weightDecay) ?? d.weightDecay
        gradClip = try c.decodeIfPresent(Float.self, forKey: .gradClip) ?? d.gradClip
        evalEvery = try c.decodeIfPresent(Int.self, forKey: .evalEvery) ?? d.evalEvery
        evalBatches = try c.decodeIfPresent(Int.self, forKey: .evalBatches) ?? d.evalBatches
        threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? d.threads
        seed = try c.decodeIfPresent(Int.self, forKey: .seed) ?? d.seed
        beta1 = try c.decodeIfPresent(Float.self, forKey: .beta1) ?? d.beta1
        beta2 = try c.decodeIfPresent(Float.self, forKey: .beta2) ?? d.beta2
    }

    /// Steps to run: `steps`, else what `max_tokens` allows, else 200.
    public var totalSteps: Int {
        if let steps { return steps }
        if let maxTokens { return max(1, maxTokens / (batchSize * context)) }
        return 200
    }

    /// Warm-up then cosine decay from `learning_rate` to `min_learning_rate`.
    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps { return learningRate * Float(step + 1) / Float(warmupSteps) }
        let total = max(totalSteps, warmupSteps + 1)
        let progress = Float(step - warmupSteps) / Float(max(1, total - warmupSteps))
        return minLearningRate + 0.5 * (learningRate - minLearningRate) * (1 + cos(.pi * min(1, progress)))
    }
}

/// The token stream of a run's llm.c shards for one split, in manifest order (so a curriculum holds), read as
/// batches of B × (T + 1) tokens; it wraps around at the end.
public final class TokenStream {
    public struct Shard { public let path: String; public let tokens: Int; public let wide: Bool }
    public let shards: [Shard]
    private var data: [Data] = []
    public private(set) var shardIndex = 0
    public private(set) var offset = 0

    public init(dir: String, split: String, order: [Int]? = nil) throws {
        let manifest = try JSONParser.parse(readFileBytes((dir as NSString).appendingPathComponent("manifest.json")))
        guard let list = manifest["tokens"]?["shards"]?.arrayValue else {
            throw FileError(dir, "manifest.json lists no token shards; run a spec with \"formats\": [\"llmc\", …] and a tokenizer")
        }
        var found: [Shard] = []
        for s in list where s["format"]?.stringValue == "llmc" && s["split"]?.stringValue == split {
            let path = (dir as NSString).appendingPathComponent(s["files"]?.arrayValue?.first?["path"]?.stringValue ?? "")
            found.append(Shard(path: path, tokens: s["tokens"]?.intValue ?? 0, wide: false))
        }
        var shards = found
        if let order { shards = order.map { found[$0] } }
        for (k, s) in shards.enumerated() {
            // The size first: a file too short for the header is refused before it is mapped (mapping an empty
            // file leaks a page in Foundation, as fuzzing found).
            let size = (try? FileManager.default.attributesOfItem(atPath: s.path)[.size] as? Int) ?? nil
            if let size, size < 1024 { throw FileError(s.path, "\(size) bytes: shorter than an llm.c token shard's 1,024-byte header") }
            let d = try Data(contentsOf: URL(fileURLWithPath: s.path), options: .alwaysMapped)
            guard d.count >= 1024 else { throw FileError(s.path, "\(d.count) bytes: shorter than an llm.c token shard's 1,024-byte header") }
            let (magic, version, n) = d.withUnsafeBytes { p in
                (Int32(littleEndian: p.loadUnaligned(as: Int32.self)), Int32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: Int32.self)),
                 Int(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: Int32.self))))
            }
            guard (magic, version) == (TokenShardFormat.llmcMagic16, 1) || (magic, version) == (TokenShardFormat.llmcMagic32, 7) else {
                throw FileError(s.path, "not an llm.c token shard (magic \(magic), version \(version))")
            }
            let width = magic == TokenShardFormat.llmcMagic32 ? 4 : 2
            guard n >= 0, n <= (d.count - 1024) / width else {
                throw FileError(s.path, "the header says \(n) tokens; the file holds \((d.count - 1024) / width) (truncated or corrupt)")
            }
            shards[k] = Shard(path: s.path, tokens: n, wide: magic == TokenShardFormat.llmcMagic32)
            data.append(d)
        }
        self.shards = shards
        guard shards.reduce(0, { $0 + $1.tokens }) > 1 else { throw FileError(dir, "the \(split) split holds no tokens") }
    }

    public var totalTokens: Int { shards.reduce(0) { $0 + $1.tokens } }

    public func seek(shard: Int, offset: Int) { shardIndex = shard; self.offset = offset }

    private func token(_ s: Int, _ i: Int) -> Int32 {
        data[s].withUnsafeBytes { p in
            shards[s].wide ? Int32(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 1024 + 4 * i, as: UInt32.self)))
                           : Int32(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 1024 + 2 * i, as: UInt16.self)))
        }
    }

    /// The next n tokens (crossing shard ends, wrapping at the end), advancing by `advance`.
    public func next(_ n: Int, advance: Int) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(n)
        var s = shardIndex, o = offset
        while out.count < n {
            if o >= shards[s].tokens { s = (s + 1) % shards.count; o = 0; continue }
            out.append(token(s, o)); o += 1
        }
        // Advance.
        var left = advance
        while left > 0 {
            let room = shards[shardIndex].tokens - offset
            if left < room { offset += left; left = 0 } else { left -= room; shardIndex = (shardIndex + 1) % shards.count; offset = 0 }
        }
        return out
    }
}

/// AdamW over the model's flat parameters: decoupled weight decay on the matrices and embeddings only
/// (not on LayerNorm weights or biases), global-norm gradient clipping.
public final class AdamW {
    let m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
    let n: Int
    let decays: [Bool]     // per parameter tensor
    let sizes: [Int]
    public private(set) var t = 0

    init(model: GPT) {
        n = model.config.parameterCount
        m = .allocate(capacity: n); m.initialize(repeating: 0, count: n)
        v = .allocate(capacity: n); v.initialize(repeating: 0, count: n)
        sizes = model.config.parameterSizes
        decays = [true, true, false, false, true, false, true, false, false, false, true, false, true, false, false, false]
    }

    deinit { m.deallocate(); v.deallocate() }

    /// One update; returns the gradient norm before clipping.
    @discardableResult
    func step(_ model: GPT, lr: Float, config: TrainConfig) -> Float {
        let g = model.grads, p = model.params
        let norm = cblas_snrm2(Int32(n), g, 1)
        let clip = config.gradClip > 0 && norm > config.gradClip ? config.gradClip / norm : 1
        t += 1
        let b1 = config.beta1, b2 = config.beta2
        let c1 = 1 - pow(b1, Float(t)), c2 = 1 - pow(b2, Float(t))
        var start = 0
        let m = self.m, v = self.v
        for (k, size) in sizes.enumerated() {
            let wd = decays[k] ? config.weightDecay : 0, base = start
            parallelRanges(size) { r in
                for i in (base + r.lowerBound)..<(base + r.upperBound) {
                    let grad = g[i] * clip
                    m[i] = b1 * m[i] + (1 - b1) * grad
                    v[i] = b2 * v[i] + (1 - b2) * grad * grad
                    let mh = m[i] / c1, vh = v[i] / c2
                    p[i] -= lr * (mh / (vh.squareRoot() + 1e-8) + wd * p[i])
                }
            }
            start += size
        }
        return norm
    }

    func restore(step: Int, m: [Float], v: [Float]) {
        t = step
        self.m.update(from: m, count: n)
        self.v.update(from: v, count: n)
    }
}

/// The trainer's thread count. OpenBLAS itself stays single-threaded: `gemm` splits the products across threads.
public func setBLASThreads(_ n: Int) { blasThreads = max(1, n); openblas_set_num_threads(1) }

/// OpenBLAS's own thread count (for measuring its sgemm peak).
public func setOpenBLASThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

/// GFLOP/s of `repeats` size × size sgemm calls (the best of three rounds).
public func sgemmGFLOPs(size n: Int, repeats: Int) -> Double {
    let a = UnsafeMutablePointer<Float>.allocate(capacity: n * n), b = UnsafeMutablePointer<Float>.allocate(capacity: n * n), c = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
    defer { a.deallocate(); b.deallocate(); c.deallocate() }
    var rng = NormalRandom(seed: 3)
    for i in 0..<(n * n) { a[i] = rng.next(); b[i] = rng.next(); c[i] = 0 }
    var best = 0.0
    for _ in 0..<3 {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repeats { cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, c, Int32(n)) }
        let s = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        best = max(best, 2 * Double(n * n * n) * Double(repeats) / s / 1e9)
    }
    return best
}

/// Settings given on `winnow train`'s command line: each one given overrides the spec's `train` block and the
/// `--config` file (the last layer of `TrainSettings.resolve`).
public struct TrainOverrides: Sendable {
    public var layers, heads, dModel, context, batchSize, steps, maxTokens, warmupSteps, evalEvery, evalBatches, threads, seed: Int?
    public var learningRate, minLearningRate, weightDecay, gradClip: Float?
    public init() {}

    public func applied(to base: TrainConfig) -> TrainConfig {
        var c = base
        if let layers { c.layers = layers }; if let heads { c.heads = heads }; if let dModel { c.dModel = dModel }
        if let context { c.context = context }; if let batchSize { c.batchSize = batchSize }; if let steps { c.steps = steps }
        if let maxTokens { c.maxTokens = maxTokens }; if let learningRate { c.learningRate = learningRate }
        if let minLearningRate { c.minLearningRate = minLearningRate }; if let warmupSteps { c.warmupSteps = warmupSteps }
        if let weightDecay { c.weightDecay = weightDecay }; if let gradClip { c.gradClip = gradClip }; if let evalEvery { c.evalEvery = evalEvery }
        if let evalBatches { c.evalBatches = evalBatches }; if let threads { c.threads = threads }; if let seed { c.seed = seed }
        return c
    }
}
