import Foundation
import XCTest
@testable import Winnow

/// What the stage-task and Slurm tests compare: a run's output files and lineage rows, and the specs they run.
enum RunComparison {
    /// Every file of the output folder but the lineage file and Winnow's bookkeeping, with its SHA-256.
    static func outputFiles(_ dir: String) throws -> [String: String] {
        var out: [String: String] = [:]
        let e = FileManager.default.enumerator(atPath: dir)!
        while let rel = e.nextObject() as? String {
            let path = (dir as NSString).appendingPathComponent(rel)
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
            if isDir.boolValue || rel.hasPrefix(".winnow") || rel.hasPrefix("lineage.db") { continue }
            out[rel] = SHA256.hash(try readFileBytes(path)).hex
        }
        return out
    }

    /// The rows a run left in each lineage table, sorted, without run ids and times.
    static func lineage(_ db: String, ignoring more: Set<String> = []) throws -> [String: [String]] {
        let ignored = Set(["run_id", "finished_at", "started_at", "seconds", "workers", "trigger", "created_at", "cluster_jobs"]).union(more)
        var out: [String: [String]] = [:]
        for t in TaskLineage.appended + TaskLineage.summed.map(\.table) + ["inputs", "runs"] {
            let cols = try lineageRows(db, "SELECT name FROM pragma_table_info('\(t)')").map { $0[0] }.filter { !ignored.contains($0) }
            let rows = try lineageRows(db, "SELECT \(cols.map { "\"\($0)\"" }.joined(separator: ", ")) FROM \(t)")
            out[t] = rows.map { $0.joined(separator: "\u{1F}") }.sorted()
        }
        return out
    }

    /// The spec of `pipelines/<name>` in `dir`, its inputs and models found from there, with token output added.
    static func spec(_ name: String, in dir: String, edit: (inout JSONObject) -> Void = { _ in }) throws -> String {
        var json = try JSONParser.parse(readFileBytes("\(repoRoot)/pipelines/\(name)")).objectValue!
        json["$schema"] = nil
        var sources: [JSONValue] = []
        for s in json["sources"]!.arrayValue! {
            var o = s.objectValue!
            o["paths"] = .array(o["paths"]!.arrayValue!.map { .string("\(repoRoot)/pipelines/\($0.stringValue!)") })
            sources.append(.object(o))
        }
        json["sources"] = .array(sources)
        json["tokenizer"] = try JSONParser.parse(Array(#"{"train": {"vocab_size": 400, "special_tokens": ["<|endoftext|>"]}}"#.utf8))
        json["output"] = try JSONParser.parse(Array("""
            {"dir": "\(dir)/out", "compression": "zstd", "formats": ["jsonl", "llmc", "megatron"], "shard_docs": 25, "shard_tokens": 4000, "val_fraction": 0.1}
            """.utf8))
        edit(&json)
        let path = "\(dir)/spec.json"
        try writeFile(path, JSONWriter.pretty(.object(json)))
        return path
    }

    /// Empties the output folder but for the generated PII salt, so the next run hashes as the first did.
    static func clearOutput(_ out: String) throws {
        for n in try FileManager.default.contentsOfDirectory(atPath: out) where !n.hasSuffix(".pii-salt") {
            try FileManager.default.removeItem(atPath: (out as NSString).appendingPathComponent(n))
        }
    }

    static var env: [String: String] { ["WINNOW_MODELS": "\(repoRoot)/models"] }

    /// What one `winnow run` of `spec` writes into `out` (files, lineage rows), then `out` emptied for the run to
    /// compare with it.
    static func oneProcessResult(_ spec: String, out: String, ignoring more: Set<String> = []) throws -> (files: [String: String], rows: [String: [String]]) {
        let r = try CLI.run(["run", spec, "--quiet"], env: env)
        guard r.status == 0 else { throw FileError(spec, "winnow run failed (\(r.status)):\n\(r.stderr)") }
        let files = try outputFiles(out), rows = try lineage("\(out)/lineage.db", ignoring: more)
        try clearOutput(out)
        return (files, rows)
    }
}
