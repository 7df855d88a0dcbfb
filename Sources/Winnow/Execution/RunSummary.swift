import Foundation

/// What a finished run did, for the end-of-run summary.
public struct RunSummary: Sendable {
    public struct StepLine: Sendable {
        public let step: String
        public let kind: String
        public let docsIn: Int
        public let docsOut: Int
        public let dropped: Int
        public let seconds: Double
    }
    public struct SourceLine: Sendable {
        public let source: String
        public let docsIn: Int
        public let errors: Int
        public let docsOut: Int
    }

    public let runID: String
    public let pipeline: String
    public let resumed: Bool
    public let outputDir: String
    public let lineagePath: String
    public let documentsIn: Int
    public let documentsOut: Int
    public let badLines: Int
    public let steps: [StepLine]
    public let shards: [ShardInfo]
    public let sources: [SourceLine]
    public let elapsed: Double
    public let documentRows: Bool
    /// A document this run dropped, for the example queries (nil when none was dropped).
    public let exampleDroppedID: String?
    /// The training tokens per source (and per source and bucket), when token shards were written.
    public var mixture: [MixtureRow] = []
    /// Incremental runs: the version written (or that nothing was new).
    public var versionLine: String? = nil
    /// Parts of inputs that could not be read (the run's status is then `finished_with_errors`).
    public var unreadableParts = 0
    /// The spec chose `on_error: "skip"` itself, so unreadable parts do not make the command fail.
    public var errorsAccepted = false
    /// The earlier run whose cleaned shards this run kept (only the token phase ran), if any.
    public var cleaningRunID: String? = nil

    /// `finished`, or `finished_with_errors` when parts of inputs could not be read.
    public var status: String { unreadableParts > 0 ? "finished_with_errors" : "finished" }

    /// The exit code `winnow run` uses when a run finished with unreadable input parts (documented in the README).
    public static let exitFinishedWithErrors: Int32 = 3

    /// What the command should exit with: 0, or `exitFinishedWithErrors` unless the spec accepted errors.
    public var exitCode: Int32 { unreadableParts > 0 && !errorsAccepted ? Self.exitFinishedWithErrors : 0 }

    /// A plain-text report: the funnel per step and source, the shards, where lineage is, queries to try.
    /// `command` is how the user invokes winnow (e.g. `.build/release/winnow`).
    public func render(command: String = "winnow") -> String {
        var out = "run \(runID) (\(pipeline))\(resumed ? " — resumed" : "") \(unreadableParts > 0 ? "finished WITH ERRORS" : "finished") in \(String(format: "%.1f", elapsed)) s\n\n"
        if unreadableParts > 0 {
            out += "\(unreadableParts) part(s) of the inputs could not be read; everything before the damage was processed. Status: finished_with_errors"
            out += errorsAccepted ? " (on_error \"skip\" in the spec: exit code 0).\n" : " (exit code \(Self.exitFinishedWithErrors); set on_error to \"skip\" to accept this).\n"
            out += "  \(command) lineage --db \(lineagePath) \"select input, line, message from errors where run_id = '\(runID)' and reason = 'unreadable_input'\"\n\n"
        }
        let history = "  \(command) lineage --db \(lineagePath) \"select * from version_history\"   # what each run added\n"
        if let versionLine, documentsIn == 0, shards.isEmpty {   // an incremental run with nothing new
            return out + versionLine + "\nlineage: \(lineagePath)\n\ntry:\n" + history
        }
        if let cleaningRunID {
            out += "cleaning: kept the cleaned shards of run \(cleaningRunID) (same inputs; the spec differs at most in weights, curriculum, tokenizer or token output), so only the token phase ran; its counts follow. --reclean cleans again.\n\n"
        }
        out += "documents in: \(documentsIn)   bad lines: \(badLines)   documents out: \(documentsOut)\n\n"
        let stepRows = steps.map { [$0.step, $0.kind, String($0.docsIn), String($0.docsOut), String($0.dropped), String(format: "%.2f", $0.seconds)] }
        out += TextTable.render(header: ["step", "kind", "in", "out", "dropped", "seconds"], rows: stepRows) + "\n"
        out += TextTable.render(header: ["source", "in", "bad lines", "out"],
                                rows: sources.map { [$0.source, String($0.docsIn), String($0.errors), String($0.docsOut)] }) + "\n"
        if !mixture.isEmpty { out += "training tokens:\n" + MixtureRow.table(mixture) + "\n" }
        let bytes = shards.reduce(Int64(0)) { $0 + $1.bytes }
        if let versionLine { out += versionLine + "\n" }
        if !shards.isEmpty || versionLine == nil {
            out += "shards: \(shards.count) in \(outputDir) (\(bytes) bytes on disk), manifest.json beside them\n"
        }
        out += "lineage: \(lineagePath)\(documentRows ? "" : " (per-document rows off)")\n\n"
        guard documentRows else { return out }
        out += "try:\n"
        if versionLine != nil { out += history }
        out += "  \(command) lineage --db \(lineagePath) \"select step, reason, count(*) from documents where run_id = '\(runID)' and status = 'dropped' group by 1, 2\"\n"
        if let id = exampleDroppedID {
            let quoted = id.replacingOccurrences(of: "'", with: "''")
            out += "  \(command) lineage --db \(lineagePath) \"select step, reason, dup_of, annotations from documents where doc_id = '\(quoted)'\"   # why was it dropped?\n"
            out += "  \(command) explain --db \(lineagePath) '\(id)'\n"
        } else {
            out += "  \(command) explain --db \(lineagePath) DOC_ID\n"
        }
        return out
    }
}

/// Aligned plain-text tables.
public enum TextTable {
    public static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map { $0.count }
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingTrailingSpaces()
        }
        var out = line(header) + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for r in rows { out += line(r) + "\n" }
        return out
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}


extension MixtureRow {
    /// The accounting as an aligned table: target and achieved shares in percent, the gap in points.
    public static func table(_ rows: [MixtureRow]) -> String {
        func pct(_ x: Double?) -> String { x.map { String(format: "%.1f%%", 100 * $0) } ?? "" }
        let notes = rows.contains { $0.shortfall != nil }
        let body = rows.map { r -> [String] in
            [r.bucket == nil ? r.source : "  " + r.source, r.bucket ?? "", pct(r.target), pct(r.achieved),
             r.target.map { String(format: "%+.1f", 100 * (r.achieved - $0)) } ?? "", String(r.tokens), String(r.documents), String(format: "%.2f", r.epochs)]
                + (notes ? [r.shortfall.map { "short: " + $0 } ?? ""] : [])
        }
        return TextTable.render(header: ["source", "bucket", "target", "achieved", "points", "tokens", "documents", "epochs"] + (notes ? ["shortfall"] : []), rows: body)
    }

    /// The rows of one run (the newest run with token shards when `runID` is nil), from a lineage file.
    public static func load(_ path: String, runID: String?) throws -> (runID: String, rows: [MixtureRow]) {
        let db = try LineageStore.openReadOnly(path)
        let id: String
        if let runID { id = runID } else {
            guard let newest = try TokenRecords.newestRunWithMixture(db) else {
                throw LineageError("\(path): no run with token shards (output.formats llmc or megatron)")
            }
            id = newest
        }
        let rows = try TokenRecords.mixtureRows(db, runID: id)
        guard !rows.isEmpty else { throw LineageError("\(path): run \(id) wrote no token shards") }
        return (id, rows)
    }
}
