import ArgumentParser
import Foundation
import Winnow

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a pipeline spec and report every problem at once, each with its JSON pointer.")

    @Argument(help: "Pipeline spec files.") var specs: [String]

    func run() throws {
        var bad = 0
        for path in specs {
            do {
                let p = try PipelineLoader.load(path)
                let files = p.sources.reduce(0) { $0 + $1.files.count }
                var line = "\(path): ok — pipeline \(p.spec.name), \(p.sources.count) source(s), \(files) input file(s), \(p.steps.count) step(s), spec sha256 \(p.sha256)"
                if let cron = try? p.spec.schedule?.cronSchedule() {
                    line += "; schedule \"\(cron.expression)\" in \(cron.timeZone.identifier), next \(cron.next(after: Date()).map { cron.localISO($0) } ?? "never")"
                }
                if p.spec.incremental { line += "; incremental" }
                print(line)
            } catch let e as SpecValidationError {
                warn(e.description)
                warn("\(path): \(e.issues.count) problem\(e.issues.count == 1 ? "" : "s")")
                bad += 1
            }
        }
        if bad > 0 { throw ExitCode(2) }
    }
}
