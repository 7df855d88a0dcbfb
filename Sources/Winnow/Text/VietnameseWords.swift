import Foundation

/// Vietnamese words as datatrove's Vietnamese word tokenizer finds them: spaCy's `vi` with pyvi 0.1.1 — the text cut
/// into syllables (spaCy's copy of pyvi's pattern, whitespace kept), each syllable labelled as beginning or continuing
/// a word by pyvi's CRF model (CRFsuite, Viterbi), continuing syllables joined to the word before with the whitespace
/// between them (`Việt Nam` is one word), whitespace dropped. The model and pyvi's word list are read from
/// `models/pyvi`, which `make setup` places there. Python's `str` semantics throughout (`\w`, `lower()`, `istitle()`).
public final class VietnameseWords: @unchecked Sendable {
    private let attributes: [String: Int32]
    /// Per attribute: its state features, (label, weight).
    private let stateFeatures: [[(label: Int, weight: Double)]]
    /// transition[i][j]: the score of label j after label i.
    private let transition: [[Double]]
    private let continuing: Int
    private let labelCount: Int
    private let biGrams: Set<String>, triGrams: Set<String>

    /// Reads `tokenizer.crfsuite` and `words.txt` from `folder` (as scripts/fetch-models.py writes them).
    public init(folder: String) throws {
        let modelPath = (folder as NSString).appendingPathComponent("tokenizer.crfsuite")
        guard let data = FileManager.default.contents(atPath: modelPath) else { throw WordModelError("cannot read \(modelPath)") }
        let b = [UInt8](data)
        func u32(_ o: Int) throws -> Int {
            guard o >= 0, o + 4 <= b.count else { throw WordModelError("\(modelPath): truncated at byte \(o)") }
            return Int(UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24)
        }
        func f64(_ o: Int) throws -> Double {
            guard o + 8 <= b.count else { throw WordModelError("\(modelPath): truncated at byte \(o)") }
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(b[o + k]) << (8 * UInt64(k)) }
            return Double(bitPattern: bits)
        }
        // CRFsuite's CRF1d model: a header, the features (type, source, destination, weight), the labels' and the
        // attributes' string tables (CQDB, read through their id → record arrays), and per label and per attribute
        // the features that start there.
        guard b.count > 48, b[0..<4] == [0x6C, 0x43, 0x52, 0x46] else { throw WordModelError("\(modelPath): not a CRFsuite model (no lCRF magic)") }
        let labelCount = try u32(20), attributeCount = try u32(24)
        let offFeatures = try u32(28), offLabels = try u32(32), offAttributes = try u32(36)
        let offLabelRefs = try u32(40), offAttributeRefs = try u32(44)
        func strings(_ at: Int, _ count: Int) throws -> [String] {
            guard at + 24 <= b.count, b[at..<(at + 4)] == [0x43, 0x51, 0x44, 0x42] else { throw WordModelError("\(modelPath): no string table at byte \(at)") }
            let n = try u32(at + 16), backward = try u32(at + 20)
            guard n >= count else { throw WordModelError("\(modelPath): string table at byte \(at) holds \(n) strings, \(count) expected") }
            return try (0..<count).map { id in
                let record = at + (try u32(at + backward + 4 * id))
                let size = try u32(record + 4)
                guard size >= 1, record + 8 + size <= b.count else { throw WordModelError("\(modelPath): bad string record at byte \(record)") }
                return String(decoding: b[(record + 8)..<(record + 8 + size - 1)], as: UTF8.self)
            }
        }
        let labels = try strings(offLabels, labelCount)
        guard let continuing = labels.firstIndex(of: "I_W") else { throw WordModelError("\(modelPath): no I_W label") }
        var attributes: [String: Int32] = [:]
        for (id, name) in try strings(offAttributes, attributeCount).enumerated() { attributes[name] = Int32(id) }
        func feature(_ id: Int) throws -> (type: Int, source: Int, destination: Int, weight: Double) {
            let at = offFeatures + 12 + 20 * id
            return (try u32(at), try u32(at + 4), try u32(at + 8), try f64(at + 12))
        }
        func references(_ chunk: Int, _ index: Int) throws -> [Int] {
            let at = try u32(chunk + 12 + 4 * index)
            let n = try u32(at)
            return try (0..<n).map { try u32(at + 4 + 4 * $0) }
        }
        var transition = [[Double]](repeating: [Double](repeating: 0, count: labelCount), count: labelCount)
        for i in 0..<labelCount {
            for id in try references(offLabelRefs, i) {
                let f = try feature(id)
                guard f.destination < labelCount else { throw WordModelError("\(modelPath): feature \(id) goes to label \(f.destination)") }
                transition[i][f.destination] = f.weight
            }
        }
        var state: [[(label: Int, weight: Double)]] = []
        state.reserveCapacity(attributeCount)
        for a in 0..<attributeCount {
            state.append(try references(offAttributeRefs, a).map { id in
                let f = try feature(id)
                guard f.destination < labelCount else { throw WordModelError("\(modelPath): feature \(id) goes to label \(f.destination)") }
                return (f.destination, f.weight)
            })
        }
        self.attributes = attributes
        stateFeatures = state
        self.transition = transition
        self.continuing = continuing
        self.labelCount = labelCount
        // words.txt: one word per line; pyvi keeps those of two and of three syllables (split at single spaces).
        let wordsPath = (folder as NSString).appendingPathComponent("words.txt")
        guard let words = FileManager.default.contents(atPath: wordsPath) else { throw WordModelError("cannot read \(wordsPath)") }
        var bi = Set<String>(), tri = Set<String>()
        for line in String(decoding: words, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            switch line.split(separator: " ", omittingEmptySubsequences: false).count {
            case 2: bi.insert(String(line))
            case 3: tri.insert(String(line))
            default: break
            }
        }
        biGrams = bi; triGrams = tri
    }

    // MARK: Loading, once per folder

    private static let cache = ModelCache<VietnameseWords>()

    /// The splitter for `folder`, read on first use and shared by every step after.
    static func load(_ folder: String) throws -> VietnameseWords { try cache.load(folder, VietnameseWords.init(folder:)) }

    /// The splitter `Document.words(language: "vi")` uses: the one the steps' building loaded, else `models/pyvi`
    /// from the working directory.
    static var shared: VietnameseWords? { cache.shared(fallback: "models/pyvi", VietnameseWords.init(folder:)) }

    // MARK: Words

    /// The words of `text`, in order, whitespace dropped.
    public func words(_ text: String) -> [String] {
        let s = Array(text.unicodeScalars)
        if s.isEmpty || s.allSatisfy(\.isPythonSpace) { return [] }
        // Syllables (a word joining two keeps the whitespace between them).
        var syllables: [Range<Int>] = []
        var i = 0
        while i < s.count {
            let end = Self.match(s, i)
            if !s[i].isPythonSpace { syllables.append(i..<end) }
            i = end
        }
        if syllables.isEmpty { return [] }
        let words = syllables.map { String(String.UnicodeScalarView(s[$0])) }
        let labels = tag(words)
        // Continuing syllables join the word before, unless punctuation, a digit or a capital after a small letter
        // is at the seam (pyvi's rule).
        var out: [String] = []
        var start = syllables[0].lowerBound, end = syllables[0].upperBound
        func emit() {
            let w = String(String.UnicodeScalarView(s[start..<end])).pythonStripped()
            if !w.isEmpty { out.append(String(w)) }
        }
        for k in 1..<words.count {
            let here = s[syllables[k].lowerBound], previous = s[syllables[k - 1].lowerBound]
            if labels[k] == continuing && !Self.punctuation.contains(words[k]) && !Self.punctuation.contains(words[k - 1])
                && !Self.isDigit(here) && !Self.isDigit(previous) && !(Self.isTitle(here) && !Self.isTitle(previous)) {
                end = syllables[k].upperBound
            } else {
                emit()
                start = syllables[k].lowerBound; end = syllables[k].upperBound
            }
        }
        emit()
        return out
    }

    /// Python's `string.punctuation`; pyvi asks whether a syllable is *in* it (a substring test).
    private static let punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

    // MARK: Syllables (spaCy's `pyvi_sylabelize_with_ws`: the first alternative that matches, in this order)

    private static let abbreviations: [[Unicode.Scalar]] = ["Tp.", "Mr.", "Mrs.", "Ms.", "Dr.", "ThS."].map { Array($0.unicodeScalars) }
    private static let specials: [[Unicode.Scalar]] = ["==>", "->", "...", ">>"].map { Array($0.unicodeScalars) }

    @inline(__always) static func isWord(_ u: Unicode.Scalar) -> Bool { u == "_" || u.isAlphanumeric }
    @inline(__always) static func isDecimal(_ u: Unicode.Scalar) -> Bool { u.properties.generalCategory == .decimalNumber }
    @inline(__always) static func isDigit(_ u: Unicode.Scalar) -> Bool { u.properties.numericType == .decimal || u.properties.numericType == .digit }
    /// `c.istitle()` for one character: upper case or title case.
    @inline(__always) static func isTitle(_ u: Unicode.Scalar) -> Bool { u.properties.isUppercase || u.properties.generalCategory == .titlecaseLetter }

    /// The end of the syllable (or whitespace run) starting at `i`.
    static func match(_ s: [Unicode.Scalar], _ i: Int) -> Int {
        let n = s.count
        func run(_ from: Int, _ p: (Unicode.Scalar) -> Bool) -> Int { var j = from; while j < n && p(s[j]) { j += 1 }; return j }
        func literal(_ l: [Unicode.Scalar]) -> Bool { i + l.count <= n && Array(s[i..<(i + l.count)]) == l }
        if s[i].isPythonSpace { return run(i, \.isPythonSpace) }
        // [A-ZĐ]+\.
        let capitals = run(i) { ("A"..."Z").contains($0) || $0 == "Đ" }
        if capitals > i && capitals < n && s[capitals] == "." { return capitals + 1 }
        for l in abbreviations + specials where literal(l) { return i + l.count }
        // \w+://[^\s]+
        let word = run(i, isWord)
        if word > i && word + 3 < n && s[word] == ":" && s[word + 1] == "/" && s[word + 2] == "/" && !s[word + 3].isPythonSpace {
            return run(word + 3) { !$0.isPythonSpace }
        }
        // [a-zA-Z0-9_.+-]+@([a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+
        func ascii(_ u: Unicode.Scalar) -> Bool { ("a"..."z").contains(u) || ("A"..."Z").contains(u) || ("0"..."9").contains(u) }
        let local = run(i) { ascii($0) || $0 == "_" || $0 == "." || $0 == "+" || $0 == "-" }
        if local > i && local < n && s[local] == "@", let end = separated(s, local + 1, label: { ascii($0) || $0 == "-" }, separator: { $0 == "." }) {
            return end
        }
        // \d+([\.,_]\d+)+
        if isDecimal(s[i]), let end = separated(s, i, label: isDecimal, separator: { $0 == "." || $0 == "," || $0 == "_" }) { return end }
        // [^\w\s] or \w+
        return isWord(s[i]) ? word : i + 1
    }

    /// The longest `label (separator label)+` starting at `from` (labels non-empty), as a greedy regex with
    /// backtracking finds it; nil without a second label.
    private static func separated(_ s: [Unicode.Scalar], _ from: Int, label: (Unicode.Scalar) -> Bool, separator: (Unicode.Scalar) -> Bool) -> Int? {
        var j = from
        var labels = 0
        var end = from
        while j < s.count && label(s[j]) {
            while j < s.count && label(s[j]) { j += 1 }
            labels += 1
            end = j
            guard j + 1 < s.count, separator(s[j]), label(s[j + 1]) else { break }
            j += 1
        }
        return labels >= 2 ? end : nil
    }

    // MARK: The CRF

    /// pyvi's features for each syllable, as python-crfsuite names them (`key:value` for strings, `key` with the
    /// boolean's 0 or 1), and Viterbi over the labels (ties to the lower label, as CRFsuite).
    func tag(_ words: [String]) -> [Int] {
        let n = words.count
        // Per distinct syllable: its lower-case form's attribute ids at the three positions, and its case flags.
        struct Syllable { var lower: String; var here, before, after: Int32; var upper, title, digit: Bool }
        var known: [String: Syllable] = [:]
        let syllables: [Syllable] = words.map { w in
            if let k = known[w] { return k }
            let lower = Self.pythonLower(w)
            let k = Syllable(lower: lower, here: attributes["word.lower():" + lower] ?? -1, before: attributes["-1:word.lower():" + lower] ?? -1,
                             after: attributes["+1:word.lower():" + lower] ?? -1, upper: Self.pythonIsUpper(w), title: Self.pythonIsTitle(w),
                             digit: !w.isEmpty && w.unicodeScalars.allSatisfy(Self.isDigit))
            known[w] = k
            return k
        }
        // Whether syllables t, t+1 (and t+2) form one of pyvi's words: `' '.join(...).lower()` is the lower-case
        // syllables joined.
        let pair = (0..<max(n - 1, 0)).map { biGrams.contains(syllables[$0].lower + " " + syllables[$0 + 1].lower) }
        let triple = (0..<max(n - 2, 0)).map { triGrams.contains(syllables[$0].lower + " " + syllables[$0 + 1].lower + " " + syllables[$0 + 2].lower) }
        let fixed = ["bias", "word.isupper()", "word.istitle()", "word.isdigit()", "-1:word.istitle()", "-1:word.isupper()", "-1:word.bi_gram()",
                     "-2:word.tri_gram()", "+1:word.istitle()", "+1:word.isupper()", "+1:word.bi_gram()", "+2:word.tri_gram()"].map { attributes[$0] ?? -1 }
        var state = [[Double]](repeating: [Double](repeating: 0, count: labelCount), count: n)
        for t in 0..<n {
            func add(_ a: Int32, _ on: Bool = true) {
                guard on, a >= 0 else { return }
                for f in stateFeatures[Int(a)] { state[t][f.label] += f.weight }
            }
            let w = syllables[t]
            add(fixed[0]); add(w.here); add(fixed[1], w.upper); add(fixed[2], w.title); add(fixed[3], w.digit)
            if t > 0 {
                let p = syllables[t - 1]
                add(p.before); add(fixed[4], p.title); add(fixed[5], p.upper); add(fixed[6], pair[t - 1])
                if t > 1 { add(fixed[7], triple[t - 2]) }
            }
            if t < n - 1 {
                let q = syllables[t + 1]
                add(q.after); add(fixed[8], q.title); add(fixed[9], q.upper); add(fixed[10], pair[t])
                if t < n - 2 { add(fixed[11], triple[t]) }
            }
        }
        let L = labelCount
        var score = state[0]
        var back = [[Int]](repeating: [Int](repeating: 0, count: L), count: n)
        for t in 1..<max(n, 1) {
            var next = [Double](repeating: 0, count: L)
            for j in 0..<L {
                var best = -Double.greatestFiniteMagnitude, argmax = -1
                for i in 0..<L {
                    let v = score[i] + transition[i][j]
                    if best < v { best = v; argmax = i }
                }
                if argmax >= 0 { back[t][j] = argmax }
                next[j] = best + state[t][j]
            }
            score = next
        }
        var labels = [Int](repeating: 0, count: n)
        var best = -Double.greatestFiniteMagnitude
        for i in 0..<L where best < score[i] { best = score[i]; labels[n - 1] = i }
        if n >= 2 { for t in stride(from: n - 2, through: 0, by: -1) { labels[t] = back[t + 1][labels[t + 1]] } }
        return labels
    }

    // MARK: Python's str methods

    static func pythonLower(_ w: String) -> String {
        var out = String.UnicodeScalarView()
        for u in w.unicodeScalars {
            if u.value < 0x80 { out.append(("A"..."Z").contains(u) ? Unicode.Scalar(u.value + 32)! : u) } else { out.append(contentsOf: u.properties.lowercaseMapping.unicodeScalars) }
        }
        return String(out)
    }

    /// `str.isupper()`: a cased character, and none lower or title case.
    static func pythonIsUpper(_ w: String) -> Bool {
        var cased = false
        for u in w.unicodeScalars {
            let p = u.properties
            if p.isLowercase || p.generalCategory == .titlecaseLetter { return false }
            if p.isUppercase { cased = true }
        }
        return cased
    }

    /// `str.istitle()`: upper- or title-case characters only after uncased ones, lower-case only after cased ones.
    static func pythonIsTitle(_ w: String) -> Bool {
        var cased = false, previousCased = false
        for u in w.unicodeScalars {
            let p = u.properties
            if p.isUppercase || p.generalCategory == .titlecaseLetter {
                if previousCased { return false }
                previousCased = true; cased = true
            } else if p.isLowercase {
                if !previousCased { return false }
                previousCased = true; cased = true
            } else {
                previousCased = false
            }
        }
        return cased
    }
}
