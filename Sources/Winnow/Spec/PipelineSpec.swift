import Foundation

/// A pipeline spec as written in JSON. `winnow validate` checks a file against
/// `schemas/pipeline.schema.json` first, so decoding this model only fails on files that were not validated.
public struct PipelineSpec: Codable, Sendable {
    public var schema: String?
    public var name: String
    public var description: String?
    public var sources: [SourceSpec]
    public var steps: [StepSpec]
    public var output: OutputSpec
    public var tokenizer: TokenizerSpec?
    public var mixture: MixtureSpec?
    public var curriculum: CurriculumSpec?
    /// Settings for `winnow train` on this pipeline's output (flags and `--config` override them).
    public var train: TrainConfig?
    /// When `winnow schedule` runs it.
    public var schedule: ScheduleSpec?
    /// Process only inputs no earlier finished run of this spec processed, into a new version of the dataset
    /// (default: true with a `schedule`).
    public var incremental: Bool
    public var lineage: String?
    public var onError: OnError
    /// Whether the spec set `on_error` itself (a run with unreadable input parts then exits 0 with `skip`).
    public var onErrorGiven: Bool
    /// More bad lines than this fraction of the lines read stops the run.
    public var maxErrorFraction: Double
    public var seed: Int
    public var maxLineBytes: Int
    public var partitionBytes: Int

    /// The mixture in force: the `mixture` block, or its defaults when any source sets a `weight` (weights take
    /// effect whenever a source sets one; the block only holds options).
    public var effectiveMixture: MixtureSpec? {
        mixture ?? (sources.contains { $0.weightGiven } ? MixtureSpec() : nil)
    }

    public enum OnError: String, Codable, Sendable, CaseIterable { case skip, stop }

    public enum Defaults {
        public static let onError = OnError.skip
        /// 10%: past this a reader or input is wrong rather than a few lines being bad.
        public static let maxErrorFraction = 0.1
        public static let seed = 0
        /// 16 MiB: longer lines are bad lines (datatrove has no limit; dolma's default reader uses none either).
        public static let maxLineBytes = 16 << 20
        /// Uncompressed inputs larger than this are split into byte ranges of about this size.
        public static let partitionBytes = 128 << 20
        public static let lineageFile = "lineage.db"
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case schema = "$schema", name, description, sources, steps, output, tokenizer, mixture, curriculum, train, schedule, incremental, lineage
        case onError = "on_error", maxErrorFraction = "max_error_fraction", seed
        case maxLineBytes = "max_line_bytes", partitionBytes = "partition_bytes"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schema = try c.decodeIfPresent(String.self, forKey: .schema)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        sources = try c.decode([SourceSpec].self, forKey: .sources)
        steps = try c.decodeIfPresent([StepSpec].self, forKey: .steps) ?? []
        output = try c.decode(OutputSpec.self, forKey: .output)
        tokenizer = try c.decodeIfPresent(TokenizerSpec.self, forKey: .tokenizer)
        mixture = try c.decodeIfPresent(MixtureSpec.self, forKey: .mixture)
        curriculum = try c.decodeIfPresent(CurriculumSpec.self, forKey: .curriculum)
        train = try c.decodeIfPresent(TrainConfig.self, forKey: .train)
        schedule = try c.decodeIfPresent(ScheduleSpec.self, forKey: .schedule)
        incremental = try c.decodeIfPresent(Bool.self, forKey: .incremental) ?? (schedule != nil)
        lineage = try c.decodeIfPresent(String.self, forKey: .lineage)
        onError = try c.decodeIfPresent(OnError.self, forKey: .onError) ?? Defaults.onError
        onErrorGiven = c.contains(.onError)
        maxErrorFraction = try c.decodeIfPresent(Double.self, forKey: .maxErrorFraction) ?? Defaults.maxErrorFraction
        seed = try c.decodeIfPresent(Int.self, forKey: .seed) ?? Defaults.seed
        maxLineBytes = try c.decodeIfPresent(Int.self, forKey: .maxLineBytes) ?? Defaults.maxLineBytes
        partitionBytes = try c.decodeIfPresent(Int.self, forKey: .partitionBytes) ?? Defaults.partitionBytes
    }
}

/// One input source: files, their format, and how this source is treated.
public struct SourceSpec: Codable, Sendable {
    public var name: String
    public var paths: [String]
    public var format: Format
    public var textField: String
    public var idField: String
    public var textMode: TextMode
    /// `text_mode: chunks`: about this many words per document.
    public var chunkWords: Int
    public var weight: Double
    /// Whether the spec set `weight` on this source (then the mixture applies, with or without a `mixture` block).
    public var weightGiven = false
    public var maxEpochs: Double
    public var skipSteps: [String]
    /// `parquet` sources given a Hugging Face dataset folder: the config and split to read.
    public var config: String?
    public var split: String?

    public enum Format: String, Codable, Sendable, CaseIterable { case jsonl, text, warc, wet, html, parquet }
    /// For `text` sources: the whole file is one document, each blank-line-separated block is, or consecutive
    /// blocks are gathered into documents of about `chunk_words` words (a book into chapter-sized pieces).
    public enum TextMode: String, Codable, Sendable, CaseIterable { case file, blocks, chunks }

    public enum Defaults {
        public static let format = Format.jsonl
        public static let textField = "text"
        public static let idField = "id"
        public static let textMode = TextMode.file
        public static let weight = 1.0
        /// About a page or two of prose: long enough for context, short enough that a novel is many documents.
        public static let chunkWords = 1000
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case name, paths, format, textField = "text_field", idField = "id_field", textMode = "text_mode", chunkWords = "chunk_words", weight
        case maxEpochs = "max_epochs"
        case skipSteps = "skip_steps"
        case config, split
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        paths = try c.decode([String].self, forKey: .paths)
        format = try c.decodeIfPresent(Format.self, forKey: .format) ?? Defaults.format
        textField = try c.decodeIfPresent(String.self, forKey: .textField) ?? Defaults.textField
        idField = try c.decodeIfPresent(String.self, forKey: .idField) ?? Defaults.idField
        textMode = try c.decodeIfPresent(TextMode.self, forKey: .textMode) ?? Defaults.textMode
        chunkWords = try c.decodeIfPresent(Int.self, forKey: .chunkWords) ?? Defaults.chunkWords
        weight = try c.decodeIfPresent(Double.self, forKey: .weight) ?? Defaults.weight
        weightGiven = c.contains(.weight)
        maxEpochs = try c.decodeIfPresent(Double.self, forKey: .maxEpochs) ?? 1
        skipSteps = try c.decodeIfPresent([String].self, forKey: .skipSteps) ?? []
        config = try c.decodeIfPresent(String.self, forKey: .config)
        split = try c.decodeIfPresent(String.self, forKey: .split)
    }
}

/// One entry of `steps`: its `type`, an optional `name`, and the type's own parameters.
public struct StepSpec: Codable, Sendable {
    public var type: String
    public var name: String?
    /// Every key except `type` and `name`, checked against the step type's schema.
    public var parameters: JSONObject

    /// The name lineage and `skip_steps` use: `name` if given, else `type`.
    public var effectiveName: String { name ?? type }

    public init(from decoder: Decoder) throws {
        let all = try JSONValue(from: decoder)
        guard case .object(var o) = all, let t = o["type"]?.stringValue else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a step needs a string \"type\""))
        }
        type = t
        name = o["name"]?.stringValue
        o["type"] = nil
        o["name"] = nil
        parameters = o
    }

    public func encode(to encoder: Encoder) throws {
        var o = parameters
        o["type"] = .string(type)
        if let name { o["name"] = .string(name) }
        try JSONValue.object(o).encode(to: encoder)
    }

    /// Decodes the step type's parameter struct.
    public func decodeParameters<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONValue.object(parameters).decode(T.self)
    }
}

/// Where and how shards are written.
public struct OutputSpec: Codable, Sendable {
    public var dir: String
    public var formats: [Format]
    public var compression: Compression
    /// The codec of Parquet shards: `compression`'s, or SNAPPY (`"compression": "snappy"`, which leaves the
    /// JSONL text shards zstd).
    public var parquetCompression: ParquetCompression
    public var compressionLevel: Int?
    /// Parquet shards: a row group closes at this many bytes of text.
    public var parquetRowGroupBytes: Int
    public var shardBytes: Int
    public var shardDocs: Int?
    public var shardTokens: Int
    public var valFraction: Double
    public var totalTokens: Int?

    /// `jsonl`: text shards (always written: lineage and `winnow explain` point into them); `llmc`, `megatron`:
    /// token shards (need a `tokenizer`).
    public enum Format: String, Codable, Sendable, CaseIterable { case jsonl, parquet, llmc, megatron }

    public enum Defaults {
        public static let formats: [Format] = [.jsonl]
        public static let compression = Compression.zstd
        /// 256 MiB of uncompressed JSONL per shard.
        public static let shardBytes = 256 << 20
        /// 64 MiB of text per Parquet row group: a few thousand web pages, small enough for the Hub's viewer.
        public static let parquetRowGroupBytes = 64 << 20
        /// 100 M tokens per token shard, as llm.c's own data scripts write.
        public static let shardTokens = 100_000_000
        public static let valFraction = 0.0
    }

    /// The token shard formats asked for.
    public var tokenFormats: [TokenShardFormat] { formats.compactMap { TokenShardFormat(rawValue: $0.rawValue) } }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case dir, formats, compression, compressionLevel = "compression_level", shardBytes = "shard_bytes", shardDocs = "shard_docs"
        case parquetRowGroupBytes = "parquet_row_group_bytes"
        case shardTokens = "shard_tokens", valFraction = "val_fraction", totalTokens = "total_tokens"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dir = try c.decode(String.self, forKey: .dir)
        formats = try c.decodeIfPresent([Format].self, forKey: .formats) ?? Defaults.formats
        if try c.decodeIfPresent(String.self, forKey: .compression) == "snappy" {
            compression = .zstd
            parquetCompression = .snappy
        } else {
            compression = try c.decodeIfPresent(Compression.self, forKey: .compression) ?? Defaults.compression
            parquetCompression = ParquetCompression(rawValue: compression.rawValue) ?? .zstd
        }
        compressionLevel = try c.decodeIfPresent(Int.self, forKey: .compressionLevel)
        shardBytes = try c.decodeIfPresent(Int.self, forKey: .shardBytes) ?? Defaults.shardBytes
        parquetRowGroupBytes = try c.decodeIfPresent(Int.self, forKey: .parquetRowGroupBytes) ?? Defaults.parquetRowGroupBytes
        shardDocs = try c.decodeIfPresent(Int.self, forKey: .shardDocs)
        shardTokens = try c.decodeIfPresent(Int.self, forKey: .shardTokens) ?? Defaults.shardTokens
        valFraction = try c.decodeIfPresent(Double.self, forKey: .valFraction) ?? Defaults.valFraction
        totalTokens = try c.decodeIfPresent(Int.self, forKey: .totalTokens)
    }
}

/// The tokenizer token shards are written with: a file, or one trained on the cleaned documents.
public struct TokenizerSpec: Codable, Sendable {
    /// `tokenizer.json` (or `vocab.json` with `merges.txt` beside it), relative to the spec file.
    public var file: String?
    public var train: TrainSpec?
    /// The special token that separates documents in token shards.
    public var endOfText: String

    public struct TrainSpec: Codable, Sendable {
        public var vocabSize: Int
        public var minFrequency: Int
        public var specialTokens: [String]
        public var sampleBytes: Int
        public var addPrefixSpace: Bool

        public enum Defaults {
            public static let vocabSize = 8192, minFrequency = 2, specialTokens = ["<|endoftext|>"]
            /// 1 GB of kept text, taken in shard order (deterministic).
            public static let sampleBytes = 1_000_000_000
        }

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case vocabSize = "vocab_size", minFrequency = "min_frequency", specialTokens = "special_tokens"
            case sampleBytes = "sample_bytes", addPrefixSpace = "add_prefix_space"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? Defaults.vocabSize
            minFrequency = try c.decodeIfPresent(Int.self, forKey: .minFrequency) ?? Defaults.minFrequency
            specialTokens = try c.decodeIfPresent([String].self, forKey: .specialTokens) ?? Defaults.specialTokens
            sampleBytes = try c.decodeIfPresent(Int.self, forKey: .sampleBytes) ?? Defaults.sampleBytes
            addPrefixSpace = try c.decodeIfPresent(Bool.self, forKey: .addPrefixSpace) ?? false
        }
    }

    public static let defaultEndOfText = "<|endoftext|>"

    public enum CodingKeys: String, CodingKey, CaseIterable { case file, train, endOfText = "end_of_text" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        file = try c.decodeIfPresent(String.self, forKey: .file)
        train = try c.decodeIfPresent(TrainSpec.self, forKey: .train)
        endOfText = try c.decodeIfPresent(String.self, forKey: .endOfText) ?? Self.defaultEndOfText
    }
}


/// `mixture`: each source's `weight` becomes its target share of the training tokens.
public struct MixtureSpec: Codable, Sendable {
    public enum OnShortfall: String, Codable, Sendable, CaseIterable { case renormalize, shrink, stop }
    public var onShortfall: OnShortfall
    /// `rehydrate`: each document counts as many times as its near-duplicate cluster's size asks (FineWeb-2).
    public var rehydrate: Rehydrate?
    /// The options a mixture has when sources set weights and the spec has no `mixture` block.
    public init(onShortfall: OnShortfall = .renormalize, rehydrate: Rehydrate? = nil) { self.onShortfall = onShortfall; self.rehydrate = rehydrate }
    public enum CodingKeys: String, CodingKey, CaseIterable { case onShortfall = "on_shortfall", rehydrate }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        onShortfall = try c.decodeIfPresent(OnShortfall.self, forKey: .onShortfall) ?? .renormalize
        if let on = try? c.decodeIfPresent(Bool.self, forKey: .rehydrate) { rehydrate = on ? .fineweb2 : nil }
        else { rehydrate = try c.decodeIfPresent(Rehydrate.self, forKey: .rehydrate) }
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(onShortfall, forKey: .onShortfall)
        try c.encodeIfPresent(rehydrate, forKey: .rehydrate)
    }

    /// Up-sampling by cluster size: a document whose `minhash_cluster_size` (left by `minhash_dedup` on the kept
    /// document of each cluster; 1 for the others) falls in a range counts `weight` times in its source's pool.
    public struct Rehydrate: Codable, Sendable, Equatable {
        /// Ranges of cluster sizes (lowest, highest or nil for no end) and their weights, as the spec writes them:
        /// "1", "2-10", "1000+".
        public var weights: [String: Int]
        /// FineWeb-2's published weights (its README's `Rehydrater`: sizes 1 → 1, 2 → 2, 3–4 → 3, 5–99 → 5,
        /// 100–999 → 8, 1000 and more → 1).
        public static let fineweb2 = Rehydrate(weights: ["1": 1, "2": 2, "3-4": 3, "5-99": 5, "100-999": 8, "1000+": 1])

        /// The range a key names, or nil when it is not "N", "A-B" (A ≤ B) or "N+".
        public static func range(_ key: String) -> (Int, Int?)? {
            if key.hasSuffix("+"), let n = Int(key.dropLast()), n >= 1 { return (n, nil) }
            let parts = key.split(separator: "-", omittingEmptySubsequences: false)
            if parts.count == 1, let n = Int(parts[0]), n >= 1 { return (n, n) }
            if parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a >= 1, a <= b { return (a, b) }
            return nil
        }

        /// The weight of a document in a cluster of `size` (1 when no range holds it).
        public func weight(clusterSize size: Int) -> Int {
            for (key, w) in weights.sorted(by: { $0.key < $1.key }) {
                if let (a, b) = Self.range(key), size >= a, b.map({ size <= $0 }) ?? true { return w }
            }
            return 1
        }
    }
}

/// `curriculum`: documents scored, put in buckets, and the buckets written easy → hard.
public struct CurriculumSpec: Codable, Sendable {
    /// `length`, `readability`, `compression_ratio`, or the name of a numeric annotation a step left.
    public var score: String
    public var buckets: [String]
    public var edges: [Double]?
    public var quantiles: [Double]?
    public var order: [String]?
    public var replay: Double

    public static let builtinScores = ["length", "readability", "compression_ratio"]

    public enum CodingKeys: String, CodingKey, CaseIterable { case score, buckets, edges, quantiles, order, replay }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        score = try c.decode(String.self, forKey: .score)
        buckets = try c.decode([String].self, forKey: .buckets)
        edges = try c.decodeIfPresent([Double].self, forKey: .edges)
        quantiles = try c.decodeIfPresent([Double].self, forKey: .quantiles)
        order = try c.decodeIfPresent([String].self, forKey: .order)
        replay = try c.decodeIfPresent(Double.self, forKey: .replay) ?? 0
    }

    /// Buckets in the order they are written.
    public var writeOrder: [String] { order ?? buckets }
}

/// `schedule`: when `winnow schedule` runs the pipeline.
public struct ScheduleSpec: Codable, Sendable {
    /// After downtime (fire times that passed while no scheduler was checking): `none` waits for the next fire
    /// time; `once` runs once at start-up, however many were missed.
    public enum CatchUp: String, Codable, Sendable, CaseIterable { case none, once }
    public var cron: String
    /// IANA time zone name; nil: the machine's (`TZ`).
    public var timezone: String?
    public var catchUp: CatchUp

    public enum CodingKeys: String, CodingKey, CaseIterable { case cron, timezone, catchUp = "catch_up" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cron = try c.decode(String.self, forKey: .cron)
        timezone = try c.decodeIfPresent(String.self, forKey: .timezone)
        catchUp = try c.decodeIfPresent(CatchUp.self, forKey: .catchUp) ?? .none
    }

    /// The parsed expression in its time zone.
    public func cronSchedule() throws -> CronSchedule {
        let tz: TimeZone
        if let timezone {
            guard let z = TimeZone(identifier: timezone) else { throw CronSchedule.ParseError(message: "unknown time zone \"\(timezone)\"", column: 0) }
            tz = z
        } else { tz = .current }
        return try CronSchedule(cron, timeZone: tz)
    }
}
