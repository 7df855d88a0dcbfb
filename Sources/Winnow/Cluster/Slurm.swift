import Foundation

/// What `winnow slurm` asks of the cluster besides the task count.
public struct SlurmOptions: Sendable, Codable {
    /// Tasks per stage at most (a stage with fewer units of work gets that many).
    public var tasks: Int
    public var partition: String?
    public var time: String?
    public var mem: String?
    public var cpusPerTask: Int?
    /// More `#SBATCH` arguments, each written as one quoted argument (`--account=x`, `--qos=y`).
    public var extra: [String] = []
    public init(tasks: Int) { self.tasks = tasks }
}

/// Quoting for what Winnow writes into job scripts.
public enum ScriptQuote {
    /// A shell word: `it's` → `'it'\''s'`.
    public static func shell(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
    /// A value on an `#SBATCH` line, which sbatch (not the shell) reads: in double quotes, `"` and `\` escaped.
    public static func sbatch(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// A pipeline run on Slurm: one job array per stage (`winnow run --stage`), chained with `afterok`, and a job that
/// runs `--finish`. Everything about a submission lives in `<workdir>/slurm/`: one readable script per stage,
/// `jobs.json` (the job ids of every submission), and the tasks' logs.
public final class SlurmRun {
    /// What was submitted, kept in `<workdir>/slurm/jobs.json`.
    struct Record: Codable {
        struct Stage: Codable {
            var index: Int          // 0: the finish job
            var name: String
            var tasks: Int
            var script: String
            /// The log of task `%a` (of the finish job: `%a` absent).
            var log: String
            /// Job ids of every submission of this stage, oldest first.
            var jobs: [String]
        }
        var spec: String
        var winnow: String
        var runID: String
        var pipeline: String
        var options: SlurmOptions
        var submittedAt: String
        var stages: [Stage]
        var finish: Stage
    }

    public let workdir: String
    var dir: String { (workdir as NSString).appendingPathComponent("slurm") }
    var recordPath: String { (dir as NSString).appendingPathComponent("jobs.json") }

    public init(workdir: String) {
        self.workdir = (workdir as NSString).standardizingPath
    }

    // MARK: - Submission

    /// The scripts written (and, unless `dryRun`, submitted): one per stage, then the finish job.
    public struct Submitted: Sendable {
        public let runID: String
        public let lines: [String]
    }

    /// Writes one script per stage and one for `--finish` into `<workdir>/slurm/`, and (unless `dryRun`) submits
    /// them chained with `afterok`. `winnow` is the binary the jobs run (this one).
    public func submit(_ pipeline: Pipeline, options: SlurmOptions, winnow: String, dryRun: Bool) throws -> Submitted {
        guard options.tasks >= 1 else { throw SlurmError("--tasks must be at least 1") }
        if FileManager.default.fileExists(atPath: recordPath), !dryRun {
            throw SlurmError("\(workdir) already has a Slurm submission (\(recordPath)); watch it with winnow slurm status, resubmit what failed with winnow slurm resume, or give a new --workdir")
        }
        let tasks = StageTasks(pipeline: pipeline, workdir: workdir)
        let (runID, plan) = try tasks.prepare()
        try FileManager.default.createDirectory(atPath: (dir as NSString).appendingPathComponent("logs"), withIntermediateDirectories: true)
        let pipelineName = Self.safe(pipeline.spec.name)
        var stages: [Record.Stage] = []
        for s in plan.stages {
            let k = min(options.tasks, s.tasks)
            let base = String(format: "stage-%02d-%@", s.index, Self.safe(s.name))
            let command = [winnow, "run", pipeline.specPath, "--workdir", workdir, "--stage", String(s.index), "--task-count", String(k)]
            let header = "Winnow: stage \(s.index) of \(plan.stages.count) (\(s.name)) of pipeline \(pipeline.spec.name), run \(runID): \(k) task(s).\n\(s.does)."
            let script = try writeScript(base, jobName: "winnow-\(pipelineName)-\(s.index)-\(Self.safe(s.name))", array: k, options: options,
                                         header: header, command: command, workers: true)
            stages.append(Record.Stage(index: s.index, name: s.name, tasks: k, script: script, log: "logs/\(base)-%a.log", jobs: []))
        }
        let finishCommand = [winnow, "run", pipeline.specPath, "--workdir", workdir, "--finish"]
        let finishScript = try writeScript("finish", jobName: "winnow-\(pipelineName)-finish", array: nil, options: options,
                                           header: "Winnow: merge the tasks' lineage into \(pipeline.lineagePath) and write the manifest (run \(runID)).",
                                           command: finishCommand, workers: false)
        var record = Record(spec: pipeline.specPath, winnow: winnow, runID: runID, pipeline: pipeline.spec.name, options: options,
                            submittedAt: isoNow(), stages: stages, finish: Record.Stage(index: 0, name: "finish", tasks: 1, script: finishScript,
                                                                                         log: "logs/finish.log", jobs: []))
        var lines: [String] = []
        if dryRun {
            for s in record.stages { lines.append("stage \(s.index) \(s.name): \(s.tasks) task(s) — \(s.script)") }
            lines.append("finish: \(record.finish.script)")
            lines.append("dry run: nothing submitted; submit by hand in this order, each with --dependency=afterok:<the previous job id>")
            return Submitted(runID: runID, lines: lines)
        }
        var previous: String? = nil
        for i in record.stages.indices {
            let id = try sbatch(record.stages[i].script, array: nil, after: previous)
            record.stages[i].jobs.append(id)
            try save(record)
            lines.append("stage \(record.stages[i].index) \(record.stages[i].name): job \(id), \(record.stages[i].tasks) task(s)\(previous.map { " after \($0)" } ?? "")")
            previous = id
        }
        let id = try sbatch(record.finish.script, array: nil, after: previous)
        record.finish.jobs.append(id)
        try save(record)
        lines.append("finish: job \(id) after \(previous ?? "-")")
        return Submitted(runID: runID, lines: lines)
    }

    /// A job script: `#SBATCH` lines (values quoted for sbatch), then the command (words quoted for the shell).
    private func writeScript(_ base: String, jobName: String, array: Int?, options: SlurmOptions, header: String, command: [String],
                             workers: Bool) throws -> String {
        var s = "#!/bin/bash\n"
        for line in header.split(separator: "\n") { s += "# \(line)\n" }
        s += "# Resubmit by hand: sbatch \(array == nil ? "" : "[--array=LIST] ")\(ScriptQuote.shell(base + ".sbatch"))  (from \(ScriptQuote.shell(dir)))\n"
        s += "#SBATCH --job-name=\(ScriptQuote.sbatch(jobName))\n"
        if let array { s += "#SBATCH --array=0-\(array - 1)\n" }
        s += "#SBATCH --chdir=\(ScriptQuote.sbatch(dir))\n"
        s += "#SBATCH --output=logs/\(base)\(array == nil ? "" : "-%a").log\n"
        if let p = options.partition { s += "#SBATCH --partition=\(ScriptQuote.sbatch(p))\n" }
        if let t = options.time { s += "#SBATCH --time=\(ScriptQuote.sbatch(t))\n" }
        if let m = options.mem { s += "#SBATCH --mem=\(ScriptQuote.sbatch(m))\n" }
        if let c = options.cpusPerTask { s += "#SBATCH --cpus-per-task=\(c)\n" }
        for a in options.extra { s += "#SBATCH \(ScriptQuote.sbatch(a))\n" }
        s += "set -eu\n"
        var words = command.map(ScriptQuote.shell).joined(separator: " ")
        if workers { words += " --workers \"${SLURM_CPUS_PER_TASK:-1}\"" }
        s += "exec \(words)\n"
        let path = (dir as NSString).appendingPathComponent(base + ".sbatch")
        try writeFileAtomically(path, Array(s.utf8))
        chmod(path, 0o755)
        return path
    }

    private func save(_ r: Record) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeFileAtomically(recordPath, Array(try e.encode(r)))
    }

    func load() throws -> Record {
        guard let bytes = try? readFileBytes(recordPath) else {
            throw SlurmError("\(workdir) has no Slurm submission (no \(recordPath)); submit with winnow slurm SPEC --workdir \(workdir) --tasks N")
        }
        do { return try JSONDecoder().decode(Record.self, from: Data(bytes)) } catch {
            throw SlurmError("\(recordPath): not a submission record this Winnow reads (\(error))")
        }
    }

    /// A name Slurm and file names take as it is.
    static func safe(_ s: String) -> String {
        String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") ? $0 : "_" })
    }

    // MARK: - Slurm commands

    /// Submits `script` (optionally only the array tasks `array`, after job `after` succeeded); returns the job id.
    private func sbatch(_ script: String, array: String?, after: String?) throws -> String {
        var args = ["--parsable"]
        if let array { args.append("--array=\(array)") }
        if let after { args.append("--dependency=afterok:\(after)") }
        args.append(script)
        let out = try Self.command("sbatch", args).trimmingCharacters(in: .whitespacesAndNewlines)
        // --parsable prints "jobid" or "jobid;cluster".
        guard let id = out.split(separator: ";").first.map(String.init), !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw SlurmError("sbatch \(script): unexpected answer \"\(out)\"")
        }
        return id
    }

    /// Runs a Slurm command; its standard output, or an error with its standard error.
    static func command(_ name: String, _ args: [String], allowFailure: Bool = false) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [name] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { throw SlurmError("cannot run \(name): \(error)") }
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus != 0 && !allowFailure {
            let message = String(decoding: e, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw SlurmError("\(name) \(args.joined(separator: " ")) failed (exit \(p.terminationStatus)): \(message.isEmpty ? "no message" : message)")
        }
        return String(decoding: o, as: UTF8.self)
    }

    /// One task's (or a plain job's) state as `scontrol show job -o` reports it.
    struct TaskState { let state: String; let reason: String; let exitCode: String }

    /// The states of job `id`'s tasks by array index (-1 for a job without an array); empty when Slurm no longer knows it.
    static func states(of id: String) -> [Int: TaskState] {
        guard let text = try? command("scontrol", ["show", "job", "-o", id], allowFailure: true) else { return [:] }
        var out: [Int: TaskState] = [:]
        for line in text.split(separator: "\n") {
            var f: [String: String] = [:]
            for word in line.split(separator: " ") {
                if let eq = word.firstIndex(of: "=") { f[String(word[..<eq])] = String(word[word.index(after: eq)...]) }
            }
            guard let state = f["JobState"] else { continue }
            let t = TaskState(state: state, reason: f["Reason"] ?? "", exitCode: f["ExitCode"] ?? "")
            guard let ids = f["ArrayTaskId"], ids != "N/A" else { out[-1] = t; continue }
            for i in expand(ids) { out[i] = t }
        }
        return out
    }

    /// "0-3,5,7-8%2" → [0, 1, 2, 3, 5, 7, 8].
    static func expand(_ ids: String) -> [Int] {
        let list = ids.split(separator: "%").first.map(String.init) ?? ids
        var out: [Int] = []
        for part in list.split(separator: ",") {
            let ends = part.split(separator: "-").compactMap { Int($0) }
            if ends.count == 2, ends[0] <= ends[1] { out += Array(ends[0]...ends[1]) } else if let one = ends.first { out.append(one) }
        }
        return out
    }

    /// Array indexes as sbatch's `--array` takes them: [0, 1, 2, 5] → "0-2,5".
    static func compress(_ ids: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        let s = ids.sorted()
        while i < s.count {
            var j = i
            while j + 1 < s.count && s[j + 1] == s[j] + 1 { j += 1 }
            parts.append(i == j ? "\(s[i])" : "\(s[i])-\(s[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    // MARK: - Status, resume, cancel

    /// A stage's tasks as the completion marks and Slurm see them now.
    struct StageView {
        var done: [Int] = [], running: [Int] = [], pending: [Int] = [], failed: [Int] = [], stuck: [Int] = []
        /// Failed tasks' Slurm state (FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, gone …).
        var why: [Int: String] = [:]
    }

    private func view(_ s: Record.Stage, complete: (Int) -> Bool) -> StageView {
        var states: [Int: TaskState] = [:]
        for id in s.jobs { for (k, v) in Self.states(of: id) { states[k] = v } }
        var v = StageView()
        for i in 0..<s.tasks {
            if complete(i) { v.done.append(i); continue }
            guard let t = states[s.index == 0 ? -1 : i] else {
                v.failed.append(i); v.why[i] = s.jobs.isEmpty ? "never submitted" : "not known to Slurm any more"; continue
            }
            switch t.state {
            case "RUNNING", "COMPLETING", "CONFIGURING": v.running.append(i)
            case "PENDING" where t.reason == "DependencyNeverSatisfied": v.stuck.append(i)
            case "PENDING", "REQUEUED", "SUSPENDED": v.pending.append(i)
            case "CANCELLED" where t.reason == "DependencyNeverSatisfied": v.stuck.append(i)
            case "COMPLETED": v.failed.append(i); v.why[i] = "COMPLETED without its completion mark"
            default: v.failed.append(i); v.why[i] = "\(t.state) \(t.exitCode)"
            }
        }
        return v
    }

    /// Per stage: tasks done / running / pending / failed, and for each failed task its log and the log's last lines.
    public func status(lastLines: Int = 5) throws -> String {
        let r = try load()
        let pipeline = try PipelineLoader.load(r.spec)
        let tasks = StageTasks(pipeline: pipeline, workdir: workdir)
        let plan = try tasks.prepare().plan
        var out = "run \(r.runID) (\(r.pipeline)) on Slurm, submitted \(r.submittedAt); work folder \(workdir)\n"
        var table: [[String]] = [["stage", "name", "tasks", "done", "running", "pending", "failed", "waiting", "jobs"]]
        var problems: [String] = []
        func row(_ s: Record.Stage, _ v: StageView) {
            table.append([s.index == 0 ? "-" : String(s.index), s.name] + [s.tasks, v.done.count, v.running.count, v.pending.count, v.failed.count,
                                                                               v.stuck.count].map(String.init) + [s.jobs.isEmpty ? "-" : s.jobs.joined(separator: ",")])
            for i in v.failed {
                let log = (dir as NSString).appendingPathComponent(s.index == 0 ? s.log : s.log.replacingOccurrences(of: "%a", with: String(i)))
                var text = "\(s.index == 0 ? "finish job" : "stage \(s.index) (\(s.name)) task \(i)"): \(v.why[i] ?? "failed") — log \(log)"
                if let bytes = try? readFileBytes(log) {
                    let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).suffix(lastLines)
                    text += lines.map { "\n    | \($0)" }.joined()
                }
                problems.append(text)
            }
        }
        for s in r.stages {
            guard let stage = plan.stages.first(where: { $0.index == s.index }) else { continue }
            row(s, view(s) { tasks.isComplete(stage, index: $0, count: s.tasks) })
        }
        row(r.finish, view(r.finish) { _ in tasks.isFinished })
        let widths = (0..<table[0].count).map { c in table.map { $0[c].count }.max() ?? 0 }
        for line in table {
            out += line.enumerated().map { c, cell in c == line.count - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                .joined(separator: "  ") + "\n"
        }
        if tasks.isFinished { out += "finished: the manifest and lineage are written (winnow runs --spec \(r.spec))\n" }
        if !problems.isEmpty {
            out += "\nfailed:\n" + problems.joined(separator: "\n") + "\n"
            out += "\nfix the cause, then: winnow slurm resume \(ScriptQuote.shell(workdir))\n"
        }
        return out
    }

    /// Resubmits what did not complete — the failed or lost tasks of each stage and every later stage's missing
    /// tasks, chained as before — after cancelling jobs that wait on a failed dependency. Refuses while any task of
    /// the run still runs or waits to run.
    public func resume() throws -> [String] {
        var r = try load()
        let pipeline = try PipelineLoader.load(r.spec)
        let tasks = StageTasks(pipeline: pipeline, workdir: workdir)
        let plan = try tasks.prepare().plan
        if tasks.isFinished { return ["run \(r.runID) is finished; nothing to resubmit"] }
        var views: [(Int, StageView)] = []
        for (i, s) in r.stages.enumerated() {
            guard let stage = plan.stages.first(where: { $0.index == s.index }) else { continue }
            views.append((i, view(s) { tasks.isComplete(stage, index: $0, count: s.tasks) }))
        }
        let finishView = view(r.finish) { _ in false }
        let active = views.filter { !$0.1.running.isEmpty || !$0.1.pending.isEmpty }.map { r.stages[$0.0] }
        if !active.isEmpty || !finishView.running.isEmpty || !finishView.pending.isEmpty {
            let which = active.map { "stage \($0.index) (\($0.name))" } + (finishView.running.isEmpty && finishView.pending.isEmpty ? [] : ["the finish job"])
            throw SlurmError("\(which.joined(separator: ", ")) still running or waiting to run; wait for them, or winnow slurm cancel \(ScriptQuote.shell(workdir)) first")
        }
        // Jobs left waiting on a dependency that failed can never run: cancel them before submitting again.
        let stuck = Set(views.flatMap { v in v.1.stuck.isEmpty ? [] : r.stages[v.0].jobs }) .union(finishView.stuck.isEmpty ? [] : r.finish.jobs)
        if !stuck.isEmpty { _ = try? Self.command("scancel", Array(stuck).sorted(), allowFailure: true) }
        var lines: [String] = []
        var previous: String? = nil
        for (i, v) in views {
            let missing = v.failed + v.stuck
            guard !missing.isEmpty else { continue }
            let array = Self.compress(missing)
            let id = try sbatch(r.stages[i].script, array: array, after: previous)
            r.stages[i].jobs.append(id)
            try save(r)
            lines.append("stage \(r.stages[i].index) \(r.stages[i].name): job \(id), task(s) \(array)\(previous.map { " after \($0)" } ?? "")")
            previous = id
        }
        let id = try sbatch(r.finish.script, array: nil, after: previous)
        r.finish.jobs.append(id)
        try save(r)
        lines.append("finish: job \(id)\(previous.map { " after \($0)" } ?? "")")
        return lines
    }

    /// Cancels every job of every submission of the run.
    public func cancel() throws -> [String] {
        let r = try load()
        let ids = r.stages.flatMap(\.jobs) + r.finish.jobs
        guard !ids.isEmpty else { return ["nothing was submitted"] }
        _ = try Self.command("scancel", ids)
        return ["cancelled job(s) \(ids.joined(separator: ", ")); finished tasks stay done (winnow slurm resume \(ScriptQuote.shell(workdir)) submits the rest)"]
    }

    /// The job ids of the run's submissions, for `runs.cluster_jobs` (nil without a Slurm submission in `workdir`).
    static func jobIDs(workdir: String) -> String? {
        guard let r = try? SlurmRun(workdir: workdir).load() else { return nil }
        let ids = r.stages.flatMap(\.jobs) + r.finish.jobs
        return ids.isEmpty ? nil : "slurm:" + ids.joined(separator: ",")
    }
}

/// A Slurm submission, status or resume that cannot go on; the message says why and what to do.
public struct SlurmError: Error, CustomStringConvertible {
    public let message: String
    init(_ m: String) { message = m }
    public var description: String { message }
}
