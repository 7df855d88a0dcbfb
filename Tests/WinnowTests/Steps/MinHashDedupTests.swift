import XCTest
@testable import Winnow

final class MinHashDedupTests: XCTestCase {
    /// Letters only: digits are folded by the normalisation.
    private static func word(_ n: Int) -> String {
        var n = n, s = ""
        repeat { s.append(Character(Unicode.Scalar(UInt8(97 + n % 26)))); n /= 26 } while n > 0
        return s
    }
    private lazy var base = (0..<120).map { Self.word($0 * 7919 % 1000 + 30) }.joined(separator: " ")

    /// A copy with every `every`-th word replaced.
    private func edited(_ text: String, every: Int) -> String {
        text.split(separator: " ").enumerated().map { i, w in i % every == every - 1 ? "zz" + Self.word(i) : String(w) }.joined(separator: " ")
    }

    /// The drop decisions (`keepers: true`: the keep-and-annotate decisions of clusters' kept documents too).
    private func reduce(_ step: MinHashDedup, _ docs: [Document], keepers: Bool = false) throws -> [Int: BarrierDecision] {
        let r = step.makeReducer()
        for (i, d) in docs.enumerated() {
            step.key(for: d).withUnsafeBytes { r.consume(order: i, docID: d.id, key: $0) }
        }
        return try r.finish().filter { keepers || $0.value.rewrite == nil }
    }

    /// The kept document of each cluster records the cluster's size (FineWeb-2's `minhash_cluster_size`); a document
    /// in no cluster gets no decision.
    func testKeptDocumentsRecordTheirClustersSize() throws {
        let docs = [Document(id: "a", text: base, source: "s"), Document(id: "b", text: base + " end", source: "s"),
                    Document(id: "c", text: base.uppercased(), source: "s"), Document(id: "lone", text: edited(base, every: 2), source: "s")]
        let d = try reduce(MinHashDedup(name: "minhash_dedup"), docs, keepers: true)
        XCTAssertEqual(d[0]?.annotations["minhash_cluster_size"], .int(3))
        XCTAssertEqual(d[0]?.rewrite, [])
        XCTAssertEqual(d[0]?.dupOf, nil)
        XCTAssertEqual(Set(d.keys), [0, 1, 2])
        XCTAssertEqual(d[1]?.reason, "near_duplicate")
        XCTAssertNil(d[3])
    }

    func testNormalisationFoldsCaseDigitsPunctuationAndDiacritics() {
        XCTAssertEqual(String(decoding: MinHashDedup.normalize("Héllo,  WORLD! Price: 3.50 € — ﬁne\tday 2024."), as: UTF8.self),
                       "hello world price 0 fine day 0")
        XCTAssertEqual(MinHashDedup.normalize(" ..., "), [])
        // One decimal separator belongs to the number; a second starts a new one (datatrove's pattern).
        XCTAssertEqual(String(decoding: MinHashDedup.normalize("1,000,000 and 3.5. Ölçü"), as: UTF8.self), "0 0 and 0 olcu")
    }

    func testNearDuplicatesClusterAndDistinctTextsDoNot() throws {
        let step = MinHashDedup(name: "minhash_dedup")
        let other = (0..<120).map { "q" + Self.word($0 * 104729 % 977) }.joined(separator: " ")
        let docs = [
            Document(id: "a", text: base, source: "s"),
            Document(id: "b", text: other, source: "s"),
            Document(id: "c", text: edited(base, every: 40), source: "s"),          // 3 of 120 words changed
            Document(id: "d", text: base.uppercased() + "!!", source: "s"),         // same after normalisation
            Document(id: "e", text: edited(base, every: 2), source: "s"),           // half the words changed
            Document(id: "f", text: "", source: "s"),
            Document(id: "g", text: "", source: "s"),
        ]
        let d = try reduce(step, docs)
        XCTAssertEqual(Set(d.keys), [2, 3])
        XCTAssertEqual(d[2]?.dupOf, "a")
        XCTAssertEqual(d[3]?.dupOf, "a")
        XCTAssertEqual(d[3]?.reason, "near_duplicate")
        XCTAssertEqual(d[3]?.annotations["minhash_similarity"], .number(1))
        XCTAssertEqual(d[2]?.annotations["minhash_cluster"], .int(0))
        guard case .number(let s)? = d[2]?.annotations["minhash_similarity"] else { return XCTFail() }
        XCTAssertGreaterThan(s, 0.7)
        XCTAssertLessThan(s, 1)
    }

    /// `group_by`: near-duplicates are found within a group (here each language, as FineWeb-2 deduplicates), never
    /// across; the group comes from an annotation, else from the input's field; without one, documents share a group.
    func testGroupsAreDeduplicatedApart() throws {
        let step = MinHashDedup(name: "minhash_dedup", groupBy: "language")
        func doc(_ id: String, _ text: String, annotated: String? = nil, field: String? = nil) -> Document {
            var d = Document(id: id, text: text, source: "s", metadata: field.map { Array(#"{"language": "\#($0)"}"#.utf8) } ?? [])
            if let annotated { d.annotations["language"] = .string(annotated) }
            return d
        }
        let docs = [
            doc("pt1", base, annotated: "pt"), doc("es1", base, annotated: "es"),
            doc("pt2", edited(base, every: 40), annotated: "pt"),       // near pt1: dropped
            doc("es2", base, field: "es"),                               // the input's field: near es1, dropped
            doc("none1", base), doc("none2", base),                      // no group: one group of their own
        ]
        let d = try reduce(step, docs)
        XCTAssertEqual(Set(d.keys), [2, 3, 5])
        XCTAssertEqual(d[2]?.dupOf, "pt1")
        XCTAssertEqual(d[3]?.dupOf, "es1")
        XCTAssertEqual(d[5]?.dupOf, "none1")
        // Within a group, the same similarities as without groups.
        let plain = try reduce(MinHashDedup(name: "minhash_dedup"), [docs[0], docs[2]])
        XCTAssertEqual(plain[1]?.annotations["minhash_similarity"], d[2]?.annotations["minhash_similarity"])
    }

    func testKeepRulesAndVerification() throws {
        var short = Document(id: "short", text: base, source: "s")
        var long = Document(id: "long", text: base + " and a longer tail", source: "s")
        short.annotations["quality"] = .number(0.9)
        long.annotations["quality"] = .number(0.2)
        let longest = try reduce(MinHashDedup(name: "m", keep: .longest), [short, long])
        XCTAssertEqual(longest[0]?.dupOf, "long")
        let scored = try reduce(MinHashDedup(name: "m", keep: .highestScore("quality")), [long, short])
        XCTAssertEqual(scored[0]?.dupOf, "short")
        // A strict exact-Jaccard check rejects a pair the buckets proposed.
        // 3 of 120 words changed: 11 of 116 shingles differ, Jaccard 105/127.
        let near = Document(id: "near", text: edited(base, every: 40), source: "s")
        XCTAssertEqual(try reduce(MinHashDedup(name: "m"), [short, near]).count, 1)
        XCTAssertEqual(try reduce(MinHashDedup(name: "m", threshold: 0.95, verify: .exact), [short, near]).count, 0)
        let exact = try reduce(MinHashDedup(name: "m", threshold: 0.5, verify: .exact), [short, near])
        guard case .number(let j)? = exact[1]?.annotations["minhash_similarity"] else { return XCTFail() }
        XCTAssertEqual(j, 105.0 / 127.0, accuracy: 1e-9)
    }

    func testSignaturesDependOnlyOnTheSeed() {
        let d = Document(id: "a", text: base, source: "s")
        XCTAssertEqual(MinHashDedup(name: "m", seed: 3).key(for: d), MinHashDedup(name: "m", seed: 3).key(for: d))
        XCTAssertNotEqual(MinHashDedup(name: "m", seed: 3).key(for: d), MinHashDedup(name: "m", seed: 4).key(for: d))
        // Character shingles see through missing spaces.
        let cjk = MinHashDedup(name: "m", ngramSize: 3, shingle: .char)
        let k1 = cjk.key(for: Document(id: "1", text: "我们今天去公园散步然后回家吃饭", source: "s"))
        let k2 = cjk.key(for: Document(id: "2", text: "我们 今天 去公园散步 然后回家吃饭", source: "s"))
        XCTAssertEqual(k1.dropFirst(13), k2.dropFirst(13))
    }

    /// Through the CLI: lineage records dup_of and the similarity; explain shows the kept twin.
    func testRunRecordsTheKeptTwin() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("orig", base) + jsonl("other", "a completely different text about rivers and dogs in the morning light"))
        try writeFile("\(dir)/data/b.jsonl.gz", jsonl("copy", edited(base, every: 40)))
        try writeFile("\(dir)/spec.json", """
        {"name": "mh", "sources": [{"name": "web", "paths": ["data/*"]}], "steps": [{"type": "minhash_dedup"}], "output": {"dir": "out"}}
        """)
        let run = try CLI.run(["run", "\(dir)/spec.json", "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let rows = try CLI.run(["lineage", "--spec", "\(dir)/spec.json", "--csv",
                                "select doc_id, status, reason, dup_of, json_extract(annotations, '$.minhash_cluster') as cluster, json_extract(annotations, '$.minhash_cluster_size') as size from documents order by doc_id"])
        XCTAssertEqual(rows.stdout, "doc_id,status,reason,dup_of,cluster,size\ncopy,dropped,near_duplicate,orig,0,\norig,kept,,,,2\nother,kept,,,,\n", rows.stderr)
        let explain = try CLI.run(["explain", "--spec", "\(dir)/spec.json", "copy"])
        XCTAssertTrue(explain.stdout.contains("duplicate of orig"), explain.stdout)
        XCTAssertTrue(explain.stdout.contains("minhash_similarity"), explain.stdout)
    }

    /// Incremental: a first run writes the index of what it kept; a second run over new documents drops the
    /// ones near an earlier document, with that document's id as dup_of; a mismatched index fails validation.
    func testLaterRunDedupsAgainstAnEarlierRunsIndex() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/old/a.jsonl", jsonl("old-1", base) + jsonl("old-2", base.uppercased()))
        try writeFile("\(dir)/new/b.jsonl", jsonl("new-1", edited(base, every: 40)) + jsonl("new-2", edited(base, every: 40) + " tail")
                      + jsonl("new-3", "an unrelated text about something else entirely, with enough words to shingle"))
        try writeFile("\(dir)/first.json", """
        {"name": "first", "sources": [{"name": "web", "paths": ["old/*.jsonl"]}], "steps": [{"type": "minhash_dedup", "index": true}], "output": {"dir": "out1"}}
        """)
        XCTAssertEqual(try CLI.run(["run", "\(dir)/first.json", "--quiet"]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/out1/minhash/minhash_dedup.idx"))
        try writeFile("\(dir)/second.json", """
        {"name": "second", "sources": [{"name": "web", "paths": ["new/*.jsonl"]}],
         "steps": [{"type": "minhash_dedup", "against": ["out1/minhash/minhash_dedup.idx"]}], "output": {"dir": "out2"}}
        """)
        let run = try CLI.run(["run", "\(dir)/second.json", "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let rows = try CLI.run(["lineage", "--spec", "\(dir)/second.json", "--csv", "select doc_id, status, dup_of from documents order by doc_id"])
        XCTAssertEqual(rows.stdout, "doc_id,status,dup_of\nnew-1,dropped,old-1\nnew-2,dropped,old-1\nnew-3,kept,\n", rows.stderr)
        try writeFile("\(dir)/third.json", """
        {"name": "third", "sources": [{"name": "web", "paths": ["new/*.jsonl"]}],
         "steps": [{"type": "minhash_dedup", "bands": 20, "rows": 5, "against": ["out1/minhash/minhash_dedup.idx"]}], "output": {"dir": "out3"}}
        """)
        let bad = try CLI.run(["validate", "\(dir)/third.json"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("/steps/0/against/0: ") && bad.stderr.contains("other ngram_size, bands, rows, seed or shingle"), bad.stderr)
    }

    /// The staged reduce (bucket stage per band range, then the cluster merge) decides exactly as the
    /// one-pass reduce: same lineage rows and annotations, same shards.
    func testStagedAndInMemoryModesAreIdentical() throws {
        let dir = try makeTempDir(self)
        var rng = SplitMix(seed: 7)
        for f in 0..<4 {
            var text = ""
            for d in 0..<30 {
                // Variants of a few base texts (some edited, some not) among unrelated ones.
                let family = Int(rng.next() % 6)
                let body: String
                if family < 3 {
                    let words = (0..<80).map { Self.word((family * 1000 + $0 * 37) % 5000 + 30) }
                    body = words.enumerated().map { i, w in rng.next() % 25 == 0 ? "zz" + Self.word(i) : w }.joined(separator: " ")
                } else {
                    body = (0..<60).map { _ in Self.word(Int(rng.next() % 20000) + 30) }.joined(separator: " ")
                }
                text += jsonl("f\(f)-d\(d)", body)
            }
            try writeFile("\(dir)/data/part-\(f).jsonl", text)
        }
        func run(_ mode: String) throws -> (String, [String: [UInt8]]) {
            try writeFile("\(dir)/\(mode).json", """
            {"name": "\(mode)", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}],
             "steps": [{"type": "minhash_dedup", "mode": "\(mode)", "band_tasks": 3, "verify": "estimated", "threshold": 0.5, "keep": "longest"}],
             "output": {"dir": "out-\(mode)", "compression": "none"}}
            """)
            let r = try CLI.run(["run", "\(dir)/\(mode).json", "--quiet"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let rows = try CLI.run(["lineage", "--spec", "\(dir)/\(mode).json", "--csv",
                                    "select doc_id, status, reason, dup_of, annotations, shard, position from documents order by doc_id"])
            var shards: [String: [UInt8]] = [:]
            for f in try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out-\(mode)") where f.hasPrefix("shard-") {
                shards[f] = try readFileBytes("\(dir)/out-\(mode)/\(f)")
            }
            return (rows.stdout, shards)
        }
        let memory = try run("memory"), staged = try run("staged")
        XCTAssertGreaterThan(memory.0.components(separatedBy: "near_duplicate").count - 1, 20, "the corpus must have duplicates to find")
        XCTAssertEqual(memory.0, staged.0)
        XCTAssertEqual(memory.1, staged.1)
    }
}

/// A tiny deterministic generator for test corpora.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &+ 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
