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
    /// The output folder's lock when the caller already took it (the scheduler, which looks before it starts a run):
    /// the run keeps it, so no other process can slip in between the look and the run.
    public var heldLock: OutputLock?
    let plan: StagePlan
    let counters = ProgressCounters()
    let cancelFlag = CancelFlag()
    weak var observer: RunObserver?

    private(set) var lineage: LineageWriter!
    /// What the phases see of this run (made once the run's id, partitions and lineage writer are known).
    private var context: RunContext!
    private var workFiles: WorkFiles { context.workFiles }
    /// The run's id once it is started or resumed ("" before).
    private(set) var runID = ""
    private var partitions: [Partition] { context.partitions }
    private var doneTasks: Set<String> { context.done }
    private(set) var db: SQLiteDatabase!
    /// The run's own statements about itself (start, resume, finish) over `db`.
    var runLedger: RunLedger { RunLedger(db: db) }
    /// The files Winnow wrote into `output.dir`: the only ones it ever deletes.
    private(set) var ledger: OutputLedger!

    public init(pipeline: Pipeline, options: RunOptions = RunOptions(), observer: RunObserver? = nil) {
        self.pipeline = pipeline
        self.options = options
        self.observer = observer
        plan = StagePlan(steps: pipeline.steps)
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
        let lock = try heldLock ?? OutputLock(dir: pipeline.outputDir)
        heldLock = nil
        defer { lock.release() }
        if let stale = lock.takenOver { observer?.log("took over the lock of \(stale), which is gone") }
        ledger = try OutputLedger(root: pipeline.outputDir)
        ledger.activate()
        defer { ledger.deactivate() }
        let orphans = ledger.removeOrphanedTemporaries()
        if !orphans.isEmpty { observer?.log("removed \(orphans.count) temporary file(s) a killed run left behind: \(orphans.prefix(3).joined(separator: ", "))\(orphans.count > 3 ? ", …" : "")") }

        db = try LineageStore.openForWriting(pipeline.lineagePath)
        try RunSetup.provideGeneratedSalt(pipeline)
        let start = RunStart(pipeline: pipeline, options: options, plan: plan, db: db, ledger: ledger, observer: observer)
        let begun = try start.begin()
        runID = start.runID
        guard let resumed = begun else { return start.nothingNewSummary(elapsed: counters.snapshot().elapsed) }
        if let reused = start.reused { try start.adoptCleaningRows(from: reused.runID) }
        lineage = try LineageWriter(db: db, runID: start.runID)
        context = RunContext(pipeline: pipeline, runID: start.runID, workFiles: start.workFiles, datasetDir: start.datasetDir, partitions: start.partitions,
                             plan: plan, workers: options.workers, recordDocuments: options.recordDocuments, db: db, lineage: lineage,
                             dataset: start.dataset, reused: start.reused, done: start.doneTasks, counters: counters, cancelFlag: cancelFlag, observer: observer)
        let reused = start.reused, dataset = start.dataset

        let progressThread = counters.report(to: observer, every: options.progressInterval)
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

    func isDone(_ task: String) -> Bool { doneTasks.contains(task) }

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

}

extension ISO8601DateFormatter {
    static var compactUTC: ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withYear, .withMonth, .withDay, .withTime, .withTimeZone]
        f.timeZone = TimeZone(identifier: "UTC")
        return f
    }
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
