import Foundation
import XCTest
@testable import Winnow

/// Issue 19, item 3: every statement a run makes lives in `Lineage/` (RunLedger, CleaningRecords, ShardRecords,
/// TokenRecords, DatasetRecords, ScheduleRecords, TrainRecords); only the user's own queries come from elsewhere.
final class LedgerTests: XCTestCase {
    func testNoSQLOutsideLineage() throws {
        let sources = "\(repoRoot)/Sources"
        let sql = try NSRegularExpression(pattern: #"\b(SELECT .* FROM|INSERT INTO|UPDATE [a-z_]+ SET|DELETE FROM|CREATE (TABLE|INDEX|VIEW)|BEGIN IMMEDIATE|PRAGMA [a-z_]+)\b"#)
        var found: [String] = []
        let files = FileManager.default.enumerator(atPath: sources)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        XCTAssertGreaterThan(files.count, 50)
        for f in files where !f.hasPrefix("Winnow/Lineage/") {
            let text = try String(contentsOfFile: "\(sources)/\(f)", encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let l = String(line)
                if l.trimmingCharacters(in: .whitespaces).hasPrefix("//") { continue }
                if sql.firstMatch(in: l, range: NSRange(l.startIndex..., in: l)) != nil { found.append("\(f):\(n + 1): \(l.trimmingCharacters(in: .whitespaces).prefix(100))") }
            }
        }
        XCTAssertEqual(found, [], "SQL outside Sources/Winnow/Lineage:\n" + found.joined(separator: "\n"))
    }
}
