import XCTest
import Foundation
@testable import Winnow

/// The fuzz targets (bench/fuzz/run.sh) on their committed seeds: none crashes, well-formed seeds are taken and
/// broken ones refused.
final class FuzzSeedsTests: XCTestCase {
    private let seeds = "\(repoRoot)/bench/fuzz/seeds"

    private func files(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().map { "\(dir)/\($0)" }
    }

    func testSeedsAreTakenOrRefusedAsTheyShouldBe() throws {
        let refused: Set<String> = ["spec/wrong.json", "cron/e7.txt", "shards/short.bin"]
        var checked = 0
        for target in FuzzTargets.names {
            for path in files("\(seeds)/\(target)") {
                let name = "\(target)/\((path as NSString).lastPathComponent)"
                let error = FuzzTargets.refusal(target, try readFileBytes(path))
                XCTAssertEqual(error == nil, !refused.contains(name), "\(name): \(error.map { "\($0)" } ?? "taken")")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 20)
        // Formats whose seeds are the test fixtures other tools wrote.
        XCTAssertTrue(FuzzTargets.run("parquet", try readFileBytes("\(repoRoot)/Tests/WinnowTests/Fixtures/parquet/zstd_dict_v2.parquet")))
        XCTAssertFalse(FuzzTargets.run("parquet", try readFileBytes("\(repoRoot)/Tests/WinnowTests/Fixtures/parquet/truncated_footer.parquet")))
        let ftz = FuzzTargets.refusal("fasttext", try readFileBytes("\(repoRoot)/Tests/WinnowTests/Fixtures/fasttext/tiny_qout.ftz"))
        XCTAssertNil(ftz, "\(ftz.map { "\($0)" } ?? "")")
        XCTAssertFalse(FuzzTargets.run("fasttext", Array("not a model".utf8)))
    }


    /// Inputs that once crashed a parser under fuzzing (bench/fuzz/regressions/TARGET/, each named for what it
    /// found): each now runs to an answer; a model file is taken or refused, never a trap.
    func testFindingsStayFixed() throws {
        var replayed = 0
        for target in FuzzTargets.names {
            for path in files("\(repoRoot)/bench/fuzz/regressions/\(target)") {
                _ = FuzzTargets.refusal(target, try readFileBytes(path))
                replayed += 1
            }
        }
        XCTAssertGreaterThanOrEqual(replayed, 9)
        // A record whose length says 4 GB in a 9-byte file: refused as truncated, no 4 GB buffer.
        XCTAssertThrowsError(try WorkFile.StagedDoc.forEach("\(repoRoot)/bench/fuzz/regressions/records/huge-length.docs") { _ in }) {
            XCTAssertTrue("\($0)".contains("truncated work file"), "\($0)")
        }
        // A quantized model whose n-gram rows lie beyond its input matrix: refused at load, not read past.
        XCTAssertThrowsError(try FastTextModel(bytes: readFileBytes("\(repoRoot)/bench/fuzz/regressions/fasttext/rows-beyond-matrix.ftz"), path: "m.ftz")) {
            XCTAssertTrue("\($0)".contains("beyond the input matrix") || "\($0)".contains("buckets"), "\($0)")
        }
        // A work-file record whose fields run past its length: the file is refused, named as corrupt.
        let overrun = FuzzTargets.refusal("records", try readFileBytes("\(repoRoot)/bench/fuzz/regressions/records/overrun.docs"))
        XCTAssertTrue("\(overrun.map { "\($0)" } ?? "taken")".contains("no record type reads it"), "\(String(describing: overrun))")
        XCTAssertThrowsError(try WorkFile.StagedDoc.forEach("\(repoRoot)/bench/fuzz/regressions/records/overrun.docs") { _ in }) {
            XCTAssertTrue("\($0)".contains("a corrupt work-file record") || "\($0)" .contains("truncated work file"), "\($0)")
        }
        var d = RecordDecoder(UnsafeRawBufferPointer(start: nil, count: 0))
        XCTAssertEqual(d.string(), "")
        XCTAssertTrue(d.overran)
        // A response whose Content-Type is empty: read as a record that is not HTML, not a trap.
        XCTAssertNil(FuzzTargets.refusal("warc", try readFileBytes("\(repoRoot)/bench/fuzz/regressions/warc/empty-content-type.warc")))
        // A Parquet footer whose root has a negative number of children: a file without columns, refused.
        XCTAssertNotNil(FuzzTargets.refusal("parquet", try readFileBytes("\(repoRoot)/bench/fuzz/regressions/parquet/negative-children.parquet")))
        // A vocabulary id of 7 trillion (the second): refused, not a table of that size.
        let huge = FuzzTargets.refusal("tokenizer", try readFileBytes("\(repoRoot)/bench/fuzz/regressions/tokenizer/huge-id.json"))
        XCTAssertTrue("\(huge.map { "\($0)" } ?? "taken")".contains("tokens (ids must run from 0 without gaps)"), "\(String(describing: huge))")
        // An empty token shard (the third; it leaked a page when mapped): refused by its size.
        let empty = FuzzTargets.refusal("shards", [])
        XCTAssertTrue("\(empty.map { "\($0)" } ?? "taken")".contains("0 bytes: shorter than an llm.c token shard's 1,024-byte header"), "\(String(describing: empty))")
        // fastText weights that are NaN (the first finding): predictions come back, with probability 0.
        let nan = try readFileBytes("\(repoRoot)/bench/fuzz/regressions/fasttext/nan-weights.bin")
        let model = try FastTextModel(bytes: nan, path: "nan-weights.bin")
        XCTAssertTrue(model.predict("fuzzing the model with a sentence", k: 3).allSatisfy { $0.probability.isFinite && $0.probability >= 0 })
    }
}
