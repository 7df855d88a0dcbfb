import XCTest
@testable import Winnow

/// `winnow sample` streams tokens; a token may end inside a character. The chunker writes only whole characters
/// and loses nothing.
final class UTF8ChunkerTests: XCTestCase {
    func testCharactersCutBetweenTokensAreWrittenWhole() {
        let text = "Ação — 日本語、テスト。😀 ok"
        let bytes = Array(text.utf8)
        // Every way of cutting the bytes into pieces of 1…5 bytes.
        for size in 1...5 {
            var c = UTF8Chunker()
            var out: [UInt8] = []
            var i = 0
            while i < bytes.count {
                let piece = Array(bytes[i..<min(bytes.count, i + size)])
                let ready = c.add(piece)
                XCTAssertNotNil(String(validating: ready, as: UTF8.self), "piece size \(size): a chunk ends inside a character")
                out += ready
                i += size
            }
            out += c.finish()
            XCTAssertEqual(out, bytes, "piece size \(size)")
        }
        // A complete character is written at once, not held back.
        var c = UTF8Chunker()
        XCTAssertEqual(c.add(Array("é".utf8)), Array("é".utf8))
        XCTAssertEqual(c.add([0xE6, 0x97]), [])
        XCTAssertEqual(c.add([0xA5, 0x41]), Array("日A".utf8))
        XCTAssertEqual(c.add([0xF0, 0x9F]), [])
        XCTAssertEqual(c.finish(), [0xF0, 0x9F])
    }
}

/// `winnow train`'s flags override only what they give (the merge lives in the library now).
final class TrainOverridesTests: XCTestCase {
    func testOnlyGivenSettingsChange() {
        var base = TrainConfig()
        base.layers = 6; base.learningRate = 3e-4; base.steps = 500
        var o = TrainOverrides()
        XCTAssertEqual(o.applied(to: base), base)
        o.layers = 2; o.learningRate = 1e-3; o.seed = 7
        let c = o.applied(to: base)
        XCTAssertEqual(c.layers, 2); XCTAssertEqual(c.learningRate, 1e-3); XCTAssertEqual(c.seed, 7)
        XCTAssertEqual(c.steps, 500); XCTAssertEqual(c.heads, base.heads); XCTAssertEqual(c.dModel, base.dModel)
    }
}
