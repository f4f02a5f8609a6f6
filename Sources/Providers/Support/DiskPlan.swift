import BoxerSupport
import Foundation
import Machines
import Vagrantfile

/// A machine's `config.vm.disk` entries as every provider attaches them: the primary disk's
/// size, data disks as files in the machine's folder (`disk-<name>.<ext>`, in the provider's
/// own format), and ISOs read-only. Each provider turns the plan into its own calls.
public struct DiskPlan: Sendable, Equatable {
    public struct DataDisk: Sendable, Equatable {
        public var name: String
        public var bytes: Int64
        /// The file in the machine's folder.
        public var file: String
    }

    public struct Image: Sendable, Equatable {
        public var name: String
        public var file: String
        /// `provider_config: {"libvirt__bus" => "scsi"}`: the bus of the libvirt provider's cdrom.
        public var libvirtBus: String? = nil
    }

    /// `primary: true` with `size:` (or `machine_virtual_size`): the size the machine's disk grows to.
    public var primaryBytes: Int64?
    /// Whether `primaryBytes` is the Vagrantfile's own `config.vm.disk` size (refused below the
    /// box's) rather than vagrant-libvirt's `machine_virtual_size` (ignored below it, as there).
    public var primaryIsExplicit = false
    public var data: [DataDisk] = []
    public var images: [Image] = []

    /// Reads the entries, with Vagrant's checks: a size for every disk, a name for every data
    /// disk, no name twice, an existing file for a DVD. `machine_virtual_size` (GB) in a
    /// libvirt/qemu block sets the primary size too, and its `storage :file` calls add data
    /// disks and ISOs, as vagrant-libvirt has them (`libvirtStorage`, for the providers that
    /// read those blocks). `fileExtension`: the provider's disk format (qcow2, vdi, vmdk, hdd).
    public init(
        _ machine: Machine, folder: MachineFolder, root: String, virtualSizeGB: Int? = nil, fileExtension: String,
        provider: String, libvirtStorage: [ProviderCall] = []
    ) throws(MachineError) {
        var names: Set<String> = []
        if let virtualSizeGB { primaryBytes = Int64(virtualSizeGB) << 30 }
        var entries: [[String: ConfigValue]] = []
        if case .array(let written)? = machine.settings["disks"] {
            for case .object(let fields) in written { entries.append(fields) }
        }
        entries += Self.libvirtEntries(libvirtStorage)
        for fields in entries {
            let type = fields["type"]?.string ?? "disk"
            let primary = fields["primary"]?.bool ?? false
            let name = fields["name"]?.string ?? (primary ? "vagrant_primary" : "")
            // Compared as the file names they become: "data 1" and "data_1" would share a file.
            if !names.insert(Self.fileName(name)).inserted, !name.isEmpty {
                throw MachineError.diskSetting(machine: machine.name, "the disk name '\(name)' is used twice; each disk needs its own name")
            }
            switch type {
            case "disk":
                guard let size = fields["size"], let bytes = size.byteCount else {
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
                    data.append(DataDisk(name: name, bytes: bytes, file: folder.file("disk-\(Self.fileName(name)).\(fileExtension)")))
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
                var bus: String?
                if case .object(let options)? = fields["provider_config"] { bus = options["libvirt__bus"]?.string }
                images.append(Image(name: name, file: file, libvirtBus: bus))
            default:
                throw MachineError.diskSetting(
                    machine: machine.name, "disks of type '\(type)' are not supported by the \(provider) provider (use :disk or :dvd)")
            }
        }
    }

    /// vagrant-libvirt's `storage :file, size: "20G", device: "vdb"` (a data disk named after
    /// its device, 10G by default) and `storage :file, device: :cdrom, path: "x.iso"`.
    static func libvirtEntries(_ calls: [ProviderCall]) -> [[String: ConfigValue]] {
        var entries: [[String: ConfigValue]] = []
        for call in calls where call.name == "storage" && call.arguments.first?.string == "file" {
            guard case .object(let options)? = call.arguments.dropFirst().first ?? .object([:]) else { continue }
            let device = options["device"]?.string
            if device == "cdrom" {
                var entry: [String: ConfigValue] = ["type": .string("dvd"), "name": .string("cdrom\(entries.count)")]
                if let path = options["path"] { entry["file"] = path }
                entries.append(entry)
                continue
            }
            // libvirt's sizes are "20G": Vagrant's parser wants "20GB".
            var size = options["size"]?.string ?? "10G"
            if let last = size.last, "KMGT".contains(last.uppercased()) { size += "B" }
            entries.append(["type": .string("disk"), "name": .string(device ?? "disk\(entries.count + 1)"), "size": .string(size)])
        }
        return entries
    }

    /// A disk name as part of a file name: letters, digits, `-`, `_` and `.` kept, the rest `_`.
    public static func fileName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
    }

    /// The serial QEMU gives a data disk: virtio-blk keeps 20 characters.
    static func serial(_ name: String) -> String {
        String(fileName(name).prefix(20))
    }

    /// Whole mebibytes, rounded up: what VBoxManage, vmware-vdiskmanager and prl_disk_tool take.
    static func mebibytes(_ bytes: Int64) -> Int64 { (bytes + (1 << 20) - 1) >> 20 }
}
