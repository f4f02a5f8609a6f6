import BoxerSupport
import Foundation
import Machines
import Vagrantfile

/// A machine's `config.vm.disk` entries as the QEMU provider attaches them: the primary disk's
/// size, data disks as qcow2 files in the machine's folder (virtio, their name as the serial, so
/// guests see `/dev/disk/by-id/virtio-<name>`), and ISOs read-only.
struct QEMUDisks: Sendable, Equatable {
    struct DataDisk: Sendable, Equatable {
        var name: String
        var bytes: Int64
        /// The file in the machine's folder.
        var file: String
    }

    struct Image: Sendable, Equatable {
        var name: String
        var file: String
    }

    /// `primary: true` with `size:` (or `machine_virtual_size`): the size the machine's disk grows to.
    var primaryBytes: Int64?
    /// Whether `primaryBytes` is the Vagrantfile's own `config.vm.disk` size (refused below the
    /// box's) rather than vagrant-libvirt's `machine_virtual_size` (ignored below it, as there).
    var primaryIsExplicit = false
    var data: [DataDisk] = []
    var images: [Image] = []

    /// Reads the entries, with Vagrant's checks: a size for every disk, a name for every data
    /// disk, no name twice, an existing file for a DVD. `machine_virtual_size` (GB) in a
    /// libvirt/qemu block sets the primary size too, as vagrant-libvirt has it.
    init(_ machine: Machine, folder: MachineFolder, root: String, virtualSizeGB: Int?) throws(MachineError) {
        var names: Set<String> = []
        if let virtualSizeGB { primaryBytes = Int64(virtualSizeGB) << 30 }
        guard case .array(let entries)? = machine.settings["disks"] else { return }
        for case .object(let fields) in entries {
            let type = fields["type"]?.string ?? "disk"
            let primary = fields["primary"]?.bool ?? false
            let name = fields["name"]?.string ?? (primary ? "vagrant_primary" : "")
            // Compared as the file names they become: "data 1" and "data_1" would share a file.
            if !names.insert(Self.fileName(name)).inserted, !name.isEmpty {
                throw MachineError.diskSetting(machine: machine.name, "the disk name '\(name)' is used twice; each disk needs its own name")
            }
            switch type {
            case "disk":
                guard let size = fields["size"], let bytes = Self.bytes(size) else {
                    throw MachineError.diskSetting(
                        machine: machine.name, "disk '\(name)' needs a size such as \"10GB\" (got \(fields["size"]?.description ?? "none"))"
                    )
                }
                if primary {
                    primaryBytes = bytes
                    primaryIsExplicit = true
                } else {
                    guard !name.isEmpty else {
                        throw MachineError.diskSetting(
                            machine: machine.name,
                            "a disk that is not primary needs a name: config.vm.disk :disk, name: \"data\", size: ...")
                    }
                    data.append(DataDisk(name: name, bytes: bytes, file: folder.file("disk-\(Self.fileName(name)).qcow2")))
                }
            case "dvd":
                guard let path = fields["file"]?.string else {
                    throw MachineError.diskSetting(
                        machine: machine.name, "the dvd '\(name)' needs a file: config.vm.disk :dvd, file: \"./image.iso\"")
                }
                let file = HostFiles.absolute((path as NSString).expandingTildeInPath, relativeTo: root)
                guard HostFiles.kind(of: file) == .regular else {
                    throw MachineError.diskSetting(machine: machine.name, "the dvd file \(file) does not exist")
                }
                images.append(Image(name: name, file: file))
            default:
                throw MachineError.diskSetting(
                    machine: machine.name, "disks of type '\(type)' are not supported by the QEMU provider (use :disk or :dvd)")
            }
        }
    }

    /// Vagrant's Numeric.string_to_bytes: "10GB", "512 MB", "1TB" (powers of 1024); an integer is bytes.
    static func bytes(_ value: ConfigValue) -> Int64? {
        if case .int(let number) = value { return number > 0 ? Int64(number) : nil }
        guard let text = value.string?.trimmingCharacters(in: .whitespaces).uppercased() else { return nil }
        let units: [(String, Int64)] = [("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let number = Int64(text.dropLast(2).trimmingCharacters(in: .whitespaces)), number > 0 else { return nil }
            return number * factor
        }
        return Int64(text).flatMap { $0 > 0 ? $0 : nil }
    }

    /// A disk name as part of a file name: letters, digits, `-`, `_` and `.` kept, the rest `_`.
    static func fileName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
    }

    /// The serial QEMU gives a data disk: virtio-blk keeps 20 characters.
    static func serial(_ name: String) -> String {
        String(fileName(name).prefix(20))
    }
}
