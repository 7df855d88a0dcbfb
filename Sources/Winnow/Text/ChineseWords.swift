import Foundation

/// Chinese words as datatrove's Chinese word tokenizer finds them: spaCy's `zh` with the jieba segmenter, i.e.
/// jieba 0.42.1's `cut(text, cut_all=False, HMM=True)` with its own dictionary, whitespace tokens dropped. The
/// algorithm is jieba's (the dictionary and model are jieba's files, which `make setup` places in `models/jieba`):
/// - the text is cut into runs of Han ideographs (U+4E00–U+9FD5), ASCII letters and digits and `+#&._%-`; every
///   other character is a word of its own (whitespace is dropped);
/// - in a run, every dictionary word starting at each position is an edge of a graph; the path with the highest
///   sum of log word frequencies wins (ties: the longer word, as Python's `max` over `(score, end)` decides);
/// - consecutive single characters the dictionary does not know as a word go through jieba's hidden Markov model
///   (states B, M, E, S; Viterbi, ties to the later state letter): Han runs are cut where it says; letters and
///   digits (with a decimal part and `%`) stay together.
/// The arithmetic is the same IEEE operations in the same order as jieba's Python, so the choices are the same.
public final class ChineseWords: @unchecked Sendable {
    /// Frequency of every dictionary word, and 0 for every prefix of one that is not itself a word.
    private let frequency: [String: Int]
    private let logTotal: Double
    /// HMM log-probabilities, states in the order B, M, E, S.
    private let start: [Double]
    private let transition: [[Double]]
    private let emission: [[UInt32: Double]]

    static let minFloat = -3.14e100

    /// Reads `dict.txt` and `hmm.tsv` from `folder` (as scripts/fetch-models.py writes them).
    public init(folder: String) throws {
        func read(_ name: String) throws -> String {
            let path = (folder as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else { throw WordModelError("cannot read \(path)") }
            return String(decoding: data, as: UTF8.self)
        }
        // `word frequency [tag]` per line (jieba's gen_pfdict), read on the bytes: a word's prefixes end where a UTF-8
        // character starts.
        let dictPath = (folder as NSString).appendingPathComponent("dict.txt")
        guard let data = FileManager.default.contents(atPath: dictPath) else { throw WordModelError("cannot read \(dictPath)") }
        var frequency: [String: Int] = [:]
        frequency.reserveCapacity(700_000)
        var total = 0
        var lineNumber = 0
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let b = raw.bindMemory(to: UInt8.self)
            var start = 0
            while start < b.count {
                var end = start
                while end < b.count && b[end] != 0x0A { end += 1 }
                lineNumber += 1
                var s = start, e = end
                while s < e && (b[s] == 0x20 || b[s] == 0x09 || b[s] == 0x0D) { s += 1 }
                while e > s && (b[e - 1] == 0x20 || b[e - 1] == 0x09 || b[e - 1] == 0x0D) { e -= 1 }
                start = end + 1
                if s == e { continue }
                var space = s
                while space < e && b[space] != 0x20 { space += 1 }
                var f = 0, d = space + 1, digits = 0
                while d < e && b[d] >= 0x30 && b[d] <= 0x39 { f = f * 10 + Int(b[d] - 0x30); d += 1; digits += 1 }
                guard space > s, digits > 0, d == e || b[d] == 0x20 else {
                    throw WordModelError("\(folder)/dict.txt line \(lineNumber): not `word frequency [tag]`")
                }
                frequency[String(decoding: UnsafeBufferPointer(rebasing: b[s..<space]), as: UTF8.self)] = f
                total += f
                for p in (s + 1)..<space where b[p] & 0xC0 != 0x80 {
                    let prefix = String(decoding: UnsafeBufferPointer(rebasing: b[s..<p]), as: UTF8.self)
                    if frequency[prefix] == nil { frequency[prefix] = 0 }
                }
            }
        }
        self.frequency = frequency
        logTotal = Foundation.log(Double(total))
        var start = [Double](repeating: Self.minFloat, count: 4)
        var transition = [[Double]](repeating: [Double](repeating: -.infinity, count: 4), count: 4)
        var emission = [[UInt32: Double]](repeating: [:], count: 4)
        lineNumber = 0
        for line in try read("hmm.tsv").split(separator: "\n") {
            lineNumber += 1
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 4, let state = Self.state(f[1]), let p = Double(f[3]) else { throw WordModelError("\(folder)/hmm.tsv line \(lineNumber): not `kind state key log-probability`") }
            switch f[0] {
            case "start": start[state] = p
            case "trans":
                guard let to = Self.state(f[2]) else { throw WordModelError("\(folder)/hmm.tsv line \(lineNumber): unknown state \(f[2])") }
                transition[state][to] = p
            case "emit":
                guard let s = f[2].unicodeScalars.first, f[2].unicodeScalars.count == 1 else { throw WordModelError("\(folder)/hmm.tsv line \(lineNumber): not one character") }
                emission[state][s.value] = p
            default: throw WordModelError("\(folder)/hmm.tsv line \(lineNumber): unknown kind \(f[0])")
            }
        }
        self.start = start; self.transition = transition; self.emission = emission
    }

    private static func state(_ s: Substring) -> Int? { ["B": 0, "M": 1, "E": 2, "S": 3][String(s)] }

    // MARK: Loading, once per folder

    private static let cache = ModelCache<ChineseWords>()

    /// The splitter for `folder`, read on first use and shared by every step after.
    static func load(_ folder: String) throws -> ChineseWords { try cache.load(folder, ChineseWords.init(folder:)) }

    /// The splitter `Document.words(language: "zh")` uses: the one the steps' building loaded, else
    /// `models/jieba` from the working directory.
    static var shared: ChineseWords? { cache.shared(fallback: "models/jieba", ChineseWords.init(folder:)) }

    // MARK: Splitting

    /// jieba's run characters: Han U+4E00–U+9FD5, ASCII letters and digits, `+#&._%-`.
    @inline(__always) static func inRun(_ v: UInt32) -> Bool {
        switch v {
        case 0x4E00...0x9FD5, 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2B, 0x23, 0x26, 0x2E, 0x5F, 0x25, 0x2D: return true
        default: return false
        }
    }

    /// The words of `text`, in order, whitespace dropped.
    public func words(_ text: String) -> [String] {
        var out: [String] = []
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let v = scalars[i].value
            if Self.inRun(v) {
                var j = i + 1
                while j < scalars.count && Self.inRun(scalars[j].value) { j += 1 }
                cutRun(scalars[i..<j], into: &out)
                i = j
            } else {
                if !scalars[i].isPythonSpace { out.append(String(Character(scalars[i]))) }
                i += 1
            }
        }
        return out
    }

    private static func string(_ s: ArraySlice<Unicode.Scalar>) -> String {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: s)
        return String(v)
    }

    /// jieba's `__cut_DAG` on one run.
    private func cutRun(_ run: ArraySlice<Unicode.Scalar>, into out: inout [String]) {
        let s = Array(run)
        let n = s.count
        // The graph: for each start, the ends (inclusive) of the dictionary words (frequency > 0) starting there.
        var dag = [[Int]](repeating: [], count: n)
        for k in 0..<n {
            var frag = String.UnicodeScalarView()
            var i = k
            frag.append(s[k])
            while i < n, let f = frequency[String(frag)] {
                if f > 0 { dag[k].append(i) }
                i += 1
                if i < n { frag.append(s[i]) }
            }
            if dag[k].isEmpty { dag[k].append(k) }
        }
        // Best route from each position to the end.
        var score = [Double](repeating: 0, count: n + 1)
        var next = [Int](repeating: 0, count: n + 1)
        for idx in stride(from: n - 1, through: 0, by: -1) {
            var best = -Double.infinity, bestEnd = -1
            for x in dag[idx] {
                let f = frequency[Self.string(s[idx...x])] ?? 0
                let v = Foundation.log(Double(f == 0 ? 1 : f)) - logTotal + score[x + 1]
                if v > best || (v == best && x > bestEnd) { best = v; bestEnd = x }
            }
            score[idx] = best; next[idx] = bestEnd
        }
        var x = 0
        var buf = 0..<0
        func flush() {
            guard !buf.isEmpty else { return }
            if buf.count == 1 {
                out.append(Self.string(s[buf]))
            } else if (frequency[Self.string(s[buf])] ?? 0) == 0 {
                unknown(s[buf], into: &out)
            } else {
                for c in s[buf] { out.append(String(Character(c))) }
            }
            buf = 0..<0
        }
        while x < n {
            let y = next[x] + 1
            if y - x == 1 {
                buf = buf.isEmpty ? x..<y : buf.lowerBound..<y
            } else {
                flush()
                out.append(Self.string(s[x..<y]))
            }
            x = y
        }
        flush()
    }

    /// jieba's `finalseg.cut`: Han runs through the HMM; the rest cut into letter/digit runs (`[a-zA-Z0-9]+(\.\d+)?%?`)
    /// and what lies between them.
    private func unknown(_ s: ArraySlice<Unicode.Scalar>, into out: inout [String]) {
        func isHan(_ c: Unicode.Scalar) -> Bool { (0x4E00...0x9FD5).contains(c.value) }
        func isAlnum(_ c: Unicode.Scalar) -> Bool { let v = c.value; return (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) }
        func isDigit(_ c: Unicode.Scalar) -> Bool { (0x30...0x39).contains(c.value) }
        var i = s.startIndex
        while i < s.endIndex {
            if isHan(s[i]) {
                var j = i + 1
                while j < s.endIndex && isHan(s[j]) { j += 1 }
                viterbi(s[i..<j], into: &out)
                i = j
                continue
            }
            // A non-Han stretch: its letter/digit tokens and the pieces between them.
            var j = i
            while j < s.endIndex && !isHan(s[j]) { j += 1 }
            var k = i, pieceStart = i
            while k < j {
                guard isAlnum(s[k]) else { k += 1; continue }
                var e = k + 1
                while e < j && isAlnum(s[e]) { e += 1 }
                if e + 1 < j, s[e] == ".", isDigit(s[e + 1]) {
                    e += 2
                    while e < j && isDigit(s[e]) { e += 1 }
                }
                if e < j && s[e] == "%" { e += 1 }
                if pieceStart < k { out.append(Self.string(s[pieceStart..<k])) }
                out.append(Self.string(s[k..<e]))
                k = e; pieceStart = e
            }
            if pieceStart < j { out.append(Self.string(s[pieceStart..<j])) }
            i = j
        }
    }

    /// The Viterbi path over B, M, E, S for a Han run, cut into words.
    private func viterbi(_ s: ArraySlice<Unicode.Scalar>, into out: inout [String]) {
        let obs = Array(s)
        let n = obs.count
        // Where each state may come from (jieba's PrevStatus), in its order.
        let previous = [[2, 3], [1, 0], [0, 1], [3, 2]]   // B: E,S  M: M,B  E: B,M  S: S,E
        let names: [UInt8] = [0x42, 0x4D, 0x45, 0x53]
        var v = [Double](repeating: 0, count: 4)
        var back = [[Int]](repeating: [0, 0, 0, 0], count: n)
        for y in 0..<4 { v[y] = start[y] + (emission[y][obs[0].value] ?? Self.minFloat) }
        for t in stride(from: 1, to: n, by: 1) {
            var nv = [Double](repeating: 0, count: 4)
            for y in 0..<4 {
                let em = emission[y][obs[t].value] ?? Self.minFloat
                var best = -Double.infinity, from = -1
                for y0 in previous[y] {
                    let p = v[y0] + transition[y0][y] + em
                    // Python's max over (probability, state letter): a tie goes to the later letter.
                    if from < 0 || p > best || (p == best && names[y0] > names[from]) { best = p; from = y0 }
                }
                nv[y] = best; back[t][y] = from
            }
            v = nv
        }
        // The last state: E or S, ties to S.
        var state = v[3] >= v[2] ? 3 : 2
        var states = [Int](repeating: 0, count: n)
        for t in stride(from: n - 1, through: 0, by: -1) {
            states[t] = state
            if t > 0 { state = back[t][state] }
        }
        var begin = 0, nexti = 0
        for i in 0..<n {
            switch states[i] {
            case 0: begin = i
            case 2: out.append(Self.string(obs[begin...i])); nexti = i + 1
            case 3: out.append(String(Character(obs[i]))); nexti = i + 1
            default: break
            }
        }
        if nexti < n { out.append(Self.string(obs[nexti...])) }
    }
}
