import Foundation
import XCTest
@testable import Winnow

/// The two token shard layouts, byte by byte, as llm.c's and Megatron's loaders read them.
final class TokenShardTests: XCTestCase {
    let docs: [[Int32]] = [[5, 6, 7], [], [70000 % 65536, 1, 2, 3, 4]]

    func write(_ format: TokenShardFormat, wide: Bool) throws -> (dir: String, offsets: [Int64], files: [TokenShardWriter.File]) {
        let dir = NSTemporaryDirectory() + "winnow-tokshard-\(getpid())-\(format.rawValue)-\(wide)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let planned = Int64(docs.reduce(0) { $0 + $1.count + 1 })
        let w = try TokenShardWriter(base: dir + "/train-00000", format: format, wide: wide, eot: 0, plannedTokens: planned)
        var offsets: [Int64] = []
        for d in docs { offsets.append(try d.withUnsafeBufferPointer { try w.add($0) }) }
        return (dir, offsets, try w.commit())
    }

    func ints<T: FixedWidthInteger>(_ data: Data, _ type: T.Type, from: Int, count: Int) -> [T] {
        (0..<count).map { i in data.subdata(in: (from + i * MemoryLayout<T>.size)..<(from + (i + 1) * MemoryLayout<T>.size)).withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) } }
    }

    func testLLMC() throws {
        for wide in [false, true] {
            let (dir, offsets, files) = try write(.llmc, wide: wide)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            XCTAssertEqual(files.map(\.name), ["train-00000.bin"])
            let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/train-00000.bin"))
            let header = ints(data, Int32.self, from: 0, count: 256)
            XCTAssertEqual(Array(header[0..<3]), wide ? [20240801, 7, 11] : [20240520, 1, 11])
            XCTAssertTrue(header[3...].allSatisfy { $0 == 0 })
            let tokens: [Int64] = wide ? ints(data, UInt32.self, from: 1024, count: 11).map(Int64.init) : ints(data, UInt16.self, from: 1024, count: 11).map(Int64.init)
            XCTAssertEqual(tokens, [0, 5, 6, 7, 0, 0, 4464, 1, 2, 3, 4])
            XCTAssertEqual(data.count, 1024 + 11 * (wide ? 4 : 2))
            XCTAssertEqual(offsets, [1, 5, 6])
            XCTAssertEqual(files[0].sha256, SHA256.hash(data).hex)
        }
    }

    func testMegatron() throws {
        let (dir, offsets, files) = try write(.megatron, wide: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(files.map(\.name), ["train-00000.bin", "train-00000.idx"])
        let bin = try Data(contentsOf: URL(fileURLWithPath: dir + "/train-00000.bin"))
        XCTAssertEqual(ints(bin, UInt16.self, from: 0, count: 11), [5, 6, 7, 0, 0, 4464, 1, 2, 3, 4, 0])
        XCTAssertEqual(offsets, [0, 4, 5])
        let idx = try Data(contentsOf: URL(fileURLWithPath: dir + "/train-00000.idx"))
        XCTAssertEqual(Array(idx[0..<9]), TokenShardFormat.megatronMagic)
        XCTAssertEqual(ints(idx, UInt64.self, from: 9, count: 1), [1])
        XCTAssertEqual(idx[17], 8)                                           // uint16
        XCTAssertEqual(ints(idx, UInt64.self, from: 18, count: 2), [3, 4])  // sequences, document indices
        XCTAssertEqual(ints(idx, Int32.self, from: 34, count: 3), [4, 1, 6])
        XCTAssertEqual(ints(idx, Int64.self, from: 46, count: 3), [0, 8, 10])
        XCTAssertEqual(ints(idx, Int64.self, from: 70, count: 4), [0, 1, 2, 3])
        XCTAssertEqual(idx.count, 70 + 32)
        XCTAssertEqual(files[1].sha256, SHA256.hash(idx).hex)
    }
}
