import Foundation
import XCTest
@testable import Winnow

/// Winnow's byte-level BPE against Hugging Face `tokenizers` on the committed fixture
/// (`Fixtures/tokenizer/make_tokenizer_parity.py`): a tokenizer HF trained on other text (pseudo-words of the same
/// scripts, 51,342 distinct, for 600 tokens), saved as tokenizer.json and as vocab.json + merges.txt, and HF's ids
/// for 410 multilingual lines, ten of them invalid UTF-8 — words split into several tokens, so merge order decides.
final class TokenizerParityTests: XCTestCase {
    let dir = "\(repoRoot)/Tests/WinnowTests/Fixtures/tokenizer"

    func rows() throws -> [(bytes: [UInt8], ids: [Int32])] {
        var out: [(bytes: [UInt8], ids: [Int32])] = []
        try JSONLTexts.forEachRecord("\(dir)/parity.jsonl") { line, record in
            guard let record, let ids = record["ids"]?.arrayValue?.compactMap(\.intValue) else { return XCTFail("line \(line)") }
            let bytes: [UInt8]
            if let t = record["text"]?.stringValue { bytes = Array(t.utf8) } else {
                let hex = Array(record["hex"]!.stringValue!.utf8)
                bytes = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
            }
            out.append((bytes, ids.map { Int32($0) }))
        }
        return out
    }

    func check(_ model: BPEModel, file: String) throws {
        var enc = BPEEncoder(model: model)
        let rows = try rows()
        XCTAssertEqual(rows.count, 410)
        var same = 0
        for (n, r) in rows.enumerated() {
            var ids: [Int32] = []
            r.bytes.withUnsafeBufferPointer { enc.encode(bytes: $0, allowSpecial: true, into: &ids) }
            if ids == r.ids { same += 1 } else if same + 5 > n { XCTFail("\(file) line \(n + 1): \(ids) != HF \(r.ids)") }
            XCTAssertEqual(model.decode(ids), r.bytes, "round trip, line \(n + 1)")
        }
        XCTAssertEqual(same, rows.count, "\(file): lines with HF's ids")
        // The fixture exercises merge order: the tokenizer was trained on other text, so words split into pieces.
        let words = rows.reduce(0) { $0 + String(decoding: $1.bytes, as: UTF8.self).split(whereSeparator: \.isWhitespace).count }
        let tokens = rows.reduce(0) { $0 + $1.ids.count }
        XCTAssertGreaterThan(Double(tokens) / Double(words), 3, "\(file): \(tokens) tokens for \(words) words")
    }

    func testHuggingFaceTokenizerJSON() throws {
        let model = try TokenizerFile.load("\(dir)/hf_tokenizer.json")
        XCTAssertEqual(model.vocabularySize, 600)
        XCTAssertEqual(model.specialID("<|endoftext|>"), 0)
        try check(model, file: "hf_tokenizer.json")
    }

    func testGPT2VocabAndMerges() throws {
        let model = try TokenizerFile.load("\(dir)/hf-vocab.json", merges: "\(dir)/hf-merges.txt")
        try check(model, file: "hf-vocab.json + hf-merges.txt")
        XCTAssertEqual(model.tokens, try TokenizerFile.load("\(dir)/hf_tokenizer.json").tokens)
    }

    /// Saved by Winnow and read back: the same model (HF reading Winnow's file is checked by bench/tokenizer.sh).
    func testSaveAndLoadKeepsTheModel() throws {
        let model = try TokenizerFile.load("\(dir)/hf_tokenizer.json")
        let path = NSTemporaryDirectory() + "winnow-tok-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TokenizerFile.hfJSON(model).write(toFile: path, atomically: true, encoding: .utf8)
        let again = try TokenizerFile.load(path)
        XCTAssertEqual(again.fingerprint, model.fingerprint)
        try check(again, file: "re-saved")
    }

    /// Any bytes round-trip; special-token text is ordinary text unless allowed.
    func testRoundTripAndSpecials() throws {
        let model = try TokenizerFile.load("\(dir)/hf_tokenizer.json")
        var enc = BPEEncoder(model: model)
        var state: UInt64 = 7
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        for _ in 0..<300 {
            let bytes = (0..<Int(next() % 64)).map { _ in UInt8(truncatingIfNeeded: next()) }
            var ids: [Int32] = []
            bytes.withUnsafeBufferPointer { enc.encode(bytes: $0, into: &ids) }
            XCTAssertEqual(model.decode(ids), bytes)
        }
        XCTAssertTrue(enc.encode("a <|endoftext|> b", allowSpecial: true).contains(0))
        XCTAssertFalse(enc.encode("a <|endoftext|> b").contains(0))
        XCTAssertEqual(model.decode(enc.encode("a <|endoftext|> b")), Array("a <|endoftext|> b".utf8))
    }

    /// Long pieces go through a heap; it merges exactly as the rescanning loop does.
    func testLongPiecesMergeAlikeAndFast() throws {
        let model = try TokenizerFile.load("\(dir)/hf_tokenizer.json")
        var enc = BPEEncoder(model: model)
        for text in try rows().prefix(200).map(\.bytes) where text.count > 1 {
            XCTAssertEqual(enc.mergePiece(text, heapFrom: Int.max), enc.mergePiece(text, heapFrom: 0))
        }
        let word = Array(String(repeating: "abracadabraquickbrownfox", count: 20_000).utf8)   // 480 KB, one piece
        var ids: [Int32] = []   // quadratic merging would not finish this in hours
        word.withUnsafeBufferPointer { enc.encode(bytes: $0, into: &ids) }
        XCTAssertEqual(model.decode(ids), word)
    }

    /// Training is deterministic and its tokenizer encodes what it was trained on compactly.
    func testTrainingIsDeterministic() throws {
        let texts = try rows().compactMap { String(validating: $0.bytes, as: UTF8.self) }
        func train() throws -> BPEModel {
            var counts = BPETrainer.WordCounts()
            for t in texts { counts.add(t) }
            return try BPETrainer(vocabSize: 800, minFrequency: 2).train(counts)
        }
        let a = try train(), b = try train()
        XCTAssertEqual(a.fingerprint, b.fingerprint)
        XCTAssertEqual(a.vocabularySize, 800)
        XCTAssertEqual(a.tokens[0], Array("<|endoftext|>".utf8))
        var enc = BPEEncoder(model: a)
        let ids = enc.encode(texts[0])
        XCTAssertLessThan(ids.count, texts[0].utf8.count / 2)
        XCTAssertEqual(a.decode(ids), Array(texts[0].utf8))
    }
}
