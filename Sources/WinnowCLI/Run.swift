import ArgumentParser
import Foundation
import Winnow

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a pipeline: shards and manifest in output.dir, one lineage row per document.",
        discussion: """
        A run that was killed resumes when started again with the same spec and inputs (use --fresh to start over).
        Stage tasks: with --workdir DIR (a folder every task can reach), --stage S --task-index I --task-count N runs one \
        task of one stage (see winnow plan SPEC), each task in its own process on any machine; --finish then merges the \
        tasks' lineage and writes the manifest. The task index and count come from SLURM_ARRAY_TASK_ID and \
        SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs), when the flags are absent.
        Exit codes: 0 finished; 1 failed (the error says why; the run resumes when started again); 2 the spec is invalid; \
        3 finished_with_errors: parts of the inputs could not be read (0 when the spec sets on_error to "skip"); \
        130 interrupted (SIGINT, SIGTERM or SIGHUP).
        """)

    @Argument(help: "The pipeline spec.") var spec: String
    @Option(help: "Worker threads (default: all cores).") var workers: Int?
    @Flag(help: "Do not record one lineage row per document (runs, inputs, counts and shards are still recorded).") var noLineage = false
    @Flag(help: "Start a new run even if an unfinished run of this spec could be resumed; the unfinished run is marked abandoned (default: resume).") var fresh = false
    @Flag(help: "Write into an existing output.dir that holds files Winnow did not write (default: refuse). Those files are never deleted.") var force = false
    @Flag(help: "No progress line.") var quiet = false
    @Flag(name: .customLong("continue"), help: "Incremental pipelines: a changed spec adds a version to the current series instead of starting a new one (which processes every input again).") var continueSeries = false
    @Option(help: "Stage tasks: the work folder the tasks of this run share (default: none, the whole run in this process).") var workdir: String?
    @Option(help: "Stage tasks: the stage to run, its number (from 1) or name as winnow plan lists them (default: none).") var stage: String?
    @Option(help: "Stage tasks: this task's index, from 0 (default: SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX).") var taskIndex: Int?
    @Option(help: "Stage tasks: how many tasks share the stage (default: SLURM_ARRAY_TASK_COUNT, else 1 with --task-index absent).") var taskCount: Int?
    @Flag(help: "Stage tasks: merge the finished tasks' lineage into the pipeline's lineage file and write the manifest (default: off).") var finish = false
    @Flag(help: "Clean the inputs again even when the last finished run in output.dir had the same inputs and a spec that differs at most in weights, max_epochs, mixture, curriculum, tokenizer or token output (default: keep its cleaned shards and redo only the token phase).") var reclean = false

    @Option(help: "Seconds to wait for another process's write lock on the lineage database before failing (default: 30).") var lineageWait: Double?

    func run() throws {
        if let lineageWait {
            guard lineageWait >= 0 && lineageWait.isFinite else { throw ValidationError("--lineage-wait must be 0 or more seconds") }
            SQLiteDatabase.busyTimeoutSeconds = lineageWait
        }
        let pipeline = try loadSpecOrExit(spec)
        var options = try runOptions(workers: workers, noLineage: noLineage)
        if workdir != nil || stage != nil || finish || taskIndex != nil || taskCount != nil {
            options.force = force
            return try runStageTask(pipeline, options)
        }
        options.fresh = fresh
        options.force = force
        options.continueSeries = continueSeries
        options.reclean = reclean
        try execute(pipeline, options, quiet: quiet)
    }

    /// `--workdir` with `--stage` (one task) or `--finish`.
    private func runStageTask(_ pipeline: Pipeline, _ options: RunOptions) throws {
        guard let workdir else { throw ValidationError("--stage, --task-index, --task-count and --finish need --workdir DIR (the folder the tasks share)") }
        guard (stage != nil) != finish else { throw ValidationError("give --workdir either --stage S (run one task) or --finish (merge the finished tasks)") }
        guard !fresh, !continueSeries, !reclean else { throw ValidationError("--fresh, --continue and --reclean do not apply to stage tasks (a new --workdir starts a new run)") }
        let observer = TerminalProgress(quiet: quiet)
        var options = options
        options.progressInterval = observer.isTTY ? 0.5 : 10    // a task's log gets a progress line every 10 s
        let tasks = StageTasks(pipeline: pipeline, workdir: workdir, options: options, observer: observer)
        SignalStop.install { tasks.cancel() }
        do {
            if finish {
                guard let summary = try tasks.finish() else {
                    print("run \(tasks.runID ?? "?") in \(workdir) is already finished; nothing to do")
                    return
                }
                let invoked = CommandLine.arguments.first ?? "winnow"
                print(summary.render(command: invoked.contains("/") ? invoked : "winnow"), terminator: "")
                if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
                return
            }
            let env = ProcessInfo.processInfo.environment
            let index = taskIndex ?? env["SLURM_ARRAY_TASK_ID"].flatMap(Int.init) ?? env["JOB_COMPLETION_INDEX"].flatMap(Int.init)
            let count = taskCount ?? env["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init)
            guard let index = index ?? (count == nil ? 0 : nil) else {
                throw ValidationError("--task-count \(count ?? 0) needs --task-index (or SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX)")
            }
            guard let count = count ?? (index == 0 && taskIndex == nil && env["JOB_COMPLETION_INDEX"] == nil ? 1 : nil) else {
                throw ValidationError("task \(index) needs --task-count N (or SLURM_ARRAY_TASK_COUNT): how many tasks share the stage")
            }
            let clock = ContinuousClock(), t0 = clock.now
            let outcome = try tasks.runTask(stage: stage!, index: index, count: count)
            let d = (clock.now - t0).components, seconds = Double(d.seconds) + Double(d.attoseconds) * 1e-18
            switch outcome {
            case .ran(let items): print(String(format: "stage %@ task %d of %d: done (%d unit%@ of work) in %.2f s", stage!, index, count, items, items == 1 ? "" : "s", seconds))
            case .alreadyComplete: print("stage \(stage!) task \(index) of \(count): already complete; nothing changed")
            case .nothingToDo: print("stage \(stage!) task \(index) of \(count): no work (the stage has fewer units of work than tasks)")
            }
        } catch let e as ValidationError {
            throw e
        } catch let e as SpecValidationError {
            warn(e.description)
            throw ExitCode(2)
        } catch {
            observer.clear()
            warn("error: \(describe(error))")
            throw ExitCode(error is RunCancelled ? 130 : 1)
        }
    }
}

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show a pipeline's stages as tasks: each stage's natural task count and what its tasks read and write.",
        discussion: """
        Stages are numbered from 1 in execution order. Run one task of a stage with \
        winnow run SPEC --workdir DIR --stage S --task-index I --task-count N, then winnow run SPEC --workdir DIR --finish.
        """)

    @Argument(help: "The pipeline spec.") var spec: String
    @Flag(help: "Print JSON: {\"stages\": [{\"index\": 1, \"name\": …, \"tasks\": K, …}, …]} (default: text).") var json = false

    @Option(help: "Seconds to wait for another process's write lock on the lineage database before failing (default: 30).") var lineageWait: Double?

    func run() throws {
        if let lineageWait {
            guard lineageWait >= 0 && lineageWait.isFinite else { throw ValidationError("--lineage-wait must be 0 or more seconds") }
            SQLiteDatabase.busyTimeoutSeconds = lineageWait
        }
        let pipeline = try loadSpecOrExit(spec)
        let plan = try StageTasks.plan(pipeline)
        print(json ? plan.json() : plan.text(), terminator: json ? "\n" : "")
    }
}

/// The spec at `path`, or its problems printed and exit code 2.
func loadSpecOrExit(_ path: String) throws -> Pipeline {
    do { return try PipelineLoader.load(path) } catch let e as SpecValidationError {
        warn(e.description)
        throw ExitCode(2)
    }
}

/// The options `--workers` and `--no-lineage` set (shared by `run` and `remix`).
func runOptions(workers: Int?, noLineage: Bool) throws -> RunOptions {
    var options = RunOptions()
    if let workers {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        options.workers = workers
    }
    options.recordDocuments = !noLineage
    return options
}

/// Runs `pipeline` with a progress line, prints the summary, and exits as `winnow run` documents.
func execute(_ pipeline: Pipeline, _ options: RunOptions, quiet: Bool) throws {
    var options = options
    let observer = TerminalProgress(quiet: quiet)
    options.progressInterval = observer.isTTY ? 0.5 : 10
    let executor = Executor(pipeline: pipeline, options: options, observer: observer)
    SignalStop.install { executor.cancel() }
    do {
        let summary = try executor.run()
        observer.clear()
        let invoked = CommandLine.arguments.first ?? "winnow"
        print(summary.render(command: invoked.contains("/") ? invoked : "winnow"), terminator: "")
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    } catch let e as ExitCode {
        throw e
    } catch let e as SpecValidationError {
        observer.clear()
        warn(e.description)
        throw ExitCode(2)
    } catch {
        observer.clear()
        warn("error: \(describe(error))")
        throw ExitCode(error is RunCancelled ? 130 : 1)
    }
}

/// Progress on standard error: a rewritten line on a terminal, a plain line every 10 s otherwise.
final class TerminalProgress: RunObserver, @unchecked Sendable {
    let isTTY = isatty(2) == 1
    let quiet: Bool
    private let lock = NSLock()
    private var shown = false

    init(quiet: Bool) { self.quiet = quiet }

    func progress(_ s: ProgressSnapshot) {
        guard !quiet else { return }
        var line = "[\(s.phase)] \(s.tasksDone)/\(s.tasksTotal) tasks, \(s.documents) docs"
        if s.elapsed > 0 {
            line += String(format: ", %.0f docs/s", Double(s.documents) / s.elapsed)
            if s.bytes > 0 { line += String(format: ", %.1f MB/s", Double(s.bytes) / 1e6 / s.elapsed) }
        }
        if s.totalBytes > 0, s.bytes > 0, s.bytes < s.totalBytes {
            let eta = s.elapsed * Double(s.totalBytes - s.bytes) / Double(s.bytes)
            line += String(format: ", ETA %.0f s", eta)
        }
        lock.lock(); defer { lock.unlock() }
        if isTTY {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            shown = true
        } else {
            warn(line)
        }
    }

    func log(_ message: String) {
        lock.lock(); defer { lock.unlock() }
        if isTTY && shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); shown = false }
        warn(message)
    }

    func clear() {
        lock.lock(); defer { lock.unlock() }
        if isTTY && shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); shown = false }
    }
}

/// SIGINT, SIGTERM and SIGHUP (the terminal closed, the SSH session dropped) ask the run to stop at a document
/// boundary, so it is recorded `interrupted` and resumes; a second signal exits at once.
enum SignalStop {
    nonisolated(unsafe) static var sources: [DispatchSourceSignal] = []
    static func install(_ stop: @escaping @Sendable () -> Void) {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            var count = 0
            src.setEventHandler {
                count += 1
                if count > 1 { exit(130) }
                warn("stopping after the current documents; run again to resume")
                stop()
            }
            src.resume()
            sources.append(src)
        }
    }
}
