import ArgumentParser
import Foundation
import Winnow

/// A `parquet` source's files as their footers describe them: rows and row groups each, or why a file cannot be read.
func parquetListing(_ p: Pipeline, _ s: Pipeline.ResolvedSource) -> String {
    var lines: [String] = [], rows: Int64 = 0, groups = 0, unreadable = 0
    for f in s.files {
        do {
            let m = try ParquetMetadata.read(path: f)
            rows += m.numRows
            groups += m.rowGroups.count
            lines.append("    \(p.displayPath(f)): \(m.numRows) rows in \(m.rowGroups.count) row group(s)")
        } catch {
            unreadable += 1
            lines.append("    \(p.displayPath(f)): unreadable: \(error)")
        }
    }
    let what = [s.spec.config.map { "config \($0)" }, s.spec.split.map { "split \($0)" }].compactMap { $0 }.joined(separator: ", ")
    let head = "  source \(s.spec.name)\(what.isEmpty ? "" : " (\(what))"): \(s.files.count) Parquet file(s), \(rows) rows in \(groups) row group(s)"
        + (unreadable > 0 ? ", \(unreadable) unreadable" : "")
    return ([head] + lines).joined(separator: "\n") + "\n"
}

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
                for s in p.sources where s.spec.format == .parquet { print(parquetListing(p, s), terminator: "") }
            } catch let e as SpecValidationError {
                warn(e.description)
                warn("\(path): \(e.issues.count) problem\(e.issues.count == 1 ? "" : "s")")
                bad += 1
            }
        }
        if bad > 0 { throw ExitCode(2) }
    }
}
