// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Winnow",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Winnow", targets: ["Winnow"]),
        // The command is `winnow`; its target is WinnowCLI, so no two folders under Sources/ differ only by case.
        .executable(name: "winnow", targets: ["WinnowCLI"]),
        // Winnow's parsers under libFuzzer (bench/fuzz/run.sh), or replaying files through them.
        .executable(name: "winnow-fuzz", targets: ["WinnowFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"]), .brew(["openssl"])]),
        .systemLibrary(name: "CIsal", path: "Sources/CIsal", pkgConfig: "libisal",
                       providers: [.apt(["libisal-dev"])]),
        .systemLibrary(name: "CSnappy", path: "Sources/CSnappy", pkgConfig: "snappy",
                       providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .target(name: "Winnow", dependencies: ["CSQLite", "CZlib", "CZstd", "CCrypto", "CIsal", "CSnappy", "CLinux", "COpenBLAS"]),
        .executableTarget(name: "WinnowCLI", dependencies: [
            "Winnow", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "WinnowFuzz", dependencies: ["Winnow"]),
        .testTarget(name: "WinnowTests", dependencies: ["Winnow"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v5]
)
