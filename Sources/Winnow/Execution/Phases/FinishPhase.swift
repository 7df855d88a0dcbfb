import Foundation

/// The end of a run: the manifest (and an incremental run's cumulative one, `latest`, rewritten token shards),
/// the `runs` row finished with its counts, and the summary the CLI prints.
struct FinishPhase {
    let run: RunContext
    private var ledger: RunLedger { RunLedger(db: run.db) }

    func execute(shards: [ShardInfo], tokens: TokenOutput?, resumed: Bool, elapsed: Double) throws -> RunSummary {
        var manifest = Manifest(pipeline: run.pipeline, shards: shards, tokens: tokens, sourceStats: try sourceStats())
        if run.pipeline.spec.output.formats.contains(.parquet) { manifest.parquet = try Manifest.parquetEntries(dir: run.datasetDir, shards: shards) }
        // Incremental: earlier versions' token shards holding documents this version supersedes are written again.
        var superseded = Set<String>()
        if let d = run.dataset {
            superseded = try supersededPairs(d)
            let rewrites = tokens == nil ? [] : try TokenShardRewrite(run: run, plan: d, superseded: superseded).execute()
            manifest.extra = [("version", .number(Double(d.version))), ("series", .number(Double(d.series))), ("rewritten_token_shards", .array(rewrites))]
        }
        try writeFileAtomically((run.datasetDir as NSString).appendingPathComponent("manifest.json"), Array(manifest.json().utf8))
        let srcs = try sourceStats()
        let docsIn = srcs.reduce(0) { $0 + $1.docsIn }
        let errors = srcs.reduce(0) { $0 + $1.errors }
        let kept = srcs.reduce(0) { $0 + $1.docsOut }
        var versionLine: String? = nil
        if let d = run.dataset {
            // The files first (cumulative manifest, then `latest`), the lineage last: a run killed in between redoes both.
            let versions = d.earlier + [DatasetPlan.EarlierVersion(version: d.version, runID: run.runID, path: d.relativeDir)]
            let cumulative = DatasetManifest(pipeline: run.pipeline, versions: versions, superseded: superseded)
            let text = try cumulative.json()
            try writeFileAtomically((run.pipeline.outputDir as NSString).appendingPathComponent("manifest.json"), Array(text.utf8))
            try DatasetManifest.moveLatest(in: run.pipeline.outputDir, to: d.relativeDir)
            let total = (try? JSONParser.parse(Array(text.utf8)))?["documents"]?.intValue ?? 0
            let gone = d.supersessions.reduce(0) { $0 + $1.documents }
            versionLine = "version \(d.version) (series \(d.series)): \(d.newInputs) new and \(d.changedInputs) changed input(s), \(kept) documents added\(gone > 0 ? ", \(gone) earlier documents superseded" : ""); the dataset holds \(total) documents in \(versions.count) version(s); latest → \(d.relativeDir)"
        }
        let version = run.dataset.map { d in
            RunLedger.VersionRow(pipeline: run.pipeline.spec.name, version: d.version, series: d.series, specSHA256: run.pipeline.sha256, path: d.relativeDir,
                                 createdAt: isoNow(), inputsNew: d.newInputs, inputsChanged: d.changedInputs, docsIn: docsIn, docsKept: kept,
                                 docsSuperseded: d.supersessions.reduce(0) { $0 + $1.documents },
                                 supersessions: d.supersessions.map { ($0.input, $0.earlierRunID, $0.documents) })
        }
        let unreadable = try ledger.unreadableParts(run.runID)
        try ledger.finish(run.runID, version: version, status: unreadable > 0 ? "finished_with_errors" : "finished",
                             error: unreadable > 0 ? "\(unreadable) part(s) of the inputs could not be read (errors.reason = 'unreadable_input')" : nil,
                             at: isoNow(), docsIn: docsIn, docsKept: kept, docsError: errors, shards: shards.count)
        let steps = try ledger.stepCounts(run.runID)
        let dropped = try ledger.exampleDroppedDocument(run.runID)
        var summary = RunSummary(runID: run.runID, pipeline: run.pipeline.spec.name, resumed: resumed, outputDir: run.pipeline.outputDir,
                                 lineagePath: run.pipeline.lineagePath, documentsIn: docsIn, documentsOut: kept, badLines: errors,
                                 steps: steps, shards: shards, sources: srcs, elapsed: elapsed,
                                 documentRows: run.recordDocuments, exampleDroppedID: dropped)
        summary.mixture = tokens?.mixture ?? []
        summary.versionLine = versionLine
        summary.unreadableParts = unreadable
        summary.errorsAccepted = run.pipeline.spec.onErrorGiven && run.pipeline.spec.onError == .skip
        summary.cleaningRunID = run.reused?.runID
        return summary
    }

    /// "run id\tinput" of every superseded input of the series, this run's supersessions included.
    private func supersededPairs(_ d: DatasetPlan) throws -> Set<String> {
        var out = Set(d.supersessions.map { "\($0.earlierRunID)\t\($0.input)" })
        for v in d.earlier {
            for x in try DatasetRecords.supersededInputs(run.db, of: v.runID) { out.insert("\(x.earlierRunID)\t\(x.input)") }
        }
        return out
    }

    func sourceStats() throws -> [RunSummary.SourceLine] {
        var byName: [String: RunSummary.SourceLine] = [:]
        for r in try ledger.sourceCounts(run.runID) {
            byName[r.source] = RunSummary.SourceLine(source: r.source, docsIn: r.docsIn, errors: r.errors, docsOut: r.docsOut)
        }
        return run.pipeline.sources.map { byName[$0.spec.name] ?? RunSummary.SourceLine(source: $0.spec.name, docsIn: 0, errors: 0, docsOut: 0) }
    }
}
