import BoxerSupport
import Foundation
import Machines
import Vagrantfile

/// `config.vm.disk` under VMware: data disks made with `vmware-vdiskmanager -c` (growable
/// VMDKs in the machine's folder) on a SCSI controller of their own, ISOs as CD-ROM images,
/// the primary disk grown with `vmware-vdiskmanager -x`, which VMware allows only for a full
/// clone (`linked_clone = false`): a linked clone's disk is a delta of the box's. Done while
/// the machine is off, on each start, for what is new.
extension VMwareProvider {
    func configureDisks(_ context: MachineContext, vmx: String) async throws(MachineError) {
        let plan = try DiskPlan(
            context.machine, folder: context.folder, root: context.folder.projectRoot, fileExtension: "vmdk", provider: name)
        var record = DiskRecord(context.folder)
        let newData = plan.data.filter { !record.dataDisks.contains($0.name) }
        let newImages = plan.images.filter { !record.images.contains($0.file) }
        let grow = plan.primaryBytes.flatMap { record.primaryBytes == $0 ? nil : $0 }
        guard !newData.isEmpty || !newImages.isEmpty || grow != nil else { return }
        var file = try VMXFile.read(vmx)
        if let bytes = grow {
            guard context.settings(name)?.values["linked_clone"]?.bool == false else {
                throw MachineError.diskSetting(
                    machine: context.machine.name,
                    "VMware cannot grow the disk of a linked clone: set v.linked_clone = false in the vmware_desktop block (the machine is then a full copy of the box), then `boxer destroy` and `boxer up`"
                )
            }
            guard let primary = Self.primaryDisk(file, folder: HostFiles.parent(of: vmx)) else {
                throw MachineError.diskSetting(machine: context.machine.name, "its .vmx names no disk to grow")
            }
            try await vdiskmanager(
                ["-x", "\(DiskPlan.mebibytes(bytes))MB", primary], doing: "grow the primary disk of \(context.machine.name)")
            record.primaryBytes = bytes
        }
        for disk in newData {
            if HostFiles.kind(of: disk.file) == nil {
                try await vdiskmanager(
                    ["-c", "-s", "\(DiskPlan.mebibytes(disk.bytes))MB", "-a", "lsilogic", "-t", "0", disk.file],
                    doing: "create the disk '\(disk.name)' of \(context.machine.name)")
            }
            if file["scsi0.present"]?.uppercased() != "TRUE" {
                file["scsi0.present"] = "TRUE"
                file["scsi0.virtualDev"] = "lsilogic"
            }
            // Unit 7 is the SCSI controller's own.
            guard let unit = (0..<16).first(where: { $0 != 7 && file["scsi0:\($0).present"] == nil }) else {
                throw MachineError.diskSetting(
                    machine: context.machine.name, "its SCSI controller has no free unit for the disk '\(disk.name)'")
            }
            file["scsi0:\(unit).present"] = "TRUE"
            file["scsi0:\(unit).fileName"] = disk.file
            record.dataDisks.insert(disk.name)
        }
        let seedSlot = context.folder.read("seed_slot")
        for image in newImages {
            let candidates = ["sata1:1", "sata1:2", "sata1:3", "sata1:4", "sata2:1", "sata2:2"]
            guard let slot = candidates.first(where: { $0 != seedSlot && file["\($0).present"] == nil && file["\($0).fileName"] == nil })
            else {
                throw MachineError.diskSetting(machine: context.machine.name, "no free SATA slot is left for the dvd '\(image.name)'")
            }
            file["\(slot.prefix { $0 != ":" }).present"] = "TRUE"
            file["\(slot).present"] = "TRUE"
            file["\(slot).deviceType"] = "cdrom-image"
            file["\(slot).fileName"] = image.file
            file["\(slot).startConnected"] = "TRUE"
            record.images.insert(image.file)
        }
        try file.write(to: vmx)
        try record.write(to: context.folder)
    }

    /// The first hard disk the `.vmx` lists (by bus and unit), as an absolute path.
    static func primaryDisk(_ file: VMXFile, folder: String) -> String? {
        for bus in ["scsi0", "sata0", "nvme0", "ide0"] {
            for unit in 0..<16 {
                let slot = "\(bus):\(unit)"
                guard file["\(slot).present"]?.uppercased() == "TRUE", let name = file["\(slot).fileName"],
                    name.lowercased().hasSuffix(".vmdk"),
                    file["\(slot).deviceType"].map({ !$0.contains("cdrom") }) ?? true
                else { continue }
                return name.hasPrefix("/") ? name : folder + "/" + name
            }
        }
        return nil
    }

    @discardableResult
    func vdiskmanager(_ arguments: [String], doing what: String) async throws(MachineError) -> String {
        guard let diskManager else { throw MachineError.vdiskmanagerMissing }
        return try await diskManager.check(arguments, doing: what)
    }
}
