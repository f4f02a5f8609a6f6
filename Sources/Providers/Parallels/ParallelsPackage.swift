import BoxerSupport
import Foundation
import Machines

/// `boxer package` for a Parallels machine, as vagrant-parallels packages one: the halted VM
/// cloned as a template into the box (`prlctl clone --template --dst`), its bundle named
/// box.pvm, and the template unregistered again (the box is files, not a VM of this host).
extension ParallelsProvider {
    public func packageBox(_ context: MachineContext, into folder: String, compressImage: Bool) async throws(MachineError) -> PackagedBox {
        let (prlctl, _) = try tools()
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        let name = "boxer_package_\(context.machine.name)_\(Int(Date().timeIntervalSince1970))"
        try await prlctl.check(
            ["clone", id, "--name", name, "--template", "--dst", folder], doing: "copy \(context.machine.name) into a box")
        _ = try? await prlctl.run(["unregister", name])
        do {
            try FileManager.default.moveItem(atPath: folder + "/" + name + ".pvm", toPath: folder + "/box.pvm")
        } catch {
            throw MachineError.packageFailed(folder, "the template \(name).pvm was not where prlctl put it: \(error)")
        }
        return PackagedBox(provider: "parallels")
    }
}
