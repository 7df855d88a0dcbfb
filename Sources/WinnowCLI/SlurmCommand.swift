import ArgumentParser
import Foundation
import Winnow

struct SlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Run a pipeline on a Slurm cluster: one job array per stage, chained with afterok, then a job that runs --finish.",
        discussion: """
        winnow slurm SPEC --workdir SHARED_DIR --tasks N submits; winnow slurm status|resume|cancel SHARED_DIR operate on \
        the submission. The work folder must be on storage every node sees; the scripts, jobs.json and the tasks' logs \
        are in SHARED_DIR/slurm/.
        """,
        subcommands: [Submit.self, Status.self, Resume.self, Cancel.self],
        defaultSubcommand: Submit.self)

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "submit",
            abstract: "Write one sbatch script per stage into SHARED_DIR/slurm and submit them (the default subcommand).")

        @Argument(help: "The pipeline spec.") var spec: String
        @Option(help: "The work folder, on storage every node sees (required).") var workdir: String
        @Option(help: "Tasks per stage at most; a stage with fewer units of work gets that many (required).") var tasks: Int
        @Option(help: "Slurm partition (default: the cluster's default).") var partition: String?
        @Option(help: "Time limit of each task, as sbatch takes it (default: the partition's).") var time: String?
        @Option(help: "Memory of each task, as sbatch takes it, e.g. 8G (default: the partition's).") var mem: String?
        @Option(help: "CPUs of each task; a task runs that many workers (default: 1).") var cpusPerTask: Int?
        @Option(name: .customLong("sbatch-arg"), parsing: .unconditionalSingleValue, help: "Another #SBATCH argument for every job, e.g. --account=x; repeatable (default: none).")
        var sbatchArgs: [String] = []
        @Flag(help: "Write the scripts without submitting them (default: submit).") var dryRun = false

        func run() throws {
            let pipeline = try loadSpecOrExit(spec)
            var options = SlurmOptions(tasks: tasks)
            options.partition = partition; options.time = time; options.mem = mem; options.cpusPerTask = cpusPerTask
            options.extra = sbatchArgs
            try orExit {
                let run = SlurmRun(workdir: absolute(workdir))
                let done = try run.submit(pipeline, options: options, winnow: currentExecutable(), dryRun: dryRun)
                print("run \(done.runID) (\(pipeline.spec.name))")
                for l in done.lines { print("  \(l)") }
                if !dryRun { print("watch: winnow slurm status \(shellWord(run.workdir))") }
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per stage: tasks done, running, pending, failed; each failed task's log and its last lines.")
        @Argument(help: "The work folder of the submission.") var workdir: String
        @Option(help: "Lines of a failed task's log to show (default: 5).") var lines = 5
        func run() throws {
            try orExit { print(try SlurmRun(workdir: absolute(workdir)).status(lastLines: lines), terminator: "") }
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resubmit only what did not complete (failed or lost tasks and what depends on them).")
        @Argument(help: "The work folder of the submission.") var workdir: String
        func run() throws {
            try orExit { for l in try SlurmRun(workdir: absolute(workdir)).resume() { print(l) } }
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel every job of the submission; finished tasks stay done.")
        @Argument(help: "The work folder of the submission.") var workdir: String
        func run() throws {
            try orExit { for l in try SlurmRun(workdir: absolute(workdir)).cancel() { print(l) } }
        }
    }
}

/// Runs `body`; a `SlurmError` is printed and the command exits 1.
private func orExit(_ body: () throws -> Void) throws {
    do { try body() } catch let e as SlurmError {
        warn("error: \(e)")
        throw ExitCode(1)
    }
}

/// `path` made absolute against the working directory (jobs start elsewhere).
private func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
}

/// The path of the running winnow binary, for the jobs to run.
private func currentExecutable() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? absolute(CommandLine.arguments[0])
}

private func shellWord(_ s: String) -> String { ScriptQuote.shell(s) }
