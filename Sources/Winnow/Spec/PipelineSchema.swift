/// Builds `schemas/pipeline.schema.json` (JSON Schema 2020-12) from the spec model's defaults and the
/// step registry. `winnow schema` prints it; a test keeps the committed file equal to it.
public enum PipelineSchema {
    static let namePattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$"

    /// `winnow train`'s settings: the spec's `train` block and a `--config train.json` file.
    public static var trainSchema: JSONValue {
        let d = TrainConfig()
        func num(_ f: Float) -> Double { Double("\(f)") ?? Double(f) }   // 0.001, not 0.0010000000474974513
        return Schema.object("Settings for `winnow train` on this pipeline's output (a `--config` file and flags override them; they do not change the data run, so they are outside the spec's SHA-256).", properties: [
            ("layers", Schema.integer("Transformer blocks.", default: d.layers, minimum: 1)),
            ("heads", Schema.integer("Attention heads (`d_model` must be a multiple).", default: d.heads, minimum: 1)),
            ("d_model", Schema.integer("Model width (channels).", default: d.dModel, minimum: 1)),
            ("context", Schema.integer("Context length in tokens.", default: d.context, minimum: 2)),
            ("batch_size", Schema.integer("Sequences per step.", default: d.batchSize, minimum: 1)),
            ("steps", Schema.integer("Optimizer steps (default: `max_tokens` ÷ (batch_size × context), else 200).", minimum: 0)),
            ("max_tokens", Schema.integer("Token budget, when `steps` is absent.", minimum: 1)),
            ("learning_rate", Schema.number("Peak learning rate (after warm-up).", default: num(d.learningRate), exclusiveMinimum: 0)),
            ("min_learning_rate", Schema.number("Learning rate at the end of the cosine decay.", default: num(d.minLearningRate), minimum: 0)),
            ("warmup_steps", Schema.integer("Linear warm-up steps.", default: d.warmupSteps, minimum: 0)),
            ("weight_decay", Schema.number("AdamW's decoupled weight decay (matrices and embeddings only).", default: num(d.weightDecay), minimum: 0)),
            ("grad_clip", Schema.number("Clip the global gradient norm to this (0: no clipping).", default: num(d.gradClip), minimum: 0)),
            ("eval_every", Schema.integer("Validation loss (overall and per source) and a checkpoint every this many steps.", default: d.evalEvery, minimum: 1)),
            ("eval_batches", Schema.integer("Validation batches per evaluation: the whole split if it is smaller, else one inside each source's part of the split and the rest spread over all of it, at positions fixed by the seed.", default: d.evalBatches, minimum: 1)),
            ("threads", Schema.integer("Threads (default: all cores).", minimum: 1)),
            ("seed", Schema.integer("Seed of the initial weights (and of `--shuffle-buckets`).", default: d.seed, minimum: 0)),
            ("beta1", Schema.number("AdamW β₁.", default: num(d.beta1), minimum: 0, maximum: 1)),
            ("beta2", Schema.number("AdamW β₂.", default: num(d.beta2), minimum: 0, maximum: 1)),
        ])
    }

    /// The schema as a JSON value.
    public static func build() -> JSONValue {
        typealias P = PipelineSpec.Defaults
        typealias S = SourceSpec.Defaults
        typealias O = OutputSpec.Defaults
        let source = Schema.object("One input source.", properties: [
            ("name", Schema.string("Unique source name, used in lineage and `skip_steps`.", pattern: namePattern)),
            ("paths", Schema.array("Files or globs (`*`, `?`, `[...]`, `**`), relative to the spec file.",
                                   items: Schema.string("A path or glob.", minLength: 1), minItems: 1)),
            ("format", Schema.string("Input format: JSON Lines (`.jsonl`, `.jsonl.gz`, `.jsonl.zst`), plain text (optionally `.gz`/`.zst`), `warc` (one document per HTML `response` record with HTTP status 200, its HTML decoded to UTF-8; metadata `url`, `date`, `warc_record_id`, `content_type`) `wet` (one per `conversion` record) — WARC/WET files plain or gzip (per record or whole) — `html` (one page per file, `.html`/`.htm`, optionally `.gz`; its URL from an optional `PAGE.url` sidecar), or `parquet` (`.parquet` files, or a Hugging Face dataset folder with `config` and `split`; row groups are partitions; `text_field` a string column, `id_field` a string or integer column, every other top-level column a metadata key — timestamps and dates as ISO 8601 strings; nested, list and decimal columns are not kept and the run log names them; a null text is a bad row `null_text`).",
                                     default: S.format.rawValue, enumeration: SourceSpec.Format.allCases.map(\.rawValue))),
            ("config", Schema.string("`parquet` source whose path is a Hugging Face dataset folder: the config to read (from the `configs` of the folder's README.md, else the folder `<config>/`); default `default`.", minLength: 1)),
            ("split", Schema.string("`parquet` source whose path is a Hugging Face dataset folder: the split to read (e.g. `train`); default: every split of the config.", minLength: 1)),
            ("text_field", Schema.string("JSONL field (Parquet column) holding the text.", default: S.textField, minLength: 1)),
            ("id_field", Schema.string("JSONL field (Parquet column) holding the document id (string or number); when absent the id is `<source>:<input>:<line>`.", default: S.idField, minLength: 1)),
            ("text_mode", Schema.string("Plain text: one document per file (`file`), one per blank-line-separated block (`blocks`), or blocks gathered into documents of about `chunk_words` words, cut only between blocks (`chunks`: plays and novels as chapter-sized documents, not thousands of tiny ones).",
                                        default: S.textMode.rawValue, enumeration: SourceSpec.TextMode.allCases.map(\.rawValue))),
            ("chunk_words", Schema.integer("With text_mode `chunks`: a document closes at the first block boundary at or after this many words (a single longer block stays whole).",
                                           default: S.chunkWords, minimum: 1)),
            ("weight", Schema.number("Relative weight of this source in the training tokens: setting it on any source mixes the token shards (weights are normalised to sum to 1 into target shares; sources without one weigh 1). Needs token shards.", default: S.weight, exclusiveMinimum: 0)),
            ("max_epochs", Schema.number("With weights: at most this many copies of each document (whole documents; a fraction repeats part of the source).", default: 1, minimum: 1)),
            ("skip_steps", Schema.array("Steps (by `name`, or `type` when unnamed) not applied to this source.",
                                        items: Schema.string("A step name.", minLength: 1), uniqueItems: true, default: .array([]))),
        ], required: ["name", "paths"])

        let output = Schema.object("Where and how shards are written.", properties: [
            ("dir", Schema.string("Output folder, relative to the spec file.", minLength: 1)),
            ("formats", Schema.array("Shard formats to write: `jsonl` text shards (always written: lineage points into them), `parquet` (the same documents as Parquet in `parquet/shard-NNNNN.parquet`: columns `id`, `text`, `source` and one per metadata key; loads with `datasets.load_dataset(\"parquet\", data_dir=\"OUT/parquet\")`), `llmc` and `megatron` token shards (need a `tokenizer`).", items: Schema.string("A format.", enumeration: OutputSpec.Format.allCases.map(\.rawValue)),
                                     minItems: 1, uniqueItems: true, default: .array(O.formats.map { .string($0.rawValue) }))),
            ("compression", Schema.string("Compression of text shards: JSONL shards as `.zst`, `.gz` or plain, Parquet shards' pages with ZSTD, GZIP or none. `snappy` compresses Parquet shards with SNAPPY (the JSONL shards are then zstd).", default: O.compression.rawValue,
                                          enumeration: [Compression.zstd, .gzip, .none].map(\.rawValue) + ["snappy"])),
            ("compression_level", Schema.integer("Compression level (zstd 1–19, default 3; gzip 1–9, default 6).", minimum: 1, maximum: 19)),
            ("shard_bytes", Schema.integer("A shard is closed once it holds this many uncompressed bytes.", default: O.shardBytes, minimum: 1)),
            ("parquet_row_group_bytes", Schema.integer("Parquet shards: a row group closes once it holds this many bytes of text.", default: O.parquetRowGroupBytes, minimum: 1)),
            ("shard_docs", Schema.integer("A shard is closed once it holds this many documents; no limit when absent.", minimum: 1)),
            ("shard_tokens", Schema.integer("A token shard (`llmc`, `megatron`) is closed before a document would take it past this many tokens (a longer document gets a shard of its own).",
                                            default: O.shardTokens, minimum: 1)),
            ("total_tokens", Schema.integer("With `mixture`: the training tokens to write (end-of-text tokens included); default: as many as the cleaned training documents hold.", minimum: 1)),
            ("val_fraction", Schema.number("Share of documents that go to the validation split of the token shards, chosen by a hash of the seed and the document id.",
                                           default: O.valFraction, minimum: 0, maximum: 1)),
        ], required: ["dir"])

        typealias T = TokenizerSpec.TrainSpec.Defaults
        let train = Schema.object("Train a byte-level BPE on the kept documents, before the token shards are written.", properties: [
            ("vocab_size", Schema.integer("Vocabulary size: special tokens, the 256 bytes and the merges.", default: T.vocabSize, minimum: 257)),
            ("min_frequency", Schema.integer("A pair must occur this often to be merged.", default: T.minFrequency, minimum: 0)),
            ("special_tokens", Schema.array("Special tokens, ids 0, 1, …", items: Schema.string("A special token.", minLength: 1), minItems: 1, uniqueItems: true,
                                            default: .array(T.specialTokens.map { .string($0) }))),
            ("sample_bytes", Schema.integer("Train on the kept documents in shard order until this many bytes of text.", default: T.sampleBytes, minimum: 1)),
            ("add_prefix_space", Schema.boolean("Put a space before a text that does not start with one (GPT-2's option).", default: false)),
        ])
        let tokenizer = Schema.object("The tokenizer of the token shards: a file, or one trained on the kept documents.", properties: [
            ("file", Schema.string("Hugging Face `tokenizer.json` (byte-level BPE) or GPT-2 `vocab.json` with `merges.txt` beside it, relative to the spec file.", minLength: 1)),
            ("train", Schema.ref("tokenizer_train")),
            ("end_of_text", Schema.string("The special token written between documents.", default: TokenizerSpec.defaultEndOfText, minLength: 1)),
        ])

        var defs = JSONObject()
        defs["source"] = source
        defs["output"] = output
        defs["tokenizer"] = tokenizer
        defs["mixture"] = Schema.object("Options of the mix (sources' weights turn it on, with or without this block): down-sampling by a hash of the document id, up-sampling by whole-document repeats up to `max_epochs`.", properties: [
            ("on_shortfall", Schema.string("A source that cannot give its share even at `max_epochs`: `renormalize` gives it all it has and shares the rest among the others by weight (the size holds, the ratios give way); `shrink` lowers the total until every source can give its share (the ratios hold, the size gives way; the summary says by how much); `stop` ends the run before any token shard is written.",
                                           default: "renormalize", enumeration: MixtureSpec.OnShortfall.allCases.map(\.rawValue))),
            ("rehydrate", Schema.anyOf("Up-sample by near-duplicate cluster size, as FineWeb-2 does: a document whose `minhash_cluster_size` (set by `minhash_dedup` on the kept document of each cluster; 1 for the others) falls in a range counts that many times in its source's pool, within `max_epochs` of that pool. `true`: FineWeb-2's weights (1 → 1, 2 → 2, 3-4 → 3, 5-99 → 5, 100-999 → 8, 1000+ → 1).", [
                Schema.boolean("true: FineWeb-2's weights; false: no rehydration."),
                Schema.object("Your own weights.", properties: [
                    ("weights", Schema.map("Weight per range of cluster sizes: \"N\", \"A-B\" or \"N+\"; sizes in no range weigh 1.", value: Schema.integer("Copies of such a document in the pool.", minimum: 0), keyPattern: "^[1-9][0-9]*(-[1-9][0-9]*|\\+)?$")),
                ], required: ["weights"]),
            ])),
        ])
        defs["curriculum"] = Schema.object("Write the training token shards bucket by bucket, easy → hard.", properties: [
            ("score", Schema.string("Difficulty score per document: `length` (tokens), `readability` (mean sentence length in words × mean word length in characters; Flesch–Kincaid grade for English), `compression_ratio` (zlib-compressed ÷ raw bytes), or a numeric annotation a step left (e.g. `fineweb_quality`'s `line_punct_ratio`).", minLength: 1)),
            ("buckets", Schema.array("Bucket names, from the lowest score to the highest.", items: Schema.string("A bucket name.", minLength: 1), minItems: 1, uniqueItems: true)),
            ("edges", Schema.array("Score edges between the buckets (one fewer than buckets, increasing): bucket k holds edges[k-1] ≤ score < edges[k].", items: Schema.number("An edge."))),
            ("quantiles", Schema.array("Instead of edges: the score quantiles between buckets (increasing, in (0, 1)); default: equal shares.", items: Schema.number("A quantile.", minimum: 0, maximum: 1))),
            ("order", Schema.array("The order buckets are written in (default: `buckets`).", items: Schema.string("A bucket name.", minLength: 1), uniqueItems: true)),
            ("replay", Schema.number("Each later bucket also gets this fraction of its tokens as documents drawn from the buckets before it.", default: 0, minimum: 0, maximum: 1)),
        ], required: ["score", "buckets"])
        defs["tokenizer_train"] = train
        defs["train"] = trainSchema
        defs["schedule"] = Schema.object("When `winnow schedule` runs this pipeline (cron semantics as cronie's, daylight-saving changes included).", properties: [
            ("cron", Schema.string("Five fields (minute hour day-of-month month day-of-week: `*`, lists, ranges, steps, month and weekday names) or @hourly, @daily, @weekly, @monthly, @yearly.", minLength: 1)),
            ("timezone", Schema.string("IANA time zone the expression is read in, e.g. America/Sao_Paulo (default: the machine's).", minLength: 1)),
            ("catch_up", Schema.string("Fire times missed while no scheduler was running: `none` waits for the next one; `once` runs once at start-up.",
                                       default: "none", enumeration: ScheduleSpec.CatchUp.allCases.map(\.rawValue))),
        ], required: ["cron"])
        var stepRefs: [JSONValue] = []
        for d in StepRegistry.all {
            var props: [(String, JSONValue)] = [
                ("type", .object(JSONObject([("const", .string(d.type)), ("description", .string(d.summary))]))),
                ("name", Schema.string("Name for this step in lineage and `skip_steps` (default: its type); unique in the spec.", pattern: namePattern)),
            ]
            props += d.parameters
            var o = Schema.object("`\(d.type)` (\(d.kind.rawValue) step): \(d.summary)", properties: props, required: ["type"] + d.required)
            if case .object(var obj) = o { obj["x-step-kind"] = .string(d.kind.rawValue); o = .object(obj) }
            defs["step_\(d.type)"] = o
            stepRefs.append(Schema.ref("step_\(d.type)"))
        }

        var root = JSONObject()
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        root["$id"] = "urn:winnow:schemas:pipeline"
        root["title"] = "Winnow pipeline"
        root["description"] = "A Winnow pipeline spec: sources, cleaning steps, output and lineage."
        root["type"] = "object"
        root["properties"] = .object(JSONObject([
            ("$schema", Schema.string("Path or URL of this schema, for editor completion.")),
            ("name", Schema.string("Pipeline name, recorded with every run.", pattern: namePattern)),
            ("description", Schema.string("Free text.")),
            ("sources", Schema.array("Input sources, in the order that decides ties (dedup keeps the first).", items: Schema.ref("source"), minItems: 1)),
            ("steps", Schema.array("Cleaning steps, applied in order.",
                                   items: .object(JSONObject([("oneOf", .array(stepRefs)), ("description", "A step; `type` picks its parameters.")])),
                                   default: .array([]))),
            ("output", Schema.ref("output")),
            ("tokenizer", Schema.ref("tokenizer")),
            ("mixture", Schema.ref("mixture")),
            ("curriculum", Schema.ref("curriculum")),
            ("train", Schema.ref("train")),
            ("schedule", Schema.ref("schedule")),
            ("incremental", Schema.boolean("Each run processes only inputs that no finished run of this spec processed (a changed file is processed again and supersedes its earlier documents), deduplicates against earlier runs' kept documents, and writes a new version folder (`versions/vNNNNNN`, `latest` → it, a cumulative `manifest.json`). Default: true when `schedule` is given.")),
            ("lineage", Schema.string("SQLite lineage file, relative to the spec file.", default: "<output.dir>/\(P.lineageFile)", minLength: 1)),
            ("on_error", Schema.string("A bad input line or an unreadable part of an input (truncated .gz/.zst, a file gone mid-run): `skip` records it in lineage and goes on; `stop` ends the run with the error. Unreadable parts leave the run `finished_with_errors`, which exits with code 3 unless `on_error` is set to `skip` explicitly.",
                                       default: P.onError.rawValue, enumeration: PipelineSpec.OnError.allCases.map(\.rawValue))),
            ("max_error_fraction", Schema.number("A run stops (status failed) when more than this fraction of its input lines are bad lines.",
                                                 default: P.maxErrorFraction, minimum: 0, maximum: 1)),
            ("seed", Schema.integer("Seed for every random choice, so runs are reproducible.", default: P.seed, minimum: 0)),
            ("max_line_bytes", Schema.integer("Longer input lines are bad lines (reason `line_too_long`).", default: P.maxLineBytes, minimum: 1024)),
            ("partition_bytes", Schema.integer("Uncompressed JSONL inputs and WARC/WET inputs (uncompressed, or gzip-compressed record by record) larger than this are split into byte ranges processed in parallel.",
                                               default: P.partitionBytes, minimum: 1 << 16)),
        ]))
        root["required"] = ["name", "sources", "output"]
        root["additionalProperties"] = false
        root["$defs"] = .object(defs)
        return .object(root)
    }

    /// The schema file's text.
    public static var text: String { JSONWriter.pretty(build()) }

    /// Step types named in a schema document (the `const` of each step definition's `type`).
    public static func stepTypes(in schema: JSONValue) -> [String] {
        guard let defs = schema["$defs"]?.objectValue else { return [] }
        return defs.pairs.compactMap { (_, v) in v["properties"]?["type"]?["const"]?.stringValue }
    }
}
