import Foundation

/// The statements a run makes about itself in the lineage file — starting, resuming, abandoning, discarding an
/// unfinished task's rows, finishing — one named method each, so no SQL about runs lives outside `Lineage/`.
/// (Per-document rows go through `LineageWriter`; an earlier run's cleaning through `CleaningRecords`.)
struct RunLedger {
    let db: SQLiteDatabase

    /// A new `runs` row.
    struct NewRun {
        var runID, pipeline, specPath, specSHA256, specJSON, startedAt, status, trigger, winnowVersion, outputDir, cleaningSHA256: String
        var scheduledFor: String?
        var version: Int?
        var workers: Int
        /// Stage tasks on a cluster: the job ids (`slurm:41,42`).
        var clusterJobs: String? = nil
    }

    /// An `inputs` row.
    struct InputRow {
        var source, input: String
        var size: Int64
        var mtime: Double
        var partitions: Int
        var sha256, change: String?
    }

    /// Records a new run and its inputs in one transaction. A run that is not `running` (an incremental run that
    /// found nothing new) is finished as it starts, with zero counts.
    func start(_ run: NewRun, inputs: [InputRow]) throws {
        let running = run.status == "running"
        try db.transaction {
            try db.run("""
                INSERT INTO runs (run_id, pipeline, spec_path, spec_sha256, spec_json, started_at, finished_at, status, trigger, scheduled_for, version,
                                  workers, winnow_version, output_dir, cleaning_sha256, cluster_jobs)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(run.runID), .text(run.pipeline), .text(run.specPath), .text(run.specSHA256), .text(run.specJSON),
                      .text(run.startedAt), running ? .null : .text(run.startedAt), .text(run.status), .text(run.trigger),
                      run.scheduledFor.map { .text($0) } ?? .null, run.version.map { .integer(Int64($0)) } ?? .null, .integer(Int64(run.workers)),
                      .text(run.winnowVersion), .text(run.outputDir), .text(run.cleaningSHA256), run.clusterJobs.map { .text($0) } ?? .null])
            for f in inputs {
                try db.run("INSERT INTO inputs (run_id, source, input, size, mtime, partitions, sha256, change) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           [.text(run.runID), .text(f.source), .text(f.input), .integer(f.size), .real(f.mtime), .integer(Int64(f.partitions)),
                            f.sha256.map { .text($0) } ?? .null, f.change.map { .text($0) } ?? .null])
            }
            if !running {
                try db.run("UPDATE runs SET docs_in = 0, docs_kept = 0, docs_dropped = 0, docs_error = 0, shards = 0 WHERE run_id = ?", [.text(run.runID)])
            }
        }
    }

    /// The newest unfinished run of this spec (running, interrupted or failed): the one a new start resumes.
    func unfinishedRun(pipeline: String, specSHA256: String) throws -> String? {
        try db.query("""
            SELECT run_id FROM runs WHERE pipeline = ? AND spec_sha256 = ? AND status IN ('running', 'interrupted', 'failed')
            ORDER BY started_at DESC, rowid DESC LIMIT 1
            """, [.text(pipeline), .text(specSHA256)]).rows.first?.first?.text
    }

    /// Unfinished runs of this pipeline in this output folder made from another spec.
    func unfinishedRunsOfOtherSpecs(pipeline: String, outputDir: String, specSHA256: String) throws -> [String] {
        try db.query("""
            SELECT run_id FROM runs WHERE pipeline = ? AND output_dir = ? AND spec_sha256 != ? AND status IN ('running', 'interrupted')
            """, [.text(pipeline), .text(outputDir), .text(specSHA256)]).rows.compactMap { $0.first?.text }
    }

    /// The tasks of run `runID` that finished (their rows are complete).
    func finishedTasks(_ runID: String) throws -> Set<String> {
        Set(try db.query("SELECT task FROM run_tasks WHERE run_id = ?", [.text(runID)]).rows.compactMap { $0.first?.text })
    }

    func markResumed(_ runID: String, workers: Int) throws {
        try db.run("UPDATE runs SET status = 'running', error = NULL, finished_at = NULL, workers = ? WHERE run_id = ?",
                   [.integer(Int64(workers)), .text(runID)])
    }

    /// Run `runID` will never be resumed, for `reason`.
    func markAbandoned(_ runID: String, reason: String, at time: String) throws {
        try db.run("UPDATE runs SET status = 'abandoned', error = ?, finished_at = ? WHERE run_id = ?", [.text(reason), .text(time), .text(runID)])
    }

    /// The run stopped: `failed` or `interrupted`, with the error.
    func markStopped(_ runID: String, status: String, error: String, at time: String) throws {
        try db.run("UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE run_id = ?", [.text(status), .text(error), .text(time), .text(runID)])
    }

    /// Removes the `documents` and `errors` rows that unfinished tasks wrote: stage tasks `(stage, part)` lose
    /// both, the kept-row tasks (`keptStage`) their document rows. One transaction.
    func discardRows(_ runID: String, stageTasks: [(stage: Int, part: Int)], keptStage: Int, keptParts: [Int]) throws {
        try db.transaction {
            for t in stageTasks {
                try db.run("DELETE FROM documents WHERE run_id = ? AND stage = ? AND part = ?", [.text(runID), .integer(Int64(t.stage)), .integer(Int64(t.part))])
                try db.run("DELETE FROM errors WHERE run_id = ? AND stage = ? AND part = ?", [.text(runID), .integer(Int64(t.stage)), .integer(Int64(t.part))])
            }
            for p in keptParts {
                try db.run("DELETE FROM documents WHERE run_id = ? AND stage = ? AND part = ?", [.text(runID), .integer(Int64(keptStage)), .integer(Int64(p))])
            }
        }
    }

    /// Bad lines and documents read so far, over every source.
    func errorAndReadCounts(_ runID: String) throws -> (errors: Int, read: Int) {
        let r = try db.query("SELECT coalesce(sum(errors), 0), coalesce(sum(docs_in), 0) FROM source_stats WHERE run_id = ?", [.text(runID)]).rows.first
        return (Int(r?[0].integer ?? 0), Int(r?[1].integer ?? 0))
    }

    /// Parts of the inputs that could not be read (a truncated gzip file, …).
    func unreadableParts(_ runID: String) throws -> Int {
        Int(try db.query("SELECT coalesce(sum(unreadable), 0) FROM source_stats WHERE run_id = ?", [.text(runID)]).rows.first?.first?.integer ?? 0)
    }

    /// Per source: documents read, bad lines, documents kept.
    func sourceCounts(_ runID: String) throws -> [(source: String, docsIn: Int, errors: Int, docsOut: Int)] {
        try db.query("SELECT source, docs_in, errors, docs_out FROM source_stats WHERE run_id = ?", [.text(runID)]).rows.map {
            ($0[0].text ?? "", Int($0[1].integer ?? 0), Int($0[2].integer ?? 0), Int($0[3].integer ?? 0))
        }
    }

    /// Per step, in spec order: kind, documents in and out, dropped, seconds.
    func stepCounts(_ runID: String) throws -> [RunSummary.StepLine] {
        try db.query("SELECT step_index, step, kind, docs_in, docs_out, dropped, seconds FROM step_stats WHERE run_id = ? ORDER BY step_index",
                     [.text(runID)]).rows.map { r in
            RunSummary.StepLine(step: r[1].text ?? "", kind: r[2].text ?? "", docsIn: Int(r[3].integer ?? 0), docsOut: Int(r[4].integer ?? 0),
                                dropped: Int(r[5].integer ?? 0), seconds: { if case .real(let d) = r[6] { return d }; return 0 }())
        }
    }

    /// A dropped document to show in the summary's example query: a duplicate if there is one.
    func exampleDroppedDocument(_ runID: String) throws -> String? {
        try db.query("SELECT doc_id FROM documents WHERE run_id = ? AND status = 'dropped' AND doc_id IS NOT NULL ORDER BY dup_of IS NULL, part, line LIMIT 1",
                     [.text(runID)]).rows.first?.first?.text
    }

    /// An incremental run's `dataset_versions` row and the inputs it supersedes.
    struct VersionRow {
        var pipeline: String
        var version, series: Int
        var specSHA256, path, createdAt: String
        var inputsNew, inputsChanged, docsIn, docsKept, docsSuperseded: Int
        var supersessions: [(input: String, earlierRunID: String, documents: Int)]
    }

    /// The end of a run, in one transaction: its dataset version (incremental pipelines), then its status and counts.
    func finish(_ runID: String, version: VersionRow?, status: String, error: String?, at time: String,
                docsIn: Int, docsKept: Int, docsError: Int, shards: Int) throws {
        try db.transaction {
            if let v = version {
                try db.run("DELETE FROM dataset_versions WHERE pipeline = ? AND version = ?", [.text(v.pipeline), .integer(Int64(v.version))])
                try db.run("""
                    INSERT INTO dataset_versions (pipeline, version, run_id, series, spec_sha256, path, created_at, inputs_new, inputs_changed, docs_in, docs_kept, docs_superseded)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.text(v.pipeline), .integer(Int64(v.version)), .text(runID), .integer(Int64(v.series)), .text(v.specSHA256), .text(v.path),
                          .text(v.createdAt), .integer(Int64(v.inputsNew)), .integer(Int64(v.inputsChanged)),
                          .integer(Int64(v.docsIn)), .integer(Int64(v.docsKept)), .integer(Int64(v.docsSuperseded))])
                try db.run("DELETE FROM superseded_inputs WHERE run_id = ?", [.text(runID)])
                for x in v.supersessions {
                    try db.run("INSERT INTO superseded_inputs (run_id, input, earlier_run_id, documents) VALUES (?, ?, ?, ?)",
                               [.text(runID), .text(x.input), .text(x.earlierRunID), .integer(Int64(x.documents))])
                }
            }
            // One pass over the run's rows, so the views that count them answer without another (run_counts).
            try db.run("DELETE FROM run_counts WHERE run_id = ?", [.text(runID)])
            try db.run("""
                INSERT INTO run_counts (run_id, source, status, step, reason, shard, documents)
                SELECT run_id, source, status, step, reason, shard, count(*) FROM documents WHERE run_id = ?
                GROUP BY source, status, step, reason, shard
                """, [.text(runID)])
            try db.run("""
                UPDATE runs SET status = ?, error = ?, finished_at = ?, docs_in = ?, docs_kept = ?, docs_dropped = ?, docs_error = ?, shards = ?
                WHERE run_id = ?
                """, [.text(status), error.map { .text($0) } ?? .null, .text(time), .integer(Int64(docsIn)), .integer(Int64(docsKept)),
                      .integer(Int64(docsIn - docsKept)), .integer(Int64(docsError)), .integer(Int64(shards)), .text(runID)])
        }
    }

    /// Indexes for reading, made once a run has written its rows (incremental pipelines add their own), and the
    /// file left self-contained (no -wal/-shm beside it).
    func closeForReading(incremental: Bool) {
        // Building an index sorts every row: in temporary files, not memory (temp_store MEMORY made the peak RSS of a
        // 10-million-document run 3.3 GB, all of it this sort).
        try? db.exec("PRAGMA temp_store = FILE")
        try? db.exec(LineageSchema.indexes)
        if incremental { try? db.exec(LineageSchema.incrementalIndexes) }
        selfContained()
    }

    func selfContained() { try? db.exec("PRAGMA journal_mode = DELETE") }
}
