import Foundation
import Winnow

// `winnow-fuzz`: Winnow's parsers under libFuzzer. bench/fuzz/run.sh builds this target with
// `-sanitize=fuzzer,address -DFUZZING` and runs one target (WINNOW_FUZZ_TARGET) for a given time; built normally,
// it replays files through a target instead: `winnow-fuzz TARGET FILE...` (what the regression tests do).

/// The target this process fuzzes, from WINNOW_FUZZ_TARGET.
let fuzzTarget: String = {
    let t = ProcessInfo.processInfo.environment["WINNOW_FUZZ_TARGET"] ?? ""
    guard FuzzTargets.names.contains(t) else {
        FileHandle.standardError.write(Data("winnow-fuzz: set WINNOW_FUZZ_TARGET to one of \(FuzzTargets.names.joined(separator: ", "))\n".utf8))
        exit(2)
    }
    return t
}()

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTargets.run(fuzzTarget, size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

// SwiftPM links an executable's entry point as `<module>_main`; here it hands over to libFuzzer's driver.
@_cdecl("WinnowFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    _ = fuzzTarget
    var c = argc, v = argv
    return runDriver(&c, &v, fuzzOne)
}
#else
@main
struct Replay {
    static func main() {
        let args = CommandLine.arguments.dropFirst()
        guard let target = args.first, FuzzTargets.names.contains(target) else {
            print("usage: winnow-fuzz TARGET FILE...   (targets: \(FuzzTargets.names.joined(separator: ", ")))")
            exit(2)
        }
        for path in args.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { print("\(path): cannot read"); exit(1) }
            FuzzTargets.run(target, [UInt8](data))
            print("\(target) \(path): ok")
        }
    }
}
#endif
