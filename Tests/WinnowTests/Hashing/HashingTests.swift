import XCTest
@testable import Winnow

final class HashingTests: XCTestCase {
    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hash("").hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hash("abc").hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hex,
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // A million 'a', fed in uneven pieces to exercise buffering.
        var h = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 997)
        var left = 1_000_000
        while left > 0 { let n = min(left, chunk.count); h.update(chunk[0..<n]); left -= n }
        XCTAssertEqual(h.finalize().hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testXXHash64KnownVectors() {
        XCTAssertEqual(XXHash64.hash(""), 0xEF46DB3751D8E999)
        XCTAssertEqual(XXHash64.hash("a"), 0xD24EC4F1A98C6E5B)
        XCTAssertEqual(XXHash64.hash("abc"), 0x44BC2CF5AD770999)
        // Over 32 bytes takes the four-lane path.
        XCTAssertEqual(XXHash64.hash("Nobody inspects the spammish repetition"), 0xFBCEA83C8A378BF1)
    }
}
