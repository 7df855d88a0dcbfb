import ArgumentParser
import Foundation
import Winnow

/// Where to find the lineage file: --db, else the spec's, else ./lineage.db, else the one lineage file the specs in
/// ./pipelines name (several: an error listing them).
struct LineageLocation: ParsableArguments {
    @Option(help: "Lineage database (default: the lineage file of --spec, else ./lineage.db, else the one the specs in ./pipelines write).") var db: String?
    @Option(help: "A pipeline spec whose lineage file to use (default: none).") var spec: String?

    func path() throws -> String {
        if let db { return db }
        if let spec {
            do { return try PipelineLoader.load(spec, checkInputs: false).lineagePath } catch let e as SpecValidationError {
                warn(e.description)
                throw ExitCode(2)
            }
        }
        if FileManager.default.fileExists(atPath: "lineage.db") { return "lineage.db" }
        let specs = ((try? FileManager.default.contentsOfDirectory(atPath: "pipelines")) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        let found = Set(specs.compactMap { try? PipelineLoader.load("pipelines/\($0)", checkInputs: false).lineagePath }
                                 .filter { FileManager.default.fileExists(atPath: $0) })
        if found.count == 1 { return found.first! }
        if found.isEmpty {
            throw fail("no lineage file given and none found (./lineage.db, or one written by a spec in ./pipelines): pass --db PATH or --spec SPEC")
        }
        throw fail("several lineage files belong to the specs in ./pipelines: \(found.sorted().joined(separator: ", ")); pass --db PATH or --spec SPEC")
    }
}

/// `winnow lineage "SQL"` (the default) and `winnow lineage prune --keep N`.
struct Lineage: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Query the lineage database with SQL (read-only), or prune old runs' rows.",
        subcommands: [LineageQuery.self, LineagePrune.self], defaultSubcommand: LineageQuery.self)
}

struct LineagePrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove the per-document rows of all but the newest N runs of each pipeline, then VACUUM (lineage grows ~700 bytes per document per run).",
        discussion: "Runs, inputs, counts, shards and mixture rows stay; incremental pipelines' dataset versions keep their rows.")

    @OptionGroup var location: LineageLocation
    @Option(help: "Runs of each pipeline that keep their document rows.") var keep = 3

    func validate() throws { if keep < 1 { throw ValidationError("--keep \(keep): must be at least 1") } }

    func run() throws {
        try reportingLineageErrors { print(try LineageStore.prune(try location.path(), keep: keep)) }
    }
}

struct LineageQuery: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Query the lineage database with SQL (read-only).",
        discussion: """
        Tables: runs, inputs, documents, errors, step_stats, source_stats, shards, token_shards, document_tokens, mixture_rows, \
        curriculum_buckets, train_runs, train_metrics, dataset_versions, superseded_inputs, schedule_state, schedule_events, run_tasks, run_counts.
        Views: document_story, drop_reasons, shard_documents, shard_sources, source_summary, run_inputs, failed_runs, duplicate_clusters, \
        language_counts, token_counts, mixture, dataset_documents, version_history, latest_runs, latest_documents, latest_drop_reasons.
        Lineage keeps every run: count one run with --run RUN_ID (or --run latest), or use the latest_* views.
        Example: winnow lineage --run latest "select reason, count(*) from documents where status = 'dropped' group by 1"
        """)

    @OptionGroup var location: LineageLocation
    @Option(name: .customLong("run"), help: "Answer for one run only: every table and view shows that run's rows (RUN_ID or latest; default: all runs).") var runID: String?
    @Argument(help: "One SQL statement.") var sql: String
    @Flag(help: "Print CSV.") var csv = false
    @Flag(help: "Print a JSON array of objects.") var json = false

    func run() throws {
        try reportingLineageErrors {
            let r = try LineageStore.query(try location.path(), sql, run: runID)
            print(json ? r.json() : csv ? r.csv() : r.table(), terminator: "")
        }
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print one document's whole story: where it was read, what each run did with it, where it went.")

    @OptionGroup var location: LineageLocation
    @Argument(help: "The document id.") var docID: String

    func run() throws {
        try reportingLineageErrors { print(try LineageStore.explain(try location.path(), docID: docID), terminator: "") }
    }
}

struct MixtureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mixture",
        abstract: "Did we get the mix we asked for: per source (and per source and curriculum bucket) the target and achieved shares of the training tokens, tokens, documents and epochs.")

    @OptionGroup var location: LineageLocation
    @Argument(help: "A run id (default: the newest run that wrote token shards).") var runID: String?
    @Flag(help: "Print a JSON array of {source, bucket, target, achieved, tokens, documents, epochs} (shares as fractions).") var json = false

    func run() throws {
        try reportingLineageErrors {
            let (id, rows) = try MixtureRow.load(try location.path(), runID: runID)
            if json { print(JSONWriter.compact(.array(rows.map { $0.json() }))) } else { print("run \(id)\n" + MixtureRow.table(rows), terminator: "") }
        }
    }
}

struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the runs in a lineage file, newest first.")

    @OptionGroup var location: LineageLocation
    @Flag(help: "Print a JSON array of objects.") var json = false

    func run() throws {
        try reportingLineageErrors {
            let r = try LineageStore.runs(try location.path())
            print(json ? r.json() : r.table(), terminator: "")
        }
    }
}

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema", abstract: "Print the pipeline JSON Schema (or the lineage SQL schema with --lineage).")

    @Flag(help: "Print the lineage database schema instead.") var lineage = false
    @Flag(help: "Print the spec reference as Markdown tables (as in the README).") var markdown = false

    func run() throws {
        print(lineage ? LineageSchema.sql : markdown ? PipelineSchema.markdownReference() : PipelineSchema.text, terminator: "")
    }
}

struct ContaminationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contamination",
        abstract: "Which benchmark items a run's decontaminate steps found, in which sources, and what was removed: per benchmark and source, then per item.")

    @OptionGroup var location: LineageLocation
    @Argument(help: "A run id (default: the newest run in the lineage file).") var runID: String?
    @Flag(help: "Print a JSON object {run_id, summary: [{benchmark, source, items_found, documents_affected, tokens_removed}], items: [{benchmark, item_id, documents, dropped, ngrams, sources}]} (default: tables).") var json = false

    func run() throws {
        try reportingLineageErrors {
            let r = try ContaminationReport.load(try location.path(), runID: runID)
            print(json ? r.json() : r.table(), terminator: json ? "\n" : "")
        }
    }
}

/// Runs a lineage command's body; a `LineageError` (no such run, no lineage file, …) becomes `error: …` and exit 1.
func reportingLineageErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let e as LineageError { throw fail(e.description) }
}
