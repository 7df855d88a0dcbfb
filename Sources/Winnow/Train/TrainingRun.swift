import Foundation

/// A checkpoint: a versioned binary file — `WNWCKPT1`, a version, a JSON header (model and training config,
/// step, data position, tokenizer hash), then the parameters and AdamW's two moments as little-endian floats.
public struct Checkpoint {
    public static let magic = Array("WNWCKPT1".utf8)
    public static let version: UInt32 = 1

    public var model: GPTConfig
    public var train: TrainConfig
    public var step: Int
    public var tokenizerSHA256: String
    public var shard: Int
    public var offset: Int
    public var parameters: [Float]
    public var m: [Float]
    public var v: [Float]

    struct Header: Codable {
        var model: GPTConfig; var train: TrainConfig; var step: Int; var tokenizer_sha256: String; var shard: Int; var offset: Int
    }

    public func write(_ path: String) throws {
        var out = Self.magic
        withUnsafeBytes(of: Self.version.littleEndian) { out += $0 }
        let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
        let header = try enc.encode(Header(model: model, train: train, step: step, tokenizer_sha256: tokenizerSHA256, shard: shard, offset: offset))
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out += $0 }
        out += header
        for a in [parameters, m, v] { a.map { $0.bitPattern.littleEndian }.withUnsafeBytes { out += $0 } }
        try writeFileAtomically(path, out)
    }

    public static func read(_ path: String) throws -> Checkpoint {
        let b = try readFileBytes(path)
        guard b.count > 20, Array(b[0..<8]) == magic else { throw FileError(path, "not a Winnow checkpoint") }
        let version = b[8..<12].withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
        guard version == Self.version else { throw FileError(path, "checkpoint version \(version); this Winnow reads \(Self.version)") }
        let hlen = Int(b[12..<20].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        let h = try JSONDecoder().decode(Header.self, from: Data(b[20..<(20 + hlen)]))
        let n = h.model.parameterCount
        guard b.count == 20 + hlen + 3 * 4 * n else { throw FileError(path, "truncated: \(b.count) bytes for \(n) parameters") }
        func floats(_ k: Int) -> [Float] {
            b[(20 + hlen + k * 4 * n)..<(20 + hlen + (k + 1) * 4 * n)].withUnsafeBytes { p in
                (0..<n).map { Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            }
        }
        return Checkpoint(model: h.model, train: h.train, step: h.step, tokenizerSHA256: h.tokenizer_sha256, shard: h.shard, offset: h.offset,
                          parameters: floats(0), m: floats(1), v: floats(2))
    }
}

/// One training run over a data run's llm.c shards.
public final class TrainingRun {
    public struct Summary: Sendable {
        public let steps: Int
        public let tokensPerSecond: Double
        public let trainLoss: Float
        public let valLoss: Float?
        public let valLossBySource: [String: Float]
        public let checkpoint: String?

        public func json() -> String {
            var o = JSONObject()
            o["steps"] = .number(Double(steps))
            o["tokens_per_second"] = .number(tokensPerSecond.rounded())
            o["train_loss"] = .number(Double(trainLoss))
            o["val_loss"] = valLoss.map { .number(Double($0)) } ?? .null
            o["val_loss_by_source"] = .object(JSONObject(valLossBySource.sorted { $0.key < $1.key }.map { ($0.key, .number(Double($0.value))) }))
            o["checkpoint"] = checkpoint.map { .string($0) } ?? .null
            return JSONWriter.compact(.object(o))
        }
    }

    let dir: String
    public let config: TrainConfig
    public let model: GPT
    let optimizer: AdamW
    let train: TokenStream
    let val: TokenStream?
    let tokenizerSHA256: String
    /// For per-source validation loss: per val shard, document spans (start, end, source index) in llm.c offsets.
    var valSpans: [[(Int, Int, Int)]] = []
    var sourceNames: [String] = []
    public private(set) var step = 0
    let log: (String) -> Void

    public init(dir: String, config: TrainConfig, resume: Checkpoint? = nil, shuffleBuckets: Bool = false, log: @escaping (String) -> Void = { _ in }) throws {
        self.dir = dir
        self.log = log
        let manifest = try JSONParser.parse(readFileBytes((dir as NSString).appendingPathComponent("manifest.json")))
        guard let vocab = manifest["tokens"]?["tokenizer"]?["vocab_size"]?.intValue else { throw FileError(dir, "manifest.json has no token shards") }
        tokenizerSHA256 = manifest["tokens"]?["tokenizer"]?["sha256"]?.stringValue ?? ""
        var cfg = config
        if let r = resume {
            guard r.tokenizerSHA256 == tokenizerSHA256 else { throw FileError(dir, "the checkpoint was trained with another tokenizer (sha256 \(r.tokenizerSHA256.prefix(12))…)") }
            cfg = r.train
            if config.steps != nil || config.maxTokens != nil { cfg.steps = config.steps; cfg.maxTokens = config.maxTokens }
        }
        self.config = cfg
        setBLASThreads(cfg.threads)
        guard cfg.dModel % cfg.heads == 0 else { throw FileError(dir, "d_model \(cfg.dModel) is not a multiple of heads \(cfg.heads)") }
        let mc = GPTConfig(vocabSize: vocab, context: cfg.context, layers: cfg.layers, heads: cfg.heads, channels: cfg.dModel)
        model = GPT(config: mc)
        optimizer = AdamW(model: model)
        // Training shards in manifest order, or (ablating a curriculum) in a seeded random order.
        let count = (manifest["tokens"]?["shards"]?.arrayValue ?? []).filter { $0["format"]?.stringValue == "llmc" && $0["split"]?.stringValue == "train" }.count
        var order: [Int]? = nil
        if shuffleBuckets {
            var rng = NormalRandom(seed: UInt64(cfg.seed) &+ 77)
            order = Array(0..<count).map { ($0, rng.uniform()) }.sorted { $0.1 < $1.1 }.map(\.0)
        }
        train = try TokenStream(dir: dir, split: "train", order: order)
        val = try? TokenStream(dir: dir, split: "val")
        if let r = resume {
            guard r.model == mc else { throw FileError(dir, "the checkpoint's model (\(r.model)) differs from \(mc)") }
            model.parameters.baseAddress!.update(from: r.parameters, count: mc.parameterCount)
            optimizer.restore(step: r.step, m: r.m, v: r.v)
            train.seek(shard: r.shard, offset: r.offset)
            step = r.step
        } else {
            model.initialize(seed: UInt64(cfg.seed))
        }
        loadValSpans(manifest)
    }

    /// Document spans of the validation shards from the data run's lineage, for per-source losses. An incremental
    /// pipeline's cumulative manifest lists each shard's version: its spans come from that version's run (a
    /// rewritten shard's from its documents that are not superseded, placed one after another).
    private func loadValSpans(_ manifest: JSONValue) {
        let db = (dir as NSString).appendingPathComponent("lineage.db")
        guard val != nil, FileManager.default.fileExists(atPath: db), let store = try? LineageStore.openReadOnly(db) else { return }
        var names: [String: Int] = [:]
        func sourceIndex(_ src: String) -> Int { names[src] ?? { names[src] = names.count; sourceNames.append(src); return names.count - 1 }() }
        let entries = (manifest["tokens"]?["shards"]?.arrayValue ?? []).filter { $0["format"]?.stringValue == "llmc" && $0["split"]?.stringValue == "val" }
        if entries.contains(where: { $0["version"] != nil }) {
            let pipeline = manifest["pipeline"]?.stringValue ?? ""
            for e in entries {
                var spans: [(Int, Int, Int)] = []
                defer { valSpans.append(spans) }
                guard let v = e["version"]?.intValue, let shard = e["shard"]?.intValue,
                      let run = try? TrainRecords.versionRun(store, pipeline: pipeline, version: v),
                      let rows = try? TrainRecords.valDocuments(store, runID: run, shard: shard) else { continue }
                let gone = e["rewritten"]?.boolValue == true ? Set((try? TrainRecords.inputsSuperseded(store, from: run)) ?? []) : []
                var position = 0
                for r in rows {
                    if gone.contains(r.input ?? "") { continue }
                    let start = e["rewritten"]?.boolValue == true ? position : r.offset - 1
                    spans.append((start, start + 1 + r.tokens, sourceIndex(r.source)))   // the EOT before a document belongs to it
                    position = start + 1 + r.tokens
                }
            }
            return
        }
        guard let rows = try? TrainRecords.valDocumentsOfNewestRun(store, specSHA256: manifest["spec_sha256"]?.stringValue ?? "") else { return }
        for r in rows {
            let s = sourceIndex(r.source)
            while valSpans.count <= r.shard { valSpans.append([]) }
            valSpans[r.shard].append((r.offset - 1, r.offset + r.tokens, s))   // the EOT before a document belongs to it
        }
    }

    private func source(shard: Int, offset: Int) -> Int? {
        guard shard < valSpans.count else { return nil }
        let spans = valSpans[shard]
        var lo = 0, hi = spans.count
        while lo < hi { let mid = (lo + hi) / 2; if spans[mid].1 <= offset { lo = mid + 1 } else { hi = mid } }
        return lo < spans.count && spans[lo].0 <= offset ? spans[lo].2 : nil
    }

    /// Where the evaluation batches start in the validation split (global token positions): the whole split when
    /// it holds no more than `eval_batches` batches; otherwise one batch inside each source's part of the split
    /// (the split is written source by source) and the rest spread evenly over all of it, each at a position within
    /// its stretch drawn from the seed — the same positions at every evaluation, so the curve compares like with like.
    lazy var evaluationStarts: [Int] = {
        guard let val else { return [] }
        let window = config.batchSize * config.context, total = val.totalTokens
        let fits = max(1, total / window)
        if fits <= config.evalBatches { return (0..<fits).map { $0 * window } }
        var rng = SplitMix64(seed: UInt64(truncatingIfNeeded: config.seed) &+ 0x5EED)
        func draw(_ lo: Int, _ hi: Int) -> Int { hi <= lo ? lo : lo + Int(rng.next() % UInt64(hi - lo + 1)) }
        // Each source's stretch of the split, in global token positions.
        var regions: [Int: (Int, Int)] = [:]
        var base = 0
        for (s, spans) in valSpans.enumerated() {
            for (a, b, src) in spans {
                let r = regions[src] ?? (base + a, base + b)
                regions[src] = (min(r.0, base + a), max(r.1, base + b))
            }
            base += val.shards[s].tokens
        }
        var starts: [Int] = regions.keys.sorted().prefix(config.evalBatches).map { src in
            let (a, b) = regions[src]!
            return min(draw(a, max(a, b - window)), total - window)
        }
        let rest = max(0, config.evalBatches - starts.count)
        for i in 0..<rest {
            let lo = i * (total - window) / max(1, rest), hi = (i + 1) * (total - window) / max(1, rest)
            starts.append(draw(lo, max(lo, hi - 1)))
        }
        return starts.sorted()
    }()

    /// Validation loss over `eval_batches` batches spread over the validation split (see `evaluationStarts`),
    /// overall and per source.
    public func evaluate() -> (Float, [String: Float])? {
        guard let val else { return nil }
        let B = config.batchSize, T = config.context
        var sum: Double = 0, count = 0
        var bySource = [Double](repeating: 0, count: sourceNames.count), nBySource = [Int](repeating: 0, count: sourceNames.count)
        for start in evaluationStarts {
            var shard = 0, offset = start
            while shard < val.shards.count - 1 && offset >= val.shards[shard].tokens { offset -= val.shards[shard].tokens; shard += 1 }
            val.seek(shard: shard, offset: offset)
            let startShard = val.shardIndex, startOffset = val.offset
            let toks = val.next(B * T + 1, advance: B * T)
            model.forward(inputs: Array(toks[0..<(B * T)]), targets: Array(toks[1...]), B: B, T: T)
            let losses = model.lastLosses
            // Attribute each target token to the document (and source) it belongs to.
            var s = startShard, o = startOffset
            for i in 0..<(B * T) {
                o += 1
                while o >= val.shards[s].tokens { o -= val.shards[s].tokens; s = (s + 1) % val.shards.count }
                if let src = source(shard: s, offset: o) { bySource[src] += Double(losses[i]); nBySource[src] += 1 }
                sum += Double(losses[i]); count += 1
            }
        }
        var per: [String: Float] = [:]
        for (k, name) in sourceNames.enumerated() where nBySource[k] > 0 { per[name] = Float(bySource[k] / Double(nBySource[k])) }
        return (Float(sum / Double(count)), per)
    }

    /// Mean next-token loss over a token stream, in full windows of the context (the held-out set of an ablation).
    public func loss(on tokens: [Int32]) -> Float {
        let T = config.context
        var total = 0.0, count = 0, start = 0
        while start + T + 1 <= tokens.count {
            model.forward(inputs: Array(tokens[start..<(start + T)]), targets: Array(tokens[(start + 1)...(start + T)]), B: 1, T: T)
            total += Double(model.meanLoss) * Double(T); count += T
            start += T
        }
        return count > 0 ? Float(total / Double(count)) : .nan
    }

    /// Trains to `totalSteps` (or stops after step `until`, as a killed run would after its last checkpoint);
    /// logs progress; writes `checkpoint` at each evaluation and at the end.
    public func run(checkpoint: String?, metrics: TrainMetrics? = nil, until: Int? = nil) throws -> Summary {
        let B = config.batchSize, T = config.context, total = config.totalSteps
        var rates: [Double] = []
        var lastLoss: Float = 0, lastVal: (Float, [String: Float])? = nil
        let clock = ContinuousClock()
        while step < min(total, until ?? total) {
            let t0 = clock.now
            let toks = train.next(B * T + 1, advance: B * T)
            model.zeroGradients()
            model.forward(inputs: Array(toks[0..<(B * T)]), targets: Array(toks[1...]), B: B, T: T)
            model.backward()
            let lr = config.learningRate(at: step)
            let norm = optimizer.step(model, lr: lr, config: config)
            lastLoss = model.meanLoss
            step += 1
            let seconds = (clock.now - t0).seconds
            let rate = Double(B * T) / seconds
            if step > min(5, total / 4) { rates.append(rate) }
            let evalNow = step % config.evalEvery == 0 || step == total
            if evalNow { lastVal = evaluate() }
            var line = String(format: "step %d/%d  loss %.4f  lr %.2e  grad norm %.3f  %.0f tokens/s", step, total, lastLoss, lr, norm, rate)
            if evalNow, let v = lastVal { line += String(format: "  val loss %.4f", v.0) }
            log(line)
            try metrics?.record(step: step, tokens: step * B * T, lr: lr, trainLoss: lastLoss, gradNorm: norm, seconds: seconds, val: evalNow ? lastVal : nil)
            if evalNow, let checkpoint { try save(checkpoint) }
        }
        let sorted = rates.sorted()
        return Summary(steps: step, tokensPerSecond: sorted.isEmpty ? 0 : sorted[sorted.count / 2], trainLoss: lastLoss,
                       valLoss: lastVal?.0, valLossBySource: lastVal?.1 ?? [:], checkpoint: checkpoint)
    }

    public func save(_ path: String) throws {
        let n = model.config.parameterCount
        try Checkpoint(model: model.config, train: config, step: step, tokenizerSHA256: tokenizerSHA256, shard: train.shardIndex, offset: train.offset,
                       parameters: Array(model.parameters), m: Array(UnsafeBufferPointer(start: optimizer.m, count: n)),
                       v: Array(UnsafeBufferPointer(start: optimizer.v, count: n))).write(path)
    }
}

/// What `winnow train` trains on and with which settings: a run's output folder or a pipeline spec, the spec's
/// `train` block, then a `--config` file (each key overriding the block's), then flags (the caller's).
public enum TrainSettings {
    /// The shard folder and the merged settings for `target` (a spec file or an output folder).
    public static func resolve(target: String, configFile: String?) throws -> (dir: String, config: TrainConfig) {
        var dir = target
        var block = JSONObject()
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: target, isDirectory: &isDir), !isDir.boolValue {
            let pipeline = try PipelineLoader.load(target, checkInputs: false)
            dir = pipeline.outputDir
            block = (try JSONParser.parse(Array(pipeline.canonicalJSON.utf8)))["train"]?.objectValue ?? JSONObject()
        } else if let spec = try dataRunSpec(dir) {
            block = spec["train"]?.objectValue ?? JSONObject()
        }
        return (dir, try merged(block, configFile: configFile))
    }

    /// `base` with a `--config` file's keys laid over it (the file checked against the `train` schema), decoded.
    public static func merged(_ base: JSONObject = JSONObject(), configFile: String?) throws -> TrainConfig {
        var settings = base
        if let configFile {
            let json: JSONValue
            do { json = try JSONParser.parse(readFileBytes(configFile)) } catch let e as JSONParser.SyntaxError {
                throw FileError("\(configFile):\(e.line):\(e.column)", "invalid JSON: \(e.message)")
            }
            let issues = SchemaValidator(schema: PipelineSchema.trainSchema).validate(json)
            guard issues.isEmpty else { throw SpecValidationError(file: configFile, issues: issues) }
            for (k, v) in json.objectValue?.pairs ?? [] { settings[k] = v }
        }
        return try JSONValue.object(settings).decode(TrainConfig.self)
    }

    /// The spec of the finished run that wrote `dir`'s manifest (from the lineage file beside it).
    static func dataRunSpec(_ dir: String) throws -> JSONValue? {
        let db = (dir as NSString).appendingPathComponent("lineage.db")
        let manifestPath = (dir as NSString).appendingPathComponent("manifest.json")
        guard FileManager.default.fileExists(atPath: db), FileManager.default.fileExists(atPath: manifestPath) else { return nil }
        let sha = try JSONParser.parse(readFileBytes(manifestPath))["spec_sha256"]?.stringValue ?? ""
        return try TrainRecords.newestFinishedSpec(LineageStore.openReadOnly(db), specSHA256: sha).map { try JSONParser.parse(Array($0.utf8)) }
    }
}

/// SplitMix64: a tiny seeded generator for choices that must be the same on every machine.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
