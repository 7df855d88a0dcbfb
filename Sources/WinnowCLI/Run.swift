import ArgumentParser
import Foundation
import Winnow

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a pipeline: shards and manifest in output.dir, one lineage row per document.",
        discussion: """
        A run that was killed resumes when started again with the same spec and inputs (use --fresh to start over).
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
    @Flag(help: "Clean the inputs again even when the last finished run in output.dir had the same inputs and a spec that differs at most in weights, max_epochs, mixture, curriculum, tokenizer or token output (default: keep its cleaned shards and redo only the token phase).") var reclean = false

    func run() throws {
        let pipeline: Pipeline
        do { pipeline = try PipelineLoader.load(spec) } catch let e as SpecValidationError {
            warn(e.description)
            throw ExitCode(2)
        }
        var options = try runOptions(workers: workers, noLineage: noLineage)
        options.fresh = fresh
        options.force = force
        options.continueSeries = continueSeries
        options.reclean = reclean
        try execute(pipeline, options, quiet: quiet)
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
