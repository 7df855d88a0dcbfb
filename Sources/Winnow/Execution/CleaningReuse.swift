import Foundation

/// An earlier finished run whose cleaned text shards a new run keeps, redoing only the token phase: same inputs
/// (path, size, modification time), same spec but for the parts only the token phase reads (weights, `max_epochs`,
/// `mixture`, `curriculum`, `tokenizer`, `total_tokens`, `shard_tokens`, `val_fraction`, token formats), and its
/// text shards still on disk with the SHA-256 it recorded. `winnow remix` requires one; `winnow run` takes one
/// when it finds one (`--reclean` cleans again).
struct ReusedCleaning {
    /// The run that wrote the shards (its documents, errors, step and source rows are copied to the new run).
    let runID: String
    let shards: [ShardInfo]
}

/// Why no earlier run's cleaning can be reused, in a line.
struct NoReusableCleaning: Error, CustomStringConvertible {
    let reason: String
    /// No earlier run finished in the folder: nothing to say on a first run.
    var firstRun = false
    var description: String { reason }
}

extension RunStart {
    /// The newest finished run in this output folder, if this run can keep its cleaned shards; else why not.
    func findReusableCleaning() throws -> Result<ReusedCleaning, NoReusableCleaning> {
        func no(_ s: String) -> Result<ReusedCleaning, NoReusableCleaning> { .failure(NoReusableCleaning(reason: s)) }
        guard let earlier = try CleaningRecords.newestFinishedRun(db, outputDir: pipeline.outputDir) else {
            return .failure(NoReusableCleaning(reason: "no earlier run finished in \(pipeline.outputDir)", firstRun: true))
        }
        let id = earlier.id
        guard let earlierSpec = try? JSONParser.parse(Array(earlier.specJSON.utf8)) else { return no("run \(id)'s recorded spec cannot be read") }
        guard earlier.cleaningSHA256 == pipeline.cleaningHash else {
            let now = (try? JSONParser.parse(Array(pipeline.canonicalJSON.utf8))) ?? .null
            let view = { (j: JSONValue) in JSONWriter.canonical(PipelineLoader.cleaningView(j)) }
            if earlier.cleaningSHA256 == nil { return no("run \(id) was recorded by a Winnow that did not note what decides its cleaning") }
            if view(earlierSpec) == view(now) { return no("a file the steps read (a model, word list or index) changed since run \(id), or Winnow's version did") }
            return no("the spec differs from run \(id)'s in more than the mix (\(Self.cleaningDifferences(earlierSpec, now).joined(separator: ", ")))")
        }
        // Same inputs, byte for byte as far as size and modification time tell.
        let names = pipeline.sources.map(\.spec.name)
        let before = try CleaningRecords.inputKeys(db, runID: id)
        let after = Set(inputs.map { CleaningRecords.inputKey(names[$0.sourceIndex], $0.input, $0.size, $0.mtime) })
        if before != after {
            let added = after.subtracting(before).count, gone = before.subtracting(after).count
            return no("the inputs changed since run \(id) (\(added) new or changed, \(gone) gone or changed)")
        }
        if options.recordDocuments, try CleaningRecords.lacksDocumentRows(db, runID: id) {
            return no("run \(id) kept no per-document lineage (--no-lineage, or pruned), which this run records")
        }
        let shards = try CleaningRecords.shards(db, runID: id)
        if shards.contains(where: { $0.input.isEmpty }) { return no("run \(id) was recorded by a Winnow that did not note each shard's input") }
        // The shards must be the bytes that run wrote (a later run may have cleared or replaced them).
        let lock = NSLock()
        nonisolated(unsafe) var problem: String?
        DispatchQueue.concurrentPerform(iterations: max(1, min(options.workers, shards.count))) { w in
            var k = w
            while k < shards.count {
                let s = shards[k]
                let path = (datasetDir as NSString).appendingPathComponent(s.path)
                let attributes = try? FileManager.default.attributesOfItem(atPath: path)
                var found: String? = nil
                if (attributes?[.size] as? NSNumber)?.int64Value != s.bytes { found = attributes == nil ? "is gone" : "has another size" }
                else if (try? DatasetPlan.fileSHA256(path)) != s.sha256 { found = "has other bytes" }
                if let found { lock.lock(); problem = problem ?? "shard \(s.path) of run \(id) \(found) than the run recorded"; lock.unlock() }
                k += max(1, min(options.workers, shards.count))
            }
        }
        if let problem { return no(problem.replacingOccurrences(of: "is gone than the run recorded", with: "is gone")) }
        return .success(ReusedCleaning(runID: id, shards: shards))
    }

    /// Where two specs differ in what decides the text shards: top-level keys, and `output.<key>`.
    static func cleaningDifferences(_ a: JSONValue, _ b: JSONValue) -> [String] {
        let x = PipelineLoader.cleaningView(a), y = PipelineLoader.cleaningView(b)
        func differ(_ p: JSONValue?, _ q: JSONValue?) -> Bool { p.map(JSONWriter.canonical) != q.map(JSONWriter.canonical) }
        func keys(_ p: JSONValue?, _ q: JSONValue?) -> [String] { Set((p?.objectValue?.pairs ?? []).map(\.0) + (q?.objectValue?.pairs ?? []).map(\.0)).sorted() }
        var out: [String] = []
        for k in keys(x, y) where differ(x[k], y[k]) {
            if k == "output" { out += keys(x[k], y[k]).filter { differ(x[k]?[$0], y[k]?[$0]) }.map { "output.\($0)" } } else { out.append(k) }
        }
        return out.isEmpty ? ["a different spec"] : out
    }

    /// Copies run `earlier`'s cleaning rows to this run (documents unless it keeps none); a killed run resumed copies
    /// again from scratch, in one transaction with the task mark.
    func adoptCleaningRows(from earlier: String) throws {
        guard !isDone(TaskName.reuseRows) else { return }
        try CleaningRecords.copyCleaningRows(db, from: earlier, to: runID, documents: options.recordDocuments, task: TaskName.reuseRows)
    }
}
