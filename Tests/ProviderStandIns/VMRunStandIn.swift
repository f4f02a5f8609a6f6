import Foundation
import Machines
import Providers

/// A STAND-IN for VMware's `vmrun`, not VMware: Workstation and Fusion cannot be installed on
/// the machines these tests run on. It records every call and keeps the state vmrun works on:
/// VMs are `.vmx` files (a clone writes one, `deleteVM` removes the VM's folder), snapshots per
/// VM, which VMs run, suspension as a `.vmss` file next to the `.vmx`. It refuses what vmrun
/// refuses (from its usage text and vagrant-vmware-desktop's handling of it): `-T` after the
/// command or of an unknown host type, a `.vmx` that does not exist, cloning a running VM or
/// onto an existing one, a snapshot name that is not there, starting a VM whose static MAC is
/// outside 00:50:56:00:00:00–3F:FF:FF or whose CD-ROM image is missing, stopping a VM that is
/// not running. Like vmrun it prints "Error: …" on stdout and exits 255. No guest runs:
/// `getGuestIPAddress` answers a made-up NAT address (never contacted) once the VM "runs".
final class VMRunStandIn: HypervisorTool, @unchecked Sendable {
    let name = "vmrun"
    private let lock = NSLock()
    private(set) var calls: [[String]] = []
    private(set) var running: Set<String> = []
    private(set) var snapshots: [String: [String]] = [:]
    /// The guest's tools do not answer a soft stop (a guest without open-vm-tools).
    var guestIgnoresSoftStop = false

    struct Refusal: Error { let text: String }

    func run(_ arguments: [String]) async throws(MachineError) -> Programs.Result {
        lock.withLock {
            calls.append(arguments)
            do throws(Refusal) {
                return Programs.Result(status: 0, output: try perform(arguments), error: "")
            } catch {
                return Programs.Result(status: 255, output: "Error: \(error.text)\n", error: "")
            }
        }
    }

    private func perform(_ all: [String]) throws(Refusal) -> String {
        var arguments = all
        if arguments.first == "-T" {
            guard arguments.count >= 2, ["ws", "fusion", "player"].contains(arguments[1]) else {
                throw Refusal(text: "Unrecognized host type")
            }
            arguments.removeFirst(2)
        }
        guard let command = arguments.first else { throw Refusal(text: "Usage: vmrun [AUTHENTICATION-FLAGS] COMMAND [PARAMETERS]") }
        if arguments.dropFirst().contains("-T") {
            throw Refusal(text: "Invalid argument: -T (authentication flags must come before the command)")
        }
        let parameters = Array(arguments.dropFirst())
        switch command {
        case "list":
            return "Total running VMs: \(running.count)\n" + running.sorted().map { $0 + "\n" }.joined()
        case "listSnapshots":
            let vmx = try existing(parameters.first)
            let names = snapshots[vmx] ?? []
            return "Total snapshots: \(names.count)\n" + names.map { $0 + "\n" }.joined()
        case "snapshot":
            guard parameters.count == 2 else { throw Refusal(text: "Invalid number of arguments: snapshot <vmx> <Snapshot name>") }
            let vmx = try existing(parameters[0])
            snapshots[vmx, default: []].append(parameters[1])
            return ""
        case "revertToSnapshot", "deleteSnapshot":
            guard parameters.count == 2 else { throw Refusal(text: "Invalid number of arguments: \(command) <vmx> <Snapshot name>") }
            let vmx = try existing(parameters[0])
            guard let position = snapshots[vmx]?.firstIndex(of: parameters[1]) else {
                throw Refusal(text: "A snapshot with the name does not exist: \(parameters[1])")
            }
            if command == "deleteSnapshot" { snapshots[vmx]?.remove(at: position) } else { running.remove(vmx) }
            return ""
        case "clone":
            return try clone(parameters)
        case "start":
            guard parameters.count <= 2, parameters.count == 1 || ["gui", "nogui"].contains(parameters[1]) else {
                throw Refusal(text: "Invalid argument: start <vmx> [gui|nogui]")
            }
            let vmx = try existing(parameters.first)
            guard !running.contains(vmx) else { throw Refusal(text: "The virtual machine is already running: \(vmx)") }
            try checkStartable(vmx)
            for file in suspendFiles(vmx) { unlink(file) }
            running.insert(vmx)
            return ""
        case "stop", "suspend", "reset":
            guard parameters.count <= 2, parameters.count == 1 || ["hard", "soft"].contains(parameters[1]) else {
                throw Refusal(text: "Invalid argument: \(command) <vmx> [hard|soft]")
            }
            let vmx = try existing(parameters.first)
            guard running.contains(vmx) else { throw Refusal(text: "The virtual machine is not powered on: \(vmx)") }
            let soft = parameters.count == 2 && parameters[1] == "soft"
            if soft, guestIgnoresSoftStop { throw Refusal(text: "The VMware Tools are not running in the virtual machine: \(vmx)") }
            if command == "reset" { return "" }
            running.remove(vmx)
            if command == "suspend" {
                _ = FileManager.default.createFile(
                    atPath: (vmx as NSString).deletingPathExtension + ".vmss", contents: Data("suspended".utf8))
            }
            return ""
        case "getGuestIPAddress":
            guard parameters.count == 1 || (parameters.count == 2 && parameters[1] == "-wait") else {
                throw Refusal(text: "Invalid argument: getGuestIPAddress <vmx> [-wait]")
            }
            let vmx = try existing(parameters.first)
            guard running.contains(vmx) else { throw Refusal(text: "The virtual machine is not powered on: \(vmx)") }
            return "172.16.93.\(128 + Int(vmx.utf8.reduce(0) { ($0 &+ Int($1)) % 100 }))\n"
        case "deleteVM":
            let vmx = try existing(parameters.first)
            guard !running.contains(vmx) else { throw Refusal(text: "The virtual machine is powered on: \(vmx)") }
            // vmrun deletes the VM's files: the folder of its .vmx.
            try? FileManager.default.removeItem(atPath: (vmx as NSString).deletingLastPathComponent)
            snapshots[vmx] = nil
            return ""
        default:
            throw Refusal(text: "Unrecognized command: \(command)")
        }
    }

    private func existing(_ vmx: String?) throws(Refusal) -> String {
        guard let vmx, vmx.hasSuffix(".vmx"), FileManager.default.fileExists(atPath: vmx) else {
            throw Refusal(text: "Cannot open VM: \(vmx ?? ""), The virtual machine cannot be found")
        }
        return vmx
    }

    private func clone(_ parameters: [String]) throws(Refusal) -> String {
        guard parameters.count >= 3, ["full", "linked"].contains(parameters[2]) else {
            throw Refusal(
                text:
                    "Invalid argument: clone <Path to vmx file> <Path to destination vmx file> full|linked [-snapshot=Snapshot Name] [-cloneName=Name]"
            )
        }
        let source = try existing(parameters[0])
        let destination = parameters[1]
        guard !running.contains(source) else { throw Refusal(text: "The virtual machine should not be powered on. It is already running.") }
        guard destination.hasSuffix(".vmx"), !FileManager.default.fileExists(atPath: destination) else {
            throw Refusal(text: "The destination file already exists or is not a .vmx: \(destination)")
        }
        var snapshot: String?
        var cloneName: String?
        for option in parameters.dropFirst(3) {
            if option.hasPrefix("-snapshot=") {
                snapshot = String(option.dropFirst("-snapshot=".count))
            } else if option.hasPrefix("-cloneName=") {
                cloneName = String(option.dropFirst("-cloneName=".count))
            } else {
                throw Refusal(text: "Invalid argument: \(option)")
            }
        }
        if let snapshot {
            guard snapshots[source]?.filter({ $0 == snapshot }).count == 1 else {
                throw Refusal(text: "The name does not uniquely identify one snapshot: \(snapshot)")
            }
        } else if parameters[2] == "linked" {
            // What VMware does without -snapshot: a snapshot named "Clone", every time.
            snapshots[source, default: []].append("Clone")
        }
        guard var text = try? String(contentsOfFile: source, encoding: .utf8) else { throw Refusal(text: "Cannot open VM: \(source)") }
        try? FileManager.default.createDirectory(
            atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if parameters[2] == "full" {
            // A full clone copies the disks next to the new .vmx, as "<disk>-cl1.vmdk".
            var file = VMXFile(text: text)
            let sourceFolder = (source as NSString).deletingLastPathComponent
            for key in file.keys where key.lowercased().hasSuffix(".filename") {
                guard let disk = file[key], disk.lowercased().hasSuffix(".vmdk") else { continue }
                let from = disk.hasPrefix("/") ? disk : sourceFolder + "/" + disk
                let copy = ((disk as NSString).lastPathComponent as NSString).deletingPathExtension + "-cl1.vmdk"
                try? FileManager.default.copyItem(
                    atPath: from, toPath: (destination as NSString).deletingLastPathComponent + "/" + copy)
                file[key] = copy
            }
            text = file.text
        }
        text += "displayName = \"\(cloneName ?? "Clone of " + ((source as NSString).lastPathComponent))\"\n"
        if parameters[2] == "linked" { text += "# linked clone of \(source) at \(snapshot ?? "Clone")\n" }
        try? FileManager.default.createDirectory(
            atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: destination, contents: Data(text.utf8)) else {
            throw Refusal(text: "Cannot create \(destination)")
        }
        return ""
    }

    /// What VMware checks when it powers a VM on: static MACs in its range, CD-ROM images there.
    private func checkStartable(_ vmx: String) throws(Refusal) {
        guard let text = try? String(contentsOfFile: vmx, encoding: .utf8) else { throw Refusal(text: "Cannot open VM: \(vmx)") }
        let file = VMXFile(text: text)
        for key in file.keys where key.lowercased().hasSuffix(".address") && key.lowercased().hasPrefix("ethernet") {
            let mac = file[key] ?? ""
            let parts = mac.split(separator: ":").compactMap { UInt8($0, radix: 16) }
            guard parts.count == 6, parts[0] == 0x00, parts[1] == 0x50, parts[2] == 0x56, parts[3] <= 0x3f else {
                throw Refusal(
                    text:
                        "Failed to start the virtual machine: \(mac) is not an allowed static Ethernet address. It conflicts with VMware reserved MACs."
                )
            }
        }
        for key in file.keys where key.lowercased().hasSuffix(".devicetype") && file[key] == "cdrom-image" {
            let slot = String(key.dropLast(".deviceType".count))
            guard file[slot + ".present"]?.uppercased() == "TRUE" else { continue }
            let image = file[slot + ".fileName"] ?? ""
            guard FileManager.default.fileExists(atPath: image) else {
                throw Refusal(text: "Failed to start the virtual machine: cannot open the CD-ROM image \(image)")
            }
        }
    }

    private func suspendFiles(_ vmx: String) -> [String] {
        let folder = (vmx as NSString).deletingLastPathComponent
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".vmss") }.map {
            folder + "/" + $0
        }
    }
}
