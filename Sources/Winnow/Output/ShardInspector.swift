import Foundation

/// `winnow shards inspect DIR`: re-reads everything a run's manifest lists and checks it — every file's size and
/// SHA-256, llm.c headers (magic, version, token count against the file size), Megatron indexes (magic,
/// version, dtype, counts, lengths, pointers, document indices), one end-of-text token per document in its
/// place, every id inside the vocabulary, the same tokens in shard N of every format, and the counts the
/// manifest states — and decodes the first document of the first shard as a sample.
public struct ShardInspector {
    public struct Report {
        public var lines: [String] = []
        public var problems: [String] = []
        public var sample: String?
    }

    let dir: String
    public init(dir: String) { self.dir = dir }

    public func inspect() throws -> Report {
        var r = Report()
        let manifestPath = (dir as NSString).appendingPathComponent("manifest.json")
        let manifest = try JSONParser.parse(readFileBytes(manifestPath))
        // Text shards.
        var textDocs = 0
        for s in manifest["shards"]?.arrayValue ?? [] {
            guard let path = s["path"]?.stringValue else { continue }
            let full = (dir as NSString).appendingPathComponent(path)
            guard let bytes = try? readFileBytes(full) else { r.problems.append("\(path): missing"); continue }
            if SHA256.hash(bytes).hex != s["sha256"]?.stringValue { r.problems.append("\(path): SHA-256 differs from the manifest") }
            textDocs += s["documents"]?.intValue ?? 0
        }
        r.lines.append("text shards: \(manifest["shards"]?.arrayValue?.count ?? 0), \(textDocs) documents")
        // Half-written files a killed run left (the next run of this output removes them).
        let leftovers = (FileManager.default.enumerator(atPath: dir)?.compactMap { $0 as? String } ?? [])
            .filter { !$0.hasPrefix(".winnow/") && OutputLedger.isTemporary(($0 as NSString).lastPathComponent) }.sorted()
        for t in leftovers { r.problems.append("\(t): a temporary file a killed run left behind (not in the manifest; the next run of this output removes it)") }
        guard let tokens = manifest["tokens"] else { return r }
        let vocab = tokens["tokenizer"]?["vocab_size"]?.intValue ?? 0
        let eot = Int64(tokens["tokenizer"]?["end_of_text_id"]?.intValue ?? -1)
        let tokPath = (dir as NSString).appendingPathComponent(tokens["tokenizer"]?["file"]?.stringValue ?? "tokenizer.json")
        let tokBytes = try readFileBytes(tokPath)
        if SHA256.hash(tokBytes).hex != tokens["tokenizer"]?["sha256"]?.stringValue { r.problems.append("tokenizer.json: SHA-256 differs from the manifest") }
        let model = try TokenizerFile.load(tokPath)
        if model.vocabularySize != vocab { r.problems.append("tokenizer.json: \(model.vocabularySize) tokens, the manifest says \(vocab)") }

        var streams: [String: [Int64]] = [:]           // "split/shard" → documents' tokens of the first format read, EOT first
        var totals: [String: (docs: Int, tokens: Int64)] = [:]
        for s in tokens["shards"]?.arrayValue ?? [] {
            let format = s["format"]?.stringValue ?? "", split = s["split"]?.stringValue ?? "", shard = s["shard"]?.intValue ?? 0
            let docs = s["documents"]?.intValue ?? 0, count = Int64(s["tokens"]?.intValue ?? 0)
            // An incremental pipeline's cumulative manifest numbers shards within each version.
            let version = s["version"]?.intValue.map { "v\($0) " } ?? ""
            let name = "\(version)\(format) \(split) \(shard)"
            var data: [String: [UInt8]] = [:]
            for f in s["files"]?.arrayValue ?? [] {
                let path = f["path"]?.stringValue ?? ""
                guard let bytes = try? readFileBytes((dir as NSString).appendingPathComponent(path)) else { r.problems.append("\(path): missing"); continue }
                if bytes.count != f["bytes"]?.intValue { r.problems.append("\(path): \(bytes.count) bytes, the manifest says \(f["bytes"]?.intValue ?? -1)") }
                if SHA256.hash(bytes).hex != f["sha256"]?.stringValue { r.problems.append("\(path): SHA-256 differs from the manifest") }
                data[(path as NSString).pathExtension] = bytes
            }
            guard let bin = data["bin"] else { continue }
            var ids: [Int64] = []
            var problem: String?
            switch format {
            case "llmc":
                func header(_ k: Int) -> Int32 { bin.count >= 1024 ? Int32(littleEndian: bin.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4 * k, as: Int32.self) }) : -1 }
                let wide: Bool
                switch (header(0), header(1)) {
                case (TokenShardFormat.llmcMagic16, 1): wide = false
                case (TokenShardFormat.llmcMagic32, 7): wide = true
                default: r.problems.append("\(name): llm.c header magic/version \(header(0))/\(header(1))"); continue
                }
                let n = Int(header(2)), size = wide ? 4 : 2
                if 1024 + n * size != bin.count { problem = "header says \(n) tokens, the file holds \((bin.count - 1024) / size)"; break }
                ids = readTokens(bin, from: 1024, count: n, wide: wide)
                let starts = ids.indices.filter { ids[$0] == eot }
                if starts.count != docs || (docs > 0 && ids.first != eot) { problem = "\(starts.count) end-of-text tokens for \(docs) documents, or not first" }
            case "megatron":
                guard let idx = data["idx"], idx.count >= 34, Array(idx[0..<9]) == TokenShardFormat.megatronMagic else { problem = ".idx magic"; break }
                func u64(_ o: Int) -> Int { Int(UInt64(littleEndian: idx.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: o, as: UInt64.self) })) }
                guard u64(9) == 1 else { problem = ".idx version \(u64(9))"; break }
                let code = idx[17], wide = code == 4
                guard code == 4 || code == 8 else { problem = ".idx dtype code \(code)"; break }
                let seqs = u64(18), nDocIdx = u64(26)
                guard seqs == docs, nDocIdx == docs + 1, idx.count == 34 + seqs * 4 + seqs * 8 + nDocIdx * 8 else { problem = ".idx counts \(seqs)/\(nDocIdx) for \(docs) documents"; break }
                let lengths = (0..<seqs).map { k in Int(Int32(littleEndian: idx.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 34 + 4 * k, as: Int32.self) })) }
                let pointers = (0..<seqs).map { u64(34 + 4 * seqs + 8 * $0) }
                let docIdx = (0..<nDocIdx).map { u64(34 + 12 * seqs + 8 * $0) }
                let size = wide ? 4 : 2
                var p = 0
                for k in 0..<seqs { if pointers[k] != p { problem = "pointer \(k)" }; p += lengths[k] * size }
                if docIdx != Array(0...seqs) { problem = "document indices" }
                if p != bin.count { problem = ".bin holds \(bin.count) bytes, the index \(p)" }
                if problem != nil { break }
                let stream = readTokens(bin, from: 0, count: bin.count / size, wide: wide)
                var k = 0
                for l in lengths {                                  // back to llm.c's order: EOT before each document
                    if l < 1 || stream[k + l - 1] != eot { problem = "a sequence does not end with the end-of-text token"; break }
                    ids.append(eot); ids += stream[k..<(k + l - 1)]; k += l
                }
            default:
                problem = "unknown format"
            }
            if let problem { r.problems.append("\(name): \(problem)"); continue }
            if Int64(ids.count) != count { r.problems.append("\(name): \(ids.count) tokens, the manifest says \(count)") }
            if let bad = ids.first(where: { $0 < 0 || $0 >= Int64(vocab) }) { r.problems.append("\(name): id \(bad) outside the vocabulary") }
            let key = "\(version)\(split)/\(shard)"
            if let other = streams[key] { if other != ids { r.problems.append("\(name): tokens differ from the other format's shard \(shard)") } }
            else {
                streams[key] = ids
                totals[split, default: (0, 0)].docs += docs
                totals[split, default: (0, 0)].tokens += count
                if r.sample == nil, docs > 0 {
                    let end = ids.dropFirst().firstIndex(of: eot) ?? ids.count
                    r.sample = String(decoding: model.decode(ids[1..<end].map { Int32($0) }), as: UTF8.self)
                }
            }
            r.lines.append(String(format: "%@%@ %@ shard %d: %d documents, %lld tokens", version, format, split, shard, docs, count))
        }
        for (split, t) in totals.sorted(by: { $0.key < $1.key }) {
            let stated = tokens["splits"]?[split]
            if stated?["documents"]?.intValue != t.docs || Int64(stated?["tokens"]?.intValue ?? -1) != t.tokens {
                r.problems.append("\(split): \(t.docs) documents, \(t.tokens) tokens in the shards; the manifest's splits say otherwise")
            }
            r.lines.append("\(split): \(t.docs) documents, \(t.tokens) tokens")
        }
        let resampled = tokens["curriculum"].map { $0 != .null } == true
            || (tokens["mixture"]?.arrayValue ?? []).contains { $0["target"] != nil && $0["target"] != .null }
        if !resampled && totals.values.reduce(0, { $0 + $1.docs }) != textDocs { r.problems.append("token shards hold \(totals.values.reduce(0) { $0 + $1.docs }) documents, text shards \(textDocs)") }
        return r
    }

    private func readTokens(_ b: [UInt8], from: Int, count: Int, wide: Bool) -> [Int64] {
        b.withUnsafeBytes { p in
            (0..<count).map { k in
                wide ? Int64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: from + 4 * k, as: UInt32.self)))
                     : Int64(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: from + 2 * k, as: UInt16.self)))
            }
        }
    }
}
