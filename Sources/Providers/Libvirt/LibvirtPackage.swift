import BoxerSupport
import Foundation
import Machines

/// `boxer package` of a libvirt machine: its overlay volume is brought here from its host and
/// flattened with the box image under it into one qcow2, the libvirt box that boxer, Vagrant
/// and vagrant-libvirt all take.
extension LibvirtProvider {
    public func packageBox(_ context: MachineContext, into folder: String, compressImage: Bool) async throws(MachineError) -> PackagedBox {
        let (host, id) = try created(context)
        let domainName = try domainName(context)
        let overlay = folder + "/" + domainName + ".qcow2"
        let base = folder + "/" + domainName + "-base.qcow2"
        defer {
            unlink(overlay)
            unlink(base)
        }
        let cancel = UploadCancel()
        // The box volume under the overlay: this computer's copy of the box when it is the same
        // image (the volume's name carries its SHA-256), else the host's volume, brought here too.
        let localBox = context.box.map { $0.path + "/box.img" }.flatMap { HostFiles.kind(of: $0) == .regular ? $0 : nil }
        let expected = try context.box.flatMap { box throws(MachineError) -> String? in
            guard let localBox else { return nil }
            return Self.boxVolumeName(box, architecture: guestArchitecture(context), digest: try boxDigest(localBox))
        }
        let outcome = await withTaskCancellationHandler {
            await onDedicatedThread { () throws(MachineError) -> Bool in
                let connection = try self.connection(host)
                guard try connection.domain(uuid: id) != nil else { throw MachineError.machineNotCreated }
                let pool = try self.pool(context, on: connection, host: host)
                pool.refresh()
                guard let volume = try pool.volume(named: domainName + ".qcow2") else {
                    throw MachineError.libvirtNoDisk(domainName + ".qcow2", machine: context.machine.name, uri: host.uri)
                }
                try volume.download(to: overlay, cancel: cancel)
                let backing = Self.backingName(overlay)
                if let expected, backing == expected { return true }
                guard let backing, let under = try pool.volume(named: backing) else { return false }
                try under.download(to: base, cancel: cancel)
                return false
            }
        } onCancel: {
            cancel.set()
        }
        let usesLocalBox = try outcome.get()
        guard let baseImage = usesLocalBox ? localBox : (HostFiles.kind(of: base) == .regular ? base : nil) else {
            throw MachineError.qemuImgFailed("find the box image under the disk of \(context.machine.name)", "no backing volume")
        }
        let rebased = try await Programs.run("qemu-img", ["rebase", "-u", "-f", "qcow2", "-F", "qcow2", "-b", baseImage, overlay])
        guard rebased.succeeded else {
            throw MachineError.qemuImgFailed("put the box image under the disk of \(context.machine.name)", rebased.error)
        }
        let image = folder + "/box.img"
        let converted = try await Programs.run(
            "qemu-img", ["convert", "-q", "-O", "qcow2"] + (compressImage ? ["-c"] : []) + [overlay, image])
        guard converted.succeeded else {
            throw MachineError.qemuImgFailed("flatten the disk of \(context.machine.name) into a box", converted.error)
        }
        let bytes = Self.virtualSize(image) ?? 0
        return PackagedBox(provider: "libvirt", format: "qcow2", virtualSizeGB: Int((bytes + (1 << 30) - 1) >> 30))
    }

    /// The file name of a qcow2 image's backing file, from its header (offset 8: where the name
    /// is, offset 16: its length); nil when it has none.
    static func backingName(_ image: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: image) else { return nil }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 20), header.count == 20, header.prefix(4) == Data([0x51, 0x46, 0x49, 0xfb]) else {
            return nil
        }
        let offset = header[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        let length = header[16..<20].reduce(0) { $0 << 8 | UInt32($1) }
        guard offset > 0, length > 0, length <= 1023, (try? handle.seek(toOffset: offset)) != nil,
            let name = try? handle.read(upToCount: Int(length)), name.count == Int(length)
        else { return nil }
        return String(decoding: name, as: UTF8.self).split(separator: "/").last.map(String.init)
    }
}
