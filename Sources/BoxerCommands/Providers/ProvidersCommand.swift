import ArgumentParser
import BoxerSupport
import Foundation
import Providers

struct ProvidersCommand: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "providers",
        abstract: "Show what each provider can do on this host (or another), and why not.",
        discussion: """
            Reads the capability data of providers/ (or $BOXER_PROVIDERS): per host OS and CPU, \
            per guest architecture and networking feature, supported, partial, blocked, \
            unavailable or untested, with the reason and an upstream reference. For this host \
            the providers' programs are looked up and asked their versions, and QEMU's \
            accelerator is chosen as `boxer up` would; --host shows another host from the data \
            alone (linux-amd64, linux-arm64, darwin-amd64, darwin-arm64, windows-amd64, \
            windows-arm64).
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Another host, as OS-ARCH (e.g. darwin-arm64); default: this one, probed.")
    var host: String?

    @Flag(help: "Print JSON (for programs) instead of the table.")
    var json = false

    func validate() throws {
        if let host, !ProviderCapabilities.hostNames.contains(host) {
            throw ValidationError("--host \(host) is not one of \(ProviderCapabilities.hostNames.joined(separator: ", ")).")
        }
    }

    func run() async throws {
        let output = global.makeOutput()
        guard let folder = CapabilityMatrix.locate(executable: currentExecutable()) else {
            throw CommandError.noProviderData
        }
        let matrix: CapabilityMatrix
        matrix = try CapabilityMatrix.load(folder: folder)
        let probe = CapabilityProbe()
        let target = host ?? probe.currentHost()
        var reports: [ProviderReport] = []
        for capabilities in matrix.providers {
            reports.append(await probe.report(capabilities, host: target, probe: host == nil))
        }
        // Provider plugins, from their hello: the plugin is what is installed.
        let environment = ProcessInfo.processInfo.environment
        for plugin in providerPlugins(builtIn: Set(matrix.providers.map(\.provider)), environment: environment) {
            guard let capabilities = plugin.capabilities, plugin.unusable == nil else {
                reports.append(
                    .unusablePlugin(
                        plugin.name, executable: plugin.executable, host: target, boxFormats: plugin.boxFormats,
                        reason: plugin.unusable ?? "the plugin's hello has no capability data"))
                continue
            }
            var report = await probe.report(capabilities, host: target, probe: false)
            report.name += " (plugin \(plugin.executable))"
            if host == nil {
                report.probed = true
                report.installed = [
                    .init(
                        program: plugin.executable.split(separator: "/").last.map(String.init) ?? plugin.name, path: plugin.executable,
                        version: nil)
                ]
            }
            reports.append(report)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(ProvidersOutput(host: target, probed: host == nil, data: folder, providers: reports))
            output.text(String(decoding: data, as: UTF8.self))
            return
        }
        for report in reports { Self.record(report, on: output.targeting(report.provider)) }
        if !output.isMachineReadable { output.text(ProvidersTable.render(reports, host: target, probed: host == nil)) }
    }

    /// The report as machine-readable records, one fact per record.
    static func record(_ report: ProviderReport, on output: Output) {
        output.record("provider-name", report.name)
        output.record("host", report.host)
        if let unavailable = report.unavailable { output.record("unavailable", unavailable) }
        for program in report.installed { output.record("installed", program.program, program.path, program.version ?? "") }
        for program in report.missing { output.record("missing", program) }
        for daemon in report.daemons { output.record("daemon", daemon.uri, daemon.answer ?? "", daemon.problem ?? "") }
        for guest in report.guests {
            let cell = guest.cells.first
            output.record("guest", guest.architecture, cell?.status.rawValue ?? "", guest.accelerator ?? "", cell?.reason ?? "")
        }
        for (feature, cell) in report.networking.sorted(by: { $0.key < $1.key }) {
            output.record("networking", feature, cell.status.rawValue, cell.reason ?? "")
        }
        output.record("usable", report.guests.filter { report.usable(guest: $0.architecture) }.map(\.architecture).joined(separator: " "))
    }
}

struct ProvidersOutput: Codable {
    var host: String
    var probed: Bool
    var data: String
    var providers: [ProviderReport]
}

/// The human form: one block per provider, a line per guest architecture and networking feature.
enum ProvidersTable {
    static let featureNames = ["nat_forwarded_ports": "NAT + forwarded ports", "intnet": "environment network", "vmnet": "vmnet"]

    static func render(_ reports: [ProviderReport], host: String, probed: Bool) -> String {
        var lines = [
            probed ? "Providers on \(host) (this machine, probed):" : "Providers on \(host) (from the capability data; nothing probed):",
            "",
        ]
        for report in reports {
            var title = "\(report.provider) (\(report.name))"
            if report.probed, !(report.installed.isEmpty && report.missing.isEmpty) {
                if report.installed.isEmpty {
                    title +=
                        ": not installed (\(report.missing.joined(separator: ", ")) not found)"
                        + (report.install.map { "; install: \($0)" } ?? "")
                } else {
                    title += ": " + report.installed.map { "\($0.program) \($0.version ?? "(version unknown)")" }.joined(separator: ", ")
                    if !report.missing.isEmpty { title += "; missing \(report.missing.joined(separator: ", "))" }
                }
            }
            lines.append(title)
            for daemon in report.daemons {
                lines.append("  daemon \(daemon.uri): " + (daemon.answer ?? "cannot be used: \(daemon.problem ?? "")"))
            }
            if let unavailable = report.unavailable {
                lines.append("  unavailable: \(unavailable)")
                lines.append("")
                continue
            }
            for guest in report.guests {
                for (index, cell) in guest.cells.enumerated() {
                    let label = index == 0 ? "\(guest.architecture) guests" : ""
                    var text = cell.status.rawValue
                    if let versions = cell.versions { text += " (\(report.name) \(versions))" }
                    if index == 0, let accelerator = guest.accelerator {
                        text += ", \(accelerator): \(guest.acceleratorReason ?? "")"
                    } else if let accelerator = cell.accelerator {
                        text += ", \(accelerator)"
                    }
                    if let why = cell.reason ?? cell.note { text += " — \(why)" }
                    if let reference = cell.reference { text += " [\(reference)]" }
                    lines.append("  " + label.padded(to: 24) + text)
                }
            }
            for feature in ProviderCapabilities.networkingFeatures {
                guard let cell = report.networking[feature] else { continue }
                var text = cell.status.rawValue
                if let why = cell.reason ?? cell.note { text += " — \(why)" }
                if let reference = cell.reference { text += " [\(reference)]" }
                lines.append("  " + (featureNames[feature] ?? feature).padded(to: 24) + text)
            }
            lines.append("  boxes: \(report.boxFormats.joined(separator: ", "))")
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }
}
