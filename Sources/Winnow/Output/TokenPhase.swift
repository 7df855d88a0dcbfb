import Dispatch
import Foundation

/// A token shard as written and recorded.
public struct TokenShardInfo: Sendable {
    public struct FileEntry: Sendable { public let name: String; public let bytes: Int64; public let sha256: String }
    public let format: String
    public let split: String
    public let shard: Int
    /// Paths relative to the output folder: `llmc/train_000000.bin`; Megatron's `.bin` then `.idx`.
    public let files: [FileEntry]
    public let documents: Int
    /// Tokens in the shard, end-of-text tokens included.
    public let tokens: Int64
    /// Tokens per source (end-of-text tokens included).
    public let sources: [String: Int64]
}

/// What the token phase wrote: the tokenizer and the token shards.
public struct TokenOutput: Sendable {
    public let tokenizerFile: String
    public let tokenizerSHA256: String
    public let vocabularySize: Int
    public let endOfText: String
    public let endOfTextID: Int32
    public let shards: [TokenShardInfo]

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
            ("shards", .array(shards.map { s in
                .object(JSONObject([
                    ("format", .string(s.format)), ("split", .string(s.split)), ("shard", n(s.shard)),
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
    let run: Executor

    var outDir: String { run.pipeline.outputDir }
    static let tokenizerTask = "tokens/tokenizer", writeTask = "tokens/write"
    static func encodeTask(_ s: Int) -> String { String(format: "tokens/encode/s%05d", s) }
    func encodedPath(_ s: Int) -> String { (run.workFiles.dir as NSString).appendingPathComponent(String(format: "tokens-s%05d.docs", s)) }

    func execute(_ shards: [ShardInfo]) throws -> TokenOutput? {
        let spec = run.pipeline.spec
        let formats = spec.output.tokenFormats
        guard !formats.isEmpty, let tspec = spec.tokenizer else { return nil }
        let model = try tokenizer(tspec, shards)
        guard let eot = model.specialID(tspec.endOfText) else {
            throw FileError(tspec.file ?? "tokenizer.json", "the tokenizer has no special token \"\(tspec.endOfText)\" (tokenizer.end_of_text)")
        }
        try encode(model, shards)
        let written = try write(formats: formats, vocabularySize: model.vocabularySize, eot: eot, shards: shards)
        let tokPath = (outDir as NSString).appendingPathComponent("tokenizer.json")
        return TokenOutput(tokenizerFile: "tokenizer.json", tokenizerSHA256: SHA256.hash(try readFileBytes(tokPath)).hex,
                           vocabularySize: model.vocabularySize, endOfText: tspec.endOfText, endOfTextID: eot, shards: written)
    }

    // MARK: - Tokenizer

    /// Loads the spec's file or trains on the kept documents; either way the run's tokenizer is saved as
    /// `tokenizer.json` in the output folder (a resumed run reads that back).
    private func tokenizer(_ t: TokenizerSpec, _ shards: [ShardInfo]) throws -> BPEModel {
        let path = (outDir as NSString).appendingPathComponent("tokenizer.json")
        if run.isDone(Self.tokenizerTask), FileManager.default.fileExists(atPath: path) { return try TokenizerFile.load(path) }
        let model: BPEModel
        if let file = t.file {
            model = try TokenizerFile.load(PipelineLoader.resolve(file, run.pipeline.baseDir))
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

    // MARK: - Encoding

    /// Each text shard's documents as (id, ids) records in a work file; one task per shard, on all workers.
    private func encode(_ model: BPEModel, _ shards: [ShardInfo]) throws {
        let todo = shards.filter { !run.isDone(Self.encodeTask($0.shard)) }
        guard !todo.isEmpty else { return }
        let lock = NSLock()
        nonisolated(unsafe) var cursor = 0
        nonisolated(unsafe) var failure: Error?
        DispatchQueue.concurrentPerform(iterations: max(1, min(run.options.workers, todo.count))) { _ in
            var enc = BPEEncoder(model: model)
            while true {
                lock.lock(); let k = cursor; cursor += 1; let stop = failure != nil; lock.unlock()
                guard k < todo.count, !stop else { return }
                let s = todo[k]
                do {
                    let out = try RecordWriter(path: encodedPath(s.shard))
                    var parser = DocumentLineParser(textField: "text", idField: "id")
                    var ids: [Int32] = []
                    var line = 0
                    try LineReader(source: try openByteSource(path: shardPath(s)), maxLineBytes: 1 << 30).forEachLine { l in
                        line += 1
                        guard case .text(let bytes) = l else { throw FileError(s.path, "line \(line) is too long to read back") }
                        if let f = parser.parse(bytes) { throw FileError(s.path, "line \(line): \(f.message)") }
                        ids.removeAll(keepingCapacity: true)
                        parser.text.withUnsafeBufferPointer { enc.encode(bytes: $0, into: &ids) }
                        var e = RecordEncoder()
                        e.blob(parser.id)
                        e.u32(ids.count)
                        ids.withUnsafeBytes { e.bytes += $0 }
                        try out.append(e)
                        return true
                    }
                    try out.commit()
                    run.lineage.send(.taskDone(task: Self.encodeTask(s.shard), stats: [], sources: [:]))
                    try run.testDelay()
                } catch {
                    lock.lock(); failure = failure ?? error; lock.unlock()
                }
            }
        }
        if let failure { throw failure }
    }

    // MARK: - Writing

    /// The split of a document: `val` for a `val_fraction` share chosen by a hash of the seed and its id.
    static func split(id: [UInt8], seed: Int, valFraction: Double) -> String {
        guard valFraction > 0 else { return "train" }
        var key = Array("split\u{0}\(seed)\u{0}".utf8)
        key += id
        let h = XXHash64.hash(key)
        return Double(h >> 11) / Double(1 << 53) < valFraction ? "val" : "train"
    }

    private struct Planned { var shards: [(docs: Int, tokens: Int64)] = [] }

    private func write(formats: [TokenShardFormat], vocabularySize: Int, eot: Int32, shards: [ShardInfo]) throws -> [TokenShardInfo] {
        let out = run.pipeline.spec.output
        let seed = run.pipeline.spec.seed
        let limit = Int64(out.shardTokens)
        if run.isDone(Self.writeTask) { return try recorded() }
        run.lineage.send(.statement("DELETE FROM token_shards WHERE run_id = ?", [.text(run.runID)]))
        run.lineage.send(.statement("DELETE FROM document_tokens WHERE run_id = ?", [.text(run.runID)]))
        for f in formats {
            try FileManager.default.createDirectory(atPath: (outDir as NSString).appendingPathComponent(f.rawValue), withIntermediateDirectories: true)
        }

        // Pass 1: place documents (sizes only), so every shard's token count is known before it is written.
        var plan: [String: Planned] = [:]
        func place(_ split: String, _ tokens: Int64) {
            var p = plan[split] ?? Planned()
            if let last = p.shards.last, last.docs > 0, last.tokens + tokens <= limit {
                p.shards[p.shards.count - 1] = (last.docs + 1, last.tokens + tokens)
            } else {
                p.shards.append((1, tokens))
            }
            plan[split] = p
        }
        for s in shards {
            try RecordReader(path: encodedPath(s.shard)).forEach { d in
                let id = d.blob(); let n = d.u32(); d.i += 4 * n
                place(Self.split(id: id, seed: seed, valFraction: out.valFraction), Int64(n + 1))
            }
        }

        // Pass 2: stream the tokens into each format's shards, recording where each document went.
        struct Open { var index: Int; var writers: [TokenShardWriter]; var sources: [String: Int64] }
        var open: [String: Open] = [:]
        var infos: [TokenShardInfo] = []
        func close(_ split: String) throws {
            guard let o = open[split] else { return }
            for w in o.writers {
                let files = try w.commit().map { TokenShardInfo.FileEntry(name: "\(w.format.rawValue)/\($0.name)", bytes: $0.bytes, sha256: $0.sha256) }
                infos.append(TokenShardInfo(format: w.format.rawValue, split: split, shard: o.index, files: files, documents: w.documents,
                                            tokens: w.tokens, sources: o.sources))
            }
            open[split] = nil
        }
        var nextIndex: [String: Int] = [:]
        var rows: [[SQLValue]] = []
        func flushRows() {
            run.lineage.send(.batch("INSERT INTO document_tokens (run_id, source, doc_id, split, shard, sequence, token_offset, tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows))
            rows.removeAll(keepingCapacity: true)
        }
        for s in shards {
            let source = s.sources.keys.sorted().first ?? ""
            try RecordReader(path: encodedPath(s.shard)).forEach { d in
                let idBytes = d.blob(); let n = d.u32()
                let split = Self.split(id: idBytes, seed: seed, valFraction: out.valFraction)
                if let o = open[split], o.writers[0].documents == plan[split]!.shards[o.index].docs { try close(split) }
                if open[split] == nil {
                    let index = nextIndex[split, default: 0]
                    nextIndex[split] = index + 1
                    let planned = plan[split]!.shards[index].tokens
                    let writers = try formats.map { f in
                        try TokenShardWriter(base: (outDir as NSString).appendingPathComponent(String(format: "%@/%@_%06d", f.rawValue, split, index)),
                                             format: f, wide: f.wide(vocabularySize: vocabularySize), eot: eot, plannedTokens: planned)
                    }
                    open[split] = Open(index: index, writers: writers, sources: [:])
                }
                let tokens = UnsafeRawBufferPointer(rebasing: d.p[d.i..<(d.i + 4 * n)])
                d.i += 4 * n
                var ids = [Int32](repeating: 0, count: n)
                ids.withUnsafeMutableBytes { $0.copyMemory(from: tokens) }
                for k in 0..<n { ids[k] = Int32(littleEndian: ids[k]) }
                var o = open[split]!
                let sequence = o.writers[0].documents
                var llmcOffset: Int64 = 0
                for w in o.writers {
                    let at = try ids.withUnsafeBufferPointer { try w.add($0) }
                    if w === o.writers[0] { llmcOffset = w.format == .llmc ? at : at + 1 }
                }
                o.sources[source, default: 0] += Int64(n + 1)
                open[split] = o
                rows.append([.text(run.runID), .text(source), .text(String(decoding: idBytes, as: UTF8.self)), .text(split), .integer(Int64(o.index)),
                             .integer(Int64(sequence)), .integer(llmcOffset), .integer(Int64(n))])
                if rows.count >= 10_000 { flushRows() }
            }
        }
        for split in open.keys.sorted() { try close(split) }
        if !rows.isEmpty { flushRows() }
        infos.sort { ($0.format, $0.split, $0.shard) < ($1.format, $1.split, $1.shard) }
        for i in infos {
            run.lineage.send(.statement("""
                INSERT INTO token_shards (run_id, format, split, shard, path, docs, tokens, bytes, sha256, files, sources) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(run.runID), .text(i.format), .text(i.split), .integer(Int64(i.shard)), .text(i.files[0].name),
                      .integer(Int64(i.documents)), .integer(i.tokens), .integer(i.files.reduce(0) { $0 + $1.bytes }), .text(i.files[0].sha256),
                      .text(JSONWriter.compact(.array(i.files.map { .object(JSONObject([("path", .string($0.name)), ("bytes", .number(Double($0.bytes))), ("sha256", .string($0.sha256))])) }))),
                      .text(JSONWriter.compact(.object(JSONObject(i.sources.sorted { $0.key < $1.key }.map { ($0.key, .number(Double($0.value))) }))))]))
        }
        run.lineage.send(.taskDone(task: Self.writeTask, stats: [], sources: [:]))
        return infos
    }

    /// The shards a finished write task recorded (a resumed run that only lacked its manifest).
    private func recorded() throws -> [TokenShardInfo] {
        try run.lineage.sync()
        return try run.db.query("SELECT format, split, shard, files, docs, tokens, sources FROM token_shards WHERE run_id = ? ORDER BY format, split, shard",
                                [.text(run.runID)]).rows.map { r in
            let files = (try? JSONParser.parse(r[3].text ?? "[]"))?.arrayValue ?? []
            let sources = (try? JSONParser.parse(r[6].text ?? "{}"))?.objectValue?.pairs ?? []
            return TokenShardInfo(format: r[0].text ?? "", split: r[1].text ?? "", shard: Int(r[2].integer ?? 0),
                                  files: files.map { .init(name: $0["path"]?.stringValue ?? "", bytes: Int64($0["bytes"]?.intValue ?? 0), sha256: $0["sha256"]?.stringValue ?? "") },
                                  documents: Int(r[4].integer ?? 0), tokens: r[5].integer ?? 0,
                                  sources: Dictionary(uniqueKeysWithValues: sources.map { ($0.0, Int64($0.1.intValue ?? 0)) }))
        }
    }
}
