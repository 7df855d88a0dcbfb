import XCTest
@testable import Winnow

/// Native fastText inference against the `fasttext` Python package on the committed fixtures
/// (`Fixtures/fasttext/make_fasttext_parity.py`): the top-1 label of every line and the top-5 probabilities
/// within 1e-4, for lid.176.ftz (from `make setup`) and for four small models the script trained (dense
/// softmax with word bigrams, hierarchical softmax, one-vs-all, and quantized with a quantized output).
final class FastTextTests: XCTestCase {
    private let fixtures = "\(repoRoot)/Tests/WinnowTests/Fixtures/fasttext"

    private func lines(_ name: String) throws -> [JSONValue] {
        try String(decoding: readFileBytes("\(fixtures)/\(name)"), as: UTF8.self).split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    /// Compares one line's predictions; returns a description of the difference, or nil.
    private func compare(_ model: FastTextModel, _ record: JSONValue) -> String? {
        let text = record["text"]!.stringValue!
        let expected = record["top5"]!.arrayValue!.map { ($0.arrayValue![0].stringValue!, $0.arrayValue![1].doubleValue!) }
        let got = model.predict(text, k: 5)
        guard got.count == expected.count else { return "\(got.count) predictions, expected \(expected.count)" }
        if let first = expected.first, got[0].label != first.0 {
            // Only a true tie may reorder the top two.
            let tie = expected.count > 1 && abs(expected[1].1 - first.1) < 1e-6 && got[0].label == expected[1].0
            if !tie { return "top-1 \(got[0].label), expected \(first.0)" }
        }
        for (i, (label, p)) in expected.enumerated() {
            if let mine = got.first(where: { $0.label == label }) {
                if abs(Double(mine.probability) - p) > 1e-4 { return "\(label): \(mine.probability), expected \(p)" }
            } else if abs(Double(got[i].probability) - p) > 1e-4 {
                return "\(label) (\(p)) missing from \(got.map(\.label))"
            }
        }
        return nil
    }

    func testLid176MatchesFastTextOnEveryLine() throws {
        let path = "\(repoRoot)/models/lid.176.ftz"
        guard FileManager.default.fileExists(atPath: path) else {
            return XCTFail("\(path) is missing: run `make setup` (scripts/fetch-models.py places the pinned lid.176.ftz there)")
        }
        let model = try FastTextModel(path: path)
        XCTAssertEqual(model.labels.count, 176)
        XCTAssertTrue(model.isQuantized)
        let records = try lines("lid176_top5.jsonl")
        XCTAssertGreaterThanOrEqual(records.count, 2000)
        var failures = 0
        for r in records {
            if let problem = compare(model, r) {
                failures += 1
                if failures <= 5 { XCTFail("\(r["text"]!.stringValue!.prefix(80).debugDescription): \(problem)") }
            }
        }
        XCTAssertEqual(failures, 0, "\(failures) of \(records.count) lines differ")
    }

    func testSmallTrainedModelsMatchFastText() throws {
        let records = try lines("tiny_top5.jsonl")
        var models: [String: FastTextModel] = [:]
        var failures = 0, checked: [String: Int] = [:]
        for r in records {
            let name = r["model"]!.stringValue!
            if models[name] == nil { models[name] = try FastTextModel(path: "\(fixtures)/\(name)") }
            checked[name, default: 0] += 1
            if let problem = compare(models[name]!, r) {
                failures += 1
                if failures <= 5 { XCTFail("\(name) \(r["text"]!.stringValue!.prefix(80).debugDescription): \(problem)") }
            }
        }
        XCTAssertEqual(checked, ["tiny_softmax.bin": 400, "tiny_hs.bin": 400, "tiny_ova.bin": 400, "tiny_qout.ftz": 400])
        // The quantized one has a quantized output matrix, quantized norms and a pruned dictionary.
        let q = try XCTUnwrap(models["tiny_qout.ftz"])
        XCTAssertTrue(q.isQuantized && q.output.isQuantized)
        XCTAssertGreaterThan(q.dictionary.pruneSize, 0)
        XCTAssertGreaterThanOrEqual(q.labels.count, 300)   // (300 classes, plus "__label__" words the lines contain)
        XCTAssertEqual(models["tiny_hs.bin"]?.args.loss, .hierarchicalSoftmax)
        XCTAssertEqual(models["tiny_softmax.bin"]?.args.loss, .softmax)
        XCTAssertEqual(models["tiny_ova.bin"]?.args.loss, .oneVsAll)
        XCTAssertEqual(models["tiny_softmax.bin"]?.args.wordNgrams, 2)
        XCTAssertEqual(failures, 0)
    }

    func testThresholdAndUnlimitedK() throws {
        let model = try FastTextModel(path: "\(fixtures)/tiny_softmax.bin")
        let all = model.predict("das Haus steht neben dem Fluss", k: -1)
        XCTAssertEqual(all.count, model.labels.count)
        XCTAssertEqual(all.first?.label, "__label__de")
        XCTAssertEqual(all.map(\.probability), all.map(\.probability).sorted(by: >))
        XCTAssertEqual(all.reduce(0) { $0 + Double($1.probability) }, 1.0 + 1e-5 * Double(all.count), accuracy: 1e-3)
        let confident = model.predict("das Haus steht neben dem Fluss", k: -1, threshold: 0.5)
        XCTAssertEqual(confident.map(\.label), ["__label__de"])
        // "" is read as "\n", i.e. the </s> token alone (fastText predicts for it, as the fixture checks);
        // bytes without any token give nothing.
        XCTAssertEqual(model.predict("", k: 1).count, 1)
        XCTAssertEqual(Array("  \t ".utf8).withUnsafeBufferPointer { model.predict(line: $0, k: 1, threshold: 0) }, [])
    }

    /// Every way a model file can be broken fails at load with the file's name, never later.
    func testBrokenModelsFailAtLoadWithAMessage() throws {
        let path = "\(fixtures)/tiny_hs.bin"
        let good = try readFileBytes(path)
        XCTAssertThrowsError(try FastTextModel(path: "/nonexistent/model.bin")) { XCTAssertTrue("\($0)".contains("not found")) }
        var wrong = good
        wrong[0] ^= 0xFF
        XCTAssertThrowsError(try FastTextModel(bytes: wrong, path: "m.bin")) { XCTAssertTrue("\($0)".contains("wrong magic")) }
        var future = good
        future[4] = 13
        XCTAssertThrowsError(try FastTextModel(bytes: future, path: "m.bin")) { XCTAssertTrue("\($0)".contains("unsupported fastText model version 13")) }
        // Truncated anywhere: in the header, the dictionary, either matrix.
        for cut in stride(from: 0, to: good.count, by: max(1, good.count / 997)) {
            XCTAssertThrowsError(try FastTextModel(bytes: Array(good[..<cut]), path: "m.bin"), "cut at \(cut)") {
                XCTAssertTrue("\($0)".hasPrefix("m.bin: "), "\($0)")
            }
        }
        XCTAssertThrowsError(try FastTextModel(bytes: good + [0, 0], path: "m.bin")) { XCTAssertTrue("\($0)".contains("unexpected bytes")) }
    }
}
