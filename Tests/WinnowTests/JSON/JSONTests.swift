import XCTest
@testable import Winnow

final class JSONTests: XCTestCase {
    func testParsesAndKeepsKeyOrder() throws {
        let v = try JSONParser.parse(#"{"b": 1, "a": [true, null, "x\u00e9\ud83d\ude00"], "c": {"d": -2.5e3}}"#)
        XCTAssertEqual(v.objectValue?.keys, ["b", "a", "c"])
        XCTAssertEqual(v["a"]?.arrayValue?[2], .string("xé😀"))
        XCTAssertEqual(v["c"]?["d"], .number(-2500))
        XCTAssertEqual(JSONWriter.compact(v), #"{"b":1,"a":[true,null,"xé😀"],"c":{"d":-2500}}"#)
        XCTAssertEqual(JSONWriter.canonical(v), #"{"a":[true,null,"xé😀"],"b":1,"c":{"d":-2500}}"#)
    }

    func testCanonicalFormIgnoresWhitespaceAndKeyOrder() throws {
        let a = try JSONParser.parse("{\"x\": 1,\n  \"y\": [1, 2]}")
        let b = try JSONParser.parse(#"{"y":[1,2],"x":1.0}"#)
        XCTAssertEqual(SHA256.hash(JSONWriter.canonical(a)), SHA256.hash(JSONWriter.canonical(b)))
    }

    func testSyntaxErrorsHaveLineAndColumn() {
        XCTAssertThrowsError(try JSONParser.parse("{\n  \"a\": 1,\n  \"b\": tru\n}")) { e in
            let err = e as! JSONParser.SyntaxError
            XCTAssertEqual(err.line, 3)
            XCTAssertEqual(err.column, 8)
        }
        XCTAssertThrowsError(try JSONParser.parse(#"{"a": 1, "a": 2}"#))   // duplicate keys are errors in specs
        XCTAssertThrowsError(try JSONParser.parse(#"["\ud800"]"#))        // lone surrogate
        XCTAssertThrowsError(try JSONParser.parse("[1,]"))
    }

    func testEscapingRoundTripsControlCharacters() throws {
        let s = "tab\there \"quoted\" back\\slash \u{01} line\nend é"
        var out = [UInt8]()
        JSONEscape.appendQuoted(s, to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), #""tab\there \"quoted\" back\\slash \u0001 line\nend é""#)
        XCTAssertEqual(try JSONParser.parse(out), .string(s))
    }

    /// The two-pass writer against a byte-at-a-time one: every ASCII byte at every offset of a 8-byte word, after
    /// text already in the buffer, with multi-byte UTF-8 around it; the empty string.
    func testEscapingMatchesAByteAtATimeWriter() throws {
        func reference(_ s: String) -> [UInt8] {
            var o: [UInt8] = [0x22]
            for b in s.utf8 {
                switch b {
                case 0x22: o += Array(#"\""#.utf8)
                case 0x5C: o += Array(#"\\"#.utf8)
                case 0x0A: o += Array(#"\n"#.utf8)
                case 0x0D: o += Array(#"\r"#.utf8)
                case 0x09: o += Array(#"\t"#.utf8)
                case 0x08: o += Array(#"\b"#.utf8)
                case 0x0C: o += Array(#"\f"#.utf8)
                case ..<0x20: o += Array(String(format: "\\u%04x", b).utf8)
                default: o.append(b)
                }
            }
            return o + [0x22]
        }
        var cases = ["", "a", "日本語、テスト。", "Ação—“aspas”"]
        for b in 0..<0x80 {
            for pad in 0..<9 {
                cases.append(String(repeating: "x", count: pad) + String(UnicodeScalar(UInt8(b))) + "çé中" + String(repeating: "y", count: 9 - pad))
            }
        }
        for s in cases {
            var out: [UInt8] = Array("prefix:".utf8)
            JSONEscape.appendQuoted(s, to: &out)
            XCTAssertEqual(out, Array("prefix:".utf8) + reference(s), s.debugDescription)
            XCTAssertEqual(try JSONParser.parse(Array(out.dropFirst(7))), .string(s))
        }
    }
}

final class DocumentLineParserTests: XCTestCase {
    private func parse(_ line: String, text: String = "text", id: String = "id") -> (DocumentLineParser, DocumentLineParser.Failure?) {
        var p = DocumentLineParser(textField: text, idField: id)
        let bytes = Array(line.utf8)
        let f = bytes.withUnsafeBufferPointer { p.parse($0) }
        return (p, f)
    }

    func testExtractsTextIdAndKeepsOtherFieldsRaw() {
        let (p, f) = parse(#"{"url": "https://x.org/a?b=1", "id": "doc-1", "text": "caf\u00e9 \"ok\"\n\ud83d\ude00", "meta": {"n": [1, 2.5, null]}}"#)
        XCTAssertNil(f)
        XCTAssertEqual(String(decoding: p.text, as: UTF8.self), "café \"ok\"\n😀")
        XCTAssertEqual(String(decoding: p.id, as: UTF8.self), "doc-1")
        XCTAssertEqual(String(decoding: p.metadata, as: UTF8.self), #"{"url":"https://x.org/a?b=1","meta":{"n": [1, 2.5, null]}}"#)
    }

    func testNumericIdAndCustomFields() {
        let (p, f) = parse(#"{"post_id": 1042, "body": "hello"}"#, text: "body", id: "post_id")
        XCTAssertNil(f)
        XCTAssertTrue(p.hasID)
        XCTAssertEqual(String(decoding: p.id, as: UTF8.self), "1042")
        XCTAssertEqual(String(decoding: p.text, as: UTF8.self), "hello")
        XCTAssertTrue(p.metadata.isEmpty)
    }

    func testBadLinesAreClassified() {
        XCTAssertEqual(parse(#"{"id": "a", "text": "unterminated"#).1?.code, "invalid_json")
        XCTAssertEqual(parse(#"{"id": "a", "text": "x"} trailing"#).1?.code, "invalid_json")
        XCTAssertEqual(parse(#"["not", "an object"]"#).1?.code, "invalid_json")
        XCTAssertEqual(parse(#"{"id": "a", "text": "bad \q escape"}"#).1?.code, "invalid_json")
        XCTAssertEqual(parse(#"{"id": "a"}"#).1?.code, "missing_text")
        XCTAssertEqual(parse(#"{"id": "a", "text": 12}"#).1?.code, "text_not_string")
        XCTAssertEqual(parse(#"{"id": ["a"], "text": "x"}"#).1?.code, "id_not_string")
        XCTAssertEqual(parse(#"{"id": "a", "text": "\udc00"}"#).1?.code, "invalid_utf8")
        var p = DocumentLineParser(textField: "text", idField: "id")
        // Invalid UTF-8 in the text is found when the text becomes a String; in the id or metadata, at once.
        let invalid: [UInt8] = Array(#"{"id": "a", "text": "caf"#.utf8) + [0xE9] + Array(#""}"#.utf8)
        XCTAssertNil(invalid.withUnsafeBufferPointer { p.parse($0) })
        guard case .failure(let f) = p.makeText() else { return XCTFail("invalid text accepted") }
        XCTAssertEqual(f.code, "invalid_utf8")
        XCTAssertEqual(f.message, "invalid UTF-8 in the text at byte 3")
        let badMeta: [UInt8] = Array(#"{"id": "a", "text": "ok", "u": "x"#.utf8) + [0xFF] + Array(#""}"#.utf8)
        XCTAssertEqual(badMeta.withUnsafeBufferPointer { p.parse($0) }?.code, "invalid_utf8")
    }

    func testUTF8Validation() {
        func valid(_ b: [UInt8]) -> Bool { b.withUnsafeBufferPointer { UTF8Validation.isValid($0) } }
        XCTAssertTrue(valid(Array("plain ascii that is longer than eight bytes".utf8)))
        XCTAssertTrue(valid(Array("ção 日本語 😀".utf8)))
        XCTAssertFalse(valid([0xC0, 0x80]))              // overlong
        XCTAssertFalse(valid([0xED, 0xA0, 0x80]))        // surrogate
        XCTAssertFalse(valid([0xF4, 0x90, 0x80, 0x80]))  // above U+10FFFF
        XCTAssertFalse(valid([0x61, 0xE2, 0x82]))        // cut short
    }
}
