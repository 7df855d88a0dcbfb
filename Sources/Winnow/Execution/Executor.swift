import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How to run a pipeline.
public struct RunOptions: Sendable {
    /// Worker threads (default: all cores).
    public var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Record one lineage row per document (`--no-lineage` switches this off; runs, inputs, counts
    /// and shards are still recorded).
    public var recordDocuments = true
    /// Start a new run even if an unfinished run of the same spec could be resumed.
    public var fresh = false
    /// What started the run (`manual`, `schedule`).
    public var trigger = "manual"
    /// A scheduled run's fire time (ISO 8601 with the schedule's UTC offset).
    public var scheduledFor: String? = nil
    /// Incremental pipelines: a changed spec (new SHA-256) adds a version to the current series instead of
    /// starting a new one (`--continue`).
    public var continueSeries = false
    /// Seconds between progress callbacks.
    public var progressInterval = 0.5
    /// Write into an existing non-empty `output.dir` that Winnow did not create (`--force`); files Winnow did not
    /// write are still never deleted.
    public var force = false
    /// Clean the inputs again even when an earlier finished run's cleaned shards fit this spec (`--reclean`).
    public var reclean = false
    /// Keep an earlier run's cleaned shards or fail saying why (`winnow remix`).
    public var requireReuse = false
    public init() {}
}

/// Executes a pipeline: stages over partitions on a worker pool, barrier reduces between them,
/// shards at the end, lineage throughout. A killed run started again resumes where it stopped.
public final class Executor: @unchecked Sendable {
    public let pipeline: Pipeline
    public let options: RunOptions
    let plan: StagePlan
    let counters = ProgressCounters()
    let cancelFlag = CancelFlag()
    weak var observer: RunObserver?

    private(set) var lineage: LineageWriter!
    /// What the phases see of this run (made once the run's id, partitions and lineage writer are known).
    private var context: RunContext!
    private(set) var workFiles: WorkFiles!
    private(set) var runID = ""
    private(set) var db: SQLiteDatabase!
    /// The run's own statements about itself (start, resume, finish) over `db`.
    var runLedger: RunLedger { RunLedger(db: db) }
    private var partitions: [Partition] = []
    private(set) var inputs: [InputFile] = []
    private var doneTasks: Set<String> = []
    /// Where this run writes shards, manifest and token shards: `output.dir`, or an incremental run's version folder.
    private(set) var datasetDir: String
    /// An incremental run's plan: its version, the earlier versions, what it processes and supersedes.
    private(set) var dataset: DatasetPlan?
    /// The files Winnow wrote into `output.dir`: the only ones it ever deletes.
    private(set) var ledger: OutputLedger!
    /// The earlier run whose cleaned shards this run keeps (only the token phase runs), if any.
    private(set) var reused: ReusedCleaning?

    public init(pipeline: Pipeline, options: RunOptions = RunOptions(), observer: RunObserver? = nil) {
        self.pipeline = pipeline
        self.options = options
        self.observer = observer
        plan = StagePlan(steps: pipeline.steps)
        datasetDir = pipeline.outputDir
    }

    /// Asks a running pipeline to stop at the next document boundary; finished tasks are kept.
    public func cancel() { cancelFlag.set() }

    /// The `stage` value of kept documents' rows (written once every shard is numbered).
    var shardStage: Int { plan.stageCount + 1 }

    /// Runs the pipeline to the end (or resumes an unfinished run of the same spec and inputs).
    public func run() throws -> RunSummary {
        let fm = FileManager.default
        if !pipeline.inputProblems.isEmpty {
            throw SpecValidationError(file: pipeline.specPath, issues: pipeline.inputProblems)
        }
        if pipeline.spec.incremental && !options.recordDocuments {
            throw FileError(pipeline.specPath, "an incremental pipeline needs per-document lineage (superseding a changed input, the dedup indexes' exclusions and dataset_documents read it); run it without --no-lineage")
        }
        try RunSetup.checkOutputFolder(pipeline, force: options.force)
        try RunSetup.createFolder(pipeline.outputDir, "output.dir")
        try RunSetup.createFolder((pipeline.lineagePath as NSString).deletingLastPathComponent, "the lineage file's folder")
        let lock = try OutputLock(dir: pipeline.outputDir)
        defer { lock.release() }
        if let stale = lock.takenOver { observer?.log("took over the lock of \(stale), which is gone") }
        ledger = try OutputLedger(root: pipeline.outputDir)
        ledger.activate()
        defer { ledger.deactivate() }
        let orphans = ledger.removeOrphanedTemporaries()
        if !orphans.isEmpty { observer?.log("removed \(orphans.count) temporary file(s) a killed run left behind: \(orphans.prefix(3).joined(separator: ", "))\(orphans.count > 3 ? ", …" : "")") }

        db = try LineageStore.openForWriting(pipeline.lineagePath)
        try RunSetup.provideGeneratedSalt(pipeline)
        let resumed: Bool
        if pipeline.spec.incremental {
            guard let r = try startOrResumeIncremental() else { return try finishWithNothingNew() }
            resumed = r
        } else {
            (inputs, partitions) = try Planner.partitions(for: pipeline)
            resumed = try startOrResume()
        }
        if let reused { try adoptCleaningRows(from: reused.runID) }
        lineage = try LineageWriter(db: db, runID: runID)
        context = RunContext(pipeline: pipeline, runID: runID, workFiles: workFiles, datasetDir: datasetDir, partitions: partitions, plan: plan,
                             workers: options.workers, recordDocuments: options.recordDocuments, db: db, lineage: lineage, dataset: dataset,
                             reused: reused, done: doneTasks, counters: counters, cancelFlag: cancelFlag, observer: observer)

        let progressThread = startProgressThread()
        defer { progressThread.cancel() }
        do {
            let clock = ContinuousClock()
            var t = clock.now
            func phaseDone(_ what: String) {
                observer?.log(String(format: "%@ done in %.2f s", what, (clock.now - t).seconds))
                t = clock.now
            }
            let shards: [ShardInfo]
            if let reused {
                observer?.log("keeping the \(reused.shards.count) cleaned shard(s) of run \(reused.runID) (same inputs; the spec differs at most in the mix); only the token phase runs (--reclean cleans again)")
                shards = reused.shards
            } else {
                for stage in 1...plan.stageCount {
                    if cancelFlag.isSet { throw RunCancelled() }
                    try runStage(stage)
                    if stage == 1 { try checkErrorFraction() }
                    phaseDone("stage \(stage)/\(plan.stageCount)")
                    if stage < plan.stageCount { try reduce(barrier: stage); phaseDone("reduce \(plan.barriers[stage - 1].step.name)") }
                }
                shards = try ShardPhase(run: context).execute()
                phaseDone("shards")
            }
            let tokens = try TokenPhase(run: context).execute(shards)
            if tokens != nil { phaseDone("token shards") }
            try lineage.sync()
            let summary = try FinishPhase(run: context).execute(shards: shards, tokens: tokens, resumed: resumed, elapsed: counters.snapshot().elapsed)
            try lineage.close()
            try? fm.removeItem(atPath: workFiles.dir)
            runLedger.closeForReading(incremental: dataset != nil)
            phaseDone("finish")
            return summary
        } catch {
            try? lineage.close()
            let status = error is RunCancelled ? "interrupted" : "failed"
            try? runLedger.markStopped(runID, status: status, error: "\(error)", at: isoNow())
            throw error
        }
    }

    /// After stage 1: more bad lines than `max_error_fraction` of all lines read stops the run.
    private func checkErrorFraction() throws {
        try lineage.sync()
        let (bad, good) = try runLedger.errorAndReadCounts(runID)
        let limit = pipeline.spec.maxErrorFraction
        guard bad + good > 0, Double(bad) / Double(bad + good) > limit else { return }
        throw TooManyBadLines(bad: bad, lines: bad + good, limit: limit, lineagePath: pipeline.lineagePath, runID: runID)
    }

    // MARK: - Run bookkeeping

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
            // The kept shards stay; everything else earlier runs wrote (token shards, tokenizer, manifest) goes.
            let removed = try ledger.removeRecorded(except: Set(r.shards.map(\.path)))
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
        do { partitions = try Planner.partitions(for: pipeline, inputs: d.inputs) } catch let e as FileError {
            throw FileError(e.path, "\(e.message); the run stopped before recording anything, so the next run reads this input again")
        }
        dataset = d
        inputs = d.inputs
        datasetDir = (pipeline.outputDir as NSString).appendingPathComponent(d.relativeDir)
    }

    /// The summary of an incremental run that found nothing to do.
    private func finishWithNothingNew() throws -> RunSummary {
        var summary = RunSummary(runID: runID, pipeline: pipeline.spec.name, resumed: false, outputDir: pipeline.outputDir,
                                 lineagePath: pipeline.lineagePath, documentsIn: 0, documentsOut: 0, badLines: 0, steps: [], shards: [],
                                 sources: [], elapsed: counters.snapshot().elapsed, documentRows: options.recordDocuments, exampleDroppedID: nil)
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

    func isDone(_ task: String) -> Bool { doneTasks.contains(task) }
    var partitionList: [Partition] { partitions }

    // MARK: - Stages

    private func runStage(_ stage: Int) throws {
        let isFinal = stage == plan.stageCount
        let feeder = KeptRowFeeder(run: context)
        if isFinal {
            // Partitions finished by an earlier (killed) process still count for shard numbering.
            for p in partitions where isDone(TaskName.stage(stage, p.index)) {
                feeder.partitionFinished(p.index, shards: try ShardPhase.shardCount(workFiles, p.index))
            }
        }
        let todo = partitions.filter { !isDone(TaskName.stage(stage, $0.index)) }
        counters.startPhase("stage \(stage)/\(plan.stageCount)", tasks: todo.count, totalBytes: stage == 1 ? todo.reduce(0) { $0 + $1.diskBytes } : 0)
        // Earlier stages: largest first, so the last task to finish is a small one. The last stage: in
        // partition order, so kept documents can be recorded while later partitions still run.
        let ordered = isFinal ? todo : todo.sorted { $0.diskBytes != $1.diskBytes ? $0.diskBytes > $1.diskBytes : $0.index < $1.index }
        let context = self.context!
        try WorkerPool.run(ordered, workers: options.workers) { p in
            if context.cancelFlag.isSet { throw RunCancelled() }
            try StageWorker(run: context, stage: stage, partition: p, onFinished: isFinal ? feeder.partitionFinished : nil).execute()
            try context.testDelay()
        }
        try lineage.sync()
    }

    private func reduce(barrier: Int) throws {
        if isDone(TaskName.reduce(barrier)) { return }
        counters.startPhase("reduce \(plan.barriers[barrier - 1].step.name)", tasks: 1, totalBytes: 0)
        try ReducePhase(run: context, barrier: barrier).execute()
    }

    private func startProgressThread() -> Thread {
        let t = Thread { [weak self] in
            while !Thread.current.isCancelled {
                guard let self else { return }
                Thread.sleep(forTimeInterval: self.options.progressInterval)
                if Thread.current.isCancelled { return }
                self.observer?.progress(self.counters.snapshot())
            }
        }
        t.name = "winnow-progress"
        t.start()
        return t
    }
}

extension ISO8601DateFormatter {
    static var compactUTC: ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withYear, .withMonth, .withDay, .withTime, .withTimeZone]
        f.timeZone = TimeZone(identifier: "UTC")
        return f
    }
}

/// An exclusive lock on an output folder, so two runs never write the same shards at once (`flock`: the kernel
/// drops it when the process dies, so a crash never leaves a lock nobody can take). The holder writes who it is
/// into the file and clears it on release; finding someone else's line on taking the lock means that process died
/// holding it — `takenOver` says who, so the caller can log the takeover.
public final class OutputLock {
    private var fd: Int32
    public let path: String
    /// "pid N on HOST since TIME" of a holder that died without releasing, when this lock took over from it.
    public private(set) var takenOver: String?

    /// Who holds a lock file now (its line), for messages.
    public static func holder(of dir: String) -> String? {
        let text = (try? String(contentsOfFile: (dir as NSString).appendingPathComponent(".winnow.lock"), encoding: .utf8)) ?? ""
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return line.isEmpty ? nil : line
    }

    /// Whether a live process holds `dir`'s lock (looks without taking it or touching the holder line).
    public static func isHeld(_ dir: String) -> Bool {
        let fd = open((dir as NSString).appendingPathComponent(".winnow.lock"), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) != 0 { return true }
        flock(fd, LOCK_UN)
        return false
    }

    public init(dir: String) throws {
        path = (dir as NSString).appendingPathComponent(".winnow.lock")
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(path, "cannot create the lock file that keeps two runs out of this output folder (\(String(cString: strerror(errno))))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            fd = -1
            throw OutputLocked(dir: dir, holder: Self.holder(of: dir))
        }
        if let previous = Self.holder(of: dir) { takenOver = previous }
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        let me = "pid \(getpid()) on \(String(cString: host)) since \(isoNow())\n"
        ftruncate(fd, 0)
        _ = me.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    public func release() { if fd >= 0 { ftruncate(fd, 0); flock(fd, LOCK_UN); close(fd); fd = -1 } }
    deinit { release() }
}

/// Another live process holds an output folder's lock.
public struct OutputLocked: Error, CustomStringConvertible {
    public let dir: String
    public let holder: String?
    public var description: String { "\(dir): another winnow run is using this output folder\(holder.map { " (\($0))" } ?? "")" }
}

/// Winnow's version, recorded with every run.
public enum Winnow {
    public static let version = "0.1.0"
}

/// More bad lines than `max_error_fraction` of the lines read: the run stops once stage 1 has read everything.
public struct TooManyBadLines: Error, CustomStringConvertible {
    public let bad: Int
    public let lines: Int
    public let limit: Double
    public let lineagePath: String
    public let runID: String
    public var description: String {
        String(format: "%d of %d input lines (%.1f%%) could not be read as documents, more than max_error_fraction %g allows; the run stopped. ", bad, lines, 100 * Double(bad) / Double(lines), limit)
            + "See why: winnow lineage --db \(lineagePath) \"select reason, count(*), min(input || ':' || line) from errors where run_id = '\(runID)' group by 1\""
    }
}
