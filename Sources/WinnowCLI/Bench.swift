import ArgumentParser
import Dispatch
import Foundation
import Winnow

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measurement helpers used by bench/.", subcommands: [Floor.self, Words.self, Decide.self, Time.self, Encode.self, Sgemm.self])

    /// A document step built from its spec JSON (`--step`), relative paths against the working directory.
    static func documentStep(_ json: String) throws -> (StepSpec, DocumentStep) {
        let spec = try JSONParser.parse(json).decode(StepSpec.self)
        guard case .document(let s) = try StepRegistry.build(spec, context: StepContext(baseDir: FileManager.default.currentDirectoryPath)) else {
            throw ValidationError("only document steps can be applied one document at a time")
        }
        return (spec, s)
    }

    struct Time: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the texts of a JSONL file, then time one document step over all of them on one thread (best of --repeats); print one JSON line with documents/s and MB/s of input text.")

        @Option(help: "The step, as in a spec: '{\"type\": \"html_extract\"}'.") var step: String
        @Argument(help: "A JSONL file (.gz/.zst too).") var file: String
        @Option(help: "The field holding the text (default: text).") var textField = "text"
        @Option(help: "Passes over the texts; the fastest is reported (default: 3).") var repeats = 3

        func run() throws {
            let (spec, s) = try Bench.documentStep(step)
            let texts = try JSONLTexts.read(file, field: textField)
            let bytes = texts.reduce(0) { $0 + $1.utf8.count }
            var best = Double.infinity, kept = 0
            for _ in 0..<max(1, repeats) {
                kept = 0
                let start = Date()
                for text in texts {
                    var doc = Document(id: "", text: text, source: "")
                    if s.apply(&doc) == .keep { kept += 1 }
                }
                best = min(best, Date().timeIntervalSince(start))
            }
            print(String(format: #"{"tool": "winnow", "what": "%@ alone, 1 thread", "docs": %d, "kept": %d, "mb": %.1f, "wall_s": %.3f, "docs_per_s": %.1f, "mb_per_s": %.2f}"#,
                         spec.type, texts.count, kept, Double(bytes) / 1e6, best, Double(texts.count) / best, Double(bytes) / 1e6 / best))
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the texts of JSONL FILES, then time encoding them all with TOKENIZER on --threads threads; print one JSON line with MB/s, tokens and the SHA-256 of every id (uint32 little-endian, in document order).")

        @Argument(help: "tokenizer.json") var tokenizer: String
        @Argument(help: "JSONL files.") var files: [String]
        @Option(help: "The field holding the text.") var textField = "text"
        @Option(help: "Threads.") var threads = 1

        func run() throws {
            let model = try TokenizerFile.load(tokenizer)
            var texts: [String] = []
            for f in files { try JSONLTexts.forEachText(f, field: textField) { texts.append($0) } }
            let bytes = texts.reduce(0) { $0 + $1.utf8.count }
            let n = max(1, threads)
            var encoders = (0..<n).map { _ in BPEEncoder(model: model) }
            let start = Date()
            let results = BPEEncoder.encodeAll(count: texts.count, encoders: &encoders) { enc, k in enc.encode(texts[k]) }
            let seconds = Date().timeIntervalSince(start)
            var sha = SHA256(), tokens = 0
            for ids in results {
                tokens += ids.count
                ids.map { UInt32(bitPattern: $0).littleEndian }.withUnsafeBytes { sha.update($0) }
            }
            print(String(format: #"{"tool": "winnow", "what": "encode", "threads": %d, "docs": %d, "mb": %.1f, "wall_s": %.3f, "mb_per_s": %.2f, "tokens": %d, "tokens_per_s": %.0f, "ids_sha256": "%@"}"#,
                         n, texts.count, Double(bytes) / 1e6, seconds, Double(bytes) / 1e6 / seconds, tokens, Double(tokens) / seconds, sha.finalize().hex))
        }
    }

    struct Sgemm: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Measure single-precision matrix multiply (OpenBLAS sgemm) GFLOP/s: the machine's peak for the trainer.")
        @Option var size = 1024
        @Option var threads = ProcessInfo.processInfo.activeProcessorCount
        @Option var repeats = 20

        func run() throws {
            setOpenBLASThreads(threads)
            let gflops = sgemmGFLOPs(size: size, repeats: repeats)
            print(String(format: #"{"what": "sgemm", "size": %d, "threads": %d, "gflops": %.1f}"#, size, threads, gflops))
        }
    }

    struct Decide: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply one document step to each JSONL line's text; print one JSON line per document: reason (null when kept) and annotations.")

        @Option(help: "The step, as in a spec: '{\"type\": \"gopher_quality\"}'.") var step: String
        @Argument(help: "A JSONL file (.gz/.zst too).") var file: String
        @Option(help: "The field holding the text.") var textField = "text"

        func run() throws {
            let (_, s) = try Bench.documentStep(step)
            for text in try JSONLTexts.read(file, field: textField) {
                var doc = Document(id: "", text: text, source: "")
                let reason: String
                switch s.apply(&doc) {
                case .keep: reason = "null"
                case .drop(let r): var o = [UInt8](); JSONEscape.appendQuoted(r, to: &o); reason = String(decoding: o, as: UTF8.self)
                }
                var t = [UInt8](); JSONEscape.appendQuoted(doc.text, to: &t)
                print(#"{"reason": \#(reason), "annotations": \#(doc.annotations.json()), "text": \#(String(decoding: t, as: UTF8.self))}"#)
            }
        }
    }

    struct Words: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the words Winnow's word tokenizer finds in each JSONL line's text, as one JSON array per line.")

        @Argument(help: "A JSONL file (.gz/.zst too).") var file: String
        @Option(help: "The field holding the text.") var textField = "text"

        func run() throws {
            for text in try JSONLTexts.read(file, field: textField) {
                var out = [UInt8]()
                out.append(UInt8(ascii: "["))
                for (i, w) in WordTokenizer.english.words(text).enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    JSONEscape.appendQuoted(w, to: &out)
                }
                out.append(UInt8(ascii: "]"))
                print(String(decoding: out, as: UTF8.self))
            }
        }
    }

    struct Floor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read and parse every JSONL line (or WARC/WET record, HTML page, text file) of FILES, decompressing .gz/.zst, and nothing else; print one JSON line.")

        @Argument(help: "Input files.") var files: [String]
        @Option(help: "Worker threads (files are shared out) (default: 1).") var workers = 1
        @Option(help: "The files' source format: jsonl, text, warc, wet, html or parquet (default: jsonl).") var format = "jsonl"

        func run() throws {
            guard let f = SourceSpec.Format(rawValue: format) else { throw ValidationError("--format must be jsonl, text, warc, wet, html or parquet") }
            let r = try ReadFloor.measure(paths: files, workers: workers, format: f)
            print(#"{"what": "read+parse floor", "format": "\#(format)", "workers": \#(workers), "documents": \#(r.documents), "bad_lines": \#(r.badLines), "bytes_on_disk": \#(r.bytesRead), "seconds": \#(String(format: "%.3f", r.seconds)), "docs_per_s": \#(String(format: "%.0f", Double(r.documents) / r.seconds))}"#)
        }
    }
}
