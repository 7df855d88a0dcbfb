import Foundation
import XCTest
@testable import Winnow

/// A Hugging Face dataset folder (pyarrow-written files laid out as the Hub ships them) through the CLI a user types:
/// `winnow validate` names its files and row counts; `winnow run` reads the chosen config and split and writes
/// Parquet shards that hold, document for document, what the JSONL shards hold — the same bytes on every run.
final class ParquetPipelineTests: XCTestCase {
    let fixtures = "\(repoRoot)/Tests/WinnowTests/Fixtures/parquet"

    /// `ds/`: README.md declaring two configs (FineWeb's shape), `data/<dump>/*.parquet` and `sample/10BT/*.parquet`.
    private func dataset(_ tmp: String) throws -> String {
        let ds = "\(tmp)/ds"
        let fm = FileManager.default
        for d in ["data/CC-MAIN-2024-10", "data/CC-MAIN-2024-18", "sample/10BT"] { try fm.createDirectory(atPath: "\(ds)/\(d)", withIntermediateDirectories: true) }
        try fm.copyItem(atPath: "\(fixtures)/zstd_dict_v2.parquet", toPath: "\(ds)/data/CC-MAIN-2024-10/000_00000.parquet")
        try fm.copyItem(atPath: "\(fixtures)/snappy_plain_v1.parquet", toPath: "\(ds)/data/CC-MAIN-2024-18/000_00000.parquet")
        try fm.copyItem(atPath: "\(fixtures)/gzip_dict_v1.parquet", toPath: "\(ds)/sample/10BT/000_00000.parquet")
        try writeFile("\(ds)/README.md", """
        ---
        license: odc-by
        task_categories:
        - text-generation
        configs:
        - config_name: default
          data_files:
          - split: train
            path: data/*/*
        - config_name: sample-10BT
          data_files:
          - split: train
            path: sample/10BT/*
        ---
        # A dataset card

        configs: this line is prose, not YAML.
        """)
        return ds
    }

    func testReadmeConfigsAndHubConventions() throws {
        let tmp = try makeTempDir(self)
        let ds = try dataset(tmp)
        XCTAssertEqual(try HFDataset.files(dir: ds, config: nil, split: nil).get().map { String($0.dropFirst(ds.count + 1)) },
                       ["data/CC-MAIN-2024-10/000_00000.parquet", "data/CC-MAIN-2024-18/000_00000.parquet"])
        XCTAssertEqual(try HFDataset.files(dir: ds, config: "sample-10BT", split: "train").get().map { String($0.dropFirst(ds.count + 1)) },
                       ["sample/10BT/000_00000.parquet"])
        for (config, split, expect) in [("nope", "train", "its configs: default, sample-10BT"), ("default", "test", "its splits: train")] {
            guard case .failure(let e) = HFDataset.files(dir: ds, config: config, split: split) else { XCTFail("\(config) \(split)"); continue }
            XCTAssertTrue(e.description.contains(expect), e.description)
        }
        // Without a README: `data/<split>-NNNNN-of-NNNNN.parquet` and `<config>/<split>/NNNN.parquet`.
        let plain = "\(tmp)/plain"
        try FileManager.default.createDirectory(atPath: "\(plain)/data", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(plain)/fr/validation", withIntermediateDirectories: true)
        for f in ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet", "data/test-00000-of-00001.parquet", "fr/validation/0000.parquet"] {
            try FileManager.default.copyItem(atPath: "\(fixtures)/none_plain_v1.parquet", toPath: "\(plain)/\(f)")
        }
        XCTAssertEqual(try HFDataset.files(dir: plain, config: nil, split: "train").get().map { String($0.dropFirst(plain.count + 1)) },
                       ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"])
        XCTAssertEqual(try HFDataset.files(dir: plain, config: "fr", split: "validation").get().map { String($0.dropFirst(plain.count + 1)) },
                       ["fr/validation/0000.parquet"])
        guard case .failure(let e) = HFDataset.files(dir: plain, config: nil, split: "dev") else { return XCTFail("no dev split") }
        XCTAssertTrue(e.description.contains("splits found: fr, test, train") || e.description.contains("splits found:"), e.description)
        // `data_files` as a plain string and as a list of strings (split `train`).
        let cards = ["configs:\n- config_name: default\n  data_files: \"data/*.parquet\"\n", "configs:\n- config_name: default\n  data_files:\n  - data/a/*\n  - data/b/*\n"]
        XCTAssertEqual(HFDataset.readmeConfigs("---\n" + cards[0] + "---\n")?.first?.splits.map(\.paths), [["data/*.parquet"]])
        XCTAssertEqual(HFDataset.readmeConfigs("---\n" + cards[1] + "---\n")?.first?.splits.map(\.split), ["train"])
        XCTAssertEqual(HFDataset.readmeConfigs("---\n" + cards[1] + "---\n")?.first?.splits.first?.paths, ["data/a/*", "data/b/*"])
    }

    func testDatasetFolderToParquetShards() throws {
        let tmp = try makeTempDir(self)
        _ = try dataset(tmp)
        let spec = "\(tmp)/spec.json"
        try writeFile(spec, """
        {"name": "hf", "sources": [{"name": "fineweb", "paths": ["ds"], "format": "parquet", "config": "default", "split": "train"}],
         "steps": [{"type": "length", "min_chars": 10}],
         "output": {"dir": "out", "formats": ["jsonl", "parquet"], "parquet_row_group_bytes": 200, "shard_docs": 11}}
        """)
        let v = try CLI.run(["validate", spec])
        XCTAssertEqual(v.status, 0, v.stderr)
        XCTAssertTrue(v.stdout.contains("source fineweb (config default, split train): 2 Parquet file(s), 43 rows in 9 row group(s)"), v.stdout)
        XCTAssertTrue(v.stdout.contains("ds/data/CC-MAIN-2024-10/000_00000.parquet: 25 rows in 5 row group(s)"), v.stdout)
        let r = try CLI.run(["run", spec, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = "\(tmp)/out"
        // Null texts are bad rows with their row numbers.
        XCTAssertEqual(try lineageRows("\(out)/lineage.db", "select input, line, reason from errors order by input, line").map { $0.joined(separator: " ") },
                       ["ds/data/CC-MAIN-2024-18/000_00000.parquet 6 null_text", "ds/data/CC-MAIN-2024-18/000_00000.parquet 14 null_text"])
        // The Parquet shards, read back, are the JSONL shards.
        let manifest = try JSONParser.parse(readFileBytes("\(out)/manifest.json"))
        let jsonl = try shardText(out).split(separator: "\n").map { try JSONParser.parse(String($0)) }
        var fromParquet: [JSONValue] = []
        let entries = manifest["parquet"]?["shards"]?.arrayValue ?? []
        XCTAssertEqual(entries.count, manifest["shards"]?.arrayValue?.count)
        XCTAssertGreaterThan(entries.count, 1)
        for e in entries {
            let path = "\(out)/\(e["path"]!.stringValue!)"
            XCTAssertEqual(try DatasetPlan.fileSHA256(path), e["sha256"]?.stringValue)
            let file = try ParquetFile(path: path)
            XCTAssertEqual(file.leaves.map(\.name), ["id", "text", "source", "language", "score", "count", "ok"])
            for item in try ParquetSourceTests.items(path) {
                guard case .document(let d, _) = item else { XCTFail("\(item)"); continue }
                var meta = try JSONParser.parse(d.metadata).objectValue!
                let source = meta["source"]!
                meta["source"] = nil
                fromParquet.append(.object(JSONObject([("id", .string(d.id)), ("text", .string(d.text)), ("source", source), ("metadata", .object(meta))])))
            }
        }
        XCTAssertEqual(fromParquet.count, 36)
        XCTAssertEqual(fromParquet, jsonl)
        // The same spec and inputs: the same Parquet bytes, cleaned again or kept by a rerun.
        let first = try entries.map { try readFileBytes("\(out)/\($0["path"]!.stringValue!)") }
        for flags in [["--reclean"], []] {
            let again = try CLI.run(["run", spec, "--quiet"] + flags)
            XCTAssertEqual(again.status, 0, again.stderr)
            XCTAssertEqual(try entries.map { try readFileBytes("\(out)/\($0["path"]!.stringValue!)") }, first, "\(flags)")
            XCTAssertEqual(try JSONParser.parse(readFileBytes("\(out)/manifest.json"))["parquet"], manifest["parquet"])
        }
    }

    /// A file that is not Parquet: under `skip` one bad row naming it, the other files read; under `stop` the run
    /// stops naming it.
    func testUnreadableFileUnderSkipAndStop() throws {
        let tmp = try makeTempDir(self)
        try FileManager.default.createDirectory(atPath: "\(tmp)/in", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(fixtures)/zstd_plain_v2.parquet", toPath: "\(tmp)/in/a.parquet")
        try FileManager.default.copyItem(atPath: "\(fixtures)/truncated_footer.parquet", toPath: "\(tmp)/in/b.parquet")
        for onError in ["skip", "stop"] {
            try writeFile("\(tmp)/\(onError).json", """
            {"name": "p", "on_error": "\(onError)", "sources": [{"name": "s", "paths": ["in/*.parquet"], "format": "parquet"}],
             "steps": [], "output": {"dir": "out-\(onError)", "formats": ["parquet"]}}
            """)
            let r = try CLI.run(["run", "\(tmp)/\(onError).json", "--quiet"])
            if onError == "skip" {
                XCTAssertEqual(r.status, 0, r.stderr)
                let rows = try lineageRows("\(tmp)/out-skip/lineage.db", "select input, line, reason, message from errors")
                XCTAssertEqual(rows.count, 1)
                XCTAssertEqual(rows.first?.prefix(3).map { $0 }, ["in/b.parquet", "1", "unreadable_input"])
                XCTAssertTrue(rows.first?[3].contains("does not end with PAR1") ?? false, "\(rows)")
                XCTAssertEqual(try lineageRows("\(tmp)/out-skip/lineage.db", "select count(*) from documents where status = 'kept'")[0][0], "27")
            } else {
                XCTAssertNotEqual(r.status, 0)
                XCTAssertTrue(r.stderr.contains("in/b.parquet") && r.stderr.contains("does not end with PAR1"), r.stderr)
            }
        }
    }
}
