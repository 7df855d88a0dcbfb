import Foundation

/// `winnow contamination`: which benchmark items a run's `decontaminate` steps found, in which sources, and what was
/// removed — from the lineage views `contamination` and `contamination_summary`.
public struct ContaminationReport: Sendable {
    public struct Summary: Sendable, Equatable {
        public let benchmark: String, source: String
        public let itemsFound: Int, documentsAffected: Int, tokensRemoved: Int
    }
    public struct Item: Sendable, Equatable {
        public let benchmark: String, itemID: String
        /// Documents it was found in, per source.
        public let sources: [(source: String, documents: Int)]
        public let documents: Int, dropped: Int, ngrams: Int
        public static func == (a: Item, b: Item) -> Bool {
            a.benchmark == b.benchmark && a.itemID == b.itemID && a.documents == b.documents && a.dropped == b.dropped && a.ngrams == b.ngrams
                && a.sources.map(\.source) == b.sources.map(\.source) && a.sources.map(\.documents) == b.sources.map(\.documents)
        }
    }
    public let runID: String
    public let summary: [Summary]
    public let items: [Item]

    /// The report of `runID`, or of the newest run in the file.
    public static func load(_ path: String, runID: String?) throws -> ContaminationReport {
        let db = try LineageStore.openReadOnly(path)
        let id: String
        if let runID {
            guard try !db.query("SELECT 1 FROM runs WHERE run_id = ?", [.text(runID)]).rows.isEmpty else { throw LineageError("\(path): no run \(runID)") }
            id = runID
        } else {
            guard let newest = try db.query("SELECT run_id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1").rows.first?.first?.text else {
                throw LineageError("\(path): no runs")
            }
            id = newest
        }
        let summary = try db.query("""
            SELECT benchmark, source, items_found, documents_affected, tokens_removed FROM contamination_summary
            WHERE run_id = ? ORDER BY benchmark, source
            """, [.text(id)]).rows.map {
            Summary(benchmark: $0[0].text ?? "", source: $0[1].text ?? "", itemsFound: Int($0[2].integer ?? 0),
                    documentsAffected: Int($0[3].integer ?? 0), tokensRemoved: Int($0[4].integer ?? 0))
        }
        let rows = try db.query("""
            SELECT benchmark, item_id, source, count(*), sum(status = 'dropped' AND reason = 'contaminated'), sum(ngrams)
            FROM contamination WHERE run_id = ? GROUP BY benchmark, item_id, source ORDER BY benchmark, item_id, source
            """, [.text(id)]).rows
        var items: [Item] = []
        var i = 0
        while i < rows.count {
            let b = rows[i][0].text ?? "", item = rows[i][1].text ?? ""
            var sources: [(String, Int)] = []
            var documents = 0, dropped = 0, ngrams = 0
            while i < rows.count, rows[i][0].text ?? "" == b, rows[i][1].text ?? "" == item {
                let n = Int(rows[i][3].integer ?? 0)
                sources.append((rows[i][2].text ?? "", n))
                documents += n; dropped += Int(rows[i][4].integer ?? 0); ngrams += Int(rows[i][5].integer ?? 0)
                i += 1
            }
            items.append(Item(benchmark: b, itemID: item, sources: sources, documents: documents, dropped: dropped, ngrams: ngrams))
        }
        items.sort { $0.benchmark != $1.benchmark ? $0.benchmark < $1.benchmark : Decontaminate.itemOrder($0.itemID, $1.itemID) }
        return ContaminationReport(runID: id, summary: summary, items: items)
    }

    /// Aligned tables: per benchmark and source, then per item.
    public func table() -> String {
        guard !summary.isEmpty else { return "run \(runID): no benchmark item found (no decontaminate step, or nothing matched)\n" }
        var out = "run \(runID)\n"
        out += TextTable.render(header: ["benchmark", "source", "items_found", "documents_affected", "tokens_removed"],
                                rows: summary.map { [$0.benchmark, $0.source, String($0.itemsFound), String($0.documentsAffected), String($0.tokensRemoved)] })
        out += "\n"
        out += TextTable.render(header: ["benchmark", "item", "documents", "dropped", "ngrams", "sources"],
                                rows: items.map { [$0.benchmark, $0.itemID, String($0.documents), String($0.dropped), String($0.ngrams),
                                                   $0.sources.map { "\($0.source) \($0.documents)" }.joined(separator: ", ")] })
        return out
    }

    public func json() -> String {
        JSONWriter.compact(.object(JSONObject([
            ("run_id", .string(runID)),
            ("summary", .array(summary.map { .object(JSONObject([("benchmark", .string($0.benchmark)), ("source", .string($0.source)),
                                                                  ("items_found", .number(Double($0.itemsFound))), ("documents_affected", .number(Double($0.documentsAffected))),
                                                                  ("tokens_removed", .number(Double($0.tokensRemoved)))])) })),
            ("items", .array(items.map { i in .object(JSONObject([("benchmark", .string(i.benchmark)), ("item_id", .string(i.itemID)),
                                                                  ("documents", .number(Double(i.documents))), ("dropped", .number(Double(i.dropped))), ("ngrams", .number(Double(i.ngrams))),
                                                                  ("sources", .object(JSONObject(i.sources.map { ($0.source, JSONValue.number(Double($0.documents))) })))])) })),
        ])))
    }
}
