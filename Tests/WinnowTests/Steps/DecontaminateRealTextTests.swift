import XCTest
import Foundation
@testable import Winnow

/// `decontaminate` on data this project did not write: the 282 MMLU items lm-evaluation-harness 0.4.13 ships as its
/// chain-of-thought prompts (`make setup` places them in models/evals/mmlu_cot.jsonl, SHA-256 checked) inserted
/// into real English news and web pages from ../shared/corpora, verbatim and changed as leaked text is changed.
/// bench/decont_recall.py measures the same beside datatrove's NGramsDecontFilter.
final class DecontaminateRealTextTests: XCTestCase {
    private static let corpora = "\(repoRoot)/../shared/corpora"
    private static let items = "\(repoRoot)/models/evals/mmlu_cot.jsonl"

    private struct Item { let id, question, choices: String }

    private func loadItems() throws -> [Item] {
        try String(contentsOfFile: Self.items, encoding: .utf8).split(separator: "\n").map { line in
            guard case .object(let o) = try JSONParser.parse(Array(line.utf8)), let id = o["id"]?.stringValue,
                  let q = o["question"]?.stringValue, let c = o["choices"]?.stringValue else { throw CocoaError(.coderReadCorrupt) }
            return Item(id: id, question: q, choices: c)
        }
    }

    /// English documents of 400 characters or more, news first, then web pages.
    private func documents(_ n: Int) throws -> [String] {
        var docs: [String] = []
        for file in ["nltk_abc_news.jsonl.gz", "web_text_trafilatura_naive.jsonl.gz"] where docs.count < n {
            let reader = LineReader(source: try openByteSource(path: "\(Self.corpora)/\(file)"), maxLineBytes: 1 << 26, bufferBytes: 1 << 20)
            try reader.forEachLine { line in
                if case .text(let bytes) = line, case .object(let d) = try JSONParser.parse(Array(bytes)), let t = d["text"]?.stringValue,
                   t.count >= 400, (d["lang"]?.stringValue ?? "en") == "en" {
                    docs.append(t)
                }
                return docs.count < n
            }
        }
        return docs
    }

    private static let kinds = ["verbatim", "upper", "lower", "punctuation", "whitespace", "paragraph"]

    private func perturb(_ text: String, _ kind: String, _ rng: inout SplitMix) -> String {
        func pick(_ options: [String]) -> String { options[Int(rng.next() % UInt64(options.count))] }
        switch kind {
        case "upper": return text.uppercased()
        case "lower": return text.lowercased()
        case "punctuation":
            // Every mark replaced by another, by a dash between spaces, or dropped.
            return text.map { c in c.isLetter || c.isNumber || c.isWhitespace || c == "_" ? String(c) : pick(["", ",", ";", " - ", "!", "?", "...", "…", "「"]) }.joined()
        case "whitespace":
            var out = "", inSpace = false
            for c in text {
                if c.isWhitespace { if !inSpace { out += pick(["  ", "\n", "\t", " \n ", "\r\n", "\u{3000}"]) }; inSpace = true }
                else { out.append(c); inSpace = false }
            }
            return out
        case "paragraph":
            let words = text.split(separator: " ", omittingEmptySubsequences: false)
            let cut = 1 + Int(rng.next() % UInt64(max(1, words.count - 2)))
            return words[..<cut].joined(separator: " ") + "\n\n" + words[cut...].joined(separator: " ")
        default: return text
        }
    }

    func testPublicBenchmarkItemsInRealDocumentsAreFoundAndUntouchedOnesAreNot() throws {
        guard FileManager.default.fileExists(atPath: Self.items) else {
            return XCTFail("\(Self.items) is missing: run `make setup` (scripts/fetch-models.py places the MMLU items there)")
        }
        guard FileManager.default.fileExists(atPath: Self.corpora) else {
            print("DecontaminateRealTextTests: \(Self.corpora) is absent (../shared is not beside the checkout)")
            throw XCTSkip("\(Self.corpora) is absent")
        }
        let items = try loadItems()
        XCTAssertEqual(items.count, 282)
        let docs = try documents(2000)
        XCTAssertEqual(docs.count, 2000)
        let json = #"{"type": "decontaminate", "mode": "annotate", "against": [{"name": "mmlu", "path": "\#(Self.items)", "fields": ["question", "choices", "answer"], "id_field": "id"}]}"#
        guard case .document(let step) = try StepRegistry.build(try JSONParser.parse(json).decode(StepSpec.self), context: StepContext(baseDir: repoRoot)),
              case .document(let remover) = try StepRegistry.build(try JSONParser.parse(json.replacingOccurrences(of: "annotate", with: "remove")).decode(StepSpec.self),
                                                                   context: StepContext(baseDir: repoRoot)) else {
            return XCTFail("decontaminate is not a document step")
        }
        var rng = SplitMix(seed: 24)
        var found: [String: (hit: Int, of: Int)] = [:]
        var falsePositives: [String] = []
        for (k, text) in docs.enumerated() {
            var doc: Document
            if k % 2 == 1 {
                let item = items[(k / 2) % items.count], kind = Self.kinds[(k / 2) % Self.kinds.count]
                let leak = perturb(item.question + "\n" + item.choices, kind, &rng)
                // At a random space of the document, so the item lands mid-sentence.
                let spaces = text.indices.filter { text[$0] == " " }
                let at = spaces.isEmpty ? text.endIndex : spaces[Int(rng.next() % UInt64(spaces.count))]
                doc = Document(id: "\(k)", text: String(text[..<at]) + " " + leak + String(text[at...]), source: "web")
                let r = step.apply(&doc)
                XCTAssertEqual(r, .keep, "annotate keeps")
                var hit = false
                if case .json(let j)? = doc.annotations["contamination"], case .array(let benchmarks) = try JSONParser.parse(j) {
                    for case .object(let b) in benchmarks { if case .object(let ids)? = b["items"], ids[item.id] != nil { hit = true } }
                }
                // `remove` takes the item out (or drops the document): what is left no longer contains the leak.
                var cut = Document(id: doc.id, text: doc.text, source: "web")
                if kind == "verbatim", remover.apply(&cut) == .keep {
                    XCTAssertFalse(cut.text.contains(item.question), "item \(item.id) left in document \(k)")
                }
                found[kind, default: (0, 0)].hit += hit ? 1 : 0
                found[kind, default: (0, 0)].of += 1
            } else {
                doc = Document(id: "\(k)", text: text, source: "web")
                _ = step.apply(&doc)
                if doc.annotations["contamination"] != nil { falsePositives.append(String(text.prefix(120))) }
            }
        }
        let hits = found.values.reduce(0) { $0 + $1.hit }, total = found.values.reduce(0) { $0 + $1.of }
        let recall = Double(hits) / Double(total)
        print("DecontaminateRealTextTests: recall \(hits)/\(total) = \(recall); by perturbation " +
              found.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.hit)/\($0.value.of)" }.joined(separator: ", ") +
              "; false positives \(falsePositives.count)/\(docs.count - total)")
        XCTAssertEqual(total, 1000)
        XCTAssertGreaterThanOrEqual(recall, 0.99)
        for (kind, f) in found { XCTAssertGreaterThanOrEqual(Double(f.hit) / Double(f.of), 0.98, kind) }
        XCTAssertEqual(falsePositives, [], "untouched documents flagged")
    }
}
