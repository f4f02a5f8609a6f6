import Foundation
import Machines
import Providers

/// A STAND-IN for VirtualBox's `VBoxManage`, not VirtualBox: VirtualBox cannot be installed on
/// the machines these tests run on. It records every call, keeps the state the real tool keeps
/// for what boxer uses (registered VMs and their NIC settings, DHCP servers with their fixed
/// addresses), and refuses what the real tool refuses according to its manual (`VBoxManage
/// dhcpserver`, `VBoxManage modifyvm`): unknown options, missing required ones, malformed
/// addresses, a DHCP server added twice or changed when it does not exist, a VM that is not
/// registered. Messages imitate VBoxManage's ("VBoxManage: error: …"), exit status 1.
final class VBoxManageStandIn: HypervisorTool, @unchecked Sendable {
    struct DHCPServer: Equatable {
        var ip: String
        var netmask: String
        var lower: String
        var upper: String
        var enabled: Bool
        var fixed: [String: String] = [:]
    }

    let name = "VBoxManage"
    private let lock = NSLock()
    private(set) var calls: [[String]] = []
    private(set) var dhcpServers: [String: DHCPServer] = [:]
    private(set) var vms: [String: [String: String]] = [:]

    func register(vm: String) { lock.withLock { vms[vm] = [:] } }

    func run(_ arguments: [String]) async throws(MachineError) -> Programs.Result {
        lock.withLock {
            calls.append(arguments)
            do throws(Refusal) {
                return Programs.Result(status: 0, output: try perform(arguments), error: "")
            } catch {
                return Programs.Result(status: 1, output: "", error: "VBoxManage: error: \(error.text)\n")
            }
        }
    }

    struct Refusal: Error { let text: String }

    private func perform(_ arguments: [String]) throws(Refusal) -> String {
        switch (arguments.first, arguments.dropFirst().first) {
        case ("list", "dhcpservers"):
            return dhcpServers.keys.sorted().map { name in
                let server = dhcpServers[name]!
                return "NetworkName:    \(name)\nDhcpd IP:       \(server.ip)\nLowerIPAddress: \(server.lower)\nUpperIPAddress: \(server.upper)\nNetworkMask:    \(server.netmask)\nEnabled:        \(server.enabled ? "Yes" : "No")\n"
            }.joined(separator: "\n")
        case ("dhcpserver", let verb?):
            try dhcpserver(verb, Array(arguments.dropFirst(2)))
            return ""
        case ("modifyvm", let vm?):
            try modifyvm(vm, Array(arguments.dropFirst(2)))
            return ""
        default:
            throw Refusal(text: "Syntax error: unknown command: \(arguments.prefix(2).joined(separator: " "))")
        }
    }

    /// `--name value` and `--name=value` both, as VBoxManage's option parser takes them.
    private func options(_ arguments: [String], flags: Set<String>) throws(Refusal) -> [(String, String)] {
        var result: [(String, String)] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else { throw Refusal(text: "Syntax error: invalid parameter '\(argument)'") }
            if let equals = argument.firstIndex(of: "=") {
                result.append((String(argument[..<equals]), String(argument[argument.index(after: equals)...])))
            } else if flags.contains(argument) {
                result.append((argument, ""))
            } else {
                guard index + 1 < arguments.count else { throw Refusal(text: "Syntax error: missing value for \(argument)") }
                result.append((argument, arguments[index + 1]))
                index += 1
            }
            index += 1
        }
        return result
    }

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && (Int($0).map { (0...255).contains($0) } ?? false) }
    }

    static func number(_ text: String) -> UInt32 {
        text.split(separator: ".").reduce(0) { $0 << 8 | UInt32($1)! }
    }

    private func dhcpserver(_ verb: String, _ arguments: [String]) throws(Refusal) {
        let aliases = ["--network": "--netname", "--server-ip": "--ip", "--lower-ip": "--lowerip", "--upper-ip": "--upperip"]
        var network: String?
        var settings: [String: String] = [:]
        var enabled: Bool?
        var scopeMAC: String?
        var fixed: [String: String] = [:]
        for (option, value) in try options(arguments, flags: ["--enable", "--disable", "--remove-config"]) {
            let option = aliases[option] ?? option
            switch option {
            case "--netname": network = value
            case "--ip", "--netmask", "--lowerip", "--upperip":
                guard Self.isIPv4(value) else { throw Refusal(text: "Invalid IPv4 address for \(option): '\(value)'") }
                settings[option] = value
            case "--enable": enabled = true
            case "--disable": enabled = false
            case "--mac-address":
                let parts = value.split(separator: ":")
                guard parts.count == 6, parts.allSatisfy({ $0.count == 2 && UInt8($0, radix: 16) != nil }) else { throw Refusal(text: "Invalid MAC address: '\(value)'") }
                scopeMAC = value.lowercased()
            case "--fixed-address":
                guard let mac = scopeMAC else { throw Refusal(text: "--fixed-address can only be used in a --vm or --mac-address config scope") }
                guard Self.isIPv4(value) else { throw Refusal(text: "Invalid IPv4 address for --fixed-address: '\(value)'") }
                fixed[mac] = value
            default:
                throw Refusal(text: "Syntax error: unknown option: \(option)")
            }
        }
        guard let network else { throw Refusal(text: "You need to specify either --network or --interface to identify the DHCP server") }
        switch verb {
        case "add":
            guard dhcpServers[network] == nil else { throw Refusal(text: "DHCP server already exists") }
            for required in ["--ip", "--netmask", "--lowerip", "--upperip"] where settings[required] == nil {
                throw Refusal(text: "Missing required option: \(required)")
            }
            guard let enabled else { throw Refusal(text: "Missing required option: --enable or --disable") }
            let server = DHCPServer(ip: settings["--ip"]!, netmask: settings["--netmask"]!, lower: settings["--lowerip"]!, upper: settings["--upperip"]!, enabled: enabled, fixed: fixed)
            try validate(server)
            dhcpServers[network] = server
        case "modify":
            guard var server = dhcpServers[network] else { throw Refusal(text: "DHCP server does not exist") }
            if let ip = settings["--ip"] { server.ip = ip }
            if let netmask = settings["--netmask"] { server.netmask = netmask }
            if let lower = settings["--lowerip"] { server.lower = lower }
            if let upper = settings["--upperip"] { server.upper = upper }
            if let enabled { server.enabled = enabled }
            server.fixed.merge(fixed) { _, new in new }
            try validate(server)
            dhcpServers[network] = server
        case "remove":
            guard dhcpServers[network] != nil else { throw Refusal(text: "DHCP server does not exist") }
            dhcpServers[network] = nil
        default:
            throw Refusal(text: "Syntax error: unknown subcommand: dhcpserver \(verb)")
        }
    }

    /// What VirtualBox's DHCP server checks: the range and the fixed addresses in the server's
    /// network, lower below upper.
    private func validate(_ server: DHCPServer) throws(Refusal) {
        let mask = Self.number(server.netmask)
        let network = Self.number(server.ip) & mask
        for address in [server.lower, server.upper] + Array(server.fixed.values) where Self.number(address) & mask != network {
            throw Refusal(text: "\(address) is not in the DHCP server's network \(server.ip)/\(server.netmask)")
        }
        guard Self.number(server.lower) <= Self.number(server.upper) else { throw Refusal(text: "lower IP above upper IP") }
    }

    private func modifyvm(_ vm: String, _ arguments: [String]) throws(Refusal) {
        guard var settings = vms[vm] else { throw Refusal(text: "Could not find a registered machine named '\(vm)'") }
        let attachments: Set<String> = ["none", "null", "nat", "bridged", "intnet", "hostonly", "hostonlynet", "generic", "natnetwork"]
        for (option, value) in try options(arguments, flags: []) {
            guard let slot = option.last.flatMap({ Int(String($0)) }), (1...8).contains(slot) else {
                throw Refusal(text: "Syntax error: unknown option: \(option)")
            }
            switch option.dropLast() {
            case "--nic":
                guard attachments.contains(value) else { throw Refusal(text: "Invalid --nic\(slot) argument '\(value)'") }
            case "--intnet":
                guard !value.isEmpty else { throw Refusal(text: "--intnet\(slot) needs a network name") }
            case "--macaddress":
                guard value == "auto" || (value.count == 12 && UInt64(value, radix: 16) != nil) else { throw Refusal(text: "Invalid MAC address format for --macaddress\(slot): '\(value)'") }
            case "--cableconnected":
                guard value == "on" || value == "off" else { throw Refusal(text: "Invalid --cableconnected\(slot) argument '\(value)'") }
            default:
                throw Refusal(text: "Syntax error: unknown option: \(option)")
            }
            settings[String(option.dropFirst(2))] = value
        }
        vms[vm] = settings
    }
}
