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
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
    ],
    targets: [
        // libarchive, from Debian's libarchive-dev (Homebrew's libarchive on macOS). The library is
        // named by BoxArchive's linker settings, not by the module map, so that Linux can link it
        // statically (see there).
        .systemLibrary(
            name: "CLibArchive",
            providers: [
                .apt(["libarchive-dev", "libzstd-dev", "liblz4-dev", "liblzma-dev", "libbz2-dev", "zlib1g-dev", "nettle-dev"]),
                .brew(["libarchive"]),
            ]
        ),
        // libvirt's C API (Debian's libvirt-dev headers), loaded with dlopen when first used.
        .target(name: "CLibvirt", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        // Paths, file locks, logging, process helpers and the YAML field reader shared by every module.
        .target(
            name: "BoxerSupport",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The .box file format: streaming archive read/write, metadata, checksums.
        .target(
            name: "BoxArchive",
            dependencies: [
                "CLibArchive",
                "BoxerSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // On Linux libarchive and its compression libraries are linked statically, with only the
            // formats boxer uses: the shared library loads libxml2 and ICU (for xar) and seven more
            // libraries at every start, which cost `boxer status` about 2.5 MiB and a millisecond
            // before it reads a single file. Debian's -dev packages ship every one of these archives.
            linkerSettings: [
                .linkedLibrary(":libarchive.a", .when(platforms: [.linux])),
                .linkedLibrary(":libnettle.a", .when(platforms: [.linux])),
                .linkedLibrary(":liblzma.a", .when(platforms: [.linux])),
                .linkedLibrary(":libzstd.a", .when(platforms: [.linux])),
                .linkedLibrary(":liblz4.a", .when(platforms: [.linux])),
                .linkedLibrary(":libbz2.a", .when(platforms: [.linux])),
                .linkedLibrary(":libz.a", .when(platforms: [.linux])),
                // Every libarchive writer needs its generic format setter, which names all of the
                // writers, xar's among them, and that one calls libxml2. Release builds drop the
                // unused writers (--gc-sections) and so need no libxml2; debug builds keep them.
                .linkedLibrary("xml2", .when(platforms: [.linux], configuration: .debug)),
                .linkedLibrary("archive", .when(platforms: [.macOS])),
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
            dependencies: [
                "BoxerSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // Environment networks: the subnet registry, the DHCP server and the userspace switch.
        .target(name: "Networks", dependencies: ["BoxerSupport"]),
        // Machines: the provider protocol, machine folders and index, the SSH communicator,
        // NoCloud seeds, provisioners and the lifecycle that `up`, `halt` and `destroy` drive.
        .target(
            name: "Machines",
            dependencies: [
                "BoxerSupport", "BoxStore", "BoxArchive", "Vagrantfile", "Networks",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The hypervisor backends: QEMU and libvirt (run here), VirtualBox, VMware and Parallels drivers.
        .target(
            name: "Providers",
            dependencies: [
                "CLibvirt", "Machines", "BoxerSupport", "BoxStore", "Networks", "Vagrantfile",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // `boxer build`: templates, the source image, customization and one box per provider.
        .target(
            name: "Builder",
            dependencies: [
                "BoxerSupport", "BoxStore", "BoxArchive", "Machines", "Providers",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // One ArgumentParser command per file; the executable only calls into here.
        .target(
            name: "BoxerCommands",
            dependencies: [
                "BoxStore",
                "BoxArchive",
                "BoxerSupport",
                "Vagrantfile",
                "Machines",
                "Providers",
                "Networks",
                "Builder",
                "NodeAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `boxer serve`'s node API (issue 22): HTTP+JSON on Hummingbird, on a unix socket and loopback TCP.
        .target(
            name: "NodeAPI",
            dependencies: [
                "BoxerSupport",
                "BoxStore",
                "Machines",
                "Providers",
                "Vagrantfile",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(name: "boxer", dependencies: ["BoxerCommands", "BoxerSupport"]),
        // An external provider plugin (providers/PLUGINS.md) that runs machines with QEMU.
        .executableTarget(name: "boxer-provider-example", dependencies: ["Providers", "BoxerSupport"]),
        // libFuzzer target for the Vagrantfile parser and evaluator (scripts/fuzz).
        .executableTarget(name: "VagrantfileFuzz", dependencies: ["Vagrantfile"]),
        // Tests, one target per library module, plus the end-to-end runs that boot guests or
        // build boxes (IntegrationTests). Shared helpers are libraries of their own.
        .target(
            name: "BoxerTestSupport",
            dependencies: ["CLibArchive", "BoxArchive", "BoxerSupport"],
            path: "Tests/BoxerTestSupport"
        ),
        // Recording stand-ins for VBoxManage, vmrun and prlctl, which cannot be installed here.
        .target(
            name: "ProviderStandIns",
            dependencies: ["Machines", "Providers", "BoxStore", "BoxerSupport"],
            path: "Tests/ProviderStandIns"
        ),
        .testTarget(name: "BoxerSupportTests", dependencies: ["BoxerSupport"]),
        .testTarget(name: "BoxArchiveTests", dependencies: ["BoxArchive", "BoxerTestSupport"]),
        .testTarget(name: "BoxStoreTests", dependencies: ["BoxStore", "BoxerCommands", "BoxerTestSupport"]),
        .testTarget(name: "VagrantfileTests", dependencies: ["Vagrantfile", "BoxerCommands", "BoxerTestSupport"]),
        .testTarget(name: "NetworkTests", dependencies: ["Networks", "BoxerSupport", "BoxerTestSupport"]),
        .testTarget(name: "MachineTests", dependencies: ["Machines", "Providers", "BoxStore", "Vagrantfile", "BoxerTestSupport"]),
        .testTarget(
            name: "ProvidersTests",
            dependencies: [
                "Providers", "Machines", "BoxStore", "Networks", "Vagrantfile", "BoxerSupport", "BoxerTestSupport", "ProviderStandIns",
            ]
        ),
        .testTarget(
            name: "NodeAPITests",
            dependencies: [
                "NodeAPI", "BoxStore", "Machines", "Vagrantfile", "BoxerTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
        .testTarget(name: "BuilderTests", dependencies: ["Builder", "BoxStore", "Providers", "BoxerTestSupport"]),
        .testTarget(
            name: "BoxerCommandsTests",
            dependencies: [
                "BoxerCommands", "BoxerSupport", "BoxArchive", "BoxStore", "Builder", "Machines", "Networks", "Providers", "Vagrantfile",
                "BoxerTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Everything that boots a guest under QEMU or builds a box: real processes, one at a time.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "Machines", "Providers", "BoxStore", "BoxArchive", "Vagrantfile", "BoxerSupport", "BoxerTestSupport", "ProviderStandIns",
            ]
        ),
    ]
)
