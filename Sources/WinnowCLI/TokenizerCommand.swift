import ArgumentParser
import Dispatch
import Foundation
import Winnow

struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer", abstract: "Train, use and convert byte-level BPE tokenizers (Hugging Face tokenizer.json).",
        subcommands: [Train.self, Encode.self, Decode.self])

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a byte-level BPE on JSONL documents (.gz/.zst too) or plain text (.txt: one text per line); writes tokenizer.json.")

        @Argument(help: "Input files.") var inputs: [String]
        @Option(help: "Vocabulary size, special tokens and the 256 bytes included.") var vocabSize = 8192
        @Option(help: "A pair must occur at least this often to be merged.") var minFrequency = 2
        @Option(name: .customLong("special"), help: "A special token (repeatable; default <|endoftext|>).") var specials: [String] = []
        @Option(help: "The JSONL field holding the text.") var textField = "text"
        @Flag(help: "Put a space before each text that does not start with one (GPT-2's add_prefix_space).") var addPrefixSpace = false
        @Option(name: .shortAndLong, help: "Where to write the tokenizer.") var output = "tokenizer.json"
        @Option(name: .customLong("threads"), help: "Threads counting words (default: all cores).") var threadCount: Int?
        var threads: Int { threadCount ?? ProcessInfo.processInfo.activeProcessorCount }

        func run() throws {
            let start = Date()
            let specials = self.specials.isEmpty ? ["<|endoftext|>"] : self.specials
            // Count words per input file on `threads` threads, then merge the counts in input order.
            let counts = try BPETrainer.countWords(inputs, field: textField, addPrefixSpace: addPrefixSpace, threads: threads)
            let counted = Date()
            let trainer = BPETrainer(vocabSize: vocabSize, minFrequency: minFrequency, specials: specials, addPrefixSpace: addPrefixSpace)
            let model = try trainer.train(counts.words)
            try Data(TokenizerFile.hfJSON(model).utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            warn(String(format: "%d texts, %.1f MB, %d distinct words counted in %.2f s; %d tokens (%d merges) trained in %.2f s → %@",
                        counts.texts, Double(counts.bytes) / 1e6, counts.words.distinct, counted.timeIntervalSince(start),
                        model.vocabularySize, model.merges.count, Date().timeIntervalSince(counted), output))
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print, for each input line, a JSON array of its token ids on its own line.")

        @Argument(help: "tokenizer.json (or vocab.json with merges.txt beside it).") var tokenizer: String
        @Argument(help: "Input (default: standard input); .gz/.zst are decompressed.") var file: String?
        @Option(help: "Lines are JSON objects: encode this field of each (default: none; each line is text).") var field: String?
        @Flag(help: "Special tokens' text is ordinary text (Hugging Face's encode matches it; shards never do).") var noSpecial = false
        @Option(name: .customLong("threads"), help: "Threads (default: all cores).") var threadCount: Int?
        var threads: Int { threadCount ?? ProcessInfo.processInfo.activeProcessorCount }

        func run() throws {
            let model = try TokenizerFile.load(tokenizer)
            var encoders = (0..<max(1, threads)).map { _ in BPEEncoder(model: model) }
            var batch: [[UInt8]] = []
            let out = FileHandle.standardOutput
            func flush() {
                let lines = batch, special = !noSpecial
                let results = BPEEncoder.encodeAll(count: lines.count, encoders: &encoders) { enc, k in
                    var ids: [Int32] = []
                    lines[k].withUnsafeBufferPointer { enc.encode(bytes: $0, allowSpecial: special, into: &ids) }
                    return ids
                }
                var text: [UInt8] = []
                for ids in results {
                    text.append(0x5B)
                    for (i, id) in ids.enumerated() { if i > 0 { text.append(0x2C) }; text += Array(String(id).utf8) }
                    text += [0x5D, 0x0A]
                }
                out.write(Data(text))
                batch.removeAll(keepingCapacity: true)
            }
            var lineNumber = 0
            try JSONLTexts.forEachLine(file ?? "/dev/stdin") { line in
                lineNumber += 1
                if let field {
                    guard let text = (try? JSONParser.parse(Array(line)))?[field]?.stringValue else {
                        throw fail("\(file ?? "stdin"):\(lineNumber): no \"\(field)\" string (is it a JSON object with that field?)")
                    }
                    batch.append(Array(text.utf8))
                } else {
                    batch.append(Array(line))
                }
                if batch.count >= 8192 { flush() }
            }
            if !batch.isEmpty { flush() }
        }
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the text of each input line's JSON array of ids (the bytes exactly, special tokens as their text).")

        @Argument(help: "tokenizer.json (or vocab.json with merges.txt beside it).") var tokenizer: String
        @Argument(help: "Input (default: standard input).") var file: String?

        func run() throws {
            let model = try TokenizerFile.load(tokenizer)
            var n = 0
            try JSONLTexts.forEachLine(file ?? "/dev/stdin") { line in
                n += 1
                guard let ids = (try? JSONParser.parse(Array(line)))?.arrayValue?.map({ $0.intValue }), !ids.contains(nil),
                      ids.allSatisfy({ $0! >= 0 && $0! < model.vocabularySize }) else {
                    throw fail("\(file ?? "stdin"):\(n): not a JSON array of ids below \(model.vocabularySize)")
                }
                FileHandle.standardOutput.write(Data(model.decode(ids.map { Int32($0!) }) + [0x0A]))
            }
        }
    }
}
