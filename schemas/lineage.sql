-- Winnow lineage schema, version 4 (PRAGMA user_version = 4).
-- One SQLite file records every run of a pipeline: what went in, what happened to every document,
-- which shard it went to. Written by one writer per run (WAL, prepared statements, large
-- transactions); read with `winnow lineage "SQL"` (read-only) or any SQLite client.

-- One row per run.
CREATE TABLE IF NOT EXISTS runs (
  run_id        TEXT PRIMARY KEY,          -- e.g. 20261129T031500Z-quickstart-3f2a
  pipeline      TEXT NOT NULL,             -- the spec's "name"
  spec_path     TEXT NOT NULL,             -- absolute path of the spec file
  spec_sha256   TEXT NOT NULL,             -- SHA-256 of the canonical spec JSON (sorted keys, no whitespace) without
                                           -- $schema, description, schedule and train, which cannot change the output
  spec_json     TEXT NOT NULL,             -- the canonical spec itself
  started_at    TEXT NOT NULL,             -- ISO 8601 UTC
  finished_at   TEXT,
  status        TEXT NOT NULL CHECK (status IN ('running', 'finished', 'finished_with_errors', 'failed', 'interrupted', 'abandoned')),
                                           -- finished_with_errors: parts of inputs could not be read (source_stats.unreadable,
                                           -- errors.reason 'unreadable_input'); abandoned: never resumed (error says why)
  error         TEXT,                      -- why a failed run failed, an abandoned one was given up, or what a run with errors missed
  trigger       TEXT NOT NULL DEFAULT 'manual', -- manual | schedule | tasks (winnow run --stage) | slurm
  scheduled_for TEXT,                      -- trigger schedule: the fire time it ran for, ISO 8601 with the schedule's UTC offset
  version       INTEGER,                   -- incremental pipelines: the dataset version this run writes (see dataset_versions)
  workers       INTEGER,
  winnow_version TEXT,
  docs_in       INTEGER,                   -- filled when the run finishes
  docs_kept     INTEGER,
  docs_dropped  INTEGER,
  docs_error    INTEGER,
  shards        INTEGER,
  output_dir    TEXT,
  cleaning_sha256 TEXT,                    -- SHA-256 of what decides the cleaned text shards: Winnow's version, the spec
                                           -- without the keys only the token phase reads, the files its steps read
                                           -- (path, size, mtime). Same value and same inputs: same text shards
  cleaning_run_id TEXT,                    -- the earlier run whose cleaned text shards this run kept (same inputs, same
                                           -- spec but for weights, curriculum, tokenizer and token output: `winnow remix`,
                                           -- or a re-run); its documents, errors, step and source rows are copied here.
                                           -- NULL: this run cleaned its inputs itself
  cluster_jobs  TEXT                       -- a run of stage tasks on a cluster: its job ids, e.g. slurm:41,42,43 (every
                                           -- submission, resubmissions included); NULL otherwise
);

-- One row per input file and run.
CREATE TABLE IF NOT EXISTS inputs (
  run_id      TEXT NOT NULL REFERENCES runs(run_id),
  source      TEXT NOT NULL,
  input       TEXT NOT NULL,               -- path relative to the spec's folder (absolute when outside it)
  size        INTEGER NOT NULL,
  mtime       REAL NOT NULL,               -- seconds since 1970
  partitions  INTEGER NOT NULL,
  sha256      TEXT,                        -- incremental runs: SHA-256 of the file's bytes
  change      TEXT,                        -- incremental runs: new | changed (processed again; earlier documents superseded) |
                                           -- touched (new mtime, same bytes: not processed); NULL for other runs
  PRIMARY KEY (run_id, input)
);

-- One row per input document (or bad line) and run: its whole story.
CREATE TABLE IF NOT EXISTS documents (
  run_id      TEXT NOT NULL,
  source      TEXT NOT NULL,
  doc_id      TEXT,                        -- NULL for a line that could not be read
  input       TEXT NOT NULL,
  line        INTEGER NOT NULL,            -- 1-based line (JSONL), first line of the block (text), byte offset of the record (warc, wet; of its gzip member in a per-record .warc.gz)
  status      TEXT NOT NULL CHECK (status IN ('kept', 'dropped', 'error')),
  step        TEXT,                        -- the step that dropped it ('reader' for bad lines)
  reason      TEXT,                        -- that step's reason code, e.g. min_chars, duplicate, invalid_json
  annotations TEXT,                        -- JSON object of values steps computed (chars, words, ...)
  shard       INTEGER,                     -- kept: shard index (see shards)
  position    INTEGER,                     -- kept: 0-based line within the shard
  dup_of      TEXT,                        -- dropped as a duplicate: the doc_id of the kept twin
  stage       INTEGER NOT NULL,            -- executor stage that wrote this row
  part        INTEGER NOT NULL             -- input partition the document was read in
);

-- Per-step counts and time, per run.
CREATE TABLE IF NOT EXISTS step_stats (
  run_id      TEXT NOT NULL,
  step_index  INTEGER NOT NULL,            -- position in "steps"
  step        TEXT NOT NULL,
  kind        TEXT NOT NULL,               -- document | barrier
  docs_in     INTEGER NOT NULL DEFAULT 0,
  docs_out    INTEGER NOT NULL DEFAULT 0,
  dropped     INTEGER NOT NULL DEFAULT 0,
  seconds     REAL NOT NULL DEFAULT 0,     -- summed over workers
  bytes_in    INTEGER NOT NULL DEFAULT 0,  -- UTF-8 bytes of the text of the documents going in (0 in runs before version 7)
  bytes_out   INTEGER NOT NULL DEFAULT 0,  -- … and of those coming out (a rewriting step, e.g. pii, changes them)
  PRIMARY KEY (run_id, step_index)
);

-- Every bad input line, with the reader's message.
CREATE TABLE IF NOT EXISTS errors (
  run_id      TEXT NOT NULL,
  source      TEXT NOT NULL,
  input       TEXT NOT NULL,
  line        INTEGER NOT NULL,
  reason      TEXT NOT NULL,               -- invalid_json, invalid_utf8, missing_text, text_not_string, line_too_long, ...
  message     TEXT NOT NULL,
  stage       INTEGER NOT NULL,
  part        INTEGER NOT NULL
);

-- Shards written by a run.
CREATE TABLE IF NOT EXISTS shards (
  run_id      TEXT NOT NULL,
  shard       INTEGER NOT NULL,
  path        TEXT NOT NULL,               -- relative to the output folder
  format      TEXT NOT NULL,
  docs        INTEGER NOT NULL,
  bytes       INTEGER NOT NULL,            -- on disk
  uncompressed_bytes INTEGER NOT NULL,
  sha256      TEXT NOT NULL,
  sources     TEXT NOT NULL,               -- JSON object: documents per source in this shard
  input       TEXT,                        -- the input file its documents came from (NULL in runs before version 4)
  PRIMARY KEY (run_id, shard)
);

-- Token shards (output.formats llmc, megatron): one row per format, split and shard. The same documents in
-- the same order are in shard N of every format.
CREATE TABLE IF NOT EXISTS token_shards (
  run_id      TEXT NOT NULL,
  format      TEXT NOT NULL,               -- llmc | megatron
  split       TEXT NOT NULL,               -- train | val
  shard       INTEGER NOT NULL,
  bucket      TEXT,                        -- its curriculum bucket (NULL without a curriculum)
  path        TEXT NOT NULL,               -- the .bin, relative to the output folder
  docs        INTEGER NOT NULL,
  tokens      INTEGER NOT NULL,            -- end-of-text tokens included
  bytes       INTEGER NOT NULL,            -- all its files
  sha256      TEXT NOT NULL,               -- of the .bin
  files       TEXT NOT NULL,               -- JSON array: path, bytes, sha256 of each file (.bin, .idx)
  sources     TEXT NOT NULL,               -- JSON object: tokens per source
  PRIMARY KEY (run_id, format, split, shard)
);

-- Where each kept document's tokens are: split, token shard (the same number in every format), its
-- sequence (document) number in that shard — Megatron's sequence index — and, in the llm.c shard, the
-- offset of its first token (after its end-of-text token) and its token count (end-of-text not counted).
CREATE TABLE IF NOT EXISTS document_tokens (
  run_id      TEXT NOT NULL,
  source      TEXT NOT NULL,
  doc_id      TEXT NOT NULL,
  split       TEXT NOT NULL,
  shard       INTEGER NOT NULL,
  sequence    INTEGER NOT NULL,
  token_offset INTEGER NOT NULL,
  tokens      INTEGER NOT NULL,
  epoch       INTEGER NOT NULL DEFAULT 0,  -- 0 for the first copy; the mixture repeats documents as epochs 1, 2, …
  bucket      TEXT,                        -- curriculum bucket it was written in
  replay      INTEGER NOT NULL DEFAULT 0   -- 1: a copy replayed from an earlier bucket
);

-- The mixture and curriculum accounting of a run's training tokens: one row per source (bucket NULL), then
-- one per source and bucket. target = normalised weight (NULL without a mixture); achieved = share of all
-- training tokens written; tokens and documents count every copy, curriculum replays included; epochs = tokens
-- of the mixture's own copies (replays left out) over the tokens the cleaned documents hold.
CREATE TABLE IF NOT EXISTS mixture_rows (
  run_id      TEXT NOT NULL,
  source      TEXT NOT NULL,
  bucket      TEXT,
  target      REAL,
  achieved    REAL NOT NULL,
  tokens      INTEGER NOT NULL,            -- end-of-text tokens included
  documents   INTEGER NOT NULL,            -- copies written
  epochs      REAL NOT NULL,
  shortfall   TEXT                         -- "web: asked 70.0%, can give 61.2% at max_epochs=1"
);

-- Curriculum buckets in the order they were written, with the score range each holds.
CREATE TABLE IF NOT EXISTS curriculum_buckets (
  run_id      TEXT NOT NULL,
  position    INTEGER NOT NULL,
  bucket      TEXT NOT NULL,
  score       TEXT NOT NULL,
  lower       REAL,                        -- score ≥ lower (NULL: no lower edge)
  upper       REAL,                        -- score < upper (NULL: no upper edge)
  PRIMARY KEY (run_id, position)
);

-- `winnow train` runs over this output's token shards, linked to the data run that wrote them.
CREATE TABLE IF NOT EXISTS train_runs (
  train_id    TEXT PRIMARY KEY,
  data_run_id TEXT,                        -- the finished run whose spec wrote the shards
  shard_dir   TEXT NOT NULL,
  config      TEXT NOT NULL,               -- JSON: the training settings
  started_at  TEXT NOT NULL,
  finished_at TEXT,
  status      TEXT NOT NULL,               -- running | finished
  steps       INTEGER,
  tokens_per_second REAL,                  -- median over steps after warm-up
  train_loss  REAL,
  val_loss    REAL,
  checkpoint  TEXT,
  ablation    TEXT                         -- `winnow ablate`: JSON naming the other side (other_lineage, other_train_id,
                                           -- spec, other_spec) and both held-out losses; NULL for `winnow train`
);

-- `winnow sample --sweep`: one row per decoding setting of a sweep over a checkpoint's held-out prompts.
-- distinct_n: distinct n-grams over all n-grams of the setting's samples (tokens); self_bleu: BLEU-4 of each sample
-- against the other samples of its prompt, averaged; novelty: share of generated 4-grams absent from the training
-- shards; own_loss: the model's mean per-token loss (nats, at temperature 1) on its own continuation; repetition:
-- share of a sample's 4-grams repeating an earlier one in it; reference_loss: the same loss on the held-out true
-- continuations (one figure per sweep); frontier: 1 when no other setting has both higher distinct_2 and lower own_loss.
CREATE TABLE IF NOT EXISTS decoding_sweeps (
  sweep_id    TEXT NOT NULL,
  train_id    TEXT,                        -- the train_runs row whose checkpoint this is (NULL: not found)
  checkpoint  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  position    INTEGER NOT NULL,            -- the setting's place in the grid
  setting     TEXT NOT NULL,               -- its label, e.g. "temperature=0.7 top_p=0.9"
  options     TEXT NOT NULL,               -- JSON: temperature, top_k, top_p, min_p, repetition_penalty
  prompts     INTEGER NOT NULL,
  samples     INTEGER NOT NULL,            -- per prompt
  new_tokens  INTEGER NOT NULL,            -- per sample
  distinct_1  REAL NOT NULL,
  distinct_2  REAL NOT NULL,
  distinct_3  REAL NOT NULL,
  self_bleu   REAL NOT NULL,
  novelty     REAL,                        -- NULL when the training shards could not be read
  own_loss    REAL NOT NULL,
  repetition  REAL NOT NULL,
  reference_loss REAL NOT NULL,
  frontier    INTEGER NOT NULL,
  PRIMARY KEY (sweep_id, position)
);

-- One row per training step (source NULL), plus one per source at each evaluation: loss curves in one query.
CREATE TABLE IF NOT EXISTS train_metrics (
  train_id    TEXT NOT NULL,
  step        INTEGER NOT NULL,
  tokens      INTEGER NOT NULL,            -- training tokens seen so far
  source      TEXT,                        -- set on per-source validation rows
  learning_rate REAL,
  train_loss  REAL,
  val_loss    REAL,
  grad_norm   REAL,
  seconds     REAL
);

-- Documents read and written per source (kept even when per-document rows are switched off).
CREATE TABLE IF NOT EXISTS source_stats (
  run_id      TEXT NOT NULL,
  source      TEXT NOT NULL,
  docs_in     INTEGER NOT NULL DEFAULT 0,  -- documents read (bad lines not included)
  errors      INTEGER NOT NULL DEFAULT 0,  -- bad lines
  docs_out    INTEGER NOT NULL DEFAULT 0,  -- documents written to shards
  unreadable  INTEGER NOT NULL DEFAULT 0,  -- parts of inputs that could not be read (truncated .gz/.zst, a file gone mid-run)
  bytes_in    INTEGER NOT NULL DEFAULT 0,  -- UTF-8 bytes of the text of the documents read (0 in runs before version 7)
  bytes_out   INTEGER NOT NULL DEFAULT 0,  -- … of the documents written to shards
  tokens_out  INTEGER,                     -- tokens of the documents written to shards (every kept document, before the
                                           -- mixture samples or repeats them; end-of-text not counted); NULL without a tokenizer
  PRIMARY KEY (run_id, source)
);

-- Incremental pipelines: one row per dataset version, i.e. per finished run that processed new or changed inputs.
-- The dataset is the series' versions together (`dataset_documents`); a new spec SHA-256 starts a new series
-- (unless `winnow run --continue`).
CREATE TABLE IF NOT EXISTS dataset_versions (
  pipeline    TEXT NOT NULL,
  version     INTEGER NOT NULL,            -- 1, 2, … per pipeline
  run_id      TEXT NOT NULL,
  series      INTEGER NOT NULL,            -- the version that started this series
  spec_sha256 TEXT NOT NULL,
  path        TEXT NOT NULL,               -- its folder, relative to output.dir: versions/v000002
  created_at  TEXT NOT NULL,
  inputs_new  INTEGER NOT NULL,
  inputs_changed INTEGER NOT NULL,
  docs_in     INTEGER NOT NULL,
  docs_kept   INTEGER NOT NULL,
  docs_superseded INTEGER NOT NULL,        -- earlier versions' kept documents from inputs this version processed again
  PRIMARY KEY (pipeline, version)
);

-- An input whose bytes changed: the run that processed it again, and each earlier run whose documents from it
-- are superseded (no longer part of the dataset).
CREATE TABLE IF NOT EXISTS superseded_inputs (
  run_id      TEXT NOT NULL,
  input       TEXT NOT NULL,
  earlier_run_id TEXT NOT NULL,
  documents   INTEGER NOT NULL,            -- kept documents of the earlier run from this input
  PRIMARY KEY (run_id, input, earlier_run_id)
);

-- `winnow schedule`: per pipeline, when a scheduler last looked (fire times after it are due or missed).
CREATE TABLE IF NOT EXISTS schedule_state (
  pipeline    TEXT PRIMARY KEY,
  spec_path   TEXT NOT NULL,
  cron        TEXT NOT NULL,
  timezone    TEXT NOT NULL,
  last_checked TEXT NOT NULL,              -- ISO 8601 UTC
  last_fired_for TEXT                      -- the fire time of the last scheduled run, with its UTC offset
);

-- What the scheduler did and why: started, fired, caught_up, missed, skipped_running, resumed, lock_taken_over,
-- finished, failed, interrupted.
CREATE TABLE IF NOT EXISTS schedule_events (
  pipeline    TEXT NOT NULL,
  at          TEXT NOT NULL,               -- ISO 8601 UTC
  event       TEXT NOT NULL,
  scheduled_for TEXT,
  run_id      TEXT,
  detail      TEXT
);

-- Finished units of work, so a killed run resumes without redoing them.
-- A finished run's documents counted once, when it finishes (one pass over its rows): per source, status, step,
-- reason and shard. drop_reasons, shard_sources and source_summary read these, so they answer at once however many
-- documents a run has; a run without rows here (running, killed, failed, or finished by an older Winnow) is
-- counted from documents. Kept when `winnow lineage prune` removes the run's document rows.
CREATE TABLE IF NOT EXISTS run_counts (
  run_id      TEXT NOT NULL,
  source      TEXT NOT NULL,
  status      TEXT NOT NULL,               -- kept | dropped | error
  step        TEXT,                        -- dropped: the step; error: 'reader'
  reason      TEXT,
  shard       INTEGER,                     -- kept: the shard
  documents   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS run_counts_run ON run_counts(run_id);

CREATE TABLE IF NOT EXISTS run_tasks (
  run_id      TEXT NOT NULL,
  task        TEXT NOT NULL,               -- stage1/p00003, reduce1, kept/p00003, ...
  finished_at TEXT NOT NULL,
  PRIMARY KEY (run_id, task)
);

-- Why was a document dropped, by which step, with which scores; which run and spec.
CREATE VIEW IF NOT EXISTS document_story AS
  SELECT d.doc_id, d.status, d.step, d.reason, d.annotations, d.dup_of, d.source, d.input, d.line,
         d.shard, coalesce(v.path || '/', '') || s.path AS shard_path, d.position, d.run_id, r.pipeline, r.spec_sha256, r.started_at
  FROM documents d
  JOIN runs r ON r.run_id = d.run_id
  LEFT JOIN shards s ON s.run_id = d.run_id AND s.shard = d.shard
  LEFT JOIN dataset_versions v ON v.run_id = d.run_id;

-- Drop reasons per run and step.
CREATE VIEW IF NOT EXISTS drop_reasons AS
  SELECT run_id, step, reason, sum(documents) AS documents
  FROM run_counts WHERE status = 'dropped'
  GROUP BY run_id, step, reason
  UNION ALL
  SELECT d.run_id, d.step, d.reason, count(*)
  FROM runs r CROSS JOIN documents d ON d.run_id = r.run_id AND d.status = 'dropped'
  WHERE r.run_id NOT IN (SELECT run_id FROM run_counts)
  GROUP BY d.run_id, d.step, d.reason;

-- Documents per run, source and identified language (the `language` step's annotations), kept or not.
CREATE VIEW IF NOT EXISTS language_counts AS
  SELECT run_id, source, json_extract(annotations, '$.language') AS language, count(*) AS documents,
         sum(status = 'kept') AS kept, avg(json_extract(annotations, '$.language_score')) AS mean_score
  FROM documents WHERE json_extract(annotations, '$.language') IS NOT NULL
  GROUP BY run_id, source, language;

-- Which documents from which source ended in which shard, at which position (and the reverse). shard_path is
-- relative to output.dir (an incremental run's shards are in its version folder).
CREATE VIEW IF NOT EXISTS shard_documents AS
  SELECT d.run_id, d.shard, coalesce(v.path || '/', '') || s.path AS shard_path, d.position, d.source, d.doc_id, d.input, d.line
  FROM documents d JOIN shards s ON s.run_id = d.run_id AND s.shard = d.shard
  LEFT JOIN dataset_versions v ON v.run_id = d.run_id
  WHERE d.status = 'kept';

-- Incremental pipelines: the documents of the dataset as it stands — kept documents of every version in each
-- pipeline's current series, less those from inputs a later version processed again.
CREATE VIEW IF NOT EXISTS dataset_documents AS
  SELECT v.pipeline, v.version, d.run_id, d.source, d.doc_id, d.input, d.line, d.shard, v.path || '/' || s.path AS shard_path, d.position
  FROM documents d
  JOIN dataset_versions v ON v.run_id = d.run_id
  JOIN shards s ON s.run_id = d.run_id AND s.shard = d.shard
  WHERE d.status = 'kept'
    AND v.series = (SELECT series FROM dataset_versions c WHERE c.pipeline = v.pipeline ORDER BY version DESC LIMIT 1)
    AND NOT EXISTS (SELECT 1 FROM superseded_inputs x WHERE x.earlier_run_id = d.run_id AND x.input = d.input);

-- Incremental pipelines: what each run (each night) added — inputs, documents kept, documents dropped as
-- duplicates of earlier versions, earlier documents superseded.
CREATE VIEW IF NOT EXISTS version_history AS
  SELECT v.pipeline, v.version, v.series, v.run_id, r.trigger, r.scheduled_for, r.started_at, r.finished_at,
         v.inputs_new, v.inputs_changed, v.docs_in, v.docs_kept, v.docs_superseded,
         (SELECT count(*) FROM documents d WHERE d.run_id = v.run_id AND d.status = 'dropped'
            AND (json_extract(d.annotations, '$.exact_previous_run') OR json_extract(d.annotations, '$.minhash_previous_run'))) AS duplicates_of_earlier
  FROM dataset_versions v JOIN runs r ON r.run_id = v.run_id;

-- Documents per source and shard: which sources fed a shard.
CREATE VIEW IF NOT EXISTS shard_sources AS
  SELECT run_id, shard, source, sum(documents) AS documents
  FROM run_counts WHERE status = 'kept'
  GROUP BY run_id, shard, source
  UNION ALL
  SELECT d.run_id, d.shard, d.source, count(*)
  FROM runs r CROSS JOIN documents d ON d.run_id = r.run_id AND d.status = 'kept'
  WHERE r.run_id NOT IN (SELECT run_id FROM run_counts)
  GROUP BY d.run_id, d.shard, d.source;

-- Documents and tokens per run, source and split (end-of-text tokens not counted).
CREATE VIEW IF NOT EXISTS token_counts AS
  SELECT run_id, source, split, count(*) AS documents, sum(tokens) AS tokens
  FROM document_tokens GROUP BY run_id, source, split;

-- Did we get the mix we asked for: target and achieved shares per source (and per source and bucket), in
-- percentage points apart.
CREATE VIEW IF NOT EXISTS mixture AS
  SELECT run_id, source, bucket, target, achieved, round(100 * (achieved - target), 2) AS off_by_points,
         tokens, documents, epochs, shortfall
  FROM mixture_rows;

-- The funnel per source: read, kept, dropped, bad lines.
CREATE VIEW IF NOT EXISTS source_summary AS
  SELECT run_id, source, sum(documents) AS documents,
         sum(CASE WHEN status = 'kept' THEN documents ELSE 0 END) AS kept,
         sum(CASE WHEN status = 'dropped' THEN documents ELSE 0 END) AS dropped,
         sum(CASE WHEN status = 'error' THEN documents ELSE 0 END) AS errors
  FROM run_counts GROUP BY run_id, source
  UNION ALL
  SELECT d.run_id, d.source, count(*) AS documents,
         sum(d.status = 'kept') AS kept, sum(d.status = 'dropped') AS dropped, sum(d.status = 'error') AS errors
  FROM runs r CROSS JOIN documents d ON d.run_id = r.run_id
  WHERE r.run_id NOT IN (SELECT run_id FROM run_counts)
  GROUP BY d.run_id, d.source;

-- Which inputs each run processed (`change` says why for incremental runs; touched inputs were only looked at).
CREATE VIEW IF NOT EXISTS run_inputs AS
  SELECT r.run_id, r.pipeline, r.status, i.source, i.input, i.size, i.mtime, i.change
  FROM inputs i JOIN runs r ON r.run_id = i.run_id;

-- Runs that did not finish, and where they stopped.
CREATE VIEW IF NOT EXISTS failed_runs AS
  SELECT r.run_id, r.pipeline, r.status, r.error, r.started_at,
         (SELECT max(task) FROM run_tasks t WHERE t.run_id = r.run_id) AS last_finished_task
  FROM runs r WHERE r.status IN ('failed', 'interrupted', 'running', 'abandoned', 'finished_with_errors');

-- The newest finished run of each pipeline, and its documents: queries that should not count every run again.
CREATE VIEW IF NOT EXISTS latest_runs AS
  SELECT r.* FROM runs r
  WHERE r.rowid = (SELECT r2.rowid FROM runs r2 WHERE r2.pipeline = r.pipeline AND r2.status IN ('finished', 'finished_with_errors')
                   ORDER BY r2.started_at DESC, r2.rowid DESC LIMIT 1);

CREATE VIEW IF NOT EXISTS latest_documents AS
  SELECT d.* FROM documents d JOIN latest_runs r ON r.run_id = d.run_id;

CREATE VIEW IF NOT EXISTS latest_drop_reasons AS
  SELECT d.run_id, r.pipeline, d.step, d.reason, d.documents
  FROM latest_runs r JOIN drop_reasons d ON d.run_id = r.run_id;

-- Duplicate clusters: the kept document and the copies dropped in its favour.
CREATE VIEW IF NOT EXISTS duplicate_clusters AS
  SELECT run_id, step, dup_of AS kept_doc_id, count(*) AS duplicates, group_concat(doc_id, ' ') AS duplicate_doc_ids
  FROM documents WHERE dup_of IS NOT NULL
  GROUP BY run_id, step, dup_of;

-- Benchmark items found in documents by a decontaminate step (its `contamination` annotation): one row per
-- document and item, with the n-grams matched; status, step and reason say what became of the document.
CREATE VIEW IF NOT EXISTS contamination AS
  SELECT d.run_id, d.source, d.doc_id, json_extract(b.value, '$.benchmark') AS benchmark, i.key AS item_id, i.value AS ngrams,
         d.status, d.step, d.reason
  FROM documents d, json_each(d.annotations, '$.contamination') b, json_each(b.value, '$.items') i
  WHERE d.annotations LIKE '%"contamination":%';

-- Per run, benchmark and source: items found, documents affected, and words removed from them (all of a dropped
-- document's, those cut out by mode remove; a document with items of two benchmarks counts in both).
CREATE VIEW IF NOT EXISTS contamination_summary AS
  SELECT d.run_id, json_extract(b.value, '$.benchmark') AS benchmark, d.source,
         (SELECT count(DISTINCT c.item_id) FROM contamination c
          WHERE c.run_id = d.run_id AND c.source = d.source AND c.benchmark = json_extract(b.value, '$.benchmark')) AS items_found,
         count(*) AS documents_affected,
         coalesce(sum(json_extract(d.annotations, '$.contamination_removed_tokens')), 0) AS tokens_removed
  FROM documents d, json_each(d.annotations, '$.contamination') b
  WHERE d.annotations LIKE '%"contamination":%'
  GROUP BY d.run_id, json_extract(b.value, '$.benchmark'), d.source;

-- The funnel per step: documents and text bytes in and out, and tokens estimated from the bytes at the run's own
-- tokens per byte of kept text (source_stats.tokens_out over bytes_out; NULL when the run has no tokenizer).
CREATE VIEW IF NOT EXISTS step_funnel AS
  SELECT s.run_id, s.step_index, s.step, s.kind, s.docs_in, s.docs_out, s.dropped, s.bytes_in, s.bytes_out,
         CAST(round(s.bytes_in * t.per_byte) AS INTEGER) AS tokens_in, CAST(round(s.bytes_out * t.per_byte) AS INTEGER) AS tokens_out, s.seconds
  FROM step_stats s
  LEFT JOIN (SELECT run_id, 1.0 * sum(tokens_out) / nullif(sum(bytes_out), 0) AS per_byte FROM source_stats GROUP BY run_id) t ON t.run_id = s.run_id;

-- The funnel per source: read, bad lines, kept; text bytes read and kept; tokens of the kept documents and tokens
-- written to the token shards (the mixture samples or repeats kept documents; end-of-text tokens not counted).
CREATE VIEW IF NOT EXISTS source_funnel AS
  SELECT s.run_id, s.source, s.docs_in, s.errors AS bad_lines, s.docs_out, s.bytes_in, s.bytes_out, s.tokens_out,
         (SELECT sum(t.tokens) FROM document_tokens t WHERE t.run_id = s.run_id AND t.source = s.source) AS tokens_written
  FROM source_stats s;

-- Every numeric value steps annotated documents with (chars, words, language_score, quality scores, …), one row
-- per document and metric: the report's histograms.
CREATE VIEW IF NOT EXISTS annotation_values AS
  SELECT d.run_id, d.source, d.doc_id, d.status, d.step, d.reason, a.key AS metric, a.value AS value
  FROM documents d, json_each(d.annotations) a
  WHERE d.annotations IS NOT NULL AND a.type IN ('integer', 'real');