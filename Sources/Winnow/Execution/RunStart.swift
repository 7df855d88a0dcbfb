import Foundation

/// How a single-process run begins, before its first stage: an unfinished run of the same spec and inputs is
/// resumed (its finished tasks kept, its unfinished tasks' rows discarded); otherwise unfinished runs that can never
/// resume are abandoned and a new run is recorded — keeping an earlier run's cleaned shards when they fit
/// (`CleaningReuse`), or, for an incremental pipeline, as the next version of its dataset. What it settles (run id,
/// work folder, partitions, finished tasks, dataset plan) becomes the run's `RunContext`.
final class RunStart {
    let pipeline: Pipeline
    let options: RunOptions
    let plan: StagePlan
    let db: SQLiteDatabase
    /// The files Winnow wrote into `output.dir`: the only ones it ever deletes.
    let ledger: OutputLedger
    weak var observer: RunObserver?
    var runLedger: RunLedger { RunLedger(db: db) }
    /// The `stage` value of kept documents' rows.
    var shardStage: Int { plan.stageCount + 1 }

    private(set) var runID = ""
    private(set) var workFiles: WorkFiles!
    private(set) var partitions: [Partition] = []
    private(set) var inputs: [InputFile] = []
    private(set) var doneTasks: Set<String> = []
    /// Where this run writes shards, manifest and token shards: `output.dir`, or an incremental run's version folder.
    private(set) var datasetDir: String
    /// An incremental run's plan: its version, the earlier versions, what it processes and supersedes.
    private(set) var dataset: DatasetPlan?
    /// The earlier run whose cleaned shards this run keeps (only the token phase runs), if any.
    private(set) var reused: ReusedCleaning?

    init(pipeline: Pipeline, options: RunOptions, plan: StagePlan, db: SQLiteDatabase, ledger: OutputLedger, observer: RunObserver?) {
        self.pipeline = pipeline; self.options = options; self.plan = plan; self.db = db; self.ledger = ledger; self.observer = observer
        datasetDir = pipeline.outputDir
    }

    func isDone(_ task: String) -> Bool { doneTasks.contains(task) }

    /// Resumes or starts the run: true when resumed, false when new, nil for an incremental pipeline with nothing
    /// new to process (its run is recorded finished).
    func begin() throws -> Bool? {
        if pipeline.spec.incremental { return try startOrResumeIncremental() }
        (inputs, partitions) = try Planner.partitions(for: pipeline, log: { [observer] in observer?.log($0) })
        return try startOrResume()
    }

    private func startOrResume() throws -> Bool {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]   // stable across processes, so a resume can compare it
        let inputsJSON = try String(decoding: encoder.encode(inputs), as: UTF8.self)
        if let id = try unfinishedRunID() {
            let wf = WorkFiles(dir: workDir(id))
            let saved = try? readFileBytes(wf.plan)
            if !options.fresh, let saved, String(decoding: saved, as: UTF8.self) == inputsJSON {
                try resume(id, wf)
                if let earlier = (try? readFileBytes(wf.reusedCleaning)).map({ String(decoding: $0, as: UTF8.self) }) {
                    reused = ReusedCleaning(runID: earlier, shards: try CleaningRecords.shards(db, runID: earlier))
                }
                return true
            }
            let earlier = saved.flatMap { try? JSONDecoder().decode([InputFile].self, from: Data($0)) }
            try abandon(id, because: options.fresh ? "a new run was started with --fresh" : inputsChanged(from: earlier, to: inputs))
        }
        try abandonOtherUnfinishedRuns()
        switch options.reclean ? .failure(NoReusableCleaning(reason: "--reclean")) : try findReusableCleaning() {
        case .success(let r):
            // The kept shards (and their Parquet twins) stay; everything else earlier runs wrote (token shards,
            // tokenizer, manifest) goes. `output.formats` is part of the cleaning, so the twins exist when asked for.
            let twins = pipeline.spec.output.formats.contains(.parquet) ? r.shards.map { ShardWriter.parquetName(of: $0.path) } : []
            let removed = try ledger.removeRecorded(except: Set(r.shards.map(\.path) + twins))
            if !removed.isEmpty { observer?.log("removed \(removed.count) token-phase file(s) earlier runs wrote to \(pipeline.outputDir)") }
            reused = r
        case .failure(let why):
            if options.requireReuse { throw NoReusableCleaning(reason: "cannot remix without cleaning again: \(why.reason)") }
            if !options.reclean && !why.firstRun { observer?.log("cleaning the inputs: the last finished run's cleaned shards cannot be kept, as \(why.reason)") }
            try removeStaleOutputs()
        }
        try startRun(planJSON: inputsJSON, extraInputs: [])
        if let reused { try writeFileAtomically(workFiles.reusedCleaning, Array(reused.runID.utf8)) }
        return false
    }

    /// Why a run's plan no longer fits its inputs, in a line.
    private func inputsChanged(from earlier: [InputFile]?, to now: [InputFile]) -> String {
        guard let earlier else { return "its plan is missing from the work folder, so it cannot be resumed" }
        let before = Dictionary(earlier.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(now.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let added = after.keys.filter { before[$0] == nil }.count, removed = before.keys.filter { after[$0] == nil }.count
        let changed = after.filter { k, v in before[k].map { $0.size != v.size || $0.mtime != v.mtime } ?? false }
        var parts: [String] = []
        if added > 0 { parts.append("\(added) added") }
        if removed > 0 { parts.append("\(removed) removed") }
        if !changed.isEmpty { parts.append("\(changed.count) changed (e.g. \(pipeline.displayPath(changed.keys.sorted()[0])))") }
        return "its inputs changed before it could resume: " + (parts.isEmpty ? "a different plan" : parts.joined(separator: ", "))
    }

    /// Marks run `id` abandoned (it will never be resumed), says why, and removes its work folder.
    private func abandon(_ id: String, because reason: String) throws {
        try runLedger.markAbandoned(id, reason: reason, at: isoNow())
        try? FileManager.default.removeItem(atPath: workDir(id))
        observer?.log("run \(id) abandoned: \(reason)")
    }

    /// Unfinished runs of this pipeline in this output folder with another spec can never be resumed either (the
    /// lock is ours, so no process is running them).
    private func abandonOtherUnfinishedRuns() throws {
        for id in try runLedger.unfinishedRunsOfOtherSpecs(pipeline: pipeline.spec.name, outputDir: pipeline.outputDir, specSHA256: pipeline.sha256) {
            try abandon(id, because: "the spec changed (a new SHA-256) before it could resume")
        }
    }

    /// The unfinished run of this spec a new start would resume, if any.
    private func unfinishedRunID() throws -> String? {
        try runLedger.unfinishedRun(pipeline: pipeline.spec.name, specSHA256: pipeline.sha256)
    }

    /// Picks up run `id`: its finished tasks are kept, rows of unfinished ones removed.
    private func resume(_ id: String, _ wf: WorkFiles) throws {
        runID = id
        workFiles = wf
        doneTasks = try runLedger.finishedTasks(id)
        // A run keeping an earlier run's cleaning ran no stage: its rows are the copied ones (or copied again).
        if !FileManager.default.fileExists(atPath: wf.reusedCleaning) { try discardUnfinishedRows() }
        try runLedger.markResumed(id, workers: options.workers)
        observer?.log("resuming run \(id): \(doneTasks.count) finished tasks kept")
    }

    /// A new run: its id, work folder with the plan, and its `runs` and `inputs` rows (`extraInputs` are looked at,
    /// not processed: an incremental run's touched files).
    private func startRun(planJSON: String, extraInputs: [InputFile], status: String = "running") throws {
        let stamp = ISO8601DateFormatter.compactUTC.string(from: Date())
        runID = "\(stamp)-\(String(format: "%04x", UInt16.random(in: 0...UInt16.max)))"
        workFiles = WorkFiles(dir: workDir(runID))
        if status == "running" {
            try FileManager.default.createDirectory(atPath: workFiles.dir, withIntermediateDirectories: true)
            try writeFileAtomically(workFiles.plan, Array(planJSON.utf8))
            if let dataset { try writeFileAtomically(workFiles.datasetPlan, Array(try JSONEncoder().encode(dataset))) }
        }
        let row = RunLedger.NewRun(runID: runID, pipeline: pipeline.spec.name, specPath: pipeline.specPath, specSHA256: pipeline.sha256,
                                   specJSON: pipeline.canonicalJSON, startedAt: isoNow(), status: status, trigger: options.trigger,
                                   winnowVersion: Winnow.version, outputDir: pipeline.outputDir, cleaningSHA256: pipeline.cleaningHash,
                                   scheduledFor: options.scheduledFor, version: dataset?.version, workers: options.workers)
        let inputRows = (inputs + extraInputs).map { f in
            RunLedger.InputRow(source: pipeline.sources[f.sourceIndex].spec.name, input: f.input, size: f.size, mtime: f.mtime,
                               partitions: partitions.filter { $0.path == f.path }.count, sha256: f.sha256, change: f.change)
        }
        try runLedger.start(row, inputs: inputRows)
    }

    // MARK: - Incremental runs

    /// An incremental pipeline: resumes an unfinished run whose inputs are still as it planned them, or plans the
    /// next version. Nil when no input is new or changed.
    private func startOrResumeIncremental() throws -> Bool? {
        let files = try Planner.inputFiles(for: pipeline)
        if let id = try unfinishedRunID() {
            let wf = WorkFiles(dir: workDir(id))
            let planned = (try? readFileBytes(wf.datasetPlan)).flatMap { try? JSONDecoder().decode(DatasetPlan.self, from: Data($0)) }
            if !options.fresh, let planned,
               planned.inputs.allSatisfy({ f in files.contains { $0.path == f.path && $0.size == f.size && $0.mtime == f.mtime } }) {
                try useDataset(planned)
                try resume(id, wf)
                return true
            }
            try abandon(id, because: options.fresh ? "a new run was started with --fresh" : inputsChanged(from: planned?.inputs, to: files))
        }
        try abandonOtherUnfinishedRuns()
        let next = try DatasetPlan.next(db: db, pipeline: pipeline, files: files, continueSeries: options.continueSeries)
        if next.inputs.isEmpty {
            dataset = nil
            inputs = []
            try startRun(planJSON: "", extraInputs: next.touched, status: "finished")
            observer?.log("nothing new: no input is new or changed since the last version\(next.touched.isEmpty ? "" : " (\(next.touched.count) touched, same bytes)")")
            return nil
        }
        try useDataset(next)
        // A folder of this number can only hold what a run that never finished left behind: its recorded files go.
        try ledger.removeRecorded(under: next.relativeDir)
        try RunSetup.createFolder(datasetDir, "the version folder")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try startRun(planJSON: String(decoding: try encoder.encode(inputs), as: UTF8.self), extraInputs: next.touched)
        observer?.log("version \(next.version)\(next.earlier.isEmpty ? " (a new series)" : " of the series started at version \(next.series)"): \(next.newInputs) new and \(next.changedInputs) changed input(s)")
        return false
    }

    /// Takes `d` as this run's plan. An input that cannot be cut into partitions is an error naming it: nothing is
    /// recorded yet, so the next run reads it again.
    private func useDataset(_ d: DatasetPlan) throws {
        do { partitions = try Planner.partitions(for: pipeline, inputs: d.inputs, log: { [observer] in observer?.log($0) }) } catch let e as FileError {
            throw FileError(e.path, "\(e.message); the run stopped before recording anything, so the next run reads this input again")
        }
        dataset = d
        inputs = d.inputs
        datasetDir = (pipeline.outputDir as NSString).appendingPathComponent(d.relativeDir)
    }

    /// The summary of an incremental run that found nothing to do.
    func nothingNewSummary(elapsed: Double) -> RunSummary {
        var summary = RunSummary(runID: runID, pipeline: pipeline.spec.name, resumed: false, outputDir: pipeline.outputDir,
                                 lineagePath: pipeline.lineagePath, documentsIn: 0, documentsOut: 0, badLines: 0, steps: [], shards: [],
                                 sources: [], elapsed: elapsed, documentRows: options.recordDocuments, exampleDroppedID: nil)
        summary.versionLine = "nothing new: every input was processed by an earlier version; the dataset is unchanged"
        runLedger.selfContained()
        return summary
    }

    /// Rows written by tasks that did not finish before the process died are removed, so redoing
    /// those tasks adds each row exactly once.
    private func discardUnfinishedRows() throws {
        var stageTasks: [(stage: Int, part: Int)] = []
        for stage in 1...plan.stageCount {
            for p in partitions where !doneTasks.contains(TaskName.stage(stage, p.index)) { stageTasks.append((stage, p.index)) }
        }
        let keptParts = partitions.filter { !doneTasks.contains(TaskName.kept($0.index)) }.map(\.index)
        try runLedger.discardRows(runID, stageTasks: stageTasks, keptStage: shardStage, keptParts: keptParts)
    }

    /// A new run starts from an output folder without earlier runs' shards, manifest and token files (nor their
    /// half-written temporary files), so the folder holds what the manifest lists — and only files the ledger says
    /// Winnow wrote there are removed.
    private func removeStaleOutputs() throws {
        let removed = try ledger.removeRecorded()
        if !removed.isEmpty { observer?.log("removed \(removed.count) file(s) earlier runs wrote to \(pipeline.outputDir)") }
    }

    private func workDir(_ id: String) -> String { (pipeline.outputDir as NSString).appendingPathComponent(".winnow/\(id)") }
}
