import ArgumentParser
import BoxArchive
import BoxerSupport
import Foundation

struct BoxPack: ParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Write a .box file from a folder laid out as a box.",
        discussion: """
            FOLDER holds metadata.json and the provider's files (for libvirt/qemu: box.img, a qcow2 \
            image, and optionally a Vagrantfile), as Packer's vagrant post-processor lays them out. \
            The box is a pax tar with metadata.json first and sparse images kept sparse, gzip by \
            default; it appears only when complete. Prints the sha256 on the last line.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The folder to pack.")
    var folder: String

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Where to write the box.", valueName: "output"))
    var destination = "package.box"

    @OptionGroup var compression: CompressionOptions

    func run() throws {
        let output = global.makeOutput()
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let source = URL(fileURLWithPath: folder, relativeTo: here).standardizedFileURL
        let metadata = try BoxMetadata(contentsOf: source, source: source.appendingPathComponent("metadata.json").path)
        let target = URL(fileURLWithPath: destination, relativeTo: here).standardizedFileURL
        let written = try BoxWriter(compression: compression.method, checksums: [.sha256]).write(folder: source, to: target)
        let box = output.targeting("box")
        box.say("Packed \(source.path) (\(metadata.provider)) into \(target.path)")
        box.detail("\(written.bytes) bytes")
        output.text(written.checksums[.sha256] ?? "")
    }
}
