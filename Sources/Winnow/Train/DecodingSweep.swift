import Foundation

/// `winnow sample --sweep`: one checkpoint, a grid of decoding settings, the same prompts for each, and per setting
/// how varied the samples are (creativity) and how much the model itself believes them (coherence).
///
/// Prompts are the openings of held-out documents (the run's validation split; or a JSONL file), each followed in
/// the data by a true continuation whose loss under the same prefix is the reference. Each setting generates
/// `samples` continuations of `newTokens` tokens per prompt, past end-of-text (so every sample has the same
/// length). All n-grams are over the model's tokens.
public struct DecodingSweep {
    public struct Failure: Error, CustomStringConvertible { public let description: String }

    public struct Setting: Sendable {
        public let label: String
        public let options: DecodingOptions
        public init(label: String, options: DecodingOptions) { self.label = label; self.options = options }

        public var json: JSONValue {
            .object(JSONObject([("temperature", .number(Double(options.temperature))), ("top_k", .number(Double(options.topK))),
                                ("top_p", .number(Double(options.topP))), ("min_p", .number(Double(options.minP))),
                                ("repetition_penalty", .number(Double(options.repetitionPenalty)))]))
        }
    }

    public struct Result: Sendable {
        public let setting: Setting
        public let distinct: [Double]   // distinct-1, -2, -3
        public let selfBLEU: Double
        public let novelty: Double?
        public let ownLoss: Double
        public let repetition: Double
        public var frontier = false
    }

    public struct Outcome {
        public let sweepID: String
        public let results: [Result]
        public let referenceLoss: Double
        public let prompts: Int
        public let samples: Int
        public let newTokens: Int
        public let trainID: String?
        public let lineage: String?
    }

    /// The default grid: greedy, four temperatures, and top-k, top-p, min-p and a repetition penalty at common values.
    public static var defaultGrid: [Setting] {
        func s(_ label: String, t: Float, k: Int = 0, p: Float = 1, minP: Float = 0, rep: Float = 1) -> Setting {
            var o = DecodingOptions(); o.temperature = t; o.topK = k; o.topP = p; o.minP = minP; o.repetitionPenalty = rep
            return Setting(label: label, options: o)
        }
        return [s("greedy", t: 0), s("temperature=0.5", t: 0.5), s("temperature=0.8", t: 0.8), s("temperature=1.0", t: 1.0),
                s("temperature=1.5", t: 1.5), s("top_k=10", t: 1, k: 10), s("top_p=0.9", t: 1, p: 0.9), s("min_p=0.1", t: 1, minP: 0.1),
                s("temperature=0.8 repetition_penalty=1.3", t: 0.8, rep: 1.3)]
    }

    /// A grid file: a JSON array of objects with any of temperature, top_k, top_p, min_p, repetition_penalty and an
    /// optional label (default: the keys given, e.g. "temperature=0.7 top_p=0.9").
    public static func grid(file: String) throws -> [Setting] {
        let json = try JSONParser.parse(readFileBytes(file))
        guard case .array(let items) = json, !items.isEmpty else { throw Failure(description: "\(file): a grid is a non-empty JSON array of settings") }
        let known = ["label", "temperature", "top_k", "top_p", "min_p", "repetition_penalty"]
        return try items.enumerated().map { i, item in
            guard case .object(let o) = item else { throw Failure(description: "\(file): setting \(i): not an object") }
            if let bad = o.keys.first(where: { !known.contains($0) }) {
                throw Failure(description: "\(file): setting \(i): unknown key \"\(bad)\" (known: \(known.joined(separator: ", ")))")
            }
            var opts = DecodingOptions()
            var parts: [String] = []
            func number(_ k: String) throws -> Double? {
                guard let v = o[k] else { return nil }
                guard let d = v.doubleValue else { throw Failure(description: "\(file): setting \(i): \(k) must be a number") }
                parts.append("\(k)=\(d == d.rounded() && abs(d) < 1e9 ? String(Int(d)) : String(d))")
                return d
            }
            if let t = try number("temperature") { opts.temperature = Float(t) }
            if let k = try number("top_k") { opts.topK = Int(k) }
            if let p = try number("top_p") { opts.topP = Float(p) }
            if let m = try number("min_p") { opts.minP = Float(m) }
            if let r = try number("repetition_penalty") { opts.repetitionPenalty = Float(r) }
            if let problem = opts.problem { throw Failure(description: "\(file): setting \(i): \(problem)") }
            let label = o["label"]?.stringValue ?? (opts.temperature == 0 && parts.count == 1 ? "greedy" : parts.joined(separator: " "))
            return Setting(label: label.isEmpty ? "defaults" : label, options: opts)
        }
    }

    public let checkpointPath: String
    public let session: SampleSession
    public var promptsFile: String?
    public var promptCount = 8
    public var samples = 4
    public var newTokens = 32
    public var promptTokens = 16
    public var seed: UInt64 = 1
    /// Where to write every sample (JSONL: setting, prompt, sample, tokens, text), to read them or check the metrics.
    public var samplesOut: String?

    public init(checkpointPath: String, tokenizer: String?) throws {
        self.checkpointPath = checkpointPath
        session = try SampleSession(checkpointPath: checkpointPath, tokenizer: tokenizer)
    }

    /// The folder of the run the checkpoint was trained on: the checkpoint's own, else the one above, with a manifest.
    var dataDir: String? {
        let folder = (checkpointPath as NSString).deletingLastPathComponent
        return [folder.isEmpty ? "." : folder, (folder as NSString).deletingLastPathComponent]
            .first { FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("manifest.json")) }
    }

    /// (prompt, true continuation) pairs in tokens; each prompt starts with end-of-text, as documents do in training.
    func prompts(eot: Int32, bpe: BPEModel) throws -> [(prompt: [Int32], reference: [Int32])] {
        var docs: [[Int32]] = []
        if let promptsFile {
            var enc = BPEEncoder(model: bpe)
            try JSONLTexts.forEachText(promptsFile) { docs.append(enc.encode($0)) }
        } else {
            guard let dir = dataDir else { throw Failure(description: "\(checkpointPath): no manifest.json beside it or above it to take held-out prompts from; pass --prompts FILE.jsonl") }
            let val = try TokenStream(dir: dir, split: "val")
            var cur: [Int32] = []
            for t in val.next(val.totalTokens, advance: 0) {
                if t == eot { if !cur.isEmpty { docs.append(cur) }; cur = [] } else { cur.append(t) }
            }
            if !cur.isEmpty { docs.append(cur) }
        }
        let need = promptTokens + newTokens
        let usable = docs.filter { $0.count >= need }
        guard !usable.isEmpty else {
            throw Failure(description: "no held-out document has \(need) tokens (\(promptTokens) of prompt and \(newTokens) of true continuation); lower --prompt-tokens or --max-new-tokens, or pass --prompts")
        }
        return usable.prefix(promptCount).map { ([eot] + Array($0.prefix(promptTokens)), Array($0[promptTokens..<need])) }
    }

    /// 4-grams of the training split's tokens (hashed), for novelty; nil when the shards cannot be read.
    func trainingNgrams(limit: Int = 50_000_000) -> Set<UInt64>? {
        guard let dir = dataDir, let train = try? TokenStream(dir: dir, split: "train") else { return nil }
        let toks = train.next(min(limit, train.totalTokens), advance: 0)
        var set = Set<UInt64>(minimumCapacity: toks.count)
        if toks.count >= 4 { for i in 0...(toks.count - 4) { set.insert(Self.key(toks[i..<(i + 4)])) } }
        return set
    }

    static func key(_ g: ArraySlice<Int32>) -> UInt64 {
        var h: UInt64 = 1469598103934665603
        for t in g { h = (h ^ UInt64(UInt32(bitPattern: t))) &* 1099511628211 }
        return h
    }

    /// Mean negative log-likelihood (nats) of `tokens` after `prefix`, at temperature 1, the window cropped as in generation.
    static func loss(_ inf: GPTInference, prefix: [Int32], tokens: [Int32]) -> Double {
        let ctx = inf.model.config.context, V = inf.model.config.vocabSize
        var history = prefix
        inf.reset()
        for t in history.suffix(ctx) { inf.step(t) }
        var total = 0.0
        for t in tokens {
            total += nll(inf.logits, V, t)
            history.append(t)
            advance(inf, history: history, ctx: ctx)
        }
        return tokens.isEmpty ? 0 : total / Double(tokens.count)
    }

    static func nll(_ logits: UnsafeMutablePointer<Float>, _ V: Int, _ t: Int32) -> Double {
        var m = -Float.infinity
        for i in 0..<V { m = max(m, logits[i]) }
        var s = 0.0
        for i in 0..<V { s += exp(Double(logits[i] - m)) }
        return Double(m) + log(s) - Double(logits[Int(t)])
    }

    /// Feeds the last token of `history` (or refills the window once it is full).
    static func advance(_ inf: GPTInference, history: [Int32], ctx: Int) {
        if inf.length < ctx { inf.step(history.last!) } else {
            inf.reset()
            for t in history.suffix(ctx) { inf.step(t) }
        }
    }

    /// Generates `n` tokens (past end-of-text) and their mean loss under the model at temperature 1.
    static func sample(_ inf: GPTInference, _ sampler: inout Sampler, prompt: [Int32], n: Int) -> (tokens: [Int32], loss: Double) {
        let ctx = inf.model.config.context, V = inf.model.config.vocabSize
        var history = prompt
        inf.reset()
        for t in history.suffix(ctx) { inf.step(t) }
        var out: [Int32] = [], total = 0.0
        var logits = [Float](repeating: 0, count: V)
        for _ in 0..<n {
            for i in 0..<V { logits[i] = inf.logits[i] }
            let next = sampler.next(inf.logits, vocab: V, history: history)
            total += logits.withUnsafeMutableBufferPointer { nll($0.baseAddress!, V, next) }
            out.append(next); history.append(next)
            advance(inf, history: history, ctx: ctx)
        }
        return (out, n > 0 ? total / Double(n) : 0)
    }

    // MARK: - Metrics

    static func ngrams(_ s: [Int32], _ n: Int) -> [ArraySlice<Int32>] { s.count < n ? [] : (0...(s.count - n)).map { s[$0..<($0 + n)] } }

    /// Distinct n-grams over all n-grams of all samples.
    public static func distinct(_ samples: [[Int32]], n: Int) -> Double {
        var seen = Set<[Int32]>(), total = 0
        for s in samples { for g in ngrams(s, n) { seen.insert(Array(g)); total += 1 } }
        return total == 0 ? 0 : Double(seen.count) / Double(total)
    }

    /// Share of a sample's 4-grams that repeat an earlier 4-gram of it, averaged over samples.
    public static func repetition(_ samples: [[Int32]]) -> Double {
        let rates = samples.map { s -> Double in
            let g = ngrams(s, 4).map(Array.init)
            return g.isEmpty ? 0 : 1 - Double(Set(g).count) / Double(g.count)
        }
        return rates.isEmpty ? 0 : rates.reduce(0, +) / Double(rates.count)
    }

    /// BLEU-4 of `hypothesis` against `references`: clipped n-gram precisions (n = 1…4, uniform weights), the
    /// brevity penalty against the closest reference length, and ε = 0.1 for a precision with no match (Chen and
    /// Cherry's smoothing 1, as NLTK's `method1`).
    public static func bleu(_ hypothesis: [Int32], references: [[Int32]]) -> Double {
        guard !hypothesis.isEmpty, !references.isEmpty else { return 0 }
        var logSum = 0.0
        for n in 1...4 {
            let hyp = ngrams(hypothesis, n).map(Array.init)
            guard !hyp.isEmpty else { return 0 }
            var counts: [[Int32]: Int] = [:]
            for g in hyp { counts[g, default: 0] += 1 }
            var maxRef: [[Int32]: Int] = [:]
            for r in references {
                var c: [[Int32]: Int] = [:]
                for g in ngrams(r, n) { c[Array(g), default: 0] += 1 }
                for (g, k) in c { maxRef[g] = max(maxRef[g] ?? 0, k) }
            }
            let clipped = counts.reduce(0) { $0 + min($1.value, maxRef[$1.key] ?? 0) }
            let p = clipped > 0 ? Double(clipped) / Double(hyp.count) : 0.1 / Double(hyp.count)
            logSum += log(p) / 4
        }
        let c = hypothesis.count
        let r = references.map(\.count).min { abs($0 - c) != abs($1 - c) ? abs($0 - c) < abs($1 - c) : $0 < $1 }!
        let bp = c >= r ? 1 : exp(1 - Double(r) / Double(c))
        return bp * exp(logSum)
    }

    /// Self-BLEU: each sample against the other samples of its prompt, averaged (1: all alike; needs 2 samples).
    public static func selfBLEU(_ byPrompt: [[[Int32]]]) -> Double {
        var scores: [Double] = []
        for group in byPrompt where group.count > 1 {
            for (i, s) in group.enumerated() { scores.append(bleu(s, references: group.enumerated().filter { $0.offset != i }.map(\.element))) }
        }
        return scores.isEmpty ? 0 : scores.reduce(0, +) / Double(scores.count)
    }

    /// Marks the settings no other beats on both axes (higher distinct-2, lower own loss).
    public static func markFrontier(_ results: inout [Result]) {
        for i in results.indices {
            let p = results[i]
            results[i].frontier = !results.indices.contains { j in
                let q = results[j]
                return j != i && q.distinct[1] >= p.distinct[1] && q.ownLoss <= p.ownLoss && (q.distinct[1] > p.distinct[1] || q.ownLoss < p.ownLoss)
            }
        }
    }

    // MARK: - Running

    public func run(grid: [Setting], log: (String) -> Void = { _ in }) throws -> Outcome {
        guard samples >= 1, newTokens >= 4, promptTokens >= 1 else { throw Failure(description: "--samples ≥ 1, --max-new-tokens ≥ 4 and --prompt-tokens ≥ 1") }
        let bpe = try TokenizerFile.load(session.tokenizerPath)
        guard let eot = bpe.specialID("<|endoftext|>") else { throw Failure(description: "\(session.tokenizerPath): no <|endoftext|> token") }
        let pairs = try prompts(eot: eot, bpe: bpe)
        let model = loadModel(session.checkpoint)
        let inf = GPTInference(model: model)
        let reference = pairs.map { Self.loss(inf, prefix: $0.prompt, tokens: $0.reference) }.reduce(0, +) / Double(pairs.count)
        let seen = trainingNgrams()
        var results: [Result] = []
        var dump: [UInt8] = []
        for setting in grid {
            var o = setting.options
            o.seed = seed
            var sampler = Sampler(options: o)
            var byPrompt: [[[Int32]]] = [], losses: [Double] = []
            for p in pairs {
                var group: [[Int32]] = []
                for _ in 0..<samples {
                    let (toks, loss) = Self.sample(inf, &sampler, prompt: p.prompt, n: newTokens)
                    group.append(toks); losses.append(loss)
                }
                byPrompt.append(group)
            }
            let all = byPrompt.flatMap { $0 }
            if samplesOut != nil {
                for (pi, group) in byPrompt.enumerated() {
                    for (si, toks) in group.enumerated() {
                        dump += Array(JSONWriter.compact(.object(JSONObject([
                            ("setting", .string(setting.label)), ("prompt", .number(Double(pi))), ("sample", .number(Double(si))),
                            ("prompt_tokens", .array(pairs[pi].prompt.map { .number(Double($0)) })),
                            ("tokens", .array(toks.map { .number(Double($0)) })),
                            ("text", .string(String(decoding: bpe.decode(toks), as: UTF8.self)))]))).utf8) + [0x0A]
                    }
                }
            }
            let novelty = seen.map { set -> Double in
                let g = all.flatMap { Self.ngrams($0, 4) }
                return g.isEmpty ? 0 : Double(g.filter { !set.contains(Self.key($0)) }.count) / Double(g.count)
            }
            let r = Result(setting: setting, distinct: (1...3).map { Self.distinct(all, n: $0) }, selfBLEU: Self.selfBLEU(byPrompt),
                           novelty: novelty, ownLoss: losses.reduce(0, +) / Double(losses.count), repetition: Self.repetition(all))
            log(String(format: "%@: distinct-2 %.3f, own loss %.3f", setting.label, r.distinct[1], r.ownLoss))
            results.append(r)
        }
        Self.markFrontier(&results)
        if let samplesOut { try writeFileAtomically(samplesOut, dump) }
        let sweepID = "sweep-" + isoNow().replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "") + "-" + String(UInt32.random(in: 0...0xFFFF), radix: 16)
        let (trainID, lineage) = try record(sweepID: sweepID, results: results, reference: reference, prompts: pairs.count)
        return Outcome(sweepID: sweepID, results: results, referenceLoss: reference, prompts: pairs.count, samples: samples, newTokens: newTokens,
                       trainID: trainID, lineage: lineage)
    }

    /// Writes the sweep into the lineage file of the run the checkpoint was trained on (when there is one), linked
    /// to the training run that wrote the checkpoint, so `winnow report` draws it.
    func record(sweepID: String, results: [Result], reference: Double, prompts: Int) throws -> (String?, String?) {
        guard let dir = dataDir else { return (nil, nil) }
        let path = (dir as NSString).appendingPathComponent("lineage.db")
        guard FileManager.default.fileExists(atPath: path) else { return (nil, nil) }
        let trainID = try SweepRecords.record(path, sweepID: sweepID, checkpoint: URL(fileURLWithPath: checkpointPath).standardizedFileURL.path,
                                              given: checkpointPath, results: results, reference: reference, prompts: prompts, samples: samples, newTokens: newTokens)
        return (trainID, path)
    }

    static func round(_ v: Double) -> Double { (v * 10_000).rounded() / 10_000 }

    /// The sweep as JSON (`--json`).
    public static func json(_ o: Outcome, checkpoint: String) -> JSONValue {
        .object(JSONObject([
            ("sweep_id", .string(o.sweepID)), ("checkpoint", .string(checkpoint)), ("train_id", o.trainID.map { .string($0) } ?? .null),
            ("prompts", .number(Double(o.prompts))), ("samples", .number(Double(o.samples))), ("new_tokens", .number(Double(o.newTokens))),
            ("reference_loss", .number(round(o.referenceLoss))),
            ("settings", .array(o.results.map { r in
                .object(JSONObject([("label", .string(r.setting.label)), ("options", r.setting.json),
                                    ("distinct_1", .number(round(r.distinct[0]))), ("distinct_2", .number(round(r.distinct[1]))), ("distinct_3", .number(round(r.distinct[2]))),
                                    ("self_bleu", .number(round(r.selfBLEU))), ("novelty", r.novelty.map { .number(round($0)) } ?? .null),
                                    ("own_loss", .number(round(r.ownLoss))), ("repetition", .number(round(r.repetition))), ("frontier", .bool(r.frontier))]))
            })),
        ]))
    }

    /// The creativity-against-coherence chart on its own (an SVG file, e.g. for a README).
    public static func svg(_ o: Outcome, title: String) -> String {
        let chart = Chart.scatter(title: title, points: o.results.enumerated().map { ("\($0.offset + 1). \($0.element.setting.label)", round($0.element.distinct[1]), round($0.element.ownLoss), $0.element.frontier) },
                                  xLabel: "creativity: distinct-2 (higher: more varied)", yLabel: "model's own loss (lower: more coherent)",
                                  reference: (round(o.referenceLoss), "true continuation's loss"))
        return Chart.standalone(chart)
    }
}
