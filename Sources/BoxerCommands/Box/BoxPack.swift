import ArgumentParser
import BoxArchive
import Foundation

struct BoxPack: ParsableCommand {
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

    @Argument(help: "The folder to pack.")
    var folder: String

    @Option(name: .shortAndLong, help: "Where to write the box.")
    var output = "package.box"

    @OptionGroup var compression: CompressionOptions

    func run() throws {
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let source = URL(fileURLWithPath: folder, relativeTo: here).standardizedFileURL
        let metadata = try BoxMetadata(contentsOf: source, source: source.appendingPathComponent("metadata.json").path)
        let destination = URL(fileURLWithPath: output, relativeTo: here).standardizedFileURL
        let written = try BoxWriter(compression: compression.method, checksums: [.sha256]).write(folder: source, to: destination)
        print("==> box: Packed \(source.path) (\(metadata.provider)) into \(destination.path)")
        print("    box: \(written.bytes) bytes")
        print(written.checksums[.sha256] ?? "")
    }
}
