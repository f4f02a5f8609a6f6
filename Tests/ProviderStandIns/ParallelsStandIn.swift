import Foundation
import Machines
import Providers

/// A STAND-IN for Parallels Desktop's `prlctl` and `prlsrvctl`, not Parallels: it runs on macOS
/// only and cannot be installed on the machines these tests run on. One object keeps the state
/// both tools share (registered VMs with their devices, snapshots and run state; networks with
/// their NAT rules) and hands out the two tools (`prlctl`, `prlsrvctl`), each recording its
/// calls. It refuses what the tools refuse according to their usage text: unknown commands
/// and options, a VM that is not registered, a bundle registered twice, a linked clone without
/// a snapshot id that exists, a VM deleted while it runs, a NAT rule whose name exists or that
/// names an unknown VM, an image that is not a file, a state change that makes no sense
/// (stopping a stopped VM). Errors go to stderr, exit status 1. No guest runs.
final class ParallelsStandIn: @unchecked Sendable {
    struct VM: Equatable {
        var uuid: String
        var name: String
        var home: String
        var status = "stopped"
        /// Device name (net0, cdrom0, serial0) → settings.
        var hardware: [String: [String: String]] = ["net0": ["type": "shared"], "hdd0": ["image": "harddisk.hdd"]]
        var memory = 1024
        var cpus = 1
        /// Snapshot id → name.
        var snapshots: [String: String] = [:]
        var linkedTo: String?
    }

    struct Network: Equatable {
        var type: String
        var settings: [String: String] = [:]
        /// Rule name → "hostport,vm,guestport".
        var tcpRules: [String: String] = [:]
    }

    final class Tool: HypervisorTool, @unchecked Sendable {
        let name: String
        unowned let state: ParallelsStandIn
        init(name: String, state: ParallelsStandIn) {
            self.name = name
            self.state = state
        }
        func run(_ arguments: [String]) async throws(MachineError) -> Programs.Result { state.run(name, arguments) }
    }

    private let lock = NSLock()
    private(set) var calls: [[String]] = []
    private(set) var vms: [VM] = []
    private(set) var networks: [String: Network] = ["Shared": Network(type: "shared"), "Host-Only": Network(type: "host-only")]
    var guestIgnoresShutdown = false
    lazy var prlctl = Tool(name: "prlctl", state: self)
    lazy var prlsrvctl = Tool(name: "prlsrvctl", state: self)
    /// `prl_disk_tool`, which shares the VMs' state (it refuses a linked clone's disk).
    lazy var prlDiskTool = Tool(name: "prl_disk_tool", state: self)
    /// Disk image sizes in bytes, by path (a clone's own disk is 64 GiB, Parallels' default).
    private(set) var diskSizes: [String: Int64] = [:]
    /// When each snapshot was taken (prlctl's `date`), in the order they were.
    private var snapshotDates: [String: String] = [:]

    struct Refusal: Error { let text: String }

    func vm(_ reference: String) -> VM? { lock.withLock { vms.first { $0.uuid == reference || $0.name == reference } } }

    func run(_ tool: String, _ arguments: [String]) -> Programs.Result {
        lock.withLock {
            calls.append([tool] + arguments)
            do throws(Refusal) {
                let output: String
                switch tool {
                case "prlctl": output = try prlctl(arguments)
                case "prl_disk_tool": output = try diskTool(arguments)
                default: output = try prlsrvctl(arguments)
                }
                return Programs.Result(status: 0, output: output, error: "")
            } catch {
                return Programs.Result(status: 1, output: "", error: error.text + "\n")
            }
        }
    }

    private func index(_ reference: String) throws(Refusal) -> Int {
        let bare = reference.trimmingCharacters(in: CharacterSet(charactersIn: "{}"))
        guard let index = vms.firstIndex(where: { $0.uuid == bare || $0.name == reference }) else {
            throw Refusal(
                text:
                    "Failed to get VM config: The virtual machine could not be found. The virtual machine is not registered in the virtual machine directory on your Mac."
            )
        }
        return index
    }

    private func prlctl(_ arguments: [String]) throws(Refusal) -> String {
        guard let command = arguments.first else { throw Refusal(text: "Usage: prlctl <command> ...") }
        let rest = Array(arguments.dropFirst())
        switch command {
        case "register":
            guard let path = rest.first, rest.dropFirst().allSatisfy({ ["--preserve-uuid", "--force"].contains($0) }) else {
                throw Refusal(text: "Invalid usage: register <PATH> [--preserve-uuid]")
            }
            guard FileManager.default.fileExists(atPath: path + "/config.pvs") else {
                throw Refusal(text: "Failed to register the VM: \(path) is not a virtual machine bundle (no config.pvs)")
            }
            guard !vms.contains(where: { $0.home == path }) else {
                throw Refusal(text: "The virtual machine \(path) is already registered.")
            }
            vms.append(
                VM(
                    uuid: UUID().uuidString.lowercased(),
                    name: (path as NSString).lastPathComponent.replacingOccurrences(of: ".pvm", with: ""), home: path))
            return "Register the VM...\nThe VM has been successfully registered.\n"
        case "list":
            return try list(rest)
        case "snapshot":
            guard rest.count == 3, rest[1] == "--name" || rest[1] == "-n" else {
                throw Refusal(text: "Invalid usage: snapshot <ID|NAME> [-n,--name <name>]")
            }
            let index = try index(rest[0])
            let id = UUID().uuidString.lowercased()
            vms[index].snapshots[id] = rest[2]
            snapshotDates[id] = String(format: "2026-12-05 00:%02d:%02d", snapshotDates.count / 60, snapshotDates.count % 60)
            return "Creating the snapshot...\nThe snapshot with id {\(id)} has been successfully created.\n"
        case "unregister":
            guard rest.count == 1 else { throw Refusal(text: "Invalid usage: unregister <ID|NAME>") }
            let index = try index(rest[0])
            guard vms[index].status == "stopped" else { throw Refusal(text: "The VM is running; stop it before unregistering it") }
            vms.remove(at: index)
            return "Unregister the VM...\nThe VM has been successfully unregistered.\n"
        case "snapshot-list":
            guard rest.count == 2, rest[1] == "--json" || rest[1] == "-j" else {
                throw Refusal(text: "Invalid usage: snapshot-list <ID|NAME> [-j,--json]")
            }
            let vm = vms[try index(rest[0])]
            let entries = vm.snapshots.keys.sorted().map { id in
                "\"{\(id)}\": {\"name\": \"\(vm.snapshots[id] ?? "")\", \"date\": \"\(snapshotDates[id] ?? "")\", \"state\": \"poweroff\"}"
            }
            return "{" + entries.joined(separator: ", ") + "}\n"
        case "snapshot-switch", "snapshot-delete":
            guard rest.count == 3, rest[1] == "--id" || rest[1] == "-i" else {
                throw Refusal(text: "Invalid usage: \(command) <ID|NAME> -i,--id <snapshot_id>")
            }
            let index = try index(rest[0])
            let snapshot = rest[2].trimmingCharacters(in: CharacterSet(charactersIn: "{}"))
            guard vms[index].snapshots[snapshot] != nil else { throw Refusal(text: "The snapshot {\(snapshot)} does not exist") }
            if command == "snapshot-delete" {
                vms[index].snapshots[snapshot] = nil
            } else {
                guard vms[index].status == "stopped" else { throw Refusal(text: "Unable to switch to the snapshot: the VM is running") }
            }
            return ""
        case "clone":
            return try clone(rest)
        case "set":
            try set(rest)
            return ""
        case "start", "stop", "suspend", "resume", "pause":
            guard let reference = rest.first else { throw Refusal(text: "Invalid usage: \(command) <ID|NAME>") }
            let index = try index(reference)
            let flags = Array(rest.dropFirst())
            guard command == "stop" ? flags.allSatisfy({ ["--kill", "--noforce"].contains($0) }) : flags.isEmpty else {
                throw Refusal(text: "Unrecognized option: \(flags.joined(separator: " "))")
            }
            let status = vms[index].status
            switch command {
            case "start":
                guard status == "stopped" else { throw Refusal(text: "Failed to start the VM: the VM is \(status)") }
                vms[index].status = "running"
            case "stop":
                guard status == "running" else { throw Refusal(text: "Failed to stop the VM: the VM is not running (\(status))") }
                if flags.contains("--kill") || !guestIgnoresShutdown { vms[index].status = "stopped" }
            case "suspend":
                guard status == "running" else { throw Refusal(text: "Failed to suspend the VM: the VM is \(status)") }
                vms[index].status = "suspended"
            case "resume":
                guard status == "suspended" || status == "paused" else {
                    throw Refusal(text: "Failed to resume the VM: the VM is \(status)")
                }
                vms[index].status = "running"
            default:
                guard status == "running" else { throw Refusal(text: "Failed to pause the VM: the VM is \(status)") }
                vms[index].status = "paused"
            }
            return ""
        case "delete":
            guard rest.count == 1 else { throw Refusal(text: "Invalid usage: delete <ID|NAME>") }
            let index = try index(rest[0])
            guard vms[index].status == "stopped" else {
                throw Refusal(text: "Failed to delete the VM: the VM is \(vms[index].status); stop it first")
            }
            guard !vms.contains(where: { $0.linkedTo == vms[index].uuid }) else {
                throw Refusal(text: "Failed to delete the VM: linked clones depend on it")
            }
            try? FileManager.default.removeItem(atPath: vms[index].home)
            vms.remove(at: index)
            return ""
        default:
            throw Refusal(text: "Unknown command: \(command)")
        }
    }

    private func list(_ arguments: [String]) throws(Refusal) -> String {
        switch arguments {
        case ["--all", "--no-header", "--json", "-o", "name,uuid"]:
            let entries = vms.map { "{\"name\": \"\($0.name)\", \"uuid\": \"{\($0.uuid)}\"}" }
            return "[" + entries.joined(separator: ", ") + "]\n"
        case let list where list.count == 4 && list[1...] == ["--no-header", "-o", "status"]:
            return vms[try index(list[0])].status + "\n"
        case let list where list.count == 4 && list[1...] == ["--info", "--no-header", "--json"]:
            let vm = vms[try index(list[0])]
            let hardware = vm.hardware.keys.sorted().map { device in
                "\"\(device)\": {"
                    + (vm.hardware[device] ?? [:]).keys.sorted().map { "\"\($0)\": \"\(vm.hardware[device]?[$0] ?? "")\"" }.joined(
                        separator: ", ") + "}"
            }.joined(separator: ", ")
            // Control characters around the JSON, as prlctl sometimes prints (vagrant-parallels GH-204).
            return
                "\u{1b}[0m[{\"ID\": \"{\(vm.uuid)}\", \"Name\": \"\(vm.name)\", \"State\": \"\(vm.status)\", \"Home\": \"\(vm.home)\", \"Hardware\": {\(hardware)}}]\n"
        default:
            throw Refusal(text: "Unrecognized list options: \(arguments.joined(separator: " "))")
        }
    }

    private func clone(_ arguments: [String]) throws(Refusal) -> String {
        guard let source = arguments.first else { throw Refusal(text: "Invalid usage: clone <ID|NAME> --name <NEW_NAME>") }
        let sourceIndex = try index(source)
        var options: [String: String] = [:]
        var linked = false
        var position = 1
        while position < arguments.count {
            let option = arguments[position]
            if option == "--linked" || option == "--template" {
                linked = linked || option == "--linked"
                position += 1
                continue
            }
            guard ["--name", "--dst", "--id"].contains(option), position + 1 < arguments.count else {
                throw Refusal(text: "Unrecognized option: \(option)")
            }
            options[option] = arguments[position + 1]
            position += 2
        }
        guard let name = options["--name"] else { throw Refusal(text: "Invalid usage: clone needs --name") }
        guard !vms.contains(where: { $0.name == name }) else {
            throw Refusal(text: "Failed to clone the VM: a VM named \(name) already exists")
        }
        if linked {
            guard let snapshot = options["--id"]?.trimmingCharacters(in: CharacterSet(charactersIn: "{}")),
                vms[sourceIndex].snapshots[snapshot] != nil
            else {
                throw Refusal(text: "Failed to clone the VM: a linked clone needs the id of an existing snapshot (--id)")
            }
        }
        let folder = options["--dst"] ?? "/nonexistent"
        guard FileManager.default.fileExists(atPath: folder) else {
            throw Refusal(text: "Failed to clone the VM: the destination \(folder) does not exist")
        }
        let home = folder + "/" + name + ".pvm"
        try? FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: home + "/config.pvs", contents: Data("<ParallelsVirtualMachine/>\n".utf8))
        var clone = VM(uuid: UUID().uuidString.lowercased(), name: name, home: home)
        clone.linkedTo = linked ? vms[sourceIndex].uuid : nil
        try? FileManager.default.createDirectory(atPath: home + "/harddisk.hdd", withIntermediateDirectories: true)
        diskSizes[home + "/harddisk.hdd"] = 64 << 30
        vms.append(clone)
        return "Clone the \(vms[sourceIndex].name) VM to VM \(name)...\nThe VM has been successfully cloned.\n"
    }

    private func set(_ arguments: [String]) throws(Refusal) {
        guard let reference = arguments.first else { throw Refusal(text: "Invalid usage: set <ID|NAME> ...") }
        let index = try index(reference)
        var vm = vms[index]
        var position = 1
        func value() throws(Refusal) -> String {
            guard position + 1 < arguments.count else { throw Refusal(text: "Missing value for \(arguments[position])") }
            position += 2
            return arguments[position - 1]
        }
        while position < arguments.count {
            switch arguments[position] {
            case "--memsize":
                guard let size = Int(try value()), size >= 4 else { throw Refusal(text: "Invalid --memsize") }
                vm.memory = size
            case "--cpus":
                guard let count = Int(try value()), count >= 1 else { throw Refusal(text: "Invalid --cpus") }
                vm.cpus = count
            case "--startup-view":
                _ = try value()
            case "--device-add", "--device-set":
                let adding = arguments[position] == "--device-add"
                let target = try value()
                var device: String
                var settings: [String: String]
                if adding {
                    guard ["net", "cdrom", "serial", "hdd"].contains(target) else { throw Refusal(text: "Invalid device type: \(target)") }
                    if target == "hdd", vm.status != "stopped" { throw Refusal(text: "Unable to add a hard disk while the VM is running") }
                    var number = 0
                    while vm.hardware["\(target)\(number)"] != nil { number += 1 }
                    device = "\(target)\(number)"
                    settings = [:]
                } else {
                    guard let existing = vm.hardware[target] else { throw Refusal(text: "The device \(target) does not exist") }
                    device = target
                    settings = existing
                }
                let kind = device.trimmingCharacters(in: .decimalDigits)
                device_options: while position < arguments.count {
                    switch (kind, arguments[position]) {
                    case ("net", "--type"):
                        let type = try value()
                        guard ["shared", "bridged", "host", "host-only"].contains(type) else {
                            throw Refusal(text: "Invalid network type: \(type)")
                        }
                        settings["type"] = type
                    case ("net", "--iface"):
                        let network = try value()
                        guard networks[network] != nil else { throw Refusal(text: "The virtual network \(network) does not exist") }
                        settings["iface"] = network
                    case ("net", "--mac"):
                        let mac = try value()
                        guard mac.count == 12, UInt64(mac, radix: 16) != nil else { throw Refusal(text: "Invalid MAC address: \(mac)") }
                        settings["mac"] = mac
                    case ("cdrom", "--image"), ("serial", "--output"):
                        let path = try value()
                        guard path.hasPrefix("/") else { throw Refusal(text: "The path must be absolute: \(path)") }
                        if kind == "cdrom", !FileManager.default.fileExists(atPath: path) {
                            throw Refusal(text: "The image \(path) does not exist")
                        }
                        guard kind == "cdrom" || ["stopped"].contains(vm.status) else {
                            throw Refusal(text: "Serial ports cannot be added while the VM runs")
                        }
                        settings[kind == "cdrom" ? "image" : "output"] = path
                    case ("cdrom", "--connect"):
                        settings["state"] = "connected"
                        position += 1
                    case ("hdd", "--image"):
                        let path = try value()
                        guard path.hasPrefix("/") else { throw Refusal(text: "The path must be absolute: \(path)") }
                        settings["image"] = path
                    case ("hdd", "--type"):
                        let type = try value()
                        guard ["expand", "plain"].contains(type) else { throw Refusal(text: "Invalid disk type: \(type)") }
                        settings["type"] = type
                    case ("hdd", "--size"):
                        guard let size = Int64(try value()), size > 0 else { throw Refusal(text: "Invalid --size") }
                        settings["size"] = String(size)
                    case ("hdd", "--iface"):
                        let iface = try value()
                        guard ["ide", "sata", "scsi", "nvme", "virtio"].contains(iface) else {
                            throw Refusal(text: "Invalid interface: \(iface)")
                        }
                        settings["iface"] = iface
                    default:
                        break device_options
                    }
                }
                if adding, kind == "hdd" {
                    // A new disk: its image made where it was asked for, at its size (MB).
                    let image = settings["image"] ?? vm.home + "/\(device).hdd"
                    guard !FileManager.default.fileExists(atPath: image) else {
                        throw Refusal(text: "Failed to create the hard disk: the image \(image) already exists")
                    }
                    try? FileManager.default.createDirectory(atPath: image, withIntermediateDirectories: true)
                    diskSizes[image] = (Int64(settings["size"] ?? "") ?? 65536) << 20
                    settings["image"] = image
                }
                vm.hardware[device] = settings
            default:
                throw Refusal(text: "Unrecognized option: \(arguments[position])")
            }
        }
        vms[index] = vm
    }

    private func prlsrvctl(_ arguments: [String]) throws(Refusal) -> String {
        guard arguments.first == "net", arguments.count >= 2 else { throw Refusal(text: "Usage: prlsrvctl net <add|set|del|list> ...") }
        switch arguments[1] {
        case "list":
            guard arguments.dropFirst(2) == ["--json"] else {
                throw Refusal(text: "Unrecognized option: \(arguments.dropFirst(2).joined(separator: " "))")
            }
            return "["
                + networks.keys.sorted().map { "{\"Network ID\": \"\($0)\", \"Type\": \"\(networks[$0]?.type ?? "")\"}" }.joined(
                    separator: ", ") + "]\n"
        case "add":
            guard arguments.count == 5, arguments[3] == "--type", ["host-only", "shared", "bridged"].contains(arguments[4]) else {
                throw Refusal(text: "Invalid usage: net add <vnetwork_id> -t,--type <bridged|host-only|shared>")
            }
            guard networks[arguments[2]] == nil else { throw Refusal(text: "The virtual network \(arguments[2]) already exists") }
            networks[arguments[2]] = Network(type: arguments[4])
            return ""
        case "del":
            guard arguments.count == 3, networks[arguments[2]] != nil else {
                throw Refusal(text: "The virtual network \(arguments.dropFirst(2).first ?? "") does not exist")
            }
            guard !["Shared", "Host-Only"].contains(arguments[2]) else {
                throw Refusal(text: "The default network \(arguments[2]) cannot be removed")
            }
            networks[arguments[2]] = nil
            return ""
        case "set":
            guard arguments.count >= 3, var network = networks[arguments[2]] else {
                throw Refusal(text: "The virtual network \(arguments.dropFirst(2).first ?? "") does not exist")
            }
            var position = 3
            while position < arguments.count {
                guard position + 1 < arguments.count else { throw Refusal(text: "Missing value for \(arguments[position])") }
                let (option, value) = (arguments[position], arguments[position + 1])
                position += 2
                switch option {
                case "--nat-tcp-add", "--nat-udp-add":
                    let fields = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                    guard network.type == "shared", fields.count == 4, !fields[0].isEmpty, let host = Int(fields[1]),
                        (1...65535).contains(host), let guest = Int(fields[3]), (1...65535).contains(guest)
                    else {
                        throw Refusal(text: "Invalid NAT rule '\(value)': <rule_name>,<src_port>,<dst_vm>,<dst_port> on the Shared network")
                    }
                    guard
                        vms.contains(where: {
                            $0.uuid == fields[2].trimmingCharacters(in: CharacterSet(charactersIn: "{}")) || $0.name == fields[2]
                        })
                    else { throw Refusal(text: "The virtual machine \(fields[2]) is not registered") }
                    guard network.tcpRules[fields[0]] == nil else { throw Refusal(text: "The NAT rule \(fields[0]) already exists") }
                    guard !network.tcpRules.values.contains(where: { $0.hasPrefix(fields[1] + ",") }) else {
                        throw Refusal(text: "Port \(fields[1]) is already forwarded")
                    }
                    network.tcpRules[fields[0]] = fields[1...].joined(separator: ",")
                case "--nat-tcp-del", "--nat-udp-del":
                    guard network.tcpRules[value] != nil else { throw Refusal(text: "The NAT rule \(value) does not exist") }
                    network.tcpRules[value] = nil
                case "--ip", "--dhcp-server", "--dhcp-ip", "--ip-scope-start", "--ip-scope-end":
                    network.settings[option] = value
                default:
                    throw Refusal(text: "Unrecognized option: \(option)")
                }
            }
            networks[arguments[2]] = network
            return ""
        default:
            throw Refusal(text: "Unknown command: net \(arguments[1])")
        }
    }

    /// `prl_disk_tool resize --hdd <image> --size <n>M|G`: refused for a disk that does not
    /// exist, a linked clone's disk, and a smaller size.
    private func diskTool(_ arguments: [String]) throws(Refusal) -> String {
        guard arguments.count == 5, arguments[0] == "resize", arguments[1] == "--hdd", arguments[3] == "--size" else {
            throw Refusal(text: "Usage: prl_disk_tool resize --hdd <disk_path> --size <size>[K|M|G|T]")
        }
        let path = arguments[2]
        guard let current = diskSizes[path] else { throw Refusal(text: "Failed to open the disk \(path): no such disk image") }
        if let owner = vms.first(where: { path.hasPrefix($0.home + "/") }), owner.linkedTo != nil {
            throw Refusal(text: "The disk \(path) belongs to a linked clone and cannot be resized")
        }
        let text = arguments[4]
        let factor: Int64 = text.hasSuffix("G") ? 1 << 30 : text.hasSuffix("M") ? 1 << 20 : 1
        guard let number = Int64(text.trimmingCharacters(in: CharacterSet(charactersIn: "KMGT"))), number > 0 else {
            throw Refusal(text: "Invalid size: \(text)")
        }
        guard number * factor >= current else { throw Refusal(text: "Shrinking is not supported without --resize_partition") }
        diskSizes[path] = number * factor
        return "Resize the disk...\nThe disk has been successfully resized.\n"
    }
}
