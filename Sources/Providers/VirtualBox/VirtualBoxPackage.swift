import BoxerSupport
import Foundation
import Machines

/// `boxer package` for a VirtualBox machine, as Vagrant's VirtualBox provider packages one:
/// `VBoxManage export` of the halted VM to box.ovf (with its disk, box-disk001.vmdk), and a
/// Vagrantfile that keeps NIC1's MAC (`config.vm.base_mac`) for guests that remember it.
extension VirtualBoxProvider {
    public func packageBox(_ context: MachineContext, into folder: String, compressImage: Bool) async throws(MachineError) -> PackagedBox {
        let tool = try vboxmanage()
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        let info = try await machineInfo(id, tool: tool)
        try await tool.check(["export", id, "--output", folder + "/box.ovf"], doing: "export \(context.machine.name) as a box")
        let mac = info["macaddress1"] ?? ""
        return PackagedBox(
            provider: "virtualbox",
            vagrantfile: mac.isEmpty ? nil : "Vagrant.configure(\"2\") do |config|\n  config.vm.base_mac = \"\(mac)\"\nend")
    }
}
