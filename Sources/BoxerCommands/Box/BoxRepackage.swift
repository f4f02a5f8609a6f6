import ArgumentParser
import BoxerSupport
import BoxArchive
import BoxStore
import Foundation

struct BoxRepackage: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "repackage",
        abstract: "Pack an installed box back into a .box file.",
        discussion: """
            Writes package.box (or --output) in the current folder from the installed box NAME for \
            PROVIDER at VERSION, as `vagrant box repackage` does: a pax tar with metadata.json first, \
            sparse disk images kept sparse, gzip by default. The file appears only when complete.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Name of the installed box.")
    var name: String

    @Argument(help: "Provider of the installed box.")
    var provider: String

    @Argument(help: "Version of the installed box.")
    var version: String

    @Option(help: "Architecture of the installed box, when it is stored under one.")
    var architecture: String?

    @Option(name: [.short, .customLong("output")], help: "Where to write the box.")
    var destination = "package.box"

    @OptionGroup var compression: CompressionOptions

    func run() async throws {
        let output = global.makeOutput()
        let store = try openStore()
        let matches = store.find(name: name, version: version, provider: provider, architecture: architecture)
        guard let box = matches.first else {
            throw BoxStoreError.notInstalled(name: name, detail: " for '\(provider)' at version \(version)\(architecture.map { " (\($0))" } ?? "")")
        }
        guard matches.count == 1 else {
            throw CommandError("'\(name)' \(version) for '\(provider)' is installed for several architectures (\(matches.compactMap(\.architecture).joined(separator: ", "))); choose one with --architecture.")
        }
        let target = URL(fileURLWithPath: destination, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
        let written = try BoxWriter(compression: compression.method, checksums: [.sha256]).write(folder: box.directory, to: target)
        output.targeting("box").say("Repackaged '\(box.name)' (v\(box.version)) for '\(box.provider)' into \(target.path)")
        output.targeting("box").detail("\(written.bytes) bytes, sha256 \(written.checksums[.sha256] ?? "")")
    }
}

/// `--compression` and `--level`, shared by the commands that write boxes.
struct CompressionOptions: ParsableArguments {
    @Option(help: "gzip, zstd or none.")
    var compression = "gzip"

    @Option(help: "Compression level (gzip 1-9, default 6; zstd 1-19, default 3).")
    var level: Int?

    func validate() throws {
        guard ["gzip", "zstd", "none"].contains(compression) else {
            throw ValidationError("--compression must be gzip, zstd or none.")
        }
        if let level, compression == "gzip" ? !(1...9).contains(level) : !(1...19).contains(level) {
            throw ValidationError("--level \(level) is out of range for \(compression).")
        }
    }

    var method: BoxCompression {
        switch compression {
        case "zstd": .zstd(level: level ?? 3)
        case "none": .none
        default: .gzip(level: level ?? 6)
        }
    }
}
