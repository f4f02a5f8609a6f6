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

    static let sourceKeys: Set<String> = [
        "kind", "url", "urls", "checksum", "checksum_url", "format", "recipe", "iso_url", "iso_urls", "iso_checksum",
    ]

    /// `source`: a cloud image (`url`, default) or an installer ISO (`kind: iso`, or Packer's
    /// `iso_url`/`iso_urls`/`iso_checksum`), downloaded and checked, or built by a recipe.
    static func readSource(_ top: [String: Node], reader: TemplateReader, root: Node) throws(BuildError) -> Source {
        guard let sourceNode = top["source"] else { throw reader.missing("source", in: root) }
        let sourceMap = try reader.mapping(sourceNode, "source")
        try reader.onlyKeys(sourceMap, sourceKeys, in: sourceNode, "source")
        let packerISO = ["iso_url", "iso_urls", "iso_checksum"].contains { sourceMap[$0] != nil }
        var kind: Source.Kind = try reader.choice(sourceMap["kind"], "source.kind") ?? (packerISO ? .iso : .image)
        if packerISO, kind != .iso {
            throw reader.problem(sourceMap["kind"], "source.kind", "is image, but iso_url/iso_urls/iso_checksum describe an installer ISO")
        }
        let recipe = try reader.string(sourceMap["recipe"], "source.recipe")
        var urls: [String] = []
        func add(_ node: Node, _ field: String) throws(BuildError) {
            guard let url = try reader.string(node, "source.\(field)") else { return }
            guard let scheme = URL(string: url)?.scheme?.lowercased(), ["http", "https", "file"].contains(scheme) else {
                throw reader.problem(node, "source.\(field)", "'\(url)' is not an http(s) or file URL")
            }
            urls.append(url)
        }
        for field in ["url", "iso_url"] {
            if let node = sourceMap[field] { try add(node, field) }
        }
        for field in ["urls", "iso_urls"] {
            guard let node = sourceMap[field] else { continue }
            for item in try reader.sequence(node, "source.\(field)") { try add(item, field) }
        }
        var checksum: ExpectedChecksum?
        var checksumURL = try reader.string(sourceMap["checksum_url"], "source.checksum_url")
        for field in ["checksum", "iso_checksum"] {
            guard let text = try reader.string(sourceMap[field], "source.\(field)") else { continue }
            // Packer's iso_checksum: "file:<url of a SHA256SUMS file>" names a checksum file.
            if text.hasPrefix("file:"), field == "iso_checksum" {
                checksumURL = String(text.dropFirst(5))
            } else {
                checksum = try reader.checksum(text, node: sourceMap[field])
            }
        }
        if recipe != nil {
            // Built here from verified packages: nothing to download, nothing to check against.
            guard urls.isEmpty, checksum == nil, checksumURL == nil else {
                throw reader.problem(
                    sourceMap["recipe"], "source",
                    "has a recipe and also a URL or checksum; a source is either downloaded or built, keep one"
                )
            }
        } else {
            guard !urls.isEmpty else { throw reader.missing(kind == .iso ? "source.iso_url" : "source.url", in: sourceNode) }
            switch (checksum, checksumURL) {
            case (nil, nil):
                throw reader.problem(
                    sourceNode, "source",
                    "needs checksum: (\"sha256:<hex>\") or checksum_url: (a SHA256SUMS file); boxer does not use an image it cannot check")
            case (.some, .some):
                throw reader.problem(sourceMap["checksum_url"] ?? sourceNode, "source", "has both a checksum and a checksum file; keep one")
            default:
                break
            }
        }
        var format = try reader.string(sourceMap["format"], "source.format") ?? (kind == .iso ? "iso" : "qcow2")
        if kind == .iso {
            guard format == "iso" else { throw reader.problem(sourceMap["format"], "source.format", "an installer ISO's format is iso") }
        } else if format == "iso" {
            kind = .iso
        } else {
            guard format == "qcow2" || format == "raw" else {
                throw reader.problem(sourceMap["format"], "source.format", "'\(format)' is not qcow2, raw or iso")
            }
        }
        format = kind == .iso ? "iso" : format
        return Source(
            url: urls.first ?? "", checksum: checksum, checksumURL: checksumURL, format: format, recipe: recipe, kind: kind,
            alternateURLs: Array(urls.dropFirst()))
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
