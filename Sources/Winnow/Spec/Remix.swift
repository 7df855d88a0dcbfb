import Foundation

/// `winnow remix OUTPUT_DIR --mixture FILE`: the spec of the newest finished run that wrote `OUTPUT_DIR`, as lineage
/// recorded it, with a mixture file's changes applied. The run then keeps that run's cleaned shards and redoes
/// only the token phase.
///
/// A mixture file holds only what the token phase reads, shaped as in a spec; `null` removes a key:
///
///     {
///       "sources": {"web": {"weight": 3}, "books": {"weight": 1, "max_epochs": 4}},
///       "mixture": {"on_shortfall": "shrink"},
///       "curriculum": null,
///       "output": {"total_tokens": 2000000}
///     }
public enum Remix {
    /// Top-level keys a mixture file may set, with what each may hold.
    public static let sourceKeys = PipelineLoader.tokenPhaseSourceKeys.sorted()
    public static let outputKeys = PipelineLoader.tokenPhaseOutputKeys.sorted()
    public static let topKeys = ["sources", "output"] + PipelineLoader.tokenPhaseKeys.sorted()

    /// The recorded spec of the newest finished (not incremental) run that wrote `outputDir`, and its spec file's path.
    public static func recordedSpec(lineage path: String, outputDir: String) throws -> (runID: String, spec: JSONValue, specPath: String) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw LineageError("\(path): no lineage file there; pass --db with the lineage file of the spec that wrote \(outputDir) (its \"lineage\" key)")
        }
        let db = try LineageStore.openReadOnly(path)
        let candidates = Array(Set([PipelineLoader.absolutePath(outputDir), PipelineLoader.canonicalPath(PipelineLoader.absolutePath(outputDir))]))
        for dir in candidates {
            if let r = try CleaningRecords.newestFinishedRun(db, outputDir: dir) {
                guard let spec = try? JSONParser.parse(Array(r.specJSON.utf8)) else { throw LineageError("\(path): run \(r.id)'s recorded spec is not JSON") }
                return (r.id, spec, r.specPath)
            }
        }
        if try CleaningRecords.incrementalRuns(db, outputDirs: candidates) > 0 { throw LineageError("\(outputDir) holds an incremental dataset; remix works on a pipeline's single output (each version keeps its own token shards)") }
        throw LineageError("\(path): no finished run wrote \(outputDir); run its spec first (`winnow run SPEC`)")
    }

    /// Reads and parses a mixture file (errors name the file, and line and column for bad JSON).
    public static func readMixtureFile(_ path: String) throws -> JSONValue {
        let bytes: [UInt8]
        do { bytes = try readFileBytes(path) } catch {
            throw SpecValidationError(file: path, issues: [SpecIssue("", "cannot read the mixture file (\(describe(error)))")])
        }
        do { return try JSONParser.parse(bytes) } catch let e as JSONParser.SyntaxError {
            throw SpecValidationError(file: "\(path):\(e.line):\(e.column)", issues: [SpecIssue("", "invalid JSON: \(e.message)")])
        }
    }

    /// `spec` with the mixture file `mixture` (read from `file`, for messages) applied; every problem at once.
    public static func apply(_ mixture: JSONValue, file: String, to spec: JSONValue) throws -> JSONValue {
        var issues: [SpecIssue] = []
        guard case .object(let m) = mixture else { throw SpecValidationError(file: file, issues: [SpecIssue("", "a mixture file is a JSON object (keys: \(topKeys.joined(separator: ", ")))")]) }
        guard case .object(var out) = spec else { throw SpecValidationError(file: file, issues: [SpecIssue("", "the recorded spec is not an object")]) }
        let outside = "it would change the cleaned shards; edit the spec and `winnow run` it instead (a mixture file may set \(topKeys.joined(separator: ", ")))"
        for (key, value) in m.pairs {
            switch key {
            case "sources":
                guard case .object(let bySource) = value else { issues.append(SpecIssue("/sources", "an object from source name to {\(sourceKeys.joined(separator: ", "))}")); continue }
                var sources = out["sources"]?.arrayValue ?? []
                let names = sources.map { $0["name"]?.stringValue ?? "" }
                for (name, change) in bySource.pairs {
                    guard let i = names.firstIndex(of: name) else {
                        issues.append(SpecIssue("/sources/\(name)", "no source named \"\(name)\" in the spec (its sources: \(names.joined(separator: ", ")))")); continue
                    }
                    guard case .object(let c) = change, case .object(var s) = sources[i] else {
                        issues.append(SpecIssue("/sources/\(name)", "an object with \(sourceKeys.joined(separator: ", "))")); continue
                    }
                    for (k, v) in c.pairs {
                        guard sourceKeys.contains(k) else { issues.append(SpecIssue("/sources/\(name)/\(k)", "\"\(k)\": \(outside)")); continue }
                        s[k] = v == .null ? JSONValue?.none : v
                    }
                    sources[i] = .object(s)
                }
                out["sources"] = .array(sources)
            case "output":
                guard case .object(let c) = value, case .object(var o)? = out["output"] else { issues.append(SpecIssue("/output", "an object with \(outputKeys.joined(separator: ", "))")); continue }
                for (k, v) in c.pairs {
                    guard outputKeys.contains(k) else { issues.append(SpecIssue("/output/\(k)", "\"output.\(k)\": \(outside)")); continue }
                    o[k] = v == .null ? JSONValue?.none : v
                }
                out["output"] = .object(o)
            case _ where PipelineLoader.tokenPhaseKeys.contains(key):
                out[key] = value == .null ? JSONValue?.none : value
            default:
                issues.append(SpecIssue("/\(key)", "\"\(key)\": \(outside)"))
            }
        }
        guard issues.isEmpty else { throw SpecValidationError(file: file, issues: issues) }
        return .object(out)
    }
}
