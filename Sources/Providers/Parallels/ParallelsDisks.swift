import BoxerSupport
import Foundation
import Machines
import Vagrantfile

/// `config.vm.disk` under Parallels: data disks added with `prlctl set --device-add hdd`
/// (expanding images in the machine's folder), ISOs as CD-ROMs, the primary disk grown with
/// `prl_disk_tool resize`, which Parallels allows only for a full clone (`linked_clone =
/// false`): a linked clone's disk belongs to the box's snapshot. Done while the machine is
/// off, on each start, for what is new.
extension ParallelsProvider {
    func configureDisks(_ context: MachineContext, id: String, tool: any HypervisorTool) async throws(MachineError) {
        let plan = try DiskPlan(
            context.machine, folder: context.folder, root: context.folder.projectRoot, fileExtension: "hdd", provider: name)
        var record = DiskRecord(context.folder)
        if let bytes = plan.primaryBytes, record.primaryBytes != bytes {
            guard context.settings(name)?.values["linked_clone"]?.bool == false else {
                throw MachineError.diskSetting(
                    machine: context.machine.name,
                    "Parallels cannot grow the disk of a linked clone: set prl.linked_clone = false in the parallels block (the machine is then a full copy of the box), then `boxer destroy` and `boxer up`"
                )
            }
            let vmFolder = context.folder.file("vm")
            guard let bundle = HostFiles.entries(of: vmFolder).sorted().first(where: { $0.hasSuffix(".pvm") }) else {
                throw MachineError.diskSetting(machine: context.machine.name, "its VM bundle is not in \(vmFolder)")
            }
            guard let diskTool else { throw MachineError.prlDiskToolMissing }
            try await diskTool.check(
                ["resize", "--hdd", vmFolder + "/" + bundle + "/harddisk.hdd", "--size", "\(DiskPlan.mebibytes(bytes))M"],
                doing: "grow the primary disk of \(context.machine.name)")
            record.primaryBytes = bytes
            try record.write(to: context.folder)
        }
        for disk in plan.data where !record.dataDisks.contains(disk.name) {
            try await tool.check(
                [
                    "set", id, "--device-add", "hdd", "--image", disk.file, "--type", "expand", "--size",
                    String(DiskPlan.mebibytes(disk.bytes)),
                ], doing: "add the disk '\(disk.name)' to \(context.machine.name)")
            record.dataDisks.insert(disk.name)
            try record.write(to: context.folder)
        }
        for image in plan.images where !record.images.contains(image.file) {
            try await tool.check(
                ["set", id, "--device-add", "cdrom", "--image", image.file, "--connect"],
                doing: "attach the dvd '\(image.name)' to \(context.machine.name)")
            record.images.insert(image.file)
            try record.write(to: context.folder)
        }
    }
}
