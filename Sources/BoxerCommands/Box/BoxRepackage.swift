import ArgumentParser
import BoxArchive
import BoxStore
import BoxerSupport
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

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Where to write the box.", valueName: "output"))
    var destination = "package.box"

    @OptionGroup var compression: CompressionOptions

    func run() async throws {
        let output = global.makeOutput()
        let store = try openStore()
        let matches = store.find(name: name, version: version, provider: provider, architecture: architecture)
        guard let box = matches.first else {
            throw BoxStoreError.notInstalled(
                name: name, detail: " for '\(provider)' at version \(version)\(architecture.map { " (\($0))" } ?? "")")
        }
        guard matches.count == 1 else {
            throw CommandError.severalArchitectures(
                name: name, version: version, provider: provider, architectures: matches.compactMap(\.architecture))
        }
        let target = URL(fileURLWithPath: destination, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL
        let written = try BoxWriter(compression: compression.method, checksums: [.sha256]).write(folder: box.directory, to: target)
        output.targeting("box").say("Repackaged '\(box.name)' (v\(box.version)) for '\(box.provider)' into \(target.path)")
        output.targeting("box").detail("\(written.bytes) bytes, sha256 \(written.checksums[.sha256] ?? "")")
    }
}
