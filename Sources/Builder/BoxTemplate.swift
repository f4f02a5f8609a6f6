import BoxArchive
import BoxerSupport
import Foundation
import Yams

/// One box recipe under `boxes/` (documented in boxes/README.md): where the distribution's
/// cloud image comes from and how to check it, what it runs on, how it is customized, and
/// which boxes to make of it. Read from YAML; every problem names the file, line and field.
public struct BoxTemplate: Sendable, Equatable {
    public enum Architecture: String, Sendable, CaseIterable { case amd64, arm64 }
    public enum Firmware: String, Sendable, CaseIterable { case bios, efi }
    public enum BoxProvider: String, Sendable, CaseIterable {
        case libvirt, virtualbox
        case vmwareDesktop = "vmware_desktop"
        case parallels
    }

    public struct Source: Sendable, Equatable {
        public var url: String
        /// Inline, as `sha256:<hex>` in the file.
        public var checksum: ExpectedChecksum?
        /// A SHA256SUMS-style file (GNU or BSD lines) that names the image.
        public var checksumURL: String?
        /// qcow2 or raw.
        public var format: String
        /// Instead of a URL: a script next to the template that builds the image from local
        /// parts (`<script> <architecture> <folder>` writes `<folder>/box.img`). Used by the
        /// offline test boxes, whose images are made from Debian packages.
        public var recipe: String? = nil
        /// A disk image to customize, or an installer ISO to install from (`install:` says how).
        public enum Kind: String, Sendable, CaseIterable { case image, iso }
        public var kind: Kind = .image
        /// More URLs of the same file (Packer's `iso_urls`), tried in order when one fails.
        public var alternateURLs: [String] = []
    }

    public enum Step: Sendable, Equatable {
        case shell(String)
        /// A script file, relative to the template.
        case script(String)
    }

    /// The file's name without `.yaml`, the name `boxer build` takes.
    public var name: String
    /// The catalog's box name (`boxer/debian-12`).
    public var box: String
    public var version: String
    public var description: String?
    public var osFamily: String
    public var osRelease: String
    public var architecture: Architecture
    public var firmware: Firmware
    public var source: Source
    /// Bytes; one box per size.
    public var diskSizes: [UInt64]
    public var minimumCPUs: Int
    public var minimumMemoryMiB: Int
    public var provisioning: [Step]
    public var providers: [BoxProvider]
    /// A Vagrantfile next to the template that every box carries (Packer's
    /// `vagrantfile_template`); VirtualBox boxes get their base_mac after it.
    public var vagrantfile: String?
    /// Whether the providers' guest tools go into the image (`guest_tools: false` for guests
    /// that cannot build or install them, such as the busybox test boxes).
    public var guestTools: Bool = true
    /// Where provisioning scripts are uploaded in the guest and run from (Packer's
    /// `remote_folder`): not `/tmp`, which hardened guests mount `noexec`.
    public var remoteFolder: String = BoxTemplate.defaultRemoteFolder
    /// `bootstrap: true`: a vm-bootstrap image, with the first-boot agent (VMBootstrap).
    public var bootstrap = false
    /// How an ISO source is installed (`install:`; nil for cloud images).
    public var install: Install?
    /// The template file.
    public var file: String

    public static let defaultRemoteFolder = "/var/lib/boxer-build"

    static let topKeys: Set<String> = [
        "name", "box", "version", "description", "os", "architecture", "firmware", "source", "disk_sizes", "minimum", "provisioning",
        "providers", "vagrantfile", "guest_tools", "remote_folder", "bootstrap", "install",
    ]

    /// Reads and checks a template file.
    public static func load(_ path: String) throws(BuildError) -> BoxTemplate {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BuildError.cannotReadTemplate(path)
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) throws(BuildError) -> BoxTemplate {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw BuildError.emptyTemplate(file) }
            root = node
        } catch let error as BuildError {
            throw error
        } catch let error as YamlError {
            throw BuildError.notValidYAML(file, "\(error)")
        } catch {
            throw BuildError.notValidYAML(file, "\(error)")
        }
        let reader = TemplateReader(file: file)
        let top = try reader.mapping(root, "the template")
        try reader.onlyKeys(top, Self.topKeys, in: root, "the template")
        let baseName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let name = try reader.string(top["name"], "name") ?? baseName

        let (family, release) = try readOS(top, reader: reader, root: root)

        guard let architecture: Architecture = try reader.choice(top["architecture"], "architecture") else {
            throw reader.missing("architecture", in: root)
        }
        let firmware: Firmware = try reader.choice(top["firmware"], "firmware") ?? (architecture == .arm64 ? .efi : .bios)
        if architecture == .arm64, firmware == .bios {
            throw reader.problem(top["firmware"], "firmware", "arm64 machines boot UEFI only; write firmware: efi (or leave it out)")
        }

        let source = try readSource(top, reader: reader, root: root)

        let sizes = try readDiskSizes(top, reader: reader)

        let (cpus, memory) = try readMinimum(top, reader: reader)
        let steps = try readProvisioning(top, reader: reader)
        let providers = try readProviders(top, reader: reader)

        let box = try reader.string(top["box"], "box") ?? "boxer/\(name)"
        let version = try reader.string(top["version"], "version") ?? "0"
        guard version.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) })
        else {
            throw reader.problem(
                top["version"], "version", "'\(version)' is not a version such as 1.0.0 (numbers and dots, as Vagrant compares them)")
        }
        let install = try readInstall(top, source: source, reader: reader, root: root)
        let remoteFolder = try reader.string(top["remote_folder"], "remote_folder") ?? Self.defaultRemoteFolder
        guard remoteFolder.hasPrefix("/"), remoteFolder != "/", !remoteFolder.contains("\n") else {
            throw reader.problem(
                top["remote_folder"], "remote_folder",
                "'\(remoteFolder)' is not an absolute folder in the guest such as /var/lib/boxer-build")
        }
        return BoxTemplate(
            name: name, box: box, version: version, description: try reader.string(top["description"], "description"),
            osFamily: family, osRelease: release, architecture: architecture, firmware: firmware,
            source: source,
            diskSizes: sizes, minimumCPUs: cpus, minimumMemoryMiB: memory, provisioning: steps, providers: providers,
            vagrantfile: try reader.string(top["vagrantfile"], "vagrantfile"),
            guestTools: try reader.boolean(top["guest_tools"], "guest_tools") ?? true, remoteFolder: remoteFolder,
            bootstrap: try reader.boolean(top["bootstrap"], "bootstrap") ?? false, install: install, file: file)
    }

    /// "10G", "512M", "1T" (binary units, as qemu-img reads them).
    public static func size(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard let unit = trimmed.last, let number = UInt64(trimmed.dropLast()), number > 0 else { return nil }
        switch unit {
        case "M": return number << 20
        case "G": return number << 30
        case "T": return number << 40
        default: return nil
        }
    }

    /// "10G" for whole gibibytes, else mebibytes.
    public static func sizeText(_ bytes: UInt64) -> String {
        bytes % (1 << 30) == 0 ? "\(bytes >> 30)G" : "\(bytes >> 20)M"
    }
}

/// Reads template nodes and words the errors: `file:line: field: problem`.
/// The template file's fields, failing with a `.template` `BuildError`.
typealias TemplateReader = YAMLFields<BuildError>

extension YAMLFields where Failure == BuildError {
    init(file: String) {
        self.init(file: file) { BuildError.passing($0, as: .template) }
    }

    func missing(_ field: String, in node: Node) -> BuildError {
        BuildError.fieldMissing(field, at: place(node))
    }

    func checksum(_ text: String, node: Node?) throws(BuildError) -> ExpectedChecksum {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let lengths: [ChecksumType: Int] = [.md5: 32, .sha1: 40, .sha256: 64, .sha384: 96, .sha512: 128]
        guard parts.count == 2, let type = ChecksumType(vagrantName: parts[0].lowercased()), let length = lengths[type],
            parts[1].count == length, parts[1].allSatisfy(\.isHexDigit)
        else {
            throw problem(
                node, "source.checksum",
                "'\(text)' is not <type>:<hex> with type md5, sha1, sha256, sha384 or sha512 and a digest of that length")
        }
        return ExpectedChecksum(type: type, value: parts[1])
    }
}
