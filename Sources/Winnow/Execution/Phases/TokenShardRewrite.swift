import Foundation

/// Token shards of earlier versions that hold superseded documents are written again, without them, into the
/// superseding version's folder (`rewritten/v000001/llmc/train_000000.bin`): the tokens of the other documents
/// are copied as they are (no re-encoding), in the same order. Needs the earlier runs' per-document lineage
/// (`document_tokens`); without it the shard stays as it was and the manifest says so.
struct TokenShardRewrite {
    let run: RunContext
    let plan: DatasetPlan
    let superseded: Set<String>

    /// The rewritten shards' manifest entries (paths relative to output.dir), for the version's manifest.
    func execute() throws -> [JSONValue] {
        let newlyAffected = Set(plan.supersessions.map(\.earlierRunID))
        var entries: [JSONValue] = []
        let out = run.pipeline.outputDir
        for v in plan.earlier where newlyAffected.contains(v.runID) {
            let m = try JSONParser.parse(readFileBytes((out as NSString).appendingPathComponent("\(v.path)/manifest.json")))
            guard let tokens = m["tokens"], tokens != .null, let vocab = tokens["tokenizer"]?["vocab_size"]?.intValue,
                  let eot = tokens["tokenizer"]?["end_of_text_id"]?.intValue else { continue }
            var docsByShard: [String: [(source: String, offset: Int, count: Int, input: String)]] = [:]
            for p in try ShardRecords.tokenPlacements(run.db, runID: v.runID) {
                docsByShard["\(p.split)|\(p.shard)", default: []].append((p.source, p.offset, p.count, p.input))
            }
            for s in tokens["shards"]?.arrayValue ?? [] {
                let split = s["split"]?.stringValue ?? "", shard = s["shard"]?.intValue ?? 0
                guard let format = TokenShardFormat(rawValue: s["format"]?.stringValue ?? "") else { continue }
                let docs = docsByShard["\(split)|\(shard)"] ?? []
                if docs.count != (s["documents"]?.intValue ?? 0) {
                    run.observer?.log("version \(v.version): \(format.rawValue) \(split) shard \(shard) has no per-document lineage; it keeps its superseded documents")
                    continue
                }
                guard docs.contains(where: { superseded.contains("\(v.runID)\t\($0.input)") }) else { continue }
                let keep = docs.filter { !superseded.contains("\(v.runID)\t\($0.input)") }
                entries.append(try rewrite(v, s, format: format, split: split, shard: shard, keep: keep, vocab: vocab, eot: Int32(eot)))
            }
        }
        return entries
    }

    private func rewrite(_ v: DatasetPlan.EarlierVersion, _ s: JSONValue, format: TokenShardFormat, split: String, shard: Int,
                         keep: [(source: String, offset: Int, count: Int, input: String)], vocab: Int, eot: Int32) throws -> JSONValue {
        func n(_ x: some BinaryInteger) -> JSONValue { .number(Double(x)) }
        let out = run.pipeline.outputDir
        let original = (out as NSString).appendingPathComponent("\(v.path)/\(s["files"]?.arrayValue?.first?["path"]?.stringValue ?? "")")
        let relBase = String(format: "%@/rewritten/v%06d/%@/%@_%06d", plan.relativeDir, v.version, format.rawValue, split, shard)
        var entry = JSONObject([("version", n(v.version)), ("format", .string(format.rawValue)), ("split", .string(split)), ("shard", n(shard)),
                                ("bucket", s["bucket"] ?? .null), ("documents", n(keep.count))])
        guard !keep.isEmpty else {
            entry["tokens"] = 0; entry["tokens_per_source"] = .object(JSONObject()); entry["files"] = .array([])
            return .object(entry)
        }
        let wide = format.wide(vocabularySize: vocab), size = wide ? 4 : 2
        let data = try Data(contentsOf: URL(fileURLWithPath: original), options: .alwaysMapped)
        let planned = keep.reduce(Int64(0)) { $0 + Int64($1.count + 1) }
        try FileManager.default.createDirectory(atPath: ((out as NSString).appendingPathComponent(relBase) as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let w = try TokenShardWriter(base: (out as NSString).appendingPathComponent(relBase), format: format, wide: wide, eot: eot, plannedTokens: planned)
        var ids: [Int32] = []
        var perSource: [String: Int64] = [:]
        for d in keep {
            // llm.c: header of 1,024 bytes, the document's tokens at its offset; Megatron: one token earlier (no EOT before it).
            let start = format == .llmc ? 1024 + d.offset * size : (d.offset - 1) * size
            guard start >= 0, start + d.count * size <= data.count else { throw FileError(original, "shorter than its lineage says (document at token \(d.offset))") }
            ids.removeAll(keepingCapacity: true)
            data.withUnsafeBytes { raw in
                for k in 0..<d.count {
                    ids.append(wide ? Int32(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * k, as: UInt32.self)))
                                    : Int32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: start + 2 * k, as: UInt16.self))))
                }
            }
            try ids.withUnsafeBufferPointer { _ = try w.add($0) }
            perSource[d.source, default: 0] += Int64(d.count + 1)
        }
        let files = try w.commit()
        let dir = (relBase as NSString).deletingLastPathComponent
        entry["tokens"] = n(planned)
        entry["tokens_per_source"] = .object(JSONObject(perSource.sorted { $0.key < $1.key }.map { ($0.key, n($0.value)) }))
        entry["files"] = .array(files.map { .object(JSONObject([("path", .string("\(dir)/\($0.name)")), ("bytes", n($0.bytes)), ("sha256", .string($0.sha256))])) })
        return .object(entry)
    }
}
