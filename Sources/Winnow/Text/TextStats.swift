/// Counting on UTF-8 bytes, without building characters.
public enum TextStats {
    /// Unicode scalars and whitespace-separated words of `text` in one pass over its UTF-8 bytes.
    public static func charsAndWords(_ text: String) -> (chars: Int, words: Int) {
        var t = text
        return t.withUTF8 { charsAndWords($0) }
    }

    /// Byte classes: 0 starts a non-space character, 1 is ASCII whitespace, 2 is a UTF-8 continuation
    /// byte, 3 leads a sequence that may be a Unicode space (C2, E1, E2, E3).
    private static let byteClass: [UInt8] = (0..<256).map { b in
        if b == 0x20 || (0x09...0x0D).contains(b) { return 1 }
        if b & 0xC0 == 0x80 { return 2 }
        if [0xC2, 0xE1, 0xE2, 0xE3].contains(b) { return 3 }
        return 0
    }

    /// Scalars = bytes that are not UTF-8 continuation bytes; a word starts at a non-space after a space.
    /// Whitespace is Unicode White_Space, matched on its UTF-8 bytes without decoding. Branch-free except
    /// for the few lead bytes of non-ASCII spaces.
    public static func charsAndWords(_ p: UnsafeBufferPointer<UInt8>) -> (chars: Int, words: Int) {
        let n = p.count
        var continuation = 0, words = 0
        var prevSpace = 1
        byteClass.withUnsafeBufferPointer { table in
            var i = 0
            let base = UnsafeRawPointer(p.baseAddress)
            while i < n {
                if i + 8 <= n, let base {
                    let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    let lo: UInt64 = 0x0101_0101_0101_0101, hi: UInt64 = 0x8080_8080_8080_8080, low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
                    if w & hi == 0 {
                        // Eight ASCII bytes: exact per-byte "is space" flags (0x20, or 0x09...0x0D), gathered
                        // into an 8-bit mask; a word starts at each non-space whose previous byte is a space.
                        let x = w ^ (lo &* 0x20)
                        let is20 = ~(((x & low7) &+ low7) | x | low7)
                        let inRange = (w &+ lo &* (0x80 - 0x09)) & ~(w &+ lo &* (0x80 - 0x0E)) & hi
                        let flags = (is20 | inRange) >> 7
                        let m = Int((flags &* 0x0102_0408_1020_4080) >> 56)
                        let starts = ~m & ((m << 1) | prevSpace) & 0xFF
                        words += starts.nonzeroBitCount
                        prevSpace = (m >> 7) & 1
                        i += 8
                        continue
                    }
                }
                let b = p[i]
                var t = Int(table[Int(b)])
                if t == 3 {
                    var space = false
                    switch b {
                    case 0xC2: space = i + 1 < n && (p[i + 1] == 0x85 || p[i + 1] == 0xA0)
                    case 0xE1: space = i + 2 < n && p[i + 1] == 0x9A && p[i + 2] == 0x80
                    case 0xE2:
                        if i + 2 < n {
                            let c1 = p[i + 1], c2 = p[i + 2]
                            space = (c1 == 0x80 && (c2 <= 0x8A || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF)) || (c1 == 0x81 && c2 == 0x9F)
                        }
                    default: space = i + 2 < n && p[i + 1] == 0x80 && p[i + 2] == 0x80
                    }
                    t = space ? 1 : 0
                }
                let cont = t >> 1            // 1 for a continuation byte
                let sp = t & 1               // 1 for whitespace
                let notCont = 1 - cont
                words += prevSpace & (1 - sp) & notCont
                prevSpace = (prevSpace & cont) | (sp & notCont)
                continuation += cont
                i += 1
            }
        }
        return (n - continuation, words)
    }

    /// White_Space characters outside ASCII (Unicode PropList).
    @inline(__always) static func isUnicodeSpace(_ v: UInt32) -> Bool {
        switch v {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }
}
