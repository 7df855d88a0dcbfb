import Foundation

/// All a phase sees of its run: the spec, the run's id and work folder, its partitions, the seed and worker count,
/// and where its lineage goes. The single-machine executor makes one per run; a stage task (`winnow run --stage`)
/// makes one from the task folder, with its own lineage file. Nothing below the stage loop sees the executor.
final class RunContext: @unchecked Sendable {
    let pipeline: Pipeline
    let runID: String
    let workFiles: WorkFiles
    /// Where shards, manifest and token shards go: `output.dir`, or an incremental run's version folder.
    let datasetDir: String
    let partitions: [Partition]
    let plan: StagePlan
    let workers: Int
    /// Whether the run records one lineage row per document.
    let recordDocuments: Bool
    /// The lineage file this context writes (a stage task's own file, merged by `--finish`), and its only writer.
    let db: SQLiteDatabase
    let lineage: LineageWriter
    /// An incremental run's plan.
    let dataset: DatasetPlan?
    /// The earlier run whose cleaned shards this run keeps (only the token phase runs), if any.
    let reused: ReusedCleaning?
    /// Tasks an earlier process of this run finished (a resumed single-machine run); empty for a stage task.
    let done: Set<String>
    let counters: ProgressCounters
    let cancelFlag: CancelFlag
    weak var observer: RunObserver?
    /// A stage task (`winnow run --stage`): its plan was made in another process, and a user may fix a broken input
    /// and run its task again, so a whole-file partition is read as the file is when the task starts.
    var isStageTask = false

    init(pipeline: Pipeline, runID: String, workFiles: WorkFiles, datasetDir: String, partitions: [Partition], plan: StagePlan,
         workers: Int, recordDocuments: Bool, db: SQLiteDatabase, lineage: LineageWriter, dataset: DatasetPlan?, reused: ReusedCleaning?,
         done: Set<String>, counters: ProgressCounters, cancelFlag: CancelFlag, observer: RunObserver?) {
        self.pipeline = pipeline; self.runID = runID; self.workFiles = workFiles; self.datasetDir = datasetDir
        self.partitions = partitions; self.plan = plan; self.workers = workers; self.recordDocuments = recordDocuments
        self.db = db; self.lineage = lineage; self.dataset = dataset; self.reused = reused; self.done = done
        self.counters = counters; self.cancelFlag = cancelFlag; self.observer = observer
    }

    var seed: Int { pipeline.spec.seed }
    func isDone(_ task: String) -> Bool { done.contains(task) }
    /// The `stage` value of kept documents' rows (written once every shard is numbered).
    var shardStage: Int { plan.stageCount + 1 }
    func sourceName(of p: Partition) -> String { pipeline.sources[p.sourceIndex].spec.name }

    /// Test hook: `WINNOW_TEST_TASK_DELAY_MS` sleeps after each finished task, so a test can kill the
    /// process between tasks.
    func testDelay() throws {
        if let ms = ProcessInfo.processInfo.environment["WINNOW_TEST_TASK_DELAY_MS"].flatMap(Int.init), ms > 0 {
            try lineage.sync()
            observer?.log("task finished (test delay \(ms) ms)")
            usleep(UInt32(ms) * 1000)
        }
    }
}

/// The names of the units a run marks finished in `run_tasks` (a killed run skips them when it resumes).
enum TaskName {
    static func stage(_ stage: Int, _ p: Int) -> String { String(format: "stage%d/p%05d", stage, p) }
    static func reduce(_ barrier: Int) -> String { "reduce\(barrier)" }
    static func kept(_ p: Int) -> String { String(format: "kept/p%05d", p) }
    static let reuseRows = "reuse/rows"
}
