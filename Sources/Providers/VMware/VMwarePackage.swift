import BoxerSupport
import Foundation
import Machines

/// `boxer package` for a VMware machine, as vagrant-vmware-desktop packages one: a full clone
/// of the halted VM (`vmrun clone … full`: a linked clone's disk alone is only a delta) into the
/// box as box.vmx with its disks, without what belongs to this machine (the console file, the
/// seed's CD-ROM, static MACs).
extension VMwareProvider {
    public func packageBox(_ context: MachineContext, into folder: String, compressImage: Bool) async throws(MachineError) -> PackagedBox {
        guard let vmx = vmxPath(context) else { throw MachineError.machineNotCreated }
        let boxVMX = folder + "/box.vmx"
        try await vmrun(
            ["clone", vmx, boxVMX, "full", "-cloneName=\(context.machine.name)"], doing: "copy \(context.machine.name) into a box")
        var file = try VMXFile.read(boxVMX)
        for key in file.keys where key.hasPrefix("serial0.") { file[key] = nil }
        if let slot = context.folder.read("seed_slot") {
            for key in file.keys where key.hasPrefix(slot + ".") { file[key] = nil }
        }
        for key in file.keys where key.hasPrefix("ethernet") && key.hasSuffix(".address") {
            file[key] = nil
            file[String(key.dropLast(".address".count)) + ".addressType"] = "generated"
        }
        file["uuid.action"] = nil
        try file.write(to: boxVMX)
        return PackagedBox(provider: "vmware_desktop")
    }
}
