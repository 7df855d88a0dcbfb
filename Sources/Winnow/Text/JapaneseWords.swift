import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Japanese words as datatrove's Japanese word tokenizer finds them: spaCy's `ja` on SudachiPy 0.6.8, split mode A,
/// with SudachiDict core 20251022 — the text cut into pieces of at most 40,000 UTF-8 bytes as datatrove cuts it, each
/// piece analysed by Sudachi, whitespace tokens dropped. The analysis is Sudachi's (sudachi.rs 0.6.8), on its own
/// files, which `make setup` places in `models/sudachi`:
/// 1. the input is rewritten (what the dictionary's keys are written in), each change remembering where it came from
///    in the original: `rewrite.def`'s replacements, then upper case to lower case and NFKC for every character
///    `rewrite.def` does not list as kept; runs of two or more prolonged-sound marks become one `ー`; a reading in
///    brackets after a kanji (`漢字(かんじ)`, at most 4 kana) is dropped;
/// 2. every dictionary word starting at each character (a double-array trie over UTF-8) and, where `char.def` lets
///    an unknown word start, the unknown words `char.def`/`unk.def` make from the character's classes, are nodes of
///    a lattice; the path with the least total cost (word costs plus the connection matrix's cost between adjacent
///    words; ties to the earlier node) wins;
/// 3. numbers written over several words (`1,000.5`, `二十三`) are joined, as are katakana runs with an unknown word
///    in them, and every word with a finer split (mode A) is cut into it;
/// 4. each word is its span of the original text.
/// The same integer arithmetic and the same orders as sudachi.rs, so the same words.
public final class JapaneseWords: @unchecked Sendable {
    // MARK: The dictionary (system.dic, memory-mapped)

    private let base: UnsafeRawPointer
    private let size: Int
    private let numLeft: Int, numRight: Int
    private let connOffset: Int
    private let trieOffset: Int, trieCount: Int
    private let wordIdTableOffset: Int
    private let paramsOffset: Int, wordCount: Int
    private let infosOffset: Int

    // MARK: The analyser's settings (char.def, unk.def, rewrite.def, sudachi.json)

    private let categories: CharacterCategories
    /// Per single category bit: whether it invokes unknown words though dictionary words start there, whether a run
    /// of it is one unknown word, and up to how many characters shorter ones are made.
    private let categoryInfo: [UInt32: (invoke: Bool, group: Bool, length: Int)]
    private let unknownWords: [UInt32: [(left: Int16, right: Int16, cost: Int16, pos: Int)]]
    private let simpleUnknown: (left: Int16, right: Int16, cost: Int16, pos: Int)
    private let keepUnnormalized: Set<UInt32>
    private let replacements: [UInt32: [([Unicode.Scalar], [Unicode.Scalar])]]
    private let prolongedMarks: Set<UInt32>
    private let prolongedReplacement: [Unicode.Scalar]
    private let leftBrackets: Set<UInt32>, rightBrackets: Set<UInt32>
    private let maxYomigana: Int
    private let numericPOS: Int
    private let katakanaOOVMinLength: Int

    /// Reads `system.dic`, `char.def`, `unk.def`, `rewrite.def` and `sudachi.json` from `folder` (as
    /// scripts/fetch-models.py writes them).
    public init(folder: String) throws {
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        func text(_ name: String) throws -> [Substring] {
            guard let data = FileManager.default.contents(atPath: path(name)) else { throw WordModelError("cannot read \(path(name))") }
            return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        }
        // system.dic: header (version, time, description: 272 bytes), grammar (parts of speech, connection matrix),
        // lexicon (trie, word-id table, word parameters, word information).
        let dicPath = path("system.dic")
        let fd = open(dicPath, O_RDONLY)
        guard fd >= 0 else { throw WordModelError("cannot read \(dicPath)") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 272, let map = mmap(nil, Int(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            throw WordModelError("cannot map \(dicPath)")
        }
        let b = UnsafeRawPointer(map), total = Int(st.st_size)
        base = b
        size = total
        let version = b.loadUnaligned(as: UInt64.self)
        guard version == 0xce9f_011a_9239_4434 || version == 0x7366_d3f1_8bd1_11e7 else {
            throw WordModelError("\(dicPath): not a Sudachi system dictionary in the format SudachiPy 0.6 reads (version word \(String(version, radix: 16)))")
        }
        var off = 272
        func need(_ n: Int, _ what: String) throws { if off + n > total { throw WordModelError("\(dicPath): truncated in its \(what)") } }
        func u16(_ o: Int) -> Int { Int(b.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
        func i16(_ o: Int) -> Int { Int(b.loadUnaligned(fromByteOffset: o, as: Int16.self)) }
        func u32(_ o: Int) -> Int { Int(b.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
        try need(2, "parts of speech")
        let posCount = u16(off); off += 2
        var posIDs: [[String]: Int] = [:]
        for id in 0..<posCount {
            var pos: [String] = []
            for _ in 0..<6 {
                try need(2, "parts of speech")
                let (s, next) = Self.utf16String(b, off)
                pos.append(s); off = next
            }
            if posIDs[pos] == nil { posIDs[pos] = id }
        }
        try need(4, "connection matrix")
        let left = i16(off), right = i16(off + 2)
        numLeft = left; numRight = right
        off += 4
        connOffset = off
        off += 2 * left * right
        try need(4, "trie")
        let trieUnits = u32(off)
        trieCount = trieUnits; trieOffset = off + 4; off += 4 + 4 * trieUnits
        try need(4, "word-id table")
        let tableSize = u32(off)
        wordIdTableOffset = off + 4; off += 4 + tableSize
        try need(4, "word parameters")
        let words = u32(off)
        wordCount = words; paramsOffset = off + 4; off += 4 + 6 * words
        try need(4 * words, "word information")
        infosOffset = off

        // char.def: category lines (`NAME invoke group length`) and character ranges (`0xA..0xB NAME …`).
        let charDef = try text("char.def")
        categories = try CharacterCategories(charDef, file: path("char.def"))
        var info: [UInt32: (Bool, Bool, Int)] = [:]
        for (n, raw) in charDef.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("0x") { continue }
            let cols = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard cols.count >= 4, let bit = CharacterCategories.bit(cols[0]), let length = Int(cols[3]) else {
                throw WordModelError("\(path("char.def")) line \(n + 1): not `CATEGORY invoke group length`")
            }
            info[bit] = (cols[1] == "1", cols[2] == "1", length)
        }
        categoryInfo = info
        func posID(_ fields: [String], _ whereFrom: String) throws -> Int {
            guard let id = posIDs[fields] else { throw WordModelError("\(whereFrom): part of speech \(fields.joined(separator: ",")) is not in the dictionary") }
            return id
        }
        // unk.def: `CATEGORY,left,right,cost,pos1..pos6` per line.
        var unknown: [UInt32: [(Int16, Int16, Int16, Int)]] = [:]
        for (n, raw) in try text("unk.def").enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cols = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard cols.count >= 10, let bit = CharacterCategories.bit(Substring(cols[0])), info[bit] != nil,
                  let l = Int16(cols[1]), let r = Int16(cols[2]), let c = Int16(cols[3]) else {
                throw WordModelError("\(path("unk.def")) line \(n + 1): not `CATEGORY,left,right,cost,six parts of speech`")
            }
            unknown[bit, default: []].append((l, r, c, try posID(Array(cols[4..<10]), "\(path("unk.def")) line \(n + 1)")))
        }
        unknownWords = unknown
        // rewrite.def: a character alone is kept as written; `from to` is a replacement.
        var keep = Set<UInt32>()
        var replacements: [UInt32: [([Unicode.Scalar], [Unicode.Scalar])]] = [:]
        for (n, raw) in try text("rewrite.def").enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cols = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if cols.count == 1, cols[0].unicodeScalars.count == 1 { keep.insert(cols[0].unicodeScalars.first!.value); continue }
            guard cols.count == 2 else { throw WordModelError("\(path("rewrite.def")) line \(n + 1): not a character or `from to`") }
            let from = Array(cols[0].unicodeScalars)
            replacements[from[0].value, default: []].append((from, Array(cols[1].unicodeScalars)))
        }
        keepUnnormalized = keep
        self.replacements = replacements
        // sudachi.json: the plugins' settings.
        guard let json = FileManager.default.contents(atPath: path("sudachi.json")),
              let config = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else { throw WordModelError("cannot read \(path("sudachi.json"))") }
        func plugin(_ key: String, _ name: String) throws -> [String: Any] {
            guard let list = config[key] as? [[String: Any]], let p = list.first(where: { ($0["class"] as? String)?.hasSuffix(name) == true }) else {
                throw WordModelError("\(path("sudachi.json")): no \(name) in \(key)")
            }
            return p
        }
        let prolonged = try plugin("inputTextPlugin", "ProlongedSoundMarkPlugin")
        prolongedMarks = Set(((prolonged["prolongedSoundMarks"] as? [String]) ?? []).compactMap { $0.unicodeScalars.first?.value })
        prolongedReplacement = Array(((prolonged["replacementSymbol"] as? String) ?? "ー").unicodeScalars)
        let yomigana = try plugin("inputTextPlugin", "IgnoreYomiganaPlugin")
        leftBrackets = Set(((yomigana["leftBrackets"] as? [String]) ?? []).compactMap { $0.unicodeScalars.first?.value })
        rightBrackets = Set(((yomigana["rightBrackets"] as? [String]) ?? []).compactMap { $0.unicodeScalars.first?.value })
        maxYomigana = (yomigana["maxYomiganaLength"] as? Int) ?? 4
        let simple = try plugin("oovProviderPlugin", "SimpleOovPlugin")
        guard let sl = simple["leftId"] as? Int, let sr = simple["rightId"] as? Int, let sc = simple["cost"] as? Int,
              let sp = simple["oovPOS"] as? [String] else { throw WordModelError("\(path("sudachi.json")): SimpleOovPlugin lacks leftId, rightId, cost or oovPOS") }
        simpleUnknown = (Int16(sl), Int16(sr), Int16(sc), try posID(sp, path("sudachi.json")))
        let katakana = try plugin("pathRewritePlugin", "JoinKatakanaOovPlugin")
        katakanaOOVMinLength = (katakana["minLength"] as? Int) ?? 3
        numericPOS = try posID(["名詞", "数詞", "*", "*", "*", "*"], dicPath)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }

    /// A string in the dictionary: its length in UTF-16 units (one byte, or two when the first is ≥ 128), then the units.
    private static func utf16String(_ b: UnsafeRawPointer, _ at: Int) -> (String, Int) {
        let (n, start) = stringLength(b, at)
        var units = [UInt16]()
        units.reserveCapacity(n)
        for k in 0..<n { units.append(b.loadUnaligned(fromByteOffset: start + 2 * k, as: UInt16.self)) }
        return (String(decoding: units, as: UTF16.self), start + 2 * n)
    }

    @inline(__always) private static func stringLength(_ b: UnsafeRawPointer, _ at: Int) -> (Int, Int) {
        let first = Int(b.load(fromByteOffset: at, as: UInt8.self))
        if first < 128 { return (first, at + 1) }
        return (((first & 0x7F) << 8) | Int(b.load(fromByteOffset: at + 1, as: UInt8.self)), at + 2)
    }

    // MARK: Loading, once per folder

    private static let cache = ModelCache<JapaneseWords>()

    /// The analyser for `folder`, read on first use and shared by every step after.
    static func load(_ folder: String) throws -> JapaneseWords { try cache.load(folder, JapaneseWords.init(folder:)) }

    /// The analyser `Document.words(language: "ja")` uses: the one the steps' building loaded, else `models/sudachi`
    /// from the working directory.
    static var shared: JapaneseWords? { cache.shared(fallback: "models/sudachi", JapaneseWords.init(folder:)) }

    // MARK: Words

    /// The words of `text`, in order, whitespace dropped: datatrove's pieces of at most 40,000 bytes, each analysed.
    public func words(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var out: [String] = []
        for piece in Self.pieces(scalars, maxBytes: 40_000) {
            var original: [UInt8] = []
            for u in scalars[piece] { original.append(contentsOf: UTF8.encode(u)!) }
            for word in analyse(original) {
                let w = word.pythonStripped()
                if !w.isEmpty { out.append(String(w)) }
            }
        }
        return out
    }

    /// datatrove's `chunk_text_on_bytes`: grows a guess of the piece length ten characters at a time until the next
    /// step would pass `maxBytes` UTF-8 bytes.
    static func pieces(_ s: [Unicode.Scalar], maxBytes: Int) -> [Range<Int>] {
        var bytesBefore = [Int](repeating: 0, count: s.count + 1)
        for (i, u) in s.enumerated() { bytesBefore[i + 1] = bytesBefore[i] + UTF8.width(u) }
        let total = bytesBefore[s.count]
        if total <= maxBytes { return s.isEmpty ? [] : [0..<s.count] }
        let factor = Double(s.count) / Double(total)
        let step = 10
        var guess = Int(max(Double(maxBytes) * factor - 10, 1))
        var out: [Range<Int>] = []
        var start = 0
        func bytes(_ end: Int) -> Int { bytesBefore[end] - bytesBefore[start] }
        while start < s.count {
            let remaining = s.count - start
            var end = start + min(guess, remaining)
            if bytes(end) > maxBytes { guess = max(guess - 10, 1); continue }
            var cut = guess
            while bytes(end) < maxBytes && end - start != remaining {
                cut = min(remaining, cut + step)
                end = start + cut
            }
            if bytes(end) > maxBytes { cut -= step }
            let stop = start + min(cut, remaining)
            out.append(start..<stop)
            start = stop
        }
        return out
    }

    // MARK: Sudachi's analysis of one piece

    /// The rewritten input: its UTF-8 bytes, and for each byte (and one past the end) the byte of the original it
    /// came from.
    private struct Rewritten {
        var bytes: [UInt8]
        var origin: [Int]
    }

    /// One replacement: bytes `range` of the current input become `with`.
    private typealias Edit = (range: Range<Int>, with: [Unicode.Scalar])

    /// sudachi.rs's `resolve_edits`: the first byte of a replacement stands for the whole replaced span, the others
    /// for its end.
    private static func apply(_ edits: [Edit], to r: Rewritten) -> Rewritten {
        if edits.isEmpty { return r }
        var out = Rewritten(bytes: [], origin: [])
        out.bytes.reserveCapacity(r.bytes.count)
        var at = 0
        for e in edits {
            out.bytes.append(contentsOf: r.bytes[at..<e.range.lowerBound])
            out.origin.append(contentsOf: r.origin[at..<e.range.lowerBound])
            at = e.range.upperBound
            var with: [UInt8] = []
            for u in e.with { with.append(contentsOf: UTF8.encode(u)!) }
            if with.isEmpty { continue }
            out.bytes.append(contentsOf: with)
            out.origin.append(r.origin[e.range.lowerBound])
            out.origin.append(contentsOf: repeatElement(r.origin[e.range.upperBound], count: with.count - 1))
        }
        out.bytes.append(contentsOf: r.bytes[at...])
        out.origin.append(contentsOf: r.origin[at...])
        out.origin[0] = 0
        return out
    }

    /// The scalars of UTF-8 `bytes` with the byte each starts at.
    private static func decode(_ bytes: [UInt8]) -> [(Int, Unicode.Scalar)] {
        var out: [(Int, Unicode.Scalar)] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            let n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            var v = UInt32(lead) & (n == 1 ? 0x7F : n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07)
            for k in 1..<n { v = (v << 6) | (UInt32(bytes[i + k]) & 0x3F) }
            out.append((i, Unicode.Scalar(v) ?? "\u{FFFD}"))
            i += n
        }
        return out
    }

    /// DefaultInputTextPlugin: `rewrite.def`'s replacements, else the character lower-cased and NFKC-normalised
    /// (unless `rewrite.def` keeps it) when that changes its first character.
    private func normalise(_ r: Rewritten, _ nfkc: inout [UInt32: [Unicode.Scalar]?]) -> Rewritten {
        let chars = Self.decode(r.bytes)
        var edits: [Edit] = []
        var i = 0
        while i < chars.count {
            let (offset, ch) = chars[i]
            if let candidates = replacements[ch.value],
               let (from, to) = candidates.first(where: { c in i + c.0.count <= chars.count && (0..<c.0.count).allSatisfy { chars[i + $0].1 == c.0[$0] } }) {
                let end = i + from.count < chars.count ? chars[i + from.count].0 : r.bytes.count
                edits.append((offset..<end, to))
                i += from.count
                continue
            }
            i += 1
            if ch.value < 0x80 && !(0x41...0x5A).contains(ch.value) { continue }
            let upper = ch.properties.isUppercase
            let normalises = !keepUnnormalized.contains(ch.value) && Self.nfkcChanges(ch, &nfkc) != nil
            if !upper && !normalises { continue }
            var result: [Unicode.Scalar] = upper ? Array(ch.properties.lowercaseMapping.unicodeScalars) : [ch]
            if normalises { result = Array(String(String.UnicodeScalarView(result)).precomposedStringWithCompatibilityMapping.unicodeScalars) }
            guard let first = result.first, first != ch else { continue }
            edits.append((offset..<(offset + UTF8.width(ch)), result))
        }
        return Self.apply(edits, to: r)
    }

    /// NFKC of `ch` alone when it differs from `ch`: from a table of the Basic Multilingual Plane's (2,411 such
    /// characters, made once per process), else computed and cached for the piece.
    private static func nfkcChanges(_ ch: Unicode.Scalar, _ cache: inout [UInt32: [Unicode.Scalar]?]) -> [Unicode.Scalar]? {
        if ch.value < 0x10000 { return bmpNFKC[ch.value] }
        if let known = cache[ch.value] { return known }
        let changed = nfkc(ch)
        cache[ch.value] = changed
        return changed
    }

    private static func nfkc(_ ch: Unicode.Scalar) -> [Unicode.Scalar]? {
        let n = Array(String(Character(ch)).precomposedStringWithCompatibilityMapping.unicodeScalars)
        return n == [ch] ? nil : n
    }

    private static let bmpNFKC: [UInt32: [Unicode.Scalar]] = {
        var table: [UInt32: [Unicode.Scalar]] = [:]
        for v in UInt32(0x80)..<0x10000 { if let u = Unicode.Scalar(v), let n = nfkc(u) { table[v] = n } }
        return table
    }()

    /// ProlongedSoundMarkPlugin: a run of two or more prolonged-sound marks becomes one.
    private func joinProlonged(_ r: Rewritten) -> Rewritten {
        let chars = Self.decode(r.bytes)
        var edits: [Edit] = []
        var i = 0
        while i < chars.count {
            guard prolongedMarks.contains(chars[i].1.value) else { i += 1; continue }
            var j = i + 1
            while j < chars.count && prolongedMarks.contains(chars[j].1.value) { j += 1 }
            if j - i >= 2 { edits.append((chars[i].0..<(j < chars.count ? chars[j].0 : r.bytes.count), prolongedReplacement)) }
            i = j
        }
        return Self.apply(edits, to: r)
    }

    /// IgnoreYomiganaPlugin: a reading in brackets (1 to `maxYomigana` kana) right after a kanji is dropped.
    private func dropYomigana(_ r: Rewritten) -> Rewritten {
        let chars = Self.decode(r.bytes)
        var edits: [Edit] = []
        var i = 0
        while i + 1 < chars.count {
            guard categories.of(chars[i].1.value) & CharacterCategories.kanji != 0, leftBrackets.contains(chars[i + 1].1.value) else { i += 1; continue }
            var j = i + 2
            while j < chars.count && j - (i + 2) < maxYomigana && categories.of(chars[j].1.value) & (CharacterCategories.hiragana | CharacterCategories.katakana) != 0 { j += 1 }
            if j > i + 2 && j < chars.count && rightBrackets.contains(chars[j].1.value) {
                edits.append((chars[i + 1].0..<(j + 1 < chars.count ? chars[j + 1].0 : r.bytes.count), []))
                i = j + 1
            } else {
                i += 1
            }
        }
        return Self.apply(edits, to: r)
    }

    /// A lattice node: characters `begin..<end` of the rewritten input, its connection ids and cost, the word (raw
    /// Sudachi word id: dictionary 0, or 0xF for unknown words with the part of speech as the word), and the best
    /// path to it (its total cost and the node before it, by end and index).
    private struct Node {
        var begin: Int, end: Int
        var left: Int, right: Int, cost: Int
        var wordID: UInt32
        var total = Int.max
        var previous = (end: -1, index: -1)
    }

    private static let unknownDictionary: UInt32 = 0xF000_0000

    /// A word of the best path, after the input's rewriting: characters and bytes of the rewritten input, and what
    /// joining and splitting it needs.
    private struct PathWord {
        var begin: Int, end: Int
        var byteBegin: Int, byteEnd: Int
        var wordID: UInt32
        var pos: Int
        var normalized: String
        var headLength: Int
        var splitA: [UInt32]
        var isUnknown: Bool { wordID >> 28 == 0xF }
    }

    /// The connection matrix's cost from a word with right id `leftRight` to one with left id `rightLeft` (ids outside
    /// the matrix, from a damaged dictionary, never connect).
    @inline(__always) private func connection(_ leftRight: Int, _ rightLeft: Int) -> Int {
        guard leftRight >= 0, leftRight < numLeft, rightLeft >= 0, rightLeft < numRight else { return Int(Int16.max) }
        return Int(base.loadUnaligned(fromByteOffset: connOffset + 2 * (rightLeft * numLeft + leftRight), as: Int16.self))
    }

    /// Part of speech, normalised form, headword length in bytes and mode-A split of dictionary word `id`.
    private func info(_ id: UInt32) -> (pos: Int, normalized: String, headLength: Int, splitA: [UInt32]) {
        let word = Int(id & 0x0FFF_FFFF)
        var at = Int(base.loadUnaligned(fromByteOffset: infosOffset + 4 * word, as: UInt32.self))
        let surfaceAt = at
        let (surfaceLength, surfaceStart) = Self.stringLength(base, at)
        let (headLength, afterHead) = Self.stringLength(base, surfaceStart + 2 * surfaceLength)
        at = afterHead
        let pos = Int(base.loadUnaligned(fromByteOffset: at, as: UInt16.self)); at += 2
        let (normalized, afterNormalized) = Self.utf16String(base, at)
        at = afterNormalized + 4                       // dictionary form's word id
        let (readingLength, afterReading) = Self.stringLength(base, at)
        at = afterReading + 2 * readingLength
        let n = Int(base.load(fromByteOffset: at, as: UInt8.self)); at += 1
        var split: [UInt32] = []
        for k in 0..<n { split.append(base.loadUnaligned(fromByteOffset: at + 4 * k, as: UInt32.self)) }
        return (pos, normalized.isEmpty ? Self.utf16String(base, surfaceAt).0 : normalized, headLength, split)
    }

    /// Sudachi's words for one piece of text (UTF-8), as spans of it; words whose span is empty are left out.
    func analyse(_ original: [UInt8]) -> [String] {
        if original.isEmpty { return [] }
        var nfkc: [UInt32: [Unicode.Scalar]?] = [:]
        var r = Rewritten(bytes: original, origin: Array(0...original.count))
        r = normalise(r, &nfkc)
        r = joinProlonged(r)
        r = dropYomigana(r)
        let input = r.bytes
        if input.isEmpty { return [] }
        let chars = Self.decode(input)
        let n = chars.count
        // Characters' classes, where a word may begin, and how far the classes continue.
        var charStart = chars.map(\.0); charStart.append(input.count)
        var charAt = [Int](repeating: 0, count: input.count + 1)
        for (c, (b, _)) in chars.enumerated() { for k in b..<charStart[c + 1] { charAt[k] = c } }
        charAt[input.count] = n
        let cat = chars.map { categories.of($0.1.value) }
        var canBegin = [Bool](repeating: false, count: n)
        var previous: UInt32 = 0
        var nextAllowed = true
        let continuing = CharacterCategories.alpha | CharacterCategories.greek | CharacterCategories.cyrillic
        for c in 0..<n {
            let k = cat[c]
            if !nextAllowed { nextAllowed = true; canBegin[c] = false }
            else if k & CharacterCategories.noOOVBegin2 != 0 { nextAllowed = false; canBegin[c] = false }
            else if k & CharacterCategories.noOOVBegin != 0 { canBegin[c] = false }
            else if k & continuing != 0 { canBegin[c] = k & previous == 0 }
            else { canBegin[c] = true }
            previous = k
        }
        var run = [Int](repeating: 1, count: n)
        var common = cat[n - 1]
        if n >= 2 {
            for c in stride(from: n - 2, through: 0, by: -1) {
                let both = cat[c] & common
                if both != 0 { run[c] = run[c + 1] + 1; common = both } else { common = cat[c] }
            }
        }

        // The lattice.
        var ends = [[Node]](repeating: [], count: n + 1)
        var bos = Node(begin: 0, end: 0, left: 0, right: 0, cost: 0, wordID: 0xFFFF_FFFE)
        bos.total = 0
        ends[0].append(bos)
        func insert(_ node: Node) {
            var node = node
            var best = Int.max
            for (i, l) in ends[node.begin].enumerated() where l.total != Int.max {
                let cost = l.total + connection(l.right, node.left) + node.cost
                if cost < best { best = cost; node.previous = (node.begin, i) }
            }
            node.total = best
            ends[node.end].append(node)
        }
        let trie = base.advanced(by: trieOffset)
        @inline(__always) func unit(_ i: Int) -> UInt32 { trie.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self) }
        func insertSimple(_ c: Int) {
            var length = n - c
            for k in (c + 1)..<max(n, c + 1) where canBegin[k] { length = k - c; break }
            let s = simpleUnknown
            insert(Node(begin: c, end: c + length, left: Int(s.left), right: Int(s.right), cost: Int(s.cost), wordID: Self.unknownDictionary | UInt32(s.pos)))
        }
        for c in 0..<n where !ends[c].isEmpty {
            var created = false
            // Dictionary words: the trie's entries that are prefixes of the input from here.
            var nodePos = Int(Self.offset(unit(0)))
            var i = charStart[c]
            while i < input.count {
                let k = Int(input[i])
                nodePos ^= k
                guard nodePos < trieCount else { break }
                let u = unit(nodePos)
                if Int(u & ((1 << 31) | 0xFF)) != k { break }
                nodePos ^= Int(Self.offset(u))
                guard nodePos < trieCount else { break }
                i += 1
                guard (u >> 8) & 1 == 1 else { continue }
                let value = Int(unit(nodePos) & 0x7FFF_FFFF)
                if i < input.count && !(charStart[charAt[i]] == i && canBegin[charAt[i]]) { continue }
                let table = wordIdTableOffset + value
                guard table < paramsOffset - 4 else { continue }
                let count = Int(base.load(fromByteOffset: table, as: UInt8.self))
                guard table + 1 + 4 * count <= paramsOffset - 4 else { continue }
                for e in 0..<count {
                    let id = base.loadUnaligned(fromByteOffset: table + 1 + 4 * e, as: UInt32.self)
                    guard Int(id & 0x0FFF_FFFF) < wordCount else { continue }
                    let p = paramsOffset + 6 * Int(id & 0x0FFF_FFFF)
                    insert(Node(begin: c, end: charAt[i],
                                left: Int(base.loadUnaligned(fromByteOffset: p, as: Int16.self)),
                                right: Int(base.loadUnaligned(fromByteOffset: p + 2, as: Int16.self)),
                                cost: Int(base.loadUnaligned(fromByteOffset: p + 4, as: Int16.self)), wordID: id))
                    created = true
                }
            }
            // Unknown words: char.def/unk.def's (MeCabOovPlugin), then one up to where a word may begin (SimpleOovPlugin).
            if cat[c] & (CharacterCategories.noOOVBegin | CharacterCategories.noOOVBegin2) == 0 {
                let before = created
                var bits = cat[c]
                while bits != 0 {
                    let bit = bits & (~bits &+ 1)
                    bits &= bits - 1
                    guard let ci = categoryInfo[bit], let oovs = unknownWords[bit] else { continue }
                    if !ci.invoke && before { continue }
                    var longest = run[c]
                    if ci.group {
                        for o in oovs { insert(Node(begin: c, end: c + run[c], left: Int(o.left), right: Int(o.right), cost: Int(o.cost), wordID: Self.unknownDictionary | UInt32(o.pos))) }
                        created = true
                        longest -= 1
                    }
                    if ci.length > 0 {
                        for length in 1...ci.length {
                            let sub = min(c + length, n) - c
                            if sub > longest { break }
                            for o in oovs { insert(Node(begin: c, end: c + sub, left: Int(o.left), right: Int(o.right), cost: Int(o.cost), wordID: Self.unknownDictionary | UInt32(o.pos))) }
                            created = true
                        }
                    }
                }
                if !created { insertSimple(c); created = true }
            }
            if !created { insertSimple(c) }
        }
        // The end of sentence: the best node ending at n.
        var best = Int.max
        var last = -1
        for (i, l) in ends[n].enumerated() where l.total != Int.max {
            let cost = l.total + connection(l.right, 0)
            if cost < best { best = cost; last = i }
        }
        guard last >= 0 else { return [String(decoding: original, as: UTF8.self)] }
        var nodes: [Node] = []
        var at = (end: n, index: last)
        while at.end > 0 {
            let node = ends[at.end][at.index]
            nodes.append(node)
            at = node.previous
        }
        nodes.reverse()

        // The path's words.
        var path: [PathWord] = nodes.map { node in
            let byteBegin = charStart[node.begin], byteEnd = charStart[node.end]
            if node.wordID >> 28 == 0xF {
                return PathWord(begin: node.begin, end: node.end, byteBegin: byteBegin, byteEnd: byteEnd, wordID: node.wordID,
                                pos: Int(node.wordID & 0x0FFF_FFFF), normalized: String(decoding: input[byteBegin..<byteEnd], as: UTF8.self),
                                headLength: 0, splitA: [])
            }
            let i = info(node.wordID)
            return PathWord(begin: node.begin, end: node.end, byteBegin: byteBegin, byteEnd: byteEnd, wordID: node.wordID,
                            pos: i.pos, normalized: i.normalized, headLength: i.headLength, splitA: i.splitA)
        }
        func categoryOf(_ begin: Int, _ end: Int) -> UInt32 {
            if begin >= end { return 0 }
            var k: UInt32 = 0xFFFF_FFFF
            for c in begin..<end { k &= cat[c] }
            return k
        }
        path = joinNumbers(path, categoryOf)
        path = joinKatakana(path, categoryOf, cat)

        // Mode A, and each word as its span of the original.
        var words: [String] = []
        func emit(_ byteBegin: Int, _ byteEnd: Int) {
            let a = r.origin[byteBegin], b = r.origin[byteEnd]
            if b > a { words.append(String(decoding: original[a..<b], as: UTF8.self)) }
        }
        for w in path {
            if w.splitA.count <= 1 { emit(w.byteBegin, w.byteEnd); continue }
            var start = w.byteBegin
            for (k, id) in w.splitA.enumerated() {
                let end = k + 1 == w.splitA.count ? w.byteEnd : min(start + info(id).headLength, input.count)
                emit(start, end)
                start = end
            }
        }
        return words
    }

    @inline(__always) private static func offset(_ u: UInt32) -> UInt32 { (u >> 10) << ((u & (1 << 9)) >> 6) }

    /// Joins `path[begin..<end]` into one word (sudachi.rs's `concat_nodes`: no split, word id invalid).
    private static func join(_ path: inout [PathWord], _ begin: Int, _ end: Int, normalized: String?) {
        let words = path[begin..<end]
        let joined = PathWord(begin: words.first!.begin, end: words.last!.end, byteBegin: words.first!.byteBegin, byteEnd: words.last!.byteEnd,
                              wordID: 0xFFFF_FFFF, pos: words.first!.pos, normalized: normalized ?? words.map(\.normalized).joined(),
                              headLength: words.map(\.headLength).reduce(0, +), splitA: [])
        path.replaceSubrange(begin..<end, with: [joined])
    }

    /// JoinNumericPlugin (normalising): runs of number words (numeric or kanji-numeric characters, and `,` `.` while
    /// they read as digit separators) are joined into one word when the run parses as a number.
    private func joinNumbers(_ input: [PathWord], _ categoryOf: (Int, Int) -> UInt32) -> [PathWord] {
        var path = input
        var beginIndex = -1
        var commaAsDigit = true, periodAsDigit = true
        var parser = NumberParser()
        func concat(_ begin: Int, _ end: Int) {
            guard path[begin].pos == numericPOS else { return }
            let normalized = parser.normalized()
            if end - begin > 1 || normalized != path[begin].normalized { Self.join(&path, begin, end, normalized: normalized) }
        }
        var i = -1
        while i < path.count - 1 {
            i += 1
            let s = path[i].normalized
            if categoryOf(path[i].begin, path[i].end) & (CharacterCategories.numeric | CharacterCategories.kanjiNumeric) != 0 || (commaAsDigit && s == ",") || (periodAsDigit && s == ".") {
                if beginIndex < 0 { parser.clear(); beginIndex = i }
                for c in s.unicodeScalars where !parser.append(c) {
                    if beginIndex >= 0 {
                        if parser.error == .comma { commaAsDigit = false; i = beginIndex - 1 }
                        else if parser.error == .point { periodAsDigit = false; i = beginIndex - 1 }
                        beginIndex = -1
                    }
                    break
                }
                continue
            }
            let c: Unicode.Scalar? = s.utf8.count == 1 ? s.unicodeScalars.first : nil
            if beginIndex >= 0 {
                if parser.done() {
                    concat(beginIndex, i)
                    i = beginIndex + 1
                } else {
                    let ss = path[i - 1].normalized
                    if (parser.error == .comma && ss == ",") || (parser.error == .point && ss == ".") {
                        concat(beginIndex, i - 1)
                        i = beginIndex + 2
                    }
                }
            }
            beginIndex = -1
            if !commaAsDigit && c != "," { commaAsDigit = true }
            if !periodAsDigit && c != "." { periodAsDigit = true }
        }
        if beginIndex >= 0 {
            let count = path.count
            if parser.done() {
                concat(beginIndex, count)
            } else {
                let ss = path[count - 1].normalized
                if (parser.error == .comma && ss == ",") || (parser.error == .point && ss == ".") { concat(beginIndex, count - 1) }
            }
        }
        return path
    }

    /// JoinKatakanaOovPlugin: an unknown (or shorter than `minLength`) all-katakana word is joined with the katakana
    /// words around it, from the first that may begin an unknown word.
    private func joinKatakana(_ input: [PathWord], _ categoryOf: (Int, Int) -> UInt32, _ cat: [UInt32]) -> [PathWord] {
        var path = input
        func isKatakana(_ k: Int) -> Bool { categoryOf(path[k].begin, path[k].end) & CharacterCategories.katakana != 0 }
        var i = 0
        while i < path.count {
            if !(path[i].isUnknown || path[i].end - path[i].begin < katakanaOOVMinLength) || !isKatakana(i) { i += 1; continue }
            var begin = i - 1
            while begin >= 0 {
                if !isKatakana(begin) { begin += 1; break }
                begin -= 1
            }
            begin = max(begin, 0)
            var end = i + 1
            while end < path.count && isKatakana(end) { end += 1 }
            while begin != end && cat[path[begin].begin] & CharacterCategories.noOOVBegin != 0 { begin += 1 }
            if end - begin > 1 {
                let words = path[begin..<end]
                let surface = words.map(\.normalized).joined()
                let id = words.map(\.wordID).max()!
                let joined = PathWord(begin: words.first!.begin, end: words.last!.end, byteBegin: words.first!.byteBegin, byteEnd: words.last!.byteEnd,
                                      wordID: id >> 28 == 0xF ? id : (id & 0xF000_0000) | 0x0FFF_FFFF, pos: 0, normalized: surface,
                                      headLength: words.map(\.headLength).reduce(0, +), splitA: [])
                path.replaceSubrange(begin..<end, with: [joined])
                i = begin + 1
            }
            i += 1
        }
        return path
    }
}

/// char.def's character classes: for each code point, the bits of its categories.
struct CharacterCategories {
    static let names = ["DEFAULT", "SPACE", "KANJI", "SYMBOL", "NUMERIC", "ALPHA", "HIRAGANA", "KATAKANA", "KANJINUMERIC",
                        "GREEK", "CYRILLIC", "USER1", "USER2", "USER3", "USER4"]
    static let defaultBit: UInt32 = 1, kanji: UInt32 = 1 << 2, numeric: UInt32 = 1 << 4, alpha: UInt32 = 1 << 5
    static let hiragana: UInt32 = 1 << 6, katakana: UInt32 = 1 << 7, kanjiNumeric: UInt32 = 1 << 8
    static let greek: UInt32 = 1 << 9, cyrillic: UInt32 = 1 << 10
    static let noOOVBegin: UInt32 = 1 << 30, noOOVBegin2: UInt32 = 1 << 31

    static func bit(_ name: Substring) -> UInt32? {
        switch name {
        case "NOOOVBOW": return noOOVBegin
        case "NOOOVBOW2": return noOOVBegin2
        case "ALL": return 0x3FFF_FFFF
        default: return names.firstIndex(of: String(name)).map { UInt32(1) << UInt32($0) }
        }
    }

    /// Sorted boundaries; `categories[i]` holds for code points in `[boundaries[i-1], boundaries[i])`.
    private let boundaries: [UInt32]
    private let categories: [UInt32]
    private var ascii: [UInt32] = []

    init(_ lines: [Substring], file: String) throws {
        var ranges: [(UInt32, UInt32, UInt32)] = []
        for (n, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard line.hasPrefix("0x") else { continue }
            let cols = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            let bounds = cols[0].components(separatedBy: "..")
            guard cols.count >= 2, let begin = UInt32(bounds[0].dropFirst(2), radix: 16),
                  let last = bounds.count > 1 ? UInt32(bounds[1].dropFirst(2), radix: 16) : begin, last >= begin else {
                throw WordModelError("\(file) line \(n + 1): not `0xFROM[..0xTO] CATEGORY…`")
            }
            var bits: UInt32 = 0
            for name in cols.dropFirst() {
                if name.hasPrefix("#") { break }
                guard let b = Self.bit(name) else { throw WordModelError("\(file) line \(n + 1): unknown category \(name)") }
                bits |= b
            }
            ranges.append((begin, last + 1, bits))
        }
        let bounds = Array(Set(ranges.flatMap { [$0.0, $0.1] })).sorted()
        var cats = [UInt32](repeating: 0, count: bounds.count + 1)
        for (begin, end, bits) in ranges {
            var i = bounds.firstIndex(of: begin)! + 1
            while i < bounds.count && bounds[i] <= end { cats[i] |= bits; i += 1 }
        }
        for i in cats.indices where cats[i] == 0 { cats[i] = Self.defaultBit }
        boundaries = bounds
        categories = cats
        ascii = (0..<128).map { of(UInt32($0)) }
    }

    /// The categories of code point `v`.
    @inline(__always) func of(_ v: UInt32) -> UInt32 {
        if v < 128 && !ascii.isEmpty { return ascii[Int(v)] }
        var lo = 0, hi = boundaries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if boundaries[mid] <= v { lo = mid + 1 } else { hi = mid }
        }
        return categories[lo]
    }
}

/// JoinNumericPlugin's number reader: digits and kanji numerals with their units (十 百 千, 万 億 兆), `,` between
/// groups of three and one `.`; `normalized()` is the number in ASCII digits.
struct NumberParser {
    enum Failure { case none, point, comma }
    private var digitLength = 0
    private var isFirstDigit = true
    private var hasComma = false
    private var hasHangingPoint = false
    private(set) var error = Failure.none
    private var total = DigitString(), subtotal = DigitString(), tmp = DigitString()

    private static let values: [Unicode.Scalar: Int] = {
        var v: [Unicode.Scalar: Int] = ["〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
                                        "十": -1, "百": -2, "千": -3, "万": -4, "億": -8, "兆": -12]
        for d in 0...9 { v[Unicode.Scalar(UInt8(0x30 + d))] = d }
        return v
    }()

    mutating func clear() { self = NumberParser() }

    mutating func append(_ c: Unicode.Scalar) -> Bool {
        if c == "." {
            hasHangingPoint = true
            if isFirstDigit { error = .point; return false }
            if hasComma && !checkComma() { error = .comma; return false }
            if !tmp.setPoint() { error = .point; return false }
            hasComma = false
            return true
        }
        if c == "," {
            if !checkComma() { error = .comma; return false }
            hasComma = true
            digitLength = 0
            return true
        }
        guard let n = Self.values[c] else { return false }
        if -3 <= n && n < 0 {
            tmp.shiftScale(-n)
            if !subtotal.add(&tmp) { return false }
            tmp = DigitString()
            isFirstDigit = true; digitLength = 0; hasComma = false
        } else if n < -3 {
            if !subtotal.add(&tmp) || subtotal.isZero { return false }
            subtotal.shiftScale(-n)
            if !total.add(&subtotal) { return false }
            subtotal = DigitString(); tmp = DigitString()
            isFirstDigit = true; digitLength = 0; hasComma = false
        } else {
            tmp.append(n)
            isFirstDigit = false
            digitLength += 1
            hasHangingPoint = false
        }
        return true
    }

    mutating func done() -> Bool {
        let ok = subtotal.add(&tmp) && total.add(&subtotal)
        if hasHangingPoint { error = .point; return false }
        if hasComma && digitLength != 3 { error = .comma; return false }
        return ok
    }

    mutating func normalized() -> String { total.string() }

    private func checkComma() -> Bool {
        if isFirstDigit { return false }
        if !hasComma { return digitLength <= 3 && !tmp.isZero && !tmp.isAllZero }
        return digitLength == 3
    }
}

/// sudachi.rs's `StringNumber`: digits, a power-of-ten scale and a decimal point position.
struct DigitString {
    private var significand: [UInt8] = []
    private var scale = 0
    private var point = -1
    private(set) var isAllZero = true

    var isZero: Bool { significand.isEmpty }

    mutating func append(_ i: Int) {
        if i != 0 { isAllZero = false }
        significand.append(contentsOf: Array(String(i).utf8))
    }

    mutating func shiftScale(_ i: Int) {
        if isZero { significand.append(UInt8(ascii: "1")) }
        scale += i
    }

    mutating func add(_ number: inout DigitString) -> Bool {
        if number.isZero { return true }
        if isZero {
            significand += number.significand
            scale = number.scale
            point = number.point
            return true
        }
        normalizeScale()
        let length = number.intLength()
        if scale >= length {
            significand += repeatElement(UInt8(ascii: "0"), count: scale - length)
            if number.point >= 0 { point = significand.count + number.point }
            significand += number.significand
            scale = number.scale
            return true
        }
        return false
    }

    mutating func setPoint() -> Bool {
        if scale == 0 && point < 0 { point = significand.count; return true }
        return false
    }

    private mutating func intLength() -> Int {
        normalizeScale()
        return point >= 0 ? point : significand.count + scale
    }

    mutating func string() -> String {
        if isZero { return "0" }
        normalizeScale()
        if scale > 0 {
            significand += repeatElement(UInt8(ascii: "0"), count: scale)
        } else if point >= 0 {
            significand.insert(UInt8(ascii: "."), at: point)
            if point == 0 { significand.insert(UInt8(ascii: "0"), at: 0) }
            while significand.last == UInt8(ascii: "0") { significand.removeLast() }
            if significand.last == UInt8(ascii: ".") { significand.removeLast() }
        }
        return String(decoding: significand, as: UTF8.self)
    }

    private mutating func normalizeScale() {
        guard point >= 0 else { return }
        let nScale = significand.count - point
        if nScale > scale { point += scale; scale = 0 } else { scale -= nScale; point = -1 }
    }
}
