import Dispatch
import Foundation

/// A token shard as written and recorded.
public struct TokenShardInfo: Sendable {
    public struct FileEntry: Sendable { public let name: String; public let bytes: Int64; public let sha256: String }
    public let format: String
    public let split: String
    public let shard: Int
    /// The curriculum bucket the shard belongs to (nil without a curriculum).
    public let bucket: String?
    /// Paths relative to the output folder: `llmc/train_000000.bin`; Megatron's `.bin` then `.idx`.
    public let files: [FileEntry]
    public let documents: Int
    /// Tokens in the shard, end-of-text tokens included.
    public let tokens: Int64
    /// Tokens per source (end-of-text tokens included).
    public let sources: [String: Int64]
}

/// One line of the mixture accounting: a source (bucket nil) or a source within a curriculum bucket.
public struct MixtureRow: Sendable, Equatable {
    public let source: String
    public let bucket: String?
    /// The source's normalised weight (nil without a `mixture`, and on bucket rows).
    public let target: Double?
    /// Share of all training tokens written.
    public let achieved: Double
    public let tokens: Int64
    public let documents: Int
    /// Output tokens over the tokens the cleaned documents hold: below 1 when down-sampled, above when repeated.
    public let epochs: Double
    public let shortfall: String?

    public func json() -> JSONValue {
        .object(JSONObject([("source", .string(source)), ("bucket", bucket.map { .string($0) } ?? .null), ("target", target.map { .number($0) } ?? .null),
                            ("achieved", .number(achieved)), ("tokens", .number(Double(tokens))), ("documents", .number(Double(documents))), ("epochs", .number(epochs))]))
    }
}

/// What the token phase wrote: the tokenizer and the token shards.
public struct TokenOutput: Sendable {
    public let tokenizerFile: String
    public let tokenizerSHA256: String
    public let vocabularySize: Int
    public let endOfText: String
    public let endOfTextID: Int32
    public let shards: [TokenShardInfo]
    public let mixture: [MixtureRow]
    /// The curriculum: score name and buckets in write order with their score ranges.
    public let curriculum: (score: String, buckets: [(name: String, lower: Double?, upper: Double?)])?

    func json() -> JSONValue {
        func n(_ v: some BinaryInteger) -> JSONValue { .number(Double(v)) }
        var splits = JSONObject()
        for split in ["train", "val"] {
            let s = shards.filter { $0.split == split && $0.format == shards.first?.format }
            guard !s.isEmpty else { continue }
            var perSource: [String: Int64] = [:]
            for x in s { for (k, v) in x.sources { perSource[k, default: 0] += v } }
            splits[split] = .object(JSONObject([
                ("documents", n(s.reduce(0) { $0 + $1.documents })), ("tokens", n(s.reduce(Int64(0)) { $0 + $1.tokens })),
                ("tokens_per_source", .object(JSONObject(perSource.sorted { $0.key < $1.key }.map { ($0.key, n($0.value)) }))),
            ]))
        }
        return .object(JSONObject([
            ("tokenizer", .object(JSONObject([("file", .string(tokenizerFile)), ("sha256", .string(tokenizerSHA256)),
                                             ("vocab_size", n(vocabularySize)), ("end_of_text", .string(endOfText)), ("end_of_text_id", n(endOfTextID))]))),
            ("splits", .object(splits)),
            ("mixture", .array(mixture.map { $0.json() })),
            ("curriculum", curriculum.map { c in .object(JSONObject([("score", .string(c.score)), ("order", .array(c.buckets.map { b in
                .object(JSONObject([("bucket", .string(b.name)), ("lower", b.lower.map { .number($0) } ?? .null), ("upper", b.upper.map { .number($0) } ?? .null)]))
            }))])) } ?? .null),
            ("shards", .array(shards.map { s in
                .object(JSONObject([
                    ("format", .string(s.format)), ("split", .string(s.split)), ("shard", n(s.shard)), ("bucket", s.bucket.map { .string($0) } ?? .null),
                    ("documents", n(s.documents)), ("tokens", n(s.tokens)),
                    ("tokens_per_source", .object(JSONObject(s.sources.sorted { $0.key < $1.key }.map { ($0.key, n($0.value)) }))),
                    ("files", .array(s.files.map { f in .object(JSONObject([("path", .string(f.name)), ("bytes", n(f.bytes)), ("sha256", .string(f.sha256))])) })),
                ]))
            })),
        ]))
    }
}

/// After the text shards: the tokenizer (loaded, or trained on the kept documents), every kept document
/// encoded (in parallel, one task per text shard, resumable), then the token shards written in text-shard
/// order — the same documents in the same order for every format, so llm.c and Megatron shards hold the same
/// tokens — with one lineage row per document: split, token shard, sequence, token offset and count.
struct TokenPhase {
    let run: RunContext

    var outDir: String { run.datasetDir }
    static let tokenizerTask = "tokens/tokenizer", writeTask = "tokens/write"
    static func encodeTask(_ s: Int) -> String { String(format: "tokens/encode/s%05d", s) }
    func encodedPath(_ s: Int) -> String { (run.workFiles.dir as NSString).appendingPathComponent(String(format: "tokens-s%05d.docs", s)) }

    /// The token formats and tokenizer, when the spec asks for token shards.
    var config: (formats: [TokenShardFormat], tokenizer: TokenizerSpec)? {
        let spec = run.pipeline.spec
        guard !spec.output.tokenFormats.isEmpty, let t = spec.tokenizer else { return nil }
        return (spec.output.tokenFormats, t)
    }

    /// The whole phase in one process: tokenizer, encoding on all workers, token shards.
    func execute(_ shards: [ShardInfo]) throws -> TokenOutput? {
        guard let (formats, tspec) = config else { return nil }
        let model = try tokenizer(tspec, shards)
        let eot = try endOfText(model, tspec)
        try encode(model, shards)
        let written = try write(formats: formats, vocabularySize: model.vocabularySize, eot: eot, shards: shards)
        return try output(model, tspec, eot: eot, shards: written)
    }

    /// The id of the tokenizer's end-of-text token.
    func endOfText(_ model: BPEModel, _ tspec: TokenizerSpec) throws -> Int32 {
        guard let eot = model.specialID(tspec.endOfText) else {
            throw FileError(tspec.file ?? "tokenizer.json", "the tokenizer has no special token \"\(tspec.endOfText)\" (tokenizer.end_of_text)")
        }
        return eot
    }

    /// The tokenizer the tokenizer task saved in the output folder.
    func savedTokenizer() throws -> BPEModel { try TokenizerFile.load((outDir as NSString).appendingPathComponent("tokenizer.json")) }

    /// What the manifest says of the token shards, read back from lineage after `write`.
    func output(_ model: BPEModel, _ tspec: TokenizerSpec, eot: Int32, shards written: [TokenShardInfo]? = nil) throws -> TokenOutput {
        let written = try written ?? recorded()
        let tokPath = (outDir as NSString).appendingPathComponent("tokenizer.json")
        try run.lineage.sync()
        let mix = try TokenRecords.mixtureRows(run.db, runID: run.runID)
        let buckets = try TokenRecords.curriculumBuckets(run.db, runID: run.runID)
        return TokenOutput(tokenizerFile: "tokenizer.json", tokenizerSHA256: SHA256.hash(try readFileBytes(tokPath)).hex,
                           vocabularySize: model.vocabularySize, endOfText: tspec.endOfText, endOfTextID: eot, shards: written, mixture: mix,
                           curriculum: buckets.isEmpty ? nil : (buckets[0].score, buckets.map { ($0.name, $0.lower, $0.upper) }))
    }

    // MARK: - Tokenizer

    /// Loads the spec's file or trains on the kept documents; either way the run's tokenizer is saved as
    /// `tokenizer.json` in the output folder (a resumed run reads that back).
    func tokenizer(_ t: TokenizerSpec, _ shards: [ShardInfo]) throws -> BPEModel {
        let path = (outDir as NSString).appendingPathComponent("tokenizer.json")
        if run.isDone(Self.tokenizerTask), FileManager.default.fileExists(atPath: path) { return try TokenizerFile.load(path) }
        let model: BPEModel
        if let file = t.file {
            model = try TokenizerFile.load(PipelineLoader.resolve(file, run.pipeline.baseDir))
        } else if let first = seriesTokenizer() {
            // An incremental series keeps the tokenizer its first version trained, so every version's tokens agree.
            model = try TokenizerFile.load(first)
            run.observer?.log("tokenizer: the series' own, from \(relativePath(first, from: run.pipeline.outputDir))")
        } else {
            let tr = t.train!
            var counts = BPETrainer.WordCounts(addPrefixSpace: tr.addPrefixSpace)
            var taken = 0
            outer: for s in shards {
                var parser = DocumentLineParser(textField: "text", idField: "id")
                var full = false
                try LineReader(source: try openByteSource(path: shardPath(s)), maxLineBytes: 1 << 30).forEachLine { line in
                    guard case .text(let l) = line, parser.parse(l) == nil else { return true }
                    if case .success(let text) = parser.makeText() { counts.add(text); taken += parser.text.count }
                    full = taken >= tr.sampleBytes
                    return !full
                }
                if full { break outer }
            }
            run.observer?.log("tokenizer: training on \(taken) bytes of kept text, \(counts.distinct) distinct words")
            model = try BPETrainer(vocabSize: tr.vocabSize, minFrequency: tr.minFrequency, specials: tr.specialTokens,
                                   addPrefixSpace: tr.addPrefixSpace).train(counts)
        }
        try writeFileAtomically(path, Array(TokenizerFile.hfJSON(model).utf8))
        run.lineage.send(.taskDone(task: Self.tokenizerTask, stats: [], sources: [:]))
        return model
    }

    private func shardPath(_ s: ShardInfo) -> String { (outDir as NSString).appendingPathComponent(s.path) }

    /// The tokenizer.json of the earliest version of an incremental run's series that has one.
    private func seriesTokenizer() -> String? {
        for v in run.dataset?.earlier ?? [] {
            let path = (run.pipeline.outputDir as NSString).appendingPathComponent("\(v.path)/tokenizer.json")
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }

    // MARK: - Encoding

    func tokensPath(_ s: Int) -> String { (run.workFiles.dir as NSString).appendingPathComponent(String(format: "tokens-s%05d.tok", s)) }

    /// The annotations of a text shard's documents, in shard order, from its partition's meta file (nil when
    /// the run records no per-document rows).
    private func annotations(of s: ShardInfo) throws -> [JSONValue]? {
        if run.reused != nil {
            let path = run.workFiles.reusedAnnotations(s.shard)
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            var out: [JSONValue] = []
            try WorkFile.ShardAnnotations.forEach(path) { out.append((try? JSONParser.parse($0.json)) ?? .object(JSONObject())) }
            return out
        }
        let p = s.partition, k = s.localShard
        guard FileManager.default.fileExists(atPath: run.workFiles.finalMeta(p)) else { return nil }
        var out: [JSONValue] = []
        try WorkFile.KeptMeta.forEach(run.workFiles.finalMeta(p)) { m in
            if m.localShard == k { out.append((try? JSONParser.parse(m.annotations)) ?? .object(JSONObject())) }
        }
        return out
    }

    /// A run keeping an earlier run's cleaning has no partition work files: the kept documents' annotations come
    /// from lineage instead (this run's copied rows, or the earlier run's when this one records none), one work file
    /// per text shard in shard order. Without document rows there are none, as in a run with --no-lineage.
    private func writeReusedAnnotations(_ shards: [ShardInfo], rowsOf id: String) throws {
        try run.lineage.sync()
        let wanted = Set(shards.map(\.shard))
        var writer: WorkFileWriter<WorkFile.ShardAnnotations>?
        var current = -1
        try CleaningRecords.forEachKeptAnnotation(run.db, runID: id) { s, annotations in
            guard wanted.contains(s) else { return }
            if s != current {
                try writer?.commit()
                writer = try WorkFile.ShardAnnotations.writer(run.workFiles.reusedAnnotations(s))
                current = s
            }
            try writer?.append(WorkFile.ShardAnnotations(json: Array(annotations.utf8)))
        }
        try writer?.commit()
    }

    /// The curriculum score of one document.
    private func score(_ c: CurriculumSpec, text: [UInt8], tokens: Int, annotations: JSONValue?, id: [UInt8], shard: String) throws -> Double {
        switch c.score {
        case "length": return Double(tokens)
        case "compression_ratio": return text.withUnsafeBufferPointer { DifficultyScore.compressionRatio($0) }
        case "readability":
            return text.withUnsafeBufferPointer { DifficultyScore.readability(bytes: $0, english: annotations?["language"]?.stringValue == "en") }
        default:
            guard let a = annotations else {
                throw FileError(shard, "curriculum.score \"\(c.score)\" is an annotation, and this run keeps no per-document lineage to read it from (drop --no-lineage)")
            }
            guard let v = a[c.score]?.doubleValue else {
                throw FileError(shard, "document \(String(decoding: id, as: UTF8.self)) has no numeric annotation \"\(c.score)\" for curriculum.score (built-in scores: \(CurriculumSpec.builtinScores.joined(separator: ", ")))")
            }
            return v
        }
    }

    /// Each text shard's documents encoded: raw uint32 tokens in a `.tok` work file and (id, tokens, score,
    /// language) records in a `.docs` one (read back by `loadDocs`); one task per shard, on all workers.
    func encode(_ model: BPEModel, _ shards: [ShardInfo]) throws {
        let todo = shards.filter { !run.isDone(Self.encodeTask($0.shard)) }
        guard !todo.isEmpty else { return }
        let curriculum = run.pipeline.spec.curriculum
        let rehydrate = run.pipeline.spec.effectiveMixture?.rehydrate != nil
        let needsAnnotations = (curriculum.map { !["length", "compression_ratio"].contains($0.score) } ?? false) || rehydrate
        if needsAnnotations, let reused = run.reused { try writeReusedAnnotations(todo, rowsOf: run.recordDocuments ? run.runID : reused.runID) }
        let lock = NSLock()
        nonisolated(unsafe) var cursor = 0
        nonisolated(unsafe) var failure: Error?
        DispatchQueue.concurrentPerform(iterations: max(1, min(run.workers, todo.count))) { _ in
            var enc = BPEEncoder(model: model)
            while true {
                lock.lock(); let k = cursor; cursor += 1; let stop = failure != nil; lock.unlock()
                guard k < todo.count, !stop else { return }
                let s = todo[k]
                do {
                    let docs = try WorkFile.EncodedDoc.writer(encodedPath(s.shard))
                    let toks = try AtomicCompressedWriter(path: tokensPath(s.shard), compression: .none, level: nil, checksum: false, durable: false)
                    let notes = needsAnnotations ? try annotations(of: s) : nil
                    var parser = DocumentLineParser(textField: "text", idField: "id")
                    var ids: [Int32] = []
                    var line = 0
                    try LineReader(source: try openByteSource(path: shardPath(s)), maxLineBytes: 1 << 30).forEachLine { l in
                        line += 1
                        guard case .text(let bytes) = l else { throw FileError(s.path, "line \(line) is too long to read back") }
                        if let f = parser.parse(bytes) { throw FileError(s.path, "line \(line): \(f.message)") }
                        ids.removeAll(keepingCapacity: true)
                        parser.text.withUnsafeBufferPointer { enc.encode(bytes: $0, into: &ids) }
                        let note = notes.flatMap { line - 1 < $0.count ? $0[line - 1] : nil }
                        let sc = try curriculum.map { try score($0, text: parser.text, tokens: ids.count, annotations: note, id: parser.id, shard: s.path) } ?? 0
                        // The language, for per-language curriculum quantiles.
                        try docs.append(WorkFile.EncodedDoc(id: parser.id, tokens: ids.count, score: sc, language: note?["language"]?.stringValue ?? "",
                                                            clusterSize: max(1, note?["minhash_cluster_size"]?.intValue ?? 1)))
                        try ids.map { UInt32(bitPattern: $0).littleEndian }.withUnsafeBytes { try toks.write($0) }
                        return true
                    }
                    _ = try toks.commit()
                    try docs.commit()
                    run.lineage.send(.taskDone(task: Self.encodeTask(s.shard), stats: [], sources: [:]))
                    try run.testDelay()
                } catch {
                    lock.lock(); failure = failure ?? error; lock.unlock()
                }
            }
        }
        if let failure { throw failure }
    }

    // MARK: - Planning

    /// The split of a document: `val` for a `val_fraction` share chosen by a hash of the seed and its id.
    static func split(id: [UInt8], seed: Int, valFraction: Double) -> String {
        guard valFraction > 0 else { return "train" }
        return Double(hash(id, seed: seed, "split") >> 11) / Double(1 << 53) < valFraction ? "val" : "train"
    }

    static func hash(_ id: [UInt8], seed: Int, _ purpose: String, _ extra: Int = 0) -> UInt64 {
        var key = Array("\(purpose)\u{0}\(seed)\u{0}\(extra)\u{0}".utf8)
        key += id
        return XXHash64.hash(key)
    }

    /// Every encoded document, as columns.
    struct Docs {
        var shard: [Int32] = [], tokenOffset: [Int64] = [], count: [Int32] = [], source: [Int32] = [], score: [Double] = []
        /// The `language` annotation of each document ("" without a language step), for per-language quantiles.
        var language: [String] = []
        /// Each document's `minhash_cluster_size` (1 without one), for `rehydrate`.
        var clusterSize: [Int32] = []
        var idStart: [Int] = [], idArena: [UInt8] = [], val: [Bool] = []
        var n: Int { count.count }
        func id(_ i: Int) -> [UInt8] { Array(idArena[idStart[i]..<idStart[i + 1]]) }
        /// Output tokens of one copy (its end-of-text token included).
        func tokens(_ i: Int) -> Int64 { Int64(count[i]) + 1 }
    }

    /// One document copy in the output: which document, which epoch, which bucket, replayed or not.
    struct Copy { let doc: Int32; let epoch: Int32; let bucket: Int16; let replay: Bool }

    private func loadDocs(_ shards: [ShardInfo], sourceIndex: [String: Int]) throws -> Docs {
        var d = Docs()
        d.idStart.append(0)
        let out = run.pipeline.spec.output, seed = run.pipeline.spec.seed
        for (k, s) in shards.enumerated() {
            let src = Int32(sourceIndex[s.sources.keys.sorted().first ?? ""] ?? 0)
            var offset: Int64 = 0
            try WorkFile.EncodedDoc.forEach(encodedPath(s.shard)) { r in
                let id = r.id, n = r.tokens, sc = r.score, lang = r.language
                d.clusterSize.append(Int32(clamping: r.clusterSize))
                d.shard.append(Int32(k)); d.tokenOffset.append(offset); d.count.append(Int32(n)); d.source.append(src); d.score.append(sc)
                d.language.append(lang)
                d.idArena += id; d.idStart.append(d.idArena.count)
                d.val.append(Self.split(id: id, seed: seed, valFraction: out.valFraction) == "val")
                offset += Int64(n)
            }
        }
        return d
    }

    /// What the mixture and curriculum decided, for the manifest and lineage.
    struct Accounting {
        var targets: [Double] = [], available: [Int64] = [], give: [Int64] = [], shortfalls: [String] = []
        var edges: [Double] = []
        /// Tokens the cleaned training documents hold per source and bucket position.
        var availableInBucket: [Int: [Int: Int64]] = [:]
    }

    /// The training copies in write order, grouped by bucket (one group without a curriculum).
    private func planTrain(_ d: Docs, acc: inout Accounting) throws -> [[Copy]] {
        let spec = run.pipeline.spec, seed = spec.seed
        let train = (0..<d.n).filter { !d.val[$0] }
        let trainBySource = Dictionary(grouping: train) { Int(d.source[$0]) }
        var copies: [Int] = Array(repeating: 1, count: d.n)
        if let mix = spec.effectiveMixture {
            // Rehydration: a document counts as often in its source's pool as its cluster size asks.
            let weight: (Int) -> Int = { doc in mix.rehydrate?.weight(clusterSize: Int(d.clusterSize[doc])) ?? 1 }
            let sources = run.pipeline.sources.enumerated().map { i, s in
                Mixture.Source(name: s.spec.name, weight: s.spec.weight, maxEpochs: s.spec.maxEpochs,
                               available: (trainBySource[i] ?? []).reduce(Int64(0)) { $0 + d.tokens($1) * Int64(weight($1)) })
            }
            if mix.rehydrate != nil {
                let repeated = train.filter { weight($0) != 1 }.count
                run.observer?.log("mixture: rehydrated by minhash_cluster_size: \(repeated) of \(train.count) training documents weigh other than 1")
            }
            // A weighted source that kept nothing cannot be mixed in at all: say so, and where to see why.
            for s in sources where s.available == 0 && s.weight > 0 {
                run.observer?.log("mixture: source \(s.name) has weight \(s.weight) but none of its training documents was kept — every one was dropped or held out; why: winnow lineage --db \(run.pipeline.lineagePath) --run \(run.runID) \"select step, reason, count(*) from documents where source = '\(s.name)' and status != 'kept' group by 1, 2\"")
            }
            let plan = try Mixture.plan(sources, total: spec.output.totalTokens.map(Int64.init), onShortfall: mix.onShortfall)
            for line in plan.shortfalls {
                run.observer?.log("mixture shortfall: \(line) — \(mix.onShortfall == .renormalize ? "renormalised" : mix.onShortfall == .shrink ? "shrunk" : "stopping")")
            }
            // `available` is what the cleaned documents hold (so a rehydrated source's epochs say how much it was repeated).
            acc.targets = plan.targetShares; acc.give = plan.give; acc.shortfalls = plan.shortfalls
            acc.available = sources.indices.map { i in (trainBySource[i] ?? []).reduce(Int64(0)) { $0 + d.tokens($1) } }
            for (i, _) in sources.enumerated() {
                let docs = trainBySource[i] ?? []
                let c = Mixture.copies(tokens: docs.map { d.tokens($0) }, keys: docs.map { Self.hash(d.id($0), seed: seed, "mix") }, give: plan.give[i],
                                       weights: docs.map { weight($0) })
                for (k, doc) in docs.enumerated() { copies[doc] = c[k] }
            }
        }
        var all: [Copy] = []
        for doc in train { for e in 0..<copies[doc] { all.append(Copy(doc: Int32(doc), epoch: Int32(e), bucket: -1, replay: false)) } }
        guard let cur = spec.curriculum else {
            if spec.effectiveMixture != nil { return [shuffled(all, d, seed: seed, group: 0)] }
            return [all]
        }
        // `readability` is Flesch–Kincaid for English and ARI for other languages: two scales. With quantiles, each
        // document's score becomes its percentile within its own language, so every language is bucketed by its own
        // quantiles (explicit edges stay in raw units: the user chose them).
        var score = d.score
        if cur.score == "readability" && cur.edges == nil {
            let byLanguage = Dictionary(grouping: train) { d.language[$0] }
            for (_, docs) in byLanguage {
                let sorted = docs.sorted { d.score[$0] != d.score[$1] ? d.score[$0] < d.score[$1] : $0 < $1 }
                var rank = 0
                while rank < sorted.count {
                    var end = rank
                    while end + 1 < sorted.count && d.score[sorted[end + 1]] == d.score[sorted[rank]] { end += 1 }
                    for k in rank...end { score[sorted[k]] = Double(rank) / Double(sorted.count) }   // ties share a rank
                    rank = end + 1
                }
            }
        }
        // Buckets by score: explicit edges, or quantiles of the training documents' scores.
        let edges: [Double]
        if let e = cur.edges { edges = e } else {
            let q = cur.quantiles ?? (1..<cur.buckets.count).map { Double($0) / Double(cur.buckets.count) }
            let scores = train.map { score[$0] }.sorted()
            edges = q.map { scores.isEmpty ? 0 : scores[min(scores.count - 1, Int((Double(scores.count) * $0).rounded(.down)))] }
        }
        acc.edges = edges
        func bucket(_ score: Double) -> Int { edges.firstIndex { score < $0 } ?? edges.count }
        var groups: [[Copy]] = Array(repeating: [], count: cur.buckets.count)
        let position = Dictionary(uniqueKeysWithValues: cur.writeOrder.enumerated().map { ($1, $0) })
        for doc in train {
            acc.availableInBucket[Int(d.source[doc]), default: [:]][position[cur.buckets[bucket(score[doc])]]!, default: 0] += d.tokens(doc)
        }
        for c in all {
            let b = position[cur.buckets[bucket(score[Int(c.doc)])]]!
            groups[b].append(Copy(doc: c.doc, epoch: c.epoch, bucket: Int16(b), replay: false))
        }
        // Replay: each later bucket draws `replay` × its tokens from the buckets written before it.
        if cur.replay > 0 {
            for b in 1..<max(1, groups.count) {
                let need = Int64((cur.replay * Double(groups[b].reduce(Int64(0)) { $0 + d.tokens(Int($1.doc)) })).rounded())
                let earlier = groups[0..<b].joined().filter { !$0.replay }
                let pool = earlier.map { (Self.hash(d.id(Int($0.doc)), seed: seed, "replay", b * 1_000_000 + Int($0.epoch)), $0) }
                    .sorted { ($0.0, $0.1.doc, $0.1.epoch) < ($1.0, $1.1.doc, $1.1.epoch) }.map(\.1)
                var got: Int64 = 0
                for c in pool where got < need {
                    let t = d.tokens(Int(c.doc))
                    if 2 * (need - got) >= t { groups[b].append(Copy(doc: c.doc, epoch: c.epoch, bucket: Int16(b), replay: true)); got += t }
                }
            }
        }
        return groups.enumerated().map { shuffled($1, d, seed: seed, group: $0) }
    }

    private func shuffled(_ copies: [Copy], _ d: Docs, seed: Int, group: Int) -> [Copy] {
        copies.map { c in (Self.hash(d.id(Int(c.doc)), seed: seed, "shuffle", (group * 1_000_000 + Int(c.epoch)) * 2 + (c.replay ? 1 : 0)), c) }
            .sorted { ($0.0, $0.1.doc, $0.1.epoch) < ($1.0, $1.1.doc, $1.1.epoch) }.map(\.1)
    }

    // MARK: - Writing

    func write(formats: [TokenShardFormat], vocabularySize: Int, eot: Int32, shards: [ShardInfo]) throws -> [TokenShardInfo] {
        let spec = run.pipeline.spec
        let limit = Int64(spec.output.shardTokens)
        if run.isDone(Self.writeTask) { return try recorded() }
        for e in TokenRecords.clear(run.runID) { run.lineage.send(e) }
        for f in formats {
            try FileManager.default.createDirectory(atPath: (outDir as NSString).appendingPathComponent(f.rawValue), withIntermediateDirectories: true)
        }
        let sourceNames = run.pipeline.sources.map(\.spec.name)
        let d = try loadDocs(shards, sourceIndex: Dictionary(uniqueKeysWithValues: sourceNames.enumerated().map { ($1, $0) }))
        // Tokens of every kept document per source, for the funnel (set, not added: a resumed or remixed run
        // writes its own figure over a copied one); committed with this task's mark.
        var keptTokens = [Int64](repeating: 0, count: sourceNames.count)
        for i in 0..<d.n { keptTokens[Int(d.source[i])] += Int64(d.count[i]) }
        run.lineage.send(TokenRecords.keptTokens(run.runID, Array(zip(sourceNames, keptTokens))))
        var acc = Accounting()
        let train = try planTrain(d, acc: &acc)
        let val = (0..<d.n).filter { d.val[$0] }.map { Copy(doc: Int32($0), epoch: 0, bucket: -1, replay: false) }
        let bucketNames = spec.curriculum?.writeOrder ?? []

        // Shard boundaries: at shard_tokens, and between buckets.
        struct Planned { let split: String; let index: Int; let copies: ArraySlice<Copy>; let tokens: Int64; let bucket: Int16 }
        var planned: [Planned] = []
        for (split, groups) in [("train", train), ("val", [val])] {
            var index = 0
            for g in groups where !g.isEmpty {
                var start = g.startIndex, tokens: Int64 = 0
                for i in g.indices {
                    let t = d.tokens(Int(g[i].doc))
                    if i > start && tokens + t > limit {
                        planned.append(Planned(split: split, index: index, copies: g[start..<i], tokens: tokens, bucket: g[start].bucket)); index += 1
                        start = i; tokens = 0
                    }
                    tokens += t
                }
                planned.append(Planned(split: split, index: index, copies: g[start..<g.endIndex], tokens: tokens, bucket: g[start].bucket)); index += 1
            }
        }

        // The encoded tokens, mapped.
        let maps = try shards.map { try Data(contentsOf: URL(fileURLWithPath: tokensPath($0.shard)), options: .alwaysMapped) }
        var infos: [TokenShardInfo] = []
        var rows: [[SQLValue]] = []
        func flushRows() {
            run.lineage.send(TokenRecords.documentTokens(rows))
            rows = []   // not removeAll(keepingCapacity:): the writer thread may be reading the old buffer (ThreadSanitizer)
        }
        var ids: [Int32] = []
        for p in planned {
            let bucket: SQLValue = p.bucket >= 0 ? .text(bucketNames[Int(p.bucket)]) : .null
            let writers = try formats.map { f in
                try TokenShardWriter(base: (outDir as NSString).appendingPathComponent(String(format: "%@/%@_%06d", f.rawValue, p.split, p.index)),
                                     format: f, wide: f.wide(vocabularySize: vocabularySize), eot: eot, plannedTokens: p.tokens)
            }
            var sources: [String: Int64] = [:]
            for (sequence, c) in p.copies.enumerated() {
                let i = Int(c.doc), n = Int(d.count[i])
                ids.removeAll(keepingCapacity: true)
                maps[Int(d.shard[i])].withUnsafeBytes { raw in
                    let base = Int(d.tokenOffset[i]) * 4
                    for k in 0..<n { ids.append(Int32(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * k, as: UInt32.self)))) }
                }
                var llmcOffset: Int64 = 0
                for (k, w) in writers.enumerated() {
                    let at = try ids.withUnsafeBufferPointer { try w.add($0) }
                    if k == 0 { llmcOffset = w.format == .llmc ? at : at + 1 }
                }
                let source = sourceNames[Int(d.source[i])]
                sources[source, default: 0] += Int64(n + 1)
                if run.recordDocuments {
                    rows.append(TokenRecords.documentTokenRow(runID: run.runID, source: source, docID: String(decoding: d.id(i), as: UTF8.self), split: p.split,
                                                              shard: p.index, sequence: sequence, offset: llmcOffset, tokens: Int(n), epoch: Int(c.epoch), bucket: bucket,
                                                              replay: c.replay))
                }
                if rows.count >= 10_000 { flushRows() }
            }
            for w in writers {
                let files = try w.commit().map { TokenShardInfo.FileEntry(name: "\(w.format.rawValue)/\($0.name)", bytes: $0.bytes, sha256: $0.sha256) }
                infos.append(TokenShardInfo(format: w.format.rawValue, split: p.split, shard: p.index, bucket: p.bucket >= 0 ? bucketNames[Int(p.bucket)] : nil,
                                            files: files, documents: w.documents, tokens: w.tokens, sources: sources))
            }
        }
        if !rows.isEmpty { flushRows() }
        infos.sort { ($0.format, $0.split, $0.shard) < ($1.format, $1.split, $1.shard) }
        for i in infos { run.lineage.send(TokenRecords.tokenShard(run.runID, i)) }
        // Accounting: per source, then per source and bucket — target share, achieved share of the training
        // tokens, tokens and documents (copies, replayed ones included) and epochs (tokens of the mixture's own
        // copies, replays left out, over the tokens the cleaned documents hold).
        let trainCopies = train.joined()
        let total = trainCopies.reduce(Int64(0)) { $0 + d.tokens(Int($1.doc)) }
        var tokensOf: [String: Int64] = [:], docsOf: [String: Int] = [:], availableOf: [String: Int64] = [:], ownOf: [String: Int64] = [:]
        func key(_ s: Int, _ b: Int16?) -> String { "\(s)|\(b.map(String.init) ?? "")" }
        for c in trainCopies {
            let s = Int(d.source[Int(c.doc)]), t = d.tokens(Int(c.doc))
            tokensOf[key(s, nil), default: 0] += t; docsOf[key(s, nil), default: 0] += 1
            if c.bucket >= 0 { tokensOf[key(s, c.bucket), default: 0] += t; docsOf[key(s, c.bucket), default: 0] += 1 }
            if !c.replay {
                ownOf[key(s, nil), default: 0] += t
                if c.bucket >= 0 { ownOf[key(s, c.bucket), default: 0] += t }
            }
        }
        for (s, byBucket) in acc.availableInBucket { for (b, t) in byBucket { availableOf[key(s, Int16(b))] = t } }
        for (s, _) in sourceNames.enumerated() {
            availableOf[key(s, nil)] = acc.available.isEmpty ? ownOf[key(s, nil)] ?? 0 : acc.available[s]
        }
        var accountRows: [MixtureRow] = []
        for (s, name) in sourceNames.enumerated() {
            for b in [Int16?.none] + (bucketNames.isEmpty ? [] : bucketNames.indices.map { Int16($0) }) {
                let k = key(s, b)
                let tokens = tokensOf[k] ?? 0
                guard b == nil || tokens > 0 else { continue }
                let available = availableOf[k] ?? 0
                accountRows.append(MixtureRow(source: name, bucket: b.map { bucketNames[Int($0)] }, target: b == nil && !acc.targets.isEmpty ? acc.targets[s] : nil,
                                              achieved: total > 0 ? Double(tokens) / Double(total) : 0, tokens: tokens, documents: docsOf[k] ?? 0,
                                              epochs: available > 0 ? Double(ownOf[k] ?? 0) / Double(available) : 0,
                                              shortfall: b == nil ? acc.shortfalls.first { $0.hasPrefix(name + ":") } : nil))
            }
        }
        run.lineage.send(TokenRecords.mixture(run.runID, accountRows))
        if let cur = spec.curriculum {
            run.lineage.send(TokenRecords.curriculum(run.runID, cur.writeOrder.enumerated().map { pos, name in
                let k = cur.buckets.firstIndex(of: name)!
                return TokenRecords.Bucket(position: pos, name: name, score: cur.score,
                                           lower: k > 0 ? acc.edges[k - 1] : nil, upper: k < acc.edges.count ? acc.edges[k] : nil)
            }))
        }
        run.lineage.send(.taskDone(task: Self.writeTask, stats: [], sources: [:]))
        return infos
    }

    /// The shards a finished write task recorded (a resumed run that only lacked its manifest).
    func recorded() throws -> [TokenShardInfo] {
        try run.lineage.sync()
        return try TokenRecords.tokenShards(run.db, runID: run.runID)
    }
}
