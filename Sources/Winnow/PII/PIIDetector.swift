import Foundation

/// One piece of personal data found in a text: UTF-8 byte offsets (end exclusive) and its kind.
public struct PIISpan: Equatable, Sendable {
    public let start: Int
    public let end: Int
    public let kind: String
}

/// A detector: a fast scanner over the UTF-8 bytes that proposes candidates, and a validator (checksum,
/// ranges, lengths) that keeps only real ones.
protocol PIIDetector: Sendable {
    var kind: String { get }
    func find(_ t: UnsafeBufferPointer<UInt8>, into out: inout [PIISpan])
    /// The same, with the text's digit runs found once for all detectors (those that start at a digit read them).
    func find(_ t: UnsafeBufferPointer<UInt8>, digits: DigitIndex, into out: inout [PIISpan])
}

extension PIIDetector {
    func find(_ t: UnsafeBufferPointer<UInt8>, digits: DigitIndex, into out: inout [PIISpan]) { find(t, into: &out) }
}

/// A detector that starts at digits: it reads the shared `DigitIndex` instead of scanning for digits itself.
protocol DigitPIIDetector: PIIDetector {}

extension DigitPIIDetector {
    func find(_ t: UnsafeBufferPointer<UInt8>, into out: inout [PIISpan]) { find(t, digits: DigitIndex(t), into: &out) }
}

/// The maximal runs of ASCII digits in a text, found once (eight bytes at a time while there is none) and shared by
/// the detectors that start at a digit — phones, addresses, cards, SSNs, CPF/CNPJ, IBANs — so the text is scanned
/// for digits once, not once per detector.
struct DigitIndex: Sendable {
    /// Start and end (exclusive) of each run, interleaved.
    private(set) var bounds: [Int] = []
    /// The text's length.
    let count: Int

    init(_ t: UnsafeBufferPointer<UInt8>) {
        count = t.count
        var i = PIIBytes.nextDigit(in: t, from: 0)
        while i < t.count {
            var e = i + 1
            while e < t.count && PIIBytes.isDigit(t[e]) { e += 1 }
            bounds.append(i); bounds.append(e)
            i = PIIBytes.nextDigit(in: t, from: e)
        }
    }

    /// Reads the index forward: `next(from:)` is the offset of the first digit at or after an offset.
    struct Cursor {
        let bounds: [Int]
        let count: Int
        private var k = 0                   // the first run that may end after the last offset asked for

        init(_ index: DigitIndex) { bounds = index.bounds; count = index.count }

        /// The offset of the first ASCII digit at or after `from`, or the text's length: what `PIIBytes.nextDigit`
        /// finds, in amortised constant time while `from` grows.
        @inline(__always) mutating func next(from: Int) -> Int {
            while k > 0 && bounds[2 * k - 1] > from { k -= 1 }
            while 2 * k < bounds.count && bounds[2 * k + 1] <= from { k += 1 }
            return 2 * k < bounds.count ? max(from, bounds[2 * k]) : count
        }

        /// The offset of the next digit at or after `from`, backed up over a `+` or `(` (or both) just before it.
        @inline(__always) mutating func nextOrSign(in t: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
            var k = next(from: from)
            while k > from && (t[k - 1] == 0x2B || t[k - 1] == 0x28) { k -= 1 }
            return k
        }
    }
    func cursor() -> Cursor { Cursor(self) }
}

/// Byte classes the scanners share.
enum PIIBytes {
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isAlpha(b) }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { isDigit(b) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66) }

    /// The digits of t[a..<b], skipping the separators given.
    /// The offset of the next `byte` at or after `from`, or `t.count` (memchr: vectorised in libc).
    @inline(__always) static func next(_ byte: UInt8, in t: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        guard from < t.count, let base = t.baseAddress, let hit = memchr(base + from, Int32(byte), t.count - from) else { return t.count }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    /// The offset of the next ASCII digit at or after `from`, or `t.count`; 8 bytes at a time while none is one.
    @inline(__always) static func nextDigit(in t: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        var i = from
        if let base = t.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
            while i + 8 <= t.count {
                // Bit-twiddling "has a byte between 0x2F and 0x3A exclusive" (bytes ≥ 0x80 never count).
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self), x = w & (ones &* 0x7F)
                let between = ((ones &* (127 + 0x3A)) &- x) & ~w & (x &+ ones &* (127 - 0x2F)) & high
                if between != 0 { i += between.trailingZeroBitCount >> 3; break }
                i += 8
            }
        }
        while i < t.count && !isDigit(t[i]) { i += 1 }
        return i
    }

    /// The scalar whose UTF-8 sequence starts at `i`, and its length; nil for an invalid sequence.
    static func scalar(startingAt i: Int, in t: UnsafeBufferPointer<UInt8>) -> (Unicode.Scalar, Int)? {
        let b = t[i]
        let len = b < 0x80 ? 1 : b & 0xE0 == 0xC0 ? 2 : b & 0xF0 == 0xE0 ? 3 : b & 0xF8 == 0xF0 ? 4 : 0
        guard len > 0, i + len <= t.count else { return nil }
        var v = len == 1 ? UInt32(b) : UInt32(b) & (0x7F >> UInt32(len))
        for k in 1..<len {
            guard t[i + k] & 0xC0 == 0x80 else { return nil }
            v = v << 6 | UInt32(t[i + k] & 0x3F)
        }
        return Unicode.Scalar(v).map { ($0, len) }
    }

    /// The scalar whose UTF-8 sequence ends just before `end`, and its length; nil for an invalid sequence.
    static func scalar(endingAt end: Int, in t: UnsafeBufferPointer<UInt8>) -> (Unicode.Scalar, Int)? {
        var s = end - 1
        while s > 0 && end - s < 4 && t[s] & 0xC0 == 0x80 { s -= 1 }
        guard s >= 0, let (u, len) = scalar(startingAt: s, in: t), s + len == end else { return nil }
        return (u, len)
    }

    static func digits(_ t: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> [Int] {
        var out: [Int] = []
        for i in a..<b where isDigit(t[i]) { out.append(Int(t[i] - 0x30)) }
        return out
    }

    /// Whether a digit or a letter touches the span on either side (then it is part of a longer token).
    static func glued(_ t: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> Bool {
        (a > 0 && isAlnum(t[a - 1])) || (b < t.count && isAlnum(t[b]))
    }

    /// Luhn checksum over digits.
    static func luhn(_ d: [Int]) -> Bool {
        var sum = 0
        for (i, x) in d.reversed().enumerated() { sum += i % 2 == 1 ? (x * 2 > 9 ? x * 2 - 9 : x * 2) : x }
        return sum % 10 == 0
    }
}
