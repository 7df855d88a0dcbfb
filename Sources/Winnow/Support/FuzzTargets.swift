import Foundation

/// The parsers that read outside data, each as one function of arbitrary bytes, for libFuzzer (`bench/fuzz/run.sh
/// TARGET SECONDS`, through the `winnow-fuzz` executable) and for the regression tests that replay its seeds and
/// findings. A target may throw — bad input is expected to be refused with an error —; it must never crash, hang,
/// leak or run out of memory. Inputs that need a file are written to a per-process scratch folder and read back
/// through the same reader a run uses.
public enum FuzzTargets {
    /// Target names, named after what they parse.
    public static let names = ["jsonl", "spec", "fasttext", "tokenizer", "shards", "manifest", "cron", "warc", "html", "parquet", "records"]

    /// Runs target `name` on `data`: true when the parser took it, false when it refused it with an error (which is
    /// its job for bad input).
    @discardableResult
    public static func run(_ name: String, _ data: [UInt8]) -> Bool { refusal(name, data) == nil }

    /// Runs target `name` on `data`; the error it refused the input with, or nil when it took it.
    public static func refusal(_ name: String, _ data: [UInt8]) -> Error? {
        do {
            switch name {
            case "jsonl": try reader(data, file: "in.jsonl", format: "jsonl")
            case "warc": try reader(data, file: "in.warc", format: "warc")
            case "parquet": try reader(data, file: "in.parquet", format: "parquet")
            case "spec": try spec(data)
            case "fasttext":
                let model = try FastTextModel(bytes: data, path: "fuzz.ftz")
                _ = model.predict("fuzzing the model with a sentence", k: 3)
            case "tokenizer": try tokenizer(data)
            case "shards": try shards(data)
            case "manifest": try manifest(data)
            case "cron": try cron(data)
            case "html": try html(data)
            case "records": try records(data)
            default: preconditionFailure("no fuzz target \(name); targets: \(names.joined(separator: ", "))")
            }
            return nil
        } catch {
            return error
        }
    }

    /// The scratch folder of this process.
    static let scratch: String = {
        let d = NSTemporaryDirectory() + "winnow-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    private static func write(_ data: [UInt8], _ name: String) throws -> String {
        let path = "\(scratch)/\(name)"
        try Data(data).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// An input file through the reader a run uses for its format, every item read.
    private static func reader(_ data: [UInt8], file: String, format: String) throws {
        let path = try write(data, file)
        let source = try JSONDecoder().decode(SourceSpec.self, from: Data(#"{"name": "s", "paths": ["x"], "format": "\#(format)"}"#.utf8))
        let p = Partition(index: 0, sourceIndex: 0, path: path, input: file, offset: 0, length: nil, firstLine: 1, diskBytes: Int64(data.count))
        try InputReader(partition: p, source: source, displayPath: file, maxLineBytes: 1 << 20).read { _ in }
    }

    /// A pipeline spec: parsed, validated against the schema, and built (its steps too), without reading inputs.
    private static func spec(_ data: [UInt8]) throws {
        let json = try JSONParser.parse(data)
        _ = try PipelineLoader.load(json: json, specPath: "\(scratch)/spec.json", checkInputs: false)
    }

    /// A `tokenizer.json` (input starting with `{`), else a merges file beside a GPT-2 vocabulary (the 256 bytes and
    /// what the seeds' merges make); the model encodes and decodes a sentence in several scripts.
    private static func tokenizer(_ data: [UInt8]) throws {
        if data.first(where: { !Chars.isSpace(UInt32($0)) }) == UInt8(ascii: "{") {
            exercise(try TokenizerFile.loadHF(try write(data, "tokenizer.json")))
        } else {
            let merges = try write(data, "merges.txt")
            let vocab = try write(Array(smallVocabulary.utf8), "vocab.json")
            exercise(try TokenizerFile.load(vocab, merges: merges))
        }
    }

    /// A byte-level vocabulary: the 256 bytes, then `ab`, ` a`, `abc`, `ã` and `ão` as GPT-2 spells them.
    private static let smallVocabulary: String = {
        var tokens = (0..<256).map { ByteLevel.encode([UInt8($0)]) }
        tokens += [Array("ab".utf8), Array(" a".utf8), Array("abc".utf8), Array("ã".utf8), Array("ão".utf8)].map { ByteLevel.encode($0) }
        var out = [UInt8]("{".utf8)
        for (id, t) in tokens.enumerated() {
            if id > 0 { out += Array(", ".utf8) }
            JSONEscape.appendQuoted(t, to: &out)
            out += Array(": \(id)".utf8)
        }
        return String(decoding: out + Array("}".utf8), as: UTF8.self)
    }()

    /// A tokenizer a shard folder can name: that vocabulary, its merges, and an end-of-text token.
    private static let smallTokenizer: String = {
        let vocab = String(smallVocabulary.dropLast()) + #", "<|endoftext|>": 261}"#
        let pairs: [([UInt8], [UInt8])] = [(Array("a".utf8), Array("b".utf8)), (Array(" ".utf8), Array("a".utf8)), (Array("ab".utf8), Array("c".utf8)),
                                            ([0xC3], [0xA3]), (Array("ã".utf8), Array("o".utf8))]
        let merges = pairs.map { l, r -> String in
            var q = [UInt8](); JSONEscape.appendQuoted(ByteLevel.encode(l) + " " + ByteLevel.encode(r), to: &q)
            return String(decoding: q, as: UTF8.self)
        }
        return #"{"version": "1.0", "added_tokens": [{"id": 261, "content": "<|endoftext|>", "special": true}], "pre_tokenizer": {"type": "ByteLevel"}, "#
            + #""model": {"type": "BPE", "vocab": \#(vocab), "merges": [\#(merges.joined(separator: ", "))]}}"#
    }()

    private static func exercise(_ m: BPEModel) {
        var e = BPEEncoder(model: m)
        let ids = e.encode("Olá, mundo! abc ab 東京 \u{1F642}")
        _ = m.decode(ids.filter { $0 >= 0 && Int($0) < m.tokens.count })
    }

    /// llm.c token shard bytes (header and tokens) read as the trainer reads a run's shards, beside a manifest.
    private static func shards(_ data: [UInt8]) throws {
        let dir = "\(scratch)/shards"
        try FileManager.default.createDirectory(atPath: "\(dir)/llmc", withIntermediateDirectories: true)
        _ = try write(data, "shards/llmc/train-00000.bin")
        _ = try write(Array(smallTokenizer.utf8), "shards/tokenizer.json")
        _ = try write(Array(#"{"tokens": {"shards": [{"format": "llmc", "split": "train", "files": [{"path": "llmc/train-00000.bin"}]}]}}"#.utf8), "shards/manifest.json")
        let stream = try TokenStream(dir: dir, split: "train")
        for _ in 0..<3 { _ = stream.next(18, advance: 16) }
        _ = try ShardInspector(dir: dir).inspect()
    }

    /// A run's `manifest.json` as `winnow shards inspect` and the trainer read it (beside one small valid shard and
    /// a tokenizer).
    private static func manifest(_ data: [UInt8]) throws {
        let dir = "\(scratch)/manifest"
        try FileManager.default.createDirectory(atPath: "\(dir)/llmc", withIntermediateDirectories: true)
        var shard = [UInt8](repeating: 0, count: 1024)
        for (k, v) in [(0, 20240520 as Int32), (1, 1), (2, 64)] { withUnsafeBytes(of: v.littleEndian) { shard.replaceSubrange(4 * k..<4 * k + 4, with: $0) } }
        shard += (0..<128).map { UInt8($0 % 50) }
        _ = try write(shard, "manifest/llmc/train-00000.bin")
        _ = try write(data, "manifest/manifest.json")
        _ = try write(Array(smallTokenizer.utf8), "manifest/tokenizer.json")
        _ = try ShardInspector(dir: dir).inspect()
        // The shards it lists may not be here: the trainer's reading of it is exercised, its refusal not counted.
        if let stream = try? TokenStream(dir: dir, split: "train") { _ = stream.next(18, advance: 16) }
    }

    /// A cron expression and its next fire times.
    private static func cron(_ data: [UInt8]) throws {
        let c = try CronSchedule(String(decoding: data, as: UTF8.self), timeZone: TimeZone(identifier: "America/Sao_Paulo")!)
        _ = c.fireTimes(after: Date(timeIntervalSince1970: 1_700_000_000), through: Date(timeIntervalSince1970: 1_700_000_000 + 86_400 * 400), limit: 50)
    }

    /// HTML through `html_extract`'s parser and main-content extraction.
    private static let extract: DocumentStep? = {
        guard let spec = try? JSONParser.parse(#"{"type": "html_extract"}"#).decode(StepSpec.self),
              case .document(let s)? = try? StepRegistry.build(spec) else { return nil }
        return s
    }()

    private static func html(_ data: [UInt8]) throws {
        guard let extract else { throw FileError("html_extract", "the step did not build") }
        var d = Document(id: "f", text: String(decoding: data, as: UTF8.self), source: "s")
        _ = extract.apply(&d)
    }

    /// The records stages pass each other (work files), through every record type's reader.
    /// Taken when one record type reads the file whole.
    private static func records(_ data: [UInt8]) throws {
        let path = try write(data, "records.bin")
        let readers: [() throws -> Void] = [
            { try WorkFile.StagedDoc.forEach(path) { _ in } }, { try WorkFile.BarrierKey.forEach(path) { _ in } },
            { try WorkFile.Decision.forEach(path) { _ in } }, { try WorkFile.KeptMeta.forEach(path) { _ in } },
            { try WorkFile.ShardListEntry.forEach(path) { _ in } }, { try WorkFile.BucketHit.forEach(path) { _ in } },
            { try WorkFile.EncodedDoc.forEach(path) { _ in } }, { try WorkFile.ShardAnnotations.forEach(path) { _ in } },
        ]
        var read = false
        for r in readers { if (try? r()) != nil { read = true } }
        guard read else { throw FileError(path, "no record type reads it") }
    }
}
