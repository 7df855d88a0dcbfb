import Foundation

/// What `winnow train` reads from and writes to a data run's lineage file: where the validation documents' tokens
/// lie (for per-source validation loss) and the `train_runs` / `train_metrics` rows.
enum TrainRecords {
    /// A validation document's place in its token shard.
    struct ValDocument { let shard: Int; let offset: Int; let tokens: Int; let source: String; let input: String? }

    /// The canonical spec JSON of the newest finished run of the spec.
    static func newestFinishedSpec(_ db: SQLiteDatabase, specSHA256: String) throws -> String? {
        try db.query("SELECT spec_json FROM runs WHERE spec_sha256 = ? AND status IN ('finished', 'finished_with_errors') ORDER BY started_at DESC, rowid DESC LIMIT 1",
                     [.text(specSHA256)]).rows.first?.first?.text
    }

    /// The run that wrote version `version` of an incremental pipeline's dataset.
    static func versionRun(_ db: SQLiteDatabase, pipeline: String, version: Int) throws -> String? {
        try db.query("SELECT run_id FROM dataset_versions WHERE pipeline = ? AND version = ?", [.text(pipeline), .integer(Int64(version))]).rows.first?.first?.text
    }

    /// The validation documents of one token shard of run `runID`, in write order, with their inputs.
    static func valDocuments(_ db: SQLiteDatabase, runID: String, shard: Int) throws -> [ValDocument] {
        try db.query("""
            SELECT dt.token_offset, dt.tokens, dt.source, (SELECT d.input FROM documents d WHERE d.run_id = dt.run_id AND d.source = dt.source AND d.doc_id = dt.doc_id LIMIT 1)
            FROM document_tokens dt WHERE dt.run_id = ? AND dt.split = 'val' AND dt.shard = ? ORDER BY dt.sequence
            """, [.text(runID), .integer(Int64(shard))]).rows.compactMap { r in
            guard case .integer(let off) = r[0], case .integer(let n) = r[1], let src = r[2].text else { return nil }
            return ValDocument(shard: shard, offset: Int(off), tokens: Int(n), source: src, input: r[3].text)
        }
    }

    /// The inputs later versions superseded in run `runID`.
    static func inputsSuperseded(_ db: SQLiteDatabase, from runID: String) throws -> [String] {
        try db.query("SELECT input FROM superseded_inputs WHERE earlier_run_id = ?", [.text(runID)]).rows.compactMap { $0.first?.text }
    }

    /// The validation documents of the newest finished run of the spec, by shard and offset.
    static func valDocumentsOfNewestRun(_ db: SQLiteDatabase, specSHA256: String) throws -> [ValDocument] {
        try db.query("""
            SELECT t.shard, t.token_offset, t.tokens, t.source FROM document_tokens t
            JOIN runs r ON r.run_id = t.run_id
            WHERE t.split = 'val' AND r.spec_sha256 = ? AND r.status IN ('finished', 'finished_with_errors')
              AND t.run_id = (SELECT run_id FROM runs WHERE spec_sha256 = r.spec_sha256 AND status IN ('finished', 'finished_with_errors') ORDER BY started_at DESC, rowid DESC LIMIT 1)
            ORDER BY t.shard, t.token_offset
            """, [.text(specSHA256)]).rows.compactMap { r in
            guard case .integer(let shard) = r[0], case .integer(let off) = r[1], case .integer(let n) = r[2], let src = r[3].text else { return nil }
            return ValDocument(shard: Int(shard), offset: Int(off), tokens: Int(n), source: src, input: nil)
        }
    }
}

/// Training metrics in the data run's lineage file: `train_runs` (one row per `winnow train`) and
/// `train_metrics` (one per step), linked to the run that wrote the shards.
public final class TrainMetrics {
    let db: SQLiteDatabase
    public let trainID: String

    public init?(dir: String, config: TrainConfig) throws {
        let path = (dir as NSString).appendingPathComponent("lineage.db")
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        db = try LineageStore.openForWriting(path)
        let manifest = try JSONParser.parse(readFileBytes((dir as NSString).appendingPathComponent("manifest.json")))
        let dataRun = try db.query("SELECT run_id FROM runs WHERE spec_sha256 = ? AND status IN ('finished', 'finished_with_errors') ORDER BY shards > 0 DESC, started_at DESC, rowid DESC LIMIT 1",
                                   [.text(manifest["spec_sha256"]?.stringValue ?? "")]).rows.first?.first?.text
        trainID = "train-" + isoNow().replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "") + "-" + String(UInt32.random(in: 0...0xFFFF), radix: 16)
        let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
        try db.run("INSERT INTO train_runs (train_id, data_run_id, shard_dir, config, started_at, status) VALUES (?, ?, ?, ?, ?, 'running')",
                   [.text(trainID), dataRun.map { .text($0) } ?? .null, .text(dir), .text(String(decoding: try enc.encode(config), as: UTF8.self)), .text(isoNow())])
    }

    func record(step: Int, tokens: Int, lr: Float, trainLoss: Float, gradNorm: Float, seconds: Double, val: (Float, [String: Float])?) throws {
        try db.run("INSERT INTO train_metrics (train_id, step, tokens, learning_rate, train_loss, val_loss, grad_norm, seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   [.text(trainID), .integer(Int64(step)), .integer(Int64(tokens)), .real(Double(lr)), .real(Double(trainLoss)),
                    val.map { .real(Double($0.0)) } ?? .null, .real(Double(gradNorm)), .real(seconds)])
        for (source, loss) in val?.1 ?? [:] {
            try db.run("INSERT INTO train_metrics (train_id, step, tokens, source, val_loss) VALUES (?, ?, ?, ?, ?)",
                       [.text(trainID), .integer(Int64(step)), .integer(Int64(tokens)), .text(source), .real(Double(loss))])
        }
    }

    /// Marks this training as one side of `winnow ablate` (see train_runs.ablation).
    func markAblation(_ info: JSONObject) throws {
        try db.run("UPDATE train_runs SET ablation = ? WHERE train_id = ?", [.text(JSONWriter.compact(.object(info))), .text(trainID)])
    }

    public func finish(_ s: TrainingRun.Summary) throws {
        try db.run("UPDATE train_runs SET finished_at = ?, status = 'finished', steps = ?, tokens_per_second = ?, train_loss = ?, val_loss = ?, checkpoint = ? WHERE train_id = ?",
                   [.text(isoNow()), .integer(Int64(s.steps)), .real(s.tokensPerSecond), .real(Double(s.trainLoss)), s.valLoss.map { .real(Double($0)) } ?? .null,
                    s.checkpoint.map { .text($0) } ?? .null, .text(trainID)])
    }
}

/// `winnow sample --sweep`'s rows (`decoding_sweeps`), in the lineage file of the run the checkpoint was trained on.
enum SweepRecords {
    /// Inserts one row per setting; returns the training run that wrote the checkpoint, when lineage has it.
    static func record(_ path: String, sweepID: String, checkpoint abs: String, given: String, results: [DecodingSweep.Result], reference: Double,
                       prompts: Int, samples: Int, newTokens: Int) throws -> String? {
        let db = try LineageStore.openForSmallWrites(path)
        let trainID = try db.query("SELECT train_id FROM train_runs WHERE checkpoint = ? OR checkpoint = ? ORDER BY started_at DESC LIMIT 1",
                                   [.text(abs), .text(given)]).rows.first?.first?.text
        let now = isoNow()
        let r4 = DecodingSweep.round
        try db.transaction {
            for (i, r) in results.enumerated() {
                try db.run("""
                    INSERT INTO decoding_sweeps (sweep_id, train_id, checkpoint, created_at, position, setting, options, prompts, samples, new_tokens,
                      distinct_1, distinct_2, distinct_3, self_bleu, novelty, own_loss, repetition, reference_loss, frontier)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.text(sweepID), trainID.map { .text($0) } ?? .null, .text(abs), .text(now), .integer(Int64(i)), .text(r.setting.label),
                          .text(JSONWriter.compact(r.setting.json)), .integer(Int64(prompts)), .integer(Int64(samples)), .integer(Int64(newTokens)),
                          .real(r4(r.distinct[0])), .real(r4(r.distinct[1])), .real(r4(r.distinct[2])), .real(r4(r.selfBLEU)),
                          r.novelty.map { .real(r4($0)) } ?? .null, .real(r4(r.ownLoss)), .real(r4(r.repetition)), .real(r4(reference)), .integer(r.frontier ? 1 : 0)])
            }
        }
        return trainID
    }
}
