/// Splits text into words the way datatrove's English word tokenizer does (spaCy's rule-based English
/// tokenizer, `spacy.blank("en")`), so Gopher/C4/FineWeb thresholds mean the same as there:
/// whitespace first; then, repeatedly, a prefix (opening punctuation, quotes, currency, symbols) and a
/// suffix (closing punctuation, quotes, `'s`, units and currency after a number, a final period after a
/// lower-case letter, digit or two capitals) are cut off; then infixes split the rest (runs of dots, `…`,
/// symbols, hyphens and `,` between letters, `.` between a lower- and an upper-case letter, `:<>=/`
/// before a letter, `+-*^` between digits). Special cases keep or split whole chunks: English
/// contractions (`don't` → `do` `n't`, `I'm` → `I` `'m`, `gonna` → `gon` `na`), common abbreviations
/// (`Mr.`, `e.g.`, `Jan.`, `N.Y.`, single letters with a period), times (`5pm` → `5` `pm`), and URLs stay
/// whole. The rules are written from spaCy's documented behaviour; the character classes and special cases
/// are spaCy's own, generated into `SpacyTables` (`scripts/gen_spacy_tables.py`).
///
/// Text in scripts without spaces (CJK, Thai) comes out as long chunks, as with datatrove's English
/// tokenizer; `UnspacedScripts` splits them further for the steps that ask (`segment_unspaced`).
public struct WordTokenizer: Sendable {
    public static let english = WordTokenizer()

    /// The words of `text`, in order, without whitespace tokens.
    public func words(_ text: String) -> [String] {
        var t = text
        return t.withUTF8 { wordsFromUTF8($0) }
    }

    /// The byte-level driver: chunks are found on UTF-8 bytes; a chunk of ASCII letters (most words) becomes
    /// a String straight from its bytes; any other chunk is decoded to scalars for the affix rules.
    func wordsFromUTF8(_ p: UnsafeBufferPointer<UInt8>) -> [String] {
        var out: [String] = []
        out.reserveCapacity(p.count / 5)
        var scalars: [Unicode.Scalar] = []
        var i = 0
        let n = p.count
        var start = 0
        func flush(_ end: Int) {
            guard end > start else { return }
            let chunk = UnsafeBufferPointer(rebasing: p[start..<end])
            @inline(__always) func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
            let last = chunk[chunk.count - 1]
            if chunk.allSatisfy(isLetter) {
                if chunk.count <= Specials.longestKey, let special = Specials.tokens(forASCII: chunk) { out += special }
                else { out.append(String(decoding: chunk, as: UTF8.self)) }
            } else if chunk.count >= 2, chunk.dropLast().allSatisfy(isLetter),
                      last == 0x2C || last == 0x3B || last == 0x3A || last == 0x21 || last == 0x3F
                        || (last == 0x2E && Self.periodSplits(chunk)),
                      Specials.tokens(forASCII: chunk) == nil,
                      Specials.tokens(forASCII: UnsafeBufferPointer(rebasing: chunk[0..<(chunk.count - 1)])) == nil {
                // Letters and one closing mark ("word," "word." "Why?"): the mark is a suffix. (A special
                // case before the mark goes the slow way: "id." is "i" "d." after the special-case matcher.)
                let word = UnsafeBufferPointer(rebasing: chunk[0..<(chunk.count - 1)])
                out.append(String(decoding: word, as: UTF8.self))
                out.append(String(decoding: UnsafeBufferPointer(rebasing: chunk[(chunk.count - 1)...]), as: UTF8.self))
            } else {
                scalars.removeAll(keepingCapacity: true)
                for u in String(decoding: chunk, as: UTF8.self).unicodeScalars { scalars.append(u) }
                tokenize(scalars, into: &out)
            }
        }
        while i < n {
            let b = p[i]
            var spaceLength = 0
            if b < 0x80 {
                if b == 0x20 || (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x1F) { spaceLength = 1 }
            } else if b == 0xC2, i + 1 < n, p[i + 1] == 0x85 || p[i + 1] == 0xA0 {
                spaceLength = 2
            } else if b == 0xE1, i + 2 < n, p[i + 1] == 0x9A, p[i + 2] == 0x80 {
                spaceLength = 3
            } else if b == 0xE2, i + 2 < n {
                let c1 = p[i + 1], c2 = p[i + 2]
                if (c1 == 0x80 && (c2 <= 0x8A || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF)) || (c1 == 0x81 && c2 == 0x9F) { spaceLength = 3 }
            } else if b == 0xE3, i + 2 < n, p[i + 1] == 0x80, p[i + 2] == 0x80 {
                spaceLength = 3
            }
            if spaceLength > 0 {
                flush(i)
                i += spaceLength
                start = i
            } else {
                i += 1
            }
        }
        flush(n)
        return out
    }

    /// Whether a final period after ASCII letters is cut off: after a lower-case letter, or two capitals.
    @inline(__always) static func periodSplits(_ chunk: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = chunk.count
        let p = chunk[n - 2]
        if p >= 0x61 && p <= 0x7A { return true }
        return n >= 3 && p >= 0x41 && p <= 0x5A && chunk[n - 3] >= 0x41 && chunk[n - 3] <= 0x5A
    }

    /// The scalar-level driver (kept for reference in tests).
    func wordsFromScalars(_ text: String) -> [String] {
        var out: [String] = []
        var chunk: [Unicode.Scalar] = []
        chunk.reserveCapacity(64)
        for u in text.unicodeScalars {
            if Chars.isSpace(u.value) {
                if !chunk.isEmpty { tokenize(chunk, into: &out); chunk.removeAll(keepingCapacity: true) }
            } else {
                chunk.append(u)
            }
        }
        if !chunk.isEmpty { tokenize(chunk, into: &out) }
        return out
    }

    // MARK: - One whitespace-free chunk

    func tokenize(_ chunk: [Unicode.Scalar], into out: inout [String]) {
        // Fast path: a run of ASCII letters (most words) is one token unless it is a special case
        // ("dont", "cannot", "im"); digits go the slow way (units, times).
        if chunk.allSatisfy({ ($0.value | 0x20) >= 0x61 && ($0.value | 0x20) <= 0x7A }) {
            if let special = Specials.tokens(for: chunk[...]) { out += special } else { out.append(makeString(chunk[...])) }
            return
        }
        let pieces = affixSplit(chunk, specials: true)
        if pieces.count < 2 { out += pieces; return }
        out += rejoinSpecials(pieces)
    }

    /// spaCy's special-case matcher on a chunk's pieces: every run of pieces equal to a special case's
    /// affix-split pattern is a match; matches are taken longest first, then leftmost, without overlaps, and
    /// each is replaced by the special case's tokens.
    func rejoinSpecials(_ pieces: [String]) -> [String] {
        var matches: [(start: Int, count: Int, tokens: [String])] = []
        for i in pieces.indices {
            guard let candidates = Specials.rejoinable[pieces[i]] else { continue }
            for c in candidates where i + c.pattern.count <= pieces.count && pieces[i..<(i + c.pattern.count)].elementsEqual(c.pattern) {
                matches.append((i, c.pattern.count, c.tokens))
            }
        }
        if matches.isEmpty { return pieces }
        matches.sort { $0.count != $1.count ? $0.count > $1.count : $0.start < $1.start }
        var taken = [Bool](repeating: false, count: pieces.count)
        var chosen: [Int: (count: Int, tokens: [String])] = [:]
        for m in matches where !taken[m.start..<(m.start + m.count)].contains(true) {
            for k in m.start..<(m.start + m.count) { taken[k] = true }
            chosen[m.start] = (m.count, m.tokens)
        }
        var result: [String] = []
        var i = 0
        while i < pieces.count {
            if let c = chosen[i] { result += c.tokens; i += c.count } else { result.append(pieces[i]); i += 1 }
        }
        return result
    }

    /// The chunk split by the affix and infix rules (`specials: false` ignores special cases).
    func affixSplit(_ chunk: [Unicode.Scalar], specials: Bool = false) -> [String] {
        var out: [String] = []
        var s = ArraySlice(chunk)
        var prefixes: [ArraySlice<Unicode.Scalar>] = []
        var suffixes: [ArraySlice<Unicode.Scalar>] = []
        var lastSize = -1
        var stoppedAtSpecial = false
        func isSpecial(_ x: ArraySlice<Unicode.Scalar>) -> Bool { specials && Specials.tokens(for: x) != nil }
        while !s.isEmpty && s.count != lastSize {
            if isSpecial(s) { stoppedAtSpecial = true; break }
            lastSize = s.count
            let pre = prefixLength(s)
            if pre > 0 {
                let minusPre = s.dropFirst(pre)
                if !minusPre.isEmpty, isSpecial(minusPre) {
                    prefixes.append(s.prefix(pre)); s = minusPre; stoppedAtSpecial = true; break
                }
            }
            let suf = suffixLength(s.dropFirst(pre))
            if suf > 0 {
                let minusSuf = s.dropLast(suf)
                if !minusSuf.isEmpty, isSpecial(minusSuf) {
                    suffixes.append(s.suffix(suf)); s = minusSuf; stoppedAtSpecial = true; break
                }
            }
            if pre > 0 && suf > 0 && pre + suf <= s.count {
                prefixes.append(s.prefix(pre)); suffixes.append(s.suffix(suf))
                s = s.dropFirst(pre).dropLast(suf)
            } else if pre > 0 {
                prefixes.append(s.prefix(pre)); s = s.dropFirst(pre)
            } else if suf > 0 {
                suffixes.append(s.suffix(suf)); s = s.dropLast(suf)
            }
        }
        _ = stoppedAtSpecial
        for p in prefixes { out.append(string(p)) }
        if !s.isEmpty {
            if specials, let special = Specials.tokens(for: s) {
                out += special
            } else if URLShape.matches(s) {
                out.append(string(s))
            } else {
                splitInfixes(s, into: &out)
            }
        }
        for suf in suffixes.reversed() { out.append(string(suf)) }
        return out
    }

    private func string(_ s: ArraySlice<Unicode.Scalar>) -> String { makeString(s) }

    // MARK: - Prefixes

    /// Length of the prefix at the start of `s` (0 if none), trying the alternatives in spaCy's order.
    func prefixLength(_ s: ArraySlice<Unicode.Scalar>) -> Int {
        guard let first = s.first else { return 0 }
        let v = first.value
        if v == 0xA7 || v == 0x25 || v == 0x3D || v == 0x2014 || v == 0x2013 { return 1 }        // § % = — –
        if v == 0x2B {                                                                              // + not before a digit
            let next = s.dropFirst().first
            if next == nil || !Chars.isDigit(next!.value) { return 1 }
        }
        if Chars.punct.contains(v) { return 1 }
        if v == 0x2E, s.count >= 2, s[s.startIndex + 1].value == 0x2E {                           // .. and more dots
            return s.prefix { $0.value == 0x2E }.count
        }
        if Chars.quotes.contains(v) { return 1 }
        if let c = Chars.currencyPrefix(s) { return c }
        if Chars.isIcon(first) { return 1 }
        return 0
    }

    // MARK: - Suffixes

    /// Length of the suffix at the end of `s`: the earliest start from which one alternative matches up to the end.
    func suffixLength(_ s: ArraySlice<Unicode.Scalar>) -> Int {
        let n = s.count
        guard n > 0 else { return 0 }
        let a = Array(s)
        var best = 0
        func consider(_ len: Int) { if len > best { best = len } }
        let last = a[n - 1].value
        // A run of two or more dots.
        var dots = 0
        while dots < n && a[n - 1 - dots].value == 0x2E { dots += 1 }
        if dots >= 2 { consider(dots) }
        if n >= 2 && a[n - 2].value == 0x2026 && last == 0x2026 { consider(2) }                   // ……
        if n >= 2 && (a[n - 2].value == 0x27 || a[n - 2].value == 0x2019) && (last == 0x73 || last == 0x53) { consider(2) } // 's 'S ’s ’S
        if n >= 2, a.contains(where: { Chars.isDigit($0.value) }) {
            // Units and currency after a digit: the longest listed string ending here that follows a digit.
            for u in Chars.unitsAndCurrency where u.count < n {
                let start = n - u.count
                if Chars.isDigit(a[start - 1].value) && a[start...].elementsEqual(u) { consider(u.count) }
            }
        }
        if Chars.punct.contains(last) || last == 0x2026 || Chars.quotes.contains(last) || Chars.isIcon(a[n - 1]) || last == 0x2014 || last == 0x2013 {
            consider(1)
        }
        if last == 0x2B && n >= 2 && Chars.isDigit(a[n - 2].value) { consider(1) }
        if last == 0x2E && n >= 2 {
            let p = a[n - 2]
            if n >= 3 && a[n - 3].value == 0xB0 && "FfCcKk".unicodeScalars.contains(p) { consider(1) }
            if Chars.isDigit(p.value) || Chars.isLowerish(p) || Chars.periodFollowers.contains(p.value) { consider(1) }
            if n >= 3 && Chars.isUpperish(p) && Chars.isUpperish(a[n - 3]) { consider(1) }
        }
        return best
    }

    // MARK: - Infixes

    func splitInfixes(_ s: ArraySlice<Unicode.Scalar>, into out: inout [String]) {
        let a = Array(s)
        let n = a.count
        var spans: [(Int, Int)] = []
        var i = 0
        while i < n {
            if let len = infixLength(a, i) { spans.append((i, i + len)); i += max(len, 1) } else { i += 1 }
        }
        if spans.isEmpty { out.append(string(s)); return }
        var start = 0
        for (infixStart, infixEnd) in spans {
            if infixStart == 0 { continue }                 // an infix at the very start is not split off
            if infixStart != start { out.append(makeString(a[start..<infixStart])) }
            if infixStart != infixEnd { out.append(makeString(a[infixStart..<infixEnd])) }
            start = infixEnd
        }
        if start < n { out.append(makeString(a[start...])) }
    }

    /// The infix starting at `i`, if one does (alternatives in spaCy's order).
    func infixLength(_ a: [Unicode.Scalar], _ i: Int) -> Int? {
        let n = a.count
        let v = a[i].value
        let prev: Unicode.Scalar? = i > 0 ? a[i - 1] : nil
        if v == 0x2E, i + 1 < n, a[i + 1].value == 0x2E {
            var j = i; while j < n && a[j].value == 0x2E { j += 1 }; return j - i
        }
        if v == 0x2026 { return 1 }
        if Chars.isIcon(a[i]) { return 1 }
        if let p = prev, Chars.isDigit(p.value), [0x2B, 0x2D, 0x2A, 0x5E].contains(v), i + 1 < n,
           Chars.isDigit(a[i + 1].value) || a[i + 1].value == 0x2D { return 1 }
        if v == 0x2E, let p = prev, i + 1 < n, Chars.isLowerish(p) || Chars.quotes.contains(p.value),
           Chars.isUpperish(a[i + 1]) || Chars.quotes.contains(a[i + 1].value) { return 1 }
        if v == 0x2C, let p = prev, Chars.isLetter(p), i + 1 < n, Chars.isLetter(a[i + 1]) { return 1 }
        if let p = prev, Chars.isLetter(p) || Chars.isDigit(p.value) {
            for h in Chars.hyphens where i + h.count < n && a[i..<(i + h.count)].elementsEqual(h) && Chars.isLetter(a[i + h.count]) {
                return h.count
            }
        }
        if [0x3A, 0x3C, 0x3E, 0x3D, 0x2F].contains(v), let p = prev, Chars.isLetter(p) || Chars.isDigit(p.value),
           i + 1 < n, Chars.isLetter(a[i + 1]) { return 1 }
        return nil
    }
}

/// A String from scalars through UTF-8 bytes (the fast way to build one).
@inline(__always) func makeString(_ s: ArraySlice<Unicode.Scalar>) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(s.count)
    for u in s { UTF8Encoding.append(scalar: u.value, to: &bytes) }
    return String(decoding: bytes, as: UTF8.self)
}
