import Foundation

/// The top-level `manifest.json` of an incremental pipeline: the dataset as it stands — every shard of the current
/// series' versions whose documents are not superseded, paths relative to `output.dir`, in version order (so a
/// trainer reading token shards in manifest order reads version 1's, then version 2's, …). Like a version's own
/// manifest it holds no times or run ids.
struct DatasetManifest {
    let pipeline: Pipeline
    /// The series' versions, oldest first, the one being finished last.
    let versions: [DatasetPlan.EarlierVersion]
    /// "run id\tinput" for every input whose documents from that run are superseded.
    let superseded: Set<String>

    private var outDir: String { pipeline.outputDir }

    private func versionManifest(_ v: DatasetPlan.EarlierVersion) throws -> JSONValue {
        try JSONParser.parse(readFileBytes((outDir as NSString).appendingPathComponent("\(v.path)/manifest.json")))
    }

    private static func prefixed(_ files: JSONValue?, _ prefix: String) -> JSONValue {
        .array((files?.arrayValue ?? []).map { f in
            var o = f.objectValue ?? JSONObject()
            o["path"] = .string("\(prefix)/\(f["path"]?.stringValue ?? "")")
            return .object(o)
        })
    }

    func json() throws -> String {
        func n(_ v: Int) -> JSONValue { .number(Double(v)) }
        var manifests: [(DatasetPlan.EarlierVersion, JSONValue)] = []
        for v in versions { manifests.append((v, try versionManifest(v))) }
        // The newest rewrite of each earlier token shard (keyed by version, format, split, shard).
        var rewrites: [String: JSONValue] = [:]
        for (_, m) in manifests {
            for r in m["rewritten_token_shards"]?.arrayValue ?? [] {
                rewrites["\(r["version"]?.intValue ?? 0)|\(r["format"]?.stringValue ?? "")|\(r["split"]?.stringValue ?? "")|\(r["shard"]?.intValue ?? 0)"] = r
            }
        }
        var shards: [JSONValue] = [], tokenShards: [JSONValue] = [], versionRows: [JSONValue] = []
        var documents = 0, bytes = 0
        var perSource: [String: (docsIn: Int, bad: Int, out: Int, weight: Double)] = [:]
        var tokenizer: JSONValue? = nil
        for (v, m) in manifests {
            var kept = 0, dropped = 0
            for s in m["shards"]?.arrayValue ?? [] {
                let docs = s["documents"]?.intValue ?? 0
                if superseded.contains("\(v.runID)\t\(s["input"]?.stringValue ?? "")") { dropped += docs; continue }
                var o = s.objectValue ?? JSONObject()
                o["path"] = .string("\(v.path)/\(s["path"]?.stringValue ?? "")")
                o["version"] = n(v.version)
                shards.append(.object(o))
                kept += docs; documents += docs; bytes += s["uncompressed_bytes"]?.intValue ?? 0
                for (src, c) in s["sources"]?.objectValue?.pairs ?? [] { perSource[src, default: (0, 0, 0, 0)].out += c.intValue ?? 0 }
            }
            for src in m["sources"]?.arrayValue ?? [] {
                let name = src["name"]?.stringValue ?? ""
                var e = perSource[name, default: (0, 0, 0, 0)]
                e.docsIn += src["documents_in"]?.intValue ?? 0; e.bad += src["bad_lines"]?.intValue ?? 0; e.weight = src["weight"]?.doubleValue ?? 1
                perSource[name] = e
            }
            if let t = m["tokens"], t != .null {
                if tokenizer == nil, var tok = t["tokenizer"]?.objectValue {
                    tok["file"] = .string("\(v.path)/\(tok["file"]?.stringValue ?? "tokenizer.json")")
                    tokenizer = .object(tok)
                }
                for s in t["shards"]?.arrayValue ?? [] {
                    let key = "\(v.version)|\(s["format"]?.stringValue ?? "")|\(s["split"]?.stringValue ?? "")|\(s["shard"]?.intValue ?? 0)"
                    var o: JSONObject
                    if let r = rewrites[key] {
                        if (r["documents"]?.intValue ?? 0) == 0 { continue }   // every document superseded
                        o = r.objectValue ?? JSONObject()
                        o["rewritten"] = .bool(true)
                    } else {
                        o = s.objectValue ?? JSONObject()
                        o["files"] = Self.prefixed(s["files"], v.path)
                    }
                    o["version"] = n(v.version)
                    tokenShards.append(.object(o))
                }
            }
            versionRows.append(.object(JSONObject([("version", n(v.version)), ("path", .string(v.path)), ("documents", n(kept)), ("superseded_documents", n(dropped))])))
        }
        var root = JSONObject()
        root["manifest_version"] = 1
        root["pipeline"] = .string(pipeline.spec.name)
        root["spec_sha256"] = .string(pipeline.sha256)
        root["winnow_version"] = .string(Winnow.version)
        root["incremental"] = true
        root["series"] = n(versions.first?.version ?? 0)
        root["latest_version"] = n(versions.last?.version ?? 0)
        root["versions"] = .array(versionRows)
        root["format"] = "jsonl"
        root["compression"] = .string(pipeline.spec.output.compression.rawValue)
        root["documents"] = n(documents)
        root["uncompressed_bytes"] = n(bytes)
        root["sources"] = .array(pipeline.sources.map { src in
            let e = perSource[src.spec.name] ?? (0, 0, 0, src.spec.weight)
            return .object(JSONObject([("name", .string(src.spec.name)), ("weight", .number(src.spec.weight)), ("documents_in", n(e.docsIn)),
                                       ("bad_lines", n(e.bad)), ("documents_out", n(e.out))]))
        })
        root["shards"] = .array(shards)
        if let tokenizer {
            var splits = JSONObject()
            let firstFormat = tokenShards.first?["format"]?.stringValue
            for split in ["train", "val"] {
                let s = tokenShards.filter { $0["split"]?.stringValue == split && $0["format"]?.stringValue == firstFormat }
                guard !s.isEmpty else { continue }
                var per: [String: Int] = [:]
                for x in s { for (k, v) in x["tokens_per_source"]?.objectValue?.pairs ?? [] { per[k, default: 0] += v.intValue ?? 0 } }
                splits[split] = .object(JSONObject([("documents", n(s.reduce(0) { $0 + ($1["documents"]?.intValue ?? 0) })),
                                                    ("tokens", n(s.reduce(0) { $0 + ($1["tokens"]?.intValue ?? 0) })),
                                                    ("tokens_per_source", .object(JSONObject(per.sorted { $0.key < $1.key }.map { ($0.key, n($0.value)) })))]))
            }
            root["tokens"] = .object(JSONObject([("tokenizer", tokenizer), ("splits", .object(splits)), ("shards", .array(tokenShards))]))
        }
        return JSONWriter.pretty(.object(root))
    }

    /// Points `output.dir/latest` at `target` (relative) in one rename, so readers see the old or the new version.
    static func moveLatest(in dir: String, to target: String) throws {
        let link = (dir as NSString).appendingPathComponent("latest")
        let temp = (dir as NSString).appendingPathComponent(".latest-\(getpid())")
        unlink(temp)
        guard symlink(target, temp) == 0 else { throw FileError(temp, "cannot create a symbolic link (\(String(cString: strerror(errno))))") }
        guard rename(temp, link) == 0 else { unlink(temp); throw FileError(link, "cannot replace (\(String(cString: strerror(errno))))") }
    }
}

/// Token shards of earlier versions that hold superseded documents are written again, without them, into the
/// superseding version's folder (`rewritten/v000001/llmc/train_000000.bin`): the tokens of the other documents
/// are copied as they are (no re-encoding), in the same order. Needs the earlier runs' per-document lineage
/// (`document_tokens`); without it the shard stays as it was and the manifest says so.
struct TokenShardRewrite {
    let run: Executor
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
