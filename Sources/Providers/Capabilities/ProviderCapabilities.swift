import BoxerSupport
import Foundation
import Yams

/// One provider's capability data, `providers/<provider>.yaml` (format in providers/README.md):
/// per host (OS-ARCH), what each guest architecture and each networking feature can do, with
/// versions where the answer depends on them, and for every cell that is not plainly
/// supported, the reason and an upstream reference.
public struct ProviderCapabilities: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable, Codable {
        case supported, partial, blocked, unavailable, untested

        /// Whether boxer lets a machine start in this cell.
        public var isUsable: Bool { self == .supported || self == .partial || self == .untested }
    }

    /// One answer: a status, the accelerator for guests, and why.
    public struct Cell: Sendable, Equatable, Codable {
        public var status: Status
        public var versions: VersionRange?
        public var accelerator: String?
        public var reason: String?
        public var note: String?
        public var reference: String?
    }

    public struct Host: Sendable, Equatable {
        /// Guest architecture → its cells (several when versions decide).
        public var guests: [String: [Cell]]
        /// Networking feature (nat_forwarded_ports, intnet, vmnet) → cell.
        public var networking: [String: Cell]
        /// Set when the provider does not exist for this host at all.
        public var unavailable: String?
    }

    public struct Tool: Sendable, Equatable {
        public var program: String
        /// The guest architecture this program runs (QEMU has one per architecture).
        public var guest: String?
        /// What makes it print its version (`--version`; vmrun prints it when run bare).
        public var versionArguments: [String] = ["--version"]
    }

    public var provider: String
    public var name: String
    public var boxFormats: [String]
    public var minimumVersion: String?
    public var tools: [Tool]
    /// Host OS (linux, darwin, windows) → how to install.
    public var install: [String: String]
    /// "linux-amd64" → what works there.
    public var hosts: [String: Host]
    public var file: String

    public static let hostNames = ["linux-amd64", "linux-arm64", "darwin-amd64", "darwin-arm64", "windows-amd64", "windows-arm64"]
    public static let guestArchitectures = ["amd64", "arm64"]
    public static let networkingFeatures = ["nat_forwarded_ports", "intnet", "vmnet"]

    /// The cell for `guest` on `host` with the provider at `version` (nil: any version, the
    /// first cell). A host the data does not list is "untested".
    public func guestCell(host: String, guest: String, version: String? = nil) -> Cell {
        guard let entry = hosts[host] else {
            return Cell(status: .untested, reason: "\(name) on \(host) is not described in \(file)")
        }
        if let unavailable = entry.unavailable { return Cell(status: .unavailable, reason: unavailable) }
        guard let cells = entry.guests[guest], !cells.isEmpty else {
            return Cell(status: .untested, reason: "\(guest) guests on \(host) are not described in \(file)")
        }
        if let version, let parsed = VersionRange.numbers(version) {
            return cells.first { $0.versions?.contains(parsed) ?? true } ?? cells[0]
        }
        return cells.first { $0.versions == nil } ?? cells.last ?? cells[0]
    }

    public func networkingCell(host: String, feature: String) -> Cell {
        guard let entry = hosts[host] else { return Cell(status: .untested, reason: "\(name) on \(host) is not described in \(file)") }
        if let unavailable = entry.unavailable { return Cell(status: .unavailable, reason: unavailable) }
        return entry.networking[feature] ?? Cell(status: .untested, reason: "\(feature) on \(host) is not described in \(file)")
    }

    // MARK: Reading

    public static func load(_ path: String) throws(CapabilityError) -> ProviderCapabilities {
        guard let data = FileManager.default.contents(atPath: path) else { throw CapabilityError("cannot read \(path)") }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) throws(CapabilityError) -> ProviderCapabilities {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw CapabilityError("\(file): the file is empty") }
            root = node
        } catch let error as CapabilityError {
            throw error
        } catch {
            throw CapabilityError("\(file): not valid YAML: \(error)")
        }
        let reader = CapabilityReader(file: file)
        let top: [String: Node] = try reader.mapping(root, "the file")
        try reader.onlyKeys(top, ["provider", "name", "box_formats", "minimum_version", "tools", "install", "hosts"], in: root, "the file")
        guard let provider = try reader.string(top["provider"], "provider") else { throw reader.problem(root, "provider", "is missing") }
        var tools: [Tool] = []
        for item in try top["tools"].map({ node throws(CapabilityError) in try reader.sequence(node, "tools") }) ?? [] {
            let map: [String: Node] = try reader.mapping(item, "tools")
            try reader.onlyKeys(map, ["program", "guest", "version_arguments"], in: item, "tools")
            guard let program = try reader.string(map["program"], "tools.program") else {
                throw reader.problem(item, "tools.program", "is missing")
            }
            var tool = Tool(program: program, guest: try reader.string(map["guest"], "tools.guest"))
            if let node = map["version_arguments"] {
                tool.versionArguments = try reader.sequence(node, "tools.version_arguments").map { item throws(CapabilityError) in
                    try reader.string(item, "tools.version_arguments") ?? ""
                }
            }
            tools.append(tool)
        }
        var install: [String: String] = [:]
        if let node = top["install"] {
            for (key, value) in try reader.pairs(node, "install") { install[key] = try reader.string(value, "install.\(key)") }
        }
        var hosts: [String: Host] = [:]
        guard let hostsNode = top["hosts"] else { throw reader.problem(root, "hosts", "is missing") }
        for (hostName, hostNode) in try reader.pairs(hostsNode, "hosts") {
            guard hostNames.contains(hostName) else {
                throw reader.problem(hostNode, "hosts", "'\(hostName)' is not one of \(hostNames.joined(separator: ", "))")
            }
            hosts[hostName] = try reader.host(hostNode, "hosts.\(hostName)")
        }
        return ProviderCapabilities(
            provider: provider, name: try reader.string(top["name"], "name") ?? provider,
            boxFormats: try top["box_formats"].map { node throws(CapabilityError) in
                try reader.sequence(node, "box_formats").map { item throws(CapabilityError) in try reader.string(item, "box_formats") ?? ""
                }
            } ?? [provider],
            minimumVersion: try reader.string(top["minimum_version"], "minimum_version"), tools: tools, install: install, hosts: hosts,
            file: file)
    }
}

/// "<7.1", ">=7.1", "=7.2": compared number by number.
public struct VersionRange: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Comparison: String, Sendable, Codable {
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case equal = "="
    }
    public var comparison: Comparison
    public var version: [Int]

    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for comparison in [Comparison.lessOrEqual, .greaterOrEqual, .less, .greater, .equal] where trimmed.hasPrefix(comparison.rawValue) {
            guard let numbers = Self.numbers(String(trimmed.dropFirst(comparison.rawValue.count))) else { return nil }
            self.comparison = comparison
            version = numbers
            return
        }
        return nil
    }

    /// "7.1.4r164728" → [7, 1, 4]: the leading dotted numbers of a version string.
    public static func numbers(_ text: String) -> [Int]? {
        let leading = text.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber || $0 == "." }
        let numbers = leading.split(separator: ".").compactMap { Int($0) }
        return numbers.isEmpty ? nil : numbers
    }

    public func contains(_ candidate: [Int]) -> Bool {
        let order = Self.compare(candidate, version)
        switch comparison {
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        case .equal: return order == 0
        }
    }

    static func compare(_ a: [Int], _ b: [Int]) -> Int {
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }

    public var description: String { comparison.rawValue + version.map(String.init).joined(separator: ".") }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let range = VersionRange(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a version range: \(text)"))
        }
        self = range
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Reads capability nodes; errors say `file:line: field: problem`.
/// A capability file's fields, failing with `CapabilityError`.
typealias CapabilityReader = YAMLFields<CapabilityError>

extension YAMLFields where Failure == CapabilityError {
    init(file: String) {
        self.init(file: file) { CapabilityError($0) }
    }

    func host(_ node: Node, _ field: String) throws(CapabilityError) -> ProviderCapabilities.Host {
        let map: [String: Node] = try mapping(node, field)
        try onlyKeys(map, ["guests", "networking", "unavailable"], in: node, field)
        if let unavailable = try string(map["unavailable"], "\(field).unavailable") {
            return ProviderCapabilities.Host(guests: [:], networking: [:], unavailable: unavailable)
        }
        var guests: [String: [ProviderCapabilities.Cell]] = [:]
        if let guestsNode = map["guests"] {
            for (guest, value) in try pairs(guestsNode, "\(field).guests") {
                guard ProviderCapabilities.guestArchitectures.contains(guest) else {
                    throw problem(value, "\(field).guests", "'\(guest)' is not amd64 or arm64")
                }
                let items = value.sequence.map(Array.init) ?? [value]
                guests[guest] = try items.map { item throws(CapabilityError) in try cell(item, "\(field).guests.\(guest)") }
            }
        }
        var networking: [String: ProviderCapabilities.Cell] = [:]
        if let networkingNode = map["networking"] {
            for (feature, value) in try pairs(networkingNode, "\(field).networking") {
                guard ProviderCapabilities.networkingFeatures.contains(feature) else {
                    throw problem(
                        value, "\(field).networking",
                        "'\(feature)' is not one of \(ProviderCapabilities.networkingFeatures.joined(separator: ", "))")
                }
                networking[feature] = try cell(value, "\(field).networking.\(feature)")
            }
        }
        return ProviderCapabilities.Host(guests: guests, networking: networking, unavailable: nil)
    }

    func cell(_ node: Node, _ field: String) throws(CapabilityError) -> ProviderCapabilities.Cell {
        let map: [String: Node] = try mapping(node, field)
        try onlyKeys(map, ["status", "versions", "accelerator", "reason", "note", "reference"], in: node, field)
        guard let statusText = try string(map["status"], "\(field).status"), let status = ProviderCapabilities.Status(rawValue: statusText)
        else {
            throw problem(
                node, "\(field).status",
                "is missing or not one of \(ProviderCapabilities.Status.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var versions: VersionRange?
        if let text = try string(map["versions"], "\(field).versions") {
            guard let range = VersionRange(text) else {
                throw problem(map["versions"], "\(field).versions", "'\(text)' is not a range such as <7.1 or >=7.1")
            }
            versions = range
        }
        let reason = try string(map["reason"], "\(field).reason")
        // A cell that is not plainly supported says why.
        if status != .supported, reason == nil { throw problem(node, field, "is \(status.rawValue) and needs a reason") }
        return ProviderCapabilities.Cell(
            status: status, versions: versions, accelerator: try string(map["accelerator"], "\(field).accelerator"),
            reason: reason, note: try string(map["note"], "\(field).note"), reference: try string(map["reference"], "\(field).reference"))
    }
}
