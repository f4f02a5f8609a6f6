import BoxerSupport
import Foundation
import Machines

/// `boxer package` for a QEMU machine: its overlay and the box beneath it flattened into one
/// qcow2 (`qemu-img convert` writes only the clusters that hold data), as a libvirt box, which
/// boxer's QEMU provider, Vagrant's libvirt provider and vagrant-qemu all take; with
/// `--compress-image`, a compressed qcow2 (smaller, slower to write, read as usual).
extension QEMUProvider {
    public func packageBox(_ context: MachineContext, into folder: String, compressImage: Bool) async throws(MachineError) -> PackagedBox {
        let image = folder + "/box.img"
        let converted = try await Programs.run(
            "qemu-img", ["convert", "-q", "-O", "qcow2"] + (compressImage ? ["-c"] : []) + [diskPath(context), image])
        guard converted.succeeded else {
            throw MachineError.qemuImgFailed("flatten the disk of \(context.machine.name) into a box", converted.error)
        }
        let bytes = try await Self.virtualSize(image) ?? 0
        return PackagedBox(provider: "libvirt", format: "qcow2", virtualSizeGB: Int((bytes + (1 << 30) - 1) >> 30))
    }
}
