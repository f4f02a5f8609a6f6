// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "boxer",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "boxer", targets: ["boxer"]),
        .library(name: "BoxerKit", targets: ["BoxerSupport", "BoxArchive", "BoxStore", "Vagrantfile", "BoxerCommands"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // libarchive, from Debian's libarchive-dev (Homebrew's libarchive on macOS).
        .systemLibrary(
            name: "CLibArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"]), .brew(["libarchive"])]
        ),
        // Paths, file locks, logging and process helpers shared by every module.
        .target(
            name: "BoxerSupport",
            dependencies: [.product(name: "Logging", package: "swift-log")]
        ),
        // The .box file format: streaming archive read/write, metadata, checksums.
        .target(
            name: "BoxArchive",
            dependencies: [
                "CLibArchive",
                "BoxerSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The Vagrant-compatible box store, catalogs and downloads.
        .target(
            name: "BoxStore",
            dependencies: ["BoxArchive", "BoxerSupport", .product(name: "Logging", package: "swift-log")]
        ),
        // The Vagrantfile interpreter: a Ruby subset in Swift and Vagrant's configuration model.
        .target(
            name: "Vagrantfile",
            dependencies: ["BoxerSupport", .product(name: "Yams", package: "Yams")]
        ),
        // One ArgumentParser command per file; the executable only calls into here.
        .target(
            name: "BoxerCommands",
            dependencies: [
                "BoxStore",
                "BoxArchive",
                "BoxerSupport",
                "Vagrantfile",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "boxer", dependencies: ["BoxerCommands", "BoxerSupport"]),
        // libFuzzer target for the Vagrantfile parser and evaluator (scripts/fuzz).
        .executableTarget(name: "VagrantfileFuzz", dependencies: ["Vagrantfile"]),
        .target(name: "BoxerTestSupport", dependencies: ["CLibArchive", "BoxArchive", "BoxerSupport"], path: "Tests/BoxerTestSupport"),
        .testTarget(name: "BoxArchiveTests", dependencies: ["BoxArchive", "BoxerTestSupport"]),
        .testTarget(name: "VagrantfileTests", dependencies: ["Vagrantfile", "BoxerCommands", "BoxerTestSupport"]),
        .testTarget(name: "BoxStoreTests", dependencies: ["BoxStore", "BoxerCommands", "BoxerTestSupport"]),
    ]
)
