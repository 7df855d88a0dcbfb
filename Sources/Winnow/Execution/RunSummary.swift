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

    /// A plain-text report: the funnel per step and source, the shards, where lineage is, queries to try.
    /// `command` is how the user invokes winnow (e.g. `.build/release/winnow`).
    public func render(command: String = "winnow") -> String {
        var out = "run \(runID) (\(pipeline))\(resumed ? " — resumed" : "") finished in \(String(format: "%.1f", elapsed)) s\n\n"
        out += "documents in: \(documentsIn)   bad lines: \(badLines)   documents out: \(documentsOut)\n\n"
        let stepRows = steps.map { [$0.step, $0.kind, String($0.docsIn), String($0.docsOut), String($0.dropped), String(format: "%.2f", $0.seconds)] }
        out += TextTable.render(header: ["step", "kind", "in", "out", "dropped", "seconds"], rows: stepRows) + "\n"
        out += TextTable.render(header: ["source", "in", "bad lines", "out"],
                                rows: sources.map { [$0.source, String($0.docsIn), String($0.errors), String($0.docsOut)] }) + "\n"
        let bytes = shards.reduce(Int64(0)) { $0 + $1.bytes }
        out += "shards: \(shards.count) in \(outputDir) (\(bytes) bytes on disk), manifest.json beside them\n"
        out += "lineage: \(lineagePath)\(documentRows ? "" : " (per-document rows off)")\n\n"
        guard documentRows else { return out }
        out += "try:\n"
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
