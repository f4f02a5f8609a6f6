import BoxerSupport
import Foundation
import Machines
import Vagrantfile

/// `config.vm.disk` under VirtualBox, with the calls Vagrant's VirtualBox provider makes: data
/// disks made with `createmedium` (VDI, in the machine's folder) and attached to the box's SATA
/// controller; ISOs attached as DVD drives; the primary disk grown with `modifymedium
/// --resizebyte`, after a VMDK (which VirtualBox cannot resize) is cloned to a VDI that
/// replaces it. Done while the machine is off, on each start, for what is new.
extension VirtualBoxProvider {
    func configureDisks(_ context: MachineContext, id: String, tool: any HypervisorTool) async throws(MachineError) {
        let plan = try DiskPlan(
            context.machine, folder: context.folder, root: context.folder.projectRoot, fileExtension: "vdi", provider: name)
        var record = DiskRecord(context.folder)
        guard !plan.data.isEmpty || !plan.images.isEmpty || plan.primaryBytes != nil else { return }
        let recorded = context.folder.read("seed_slot")?.split(separator: "\n").map(String.init) ?? []
        let seed = recorded.count == 2 ? "\(recorded[0])-\(recorded[1])" : nil
        if let bytes = plan.primaryBytes, record.primaryBytes != bytes {
            try await growPrimary(context, id: id, bytes: bytes, tool: tool)
            record.primaryBytes = bytes
            try record.write(to: context.folder)
        }
        for disk in plan.data where !record.dataDisks.contains(disk.name) {
            if HostFiles.kind(of: disk.file) == nil {
                try await tool.check(
                    ["createmedium", "disk", "--filename", disk.file, "--sizebyte", String(disk.bytes), "--format", "VDI"],
                    doing: "create the disk '\(disk.name)' of \(context.machine.name)")
            }
            let (controller, port) = try await freeSlot(id, excluding: seed, tool: tool)
            try await tool.check(
                [
                    "storageattach", id, "--storagectl", controller, "--port", String(port), "--device", "0", "--type", "hdd", "--medium",
                    disk.file,
                ], doing: "attach the disk '\(disk.name)' to \(context.machine.name)")
            record.dataDisks.insert(disk.name)
            try record.write(to: context.folder)
        }
        for image in plan.images where !record.images.contains(image.file) {
            let (controller, port) = try await freeSlot(id, excluding: seed, tool: tool)
            try await tool.check(
                [
                    "storageattach", id, "--storagectl", controller, "--port", String(port), "--device", "0", "--type", "dvddrive",
                    "--medium", image.file,
                ], doing: "attach the dvd '\(image.name)' to \(context.machine.name)")
            record.images.insert(image.file)
            try record.write(to: context.folder)
        }
    }

    /// The machine's first hard disk: resized in place when it is a VDI (a linked clone's
    /// differencing image is one), else cloned to a VDI in the machine's folder first.
    private func growPrimary(_ context: MachineContext, id: String, bytes: Int64, tool: any HypervisorTool) async throws(MachineError) {
        let info = try await machineInfo(id, tool: tool)
        guard let (slot, medium) = Self.primaryDisk(info) else {
            throw MachineError.diskSetting(machine: context.machine.name, "VirtualBox lists no hard disk for it to grow")
        }
        var disk = medium
        if !medium.lowercased().hasSuffix(".vdi") {
            disk = context.folder.file("primary.vdi")
            try await tool.check(
                ["clonemedium", "disk", medium, disk, "--format", "VDI"],
                doing: "convert the primary disk of \(context.machine.name) to VDI")
            let parts = slot.split(separator: "-").map(String.init)
            try await tool.check(
                [
                    "storageattach", id, "--storagectl", parts.dropLast(2).joined(separator: "-"), "--port", parts[parts.count - 2],
                    "--device", parts[parts.count - 1], "--type", "hdd", "--medium", disk,
                ], doing: "attach the converted primary disk of \(context.machine.name)")
        }
        try await tool.check(
            ["modifymedium", "disk", disk, "--resizebyte", String(bytes)], doing: "grow the primary disk of \(context.machine.name)")
    }

    /// `Controller-port-device` and the medium of the first hard disk `showvminfo` lists.
    static func primaryDisk(_ info: [String: String]) -> (slot: String, medium: String)? {
        for index in 0..<8 {
            guard let controller = info["storagecontrollername\(index)"] else { break }
            for port in 0..<30 {
                let slot = "\(controller)-\(port)-0"
                if let medium = info[slot], medium != "none", medium != "emptydrive",
                    [".vmdk", ".vdi", ".vhd"].contains(where: { medium.lowercased().hasSuffix($0) })
                {
                    return (slot, medium)
                }
            }
        }
        return nil
    }

    /// A free port of the box's SATA controller for one more disk (never the seed's).
    private func freeSlot(_ id: String, excluding seed: String?, tool: any HypervisorTool) async throws(MachineError) -> (String, Int) {
        guard let slot = try await freeSATAPort(id, for: "a disk", reserved: seed ?? "", tool: tool) else {
            throw MachineError.diskSetting(machine: id, "its VM has no SATA controller with a free port for another disk")
        }
        return slot
    }
}
