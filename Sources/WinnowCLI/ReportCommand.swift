import ArgumentParser
import Foundation
import Winnow

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page about a run: funnel, drop reasons with examples, mixture, languages, quality histograms, duplicates, contamination, curriculum, shards, training curves and decoding sweep, each with its SQL.",
        discussion: """
        Every number comes from the lineage file through the views in schemas/lineage.sql, and each figure prints \
        its rows and the query that gave them (re-run it with winnow lineage). Example documents are read back from \
        the run's inputs: the first 300 characters, personal data replaced by its kind. The page has no script and \
        loads nothing: open it from disk in any browser.
        """)

    @OptionGroup var location: LineageLocation
    @Argument(help: "A run id or a unique prefix of one (default: the newest finished run).") var runID: String?
    @Option(name: .shortAndLong, help: "Where to write the page (default: report.html).") var output: String?

    func run() throws {
        let path = output ?? "report.html"
        try reportingLineageErrors {
            var report: RunReport
            do { report = try RunReport(dbPath: try location.path(), run: runID) } catch let e as RunReport.Failure { throw fail(e.description) }
            let html = try report.html()
            let url = URL(fileURLWithPath: path)
            do { try Data(html.utf8).write(to: url, options: .atomic) } catch {
                throw fail("\(path): cannot write the report (\(describe(error)))")
            }
            print("report of run \(report.runID): \(url.path) (\(html.utf8.count / 1024) KB)")
        }
    }
}
