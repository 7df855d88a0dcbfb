import Foundation

/// `winnow report`: one self-contained HTML page about a run, built from its lineage file only (plus the inputs,
/// for the openings of example documents). Every figure sits on a table of the rows of one SQL query over the
/// documented views, and the query is printed under it, so any number can be checked or re-run with
/// `winnow lineage`. Inline SVG and CSS; no script, font or image from anywhere.
public struct RunReport {
    public struct Failure: Error, CustomStringConvertible { public let description: String }

    /// The sections, in page order (their element ids).
    public static let sections = ["overview", "funnel", "drops", "mixture", "languages", "quality", "duplicates", "contamination",
                                  "curriculum", "shards", "training", "decoding", "spec"]

    let db: SQLiteDatabase
    let dbPath: String
    public let runID: String
    private var body = ""
    private var figures = 0

    /// Opens `dbPath` read-only and picks `run` (a run id or a unique prefix of one), else the newest finished run.
    public init(dbPath: String, run: String?) throws {
        self.dbPath = dbPath
        db = try LineageStore.openReadOnly(dbPath)
        let version = try db.query("PRAGMA user_version").rows.first?.first?.integer ?? 0
        guard version >= Int64(LineageSchema.version) else {
            throw Failure(description: "\(dbPath): lineage schema version \(version), written by an older Winnow; the report needs version \(LineageSchema.version) (any `winnow run` of the pipeline upgrades the file)")
        }
        if let run {
            let ids = try db.query("SELECT run_id FROM runs WHERE run_id = ? OR run_id LIKE ? ESCAPE '\\' ORDER BY run_id",
                                   [.text(run), .text(run.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%")]).rows.compactMap { $0.first?.text }
            if ids.contains(run) { runID = run } else if ids.count == 1 { runID = ids[0] } else if ids.isEmpty {
                throw Failure(description: "\(dbPath): no run \(run) (list them with `winnow runs --db \(dbPath)`)")
            } else {
                throw Failure(description: "\(dbPath): \(run) names \(ids.count) runs (\(ids.prefix(4).joined(separator: ", "))…); give more of the id")
            }
        } else {
            guard let newest = try db.query("""
                SELECT run_id FROM runs WHERE status IN ('finished', 'finished_with_errors') ORDER BY started_at DESC, rowid DESC LIMIT 1
                """).rows.first?.first?.text else {
                throw Failure(description: "\(dbPath): no finished run yet (run the pipeline first, or name a run)")
            }
            runID = newest
        }
    }

    // MARK: - Building blocks

    /// The run id as an SQL literal, so every printed query runs as it stands.
    private var run: String { "'" + runID.replacingOccurrences(of: "'", with: "''") + "'" }
    private func lit(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    private func query(_ sql: String) throws -> QueryResult {
        let r = try db.query(sql)
        return QueryResult(columns: r.columns, rows: r.rows)
    }

    /// A figure: caption, chart, the query's rows as a table, and the query itself. The table holds every number
    /// the chart draws (a test re-runs each query and compares the cells).
    private mutating func figure(_ caption: String, _ sql: String, _ result: QueryResult, chart: String, note: String = "",
                                 tableOpen: Bool = true, db label: String? = nil) {
        figures += 1
        var h = "<figure data-figure=\"\(figures)\"><figcaption>\(Escape.html(caption))</figcaption>\n"
        if !chart.isEmpty { h += "<div class=\"scroll\">" + chart + "</div>\n" }
        if !note.isEmpty { h += "<p class=\"note\">\(note)</p>\n" }
        if result.rows.isEmpty {
            h += "<p class=\"empty\">No rows.</p>\n"
        }
        let table = Self.table(result, sql: sql, db: label ?? dbPath)
        if tableOpen && result.rows.count <= 40 {
            h += table
        } else if !result.rows.isEmpty {
            h += "<details><summary>the \(result.rows.count) rows</summary>\(table)</details>\n"
        }
        h += "<details><summary>SQL</summary><pre class=\"sql\">\(Escape.html(sql))</pre>"
        h += "<p class=\"note\">winnow lineage --db \(Escape.html(Self.shellQuote(label ?? dbPath))) &quot;…&quot;</p></details>\n"
        h += "</figure>\n"
        body += h
    }

    static func table(_ r: QueryResult, sql: String, db: String) -> String {
        guard !r.rows.isEmpty else { return "" }
        var h = "<div class=\"scroll\"><table class=\"data\" data-db=\"\(Escape.html(db))\" data-sql=\"\(Escape.html(sql))\"><thead><tr>"
        for c in r.columns { h += "<th>\(Escape.html(c))</th>" }
        h += "</tr></thead><tbody>\n"
        for row in r.rows {
            h += "<tr>"
            for v in row {
                let numeric: Bool
                switch v { case .integer, .real: numeric = true; default: numeric = false }
                h += numeric ? "<td class=\"n\">" : "<td>"
                h += Escape.html(QueryResult.cell(v)) + "</td>"
            }
            h += "</tr>\n"
        }
        return h + "</tbody></table></div>\n"
    }

    static func shellQuote(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-".contains($0) }) ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private mutating func section(_ id: String, _ title: String, _ intro: String = "") {
        body += "</section>\n<section id=\"\(id)\"><h2>\(Escape.html(title))</h2>\n"
        if !intro.isEmpty { body += "<p class=\"note\">\(intro)</p>\n" }
    }

    private mutating func paragraph(_ html: String, cls: String = "note") { body += "<p class=\"\(cls)\">\(html)</p>\n" }

    private func int(_ v: SQLValue?) -> Int64 { v?.integer ?? Int64(v?.real ?? 0) }
    private func dbl(_ v: SQLValue?) -> Double { v?.real ?? 0 }
    private func str(_ v: SQLValue?) -> String { v.map { QueryResult.cell($0) } ?? "" }

    // MARK: - The page

    /// The whole page.
    public mutating func html(generatedAt: String? = nil) throws -> String {
        let generatedAt = generatedAt ?? isoNow()
        body = ""
        figures = 0
        let info = try db.query("SELECT pipeline, spec_json, spec_path FROM runs WHERE run_id = ?", [.text(runID)]).rows.first
        let pipeline = info?[0].text ?? "", specJSON = info?[1].text ?? "{}", specPath = info?[2].text ?? ""
        let excerpts = DocumentExcerpts(specJSON: specJSON, specPath: specPath)
        let spec = (try? JSONParser.parse(Array(specJSON.utf8))) ?? .object(JSONObject([]))

        body += "<section id=\"overview\"><h2>Overview</h2>\n"
        try overview()
        section("funnel", "Funnel: documents and tokens per step",
                "Tokens before the tokenizer runs are estimated from the text's UTF-8 bytes at this run's measured tokens per byte of kept text (source_stats); kept and written tokens are counted.")
        try funnel()
        section("drops", "Why documents were dropped", "Three examples per reason: the first \(DocumentExcerpts.characters) characters, read back from the input, personal data replaced by its kind; bad lines shown as their raw bytes, escaped.")
        try drops(excerpts)
        section("mixture", "Mixture: target against achieved", "Shares of the training tokens (end-of-text tokens included), as `winnow mixture` prints them.")
        try mixture()
        section("languages", "Languages by source")
        try languages()
        section("quality", "Quality metrics", "Every numeric annotation the steps wrote, as a histogram of the documents that have it; red lines: the spec's thresholds on that metric.")
        try quality(spec)
        section("duplicates", "Duplicate clusters")
        try duplicates(excerpts)
        section("contamination", "Contamination")
        try contamination()
        section("curriculum", "Curriculum buckets in training order")
        try curriculum()
        section("shards", "Shards and their sources")
        try shards()
        section("training", "Training")
        try training()
        section("decoding", "Decoding: creativity against coherence")
        try decoding()
        section("spec", "Spec, inputs and timings")
        try specSection(specJSON)
        body += "</section>\n"

        let nav = Self.sections.map { "<a href=\"#\($0)\">\($0)</a>" }.joined(separator: " ")
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <title>\(Escape.html("Winnow report: \(pipeline) \(runID)"))</title>
        <style>
        \(Chart.css)
        </style></head>
        <body><main>
        <h1>\(Escape.html(pipeline)) <span class="muted">\(Escape.html(runID))</span></h1>
        <p class="note">Winnow report of run \(Escape.html(runID)) from \(Escape.html(dbPath)), generated \(Escape.html(generatedAt)). Every figure lists its rows and the SQL that gave them.</p>
        <nav>\(nav)</nav>
        \(body)
        </main></body></html>

        """
    }

    // MARK: - Sections

    private mutating func overview() throws {
        let sql = """
            SELECT run_id, pipeline, status, trigger, started_at, finished_at, docs_in, docs_kept, docs_dropped, docs_error, shards, workers, winnow_version
            FROM runs WHERE run_id = \(run)
            """
        let r = try query(sql)
        figure("The run", sql, r, chart: "")
        if let error = try db.query("SELECT error FROM runs WHERE run_id = ?", [.text(runID)]).rows.first?.first?.text {
            paragraph("Recorded error: " + Escape.html(error))
        }
    }

    private mutating func funnel() throws {
        let sql = """
            SELECT step_index, step, kind, docs_in, docs_out, dropped, bytes_in, bytes_out, tokens_in, tokens_out
            FROM step_funnel WHERE run_id = \(run) ORDER BY step_index
            """
        let r = try query(sql)
        let chart = Chart.bars(title: "Documents into and out of each step", rows: r.rows.map { (str($0[1]), [dbl($0[3]), dbl($0[4])]) },
                               series: ["documents in", "documents out"])
        figure("Documents in and out per step", sql, r, chart: chart)
        if r.rows.contains(where: { $0[8] != .null }) {
            let tchart = Chart.bars(title: "Tokens into and out of each step (estimated)", rows: r.rows.map { (str($0[1]), [dbl($0[8]), dbl($0[9])]) },
                                    series: ["tokens in (est.)", "tokens out (est.)"])
            figure("Tokens in and out per step (estimated from bytes)", sql, r, chart: tchart, tableOpen: false)
        }
        let ssql = """
            SELECT source, docs_in, bad_lines, docs_out, bytes_in, bytes_out, tokens_out, tokens_written
            FROM source_funnel WHERE run_id = \(run) ORDER BY source
            """
        let s = try query(ssql)
        let schart = Chart.bars(title: "Documents read and kept per source", rows: s.rows.map { (str($0[0]), [dbl($0[1]) + dbl($0[2]), dbl($0[3])]) },
                                series: ["read (bad lines included)", "kept"])
        figure("Per source: read, kept, and tokens kept and written (the mixture samples or repeats kept tokens)", ssql, s, chart: schart)
    }

    private mutating func drops(_ excerpts: DocumentExcerpts) throws {
        let sql = """
            SELECT step, reason, documents, round(100.0 * documents / (SELECT sum(docs_in + errors) FROM source_stats WHERE run_id = \(run)), 2) AS percent_of_read,
                   round(100.0 * documents / (SELECT sum(documents) FROM drop_reasons WHERE run_id = \(run)), 2) AS percent_of_dropped
            FROM drop_reasons WHERE run_id = \(run)
            UNION ALL
            SELECT 'reader', reason, count(*), round(100.0 * count(*) / (SELECT sum(docs_in + errors) FROM source_stats WHERE run_id = \(run)), 2), NULL
            FROM errors WHERE run_id = \(run) GROUP BY reason
            ORDER BY 3 DESC, 1, 2
            """
        let r = try query(sql)
        let chart = Chart.bars(title: "Documents dropped per step and reason", rows: r.rows.map { ("\(str($0[0])): \(str($0[1]))", [dbl($0[2])]) },
                               series: ["documents"], valueLabel: { Chart.fmt($0) })
        figure("Drop reasons (bad input lines as step reader)", sql, r, chart: chart,
               note: "percent_of_read: of the documents and bad lines read; percent_of_dropped: of the documents steps dropped (bad lines are not in it).")
        // Examples.
        var wanted: [(step: String, reason: String, sql: String, rows: QueryResult)] = []
        for row in r.rows {
            let step = str(row[0]), reason = str(row[1])
            let esql: String
            if step == "reader" {
                esql = """
                    SELECT source, input, line, message FROM errors
                    WHERE run_id = \(run) AND reason = \(lit(reason)) ORDER BY source, input, line LIMIT 3
                    """
            } else {
                esql = """
                    SELECT source, doc_id, input, line, annotations FROM documents
                    WHERE run_id = \(run) AND status = 'dropped' AND step = \(lit(step)) AND reason = \(lit(reason)) ORDER BY source, input, line LIMIT 3
                    """
            }
            wanted.append((step, reason, esql, try query(esql)))
        }
        let docPlaces = wanted.filter { $0.step != "reader" }.flatMap { w in w.rows.rows.map { DocumentExcerpts.Place(source: str($0[0]), input: str($0[2]), line: Int(int($0[3]))) } }
        let badPlaces = wanted.filter { $0.step == "reader" }.flatMap { w in w.rows.rows.map { DocumentExcerpts.Place(source: str($0[0]), input: str($0[1]), line: Int(int($0[2]))) } }
        let texts = excerpts.texts(docPlaces), raws = excerpts.rawLines(badPlaces)
        for w in wanted {
            body += "<h3>\(Escape.html(w.step)): \(Escape.html(w.reason))</h3>\n"
            for row in w.rows.rows {
                if w.step == "reader" {
                    let place = DocumentExcerpts.Place(source: str(row[0]), input: str(row[1]), line: Int(int(row[2])))
                    body += "<div class=\"doc\"><span class=\"meta\">\(Escape.html("\(place.source) · \(place.input) line \(place.line) · \(str(row[3]))"))</span>"
                    body += raws[place].map { Escape.html($0) } ?? "<span class=\"empty\">(the raw line is not shown for this input format, or the input is gone)</span>"
                    body += "</div>\n"
                } else {
                    let place = DocumentExcerpts.Place(source: str(row[0]), input: str(row[2]), line: Int(int(row[3])))
                    body += "<div class=\"doc\"><span class=\"meta\">\(Escape.html("\(place.source) · \(str(row[1])) · \(place.input) line \(place.line) · \(str(row[4]))"))</span>"
                    body += texts[place].map { Escape.html($0) } ?? "<span class=\"empty\">(the input is gone or changed: no excerpt)</span>"
                    body += "</div>\n"
                }
            }
            body += "<details><summary>SQL</summary><pre class=\"sql\">\(Escape.html(w.sql))</pre></details>\n"
        }
    }

    private mutating func mixture() throws {
        let sql = """
            SELECT source, target, round(achieved, 4) AS achieved, off_by_points, tokens, documents, round(epochs, 3) AS epochs, shortfall
            FROM mixture WHERE run_id = \(run) AND bucket IS NULL ORDER BY rowid
            """
        let r = try query(sql)
        if r.rows.isEmpty { paragraph("This run wrote no token shards (no tokenizer), so there is no mixture.", cls: "empty") }
        let chart = Chart.bars(title: "Target and achieved share per source", rows: r.rows.map { (str($0[0]), [dbl($0[1]) * 100, dbl($0[2]) * 100]) },
                               series: ["target %", "achieved %"], valueLabel: { String(format: "%.1f%%", $0) })
        let short = r.rows.compactMap { $0[7].text }
        figure("Per source", sql, r, chart: chart, note: short.isEmpty ? "No shortfall: every source could give its share." : "Shortfall: " + short.map(Escape.html).joined(separator: "; "))
        let bsql = """
            SELECT m.bucket, m.source, round(m.achieved, 4) AS achieved, m.tokens, m.documents, round(m.epochs, 3) AS epochs
            FROM mixture m JOIN curriculum_buckets c ON c.run_id = m.run_id AND c.bucket = m.bucket
            WHERE m.run_id = \(run) ORDER BY c.position, m.source
            """
        let b = try query(bsql)
        if !b.rows.isEmpty {
            let sources = Array(Set(b.rows.map { str($0[1]) })).sorted()
            var order: [String] = []
            for row in b.rows where !order.contains(str(row[0])) { order.append(str(row[0])) }
            let rows = order.map { bucket in (bucket, sources.map { s in b.rows.first { str($0[0]) == bucket && str($0[1]) == s }.map { dbl($0[3]) } ?? 0 }) }
            figure("Per curriculum bucket: tokens by source (achieved is the share of all training tokens)", bsql, b,
                   chart: Chart.stacked(title: "Tokens per bucket by source", rows: rows, parts: sources, unit: "tokens"))
        }
    }

    private mutating func languages() throws {
        let sql = """
            SELECT source, language, documents, kept, round(mean_score, 4) AS mean_score
            FROM language_counts WHERE run_id = \(run) ORDER BY source, documents DESC, language
            """
        let r = try query(sql)
        if r.rows.isEmpty { paragraph("No step of this run identified languages (add a `language` step).", cls: "empty"); figure("Documents per source and language", sql, r, chart: ""); return }
        var langs: [String: Double] = [:]
        for row in r.rows { langs[str(row[1]), default: 0] += dbl(row[2]) }
        let top = langs.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(7).map(\.key)
        let sources = Array(Set(r.rows.map { str($0[0]) })).sorted()
        let parts = top + (langs.count > top.count ? ["other"] : [])
        let rows = sources.map { s -> (String, [Double]) in
            var v = [Double](repeating: 0, count: parts.count)
            for row in r.rows where str(row[0]) == s {
                let l = str(row[1])
                v[top.firstIndex(of: l) ?? parts.count - 1] += dbl(row[2])
            }
            return (s, v)
        }
        figure("Documents per source and identified language (kept or not)", sql, r,
               chart: Chart.stacked(title: "Languages per source", rows: rows, parts: parts, unit: "docs"))
    }

    /// Thresholds in the spec on a metric: a step parameter `min_X` / `max_X` (or `X_min`…) whose X is the metric.
    static func thresholds(_ spec: JSONValue, metric: String) -> [(value: Double, label: String)] {
        guard case .array(let steps)? = spec["steps"] else { return [] }
        var out: [(Double, String)] = []
        for step in steps {
            guard case .object(let o) = step else { continue }
            let type = step["type"]?.stringValue ?? "step"
            for k in o.keys { let v = o[k]!
                guard let value = v.doubleValue else { continue }
                for prefix in ["min_", "max_"] where k.hasPrefix(prefix) {
                    // min_chars → chars; language min_score → language_score; gopher_quality min_doc_words → gopher_words.
                    let rest = String(k.dropFirst(prefix.count))
                    let bare = rest.hasPrefix("doc_") ? String(rest.dropFirst(4)) : rest
                    let family = String(type.prefix { $0 != "_" })
                    let names = [rest, rest + "s", "\(type)_\(rest)", "\(family)_\(rest)", "\(family)_\(bare)"]
                    if names.contains(metric) {
                        out.append((value, "\(type).\(k)"))
                    }
                }
            }
        }
        return out
    }

    private mutating func quality(_ spec: JSONValue) throws {
        let msql = """
            SELECT metric, count(*) AS documents, min(value) AS lowest, max(value) AS highest
            FROM annotation_values WHERE run_id = \(run) GROUP BY metric ORDER BY metric
            """
        let m = try query(msql)
        figure("Numeric annotations", msql, m, chart: "",
               note: "Histograms below for the 16 metrics most documents have (at least 5), thresholds first.")
        // The metrics the spec has thresholds on, then the most common; few-document metrics are only in the table.
        let ranked = m.rows.filter { int($0[1]) >= 5 }.sorted { a, b in
            let ta = !Self.thresholds(spec, metric: str(a[0])).isEmpty, tb = !Self.thresholds(spec, metric: str(b[0])).isEmpty
            return ta != tb ? ta : int(a[1]) != int(b[1]) ? int(a[1]) > int(b[1]) : str(a[0]) < str(b[0])
        }
        // All histograms from one pass over the annotations (a query per metric read every row again: 12 of the 32 s
        // of a 1 M-document report); each figure prints the query for its metric alone, which gives the same rows.
        let bins = 24
        let chosen = ranked.prefix(16).filter { dbl($0[3]) > dbl($0[2]) }
            .map { (metric: str($0[0]), lo: dbl($0[2]), width: (dbl($0[3]) - dbl($0[2])) / Double(bins)) }
        guard !chosen.isEmpty else { return }
        // One metric's bins as its figure prints them; all metrics' in one pass (a join on a table of edges made
        // SQLite read the annotations once per metric), the same arithmetic in a CASE.
        func bin(_ e: (metric: String, lo: Double, width: Double), _ v: String) -> String { "min(\(bins - 1), CAST((\(v) - \(e.lo)) / \(e.width) AS INTEGER))" }
        func oneSQL(_ e: (metric: String, lo: Double, width: Double)) -> String {
            """
            SELECT \(bin(e, "value")) AS bin, count(*) AS documents, sum(status = 'kept') AS kept
            FROM annotation_values WHERE run_id = \(run) AND metric = \(lit(e.metric)) GROUP BY bin ORDER BY bin
            """
        }
        let allSQL = """
            SELECT a.metric, CASE a.metric \(chosen.map { "WHEN \(lit($0.metric)) THEN \(bin($0, "a.value"))" }.joined(separator: " ")) END AS bin,
                   count(*) AS documents, sum(a.status = 'kept') AS kept
            FROM annotation_values a WHERE a.run_id = \(run) AND a.metric IN (\(chosen.map { lit($0.metric) }.joined(separator: ", ")))
            GROUP BY a.metric, bin ORDER BY a.metric, bin
            """
        let all = try query(allSQL)
        for edge in chosen {
            let rows = all.rows.filter { str($0[0]) == edge.metric }.map { Array($0.dropFirst()) }
            let r = QueryResult(columns: Array(all.columns.dropFirst()), rows: rows)
            let data = rows.map { b -> (lo: Double, hi: Double, kept: Double, other: Double) in
                let k = Double(int(b[0]))
                return (edge.lo + k * edge.width, edge.lo + (k + 1) * edge.width, dbl(b[2]), dbl(b[1]) - dbl(b[2]))
            }
            let chart = Chart.histogram(title: "Histogram of \(edge.metric)", bins: data, thresholds: Self.thresholds(spec, metric: edge.metric), xLabel: edge.metric)
            figure("\(edge.metric): \(bins) bins of width \(Chart.fmt(edge.width)) from \(Chart.fmt(edge.lo))", oneSQL(edge), r, chart: chart, tableOpen: false)
        }
    }

    private mutating func duplicates(_ excerpts: DocumentExcerpts) throws {
        let sql = """
            SELECT step, duplicates + 1 AS cluster_size, count(*) AS clusters
            FROM duplicate_clusters WHERE run_id = \(run) GROUP BY step, cluster_size ORDER BY step, cluster_size
            """
        let r = try query(sql)
        if r.rows.isEmpty { paragraph("No document of this run was dropped as a duplicate.", cls: "empty"); figure("Cluster sizes", sql, r, chart: ""); return }
        figure("Cluster sizes (the kept document and its dropped copies)", sql, r,
               chart: Chart.bars(title: "Clusters per size", rows: r.rows.map { ("\(str($0[0])): size \(str($0[1]))", [dbl($0[2])]) }, series: ["clusters"]))
        let esql = """
            SELECT c.step, c.kept_doc_id, c.duplicates, c.duplicate_doc_ids
            FROM duplicate_clusters c WHERE c.run_id = \(run) ORDER BY c.duplicates DESC, c.step, c.kept_doc_id LIMIT 3
            """
        let e = try query(esql)
        figure("The largest clusters", esql, e, chart: "")
        // Their documents: the kept one and two of its copies.
        var places: [String: DocumentExcerpts.Place] = [:]
        var ids: [(cluster: Int, id: String, kept: Bool)] = []
        for (k, row) in e.rows.enumerated() {
            ids.append((k, str(row[1]), true))
            for d in str(row[3]).split(separator: " ").prefix(2) { ids.append((k, String(d), false)) }
        }
        for item in ids {
            if let p = try db.query("""
                SELECT source, input, line FROM documents WHERE doc_id = ? AND (run_id = ? OR status = 'kept') ORDER BY run_id = ? DESC LIMIT 1
                """, [.text(item.id), .text(runID), .text(runID)]).rows.first {
                places[item.id] = DocumentExcerpts.Place(source: str(p[0]), input: str(p[1]), line: Int(int(p[2])))
            }
        }
        let texts = excerpts.texts(Array(places.values))
        for (k, row) in e.rows.enumerated() {
            body += "<h3>\(Escape.html("\(str(row[0])): cluster of \(int(row[2]) + 1) around \(str(row[1]))"))</h3>\n"
            for item in ids where item.cluster == k {
                let text = places[item.id].flatMap { texts[$0] }
                body += "<div class=\"doc\(item.kept ? " kept" : "")\"><span class=\"meta\">\(item.kept ? "kept" : "dropped") · \(Escape.html(item.id))</span>"
                body += text.map { Escape.html($0) } ?? "<span class=\"empty\">(no excerpt: the input is gone or changed)</span>"
                body += "</div>\n"
            }
        }
    }

    private mutating func contamination() throws {
        let sql = """
            SELECT benchmark, source, items_found, documents_affected, tokens_removed
            FROM contamination_summary WHERE run_id = \(run) ORDER BY benchmark, source
            """
        let r = try query(sql)
        let ran = try !db.query("SELECT 1 FROM step_stats WHERE run_id = ? AND step = 'decontaminate' LIMIT 1", [.text(runID)]).rows.isEmpty
        if !ran { paragraph("No decontaminate step in this run.", cls: "empty") } else if r.rows.isEmpty { paragraph("The decontaminate step found no benchmark item.") }
        let chart = Chart.bars(title: "Documents with benchmark items, per benchmark and source", rows: r.rows.map { ("\(str($0[0])) × \(str($0[1]))", [dbl($0[3])]) }, series: ["documents"])
        figure("Benchmark × source", sql, r, chart: chart)
    }

    private mutating func curriculum() throws {
        let sql = """
            SELECT c.position, c.bucket, c.score, round(c.lower, 4) AS lower, round(c.upper, 4) AS upper,
                   (SELECT sum(m.tokens) FROM mixture m WHERE m.run_id = c.run_id AND m.bucket = c.bucket) AS tokens,
                   (SELECT sum(m.documents) FROM mixture m WHERE m.run_id = c.run_id AND m.bucket = c.bucket) AS documents
            FROM curriculum_buckets c WHERE c.run_id = \(run) ORDER BY c.position
            """
        let r = try query(sql)
        if r.rows.isEmpty { paragraph("This run has no curriculum: training reads the shards in their written order.", cls: "empty") }
        let chart = Chart.bars(title: "Tokens per bucket, in training order", rows: r.rows.map { ("\(int($0[0]) + 1). \(str($0[1]))", [dbl($0[5])]) }, series: ["tokens"])
        figure("Buckets in the order training reads them", sql, r, chart: chart)
    }

    private mutating func shards() throws {
        let format = try db.query("SELECT format FROM token_shards WHERE run_id = ? ORDER BY format LIMIT 1", [.text(runID)]).rows.first?.first?.text
        if let format {
            let sql = """
                SELECT split, shard, bucket, docs, tokens, sources, path
                FROM token_shards WHERE run_id = \(run) AND format = \(lit(format)) ORDER BY split DESC, shard
                """
            let r = try query(sql)
            var sourceNames = Set<String>()
            var parsed: [[String: Double]] = []
            for row in r.rows {
                var m: [String: Double] = [:]
                if let j = try? JSONParser.parse(Array(str(row[5]).utf8)), case .object(let o) = j { for k in o.keys { m[k] = o[k]?.doubleValue ?? 0; sourceNames.insert(k) } }
                parsed.append(m)
            }
            let names = sourceNames.sorted()
            let rows = zip(r.rows, parsed).map { (row, m) in ("\(str(row[0])) \(str(row[1]))\(row[2].text.map { " (\($0))" } ?? "")", names.map { m[$0] ?? 0 }) }
            figure("Token shards (\(format)) by source", sql, r, chart: Chart.stacked(title: "Tokens per shard by source", rows: rows, parts: names, unit: "tokens"))
        } else {
            paragraph("No token shards in this run.", cls: "empty")
        }
        let tsql = """
            SELECT shard, source, documents FROM shard_sources WHERE run_id = \(run) ORDER BY shard, source
            """
        let t = try query(tsql)
        let names = Array(Set(t.rows.map { str($0[1]) })).sorted()
        var byShard: [Int64: [Double]] = [:]
        for row in t.rows { byShard[int(row[0]), default: [Double](repeating: 0, count: names.count)][names.firstIndex(of: str(row[1]))!] += dbl(row[2]) }
        let rows = byShard.keys.sorted().map { ("shard \($0)", byShard[$0]!) }
        figure("Text shards: documents by source", tsql, t, chart: Chart.stacked(title: "Documents per text shard by source", rows: rows, parts: names, unit: "docs"), tableOpen: false)
    }

    private mutating func training() throws {
        let sql = """
            SELECT train_id, status, steps, round(train_loss, 4) AS train_loss, round(val_loss, 4) AS val_loss, round(tokens_per_second) AS tokens_per_second, ablation, checkpoint
            FROM train_runs WHERE data_run_id = \(run) ORDER BY started_at
            """
        let r = try query(sql)
        if r.rows.isEmpty { paragraph("No `winnow train` on this run's shards yet (try: winnow train SPEC).", cls: "empty") }
        figure("Training runs on this run's shards", sql, r, chart: "")
        for row in r.rows {
            let id = str(row[0])
            let csql = """
                SELECT step, tokens, train_loss, val_loss FROM train_metrics
                WHERE train_id = \(lit(id)) AND source IS NULL ORDER BY step
                """
            let c = try query(csql)
            let train = c.rows.compactMap { p in p[2].real.map { (dbl(p[0]), $0) } }
            let val = c.rows.compactMap { p in p[3].real.map { (dbl(p[0]), $0) } }
            var series: [(name: String, points: [(Double, Double)], dashed: Bool)] = [("train loss", train, false)]
            if !val.isEmpty { series.append(("validation loss", val, true)) }
            figure("\(id): loss per step", csql, c, chart: Chart.lines(title: "Loss curves of \(id)", series: series, xLabel: "step", yLabel: "loss (nats/token)"), tableOpen: false)
            let psql = """
                SELECT source, step, val_loss FROM train_metrics
                WHERE train_id = \(lit(id)) AND source IS NOT NULL ORDER BY source, step
                """
            let p = try query(psql)
            if !p.rows.isEmpty {
                let sources = Array(Set(p.rows.map { str($0[0]) })).sorted()
                let ps = sources.map { s in (name: s, points: p.rows.filter { str($0[0]) == s }.map { (dbl($0[1]), dbl($0[2])) }, dashed: true) }
                figure("\(id): validation loss per source", psql, p, chart: Chart.lines(title: "Validation loss per source", series: ps, xLabel: "step", yLabel: "loss (nats/token)"), tableOpen: false)
            }
            // An ablation: the other side's curve, from its own lineage file, beside this one.
            if let a = row[6].text, let j = try? JSONParser.parse(Array(a.utf8)), let otherDB = j["other_lineage"]?.stringValue, let otherID = j["other_train_id"]?.stringValue {
                let osql = """
                    SELECT step, tokens, train_loss FROM train_metrics
                    WHERE train_id = \(lit(otherID)) AND source IS NULL ORDER BY step
                    """
                guard let other = try? LineageStore.openReadOnly(otherDB), let o = try? other.query(osql) else {
                    paragraph("Ablation partner \(Escape.html(otherID)) in \(Escape.html(otherDB)): that lineage file cannot be read.", cls: "empty"); continue
                }
                let mine = c.rows.compactMap { p in p[2].real.map { (dbl(p[1]), $0) } }
                let theirs = o.rows.compactMap { p in p[2].real.map { (dbl(p[1]), $0) } }
                let label = j["spec"]?.stringValue ?? "this side", otherLabel = j["other_spec"]?.stringValue ?? "other side"
                let heldout = [j["heldout_loss"]?.doubleValue, j["other_heldout_loss"]?.doubleValue]
                figure("Ablation: \(label) against \(otherLabel), same token budget and seed", osql, QueryResult(columns: o.columns, rows: o.rows),
                       chart: Chart.lines(title: "Ablation training loss by tokens seen", series: [(label, mine, false), (otherLabel, theirs, false)], xLabel: "training tokens", yLabel: "train loss"),
                       note: "Held-out loss: \(Escape.html(label)) \(heldout[0].map { String(format: "%.4f", $0) } ?? "?"), \(Escape.html(otherLabel)) \(heldout[1].map { String(format: "%.4f", $0) } ?? "?"). The table is the other side's curve, from its lineage file.",
                       tableOpen: false, db: otherDB)
            }
        }
    }

    private mutating func decoding() throws {
        let sweep = try db.query("""
            SELECT s.sweep_id FROM decoding_sweeps s JOIN train_runs t ON t.train_id = s.train_id
            WHERE t.data_run_id = ? ORDER BY s.rowid DESC LIMIT 1
            """, [.text(runID)]).rows.first?.first?.text
        guard let sweep else {
            paragraph("No decoding sweep of a model trained on this run (try: winnow sample CHECKPOINT --sweep).", cls: "empty")
            let sql = "SELECT * FROM decoding_sweeps WHERE train_id IN (SELECT train_id FROM train_runs WHERE data_run_id = \(run))"
            figure("Decoding sweeps", sql, try query(sql), chart: "")
            return
        }
        let sql = """
            SELECT position + 1 AS point, setting, distinct_1, distinct_2, distinct_3, self_bleu, novelty, own_loss, repetition, reference_loss, frontier
            FROM decoding_sweeps WHERE sweep_id = \(lit(sweep)) ORDER BY position
            """
        let r = try query(sql)
        let ref = r.rows.first.flatMap { $0[9].real }
        let chart = Chart.scatter(title: "Creativity against coherence per decoding setting",
                                  points: r.rows.map { ("\(str($0[0])). \(str($0[1]))", dbl($0[3]), dbl($0[7]), int($0[10]) == 1) },
                                  xLabel: "creativity: distinct-2 (higher: more varied)", yLabel: "model's own loss (lower: more coherent)",
                                  reference: ref.map { ($0, "true continuation's loss") })
        figure("Sweep \(sweep)", sql, r, chart: chart,
               note: "Each point is one setting over the same prompts. The frontier joins the settings no other beats on both axes (more varied and no less coherent). Below the red line the model is surer of its own text than of real text: the sign of repetitive, degenerate output.")
    }

    private mutating func specSection(_ specJSON: String) throws {
        let sql = "SELECT spec_sha256, spec_path, started_at, finished_at, round((julianday(finished_at) - julianday(started_at)) * 86400, 2) AS seconds FROM runs WHERE run_id = \(run)"
        let r = try query(sql)
        figure("Spec identity and wall time", sql, r, chart: "")
        let pretty = (try? JSONParser.parse(Array(specJSON.utf8))).map(JSONWriter.pretty) ?? specJSON
        body += "<details open><summary>The spec as the run read it (canonical: keys sorted)</summary><pre class=\"spec\">\(Escape.html(pretty))</pre></details>\n"
        let isql = "SELECT source, input, size, partitions, change FROM inputs WHERE run_id = \(run) ORDER BY source, input"
        figure("Inputs", isql, try query(isql), chart: "")
        let tsql = "SELECT step_index, step, kind, round(seconds, 3) AS seconds FROM step_stats WHERE run_id = \(run) ORDER BY step_index"
        let t = try query(tsql)
        figure("Time per step, summed over workers", tsql, t,
               chart: Chart.bars(title: "Seconds per step", rows: t.rows.map { (str($0[1]), [dbl($0[3])]) }, series: ["seconds"], valueLabel: { String(format: "%.3f s", $0) }))
    }
}
