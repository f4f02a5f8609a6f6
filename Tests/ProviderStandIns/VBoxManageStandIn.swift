import Foundation
import Machines
import Providers

/// A STAND-IN for VirtualBox's `VBoxManage`, not VirtualBox: VirtualBox cannot be installed on
/// the machines these tests run on. It records every call, keeps the state the real tool keeps
/// for what boxer uses (registered VMs with their settings, NAT rules, storage controllers and
/// media, snapshots and run state; DHCP servers with their fixed addresses), and refuses what
/// the real tool refuses according to its manual: unknown commands and options, missing
/// required ones, malformed addresses, a DHCP server added twice or changed when it does not
/// exist, a VM that is not registered, a name already taken, settings changed while the VM
/// runs or is saved, a NAT rule whose name exists, a linked clone without a snapshot, a medium
/// that is not a file, a running VM unregistered. Messages imitate VBoxManage's
/// ("VBoxManage: error: …"), exit status 1. No guest runs: `startvm` only changes the state,
/// and the "guest" obeys the ACPI power button unless `guestIgnoresPowerButton` is set.
final class VBoxManageStandIn: HypervisorTool, @unchecked Sendable {
    struct DHCPServer: Equatable {
        var ip: String
        var netmask: String
        var lower: String
        var upper: String
        var enabled: Bool
        var fixed: [String: String] = [:]
    }

    struct VM: Equatable {
        var uuid: String
        var name: String
        var state = "poweroff"
        var settings: [String: String] = [:]
        /// natpf1 rules by name, as VBoxManage lists them ("name,tcp,127.0.0.1,2222,,22").
        var natRules: [String: String] = [:]
        /// Controller name → port count.
        var controllers: [String: Int] = [:]
        /// "controller:port:device" → medium.
        var media: [String: String] = [:]
        var extraData: [String: String] = [:]
        var snapshots: [String] = []
        /// The state each snapshot comes back in: "saved" for one taken live, else "poweroff".
        var snapshotStates: [String: String] = [:]
        var guestProperties: [String: String] = [:]
        /// The master and snapshot a linked clone was made from.
        var linkedTo: String?
    }

    let name = "VBoxManage"
    private let lock = NSLock()
    private(set) var calls: [[String]] = []
    private(set) var dhcpServers: [String: DHCPServer] = [:]
    private(set) var machines: [VM] = []
    /// Media VirtualBox knows, by file: their format and size in bytes (a box's disk is
    /// known once imported, at 10 GiB).
    private(set) var media: [String: (format: String, bytes: Int64)] = [:]
    var guestIgnoresPowerButton = false

    /// A medium's format and size, as `showmediuminfo` would tell them.
    func medium(_ file: String) -> (format: String, bytes: Int64)? { lock.withLock { media[file] } }

    /// Each registered VM's settings by name.
    var vms: [String: [String: String]] { lock.withLock { Dictionary(uniqueKeysWithValues: machines.map { ($0.name, $0.settings) }) } }

    func register(vm: String) { lock.withLock { machines.append(VM(uuid: UUID().uuidString.lowercased(), name: vm)) } }

    func machine(_ reference: String) -> VM? { lock.withLock { machines.first { $0.uuid == reference || $0.name == reference } } }

    /// Sets a guest property as the guest additions would.
    func setGuestProperty(_ vm: String, _ key: String, _ value: String) {
        lock.withLock {
            guard let index = machines.firstIndex(where: { $0.uuid == vm || $0.name == vm }) else { return }
            machines[index].guestProperties[key] = value
        }
    }

    /// The VM "dies" (its process is killed): VirtualBox reports it aborted.
    func crash(_ vm: String) {
        lock.withLock {
            guard let index = machines.firstIndex(where: { $0.uuid == vm || $0.name == vm }) else { return }
            machines[index].state = "aborted"
        }
    }

    /// VBoxSVC is not answering: every call fails as VBoxManage does then.
    var serviceDown = false
    /// Commands that hang (until the caller gives up and cancels them).
    var hanging: Set<String> = []

    func run(_ arguments: [String]) async throws(MachineError) -> Programs.Result {
        if let command = arguments.first, lock.withLock({ hanging.contains(command) }) {
            try? await Task.sleep(for: .seconds(3600))
            return Programs.Result(status: 130, output: "", error: "")
        }
        if lock.withLock({ serviceDown }) {
            return Programs.Result(
                status: 1, output: "",
                error: "VBoxManage: error: Failed to create the VirtualBox object!\nVBoxManage: error: The object is not ready\n")
        }
        return lock.withLock {
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
            return dhcpServers.sorted { $0.key < $1.key }.map { name, server in
                return
                    "NetworkName:    \(name)\nDhcpd IP:       \(server.ip)\nLowerIPAddress: \(server.lower)\nUpperIPAddress: \(server.upper)\nNetworkMask:    \(server.netmask)\nEnabled:        \(server.enabled ? "Yes" : "No")\n"
            }.joined(separator: "\n")
        case ("dhcpserver", let verb?):
            try dhcpserver(verb, Array(arguments.dropFirst(2)))
            return ""
        case ("modifyvm", let vm?):
            try modifyvm(vm, Array(arguments.dropFirst(2)))
            return ""
        case ("list", "vms"):
            return machines.map { "\"\($0.name)\" {\($0.uuid)}\n" }.joined()
        case ("list", "runningvms"):
            return machines.filter { $0.state == "running" }.map { "\"\($0.name)\" {\($0.uuid)}\n" }.joined()
        case ("import", _):
            return try importOVF(Array(arguments.dropFirst()))
        case ("snapshot", let vm?):
            return try snapshot(vm, Array(arguments.dropFirst(2)))
        case ("clonevm", let vm?):
            return try clonevm(vm, Array(arguments.dropFirst(2)))
        case ("showvminfo", let vm?):
            guard arguments.dropFirst(2) == ["--machinereadable"] else {
                throw Refusal(text: "Syntax error: showvminfo takes --machinereadable (or --details, --log) after the VM")
            }
            return try showvminfo(index(of: vm))
        case ("storagectl", let vm?):
            try storagectl(vm, Array(arguments.dropFirst(2)))
            return ""
        case ("storageattach", let vm?):
            try storageattach(vm, Array(arguments.dropFirst(2)))
            return ""
        case ("setextradata", let vm?):
            guard arguments.count == 4 else { throw Refusal(text: "Syntax error: setextradata <uuid|vmname|global> <key> [<value>]") }
            machines[try index(of: vm)].extraData[arguments[2]] = arguments[3]
            return ""
        case ("startvm", let vm?):
            try startvm(vm, Array(arguments.dropFirst(2)))
            return ""
        case ("controlvm", let vm?):
            try controlvm(vm, Array(arguments.dropFirst(2)))
            return ""
        case ("discardstate", let vm?):
            let index = try index(of: vm)
            guard machines[index].state == "saved" else {
                throw Refusal(text: "Machine '\(machines[index].name)' is not in the saved state (state: \(machines[index].state))")
            }
            machines[index].state = "poweroff"
            return ""
        case ("guestproperty", "get"):
            guard arguments.count == 4 else { throw Refusal(text: "Syntax error: guestproperty get <uuid|vmname> <property> [--verbose]") }
            let value = machines[try index(of: arguments[2])].guestProperties[arguments[3]]
            return value.map { "Value: \($0)\n" } ?? "No value set!\n"
        case ("unregistervm", let vm?):
            try unregistervm(vm, Array(arguments.dropFirst(2)))
            return ""
        case ("export", let vm?):
            let index = try index(of: vm)
            guard arguments.count == 4, ["--output", "-o"].contains(arguments[2]), arguments[3].hasSuffix(".ovf") else {
                throw Refusal(text: "Syntax error: export <machine> --output <name>.ovf")
            }
            guard machines[index].state != "running" else {
                throw Refusal(text: "Machine '\(machines[index].name)' is running: power it off (or save it) to export it")
            }
            let ovf = arguments[3]
            guard !FileManager.default.fileExists(atPath: ovf) else { throw Refusal(text: "The file '\(ovf)' exists already") }
            let disk = String(ovf.dropLast(4)) + "-disk001.vmdk"
            _ = FileManager.default.createFile(
                atPath: ovf,
                contents: Data(
                    "<?xml version=\"1.0\"?>\n<Envelope ovf:version=\"1.0\"><VirtualSystem ovf:id=\"\(machines[index].name)\"/></Envelope>\n"
                        .utf8))
            _ = FileManager.default.createFile(atPath: disk, contents: Data())
            return "0%...100%\nSuccessfully exported 1 machine(s).\n"
        case ("createmedium", _), ("clonemedium", _), ("modifymedium", _):
            return try mediumCommand(arguments)
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
        text.split(separator: ".").reduce(0) { $0 << 8 | (UInt32($1) ?? 0) }
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
                guard parts.count == 6, parts.allSatisfy({ $0.count == 2 && UInt8($0, radix: 16) != nil }) else {
                    throw Refusal(text: "Invalid MAC address: '\(value)'")
                }
                scopeMAC = value.lowercased()
            case "--fixed-address":
                guard let mac = scopeMAC else {
                    throw Refusal(text: "--fixed-address can only be used in a --vm or --mac-address config scope")
                }
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
            guard let ip = settings["--ip"], let netmask = settings["--netmask"], let lower = settings["--lowerip"],
                let upper = settings["--upperip"]
            else { throw Refusal(text: "Missing required option") }
            let server = DHCPServer(ip: ip, netmask: netmask, lower: lower, upper: upper, enabled: enabled, fixed: fixed)
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

    private func index(of reference: String) throws(Refusal) -> Int {
        guard let index = machines.firstIndex(where: { $0.uuid == reference || $0.name == reference }) else {
            throw Refusal(text: "Could not find a registered machine named '\(reference)'")
        }
        return index
    }

    /// VirtualBox changes a VM's settings only while it is off (poweroff or aborted).
    private func mutable(_ reference: String) throws(Refusal) -> Int {
        let index = try index(of: reference)
        guard ["poweroff", "aborted"].contains(machines[index].state) else {
            throw Refusal(text: "The machine is not mutable (state is \(machines[index].state))")
        }
        return index
    }

    private func importOVF(_ arguments: [String]) throws(Refusal) -> String {
        guard let ovf = arguments.first, !ovf.hasPrefix("-") else { throw Refusal(text: "Syntax error: import needs an OVF or OVA file") }
        guard let text = try? String(contentsOfFile: ovf, encoding: .utf8), text.contains("<Envelope") else {
            throw Refusal(text: "Could not read OVF file '\(ovf)' (VERR_FILE_NOT_FOUND or not an OVF envelope)")
        }
        var name: String?
        var index = 1
        var system: String?
        while index < arguments.count {
            guard index + 1 < arguments.count else { throw Refusal(text: "Syntax error: missing value for \(arguments[index])") }
            switch arguments[index] {
            case "--vsys": system = arguments[index + 1]
            case "--vmname":
                guard system != nil else { throw Refusal(text: "Option \"--vmname\" requires preceding --vsys argument.") }
                name = arguments[index + 1]
            case "--basefolder": break
            default: throw Refusal(text: "Syntax error: unknown option: \(arguments[index])")
            }
            index += 2
        }
        guard system == nil || system == "0" else {
            throw Refusal(text: "Invalid argument to '--vsys': the appliance has one virtual system (0)")
        }
        let vmName = name ?? "vm"
        guard !machines.contains(where: { $0.name == vmName }) else { throw Refusal(text: "A machine named '\(vmName)' already exists") }
        // As boxes come: the disk on port 0 of one SATA controller.
        var vm = VM(
            uuid: UUID().uuidString.lowercased(), name: vmName,
            settings: [
                "memory": "1024", "cpus": "1", "nic1": "nat", "macaddress1": String(format: "080027%06X", Int.random(in: 0..<0xFFFFFF)),
            ])
        vm.controllers["SATA Controller"] = 1
        vm.media["SATA Controller:0:0"] = (ovf as NSString).deletingLastPathComponent + "/box-disk001.vmdk"
        media[(ovf as NSString).deletingLastPathComponent + "/box-disk001.vmdk"] = ("VMDK", 10 << 30)
        machines.append(vm)
        return "0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\nSuccessfully imported the appliance.\n"
    }

    private func snapshot(_ vm: String, _ arguments: [String]) throws(Refusal) -> String {
        let index = try index(of: vm)
        switch arguments.first {
        case "take":
            guard arguments.count >= 2 else { throw Refusal(text: "Syntax error: snapshot take needs a name") }
            var rest = Array(arguments.dropFirst(2))
            let live = rest.contains("--live")
            rest.removeAll { $0 == "--live" }
            guard rest.isEmpty || (rest.count == 2 && rest[0] == "--description") else {
                throw Refusal(text: "Syntax error: invalid parameter '\(rest.joined(separator: " "))'")
            }
            if machines[index].state == "running" && !live {
                throw Refusal(text: "The machine is running: take a live snapshot (--live) or pause it first")
            }
            machines[index].snapshots.append(arguments[1])
            machines[index].snapshotStates[arguments[1]] = machines[index].state == "running" ? "saved" : "poweroff"
            return "0%...100%\nSnapshot taken. UUID: \(UUID().uuidString.lowercased())\n"
        case "restore", "delete":
            guard arguments.count == 2 else { throw Refusal(text: "Syntax error: snapshot \(arguments[0]) <name>") }
            guard machines[index].snapshots.contains(arguments[1]) else {
                throw Refusal(text: "Could not find a snapshot named '\(arguments[1])'")
            }
            if arguments[0] == "restore" {
                guard machines[index].state != "running" else {
                    throw Refusal(text: "Machine in invalid state 'Running' -- power it off before restoring a snapshot")
                }
                machines[index].state = machines[index].snapshotStates[arguments[1]] ?? "poweroff"
            } else {
                machines[index].snapshots.removeAll { $0 == arguments[1] }
            }
            return "0%...100%\n"
        case "list":
            guard !machines[index].snapshots.isEmpty else { throw Refusal(text: "This machine does not have any snapshots") }
            return machines[index].snapshots.enumerated().map { "SnapshotName\($0.offset == 0 ? "" : "-\($0.offset)")=\"\($0.element)\"\n" }
                .joined()
        default:
            throw Refusal(text: "Syntax error: unknown snapshot subcommand: \(arguments.first ?? "")")
        }
    }

    private func clonevm(_ vm: String, _ arguments: [String]) throws(Refusal) -> String {
        let source = try index(of: vm)
        var snapshot: String?
        var options: [String] = []
        var name: String?
        var register = false
        var index = 0
        while index < arguments.count {
            let option = arguments[index]
            if option == "--register" {
                register = true
                index += 1
                continue
            }
            guard index + 1 < arguments.count else { throw Refusal(text: "Syntax error: missing value for \(option)") }
            let value = arguments[index + 1]
            switch option {
            case "--snapshot": snapshot = value
            case "--options": options += value.split(separator: ",").map(String.init)
            case "--name": name = value
            case "--basefolder", "--mode", "--uuid": break
            default: throw Refusal(text: "Syntax error: unknown option: \(option)")
            }
            index += 2
        }
        for option in options where !["link", "keepallmacs", "keepnatmacs", "keepdisknames", "keephwuuids"].contains(option) {
            throw Refusal(text: "Invalid clone options '\(option)'")
        }
        if let snapshot, !machines[source].snapshots.contains(snapshot) {
            throw Refusal(text: "Could not find a snapshot named '\(snapshot)'")
        }
        if options.contains("link"), snapshot == nil {
            throw Refusal(text: "Linked clones need a snapshot to start from (--snapshot)")
        }
        let cloneName = name ?? machines[source].name + " Clone"
        guard !machines.contains(where: { $0.name == cloneName }) else {
            throw Refusal(text: "A machine named '\(cloneName)' already exists")
        }
        guard register else { return "Machine has been successfully cloned as \"\(cloneName)\"\n" }
        var clone = VM(uuid: UUID().uuidString.lowercased(), name: cloneName, settings: machines[source].settings)
        clone.controllers = machines[source].controllers
        clone.media = machines[source].media
        clone.linkedTo = options.contains("link") ? machines[source].name : nil
        machines.append(clone)
        return "0%...100%\nMachine has been successfully cloned as \"\(cloneName)\"\n"
    }

    private func showvminfo(_ index: Int) -> String {
        let vm = machines[index]
        var lines = ["name=\"\(vm.name)\"", "UUID=\"\(vm.uuid)\"", "VMState=\"\(vm.state)\""]
        for key in vm.settings.keys.sorted() { lines.append("\(key)=\"\(vm.settings[key] ?? "")\"") }
        for (offset, rule) in vm.natRules.keys.sorted().enumerated() {
            lines.append("Forwarding(\(offset))=\"\(vm.natRules[rule] ?? "")\"")
        }
        for (index, name) in vm.controllers.keys.sorted().enumerated() {
            lines += [
                "storagecontrollername\(index)=\"\(name)\"",
                "storagecontrollertype\(index)=\"\(name == "IDE Controller" ? "PIIX4" : "IntelAhci")\"",
                "storagecontrollerportcount\(index)=\"\(vm.controllers[name] ?? 1)\"", "storagecontrollermaxportcount\(index)=\"30\"",
            ]
        }
        for key in vm.media.keys.sorted() { lines.append("\"\(key.replacingOccurrences(of: ":", with: "-"))\"=\"\(vm.media[key] ?? "")\"") }
        return lines.joined(separator: "\n") + "\n"
    }

    private func storagectl(_ vm: String, _ arguments: [String]) throws(Refusal) {
        let index = try mutable(vm)
        var name: String?
        var bus: String?
        var ports = 1
        for (option, value) in try options(arguments, flags: []) {
            switch option {
            case "--name": name = value
            case "--add":
                guard ["ide", "sata", "scsi", "floppy", "sas", "usb", "pcie", "virtio"].contains(value) else {
                    throw Refusal(text: "Invalid --add argument '\(value)'")
                }
                bus = value
            case "--portcount":
                guard let count = Int(value), (1...30).contains(count) else {
                    throw Refusal(text: "Invalid --portcount argument '\(value)'")
                }
                ports = count
            case "--controller", "--hostiocache", "--bootable": break
            default: throw Refusal(text: "Syntax error: unknown option: \(option)")
            }
        }
        guard let name else { throw Refusal(text: "storagectl: --name is required") }
        guard bus != nil else {
            // Changing a controller that exists (its port count).
            guard machines[index].controllers[name] != nil else {
                throw Refusal(text: "Could not find a storage controller named '\(name)'")
            }
            machines[index].controllers[name] = ports
            return
        }
        guard machines[index].controllers[name] == nil else { throw Refusal(text: "Storage controller named '\(name)' already exists") }
        // The default chipset (PIIX3) allows one controller per bus type; the stand-in's
        // controllers are SATA (all but "IDE Controller").
        if bus == "sata", machines[index].controllers.keys.contains(where: { $0 != "IDE Controller" }) {
            throw Refusal(text: "Too many storage controllers of this type")
        }
        machines[index].controllers[name] = ports
    }

    private func storageattach(_ vm: String, _ arguments: [String]) throws(Refusal) {
        let index = try mutable(vm)
        var values: [String: String] = [:]
        for (option, value) in try options(arguments, flags: []) {
            guard ["--storagectl", "--port", "--device", "--type", "--medium"].contains(option) else {
                throw Refusal(text: "Syntax error: unknown option: \(option)")
            }
            values[option] = value
        }
        guard let controller = values["--storagectl"], let ports = machines[index].controllers[controller] else {
            throw Refusal(text: "Could not find a controller named '\(values["--storagectl"] ?? "")'")
        }
        guard let port = values["--port"].flatMap(Int.init), (0..<ports).contains(port), let device = values["--device"].flatMap(Int.init),
            device == 0
        else {
            throw Refusal(
                text:
                    "The port and/or device parameter are out of range: port=\(values["--port"] ?? "-") (0...\(ports - 1)), device=\(values["--device"] ?? "-") (0)"
            )
        }
        guard let type = values["--type"], ["dvddrive", "hdd", "fdd"].contains(type) else {
            throw Refusal(text: "Invalid --type argument '\(values["--type"] ?? "")'")
        }
        guard let medium = values["--medium"] else { throw Refusal(text: "Missing required option: --medium") }
        if !["none", "emptydrive", "additions"].contains(medium) {
            guard medium.hasPrefix("/"), FileManager.default.fileExists(atPath: medium) else {
                throw Refusal(text: "Could not find file for the medium '\(medium)' (VERR_FILE_NOT_FOUND)")
            }
        }
        machines[index].media["\(controller):\(port):\(device)"] = medium == "none" ? nil : medium
    }

    private func startvm(_ vm: String, _ arguments: [String]) throws(Refusal) {
        let index = try index(of: vm)
        guard
            arguments.isEmpty
                || (arguments.count == 2 && arguments[0] == "--type" && ["gui", "headless", "sdl", "separate"].contains(arguments[1]))
        else {
            throw Refusal(text: "Syntax error: invalid startvm arguments: \(arguments.joined(separator: " "))")
        }
        guard ["poweroff", "saved", "aborted"].contains(machines[index].state) else {
            throw Refusal(text: "The machine '\(machines[index].name)' is already locked by a session (or being locked or unlocked)")
        }
        machines[index].state = "running"
    }

    private func controlvm(_ vm: String, _ arguments: [String]) throws(Refusal) {
        let index = try index(of: vm)
        let state = machines[index].state
        guard ["running", "paused"].contains(state) else {
            throw Refusal(text: "Machine '\(machines[index].name)' is not currently running")
        }
        switch arguments {
        case ["acpipowerbutton"]: if !guestIgnoresPowerButton, state == "running" { machines[index].state = "poweroff" }
        case ["poweroff"]: machines[index].state = "poweroff"
        case ["savestate"]: machines[index].state = "saved"
        case ["pause"]: machines[index].state = "paused"
        case ["resume"]:
            guard state == "paused" else { throw Refusal(text: "VM is not paused") }
            machines[index].state = "running"
        default: throw Refusal(text: "Syntax error: invalid controlvm subcommand: \(arguments.joined(separator: " "))")
        }
    }

    private func unregistervm(_ vm: String, _ arguments: [String]) throws(Refusal) {
        let index = try index(of: vm)
        guard arguments.isEmpty || arguments == ["--delete"] else {
            throw Refusal(text: "Syntax error: invalid parameter '\(arguments.joined(separator: " "))'")
        }
        guard !["running", "paused"].contains(machines[index].state) else {
            throw Refusal(text: "Cannot unregister the machine '\(machines[index].name)' while it is locked")
        }
        let name = machines[index].name
        if machines.contains(where: { $0.linkedTo == name }) {
            throw Refusal(text: "Cannot delete the machine '\(name)': linked clones of its snapshot exist")
        }
        machines.remove(at: index)
    }

    private func modifyvm(_ vm: String, _ arguments: [String]) throws(Refusal) {
        let index = try mutable(vm)
        var settings = machines[index].settings
        var rules = machines[index].natRules
        let attachments: Set<String> = ["none", "null", "nat", "bridged", "intnet", "hostonly", "hostonlynet", "generic", "natnetwork"]
        var position = 0
        while position < arguments.count {
            let option = arguments[position]
            // --uart1 takes two values (I/O base and IRQ), or "off".
            if option == "--uart1" {
                if arguments.dropFirst(position + 1).first == "off" {
                    settings["uart1"] = "off"
                    position += 2
                    continue
                }
                guard position + 2 < arguments.count, arguments[position + 1].hasPrefix("0x"),
                    UInt16(arguments[position + 1].dropFirst(2), radix: 16) != nil,
                    Int(arguments[position + 2]) != nil
                else { throw Refusal(text: "Syntax error: --uart1 needs an I/O base and an IRQ (e.g. 0x3F8 4), or off") }
                settings["uart1"] = arguments[position + 1] + "," + arguments[position + 2]
                position += 3
                continue
            }
            if option == "--uartmode1" {
                guard position + 1 < arguments.count else { throw Refusal(text: "Syntax error: missing value for --uartmode1") }
                let mode = arguments[position + 1]
                if ["file", "server", "client", "tcpserver", "tcpclient"].contains(mode) {
                    guard position + 2 < arguments.count else { throw Refusal(text: "Syntax error: --uartmode1 \(mode) needs a path") }
                    settings["uartmode1"] = mode + "," + arguments[position + 2]
                    position += 3
                } else {
                    guard mode == "disconnected" else { throw Refusal(text: "Invalid --uartmode1 argument '\(mode)'") }
                    settings["uartmode1"] = mode
                    position += 2
                }
                continue
            }
            guard option.hasPrefix("--"), position + 1 < arguments.count else {
                throw Refusal(text: "Syntax error: invalid parameter '\(option)'")
            }
            let value = arguments[position + 1]
            position += 2
            switch option {
            case "--memory":
                guard let megabytes = Int(value), megabytes >= 4 else { throw Refusal(text: "Invalid --memory argument '\(value)'") }
                settings["memory"] = value
                continue
            case "--cpus":
                guard let count = Int(value), (1...64).contains(count) else { throw Refusal(text: "Invalid --cpus argument '\(value)'") }
                settings["cpus"] = value
                continue
            case "--ioapic", "--natdnshostresolver1", "--natdnsproxy1":
                guard value == "on" || value == "off" else { throw Refusal(text: "Invalid \(option) argument '\(value)'") }
                settings[String(option.dropFirst(2))] = value
                continue
            case "--natpf1":
                if value == "delete" {
                    guard position < arguments.count, rules[arguments[position]] != nil else {
                        throw Refusal(text: "Code E_INVALIDARG: A NAT rule of this name does not exist")
                    }
                    rules[arguments[position]] = nil
                    position += 1
                    continue
                }
                let fields = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard fields.count == 6, !fields[0].isEmpty, ["tcp", "udp"].contains(fields[1]),
                    fields[2].isEmpty || Self.isIPv4(fields[2]), let hostPort = Int(fields[3]), (1...65535).contains(hostPort),
                    fields[4].isEmpty || Self.isIPv4(fields[4]), let guestPort = Int(fields[5]), (1...65535).contains(guestPort)
                else {
                    throw Refusal(text: "Invalid NAT rule '\(value)': name,tcp|udp,[hostip],hostport,[guestip],guestport")
                }
                guard rules[fields[0]] == nil else { throw Refusal(text: "A NAT rule of this name already exists") }
                guard
                    !rules.values.contains(where: {
                        $0.split(separator: ",", omittingEmptySubsequences: false)[3] == Substring(fields[3])
                            && $0.split(separator: ",", omittingEmptySubsequences: false)[1] == Substring(fields[1])
                    })
                else {
                    throw Refusal(text: "A NAT rule for this host port already exists")
                }
                rules[fields[0]] = value
                continue
            default:
                break
            }
            guard let slot = option.last.flatMap({ Int(String($0)) }), (1...8).contains(slot) else {
                throw Refusal(text: "Syntax error: unknown option: \(option)")
            }
            switch option.dropLast() {
            case "--nic":
                guard attachments.contains(value) else { throw Refusal(text: "Invalid --nic\(slot) argument '\(value)'") }
            case "--intnet":
                guard !value.isEmpty else { throw Refusal(text: "--intnet\(slot) needs a network name") }
            case "--macaddress":
                guard value == "auto" || (value.count == 12 && UInt64(value, radix: 16) != nil) else {
                    throw Refusal(text: "Invalid MAC address format for --macaddress\(slot): '\(value)'")
                }
            case "--cableconnected":
                guard value == "on" || value == "off" else { throw Refusal(text: "Invalid --cableconnected\(slot) argument '\(value)'") }
            default:
                throw Refusal(text: "Syntax error: unknown option: \(option)")
            }
            settings[String(option.dropFirst(2))] = value
        }
        machines[index].settings = settings
        machines[index].natRules = rules
    }

    /// `createmedium`, `clonemedium` and `modifymedium`, with the refusals of VBoxManage's
    /// manual: a file that exists (create, clone), a source it does not know, a VMDK resized
    /// ("not implemented yet"), a medium shrunk.
    private func mediumCommand(_ arguments: [String]) throws(Refusal) -> String {
        var rest = Array(arguments.dropFirst())
        if let kind = rest.first, ["disk", "dvd", "floppy"].contains(kind) { rest.removeFirst() }
        var positional: [String] = []
        var values: [String: String] = [:]
        var index = 0
        while index < rest.count {
            let argument = rest[index]
            if argument.hasPrefix("--") {
                guard index + 1 < rest.count else { throw Refusal(text: "Syntax error: missing value for \(argument)") }
                values[argument] = rest[index + 1]
                index += 2
            } else {
                positional.append(argument)
                index += 1
            }
        }
        let uuid = UUID().uuidString.lowercased()
        switch arguments[0] {
        case "createmedium":
            for key in values.keys where !["--filename", "--size", "--sizebyte", "--format", "--variant"].contains(key) {
                throw Refusal(text: "Syntax error: unknown option: \(key)")
            }
            guard let file = values["--filename"], file.hasPrefix("/") else { throw Refusal(text: "Parameter --filename is required") }
            let bytes = values["--sizebyte"].flatMap(Int64.init) ?? values["--size"].flatMap(Int64.init).map { $0 << 20 }
            guard let bytes, bytes > 0 else { throw Refusal(text: "Parameter --size or --sizebyte is required") }
            guard !FileManager.default.fileExists(atPath: file) else {
                throw Refusal(text: "Could not create the medium storage unit '\(file)'.\nVD: Cannot create image: file already exists")
            }
            _ = FileManager.default.createFile(atPath: file, contents: Data())
            media[file] = (values["--format"]?.uppercased() ?? "VDI", bytes)
            return "0%...100%\nMedium created. UUID: \(uuid)\n"
        case "clonemedium":
            guard positional.count == 2 else { throw Refusal(text: "Syntax error: clonemedium <source> <target>") }
            guard let source = media[positional[0]] else { throw Refusal(text: "Could not find file for the medium '\(positional[0])'") }
            guard !FileManager.default.fileExists(atPath: positional[1]) else {
                throw Refusal(text: "Cannot create the clone medium '\(positional[1])': file already exists")
            }
            _ = FileManager.default.createFile(atPath: positional[1], contents: Data())
            let format = values["--format"]?.uppercased() ?? source.format
            media[positional[1]] = (format, source.bytes)
            return "0%...100%\nClone medium created in format '\(format)'. UUID: \(uuid)\n"
        default:
            guard positional.count == 1, let known = media[positional[0]] else {
                throw Refusal(text: "Could not find file for the medium '\(positional.first ?? "")'")
            }
            let bytes = values["--resizebyte"].flatMap(Int64.init) ?? values["--resize"].flatMap(Int64.init).map { $0 << 20 }
            guard let bytes else { throw Refusal(text: "Syntax error: modifymedium needs an option") }
            guard known.format == "VDI" || known.format == "VHD" else {
                throw Refusal(text: "Resize medium operation for this format is not implemented yet!")
            }
            guard bytes >= known.bytes else { throw Refusal(text: "Shrinking is not yet supported for medium '\(positional[0])'") }
            media[positional[0]] = (known.format, bytes)
            return "0%...100%\n"
        }
    }
}
