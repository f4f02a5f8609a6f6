import BoxArchive
import BoxerSupport
import Foundation

/// What `boxer build --format` writes: boxes, and plain disk images beside them for people who
/// launch the images without Vagrant (an image service, `qemu-system-x86_64 -drive file=…`).
public enum OutputFormat: String, Sendable, CaseIterable {
    case box, qcow2, raw, vmdk

    /// `qemu-img convert` arguments for an image format (nil for boxes).
    var qemuImgArguments: [String]? {
        switch self {
        case .box: nil
        case .qcow2: ["-O", "qcow2"]
        case .raw: ["-O", "raw"]
        // One sparse file, what VMware Workstation and ESXi's vmkfstools import.
        case .vmdk: ["-O", "vmdk", "-o", "subformat=monolithicSparse"]
        }
    }
}

/// One plain image that a build wrote: `<template>-<size>.<format>[.gz]`.
public struct BuiltImage: Sendable, Equatable {
    public var format: OutputFormat
    public var diskBytes: UInt64
    public var file: String
    public var gzipped: Bool
    public var sha512: String
    public var md5: String
}

/// Everything a build wrote, once it is all in place.
public struct BuildResult: Sendable, Equatable {
    public var boxes: [BuiltBox] = []
    public var images: [BuiltImage] = []

    /// Every file, with its name in the checksum files.
    var files: [(file: String, sha512: String, md5: String)] {
        boxes.map { ($0.file, $0.sha512, $0.md5) } + images.map { ($0.file, $0.sha512, $0.md5) }
    }
}

extension BoxBuilder {
    /// One plain image of the disk: converted under a temporary name beside its final one,
    /// gzipped when asked (the uncompressed copy then goes), hashed.
    func writeImage(
        _ template: BoxTemplate, format: OutputFormat, size: UInt64, disk: String, qemuImg: String, options: Options
    ) async throws(BuildError) -> BuiltImage {
        let sizeText = BoxTemplate.sizeText(size)
        let plain = options.output + "/\(template.name)-\(sizeText).\(format.rawValue)"
        let file = options.gzipImages ? plain + ".gz" : plain
        let partial = Self.partialName(of: plain)
        log.say("Writing the \(format.rawValue) image (\(sizeText))\(options.gzipImages ? ", gzipped" : "")")
        unlink(partial)
        try await run(qemuImg, ["convert"] + (format.qemuImgArguments ?? []) + [disk, partial], "write the \(format.rawValue) image")
        var checksums: [ChecksumType: String]
        do {
            if options.gzipImages {
                let gzipped = Self.partialName(of: file)
                unlink(gzipped)
                defer { unlink(partial) }
                try BuildError.checkCancellation("the \(format.rawValue) image was gzipped")
                checksums = try ImageFile.gzip(partial, to: gzipped, level: options.imageGzipLevel, types: [.sha512, .md5])
            } else {
                checksums = try ImageFile.checksums(of: partial, types: [.sha512, .md5])
            }
        } catch let error as BuildError {
            unlink(Self.partialName(of: file))
            throw error
        } catch {
            unlink(Self.partialName(of: file))
            let said = "\(error)"
            throw BuildError.cannotWrite(file, said, advice: said.contains("No space left") ? Self.fullDiskAdvice(file) : "")
        }
        log.detail(file)
        return BuiltImage(
            format: format, diskBytes: size, file: file, gzipped: options.gzipImages, sha512: checksums[.sha512] ?? "",
            md5: checksums[.md5] ?? "")
    }

    /// `SHA512SUM` and `MD5SUM` in the output folder over every file of the build, in the form
    /// `sha512sum -c` reads; the same files as `SHA512SUM.txt` and `MD5SUM.txt`, the names
    /// image mirrors use.
    func writeChecksums(_ result: BuildResult, output: String) throws(BuildError) {
        let names = result.files.map { ($0, ($0.file as NSString).lastPathComponent) }
        for (name, text) in [
            ("SHA512SUM", names.map { "\($0.0.sha512)  \($0.1)\n" }.joined()), ("MD5SUM", names.map { "\($0.0.md5)  \($0.1)\n" }.joined()),
        ] {
            try write(Data(text.utf8), to: output + "/" + name)
            try write(Data(text.utf8), to: output + "/" + name + ".txt")
        }
    }
}
