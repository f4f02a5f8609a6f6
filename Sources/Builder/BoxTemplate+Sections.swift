import BoxArchive
import BoxerSupport
import Foundation
import Yams

/// The sections of a template file, each read and checked on its own: every problem names the
/// file, the line and the field.
extension BoxTemplate {
    static func readOS(_ top: [String: Node], reader: TemplateReader, root: Node) throws(BuildError) -> (family: String, release: String) {
        guard let osNode = top["os"] else { throw reader.missing("os", in: root) }
        let os = try reader.mapping(osNode, "os")
        try reader.onlyKeys(os, ["family", "release"], in: osNode, "os")
        guard let family = try reader.string(os["family"], "os.family") else { throw reader.missing("os.family", in: osNode) }
        guard let release = try reader.string(os["release"], "os.release") else { throw reader.missing("os.release", in: osNode) }

        return (family, release)
    }

    static func readSource(_ top: [String: Node], reader: TemplateReader, root: Node) throws(BuildError) -> Source {
        guard let sourceNode = top["source"] else { throw reader.missing("source", in: root) }
        let sourceMap = try reader.mapping(sourceNode, "source")
        try reader.onlyKeys(sourceMap, ["url", "checksum", "checksum_url", "format", "recipe"], in: sourceNode, "source")
        let recipe = try reader.string(sourceMap["recipe"], "source.recipe")
        let url = try reader.string(sourceMap["url"], "source.url")
        var checksum: ExpectedChecksum?
        if let text = try reader.string(sourceMap["checksum"], "source.checksum") {
            checksum = try reader.checksum(text, node: sourceMap["checksum"])
        }
        let checksumURL = try reader.string(sourceMap["checksum_url"], "source.checksum_url")
        if recipe != nil {
            // Built here from verified packages: nothing to download, nothing to check against.
            guard url == nil, checksum == nil, checksumURL == nil else {
                throw reader.problem(
                    sourceMap["recipe"], "source", "has a recipe and also url or checksum; an image is either downloaded or built, keep one"
                )
            }
        } else {
            guard let url else { throw reader.missing("source.url", in: sourceNode) }
            guard let scheme = URL(string: url)?.scheme?.lowercased(), ["http", "https", "file"].contains(scheme) else {
                throw reader.problem(sourceMap["url"], "source.url", "'\(url)' is not an http(s) or file URL")
            }
            switch (checksum, checksumURL) {
            case (nil, nil):
                throw reader.problem(
                    sourceNode, "source",
                    "needs checksum: (\"sha256:<hex>\") or checksum_url: (a SHA256SUMS file); boxer does not use an image it cannot check")
            case (.some, .some):
                throw reader.problem(sourceMap["checksum_url"], "source", "has both checksum and checksum_url; keep one")
            default:
                break
            }
        }
        let format = try reader.string(sourceMap["format"], "source.format") ?? "qcow2"
        guard format == "qcow2" || format == "raw" else {
            throw reader.problem(sourceMap["format"], "source.format", "'\(format)' is not qcow2 or raw")
        }
        return Source(url: url ?? "", checksum: checksum, checksumURL: checksumURL, format: format, recipe: recipe)
    }

    /// `disk_sizes`, 10G when left out.
    static func readDiskSizes(_ top: [String: Node], reader: TemplateReader) throws(BuildError) -> [UInt64] {
        var sizes: [UInt64] = []
        if let node = top["disk_sizes"] {
            for item in try reader.sequence(node, "disk_sizes") {
                guard let text = try reader.string(item, "disk_sizes"), let bytes = Self.size(text) else {
                    throw reader.problem(item, "disk_sizes", "'\(item.string ?? "")' is not a size such as 10G or 512M")
                }
                guard bytes >= 1 << 30 else {
                    throw reader.problem(item, "disk_sizes", "\(text) is too small for a system disk (1G at least)")
                }
                sizes.append(bytes)
            }
            guard !sizes.isEmpty else { throw reader.problem(node, "disk_sizes", "is empty; list one size at least, e.g. [10G]") }
        } else {
            sizes = [10 << 30]
        }
        return sizes
    }

    /// `minimum: {cpus, memory}`, 1 CPU and 1024 MiB when left out.
    static func readMinimum(_ top: [String: Node], reader: TemplateReader) throws(BuildError) -> (cpus: Int, memory: Int) {
        var cpus = 1
        var memory = 1024
        if let node = top["minimum"] {
            let minimum = try reader.mapping(node, "minimum")
            try reader.onlyKeys(minimum, ["cpus", "memory"], in: node, "minimum")
            cpus = try reader.integer(minimum["cpus"], "minimum.cpus", range: 1...64) ?? cpus
            memory = try reader.integer(minimum["memory"], "minimum.memory", range: 256...65536) ?? memory
        }
        return (cpus, memory)
    }

    static func readProvisioning(_ top: [String: Node], reader: TemplateReader) throws(BuildError) -> [Step] {
        var steps: [Step] = []
        if let node = top["provisioning"] {
            for item in try reader.sequence(node, "provisioning") {
                let step = try reader.mapping(item, "provisioning")
                try reader.onlyKeys(step, ["shell", "script"], in: item, "provisioning")
                switch (try reader.string(step["shell"], "provisioning.shell"), try reader.string(step["script"], "provisioning.script")) {
                case (let shell?, nil): steps.append(.shell(shell))
                case (nil, let script?): steps.append(.script(script))
                default:
                    throw reader.problem(
                        item, "provisioning", "each step is either shell: (commands) or script: (a file next to the template)")
                }
            }
        }
        return steps
    }

    /// `providers`, every provider when left out.
    static func readProviders(_ top: [String: Node], reader: TemplateReader) throws(BuildError) -> [BoxProvider] {
        var providers: [BoxProvider] = []
        if let node = top["providers"] {
            for item in try reader.sequence(node, "providers") {
                guard let provider: BoxProvider = try reader.choice(item, "providers") else { continue }
                if !providers.contains(provider) { providers.append(provider) }
            }
            guard !providers.isEmpty else { throw reader.problem(node, "providers", "is empty; list one at least, e.g. [libvirt]") }
        } else {
            providers = BoxProvider.allCases
        }
        return providers
    }
}
