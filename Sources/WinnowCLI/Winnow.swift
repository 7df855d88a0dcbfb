import ArgumentParser
import Foundation
import Winnow

@main
struct WinnowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "winnow",
        abstract: "Declarative data pipelines for language-model pre-training data, with SQLite lineage.",
        version: Winnow.version,
        subcommands: [Validate.self, PlanCommand.self, Run.self, SlurmCommand.self, RemixCommand.self, Lineage.self, Explain.self, MixtureCommand.self, ContaminationCommand.self, Runs.self, ScheduleCommand.self, TrainCommand.self, SampleCommand.self, AblateCommand.self, PIICommand.self, TokenizerCommand.self, ShardsCommand.self, ReportCommand.self, SchemaCommand.self, Bench.self])

    /// As ArgumentParser's, except that a Foundation file error that reaches here is printed as "path: reason", not as
    /// an NSCocoaErrorDomain dump.
    static func main() {
        // Over a file-size limit (`ulimit -f`) a write fails with EFBIG and the error names the file, instead of
        // SIGXFSZ killing the process without a word.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if isFoundationError(error) {
                warn("error: \(describe(error))")
                Foundation.exit(1)
            }
            exit(withError: error)
        }
    }

    /// Whether a file-system error from Foundation escaped (shown as one line rather than as a usage error). Its own
    /// function so the bridged NSError is released before the process exits (LeakSanitizer reported it otherwise).
    private static func isFoundationError(_ error: Error) -> Bool {
        let domain = (error as NSError).domain
        return domain == NSCocoaErrorDomain || domain == NSPOSIXErrorDomain
    }
}

/// Prints to standard error.
func warn(_ s: String) { FileHandle.standardError.write(Data((s.hasSuffix("\n") ? s : s + "\n").utf8)) }

/// Failure with a message already printed; exits with the given code.
struct Failed: Error {}

func fail(_ message: String, code: Int32 = 1) -> ExitCode {
    warn("error: " + message)
    return ExitCode(code)
}
