#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The punctuation sets the reference filters use, so their ratios carry over.
public enum Punctuation {
    /// Sentence-terminal punctuation as datatrove's `TERMINAL_PUNCTUATION` (Unicode's Sentence_Terminal,
    /// 15.0): Swift's property, adjusted for the characters where the Unicode versions differ.
    static let terminal: Set<UInt32> = {
        var s = Set<UInt32>()
        for v in 0...0x1FFFF as ClosedRange<UInt32> {
            if let u = Unicode.Scalar(v), u.properties.isSentenceTerminal { s.insert(v) }
        }
        s.formUnion([0x17D6, 0x17D9, 0x17DA])
        s.subtract([0x16D6E, 0x16D6F, 0x2CF9, 0x2CFA, 0x2CFB, 0x1B4E, 0x1B4F, 0x1B7F, 0x113D4, 0x113D5, 0xFE12, 0xFE15, 0xFE16, 0x2024])
        return s
    }()

    /// The characters spaCy's sentencizer ends sentences at: `terminal` less the ones added after it was written.
    static let sentenceEnders: Set<UInt32> = terminal.subtracting([
        0x10F55, 0x10F56, 0x10F57, 0x10F58, 0x10F59, 0x10F86, 0x10F87, 0x10F88, 0x10F89, 0x11944, 0x11946, 0x11EF7,
        0x11EF8, 0x11F43, 0x11F44, 0x16E98, 0x17D4, 0x17D5, 0x17D6, 0x17D9, 0x17DA, 0x1B7D, 0x1B7E, 0x2E53, 0x2E54,
        0x61D, 0x61E, 0x837, 0x839, 0x83D, 0x83E,
    ])

    /// datatrove's `PUNCTUATION_SET`: a fixed list of ASCII, CJK and full-width punctuation and symbols, the
    /// C0/C1 control characters (except tab, newline and carriage return), and `terminal`.
    /// Whether `word` has a character outside `symbols` (datatrove's test for a word that is not only
    /// punctuation); ASCII letters and digits answer at once.
    static func hasNonSymbol(_ word: String) -> Bool {
        for b in word.utf8 {
            if b >= 0x80 { return word.unicodeScalars.contains { !symbols.contains($0.value) } }
            if !asciiSymbol[Int(b)] { return true }
        }
        return false
    }
    private static let asciiSymbol: [Bool] = (0..<128).map { symbols.contains(UInt32($0)) }

    static let symbols: Set<UInt32> = {
        var s = Set("!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»".unicodeScalars.map(\.value))
        for r in [0..<9, 11..<13, 13..<32, 127..<160] as [Range<UInt32>] { s.formUnion(r) }
        return s.union(terminal)
    }()

    /// Whether `text` ends with a sentence-terminal character.
    static func endsWithTerminal(_ text: Substring) -> Bool {
        guard let last = text.unicodeScalars.last else { return false }
        return terminal.contains(last.value)
    }
}

extension Unicode.Scalar {
    /// Python's `str.isspace()`.
    var isPythonSpace: Bool { Chars.isSpace(value) }
}

extension StringProtocol {
    /// Python's `str.strip()` (whitespace as `str.isspace`).
    func pythonStripped() -> Substring {
        let u = Substring(self).unicodeScalars
        guard let first = u.firstIndex(where: { !$0.isPythonSpace }) else { return Substring("") }
        let last = u.lastIndex(where: { !$0.isPythonSpace })!
        return Substring(u[first...last])
    }

    /// Python's `str.lstrip()`.
    func pythonLeftStripped() -> Substring {
        let u = Substring(self).unicodeScalars
        guard let first = u.firstIndex(where: { !$0.isPythonSpace }) else { return Substring("") }
        return Substring(u[first...])
    }

    /// Python's `str.rstrip()`.
    func pythonRightStripped() -> Substring {
        let u = Substring(self).unicodeScalars
        guard let last = u.lastIndex(where: { !$0.isPythonSpace }) else { return Substring("") }
        return Substring(u[...last])
    }

    /// Python's `startswith`, on Unicode scalars (a combining mark after the prefix does not hide it).
    func scalarsStart(with prefix: String) -> Bool { unicodeScalars.starts(with: prefix.unicodeScalars) }

    /// Python's `endswith`, on Unicode scalars.
    func scalarsEnd(with suffix: String) -> Bool { unicodeScalars.reversed().starts(with: suffix.unicodeScalars.reversed()) }

    /// Whether `needle` occurs in the text, compared byte for byte (code points, as Python's `in`).
    func containsBytes(_ needle: String) -> Bool { withBytes(needle, ByteSearch.contains) }

    /// `body` over the UTF-8 bytes of the text and of `needle` (a copy only when the text is not contiguous).
    private func withBytes<T>(_ needle: String, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> T) -> T {
        var n = needle
        return n.withUTF8 { nb in
            if let r = utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0), UnsafeRawBufferPointer(nb)) }) { return r }
            return Array(utf8).withUnsafeBytes { body($0, UnsafeRawBufferPointer(nb)) }
        }
    }

    /// Length in Unicode scalars (Python's `len`): UTF-8 bytes that start a scalar.
    var scalarCount: Int {
        if let n = utf8.withContiguousStorageIfAvailable({ UTF8Counts.scalars($0) }) { return n }
        var n = 0
        for b in utf8 where b & 0xC0 != 0x80 { n += 1 }
        return n
    }

    /// Non-overlapping occurrences of `needle` (Python's `str.count`). UTF-8 is self-synchronising, so
    /// counting on bytes equals counting on scalars.
    func occurrences(of needle: String) -> Int { withBytes(needle, UTF8Counts.occurrences) }

    /// Whether any scalar is a letter (Python's `any(c.isalpha() for c in s)`), with an ASCII fast path.
    var containsLetter: Bool {
        var nonASCII = false
        for b in utf8 {
            if (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A { return true }
            if b >= 0x80 { nonASCII = true }
        }
        return nonASCII && unicodeScalars.contains { $0.isLetter }
    }
}

enum UTF8Counts {
    static func scalars(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        var n = 0
        for x in b where x & 0xC0 != 0x80 { n += 1 }
        return n
    }

    static func occurrences(_ hay: UnsafeRawBufferPointer, _ needle: UnsafeRawBufferPointer) -> Int {
        let m = needle.count, n = hay.count
        guard m > 0, n >= m, let h = hay.baseAddress, let nd = needle.baseAddress else { return 0 }
        let first = Int32(needle[0])
        var count = 0, i = 0
        while i <= n - m {
            guard let p = memchr(h + i, first, n - m - i + 1) else { break }
            let at = h.distance(to: UnsafeRawPointer(p))
            if memcmp(h + at, nd, m) == 0 { count += 1; i = at + m } else { i = at + 1 }
        }
        return count
    }
}

enum ByteSearch {
    /// Whether `needle` occurs in `hay` (memchr for the first byte, then a compare).
    static func contains(_ hay: UnsafeRawBufferPointer, _ needle: UnsafeRawBufferPointer) -> Bool {
        guard let nb = needle.baseAddress, needle.count > 0 else { return true }
        guard let hb = hay.baseAddress, hay.count >= needle.count else { return false }
        let first = Int32(needle[0])
        var p = hb
        let last = hb + (hay.count - needle.count)
        while p <= last {
            guard let hit = memchr(p, first, last - p + 1) else { return false }
            if memcmp(hit, nb, needle.count) == 0 { return true }
            p = UnsafeRawPointer(hit) + 1
        }
        return false
    }
}

/// A set of 64-bit hashes with linear probing (the hashes are already uniform, so no re-hashing).
struct HashSet64 {
    private var slots: [UInt64]
    private var used: [Bool]
    private let mask: Int

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: size)
        used = [Bool](repeating: false, count: size)
        mask = size - 1
    }

    /// Inserts `h`; false if it was already there.
    @inline(__always) mutating func insert(_ h: UInt64) -> Bool {
        var j = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
        while used[j] {
            if slots[j] == h { return false }
            j = (j + 1) & mask
        }
        used[j] = true
        slots[j] = h
        return true
    }
}
