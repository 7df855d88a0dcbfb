import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One stage of a pipeline as `winnow plan` lists it and `winnow run --stage` runs it. Stages are numbered from 1
/// in execution order: the cleaning stages between barriers, each barrier's reduce (a staged MinHash reduce as
/// two: its band ranges, then the merge), the shard numbering, and the token phase (tokenizer, encoding, shards).
public struct TaskStage: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case clean(Int)        // stage j of the step list, per partition
        case buckets(Int)      // a staged barrier's first half after stage j, per band range
        case reduce(Int)       // the barrier after stage j (or a staged barrier's merge)
        case shards            // global shard names, shard rows and kept-document rows, per partition
        case tokenizer         // train or load the tokenizer
        case encode            // encode the text shards of each partition
        case tokens            // write the token shards (mixture, curriculum)
    }
    public let index: Int
    public let name: String
    public let kind: Kind
    /// The stage's natural task count: how many independent units of work it has.
    public let tasks: Int
    public let does: String
    public let reads: [String]
    public let writes: [String]
}

/// A pipeline's stages with their task counts, for `winnow plan`.
public struct TaskPlan: Sendable {
    public let pipeline: String
    public let partitions: Int
    public let stages: [TaskStage]

    static func make(_ pipeline: Pipeline, partitions: [Partition]) -> TaskPlan {
        let plan = StagePlan(steps: pipeline.steps)
        let p = partitions.count
        let parquet = pipeline.spec.output.formats.contains(.parquet)
        var stages: [TaskStage] = []
        func add(_ name: String, _ kind: TaskStage.Kind, _ tasks: Int, _ does: String, _ reads: [String], _ writes: [String]) {
            stages.append(TaskStage(index: stages.count + 1, name: name, kind: kind, tasks: tasks, does: does, reads: reads,
                                    writes: writes + ["tasks/stage-\(String(format: "%02d", stages.count + 1))/ (lineage and completion mark of each task)"]))
        }
        for j in 1...plan.stageCount {
            let steps = plan.segments[j - 1].map { $0.step.name }
            let isFinal = j == plan.stageCount
            let reads = j == 1 ? ["the sources' input files (\(p) partition\(p == 1 ? "" : "s"))"]
                               : ["work/stage\(j - 1)-p*.docs", "work/reduce\(j - 1)-p*.decisions"]
        let stepsText = steps.isEmpty ? "no document steps" : steps.joined(separator: ", ")
            if isFinal {
                add("clean\(j)", .clean(j), p, "\(stepsText); writes the kept documents into shards named by partition", reads,
                    ["output.dir/shard-<partition>-<k>.jsonl*"] + (parquet ? ["output.dir/parquet/shard-<partition>-<k>.parquet"] : [])
                        + ["work/final-p*.meta", "work/final-p*.shards"])
            } else {
                let b = plan.barriers[j - 1].step.name
                add("clean\(j)", .clean(j), p, "\(stepsText); the keys of \(b)", reads, ["work/stage\(j)-p*.docs", "work/stage\(j)-p*.keys"])
                if case .barrier(let step) = plan.barriers[j - 1].step, let staged = step as? StagedBarrier, staged.staged {
                    add("\(b)-buckets", .buckets(j), staged.bucketTaskCount, "\(b): buckets of each band range", ["work/stage\(j)-p*.keys"],
                        ["work/\(b)-bands*.pairs"])
                    add(b, .reduce(j), 1, "\(b): clusters from the band ranges' buckets; a decision per document", ["work/stage\(j)-p*.keys", "work/\(b)-bands*.pairs"],
                        ["work/reduce\(j)-p*.decisions"])
                } else {
                    add(b, .reduce(j), 1, "\(b): a decision per document over every partition's keys", ["work/stage\(j)-p*.keys"], ["work/reduce\(j)-p*.decisions"])
                }
            }
        }
        add("shards", .shards, p, "numbers the shards in partition order; shard and kept-document lineage rows"
                + (parquet ? "; Parquet shards rewritten to the run's one schema where theirs differs" : ""),
            ["work/final-p*.shards", "work/final-p*.meta"],
            ["output.dir/shard-<n>.jsonl* (renamed)"] + (parquet ? ["output.dir/parquet/shard-<n>.parquet (renamed)"] : []))
        if !pipeline.spec.output.tokenFormats.isEmpty, pipeline.spec.tokenizer != nil {
            add("tokenizer", .tokenizer, 1, pipeline.spec.tokenizer?.file == nil ? "trains the tokenizer on the kept text" : "loads the spec's tokenizer",
                ["output.dir/shard-*.jsonl*"], ["output.dir/tokenizer.json"])
            add("encode", .encode, p, "encodes each partition's text shards", ["output.dir/shard-*.jsonl*", "output.dir/tokenizer.json", "work/final-p*.meta"],
                ["work/tokens-s*.tok", "work/tokens-s*.docs"])
            add("tokens", .tokens, 1, "mixture, curriculum order and splits; writes the token shards", ["work/tokens-s*"],
                pipeline.spec.output.tokenFormats.map { "output.dir/\($0.rawValue)/" })
        }
        return TaskPlan(pipeline: pipeline.spec.name, partitions: p, stages: stages)
    }

    /// A stage by its number (from 1) or its name.
    public func stage(_ s: String) -> TaskStage? {
        if let n = Int(s) { return stages.first { $0.index == n } }
        return stages.first { $0.name == s }
    }

    public func text() -> String {
        var out = "\(pipeline): \(stages.count) stages over \(partitions) partition\(partitions == 1 ? "" : "s")\n"
        for s in stages {
            out += String(format: "%2d  %@  %d task%@\n", s.index, s.name, s.tasks, s.tasks == 1 ? "" : "s")
            out += "    \(s.does)\n    reads:  \(s.reads.joined(separator: ", "))\n    writes: \(s.writes.joined(separator: ", "))\n"
        }
        out += "then: winnow run SPEC --workdir DIR --finish (merges the tasks' lineage, writes the manifest)\n"
        return out
    }

    public func json() -> String {
        func n(_ x: Int) -> JSONValue { .number(Double(x)) }
        let stages = stages.map { s in
            JSONValue.object(JSONObject([("index", n(s.index)), ("name", .string(s.name)), ("tasks", n(s.tasks)), ("does", .string(s.does)),
                                         ("reads", .array(s.reads.map { .string($0) })), ("writes", .array(s.writes.map { .string($0) }))]))
        }
        return JSONWriter.pretty(.object(JSONObject([("pipeline", .string(pipeline)), ("partitions", n(partitions)), ("stages", .array(stages))])))
    }
}

/// What a stage task did.
public enum TaskOutcome: Sendable, Equatable {
    /// It ran its share: `items` units of work.
    case ran(items: Int)
    /// Every unit of its share was already done by an earlier task (it changed nothing).
    case alreadyComplete
    /// Its share is empty (more tasks than the stage has units of work).
    case nothingToDo
}

/// A pipeline run as separate tasks, each possibly in another process on another machine, that share a work folder:
/// `runTask` runs one task of one stage (a stable slice of the stage's units), writing its outputs, its own lineage
/// file and a completion mark; `finish` merges the tasks' lineage into the pipeline's lineage file and writes the
/// manifest. The shards, token shards, manifest and lineage rows are the ones `Executor` produces.
public final class StageTasks {
    public let pipeline: Pipeline
    public let workdir: String
    let options: RunOptions
    weak var observer: RunObserver?
    let counters = ProgressCounters()
    let cancelFlag = CancelFlag()

    public init(pipeline: Pipeline, workdir: String, options: RunOptions = RunOptions(), observer: RunObserver? = nil) {
        self.pipeline = pipeline
        self.workdir = (workdir as NSString).standardizingPath
        self.options = options
        self.observer = observer
    }

    public func cancel() { cancelFlag.set() }

    /// The plan of `pipeline` as its inputs are now (what `winnow plan` prints; no work folder needed).
    public static func plan(_ pipeline: Pipeline) throws -> TaskPlan {
        if !pipeline.inputProblems.isEmpty { throw SpecValidationError(file: pipeline.specPath, issues: pipeline.inputProblems) }
        return TaskPlan.make(pipeline, partitions: try Planner.partitions(for: pipeline).partitions)
    }

    // MARK: - The work folder

    /// The run the work folder holds: its id and the partitions every task of it uses.
    struct State: Codable {
        var format = 1
        let runID: String
        let pipeline: String
        let specSHA256: String
        let createdAt: String
        let inputs: [InputFile]
        let partitions: [Partition]
    }

    /// A task's completion mark: which units of its stage it did, and its input counts.
    struct Mark: Codable {
        let stage: Int
        let name: String
        let taskIndex: Int
        let taskCount: Int
        let items: [Int]
        let lineage: String
        let finishedAt: String
        let seconds: Double
        let documentsRead: Int
        let badLines: Int
    }

    private func path(_ s: String) -> String { (workdir as NSString).appendingPathComponent(s) }
    private var statePath: String { path("run.json") }
    private var finishedPath: String { path("finished.json") }
    private var workFiles: WorkFiles { WorkFiles(dir: path("work")) }
    private func stageDir(_ s: TaskStage) -> String { path(String(format: "tasks/stage-%02d", s.index)) }
    private func taskBase(_ s: TaskStage, _ i: Int, _ n: Int) -> String { (stageDir(s) as NSString).appendingPathComponent("task-\(i)-of-\(n)") }

    /// The work folder's run, created by the first task that starts (under a lock, so concurrent first tasks agree).
    /// Creating it checks and prepares the output folder as `winnow run` does and fixes the partitions and run id.
    private func state() throws -> State {
        try RunSetup.createFolder(workdir, "the work folder")
        let lockPath = path(".state.lock")
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(lockPath, "cannot create (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw FileError(lockPath, "cannot lock (\(String(cString: strerror(errno))))") }
        defer { flock(fd, LOCK_UN) }
        if let bytes = try? readFileBytes(statePath) {
            let s: State
            do { s = try JSONDecoder().decode(State.self, from: Data(bytes)) } catch {
                throw FileError(statePath, "not a work folder's run file Winnow can read (\(error)); use a new --workdir")
            }
            guard s.format == 1 else { throw FileError(statePath, "a work folder of another Winnow version (format \(s.format)); use a new --workdir") }
            guard s.specSHA256 == pipeline.sha256 else {
                throw FileError(workdir, "this work folder holds run \(s.runID) of another spec (\(s.pipeline), SHA-256 \(s.specSHA256.prefix(12))…, not \(pipeline.sha256.prefix(12))…); give each spec its own --workdir")
            }
            return s
        }
        if pipeline.spec.incremental {
            throw FileError(pipeline.specPath, "an incremental pipeline runs in one process (winnow run SPEC); stage tasks do not support incremental versions yet")
        }
        if !pipeline.inputProblems.isEmpty { throw SpecValidationError(file: pipeline.specPath, issues: pipeline.inputProblems) }
        try RunSetup.checkOutputFolder(pipeline, force: options.force)
        try RunSetup.createFolder(pipeline.outputDir, "output.dir")
        try RunSetup.createFolder((pipeline.lineagePath as NSString).deletingLastPathComponent, "the lineage file's folder")
        let lock = try OutputLock(dir: pipeline.outputDir)
        defer { lock.release() }
        let ledger = try OutputLedger(root: pipeline.outputDir)
        let removed = try ledger.removeRecorded()
        if !removed.isEmpty { observer?.log("removed \(removed.count) file(s) earlier runs wrote to \(pipeline.outputDir)") }
        try RunSetup.provideGeneratedSalt(pipeline)
        let (inputs, partitions) = try Planner.partitions(for: pipeline, log: { [observer] in observer?.log($0) })
        let stamp = ISO8601DateFormatter.compactUTC.string(from: Date())
        let s = State(runID: "\(stamp)-\(String(format: "%04x", UInt16.random(in: 0...UInt16.max)))", pipeline: pipeline.spec.name,
                      specSHA256: pipeline.sha256, createdAt: isoNow(), inputs: inputs, partitions: partitions)
        try RunSetup.createFolder(workFiles.dir, "the work folder")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try writeFileAtomically(statePath, Array(try encoder.encode(s)))
        observer?.log("run \(s.runID): \(partitions.count) partition(s) planned in \(workdir)")
        return s
    }

    /// The completion marks of a stage's tasks, with their file names.
    private func markFiles(_ s: TaskStage) -> [(file: String, mark: Mark)] {
        let dir = stageDir(s)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".done") }.sorted()
        return names.compactMap { n in
            (try? readFileBytes((dir as NSString).appendingPathComponent(n))).flatMap { try? JSONDecoder().decode(Mark.self, from: Data($0)) }.map { (n, $0) }
        }
    }

    private func marks(_ s: TaskStage) -> [Mark] { markFiles(s).map(\.mark) }

    private func covered(_ s: TaskStage) -> Set<Int> { Set(marks(s).flatMap(\.items)) }

    /// Task `i` of `n`'s share of a stage with `units` units: a contiguous, stable range (the first tasks take the
    /// extra units, so a one-unit stage is task 0's).
    static func slice(_ i: Int, of n: Int, units: Int) -> Range<Int> { ((i * units + n - 1) / n)..<(((i + 1) * units + n - 1) / n) }

    /// Refuses to start `stage` before every earlier stage is complete, naming the first that is not.
    private func checkDependencies(_ stage: TaskStage?, _ plan: TaskPlan) throws {
        for e in plan.stages where stage.map({ e.index < $0.index }) ?? true {
            let done = covered(e).count
            guard done >= e.tasks else {
                let what = stage.map { "stage \($0.index) (\($0.name)) cannot start" } ?? "the run cannot finish"
                throw StageNotReady(message: "\(what): stage \(e.index) (\(e.name)) is not complete — \(done) of its \(e.tasks) unit(s) of work done. Run its tasks first: winnow run \(pipeline.specPath) --workdir \(workdir) --stage \(e.index) --task-index I --task-count N")
            }
        }
    }

    /// Every unit of work merged once: two marks covering one unit (tasks of two task counts run at the same time)
    /// would add its lineage rows twice.
    private func checkNoUnitTwice(_ plan: TaskPlan) throws {
        for s in plan.stages {
            var owner: [Int: String] = [:]
            for (file, m) in markFiles(s) {
                for u in m.items {
                    if let other = owner[u] {
                        throw StageNotReady(message: "stage \(s.index) (\(s.name)): unit \(u) was done by two tasks, \(other) and \(file) (tasks of two task counts ran at once); their outputs are the same, but merging both would record its documents twice. Remove one of the two marks in \(stageDir(s)) and finish again")
                    }
                    owner[u] = file
                }
            }
        }
    }

    /// After stage 1: more bad lines than `max_error_fraction` of all lines read stops the run, as in one process.
    private func checkErrorFraction(_ plan: TaskPlan, runID: String) throws {
        let first = marks(plan.stages[0])
        let bad = first.reduce(0) { $0 + $1.badLines }, read = first.reduce(0) { $0 + $1.documentsRead }
        let limit = pipeline.spec.maxErrorFraction
        guard bad + read > 0, Double(bad) / Double(bad + read) > limit else { return }
        throw TooManyBadLines(bad: bad, lines: bad + read, limit: limit, lineagePath: pipeline.lineagePath, runID: runID)
    }

    // MARK: - A task

    /// Runs task `index` of `count` of stage `stageName` (its number or name).
    public func runTask(stage stageName: String, index: Int, count: Int) throws -> TaskOutcome {
        guard count >= 1 else { throw StageNotReady(message: "--task-count must be at least 1") }
        guard index >= 0 && index < count else { throw StageNotReady(message: "--task-index \(index) is outside 0..<\(count) (--task-count \(count))") }
        let st = try state()
        let plan = TaskPlan.make(pipeline, partitions: st.partitions)
        guard let stage = plan.stage(stageName) else {
            throw StageNotReady(message: "no stage \"\(stageName)\"; the stages are " + plan.stages.map { "\($0.index) \($0.name)" }.joined(separator: ", "))
        }
        try checkDependencies(stage, plan)
        if stage.index > 1 { try checkErrorFraction(plan, runID: st.runID) }
        let share = Array(Self.slice(index, of: count, units: stage.tasks))
        guard !share.isEmpty else { return .nothingToDo }
        let done = covered(stage)
        let todo = share.filter { !done.contains($0) }
        guard !todo.isEmpty else { return .alreadyComplete }

        try RunSetup.createFolder(stageDir(stage), "the task folder")
        try RunSetup.provideGeneratedSalt(pipeline)
        let base = taskBase(stage, index, count)
        // The same task started twice at once (a requeued array task while the first still runs) would write one
        // lineage file from two processes: the second refuses.
        let lockPath = base + ".lock"
        let lockFD = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else { throw FileError(lockPath, "cannot create (\(String(cString: strerror(errno))))") }
        defer { close(lockFD) }
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            throw StageNotReady(message: "stage \(stage.index) (\(stage.name)) task \(index) of \(count) is running in another process now (\(lockPath) is locked)")
        }
        // Another task may have finished these units while this one waited for the lock.
        guard !share.filter({ !covered(stage).contains($0) }).isEmpty else { return .alreadyComplete }
        let dbPath = base + ".lineage.sqlite"
        let db = try TaskLineage.create(dbPath)
        let lineage = try LineageWriter(db: db, runID: st.runID)
        let ctx = context(st, db: db, lineage: lineage)
        let ledger = try OutputLedger(root: pipeline.outputDir)
        ledger.activate()
        defer { ledger.deactivate() }
        let t0 = ContinuousClock.now
        observer?.log("stage \(stage.index) (\(stage.name)) task \(index) of \(count), run \(st.runID): unit(s) \(SlurmRun.compress(todo)) of \(stage.tasks)")
        counters.startPhase("stage \(stage.index) \(stage.name) task \(index)/\(count)", tasks: todo.count,
                            totalBytes: stage.index == 1 ? todo.reduce(0) { $0 + st.partitions[$1].diskBytes } : 0)
        let progress = counters.report(to: observer, every: options.progressInterval)
        defer { progress.cancel() }
        do {
            try execute(stage, todo, ctx)
            try lineage.close()
        } catch {
            try? lineage.close()
            throw error
        }
        let (read, bad) = try TaskLineage.readAndBad(db, runID: st.runID)
        try TaskLineage.seal(dbPath)
        let mark = Mark(stage: stage.index, name: stage.name, taskIndex: index, taskCount: count, items: todo,
                        lineage: (dbPath as NSString).lastPathComponent, finishedAt: isoNow(), seconds: (ContinuousClock.now - t0).seconds,
                        documentsRead: read, badLines: bad)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try writeFileAtomically(base + ".done", Array(try encoder.encode(mark)))
        return .ran(items: todo.count)
    }

    /// The context a task (its own lineage file) or the finish (the pipeline's) runs the phases with.
    private func context(_ st: State, db: SQLiteDatabase, lineage: LineageWriter) -> RunContext {
        let ctx = RunContext(pipeline: pipeline, runID: st.runID, workFiles: workFiles, datasetDir: pipeline.outputDir, partitions: st.partitions,
                             plan: StagePlan(steps: pipeline.steps), workers: options.workers, recordDocuments: options.recordDocuments, db: db,
                             lineage: lineage, dataset: nil, reused: nil, done: [], counters: counters, cancelFlag: cancelFlag, observer: observer)
        ctx.isStageTask = true
        return ctx
    }

    private func execute(_ stage: TaskStage, _ items: [Int], _ ctx: RunContext) throws {
        switch stage.kind {
        case .clean(let j):
            let parts = items.map { ctx.partitions[$0] }
            try WorkerPool.run(parts, workers: options.workers) { p in
                if ctx.cancelFlag.isSet { throw RunCancelled() }
                try StageWorker(run: ctx, stage: j, partition: p).execute()
                try ctx.testDelay()
            }
        case .buckets(let j):
            try WorkerPool.run(items, workers: options.workers) { k in try ReducePhase(run: ctx, barrier: j).bucketTask(k) }
        case .reduce(let j):
            try ReducePhase(run: ctx, barrier: j).merge()
        case .shards:
            try ShardPhase(run: ctx).execute(partitions: items)
        case .tokenizer:
            let phase = TokenPhase(run: ctx)
            guard let (_, tspec) = phase.config else { return }
            _ = try phase.tokenizer(tspec, try ShardPhase(run: ctx).planned().map(\.info))
        case .encode:
            let phase = TokenPhase(run: ctx)
            let mine = Set(items)
            try phase.encode(try phase.savedTokenizer(), try ShardPhase(run: ctx).planned().map(\.info).filter { mine.contains($0.partition) })
        case .tokens:
            let phase = TokenPhase(run: ctx)
            guard let (formats, tspec) = phase.config else { return }
            let model = try phase.savedTokenizer()
            _ = try phase.write(formats: formats, vocabularySize: model.vocabularySize, eot: try phase.endOfText(model, tspec),
                                shards: try ShardPhase(run: ctx).planned().map(\.info))
        }
        try ctx.lineage.sync()
    }

    // MARK: - Finish

    /// Once every stage is complete: the tasks' lineage merged into the pipeline's lineage file, the manifest
    /// written, the run recorded finished, the work files removed. Nil when the run was already finished.
    public func finish() throws -> RunSummary? {
        guard FileManager.default.fileExists(atPath: statePath) else {
            throw StageNotReady(message: "\(workdir) holds no run: run the stages' tasks first (winnow plan \(pipeline.specPath) lists them)")
        }
        let st = try state()
        if FileManager.default.fileExists(atPath: finishedPath) { return nil }
        let plan = TaskPlan.make(pipeline, partitions: st.partitions)
        try checkDependencies(nil, plan)
        try checkNoUnitTwice(plan)
        try checkErrorFraction(plan, runID: st.runID)
        let lock = try OutputLock(dir: pipeline.outputDir)
        defer { lock.release() }
        let ledger = try OutputLedger(root: pipeline.outputDir)
        ledger.activate()
        defer { ledger.deactivate() }
        // Every task has finished: a `NAME.tmp-PID` of a recorded name is what a killed task left behind (the task
        // run again wrote NAME under its own pid).
        let orphans = ledger.removeOrphanedTemporaries()
        if !orphans.isEmpty { observer?.log("removed \(orphans.count) temporary file(s) killed tasks left behind: \(orphans.prefix(3).joined(separator: ", "))\(orphans.count > 3 ? ", …" : "")") }

        let db = try LineageStore.openForWriting(pipeline.lineagePath)
        let runLedger = RunLedger(db: db)
        try TaskLineage.discard(db, runID: st.runID)
        let jobs = SlurmRun.jobIDs(workdir: workdir)
        let row = RunLedger.NewRun(runID: st.runID, pipeline: pipeline.spec.name, specPath: pipeline.specPath, specSHA256: pipeline.sha256,
                                   specJSON: pipeline.canonicalJSON, startedAt: st.createdAt, status: "running", trigger: jobs == nil ? "tasks" : "slurm",
                                   winnowVersion: Winnow.version, outputDir: pipeline.outputDir, cleaningSHA256: pipeline.cleaningHash,
                                   scheduledFor: nil, version: nil, workers: options.workers, clusterJobs: jobs)
        try runLedger.start(row, inputs: st.inputs.map { f in
            RunLedger.InputRow(source: pipeline.sources[f.sourceIndex].spec.name, input: f.input, size: f.size, mtime: f.mtime,
                               partitions: st.partitions.filter { $0.path == f.path }.count, sha256: f.sha256, change: f.change)
        })
        var files: [String] = []
        let mergeStart = ContinuousClock.now
        for s in plan.stages {
            for m in marks(s).sorted(by: { $0.items.first ?? 0 < $1.items.first ?? 0 }) {
                let file = (stageDir(s) as NSString).appendingPathComponent(m.lineage)
                try TaskLineage.merge(into: db, from: file)
                files.append(file)
            }
        }
        observer?.log(String(format: "merged %d task lineage file(s) into %@ in %.3f s", files.count, pipeline.lineagePath, (ContinuousClock.now - mergeStart).seconds))
        let lineage = try LineageWriter(db: db, runID: st.runID)
        let ctx = context(st, db: db, lineage: lineage)
        let summary: RunSummary
        do {
            let shards = try CleaningRecords.shards(db, runID: st.runID)
            let phase = TokenPhase(run: ctx)
            let tokens = try phase.config.map { c in
                let model = try phase.savedTokenizer()
                return try phase.output(model, c.tokenizer, eot: try phase.endOfText(model, c.tokenizer))
            }
            let started = ISO8601DateFormatter().date(from: st.createdAt) ?? Date()
            summary = try FinishPhase(run: ctx).execute(shards: shards, tokens: tokens, resumed: false, elapsed: Date().timeIntervalSince(started))
            try lineage.close()
        } catch {
            try? lineage.close()
            throw error
        }
        runLedger.closeForReading(incremental: false)
        try writeFileAtomically(finishedPath, Array("{\"run_id\": \"\(st.runID)\", \"finished_at\": \"\(isoNow())\"}\n".utf8))
        // The intermediate files and the tasks' lineage files (now in the pipeline's) go; the marks stay, so a task
        // started again finds its work done.
        try? FileManager.default.removeItem(atPath: workFiles.dir)
        for f in files { unlink(f) }
        return summary
    }

    /// Creates the work folder's run (or reads it) and returns its id and plan: what `winnow slurm` submits.
    public func prepare() throws -> (runID: String, plan: TaskPlan) {
        let st = try state()
        return (st.runID, TaskPlan.make(pipeline, partitions: st.partitions))
    }

    /// Whether task `i` of `n` of `stage` has nothing left to do (every unit of its share is covered by a mark).
    public func isComplete(_ stage: TaskStage, index i: Int, count n: Int) -> Bool {
        let c = covered(stage)
        return Self.slice(i, of: n, units: stage.tasks).allSatisfy(c.contains)
    }

    /// Whether `--finish` has completed for this work folder.
    public var isFinished: Bool { FileManager.default.fileExists(atPath: finishedPath) }

    /// The run id the work folder holds, if any.
    public var runID: String? {
        (try? readFileBytes(statePath)).flatMap { try? JSONDecoder().decode(State.self, from: Data($0)) }?.runID
    }
}

/// A stage task that cannot run yet (an earlier stage is incomplete) or was asked for something that does not exist.
public struct StageNotReady: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
