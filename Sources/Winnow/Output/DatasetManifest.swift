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
