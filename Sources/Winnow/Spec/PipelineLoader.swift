import Foundation

/// A spec that passed validation, with paths resolved and steps built.
public struct Pipeline: Sendable {
    public let spec: PipelineSpec
    /// Absolute path of the spec file.
    public let specPath: String
    /// Folder that relative paths in the spec are resolved against.
    public let baseDir: String
    /// The spec as canonical JSON (sorted keys, no whitespace), and the SHA-256 of everything in it that can change
    /// what a run writes (`PipelineLoader.keysOutsideHash` left out).
    public let canonicalJSON: String
    public let sha256: String
    /// SHA-256 of what decides the cleaned text shards: Winnow's version, the spec without the parts only the token
    /// phase reads, and the files its steps read (path, size, modification time) — `PipelineLoader.cleaningHash`. Two
    /// runs with the same cleaning hash and the same inputs write the same text shards.
    public let cleaningHash: String
    public let outputDir: String
    public let lineagePath: String
    public let sources: [ResolvedSource]
    public let steps: [PipelineStep]
    /// Problems with the inputs or the output folder that a load with `checkInputs: false` let through (the
    /// scheduler, `--spec` look-ups); a run refuses to start while there are any.
    public let inputProblems: [SpecIssue]

    /// A source with its files expanded, sorted and de-duplicated.
    public struct ResolvedSource: Sendable {
        public let spec: SourceSpec
        public let files: [String]
    }

    /// How an input path is shown in lineage: relative to the spec's folder (as a spec would write it),
    /// so lineage does not depend on where the repository is checked out.
    public func displayPath(_ path: String) -> String { relativePath(path, from: baseDir) }
}

/// A spec file that failed to load: every problem, each with its JSON pointer.
public struct SpecValidationError: Error, CustomStringConvertible {
    public let file: String
    public let issues: [SpecIssue]
    public var description: String {
        issues.map { $0.pointer.isEmpty ? "\(file): \($0.message)" : "\(file): \($0)" }.joined(separator: "\n")
    }
}

/// Reads, validates and resolves pipeline specs.
public enum PipelineLoader {
    /// Loads `path`; throws `SpecValidationError` listing every problem at once.
    public static func load(_ path: String, checkInputs: Bool = true) throws -> Pipeline {
        let absolute = absolutePath(path)
        let bytes: [UInt8]
        do { bytes = try readFileBytes(absolute) } catch {
            throw SpecValidationError(file: path, issues: [SpecIssue("", "cannot read the spec file (\(error))")])
        }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch let e as JSONParser.SyntaxError {
            throw SpecValidationError(file: "\(path):\(e.line):\(e.column)", issues: [SpecIssue("", "invalid JSON: \(e.message)")])
        }
        return try load(json: json, specPath: path, checkInputs: checkInputs)
    }

    /// Validates and resolves a spec already parsed; relative paths in it are resolved against `specPath`'s folder
    /// (`winnow remix` loads a recorded spec with its mixture changed this way).
    public static func load(json: JSONValue, specPath path: String, checkInputs: Bool = true) throws -> Pipeline {
        let absolute = absolutePath(path)
        let baseDir = (absolute as NSString).deletingLastPathComponent
        var issues = SchemaValidator(schema: PipelineSchema.build()).validate(json)
        // Each pattern is expanded once per load, whichever check looks at it first (a `**` over a big tree is slow).
        var expansions: [String: Glob.Expansion] = [:]
        func expand(_ pattern: String) -> Glob.Expansion {
            if let e = expansions[pattern] { return e }
            let e = Glob.expandReporting(pattern, relativeTo: baseDir)
            expansions[pattern] = e
            return e
        }
        issues += semanticIssues(json, baseDir: baseDir, checkInputs: checkInputs, expand: expand)
        guard issues.isEmpty else { throw SpecValidationError(file: path, issues: issues) }
        let spec: PipelineSpec
        do { spec = try json.decode(PipelineSpec.self) } catch {
            throw SpecValidationError(file: path, issues: [SpecIssue("", "does not match the spec model: \(error)")])
        }

        var steps: [PipelineStep] = []
        let context = StepContext(baseDir: baseDir, seed: spec.seed, outputDir: Self.resolve(spec.output.dir, baseDir))
        for (i, s) in spec.steps.enumerated() {
            do { steps.append(try StepRegistry.build(s, context: context)) } catch let e as StepBuildError {
                issues.append(SpecIssue("/steps/\(i)\(e.pointer)", e.message))
            } catch {
                issues.append(SpecIssue("/steps/\(i)", "\(error)"))
            }
        }
        let outputDir = resolve(spec.output.dir, baseDir)
        let (sources, inputIssues) = resolveSources(spec, baseDir: baseDir, outputDir: outputDir, expand: expand)
        if checkInputs { issues += inputIssues }
        guard issues.isEmpty else { throw SpecValidationError(file: path, issues: issues) }

        let lineage = spec.lineage.map { resolve($0, baseDir) } ?? (outputDir as NSString).appendingPathComponent(PipelineSpec.Defaults.lineageFile)
        let canonical = JSONWriter.canonical(json)
        return Pipeline(spec: spec, specPath: absolute, baseDir: baseDir, canonicalJSON: canonical,
                        sha256: resultHash(json), cleaningHash: cleaningHash(json, filesRead: context.filesRead.fingerprint), outputDir: outputDir, lineagePath: lineage,
                        sources: sources, steps: steps, inputProblems: checkInputs ? [] : inputIssues)
    }

    /// Each source's files (sorted, each file once), and what is wrong with them or with `output.dir`: paths the
    /// globs reached that are not regular files or not UTF-8, a file in two sources, an `output.dir` that is `/`,
    /// the home folder, or holds input files (a run would read, and a new run clear, its own input).
    static func resolveSources(_ spec: PipelineSpec, baseDir: String, outputDir: String,
                               expand: (String) -> Glob.Expansion) -> ([Pipeline.ResolvedSource], [SpecIssue]) {
        var issues: [SpecIssue] = []
        let home = PipelineLoader.homeFolders()
        if outputDir == "/" || home.contains(outputDir) || home.contains(canonicalPath(outputDir)) {
            issues.append(SpecIssue("/output/dir", "\"\(spec.output.dir)\" resolves to \(outputDir), \(outputDir == "/" ? "the root folder" : "the home folder"); Winnow writes and clears shards in output.dir — give it a folder of its own (e.g. \"out/\(spec.name)\")"))
        }
        let outputs = Set([outputDir, canonicalPath(outputDir)])
        func inside(_ file: String) -> Bool {
            for f in [file, canonicalPath(file)] {
                let folder = (f as NSString).deletingLastPathComponent
                if outputs.contains(where: { folder == $0 || folder.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }) { return true }
            }
            return false
        }
        var owner: [Glob.FileID: (source: Int, path: String)] = [:]
        var resolved: [Pipeline.ResolvedSource] = []
        for (i, src) in spec.sources.enumerated() {
            var files: [String] = []
            if src.format != .parquet, src.config != nil || src.split != nil {
                issues.append(SpecIssue("/sources/\(i)", "\"config\" and \"split\" choose files in a Hugging Face dataset folder; they apply to \"format\": \"parquet\" only"))
            }
            for (k, pattern) in src.paths.enumerated() {
                if let scheme = remoteScheme(pattern) {
                    issues.append(SpecIssue("/sources/\(i)/paths/\(k)", "\"\(pattern)\": \(scheme):// paths are not supported yet; copy or mount them (e.g. `aws s3 sync`, gcsfuse, `huggingface-cli download`) and give the local path"))
                    continue
                }
                var e: Glob.Expansion
                let folder = pattern.hasPrefix("/") ? pattern : (baseDir as NSString).appendingPathComponent(pattern)
                var isDir: ObjCBool = false
                if src.format == .parquet, !Glob.hasMagic(pattern), FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue {
                    // A Hugging Face dataset folder: the files of its config and split.
                    e = Glob.Expansion()
                    switch HFDataset.files(dir: folder.standardizedPath, config: src.config, split: src.split) {
                    case .success(let files): e.files = files
                    case .failure(let f): issues.append(SpecIssue("/sources/\(i)/paths/\(k)", f.description))
                    }
                } else {
                    e = expand(pattern)
                    if src.format == .parquet, src.config != nil || src.split != nil {
                        issues.append(SpecIssue("/sources/\(i)/paths/\(k)", "\"\(pattern)\" is not a dataset folder: \"config\" and \"split\" choose files in a Hugging Face dataset folder; give the folder, or drop them"))
                    }
                }
                // An `html` page's URL sidecar (`page.html.url`) is read with the page, not as a page of its own.
                if src.format == .html { e.files.removeAll { $0.hasSuffix(InputReader.urlSidecarSuffix) } }
                let unreadable = e.files.compactMap { f in unsupportedFormat(f, reader: src.format).map { (f, $0) } }
                if let (f, format) = unreadable.first, format == "WARC" || format == "WET" || format == "HTML" {
                    issues.append(SpecIssue("/sources/\(i)/paths/\(k)", "\"\(pattern)\" matches \(unreadable.count) \(format) file(s) (e.g. \(f)), which the \(src.format.rawValue) reader cannot read: give this source \"format\": \"\(format.lowercased())\""))
                } else if let (f, format) = unreadable.first {
                    issues.append(SpecIssue("/sources/\(i)/paths/\(k)", "\"\(pattern)\" matches \(unreadable.count) \(format) file(s) (e.g. \(f)), which the \(src.format.rawValue) reader cannot read: \(format) input is not supported yet (convert it to JSONL with a \"text\" field, or narrow the pattern)"))
                }
                for problem in e.problems { issues.append(SpecIssue("/sources/\(i)/paths/\(k)", problem.description)) }
                if let f = e.files.first(where: inside) {
                    issues.append(SpecIssue("/sources/\(i)/paths/\(k)", "\"\(pattern)\" matches \(f), inside output.dir \(outputDir): output.dir must not contain or equal an input folder (a run would read its own output, and a new run clears its shards)"))
                }
                files += e.files
            }
            var unique: [String] = []
            var seen = Set<Glob.FileID>()
            for f in Array(Set(files)).sorted() {
                guard let id = Glob.FileID(path: f) else { unique.append(f); continue }
                guard seen.insert(id).inserted else { continue }
                if let other = owner[id], other.source != i {
                    issues.append(SpecIssue("/sources/\(i)/paths", "\(f) is also an input of /sources/\(other.source) (\"\(spec.sources[other.source].name)\"\(other.path == f ? "" : " as \(other.path)")); a file can belong to one source only"))
                    continue
                }
                owner[id] = (i, f)
                unique.append(f)
            }
            resolved.append(Pipeline.ResolvedSource(spec: src, files: unique))
        }
        return (resolved, issues)
    }

    /// The scheme of a remote path (`s3`, `gs`, `hf`, `https`, …), or nil for a local one.
    static func remoteScheme(_ path: String) -> String? {
        guard let r = path.range(of: "://") else { return nil }
        let scheme = path[..<r.lowerBound]
        guard let first = scheme.first, first.isLetter, scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+.-".contains($0) }) else { return nil }
        return String(scheme)
    }

    /// The name of a format neither reader handles, by the file's suffix (compression suffixes looked through).
    static func unsupportedFormat(_ path: String, reader: SourceSpec.Format = .jsonl) -> String? {
        var name = (path as NSString).lastPathComponent.lowercased()
        for c in [".gz", ".zst", ".zstd", ".bz2", ".xz"] where name.hasSuffix(c) { name = String(name.dropLast(c.count)) }
        let formats: [(String, String)] = [(".parquet", "Parquet"), (".arrow", "Arrow"), (".warc", "WARC"), (".wet", "WET"), (".wat", "WAT"),
                                           (".html", "HTML"), (".htm", "HTML"), (".csv", "CSV"), (".tsv", "TSV"), (".pdf", "PDF"),
                                           (".zip", "zip"), (".tar", "tar"), (".7z", "7z")]
        guard let found = formats.first(where: { name.hasSuffix($0.0) })?.1 else { return nil }
        return (found == "WARC" && reader == .warc) || (found == "WET" && reader == .wet) || (found == "HTML" && reader == .html)
            || (found == "Parquet" && reader == .parquet) ? nil : found
    }

    /// The user's home folder as the environment and the password database name it.
    static func homeFolders() -> Set<String> {
        var out = Set<String>()
        if let h = ProcessInfo.processInfo.environment["HOME"], !h.isEmpty { out.insert(h.standardizedPath); out.insert(canonicalPath(h)) }
        if let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir { let h = String(cString: dir); out.insert(h.standardizedPath); out.insert(canonicalPath(h)) }
        return out
    }

    /// `path` with symbolic links resolved where it exists.
    static func canonicalPath(_ path: String) -> String {
        guard let r = realpath(path, nil) else { return path }
        defer { free(r) }
        return String(cString: r)
    }

    /// Top-level keys that cannot change what a run writes, so editing them keeps the spec's identity (resume,
    /// incremental versions): free text, the editor's schema link, when it runs, how its output is trained on.
    public static let keysOutsideHash: Set<String> = ["$schema", "description", "schedule", "train"]

    /// SHA-256 of the canonical spec without `keysOutsideHash`.
    static func resultHash(_ json: JSONValue) -> String {
        guard case .object(var o) = json else { return SHA256.hash(JSONWriter.canonical(json)).hex }
        for k in keysOutsideHash { o[k] = nil }
        return SHA256.hash(JSONWriter.canonical(.object(o))).hex
    }

    /// Keys only the token phase reads: at the top level, in `output`, and in each source. A spec differing from an
    /// earlier run's only in these (and in `keysOutsideHash`) writes the same text shards from the same inputs.
    public static let tokenPhaseKeys: Set<String> = ["mixture", "curriculum", "tokenizer"]
    public static let tokenPhaseOutputKeys: Set<String> = ["total_tokens", "shard_tokens", "val_fraction"]
    public static let tokenPhaseSourceKeys: Set<String> = ["weight", "max_epochs"]

    /// SHA-256 of Winnow's version, the canonical spec without `keysOutsideHash` and the token-phase keys
    /// (`cleaningView`), and `filesRead` (the steps' files, as `FilesRead.fingerprint` lists them).
    public static func cleaningHash(_ json: JSONValue, filesRead: String) -> String {
        SHA256.hash(Winnow.version + "\n" + JSONWriter.canonical(cleaningView(json)) + "\n" + filesRead).hex
    }

    /// The spec as the cleaning hash sees it: `keysOutsideHash` and the token-phase keys removed.
    static func cleaningView(_ json: JSONValue) -> JSONValue {
        guard case .object(var o) = json else { return json }
        for k in keysOutsideHash.union(tokenPhaseKeys) { o[k] = nil }
        if case .object(var out)? = o["output"] {
            for k in tokenPhaseOutputKeys { out[k] = nil }
            if let formats = out["formats"]?.arrayValue {
                out["formats"] = .array(formats.filter { f in f.stringValue.map { TokenShardFormat(rawValue: $0) == nil } ?? true })
            }
            o["output"] = .object(out)
        }
        if let sources = o["sources"]?.arrayValue {
            o["sources"] = .array(sources.map { s in
                guard case .object(var so) = s else { return s }
                for k in tokenPhaseSourceKeys { so[k] = nil }
                return .object(so)
            })
        }
        return .object(o)
    }

    /// Checks the schema cannot express (unique names, references between keys, files on disk). Works on
    /// the raw JSON so that it reports alongside schema problems, skipping parts whose shape is wrong.
    static func semanticIssues(_ json: JSONValue, baseDir: String, checkInputs: Bool, expand: (String) -> Glob.Expansion) -> [SpecIssue] {
        var issues: [SpecIssue] = []
        let sources = json["sources"]?.arrayValue ?? []
        let steps = json["steps"]?.arrayValue ?? []
        var seenSources: [String: Int] = [:]
        for (i, s) in sources.enumerated() {
            guard let name = s["name"]?.stringValue else { continue }
            if let j = seenSources[name] { issues.append(SpecIssue("/sources/\(i)/name", "\"\(name)\" is already the name of /sources/\(j); source names must be unique")) }
            else { seenSources[name] = i }
        }
        var stepNames: [String: Int] = [:]
        var known: [String] = []
        for (i, st) in steps.enumerated() {
            guard let name = st["name"]?.stringValue ?? st["type"]?.stringValue else { continue }
            known.append(name)
            if let j = stepNames[name] {
                issues.append(SpecIssue("/steps/\(i)\(st["name"] == nil ? "" : "/name")",
                                        "step name \"\(name)\" is already used by /steps/\(j); give one of them a distinct \"name\""))
            } else { stepNames[name] = i }
        }
        for (i, s) in sources.enumerated() where s["chunk_words"] != nil && s["text_mode"]?.stringValue != "chunks" {
            issues.append(SpecIssue("/sources/\(i)/chunk_words", "has no effect unless text_mode is \"chunks\" (with format \"text\")"))
        }
        for (i, s) in sources.enumerated() {
            for (k, v) in (s["skip_steps"]?.arrayValue ?? []).enumerated() {
                guard let name = v.stringValue, stepNames[name] == nil else { continue }
                var msg = "\"\(name)\" is not a step of this spec"
                if let near = closest(name, known) { msg += " (did you mean \"\(near)\"?)" }
                msg += known.isEmpty ? "; the spec has no steps" : "; steps: \(known.joined(separator: ", "))"
                issues.append(SpecIssue("/sources/\(i)/skip_steps/\(k)", msg))
            }
            guard checkInputs else { continue }
            for (k, v) in (s["paths"]?.arrayValue ?? []).enumerated() {
                guard let p = v.stringValue, !p.isEmpty, remoteScheme(p) == nil else { continue }   // remote: reported with the sources
                let e = expand(p)
                guard e.files.isEmpty && e.problems.isEmpty else { continue }   // problems are reported with the sources
                issues.append(SpecIssue("/sources/\(i)/paths/\(k)", "\"\(p)\" matches no file (resolved against \(baseDir))"))
            }
        }
        let tokenFormats = (json["output"]?["formats"]?.arrayValue ?? []).compactMap(\.stringValue).filter { $0 != "jsonl" && $0 != "parquet" }
        let tok = json["tokenizer"]
        if !tokenFormats.isEmpty && tok == nil {
            issues.append(SpecIssue("/output/formats", "\(tokenFormats.joined(separator: " and ")) shards need a \"tokenizer\": {\"file\": …} or {\"train\": {…}}"))
        }
        if let tok {
            if (tok["file"] == nil) == (tok["train"] == nil) {
                issues.append(SpecIssue("/tokenizer", "give exactly one of \"file\" and \"train\""))
            }
            if let f = tok["file"]?.stringValue, checkInputs, !FileManager.default.fileExists(atPath: resolve(f, baseDir)) {
                issues.append(SpecIssue("/tokenizer/file", "\"\(f)\" does not exist (resolved against \(baseDir))"))
            }
            if let train = tok["train"] {
                let specials = (train["special_tokens"]?.arrayValue ?? []).compactMap(\.stringValue)
                let eot = tok["end_of_text"]?.stringValue ?? TokenizerSpec.defaultEndOfText
                if !(specials.isEmpty ? TokenizerSpec.TrainSpec.Defaults.specialTokens : specials).contains(eot) {
                    issues.append(SpecIssue("/tokenizer/end_of_text", "\"\(eot)\" is not one of /tokenizer/train/special_tokens"))
                }
            }
        }
        for key in ["mixture", "curriculum"] where json[key] != nil && tokenFormats.isEmpty {
            issues.append(SpecIssue("/\(key)", "works on token shards: add \"llmc\" or \"megatron\" to /output/formats (and a tokenizer)"))
        }
        // A weight is a share of the training tokens: without token shards it would do nothing.
        if tokenFormats.isEmpty, let i = sources.firstIndex(where: { ($0["weight"]?.doubleValue ?? 0) > 0 }) {
            issues.append(SpecIssue("/sources/\(i)/weight", "a weight is the source's share of the training tokens, so it works on token shards: add \"llmc\" or \"megatron\" to /output/formats (and a tokenizer), or remove the weight"))
        }
        // Rehydration ranges may not overlap: a cluster size has one weight.
        if case .object(let w)? = json["mixture"]?["rehydrate"]?["weights"] {
            let ranges = w.keys.compactMap { k in MixtureSpec.Rehydrate.range(k).map { (k, $0.0, $0.1 ?? Int.max) } }.sorted { $0.1 < $1.1 }
            for (x, y) in zip(ranges, ranges.dropFirst()) where y.1 <= x.2 {
                issues.append(SpecIssue("/mixture/rehydrate/weights", "ranges \"\(x.0)\" and \"\(y.0)\" overlap: a cluster size has one weight"))
            }
        }
        if let c = json["curriculum"] {
            let buckets = (c["buckets"]?.arrayValue ?? []).compactMap(\.stringValue)
            for key in ["edges", "quantiles"] {
                guard let v = c[key]?.arrayValue?.compactMap(\.doubleValue) else { continue }
                if v.count != buckets.count - 1 { issues.append(SpecIssue("/curriculum/\(key)", "\(v.count) values for \(buckets.count) buckets; give one fewer than buckets")) }
                if zip(v, v.dropFirst()).contains(where: { $0 >= $1 }) { issues.append(SpecIssue("/curriculum/\(key)", "must increase")) }
            }
            if c["edges"] != nil && c["quantiles"] != nil { issues.append(SpecIssue("/curriculum", "give edges or quantiles, not both")) }
            if let order = c["order"]?.arrayValue?.compactMap(\.stringValue), Set(order) != Set(buckets) || order.count != buckets.count {
                issues.append(SpecIssue("/curriculum/order", "must list every bucket once: \(buckets.joined(separator: ", "))"))
            }
        }
        if let sched = json["schedule"], let cron = sched["cron"]?.stringValue {
            if let zone = sched["timezone"]?.stringValue, TimeZone(identifier: zone) == nil {
                issues.append(SpecIssue("/schedule/timezone", "\"\(zone)\" is not an IANA time zone (e.g. America/Sao_Paulo, Europe/Berlin, UTC)"))
            }
            do { _ = try CronSchedule(cron) } catch let e as CronSchedule.ParseError {
                issues.append(SpecIssue("/schedule/cron", "\"\(cron)\": \(e)"))
            } catch {}
        }
        if let level = json["output"]?["compression_level"]?.intValue {
            switch json["output"]?["compression"]?.stringValue ?? OutputSpec.Defaults.compression.rawValue {
            case "gzip" where level > 9: issues.append(SpecIssue("/output/compression_level", "\(level) is not in 1…9 for gzip"))
            case "none": issues.append(SpecIssue("/output/compression_level", "has no effect with compression \"none\"; remove it"))
            default: break
            }
        }
        return issues
    }

    static func resolve(_ p: String, _ base: String) -> String {
        (p.hasPrefix("/") ? p : (base as NSString).appendingPathComponent(p) as String).standardizedPath
    }

    static func absolutePath(_ p: String) -> String {
        (p.hasPrefix("/") ? p : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(p)).standardizedPath
    }
}

extension String {
    var standardizedPath: String { (self as NSString).standardizingPath }
}

/// `path` relative to the folder `base` (both absolute), using `..` where needed.
func relativePath(_ path: String, from base: String) -> String {
    let p = path.split(separator: "/").map(String.init)
    let b = base.split(separator: "/").map(String.init)
    var common = 0
    while common < p.count, common < b.count, p[common] == b[common] { common += 1 }
    if common == 0 { return path }
    let ups = Array(repeating: "..", count: b.count - common)
    return (ups + p[common...]).joined(separator: "/")
}
