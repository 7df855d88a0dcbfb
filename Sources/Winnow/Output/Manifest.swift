import Foundation

/// `manifest.json`: what a run wrote, with checksums. It holds no times or run ids, so the same spec
/// and inputs give a byte-identical manifest; lineage links it to runs through `spec_sha256`.
struct Manifest {
    let pipeline: Pipeline
    let shards: [ShardInfo]
    let tokens: TokenOutput?
    let sourceStats: [RunSummary.SourceLine]
    /// With `parquet` among the formats: each Parquet shard (`parquetEntries`).
    var parquet: [JSONValue]? = nil
    /// Keys added at the end (an incremental version's number, series and rewritten token shards).
    var extra: [(String, JSONValue)] = []

    /// The Parquet twins of `shards` as the manifest lists them: path, documents, row groups, bytes, SHA-256.
    static func parquetEntries(dir: String, shards: [ShardInfo]) throws -> [JSONValue] {
        try shards.map { s in
            let rel = ShardWriter.parquetName(of: s.path), path = (dir as NSString).appendingPathComponent(rel)
            let meta = try ParquetMetadata.read(path: path)
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
            return .object(JSONObject([
                ("shard", .number(Double(s.shard))), ("path", .string(rel)), ("documents", .number(Double(meta.numRows))),
                ("row_groups", .number(Double(meta.rowGroups.count))), ("bytes", .number(Double(size))), ("sha256", .string(try DatasetPlan.fileSHA256(path))),
            ]))
        }
    }

    func json() -> String {
        var root = JSONObject()
        root["manifest_version"] = 1
        root["pipeline"] = .string(pipeline.spec.name)
        root["spec_sha256"] = .string(pipeline.sha256)
        root["winnow_version"] = .string(Winnow.version)
        root["format"] = "jsonl"
        root["compression"] = .string(pipeline.spec.output.compression.rawValue)
        root["documents"] = .number(Double(shards.reduce(0) { $0 + $1.documents }))
        root["uncompressed_bytes"] = .number(Double(shards.reduce(Int64(0)) { $0 + $1.uncompressedBytes }))
        root["sources"] = .array(zip(pipeline.sources, sourceStats).map { src, st in
            .object(JSONObject([
                ("name", .string(src.spec.name)), ("weight", .number(src.spec.weight)),
                ("documents_in", .number(Double(st.docsIn))), ("bad_lines", .number(Double(st.errors))),
                ("documents_out", .number(Double(st.docsOut))),
            ]))
        })
        root["shards"] = .array(shards.map { s in
            .object(JSONObject([
                ("shard", .number(Double(s.shard))), ("path", .string(s.path)), ("input", .string(s.input)), ("format", .string(s.format)),
                ("documents", .number(Double(s.documents))), ("bytes", .number(Double(s.bytes))),
                ("uncompressed_bytes", .number(Double(s.uncompressedBytes))), ("sha256", .string(s.sha256)),
                ("sources", .object(JSONObject(s.sources.sorted { $0.key < $1.key }.map { ($0.key, .number(Double($0.value))) }))),
            ]))
        })
        if let parquet {
            root["parquet"] = .object(JSONObject([("compression", .string(pipeline.spec.output.parquetCompression.rawValue)), ("shards", .array(parquet))]))
        }
        if let t = tokens { root["tokens"] = t.json() }
        for (k, v) in extra { root[k] = v }
        return JSONWriter.pretty(.object(root))
    }
}
