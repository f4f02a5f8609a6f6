import BoxerSupport
import Foundation
import Machines

/// Every provider's capability data: the `*.yaml` files of `providers/` (or `$BOXER_PROVIDERS`).
public struct CapabilityMatrix: Sendable {
    public let folder: String
    public let providers: [ProviderCapabilities]

    /// `$BOXER_PROVIDERS`, else `providers/` in the current folder or in the nearest folder
    /// above the boxer executable that has one.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment, executable: String? = nil) -> String? {
        HostFiles.dataFolder(named: "providers", variable: "BOXER_PROVIDERS", environment: environment, executable: executable)
    }

    public static func load(folder: String) throws(CapabilityError) -> CapabilityMatrix {
        var providers: [ProviderCapabilities] = []
        for name in HostFiles.entries(of: folder).filter({ $0.hasSuffix(".yaml") }).sorted() {
            providers.append(try ProviderCapabilities.load(folder + "/" + name))
        }
        guard !providers.isEmpty else { throw CapabilityError("\(folder) holds no provider data (*.yaml)") }
        // QEMU first: the provider that runs everywhere; then by name.
        providers.sort { ($0.provider == "qemu" ? 0 : 1, $0.provider) < ($1.provider == "qemu" ? 0 : 1, $1.provider) }
        return CapabilityMatrix(folder: folder, providers: providers)
    }

    public func provider(_ name: String) -> ProviderCapabilities? { providers.first { $0.provider == name } }
}

/// What a provider is on one host: its data, and, on this host, what was found.
public struct ProviderReport: Sendable, Codable {
    public struct Installed: Sendable, Codable {
        public var program: String
        public var path: String
        public var version: String?

        public init(program: String, path: String, version: String?) {
            self.program = program
            self.path = path
            self.version = version
        }
    }

    public struct Guest: Sendable, Codable {
        public var architecture: String
        /// Every cell for this guest (several when versions decide), the applicable one first.
        public var cells: [ProviderCapabilities.Cell]
        /// On this host: the accelerator boxer would use, and why.
        public var accelerator: String?
        public var acceleratorReason: String?
    }

    public var provider: String
    public var name: String
    public var host: String
    public var probed: Bool
    public var boxFormats: [String]
    public var installed: [Installed]
    /// Programs the provider needs that are not on this host (probed only).
    public var missing: [String]
    public var install: String?
    public var version: String?
    public var guests: [Guest]
    public var networking: [String: ProviderCapabilities.Cell]
    public var unavailable: String?
    /// Daemons the provider talks to (libvirt), as probed: what each said, or why it did not.
    public var daemons: [Daemon] = []

    public struct Daemon: Sendable, Codable, Equatable {
        public var uri: String
        public var answer: String?
        public var problem: String?

        public init(uri: String, answer: String? = nil, problem: String? = nil) {
            self.uri = uri
            self.answer = answer
            self.problem = problem
        }
    }

    /// A provider plugin that cannot be used (its hello failed), with why.
    public static func unusablePlugin(_ provider: String, executable: String, host: String, boxFormats: [String], reason: String)
        -> ProviderReport
    {
        ProviderReport(
            provider: provider, name: "provider plugin \(executable)", host: host, probed: true, boxFormats: boxFormats, installed: [],
            missing: [],
            install: nil, version: nil, guests: [], networking: [:], unavailable: reason)
    }

    /// Whether a machine of `guest` can run with this provider here (probed: also installed).
    public func usable(guest: String) -> Bool {
        guard unavailable == nil, !probed || !installed.isEmpty else { return false }
        return guests.first { $0.architecture == guest }?.cells.first?.status.isUsable ?? false
    }
}

/// Builds reports: from the data alone for any host, or probed live for this one (the
/// providers' programs looked up on PATH and asked their versions, QEMU's accelerator chosen
/// as `boxer up` would).
public struct CapabilityProbe: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// "linux-amd64" for this machine.
    public func currentHost() -> String {
        #if os(macOS)
            let os = "darwin"
        #elseif os(Windows)
            let os = "windows"
        #else
            let os = "linux"
        #endif
        return os + "-" + HostArchitecture.current(environment: environment)
    }

    public func report(_ capabilities: ProviderCapabilities, host: String, probe: Bool) async -> ProviderReport {
        let os = String(host.prefix { $0 != "-" })
        var installed: [ProviderReport.Installed] = []
        var missing: [String] = []
        if probe {
            for tool in capabilities.tools {
                guard let path = Programs.find(tool.program, environment: environment) else {
                    missing.append(tool.program)
                    continue
                }
                installed.append(
                    .init(program: tool.program, path: path, version: await Self.version(of: path, arguments: tool.versionArguments)))
            }
        }
        let version = installed.compactMap(\.version).first
        let entry = capabilities.hosts[host]
        var guests: [ProviderReport.Guest] = []
        for architecture in ProviderCapabilities.guestArchitectures {
            let chosen = capabilities.guestCell(host: host, guest: architecture, version: version)
            var cells = [chosen]
            cells += (entry?.guests[architecture] ?? []).filter { $0 != chosen }
            var guest = ProviderReport.Guest(architecture: architecture, cells: cells)
            if probe, capabilities.provider == "qemu", chosen.status.isUsable {
                let (accelerator, why) = QEMUHost(environment: environment).accelerator(for: architecture)
                guest.accelerator = accelerator.rawValue
                guest.acceleratorReason = why
            }
            guests.append(guest)
        }
        var networking: [String: ProviderCapabilities.Cell] = [:]
        for feature in ProviderCapabilities.networkingFeatures {
            networking[feature] = capabilities.networkingCell(host: host, feature: feature)
        }
        var report = ProviderReport(
            provider: capabilities.provider, name: capabilities.name, host: host, probed: probe, boxFormats: capabilities.boxFormats,
            installed: installed, missing: missing, install: capabilities.install[os], version: version, guests: guests,
            networking: networking, unavailable: entry?.unavailable)
        if probe, capabilities.provider == "libvirt" { report.daemons = await LibvirtProvider.probeDaemons(environment: environment) }
        return report
    }

    /// The first version number a program prints (e.g. "QEMU emulator version 7.2.11",
    /// "7.1.4r165100", "vmrun version 1.17.0 build-…").
    static func version(of program: String, arguments: [String]) async -> String? {
        guard let result = try? await Programs.run(program, arguments) else { return nil }
        return parseVersion(result.output + "\n" + result.error)
    }

    static func parseVersion(_ text: String) -> String? {
        let pattern = /(?:version\s+)?(\d+\.\d+(?:\.\d+)?)/
        for line in text.split(separator: "\n") {
            if let match = line.firstMatch(of: pattern) { return String(match.1) }
        }
        return nil
    }
}
