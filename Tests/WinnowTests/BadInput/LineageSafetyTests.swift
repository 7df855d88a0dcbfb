import XCTest
@testable import Winnow

/// Issue 16, items 16 and 17: `winnow lineage` cannot write or create files, runs exactly one statement, reads a
/// WAL-mode file on read-only media; errors name the file and the OS's reason.
final class LineageSafetyTests: XCTestCase {
    private func lineageFile() throws -> (dir: String, db: String) {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "one") + jsonl("2", "two"))
        try writeFile("\(dir)/spec.json", #"{"name": "l", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "output": {"dir": "out"}}"#)
        try runSpec("\(dir)/spec.json")
        return (dir, "\(dir)/out/lineage.db")
    }

    /// Item 16: VACUUM INTO and ATTACH (with a mode=rwc URI) create no file anywhere; the lineage file is unchanged.
    func testNoStatementCreatesAFile() throws {
        let (dir, db) = try lineageFile()
        let before = try readFileBytes(db)
        for (sql, expected) in [("VACUUM INTO '\(dir)/copy.db'", "read-only"),
                                ("ATTACH 'file:\(dir)/attached.db?mode=rwc' AS x", "ATTACH and DETACH are not allowed"),
                                ("attach database '\(dir)/attached2.db' as y", "ATTACH and DETACH are not allowed"),
                                ("DELETE FROM runs", "read-only"),
                                ("PRAGMA journal_mode = WAL", "read-only")] {
            let r = try CLI.run(["lineage", "--db", db, sql])
            XCTAssertNotEqual(r.status, 0, sql)
            XCTAssertTrue(r.stderr.contains(expected), "\(sql): \(r.stderr)")
        }
        for f in ["copy.db", "attached.db", "attached2.db"] { XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/\(f)"), f) }
        XCTAssertEqual(try readFileBytes(db), before)
    }

    /// Item 16: several statements are refused as a whole (none runs), not run partly in silence.
    func testSeveralStatementsAreRefused() throws {
        let (_, db) = try lineageFile()
        let r = try CLI.run(["lineage", "--db", db, "select 1; select 2"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("give one SQL statement: more follows the first \";\""), r.stderr)
        XCTAssertEqual(r.stdout, "")
        // A trailing semicolon or comment is one statement.
        let ok = try CLI.run(["lineage", "--db", db, "select count(*) as n from runs; -- how many", "--csv"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(ok.stdout, "n\n1\n")
    }

    /// Item 16: a WAL-mode lineage file on read-only media is read (immutable fallback). The read-only mount lives in
    /// a private mount namespace (`unshare -m`), so nothing outlives the test.
    func testWALFileOnReadOnlyMediaIsRead() throws {
        let (dir, db) = try lineageFile()
        do {
            let w = try SQLiteDatabase(path: db)
            try w.exec("PRAGMA journal_mode = WAL")
        }
        XCTAssertEqual(try readFileBytes(db)[18], 2, "the file is in WAL mode")
        try FileManager.default.createDirectory(atPath: "\(dir)/ro", withIntermediateDirectories: true)
        let script = """
        set -e
        mount --bind '\(dir)/out' '\(dir)/ro'
        mount -o remount,bind,ro '\(dir)/ro'
        if touch '\(dir)/ro/probe' 2>/dev/null; then echo "mount is writable"; exit 9; fi
        exec '\(CLI.binary)' lineage --db '\(dir)/ro/lineage.db' --csv "select count(*) as n from documents"
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["-m", "--propagation", "private", "sh", "-c", script]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, stderr)
        XCTAssertEqual(stdout, "n\n2\n", stderr)
    }

    /// Item 17: errors name the file and the reason: a file that is not a database, a lock file that cannot be
    /// created, an output.dir under a regular file (no NSCocoaErrorDomain dump).
    func testErrorsNameTheFileAndTheReason() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/notadb.db", String(repeating: "this is not sqlite\n", count: 100))
        let r = try CLI.run(["lineage", "--db", "\(dir)/notadb.db", "select 1"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("\(dir)/notadb.db: file is not a database"), r.stderr)

        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "x"))
        try writeFile("\(dir)/blocker", "a file where a folder should be")
        try writeFile("\(dir)/spec.json", #"{"name": "e", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "output": {"dir": "blocker/out"}}"#)
        let run = try CLI.run(["run", "\(dir)/spec.json"])
        XCTAssertEqual(run.status, 1)
        XCTAssertFalse(run.stderr.contains("NSCocoaErrorDomain"), run.stderr)
        XCTAssertTrue(run.stderr.contains("\(dir)/blocker/out: cannot create output.dir"), run.stderr)

        // A run whose lineage file is not a database says which file.
        try writeFile("\(dir)/spec2.json", #"{"name": "e", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "output": {"dir": "out2"}, "lineage": "notadb.db"}"#)
        let run2 = try CLI.run(["run", "\(dir)/spec2.json"])
        XCTAssertEqual(run2.status, 1)
        XCTAssertTrue(run2.stderr.contains("\(dir)/notadb.db: file is not a database"), run2.stderr)
    }

    /// Item 17: Foundation's file errors are described by path and reason, never as an NSCocoaErrorDomain dump.
    func testFoundationErrorsAreDescribedByPathAndReason() {
        XCTAssertThrowsError(try FileManager.default.contentsOfDirectory(atPath: "/no/such/folder")) { error in
            XCTAssertEqual(describe(error), "/no/such/folder: The file doesn’t exist.")
        }
        let bare = NSError(domain: NSCocoaErrorDomain, code: 512, userInfo: [NSFilePathErrorKey: "/some/file"])
        XCTAssertEqual(describe(bare), "/some/file: could not be written (Foundation error 512)")
        XCTAssertFalse(describe(bare).contains("NSCocoaErrorDomain"))
    }

    /// Item 17: a lock file that cannot be created names itself and the OS error.
    func testLockFileErrorNamesFileAndReason() throws {
        let dir = try makeTempDir(self)
        try FileManager.default.createDirectory(atPath: "\(dir)/out/.winnow.lock", withIntermediateDirectories: true)
        XCTAssertThrowsError(try OutputLock(dir: "\(dir)/out")) { error in
            XCTAssertEqual("\(error)", "\(dir)/out/.winnow.lock: cannot create the lock file that keeps two runs out of this output folder (Is a directory)")
        }
    }
}
